-- cost_recall_at_k: hand-computed values, ties, NULLs, GROUP BY, errors.
.mode list
CREATE TABLE ads(u, ad, score, clicked, bid);
-- user 1: ranks 0.9 (pos, 10), 0.8 (neg), 0.5 (neg; tie: negatives first),
-- 0.5 (pos, 1; tie among positives: cheaper first), 0.5 (pos, 4),
-- plus a clicked ad that was not scored (bid 5): total positive bid 20
INSERT INTO ads VALUES (1, 'a', 0.9, 1, 10), (1, 'b', 0.8, 0, 99), (1, 'c', 0.5, 1, 4), (1, 'd', 0.5, 0, 7),
  (1, 'e', 0.5, 1, 1), (1, 'f', NULL, 1, 5);
SELECT 'k1', cost_recall_at_k(score, clicked, bid, 1), 10.0 / 20 FROM ads WHERE u = 1;
SELECT 'k3', cost_recall_at_k(score, clicked, bid, 3), 10.0 / 20 FROM ads WHERE u = 1;
SELECT 'k4', cost_recall_at_k(score, clicked, bid, 4), 11.0 / 20 FROM ads WHERE u = 1;
SELECT 'k5', cost_recall_at_k(score, clicked, bid, 5), 15.0 / 20 FROM ads WHERE u = 1;
SELECT 'k100', cost_recall_at_k(score, clicked, bid, 100.0), 15.0 / 20 FROM ads WHERE u = 1;
-- with equal costs it is recall_at_k
SELECT 'recall', cost_recall_at_k(score, clicked, 2.5, 4), recall_at_k(score, clicked, 4) FROM ads WHERE u = 1;
-- user 2: no positive -> NULL; user 3: positives of cost 0 only -> NULL;
-- user 4: the negative's cost is NULL (ignored), the positive's NULL cost is 0
INSERT INTO ads VALUES (2, 'a', 0.3, 0, 1), (3, 'a', 0.3, 1, 0), (3, 'b', 0.4, 0, 2),
  (4, 'a', 0.9, 0, NULL), (4, 'b', 0.8, 1, 6), (4, 'c', 0.7, 1, NULL), (4, 'd', 0.1, 1, 2), (4, 'e', 0.2, NULL, 'x');
SELECT 'groups', u, cost_recall_at_k(score, clicked, bid, 2) FROM ads WHERE ad != 'e' OR u != 4 GROUP BY u ORDER BY u;
SELECT 'empty', cost_recall_at_k(score, clicked, bid, 2) IS NULL FROM ads WHERE 0;
-- errors
SELECT cost_recall_at_k(score, clicked, bid, 0) FROM ads WHERE u = 1;
SELECT cost_recall_at_k(score, clicked, bid, 2.5) FROM ads WHERE u = 1;
SELECT cost_recall_at_k(score, clicked, bid, NULL) FROM ads WHERE u = 1;
SELECT cost_recall_at_k(score, clicked, bid, u + 1) FROM ads WHERE u IN (1, 2);
SELECT cost_recall_at_k(score, clicked, bid, 2) FROM ads WHERE u = 4;
SELECT cost_recall_at_k(0.5, 1, -1, 2);
SELECT cost_recall_at_k(0.5, 0, 9e999, 2);
SELECT cost_recall_at_k('high', 1, 1, 2);
SELECT cost_recall_at_k(1, 'yes', 1, 2);
SELECT cost_recall_at_k(1, 1, 1);
SELECT cost_recall_at_k(score, clicked, bid, 2) OVER () FROM ads;
SELECT 'end';
