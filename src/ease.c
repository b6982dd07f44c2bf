/*
** ease: EASE by sparse Gram accumulation and LAPACK Cholesky inverse. See
** ease.h.
*/
#include "ease.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topk.h"

/* LAPACK from OpenBLAS (Fortran symbols; Debian's libopenblas has them). */
extern void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
extern void strtri_(const char *uplo, const char *diag, const int *n, float *a, const int *lda, int *info);
extern void slauum_(const char *uplo, const int *n, float *a, const int *lda, int *info);

#define GRAM_BLOCK 64   /* rows of G a thread owns at a time (interleaved) */
#define TILE 64         /* tile of the symmetrizing transpose */
#define EASE_BLOCK 1024 /* block columns of the inverse */

size_t ease_physical_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? (size_t)pages * (size_t)size : 0;
}

size_t ease_matrix_bytes(uint32_t n) {
  if (n && (size_t)n > SIZE_MAX / 4 / n) return SIZE_MAX;
  return (size_t)n * n * 4;
}

void ease_result_free(ease_result *r) {
  free(r->item);
  free(r->count);
  free(r->nb);
  free(r->w);
  r->item = r->count = r->nb = NULL;
  r->w = NULL;
  r->n = 0;
}

/* ---- item selection ------------------------------------------------------ */

typedef struct pop_entry pop_entry;
struct pop_entry {
  uint32_t deg, item;
};

static int pop_cmp(const void *a, const void *b) {
  const pop_entry *x = a, *y = b;
  if (x->deg != y->deg) return x->deg > y->deg ? -1 : 1;
  return (x->item > y->item) - (x->item < y->item);
}

static int u32_cmp(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The items modelled (out->item, ascending) and the map source item ->
** model index (UINT32_MAX when left out). Items nobody has are left out. */
static rs_status select_items(const csr *ui, uint32_t n_items, uint32_t max_items, ease_result *out,
                              uint32_t *col) {
  pop_entry *pop = malloc(sizeof *pop * ((size_t)n_items + 1));
  if (!pop) return RS_NOMEM;
  for (uint32_t i = 0; i < n_items; i++) pop[i] = (pop_entry){0, i};
  for (size_t e = 0; e < ui->nnz; e++) pop[ui->idx[e]].deg++;
  uint32_t n = 0;
  for (uint32_t i = 0; i < n_items; i++)
    if (pop[i].deg) pop[n++] = pop[i];
  if (max_items && n > max_items) {
    qsort(pop, n, sizeof *pop, pop_cmp);
    n = max_items;
  }
  out->item = malloc(sizeof(uint32_t) * ((size_t)n + 1));
  if (!out->item) {
    free(pop);
    return RS_NOMEM;
  }
  for (uint32_t m = 0; m < n; m++) out->item[m] = pop[m].item;
  free(pop);
  qsort(out->item, n, sizeof(uint32_t), u32_cmp);
  for (uint32_t i = 0; i < n_items; i++) col[i] = UINT32_MAX;
  for (uint32_t m = 0; m < n; m++) col[out->item[m]] = m;
  out->n = n;
  return RS_OK;
}

/* ---- Gram matrix ----------------------------------------------------------- */

typedef struct gram_job gram_job;
struct gram_job {
  const csr *ui;
  const uint32_t *col;
  float *G;
  uint32_t n;
  int threads;
  progress *prog;
  uint32_t *buf; /* threads x max degree: a user's model items */
  size_t max_deg;
};

/* Thread tid adds the pairs (a, b), a <= b, whose row a it owns. */
static void gram_worker(void *arg, int tid) {
  gram_job *j = arg;
  uint32_t *mi = j->buf + (size_t)tid * j->max_deg;
  size_t n = j->n;
  for (uint32_t u = 0; u < j->ui->n_rows; u++) {
    if ((u & 1023) == 0) {
      if (tid == 0) progress_poll(j->prog);
      if (progress_stopped(j->prog)) return;
    }
    const uint32_t *row = csr_row(j->ui, u);
    size_t d = csr_degree(j->ui, u), m = 0;
    for (size_t e = 0; e < d; e++)
      if (j->col[row[e]] != UINT32_MAX) mi[m++] = j->col[row[e]]; /* ascending: col is monotone */
    for (size_t x = 0; x < m; x++) {
      uint32_t a = mi[x];
      if ((int)((a / GRAM_BLOCK) % (uint32_t)j->threads) != tid) continue;
      float *Ga = j->G + (size_t)a * n;
      for (size_t y = x; y < m; y++) Ga[mi[y]] += 1.0f;
    }
  }
}

/* G (upper triangle, row-major) = XᵀX over the model items. */
static rs_status gram(const csr *ui, const uint32_t *col, float *G, uint32_t n, int threads, progress *prog) {
  gram_job j = {ui, col, G, n, threads, prog, NULL, 0};
  for (uint32_t u = 0; u < ui->n_rows; u++)
    if (csr_degree(ui, u) > j.max_deg) j.max_deg = csr_degree(ui, u);
  j.buf = malloc(sizeof(uint32_t) * (j.max_deg + 1) * (size_t)threads);
  if (!j.buf) return RS_NOMEM;
  parallel_run(threads, gram_worker, &j);
  free(j.buf);
  return progress_stopped(prog) ? RS_STOPPED : RS_OK;
}

/* ---- symmetrize ------------------------------------------------------------ */

typedef struct sym_job sym_job;
struct sym_job {
  float *A;
  uint32_t n, tiles;
  atomic_uint next;
};

/* Copies the upper triangle to the lower one, a row of tiles at a time. */
static void sym_worker(void *arg, int tid) {
  (void)tid;
  sym_job *j = arg;
  size_t n = j->n;
  for (;;) {
    uint32_t ti = atomic_fetch_add(&j->next, 1);
    if (ti >= j->tiles) return;
    size_t i0 = (size_t)ti * TILE, i1 = i0 + TILE < n ? i0 + TILE : n;
    for (size_t j0 = i0; j0 < n; j0 += TILE) {
      size_t j1 = j0 + TILE < n ? j0 + TILE : n;
      for (size_t i = i0; i < i1; i++)
        for (size_t c = j0 > i ? j0 : i + 1; c < j1; c++) j->A[c * n + i] = j->A[i * n + c];
    }
  }
}

/* ---- weights ---------------------------------------------------------------- */

typedef struct weight_job weight_job;
struct weight_job {
  const float *P;
  const float *inv_diag; /* -1 / P[i][i] */
  uint32_t n;
  progress *prog;
  ease_result *out;
  atomic_uint next;
  atomic_int failed;
};

static void weight_worker(void *arg, int tid) {
  weight_job *j = arg;
  ease_result *r = j->out;
  topk t;
  if (topk_init(&t, r->k)) {
    atomic_store(&j->failed, 1);
    return;
  }
  size_t n = j->n;
  for (;;) {
    if (tid == 0) progress_poll(j->prog);
    if (progress_stopped(j->prog) || atomic_load(&j->failed)) break;
    uint32_t m = atomic_fetch_add(&j->next, 1);
    if (m >= n) break;
    const float *row = j->P + (size_t)m * n;
    topk_reset(&t);
    for (uint32_t i = 0; i < n; i++) {
      float w = row[i] * j->inv_diag[i];
      if (i != m && w != 0.0f) topk_push(&t, w, i);
    }
    size_t c = topk_sort(&t);
    r->count[m] = (uint32_t)c;
    for (size_t e = 0; e < c; e++) {
      r->nb[(size_t)m * r->k + e] = r->item[t.id[e]];
      r->w[(size_t)m * r->k + e] = (float)t.score[e];
    }
  }
  topk_free(&t);
}

/* ---- driver ------------------------------------------------------------------ */

/* Largest n with n²·4 <= limit. */
static uint32_t fit_items(size_t limit) {
  uint64_t lo = 0, hi = 0xFFFFFFFFu;
  while (lo < hi) {
    uint64_t mid = (lo + hi + 1) / 2;
    if (ease_matrix_bytes((uint32_t)mid) <= limit)
      lo = mid;
    else
      hi = mid - 1;
  }
  return (uint32_t)lo;
}

/* ---- blocked Cholesky inverse ------------------------------------------------
** LAPACK's blocked spotrf, strtri and slauum (lower, column-major: the upper
** triangle of our row-major matrix), written out so that the stop flag is
** checked after every block column; each block calls OpenBLAS (BLAS 3 and
** the unblocked LAPACK routine on the diagonal block). */

#define CM CblasColMajor

/* A := L, its Cholesky factor (spotrf). */
static rs_status chol(float *A, int n, int nb, progress *prog) {
  for (int k = 0; k < n; k += nb) {
    int b = n - k < nb ? n - k : nb, r = n - k - b, info = 0;
    float *Akk = A + k + (size_t)k * n, *Ark = Akk + b;
    spotrf_("L", &b, Akk, &n, &info);
    if (info) return RS_INVALID;
    if (r > 0) {
      cblas_strsm(CM, CblasRight, CblasLower, CblasTrans, CblasNonUnit, r, b, 1.0f, Akk, n, Ark, n);
      cblas_ssyrk(CM, CblasLower, CblasNoTrans, r, b, -1.0f, Ark, n, 1.0f, Akk + b + (size_t)b * n, n);
    }
    if (progress_poll(prog)) return RS_STOPPED;
  }
  return RS_OK;
}

/* L := L⁻¹ (strtri), last block column first. */
static rs_status tri_inverse(float *A, int n, int nb, progress *prog) {
  for (int j = ((n - 1) / nb) * nb; j >= 0; j -= nb) {
    int b = n - j < nb ? n - j : nb, r = n - j - b, info = 0;
    float *Ajj = A + j + (size_t)j * n, *Arj = Ajj + b;
    if (r > 0) {
      cblas_strmm(CM, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, r, b, 1.0f, Arj + (size_t)b * n, n,
                  Arj, n);
      cblas_strsm(CM, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, r, b, -1.0f, Ajj, n, Arj, n);
    }
    strtri_("L", "N", &b, Ajj, &n, &info);
    if (info) return RS_INVALID;
    if (progress_poll(prog)) return RS_STOPPED;
  }
  return RS_OK;
}

/* L := LᵀL in the lower triangle (slauum). */
static rs_status lower_product(float *A, int n, int nb, progress *prog) {
  for (int i = 0; i < n; i += nb) {
    int b = n - i < nb ? n - i : nb, r = n - i - b, info = 0;
    float *Aii = A + i + (size_t)i * n, *Ai0 = A + i, *Ari = Aii + b, *Ar0 = A + i + b;
    if (i > 0) cblas_strmm(CM, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, b, i, 1.0f, Aii, n, Ai0, n);
    slauum_("L", &b, Aii, &n, &info);
    if (r > 0) {
      if (i > 0) cblas_sgemm(CM, CblasTrans, CblasNoTrans, b, i, r, 1.0f, Ari, n, Ar0, n, 1.0f, Ai0, n);
      cblas_ssyrk(CM, CblasLower, CblasTrans, b, r, 1.0f, Ari, n, 1.0f, Aii, n);
    }
    if (progress_poll(prog)) return RS_STOPPED;
  }
  return RS_OK;
}

/* G := G⁻¹ for a symmetric positive definite G (its upper triangle, row-major).
** The blocked level-3 calls run on OpenBLAS with the thread count the process
** has set: its thread setting is process-wide and belongs to the host, so it
** is never changed here (docs/operations.md); threads is unused. */
static rs_status spd_inverse(float *G, uint32_t n, uint32_t block, int threads, progress *prog) {
  (void)threads;
  int nb = block ? (int)block : EASE_BLOCK;
  rs_status s = chol(G, (int)n, nb, prog);
  if (!s) s = tri_inverse(G, (int)n, nb, prog);
  if (!s) s = lower_product(G, (int)n, nb, prog);
  return s;
}

/* Steps 2 and 3 on the Gram matrix G of out->n items. */
static rs_status invert_and_weigh(float *G, const ease_params *p, progress *prog, ease_result *out) {
  uint32_t n = out->n;
  size_t nn = n;
  double mean_diag = 0;
  for (size_t i = 0; i < nn; i++) mean_diag += G[i * nn + i];
  mean_diag /= n ? n : 1;
  out->lambda = p->lambda > 0 ? p->lambda : -p->lambda * mean_diag;
  if (!(out->lambda > 0)) out->lambda = 1.0;
  for (size_t i = 0; i < nn; i++) G[i * nn + i] += (float)out->lambda;
  double t0 = parallel_now();
  rs_status s = spd_inverse(G, n, p->block, p->threads, prog);
  if (s) return s;
  sym_job sj = {G, n, (n + TILE - 1) / TILE, 0};
  parallel_run(p->threads, sym_worker, &sj);
  double t1 = parallel_now();
  out->seconds_inverse = t1 - t0;
  float *inv_diag = malloc(sizeof(float) * (nn + 1));
  out->k = p->top_n < n ? p->top_n : (n > 1 ? n - 1 : 1);
  out->count = calloc(nn + 1, sizeof(uint32_t));
  out->nb = malloc(sizeof(uint32_t) * nn * out->k + 1);
  out->w = malloc(sizeof(float) * nn * out->k + 1);
  if (!inv_diag || !out->count || !out->nb || !out->w) {
    free(inv_diag);
    return RS_NOMEM;
  }
  for (size_t i = 0; i < nn; i++) inv_diag[i] = -1.0f / G[i * nn + i];
  weight_job wj = {G, inv_diag, n, prog, out, 0, 0};
  parallel_run(p->threads, weight_worker, &wj);
  free(inv_diag);
  out->seconds_weights = parallel_now() - t1;
  if (atomic_load(&wj.failed)) return RS_NOMEM;
  return progress_stopped(prog) ? RS_STOPPED : RS_OK;
}

rs_status ease_train(const csr *ui, uint32_t n_items, const ease_params *p, progress *prog,
                     ease_result *out) {
  memset(out, 0, sizeof *out);
  uint32_t *col = malloc(sizeof(uint32_t) * ((size_t)n_items + 1));
  if (!col) return RS_NOMEM;
  rs_status s = select_items(ui, n_items, p->max_items, out, col);
  if (s) {
    free(col);
    return s;
  }
  out->bytes = ease_matrix_bytes(out->n);
  out->limit = p->max_bytes ? p->max_bytes : ease_physical_memory();
  if (out->limit && out->bytes > out->limit) {
    uint32_t n = out->n;
    out->fit = fit_items(out->limit);
    free(col);
    ease_result_free(out);
    out->n = n; /* for the message; nothing is allocated */
    return RS_TOOBIG;
  }
  float *G = calloc((size_t)out->n * out->n + 1, sizeof(float));
  if (!G) {
    free(col);
    ease_result_free(out);
    return RS_NOMEM;
  }
  double t0 = parallel_now();
  s = gram(ui, col, G, out->n, p->threads, prog);
  free(col);
  out->seconds_gram = parallel_now() - t0;
  if (!s) s = invert_and_weigh(G, p, prog, out);
  free(G);
  if (s) ease_result_free(out);
  return s;
}
