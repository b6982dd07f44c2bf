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
#include "status.h"

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

typedef struct bpr_model bpr_model;
struct bpr_model {
  uint32_t n_users, n_items, dim;
  float *user; /* n_users x dim */
  float *item; /* n_items x dim */
  float *bias; /* n_items */
};

/* Called on the calling thread after each epoch; nonzero return stops. */
typedef int (*bpr_epoch_fn)(void *ctx, uint32_t epoch, double loss, double seconds, uint64_t samples);

typedef struct bpr_stats bpr_stats;
struct bpr_stats {
  uint32_t epochs;  /* epochs completed */
  uint64_t samples; /* SGD steps taken */
  double seconds;
  double final_loss; /* mean BPR loss (without regularization) of the last epoch */
};

/* The most positives a trainer takes (2^32 - 1: epochs shuffle 32-bit indices). */
#define BPR_MAX_POSITIVES 4294967295u

/* Trains on the sampler's positives. Returns 0, -1 when out of memory, 1 when
** stopped (by prog or on_epoch), RS_TOOBIG (2, src/status.h) when there are
** more than BPR_MAX_POSITIVES positives. On 0 the model is filled (free with
** bpr_model_free). */
int bpr_train(const bpr_config *cfg, const sampler *s, progress *prog, bpr_epoch_fn on_epoch, void *ctx,
              bpr_model *model, bpr_stats *stats);

void bpr_model_free(bpr_model *m);

/* One SGD step on (u, i, j); returns the step's loss. Exposed for tests. */
float bpr_step(bpr_model *m, uint32_t u, uint32_t i, uint32_t j, float lr, float reg, float reg_bias);

#endif
