/*
** bpr: see bpr.h.
**
** Threads share the model without locks (Hogwild, Recht et al., 2011): the
** triples of an epoch touch few rows each, so collisions are rare and
** harmless; every shared access is a relaxed atomic (hogwild.h), so there
** is no data race. Thread t of epoch e draws from rng stream (seed, e * T + t), so a
** run is reproducible for a fixed thread count, and bit-identical with one.
*/
#include "bpr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hogwild.h"
#include "vec.h"

/* Every shared element is read and written by one relaxed atomic access
** (hogwild.h), four at a time where the target allows; the arithmetic and
** its order are those of the plain scalar loop, so results are unchanged. */
#ifdef HW_VEC4
/* The first n (a multiple of 8) steps of bpr_step's two loops, eight floats
** at a time on CPUs with AVX: same arithmetic, same order. */
__attribute__((target("avx"))) static float dot8(const float *pu, const float *qi, const float *qj,
                                                 uint32_t n, float x) {
  for (uint32_t f = 0; f < n; f += 8) {
    hw_v8 t = hw_load8(pu + f) * (hw_load8(qi + f) - hw_load8(qj + f));
    for (int l = 0; l < 8; l++) x += t[l];
  }
  return x;
}

__attribute__((target("avx"))) static void update8(float *pu, float *qi, float *qj, uint32_t n, float a,
                                                   float decay) {
  for (uint32_t f = 0; f < n; f += 8) {
    hw_v8 p = hw_load8(pu + f), vi = hw_load8(qi + f), vj = hw_load8(qj + f);
    hw_store8(pu + f, decay * p + a * (vi - vj));
    hw_store8(qi + f, decay * vi + a * p);
    hw_store8(qj + f, decay * vj - a * p);
  }
}
#endif

float bpr_step(bpr_model *m, uint32_t u, uint32_t i, uint32_t j, float lr, float reg, float reg_bias) {
  uint32_t d = m->dim;
  float *pu = m->user + (size_t)u * d, *qi = m->item + (size_t)i * d, *qj = m->item + (size_t)j * d;
  float bi = hw_get(&m->bias[i]), bj = hw_get(&m->bias[j]);
  float x = bi - bj;
  uint32_t f = 0;
#ifdef HW_VEC4
  uint32_t n8 = __builtin_cpu_supports("avx") ? d / 8 * 8 : 0;
  x = n8 ? dot8(pu, qi, qj, n8, x) : x;
  for (f = n8; f + 4 <= d; f += 4) {
    hw_v4 t = hw_load4(pu + f) * (hw_load4(qi + f) - hw_load4(qj + f));
    x += t[0];
    x += t[1];
    x += t[2];
    x += t[3];
  }
#endif
  for (; f < d; f++) x += hw_get(pu + f) * (hw_get(qi + f) - hw_get(qj + f));
  /* g = sigmoid(-x); loss = log(1 + exp(-x)), both computed stably */
  float g, loss;
  if (x >= 0) {
    float e = expf(-x);
    g = e / (1.0f + e);
    loss = log1pf(e);
  } else {
    float e = expf(x);
    g = 1.0f / (1.0f + e);
    loss = -x + log1pf(e);
  }
  float a = lr * g, decay = 1.0f - lr * reg;
  f = 0;
#ifdef HW_VEC4
  if (n8) update8(pu, qi, qj, n8, a, decay);
  for (f = n8; f + 4 <= d; f += 4) {
    hw_v4 p = hw_load4(pu + f), vi = hw_load4(qi + f), vj = hw_load4(qj + f);
    hw_store4(pu + f, decay * p + a * (vi - vj));
    hw_store4(qi + f, decay * vi + a * p);
    hw_store4(qj + f, decay * vj - a * p);
  }
#endif
  for (; f < d; f++) {
    float p = hw_get(pu + f), vi = hw_get(qi + f), vj = hw_get(qj + f);
    hw_set(pu + f, decay * p + a * (vi - vj));
    hw_set(qi + f, decay * vi + a * p);
    hw_set(qj + f, decay * vj - a * p);
  }
  /* bias[j] read again: with j == i it is the value just written, as before */
  hw_set(&m->bias[i], bi + lr * (g - reg_bias * bi));
  bj = hw_get(&m->bias[j]);
  hw_set(&m->bias[j], bj + lr * (-g - reg_bias * bj));
  return loss;
}

typedef struct bpr_job bpr_job;
struct bpr_job {
  const bpr_config *cfg;
  const sampler *s;
  bpr_model *m;
  progress *prog;
  const uint32_t *order;    /* positives in this epoch's order (indices into pos->idx) */
  const uint32_t *pos_user; /* user of each positive */
  uint32_t epoch;
  float lr;
  int threads;
  double *loss;    /* per thread */
  uint64_t *steps; /* per thread */
};

static void bpr_worker(void *arg, int tid) {
  bpr_job *jb = arg;
  const sampler *s = jb->s;
  const csr *pos = s->pos;
  rng g;
  rng_seed(&g, jb->cfg->seed, (uint64_t)jb->epoch * (uint64_t)jb->threads + (uint64_t)tid + 1);
  size_t n = pos->nnz;
  size_t lo = n * (size_t)tid / (size_t)jb->threads, hi = n * (size_t)(tid + 1) / (size_t)jb->threads;
  double loss = 0.0;
  uint64_t steps = 0;
  const float lr = jb->lr, reg = jb->cfg->reg, regb = jb->cfg->reg_bias;
  for (size_t t = lo; t < hi; t++) {
    if (((t - lo) & 4095) == 0) {
      if (tid == 0) progress_poll(jb->prog);
      if (progress_stopped(jb->prog)) break;
    }
    uint32_t u, i;
    if (s->strategy == SAMPLER_BOOTSTRAP) {
      u = s->active[rng_below(&g, s->n_active)];
      i = csr_row(pos, u)[rng_below(&g, (uint32_t)csr_degree(pos, u))];
    } else {
      size_t k = jb->order[t];
      u = jb->pos_user[k];
      i = pos->idx[k];
    }
    for (uint32_t r = 0; r < jb->cfg->n_neg; r++) {
      uint32_t j = sampler_negative(s, &g, u, NULL);
      if (j == SAMPLER_NONE) break;
      loss += bpr_step(jb->m, u, i, j, lr, reg, regb);
      steps++;
    }
  }
  jb->loss[tid] = loss;
  jb->steps[tid] = steps;
}

/* The state of a run: the job its epochs share. */
typedef struct bpr_state bpr_state;
struct bpr_state {
  bpr_config cfg;
  bpr_job jb;
  rng g;
  uint32_t *order, *pos_user;
  double *loss;
  uint64_t *steps;
};

static void bpr_end(void *p) {
  bpr_state *st = p;
  free(st->order);
  free(st->pos_user);
  free(st->loss);
  free(st->steps);
  free(st);
}

static rs_status bpr_begin(const void *cfgp, const sampler *s, bpr_model *model, void **out) {
  const bpr_config *cfg = cfgp;
  const csr *pos = s->pos;
  if (pos->nnz > TRAINER_MAX_INTERACTIONS) return RS_TOOBIG;
  bpr_state *st = calloc(1, sizeof *st);
  if (!st) return RS_NOMEM;
  st->cfg = *cfg;
  int threads = cfg->threads < 1 ? 1 : cfg->threads;
  st->order = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  st->pos_user = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  st->loss = calloc((size_t)threads, sizeof *st->loss);
  st->steps = calloc((size_t)threads, sizeof *st->steps);
  if (!st->order || !st->pos_user || !st->loss || !st->steps ||
      bpr_model_alloc(model, pos->n_rows, s->n_items, cfg->dim)) {
    bpr_end(st);
    return RS_NOMEM;
  }
  rng_seed(&st->g, cfg->seed, 0);
  for (size_t k = 0; k < (size_t)model->n_users * model->dim; k++)
    model->user[k] = (float)(rng_normal(&st->g) * cfg->init_std);
  for (size_t k = 0; k < (size_t)model->n_items * model->dim; k++)
    model->item[k] = (float)(rng_normal(&st->g) * cfg->init_std);
  for (uint32_t u = 0; u < pos->n_rows; u++)
    for (size_t k = pos->ptr[u]; k < pos->ptr[u + 1]; k++) st->pos_user[k] = u;
  for (size_t k = 0; k < pos->nnz; k++) st->order[k] = (uint32_t)k;
  bpr_job jb = {&st->cfg, s, model, NULL, st->order, st->pos_user, 0, cfg->lr, threads, st->loss, st->steps};
  st->jb = jb;
  *out = st;
  return RS_OK;
}

static rs_status bpr_epoch(void *p, uint32_t e, float lr_scale, progress *prog, double *loss,
                           uint64_t *samples) {
  bpr_state *st = p;
  const csr *pos = st->jb.s->pos;
  if (st->jb.s->strategy != SAMPLER_BOOTSTRAP) {
    for (size_t k = pos->nnz; k > 1; k--) {
      uint32_t r = rng_below(&st->g, (uint32_t)k);
      uint32_t t = st->order[k - 1];
      st->order[k - 1] = st->order[r];
      st->order[r] = t;
    }
  }
  st->jb.epoch = e;
  st->jb.lr = st->cfg.lr * lr_scale;
  st->jb.prog = prog;
  parallel_run(st->jb.threads, bpr_worker, &st->jb);
  double sum = 0.0;
  uint64_t n = 0;
  for (int t = 0; t < st->jb.threads; t++) {
    sum += st->loss[t];
    n += st->steps[t];
  }
  *loss = n ? sum / (double)n : 0.0;
  *samples = n;
  return progress_stopped(prog) ? RS_STOPPED : RS_OK;
}

const trainer_ops bpr_ops = {"bpr", bpr_begin, bpr_epoch, bpr_end};

rs_status bpr_train(const bpr_config *cfg, const sampler *s, progress *prog, trainer_hook hook, void *ctx,
                    bpr_model *model, bpr_stats *stats) {
  return trainer_run(&bpr_ops, cfg, s, cfg->epochs, 0, cfg->lr_final, prog, hook, ctx, model, stats);
}
