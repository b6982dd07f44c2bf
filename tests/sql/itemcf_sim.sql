-- itemcf_sim: the three methods on a hand case, the default method, top_n and
-- ties, item_a = ? and IN, ids as given, and the errors.
.mode list
CREATE TABLE t(user, item);
-- u1 = {a, b, c}, u2 = {a, b, c, d}, u3 = {a, b, d}: |U_a| = |U_b| = 3, |U_c| = |U_d| = 2
INSERT INTO t VALUES ('u1', 'a'), ('u1', 'b'), ('u1', 'c'), ('u1', 'a'),
  ('u2', 'a'), ('u2', 'b'), ('u2', 'c'), ('u2', 'd'), ('u3', 'a'), ('u3', 'b'), ('u3', 'd');
-- co(a, b) = 3, co(a, c) = co(a, d) = 2, co(c, d) = 1
SELECT 'cooccurrence', item_a, item_b, score FROM itemcf_sim('t', 10, 'cooccurrence');
-- cosine: a-b 3/3 = 1, a-c 2/sqrt(6) = 0.816497, c-d 1/2
SELECT 'cosine', item_a, item_b, printf('%.6f', score) FROM itemcf_sim('t', 10, 'cosine');
-- jaccard: a-b 3/3, a-c 2/(3 + 2 - 2) = 2/3, c-d 1/(2 + 2 - 1) = 1/3
SELECT 'jaccard', item_a, item_b, printf('%.6f', score) FROM itemcf_sim('t', 10, 'jaccard');
-- the default method is cosine, the default top_n 100
SELECT 'default', count(*) FROM (SELECT * FROM itemcf_sim('t') EXCEPT SELECT * FROM itemcf_sim('t', 100, 'cosine'));
-- top_n 1: c's ties (a, b at 0.816) go to the item seen first
SELECT 'top1', item_a, item_b FROM itemcf_sim('t', 1);
-- item_a = ?, IN, by name, unknown item
SELECT 'eq', item_b, printf('%.6f', score) FROM itemcf_sim('t', 10, 'jaccard') WHERE item_a = 'd';
SELECT 'in', item_a, item_b FROM itemcf_sim('t', 2) WHERE item_a IN ('c', 'd', 'zz');
SELECT 'by-name', item_b, score, method FROM itemcf_sim WHERE source = 't' AND method = 'cooccurrence' AND item_a = 'c';
SELECT 'unknown-item', count(*) FROM itemcf_sim('t') WHERE item_a = 'zz';
-- threads do not change the scores
SELECT 'threads', count(*) FROM (SELECT * FROM itemcf_sim WHERE source = 't' AND threads = 1
  EXCEPT SELECT * FROM itemcf_sim WHERE source = 't' AND threads = 4);
-- INTEGER ids stay INTEGER
SELECT 'types', item_a, typeof(item_a), item_b, typeof(item_b), score FROM itemcf_sim('SELECT 1, 10 UNION ALL SELECT 1, 20', 5, 'cooccurrence');
-- empty source
SELECT 'empty', count(*) FROM itemcf_sim('SELECT 1, 2 WHERE 0');
-- errors
SELECT * FROM itemcf_sim;
SELECT * FROM itemcf_sim(NULL);
SELECT * FROM itemcf_sim('no_such_table');
SELECT * FROM itemcf_sim('t', 0);
SELECT * FROM itemcf_sim('t', 10, 'pearson');
SELECT * FROM itemcf_sim('t', 10, 3);
SELECT * FROM itemcf_sim WHERE source = 't' AND threads = -2;
SELECT * FROM itemcf_sim WHERE source = 't' AND alpha = 1;
