/* blas: every path (the CPU's own kernels, generic, openblas) against a
** double-precision triple loop, for the four transposes, edge tiles, k past
** one KC slice, alpha/beta, NaN in C with beta 0, and the threaded split. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/blas.h"
#include "../../src/rng.h"
#include "unit.h"

static float at(const float *M, size_t ld, blas_trans t, size_t r, size_t c) {
  return t == BLAS_N ? M[r * ld + c] : M[c * ld + r];
}

/* One product on the current path, checked element by element. */
static void check(blas_trans ta, blas_trans tb, size_t m, size_t n, size_t k, float alpha, float beta,
                  int threads) {
  rng g;
  rng_seed(&g, m * 1000003 + n * 1009 + k, (uint64_t)ta * 2 + tb);
  size_t lda = (ta == BLAS_N ? k : m) + 3, ldb = (tb == BLAS_N ? n : k) + 1, ldc = n + 5;
  size_t ra = ta == BLAS_N ? m : k, rb = tb == BLAS_N ? k : n;
  float *A = malloc(sizeof(float) * (ra * lda + 1)), *B = malloc(sizeof(float) * (rb * ldb + 1));
  float *C = malloc(sizeof(float) * (m * ldc + 1)), *C0 = malloc(sizeof(float) * (m * ldc + 1));
  for (size_t t = 0; t < ra * lda; t++) A[t] = (float)rng_normal(&g);
  for (size_t t = 0; t < rb * ldb; t++) B[t] = (float)rng_normal(&g);
  for (size_t t = 0; t < m * ldc; t++) C0[t] = beta == 0.0f ? NAN : (float)rng_normal(&g);
  memcpy(C, C0, sizeof(float) * m * ldc);
  assert_int_equal(blas_sgemm_threads(threads, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc), 0);
  for (size_t i = 0; i < m; i++) {
    for (size_t j = 0; j < n; j++) {
      double s = 0.0, mag = 0.0;
      for (size_t p = 0; p < k; p++) {
        double v = (double)at(A, lda, ta, i, p) * at(B, ldb, tb, p, j);
        s += v;
        mag += fabs(v);
      }
      double want = alpha * s + (beta == 0.0f ? 0.0 : beta * (double)C0[i * ldc + j]);
      assert_true(fabs(C[i * ldc + j] - want) <= 1e-5 * (mag + 1.0));
    }
    for (size_t j = n; j < ldc; j++) /* the padding of each row is untouched */
      assert_memory_equal(&C[i * ldc + j], &C0[i * ldc + j], sizeof(float));
  }
  free(A);
  free(B);
  free(C);
  free(C0);
}

static void all_shapes(void) {
  const size_t sizes[][3] = {{1, 1, 1},     {7, 5, 3},      {8, 32, 64},    {64, 4096 + 7, 65},
                             {33, 17, 300}, {130, 70, 257}, {256, 64, 256}, {5, 1000, 2}};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++) check(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 0.0f, 1);
  check(BLAS_N, BLAS_T, 19, 45, 70, 0.5f, 2.0f, 1);
  check(BLAS_T, BLAS_N, 19, 45, 70, -1.5f, 1.0f, 1);
  check(BLAS_N, BLAS_N, 200, 33, 40, 1.0f, 0.0f, 3);
  check(BLAS_T, BLAS_T, 200, 33, 40, 1.0f, 0.5f, 2);
}

static void test_paths(void **state) {
  (void)state;
  blas_path best = blas_current_path();
  assert_true(best != BLAS_AUTO);
  for (int p = BLAS_GENERIC; p < BLAS_N_PATHS; p++) {
    if (blas_set_path((blas_path)p)) continue; /* not on this CPU */
    assert_int_equal(blas_current_path(), p);
    all_shapes();
  }
  assert_int_equal(blas_set_path(BLAS_AUTO), 0);
  assert_int_equal(blas_current_path(), best);
}

static void test_k_zero_and_names(void **state) {
  (void)state;
  float C[6] = {1, 2, 3, 4, 5, 6}, A[1] = {0}, B[1] = {0};
  assert_int_equal(blas_sgemm(BLAS_N, BLAS_N, 2, 3, 0, 1.0f, A, 1, B, 3, 2.0f, C, 3), 0);
  assert_true(C[0] == 2.0f && C[5] == 12.0f);
  assert_int_equal(blas_sgemm(BLAS_N, BLAS_N, 2, 3, 0, 1.0f, A, 1, B, 3, 0.0f, C, 3), 0);
  assert_true(C[0] == 0.0f && C[5] == 0.0f);
  for (int p = 0; p < BLAS_N_PATHS; p++) assert_int_equal(blas_path_parse(blas_path_name((blas_path)p)), p);
  assert_int_equal(blas_path_parse("mkl"), -1);
  assert_int_equal(blas_path_parse(NULL), -1);
  assert_int_equal(blas_set_path((blas_path)99), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_paths),
      cmocka_unit_test(test_k_zero_and_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
