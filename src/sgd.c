/*
** sgd: see sgd.h.
*/
#include "sgd.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

struct sgd_state {
  sgd_config cfg;
  sgd_positive_fn fn;
  const void *trainer;
  const sampler *s;
  bpr_model *m;
  progress *prog;
  rng g;              /* initialization and the epochs' shuffles */
  uint32_t *order;    /* positives in this epoch's order (indices into pos->idx) */
  uint32_t *pos_user; /* user of each positive */
  uint32_t epoch;
  float lr;
  int threads;
  double *loss;    /* per thread */
  uint64_t *terms; /* per thread */
  float *work;     /* per thread: work_stride floats (SGD_WORK_ROWS rows), 64-byte aligned */
  void *work_raw;  /* the allocation work lies in (plain malloc, so that the fault
                   ** harness, which wraps malloc and free, sees it) */
  size_t work_stride;
};

/* Positives are visited in random order: each one's user, item, rows of
** the model and the user's positives (which the sampler reads) are misses
** once the data outgrow the caches. The loop prefetches them ahead in two
** stages: the positive's (user, item) entries 2 * SGD_AHEAD steps ahead,
** the rows they lead to SGD_AHEAD steps ahead (its entries are cached by
** then). Prefetches change no result. */
#define SGD_AHEAD 8

static inline void prefetch_row(const float *p, uint32_t dim) {
  for (uint32_t f = 0; f < dim; f += 16) __builtin_prefetch(p + f);
}

static inline void prefetch_positive(const sgd_state *jb, size_t t) {
  const csr *pos = jb->s->pos;
  const bpr_model *m = jb->m;
  if (t + SGD_AHEAD < pos->nnz) {
    size_t k2 = jb->order[t + SGD_AHEAD];
    __builtin_prefetch(&jb->pos_user[k2]);
    __builtin_prefetch(&pos->idx[k2]);
  }
  size_t k = jb->order[t];
  uint32_t u = jb->pos_user[k], i = pos->idx[k];
  __builtin_prefetch(&pos->ptr[u]);
  prefetch_row(m->user + (size_t)u * m->dim, m->dim);
  prefetch_row(m->item + (size_t)i * m->dim, m->dim);
}

static void sgd_worker(void *arg, int tid) {
  sgd_state *jb = arg;
  const sampler *s = jb->s;
  const csr *pos = s->pos;
  rng g;
  rng_seed(&g, jb->cfg.seed, (uint64_t)jb->epoch * (uint64_t)jb->threads + (uint64_t)tid + 1);
  size_t n = pos->nnz;
  size_t lo = n * (size_t)tid / (size_t)jb->threads, hi = n * (size_t)(tid + 1) / (size_t)jb->threads;
  float *work = jb->work + jb->work_stride * (size_t)tid;
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
      if (t + SGD_AHEAD < hi) prefetch_positive(jb, t + SGD_AHEAD);
      size_t k = jb->order[t];
      u = jb->pos_user[k];
      i = pos->idx[k];
    }
    jb->fn(jb->trainer, jb->m, s, &g, u, i, jb->lr, work, &loss, &terms);
  }
  jb->loss[tid] = loss;
  jb->terms[tid] = terms;
}

void sgd_end(void *p) {
  sgd_state *st = p;
  if (!st) return;
  free(st->order);
  free(st->pos_user);
  free(st->loss);
  free(st->terms);
  free(st->work_raw);
  free(st);
}

rs_status sgd_begin(const sgd_config *cfg, sgd_positive_fn fn, const void *trainer, const sampler *s,
                    bpr_model *model, void **out) {
  const csr *pos = s->pos;
  if (pos->nnz > TRAINER_MAX_INTERACTIONS) return RS_TOOBIG;
  sgd_state *st = calloc(1, sizeof *st);
  if (!st) return RS_NOMEM;
  st->cfg = *cfg;
  st->fn = fn;
  st->trainer = trainer;
  st->s = s;
  st->m = model;
  st->threads = cfg->threads < 1 ? 1 : cfg->threads;
  st->order = mem_alloc_huge(sizeof(uint32_t) * (pos->nnz + 1));    /* shuffled: random swaps */
  st->pos_user = mem_alloc_huge(sizeof(uint32_t) * (pos->nnz + 1)); /* read at random */
  st->loss = calloc((size_t)st->threads, sizeof *st->loss);
  st->terms = calloc((size_t)st->threads, sizeof *st->terms);
  /* rounded up to 64 bytes, so that threads do not share cache lines */
  st->work_stride = ((size_t)SGD_WORK_ROWS * cfg->dim + 15) / 16 * 16;
  st->work_raw = malloc(st->work_stride * (size_t)st->threads * sizeof *st->work + 63);
  st->work = st->work_raw ? (float *)(((uintptr_t)st->work_raw + 63) & ~(uintptr_t)63) : NULL;
  if (!st->order || !st->pos_user || !st->loss || !st->terms || !st->work ||
      bpr_model_alloc(model, pos->n_rows, s->n_items, cfg->dim)) {
    sgd_end(st);
    return RS_NOMEM;
  }
  rng_seed(&st->g, cfg->seed, 0);
  for (size_t k = 0; k < (size_t)model->n_users * model->dim; k++)
    model->user[k] = (float)(rng_normal(&st->g) * cfg->init_std);
  for (size_t k = 0; k < (size_t)model->n_items * model->dim; k++)
    model->item[k] = (float)(rng_normal(&st->g) * cfg->init_std);
  for (uint32_t u = 0; u < pos->n_rows; u++)
    for (size_t k = pos->ptr[u]; k < pos->ptr[u + 1]; k++) st->pos_user[k] = u;
  for (size_t k = 0; k < pos->nnz; k++) st->order[k] = (uint32_t)k;
  *out = st;
  return RS_OK;
}

rs_status sgd_epoch(void *p, uint32_t e, float lr_scale, progress *prog, double *loss, uint64_t *samples) {
  sgd_state *st = p;
  const csr *pos = st->s->pos;
  if (st->s->strategy != SAMPLER_BOOTSTRAP) {
    for (size_t k = pos->nnz; k > 1; k--) {
      uint32_t r = rng_below(&st->g, (uint32_t)k), t = st->order[k - 1];
      st->order[k - 1] = st->order[r];
      st->order[r] = t;
    }
  }
  st->epoch = e;
  st->lr = st->cfg.lr * lr_scale;
  st->prog = prog;
  parallel_run(st->threads, sgd_worker, st);
  double sum = 0.0;
  uint64_t n = 0;
  for (int t = 0; t < st->threads; t++) {
    sum += st->loss[t];
    n += st->terms[t];
  }
  *loss = n ? sum / (double)n : 0.0;
  *samples = n;
  return progress_stopped(prog) ? RS_STOPPED : RS_OK;
}
