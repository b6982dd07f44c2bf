/*
** swing_sim: Swing item-item similarity as a table-valued function.
**
**   CREATE TABLE item_sim AS SELECT * FROM swing_sim('train', 1.0, 50);
**   SELECT item_b, score FROM swing_sim('train') WHERE item_a = 42;
**   SELECT * FROM swing_sim WHERE source = 'train' AND beta = 0.3 AND max_user_items = 500;
**
** Columns: item_a, item_b, score. Hidden arguments, in order (a NULL or
** absent one means its default): source, alpha (1.0, >= 0), top_n (100),
** beta (0 = unweighted), user_alpha (0), max_user_items (no cap),
** max_item_users (no cap), seed (0), threads (all cores), verbose (0).
** Rows: for each item_a (in order of first appearance in the source), its
** top_n item_b by score descending, ties by item_b's first appearance;
** zero scores give no row. The formula, the caps and the algorithm are in
** src/swing.h; arguments and examples in docs/swing_sim.md.
**
** How it works: ext/itemsim_vtab.c (shared with itemcf_sim) reads the source,
** streams rows chunk by chunk and serves item_a = ? / IN (...) fast; this
** file describes the arguments and calls src/swing.c.
*/
#include "../src/swing.h"
#include "itemsim_vtab.h"

enum {
  SW_SOURCE,
  SW_ALPHA,
  SW_TOP_N,
  SW_BETA,
  SW_USER_ALPHA,
  SW_MAX_USER_ITEMS,
  SW_MAX_ITEM_USERS,
  SW_SEED,
  SW_THREADS,
  SW_VERBOSE,
  SW_NARGS
};

static const opt_spec sw_args[SW_NARGS] = {
    [SW_SOURCE] = {"source", OPT_SOURCE, 0, 0, 0, NULL, NULL, "(user, item) rows: a table, view or SELECT",
                   OPT_REQUIRED},
    [SW_ALPHA] = {"alpha", OPT_REAL, 1.0, 0, 1e300, NULL, NULL,
                  "smoothing: score adds 1 / (alpha + |I_u & I_v|)", 0},
    [SW_TOP_N] = {"top_n", OPT_INT, 100, 1, 4294967295.0, NULL, NULL, "neighbours kept per item", 0},
    [SW_BETA] = {"beta", OPT_REAL, 0, 0, 10, NULL, NULL,
                 "user weight exponent: w_u = (|I_u| + user_alpha)^-beta", 0},
    [SW_USER_ALPHA] = {"user_alpha", OPT_REAL, 0, 0, 1e300, NULL, NULL, "user weight offset", 0},
    [SW_MAX_USER_ITEMS] = {"max_user_items", OPT_INT, 0, 1, 4294967295.0, NULL, NULL,
                           "users with more items are left out (default: no cap)", 0},
    [SW_MAX_ITEM_USERS] = {"max_item_users", OPT_INT, 0, 1, 4294967295.0, NULL, NULL,
                           "an item with more users keeps a seeded sample of that many (default: no cap)", 0},
    [SW_SEED] = {"seed", OPT_INT, 0, -OPT_UNBOUNDED, OPT_UNBOUNDED, NULL, NULL,
                 "seed of the max_item_users sample", 0},
    [SW_THREADS] = {"threads", OPT_INT, 0, 1, 1024, NULL, NULL, "worker threads (default: all cores)", 0},
    [SW_VERBOSE] = {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL, "progress on stderr", 0},
};

const opt_spec *swing_sim_specs(int *n) {
  *n = SW_NARGS;
  return sw_args;
}

/* A count option as a uint32 cap: 0 (not given) stays 0 = no cap. */
static uint32_t cap32(const opt_value *v) { return v->i64 > UINT32_MAX ? UINT32_MAX : (uint32_t)v->i64; }

static rs_status sw_run(const opt_value *vals, const itemsim_graph *g, const uint32_t *items, uint32_t n,
                        uint32_t k, int threads, progress *prog, itemsim_result *out) {
  swing s;
  s.ui = &g->ui;
  s.iu = &g->iu;
  swing_params_default(&s.p);
  s.p.alpha = vals[SW_ALPHA].num;
  s.p.beta = vals[SW_BETA].num;
  s.p.user_alpha = vals[SW_USER_ALPHA].num;
  s.p.max_user_items = cap32(&vals[SW_MAX_USER_ITEMS]);
  s.p.max_item_users = cap32(&vals[SW_MAX_ITEM_USERS]);
  s.p.seed = (uint64_t)vals[SW_SEED].i64;
  return swing_topk(&s, items, n, k, threads, prog, out);
}

static const itemsim_def sw_def = {"swing_sim", "swing_sim('table or SELECT', alpha, top_n)",
                                   sw_args,     SW_NARGS,
                                   SW_TOP_N,    SW_THREADS,
                                   SW_VERBOSE,  sw_run};

int recsql_register_swing_sim(sqlite3 *db) { return itemsim_register(db, &sw_def); }
