/*
** triplet: see triplet.h.
**
** The gradient of the active hinge is a combination of the three rows: with
** G = (gp; gi; gj) and X = (p; qi; qj), G = C X for a 3 x 3 matrix C of
** scalars (triplet_coeffs), so a step reads each coordinate of the three
** rows once, as bpr_step does. For the cosine distance, with c = cos(p, q)
** and n the norms, d(1 - c)/dp = -(q/(np nq) - c p/np^2) and d(1 - c)/dq =
** -(p/(np nq) - c q/nq^2); for L2, d|p - q|/dp = (p - q)/|p - q|.
**
** Hogwild threads share the rows: a step (and the semi-hard choice) copies
** them in with relaxed atomic loads (hogwild.h), computes on the copies and
** copies them out with relaxed atomic stores: no data race, the arithmetic
** of the plain code (bit-identical).
*/
#include "triplet.h"

#include <math.h>
#include <string.h>

#include "hogwild.h"
#include "vec.h"

#define TRIPLET_EPS 1e-12f

float triplet_dist(const float *p, const float *q, uint32_t d, triplet_distance kind) {
  if (kind == TRIPLET_COSINE) {
    float np = sqrtf(vec_dot(p, p, d)), nq = sqrtf(vec_dot(q, q, d));
    return 1.0f - vec_dot(p, q, d) / (fmaxf(np, TRIPLET_EPS) * fmaxf(nq, TRIPLET_EPS));
  }
  float s = 0.0f;
  for (uint32_t f = 0; f < d; f++) s += (p[f] - q[f]) * (p[f] - q[f]);
  return sqrtf(s + TRIPLET_EPS);
}

/* The hinge, and when active the 3 x 3 coefficients of its gradient. */
static float triplet_coeffs(const float *p, const float *qi, const float *qj, uint32_t d,
                            triplet_distance kind, float margin, float C[3][3]) {
  memset(C, 0, sizeof(float) * 9);
  if (kind == TRIPLET_COSINE) {
    float pp = vec_dot(p, p, d), ii = vec_dot(qi, qi, d), jj = vec_dot(qj, qj, d);
    float np = fmaxf(sqrtf(pp), TRIPLET_EPS), ni = fmaxf(sqrtf(ii), TRIPLET_EPS),
          nj = fmaxf(sqrtf(jj), TRIPLET_EPS);
    float ci = vec_dot(p, qi, d) / (np * ni), cj = vec_dot(p, qj, d) / (np * nj);
    float h = cj - ci + margin; /* (1 - ci) - (1 - cj) + margin */
    if (h <= 0.0f) return 0.0f;
    C[0][0] = (ci - cj) / (np * np);
    C[0][1] = -1.0f / (np * ni);
    C[0][2] = 1.0f / (np * nj);
    C[1][0] = -1.0f / (np * ni);
    C[1][1] = ci / (ni * ni);
    C[2][0] = 1.0f / (np * nj);
    C[2][2] = -cj / (nj * nj);
    return h;
  }
  float di = triplet_dist(p, qi, d, kind), dj = triplet_dist(p, qj, d, kind);
  float h = di - dj + margin;
  if (h <= 0.0f) return 0.0f;
  float ei = 1.0f / di, ej = 1.0f / dj;
  C[0][0] = ei - ej;
  C[0][1] = -ei;
  C[0][2] = ej;
  C[1][0] = -ei;
  C[1][1] = ei;
  C[2][0] = ej;
  C[2][2] = -ej;
  return h;
}

float triplet_loss(const float *p, const float *qi, const float *qj, uint32_t d, triplet_distance kind,
                   float margin, float *grad) {
  float C[3][3];
  float h = triplet_coeffs(p, qi, qj, d, kind, margin, C);
  if (grad)
    for (uint32_t f = 0; f < d; f++)
      for (int r = 0; r < 3; r++)
        grad[(size_t)r * d + f] = C[r][0] * p[f] + C[r][1] * qi[f] + C[r][2] * qj[f];
  return h;
}

float triplet_step(bpr_model *m, uint32_t u, uint32_t i, uint32_t j, const triplet_config *cfg, float lr,
                   float *work) {
  uint32_t d = m->dim;
  float *pu = m->user + (size_t)u * d, *qi = m->item + (size_t)i * d, *qj = m->item + (size_t)j * d;
  float *p = work, *vi = work + d, *vj = work + 2 * (size_t)d;
  hw_load(p, pu, d);
  hw_load(vi, qi, d);
  hw_load(vj, qj, d);
  float C[3][3];
  float h = triplet_coeffs(p, vi, vj, d, cfg->distance, cfg->margin, C);
  float decay = 1.0f - lr * cfg->reg;
  if (h <= 0.0f && cfg->reg == 0.0f) return 0.0f;
  for (uint32_t f = 0; f < d; f++) {
    float pf = p[f], a = vi[f], b = vj[f];
    p[f] = decay * pf - lr * (C[0][0] * pf + C[0][1] * a + C[0][2] * b);
    vi[f] = decay * a - lr * (C[1][0] * pf + C[1][1] * a);
    vj[f] = decay * b - lr * (C[2][0] * pf + C[2][2] * b);
  }
  /* qj last: with j == i its values win, as in the in-place loop */
  hw_store(pu, p, d);
  hw_store(qi, vi, d);
  hw_store(qj, vj, d);
  return h;
}

uint32_t triplet_semi_hard(const bpr_model *m, uint32_t u, uint32_t i, const uint32_t *js, uint32_t n,
                           triplet_distance kind, float *work) {
  uint32_t d = m->dim;
  float *p = work, *q = work + d;
  hw_load(p, m->user + (size_t)u * d, d);
  hw_load(q, m->item + (size_t)i * d, d);
  float dp = triplet_dist(p, q, d, kind);
  uint32_t semi = SAMPLER_NONE, easiest = SAMPLER_NONE;
  float semi_d = INFINITY, easiest_d = -INFINITY;
  for (uint32_t k = 0; k < n; k++) {
    hw_load(q, m->item + (size_t)js[k] * d, d);
    float dn = triplet_dist(p, q, d, kind);
    if (dn > dp && dn < semi_d) {
      semi_d = dn;
      semi = js[k];
    }
    if (easiest == SAMPLER_NONE || dn > easiest_d) {
      easiest_d = dn;
      easiest = js[k];
    }
  }
  return semi != SAMPLER_NONE ? semi : easiest;
}

#define TRIPLET_MAX_CANDIDATES 256

static void triplet_positive(const void *trainer, bpr_model *m, const sampler *s, rng *g, uint32_t u,
                             uint32_t i, float lr, float *work, double *loss, uint64_t *terms) {
  const triplet_config *cfg = trainer;
  if (cfg->semi_hard) {
    uint32_t js[TRIPLET_MAX_CANDIDATES], n = 0;
    uint32_t want = cfg->n_neg < TRIPLET_MAX_CANDIDATES ? cfg->n_neg : TRIPLET_MAX_CANDIDATES;
    for (uint32_t r = 0; r < want; r++) {
      uint32_t j = sampler_negative(s, g, u, NULL);
      if (j == SAMPLER_NONE) break;
      js[n++] = j;
    }
    if (n == 0) return;
    *loss += triplet_step(m, u, i, triplet_semi_hard(m, u, i, js, n, cfg->distance, work), cfg, lr, work);
    ++*terms;
    return;
  }
  for (uint32_t r = 0; r < cfg->n_neg; r++) {
    uint32_t j = sampler_negative(s, g, u, NULL);
    if (j == SAMPLER_NONE) break;
    *loss += triplet_step(m, u, i, j, cfg, lr, work);
    ++*terms;
  }
}

void triplet_finish(bpr_model *m, triplet_distance kind) {
  uint32_t d = m->dim;
  if (kind == TRIPLET_COSINE) {
    vec_rows_norm_pow(m->user, m->n_users, d, 1.0);
    vec_rows_norm_pow(m->item, m->n_items, d, 1.0);
    memset(m->bias, 0, sizeof(float) * m->n_items);
    return;
  }
  for (uint32_t k = 0; k < m->n_items; k++) {
    const float *q = m->item + (size_t)k * d;
    m->bias[k] = -0.5f * vec_dot(q, q, d);
  }
}

/* The driver's two steps of triplet_finish: unit rows (cosine) before
** propagate and item_norm, the L2 bias after them (from the rows written). */
static void triplet_unit_op(const void *cfgp, bpr_model *m) {
  if (((const triplet_config *)cfgp)->distance == TRIPLET_COSINE) triplet_finish(m, TRIPLET_COSINE);
}
static void triplet_bias_op(const void *cfgp, bpr_model *m) {
  if (((const triplet_config *)cfgp)->distance == TRIPLET_L2) triplet_finish(m, TRIPLET_L2);
}

static rs_status triplet_begin(const void *cfgp, const sampler *s, bpr_model *model, void **state) {
  const triplet_config *cfg = cfgp;
  return sgd_begin(&cfg->sgd, triplet_positive, cfg, s, model, state);
}

const trainer_ops triplet_ops = {"triplet", triplet_begin,   sgd_epoch,
                                 sgd_end,   triplet_unit_op, triplet_bias_op};

rs_status triplet_train(const triplet_config *cfg, const sampler *s, progress *prog, trainer_hook hook,
                        void *ctx, bpr_model *model, bpr_stats *stats) {
  rs_status rc =
      trainer_run(&triplet_ops, cfg, s, cfg->sgd.epochs, 0, cfg->sgd.lr_final, prog, hook, ctx, model, stats);
  if (rc == RS_OK) triplet_finish(model, cfg->distance);
  return rc;
}
