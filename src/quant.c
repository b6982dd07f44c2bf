/*
** quant: int8 codes and kernels. See quant.h.
**
** The SIMD kernels are compiled with __attribute__((target)) and called
** only after __builtin_cpu_supports says the CPU has the instructions, so
** the rest of the library stays baseline x86-64. The row kernels of
** dot_rows process four rows at a time, each with its own accumulator, so
** the loads of different rows overlap.
*/
#include "quant.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(RECSQL_NO_CLONES)
#define Q8_X86 1
#include <immintrin.h>
#endif

size_t q8_stride(size_t dim) { return (dim + Q8_PAD - 1) / Q8_PAD * Q8_PAD; }

float q8_scale(const float *x, size_t dim) {
  float m = 0.0f;
  for (size_t i = 0; i < dim; i++) {
    float a = fabsf(x[i]);
    if (a > m) m = a;
  }
  return m / (float)Q8_MAX;
}

size_t q8_encode(const float *x, size_t dim, float s, int8_t *out) {
  size_t clamped = 0;
  if (!(s > 0.0f)) {
    memset(out, 0, dim);
    return 0;
  }
  for (size_t i = 0; i < dim; i++) {
    float r = roundf(x[i] / s);
    if (r > Q8_MAX || r < -Q8_MAX) {
      r = r > 0 ? Q8_MAX : -Q8_MAX;
      clamped++;
    }
    out[i] = (int8_t)r;
  }
  return clamped;
}

void q8_decode(const int8_t *c, size_t dim, float s, float *out) {
  for (size_t i = 0; i < dim; i++) out[i] = (float)c[i] * s;
}

/* ---- affine codes ---- */

/* Codes of x on the grid lo + s * k (k in [0, 255]) into u, then (lo, s)
** refitted to them by least squares; returns the squared error. */
static double affine_trial(const float *x, size_t dim, double lo, double s, uint8_t *u, float *flo,
                           float *fs) {
  double su = 0, suu = 0, sx = 0, sux = 0, inv = 1.0 / s;
  for (size_t i = 0; i < dim; i++) {
    /* floor(v + 0.5) by truncation: v >= 0, as lo <= min x */
    double v = ((double)x[i] - lo) * inv + 0.5;
    double k = v <= 0 ? 0 : v >= 255 ? 255 : (double)(int)v;
    u[i] = (uint8_t)k;
    su += k;
    suu += k * k;
    sx += x[i];
    sux += k * x[i];
  }
  double n = (double)dim, det = n * suu - su * su;
  if (det > 0) {
    double s2 = (n * sux - su * sx) / det;
    if (s2 > 0) {
      s = s2;
      lo = (sx - s2 * su) / n;
    }
  }
  *flo = (float)lo;
  *fs = (float)s;
  double e = 0;
  for (size_t i = 0; i < dim; i++) {
    double d = (double)x[i] - ((double)*flo + (double)*fs * u[i]);
    e += d * d;
  }
  return e;
}

void q8_encode_affine(const float *x, size_t dim, uint8_t *u, uint8_t *tmp, float *lo, float *step) {
  float mn = dim ? x[0] : 0.0f, mx = mn;
  for (size_t i = 1; i < dim; i++) {
    if (x[i] < mn) mn = x[i];
    if (x[i] > mx) mx = x[i];
  }
  *lo = mn;
  *step = 0.0f;
  memset(u, 0, dim);
  double range = (double)mx - (double)mn;
  if (!(range > 0)) return;
  /* a later trial must beat the best by more than rounding noise, so that
  ** vectors the first grid fits exactly keep it */
  double best = INFINITY, tol = range * range / (255.0 * 255.0) * (double)dim * 1e-6;
  for (int fi = 0; fi < Q8_TRIAL_STEPS; fi++) {
    double f = 1.0 + Q8_TRIAL_SPAN * fi / (Q8_TRIAL_STEPS - 1);
    for (int ti = 0; ti < (fi ? Q8_TRIAL_SHIFTS : 1); ti++) {
      double lo0 = (double)mn - range * (f - 1.0) * ti / (Q8_TRIAL_SHIFTS - 1);
      float tlo, ts;
      double e = affine_trial(x, dim, lo0, range * f / 255.0, tmp, &tlo, &ts);
      if (e < best - tol) {
        best = e;
        *lo = tlo;
        *step = ts;
        memcpy(u, tmp, dim);
      }
    }
  }
}

void q8_decode_affine(const uint8_t *u, size_t dim, float lo, float step, float *out) {
  for (size_t i = 0; i < dim; i++) out[i] = lo + step * (float)u[i];
}

void q8_query_make(const float *x, size_t dim, size_t stride, int8_t *buf, q8_query *q) {
  q->s = q8_scale(x, dim);
  q8_encode(x, dim, q->s, buf);
  memset(buf + dim, 0, stride - dim);
  int64_t sum = 0, n2 = 0;
  for (size_t i = 0; i < dim; i++) {
    sum += buf[i];
    n2 += (int64_t)buf[i] * buf[i];
  }
  q->c = buf;
  q->sum = (float)sum;
  q->n2 = (float)((double)q->s * q->s * (double)n2);
}

/* ---- scalar reference ---- */

static int32_t dot_scalar(const uint8_t *x, const int8_t *q, size_t n) {
  int32_t s = 0;
  for (size_t i = 0; i < n; i++) s += (int32_t)x[i] * (int32_t)q[i];
  return s;
}

static void dot_rows_scalar(const uint8_t *data, size_t rows, size_t stride, const int8_t *q, int32_t *out) {
  for (size_t r = 0; r < rows; r++) out[r] = dot_scalar(data + r * stride, q, stride);
}

static void dot_gather_scalar(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n,
                              const int8_t *q, int32_t *out) {
  for (size_t i = 0; i < n; i++) out[i] = dot_scalar(data + (size_t)ids[i] * stride, q, stride);
}

static float fdot_scalar(const uint8_t *x, const float *q, size_t n) {
  float s = 0.0f;
  for (size_t i = 0; i < n; i++) s += (float)x[i] * q[i];
  return s;
}

static const q8_kernels k_scalar = {"scalar", dot_scalar, fdot_scalar, dot_rows_scalar, dot_gather_scalar};

#ifdef Q8_X86
/* ---- AVX2: widen to 16 bits, vpmaddwd into 32-bit lanes ---- */

#define AVX2 __attribute__((target("avx2")))
#define AVX2F __attribute__((target("avx2,fma")))

AVX2 static inline __m256i madd16(const uint8_t *x, const int8_t *q) {
  __m256i xv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)x));
  __m256i qv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)q));
  return _mm256_madd_epi16(xv, qv);
}

AVX2 static inline int32_t hsum256(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

AVX2 static int32_t dot_avx2(const uint8_t *x, const int8_t *q, size_t n) {
  __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
  for (size_t i = 0; i < n; i += 32) {
    a = _mm256_add_epi32(a, madd16(x + i, q + i));
    b = _mm256_add_epi32(b, madd16(x + i + 16, q + i + 16));
  }
  return hsum256(_mm256_add_epi32(a, b));
}

AVX2 static void dot_rows_avx2(const uint8_t *data, size_t rows, size_t stride, const int8_t *q,
                               int32_t *out) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const uint8_t *x0 = data + r * stride, *x1 = x0 + stride, *x2 = x1 + stride, *x3 = x2 + stride;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < stride; i += 16) {
      __m256i qv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + i)));
      a0 = _mm256_add_epi32(
          a0, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x0 + i))), qv));
      a1 = _mm256_add_epi32(
          a1, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x1 + i))), qv));
      a2 = _mm256_add_epi32(
          a2, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x2 + i))), qv));
      a3 = _mm256_add_epi32(
          a3, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x3 + i))), qv));
    }
    out[r] = hsum256(a0);
    out[r + 1] = hsum256(a1);
    out[r + 2] = hsum256(a2);
    out[r + 3] = hsum256(a3);
  }
  for (; r < rows; r++) out[r] = dot_avx2(data + r * stride, q, stride);
}

AVX2 static void dot_gather_avx2(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n,
                                 const int8_t *q, int32_t *out) {
  for (size_t i = 0; i < n; i++) out[i] = dot_avx2(data + (size_t)ids[i] * stride, q, stride);
}

AVX2F static float fdot_avx2(const uint8_t *x, const float *q, size_t n) {
  __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    __m256 x0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(x + i))));
    __m256 x1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(x + i + 8))));
    a = _mm256_fmadd_ps(x0, _mm256_loadu_ps(q + i), a);
    b = _mm256_fmadd_ps(x1, _mm256_loadu_ps(q + i + 8), b);
  }
  a = _mm256_add_ps(a, b);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static const q8_kernels k_avx2 = {"avx2", dot_avx2, fdot_avx2, dot_rows_avx2, dot_gather_avx2};

/* ---- AVX-512 VNNI: vpdpbusd, 64 unsigned-by-signed byte products per instruction ---- */

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,avx2")))

VNNI static int32_t dot_vnni(const uint8_t *x, const int8_t *q, size_t n) {
  __m512i a = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 64)
    a = _mm512_dpbusd_epi32(a, _mm512_loadu_si512(x + i), _mm512_loadu_si512(q + i));
  return _mm512_reduce_add_epi32(a);
}

VNNI static void dot_rows_vnni(const uint8_t *data, size_t rows, size_t stride, const int8_t *q,
                               int32_t *out) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const uint8_t *x0 = data + r * stride, *x1 = x0 + stride, *x2 = x1 + stride, *x3 = x2 + stride;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < stride; i += 64) {
      __m512i qv = _mm512_loadu_si512(q + i);
      a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(x0 + i), qv);
      a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512(x1 + i), qv);
      a2 = _mm512_dpbusd_epi32(a2, _mm512_loadu_si512(x2 + i), qv);
      a3 = _mm512_dpbusd_epi32(a3, _mm512_loadu_si512(x3 + i), qv);
    }
    out[r] = _mm512_reduce_add_epi32(a0);
    out[r + 1] = _mm512_reduce_add_epi32(a1);
    out[r + 2] = _mm512_reduce_add_epi32(a2);
    out[r + 3] = _mm512_reduce_add_epi32(a3);
  }
  for (; r < rows; r++) out[r] = dot_vnni(data + r * stride, q, stride);
}

VNNI static void dot_gather_vnni(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n,
                                 const int8_t *q, int32_t *out) {
  if (stride == 64) {
    /* one 64-byte row per id: one load and one vpdpbusd each; the sums of
    ** four rows are reduced together (three vphaddd for four rows) */
    __m512i qv = _mm512_loadu_si512(q), z = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      __m512i a0 = _mm512_dpbusd_epi32(z, _mm512_loadu_si512(data + (size_t)ids[i] * 64), qv);
      __m512i a1 = _mm512_dpbusd_epi32(z, _mm512_loadu_si512(data + (size_t)ids[i + 1] * 64), qv);
      __m512i a2 = _mm512_dpbusd_epi32(z, _mm512_loadu_si512(data + (size_t)ids[i + 2] * 64), qv);
      __m512i a3 = _mm512_dpbusd_epi32(z, _mm512_loadu_si512(data + (size_t)ids[i + 3] * 64), qv);
      __m256i h0 = _mm256_add_epi32(_mm512_castsi512_si256(a0), _mm512_extracti64x4_epi64(a0, 1));
      __m256i h1 = _mm256_add_epi32(_mm512_castsi512_si256(a1), _mm512_extracti64x4_epi64(a1, 1));
      __m256i h2 = _mm256_add_epi32(_mm512_castsi512_si256(a2), _mm512_extracti64x4_epi64(a2, 1));
      __m256i h3 = _mm256_add_epi32(_mm512_castsi512_si256(a3), _mm512_extracti64x4_epi64(a3, 1));
      __m256i v = _mm256_hadd_epi32(_mm256_hadd_epi32(h0, h1), _mm256_hadd_epi32(h2, h3));
      __m128i r = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
      _mm_storeu_si128((__m128i *)(out + i), r);
    }
    for (; i < n; i++)
      out[i] =
          _mm512_reduce_add_epi32(_mm512_dpbusd_epi32(z, _mm512_loadu_si512(data + (size_t)ids[i] * 64), qv));
    return;
  }
  for (size_t i = 0; i < n; i++) out[i] = dot_vnni(data + (size_t)ids[i] * stride, q, stride);
}

VNNI static float fdot_avx512(const uint8_t *x, const float *q, size_t n) {
  __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 32) {
    __m512 x0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(x + i))));
    __m512 x1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(x + i + 16))));
    a = _mm512_fmadd_ps(x0, _mm512_loadu_ps(q + i), a);
    b = _mm512_fmadd_ps(x1, _mm512_loadu_ps(q + i + 16), b);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(a, b));
}

static const q8_kernels k_vnni = {"avx512vnni", dot_vnni, fdot_avx512, dot_rows_vnni, dot_gather_vnni};
#endif

const q8_kernels *q8_kernels_named(const char *name) {
  if (!strcmp(name, "scalar")) return &k_scalar;
#ifdef Q8_X86
  __builtin_cpu_init();
  if (!strcmp(name, "avx2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return &k_avx2;
  if (!strcmp(name, "avx512vnni") && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni"))
    return &k_vnni;
#endif
  return NULL;
}

const q8_kernels *q8_kernels_best(void) {
  const q8_kernels *k = q8_kernels_named("avx512vnni");
  if (!k) k = q8_kernels_named("avx2");
  return k ? k : &k_scalar;
}
