/*
** swing: see swing.h.
*/
#include "swing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

void swing_params_default(swing_params *p) {
  memset(p, 0, sizeof *p);
  p->alpha = 1.0;
}

double swing_user_weight(const swing_params *p, size_t n) {
  if (p->beta == 0) return 1.0;
  return pow((double)n + p->user_alpha, -p->beta);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

uint32_t swing_item_users(const swing *s, uint32_t item, uint32_t *out) {
  const uint32_t *us = csr_row(s->iu, item);
  size_t deg = csr_degree(s->iu, item);
  uint32_t m = 0;
  for (size_t t = 0; t < deg; t++) {
    uint32_t u = us[t];
    if (s->p.max_user_items && csr_degree(s->ui, u) > s->p.max_user_items) continue;
    out[m++] = u;
  }
  uint32_t cap = s->p.max_item_users;
  if (cap && m > cap) {
    /* partial Fisher-Yates: out[0..cap) becomes a uniform sample */
    rng g;
    rng_seed(&g, s->p.seed, item);
    for (uint32_t t = 0; t < cap; t++) {
      uint32_t r = t + rng_below(&g, m - t);
      uint32_t x = out[t];
      out[t] = out[r];
      out[r] = x;
    }
    m = cap;
    qsort(out, m, sizeof *out, cmp_u32);
  }
  return m;
}

/* A user of the query item with its item count, to order the pair loop:
** users with more items first, so the outer loop marks the longer list and
** the inner loop scans the shorter one. */
typedef struct user_key user_key;
struct user_key {
  uint32_t deg, u;
};

static int cmp_key(const void *a, const void *b) {
  const user_key *x = a, *y = b;
  if (x->deg != y->deg) return x->deg > y->deg ? -1 : 1;
  return (x->u > y->u) - (x->u < y->u);
}

/* The rows of the query item's users relabelled to local item indices
** 0..n_local-1 (in order of first appearance), so that the pair loop's marks
** and sums index arrays the size of the item's neighbourhood, not of the
** catalogue: at 1M items the catalogue-sized ones (4 MB of marks, 8 MB of
** sums) miss the caches on every element, the local ones stay in L1/L2.
** loc is the workspace's n_items scratch (zero outside this function):
** loc[j] = local index + 1 while the item is scored. */
typedef struct local_rows local_rows;
struct local_rows {
  size_t *ptr;     /* m + 1 offsets into idx */
  uint32_t *idx;   /* local indices, in the order of the CSR rows */
  uint32_t *glob;  /* local -> item */
  double *score;   /* local sums */
  uint32_t *order; /* local indices in order of first touch */
  uint64_t *bits;  /* marks of the outer user's items, then touched flags */
  uint32_t n_local, n_touched;
};

/* The rows of L[0..m) into r, in ws->own (grown when too small and kept
** between query items: a block per item would be mapped and unmapped each
** time). loc is ws->mark. */
static rs_status local_rows_build(local_rows *r, const csr *ui, const uint32_t *L, uint32_t m,
                                  itemsim_ws *ws) {
  uint32_t *loc = ws->mark;
  size_t total = 0;
  for (uint32_t a = 0; a < m; a++) total += csr_degree(ui, L[a]);
  size_t cap = total < ui->n_cols ? total : ui->n_cols, words = (cap + 63) / 64;
  size_t bytes = sizeof(size_t) * (m + 1) + sizeof(double) * cap + sizeof(uint64_t) * 2 * words +
                 sizeof(uint32_t) * (total + 2 * cap);
  if (bytes > ws->own_bytes) {
    free(ws->own);
    ws->own_bytes = 0;
    if (!(ws->own = malloc(bytes + bytes / 2))) return RS_NOMEM;
    ws->own_bytes = bytes + bytes / 2;
  }
  r->ptr = ws->own;
  r->score = (double *)(r->ptr + m + 1);
  r->bits = (uint64_t *)(r->score + cap);
  r->idx = (uint32_t *)(r->bits + 2 * words);
  r->glob = r->idx + total;
  r->order = r->glob + cap;
  memset(r->bits, 0, sizeof(uint64_t) * 2 * words);
  uint32_t n = 0;
  size_t w = 0;
  for (uint32_t a = 0; a < m; a++) {
    const uint32_t *row = csr_row(ui, L[a]);
    size_t d = csr_degree(ui, L[a]);
    if (a + 2 < m) __builtin_prefetch(csr_row(ui, L[a + 2])); /* rows lie scattered over the CSR */
    r->ptr[a] = w;
    for (size_t t = 0; t < d; t++) {
      if (t + 8 < d) __builtin_prefetch(&loc[row[t + 8]]);
      uint32_t j = row[t];
      if (!loc[j]) {
        r->glob[n] = j;
        r->score[n] = 0.0;
        loc[j] = ++n;
      }
      r->idx[w++] = loc[j] - 1;
    }
  }
  r->ptr[m] = w;
  r->n_local = n;
  r->n_touched = 0;
  return RS_OK;
}

/* Hands the local sums to the workspace in order of first touch (each item
** once: 0 + sum is the sum, so the scores are those of adding each term
** to the catalogue-sized accumulator), and clears loc. */
static void local_rows_flush(local_rows *r, itemsim_ws *ws, uint32_t *loc) {
  for (uint32_t t = 0; t < r->n_touched; t++) itemsim_add(ws, r->glob[r->order[t]], r->score[r->order[t]]);
  for (uint32_t l = 0; l < r->n_local; l++) loc[r->glob[l]] = 0;
}

static inline int bit_get(const uint64_t *b, uint32_t l) { return (int)((b[l >> 6] >> (l & 63)) & 1); }

/* Adds s to local item l's sum; seen: the touched flags. */
static inline void local_add(local_rows *r, uint64_t *seen, uint32_t l, double s) {
  if (!bit_get(seen, l)) {
    seen[l >> 6] |= 1ull << (l & 63);
    r->order[r->n_touched++] = l;
  }
  r->score[l] += s;
}

/* The pair loop over users L (item counts descending, weights W): for each
** a, mark I_a; for each later b, list I_a ∩ I_b by scanning I_b. */
static rs_status pair_loop(const swing *s, local_rows *r, uint32_t self, const double *W, uint32_t m,
                           itemsim_ws *ws, progress *prog) {
  uint64_t *mark = r->bits, *seen = r->bits + (r->n_local + 63) / 64;
  uint32_t *list = ws->list;
  const double alpha = s->p.alpha;
  for (uint32_t a = 0; a + 1 < m; a++) {
    if (ws->tid == 0) progress_poll(prog);
    if (progress_stopped(prog)) return RS_STOPPED;
    const uint32_t *Iu = r->idx + r->ptr[a], *end_u = r->idx + r->ptr[a + 1];
    for (const uint32_t *x = Iu; x < end_u; x++) mark[*x >> 6] |= 1ull << (*x & 63);
    const double wa = W[a];
    for (uint32_t b = a + 1; b < m; b++) {
      const uint32_t *Iv = r->idx + r->ptr[b];
      size_t dv = r->ptr[b + 1] - r->ptr[b];
      uint32_t c = 0;
      for (size_t t = 0; t < dv; t++) {
        uint32_t l = Iv[t];
        list[c] = l;
        c += (uint32_t)bit_get(mark, l);
      }
      if (c < 2) continue; /* only item itself in common */
      double add = wa * W[b] / (alpha + (double)c);
      for (uint32_t t = 0; t < c; t++)
        if (list[t] != self) local_add(r, seen, list[t], add);
    }
    for (const uint32_t *x = Iu; x < end_u; x++) mark[*x >> 6] = 0;
  }
  return RS_OK;
}

rs_status swing_score_item(const void *ctx, uint32_t item, itemsim_ws *ws, progress *prog) {
  const swing *s = ctx;
  const csr *ui = s->ui;
  uint32_t *L = ws->ubuf;
  double *W = ws->dbuf;
  uint32_t m = swing_item_users(s, item, L);
  if (m < 2) return RS_OK;
  user_key *key = malloc(sizeof *key * m);
  if (!key) return RS_NOMEM;
  for (uint32_t a = 0; a < m; a++) {
    key[a].deg = (uint32_t)csr_degree(ui, L[a]);
    key[a].u = L[a];
  }
  qsort(key, m, sizeof *key, cmp_key);
  for (uint32_t a = 0; a < m; a++) {
    L[a] = key[a].u;
    W[a] = swing_user_weight(&s->p, key[a].deg);
  }
  free(key);
  local_rows r;
  if (local_rows_build(&r, ui, L, m, ws)) return RS_NOMEM;
  rs_status st = pair_loop(s, &r, ws->mark[item] - 1, W, m, ws, prog);
  local_rows_flush(&r, ws, ws->mark);
  return st;
}

rs_status swing_topk(const swing *s, const uint32_t *items, uint32_t n, uint32_t k, int threads,
                     progress *prog, itemsim_result *out) {
  return itemsim_run(items, n, k, s->ui->n_cols, s->ui->n_rows, swing_score_item, s, threads, prog, out);
}
