/*
** holdout: seeded per-user validation split (see holdout.h).
*/
#include "holdout.h"

#include <math.h>
#include <stdlib.h>

#include "rng.h"

/* How many of a user's deg items are held out. */
static uint32_t held_count(uint32_t deg, double frac, uint32_t min_fit) {
  if (deg < min_fit + 1) return 0;
  uint32_t h = (uint32_t)floor(frac * deg + 0.5);
  if (h < 1) h = 1;
  if (deg - h < min_fit) h = deg - min_fit;
  return h;
}

rs_status holdout_split(const csr *g, double frac, uint32_t min_fit, uint64_t seed, uint8_t *held,
                        uint64_t *n_held) {
  uint32_t max_deg = 0;
  for (uint32_t u = 0; u < g->n_rows; u++)
    if (csr_degree(g, u) > max_deg) max_deg = (uint32_t)csr_degree(g, u);
  uint32_t *order = malloc((max_deg ? max_deg : 1) * sizeof *order);
  if (!order) return RS_NOMEM;
  uint64_t total = 0;
  for (size_t k = 0; k < g->nnz; k++) held[k] = 0;
  for (uint32_t u = 0; u < g->n_rows; u++) {
    uint32_t deg = (uint32_t)csr_degree(g, u);
    uint32_t h = held_count(deg, frac, min_fit);
    if (!h) continue;
    rng r;
    rng_seed(&r, seed, u);
    for (uint32_t k = 0; k < deg; k++) order[k] = k;
    for (uint32_t k = 0; k < h; k++) { /* the first h of a Fisher-Yates shuffle */
      uint32_t j = k + rng_below(&r, deg - k);
      uint32_t t = order[k];
      order[k] = order[j];
      order[j] = t;
      held[g->ptr[u] + order[k]] = 1;
    }
    total += h;
  }
  free(order);
  *n_held = total;
  return RS_OK;
}
