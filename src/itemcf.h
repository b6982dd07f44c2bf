/*
** itemcf: classic item-based collaborative filtering similarities, from
** co-occurrence counts co(i, j) = |U_i ∩ U_j| (users who interacted with
** both):
**
**   ITEMCF_COOCCURRENCE   co(i, j)
**   ITEMCF_COSINE         co(i, j) / sqrt(|U_i| |U_j|)
**   ITEMCF_JACCARD        co(i, j) / (|U_i| + |U_j| - co(i, j))
**
** How it works, for one query item i: for each user u of i, add 1 to every
** item of I_u in a dense accumulator, then turn counts into the method's
** score. Cost per query item: sum over u in U_i of |I_u|; the full table
** costs sum over users of |I_u|^2.
*/
#ifndef RECSQL_ITEMCF_H
#define RECSQL_ITEMCF_H

#include <stdint.h>

#include "csr.h"
#include "itemsim.h"

typedef enum { ITEMCF_COOCCURRENCE = 0, ITEMCF_COSINE = 1, ITEMCF_JACCARD = 2 } itemcf_method;

/* The method named s ("cooccurrence", "cosine", "jaccard"), or -1. */
int itemcf_method_parse(const char *s);

/* The data: ui = users x items (I_u), iu = its transpose (U_i). */
typedef struct itemcf itemcf;
struct itemcf {
  const csr *ui, *iu;
  itemcf_method method;
};

/* An itemsim_scorer: ctx is a const itemcf *. */
rs_status itemcf_score_item(const void *ctx, uint32_t item, itemsim_ws *ws, progress *prog);

/* Top k neighbours of items[0..n) (see itemsim_run). */
rs_status itemcf_topk(const itemcf *cf, const uint32_t *items, uint32_t n, uint32_t k, int threads,
                      progress *prog, itemsim_result *out);

#endif
