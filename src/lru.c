/*
** lru: see lru.h. One mutex guards the entry list, the totals and the owner
** budgets; entries are few (one per cached graph or index), so lookups by
** slot and per-owner sums are linear scans.
*/
#include "lru.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct entry entry;
struct entry {
  void **slot;
  void *value;
  size_t bytes;
  const void *owner;
  void (*release)(void *);
  entry *prev, *next; /* prev: more recently used */
};

typedef struct owner_budget owner_budget;
struct owner_budget {
  const void *owner;
  size_t budget;
  owner_budget *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry *head, *tail; /* most / least recently used */
static size_t used, n_entries, budget;
static int budget_set;
static uint64_t evictions;
static owner_budget *owners;

static size_t default_budget(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0) return (size_t)1 << 30;
  return (size_t)pages / 4 * (size_t)size;
}

/* All below: called with mu held. */

static size_t process_budget(void) {
  if (!budget_set) {
    budget = default_budget();
    budget_set = 1;
  }
  return budget;
}

static void unlink_entry(entry *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    tail = e->prev;
  e->prev = e->next = NULL;
}

static void push_front(entry *e) {
  e->prev = NULL;
  e->next = head;
  if (head) head->prev = e;
  head = e;
  if (!tail) tail = e;
}

static entry *find(void **slot) {
  for (entry *e = head; e; e = e->next)
    if (e->slot == slot) return e;
  return NULL;
}

/* Removes e: clears its slot, releases the cache's reference, frees e. */
static void remove_entry(entry *e, int evicted) {
  unlink_entry(e);
  *e->slot = NULL;
  used -= e->bytes;
  n_entries--;
  if (evicted) evictions++;
  e->release(e->value);
  free(e);
}

static owner_budget *find_owner(const void *owner) {
  for (owner_budget *o = owners; o; o = o->next)
    if (o->owner == owner) return o;
  return NULL;
}

static size_t owner_used(const void *owner, size_t *count) {
  size_t s = 0, c = 0;
  for (entry *e = head; e; e = e->next)
    if (e->owner == owner) {
      s += e->bytes;
      c++;
    }
  if (count) *count = c;
  return s;
}

/* Evicts owner's least recently used entries down to its budget, then
** anyone's down to the process budget. */
static void evict(const void *owner) {
  owner_budget *o = owner ? find_owner(owner) : NULL;
  if (o) {
    size_t ou = owner_used(owner, NULL);
    for (entry *e = tail; e && ou > o->budget;) {
      entry *prev = e->prev;
      if (e->owner == owner) {
        ou -= e->bytes;
        remove_entry(e, 1);
      }
      e = prev;
    }
  }
  size_t b = process_budget();
  while (tail && used > b) remove_entry(tail, 1);
}

void *lru_get(void **slot, void (*retain)(void *)) {
  pthread_mutex_lock(&mu);
  void *v = *slot;
  if (v) {
    entry *e = find(slot);
    if (e) {
      unlink_entry(e);
      push_front(e);
    }
    retain(v);
  }
  pthread_mutex_unlock(&mu);
  return v;
}

int lru_put(void **slot, void *value, size_t bytes, const void *owner, void (*retain)(void *),
            void (*release)(void *)) {
  entry *n = malloc(sizeof *n);
  pthread_mutex_lock(&mu);
  entry *old = find(slot);
  if (old) remove_entry(old, 0);
  int kept = 0;
  if (n) {
    retain(value);
    *n = (entry){slot, value, bytes, owner, release, NULL, NULL};
    *slot = value;
    push_front(n);
    used += bytes;
    n_entries++;
    evict(owner);
    kept = *slot == value;
  }
  pthread_mutex_unlock(&mu);
  return kept;
}

void lru_drop(void **slot) {
  pthread_mutex_lock(&mu);
  entry *e = find(slot);
  if (e) remove_entry(e, 0);
  pthread_mutex_unlock(&mu);
}

void *lru_take(void **slot, int (*sole)(void *)) {
  pthread_mutex_lock(&mu);
  void *v = *slot;
  entry *e = v && sole(v) ? find(slot) : NULL;
  if (e) {
    unlink_entry(e);
    *slot = NULL;
    used -= e->bytes;
    n_entries--;
    free(e);
  }
  pthread_mutex_unlock(&mu);
  return e ? v : NULL;
}

size_t lru_budget(void) {
  pthread_mutex_lock(&mu);
  size_t b = process_budget();
  pthread_mutex_unlock(&mu);
  return b;
}

void lru_set_budget(size_t bytes) {
  pthread_mutex_lock(&mu);
  budget = bytes;
  budget_set = 1;
  evict(NULL);
  pthread_mutex_unlock(&mu);
}

size_t lru_owner_budget(const void *owner) {
  pthread_mutex_lock(&mu);
  owner_budget *o = find_owner(owner);
  size_t b = o ? o->budget : LRU_UNLIMITED;
  pthread_mutex_unlock(&mu);
  return b;
}

int lru_set_owner_budget(const void *owner, size_t bytes) {
  owner_budget *fresh = malloc(sizeof *fresh);
  pthread_mutex_lock(&mu);
  owner_budget *o = find_owner(owner);
  if (!o && fresh) {
    *fresh = (owner_budget){owner, bytes, owners};
    owners = o = fresh;
    fresh = NULL;
  }
  if (o) {
    o->budget = bytes;
    evict(owner);
  }
  pthread_mutex_unlock(&mu);
  free(fresh);
  return o ? 0 : -1;
}

void lru_owner_forget(const void *owner) {
  pthread_mutex_lock(&mu);
  for (owner_budget **p = &owners; *p; p = &(*p)->next)
    if ((*p)->owner == owner) {
      owner_budget *o = *p;
      *p = o->next;
      free(o);
      break;
    }
  pthread_mutex_unlock(&mu);
}

void lru_get_stats(const void *owner, lru_stats *out) {
  pthread_mutex_lock(&mu);
  out->used = used;
  out->budget = process_budget();
  out->entries = n_entries;
  out->evictions = evictions;
  out->owner_used = owner_used(owner, &out->owner_entries);
  pthread_mutex_unlock(&mu);
}

int lru_parse_size(const char *s, size_t *out) {
  if (!s) return -1;
  char *end;
  double v = strtod(s, &end);
  if (end == s || !isfinite(v) || v < 0) return -1;
  while (*end == ' ') end++;
  double mul = 1;
  const char *units = "kmgt";
  if (*end) {
    const char *u = strchr(units, tolower((unsigned char)*end));
    if (!u && tolower((unsigned char)*end) != 'b') return -1;
    if (u) {
      for (const char *q = units; q <= u; q++) mul *= 1024;
      end++;
      if (*end == 'i' || *end == 'I') end++;
    }
    if (*end == 'b' || *end == 'B') end++;
  }
  if (*end) return -1;
  double b = v * mul;
  if (b >= 18446744073709549568.0) return -1; /* past size_t */
  *out = (size_t)b;
  return 0;
}
