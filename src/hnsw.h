/*
** hnsw: an in-memory vector store with an optional HNSW graph
** (Malkov and Yashunin, "Efficient and robust approximate nearest neighbor
** search using Hierarchical Navigable Small World graphs", 2016/2018).
**
** Vectors live in one contiguous float array (slot i at vec + i*dim), so the
** same store serves the exact scan (src/knn_flat.h) and the graph. Each vector
** has an external 64-bit key (the SQL rowid) and an internal uint32 slot;
** neighbour lists hold slots. Slots are never reused: a removed vector is
** marked deleted, unlinked and repaired around, and slots are compacted
** when the store is rebuilt (e.g. loaded again from disk).
**
** Graph (m in [2, 100]): level 0 holds up to m0 = 2m neighbours per node, upper levels up to
** m. A node's level is drawn from the geometric law of the paper with
** mult = 1/ln(m), from a hash of (seed, key): the same key always gets the same
** level, so a rebuilt graph does not depend on the history of a random
** generator. Insertion is the paper's algorithm with the neighbour-selection
** heuristic (as hnswlib's getNeighborsByHeuristic2). Removal unlinks the node
** from its neighbours and reconnects each of them with the heuristic over its
** remaining neighbours and the removed node's neighbours (as hnswlib's
** repair on update); links from other nodes that still point to it are
** skipped by searches and repaired the same way by hnsw_purge, once for a
** batch of removals.
**
** Metrics are those of knn_flat.h; for KNN_COSINE the store keeps unit
** vectors. With hnsw_set_int8 the store keeps 8-bit codes (src/quant.h:
** affine by blocks of 32 dimensions (storage format 4), affine per vector
** (format 3), or the symmetric codes of format 2) and
** searches walk the graph and scan on them with the int8-quantized query;
** the candidates found are re-scored with the float query against their
** codes. Inserts link the new vector with its float values against the
** codes (the graph is built with the query side exact). The store may also
** keep the float vectors, which then build the graph exactly and re-rank
** the best rerank*k int8 candidates. Persisting is the caller's: nodes
** changed since the last hnsw_dirty_clear are listed by hnsw_dirty, and
** hnsw_node_encode / hnsw_node_decode turn a node's neighbour lists into
** keys and back.
**
** Threads: a store is written by one thread at a time. Searches through
** hnsw_search_with / hnsw_search_slots_with only read the store (their
** visited tags, heaps, query buffers and int8 re-scoring candidates are in
** the caller's scratch), so many threads may search one store at once,
** each with its own scratch, while nobody writes it. hnsw_search /
** hnsw_search_slots use the store's own scratch (one thread). hnsw_clone
** makes the private copy a writer changes while readers keep searching the
** original.
*/
#ifndef RECSQL_HNSW_H
#define RECSQL_HNSW_H

#include <stddef.h>
#include <stdint.h>

#include "topk.h"

enum {
  HNSW_OK = 0,
  HNSW_NOMEM = -1,
  HNSW_EXISTS = -2,
  HNSW_NOTFOUND = -3,
  HNSW_CORRUPT = -4,
  HNSW_INVALID = -5
};

#define HNSW_MAX_LEVEL 32

typedef struct hnsw hnsw;
typedef struct hnsw_scratch hnsw_scratch;
/* A new empty store; NULL when out of memory. graph = 0 for exact search only. */
hnsw *hnsw_new(size_t dim, int metric, int graph, uint32_t m, uint32_t ef_construction, uint64_t seed);
void hnsw_free(hnsw *h);

/* Slot of key, or -1. */
int64_t hnsw_find(const hnsw *h, int64_t key);

/* The level a key gets in the graph. */
int hnsw_key_level(const hnsw *h, int64_t key);

/* Adds a vector under key and links it into the graph. HNSW_EXISTS when the
** key is present, HNSW_NOMEM (the store may then be inconsistent: discard it). */
int hnsw_add(hnsw *h, int64_t key, const float *v);

/* Removes key: HNSW_NOTFOUND, HNSW_NOMEM (discard the store) or HNSW_OK. */
int hnsw_remove(hnsw *h, int64_t key);

/* The k nearest live vectors to q: offered to t (score = -distance, id =
** slot). With the graph, ef = max(ef, k) candidates are explored; without it,
** or when k >= the number of live vectors, the search is exact.
** Returns HNSW_OK or HNSW_NOMEM. */
int hnsw_search(hnsw *h, const float *q, size_t k, size_t ef, topk *t);

/* Exact search restricted to slots[0, n) (live slots, no repeats). */
int hnsw_search_slots(hnsw *h, const float *q, const uint32_t *slots, size_t n, topk *t);

/* A scratch for searches (grows to fit the stores it is used with); NULL
** when out of memory. One thread uses a scratch at a time. */
hnsw_scratch *hnsw_scratch_new(void);
void hnsw_scratch_free(hnsw_scratch *sc);
/* hnsw_search and hnsw_search_slots writing only to sc (see Threads above). */
int hnsw_search_with(const hnsw *h, hnsw_scratch *sc, const float *q, size_t k, size_t ef, topk *t);
int hnsw_search_slots_with(const hnsw *h, hnsw_scratch *sc, const float *q, const uint32_t *slots, size_t n,
                           topk *t);

/* ---- copies ---- */

/* A deep copy (same slots, keys, links and entry point; nothing dirty),
** with its arrays sized to the slots in use; NULL when out of memory. */
hnsw *hnsw_clone(const hnsw *h);
/* Bytes the store holds (arrays, lists, key map, own scratch). */
size_t hnsw_bytes(const hnsw *h);
/* Marks key removed without touching any neighbour list (applying a change
** whose lists come from storage); the entry point is unset when it was key
** (set it again with hnsw_set_entry). HNSW_NOTFOUND or HNSW_OK. */
int hnsw_drop_key(hnsw *h, int64_t key);

/* Distance as reported to users: -dot, 1 - cos, or Euclidean. */
double hnsw_user_distance(const hnsw *h, double internal);

/* ---- loading and persisting ---- */

/* Adds a vector without linking it (loading a stored graph). */
int hnsw_load_vector(hnsw *h, int64_t key, const float *v);

/* Number of int64 words hnsw_node_encode writes for slot at most. */
size_t hnsw_node_words(const hnsw *h, uint32_t slot);
/* Encodes slot's neighbour lists as keys: for each level 0..level(slot),
** the count then the neighbours' keys. Deleted neighbours are left out.
** Returns the number of words written (<= hnsw_node_words). */
size_t hnsw_node_encode(const hnsw *h, uint32_t slot, int64_t *out);
/* Sets slot's level and neighbour lists from an encoding. HNSW_CORRUPT when the
** words do not parse, a count is too large, a key is unknown or the slot itself. */
int hnsw_node_decode(hnsw *h, uint32_t slot, int level, const int64_t *w, size_t nw);
/* Checks a loaded graph: every link at level l goes to a node of level >= l.
** HNSW_CORRUPT otherwise (a search would read lists the node does not have). */
int hnsw_validate(const hnsw *h);
/* Sets the entry point after loading; HNSW_CORRUPT when it is not a node of
** the top level or when the store is not empty and has no entry point. */
int hnsw_set_entry(hnsw *h, int64_t entry_key, int max_level);

/* Drops the links to removed nodes that removal could not see (links are
** not always mutual): one pass over all lists when something was removed
** since the last call, reconnecting each node that lost a link as removal
** does; such nodes become dirty. Call before persisting, so that no stored
** list names a removed key. HNSW_OK or HNSW_NOMEM. */
int hnsw_purge(hnsw *h);

/* Nodes changed since the last clear (slots; may include deleted ones). */
const uint32_t *hnsw_dirty(const hnsw *h, size_t *n);
void hnsw_dirty_clear(hnsw *h);

/* ---- int8 vectors ---- */

/* Makes an empty store keep 8-bit codes. keep_float: also keep the float
** vectors (for re-ranking and exact rowid-restricted searches); rerank:
** with keep_float, searches take rerank*k int8 candidates and return the k
** best by the float distance (0: no re-ranking); format: the codes of new
** vectors, as knn_index's storage format says (2: symmetric, 3: affine per
** vector, 4: affine per block of Q8_BLOCK dimensions). HNSW_INVALID when
** the store is not empty, rerank is given without keep_float, or format is
** not one of those. */
int hnsw_set_int8(hnsw *h, int keep_float, uint32_t rerank, int format);
/* 1 when the store keeps int8 codes. */
int hnsw_is_int8(const hnsw *h);
/* The blocks of the codes of the store's format: dim / 32 rounded up for
** format 4, else 1 (the whole vector). */
size_t hnsw_code_blocks(const hnsw *h);
/* The codes the store keeps for v (normalized first for cosine), decoded
** block b as lo[b] + step[b] * codes[i] (hnsw_code_blocks of each;
** symmetric codes c come as c + 128, lo = -128 * s, step = s): what a
** caller persists when the store keeps no float vectors. hnsw_add(h, key,
** v) stores the same codes. HNSW_OK or HNSW_NOMEM. */
int hnsw_quantize(hnsw *h, const float *v, uint8_t *codes, float *lo, float *step);
/* Adds (and links) a vector given by its codes (from hnsw_quantize); a
** store without float vectors only. v: the float vector they encode, which
** links it (NULL: the decoded codes do). Same returns as hnsw_add. */
int hnsw_add_int8(hnsw *h, int64_t key, const uint8_t *codes, const float *lo, const float *step,
                  const float *v);
/* Same without linking (loading a stored graph). */
int hnsw_load_int8(hnsw *h, int64_t key, const uint8_t *codes, const float *lo, const float *step);

/* ---- what callers may read ---- */

/* Number of live vectors. */
size_t hnsw_count(const hnsw *h);
/* Number of slots (live and removed); slots are 0 .. hnsw_slots - 1. */
uint32_t hnsw_slots(const hnsw *h);
/* Key of a slot (also of a removed one); hnsw_removed: 1 when it was removed. */
int64_t hnsw_key(const hnsw *h, uint32_t slot);
int hnsw_removed(const hnsw *h, uint32_t slot);
/* Level of a slot in the graph (0 without graph). */
int hnsw_level(const hnsw *h, uint32_t slot);
/* The metric given to hnsw_new. */
int hnsw_metric(const hnsw *h);
/* The neighbour list of slot at level (<= its level): *n slots. */
const uint32_t *hnsw_neighbors(const hnsw *h, uint32_t slot, int level, uint32_t *n);
/* Key and level of the entry point; 0 when the graph is empty. */
int hnsw_entry(const hnsw *h, int64_t *key, int *level);

#endif
