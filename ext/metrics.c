/*
** metrics: evaluation aggregates.
**
**   auc(score, label)               ROC AUC of the group (Mann-Whitney, ties 1/2)
**   gauc(grp, score, label)         AUC per grp, averaged with weights = rows of grp
**   recall_at_k(score, label, k)    hits in top k / positives
**   precision_at_k(score, label, k) hits in top k / k
**   hit_rate_at_k(score, label, k)  1.0 when a positive is in the top k
**   ndcg_at_k(score, label, k)      DCG@k / ideal DCG over min(k, positives)
**   mrr(score, label)               1 / rank of the best-ranked positive
**   average_precision(score, label) sum over thresholds of (R_n - R_n-1) P_n
**   cost_recall_at_k(score, label, cost, k)  positives' cost in top k / their total
**
** label: a number, nonzero = positive. Rows with a NULL label are skipped; so
** are rows with a NULL score, except that in the ranking metrics a positive
** without a score counts as relevant but not retrieved. Groups without a
** positive (AUC: without both classes) give NULL. Ranking ties are broken
** against the positives (src/metrics.c).
*/
#include <math.h>
#include <string.h>

#include "../src/curves.h"
#include "../src/metrics.h"
#include "../src/radix.h"
#include "common.h"

/* A growable array of uint64 keys in SQLite's allocator. */
typedef struct keys keys;
struct keys {
  uint64_t *v;
  size_t n, cap;
};

static int keys_push(keys *k, uint64_t x) {
  if (k->n == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 256;
    if (array_grow(&k->v, cap, sizeof *k->v)) return SQLITE_NOMEM;
    k->cap = cap;
  }
  k->v[k->n++] = x;
  return SQLITE_OK;
}

/* Reads the score and label of a row. Returns 1 to use the row, 0 to skip it
** (NULL label, or NULL score when allow_null_score is 0), -1 after setting an
** error. *has_score is 0 for a NULL score. */
static int read_row(sqlite3_context *ctx, const char *obj, sqlite3_value *score, sqlite3_value *label,
                    double *s, int *has_score, int *positive) {
  int lt = sqlite3_value_type(label);
  if (lt == SQLITE_NULL) return 0;
  if (lt != SQLITE_INTEGER && lt != SQLITE_FLOAT) {
    char *m = sqlite3_mprintf("%s: label must be a number (0 = negative, nonzero = positive), got %s", obj,
                              value_type_name(lt));
    result_error_free(ctx, SQLITE_ERROR, m);
    return -1;
  }
  *positive = lt == SQLITE_INTEGER ? sqlite3_value_int64(label) != 0 : sqlite3_value_double(label) != 0.0;
  int st = sqlite3_value_type(score);
  if (st == SQLITE_NULL) {
    *has_score = 0;
    return 1;
  }
  if (st != SQLITE_INTEGER && st != SQLITE_FLOAT) {
    char *m = sqlite3_mprintf("%s: score must be a number, got %s", obj, value_type_name(st));
    result_error_free(ctx, SQLITE_ERROR, m);
    return -1;
  }
  *has_score = 1;
  *s = sqlite3_value_double(score);
  return 1;
}

/* ---- auc ---------------------------------------------------------------- */

typedef struct auc_ctx auc_ctx;
struct auc_ctx {
  keys pos, neg;
};

static void auc_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  double s;
  int has_score, positive;
  int use = read_row(ctx, "auc", argv[0], argv[1], &s, &has_score, &positive);
  if (use <= 0 || !has_score) return;
  auc_ctx *a = sqlite3_aggregate_context(ctx, sizeof *a);
  if (!a || keys_push(positive ? &a->pos : &a->neg, radix_key_from_double(s)))
    sqlite3_result_error_nomem(ctx);
}

static void auc_final(sqlite3_context *ctx) {
  auc_ctx *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  if (a->pos.n && a->neg.n) {
    size_t m = a->pos.n > a->neg.n ? a->pos.n : a->neg.n;
    uint64_t *tmp = sqlite3_malloc64(m * sizeof *tmp);
    if (!tmp) {
      sqlite3_result_error_nomem(ctx);
    } else {
      sqlite3_result_double(ctx, metrics_auc(a->pos.v, a->pos.n, a->neg.v, a->neg.n, tmp));
      sqlite3_free(tmp);
    }
  }
  sqlite3_free(a->pos.v);
  sqlite3_free(a->neg.v);
  memset(a, 0, sizeof *a);
}

/* ---- gauc --------------------------------------------------------------- */

typedef struct gauc_ctx gauc_ctx;
struct gauc_ctx {
  idmap *groups;
  uint32_t *grp;
  uint64_t *key;
  unsigned char *lab;
  size_t n, cap;
};

static void gauc_free(gauc_ctx *g) {
  idmap_free(g->groups);
  sqlite3_free(g->grp);
  sqlite3_free(g->key);
  sqlite3_free(g->lab);
  memset(g, 0, sizeof *g);
}

static void gauc_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  double s;
  int has_score, positive;
  int gt = sqlite3_value_type(argv[0]);
  if (gt == SQLITE_NULL) return;
  if (gt != SQLITE_INTEGER && gt != SQLITE_TEXT) {
    char *m = sqlite3_mprintf("gauc: group must be INTEGER or TEXT, got %s", value_type_name(gt));
    result_error_free(ctx, SQLITE_ERROR, m);
    return;
  }
  int use = read_row(ctx, "gauc", argv[1], argv[2], &s, &has_score, &positive);
  if (use <= 0 || !has_score) return;
  gauc_ctx *g = sqlite3_aggregate_context(ctx, sizeof *g);
  if (!g) goto oom;
  if (!g->groups && !(g->groups = idmap_new())) goto oom;
  int64_t gi;
  if (gt == SQLITE_INTEGER) {
    gi = idmap_add_int(g->groups, sqlite3_value_int64(argv[0]));
  } else {
    const char *t = (const char *)sqlite3_value_text(argv[0]);
    gi = t ? idmap_add_text(g->groups, t, (size_t)sqlite3_value_bytes(argv[0])) : -1;
  }
  if (gi == -(int64_t)RS_TOOBIG) {
    result_error_free(ctx, SQLITE_TOOBIG, status_message("gauc", RS_TOOBIG, "groups", IDMAP_MAX_IDS, NULL));
    return;
  }
  if (gi < 0) goto oom;
  if (g->n == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 256;
    if (array_grow(&g->grp, cap, sizeof *g->grp) || array_grow(&g->key, cap, sizeof *g->key) ||
        array_grow(&g->lab, cap, sizeof *g->lab))
      goto oom;
    g->cap = cap;
  }
  g->grp[g->n] = (uint32_t)gi;
  g->key[g->n] = radix_key_from_double(s);
  g->lab[g->n] = (unsigned char)positive;
  g->n++;
  return;
oom:
  sqlite3_result_error_nomem(ctx);
}

/* Buckets rows by group (positives, then negatives, per group) and averages
** the groups' AUCs weighted by their row counts. */
static void gauc_final(sqlite3_context *ctx) {
  gauc_ctx *g = sqlite3_aggregate_context(ctx, 0);
  if (!g || !g->groups) return;
  size_t ng = idmap_size(g->groups);
  size_t *npos = sqlite3_malloc64((ng + 1) * sizeof *npos);
  size_t *start = sqlite3_malloc64((ng + 1) * sizeof *start);
  size_t *cur = sqlite3_malloc64((ng + 1) * sizeof *cur);
  uint64_t *sorted = sqlite3_malloc64((g->n + 1) * sizeof *sorted);
  uint64_t *tmp = sqlite3_malloc64((g->n + 1) * sizeof *tmp);
  if (!npos || !start || !cur || !sorted || !tmp) {
    sqlite3_result_error_nomem(ctx);
    goto done;
  }
  memset(npos, 0, (ng + 1) * sizeof *npos);
  memset(start, 0, (ng + 1) * sizeof *start);
  for (size_t r = 0; r < g->n; r++) {
    start[g->grp[r] + 1]++;
    npos[g->grp[r]] += g->lab[r];
  }
  for (size_t k = 0; k < ng; k++) start[k + 1] += start[k];
  /* positives from start[k], negatives from start[k] + npos[k] */
  for (size_t k = 0; k < ng; k++) cur[k] = start[k];
  for (size_t r = 0; r < g->n; r++)
    if (g->lab[r]) sorted[cur[g->grp[r]]++] = g->key[r];
  for (size_t r = 0; r < g->n; r++)
    if (!g->lab[r]) sorted[cur[g->grp[r]]++] = g->key[r];
  double wsum = 0.0, acc = 0.0;
  for (size_t k = 0; k < ng; k++) {
    size_t n = start[k + 1] - start[k], p = npos[k];
    if (p == 0 || p == n) continue;
    double a = metrics_auc(sorted + start[k], p, sorted + start[k] + p, n - p, tmp);
    acc += (double)n * a;
    wsum += (double)n;
  }
  if (wsum > 0.0) sqlite3_result_double(ctx, acc / wsum);
done:
  sqlite3_free(npos);
  sqlite3_free(start);
  sqlite3_free(cur);
  sqlite3_free(sorted);
  sqlite3_free(tmp);
  gauc_free(g);
}

/* ---- ranking metrics ---------------------------------------------------- */

enum { M_RECALL, M_PRECISION, M_HIT_RATE, M_NDCG, M_MRR };

static const char *const rank_names[] = {"recall_at_k", "precision_at_k", "hit_rate_at_k", "ndcg_at_k",
                                         "mrr"};

typedef struct rank_ctx rank_ctx;
struct rank_ctx {
  metrics_row *rows;
  size_t n, cap;
  size_t unscored_pos;
  sqlite3_int64 k; /* 0 until the first row */
};

static const opt_spec k_spec[] = {
    {"k", OPT_INT, 0, 1, OPT_UNBOUNDED, NULL, NULL, "cut-off: the top k rows of the group by score",
     OPT_REQUIRED},
};

const opt_spec *metrics_specs(int *n) {
  *n = 1;
  return k_spec;
}

/* Reads k: a positive integer (INTEGER, or REAL with an integral value).
** Returns 0 after setting the error. */
static sqlite3_int64 read_k(sqlite3_context *ctx, const char *obj, sqlite3_value *v) {
  opt_value k;
  char *err = NULL;
  int rc = option_from_value(obj, k_spec, v, &k, &err);
  if (rc == SQLITE_OK) return k.i64;
  result_error_free(ctx, rc, err);
  return 0;
}

static void rank_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int which = (int)(intptr_t)sqlite3_user_data(ctx);
  const char *obj = rank_names[which];
  sqlite3_int64 k = 1;
  if (argc == 3) {
    k = read_k(ctx, obj, argv[2]);
    if (k == 0) return;
  }
  rank_ctx *r = sqlite3_aggregate_context(ctx, sizeof *r);
  if (!r) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (r->k && r->k != k) {
    char *m =
        sqlite3_mprintf("%s: k must be the same on every row of a group (got %lld, then %lld)", obj, r->k, k);
    result_error_free(ctx, SQLITE_ERROR, m);
    return;
  }
  r->k = k;
  double s;
  int has_score, positive;
  int use = read_row(ctx, obj, argv[0], argv[1], &s, &has_score, &positive);
  if (use <= 0) return;
  if (!has_score) {
    r->unscored_pos += (size_t)positive;
    return;
  }
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    if (array_grow(&r->rows, cap, sizeof *r->rows)) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    r->cap = cap;
  }
  r->rows[r->n].score = s;
  r->rows[r->n].label = positive;
  r->n++;
}

static void rank_final(sqlite3_context *ctx) {
  int which = (int)(intptr_t)sqlite3_user_data(ctx);
  rank_ctx *r = sqlite3_aggregate_context(ctx, 0);
  if (!r) return;
  rank_stats st;
  size_t k = which == M_MRR ? (r->n ? r->n : 1) : (size_t)r->k;
  metrics_rank(r->rows, r->n, r->unscored_pos, k, &st);
  sqlite3_free(r->rows);
  memset(r, 0, sizeof *r);
  if (st.positives == 0) return;
  double v = 0.0;
  switch (which) {
    case M_RECALL: v = (double)st.hits / (double)st.positives; break;
    case M_PRECISION: v = (double)st.hits / (double)st.k; break;
    case M_HIT_RATE: v = st.hits ? 1.0 : 0.0; break;
    case M_NDCG: v = st.dcg / st.idcg; break;
    case M_MRR: v = st.best_rank ? 1.0 / (double)st.best_rank : 0.0; break;
  }
  sqlite3_result_double(ctx, v);
}

/* ---- average_precision -------------------------------------------------- */

typedef struct ap_ctx ap_ctx;
struct ap_ctx {
  keys pos, neg;
  uint64_t unscored_pos;
};

static void ap_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  double s;
  int has_score, positive;
  int use = read_row(ctx, "average_precision", argv[0], argv[1], &s, &has_score, &positive);
  if (use <= 0) return;
  ap_ctx *a = sqlite3_aggregate_context(ctx, sizeof *a);
  if (!a) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!has_score)
    a->unscored_pos += (uint64_t)positive;
  else if (keys_push(positive ? &a->pos : &a->neg, radix_key_from_double(s)))
    sqlite3_result_error_nomem(ctx);
}

static void ap_final(sqlite3_context *ctx) {
  ap_ctx *a = sqlite3_aggregate_context(ctx, 0);
  if (!a) return;
  if (a->pos.n || a->unscored_pos) {
    size_t m = a->pos.n > a->neg.n ? a->pos.n : a->neg.n;
    uint64_t *tmp = sqlite3_malloc64((m + 1) * sizeof *tmp);
    if (!tmp) {
      sqlite3_result_error_nomem(ctx);
    } else {
      curves_sort(a->pos.v, a->pos.n, a->neg.v, a->neg.n, tmp);
      sqlite3_result_double(
          ctx, curves_average_precision(a->pos.v, a->pos.n, a->neg.v, a->neg.n, a->unscored_pos));
      sqlite3_free(tmp);
    }
  }
  sqlite3_free(a->pos.v);
  sqlite3_free(a->neg.v);
  memset(a, 0, sizeof *a);
}

/* ---- cost_recall_at_k --------------------------------------------------- */

typedef struct cost_ctx cost_ctx;
struct cost_ctx {
  metrics_cost_row *rows;
  size_t n, cap;
  double unscored_cost;
  sqlite3_int64 k; /* 0 until the first row */
};

/* Reads a cost: a finite number >= 0, NULL = 0. Returns 0, or -1 after
** setting an error. */
static int read_cost(sqlite3_context *ctx, sqlite3_value *v, double *cost) {
  int t = sqlite3_value_type(v);
  *cost = 0.0;
  if (t == SQLITE_NULL) return 0;
  char *m = NULL;
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
    m = sqlite3_mprintf("cost_recall_at_k: cost must be a number, got %s", value_type_name(t));
  } else {
    *cost = sqlite3_value_double(v);
    if (*cost >= 0.0 && isfinite(*cost)) return 0;
    m = sqlite3_mprintf("cost_recall_at_k: cost must be a finite number >= 0, got %g", *cost);
  }
  result_error_free(ctx, SQLITE_ERROR, m);
  return -1;
}

static void cost_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *obj = "cost_recall_at_k";
  sqlite3_int64 k = read_k(ctx, obj, argv[3]);
  if (k == 0) return;
  cost_ctx *c = sqlite3_aggregate_context(ctx, sizeof *c);
  if (!c) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (c->k && c->k != k) {
    char *m =
        sqlite3_mprintf("%s: k must be the same on every row of a group (got %lld, then %lld)", obj, c->k, k);
    result_error_free(ctx, SQLITE_ERROR, m);
    return;
  }
  c->k = k;
  double s, cost;
  int has_score, positive;
  int use = read_row(ctx, obj, argv[0], argv[1], &s, &has_score, &positive);
  if (use < 0 || read_cost(ctx, argv[2], &cost) || use == 0) return;
  if (!has_score) {
    if (positive) c->unscored_cost += cost;
    return;
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 64;
    metrics_cost_row *rows = sqlite3_realloc64(c->rows, cap * sizeof *rows);
    if (!rows) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    c->rows = rows;
    c->cap = cap;
  }
  c->rows[c->n].score = s;
  c->rows[c->n].cost = cost;
  c->rows[c->n].label = positive;
  c->n++;
}

static void cost_final(sqlite3_context *ctx) {
  cost_ctx *c = sqlite3_aggregate_context(ctx, 0);
  if (!c) return;
  double v = metrics_cost_recall(c->rows, c->n, c->unscored_cost, (size_t)c->k);
  sqlite3_free(c->rows);
  memset(c, 0, sizeof *c);
  if (!isnan(v)) sqlite3_result_double(ctx, v);
}

int recsql_register_metrics(sqlite3 *db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function_v2(db, "auc", 2, flags, NULL, NULL, auc_step, auc_final, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "gauc", 3, flags, NULL, NULL, gauc_step, gauc_final, NULL);
  for (int m = M_RECALL; rc == SQLITE_OK && m <= M_MRR; m++)
    rc = sqlite3_create_function_v2(db, rank_names[m], m == M_MRR ? 2 : 3, flags, (void *)(intptr_t)m, NULL,
                                    rank_step, rank_final, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "average_precision", 2, flags, NULL, NULL, ap_step, ap_final, NULL);
  if (rc == SQLITE_OK)
    rc =
        sqlite3_create_function_v2(db, "cost_recall_at_k", 4, flags, NULL, NULL, cost_step, cost_final, NULL);
  return rc;
}
