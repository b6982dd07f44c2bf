-- bpr_train through the training driver: divergence is an error that keeps
-- the old tables, seeds keep 64 bits, validation and early stopping write the
-- best evaluation's model, refit, and the errors of the validation options.
.mode list
CREATE TABLE pl(user INTEGER, item INTEGER);
INSERT INTO pl SELECT u.value, i.value FROM generate_series(0, 119) u, generate_series(0, 119) i
  WHERE i.value % 4 = u.value % 4 AND (u.value + i.value) % 5 <> 0;
-- divergence: a good model, then a call whose steps blow up; the error names
-- the epoch and what to change, and the good tables are untouched
SELECT 'good', json_extract(bpr_train('pl', 'm', '{"dim": 8, "epochs": 10, "threads": 1, "seed": 1}'), '$.epochs');
CREATE TABLE before_users AS SELECT * FROM m_users;
CREATE TABLE before_items AS SELECT * FROM m_items;
SELECT bpr_train('pl', 'm', '{"lr": 10, "init_std": 10, "threads": 1}');
SELECT 'kept-after-divergence', (SELECT count(*) FROM m_users), (SELECT count(*) FROM m_users a JOIN before_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM m_items), (SELECT count(*) FROM m_items a JOIN before_items b USING (id) WHERE a.emb = b.emb AND a.bias = b.bias);
SELECT 'recommend-after-divergence', count(*) FROM recommend('m_users', 'm_items', 3, 'pl');
-- seeds are int64: 2^53 and 2^53 + 1 (one double) give different models; INT64_MAX and INT64_MIN are seeds
SELECT 'seed-2^53', bpr_train('pl', 's1', '{"dim": 4, "epochs": 1, "threads": 1, "seed": 9007199254740992}') IS NOT NULL,
  bpr_train('pl', 's2', '{"dim": 4, "epochs": 1, "threads": 1, "seed": 9007199254740993}') IS NOT NULL;
SELECT 'seeds-differ', (SELECT count(*) FROM s1_users a JOIN s2_users b USING (id) WHERE a.emb = b.emb);
SELECT 'seed-extremes', bpr_train('pl', 's3', '{"dim": 4, "epochs": 1, "seed": 9223372036854775807}') IS NOT NULL,
  bpr_train('pl', 's3', '{"dim": 4, "epochs": 1, "seed": -9223372036854775808}') IS NOT NULL;
-- validation: weak groups plus noise, validation pairs given apart; recall@5
-- evaluated every epoch rises, peaks and falls (no reg, constant lr), and
-- with each evaluation alone ("smooth": 1) patience 4 stops 4 evaluations
-- after the peak (epoch 12 >= 1.5 x 8)
CREATE TABLE nz(user INTEGER, item INTEGER);
INSERT INTO nz SELECT u.value, i.value FROM generate_series(0, 79) u, generate_series(0, 79) i
  WHERE (i.value % 4 = u.value % 4 AND (u.value * 7 + i.value * 3) % 5 < 2) OR (u.value * 13 + i.value * 29) % 11 = 0;
CREATE TABLE nzv AS SELECT user, item FROM nz WHERE (user * 3 + item) % 6 = 0;
CREATE TABLE nzt AS SELECT * FROM nz EXCEPT SELECT * FROM nzv;
WITH r(j) AS MATERIALIZED (SELECT bpr_train('nzt', 'v', '{"dim": 32, "epochs": 60, "lr": 0.3, "lr_final": 1, "reg": 0, "threads": 1, "seed": 1, "validation_source": "nzv", "eval_every": 1, "k": 5, "patience": 4, "smooth": 1, "refit": false}'))
SELECT 'summary', json_valid(j), json_extract(j, '$.epochs'), json_extract(j, '$.validation.best_epoch'),
  json_extract(j, '$.validation.stopped_early'), json_extract(j, '$.validation.pairs'), json_extract(j, '$.validation.users'),
  json_extract(j, '$.validation.train_pairs'), json_extract(j, '$.validation.metric'), json_extract(j, '$.validation.k'),
  json_array_length(j, '$.validation.curve'), json_extract(j, '$.interactions'),
  json_extract(j, '$.validation.curve[0].epoch'), json_extract(j, '$.validation.curve[#-1].epoch'),
  printf('%.6f %.6f %.6f %.6f', json_extract(j, '$.validation.curve[0].recall'), json_extract(j, '$.validation.curve[7].recall'),
         json_extract(j, '$.validation.curve[#-1].recall'), json_extract(j, '$.validation.best')),
  json_extract(j, '$.validation.curve[7].loss') = json_extract(j, '$.validation.curve[7].loss') + 0.0 FROM r;
-- the written model is the best epoch's (8): its recall@5 on the validation
-- pairs, computed in SQL (train items excluded), is the best of the curve
-- above (0.242083), not the last evaluation's (0.238750)
CREATE TABLE rec AS SELECT * FROM recommend('v_users', 'v_items', 5, 'nzt');
SELECT 'written-is-best', printf('%.6f', avg(x)) FROM (
  SELECT coalesce(rec.user, t.user) AS u, recall_at_k(rec.score, t.item IS NOT NULL, 5) AS x
  FROM rec FULL JOIN nzv t ON rec.user = t.user AND rec.item = t.item GROUP BY u HAVING sum(t.item IS NOT NULL) > 0);
-- and it is the model of a plain run for exactly best_epoch (8) epochs, bit for bit
SELECT 'rerun-8', json_extract(bpr_train('nzt', 'r8', '{"dim": 32, "epochs": 8, "lr": 0.3, "lr_final": 1, "reg": 0, "threads": 1, "seed": 1}'), '$.epochs');
SELECT 'same-as-rerun', (SELECT count(*) FROM v_users a JOIN r8_users b USING (id) WHERE a.emb = b.emb),
  (SELECT count(*) FROM v_items a JOIN r8_items b USING (id) WHERE a.emb = b.emb AND a.bias = b.bias),
  (SELECT count(*) FROM v_users), (SELECT count(*) FROM v_items);
-- the default moving average of 3 evaluations: the early peak is one
-- evaluation's noise, and the run goes on; best_smoothed is the mean of the
-- three evaluations ending at best_epoch, recomputed here from the curve
WITH r(j) AS MATERIALIZED (SELECT bpr_train('nzt', 'v3', '{"dim": 32, "epochs": 60, "lr": 0.3, "lr_final": 1, "reg": 0, "threads": 1, "seed": 1, "validation_source": "nzv", "eval_every": 1, "k": 5, "patience": 4, "refit": false}'))
SELECT 'smoothed', json_extract(j, '$.validation.smooth'), json_extract(j, '$.validation.best_epoch') > 12,
  abs(json_extract(j, '$.validation.best_smoothed') - (SELECT avg(json_extract(c.value, '$.recall')) FROM json_each(j, '$.validation.curve') c
      WHERE json_extract(c.value, '$.epoch') BETWEEN json_extract(j, '$.validation.best_epoch') - 2 AND json_extract(j, '$.validation.best_epoch'))) < 1e-6,
  (SELECT max(s) FROM (SELECT avg(json_extract(c2.value, '$.recall')) AS s FROM json_each(j, '$.validation.curve') c1, json_each(j, '$.validation.curve') c2
      WHERE c1.key >= 2 AND c2.key BETWEEN c1.key - 2 AND c1.key GROUP BY c1.key)) - json_extract(j, '$.validation.best_smoothed') < 1e-6
FROM r;
-- validation pairs inside the source are taken out of training (never leak):
-- train_pairs = source - validation pairs
SELECT 'overlap', json_extract(j, '$.interactions'), json_extract(j, '$.validation.pairs'), json_extract(j, '$.validation.train_pairs')
FROM (SELECT bpr_train('nz', 'o', '{"dim": 8, "epochs": 3, "threads": 1, "validation_source": "nzv"}') AS j);
-- a held-out fraction: users with 3+ interactions hold out round(0.2 * degree)
-- (24 interactions per user: 5 held out, 120 x 5 = 600)
SELECT 'fraction', json_extract(j, '$.validation.pairs'), json_extract(j, '$.validation.train_pairs'), json_extract(j, '$.validation.users')
FROM (SELECT bpr_train('pl', 'f', '{"dim": 8, "epochs": 4, "threads": 1, "validation": 0.2, "eval_every": 2}') AS j);
SELECT 'fraction-by-hand', sum(CAST(0.2 * n + 0.5 AS INTEGER)), sum(n) - sum(CAST(0.2 * n + 0.5 AS INTEGER))
FROM (SELECT count(*) AS n FROM pl GROUP BY user HAVING n >= 3);
-- refit (the default with validation): retrains on all pairs (train + validation) for the chosen epochs
SELECT 'refit', json_extract(j, '$.validation.best_epoch') = json_extract(j, '$.validation.refit_epochs'), json_extract(j, '$.validation.refit_epochs') > 0
FROM (SELECT bpr_train('nzt', 'rf', '{"dim": 32, "epochs": 60, "lr": 0.3, "lr_final": 1, "reg": 0, "threads": 1, "seed": 1, "validation_source": "nzv", "eval_every": 1, "k": 5, "patience": 4}') AS j);
-- the many-negative losses validate too (evaluated on the propagated model)
SELECT 'softmax-validation', json_extract(j, '$.validation.metric'), json_extract(j, '$.validation.best') > 0.3
FROM (SELECT bpr_train('pl', 'sv', '{"dim": 8, "epochs": 6, "loss": "softmax", "n_neg": 16, "batch": 64, "threads": 1, "validation": 0.2, "metric": "ndcg", "k": 10}') AS j);
-- errors
SELECT bpr_train('pl', 'e', '{"validation": 0.6}');
SELECT bpr_train('pl', 'e', '{"validation": 0}');
SELECT bpr_train('pl', 'e', '{"validation": 0.1, "validation_source": "nzv"}');
SELECT bpr_train('pl', 'e', '{"patience": 2}');
SELECT bpr_train('pl', 'e', '{"refit": true}');
SELECT bpr_train('pl', 'e', '{"validation": 0.1, "metric": "auc"}');
SELECT bpr_train('pl', 'e', '{"validation_source": "nosuch"}');
SELECT bpr_train('pl', 'e', '{"validation_source": "SELECT 1000, 1000"}');
SELECT bpr_train('SELECT 1, 1 UNION ALL SELECT 1, 2 UNION ALL SELECT 2, 3', 'e', '{"validation": 0.5}');
SELECT bpr_train('pl', 'e', '{"seed": 1.5}');
SELECT 'no-e-tables', count(*) FROM sqlite_schema WHERE name LIKE 'e\_%' ESCAPE '\';
