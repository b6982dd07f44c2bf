/* metrics: AUC against pair counting; ranking metrics by hand. */
#include <math.h>
#include <stdlib.h>

#include "../../src/metrics.h"
#include "../../src/radix.h"
#include "../../src/rng.h"
#include "unit.h"

/* O(np * nn) reference. */
static double auc_pairs(const double *p, size_t np, const double *q, size_t nn) {
  double won = 0;
  for (size_t i = 0; i < np; i++)
    for (size_t j = 0; j < nn; j++) won += p[i] > q[j] ? 1.0 : p[i] == q[j] ? 0.5 : 0.0;
  return won / ((double)np * (double)nn);
}

static double auc_of(const double *p, size_t np, const double *q, size_t nn) {
  uint64_t *a = malloc((np + 1) * 8), *b = malloc((nn + 1) * 8), *t = malloc((np + nn + 1) * 8);
  for (size_t i = 0; i < np; i++) a[i] = radix_key_from_double(p[i]);
  for (size_t i = 0; i < nn; i++) b[i] = radix_key_from_double(q[i]);
  double r = metrics_auc(a, np, b, nn, t);
  free(a);
  free(b);
  free(t);
  return r;
}

static void auc_hand(void **state) {
  (void)state;
  double p[] = {1.0, 0.5}, q[] = {0.0, 0.5};
  assert_true(auc_of(p, 2, q, 2) == 0.875);
  double c1[] = {3, 3}, c2[] = {3, 3, 3};
  assert_true(auc_of(c1, 2, c2, 3) == 0.5); /* constant scorer */
  double perfect_p[] = {2, 3}, perfect_n[] = {0, 1};
  assert_true(auc_of(perfect_p, 2, perfect_n, 2) == 1.0);
  assert_true(auc_of(perfect_n, 2, perfect_p, 2) == 0.0);
  assert_true(isnan(auc_of(p, 2, q, 0)));
  assert_true(isnan(auc_of(p, 0, q, 2)));
}

static void auc_random(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 4, 4);
  enum { NP = 300, NN = 700 };
  double p[NP], q[NN];
  for (int rep = 0; rep < 5; rep++) {
    for (int i = 0; i < NP; i++) p[i] = (double)rng_below(&g, 20) + (rep & 1) * rng_double(&g);
    for (int i = 0; i < NN; i++) q[i] = (double)rng_below(&g, 18) + (rep & 1) * rng_double(&g);
    assert_true(fabs(auc_of(p, NP, q, NN) - auc_pairs(p, NP, q, NN)) < 1e-12);
  }
}

static void rank_hand(void **state) {
  (void)state;
  /* scores 3(neg) 2(pos) 1(pos) and one positive without score */
  metrics_row r[] = {{1, 1}, {3, 0}, {2, 1}};
  rank_stats st;
  metrics_rank(r, 3, 1, 2, &st);
  assert_int_equal(st.positives, 3);
  assert_int_equal(st.hits, 1);
  assert_int_equal(st.best_rank, 2);
  assert_true(fabs(st.dcg - 1.0 / log2(3.0)) < 1e-15);
  assert_true(fabs(st.idcg - (1.0 + 1.0 / log2(3.0))) < 1e-15);
}

static void rank_ties_against_positives(void **state) {
  (void)state;
  metrics_row r[] = {{1, 1}, {1, 0}, {1, 0}};
  rank_stats st;
  metrics_rank(r, 3, 0, 2, &st);
  assert_int_equal(st.hits, 0);
  assert_int_equal(st.best_rank, 3);
  metrics_rank(r, 3, 0, 3, &st);
  assert_int_equal(st.hits, 1);
}

static void rank_no_positive(void **state) {
  (void)state;
  metrics_row r[] = {{1, 0}, {2, 0}};
  rank_stats st;
  metrics_rank(r, 2, 0, 5, &st);
  assert_int_equal(st.positives, 0);
  assert_int_equal(st.best_rank, 0);
  assert_true(st.idcg == 0.0);
}

static void cost_recall_hand(void **state) {
  (void)state;
  /* ranks: 0.9 pos 10, 0.8 neg, 0.5 pos 1 and 0.5 pos 4 (tie: cheaper first),
  ** 0.5 neg before them; unscored positive cost 5: total 20 */
  metrics_cost_row r[] = {{0.5, 4, 1}, {0.9, 10, 1}, {0.5, 1, 1}, {0.8, 99, 0}, {0.5, 7, 0}};
  assert_true(metrics_cost_recall(r, 5, 5.0, 1) == 10.0 / 20.0);
  assert_true(metrics_cost_recall(r, 5, 5.0, 2) == 10.0 / 20.0);
  assert_true(metrics_cost_recall(r, 5, 5.0, 3) == 10.0 / 20.0); /* the tied negative */
  assert_true(metrics_cost_recall(r, 5, 5.0, 4) == 11.0 / 20.0); /* the cheaper tied positive */
  assert_true(metrics_cost_recall(r, 5, 5.0, 5) == 15.0 / 20.0);
  assert_true(metrics_cost_recall(r, 5, 5.0, 100) == 15.0 / 20.0);
  metrics_cost_row zero[] = {{1, 0, 1}, {2, 3, 0}};
  assert_true(isnan(metrics_cost_recall(zero, 2, 0.0, 1)));
  assert_true(metrics_cost_recall(zero, 2, 2.0, 2) == 0.0);
  assert_true(isnan(metrics_cost_recall(NULL, 0, 0.0, 3)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(auc_hand),         cmocka_unit_test(auc_random),
      cmocka_unit_test(rank_hand),        cmocka_unit_test(rank_ties_against_positives),
      cmocka_unit_test(rank_no_positive), cmocka_unit_test(cost_recall_hand),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
