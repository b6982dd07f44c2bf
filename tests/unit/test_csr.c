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

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Rows of every length around the sort's switch (32) and far past it,
** with columns spanning 1, 3 and 4 radix digits (odd and even numbers of
** passes), against qsort and a dedup of each row. */
static void long_rows_against_qsort(void **state) {
  (void)state;
  static const uint32_t spans[] = {200, 1u << 20, 1u << 24, 4000000000u};
  for (size_t sp = 0; sp < sizeof spans / sizeof *spans; sp++) {
    enum { R = 40 };
    size_t n = 0;
    for (uint32_t r = 0; r < R; r++) n += r < 36 ? r : 3000u * (r - 35);
    uint32_t *u = malloc(n * sizeof *u), *i = malloc(n * sizeof *i), *ref = malloc(n * sizeof *ref);
    rng g;
    rng_seed(&g, 11, sp);
    size_t k = 0;
    for (uint32_t r = 0; r < R; r++)
      for (size_t t = 0; t < (r < 36 ? r : 3000u * (r - 35)); t++, k++) {
        u[k] = r;
        i[k] = (uint32_t)(rng_next(&g) % spans[sp]);
      }
    /* rows interleaved, as pairs arrive */
    for (size_t t = n; t > 1; t--) {
      size_t x = rng_below(&g, (uint32_t)t);
      uint32_t a = u[t - 1], b = i[t - 1];
      u[t - 1] = u[x];
      i[t - 1] = i[x];
      u[x] = a;
      i[x] = b;
    }
    csr m;
    assert_int_equal(csr_build(&m, R, spans[sp], u, i, n), 0);
    size_t nnz = 0;
    for (uint32_t r = 0; r < R; r++) {
      size_t d = 0;
      for (size_t t = 0; t < n; t++)
        if (u[t] == r) ref[d++] = i[t];
      qsort(ref, d, sizeof *ref, cmp_u32);
      size_t w = 0;
      for (size_t t = 0; t < d; t++)
        if (t == 0 || ref[t] != ref[t - 1]) ref[w++] = ref[t];
      assert_int_equal(csr_degree(&m, r), w);
      assert_memory_equal(csr_row(&m, r), ref, w * sizeof *ref);
      nnz += w;
    }
    assert_int_equal(m.nnz, nnz);
    csr_free(&m);
    free(u);
    free(i);
    free(ref);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_case),
      cmocka_unit_test(empty_input),
      cmocka_unit_test(random_against_dense),
      cmocka_unit_test(long_rows_against_qsort),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
