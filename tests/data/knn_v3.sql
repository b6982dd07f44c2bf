-- Makes tests/data/knn_v3.db, a database written by knn_index's storage
-- format version 3 (int8 tables with one lo and one step per vector: dim
-- unsigned codes then two float32), read by tests/sql/knn_quant.sql. It was
-- run once with the build of that version (commit a5697e8):
--   rm -f tests/data/knn_v3.db
--   sqlite3 tests/data/knn_v3.db -cmd '.load build/recsql' < tests/data/knn_v3.sql
-- and printed the answers listed in knn_quant.sql, which the test expects
-- from newer builds too.
PRAGMA page_size = 512;
CREATE VIRTUAL TABLE uf USING knn_index(dim=40, quantize=int8);
CREATE VIRTUAL TABLE uh USING knn_index(dim=40, metric=l2, index=hnsw, m=4, ef_construction=16, ef_search=20, quantize=int8);
CREATE TEMP TABLE v AS SELECT s.value AS id, (SELECT json_group_array(((s.value * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j) AS e FROM generate_series(1, 30) s;
INSERT INTO uf(rowid, embedding) SELECT id, e FROM v;
INSERT INTO uh(rowid, embedding) SELECT id, e FROM v;
DELETE FROM uh WHERE rowid = 7;
SELECT 'v3', key, value FROM uh_info WHERE key = 'format_version';
SELECT 'v3-len', length(vec), count(*) FROM uf_vectors GROUP BY 1;
SELECT 'v3-flat', rowid, round(distance, 4) FROM uf WHERE embedding MATCH (SELECT e FROM v WHERE id = 3) AND k = 3;
SELECT 'v3-hnsw', rowid, round(distance, 4) FROM uh WHERE embedding MATCH (SELECT e FROM v WHERE id = 5) AND k = 3;
SELECT 'v3-emb', rowid, embed_json(embedding) FROM uf WHERE rowid = 2;
