-- ease_train: the hand case with exact fractions, top_n, max_items, the
-- default lambda, TEXT and INTEGER ids, the table replaced atomically, a
-- random case against numpy float64 EASE (tests/sql/ease_check.py), and the
-- errors (the memory refusal made testable with max_memory).
.mode list
CREATE TABLE t(user, item);
-- users 1..5 of items a..d; with lambda 1, G = XᵀX + I = [[5,2,2,2],[2,4,2,0],[2,2,4,1],[2,0,1,3]]
-- and B = -P/diag(P) (P = G⁻¹), by exact fractions:
--   a: b 2/5, c 1/8, d 5/11      b: a 7/16, c 7/16, d -7/22
--   c: a 1/8, b 2/5, d 2/11      d: a 5/8, b -2/5, c 1/4
INSERT INTO t VALUES (1,'a'),(1,'b'),(2,'b'),(2,'c'),(3,'a'),(3,'c'),(3,'d'),(4,'d'),(4,'a'),(5,'a'),(5,'b'),(5,'c'),(5,'c');
SELECT 'summary', json_extract(j, '$.users'), json_extract(j, '$.items'), json_extract(j, '$.interactions'),
  json_extract(j, '$.lambda'), json_extract(j, '$.top_n'), json_extract(j, '$.rows'), json_extract(j, '$.table')
  FROM (SELECT ease_train('t', 'm', '{"lambda": 1}') AS j);
SELECT 'hand', item_a, item_b, printf('%.6f', weight) FROM m_sim ORDER BY item_a, item_b;
SELECT 'exact', count(*) FROM m_sim s JOIN (SELECT 'a' a, 'b' b, 2/5.0 w UNION ALL SELECT 'a','c',1/8.0 UNION ALL SELECT 'a','d',5/11.0
  UNION ALL SELECT 'b','a',7/16.0 UNION ALL SELECT 'b','c',7/16.0 UNION ALL SELECT 'b','d',-7/22.0
  UNION ALL SELECT 'c','a',1/8.0 UNION ALL SELECT 'c','b',2/5.0 UNION ALL SELECT 'c','d',2/11.0
  UNION ALL SELECT 'd','a',5/8.0 UNION ALL SELECT 'd','b',-2/5.0 UNION ALL SELECT 'd','c',1/4.0) x
  ON s.item_a = x.a AND s.item_b = x.b WHERE abs(s.weight - x.w) < 1e-6;
-- PRIMARY KEY (item_a, item_b): an index for i2i_recommend's WHERE user = ?
SELECT 'index', name FROM sqlite_schema WHERE tbl_name = 'm_sim' AND type = 'index';
-- top_n 1: the best weight of each item
SELECT 'top1', json_extract(ease_train('t', 'm', '{"lambda": 1, "top_n": 1}'), '$.rows');
SELECT 'top1', item_a, item_b, printf('%.6f', weight) FROM m_sim ORDER BY item_a;
-- max_items 2 keeps a (4 users) and b (3; c also has 3 but comes later):
-- G = [[5,2],[2,4]], B[a][b] = 2/5, B[b][a] = 2/4; c and d get no rows
SELECT 'max_items', json_extract(ease_train('t', 'm', '{"lambda": 1, "max_items": 2}'), '$.items');
SELECT 'max_items', item_a, item_b, printf('%.6f', weight) FROM m_sim ORDER BY item_a;
-- default lambda: 5 x the mean item popularity (12 distinct pairs / 4 items) = 15
SELECT 'default', json_extract(ease_train('t', 'm'), '$.lambda');
-- INTEGER ids stay INTEGER, TEXT stays TEXT; a SELECT source
SELECT 'types', json_extract(ease_train('SELECT user, CASE item WHEN ''a'' THEN 1 WHEN ''b'' THEN 2 ELSE item END FROM t', 'n',
  '{"lambda": 1}'), '$.rows');
SELECT 'types', item_a, typeof(item_a), item_b, typeof(item_b) FROM n_sim WHERE item_a = 1 ORDER BY weight DESC;
-- a random case (60 users x 40 items, ~20% density) against numpy float64
CREATE TABLE r(user INTEGER, item INTEGER);
WITH RECURSIVE u(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM u WHERE x < 60),
  i(y) AS (SELECT 1 UNION ALL SELECT y + 1 FROM i WHERE y < 40)
INSERT INTO r SELECT x, y FROM u, i WHERE ((x * 7919 + y * 104729 + x * y * 31) * 2654435761) % 1000 < 200;
SELECT 'random', json_extract(ease_train('r', 'rm', '{"lambda": 3, "top_n": 100}'), '$.items');
.once ease_pairs.txt
SELECT user, item FROM r;
.once ease_lists.txt
SELECT user, item, rank FROM i2i_recommend('r', 'rm_sim', 20);
.shell env -u LD_PRELOAD /usr/bin/python3 data/../sql/ease_check.py ease_pairs.txt ease_lists.txt 3
-- errors; the old table stays when a call fails
SELECT 'before-errors', count(*) FROM m_sim;
SELECT ease_train(1, 'm');
SELECT ease_train(NULL, 'm');
SELECT ease_train('t', '');
SELECT ease_train('t', 3);
SELECT ease_train('t', 'm', 5);
SELECT ease_train('t', 'm', '{"lamda": 1}');
SELECT ease_train('t', 'm', '{"lambda": 0}');
SELECT ease_train('t', 'm', '{"lambda": "big"}');
SELECT ease_train('t', 'm', '{"top_n": 0}');
SELECT ease_train('t', 'm', '{"max_items": -1}');
SELECT ease_train('t', 'm', '[1]');
SELECT ease_train('nosuch', 'm');
SELECT ease_train('SELECT 1', 'm');
SELECT ease_train('SELECT 1, 2 WHERE 0', 'm');
SELECT ease_train('SELECT 1, 2.5', 'm');
SELECT ease_train('SELECT x''00'', 2', 'm');
-- the memory check: 4 items need 4 x 4 x 4 = 64 bytes
SELECT ease_train('t', 'm', '{"max_memory": 63}');
SELECT 'fits', json_extract(ease_train('t', 'm', '{"max_memory": 63, "max_items": 3, "lambda": 1}'), '$.items');
SELECT 'fits', json_extract(ease_train('t', 'm', '{"max_memory": 64, "lambda": 1}'), '$.items');
-- inside a statement that reads a table: refused, nothing written
SELECT ease_train('t', 'm') FROM t LIMIT 1;
SELECT 'after-errors', count(*) FROM m_sim;
