/*
** skipgram: skip-gram with negative sampling (word2vec, Mikolov et al. 2013)
** over item sequences: item2vec (Barkan & Koenigstein 2016) on sessions or
** random walks (walks.h), and EGES (eges.h) when side information is given.
**
** For every position i of a sequence and every context j within a window
** (the window is drawn per position uniformly in 1..window, as word2vec
** does, so near items count more), the input vector of item s[j] is trained
** to predict s[i] against n_neg negatives drawn from count^power:
**     L = -log sigmoid(h . o_pos) - sum_k log sigmoid(-h . o_neg_k)
** with h = in[s[j]] (or EGES's H(s[j])) and o = the output vectors. The
** contexts of one position share its negatives (drawn afresh for every
** position) and take one step together (sg_block); word2vec draws them per
** pair. A negative equal to the positive is skipped. Frequent items are dropped
** from each sequence per epoch with word2vec's rule: an item of frequency f
** is kept with probability (sqrt(f / t) + 1) t / f, t = subsample (0 keeps
** everything). The learning rate decays linearly from lr to lr * 1e-4 over
** the run (by each thread's progress, so that one thread is reproducible).
** Sigmoids are computed, not tabulated (a polynomial exp, relative error
** below 2e-7, vectorized over the window's logits).
**
** Threads share the model without locks (Hogwild): thread t of epoch e takes
** its share of the sequences (balanced by item count) and draws from rng
** stream (seed, e * threads + t + 1). threads = 1 and a seed: bit-identical.
**
** An epoch is one call (sg_epoch), so that a driver can validate or stop
** between epochs; sg_epoch checks the model for non-finite values after it.
*/
#ifndef RECSQL_SKIPGRAM_H
#define RECSQL_SKIPGRAM_H

#include <stdint.h>

#include "alias.h"
#include "eges.h"
#include "parallel.h"
#include "sessions.h"
#include "status.h"

/* Most threads one run uses. */
#define SG_MAX_THREADS 64

typedef struct sg_config sg_config;
struct sg_config {
  uint32_t dim, window, n_neg, epochs;
  double power;     /* negatives drawn from count^power */
  double subsample; /* t of the down-sampling rule; 0 = off */
  float lr;         /* initial learning rate */
  int threads;      /* 1 .. SG_MAX_THREADS */
  uint64_t seed;
};

typedef struct sg_model sg_model;
struct sg_model {
  uint32_t n, dim;
  float *in;  /* n x dim: input vectors (EGES: id embeddings) */
  float *out; /* n x dim: output (context) vectors */
  eges *side; /* NULL, or the EGES parameters of the input side */
};

/* Input vectors uniform in +-0.5/dim, output vectors 0 (word2vec's start).
** RS_OK or RS_NOMEM. side (may be NULL) is the caller's. */
rs_status sg_model_init(sg_model *m, uint32_t n, uint32_t dim, eges *side, uint64_t seed);
void sg_model_free(sg_model *m);

/* What lasts across epochs. */
typedef struct sg_trainer sg_trainer;
struct sg_trainer {
  const sg_config *cfg;
  const seqs *data;
  sg_model *m;
  alias neg;       /* negatives: count^power */
  float *keep;     /* per item: probability of keeping an occurrence */
  uint32_t *split; /* threads + 1: thread t takes sequences split[t] .. split[t + 1] */
  uint32_t max_len;
  uint64_t tokens; /* items per epoch, before subsampling */
  /* of the last epoch */
  double loss;    /* mean loss of a sample of the steps */
  uint64_t pairs; /* (input, target) pairs trained */
  double seconds;
};

/* Prepares training of m on data. RS_OK, RS_NOMEM, or RS_INVALID when the
** sequences have no item (nothing to draw negatives from). */
rs_status sg_trainer_init(sg_trainer *t, const sg_config *cfg, const seqs *data, sg_model *m);
void sg_trainer_free(sg_trainer *t);

/* Epoch number epoch (0-based, < cfg->epochs). RS_OK, RS_NOMEM (threads'
** scratch), RS_STOPPED when prog asked to stop, RS_DIVERGED when a parameter
** became NaN or infinite. */
rs_status sg_epoch(sg_trainer *t, uint32_t epoch, progress *prog);

/* One block step: inputs h[0 .. nb) all predict targets[0] (the positive)
** against targets[1 .. nt) (the negatives). Updates the output rows of the
** targets and adds -lr dL/dh_b to row b of gh (nb x dim; the caller
** applies it to h_b's parameters). g: scratch of 2 nt nb floats. Returns the
** loss before the step (summed over the inputs) when want_loss, else 0.
** The rows of out and h may be shared with other threads: they are read
** and written by relaxed atomics (hogwild.h). Exposed for tests. */
float sg_block(float *out, uint32_t dim, const float *const *h, uint32_t nb, float *gh,
               const uint32_t *targets, uint32_t nt, float lr, float *g, int want_loss);
/* sg_block with the baseline (SSE) kernels whatever the CPU has: the same
** results bit for bit. Exposed for tests. */
float sg_block_baseline(float *out, uint32_t dim, const float *const *h, uint32_t nb, float *gh,
                        const uint32_t *targets, uint32_t nt, float lr, float *g, int want_loss);

#endif
