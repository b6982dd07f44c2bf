/* knn_flat: blocked scan against a naive double-precision brute force. */
#include <math.h>
#include <stdlib.h>

#include "../../src/knn_flat.h"
#include "../../src/rng.h"
#include "unit.h"

static double naive(int metric, const float *q, const float *x, size_t dim) {
  double dot = 0, l2 = 0;
  for (size_t i = 0; i < dim; i++) {
    dot += (double)q[i] * x[i];
    l2 += ((double)q[i] - x[i]) * ((double)q[i] - x[i]);
  }
  return metric == KNN_IP ? -dot : metric == KNN_COSINE ? 1 - dot : l2;
}

static void distances_and_topk(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 3, 0);
  const size_t dims[] = {1, 7, 16, 64, 100};
  for (size_t di = 0; di < sizeof dims / sizeof *dims; di++) {
    size_t dim = dims[di], n = 1000;
    float *x = malloc(n * dim * sizeof *x), *q = malloc(dim * sizeof *q), *d = malloc(n * sizeof *d);
    uint8_t *skip = calloc(n, 1);
    assert_non_null(x);
    assert_non_null(q);
    assert_non_null(d);
    assert_non_null(skip);
    for (size_t i = 0; i < n * dim; i++) x[i] = (float)rng_normal(&g);
    for (size_t i = 0; i < dim; i++) q[i] = (float)rng_normal(&g);
    for (size_t i = 0; i < n; i += 3) skip[i] = 1;
    for (int metric = 0; metric < 3; metric++) {
      knn_distances(metric, x, n, dim, q, d);
      for (size_t i = 0; i < n; i++) assert_true(fabs(d[i] - naive(metric, q, x + i * dim, dim)) < 1e-3);
      topk t;
      assert_int_equal(topk_init(&t, 10), 0);
      assert_int_equal(knn_flat_search(metric, x, n, dim, q, skip, &t), 0);
      assert_int_equal(topk_sort(&t), 10);
      /* each result beats every row that is not in the result */
      for (size_t r = 0; r < 10; r++) {
        assert_false(skip[t.id[r]]);
        assert_true(fabs(-t.score[r] - d[t.id[r]]) < 1e-6);
        if (r) assert_true(t.score[r] <= t.score[r - 1]);
      }
      for (size_t i = 0; i < n; i++) {
        int in = 0;
        for (size_t r = 0; r < 10; r++) in |= t.id[r] == i;
        if (!in && !skip[i]) assert_true(d[i] >= -t.score[9]);
      }
      topk_free(&t);
    }
    free(x);
    free(q);
    free(d);
    free(skip);
  }
}

static void normalize(void **state) {
  (void)state;
  float v[3] = {3, 0, 4}, z[2] = {0, 0};
  knn_normalize(v, 3);
  assert_true(fabs(v[0] - 0.6f) < 1e-6 && fabs(v[2] - 0.8f) < 1e-6);
  knn_normalize(z, 2);
  assert_true(z[0] == 0 && z[1] == 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(distances_and_topk),
      cmocka_unit_test(normalize),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
