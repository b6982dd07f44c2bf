/*
** common: helpers shared by every file of the SQLite binding.
**
**   - reading a *source* (table, view or SELECT text) into dense id pairs;
**   - options given as one JSON object, checked against a spec;
**   - embedding values (float32 BLOB or JSON array text), validated;
**   - ids back to SQL values; interrupt checks on SQLite 3.40.
**
** Every file of ext/ but recsql.c starts with SQLITE_EXTENSION_INIT3 through
** this header.
*/
#ifndef RECSQL_COMMON_H
#define RECSQL_COMMON_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stddef.h>
#include <stdint.h>

#include "../src/csr.h"
#include "../src/idmap.h"
#include "../src/status.h"

/* The SQLite code that says what an engine status means (src/status.h).
** RS_DIVERGED and RS_INVALID are SQLITE_ERROR: the caller writes the advice. */
static inline int status_to_sqlite(rs_status s) {
  switch (s) {
    case RS_OK: return SQLITE_OK;
    case RS_NOMEM: return SQLITE_NOMEM;
    case RS_TOOBIG: return SQLITE_TOOBIG;
    case RS_STOPPED: return SQLITE_INTERRUPT;
    default: return SQLITE_ERROR;
  }
}

/* Registration functions, one per file of ext/. */
int recsql_register_embed(sqlite3 *db);
int recsql_register_metrics(sqlite3 *db);
int recsql_register_neg_samples(sqlite3 *db);
int recsql_register_bpr_train(sqlite3 *db);
int recsql_register_recommend(sqlite3 *db);
int recsql_register_swing_sim(sqlite3 *db);
int recsql_register_itemcf_sim(sqlite3 *db);
int recsql_register_knn_index(sqlite3 *db);
int recsql_register_curves(sqlite3 *db);

/* ---- sources ------------------------------------------------------------ */

/* Prepares "SELECT * FROM <src>" for a table or view name (quoted as one
** identifier), or src itself when it is a SELECT/WITH/VALUES statement.
** On error returns non-zero and sets *err (sqlite3_malloc'd) to a message
** that starts with obj. min_cols: columns the source must have. */
int source_prepare(sqlite3 *db, const char *obj, const char *src, int min_cols, sqlite3_stmt **stmt,
                   char **err);

/* Maps column col of the current row to a dense index in m (added when new).
** Returns the index, or -1 for NULL, -2 for a REAL/BLOB value, -3 out of memory. */
int64_t source_id_add(idmap *m, sqlite3_stmt *stmt, int col);
int64_t value_id_add(idmap *m, sqlite3_value *v);
/* As source_id_add, but looks the id up only: -1 also when absent. */
int64_t source_id_find(const idmap *m, sqlite3_stmt *stmt, int col);
int64_t value_id_find(const idmap *m, sqlite3_value *v);

/* (user, item) pairs of a source, with the maps that give their indices. */
typedef struct pairs pairs;
struct pairs {
  uint32_t *u, *i;
  size_t n, cap;
};
void pairs_free(pairs *p);
/* Appends one pair. Returns SQLITE_OK or SQLITE_NOMEM. */
int pairs_push(pairs *p, uint32_t u, uint32_t i);

/* Reads every (user, item) row of src into p, adding ids to users/items.
** Rows with a NULL id are skipped. */
int source_read_pairs(sqlite3 *db, const char *obj, const char *src, idmap *users, idmap *items, pairs *p,
                      char **err);

/* The (user, item) pairs of src whose ids are in users and items (other
** rows skipped) as a CSR over them (known_pairs.c). what names src in
** messages ("exposures"). */
int known_pairs_read(sqlite3 *db, const char *obj, const char *what, const char *src, const idmap *users,
                     const idmap *items, csr *out, char **err);

/* A source read into id maps and its users x items CSR (ui; iu, the
** transpose, when asked for), shared by reference count. */
typedef struct source_graph source_graph;
struct source_graph {
  int ref;
  char *source;           /* the source text, for the cache */
  sqlite3_int64 stamp[4]; /* database state when read, see source_graph_get */
  idmap *users, *items;
  csr ui, iu;
};

/* The graph of src into *out (release it with source_graph_release). When
** cache is not NULL and src names an ordinary table of main or temp, the
** graph read last is kept in *cache and reused while the database is
** unchanged: the same total_changes of the connection, PRAGMA data_version
** (commits by other connections) and schema versions of main and temp.
** A graph read inside an explicit transaction is not kept. Views and SELECT
** sources are read on every call. transpose: build iu. */
int source_graph_get(sqlite3 *db, const char *obj, const char *src, int transpose, source_graph **cache,
                     source_graph **out, char **err);
void source_graph_release(source_graph *g);

/* Reads (id, emb[, bias]) rows of src: ids into ids (a repeated id is an
** error), embeddings into *emb (n x *dim, sqlite3_malloc'd; all rows must
** have the same dimension) and, when with_bias and the source has a third
** column, biases into *bias (NULL = 0). Rows with a NULL id or embedding
** are skipped. */
int source_read_embeddings(sqlite3 *db, const char *obj, const char *src, int with_bias, idmap *ids,
                           float **emb, uint32_t *dim, float **bias, char **err);

/* Sets a result to the id at index i of m, as it went in. */
void result_id(sqlite3_context *ctx, const idmap *m, uint32_t i);

/* s as a JSON string literal, quotes included (sqlite3_malloc'd; NULL on OOM). */
char *json_quote_text(const char *s);

/* Description of a value's type for messages: "INTEGER", "TEXT", ... */
const char *value_type_name(int type);

/* ---- options ------------------------------------------------------------ */

typedef enum { OPT_INT, OPT_REAL, OPT_BOOL, OPT_TEXT } opt_type;

typedef struct opt_spec opt_spec;
struct opt_spec {
  const char *name;
  opt_type type;
  double def;                 /* default of INT, REAL, BOOL */
  double min, max;            /* range of INT, REAL */
  const char *def_text;       /* default of TEXT */
  const char *const *choices; /* NULL-terminated valid TEXT values, or NULL */
};

typedef struct opt_value opt_value;
struct opt_value {
  int set;     /* given by the caller */
  double num;  /* INT, REAL, BOOL */
  int64_t i64; /* INT given as a JSON integer: its exact value (num rounds above 2^53) */
  char *text;  /* TEXT (sqlite3_malloc'd) or NULL */
};

/* Parses json (NULL or '{}' = all defaults) against specs[0..n) into vals.
** Unknown or duplicate keys, wrong types and out-of-range values are errors. */
int options_parse(sqlite3 *db, const char *obj, const char *json, const opt_spec *specs, int n,
                  opt_value *vals, char **err);
void options_free(opt_value *vals, int n);

/* ---- embeddings --------------------------------------------------------- */

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

/* ---- writing models (model_write.c) ------------------------------------- */

/* Refuses (error naming obj) when a busy statement holds a table cursor, in
** which case SQLite would refuse the DROP TABLE a model write needs. */
int model_check_writable(sqlite3 *db, const char *obj, char **err);
/* The statements that end a model write, prepared before it starts. */
typedef struct model_write model_write;
struct model_write {
  sqlite3_stmt *release, *rollback, *guard;
};
/* SAVEPOINT, with the statements that end it prepared first (see
** model_write.c). Then model_write_end releases the savepoint, or rolls it
** back when !ok, and frees w. It returns SQLITE_OK when the savepoint was
** ended as asked; SQLITE_ERROR when ok but it had to be rolled back;
** SQLITE_INTERRUPT or SQLITE_NOMEM when SQLite rolled back the whole
** transaction (the caller fails with that code). */
int model_write_begin(sqlite3 *db, model_write *w);
int model_write_end(sqlite3 *db, model_write *w, int ok);
void model_write_free(model_write *w);
/* DROP TABLE IF EXISTS table; CREATE TABLE table(columns). */
int model_replace_table(sqlite3 *db, const char *obj, const char *table, const char *columns, char **err);
/* INSERT (id, emb[, bias]) for every id of ids; emb is size(ids) x dim. */
int model_insert_embeddings(sqlite3 *db, const char *obj, const char *table, const idmap *ids,
                            const float *emb, uint32_t dim, const float *bias, char **err);

/* ---- table-valued functions (tvf.c) ------------------------------------- */

#define TVF_MAX_ARGS 16

/* xBestIndex of a table-valued function whose hidden argument columns are
** first_arg .. first_arg + n_args - 1 (n_args <= TVF_MAX_ARGS), plus, when
** key_col >= 0, an "=" on the ordinary column key_col. Each usable "=" is
** handed to xFilter (argv in column order, the key last) and omitted. *given:
** bit k for each argument given, bit n_args for the key; *key_ct (may be
** NULL): the key's constraint index or -1. Returns SQLITE_CONSTRAINT when an
** argument is constrained but not usable in this plan (SQLite then orders
** the join to supply it, as with series.c), else SQLITE_OK; the caller sets
** idxNum and the costs. */
int tvf_best_index(sqlite3_index_info *info, int first_arg, int n_args, int key_col, int *given, int *key_ct);

/* ---- misc ---------------------------------------------------------------- */

/* Sets the error of ctx from err (freed) and code. */
void result_error_free(sqlite3_context *ctx, int code, char *err);

/* A cheap check for sqlite3_interrupt() that works on SQLite 3.40: steps a
** trivial prepared statement. */
typedef struct interrupt_check interrupt_check;
struct interrupt_check {
  sqlite3_stmt *probe;
};
int interrupt_init(interrupt_check *ic, sqlite3 *db);
/* 1 when the connection has been interrupted. */
int interrupt_poll(interrupt_check *ic);
void interrupt_free(interrupt_check *ic);

#endif
