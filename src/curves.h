/*
** curves: ROC and precision-recall curves of scored binary labels, and
** average precision, with scikit-learn's definitions (roc_curve with
** drop_intermediate=False, precision_recall_curve, average_precision_score).
**
** Scores arrive as radix keys (radix_key_from_double), positives and
** negatives apart, as for metrics_auc. curves_sort sorts them (LSD radix,
** O(n)); a curve_walk then visits the distinct scores from the highest down
** and carries the cumulative counts tp and fp of rows scoring >= that score,
** so a curve of n rows needs no memory beyond its 2 x n keys.
**
** The point at a threshold t: tpr = tp / P, fpr = fp / N, precision =
** tp / (tp + fp), recall = tp / P (P positives, N negatives). Average
** precision = sum over the distinct thresholds, descending, of
** (R_n - R_(n-1)) * P_n with R_0 = 0: exact with ties, since tied rows enter
** together.
*/
#ifndef RECSQL_CURVES_H
#define RECSQL_CURVES_H

#include <stddef.h>
#include <stdint.h>

/* Sorts pos[0..np) and neg[0..nn) ascending in place; tmp needs
** max(np, nn) entries. */
void curves_sort(uint64_t *pos, size_t np, uint64_t *neg, size_t nn, uint64_t *tmp);

typedef struct curve_walk curve_walk;
struct curve_walk {
  const uint64_t *pos, *neg; /* sorted ascending */
  size_t pi, ni;             /* keys not yet visited: pos[0..pi), neg[0..ni) */
  uint64_t tp, fp;           /* rows scoring >= threshold */
  double threshold;          /* the current distinct score */
};

/* Starts before the highest score (tp = fp = 0). */
void curve_walk_init(curve_walk *w, const uint64_t *pos, size_t np, const uint64_t *neg, size_t nn);
/* Moves to the next lower distinct score; 0 when there is none. */
int curve_walk_next(curve_walk *w);

/* Number of distinct scores of sorted keys. */
size_t curves_distinct(const uint64_t *pos, size_t np, const uint64_t *neg, size_t nn);

/* Thinning m rows (numbered 0..m-1) to `points` of them (2 <= points < m):
** row j of the result is row round(j * (m - 1) / (points - 1)), so the first
** and last rows are kept and the rest are evenly spaced. Strictly
** increasing in j. points must be below 2^31. */
size_t curves_thin_index(size_t m, size_t points, size_t j);

/* Average precision of sorted keys. unscored_pos: positives without a score
** (they count in P and are never retrieved). NaN when there is no positive;
** 0 when no positive has a score. */
double curves_average_precision(const uint64_t *pos, size_t np, const uint64_t *neg, size_t nn,
                                uint64_t unscored_pos);

#endif
