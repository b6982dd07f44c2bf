-- knn_index format 3: the change log x_changes, uid, log_from, and the
-- in-memory copies under the cache budget (ext/knn_cache.h).
.mode list
ATTACH 'knn_changes.db' AS f;
CREATE VIRTUAL TABLE f.t USING knn_index(dim=2, metric=l2);
SELECT 'new', key, value FROM f.t_info WHERE key IN ('format_version', 'generation', 'log_from') ORDER BY key;
SELECT 'new-log', count(*) FROM f.t_changes;

-- one transaction: its rows under the generation it commits, op 1 (vector written)
INSERT INTO f.t(rowid, embedding) VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[0,2]');
SELECT 'insert', generation, rowid, op FROM f.t_changes ORDER BY generation, rowid;
SELECT 'insert-gen', value FROM f.t_info WHERE key = 'generation';
DELETE FROM f.t WHERE rowid = 2;
UPDATE f.t SET embedding = '[3,3]' WHERE rowid = 3;
DELETE FROM f.t WHERE rowid = 99; -- no such row: nothing logged
SELECT 'delete-update', generation, rowid, op FROM f.t_changes WHERE generation > 1 ORDER BY generation, rowid;
-- a rolled-back transaction leaves nothing
BEGIN; INSERT INTO f.t(rowid, embedding) VALUES (7, '[7,7]'); ROLLBACK;
SELECT 'rollback', count(*) FROM f.t_changes WHERE rowid = 7;
SELECT 'rollback-gen', value FROM f.t_info WHERE key = 'generation';
-- a savepoint rolled back inside a committed transaction: only what stays is logged
BEGIN;
INSERT INTO f.t(rowid, embedding) VALUES (8, '[8,8]');
SAVEPOINT s; INSERT INTO f.t(rowid, embedding) VALUES (9, '[9,9]'); ROLLBACK TO s; RELEASE s;
COMMIT;
SELECT 'savepoint', generation, rowid, op FROM f.t_changes WHERE generation > 3 ORDER BY generation, rowid;
SELECT 'savepoint-rows', group_concat(rowid) FROM (SELECT rowid FROM f.t WHERE embedding MATCH '[0,0]' AND k = 10);

-- hnsw: the neighbours whose lists a write changed are logged with op 0
CREATE VIRTUAL TABLE f.h USING knn_index(dim=2, metric=l2, index=hnsw, m=2, ef_construction=4);
INSERT INTO f.h(rowid, embedding) VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[2,0]');
INSERT INTO f.h(rowid, embedding) VALUES (4, '[1.5,0]');
SELECT 'hnsw-insert', op, count(*) FROM f.h_changes WHERE generation = 2 GROUP BY op ORDER BY op;
SELECT 'hnsw-insert-new', op FROM f.h_changes WHERE generation = 2 AND rowid = 4;
SELECT 'hnsw-linked-to-4', count(*) FROM f.h_changes c WHERE generation = 2 AND op = 0;

-- a transaction changing more than 10000 rows logs nothing; log_from moves past it
CREATE VIRTUAL TABLE f.big USING knn_index(dim=1);
INSERT INTO f.big(rowid, embedding) VALUES (1, '[1]');
WITH RECURSIVE s(x) AS (VALUES(2) UNION ALL SELECT x + 1 FROM s WHERE x < 10100)
INSERT INTO f.big(rowid, embedding) SELECT x, '[' || x || ']' FROM s;
SELECT 'big', count(*), (SELECT value FROM f.big_info WHERE key = 'log_from'),
  (SELECT value FROM f.big_info WHERE key = 'generation') FROM f.big_changes;
INSERT INTO f.big(rowid, embedding) VALUES (20000, '[0.5]');
SELECT 'big-after', generation, rowid, op FROM f.big_changes;
-- past 10000 rows (x_info log_rows counts each write, an update two) the
-- log is pruned, whole generations from the oldest, down to about 5000
WITH RECURSIVE s(x) AS (VALUES(1) UNION ALL SELECT x + 1 FROM s WHERE x < 3000)
UPDATE f.big SET embedding = '[2]' WHERE rowid IN (SELECT x FROM s);
SELECT 'big-3000', (SELECT value FROM f.big_info WHERE key = 'log_rows'), count(*) FROM f.big_changes;
WITH RECURSIVE s(x) AS (VALUES(3001) UNION ALL SELECT x + 1 FROM s WHERE x < 6000)
UPDATE f.big SET embedding = '[3]' WHERE rowid IN (SELECT x FROM s);
SELECT 'big-pruned', generation, count(*) FROM f.big_changes GROUP BY generation ORDER BY generation;
SELECT 'big-log', key, value FROM f.big_info WHERE key IN ('log_from', 'log_rows', 'generation') ORDER BY key;

-- a table dropped and created again under the same name gets another uid
CREATE TEMP TABLE uids(u);
INSERT INTO uids SELECT value FROM f.t_info WHERE key = 'uid';
DROP TABLE f.t;
SELECT 'dropped', count(*) FROM f.sqlite_master WHERE name LIKE 't\_%' ESCAPE '\';
CREATE VIRTUAL TABLE f.t USING knn_index(dim=2, metric=l2);
INSERT INTO uids SELECT value FROM f.t_info WHERE key = 'uid';
SELECT 'uid-new', count(DISTINCT u), min(typeof(u)) FROM uids;

-- the log is a shadow table: read-only to SQL when the database is defensive
.output /dev/null
.dbconfig defensive on
.output stdout
INSERT INTO f.t_changes VALUES (99, 1, 1);
.output /dev/null
.dbconfig defensive off
.output stdout

-- copies are counted in the cache; a 1 kB budget evicts them and answers stay the same
INSERT INTO f.t(rowid, embedding) VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[0,2]'), (4, '[5,5]');
SELECT 'cached', group_concat(rowid) FROM (SELECT rowid FROM f.t WHERE embedding MATCH '[0.9,0.1]' AND k = 3);
SELECT 'debug', instr(recsql_debug(), 'knn_index copies in memory: ') > 0;
-- a copy shared by the process counts against the process budget only; a
-- temp table's copy is the connection's own
SELECT 'used', recsql_config('cache_used') > 0, recsql_config('connection_cache_used');
CREATE VIRTUAL TABLE temp.mt USING knn_index(dim=2);
INSERT INTO temp.mt(rowid, embedding) VALUES (1, '[1,1]');
SELECT 'temp', rowid FROM temp.mt WHERE embedding MATCH '[1,0]' AND k = 1;
SELECT 'used-temp', recsql_config('connection_cache_used') > 0;
SELECT recsql_config('cache_budget', '1k');
SELECT 'tiny', group_concat(rowid) FROM (SELECT rowid FROM f.t WHERE embedding MATCH '[0.9,0.1]' AND k = 3);
SELECT 'tiny-h', group_concat(rowid) FROM (SELECT rowid FROM f.h WHERE embedding MATCH '[1.4,0]' AND k = 2);
SELECT 'tiny-used', recsql_config('cache_used') <= 1024, recsql_config('cache_evictions') > 0;
SELECT recsql_config('cache_budget', -1);
