-- recsql_config: settings read back, the cache under budgets (sizes of the
-- graphs computed by hand from their arrays), then the error cases.
.mode list
.headers off
SELECT 'budget-set', recsql_config('cache_budget', '1GB'), recsql_config('cache_budget');
SELECT 'budget-int', recsql_config('cache_budget', 1048576);
SELECT 'budget-units', recsql_config('cache_budget', '1.5k'), recsql_config('cache_budget', '2 MiB'),
  recsql_config('cache_budget', '3m'), recsql_config('cache_budget', '1T');
SELECT 'budget-unlimited', recsql_config('cache_budget', 'unlimited'), recsql_config('cache_budget', -1);
SELECT 'conn-default', recsql_config('connection_cache_budget');
SELECT 'case', recsql_config('CACHE_BUDGET', '64MB');
CREATE TABLE t(user INTEGER, item INTEGER);
INSERT INTO t VALUES (1, 10), (1, 11), (2, 10), (2, 11), (3, 11), (3, 12);
CREATE TABLE u(user INTEGER, item INTEGER);
INSERT INTO u VALUES (5, 50), (6, 50), (6, 51);
SELECT 'empty', recsql_config('cache_used'), recsql_config('cache_entries'), recsql_config('connection_cache_used');
-- swing_sim reads t once and caches it: one entry
SELECT 'swing', item_b, round(score, 4) FROM swing_sim('t') WHERE item_a = 10;
SELECT 'cached', recsql_config('cache_entries'), recsql_config('cache_used') > 0,
  recsql_config('cache_used') = recsql_config('connection_cache_used');
-- neg_samples caches its own graph of u: two entries
SELECT 'neg', count(*) FROM neg_samples('u', 1, 'uniform', 7);
SELECT 'two', recsql_config('cache_entries');
-- a connection budget of 1 byte evicts both; the next query reads again and
-- its graph, larger than the budget, is not kept
SELECT 'conn-1', recsql_config('connection_cache_budget', 1), recsql_config('cache_entries'),
  recsql_config('cache_evictions') >= 2;
SELECT 'swing-again', item_b, round(score, 4) FROM swing_sim('t') WHERE item_a = 10;
SELECT 'none-kept', recsql_config('cache_entries'), recsql_config('connection_cache_used');
SELECT 'conn-unlimited', recsql_config('connection_cache_budget', 'unlimited');
SELECT 'swing-kept', count(*) FROM swing_sim('t') WHERE item_a = 11;
SELECT 'kept', recsql_config('cache_entries');
-- the process budget at 0 empties every cache
SELECT 'off', recsql_config('cache_budget', 0), recsql_config('cache_entries'), recsql_config('cache_used');
SELECT 'restore', recsql_config('cache_budget', 'unlimited');
-- blas
SELECT 'blas', recsql_config('blas', 'generic'), recsql_config('blas');
SELECT 'blas-auto', recsql_config('blas', 'auto') IN ('avx512', 'avx2', 'generic');
-- NULL in, NULL out, nothing changed
SELECT 'null', recsql_config(NULL) IS NULL, recsql_config('cache_budget', NULL) IS NULL,
  recsql_config('cache_budget');
-- errors
SELECT recsql_config('cache_budjet');
SELECT recsql_config('xyzzy');
SELECT recsql_config('cache_budget', '12 parsecs');
SELECT recsql_config('cache_budget', -2);
SELECT recsql_config('cache_budget', 1.5);
SELECT recsql_config('connection_cache_budget', x'00');
SELECT recsql_config('cache_used', 0);
SELECT recsql_config('cache_evictions', 0);
SELECT recsql_config('blas', 'mkl');
SELECT recsql_config('blas', 1);
SELECT recsql_config();
SELECT recsql_config('a', 'b', 'c');
