-- auto_train: the split by hand, the choice is the best validation score,
-- the winner's tables (and only those) are written, the same seed gives the
-- same choice, the "recommend" SQL runs, and the errors leave the database
-- as it was. A summary is kept with .once + readfile (a function that
-- writes tables cannot run inside an INSERT).
.mode list
-- users with 1, 2, 5, 10 and 20 items: with validation 0.1 they hold out
-- 0 (one item stays), 1 (round(0.2) is 0, at least one), 1 (round(0.5)),
-- 1 and 2 pairs: 5 of 38
CREATE TABLE s(user, item);
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 19)
INSERT INTO s SELECT u.user, 'i' || x FROM (SELECT 'a' AS user, 1 AS d UNION ALL SELECT 'b', 2
  UNION ALL SELECT 'c', 5 UNION ALL SELECT 'd', 10 UNION ALL SELECT 'e', 20) u, n WHERE x < u.d;
SELECT 'split', json_extract(j, '$.split.fit'), json_extract(j, '$.split.held_out'), json_extract(j, '$.family'),
  json_extract(j, '$.tables'), json_extract(j, '$.recommend')
  FROM (SELECT auto_train('s', 'm0', '{"families": "itemcf", "threads": 1}') AS j);
-- validation 0.5: 0, 1, round(2.5) = 3, 5, 10 held out (one item left to fit at least)
SELECT 'split-half', json_extract(j, '$.split.held_out')
  FROM (SELECT auto_train('s', 'm0', '{"families": "itemcf", "validation": 0.5, "threads": 1}') AS j);
SELECT 'split-tables-gone', count(*) FROM sqlite_schema WHERE name LIKE 'm0\_\_%' ESCAPE '\';

-- planted: 200 users each buy 4 of 40 item pairs (2p, 2p+1)
CREATE TABLE t(user INTEGER, item INTEGER);
WITH RECURSIVE u(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM u WHERE x < 199),
 k(y) AS (SELECT 0 UNION ALL SELECT y + 1 FROM k WHERE y < 3),
 p(x, pr) AS (SELECT x, (x * 7919 + y * 104729 + x * y * 31) % 40 FROM u, k)
INSERT INTO t SELECT DISTINCT x, 2 * pr FROM p UNION SELECT x, 2 * pr + 1 FROM p;
-- a stale item-item table of the same model: replaced or dropped
CREATE TABLE m_sim(x);
.once run1.json
SELECT auto_train('t', 'm', '{"families": "itemcf,ease,bpr", "k": 5, "threads": 1, "seed": 3}');
.once run2.json
SELECT auto_train('t', 'm', '{"families": "itemcf,ease,bpr", "k": 5, "threads": 1, "seed": 3}');
CREATE TABLE runs(n, j);
INSERT INTO runs SELECT 1, readfile('run1.json');
INSERT INTO runs SELECT 2, readfile('run2.json');
-- itemcf, EASE at five lambdas, bpr: seven trials, each with a score
SELECT 'tried', json_array_length(j, '$.tried'),
  (SELECT group_concat(json_extract(value, '$.family'), ',') FROM json_each(j, '$.tried')) FROM runs WHERE n = 1;
-- the winner is the first trial with the best validation score
SELECT 'best-wins', json_extract(j, '$.validation') = (SELECT max(json_extract(value, '$.validation')) FROM json_each(j, '$.tried')),
  json_extract(j, '$.family') = (SELECT json_extract(value, '$.family') FROM json_each(j, '$.tried')
    ORDER BY json_extract(value, '$.validation') DESC, key LIMIT 1)
  FROM runs WHERE n = 1;
-- the same seed and threads 1: the same scores and the same choice
SELECT 'deterministic', (SELECT group_concat(json_extract(value, '$.validation')) FROM json_each(a.j, '$.tried'))
  = (SELECT group_concat(json_extract(value, '$.validation')) FROM json_each(b.j, '$.tried')),
  json_extract(a.j, '$.family') = json_extract(b.j, '$.family')
  FROM runs a, runs b WHERE a.n = 1 AND b.n = 2;
-- the winner's tables exist, the other kind's do not, no trial table is left
SELECT 'tables', (SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'm\_%' ESCAPE '\' ORDER BY name)),
  (SELECT count(*) FROM sqlite_schema WHERE name LIKE 'm\_\_%' ESCAPE '\') FROM runs WHERE n = 1;
-- the recommend SQL gives 5 rows per user, never a training pair
CREATE TABLE sql_text AS SELECT json_extract(j, '$.recommend') AS q FROM runs WHERE n = 1;
SELECT 'recommend-sql', q LIKE '%(''t'', ''m_sim'', 5)%' OR q LIKE '%(''m_users'', ''m_items'', 5, ''t'')%' FROM sql_text;

-- a factor family writes m_users and m_items and drops m_sim
SELECT 'bpr', json_extract(j, '$.family'), json_extract(j, '$.tables'), json_extract(j, '$.recommend')
  FROM (SELECT auto_train('t', 'm', '{"families": "bpr", "threads": 1, "seed": 1}') AS j);
SELECT 'bpr-tables', group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'm\_%' ESCAPE '\' ORDER BY name);
SELECT 'bpr-rows', (SELECT count(*) FROM m_users), (SELECT count(*) FROM m_items);

-- errors: nothing written, nothing left behind
SELECT auto_train(NULL, 'x');
SELECT auto_train(1, 'x');
SELECT auto_train('t', '');
SELECT auto_train('t', 'x', 7);
SELECT auto_train('t', 'x', '{"budget": 5}');
SELECT auto_train('t', 'x', '{"families": "bpr,als"}');
SELECT auto_train('t', 'x', '{"families": " , "}');
SELECT auto_train('t', 'x', '{"validation": 0.9}');
SELECT auto_train('t', 'x', '{"metric": "auc"}');
-- 400k interactions: the planned softmax training alone takes more than a second
CREATE TABLE big(user INTEGER, item INTEGER);
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 399999)
INSERT INTO big SELECT x / 40, (x * 7) % 5000 FROM n;
SELECT auto_train('big', 'x', '{"time_budget": 1, "families": "softmax"}');
SELECT auto_train('nosuch', 'x');
CREATE TABLE empty(user, item);
SELECT auto_train('empty', 'x');
CREATE TABLE ones(user, item);
INSERT INTO ones VALUES (1, 1), (2, 2), (3, 1);
SELECT auto_train('ones', 'x');
SELECT auto_train('t', 'x') FROM t LIMIT 1;
SELECT 'after-errors', count(*) FROM sqlite_schema WHERE name LIKE 'x%';
SELECT 'bpr-kept', (SELECT count(*) FROM m_users), (SELECT count(*) FROM m_items);
