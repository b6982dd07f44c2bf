/*
** known_pairs: (user, item) pairs of a source whose ids are already known
** (the exposures and the validation pairs of a trainer), read into a CSR
** over the id maps of the training source. Rows with an id the maps do not
** hold, or a NULL id, are skipped.
*/
#include "common.h"

int known_pairs_read(sqlite3 *db, const char *obj, const char *what, const char *src, const idmap *users,
                     const idmap *items, csr *out, char **err) {
  sqlite3_stmt *stmt;
  int rc = source_prepare(db, obj, src, 2, &stmt, err);
  if (rc) return rc;
  pairs p = {0};
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    int64_t u = source_id_find(users, stmt, 0), i = source_id_find(items, stmt, 1);
    if (u < 0 || i < 0) continue;
    if ((rc = pairs_push(&p, (uint32_t)u, (uint32_t)i)) != SQLITE_OK) break;
  }
  if (rc == SQLITE_DONE) {
    rc = csr_build(out, idmap_size(users), idmap_size(items), p.u, p.i, p.n) ? SQLITE_NOMEM : SQLITE_OK;
  } else if (rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT) {
    *err = sqlite3_mprintf("%s: reading %s \"%s\": %s", obj, what, src, sqlite3_errmsg(db));
  }
  pairs_free(&p);
  sqlite3_finalize(stmt);
  return rc;
}
