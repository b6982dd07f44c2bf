/*
** bpr: matrix factorization trained with the BPR loss (Rendle et al., 2009)
** by stochastic gradient descent over sampled (user, positive, negative)
** triples, lock-free over threads (Hogwild).
**
** score(u, i) = dot(P[u], Q[i]) + b[i]
** loss(u, i, j) = -log sigmoid(score(u, i) - score(u, j))
**                 + reg/2 (|P[u]|^2 + |Q[i]|^2 + |Q[j]|^2) + reg_bias/2 (b[i]^2 + b[j]^2)
**
** An epoch draws as many positives as there are interactions: with the
** uniform/popularity/exposure samplers every interaction once, in a fresh
** random order; with bootstrap, (user, positive) pairs drawn as in LearnBPR.
** Each positive gets n_neg negatives from the sampler, one SGD step each.
** The learning rate decays linearly from lr to lr * lr_final over the epochs.
** With threads = 1 a seed gives bit-identical models.
*/
#ifndef RECSQL_BPR_H
#define RECSQL_BPR_H

#include <stdint.h>

#include "parallel.h"
#include "sampler.h"
#include "trainer.h"

typedef struct bpr_config bpr_config;
struct bpr_config {
  uint32_t dim;
  uint32_t epochs;
  uint32_t n_neg;
  float lr, lr_final; /* lr_final: fraction of lr reached at the last epoch */
  float reg, reg_bias;
  float init_std; /* embeddings start as N(0, init_std^2); biases at 0 */
  int threads;
  uint64_t seed;
};

/* The method for the training driver (trainer.h); cfg is a bpr_config. */
extern const trainer_ops bpr_ops;

/* Trains for cfg->epochs on the sampler's positives (trainer_run with the
** schedule over cfg->epochs). Returns RS_OK (model filled), RS_NOMEM,
** RS_TOOBIG, RS_DIVERGED or RS_STOPPED (by prog or the hook). */
rs_status bpr_train(const bpr_config *cfg, const sampler *s, progress *prog, trainer_hook hook, void *ctx,
                    bpr_model *model, bpr_stats *stats);

/* One SGD step on (u, i, j); returns the step's loss. Exposed for tests. */
float bpr_step(bpr_model *m, uint32_t u, uint32_t i, uint32_t j, float lr, float reg, float reg_bias);

#endif
