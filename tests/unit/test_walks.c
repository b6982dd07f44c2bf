/* walks: the graph's weights are the pair counts; empirical transition
** frequencies of the walks match them (chi-square); walks stop at dead ends;
** a seed gives the same walks. */
#include <string.h>

#include "../../src/walks.h"
#include "unit.h"

/* Sequences 0 1 2 | 0 1 | 0 2 0 1 | 3: edges 0->1 x3, 0->2 x1, 1->2 x1, 2->0 x1 */
static void make(seqs *s) {
  static size_t off[] = {0, 3, 5, 9};
  static uint32_t item[] = {0, 1, 2, 0, 1, 0, 2, 0, 1};
  s->n = 3;
  s->off = off;
  s->item = item;
}

static void graph(void **state) {
  (void)state;
  seqs s;
  make(&s);
  walk_graph g;
  assert_int_equal(walk_graph_build(&g, &s, 4), RS_OK);
  assert_int_equal(g.off[1] - g.off[0], 2);
  assert_int_equal(g.dst[0], 1);
  assert_true(g.weight[0] == 3.0);
  assert_int_equal(g.dst[1], 2);
  assert_true(g.weight[1] == 1.0);
  assert_int_equal(g.off[2] - g.off[1], 1);
  assert_int_equal(g.off[4] - g.off[3], 0); /* item 3: no out-edge */
  rng r;
  rng_seed(&r, 1, 0);
  assert_int_equal(walk_step(&g, 3, &r), UINT32_MAX);
  walk_graph_free(&g);
}

static void transition_frequencies(void **state) {
  (void)state;
  seqs s;
  make(&s);
  walk_graph g;
  assert_int_equal(walk_graph_build(&g, &s, 4), RS_OK);
  seqs w;
  assert_int_equal(walks_generate(&g, 2000, 20, 7, NULL, &w), RS_OK);
  /* 3 start items (3 has no out-edges) x 2000 */
  assert_int_equal(w.n, 6000);
  double cnt[4][4];
  memset(cnt, 0, sizeof cnt);
  for (uint32_t q = 0; q < w.n; q++) {
    assert_int_equal(w.off[q + 1] - w.off[q], 20); /* the graph 0-1-2-0 has no dead end */
    for (size_t t = w.off[q] + 1; t < w.off[q + 1]; t++) cnt[w.item[t - 1]][w.item[t]]++;
  }
  /* from 0: 1 with 3/4, 2 with 1/4; from 1 and 2 one edge each */
  double n0 = cnt[0][1] + cnt[0][2];
  double chi = 0, e1 = n0 * 0.75, e2 = n0 * 0.25;
  chi += (cnt[0][1] - e1) * (cnt[0][1] - e1) / e1 + (cnt[0][2] - e2) * (cnt[0][2] - e2) / e2;
  assert_true(chi < 10.83); /* 1 degree of freedom, 0.999 quantile */
  assert_true(cnt[0][0] == 0 && cnt[0][3] == 0 && cnt[1][0] == 0 && cnt[1][1] == 0);
  assert_true(cnt[2][1] == 0 && cnt[2][2] == 0 && cnt[1][2] > 0 && cnt[2][0] > 0);
  /* same seed, same walks */
  seqs w2;
  assert_int_equal(walks_generate(&g, 2000, 20, 7, NULL, &w2), RS_OK);
  assert_memory_equal(w.item, w2.item, w.off[w.n] * sizeof *w.item);
  seqs_free(&w);
  seqs_free(&w2);
  walk_graph_free(&g);
}

static void dead_end(void **state) {
  (void)state;
  static size_t off[] = {0, 3};
  static uint32_t item[] = {0, 1, 2};
  seqs s = {1, off, item};
  walk_graph g;
  assert_int_equal(walk_graph_build(&g, &s, 3), RS_OK);
  seqs w;
  assert_int_equal(walks_generate(&g, 3, 10, 1, NULL, &w), RS_OK);
  /* from 0: 0 1 2; from 1: 1 2; 2 has no out-edge and starts no walk */
  assert_int_equal(w.n, 6);
  size_t len3 = 0, len2 = 0;
  for (uint32_t q = 0; q < w.n; q++) {
    size_t l = w.off[q + 1] - w.off[q];
    len3 += l == 3;
    len2 += l == 2;
  }
  assert_int_equal(len3, 3);
  assert_int_equal(len2, 3);
  seqs_free(&w);
  /* length 1: every walk is a single item, dropped */
  assert_int_equal(walks_generate(&g, 3, 1, 1, NULL, &w), RS_OK);
  assert_int_equal(w.n, 0);
  seqs_free(&w);
  walk_graph_free(&g);
}

static int stop_now(void *p) {
  (void)p;
  return 1;
}

static void stops(void **state) {
  (void)state;
  seqs s, w;
  make(&s);
  walk_graph g;
  assert_int_equal(walk_graph_build(&g, &s, 4), RS_OK);
  progress p;
  progress_init(&p, stop_now, NULL);
  p.last = -1e9;
  assert_int_equal(walks_generate(&g, 10, 5, 1, &p, &w), RS_STOPPED);
  assert_null(w.off);
  walk_graph_free(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(graph),
      cmocka_unit_test(transition_frequencies),
      cmocka_unit_test(dead_end),
      cmocka_unit_test(stops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
