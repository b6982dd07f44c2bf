-- bpr_train with loss 'bce' and 'triplet': they learn a planted structure,
-- write the ranking form of their model (triplet: unit rows with cosine,
-- bias -|q|^2/2 with l2), are reproducible with one thread, and their errors.
.mode list
-- 120 users in 4 groups; user x likes the 30 items y with y % 4 = x % 4.
-- Pairs with (x + y) % 5 = 0 are held out (6 per user), the rest (24 per user) train.
CREATE TABLE pl(user INTEGER, item INTEGER);
INSERT INTO pl SELECT u.value, i.value FROM generate_series(0, 119) u, generate_series(0, 119) i
  WHERE i.value % 4 = u.value % 4 AND (u.value + i.value) % 5 <> 0;
CREATE TABLE held(user INTEGER, item INTEGER);
INSERT INTO held SELECT u.value, i.value FROM generate_series(0, 119) u, generate_series(0, 119) i
  WHERE i.value % 4 = u.value % 4 AND (u.value + i.value) % 5 = 0;
-- bce: 2880 interactions x (1 positive + 4 negatives) x 30 epochs examples; the mean
-- loss per example is below log(2)
WITH s(j) AS MATERIALIZED (SELECT bpr_train('pl', 'b', '{"loss": "bce", "dim": 8, "epochs": 30, "threads": 1, "seed": 1}'))
SELECT 'bce', json_extract(j, '$.loss'), json_extract(j, '$.samples'),
       json_extract(j, '$.final_loss') > 0 AND json_extract(j, '$.final_loss') < 0.6931 FROM s;
SELECT 'bce-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM b_users u, b_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
SELECT 'bce-bias-learned', count(DISTINCT bias) > 1 FROM b_items;
-- triplet (cosine, semi-hard among 16 candidates): 2880 x 30 triples; unit rows, zero biases
WITH s(j) AS MATERIALIZED (SELECT bpr_train('pl', 't', '{"loss": "triplet", "dim": 8, "epochs": 30, "threads": 1, "seed": 1}'))
SELECT 'triplet', json_extract(j, '$.loss'), json_extract(j, '$.samples'), json_extract(j, '$.final_loss') >= 0 FROM s;
SELECT 'triplet-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM t_users u, t_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
SELECT 'triplet-unit', (SELECT max(abs(embed_norm(emb) - 1)) < 1e-6 FROM t_users),
       (SELECT max(abs(embed_norm(emb) - 1)) < 1e-6 FROM t_items), (SELECT max(abs(bias)) FROM t_items);
-- triplet, L2 distance, semi-hard choice among 8 candidates: one triple per positive;
-- bias = -|q|^2 / 2 so that dot + bias ranks like the distance
WITH s(j) AS MATERIALIZED (SELECT bpr_train('pl', 'l', '{"loss": "triplet", "distance": "l2", "semi_hard": true, "n_neg": 8, "margin": 0.5, "dim": 8, "epochs": 30, "threads": 1, "seed": 1}'))
SELECT 'triplet-l2', json_extract(j, '$.samples') FROM s;
SELECT 'l2-bias', max(abs(bias + embed_dot(emb, emb) / 2)) < 1e-5 FROM l_items;
SELECT 'l2-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM l_users u, l_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
-- the same ranking as -embed_l2 for every user
SELECT 'l2-ranks-by-distance', sum(a.rk <> b.rk) FROM
  (SELECT u.id AS u, i.id AS i, rank() OVER (PARTITION BY u.id ORDER BY embed_dot(u.emb, i.emb) + i.bias DESC) AS rk
   FROM l_users u, l_items i WHERE u.id < 5) a
  JOIN (SELECT u.id AS u, i.id AS i, rank() OVER (PARTITION BY u.id ORDER BY embed_l2(u.emb, i.emb)) AS rk
        FROM l_users u, l_items i WHERE u.id < 5) b USING (u, i);
-- random negatives: each of the 4 gives a triple, 2880 x 4 x 30
WITH s(j) AS MATERIALIZED (SELECT bpr_train('pl', 'r', '{"loss": "triplet", "semi_hard": false, "n_neg": 4, "dim": 8, "epochs": 30, "threads": 1, "seed": 1}'))
SELECT 'triplet-random', json_extract(j, '$.samples') FROM s;
SELECT 'random-auc>0.9', auc(s, l) > 0.9 FROM (
  SELECT embed_dot(u.emb, i.emb) + i.bias AS s, EXISTS (SELECT 1 FROM held h WHERE h.user = u.id AND h.item = i.id) AS l
  FROM r_users u, r_items i WHERE NOT EXISTS (SELECT 1 FROM pl WHERE pl.user = u.id AND pl.item = i.id));
-- one thread and a seed: the same model, bit for bit
SELECT 'repeat', bpr_train('pl', 't2', '{"loss": "triplet", "dim": 8, "epochs": 30, "threads": 1, "seed": 1}') IS NOT NULL;
SELECT 'same-model', (SELECT count(*) FROM t_users a JOIN t2_users b USING (id) WHERE a.emb = b.emb),
       (SELECT count(*) FROM t_items a JOIN t2_items b USING (id) WHERE a.emb = b.emb);
-- every sampler works with these losses; two threads
SELECT 'bce-bootstrap', json_extract(bpr_train('pl', 'bb', '{"loss": "bce", "dim": 8, "epochs": 2, "threads": 2, "sampler": "bootstrap"}'), '$.epochs');
SELECT 'triplet-popularity', json_extract(bpr_train('pl', 'tp', '{"loss": "triplet", "dim": 8, "epochs": 2, "sampler": "popularity"}'), '$.epochs');
-- errors: options of other losses, bad values, divergence
SELECT bpr_train('pl', 'e', '{"loss": "bce", "margin": 0.5}');
SELECT bpr_train('pl', 'e', '{"loss": "bce", "semi_hard": true}');
SELECT bpr_train('pl', 'e', '{"distance": "l2"}');
SELECT bpr_train('pl', 'e', '{"loss": "triplet", "tau": 0.1}');
SELECT bpr_train('pl', 'e', '{"loss": "triplet", "distance": "dot"}');
SELECT bpr_train('pl', 'e', '{"loss": "triplet", "margin": 2}');
SELECT bpr_train('pl', 'e', '{"loss": "bce", "lr": 10, "init_std": 10, "epochs": 20, "threads": 1}');
SELECT bpr_train('pl', 'e', '{"loss": "hinge"}');
SELECT 'no-partial-tables', count(*) FROM sqlite_schema WHERE name LIKE 'e\_%' ESCAPE '\';
-- validation and early stopping go through the driver as for the other losses:
-- weak groups plus noise, validation pairs given apart, recall@5 every epoch,
-- patience 4, each evaluation alone ("smooth": 1), constant lr (lr_final 1),
-- no refit; bce stops at 26 = 1.5 x its best epoch 17. The written model is the
-- best evaluation's: its recall@5 computed in SQL (train items excluded)
-- equals the curve's best, and it is the model of a plain run for best_epoch
-- epochs, bit for bit (triplet: in its ranking form, unit rows or L2 bias).
CREATE TABLE nz(user INTEGER, item INTEGER);
INSERT INTO nz SELECT u.value, i.value FROM generate_series(0, 79) u, generate_series(0, 79) i
  WHERE (i.value % 4 = u.value % 4 AND (u.value * 7 + i.value * 3) % 5 < 2) OR (u.value * 13 + i.value * 29) % 11 = 0;
CREATE TABLE nzv AS SELECT user, item FROM nz WHERE (user * 3 + item) % 6 = 0;
CREATE TABLE nzt AS SELECT * FROM nz EXCEPT SELECT * FROM nzv;
WITH r(j) AS MATERIALIZED (SELECT bpr_train('nzt', 'vb', '{"loss": "bce", "reg": 0, "dim": 32, "epochs": 60, "lr": 0.1, "lr_final": 1, "threads": 1, "seed": 1, "validation_source": "nzv", "eval_every": 1, "k": 5, "patience": 4, "smooth": 1, "refit": false}'))
SELECT 'validation', 'vb', json_extract(j, '$.loss'), json_extract(j, '$.epochs'), json_extract(j, '$.validation.best_epoch'),
  json_extract(j, '$.validation.stopped_early'), json_array_length(j, '$.validation.curve'), printf('%.6f', json_extract(j, '$.validation.best')) FROM r;
CREATE TABLE vb_rec AS SELECT * FROM recommend('vb_users', 'vb_items', 5, 'nzt');
SELECT 'written-recall@5', 'vb', printf('%.6f', avg(x)) FROM (
  SELECT t.user, sum(r.item IS NOT NULL) * 1.0 / count(*) AS x FROM nzv t LEFT JOIN vb_rec r USING (user, item) GROUP BY t.user);
WITH r(j) AS MATERIALIZED (SELECT bpr_train('nzt', 'vt', '{"loss": "triplet", "dim": 32, "epochs": 60, "lr": 0.1, "lr_final": 1, "threads": 1, "seed": 1, "validation_source": "nzv", "eval_every": 1, "k": 5, "patience": 4, "smooth": 1, "refit": false}'))
SELECT 'validation', 'vt', json_extract(j, '$.loss'), json_extract(j, '$.epochs'), json_extract(j, '$.validation.best_epoch'),
  json_extract(j, '$.validation.stopped_early'), json_array_length(j, '$.validation.curve'), printf('%.6f', json_extract(j, '$.validation.best')) FROM r;
CREATE TABLE vt_rec AS SELECT * FROM recommend('vt_users', 'vt_items', 5, 'nzt');
SELECT 'written-recall@5', 'vt', printf('%.6f', avg(x)) FROM (
  SELECT t.user, sum(r.item IS NOT NULL) * 1.0 / count(*) AS x FROM nzv t LEFT JOIN vt_rec r USING (user, item) GROUP BY t.user);
WITH r(j) AS MATERIALIZED (SELECT bpr_train('nzt', 'vl', '{"loss": "triplet", "distance": "l2", "dim": 32, "epochs": 60, "lr": 0.1, "lr_final": 1, "threads": 1, "seed": 1, "validation_source": "nzv", "eval_every": 1, "k": 5, "patience": 4, "smooth": 1, "refit": false}'))
SELECT 'validation', 'vl', json_extract(j, '$.loss'), json_extract(j, '$.epochs'), json_extract(j, '$.validation.best_epoch'),
  json_extract(j, '$.validation.stopped_early'), json_array_length(j, '$.validation.curve'), printf('%.6f', json_extract(j, '$.validation.best')) FROM r;
CREATE TABLE vl_rec AS SELECT * FROM recommend('vl_users', 'vl_items', 5, 'nzt');
SELECT 'written-recall@5', 'vl', printf('%.6f', avg(x)) FROM (
  SELECT t.user, sum(r.item IS NOT NULL) * 1.0 / count(*) AS x FROM nzv t LEFT JOIN vl_rec r USING (user, item) GROUP BY t.user);
-- plain runs for exactly best_epoch epochs (17, 3, 6 above)
SELECT 'rerun', 'vb', json_extract(bpr_train('nzt', 'vb_r', '{"loss": "bce", "reg": 0, "epochs": 17, "dim": 32, "lr": 0.1, "lr_final": 1, "threads": 1, "seed": 1}'), '$.epochs');
SELECT 'same-as-rerun', 'vb', (SELECT count(*) FROM vb_users a JOIN vb_r_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM vb_items a JOIN vb_r_items b USING (id) WHERE a.emb = b.emb AND a.bias = b.bias),
  (SELECT count(*) FROM vb_users), (SELECT count(*) FROM vb_items);
SELECT 'rerun', 'vt', json_extract(bpr_train('nzt', 'vt_r', '{"loss": "triplet", "epochs": 3, "dim": 32, "lr": 0.1, "lr_final": 1, "threads": 1, "seed": 1}'), '$.epochs');
SELECT 'same-as-rerun', 'vt', (SELECT count(*) FROM vt_users a JOIN vt_r_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM vt_items a JOIN vt_r_items b USING (id) WHERE a.emb = b.emb AND a.bias = b.bias),
  (SELECT count(*) FROM vt_users), (SELECT count(*) FROM vt_items);
SELECT 'rerun', 'vl', json_extract(bpr_train('nzt', 'vl_r', '{"loss": "triplet", "distance": "l2", "epochs": 6, "dim": 32, "lr": 0.1, "lr_final": 1, "threads": 1, "seed": 1}'), '$.epochs');
SELECT 'same-as-rerun', 'vl', (SELECT count(*) FROM vl_users a JOIN vl_r_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM vl_items a JOIN vl_r_items b USING (id) WHERE a.emb = b.emb AND a.bias = b.bias),
  (SELECT count(*) FROM vl_users), (SELECT count(*) FROM vl_items);
SELECT 'triplet-forms', (SELECT max(abs(embed_norm(emb) - 1)) < 1e-6 FROM vt_items), (SELECT max(abs(bias)) FROM vt_items),
  (SELECT max(abs(bias + embed_dot(emb, emb) / 2)) < 1e-5 FROM vl_items);
-- the L2 bias is that of the rows written, after propagate and item_norm
-- changed them (it was computed before them, and went stale)
SELECT 'triplet-l2-trained', json_extract(bpr_train('nzt', 'lp', '{"loss": "triplet", "distance": "l2", "epochs": 3, "dim": 8, "threads": 1, "propagate": 1, "item_norm": 0.5}'), '$.epochs');
SELECT 'triplet-l2-postprocessed', (SELECT max(abs(bias + embed_dot(emb, emb) / 2)) < 1e-5 FROM lp_items), (SELECT count(*) FROM lp_items);
-- a held-out fraction and refit (the default): 120 users x 5 pairs held out,
-- the refit runs the chosen epochs on all pairs; triplet's refit model is in
-- its ranking form too
SELECT 'refit', 'vb', json_extract(j, '$.validation.refit_epochs') = json_extract(j, '$.validation.best_epoch'), json_extract(j, '$.validation.pairs')
FROM (SELECT bpr_train('pl', 'vb_f', '{"loss": "bce", "reg": 0, "dim": 8, "epochs": 4, "threads": 1, "validation": 0.2, "eval_every": 2}') AS j);
SELECT 'refit', 'vt', json_extract(j, '$.validation.refit_epochs') = json_extract(j, '$.validation.best_epoch'), json_extract(j, '$.validation.pairs')
FROM (SELECT bpr_train('pl', 'vt_f', '{"loss": "triplet", "dim": 8, "epochs": 4, "threads": 1, "validation": 0.2, "eval_every": 2}') AS j);
SELECT 'refit', 'vl', json_extract(j, '$.validation.refit_epochs') = json_extract(j, '$.validation.best_epoch'), json_extract(j, '$.validation.pairs')
FROM (SELECT bpr_train('pl', 'vl_f', '{"loss": "triplet", "distance": "l2", "dim": 8, "epochs": 4, "threads": 1, "validation": 0.2, "eval_every": 2}') AS j);
SELECT 'refit-triplet-unit', max(abs(embed_norm(emb) - 1)) < 1e-6, max(abs(bias)) FROM vt_f_items;
