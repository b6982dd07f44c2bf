/*
** knn_flat: exact search by a blocked full scan. See knn_flat.h.
**
** The block kernel computes KNN_BLOCK distances at a time into a small buffer
** that stays in L1; a vectorized compare against the heap threshold then
** skips most rows without touching the heap. The kernel is compiled for
** AVX-512, AVX2 and baseline (target_clones) like src/vec.c.
*/
#include "knn_flat.h"

#include <math.h>
#include <stdlib.h>

#include "vec.h"

#define KNN_BLOCK 256
#define KNN_LANES 16

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(RECSQL_NO_CLONES)
#define KNN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KNN_CLONES
#endif

float knn_distance(int metric, const float *q, const float *x, size_t dim) {
  switch (metric) {
    case KNN_IP: return -vec_dot(q, x, dim);
    case KNN_COSINE: return 1.0f - vec_dot(q, x, dim);
    default: return vec_l2sq(q, x, dim);
  }
}

/* dot products of q with n rows. Four rows at a time, each with its own lane
** accumulators, so the adds of different rows overlap; the summation order
** of a row does not depend on how rows are grouped. */
KNN_CLONES
static void block_dot(const float *data, size_t n, size_t dim, const float *q, float *out) {
  size_t full = dim - dim % KNN_LANES, r = 0;
  for (; r + 4 <= n; r += 4) {
    const float *x0 = data + r * dim, *x1 = x0 + dim, *x2 = x1 + dim, *x3 = x2 + dim;
    float a0[KNN_LANES] = {0}, a1[KNN_LANES] = {0}, a2[KNN_LANES] = {0}, a3[KNN_LANES] = {0};
    for (size_t i = 0; i < full; i += KNN_LANES)
      for (int l = 0; l < KNN_LANES; l++) {
        float qv = q[i + l];
        a0[l] += qv * x0[i + l];
        a1[l] += qv * x1[i + l];
        a2[l] += qv * x2[i + l];
        a3[l] += qv * x3[i + l];
      }
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (size_t i = full; i < dim; i++) {
      s0 += q[i] * x0[i];
      s1 += q[i] * x1[i];
      s2 += q[i] * x2[i];
      s3 += q[i] * x3[i];
    }
    for (int l = 0; l < KNN_LANES; l++) {
      s0 += a0[l];
      s1 += a1[l];
      s2 += a2[l];
      s3 += a3[l];
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < n; r++) {
    const float *x = data + r * dim;
    float acc[KNN_LANES] = {0};
    for (size_t i = 0; i < full; i += KNN_LANES)
      for (int l = 0; l < KNN_LANES; l++) acc[l] += q[i + l] * x[i + l];
    float s = 0.0f;
    for (size_t i = full; i < dim; i++) s += q[i] * x[i];
    for (int l = 0; l < KNN_LANES; l++) s += acc[l];
    out[r] = s;
  }
}

KNN_CLONES
static void block_l2sq(const float *data, size_t n, size_t dim, const float *q, float *out) {
  size_t full = dim - dim % KNN_LANES;
  for (size_t r = 0; r < n; r++) {
    const float *x = data + r * dim;
    float acc[KNN_LANES] = {0};
    for (size_t i = 0; i < full; i += KNN_LANES)
      for (int l = 0; l < KNN_LANES; l++) {
        float d = q[i + l] - x[i + l];
        acc[l] += d * d;
      }
    float s = 0.0f;
    for (size_t i = full; i < dim; i++) {
      float d = q[i] - x[i];
      s += d * d;
    }
    for (int l = 0; l < KNN_LANES; l++) s += acc[l];
    out[r] = s;
  }
}

void knn_distances(int metric, const float *data, size_t n, size_t dim, const float *q, float *out) {
  if (metric == KNN_L2) {
    block_l2sq(data, n, dim, q, out);
    return;
  }
  block_dot(data, n, dim, q, out);
  float base = metric == KNN_COSINE ? 1.0f : 0.0f;
  for (size_t i = 0; i < n; i++) out[i] = base - out[i];
}

int knn_flat_search(int metric, const float *data, size_t n, size_t dim, const float *q, const uint8_t *skip,
                    topk *t) {
  float buf[KNN_BLOCK];
  for (size_t b = 0; b < n; b += KNN_BLOCK) {
    size_t m = n - b < KNN_BLOCK ? n - b : KNN_BLOCK;
    knn_distances(metric, data + b * dim, m, dim, q, buf);
    /* a candidate must have -d >= threshold, i.e. d <= -threshold */
    double th = topk_threshold(t);
    float lim = th == -INFINITY ? INFINITY : (float)-th;
    for (size_t i = 0; i < m; i++) {
      if (buf[i] > lim) continue;
      if (skip && skip[b + i]) continue;
      topk_push(t, -(double)buf[i], (uint32_t)(b + i));
      th = topk_threshold(t);
      lim = th == -INFINITY ? INFINITY : (float)-th;
    }
  }
  return 0;
}

void knn_flat_search_rows(int metric, const float *data, size_t dim, const float *q, const uint32_t *rows,
                          size_t nrows, topk *t) {
  for (size_t i = 0; i < nrows; i++) {
    float d = knn_distance(metric, q, data + (size_t)rows[i] * dim, dim);
    topk_push(t, -(double)d, rows[i]);
  }
}

/* d[i] = q8_distance of the kernel's dots d[i] of n rows of squared norms
** n2 (the metric's loop apart, so that each vectorizes). */
static void q8_distances(int metric, const q8_query *q, const float *n2, float *d, size_t n) {
  const float s = q->s;
  if (metric == KNN_IP) {
    for (size_t i = 0; i < n; i++) d[i] = -(s * d[i]);
  } else if (metric == KNN_COSINE) {
    for (size_t i = 0; i < n; i++) d[i] = 1.0f - s * d[i];
  } else {
    for (size_t i = 0; i < n; i++) d[i] = q->n2 + n2[i] - 2.0f * (s * d[i]);
  }
}

int knn_flat_search_q8(int metric, const knn_q8_rows *x, const q8_query *q, const uint8_t *skip, topk *t) {
  float raw[KNN_BLOCK];
  const size_t ms = q8_meta_floats(x->stride);
  for (size_t b = 0; b < x->n; b += KNN_BLOCK) {
    size_t m = x->n - b < KNN_BLOCK ? x->n - b : KNN_BLOCK;
    x->kern->dot_rows(x->codes + b * x->stride, m, x->stride, q->c, q->bsum, x->meta + b * ms, ms, raw);
    q8_distances(metric, q, x->norms + b, raw, m);
    double th = topk_threshold(t);
    float lim = th == -INFINITY ? INFINITY : (float)-th;
    for (size_t i = 0; i < m; i++) {
      float d = raw[i];
      if (d > lim || (skip && skip[b + i])) continue;
      topk_push(t, -(double)d, (uint32_t)(b + i));
      th = topk_threshold(t);
      lim = th == -INFINITY ? INFINITY : (float)-th;
    }
  }
  return 0;
}

void knn_flat_search_rows_q8(int metric, const knn_q8_rows *x, const q8_query *q, const uint32_t *rows,
                             size_t nrows, topk *t) {
  const size_t ms = q8_meta_floats(x->stride);
  for (size_t i = 0; i < nrows; i++) {
    uint32_t r = rows[i];
    const float *m = x->meta + ms * (size_t)r;
    float raw = x->kern->dot(x->codes + (size_t)r * x->stride, q->c, x->stride, m, q->bsum);
    topk_push(t, -(double)q8_distance(metric, q, raw, x->norms[r]), r);
  }
}

void knn_normalize(float *x, size_t dim) {
  double s = vec_normsq_d(x, dim);
  if (s > 0) vec_scale((float)(1.0 / sqrt(s)), x, dim);
}
