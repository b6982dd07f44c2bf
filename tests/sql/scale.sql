-- Reading sources in batches (ext/source.c: integer ids are mapped 64 rows
-- at a time with their slots prefetched): ids keep the order of first
-- appearance across batch boundaries, TEXT ids and NULLs between integer
-- rows, and errors name the row's column and type as before.
.mode list
CREATE TABLE m(user, item);
-- 400 rows: integer ids, a TEXT user every 50th row, a TEXT item every
-- 70th, a NULL user every 90th (skipped)
WITH RECURSIVE x(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM x WHERE k < 400)
INSERT INTO m SELECT CASE WHEN k % 90 = 0 THEN NULL WHEN k % 50 = 0 THEN 'u' || (k % 7) ELSE (k * 7919) % 211 END,
                     CASE WHEN k % 70 = 0 THEN 'i' || (k % 3) ELSE (k * 104729) % 97 END FROM x;
SELECT 'trained', json_extract(bpr_train('m', 'mm', '{"epochs": 1, "threads": 1}'), '$.users', '$.items', '$.interactions');
-- model rows are written in index order: the order of first appearance,
-- computed here by SQL alone
SELECT 'user-order', (SELECT group_concat(id) FROM (SELECT id FROM mm_users ORDER BY rowid)) =
  (SELECT group_concat(user) FROM (SELECT user, min(rowid) r FROM m WHERE user IS NOT NULL AND item IS NOT NULL
                                   GROUP BY user ORDER BY r));
SELECT 'item-order', (SELECT group_concat(id) FROM (SELECT id FROM mm_items ORDER BY rowid)) =
  (SELECT group_concat(item) FROM (SELECT item, min(rowid) r FROM m WHERE user IS NOT NULL AND item IS NOT NULL
                                   GROUP BY item ORDER BY r));
SELECT 'types', typeof(id), count(*) FROM mm_users GROUP BY 2 ORDER BY 2;
SELECT 'pairs', count(*) FROM neg_samples('m', 1);
SELECT 'distinct-pairs', count(*) FROM (SELECT DISTINCT user, item FROM m WHERE user IS NOT NULL AND item IS NOT NULL);
-- a REAL id after 100 integer rows, a BLOB after 200: the error of that row
CREATE TABLE r AS SELECT * FROM m WHERE rowid <= 100;
INSERT INTO r VALUES (1, 2.5);
SELECT count(*) FROM neg_samples('r', 1);
CREATE TABLE b AS SELECT * FROM m WHERE rowid <= 200;
INSERT INTO b VALUES (x'01', 3);
SELECT count(*) FROM neg_samples('b', 1);
-- a failing source after a partial batch: SQLite's error, not a result
SELECT count(*) FROM neg_samples('SELECT user, CASE WHEN rowid < 100 THEN item ELSE abs(-9223372036854775807 - 1) END FROM m', 1);
