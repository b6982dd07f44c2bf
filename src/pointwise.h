/*
** pointwise: matrix factorization trained with the pointwise logistic
** (binary cross-entropy) loss of NCF (He et al., 2017): each interaction
** (u, i) is a positive example, and n_neg items drawn by the sampler for u
** are negative examples, each one SGD step:
**
**   score(u, i) = dot(P[u], Q[i]) + b[i]
**   loss(u, i, y) = -y log σ(score) - (1 - y) log(1 - σ(score))
**                 + reg/2 (|P[u]|^2 + |Q[i]|^2) + reg_bias/2 b[i]^2
**
** with y = 1 for the positive and 0 for its negatives. Unlike BPR, which
** only orders a positive above a negative, this fits every score to a
** probability. The epoch is src/sgd.c's (every interaction once per epoch,
** Hogwild threads; with threads = 1 a seed gives bit-identical models), the
** loop the driver's (trainer.h: linear learning-rate decay, divergence).
*/
#ifndef RECSQL_POINTWISE_H
#define RECSQL_POINTWISE_H

#include <stdint.h>

#include "sgd.h"
#include "trainer.h"

typedef struct pointwise_config pointwise_config;
struct pointwise_config {
  sgd_config sgd;
  uint32_t n_neg; /* negatives per positive */
  float reg, reg_bias;
};

/* The method for the training driver (trainer.h); cfg is a pointwise_config.
** The loss of an epoch is the mean per example (positive or negative),
** without regularization. */
extern const trainer_ops pointwise_ops;

/* trainer_run of pointwise_ops for cfg->sgd.epochs on the sampler's
** positives, negatives from its strategy. Returns as trainer_run. */
rs_status pointwise_train(const pointwise_config *cfg, const sampler *s, progress *prog, trainer_hook hook,
                          void *ctx, bpr_model *model, bpr_stats *stats);

/* The loss of one example (label 1 or 0) of user row p, item row q and bias
** b, without regularization; its derivative with respect to the score into
** *dscore (σ(score) - label). Exposed for tests. */
float pointwise_loss(const float *p, const float *q, float b, uint32_t d, int label, float *dscore);

/* One SGD step on the example (u, i, label); returns its loss. work: 2 *
** dim private floats (the rows are copied in and out, hogwild.h). */
float pointwise_step(bpr_model *m, uint32_t u, uint32_t i, int label, float lr, float reg, float reg_bias,
                     float *work);

#endif
