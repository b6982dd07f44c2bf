/* mips: blocked BLAS top-k against a brute-force scan, with bias,
** exclusions, ties, k above the item count, and several threads. */
#include <math.h>
#include <stdlib.h>

#include "../../src/mips.h"
#include "../../src/rng.h"
#include "../../src/topk.h"
#include "unit.h"

static void check_against_brute(uint32_t nq, uint32_t nx, uint32_t dim, uint32_t k, int with_bias,
                                int with_exclude, int threads, int ties) {
  rng g;
  rng_seed(&g, nq * 31 + nx, 1);
  float *Q = malloc(sizeof(float) * nq * dim), *X = malloc(sizeof(float) * nx * dim);
  float *bias = malloc(sizeof(float) * nx);
  for (size_t t = 0; t < (size_t)nq * dim; t++) Q[t] = ties ? (float)rng_below(&g, 3) : (float)rng_normal(&g);
  for (size_t t = 0; t < (size_t)nx * dim; t++) X[t] = ties ? (float)rng_below(&g, 3) : (float)rng_normal(&g);
  for (uint32_t t = 0; t < nx; t++) bias[t] = ties ? 0.0f : (float)rng_normal(&g);
  csr ex = {0};
  if (with_exclude) {
    uint32_t *eu = malloc(sizeof(uint32_t) * nq * 8 + 4), *ei = malloc(sizeof(uint32_t) * nq * 8 + 4);
    size_t n = 0;
    for (uint32_t q = 0; q < nq; q++)
      for (int r = 0; r < 8; r++) {
        eu[n] = q;
        ei[n++] = rng_below(&g, nx);
      }
    assert_int_equal(csr_build(&ex, nq, nx, eu, ei, n), 0);
    free(eu);
    free(ei);
  }
  mips_result res;
  assert_int_equal(mips_topk(Q, nq, X, with_bias ? bias : NULL, nx, dim, k, with_exclude ? &ex : NULL,
                             threads, NULL, &res),
                   0);
  topk t;
  assert_int_equal(topk_init(&t, k), 0);
  for (uint32_t q = 0; q < nq; q++) {
    topk_reset(&t);
    for (uint32_t x = 0; x < nx; x++) {
      if (with_exclude && csr_contains(&ex, q, x)) continue;
      double s = 0;
      for (uint32_t f = 0; f < dim; f++) s += (double)Q[(size_t)q * dim + f] * X[(size_t)x * dim + f];
      if (with_bias) s += bias[x];
      topk_push(&t, (float)s, x);
    }
    size_t n = topk_sort(&t);
    assert_int_equal(res.count[q], n);
    for (size_t r = 0; r < n; r++) {
      float got = res.score[(size_t)q * k + r];
      assert_true(fabsf(got - (float)t.score[r]) <= 1e-4f * (1 + fabsf(got)));
      if (ties) assert_int_equal(res.item[(size_t)q * k + r], t.id[r]);
      if (with_exclude) assert_false(csr_contains(&ex, q, res.item[(size_t)q * k + r]));
    }
    /* scores descending */
    for (size_t r = 1; r < n; r++)
      assert_true(res.score[(size_t)q * k + r - 1] >= res.score[(size_t)q * k + r]);
  }
  topk_free(&t);
  mips_result_free(&res);
  csr_free(&ex);
  free(Q);
  free(X);
  free(bias);
}

static void small_exact(void **state) {
  (void)state;
  check_against_brute(5, 7, 3, 3, 0, 0, 1, 0);
  check_against_brute(5, 7, 3, 10, 1, 0, 1, 0); /* k > items */
}

static void blocks_bias_exclusions_threads(void **state) {
  (void)state;
  /* more queries than one block and items across block edges */
  check_against_brute(150, 9000, 16, 20, 1, 1, 2, 0);
  check_against_brute(70, 4100, 8, 5, 0, 1, 3, 0);
}

static void ties_by_item_index(void **state) {
  (void)state;
  /* small integer vectors: many equal scores; order must be score desc, item asc */
  check_against_brute(20, 300, 2, 15, 0, 1, 2, 1);
}

static void everything_excluded(void **state) {
  (void)state;
  float Q[2] = {1, 1}, X[4] = {1, 0, 0, 1};
  uint32_t eu[2] = {0, 0}, ei[2] = {0, 1};
  csr ex;
  assert_int_equal(csr_build(&ex, 1, 2, eu, ei, 2), 0);
  mips_result res;
  assert_int_equal(mips_topk(Q, 1, X, NULL, 2, 2, 5, &ex, 1, NULL, &res), 0);
  assert_int_equal(res.count[0], 0);
  mips_result_free(&res);
  csr_free(&ex);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(small_exact),
      cmocka_unit_test(blocks_bias_exclusions_threads),
      cmocka_unit_test(ties_by_item_index),
      cmocka_unit_test(everything_excluded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
