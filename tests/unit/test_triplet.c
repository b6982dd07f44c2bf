/* triplet: the hinge and its gradient against central finite differences
** (cosine and L2), the SGD step, semi-hard choice, the ranking form, and
** learning a planted structure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/triplet.h"
#include "planted.h"

/* The hinge in double, from the definition. */
static double hinge(const float *p, const float *qi, const float *qj, uint32_t d, triplet_distance k,
                    double m) {
  double dist[2];
  const float *q[2] = {qi, qj};
  for (int t = 0; t < 2; t++) {
    double pq = 0, pp = 0, qq = 0, l2 = 0;
    for (uint32_t f = 0; f < d; f++) {
      pq += (double)p[f] * q[t][f];
      pp += (double)p[f] * p[f];
      qq += (double)q[t][f] * q[t][f];
      l2 += ((double)p[f] - q[t][f]) * ((double)p[f] - q[t][f]);
    }
    dist[t] = k == TRIPLET_COSINE ? 1 - pq / sqrt(pp * qq) : sqrt(l2);
  }
  double h = dist[0] - dist[1] + m;
  return h > 0 ? h : 0;
}

static void gradient_matches_differences(void **state) {
  (void)state;
  enum { D = 6 };
  rng g;
  rng_seed(&g, 11, 0);
  for (int k = 0; k <= 1; k++) {
    for (int rep = 0; rep < 20; rep++) {
      float x[3 * D], grad[3 * D];
      for (int f = 0; f < 3 * D; f++) x[f] = (float)rng_normal(&g);
      float *p = x, *qi = x + D, *qj = x + 2 * D;
      /* a margin that keeps the hinge active (cosine distances lie in [0, 2]) */
      double m = k == TRIPLET_COSINE ? 2.5 : 20.0;
      float l = triplet_loss(p, qi, qj, D, (triplet_distance)k, (float)m, grad);
      assert_true(fabs(l - hinge(p, qi, qj, D, (triplet_distance)k, m)) < 1e-5);
      const double h = 1e-3;
      for (int f = 0; f < 3 * D; f++) {
        float keep = x[f];
        x[f] = keep + (float)h;
        double up = hinge(p, qi, qj, D, (triplet_distance)k, m);
        x[f] = keep - (float)h;
        double down = hinge(p, qi, qj, D, (triplet_distance)k, m);
        x[f] = keep;
        assert_true(fabs((up - down) / (2 * h) - grad[f]) < 1e-3 * (1 + fabs(grad[f])));
      }
    }
    /* inactive: no loss, no gradient */
    float p[D] = {1, 0, 0, 0, 0, 0}, qi[D] = {1, 0.1f, 0, 0, 0, 0}, qj[D] = {-1, 0, 0, 0, 0, 0};
    float grad[3 * D];
    assert_true(triplet_loss(p, qi, qj, D, (triplet_distance)k, 0.2f, grad) == 0.0f);
    for (int f = 0; f < 3 * D; f++) assert_true(grad[f] == 0.0f);
  }
}

static void step_is_gradient_descent(void **state) {
  (void)state;
  enum { D = 4 };
  for (int k = 0; k <= 1; k++) {
    float user[D] = {0.3f, -0.2f, 0.5f, 0.1f};
    float item[2 * D] = {0.2f, 0.1f, -0.3f, 0.4f, 0.25f, -0.1f, 0.4f, 0.2f};
    float bias[2] = {0, 0};
    triplet_config cfg = {{D, 1, 0, 0, 0, 1, 0}, (triplet_distance)k, 1.0f, 1, 0, 0.01f};
    float grad[3 * D], before[3 * D];
    memcpy(before, user, sizeof user);
    memcpy(before + D, item, sizeof item);
    float l = triplet_loss(user, item, item + D, D, (triplet_distance)k, 1.0f, grad);
    assert_true(l > 0);
    bpr_model m = {1, 2, D, user, item, bias};
    const float lr = 1e-2f;
    float work[3 * D];
    assert_true(triplet_step(&m, 0, 0, 1, &cfg, lr, work) == l);
    for (int f = 0; f < D; f++) {
      assert_true(fabsf(user[f] - (before[f] - lr * (grad[f] + 0.01f * before[f]))) < 1e-6f);
      assert_true(fabsf(item[f] - (before[D + f] - lr * (grad[D + f] + 0.01f * before[D + f]))) < 1e-6f);
      assert_true(fabsf(item[D + f] -
                        (before[2 * D + f] - lr * (grad[2 * D + f] + 0.01f * before[2 * D + f]))) < 1e-6f);
    }
  }
}

static void semi_hard_choice(void **state) {
  (void)state;
  /* user (1, 0); positive at angle 60 degrees (cosine distance 0.5);
  ** candidates at distances 0.1 (harder), 0.7 and 0.9 (semi-hard: 0.7) */
  enum { D = 2 };
  float user[D] = {1, 0};
  double ang[] = {acos(0.5), acos(0.9), acos(0.3), acos(0.1)};
  float item[4 * D];
  for (int k = 0; k < 4; k++) {
    item[2 * k] = (float)cos(ang[k]) * (k + 1);
    item[2 * k + 1] = (float)sin(ang[k]) * (k + 1);
  }
  float bias[4] = {0};
  bpr_model m = {1, 4, D, user, item, bias};
  uint32_t js[] = {1, 3, 2};
  float work[2 * D];
  assert_int_equal(triplet_semi_hard(&m, 0, 0, js, 3, TRIPLET_COSINE, work), 2);
  /* only harder candidates: the farthest of them */
  uint32_t hard[] = {1};
  assert_int_equal(triplet_semi_hard(&m, 0, 0, hard, 1, TRIPLET_COSINE, work), 1);
  /* L2: item k sits at length k + 1; from (1, 0): item 0 at |(0.5,0.87) - (1,0)| = 1 */
  uint32_t l2[] = {1, 2, 3};
  float d0 = triplet_dist(user, item, D, TRIPLET_L2);
  uint32_t want = 0;
  float best = INFINITY;
  for (int k = 1; k < 4; k++) {
    float dk = triplet_dist(user, item + 2 * k, D, TRIPLET_L2);
    if (dk > d0 && dk < best) best = dk, want = (uint32_t)k;
  }
  assert_int_equal(triplet_semi_hard(&m, 0, 0, l2, 3, TRIPLET_L2, work), want);
}

static void ranking_form(void **state) {
  (void)state;
  /* after finish, dot + bias orders a user's items like -distance */
  enum { D = 5, NI = 30 };
  rng g;
  rng_seed(&g, 3, 0);
  for (int k = 0; k <= 1; k++) {
    float user[D], item[NI * D], orig[NI * D], bias[NI];
    for (int f = 0; f < D; f++) user[f] = (float)rng_normal(&g);
    for (int f = 0; f < NI * D; f++) orig[f] = item[f] = (float)rng_normal(&g);
    float dist[NI];
    for (int i = 0; i < NI; i++) dist[i] = triplet_dist(user, item + i * D, D, (triplet_distance)k);
    bpr_model m = {1, NI, D, user, item, bias};
    triplet_finish(&m, (triplet_distance)k);
    for (int i = 0; i < NI; i++)
      for (int j = 0; j < NI; j++) {
        if (fabsf(dist[i] - dist[j]) < 1e-4f) continue;
        float si = vec_dot(user, item + i * D, D) + bias[i], sj = vec_dot(user, item + j * D, D) + bias[j];
        assert_true((dist[i] < dist[j]) == (si > sj));
      }
    if (k == TRIPLET_L2) assert_memory_equal(item, orig, sizeof item);
  }
}

static void learns_planted_structure(void **state) {
  (void)state;
  csr held;
  csr train = planted(&held);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &train, 240, 0.75, NULL), 0);
  for (int k = 0; k <= 1; k++)
    for (int semi = 0; semi <= 1; semi++) {
      triplet_config cfg = {{16, 20, 0.05f, 0.1f, 0.1f, 1, 7}, (triplet_distance)k, 0.2f, 4, semi, 0.0f};
      bpr_model a, b;
      bpr_stats st;
      assert_int_equal(triplet_train(&cfg, &s, NULL, NULL, NULL, &a, &st), RS_OK);
      assert_int_equal(st.epochs, 20);
      assert_int_equal(st.samples, (uint64_t)train.nnz * (semi ? 1 : 4) * 20);
      double auc = heldout_auc(&a, &train, &held);
      assert_true(auc > 0.9);
      /* one thread and a seed: bit-identical */
      assert_int_equal(triplet_train(&cfg, &s, NULL, NULL, NULL, &b, &st), RS_OK);
      assert_memory_equal(a.user, b.user, sizeof(float) * 240 * 16);
      assert_memory_equal(a.item, b.item, sizeof(float) * 240 * 16);
      if (k == TRIPLET_COSINE)
        for (uint32_t i = 0; i < 240; i++)
          assert_true(fabsf(vec_dot(a.item + i * 16, a.item + i * 16, 16) - 1) < 1e-5f);
      bpr_model_free(&a);
      bpr_model_free(&b);
      /* two threads (Hogwild, run under ThreadSanitizer by make tsan): still learns */
      cfg.sgd.threads = 2;
      assert_int_equal(triplet_train(&cfg, &s, NULL, NULL, NULL, &a, &st), RS_OK);
      assert_true(heldout_auc(&a, &train, &held) > 0.9);
      bpr_model_free(&a);
    }
  sampler_free(&s);
  csr_free(&train);
  csr_free(&held);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gradient_matches_differences),
      cmocka_unit_test(step_is_gradient_descent),
      cmocka_unit_test(semi_hard_choice),
      cmocka_unit_test(ranking_form),
      cmocka_unit_test(learns_planted_structure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
