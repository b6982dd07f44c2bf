/* contrastive: batch gradients against finite differences for each loss,
** and training that ranks a planted structure correctly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/contrastive.h"
#include "../../src/vec.h"
#include "unit.h"

static contrastive_config base(contrastive_loss loss, int cosine) {
  contrastive_config c;
  memset(&c, 0, sizeof c);
  c.loss = loss;
  c.dim = 4;
  c.cosine = cosine;
  c.tau = 0.5f;
  c.margin = 0.1f;
  c.neg_weight = 3.0f;
  c.reg = 0.01f;
  return c;
}

/* Compares the analytic gradient of one batch (B = 3 users, N = 4 negatives)
** with central differences of the loss, in every coordinate. */
static void check_gradient(contrastive_config c, int with_logq) {
  enum { B = 3, N = 4, D = 4 };
  /* ids: negative 1 (row B + 1) is the same item as row 0's positive, so it
  ** must not count for row 0 */
  uint32_t ids[B + N] = {10, 11, 12, 20, 10, 21, 22};
  rng g;
  rng_seed(&g, 77, (uint64_t)c.loss * 2 + (uint64_t)c.cosine);
  float P[B * D], Q[(B + N) * D], gP[B * D], gQ[(B + N) * D], logq[B + N];
  for (int k = 0; k < B * D; k++) P[k] = (float)rng_normal(&g) * 0.7f;
  for (int k = 0; k < (B + N) * D; k++) Q[k] = (float)rng_normal(&g) * 0.7f;
  for (int j = 0; j < B + N; j++) logq[j] = (float)(rng_double(&g) - 0.5);
  const float *lq = with_logq ? logq : NULL;
  double l0 = contrastive_batch_loss(&c, P, Q, B, N, ids, lq, gP, gQ);
  assert_false(isnan(l0));
  const float h = 1e-3f;
  float *arrays[2] = {P, Q};
  float *grads[2] = {gP, gQ};
  int sizes[2] = {B * D, (B + N) * D};
  for (int a = 0; a < 2; a++)
    for (int k = 0; k < sizes[a]; k++) {
      float keep = arrays[a][k];
      arrays[a][k] = keep + h;
      double up = contrastive_batch_loss(&c, P, Q, B, N, ids, lq, NULL, NULL);
      arrays[a][k] = keep - h;
      double down = contrastive_batch_loss(&c, P, Q, B, N, ids, lq, NULL, NULL);
      arrays[a][k] = keep;
      double num = (up - down) / (2.0 * h);
      assert_true(fabs(num - grads[a][k]) < 2e-3 * (1.0 + fabs(num)));
    }
}

static void softmax_dot_gradient(void **state) {
  (void)state;
  check_gradient(base(CL_SOFTMAX, 0), 0);
  check_gradient(base(CL_SOFTMAX, 0), 1);
}

static void softmax_cosine_gradient(void **state) {
  (void)state;
  check_gradient(base(CL_SOFTMAX, 1), 1);
}

static void in_batch_gradient(void **state) {
  (void)state;
  contrastive_config c = base(CL_SOFTMAX, 1);
  c.in_batch = 1;
  check_gradient(c, 1);
  c = base(CL_SOFTMAX, 0);
  c.in_batch = 1;
  check_gradient(c, 0);
  c = base(CL_CCL, 1);
  c.in_batch = 1;
  c.margin = -0.2f;
  check_gradient(c, 0);
}

/* An accidental hit (a negative that is the positive item) is left out: the
** loss equals that of the batch without it. */
static void accidental_hit_left_out(void **state) {
  (void)state;
  contrastive_config c = base(CL_SOFTMAX, 0);
  c.dim = 2;
  c.tau = 1.0f;
  c.reg = 0.0f;
  float P[2] = {1, 0}, Q[6] = {2, 0, 2, 0, 0, 1}, Q1[4] = {2, 0, 0, 1};
  uint32_t ids[3] = {5, 5, 6}, ids1[2] = {5, 6};
  double with = contrastive_batch_loss(&c, P, Q, 1, 2, ids, NULL, NULL, NULL);
  double without = contrastive_batch_loss(&c, P, Q1, 1, 1, ids1, NULL, NULL, NULL);
  assert_true(fabs(with - without) < 1e-6);
  /* without ids it counts: log(2 e^2 + 1) - 2 */
  double counted = contrastive_batch_loss(&c, P, Q, 1, 2, NULL, NULL, NULL, NULL);
  assert_true(fabs(counted - (log(2 * exp(2.0) + 1) - 2)) < 1e-6);
}

static void ccl_gradient(void **state) {
  (void)state;
  /* margin below typical cosines so that some hinge terms are active */
  contrastive_config c = base(CL_CCL, 1);
  c.margin = -0.2f;
  check_gradient(c, 0);
}

/* Hand value: one user, one positive, one negative, dot scores, no reg.
** p = (1, 0), q+ = (2, 0), q- = (0, 1): s+ = 2, s- = 0; tau = 1:
** loss = log(e^2 + e^0) - 2 = log(1 + e^-2). */
static void softmax_hand_value(void **state) {
  (void)state;
  contrastive_config c = base(CL_SOFTMAX, 0);
  c.dim = 2;
  c.tau = 1.0f;
  c.reg = 0.0f;
  float P[2] = {1, 0}, Q[4] = {2, 0, 0, 1};
  double l = contrastive_batch_loss(&c, P, Q, 1, 1, NULL, NULL, NULL, NULL);
  assert_true(fabs(l - log1p(exp(-2.0))) < 1e-6);
  /* ccl: cos+ = 1, cos- = 0, margin 0.1 not reached: loss 0 */
  c.loss = CL_CCL;
  c.margin = 0.1f;
  assert_true(fabs(contrastive_batch_loss(&c, P, Q, 1, 1, NULL, NULL, NULL, NULL)) < 1e-6);
  /* margin -0.5, weight 2: (1 - 1) + 2 * (0 + 0.5) = 1 */
  c.margin = -0.5f;
  c.neg_weight = 2.0f;
  assert_true(fabs(contrastive_batch_loss(&c, P, Q, 1, 1, NULL, NULL, NULL, NULL) - 1.0) < 1e-6);
}

/* 160 users in 4 groups, each liking the 40 items of its group (i % 4 == u % 4)
** minus a held-out fifth; both losses must rank held-out items above items
** of other groups. */
static void ranks_planted_structure(void **state) {
  (void)state;
  uint32_t *u = malloc(160 * 160 * 4), *it = malloc(160 * 160 * 4);
  size_t n = 0;
  for (uint32_t a = 0; a < 160; a++)
    for (uint32_t b = a % 4; b < 160; b += 4)
      if ((a + b) % 5) {
        u[n] = a;
        it[n++] = b;
      }
  csr train;
  assert_int_equal(csr_build(&train, 160, 160, u, it, n), 0);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &train, 160, 0.75, NULL), 0);
  /* threads 2: Hogwild on shared rows (race-free: make tsan runs this) */
  for (int run = 0; run < 4; run++) {
    int loss = CL_SOFTMAX + run % 2;
    contrastive_config c = base((contrastive_loss)loss, 1);
    c.dim = 8;
    c.epochs = 30;
    c.batch = 64;
    c.n_neg = 32;
    c.lr = 0.02f;
    c.lr_final = 1.0f;
    c.reg = 0.0f;
    c.tau = 0.2f;
    c.margin = 0.3f;
    c.neg_weight = 4.0f;
    c.init_std = 0.1f;
    c.threads = 1 + run / 2;
    c.seed = 3;
    bpr_model m;
    bpr_stats st;
    assert_int_equal(contrastive_train(&c, &s, NULL, NULL, NULL, &m, &st), 0);
    assert_int_equal(st.epochs, 30);
    double won = 0, pairs = 0;
    for (uint32_t a = 0; a < 160; a++)
      for (uint32_t b = a % 4; b < 160; b += 4) {
        if ((a + b) % 5) continue; /* held out */
        float sp = vec_dot(m.user + a * 8, m.item + b * 8, 8);
        for (uint32_t j = 0; j < 160; j++) {
          if (j % 4 == a % 4) continue;
          float sn = vec_dot(m.user + a * 8, m.item + j * 8, 8);
          won += sp > sn ? 1 : sp == sn ? 0.5 : 0;
          pairs++;
        }
      }
    assert_true(won / pairs > 0.95);
    bpr_model_free(&m);
  }
  sampler_free(&s);
  csr_free(&train);
  free(u);
  free(it);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(softmax_dot_gradient),
      cmocka_unit_test(softmax_cosine_gradient),
      cmocka_unit_test(ccl_gradient),
      cmocka_unit_test(in_batch_gradient),
      cmocka_unit_test(accidental_hit_left_out),
      cmocka_unit_test(softmax_hand_value),
      cmocka_unit_test(ranks_planted_structure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
