/*
** vecval: embedding values in and out of SQL.
**
** An embedding is a BLOB of little-endian float32 (4*dim bytes, the layout
** of sqlite-vec) or a JSON array text ('[0.1, 0.2]', src/vectext.h). Every
** value is validated: the BLOB length, the dimension against what the
** caller expects, and finite entries. Messages read
** "<object>: <what>: expected X, got Y".
**
** Builds on source.h (source_read_embeddings reads a source of vectors).
*/
#ifndef RECSQL_VECVAL_H
#define RECSQL_VECVAL_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stddef.h>
#include <stdint.h>

#include "../src/idmap.h"

typedef struct vecarg vecarg;
struct vecarg {
  const float *v;
  size_t dim;
  float *owned; /* sqlite3_malloc'd copy when the value was text or unaligned */
};

/* Reads an embedding from a BLOB or JSON text value. what names the argument
** in messages ("argument 1"). expect_dim 0 = any. Returns SQLITE_OK, or an
** error code with *err set. A NULL value is the caller's to check first. */
int vecarg_get(sqlite3_value *val, const char *obj, const char *what, size_t expect_dim, vecarg *out,
               char **err);
/* Same, from a column of a statement. */
int veccol_get(sqlite3_stmt *stmt, int col, const char *obj, const char *what, size_t expect_dim, vecarg *out,
               char **err);
void vecarg_free(vecarg *a);

/* Reads (id, emb[, bias]) rows of src: ids into ids (a repeated id is an
** error), embeddings into *emb (n x *dim, sqlite3_malloc'd; all rows must
** have the same dimension) and, when with_bias and the source has a third
** column, biases into *bias (NULL = 0). Rows with a NULL id or embedding
** are skipped. */
int source_read_embeddings(sqlite3 *db, const char *obj, const char *src, int with_bias, idmap *ids,
                           float **emb, uint32_t *dim, float **bias, char **err);

#endif
