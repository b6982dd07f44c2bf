/*
** idmap: ids live in an entry array (index = dense id). Two lookups lead to
** an entry:
**   - direct[]: for non-negative integer ids that are small next to the
**     number of ids (v < 4 n + 65536), direct[v] = index + 1. Dense integer
**     ids, the common case, never hash.
**   - a hash table (open addressing, linear probing, power-of-two size,
**     load <= 1/2) whose slots hold index + 1, for every other id.
** An integer id goes to direct[] when it is covered at the time it is added,
** else to the hash; when direct[] grows, the hashed integers it now covers
** move to it and leave the hash (ids read in random order: the first large
** ones come before the map has grown to cover them), and one met again
** once covered goes to direct[] too; lookups try direct[] first, then the
** hash (only when the hash holds integers at all). Text lives in one growing arena.
*/
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct idmap_entry idmap_entry;
struct idmap_entry {
  uint64_t hash;
  int64_t value;   /* the integer, or the arena offset of the text */
  uint32_t len;    /* text length */
  uint16_t kind;   /* IDMAP_INT or IDMAP_TEXT */
  uint16_t hashed; /* 1 when the entry has a hash slot */
};

struct idmap {
  idmap_entry *ent;
  uint32_t n, cap;  /* entries used / allocated */
  uint32_t limit;   /* most entries: IDMAP_MAX_IDS unless lowered */
  uint32_t *direct; /* direct[v] = index + 1, 0 = none */
  uint64_t direct_cap;
  uint32_t *slot;       /* index + 1; 0 = empty */
  uint64_t mask;        /* slot count - 1 */
  uint32_t hashed;      /* entries with a slot */
  uint32_t hashed_ints; /* of which integers */
  char *arena;
  size_t arena_len, arena_cap;
};

static uint64_t hash_int(int64_t v) {
  uint64_t z = (uint64_t)v + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t hash_text(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  return h ^ (h >> 32);
}

idmap *idmap_new(void) {
  idmap *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->mask = 63;
  m->limit = IDMAP_MAX_IDS;
  m->slot = calloc(64, sizeof *m->slot);
  if (!m->slot) {
    free(m);
    return NULL;
  }
  return m;
}

void idmap_free(idmap *m) {
  if (!m) return;
  free(m->ent);
  free(m->direct);
  free(m->slot);
  free(m->arena);
  free(m);
}

uint32_t idmap_size(const idmap *m) { return m->n; }
size_t idmap_bytes(const idmap *m) {
  if (!m) return 0;
  return sizeof *m + (size_t)m->cap * sizeof *m->ent + (size_t)m->direct_cap * sizeof *m->direct +
         (m->slot ? (size_t)(m->mask + 1) * sizeof *m->slot : 0) + m->arena_cap;
}
int idmap_kind(const idmap *m, uint32_t i) { return (int)m->ent[i].kind; }
int64_t idmap_int(const idmap *m, uint32_t i) { return m->ent[i].value; }
const char *idmap_text(const idmap *m, uint32_t i, size_t *n) {
  *n = m->ent[i].len;
  return m->arena + m->ent[i].value;
}

/* Slot where the id lives, or the empty slot where it would go. */
static uint64_t probe(const idmap *m, uint64_t h, int kind, int64_t v, const char *s, size_t n) {
  uint64_t p = h & m->mask;
  for (;;) {
    uint32_t e = m->slot[p];
    if (e == 0) return p;
    const idmap_entry *x = &m->ent[e - 1];
    if (x->hash == h && x->kind == kind) {
      if (kind == IDMAP_INT) {
        if (x->value == v) return p;
      } else if (x->len == n && memcmp(m->arena + x->value, s, n) == 0) {
        return p;
      }
    }
    p = (p + 1) & m->mask;
  }
}

/* Doubles the slot table and reinserts every hashed entry. */
static int grow_slots(idmap *m) {
  uint64_t nslots = (m->mask + 1) * 2;
  uint32_t *slot = calloc(nslots, sizeof *slot);
  if (!slot) return -1;
  free(m->slot);
  m->slot = slot;
  m->mask = nslots - 1;
  for (uint32_t i = 0; i < m->n; i++) {
    if (!m->ent[i].hashed) continue;
    uint64_t p = m->ent[i].hash & m->mask;
    while (m->slot[p]) p = (p + 1) & m->mask;
    m->slot[p] = i + 1;
  }
  return 0;
}

/* After direct[] grew: hashed integer ids it now covers move to it and
** leave the hash, which is rebuilt with the rest. Once every integer id is
** covered, no lookup probes the hash any more (ids in random order hash
** many of the first large ones, and then every new id would probe it). */
static void absorb_hashed(idmap *m) {
  if (!m->hashed_ints) return;
  for (uint32_t i = 0; i < m->n; i++) {
    idmap_entry *x = &m->ent[i];
    if (!x->hashed || x->kind != IDMAP_INT || x->value < 0 || (uint64_t)x->value >= m->direct_cap) continue;
    m->direct[x->value] = i + 1;
    x->hashed = 0;
    m->hashed--;
    m->hashed_ints--;
  }
  memset(m->slot, 0, (size_t)(m->mask + 1) * sizeof *m->slot);
  for (uint32_t i = 0; i < m->n; i++) {
    if (!m->ent[i].hashed) continue;
    uint64_t p = m->ent[i].hash & m->mask;
    while (m->slot[p]) p = (p + 1) & m->mask;
    m->slot[p] = i + 1;
  }
}

/* Makes direct[] cover v if v is small next to the number of ids. Returns 1
** when v is covered. */
static int direct_cover(idmap *m, int64_t v) {
  if (v < 0) return 0;
  if ((uint64_t)v < m->direct_cap) return 1;
  uint64_t limit = 4 * (uint64_t)m->n + 65536;
  if ((uint64_t)v >= limit) return 0;
  uint64_t cap = m->direct_cap ? m->direct_cap : 4096;
  while (cap <= (uint64_t)v) cap *= 2;
  uint32_t *d = realloc(m->direct, cap * sizeof *d);
  if (!d) return 0; /* the hash still works */
  memset(d + m->direct_cap, 0, (cap - m->direct_cap) * sizeof *d);
  m->direct = d;
  m->direct_cap = cap;
  absorb_hashed(m);
  return 1;
}

void idmap_set_limit(idmap *m, uint32_t limit) { m->limit = limit < IDMAP_MAX_IDS ? limit : IDMAP_MAX_IDS; }

#define ERR_NOMEM (-(int64_t)RS_NOMEM)
#define ERR_FULL (-(int64_t)RS_TOOBIG)

/* Appends an entry (text copied into the arena). Returns its index,
** ERR_NOMEM or ERR_FULL. */
static int64_t push_entry(idmap *m, int kind, int64_t v, const char *s, size_t n, uint64_t h, int hashed) {
  if (m->n >= m->limit) return ERR_FULL;
  if (m->n == m->cap) {
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    if (cap < m->cap || cap > IDMAP_MAX_IDS) cap = IDMAP_MAX_IDS;
    idmap_entry *ent = realloc(m->ent, (size_t)cap * sizeof *ent);
    if (!ent) return ERR_NOMEM;
    m->ent = ent;
    m->cap = cap;
  }
  idmap_entry *x = &m->ent[m->n];
  x->hash = h;
  x->kind = (uint16_t)kind;
  x->hashed = (uint16_t)hashed;
  x->len = 0;
  x->value = v;
  if (kind == IDMAP_TEXT) {
    if (m->arena_len + n + 1 > m->arena_cap) {
      size_t cap = m->arena_cap ? m->arena_cap : 256;
      while (cap < m->arena_len + n + 1) cap *= 2;
      char *a = realloc(m->arena, cap);
      if (!a) return ERR_NOMEM;
      m->arena = a;
      m->arena_cap = cap;
    }
    if (n) memcpy(m->arena + m->arena_len, s, n);
    m->arena[m->arena_len + n] = 0;
    x->value = (int64_t)m->arena_len;
    x->len = (uint32_t)n;
    m->arena_len += n + 1;
  }
  return (int64_t)m->n++;
}

/* Adds to the hash table (the id is known to be absent). */
static int64_t add_hashed(idmap *m, int kind, int64_t v, const char *s, size_t n, uint64_t h) {
  if (m->n >= m->limit) return ERR_FULL;
  if ((uint64_t)(m->hashed + 1) * 2 > m->mask + 1 && grow_slots(m)) return ERR_NOMEM;
  uint64_t p = probe(m, h, kind, v, s, n);
  int64_t i = push_entry(m, kind, v, s, n, h, 1);
  if (i < 0) return i;
  m->slot[p] = (uint32_t)i + 1;
  m->hashed++;
  if (kind == IDMAP_INT) m->hashed_ints++;
  return i;
}

int64_t idmap_add_int(idmap *m, int64_t v) {
  if (v >= 0 && (uint64_t)v < m->direct_cap && m->direct[v]) return (int64_t)m->direct[v] - 1;
  uint64_t h = hash_int(v);
  if (m->hashed_ints) {
    uint64_t p = probe(m, h, IDMAP_INT, v, NULL, 0);
    if (m->slot[p]) {
      /* hashed when the map was small; once direct[] covers it, later
      ** lookups skip the hash (3 random reads: slot, entry, direct) */
      int64_t i = (int64_t)m->slot[p] - 1; /* read before direct_cover rebuilds the hash */
      if (direct_cover(m, v)) m->direct[v] = (uint32_t)i + 1;
      return i;
    }
  }
  if (direct_cover(m, v)) {
    int64_t i = push_entry(m, IDMAP_INT, v, NULL, 0, h, 0);
    if (i >= 0) m->direct[v] = (uint32_t)i + 1;
    return i;
  }
  return add_hashed(m, IDMAP_INT, v, NULL, 0, h);
}

int64_t idmap_add_text(idmap *m, const char *s, size_t n) {
  if (n > 0xFFFFFFFFu) return ERR_FULL;
  uint64_t h = hash_text(s, n);
  uint64_t p = probe(m, h, IDMAP_TEXT, 0, s, n);
  if (m->slot[p]) return (int64_t)m->slot[p] - 1;
  return add_hashed(m, IDMAP_TEXT, 0, s, n, h);
}

int64_t idmap_find_int(const idmap *m, int64_t v) {
  if (v >= 0 && (uint64_t)v < m->direct_cap && m->direct[v]) return (int64_t)m->direct[v] - 1;
  if (!m->hashed_ints) return -1;
  uint64_t p = probe(m, hash_int(v), IDMAP_INT, v, NULL, 0);
  return m->slot[p] ? (int64_t)m->slot[p] - 1 : -1;
}

int64_t idmap_find_text(const idmap *m, const char *s, size_t n) {
  uint64_t p = probe(m, hash_text(s, n), IDMAP_TEXT, 0, s, n);
  return m->slot[p] ? (int64_t)m->slot[p] - 1 : -1;
}

void idmap_prefetch_int(const idmap *m, int64_t v) {
  if (v >= 0 && (uint64_t)v < m->direct_cap) __builtin_prefetch(&m->direct[v]);
}
