/*
** pointwise: see pointwise.h.
**
** A step copies the two rows in (relaxed atomic loads, hogwild.h), computes
** on the copies and copies them out (relaxed atomic stores): Hogwild threads
** without a data race, with the arithmetic of the plain code (bit-identical).
*/
#include "pointwise.h"

#include <math.h>

#include "hogwild.h"
#include "vec.h"

float pointwise_loss(const float *p, const float *q, float b, uint32_t d, int label, float *dscore) {
  float x = vec_dot(p, q, d) + b;
  /* softplus(x) - label * x and σ(x) - label, computed stably */
  float e = expf(-fabsf(x)), sp = fmaxf(x, 0.0f) + log1pf(e);
  float sig = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
  *dscore = sig - (float)label;
  return sp - (label ? x : 0.0f);
}

float pointwise_step(bpr_model *m, uint32_t u, uint32_t i, int label, float lr, float reg, float reg_bias,
                     float *work) {
  uint32_t d = m->dim;
  float *pu = m->user + (size_t)u * d, *qi = m->item + (size_t)i * d;
  float *p = work, *q = work + d;
  hw_load(p, pu, d);
  hw_load(q, qi, d);
  float b = hw_get(&m->bias[i]), g;
  float loss = pointwise_loss(p, q, b, d, label, &g);
  float a = lr * g, decay = 1.0f - lr * reg;
  for (uint32_t f = 0; f < d; f++) {
    float pf = p[f], qf = q[f];
    p[f] = decay * pf - a * qf;
    q[f] = decay * qf - a * pf;
  }
  hw_store(pu, p, d);
  hw_store(qi, q, d);
  hw_set(&m->bias[i], b - lr * (g + reg_bias * b));
  return loss;
}

static void pointwise_positive(const void *trainer, bpr_model *m, const sampler *s, rng *g, uint32_t u,
                               uint32_t i, float lr, float *work, double *loss, uint64_t *terms) {
  const pointwise_config *cfg = trainer;
  *loss += pointwise_step(m, u, i, 1, lr, cfg->reg, cfg->reg_bias, work);
  ++*terms;
  for (uint32_t r = 0; r < cfg->n_neg; r++) {
    uint32_t j = sampler_negative(s, g, u, NULL);
    if (j == SAMPLER_NONE) break;
    *loss += pointwise_step(m, u, j, 0, lr, cfg->reg, cfg->reg_bias, work);
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
