/*
** sgd: the epoch loop of the per-example SGD trainers (src/pointwise.c,
** src/triplet.c): the model's initialization, the positives of each epoch,
** Hogwild threads, the learning-rate schedule, progress, the epoch callback
** and the divergence check. A trainer supplies what one positive does.
**
** As in bpr_train (src/bpr.c): an epoch visits every interaction once in a
** fresh random order (uniform, popularity and exposure samplers), or draws
** as many (user, positive) pairs as LearnBPR does (bootstrap); threads share
** the model without locks; thread t of epoch e draws from rng stream
** (seed, e * T + t + 1), so threads = 1 gives bit-identical models; the
** learning rate decays linearly from lr to lr * lr_final.
*/
#ifndef RECSQL_SGD_H
#define RECSQL_SGD_H

#include <stdint.h>

#include "bpr.h"
#include "parallel.h"
#include "rng.h"
#include "sampler.h"
#include "status.h"

typedef struct sgd_config sgd_config;
struct sgd_config {
  uint32_t dim, epochs;
  float lr, lr_final; /* lr_final: fraction of lr reached at the last epoch */
  float init_std;     /* embeddings start as N(0, init_std^2); biases at 0 */
  int threads;
  uint64_t seed;
};

/* What one positive (u, i) does, on a worker thread: draw its negatives from
** s with g, update m with step size lr, add its loss terms to *loss and
** their number to *terms. trainer: the trainer's own configuration. */
typedef void (*sgd_positive_fn)(const void *trainer, bpr_model *m, const sampler *s, rng *g, uint32_t u,
                                uint32_t i, float lr, double *loss, uint64_t *terms);

/* Trains a model of s->pos->n_rows users and s->n_items items. Returns
** RS_OK (the model filled; free it with bpr_model_free), RS_NOMEM,
** RS_STOPPED (by prog or on_epoch) or RS_DIVERGED (an epoch's mean loss was
** not finite). stats->samples counts loss terms. */
rs_status sgd_train(const sgd_config *cfg, const sampler *s, sgd_positive_fn fn, const void *trainer,
                    progress *prog, bpr_epoch_fn on_epoch, void *ctx, bpr_model *model, bpr_stats *stats);

#endif
