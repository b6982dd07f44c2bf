/*
** topk: bounded min-heap; the root is the worst kept entry. See topk.h.
*/
#include "topk.h"

#include <math.h>
#include <stdlib.h>

int topk_init(topk *t, size_t k) {
  t->k = k;
  t->n = 0;
  t->score = malloc((k ? k : 1) * sizeof *t->score);
  t->id = malloc((k ? k : 1) * sizeof *t->id);
  if (!t->score || !t->id) {
    topk_free(t);
    return -1;
  }
  return 0;
}

void topk_free(topk *t) {
  free(t->score);
  free(t->id);
  t->score = NULL;
  t->id = NULL;
  t->n = t->k = 0;
}

/* Restores the heap after the root was replaced. */
void topk_sift_root(topk *t) {
  size_t i = 0, n = t->n;
  double s = t->score[0];
  uint32_t id = t->id[0];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    /* pick the worse child */
    if (c + 1 < n && topk_better(t->score[c], t->id[c], t->score[c + 1], t->id[c + 1])) c++;
    if (!topk_better(s, id, t->score[c], t->id[c])) break;
    t->score[i] = t->score[c];
    t->id[i] = t->id[c];
    i = c;
  }
  t->score[i] = s;
  t->id[i] = id;
}

/* Adds to a heap that is not full: sift up. */
void topk_push_slow(topk *t, double s, uint32_t id) {
  size_t i = t->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!topk_better(t->score[p], t->id[p], s, id)) break;
    t->score[i] = t->score[p];
    t->id[i] = t->id[p];
    i = p;
  }
  t->score[i] = s;
  t->id[i] = id;
}

double topk_threshold(const topk *t) { return t->n < t->k ? -INFINITY : t->score[0]; }

size_t topk_sort(topk *t) {
  size_t total = t->n;
  /* Repeatedly move the worst entry to the end: the array ends best first. */
  while (t->n > 1) {
    size_t last = t->n - 1;
    double s = t->score[0];
    uint32_t id = t->id[0];
    t->score[0] = t->score[last];
    t->id[0] = t->id[last];
    t->n = last;
    topk_sift_root(t);
    t->score[last] = s;
    t->id[last] = id;
  }
  t->n = total;
  return total;
}
