/*
** recsql_config(name [, value]): process- and connection-level settings.
**
**   SELECT recsql_config('cache_budget', '512MB');        -- process-wide
**   SELECT recsql_config('connection_cache_budget', '64MB'); -- this connection
**   SELECT recsql_config('cache_used');                   -- read-only
**   SELECT recsql_config('blas', 'openblas');             -- product kernels
**
** With one argument it returns the setting; with two it sets it and returns
** the new value. Sizes are bytes (an integer, or text with a k/M/G/T suffix,
** powers of 1024); -1 or 'unlimited' lifts a budget. The budgets are those of
** src/lru.h, which every cache of the extension goes through (source graphs
** of neg_samples, swing_sim, itemcf_sim); 0 turns caching off. A connection
** is identified by its sqlite3 pointer; its setting is forgotten when it
** closes (the xDestroy of this function's registration).
**
** Also the cache lines of recsql_debug() (config_debug_text).
*/
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdint.h>
#include <string.h>

#include "../src/blas.h"
#include "../src/lru.h"
#include "knn_cache.h"
#include "../src/suggest.h"
#include "common.h"

enum { C_CACHE_BUDGET, C_CONN_BUDGET, C_BLAS, C_CACHE_USED, C_CONN_USED, C_ENTRIES, C_EVICTIONS, C_COUNT };
static const char *const names[C_COUNT] = {"cache_budget",   "connection_cache_budget", "blas",
                                           "cache_used",     "connection_cache_used",   "cache_entries",
                                           "cache_evictions"};

/* A budget as SQL: -1 for unlimited. */
static void result_size(sqlite3_context *ctx, size_t v) {
  sqlite3_result_int64(ctx, v == LRU_UNLIMITED || v > (size_t)INT64_MAX ? -1 : (sqlite3_int64)v);
}

/* The size of value into *out (LRU_UNLIMITED for -1 / 'unlimited'), or an
** error result. */
static int value_size(sqlite3_context *ctx, const char *name, sqlite3_value *v, size_t *out) {
  int t = sqlite3_value_numeric_type(v);
  if (t == SQLITE_INTEGER) {
    sqlite3_int64 n = sqlite3_value_int64(v);
    if (n >= -1) {
      *out = n == -1 ? LRU_UNLIMITED : (size_t)n;
      return 0;
    }
  } else if (t == SQLITE_TEXT) {
    const char *s = (const char *)sqlite3_value_text(v);
    if (s && sqlite3_stricmp(s, "unlimited") == 0) {
      *out = LRU_UNLIMITED;
      return 0;
    }
    if (s && lru_parse_size(s, out) == 0) return 0;
  }
  char *msg = sqlite3_mprintf(
      "recsql_config: %s must be a size in bytes (an integer >= 0, text such as '512MB' or '2GB', or -1 / "
      "'unlimited'), got '%s'",
      name, sqlite3_value_text(v) ? (const char *)sqlite3_value_text(v) : "");
  result_error_free(ctx, SQLITE_ERROR, msg);
  return -1;
}

static void get_setting(sqlite3_context *ctx, int which, sqlite3 *db) {
  lru_stats st;
  lru_get_stats(db, &st);
  switch (which) {
    case C_CACHE_BUDGET: result_size(ctx, st.budget); break;
    case C_CONN_BUDGET: result_size(ctx, lru_owner_budget(db)); break;
    case C_BLAS: sqlite3_result_text(ctx, blas_path_name(blas_current_path()), -1, SQLITE_STATIC); break;
    case C_CACHE_USED: result_size(ctx, st.used); break;
    case C_CONN_USED: result_size(ctx, st.owner_used); break;
    case C_ENTRIES: sqlite3_result_int64(ctx, (sqlite3_int64)st.entries); break;
    default: sqlite3_result_int64(ctx, (sqlite3_int64)st.evictions); break;
  }
}

/* Sets `which` from v; returns 0 or leaves an error result. */
static int set_setting(sqlite3_context *ctx, int which, sqlite3 *db, sqlite3_value *v) {
  size_t n;
  if (which == C_BLAS) {
    const char *s = (const char *)sqlite3_value_text(v);
    int p = blas_path_parse(s);
    if (p < 0 || blas_set_path((blas_path)p)) {
      char *msg = sqlite3_mprintf(
          "recsql_config: blas must be one of 'auto', 'avx512', 'avx2', 'generic', "
          "'openblas' that this CPU runs, got '%s'",
          s ? s : "");
      result_error_free(ctx, SQLITE_ERROR, msg);
      return -1;
    }
    return 0;
  }
  if (which != C_CACHE_BUDGET && which != C_CONN_BUDGET) {
    result_error_free(ctx, SQLITE_ERROR, sqlite3_mprintf("recsql_config: %s is read-only", names[which]));
    return -1;
  }
  if (value_size(ctx, names[which], v, &n)) return -1;
  if (which == C_CACHE_BUDGET) {
    lru_set_budget(n);
  } else if (lru_set_owner_budget(db, n)) {
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  return 0;
}

static void fn_config(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *name = (const char *)sqlite3_value_text(argv[0]);
  if (!name || (argc == 2 && sqlite3_value_type(argv[1]) == SQLITE_NULL)) return; /* NULL */
  int which = 0;
  while (which < C_COUNT && sqlite3_stricmp(name, names[which]) != 0) which++;
  if (which == C_COUNT) {
    const char *near = suggest_closest(name, names, C_COUNT);
    char *msg = near ? sqlite3_mprintf("recsql_config: unknown setting '%s' (did you mean '%s'?)", name, near)
                     : sqlite3_mprintf(
                           "recsql_config: unknown setting '%s' (settings: cache_budget, "
                           "connection_cache_budget, blas, cache_used, connection_cache_used, "
                           "cache_entries, cache_evictions)",
                           name);
    result_error_free(ctx, SQLITE_ERROR, msg);
    return;
  }
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  if (argc == 2 && set_setting(ctx, which, db, argv[1])) return;
  get_setting(ctx, which, db);
}

/* The connection closed (its functions are destroyed): forget its budget. */
static void conn_gone(void *db) { lru_owner_forget(db); }

int recsql_register_config(sqlite3 *db) {
  const int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  int rc = sqlite3_create_function_v2(db, "recsql_config", 1, flags, db, fn_config, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "recsql_config", 2, flags, db, fn_config, NULL, NULL, conn_gone);
  return rc;
}

/* Human-readable sizes for recsql_debug. */
static char *fmt_size(size_t v) {
  if (v == LRU_UNLIMITED) return sqlite3_mprintf("unlimited");
  if (v >= ((size_t)1 << 30)) return sqlite3_mprintf("%.1f GiB", (double)v / (1 << 30));
  if (v >= ((size_t)1 << 20)) return sqlite3_mprintf("%.1f MiB", (double)v / (1 << 20));
  return sqlite3_mprintf("%llu bytes", (unsigned long long)v);
}

char *config_debug_text(sqlite3 *db) {
  lru_stats st;
  lru_get_stats(db, &st);
  char *b = fmt_size(st.budget), *u = fmt_size(st.used), *cb = fmt_size(lru_owner_budget(db));
  char *cu = fmt_size(st.owner_used);
  knn_cache_counts kc;
  knn_cache_stats(&kc);
  char *kb = fmt_size(kc.bytes);
  char *s = b && u && cb && cu && kb
                ? sqlite3_mprintf(
                      "cache budget: %s\n"
                      "cache used: %s in %llu entries (%llu evictions)\n"
                      "connection cache budget: %s\n"
                      "connection cache used: %s in %llu entries\n"
                      "knn_index copies in memory: %s in %llu (%llu full loads, %llu caught up "
                      "by the change log)",
                      b, u, (unsigned long long)st.entries, (unsigned long long)st.evictions, cb, cu,
                      (unsigned long long)st.owner_entries, kb, (unsigned long long)kc.copies,
                      (unsigned long long)kc.loads, (unsigned long long)kc.catch_ups)
                : NULL;
  sqlite3_free(b);
  sqlite3_free(u);
  sqlite3_free(cb);
  sqlite3_free(cu);
  sqlite3_free(kb);
  return s;
}
