/*
** mips: exact maximum-inner-product top-k of every query against every item,
** the engine behind recommend.
**
** score(q, x) = dot(Q[q], X[x]) + bias[x]. Scores are computed block by
** block with OpenBLAS sgemm (bias folded in as one extra dimension), and each
** block is scanned against the running k-th best score of each query, so
** almost every score costs one vectorized comparison. Queries are split over
** threads; OpenBLAS itself runs single-threaded meanwhile.
**
** Excluded (query, item) pairs (e.g. the training interactions) never appear
** in the output. Order within a query: score descending, then item index
** ascending (topk.h).
*/
#ifndef RECSQL_MIPS_H
#define RECSQL_MIPS_H

#include <stdint.h>

#include "csr.h"
#include "parallel.h"
#include "status.h"

typedef struct mips_result mips_result;
struct mips_result {
  uint32_t k;
  uint32_t *item;  /* nq * k item indices */
  float *score;    /* nq * k scores */
  uint32_t *count; /* per query: how many of its k slots are filled */
};

/* Computes the top k items for each of nq queries.
** Q: nq x dim, X: nx x dim, row-major; bias: nx entries or NULL;
** exclude: rows are queries, columns items (sorted), or NULL.
** Returns RS_OK, RS_NOMEM, or RS_STOPPED when stopped through prog (out is
** then empty). */
rs_status mips_topk(const float *Q, uint32_t nq, const float *X, const float *bias, uint32_t nx, uint32_t dim,
                    uint32_t k, const csr *exclude, int threads, progress *prog, mips_result *out);

void mips_result_free(mips_result *r);

#endif
