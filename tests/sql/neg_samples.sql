-- neg_samples: row counts, never-a-positive, determinism, distributions
-- (chi-square against the exact target), ids as given, and the errors.
.mode list
CREATE TABLE t(user, item);
-- positives: 1 -> {a, b}; 2 -> {b, c, d} (the duplicate (2, b) counts once); '1' (TEXT) -> {c}
INSERT INTO t VALUES (1, 'a'), (1, 'b'), (2, 'b'), (2, 'c'), (2, 'd'), (2, 'b'), ('1', 'c');
-- 6 distinct positives x 3 negatives
SELECT 'rows', count(*) FROM neg_samples('t', 3, 'uniform', 1);
SELECT 'default-n_neg', count(*) FROM neg_samples('t');
SELECT 'bootstrap-rows', count(*) FROM neg_samples('t', 4, 'bootstrap', 1);
-- no negative is a positive of its user, for every strategy
SELECT 'never-positive', count(*), count(DISTINCT s) FROM (
  SELECT 'uniform' s, * FROM neg_samples('t', 50, 'uniform', 1) UNION ALL
  SELECT 'popularity', * FROM neg_samples('t', 50, 'popularity', 1) UNION ALL
  SELECT 'bootstrap', * FROM neg_samples('t', 50, 'bootstrap', 1)) n
  JOIN t ON t.user IS n.user AND t.item = n.neg_item;
SELECT 'strategies-ran', count(DISTINCT s), count(*) FROM (
  SELECT 'uniform' s, * FROM neg_samples('t', 50, 'uniform', 1) UNION ALL
  SELECT 'popularity', * FROM neg_samples('t', 50, 'popularity', 1) UNION ALL
  SELECT 'bootstrap', * FROM neg_samples('t', 50, 'bootstrap', 1));
-- every pos_item is a positive of its user
SELECT 'pos-ok', count(*) FROM neg_samples('t', 5, 'bootstrap', 2) n
  WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.user IS n.user AND t.item = n.pos_item);
-- user 2's only non-positive item is a; user 1's are c and d
SELECT 'u2', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples('t', 30, 'uniform', 3) WHERE user = 2 ORDER BY x));
SELECT 'u1', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples('t', 30, 'uniform', 3) WHERE user = 1 ORDER BY x));
-- ids come back with their type: INTEGER 1 and TEXT '1' are different users
SELECT 'types', typeof(user), count(*) FROM neg_samples('t', 2, 'uniform', 1) GROUP BY typeof(user) ORDER BY 2;
-- same seed, same rows in the same order; another seed, other rows
SELECT 'same-seed', count(*) FROM neg_samples('t', 20, 'uniform', 9) a JOIN neg_samples('t', 20, 'uniform', 9) b
  ON a.rowid = b.rowid WHERE a.user IS NOT b.user OR a.pos_item IS NOT b.pos_item OR a.neg_item IS NOT b.neg_item;
SELECT 'other-seed-differs', count(*) > 0 FROM neg_samples('t', 20, 'uniform', 9) a JOIN neg_samples('t', 20, 'uniform', 10) b
  ON a.rowid = b.rowid WHERE a.neg_item IS NOT b.neg_item;
-- arguments by name
SELECT 'by-name', count(*) FROM neg_samples WHERE source = 't' AND n_neg = 2 AND strategy = 'popularity' AND power = 0.5;
-- NULL optional arguments mean their defaults
SELECT 'null-args', count(*) FROM neg_samples('t', NULL, NULL, NULL);
-- a SELECT as the source; the join form (the source comes from another table)
-- (user 2 alone holds every item of such a source, so it would give no rows)
SELECT 'select-source', count(*) FROM neg_samples('SELECT user, item FROM t WHERE user IN (1, 2)', 2);
CREATE TABLE srcs(name);
INSERT INTO srcs VALUES ('t'), ('SELECT 1, 2 UNION ALL SELECT 1, 3 UNION ALL SELECT 5, 2');
SELECT 'join', s.name, count(*) FROM srcs s, neg_samples(s.name, 2) n GROUP BY s.name ORDER BY s.name;
-- identifiers with quotes and spaces
CREATE TABLE "my ""odd"" t"(u, i);
INSERT INTO "my ""odd"" t" VALUES (1, 1), (1, 2), (2, 3);
SELECT 'odd-name', count(*) FROM neg_samples('my "odd" t', 2);
-- an empty source gives no rows; a user with every item gives none either
SELECT 'empty', count(*) FROM neg_samples('SELECT 1, 2 WHERE 0');
SELECT 'saturated', count(*) FROM neg_samples('SELECT 1, 1 UNION ALL SELECT 1, 2 UNION ALL SELECT 2, 1', 2);

-- distributions: p holds item counts x1:1, x2:1, x3:2, x4:3 and user q with positive x1.
-- q's negatives: uniform 1/3 each over {x2, x3, x4}; popularity with power 1: 1/6, 2/6, 3/6.
-- chi-square with 2 degrees of freedom against 13.82 (the 0.999 quantile)
CREATE TABLE p(user, item);
INSERT INTO p VALUES ('f1', 'x2'), ('f1', 'x3'), ('f1', 'x4'), ('f2', 'x3'), ('f2', 'x4'), ('f3', 'x4'), ('q', 'x1');
WITH s AS (SELECT neg_item, count(*) c FROM neg_samples('p', 6000, 'uniform', 5) WHERE user = 'q' GROUP BY neg_item),
     e AS (SELECT 'x2' i, 1.0 / 3 p UNION ALL SELECT 'x3', 1.0 / 3 UNION ALL SELECT 'x4', 1.0 / 3)
SELECT 'chi2-uniform', sum((coalesce(c, 0) - 6000 * p) * (coalesce(c, 0) - 6000 * p) / (6000 * p)) < 13.82,
       (SELECT count(*) FROM s) FROM e LEFT JOIN s ON s.neg_item = e.i;
WITH s AS (SELECT neg_item, count(*) c FROM neg_samples('p', 6000, 'popularity', 5) WHERE user = 'q' AND power = 1 GROUP BY neg_item),
     e AS (SELECT 'x2' i, 1.0 / 6 p UNION ALL SELECT 'x3', 2.0 / 6 UNION ALL SELECT 'x4', 3.0 / 6)
SELECT 'chi2-popularity', sum((coalesce(c, 0) - 6000 * p) * (coalesce(c, 0) - 6000 * p) / (6000 * p)) < 13.82,
       (SELECT count(*) FROM s) FROM e LEFT JOIN s ON s.neg_item = e.i;
-- power = 0: popularity is uniform over the non-positives
WITH s AS (SELECT neg_item, count(*) c FROM neg_samples('p', 6000, 'popularity', 6) WHERE user = 'q' AND power = 0 GROUP BY neg_item)
SELECT 'chi2-power0', sum((c - 2000.0) * (c - 2000.0) / 2000.0) < 13.82 FROM s;

-- exposure: q saw x3 and x9 (x9 is in no one's history) and x1 (a positive);
-- f3 saw nothing, so its negatives are uniform over its non-positives
CREATE TABLE shown(user, item);
INSERT INTO shown VALUES ('q', 'x3'), ('q', 'x9'), ('q', 'x1'), ('nobody', 'x2');
SELECT 'exposure-q', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples WHERE source = 'p' AND n_neg = 50 AND strategy = 'exposure' AND exposures = 'shown' AND user = 'q' ORDER BY x));
SELECT 'exposure-f3', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples WHERE source = 'p' AND n_neg = 50 AND strategy = 'exposure' AND exposures = 'shown' AND user = 'f3' ORDER BY x));
WITH s AS (SELECT neg_item, count(*) c FROM neg_samples WHERE source = 'p' AND n_neg = 4000 AND strategy = 'exposure' AND exposures = 'shown' AND seed = 3 AND user = 'q' GROUP BY neg_item)
SELECT 'chi2-exposure', sum((c - 2000.0) * (c - 2000.0) / 2000.0) < 10.83 FROM s;

-- the cached source follows changes: inserts, deletes, a dropped and
-- recreated table, a temp table of the same name
CREATE TABLE c(user, item);
INSERT INTO c VALUES (1, 10), (1, 20), (2, 30);
SELECT 'cache-1', group_concat(DISTINCT neg_item) FROM neg_samples('c', 20) WHERE user = 1;
SELECT 'cache-1-again', group_concat(DISTINCT neg_item) FROM neg_samples('c', 20) WHERE user = 1;
INSERT INTO c VALUES (2, 40);
SELECT 'cache-insert', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples('c', 50) WHERE user = 1 ORDER BY x));
DELETE FROM c WHERE item = 30;
SELECT 'cache-delete', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples('c', 50) WHERE user = 1 ORDER BY x));
BEGIN;
INSERT INTO c VALUES (1, 40), (2, 50);
SELECT 'cache-in-txn', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples('c', 50) WHERE user = 1 ORDER BY x));
ROLLBACK;
SELECT 'cache-rollback', (SELECT group_concat(x) FROM (SELECT DISTINCT neg_item x FROM neg_samples('c', 50) WHERE user = 1 ORDER BY x));
DROP TABLE c;
CREATE TABLE c(user, item);
INSERT INTO c VALUES ('a', 'x'), ('b', 'y');
SELECT 'cache-recreated', user, pos_item, neg_item FROM neg_samples('c', 1) ORDER BY user;
CREATE TEMP TABLE c(user, item);
INSERT INTO temp.c VALUES ('t', 'p'), ('s', 'q');
SELECT 'cache-temp', user, pos_item, neg_item FROM neg_samples('c', 1) ORDER BY user;
DROP TABLE temp.c;
SELECT 'cache-temp-dropped', user, pos_item, neg_item FROM neg_samples('c', 1) ORDER BY user;

-- errors
SELECT * FROM neg_samples('t', 0);
SELECT * FROM neg_samples('t', -2);
SELECT * FROM neg_samples('t', 1.5);
SELECT * FROM neg_samples('t', 'two');
SELECT * FROM neg_samples('t', 1, 'random');
SELECT * FROM neg_samples('t', 1, 7);
SELECT * FROM neg_samples('t', 1, 'uniform', 'x');
SELECT * FROM neg_samples('nosuch');
SELECT * FROM neg_samples(NULL);
SELECT * FROM neg_samples(42);
SELECT * FROM neg_samples;
SELECT * FROM neg_samples('t', 1, 'exposure');
SELECT * FROM neg_samples WHERE source = 't' AND exposures = 'shown';
SELECT * FROM neg_samples WHERE source = 't' AND strategy = 'popularity' AND power = 'high';
SELECT * FROM neg_samples WHERE source = 't' AND strategy = 'popularity' AND power = 100;
SELECT * FROM neg_samples('SELECT 1');
SELECT * FROM neg_samples('SELECT 1.5, 2');
SELECT * FROM neg_samples('SELECT 1, x''00''');
SELECT * FROM neg_samples('SELECT * FROM nosuch');
SELECT * FROM neg_samples('SELECT 1, 2; SELECT 3, 4');
SELECT * FROM neg_samples('DELETE FROM t RETURNING user, item');
SELECT * FROM neg_samples WHERE source = 't' AND exposures = 'nosuch' AND strategy = 'exposure';
SELECT 'after-errors', count(*) FROM t;
