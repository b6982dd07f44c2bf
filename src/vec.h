/*
** vec: dense float32 vector kernels.
**
** Written as fixed-width lane loops without reassociation tricks so that the
** compiler vectorizes them at -O2/-O3 and results do not depend on flags.
** On x86-64 the hot kernels are compiled for AVX-512, AVX2 and baseline and the
** best is picked at load time (GCC/clang target_clones).
**
** Two families:
**   vec_*    float accumulation, for training and search (speed first).
**   vec_*_d  double accumulation, for SQL scalars (accuracy first).
*/
#ifndef RECSQL_VEC_H
#define RECSQL_VEC_H

#include <stddef.h>

float vec_dot(const float *a, const float *b, size_t n);
float vec_l2sq(const float *a, const float *b, size_t n);
/* y += alpha * x */
void vec_axpy(float alpha, const float *x, float *y, size_t n);
/* x *= alpha */
void vec_scale(float alpha, float *x, size_t n);
/* Each of the rows of X (rows x d) divided by its norm to the power a:
** a = 0 leaves X, a = 1 makes unit rows. Rows of norm 0 stay 0. */
void vec_rows_norm_pow(float *X, size_t rows, size_t d, double a);

/* x[i] = exp(x[i] - shift) for every i, returning their sum: the core of a
** softmax. A polynomial exp (relative error below 2e-7; arguments below -87
** give exp(-87)), so that the loop vectorizes. */
float vec_exp_shift(float *x, size_t n, float shift);

/* One Adam step along g: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g²,
** x -= step * m / (sqrt(v) + eps). */
void vec_adam(float *x, float *m, float *v, const float *g, size_t n, float b1, float b2, float step,
              float eps);

double vec_dot_d(const float *a, const float *b, size_t n);
double vec_l2sq_d(const float *a, const float *b, size_t n);
double vec_normsq_d(const float *a, size_t n);

/* Number of entries of x that are NaN or infinite; index of the first in *first. */
size_t vec_count_nonfinite(const float *x, size_t n, size_t *first);

/* Name of the instruction set the dispatched kernels run with ("avx512f", ...). */
const char *vec_isa(void);

#endif
