/* train: the driver's config resolution, validation split (no leak into
** what the sampler sees), evaluation against hand values, early stopping
** that keeps the best epoch's model, refit, divergence and size limits.
** A scripted trainer_ops stands in for a method where the driver's policy is
** tested; bpr and contrastive run through it where their results matter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/train.h"
#include "unit.h"

/* ---- a scripted method ----------------------------------------------------
** dim 1, user rows 0: the score of an item is its bias. At epoch e (1-based)
** item 0's bias is script[e] and the last item's bias is e (a marker of the
** epoch the model comes from); other items -index. It records every
** positive its sampler hands out and fails as told. */
typedef struct script script;
struct script {
  const double *bias0; /* per epoch, from 1 */
  uint32_t nan_at;     /* epoch whose model becomes NaN (0 = never) */
  uint8_t *seen;       /* users x items: positives handed out */
  uint32_t n_items;
  size_t begun_nnz; /* positives of the last begin */
};

typedef struct fake_state fake_state;
struct fake_state {
  const script *sc;
  const sampler *s;
  bpr_model *m;
};

static rs_status fake_begin(const void *cfg, const sampler *s, bpr_model *m, void **out) {
  script *sc = (script *)cfg;
  if (bpr_model_alloc(m, s->pos->n_rows, s->n_items, 1)) return RS_NOMEM;
  memset(m->user, 0, sizeof(float) * m->n_users);
  fake_state *st = calloc(1, sizeof *st);
  st->sc = sc;
  st->s = s;
  st->m = m;
  sc->begun_nnz = s->pos->nnz;
  *out = st;
  return RS_OK;
}

static rs_status fake_epoch(void *p, uint32_t e, float lr_scale, progress *prog, double *loss, uint64_t *n) {
  (void)lr_scale;
  (void)prog;
  fake_state *st = p;
  const csr *pos = st->s->pos;
  rng g;
  rng_seed(&g, 1, e);
  for (uint32_t u = 0; u < pos->n_rows; u++)
    for (size_t k = pos->ptr[u]; k < pos->ptr[u + 1]; k++) {
      st->sc->seen[(size_t)u * st->sc->n_items + pos->idx[k]] = 1;
      assert_true(sampler_negative(st->s, &g, u, NULL) != SAMPLER_NONE);
    }
  bpr_model *m = st->m;
  for (uint32_t i = 0; i < m->n_items; i++) {
    m->item[i] = 1.0f;
    m->bias[i] = -(float)i;
  }
  if (st->sc->bias0) m->bias[0] = (float)st->sc->bias0[e + 1];
  m->bias[m->n_items - 1] = (float)(e + 1);
  if (st->sc->nan_at == e + 1) m->item[1] = NAN;
  *loss = 1.0 / (e + 1);
  *n = pos->nnz;
  return RS_OK;
}

static void fake_end(void *p) { free(p); }

static const trainer_ops fake_ops = {"fake", fake_begin, fake_epoch, fake_end, NULL, NULL};

/* 10 users; user u has items 0..5, and item 6 + u % 3. 30 items. */
static void fixture(csr *pos, csr *item0) {
  uint32_t u[80], i[80], gu[10], gi[10];
  size_t n = 0;
  for (uint32_t a = 0; a < 10; a++) {
    for (uint32_t b = 0; b < 6; b++) {
      u[n] = a;
      i[n++] = b;
    }
    u[n] = a;
    i[n++] = 6 + a % 3;
    gu[a] = a;
    gi[a] = 0;
  }
  assert_int_equal(csr_build(pos, 10, 30, u, i, n), 0);
  assert_int_equal(csr_build(item0, 10, 30, gu, gi, 10), 0);
}

static train_config fake_config(script *sc) {
  train_config c;
  train_config_init(&c);
  c.ops = &fake_ops;
  c.method = sc;
  c.threads = 1;
  c.epochs = 20;
  c.k = 1;
  c.eval_every = 1;
  c.patience = 3;
  c.smooth = 1;
  c.refit = 0;
  return c;
}

/* ---- tests ----------------------------------------------------------------- */

static void resolves_family_defaults(void **state) {
  (void)state;
  train_params p;
  train_params_init(&p);
  train_plan plan;
  train_resolve(TRAIN_BPR, &p, 50000, &plan);
  assert_ptr_equal(plan.drv.ops, &bpr_ops);
  assert_ptr_equal(plan.drv.method, &plan.bpr);
  assert_int_equal(plan.bpr.dim, 64);
  assert_int_equal(plan.bpr.n_neg, 4);
  assert_int_equal(plan.drv.epochs, 100);
  assert_true(plan.bpr.lr == 0.1f);
  assert_true(plan.drv.validation == 0.0);
  train_resolve(TRAIN_SOFTMAX, &p, 50000, &plan);
  assert_ptr_equal(plan.drv.ops, &contrastive_ops);
  assert_int_equal(plan.cl.dim, 128);
  assert_int_equal(plan.cl.n_neg, 512);
  assert_int_equal(plan.drv.propagate, 1);
  assert_true(plan.drv.item_norm == 0.25);
  assert_true(plan.drv.propagate_unit);
  /* a small catalog: shared negatives capped at 1/8 of it, at least 16 */
  train_resolve(TRAIN_SOFTMAX, &p, 1682, &plan);
  assert_int_equal(plan.cl.n_neg, 210);
  train_resolve(TRAIN_CCL, &p, 40, &plan);
  assert_int_equal(plan.cl.n_neg, 16);
  /* given values win, the cap included; seeds keep all 64 bits */
  p.n_neg = 300;
  p.dim = 8;
  p.seed = INT64_MAX - 1;
  p.validation = 0.2;
  train_resolve(TRAIN_CCL, &p, 1682, &plan);
  assert_int_equal(plan.cl.n_neg, 300);
  assert_int_equal(plan.cl.dim, 8);
  assert_true(plan.cl.seed == (uint64_t)(INT64_MAX - 1));
  assert_true(plan.drv.seed == (uint64_t)(INT64_MAX - 1));
  assert_true(plan.drv.validation == 0.2);
  assert_int_equal(plan.drv.eval_every, 5);
  assert_true(plan.drv.refit); /* with validation, the model written is refit on all data */
}

/* The per-example losses: their defaults, triplet's margin (ccl's stays
** 0.3), its options, and its ranking form as the ops' finish. */
static void resolves_per_example_defaults(void **state) {
  (void)state;
  train_params p;
  train_params_init(&p);
  train_plan plan;
  train_resolve(TRAIN_BCE, &p, 50000, &plan);
  assert_ptr_equal(plan.drv.ops, &pointwise_ops);
  assert_ptr_equal(plan.drv.method, &plan.pw);
  assert_int_equal(plan.pw.sgd.dim, 64);
  assert_int_equal(plan.pw.sgd.epochs, 100);
  assert_int_equal(plan.pw.n_neg, 4);
  assert_true(plan.pw.sgd.lr == 0.1f && plan.pw.reg == 0.005f);
  assert_int_equal(plan.drv.eval_every, 5);
  assert_int_equal(plan.drv.propagate, 0);
  train_resolve(TRAIN_TRIPLET, &p, 50000, &plan);
  assert_ptr_equal(plan.drv.ops, &triplet_ops);
  assert_ptr_equal(plan.drv.method, &plan.tr);
  assert_non_null(triplet_ops.finish);
  assert_int_equal(plan.tr.n_neg, 16);
  assert_true(plan.tr.sgd.lr == 0.1f && plan.tr.reg == 0.0f && plan.tr.margin == 0.5f);
  assert_int_equal(plan.tr.distance, TRIPLET_COSINE);
  assert_true(plan.tr.semi_hard);
  assert_true(plan.drv.propagate_unit);
  train_resolve(TRAIN_CCL, &p, 50000, &plan);
  assert_true(plan.cl.margin == 0.3f);
  p.margin = 0.2;
  p.distance = TRIPLET_L2;
  p.semi_hard = 0;
  p.n_neg = 3;
  train_resolve(TRAIN_TRIPLET, &p, 50000, &plan);
  assert_true(plan.tr.margin == 0.2f);
  assert_int_equal(plan.tr.distance, TRIPLET_L2);
  assert_false(plan.tr.semi_hard);
  assert_false(plan.drv.propagate_unit);
  assert_int_equal(plan.tr.n_neg, 3);
}

/* The split is a partition of pos; users below the minimum degree keep all;
** the same seed gives the same split, another seed another. */
static void split_partitions(void **state) {
  (void)state;
  uint32_t u[400], i[400];
  size_t n = 0;
  for (uint32_t a = 0; a < 40; a++)
    for (uint32_t b = 0; b < a % 10; b++) {
      u[n] = a;
      i[n++] = (a * 7 + b * 3) % 50;
    }
  csr pos, tr, he, tr2, he2, tr3, he3;
  assert_int_equal(csr_build(&pos, 40, 50, u, i, n), 0);
  assert_int_equal(train_split(&pos, 0.25, 0, 9, NULL, &tr, &he), RS_OK);
  assert_int_equal(tr.nnz + he.nnz, pos.nnz);
  for (uint32_t a = 0; a < 40; a++) {
    size_t d = csr_degree(&pos, a), h = csr_degree(&he, a);
    size_t want = d < TRAIN_SPLIT_MIN_DEGREE ? 0 : (size_t)floor(0.25 * d + 0.5);
    assert_int_equal(h, want);
    for (size_t k = pos.ptr[a]; k < pos.ptr[a + 1]; k++)
      assert_int_equal(csr_contains(&tr, a, pos.idx[k]) + csr_contains(&he, a, pos.idx[k]), 1);
  }
  assert_int_equal(train_split(&pos, 0.25, 0, 9, NULL, &tr2, &he2), RS_OK);
  assert_int_equal(he2.nnz, he.nnz);
  assert_memory_equal(he2.idx, he.idx, sizeof(uint32_t) * he.nnz);
  assert_int_equal(train_split(&pos, 0.25, 0, 10, NULL, &tr3, &he3), RS_OK);
  assert_true(memcmp(he3.idx, he.idx, sizeof(uint32_t) * he.nnz) != 0);
  /* at most 5 users hold out pairs, each as many as without the cap */
  csr tr4, he4;
  assert_int_equal(train_split(&pos, 0.25, 5, 9, NULL, &tr4, &he4), RS_OK);
  assert_int_equal(tr4.nnz + he4.nnz, pos.nnz);
  uint32_t holding = 0;
  for (uint32_t a = 0; a < 40; a++)
    if (csr_degree(&he4, a)) {
      holding++;
      assert_int_equal(csr_degree(&he4, a), csr_degree(&he, a));
    }
  assert_int_equal(holding, 5);
  csr *all[] = {&pos, &tr, &he, &tr2, &he2, &tr3, &he3, &tr4, &he4};
  for (size_t k = 0; k < 9; k++) csr_free(all[k]);
}

/* Hand values: 2 users, 4 items, dim 1, user rows 1: score = item + bias.
** Items score 4, 3, 2, 1 (item 0 best). User 0 trained on item 0, holds
** out {1, 3}; user 1 trained on nothing, holds out {2}. Top-2 of user 0:
** items 1, 2 (0 excluded): recall 1/2, ndcg (1/log2 2) / (1 + 1/log2 3).
** User 1: items 0, 1: recall 0, ndcg 0. */
static void evaluates_by_hand(void **state) {
  (void)state;
  uint32_t tu[1] = {0}, ti[1] = {0}, hu[3] = {0, 0, 1}, hi[3] = {1, 3, 2};
  csr tr, he;
  assert_int_equal(csr_build(&tr, 2, 4, tu, ti, 1), 0);
  assert_int_equal(csr_build(&he, 2, 4, hu, hi, 3), 0);
  bpr_model m;
  assert_int_equal(bpr_model_alloc(&m, 2, 4, 1), RS_OK);
  m.user[0] = m.user[1] = 1.0f;
  for (int k = 0; k < 4; k++) {
    m.item[k] = 2.0f - k * 0.5f;
    m.bias[k] = 2.0f - k * 0.5f;
  }
  train_eval ev;
  assert_int_equal(train_eval_init(&ev, &tr, &he), RS_OK);
  assert_int_equal(ev.n_users, 2);
  double r, g;
  assert_int_equal(train_eval_run(&ev, &m, TRAIN_RECALL, 2, 1, NULL, &r), RS_OK);
  assert_true(fabs(r - 0.25) < 1e-12);
  assert_int_equal(train_eval_run(&ev, &m, TRAIN_NDCG, 2, 2, NULL, &g), RS_OK);
  assert_true(fabs(g - 0.5 * (1.0 / (1.0 + 1.0 / log2(3.0)))) < 1e-9);
  train_eval_free(&ev);
  bpr_model_free(&m);
  csr_free(&tr);
  csr_free(&he);
}

/* Validation pairs never reach the sampler: given pairs (also in pos) and
** a held-out fraction; what the method was handed is exactly the train part. */
static void validation_never_leaks(void **state) {
  (void)state;
  csr pos, item0;
  fixture(&pos, &item0);
  uint8_t seen[10 * 30];
  script sc = {NULL, 0, seen, 30, 0};
  train_config c = fake_config(&sc);
  c.epochs = 3;
  train_data d = {&pos, &item0, SAMPLER_UNIFORM, 0.75, NULL};
  train_result r;
  memset(seen, 0, sizeof seen);
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  for (uint32_t u = 0; u < 10; u++)
    for (uint32_t i = 0; i < 30; i++) assert_int_equal(seen[u * 30 + i], i != 0 && csr_contains(&pos, u, i));
  assert_int_equal(r.validation_pairs, 10);
  assert_int_equal(r.train_pairs, pos.nnz - 10);
  train_result_free(&r);
  /* a fraction: the sampler sees train_split's train part, nothing held */
  c.validation = 0.3;
  c.seed = 77;
  d.validation = NULL;
  memset(seen, 0, sizeof seen);
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  csr tr, he;
  assert_int_equal(train_split(&pos, 0.3, 0, 77, NULL, &tr, &he), RS_OK);
  assert_int_equal(he.nnz, 20); /* round(0.3 * 7) = 2 per user */
  for (uint32_t u = 0; u < 10; u++)
    for (uint32_t i = 0; i < 30; i++) {
      assert_int_equal(seen[u * 30 + i], csr_contains(&tr, u, i));
      if (csr_contains(&he, u, i)) assert_int_equal(seen[u * 30 + i], 0);
    }
  train_result_free(&r);
  csr_free(&tr);
  csr_free(&he);
  csr_free(&pos);
  csr_free(&item0);
}

/* Recall@1 of item 0 is 1 exactly when its bias tops the others: at epochs 3
** and 5 (5 higher than 3 is not better: equal metrics do not win). The
** best is epoch 3; three evaluations without gain after it stop at 6. The
** model returned is epoch 3's (marker), and the curve has every evaluation. */
static void keeps_best_epoch_and_stops(void **state) {
  (void)state;
  csr pos, item0;
  fixture(&pos, &item0);
  uint8_t seen[300];
  /* epochs 1..20 */
  double bias0[21] = {0, -100, -100, 100, -100, 100, -100, -100, 100, 100, 100, 100, 100};
  script sc = {bias0, 0, seen, 30, 0};
  train_config c = fake_config(&sc);
  train_data d = {&pos, &item0, SAMPLER_UNIFORM, 0.75, NULL};
  train_result r;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_int_equal(r.best_epoch, 3);
  assert_true(r.best_metric == 1.0);
  assert_int_equal(r.epochs, 6);
  assert_true(r.stopped_early);
  assert_int_equal(r.n_curve, 6);
  double want[6] = {0, 0, 1, 0, 1, 0};
  for (uint32_t k = 0; k < 6; k++) {
    assert_int_equal(r.curve[k].epoch, k + 1);
    assert_true(r.curve[k].metric == want[k]);
    assert_true(r.curve[k].loss == 1.0 / (k + 1));
  }
  assert_true(r.model.bias[29] == 3.0f);
  assert_true(r.model.bias[0] == 100.0f);
  train_result_free(&r);
  /* every 2 epochs: evaluations at 2, 4, 6, 8 (and 3 never seen): 8 wins over 0 */
  c.eval_every = 2;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_int_equal(r.best_epoch, 8);
  assert_true(r.model.bias[29] == 8.0f);
  train_result_free(&r);
  /* patience 0: never stops early, and the last epoch is evaluated */
  c.eval_every = 7;
  c.patience = 0;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_int_equal(r.epochs, 20);
  assert_int_equal(r.n_curve, 3); /* 7, 14, 20 */
  assert_int_equal(r.curve[2].epoch, 20);
  assert_int_equal(r.best_epoch, 7);
  train_result_free(&r);
  /* refit: a fresh run on all pairs (pos and the given ones) for the chosen epochs */
  c.eval_every = 1;
  c.patience = 3;
  c.refit = 1;
  memset(seen, 0, sizeof seen);
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_int_equal(r.refit_epochs, 3);
  assert_int_equal(sc.begun_nnz, pos.nnz);
  assert_int_equal(seen[0], 1);
  assert_true(r.model.bias[29] == 3.0f);
  train_result_free(&r);
  csr_free(&pos);
  csr_free(&item0);
}

/* A non-finite parameter ends the run with RS_DIVERGED naming the epoch. */
static void divergence_names_epoch(void **state) {
  (void)state;
  csr pos, item0;
  fixture(&pos, &item0);
  uint8_t seen[300];
  script sc = {NULL, 4, seen, 30, 0};
  train_config c = fake_config(&sc);
  train_data d = {&pos, NULL, SAMPLER_UNIFORM, 0.75, NULL};
  train_result r;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_DIVERGED);
  assert_int_equal(r.epochs, 4);
  assert_null(r.model.user);
  train_result_free(&r);
  /* real BPR with a huge step: diverges in its first epochs */
  bpr_config b = {8, 20, 4, 10.0f, 1.0f, 0.0f, 0.0f, 10.0f, 1, 1};
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &pos, 30, 0.75, NULL), 0);
  bpr_model m;
  bpr_stats st;
  assert_int_equal(bpr_train(&b, &s, NULL, NULL, NULL, &m, &st), RS_DIVERGED);
  assert_true(st.epochs >= 1 && st.epochs <= 20);
  assert_null(m.user);
  sampler_free(&s);
  csr_free(&pos);
  csr_free(&item0);
}

/* More interactions than the uint32 epoch order indexes: RS_TOOBIG before
** anything is allocated (the csr below has no arrays behind its count). */
static void too_many_interactions(void **state) {
  (void)state;
  size_t ptr[2] = {0, (size_t)TRAINER_MAX_INTERACTIONS + 1};
  csr big = {1, 1, (size_t)TRAINER_MAX_INTERACTIONS + 1, ptr, NULL};
  sampler s;
  memset(&s, 0, sizeof s);
  s.pos = &big;
  s.n_items = 2;
  bpr_config b = {8, 1, 1, 0.1f, 1.0f, 0.0f, 0.0f, 0.1f, 1, 1};
  bpr_model m;
  bpr_stats st;
  assert_int_equal(bpr_train(&b, &s, NULL, NULL, NULL, &m, &st), RS_TOOBIG);
  contrastive_config cc;
  memset(&cc, 0, sizeof cc);
  cc.dim = 4;
  cc.epochs = 1;
  cc.batch = 8;
  cc.n_neg = 4;
  assert_int_equal(contrastive_train(&cc, &s, NULL, NULL, NULL, &m, &st), RS_TOOBIG);
  train_config c;
  train_config_init(&c);
  c.ops = &bpr_ops;
  c.method = &b;
  train_data d = {&big, NULL, SAMPLER_UNIFORM, 0.75, NULL};
  train_result r;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_TOOBIG);
  train_result_free(&r);
}

/* BPR through the driver with validation: deterministic for a seed with one
** thread, and the model written is the best evaluation's: with a constant
** learning rate, a plain run for exactly best_epoch epochs on the same train
** part gives the same parameters, bit for bit. */
static void bpr_best_epoch_is_rerun(void **state) {
  (void)state;
  /* 60 users x 60 items, 3 groups plus noise */
  uint32_t u[3000], i[3000];
  size_t n = 0;
  rng g;
  rng_seed(&g, 5, 0);
  for (uint32_t a = 0; a < 60; a++)
    for (uint32_t b = 0; b < 60; b++)
      if ((b % 3 == a % 3 && rng_double(&g) < 0.4) || rng_double(&g) < 0.08) {
        u[n] = a;
        i[n++] = b;
      }
  csr pos, tr, he;
  assert_int_equal(csr_build(&pos, 60, 60, u, i, n), 0);
  train_params p;
  train_params_init(&p);
  p.dim = 16;
  p.epochs = 60;
  p.lr = 0.2;
  p.lr_final = 1.0;
  p.reg = 0.0;
  p.threads = 1;
  p.seed = 11;
  p.validation = 0.2;
  p.eval_every = 1;
  p.k = 5;
  p.refit = 0;
  train_plan plan;
  train_resolve(TRAIN_BPR, &p, 60, &plan);
  train_data d = {&pos, NULL, SAMPLER_UNIFORM, 0.75, NULL};
  train_result r;
  assert_int_equal(train_run(&plan.drv, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_true(r.best_epoch >= 1 && r.best_epoch <= r.epochs);
  assert_true(r.n_curve == r.epochs);
  /* the plain run on the same train part for best_epoch epochs */
  assert_int_equal(train_split(&pos, 0.2, TRAIN_VALIDATION_USERS, 11, NULL, &tr, &he), RS_OK);
  sampler s;
  assert_int_equal(sampler_init(&s, SAMPLER_UNIFORM, &tr, 60, 0.75, NULL), 0);
  bpr_config b = plan.bpr;
  b.epochs = r.best_epoch;
  bpr_model m;
  bpr_stats st;
  assert_int_equal(bpr_train(&b, &s, NULL, NULL, NULL, &m, &st), RS_OK);
  assert_memory_equal(m.user, r.model.user, sizeof(float) * 60 * 16);
  assert_memory_equal(m.item, r.model.item, sizeof(float) * 60 * 16);
  assert_memory_equal(m.bias, r.model.bias, sizeof(float) * 60);
  /* and its metric is the best of the curve */
  train_eval ev;
  double got;
  assert_int_equal(train_eval_init(&ev, &tr, &he), RS_OK);
  assert_int_equal(train_eval_run(&ev, &m, TRAIN_RECALL, 5, 1, NULL, &got), RS_OK);
  assert_true(got == r.best_metric);
  for (uint32_t k = 0; k < r.n_curve; k++) assert_true(r.curve[k].metric <= r.best_metric);
  train_eval_free(&ev);
  bpr_model_free(&m);
  sampler_free(&s);
  train_result_free(&r);
  csr_free(&pos);
  csr_free(&tr);
  csr_free(&he);
}

/* The moving average and the stopping condition by hand. */
static void smoothing_and_patience_by_hand(void **state) {
  (void)state;
  train_point cv[4] = {{1, 0, 0.1, 0}, {2, 0, 0.4, 0}, {3, 0, 0.1, 0}, {4, 0, 0.7, 0}};
  assert_true(fabs(train_smoothed(cv, 1, 3) - 0.1) < 1e-12);
  assert_true(fabs(train_smoothed(cv, 2, 3) - 0.25) < 1e-12);
  assert_true(fabs(train_smoothed(cv, 4, 3) - 0.4) < 1e-12);
  assert_true(fabs(train_smoothed(cv, 4, 1) - 0.7) < 1e-12);
  assert_true(fabs(train_smoothed(cv, 4, 0) - 0.7) < 1e-12);
  assert_true(fabs(train_smoothed(cv, 4, 10) - 0.325) < 1e-12);
  /* patience 3 evaluations of 5 epochs: 15 epochs since the best, and 1.5x */
  assert_false(train_patience_out(24, 10, 3, 5));
  assert_true(train_patience_out(25, 10, 3, 5));
  assert_false(train_patience_out(60, 50, 3, 2)); /* 10 epochs since, but 60 < 75 */
  assert_true(train_patience_out(75, 50, 3, 2));
  assert_false(train_patience_out(100, 50, 0, 2)); /* patience 0: never */
  assert_false(train_patience_out(5, 5, 1, 1));
}

/* smooth 3 over the metrics 0 0 0 1 0 1 1 1 0 0 ...: the averages gain at
** epochs 4 (1/3), 6 (2/3) and 8 (1); three evaluations without a gain come
** at 11, but 1.5 x 8 = 12 holds it to epoch 12. Each evaluation alone
** (smooth 1) stops at 7 with epoch 4's lone 1. */
static void smoothed_best_and_stop(void **state) {
  (void)state;
  csr pos, item0;
  fixture(&pos, &item0);
  uint8_t seen[300];
  double bias0[21] = {0,    -100, -100, -100, 100,  -100, 100,  100,  100,  -100, -100,
                      -100, -100, -100, -100, -100, -100, -100, -100, -100, -100};
  script sc = {bias0, 0, seen, 30, 0};
  train_config c = fake_config(&sc);
  c.smooth = 3;
  train_data d = {&pos, &item0, SAMPLER_UNIFORM, 0.75, NULL};
  train_result r;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_int_equal(r.best_epoch, 8);
  assert_true(r.best_metric == 1.0);
  assert_true(r.best_smoothed == 1.0);
  assert_int_equal(r.epochs, 12);
  assert_true(r.stopped_early);
  assert_true(r.model.bias[29] == 8.0f);
  train_result_free(&r);
  c.smooth = 1;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_int_equal(r.best_epoch, 4);
  assert_int_equal(r.epochs, 7);
  train_result_free(&r);
  csr_free(&pos);
  csr_free(&item0);
}

/* A run that is not stopped: its best in the last `patience` evaluations
** and the last average within the noise of the best gives the last epoch;
** a clear fall does not. */
static void full_run_keeps_last_epoch(void **state) {
  (void)state;
  train_point cv[4] = {{1, 0, 0.2, 0}, {2, 0, 0.4, 0}, {3, 0, 0.2, 0}, {4, 0, 0.4, 0}};
  /* second half: 0.2, 0.4: one difference 0.2, sigma = 0.2 / sqrt(2) */
  assert_true(fabs(train_noise(cv, 4) - 0.2 / sqrt(2.0)) < 1e-12);
  assert_true(train_noise(cv, 1) == 0.0);
  csr pos, item0;
  fixture(&pos, &item0);
  uint8_t seen[300];
  /* metrics 0 0 1 1 0 1 1 1 1 0: smooth 3 best (1) at 8, last 2/3; the
  ** noise of the second half (1 1 1 1 0) is 1/sqrt(8), the allowance
  ** sqrt(2/3)/sqrt(8) = 0.289 < 1/3: the fall counts, best stays 8 */
  double fall[21] = {0, -100, -100, 100, 100, -100, 100, 100, 100, 100, -100};
  script sc = {fall, 0, seen, 30, 0};
  train_config c = fake_config(&sc);
  c.epochs = 10;
  c.patience = 5;
  c.smooth = 3;
  train_data d = {&pos, &item0, SAMPLER_UNIFORM, 0.75, NULL};
  train_result r;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_false(r.stopped_early);
  assert_int_equal(r.best_epoch, 8);
  train_result_free(&r);
  /* metrics 0 0 1 0 1 1 0 1 0 1: best average 2/3 first at 5, last 2/3:
  ** within the noise, and 5 + 5 >= 10: the last epoch */
  double flat[21] = {0, -100, -100, 100, -100, 100, 100, -100, 100, -100, 100};
  sc.bias0 = flat;
  assert_int_equal(train_run(&c, &d, NULL, NULL, NULL, &r), RS_OK);
  assert_false(r.stopped_early);
  assert_int_equal(r.best_epoch, 10);
  assert_true(r.model.bias[29] == 10.0f);
  assert_true(r.best_metric == 1.0);
  train_result_free(&r);
  csr_free(&pos);
  csr_free(&item0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(resolves_family_defaults), cmocka_unit_test(resolves_per_example_defaults),
      cmocka_unit_test(split_partitions),         cmocka_unit_test(evaluates_by_hand),
      cmocka_unit_test(validation_never_leaks),   cmocka_unit_test(keeps_best_epoch_and_stops),
      cmocka_unit_test(divergence_names_epoch),   cmocka_unit_test(too_many_interactions),
      cmocka_unit_test(bpr_best_epoch_is_rerun),  cmocka_unit_test(smoothing_and_patience_by_hand),
      cmocka_unit_test(smoothed_best_and_stop),   cmocka_unit_test(full_run_keeps_last_epoch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
