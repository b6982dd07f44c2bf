/*
** contrastive: see contrastive.h.
**
** One batch, with P̂ and Q̂ the rows as scored (unit length when cosine):
**   S = P̂ Q̂neg^T                   (B x N, sgemm)
**   G = dLoss/dS, gpos = dLoss/dspos (elementwise, per loss)
**   dP̂ = G Q̂neg + gpos * Q̂pos      (sgemm)
**   dQ̂neg = G^T P̂                  (sgemm)
**   dQ̂pos = gpos * P̂
** and through the normalization, dx = (dx̂ - (dx̂ . x̂) x̂) / |x|.
*/
#include "contrastive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "blas.h"
#include "hogwild.h"
#include "rng.h"
#include "vec.h"

#define NORM_EPS 1e-12f

/* Copies n rows of X into Xh, normalized when cos (norms into nrm). */
static void prepare_rows(const float *X, uint32_t n, uint32_t d, int cos, float *Xh, float *nrm) {
  for (uint32_t r = 0; r < n; r++) {
    const float *x = X + (size_t)r * d;
    float *y = Xh + (size_t)r * d;
    if (cos) {
      float s = sqrtf(vec_dot(x, x, d));
      if (s < NORM_EPS) s = NORM_EPS;
      nrm[r] = s;
      for (uint32_t f = 0; f < d; f++) y[f] = x[f] / s;
    } else {
      memcpy(y, x, sizeof(float) * d);
    }
  }
}

/* In place: the gradient with respect to x from the one with respect to
** x̂ = x / |x|. */
static void back_normalize(float *g, const float *xh, float nrm, uint32_t d) {
  float c = vec_dot(g, xh, d);
  for (uint32_t f = 0; f < d; f++) g[f] = (g[f] - c * xh[f]) / nrm;
}

double contrastive_batch_loss(const contrastive_config *cfg, const float *P, const float *Q, uint32_t B,
                              uint32_t N, const uint32_t *ids, const float *logq, float *grad_p,
                              float *grad_q) {
  uint32_t d = cfg->dim;
  int cos = cfg->loss == CL_CCL || cfg->cosine;
  /* the candidate columns of S: every row of Q (positives first: row b's
  ** positive is column b) with in_batch, else only the N negatives */
  uint32_t C = cfg->in_batch ? B + N : N, off = cfg->in_batch ? 0 : B;
  float *Ph = malloc(sizeof(float) * ((size_t)B * d + 1));
  float *Qh = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  float *np = malloc(sizeof(float) * (B + 1)), *nq = malloc(sizeof(float) * (B + N + 1));
  float *S = malloc(sizeof(float) * ((size_t)B * C + 1));
  float *gpos = malloc(sizeof(float) * (B + 1));
  double loss = -1.0; /* out of memory */
  if (!Ph || !Qh || !np || !nq || !S || !gpos) goto done;
  prepare_rows(P, B, d, cos, Ph, np);
  prepare_rows(Q, B + N, d, cos, Qh, nq);
  const float *Qc = Qh + (size_t)off * d;
  if (C)
    if (blas_sgemm(BLAS_N, BLAS_T, B, C, d, 1.0f, Ph, d, Qc, d, 0.0f, S, C)) goto done;
  double total = 0.0;
  const float invB = 1.0f / (float)B;
  for (uint32_t b = 0; b < B; b++) {
    float sp = vec_dot(Ph + (size_t)b * d, Qh + (size_t)b * d, d);
    float *row = S + (size_t)b * C;
    /* column c is a negative of row b unless it is b's positive or, when ids
    ** are given, the same item as b's positive (an accidental hit) */
#define IS_NEG(c) (!(cfg->in_batch && (c) == b) && !(ids && ids[off + (c)] == ids[b]))
    if (cfg->loss == CL_SOFTMAX) {
      const float it = 1.0f / cfg->tau;
      float zp = sp * it, mx = zp;
      if (logq)
        for (uint32_t c = 0; c < C; c++) row[c] = row[c] * it - logq[c];
      else
        for (uint32_t c = 0; c < C; c++) row[c] *= it;
      /* columns that are not negatives: far below every logit (exp gives
      ** ~0), set to exactly 0 after */
      int masked = 0;
      if (cfg->in_batch) {
        row[b] = -1e30f;
        masked = 1;
      }
      if (ids)
        for (uint32_t c = 0; c < C; c++)
          if (ids[off + c] == ids[b]) {
            row[c] = -1e30f;
            masked = 1;
          }
      for (uint32_t c = 0; c < C; c++)
        if (row[c] > mx) mx = row[c];
      double ep = exp((double)(zp - mx));
      double sum = ep + (double)vec_exp_shift(row, C, mx);
      total += log(sum) + mx - zp;
      gpos[b] = ((float)(ep / sum) - 1.0f) * it * invB;
      vec_scale((float)(1.0 / sum) * it * invB, row, C);
      if (masked) {
        if (cfg->in_batch) row[b] = 0.0f;
        if (ids)
          for (uint32_t c = 0; c < C; c++)
            if (ids[off + c] == ids[b]) row[c] = 0.0f;
      }
    } else {
      uint32_t n_neg = 0;
      for (uint32_t c = 0; c < C; c++) n_neg += IS_NEG(c);
      const float w = cfg->neg_weight / (float)(n_neg ? n_neg : 1), m = cfg->margin;
      double l = 1.0 - sp;
      for (uint32_t c = 0; c < C; c++) {
        float v = row[c] - m;
        if (IS_NEG(c) && v > 0) {
          l += w * v;
          row[c] = w * invB;
        } else {
          row[c] = 0.0f;
        }
      }
      total += l;
      gpos[b] = -invB;
    }
#undef IS_NEG
    /* with in_batch the positive is column b of S: its gradient goes there */
    if (cfg->in_batch) row[b] = gpos[b];
  }
  loss = total / B;
  double r2 = 0.0;
  for (size_t k = 0; k < (size_t)B * d; k++) r2 += (double)P[k] * P[k];
  for (size_t k = 0; k < (size_t)(B + N) * d; k++) r2 += (double)Q[k] * Q[k];
  loss += 0.5 * cfg->reg * r2;
  if (!grad_p || !grad_q) goto done;
  /* dP̂ = G Q̂c (+ gpos Q̂pos); dQ̂c = G^T P̂ (dQ̂pos = gpos P̂) */
  if (!cfg->in_batch) memset(grad_q, 0, sizeof(float) * B * d);
  if (C) {
    if (blas_sgemm(BLAS_N, BLAS_N, B, d, C, 1.0f, S, C, Qc, d, 0.0f, grad_p, d) ||
        blas_sgemm(BLAS_T, BLAS_N, C, d, B, 1.0f, S, C, Ph, d, 0.0f, grad_q + (size_t)off * d, d)) {
      loss = -1.0; /* out of memory (packing buffers) */
      goto done;
    }
  } else {
    memset(grad_p, 0, sizeof(float) * B * d);
  }
  if (!cfg->in_batch)
    for (uint32_t b = 0; b < B; b++) {
      vec_axpy(gpos[b], Qh + (size_t)b * d, grad_p + (size_t)b * d, d);
      vec_axpy(gpos[b], Ph + (size_t)b * d, grad_q + (size_t)b * d, d);
    }
  if (cos) {
    for (uint32_t b = 0; b < B; b++) back_normalize(grad_p + (size_t)b * d, Ph + (size_t)b * d, np[b], d);
    for (uint32_t r = 0; r < B + N; r++) back_normalize(grad_q + (size_t)r * d, Qh + (size_t)r * d, nq[r], d);
  }
  for (size_t k = 0; k < (size_t)B * d; k++) grad_p[k] += cfg->reg * P[k];
  for (size_t k = 0; k < (size_t)(B + N) * d; k++) grad_q[k] += cfg->reg * Q[k];
done:
  free(Ph);
  free(Qh);
  free(np);
  free(nq);
  free(S);
  free(gpos);
  return loss;
}

/* Lazy Adam state for a matrix of rows. */
typedef struct adam adam;
struct adam {
  float *m, *v;
  uint32_t *t;
};

static int adam_init(adam *a, uint32_t rows, uint32_t d) {
  a->m = calloc((size_t)rows * d + 1, sizeof(float));
  a->v = calloc((size_t)rows * d + 1, sizeof(float));
  a->t = calloc((size_t)rows + 1, sizeof(uint32_t));
  return a->m && a->v && a->t ? 0 : -1;
}

static void adam_free(adam *a) {
  free(a->m);
  free(a->v);
  free(a->t);
}

/* One Adam step of row r (length d) along gradient g: vec_adam's arithmetic
** on the shared row and its moments, each element read and written by
** relaxed atomics (hogwild.h), four at a time where the target allows. */
static void adam_step(adam *a, uint32_t r, float *x, const float *g, uint32_t d, float lr) {
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  uint32_t t = hw_inc(&a->t[r]);
  float c1 = 1.0f - powf(b1, (float)t), c2 = 1.0f - powf(b2, (float)t);
  float step = lr * sqrtf(c2) / c1;
  float *m = a->m + (size_t)r * d, *v = a->v + (size_t)r * d;
  uint32_t f = 0;
#ifdef HW_VEC4
  for (; f + 4 <= d; f += 4) {
    hw_v4 gv;
    memcpy(&gv, g + f, sizeof gv);
    hw_v4 mv = b1 * hw_load4(m + f) + (1.0f - b1) * gv;
    hw_v4 vv = b2 * hw_load4(v + f) + (1.0f - b2) * gv * gv;
    hw_v4 xv = hw_load4(x + f) - step * mv / (hw_sqrt4(vv) + eps);
    hw_store4(m + f, mv);
    hw_store4(v + f, vv);
    hw_store4(x + f, xv);
  }
#endif
  for (; f < d; f++) {
    float gf = g[f];
    float mf = b1 * hw_get(m + f) + (1.0f - b1) * gf;
    float vf = b2 * hw_get(v + f) + (1.0f - b2) * gf * gf;
    hw_set(m + f, mf);
    hw_set(v + f, vf);
    hw_set(x + f, hw_get(x + f) - step * mf / (sqrtf(vf) + eps));
  }
}

/* Sums the gradient rows of a batch into one row per distinct index, then
** steps each: rows[k] is the model row of gradient row k. */
typedef struct accum accum;
struct accum {
  float *sum;     /* distinct rows x d */
  uint32_t *slot; /* model row -> distinct index + 1 (0 = not in batch) */
  uint32_t *rows; /* distinct model rows */
  uint32_t n;
};

static void accum_add(accum *ac, uint32_t row, const float *g, uint32_t d) {
  uint32_t s = ac->slot[row];
  if (!s) {
    s = ++ac->n;
    ac->slot[row] = s;
    ac->rows[s - 1] = row;
    memcpy(ac->sum + (size_t)(s - 1) * d, g, sizeof(float) * d);
    return;
  }
  vec_axpy(1.0f, g, ac->sum + (size_t)(s - 1) * d, d);
}

static void accum_apply(accum *ac, adam *opt, float *X, uint32_t d, float lr) {
  for (uint32_t k = 0; k < ac->n; k++) {
    uint32_t r = ac->rows[k];
    adam_step(opt, r, X + (size_t)r * d, ac->sum + (size_t)k * d, d, lr);
    ac->slot[r] = 0;
  }
  ac->n = 0;
}

/* One thread's buffers for a batch. */
typedef struct worker worker;
struct worker {
  float *P, *Q, *gP, *gQ, *logq;
  uint32_t *bu, *bi;
  accum au, ai;
  rng g;
  double loss_sum;
  uint64_t batches;
  int failed; /* RS_NOMEM or RS_DIVERGED */
};

static void worker_free(worker *w) {
  free(w->P);
  free(w->Q);
  free(w->gP);
  free(w->gQ);
  free(w->logq);
  free(w->bu);
  free(w->bi);
  free(w->au.sum);
  free(w->au.slot);
  free(w->au.rows);
  free(w->ai.sum);
  free(w->ai.slot);
  free(w->ai.rows);
}

static int worker_init(worker *w, uint32_t nu, uint32_t ni, uint32_t d, uint32_t B, uint32_t N) {
  memset(w, 0, sizeof *w);
  w->P = malloc(sizeof(float) * ((size_t)B * d + 1));
  w->Q = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  w->gP = malloc(sizeof(float) * ((size_t)B * d + 1));
  w->gQ = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  w->logq = malloc(sizeof(float) * ((size_t)B + N + 1));
  w->bu = malloc(sizeof(uint32_t) * ((size_t)B + 1));
  w->bi = malloc(sizeof(uint32_t) * ((size_t)B + N + 1));
  w->au.sum = malloc(sizeof(float) * ((size_t)B * d + 1));
  w->au.slot = calloc((size_t)nu + 1, sizeof(uint32_t));
  w->au.rows = malloc(sizeof(uint32_t) * ((size_t)B + 1));
  w->ai.sum = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  w->ai.slot = calloc((size_t)ni + 1, sizeof(uint32_t));
  w->ai.rows = malloc(sizeof(uint32_t) * ((size_t)B + N + 1));
  return w->P && w->Q && w->gP && w->gQ && w->logq && w->bu && w->bi && w->au.sum && w->au.slot &&
                 w->au.rows && w->ai.sum && w->ai.slot && w->ai.rows
             ? 0
             : -1;
}

/* What the threads of one epoch share. */
typedef struct epoch_job epoch_job;
struct epoch_job {
  const contrastive_config *cfg;
  const csr *pos;
  const uint32_t *order, *pos_user;
  const alias *pop;
  const double *w, *deg;
  double wsum;
  bpr_model *model;
  adam *ou, *oi;
  worker *workers;
  int threads;
  float lr;
  progress *prog;
};

/* Thread tid takes batches tid, tid + threads, ...: Hogwild over batches, each
** with its own negatives and its own Adam steps on the shared model; shared
** rows are read and written through relaxed atomics only (hogwild.h). */
static void epoch_worker(void *arg, int tid) {
  epoch_job *job = arg;
  const contrastive_config *cfg = job->cfg;
  const csr *pos = job->pos;
  worker *wk = job->workers + tid;
  uint32_t d = cfg->dim, B = cfg->batch, N = cfg->n_neg, ni = job->model->n_items;
  float *Um = job->model->user, *Im = job->model->item;
  size_t n_batches = (pos->nnz + B - 1) / B;
  for (size_t bix = (size_t)tid; bix < n_batches; bix += (size_t)job->threads) {
    if (tid == 0 ? progress_poll(job->prog) : progress_stopped(job->prog)) return;
    size_t start = bix * B;
    uint32_t b_n = (uint32_t)(pos->nnz - start < B ? pos->nnz - start : B);
    for (uint32_t b = 0; b < b_n; b++) {
      size_t k = job->order[start + b];
      wk->bu[b] = job->pos_user[k];
      wk->bi[b] = pos->idx[k];
      hw_load(wk->P + (size_t)b * d, Um + (size_t)wk->bu[b] * d, d);
      hw_load(wk->Q + (size_t)b * d, Im + (size_t)wk->bi[b] * d, d);
    }
    for (uint32_t j = 0; j < N; j++) {
      uint32_t it = cfg->popularity ? alias_draw(job->pop, &wk->g) : rng_below(&wk->g, ni);
      wk->bi[b_n + j] = it;
      hw_load(wk->Q + (size_t)(b_n + j) * d, Im + (size_t)it * d, d);
    }
    /* The log-Q correction: a candidate's logit less log(expected count of
    ** the item among the batch's candidates), so that the sum over the
    ** candidates estimates the sum over all items of the full softmax (also
    ** for uniform negatives, where the constant log(N / items) measurably
    ** trains better than leaving it out). The positives of the batch, as
    ** in-batch negatives, are drawn by the item frequency deg / nnz. */
    uint32_t c0 = cfg->in_batch ? 0 : b_n, cn = b_n + N;
    for (uint32_t c = c0; c < cn; c++) {
      uint32_t it = wk->bi[c];
      double q = (double)N * (cfg->popularity ? job->w[it] / job->wsum : 1.0 / (double)ni);
      if (cfg->in_batch) q += (double)b_n * job->deg[it] / (double)pos->nnz;
      wk->logq[c - c0] = (float)log(q);
    }
    double l = contrastive_batch_loss(cfg, wk->P, wk->Q, b_n, N, wk->bi, wk->logq, wk->gP, wk->gQ);
    if (!(l >= 0.0) || isinf(l)) {
      wk->failed = l < 0.0 ? RS_NOMEM : RS_DIVERGED;
      if (job->prog) atomic_store(&job->prog->stop, 1);
      return;
    }
    wk->loss_sum += l;
    wk->batches++;
    for (uint32_t b = 0; b < b_n; b++) accum_add(&wk->au, wk->bu[b], wk->gP + (size_t)b * d, d);
    for (uint32_t r = 0; r < b_n + N; r++) accum_add(&wk->ai, wk->bi[r], wk->gQ + (size_t)r * d, d);
    accum_apply(&wk->au, job->ou, Um, d, job->lr);
    accum_apply(&wk->ai, job->oi, Im, d, job->lr);
  }
}

/* The state of a run: the workers and the job its epochs share. */
typedef struct cl_state cl_state;
struct cl_state {
  contrastive_config cfg;
  epoch_job job;
  rng g;
  uint32_t *order, *pos_user;
  worker *workers;
  int made; /* workers initialized */
  double *w, *deg;
  alias pop;
  adam ou, oi;
};

static void cl_end(void *p) {
  cl_state *st = p;
  free(st->order);
  free(st->pos_user);
  if (st->workers)
    for (int t = 0; t < st->made; t++) worker_free(st->workers + t);
  free(st->workers);
  free(st->w);
  free(st->deg);
  alias_free(&st->pop);
  adam_free(&st->ou);
  adam_free(&st->oi);
  free(st);
}

/* Item degrees and, with popularity, the count^power draw (into st). */
static rs_status cl_item_weights(cl_state *st, const csr *pos, uint32_t ni) {
  st->deg = calloc((size_t)ni + 1, sizeof(double));
  if (!st->deg) return RS_NOMEM;
  for (size_t k = 0; k < pos->nnz; k++) st->deg[pos->idx[k]] += 1.0;
  st->job.wsum = (double)ni;
  if (!st->cfg.popularity) return RS_OK;
  st->w = calloc((size_t)ni + 1, sizeof(double));
  if (!st->w) return RS_NOMEM;
  st->job.wsum = 0.0;
  for (uint32_t k = 0; k < ni; k++) {
    st->w[k] = pow(st->deg[k], st->cfg.power);
    st->job.wsum += st->w[k];
  }
  return alias_build(&st->pop, st->w, ni) ? RS_NOMEM : RS_OK;
}

static rs_status cl_begin(const void *cfgp, const sampler *s, bpr_model *model, void **out) {
  const contrastive_config *cfg = cfgp;
  const csr *pos = s->pos;
  uint32_t nu = pos->n_rows, ni = s->n_items, d = cfg->dim;
  if (pos->nnz > TRAINER_MAX_INTERACTIONS) return RS_TOOBIG;
  cl_state *st = calloc(1, sizeof *st);
  if (!st) return RS_NOMEM;
  st->cfg = *cfg;
  int threads = cfg->threads < 1 ? 1 : cfg->threads;
  size_t n_batches = (pos->nnz + cfg->batch - 1) / cfg->batch;
  if ((size_t)threads > n_batches) threads = n_batches ? (int)n_batches : 1;
  st->order = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  st->pos_user = malloc(sizeof(uint32_t) * (pos->nnz + 1));
  st->workers = calloc((size_t)threads, sizeof(worker));
  rs_status rc = RS_NOMEM;
  if (!st->order || !st->pos_user || !st->workers || adam_init(&st->ou, nu, d) || adam_init(&st->oi, ni, d))
    goto fail;
  for (; st->made < threads; st->made++)
    if (worker_init(st->workers + st->made, nu, ni, d, cfg->batch, cfg->n_neg)) {
      st->made++;
      goto fail;
    }
  if ((rc = cl_item_weights(st, pos, ni)) != RS_OK) goto fail;
  if ((rc = bpr_model_alloc(model, nu, ni, d)) != RS_OK) goto fail;
  rng_seed(&st->g, cfg->seed, 0);
  for (int t = 0; t < threads; t++) rng_seed(&st->workers[t].g, cfg->seed, (uint64_t)t + 1);
  for (size_t k = 0; k < (size_t)nu * d; k++) model->user[k] = (float)(rng_normal(&st->g) * cfg->init_std);
  for (size_t k = 0; k < (size_t)ni * d; k++) model->item[k] = (float)(rng_normal(&st->g) * cfg->init_std);
  for (uint32_t u = 0; u < nu; u++)
    for (size_t k = pos->ptr[u]; k < pos->ptr[u + 1]; k++) st->pos_user[k] = u;
  for (size_t k = 0; k < pos->nnz; k++) st->order[k] = (uint32_t)k;
  epoch_job job = {&st->cfg, pos,     st->order, st->pos_user, &st->pop, st->w, st->deg, st->job.wsum,
                   model,    &st->ou, &st->oi,   st->workers,  threads,  0.0f,  NULL};
  st->job = job;
  *out = st;
  return RS_OK;
fail:
  cl_end(st);
  return rc;
}

static rs_status cl_epoch(void *p, uint32_t e, float lr_scale, progress *prog, double *loss,
                          uint64_t *samples) {
  cl_state *st = p;
  const csr *pos = st->job.pos;
  (void)e;
  for (size_t k = pos->nnz; k > 1; k--) {
    uint32_t r = rng_below(&st->g, (uint32_t)k), t = st->order[k - 1];
    st->order[k - 1] = st->order[r];
    st->order[r] = t;
  }
  st->job.lr = st->cfg.lr * lr_scale;
  st->job.prog = prog;
  for (int t = 0; t < st->job.threads; t++) {
    st->workers[t].loss_sum = 0.0;
    st->workers[t].batches = 0;
  }
  /* each thread runs its own single-threaded products (blas.h) */
  parallel_run(st->job.threads, epoch_worker, &st->job);
  double loss_sum = 0.0;
  uint64_t batches = 0;
  rs_status rc = RS_OK;
  for (int t = 0; t < st->job.threads; t++) {
    if (st->workers[t].failed && rc != RS_NOMEM) rc = (rs_status)st->workers[t].failed;
    loss_sum += st->workers[t].loss_sum;
    batches += st->workers[t].batches;
  }
  *loss = batches ? loss_sum / (double)batches : 0.0;
  *samples = (uint64_t)pos->nnz * st->cfg.n_neg;
  if (rc == RS_OK && progress_stopped(prog)) rc = RS_STOPPED;
  return rc;
}

const trainer_ops contrastive_ops = {"contrastive", cl_begin, cl_epoch, cl_end, NULL, NULL};

rs_status contrastive_train(const contrastive_config *cfg, const sampler *s, progress *prog,
                            trainer_hook hook, void *ctx, bpr_model *model, bpr_stats *stats) {
  return trainer_run(&contrastive_ops, cfg, s, cfg->epochs, 0, cfg->lr_final, prog, hook, ctx, model, stats);
}
