/* auto: the plan on data sizes of known shape, the budget, and the choice. */
#include <math.h>
#include <string.h>

#include "../../src/auto.h"
#include "unit.h"

static auto_data data(uint64_t users, uint64_t items, uint64_t interactions) {
  auto_data d;
  memset(&d, 0, sizeof d);
  d.users = users;
  d.items = items;
  d.interactions = interactions;
  d.sum_sq_degree = (double)interactions * interactions / users;
  d.threads = 2;
  d.memory_bytes = 24e9;
  return d;
}

static int count(const auto_trial *t, size_t n, auto_family f) {
  int c = 0;
  for (size_t k = 0; k < n; k++) c += t[k].family == f;
  return c;
}

static const auto_trial *find(const auto_trial *t, size_t n, auto_family f) {
  for (size_t k = 0; k < n; k++)
    if (t[k].family == f) return &t[k];
  return NULL;
}

static void small_data_tries_everything(void **state) {
  (void)state;
  auto_data d = data(943, 1682, 80000); /* MovieLens 100K */
  auto_trial t[32];
  size_t n = auto_plan(&d, 600, 0x3f, t, 32);
  assert_int_equal(count(t, n, AUTO_SWING), 1);
  assert_int_equal(count(t, n, AUTO_ITEMCF), 1);
  assert_int_equal(count(t, n, AUTO_EASE), 5); /* default lambda and the grid */
  assert_int_equal(find(t, n, AUTO_EASE)->lambda, 0);
  for (auto_family f = AUTO_BPR; f <= AUTO_SOFTMAX; f++)
    assert_int_equal(find(t, n, f)->epochs, auto_default_epochs(f));
  /* cheap families first */
  assert_int_equal(t[0].family, AUTO_SWING);
  assert_int_equal(t[n - 1].family, AUTO_SOFTMAX);
}

static void large_catalog_leaves_ease_out(void **state) {
  (void)state;
  auto_data d = data(29858, 40981, 810128); /* Gowalla: EASE needs 14.8 GB, half of 24 GB is 12 */
  auto_trial t[32];
  size_t n = auto_plan(&d, 600, 0x3f, t, 32);
  assert_int_equal(count(t, n, AUTO_EASE), 0);
  assert_int_equal(count(t, n, AUTO_SWING), 1);
  /* the screening and the most expensive refit fit in the budget */
  double total = 0, reserve = 0;
  for (size_t k = 0; k < n; k++) {
    total += t[k].est_seconds;
    if (auto_family_is_factor(t[k].family) && auto_estimate(&d, t[k].family, 0) > reserve)
      reserve = auto_estimate(&d, t[k].family, 0);
  }
  assert_true(total + reserve <= 600);
  /* a family screened with fewer epochs never goes under a fifth of its default */
  for (size_t k = 0; k < n; k++)
    if (auto_family_is_factor(t[k].family)) assert_true(t[k].epochs * 5 >= auto_default_epochs(t[k].family));
  /* more memory lets EASE in when its time fits */
  d.memory_bytes = 64e9;
  n = auto_plan(&d, 1e6, 0x3f, t, 32);
  assert_int_equal(count(t, n, AUTO_EASE), 5);
}

static void budget_and_families(void **state) {
  (void)state;
  auto_data d = data(29858, 40981, 810128);
  auto_trial t[32];
  /* a small budget drops the expensive families first */
  size_t n = auto_plan(&d, 200, 1u << AUTO_BPR | 1u << AUTO_CCL | 1u << AUTO_SOFTMAX, t, 32);
  assert_true(n >= 1);
  assert_int_equal(count(t, n, AUTO_SOFTMAX), 0);
  /* nothing fits a budget of one second */
  assert_int_equal(auto_plan(&d, 1, 0x3f, t, 32), 0);
  /* only the families asked for */
  n = auto_plan(&d, 600, 1u << AUTO_ITEMCF, t, 32);
  assert_int_equal(n, 1);
  assert_int_equal(t[0].family, AUTO_ITEMCF);
  /* the same input, the same plan */
  auto_trial u[32];
  size_t m = auto_plan(&d, 600, 0x3f, u, 32);
  n = auto_plan(&d, 600, 0x3f, t, 32);
  assert_int_equal(n, m);
  for (size_t k = 0; k < n; k++) {
    assert_int_equal(t[k].family, u[k].family);
    assert_int_equal(t[k].epochs, u[k].epochs);
    assert_true(t[k].lambda == u[k].lambda && t[k].est_seconds == u[k].est_seconds);
  }
  /* more threads, cheaper estimates */
  auto_data d4 = d;
  d4.threads = 4;
  assert_true(auto_estimate(&d4, AUTO_CCL, 0) < auto_estimate(&d, AUTO_CCL, 0));
}

static void best_score(void **state) {
  (void)state;
  auto_trial t[5] = {{AUTO_SWING}, {AUTO_ITEMCF}, {AUTO_EASE}, {AUTO_BPR}, {AUTO_CCL}};
  double s[] = {0.1, 0.3, NAN, 0.3, 0.2};
  assert_int_equal(auto_best(t, s, NULL, 5), 1); /* ties: the first */
  double nan2[] = {NAN, NAN};
  assert_int_equal(auto_best(t, nan2, NULL, 2), 2);
  /* one standard error: 0.25 is within 0.06 of 0.3, 0.2 is not */
  double a[] = {0.2, 0.25, 0.3}, se[] = {0.01, 0.01, 0.06};
  assert_int_equal(auto_best(t, a, se, 3), 1);
  se[2] = 0.04;
  assert_int_equal(auto_best(t, a, se, 3), 2);
  se[2] = 0.1;
  assert_int_equal(auto_best(t, a, se, 3), 0);
  /* within the chosen family the best setting wins: EASE's lambdas, where
  ** the default (first) is within one standard error of swing's best */
  auto_trial e[4] = {{AUTO_SWING}, {AUTO_EASE, 0}, {AUTO_EASE, 500}, {AUTO_CCL}};
  double es[] = {0.1, 0.340, 0.346, 0.347}, ese[] = {0.01, 0.01, 0.01, 0.01};
  assert_int_equal(auto_best(e, es, ese, 4), 2);
  /* a cheaper family within the error: its best setting, not the overall best */
  double es2[] = {0.345, 0.340, 0.346, 0.347};
  assert_int_equal(auto_best(e, es2, ese, 4), 0);
  assert_int_equal(auto_family_parse("ccl", 3), AUTO_CCL);
  assert_int_equal(auto_family_parse("cc", 2), -1);
  assert_string_equal(auto_family_name(AUTO_EASE), "ease");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(small_data_tries_everything),
      cmocka_unit_test(large_catalog_leaves_ease_out),
      cmocka_unit_test(budget_and_families),
      cmocka_unit_test(best_score),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
