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
#include <math.h>
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
  int rc = sqlite3_declare_vtab(db,
                                "CREATE TABLE x(user, pos_item, neg_item, source HIDDEN, n_neg HIDDEN, "
                                "strategy HIDDEN, seed HIDDEN, power HIDDEN, exposures HIDDEN)");
  if (rc) return rc;
  ns_vtab *vt = sqlite3_malloc(sizeof *vt);
  if (!vt) return SQLITE_NOMEM;
  memset(vt, 0, sizeof *vt);
  vt->db = db;
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  *out = &vt->base;
  return SQLITE_OK;
}

static int ns_disconnect(sqlite3_vtab *vt) {
  source_cache_drop(&((ns_vtab *)vt)->cache);
  sqlite3_free(vt);
  return SQLITE_OK;
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
  ns_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->eof = 1;
  *out = &c->base;
  return SQLITE_OK;
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

/* Sets the vtab error message and returns SQLITE_ERROR (or rc for NOMEM). */
static int ns_error(sqlite3_vtab_cursor *cur, int rc, char *msg) {
  sqlite3_vtab *vt = cur->pVtab;
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = msg;
  if (!msg && rc == SQLITE_ERROR) rc = SQLITE_NOMEM;
  return rc;
}

/* Reads an optional integer argument; NULL keeps *out. */
static char *int_arg(sqlite3_value *v, const char *name, sqlite3_int64 lo, sqlite3_int64 *out) {
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return NULL;
  int t = sqlite3_value_type(v);
  double x = sqlite3_value_double(v);
  if (t == SQLITE_INTEGER && sqlite3_value_int64(v) >= lo) {
    *out = sqlite3_value_int64(v);
    return NULL;
  }
  if (t == SQLITE_FLOAT && x == floor(x) && x >= (double)lo && x < 9.2e18) {
    *out = (sqlite3_int64)x;
    return NULL;
  }
  if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
    return sqlite3_mprintf("neg_samples: %s must be an integer%s, got %s", name, lo == 1 ? " >= 1" : "",
                           sqlite3_value_text(v));
  return sqlite3_mprintf("neg_samples: %s must be an integer%s, got %s", name, lo == 1 ? " >= 1" : "",
                         value_type_name(t));
}

/* Reads a text argument; NULL keeps *out. */
static char *text_arg(sqlite3_value *v, const char *name, const char **out) {
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return NULL;
  if (sqlite3_value_type(v) != SQLITE_TEXT)
    return sqlite3_mprintf("neg_samples: %s must be TEXT, got %s", name,
                           value_type_name(sqlite3_value_type(v)));
  *out = (const char *)sqlite3_value_text(v);
  return NULL;
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
  int a = 0;
  for (int k = 0; k < NS_NARGS; k++) {
    if (idxNum & (1 << k)) {
      if (a >= argc) break;
      c->args[k] = sqlite3_value_dup(argv[a++]);
      if (!c->args[k]) return SQLITE_NOMEM;
    }
  }
  const char *source = NULL, *strategy_name = "uniform", *exposures = NULL;
  sqlite3_int64 n_neg = 1, seed = 0;
  double power = 0.75;
  char *msg = NULL;
  sqlite3_value *src = c->args[NS_SOURCE - NS_SOURCE];
  if (!(idxNum & 1))
    return ns_error(cur, SQLITE_ERROR,
                    sqlite3_mprintf("neg_samples: missing source: call it as neg_samples('table or SELECT', "
                                    "n_neg, strategy, seed)"));
  if (!src || sqlite3_value_type(src) != SQLITE_TEXT) {
    return ns_error(
        cur, SQLITE_ERROR,
        sqlite3_mprintf("neg_samples: source must be a table name, view name or SELECT text, got %s",
                        value_type_name(src ? sqlite3_value_type(src) : SQLITE_NULL)));
  }
  source = (const char *)sqlite3_value_text(src);
  if ((msg = int_arg(c->args[NS_N_NEG - NS_SOURCE], "n_neg", 1, &n_neg)) ||
      (msg = text_arg(c->args[NS_STRATEGY - NS_SOURCE], "strategy", &strategy_name)) ||
      (msg = int_arg(c->args[NS_SEED - NS_SOURCE], "seed", INT64_MIN, &seed)) ||
      (msg = text_arg(c->args[NS_EXPOSURES - NS_SOURCE], "exposures", &exposures)))
    return ns_error(cur, SQLITE_ERROR, msg);
  if (n_neg > UINT32_MAX)
    return ns_error(cur, SQLITE_ERROR, sqlite3_mprintf("neg_samples: n_neg is too large"));
  sqlite3_value *pw = c->args[NS_POWER - NS_SOURCE];
  if (pw && sqlite3_value_type(pw) != SQLITE_NULL) {
    int t = sqlite3_value_type(pw);
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
      return ns_error(cur, SQLITE_ERROR,
                      sqlite3_mprintf("neg_samples: power must be a number, got %s", value_type_name(t)));
    power = sqlite3_value_double(pw);
    if (!(power >= -10.0 && power <= 10.0))
      return ns_error(cur, SQLITE_ERROR,
                      sqlite3_mprintf("neg_samples: power must be a number in [-10, 10], got %g", power));
  }
  int strategy = sampler_strategy_parse(strategy_name);
  if (strategy < 0)
    return ns_error(cur, SQLITE_ERROR,
                    sqlite3_mprintf("neg_samples: unknown strategy '%s' (valid: 'uniform', 'popularity', "
                                    "'bootstrap', 'exposure')",
                                    strategy_name));
  if (strategy == SAMPLER_EXPOSURE && !exposures)
    return ns_error(cur, SQLITE_ERROR,
                    sqlite3_mprintf("neg_samples: strategy 'exposure' needs the exposures argument "
                                    "(a source of shown-but-not-clicked (user, item) pairs)"));
  if (strategy != SAMPLER_EXPOSURE && exposures)
    return ns_error(cur, SQLITE_ERROR,
                    sqlite3_mprintf("neg_samples: exposures is only used by strategy 'exposure', not '%s'",
                                    strategy_name));

  ns_vtab *vt = (ns_vtab *)cur->pVtab;
  sqlite3 *db = vt->db;
  int rc = source_graph_get(db, "neg_samples", source, 0, exposures ? NULL : &vt->cache, &c->g, &msg);
  if (rc) return ns_error(cur, rc, msg);
  uint32_t n_users = idmap_size(c->g->users), n_items = idmap_size(c->g->items);
  if (exposures) {
    pairs p = {0};
    /* users outside the source are ignored; new items join the id map so
    ** they can be returned, but uniform fallback draws stay within the
    ** source's items */
    sqlite3_stmt *stmt;
    rc = source_prepare(db, "neg_samples", exposures, 2, &stmt, &msg);
    if (rc) return ns_error(cur, rc, msg);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      int64_t u = source_id_find(c->g->users, stmt, 0);
      if (u < 0) continue;
      int64_t i = source_id_add(c->g->items, stmt, 1);
      if (i == -1) continue;
      if (i == -2) {
        msg = sqlite3_mprintf("neg_samples: exposures \"%s\": item id must be INTEGER or TEXT, got %s",
                              exposures, value_type_name(sqlite3_column_type(stmt, 1)));
        rc = SQLITE_ERROR;
        break;
      }
      if (i < 0 || (rc = pairs_push(&p, (uint32_t)u, (uint32_t)i)) != SQLITE_OK) {
        rc = SQLITE_NOMEM;
        break;
      }
    }
    if (rc == SQLITE_DONE)
      rc = SQLITE_OK;
    else if (rc == SQLITE_INTERRUPT || rc == SQLITE_NOMEM)
      msg = NULL;
    else if (!msg)
      msg = sqlite3_mprintf("neg_samples: reading exposures \"%s\": %s", exposures, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    if (rc == SQLITE_OK && csr_build(&c->expo, n_users, idmap_size(c->g->items), p.u, p.i, p.n))
      rc = SQLITE_NOMEM;
    pairs_free(&p);
    if (rc) return ns_error(cur, rc, msg);
  }
  if (sampler_init(&c->s, (sampler_strategy)strategy, &c->g->ui, n_items, power, exposures ? &c->expo : NULL))
    return SQLITE_NOMEM;
  if (sampler_stream_init(&c->st, &c->s, (uint32_t)n_neg, (uint64_t)seed)) return SQLITE_NOMEM;
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

static sqlite3_module ns_module = {0,             /* iVersion */
                                   NULL,          /* xCreate: eponymous only */
                                   ns_connect,    /* xConnect */
                                   ns_best_index, /* xBestIndex */
                                   ns_disconnect, /* xDisconnect */
                                   NULL,          /* xDestroy */
                                   ns_open,       /* xOpen */
                                   ns_close,      /* xClose */
                                   ns_filter,     /* xFilter */
                                   ns_next,       /* xNext */
                                   ns_eof,        /* xEof */
                                   ns_column,     /* xColumn */
                                   ns_rowid,      /* xRowid */
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL};

int recsql_register_neg_samples(sqlite3 *db) {
  return sqlite3_create_module(db, "neg_samples", &ns_module, NULL);
}
