/*
** knn_flat: exact k-nearest-neighbour search by a full scan of a contiguous
** float32 matrix (n rows of dim floats).
**
** Distances, smaller is nearer:
**   KNN_IP      -dot(q, x)                 (pgvector's <#>)
**   KNN_COSINE  1 - dot(q, x) on unit vectors (the caller normalizes both)
**   KNN_L2      squared Euclidean |q - x|^2 (callers take sqrt for output)
**
** The scan computes a block of distances with a vectorized kernel, then offers
** only the candidates that beat the current k-th best to a bounded heap
** (src/topk.h), so the cost is one streaming pass over the matrix.
*/
#ifndef RECSQL_KNN_FLAT_H
#define RECSQL_KNN_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"
#include "topk.h"

enum { KNN_IP = 0, KNN_COSINE = 1, KNN_L2 = 2 };

/* Distance between q and x under metric (see above). */
float knn_distance(int metric, const float *q, const float *x, size_t dim);

/* Distances from q to rows [0, n) of data into out[0, n). */
void knn_distances(int metric, const float *data, size_t n, size_t dim, const float *q, float *out);

/* Offers every row i of data with skip == NULL or skip[i] == 0 to t, scored
** by -distance (topk keeps the highest scores; ties go to the smaller row).
** Returns 0, or -1 when out of memory. */
int knn_flat_search(int metric, const float *data, size_t n, size_t dim, const float *q, const uint8_t *skip,
                    topk *t);

/* Same, over the rows listed in rows[0, nrows) only (any order, no repeats). */
void knn_flat_search_rows(int metric, const float *data, size_t dim, const float *q, const uint32_t *rows,
                          size_t nrows, topk *t);

/* ---- int8 rows (src/quant.h): affine codes, rows of stride bytes, and
** per row q8_meta_floats(stride) floats (steps and offsets per block) and
** the squared norm of the decoded row ---- */

/* The distance under metric from a dot product d and squared norms. */
static inline float knn_distance_of_dot(int metric, float d, float qn2, float xn2) {
  return metric == KNN_IP ? -d : metric == KNN_COSINE ? 1.0f - d : qn2 + xn2 - 2.0f * d;
}

/* The distance under metric from a kernel's dot of q's codes with a row of
** squared norm n2 (the decoded query's dot is q->s times it). */
static inline float q8_distance(int metric, const q8_query *q, float dot, float n2) {
  return knn_distance_of_dot(metric, q->s * dot, q->n2, n2);
}

typedef struct knn_q8_rows knn_q8_rows;
struct knn_q8_rows {
  const q8_kernels *kern;
  const uint8_t *codes;
  size_t n, stride;
  const float *meta;  /* q8_meta_floats(stride) per row */
  const float *norms; /* one per row */
};

/* knn_flat_search over int8 rows. Returns 0. */
int knn_flat_search_q8(int metric, const knn_q8_rows *x, const q8_query *q, const uint8_t *skip, topk *t);

/* knn_flat_search_rows over int8 rows. */
void knn_flat_search_rows_q8(int metric, const knn_q8_rows *x, const q8_query *q, const uint32_t *rows,
                             size_t nrows, topk *t);

/* Scales x to unit length in place (a zero vector stays zero). */
void knn_normalize(float *x, size_t dim);

#endif
