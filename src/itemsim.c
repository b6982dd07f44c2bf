/*
** itemsim: see itemsim.h.
*/
#include "itemsim.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "topk.h"

typedef struct itemsim_job itemsim_job;
struct itemsim_job {
  const uint32_t *items;
  uint32_t n, k, n_items, n_users;
  itemsim_scorer fn;
  const void *ctx;
  progress *prog;
  atomic_uint next;
  atomic_int failed;
  itemsim_result *out;
};

static void ws_free(itemsim_ws *ws) {
  free(ws->score);
  free(ws->seen);
  free(ws->touched);
  free(ws->mark);
  free(ws->list);
  free(ws->ubuf);
  free(ws->dbuf);
  free(ws->own);
}

static int ws_init(itemsim_ws *ws, uint32_t n_items, uint32_t n_users, int tid) {
  memset(ws, 0, sizeof *ws);
  ws->tid = tid;
  ws->score = calloc((size_t)n_items + 1, sizeof *ws->score);
  ws->seen = calloc((size_t)n_items + 1, 1);
  ws->touched = malloc(sizeof(uint32_t) * ((size_t)n_items + 1));
  ws->mark = calloc((size_t)n_items + 1, sizeof(uint32_t));
  ws->list = malloc(sizeof(uint32_t) * ((size_t)n_items + 1));
  ws->ubuf = malloc(sizeof(uint32_t) * ((size_t)n_users + 1));
  ws->dbuf = malloc(sizeof(double) * ((size_t)n_users + 1));
  if (!ws->score || !ws->seen || !ws->touched || !ws->mark || !ws->list || !ws->ubuf || !ws->dbuf) {
    ws_free(ws);
    return -1;
  }
  return 0;
}

static void itemsim_worker(void *arg, int tid) {
  itemsim_job *jb = arg;
  itemsim_ws ws;
  topk heap;
  int ok = ws_init(&ws, jb->n_items, jb->n_users, tid) == 0;
  if (ok && topk_init(&heap, jb->k)) {
    ws_free(&ws);
    ok = 0;
  }
  if (!ok) {
    atomic_store(&jb->failed, 1);
    return;
  }
  while (!atomic_load(&jb->failed)) {
    if (tid == 0) progress_poll(jb->prog);
    if (progress_stopped(jb->prog)) break;
    uint32_t q = atomic_fetch_add(&jb->next, 1);
    if (q >= jb->n) break;
    uint32_t item = jb->items[q];
    rs_status r = jb->fn(jb->ctx, item, &ws, jb->prog);
    topk_reset(&heap);
    for (uint32_t t = 0; t < ws.n_touched; t++) {
      uint32_t j = ws.touched[t];
      double s = ws.score[j];
      if (j != item && s > 0) topk_push(&heap, s, j);
      ws.score[j] = 0;
      ws.seen[j] = 0;
    }
    ws.n_touched = 0;
    if (r == RS_NOMEM) atomic_store(&jb->failed, 1);
    if (r) break;
    size_t cnt = topk_sort(&heap);
    uint32_t *it = jb->out->item + (size_t)q * jb->k;
    double *sc = jb->out->score + (size_t)q * jb->k;
    for (size_t t = 0; t < cnt; t++) {
      it[t] = heap.id[t];
      sc[t] = heap.score[t];
    }
    jb->out->count[q] = (uint32_t)cnt;
  }
  topk_free(&heap);
  ws_free(&ws);
}

void itemsim_result_free(itemsim_result *r) {
  free(r->count);
  free(r->item);
  free(r->score);
  memset(r, 0, sizeof *r);
}

rs_status itemsim_run(const uint32_t *items, uint32_t n, uint32_t k, uint32_t n_items, uint32_t n_users,
                      itemsim_scorer fn, const void *ctx, int threads, progress *prog, itemsim_result *out) {
  memset(out, 0, sizeof *out);
  if (k < 1) k = 1;
  out->n = n;
  out->k = k;
  out->count = calloc((size_t)n + 1, sizeof(uint32_t));
  out->item = malloc(sizeof(uint32_t) * ((size_t)n * k + 1));
  out->score = malloc(sizeof(double) * ((size_t)n * k + 1));
  if (!out->count || !out->item || !out->score) {
    itemsim_result_free(out);
    return RS_NOMEM;
  }
  if (n == 0) return RS_OK;
  itemsim_job jb;
  jb.items = items;
  jb.n = n;
  jb.k = k;
  jb.n_items = n_items;
  jb.n_users = n_users;
  jb.fn = fn;
  jb.ctx = ctx;
  jb.prog = prog;
  jb.out = out;
  atomic_init(&jb.next, 0);
  atomic_init(&jb.failed, 0);
  if (threads < 1) threads = 1;
  if ((uint32_t)threads > n) threads = (int)n;
  parallel_run(threads, itemsim_worker, &jb);
  rs_status st = parallel_outcome(atomic_load(&jb.failed), prog);
  if (st) itemsim_result_free(out);
  return st;
}
