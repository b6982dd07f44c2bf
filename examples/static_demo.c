/*
** static_demo: an application that links recsql statically (build/librecsql.a)
** and registers it for every connection with sqlite3_auto_extension.
**
**   make static
**   cc -o build/static_demo examples/static_demo.c build/librecsql.a -lsqlite3 -lopenblas -lm -lpthread
**   build/static_demo
*/
#include <sqlite3.h>
#include <stdio.h>

#include "../ext/recsql.h"

/* Prints every row of sql, columns separated by '|'. Returns the result code. */
static int show(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) {
    fprintf(stderr, "error: %s\n", sqlite3_errmsg(db));
    return rc;
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); c++)
      printf("%s%s", c ? "|" : "", sqlite3_column_type(st, c) == SQLITE_NULL ? "" : (const char *)sqlite3_column_text(st, c));
    printf("\n");
  }
  if (rc != SQLITE_DONE) fprintf(stderr, "error: %s\n", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int main(void) {
  sqlite3_auto_extension((void (*)(void))sqlite3_recsql_init);
  sqlite3 *db;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
  int rc = sqlite3_exec(db,
                        "CREATE TABLE clicks(user, item);"
                        "INSERT INTO clicks VALUES ('ann','tea'),('ann','cake'),('bob','tea'),('bob','jam'),"
                        "('cid','cake'),('cid','scone'),('dee','jam'),('dee','scone');",
                        NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = show(db, "SELECT recsql_version()");
  if (rc == SQLITE_OK) rc = show(db, "SELECT embed_dot('[1,2,3]', '[4,5,6]')");
  if (rc == SQLITE_OK)
    rc = show(db, "SELECT json_extract(bpr_train('clicks', 'm', '{\"dim\": 4, \"epochs\": 20, \"threads\": 1, "
                  "\"seed\": 1}'), '$.interactions')");
  if (rc == SQLITE_OK)
    rc = show(db, "SELECT user, item, rank FROM recommend('m_users', 'm_items', 1, 'clicks') ORDER BY user");
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : 1;
}
