/* rng: determinism, stream independence, range and uniformity of draws. */
#include <math.h>
#include <string.h>

#include "../../src/rng.h"
#include "unit.h"

static void same_seed_same_sequence(void **state) {
  (void)state;
  rng a, b;
  rng_seed(&a, 42, 0);
  rng_seed(&b, 42, 0);
  for (int i = 0; i < 1000; i++) assert_int_equal(rng_next(&a), rng_next(&b));
}

static void streams_differ(void **state) {
  (void)state;
  rng a, b, c;
  rng_seed(&a, 42, 0);
  rng_seed(&b, 42, 1);
  rng_seed(&c, 43, 0);
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);
    same_ab += x == y;
    same_ac += x == z;
  }
  assert_int_equal(same_ab, 0);
  assert_int_equal(same_ac, 0);
}

/* Chi-square of rng_below(n) counts over 7 buckets: 6 degrees of freedom,
** 22.46 is the 0.999 quantile. */
static void below_is_uniform(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 7, 3);
  const uint32_t n = 7;
  const int draws = 70000;
  int cnt[7] = {0};
  for (int i = 0; i < draws; i++) {
    uint32_t x = rng_below(&g, n);
    assert_true(x < n);
    cnt[x]++;
  }
  double chi = 0, e = (double)draws / n;
  for (uint32_t k = 0; k < n; k++) chi += (cnt[k] - e) * (cnt[k] - e) / e;
  assert_true(chi < 22.46);
  /* n = 1 always gives 0 */
  for (int i = 0; i < 100; i++) assert_int_equal(rng_below(&g, 1), 0);
}

static void unit_interval(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 1, 1);
  double sum = 0, sumf = 0;
  for (int i = 0; i < 100000; i++) {
    double x = rng_double(&g);
    float f = rng_float(&g);
    assert_true(x >= 0.0 && x < 1.0);
    assert_true(f >= 0.0f && f < 1.0f);
    sum += x;
    sumf += f;
  }
  /* mean 1/2, standard error 1/sqrt(12 * 1e5) ~ 0.0009 */
  assert_true(fabs(sum / 100000 - 0.5) < 0.005);
  assert_true(fabs(sumf / 100000 - 0.5) < 0.005);
}

static void normal_moments(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 5, 0);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; i++) {
    double x = rng_normal(&g);
    s += x;
    s2 += x * x;
  }
  assert_true(fabs(s / n) < 0.01);
  assert_true(fabs(s2 / n - 1.0) < 0.02);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_seed_same_sequence), cmocka_unit_test(streams_differ),
      cmocka_unit_test(below_is_uniform),        cmocka_unit_test(unit_interval),
      cmocka_unit_test(normal_moments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
