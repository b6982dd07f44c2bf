/*
** fault: the allocation counter shared by the engine's allocations and
** SQLite's, so that "the Nth allocation" counts every allocation of a
** statement, wherever it comes from.
**
** The engine (src/, and ext/'s few direct calls) uses malloc, calloc, realloc
** and free: the harness is linked with -Wl,--wrap for each, so those calls in
** recsql's objects come here (__wrap_malloc ...) and reach the C library
** through __real_malloc. SQLite's own allocator is wrapped at run time with
** SQLITE_CONFIG_MALLOC. (A -include header that #defines malloc/free does
** not work here: sqlite3ext.h spells sqlite3_free as sqlite3_api->free,
** which such a macro would rewrite.)
*/
#include <sqlite3.h>
#include <stdatomic.h>
#include <stddef.h>

#include "fault_api.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static atomic_long counter;   /* allocations since fault_arm */
static atomic_long fail_at;   /* 0: never fail */
static atomic_int persistent; /* fail every allocation from fail_at on */
static atomic_long injected;  /* failures injected since fault_arm */
static atomic_long live_engine, live_sqlite;
static atomic_int held;       /* 1: allocations are neither counted nor failed */

void fault_hold(int on) { atomic_store(&held, on); }

void fault_arm(long n, int persist) {
  atomic_store(&counter, 0);
  atomic_store(&injected, 0);
  atomic_store(&persistent, persist);
  atomic_store(&fail_at, n);
}

long fault_disarm(void) {
  atomic_store(&fail_at, 0);
  return atomic_load(&injected);
}

long fault_count(void) { return atomic_load(&counter); }
long fault_live_engine(void) { return atomic_load(&live_engine); }
long fault_live_sqlite(void) { return atomic_load(&live_sqlite); }

/* 1 when this allocation must fail. */
static int tick(void) {
  long at = atomic_load(&fail_at);
  if (at == 0 || atomic_load(&held)) return 0;
  long n = atomic_fetch_add(&counter, 1) + 1;
  if (n == at || (n > at && atomic_load(&persistent))) {
    atomic_fetch_add(&injected, 1);
    return 1;
  }
  return 0;
}

void *__wrap_malloc(size_t n) {
  if (tick()) return NULL;
  void *p = __real_malloc(n);
  if (p) atomic_fetch_add(&live_engine, 1);
  return p;
}

void *__wrap_calloc(size_t n, size_t size) {
  if (tick()) return NULL;
  void *p = __real_calloc(n, size);
  if (p) atomic_fetch_add(&live_engine, 1);
  return p;
}

void *__wrap_realloc(void *p, size_t n) {
  if (tick()) return NULL;
  void *q = __real_realloc(p, n);
  if (q && !p) atomic_fetch_add(&live_engine, 1);
  return q;
}

void __wrap_free(void *p) {
  if (p) atomic_fetch_sub(&live_engine, 1);
  __real_free(p);
}

/* ---- SQLite's allocator ---- */

static sqlite3_mem_methods orig;

static void *sq_malloc(int n) {
  if (tick()) return NULL;
  void *p = orig.xMalloc(n);
  if (p) atomic_fetch_add(&live_sqlite, 1);
  return p;
}

static void sq_free(void *p) {
  if (p) atomic_fetch_sub(&live_sqlite, 1);
  orig.xFree(p);
}

static void *sq_realloc(void *p, int n) {
  if (tick()) return NULL;
  return orig.xRealloc(p, n);
}

static int sq_size(void *p) { return orig.xSize(p); }
static int sq_roundup(int n) { return orig.xRoundup(n); }
static int sq_init(void *a) { return orig.xInit(a); }
static void sq_shutdown(void *a) { orig.xShutdown(a); }

int fault_install_sqlite(void) {
  int rc = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig);
  if (rc != SQLITE_OK) return rc;
  static sqlite3_mem_methods m;
  m = orig;
  m.xMalloc = sq_malloc;
  m.xFree = sq_free;
  m.xRealloc = sq_realloc;
  m.xSize = sq_size;
  m.xRoundup = sq_roundup;
  m.xInit = sq_init;
  m.xShutdown = sq_shutdown;
  rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
  /* every allocation of a statement through the allocator above */
  if (rc == SQLITE_OK) rc = sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
  return rc;
}
