/*
** csr: build and transpose. See csr.h.
**
** csr_build scatters the columns into their rows with one counting sort by
** row, then sorts each row where it lies (insertion sort when short, radix
** sort when long) and drops the duplicates, now adjacent, in the same pass.
** One random scatter instead of the two of a column-then-row counting sort,
** and no scratch copy of the pairs (peak memory n + the longest row instead
** of 3n indices).
*/
#include "csr.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

void csr_free(csr *m) {
  free(m->ptr);
  free(m->idx);
  memset(m, 0, sizeof *m);
}

/* Sorts a[0..n) ascending: insertion sort for short rows, else an LSD
** radix sort on 8-bit digits through tmp (room for n), skipping digits all
** keys share. */
static void sort_row(uint32_t *a, size_t n, uint32_t *tmp) {
  if (n <= 32) {
    for (size_t k = 1; k < n; k++) {
      uint32_t x = a[k];
      size_t j = k;
      for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
      a[j] = x;
    }
    return;
  }
  uint32_t *src = a, *dst = tmp;
  for (int shift = 0; shift < 32; shift += 8) {
    size_t cnt[257] = {0};
    for (size_t k = 0; k < n; k++) cnt[((src[k] >> shift) & 255) + 1]++;
    if (cnt[((src[0] >> shift) & 255) + 1] == n) continue; /* one digit value */
    for (int d = 0; d < 256; d++) cnt[d + 1] += cnt[d];
    for (size_t k = 0; k < n; k++) dst[cnt[(src[k] >> shift) & 255]++] = src[k];
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

rs_status csr_build(csr *out, uint32_t n_rows, uint32_t n_cols, const uint32_t *rows, const uint32_t *cols,
                    size_t n) {
  memset(out, 0, sizeof *out);
  size_t *ptr = calloc((size_t)n_rows + 1, sizeof *ptr);
  size_t *cur = malloc(((size_t)n_rows + 1) * sizeof *cur);
  uint32_t *idx = mem_alloc_huge((n ? n : 1) * sizeof *idx); /* rows are read at random */
  uint32_t *tmp = NULL;
  mem_advise_huge(ptr, ((size_t)n_rows + 1) * sizeof *ptr);
  if (!ptr || !cur || !idx) goto oom;

  /* Counting sort by row: one scatter of the columns. */
  for (size_t k = 0; k < n; k++) ptr[rows[k] + 1]++;
  size_t longest = 0;
  for (uint32_t r = 0; r < n_rows; r++) {
    if (ptr[r + 1] > longest) longest = ptr[r + 1];
    ptr[r + 1] += ptr[r];
  }
  memcpy(cur, ptr, sizeof(size_t) * n_rows);
  for (size_t k = 0; k < n; k++) idx[cur[rows[k]]++] = cols[k];
  free(cur);
  cur = NULL;
  /* Each row sorted where it lies, and duplicates dropped, compacting rows
  ** in place. */
  if (longest > 32 && !(tmp = malloc(longest * sizeof *tmp))) goto oom;
  size_t w = 0;
  for (uint32_t r = 0; r < n_rows; r++) {
    size_t a = ptr[r], b = ptr[r + 1];
    sort_row(idx + a, b - a, tmp);
    ptr[r] = w;
    for (size_t k = a; k < b; k++)
      if (k == a || idx[k] != idx[k - 1]) idx[w++] = idx[k];
  }
  ptr[n_rows] = w;
  free(tmp);
  if (w < n && w > 0) {
    uint32_t *shrunk = realloc(idx, w * sizeof *idx);
    if (shrunk) idx = shrunk;
  }
  out->n_rows = n_rows;
  out->n_cols = n_cols;
  out->nnz = w;
  out->ptr = ptr;
  out->idx = idx;
  return RS_OK;
oom:
  free(ptr);
  free(cur);
  free(idx);
  return RS_NOMEM;
}

rs_status csr_transpose(csr *out, const csr *in) {
  memset(out, 0, sizeof *out);
  size_t *ptr = calloc((size_t)in->n_cols + 1, sizeof *ptr);
  size_t *cur = malloc(((size_t)in->n_cols + 1) * sizeof *cur);
  uint32_t *idx = malloc((in->nnz ? in->nnz : 1) * sizeof *idx);
  if (!ptr || !cur || !idx) {
    free(ptr);
    free(cur);
    free(idx);
    return RS_NOMEM;
  }
  for (size_t k = 0; k < in->nnz; k++) ptr[in->idx[k] + 1]++;
  for (uint32_t c = 0; c < in->n_cols; c++) ptr[c + 1] += ptr[c];
  memcpy(cur, ptr, sizeof(size_t) * in->n_cols);
  for (uint32_t r = 0; r < in->n_rows; r++)
    for (size_t k = in->ptr[r]; k < in->ptr[r + 1]; k++) idx[cur[in->idx[k]]++] = r;
  free(cur);
  out->n_rows = in->n_cols;
  out->n_cols = in->n_rows;
  out->nnz = in->nnz;
  out->ptr = ptr;
  out->idx = idx;
  return RS_OK;
}

int csr_contains(const csr *m, uint32_t r, uint32_t c) {
  const uint32_t *a = csr_row(m, r);
  size_t lo = 0, hi = csr_degree(m, r);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a[mid] < c)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < csr_degree(m, r) && a[lo] == c;
}
