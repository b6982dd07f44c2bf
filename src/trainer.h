/*
** trainer: the interface between a training method (bpr.c, contrastive.c;
** item2vec or another loss later) and whoever runs it, and the epoch loop
** that runs it.
**
** A method is a trainer_ops: `begin` allocates the model (random start) and
** the method's state for one configuration over the positives of a sampler,
** `epoch` runs one pass with the learning rate scaled by lr_scale, `end`
** frees the state. trainer_run owns the loop around them:
**
**   - the learning-rate schedule: lr_scale decays linearly from 1 at epoch 0
**     to lr_final at epoch `horizon` - 1 (so a run stopped early follows the
**     same schedule as the full run, and a refit for n epochs reproduces the
**     first n epochs of the run that chose n);
**   - divergence: after every epoch a non-finite loss or parameter ends the
**     run with RS_DIVERGED, the epoch in stats->epochs;
**   - the hook after every epoch (progress, validation, early stopping).
**
** The epoch order of a method indexes interactions with uint32: runs over
** more than TRAINER_MAX_INTERACTIONS interactions are refused with RS_TOOBIG
** before anything is allocated.
*/
#ifndef RECSQL_TRAINER_H
#define RECSQL_TRAINER_H

#include <stdint.h>

#include "parallel.h"
#include "sampler.h"
#include "status.h"

#define TRAINER_MAX_INTERACTIONS 4294967295u /* 2^32 - 1 */

/* A factor model: score(u, i) = dot(user[u], item[i]) + bias[i]. */
typedef struct bpr_model bpr_model;
struct bpr_model {
  uint32_t n_users, n_items, dim;
  float *user; /* n_users x dim */
  float *item; /* n_items x dim */
  float *bias; /* n_items */
};

void bpr_model_free(bpr_model *m);
/* Allocates an n_users x n_items model of dim (values unset; bias 0).
** Returns RS_OK or RS_NOMEM (m empty). */
rs_status bpr_model_alloc(bpr_model *m, uint32_t n_users, uint32_t n_items, uint32_t dim);
/* dst = a copy of src (dst allocated when empty, else of the same shape). */
rs_status bpr_model_copy(bpr_model *dst, const bpr_model *src);

typedef struct trainer_ops trainer_ops;
struct trainer_ops {
  const char *name;
  /* cfg: the method's own config (bpr_config, contrastive_config, ...). */
  rs_status (*begin)(const void *cfg, const sampler *s, bpr_model *model, void **state);
  /* One epoch (0-based e): mean loss of its steps into *loss, steps into
  ** *samples. RS_OK, RS_STOPPED (prog asked), RS_NOMEM. */
  rs_status (*epoch)(void *state, uint32_t e, float lr_scale, progress *prog, double *loss,
                     uint64_t *samples);
  void (*end)(void *state);
  /* Optional (NULL = nothing): puts a trained model in the form written and
  ** ranked by dot + bias (triplet.c: unit rows). The driver's
  ** post-processing (train_postprocess) calls it first. */
  void (*finish)(const void *cfg, bpr_model *m);
  /* Optional: the score's last step, after all post-processing changed the
  ** rows (triplet.c: the L2 bias -|q|^2 / 2 of the final item rows). */
  void (*rank)(const void *cfg, bpr_model *m);
};

typedef struct bpr_stats bpr_stats;
struct bpr_stats {
  uint32_t epochs;  /* epochs completed (on RS_DIVERGED: the epoch that diverged) */
  uint64_t samples; /* steps taken */
  double seconds;
  double final_loss; /* mean loss (without regularization) of the last epoch */
};

/* Called after each epoch with the model as it is. Returns RS_OK to go on,
** TRAINER_FINISH to end the run successfully now, or an rs_status error
** that ends it with that status. */
#define TRAINER_FINISH (-1)
typedef int (*trainer_hook)(void *ctx, uint32_t epoch, double loss, const bpr_stats *st, const bpr_model *m);

/* Runs ops for up to `epochs` epochs under the schedule of `horizon` epochs
** (horizon >= epochs; 0 = epochs). On RS_OK the model is filled (free with
** bpr_model_free); on any error it is freed. */
rs_status trainer_run(const trainer_ops *ops, const void *cfg, const sampler *s, uint32_t epochs,
                      uint32_t horizon, float lr_final, progress *prog, trainer_hook hook, void *ctx,
                      bpr_model *model, bpr_stats *stats);

#endif
