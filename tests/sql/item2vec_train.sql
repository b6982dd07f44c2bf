-- item2vec_train: the hand case of sessions (gap cuts, repeats, single events,
-- NULLs) with exact counts; session ids; planted clusters (nearest neighbours
-- from the same cluster) on sequences, walks and EGES; cold-start items near
-- their cluster; weights summing to 1; seeds bit-identical; TEXT and INTEGER
-- ids; old tables kept on errors; the errors.
.mode list
-- u1: a b b (repeat collapsed) then a gap of 97 > 50: c alone (dropped);
-- u2: one event (dropped); u3: NULL item, and a NULL time: skipped; u4: a c
CREATE TABLE h(user, item, time);
INSERT INTO h VALUES ('u1', 'a', 1), ('u1', 'b', 2), ('u1', 'b', 3), ('u1', 'c', 100), ('u2', 'x', 5),
  ('u3', NULL, 1), ('u4', 'a', 1), ('u4', 'c', 2), ('u4', 'q', NULL);
SELECT 'hand', j->>'users', j->>'events', j->>'skipped_rows', j->>'repeats', j->>'single_item_sessions',
  j->>'sequences', j->>'tokens', j->>'items', j->>'untrained_items', j->>'cold_items', j->>'dim', j->>'side_info'
  FROM (SELECT item2vec_train('h', 'hm', '{"session_gap": 50, "dim": 8, "threads": 1, "seed": 1}') AS j);
SELECT 'hand-items', id, typeof(id), embed_dim(emb) FROM hm_items ORDER BY id;
-- without a gap: u1 is one sequence a b c (b repeated once), u4 a c
SELECT 'no-gap', j->>'sequences', j->>'tokens', j->>'single_item_sessions'
  FROM (SELECT item2vec_train('h', 'hm', '{"dim": 8, "threads": 1}') AS j);
-- a 4th column is the session id: u1's events in two sessions: (a, b, b) and (c)
CREATE TABLE hs(user, item, time, session);
INSERT INTO hs SELECT user, item, time, CASE WHEN item = 'c' AND user = 'u1' THEN 2 ELSE 1 END FROM h;
SELECT 'sessions', j->>'sequences', j->>'tokens', j->>'single_item_sessions'
  FROM (SELECT item2vec_train('hs', 'hm', '{"dim": 8, "threads": 1}') AS j);

-- planted clusters: 4 clusters of 10 items (item = 10 c + k); 400 users, each
-- 20 events inside one cluster (items drawn by a multiplicative hash of k)
CREATE TABLE ev(user INTEGER, item INTEGER, time INTEGER);
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < 7999)
INSERT INTO ev SELECT k / 20, (k / 20 % 4) * 10 + ((k * 2654435761) % 4294967296 >> 16) % 10, k % 20 FROM n;
-- nn(m): each item of m_items with its nearest other item by cosine
SELECT 'train-seq', j->>'items', j->>'sequences' FROM (SELECT item2vec_train('ev', 'pc',
  '{"dim": 16, "window": 3, "epochs": 5, "threads": 1, "seed": 7, "subsample": 0}') AS j);
SELECT 'clusters-seq', * FROM (SELECT count(*) FROM (SELECT a.id AS aid, b.id AS bid, row_number() OVER (PARTITION BY a.id ORDER BY embed_cosine(a.emb, b.emb) DESC) AS r FROM pc_items a JOIN pc_items b ON b.id <> a.id AND 1 AND 1) WHERE r = 1 AND aid / 10 = bid / 10);
SELECT 'train-walks', j->>'mode', j->>'sequences', j->>'tokens' FROM (SELECT item2vec_train('ev', 'pw',
  '{"mode": "walks", "walks_per_item": 20, "walk_length": 20, "dim": 16, "window": 3, "threads": 1, "seed": 7, "subsample": 0}') AS j);
SELECT 'clusters-walks', * FROM (SELECT count(*) FROM (SELECT a.id AS aid, b.id AS bid, row_number() OVER (PARTITION BY a.id ORDER BY embed_cosine(a.emb, b.emb) DESC) AS r FROM pw_items a JOIN pw_items b ON b.id <> a.id AND 1 AND 1) WHERE r = 1 AND aid / 10 = bid / 10);
-- threads = 1 and a seed: bit-identical; another seed: different
SELECT item2vec_train('ev', 'pd', '{"dim": 16, "window": 3, "threads": 1, "seed": 7, "subsample": 0}') IS NOT NULL;
SELECT 'same-seed', count(*) FROM pc_items a JOIN pd_items b USING (id) WHERE a.emb = b.emb;
SELECT item2vec_train('ev', 'pd', '{"dim": 16, "window": 3, "threads": 1, "seed": 8, "subsample": 0}') IS NOT NULL;
SELECT 'other-seed', count(*) FROM pc_items a JOIN pd_items b USING (id) WHERE a.emb = b.emb;
-- two threads train too
SELECT 'threads-2', j->>'threads', j->>'items' FROM (SELECT item2vec_train('ev', 'pt',
  '{"dim": 16, "window": 3, "threads": 2, "seed": 7}') AS j);

-- EGES: every item has field 'cluster' (its cluster, as TEXT) and field 'noise'
-- (one of 3 values); items 100 + 10 c + k (k < 3) exist only in side_info:
-- cold start
CREATE TABLE side(item, field, value);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)
INSERT INTO side SELECT i, 'cluster', 'c' || (i / 10) FROM n UNION ALL SELECT i, 'noise', i % 3 FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 11)
INSERT INTO side SELECT 100 + (i / 3) * 10 + i % 3, 'cluster', 'c' || (i / 3) FROM n
  UNION ALL SELECT 100 + (i / 3) * 10 + i % 3, 'noise', i % 3 FROM n;
INSERT INTO side VALUES (5, NULL, 'x'); -- skipped
SELECT 'eges', j->>'items', j->>'cold_items', j->>'side_info', j->>'skipped_rows' FROM (SELECT item2vec_train('ev', 'pe',
  '{"dim": 16, "window": 3, "threads": 1, "seed": 7, "subsample": 0, "side_info": "side"}') AS j);
SELECT 'eges-clusters', * FROM (SELECT count(*) FROM (SELECT a.id AS aid, b.id AS bid, row_number() OVER (PARTITION BY a.id ORDER BY embed_cosine(a.emb, b.emb) DESC) AS r FROM pe_items a JOIN pe_items b ON b.id <> a.id AND a.id < 100 AND b.id < 100) WHERE r = 1 AND aid / 10 = bid / 10);
-- every cold item's nearest trained item is in its cluster
SELECT 'cold-start', * FROM (SELECT count(*) FROM (SELECT a.id AS aid, b.id AS bid, row_number() OVER (PARTITION BY a.id ORDER BY embed_cosine(a.emb, b.emb) DESC) AS r FROM pe_items a JOIN pe_items b ON b.id <> a.id AND a.id >= 100 AND b.id < 100) WHERE r = 1 AND (aid - 100) / 10 = bid / 10);
-- weights: per item over its slots (NULL field = its own embedding), summing to 1;
-- cold items have no own-embedding weight
SELECT 'weights-sum', count(*), sum(abs(s - 1) < 1e-6) FROM (SELECT id, sum(weight) s FROM pe_weights GROUP BY id);
SELECT 'weights-slots', count(*) FILTER (WHERE field IS NULL), count(*) FILTER (WHERE field = 'cluster'),
  count(*) FILTER (WHERE field = 'noise') FROM pe_weights;
SELECT 'cold-weights', count(*) FROM pe_weights WHERE id >= 100 AND field IS NULL;
SELECT 'cold-uniform', count(*) FROM pe_weights WHERE id >= 100 AND abs(weight - 0.5) < 1e-7;
SELECT 'fields', field, count(*), min(embed_dim(emb)) FROM pe_fields GROUP BY field ORDER BY field;
SELECT 'value-types', typeof(value), count(*) FROM pe_fields GROUP BY 2 ORDER BY 2;
-- training again without side_info drops the old side tables
SELECT item2vec_train('ev', 'pe', '{"dim": 4, "threads": 1}') IS NOT NULL;
SELECT 'dropped', count(*) FROM sqlite_master WHERE name IN ('pe_fields', 'pe_weights');

-- security: SQLITE_DIRECTONLY (no calls from views or triggers); names quoted
CREATE VIEW v_i2v AS SELECT item2vec_train('ev', 'evil', '{"dim": 2}') AS j;
SELECT * FROM v_i2v;
CREATE TABLE log(x);
CREATE TRIGGER tr_i2v AFTER INSERT ON log BEGIN SELECT item2vec_train('ev', 'evil', '{"dim": 2}'); END;
INSERT INTO log VALUES (1);
SELECT 'quoted', j->>'model' FROM (SELECT item2vec_train('ev', 'x"; DROP TABLE ev; --', '{"dim": 2, "epochs": 1, "threads": 1}') AS j);
SELECT 'still-there', count(*) FROM ev;
SELECT 'quoted-table', count(*) FROM "x""; DROP TABLE ev; --_items";
SELECT item2vec_train('SELECT * FROM ev; DROP TABLE ev', 'm');
SELECT item2vec_train('ev', 'm', '{"side_info": "SELECT 1, 2, 3; DROP TABLE ev"}');
SELECT item2vec_train('DELETE FROM ev RETURNING *', 'm');
-- errors; the old tables stay as they were
SELECT 'before', count(*) FROM pc_items;
SELECT item2vec_train(1, 'pc');
SELECT item2vec_train('ev', '');
SELECT item2vec_train('ev', NULL);
SELECT item2vec_train('ev', 'pc', 5);
SELECT item2vec_train('ev', 'pc', '{"windwo": 3}');
SELECT item2vec_train('ev', 'pc', '{"mode": "walk"}');
SELECT item2vec_train('ev', 'pc', '{"walk_length": 5}');
SELECT item2vec_train('ev', 'pc', '{"dim": 0}');
SELECT item2vec_train('ev', 'pc', '{"threads": 65}');
SELECT item2vec_train('ev', 'pc', '{"mode": "walks", "walk_length": 1}');
SELECT item2vec_train('nosuch', 'pc');
SELECT item2vec_train('SELECT user, item FROM ev', 'pc');
SELECT item2vec_train('SELECT user, item, ''2024-01-01'' FROM ev', 'pc');
SELECT item2vec_train('SELECT user, 1.5, time FROM ev', 'pc');
SELECT item2vec_train('SELECT user, item, time, 2.5 FROM ev', 'pc');
SELECT item2vec_train('SELECT user, item, 1e999 FROM ev', 'pc');
SELECT item2vec_train('SELECT 1, 2, 3 WHERE 0', 'pc');
SELECT item2vec_train('SELECT user, 7, time FROM ev', 'pc');
SELECT item2vec_train('ev', 'pc', '{"side_info": "nosuch"}');
SELECT item2vec_train('ev', 'pc', '{"side_info": "SELECT 1, ''f'', 2.5"}');
SELECT item2vec_train('ev', 'pc', '{"side_info": "SELECT 1, 2"}');
SELECT item2vec_train('ev', 'pc', '{"lr": 10, "dim": 4, "epochs": 50, "window": 10, "subsample": 0, "threads": 1}') IS NOT NULL;
SELECT 'x', item2vec_train('ev', 'pc') FROM ev LIMIT 1;
-- one field per value: 12000 items x 12001 slots passes the limit of 2^27 field weights (SQLITE_TOOBIG)
CREATE TABLE many(u, i, t);
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < 11999) INSERT INTO many SELECT k / 2, k, k FROM n;
SELECT item2vec_train('many', 'pc', '{"side_info": "SELECT i, ''tag'' || i, 1 FROM many", "dim": 2, "threads": 1}');
SELECT 'after', count(*) FROM pc_items;
SELECT 'no-leftovers', count(*) FROM sqlite_master WHERE name LIKE 'pc\_%' ESCAPE '\';
