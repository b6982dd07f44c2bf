/*
** trainer: see trainer.h.
*/
#include "trainer.h"
#include "mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

void bpr_model_free(bpr_model *m) {
  free(m->user);
  free(m->item);
  free(m->bias);
  memset(m, 0, sizeof *m);
}

rs_status bpr_model_alloc(bpr_model *m, uint32_t n_users, uint32_t n_items, uint32_t dim) {
  memset(m, 0, sizeof *m);
  m->n_users = n_users;
  m->n_items = n_items;
  m->dim = dim;
  /* rows drawn at random: huge pages (mem.h) */
  m->user = mem_alloc_huge(sizeof(float) * ((size_t)n_users * dim + 1));
  m->item = mem_alloc_huge(sizeof(float) * ((size_t)n_items * dim + 1));
  m->bias = calloc((size_t)n_items + 1, sizeof(float));
  if (m->user && m->item && m->bias) return RS_OK;
  bpr_model_free(m);
  return RS_NOMEM;
}

rs_status bpr_model_copy(bpr_model *dst, const bpr_model *src) {
  if (!dst->user && bpr_model_alloc(dst, src->n_users, src->n_items, src->dim)) return RS_NOMEM;
  memcpy(dst->user, src->user, sizeof(float) * (size_t)src->n_users * src->dim);
  memcpy(dst->item, src->item, sizeof(float) * (size_t)src->n_items * src->dim);
  memcpy(dst->bias, src->bias, sizeof(float) * (size_t)src->n_items);
  return RS_OK;
}

/* 1 when every parameter of m is finite. */
static int model_finite(const bpr_model *m) {
  return vec_count_nonfinite(m->user, (size_t)m->n_users * m->dim, NULL) == 0 &&
         vec_count_nonfinite(m->item, (size_t)m->n_items * m->dim, NULL) == 0 &&
         vec_count_nonfinite(m->bias, m->n_items, NULL) == 0;
}

rs_status trainer_run(const trainer_ops *ops, const void *cfg, const sampler *s, uint32_t epochs,
                      uint32_t horizon, float lr_final, progress *prog, trainer_hook hook, void *ctx,
                      bpr_model *model, bpr_stats *stats) {
  memset(stats, 0, sizeof *stats);
  memset(model, 0, sizeof *model);
  if (s->pos->nnz > TRAINER_MAX_INTERACTIONS) return RS_TOOBIG;
  if (horizon < epochs) horizon = epochs;
  void *state = NULL;
  rs_status rc = ops->begin(cfg, s, model, &state);
  double t0 = parallel_now();
  for (uint32_t e = 0; rc == RS_OK && e < epochs; e++) {
    float frac = horizon > 1 ? (float)e / (float)(horizon - 1) : 0.0f;
    double loss = 0.0;
    uint64_t n = 0;
    rc = ops->epoch(state, e, 1.0f - frac * (1.0f - lr_final), prog, &loss, &n);
    if (rc == RS_OK && progress_stopped(prog)) rc = RS_STOPPED;
    if (rc != RS_OK) break;
    stats->epochs = e + 1;
    stats->samples += n;
    stats->final_loss = loss;
    stats->seconds = parallel_now() - t0;
    if (!isfinite(loss) || !model_finite(model)) {
      rc = RS_DIVERGED;
      break;
    }
    if (hook) {
      int h = hook(ctx, e + 1, loss, stats, model);
      if (h == TRAINER_FINISH) break;
      rc = (rs_status)h;
    }
  }
  stats->seconds = parallel_now() - t0;
  if (state) ops->end(state);
  if (rc != RS_OK) bpr_model_free(model);
  return rc;
}
