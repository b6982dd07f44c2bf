-- knn_index: options, MATCH + k against brute-force SQL, rowid filters, batch
-- joins, writes (INSERT, OR REPLACE, OR IGNORE, UPDATE, DELETE), bad vectors,
-- transactions, HNSW recall after build / inserts / deletes, reopen of a file
-- database, integrity_check, corrupted shadow tables, rename and drop.
.mode list
-- ---- options: every one checked, with the valid range in the message
CREATE VIRTUAL TABLE e USING knn_index(metric=ip);
CREATE VIRTUAL TABLE e USING knn_index(dim=0);
CREATE VIRTUAL TABLE e USING knn_index(dim=3.5);
CREATE VIRTUAL TABLE e USING knn_index(dims=3);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, dim=4);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, metric=dot);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, index=ivf);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, index=hnsw, m=1);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, index=hnsw, m=101);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, index=hnsw, ef_construction=3);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, index=hnsw, m=16, ef_construction=20);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, index=hnsw, ef_search=0);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, m=8);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, hnsw);
SELECT 'no table e', count(*) FROM sqlite_master WHERE name LIKE 'e%';
-- quoted values and spaces are fine; defaults are stored in t_info
CREATE VIRTUAL TABLE t USING knn_index( dim = 3 , metric = 'ip' );
-- uid is random: its type and that it is not 0
SELECT 'info', key, CASE key WHEN 'uid' THEN typeof(value) || (value != 0) ELSE value END FROM t_info ORDER BY key;

-- ---- flat, inner product: distance = -dot
INSERT INTO t(rowid, embedding) VALUES (1, '[1, 0, 0]'), (2, embed('[0, 1, 0]')), (3, '[0, 0, 1]');
INSERT INTO t(rowid, embedding) VALUES (4, x'0000803f0000803f00000000'), (5, '[2, -1, 0.5]');
-- q = [1, 0.5, 0]: dots 1: 1, 2: 0.5, 3: 0, 4: 1.5, 5: 1.5 -> 4, 5 (tie: smaller rowid first), 1, 2, 3
SELECT 'match', rowid, distance FROM t WHERE embedding MATCH '[1, 0.5, 0]' AND k = 3;
SELECT 'brute', rowid, -embed_dot(embedding, '[1, 0.5, 0]') FROM t ORDER BY 3, rowid LIMIT 3;
-- k beyond the table: every row; the hidden columns echo k and ef_search
SELECT 'k-big', rowid, distance, k FROM t WHERE embedding MATCH '[1, 0.5, 0]' AND k = 1000000000;
-- ORDER BY distance is satisfied by the index order
SELECT 'ordered', rowid FROM t WHERE embedding MATCH '[0, 0, 1]' AND k = 2 ORDER BY distance;
-- rowid IN and rowid = restrict the search
SELECT 'in', rowid, distance FROM t WHERE embedding MATCH '[1, 0.5, 0]' AND k = 2 AND rowid IN (1, 2, 3, 99);
SELECT 'eq', rowid, distance FROM t WHERE embedding MATCH '[1, 0.5, 0]' AND k = 2 AND rowid = 3;
SELECT 'in-empty', count(*) FROM t WHERE embedding MATCH '[1, 0.5, 0]' AND k = 2 AND rowid IN (SELECT 1 WHERE 0);
-- a NULL query vector gives no rows
SELECT 'null-query', count(*) FROM t WHERE embedding MATCH NULL AND k = 2;
-- full scan and point lookup without MATCH
SELECT 'scan', rowid, embed_json(embedding), distance IS NULL FROM t;
SELECT 'point', rowid, embed_json(embedding) FROM t WHERE rowid = 5;
-- batch: one search per query row, whatever the order of the FROM clause
CREATE TABLE queries(id INTEGER PRIMARY KEY, emb);
INSERT INTO queries VALUES (10, '[1, 0, 0]'), (20, '[0, 0, 1]'), (30, '[-1, 1, 0]');
SELECT 'batch', q.id, x.rowid, x.distance FROM queries q JOIN t x ON x.embedding MATCH q.emb AND x.k = 2;
SELECT 'batch2', q.id, x.rowid, x.distance FROM t x JOIN queries q ON x.embedding MATCH q.emb AND x.k = 2;
SELECT 'batch-brute', qid, r, d FROM (
  SELECT q.id qid, x.rowid r, -embed_dot(x.embedding, q.emb) d,
         row_number() OVER (PARTITION BY q.id ORDER BY -embed_dot(x.embedding, q.emb), x.rowid) rn
  FROM queries q, t x) WHERE rn <= 2 ORDER BY qid, rn;
-- ORDER BY distance over a batch orders all rows, not each query's
SELECT 'batch-ordered', q.id, x.rowid, x.distance FROM queries q JOIN t x ON x.embedding MATCH q.emb AND x.k = 2
  ORDER BY x.distance, q.id;
-- LIMIT cuts the k rows
SELECT 'limit', rowid FROM t WHERE embedding MATCH '[1, 0.5, 0]' AND k = 4 LIMIT 2;
-- query errors
SELECT * FROM t WHERE embedding MATCH '[1, 0, 0]';
SELECT * FROM t WHERE k = 3;
SELECT * FROM t WHERE embedding MATCH '[1, 0, 0]' AND k = 0;
SELECT * FROM t WHERE embedding MATCH '[1, 0, 0]' AND k = 'ten';
SELECT * FROM t WHERE embedding MATCH '[1, 0, 0]' AND k = 2 AND ef_search = 0;
SELECT * FROM t WHERE embedding MATCH '[1, 0]' AND k = 2;
SELECT * FROM t WHERE embedding MATCH 42 AND k = 2;

-- ---- writes
INSERT INTO t(rowid, embedding) VALUES (1, '[9, 9, 9]');
SELECT 'unchanged', embed_json(embedding) FROM t WHERE rowid = 1;
INSERT OR IGNORE INTO t(rowid, embedding) VALUES (1, '[9, 9, 9]');
SELECT 'ignored', embed_json(embedding) FROM t WHERE rowid = 1;
INSERT OR REPLACE INTO t(rowid, embedding) VALUES (1, '[-3, 0, 0]');
SELECT 'replaced', rowid, distance FROM t WHERE embedding MATCH '[1, 0, 0]' AND k = 10;
REPLACE INTO t(rowid, embedding) VALUES (6, '[0, 0, -2]');
UPDATE t SET embedding = '[0, 5, 0]' WHERE rowid = 2;
UPDATE t SET rowid = 7 WHERE rowid = 3;
UPDATE t SET rowid = 4 WHERE rowid = 5;
DELETE FROM t WHERE rowid = 6;
DELETE FROM t WHERE rowid = 12345;
-- without a rowid, the next after the largest
INSERT INTO t(embedding) VALUES ('[0, 0, 0]');
SELECT 'after-writes', rowid, embed_json(embedding) FROM t;
SELECT 'after-writes-match', rowid, distance FROM t WHERE embedding MATCH '[0, 1, 0]' AND k = 10;
SELECT 'shadow', rowid, length(vec) FROM t_vectors;
-- bad vectors, messages naming knn_index
INSERT INTO t(rowid, embedding) VALUES (20, '[1, 2]');
INSERT INTO t(rowid, embedding) VALUES (20, x'0000803f00000000');
INSERT INTO t(rowid, embedding) VALUES (20, x'0000803f0000c07f00000000');
INSERT INTO t(rowid, embedding) VALUES (20, '[1, 2, 1e999]');
INSERT INTO t(rowid, embedding) VALUES (20, '[1, 2, oops]');
INSERT INTO t(rowid, embedding) VALUES (20, NULL);
INSERT INTO t(rowid, embedding) VALUES (20, 7);
INSERT INTO t(rowid, embedding) VALUES ('x', '[1, 2, 3]');
INSERT INTO t(rowid, embedding, distance) VALUES (20, '[1, 2, 3]', 0.5);
UPDATE t SET embedding = '[1]' WHERE rowid = 2;
SELECT 'still', count(*) FROM t;

-- a trigger keeps an index in step with a table, also with trusted_schema off
PRAGMA trusted_schema = OFF;
CREATE TABLE items(id INTEGER PRIMARY KEY, emb);
CREATE VIRTUAL TABLE items_idx USING knn_index(dim=2);
CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
  INSERT INTO items_idx(rowid, embedding) VALUES (new.id, new.emb); END;
CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN DELETE FROM items_idx WHERE rowid = old.id; END;
INSERT INTO items VALUES (1, '[1, 0]'), (2, '[0, 1]'), (3, '[1, 1]');
DELETE FROM items WHERE id = 2;
SELECT 'trigger', rowid, distance FROM items_idx WHERE embedding MATCH '[0, 1]' AND k = 5;
PRAGMA trusted_schema = ON;

-- ---- cosine and l2 (distances by hand: cos([3,4,0],[1,0,0]) = 0.6; |[3,4,0]| = 5)
CREATE VIRTUAL TABLE c USING knn_index(dim=3, metric=cosine);
INSERT INTO c(rowid, embedding) VALUES (1, '[3, 4, 0]'), (2, '[0, 0, 2]'), (3, '[-1, 0, 0]'), (4, '[0, 0, 0]');
SELECT 'cosine', rowid, round(distance, 6) FROM c WHERE embedding MATCH '[2, 0, 0]' AND k = 4;
SELECT 'cosine-embedding-as-given', embed_json(embedding) FROM c WHERE rowid = 1;
CREATE VIRTUAL TABLE l USING knn_index(dim=3, metric=l2);
INSERT INTO l(rowid, embedding) VALUES (1, '[3, 4, 0]'), (2, '[0, 0, 2]'), (3, '[-1, 0, 0]'), (4, '[1, 1, 1]');
SELECT 'l2', rowid, round(distance, 6) FROM l WHERE embedding MATCH '[0, 0, 0]' AND k = 4;
SELECT 'l2-brute', rowid, round(embed_l2(embedding, '[0, 0, 0]'), 6) FROM l ORDER BY 3, rowid;

-- ---- transactions: ROLLBACK, ROLLBACK TO, a statement that fails half-way
BEGIN;
INSERT INTO t(rowid, embedding) VALUES (50, '[0, 100, 0]');
DELETE FROM t WHERE rowid = 2;
SELECT 'in-txn', rowid FROM t WHERE embedding MATCH '[0, 1, 0]' AND k = 2;
ROLLBACK;
SELECT 'rolled-back', rowid FROM t WHERE embedding MATCH '[0, 1, 0]' AND k = 2;
BEGIN;
INSERT INTO t(rowid, embedding) VALUES (51, '[0, 50, 0]');
SAVEPOINT s1;
INSERT INTO t(rowid, embedding) VALUES (52, '[0, 60, 0]');
DELETE FROM t WHERE rowid = 51;
ROLLBACK TO s1;
SELECT 'after-rollback-to', rowid FROM t WHERE embedding MATCH '[0, 1, 0]' AND k = 2;
-- the third row is bad: the whole statement is undone, the transaction goes on
INSERT INTO t(rowid, embedding) SELECT 60 + value, CASE value WHEN 3 THEN '[1]' ELSE '[0, 70, 0]' END
  FROM generate_series(1, 4);
SELECT 'after-failed-statement', rowid FROM t WHERE embedding MATCH '[0, 1, 0]' AND k = 2;
COMMIT;
SELECT 'committed', rowid FROM t WHERE embedding MATCH '[0, 1, 0]' AND k = 2;
SELECT 'committed-rows', count(*), (SELECT count(*) FROM t_vectors) FROM t;

-- ---- HNSW on a file database: recall against brute force after build,
-- after inserts and after deletes; reopen; integrity_check
ATTACH 'knn.db' AS f;
CREATE VIRTUAL TABLE f.h USING knn_index(dim=8, metric=ip, index=hnsw, m=8, ef_construction=32, ef_search=40);
-- deterministic pseudo-random vectors in [-0.5, 0.5)
CREATE TABLE f.data(id INTEGER PRIMARY KEY, emb);
INSERT INTO f.data SELECT value, json_array(
  ((value * 7919 + 1) % 1000) / 1000.0 - 0.5, ((value * 104729 + 2) % 997) / 997.0 - 0.5,
  ((value * 1299709 + 3) % 991) / 991.0 - 0.5, ((value * 15485863 + 4) % 983) / 983.0 - 0.5,
  ((value * 32452843 + 5) % 977) / 977.0 - 0.5, ((value * 49979687 + 6) % 971) / 971.0 - 0.5,
  ((value * 67867967 + 7) % 967) / 967.0 - 0.5, ((value * 86028121 + 8) % 953) / 953.0 - 0.5)
  FROM generate_series(1, 900);
CREATE TABLE f.q(id INTEGER PRIMARY KEY, emb);
INSERT INTO f.q SELECT value, json_array(
  ((value * 31 + 11) % 101) / 101.0 - 0.5, ((value * 37 + 12) % 103) / 103.0 - 0.5,
  ((value * 41 + 13) % 107) / 107.0 - 0.5, ((value * 43 + 14) % 109) / 109.0 - 0.5,
  ((value * 47 + 15) % 113) / 113.0 - 0.5, ((value * 53 + 16) % 127) / 127.0 - 0.5,
  ((value * 59 + 17) % 131) / 131.0 - 0.5, ((value * 61 + 18) % 137) / 137.0 - 0.5)
  FROM generate_series(1, 30);
CREATE TEMP VIEW recall AS
  WITH got AS (SELECT q.id qid, x.rowid r FROM f.q q JOIN f.h x ON x.embedding MATCH q.emb AND x.k = 10),
  want AS (SELECT qid, r FROM (
    SELECT q.id qid, d.rowid r,
           row_number() OVER (PARTITION BY q.id ORDER BY -embed_dot(d.embedding, q.emb), d.rowid) rn
    FROM f.q q, f.h d) WHERE rn <= 10)
  SELECT (SELECT count(*) FROM got JOIN want USING (qid, r)) * 1.0 / (SELECT count(*) FROM want) AS r;
INSERT INTO f.h(rowid, embedding) SELECT id, emb FROM f.data WHERE id <= 600;
SELECT 'recall-after-build >= 0.95', r >= 0.95 FROM recall;
INSERT INTO f.h(rowid, embedding) SELECT id, emb FROM f.data WHERE id > 600;
SELECT 'recall-after-inserts >= 0.95', r >= 0.95 FROM recall;
DELETE FROM f.h WHERE rowid % 3 = 0;
SELECT 'recall-after-deletes >= 0.95', r >= 0.95 FROM recall;
SELECT 'nodes', (SELECT count(*) FROM f.h_vectors), (SELECT count(*) FROM f.h_graph);
-- k >= rows: exact, every row
SELECT 'hnsw-all', count(*), count(DISTINCT rowid) FROM f.h WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 600;
-- ef_search per query; exact on a small rowid set
SELECT 'ef', count(*), max(ef_search) FROM f.h WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 5 AND ef_search = 200;
SELECT 'hnsw-in', rowid FROM f.h WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 3 AND rowid IN (1, 2, 4, 5, 7);
SELECT 'hnsw-in-brute', rowid FROM f.h WHERE rowid IN (1, 2, 4, 5, 7) ORDER BY -embed_dot(embedding, '[1,0,0,0,0,0,0,0]'), rowid LIMIT 3;
CREATE TEMP TABLE before AS SELECT q.id qid, x.rowid r, x.distance d FROM f.q q JOIN f.h x ON x.embedding MATCH q.emb AND x.k = 10;
DETACH f;
ATTACH 'knn.db' AS f;
-- a new connection to the table: loaded from the shadow tables, same answers
CREATE TEMP TABLE after AS SELECT q.id qid, x.rowid r, x.distance d FROM f.q q JOIN f.h x ON x.embedding MATCH q.emb AND x.k = 10;
SELECT 'reopened-same', (SELECT count(*) FROM before), (SELECT count(*) FROM after),
  (SELECT count(*) FROM before JOIN after USING (qid, r, d));
SELECT 'recall-after-reopen >= 0.95', r >= 0.95 FROM recall;
PRAGMA f.integrity_check;
DROP VIEW recall;
SELECT 'info-graph', key, value FROM f.h_info WHERE key IN ('format_version', 'index', 'm', 'ef_construction', 'ef_search') ORDER BY key;

-- ---- another connection to the same file (here: the file attached twice)
-- writes; this one sees the change at its next query
ATTACH 'knn.db' AS g;
INSERT INTO g.h(rowid, embedding) VALUES (5000, '[100,0,0,0,0,0,0,0]');
SELECT 'seen-from-f', rowid FROM f.h WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 1;
DELETE FROM g.h WHERE rowid = 5000;
SELECT 'delete-seen-from-f', rowid = 5000 FROM f.h WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 1;
DETACH g;
-- a commit to another table of the file does not change the answers
INSERT INTO f.data(id, emb) VALUES (100000, '[0,0,0,0,0,0,0,0]');
SELECT 'other-table', count(*) FROM f.h WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 3;

-- ---- corrupted shadow tables: errors when the table is opened, never a crash
-- (the shadow tables are not to be written directly; an open table keeps
-- answering from memory until it is opened again)
CREATE TEMP TABLE good_vec AS SELECT * FROM f.h_vectors WHERE rowid = 1;
CREATE TEMP TABLE good_node AS SELECT * FROM f.h_graph WHERE rowid = 1;
CREATE TEMP TABLE good_info AS SELECT * FROM f.h_info;
CREATE TEMP VIEW probe AS SELECT rowid FROM f.h WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 3;
-- a vector of the wrong length
UPDATE f.h_vectors SET vec = x'00' WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
SELECT 'scan-still-works', count(*) FROM f.h;
REPLACE INTO f.h_vectors SELECT * FROM good_vec;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT 'repaired', count(*) FROM probe;
-- TEXT instead of a BLOB; a NaN
UPDATE f.h_vectors SET vec = '[1,2,3,4,5,6,7,8]' WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
UPDATE f.h_vectors SET vec = x'0000c07f00000000000000000000000000000000000000000000000000000000' WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
REPLACE INTO f.h_vectors SELECT * FROM good_vec;
-- a neighbour list naming rowid 12345, which does not exist
UPDATE f.h_graph SET neighbors = x'01000000000000003930000000000000' WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
-- a count larger than 2m
UPDATE f.h_graph SET neighbors = x'6400000000000000' WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
-- a BLOB that is not whole int64 words
UPDATE f.h_graph SET neighbors = x'01' WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
-- a level out of range
UPDATE f.h_graph SET neighbors = x'0000000000000000', level = 99 WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
-- a missing node
DELETE FROM f.h_graph WHERE rowid = 1;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
INSERT INTO f.h_graph SELECT * FROM good_node;
-- a bad entry point
UPDATE f.h_info SET value = 123456 WHERE key = 'entry_point';
DETACH f;
ATTACH 'knn.db' AS f;
SELECT * FROM probe;
DELETE FROM f.h_info;
INSERT INTO f.h_info SELECT * FROM good_info;
DETACH f;
ATTACH 'knn.db' AS f;
SELECT 'repaired-again', count(*) FROM probe;
DROP VIEW probe;
-- a format version from the future: every use fails, DROP works
UPDATE f.h_info SET value = 99 WHERE key = 'format_version';
DETACH f;
ATTACH 'knn.db' AS f;
SELECT rowid FROM f.h LIMIT 1;
INSERT INTO f.h(rowid, embedding) VALUES (7777, '[1,0,0,0,0,0,0,0]');
-- a corrupt table can still be dropped
DROP TABLE f.h;
SELECT 'dropped', count(*) FROM f.sqlite_master WHERE name LIKE 'h%';

-- ---- rename moves the shadow tables; drop removes them
ALTER TABLE l RENAME TO l2;
SELECT 'renamed', name FROM sqlite_master WHERE name LIKE 'l%' ORDER BY name;
SELECT 'renamed-works', rowid FROM l2 WHERE embedding MATCH '[0, 0, 0]' AND k = 1;
DROP TABLE l2;
SELECT 'dropped', count(*) FROM sqlite_master WHERE name LIKE 'l%';
