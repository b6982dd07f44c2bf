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
  if (!tmp) {
    (void)affine_trial(x, dim, mn, range / 255.0, u, lo, step);
    return;
  }
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

size_t q8_nblocks(size_t dim, size_t block) { return block ? (dim + block - 1) / block : 0; }

void q8_encode_blocks(const float *x, size_t dim, size_t block, uint8_t *u, uint8_t *tmp, float *lo,
                      float *step) {
  for (size_t b = 0, o = 0; o < dim; b++, o += block) {
    size_t n = dim - o < block ? dim - o : block;
    q8_encode_affine(x + o, n, u + o, tmp, lo + b, step + b);
  }
}

void q8_decode_blocks(const uint8_t *u, size_t dim, size_t block, const float *lo, const float *step,
                      float *out) {
  for (size_t b = 0, o = 0; o < dim; b++, o += block) {
    size_t n = dim - o < block ? dim - o : block;
    q8_decode_affine(u + o, n, lo[b], step[b], out + o);
  }
}

float q8_meta_fill(float *m, size_t stride, size_t dim, size_t block, const uint8_t *u, const float *lo,
                   const float *step) {
  size_t nb = stride / Q8_BLOCK;
  double n2 = 0;
  for (size_t i = 0; i < dim; i++) {
    size_t b = i / block;
    double v = (double)(lo[b] + step[b] * (float)u[i]);
    n2 += v * v;
  }
  for (size_t k = 0; k < nb; k++) {
    size_t o = k * Q8_BLOCK, b = o / block;
    m[k] = o < dim ? step[b] : 0.0f;
    m[nb + k] = o < dim ? lo[b] : 0.0f;
  }
  return (float)n2;
}

void q8_query_make(const float *x, size_t dim, size_t stride, int8_t *buf, float *bsum, q8_query *q) {
  q->s = q8_scale(x, dim);
  q8_encode(x, dim, q->s, buf);
  memset(buf + dim, 0, stride - dim);
  int64_t n2 = 0;
  for (size_t k = 0; k < stride / Q8_BLOCK; k++) {
    int32_t sum = 0;
    for (size_t i = k * Q8_BLOCK; i < (k + 1) * Q8_BLOCK; i++) {
      sum += buf[i];
      n2 += (int64_t)buf[i] * buf[i];
    }
    bsum[k] = (float)sum;
  }
  q->c = buf;
  q->bsum = bsum;
  q->n2 = (float)((double)q->s * q->s * (double)n2);
}

/* The integer kernels return the row's offsets times the query's block
** sums plus its steps times the exact integer block sums. The scalar
** kernel adds them in block order; the others in their own order (equal to
** float rounding). */

/* ---- scalar reference ---- */

static float dot_scalar(const uint8_t *x, const int8_t *q, size_t n, const float *m, const float *bsum) {
  float a = 0.0f;
  for (size_t b = 0; b < n / Q8_BLOCK; b++) {
    int32_t s = 0;
    for (size_t i = b * Q8_BLOCK; i < (b + 1) * Q8_BLOCK; i++) s += (int32_t)x[i] * (int32_t)q[i];
    float p = m[b] * (float)s;
    a = a + p;
  }
  return q8_offsets_dot(m + n / Q8_BLOCK, bsum, n / Q8_BLOCK) + a;
}

static void dot_rows_scalar(const uint8_t *data, size_t rows, size_t stride, const int8_t *q,
                            const float *bsum, const float *meta, size_t mstride, float *out) {
  for (size_t r = 0; r < rows; r++)
    out[r] = dot_scalar(data + r * stride, q, stride, meta + r * mstride, bsum);
}

static void dot_gather_scalar(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n,
                              const int8_t *q, const float *bsum, const float *meta, size_t mstride,
                              float *out) {
  for (size_t i = 0; i < n; i++)
    out[i] = dot_scalar(data + (size_t)ids[i] * stride, q, stride, meta + (size_t)ids[i] * mstride, bsum);
}

static float fdot_scalar(const uint8_t *x, const float *q, size_t n, const float *step) {
  float s = 0.0f;
  for (size_t b = 0; b < n / Q8_BLOCK; b++) {
    float a = 0.0f;
    for (size_t i = b * Q8_BLOCK; i < (b + 1) * Q8_BLOCK; i++) a += (float)x[i] * q[i];
    s += step[b] * a;
  }
  return s;
}

void q8_code_sums(const uint8_t *x, size_t n, float *xsum) {
  for (size_t b = 0; b < n / Q8_BLOCK; b++) {
    int32_t a = 0;
    for (size_t i = b * Q8_BLOCK; i < (b + 1) * Q8_BLOCK; i++) a += x[i];
    xsum[b] = (float)a;
  }
}

/* The real values of block b of a row of dim values. */
static inline float block_dims(size_t b, size_t dim) {
  size_t lo = b * Q8_BLOCK;
  return lo >= dim ? 0.0f : (float)(dim - lo < Q8_BLOCK ? dim - lo : Q8_BLOCK);
}

/* Block b's part of cdot: (lo_x + s_x u)(lo_y + s_y v) summed over its
** values, from xy = u . v and the code sums. */
static inline float cdot_block(size_t b, size_t nb, size_t dim, const float *mx, const float *my, float xsum,
                               float ysum, float xy) {
  const float sx = mx[b], sy = my[b], lx = mx[nb + b], ly = my[nb + b];
  return block_dims(b, dim) * lx * ly + lx * sy * ysum + ly * sx * xsum + sx * sy * xy;
}

static float cdot_scalar(const uint8_t *x, const uint8_t *y, size_t n, size_t dim, const float *mx,
                         const float *my, const float *xsum) {
  const size_t nb = n / Q8_BLOCK;
  float d = 0.0f;
  for (size_t b = 0; b < nb; b++) {
    int32_t xy = 0, ys = 0;
    for (size_t i = b * Q8_BLOCK; i < (b + 1) * Q8_BLOCK; i++) {
      xy += (int32_t)x[i] * y[i];
      ys += y[i];
    }
    d += cdot_block(b, nb, dim, mx, my, xsum[b], (float)ys, (float)xy);
  }
  return d;
}

static const q8_kernels k_scalar = {"scalar",          dot_scalar,        fdot_scalar, dot_rows_scalar,
                                    dot_gather_scalar, cdot_scalar};

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

/* The sum of one block (32 bytes) of x * q. */
AVX2 static inline __m256i block_avx2(const uint8_t *x, const int8_t *q) {
  return _mm256_add_epi32(madd16(x, q), madd16(x + 16, q + 16));
}

AVX2 static float dot_avx2(const uint8_t *x, const int8_t *q, size_t n, const float *m, const float *bsum) {
  float a = 0.0f;
  for (size_t b = 0, i = 0; i < n; b++, i += Q8_BLOCK) {
    float p = m[b] * (float)hsum256(block_avx2(x + i, q + i));
    a = a + p;
  }
  return q8_offsets_dot(m + n / Q8_BLOCK, bsum, n / Q8_BLOCK) + a;
}

/* The sums of four 8-lane vectors, in order. */
AVX2 static inline __m128i hsum4_256(__m256i a0, __m256i a1, __m256i a2, __m256i a3) {
  __m256i v = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
  return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/* The dots of four rows x[0..3] with metadata s[0..3] (dot_avx2's sums in
** its order, four rows to a vector: one horizontal reduction per block for
** all four). */
AVX2 static __m128 dot4_avx2(const uint8_t *const *x, const float *const *s, size_t stride, const int8_t *q,
                             const float *bsum) {
  const size_t nb = stride / Q8_BLOCK;
  __m128 a = _mm_setzero_ps(), o = _mm_setzero_ps();
  for (size_t b = 0, i = 0; i < stride; b++, i += Q8_BLOCK) {
    __m128 raw = _mm_cvtepi32_ps(hsum4_256(block_avx2(x[0] + i, q + i), block_avx2(x[1] + i, q + i),
                                           block_avx2(x[2] + i, q + i), block_avx2(x[3] + i, q + i)));
    a = _mm_add_ps(a, _mm_mul_ps(raw, _mm_setr_ps(s[0][b], s[1][b], s[2][b], s[3][b])));
    o = _mm_add_ps(
        o, _mm_mul_ps(_mm_setr_ps(s[0][nb + b], s[1][nb + b], s[2][nb + b], s[3][nb + b]), _mm_set1_ps(bsum[b])));
  }
  return _mm_add_ps(o, a);
}

AVX2 static void dot_rows_avx2(const uint8_t *data, size_t rows, size_t stride, const int8_t *q,
                               const float *bsum, const float *meta, size_t mstride, float *out) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const uint8_t *x[4] = {data + r * stride, data + (r + 1) * stride, data + (r + 2) * stride,
                           data + (r + 3) * stride};
    const float *s[4] = {meta + r * mstride, meta + (r + 1) * mstride, meta + (r + 2) * mstride,
                         meta + (r + 3) * mstride};
    _mm_storeu_ps(out + r, dot4_avx2(x, s, stride, q, bsum));
  }
  for (; r < rows; r++) out[r] = dot_avx2(data + r * stride, q, stride, meta + r * mstride, bsum);
}

AVX2 static void dot_gather_avx2(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n,
                                 const int8_t *q, const float *bsum, const float *meta, size_t mstride,
                                 float *out) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint8_t *x[4];
    const float *s[4];
    for (int r = 0; r < 4; r++) {
      x[r] = data + (size_t)ids[i + r] * stride;
      s[r] = meta + (size_t)ids[i + r] * mstride;
    }
    _mm_storeu_ps(out + i, dot4_avx2(x, s, stride, q, bsum));
  }
  for (; i < n; i++)
    out[i] = dot_avx2(data + (size_t)ids[i] * stride, q, stride, meta + (size_t)ids[i] * mstride, bsum);
}

AVX2F static inline float hsum256_ps(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

AVX2F static float fdot_avx2(const uint8_t *x, const float *q, size_t n, const float *step) {
  __m256 t = _mm256_setzero_ps();
  for (size_t b = 0, i = 0; i < n; b++, i += Q8_BLOCK) {
    __m256 a = _mm256_setzero_ps(), c = _mm256_setzero_ps();
    for (size_t j = i; j < i + Q8_BLOCK; j += 16) {
      __m256 x0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(x + j))));
      __m256 x1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(x + j + 8))));
      a = _mm256_fmadd_ps(x0, _mm256_loadu_ps(q + j), a);
      c = _mm256_fmadd_ps(x1, _mm256_loadu_ps(q + j + 8), c);
    }
    t = _mm256_fmadd_ps(_mm256_add_ps(a, c), _mm256_set1_ps(step[b]), t);
  }
  return hsum256_ps(t);
}

/* x . y and the sum of y over one block (32 bytes), both unsigned: widened
** to 16 bits, the products' pairs fit 32-bit lanes (2 * 255 * 255). */
AVX2 static inline void ublock_avx2(const uint8_t *x, const uint8_t *y, int32_t *xy, int32_t *ys) {
  __m256i yv = _mm256_loadu_si256((const __m256i *)y);
  __m256i p0 = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)x)),
                                 _mm256_cvtepu8_epi16(_mm256_castsi256_si128(yv)));
  __m256i p1 = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x + 16))),
                                 _mm256_cvtepu8_epi16(_mm256_extracti128_si256(yv, 1)));
  *xy = hsum256(_mm256_add_epi32(p0, p1));
  __m256i sad = _mm256_sad_epu8(yv, _mm256_setzero_si256()); /* four 64-bit partial sums */
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
  *ys = (int32_t)(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}

AVX2 static float cdot_avx2(const uint8_t *x, const uint8_t *y, size_t n, size_t dim, const float *mx,
                            const float *my, const float *xsum) {
  const size_t nb = n / Q8_BLOCK;
  float d = 0.0f;
  for (size_t b = 0; b < nb; b++) {
    int32_t xy, ys;
    ublock_avx2(x + b * Q8_BLOCK, y + b * Q8_BLOCK, &xy, &ys);
    d += cdot_block(b, nb, dim, mx, my, xsum[b], (float)ys, (float)xy);
  }
  return d;
}

static const q8_kernels k_avx2 = {"avx2", dot_avx2, fdot_avx2, dot_rows_avx2, dot_gather_avx2, cdot_avx2};

/* ---- AVX-512 VNNI: vpdpbusd, 64 unsigned-by-signed byte products per instruction ---- */

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,avx2")))

/* The two 32-byte block sums of a 64-byte product a, as [b0, b1, b0, b1]. */
VNNI static inline __m128i block_pair(__m512i a) {
  __m256i h = _mm256_hadd_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  return _mm_hadd_epi32(s, s);
}

/* Rows of 64 bytes (two blocks; metadata [s0, s1, lo0, lo1, ...]): the
** products' lanes are scaled by their block's step before one reduction,
** with no horizontal sums per block. */
#define IDX2 _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)

VNNI static inline __m512 scaled64(const uint8_t *x, __m512i qv, __m128 m) {
  __m512i a = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(x), qv);
  return _mm512_mul_ps(_mm512_cvtepi32_ps(a), _mm512_permutexvar_ps(IDX2, _mm512_castps128_ps512(m)));
}

VNNI static inline __m256 fold512(__m512 v) {
  return _mm256_add_ps(_mm512_castps512_ps256(v),
                       _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

VNNI static inline float dot64_vnni(const uint8_t *x, __m512i qv, const float *m, const float *bsum) {
  __m128 mm = _mm_loadu_ps(m);
  return m[2] * bsum[0] + m[3] * bsum[1] + _mm512_reduce_add_ps(scaled64(x, qv, mm));
}

/* Four rows of 64 bytes and their metadata: [r0, r1, r2, r3]. */
VNNI static inline __m128 rows4_64(const uint8_t *const *x, const float *const *m, __m512i qv, __m128 bs2) {
  __m128 m0 = _mm_loadu_ps(m[0]), m1 = _mm_loadu_ps(m[1]), m2 = _mm_loadu_ps(m[2]), m3 = _mm_loadu_ps(m[3]);
  __m256 h0 = fold512(scaled64(x[0], qv, m0)), h1 = fold512(scaled64(x[1], qv, m1));
  __m256 h2 = fold512(scaled64(x[2], qv, m2)), h3 = fold512(scaled64(x[3], qv, m3));
  __m256 v = _mm256_hadd_ps(_mm256_hadd_ps(h0, h1), _mm256_hadd_ps(h2, h3));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  /* offsets: [lo0, lo1] of rows 0 and 1 (and 2, 3) times [bsum0, bsum1] */
  __m128 o01 = _mm_mul_ps(_mm_movehl_ps(m1, m0), bs2), o23 = _mm_mul_ps(_mm_movehl_ps(m3, m2), bs2);
  return _mm_add_ps(_mm_hadd_ps(o01, o23), s);
}

VNNI static float dot_vnni(const uint8_t *x, const int8_t *q, size_t n, const float *m, const float *bsum) {
  if (n == 64) return dot64_vnni(x, _mm512_loadu_si512(q), m, bsum);
  const __m512i z = _mm512_setzero_si512();
  float a = 0.0f;
  for (size_t i = 0, b = 0; i < n; i += 64, b += 2) {
    __m128i p = block_pair(_mm512_dpbusd_epi32(z, _mm512_loadu_si512(x + i), _mm512_loadu_si512(q + i)));
    float p0 = m[b] * (float)_mm_cvtsi128_si32(p), p1 = m[b + 1] * (float)_mm_extract_epi32(p, 1);
    a = a + p0;
    a = a + p1;
  }
  return q8_offsets_dot(m + n / Q8_BLOCK, bsum, n / Q8_BLOCK) + a;
}

/* The block sums of four 64-byte products, as floats: [r0b0, r0b1, r1b0,
** r1b1] into *r01 and [r2b0, r2b1, r3b0, r3b1] into *r23. */
VNNI static inline void block_pairs4(__m512i a0, __m512i a1, __m512i a2, __m512i a3, __m128 *r01,
                                     __m128 *r23) {
#define HALVES(a) _mm256_hadd_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1))
  __m256i u = _mm256_hadd_epi32(HALVES(a0), HALVES(a1)), w = _mm256_hadd_epi32(HALVES(a2), HALVES(a3));
#undef HALVES
  *r01 = _mm_cvtepi32_ps(_mm_add_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1)));
  *r23 = _mm_cvtepi32_ps(_mm_add_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
}

/* Four rows x0..x3 (stride bytes) against q, their steps s[0..3]. */
/* Two floats of each of four rows' metadata at offset o, as [r0, r0', r1,
** r1'] and [r2, r2', r3, r3']. */
#define PAIRS(s, o, lo, hi)                                                                     \
  do {                                                                                          \
    lo = _mm_castpd_ps(                                                                         \
        _mm_loadh_pd(_mm_load_sd((const double *)(s[0] + (o))), (const double *)(s[1] + (o)))); \
    hi = _mm_castpd_ps(                                                                         \
        _mm_loadh_pd(_mm_load_sd((const double *)(s[2] + (o))), (const double *)(s[3] + (o)))); \
  } while (0)

/* Four rows x0..x3 (stride bytes) against q, their metadata s[0..3]. */
VNNI static inline void rows4_vnni(const uint8_t *const *x, const int8_t *q, const float *bsum, size_t stride,
                                   const float *const *s, float *out) {
  const __m512i z = _mm512_setzero_si512();
  const size_t nb = stride / Q8_BLOCK;
  __m128 a = _mm_setzero_ps(), o = _mm_setzero_ps();
  for (size_t i = 0, b = 0; i < stride; i += 64, b += 2) {
    __m512i qv = _mm512_loadu_si512(q + i);
    __m128 r01, r23, s01, s23, l01, l23;
    block_pairs4(_mm512_dpbusd_epi32(z, _mm512_loadu_si512(x[0] + i), qv),
                 _mm512_dpbusd_epi32(z, _mm512_loadu_si512(x[1] + i), qv),
                 _mm512_dpbusd_epi32(z, _mm512_loadu_si512(x[2] + i), qv),
                 _mm512_dpbusd_epi32(z, _mm512_loadu_si512(x[3] + i), qv), &r01, &r23);
    PAIRS(s, b, s01, s23);                                               /* steps of blocks b, b + 1 */
    PAIRS(s, nb + b, l01, l23);                                          /* their offsets */
    __m128 bs = _mm_castpd_ps(_mm_load1_pd((const double *)(bsum + b))); /* [q_b, q_b+1] twice */
    __m128 p01 = _mm_mul_ps(r01, s01), p23 = _mm_mul_ps(r23, s23);
    __m128 f01 = _mm_mul_ps(l01, bs), f23 = _mm_mul_ps(l23, bs);
    /* block b of each row, then block b + 1 */
    a = _mm_add_ps(a, _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(2, 0, 2, 0)));
    a = _mm_add_ps(a, _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(3, 1, 3, 1)));
    o = _mm_add_ps(o, _mm_shuffle_ps(f01, f23, _MM_SHUFFLE(2, 0, 2, 0)));
    o = _mm_add_ps(o, _mm_shuffle_ps(f01, f23, _MM_SHUFFLE(3, 1, 3, 1)));
  }
  _mm_storeu_ps(out, _mm_add_ps(o, a));
}
#undef PAIRS

VNNI static void dot_rows_vnni(const uint8_t *data, size_t rows, size_t stride, const int8_t *q,
                               const float *bsum, const float *meta, size_t mstride, float *out) {
  size_t r = 0;
  const __m512i qv = _mm512_loadu_si512(q);
  const __m128 bs2 = _mm_castpd_ps(_mm_load1_pd((const double *)bsum));
  for (; r + 4 <= rows; r += 4) {
    const uint8_t *x[4];
    const float *s[4];
    for (int j = 0; j < 4; j++) {
      x[j] = data + (r + j) * stride;
      s[j] = meta + (r + j) * mstride;
    }
    if (stride == 64)
      _mm_storeu_ps(out + r, rows4_64(x, s, qv, bs2));
    else
      rows4_vnni(x, q, bsum, stride, s, out + r);
  }
  for (; r < rows; r++) out[r] = dot_vnni(data + r * stride, q, stride, meta + r * mstride, bsum);
}

VNNI static void dot_gather_vnni(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n,
                                 const int8_t *q, const float *bsum, const float *meta, size_t mstride,
                                 float *out) {
  size_t i = 0;
  const __m512i qv = _mm512_loadu_si512(q);
  const __m128 bs2 = _mm_castpd_ps(_mm_load1_pd((const double *)bsum));
  for (; i + 4 <= n; i += 4) {
    const uint8_t *x[4];
    const float *s[4];
    for (int j = 0; j < 4; j++) {
      x[j] = data + (size_t)ids[i + j] * stride;
      s[j] = meta + (size_t)ids[i + j] * mstride;
    }
    if (stride == 64)
      _mm_storeu_ps(out + i, rows4_64(x, s, qv, bs2));
    else
      rows4_vnni(x, q, bsum, stride, s, out + i);
  }
  for (; i < n; i++)
    out[i] = dot_vnni(data + (size_t)ids[i] * stride, q, stride, meta + (size_t)ids[i] * mstride, bsum);
}

VNNI static float fdot_avx512(const uint8_t *x, const float *q, size_t n, const float *step) {
  __m512 t = _mm512_setzero_ps();
  for (size_t b = 0, i = 0; i < n; b++, i += Q8_BLOCK) {
    __m512 x0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(x + i))));
    __m512 x1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(x + i + 16))));
    __m512 a = _mm512_fmadd_ps(x1, _mm512_loadu_ps(q + i + 16), _mm512_mul_ps(x0, _mm512_loadu_ps(q + i)));
    t = _mm512_fmadd_ps(a, _mm512_set1_ps(step[b]), t);
  }
  return _mm512_reduce_add_ps(t);
}

static const q8_kernels k_vnni = {"avx512vnni",    dot_vnni,       fdot_avx512, dot_rows_vnni,
                                  dot_gather_vnni, cdot_avx2}; /* AVX2's: a VNNI CPU runs it */
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
