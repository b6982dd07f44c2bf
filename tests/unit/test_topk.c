/* topk: against a full sort; ties resolved by smaller id, order-independent. */
#include <stdlib.h>

#include "../../src/rng.h"
#include "../../src/topk.h"
#include "unit.h"

typedef struct {
  double s;
  uint32_t id;
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->s != y->s) return x->s > y->s ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void against_sort(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 9, 0);
  enum { N = 500 };
  cand c[N];
  for (size_t k = 1; k <= 40; k += 13) {
    for (int i = 0; i < N; i++) {
      c[i].s = (double)rng_below(&g, 50); /* many ties */
      c[i].id = (uint32_t)i;
    }
    /* shuffle the arrival order */
    for (int i = N - 1; i > 0; i--) {
      uint32_t j = rng_below(&g, (uint32_t)i + 1);
      cand t = c[i];
      c[i] = c[j];
      c[j] = t;
    }
    topk t;
    assert_int_equal(topk_init(&t, k), 0);
    for (int i = 0; i < N; i++) topk_push(&t, c[i].s, c[i].id);
    assert_int_equal(topk_sort(&t), k);
    qsort(c, N, sizeof *c, cand_cmp);
    for (size_t i = 0; i < k; i++) {
      assert_true(t.score[i] == c[i].s);
      assert_int_equal(t.id[i], c[i].id);
    }
    topk_free(&t);
  }
}

static void fewer_than_k(void **state) {
  (void)state;
  topk t;
  assert_int_equal(topk_init(&t, 10), 0);
  assert_true(topk_threshold(&t) < -1e300);
  topk_push(&t, 1.0, 5);
  topk_push(&t, 3.0, 2);
  topk_push(&t, 2.0, 9);
  assert_int_equal(topk_sort(&t), 3);
  assert_int_equal(t.id[0], 2);
  assert_int_equal(t.id[1], 9);
  assert_int_equal(t.id[2], 5);
  topk_reset(&t);
  assert_int_equal(t.n, 0);
  topk_free(&t);
}

static void threshold_tracks_worst(void **state) {
  (void)state;
  topk t;
  assert_int_equal(topk_init(&t, 2), 0);
  topk_push(&t, 5.0, 1);
  topk_push(&t, 7.0, 2);
  assert_true(topk_threshold(&t) == 5.0);
  topk_push(&t, 6.0, 3);
  assert_true(topk_threshold(&t) == 6.0);
  topk_push(&t, 6.0, 0); /* same score, smaller id: enters */
  assert_true(topk_threshold(&t) == 6.0);
  topk_sort(&t);
  assert_int_equal(t.id[0], 2);
  assert_int_equal(t.id[1], 0);
  topk_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(against_sort),
      cmocka_unit_test(fewer_than_k),
      cmocka_unit_test(threshold_tracks_worst),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
