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
  const double alpha = s->p.alpha;
  uint32_t *mark = ws->mark, *list = ws->list;
  for (uint32_t a = 0; a + 1 < m; a++) {
    if (ws->tid == 0) progress_poll(prog);
    if (progress_stopped(prog)) return RS_STOPPED;
    if (++ws->stamp == 0) {
      memset(mark, 0, sizeof(uint32_t) * ui->n_cols);
      ws->stamp = 1;
    }
    const uint32_t stamp = ws->stamp;
    const uint32_t *Iu = csr_row(ui, L[a]);
    size_t du = csr_degree(ui, L[a]);
    for (size_t t = 0; t < du; t++) mark[Iu[t]] = stamp;
    const double wa = W[a];
    for (uint32_t b = a + 1; b < m; b++) {
      const uint32_t *Iv = csr_row(ui, L[b]);
      size_t dv = csr_degree(ui, L[b]);
      uint32_t c = 0;
      for (size_t t = 0; t < dv; t++) {
        uint32_t j = Iv[t];
        list[c] = j;
        c += mark[j] == stamp;
      }
      if (c < 2) continue; /* only item itself in common */
      double add = wa * W[b] / (alpha + (double)c);
      for (uint32_t t = 0; t < c; t++)
        if (list[t] != item) itemsim_add(ws, list[t], add);
    }
  }
  return RS_OK;
}

rs_status swing_topk(const swing *s, const uint32_t *items, uint32_t n, uint32_t k, int threads,
                     progress *prog, itemsim_result *out) {
  return itemsim_run(items, n, k, s->ui->n_cols, s->ui->n_rows, swing_score_item, s, threads, prog, out);
}
