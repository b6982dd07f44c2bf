/*
** idmap: an open-addressing hash table (linear probing, power-of-two size,
** load <= 1/2) whose slots hold entry indices. Entries keep the id: an
** integer, or an offset and length into one growing text arena.
*/
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct idmap_entry idmap_entry;
struct idmap_entry {
  uint64_t hash;
  int64_t value;    /* the integer, or the arena offset of the text */
  uint32_t len;     /* text length */
  uint32_t kind;    /* IDMAP_INT or IDMAP_TEXT */
};

struct idmap {
  idmap_entry *ent;
  uint32_t n, cap;  /* entries used / allocated */
  uint32_t *slot;   /* entry index + 1; 0 = empty */
  uint64_t mask;    /* slot count - 1 */
  char *arena;
  size_t arena_len, arena_cap;
};

static uint64_t hash_int(int64_t v) {
  uint64_t z = (uint64_t)v + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) | 1; /* never equal to a text hash by accident of 0 */
}

static uint64_t hash_text(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h & ~(uint64_t)1; /* text hashes even, integer hashes odd */
}

idmap *idmap_new(void) {
  idmap *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->mask = 63;
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
  free(m->slot);
  free(m->arena);
  free(m);
}

uint32_t idmap_size(const idmap *m) { return m->n; }
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
    if (x->hash == h && (int)x->kind == kind) {
      if (kind == IDMAP_INT) {
        if (x->value == v) return p;
      } else if (x->len == n && memcmp(m->arena + x->value, s, n) == 0) {
        return p;
      }
    }
    p = (p + 1) & m->mask;
  }
}

/* Doubles the slot table and reinserts every entry. */
static int grow_slots(idmap *m) {
  uint64_t nslots = (m->mask + 1) * 2;
  uint32_t *slot = calloc(nslots, sizeof *slot);
  if (!slot) return -1;
  free(m->slot);
  m->slot = slot;
  m->mask = nslots - 1;
  for (uint32_t i = 0; i < m->n; i++) {
    uint64_t p = m->ent[i].hash & m->mask;
    while (m->slot[p]) p = (p + 1) & m->mask;
    m->slot[p] = i + 1;
  }
  return 0;
}

static int64_t add(idmap *m, int kind, int64_t v, const char *s, size_t n) {
  if (kind == IDMAP_TEXT && n > 0xFFFFFFFFu) return -1;
  uint64_t h = kind == IDMAP_INT ? hash_int(v) : hash_text(s, n);
  uint64_t p = probe(m, h, kind, v, s, n);
  if (m->slot[p]) return (int64_t)m->slot[p] - 1;
  if (m->n >= IDMAP_MAX_IDS) return -1;
  if ((uint64_t)(m->n + 1) * 2 > m->mask + 1) {
    if (grow_slots(m)) return -1;
    p = probe(m, h, kind, v, s, n);
  }
  if (m->n == m->cap) {
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    if (cap < m->cap || cap > IDMAP_MAX_IDS) cap = IDMAP_MAX_IDS;
    idmap_entry *ent = realloc(m->ent, (size_t)cap * sizeof *ent);
    if (!ent) return -1;
    m->ent = ent;
    m->cap = cap;
  }
  idmap_entry *x = &m->ent[m->n];
  x->hash = h;
  x->kind = (uint32_t)kind;
  x->len = 0;
  if (kind == IDMAP_INT) {
    x->value = v;
  } else {
    if (m->arena_len + n + 1 > m->arena_cap) {
      size_t cap = m->arena_cap ? m->arena_cap : 256;
      while (cap < m->arena_len + n + 1) cap *= 2;
      char *a = realloc(m->arena, cap);
      if (!a) return -1;
      m->arena = a;
      m->arena_cap = cap;
    }
    if (n) memcpy(m->arena + m->arena_len, s, n);
    m->arena[m->arena_len + n] = 0;
    x->value = (int64_t)m->arena_len;
    x->len = (uint32_t)n;
    m->arena_len += n + 1;
  }
  m->slot[p] = m->n + 1;
  return (int64_t)m->n++;
}

int64_t idmap_add_int(idmap *m, int64_t v) { return add(m, IDMAP_INT, v, NULL, 0); }
int64_t idmap_add_text(idmap *m, const char *s, size_t n) { return add(m, IDMAP_TEXT, 0, s, n); }

int64_t idmap_find_int(const idmap *m, int64_t v) {
  uint64_t p = probe(m, hash_int(v), IDMAP_INT, v, NULL, 0);
  return m->slot[p] ? (int64_t)m->slot[p] - 1 : -1;
}

int64_t idmap_find_text(const idmap *m, const char *s, size_t n) {
  uint64_t p = probe(m, hash_text(s, n), IDMAP_TEXT, 0, s, n);
  return m->slot[p] ? (int64_t)m->slot[p] - 1 : -1;
}
