-- recommend: exact top-k against a brute-force SQL ranking, exclusions,
-- biases, ties, k beyond the items, user = ?, ids as given, and errors.
.mode list
-- users u1 = [1, 0], u2 = [0, 1], u3 = [1, 1]; items a..e with biases
CREATE TABLE us(id, emb);
INSERT INTO us VALUES ('u1', embed('[1, 0]')), ('u2', embed('[0, 1]')), (3, embed('[1, 1]'));
CREATE TABLE it(id, emb, bias);
INSERT INTO it VALUES ('a', embed('[3, 0]'), 0), ('b', embed('[2, 2]'), 0.5), ('c', embed('[0, 3]'), -1),
                      ('d', embed('[1, 1]'), 0), ('e', embed('[-1, 2]'), 2);
-- by hand: u1 scores a 3, b 2.5, c -1, d 1, e 1; u2: a 0, b 2.5, c 2, d 1, e 4;
--          user 3: a 3, b 4.5, c 2, d 2, e 3
SELECT 'top2', * FROM recommend('us', 'it', 2);
-- ties (u1: d and e both 1; user 3: a and e both 3, c and d both 2) go by the items' order
SELECT 'ties', user, group_concat(item, ' ') FROM (SELECT * FROM recommend('us', 'it', 5) ORDER BY user, rank) GROUP BY user ORDER BY user;
-- the same ranking by brute force in plain SQL
SELECT 'brute', user, group_concat(item, ' ') FROM (
  SELECT u.id user, i.id item FROM us u, it i ORDER BY u.id, embed_dot(u.emb, i.emb) + i.bias DESC, i.rowid)
  GROUP BY user ORDER BY user;
-- exclusions: never returned; pairs naming unknown users or items are ignored
CREATE TABLE seen(user, item);
INSERT INTO seen VALUES ('u1', 'a'), ('u2', 'e'), ('u2', 'b'), (3, 'b'), ('nobody', 'a'), ('u1', 'zz');
SELECT 'excluded', * FROM recommend('us', 'it', 2, 'seen');
SELECT 'never-excluded', count(*) FROM recommend('us', 'it', 5, 'seen') r JOIN seen s ON r.user = s.user AND r.item = s.item;
-- k beyond the items: every item that is left
SELECT 'k-big', user, count(*) FROM recommend('us', 'it', 100, 'seen') GROUP BY user ORDER BY user;
-- user = ? computes one user
SELECT 'one-user', item, score, rank FROM recommend('us', 'it', 3, 'seen') WHERE user = 'u2';
SELECT 'no-such-user', count(*) FROM recommend('us', 'it', 3) WHERE user = 'nobody';
-- items without a bias column: pure inner product; ids keep their type
SELECT 'no-bias', user, item, score FROM recommend('us', 'SELECT id, emb FROM it', 1) ORDER BY user;
SELECT 'types', typeof(user), count(*) FROM recommend('us', 'it', 1) GROUP BY 2 ORDER BY 2;
-- default k is 10 (here: all 5 items); arguments by name
SELECT 'default-k', count(*) FROM recommend('us', 'it');
SELECT 'by-name', count(*) FROM recommend WHERE users = 'us' AND items = 'it' AND k = 2 AND exclude = 'seen';
-- JSON embeddings are accepted in sources
SELECT 'json', * FROM recommend('SELECT 1, ''[1, 2]''', 'SELECT ''x'', ''[3, 4]'' UNION ALL SELECT ''y'', ''[-1, 5]''', 5);
-- an empty users or items source gives no rows
SELECT 'empty', count(*) FROM recommend('SELECT 1, x''0000803f'' WHERE 0', 'it', 3);
-- errors
SELECT * FROM recommend('us', 'it', 0);
SELECT * FROM recommend('us', 'it', -1);
SELECT * FROM recommend('us', 'it', 'ten');
SELECT * FROM recommend('us', 'SELECT 1, embed(''[1, 2, 3]'')', 3);
SELECT * FROM recommend('us', 'SELECT 1, embed(''[1]'') UNION ALL SELECT 2, embed(''[1, 2]'')', 3);
SELECT * FROM recommend('SELECT 1, 2', 'it', 3);
SELECT * FROM recommend('SELECT 1, ''[1, nan]''', 'it', 3);
SELECT * FROM recommend('SELECT 1, x''0000c07f0000803f''', 'it', 3);
SELECT * FROM recommend('us', 'SELECT 1, ''[1, 2]'', ''big''', 3);
SELECT * FROM recommend('SELECT 1, ''[1, 2]'' UNION ALL SELECT 1, ''[3, 4]''', 'it', 3);
SELECT * FROM recommend('us', 'nosuch', 3);
SELECT * FROM recommend('us', 'it', 3, 'nosuch');
SELECT * FROM recommend('us');
SELECT * FROM recommend;
SELECT * FROM recommend(NULL, 'it');
SELECT * FROM recommend('us', 7);
