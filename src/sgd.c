/*
** sgd: see sgd.h.
*/
#include "sgd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sgd_job sgd_job;
struct sgd_job {
  const sgd_config *cfg;
  const sampler *s;
  sgd_positive_fn fn;
  const void *trainer;
  bpr_model *m;
  progress *prog;
  const uint32_t *order;    /* positives in this epoch's order */
  const uint32_t *pos_user; /* user of each positive */
  uint32_t epoch;
  float lr;
  int threads;
  double *loss;    /* per thread */
  uint64_t *terms; /* per thread */
};

static void sgd_worker(void *arg, int tid) {
  sgd_job *jb = arg;
  const sampler *s = jb->s;
  const csr *pos = s->pos;
  rng g;
  rng_seed(&g, jb->cfg->seed, (uint64_t)jb->epoch * (uint64_t)jb->threads + (uint64_t)tid + 1);
  size_t n = pos->nnz;
  size_t lo = n * (size_t)tid / (size_t)jb->threads, hi = n * (size_t)(tid + 1) / (size_t)jb->threads;
  double loss = 0.0;
  uint64_t terms = 0;
  for (size_t t = lo; t < hi; t++) {
    if (((t - lo) & 4095) == 0) {
      if (tid == 0) progress_poll(jb->prog);
      if (progress_stopped(jb->prog)) break;
    }
    uint32_t u, i;
    if (s->strategy == SAMPLER_BOOTSTRAP) {
      u = s->active[rng_below(&g, s->n_active)];
      i = csr_row(pos, u)[rng_below(&g, (uint32_t)csr_degree(pos, u))];
    } else {
      size_t k = jb->order[t];
      u = jb->pos_user[k];
      i = pos->idx[k];
    }
    jb->fn(jb->trainer, jb->m, s, &g, u, i, jb->lr, &loss, &terms);
  }
  jb->loss[tid] = loss;
  jb->terms[tid] = terms;
}

static void shuffle(uint32_t *order, size_t n, rng *g) {
  for (size_t k = n; k > 1; k--) {
    uint32_t r = rng_below(g, (uint32_t)k), t = order[k - 1];
    order[k - 1] = order[r];
    order[r] = t;
  }
}

rs_status sgd_train(const sgd_config *cfg, const sampler *s, sgd_positive_fn fn, const void *trainer,
                    progress *prog, bpr_epoch_fn on_epoch, void *ctx, bpr_model *model, bpr_stats *stats) {
  const csr *pos = s->pos;
  uint32_t nu = pos->n_rows, ni = s->n_items, d = cfg->dim;
  int threads = cfg->threads < 1 ? 1 : cfg->threads;
  memset(model, 0, sizeof *model);
  memset(stats, 0, sizeof *stats);
  model->n_users = nu;
  model->n_items = ni;
  model->dim = d;
  model->user = malloc(sizeof(float) * ((size_t)nu * d + 1));
  model->item = malloc(sizeof(float) * ((size_t)ni * d + 1));
  model->bias = calloc((size_t)ni + 1, sizeof(float));
  uint32_t *order = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  uint32_t *pos_user = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  double *loss = calloc((size_t)threads, sizeof *loss);
  uint64_t *terms = calloc((size_t)threads, sizeof *terms);
  rs_status rc = RS_OK;
  if (!model->user || !model->item || !model->bias || !order || !pos_user || !loss || !terms) {
    rc = RS_NOMEM;
    goto done;
  }
  rng g;
  rng_seed(&g, cfg->seed, 0);
  for (size_t k = 0; k < (size_t)nu * d; k++) model->user[k] = (float)(rng_normal(&g) * cfg->init_std);
  for (size_t k = 0; k < (size_t)ni * d; k++) model->item[k] = (float)(rng_normal(&g) * cfg->init_std);
  for (uint32_t u = 0; u < nu; u++)
    for (size_t k = pos->ptr[u]; k < pos->ptr[u + 1]; k++) pos_user[k] = u;
  for (size_t k = 0; k < pos->nnz; k++) order[k] = (uint32_t)k;

  sgd_job jb = {cfg, s, fn, trainer, model, prog, order, pos_user, 0, cfg->lr, threads, loss, terms};
  double t0 = parallel_now();
  for (uint32_t e = 0; e < cfg->epochs; e++) {
    if (s->strategy != SAMPLER_BOOTSTRAP) shuffle(order, pos->nnz, &g);
    float frac = cfg->epochs > 1 ? (float)e / (float)(cfg->epochs - 1) : 0.0f;
    jb.epoch = e;
    jb.lr = cfg->lr * (1.0f - frac * (1.0f - cfg->lr_final));
    parallel_run(threads, sgd_worker, &jb);
    double sum = 0.0;
    uint64_t n = 0;
    for (int t = 0; t < threads; t++) {
      sum += loss[t];
      n += terms[t];
    }
    if (progress_stopped(prog)) {
      rc = RS_STOPPED;
      break;
    }
    stats->epochs = e + 1;
    stats->samples += n;
    stats->final_loss = n ? sum / (double)n : 0.0;
    stats->seconds = parallel_now() - t0;
    if (!isfinite(stats->final_loss)) {
      rc = RS_DIVERGED;
      break;
    }
    if (on_epoch && on_epoch(ctx, e + 1, stats->final_loss, stats->seconds, stats->samples)) {
      rc = RS_STOPPED;
      break;
    }
  }
  stats->seconds = parallel_now() - t0;
done:
  free(order);
  free(pos_user);
  free(loss);
  free(terms);
  if (rc != RS_OK) bpr_model_free(model);
  return rc;
}
