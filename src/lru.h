/*
** lru: one process-wide memory budget for caches, with least-recently-used
** eviction, and an optional budget per owner (a connection).
**
**   static void *slot;                       // the cache: one pointer, owned here
**   void *v = lru_get(&slot, retain);        // a reference to the cached value, or NULL
**   ... else build v (holding one reference) ...
**   lru_put(&slot, v, bytes, db, retain, release);   // the cache takes its own reference
**   ...
**   lru_drop(&slot);                         // when the cache's owner goes away
**
** How: every cached value sits in a slot (a void * that the caller owns but
** only reads and writes through these functions) and in one list, most
** recently used first, under one mutex. lru_put adds the value's bytes to the
** process total and its owner's total, then evicts from the tail — the
** owner's own entries while the owner is over its budget, anyone's while the
** process is over — by clearing the entry's slot and releasing the cache's
** reference. Any thread may evict any entry: values must be reference
** counted with atomic counts (a statement that holds a reference keeps using
** its copy; the memory returns when the last reference goes). A value larger
** than a budget is evicted at once (the caller's own reference stays valid).
**
** retain and release run under the mutex: they must only count references
** and free memory, never call back into lru.
*/
#ifndef RECSQL_LRU_H
#define RECSQL_LRU_H

#include <stddef.h>
#include <stdint.h>

#define LRU_UNLIMITED SIZE_MAX

/* The value in *slot with one reference taken (retain), marked most
** recently used; NULL when the slot is empty (never filled, or evicted). */
void *lru_get(void **slot, void (*retain)(void *));

/* Caches value (bytes large, belonging to owner) in *slot, replacing and
** releasing what the slot held, then evicts down to the budgets. The cache
** takes its own reference with retain. Returns 1 when value is still cached
** afterwards, 0 when it was evicted at once (larger than a budget). */
int lru_put(void **slot, void *value, size_t bytes, const void *owner, void (*retain)(void *),
            void (*release)(void *));

/* Empties *slot, releasing the cache's reference (no-op when empty). */
void lru_drop(void **slot);

/* Takes the value out of *slot when sole(value) says that the cache's
** reference is its only one (checked under the mutex, so that no lru_get
** can hand out another meanwhile): the slot is emptied and the cache's
** reference passes to the caller, who may then change the value in place.
** NULL, the slot untouched, when the slot is empty or the value is shared.
** sole runs under the mutex (it should only read a count). */
void *lru_take(void **slot, int (*sole)(void *));

/* The process budget in bytes (default: a quarter of physical memory).
** Setting it evicts at once down to it. */
size_t lru_budget(void);
void lru_set_budget(size_t bytes);

/* An owner's budget (default LRU_UNLIMITED: only the process budget
** applies); setting evicts at once. lru_owner_forget drops the owner's
** setting (its entries stay until dropped or evicted). */
size_t lru_owner_budget(const void *owner);
int lru_set_owner_budget(const void *owner, size_t bytes); /* -1: out of memory */
void lru_owner_forget(const void *owner);

typedef struct lru_stats lru_stats;
struct lru_stats {
  size_t used, budget;  /* process: bytes cached, budget */
  size_t entries;       /* values cached */
  uint64_t evictions;   /* since the process started */
  size_t owner_used;    /* of the owner asked about */
  size_t owner_entries; /* of the owner asked about */
};
void lru_get_stats(const void *owner, lru_stats *out);

/* Parses "123", "512k", "64MB", "2 GiB", "1.5g" (powers of 1024) into bytes;
** returns -1 when s is not such a size. */
int lru_parse_size(const char *s, size_t *out);

#endif
