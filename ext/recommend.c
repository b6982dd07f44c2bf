/*
** recommend: exact top-k recommendations by inner product, as a
** table-valued function.
**
**   CREATE TABLE rec AS SELECT * FROM recommend('m_users', 'm_items', 20, 'train');
**   SELECT item, score FROM recommend('m_users', 'm_items', 10, 'train') WHERE user = 42;
**
** Columns: user, item, score, rank. Hidden arguments, in order: users (a
** source of (id, emb)), items (a source of (id, emb[, bias])), k (10), exclude
** (a source of (user, item) pairs never to return, e.g. the training set).
** score = dot(user emb, item emb) + bias; rank runs 1..k per user, by score
** descending, ties by the items' order in the items source. A user with
** fewer than k items left after exclusion gets fewer rows.
**
** How it works: xFilter reads the sources, then src/mips.c computes every
** requested user's top k in blocks with OpenBLAS sgemm on all cores; xNext
** walks the results. A constraint user = ? computes that user only.
*/
#include <string.h>

#include "../src/csr.h"
#include "../src/mips.h"
#include "../src/parallel.h"
#include "common.h"

#define RC_USER 0
#define RC_ITEM 1
#define RC_SCORE 2
#define RC_RANK 3
#define RC_USERS 4
#define RC_ITEMS 5
#define RC_K 6
#define RC_EXCLUDE 7
#define RC_NARGS 4                  /* hidden arguments RC_USERS..RC_EXCLUDE */
#define RC_ONE_USER (1 << RC_NARGS) /* idxNum bit: user = ? is given (last in argv) */

typedef struct rc_vtab rc_vtab;
struct rc_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
};

typedef struct rc_cursor rc_cursor;
struct rc_cursor {
  sqlite3_vtab_cursor base;
  idmap *users, *items;
  uint32_t *query_user; /* users computed, in output order */
  uint32_t n_query;
  mips_result res;
  tvf_lists at; /* the current (query, rank) slot */
};

static int rc_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
  (void)aux;
  (void)argc;
  (void)argv;
  (void)err;
  int rc = tvf_connect(
      db, "CREATE TABLE x(user, item, score, rank, users HIDDEN, items HIDDEN, k HIDDEN, exclude HIDDEN)",
      sizeof(rc_vtab), SQLITE_VTAB_DIRECTONLY, out);
  if (rc == SQLITE_OK) ((rc_vtab *)*out)->db = db;
  return rc;
}

static void rc_reset(rc_cursor *c) {
  idmap_free(c->users);
  idmap_free(c->items);
  c->users = c->items = NULL;
  sqlite3_free(c->query_user);
  c->query_user = NULL;
  mips_result_free(&c->res);
  c->n_query = 0;
  c->at.eof = 1;
}

static int rc_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  return tvf_open(sizeof(rc_cursor), out);
}

static int rc_close(sqlite3_vtab_cursor *cur) {
  rc_cursor *c = (rc_cursor *)cur;
  rc_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* Moves to the next filled (query, rank) slot. */
static int rc_next(sqlite3_vtab_cursor *cur) {
  rc_cursor *c = (rc_cursor *)cur;
  tvf_lists_next(&c->at, c->n_query, c->res.count);
  return SQLITE_OK;
}

static int rc_eof(sqlite3_vtab_cursor *cur) { return ((rc_cursor *)cur)->at.eof; }

static int rc_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  rc_cursor *c = (rc_cursor *)cur;
  size_t slot = (size_t)c->at.q * c->res.k + c->at.r;
  switch (col) {
    case RC_USER: result_id(ctx, c->users, c->query_user[c->at.q]); break;
    case RC_ITEM: result_id(ctx, c->items, c->res.item[slot]); break;
    case RC_SCORE: sqlite3_result_double(ctx, c->res.score[slot]); break;
    case RC_RANK: sqlite3_result_int64(ctx, (sqlite3_int64)c->at.r + 1); break;
    default: break;
  }
  return SQLITE_OK;
}

static int rc_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((rc_cursor *)cur)->at.rowid;
  return SQLITE_OK;
}

enum { A_USERS, A_ITEMS, A_K, A_EXCLUDE }; /* index = column - RC_USERS */

static const opt_spec rc_args[RC_NARGS] = {
    [A_USERS] = {"users", OPT_SOURCE, 0, 0, 0, NULL, NULL, "(id, emb) rows: a table, view or SELECT",
                 OPT_REQUIRED},
    [A_ITEMS] = {"items", OPT_SOURCE, 0, 0, 0, NULL, NULL, "(id, emb[, bias]) rows: a table, view or SELECT",
                 OPT_REQUIRED},
    [A_K] = {"k", OPT_INT, 10, 1, OPT_UNBOUNDED, NULL, NULL, "items per user", 0},
    [A_EXCLUDE] = {"exclude", OPT_SOURCE, 0, 0, 0, NULL, NULL,
                   "(user, item) pairs never to return, e.g. the training set", 0},
};

#define RC_USAGE "recommend('users', 'items', k, 'exclude')"

const opt_spec *recommend_specs(int *n) {
  *n = RC_NARGS;
  return rc_args;
}

/* What xFilter reads: the embeddings of users and items, the exclusions. */
typedef struct rc_input rc_input;
struct rc_input {
  float *U, *X, *bias;
  uint32_t du, dx;
  csr ex;
};

static void rc_input_free(rc_input *in) {
  sqlite3_free(in->U);
  sqlite3_free(in->X);
  sqlite3_free(in->bias);
  csr_free(&in->ex);
}

/* Reads the sources named by the checked arguments v into c's id maps and in. */
static int rc_read(sqlite3 *db, rc_cursor *c, const opt_value *v, rc_input *in, char **err) {
  c->users = idmap_new();
  c->items = idmap_new();
  if (!c->users || !c->items) return SQLITE_NOMEM;
  int rc = source_read_embeddings(db, "recommend", v[A_USERS].text, 0, c->users, &in->U, &in->du, NULL, err);
  if (rc == SQLITE_OK)
    rc = source_read_embeddings(db, "recommend", v[A_ITEMS].text, 1, c->items, &in->X, &in->dx, &in->bias,
                                err);
  if (rc) return rc;
  if (idmap_size(c->users) && idmap_size(c->items) && in->du != in->dx) {
    *err = sqlite3_mprintf("recommend: dimension mismatch: users have %u dimensions, items have %u", in->du,
                           in->dx);
    return SQLITE_ERROR;
  }
  if (!v[A_EXCLUDE].text) return SQLITE_OK;
  return source_read_known_pairs(db, "recommend", "exclude", v[A_EXCLUDE].text, c->users, c->items, 0,
                                 &in->ex, err);
}

/* Top k of the query users (all, or the one of user = ?: one) into c->res. */
static int rc_compute(sqlite3 *db, rc_cursor *c, const rc_input *in, int64_t k, sqlite3_value *one) {
  uint32_t nu = idmap_size(c->users), ni = idmap_size(c->items);
  c->query_user = sqlite3_malloc64(sizeof(uint32_t) * ((size_t)nu + 1));
  if (!c->query_user) return SQLITE_NOMEM;
  if (one) {
    int64_t u = value_id_find(c->users, one);
    if (u >= 0) c->query_user[c->n_query++] = (uint32_t)u;
  } else {
    for (uint32_t u = 0; u < nu; u++) c->query_user[c->n_query++] = u;
  }
  if (c->n_query == 0 || ni == 0) return SQLITE_OK; /* no rows */
  const float *Q = in->U;
  const csr *exq = in->ex.ptr ? &in->ex : NULL;
  csr ex1 = {0};
  size_t ptr1[2];
  if (one) { /* one user: a one-row query matrix and its exclusions */
    uint32_t u = c->query_user[0];
    Q = in->U + (size_t)u * in->du;
    if (exq) {
      ptr1[0] = 0;
      ptr1[1] = csr_degree(&in->ex, u);
      ex1 = (csr){1, in->ex.n_cols, ptr1[1], ptr1, in->ex.idx + in->ex.ptr[u]};
      exq = &ex1;
    }
  }
  interrupt_check ic = {0};
  int rc = interrupt_init(&ic, db);
  if (rc == SQLITE_OK) {
    progress prog;
    progress_init(&prog, interrupt_poll_cb, &ic);
    uint32_t kk = k > ni ? ni : (uint32_t)k;
    rc = status_to_sqlite(
        mips_topk(Q, c->n_query, in->X, in->bias, ni, in->du, kk, exq, parallel_cores(), &prog, &c->res));
  }
  interrupt_free(&ic);
  return rc;
}

/*
** idxNum: bit k (0 = users .. 3 = exclude) when that hidden argument is given,
** plus RC_ONE_USER when a user = ? constraint is; argv holds them in that
** order.
*/
static int rc_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv) {
  (void)idxStr;
  rc_cursor *c = (rc_cursor *)cur;
  sqlite3 *db = ((rc_vtab *)cur->pVtab)->db;
  rc_reset(c);
  sqlite3_value *arg[RC_NARGS + 1];
  tvf_spread_args(idxNum, RC_NARGS, argc, argv, arg);
  opt_value v[RC_NARGS];
  char *err = NULL;
  int rc = options_from_args("recommend", RC_USAGE, rc_args, RC_NARGS, arg, v, &err);
  if (rc) return vtab_error(cur->pVtab, rc, err);
  rc_input in = {0};
  rc = rc_read(db, c, v, &in, &err);
  if (rc == SQLITE_OK) rc = rc_compute(db, c, &in, v[A_K].i64, arg[RC_NARGS]);
  rc_input_free(&in);
  options_free(v, RC_NARGS);
  if (rc) {
    rc_reset(c);
    return vtab_error(cur->pVtab, rc, err);
  }
  tvf_lists_start(&c->at, c->n_query, c->res.count);
  return SQLITE_OK;
}

/*
** Hidden arguments with usable "=" constraints go to xFilter in column
** order (idxNum bit per argument), then an "=" on user if there is one.
** As in series.c, an argument constrained but unusable in this plan gives
** SQLITE_CONSTRAINT; missing users or items is reported by xFilter.
*/
static int rc_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  (void)vt;
  int usable;
  if (tvf_best_index(info, RC_USERS, RC_NARGS, RC_USER, &usable, NULL)) return SQLITE_CONSTRAINT;
  if ((usable & 3) != 3) {
    /* users or items absent from this call (maybe one OR-branch of a larger
    ** WHERE): a plan too costly to be chosen if another exists; xFilter
    ** names what is missing if it runs. */
    info->idxNum = usable;
    info->estimatedCost = 1e300;
    return SQLITE_OK;
  }
  info->idxNum = usable;
  info->estimatedCost = (usable & RC_ONE_USER) ? 1e3 : 1e7;
  info->estimatedRows = (usable & RC_ONE_USER) ? 10 : 100000;
  return SQLITE_OK;
}

static sqlite3_module rc_module = TVF_MODULE(rc_connect, rc_best_index, tvf_disconnect, rc_open, rc_close,
                                             rc_filter, rc_next, rc_eof, rc_column, rc_rowid);

int recsql_register_recommend(sqlite3 *db) {
  return sqlite3_create_module(db, "recommend", &rc_module, NULL);
}
