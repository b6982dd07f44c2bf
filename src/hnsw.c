/*
** hnsw: vector store and HNSW graph. See hnsw.h.
**
** Layout (as hnswlib): level-0 lists are one array of fixed-size records
** [count, slot x m0]; upper-level lists are allocated per node only for the
** ~1/m nodes above level 0. Searches tag visited slots with an epoch counter,
** so no per-search clearing is needed, and prefetch the vectors of the
** neighbours they are about to score.
*/
#include "hnsw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knn_flat.h"
#include "quant.h"
#include "rng.h"
#include "vec.h"

/* What a search or an insert writes besides the store: visited tags, heaps,
** the normalized query, its int8 codes and its padded floats (the int8
** candidates are re-scored with them), the encoder's bytes. */
struct hnsw_scratch {
  uint8_t *visited; /* a byte per slot (1 MB per million: stays in L2), tag wraps at 255 */
  uint32_t vcap, tag;
  void *cand, *res, *work; /* heaps and a work array of (distance, slot) */
  size_t cand_cap, res_cap, work_cap;
  float *qbuf;
  size_t qbuf_n;
  int8_t *qa;       /* signed query codes of searches; an insert's new codes */
  uint8_t *utmp;    /* encoder scratch, stride bytes */
  float *qfa, *qfb; /* float queries padded to stride, then their block sums: searches and inserts /
                       neighbour selection */
  float *qbs;       /* block sums of the query codes qa */
  float *clo;       /* an insert's offsets, then steps (hnsw_code_blocks each) */
  size_t q_n;       /* stride the buffers above fit */
};

struct hnsw {
  size_t dim;
  int metric; /* KNN_IP, KNN_COSINE, KNN_L2 */
  int graph;  /* 0: store only (exact search) */
  uint32_t m, m0, ef_construction;
  uint64_t seed;
  double level_mult;

  uint32_t n, cap; /* slots used / allocated */
  uint32_t n_live;
  float *vec;       /* cap x dim, NULL when int8 without floats */
  int64_t *key;     /* slot -> key */
  uint8_t *deleted; /* slot -> 1 when removed */
  uint8_t *level;   /* slot -> level */
  uint32_t *links0; /* cap x (m0 + 1): count, then slots */
  uint32_t **upper; /* slot -> level x (m + 1), NULL for level 0 */
  int64_t entry;    /* entry point slot, -1 when empty */
  int max_level;

  /* int8 (hnsw_set_int8): affine codes (src/quant.h), rows of stride bytes */
  int int8, floats; /* floats: vec is kept */
  int format;       /* of new codes: 2 symmetric, 3 affine per vector, 4 affine per block */
  uint32_t rerank;
  size_t stride, nb, ms; /* nb = stride / Q8_BLOCK blocks in memory, ms = q8_meta_floats(stride) */
  uint8_t *codes;        /* cap x stride */
  float *qmeta;          /* slot -> ms floats (src/quant.h) */
  float *qnorm;          /* slot -> squared norm of the decoded vector */
  const q8_kernels *kern;
  /* A float graph store (not int8) keeps format-4 codes of its slots
  ** [0, n_coded) too, made when the graph first changes (link_codes_fit),
  ** and links with them as an int8 store does (Faiss's HNSW over scalar
  ** codes builds so): the walk, the neighbour selection and the shrinking
  ** of full lists read a quarter of the floats' bytes. Searches use the
  ** floats. Measured: builds 1.3-2x faster, the same recall at each ef. */
  int link8;
  uint32_t n_coded, code_cap;

  /* key -> slot, open addressing with linear probing */
  int64_t *map_key;
  uint32_t *map_val; /* UINT32_MAX = empty */
  size_t map_cap, map_n;

  uint32_t n_unpurged; /* removals since the last hnsw_purge */

  /* nodes changed since hnsw_dirty_clear */
  uint8_t *dirty;
  uint32_t *dirty_list;
  size_t n_dirty, dirty_cap;

  hnsw_scratch own; /* scratch of inserts, removals and hnsw_search */
};

/* A query prepared for the store. HQ_FLOAT: the float query f against the
** float vectors; HQ_CODES: its int8 codes c against the codes (the kernels'
** integer sums); HQ_ASYM: f (padded to stride, with its sum and squared
** norm) against the codes; HQ_SLOT: the codes of a slot against the codes
** (the exact dot of the two decoded vectors, from integer sums: what
** decoding the slot into an HQ_ASYM query gives, without decoding). */
enum { HQ_FLOAT, HQ_CODES, HQ_ASYM, HQ_SLOT };
typedef struct hq hq;
struct hq {
  int kind;
  const float *f;
  const float *fbs; /* block sums of f; HQ_SLOT: of the slot's codes */
  float fn2;
  q8_query c;
  uint32_t slot; /* HQ_SLOT: a stored vector's codes against the codes */
};

typedef struct dn dn;
struct dn {
  float d;
  uint32_t id;
};

#define EMPTY UINT32_MAX

/* ---- key map ---------------------------------------------------------------- */

static size_t map_hash(int64_t key, size_t cap) {
  uint64_t s = (uint64_t)key;
  return (size_t)(rng_mix64(&s) & (cap - 1));
}

static int map_grow(hnsw *h) {
  size_t ncap = h->map_cap ? h->map_cap * 2 : 64;
  int64_t *nk = malloc(ncap * sizeof *nk);
  uint32_t *nv = malloc(ncap * sizeof *nv);
  if (!nk || !nv) {
    free(nk);
    free(nv);
    return HNSW_NOMEM;
  }
  for (size_t i = 0; i < ncap; i++) nv[i] = EMPTY;
  for (size_t i = 0; i < h->map_cap; i++) {
    if (h->map_val[i] == EMPTY) continue;
    size_t j = map_hash(h->map_key[i], ncap);
    while (nv[j] != EMPTY) j = (j + 1) & (ncap - 1);
    nk[j] = h->map_key[i];
    nv[j] = h->map_val[i];
  }
  free(h->map_key);
  free(h->map_val);
  h->map_key = nk;
  h->map_val = nv;
  h->map_cap = ncap;
  return HNSW_OK;
}

int64_t hnsw_find(const hnsw *h, int64_t key) {
  if (!h->map_cap) return -1;
  size_t j = map_hash(key, h->map_cap);
  while (h->map_val[j] != EMPTY) {
    if (h->map_key[j] == key) return h->map_val[j];
    j = (j + 1) & (h->map_cap - 1);
  }
  return -1;
}

static int map_put(hnsw *h, int64_t key, uint32_t val) {
  if ((h->map_n + 1) * 2 > h->map_cap && map_grow(h)) return HNSW_NOMEM;
  size_t j = map_hash(key, h->map_cap);
  while (h->map_val[j] != EMPTY) j = (j + 1) & (h->map_cap - 1);
  h->map_key[j] = key;
  h->map_val[j] = val;
  h->map_n++;
  return HNSW_OK;
}

/* Removes key with backward-shift deletion (no tombstones). */
static void map_del(hnsw *h, int64_t key) {
  if (!h->map_cap) return;
  size_t mask = h->map_cap - 1, j = map_hash(key, h->map_cap);
  while (h->map_val[j] != EMPTY && h->map_key[j] != key) j = (j + 1) & mask;
  if (h->map_val[j] == EMPTY) return;
  size_t hole = j;
  for (size_t i = (hole + 1) & mask; h->map_val[i] != EMPTY; i = (i + 1) & mask) {
    size_t home = map_hash(h->map_key[i], h->map_cap);
    /* move i into the hole when its home is not in (hole, i] cyclically */
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      h->map_key[hole] = h->map_key[i];
      h->map_val[hole] = h->map_val[i];
      hole = i;
    }
  }
  h->map_val[hole] = EMPTY;
  h->map_n--;
}

/* ---- store ------------------------------------------------------------------ */

/* The layout of the store's codes, new ones of format (2 to 4). */
static void codes_layout(hnsw *h, int format) {
  h->stride = q8_stride(h->dim);
  h->nb = h->stride / Q8_BLOCK;
  h->ms = q8_meta_floats(h->stride);
  h->format = format;
  h->kern = q8_kernels_best();
}

/* Whether the store keeps codes: an int8 one, or a float one linking by them. */
static inline int has_codes(const hnsw *h) { return h->int8 || h->link8; }

hnsw *hnsw_new(size_t dim, int metric, int graph, uint32_t m, uint32_t ef_construction, uint64_t seed) {
  hnsw *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->dim = dim;
  h->metric = metric;
  h->graph = graph;
  h->m = m < 2 ? 2 : m > 100 ? 100 : m;
  h->m0 = 2 * h->m;
  h->ef_construction = ef_construction < 1 ? 1 : ef_construction;
  h->seed = seed;
  h->level_mult = 1.0 / log((double)h->m);
  h->entry = -1;
  h->max_level = -1;
  h->floats = 1;
  h->link8 = graph;
  if (graph) codes_layout(h, 4);
  return h;
}

static void scratch_clear(hnsw_scratch *sc) {
  free(sc->visited);
  free(sc->cand);
  free(sc->res);
  free(sc->work);
  free(sc->qbuf);
  free(sc->qa);
  free(sc->utmp);
  free(sc->qfa);
  free(sc->qfb);
  free(sc->qbs);
  free(sc->clo);
  memset(sc, 0, sizeof *sc);
}

hnsw_scratch *hnsw_scratch_new(void) { return calloc(1, sizeof(hnsw_scratch)); }

void hnsw_scratch_free(hnsw_scratch *sc) {
  if (!sc) return;
  scratch_clear(sc);
  free(sc);
}

void hnsw_free(hnsw *h) {
  if (!h) return;
  if (h->upper)
    for (uint32_t i = 0; i < h->n; i++) free(h->upper[i]);
  free(h->upper);
  free(h->vec);
  free(h->key);
  free(h->deleted);
  free(h->level);
  free(h->links0);
  free(h->map_key);
  free(h->map_val);
  free(h->dirty);
  free(h->dirty_list);
  scratch_clear(&h->own);
  free(h->codes);
  free(h->qmeta);
  free(h->qnorm);
  free(h);
}

int hnsw_set_int8(hnsw *h, int keep_float, uint32_t rerank, int format) {
  if (h->n || (rerank && !keep_float) || format < 2 || format > 4) return HNSW_INVALID;
  codes_layout(h, format);
  h->int8 = 1;
  h->link8 = 0;
  h->floats = keep_float;
  h->rerank = rerank;
  return HNSW_OK;
}

int hnsw_is_int8(const hnsw *h) { return h->int8; }

/* realloc that leaves *p alone on failure. */
static int grow_array(void *pp, size_t n, size_t size) {
  void **p = pp;
  void *q = realloc(*p, n * size);
  if (!q) return HNSW_NOMEM;
  *p = q;
  return HNSW_OK;
}

/* Makes sc fit h: visited tags for every slot, the query buffers. */
static int scratch_fit(hnsw_scratch *sc, const hnsw *h) {
  if (sc->vcap < h->n) {
    uint32_t nc = h->cap > h->n ? h->cap : h->n;
    if (grow_array(&sc->visited, nc, 1)) return HNSW_NOMEM;
    memset(sc->visited + sc->vcap, 0, (size_t)(nc - sc->vcap));
    sc->vcap = nc;
  }
  if (sc->qbuf_n < h->dim) {
    if (grow_array(&sc->qbuf, h->dim, sizeof(float))) return HNSW_NOMEM;
    sc->qbuf_n = h->dim;
  }
  if (has_codes(h) && sc->q_n < h->stride) {
    size_t nf = h->stride + h->nb;
    if (grow_array(&sc->qa, h->stride, 1) || grow_array(&sc->utmp, h->stride, 1) ||
        grow_array(&sc->qfa, nf, sizeof(float)) || grow_array(&sc->qfb, nf, sizeof(float)) ||
        grow_array(&sc->qbs, h->nb, sizeof(float)) || grow_array(&sc->clo, 2 * h->nb, sizeof(float)))
      return HNSW_NOMEM;
    memset(sc->qa, 0, h->stride);
    memset(sc->utmp, 0, h->stride);
    memset(sc->qfa, 0, nf * sizeof(float));
    memset(sc->qfb, 0, nf * sizeof(float));
    sc->q_n = h->stride;
  }
  return HNSW_OK;
}

static int reserve(hnsw *h, uint32_t need) {
  if (need <= h->cap) return HNSW_OK;
  size_t ncap = h->cap ? (size_t)h->cap * 2 : 1024;
  while (ncap < need) ncap *= 2;
  if (ncap > UINT32_MAX - 1) ncap = UINT32_MAX - 1;
  if (h->floats && grow_array(&h->vec, ncap, h->dim * sizeof(float))) return HNSW_NOMEM;
  if (h->int8 &&
      (grow_array(&h->codes, ncap, h->stride) || grow_array(&h->qmeta, ncap, h->ms * sizeof(float)) ||
       grow_array(&h->qnorm, ncap, sizeof(float))))
    return HNSW_NOMEM;
  if (grow_array(&h->key, ncap, sizeof(int64_t)) || grow_array(&h->deleted, ncap, 1) ||
      grow_array(&h->level, ncap, 1) || grow_array(&h->dirty, ncap, 1))
    return HNSW_NOMEM;
  if (h->graph && (grow_array(&h->links0, ncap, (h->m0 + 1) * sizeof(uint32_t)) ||
                   grow_array(&h->upper, ncap, sizeof(uint32_t *))))
    return HNSW_NOMEM;
  h->cap = (uint32_t)ncap;
  return HNSW_OK;
}

int hnsw_key_level(const hnsw *h, int64_t key) {
  uint64_t s = h->seed ^ ((uint64_t)key * 0x9E3779B97F4A7C15ull);
  uint64_t r = rng_mix64(&s);
  double u = ((double)(r >> 11) + 1.0) * 0x1.0p-53; /* (0, 1] */
  double l = floor(-log(u) * h->level_mult);
  return l > HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : (int)l;
}

static int mark_dirty(hnsw *h, uint32_t s) {
  if (h->dirty[s]) return HNSW_OK;
  if (h->n_dirty == h->dirty_cap) {
    size_t nc = h->dirty_cap ? h->dirty_cap * 2 : 256;
    if (grow_array(&h->dirty_list, nc, sizeof(uint32_t))) return HNSW_NOMEM;
    h->dirty_cap = nc;
  }
  h->dirty[s] = 1;
  h->dirty_list[h->n_dirty++] = s;
  return HNSW_OK;
}

void hnsw_dirty_clear(hnsw *h) {
  for (size_t i = 0; i < h->n_dirty; i++) h->dirty[h->dirty_list[i]] = 0;
  h->n_dirty = 0;
}

/* The dimensions of a block of the store's format. */
static size_t code_block(const hnsw *h) { return h->format == 4 ? Q8_BLOCK : h->dim; }

size_t hnsw_code_blocks(const hnsw *h) { return q8_nblocks(h->dim, code_block(h)); }

/* Stores the codes u (dim of them) of block offsets lo and steps step in slot. */
static void put_codes(hnsw *h, uint32_t slot, const uint8_t *u, const float *lo, const float *step) {
  uint8_t *x = h->codes + (size_t)slot * h->stride;
  memcpy(x, u, h->dim);
  memset(x + h->dim, 0, h->stride - h->dim);
  h->qnorm[slot] =
      q8_meta_fill(h->qmeta + h->ms * (size_t)slot, h->stride, h->dim, code_block(h), u, lo, step);
}

int hnsw_quantize(hnsw *h, const float *v, uint8_t *u, float *lo, float *step) {
  if (scratch_fit(&h->own, h)) return HNSW_NOMEM;
  const float *x = v;
  if (h->metric == KNN_COSINE) {
    if (scratch_fit(&h->own, h)) return HNSW_NOMEM;
    memcpy(h->own.qbuf, v, h->dim * sizeof *v);
    knn_normalize(h->own.qbuf, h->dim);
    x = h->own.qbuf;
  }
  if (h->format != 2) {
    q8_encode_blocks(x, h->dim, code_block(h), u, h->own.utmp, lo, step);
    return HNSW_OK;
  }
  float s = q8_scale(x, h->dim);
  q8_encode(x, h->dim, s, (int8_t *)h->own.utmp);
  for (size_t i = 0; i < h->dim; i++) u[i] = (uint8_t)((int8_t)h->own.utmp[i] + 128);
  *lo = -128.0f * s;
  *step = s;
  return HNSW_OK;
}

/* Appends a slot for key with vector v (normalized for cosine), or codes u
** with their blocks' offsets lo and steps step when v is NULL. */
static int64_t new_slot(hnsw *h, int64_t key, const float *v, const uint8_t *u, const float *lo,
                        const float *step, int level) {
  if (hnsw_find(h, key) >= 0) return HNSW_EXISTS;
  if (h->n >= UINT32_MAX - 2) return HNSW_NOMEM;
  if (reserve(h, h->n + 1) || scratch_fit(&h->own, h)) return HNSW_NOMEM;
  uint32_t s = h->n;
  if (h->graph && level > 0) {
    h->upper[s] = calloc((size_t)level * (h->m + 1), sizeof(uint32_t));
    if (!h->upper[s]) return HNSW_NOMEM;
  } else if (h->graph) {
    h->upper[s] = NULL;
  }
  if (map_put(h, key, s)) {
    if (h->graph) free(h->upper[s]);
    return HNSW_NOMEM;
  }
  if (v && h->floats) {
    float *x = h->vec + (size_t)s * h->dim;
    memcpy(x, v, h->dim * sizeof *x);
    if (h->metric == KNN_COSINE) knn_normalize(x, h->dim);
  }
  if (v && h->int8) {
    uint8_t *tmp = (uint8_t *)h->own.qa; /* stride >= dim bytes */
    float *l = h->own.clo, *st = l + h->nb;
    (void)hnsw_quantize(h, v, tmp, l, st); /* cannot fail: the scratch fits */
    put_codes(h, s, tmp, l, st);
  } else if (!v) {
    put_codes(h, s, u, lo, step);
  }
  h->key[s] = key;
  h->deleted[s] = 0;
  h->level[s] = (uint8_t)level;
  h->dirty[s] = 0;
  if (h->graph) h->links0[(size_t)s * (h->m0 + 1)] = 0;
  h->n++;
  h->n_live++;
  return s;
}

static inline uint32_t *links(const hnsw *h, uint32_t s, int l) {
  if (l == 0) return h->links0 + (size_t)s * (h->m0 + 1);
  return h->upper[s] + (size_t)(l - 1) * (h->m + 1);
}

/* Distance from a prepared query to slot s. */
static inline float dist(const hnsw *h, const hq *q, uint32_t s) {
  if (q->kind == HQ_FLOAT) return knn_distance(h->metric, q->f, h->vec + (size_t)s * h->dim, h->dim);
  const uint8_t *x = h->codes + (size_t)s * h->stride;
  const float *m = h->qmeta + h->ms * (size_t)s;
  if (q->kind == HQ_CODES)
    return q8_distance(h->metric, &q->c, h->kern->dot(x, q->c.c, h->stride, m, q->c.bsum), h->qnorm[s]);
  if (q->kind == HQ_SLOT) {
    const uint8_t *y = h->codes + (size_t)q->slot * h->stride;
    float d = h->kern->cdot(y, x, h->stride, h->dim, h->qmeta + h->ms * (size_t)q->slot, m, q->fbs);
    return knn_distance_of_dot(h->metric, d, q->fn2, h->qnorm[s]);
  }
  float d = q8_offsets_dot(m + h->nb, q->fbs, h->nb) + h->kern->fdot(x, q->f, h->stride, m);
  return knn_distance_of_dot(h->metric, d, q->fn2, h->qnorm[s]);
}

/* Prefetches what dist() reads of slot s: its codes and their metadata
** when codes (a query of kind HQ_CODES or HQ_ASYM), else its floats. */
static inline void prefetch_slot(const hnsw *h, uint32_t s, int codes) {
  if (!codes) {
    const float *x = h->vec + (size_t)s * h->dim;
    for (size_t o = 0; o < h->dim && o < 64; o += 16) __builtin_prefetch(x + o);
  } else {
    __builtin_prefetch(h->codes + (size_t)s * h->stride);
    __builtin_prefetch(h->qmeta + h->ms * (size_t)s);
    if (h->metric == KNN_L2) __builtin_prefetch(&h->qnorm[s]);
  }
}

/* Whether linking reads codes (an int8 store or a link8 one), not floats. */
static inline int links_by_codes(const hnsw *h) { return !h->floats || h->link8; }

/* The sum of a block of Q8_BLOCK floats (eight partial sums: vectorized). */
static inline float block_sum(const float *x) {
  float p[8] = {0};
  for (size_t i = 0; i < Q8_BLOCK; i += 8)
    for (size_t j = 0; j < 8; j++) p[j] += x[i + j];
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

/* The asymmetric query of v (dim floats, normalized for cosine; may be pad
** itself; pad has stride floats, then the block sums); its squared norm
** only for L2, the one metric that reads it. */
static hq query_asym(const hnsw *h, const float *v, float *pad) {
  hq q = {HQ_ASYM, pad, pad + h->stride, 0.0f, {0}, 0};
  if (v != pad) memcpy(pad, v, h->dim * sizeof *v);
  memset(pad + h->dim, 0, (h->stride - h->dim) * sizeof *pad);
  for (size_t b = 0; b < h->nb; b++) pad[h->stride + b] = block_sum(pad + b * Q8_BLOCK);
  if (h->metric == KNN_L2) q.fn2 = vec_dot(pad, pad, h->stride);
  return q;
}

/* The int8 query of v (already normalized for cosine): its codes and its
** padded floats, in sc (fitted). */
static hq query_of_codes(const hnsw *h, hnsw_scratch *sc, const float *v) {
  hq q = query_asym(h, v, sc->qfa);
  q.kind = HQ_CODES;
  q8_query_make(v, h->dim, h->stride, sc->qa, sc->qbs, &q.c);
  return q;
}

/* The query of a search for v (already normalized for cosine): on an int8
** store its int8 codes, which walk the graph (the integer kernels; walking
** with the float query found the same neighbours, 10 to 25% slower), and
** its padded floats, which re-score the candidates; both in sc (fitted). */
static hq query_of(const hnsw *h, hnsw_scratch *sc, const float *v) {
  if (!h->int8) return (hq){HQ_FLOAT, v, NULL, 0.0f, {0}, 0};
  return query_of_codes(h, sc, v);
}

/* The query of a vector being linked into the graph: v itself when given
** (an insert: float against codes), else slot s's stored vector (its
** decoded codes); exact float distances when the store keeps floats and
** does not link by codes (an int8 store with floats kept for re-ranking). */
static hq query_for_link(const hnsw *h, uint32_t s, const float *v, float *pad) {
  if (h->floats && !h->link8) return (hq){HQ_FLOAT, h->vec + (size_t)s * h->dim, NULL, 0.0f, {0}, 0};
  if (v) {
    memcpy(pad, v, h->dim * sizeof *v);
    if (h->metric == KNN_COSINE) knn_normalize(pad, h->dim);
    return query_asym(h, pad, pad);
  }
  const float *m = h->qmeta + h->ms * (size_t)s;
  q8_decode_blocks(h->codes + (size_t)s * h->stride, h->dim, Q8_BLOCK, m + h->nb, m, pad);
  return query_asym(h, pad, pad);
}

/* The query of stored slot s against the other slots while linking: its
** codes (HQ_SLOT, their block sums in sums, hnsw_code_blocks floats) when
** the store links by codes, else its floats. */
static hq query_of_slot(const hnsw *h, uint32_t s, float *sums) {
  if (!links_by_codes(h)) return query_for_link(h, s, NULL, sums);
  q8_code_sums(h->codes + (size_t)s * h->stride, h->stride, sums);
  hq q = {HQ_SLOT, NULL, sums, h->qnorm[s], {0}, s};
  return q;
}

double hnsw_user_distance(const hnsw *h, double internal) {
  if (h->metric == KNN_L2) return sqrt(internal > 0 ? internal : 0);
  return internal;
}

/* ---- heaps of (distance, slot) ---------------------------------------------- */

/* max-heap when sign = 1, min-heap when sign = -1 */
static inline int before(dn a, dn b, int sign) { return sign > 0 ? a.d > b.d : a.d < b.d; }

static void heap_push(dn *hp, size_t *n, dn x, int sign) {
  size_t i = (*n)++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(x, hp[p], sign)) break;
    hp[i] = hp[p];
    i = p;
  }
  hp[i] = x;
}

static dn heap_pop(dn *hp, size_t *n, int sign) {
  dn top = hp[0], x = hp[--(*n)];
  size_t i = 0, m = *n;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= m) break;
    if (c + 1 < m && before(hp[c + 1], hp[c], sign)) c++;
    if (!before(hp[c], x, sign)) break;
    hp[i] = hp[c];
    i = c;
  }
  if (m) hp[i] = x;
  return top;
}

static int ensure(void *pp, size_t *cap, size_t need) {
  if (need <= *cap) return HNSW_OK;
  size_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  if (grow_array(pp, nc, sizeof(dn))) return HNSW_NOMEM;
  *cap = nc;
  return HNSW_OK;
}

static int dn_cmp(const void *a, const void *b) {
  const dn *x = a, *y = b;
  if (x->d != y->d) return x->d < y->d ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static uint8_t next_tag(hnsw_scratch *sc) {
  if (++sc->tag > UINT8_MAX) {
    memset(sc->visited, 0, (size_t)sc->vcap);
    sc->tag = 1;
  }
  return sc->tag;
}

/* Greedy descent at level l from *cur (distance *curd). */
static void greedy(const hnsw *h, const hq *q, int l, uint32_t *cur, float *curd) {
  int changed = 1;
  while (changed) {
    changed = 0;
    const uint32_t *ls = links(h, *cur, l);
    uint32_t cnt = ls[0];
    for (uint32_t j = 1; j <= cnt; j++) {
      uint32_t nb = ls[j];
      if (h->deleted[nb]) continue;
      float d = dist(h, q, nb);
      if (d < *curd) {
        *curd = d;
        *cur = nb;
        changed = 1;
      }
    }
  }
}

/* Appends to todo the neighbours of c at level l not yet visited (tagged
** now; removed ones skipped), their vectors prefetched. Returns the new count. */
static uint32_t gather_unvisited(const hnsw *h, uint8_t *visited, uint8_t tag, uint32_t c, int l, int codes,
                                 uint32_t *todo, uint32_t nt) {
  const uint32_t *ls = links(h, c, l);
  uint32_t cnt = ls[0];
  const int any_deleted = h->n_live != h->n;
  for (uint32_t j = 1; j <= cnt; j++) __builtin_prefetch(visited + ls[j]);
  for (uint32_t j = 1; j <= cnt; j++) {
    uint32_t nb = ls[j];
    if (visited[nb] == tag) continue;
    visited[nb] = tag;
    if (any_deleted && h->deleted[nb]) continue;
    prefetch_slot(h, nb, codes);
    todo[nt++] = nb;
  }
  return nt;
}

/* The ef nearest to q found from ep at level l: into sc->res as a max-heap
** of *nres entries. Returns HNSW_OK or HNSW_NOMEM. */
static int search_layer(const hnsw *h, hnsw_scratch *sc, const hq *q, uint32_t ep, float epd, size_t ef,
                        int l, size_t *nres) {
  if (scratch_fit(sc, h) || ensure(&sc->res, &sc->res_cap, ef + 1) ||
      ensure(&sc->cand, &sc->cand_cap, ef + 1))
    return HNSW_NOMEM;
  dn *res = sc->res, *cand = sc->cand;
  uint8_t *visited = sc->visited;
  size_t nr = 0, nc = 0;
  uint8_t tag = next_tag(sc);
  visited[ep] = tag;
  dn e = {epd, ep};
  heap_push(cand, &nc, e, -1);
  heap_push(res, &nr, e, 1);
  uint32_t todo[2 * 100 + 2]; /* m0 <= 200 */
  float raw[2 * 100 + 2];
  const int codes = q->kind == HQ_CODES;
  while (nc) {
    dn c = cand[0];
    if (c.d > res[0].d && nr >= ef) break;
    heap_pop(cand, &nc, -1);
    /* the next candidate to expand is likely cand[0]: fetch its list early */
    if (nc) __builtin_prefetch(links(h, cand[0].id, l));
    /* the unvisited neighbours first, all their vectors prefetched, so
    ** that the memory loads overlap */
    uint32_t nt = gather_unvisited(h, visited, tag, c.id, l, q->kind != HQ_FLOAT, todo, 0);
    if (codes) h->kern->dot_gather(h->codes, h->stride, todo, nt, q->c.c, q->c.bsum, h->qmeta, h->ms, raw);
    for (uint32_t j = 0; j < nt; j++) {
      uint32_t nb = todo[j];
      float d = codes ? q8_distance(h->metric, &q->c, raw[j], h->qnorm[nb]) : dist(h, q, nb);
      if (nr < ef || d < res[0].d) {
        if (nc + 1 > sc->cand_cap) {
          if (ensure(&sc->cand, &sc->cand_cap, nc + 1)) return HNSW_NOMEM;
          cand = sc->cand;
        }
        dn x = {d, nb};
        heap_push(cand, &nc, x, -1);
        heap_push(res, &nr, x, 1);
        if (nr > ef) heap_pop(res, &nr, 1);
      }
    }
  }
  *nres = nr;
  return HNSW_OK;
}

/* Keeps of cands[0, n) (sorted by distance to the base node) at most mmax by
** the heuristic: a candidate is dropped when it is nearer to an already kept
** one than to the base. Kept entries are moved to the front; returns their count. */
static size_t select_heuristic(hnsw *h, dn *cands, size_t n, size_t mmax) {
  if (n <= mmax) return n;
  /* the candidates' vectors are read in turn below: fetch them all first,
  ** so that their misses overlap */
  for (size_t i = 0; i < n; i++) prefetch_slot(h, cands[i].id, links_by_codes(h));
  size_t kept = 0;
  for (size_t i = 0; i < n && kept < mmax; i++) {
    hq x = query_of_slot(h, cands[i].id, h->own.qfb);
    int good = 1;
    for (size_t j = 0; j < kept; j++) {
      if (dist(h, &x, cands[j].id) < cands[i].d) {
        good = 0;
        break;
      }
    }
    if (good) cands[kept++] = cands[i];
  }
  return kept;
}

/* Adds link s -> nb at level l, shrinking s's list with the heuristic when full. */
static int connect(hnsw *h, uint32_t s, uint32_t nb, int l) {
  uint32_t *ls = links(h, s, l);
  uint32_t mmax = l == 0 ? h->m0 : h->m;
  uint32_t cnt = ls[0];
  for (uint32_t j = 1; j <= cnt; j++)
    if (ls[j] == nb) return HNSW_OK;
  if (mark_dirty(h, s)) return HNSW_NOMEM;
  if (cnt < mmax) {
    ls[++ls[0]] = nb;
    return HNSW_OK;
  }
  if (ensure(&h->own.work, &h->own.work_cap, (size_t)cnt + 1)) return HNSW_NOMEM;
  dn *w = h->own.work;
  for (uint32_t j = 1; j <= cnt; j++) prefetch_slot(h, ls[j], links_by_codes(h));
  prefetch_slot(h, nb, links_by_codes(h));
  hq x = query_of_slot(h, s, h->own.qfb);
  size_t n = 0;
  for (uint32_t j = 1; j <= cnt; j++) {
    if (h->deleted[ls[j]]) continue;
    w[n].d = dist(h, &x, ls[j]);
    w[n++].id = ls[j];
  }
  w[n].d = dist(h, &x, nb);
  w[n++].id = nb;
  qsort(w, n, sizeof *w, dn_cmp);
  size_t kept = select_heuristic(h, w, n, mmax);
  ls[0] = (uint32_t)kept;
  for (size_t j = 0; j < kept; j++) ls[j + 1] = w[j].id;
  return HNSW_OK;
}

/* Drains sc->res (max-heap of n) into sc->work sorted ascending. */
static int drain_sorted(hnsw_scratch *sc, size_t n) {
  if (ensure(&sc->work, &sc->work_cap, n)) return HNSW_NOMEM;
  dn *w = sc->work, *res = sc->res;
  size_t i = n;
  while (i) w[--i] = heap_pop(res, &n, 1);
  return HNSW_OK;
}

/* Makes the codes of a link8 store cover every slot (see struct hnsw). */
static int link_codes_fit(hnsw *h) {
  if (!h->link8) return HNSW_OK;
  if (scratch_fit(&h->own, h)) return HNSW_NOMEM;
  if (h->code_cap < h->cap) {
    if (grow_array(&h->codes, h->cap, h->stride) || grow_array(&h->qmeta, h->cap, h->ms * sizeof(float)) ||
        grow_array(&h->qnorm, h->cap, sizeof(float)))
      return HNSW_NOMEM;
    h->code_cap = h->cap;
  }
  uint8_t *u = (uint8_t *)h->own.qa; /* stride >= dim bytes */
  float *lo = h->own.clo, *step = lo + h->nb;
  for (; h->n_coded < h->n; h->n_coded++) {
    q8_encode_blocks(h->vec + (size_t)h->n_coded * h->dim, h->dim, Q8_BLOCK, u, NULL, lo, step);
    put_codes(h, h->n_coded, u, lo, step);
  }
  return HNSW_OK;
}

/* Links slot s (already stored, level set) into the graph; v: its float
** vector when at hand (an insert), else NULL. */
static int link_node(hnsw *h, uint32_t s, const float *v) {
  int L = h->level[s];
  if (h->entry < 0) {
    h->entry = s;
    h->max_level = L;
    return mark_dirty(h, s);
  }
  if (link_codes_fit(h)) return HNSW_NOMEM;
  hq q = query_for_link(h, s, v, h->own.qfa);
  /* a store with codes walks with their integer kernels (faster than a float
  ** query against codes, or than floats); q.f is the vector's floats */
  hq walk = has_codes(h) ? query_of_codes(h, &h->own, q.f) : q;
  uint32_t cur = (uint32_t)h->entry;
  float curd = dist(h, &walk, cur);
  for (int l = h->max_level; l > L; l--) greedy(h, &walk, l, &cur, &curd);
  if (mark_dirty(h, s)) return HNSW_NOMEM;
  for (int l = (L < h->max_level ? L : h->max_level); l >= 0; l--) {
    size_t n;
    if (search_layer(h, &h->own, &walk, cur, curd, h->ef_construction, l, &n) || drain_sorted(&h->own, n))
      return HNSW_NOMEM;
    dn *w = h->own.work;
    cur = w[0].id;
    curd = w[0].d;
    size_t kept = select_heuristic(h, w, n, h->m);
    /* copy out: connect() reuses h->own.work */
    uint32_t sel[HNSW_MAX_LEVEL + 256];
    uint32_t *selp = sel;
    uint32_t *heap_sel = NULL;
    if (kept > sizeof sel / sizeof *sel) {
      heap_sel = malloc(kept * sizeof *heap_sel);
      if (!heap_sel) return HNSW_NOMEM;
      selp = heap_sel;
    }
    for (size_t j = 0; j < kept; j++) selp[j] = w[j].id;
    uint32_t *ls = links(h, s, l);
    ls[0] = (uint32_t)kept;
    for (size_t j = 0; j < kept; j++) ls[j + 1] = selp[j];
    int rc = HNSW_OK;
    for (size_t j = 0; j < kept && rc == HNSW_OK; j++) rc = connect(h, selp[j], s, l);
    free(heap_sel);
    if (rc) return rc;
  }
  if (L > h->max_level) {
    h->entry = s;
    h->max_level = L;
  }
  return HNSW_OK;
}

/* Stores v or (when u is given) the codes u, and links the slot with v
** (NULL: with the decoded codes) when link. */
static int add(hnsw *h, int64_t key, const float *v, const uint8_t *u, const float *lo, const float *step,
               int link) {
  int level = h->graph ? hnsw_key_level(h, key) : 0;
  int64_t s = new_slot(h, key, u ? NULL : v, u, lo, step, level);
  if (s < 0) return (int)s;
  if (!link) return HNSW_OK;
  if (!h->graph) return mark_dirty(h, (uint32_t)s);
  return link_node(h, (uint32_t)s, v);
}

int hnsw_add(hnsw *h, int64_t key, const float *v) { return add(h, key, v, NULL, 0, 0, 1); }

int hnsw_load_vector(hnsw *h, int64_t key, const float *v) { return add(h, key, v, NULL, 0, 0, 0); }

int hnsw_add_int8(hnsw *h, int64_t key, const uint8_t *codes, const float *lo, const float *step,
                  const float *v) {
  if (!h->int8 || h->floats) return HNSW_INVALID;
  return add(h, key, v, codes, lo, step, 1);
}

int hnsw_load_int8(hnsw *h, int64_t key, const uint8_t *codes, const float *lo, const float *step) {
  if (!h->int8 || h->floats) return HNSW_INVALID;
  return add(h, key, NULL, codes, lo, step, 0);
}

/* Reconnects u at level l after d was removed from its list. */
static int repair(hnsw *h, uint32_t u, uint32_t d, int l) {
  uint32_t *lu = links(h, u, l);
  const uint32_t *ld = links(h, d, l);
  uint32_t mmax = l == 0 ? h->m0 : h->m;
  hnsw_scratch *sc = &h->own;
  if (scratch_fit(sc, h) || ensure(&sc->work, &sc->work_cap, (size_t)lu[0] + ld[0] + 1)) return HNSW_NOMEM;
  dn *w = sc->work;
  hq x = query_of_slot(h, u, sc->qfb);
  size_t n = 0;
  uint8_t tag = next_tag(sc);
  sc->visited[u] = tag;
  sc->visited[d] = tag;
  for (int pass = 0; pass < 2; pass++) {
    const uint32_t *ls = pass ? ld : lu;
    for (uint32_t j = 1; j <= ls[0]; j++) {
      uint32_t v = ls[j];
      if (sc->visited[v] == tag || h->deleted[v]) continue;
      sc->visited[v] = tag;
      w[n].d = dist(h, &x, v);
      w[n++].id = v;
    }
  }
  qsort(w, n, sizeof *w, dn_cmp);
  size_t kept = select_heuristic(h, w, n, mmax);
  lu[0] = (uint32_t)kept;
  for (size_t j = 0; j < kept; j++) lu[j + 1] = w[j].id;
  return mark_dirty(h, u);
}

int hnsw_remove(hnsw *h, int64_t key) {
  int64_t si = hnsw_find(h, key);
  if (si < 0) return HNSW_NOTFOUND;
  uint32_t d = (uint32_t)si;
  if (link_codes_fit(h)) return HNSW_NOMEM;
  map_del(h, key);
  h->deleted[d] = 1;
  h->n_live--;
  h->n_unpurged++;
  if (mark_dirty(h, d)) return HNSW_NOMEM;
  if (!h->graph) return HNSW_OK;
  for (int l = 0; l <= h->level[d]; l++) {
    const uint32_t *ld = links(h, d, l);
    for (uint32_t j = 1; j <= ld[0]; j++) {
      uint32_t u = ld[j];
      if (h->deleted[u]) continue;
      const uint32_t *lu = links(h, u, l);
      int has = 0;
      for (uint32_t i = 1; i <= lu[0]; i++)
        if (lu[i] == d) has = 1;
      if (has && repair(h, u, d, l)) return HNSW_NOMEM;
    }
  }
  if (h->entry == (int64_t)d) {
    /* new entry point: a live node of the highest level */
    h->entry = -1;
    h->max_level = -1;
    for (uint32_t s = 0; s < h->n; s++) {
      if (h->deleted[s] || (int)h->level[s] <= h->max_level) continue;
      h->entry = s;
      h->max_level = h->level[s];
    }
  }
  return HNSW_OK;
}

int hnsw_purge(hnsw *h) {
  if (!h->n_unpurged) return HNSW_OK;
  if (link_codes_fit(h)) return HNSW_NOMEM;
  if (h->graph) {
    for (uint32_t u = 0; u < h->n; u++) {
      if (h->deleted[u]) continue;
      for (int l = 0; l <= h->level[u]; l++) {
        /* repair around each removed neighbour, one at a time */
        for (;;) {
          const uint32_t *lu = links(h, u, l);
          uint32_t d = EMPTY;
          for (uint32_t j = 1; j <= lu[0]; j++)
            if (h->deleted[lu[j]]) {
              d = lu[j];
              break;
            }
          if (d == EMPTY) break;
          if ((int)h->level[d] < l) {
            /* cannot happen for lists built here; drop the link */
            uint32_t *w = links(h, u, l);
            uint32_t k = 0;
            for (uint32_t j = 1; j <= w[0]; j++)
              if (w[j] != d) w[++k] = w[j];
            w[0] = k;
            if (mark_dirty(h, u)) return HNSW_NOMEM;
            continue;
          }
          if (repair(h, u, d, l)) return HNSW_NOMEM;
        }
      }
    }
  }
  h->n_unpurged = 0;
  return HNSW_OK;
}

/* ---- copies ---------------------------------------------------------------- */

/* A copy of n items of size bytes (NULL when p is NULL); *fail set when out of memory. */
static void *dup_array(const void *p, size_t n, size_t size, int *fail) {
  if (!p || !n) return NULL;
  void *q = malloc(n * size);
  if (!q) {
    *fail = 1;
    return NULL;
  }
  memcpy(q, p, n * size);
  return q;
}

hnsw *hnsw_clone(const hnsw *h) {
  hnsw *c = malloc(sizeof *c);
  if (!c) return NULL;
  *c = *h;
  memset(&c->own, 0, sizeof c->own);
  c->n_dirty = c->dirty_cap = 0;
  c->dirty_list = NULL;
  c->cap = h->n;
  size_t n = h->n;
  int fail = 0;
  c->vec = h->floats ? dup_array(h->vec, n, h->dim * sizeof(float), &fail) : NULL;
  size_t nc = h->int8 ? n : h->n_coded; /* rows of codes */
  c->code_cap = c->n_coded = h->link8 ? h->n_coded : 0;
  c->codes = dup_array(h->codes, nc, h->stride, &fail);
  c->qmeta = dup_array(h->qmeta, nc, h->ms * sizeof(float), &fail);
  c->qnorm = dup_array(h->qnorm, nc, sizeof(float), &fail);
  c->key = dup_array(h->key, n, sizeof(int64_t), &fail);
  c->deleted = dup_array(h->deleted, n, 1, &fail);
  c->level = dup_array(h->level, n, 1, &fail);
  c->dirty = n ? calloc(n, 1) : NULL;
  if (n && !c->dirty) fail = 1;
  c->links0 = h->graph ? dup_array(h->links0, n, (h->m0 + 1) * sizeof(uint32_t), &fail) : NULL;
  c->upper = h->graph && n ? calloc(n, sizeof(uint32_t *)) : NULL;
  if (h->graph && n && !c->upper) fail = 1;
  for (size_t i = 0; c->upper && i < n && !fail; i++)
    if (h->upper[i])
      c->upper[i] = dup_array(h->upper[i], (size_t)h->level[i] * (h->m + 1), sizeof(uint32_t), &fail);
  c->map_key = dup_array(h->map_key, h->map_cap, sizeof(int64_t), &fail);
  c->map_val = dup_array(h->map_val, h->map_cap, sizeof(uint32_t), &fail);
  if (fail) {
    hnsw_free(c);
    return NULL;
  }
  return c;
}

size_t hnsw_bytes(const hnsw *h) {
  size_t cap = h->cap, b = sizeof *h;
  if (h->floats) b += cap * h->dim * sizeof(float);
  size_t code_rows = h->int8 ? cap : h->code_cap;
  b += code_rows * (h->stride + (h->ms + 1) * sizeof(float));
  b += cap * (sizeof(int64_t) + 3); /* key, deleted, level, dirty */
  if (h->graph) {
    b += cap * ((h->m0 + 1) * sizeof(uint32_t) + sizeof(uint32_t *));
    for (uint32_t i = 0; i < h->n; i++)
      if (h->upper[i]) b += (size_t)h->level[i] * (h->m + 1) * sizeof(uint32_t);
  }
  b += h->map_cap * (sizeof(int64_t) + sizeof(uint32_t));
  b += h->dirty_cap * sizeof(uint32_t);
  const hnsw_scratch *sc = &h->own;
  b += (size_t)sc->vcap + (sc->cand_cap + sc->res_cap + sc->work_cap) * sizeof(dn);
  return b + sc->qbuf_n * sizeof(float) + sc->q_n * (2 + 2 * sizeof(float));
}

int hnsw_drop_key(hnsw *h, int64_t key) {
  int64_t s = hnsw_find(h, key);
  if (s < 0) return HNSW_NOTFOUND;
  map_del(h, key);
  h->deleted[s] = 1;
  h->n_live--;
  if (h->entry == s) {
    h->entry = -1;
    h->max_level = -1;
  }
  return HNSW_OK;
}

/* ---- search ----------------------------------------------------------------- */

/* q, or its unit vector in sc->qbuf for cosine. */
static const float *prepare_query(const hnsw *h, hnsw_scratch *sc, const float *q) {
  if (h->metric != KNN_COSINE) return q;
  memcpy(sc->qbuf, q, h->dim * sizeof *q);
  knn_normalize(sc->qbuf, h->dim);
  return sc->qbuf;
}

/* The graph search: the ef nearest found, in sc->res (*n of them). */
static int search_graph(const hnsw *h, hnsw_scratch *sc, const hq *q, size_t ef, size_t *n) {
  uint32_t cur = (uint32_t)h->entry;
  float curd = dist(h, q, cur);
  for (int l = h->max_level; l > 0; l--) greedy(h, q, l, &cur, &curd);
  return search_layer(h, sc, q, cur, curd, ef, 0, n);
}

/* The candidates of a search: every live slot (exact) or the graph's ef. */
static int search_into(const hnsw *h, hnsw_scratch *sc, const hq *q, size_t k, size_t ef, topk *t) {
  if (!h->graph || k >= h->n_live || h->entry < 0) {
    if (!h->int8) {
      if (knn_flat_search(h->metric, h->vec, h->n, h->dim, q->f, h->deleted, t)) return HNSW_NOMEM;
    } else {
      knn_q8_rows x = {h->kern, h->codes, h->n, h->stride, h->qmeta, h->qnorm};
      knn_flat_search_q8(h->metric, &x, &q->c, h->deleted, t);
    }
    return HNSW_OK;
  }
  size_t n;
  if (search_graph(h, sc, q, ef < k ? k : ef, &n)) return HNSW_NOMEM;
  dn *res = sc->res;
  for (size_t i = 0; i < n; i++) topk_push(t, -(double)res[i].d, res[i].id);
  return HNSW_OK;
}

/* The best rerank*k int8 candidates, re-scored with the float vectors into t. */
static int search_rerank(const hnsw *h, hnsw_scratch *sc, const float *q, size_t k, size_t ef, topk *t) {
  size_t kk = k * (size_t)h->rerank;
  if (kk / h->rerank != k || kk > h->n_live) kk = h->n_live;
  topk c = {0};
  if (topk_init(&c, kk)) return HNSW_NOMEM;
  hq qq = query_of(h, sc, q);
  int rc = search_into(h, sc, &qq, kk, ef > kk ? ef : kk, &c);
  size_t m = rc ? 0 : topk_sort(&c);
  for (size_t i = 0; i < m; i++) {
    uint32_t s = c.id[i];
    topk_push(t, -(double)knn_distance(h->metric, q, h->vec + (size_t)s * h->dim, h->dim), s);
  }
  topk_free(&c);
  return rc;
}

/* int8 without floats: the best REFINE*k (flat) or ef (graph) candidates of
** the int8 search, re-scored with the float query against their codes (the
** error of the stored codes only, not of the query's). */
#define REFINE 4
static int search_refine(const hnsw *h, hnsw_scratch *sc, const float *q, size_t k, size_t ef, topk *t) {
  hq qq = query_of(h, sc, q), qa = qq;
  qa.kind = HQ_ASYM;
  if (h->graph && h->entry >= 0 && k < h->n_live) {
    size_t n;
    if (search_graph(h, sc, &qq, ef > k ? ef : k, &n)) return HNSW_NOMEM;
    dn *res = sc->res;
    for (size_t i = 0; i < n; i++) topk_push(t, -(double)dist(h, &qa, res[i].id), res[i].id);
    return HNSW_OK;
  }
  size_t kk = k * REFINE;
  if (kk / REFINE != k || kk > h->n_live) kk = h->n_live;
  topk c = {0};
  if (topk_init(&c, kk)) return HNSW_NOMEM;
  int rc = search_into(h, sc, &qq, kk, kk, &c);
  size_t m = rc ? 0 : topk_sort(&c);
  for (size_t i = 0; i < m; i++) topk_push(t, -(double)dist(h, &qa, c.id[i]), c.id[i]);
  topk_free(&c);
  return rc;
}

int hnsw_search_with(const hnsw *h, hnsw_scratch *sc, const float *q, size_t k, size_t ef, topk *t) {
  if (!h->n_live || !k) return HNSW_OK;
  if (scratch_fit(sc, h)) return HNSW_NOMEM;
  q = prepare_query(h, sc, q);
  if (h->int8 && h->rerank) return search_rerank(h, sc, q, k, ef, t);
  if (h->int8 && !h->floats) return search_refine(h, sc, q, k, ef, t);
  hq qq = query_of(h, sc, q);
  return search_into(h, sc, &qq, k, ef, t);
}

int hnsw_search(hnsw *h, const float *q, size_t k, size_t ef, topk *t) {
  return hnsw_search_with(h, &h->own, q, k, ef, t);
}

int hnsw_search_slots_with(const hnsw *h, hnsw_scratch *sc, const float *q, const uint32_t *slots, size_t n,
                           topk *t) {
  if (scratch_fit(sc, h)) return HNSW_NOMEM;
  q = prepare_query(h, sc, q);
  if (h->floats) {
    knn_flat_search_rows(h->metric, h->vec, h->dim, q, slots, n, t);
  } else {
    hq qa = query_asym(h, q, sc->qfa);
    for (size_t i = 0; i < n; i++) topk_push(t, -(double)dist(h, &qa, slots[i]), slots[i]);
  }
  return HNSW_OK;
}

int hnsw_search_slots(hnsw *h, const float *q, const uint32_t *slots, size_t n, topk *t) {
  return hnsw_search_slots_with(h, &h->own, q, slots, n, t);
}

/* ---- encoding --------------------------------------------------------------- */

size_t hnsw_node_words(const hnsw *h, uint32_t slot) {
  if (!h->graph) return 0;
  return (size_t)h->level[slot] + 1 + h->m0 + (size_t)h->level[slot] * h->m;
}

size_t hnsw_node_encode(const hnsw *h, uint32_t slot, int64_t *out) {
  size_t w = 0;
  if (!h->graph) return 0;
  for (int l = 0; l <= h->level[slot]; l++) {
    const uint32_t *ls = links(h, slot, l);
    size_t at = w++;
    int64_t c = 0;
    for (uint32_t j = 1; j <= ls[0]; j++) {
      if (h->deleted[ls[j]]) continue;
      out[w++] = h->key[ls[j]];
      c++;
    }
    out[at] = c;
  }
  return w;
}

int hnsw_node_decode(hnsw *h, uint32_t slot, int level, const int64_t *w, size_t nw) {
  if (!h->graph || slot >= h->n || level < 0 || level > HNSW_MAX_LEVEL) return HNSW_CORRUPT;
  if (level != h->level[slot]) {
    /* a level different from the key's own is accepted (another seed wrote it) */
    uint32_t *nu = NULL;
    if (level > 0) {
      nu = calloc((size_t)level * (h->m + 1), sizeof(uint32_t));
      if (!nu) return HNSW_NOMEM;
    }
    free(h->upper[slot]);
    h->upper[slot] = nu;
    h->level[slot] = (uint8_t)level;
  }
  size_t p = 0;
  for (int l = 0; l <= level; l++) {
    if (p >= nw) return HNSW_CORRUPT;
    int64_t c = w[p++];
    uint32_t mmax = l == 0 ? h->m0 : h->m;
    if (c < 0 || c > (int64_t)mmax || (size_t)c > nw - p) return HNSW_CORRUPT;
    uint32_t *ls = links(h, slot, l);
    ls[0] = 0;
    for (int64_t j = 0; j < c; j++) {
      int64_t s = hnsw_find(h, w[p++]);
      if (s < 0 || (uint32_t)s == slot) return HNSW_CORRUPT;
      ls[++ls[0]] = (uint32_t)s;
    }
  }
  return p == nw ? HNSW_OK : HNSW_CORRUPT;
}

int hnsw_validate(const hnsw *h) {
  if (!h->graph) return HNSW_OK;
  for (uint32_t s = 0; s < h->n; s++) {
    if (h->deleted[s]) continue;
    for (int l = 1; l <= h->level[s]; l++) {
      const uint32_t *ls = links(h, s, l);
      for (uint32_t j = 1; j <= ls[0]; j++)
        if (ls[j] >= h->n || (int)h->level[ls[j]] < l) return HNSW_CORRUPT;
    }
  }
  return HNSW_OK;
}

int hnsw_set_entry(hnsw *h, int64_t entry_key, int max_level) {
  if (!h->graph) return HNSW_OK;
  if (h->n_live == 0) {
    h->entry = -1;
    h->max_level = -1;
    return HNSW_OK;
  }
  int64_t s = hnsw_find(h, entry_key);
  if (s < 0 || h->level[s] != max_level) return HNSW_CORRUPT;
  for (uint32_t i = 0; i < h->n; i++)
    if (!h->deleted[i] && h->level[i] > max_level) return HNSW_CORRUPT;
  h->entry = s;
  h->max_level = max_level;
  return HNSW_OK;
}

/* ---- accessors -------------------------------------------------------------- */

const uint32_t *hnsw_dirty(const hnsw *h, size_t *n) {
  *n = h->n_dirty;
  return h->dirty_list;
}

size_t hnsw_count(const hnsw *h) { return h->n_live; }
uint32_t hnsw_slots(const hnsw *h) { return h->n; }
int64_t hnsw_key(const hnsw *h, uint32_t slot) { return h->key[slot]; }
int hnsw_removed(const hnsw *h, uint32_t slot) { return h->deleted[slot]; }
int hnsw_level(const hnsw *h, uint32_t slot) { return h->level[slot]; }

int hnsw_entry(const hnsw *h, int64_t *key, int *level) {
  if (h->entry < 0) return 0;
  *key = h->key[h->entry];
  *level = h->max_level;
  return 1;
}
int hnsw_metric(const hnsw *h) { return h->metric; }

const uint32_t *hnsw_neighbors(const hnsw *h, uint32_t slot, int level, uint32_t *n) {
  const uint32_t *ls = links(h, slot, level);
  *n = ls[0];
  return ls + 1;
}
