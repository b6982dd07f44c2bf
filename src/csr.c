/*
** csr: build and transpose. See csr.h.
**
** csr_build sorts the pairs with two stable counting sorts: by column into a
** scratch array, then by row into the output. Rows then hold ascending
** columns, so duplicates are adjacent and removed in one compaction pass.
*/
#include "csr.h"

#include <stdlib.h>
#include <string.h>

void csr_free(csr *m) {
  free(m->ptr);
  free(m->idx);
  memset(m, 0, sizeof *m);
}

rs_status csr_build(csr *out, uint32_t n_rows, uint32_t n_cols, const uint32_t *rows, const uint32_t *cols,
                    size_t n) {
  memset(out, 0, sizeof *out);
  size_t *cnt = calloc((size_t)n_cols + 1, sizeof *cnt);
  size_t *ptr = calloc((size_t)n_rows + 1, sizeof *ptr);
  uint32_t *tmp_r = malloc((n ? n : 1) * sizeof *tmp_r);
  uint32_t *tmp_c = malloc((n ? n : 1) * sizeof *tmp_c);
  uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!cnt || !ptr || !tmp_r || !tmp_c || !idx) goto oom;

  /* Pass 1: stable counting sort by column. */
  for (size_t k = 0; k < n; k++) cnt[cols[k] + 1]++;
  for (uint32_t c = 0; c < n_cols; c++) cnt[c + 1] += cnt[c];
  for (size_t k = 0; k < n; k++) {
    size_t at = cnt[cols[k]]++;
    tmp_r[at] = rows[k];
    tmp_c[at] = cols[k];
  }
  /* Pass 2: stable counting sort by row; columns stay ascending in a row. */
  for (size_t k = 0; k < n; k++) ptr[tmp_r[k] + 1]++;
  for (uint32_t r = 0; r < n_rows; r++) ptr[r + 1] += ptr[r];
  {
    size_t *cur = malloc(((size_t)n_rows + 1) * sizeof *cur);
    if (!cur) goto oom;
    memcpy(cur, ptr, sizeof(size_t) * n_rows);
    for (size_t k = 0; k < n; k++) idx[cur[tmp_r[k]]++] = tmp_c[k];
    free(cur);
  }
  /* Pass 3: drop duplicates, compacting rows in place. */
  size_t w = 0;
  for (uint32_t r = 0; r < n_rows; r++) {
    size_t a = ptr[r], b = ptr[r + 1];
    ptr[r] = w;
    for (size_t k = a; k < b; k++)
      if (k == a || idx[k] != idx[k - 1]) idx[w++] = idx[k];
  }
  ptr[n_rows] = w;
  free(cnt);
  free(tmp_r);
  free(tmp_c);
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
  free(cnt);
  free(ptr);
  free(tmp_r);
  free(tmp_c);
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
