/*
** knn_cache: see knn_cache.h.
**
** Locks: the registry mutex guards the list of shared homes and their user
** counts; a home's mutex is held while a thread builds or publishes its
** shared copy; lru's mutex (inside lru_*) guards the slots. They are taken
** in that order only (lru's release callbacks only free memory).
*/
#include "knn_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lru.h"

/* A shared slot: one per (file path, uid) among the open tables. */
struct knn_home {
  char *path;
  sqlite3_int64 uid;
  int users; /* knn_cache objects using it; under reg_mu */
  pthread_mutex_t mu;
  void *slot; /* lru slot: the newest copy built */
  knn_home *next;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static knn_home *homes;
static size_t n_copies, n_bytes;      /* atomic: copies alive */
static uint64_t n_loads, n_catch_ups; /* atomic */

/* ---- copies -------------------------------------------------------------------------------- */

static void copy_retain(void *p) { __atomic_add_fetch(&((knn_copy *)p)->ref, 1, __ATOMIC_RELAXED); }
static void copy_release(void *p) { knn_copy_release(p); }
/* lru_take's test: nobody holds x and nobody but its maker has read it. */
static int copy_sole(void *p) {
  knn_copy *x = p;
  return __atomic_load_n(&x->ref, __ATOMIC_ACQUIRE) == 1 &&
         !__atomic_load_n(&x->read_by_others, __ATOMIC_RELAXED);
}

void knn_copy_release(knn_copy *x) {
  if (!x || __atomic_sub_fetch(&x->ref, 1, __ATOMIC_ACQ_REL) > 0) return;
  __atomic_sub_fetch(&n_copies, 1, __ATOMIC_RELAXED);
  __atomic_sub_fetch(&n_bytes, x->bytes, __ATOMIC_RELAXED);
  hnsw_free(x->h);
  sqlite3_free(x);
}

/* A copy holding h (taken; freed on failure), one reference, made by c. */
static knn_copy *copy_new(const knn_cache *c, hnsw *h, sqlite3_int64 gen, int64_t max_rowid) {
  knn_copy *x = sqlite3_malloc(sizeof *x);
  if (!x) {
    hnsw_free(h);
    return NULL;
  }
  *x = (knn_copy){1, h, gen, max_rowid, hnsw_bytes(h) + sizeof *x, c, 0};
  __atomic_add_fetch(&n_copies, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&n_bytes, x->bytes, __ATOMIC_RELAXED);
  return x;
}

/* x changed in place: its bytes counted again. */
static void copy_recount(knn_copy *x) {
  size_t b = hnsw_bytes(x->h) + sizeof *x;
  __atomic_add_fetch(&n_bytes, b, __ATOMIC_RELAXED);
  __atomic_sub_fetch(&n_bytes, x->bytes, __ATOMIC_RELAXED);
  x->bytes = b;
}

void knn_cache_stats(knn_cache_counts *out) {
  out->copies = __atomic_load_n(&n_copies, __ATOMIC_RELAXED);
  out->bytes = __atomic_load_n(&n_bytes, __ATOMIC_RELAXED);
  out->loads = __atomic_load_n(&n_loads, __ATOMIC_RELAXED);
  out->catch_ups = __atomic_load_n(&n_catch_ups, __ATOMIC_RELAXED);
}

/* ---- the registry of shared slots ------------------------------------------------------------ */

static knn_home *home_open(const char *path, sqlite3_int64 uid, int *nomem) {
  pthread_mutex_lock(&reg_mu);
  knn_home *h = homes;
  while (h && (h->uid != uid || strcmp(h->path, path) != 0)) h = h->next;
  if (!h && (h = calloc(1, sizeof *h)) != NULL) {
    h->path = strdup(path);
    if (!h->path || pthread_mutex_init(&h->mu, NULL)) {
      free(h->path);
      free(h);
      h = NULL;
    } else {
      h->uid = uid;
      h->next = homes;
      homes = h;
    }
  }
  if (h) h->users++;
  pthread_mutex_unlock(&reg_mu);
  *nomem = !h;
  return h;
}

static void home_close(knn_home *h) {
  if (!h) return;
  pthread_mutex_lock(&reg_mu);
  if (--h->users == 0) {
    for (knn_home **p = &homes; *p; p = &(*p)->next)
      if (*p == h) {
        *p = h->next;
        break;
      }
    lru_drop(&h->slot);
    pthread_mutex_destroy(&h->mu);
    free(h->path);
    free(h);
  }
  pthread_mutex_unlock(&reg_mu);
}

int knn_cache_open(knn_cache *c, knn_store *st) {
  memset(c, 0, sizeof *c);
  c->st = st;
  c->db = st->db;
  const char *path = sqlite3_db_filename(st->db, st->schema);
  if (!path || !*path || !st->meta.uid) return SQLITE_OK; /* memory, temp, or no uid: not shared */
  int nomem;
  c->home = home_open(path, st->meta.uid, &nomem);
  return nomem ? SQLITE_NOMEM : SQLITE_OK;
}

void knn_cache_close(knn_cache *c) {
  knn_copy_release(c->w);
  c->w = NULL;
  lru_drop(&c->own);
  home_close(c->home);
  c->home = NULL;
}

/* ---- reading --------------------------------------------------------------------------------- */

/* The generation this connection's snapshot holds: x_info is read again
** only when the file's data version moved. */
static int current_generation(knn_cache *c, sqlite3_int64 *gen) {
  unsigned dv = knn_store_data_version(c->st);
  if (!c->known || dv != c->data_version) {
    int rc = knn_store_generation(c->st, &c->generation);
    if (rc) return rc;
    c->data_version = dv;
    c->known = 1;
  }
  *gen = c->generation;
  return SQLITE_OK;
}

/* Loads the table in full as generation gen. */
static int load_full(knn_cache *c, sqlite3_int64 gen, knn_copy **out) {
  hnsw *h = NULL;
  int64_t max_rowid = 0;
  int rc = knn_store_load(c->st, &h, &max_rowid);
  if (rc) return rc;
  __atomic_add_fetch(&n_loads, 1, __ATOMIC_RELAXED);
  *out = copy_new(c, h, gen, max_rowid);
  return *out ? SQLITE_OK : SQLITE_NOMEM;
}

/* base (of an older generation) brought to gen by the change log into
** *out: in place when in_place, else in a clone. *out stays NULL when the
** log cannot do it. */
static int catch_up(knn_cache *c, knn_copy *base, sqlite3_int64 gen, int in_place, knn_copy **out) {
  *out = NULL;
  if (c->st->meta.format < 3) return SQLITE_OK;
  hnsw *h = in_place ? base->h : hnsw_clone(base->h);
  if (!h) return SQLITE_NOMEM;
  int64_t max_rowid = base->max_rowid;
  int applied = 0;
  int rc = knn_store_apply(c->st, h, base->generation, &max_rowid, &applied);
  if (rc == SQLITE_OK && applied) __atomic_add_fetch(&n_catch_ups, 1, __ATOMIC_RELAXED);
  if (in_place) {
    if (rc || !applied) return rc == SQLITE_NOMEM ? rc : SQLITE_OK; /* the caller drops base */
    base->generation = gen;
    base->max_rowid = max_rowid;
    copy_recount(base);
    *out = base;
    return SQLITE_OK;
  }
  if (rc || !applied) {
    hnsw_free(h);
    return rc == SQLITE_NOMEM ? rc : SQLITE_OK; /* another error: a reload reports it */
  }
  *out = copy_new(c, h, gen, max_rowid);
  return *out ? SQLITE_OK : SQLITE_NOMEM;
}

/* Caches x (a reference is taken): in the shared slot unless it holds a
** newer generation, else in this connection's own. Call with the home's
** mutex held. */
static void publish(knn_cache *c, knn_copy *x) {
  if (c->home) {
    knn_copy *cur = lru_get(&c->home->slot, copy_retain);
    int newer = cur && cur->generation > x->generation;
    knn_copy_release(cur);
    if (!newer) {
      /* shared: the process budget only (no connection owns it) */
      lru_put(&c->home->slot, x, x->bytes, NULL, copy_retain, copy_release);
      lru_drop(&c->own); /* an older copy of this connection's: not needed */
      return;
    }
  }
  lru_put(&c->own, x, x->bytes, c->db, copy_retain, copy_release);
}

/* The copy of generation gen from a slot, or the newest older one in
** *older (either may be NULL; both are references). */
static void lookup(void **slot, sqlite3_int64 gen, knn_copy **hit, knn_copy **older) {
  knn_copy *x = lru_get(slot, copy_retain);
  if (x && x->generation == gen && !*hit) {
    *hit = x;
  } else if (x && x->generation < gen && (!*older || (*older)->generation < x->generation)) {
    knn_copy_release(*older);
    *older = x;
  } else {
    knn_copy_release(x);
  }
}

/* Builds the copy of generation gen (from an older cached one through the
** log, else in full) and publishes it. */
static int build(knn_cache *c, sqlite3_int64 gen, knn_copy **out) {
  knn_copy *hit = NULL, *older = NULL;
  if (c->home) lookup(&c->home->slot, gen, &hit, &older);
  lookup(&c->own, gen, &hit, &older);
  if (hit) {
    knn_copy_release(older);
    *out = hit;
    return SQLITE_OK;
  }
  int rc = older ? catch_up(c, older, gen, 0, out) : SQLITE_OK;
  knn_copy_release(older);
  if (rc == SQLITE_OK && !*out) rc = load_full(c, gen, out);
  if (rc == SQLITE_OK) publish(c, *out);
  return rc;
}

int knn_cache_read(knn_cache *c, knn_copy **out) {
  *out = NULL;
  if (c->w_reload) {
    int rc = load_full(c, c->generation, &c->w);
    if (rc) return rc;
    c->w_reload = 0;
  }
  if (c->w) {
    copy_retain(c->w);
    *out = c->w;
    return SQLITE_OK;
  }
  sqlite3_int64 gen;
  int rc = current_generation(c, &gen);
  if (rc) return rc;
  knn_copy *hit = NULL, *older = NULL;
  if (c->home) lookup(&c->home->slot, gen, &hit, &older);
  if (!hit) lookup(&c->own, gen, &hit, &older);
  knn_copy_release(older);
  if (!hit) {
    if (c->home) pthread_mutex_lock(&c->home->mu);
    rc = build(c, gen, &hit);
    if (c->home) pthread_mutex_unlock(&c->home->mu);
  }
  if (hit && hit->by != c && !__atomic_load_n(&hit->read_by_others, __ATOMIC_RELAXED))
    __atomic_store_n(&hit->read_by_others, 1, __ATOMIC_RELAXED);
  *out = hit;
  return rc;
}

/* ---- writing --------------------------------------------------------------------------------- */

/* The cached copy itself when nobody holds it and no other connection has
** read it (see copy_sole). */
static knn_copy *take_cached(knn_cache *c) {
  knn_copy *x = c->home ? lru_take(&c->home->slot, copy_sole) : NULL;
  if (!x) x = lru_take(&c->own, copy_sole);
  return x;
}

int knn_cache_write(knn_cache *c, knn_copy **out) {
  if (c->w || c->w_reload) {
    knn_copy *x = NULL;
    int rc = knn_cache_read(c, &x); /* loads w after ROLLBACK TO */
    knn_copy_release(x);
    *out = c->w;
    return rc;
  }
  sqlite3_int64 gen;
  int rc = current_generation(c, &gen);
  if (rc) return rc;
  knn_copy *x = take_cached(c);
  if (x && x->generation != gen) {
    knn_copy *y = NULL;
    rc = x->generation < gen ? catch_up(c, x, gen, 1, &y) : SQLITE_OK;
    if (!y) knn_copy_release(x);
    x = y;
  }
  if (rc == SQLITE_OK && !x) {
    knn_copy *r = NULL;
    rc = knn_cache_read(c, &r);
    if (rc == SQLITE_OK) {
      hnsw *h = hnsw_clone(r->h);
      x = h ? copy_new(c, h, r->generation, r->max_rowid) : NULL;
      if (!x) rc = SQLITE_NOMEM;
    }
    knn_copy_release(r);
  }
  if (rc) return rc;
  c->w = x;
  knn_store_log_begin(c->st, gen + 1);
  *out = x;
  return SQLITE_OK;
}

void knn_cache_lose_write(knn_cache *c) {
  knn_copy_release(c->w);
  c->w = NULL;
  c->w_reload = 1;
}

int knn_cache_sync(knn_cache *c) {
  int rc = knn_store_log_end(c->st);
  if (rc == SQLITE_OK) rc = knn_store_bump_generation(c->st);
  if (rc == SQLITE_OK) rc = knn_store_generation(c->st, &c->generation);
  if (rc) return rc;
  c->known = c->synced = 1;
  if (c->w) c->w->generation = c->generation;
  return SQLITE_OK;
}

void knn_cache_commit(knn_cache *c) {
  /* our own commit moved the data version: the generation read at sync
  ** stays current (we held the write lock since) */
  if (c->synced) c->data_version = knn_store_data_version(c->st);
  c->synced = 0;
  c->w_reload = 0;
  if (!c->w) return;
  knn_copy *x = c->w;
  c->w = NULL;
  copy_recount(x);
  if (c->home) pthread_mutex_lock(&c->home->mu);
  publish(c, x);
  if (c->home) pthread_mutex_unlock(&c->home->mu);
  knn_copy_release(x);
}

void knn_cache_rollback(knn_cache *c, int to_savepoint) {
  int wrote = c->w || c->w_reload;
  knn_copy_release(c->w);
  c->w = NULL;
  c->w_reload = to_savepoint && wrote;
  if (!to_savepoint) {
    c->synced = 0;
    c->st->log_gen = 0;
    c->known = 0; /* the generation read inside the transaction may be undone */
  }
}
