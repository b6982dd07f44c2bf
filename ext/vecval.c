/*
** vecval: see vecval.h. Text goes through src/vectext.c (the JSON grammar,
** locale-independent); a BLOB is used in place when aligned. Reading a
** source of vectors uses source.h (one direction: vecval -> source).
*/
#include "vecval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/vec.h"
#include "../src/vectext.h"
#include "errors.h"
#include "source.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "recsql assumes a little-endian host for float32 BLOBs"
#endif

void vecarg_free(vecarg *a) {
  sqlite3_free(a->owned);
  a->owned = NULL;
  a->v = NULL;
  a->dim = 0;
}

/* Validates and wraps bytes [p, p+n) as floats, copying when unaligned. */
static int from_blob(const void *p, int n, const char *obj, const char *what, vecarg *out, char **err) {
  if (n <= 0) {
    *err = sqlite3_mprintf("%s: %s: expected a float32 vector, got an empty BLOB", obj, what);
    return SQLITE_ERROR;
  }
  if (n % 4) {
    *err = sqlite3_mprintf("%s: %s: expected a BLOB of 4*dim bytes (float32), got %d bytes", obj, what, n);
    return SQLITE_ERROR;
  }
  out->dim = (size_t)n / 4;
  if (((uintptr_t)p & 3) == 0) {
    out->v = p;
  } else {
    out->owned = sqlite3_malloc64((sqlite3_uint64)n);
    if (!out->owned) return SQLITE_NOMEM;
    memcpy(out->owned, p, (size_t)n);
    out->v = out->owned;
  }
  return SQLITE_OK;
}

static int from_text(const char *s, int n, const char *obj, const char *what, vecarg *out, char **err) {
  float *v;
  size_t dim, pos;
  int r = vectext_parse(s, (size_t)n, &v, &dim, &pos);
  switch (r) {
    case VECTEXT_OK: break;
    case VECTEXT_NOMEM: return SQLITE_NOMEM;
    case VECTEXT_EMPTY:
      *err = sqlite3_mprintf("%s: %s: expected a non-empty vector, got '[]'", obj, what);
      return SQLITE_ERROR;
    case VECTEXT_RANGE:
      *err =
          sqlite3_mprintf("%s: %s: expected finite float32 values, got an out-of-range number at index %llu",
                          obj, what, (unsigned long long)pos);
      return SQLITE_ERROR;
    default:
      *err = sqlite3_mprintf(
          "%s: %s: expected a JSON array of numbers such as '[0.5, -1]', got '%.40s' "
          "(error at character %llu)",
          obj, what, s, (unsigned long long)pos + 1);
      return SQLITE_ERROR;
  }
  /* Move into SQLite's allocator so every owned copy is freed the same way. */
  out->owned = sqlite3_malloc64(dim * sizeof(float));
  if (!out->owned) {
    free(v);
    return SQLITE_NOMEM;
  }
  memcpy(out->owned, v, dim * sizeof(float));
  free(v);
  out->v = out->owned;
  out->dim = dim;
  return SQLITE_OK;
}

/* Checks the dimension and the finiteness of a read vector. */
static int finish(const char *obj, const char *what, size_t expect_dim, vecarg *out, char **err) {
  if (expect_dim && out->dim != expect_dim) {
    *err = sqlite3_mprintf("%s: %s: dimension mismatch: expected %llu, got %llu", obj, what,
                           (unsigned long long)expect_dim, (unsigned long long)out->dim);
    vecarg_free(out);
    return SQLITE_ERROR;
  }
  size_t first = 0;
  if (vec_count_nonfinite(out->v, out->dim, &first)) {
    *err = sqlite3_mprintf("%s: %s: expected finite values, got %s at index %llu", obj, what,
                           out->v[first] != out->v[first] ? "NaN" : "an infinity", (unsigned long long)first);
    vecarg_free(out);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

int vecarg_get(sqlite3_value *val, const char *obj, const char *what, size_t expect_dim, vecarg *out,
               char **err) {
  int rc;
  memset(out, 0, sizeof *out);
  *err = NULL;
  switch (sqlite3_value_type(val)) {
    case SQLITE_BLOB:
      rc = from_blob(sqlite3_value_blob(val), sqlite3_value_bytes(val), obj, what, out, err);
      break;
    case SQLITE_TEXT: {
      const char *s = (const char *)sqlite3_value_text(val);
      if (!s) return SQLITE_NOMEM;
      rc = from_text(s, sqlite3_value_bytes(val), obj, what, out, err);
      break;
    }
    default:
      *err = sqlite3_mprintf("%s: %s: expected a float32 BLOB or a JSON array text, got %s", obj, what,
                             value_type_name(sqlite3_value_type(val)));
      return SQLITE_ERROR;
  }
  if (rc) {
    vecarg_free(out);
    return rc;
  }
  return finish(obj, what, expect_dim, out, err);
}

int veccol_get(sqlite3_stmt *stmt, int col, const char *obj, const char *what, size_t expect_dim, vecarg *out,
               char **err) {
  int rc;
  memset(out, 0, sizeof *out);
  *err = NULL;
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_BLOB:
      rc = from_blob(sqlite3_column_blob(stmt, col), sqlite3_column_bytes(stmt, col), obj, what, out, err);
      break;
    case SQLITE_TEXT: {
      const char *s = (const char *)sqlite3_column_text(stmt, col);
      if (!s) return SQLITE_NOMEM;
      rc = from_text(s, sqlite3_column_bytes(stmt, col), obj, what, out, err);
      break;
    }
    default:
      *err = sqlite3_mprintf("%s: %s: expected a float32 BLOB or a JSON array text, got %s", obj, what,
                             value_type_name(sqlite3_column_type(stmt, col)));
      return SQLITE_ERROR;
  }
  if (rc) {
    vecarg_free(out);
    return rc;
  }
  return finish(obj, what, expect_dim, out, err);
}

/* A growing n x dim matrix of embeddings, with biases when asked for. */
typedef struct emb_rows emb_rows;
struct emb_rows {
  float *e, *b;
  size_t n, cap;
  uint32_t dim;
  int has_bias;
};

/* Appends the embedding v (dimension rows->dim) and a bias slot. */
static int emb_rows_push(emb_rows *r, const vecarg *v) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 1024;
    if (array_grow(&r->e, cap * r->dim, sizeof *r->e) ||
        (r->has_bias && array_grow(&r->b, cap, sizeof *r->b)))
      return SQLITE_NOMEM;
    r->cap = cap;
  }
  memcpy(r->e + r->n * r->dim, v->v, r->dim * sizeof *r->e);
  if (r->has_bias) r->b[r->n] = 0;
  r->n++;
  return SQLITE_OK;
}

/* Reads the bias (third column) of the current row into the last slot. */
static int read_bias(sqlite3_stmt *stmt, const char *obj, const char *src, emb_rows *r, char **err) {
  int bt = sqlite3_column_type(stmt, 2);
  if (bt != SQLITE_NULL && bt != SQLITE_INTEGER && bt != SQLITE_FLOAT) {
    *err = sqlite3_mprintf("%s: source \"%s\": bias (third column) must be a number, got %s", obj, src,
                           value_type_name(bt));
    return SQLITE_ERROR;
  }
  double x = sqlite3_column_double(stmt, 2);
  if (!isfinite(x)) {
    *err = sqlite3_mprintf("%s: source \"%s\": bias must be finite", obj, src);
    return SQLITE_ERROR;
  }
  r->b[r->n - 1] = (float)x;
  return SQLITE_OK;
}

/* One (id, emb[, bias]) row of src into ids and r. */
static int read_embedding_row(sqlite3_stmt *stmt, const char *obj, const char *src, idmap *ids, emb_rows *r,
                              char **err) {
  sqlite3_value *vid = sqlite3_column_value(stmt, 0);
  uint32_t before = idmap_size(ids);
  int64_t id = value_id_add(ids, vid);
  if (id == -2) {
    *err = sqlite3_mprintf("%s: source \"%s\": id must be INTEGER or TEXT, got %s", obj, src,
                           value_type_name(sqlite3_value_type(vid)));
    return SQLITE_ERROR;
  }
  if (id == -4) {
    *err = sqlite3_mprintf("%s: source \"%s\": too many vectors (the limit is %u)", obj, src,
                           (unsigned)IDMAP_MAX_IDS);
    return SQLITE_TOOBIG;
  }
  if (id < 0) return SQLITE_NOMEM;
  if (idmap_size(ids) == before) {
    const char *t = (const char *)sqlite3_value_text(vid);
    *err = sqlite3_mprintf("%s: source \"%s\": id %s appears twice", obj, src, t ? t : "?");
    return SQLITE_ERROR;
  }
  vecarg v;
  char what[96];
  snprintf(what, sizeof what, "source \"%.70s\" embedding", src);
  int rc = veccol_get(stmt, 1, obj, what, r->dim, &v, err);
  if (rc) return rc;
  if (r->dim == 0) r->dim = (uint32_t)v.dim;
  rc = emb_rows_push(r, &v);
  vecarg_free(&v);
  if (rc == SQLITE_OK && r->has_bias) rc = read_bias(stmt, obj, src, r, err);
  return rc;
}

int source_read_embeddings(sqlite3 *db, const char *obj, const char *src, int with_bias, idmap *ids,
                           float **emb, uint32_t *dim, float **bias, char **err) {
  sqlite3_stmt *stmt;
  *emb = NULL;
  *dim = 0;
  if (bias) *bias = NULL;
  int rc = source_prepare(db, obj, src, 2, &stmt, err);
  if (rc) return rc;
  emb_rows r = {0};
  r.has_bias = with_bias && bias && sqlite3_column_count(stmt) >= 3;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (sqlite3_column_type(stmt, 0) == SQLITE_NULL || sqlite3_column_type(stmt, 1) == SQLITE_NULL) continue;
    if ((rc = read_embedding_row(stmt, obj, src, ids, &r, err)) != SQLITE_OK) break;
  }
  if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  } else if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT && !*err) {
    *err = sqlite3_mprintf("%s: reading source \"%s\": %s", obj, src, sqlite3_errmsg(db));
  }
  sqlite3_finalize(stmt);
  if (rc) {
    sqlite3_free(r.e);
    sqlite3_free(r.b);
    return rc;
  }
  *emb = r.e;
  *dim = r.dim;
  if (bias) *bias = r.b;
  return SQLITE_OK;
}
