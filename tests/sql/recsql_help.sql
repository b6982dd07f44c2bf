-- recsql_help: every object listed once; an object's options come from the
-- very table its arguments are checked with (the range column reads as the
-- error message says it); unknown and misspelt objects.
.mode list
.headers on
SELECT count(*) AS objects, count(DISTINCT object) AS distinct_objects, count(name) AS option_rows FROM recsql_help;
SELECT object, type FROM recsql_help ORDER BY rowid;
SELECT name, type, "default", range, description FROM recsql_help('neg_samples');
SELECT name, type, "default", range FROM recsql_help('swing_sim') WHERE name IS NOT NULL;
SELECT name, type, "default", range FROM recsql_help('itemcf_sim') WHERE name IS NOT NULL;
SELECT name, type, "default", range FROM recsql_help('recommend') WHERE name IS NOT NULL;
SELECT name, type, "default", range FROM recsql_help('ndcg_at_k') WHERE name IS NOT NULL;
-- bpr_train: defaults that depend on the loss are empty (the description gives them)
SELECT name, type, "default", range, description FROM recsql_help('bpr_train') WHERE name IS NOT NULL;
-- by name, case-insensitively; objects without options give their own row only
SELECT object, name FROM recsql_help WHERE target = 'SWING_SIM' AND name = 'seed';
SELECT count(*) FROM recsql_help('embed_dot');
-- the same words in the help and in the error
.headers off
SELECT range FROM recsql_help('neg_samples') WHERE name = 'n_neg';
SELECT * FROM neg_samples('SELECT 1, 2', 0);
SELECT range FROM recsql_help('swing_sim') WHERE name = 'beta';
SELECT * FROM swing_sim('SELECT 1, 2', 1, 10, 11);
SELECT range FROM recsql_help('itemcf_sim') WHERE name = 'method';
SELECT * FROM itemcf_sim('SELECT 1, 2', 10, 'cosin');
SELECT range FROM recsql_help('bpr_train') WHERE name = 'dim';
SELECT bpr_train('SELECT 1, 2', 'm', '{"dim": 0}');
-- errors: unknown and misspelt objects
SELECT * FROM recsql_help('neg_sample');
SELECT * FROM recsql_help('nothing_like_it');
-- NULL target lists the objects
SELECT count(*) FROM recsql_help(NULL);
