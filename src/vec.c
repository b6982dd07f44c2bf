/*
** vec: dense float32 kernels. See vec.h.
**
** Each reduction keeps VEC_LANES independent partial sums that the compiler
** maps onto SIMD registers; the tail is summed separately. The summation
** order is fixed, so a given binary gives the same result on every run.
*/
#include "vec.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define VEC_LANES 16

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(RECSQL_NO_CLONES)
#define VEC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VEC_CLONES
#endif

VEC_CLONES
float vec_dot(const float *a, const float *b, size_t n) {
  float acc[VEC_LANES] = {0};
  size_t i = 0;
  for (; i + VEC_LANES <= n; i += VEC_LANES)
    for (int l = 0; l < VEC_LANES; l++) acc[l] += a[i + l] * b[i + l];
  float s = 0.0f;
  for (; i < n; i++) s += a[i] * b[i];
  for (int l = 0; l < VEC_LANES; l++) s += acc[l];
  return s;
}

VEC_CLONES
float vec_l2sq(const float *a, const float *b, size_t n) {
  float acc[VEC_LANES] = {0};
  size_t i = 0;
  for (; i + VEC_LANES <= n; i += VEC_LANES)
    for (int l = 0; l < VEC_LANES; l++) {
      float d = a[i + l] - b[i + l];
      acc[l] += d * d;
    }
  float s = 0.0f;
  for (; i < n; i++) {
    float d = a[i] - b[i];
    s += d * d;
  }
  for (int l = 0; l < VEC_LANES; l++) s += acc[l];
  return s;
}

VEC_CLONES
void vec_axpy(float alpha, const float *x, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

VEC_CLONES
void vec_scale(float alpha, float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] *= alpha;
}

void vec_rows_norm_pow(float *X, size_t rows, size_t d, double a) {
  if (a == 0.0) return;
  for (size_t r = 0; r < rows; r++) {
    float *x = X + r * d;
    double nrm = sqrt(vec_dot_d(x, x, d));
    if (nrm > 0.0) vec_scale((float)pow(nrm, -a), x, d);
  }
}

#define DLANES 8

/* exp(x) for x <= 88: x = n ln2 + r, |r| <= ln2 / 2, exp(r) by the
** minimax polynomial of Cephes' expf, 2^n put in the exponent bits. */
static inline float exp_poly(float x) {
  /* clamped so that NaN becomes -87 too (a NaN cast to int is undefined) */
  x = x > -87.0f ? x : -87.0f;
  x = x < 88.0f ? x : 88.0f;
  /* n = round(x log2 e), by truncation of a positive number */
  int32_t k = (int32_t)(x * 1.44269504088896341f + 128.5f) - 128;
  float n = (float)k;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * z + r + 1.0f;
  union {
    int32_t i;
    float f;
  } s = {.i = (k + 127) << 23};
  return y * s.f;
}

VEC_CLONES
float vec_exp_shift(float *x, size_t n, float shift) {
  for (size_t i = 0; i < n; i++) x[i] = exp_poly(x[i] - shift);
  float acc[VEC_LANES] = {0};
  size_t i = 0;
  for (; i + VEC_LANES <= n; i += VEC_LANES)
    for (int l = 0; l < VEC_LANES; l++) acc[l] += x[i + l];
  float s = 0.0f;
  for (; i < n; i++) s += x[i];
  for (int l = 0; l < VEC_LANES; l++) s += acc[l];
  return s;
}

VEC_CLONES
void vec_adam(float *x, float *m, float *v, const float *g, size_t n, float b1, float b2, float step,
              float eps) {
  for (size_t i = 0; i < n; i++) {
    m[i] = b1 * m[i] + (1.0f - b1) * g[i];
    v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    x[i] -= step * m[i] / (__builtin_sqrtf(v[i]) + eps);
  }
}

VEC_CLONES
double vec_dot_d(const float *a, const float *b, size_t n) {
  double acc[DLANES] = {0};
  size_t i = 0;
  for (; i + DLANES <= n; i += DLANES)
    for (int l = 0; l < DLANES; l++) acc[l] += (double)a[i + l] * (double)b[i + l];
  double s = 0.0;
  for (; i < n; i++) s += (double)a[i] * (double)b[i];
  for (int l = 0; l < DLANES; l++) s += acc[l];
  return s;
}

VEC_CLONES
double vec_l2sq_d(const float *a, const float *b, size_t n) {
  double acc[DLANES] = {0};
  size_t i = 0;
  for (; i + DLANES <= n; i += DLANES)
    for (int l = 0; l < DLANES; l++) {
      double d = (double)a[i + l] - (double)b[i + l];
      acc[l] += d * d;
    }
  double s = 0.0;
  for (; i < n; i++) {
    double d = (double)a[i] - (double)b[i];
    s += d * d;
  }
  for (int l = 0; l < DLANES; l++) s += acc[l];
  return s;
}

double vec_normsq_d(const float *a, size_t n) { return vec_dot_d(a, a, n); }

/* A float is non-finite exactly when its exponent bits are all ones. The
** count is a branch-free loop; the first index is searched only if needed. */
size_t vec_count_nonfinite(const float *x, size_t n, size_t *first) {
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &x[i], 4);
    bad += (u & 0x7F800000u) == 0x7F800000u;
  }
  if (bad && first) {
    for (size_t i = 0; i < n; i++) {
      uint32_t u;
      memcpy(&u, &x[i], 4);
      if ((u & 0x7F800000u) == 0x7F800000u) {
        *first = i;
        break;
      }
    }
  }
  return bad;
}

const char *vec_isa(void) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(RECSQL_NO_CLONES)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "avx512f";
  if (__builtin_cpu_supports("avx2")) return "avx2";
  return "x86-64";
#else
  return "generic";
#endif
}
