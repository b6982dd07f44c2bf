/* csr: sorted, deduplicated rows; transpose; against a dense reference. */
#include <stdlib.h>
#include <string.h>

#include "../../src/csr.h"
#include "../../src/rng.h"
#include "unit.h"

static void hand_case(void **state) {
  (void)state;
  /* users 0..2, items 0..3; (1,2) twice */
  uint32_t u[] = {1, 0, 1, 2, 1, 0};
  uint32_t i[] = {2, 3, 0, 1, 2, 0};
  csr m, t;
  assert_int_equal(csr_build(&m, 3, 4, u, i, 6), 0);
  assert_int_equal(m.nnz, 5);
  assert_int_equal(csr_degree(&m, 0), 2);
  assert_int_equal(csr_degree(&m, 1), 2);
  assert_int_equal(csr_degree(&m, 2), 1);
  assert_int_equal(csr_row(&m, 0)[0], 0);
  assert_int_equal(csr_row(&m, 0)[1], 3);
  assert_int_equal(csr_row(&m, 1)[0], 0);
  assert_int_equal(csr_row(&m, 1)[1], 2);
  assert_true(csr_contains(&m, 1, 2));
  assert_false(csr_contains(&m, 1, 1));
  assert_false(csr_contains(&m, 2, 3));
  assert_int_equal(csr_transpose(&t, &m), 0);
  assert_int_equal(t.n_rows, 4);
  assert_int_equal(csr_degree(&t, 0), 2); /* item 0: users 0, 1 */
  assert_int_equal(csr_row(&t, 0)[0], 0);
  assert_int_equal(csr_row(&t, 0)[1], 1);
  assert_int_equal(csr_degree(&t, 3), 1);
  assert_int_equal(csr_row(&t, 3)[0], 0);
  csr_free(&m);
  csr_free(&t);
}

static void empty_input(void **state) {
  (void)state;
  csr m;
  assert_int_equal(csr_build(&m, 2, 2, NULL, NULL, 0), 0);
  assert_int_equal(m.nnz, 0);
  assert_int_equal(csr_degree(&m, 1), 0);
  assert_false(csr_contains(&m, 0, 0));
  csr_free(&m);
}

static void random_against_dense(void **state) {
  (void)state;
  enum { R = 50, C = 70, N = 3000 };
  rng g;
  rng_seed(&g, 3, 0);
  uint32_t *u = malloc(N * sizeof *u), *i = malloc(N * sizeof *i);
  char dense[R][C];
  memset(dense, 0, sizeof dense);
  for (int k = 0; k < N; k++) {
    u[k] = rng_below(&g, R);
    i[k] = rng_below(&g, C);
    dense[u[k]][i[k]] = 1;
  }
  csr m, t;
  assert_int_equal(csr_build(&m, R, C, u, i, N), 0);
  assert_int_equal(csr_transpose(&t, &m), 0);
  size_t nnz = 0;
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) {
      nnz += (size_t)dense[r][c];
      assert_int_equal(csr_contains(&m, (uint32_t)r, (uint32_t)c), dense[r][c]);
      assert_int_equal(csr_contains(&t, (uint32_t)c, (uint32_t)r), dense[r][c]);
    }
  assert_int_equal(m.nnz, nnz);
  for (int r = 0; r < R; r++)
    for (size_t k = 1; k < csr_degree(&m, (uint32_t)r); k++)
      assert_true(csr_row(&m, (uint32_t)r)[k - 1] < csr_row(&m, (uint32_t)r)[k]);
  csr_free(&m);
  csr_free(&t);
  free(u);
  free(i);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_case),
      cmocka_unit_test(empty_input),
      cmocka_unit_test(random_against_dense),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
