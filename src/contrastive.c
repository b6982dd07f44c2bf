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

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
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
                              uint32_t N, const float *logq, float *grad_p, float *grad_q) {
  uint32_t d = cfg->dim;
  int cos = cfg->loss == CL_CCL || cfg->cosine;
  float *Ph = malloc(sizeof(float) * ((size_t)B * d + 1));
  float *Qh = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  float *np = malloc(sizeof(float) * (B + 1)), *nq = malloc(sizeof(float) * (B + N + 1));
  float *S = malloc(sizeof(float) * ((size_t)B * N + 1));
  float *gpos = malloc(sizeof(float) * (B + 1));
  double loss = NAN;
  if (!Ph || !Qh || !np || !nq || !S || !gpos) goto done;
  prepare_rows(P, B, d, cos, Ph, np);
  prepare_rows(Q, B + N, d, cos, Qh, nq);
  const float *Qneg = Qh + (size_t)B * d;
  if (N)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)N, (int)d, 1.0f, Ph, (int)d, Qneg, (int)d,
                0.0f, S, (int)N);
  double total = 0.0;
  const float invB = 1.0f / (float)B;
  for (uint32_t b = 0; b < B; b++) {
    float sp = vec_dot(Ph + (size_t)b * d, Qh + (size_t)b * d, d);
    float *row = S + (size_t)b * N;
    if (cfg->loss == CL_SOFTMAX) {
      const float it = 1.0f / cfg->tau;
      float zp = sp * it, mx = zp;
      for (uint32_t j = 0; j < N; j++) {
        float z = row[j] * it - (logq ? logq[j] : 0.0f);
        row[j] = z;
        if (z > mx) mx = z;
      }
      double sum = exp((double)(zp - mx));
      for (uint32_t j = 0; j < N; j++) {
        float e = expf(row[j] - mx);
        row[j] = e;
        sum += e;
      }
      total += log(sum) + mx - zp;
      float inv = (float)(1.0 / sum);
      gpos[b] = ((float)(exp((double)(zp - mx)) / sum) - 1.0f) * it * invB;
      for (uint32_t j = 0; j < N; j++) row[j] = row[j] * inv * it * invB;
    } else {
      const float w = cfg->neg_weight / (float)(N ? N : 1), m = cfg->margin;
      double l = 1.0 - sp;
      for (uint32_t j = 0; j < N; j++) {
        float v = row[j] - m;
        if (v > 0) {
          l += w * v;
          row[j] = w * invB;
        } else {
          row[j] = 0.0f;
        }
      }
      total += l;
      gpos[b] = -invB;
    }
  }
  loss = total / B;
  double r2 = 0.0;
  for (size_t k = 0; k < (size_t)B * d; k++) r2 += (double)P[k] * P[k];
  for (size_t k = 0; k < (size_t)(B + N) * d; k++) r2 += (double)Q[k] * Q[k];
  loss += 0.5 * cfg->reg * r2;
  if (!grad_p || !grad_q) goto done;
  /* dP̂ = G Q̂neg + gpos Q̂pos; dQ̂neg = G^T P̂; dQ̂pos = gpos P̂ */
  if (N) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)d, (int)N, 1.0f, S, (int)N, Qneg, (int)d,
                0.0f, grad_p, (int)d);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)d, (int)B, 1.0f, S, (int)N, Ph, (int)d, 0.0f,
                grad_q + (size_t)B * d, (int)d);
  } else {
    memset(grad_p, 0, sizeof(float) * B * d);
  }
  for (uint32_t b = 0; b < B; b++) {
    vec_axpy(gpos[b], Qh + (size_t)b * d, grad_p + (size_t)b * d, d);
    float *gq = grad_q + (size_t)b * d;
    for (uint32_t f = 0; f < d; f++) gq[f] = gpos[b] * Ph[(size_t)b * d + f];
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

/* One Adam step of row r (length d) along gradient g. */
static void adam_step(adam *a, uint32_t r, float *x, const float *g, uint32_t d, float lr) {
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  uint32_t t = ++a->t[r];
  float c1 = 1.0f - powf(b1, (float)t), c2 = 1.0f - powf(b2, (float)t);
  float step = lr * sqrtf(c2) / c1;
  float *m = a->m + (size_t)r * d, *v = a->v + (size_t)r * d;
  for (uint32_t f = 0; f < d; f++) {
    m[f] = b1 * m[f] + (1.0f - b1) * g[f];
    v[f] = b2 * v[f] + (1.0f - b2) * g[f] * g[f];
    x[f] -= step * m[f] / (sqrtf(v[f]) + eps);
  }
}

/* Sums the gradient rows of a batch into one row per distinct index, then
** steps each: rows[k] is the model row of gradient row k. */
typedef struct accum accum;
struct accum {
  float *sum;       /* distinct rows x d */
  uint32_t *slot;   /* model row -> distinct index + 1 (0 = not in batch) */
  uint32_t *rows;   /* distinct model rows */
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

int contrastive_train(const contrastive_config *cfg, const sampler *s, progress *prog, bpr_epoch_fn on_epoch,
                      void *ctx, bpr_model *model, bpr_stats *stats) {
  const csr *pos = s->pos;
  uint32_t nu = pos->n_rows, ni = s->n_items, d = cfg->dim, B = cfg->batch, N = cfg->n_neg;
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
  float *P = malloc(sizeof(float) * ((size_t)B * d + 1)), *Q = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  float *gP = malloc(sizeof(float) * ((size_t)B * d + 1)), *gQ = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  uint32_t *bu = malloc(sizeof(uint32_t) * (B + 1)), *bi = malloc(sizeof(uint32_t) * (B + N + 1));
  float *logq = malloc(sizeof(float) * (N + 1));
  double *w = NULL;
  alias pop = {0};
  adam ou = {0}, oi = {0};
  accum au = {0}, ai = {0};
  au.sum = malloc(sizeof(float) * ((size_t)B * d + 1));
  au.slot = calloc((size_t)nu + 1, sizeof(uint32_t));
  au.rows = malloc(sizeof(uint32_t) * (B + 1));
  ai.sum = malloc(sizeof(float) * ((size_t)(B + N) * d + 1));
  ai.slot = calloc((size_t)ni + 1, sizeof(uint32_t));
  ai.rows = malloc(sizeof(uint32_t) * (B + N + 1));
  int rc = 0;
  if (!model->user || !model->item || !model->bias || !order || !pos_user || !P || !Q || !gP || !gQ || !bu || !bi ||
      !logq || !au.sum || !au.slot || !au.rows || !ai.sum || !ai.slot || !ai.rows || adam_init(&ou, nu, d) ||
      adam_init(&oi, ni, d)) {
    rc = -1;
    goto done;
  }
  double wsum = (double)ni;
  if (cfg->popularity) {
    w = calloc((size_t)ni + 1, sizeof(double));
    if (!w) {
      rc = -1;
      goto done;
    }
    for (size_t k = 0; k < pos->nnz; k++) w[pos->idx[k]] += 1.0;
    wsum = 0.0;
    for (uint32_t k = 0; k < ni; k++) {
      w[k] = pow(w[k], cfg->power);
      wsum += w[k];
    }
    if (alias_build(&pop, w, ni)) {
      rc = -1;
      goto done;
    }
  }
  rng g;
  rng_seed(&g, cfg->seed, 0);
  for (size_t k = 0; k < (size_t)nu * d; k++) model->user[k] = (float)(rng_normal(&g) * cfg->init_std);
  for (size_t k = 0; k < (size_t)ni * d; k++) model->item[k] = (float)(rng_normal(&g) * cfg->init_std);
  for (uint32_t u = 0; u < nu; u++)
    for (size_t k = pos->ptr[u]; k < pos->ptr[u + 1]; k++) pos_user[k] = u;
  for (size_t k = 0; k < pos->nnz; k++) order[k] = (uint32_t)k;
  int saved_threads = openblas_get_num_threads();
  openblas_set_num_threads(cfg->threads < 1 ? 1 : cfg->threads);
  double t0 = parallel_now();
  for (uint32_t e = 0; e < cfg->epochs && rc == 0; e++) {
    for (size_t k = pos->nnz; k > 1; k--) {
      uint32_t r = rng_below(&g, (uint32_t)k), t = order[k - 1];
      order[k - 1] = order[r];
      order[r] = t;
    }
    float frac = cfg->epochs > 1 ? (float)e / (float)(cfg->epochs - 1) : 0.0f;
    float lr = cfg->lr * (1.0f - frac * (1.0f - cfg->lr_final));
    double loss_sum = 0.0;
    uint64_t batches = 0;
    for (size_t start = 0; start < pos->nnz; start += B) {
      if (progress_poll(prog)) {
        rc = 1;
        break;
      }
      uint32_t b_n = (uint32_t)(pos->nnz - start < B ? pos->nnz - start : B);
      for (uint32_t b = 0; b < b_n; b++) {
        size_t k = order[start + b];
        bu[b] = pos_user[k];
        bi[b] = pos->idx[k];
        memcpy(P + (size_t)b * d, model->user + (size_t)bu[b] * d, sizeof(float) * d);
        memcpy(Q + (size_t)b * d, model->item + (size_t)bi[b] * d, sizeof(float) * d);
      }
      for (uint32_t j = 0; j < N; j++) {
        uint32_t it = cfg->popularity ? alias_draw(&pop, &g) : rng_below(&g, ni);
        bi[b_n + j] = it;
        logq[j] = (float)log((double)N * (cfg->popularity ? w[it] / wsum : 1.0 / (double)ni));
        memcpy(Q + (size_t)(b_n + j) * d, model->item + (size_t)it * d, sizeof(float) * d);
      }
      double l = contrastive_batch_loss(cfg, P, Q, b_n, N, logq, gP, gQ);
      if (isnan(l)) {
        rc = -1;
        break;
      }
      loss_sum += l;
      batches++;
      for (uint32_t b = 0; b < b_n; b++) accum_add(&au, bu[b], gP + (size_t)b * d, d);
      for (uint32_t r = 0; r < b_n + N; r++) accum_add(&ai, bi[r], gQ + (size_t)r * d, d);
      accum_apply(&au, &ou, model->user, d, lr);
      accum_apply(&ai, &oi, model->item, d, lr);
    }
    if (rc) break;
    stats->epochs = e + 1;
    stats->samples += (uint64_t)pos->nnz * N;
    stats->final_loss = batches ? loss_sum / (double)batches : 0.0;
    stats->seconds = parallel_now() - t0;
    if (on_epoch && on_epoch(ctx, e + 1, stats->final_loss, stats->seconds, stats->samples)) rc = 1;
  }
  openblas_set_num_threads(saved_threads);
  stats->seconds = parallel_now() - t0;
done:
  free(order);
  free(pos_user);
  free(P);
  free(Q);
  free(gP);
  free(gQ);
  free(bu);
  free(bi);
  free(logq);
  free(w);
  alias_free(&pop);
  adam_free(&ou);
  adam_free(&oi);
  free(au.sum);
  free(au.slot);
  free(au.rows);
  free(ai.sum);
  free(ai.slot);
  free(ai.rows);
  if (rc != 0) bpr_model_free(model);
  return rc;
}
