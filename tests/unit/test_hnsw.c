/* hnsw: exact mode against brute force; graph recall after build, after
** inserts and after deletes (pgvector's recall tests are the model); node
** encoding round trip; corrupt encodings rejected; a clone answers as the
** original and changes alone; four threads searching one store with their
** own scratches get the single-threaded answers (make tsan runs this), on
** float stores and on int8 stores (affine and format 2's symmetric codes,
** re-scored with the float query, or re-ranked with kept floats). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/hnsw.h"
#include "../../src/knn_flat.h"
#include "../../src/rng.h"
#include "unit.h"

enum { DIM = 16, N = 3000, NQ = 100, K = 10 };

static float *gaussian(rng *g, size_t n) {
  float *x = malloc(n * sizeof *x);
  assert_non_null(x);
  for (size_t i = 0; i < n; i++) x[i] = (float)rng_normal(g);
  return x;
}

/* exact top K keys of q among keys with alive[key] (keys = row numbers) */
static void brute(int metric, const float *x, size_t n, const uint8_t *alive, const float *q, int64_t *out) {
  topk t;
  assert_int_equal(topk_init(&t, K), 0);
  float qn[DIM], xn[DIM];
  memcpy(qn, q, sizeof qn);
  if (metric == KNN_COSINE) knn_normalize(qn, DIM);
  for (size_t i = 0; i < n; i++) {
    if (!alive[i]) continue;
    memcpy(xn, x + i * DIM, sizeof xn);
    if (metric == KNN_COSINE) knn_normalize(xn, DIM);
    topk_push(&t, -(double)knn_distance(metric, qn, xn, DIM), (uint32_t)i);
  }
  size_t m = topk_sort(&t);
  for (size_t i = 0; i < K; i++) out[i] = i < m ? (int64_t)t.id[i] : -1;
  topk_free(&t);
}

static int64_t entry_key(const hnsw *h) {
  int64_t k = -1;
  int l;
  assert_true(hnsw_entry(h, &k, &l));
  return k;
}

static int entry_level(const hnsw *h) {
  int64_t k;
  int l = -1;
  assert_true(hnsw_entry(h, &k, &l));
  return l;
}

/* recall@K of h against brute force over NQ queries */
static double recall(hnsw *h, const float *x, size_t n, const uint8_t *alive, const float *qs, size_t ef) {
  size_t hit = 0, total = 0;
  topk t;
  assert_int_equal(topk_init(&t, K), 0);
  for (size_t qi = 0; qi < NQ; qi++) {
    const float *q = qs + qi * DIM;
    int64_t want[K];
    brute(hnsw_metric(h), x, n, alive, q, want);
    topk_reset(&t);
    assert_int_equal(hnsw_search(h, q, K, ef, &t), HNSW_OK);
    size_t m = topk_sort(&t);
    for (size_t i = 0; i < K; i++) {
      if (want[i] < 0) continue;
      total++;
      for (size_t j = 0; j < m; j++)
        if (hnsw_key(h, t.id[j]) == want[i]) hit++;
    }
  }
  topk_free(&t);
  return total ? (double)hit / (double)total : 1.0;
}

static void exact_mode(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 1, 0);
  float *x = gaussian(&g, (size_t)N * DIM), *qs = gaussian(&g, (size_t)NQ * DIM);
  uint8_t *alive = malloc(N);
  assert_non_null(alive);
  for (int metric = 0; metric < 3; metric++) {
    hnsw *h = hnsw_new(DIM, metric, 0, 16, 64, 0);
    assert_non_null(h);
    for (int i = 0; i < N; i++) {
      assert_int_equal(hnsw_add(h, i, x + (size_t)i * DIM), HNSW_OK);
      alive[i] = 1;
    }
    assert_int_equal(hnsw_add(h, 5, x), HNSW_EXISTS);
    for (int i = 0; i < N; i += 7) {
      assert_int_equal(hnsw_remove(h, i), HNSW_OK);
      alive[i] = 0;
    }
    assert_int_equal(hnsw_remove(h, 0), HNSW_NOTFOUND);
    assert_true(recall(h, x, N, alive, qs, 1) == 1.0);
    hnsw_free(h);
  }
  free(x);
  free(qs);
  free(alive);
}

static void graph_recall(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 2, 0);
  float *x = gaussian(&g, (size_t)N * DIM), *qs = gaussian(&g, (size_t)NQ * DIM);
  uint8_t *alive = calloc(N, 1);
  assert_non_null(alive);
  for (int metric = 0; metric < 3; metric++) {
    memset(alive, 0, N);
    hnsw *h = hnsw_new(DIM, metric, 1, 16, 100, 42);
    assert_non_null(h);
    /* build on the first 2/3 */
    for (int i = 0; i < 2 * N / 3; i++) {
      assert_int_equal(hnsw_add(h, i, x + (size_t)i * DIM), HNSW_OK);
      alive[i] = 1;
    }
    double r = recall(h, x, N, alive, qs, 64);
    print_message("metric %d after build: recall@10 %.3f\n", metric, r);
    assert_true(r >= 0.95);
    /* inserts */
    for (int i = 2 * N / 3; i < N; i++) {
      assert_int_equal(hnsw_add(h, i, x + (size_t)i * DIM), HNSW_OK);
      alive[i] = 1;
    }
    r = recall(h, x, N, alive, qs, 64);
    print_message("metric %d after inserts: recall@10 %.3f\n", metric, r);
    assert_true(r >= 0.95);
    /* deletes: a third of the rows, the entry point among them */
    assert_int_equal(hnsw_remove(h, entry_key(h)), HNSW_OK);
    for (int i = 0; i < N; i++)
      if (alive[i] && hnsw_find(h, i) < 0) alive[i] = 0;
    for (int i = 0; i < N; i += 3)
      if (alive[i]) {
        assert_int_equal(hnsw_remove(h, i), HNSW_OK);
        alive[i] = 0;
      }
    int64_t ek;
    int el;
    assert_true(hnsw_entry(h, &ek, &el) && hnsw_find(h, ek) >= 0);
    r = recall(h, x, N, alive, qs, 64);
    print_message("metric %d after deletes: recall@10 %.3f\n", metric, r);
    assert_true(r >= 0.95);
    /* k >= live rows: every row, exactly */
    topk t;
    assert_int_equal(topk_init(&t, N), 0);
    assert_int_equal(hnsw_search(h, qs, N, 10, &t), HNSW_OK);
    assert_int_equal(topk_sort(&t), hnsw_count(h));
    topk_free(&t);
    hnsw_free(h);
  }
  free(x);
  free(qs);
  free(alive);
}

/* Every live node of a has the same live neighbours, in order and by key, in b. */
static void assert_same_graph(const hnsw *a, const hnsw *b) {
  assert_int_equal(hnsw_count(a), hnsw_count(b));
  for (uint32_t s = 0; s < hnsw_slots(a); s++) {
    if (hnsw_removed(a, s)) continue;
    int64_t bs = hnsw_find(b, hnsw_key(a, s));
    assert_true(bs >= 0);
    assert_int_equal(hnsw_level(a, s), hnsw_level(b, (uint32_t)bs));
    for (int l = 0; l <= hnsw_level(a, s); l++) {
      uint32_t na, nb;
      const uint32_t *la = hnsw_neighbors(a, s, l, &na), *lb = hnsw_neighbors(b, (uint32_t)bs, l, &nb);
      /* lists keep removed nodes until hnsw_purge: compare the live ones */
      uint32_t i = 0, j = 0;
      for (;; i++, j++) {
        while (i < na && hnsw_removed(a, la[i])) i++;
        while (j < nb && hnsw_removed(b, lb[j])) j++;
        if (i == na || j == nb) break;
        assert_true(hnsw_key(a, la[i]) == hnsw_key(b, lb[j]));
      }
      assert_true(i == na && j == nb);
    }
  }
}

static void encode_roundtrip(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 4, 0);
  enum { M = 500 };
  float *x = gaussian(&g, (size_t)M * DIM), *qs = gaussian(&g, (size_t)NQ * DIM);
  hnsw *a = hnsw_new(DIM, KNN_L2, 1, 8, 50, 9), *b = hnsw_new(DIM, KNN_L2, 1, 8, 50, 9);
  assert_non_null(a);
  assert_non_null(b);
  for (int i = 0; i < M; i++) assert_int_equal(hnsw_add(a, 1000 + i, x + (size_t)i * DIM), HNSW_OK);
  assert_int_equal(hnsw_remove(a, 1003), HNSW_OK);
  size_t nd;
  const uint32_t *dl = hnsw_dirty(a, &nd);
  assert_true(nd == M);
  (void)dl;
  /* load b from a's encoding, in another order */
  for (int i = M - 1; i >= 0; i--)
    if (i != 3) assert_int_equal(hnsw_load_vector(b, 1000 + i, x + (size_t)i * DIM), HNSW_OK);
  int64_t *w = malloc((HNSW_MAX_LEVEL + 1) * (2 * 8 + 1) * sizeof *w);
  assert_non_null(w);
  for (uint32_t s = 0; s < hnsw_slots(a); s++) {
    if (hnsw_removed(a, s)) continue;
    size_t nw = hnsw_node_encode(a, s, w);
    assert_true(nw <= hnsw_node_words(a, s));
    int64_t bs = hnsw_find(b, hnsw_key(a, s));
    assert_true(bs >= 0);
    assert_int_equal(hnsw_node_decode(b, (uint32_t)bs, hnsw_level(a, s), w, nw), HNSW_OK);
  }
  assert_int_equal(hnsw_set_entry(b, entry_key(a), entry_level(a)), HNSW_OK);
  for (int qi = 0; qi < NQ; qi++) {
    topk ta, tb;
    assert_int_equal(topk_init(&ta, K), 0);
    assert_int_equal(topk_init(&tb, K), 0);
    hnsw_search(a, qs + qi * DIM, K, 20, &ta);
    hnsw_search(b, qs + qi * DIM, K, 20, &tb);
    assert_int_equal(topk_sort(&ta), topk_sort(&tb));
    for (int i = 0; i < K; i++) assert_true(hnsw_key(a, ta.id[i]) == hnsw_key(b, tb.id[i]));
    topk_free(&ta);
    topk_free(&tb);
  }
  /* a float store links by int8 codes, which a loaded store makes when its
  ** graph first changes: a removal and an insert leave both graphs equal */
  float *extra = gaussian(&g, DIM);
  for (int pass = 0; pass < 2; pass++) {
    hnsw *t = pass ? a : b;
    assert_int_equal(hnsw_remove(t, 1010), HNSW_OK);
  }
  assert_same_graph(a, b);
  for (int pass = 0; pass < 2; pass++) {
    hnsw *t = pass ? a : b;
    assert_int_equal(hnsw_add(t, 5000, extra), HNSW_OK);
  }
  assert_same_graph(a, b);
  hnsw *c = hnsw_clone(b);
  assert_non_null(c);
  assert_int_equal(hnsw_remove(c, 1020), HNSW_OK);
  assert_int_equal(hnsw_remove(b, 1020), HNSW_OK);
  assert_same_graph(b, c);
  hnsw_free(c);
  free(extra);
  /* corrupt encodings */
  int64_t bad1[] = {1, 999999};  /* unknown key */
  int64_t bad2[] = {100};        /* count beyond m0 */
  int64_t bad3[] = {1, 1001, 5}; /* trailing word */
  int64_t bad4[] = {-1};         /* negative count */
  int64_t self[] = {1, 1000};    /* link to itself */
  int64_t s0 = hnsw_find(b, 1000);
  assert_int_equal(hnsw_node_decode(b, (uint32_t)s0, 0, bad1, 2), HNSW_CORRUPT);
  assert_int_equal(hnsw_node_decode(b, (uint32_t)s0, 0, bad2, 1), HNSW_CORRUPT);
  assert_int_equal(hnsw_node_decode(b, (uint32_t)s0, 0, bad3, 3), HNSW_CORRUPT);
  assert_int_equal(hnsw_node_decode(b, (uint32_t)s0, 0, bad4, 1), HNSW_CORRUPT);
  assert_int_equal(hnsw_node_decode(b, (uint32_t)s0, 0, self, 2), HNSW_CORRUPT);
  assert_int_equal(hnsw_node_decode(b, (uint32_t)s0, 1, bad3, 0), HNSW_CORRUPT);
  assert_int_equal(hnsw_set_entry(b, 424242, 0), HNSW_CORRUPT);
  /* a level-1 list naming a node of level 0 */
  assert_int_equal(hnsw_validate(b), HNSW_OK);
  int64_t low = -1;
  for (uint32_t s = 0; s < hnsw_slots(b) && low < 0; s++)
    if (hnsw_level(b, s) == 0 && hnsw_key(b, s) != 1000) low = hnsw_key(b, s);
  int64_t up[] = {0, 1, low};
  assert_int_equal(hnsw_node_decode(b, (uint32_t)s0, 1, up, 3), HNSW_OK);
  assert_int_equal(hnsw_validate(b), HNSW_CORRUPT);
  free(w);
  hnsw_free(a);
  hnsw_free(b);
  free(x);
  free(qs);
}

/* After removals and hnsw_purge, no encoded list names a removed key, and
** every live node keeps at least one neighbour. */
static void purge_removed_links(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 5, 0);
  enum { M = 2000 };
  float *x = gaussian(&g, (size_t)M * DIM);
  hnsw *h = hnsw_new(DIM, KNN_IP, 1, 6, 24, 3);
  assert_non_null(h);
  for (int i = 0; i < M; i++) assert_int_equal(hnsw_add(h, i, x + (size_t)i * DIM), HNSW_OK);
  hnsw_dirty_clear(h);
  for (int i = 0; i < M; i += 2) assert_int_equal(hnsw_remove(h, i), HNSW_OK);
  assert_int_equal(hnsw_purge(h), HNSW_OK);
  int64_t *w = malloc((HNSW_MAX_LEVEL + 1) * (2 * 6 + 1) * sizeof *w);
  assert_non_null(w);
  for (uint32_t s = 0; s < hnsw_slots(h); s++) {
    if (hnsw_removed(h, s)) continue;
    size_t nw = hnsw_node_encode(h, s, w);
    assert_true(nw >= 1);
    /* links in memory: none to a removed slot */
    for (int l = 0; l <= hnsw_level(h, s); l++) {
      uint32_t nl;
      const uint32_t *ls = hnsw_neighbors(h, s, l, &nl);
      for (uint32_t j = 0; j < nl; j++) assert_false(hnsw_removed(h, ls[j]));
    }
    assert_true(w[0] >= 1);
  }
  free(w);
  hnsw_free(h);
  free(x);
}

static void levels_seeded(void **state) {
  (void)state;
  hnsw *h = hnsw_new(4, KNN_IP, 1, 16, 64, 7);
  assert_non_null(h);
  size_t count[HNSW_MAX_LEVEL + 1] = {0};
  for (int64_t k = 0; k < 100000; k++) {
    int l = hnsw_key_level(h, k);
    assert_true(l >= 0 && l <= HNSW_MAX_LEVEL);
    assert_int_equal(l, hnsw_key_level(h, k));
    count[l]++;
  }
  /* P(level >= 1) = 1/m */
  double p1 = 1.0 - (double)count[0] / 100000.0;
  assert_true(fabs(p1 - 1.0 / 16) < 0.005);
  hnsw_free(h);
}

/* The keys and distances of the K nearest to q (ef 32) into keys / d. */
static void answer(const hnsw *h, hnsw_scratch *sc, const float *q, int64_t *keys, double *d) {
  topk t;
  assert_int_equal(topk_init(&t, K), 0);
  assert_int_equal(hnsw_search_with(h, sc, q, K, 32, &t), HNSW_OK);
  size_t m = topk_sort(&t);
  for (size_t i = 0; i < K; i++) {
    keys[i] = i < m ? hnsw_key(h, t.id[i]) : -1;
    d[i] = i < m ? t.score[i] : 0;
  }
  topk_free(&t);
}

typedef struct searcher searcher;
struct searcher {
  const hnsw *h;
  const float *qs;
  const int64_t *want;
  int mismatches;
};

static void *search_all(void *arg) {
  searcher *s = arg;
  hnsw_scratch *sc = hnsw_scratch_new();
  for (int round = 0; round < 3; round++)
    for (size_t qi = 0; qi < NQ; qi++) {
      int64_t keys[K];
      double d[K];
      answer(s->h, sc, s->qs + qi * DIM, keys, d);
      if (memcmp(keys, s->want + qi * K, sizeof keys)) s->mismatches++;
    }
  hnsw_scratch_free(sc);
  return NULL;
}

/* A store for clone_and_threads: metric, graph, and int8 (0: floats;
** 1: affine codes; 2: symmetric codes; 3: affine codes with floats and
** rerank 3). */
typedef struct store_kind store_kind;
struct store_kind {
  int metric, graph, int8;
};

static void clone_and_threads_of(const store_kind *kind) {
  rng g;
  rng_seed(&g, 5, 0);
  float *x = gaussian(&g, (size_t)N * DIM), *qs = gaussian(&g, (size_t)NQ * DIM);
  hnsw *h = hnsw_new(DIM, kind->metric, kind->graph, 8, 32, 3);
  if (kind->int8)
    assert_int_equal(hnsw_set_int8(h, kind->int8 == 3, kind->int8 == 3 ? 3 : 0, kind->int8 == 2 ? 2 : 4), HNSW_OK);
  for (size_t i = 0; i < N; i++) assert_int_equal(hnsw_add(h, (int64_t)i, x + i * DIM), HNSW_OK);
  for (int64_t k = 0; k < 50; k++) assert_int_equal(hnsw_remove(h, k * 7), HNSW_OK);
  assert_int_equal(hnsw_purge(h), HNSW_OK);
  hnsw_dirty_clear(h);
  hnsw *c = hnsw_clone(h);
  assert_non_null(c);
  assert_int_equal(hnsw_count(c), hnsw_count(h));
  assert_true(hnsw_bytes(c) > (size_t)hnsw_count(c) * DIM * sizeof(float));
  size_t nd;
  hnsw_dirty(c, &nd);
  assert_int_equal(nd, 0);
  /* same answers from the clone, with one scratch for both stores */
  hnsw_scratch *sc = hnsw_scratch_new();
  int64_t *want = malloc((size_t)NQ * K * sizeof *want);
  for (size_t qi = 0; qi < NQ; qi++) {
    int64_t kc[K];
    double dh[K], dc[K];
    answer(h, sc, qs + qi * DIM, want + qi * K, dh);
    answer(c, sc, qs + qi * DIM, kc, dc);
    assert_memory_equal(kc, want + qi * K, sizeof kc);
    assert_memory_equal(dc, dh, sizeof dc);
  }
  /* changing the clone leaves the original alone */
  for (int64_t k = 1; k < 400; k += 3) hnsw_remove(c, k);
  assert_int_equal(hnsw_add(c, 100000, x), HNSW_OK);
  assert_int_equal(hnsw_find(h, 100000), -1);
  assert_true(hnsw_find(h, 1) >= 0);
  for (size_t qi = 0; qi < NQ; qi++) {
    int64_t kh[K];
    double dh[K];
    answer(h, sc, qs + qi * DIM, kh, dh);
    assert_memory_equal(kh, want + qi * K, sizeof kh);
  }
  /* hnsw_drop_key: gone from searches, links untouched */
  uint32_t n0;
  if (kind->graph) hnsw_neighbors(c, (uint32_t)hnsw_find(c, 2), 0, &n0);
  assert_int_equal(hnsw_drop_key(c, 2), HNSW_OK);
  assert_int_equal(hnsw_drop_key(c, 2), HNSW_NOTFOUND);
  assert_int_equal(hnsw_find(c, 2), -1);
  hnsw_free(c);
  /* four threads on the original, each its own scratch */
  searcher s[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    s[i] = (searcher){h, qs, want, 0};
    assert_int_equal(pthread_create(&th[i], NULL, search_all, &s[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(s[i].mismatches, 0);
  }
  hnsw_scratch_free(sc);
  hnsw_free(h);
  free(want);
  free(x);
  free(qs);
}

static void clone_and_threads(void **state) {
  (void)state;
  static const store_kind kinds[] = {
      {KNN_L2, 1, 0}, {KNN_L2, 1, 1}, {KNN_COSINE, 1, 2}, {KNN_IP, 0, 1}, {KNN_L2, 1, 3},
  };
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) clone_and_threads_of(&kinds[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(clone_and_threads),   cmocka_unit_test(exact_mode),
      cmocka_unit_test(graph_recall),        cmocka_unit_test(encode_roundtrip),
      cmocka_unit_test(purge_removed_links), cmocka_unit_test(levels_seeded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
