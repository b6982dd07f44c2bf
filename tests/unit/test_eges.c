/* eges: the gradient of the skip-gram loss through H(v) (id embedding, value
** embeddings, logits) against central finite differences; weights sum to 1
** with and without the id slot; on planted clusters whose items carry their
** cluster as side information, items never seen in sequences (cold start)
** land next to their cluster, with one thread and with two. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/eges.h"
#include "../../src/skipgram.h"
#include "../../src/vec.h"
#include "unit.h"

enum { D = 6 };

/* Item 0: field 0 values {0, 1}, field 1 value {2}; item 1: field 1 value {3};
** item 2: nothing. Fields: 0 1 with values 0,1 -> field 0; 2,3 -> field 1. */
static void small(eges *e) {
  uint32_t fv_field[] = {0, 0, 1, 1};
  uint32_t item[] = {0, 0, 0, 1, 0};
  uint32_t fv[] = {1, 2, 0, 3, 2}; /* (0, 2) twice: merged */
  assert_int_equal(eges_init(e, 3, 2, 4, fv_field, item, fv, 5, D, 9), RS_OK);
}

/* Loss of the skip-gram step with h = H(v), in double via float forward. */
static double loss_at(const eges *e, uint32_t v, const float *id_row, const float *out, const uint32_t *tg,
                      uint32_t nt) {
  eges_work k;
  eges_work_init(&k, e);
  eges_forward(e, v, id_row, &k);
  double L = 0;
  for (uint32_t t = 0; t < nt; t++) {
    double f = 0;
    for (int x = 0; x < D; x++) f += (double)k.h[x] * out[tg[t] * D + x];
    L += t == 0 ? log1p(exp(-f)) : log1p(exp(f));
  }
  eges_work_free(&k);
  return L;
}

static void check_fd(float *param, const float *after, size_t n, eges *e, const float *id_row,
                     const float *out, const uint32_t *tg, float lr) {
  const float eps = 1e-2f;
  for (size_t k = 0; k < n; k++) {
    float keep = param[k];
    param[k] = keep + eps;
    double lp = loss_at(e, 0, id_row, out, tg, 3);
    param[k] = keep - eps;
    double lm = loss_at(e, 0, id_row, out, tg, 3);
    param[k] = keep;
    double fd = (lp - lm) / (2 * eps), an = -(after[k] - param[k]) / lr;
    assert_true(fabs(fd - an) < 2e-3 * (1 + fabs(fd)));
  }
}

static void gradient(void **state) {
  (void)state;
  eges e;
  small(&e);
  rng g;
  rng_seed(&g, 4, 0);
  float id_row[D], out[4 * D];
  for (int x = 0; x < D; x++) id_row[x] = (float)rng_normal(&g);
  for (int x = 0; x < 4 * D; x++) out[x] = (float)rng_normal(&g) * 0.5f;
  for (int x = 0; x < 4 * D; x++) e.emb[x] = (float)rng_normal(&g);
  for (int x = 0; x < 3 * 3; x++) e.logit[x] = (float)rng_normal(&g);
  uint32_t tg[] = {1, 2, 3};
  const float lr = 0.1f;
  /* analytic: forward, step (out copy), backward into copies */
  float emb0[4 * D], logit0[9], id0[D], out2[4 * D], gh[D], gs[6];
  memcpy(emb0, e.emb, sizeof emb0);
  memcpy(logit0, e.logit, sizeof logit0);
  memcpy(id0, id_row, sizeof id0);
  memcpy(out2, out, sizeof out);
  eges_work k;
  assert_int_equal(eges_work_init(&k, &e), RS_OK);
  eges_forward(&e, 0, id_row, &k);
  assert_int_equal(k.slots, 3);
  memset(gh, 0, sizeof gh);
  const float *hp[1] = {k.h};
  sg_block(out2, D, hp, 1, gh, tg, 3, lr, gs, 0);
  eges_backward(&e, 0, id_row, &k, gh);
  float emb1[4 * D], logit1[9], id1[D];
  memcpy(emb1, e.emb, sizeof emb1);
  memcpy(logit1, e.logit, sizeof logit1);
  memcpy(id1, id_row, sizeof id1);
  memcpy(e.emb, emb0, sizeof emb0);
  memcpy(e.logit, logit0, sizeof logit0);
  memcpy(id_row, id0, sizeof id0);
  check_fd(id_row, id1, D, &e, id_row, out, tg, lr);
  check_fd(e.emb, emb1, 4 * D, &e, id_row, out, tg, lr);
  check_fd(e.logit, logit1, 9, &e, id_row, out, tg, lr);
  /* value 3 and the logits of items 1, 2 are not v's: unchanged */
  for (int x = 0; x < D; x++) assert_true(emb1[3 * D + x] == emb0[3 * D + x]);
  for (int x = 3; x < 9; x++) assert_true(logit1[x] == logit0[x]);
  eges_work_free(&k);
  eges_free(&e);
}

static void weights_sum_to_one(void **state) {
  (void)state;
  eges e;
  small(&e);
  for (int x = 0; x < 9; x++) e.logit[x] = (float)x - 4.0f;
  eges_work k;
  assert_int_equal(eges_work_init(&k, &e), RS_OK);
  float id_row[D] = {1, 2, 3, 4, 5, 6};
  for (uint32_t v = 0; v < 3; v++)
    for (int with_id = 0; with_id < 2; with_id++) {
      eges_forward(&e, v, with_id ? id_row : NULL, &k);
      double s = 0;
      for (uint32_t t = 0; t < k.slots; t++) s += k.w[t];
      if (k.slots) assert_true(fabs(s - 1) < 1e-6);
    }
  /* item 2 has no value: with the id only, H = the id embedding */
  eges_forward(&e, 2, id_row, &k);
  assert_int_equal(k.slots, 1);
  assert_memory_equal(k.h, id_row, sizeof id_row);
  /* item 1 without id: its one value, weight 1 */
  eges_forward(&e, 1, NULL, &k);
  assert_int_equal(k.slots, 1);
  assert_memory_equal(k.h, e.emb + 3 * D, D * sizeof(float));
  eges_work_free(&k);
  eges_free(&e);
}

/* 4 clusters of 12 items; items 10, 11 of each cluster never occur in the
** sequences. Every item has field 0 = its cluster and field 1 = one of 3
** noise values. */
enum { C = 4, K = 12, HOT = 10 };

static void check_cold_start(int threads) {
  uint32_t n = C * K, nfv = C + 3;
  uint32_t fv_field[C + 3], item[2 * C * K], fv[2 * C * K];
  for (uint32_t c = 0; c < C; c++) fv_field[c] = 0;
  for (uint32_t k = 0; k < 3; k++) fv_field[C + k] = 1;
  for (uint32_t v = 0; v < n; v++) {
    item[2 * v] = v;
    fv[2 * v] = v / K;
    item[2 * v + 1] = v;
    fv[2 * v + 1] = C + v % 3;
  }
  eges e;
  assert_int_equal(eges_init(&e, n, 2, nfv, fv_field, item, fv, 2 * n, 16, 3), RS_OK);
  seqs s;
  s.n = C * 100;
  s.off = malloc((s.n + 1) * sizeof *s.off);
  s.item = malloc((size_t)s.n * 15 * sizeof *s.item);
  rng g;
  rng_seed(&g, 8, 0);
  for (uint32_t q = 0; q < s.n; q++) {
    s.off[q] = (size_t)q * 15;
    for (int t = 0; t < 15; t++) s.item[q * 15 + t] = (q % C) * K + rng_below(&g, HOT);
  }
  s.off[s.n] = (size_t)s.n * 15;
  sg_config cfg = {16, 3, 5, 5, 0.75, 0, 0.025f, threads, 7};
  sg_model m;
  assert_int_equal(sg_model_init(&m, n, 16, &e, 7), RS_OK);
  sg_trainer t;
  assert_int_equal(sg_trainer_init(&t, &cfg, &s, &m), RS_OK);
  for (uint32_t ep = 0; ep < cfg.epochs; ep++) assert_int_equal(sg_epoch(&t, ep, NULL), RS_OK);
  sg_trainer_free(&t);
  /* item vectors: H with the id for trained items, without for cold ones */
  float *H = malloc((size_t)n * 16 * sizeof *H);
  eges_work k;
  assert_int_equal(eges_work_init(&k, &e), RS_OK);
  for (uint32_t v = 0; v < n; v++) {
    eges_forward(&e, v, v % K < HOT ? m.in + (size_t)v * 16 : NULL, &k);
    memcpy(H + (size_t)v * 16, k.h, 16 * sizeof *H);
  }
  /* every cold item: its nearest trained item is from its cluster */
  for (uint32_t v = 0; v < n; v++) {
    if (v % K < HOT) continue;
    double best = -2;
    uint32_t arg = 0;
    for (uint32_t b = 0; b < n; b++) {
      if (b % K >= HOT) continue;
      double c = vec_dot_d(H + v * 16, H + b * 16, 16) /
                 sqrt(vec_normsq_d(H + v * 16, 16) * vec_normsq_d(H + b * 16, 16));
      if (c > best) best = c, arg = b;
    }
    assert_int_equal(arg / K, v / K);
  }
  free(H);
  eges_work_free(&k);
  sg_model_free(&m);
  eges_free(&e);
  seqs_free(&s);
}

/* One thread, and two (Hogwild over the shared id rows, value embeddings
** and logits; make tsan runs it under ThreadSanitizer). */
static void cold_start(void **state) {
  (void)state;
  check_cold_start(1);
  check_cold_start(2);
}

static void too_many_fields(void **state) {
  (void)state;
  eges e;
  uint32_t fv_field[1] = {0}, item[1] = {0}, fv[1] = {0};
  /* 2^14 items x (1 + 2^13) slots > EGES_MAX_LOGITS = 2^27 */
  assert_int_equal(eges_init(&e, 1u << 14, 1u << 13, 1, fv_field, item, fv, 1, 4, 1), RS_TOOBIG);
  assert_int_equal(eges_init(&e, 1u << 10, 7, 1, fv_field, item, fv, 1, 4, 1), RS_OK);
  eges_free(&e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gradient),
      cmocka_unit_test(weights_sum_to_one),
      cmocka_unit_test(cold_start),
      cmocka_unit_test(too_many_fields),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
