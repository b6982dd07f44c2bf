/*
** swing: Swing item-item similarity (Yang et al., 2020, "Large Scale Product
** Graph Construction for Recommendation in E-commerce").
**
** For items i and j, over unordered pairs {u, v} of distinct users who both
** interacted with both i and j:
**
**   score(i, j) = sum w_u * w_v / (alpha + |I_u ∩ I_v|)
**   w_u = (|I_u| + user_alpha)^-beta        (1 when beta = 0)
**
** where I_u is u's full item set. Two caps bound the work:
**   - max_user_items: users with more items are left out entirely (they are
**     in no pair); I_u of the users kept is still their full item set.
**   - max_item_users: when item i (the query item, item_a) has more users
**     than that, the pairs are drawn from a uniform sample of that many of
**     its users (after max_user_items), seeded by (seed, i). The cap applies
**     to the query item only, so with it score(i, j) may differ from
**     score(j, i).
**
** How it works, for one query item i: take its users U_i (capped, sampled),
** order them by item count descending; relabel their item lists to local
** indices 0..n-1 of the items they contain (so the marks below are a bitset
** and the sums an array of the neighbourhood's size, which stay in the CPU's
** caches where catalogue-sized arrays would not); for each u, mark I_u; for
** each later v, scan I_v against the marks, which lists I_u ∩ I_v (i
** included) in O(|I_v|); add w_u w_v / (alpha + c) to every j != i of the
** list. Cost per query item: sum over pairs of min(|I_u|, |I_v|)
** (the shorter list is scanned), i.e. O(|U_i|^2 * d) for users of d items;
** the caps bound |U_i| <= max_item_users and d <= max_user_items; extra
** memory per thread: O(sum of |I_u| over U_i). The sums for
** one item run in a fixed order, so scores do not depend on the thread count.
*/
#ifndef RECSQL_SWING_H
#define RECSQL_SWING_H

#include <stddef.h>
#include <stdint.h>

#include "csr.h"
#include "itemsim.h"

typedef struct swing_params swing_params;
struct swing_params {
  double alpha;            /* >= 0; default 1 */
  double beta;             /* user-weight exponent, >= 0; 0 = unweighted */
  double user_alpha;       /* user-weight offset, >= 0 */
  uint32_t max_user_items; /* 0 = no cap */
  uint32_t max_item_users; /* 0 = no cap */
  uint64_t seed;
};

/* The data: ui = users x items (I_u), iu = its transpose (U_i). */
typedef struct swing swing;
struct swing {
  const csr *ui, *iu;
  swing_params p;
};

/* alpha 1, everything else 0. */
void swing_params_default(swing_params *p);

/* w_u for a user of n items. */
double swing_user_weight(const swing_params *p, size_t n);

/* Writes the users of item that take part in its pairs (after both caps)
** into out (room for the item's degree), ascending. Returns their number. */
uint32_t swing_item_users(const swing *s, uint32_t item, uint32_t *out);

/* An itemsim_scorer: ctx is a const swing *. */
rs_status swing_score_item(const void *ctx, uint32_t item, itemsim_ws *ws, progress *prog);

/* Top k neighbours of items[0..n) (see itemsim_run). */
rs_status swing_topk(const swing *s, const uint32_t *items, uint32_t n, uint32_t k, int threads,
                     progress *prog, itemsim_result *out);

#endif
