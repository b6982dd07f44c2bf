/*
** quant: int8 scalar quantization of float32 vectors and the int8 dot
** product kernels that search them (knn_index's quantize=int8).
**
** Symmetric codes (embed_quantize_int8's BLOB, knn_index storage format 2).
** A vector x gets one scale s = max|x_i| / 127 and codes c_i = round(x_i / s)
** in [-127, 127] (ties away from zero), so that x_i ~ c_i * s. A zero vector
** has s = 0 and codes 0. The BLOB layout is the dim codes as signed bytes
** (sqlite-vec's int8 vector) followed by s as a float32 little-endian.
**
** Affine codes (knn_index's stored vectors since format 3). A vector x gets
** unsigned codes u_i in [0, 255], an offset lo and a step s, decoded as
** lo + s * u_i. The encoder tries a small grid of steps and offsets around
** the vector's own range (steps (max - min) / 255 * f for Q8_TRIAL_STEPS
** values of f in [1, 1 + Q8_TRIAL_SPAN], each with Q8_TRIAL_SHIFTS offsets
** that keep [min, max] on the grid), rounds, refits (lo, s) to the codes by
** least squares, and keeps the trial with the smallest squared error. Per
** vector: no training pass, no state shared between vectors, rows can be
** inserted one at a time. docs/knn_index.md has the measurements that chose
** it (its error is about 20% under the symmetric codes').
**
** Kernels. dot computes the exact integer sum of x_i * q_i with x unsigned
** bytes and q signed ([-127, 127]) over n bytes, n a multiple of Q8_PAD
** (rows and queries are zero-padded). This unsigned-by-signed form is what
** AVX-512 VNNI's vpdpbusd computes in one instruction per 64 bytes; the AVX2
** kernel widens to 16 bits and uses vpmaddwd; the scalar kernel is the
** reference. fdot is the same sum against a float query (n floats, padded
** with zeros): the asymmetric distance, where only the stored vector is
** quantized. The kernels are chosen at run time from the CPU
** (__builtin_cpu_supports), and every kernel available on the CPU can be
** asked for by name (unit tests compare them).
*/
#ifndef RECSQL_QUANT_H
#define RECSQL_QUANT_H

#include <stddef.h>
#include <stdint.h>

#define Q8_PAD 64
#define Q8_MAX 127

/* Row stride in bytes: dim rounded up to a multiple of Q8_PAD. */
size_t q8_stride(size_t dim);

/* The per-vector scale max|x_i| / 127 (0 for a zero vector). */
float q8_scale(const float *x, size_t dim);

/* Codes of x under scale s: round(x_i / s) clamped to [-127, 127]; all 0
** when s <= 0. Returns the number of values that were clamped. */
size_t q8_encode(const float *x, size_t dim, float s, int8_t *out);

/* x_i = c_i * s. */
void q8_decode(const int8_t *c, size_t dim, float s, float *out);

#define Q8_TRIAL_STEPS 16
#define Q8_TRIAL_SHIFTS 4
#define Q8_TRIAL_SPAN 0.1

/* Affine codes of x (see above): u (dim bytes), *lo and *step; tmp is
** scratch of dim bytes. A constant vector gets codes 0, lo = its value and
** step 0. */
void q8_encode_affine(const float *x, size_t dim, uint8_t *u, uint8_t *tmp, float *lo, float *step);

/* x_i = lo + step * u_i. */
void q8_decode_affine(const uint8_t *u, size_t dim, float lo, float step, float *out);

/* A quantized query: symmetric codes c (stride bytes, zero-padded), scale
** s, sum = sum(c), n2 = squared norm of the decoded query. */
typedef struct q8_query q8_query;
struct q8_query {
  const int8_t *c;
  float s, sum, n2;
};

/* Quantizes x into buf (stride bytes) and fills q. */
void q8_query_make(const float *x, size_t dim, size_t stride, int8_t *buf, q8_query *q);

/* The dot product of the decoded query and an affine row (lo, step) from a
** kernel's sum raw of the query's codes with the row's codes. */
static inline float q8_dot_of(const q8_query *q, int32_t raw, float lo, float step) {
  return q->s * (lo * q->sum + step * (float)raw);
}

typedef struct q8_kernels q8_kernels;
struct q8_kernels {
  const char *name; /* "avx512vnni", "avx2", "scalar" */
  /* sum of x_i * q_i over n bytes (n a multiple of Q8_PAD) */
  int32_t (*dot)(const uint8_t *x, const int8_t *q, size_t n);
  /* sum of x_i * q_i, q float, over n values (n a multiple of Q8_PAD) */
  float (*fdot)(const uint8_t *x, const float *q, size_t n);
  /* out[r] = dot(data + r * stride, q, stride) for r in [0, rows) */
  void (*dot_rows)(const uint8_t *data, size_t rows, size_t stride, const int8_t *q, int32_t *out);
  /* out[i] = dot(data + ids[i] * stride, q, stride) for i in [0, n): the
  ** neighbours of a graph node, in one call */
  void (*dot_gather)(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n, const int8_t *q,
                     int32_t *out);
};

/* The kernels named name, or NULL when this CPU (or compiler) lacks them. */
const q8_kernels *q8_kernels_named(const char *name);

/* The fastest kernels this CPU runs. */
const q8_kernels *q8_kernels_best(void);

#endif
