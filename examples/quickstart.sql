-- recsql quickstart: the whole pipeline on the bundled Gowalla sample.
-- Run with `make demo` (or: sqlite3 demo.db -cmd '.load build/recsql' < examples/quickstart.sql).
.bail on
.mode list
.print '== load: tests/data/gowalla_sample (a 1-in-20 user sample of the LightGCN Gowalla split)'
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv tests/data/gowalla_sample/train.txt train_lines
.import --csv tests/data/gowalla_sample/test.txt test_lines
.read sql/load_adjacency.sql
SELECT printf('train: %d interactions, %d users, %d items', count(*), count(DISTINCT user), count(DISTINCT item)) FROM train;
SELECT printf('test:  %d interactions, %d users', count(*), count(DISTINCT user)) FROM test;

.print ''
.print '== baseline: most popular train items not yet seen, top 20 per user'
CREATE TABLE pop AS SELECT item, count(*) AS score FROM train GROUP BY item ORDER BY score DESC LIMIT 200;
CREATE TABLE rec AS
  SELECT user, item, score FROM (
    SELECT u.user, p.item, p.score, row_number() OVER (PARTITION BY u.user ORDER BY p.score DESC, p.item) AS r
    FROM (SELECT DISTINCT user FROM test) u CROSS JOIN pop p
    WHERE NOT EXISTS (SELECT 1 FROM train t WHERE t.user = u.user AND t.item = p.item))
  WHERE r <= 20;
.print '== evaluate: Recall@20 and NDCG@20 over test users (FULL JOIN of recommendations and test)'
SELECT printf('popularity  Recall@20 %.4f  NDCG@20 %.4f  users %d', avg(r), avg(n), count(*)) FROM (
  SELECT coalesce(rec.user, t.user) AS u,
         recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u);
