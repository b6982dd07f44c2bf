/*
** itemcf: see itemcf.h.
*/
#include "itemcf.h"

#include <math.h>
#include <string.h>

int itemcf_method_parse(const char *s) {
  if (!s) return -1;
  if (strcmp(s, "cooccurrence") == 0) return ITEMCF_COOCCURRENCE;
  if (strcmp(s, "cosine") == 0) return ITEMCF_COSINE;
  if (strcmp(s, "jaccard") == 0) return ITEMCF_JACCARD;
  return -1;
}

rs_status itemcf_score_item(const void *ctx, uint32_t item, itemsim_ws *ws, progress *prog) {
  const itemcf *cf = ctx;
  const uint32_t *us = csr_row(cf->iu, item);
  size_t n = csr_degree(cf->iu, item);
  for (size_t a = 0; a < n; a++) {
    if ((a & 255) == 0) {
      if (ws->tid == 0) progress_poll(prog);
      if (progress_stopped(prog)) return RS_STOPPED;
    }
    const uint32_t *Iu = csr_row(cf->ui, us[a]);
    size_t du = csr_degree(cf->ui, us[a]);
    for (size_t t = 0; t < du; t++) itemsim_add(ws, Iu[t], 1.0);
  }
  if (cf->method == ITEMCF_COOCCURRENCE) return RS_OK;
  double ni = (double)n;
  for (uint32_t t = 0; t < ws->n_touched; t++) {
    uint32_t j = ws->touched[t];
    double co = ws->score[j], nj = (double)csr_degree(cf->iu, j);
    ws->score[j] = cf->method == ITEMCF_COSINE ? co / sqrt(ni * nj) : co / (ni + nj - co);
  }
  return RS_OK;
}

rs_status itemcf_topk(const itemcf *cf, const uint32_t *items, uint32_t n, uint32_t k, int threads,
                      progress *prog, itemsim_result *out) {
  return itemsim_run(items, n, k, cf->ui->n_cols, cf->ui->n_rows, itemcf_score_item, cf, threads, prog, out);
}
