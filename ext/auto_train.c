/*
** auto_train(source, model [, options]): the model chosen for the user.
**
**   SELECT auto_train('train', 'm');
**   SELECT auto_train('train', 'm', '{"time_budget": 120, "seed": 7}');
**
** Splits the (user, item) pairs of source into a part to fit and a seeded
** held-out part (src/holdout.h), runs the trials that src/auto.c plans for
** the data size and the time budget — Swing and itemcf through
** i2i_recommend, EASE over a few lambdas, bpr/ccl/softmax with bpr_train —
** each on the fitting part, scores each on the held-out pairs with the
** full-ranking protocol of the metric aggregates (Recall@k or NDCG@k, the
** fitted pairs excluded), and refits the winner on all of source:
**   factor families: <model>_users(id, emb), <model>_items(id, emb, bias)
**   item-item families: <model>_sim(item_a, item_b, weight)
** (the tables of the other kind under the same model name are dropped).
** Returns JSON: the family and settings chosen, the validation score, a
** table of what was tried (settings, score, seconds), and "recommend": the
** SQL that gives the winner's top-k lists (user, item, score, rank).
**
** How it works: the binding runs the trials as SQL calls of the sibling
** objects (bpr_train, ease_train, swing_sim, itemcf_sim, recommend,
** i2i_recommend and the metric aggregates) over temp tables holding the
** split, all inside one savepoint, so that a failure or an interrupt leaves
** the database as it was. The choice of trials is src/auto.c's.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../src/auto.h"
#include "../src/holdout.h"
#include "../src/parallel.h"
#include "common.h"

enum { A_BUDGET, A_VALIDATION, A_K, A_METRIC, A_FAMILIES, A_SEED, A_THREADS, A_VERBOSE, A_COUNT };

static const char *const metric_names[] = {"recall", "ndcg", NULL};

static const opt_spec auto_options[A_COUNT] = {
    [A_BUDGET] = {"time_budget", OPT_REAL, 600, 1, 1e7, NULL, NULL,
                  "seconds the trials and the final fit should take (planned from the data size)", 0},
    [A_VALIDATION] = {"validation", OPT_REAL, 0.1, 0.01, 0.5, NULL, NULL,
                      "fraction of each user's items held out to score the trials", 0},
    [A_K] = {"k", OPT_INT, 20, 1, 100000, NULL, NULL, "cut-off of the validation metric and of \"recommend\"",
             0},
    [A_METRIC] = {"metric", OPT_TEXT, 0, 0, 0, "recall", metric_names,
                  "validation metric: recall@k or ndcg@k", 0},
    [A_FAMILIES] = {"families", OPT_TEXT, 0, 0, 0, NULL, NULL,
                    "families to try, comma-separated (default all: swing,itemcf,ease,bpr,ccl,softmax)", 0},
    [A_SEED] = {"seed", OPT_INT, 0, -OPT_UNBOUNDED, OPT_UNBOUNDED, NULL, NULL,
                "seed of the split and of every trial", 0},
    [A_THREADS] = {"threads", OPT_INT, 0, 1, 1024, NULL, NULL, "threads of every trial (default: cores)", 0},
    [A_VERBOSE] = {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL, "one line per trial on stderr", 0},
};

const opt_spec *auto_train_specs(int *n) {
  *n = A_COUNT;
  return auto_options;
}

/* One call's state. */
typedef struct auto_run auto_run;
struct auto_run {
  sqlite3 *db;
  const char *source, *model;
  opt_value opt[A_COUNT];
  int threads, k;
  int64_t seed;
  char *fit, *valid;      /* temp table names */
  char *fit_src;          /* "SELECT user, item FROM <fit>" */
  uint64_t n_fit, n_held; /* pairs of the split */
  char *err;
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Binds the id at index i of m to parameter p of stmt. */
static int bind_id(sqlite3_stmt *stmt, int p, const idmap *m, uint32_t i) {
  if (idmap_kind(m, i) == IDMAP_INT) return sqlite3_bind_int64(stmt, p, idmap_int(m, i));
  size_t n;
  const char *s = idmap_text(m, i, &n);
  return sqlite3_bind_text64(stmt, p, s, n, SQLITE_STATIC, SQLITE_UTF8);
}

/* Runs sql (one statement) to its end; the message of a failure goes to
** r->err, prefixed with what. Returns the SQLite code. When out is not
** NULL it gets the first column of the first row as text (sqlite3_malloc'd). */
static int run_sql(auto_run *r, const char *what, const char *sql, char **out) {
  sqlite3_stmt *s = NULL;
  int rc = sql ? sqlite3_prepare_v2(r->db, sql, -1, &s, NULL) : SQLITE_NOMEM;
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    if (out && !*out) {
      const unsigned char *t = sqlite3_column_text(s, 0);
      *out = sqlite3_mprintf("%s", t ? (const char *)t : "");
      if (!*out) rc = SQLITE_NOMEM;
    }
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT && !r->err)
    r->err = sqlite3_mprintf("auto_train: %s: %s", what, sqlite3_errmsg(r->db));
  sqlite3_finalize(s);
  return rc;
}

/* Writes the split into the temp tables: held[k] says where pair k goes. */
static int write_split(auto_run *r, const csr *g, const uint8_t *held, const idmap *users,
                       const idmap *items) {
  char *sql = sqlite3_mprintf(
      "CREATE TABLE \"%w\"(user, item); CREATE TABLE \"%w\"(user, item, PRIMARY KEY (user, item)) WITHOUT "
      "ROWID;",
      r->fit, r->valid);
  int rc = sql ? sqlite3_exec(r->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  sqlite3_stmt *ins[2] = {NULL, NULL};
  for (int t = 0; t < 2 && rc == SQLITE_OK; t++) {
    sql = sqlite3_mprintf("INSERT INTO \"%w\" VALUES (?1, ?2)", t ? r->valid : r->fit);
    rc = sql ? sqlite3_prepare_v2(r->db, sql, -1, &ins[t], NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
  }
  for (uint32_t u = 0; u < g->n_rows && rc == SQLITE_OK; u++) {
    for (size_t e = g->ptr[u]; e < g->ptr[u + 1] && rc == SQLITE_OK; e++) {
      sqlite3_stmt *s = ins[held[e] ? 1 : 0];
      bind_id(s, 1, users, u);
      bind_id(s, 2, items, g->idx[e]);
      rc = sqlite3_step(s);
      rc = rc == SQLITE_DONE ? sqlite3_reset(s) : rc;
    }
  }
  sqlite3_finalize(ins[0]);
  sqlite3_finalize(ins[1]);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT && !r->err)
    r->err = sqlite3_mprintf("auto_train: writing the validation split: %s", sqlite3_errmsg(r->db));
  return rc;
}

/* Reads source, splits it, writes the split; fills d with the data's size. */
static int prepare_split(auto_run *r, auto_data *d) {
  idmap *users = idmap_new(), *items = idmap_new();
  pairs p = {0};
  csr g = {0};
  uint8_t *held = NULL;
  int rc = users && items ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) rc = source_read_pairs(r->db, "auto_train", r->source, users, items, &p, &r->err);
  if (rc == SQLITE_OK && p.n == 0) {
    r->err = sqlite3_mprintf("auto_train: source \"%s\" has no (user, item) rows to train on", r->source);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK && csr_build(&g, idmap_size(users), idmap_size(items), p.u, p.i, p.n))
    rc = SQLITE_NOMEM;
  pairs_free(&p);
  uint64_t n_held = 0;
  if (rc == SQLITE_OK) {
    held = sqlite3_malloc64(g.nnz ? g.nnz : 1);
    rc = held ? status_to_sqlite(
                    holdout_split(&g, r->opt[A_VALIDATION].num, 1, (uint64_t)r->seed, held, &n_held))
              : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && n_held == 0) {
    r->err = sqlite3_mprintf(
        "auto_train: source \"%s\": no user has two or more items, so nothing can be held out to choose "
        "a model with",
        r->source);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) rc = write_split(r, &g, held, users, items);
  if (rc == SQLITE_OK) {
    d->users = g.n_rows;
    d->items = g.n_cols;
    d->interactions = g.nnz;
    r->n_fit = g.nnz - n_held;
    r->n_held = n_held;
    d->sum_sq_degree = 0;
    for (uint32_t u = 0; u < g.n_rows; u++) d->sum_sq_degree += (double)csr_degree(&g, u) * csr_degree(&g, u);
  }
  sqlite3_free(held);
  csr_free(&g);
  idmap_free(users);
  idmap_free(items);
  return rc;
}

/* The options text of a trial (or of the final fit when final). */
static char *trial_options(const auto_run *r, const auto_trial *t, int final) {
  if (auto_family_is_factor(t->family)) {
    if (final || t->epochs == auto_default_epochs(t->family))
      return sqlite3_mprintf("{\"loss\":\"%s\",\"seed\":%lld,\"threads\":%d}", auto_family_name(t->family),
                             (long long)r->seed, r->threads);
    return sqlite3_mprintf("{\"loss\":\"%s\",\"epochs\":%u,\"seed\":%lld,\"threads\":%d}",
                           auto_family_name(t->family), t->epochs, (long long)r->seed, r->threads);
  }
  if (t->family == AUTO_EASE && t->lambda > 0)
    return sqlite3_mprintf("{\"lambda\":%g,\"threads\":%d}", t->lambda, r->threads);
  return sqlite3_mprintf("{\"threads\":%d}", r->threads);
}

/* Fits trial t on src into model name m (tables m_users/m_items or m_sim). */
static int fit_model(auto_run *r, const auto_trial *t, const char *src, const char *m, const char *opts) {
  const char *what = auto_family_name(t->family);
  char *sql;
  if (auto_family_is_factor(t->family))
    sql = sqlite3_mprintf("SELECT bpr_train(%Q, %Q, %Q)", src, m, opts);
  else if (t->family == AUTO_EASE)
    sql = sqlite3_mprintf("SELECT ease_train(%Q, %Q, %Q)", src, m, opts);
  else
    sql = sqlite3_mprintf(
        "DROP TABLE IF EXISTS \"%w_sim\"; CREATE TABLE \"%w_sim\"(item_a, item_b, weight);"
        "INSERT INTO \"%w_sim\" SELECT item_a, item_b, score FROM %s WHERE source = %Q AND threads = %d",
        m, m, m, t->family == AUTO_SWING ? "swing_sim" : "itemcf_sim", src, r->threads);
  if (!sql) return SQLITE_NOMEM;
  int rc;
  if (auto_family_is_factor(t->family) || t->family == AUTO_EASE) {
    rc = run_sql(r, what, sql, NULL);
  } else {
    rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT && !r->err)
      r->err = sqlite3_mprintf("auto_train: %s: %s", what, sqlite3_errmsg(r->db));
  }
  sqlite3_free(sql);
  return rc;
}

/* The SQL of model m's top-k lists over history src. */
static char *recommend_sql(auto_family f, const char *m, const char *src, int k) {
  if (auto_family_is_factor(f))
    return sqlite3_mprintf("SELECT * FROM recommend('%q_users', '%q_items', %d, %Q)", m, m, k, src);
  return sqlite3_mprintf("SELECT * FROM i2i_recommend(%Q, '%q_sim', %d)", src, m, k);
}

/* The validation score of model m (fitted on the fitting part). */
static int score_model(auto_run *r, auto_family f, const char *m, double *score, double *se) {
  char *rec = recommend_sql(f, m, r->fit_src, r->k), *out = NULL;
  const char *agg = strcmp(r->opt[A_METRIC].text, "ndcg") == 0 ? "ndcg_at_k" : "recall_at_k";
  char *sql = rec ? sqlite3_mprintf(
                        "SELECT avg(m) || ' ' || (sqrt(max(avg(m * m) - avg(m) * avg(m), 0) / count(m))) "
                        "FROM (SELECT coalesce(r.user, v.user) AS u, %s(r.score, v.item IS NOT "
                        "NULL, %d) AS m FROM (%s) r FULL JOIN \"%w\" v ON r.user = v.user AND r.item = "
                        "v.item GROUP BY u)",
                        agg, r->k, rec, r->valid)
                  : NULL;
  int rc = run_sql(r, "scoring", sql, &out);
  *score = 0;
  *se = 0;
  if (rc == SQLITE_OK && out && *out) {
    char *end;
    *score = strtod(out, &end);
    *se = strtod(end, NULL);
  }
  sqlite3_free(out);
  sqlite3_free(sql);
  sqlite3_free(rec);
  return rc;
}

/* Drops the tables model m may have. */
static int drop_model(auto_run *r, const char *m, int keep_factor, int keep_sim) {
  if (keep_factor && keep_sim) return SQLITE_OK;
  sqlite3_str *q = sqlite3_str_new(r->db);
  if (!keep_factor)
    sqlite3_str_appendf(q, "DROP TABLE IF EXISTS \"%w_users\"; DROP TABLE IF EXISTS \"%w_items\";", m, m);
  if (!keep_sim) sqlite3_str_appendf(q, "DROP TABLE IF EXISTS \"%w_sim\";", m);
  char *sql = sqlite3_str_finish(q);
  int rc = sql ? sqlite3_exec(r->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  return rc;
}

/* One trial: fit on the fitting part, score, drop; appends its row to tried. */
static int run_trial(auto_run *r, const auto_trial *t, int index, double *score, double *se,
                     sqlite3_str *tried) {
  char *m = sqlite3_mprintf("%s__auto%d", r->model, index), *opts = trial_options(r, t, 0);
  if (!m || !opts) {
    sqlite3_free(m);
    sqlite3_free(opts);
    return SQLITE_NOMEM;
  }
  double t0 = now_seconds();
  int rc = fit_model(r, t, r->fit_src, m, opts);
  if (rc == SQLITE_OK) rc = score_model(r, t->family, m, score, se);
  double secs = now_seconds() - t0;
  if (rc == SQLITE_OK) rc = drop_model(r, m, 0, 0);
  if (rc == SQLITE_OK) {
    sqlite3_str_appendf(
        tried, "%s{\"family\":\"%s\",\"settings\":%s,\"validation\":%.6f,\"se\":%.6f,\"seconds\":%.3f}",
        index ? "," : "", auto_family_name(t->family), opts, *score, *se, secs);
    if (r->opt[A_VERBOSE].num)
      fprintf(stderr, "auto_train: %-8s %-60s %s@%d %.4f  %.1fs\n", auto_family_name(t->family), opts,
              r->opt[A_METRIC].text, r->k, *score, secs);
  }
  sqlite3_free(m);
  sqlite3_free(opts);
  return rc;
}

/* The families asked for (bit per family), or -1 with r->err set. */
static int parse_families(auto_run *r) {
  const char *s = r->opt[A_FAMILIES].text;
  if (!s) return (1 << AUTO_N_FAMILIES) - 1;
  int mask = 0;
  while (*s) {
    while (*s == ' ' || *s == ',') s++;
    size_t n = strcspn(s, ", ");
    if (!n) break;
    int f = auto_family_parse(s, n);
    if (f < 0) {
      r->err = sqlite3_mprintf(
          "auto_train: option \"families\": unknown family '%.*s' (valid: swing, itemcf, ease, bpr, ccl, "
          "softmax, separated by commas)",
          (int)n, s);
      return -1;
    }
    mask |= 1 << f;
    s += n;
  }
  if (!mask) {
    r->err = sqlite3_mprintf(
        "auto_train: option \"families\" names no family (valid: swing, itemcf, ease, "
        "bpr, ccl, softmax)");
    return -1;
  }
  return mask;
}

/* Plans and runs the trials; the winner into *best, the JSON rows into tried. */
static int run_trials(auto_run *r, const auto_data *d, int families, auto_trial *best, double *best_score,
                      sqlite3_str *tried) {
  auto_trial plan[16];
  size_t n = auto_plan(d, r->opt[A_BUDGET].num, (unsigned)families, plan, 16);
  if (n > 16) n = 16;
  if (n == 0) {
    r->err = sqlite3_mprintf(
        "auto_train: no family fits a time budget of %g s on %llu interactions and %llu items: raise "
        "\"time_budget\"",
        r->opt[A_BUDGET].num, (unsigned long long)d->interactions, (unsigned long long)d->items);
    return SQLITE_ERROR;
  }
  double score[16], se[16];
  for (size_t k = 0; k < n; k++) {
    int rc = run_trial(r, &plan[k], (int)k, &score[k], &se[k], tried);
    if (rc != SQLITE_OK) return rc;
  }
  size_t w = auto_best(plan, score, se, n);
  if (w == n) w = 0;
  *best = plan[w];
  *best_score = score[w];
  return SQLITE_OK;
}

/* Refits the winner on the whole source under the model's own name. */
static int final_fit(auto_run *r, const auto_trial *best) {
  char *opts = trial_options(r, best, 1);
  if (!opts) return SQLITE_NOMEM;
  int factor = auto_family_is_factor(best->family);
  int rc = fit_model(r, best, r->source, r->model, opts);
  if (rc == SQLITE_OK) rc = drop_model(r, r->model, factor, !factor);
  sqlite3_free(opts);
  return rc;
}

/* The summary JSON. */
static char *summary(auto_run *r, const auto_trial *best, double score, const char *tried, double secs) {
  char *opts = trial_options(r, best, 1), *rec = recommend_sql(best->family, r->model, r->source, r->k);
  char *jrec = rec ? json_quote_text(rec) : NULL;
  int factor = auto_family_is_factor(best->family);
  char *t1 = sqlite3_mprintf("%s_%s", r->model, factor ? "users" : "sim");
  char *t2 = sqlite3_mprintf("%s_items", r->model);
  char *j1 = t1 ? json_quote_text(t1) : NULL, *j2 = t2 ? json_quote_text(t2) : NULL;
  char *tables = j1 && j2 ? sqlite3_mprintf("%s%s%s", j1, factor ? "," : "", factor ? j2 : "") : NULL;
  sqlite3_free(t1);
  sqlite3_free(t2);
  sqlite3_free(j1);
  sqlite3_free(j2);
  char *s = opts && jrec && tables
                ? sqlite3_mprintf(
                      "{\"family\":\"%s\",\"settings\":%s,\"metric\":\"%s@%d\",\"validation\":%.6f,"
                      "\"validation_fraction\":%g,\"split\":{\"fit\":%llu,\"held_out\":%llu},\"tried\":[%s],"
                      "\"seconds\":%.3f,\"tables\":[%s],"
                      "\"recommend\":%s}",
                      auto_family_name(best->family), opts, r->opt[A_METRIC].text, r->k, score,
                      r->opt[A_VALIDATION].num, (unsigned long long)r->n_fit, (unsigned long long)r->n_held,
                      tried, secs, tables, jrec)
                : NULL;
  sqlite3_free(opts);
  sqlite3_free(rec);
  sqlite3_free(jrec);
  sqlite3_free(tables);
  return s;
}

/* Checks the arguments and parses the options into r. */
static int read_args(auto_run *r, sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    r->err = sqlite3_mprintf("auto_train: source must be a table name, view name or SELECT text, got %s",
                             value_type_name(sqlite3_value_type(argv[0])));
    return SQLITE_ERROR;
  }
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || sqlite3_value_bytes(argv[1]) == 0) {
    r->err = sqlite3_mprintf(
        "auto_train: model must be a non-empty name (tables <model>_users and <model>_items, or "
        "<model>_sim, are written), got %s",
        sqlite3_value_type(argv[1]) == SQLITE_TEXT ? "''" : value_type_name(sqlite3_value_type(argv[1])));
    return SQLITE_ERROR;
  }
  int ot = argc > 2 ? sqlite3_value_type(argv[2]) : SQLITE_NULL;
  if (ot != SQLITE_NULL && ot != SQLITE_TEXT) {
    r->err = sqlite3_mprintf(
        "auto_train: options must be a JSON object text such as '{\"time_budget\": 120}', got %s",
        value_type_name(ot));
    return SQLITE_ERROR;
  }
  (void)ctx;
  r->source = (const char *)sqlite3_value_text(argv[0]);
  r->model = (const char *)sqlite3_value_text(argv[1]);
  int rc =
      options_parse(r->db, "auto_train", ot == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[2]) : NULL,
                    auto_options, A_COUNT, r->opt, &r->err);
  if (rc) return rc;
  r->threads = r->opt[A_THREADS].set ? (int)r->opt[A_THREADS].num : parallel_cores();
  r->k = (int)r->opt[A_K].num;
  r->seed = r->opt[A_SEED].i64;
  r->fit = sqlite3_mprintf("%s__auto_fit", r->model);
  r->valid = sqlite3_mprintf("%s__auto_valid", r->model);
  r->fit_src = r->fit ? sqlite3_mprintf("SELECT user, item FROM \"%w\"", r->fit) : NULL;
  return r->fit && r->valid && r->fit_src ? SQLITE_OK : SQLITE_NOMEM;
}

/* Everything between the savepoint's start and end; the summary into *out. */
static int choose(auto_run *r, char **out) {
  double t0 = now_seconds();
  int families = parse_families(r);
  if (families < 0) return SQLITE_ERROR;
  auto_data d;
  memset(&d, 0, sizeof d);
  d.threads = r->threads;
  d.memory_bytes = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
  int rc = prepare_split(r, &d);
  sqlite3_str *tried = sqlite3_str_new(r->db);
  auto_trial best;
  double score = 0;
  if (rc == SQLITE_OK) rc = run_trials(r, &d, families, &best, &score, tried);
  if (rc == SQLITE_OK) rc = final_fit(r, &best);
  char *drop = sqlite3_mprintf("DROP TABLE \"%w\"; DROP TABLE \"%w\";", r->fit, r->valid);
  if (rc == SQLITE_OK) rc = drop ? sqlite3_exec(r->db, drop, NULL, NULL, NULL) : SQLITE_NOMEM;
  sqlite3_free(drop);
  char *rows = sqlite3_str_finish(tried);
  if (rc == SQLITE_OK && !rows) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && !(*out = summary(r, &best, score, rows, now_seconds() - t0))) rc = SQLITE_NOMEM;
  sqlite3_free(rows);
  return rc;
}

static void fn_auto_train(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  auto_run r;
  memset(&r, 0, sizeof r);
  r.db = sqlite3_context_db_handle(ctx);
  char *out = NULL;
  int rc = read_args(&r, ctx, argc, argv);
  if (rc == SQLITE_OK) rc = model_check_writable(r.db, "auto_train", &r.err);
  if (rc == SQLITE_OK) {
    /* model_write's savepoint ends even after an interrupt (model_write.c) */
    model_write w;
    rc = model_write_begin(r.db, &w);
    if (rc == SQLITE_OK) {
      rc = choose(&r, &out);
      int end = model_write_end(r.db, &w, rc == SQLITE_OK);
      if (rc == SQLITE_OK && end != SQLITE_OK) {
        rc = end;
        r.err = sqlite3_mprintf("auto_train: cannot commit the model tables: %s", sqlite3_errmsg(r.db));
      }
    }
  }
  if (rc == SQLITE_OK)
    sqlite3_result_text(ctx, out, -1, sqlite3_free);
  else if (rc == SQLITE_INTERRUPT && !r.err)
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  else
    result_error_free(ctx, rc, r.err);
  if (rc != SQLITE_OK) sqlite3_free(out);
  options_free(r.opt, A_COUNT);
  sqlite3_free(r.fit);
  sqlite3_free(r.valid);
  sqlite3_free(r.fit_src);
}

int recsql_register_auto_train(sqlite3 *db) {
  int rc = sqlite3_create_function_v2(db, "auto_train", 3, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                      fn_auto_train, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "auto_train", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_auto_train,
                                    NULL, NULL, NULL);
  return rc;
}
