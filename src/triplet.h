/*
** triplet: embeddings trained with the triplet (hinge) loss of
** embedding-based retrieval (EBR, Huang et al., 2020; FaceNet, Schroff et
** al., 2015): for a user u, a positive item i and a negative item j,
**
**   loss = max(0, D(u, i) - D(u, j) + margin) + reg/2 (|P[u]|^2 + |Q[i]|^2 + |Q[j]|^2)
**
** with D the cosine distance 1 - cos(P[u], Q[i]) (EBR's choice) or the
** Euclidean distance |P[u] - Q[i]|. A triple costs nothing once the negative
** is margin farther than the positive, so random negatives soon stop
** teaching; semi-hard choice (FaceNet) draws n_neg candidates and keeps one:
** the nearest negative that is still farther than the positive (D(u, j) >
** D(u, i)), or, when every candidate is nearer, the farthest of them (the
** rule of TensorFlow's triplet_semihard_loss). Without it each of the n_neg
** random negatives gives its own triple.
**
** The model written ranks like the distance, by dot product + bias: with
** the cosine distance the rows are scaled to unit length and biases are 0
** (dot = cos); with L2 the bias of item i is -|Q[i]|^2 / 2, since
** -|p - q|^2 / 2 = dot(p, q) - |q|^2 / 2 - |p|^2 / 2 and the last term is
** the same for all of a user's items.
**
** Plain SGD over the epoch of src/sgd.c (Hogwild threads; with threads = 1
** a seed gives bit-identical models) in the driver's loop (trainer.h: linear
** learning-rate decay, divergence); the ranking form is triplet_ops'
** finish, applied by the driver's post-processing (train_postprocess).
*/
#ifndef RECSQL_TRIPLET_H
#define RECSQL_TRIPLET_H

#include <stdint.h>

#include "sgd.h"
#include "trainer.h"

typedef enum { TRIPLET_COSINE = 0, TRIPLET_L2 = 1 } triplet_distance;

typedef struct triplet_config triplet_config;
struct triplet_config {
  sgd_config sgd;
  triplet_distance distance;
  float margin;
  uint32_t n_neg; /* random negatives per positive, or candidates with semi_hard */
  int semi_hard;
  float reg;
};

/* The method for the training driver (trainer.h); cfg is a triplet_config.
** The loss of an epoch is the mean hinge of its triples; finish puts the
** model in the ranking form above. */
extern const trainer_ops triplet_ops;

/* trainer_run of triplet_ops for cfg->sgd.epochs on the sampler's
** positives, negatives from its strategy, then the ranking form. Returns
** as trainer_run. */
rs_status triplet_train(const triplet_config *cfg, const sampler *s, progress *prog, trainer_hook hook,
                        void *ctx, bpr_model *model, bpr_stats *stats);

/* D(p, q) of the kind (cosine distance or Euclidean). */
float triplet_dist(const float *p, const float *q, uint32_t d, triplet_distance kind);

/* The hinge of one triple (p, qi, qj), without regularization. When
** grad is not NULL, its gradient: grad[0..d) with respect to p, grad[d..2d)
** to qi, grad[2d..3d) to qj (zero when the hinge is inactive). Exposed for
** tests. */
float triplet_loss(const float *p, const float *qi, const float *qj, uint32_t d, triplet_distance kind,
                   float margin, float *grad);

/* One SGD step on (u, i, j); returns its hinge. work: 3 * dim private
** floats (the rows are copied in and out, hogwild.h). */
float triplet_step(bpr_model *m, uint32_t u, uint32_t i, uint32_t j, const triplet_config *cfg, float lr,
                   float *work);

/* Of the candidates js[0..n), n >= 1, the semi-hard negative for (u, i)
** (above). work: 2 * dim private floats. */
uint32_t triplet_semi_hard(const bpr_model *m, uint32_t u, uint32_t i, const uint32_t *js, uint32_t n,
                           triplet_distance kind, float *work);

/* Puts a trained model in the ranking form (above). */
void triplet_finish(bpr_model *m, triplet_distance kind);

#endif
