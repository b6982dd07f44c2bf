/*
** itemsim_vtab: the table-valued function behind swing_sim and itemcf_sim
** (see itemsim_vtab.h and those files).
**
** Columns: item_a, item_b, score, then the hidden arguments: source and the
** object's own (def->args), in order.
**
** How it works: xFilter checks the arguments, gets the source's graph (read
** with source_read_pairs into user and item id maps and both CSR
** directions), and lists the query items: all items in order of first
** appearance in the source, or those of item_a = ? / item_a IN (...). Rows
** are computed a chunk of query items at a time (ITEMSIM_CHUNK, fewer when
** top_n is so large that a chunk would pass ITEMSIM_CHUNK_ENTRIES
** neighbours), on the object's threads
** (the engine's itemsim_run), and xNext walks them; when a chunk is used
** up the next is computed. So rows stream, LIMIT stops early, and memory is
** the graph plus one chunk of top_n lists.
**
** Source cache: when the source is the name of an ordinary table of the
** main or temp database, the graph is kept in the vtab (one per connection)
** and reused while the database is unchanged (source_graph_get). That makes item_a = ? queries cost the
** item's neighbours only, not a re-read of the table. Views and SELECT
** sources are read on every call.
*/
#include "itemsim_vtab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/parallel.h"

#define IS_ITEM_A 0
#define IS_ITEM_B 1
#define IS_SCORE 2
#define IS_SOURCE 3 /* first hidden column: def->args[0], the source; the others follow */
#define ITEMSIM_CHUNK 2048
#define ITEMSIM_CHUNK_ENTRIES (1u << 22) /* 48 MB of (item, score) results */

typedef struct is_vtab is_vtab;
struct is_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  const itemsim_def *def;
  itemsim_graph *cache;
};

typedef struct is_cursor is_cursor;
struct is_cursor {
  sqlite3_vtab_cursor base;
  itemsim_graph *g;
  opt_value vals[ITEMSIM_MAX_ARGS];
  sqlite3_value *given[ITEMSIM_MAX_ARGS]; /* the arguments as given, source first, for the hidden columns */
  uint32_t *query;                        /* query items, in output order */
  uint32_t n_query, next;                 /* next: first query item not yet computed */
  uint32_t chunk0;                        /* query index of res's first entry */
  itemsim_result res;
  uint32_t q, r; /* position in res */
  uint32_t k;
  int threads, verbose;
  double t_start, t_report;
  interrupt_check ic;
  sqlite3_int64 rowid;
  int eof;
};

static int is_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
  (void)argc;
  (void)argv;
  (void)err;
  const itemsim_def *def = aux;
  char *schema = sqlite3_mprintf("CREATE TABLE x(item_a, item_b, score");
  for (int k = 0; k < def->n_args && schema; k++) {
    char *s = sqlite3_mprintf("%s, %s HIDDEN", schema, def->args[k].name);
    sqlite3_free(schema);
    schema = s;
  }
  char *s = schema ? sqlite3_mprintf("%s)", schema) : NULL;
  sqlite3_free(schema);
  if (!s) return SQLITE_NOMEM;
  int rc = tvf_connect(db, s, sizeof(is_vtab), SQLITE_VTAB_DIRECTONLY, out);
  sqlite3_free(s);
  if (rc == SQLITE_OK) {
    ((is_vtab *)*out)->db = db;
    ((is_vtab *)*out)->def = def;
  }
  return rc;
}

static int is_disconnect(sqlite3_vtab *v) {
  is_vtab *vt = (is_vtab *)v;
  source_cache_drop(&vt->cache);
  return tvf_disconnect(v);
}

static void is_reset(is_cursor *c) {
  source_graph_release(c->g);
  c->g = NULL;
  options_free(c->vals, ITEMSIM_MAX_ARGS);
  for (int k = 0; k < ITEMSIM_MAX_ARGS; k++) {
    sqlite3_value_free(c->given[k]);
    c->given[k] = NULL;
  }
  sqlite3_free(c->query);
  c->query = NULL;
  c->n_query = c->next = c->chunk0 = 0;
  itemsim_result_free(&c->res);
  interrupt_free(&c->ic);
  c->eof = 1;
}

static int is_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  return tvf_open(sizeof(is_cursor), out);
}

static int is_close(sqlite3_vtab_cursor *cur) {
  is_cursor *c = (is_cursor *)cur;
  is_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* Computes chunks until one has a row (or every query item is done). */
static int is_advance(is_cursor *c) {
  const itemsim_def *def = ((is_vtab *)c->base.pVtab)->def;
  while (c->next < c->n_query) {
    uint32_t chunk = ITEMSIM_CHUNK_ENTRIES / c->k;
    if (chunk > ITEMSIM_CHUNK) chunk = ITEMSIM_CHUNK;
    if (chunk < 16) chunk = 16;
    uint32_t n = c->n_query - c->next < chunk ? c->n_query - c->next : chunk;
    itemsim_result_free(&c->res);
    progress prog;
    progress_init(&prog, interrupt_poll_cb, &c->ic);
    int rc =
        status_to_sqlite(def->run(c->vals, c->g, c->query + c->next, n, c->k, c->threads, &prog, &c->res));
    if (rc) return rc;
    c->chunk0 = c->next;
    c->next += n;
    if (c->verbose) {
      double now = parallel_now();
      if (now - c->t_report >= 1.0 || c->next == c->n_query) {
        double el = now - c->t_start, rate = el > 0 ? c->next / el : 0;
        fprintf(stderr, "%s: %u/%u items (%.1f%%), %.0f items/s, elapsed %.1f s, left %.1f s\n", def->name,
                c->next, c->n_query, 100.0 * c->next / c->n_query, rate, el,
                rate > 0 ? (c->n_query - c->next) / rate : 0.0);
        c->t_report = now;
      }
    }
    for (c->q = 0; c->q < c->res.n; c->q++)
      if (c->res.count[c->q]) {
        c->r = 0;
        return SQLITE_OK;
      }
  }
  c->eof = 1;
  return SQLITE_OK;
}

static int is_next(sqlite3_vtab_cursor *cur) {
  is_cursor *c = (is_cursor *)cur;
  c->rowid++;
  if (++c->r < c->res.count[c->q]) return SQLITE_OK;
  c->r = 0;
  while (++c->q < c->res.n)
    if (c->res.count[c->q]) return SQLITE_OK;
  return is_advance(c);
}

static int is_eof(sqlite3_vtab_cursor *cur) { return ((is_cursor *)cur)->eof; }

static int is_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  is_cursor *c = (is_cursor *)cur;
  size_t slot = (size_t)c->q * c->res.k + c->r;
  switch (col) {
    case IS_ITEM_A: result_id(ctx, c->g->items, c->query[c->chunk0 + c->q]); break;
    case IS_ITEM_B: result_id(ctx, c->g->items, c->res.item[slot]); break;
    case IS_SCORE: sqlite3_result_double(ctx, c->res.score[slot]); break;
    default:
      if (col - IS_SOURCE < ITEMSIM_MAX_ARGS && c->given[col - IS_SOURCE])
        sqlite3_result_value(ctx, c->given[col - IS_SOURCE]);
      break;
  }
  return SQLITE_OK;
}

static int is_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((is_cursor *)cur)->rowid;
  return SQLITE_OK;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The query items: all, in order of first appearance in the source, or
** those of item_a = ? (key) / item_a IN (...) (key is the list, in = 1). */
static int is_query_items(is_cursor *c, sqlite3_value *key, int in) {
  uint32_t ni = idmap_size(c->g->items);
  c->query = sqlite3_malloc64(sizeof(uint32_t) * ((size_t)ni + 1));
  if (!c->query) return SQLITE_NOMEM;
  if (!key) {
    for (uint32_t i = 0; i < ni; i++) c->query[c->n_query++] = i;
    return SQLITE_OK;
  }
  if (!in) {
    int64_t i = value_id_find(c->g->items, key);
    if (i >= 0) c->query[c->n_query++] = (uint32_t)i;
    return SQLITE_OK;
  }
  sqlite3_value *v;
  int rc;
  for (rc = sqlite3_vtab_in_first(key, &v); rc == SQLITE_OK && v; rc = sqlite3_vtab_in_next(key, &v)) {
    int64_t i = value_id_find(c->g->items, v);
    if (i >= 0 && c->n_query < ni) c->query[c->n_query++] = (uint32_t)i;
  }
  if (rc != SQLITE_OK && rc != SQLITE_DONE) return rc;
  /* distinct, in order of first appearance in the source */
  qsort(c->query, c->n_query, sizeof(uint32_t), cmp_u32);
  uint32_t m = 0;
  for (uint32_t t = 0; t < c->n_query; t++)
    if (!m || c->query[m - 1] != c->query[t]) c->query[m++] = c->query[t];
  c->n_query = m;
  return SQLITE_OK;
}

/*
** idxNum: bit k when def->args[k] is given (args[0] is the source), bit
** n_args (ONE) when item_a = ? is, and bit 1 + n_args (IN) when that
** constraint is an item_a IN (...) list handed over all at once. argv holds
** the given arguments in column order, then the item_a value (or list).
*/
static int is_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv) {
  (void)idxStr;
  is_cursor *c = (is_cursor *)cur;
  is_vtab *vt = (is_vtab *)cur->pVtab;
  const itemsim_def *def = vt->def;
  int one = 1 << def->n_args, in = 1 << (1 + def->n_args);
  is_reset(c);
  c->rowid = 0;
  sqlite3_value *given[ITEMSIM_MAX_ARGS + 1];
  tvf_spread_args(idxNum & (one | (one - 1)), def->n_args, argc, argv, given);
  for (int k = 0; k < def->n_args; k++)
    if (given[k] && !(c->given[k] = sqlite3_value_dup(given[k]))) return SQLITE_NOMEM;
  char *err = NULL;
  int rc = options_from_args(def->name, def->usage, def->args, def->n_args, c->given, c->vals, &err);
  if (rc) return vtab_error(cur->pVtab, rc, err);
  int64_t top_n = c->vals[def->top_n_arg].i64;
  c->threads = (int)c->vals[def->threads_arg].i64;
  if (c->threads < 1) c->threads = parallel_cores();
  c->verbose = c->vals[def->verbose_arg].i64 != 0;
  rc = source_graph_get(vt->db, def->name, c->vals[0].text, 1, &vt->cache, &c->g, &err);
  if (rc) return vtab_error(cur->pVtab, rc, err);
  c->t_start = c->t_report = parallel_now();
  uint32_t ni = idmap_size(c->g->items);
  /* no item has more neighbours than there are items */
  c->k = top_n > (int64_t)ni ? (ni ? ni : 1) : (uint32_t)top_n;
  rc = is_query_items(c, (idxNum & one) ? given[def->n_args] : NULL, (idxNum & in) != 0);
  if (rc) return rc;
  if ((rc = interrupt_init(&c->ic, vt->db)) != SQLITE_OK) return rc;
  c->eof = 0;
  return is_advance(c);
}

/*
** Every hidden argument with a usable "=" constraint goes to xFilter, in
** column order, then item_a = ? if there is one (as a whole list when it is
** an IN that SQLite can hand over at once). Following series.c, an argument
** constrained but unusable in this plan makes the plan SQLITE_CONSTRAINT; a
** missing source is reported by xFilter, from a plan too costly to be chosen
** when another exists.
*/
static int is_best_index(sqlite3_vtab *v, sqlite3_index_info *info) {
  const itemsim_def *def = ((is_vtab *)v)->def;
  int nh = def->n_args; /* hidden arguments, source included */
  int usable, item_ct;
  if (tvf_best_index(info, IS_SOURCE, nh, IS_ITEM_A, &usable, &item_ct)) return SQLITE_CONSTRAINT;
  int one = 1 << nh;
  if ((usable & one) && sqlite3_vtab_in(info, item_ct, -1)) {
    sqlite3_vtab_in(info, item_ct, 1);
    usable |= 1 << (nh + 1);
  }
  info->idxNum = usable;
  if (!(usable & 1)) {
    info->estimatedCost = 1e300;
    return SQLITE_OK;
  }
  info->estimatedCost = (usable & one) ? 1e3 : 1e8;
  info->estimatedRows = (usable & one) ? 100 : 1000000;
  return SQLITE_OK;
}

static sqlite3_module is_module = TVF_MODULE(is_connect, is_best_index, is_disconnect, is_open, is_close,
                                             is_filter, is_next, is_eof, is_column, is_rowid);

int itemsim_register(sqlite3 *db, const itemsim_def *def) {
  return sqlite3_create_module(db, def->name, &is_module, (void *)def);
}
