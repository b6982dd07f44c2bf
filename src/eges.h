/*
** eges: Enhanced Graph Embedding with Side information (Wang et al., KDD 2018)
** as the input side of skip-gram (skipgram.h).
**
** Every (field, value) pair of the side information has an embedding, every
** item its own id embedding and one logit per slot: slot 0 for its id, slot
** 1 + f for field f. An item's vector is
**     H(v) = sum_s w_s E_s,   w = softmax of the item's logits over its slots,
** where E_0 is the id embedding and E_{1+f} the mean of the embeddings of the
** item's values of field f (an item may have several values of a field, such
** as several genres). Slots of fields the item has no value of are left out,
** so an item's weights sum to 1 over the slots it has.
**
** Training back-propagates the skip-gram gradient of H(v) into the id
** embedding, the value embeddings and the logits (eges_backward):
**     dL/dE_s = w_s dL/dH,   dL/da_s = w_s (E_s - H) . dL/dH.
** Items without behavior (cold start) use their field slots only: with
** untrained logits their weights are uniform over their fields.
*/
#ifndef RECSQL_EGES_H
#define RECSQL_EGES_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "status.h"

typedef struct eges eges;
struct eges {
  uint32_t n_items, n_fields, n_fv, dim;
  size_t *off;        /* n_items + 1: values of item v are fv[off[v] .. off[v + 1]) */
  uint32_t *fv;       /* value indices, sorted by (field, value) within an item */
  uint32_t *fv_field; /* n_fv: the field of each value */
  float *emb;         /* n_fv x dim value embeddings */
  float *logit;       /* n_items x (1 + n_fields) */
};

/* Most logits (n_items x (1 + n_fields)): a field is a kind of information
** (genre, brand), not one per value. */
#define EGES_MAX_LOGITS (1ull << 27)

/* Side information as rows (item[k], fv[k]), k < n (repeats are merged);
** fv_field gives the field of each of the n_fv values (copied). Value
** embeddings start uniform in +-0.5/dim, logits at 0. RS_OK, RS_NOMEM, or
** RS_TOOBIG past EGES_MAX_LOGITS. */
rs_status eges_init(eges *e, uint32_t n_items, uint32_t n_fields, uint32_t n_fv, const uint32_t *fv_field,
                    const uint32_t *item, const uint32_t *fv, size_t n, uint32_t dim, uint64_t seed);
void eges_free(eges *e);

/* Scratch for one thread. */
typedef struct eges_work eges_work;
struct eges_work {
  uint32_t slots;
  uint32_t *slot;  /* slot number (0 = id, 1 + f = field f) */
  uint32_t *first; /* range of values of each slot in fv[] (id: unused) */
  uint32_t *count;
  float *w;   /* weights of the slots */
  float *E;   /* slots x dim: the slot embeddings */
  float *h;   /* dim: H(v) */
  float *tmp; /* dim */
};
rs_status eges_work_init(eges_work *k, const eges *e);
void eges_work_free(eges_work *k);

/* H(v) into k->h, keeping what eges_backward needs. id_row: the id embedding
** of v, or NULL to leave the id slot out (cold start). */
void eges_forward(const eges *e, uint32_t v, const float *id_row, eges_work *k);

/* After eges_forward(v): adds the step gh (= -lr dL/dH) through H(v) into
** id_row (when given to the forward), the value embeddings and the logits. */
void eges_backward(eges *e, uint32_t v, float *id_row, eges_work *k, const float *gh);

/* Number of parameters of e that are NaN or infinite. */
size_t eges_count_nonfinite(const eges *e);

#endif
