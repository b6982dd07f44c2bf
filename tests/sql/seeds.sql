-- seeds are int64 end to end (neg_samples, swing_sim; itemcf_sim draws
-- nothing): distinct seeds above 2^53 give distinct samples (through a
-- double they collided), INT64_MAX and INT64_MIN are ordinary seeds (through
-- a double, INT64_MAX became 2^63 and its cast back was undefined), the same
-- seed gives the same rows, and an integral REAL seed is that integer.
.mode list
-- item 'x' has 40 users; each user also has two items of a ring of 12, so
-- max_item_users = 4 samples 4 of x's 40 users and x's neighbours depend on which
CREATE TABLE t(u, i);
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < 39)
INSERT INTO t SELECT k, 'x' FROM n UNION ALL SELECT k, 'r' || (k % 12) FROM n UNION ALL SELECT k, 'r' || ((k * 5 + 1) % 12) FROM n;
-- swing_sim: 2^53 and 2^53 + 1 (equal as doubles)
SELECT 'swing 2^53 vs 2^53+1 differ',
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9007199254740992) IS NOT
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9007199254740993);
SELECT 'swing same seed same rows',
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9007199254740993) IS
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9007199254740993);
SELECT 'swing INT64_MAX', count(*) > 0 FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9223372036854775807;
SELECT 'swing INT64_MIN', count(*) > 0 FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = -9223372036854775808;
SELECT 'swing INT64_MAX vs INT64_MAX-1 differ',
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9223372036854775807) IS NOT
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9223372036854775806);
SELECT 'swing REAL 7.0 is 7',
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 7.0) IS
  (SELECT group_concat(item_b || ':' || round(score, 6), ' ') FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 7);
-- neg_samples: the same, on the rows drawn
SELECT 'neg_samples 2^53 vs 2^53+1 differ',
  (SELECT group_concat(neg_item, ' ') FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = 9007199254740992) IS NOT
  (SELECT group_concat(neg_item, ' ') FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = 9007199254740993);
SELECT 'neg_samples INT64_MAX vs INT64_MAX-1 differ',
  (SELECT group_concat(neg_item, ' ') FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = 9223372036854775807) IS NOT
  (SELECT group_concat(neg_item, ' ') FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = 9223372036854775806);
SELECT 'neg_samples INT64_MIN', count(*) FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = -9223372036854775808;
SELECT 'neg_samples REAL 7.0 is 7',
  (SELECT group_concat(neg_item, ' ') FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = 7.0) IS (SELECT group_concat(neg_item, ' ') FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = 7);
-- a REAL seed must be integral and within int64
SELECT count(*) FROM neg_samples WHERE source = 't' AND n_neg = 3 AND seed = 1e19;
SELECT count(*) FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 9223372036854775808.0;
SELECT count(*) FROM swing_sim WHERE source = 't' AND item_a = 'x' AND max_item_users = 4 AND seed = 0.5;
