/* alias: draws follow the weights (chi-square), zero weights never drawn. */
#include <math.h>
#include "../../src/alias.h"
#include "unit.h"

static void matches_weights(void **state) {
  (void)state;
  double w[6] = {1, 0, 3, 0.5, 2.5, 3};
  alias a;
  assert_int_equal(alias_build(&a, w, 6), 0);
  rng g;
  rng_seed(&g, 1, 0);
  int cnt[6] = {0};
  const int n = 100000;
  for (int i = 0; i < n; i++) cnt[alias_draw(&a, &g)]++;
  assert_int_equal(cnt[1], 0);
  double chi = 0;
  for (int k = 0; k < 6; k++) {
    if (w[k] == 0) continue;
    double e = n * w[k] / 10.0;
    chi += (cnt[k] - e) * (cnt[k] - e) / e;
  }
  /* 4 degrees of freedom: 18.47 is the 0.999 quantile */
  assert_true(chi < 18.47);
  alias_free(&a);
}

static void invalid_weights(void **state) {
  (void)state;
  alias a;
  double zero[3] = {0, 0, 0}, neg[2] = {1, -1}, inf[2] = {1, INFINITY}, nan[2] = {NAN, 1},
         big[2] = {1e308, 1e308};
  /* each is RS_INVALID (a weight problem), not RS_NOMEM */
  assert_int_equal(alias_build(&a, zero, 3), RS_INVALID);
  assert_int_equal(alias_build(&a, neg, 2), RS_INVALID);
  assert_int_equal(alias_build(&a, zero, 0), RS_INVALID);
  assert_int_equal(alias_build(&a, inf, 2), RS_INVALID);
  assert_int_equal(alias_build(&a, nan, 2), RS_INVALID);
  assert_int_equal(alias_build(&a, big, 2), RS_INVALID); /* the sum overflows */
  assert_null(a.prob);
}

static void single(void **state) {
  (void)state;
  alias a;
  double w[1] = {5};
  assert_int_equal(alias_build(&a, w, 1), 0);
  rng g;
  rng_seed(&g, 2, 0);
  for (int i = 0; i < 100; i++) assert_int_equal(alias_draw(&a, &g), 0);
  alias_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(matches_weights),
      cmocka_unit_test(invalid_weights),
      cmocka_unit_test(single),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
