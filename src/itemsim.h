/*
** itemsim: the machinery shared by item-item similarities (swing, itemcf):
** for each query item, a scorer accumulates scores of other items into a
** per-thread dense accumulator; itemsim_run keeps the top k of each query
** item, on several threads.
**
** Order of a query item's neighbours: score descending, ties by the smaller
** item index first (topk.h). Items scoring 0 (never touched) are left out,
** and so is the query item itself.
**
** Work split: query items are handed out one at a time through an atomic
** counter, so one very popular item never holds up a block of others. The
** result of a query item does not depend on the thread count.
*/
#ifndef RECSQL_ITEMSIM_H
#define RECSQL_ITEMSIM_H

#include <stddef.h>
#include <stdint.h>

#include "parallel.h"
#include "status.h"

/* Per-thread workspace handed to a scorer. score/seen/touched form the
** accumulator (use itemsim_add); mark, list, ubuf and dbuf are scratch the
** scorer may use freely (mark is zeroed once; stamp is the scorer's to
** advance). */
typedef struct itemsim_ws itemsim_ws;
struct itemsim_ws {
  double *score;     /* n_items, zero between query items */
  uint8_t *seen;     /* n_items, 1 for touched items */
  uint32_t *touched; /* items with seen = 1 */
  uint32_t n_touched;
  uint32_t *mark; /* n_items scratch, zeroed at start */
  uint32_t stamp;
  uint32_t *list; /* n_items scratch */
  uint32_t *ubuf; /* n_users scratch */
  double *dbuf;   /* n_users scratch */
  void *own;      /* the scorer's own scratch (malloc'd, kept between query items, freed with ws) */
  size_t own_bytes;
  int tid;
};

/* Adds s to item j's score. */
static inline void itemsim_add(itemsim_ws *ws, uint32_t j, double s) {
  if (!ws->seen[j]) {
    ws->seen[j] = 1;
    ws->touched[ws->n_touched++] = j;
  }
  ws->score[j] += s;
}

/* Scores the neighbours of item into ws. Returns RS_OK, RS_STOPPED when
** prog asked to stop, or RS_NOMEM. tid 0 should call progress_poll now and
** then in long loops; every thread should test progress_stopped. */
typedef rs_status (*itemsim_scorer)(const void *ctx, uint32_t item, itemsim_ws *ws, progress *prog);

/* Top-k neighbours of n query items: query q has count[q] entries at
** item[q*k ..], score[q*k ..], best first. */
typedef struct itemsim_result itemsim_result;
struct itemsim_result {
  uint32_t n, k;
  uint32_t *count;
  uint32_t *item;
  double *score;
};

/* Computes the top k (>= 1) neighbours of items[0..n) with fn on threads
** threads. n_items, n_users: sizes of the scratch arrays. Returns RS_OK,
** RS_STOPPED when stopped through prog (out is then empty), or RS_NOMEM. */
rs_status itemsim_run(const uint32_t *items, uint32_t n, uint32_t k, uint32_t n_items, uint32_t n_users,
                      itemsim_scorer fn, const void *ctx, int threads, progress *prog, itemsim_result *out);

void itemsim_result_free(itemsim_result *r);

#endif
