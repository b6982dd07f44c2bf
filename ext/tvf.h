/*
** tvf: what every table-valued function of recsql shares, in the style of
** SQLite's ext/misc/series.c: the argument planner of xBestIndex.
*/
#ifndef RECSQL_TVF_H
#define RECSQL_TVF_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stddef.h>
#include <stdint.h>

#define TVF_MAX_ARGS 16

/* The skeleton every eponymous table-valued function shares. tvf_connect
** declares schema, allocates a zeroed vtab of size bytes (a struct that
** starts with sqlite3_vtab) and sets config (SQLITE_VTAB_DIRECTONLY for
** objects that run caller-named SQL, SQLITE_VTAB_INNOCUOUS for pure ones);
** tvf_disconnect frees it. tvf_open allocates a zeroed cursor of size bytes. */
int tvf_connect(sqlite3 *db, const char *schema, size_t size, int config, sqlite3_vtab **out);
int tvf_disconnect(sqlite3_vtab *vt);
int tvf_open(size_t size, sqlite3_vtab_cursor **out);

/* The sqlite3_module of an eponymous table-valued function (no xCreate, no
** writes) from its methods. */
#define TVF_MODULE(connect, best_index, disconnect, open, close, filter, next, eof, column, rowid)       \
  {                                                                                                      \
    0, NULL, connect, best_index, disconnect, NULL, open, close, filter, next, eof, column, rowid, NULL, \
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL                                       \
  }

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

/* The arguments xFilter got, spread back to their columns: args[k] is
** hidden argument k when bit k of idxNum is set, else NULL; args[n_args] is
** the key when bit n_args is set. args has room for n_args + 1. */
void tvf_spread_args(int idxNum, int n_args, int argc, sqlite3_value **argv, sqlite3_value **args);

/* The walk of xNext over per-query top-k lists, count[q] filled slots for
** query q of n (recommend, i2i_recommend): the current query, its rank
** index, the rowid and eof. tvf_lists_start puts it on the first filled slot
** (eof when there is none); tvf_lists_next moves to the next one. */
typedef struct tvf_lists tvf_lists;
struct tvf_lists {
  uint32_t q, r;
  sqlite3_int64 rowid;
  int eof;
};
void tvf_lists_start(tvf_lists *w, uint32_t n, const uint32_t *count);
void tvf_lists_next(tvf_lists *w, uint32_t n, const uint32_t *count);

#endif
