/*
** embed: SQL functions on embeddings.
**
**   embed(x)            BLOB from JSON array text, or the validated BLOB
**   embed_json(e)       JSON array text, shortest round-trip digits
**   embed_dim(e)        number of dimensions
**   embed_dot(a, b)     inner product           (double accumulation)
**   embed_cosine(a, b)  cosine similarity in [-1, 1]; 0 when either vector is zero
**   embed_l2(a, b)      Euclidean distance
**   embed_norm(e)       Euclidean norm
**   embed_normalize(e)  e / |e|; a zero vector is returned unchanged
**   embed_avg(e)        aggregate: mean of the group's embeddings
**
** Arguments are float32 BLOBs or JSON array texts (see vecval.c). NULL in any
** argument gives NULL. All are deterministic and innocuous.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/vec.h"
#include "../src/vectext.h"
#include "common.h"

/* Reads argument i of a scalar; on failure sets the error and returns non-zero. */
static int arg_vec(sqlite3_context *ctx, sqlite3_value **argv, int i, size_t expect, vecarg *out) {
  char *err = NULL;
  const char *obj = sqlite3_user_data(ctx);
  const char *what = i == 0 ? "argument 1" : "argument 2";
  int rc = vecarg_get(argv[i], obj, what, expect, out, &err);
  if (rc) result_error_free(ctx, rc, err);
  return rc;
}

/* Result blob of dim floats; takes ownership of v (sqlite3_malloc'd). */
static void result_vec(sqlite3_context *ctx, float *v, size_t dim) {
  sqlite3_result_blob64(ctx, v, dim * sizeof(float), sqlite3_free);
}

static void fn_embed(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  vecarg a;
  if (arg_vec(ctx, argv, 0, 0, &a)) return;
  if (a.owned) {
    result_vec(ctx, a.owned, a.dim);
  } else {
    sqlite3_result_blob64(ctx, a.v, a.dim * sizeof(float), SQLITE_TRANSIENT);
  }
}

static void fn_embed_json(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  vecarg a;
  if (arg_vec(ctx, argv, 0, 0, &a)) return;
  size_t len;
  char *s = vectext_format(a.v, a.dim, &len);
  vecarg_free(&a);
  if (!s) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text64(ctx, s, len, SQLITE_TRANSIENT, SQLITE_UTF8);
  free(s);
}

static void fn_embed_dim(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  vecarg a;
  if (arg_vec(ctx, argv, 0, 0, &a)) return;
  sqlite3_result_int64(ctx, (sqlite3_int64)a.dim);
  vecarg_free(&a);
}

enum { OP_DOT, OP_COSINE, OP_L2 };

/* embed_dot, embed_cosine, embed_l2: which one is in the function's user data. */
static void fn_pair(sqlite3_context *ctx, int argc, sqlite3_value **argv, int op) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) return;
  vecarg a, b;
  if (arg_vec(ctx, argv, 0, 0, &a)) return;
  if (arg_vec(ctx, argv, 1, a.dim, &b)) {
    vecarg_free(&a);
    return;
  }
  double r;
  if (op == OP_DOT) {
    r = vec_dot_d(a.v, b.v, a.dim);
  } else if (op == OP_L2) {
    r = sqrt(vec_l2sq_d(a.v, b.v, a.dim));
  } else {
    double na = vec_normsq_d(a.v, a.dim), nb = vec_normsq_d(b.v, b.dim);
    r = (na == 0.0 || nb == 0.0) ? 0.0 : vec_dot_d(a.v, b.v, a.dim) / sqrt(na * nb);
    /* rounding can push parallel vectors just past 1 (1.0000000000000002) */
    if (r > 1.0) r = 1.0;
    if (r < -1.0) r = -1.0;
  }
  vecarg_free(&a);
  vecarg_free(&b);
  sqlite3_result_double(ctx, r);
}

static void fn_embed_dot(sqlite3_context *c, int n, sqlite3_value **v) { fn_pair(c, n, v, OP_DOT); }
static void fn_embed_cosine(sqlite3_context *c, int n, sqlite3_value **v) { fn_pair(c, n, v, OP_COSINE); }
static void fn_embed_l2(sqlite3_context *c, int n, sqlite3_value **v) { fn_pair(c, n, v, OP_L2); }

static void fn_embed_norm(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  vecarg a;
  if (arg_vec(ctx, argv, 0, 0, &a)) return;
  sqlite3_result_double(ctx, sqrt(vec_normsq_d(a.v, a.dim)));
  vecarg_free(&a);
}

static void fn_embed_normalize(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  vecarg a;
  if (arg_vec(ctx, argv, 0, 0, &a)) return;
  float *out = sqlite3_malloc64(a.dim * sizeof(float));
  if (!out) {
    vecarg_free(&a);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  double norm = sqrt(vec_normsq_d(a.v, a.dim));
  size_t dim = a.dim;
  for (size_t i = 0; i < dim; i++) out[i] = norm > 0.0 ? (float)(a.v[i] / norm) : a.v[i];
  vecarg_free(&a);
  result_vec(ctx, out, dim);
}

/* embed_avg: running sums in double. */
typedef struct avg_ctx avg_ctx;
struct avg_ctx {
  size_t dim;
  sqlite3_int64 n;
  double *sum;
};

static void avg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  avg_ctx *st = sqlite3_aggregate_context(ctx, sizeof *st);
  if (!st) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  vecarg a;
  char *err = NULL;
  int rc = vecarg_get(argv[0], "embed_avg", "argument 1", st->dim, &a, &err);
  if (rc) {
    result_error_free(ctx, rc, err);
    return;
  }
  if (!st->sum) {
    st->sum = sqlite3_malloc64(a.dim * sizeof(double));
    if (!st->sum) {
      vecarg_free(&a);
      sqlite3_result_error_nomem(ctx);
      return;
    }
    memset(st->sum, 0, a.dim * sizeof(double));
    st->dim = a.dim;
  }
  for (size_t i = 0; i < a.dim; i++) st->sum[i] += a.v[i];
  st->n++;
  vecarg_free(&a);
}

static void avg_final(sqlite3_context *ctx) {
  avg_ctx *st = sqlite3_aggregate_context(ctx, 0);
  if (!st || !st->sum) return;
  float *out = sqlite3_malloc64(st->dim * sizeof(float));
  if (!out) {
    sqlite3_free(st->sum);
    st->sum = NULL;
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for (size_t i = 0; i < st->dim; i++) out[i] = (float)(st->sum[i] / (double)st->n);
  sqlite3_free(st->sum);
  st->sum = NULL;
  result_vec(ctx, out, st->dim);
}

int recsql_register_embed(sqlite3 *db) {
  static const struct {
    const char *name;
    int nargs;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
  } fns[] = {
      {"embed", 1, fn_embed},
      {"embed_json", 1, fn_embed_json},
      {"embed_dim", 1, fn_embed_dim},
      {"embed_dot", 2, fn_embed_dot},
      {"embed_cosine", 2, fn_embed_cosine},
      {"embed_l2", 2, fn_embed_l2},
      {"embed_norm", 1, fn_embed_norm},
      {"embed_normalize", 1, fn_embed_normalize},
  };
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  for (size_t k = 0; k < sizeof fns / sizeof *fns; k++) {
    int rc = sqlite3_create_function_v2(db, fns[k].name, fns[k].nargs, flags, (void *)fns[k].name, fns[k].fn,
                                        NULL, NULL, NULL);
    if (rc) return rc;
  }
  return sqlite3_create_function_v2(db, "embed_avg", 1, flags, (void *)"embed_avg", NULL, avg_step, avg_final,
                                    NULL);
}
