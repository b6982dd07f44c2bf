-- Makes tests/data/knn_v1.db, a database written by knn_index's storage
-- format version 1 (recsql before int8 vectors), read by tests/sql/knn_quant.sql.
-- It was run once with the build of that version:
--   rm -f tests/data/knn_v1.db
--   sqlite3 tests/data/knn_v1.db -cmd '.load /work/main/build/recsql' < tests/data/knn_v1.sql
PRAGMA page_size = 512;
CREATE VIRTUAL TABLE vf USING knn_index(dim=3, metric=l2);
INSERT INTO vf(rowid, embedding) VALUES (1, '[3, 4, 0]'), (2, '[0, 0, 2]'), (3, '[-1, 0, 0]'), (4, '[1, 1, 1]');
CREATE VIRTUAL TABLE vh USING knn_index(dim=4, metric=ip, index=hnsw, m=4, ef_construction=16, ef_search=20);
INSERT INTO vh(rowid, embedding) SELECT value, json_array(
  ((value * 7919 + 1) % 100) / 100.0 - 0.5, ((value * 104729 + 2) % 97) / 97.0 - 0.5,
  ((value * 1299709 + 3) % 91) / 91.0 - 0.5, ((value * 15485863 + 4) % 83) / 83.0 - 0.5)
  FROM generate_series(1, 40);
DELETE FROM vh WHERE rowid IN (7, 21);
SELECT 'v1', key, value FROM vh_info WHERE key = 'format_version';
