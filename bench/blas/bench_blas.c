/* Times src/blas.c's paths against OpenBLAS (single-threaded, with the core
** OpenBLAS chose: set OPENBLAS_CORETYPE to compare cores) on the products
** recsql runs: mips scoring blocks and the contrastive losses' three
** products. Thread CPU time (less sensitive to a loaded machine than wall
** time), median of 7 runs, in GFLOP/s. Prints a table; asserts nothing.
**   make bench-blas   (or: build/bench/bench_blas) */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../src/blas.h"

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  const char *what;
  blas_trans ta, tb;
  size_t m, n, k;
} shape;

int main(void) {
  openblas_set_num_threads(1); /* this program is the host: it may */
  const shape shapes[] = {
      {"mips 64x4096x65 NT", BLAS_N, BLAS_T, 64, 4096, 65},
      {"softmax S 1024x1536x128 NT", BLAS_N, BLAS_T, 1024, 1536, 128},
      {"softmax dP 1024x128x1536 NN", BLAS_N, BLAS_N, 1024, 128, 1536},
      {"softmax dQ 1536x128x1024 TN", BLAS_T, BLAS_N, 1536, 128, 1024},
      {"ccl S 1024x1280x64 NT", BLAS_N, BLAS_T, 1024, 1280, 64},
      {"ccl dP 1024x64x1280 NN", BLAS_N, BLAS_N, 1024, 64, 1280},
      {"ccl dQ 1280x64x1024 TN", BLAS_T, BLAS_N, 1280, 64, 1024},
  };
  const blas_path paths[] = {BLAS_AVX512, BLAS_AVX2, BLAS_GENERIC, BLAS_OPENBLAS};
  printf("openblas core: %s\n%-30s", openblas_get_corename(), "GFLOP/s");
  for (size_t p = 0; p < 4; p++) printf(" %9s", blas_path_name(paths[p]));
  printf("\n");
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const shape *sh = &shapes[s];
    size_t lda = sh->ta == BLAS_N ? sh->k : sh->m, ldb = sh->tb == BLAS_N ? sh->n : sh->k;
    float *A = malloc(sizeof(float) * sh->m * sh->k), *B = malloc(sizeof(float) * sh->k * sh->n);
    float *C = malloc(sizeof(float) * sh->m * sh->n);
    for (size_t t = 0; t < sh->m * sh->k; t++) A[t] = (float)(t % 7) * 0.1f;
    for (size_t t = 0; t < sh->k * sh->n; t++) B[t] = (float)(t % 5) * 0.1f;
    printf("%-30s", sh->what);
    for (size_t p = 0; p < 4; p++) {
      if (blas_set_path(paths[p])) {
        printf(" %9s", "-");
        continue;
      }
      double t[7];
      for (int r = 0; r < 7; r++) {
        double t0 = cpu_now();
        int reps = 0;
        do {
          blas_sgemm(sh->ta, sh->tb, sh->m, sh->n, sh->k, 1.0f, A, lda, B, ldb, 0.0f, C, sh->n);
          reps++;
        } while (cpu_now() - t0 < 0.05);
        t[r] = (cpu_now() - t0) / reps;
      }
      qsort(t, 7, sizeof t[0], cmp);
      printf(" %9.1f", 2.0 * sh->m * sh->n * sh->k / t[3] * 1e-9);
    }
    printf("\n");
    free(A);
    free(B);
    free(C);
  }
  return 0;
}
