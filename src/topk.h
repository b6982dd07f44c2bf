/*
** topk: the k best (score, id) pairs of a stream, as a bounded min-heap.
**
** Order: higher score first; among equal scores, the smaller id first. So the
** result does not depend on the order in which candidates arrive. A push that
** cannot enter the heap costs one comparison (topk_threshold lets a caller
** pre-filter a whole block of scores with a vectorized compare).
*/
#ifndef RECSQL_TOPK_H
#define RECSQL_TOPK_H

#include <stddef.h>
#include <stdint.h>

typedef struct topk topk;
struct topk {
  size_t k, n;
  double *score;
  uint32_t *id;
};

/* Returns 0 or -1 when out of memory. k >= 1. */
int topk_init(topk *t, size_t k);
void topk_free(topk *t);
static inline void topk_reset(topk *t) { t->n = 0; }

/* 1 when (s, id) ranks strictly before (s2, id2). */
static inline int topk_better(double s, uint32_t id, double s2, uint32_t id2) {
  return s > s2 || (s == s2 && id < id2);
}

void topk_sift_root(topk *t);
void topk_push_slow(topk *t, double s, uint32_t id);

/* Offers a candidate. */
static inline void topk_push(topk *t, double s, uint32_t id) {
  if (t->n < t->k) {
    topk_push_slow(t, s, id);
  } else if (topk_better(s, id, t->score[0], t->id[0])) {
    t->score[0] = s;
    t->id[0] = id;
    topk_sift_root(t);
  }
}

/* Score a candidate must beat (or tie with a smaller id) to enter; -inf while
** the heap is not full. */
double topk_threshold(const topk *t);

/* Sorts the heap contents best first, in place (the heap is then consumed:
** call topk_reset before reuse). Returns the number of entries. */
size_t topk_sort(topk *t);

#endif
