/*
** contrastive: matrix factorization trained on many negatives per positive,
** in mini-batches whose negatives are shared, with the scores of a batch
** computed by OpenBLAS sgemm (the many-negative trainer behind bpr_train's
** loss = 'softmax' and loss = 'ccl').
**
** A batch takes B positives (u, i) in a fresh random order each epoch and N
** negative items drawn once for the whole batch (uniformly, or by popularity
** count^power). With P the batch's user rows and Q the positive and negative
** item rows:
**
**   softmax  scores s = dot(p, q) (or cosine with `cosine`), logits s / tau;
**            loss = -log softmax of the positive among itself and the N
**            negatives; negatives drawn by popularity get the log-Q
**            correction (logit - log(N q_j)) so the estimate is unbiased.
**   ccl      cosine contrastive loss (SimpleX, Mao et al. 2021):
**            loss = (1 - cos(p, q_i)) + w / N * sum_j max(0, cos(p, q_j) - margin)
**
** plus reg/2 |row|^2 on every row a batch touches. Rows are updated with
** Adam (lazy: only the rows a batch touches, each with its own step count).
** Item biases are not used (they are written as 0). Deterministic for a seed
** and a thread count.
*/
#ifndef RECSQL_CONTRASTIVE_H
#define RECSQL_CONTRASTIVE_H

#include <stdint.h>

#include "bpr.h"
#include "parallel.h"
#include "sampler.h"

typedef enum { CL_SOFTMAX = 1, CL_CCL = 2 } contrastive_loss;

typedef struct contrastive_config contrastive_config;
struct contrastive_config {
  contrastive_loss loss;
  uint32_t dim, epochs;
  uint32_t batch;     /* positives per batch */
  uint32_t n_neg;     /* shared negatives per batch */
  float lr, lr_final; /* Adam step size, linear decay to lr * lr_final */
  float reg;
  float tau;                /* softmax temperature */
  int cosine;               /* softmax on cosine similarities */
  float margin, neg_weight; /* ccl */
  int popularity;           /* negatives by count^power instead of uniformly */
  int in_batch;             /* the batch's other positives are negatives too */
  double power;
  float init_std;
  int threads;
  uint64_t seed;
};

/* The method for the training driver (trainer.h); cfg is a contrastive_config.
** It uses the positives of the sampler (not its strategy: negatives follow
** cfg->popularity). */
extern const trainer_ops contrastive_ops;

/* trainer_run of contrastive_ops for cfg->epochs. Same results as bpr_train. */
rs_status contrastive_train(const contrastive_config *cfg, const sampler *s, progress *prog,
                            trainer_hook hook, void *ctx, bpr_model *model, bpr_stats *stats);

/* Loss of one batch and, when grad_p/grad_q are not NULL, its gradient with
** respect to the B user rows P and the B + N item rows Q (positives first).
** ids (may be NULL) are the B + N item ids: a negative that is the row's own
** positive item is left out. logq (may be NULL) is subtracted from the
** candidates' logits: N values, or B + N with in_batch (where candidate b of
** row b is its positive and is not corrected). Exposed for tests (checked
** against finite differences). Returns -1 when out of memory. */
double contrastive_batch_loss(const contrastive_config *cfg, const float *P, const float *Q, uint32_t B,
                              uint32_t N, const uint32_t *ids, const float *logq, float *grad_p,
                              float *grad_q);

#endif
