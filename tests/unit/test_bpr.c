/* bpr: the SGD step against finite differences, learning a planted
** structure, reproducibility, and stopping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/bpr.h"
#include "../../src/vec.h"
#include "planted.h"
#include "unit.h"

/* Full objective of one triple, in double. */
static double objective(const float *p, const float *qi, const float *qj, float bi, float bj, uint32_t d,
                        double reg, double regb) {
  double x = (double)bi - bj, r = 0;
  for (uint32_t f = 0; f < d; f++) {
    x += (double)p[f] * ((double)qi[f] - qj[f]);
    r += (double)p[f] * p[f] + (double)qi[f] * qi[f] + (double)qj[f] * qj[f];
  }
  return log1p(exp(-x)) + reg / 2 * r + regb / 2 * ((double)bi * bi + (double)bj * bj);
}

static void step_is_gradient_descent(void **state) {
  (void)state;
  enum { D = 5 };
  bpr_model m = {1, 2, D, NULL, NULL, NULL};
  float user[D] = {0.3f, -0.2f, 0.5f, 0.1f, -0.4f};
  float item[2 * D] = {0.2f, 0.1f, -0.3f, 0.4f, 0.05f, -0.1f, 0.3f, 0.2f, -0.2f, 0.1f};
  float bias[2] = {0.15f, -0.05f};
  const double reg = 0.01, regb = 0.02, lr = 1e-3, h = 1e-3;
  /* numerical gradient, in double, of every parameter */
  float *params[] = {user, item, item + D};
  double grad[3][D], gbias[2];
  for (int b = 0; b < 3; b++)
    for (int f = 0; f < D; f++) {
      float keep = params[b][f];
      params[b][f] = keep + (float)h;
      double up = objective(user, item, item + D, bias[0], bias[1], D, reg, regb);
      params[b][f] = keep - (float)h;
      double down = objective(user, item, item + D, bias[0], bias[1], D, reg, regb);
      params[b][f] = keep;
      grad[b][f] = (up - down) / (2 * h);
    }
  for (int b = 0; b < 2; b++) {
    float keep = bias[b];
    bias[b] = keep + (float)h;
    double up = objective(user, item, item + D, bias[0], bias[1], D, reg, regb);
    bias[b] = keep - (float)h;
    double down = objective(user, item, item + D, bias[0], bias[1], D, reg, regb);
    bias[b] = keep;
    gbias[b] = (up - down) / (2 * h);
  }
  float before[3][D], bb[2] = {bias[0], bias[1]};
  for (int b = 0; b < 3; b++) memcpy(before[b], params[b], sizeof before[b]);
  m.user = user;
  m.item = item;
  m.bias = bias;
  double loss = bpr_step(&m, 0, 0, 1, (float)lr, (float)reg, (float)regb);
  assert_true(loss > 0);
  for (int b = 0; b < 3; b++)
    for (int f = 0; f < D; f++) {
      double delta = (double)params[b][f] - before[b][f];
      assert_true(fabs(delta + lr * grad[b][f]) < 2e-6);
    }
  for (int b = 0; b < 2; b++) assert_true(fabs(((double)bias[b] - bb[b]) + lr * gbias[b]) < 2e-6);
}

static void learns_planted_structure(void **state) {
  (void)state;
  csr held;
  csr train = planted(&held);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &train, 240, 0.75, NULL), 0);
  bpr_config cfg = {16, 30, 2, 0.1f, 0.1f, 0.005f, 0.0f, 0.1f, 1, 7};
  bpr_model a, b, c;
  bpr_stats st;
  assert_int_equal(bpr_train(&cfg, &s, NULL, NULL, NULL, &a, &st), 0);
  assert_int_equal(st.epochs, 30);
  assert_int_equal(st.samples, (uint64_t)train.nnz * 2 * 30);
  double auc = heldout_auc(&a, &train, &held);
  assert_true(auc > 0.9);
  /* one thread and a seed: bit-identical */
  assert_int_equal(bpr_train(&cfg, &s, NULL, NULL, NULL, &b, &st), 0);
  assert_memory_equal(a.user, b.user, sizeof(float) * 240 * 16);
  assert_memory_equal(a.item, b.item, sizeof(float) * 240 * 16);
  assert_memory_equal(a.bias, b.bias, sizeof(float) * 240);
  /* two threads, bootstrap sampler: still learns */
  sampler s2;
  assert_int_equal(sampler_init(&s2, SAMPLER_BOOTSTRAP, &train, 240, 0.75, NULL), 0);
  cfg.threads = 2;
  assert_int_equal(bpr_train(&cfg, &s2, NULL, NULL, NULL, &c, &st), 0);
  assert_true(heldout_auc(&c, &train, &held) > 0.9);
  bpr_model_free(&a);
  bpr_model_free(&b);
  bpr_model_free(&c);
  sampler_free(&s);
  sampler_free(&s2);
  csr_free(&train);
  csr_free(&held);
}

static void callback_stops(void **state) {
  (void)state;
  csr held;
  csr train = planted(&held);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &train, 240, 0.75, NULL), 0);
  bpr_config cfg = {8, 50, 1, 0.05f, 1.0f, 0.01f, 0.0f, 0.1f, 2, 1};
  bpr_model m;
  bpr_stats st;
  uint32_t seen = 0;
  assert_int_equal(bpr_train(&cfg, &s, NULL, planted_stop_at_3, &seen, &m, &st), RS_STOPPED);
  assert_int_equal(seen, 3);
  assert_null(m.user);
  sampler_free(&s);
  csr_free(&train);
  csr_free(&held);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(step_is_gradient_descent),
      cmocka_unit_test(learns_planted_structure),
      cmocka_unit_test(callback_stops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
