/*
** blas: the one place where recsql multiplies dense matrices.
**
**   blas_sgemm(BLAS_N, BLAS_T, m, n, k, 1, A, lda, B, ldb, 0, C, ldc);
**   computes C = alpha op(A) op(B) + beta C, row-major, like cblas_sgemm.
**
** Every call runs on the calling thread only and touches no process-wide
** state: callers parallelize by calling it from their own threads (mips,
** contrastive), or through blas_sgemm_threads, which splits the rows of C
** over a parallel_run pool. OpenBLAS's thread count, which belongs to the
** host application, is never read or written.
**
** How: GotoBLAS-style blocking (pack a KC x NC block of op(B) into NR-wide
** column strips and a MC x KC block of op(A) into MR-tall row strips, then an
** MR x NR register-blocked micro-kernel walks them), with micro-kernels for
** AVX-512 (8 x 32), AVX2+FMA (6 x 16) and portable C (4 x 8), chosen once
** from the CPU at the first call. Packing reads A and B through strides, so
** the transposes cost nothing extra. The summation order over k is fixed for
** a given path, so results are reproducible run to run.
**
** Path: blas_set_path() may force one ("openblas" routes to cblas_sgemm,
** single calls only, with the host's OpenBLAS threads); RECSQL_BLAS in the
** environment does the same at first use. blas_path_name() says which is in
** use (recsql_debug shows it).
*/
#ifndef RECSQL_BLAS_H
#define RECSQL_BLAS_H

#include <stddef.h>

typedef enum { BLAS_N = 0, BLAS_T = 1 } blas_trans;

typedef enum {
  BLAS_AUTO = 0, /* the fastest own kernel the CPU runs */
  BLAS_GENERIC,
  BLAS_AVX2,
  BLAS_AVX512,
  BLAS_OPENBLAS,
  BLAS_N_PATHS
} blas_path;

/* C (m x n, row stride ldc) = alpha op(A) op(B) + beta C, op(A) m x k and
** op(B) k x n; op(X) = X or X^T. With beta = 0, C is not read (it may hold
** NaN). Returns 0, or -1 when the packing buffers could not be allocated
** (C is then unchanged). */
int blas_sgemm(blas_trans ta, blas_trans tb, size_t m, size_t n, size_t k, float alpha, const float *A,
               size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* The same on `threads` threads (rows of C split among them). */
int blas_sgemm_threads(int threads, blas_trans ta, blas_trans tb, size_t m, size_t n, size_t k, float alpha,
                       const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                       size_t ldc);

/* Forces a path (BLAS_AUTO: back to the CPU's best). Returns -1 when the CPU
** cannot run it. Process-wide, safe to call at any time; calls already
** running finish on the old path. */
int blas_set_path(blas_path p);

/* The path calls take now (never BLAS_AUTO). */
blas_path blas_current_path(void);

/* "avx512", "avx2", "generic", "openblas" (for BLAS_AUTO: "auto"). */
const char *blas_path_name(blas_path p);

/* The path of a name above, or -1. */
int blas_path_parse(const char *name);

#endif
