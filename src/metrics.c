/*
** metrics: see metrics.h.
*/
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "radix.h"

double metrics_auc(uint64_t *pos, size_t np, uint64_t *neg, size_t nn, uint64_t *tmp) {
  if (np == 0 || nn == 0) return NAN;
  uint64_t *p = radix_sort_u64(pos, tmp, np);
  if (p != pos) memcpy(pos, p, np * sizeof *pos);
  uint64_t *q = radix_sort_u64(neg, tmp, nn);
  if (q != neg) memcpy(neg, q, nn * sizeof *neg);
  /* twice the number of (positive, negative) pairs won, ties counting 1 */
  double won2 = 0.0;
  size_t j = 0;
  for (size_t i = 0; i < np;) {
    uint64_t key = pos[i];
    size_t run = 1;
    while (i + run < np && pos[i + run] == key) run++;
    while (j < nn && neg[j] < key) j++;
    size_t eq = 0;
    while (j + eq < nn && neg[j + eq] == key) eq++;
    won2 += (double)run * (2.0 * (double)j + (double)eq);
    i += run;
  }
  return won2 / (2.0 * (double)np * (double)nn);
}

/* Score descending; among equal scores negatives first. */
static int row_cmp(const void *a, const void *b) {
  const metrics_row *x = a, *y = b;
  if (x->score > y->score) return -1;
  if (x->score < y->score) return 1;
  return x->label - y->label;
}

void metrics_rank(metrics_row *rows, size_t n, size_t unscored_pos, size_t k, rank_stats *st) {
  if (n > 1) qsort(rows, n, sizeof *rows, row_cmp);
  st->k = k;
  st->positives = unscored_pos;
  st->hits = 0;
  st->dcg = 0.0;
  st->best_rank = 0;
  for (size_t r = 0; r < n; r++) {
    if (!rows[r].label) continue;
    st->positives++;
    if (st->best_rank == 0) st->best_rank = r + 1;
    if (r < k) {
      st->hits++;
      st->dcg += 1.0 / log2((double)r + 2.0);
    }
  }
  size_t ideal = st->positives < k ? st->positives : k;
  st->idcg = 0.0;
  for (size_t r = 0; r < ideal; r++) st->idcg += 1.0 / log2((double)r + 2.0);
}

/* Score descending; among equal scores negatives first, then positives by
** cost ascending. */
static int cost_row_cmp(const void *a, const void *b) {
  const metrics_cost_row *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  if (x->label != y->label) return x->label - y->label;
  if (x->label && x->cost != y->cost) return x->cost < y->cost ? -1 : 1;
  return 0;
}

double metrics_cost_recall(metrics_cost_row *rows, size_t n, double unscored_cost, size_t k) {
  if (n > 1) qsort(rows, n, sizeof *rows, cost_row_cmp);
  double total = unscored_cost, hit = 0.0;
  for (size_t r = 0; r < n; r++) {
    if (!rows[r].label) continue;
    total += rows[r].cost;
    if (r < k) hit += rows[r].cost;
  }
  if (!(total > 0.0)) return NAN;
  return hit / total;
}
