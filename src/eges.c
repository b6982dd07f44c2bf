/*
** eges: see eges.h.
**
** The value embeddings, id rows and logits are shared by skip-gram's Hogwild
** threads: every access to them is a relaxed atomic (hogwild.h): rows are
** read by hw_load and hw_axpy_in and steps added into them by hw_axpy, with the
** arithmetic of the plain code (bit-identical).
*/
#include "eges.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hogwild.h"
#include "vec.h"

void eges_free(eges *e) {
  free(e->off);
  free(e->fv);
  free(e->fv_field);
  free(e->emb);
  free(e->logit);
  memset(e, 0, sizeof *e);
}

typedef struct iv iv;
struct iv {
  uint32_t item, field, fv;
};

static int cmp_iv(const void *pa, const void *pb) {
  const iv *a = pa, *b = pb;
  if (a->item != b->item) return a->item < b->item ? -1 : 1;
  if (a->field != b->field) return a->field < b->field ? -1 : 1;
  return a->fv < b->fv ? -1 : a->fv > b->fv;
}

rs_status eges_init(eges *e, uint32_t n_items, uint32_t n_fields, uint32_t n_fv, const uint32_t *fv_field,
                    const uint32_t *item, const uint32_t *fv, size_t n, uint32_t dim, uint64_t seed) {
  memset(e, 0, sizeof *e);
  if ((uint64_t)n_items * (1 + (uint64_t)n_fields) > EGES_MAX_LOGITS) return RS_TOOBIG;
  e->n_items = n_items;
  e->n_fields = n_fields;
  e->n_fv = n_fv;
  e->dim = dim;
  iv *r = malloc((n ? n : 1) * sizeof *r);
  e->off = calloc((size_t)n_items + 1, sizeof *e->off);
  e->fv = malloc((n ? n : 1) * sizeof *e->fv);
  e->fv_field = malloc((n_fv ? n_fv : 1) * sizeof *e->fv_field);
  e->emb = malloc(((size_t)n_fv * dim + 1) * sizeof *e->emb);
  e->logit = calloc((size_t)n_items * (1 + n_fields) + 1, sizeof *e->logit);
  if (!r || !e->off || !e->fv || !e->fv_field || !e->emb || !e->logit) {
    free(r);
    eges_free(e);
    return RS_NOMEM;
  }
  memcpy(e->fv_field, fv_field, n_fv * sizeof *fv_field);
  for (size_t k = 0; k < n; k++) r[k] = (iv){item[k], fv_field[fv[k]], fv[k]};
  qsort(r, n, sizeof *r, cmp_iv);
  size_t m = 0;
  for (size_t k = 0; k < n; k++) {
    if (k > 0 && r[k].item == r[k - 1].item && r[k].fv == r[k - 1].fv) continue;
    e->fv[m++] = r[k].fv;
    e->off[r[k].item + 1]++;
  }
  for (uint32_t v = 0; v < n_items; v++) e->off[v + 1] += e->off[v];
  free(r);
  rng g;
  rng_seed(&g, seed, 0x45474553u);
  for (size_t k = 0; k < (size_t)n_fv * dim; k++) e->emb[k] = (rng_float(&g) - 0.5f) / (float)dim;
  return RS_OK;
}

rs_status eges_work_init(eges_work *k, const eges *e) {
  size_t s = (size_t)e->n_fields + 1;
  memset(k, 0, sizeof *k);
  k->slot = malloc(s * sizeof *k->slot);
  k->first = malloc(s * sizeof *k->first);
  k->count = malloc(s * sizeof *k->count);
  k->w = malloc(s * sizeof *k->w);
  k->E = malloc(s * e->dim * sizeof *k->E);
  k->h = malloc(e->dim * sizeof *k->h);
  k->tmp = malloc(e->dim * sizeof *k->tmp);
  if (!k->slot || !k->first || !k->count || !k->w || !k->E || !k->h || !k->tmp) {
    eges_work_free(k);
    return RS_NOMEM;
  }
  return RS_OK;
}

void eges_work_free(eges_work *k) {
  free(k->slot);
  free(k->first);
  free(k->count);
  free(k->w);
  free(k->E);
  free(k->h);
  free(k->tmp);
  memset(k, 0, sizeof *k);
}

/* The slots of v (id first when with_id), their value ranges and logits. */
static void find_slots(const eges *e, uint32_t v, int with_id, eges_work *k) {
  const float *a = e->logit + (size_t)v * (1 + e->n_fields);
  k->slots = 0;
  if (with_id) {
    k->slot[0] = 0;
    k->w[0] = hw_get(&a[0]);
    k->slots = 1;
  }
  for (size_t j = e->off[v]; j < e->off[v + 1]; j++) {
    uint32_t s = 1 + e->fv_field[e->fv[j]];
    if (k->slots > 0 && k->slot[k->slots - 1] == s) {
      k->count[k->slots - 1]++;
      continue;
    }
    k->slot[k->slots] = s;
    k->first[k->slots] = (uint32_t)(j - e->off[v]);
    k->count[k->slots] = 1;
    k->w[k->slots] = hw_get(&a[s]);
    k->slots++;
  }
}

void eges_forward(const eges *e, uint32_t v, const float *id_row, eges_work *k) {
  uint32_t d = e->dim;
  find_slots(e, v, id_row != NULL, k);
  float mx = -INFINITY, sum = 0.0f;
  for (uint32_t s = 0; s < k->slots; s++) mx = k->w[s] > mx ? k->w[s] : mx;
  for (uint32_t s = 0; s < k->slots; s++) sum += (k->w[s] = expf(k->w[s] - mx));
  memset(k->h, 0, d * sizeof *k->h);
  const uint32_t *vals = e->fv + e->off[v];
  for (uint32_t s = 0; s < k->slots; s++) {
    k->w[s] /= sum;
    float *E = k->E + (size_t)s * d;
    if (k->slot[s] == 0) {
      hw_load(E, id_row, d);
    } else {
      memset(E, 0, d * sizeof *E);
      for (uint32_t j = 0; j < k->count[s]; j++)
        hw_axpy_in(1.0f / (float)k->count[s], e->emb + (size_t)vals[k->first[s] + j] * d, E, d);
    }
    vec_axpy(k->w[s], E, k->h, d);
  }
}

void eges_backward(eges *e, uint32_t v, float *id_row, eges_work *k, const float *gh) {
  uint32_t d = e->dim;
  float *a = e->logit + (size_t)v * (1 + e->n_fields);
  const uint32_t *vals = e->fv + e->off[v];
  float hg = vec_dot(k->h, gh, d);
  for (uint32_t s = 0; s < k->slots; s++) {
    float w = k->w[s];
    float *as = &a[k->slot[s]];
    hw_set(as, hw_get(as) + w * (vec_dot(k->E + (size_t)s * d, gh, d) - hg));
    if (k->slot[s] == 0) {
      hw_axpy(w, gh, id_row, d);
    } else {
      for (uint32_t j = 0; j < k->count[s]; j++)
        hw_axpy(w / (float)k->count[s], gh, e->emb + (size_t)vals[k->first[s] + j] * d, d);
    }
  }
}

size_t eges_count_nonfinite(const eges *e) {
  size_t first;
  return vec_count_nonfinite(e->emb, (size_t)e->n_fv * e->dim, &first) +
         vec_count_nonfinite(e->logit, (size_t)e->n_items * (1 + e->n_fields), &first);
}
