/*
** pointwise: see pointwise.h.
*/
#include "pointwise.h"

#include <math.h>

#include "vec.h"

float pointwise_loss(const float *p, const float *q, float b, uint32_t d, int label, float *dscore) {
  float x = vec_dot(p, q, d) + b;
  /* softplus(x) - label * x and σ(x) - label, computed stably */
  float e = expf(-fabsf(x)), sp = fmaxf(x, 0.0f) + log1pf(e);
  float sig = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
  *dscore = sig - (float)label;
  return sp - (label ? x : 0.0f);
}

float pointwise_step(bpr_model *m, uint32_t u, uint32_t i, int label, float lr, float reg, float reg_bias) {
  uint32_t d = m->dim;
  float *pu = m->user + (size_t)u * d, *qi = m->item + (size_t)i * d;
  float g;
  float loss = pointwise_loss(pu, qi, m->bias[i], d, label, &g);
  float a = lr * g, decay = 1.0f - lr * reg;
  for (uint32_t f = 0; f < d; f++) {
    float p = pu[f], q = qi[f];
    pu[f] = decay * p - a * q;
    qi[f] = decay * q - a * p;
  }
  m->bias[i] -= lr * (g + reg_bias * m->bias[i]);
  return loss;
}

static void pointwise_positive(const void *trainer, bpr_model *m, const sampler *s, rng *g, uint32_t u,
                               uint32_t i, float lr, double *loss, uint64_t *terms) {
  const pointwise_config *cfg = trainer;
  *loss += pointwise_step(m, u, i, 1, lr, cfg->reg, cfg->reg_bias);
  ++*terms;
  for (uint32_t r = 0; r < cfg->n_neg; r++) {
    uint32_t j = sampler_negative(s, g, u, NULL);
    if (j == SAMPLER_NONE) break;
    *loss += pointwise_step(m, u, j, 0, lr, cfg->reg, cfg->reg_bias);
    ++*terms;
  }
}

static rs_status pointwise_begin(const void *cfgp, const sampler *s, bpr_model *model, void **state) {
  const pointwise_config *cfg = cfgp;
  return sgd_begin(&cfg->sgd, pointwise_positive, cfg, s, model, state);
}

const trainer_ops pointwise_ops = {"bce", pointwise_begin, sgd_epoch, sgd_end, NULL, NULL};

rs_status pointwise_train(const pointwise_config *cfg, const sampler *s, progress *prog, trainer_hook hook,
                          void *ctx, bpr_model *model, bpr_stats *stats) {
  return trainer_run(&pointwise_ops, cfg, s, cfg->sgd.epochs, 0, cfg->sgd.lr_final, prog, hook, ctx, model,
                     stats);
}
