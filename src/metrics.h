/*
** metrics: evaluation of scored rows, the engine behind the SQL aggregates.
**
** AUC is the Mann-Whitney statistic: the probability that a random positive
** scores above a random negative, ties counting 1/2. Scores are passed as
** radix keys (radix_key_from_double), positives and negatives apart, and
** sorted in O(n).
**
** Ranking metrics order rows by score descending; among equal scores the
** negatives come first (ties are broken against the positives, so a constant
** scorer earns nothing). Positives without a score (relevant but not
** retrieved) count in the denominators and are never hits.
*/
#ifndef RECSQL_METRICS_H
#define RECSQL_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* AUC of the keys; pos and neg are sorted in place (tmp needs
** max(np, nn) entries). Returns NaN when np or nn is 0. */
double metrics_auc(uint64_t *pos, size_t np, uint64_t *neg, size_t nn, uint64_t *tmp);

typedef struct metrics_row metrics_row;
struct metrics_row {
  double score;
  int label; /* 1 positive, 0 negative */
};

typedef struct rank_stats rank_stats;
struct rank_stats {
  size_t positives; /* scored positives + unscored positives */
  size_t hits;      /* positives among the first k rows */
  size_t k;
  double dcg;       /* sum over the first k rows of label / log2(rank + 1) */
  double idcg;      /* sum for rank = 1..min(k, positives) of 1 / log2(rank + 1) */
  size_t best_rank; /* rank of the best-ranked positive, 0 when none is scored */
};

/* Ranks rows (sorted in place) and fills st. unscored_pos = positives that
** have no score. */
void metrics_rank(metrics_row *rows, size_t n, size_t unscored_pos, size_t k, rank_stats *st);

/* Cost-weighted recall at k: the share of the positives' total cost that the
** first k rows recover. Rows are ranked by score descending; among equal
** scores the negatives come first, then the positives by cost ascending
** (ties never help the model). unscored_cost: total cost of the positives
** without a score (in the denominator only). Only the cost of positives is
** read; costs must be finite and >= 0. rows are sorted in place. NaN when
** the positives' total cost is 0 (or there is no positive). */
typedef struct metrics_cost_row metrics_cost_row;
struct metrics_cost_row {
  double score;
  double cost;
  int label; /* 1 positive, 0 negative */
};
double metrics_cost_recall(metrics_cost_row *rows, size_t n, double unscored_cost, size_t k);

#endif
