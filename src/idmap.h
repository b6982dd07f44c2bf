/*
** idmap: external ids (INTEGER or TEXT) <-> dense indices 0..n-1.
**
** Every object maps the user and item ids of its source through an idmap, so
** the engine works on dense uint32 indices and results come back with the ids
** exactly as they went in. INTEGER 7 and TEXT '7' are different ids.
** Indices are given in order of first appearance.
*/
#ifndef RECSQL_IDMAP_H
#define RECSQL_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct idmap idmap;

enum { IDMAP_INT = 1, IDMAP_TEXT = 2 };

/* Largest number of ids one map holds. */
#define IDMAP_MAX_IDS 0xFFFFFFF0u

idmap *idmap_new(void);
void idmap_free(idmap *m);
/* Lowers the number of ids m holds (limit <= IDMAP_MAX_IDS): for callers
** with a smaller index type, and for tests of the limit. */
void idmap_set_limit(idmap *m, uint32_t limit);

/* Index of the id, added if new; or -RS_NOMEM (-1) when out of memory,
** -RS_TOOBIG (-2) when the map already holds its limit of ids
** (IDMAP_MAX_IDS, or idmap_set_limit's). */
int64_t idmap_add_int(idmap *m, int64_t v);
int64_t idmap_add_text(idmap *m, const char *s, size_t n);

/* Prefetches what idmap_add_int / idmap_find_int of v will read first (its
** slot of the direct array), for callers that know ids ahead: a batch of
** lookups then overlaps its cache misses. Changes nothing. */
void idmap_prefetch_int(const idmap *m, int64_t v);

/* Index of the id, or -1 when absent. */
int64_t idmap_find_int(const idmap *m, int64_t v);
int64_t idmap_find_text(const idmap *m, const char *s, size_t n);

uint32_t idmap_size(const idmap *m);
/* Bytes allocated by m (for cache budgets). */
size_t idmap_bytes(const idmap *m);
/* IDMAP_INT or IDMAP_TEXT for index i < size. */
int idmap_kind(const idmap *m, uint32_t i);
int64_t idmap_int(const idmap *m, uint32_t i);
/* Bytes of a TEXT id (not NUL-terminated in general; *n gets the length). */
const char *idmap_text(const idmap *m, uint32_t i, size_t *n);

#endif
