-- Item-to-item recall on the Gowalla split of the NGCF/LightGCN papers, in
-- SQL: item similarities from swing_sim and itemcf_sim (top 50 neighbours
-- per item); each user's top 20 from i2i_recommend (the sum of similarities
-- to the user's train items, train items excluded, ties by item id: the
-- lists of the GROUP BY / window-function query this script used before,
-- bench/i2i); Recall@20 and NDCG@20 per test user with recall_at_k /
-- ndcg_at_k, averaged (the evaluation of sql/gowalla_bpr.sql).
--
-- Run from the repository root, in a fresh database:
--   sqlite3 build/gowalla_itemsim.db -cmd '.load build/recsql' < sql/gowalla_itemsim.sql
-- (bench/swing/run.sh runs it). The data files are read from
-- ../shared/data/gowalla. EASE (ease_train) on Gowalla: bench/ease.
.bail on
.mode list
CREATE TEMP TABLE clock(step TEXT PRIMARY KEY, t REAL);
INSERT INTO clock VALUES ('start', julianday('now'));
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv ../shared/data/gowalla/train.txt train_lines
.import --csv ../shared/data/gowalla/test.txt test_lines
.read sql/load_adjacency.sql
INSERT INTO clock VALUES ('loaded', julianday('now'));
SELECT printf('data: train %d interactions (%d users, %d items), test %d interactions',
  (SELECT count(*) FROM train), (SELECT count(DISTINCT user) FROM train), (SELECT count(DISTINCT item) FROM train),
  (SELECT count(*) FROM test));

-- Similarities: top 50 per item.
CREATE TABLE sim_swing AS SELECT * FROM swing_sim('train', 1.0, 50);
INSERT INTO clock VALUES ('swing', julianday('now'));
CREATE TABLE sim_itemcf AS SELECT * FROM itemcf_sim('train', 50, 'cosine');
INSERT INTO clock VALUES ('itemcf', julianday('now'));

-- Recommendations: top 20 per user, train items excluded.
CREATE TABLE rec_swing AS SELECT user, item, score FROM i2i_recommend('train', 'sim_swing', 20);
INSERT INTO clock VALUES ('rec_swing', julianday('now'));
CREATE TABLE rec_itemcf AS SELECT user, item, score FROM i2i_recommend('train', 'sim_itemcf', 20);
INSERT INTO clock VALUES ('rec_itemcf', julianday('now'));

SELECT printf('Swing (alpha 1, top 50)      Recall@20 %.4f  NDCG@20 %.4f  (test users %d)', avg(r), avg(n), count(r))
FROM (
  SELECT coalesce(rec.user, t.user) AS u,
         recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec_swing rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u);
SELECT printf('ItemCF (cosine, top 50)      Recall@20 %.4f  NDCG@20 %.4f  (test users %d)', avg(r), avg(n), count(r))
FROM (
  SELECT coalesce(rec.user, t.user) AS u,
         recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec_itemcf rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u);
SELECT printf('time: swing_sim %.1f s, itemcf_sim %.1f s, i2i_recommend swing %.1f s, itemcf %.1f s',
  86400 * ((SELECT t FROM clock WHERE step = 'swing') - (SELECT t FROM clock WHERE step = 'loaded')),
  86400 * ((SELECT t FROM clock WHERE step = 'itemcf') - (SELECT t FROM clock WHERE step = 'swing')),
  86400 * ((SELECT t FROM clock WHERE step = 'rec_swing') - (SELECT t FROM clock WHERE step = 'itemcf')),
  86400 * ((SELECT t FROM clock WHERE step = 'rec_itemcf') - (SELECT t FROM clock WHERE step = 'rec_swing')));

SELECT 'for comparison: BPR-MF with bpr_train defaults (sql/gowalla_bpr.sql) 0.158 / 0.136; published BPR-MF 0.1291 / 0.1109';
