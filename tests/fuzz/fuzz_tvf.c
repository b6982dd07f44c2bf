/*
** fuzz_tvf: arbitrary rows as the sources of the table-valued functions and
** of the trainers, and arbitrary values as their arguments.
**
** The input is decoded into eight values bound to ?1..?8 and up to 48 rows
** of (a, b, c, d) in table t; sources are SELECTs over t, so ids, embeddings
** and biases take every type, NaN/Inf, wrong dimensions, duplicates and
** mixed INTEGER/TEXT ids. Adding an object: add its lines to `stmts`.
*/
#include "fuzz.h"

static const fz_stmt stmts[] = {
    /* neg_samples: each strategy, fuzzed n_neg, seed, power; rows capped */
    {"neg_samples",
     "SELECT count(*), count(DISTINCT neg_item) FROM (SELECT * FROM neg_samples('t', ?1, 'uniform', ?2) "
     "LIMIT 500)"},
    {"neg_samples", "SELECT * FROM neg_samples('SELECT a, b FROM t', ?3, 'popularity', ?4, ?5) LIMIT 300"},
    {"neg_samples", "SELECT * FROM neg_samples('SELECT c, d FROM t', ?1, 'bootstrap', ?2) LIMIT 300"},
    {"neg_samples",
     "SELECT * FROM neg_samples('SELECT a, b FROM t', 3, 'exposure', ?2, NULL, 'SELECT a, c FROM t') LIMIT "
     "300"},
    {"neg_samples", "SELECT * FROM neg_samples('t', ?6, ?7, ?8, ?5) LIMIT 300"},
    {"neg_samples",
     "SELECT user, neg_item FROM neg_samples('SELECT b, a FROM t', 2, 'uniform', 1) WHERE user = ?1 LIMIT "
     "300"},
    /* recommend: users (a, b), items (c, d[, a]); k and a user from the input */
    {"recommend", "SELECT * FROM recommend('SELECT a, b FROM t', 'SELECT c, d FROM t', ?1)"},
    {"recommend",
     "SELECT * FROM recommend('SELECT a, b FROM t', 'SELECT c, b, a FROM t', ?2, 'SELECT a, c FROM t')"},
    {"recommend",
     "SELECT * FROM recommend('SELECT d, c FROM t', 'SELECT a, c, d FROM t', 3) WHERE user = ?3"},
    {"recommend", "SELECT * FROM recommend('SELECT a, b FROM t', 'SELECT a, b, d FROM t', ?5, ?6)"},
    /* bpr_train: the data as a source, tiny settings; each loss and sampler */
    {"bpr_train",
     "SELECT bpr_train('SELECT a, b FROM t', 'fz', '{\"epochs\": 2, \"dim\": 3, \"threads\": 1}')"},
    {"bpr_train",
     "SELECT bpr_train('SELECT c, d FROM t', 'fz', '{\"epochs\": 1, \"dim\": 2, \"threads\": 2, \"sampler\": "
     "\"bootstrap\"}')"},
    {"bpr_train",
     "SELECT bpr_train('SELECT a, d FROM t', 'fz', '{\"epochs\": 1, \"dim\": 2, \"threads\": 1, \"loss\": "
     "\"softmax\", \"n_neg\": 3, \"batch\": 4}')"},
    {"bpr_train",
     "SELECT bpr_train('SELECT b, c FROM t', 'fz', '{\"epochs\": 1, \"dim\": 2, \"threads\": 1, \"loss\": "
     "\"ccl\", \"n_neg\": 2, \"batch\": 3, \"sampler\": \"popularity\"}')"},
    {"bpr_train",
     "SELECT bpr_train('SELECT a, b FROM t', 'fz', '{\"epochs\": 1, \"dim\": 2, \"threads\": 1, \"sampler\": "
     "\"exposure\", \"exposures\": \"SELECT c, d FROM t\"}')"},
    {"bpr_train",
     "SELECT bpr_train('SELECT c, a FROM t', 'fz', '{\"epochs\": 1, \"dim\": 2, \"threads\": 2, \"loss\": "
     "\"softmax\", \"in_batch\": true, \"batch\": 4, \"propagate\": 2}')"},
    {"bpr_train",
     "SELECT bpr_train('SELECT a, b FROM t', 'fz', '{\"epochs\": 1, \"dim\": 3, \"threads\": 1, "
     "\"propagate\": 1}')"},
    /* swing_sim: positional and named arguments from the input; item_a = ? and IN (...) */
    {"swing_sim", "SELECT * FROM swing_sim('SELECT a, b FROM t', ?1, ?2)"},
    {"swing_sim", "SELECT * FROM swing_sim('SELECT c, d FROM t', ?3, ?4, ?5, ?6, ?7, ?8, ?1, ?2)"},
    {"swing_sim",
     "SELECT item_b, score FROM swing_sim('SELECT a, b FROM t', 1.0, 10, 0.5, 1, NULL, 3, 7, 1) WHERE item_a "
     "= ?1"},
    {"swing_sim", "SELECT * FROM swing_sim('SELECT b, a FROM t') WHERE item_a IN (?1, ?2, ?3, ?4)"},
    {"swing_sim",
     "SELECT * FROM swing_sim WHERE source = 'SELECT a, d FROM t' AND alpha = ?1 AND top_n = ?2 AND beta = "
     "?3 "
     "AND user_alpha = ?4 AND max_user_items = ?5 AND max_item_users = ?6 AND seed = ?7 AND threads = ?8"},
    {"swing_sim",
     "SELECT * FROM swing_sim WHERE source = 't' AND beta = ?5 AND item_a IN (SELECT b FROM t) LIMIT 50"},
    {"swing_sim", "SELECT * FROM swing_sim(?1, ?2) WHERE item_a = ?3"},
    /* itemcf_sim: each method, fuzzed top_n, method and threads */
    {"itemcf_sim", "SELECT * FROM itemcf_sim('SELECT a, b FROM t', ?1, 'cooccurrence', 1)"},
    {"itemcf_sim", "SELECT * FROM itemcf_sim('SELECT c, d FROM t', ?2, 'jaccard', ?3)"},
    {"itemcf_sim", "SELECT * FROM itemcf_sim('SELECT a, b FROM t', ?4, ?5, ?6)"},
    {"itemcf_sim", "SELECT item_b, score FROM itemcf_sim('SELECT b, a FROM t', 5) WHERE item_a = ?1"},
    {"itemcf_sim",
     "SELECT * FROM itemcf_sim WHERE source = 't' AND top_n = ?7 AND method = ?8 AND item_a IN (?1, ?2, ?3)"},
    {"itemcf_sim", "SELECT * FROM itemcf_sim(?1, ?2, ?3) WHERE item_a IN (SELECT c FROM t)"},
    /* the trained model straight back into recommend */
    {"recommend", "SELECT * FROM recommend('fz_users', 'fz_items', ?7, 'SELECT a, b FROM t')"},
    /* curves over (score, label) rows; the ranking aggregates per group */
    {"roc_curve", "SELECT * FROM roc_curve('SELECT c, d FROM t', ?1)"},
    {"pr_curve", "SELECT * FROM pr_curve('SELECT a, b FROM t', ?2)"},
    {"pr_curve", "SELECT * FROM pr_curve(?3, ?4)"},
    {"average_precision", "SELECT average_precision(c, d) FROM t GROUP BY b"},
    {"cost_recall_at_k", "SELECT cost_recall_at_k(c, d, a, ?1) FROM t GROUP BY b"},
    /* EASE, and recommending from its table and from the input's rows */
    {"ease_train", "SELECT ease_train('SELECT a, b FROM t', 'fe', '{\"threads\": 1, \"top_n\": 3}')"},
    {"i2i_recommend", "SELECT * FROM i2i_recommend('SELECT a, b FROM t', 'SELECT b, c, d FROM t', ?1)"},
    {"i2i_recommend",
     "SELECT * FROM i2i_recommend('SELECT a, b, c, d FROM t', 'fe_sim', ?2, ?3) WHERE user = ?4"},
    /* sequences (time = c) and the automatic choice, tiny budgets */
    {"item2vec_train",
     "SELECT item2vec_train('SELECT a, b, c FROM t', 'fi', '{\"epochs\": 1, \"dim\": 4, \"threads\": 1}')"},
    {"auto_train",
     "SELECT auto_train('SELECT a, b FROM t', 'fa', '{\"time_budget\": 5, \"threads\": 1, \"families\": "
     "\"itemcf,ease,bpr\"}')"},
};

#define NPARAM 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_run_rows(data, size, stmts, sizeof stmts / sizeof *stmts, NPARAM, 48);
  return 0;
}
