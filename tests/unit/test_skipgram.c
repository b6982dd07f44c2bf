/* skipgram: the step's gradient against central finite differences; planted
** clusters (sequences that stay inside a cluster) give nearest neighbours
** from the same cluster, on sessions and on random walks over them; one
** thread and a seed give bit-identical vectors; two threads train too; the
** AVX-512 and baseline kernels agree bit for bit;
** non-finite values are reported as divergence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/skipgram.h"
#include "../../src/vec.h"
#include "../../src/walks.h"
#include "unit.h"

/* L = -log sigmoid(h.o_t0) - sum_k log sigmoid(-h.o_tk), in double */
static double sg_loss(const float *out, uint32_t d, const float *h, const uint32_t *tg, uint32_t nt) {
  double L = 0;
  for (uint32_t k = 0; k < nt; k++) {
    double f = 0;
    for (uint32_t x = 0; x < d; x++) f += (double)h[x] * out[tg[k] * d + x];
    L += k == 0 ? log1p(exp(-f)) : log1p(exp(f));
  }
  return L;
}

/* A block of 3 inputs (two of them the same vector) and 4 targets: the
** update of every input and output against finite differences of the summed
** loss. */
static void step_gradient(void **state) {
  (void)state;
  enum { D = 19, N = 5, B = 3 }; /* 19: the 16-wide path and the tail */
  float out[N * D], hv[B * D], gh[B * D], out2[N * D], g[8 * B];
  rng r;
  rng_seed(&r, 3, 0);
  for (int k = 0; k < N * D; k++) out[k] = (float)rng_normal(&r) * 0.5f;
  for (int k = 0; k < B * D; k++) hv[k] = (float)rng_normal(&r) * 0.5f;
  const float *h[B] = {hv, hv + D, hv + 2 * D};
  uint32_t tg[] = {1, 3, 4, 0};
  memcpy(out2, out, sizeof out);
  memset(gh, 0, sizeof gh);
  const float lr = 0.5f;
  float L = sg_block(out2, D, h, B, gh, tg, 4, lr, g, 1);
  double want = 0;
  for (int b = 0; b < B; b++) want += sg_loss(out, D, h[b], tg, 4);
  assert_true(fabs(L - want) < 1e-5);
  const float eps = 1e-2f;
  for (int b = 0; b < B; b++)
    for (int x = 0; x < D; x++) { /* dL/dh_b = -gh_b / lr */
      float hp[D], hm[D];
      memcpy(hp, h[b], sizeof hp);
      memcpy(hm, h[b], sizeof hm);
      hp[x] += eps;
      hm[x] -= eps;
      double fd = (sg_loss(out, D, hp, tg, 4) - sg_loss(out, D, hm, tg, 4)) / (2 * eps);
      assert_true(fabs(fd - (-gh[b * D + x] / lr)) < 1e-3 * (1 + fabs(fd)));
    }
  for (int k = 0; k < N * D; k++) { /* dL/do = -(o' - o) / lr */
    float op[N * D], om[N * D];
    memcpy(op, out, sizeof out);
    memcpy(om, out, sizeof out);
    op[k] += eps;
    om[k] -= eps;
    double lp = 0, lm = 0;
    for (int b = 0; b < B; b++) {
      lp += sg_loss(op, D, h[b], tg, 4);
      lm += sg_loss(om, D, h[b], tg, 4);
    }
    double fd = (lp - lm) / (2 * eps), an = -(out2[k] - out[k]) / lr;
    assert_true(fabs(fd - an) < 1e-3 * (1 + fabs(fd)));
  }
}

/* The AVX-512 kernels (where the CPU has them) and the baseline ones give
** the same block step bit for bit: dims with and without a tail, a target
** drawn twice, an input twice. */
static void kernels_agree(void **state) {
  (void)state;
  enum { N = 9, B = 4, T = 5 };
  const uint32_t dims[] = {64, 37, 16, 5};
  for (int di = 0; di < 4; di++) {
    uint32_t d = dims[di];
    float *in = malloc(sizeof(float) * N * d), *o1 = malloc(sizeof(float) * N * d),
          *o2 = malloc(sizeof(float) * N * d), *g1 = calloc((size_t)B * d, sizeof(float)),
          *g2 = calloc((size_t)B * d, sizeof(float)), s1[2 * B * T], s2[2 * B * T];
    rng r;
    rng_seed(&r, 5, d);
    for (uint32_t k = 0; k < N * d; k++) {
      in[k] = (float)rng_normal(&r) * 0.3f;
      o1[k] = o2[k] = (float)rng_normal(&r) * 0.3f;
    }
    const float *h[B] = {in, in + 2 * d, in + 2 * d, in + 7 * d};
    uint32_t tg[T] = {3, 6, 1, 6, 8};
    float l1 = sg_block(o1, d, h, B, g1, tg, T, 0.3f, s1, 1);
    float l2 = sg_block_baseline(o2, d, h, B, g2, tg, T, 0.3f, s2, 1);
    assert_true(l1 == l2);
    assert_memory_equal(o1, o2, sizeof(float) * N * d);
    assert_memory_equal(g1, g2, sizeof(float) * B * d);
    free(in);
    free(o1);
    free(o2);
    free(g1);
    free(g2);
  }
}

/* C clusters of K items; S sequences per cluster, each L items drawn
** uniformly from its cluster. Item c * K + k is in cluster c. */
enum { C = 4, K = 10, S = 150, LEN = 20 };

static void planted(seqs *s, uint64_t seed) {
  s->n = C * S;
  s->off = malloc((s->n + 1) * sizeof *s->off);
  s->item = malloc((size_t)s->n * LEN * sizeof *s->item);
  rng g;
  rng_seed(&g, seed, 0);
  for (uint32_t q = 0; q < s->n; q++) {
    s->off[q] = (size_t)q * LEN;
    uint32_t c = q % C;
    for (int t = 0; t < LEN; t++) s->item[(size_t)q * LEN + t] = c * K + rng_below(&g, K);
  }
  s->off[s->n] = (size_t)s->n * LEN;
}

static void config(sg_config *cfg, int threads) {
  memset(cfg, 0, sizeof *cfg);
  cfg->dim = 16;
  cfg->window = 3;
  cfg->n_neg = 5;
  cfg->epochs = 5;
  cfg->power = 0.75;
  cfg->subsample = 0;
  cfg->lr = 0.025f;
  cfg->threads = threads;
  cfg->seed = 11;
}

static rs_status train(const sg_config *cfg, const seqs *s, sg_model *m, eges *side, uint32_t n) {
  rs_status rc = sg_model_init(m, n, cfg->dim, side, cfg->seed);
  if (rc) return rc;
  sg_trainer t;
  if ((rc = sg_trainer_init(&t, cfg, s, m)) != RS_OK) return rc;
  for (uint32_t e = 0; e < cfg->epochs && rc == RS_OK; e++) rc = sg_epoch(&t, e, NULL);
  sg_trainer_free(&t);
  return rc;
}

/* Share of items whose nearest neighbour (cosine) is in their cluster. */
static double same_cluster(const float *v, uint32_t n, uint32_t d) {
  int ok = 0;
  for (uint32_t a = 0; a < n; a++) {
    double best = -2;
    uint32_t arg = a;
    for (uint32_t b = 0; b < n; b++) {
      if (b == a) continue;
      double c = vec_dot_d(v + a * d, v + b * d, d) /
                 sqrt(vec_normsq_d(v + a * d, d) * vec_normsq_d(v + b * d, d) + 1e-30);
      if (c > best) best = c, arg = b;
    }
    ok += arg / K == a / K;
  }
  return (double)ok / n;
}

static void clusters_sequences(void **state) {
  (void)state;
  seqs s;
  planted(&s, 1);
  sg_config cfg;
  config(&cfg, 1);
  sg_model m;
  assert_int_equal(train(&cfg, &s, &m, NULL, C * K), RS_OK);
  assert_true(same_cluster(m.in, C * K, cfg.dim) == 1.0);
  /* the same with a seed: bit-identical */
  sg_model m2;
  assert_int_equal(train(&cfg, &s, &m2, NULL, C * K), RS_OK);
  assert_memory_equal(m.in, m2.in, C * K * cfg.dim * sizeof(float));
  assert_memory_equal(m.out, m2.out, C * K * cfg.dim * sizeof(float));
  sg_model_free(&m2);
  /* another seed: different vectors */
  cfg.seed = 12;
  assert_int_equal(train(&cfg, &s, &m2, NULL, C * K), RS_OK);
  assert_true(memcmp(m.in, m2.in, C * K * cfg.dim * sizeof(float)) != 0);
  sg_model_free(&m2);
  /* two threads (Hogwild), subsampling on */
  config(&cfg, 2);
  cfg.subsample = 1e-2;
  assert_int_equal(train(&cfg, &s, &m2, NULL, C * K), RS_OK);
  assert_true(same_cluster(m2.in, C * K, cfg.dim) == 1.0);
  sg_model_free(&m2);
  sg_model_free(&m);
  seqs_free(&s);
}

static void clusters_walks(void **state) {
  (void)state;
  seqs s, w;
  planted(&s, 2);
  walk_graph g;
  assert_int_equal(walk_graph_build(&g, &s, C * K), RS_OK);
  assert_int_equal(walks_generate(&g, 20, 20, 5, NULL, &w), RS_OK);
  sg_config cfg;
  config(&cfg, 1);
  sg_model m;
  assert_int_equal(train(&cfg, &w, &m, NULL, C * K), RS_OK);
  assert_true(same_cluster(m.in, C * K, cfg.dim) == 1.0);
  sg_model_free(&m);
  walk_graph_free(&g);
  seqs_free(&w);
  seqs_free(&s);
}

static void divergence_and_empty(void **state) {
  (void)state;
  seqs s;
  planted(&s, 3);
  sg_config cfg;
  config(&cfg, 1);
  cfg.lr = 1e30f; /* overflows at once */
  sg_model m;
  assert_int_equal(train(&cfg, &s, &m, NULL, C * K), RS_DIVERGED);
  sg_model_free(&m);
  seqs_free(&s);
  size_t off0 = 0;
  seqs e = {0, &off0, NULL};
  config(&cfg, 1);
  assert_int_equal(sg_model_init(&m, 3, 4, NULL, 1), RS_OK);
  sg_trainer t;
  assert_int_equal(sg_trainer_init(&t, &cfg, &e, &m), RS_INVALID);
  sg_model_free(&m);
}

static int stop_now(void *p) {
  (void)p;
  return 1;
}

static void stops(void **state) {
  (void)state;
  seqs s;
  planted(&s, 4);
  sg_config cfg;
  config(&cfg, 2);
  sg_model m;
  assert_int_equal(sg_model_init(&m, C * K, cfg.dim, NULL, 1), RS_OK);
  sg_trainer t;
  assert_int_equal(sg_trainer_init(&t, &cfg, &s, &m), RS_OK);
  progress p;
  progress_init(&p, stop_now, NULL);
  p.last = -1e9;
  assert_int_equal(sg_epoch(&t, 0, &p), RS_STOPPED);
  sg_trainer_free(&t);
  sg_model_free(&m);
  seqs_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(step_gradient),        cmocka_unit_test(kernels_agree),
      cmocka_unit_test(clusters_sequences),   cmocka_unit_test(clusters_walks),
      cmocka_unit_test(divergence_and_empty), cmocka_unit_test(stops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
