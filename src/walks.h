/*
** walks: DeepWalk over the item transition graph (the EGES recipe).
**
** The graph: a directed edge a -> b for every pair of consecutive items of a
** sequence, weighted by how often the pair occurs. A walk starts at an item
** and moves to an out-neighbour drawn with probability proportional to the
** edge weight (an alias table per item, O(1) a step); it ends after length
** items, or earlier at an item without out-edges.
**
** walks_generate starts per_item walks at every item that has out-edges, in
** rounds (round r walks every item once, items in a fresh random order), and
** returns them as sequences (sessions.h). Walks of one item are dropped.
** The walks depend on the seed only (one generator, one thread).
*/
#ifndef RECSQL_WALKS_H
#define RECSQL_WALKS_H

#include <stdint.h>

#include "alias.h"
#include "parallel.h"
#include "sessions.h"
#include "status.h"

typedef struct walk_graph walk_graph;
struct walk_graph {
  uint32_t n;     /* items */
  size_t *off;    /* n + 1: out-edges of a are dst[off[a] .. off[a + 1]) */
  uint32_t *dst;  /* neighbours, ascending */
  double *weight; /* pair counts */
  alias *table;   /* per item with out-edges */
};

/* The transition graph of the sequences over n_items items. RS_OK or RS_NOMEM. */
rs_status walk_graph_build(walk_graph *g, const seqs *s, uint32_t n_items);
void walk_graph_free(walk_graph *g);

/* One step from a: an out-neighbour, or UINT32_MAX when a has none. */
uint32_t walk_step(const walk_graph *g, uint32_t a, rng *r);

/* per_item walks of at most length items from every item with out-edges.
** RS_OK, RS_NOMEM, RS_TOOBIG (more than 2^32 - 1 walks) or RS_STOPPED when
** prog (may be NULL; polled every 256 walks) asked to stop. */
rs_status walks_generate(const walk_graph *g, uint32_t per_item, uint32_t length, uint64_t seed,
                         progress *prog, seqs *out);

#endif
