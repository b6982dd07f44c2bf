/* sampler: every strategy against its exact distribution (chi-square), the
** never-a-positive property, determinism, and the complement rank. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sampler.h"
#include "unit.h"

/* 3 users over 6 items: u0 = {1, 4}, u1 = {0, 1, 2, 3, 4}, u2 = {5}. */
static csr make_graph(void) {
  uint32_t u[] = {0, 0, 1, 1, 1, 1, 1, 2};
  uint32_t i[] = {4, 1, 0, 1, 2, 3, 4, 5};
  csr m;
  assert_int_equal(csr_build(&m, 3, 6, u, i, 8), 0);
  return m;
}

/* Chi-square of observed counts against expected probabilities (cells with
** probability 0 must have count 0). */
static double chi_square(const int *cnt, const double *p, int cells, int n) {
  double chi = 0;
  for (int k = 0; k < cells; k++) {
    if (p[k] == 0) {
      assert_int_equal(cnt[k], 0);
      continue;
    }
    double e = n * p[k];
    chi += (cnt[k] - e) * (cnt[k] - e) / e;
  }
  return chi;
}

static void complement_rank_exhaustive(void **state) {
  (void)state;
  uint32_t p[] = {0, 2, 3, 7};
  uint32_t expect[] = {1, 4, 5, 6, 8, 9};
  for (uint32_t r = 0; r < 6; r++) assert_int_equal(sampler_complement_rank(p, 4, r), expect[r]);
  assert_int_equal(sampler_complement_rank(p, 0, 5), 5);
}

static void uniform_distribution(void **state) {
  (void)state;
  csr g = make_graph();
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &g, 6, 0.75, NULL), 0);
  rng r;
  rng_seed(&r, 3, 0);
  uint64_t bits[1] = {(1u << 1) | (1u << 4)};
  for (int with_bits = 0; with_bits < 2; with_bits++) {
    int cnt[6] = {0};
    const int n = 40000;
    for (int t = 0; t < n; t++) cnt[sampler_negative(&s, &r, 0, with_bits ? bits : NULL)]++;
    double p[6] = {0.25, 0, 0.25, 0.25, 0, 0.25};
    assert_true(chi_square(cnt, p, 6, n) < 16.27); /* 3 dof, 0.999 */
  }
  /* u1 has one non-positive: always 5 */
  for (int t = 0; t < 100; t++) assert_int_equal(sampler_negative(&s, &r, 1, NULL), 5);
  sampler_free(&s);
  csr_free(&g);
}

static void popularity_distribution(void **state) {
  (void)state;
  csr g = make_graph();
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_POPULARITY, &g, 6, 0.5, NULL), 0);
  /* counts: item0 1, item1 2, item2 1, item3 1, item4 2, item5 1; weights count^0.5.
  ** For u0 (positives 1, 4) the target is over {0, 2, 3, 5}, all weight 1. For
  ** u2 (positive 5) over {0..4}: weights 1, sqrt2, 1, 1, sqrt2. */
  rng r;
  rng_seed(&r, 4, 0);
  const int n = 50000;
  int cnt[6] = {0};
  for (int t = 0; t < n; t++) cnt[sampler_negative(&s, &r, 2, NULL)]++;
  double z = 3 + 2 * sqrt(2.0);
  double p[6] = {1 / z, sqrt(2.0) / z, 1 / z, 1 / z, sqrt(2.0) / z, 0};
  assert_true(chi_square(cnt, p, 6, n) < 18.47); /* 4 dof */
  sampler_free(&s);
  csr_free(&g);
}

static void popularity_fallback_exact(void **state) {
  (void)state;
  /* item 0 holds nearly all the mass and is u0's positive: rejection fails
  ** often, the exact fallback must still give the right distribution. */
  uint32_t u[2000], i[2000];
  size_t n = 0;
  for (uint32_t k = 0; k < 1000; k++) {
    u[n] = 1 + k;
    i[n++] = 0;
  }
  u[n] = 0;
  i[n++] = 0;
  u[n] = 1;
  i[n++] = 1;
  u[n] = 2;
  i[n++] = 2;
  csr g;
  assert_int_equal(csr_build(&g, 1001, 3, u, i, n), 0);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_POPULARITY, &g, 3, 1.0, NULL), 0);
  rng r;
  rng_seed(&r, 5, 0);
  int cnt[3] = {0};
  const int draws = 20000;
  for (int t = 0; t < draws; t++) cnt[sampler_negative(&s, &r, 0, NULL)]++;
  double p[3] = {0, 0.5, 0.5};                       /* items 1 and 2 have count 1 each */
  assert_true(chi_square(cnt, p, 3, draws) < 10.83); /* 1 dof */
  sampler_free(&s);
  csr_free(&g);
}

static void exposure_and_fallback(void **state) {
  (void)state;
  csr g = make_graph();
  /* exposures: u0 saw {1, 3, 5} (1 is a positive), u2 saw nothing */
  uint32_t eu[] = {0, 0, 0};
  uint32_t ei[] = {1, 3, 5};
  csr ex;
  assert_int_equal(csr_build(&ex, 3, 6, eu, ei, 3), 0);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_EXPOSURE, &g, 6, 0.75, &ex), 0);
  rng r;
  rng_seed(&r, 6, 0);
  int cnt[6] = {0};
  const int n = 20000;
  for (int t = 0; t < n; t++) cnt[sampler_negative(&s, &r, 0, NULL)]++;
  double p[6] = {0, 0, 0, 0.5, 0, 0.5};
  assert_true(chi_square(cnt, p, 6, n) < 10.83);
  memset(cnt, 0, sizeof cnt);
  for (int t = 0; t < n; t++) cnt[sampler_negative(&s, &r, 2, NULL)]++;
  double q[6] = {0.2, 0.2, 0.2, 0.2, 0.2, 0};
  assert_true(chi_square(cnt, q, 6, n) < 18.47);
  sampler_free(&s);
  csr_free(&ex);
  csr_free(&g);
}

/* The stream: rows per positive, never a positive, same seed same rows. */
static void stream_rows(void **state) {
  (void)state;
  csr g = make_graph();
  for (int st = SAMPLER_UNIFORM; st <= SAMPLER_BOOTSTRAP; st++) {
    sampler s;
    assert_int_equal(sampler_init(&s, (sampler_strategy)st, &g, 6, 0.75, NULL), 0);
    sampler_stream a, b;
    assert_int_equal(sampler_stream_init(&a, &s, 3, 99), 0);
    assert_int_equal(sampler_stream_init(&b, &s, 3, 99), 0);
    uint32_t u, i, j, u2, i2, j2;
    size_t rows = 0;
    while (sampler_stream_next(&a, &u, &i, &j)) {
      assert_int_equal(sampler_stream_next(&b, &u2, &i2, &j2), 1);
      assert_int_equal(u, u2);
      assert_int_equal(i, i2);
      assert_int_equal(j, j2);
      assert_true(csr_contains(&g, u, i));
      assert_false(csr_contains(&g, u, j));
      rows++;
    }
    assert_int_equal(rows, 8 * 3);
    sampler_stream_free(&a);
    sampler_stream_free(&b);
    sampler_free(&s);
  }
  csr_free(&g);
}

/* Bootstrap: users uniform over active users, positives uniform. */
static void bootstrap_distribution(void **state) {
  (void)state;
  csr g = make_graph();
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_BOOTSTRAP, &g, 6, 0.75, NULL), 0);
  sampler_stream st;
  assert_int_equal(sampler_stream_init(&st, &s, 3000, 7), 0);
  int users[3] = {0}, pos1[6] = {0};
  uint32_t u, i, j;
  int n = 0;
  while (sampler_stream_next(&st, &u, &i, &j)) {
    users[u]++;
    if (u == 1) pos1[i]++;
    n++;
  }
  assert_int_equal(n, 8 * 3000);
  double pu[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  assert_true(chi_square(users, pu, 3, n) < 13.82); /* 2 dof */
  double pi[6] = {0.2, 0.2, 0.2, 0.2, 0.2, 0};
  assert_true(chi_square(pos1, pi, 6, users[1]) < 18.47);
  sampler_stream_free(&st);
  sampler_free(&s);
  csr_free(&g);
}

/* A user holding every item yields no rows and is not drawn. */
static void saturated_user(void **state) {
  (void)state;
  uint32_t u[] = {0, 0, 1};
  uint32_t i[] = {0, 1, 0};
  csr g;
  assert_int_equal(csr_build(&g, 2, 2, u, i, 3), 0);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &g, 2, 0.75, NULL), 0);
  assert_int_equal(s.n_active, 1);
  rng r;
  rng_seed(&r, 1, 1);
  assert_int_equal(sampler_negative(&s, &r, 0, NULL), SAMPLER_NONE);
  sampler_stream st;
  assert_int_equal(sampler_stream_init(&st, &s, 2, 1), 0);
  uint32_t a, b, c;
  int rows = 0;
  while (sampler_stream_next(&st, &a, &b, &c)) {
    assert_int_equal(a, 1);
    assert_int_equal(c, 1);
    rows++;
  }
  assert_int_equal(rows, 2);
  sampler_stream_free(&st);
  sampler_free(&s);
  csr_free(&g);
}

static void names(void **state) {
  (void)state;
  assert_int_equal(sampler_strategy_parse("uniform"), SAMPLER_UNIFORM);
  assert_int_equal(sampler_strategy_parse("exposure"), SAMPLER_EXPOSURE);
  assert_int_equal(sampler_strategy_parse("Uniform"), -1);
}

/* Popularity weights count^power that are not finite (an item without
** positives and a negative power: 0^-1) are RS_INVALID, not out of memory. */
static void invalid_popularity_weights(void **state) {
  (void)state;
  csr g = make_graph();
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_POPULARITY, &g, 7, -1.0, NULL), RS_INVALID);
  assert_null(s.pop_w);
  assert_int_equal(sampler_init(&s, SAMPLER_POPULARITY, &g, 6, -1.0, NULL), RS_OK);
  sampler_free(&s);
  csr_free(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(complement_rank_exhaustive),
      cmocka_unit_test(uniform_distribution),
      cmocka_unit_test(popularity_distribution),
      cmocka_unit_test(popularity_fallback_exact),
      cmocka_unit_test(exposure_and_fallback),
      cmocka_unit_test(stream_rows),
      cmocka_unit_test(bootstrap_distribution),
      cmocka_unit_test(saturated_user),
      cmocka_unit_test(names),
      cmocka_unit_test(invalid_popularity_weights),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
