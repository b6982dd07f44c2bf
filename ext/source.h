/*
** source: reading a caller-named source (a table or view name, or the text
** of a SELECT, WITH or VALUES statement) into plain arrays for the engine,
** and ids back out to SQL.
**
** A name is quoted as one identifier, so names with spaces or quotes work
** and no text of the caller is ever spliced into SQL unquoted. Ids (INTEGER
** or TEXT) go through an idmap (src/idmap.h) to dense indices and come back
** exactly as they went in.
**
** Depends on errors.h only; vecval.h (embeddings) builds on this file, never
** the other way round.
*/
#ifndef RECSQL_SOURCE_H
#define RECSQL_SOURCE_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stddef.h>
#include <stdint.h>

#include "../src/csr.h"
#include "../src/idmap.h"

/* Prepares "SELECT * FROM <src>" for a table or view name (quoted as one
** identifier), or src itself when it is a SELECT/WITH/VALUES statement
** (whitespace and SQL comments may come first). On error returns non-zero
** and sets *err (sqlite3_malloc'd) to a message that starts with obj.
** min_cols: columns the source must have. */
int source_prepare(sqlite3 *db, const char *obj, const char *src, int min_cols, sqlite3_stmt **stmt,
                   char **err);

/* Maps column col of the current row to a dense index in m (added when new).
** Returns the index, or -1 for NULL, -2 for a REAL/BLOB value, -3 out of
** memory, -4 when m is full (IDMAP_MAX_IDS ids: SQLITE_TOOBIG). */
int64_t source_id_add(idmap *m, sqlite3_stmt *stmt, int col);
int64_t value_id_add(idmap *m, sqlite3_value *v);
/* As source_id_add, but looks the id up only: -1 also when absent. */
int64_t source_id_find(const idmap *m, sqlite3_stmt *stmt, int col);
int64_t value_id_find(const idmap *m, sqlite3_value *v);

/* Sets a result to the id at index i of m, as it went in. */
void result_id(sqlite3_context *ctx, const idmap *m, uint32_t i);

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

/* source_read_known_pairs flags */
#define SOURCE_ADD_ITEMS 1 /* items not in the map join it (else the row is skipped) */

/* The (user, item) rows of src whose user is already in users, as a
** users x items CSR (*out, n_cols = idmap_size(items) after reading): the
** exclusions of recommend, the exposures of neg_samples and bpr_train.
** Rows with an unknown user, a NULL id or (without SOURCE_ADD_ITEMS) an
** unknown item are skipped. what names the source in messages
** ("exclude", "exposures"). */
int source_read_known_pairs(sqlite3 *db, const char *obj, const char *what, const char *src,
                            const idmap *users, idmap *items, int flags, csr *out, char **err);

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
/* Empties a cache slot of source_graph_get (from xDisconnect): the cache is
** under the process's memory budget (src/lru.h, recsql_config), so a slot is
** only ever dropped through this, never released directly. */
void source_cache_drop(source_graph **cache);

#endif
