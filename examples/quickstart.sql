-- recsql quickstart: the recommendation pipeline in SQL, on the bundled Gowalla sample.
-- Run with `make demo`, or: sqlite3 demo.db -cmd '.load build/recsql' < examples/quickstart.sql
.bail on
.mode list
CREATE TEMP TABLE clock(step TEXT, t REAL);
CREATE TEMP VIEW lap AS SELECT printf('%.2f s', 86400 * (julianday('now') - (SELECT max(t) FROM clock))) AS took;
INSERT INTO clock VALUES ('start', julianday('now'));

.print '== 1. load: tests/data/gowalla_sample (every 20th user of the LightGCN Gowalla split)'
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv tests/data/gowalla_sample/train.txt train_lines
.import --csv tests/data/gowalla_sample/test.txt test_lines
.read sql/load_adjacency.sql
SELECT printf('   train: %d interactions, %d users, %d items', count(*), count(DISTINCT user), count(DISTINCT item)) FROM train;
SELECT printf('   test:  %d interactions, %d users', count(*), count(DISTINCT user)) FROM test;
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('load', julianday('now'));

.print '== 2. neg_samples: 4 uniform negatives per positive (what BPR trains on)'
SELECT printf('   %d (user, positive, negative) rows', count(*)) FROM neg_samples('train', 4, 'uniform', 42);
SELECT printf('   e.g. user %s clicked item %s and never item %s', user, pos_item, neg_item)
  FROM neg_samples('train', 4, 'uniform', 42) LIMIT 1;
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('sample', julianday('now'));

.print '== 3. bpr_train: 64-dim embeddings, 100 epochs'
SELECT printf('   %d users x %d items, %d SGD steps, final loss %.4f',
  json_extract(j, '$.users'), json_extract(j, '$.items'), json_extract(j, '$.samples'), json_extract(j, '$.final_loss'))
  FROM (SELECT bpr_train('train', 'bpr', '{"seed": 1}') AS j);
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('train', julianday('now'));

.print '== 4. recommend: top 20 per user, train items excluded'
CREATE TABLE rec AS SELECT * FROM recommend('bpr_users', 'bpr_items', 20, 'train');
SELECT printf('   %d rows for %d users', count(*), count(DISTINCT user)) FROM rec;
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('recommend', julianday('now'));

.print '== 5. evaluate on the test split'
-- AUC: each test interaction against an item the user has in neither split
SELECT printf('   AUC        %.4f', auc(s, l)) FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, n.label AS l
  FROM (SELECT user, pos_item AS item, 1 AS label, pos_item FROM neg_samples('SELECT user, item FROM train UNION ALL SELECT user, item FROM test', 1, 'uniform', 7)
        UNION ALL
        SELECT user, neg_item, 0, pos_item FROM neg_samples('SELECT user, item FROM train UNION ALL SELECT user, item FROM test', 1, 'uniform', 7)) n
  JOIN test t ON t.user = n.user AND t.item = n.pos_item
  JOIN bpr_users u ON u.id = n.user JOIN bpr_items i ON i.id = n.item);
SELECT printf('   Recall@20  %.4f%s   NDCG@20 %.4f   (%d test users)', avg(r), '', avg(n), count(r)) FROM (
  SELECT coalesce(rec.user, t.user) AS u,
         recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u);
CREATE TABLE pop AS SELECT item, count(*) AS score FROM train GROUP BY item ORDER BY score DESC, item LIMIT 500;
SELECT printf('   (most-popular baseline: Recall@20 %.4f)', avg(r)) FROM (
  SELECT coalesce(p.user, t.user) AS u, recall_at_k(p.score, t.item IS NOT NULL, 20) AS r
  FROM (SELECT user, item, score FROM (
          SELECT u.user, p.item, p.score, row_number() OVER (PARTITION BY u.user ORDER BY p.score DESC, p.item) AS k
          FROM (SELECT DISTINCT user FROM test) u CROSS JOIN pop p
          WHERE NOT EXISTS (SELECT 1 FROM train x WHERE x.user = u.user AND x.item = p.item))
        WHERE k <= 20) p
  FULL JOIN test t ON p.user = t.user AND p.item = t.item GROUP BY u);
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('evaluate', julianday('now'));

.print '== 6. knn_index: the item embeddings in a persistent HNSW index; nearest items of a few users'
CREATE VIRTUAL TABLE item_idx USING knn_index(dim=64, metric=ip, index=hnsw, m=16, ef_construction=64);
INSERT INTO item_idx(rowid, embedding) SELECT id, emb FROM bpr_items;
SELECT printf('   %d vectors indexed', count(*)) FROM item_idx;
-- top 20 by inner product (no bias, no exclusion) for 200 users, approximate against exact
CREATE TEMP TABLE q AS SELECT id, emb FROM bpr_users ORDER BY id LIMIT 200;
-- (a search restricted by rowid IN is exact: here to all items)
CREATE TEMP TABLE approx AS SELECT q.id AS user, x.rowid AS item FROM q JOIN item_idx x ON x.embedding MATCH q.emb AND x.k = 20;
CREATE TEMP TABLE exact AS SELECT q.id AS user, x.rowid AS item FROM q JOIN item_idx x
  ON x.embedding MATCH q.emb AND x.k = 20 AND x.rowid IN (SELECT id FROM bpr_items);
SELECT printf('   HNSW (ef_search 40) finds %.1f%% of the exact top 20 of %d users (%d rows)',
  100.0 * (SELECT count(*) FROM approx JOIN exact USING (user, item)) / (SELECT count(*) FROM exact),
  (SELECT count(DISTINCT user) FROM exact), (SELECT count(*) FROM approx));
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('knn', julianday('now'));

.print '== 7. item-to-item: swing_sim and ease_train similarities, i2i_recommend sums them over the history of each user'
CREATE TABLE sim AS SELECT * FROM swing_sim('train', 1.0, 50);
SELECT printf('   %d (item, similar item) rows; most popular item %s is most like %s', (SELECT count(*) FROM sim), p.item,
  (SELECT group_concat(item_b, ' ') FROM (SELECT item_b FROM sim WHERE item_a = p.item ORDER BY score DESC LIMIT 5)))
  FROM (SELECT item FROM train GROUP BY item ORDER BY count(*) DESC, item LIMIT 1) p;
CREATE TABLE rec_swing AS SELECT * FROM i2i_recommend('train', 'sim', 20);
SELECT printf('   Swing + i2i_recommend   Recall@20 %.4f   NDCG@20 %.4f', avg(r), avg(n)) FROM (
  SELECT coalesce(rec.user, t.user) AS u,
         recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec_swing rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u);
-- EASE (closed form, an items x items matrix): on the 2000 most popular items, to stay fast
SELECT printf('   ease_train: %d items, lambda %.1f, %d weights', json_extract(j, '$.items'), json_extract(j, '$.lambda'),
  json_extract(j, '$.rows')) FROM (SELECT ease_train('train', 'ease', '{"max_items": 2000}') AS j);
CREATE TABLE rec_ease AS SELECT * FROM i2i_recommend('train', 'ease_sim', 20);
SELECT printf('   EASE + i2i_recommend    Recall@20 %.4f   NDCG@20 %.4f', avg(r), avg(n)) FROM (
  SELECT coalesce(rec.user, t.user) AS u,
         recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec_ease rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u);
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('item2item', julianday('now'));

.print '== 8. a few users: history, recommendations, and test items found (*)'
SELECT printf('   user %-5s %3d items in train, e.g. %-28s -> %s', h.user, h.n, h.items, r.items) FROM
  (SELECT user, count(*) AS n, (SELECT group_concat(item, ' ') FROM (SELECT item FROM train x WHERE x.user = t.user ORDER BY item LIMIT 5)) AS items
   FROM train t WHERE user IN (20, 40, 60) GROUP BY user) h
  JOIN (SELECT user, group_concat(item || CASE WHEN EXISTS (SELECT 1 FROM test t WHERE t.user = rec.user AND t.item = rec.item) THEN '*' ELSE '' END, ' ') AS items
        FROM (SELECT * FROM rec WHERE rank <= 8 ORDER BY user, rank) rec GROUP BY user) r ON r.user = h.user
  ORDER BY h.user;
.print '== 9. not sure which model fits your data? auto_train tries them on a held-out part of train and refits the best'
SELECT printf('   chose %s: validation Recall@20 %.4f, best of %d trials; its lists: %s', json_extract(j, '$.family'),
  json_extract(j, '$.validation'), json_array_length(j, '$.tried'), json_extract(j, '$.recommend'))
  FROM (SELECT auto_train('train', 'auto', '{"families": "swing,itemcf,bpr", "time_budget": 60}') AS j);
SELECT '   took ' || took FROM lap; INSERT INTO clock VALUES ('auto', julianday('now'));
SELECT printf('== done in %.1f s', 86400 * (julianday('now') - (SELECT min(t) FROM clock)));
