/* ease: the hand case (exact fractions), random cases against a plain
** double-precision Gauss-Jordan EASE, item selection, the memory refusal,
** stopping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/csr.h"
#include "../../src/ease.h"
#include "../../src/rng.h"
#include "unit.h"

/* Weight of (a, b) in r, or NAN when not kept. */
static double weight(const ease_result *r, uint32_t a, uint32_t b) {
  for (uint32_t m = 0; m < r->n; m++)
    if (r->item[m] == a)
      for (uint32_t e = 0; e < r->count[m]; e++)
        if (r->nb[(size_t)m * r->k + e] == b) return r->w[(size_t)m * r->k + e];
  return NAN;
}

static ease_params params(double lambda, uint32_t top_n, int threads) {
  ease_params p = {lambda, top_n, 0, 0, threads, 0};
  return p;
}

/* Users 1..5 of items a..d (0..3): the case of tests/sql/ease_train.sql.
** With λ = 1, G = [[5,2,2,2],[2,4,2,0],[2,2,4,1],[2,0,1,3]] and B, by exact
** fractions (computed by hand / Python fractions):
**   a: b 2/5, c 1/8, d 5/11     b: a 7/16, c 7/16, d -7/22
**   c: a 1/8, b 2/5, d 2/11     d: a 5/8, b -2/5, c 1/4 */
static const uint32_t hu[] = {0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4};
static const uint32_t hi[] = {0, 1, 1, 2, 0, 2, 3, 3, 0, 0, 1, 2};

static void hand_case(void **state) {
  (void)state;
  csr ui;
  assert_int_equal(csr_build(&ui, 5, 4, hu, hi, 12), 0);
  static const double B[4][4] = {{0, 2.0 / 5, 1.0 / 8, 5.0 / 11},
                                 {7.0 / 16, 0, 7.0 / 16, -7.0 / 22},
                                 {1.0 / 8, 2.0 / 5, 0, 2.0 / 11},
                                 {5.0 / 8, -2.0 / 5, 1.0 / 4, 0}};
  for (int threads = 1; threads <= 3; threads++) {
    ease_params p = params(1.0, 100, threads);
    p.block = (uint32_t)threads; /* 1, 2, 3 columns per block */
    ease_result r;
    assert_int_equal(ease_train(&ui, 4, &p, NULL, &r), RS_OK);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.k, 3);
    assert_true(r.lambda == 1.0);
    for (uint32_t a = 0; a < 4; a++) {
      assert_int_equal(r.count[a], 3);
      for (uint32_t e = 1; e < 3; e++) assert_true(r.w[a * r.k + e - 1] >= r.w[a * r.k + e]);
      for (uint32_t b = 0; b < 4; b++)
        if (a != b) assert_true(fabs(weight(&r, a, b) - B[a][b]) < 1e-6);
    }
    ease_result_free(&r);
  }
  /* top_n 1: the best neighbour; default λ = 5 x mean popularity (12/4) = 15 */
  ease_params p = params(1.0, 1, 2);
  ease_result r;
  assert_int_equal(ease_train(&ui, 4, &p, NULL, &r), RS_OK);
  assert_int_equal(r.k, 1);
  assert_int_equal(r.nb[0], 3);
  assert_int_equal(r.nb[3], 0);
  ease_result_free(&r);
  p = params(-EASE_LAMBDA_SCALE, 10, 2);
  assert_int_equal(ease_train(&ui, 4, &p, NULL, &r), RS_OK);
  assert_true(fabs(r.lambda - EASE_LAMBDA_SCALE * 3.0) < 1e-12);
  ease_result_free(&r);
  csr_free(&ui);
}

/* Gauss-Jordan inverse of an SPD matrix in double (no pivoting needed). */
static void gj_inverse(double *A, size_t n) {
  for (size_t c = 0; c < n; c++) {
    double pv = A[c * n + c];
    A[c * n + c] = 1.0;
    for (size_t j = 0; j < n; j++) A[c * n + j] /= pv;
    for (size_t r = 0; r < n; r++) {
      if (r == c) continue;
      double f = A[r * n + c];
      A[r * n + c] = 0.0;
      for (size_t j = 0; j < n; j++) A[r * n + j] -= f * A[c * n + j];
    }
  }
}

static void random_cases(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 7, 1);
  for (int t = 0; t < 6; t++) {
    uint32_t nu = 20 + (uint32_t)(rng_next(&g) % 40), ni = 5 + (uint32_t)(rng_next(&g) % 60);
    uint32_t *u = malloc(sizeof(uint32_t) * nu * ni), *i = malloc(sizeof(uint32_t) * nu * ni);
    unsigned char *X = calloc((size_t)nu * ni, 1);
    size_t n = 0;
    for (uint32_t a = 0; a < nu; a++)
      for (uint32_t b = 0; b < ni; b++)
        if (rng_next(&g) % 100 < 20) {
          u[n] = a;
          i[n] = b;
          X[(size_t)a * ni + b] = 1;
          n++;
        }
    csr ui;
    assert_int_equal(csr_build(&ui, nu, ni, u, i, n), 0);
    /* the reference over the items somebody has */
    uint32_t *keep = malloc(sizeof(uint32_t) * ni), nk = 0;
    for (uint32_t b = 0; b < ni; b++) {
      int any = 0;
      for (uint32_t a = 0; a < nu; a++) any |= X[(size_t)a * ni + b];
      if (any) keep[nk++] = b;
    }
    double lambda = 0.5 + t;
    double *P = calloc((size_t)nk * nk, sizeof(double));
    for (uint32_t x = 0; x < nk; x++)
      for (uint32_t y = 0; y < nk; y++) {
        for (uint32_t a = 0; a < nu; a++)
          P[x * nk + y] += X[(size_t)a * ni + keep[x]] * X[(size_t)a * ni + keep[y]];
        if (x == y) P[x * nk + y] += lambda;
      }
    gj_inverse(P, nk);
    ease_params p = params(lambda, ni, 1 + t % 3);
    p.block = t == 0 ? 0 : (uint32_t)(1 + 3 * t); /* several block columns: 1, 4, 7, ... items each */
    ease_result r;
    assert_int_equal(ease_train(&ui, ni, &p, NULL, &r), RS_OK);
    assert_int_equal(r.n, nk);
    double maxw = 0;
    for (uint32_t x = 0; x < nk; x++)
      for (uint32_t y = 0; y < nk; y++)
        if (x != y) maxw = fmax(maxw, fabs(P[x * nk + y] / P[y * nk + y]));
    for (uint32_t x = 0; x < nk; x++)
      for (uint32_t y = 0; y < nk; y++) {
        if (x == y) continue;
        double ref = -P[x * nk + y] / P[y * nk + y], got = weight(&r, keep[x], keep[y]);
        if (isnan(got)) got = 0; /* a weight of exactly 0 is not kept */
        assert_true(fabs(got - ref) <= 1e-4 * maxw);
      }
    ease_result_free(&r);
    free(P);
    free(keep);
    free(X);
    free(u);
    free(i);
    csr_free(&ui);
  }
}

/* max_items keeps the most popular (ties by index); the refusal. */
static void selection_and_memory(void **state) {
  (void)state;
  csr ui;
  assert_int_equal(csr_build(&ui, 5, 4, hu, hi, 12), 0);
  /* popularity a 4, b 3, c 3, d 2: max_items 2 keeps a and b */
  ease_params p = params(1.0, 10, 2);
  p.max_items = 2;
  ease_result r;
  assert_int_equal(ease_train(&ui, 4, &p, NULL, &r), RS_OK);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.item[0], 0);
  assert_int_equal(r.item[1], 1);
  /* G = [[5,2],[2,4]]: B[a][b] = -P_ab/P_bb = 2/5, B[b][a] = 2/4 */
  assert_true(fabs(weight(&r, 0, 1) - 0.4) < 1e-6);
  assert_true(fabs(weight(&r, 1, 0) - 0.5) < 1e-6);
  ease_result_free(&r);
  /* 4 items need 64 bytes: a 63-byte limit refuses, 3 items fit */
  p = params(1.0, 10, 2);
  p.max_bytes = 63;
  assert_int_equal(ease_train(&ui, 4, &p, NULL, &r), RS_TOOBIG);
  assert_int_equal(r.n, 4);
  assert_int_equal(r.bytes, 64);
  assert_int_equal(r.limit, 63);
  assert_int_equal(r.fit, 3);
  assert_null(r.item);
  p.max_bytes = 64;
  assert_int_equal(ease_train(&ui, 4, &p, NULL, &r), RS_OK);
  ease_result_free(&r);
  csr_free(&ui);
  /* a million items (4 TB) against physical memory, refused before allocating */
  uint32_t n = 1000000;
  uint32_t *u = malloc(sizeof(uint32_t) * n), *i = malloc(sizeof(uint32_t) * n);
  for (uint32_t k = 0; k < n; k++) {
    u[k] = k % 7;
    i[k] = k;
  }
  assert_int_equal(csr_build(&ui, 7, n, u, i, n), 0);
  p = params(1.0, 10, 2);
  assert_true(ease_physical_memory() > 0);
  assert_int_equal(ease_train(&ui, n, &p, NULL, &r), RS_TOOBIG);
  assert_int_equal(r.bytes, (size_t)n * n * 4);
  assert_true(r.fit < n && ease_matrix_bytes(r.fit) <= r.limit && ease_matrix_bytes(r.fit + 1) > r.limit);
  csr_free(&ui);
  free(u);
  free(i);
}

static void stop(void **state) {
  (void)state;
  csr ui;
  assert_int_equal(csr_build(&ui, 5, 4, hu, hi, 12), 0);
  progress prog;
  progress_init(&prog, NULL, NULL);
  atomic_store(&prog.stop, 1);
  ease_params p = params(1.0, 10, 2);
  ease_result r;
  assert_int_equal(ease_train(&ui, 4, &p, &prog, &r), RS_STOPPED);
  assert_null(r.item);
  assert_null(r.w);
  /* a tiny λ still trains */
  p = params(1e-3, 10, 1);
  assert_int_equal(ease_train(&ui, 4, &p, NULL, &r), RS_OK);
  ease_result_free(&r);
  csr_free(&ui);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_case),
      cmocka_unit_test(random_cases),
      cmocka_unit_test(selection_and_memory),
      cmocka_unit_test(stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
