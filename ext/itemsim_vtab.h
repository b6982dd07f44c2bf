/*
** itemsim_vtab: the table-valued function shared by the item-item
** similarity objects (swing_sim.c, itemcf_sim.c). Each object gives a
** description (its name, its hidden arguments as an opt_spec table whose
** first entry is the source, and how to run its engine); this file does the
** rest: argument checks (options.h), the source cache, xBestIndex with the
** item_a = ? and item_a IN (...) fast paths, and rows streamed chunk by
** chunk.
*/
#ifndef RECSQL_ITEMSIM_VTAB_H
#define RECSQL_ITEMSIM_VTAB_H

#include "../src/csr.h"
#include "../src/itemsim.h"
#include "common.h"

#define ITEMSIM_MAX_ARGS 13 /* hidden arguments, source included */

/* The source read into id maps and both CSR directions (source.h), shared
** by the vtab's cache and the cursors using it. */
typedef source_graph itemsim_graph;

typedef struct itemsim_def itemsim_def;
struct itemsim_def {
  const char *name;  /* "swing_sim" */
  const char *usage; /* shown when source is missing */
  /* Hidden arguments in column order: args[0] is the source (OPT_SOURCE,
  ** OPT_REQUIRED). A NULL argument means its default. */
  const opt_spec *args;
  int n_args;
  int top_n_arg, threads_arg, verbose_arg; /* indices into args */
  /* Computes the neighbours of items[0..n): see itemsim_run. vals[k] is
  ** argument args[k]; threads is resolved (>= 1). */
  rs_status (*run)(const opt_value *vals, const itemsim_graph *g, const uint32_t *items, uint32_t n,
                   uint32_t k, int threads, progress *prog, itemsim_result *out);
};

/* Registers def as an eponymous table-valued function. */
int itemsim_register(sqlite3 *db, const itemsim_def *def);

#endif
