/*
** model: writing model tables atomically (model_write.c). A trainer writes
** its tables inside a savepoint whose ending statements are prepared before
** it starts, so a failure or an interrupt leaves the old tables untouched.
*/
#ifndef RECSQL_MODEL_H
#define RECSQL_MODEL_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdint.h>

#include "../src/idmap.h"

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

#endif
