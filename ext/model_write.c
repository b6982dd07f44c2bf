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
** Ending the savepoint must not fail half-way: a savepoint left open would
** leave the caller's connection in a transaction holding half-written
** tables. So model_write_begin prepares every statement that ends it
** (RELEASE, ROLLBACK TO) before anything is written, and model_write_end
** only steps them:
**   - out of memory: a prepared ROLLBACK TO needs next to no memory; if it
**     still fails with SQLITE_NOMEM, SQLite itself rolls the whole
**     transaction back (any statement that fails with SQLITE_NOMEM does).
**   - after sqlite3_interrupt every statement of the connection fails before
**     it starts (until the calling statement ends), so ROLLBACK TO cannot
**     run. But a write statement stopped by an interrupt makes SQLite roll
**     back the whole transaction (as documented for sqlite3_interrupt), so
**     model_write_end steps the guard, a no-op write (PRAGMA user_version =
**     its value), which fails at once and has exactly that effect. (An
**     interrupted INSERT of the write phase has it already.)
** In both cases a transaction of the caller is rolled back too, as SQLite
** does for any write it interrupts or runs out of memory in.
*/
#include <string.h>

#include "errors.h"
#include "model.h"

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

void model_write_free(model_write *w) {
  sqlite3_finalize(w->release);
  sqlite3_finalize(w->rollback);
  sqlite3_finalize(w->guard);
  memset(w, 0, sizeof *w);
}

int model_write_begin(sqlite3 *db, model_write *w) {
  memset(w, 0, sizeof *w);
  sqlite3_stmt *q;
  int rc = sqlite3_prepare_v2(db, "PRAGMA main.user_version", -1, &q, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(q);
  int uv = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
  rc = rc == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(db);
  sqlite3_finalize(q);
  if (rc != SQLITE_OK) return rc;
  char *guard = sqlite3_mprintf("PRAGMA main.user_version = %d", uv);
  if (!guard) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, guard, -1, &w->guard, NULL);
  sqlite3_free(guard);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "RELEASE recsql_model_write", -1, &w->release, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "ROLLBACK TO recsql_model_write", -1, &w->rollback, NULL);
  if (rc == SQLITE_OK) rc = exec1(db, "SAVEPOINT recsql_model_write");
  if (rc != SQLITE_OK) model_write_free(w);
  return rc;
}

/* Steps a prepared statement once and resets it. */
static int step1(sqlite3_stmt *s) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int model_write_end(sqlite3 *db, model_write *w, int ok) {
  int rc = ok ? step1(w->release) : SQLITE_ERROR;
  if (rc != SQLITE_OK) {
    /* not ok, or RELEASE failed: undo the savepoint, then end it */
    int rb = SQLITE_ERROR;
    for (int attempt = 0; attempt < 3 && rb != SQLITE_OK && rb != SQLITE_INTERRUPT; attempt++) {
      /* Out of any transaction: the savepoint (and any transaction of the
      ** caller) is gone, rolled back by SQLite after an interrupted or
      ** failed write. */
      if (sqlite3_get_autocommit(db)) {
        rb = SQLITE_OK;
        break;
      }
      rb = step1(w->rollback);
      if (rb == SQLITE_OK) rb = step1(w->release);
    }
    if (rb == SQLITE_OK) {
      rc = ok ? SQLITE_ERROR : SQLITE_OK; /* when ok: RELEASE failed, now rolled back */
    } else {
      /* Still open after an interrupt: have SQLite roll the transaction back. */
      if (rb == SQLITE_INTERRUPT) step1(w->guard);
      rc = rb == SQLITE_INTERRUPT ? SQLITE_INTERRUPT : SQLITE_NOMEM;
    }
  }
  model_write_free(w);
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
