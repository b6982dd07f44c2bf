/*
** recsql: the extension's entry point. Registers every SQL object of ext/ on
** a connection, plus recsql_version() and recsql_debug() (recsql_help is
** help.c).
**
**   .load ./build/recsql        (sqlite3 shell)
**   sqlite3_auto_extension((void (*)(void))sqlite3_recsql_init);   (static)
*/
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <cblas.h>
#include <unistd.h>

#include "../src/blas.h"
#include "../src/vec.h"
#include "common.h"
#include "recsql.h"

static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, RECSQL_VERSION, -1, SQLITE_STATIC);
}

/* Build and runtime facts for bug reports, one "key: value" per line. */
static void fn_debug(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  char *cache = config_debug_text(sqlite3_context_db_handle(ctx));
  char *s = sqlite3_mprintf(
      "recsql: %s\n"
      "sqlite compiled: %s\n"
      "sqlite runtime: %s\n"
      "compiler: %s\n"
      "simd: %s\n"
      "cores: %ld\n"
      "blas: %s\n"
      "openblas: %s\n"
      "openblas core: %s\n"
      "openblas threads: %d\n"
      "%s",
      RECSQL_VERSION, SQLITE_VERSION, sqlite3_libversion(),
#if defined(__clang__)
      "clang " __clang_version__,
#elif defined(__GNUC__)
      "gcc " __VERSION__,
#else
      "unknown",
#endif
      vec_isa(), sysconf(_SC_NPROCESSORS_ONLN), blas_path_name(blas_current_path()), openblas_get_config(),
      openblas_get_corename(), openblas_get_num_threads(), cache ? cache : "");
  if (!cache || !s) {
    sqlite3_free(cache);
    sqlite3_free(s);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_free(cache);
  sqlite3_result_text(ctx, s, -1, sqlite3_free);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
    int sqlite3_recsql_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  /* Each connection's load passes the same routines. The first load sets the
  ** global by an atomic compare-and-swap, so that first loads on several
  ** threads at once do not race (ThreadSanitizer saw two do so); later loads
  ** only read it atomically, never writing while other connections'
  ** statements read it. Another SQLite library's routines replace it. */
  const sqlite3_api_routines *seen = __atomic_load_n(&sqlite3_api, __ATOMIC_ACQUIRE);
  if (seen == NULL &&
      __atomic_compare_exchange_n(&sqlite3_api, &seen, pApi, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    seen = pApi;
  if (seen != pApi) __atomic_store_n(&sqlite3_api, pApi, __ATOMIC_RELEASE);
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function_v2(db, "recsql_version", 0, flags, NULL, fn_version, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "recsql_debug", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL, fn_debug,
                                    NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = recsql_register_embed(db);
  if (rc == SQLITE_OK) rc = recsql_register_metrics(db);
  if (rc == SQLITE_OK) rc = recsql_register_neg_samples(db);
  if (rc == SQLITE_OK) rc = recsql_register_bpr_train(db);
  if (rc == SQLITE_OK) rc = recsql_register_recommend(db);
  if (rc == SQLITE_OK) rc = recsql_register_swing_sim(db);
  if (rc == SQLITE_OK) rc = recsql_register_itemcf_sim(db);
  if (rc == SQLITE_OK) rc = recsql_register_knn_index(db);
  if (rc == SQLITE_OK) rc = recsql_register_help(db);
  if (rc == SQLITE_OK) rc = recsql_register_ease_train(db);
  if (rc == SQLITE_OK) rc = recsql_register_i2i_recommend(db);
  if (rc == SQLITE_OK) rc = recsql_register_embed_quant(db);
  if (rc == SQLITE_OK) rc = recsql_register_auto_train(db);
  if (rc == SQLITE_OK) rc = recsql_register_item2vec_train(db);
  if (rc == SQLITE_OK) rc = recsql_register_config(db);
  if (rc == SQLITE_OK) rc = recsql_register_curves(db);
  if (rc != SQLITE_OK && pzErrMsg)
    *pzErrMsg = sqlite3_mprintf("recsql: registration failed: %s", sqlite3_errstr(rc));
  return rc;
}
