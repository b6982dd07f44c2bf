/* pointwise: the loss and the SGD step against central finite differences,
** learning a planted structure, reproducibility, stopping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/pointwise.h"
#include "planted.h"

/* Full objective of one example, in double. */
static double objective(const float *p, const float *q, float b, uint32_t d, int y, double reg, double regb) {
  double x = b, r = 0;
  for (uint32_t f = 0; f < d; f++) {
    x += (double)p[f] * q[f];
    r += (double)p[f] * p[f] + (double)q[f] * q[f];
  }
  double l = y ? log1p(exp(-x)) : log1p(exp(x));
  return l + reg / 2 * r + regb / 2 * (double)b * b;
}

static void loss_matches_definition(void **state) {
  (void)state;
  float p[3] = {1.0f, -2.0f, 0.5f}, q[3] = {0.5f, 0.25f, 2.0f};
  float g;
  /* score = 0.5 - 0.5 + 1 + 0.25 = 1.25 */
  float l1 = pointwise_loss(p, q, 0.25f, 3, 1, &g);
  assert_true(fabs(l1 - log1p(exp(-1.25))) < 1e-6);
  assert_true(fabs(g - (1 / (1 + exp(-1.25)) - 1)) < 1e-6);
  float l0 = pointwise_loss(p, q, 0.25f, 3, 0, &g);
  assert_true(fabs(l0 - log1p(exp(1.25))) < 1e-6);
  assert_true(fabs(g - 1 / (1 + exp(-1.25))) < 1e-6);
  /* stable far from 0 */
  float big[1] = {100.0f}, one[1] = {1.0f};
  assert_true(fabs(pointwise_loss(big, one, 0, 1, 0, &g) - 100.0f) < 1e-4 && fabs(g - 1.0f) < 1e-6);
  float l = pointwise_loss(big, one, 0, 1, 1, &g);
  assert_true(l >= 0 && l < 1e-30 && fabs(g) < 1e-30);
}

static void step_is_gradient_descent(void **state) {
  (void)state;
  enum { D = 5 };
  for (int y = 0; y <= 1; y++) {
    float user[D] = {0.3f, -0.2f, 0.5f, 0.1f, -0.4f};
    float item[D] = {0.2f, 0.1f, -0.3f, 0.4f, 0.05f};
    float bias[1] = {0.15f};
    const double reg = 0.01, regb = 0.02, lr = 1e-3, h = 1e-3;
    float *params[] = {user, item, bias};
    int len[] = {D, D, 1};
    double grad[3][D];
    for (int b = 0; b < 3; b++)
      for (int f = 0; f < len[b]; f++) {
        float keep = params[b][f];
        params[b][f] = keep + (float)h;
        double up = objective(user, item, bias[0], D, y, reg, regb);
        params[b][f] = keep - (float)h;
        double down = objective(user, item, bias[0], D, y, reg, regb);
        params[b][f] = keep;
        grad[b][f] = (up - down) / (2 * h);
      }
    float before[3][D];
    for (int b = 0; b < 3; b++) memcpy(before[b], params[b], sizeof(float) * len[b]);
    bpr_model m = {1, 1, D, user, item, bias};
    float work[2 * D];
    double loss = pointwise_step(&m, 0, 0, y, (float)lr, (float)reg, (float)regb, work);
    assert_true(fabs(loss - (objective(before[0], before[1], before[2][0], D, y, 0, 0))) < 1e-6);
    for (int b = 0; b < 3; b++)
      for (int f = 0; f < len[b]; f++) {
        double delta = (double)params[b][f] - before[b][f];
        assert_true(fabs(delta + lr * grad[b][f]) < 2e-6);
      }
  }
}

static void learns_planted_structure(void **state) {
  (void)state;
  csr held;
  csr train = planted(&held);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &train, 240, 0.75, NULL), 0);
  pointwise_config cfg = {{16, 30, 0.1f, 0.1f, 0.1f, 1, 7}, 4, 0.005f, 0.0f};
  bpr_model a, b, c;
  bpr_stats st;
  assert_int_equal(pointwise_train(&cfg, &s, NULL, NULL, NULL, &a, &st), RS_OK);
  assert_int_equal(st.epochs, 30);
  assert_int_equal(st.samples, (uint64_t)train.nnz * 5 * 30);
  assert_true(st.final_loss > 0 && st.final_loss < log(2.0));
  assert_true(heldout_auc(&a, &train, &held) > 0.9);
  /* one thread and a seed: bit-identical */
  assert_int_equal(pointwise_train(&cfg, &s, NULL, NULL, NULL, &b, &st), RS_OK);
  assert_memory_equal(a.user, b.user, sizeof(float) * 240 * 16);
  assert_memory_equal(a.item, b.item, sizeof(float) * 240 * 16);
  assert_memory_equal(a.bias, b.bias, sizeof(float) * 240);
  /* two threads, bootstrap sampler: still learns */
  sampler s2;
  assert_int_equal(sampler_init(&s2, SAMPLER_BOOTSTRAP, &train, 240, 0.75, NULL), 0);
  cfg.sgd.threads = 2;
  assert_int_equal(pointwise_train(&cfg, &s2, NULL, NULL, NULL, &c, &st), RS_OK);
  assert_true(heldout_auc(&c, &train, &held) > 0.9);
  bpr_model_free(&a);
  bpr_model_free(&b);
  bpr_model_free(&c);
  sampler_free(&s);
  sampler_free(&s2);
  csr_free(&train);
  csr_free(&held);
}

static void stops_and_diverges(void **state) {
  (void)state;
  csr held;
  csr train = planted(&held);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &train, 240, 0.75, NULL), 0);
  pointwise_config cfg = {{8, 50, 0.05f, 1.0f, 0.1f, 2, 1}, 1, 0.01f, 0.0f};
  bpr_model m;
  bpr_stats st;
  uint32_t seen = 0;
  assert_int_equal(pointwise_train(&cfg, &s, NULL, planted_stop_at_3, &seen, &m, &st), RS_STOPPED);
  assert_int_equal(seen, 3);
  assert_null(m.user);
  /* a learning rate far too large: the loss leaves the floats */
  cfg.sgd.lr = 1e6f;
  cfg.sgd.init_std = 10.0f;
  assert_int_equal(pointwise_train(&cfg, &s, NULL, NULL, NULL, &m, &st), RS_DIVERGED);
  assert_null(m.user);
  sampler_free(&s);
  csr_free(&train);
  csr_free(&held);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loss_matches_definition),
      cmocka_unit_test(step_is_gradient_descent),
      cmocka_unit_test(learns_planted_structure),
      cmocka_unit_test(stops_and_diverges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
