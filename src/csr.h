/*
** csr: compressed sparse rows of an interaction graph.
**
** csr_build turns (row, col) pairs, e.g. (user, item), into per-row sorted,
** deduplicated adjacency lists in O(n + rows) time (a counting sort by row,
** then each row sorted in place: insertion sort when short, radix sort when
** long) and O(rows + the longest row) extra memory. csr_transpose gives the other direction
** (item -> users), also sorted.
*/
#ifndef RECSQL_CSR_H
#define RECSQL_CSR_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct csr csr;
struct csr {
  uint32_t n_rows, n_cols;
  size_t nnz;
  size_t *ptr;   /* n_rows + 1 offsets into idx */
  uint32_t *idx; /* column indices, ascending within a row */
};

/* Builds out from n pairs; rows[k] < n_rows, cols[k] < n_cols. Duplicate
** pairs are kept once. Returns RS_OK, or RS_NOMEM (out is then empty). */
rs_status csr_build(csr *out, uint32_t n_rows, uint32_t n_cols, const uint32_t *rows, const uint32_t *cols,
                    size_t n);

/* out = transpose of in. Returns RS_OK or RS_NOMEM. */
rs_status csr_transpose(csr *out, const csr *in);

void csr_free(csr *m);

static inline size_t csr_degree(const csr *m, uint32_t r) { return m->ptr[r + 1] - m->ptr[r]; }
static inline const uint32_t *csr_row(const csr *m, uint32_t r) { return m->idx + m->ptr[r]; }

/* 1 when (r, c) is present (binary search in row r). */
int csr_contains(const csr *m, uint32_t r, uint32_t c);

#endif
