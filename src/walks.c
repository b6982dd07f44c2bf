/*
** walks: see walks.h. The graph is built by sorting the (a, b) pairs of
** all sequences and merging repeats into weights.
*/
#include "walks.h"

#include <stdlib.h>
#include <string.h>

void walk_graph_free(walk_graph *g) {
  if (g->table)
    for (uint32_t a = 0; a < g->n; a++) alias_free(&g->table[a]);
  free(g->table);
  free(g->off);
  free(g->dst);
  free(g->weight);
  memset(g, 0, sizeof *g);
}

static int cmp_u64(const void *pa, const void *pb) {
  uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
  return a < b ? -1 : a > b;
}

/* Fills off/dst/weight from the sorted pair keys (a << 32 | b). */
static rs_status graph_from_pairs(walk_graph *g, const uint64_t *key, size_t np) {
  size_t ne = 0;
  for (size_t k = 0; k < np; k++) ne += k == 0 || key[k] != key[k - 1];
  g->dst = malloc((ne ? ne : 1) * sizeof *g->dst);
  g->weight = malloc((ne ? ne : 1) * sizeof *g->weight);
  if (!g->dst || !g->weight) return RS_NOMEM;
  size_t e = 0;
  for (size_t k = 0; k < np; k++) {
    uint32_t a = (uint32_t)(key[k] >> 32);
    if (k > 0 && key[k] == key[k - 1]) {
      g->weight[e - 1] += 1.0;
      continue;
    }
    g->dst[e] = (uint32_t)key[k];
    g->weight[e++] = 1.0;
    g->off[a + 1]++;
  }
  for (uint32_t a = 0; a < g->n; a++) g->off[a + 1] += g->off[a];
  return RS_OK;
}

rs_status walk_graph_build(walk_graph *g, const seqs *s, uint32_t n_items) {
  memset(g, 0, sizeof *g);
  g->n = n_items;
  size_t np = 0;
  for (uint32_t q = 0; q < s->n; q++) np += s->off[q + 1] - s->off[q] - 1;
  uint64_t *key = malloc((np ? np : 1) * sizeof *key);
  g->off = calloc((size_t)n_items + 1, sizeof *g->off);
  g->table = calloc(n_items ? n_items : 1, sizeof *g->table);
  rs_status rc = RS_NOMEM;
  if (!key || !g->off || !g->table) goto fail;
  size_t k = 0;
  for (uint32_t q = 0; q < s->n; q++)
    for (size_t t = s->off[q] + 1; t < s->off[q + 1]; t++)
      key[k++] = (uint64_t)s->item[t - 1] << 32 | s->item[t];
  qsort(key, np, sizeof *key, cmp_u64);
  if ((rc = graph_from_pairs(g, key, np)) != RS_OK) goto fail;
  free(key);
  key = NULL;
  for (uint32_t a = 0; a < n_items; a++) {
    size_t lo = g->off[a], hi = g->off[a + 1];
    if (hi > lo && alias_build(&g->table[a], g->weight + lo, (uint32_t)(hi - lo))) {
      rc = RS_NOMEM;
      goto fail;
    }
  }
  return RS_OK;
fail:
  free(key);
  walk_graph_free(g);
  return rc;
}

uint32_t walk_step(const walk_graph *g, uint32_t a, rng *r) {
  size_t lo = g->off[a], hi = g->off[a + 1];
  if (hi == lo) return UINT32_MAX;
  return g->dst[lo + alias_draw(&g->table[a], r)];
}

rs_status walks_generate(const walk_graph *g, uint32_t per_item, uint32_t length, uint64_t seed,
                         progress *prog, seqs *out) {
  memset(out, 0, sizeof *out);
  uint32_t starts = 0;
  for (uint32_t a = 0; a < g->n; a++) starts += g->off[a + 1] > g->off[a];
  if ((uint64_t)starts * per_item >= UINT32_MAX) return RS_TOOBIG;
  size_t nw = (size_t)starts * per_item, cap = nw * (length < 2 ? 2 : length);
  uint32_t *order = malloc((starts ? starts : 1) * sizeof *order);
  out->off = malloc((nw + 1) * sizeof *out->off);
  out->item = malloc((cap ? cap : 1) * sizeof *out->item);
  if (!order || !out->off || !out->item) {
    free(order);
    seqs_free(out);
    return RS_NOMEM;
  }
  uint32_t m = 0;
  for (uint32_t a = 0; a < g->n; a++)
    if (g->off[a + 1] > g->off[a]) order[m++] = a;
  rng r;
  rng_seed(&r, seed, 0);
  size_t w = 0;
  out->off[0] = 0;
  for (uint32_t round = 0; round < per_item; round++) {
    for (uint32_t k = m; k > 1; k--) { /* Fisher-Yates */
      uint32_t j = rng_below(&r, k), t = order[k - 1];
      order[k - 1] = order[j];
      order[j] = t;
    }
    for (uint32_t k = 0; k < m; k++) {
      if ((k & 255) == 0 && progress_poll(prog)) {
        free(order);
        seqs_free(out);
        return RS_STOPPED;
      }
      size_t start = w;
      uint32_t a = order[k];
      out->item[w++] = a;
      for (uint32_t step = 1; step < length && (a = walk_step(g, a, &r)) != UINT32_MAX; step++)
        out->item[w++] = a;
      if (w - start < 2)
        w = start;
      else
        out->off[++out->n] = w;
    }
  }
  free(order);
  return RS_OK;
}
