/*
** vecval: embedding values in and out of SQL.
**
** An embedding is a BLOB of little-endian float32 (4*dim bytes, the layout of
** sqlite-vec) or a JSON array text. Every value is validated: the BLOB length,
** the dimension against what the caller expects, and finite entries.
** Messages read "<object>: <what>: expected X, got Y".
*/
#include <stdlib.h>
#include <string.h>

#include "../src/vec.h"
#include "../src/vectext.h"
#include "common.h"

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
