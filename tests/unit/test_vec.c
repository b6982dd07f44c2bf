/* vec: kernels against plain double loops, on lengths around the lane width. */
#include <math.h>
#include <string.h>

#include "../../src/rng.h"
#include "../../src/vec.h"
#include "unit.h"

static void fill(float *x, size_t n, rng *g) {
  for (size_t i = 0; i < n; i++) x[i] = (float)(rng_double(g) * 2.0 - 1.0);
}

static void kernels_match_reference(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 11, 0);
  float a[200], b[200], y[200], y2[200];
  static const size_t lens[] = {1, 3, 15, 16, 17, 31, 32, 33, 64, 100, 200};
  for (size_t t = 0; t < sizeof lens / sizeof *lens; t++) {
    size_t n = lens[t];
    fill(a, n, &g);
    fill(b, n, &g);
    double dot = 0, l2 = 0, nrm = 0;
    for (size_t i = 0; i < n; i++) {
      dot += (double)a[i] * b[i];
      l2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
      nrm += (double)a[i] * a[i];
    }
    assert_true(fabs(vec_dot(a, b, n) - dot) < 1e-4);
    assert_true(fabs(vec_l2sq(a, b, n) - l2) < 1e-4);
    assert_true(fabs(vec_dot_d(a, b, n) - dot) < 1e-12);
    assert_true(fabs(vec_l2sq_d(a, b, n) - l2) < 1e-12);
    assert_true(fabs(vec_normsq_d(a, n) - nrm) < 1e-12);
    memcpy(y, b, n * sizeof *y);
    memcpy(y2, b, n * sizeof *y);
    vec_axpy(0.5f, a, y, n);
    for (size_t i = 0; i < n; i++) y2[i] += 0.5f * a[i];
    assert_memory_equal(y, y2, n * sizeof *y);
    vec_scale(2.0f, y, n);
    for (size_t i = 0; i < n; i++) assert_true(y[i] == y2[i] * 2.0f);
  }
}

static void exact_small_cases(void **state) {
  (void)state;
  float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
  assert_true(vec_dot(a, b, 3) == 32.0f);
  assert_true(vec_dot_d(a, b, 3) == 32.0);
  assert_true(vec_l2sq_d(a, b, 3) == 27.0);
  assert_true(vec_dot(a, b, 0) == 0.0f);
}

static void nonfinite_found(void **state) {
  (void)state;
  float x[40];
  for (int i = 0; i < 40; i++) x[i] = (float)i;
  size_t first = 99;
  assert_int_equal(vec_count_nonfinite(x, 40, &first), 0);
  assert_int_equal(first, 99);
  x[33] = INFINITY;
  x[35] = NAN;
  x[37] = -INFINITY;
  assert_int_equal(vec_count_nonfinite(x, 40, &first), 3);
  assert_int_equal(first, 33);
  /* the largest finite float is finite */
  x[33] = x[35] = x[37] = 3.4028235e38f;
  assert_int_equal(vec_count_nonfinite(x, 40, NULL), 0);
}

/* vec_exp_shift against libm's exp over the range a softmax uses, with the
** sum; vec_adam against the update written out. */
static void exp_and_adam(void **state) {
  (void)state;
  enum { N = 1003 };
  float x[N];
  double want[N], sum = 0.0;
  for (int i = 0; i < N; i++) {
    x[i] = -100.0f + 100.5f * (float)i / (N - 1); /* -100 .. 0.5 */
    want[i] = exp((double)(x[i] - 0.25f));        /* of the float argument the kernel sees */
    if (x[i] - 0.25f < -87.0f) want[i] = exp(-87.0);
    sum += want[i];
  }
  float got_sum = vec_exp_shift(x, N, 0.25f);
  for (int i = 0; i < N; i++) assert_true(fabs(x[i] - want[i]) <= 3e-7 * want[i]);
  assert_true(fabs(got_sum - sum) <= 1e-6 * sum);
  /* NaN and infinities are clamped like any value out of range (a NaN
  ** becomes exp(-87), never an undefined integer conversion) */
  float odd[3] = {NAN, -INFINITY, INFINITY};
  vec_exp_shift(odd, 3, 0.0f);
  assert_float_equal(odd[0], exp(-87.0), 1e-6 * exp(-87.0));
  assert_float_equal(odd[1], exp(-87.0), 1e-6 * exp(-87.0));
  assert_float_equal(odd[2], exp(88.0), 1e-6 * exp(88.0));
  float xa[37], m[37], v[37], g[37], xb[37], mb[37], vb[37];
  rng r;
  rng_seed(&r, 9, 0);
  for (int i = 0; i < 37; i++) {
    xa[i] = xb[i] = (float)rng_normal(&r);
    m[i] = mb[i] = (float)rng_normal(&r) * 0.1f;
    v[i] = vb[i] = (float)rng_double(&r) * 0.01f;
    g[i] = (float)rng_normal(&r);
  }
  vec_adam(xa, m, v, g, 37, 0.9f, 0.999f, 0.01f, 1e-8f);
  for (int i = 0; i < 37; i++) {
    mb[i] = 0.9f * mb[i] + 0.1f * g[i];
    vb[i] = 0.999f * vb[i] + 0.001f * g[i] * g[i];
    xb[i] -= 0.01f * mb[i] / (sqrtf(vb[i]) + 1e-8f);
    assert_float_equal(xa[i], xb[i], 1e-6);
    assert_float_equal(m[i], mb[i], 1e-7);
    assert_float_equal(v[i], vb[i], 1e-7);
  }
}

/* Rows divided by norm^a: hand-computed on rows of norm 5, 0 and 2. */
static void rows_norm_pow(void **state) {
  (void)state;
  float X[6] = {3, 4, 0, 0, 0, 2};
  vec_rows_norm_pow(X, 3, 2, 0.0);
  assert_float_equal(X[0], 3.0f, 0);
  assert_float_equal(X[5], 2.0f, 0);
  vec_rows_norm_pow(X, 3, 2, 0.5); /* 5^-0.5, untouched, 2^-0.5 */
  assert_float_equal(X[0], 3.0f / sqrtf(5.0f), 1e-6);
  assert_float_equal(X[1], 4.0f / sqrtf(5.0f), 1e-6);
  assert_float_equal(X[2], 0.0f, 0);
  assert_float_equal(X[3], 0.0f, 0);
  assert_float_equal(X[4], 0.0f, 0);
  assert_float_equal(X[5], sqrtf(2.0f), 1e-6);
  vec_rows_norm_pow(X, 3, 2, 1.0); /* now unit rows */
  assert_float_equal(X[0], 0.6f, 1e-6);
  assert_float_equal(X[1], 0.8f, 1e-6);
  assert_float_equal(X[5], 1.0f, 1e-6);
}

static void isa_named(void **state) {
  (void)state;
  assert_non_null(vec_isa());
  assert_true(strlen(vec_isa()) > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kernels_match_reference), cmocka_unit_test(exact_small_cases),
      cmocka_unit_test(nonfinite_found),         cmocka_unit_test(exp_and_adam),
      cmocka_unit_test(rows_norm_pow),           cmocka_unit_test(isa_named),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
