/*
** bpr: see bpr.h.
**
** Threads share the model without locks (Hogwild, Recht et al., 2011): the
** triples of an epoch touch few rows each, so collisions are rare and
** harmless; every shared access is a relaxed atomic (hogwild.h), so there
** is no data race. Thread t of epoch e draws from rng stream (seed, e * T + t), so a
** run is reproducible for a fixed thread count, and bit-identical with one.
*/
#include "bpr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hogwild.h"
#include "vec.h"

void bpr_model_free(bpr_model *m) {
  free(m->user);
  free(m->item);
  free(m->bias);
  memset(m, 0, sizeof *m);
}

/* Every shared element is read and written by one relaxed atomic access
** (hogwild.h), four at a time where the target allows; the arithmetic and
** its order are those of the plain scalar loop, so results are unchanged. */
#ifdef HW_VEC4
/* The first n (a multiple of 8) steps of bpr_step's two loops, eight floats
** at a time on CPUs with AVX: same arithmetic, same order. */
__attribute__((target("avx"))) static float dot8(const float *pu, const float *qi, const float *qj,
                                                 uint32_t n, float x) {
  for (uint32_t f = 0; f < n; f += 8) {
    hw_v8 t = hw_load8(pu + f) * (hw_load8(qi + f) - hw_load8(qj + f));
    for (int l = 0; l < 8; l++) x += t[l];
  }
  return x;
}

__attribute__((target("avx"))) static void update8(float *pu, float *qi, float *qj, uint32_t n, float a,
                                                   float decay) {
  for (uint32_t f = 0; f < n; f += 8) {
    hw_v8 p = hw_load8(pu + f), vi = hw_load8(qi + f), vj = hw_load8(qj + f);
    hw_store8(pu + f, decay * p + a * (vi - vj));
    hw_store8(qi + f, decay * vi + a * p);
    hw_store8(qj + f, decay * vj - a * p);
  }
}
#endif

float bpr_step(bpr_model *m, uint32_t u, uint32_t i, uint32_t j, float lr, float reg, float reg_bias) {
  uint32_t d = m->dim;
  float *pu = m->user + (size_t)u * d, *qi = m->item + (size_t)i * d, *qj = m->item + (size_t)j * d;
  float bi = hw_get(&m->bias[i]), bj = hw_get(&m->bias[j]);
  float x = bi - bj;
  uint32_t f = 0;
#ifdef HW_VEC4
  uint32_t n8 = __builtin_cpu_supports("avx") ? d / 8 * 8 : 0;
  x = n8 ? dot8(pu, qi, qj, n8, x) : x;
  for (f = n8; f + 4 <= d; f += 4) {
    hw_v4 t = hw_load4(pu + f) * (hw_load4(qi + f) - hw_load4(qj + f));
    x += t[0];
    x += t[1];
    x += t[2];
    x += t[3];
  }
#endif
  for (; f < d; f++) x += hw_get(pu + f) * (hw_get(qi + f) - hw_get(qj + f));
  /* g = sigmoid(-x); loss = log(1 + exp(-x)), both computed stably */
  float g, loss;
  if (x >= 0) {
    float e = expf(-x);
    g = e / (1.0f + e);
    loss = log1pf(e);
  } else {
    float e = expf(x);
    g = 1.0f / (1.0f + e);
    loss = -x + log1pf(e);
  }
  float a = lr * g, decay = 1.0f - lr * reg;
  f = 0;
#ifdef HW_VEC4
  if (n8) update8(pu, qi, qj, n8, a, decay);
  for (f = n8; f + 4 <= d; f += 4) {
    hw_v4 p = hw_load4(pu + f), vi = hw_load4(qi + f), vj = hw_load4(qj + f);
    hw_store4(pu + f, decay * p + a * (vi - vj));
    hw_store4(qi + f, decay * vi + a * p);
    hw_store4(qj + f, decay * vj - a * p);
  }
#endif
  for (; f < d; f++) {
    float p = hw_get(pu + f), vi = hw_get(qi + f), vj = hw_get(qj + f);
    hw_set(pu + f, decay * p + a * (vi - vj));
    hw_set(qi + f, decay * vi + a * p);
    hw_set(qj + f, decay * vj - a * p);
  }
  /* bias[j] read again: with j == i it is the value just written, as before */
  hw_set(&m->bias[i], bi + lr * (g - reg_bias * bi));
  bj = hw_get(&m->bias[j]);
  hw_set(&m->bias[j], bj + lr * (-g - reg_bias * bj));
  return loss;
}

typedef struct bpr_job bpr_job;
struct bpr_job {
  const bpr_config *cfg;
  const sampler *s;
  bpr_model *m;
  progress *prog;
  const uint32_t *order;    /* positives in this epoch's order (indices into pos->idx) */
  const uint32_t *pos_user; /* user of each positive */
  uint32_t epoch;
  float lr;
  int threads;
  double *loss;    /* per thread */
  uint64_t *steps; /* per thread */
};

static void bpr_worker(void *arg, int tid) {
  bpr_job *jb = arg;
  const sampler *s = jb->s;
  const csr *pos = s->pos;
  rng g;
  rng_seed(&g, jb->cfg->seed, (uint64_t)jb->epoch * (uint64_t)jb->threads + (uint64_t)tid + 1);
  size_t n = pos->nnz;
  size_t lo = n * (size_t)tid / (size_t)jb->threads, hi = n * (size_t)(tid + 1) / (size_t)jb->threads;
  double loss = 0.0;
  uint64_t steps = 0;
  const float lr = jb->lr, reg = jb->cfg->reg, regb = jb->cfg->reg_bias;
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
    for (uint32_t r = 0; r < jb->cfg->n_neg; r++) {
      uint32_t j = sampler_negative(s, &g, u, NULL);
      if (j == SAMPLER_NONE) break;
      loss += bpr_step(jb->m, u, i, j, lr, reg, regb);
      steps++;
    }
  }
  jb->loss[tid] = loss;
  jb->steps[tid] = steps;
}

int bpr_train(const bpr_config *cfg, const sampler *s, progress *prog, bpr_epoch_fn on_epoch, void *ctx,
              bpr_model *model, bpr_stats *stats) {
  const csr *pos = s->pos;
  uint32_t nu = pos->n_rows, ni = s->n_items, d = cfg->dim;
  int threads = cfg->threads < 1 ? 1 : cfg->threads;
  memset(model, 0, sizeof *model);
  memset(stats, 0, sizeof *stats);
  if (pos->nnz > BPR_MAX_POSITIVES) return RS_TOOBIG; /* order[] holds 32-bit indices */
  model->n_users = nu;
  model->n_items = ni;
  model->dim = d;
  model->user = malloc(sizeof(float) * ((size_t)nu * d + 1));
  model->item = malloc(sizeof(float) * ((size_t)ni * d + 1));
  model->bias = calloc((size_t)ni + 1, sizeof(float));
  uint32_t *order = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  uint32_t *pos_user = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  double *loss = calloc((size_t)threads, sizeof *loss);
  uint64_t *steps = calloc((size_t)threads, sizeof *steps);
  int rc = 0;
  if (!model->user || !model->item || !model->bias || !order || !pos_user || !loss || !steps) {
    rc = -1;
    goto done;
  }
  rng g;
  rng_seed(&g, cfg->seed, 0);
  for (size_t k = 0; k < (size_t)nu * d; k++) model->user[k] = (float)(rng_normal(&g) * cfg->init_std);
  for (size_t k = 0; k < (size_t)ni * d; k++) model->item[k] = (float)(rng_normal(&g) * cfg->init_std);
  for (uint32_t u = 0; u < nu; u++)
    for (size_t k = pos->ptr[u]; k < pos->ptr[u + 1]; k++) pos_user[k] = u;
  for (size_t k = 0; k < pos->nnz; k++) order[k] = (uint32_t)k;

  bpr_job jb = {cfg, s, model, prog, order, pos_user, 0, cfg->lr, threads, loss, steps};
  double t0 = parallel_now();
  for (uint32_t e = 0; e < cfg->epochs; e++) {
    if (s->strategy != SAMPLER_BOOTSTRAP) {
      for (size_t k = pos->nnz; k > 1; k--) {
        uint32_t r = rng_below(&g, (uint32_t)k);
        uint32_t t = order[k - 1];
        order[k - 1] = order[r];
        order[r] = t;
      }
    }
    float frac = cfg->epochs > 1 ? (float)e / (float)(cfg->epochs - 1) : 0.0f;
    jb.epoch = e;
    jb.lr = cfg->lr * (1.0f - frac * (1.0f - cfg->lr_final));
    parallel_run(threads, bpr_worker, &jb);
    double sum = 0.0;
    uint64_t n = 0;
    for (int t = 0; t < threads; t++) {
      sum += loss[t];
      n += steps[t];
    }
    if (progress_stopped(prog)) {
      rc = 1;
      break;
    }
    stats->epochs = e + 1;
    stats->samples += n;
    stats->final_loss = n ? sum / (double)n : 0.0;
    stats->seconds = parallel_now() - t0;
    if (on_epoch && on_epoch(ctx, e + 1, stats->final_loss, stats->seconds, stats->samples)) {
      rc = 1;
      break;
    }
  }
  stats->seconds = parallel_now() - t0;
done:
  free(order);
  free(pos_user);
  free(loss);
  free(steps);
  if (rc != 0) bpr_model_free(model);
  return rc;
}
