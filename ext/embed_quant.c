/*
** embed_quant: int8 embeddings for users who store them themselves.
**
**   embed_quantize_int8(e [, scale])  int8 BLOB: dim signed codes, then the scale
**   embed_dequantize(q)               float32 BLOB: code * scale
**
** BLOB layout (src/quant.h): the dim codes as signed bytes (sqlite-vec's int8
** vector layout) followed by the scale as a float32 little-endian, dim + 4
** bytes in all; value i is code_i * scale. Without scale, the scale is
** max|e_i| / 127 (codes in [-127, 127]; a zero vector gets scale 0); with a
** scale, codes are round(e_i / scale) clamped to [-127, 127]. knn_index's
** quantize=int8 tables of storage format 2 store their vectors in this
** layout (formats 3 and 4 store affine codes: src/quant.h). NULL in any
** argument gives NULL. Deterministic and innocuous.
*/
#include <math.h>
#include <string.h>

#include "../src/quant.h"
#include "common.h"

static void fn_quantize(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  for (int i = 0; i < argc; i++)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return;
  double scale = -1;
  if (argc == 2) {
    int t = sqlite3_value_numeric_type(argv[1]);
    scale = sqlite3_value_double(argv[1]);
    if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(scale > 0) || !isfinite((float)scale)) {
      char *msg = sqlite3_mprintf(
          "embed_quantize_int8: scale must be a positive finite number (a value maps to round(value / "
          "scale)), "
          "got %s",
          t == SQLITE_BLOB ? "a BLOB" : (const char *)sqlite3_value_text(argv[1]));
      result_error_free(ctx, SQLITE_ERROR, msg);
      return;
    }
  }
  vecarg a;
  char *err = NULL;
  int rc = vecarg_get(argv[0], "embed_quantize_int8", "argument 1", 0, &a, &err);
  if (rc) {
    result_error_free(ctx, rc, err);
    return;
  }
  unsigned char *out = sqlite3_malloc64(a.dim + 4);
  if (!out) {
    vecarg_free(&a);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  float s = scale > 0 ? (float)scale : q8_scale(a.v, a.dim);
  q8_encode(a.v, a.dim, s, (int8_t *)out);
  memcpy(out + a.dim, &s, 4);
  sqlite3_result_blob64(ctx, out, a.dim + 4, sqlite3_free);
  vecarg_free(&a);
}

static void fn_dequantize(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  int t = sqlite3_value_type(argv[0]);
  if (t == SQLITE_NULL) return;
  const unsigned char *b = sqlite3_value_blob(argv[0]);
  int n = sqlite3_value_bytes(argv[0]);
  if (t != SQLITE_BLOB || n < 5) {
    char *msg = sqlite3_mprintf(
        "embed_dequantize: expected an int8 BLOB of dim + 4 bytes (dim codes, then a "
        "float32 scale), as embed_quantize_int8 returns; got %s",
        t != SQLITE_BLOB ? value_type_name(t)
        : n              ? "a BLOB of fewer than 5 bytes"
                         : "an empty BLOB");
    result_error_free(ctx, SQLITE_ERROR, msg);
    return;
  }
  size_t dim = (size_t)n - 4;
  float s;
  memcpy(&s, b + dim, 4);
  if (!isfinite(s) || s < 0) {
    result_error_free(
        ctx, SQLITE_ERROR,
        sqlite3_mprintf("embed_dequantize: the scale (last 4 bytes) must be finite and >= 0, got %g",
                        (double)s));
    return;
  }
  float *out = sqlite3_malloc64(dim * sizeof *out);
  if (!out) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  q8_decode((const int8_t *)b, dim, s, out);
  sqlite3_result_blob64(ctx, out, dim * sizeof *out, sqlite3_free);
}

int recsql_register_embed_quant(sqlite3 *db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc =
      sqlite3_create_function_v2(db, "embed_quantize_int8", 1, flags, NULL, fn_quantize, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "embed_quantize_int8", 2, flags, NULL, fn_quantize, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "embed_dequantize", 1, flags, NULL, fn_dequantize, NULL, NULL, NULL);
  return rc;
}
