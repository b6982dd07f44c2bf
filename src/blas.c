/*
** blas: packed, register-blocked sgemm; see blas.h.
**
** Loop nest (Goto & van de Geijn 2008), per call:
**   for each NC-wide column block jc of C
**     for each KC-deep slice pc of k: pack op(B)[pc, jc] into NR-wide strips
**       for each MC-tall row block ic: pack op(A)[ic, pc] into MR-tall strips
**         for each strip pair: C[ir.., jr..] (+)= a_strip * b_strip (micro-kernel)
** The first k slice applies beta, later ones add (beta 1). Tiles at the right
** and bottom edges go through a MR x NR scratch tile.
*/
#include "blas.h"

#include <cblas.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BLAS_X86 1
#endif

#define KC 128
#define NC 1024
#define MR_MAX 8
#define NR_MAX 32

/* a[r * rsa + p * csa] is row r, step p of the A strip (packed: rsa 1,
** csa MR; or A itself, through its strides) */
typedef void (*kernel_fn)(size_t kc, const float *a, size_t rsa, size_t csa, const float *b, float *c,
                          size_t ldc, float alpha, float beta);

typedef struct kernel kernel;
struct kernel {
  kernel_fn fn;
  size_t mr, nr, mc;
};

/* ---- micro-kernels: c[MR x NR] = alpha * sum_p a[p][MR] b[p][NR] + beta c ---- */

/* GCC/clang vector extensions: SSE2 on any x86-64, NEON on arm64. */
typedef float v4f __attribute__((vector_size(16)));

static void kern_generic(size_t kc, const float *a, size_t rsa, size_t csa, const float *b, float *c,
                         size_t ldc, float alpha, float beta) {
  v4f acc[4][2] = {{{0}}};
  for (size_t p = 0; p < kc; p++, a += csa, b += 8) {
    v4f b0, b1;
    memcpy(&b0, b, sizeof b0);
    memcpy(&b1, b + 4, sizeof b1);
    for (int r = 0; r < 4; r++) {
      float x = a[r * rsa];
      acc[r][0] += x * b0;
      acc[r][1] += x * b1;
    }
  }
  for (int r = 0; r < 4; r++)
    for (int h = 0; h < 2; h++) {
      float *q = c + r * ldc + 4 * h;
      for (int j = 0; j < 4; j++)
        q[j] = beta == 0.0f ? alpha * acc[r][h][j] : alpha * acc[r][h][j] + beta * q[j];
    }
}

#ifdef BLAS_X86
__attribute__((target("avx2,fma"))) static void kern_avx2(size_t kc, const float *a, size_t rsa, size_t csa,
                                                          const float *b, float *c, size_t ldc, float alpha,
                                                          float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (size_t p = 0; p < kc; p++, a += csa, b += 16) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), x;
#define ROW(r, lo, hi)                  \
  x = _mm256_broadcast_ss(a + r * rsa); \
  lo = _mm256_fmadd_ps(x, b0, lo);      \
  hi = _mm256_fmadd_ps(x, b1, hi);
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
#undef ROW
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  for (int r = 0; r < 6; r++)
    for (int h = 0; h < 2; h++) {
      float *q = c + r * ldc + 8 * h;
      __m256 v = _mm256_mul_ps(va, acc[2 * r + h]);
      if (beta != 0.0f) v = _mm256_fmadd_ps(vb, _mm256_loadu_ps(q), v);
      _mm256_storeu_ps(q, v);
    }
}

__attribute__((target("avx512f"))) static void kern_avx512(size_t kc, const float *a, size_t rsa, size_t csa,
                                                           const float *b, float *c, size_t ldc, float alpha,
                                                           float beta) {
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
  __m512 c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
  for (size_t p = 0; p < kc; p++, a += csa, b += 32) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16), x;
#define ROW(r, lo, hi)             \
  x = _mm512_set1_ps(a[r * rsa]);  \
  lo = _mm512_fmadd_ps(x, b0, lo); \
  hi = _mm512_fmadd_ps(x, b1, hi);
    ROW(0, c00, c01)
    ROW(1, c10, c11)
    ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51) ROW(6, c60, c61) ROW(7, c70, c71)
#undef ROW
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  __m512 acc[16] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71};
  for (int r = 0; r < 8; r++)
    for (int h = 0; h < 2; h++) {
      float *q = c + r * ldc + 16 * h;
      __m512 v = _mm512_mul_ps(va, acc[2 * r + h]);
      if (beta != 0.0f) v = _mm512_fmadd_ps(vb, _mm512_loadu_ps(q), v);
      _mm512_storeu_ps(q, v);
    }
}
#endif

/* ---- path choice ---- */

static atomic_int forced_path = -1; /* -1: not yet read from RECSQL_BLAS */

static int cpu_runs(blas_path p) {
#ifdef BLAS_X86
  if (p == BLAS_AVX512) return __builtin_cpu_supports("avx512f");
  if (p == BLAS_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  if (p == BLAS_AVX512 || p == BLAS_AVX2) return 0;
#endif
  return 1;
}

static blas_path best_path(void) {
  return cpu_runs(BLAS_AVX512) ? BLAS_AVX512 : cpu_runs(BLAS_AVX2) ? BLAS_AVX2 : BLAS_GENERIC;
}

static const char *const path_names[BLAS_N_PATHS] = {"auto", "generic", "avx2", "avx512", "openblas"};

const char *blas_path_name(blas_path p) { return (unsigned)p < BLAS_N_PATHS ? path_names[p] : "?"; }

int blas_path_parse(const char *name) {
  for (int p = 0; name && p < BLAS_N_PATHS; p++)
    if (strcmp(name, path_names[p]) == 0) return p;
  return -1;
}

int blas_set_path(blas_path p) {
  if ((unsigned)p >= BLAS_N_PATHS || !cpu_runs(p)) return -1;
  atomic_store(&forced_path, (int)p);
  return 0;
}

blas_path blas_current_path(void) {
  int f = atomic_load_explicit(&forced_path, memory_order_relaxed);
  if (f < 0) {
    /* first use: RECSQL_BLAS may name a path; anything else means auto */
    int e = blas_path_parse(getenv("RECSQL_BLAS"));
    f = e > 0 && cpu_runs((blas_path)e) ? e : BLAS_AUTO;
    int expected = -1;
    atomic_compare_exchange_strong(&forced_path, &expected, f);
    f = atomic_load(&forced_path);
  }
  return f == BLAS_AUTO ? best_path() : (blas_path)f;
}

static kernel kernel_of(blas_path p) {
  kernel k = {kern_generic, 4, 8, 64};
#ifdef BLAS_X86
  if (p == BLAS_AVX512) k = (kernel){kern_avx512, 8, 32, 128};
  if (p == BLAS_AVX2) k = (kernel){kern_avx2, 6, 16, 96};
#else
  (void)p;
#endif
  return k;
}

/* ---- packing ---- */

/* The last, short strip of `rows` < mr rows (element (r, p) at
** a[r * rsa + p * csa]) into out[p][mr], zero-padded. */
static void pack_a_edge(const float *a, size_t rsa, size_t csa, size_t rows, size_t kc, size_t mr,
                        float *out) {
  memset(out, 0, sizeof(float) * kc * mr);
  for (size_t p = 0; p < kc; p++)
    for (size_t r = 0; r < rows; r++) out[p * mr + r] = a[r * rsa + p * csa];
}

/* Strips of nr columns of op(B)[p0.., j0..]: out[t][p][c], zero-padded. */
static void pack_b(blas_trans tb, const float *B, size_t ldb, size_t p0, size_t kc, size_t j0, size_t nc,
                   size_t nr, float *out) {
  for (size_t t = 0; t < nc; t += nr, out += kc * nr) {
    size_t cols = nc - t < nr ? nc - t : nr;
    if (cols < nr) memset(out, 0, sizeof(float) * kc * nr);
    if (tb == BLAS_N) {
      for (size_t p = 0; p < kc; p++) memcpy(out + p * nr, B + (p0 + p) * ldb + j0 + t, sizeof(float) * cols);
    } else {
      for (size_t c = 0; c < cols; c++) {
        const float *src = B + (j0 + t + c) * ldb + p0;
        for (size_t p = 0; p < kc; p++) out[p * nr + c] = src[p];
      }
    }
  }
}

/* C = beta C for k = 0. */
static void scale_c(size_t m, size_t n, float beta, float *C, size_t ldc) {
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
}

/* C[0..mc, 0..nc) (+)= the A rows at a (strides rsa, csa) times one packed
** B block. A is read in place (packing it costs as much as the product when
** n is small); only its last short strip is copied, into Ae. */
static void macro_block(const kernel *kn, size_t mc, size_t nc, size_t kc, const float *a, size_t rsa,
                        size_t csa, const float *Bp, float *Ae, float *C, size_t ldc, float alpha,
                        float beta) {
  float tile[MR_MAX * NR_MAX];
  size_t full = mc / kn->mr * kn->mr;
  if (full < mc) pack_a_edge(a + full * rsa, rsa, csa, mc - full, kc, kn->mr, Ae);
  for (size_t jr = 0; jr < nc; jr += kn->nr) {
    size_t cols = nc - jr < kn->nr ? nc - jr : kn->nr;
    const float *b = Bp + jr * kc;
    for (size_t ir = 0; ir < mc; ir += kn->mr) {
      size_t rows = mc - ir < kn->mr ? mc - ir : kn->mr;
      float *c = C + ir * ldc + jr;
      const float *as = rows == kn->mr ? a + ir * rsa : Ae;
      size_t r_s = rows == kn->mr ? rsa : 1, c_s = rows == kn->mr ? csa : kn->mr;
      if (rows == kn->mr && cols == kn->nr) {
        kn->fn(kc, as, r_s, c_s, b, c, ldc, alpha, beta);
        continue;
      }
      kn->fn(kc, as, r_s, c_s, b, tile, kn->nr, 1.0f, 0.0f);
      for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++) {
          float v = alpha * tile[r * kn->nr + j];
          c[r * ldc + j] = beta == 0.0f ? v : v + beta * c[r * ldc + j];
        }
    }
  }
}

static int sgemm_own(blas_path path, blas_trans ta, blas_trans tb, size_t m, size_t n, size_t k, float alpha,
                     const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                     size_t ldc) {
  kernel kn = kernel_of(path);
  size_t kcap = k < KC ? k : KC, ncap = n < NC ? n : NC;
  size_t nb = (ncap + kn.nr - 1) / kn.nr * kn.nr;
  size_t rsa = ta == BLAS_N ? lda : 1, csa = ta == BLAS_N ? 1 : lda;
  float *Bp = malloc(sizeof(float) * (kcap * nb + 1));
  float *Ae = malloc(sizeof(float) * (kcap * kn.mr + 1));
  if (!Bp || !Ae) {
    free(Bp);
    free(Ae);
    return -1;
  }
  for (size_t jc = 0; jc < n; jc += NC) {
    size_t nc = n - jc < NC ? n - jc : NC;
    for (size_t pc = 0; pc < k; pc += KC) {
      size_t kc = k - pc < KC ? k - pc : KC;
      float b_eff = pc == 0 ? beta : 1.0f;
      pack_b(tb, B, ldb, pc, kc, jc, nc, kn.nr, Bp);
      for (size_t ic = 0; ic < m; ic += kn.mc) {
        size_t mc = m - ic < kn.mc ? m - ic : kn.mc;
        macro_block(&kn, mc, nc, kc, A + ic * rsa + pc * csa, rsa, csa, Bp, Ae, C + ic * ldc + jc, ldc, alpha,
                    b_eff);
      }
    }
  }
  free(Bp);
  free(Ae);
  return 0;
}

int blas_sgemm(blas_trans ta, blas_trans tb, size_t m, size_t n, size_t k, float alpha, const float *A,
               size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc) {
  if (m == 0 || n == 0) return 0;
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, C, ldc);
    return 0;
  }
  blas_path path = blas_current_path();
  if (path == BLAS_OPENBLAS) {
    if (m <= INT_MAX && n <= INT_MAX && k <= INT_MAX && lda <= INT_MAX && ldb <= INT_MAX && ldc <= INT_MAX) {
      cblas_sgemm(CblasRowMajor, ta == BLAS_T ? CblasTrans : CblasNoTrans,
                  tb == BLAS_T ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, A, (int)lda, B,
                  (int)ldb, beta, C, (int)ldc);
      return 0;
    }
    path = best_path(); /* past OpenBLAS's int sizes */
  }
  return sgemm_own(path, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

typedef struct split_job split_job;
struct split_job {
  int threads;
  blas_trans ta, tb;
  size_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *A, *B;
  float *C;
  atomic_int failed;
};

static void split_worker(void *arg, int tid) {
  split_job *j = arg;
  size_t lo = j->m * (size_t)tid / (size_t)j->threads, hi = j->m * (size_t)(tid + 1) / (size_t)j->threads;
  if (hi <= lo) return;
  const float *a = j->ta == BLAS_N ? j->A + lo * j->lda : j->A + lo;
  if (blas_sgemm(j->ta, j->tb, hi - lo, j->n, j->k, j->alpha, a, j->lda, j->B, j->ldb, j->beta,
                 j->C + lo * j->ldc, j->ldc))
    atomic_store(&j->failed, 1);
}

int blas_sgemm_threads(int threads, blas_trans ta, blas_trans tb, size_t m, size_t n, size_t k, float alpha,
                       const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                       size_t ldc) {
  if (threads < 1) threads = 1;
  if ((size_t)threads > m / 16 + 1) threads = (int)(m / 16 + 1);
  if (threads == 1) return blas_sgemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  split_job j = {threads, ta, tb, m, n, k, lda, ldb, ldc, alpha, beta, A, B, C, 0};
  parallel_run(threads, split_worker, &j);
  return atomic_load(&j.failed) ? -1 : 0;
}
