/*
** itemcf_sim: classic item-based CF similarity as a table-valued function.
**
**   CREATE TABLE item_sim AS SELECT * FROM itemcf_sim('train', 50, 'cosine');
**   SELECT item_b, score FROM itemcf_sim('train', 10, 'jaccard') WHERE item_a = 42;
**
** Columns: item_a, item_b, score. Hidden arguments, in order (a NULL or
** absent one means its default): source, top_n (100), method ('cosine';
** also 'cooccurrence' and 'jaccard'), threads (all cores), verbose (0).
** Rows, order and fast paths as swing_sim's; formulas in src/itemcf.h and
** docs/itemcf_sim.md.
**
** How it works: ext/itemsim_vtab.c (shared with swing_sim) does the table;
** this file describes the arguments and calls src/itemcf.c.
*/
#include "../src/itemcf.h"
#include "itemsim_vtab.h"

enum { CF_SOURCE, CF_TOP_N, CF_METHOD, CF_THREADS, CF_VERBOSE, CF_NARGS };

static const char *const cf_methods[] = {"cooccurrence", "cosine", "jaccard", NULL};

static const opt_spec cf_args[CF_NARGS] = {
    [CF_SOURCE] = {"source", OPT_SOURCE, 0, 0, 0, NULL, NULL, "(user, item) rows: a table, view or SELECT",
                   OPT_REQUIRED},
    [CF_TOP_N] = {"top_n", OPT_INT, 100, 1, 4294967295.0, NULL, NULL, "neighbours kept per item", 0},
    [CF_METHOD] = {"method", OPT_TEXT, 0, 0, 0, "cosine", cf_methods,
                   "co-occurrence count, cosine (count / sqrt(|U_i| |U_j|)) or jaccard", 0},
    [CF_THREADS] = {"threads", OPT_INT, 0, 1, 1024, NULL, NULL, "worker threads (default: all cores)", 0},
    [CF_VERBOSE] = {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL, "progress on stderr", 0},
};

const opt_spec *itemcf_sim_specs(int *n) {
  *n = CF_NARGS;
  return cf_args;
}

static rs_status cf_run(const opt_value *vals, const itemsim_graph *g, const uint32_t *items, uint32_t n,
                        uint32_t k, int threads, progress *prog, itemsim_result *out) {
  itemcf cf;
  cf.ui = &g->ui;
  cf.iu = &g->iu;
  int m = itemcf_method_parse(vals[CF_METHOD].text);
  cf.method = m < 0 ? ITEMCF_COSINE : (itemcf_method)m;
  return itemcf_topk(&cf, items, n, k, threads, prog, out);
}

static const itemsim_def cf_def = {"itemcf_sim", "itemcf_sim('table or SELECT', top_n, method)",
                                   cf_args,      CF_NARGS,
                                   CF_TOP_N,     CF_THREADS,
                                   CF_VERBOSE,   cf_run};

int recsql_register_itemcf_sim(sqlite3 *db) { return itemsim_register(db, &cf_def); }
