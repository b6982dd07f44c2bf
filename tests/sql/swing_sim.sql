-- swing_sim: the hand case of docs/internals.md with exact values, TEXT and INTEGER ids,
-- top_n and ties, item_a = ? and IN, arguments by name, user weights, caps,
-- the source cache seeing changes, and the errors.
.mode list
CREATE TABLE t(user, item);
-- u1 = {a, b, c}, u2 = {a, b, c, d}, u3 = {a, b, d} (the duplicate (u1, a) counts once)
INSERT INTO t VALUES ('u1', 'a'), ('u1', 'b'), ('u1', 'c'), ('u1', 'a'),
  ('u2', 'a'), ('u2', 'b'), ('u2', 'c'), ('u2', 'd'), ('u3', 'a'), ('u3', 'b'), ('u3', 'd');
-- score(a, b) = 1/4 + 1/3 + 1/4 = 5/6; score(a, c) = score(a, d) = 1/4; score(c, d) = 0: no row
SELECT 'hand', item_a, item_b, printf('%.15f', score), abs(score - 5.0 / 6) < 1e-15 OR score = 0.25 FROM swing_sim('t', 1.0);
-- alpha = 0: pairs weigh 1/|I_u ∩ I_v|: score(a, b) = 1/3 + 1/2 + 1/3
SELECT 'alpha0', item_a, item_b, printf('%.15f', score) FROM swing_sim('t', 0) WHERE item_a = 'a';
-- top_n 1: ties (c and d at 1/4 for a) go to the item seen first in the source
SELECT 'top1', item_a, item_b, printf('%.4f', score) FROM swing_sim('t', 1, 1);
-- item_a = ? and IN compute those items only; an unknown item gives no rows
SELECT 'eq', item_b, printf('%.4f', score) FROM swing_sim('t') WHERE item_a = 'c';
SELECT 'in', item_a, item_b, printf('%.4f', score) FROM swing_sim('t') WHERE item_a IN ('d', 'c', 'zz', 'c');
SELECT 'unknown-item', count(*) FROM swing_sim('t') WHERE item_a = 'zz';
-- the join form: item_a from another table
CREATE TABLE q(x);
INSERT INTO q VALUES ('b'), ('d');
SELECT 'join', q.x, s.item_b, printf('%.4f', s.score) FROM q, swing_sim('t') s WHERE s.item_a = q.x ORDER BY 2, 4 DESC, 3;
-- arguments by name; hidden columns give the arguments back
SELECT 'by-name', item_b, printf('%.4f', score), alpha, top_n FROM swing_sim WHERE source = 't' AND alpha = 2 AND top_n = 2 AND item_a = 'a';
-- user weights: w_u = (|I_u| + user_alpha)^-beta; beta = 1, user_alpha = 1: w = 1/4, 1/5, 1/4
-- score(a, b) = (1/4)(1/5)/4 + (1/4)(1/4)/3 + (1/5)(1/4)/4 = 1/80 + 1/48 + 1/80 = 11/240 = 0.0458333...;
-- score(a, c) = score(a, d) = 1/80 = 0.0125
SELECT 'weights', item_b, printf('%.15f', score) FROM swing_sim WHERE source = 't' AND beta = 1 AND user_alpha = 1 AND item_a = 'a';
-- max_user_items 3: u2 (4 items) is left out; only u1-u3 pairs: score(a, b) = 1/(1 + 2) = 1/3
SELECT 'max_user_items', item_a, item_b, printf('%.4f', score) FROM swing_sim WHERE source = 't' AND max_user_items = 3;
-- max_item_users 2: a and b keep 2 of their 3 users (seeded), so one pair each
SELECT 'max_item_users', item_a, count(*) FROM swing_sim WHERE source = 't' AND max_item_users = 2 AND seed = 5 GROUP BY item_a;
SELECT 'same-seed', count(*) FROM (SELECT * FROM swing_sim WHERE source = 't' AND max_item_users = 2 AND seed = 5
  EXCEPT SELECT * FROM swing_sim WHERE source = 't' AND max_item_users = 2 AND seed = 5);
-- threads do not change the scores
SELECT 'threads', count(*) FROM (SELECT item_a, item_b, score FROM swing_sim WHERE source = 't' AND threads = 1
  EXCEPT SELECT item_a, item_b, score FROM swing_sim WHERE source = 't' AND threads = 3);
-- INTEGER ids come back as INTEGER; INTEGER 1 and TEXT '1' are different items
CREATE TABLE n(u INTEGER, i);
INSERT INTO n VALUES (1, 10), (1, 20), (2, 10), (2, 20), (3, 10), (3, '20');
SELECT 'types', item_a, typeof(item_a), item_b, typeof(item_b), printf('%.4f', score) FROM swing_sim('n');
-- a SELECT source, a view, and NULL ids skipped
CREATE VIEW v AS SELECT user, item FROM t WHERE user <> 'u3';
SELECT 'view', item_a, item_b, printf('%.4f', score) FROM swing_sim('v') WHERE item_a = 'a';
SELECT 'select', count(*) FROM swing_sim('SELECT user, item FROM t UNION ALL SELECT NULL, ''a''');
-- the cached graph follows changes to the table
SELECT 'before', count(*) FROM swing_sim('t') WHERE item_a = 'c';
INSERT INTO t VALUES ('u3', 'c');
SELECT 'after-insert', item_b, printf('%.4f', score) FROM swing_sim('t') WHERE item_a = 'c';
DELETE FROM t WHERE user = 'u3' AND item = 'c';
SELECT 'after-delete', item_b, printf('%.4f', score) FROM swing_sim('t') WHERE item_a = 'c';
-- a graph read inside a transaction that is rolled back is not kept
BEGIN;
INSERT INTO t VALUES ('u3', 'c');
SELECT 'in-txn', item_b, printf('%.4f', score) FROM swing_sim('t') WHERE item_a = 'c';
ROLLBACK;
SELECT 'after-rollback', item_b, printf('%.4f', score) FROM swing_sim('t') WHERE item_a = 'c';
DROP TABLE t;
CREATE TABLE t(user, item);
INSERT INTO t VALUES (1, 'x'), (1, 'y'), (2, 'x'), (2, 'y');
SELECT 'recreated', item_a, item_b, printf('%.4f', score) FROM swing_sim('t');
-- the source from another table (the join form of the source argument)
CREATE TABLE srcs(name);
INSERT INTO srcs VALUES ('t'), ('SELECT 1, 2 UNION ALL SELECT 1, 3 UNION ALL SELECT 2, 2 UNION ALL SELECT 2, 3');
SELECT 'source-join', s.name, count(*) FROM srcs s, swing_sim(s.name) n GROUP BY s.name ORDER BY s.name;
-- more items than one chunk (2048): users A_k and B_k both have items 2k and 2k + 1
-- (k < 3000), so every item has exactly its partner at 1/(1 + 2)
CREATE TABLE big AS WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x < 2999)
  SELECT 'A' || x AS user, 2 * x AS item FROM k UNION ALL SELECT 'B' || x, 2 * x FROM k
  UNION ALL SELECT 'A' || x, 2 * x + 1 FROM k UNION ALL SELECT 'B' || x, 2 * x + 1 FROM k;
SELECT 'chunks', count(*), count(DISTINCT item_a), sum(item_b = item_a + 1 - 2 * (item_a % 2)),
  min(score) = max(score), printf('%.15f', max(score)) FROM swing_sim('big');
SELECT 'limit', count(*) FROM (SELECT * FROM swing_sim('big') LIMIT 3);
-- an empty source gives no rows; a single user gives no pairs
SELECT 'empty', count(*) FROM swing_sim('SELECT 1, 2 WHERE 0');
SELECT 'one-user', count(*) FROM swing_sim('SELECT 1, 2 UNION ALL SELECT 1, 3');
-- errors
SELECT * FROM swing_sim;
SELECT * FROM swing_sim(NULL);
SELECT * FROM swing_sim('no_such_table');
SELECT * FROM swing_sim('t', -1);
SELECT * FROM swing_sim('t', 'x');
SELECT * FROM swing_sim('t', 1, 0);
SELECT * FROM swing_sim('t', 1, 2.5);
SELECT * FROM swing_sim WHERE source = 't' AND beta = -1;
SELECT * FROM swing_sim WHERE source = 't' AND max_user_items = 0;
SELECT * FROM swing_sim WHERE source = 't' AND threads = 0;
SELECT * FROM swing_sim WHERE source = 't' AND verbose = 2;
SELECT * FROM swing_sim WHERE source = 't' AND gamma = 1;
SELECT * FROM swing_sim('t', 1, 10, 0, 0, NULL, NULL, 0, 1, 0, 'extra');
SELECT * FROM swing_sim('SELECT 1');
SELECT 'still-works', count(*) FROM swing_sim('t');
