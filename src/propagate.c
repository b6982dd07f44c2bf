#include "propagate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

static void unit_rows(float *X, uint32_t n, uint32_t d) {
  for (uint32_t r = 0; r < n; r++) {
    float *x = X + (size_t)r * d;
    float s = sqrtf(vec_dot(x, x, d));
    if (s > 0)
      for (uint32_t f = 0; f < d; f++) x[f] /= s;
  }
}

/* out row r = sum over the neighbours c of r of w(r) w(c) * in row c, where
** w(x) = 1/sqrt(degree x); rows without neighbours are 0. */
static void spread(const csr *m, const float *wr, const float *wc, const float *in, float *out, uint32_t d) {
  for (uint32_t r = 0; r < m->n_rows; r++) {
    float *o = out + (size_t)r * d;
    memset(o, 0, sizeof(float) * d);
    for (size_t k = m->ptr[r]; k < m->ptr[r + 1]; k++) {
      uint32_t c = m->idx[k];
      vec_axpy(wr[r] * wc[c], in + (size_t)c * d, o, d);
    }
  }
}

int propagate(const csr *ui, float *U, float *I, uint32_t d, uint32_t layers, int unit) {
  uint32_t nu = ui->n_rows, ni = ui->n_cols;
  csr iu = {0};
  size_t su = (size_t)nu * d, si = (size_t)ni * d;
  float *cu = malloc(sizeof(float) * (su + 1)), *ci = malloc(sizeof(float) * (si + 1));
  float *nu_ = malloc(sizeof(float) * (su + 1)), *ni_ = malloc(sizeof(float) * (si + 1));
  float *acc_u = malloc(sizeof(float) * (su + 1)), *acc_i = malloc(sizeof(float) * (si + 1));
  float *wu = malloc(sizeof(float) * ((size_t)nu + 1)), *wi = malloc(sizeof(float) * ((size_t)ni + 1));
  int rc = -1;
  if (!cu || !ci || !nu_ || !ni_ || !acc_u || !acc_i || !wu || !wi || csr_transpose(&iu, ui)) goto done;
  for (uint32_t u = 0; u < nu; u++) {
    size_t g = csr_degree(ui, u);
    wu[u] = g ? 1.0f / sqrtf((float)g) : 0.0f;
  }
  for (uint32_t i = 0; i < ni; i++) {
    size_t g = csr_degree(&iu, i);
    wi[i] = g ? 1.0f / sqrtf((float)g) : 0.0f;
  }
  memcpy(cu, U, sizeof(float) * su);
  memcpy(ci, I, sizeof(float) * si);
  if (unit) {
    unit_rows(cu, nu, d);
    unit_rows(ci, ni, d);
  }
  memcpy(acc_u, cu, sizeof(float) * su);
  memcpy(acc_i, ci, sizeof(float) * si);
  for (uint32_t l = 0; l < layers; l++) {
    spread(ui, wu, wi, ci, nu_, d);
    spread(&iu, wi, wu, cu, ni_, d);
    float *t = cu;
    cu = nu_;
    nu_ = t;
    t = ci;
    ci = ni_;
    ni_ = t;
    for (size_t k = 0; k < su; k++) acc_u[k] += cu[k];
    for (size_t k = 0; k < si; k++) acc_i[k] += ci[k];
  }
  /* the mean of the layers; an isolated row keeps its layer 0 (unscaled) */
  const float inv = 1.0f / (float)(layers + 1);
  for (uint32_t u = 0; u < nu; u++)
    for (uint32_t f = 0; f < d; f++)
      U[(size_t)u * d + f] = wu[u] > 0 ? acc_u[(size_t)u * d + f] * inv : acc_u[(size_t)u * d + f];
  for (uint32_t i = 0; i < ni; i++)
    for (uint32_t f = 0; f < d; f++)
      I[(size_t)i * d + f] = wi[i] > 0 ? acc_i[(size_t)i * d + f] * inv : acc_i[(size_t)i * d + f];
  rc = 0;
done:
  csr_free(&iu);
  free(cu);
  free(ci);
  free(nu_);
  free(ni_);
  free(acc_u);
  free(acc_i);
  free(wu);
  free(wi);
  return rc;
}
