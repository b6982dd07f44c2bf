/*
** neg_samples: negative sampling as a table-valued function.
**
**   SELECT * FROM neg_samples('train', 4, 'uniform', 42);
**   SELECT * FROM neg_samples WHERE source = 'train' AND strategy = 'popularity' AND power = 0.5;
**
** Columns: user, pos_item, neg_item. Hidden arguments, in order: source,
** n_neg (1), strategy ('uniform'), seed (0), power (0.75), exposures. A NULL
** optional argument means its default. Strategies are documented in
** src/sampler.h and docs/neg_samples.md.
**
** How it works: xFilter reads the source into dense (user, item) pairs
** (ext/source.c), builds the user -> items CSR and the sampler, and xNext
** draws one row at a time, so memory is O(interactions) whatever the output
** size. Ids come back exactly as they went in (INTEGER or TEXT).
**
** Source cache: a source that names an ordinary table is read once and kept
** (one graph per connection) while the database is unchanged, as swing_sim
** does (source_graph_get): sampling every epoch from the same table reads it
** once. With exposures the graph is read afresh (exposed items join its id
** map).
*/
#include <string.h>

#include "../src/csr.h"
#include "../src/sampler.h"
#include "common.h"

#define NS_USER 0
#define NS_POS 1
#define NS_NEG 2
#define NS_SOURCE 3
#define NS_N_NEG 4
#define NS_STRATEGY 5
#define NS_SEED 6
#define NS_POWER 7
#define NS_EXPOSURES 8
#define NS_NARGS 6 /* hidden argument columns NS_SOURCE..NS_EXPOSURES */

typedef struct ns_vtab ns_vtab;
struct ns_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  source_graph *cache; /* the last table source read, see source_graph_get */
};

typedef struct ns_cursor ns_cursor;
struct ns_cursor {
  sqlite3_vtab_cursor base;
  source_graph *g; /* the source: id maps and user -> items (g->ui) */
  csr expo;
  sampler s;
  sampler_stream st;
  uint32_t u, i, j;
  sqlite3_int64 rowid;
  int eof;
  sqlite3_value *args[NS_NARGS]; /* the arguments as given, for the hidden columns */
};

static int ns_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
  (void)aux;
  (void)argc;
  (void)argv;
  (void)err;
  int rc = tvf_connect(db,
                       "CREATE TABLE x(user, pos_item, neg_item, source HIDDEN, n_neg HIDDEN, "
                       "strategy HIDDEN, seed HIDDEN, power HIDDEN, exposures HIDDEN)",
                       sizeof(ns_vtab), SQLITE_VTAB_DIRECTONLY, out);
  if (rc == SQLITE_OK) ((ns_vtab *)*out)->db = db;
  return rc;
}

static int ns_disconnect(sqlite3_vtab *vt) {
  source_cache_drop(&((ns_vtab *)vt)->cache);
  return tvf_disconnect(vt);
}

static void ns_reset(ns_cursor *c) {
  sampler_stream_free(&c->st);
  sampler_free(&c->s);
  csr_free(&c->expo);
  source_graph_release(c->g);
  c->g = NULL;
  for (int k = 0; k < NS_NARGS; k++) {
    sqlite3_value_free(c->args[k]);
    c->args[k] = NULL;
  }
  c->eof = 1;
}

static int ns_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  return tvf_open(sizeof(ns_cursor), out);
}

static int ns_close(sqlite3_vtab_cursor *cur) {
  ns_cursor *c = (ns_cursor *)cur;
  ns_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int ns_next(sqlite3_vtab_cursor *cur) {
  ns_cursor *c = (ns_cursor *)cur;
  if (sampler_stream_next(&c->st, &c->u, &c->i, &c->j))
    c->rowid++;
  else
    c->eof = 1;
  return SQLITE_OK;
}

static int ns_eof(sqlite3_vtab_cursor *cur) { return ((ns_cursor *)cur)->eof; }

static int ns_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  ns_cursor *c = (ns_cursor *)cur;
  switch (col) {
    case NS_USER: result_id(ctx, c->g->users, c->u); break;
    case NS_POS: result_id(ctx, c->g->items, c->i); break;
    case NS_NEG: result_id(ctx, c->g->items, c->j); break;
    default:
      if (c->args[col - NS_SOURCE]) sqlite3_result_value(ctx, c->args[col - NS_SOURCE]);
      break;
  }
  return SQLITE_OK;
}

static int ns_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((ns_cursor *)cur)->rowid;
  return SQLITE_OK;
}

enum { A_SOURCE, A_N_NEG, A_STRATEGY, A_SEED, A_POWER, A_EXPOSURES }; /* index = column - NS_SOURCE */

static const opt_spec ns_args[NS_NARGS] = {
    [A_SOURCE] = {"source", OPT_SOURCE, 0, 0, 0, NULL, NULL,
                  "the positives: (user, item) rows of a table, view or SELECT", OPT_REQUIRED},
    [A_N_NEG] = {"n_neg", OPT_INT, 1, 1, 4294967295.0, NULL, NULL,
                 "negatives per positive (bootstrap: rows per positive)", 0},
    [A_STRATEGY] = {"strategy", OPT_TEXT, 0, 0, 0, "uniform", sampler_strategy_names,
                    "uniform, popularity (count^power), bootstrap (BPR) or exposure", 0},
    [A_SEED] = {"seed", OPT_INT, 0, -OPT_UNBOUNDED, OPT_UNBOUNDED, NULL, NULL, "random seed (any int64)", 0},
    [A_POWER] = {"power", OPT_REAL, 0.75, -10, 10, NULL, NULL, "popularity exponent", 0},
    [A_EXPOSURES] = {"exposures", OPT_SOURCE, 0, 0, 0, NULL, NULL,
                     "exposure: shown-but-not-clicked (user, item) pairs (table, view or SELECT)", 0},
};

#define NS_USAGE "neg_samples('table or SELECT', n_neg, strategy, seed)"

const opt_spec *neg_samples_specs(int *n) {
  *n = NS_NARGS;
  return ns_args;
}

/* Checks that strategy and exposures go together. */
static char *check_exposures(const opt_value *v) {
  int expo = strcmp(v[A_STRATEGY].text, "exposure") == 0;
  if (expo && !v[A_EXPOSURES].text)
    return sqlite3_mprintf(
        "neg_samples: strategy 'exposure' needs the exposures argument "
        "(a source of shown-but-not-clicked (user, item) pairs)");
  if (!expo && v[A_EXPOSURES].text)
    return sqlite3_mprintf("neg_samples: exposures is only used by strategy 'exposure', not '%s'",
                           v[A_STRATEGY].text);
  return NULL;
}

/* Reads the source (and exposures), then sets up the sampler and its
** stream from the checked arguments v. */
static int ns_start(ns_cursor *c, const opt_value *v, char **err) {
  ns_vtab *vt = (ns_vtab *)c->base.pVtab;
  const char *exposures = v[A_EXPOSURES].text;
  int rc =
      source_graph_get(vt->db, "neg_samples", v[A_SOURCE].text, 0, exposures ? NULL : &vt->cache, &c->g, err);
  if (rc) return rc;
  uint32_t n_items = idmap_size(c->g->items);
  /* users outside the source are ignored; new items join the id map so
  ** they can be returned, but uniform fallback draws stay within the
  ** source's items */
  if (exposures && (rc = source_read_known_pairs(vt->db, "neg_samples", "exposures", exposures, c->g->users,
                                                 c->g->items, SOURCE_ADD_ITEMS, &c->expo, err)) != SQLITE_OK)
    return rc;
  int strategy = sampler_strategy_parse(v[A_STRATEGY].text);
  rs_status st = sampler_init(&c->s, (sampler_strategy)strategy, &c->g->ui, n_items, v[A_POWER].num,
                              exposures ? &c->expo : NULL);
  if (st == RS_INVALID)
    *err = status_message("neg_samples", st, NULL, 0,
                          "the popularity weights count^power are not finite; choose a power closer to 0");
  rc = status_to_sqlite(st);
  if (rc == SQLITE_OK)
    rc = status_to_sqlite(
        sampler_stream_init(&c->st, &c->s, (uint32_t)v[A_N_NEG].i64, (uint64_t)v[A_SEED].i64));
  return rc;
}

/*
** idxNum: bit k set when hidden argument k (0 = source .. 5 = exposures) is
** given; argv holds the given arguments in that order.
*/
static int ns_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv) {
  (void)idxStr;
  ns_cursor *c = (ns_cursor *)cur;
  ns_reset(c);
  c->rowid = 0;
  sqlite3_value *given[NS_NARGS + 1];
  tvf_spread_args(idxNum, NS_NARGS, argc, argv, given);
  for (int k = 0; k < NS_NARGS; k++)
    if (given[k] && !(c->args[k] = sqlite3_value_dup(given[k]))) return SQLITE_NOMEM;
  opt_value v[NS_NARGS];
  char *err = NULL;
  int rc = options_from_args("neg_samples", NS_USAGE, ns_args, NS_NARGS, c->args, v, &err);
  if (rc) return vtab_error(cur->pVtab, rc, err);
  if ((err = check_exposures(v)) != NULL)
    rc = SQLITE_ERROR;
  else
    rc = ns_start(c, v, &err);
  options_free(v, NS_NARGS);
  if (rc) return vtab_error(cur->pVtab, rc, err);
  c->eof = 0;
  return ns_next(cur);
}

/*
** Every hidden argument column with a usable "=" constraint is passed to
** xFilter (argv in column order, idxNum bit per column). Following
** series.c: an argument constrained but unusable in this plan makes the plan
** SQLITE_CONSTRAINT (so SQLite orders the join to supply it); a missing
** source is an error.
*/
static int ns_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  (void)vt;
  int source = 0; /* constrained at all */
  for (int i = 0; i < info->nConstraint; i++) source |= info->aConstraint[i].iColumn == NS_SOURCE;
  if (!source) {
    /* No source at all in this call: possible in one OR-branch of a larger
    ** WHERE, so not an error here. A plan that costs too much to be chosen
    ** when a better one exists; xFilter reports the missing source. */
    info->idxNum = 0;
    info->estimatedCost = 1e300;
    return SQLITE_OK;
  }
  int usable;
  if (tvf_best_index(info, NS_SOURCE, NS_NARGS, -1, &usable, NULL)) return SQLITE_CONSTRAINT;
  info->idxNum = usable;
  info->estimatedCost = 1e6;
  info->estimatedRows = 1000000;
  return SQLITE_OK;
}

static sqlite3_module ns_module = TVF_MODULE(ns_connect, ns_best_index, ns_disconnect, ns_open, ns_close,
                                             ns_filter, ns_next, ns_eof, ns_column, ns_rowid);

int recsql_register_neg_samples(sqlite3 *db) {
  return sqlite3_create_module(db, "neg_samples", &ns_module, NULL);
}
