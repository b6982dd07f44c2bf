/*
** alias: O(1) draws from a fixed discrete distribution (Walker's alias
** method, Vose's construction in O(n)).
*/
#ifndef RECSQL_ALIAS_H
#define RECSQL_ALIAS_H

#include <stdint.h>

#include "rng.h"
#include "status.h"

typedef struct alias alias;
struct alias {
  uint32_t n;
  double *prob;    /* acceptance probability of column k */
  uint32_t *other; /* alias of column k */
};

/* Builds the table for weights w[0..n) (finite, >= 0, not all 0, with a
** finite sum). Returns RS_OK, RS_NOMEM, or RS_INVALID for weights that are
** not (a is then empty). */
rs_status alias_build(alias *a, const double *w, uint32_t n);
void alias_free(alias *a);

/* A draw: k with probability w[k] / sum(w). */
static inline uint32_t alias_draw(const alias *a, rng *g) {
  uint32_t k = rng_below(g, a->n);
  return rng_double(g) < a->prob[k] ? k : a->other[k];
}

#endif
