/*
** model_write: writing trained embeddings as tables, atomically.
**
** Objects that write tables (bpr_train) are called as a bare
** `SELECT f(...)`. Inside a statement that reads a table, SQLite refuses
** DROP TABLE ("database table is locked") and a ROLLBACK TO would abort the
** caller, so model_check_writable looks first: it EXPLAINs every busy
** statement of the connection and refuses when one holds a b-tree cursor.
**
** model_write_table replaces a table in a savepoint: DROP, CREATE, INSERT
** every row, RELEASE; on any error, ROLLBACK TO, so the old table stays.
**
** When the savepoint cannot be ended with SQL, the transaction is left to
** SQLite to roll back, never left open with half the tables written:
**   - after sqlite3_interrupt every statement of the connection fails before
**     it starts (until the calling statement ends), so ROLLBACK TO cannot
**     run. But a write statement stopped by an interrupt makes SQLite roll
**     back the whole transaction (as documented for sqlite3_interrupt), so
**     model_write_end steps the guard, a no-op write prepared by
**     model_write_begin, which fails at once and has exactly that effect.
**     (An interrupted INSERT of the write phase already had it.)
**   - when ROLLBACK TO or RELEASE fails for lack of memory, model_write_end
**     returns SQLITE_NOMEM, which the caller must return as its error code:
**     a statement that fails with SQLITE_NOMEM also rolls back the whole
**     transaction when it ends.
** In both cases a transaction of the caller is rolled back too, as SQLite
** does for any write it interrupts.
*/
#include <string.h>

#include "common.h"

int model_check_writable(sqlite3 *db, const char *obj, char **err) {
  for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s)) {
    if (!sqlite3_stmt_busy(s)) continue;
    const char *sql = sqlite3_sql(s);
    if (!sql) continue;
    char *explain = sqlite3_mprintf("EXPLAIN %s", sql);
    if (!explain) return SQLITE_NOMEM;
    sqlite3_stmt *ex = NULL;
    int rc = sqlite3_prepare_v2(db, explain, -1, &ex, NULL);
    sqlite3_free(explain);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(ex);
      continue;
    }
    int cursor = 0;
    while (!cursor && sqlite3_step(ex) == SQLITE_ROW) {
      const char *op = (const char *)sqlite3_column_text(ex, 1);
      if (op && (strcmp(op, "OpenRead") == 0 || strcmp(op, "OpenWrite") == 0 || strcmp(op, "ReopenIdx") == 0))
        cursor = 1;
    }
    sqlite3_finalize(ex);
    if (cursor) {
      *err = sqlite3_mprintf(
          "%s: call it as a bare SELECT %s(...): it writes tables, which SQLite does not allow while "
          "the calling statement reads a table",
          obj, obj);
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/* Runs one statement of text; returns its result code. */
static int exec1(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL); }

int model_write_begin(sqlite3 *db, sqlite3_stmt **guard) {
  *guard = NULL;
  /* the guard: PRAGMA user_version = <its value>, a write that changes nothing */
  sqlite3_stmt *q;
  int rc = sqlite3_prepare_v2(db, "PRAGMA main.user_version", -1, &q, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(q);
  int uv = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
  rc = rc == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(db);
  sqlite3_finalize(q);
  if (rc != SQLITE_OK) return rc;
  char *sql = sqlite3_mprintf("PRAGMA main.user_version = %d", uv);
  if (!sql) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, sql, -1, guard, NULL);
  sqlite3_free(sql);
  if (rc == SQLITE_OK) rc = exec1(db, "SAVEPOINT recsql_model_write");
  if (rc != SQLITE_OK) {
    sqlite3_finalize(*guard);
    *guard = NULL;
  }
  return rc;
}

int model_write_end(sqlite3 *db, sqlite3_stmt *guard, int ok) {
  int rc = ok ? exec1(db, "RELEASE recsql_model_write") : SQLITE_ERROR;
  if (rc != SQLITE_OK) {
    /* not ok, or RELEASE failed: undo the savepoint, then end it */
    int rb = exec1(db, "ROLLBACK TO recsql_model_write");
    if (rb == SQLITE_OK) rb = exec1(db, "RELEASE recsql_model_write");
    if (rb == SQLITE_OK) {
      if (ok) rc = SQLITE_ERROR; /* RELEASE failed once; now rolled back */
      else rc = SQLITE_OK;
    } else {
      /* The savepoint is still open: let SQLite roll the transaction back. */
      if (rb == SQLITE_INTERRUPT && guard) sqlite3_step(guard);
      rc = rb == SQLITE_INTERRUPT ? SQLITE_INTERRUPT : SQLITE_NOMEM;
    }
  }
  sqlite3_finalize(guard);
  return rc;
}

int model_replace_table(sqlite3 *db, const char *obj, const char *table, const char *columns, char **err) {
  char *sql = sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\"; CREATE TABLE \"%w\"(%s);", table, table, columns);
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_free(sql);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    *err = sqlite3_mprintf("%s: cannot create table \"%s\": %s", obj, table, sqlite3_errmsg(db));
  return rc;
}

int model_insert_embeddings(sqlite3 *db, const char *obj, const char *table, const idmap *ids,
                            const float *emb, uint32_t dim, const float *bias, char **err) {
  char *sql = bias ? sqlite3_mprintf("INSERT INTO \"%w\"(id, emb, bias) VALUES (?1, ?2, ?3)", table)
                   : sqlite3_mprintf("INSERT INTO \"%w\"(id, emb) VALUES (?1, ?2)", table);
  if (!sql) return SQLITE_NOMEM;
  sqlite3_stmt *ins;
  int rc = sqlite3_prepare_v2(db, sql, -1, &ins, NULL);
  sqlite3_free(sql);
  if (rc) {
    *err = sqlite3_mprintf("%s: cannot write table \"%s\": %s", obj, table, sqlite3_errmsg(db));
    return rc;
  }
  uint32_t n = idmap_size(ids);
  for (uint32_t r = 0; r < n && rc == SQLITE_OK; r++) {
    if (idmap_kind(ids, r) == IDMAP_INT) {
      sqlite3_bind_int64(ins, 1, idmap_int(ids, r));
    } else {
      size_t len;
      const char *s = idmap_text(ids, r, &len);
      sqlite3_bind_text64(ins, 1, s, len, SQLITE_STATIC, SQLITE_UTF8);
    }
    sqlite3_bind_blob64(ins, 2, emb + (size_t)r * dim, sizeof(float) * dim, SQLITE_STATIC);
    if (bias) sqlite3_bind_double(ins, 3, bias[r]);
    rc = sqlite3_step(ins);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    sqlite3_reset(ins);
  }
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    *err = sqlite3_mprintf("%s: cannot write table \"%s\": %s", obj, table, sqlite3_errmsg(db));
  sqlite3_finalize(ins);
  return rc;
}
