/* A planted user-item structure for the trainers' unit tests, the AUC of a
** trained model on its held-out interactions, and a hook that stops a run. */
#ifndef RECSQL_PLANTED_H
#define RECSQL_PLANTED_H
#include <stdlib.h>

#include "../../src/bpr.h"
#include "../../src/csr.h"
#include "../../src/rng.h"
#include "../../src/vec.h"
#include "unit.h"

/* 240 users in 4 groups; user u likes items i with i % 4 == u % 4 (60 items
** per group), each with probability 0.9; a quarter of each user's items are
** held out. Returns the training pairs and fills the held-out CSR. */
static csr planted(csr *held) {
  rng g;
  rng_seed(&g, 2024, 0);
  uint32_t *u = malloc(240 * 240 * 4), *i = malloc(240 * 240 * 4), *hu = malloc(240 * 240 * 4),
           *hi = malloc(240 * 240 * 4);
  size_t n = 0, nh = 0;
  for (uint32_t a = 0; a < 240; a++)
    for (uint32_t b = a % 4; b < 240; b += 4) {
      if (rng_double(&g) < 0.1) continue;
      if (rng_double(&g) < 0.25) {
        hu[nh] = a;
        hi[nh++] = b;
      } else {
        u[n] = a;
        i[n++] = b;
      }
    }
  csr m;
  assert_int_equal(csr_build(&m, 240, 240, u, i, n), 0);
  assert_int_equal(csr_build(held, 240, 240, hu, hi, nh), 0);
  free(u);
  free(i);
  free(hu);
  free(hi);
  return m;
}

/* AUC of held-out positives against items the user never interacted with,
** scored by dot + bias. */
static double heldout_auc(const bpr_model *m, const csr *train, const csr *held) {
  double won = 0, pairs = 0;
  for (uint32_t u = 0; u < m->n_users; u++) {
    for (size_t a = held->ptr[u]; a < held->ptr[u + 1]; a++) {
      uint32_t i = held->idx[a];
      float si = vec_dot(m->user + (size_t)u * m->dim, m->item + (size_t)i * m->dim, m->dim) + m->bias[i];
      for (uint32_t j = 0; j < m->n_items; j++) {
        if (csr_contains(train, u, j) || csr_contains(held, u, j)) continue;
        float sj = vec_dot(m->user + (size_t)u * m->dim, m->item + (size_t)j * m->dim, m->dim) + m->bias[j];
        won += si > sj ? 1 : si == sj ? 0.5 : 0;
        pairs++;
      }
    }
  }
  return won / pairs;
}

/* A trainer_hook that records the epoch in *(uint32_t *)ctx and stops the
** run after epoch 3. */
static inline int planted_stop_at_3(void *ctx, uint32_t epoch, double loss, const bpr_stats *st,
                                    const bpr_model *m) {
  (void)loss;
  (void)st;
  (void)m;
  *(uint32_t *)ctx = epoch;
  return epoch == 3 ? RS_STOPPED : RS_OK;
}

#endif
