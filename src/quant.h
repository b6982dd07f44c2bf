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
** unsigned codes u_i in [0, 255], and per block of its dimensions an offset
** lo and a step s, decoded as lo + s * u_i. The encoder tries a small grid
** of steps and offsets around the block's own range (steps (max - min) / 255
** * f for Q8_TRIAL_STEPS values of f in [1, 1 + Q8_TRIAL_SPAN], each with
** Q8_TRIAL_SHIFTS offsets that keep [min, max] on the grid), rounds, refits
** (lo, s) to the codes by least squares, and keeps the trial with the
** smallest squared error. Format 3 has one block (the whole vector); format
** 4 blocks of Q8_BLOCK dimensions, whose ranges are narrower than the
** vector's: 8 more bytes per 32 dimensions, a third less error (recall@10
** on 100k Gaussian vectors 0.989 -> 0.992; docs/knn_index.md). No training
** pass, no state shared between vectors, rows can be inserted one at a time.
**
** In memory every store keeps, per row, one (lo, step) per Q8_BLOCK bytes
** of its stride (a vector of fewer, wider blocks repeats its values):
** q8_meta_floats(stride) floats, steps first, then offsets (the kernels
** read both; 16 bytes at 64 dimensions, four rows to a cache line), and
** apart the squared norm of the decoded vector (L2 only needs it).
**
** Kernels. dot computes, for each Q8_BLOCK bytes, the exact integer sum of
** x_i * q_i with x unsigned bytes and q signed ([-127, 127]), over n bytes,
** n a multiple of Q8_PAD (rows and queries are zero-padded), and returns
** the dot product of the row's decoded values with the query's codes: the
** sum of the row's offsets times the query's block sums, plus the sum of
** the exact block sums times the row's steps (the kernels agree to float
** rounding; rows of 64 bytes scale the products' lanes before one
** reduction).
** This unsigned-by-signed form is what AVX-512 VNNI's vpdpbusd computes in
** one instruction per 64 bytes; the AVX2 kernel widens to 16 bits and uses
** vpmaddwd; the scalar kernel is the reference. fdot is the same against a
** float query (n floats, padded with zeros): the asymmetric distance, where
** only the stored vector is quantized. The kernels are chosen at run time from the CPU
** (__builtin_cpu_supports), and every kernel available on the CPU can be
** asked for by name (unit tests compare them).
*/
#ifndef RECSQL_QUANT_H
#define RECSQL_QUANT_H

#include <stddef.h>
#include <stdint.h>

#define Q8_PAD 64
#define Q8_MAX 127
#define Q8_BLOCK 32

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

/* Affine codes of x (see above) as one block: u (dim bytes), *lo and
** *step; tmp is scratch of dim bytes, or NULL for the first trial only
** (the min-max grid, refitted: faster, a larger error). A
** constant vector gets codes 0, lo = its value and step 0. */
void q8_encode_affine(const float *x, size_t dim, uint8_t *u, uint8_t *tmp, float *lo, float *step);

/* Blocks of block dimensions (the last may be shorter) in dim. */
size_t q8_nblocks(size_t dim, size_t block);

/* Affine codes of x by blocks of block dimensions: u (dim bytes), lo[b]
** and step[b] for each of q8_nblocks(dim, block) blocks; tmp as for
** q8_encode_affine. */
void q8_encode_blocks(const float *x, size_t dim, size_t block, uint8_t *u, uint8_t *tmp, float *lo,
                      float *step);

/* In-memory row metadata (see above): floats per row of stride bytes (a
** multiple of 4: rows never straddle two cache lines). */
static inline size_t q8_meta_floats(size_t stride) { return 2 * (stride / Q8_BLOCK); }

/* Fills the metadata m of the row u (dim codes) stored as blocks of block
** dimensions with offsets lo and steps step; returns the squared norm of
** the decoded vector. */
float q8_meta_fill(float *m, size_t stride, size_t dim, size_t block, const uint8_t *u, const float *lo,
                   const float *step);

/* x_i = lo + step * u_i. */
void q8_decode_affine(const uint8_t *u, size_t dim, float lo, float step, float *out);

/* The same by blocks of block dimensions. */
void q8_decode_blocks(const uint8_t *u, size_t dim, size_t block, const float *lo, const float *step,
                      float *out);

/* A quantized query: symmetric codes c (stride bytes, zero-padded), scale
** s, bsum[b] = the sum of c over block b, n2 = squared norm of the decoded
** query. */
typedef struct q8_query q8_query;
struct q8_query {
  const int8_t *c;
  const float *bsum;
  float s, n2;
};

/* Quantizes x into buf (stride bytes) and bsum (stride / Q8_BLOCK floats)
** and fills q. */
void q8_query_make(const float *x, size_t dim, size_t stride, int8_t *buf, float *bsum, q8_query *q);

/* The sum over blocks of lo[b] * bsum[b] (in block order). */
static inline float q8_offsets_dot(const float *lo, const float *bsum, size_t nb) {
  float a = 0.0f;
  for (size_t b = 0; b < nb; b++) a += lo[b] * bsum[b];
  return a;
}

typedef struct q8_kernels q8_kernels;
struct q8_kernels {
  const char *name; /* "avx512vnni", "avx2", "scalar" */
  /* the row x (n bytes, n a multiple of Q8_PAD) of metadata m (n /
  ** Q8_BLOCK steps, then as many offsets) dotted with the query codes q of
  ** block sums bsum (see above) */
  float (*dot)(const uint8_t *x, const int8_t *q, size_t n, const float *m, const float *bsum);
  /* sum over blocks b of step[b] * (sum of x_i * q_i over block b), q
  ** float, over n values (the offsets are the caller's) */
  float (*fdot)(const uint8_t *x, const float *q, size_t n, const float *step);
  /* out[r] = dot(data + r * stride, q, stride, meta + r * mstride, bsum)
  ** for r in [0, rows) */
  void (*dot_rows)(const uint8_t *data, size_t rows, size_t stride, const int8_t *q, const float *bsum,
                   const float *meta, size_t mstride, float *out);
  /* out[i] = dot(data + ids[i] * stride, q, stride, meta + ids[i] *
  ** mstride, bsum) for i in [0, n): the neighbours of a graph node, in one
  ** call */
  void (*dot_gather)(const uint8_t *data, size_t stride, const uint32_t *ids, size_t n, const int8_t *q,
                     const float *bsum, const float *meta, size_t mstride, float *out);
  /* the dot of the decoded vectors of two rows x and y (n bytes, the codes
  ** of dim values, zero after them) of metadata mx and my, from the exact
  ** integer sums of each block: x . y, y's sum, and xsum[b], x's (from
  ** q8_code_sums); the decoded values themselves are never formed */
  float (*cdot)(const uint8_t *x, const uint8_t *y, size_t n, size_t dim, const float *mx, const float *my,
                const float *xsum);
};

/* xsum[b] = the sum of the codes x of block b, for b < n / Q8_BLOCK. */
void q8_code_sums(const uint8_t *x, size_t n, float *xsum);

/* The kernels named name, or NULL when this CPU (or compiler) lacks them. */
const q8_kernels *q8_kernels_named(const char *name);

/* The fastest kernels this CPU runs. */
const q8_kernels *q8_kernels_best(void);

#endif
