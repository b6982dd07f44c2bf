/*
** sgd: the epoch of the per-example SGD trainers (src/bpr.c,
** src/pointwise.c, src/triplet.c) as the begin/epoch/end of a trainer_ops
** (trainer.h, whose trainer_run owns the loop, the learning-rate schedule
** and the divergence check): the model's initialization, the positives of
** each epoch, Hogwild threads, progress. A trainer supplies what one
** positive does.
**
** An epoch visits every interaction once in a fresh random order (uniform,
** popularity and exposure samplers), or draws as many (user, positive)
** pairs as LearnBPR does (bootstrap); threads share the model without locks
** and without data races (the trainers access it through hogwild.h);
** thread t of epoch e draws from rng stream (seed, e * T + t + 1), so
** threads = 1 gives bit-identical models.
*/
#ifndef RECSQL_SGD_H
#define RECSQL_SGD_H

#include <stdint.h>

#include "parallel.h"
#include "rng.h"
#include "sampler.h"
#include "status.h"
#include "trainer.h"

typedef struct sgd_config sgd_config;
struct sgd_config {
  uint32_t dim, epochs;
  float lr, lr_final; /* lr_final: fraction of lr reached at the last epoch */
  float init_std;     /* embeddings start as N(0, init_std^2); biases at 0 */
  int threads;
  uint64_t seed;
};

/* Private floats per thread (sgd_positive_fn's work), in rows of dim. */
#define SGD_WORK_ROWS 4

/* What one positive (u, i) does, on a worker thread: draw its negatives from
** s with g, update m with step size lr, add its loss terms to *loss and
** their number to *terms. trainer: the trainer's own configuration; work:
** SGD_WORK_ROWS * dim floats of the thread's own, for copies of the shared
** rows (every access to m goes through hogwild.h). */
typedef void (*sgd_positive_fn)(const void *trainer, bpr_model *m, const sampler *s, rng *g, uint32_t u,
                                uint32_t i, float lr, float *work, double *loss, uint64_t *terms);

typedef struct sgd_state sgd_state;

/* A trainer_ops begin: allocates model (n_users x n_items of cfg->dim,
** random start) and the state of a run of fn over s's positives. trainer
** (passed to fn) must outlive the run. RS_OK, RS_NOMEM or RS_TOOBIG. */
rs_status sgd_begin(const sgd_config *cfg, sgd_positive_fn fn, const void *trainer, const sampler *s,
                    bpr_model *model, void **state);
/* A trainer_ops epoch: one pass at lr * lr_scale; *loss is the mean over
** the epoch's loss terms, *samples their number. */
rs_status sgd_epoch(void *state, uint32_t e, float lr_scale, progress *prog, double *loss, uint64_t *samples);
/* A trainer_ops end. */
void sgd_end(void *state);

#endif
