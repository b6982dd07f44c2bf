/*
** mips: see mips.h.
**
** Work split: query blocks of MIPS_BQ rows are handed out through an atomic
** counter; a thread computes C = Qb * Xb^T for item blocks of MIPS_BX
** columns (C stays in L2), masks excluded items with -inf, and feeds each row
** to that query's heap. A 16-wide "any score above threshold" test skips the
** heap for nearly all of C.
*/
#include "mips.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "topk.h"

#define MIPS_BQ 64
#define MIPS_BX 4096

typedef struct mips_job mips_job;
struct mips_job {
  const float *Q, *X;
  uint32_t nq, nx, dim; /* dim includes the bias column if any */
  uint32_t k;
  const csr *exclude;
  progress *prog;
  atomic_uint next_block;
  atomic_int failed;
  mips_result *out;
};

/* Feeds row c[0..n) (items x0..x0+n-1) to heap t; scores of -inf are skipped. */
static void scan_row(topk *t, const float *c, uint32_t n, uint32_t x0) {
  uint32_t j = 0;
  float thr = (float)topk_threshold(t);
  for (; j + 16 <= n; j += 16) {
    int any = 0;
    for (int l = 0; l < 16; l++) any |= c[j + l] > thr;
    if (!any) continue;
    for (int l = 0; l < 16; l++) {
      float s = c[j + l];
      if (s > thr) {
        topk_push(t, s, x0 + j + (uint32_t)l);
        thr = (float)topk_threshold(t);
      }
    }
  }
  for (; j < n; j++) {
    float s = c[j];
    if (s > thr) {
      topk_push(t, s, x0 + j);
      thr = (float)topk_threshold(t);
    }
  }
}

static void mips_worker(void *arg, int tid) {
  mips_job *jb = arg;
  float *C = malloc(sizeof(float) * MIPS_BQ * MIPS_BX);
  topk *heaps = calloc(MIPS_BQ, sizeof *heaps);
  size_t *cursor = malloc(sizeof(size_t) * MIPS_BQ);
  int ok = C && heaps && cursor;
  for (int q = 0; ok && q < MIPS_BQ; q++) ok = topk_init(&heaps[q], jb->k) == 0;
  if (!ok) atomic_store(&jb->failed, 1);
  while (ok && !atomic_load(&jb->failed)) {
    if (tid == 0) progress_poll(jb->prog);
    if (progress_stopped(jb->prog)) break;
    uint32_t b = atomic_fetch_add(&jb->next_block, 1);
    uint32_t q0 = b * MIPS_BQ;
    if (q0 >= jb->nq) break;
    uint32_t bq = jb->nq - q0 < MIPS_BQ ? jb->nq - q0 : MIPS_BQ;
    for (uint32_t q = 0; q < bq; q++) {
      topk_reset(&heaps[q]);
      cursor[q] = jb->exclude && q0 + q < jb->exclude->n_rows ? jb->exclude->ptr[q0 + q] : 0;
    }
    for (uint32_t x0 = 0; x0 < jb->nx; x0 += MIPS_BX) {
      uint32_t bx = jb->nx - x0 < MIPS_BX ? jb->nx - x0 : MIPS_BX;
      if (blas_sgemm(BLAS_N, BLAS_T, bq, bx, jb->dim, 1.0f, jb->Q + (size_t)q0 * jb->dim, jb->dim,
                     jb->X + (size_t)x0 * jb->dim, jb->dim, 0.0f, C, bx)) {
        atomic_store(&jb->failed, 1);
        break;
      }
      for (uint32_t q = 0; q < bq; q++) {
        float *row = C + (size_t)q * bx;
        if (jb->exclude && q0 + q < jb->exclude->n_rows) {
          const csr *ex = jb->exclude;
          size_t end = ex->ptr[q0 + q + 1], c = cursor[q];
          while (c < end && ex->idx[c] < x0 + bx) {
            if (ex->idx[c] >= x0) row[ex->idx[c] - x0] = -INFINITY;
            c++;
          }
          cursor[q] = c;
        }
        scan_row(&heaps[q], row, bx, x0);
      }
    }
    for (uint32_t q = 0; q < bq; q++) {
      size_t n = topk_sort(&heaps[q]);
      uint32_t *item = jb->out->item + (size_t)(q0 + q) * jb->k;
      float *score = jb->out->score + (size_t)(q0 + q) * jb->k;
      for (size_t r = 0; r < n; r++) {
        item[r] = heaps[q].id[r];
        score[r] = (float)heaps[q].score[r];
      }
      jb->out->count[q0 + q] = (uint32_t)n;
    }
  }
  if (heaps)
    for (int q = 0; q < MIPS_BQ; q++) topk_free(&heaps[q]);
  free(heaps);
  free(C);
  free(cursor);
}

void mips_result_free(mips_result *r) {
  free(r->item);
  free(r->score);
  free(r->count);
  memset(r, 0, sizeof *r);
}

/* Copies M (n x dim) into a new n x (dim + 1) matrix whose last column is
** col (or 1 when col is NULL). */
static float *augment(const float *M, uint32_t n, uint32_t dim, const float *col) {
  float *A = malloc(sizeof(float) * ((size_t)n * (dim + 1) + 1));
  if (!A) return NULL;
  for (uint32_t r = 0; r < n; r++) {
    memcpy(A + (size_t)r * (dim + 1), M + (size_t)r * dim, sizeof(float) * dim);
    A[(size_t)r * (dim + 1) + dim] = col ? col[r] : 1.0f;
  }
  return A;
}

rs_status mips_topk(const float *Q, uint32_t nq, const float *X, const float *bias, uint32_t nx, uint32_t dim,
                    uint32_t k, const csr *exclude, int threads, progress *prog, mips_result *out) {
  memset(out, 0, sizeof *out);
  out->k = k;
  out->item = malloc(sizeof(uint32_t) * ((size_t)nq * k + 1));
  out->score = malloc(sizeof(float) * ((size_t)nq * k + 1));
  out->count = calloc((size_t)nq + 1, sizeof(uint32_t));
  float *Qa = NULL, *Xa = NULL;
  if (!out->item || !out->score || !out->count) goto oom;
  if (bias) {
    Qa = augment(Q, nq, dim, NULL);
    Xa = augment(X, nx, dim, bias);
    if (!Qa || !Xa) goto oom;
  }
  mips_job jb;
  jb.Q = bias ? Qa : Q;
  jb.X = bias ? Xa : X;
  jb.nq = nq;
  jb.nx = nx;
  jb.dim = bias ? dim + 1 : dim;
  jb.k = k;
  jb.exclude = exclude;
  jb.prog = prog;
  jb.out = out;
  atomic_init(&jb.next_block, 0);
  atomic_init(&jb.failed, 0);
  if (threads < 1) threads = 1;
  uint32_t blocks = (nq + MIPS_BQ - 1) / MIPS_BQ;
  if ((uint32_t)threads > blocks) threads = blocks ? (int)blocks : 1;
  /* each thread runs its own single-threaded products (blas.h) */
  if (nq && nx) parallel_run(threads, mips_worker, &jb);
  free(Qa);
  free(Xa);
  rs_status st = parallel_outcome(atomic_load(&jb.failed), prog);
  if (st) mips_result_free(out);
  return st;
oom:
  free(Qa);
  free(Xa);
  mips_result_free(out);
  return RS_NOMEM;
}
