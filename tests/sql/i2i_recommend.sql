-- i2i_recommend: scores by hand, ties by item id, the history excluded or
-- kept, k, the neighbour cap, count and recency weights, user = ? and IN,
-- swing_sim / itemcf_sim / ease_train outputs as sim, INTEGER and TEXT ids,
-- and the errors.
.mode list
CREATE TABLE sim(item_a, item_b, score);
-- a: b 0.5, c 0.25, d 0.1     b: c 1.0, a 0.5     c: e 2.0
INSERT INTO sim VALUES ('a','d',0.1),('b','a',0.5),('a','b',0.5),('c','e',2.0),('a','c',0.25),('b','c',1.0);
CREATE TABLE h(user, item, t);
-- u1: a, b;  u2: c twice;  u3: a at t = 10, c at t = 20
INSERT INTO h VALUES ('u1','a',0),('u1','b',0),('u2','c',5),('u2','c',6),('u3','a',10),('u3','c',20);
-- u1: c = 0.25 + 1.0, d = 0.1 (a and b are history); u2: e = 2; u3: e = 2, b = 0.5, d = 0.1
SELECT 'default', user, item, score, rank FROM i2i_recommend('h', 'sim', 10);
SELECT 'k1', user, item, score, rank FROM i2i_recommend('h', 'sim', 1);
-- history kept: for u1, a and b tie at 0.5: a first (by item id)
SELECT 'keep', user, item, score, rank FROM i2i_recommend('h', 'sim', 10, '{"exclude_history": 0}') WHERE user = 'u1';
-- one neighbour per history item: a -> b (history), b -> c
SELECT 'neighbors', user, item, score FROM i2i_recommend('h', 'sim', 10, '{"neighbors": 1}') WHERE user = 'u1';
-- u2 has c twice: linear count 2 x 2 = 4; log (1 + ln 2) x 2
SELECT 'count', user, item, score FROM i2i_recommend('h', 'sim', 10, '{"count": "linear"}') WHERE user = 'u2';
SELECT 'count', user, item, printf('%.12f', score), abs(score - 2 * (1 + ln(2))) < 1e-12 FROM i2i_recommend('h', 'sim', 10, '{"count": "log"}') WHERE user = 'u2';
-- recency: half_life 10: u3's a (10 before its latest row) weighs 1/2
SELECT 'half_life', user, item, score FROM i2i_recommend('h', 'sim', 10, '{"half_life": 10}') WHERE user = 'u3';
-- user IN (...) and a user without history
SELECT 'in', user, item, score FROM i2i_recommend('h', 'sim', 2) WHERE user IN ('u3', 'nobody', 'u1') ORDER BY user, rank;
SELECT 'none', count(*) FROM i2i_recommend('h', 'sim', 2) WHERE user = 'nobody';
-- the join form and arguments by name
CREATE TABLE q(x);
INSERT INTO q VALUES ('u2'), ('u1');
SELECT 'join', q.x, r.item, r.rank FROM q, i2i_recommend('h', 'sim', 1) r WHERE r.user = q.x ORDER BY q.x;
SELECT 'by-name', user, item FROM i2i_recommend WHERE history = 'h' AND sim = 'sim' AND k = 1 AND user = 'u3';
-- ties: equal scores come by item id ascending, INTEGER before TEXT
CREATE TABLE s2(a, b, w);
INSERT INTO s2 VALUES (1, 'z', 1.0), (1, 30, 1.0), (1, 'y', 1.0), (1, 4, 1.0), (1, 200, 2.0);
SELECT 'ties', item, typeof(item), score, rank FROM i2i_recommend('SELECT 7, 1', 's2', 10);
-- user ids come back as they went in; a view and SELECT texts as sources
CREATE VIEW hv AS SELECT user, item FROM h WHERE user <> 'u2';
SELECT 'view', user, item FROM i2i_recommend('hv', 'SELECT item_a, item_b, score FROM sim WHERE score < 2', 5);
SELECT 'ids', user, typeof(user), item FROM i2i_recommend('SELECT 42, ''a'' UNION ALL SELECT ''42'', ''b''', 'sim', 1);
-- NULL ids and NULL weights are skipped
SELECT 'nulls', user, item FROM i2i_recommend('SELECT ''u'', ''a'' UNION ALL SELECT NULL, ''b'' UNION ALL SELECT ''u'', NULL',
  'SELECT * FROM sim UNION ALL SELECT ''a'', ''z'', NULL UNION ALL SELECT NULL, ''z'', 5', 10);
-- empty sources give no rows
SELECT 'empty', count(*) FROM i2i_recommend('SELECT 1, 2 WHERE 0', 'sim', 5);
SELECT 'empty', count(*) FROM i2i_recommend('h', 'SELECT 1, 2, 3 WHERE 0', 5);
-- with swing_sim, itemcf_sim and ease_train outputs (positional third column)
CREATE TABLE t(user, item);
INSERT INTO t VALUES (1,'a'),(1,'b'),(2,'b'),(2,'c'),(3,'a'),(3,'c'),(3,'d'),(4,'d'),(4,'a'),(5,'a'),(5,'b'),(5,'c');
CREATE TABLE sw AS SELECT * FROM swing_sim('t');
SELECT 'swing', user, item, printf('%.4f', score) FROM i2i_recommend('t', 'sw', 2) WHERE user = 1;
SELECT 'itemcf', user, item, printf('%.4f', score) FROM i2i_recommend('t', 'SELECT * FROM itemcf_sim(''t'', 10, ''cooccurrence'')', 2) WHERE user = 1;
-- EASE with lambda 1 (weights in tests/sql/ease_train.sql): user 1 (a, b): c = 1/8 + 7/16 = 9/16, d = 5/11 - 7/22 = 3/22
SELECT 'ease', json_extract(ease_train('t', 'e', '{"lambda": 1}'), '$.rows');
SELECT 'ease', user, item, printf('%.6f', score) FROM i2i_recommend('t', 'e_sim', 2) WHERE user = 1;
-- the full run and the one-user path agree; threads do not change the lists
SELECT 'paths', count(*) FROM (SELECT * FROM i2i_recommend('t', 'e_sim', 3) EXCEPT
  SELECT r.* FROM (SELECT DISTINCT user FROM t) u, i2i_recommend('t', 'e_sim', 3) r WHERE r.user = u.user);
SELECT 'threads', count(*) FROM (SELECT * FROM i2i_recommend('t', 'e_sim', 3, '{"threads": 1}') EXCEPT
  SELECT * FROM i2i_recommend('t', 'e_sim', 3, '{"threads": 3}'));
-- errors
SELECT * FROM i2i_recommend('h');
SELECT * FROM i2i_recommend;
SELECT * FROM i2i_recommend(1, 'sim');
SELECT * FROM i2i_recommend('h', NULL);
SELECT * FROM i2i_recommend('h', 'sim', 0);
SELECT * FROM i2i_recommend('h', 'sim', 2.5);
SELECT * FROM i2i_recommend('h', 'sim', 'ten');
SELECT * FROM i2i_recommend('h', 'sim', 10, 7);
SELECT * FROM i2i_recommend('h', 'sim', 10, '{"neighbours": 5}');
SELECT * FROM i2i_recommend('h', 'sim', 10, '{"count": "twice"}');
SELECT * FROM i2i_recommend('h', 'sim', 10, '{"half_life": -1}');
SELECT * FROM i2i_recommend('nosuch', 'sim');
SELECT * FROM i2i_recommend('h', 'nosuch');
SELECT * FROM i2i_recommend('SELECT 1', 'sim');
SELECT * FROM i2i_recommend('h', 'SELECT item_a, item_b FROM sim');
SELECT * FROM i2i_recommend('SELECT user, item FROM h', 'sim', 10, '{"half_life": 5}');
SELECT * FROM i2i_recommend('SELECT user, item, ''late'' FROM h', 'sim', 10, '{"half_life": 5}');
SELECT * FROM i2i_recommend('h', 'SELECT item_a, item_b, ''high'' FROM sim');
SELECT * FROM i2i_recommend('SELECT 1.5, 2', 'sim');
SELECT * FROM i2i_recommend('h', 'SELECT item_a, x''01'', score FROM sim');
SELECT * FROM i2i_recommend('h', 'DELETE FROM sim');
