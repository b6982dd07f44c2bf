-- bpr_train: learns a planted structure (held-out AUC far above 0.5), writes
-- its tables atomically, is reproducible with one thread, and its errors.
.mode list
-- 120 users in 4 groups; user x likes the 30 items y with y % 4 = x % 4.
-- Pairs with (x + y) % 5 = 0 are held out (6 per user), the rest (24 per user) train.
CREATE TABLE pl(user INTEGER, item INTEGER);
INSERT INTO pl SELECT u.value, i.value FROM generate_series(0, 119) u, generate_series(0, 119) i
  WHERE i.value % 4 = u.value % 4 AND (u.value + i.value) % 5 <> 0;
CREATE TABLE held(user INTEGER, item INTEGER);
INSERT INTO held SELECT u.value, i.value FROM generate_series(0, 119) u, generate_series(0, 119) i
  WHERE i.value % 4 = u.value % 4 AND (u.value + i.value) % 5 = 0;
SELECT 'data', (SELECT count(*) FROM pl), (SELECT count(*) FROM held);
-- the summary: 2880 interactions x 4 negatives (default n_neg) x 40 epochs; the mean loss of
-- the last epoch is below log(2), the loss of a model that knows nothing.
-- (A materialized CTE calls bpr_train once; CREATE TABLE ... AS SELECT bpr_train(...) would not
-- be a bare SELECT.)
WITH s1(j) AS MATERIALIZED (SELECT bpr_train('pl', 'm', '{"dim": 8, "epochs": 40, "threads": 1, "seed": 1}'))
SELECT 'summary', json_extract(j, '$.users'), json_extract(j, '$.items'), json_extract(j, '$.interactions'),
       json_extract(j, '$.dim'), json_extract(j, '$.epochs'), json_extract(j, '$.samples'),
       json_extract(j, '$.threads'), json_extract(j, '$.tables'),
       json_extract(j, '$.final_loss') > 0 AND json_extract(j, '$.final_loss') < 0.6931 FROM s1;
SELECT 'schema', name, sql FROM sqlite_schema WHERE name LIKE 'm\_%' ESCAPE '\' ORDER BY name;
SELECT 'users', count(*), min(embed_dim(emb)), max(embed_dim(emb)), typeof(min(id)) FROM m_users;
SELECT 'items', count(*), min(embed_dim(emb)), typeof(min(bias)) FROM m_items;
-- held-out positives rank above the items the user never touched
SELECT 'heldout-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s,
         EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM m_users u, m_items i
  WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
-- one thread and a seed: the same model, bit for bit; another seed: another model
SELECT 'repeat', bpr_train('pl', 'm2', '{"dim": 8, "epochs": 40, "threads": 1, "seed": 1}') IS NOT NULL;
SELECT 'same-model', (SELECT count(*) FROM m_users a JOIN m2_users b USING (id) WHERE a.emb = b.emb),
       (SELECT count(*) FROM m_items a JOIN m2_items b USING (id) WHERE a.emb = b.emb AND a.bias = b.bias);
SELECT 'reseed', bpr_train('pl', 'm2', '{"dim": 8, "epochs": 40, "threads": 1, "seed": 2}') IS NOT NULL;
SELECT 'other-model', (SELECT count(*) FROM m_users a JOIN m2_users b USING (id) WHERE a.emb <> b.emb) > 0;
-- other samplers and two threads also learn
SELECT 'bootstrap-2threads', bpr_train('pl', 'mb', '{"dim": 8, "epochs": 40, "threads": 2, "sampler": "bootstrap"}') IS NOT NULL;
SELECT 'bootstrap-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM mb_users u, mb_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
-- the many-negative losses learn the planted structure too (shared negatives per batch)
SELECT 'softmax', json_extract(bpr_train('pl', 'ms', '{"dim": 8, "epochs": 30, "loss": "softmax", "n_neg": 16, "batch": 64, "threads": 1, "seed": 3}'), '$.loss');
SELECT 'softmax-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM ms_users u, ms_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
SELECT 'softmax-pop', json_extract(bpr_train('pl', 'mp', '{"dim": 8, "epochs": 30, "loss": "softmax", "sampler": "popularity", "n_neg": 16, "batch": 64, "threads": 2}'), '$.loss');
SELECT 'softmax-pop-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM mp_users u, mp_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
SELECT 'ccl', json_extract(bpr_train('pl', 'mc', '{"dim": 8, "epochs": 30, "loss": "ccl", "n_neg": 16, "batch": 64, "margin": 0.5, "neg_weight": 4, "threads": 1, "seed": 3}'), '$.loss');
SELECT 'ccl-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM mc_users u, mc_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
SELECT 'ccl-repeat', bpr_train('pl', 'mc2', '{"dim": 8, "epochs": 30, "loss": "ccl", "n_neg": 16, "batch": 64, "margin": 0.5, "neg_weight": 4, "threads": 1, "seed": 3}') IS NOT NULL;
SELECT 'ccl-same-model', (SELECT count(*) FROM mc_users a JOIN mc2_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM mc_items a JOIN mc2_items b USING (id) WHERE a.emb = b.emb AND a.bias = b.bias);
-- the defaults that depend on the loss: softmax trains 128 dimensions and
-- propagates one layer (the same model as asking for it, not as propagate 0)
SELECT 'loss-dims', json_extract(bpr_train('pl', 'd1', '{"epochs": 1}'), '$.dim'),
  json_extract(bpr_train('pl', 'd2', '{"epochs": 1, "loss": "softmax", "threads": 1, "seed": 5}'), '$.dim'),
  json_extract(bpr_train('pl', 'd3', '{"epochs": 1, "loss": "ccl"}'), '$.dim');
SELECT 'softmax-propagates', bpr_train('pl', 'd4', '{"epochs": 1, "loss": "softmax", "threads": 1, "seed": 5, "propagate": 1}') IS NOT NULL,
  bpr_train('pl', 'd5', '{"epochs": 1, "loss": "softmax", "threads": 1, "seed": 5, "propagate": 0}') IS NOT NULL;
SELECT 'softmax-propagates', (SELECT count(*) FROM d2_users a JOIN d4_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM d2_items a JOIN d4_items b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM d2_users a JOIN d5_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(DISTINCT user) FROM pl);
-- item_norm: item vectors divided by norm^a (1: unit rows; 0.5: the square
-- root of the norm of the same model without it); user vectors untouched
SELECT 'item-norm', bpr_train('pl', 'n0', '{"dim": 8, "epochs": 5, "threads": 1, "seed": 9}') IS NOT NULL,
  bpr_train('pl', 'n5', '{"dim": 8, "epochs": 5, "threads": 1, "seed": 9, "item_norm": 0.5}') IS NOT NULL,
  bpr_train('pl', 'n1', '{"dim": 8, "epochs": 5, "threads": 1, "seed": 9, "item_norm": 1}') IS NOT NULL;
SELECT 'item-norm-1', count(*), sum(abs(embed_norm(emb) - 1) < 1e-6) FROM n1_items;
SELECT 'item-norm-0.5', count(*), sum(abs(embed_norm(b.emb) - sqrt(embed_norm(a.emb))) < 1e-5),
  sum(abs(embed_cosine(a.emb, b.emb) - 1) < 1e-6), sum(a.bias = b.bias)
  FROM n0_items a JOIN n5_items b USING (id);
SELECT 'item-norm-users', count(*), sum(a.emb = b.emb) FROM n0_users a JOIN n1_users b USING (id);
SELECT bpr_train('pl', 'e', '{"item_norm": 1.5}');
SELECT bpr_train('pl', 'e', '{"item_norm": "half"}');
SELECT bpr_train('pl', 'e', '{"loss": "hinge"}');
SELECT bpr_train('pl', 'e', '{"loss": "softmax", "sampler": "bootstrap"}');
SELECT bpr_train('pl', 'e', '{"margin": 0.5}');
SELECT bpr_train('pl', 'e', '{"loss": "ccl", "tau": 0.5}');
SELECT bpr_train('pl', 'e', '{"loss": "softmax", "tau": 0}');
SELECT bpr_train('pl', 'e', '{"loss": "ccl", "margin": 1.5}');
-- TEXT ids come back as TEXT; the two-argument form uses the defaults
SELECT 'text-ids', json_extract(bpr_train('SELECT ''u'' || user, ''i'' || item FROM pl', 'mt'), '$.dim');
SELECT 'text-ids', typeof(id), count(*) FROM mt_users GROUP BY 2;
SELECT 'text-item', id FROM mt_items WHERE id = 'i7';
-- replacing: a failed call leaves the old tables as they were
CREATE TABLE keep_users(id, emb);
INSERT INTO keep_users VALUES ('sentinel', NULL);
SELECT bpr_train('pl', 'keep', '{"dim": -1}');
SELECT bpr_train('nosuch', 'keep');
SELECT 'kept', id FROM keep_users;
-- model names are quoted: spaces and quotes work
SELECT 'odd-model', json_extract(bpr_train('pl', 'my "m"', '{"dim": 2, "epochs": 1}'), '$.tables');
SELECT 'odd-model', count(*) FROM "my ""m""_items";
-- errors
SELECT bpr_train('pl', 'e', '{"epoch": 5}');
SELECT bpr_train('pl', 'e', '{"dims": 5}');
SELECT bpr_train('pl', 'e', '{"banana": 1}');
SELECT bpr_train('pl', 'e', '{"dim": 0}');
SELECT bpr_train('pl', 'e', '{"dim": 2.5}');
SELECT bpr_train('pl', 'e', '{"lr": "fast"}');
SELECT bpr_train('pl', 'e', '{"lr": 0}');
SELECT bpr_train('pl', 'e', '{"verbose": 3}');
SELECT bpr_train('pl', 'e', '{"sampler": "random"}');
SELECT bpr_train('pl', 'e', '{"sampler": "exposure"}');
SELECT bpr_train('pl', 'e', '{"exposures": "held"}');
SELECT bpr_train('pl', 'e', '{"dim": 4, "dim": 8}');
SELECT bpr_train('pl', 'e', '[1, 2]');
SELECT bpr_train('pl', 'e', 'dim=4');
SELECT bpr_train('pl', 'e', 42);
SELECT bpr_train('pl', '', '{}');
SELECT bpr_train('pl', NULL);
SELECT bpr_train(NULL, 'e');
SELECT bpr_train('nosuch', 'e');
SELECT bpr_train('SELECT 1, 2 WHERE 0', 'e');
SELECT bpr_train('SELECT 1, 1', 'e');
SELECT bpr_train('SELECT 1.5, 1', 'e');
SELECT bpr_train('pl', 'e', '{"epochs": 1}') FROM pl LIMIT 1;
SELECT bpr_train('pl');
SELECT 'no-e-tables', count(*) FROM sqlite_schema WHERE name LIKE 'e\_%' ESCAPE '\';
