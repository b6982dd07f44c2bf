/*
** bpr: see bpr.h.
**
** The epoch is src/sgd.c's (shared with pointwise.c and triplet.c): threads
** share the model without locks (Hogwild, Recht et al., 2011): the triples
** of an epoch touch few rows each, so collisions are rare and harmless;
** every shared access of bpr_step is a relaxed atomic (hogwild.h), so there
** is no data race. A run is reproducible for a fixed thread count, and
** bit-identical with one.
*/
#include "bpr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hogwild.h"
#include "sgd.h"
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

/* Prefetches item j's row and bias (one row = dim floats). */
static inline void prefetch_item(const bpr_model *m, uint32_t j) {
  const float *q = m->item + (size_t)j * m->dim;
  for (uint32_t f = 0; f < m->dim; f += 16) __builtin_prefetch(q + f, 1);
  __builtin_prefetch(&m->bias[j], 1);
}

/* One positive: n_neg negatives from the sampler, one step each. The
** negatives are drawn BPR_DRAW at a time before their steps, and their rows
** prefetched, so that the rows' cache misses (uniform items: at 1M items
** every row is one) overlap instead of coming one after another. The draws
** do not read the model, so they and the steps come in the same order as
** drawing each negative just before its step: results are unchanged. */
#define BPR_DRAW 8
static void bpr_positive(const void *trainer, bpr_model *m, const sampler *s, rng *g, uint32_t u, uint32_t i,
                         float lr, float *work, double *loss, uint64_t *steps) {
  const bpr_config *cfg = trainer;
  (void)work; /* bpr_step works on the shared rows directly */
  uint32_t js[BPR_DRAW];
  for (uint32_t r = 0; r < cfg->n_neg;) {
    uint32_t n = 0, want = cfg->n_neg - r < BPR_DRAW ? cfg->n_neg - r : BPR_DRAW;
    while (n < want) {
      uint32_t j = sampler_negative(s, g, u, NULL);
      if (j == SAMPLER_NONE) break;
      prefetch_item(m, j);
      js[n++] = j;
    }
    for (uint32_t t = 0; t < n; t++) {
      *loss += bpr_step(m, u, i, js[t], lr, cfg->reg, cfg->reg_bias);
      ++*steps;
    }
    if (n < want) break;
    r += n;
  }
}

static rs_status bpr_begin(const void *cfgp, const sampler *s, bpr_model *model, void **out) {
  const bpr_config *cfg = cfgp;
  sgd_config sc = {cfg->dim, cfg->epochs, cfg->lr, cfg->lr_final, cfg->init_std, cfg->threads, cfg->seed};
  return sgd_begin(&sc, bpr_positive, cfg, s, model, out);
}

const trainer_ops bpr_ops = {"bpr", bpr_begin, sgd_epoch, sgd_end, NULL, NULL};

rs_status bpr_train(const bpr_config *cfg, const sampler *s, progress *prog, trainer_hook hook, void *ctx,
                    bpr_model *model, bpr_stats *stats) {
  return trainer_run(&bpr_ops, cfg, s, cfg->epochs, 0, cfg->lr_final, prog, hook, ctx, model, stats);
}
