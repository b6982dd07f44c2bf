/* radix: key order equals numeric order; sort equals qsort. */
#include <math.h>
#include <stdlib.h>

#include "../../src/radix.h"
#include "../../src/rng.h"
#include "unit.h"

static int u64_cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void key_order(void **state) {
  (void)state;
  static const double v[] = {-INFINITY, -1e300, -2.5, -1.0, -1e-300, 0.0, 1e-300, 1.0, 2.5, 1e300, INFINITY};
  size_t n = sizeof v / sizeof *v;
  for (size_t i = 0; i + 1 < n; i++)
    assert_true(radix_key_from_double(v[i]) < radix_key_from_double(v[i + 1]));
  assert_true(radix_key_from_double(-0.0) == radix_key_from_double(0.0));
  for (size_t i = 0; i < n; i++) assert_true(radix_double_from_key(radix_key_from_double(v[i])) == v[i]);
}

static void sorts_like_qsort(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 1, 2);
  static const size_t sizes[] = {0, 1, 5, 63, 64, 1000, 100000};
  for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
    size_t n = sizes[t];
    uint64_t *a = malloc((n + 1) * 8), *b = malloc((n + 1) * 8), *tmp = malloc((n + 1) * 8);
    for (size_t i = 0; i < n; i++) {
      /* a mix of doubles and narrow keys, with duplicates */
      double x = (i % 3 == 0) ? (double)rng_below(&g, 10) : rng_normal(&g) * 1e3;
      a[i] = b[i] = radix_key_from_double(x);
    }
    uint64_t *r = radix_sort_u64(a, tmp, n);
    qsort(b, n, 8, u64_cmp);
    for (size_t i = 0; i < n; i++) assert_true(r[i] == b[i]);
    free(a);
    free(b);
    free(tmp);
  }
}

static void narrow_keys_skip_passes(void **state) {
  (void)state;
  enum { N = 5000 };
  uint64_t a[N], tmp[N];
  for (int i = 0; i < N; i++) a[i] = (uint64_t)((i * 7919) % N);
  uint64_t *r = radix_sort_u64(a, tmp, N);
  for (int i = 0; i < N; i++) assert_true(r[i] == (uint64_t)i);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(key_order),
      cmocka_unit_test(sorts_like_qsort),
      cmocka_unit_test(narrow_keys_skip_passes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
