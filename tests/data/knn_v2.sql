-- Makes tests/data/knn_v2.db, a database written by knn_index's storage
-- format version 2 (int8 tables with one symmetric scale per vector: signed
-- codes then a float32 scale), read by tests/sql/knn_quant.sql. It was run
-- once with the build of that version (commit 2f3f124):
--   rm -f tests/data/knn_v2.db
--   sqlite3 tests/data/knn_v2.db -cmd '.load build/recsql' < tests/data/knn_v2.sql
-- and printed the answers below, which the test expects from newer builds too.
-- Output of that build:
--   v2|format_version|2
--   v2-hnsw|26|-0.667913  v2-hnsw|5|-0.490787  v2-hnsw|10|-0.485866  v2-hnsw|20|-0.473543  v2-hnsw|35|-0.456152
--   v2-flat|3|1.0  v2-flat|4|1.732051  v2-flat|2|2.0  v2-flat|1|4.99528
--   v2-rerank|4|-1.5  v2-rerank|5|-1.5  v2-rerank|1|-1.0
--   v2-emb|1|[2.992126,4,0]  v2-emb|2|[0,0,2]  v2-emb|3|[-1,0,0]  v2-emb|4|[1,1,1]
PRAGMA page_size = 512;
CREATE VIRTUAL TABLE wf USING knn_index(dim=3, metric=l2, quantize=int8);
INSERT INTO wf(rowid, embedding) VALUES (1, '[3, 4, 0]'), (2, '[0, 0, 2]'), (3, '[-1, 0, 0]'), (4, '[1, 1, 1]');
CREATE VIRTUAL TABLE wh USING knn_index(dim=4, metric=ip, index=hnsw, m=4, ef_construction=16, ef_search=20, quantize=int8);
INSERT INTO wh(rowid, embedding) SELECT value, json_array(
  ((value * 7919 + 1) % 100) / 100.0 - 0.5, ((value * 104729 + 2) % 97) / 97.0 - 0.5,
  ((value * 1299709 + 3) % 91) / 91.0 - 0.5, ((value * 15485863 + 4) % 83) / 83.0 - 0.5)
  FROM generate_series(1, 40);
DELETE FROM wh WHERE rowid IN (7, 21);
CREATE VIRTUAL TABLE wr USING knn_index(dim=3, quantize=int8, rerank=2);
INSERT INTO wr(rowid, embedding) VALUES (1, '[1, 0, 0]'), (2, '[0, 1, 0]'), (4, '[1, 1, 0]'), (5, '[2, -1, 0.5]');
SELECT 'v2', key, value FROM wh_info WHERE key = 'format_version';
SELECT 'v2-hnsw', rowid, round(distance, 6) FROM wh WHERE embedding MATCH '[1,0.5,0,-0.5]' AND k = 5;
SELECT 'v2-flat', rowid, round(distance, 6) FROM wf WHERE embedding MATCH '[0,0,0]' AND k = 4;
SELECT 'v2-rerank', rowid, round(distance, 6) FROM wr WHERE embedding MATCH '[1,0.5,0]' AND k = 3;
SELECT 'v2-emb', rowid, embed_json(embedding) FROM wf ORDER BY rowid;
