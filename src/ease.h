/*
** ease: EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data",
** WWW 2019), the closed-form item-item model
**
**   G = XᵀX + λI,  P = G⁻¹,  B = I - P·diag(1/diag(P)),  diag(B) = 0,
**
** with X the binary users x items matrix. score(u, i) = Σ_j X[u,j]·B[j,i],
** so B[j,i] = -P[j,i] / P[i,i] is how much history item j votes for item i.
** ease_train keeps, for each item j, its top_n weights B[j,i] (i ≠ j, weight
** descending, ties by the smaller i; zero weights are left out).
**
** How it works, in one n x n float matrix (n = items modelled; in place, so
** peak memory is n²·4 bytes plus the result and O(n) vectors):
**   1. Gram matrix from the CSR by sparse accumulation: each user adds 1 to
**      G[a][b] for every pair a <= b of its items (Σ_u deg(u)² / 2 additions,
**      far fewer than a dense ssyrk's users·n² on real data); threads own
**      interleaved blocks of rows of G, so no two threads write one entry.
**   2. G + λI, Cholesky factor and inverse by LAPACK's blocked algorithms
**      (spotrf, then strtri and slauum as spotri does), written out block
**      column by block column over OpenBLAS's BLAS 3 and its unblocked
**      LAPACK routines (the upper triangle of the row-major matrix is
**      LAPACK's column-major lower triangle); then the lower triangle is
**      filled from the upper one (tiled transpose).
**   3. Row j of B from row j of P and diag(P), top_n by a heap, in parallel.
** The stop flag of prog is checked within the Gram and weight steps and
** after every block column of step 2 (one block's BLAS calls run to their
** end once started).
**
** max_items keeps the most popular items (ties by the smaller index); the
** others are left out of X entirely. λ < 0 means the default: λ =
** -lambda · mean(diag(XᵀX)), i.e. a multiple of the mean item popularity
** (see docs/ease_train.md for the measurements behind it).
*/
#ifndef RECSQL_EASE_H
#define RECSQL_EASE_H

#include <stddef.h>
#include <stdint.h>

#include "csr.h"
#include "parallel.h"
#include "status.h"

typedef struct ease_params ease_params;
struct ease_params {
  double lambda;      /* > 0: λ itself; < 0: -lambda times the mean item popularity */
  uint32_t top_n;     /* weights kept per item, >= 1 */
  uint32_t max_items; /* 0: every item */
  size_t max_bytes;   /* memory the n x n matrix may take; 0: physical memory */
  int threads;        /* >= 1 */
  uint32_t block;     /* block columns of the inverse; 0: 1024 */
};

/* Default scaled λ: ease_params.lambda = -EASE_LAMBDA_SCALE. */
#define EASE_LAMBDA_SCALE 5.0

typedef struct ease_result ease_result;
struct ease_result {
  uint32_t n;      /* items modelled */
  uint32_t *item;  /* n: source item index of model item m, ascending */
  uint32_t k;      /* slots per row */
  uint32_t *count; /* n: weights kept for model item m */
  uint32_t *nb;    /* n x k: neighbour, as a source item index */
  float *w;        /* n x k: weight B[m, nb], best first */
  double lambda;   /* λ used */
  size_t bytes;    /* bytes of the n x n matrix (also set on RS_TOOBIG) */
  size_t limit;    /* the memory limit it was checked against */
  uint32_t fit;    /* largest item count whose matrix fits in limit */
  double seconds_gram, seconds_inverse, seconds_weights;
};

/* Physical memory in bytes (sysconf), 0 if unknown. */
size_t ease_physical_memory(void);

/* Bytes of the n x n float matrix (SIZE_MAX when it overflows). */
size_t ease_matrix_bytes(uint32_t n);

/* Trains on ui (users x n_items). Returns RS_OK; RS_TOOBIG when the matrix
** does not fit (out->bytes, limit and fit say by how much; nothing else is
** allocated); RS_NOMEM; RS_STOPPED when prog asked to stop; RS_INVALID when
** the factorization failed (λ too small for a singular XᵀX). On failure out
** holds nothing to free but is safe to pass to ease_result_free. */
rs_status ease_train(const csr *ui, uint32_t n_items, const ease_params *p, progress *prog, ease_result *out);
void ease_result_free(ease_result *r);

#endif
