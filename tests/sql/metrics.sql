-- evaluation aggregates: hand-computed values, tie and NULL rules, errors.
.mode list
CREATE TABLE r(g, s, l);
-- group 1: positives {1, 0.5}, negatives {0, 0.5}: pairs won 1+1+1+0.5 of 4 = 0.875
INSERT INTO r VALUES (1, 1.0, 1), (1, 0.0, 0), (1, 0.5, 1), (1, 0.5, 0);
-- group 2: perfect ranking (AUC 1), 3 rows
INSERT INTO r VALUES (2, 9, 1), (2, 1, 0), (2, 2, 0);
-- group 'x' (TEXT group id): only positives -> no AUC, left out of GAUC
INSERT INTO r VALUES ('x', 1, 1), ('x', 2, 1);
SELECT 'auc', auc(s, l) FROM r WHERE g = 1;
SELECT 'auc-groups', g, auc(s, l) IS NULL, round(auc(s, l), 6) FROM r GROUP BY g ORDER BY g;
-- gauc = (4 * 0.875 + 3 * 1.0) / (4 + 3) = 6.5 / 7
SELECT 'gauc', gauc(g, s, l), 6.5 / 7 FROM r;
-- constant scorer: 0.5; labels any nonzero number; NULL score/label rows skipped
SELECT 'auc-const', auc(1, l) FROM r WHERE g = 1;
SELECT 'auc-labels', auc(s, l) FROM (SELECT 2 s, 7 l UNION ALL SELECT 1, 0.0 UNION ALL SELECT 3, -1.5
                                      UNION ALL SELECT NULL, 1 UNION ALL SELECT 0, NULL);
SELECT 'auc-empty', auc(s, l) IS NULL FROM r WHERE 0;
SELECT 'auc-onlyneg', auc(s, l) IS NULL FROM r WHERE l = 0;
SELECT 'gauc-none', gauc(g, s, l) IS NULL FROM r WHERE g = 'x';

-- ranking: one user, scores 3(neg) 2(pos) 1(pos), one positive not retrieved (NULL score)
CREATE TABLE rk(u, s, l);
INSERT INTO rk VALUES (1, 3, 0), (1, 2, 1), (1, 1, 1), (1, NULL, 1);
-- top 2 = {3:neg, 2:pos}: 1 hit of 3 positives
SELECT 'recall@2', recall_at_k(s, l, 2), 1.0 / 3 FROM rk;
SELECT 'precision@2', precision_at_k(s, l, 2) FROM rk;
SELECT 'hit@1', hit_rate_at_k(s, l, 1), hit_rate_at_k(s, l, 2) FROM rk;
-- DCG@2 = 1/log2(3); IDCG@2 = 1 + 1/log2(3)
SELECT 'ndcg@2', round(ndcg_at_k(s, l, 2), 12), round((1 / (ln(3) / ln(2))) / (1 + 1 / (ln(3) / ln(2))), 12) FROM rk;
SELECT 'mrr', mrr(s, l) FROM rk;
-- k larger than the rows: recall counts only the 2 scored positives
SELECT 'recall@100', recall_at_k(s, l, 100), precision_at_k(s, l, 100) FROM rk;
-- ties broken against the positives: a constant scorer earns nothing
SELECT 'ties', recall_at_k(5, l, 1), ndcg_at_k(5, l, 1), mrr(5, l) FROM (SELECT 1 l UNION ALL SELECT 0);
-- no positive: NULL; only unretrieved positives: 0
SELECT 'nopos', recall_at_k(s, l, 5) IS NULL, mrr(s, l) IS NULL FROM (SELECT 1 s, 0 l);
SELECT 'unretrieved', recall_at_k(s, l, 5), ndcg_at_k(s, l, 5), mrr(s, l) FROM (SELECT NULL s, 1 l);
-- k as integral REAL is accepted
SELECT 'k-real', recall_at_k(s, l, 2.0) FROM rk;
-- the FULL JOIN form of docs/metrics.md: users 1 and 2, items retrieved vs test items
CREATE TABLE rec(user, item, score);
INSERT INTO rec VALUES (1, 'a', 0.9), (1, 'b', 0.8), (1, 'c', 0.7), (2, 'a', 0.5), (2, 'd', 0.4);
CREATE TABLE test(user, item);
INSERT INTO test VALUES (1, 'b'), (1, 'z'), (2, 'a'), (3, 'q');
-- user 1: 1 of 2; user 2: 1 of 1; user 3: 0 of 1 (no recommendations) -> (0.5 + 1 + 0) / 3
SELECT 'fulljoin', avg(r) FROM (
  SELECT coalesce(rec.user, t.user) AS u, recall_at_k(rec.score, t.item IS NOT NULL, 2) AS r
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item GROUP BY u);
-- errors
SELECT recall_at_k(s, l, 0) FROM rk;
SELECT recall_at_k(s, l, -3) FROM rk;
SELECT ndcg_at_k(s, l, 2.5) FROM rk;
SELECT precision_at_k(s, l, '5') FROM rk;
SELECT hit_rate_at_k(s, l, NULL) FROM rk;
SELECT recall_at_k(s, l, s) FROM rk WHERE s IS NOT NULL;
SELECT auc('high', 1);
SELECT auc(1, 'yes');
SELECT mrr(x'00', 1);
SELECT gauc(1.5, 1, 1);
SELECT auc(1);
SELECT 'end';
