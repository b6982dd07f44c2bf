/*
** bpr: see bpr.h.
**
** The epoch is src/sgd.c's (shared with pointwise.c and triplet.c): threads
** share the model without locks (Hogwild, Recht et al., 2011): the triples
** of an epoch touch few rows each, so collisions are rare and harmless.
*/
#include "bpr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgd.h"

float bpr_step(bpr_model *m, uint32_t u, uint32_t i, uint32_t j, float lr, float reg, float reg_bias) {
  uint32_t d = m->dim;
  float *pu = m->user + (size_t)u * d, *qi = m->item + (size_t)i * d, *qj = m->item + (size_t)j * d;
  float x = m->bias[i] - m->bias[j];
  for (uint32_t f = 0; f < d; f++) x += pu[f] * (qi[f] - qj[f]);
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
  for (uint32_t f = 0; f < d; f++) {
    float p = pu[f], vi = qi[f], vj = qj[f];
    pu[f] = decay * p + a * (vi - vj);
    qi[f] = decay * vi + a * p;
    qj[f] = decay * vj - a * p;
  }
  m->bias[i] += lr * (g - reg_bias * m->bias[i]);
  m->bias[j] += lr * (-g - reg_bias * m->bias[j]);
  return loss;
}

/* One positive: n_neg negatives from the sampler, one step each. */
static void bpr_positive(const void *trainer, bpr_model *m, const sampler *s, rng *g, uint32_t u, uint32_t i,
                         float lr, double *loss, uint64_t *steps) {
  const bpr_config *cfg = trainer;
  for (uint32_t r = 0; r < cfg->n_neg; r++) {
    uint32_t j = sampler_negative(s, g, u, NULL);
    if (j == SAMPLER_NONE) break;
    *loss += bpr_step(m, u, i, j, lr, cfg->reg, cfg->reg_bias);
    ++*steps;
  }
}

static rs_status bpr_begin(const void *cfgp, const sampler *s, bpr_model *model, void **out) {
  const bpr_config *cfg = cfgp;
  sgd_config sc = {cfg->dim, cfg->epochs, cfg->lr, cfg->lr_final, cfg->init_std, cfg->threads, cfg->seed};
  return sgd_begin(&sc, bpr_positive, cfg, s, model, out);
}

const trainer_ops bpr_ops = {"bpr", bpr_begin, sgd_epoch, sgd_end, NULL};

rs_status bpr_train(const bpr_config *cfg, const sampler *s, progress *prog, trainer_hook hook, void *ctx,
                    bpr_model *model, bpr_stats *stats) {
  return trainer_run(&bpr_ops, cfg, s, cfg->epochs, 0, cfg->lr_final, prog, hook, ctx, model, stats);
}
