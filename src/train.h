/*
** train: the training driver behind every trainer of recsql (bpr_train's
** losses today; any method written as trainer_ops tomorrow). The binding
** (ext/) parses, reads the data, calls train_run and writes the tables; all
** training policy lives here:
**
**   1. options -> config: train_resolve turns the options a caller gave
**      (train_params, NaN = not given) into a train_plan for a factor-model
**      family, with the family defaults of train_family_defaults and the
**      defaults that follow the data size (negatives per batch at most
**      TRAIN_NEG_FRACTION of the catalog);
**   2. validation split: a seeded fraction of each user's interactions, or
**      given pairs, held out of what the sampler sees (train_split);
**   3. the epoch loop (trainer_run of trainer.h): learning-rate schedule,
**      divergence check after every epoch (RS_DIVERGED, the epoch in
**      train_result.epochs), interrupts through the progress (RS_STOPPED);
**   4. validation every eval_every epochs: the model as it will be written
**      (post-processed) scored by full ranking, train items excluded
**      (Recall@k or NDCG@k over the users with held-out pairs, the protocol
**      of the metrics aggregates); the score that decides is the moving
**      average of the last `smooth` evaluations (one evaluation's noise does
**      not decide); the model at the best smoothed score is kept as a
**      snapshot; training stops after `patience` evaluations without a gain
**      and not before TRAIN_STOP_GROWTH times the best epoch; a run that
**      was not stopped and whose last average is within the noise of the
**      best (train_noise) keeps its last epoch;
**   5. refit (the default; refit = 0 keeps the snapshot): a fresh run on
**      all interactions for the chosen
**      number of epochs, under the same learning-rate schedule;
**   6. post-processing: graph propagation (propagate.h) and item_norm.
**
** Usage (see ext/bpr_train.c):
**
**   train_params p;  train_params_init(&p);  p.dim = 32;  ...
**   train_plan plan; train_resolve(TRAIN_BPR, &p, n_items, &plan);
**   train_data d = {&pos, NULL, SAMPLER_UNIFORM, 0.75, NULL};
**   train_result r; rs_status s = train_run(&plan.drv, &d, &prog, report, ctx, &r);
**   ... write r.model, read r.curve ...; train_result_free(&r);
**
** A new method fills a train_config itself: ops and its own config in
** `method`, the driver fields as below; train_config_init gives the
** defaults common to every trainer (docs/training.md).
*/
#ifndef RECSQL_TRAIN_H
#define RECSQL_TRAIN_H

#include <stdint.h>

#include "bpr.h"
#include "contrastive.h"
#include "csr.h"
#include "parallel.h"
#include "pointwise.h"
#include "sampler.h"
#include "status.h"
#include "trainer.h"
#include "triplet.h"

typedef enum {
  TRAIN_BPR = 0,
  TRAIN_SOFTMAX = 1,
  TRAIN_CCL = 2,
  TRAIN_BCE = 3,     /* pointwise.h */
  TRAIN_TRIPLET = 4, /* triplet.h */
  TRAIN_FAMILIES = 5
} train_family;
/* NULL-terminated names, in enum order: "bpr", "softmax", "ccl", "bce",
** "triplet". */
extern const char *const train_family_names[];

typedef enum { TRAIN_RECALL = 0, TRAIN_NDCG = 1 } train_metric;
extern const char *const train_metric_names[]; /* "recall", "ndcg", NULL */

/* Shared negatives per batch are at most this fraction of the catalog
** (at least TRAIN_NEG_MIN): a small catalog is not paid more per
** interaction than a large one. */
#define TRAIN_NEG_FRACTION 0.125
#define TRAIN_NEG_MIN 16
/* A user needs this many interactions to have any held out. */
#define TRAIN_SPLIT_MIN_DEGREE 3
/* Users that hold out pairs, by default: a sample, so that an evaluation
** costs at most this many users x the catalog, and the data held out of
** training stays a small part of a large data set. */
#define TRAIN_VALIDATION_USERS 5000
/* Early stopping never stops before this many times the best epoch: a
** curve that still rises slowly through noise keeps making new bests later
** and later, so it runs on; one that peaked early stops soon after. */
#define TRAIN_STOP_GROWTH 1.5
/* Evaluations in the moving average that early stopping maximizes. */
#define TRAIN_SMOOTH 3

/* The defaults that depend on the family (one table: train.c). */
typedef struct train_defaults train_defaults;
struct train_defaults {
  uint32_t dim, epochs, n_neg, propagate;
  double lr, reg, item_norm;
};
const train_defaults *train_family_defaults(train_family f);

/* Options as given; NaN (train_params_init) = the default. */
typedef struct train_params train_params;
struct train_params {
  double dim, epochs, n_neg, lr, lr_final, reg, reg_bias, init_std; /* every family */
  double batch, tau, cosine, margin, neg_weight, in_batch;          /* softmax, ccl */
  double distance, semi_hard;  /* triplet (distance: a triplet_distance); margin too */
  double propagate, item_norm; /* post-processing */
  double validation, validation_users, metric, k, eval_every, patience, smooth, refit; /* validation */
  double threads;
  int64_t seed;   /* exact: seeds never pass through a double */
  int popularity; /* negatives by count^power (softmax, ccl) */
  double power;
};
void train_params_init(train_params *p);

/* What the driver needs, whatever the method. */
typedef struct train_config train_config;
struct train_config {
  const trainer_ops *ops;
  const void *method;        /* the method's config (bpr_config, contrastive_config, ...) */
  uint32_t epochs;           /* at most this many (the lr schedule's horizon) */
  float lr_final;            /* lr scale reached at epoch `epochs` */
  uint32_t propagate;        /* post-processing: layers of graph propagation */
  int propagate_unit;        /* unit rows before propagating (cosine-trained) */
  double item_norm;          /* post-processing: items divided by |q|^item_norm */
  double validation;         /* fraction held out of each user's interactions; 0 = none */
  uint32_t validation_users; /* users that hold out pairs (a seeded sample); 0 = all */
  train_metric metric;       /* what early stopping maximizes */
  uint32_t k;                /* the metric's cutoff */
  uint32_t eval_every;       /* epochs between evaluations (and at the last epoch) */
  uint32_t patience;         /* evaluations without gain before stopping; 0 = never stop early */
  uint32_t smooth;           /* evaluations in the moving average compared (1 = each alone) */
  int refit;                 /* retrain on all interactions for the chosen epochs (default 1) */
  int threads;
  uint64_t seed;
};
/* The defaults common to every trainer: no validation, recall@20, eval
** every 5 epochs, patience 3, smooth 3, 5000 validation users, refit, no
** post-processing, cores threads. */
void train_config_init(train_config *c);

/* A resolved factor-model family; drv.method points into it: do not copy. */
typedef struct train_plan train_plan;
struct train_plan {
  train_family family;
  double power; /* popularity exponent of the sampler */
  bpr_config bpr;
  contrastive_config cl;
  pointwise_config pw;
  triplet_config tr;
  train_config drv;
};
/* The learning rate and init_std of a resolved plan (for messages). */
void train_plan_lr(const train_plan *plan, double *lr, double *init_std);
/* Fills plan from the family's defaults and the given params; n_items
** (the catalog) bounds the shared negatives. */
void train_resolve(train_family f, const train_params *p, uint32_t n_items, train_plan *plan);

typedef struct train_data train_data;
struct train_data {
  const csr *pos;        /* every interaction: users x items */
  const csr *validation; /* given validation pairs (same shape), or NULL; removed from training */
  sampler_strategy strategy;
  double power;         /* popularity exponent */
  const csr *exposures; /* SAMPLER_EXPOSURE only */
};

/* One evaluation. */
typedef struct train_point train_point;
struct train_point {
  uint32_t epoch;
  double loss, metric, seconds;
};

/* Sent after every epoch (metric NaN when not evaluated) and for refit. */
typedef struct train_event train_event;
struct train_event {
  const char *phase; /* "train" or "refit" */
  uint32_t epoch, epochs;
  double loss, metric, seconds;
  uint64_t samples;
};
typedef void (*train_report_fn)(void *ctx, const train_event *ev);

typedef struct train_result train_result;
struct train_result {
  bpr_model model;           /* the model to write (post-processed) */
  uint32_t epochs;           /* epochs run (RS_DIVERGED: the epoch that diverged) */
  uint64_t samples;          /* steps, refit included */
  double seconds;            /* all of it: training, validation, refit */
  double final_loss;         /* loss of the last epoch run */
  size_t train_pairs;        /* interactions the sampler saw (first run) */
  size_t validation_pairs;   /* held out (0 without validation) */
  uint32_t validation_users; /* users with held-out pairs */
  uint32_t best_epoch;       /* the epoch whose model is written (validation) */
  double best_metric;        /* its evaluation's score */
  double best_smoothed;      /* the moving average that chose it */
  uint32_t refit_epochs;     /* 0 without refit */
  int stopped_early;         /* patience ran out before `epochs` */
  train_point *curve;        /* the evaluations, in order */
  uint32_t n_curve;
  const char *invalid; /* RS_INVALID: why, a static printf format whose one %s is the source */
  int in_refit;        /* the error happened during the refit */
};
void train_result_free(train_result *r);

/* The mean metric of the last min(w, n) points of curve[0..n) (w 0 as 1). */
double train_smoothed(const train_point *curve, uint32_t n, uint32_t w);

/* The noise of one evaluation: the standard deviation estimated from the
** successive differences of the second half of curve[0..n) (von Neumann's
** estimator, insensitive to a slow trend); 0 with fewer than 2 points. */
double train_noise(const train_point *curve, uint32_t n);

/* Whether early stopping ends training after an evaluation at `epoch` that
** gained nothing: `patience` evaluations (every eval_every epochs) without a
** gain since best_epoch, and epoch >= TRAIN_STOP_GROWTH * best_epoch. */
int train_patience_out(uint32_t epoch, uint32_t best_epoch, uint32_t patience, uint32_t eval_every);

/* Trains cfg->ops on data under cfg. RS_OK (result filled), RS_NOMEM,
** RS_TOOBIG (more than TRAINER_MAX_INTERACTIONS interactions), RS_DIVERGED,
** RS_STOPPED, RS_INVALID (r->invalid says why). Always free r. */
rs_status train_run(const train_config *cfg, const train_data *data, progress *prog, train_report_fn report,
                    void *ctx, train_result *r);

/* The validation split: with given == NULL, each user of pos with at least
** TRAIN_SPLIT_MIN_DEGREE interactions (of a seeded sample of max_users of
** them when there are more; 0 = all) holds out round(fraction * degree) of
** them (at most degree - 1), chosen by a seeded shuffle; otherwise held =
** given, train = pos without given. RS_OK or RS_NOMEM. */
rs_status train_split(const csr *pos, double fraction, uint32_t max_users, uint64_t seed, const csr *given,
                      csr *train, csr *held);

/* Full-ranking evaluation on fixed (train, held) pairs. */
typedef struct train_eval train_eval;
struct train_eval {
  const csr *held;
  uint32_t *users; /* users with held-out pairs */
  uint32_t n_users;
  csr exclude; /* their train items, one row per user of `users` */
  float *Q;    /* their rows of the model, gathered per evaluation (dim wide) */
  uint32_t dim;
};
rs_status train_eval_init(train_eval *ev, const csr *train, const csr *held);
/* Mean metric@k over ev's users of m's ranking (score dot + bias). */
rs_status train_eval_run(train_eval *ev, const bpr_model *m, train_metric metric, uint32_t k, int threads,
                         progress *prog, double *out);
void train_eval_free(train_eval *ev);

/* The post-processing of cfg on m over the graph pos. RS_OK or RS_NOMEM. */
rs_status train_postprocess(const train_config *cfg, const csr *pos, bpr_model *m);

#endif
