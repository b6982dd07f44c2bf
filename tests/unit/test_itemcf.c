/* itemcf: the three methods against a plain implementation on a dense
** matrix (hand case and random graphs), method names, stopping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/csr.h"
#include "../../src/itemcf.h"
#include "../../src/rng.h"
#include "unit.h"

static int close_rel(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)); }

/* Checks itemcf_topk with k = every item against a naive double loop. */
static void check(uint32_t nu, uint32_t ni, const unsigned char *A, itemcf_method method, int threads) {
  uint32_t *u = malloc(sizeof(uint32_t) * nu * ni + 1), *i = malloc(sizeof(uint32_t) * nu * ni + 1);
  assert_true(u && i);
  size_t n = 0;
  for (uint32_t a = 0; a < nu; a++)
    for (uint32_t b = 0; b < ni; b++)
      if (A[(size_t)a * ni + b]) {
        u[n] = a;
        i[n] = b;
        n++;
      }
  csr ui, iu;
  assert_int_equal(csr_build(&ui, nu, ni, u, i, n), 0);
  assert_int_equal(csr_transpose(&iu, &ui), 0);
  itemcf cf = {&ui, &iu, method};
  uint32_t *all = malloc(sizeof(uint32_t) * ni + 1);
  for (uint32_t x = 0; x < ni; x++) all[x] = x;
  itemsim_result r;
  assert_int_equal(itemcf_topk(&cf, all, ni, ni, threads, NULL, &r), 0);
  for (uint32_t x = 0; x < ni; x++) {
    double *ref = calloc(ni, sizeof(double));
    uint32_t nz = 0;
    for (uint32_t y = 0; y < ni; y++) {
      if (y == x) continue;
      double co = 0, nx = 0, ny = 0;
      for (uint32_t a = 0; a < nu; a++) {
        co += A[(size_t)a * ni + x] && A[(size_t)a * ni + y];
        nx += A[(size_t)a * ni + x];
        ny += A[(size_t)a * ni + y];
      }
      if (co == 0) continue;
      ref[y] = method == ITEMCF_COOCCURRENCE ? co
               : method == ITEMCF_COSINE     ? co / sqrt(nx * ny)
                                             : co / (nx + ny - co);
      nz++;
    }
    assert_int_equal(r.count[x], nz);
    for (uint32_t t = 0; t < r.count[x]; t++) {
      uint32_t y = r.item[(size_t)x * r.k + t];
      double s = r.score[(size_t)x * r.k + t];
      if (!close_rel(s, ref[y])) fail_msg("%u -> %u: %.17g vs %.17g", x, y, s, ref[y]);
      if (t) {
        double p = r.score[(size_t)x * r.k + t - 1];
        assert_true(p > s || (p == s && r.item[(size_t)x * r.k + t - 1] < y));
      }
    }
    free(ref);
  }
  itemsim_result_free(&r);
  csr_free(&ui);
  csr_free(&iu);
  free(all);
  free(u);
  free(i);
}

static void hand_case(void **state) {
  (void)state;
  /* u1 = {a, b, c}, u2 = {a, b, c, d}, u3 = {a, b, d} */
  const unsigned char A[3 * 4] = {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1};
  for (int m = 0; m < 3; m++) check(3, 4, A, (itemcf_method)m, 1);
  /* exact values: cosine(a, c) = 2 / sqrt(6), jaccard(c, d) = 1/3 */
  uint32_t u[] = {0, 0, 0, 1, 1, 1, 1, 2, 2, 2}, i[] = {0, 1, 2, 0, 1, 2, 3, 0, 1, 3};
  csr ui, iu;
  assert_int_equal(csr_build(&ui, 3, 4, u, i, 10), 0);
  assert_int_equal(csr_transpose(&iu, &ui), 0);
  itemcf cf = {&ui, &iu, ITEMCF_COSINE};
  uint32_t q[] = {0, 2};
  itemsim_result r;
  assert_int_equal(itemcf_topk(&cf, q, 2, 3, 2, NULL, &r), 0);
  assert_int_equal(r.count[0], 3);
  assert_int_equal(r.item[0], 1);
  assert_true(close_rel(r.score[0], 1.0));
  assert_int_equal(r.item[1], 2);
  assert_true(close_rel(r.score[1], 2 / sqrt(6)));
  itemsim_result_free(&r);
  cf.method = ITEMCF_JACCARD;
  assert_int_equal(itemcf_topk(&cf, q + 1, 1, 3, 1, NULL, &r), 0);
  assert_int_equal(r.count[0], 3);
  assert_int_equal(r.item[2], 3);
  assert_true(close_rel(r.score[2], 1.0 / 3));
  itemsim_result_free(&r);
  csr_free(&ui);
  csr_free(&iu);
}

static void random_graphs(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 21, 0);
  for (int t = 0; t < 30; t++) {
    uint32_t nu = 5 + rng_below(&g, 30), ni = 3 + rng_below(&g, 30);
    double d = 0.05 + 0.5 * rng_double(&g);
    unsigned char *A = malloc((size_t)nu * ni);
    for (size_t x = 0; x < (size_t)nu * ni; x++) A[x] = rng_double(&g) < d;
    check(nu, ni, A, (itemcf_method)(t % 3), 1 + t % 3);
    free(A);
  }
}

static void methods_and_stop(void **state) {
  (void)state;
  assert_int_equal(itemcf_method_parse("cooccurrence"), ITEMCF_COOCCURRENCE);
  assert_int_equal(itemcf_method_parse("cosine"), ITEMCF_COSINE);
  assert_int_equal(itemcf_method_parse("jaccard"), ITEMCF_JACCARD);
  assert_int_equal(itemcf_method_parse("Cosine"), -1);
  assert_int_equal(itemcf_method_parse(NULL), -1);
  uint32_t u[] = {0, 0, 1, 1}, i[] = {0, 1, 0, 1};
  csr ui, iu;
  assert_int_equal(csr_build(&ui, 2, 2, u, i, 4), 0);
  assert_int_equal(csr_transpose(&iu, &ui), 0);
  itemcf cf = {&ui, &iu, ITEMCF_COSINE};
  uint32_t q[] = {0, 1};
  progress prog;
  progress_init(&prog, NULL, NULL);
  atomic_store(&prog.stop, 1);
  itemsim_result r;
  assert_int_equal(itemcf_topk(&cf, q, 2, 1, 2, &prog, &r), RS_STOPPED);
  assert_null(r.item);
  csr_free(&ui);
  csr_free(&iu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_case),
      cmocka_unit_test(random_graphs),
      cmocka_unit_test(methods_and_stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
