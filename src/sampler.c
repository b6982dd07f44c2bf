/*
** sampler: see sampler.h.
*/
#include "sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const sampler_strategy_names[] = {"uniform", "popularity", "bootstrap", "exposure", NULL};

int sampler_strategy_parse(const char *name) {
  for (int k = 0; sampler_strategy_names[k]; k++)
    if (strcmp(sampler_strategy_names[k], name) == 0) return k;
  return -1;
}

void sampler_free(sampler *s) {
  alias_free(&s->pop);
  free(s->pop_w);
  csr_free(&s->expo);
  free(s->active);
  memset(s, 0, sizeof *s);
}

/* exposure rows minus positives, restricted to users of pos. */
static rs_status build_exposures(sampler *s, const csr *ex) {
  uint32_t n_users = s->pos->n_rows;
  s->expo.n_rows = n_users;
  s->expo.n_cols = ex->n_cols;
  s->expo.ptr = calloc((size_t)n_users + 1, sizeof *s->expo.ptr);
  s->expo.idx = malloc((ex->nnz ? ex->nnz : 1) * sizeof *s->expo.idx);
  if (!s->expo.ptr || !s->expo.idx) return RS_NOMEM;
  size_t w = 0;
  for (uint32_t u = 0; u < n_users; u++) {
    s->expo.ptr[u] = w;
    if (u >= ex->n_rows) continue;
    const uint32_t *e = csr_row(ex, u), *p = csr_row(s->pos, u);
    size_t de = csr_degree(ex, u), dp = csr_degree(s->pos, u), b = 0;
    for (size_t a = 0; a < de; a++) {
      while (b < dp && p[b] < e[a]) b++;
      if (b < dp && p[b] == e[a]) continue;
      s->expo.idx[w++] = e[a];
    }
  }
  s->expo.ptr[n_users] = w;
  s->expo.nnz = w;
  return RS_OK;
}

rs_status sampler_init(sampler *s, sampler_strategy strategy, const csr *pos, uint32_t n_items, double power,
                       const csr *exposures) {
  rs_status st = RS_OK;
  memset(s, 0, sizeof *s);
  s->strategy = strategy;
  s->pos = pos;
  s->n_items = n_items;
  s->active = malloc(((size_t)pos->n_rows + 1) * sizeof *s->active);
  if (!s->active) goto oom;
  for (uint32_t u = 0; u < pos->n_rows; u++) {
    size_t d = csr_degree(pos, u);
    if (d > 0 && d < n_items) s->active[s->n_active++] = u;
  }
  if (strategy == SAMPLER_POPULARITY && n_items > 0) {
    s->pop_w = calloc(n_items, sizeof *s->pop_w);
    if (!s->pop_w) goto oom;
    for (size_t k = 0; k < pos->nnz; k++) s->pop_w[pos->idx[k]] += 1.0;
    for (uint32_t k = 0; k < n_items; k++) s->pop_w[k] = pow(s->pop_w[k], power);
    if ((st = alias_build(&s->pop, s->pop_w, n_items)) != RS_OK) goto fail;
  }
  if (strategy == SAMPLER_EXPOSURE && exposures && (st = build_exposures(s, exposures)) != RS_OK) goto fail;
  return RS_OK;
oom:
  st = RS_NOMEM;
fail:
  sampler_free(s);
  return st;
}

/* Exact draw from the popularity weights restricted to u's non-positives. */
static uint32_t popularity_exact(const sampler *s, rng *g, uint32_t u) {
  const uint32_t *p = csr_row(s->pos, u);
  size_t d = csr_degree(s->pos, u);
  double mass = 0.0;
  for (size_t b = 0, k = 0; k < s->n_items; k++) {
    if (b < d && p[b] == k) {
      b++;
      continue;
    }
    mass += s->pop_w[k];
  }
  if (!(mass > 0.0)) return sampler_uniform_negative(s, g, u);
  double x = rng_double(g) * mass;
  uint32_t last = SAMPLER_NONE;
  for (size_t b = 0, k = 0; k < s->n_items; k++) {
    if (b < d && p[b] == k) {
      b++;
      continue;
    }
    if (s->pop_w[k] > 0.0) last = (uint32_t)k;
    x -= s->pop_w[k];
    if (x < 0.0 && s->pop_w[k] > 0.0) return (uint32_t)k;
  }
  return last; /* rounding at the very end */
}

static inline int has_bit(const uint64_t *b, uint32_t j) { return (int)((b[j >> 6] >> (j & 63)) & 1); }

/* Uniform draw with rejection against the bitset: used while the user holds
** at most half of the items (at most 2 draws expected); beyond that, the
** rank of the complement. */
static uint32_t uniform_bits(const sampler *s, rng *g, uint32_t u, const uint64_t *bits) {
  size_t d = csr_degree(s->pos, u);
  if (d >= s->n_items) return SAMPLER_NONE;
  if (2 * d <= s->n_items) {
    for (;;) {
      uint32_t j = rng_below(g, s->n_items);
      if (!has_bit(bits, j)) return j;
    }
  }
  return sampler_complement_rank(csr_row(s->pos, u), d, rng_below(g, s->n_items - (uint32_t)d));
}

uint32_t sampler_negative(const sampler *s, rng *g, uint32_t u, const uint64_t *bits) {
  switch (s->strategy) {
    case SAMPLER_POPULARITY: {
      if (csr_degree(s->pos, u) >= s->n_items) return SAMPLER_NONE;
      for (int t = 0; t < 64; t++) {
        uint32_t j = alias_draw(&s->pop, g);
        if (bits ? !has_bit(bits, j) : !csr_contains(s->pos, u, j)) return j;
      }
      return popularity_exact(s, g, u);
    }
    case SAMPLER_EXPOSURE: {
      size_t d = s->expo.ptr ? csr_degree(&s->expo, u) : 0;
      if (d) return csr_row(&s->expo, u)[rng_below(g, (uint32_t)d)];
      break;
    }
    default: break;
  }
  return bits ? uniform_bits(s, g, u, bits) : sampler_uniform_negative(s, g, u);
}

rs_status sampler_stream_init(sampler_stream *st, const sampler *s, uint32_t n_neg, uint64_t seed) {
  memset(st, 0, sizeof *st);
  st->s = s;
  st->n_neg = n_neg;
  st->bits_user = SAMPLER_NONE;
  rng_seed(&st->g, seed, 0);
  if (s->strategy == SAMPLER_BOOTSTRAP) {
    st->remaining = s->n_active ? (uint64_t)s->pos->nnz * n_neg : 0;
    return RS_OK;
  }
  st->bits = calloc(((size_t)s->n_items + 63) / 64 + 1, sizeof *st->bits);
  return st->bits ? RS_OK : RS_NOMEM;
}

void sampler_stream_free(sampler_stream *st) {
  free(st->bits);
  st->bits = NULL;
}

/* Points the bitset at user u's positives. */
static void load_bits(sampler_stream *st, uint32_t u) {
  const csr *pos = st->s->pos;
  if (st->bits_user != SAMPLER_NONE) {
    const uint32_t *p = csr_row(pos, st->bits_user);
    for (size_t k = 0; k < csr_degree(pos, st->bits_user); k++) st->bits[p[k] >> 6] = 0;
  }
  const uint32_t *p = csr_row(pos, u);
  for (size_t k = 0; k < csr_degree(pos, u); k++) st->bits[p[k] >> 6] |= (uint64_t)1 << (p[k] & 63);
  st->bits_user = u;
}

int sampler_stream_next(sampler_stream *st, uint32_t *u, uint32_t *i, uint32_t *j) {
  const sampler *s = st->s;
  const csr *pos = s->pos;
  if (s->strategy == SAMPLER_BOOTSTRAP) {
    if (st->remaining == 0) return 0;
    st->remaining--;
    uint32_t uu = s->active[rng_below(&st->g, s->n_active)];
    *u = uu;
    *i = csr_row(pos, uu)[rng_below(&st->g, (uint32_t)csr_degree(pos, uu))];
    *j = sampler_uniform_negative(s, &st->g, uu);
    return 1;
  }
  if (st->n_neg == 0) return 0;
  for (;;) {
    if (st->k >= pos->nnz) return 0;
    /* move st->user to the row that holds positive k */
    while (pos->ptr[st->user + 1] <= st->k) st->user++;
    uint32_t uu = st->user;
    if (csr_degree(pos, uu) >= s->n_items) {
      st->k = pos->ptr[uu + 1]; /* no possible negative: skip the user */
      continue;
    }
    if (uu != st->bits_user) load_bits(st, uu);
    *u = uu;
    *i = pos->idx[st->k];
    *j = sampler_negative(s, &st->g, uu, st->bits);
    if (++st->r == st->n_neg) {
      st->r = 0;
      st->k++;
    }
    return 1;
  }
}
