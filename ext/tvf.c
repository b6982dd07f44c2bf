/*
** tvf: the argument planning that every table-valued function of recsql
** shares (xBestIndex), in the style of SQLite's ext/misc/series.c.
*/
#include "tvf.h"

#include <stddef.h>
#include <string.h>

int tvf_best_index(sqlite3_index_info *info, int first_arg, int n_args, int key_col, int *given,
                   int *key_ct) {
  int col_of[TVF_MAX_ARGS + 1];
  int usable = 0, unusable = 0, nk = key_col >= 0 ? n_args + 1 : n_args;
  for (int k = 0; k <= TVF_MAX_ARGS; k++) col_of[k] = -1;
  if (n_args > TVF_MAX_ARGS) return SQLITE_CONSTRAINT;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *ct = &info->aConstraint[i];
    int k;
    if (ct->iColumn >= first_arg && ct->iColumn < first_arg + n_args)
      k = ct->iColumn - first_arg;
    else if (key_col >= 0 && ct->iColumn == key_col)
      k = n_args;
    else
      continue;
    if (ct->op != SQLITE_INDEX_CONSTRAINT_EQ || !ct->usable) {
      if (k < n_args) unusable |= 1 << k;
      continue;
    }
    if (col_of[k] < 0) {
      col_of[k] = i;
      usable |= 1 << k;
    }
  }
  *given = usable;
  if (key_ct) *key_ct = nk > n_args ? col_of[n_args] : -1;
  if (unusable & ~usable) return SQLITE_CONSTRAINT;
  int n = 0;
  for (int k = 0; k < nk; k++) {
    if (col_of[k] < 0) continue;
    info->aConstraintUsage[col_of[k]].argvIndex = ++n;
    info->aConstraintUsage[col_of[k]].omit = 1;
  }
  return SQLITE_OK;
}

void tvf_spread_args(int idxNum, int n_args, int argc, sqlite3_value **argv, sqlite3_value **args) {
  int a = 0;
  for (int k = 0; k <= n_args; k++) args[k] = (idxNum & (1 << k)) && a < argc ? argv[a++] : NULL;
}

int tvf_connect(sqlite3 *db, const char *schema, size_t size, int config, sqlite3_vtab **out) {
  int rc = sqlite3_declare_vtab(db, schema);
  if (rc) return rc;
  sqlite3_vtab *vt = sqlite3_malloc64(size);
  if (!vt) return SQLITE_NOMEM;
  memset(vt, 0, size);
  sqlite3_vtab_config(db, config);
  *out = vt;
  return SQLITE_OK;
}

int tvf_disconnect(sqlite3_vtab *vt) {
  sqlite3_free(vt);
  return SQLITE_OK;
}

int tvf_open(size_t size, sqlite3_vtab_cursor **out) {
  sqlite3_vtab_cursor *c = sqlite3_malloc64(size);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, size);
  *out = c;
  return SQLITE_OK;
}

void tvf_lists_next(tvf_lists *w, uint32_t n, const uint32_t *count) {
  w->r++;
  while (w->q < n && w->r >= count[w->q]) {
    w->q++;
    w->r = 0;
  }
  if (w->q >= n) w->eof = 1;
  w->rowid++;
}

void tvf_lists_start(tvf_lists *w, uint32_t n, const uint32_t *count) {
  w->q = 0;
  w->r = (uint32_t)-1;
  w->rowid = 0;
  w->eof = 0;
  if (n && count)
    tvf_lists_next(w, n, count);
  else
    w->eof = 1;
}
