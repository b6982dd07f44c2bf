-- knn_index with quantize=int8 and rerank, embed_quantize_int8 and
-- embed_dequantize: values computed by hand, recall against exact float
-- search, reopen, ROLLBACK, integrity_check, UPDATE/DELETE, bad inputs,
-- damaged int8 rows, and databases written by storage format versions 1 and 2.
.mode list

-- ---- embed_quantize_int8 / embed_dequantize by hand
-- [1, -0.5, 0.25]: scale = 1/127 (0x3C010204 as float32); codes 127, round(-63.5) = -64 (0xC0), round(31.75) = 32
SELECT 'q', hex(embed_quantize_int8('[1, -0.5, 0.25]')), length(embed_quantize_int8('[1, -0.5, 0.25]'));
SELECT 'dq', embed_json(embed_dequantize(embed_quantize_int8('[1, -0.5, 0.25]')));
-- a given scale 0.01: codes 100, -50, 25 (0x64, 0xCE, 0x19), scale 0x3C23D70A; exact back
SELECT 'q-scale', hex(embed_quantize_int8('[1, -0.5, 0.25]', 0.01)),
  embed_json(embed_dequantize(embed_quantize_int8('[1, -0.5, 0.25]', 0.01)));
-- values beyond 127 * scale are clamped: 1 / 0.005 = 200 -> 127
SELECT 'q-clamp', embed_json(embed_dequantize(embed_quantize_int8('[1, -2, 0.1]', 0.005)));
-- a zero vector: codes 0, scale 0
SELECT 'q-zero', hex(embed_quantize_int8('[0, 0]')), embed_json(embed_dequantize(embed_quantize_int8('[0, 0]')));
-- a BLOB written by hand: codes 1, -1, 127, scale 0.5 (0x3F000000)
SELECT 'dq-hand', embed_json(embed_dequantize(x'01FF7F0000003F'));
-- float32 BLOB input; NULLs give NULL
SELECT 'q-blob', hex(embed_quantize_int8(x'0000803f000000c0'));
SELECT 'q-null', embed_quantize_int8(NULL) IS NULL, embed_quantize_int8('[1]', NULL) IS NULL, embed_dequantize(NULL) IS NULL;
SELECT embed_quantize_int8('[1, 2]', 0);
SELECT embed_quantize_int8('[1, 2]', -1);
SELECT embed_quantize_int8('[1, 2]', 'abc');
SELECT embed_quantize_int8('[1, 2]', 1e999);
SELECT embed_quantize_int8('[1, NaN]');
SELECT embed_quantize_int8(x'0000c07f');
SELECT embed_quantize_int8('[]');
SELECT embed_dequantize('[1, 2]');
SELECT embed_dequantize(x'01020304');
SELECT embed_dequantize(x'01000000c07f');
SELECT embed_dequantize(x'01000080bf');

-- ---- flat int8, inner product, distances by hand
-- Stored vectors are affine codes u with lo and step (x ~ lo + step * u; the
-- values below are those of the independent reference tests/data/q8_affine.py).
-- A vector of three values is fitted exactly when its middle value sits on the
-- grid: [1, 0, 0] is codes 255, 0, 0 with lo 0, step 1/255 (0x3B808081);
-- [2, -1, 0.5] is -1 + (252, 0, 126) / 84 (lo 0xBF800000, step 0x3C430C31). The
-- search runs on int8 codes (q = [1, 0.5, 0] gets scale 1/127 and codes 127,
-- 64, 0); the best 4k candidates are re-scored with the float query against
-- their decoded vectors, which gives the distances: row 4 [1, 1, 0]: dot 1.5;
-- row 5: 2 - 0.5 = 1.5; row 1: 1; row 2: 0.5; row 3: 0
CREATE VIRTUAL TABLE q USING knn_index(dim=3, quantize=int8);
INSERT INTO q(rowid, embedding) VALUES (1, '[1, 0, 0]'), (2, '[0, 1, 0]'), (3, '[0, 0, 1]'), (4, '[1, 1, 0]'), (5, '[2, -1, 0.5]');
SELECT 'int8-ip', rowid, round(distance, 6) FROM q WHERE embedding MATCH '[1, 0.5, 0]' AND k = 5;
-- stored: dim codes, then lo and step as float32; the embedding column decodes them
SELECT 'int8-stored', rowid, hex(vec), length(vec) FROM q_vectors;
SELECT 'int8-embedding', rowid, embed_json(embedding) FROM q;
SELECT 'int8-embedding-match', rowid, embed_json(embedding) FROM q WHERE embedding MATCH '[1, 0.5, 0]' AND k = 1;
SELECT 'int8-info', key, value FROM q_info WHERE key IN ('format_version', 'quantize', 'rerank', 'verbose') ORDER BY key;
-- rowid IN: exact, the float query against the decoded vectors
SELECT 'int8-in', rowid, round(distance, 6) FROM q WHERE embedding MATCH '[1, 0.5, 0]' AND k = 2 AND rowid IN (2, 5);
-- a vector the codes do not fit exactly (q8_affine.py's v8): codes EE 1C 85 8C 00 69 E0 34,
-- lo 0xBF334BBE = -0.7003745, step 0x3BEA1CEC = 0.007144561; its first value decodes to
-- -0.7003745 + 238 * 0.007144561 = 1.000031, its distance from e1
CREATE VIRTUAL TABLE q8v USING knn_index(dim=8, quantize=int8);
INSERT INTO q8v(rowid, embedding) VALUES (1, '[1, -0.5, 0.25, 0.3, -0.7, 0.05, 0.9, -0.33]');
SELECT 'int8-v8', hex(vec) FROM q8v_vectors;
SELECT 'int8-v8-distance', rowid, round(distance, 6) FROM q8v WHERE embedding MATCH '[1, 0, 0, 0, 0, 0, 0, 0]' AND k = 1;
-- storage format 4: each block of 32 values has its own lo and step. q8_affine.py's v40
-- (sin(1.3 i + 0.7) * (1 + i % 4), i < 40): 40 codes, then lo and step of values 0-31 and
-- of values 32-39: 56 bytes, as that script prints them; its first value decodes to
-- 0.644870 (distance from e1 -0.644870), and its dot with itself is 154.253
CREATE VIRTUAL TABLE q40 USING knn_index(dim=40, quantize=int8);
INSERT INTO q40(rowid, embedding) VALUES (1, '[0.64421767, 1.81859481, -0.473237097, -3.97476411, -0.373876661, 1.58733571, 2.39546132, -1.46591651, -0.994552612, -0.331208348, 2.71786427, 2.60115147, -0.558052242, -1.89768898, 0.151268065, 3.90328217, 0.471639007, -1.44698954, -2.57612109, 1.05635405, 0.999993742, 0.541811585, -2.56517935, -2.91344309, 0.465388477, 1.95468497, 0.172462434, -3.78634739, -0.563909233, 1.28979349, 2.72678232, -0.634490669, -0.993790209, -0.746105552, 2.38262367, 3.19180846, -0.367305338, -1.98891926, -0.494184643, 3.62532163]');
SELECT 'int8-v40', hex(vec), length(vec) FROM q40_vectors;
SELECT 'int8-v40-e1', rowid, round(distance, 6) FROM q40 WHERE embedding MATCH '[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]' AND k = 1;
SELECT 'int8-v40-self', rowid, round(distance, 3) FROM q40 WHERE embedding MATCH '[0.64421767, 1.81859481, -0.473237097, -3.97476411, -0.373876661, 1.58733571, 2.39546132, -1.46591651, -0.994552612, -0.331208348, 2.71786427, 2.60115147, -0.558052242, -1.89768898, 0.151268065, 3.90328217, 0.471639007, -1.44698954, -2.57612109, 1.05635405, 0.999993742, 0.541811585, -2.56517935, -2.91344309, 0.465388477, 1.95468497, 0.172462434, -3.78634739, -0.563909233, 1.28979349, 2.72678232, -0.634490669, -0.993790209, -0.746105552, 2.38262367, 3.19180846, -0.367305338, -1.98891926, -0.494184643, 3.62532163]' AND k = 1;
SELECT 'int8-v40-self-in', rowid, round(distance, 3) FROM q40 WHERE embedding MATCH '[0.64421767, 1.81859481, -0.473237097, -3.97476411, -0.373876661, 1.58733571, 2.39546132, -1.46591651, -0.994552612, -0.331208348, 2.71786427, 2.60115147, -0.558052242, -1.89768898, 0.151268065, 3.90328217, 0.471639007, -1.44698954, -2.57612109, 1.05635405, 0.999993742, 0.541811585, -2.56517935, -2.91344309, 0.465388477, 1.95468497, 0.172462434, -3.78634739, -0.563909233, 1.28979349, 2.72678232, -0.634490669, -0.993790209, -0.746105552, 2.38262367, 3.19180846, -0.367305338, -1.98891926, -0.494184643, 3.62532163]' AND k = 1 AND rowid IN (1);
-- l2: [3, 4, 0] is codes 189, 252, 0 with lo 0 and step 4/252 (exact: 189 * 4/252 = 3);
-- from the zero query the distance is |x| = 5; [1, 1, 1] is constant: codes 0, lo 1,
-- step 0: sqrt(3) = 1.732051
CREATE VIRTUAL TABLE ql USING knn_index(dim=3, metric=l2, quantize=int8);
INSERT INTO ql(rowid, embedding) VALUES (1, '[3, 4, 0]'), (2, '[0, 0, 2]'), (3, '[-1, 0, 0]'), (4, '[1, 1, 1]');
SELECT 'int8-l2', rowid, round(distance, 6) FROM ql WHERE embedding MATCH '[0, 0, 0]' AND k = 4;
-- l2 from q = [1, 0, 0] to the decoded [3, 4, 0]: |q|^2 + |x|^2 - 2 q.x = 1 + 25 - 6 = 20; sqrt = 4.472136
SELECT 'int8-l2-q', rowid, round(distance, 6) FROM ql WHERE embedding MATCH '[1, 0, 0]' AND k = 1 AND rowid = 1;
-- cosine: unit vectors are quantized; [3, 4, 0] -> [0.6, 0.8, 0]: codes 189, 252, 0 with
-- lo 2.3e-9 (the least-squares offset in float32) and step 0.8/252: cos with [1, 0, 0] is 0.6,
-- distance 0.4; the stored vector decodes to [0.6, 0.8, 2.3e-9]
CREATE VIRTUAL TABLE qc USING knn_index(dim=3, metric=cosine, quantize=int8);
INSERT INTO qc(rowid, embedding) VALUES (1, '[3, 4, 0]'), (2, '[0, 0, 2]'), (3, '[-1, 0, 0]'), (4, '[0, 0, 0]');
SELECT 'int8-cosine', rowid, round(distance, 6) FROM qc WHERE embedding MATCH '[2, 0, 0]' AND k = 4;
SELECT 'int8-cosine-stored', embed_json(embedding) FROM qc WHERE rowid = 1;

-- ---- rerank: the float vectors are kept, distances are exact
CREATE VIRTUAL TABLE qr USING knn_index(dim=3, quantize=int8, rerank=2);
INSERT INTO qr(rowid, embedding) VALUES (1, '[1, 0, 0]'), (2, '[0, 1, 0]'), (3, '[0, 0, 1]'), (4, '[1, 1, 0]'), (5, '[2, -1, 0.5]');
SELECT 'rerank', rowid, distance FROM qr WHERE embedding MATCH '[1, 0.5, 0]' AND k = 3;
SELECT 'rerank-stored', rowid, length(vec) FROM qr_vectors WHERE rowid = 5;
SELECT 'rerank-embedding', embed_json(embedding) FROM qr WHERE rowid = 5;

-- ---- writes: UPDATE, DELETE, OR REPLACE, ROLLBACK
UPDATE q SET embedding = '[0, 0, -3]' WHERE rowid = 4;
DELETE FROM q WHERE rowid = 1;
INSERT OR REPLACE INTO q(rowid, embedding) VALUES (2, '[0, 2, 0]');
UPDATE q SET rowid = 10 WHERE rowid = 3;
-- dots with [0, 1, -1]: row 4 [0, 0, -3] 3; row 2 [0, 2, 0] 2; row 10 [0, 0, 1] -1;
-- row 5 [2, -1, 0.5] (stored exactly) -1.5
SELECT 'after-writes', rowid, round(distance, 6) FROM q WHERE embedding MATCH '[0, 1, -1]' AND k = 10;
BEGIN;
INSERT INTO q(rowid, embedding) VALUES (50, '[0, 100, -100]');
DELETE FROM q WHERE rowid = 4;
SELECT 'in-txn', rowid FROM q WHERE embedding MATCH '[0, 1, -1]' AND k = 2;
ROLLBACK;
SELECT 'rolled-back', rowid FROM q WHERE embedding MATCH '[0, 1, -1]' AND k = 2;
SELECT 'rows', count(*), (SELECT count(*) FROM q_vectors) FROM q;

-- ---- bad inputs
CREATE VIRTUAL TABLE e USING knn_index(dim=3, quantize=int4);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, rerank=4);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, quantize=none, rerank=4);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, quantize=int8, rerank=101);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, quantize=int8, rerank=-1);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, quantize=int8, rerank=2.5);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, verbose=2);
CREATE VIRTUAL TABLE e USING knn_index(dim=3, quantize=int8, quantize=int8);
SELECT 'no table e', count(*) FROM sqlite_master WHERE name LIKE 'e%';
INSERT INTO q(rowid, embedding) VALUES (20, '[1, NaN, 0]');
INSERT INTO q(rowid, embedding) VALUES (20, x'0000c07f0000803f00000000');
INSERT INTO q(rowid, embedding) VALUES (20, '[1, 2]');
INSERT INTO q(rowid, embedding) VALUES (20, x'7f000004020100');
SELECT * FROM q WHERE embedding MATCH '[1, 2]' AND k = 2;
SELECT * FROM q WHERE embedding MATCH '[1, NaN, 2]' AND k = 2;
SELECT 'still', count(*) FROM q;

-- ---- HNSW int8 on a file: recall against exact float search, reopen, integrity_check
ATTACH 'quant.db' AS f;
CREATE TABLE f.data(id INTEGER PRIMARY KEY, emb);
INSERT INTO f.data SELECT value, json_array(
  ((value * 7919 + 1) % 1000) / 1000.0 - 0.5, ((value * 104729 + 2) % 997) / 997.0 - 0.5,
  ((value * 1299709 + 3) % 991) / 991.0 - 0.5, ((value * 15485863 + 4) % 983) / 983.0 - 0.5,
  ((value * 32452843 + 5) % 977) / 977.0 - 0.5, ((value * 49979687 + 6) % 971) / 971.0 - 0.5,
  ((value * 67867967 + 7) % 967) / 967.0 - 0.5, ((value * 86028121 + 8) % 953) / 953.0 - 0.5)
  FROM generate_series(1, 900);
CREATE TABLE f.qs(id INTEGER PRIMARY KEY, emb);
INSERT INTO f.qs SELECT value, json_array(
  ((value * 31 + 11) % 101) / 101.0 - 0.5, ((value * 37 + 12) % 103) / 103.0 - 0.5,
  ((value * 41 + 13) % 107) / 107.0 - 0.5, ((value * 43 + 14) % 109) / 109.0 - 0.5,
  ((value * 47 + 15) % 113) / 113.0 - 0.5, ((value * 53 + 16) % 127) / 127.0 - 0.5,
  ((value * 59 + 17) % 131) / 131.0 - 0.5, ((value * 61 + 18) % 137) / 137.0 - 0.5)
  FROM generate_series(1, 30);
CREATE VIRTUAL TABLE f.h8 USING knn_index(dim=8, index=hnsw, m=8, ef_construction=32, quantize=int8);
CREATE VIRTUAL TABLE f.f8 USING knn_index(dim=8, quantize=int8);
CREATE VIRTUAL TABLE f.r8 USING knn_index(dim=8, index=hnsw, m=8, ef_construction=32, quantize=int8, rerank=4);
INSERT INTO f.h8(rowid, embedding) SELECT id, emb FROM f.data;
INSERT INTO f.f8(rowid, embedding) SELECT id, emb FROM f.data;
INSERT INTO f.r8(rowid, embedding) SELECT id, emb FROM f.data;
DELETE FROM f.h8 WHERE rowid % 5 = 0;
DELETE FROM f.f8 WHERE rowid % 5 = 0;
DELETE FROM f.r8 WHERE rowid % 5 = 0;
-- exact top 10 by float inner product over the same rows
CREATE TEMP TABLE want AS SELECT qid, r FROM (
  SELECT q.id qid, d.id r, row_number() OVER (PARTITION BY q.id ORDER BY -embed_dot(d.emb, q.emb), d.id) rn
  FROM f.qs q, f.data d WHERE d.id % 5 != 0) WHERE rn <= 10;
CREATE TEMP VIEW recall AS SELECT t,
  (SELECT count(*) FROM temp.got g JOIN want w ON g.qid = w.qid AND g.r = w.r AND g.t = x.t) / 300.0 AS r
  FROM (SELECT DISTINCT t FROM temp.got) x;
CREATE TEMP TABLE got(t, qid, r);
INSERT INTO got SELECT 'flat', q.id, x.rowid FROM f.qs q JOIN f.f8 x ON x.embedding MATCH q.emb AND x.k = 10;
INSERT INTO got SELECT 'hnsw', q.id, x.rowid FROM f.qs q JOIN f.h8 x ON x.embedding MATCH q.emb AND x.k = 10;
INSERT INTO got SELECT 'hnsw-rerank', q.id, x.rowid FROM f.qs q JOIN f.r8 x ON x.embedding MATCH q.emb AND x.k = 10;
SELECT 'recall >= 0.9', t, r >= 0.9 FROM recall ORDER BY t;
SELECT 'recall-rerank >= 0.97', r >= 0.97 FROM recall WHERE t = 'hnsw-rerank';
CREATE TEMP TABLE before AS SELECT q.id qid, x.rowid r, x.distance d FROM f.qs q JOIN f.h8 x ON x.embedding MATCH q.emb AND x.k = 10;
DETACH f;
ATTACH 'quant.db' AS f;
CREATE TEMP TABLE after AS SELECT q.id qid, x.rowid r, x.distance d FROM f.qs q JOIN f.h8 x ON x.embedding MATCH q.emb AND x.k = 10;
SELECT 'reopened-same', (SELECT count(*) FROM before), (SELECT count(*) FROM before JOIN after USING (qid, r, d));
SELECT 'nodes', (SELECT count(*) FROM f.h8_vectors), (SELECT count(*) FROM f.h8_graph), (SELECT max(length(vec)) FROM f.h8_vectors);
PRAGMA f.integrity_check;

-- ---- damaged int8 rows: errors, never a crash
CREATE TEMP TABLE good AS SELECT * FROM f.f8_vectors WHERE rowid = 1;
CREATE TEMP VIEW probe AS SELECT rowid FROM f.f8 WHERE embedding MATCH '[1,0,0,0,0,0,0,0]' AND k = 3;
UPDATE f.f8_vectors SET vec = zeroblob(32) WHERE rowid = 1;
DETACH f;
ATTACH 'quant.db' AS f;
SELECT * FROM probe;
-- format 2's layout (codes and one scale) in a format 3 table
UPDATE f.f8_vectors SET vec = x'00000000000000000000803f' WHERE rowid = 1;
DETACH f;
ATTACH 'quant.db' AS f;
SELECT * FROM probe;
-- lo NaN; step -1; lo + 255 step overflowing
UPDATE f.f8_vectors SET vec = x'00000000000000000000c07f0000803f' WHERE rowid = 1;
DETACH f;
ATTACH 'quant.db' AS f;
SELECT * FROM probe;
UPDATE f.f8_vectors SET vec = x'000000000000000000000000000080bf' WHERE rowid = 1;
DETACH f;
ATTACH 'quant.db' AS f;
SELECT * FROM probe;
UPDATE f.f8_vectors SET vec = x'0000000000000000ffff7f7fffff7f7f' WHERE rowid = 1;
DETACH f;
ATTACH 'quant.db' AS f;
SELECT * FROM probe;
REPLACE INTO f.f8_vectors SELECT * FROM good;
DETACH f;
ATTACH 'quant.db' AS f;
SELECT 'repaired', count(*) FROM probe;
DROP VIEW probe;
DETACH f;

-- ---- int8 HNSW tables pack their neighbour lists: per level a varint count,
-- then zigzag varints of each rowid minus the previous (the node's own first)
ATTACH 'packed.db' AS p;
CREATE VIRTUAL TABLE p.g USING knn_index(dim=2, index=hnsw, m=2, ef_construction=4, quantize=int8);
INSERT INTO p.g(rowid, embedding) VALUES (1, '[1, 0]'), (2, '[0, 1]'), (3, '[1, 1]'), (10, '[-1, 0]');
-- node 1 (level 1): 2 neighbours at level 0: 2 (+1 -> 02), 3 (+1 -> 02); none at level 1
-- node 2: 3 neighbours: 1 (-1 -> 01), 3 (+2 -> 04), 10 (+7 -> 0E); node 10: 2 (-8 -> 0F)
SELECT 'packed', rowid, level, hex(neighbors) FROM p.g_graph ORDER BY rowid;
CREATE TEMP VIEW gprobe AS SELECT count(*) FROM p.g WHERE embedding MATCH '[1, 0]' AND k = 2;
-- damaged lists: a truncated varint, a count beyond 2m, trailing bytes, a
-- varint longer than 64 bits, an unknown neighbour (1 + 12344)
CREATE TEMP TABLE bad(b);
INSERT INTO bad VALUES (x'82'), (x'0902020202020202020200'), (x'0202020000'), (x'01ffffffffffffffffff7f00'), (x'01f0c00100');
CREATE TEMP TABLE good_g AS SELECT * FROM p.g_graph WHERE rowid = 1;
UPDATE p.g_graph SET neighbors = (SELECT b FROM bad WHERE rowid = 1) WHERE rowid = 1;
DETACH p;
ATTACH 'packed.db' AS p;
SELECT * FROM gprobe;
UPDATE p.g_graph SET neighbors = (SELECT b FROM bad WHERE rowid = 2) WHERE rowid = 1;
DETACH p;
ATTACH 'packed.db' AS p;
SELECT * FROM gprobe;
UPDATE p.g_graph SET neighbors = (SELECT b FROM bad WHERE rowid = 3) WHERE rowid = 1;
DETACH p;
ATTACH 'packed.db' AS p;
SELECT * FROM gprobe;
UPDATE p.g_graph SET neighbors = (SELECT b FROM bad WHERE rowid = 4) WHERE rowid = 1;
DETACH p;
ATTACH 'packed.db' AS p;
SELECT * FROM gprobe;
UPDATE p.g_graph SET neighbors = (SELECT b FROM bad WHERE rowid = 5) WHERE rowid = 1;
DETACH p;
ATTACH 'packed.db' AS p;
SELECT * FROM gprobe;
REPLACE INTO p.g_graph SELECT * FROM good_g;
DETACH p;
ATTACH 'packed.db' AS p;
SELECT 'packed-repaired', * FROM gprobe;
DROP VIEW gprobe;
DETACH p;

-- ---- a database of storage format version 1 (tests/data/knn_v1.sql made it
-- with the build of that version): read as it is, the same answers as that
-- build gave (listed in knn_v1.sql's comment), then written and reopened
ATTACH 'file:data/knn_v1.db?mode=ro' AS v1;
SELECT 'v1-info', key, value FROM v1.vh_info WHERE key IN ('format_version', 'quantize') ORDER BY key;
SELECT 'v1-hnsw', rowid, round(distance, 6) FROM v1.vh WHERE embedding MATCH '[1,0.5,0,-0.5]' AND k = 5;
SELECT 'v1-flat', rowid, round(distance, 6) FROM v1.vf WHERE embedding MATCH '[0,0,0]' AND k = 4;
VACUUM v1 INTO 'v1copy.db';
DETACH v1;
ATTACH 'v1copy.db' AS v1;
INSERT INTO v1.vh(rowid, embedding) VALUES (100, '[5, 2.5, 0, -2.5]');
DELETE FROM v1.vh WHERE rowid = 26;
INSERT INTO v1.vf(rowid, embedding) VALUES (5, '[0, 0, 0.5]');
DETACH v1;
ATTACH 'v1copy.db' AS v1;
SELECT 'v1-written', rowid FROM v1.vh WHERE embedding MATCH '[1,0.5,0,-0.5]' AND k = 2;
SELECT 'v1-written-flat', rowid, round(distance, 6) FROM v1.vf WHERE embedding MATCH '[0,0,0]' AND k = 2;
SELECT 'v1-still-v1', value FROM v1.vh_info WHERE key = 'format_version';
SELECT 'v1-keys', count(*) FROM v1.vh_info WHERE key IN ('quantize', 'rerank', 'verbose');
PRAGMA v1.integrity_check;
DETACH v1;

-- ---- a database of storage format version 2 (tests/data/knn_v2.sql made it
-- with the build of that version: int8 tables with symmetric codes and one
-- scale per vector): read as it is, the same answers as that build gave
-- (listed in knn_v2.sql's comment), then written (new rows in format 2's
-- layout, so that older builds can still open it) and reopened
ATTACH 'file:data/knn_v2.db?mode=ro' AS v2;
SELECT 'v2-info', key, value FROM v2.wh_info WHERE key IN ('format_version', 'quantize') ORDER BY key;
SELECT 'v2-hnsw', rowid, round(distance, 6) FROM v2.wh WHERE embedding MATCH '[1,0.5,0,-0.5]' AND k = 5;
SELECT 'v2-flat', rowid, round(distance, 6) FROM v2.wf WHERE embedding MATCH '[0,0,0]' AND k = 4;
SELECT 'v2-rerank', rowid, round(distance, 6) FROM v2.wr WHERE embedding MATCH '[1,0.5,0]' AND k = 3;
SELECT 'v2-emb', rowid, embed_json(embedding) FROM v2.wf ORDER BY rowid;
VACUUM v2 INTO 'v2copy.db';
DETACH v2;
ATTACH 'v2copy.db' AS v2;
INSERT INTO v2.wh(rowid, embedding) VALUES (100, '[5, 2.5, 0, -2.5]');
DELETE FROM v2.wh WHERE rowid = 26;
-- [0, 0, 0.5] in format 2: codes 0, 0, 127 and scale 0.5/127 (0x3B810204)
INSERT INTO v2.wf(rowid, embedding) VALUES (5, '[0, 0, 0.5]');
DETACH v2;
ATTACH 'v2copy.db' AS v2;
SELECT 'v2-written', rowid FROM v2.wh WHERE embedding MATCH '[1,0.5,0,-0.5]' AND k = 2;
SELECT 'v2-written-flat', rowid, round(distance, 6) FROM v2.wf WHERE embedding MATCH '[0,0,0]' AND k = 2;
SELECT 'v2-written-stored', hex(vec) FROM v2.wf_vectors WHERE rowid = 5;
SELECT 'v2-written-lengths', (SELECT max(length(vec)) FROM v2.wh_vectors), (SELECT count(*) FROM v2.wh_vectors);
SELECT 'v2-still-v2', value FROM v2.wh_info WHERE key = 'format_version';
PRAGMA v2.integrity_check;
DETACH v2;

-- ---- a database of storage format version 3 (tests/data/knn_v3.sql made it with
-- the build of that version: int8 rows with one lo and one step per vector, 48 bytes
-- at dim 40): read as it is, the answers that build gave (to float rounding: the
-- sums now add per block):
--   v3-flat|3|-52.0438  v3-flat|15|-44.276  v3-flat|28|-44.0984
--   v3-hnsw|5|0.0266  v3-hnsw|30|3.9511  v3-hnsw|17|3.9526
--   v3-emb|2|[1.351409,0.26743603,-0.816537,...] (the same 40 values)
-- then written (new rows in format 3's layout, so that older builds can still open
-- it; the change log catches a reader up) and reopened
ATTACH 'file:data/knn_v3.db?mode=ro' AS v3;
SELECT 'v3-info', key, value FROM v3.uh_info WHERE key IN ('format_version', 'quantize') ORDER BY key;
SELECT 'v3-flat', rowid, abs(distance - CASE rowid WHEN 3 THEN -52.0438 WHEN 15 THEN -44.276 WHEN 28 THEN -44.0984 END) < 2e-4 FROM v3.uf WHERE embedding MATCH (SELECT json_group_array(((3 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j) AND k = 3;
-- (row 5 is the query's own vector: its distance, exactly 0.026445 from the stored
-- codes, is the square root of a difference of squared norms near 55, so float
-- rounding moves it by 1e-4 and the kernels differ: 0.0266 with AVX-512 VNNI,
-- 0.02635 with AVX2)
SELECT 'v3-hnsw', rowid, abs(distance - CASE rowid WHEN 5 THEN 0.026445 WHEN 30 THEN 3.9511 WHEN 17 THEN 3.9526 END) < CASE rowid WHEN 5 THEN 5e-4 ELSE 2e-4 END FROM v3.uh WHERE embedding MATCH (SELECT json_group_array(((5 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j) AND k = 3;
SELECT 'v3-emb', rowid, embed_json(embedding) FROM v3.uf WHERE rowid = 2;
VACUUM v3 INTO 'v3copy.db';
DETACH v3;
ATTACH 'v3copy.db' AS v3;
SELECT 'v3-before-write', rowid FROM v3.uf WHERE embedding MATCH (SELECT json_group_array(((31 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j) AND k = 1;
INSERT INTO v3.uf(rowid, embedding) VALUES (31, (SELECT json_group_array(((31 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j));
INSERT INTO v3.uh(rowid, embedding) VALUES (31, (SELECT json_group_array(((31 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j));
SELECT 'v3-written-lengths', length(vec), count(*) FROM v3.uf_vectors GROUP BY 1;
SELECT 'v3-written', rowid, round(distance, 4) FROM v3.uh WHERE embedding MATCH (SELECT json_group_array(((31 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j) AND k = 1;
SELECT 'v3-written-flat', rowid FROM v3.uf WHERE embedding MATCH (SELECT json_group_array(((31 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j) AND k = 1;
DETACH v3;
ATTACH 'v3copy.db' AS v3;
SELECT 'v3-reopened', rowid, round(distance, 4) FROM v3.uh WHERE embedding MATCH (SELECT json_group_array(((31 * 7919 + j.value * 104729) % 1000) / 250.0 - 2.0) FROM generate_series(0, 39) j) AND k = 1;
SELECT 'v3-still-v3', value FROM v3.uh_info WHERE key = 'format_version';
PRAGMA v3.integrity_check;
DETACH v3;

-- ---- verbose: stored; short inserts print nothing
CREATE VIRTUAL TABLE vb USING knn_index(dim=2, verbose=1);
INSERT INTO vb(rowid, embedding) VALUES (1, '[1, 0]'), (2, '[0, 1]');
SELECT 'verbose', value FROM vb_info WHERE key = 'verbose';
