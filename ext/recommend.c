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
#include <math.h>
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
  uint32_t q, r; /* current query and rank index */
  sqlite3_int64 rowid;
  int eof;
};

static int rc_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
  (void)aux;
  (void)argc;
  (void)argv;
  (void)err;
  int rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(user, item, score, rank, users HIDDEN, items HIDDEN, k HIDDEN, exclude HIDDEN)");
  if (rc) return rc;
  rc_vtab *vt = sqlite3_malloc(sizeof *vt);
  if (!vt) return SQLITE_NOMEM;
  memset(vt, 0, sizeof *vt);
  vt->db = db;
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  *out = &vt->base;
  return SQLITE_OK;
}

static int rc_disconnect(sqlite3_vtab *vt) {
  sqlite3_free(vt);
  return SQLITE_OK;
}

static void rc_reset(rc_cursor *c) {
  idmap_free(c->users);
  idmap_free(c->items);
  c->users = c->items = NULL;
  sqlite3_free(c->query_user);
  c->query_user = NULL;
  mips_result_free(&c->res);
  c->n_query = 0;
  c->eof = 1;
}

static int rc_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  rc_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->eof = 1;
  *out = &c->base;
  return SQLITE_OK;
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
  c->r++;
  while (c->q < c->n_query && c->r >= c->res.count[c->q]) {
    c->q++;
    c->r = 0;
  }
  if (c->q >= c->n_query) c->eof = 1;
  c->rowid++;
  return SQLITE_OK;
}

static int rc_eof(sqlite3_vtab_cursor *cur) { return ((rc_cursor *)cur)->eof; }

static int rc_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  rc_cursor *c = (rc_cursor *)cur;
  size_t slot = (size_t)c->q * c->res.k + c->r;
  switch (col) {
    case RC_USER: result_id(ctx, c->users, c->query_user[c->q]); break;
    case RC_ITEM: result_id(ctx, c->items, c->res.item[slot]); break;
    case RC_SCORE: sqlite3_result_double(ctx, c->res.score[slot]); break;
    case RC_RANK: sqlite3_result_int64(ctx, (sqlite3_int64)c->r + 1); break;
    default: break;
  }
  return SQLITE_OK;
}

static int rc_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((rc_cursor *)cur)->rowid;
  return SQLITE_OK;
}

static int rc_error(sqlite3_vtab_cursor *cur, int rc, char *msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = msg;
  return rc;
}

static int rc_poll(void *db) {
  interrupt_check *ic = db;
  return interrupt_poll(ic);
}

/* Reads the (user, item) pairs to exclude into a users x items CSR. */
static int read_exclude(sqlite3 *db, const char *src, const idmap *users, const idmap *items, csr *out,
                        char **err) {
  sqlite3_stmt *stmt;
  int rc = source_prepare(db, "recommend", src, 2, &stmt, err);
  if (rc) return rc;
  pairs p = {0};
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    int64_t u = source_id_find(users, stmt, 0), i = source_id_find(items, stmt, 1);
    if (u < 0 || i < 0) continue;
    if ((rc = pairs_push(&p, (uint32_t)u, (uint32_t)i)) != SQLITE_OK) break;
  }
  if (rc == SQLITE_DONE)
    rc = csr_build(out, idmap_size(users), idmap_size(items), p.u, p.i, p.n) ? SQLITE_NOMEM : SQLITE_OK;
  else if (rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    *err = sqlite3_mprintf("recommend: reading exclude \"%s\": %s", src, sqlite3_errmsg(db));
  pairs_free(&p);
  sqlite3_finalize(stmt);
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
  c->q = c->r = 0;
  c->rowid = 1;
  sqlite3_value *arg[RC_NARGS + 1] = {0};
  int a = 0;
  for (int k = 0; k <= RC_NARGS; k++)
    if ((idxNum & (1 << k)) && a < argc) arg[k] = argv[a++];
  static const char *const names[] = {"users", "items", "k", "exclude"};
  for (int k = 0; k < 2; k++)
    if (!(idxNum & (1 << k)))
      return rc_error(
          cur, SQLITE_ERROR,
          sqlite3_mprintf("recommend: missing %s: call it as recommend('users', 'items', k, 'exclude')",
                          names[k]));
  for (int k = 0; k < RC_NARGS; k++) {
    if (k == 2 || (k == 3 && (!arg[k] || sqlite3_value_type(arg[k]) == SQLITE_NULL))) continue;
    if (!arg[k] || sqlite3_value_type(arg[k]) != SQLITE_TEXT)
      return rc_error(
          cur, SQLITE_ERROR,
          sqlite3_mprintf("recommend: %s must be a table name, view name or SELECT text, got %s", names[k],
                          value_type_name(arg[k] ? sqlite3_value_type(arg[k]) : SQLITE_NULL)));
  }
  sqlite3_int64 k = 10;
  if (arg[2] && sqlite3_value_type(arg[2]) != SQLITE_NULL) {
    int t = sqlite3_value_type(arg[2]);
    double x = sqlite3_value_double(arg[2]);
    if (t == SQLITE_INTEGER)
      k = sqlite3_value_int64(arg[2]);
    else if (t == SQLITE_FLOAT && x == floor(x) && fabs(x) < 9e18)
      k = (sqlite3_int64)x;
    else
      return rc_error(cur, SQLITE_ERROR,
                      sqlite3_mprintf("recommend: k must be a positive integer, got %s", value_type_name(t)));
    if (k < 1)
      return rc_error(cur, SQLITE_ERROR,
                      sqlite3_mprintf("recommend: k must be a positive integer, got %lld", k));
  }
  char *err = NULL;
  float *U = NULL, *X = NULL, *bias = NULL;
  uint32_t du = 0, dx = 0;
  csr ex = {0};
  interrupt_check ic = {0};
  int rc;
  c->users = idmap_new();
  c->items = idmap_new();
  if (!c->users || !c->items) return SQLITE_NOMEM;
  const char *usrc = (const char *)sqlite3_value_text(arg[0]);
  const char *isrc = (const char *)sqlite3_value_text(arg[1]);
  if ((rc = source_read_embeddings(db, "recommend", usrc, 0, c->users, &U, &du, NULL, &err)) != SQLITE_OK)
    goto done;
  if ((rc = source_read_embeddings(db, "recommend", isrc, 1, c->items, &X, &dx, &bias, &err)) != SQLITE_OK)
    goto done;
  uint32_t nu = idmap_size(c->users), ni = idmap_size(c->items);
  if (nu && ni && du != dx) {
    err = sqlite3_mprintf("recommend: dimension mismatch: users have %u dimensions, items have %u", du, dx);
    rc = SQLITE_ERROR;
    goto done;
  }
  if (arg[3] && sqlite3_value_type(arg[3]) == SQLITE_TEXT &&
      (rc = read_exclude(db, (const char *)sqlite3_value_text(arg[3]), c->users, c->items, &ex, &err)) !=
          SQLITE_OK)
    goto done;
  /* which users: all, or the one of user = ? */
  c->query_user = sqlite3_malloc64(sizeof(uint32_t) * ((size_t)nu + 1));
  if (!c->query_user) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  if (arg[RC_NARGS]) {
    int64_t u = value_id_find(c->users, arg[RC_NARGS]);
    if (u >= 0) c->query_user[c->n_query++] = (uint32_t)u;
  } else {
    for (uint32_t u = 0; u < nu; u++) c->query_user[c->n_query++] = u;
  }
  if (c->n_query == 0 || ni == 0) goto done; /* no rows */
  uint32_t kk = k > ni ? ni : (uint32_t)k;
  const float *Q = U;
  csr ex1 = {0};
  const csr *exq = ex.ptr ? &ex : NULL;
  if (arg[RC_NARGS]) {
    /* one user: a one-row query matrix and its exclusions */
    uint32_t u = c->query_user[0];
    Q = U + (size_t)u * du;
    if (exq) {
      ex1.n_rows = 1;
      ex1.n_cols = ex.n_cols;
      ex1.nnz = csr_degree(&ex, u);
      ex1.idx = ex.idx + ex.ptr[u];
      ex1.ptr = sqlite3_malloc64(2 * sizeof(size_t));
      if (!ex1.ptr) {
        rc = SQLITE_NOMEM;
        goto done;
      }
      ex1.ptr[0] = 0;
      ex1.ptr[1] = ex1.nnz;
      exq = &ex1;
    }
  }
  if ((rc = interrupt_init(&ic, db)) != SQLITE_OK) goto done;
  progress prog;
  progress_init(&prog, rc_poll, &ic);
  int r = mips_topk(Q, c->n_query, X, bias, ni, du, kk, exq, parallel_cores(), &prog, &c->res);
  sqlite3_free(ex1.ptr);
  if (r < 0)
    rc = SQLITE_NOMEM;
  else if (r > 0)
    rc = SQLITE_INTERRUPT;
  if (rc) goto done;
  c->eof = 0;
  c->r = (uint32_t)-1;
  c->rowid = 0;
  rc_next(cur);
done:
  interrupt_free(&ic);
  csr_free(&ex);
  sqlite3_free(U);
  sqlite3_free(X);
  sqlite3_free(bias);
  if (rc) {
    rc_reset(c);
    if (err) return rc_error(cur, rc, err);
  }
  return rc;
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

static sqlite3_module rc_module = {0,             /* iVersion */
                                   NULL,          /* xCreate: eponymous only */
                                   rc_connect,    /* xConnect */
                                   rc_best_index, /* xBestIndex */
                                   rc_disconnect, /* xDisconnect */
                                   NULL,          /* xDestroy */
                                   rc_open,       /* xOpen */
                                   rc_close,      /* xClose */
                                   rc_filter,     /* xFilter */
                                   rc_next,       /* xNext */
                                   rc_eof,        /* xEof */
                                   rc_column,     /* xColumn */
                                   rc_rowid,      /* xRowid */
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

int recsql_register_recommend(sqlite3 *db) {
  return sqlite3_create_module(db, "recommend", &rc_module, NULL);
}
