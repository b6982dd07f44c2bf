/* quant: symmetric codes by hand; affine codes against the independent
** reference tests/data/q8_affine.py (its printed values); every int8 kernel
** this CPU runs against an independent sum on random data (all dimensions
** up to 300, extreme bytes; the scalar kernel exactly, the others to float
** rounding);
** int8 stores of src/hnsw (flat and graph, every metric): recall against
** exact float search, re-ranking, codes given directly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/hnsw.h"
#include "../../src/knn_flat.h"
#include "../../src/quant.h"
#include "../../src/rng.h"
#include "unit.h"

static void codes_by_hand(void **state) {
  (void)state;
  /* max |x| = 1: scale 1/127; -0.5 * 127 = -63.5 rounds away from zero to -64 */
  const float x[3] = {1.0f, -0.5f, 0.25f};
  float s = q8_scale(x, 3);
  assert_float_equal(s, 1.0f / 127.0f, 1e-9);
  int8_t c[3];
  assert_int_equal(q8_encode(x, 3, s, c), 0);
  assert_int_equal(c[0], 127);
  assert_int_equal(c[1], -64);
  assert_int_equal(c[2], 32);
  float y[3];
  q8_decode(c, 3, s, y);
  assert_float_equal(y[1], -64.0f / 127.0f, 1e-7);
  /* a given scale clamps: 1 / 0.005 = 200 -> 127, counted */
  assert_int_equal(q8_encode(x, 3, 0.005f, c), 1);
  assert_int_equal(c[0], 127);
  assert_int_equal(c[1], -100);
  assert_int_equal(c[2], 50);
  /* zero vector: scale 0, codes 0 */
  const float z[2] = {0.0f, -0.0f};
  assert_float_equal(q8_scale(z, 2), 0.0f, 0);
  c[0] = c[1] = 9;
  q8_encode(z, 2, 0.0f, c);
  assert_int_equal(c[0], 0);
  assert_int_equal(c[1], 0);
  assert_int_equal(q8_stride(1), 64);
  assert_int_equal(q8_stride(64), 64);
  assert_int_equal(q8_stride(65), 128);
}

static void query_offsets(void **state) {
  (void)state;
  const float x[3] = {2.0f, -1.0f, 0.0f};
  int8_t buf[64];
  float bsum[2] = {9, 9};
  memset(buf, 7, sizeof buf);
  q8_query q;
  q8_query_make(x, 3, 64, buf, bsum, &q);
  /* codes 127, round(-63.5) = -64, 0: sum 63; padding zeroed */
  assert_int_equal(buf[0], 127);
  assert_int_equal(buf[1], -64);
  assert_int_equal(buf[63], 0);
  assert_float_equal(q.bsum[0], 63.0f, 0);
  assert_float_equal(q.bsum[1], 0.0f, 0);
  assert_float_equal(q.n2, (127.0 * 127 + 64 * 64) * (2.0 / 127) * (2.0 / 127), 1e-5);
}

/* One vector against the values tests/data/q8_affine.py prints for it. */
static void check_affine(const float *x, size_t dim, const uint8_t *want, uint32_t lo_bits,
                         uint32_t step_bits) {
  uint8_t u[32], tmp[32];
  float lo, step;
  q8_encode_affine(x, dim, u, tmp, &lo, &step);
  for (size_t i = 0; i < dim; i++) assert_int_equal(u[i], want[i]);
  uint32_t lb, sb;
  memcpy(&lb, &lo, 4);
  memcpy(&sb, &step, 4);
  assert_int_equal(lb, lo_bits);
  assert_int_equal(sb, step_bits);
}

static void affine_codes(void **state) {
  (void)state;
  const float v8[8] = {1, -0.5f, 0.25f, 0.3f, -0.7f, 0.05f, 0.9f, -0.33f};
  check_affine(v8, 8, (const uint8_t[]){238, 28, 133, 140, 0, 105, 224, 52}, 0xBF334BBE, 0x3BEA1CEC);
  float v20[20];
  for (int i = 0; i < 20; i++) v20[i] = (float)(sin(1.7 * i + 0.3) * (1 + i % 3));
  check_affine(v20, 20, (const uint8_t[]){131, 200, 45,  82, 184, 197, 77,  85, 250, 122,
                                          26,  138, 161, 81, 0,   145, 181, 8,  95,  202},
               0xC024C4C6, 0x3CB3D249);
  /* [2, -1, 0.5] = -1 + (252, 0, 126) / 84 exactly: no later trial beats it */
  check_affine((const float[]){2, -1, 0.5f}, 3, (const uint8_t[]){252, 0, 126}, 0xBF800000, 0x3C430C31);
  check_affine((const float[]){3, 4, 0}, 3, (const uint8_t[]){189, 252, 0}, 0x00000000, 0x3C820821);
  /* a constant vector: codes 0, lo its value, step 0 */
  check_affine((const float[]){2, 2, 2}, 3, (const uint8_t[]){0, 0, 0}, 0x40000000, 0x00000000);
  /* the error of the kept codes is at most that of the plain min/max grid */
  rng g;
  rng_seed(&g, 5, 0);
  for (int t = 0; t < 200; t++) {
    float x[32], y[32], lo, step;
    uint8_t u[32], tmp[32];
    for (int i = 0; i < 32; i++) x[i] = (float)rng_normal(&g);
    q8_encode_affine(x, 32, u, tmp, &lo, &step);
    q8_decode_affine(u, 32, lo, step, y);
    float mn = x[0], mx = x[0];
    for (int i = 1; i < 32; i++) {
      mn = fminf(mn, x[i]);
      mx = fmaxf(mx, x[i]);
    }
    double e = 0, e0 = 0, s0 = ((double)mx - mn) / 255;
    for (int i = 0; i < 32; i++) {
      double r = x[i] - (mn + s0 * floor((x[i] - mn) / s0 + 0.5));
      e += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
      e0 += r * r;
    }
    assert_true(e <= e0 * (1 + 1e-5) + 1e-12);
    /* without scratch: the min/max grid's codes, (lo, step) refitted to
    ** them (no worse than the grid, no better than the search) */
    float y1[32], lo1, step1;
    q8_encode_affine(x, 32, u, NULL, &lo1, &step1);
    q8_decode_affine(u, 32, lo1, step1, y1);
    double e1 = 0;
    for (int i = 0; i < 32; i++) {
      assert_int_equal(u[i], (int)floor((x[i] - mn) / s0 + 0.5));
      e1 += ((double)x[i] - y1[i]) * ((double)x[i] - y1[i]);
    }
    assert_true(e1 <= e0 * (1 + 1e-5) + 1e-12);
    assert_true(e <= e1 * (1 + 1e-5) + 1e-12);
  }
}

/* blocks: each block is the one-block code of its slice; the in-memory
** metadata repeats a wide block's values per 32 dimensions */
static void blocks_and_meta(void **state) {
  (void)state;
  float x[40];
  for (int i = 0; i < 40; i++) x[i] = i < 32 ? (float)i / 31.0f : 10.0f + (float)(i - 32);
  assert_int_equal(q8_nblocks(40, 32), 2);
  assert_int_equal(q8_nblocks(40, 40), 1);
  assert_int_equal(q8_nblocks(64, 32), 2);
  uint8_t u[40], tmp[40], u0[32], u1[8];
  float lo[2], step[2], l0, s0, l1, s1;
  q8_encode_blocks(x, 40, 32, u, tmp, lo, step);
  q8_encode_affine(x, 32, u0, tmp, &l0, &s0);
  q8_encode_affine(x + 32, 8, u1, tmp, &l1, &s1);
  assert_memory_equal(u, u0, 32);
  assert_memory_equal(u + 32, u1, 8);
  assert_true(lo[0] == l0 && step[0] == s0 && lo[1] == l1 && step[1] == s1);
  /* 0, 1/31, ..., 1 and 10, ..., 17: each block exact on its own grid */
  float y[40];
  q8_decode_blocks(u, 40, 32, lo, step, y);
  for (int i = 0; i < 40; i++) assert_float_equal(y[i], x[i], 1e-5);
  float m[4];
  float n2w = 0;
  for (int i = 0; i < 40; i++) n2w += y[i] * y[i];
  assert_float_equal(q8_meta_fill(m, 64, 40, 32, u, lo, step), n2w, 1e-3);
  assert_true(m[0] == step[0] && m[1] == step[1] && m[2] == lo[0] && m[3] == lo[1]);
  assert_int_equal(q8_meta_floats(64), 4);
  assert_int_equal(q8_meta_floats(128), 8);
  /* one block over 40 dimensions (format 3): repeated for both 32-byte blocks */
  float l, st;
  q8_encode_blocks(x, 40, 40, u, tmp, &l, &st);
  q8_meta_fill(m, 64, 40, 40, u, &l, &st);
  assert_true(m[0] == st && m[1] == st && m[2] == l && m[3] == l);
  /* a padding block (dimensions past dim) gets zeros */
  q8_meta_fill(m, 64, 20, 32, u, lo, step);
  assert_true(m[0] == step[0] && m[1] == 0.0f && m[2] == lo[0] && m[3] == 0.0f);
}

static const char *const isas[] = {"scalar", "avx2", "avx512vnni"};

static void kernels_match_scalar(void **state) {
  (void)state;
  const q8_kernels *ref = q8_kernels_named("scalar");
  assert_non_null(ref);
  assert_non_null(q8_kernels_best());
  rng g;
  rng_seed(&g, 11, 0);
  enum { ROWS = 37, MAXS = 320 };
  uint8_t *x = malloc(ROWS * MAXS);
  int8_t q[MAXS];
  float qf[MAXS];
  /* per row: steps, then offsets; the query's block sums */
  double tol[ROWS];
  float want[ROWS], got[ROWS], *steps = malloc(2 * ROWS * MAXS / Q8_BLOCK * sizeof(float));
  float bsum[MAXS / Q8_BLOCK];
  assert_non_null(steps);
  assert_non_null(x);
  int tested = 0;
  for (size_t ki = 0; ki < sizeof isas / sizeof *isas; ki++) {
    const q8_kernels *k = q8_kernels_named(isas[ki]);
    if (!k) {
      print_message("kernel %s: not on this CPU\n", isas[ki]);
      continue;
    }
    tested++;
    for (size_t dim = 1; dim <= 300; dim += 7) {
      size_t st = q8_stride(dim);
      for (int trial = 0; trial < 3; trial++) {
        for (size_t i = 0; i < ROWS * st; i++) {
          uint32_t r = rng_below(&g, 256);
          /* trial 2: extremes only */
          x[i] = (uint8_t)(trial == 2 ? (r & 1 ? 255 : 1) : r);
        }
        for (size_t i = 0; i < st; i++) {
          int v = (int)rng_below(&g, 255) - 127;
          q[i] = (int8_t)(trial == 2 ? (v < 0 ? -127 : 127) : v);
        }
        for (size_t i = 0; i < st; i++) qf[i] = i < dim ? (float)rng_normal(&g) : 0.0f;
        /* per-row steps: random, one zero, one huge; offsets any sign */
        const size_t nb = st / Q8_BLOCK;
        for (size_t i = 0; i < 2 * ROWS * nb; i++)
          steps[i] = i % nb != i % (2 * nb) ? (float)(rng_normal(&g) * 3)
                     : i % 7 == 3           ? 0.0f
                     : i % 11 == 5          ? 1e6f
                                            : (float)(0.001 + rng_double(&g));
        for (size_t b = 0; b < nb; b++) bsum[b] = (float)((int)rng_below(&g, 8129) - 4064);
        for (size_t r = 0; r < ROWS; r++) {
          const uint8_t *xr = x + r * st;
          const float *sr = steps + r * 2 * nb;
          /* independent: exact block sums, each times its step in float,
          ** added from 0 in block order */
          float w = 0.0f;
          double fw = 0, fa = 0, ia = 0;
          for (size_t b = 0; b < nb; b++) {
            int64_t raw = 0;
            double fb = 0;
            for (size_t i = b * Q8_BLOCK; i < (b + 1) * Q8_BLOCK; i++) {
              raw += (int64_t)xr[i] * q[i];
              ia += fabs((double)sr[b] * xr[i] * q[i]); /* the terms before cancelling */
              fb += (double)xr[i] * qf[i];
              fa += fabs((double)xr[i] * qf[i] * sr[b]);
            }
            float p = sr[b] * (float)raw;
            w = w + p;
            ia += fabs((double)sr[nb + b] * bsum[b]);
            fw += sr[b] * fb;
          }
          /* then the offsets times the query's block sums, before */
          float o = 0.0f;
          for (size_t b = 0; b < nb; b++) {
            float p = sr[nb + b] * bsum[b];
            o = o + p;
          }
          want[r] = o + w;
          /* the scalar kernel adds in that order; the others to float rounding */
          assert_true(ref->dot(xr, q, st, sr, bsum) == want[r]);
          tol[r] = 1e-5 * (ia + 1e-30); /* float epsilon times the terms added */
          assert_float_equal(k->dot(xr, q, st, sr, bsum), want[r], tol[r]);
          /* float sums in another order: equal to float rounding */
          assert_float_equal(k->fdot(xr, qf, st, sr), fw, 1e-5 * (fa + 1));
        }
        k->dot_rows(x, ROWS, st, q, bsum, steps, 2 * nb, got);
        for (size_t r = 0; r < ROWS; r++) assert_float_equal(got[r], want[r], tol[r]);
        uint32_t ids[ROWS];
        for (size_t r = 0; r < ROWS; r++) ids[r] = rng_below(&g, ROWS);
        /* ROWS - 2 = 35 rows: groups of four and a tail of three */
        k->dot_gather(x, st, ids, ROWS - 2, q, bsum, steps, 2 * nb, got);
        for (size_t r = 0; r < ROWS - 2; r++) assert_float_equal(got[r], want[ids[r]], tol[ids[r]]);
      }
    }
  }
  print_message("int8 kernels tested: %d (best: %s)\n", tested, q8_kernels_best()->name);
  free(x);
  free(steps);
}

/* cdot of two rows (codes zero after dim) equals the dot of their decoded
** vectors computed in double, for every kernel and dims with partial and
** empty blocks; and q8_code_sums are the blocks' sums. */
static void cdot_decoded(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 12, 0);
  enum { MAXS = 320 };
  uint8_t x[MAXS], y[MAXS];
  float mx[2 * MAXS / Q8_BLOCK], my[2 * MAXS / Q8_BLOCK], xs[MAXS / Q8_BLOCK];
  static const size_t dims[] = {1, 20, 32, 33, 40, 64, 100, 300};
  for (size_t ki = 0; ki < sizeof isas / sizeof *isas; ki++) {
    const q8_kernels *k = q8_kernels_named(isas[ki]);
    if (!k) continue;
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++) {
      const size_t dim = dims[di], st = q8_stride(dim), nb = st / Q8_BLOCK;
      for (int trial = 0; trial < 20; trial++) {
        for (size_t i = 0; i < st; i++) {
          x[i] = i < dim ? (uint8_t)(trial == 0 ? 255 : rng_below(&g, 256)) : 0;
          y[i] = i < dim ? (uint8_t)(trial == 0 ? 255 : rng_below(&g, 256)) : 0;
        }
        for (size_t b = 0; b < 2 * nb; b++) {
          mx[b] = (float)(b < nb ? 0.001 + rng_double(&g) : rng_normal(&g) * 3);
          my[b] = (float)(b < nb ? 0.001 + rng_double(&g) : rng_normal(&g) * 3);
        }
        double want = 0, mag = 0;
        for (size_t i = 0; i < dim; i++) {
          size_t b = i / Q8_BLOCK;
          double a = (double)mx[nb + b] + (double)mx[b] * x[i], c = (double)my[nb + b] + (double)my[b] * y[i];
          want += a * c;
          mag += fabs(a * c) + fabs((double)mx[nb + b] * my[nb + b]) + fabs((double)mx[b] * my[b] * x[i] * y[i]);
        }
        q8_code_sums(x, st, xs);
        for (size_t b = 0; b < nb; b++) {
          int32_t sum = 0;
          for (size_t i = b * Q8_BLOCK; i < (b + 1) * Q8_BLOCK; i++) sum += x[i];
          assert_true(xs[b] == (float)sum);
        }
        assert_float_equal(k->cdot(x, y, st, dim, mx, my, xs), want, 1e-5 * mag + 1e-6);
      }
    }
  }
}

enum { DIM = 48, N = 4000, NQ = 50, K = 10 };

static float *gaussian(rng *g, size_t n) {
  float *x = malloc(n * sizeof *x);
  assert_non_null(x);
  for (size_t i = 0; i < n; i++) x[i] = (float)rng_normal(g);
  return x;
}

/* recall@K of h against exact float search (a float store) */
static double recall(hnsw *h, hnsw *exact, const float *qs, size_t ef) {
  size_t hit = 0;
  topk a, b;
  assert_int_equal(topk_init(&a, K), 0);
  assert_int_equal(topk_init(&b, K), 0);
  for (size_t qi = 0; qi < NQ; qi++) {
    topk_reset(&a);
    topk_reset(&b);
    assert_int_equal(hnsw_search(h, qs + qi * DIM, K, ef, &a), HNSW_OK);
    assert_int_equal(hnsw_search(exact, qs + qi * DIM, K, ef, &b), HNSW_OK);
    size_t ma = topk_sort(&a), mb = topk_sort(&b);
    for (size_t i = 0; i < mb; i++)
      for (size_t j = 0; j < ma; j++)
        if (hnsw_key(exact, b.id[i]) == hnsw_key(h, a.id[j])) hit++;
  }
  topk_free(&a);
  topk_free(&b);
  return (double)hit / (NQ * K);
}

static void int8_store_recall(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 12, 0);
  float *x = gaussian(&g, (size_t)N * DIM), *qs = gaussian(&g, (size_t)NQ * DIM);
  for (int metric = 0; metric < 3; metric++) {
    hnsw *exact = hnsw_new(DIM, metric, 0, 16, 64, 1);
    hnsw *flat = hnsw_new(DIM, metric, 0, 16, 64, 1), *graph = hnsw_new(DIM, metric, 1, 16, 64, 1);
    hnsw *rr = hnsw_new(DIM, metric, 0, 16, 64, 1);
    assert_true(exact && flat && graph && rr);
    assert_int_equal(hnsw_set_int8(flat, 0, 0, 4), HNSW_OK);
    /* l2: format 2's codes; else format 3's */
    assert_int_equal(hnsw_set_int8(graph, 0, 0, metric == KNN_L2 ? 2 : 3), HNSW_OK);
    assert_int_equal(hnsw_set_int8(rr, 1, 10, 4), HNSW_OK);
    assert_int_equal(hnsw_set_int8(exact, 0, 3, 4), HNSW_INVALID); /* rerank without floats */
    assert_int_equal(hnsw_set_int8(exact, 0, 0, 5), HNSW_INVALID); /* no such format */
    assert_int_equal(hnsw_code_blocks(flat), 2);                   /* 48 dimensions: 32 + 16 */
    assert_int_equal(hnsw_code_blocks(graph), 1);
    for (int i = 0; i < N; i++) {
      const float *v = x + (size_t)i * DIM;
      assert_int_equal(hnsw_add(exact, i, v), HNSW_OK);
      assert_int_equal(hnsw_add(graph, i, v), HNSW_OK);
      assert_int_equal(hnsw_add(rr, i, v), HNSW_OK);
      /* the flat store from codes, as knn_index stores them */
      uint8_t c[DIM];
      float lo[2], step[2];
      hnsw_quantize(flat, v, c, lo, step);
      assert_int_equal(hnsw_add_int8(flat, i, c, lo, step, i % 2 ? v : NULL), HNSW_OK);
    }
    assert_int_equal(hnsw_set_int8(flat, 0, 0, 4), HNSW_INVALID); /* not empty */
    double rf = recall(flat, exact, qs, 0), rg = recall(graph, exact, qs, 100),
           rrk = recall(rr, exact, qs, 0);
    print_message("metric %d: int8 recall@10 flat %.3f, hnsw(ef 100) %.3f, flat rerank 10 %.3f\n", metric, rf,
                  rg, rrk);
    assert_true(rf >= 0.97);
    assert_true(rg >= 0.85);
    assert_true(rrk >= 0.999);
    hnsw_free(exact);
    hnsw_free(flat);
    hnsw_free(graph);
    hnsw_free(rr);
  }
  free(x);
  free(qs);
}

/* distances of an int8 store: the float query against the decoded vectors
** (affine codes by blocks (format 4) and per vector (3), and the symmetric
** ones of format 2) */
static void int8_distances(void **state) {
  (void)state;
  rng g;
  rng_seed(&g, 13, 0);
  float *x = gaussian(&g, 20 * DIM), *q = gaussian(&g, DIM);
  for (int run = 0; run < 9; run++) {
    int metric = run % 3, format = 4 - run / 3, sym = format == 2;
    hnsw *h = hnsw_new(DIM, metric, 0, 16, 64, 1);
    assert_int_equal(hnsw_set_int8(h, 0, 0, format), HNSW_OK);
    for (int i = 0; i < 20; i++) assert_int_equal(hnsw_add(h, i, x + i * DIM), HNSW_OK);
    topk t;
    assert_int_equal(topk_init(&t, 20), 0);
    assert_int_equal(hnsw_search(h, q, 20, 0, &t), HNSW_OK);
    size_t m = topk_sort(&t);
    assert_int_equal(m, 20);
    float qn[DIM], xd[DIM];
    memcpy(qn, q, sizeof qn);
    if (metric == KNN_COSINE) knn_normalize(qn, DIM);
    for (size_t i = 0; i < m; i++) {
      const float *v = x + hnsw_key(h, t.id[i]) * DIM;
      if (sym) {
        /* format 2: max|v| / 127 and round(v / s) of the (unit, for cosine) vector */
        float vn[DIM];
        int8_t c[DIM];
        memcpy(vn, v, sizeof vn);
        if (metric == KNN_COSINE) knn_normalize(vn, DIM);
        float s = q8_scale(vn, DIM);
        q8_encode(vn, DIM, s, c);
        q8_decode(c, DIM, s, xd);
      } else {
        uint8_t c[DIM];
        float lo[2], step[2];
        hnsw_quantize(h, v, c, lo, step);
        q8_decode_blocks(c, DIM, format == 4 ? Q8_BLOCK : DIM, lo, step, xd);
      }
      double want = knn_distance(metric, qn, xd, DIM);
      assert_float_equal(-t.score[i], want, 1e-4 * (1 + fabs(want)));
    }
    topk_free(&t);
    hnsw_free(h);
  }
  free(x);
  free(q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(codes_by_hand),        cmocka_unit_test(query_offsets),
      cmocka_unit_test(affine_codes),         cmocka_unit_test(blocks_and_meta),
      cmocka_unit_test(kernels_match_scalar), cmocka_unit_test(cdot_decoded), cmocka_unit_test(int8_store_recall),
      cmocka_unit_test(int8_distances),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
