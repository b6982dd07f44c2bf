/*
** curves: see curves.h.
*/
#include "curves.h"

#include <math.h>
#include <string.h>

#include "radix.h"

static void sort_keys(uint64_t *a, size_t n, uint64_t *tmp) {
  uint64_t *r = radix_sort_u64(a, tmp, n);
  if (r != a) memcpy(a, r, n * sizeof *a);
}

void curves_sort(uint64_t *pos, size_t np, uint64_t *neg, size_t nn, uint64_t *tmp) {
  sort_keys(pos, np, tmp);
  sort_keys(neg, nn, tmp);
}

void curve_walk_init(curve_walk *w, const uint64_t *pos, size_t np, const uint64_t *neg, size_t nn) {
  w->pos = pos;
  w->neg = neg;
  w->pi = np;
  w->ni = nn;
  w->tp = w->fp = 0;
  w->threshold = INFINITY;
}

int curve_walk_next(curve_walk *w) {
  if (w->pi == 0 && w->ni == 0) return 0;
  uint64_t key;
  if (w->pi == 0)
    key = w->neg[w->ni - 1];
  else if (w->ni == 0)
    key = w->pos[w->pi - 1];
  else
    key = w->pos[w->pi - 1] > w->neg[w->ni - 1] ? w->pos[w->pi - 1] : w->neg[w->ni - 1];
  while (w->pi > 0 && w->pos[w->pi - 1] == key) {
    w->pi--;
    w->tp++;
  }
  while (w->ni > 0 && w->neg[w->ni - 1] == key) {
    w->ni--;
    w->fp++;
  }
  w->threshold = radix_double_from_key(key);
  return 1;
}

size_t curves_distinct(const uint64_t *pos, size_t np, const uint64_t *neg, size_t nn) {
  curve_walk w;
  curve_walk_init(&w, pos, np, neg, nn);
  size_t m = 0;
  while (curve_walk_next(&w)) m++;
  return m;
}

size_t curves_thin_index(size_t m, size_t points, size_t j) {
  /* round(j * (m - 1) / (points - 1)) in integers: (m - 1) = q (points - 1) + r,
  ** so that no product exceeds 2 * points^2 */
  uint64_t d = points - 1, q = (m - 1) / d, r = (m - 1) % d;
  return (size_t)(j * q + (2 * (uint64_t)j * r + d) / (2 * d));
}

double curves_average_precision(const uint64_t *pos, size_t np, const uint64_t *neg, size_t nn,
                                uint64_t unscored_pos) {
  double total = (double)np + (double)unscored_pos;
  if (total == 0.0) return NAN;
  curve_walk w;
  curve_walk_init(&w, pos, np, neg, nn);
  double ap = 0.0, r_prev = 0.0;
  while (curve_walk_next(&w)) {
    double r = (double)w.tp / total;
    if (r != r_prev) ap += (r - r_prev) * ((double)w.tp / (double)(w.tp + w.fp));
    r_prev = r;
  }
  return ap;
}
