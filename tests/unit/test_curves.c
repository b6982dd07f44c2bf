/* curves: the walk, thinning and average precision, by hand and against
** counting at every threshold. */
#include <math.h>
#include <stdlib.h>

#include "../../src/curves.h"
#include "../../src/radix.h"
#include "../../src/rng.h"
#include "unit.h"

typedef struct keyset keyset;
struct keyset {
  uint64_t *pos, *neg;
  size_t np, nn;
};

static keyset keys_of(const double *s, const int *l, size_t n) {
  keyset k = {malloc((n + 1) * 8), malloc((n + 1) * 8), 0, 0};
  uint64_t *tmp = malloc((n + 1) * 8);
  for (size_t i = 0; i < n; i++) {
    if (l[i])
      k.pos[k.np++] = radix_key_from_double(s[i]);
    else
      k.neg[k.nn++] = radix_key_from_double(s[i]);
  }
  curves_sort(k.pos, k.np, k.neg, k.nn, tmp);
  free(tmp);
  return k;
}

static void keys_free(keyset *k) {
  free(k->pos);
  free(k->neg);
}

static void walk_hand(void **state) {
  (void)state;
  /* scikit-learn's example: scores 0.1 0.4 0.35 0.8, labels 0 0 1 1 */
  double s[] = {0.1, 0.4, 0.35, 0.8};
  int l[] = {0, 0, 1, 1};
  keyset k = keys_of(s, l, 4);
  curve_walk w;
  curve_walk_init(&w, k.pos, k.np, k.neg, k.nn);
  assert_true(isinf(w.threshold) && w.tp == 0 && w.fp == 0);
  double th[] = {0.8, 0.4, 0.35, 0.1};
  uint64_t tp[] = {1, 1, 2, 2}, fp[] = {0, 1, 1, 2};
  for (int i = 0; i < 4; i++) {
    assert_true(curve_walk_next(&w));
    assert_true(w.threshold == th[i]);
    assert_int_equal(w.tp, tp[i]);
    assert_int_equal(w.fp, fp[i]);
  }
  assert_false(curve_walk_next(&w));
  assert_int_equal(curves_distinct(k.pos, k.np, k.neg, k.nn), 4);
  /* AP = 0.5 * 1 + 0.5 * 2/3 */
  assert_true(fabs(curves_average_precision(k.pos, k.np, k.neg, k.nn, 0) - 5.0 / 6.0) < 1e-15);
  /* two positives without score: recall steps of 1/4 */
  assert_true(fabs(curves_average_precision(k.pos, k.np, k.neg, k.nn, 2) - 5.0 / 12.0) < 1e-15);
  keys_free(&k);
}

static void walk_ties(void **state) {
  (void)state;
  /* one threshold with a positive and a negative tied, -0.0 == 0.0 */
  double s[] = {0.0, -0.0, 2.0};
  int l[] = {1, 0, 0};
  keyset k = keys_of(s, l, 3);
  curve_walk w;
  curve_walk_init(&w, k.pos, k.np, k.neg, k.nn);
  assert_true(curve_walk_next(&w) && w.threshold == 2.0 && w.tp == 0 && w.fp == 1);
  assert_true(curve_walk_next(&w) && w.threshold == 0.0 && w.tp == 1 && w.fp == 2);
  assert_false(curve_walk_next(&w));
  /* the positive enters with both negatives: precision 1/3 */
  assert_true(fabs(curves_average_precision(k.pos, k.np, k.neg, k.nn, 0) - 1.0 / 3.0) < 1e-15);
  keys_free(&k);
}

static void ap_edges(void **state) {
  (void)state;
  double s[] = {1.0, 2.0};
  int neg[] = {0, 0}, pos[] = {1, 1};
  keyset k = keys_of(s, neg, 2);
  assert_true(isnan(curves_average_precision(k.pos, k.np, k.neg, k.nn, 0)));
  assert_true(curves_average_precision(k.pos, k.np, k.neg, k.nn, 3) == 0.0);
  keys_free(&k);
  k = keys_of(s, pos, 2);
  assert_true(curves_average_precision(k.pos, k.np, k.neg, k.nn, 0) == 1.0);
  keys_free(&k);
  keyset e = keys_of(s, pos, 0);
  assert_int_equal(curves_distinct(e.pos, 0, e.neg, 0), 0);
  assert_true(isnan(curves_average_precision(e.pos, 0, e.neg, 0, 0)));
  keys_free(&e);
}

/* AP by counting at every distinct threshold, O(n^2). */
static double ap_counting(const double *s, const int *l, size_t n) {
  double P = 0, ap = 0, r_prev = 0;
  for (size_t i = 0; i < n; i++) P += l[i];
  double t = INFINITY;
  for (;;) {
    double next = -INFINITY;
    int found = 0;
    for (size_t i = 0; i < n; i++)
      if (s[i] < t && (!found || s[i] > next)) next = s[i], found = 1;
    if (!found) break;
    t = next;
    double tp = 0, all = 0;
    for (size_t i = 0; i < n; i++)
      if (s[i] >= t) tp += l[i], all++;
    ap += (tp / P - r_prev) * (tp / all);
    r_prev = tp / P;
  }
  return ap;
}

static void ap_random(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 9, 9);
  enum { N = 400 };
  double s[N];
  int l[N];
  for (int rep = 0; rep < 20; rep++) {
    size_t n = 1 + rng_below(&g, N);
    for (size_t i = 0; i < n; i++) {
      s[i] = (rep & 1) ? (double)rng_below(&g, 5) : rng_double(&g);
      l[i] = rng_below(&g, 3) == 0;
    }
    l[0] = 1;
    keyset k = keys_of(s, l, n);
    double got = curves_average_precision(k.pos, k.np, k.neg, k.nn, 0);
    assert_true(fabs(got - ap_counting(s, l, n)) < 1e-12);
    keys_free(&k);
  }
}

static void thin(void **state) {
  (void)state;
  /* 5 rows to 3: 0, 2, 4; 6 rows to 3: 0, round(2.5) = 3, 5 */
  assert_int_equal(curves_thin_index(5, 3, 0), 0);
  assert_int_equal(curves_thin_index(5, 3, 1), 2);
  assert_int_equal(curves_thin_index(5, 3, 2), 4);
  assert_int_equal(curves_thin_index(6, 3, 1), 3);
  assert_int_equal(curves_thin_index(6, 3, 2), 5);
  assert_int_equal(curves_thin_index(10, 2, 1), 9);
  /* strictly increasing, endpoints kept, also for large counts */
  size_t ms[] = {7, 100, 1001, 5000000000u};
  size_t ps[] = {2, 6, 99, 1000, 2147483647u};
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 5; b++) {
      size_t m = ms[a], p = ps[b];
      if (p >= m) continue;
      assert_int_equal(curves_thin_index(m, p, p - 1), m - 1);
      size_t step = p > 1000 ? p / 1000 : 1;
      for (size_t j = 1; j < p; j += step)
        assert_true(curves_thin_index(m, p, j) > curves_thin_index(m, p, j - 1));
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(walk_hand), cmocka_unit_test(walk_ties), cmocka_unit_test(ap_edges),
      cmocka_unit_test(ap_random), cmocka_unit_test(thin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
