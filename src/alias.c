/*
** alias: Vose's construction. Columns are split into "small" (scaled weight
** < 1) and "large"; each small column is topped up by a large one, which
** loses that mass and may itself become small. Leftovers get probability 1.
*/
#include "alias.h"

#include <math.h>
#include <stdlib.h>

void alias_free(alias *a) {
  free(a->prob);
  free(a->other);
  a->prob = NULL;
  a->other = NULL;
  a->n = 0;
}

rs_status alias_build(alias *a, const double *w, uint32_t n) {
  a->n = n;
  a->prob = malloc((n ? n : 1) * sizeof *a->prob);
  a->other = malloc((n ? n : 1) * sizeof *a->other);
  uint32_t *small = malloc((n ? n : 1) * sizeof *small);
  uint32_t *large = malloc((n ? n : 1) * sizeof *large);
  double sum = 0.0;
  for (uint32_t k = 0; k < n; k++) {
    if (!(w[k] >= 0.0) || !isfinite(w[k])) sum = NAN;
    sum += w[k];
  }
  int nomem = !a->prob || !a->other || !small || !large;
  if (nomem || n == 0 || !(sum > 0.0) || !isfinite(sum)) {
    free(small);
    free(large);
    alias_free(a);
    return nomem ? RS_NOMEM : RS_INVALID;
  }
  uint32_t ns = 0, nl = 0;
  for (uint32_t k = 0; k < n; k++) {
    a->prob[k] = w[k] * (double)n / sum;
    a->other[k] = k;
    if (a->prob[k] < 1.0)
      small[ns++] = k;
    else
      large[nl++] = k;
  }
  while (ns && nl) {
    uint32_t s = small[--ns], l = large[nl - 1];
    a->other[s] = l;
    a->prob[l] -= 1.0 - a->prob[s];
    if (a->prob[l] < 1.0) {
      nl--;
      small[ns++] = l;
    }
  }
  while (nl) a->prob[large[--nl]] = 1.0;
  while (ns) a->prob[small[--ns]] = 1.0; /* rounding leftovers */
  free(small);
  free(large);
  return RS_OK;
}
