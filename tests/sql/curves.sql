-- roc_curve, pr_curve, average_precision: hand-computed values, ties, NULLs,
-- one class, thinning, errors. (tests/curves_check.py compares with scikit-learn.)
.mode list
CREATE TABLE sk(s, l);
-- scikit-learn's documented example: y = 0 0 1 1, scores 0.1 0.4 0.35 0.8
INSERT INTO sk VALUES (0.1, 0), (0.4, 0), (0.35, 1), (0.8, 1);
-- fpr/tpr at >= 0.8: 0/2, 1/2; >= 0.4: 1/2, 1/2; >= 0.35: 1/2, 2/2; >= 0.1: 2/2, 2/2
SELECT 'roc', * FROM roc_curve('sk');
-- precision at >= 0.8: 1/1; >= 0.4: 1/2; >= 0.35: 2/3; >= 0.1: 2/4
SELECT 'pr', * FROM pr_curve('sk');
-- AP = (1/2 - 0) * 1 + (1 - 1/2) * 2/3 = 5/6 (scikit-learn: 0.83...)
SELECT 'ap', average_precision(s, l), 5.0 / 6 FROM sk;

-- ties: score 2 holds one negative and two positives, which enter together
CREATE TABLE ti(s, l);
INSERT INTO ti VALUES (3, 1), (2, 0), (2, 1), (2.0, 7), (1, 0), (NULL, 1), (0.5, NULL);
-- curves skip the NULL rows: P = 3, N = 2
SELECT 'roc-ties', * FROM roc_curve('ti');
SELECT 'pr-ties', * FROM pr_curve('ti');
-- AP: the positive without a score counts (P = 4): 1/4 * 1 + 2/4 * 3/4 = 5/8;
-- without it (P = 3): 1/3 * 1 + 2/3 * 3/4 = 5/6
SELECT 'ap-ties', average_precision(s, l), 5.0 / 8 FROM ti;
SELECT 'ap-ties-scored', average_precision(s, l), 5.0 / 6 FROM ti WHERE s IS NOT NULL;
-- a constant scorer: one threshold, AP = P / n
SELECT 'ap-const', average_precision(1, l) FROM sk;

-- thinning: 5 rows to 3 keeps rows 0, 2, 4; to 4 keeps 0, round(4/3) = 1, round(8/3) = 3, 4
SELECT 'roc-3', * FROM roc_curve('sk', 3);
SELECT 'pr-4', * FROM pr_curve('sk', 4);
SELECT 'roc-2', * FROM roc_curve('sk', 2.0);
SELECT 'roc-many', count(*) FROM roc_curve('sk', 1000000000000);
SELECT 'roc-null-points', count(*) FROM roc_curve('sk', NULL);
-- named arguments and a SELECT source
SELECT 'named', count(*) FROM roc_curve WHERE source = 'SELECT s, l, ''extra'' FROM sk' AND points = 2;

-- one class only: fpr (no negatives), tpr and recall (no positives) are NULL
SELECT 'roc-allpos', threshold, fpr IS NULL, tpr FROM roc_curve('SELECT s, l FROM sk WHERE l = 1');
SELECT 'roc-allneg', threshold, fpr, tpr IS NULL FROM roc_curve('SELECT s, l FROM sk WHERE l = 0');
SELECT 'pr-allneg', threshold, precision, recall IS NULL FROM pr_curve('SELECT s, l FROM sk WHERE l = 0');
SELECT 'ap-allneg', average_precision(s, l) IS NULL FROM sk WHERE l = 0;
SELECT 'ap-unscored-only', average_precision(NULL, 1);
-- a single row; an empty source gives no row (AP NULL)
SELECT 'roc-single', * FROM roc_curve('SELECT 0.5, 1');
SELECT 'pr-single', * FROM pr_curve('SELECT 0.5, 0');
SELECT 'roc-empty', count(*) FROM roc_curve('SELECT s, l FROM sk WHERE 0');
SELECT 'ap-empty', average_precision(s, l) IS NULL FROM sk WHERE 0;
-- infinite scores are ordinary values: the first two rows share threshold Inf
SELECT 'roc-inf', * FROM roc_curve('SELECT 9e999, 1 UNION ALL SELECT -9e999, 0');
-- labels: any nonzero number is a positive; per group with GROUP BY
CREATE TABLE g(u, s, l);
INSERT INTO g VALUES ('a', 0.9, -1.5), ('a', 0.2, 0.0), ('a', 0.5, 0), ('b', 0.3, 0), ('b', 0.7, 0), ('b', 0.1, 2);
-- a: positive first: 1.0; b: positive ranked 3rd: 1/3
SELECT 'ap-groups', u, average_precision(s, l) FROM g GROUP BY u ORDER BY u;
-- the area under roc_curve (trapezoids) is auc
SELECT 'area', round(sum((fpr - pf) * (tpr + pt) / 2), 12), (SELECT round(auc(s, l), 12) FROM ti)
FROM (SELECT fpr, tpr, lag(fpr) OVER (ORDER BY rowid) AS pf, lag(tpr) OVER (ORDER BY rowid) AS pt FROM roc_curve('ti'));

-- errors
SELECT * FROM roc_curve;
SELECT * FROM roc_curve(42);
SELECT * FROM roc_curve('sk', 1);
SELECT * FROM pr_curve('sk', 2.5);
SELECT * FROM pr_curve('sk', 'ten');
SELECT * FROM roc_curve('no_such_table');
SELECT * FROM roc_curve('SELECT 1');
SELECT * FROM roc_curve('SELECT ''high'', 1');
SELECT * FROM pr_curve('SELECT 1, ''yes''');
SELECT * FROM pr_curve('SELECT 1, x''00''');
SELECT average_precision('high', 1);
SELECT average_precision(1, 'yes');
SELECT average_precision(1);
SELECT average_precision(s, l) OVER () FROM sk;
SELECT 'end', count(*) FROM sk;
