/*
** sampler: negative sampling for implicit feedback.
**
** Strategies (docs/neg_samples.md; the contract is in docs/internals.md):
**   uniform     for each positive (u, i): negatives uniform over the items u
**               never interacted with (NCF)
**   popularity  as uniform, item k drawn with probability ~ count(k)^power
**               (word2vec), restricted to u's non-positives
**   bootstrap   #positives * n_neg rows: user uniform, positive uniform among
**               the user's items, negative uniform (BPR's LearnBPR)
**   exposure    negatives uniform over u's exposures that are not positives;
**               uniform over all non-positives when u has none
**
** A negative is never one of the user's positives: uniform draws pick the
** r-th non-positive item directly (binary search over the sorted positives,
** no rejection loop); popularity draws reject positives and, after many
** rejections, fall back to an exact draw from the user's complement.
*/
#ifndef RECSQL_SAMPLER_H
#define RECSQL_SAMPLER_H

#include <stdint.h>

#include "alias.h"
#include "csr.h"
#include "rng.h"

typedef enum {
  SAMPLER_UNIFORM = 0,
  SAMPLER_POPULARITY,
  SAMPLER_BOOTSTRAP,
  SAMPLER_EXPOSURE
} sampler_strategy;

/* NULL-terminated list of strategy names, in enum order. */
extern const char *const sampler_strategy_names[];
/* Strategy of a name, or -1 when unknown. */
int sampler_strategy_parse(const char *name);

#define SAMPLER_NONE UINT32_MAX

typedef struct sampler sampler;
struct sampler {
  sampler_strategy strategy;
  const csr *pos;   /* user -> positive items, sorted (not owned) */
  uint32_t n_items; /* uniform draws come from 0..n_items-1 */
  alias pop;        /* popularity: count^power */
  double *pop_w;    /* the same weights, for the exact fallback */
  csr expo;         /* exposure: user -> exposed non-positive items */
  uint32_t *active; /* users with a positive and a possible negative */
  uint32_t n_active;
};

/* Sets up s over pos (n_rows users, items < n_items). power: popularity
** exponent. exposures: user -> items (rows <= pos rows; items may be >=
** n_items), only for SAMPLER_EXPOSURE. Returns RS_OK, RS_NOMEM, or
** RS_INVALID when the popularity weights count^power are not finite. */
rs_status sampler_init(sampler *s, sampler_strategy strategy, const csr *pos, uint32_t n_items, double power,
                       const csr *exposures);
void sampler_free(sampler *s);

/* The r-th item (0-based) of 0..n_items-1 that is not in the sorted list p[0..d). */
static inline uint32_t sampler_complement_rank(const uint32_t *p, size_t d, uint32_t r) {
  /* branch-free lower bound of the first t with p[t] - t > r */
  size_t lo = 0, len = d;
  while (len > 0) {
    size_t half = len >> 1, mid = lo + half;
    int right = p[mid] - (uint32_t)mid <= r;
    lo = right ? mid + 1 : lo;
    len = right ? len - half - 1 : half;
  }
  return r + (uint32_t)lo;
}

/* Uniform non-positive item of user u, or SAMPLER_NONE if u has every item. */
static inline uint32_t sampler_uniform_negative(const sampler *s, rng *g, uint32_t u) {
  size_t d = csr_degree(s->pos, u);
  if (d >= s->n_items) return SAMPLER_NONE;
  return sampler_complement_rank(csr_row(s->pos, u), d, rng_below(g, s->n_items - (uint32_t)d));
}

/* A negative for user u under the strategy (bootstrap draws uniform), or
** SAMPLER_NONE when u has no possible negative. bits: a bitset of u's
** positives (bit k of bits[k / 64]) when the caller keeps one, else NULL;
** with it, draws test membership in O(1) and reject positives. */
uint32_t sampler_negative(const sampler *s, rng *g, uint32_t u, const uint64_t *bits);

/* Row-by-row output of neg_samples. */
typedef struct sampler_stream sampler_stream;
struct sampler_stream {
  const sampler *s;
  rng g;
  uint32_t n_neg;
  uint32_t user;      /* current user (uniform/popularity/exposure) */
  size_t k;           /* index of the current positive in s->pos->idx */
  uint32_t r;         /* negatives already given for it */
  uint64_t remaining; /* bootstrap: rows left */
  uint64_t *bits;     /* positives of bits_user, as a bitset over items */
  uint32_t bits_user;
};

/* Returns RS_OK or RS_NOMEM. */
rs_status sampler_stream_init(sampler_stream *st, const sampler *s, uint32_t n_neg, uint64_t seed);
void sampler_stream_free(sampler_stream *st);
/* Next (user, positive, negative). Returns 1, or 0 at the end. */
int sampler_stream_next(sampler_stream *st, uint32_t *u, uint32_t *i, uint32_t *j);

#endif
