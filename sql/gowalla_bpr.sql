-- The BPR-MF pipeline on the Gowalla split of the NGCF/LightGCN papers, in SQL:
-- load train and test, train with bpr_train, recommend the top 20 items not
-- in the user's train items, evaluate Recall@20 and NDCG@20 per test user.
--
-- Run from the repository root, in a fresh database:
--   sqlite3 build/gowalla.db -cmd '.load build/recsql' < sql/gowalla_bpr.sql
-- (or `make bench`, which runs it through bench/bpr/run.sh). The data files
-- are read from ../shared/data/gowalla.
--
-- bpr_train's options come from the parameter @options (NULL: the defaults);
-- the many-negative trainer of docs/bpr_train.md, for example:
--   sqlite3 build/gowalla.db -cmd '.load build/recsql' \
--     -cmd ".parameter set @options '{\"loss\": \"softmax\"}'" < sql/gowalla_bpr.sql
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
SELECT printf('data: train %d interactions (%d users, %d items), test %d interactions; loaded in %.1f s',
  (SELECT count(*) FROM train), (SELECT count(DISTINCT user) FROM train), (SELECT count(DISTINCT item) FROM train),
  (SELECT count(*) FROM test), 86400 * ((SELECT t FROM clock WHERE step = 'loaded') - (SELECT t FROM clock WHERE step = 'start')));

-- Training: the defaults (dim 64, 100 epochs, 4 negatives per positive, lr 0.1 decaying to 0.01, reg 0.005)
-- unless @options says otherwise.
SELECT 'bpr_train: ' || bpr_train('train', 'bpr', json_set(coalesce(@options, '{}'), '$.verbose', json('true')));
INSERT INTO clock VALUES ('trained', julianday('now'));

CREATE TABLE rec AS SELECT * FROM recommend('bpr_users', 'bpr_items', 20, 'train');
INSERT INTO clock VALUES ('recommended', julianday('now'));

SELECT printf('%s  Recall@20 %.4f  NDCG@20 %.4f  (test users %d; published BPR-MF: 0.1291 / 0.1109, LightGCN: 0.1830 / 0.1554)',
  coalesce('bpr_train ' || @options, 'BPR-MF'), avg(r), avg(n), count(r))
FROM (
  SELECT coalesce(rec.user, t.user) AS u,
         recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u);
INSERT INTO clock VALUES ('evaluated', julianday('now'));
SELECT printf('time: train %.1f s, recommend top-20 for all users %.2f s, evaluate %.2f s',
  86400 * ((SELECT t FROM clock WHERE step = 'trained') - (SELECT t FROM clock WHERE step = 'loaded')),
  86400 * ((SELECT t FROM clock WHERE step = 'recommended') - (SELECT t FROM clock WHERE step = 'trained')),
  86400 * ((SELECT t FROM clock WHERE step = 'evaluated') - (SELECT t FROM clock WHERE step = 'recommended')));
