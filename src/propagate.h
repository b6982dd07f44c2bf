/*
** propagate: smooths user and item embeddings over the normalized
** user-item graph, as LightGCN (He et al., SIGIR 2020) combines its layers,
** applied once to embeddings that were already trained.
**
** With A the user-item interaction graph, d the degrees and
** Â = D^-1/2 A D^-1/2, layer 0 is the trained embeddings E0 (unit rows when
** `unit`), layer l + 1 = Â layer l:
**
**   u^(l+1) = sum over items i of u   u-i weight 1/sqrt(d_u d_i) * i^(l)
**   i^(l+1) = sum over users u of i   same weight                * u^(l)
**
** and the result is the mean of layers 0..layers. A user or item without
** interactions keeps its layer-0 row. O(layers * nnz * dim) time, two extra
** copies of the embeddings in memory.
*/
#ifndef RECSQL_PROPAGATE_H
#define RECSQL_PROPAGATE_H

#include <stdint.h>

#include "csr.h"

/* ui: users -> items (ui->n_rows users, ui->n_cols items); U (n_users x dim)
** and I (n_items x dim) are replaced by the smoothed embeddings. With unit,
** rows are scaled to unit length first. Returns 0, or -1 when out of memory
** (U and I are then unchanged). */
int propagate(const csr *ui, float *U, float *I, uint32_t dim, uint32_t layers, int unit);

#endif
