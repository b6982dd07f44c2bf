/*
** i2i_recommend: top-k recommendations from an item-item table, as a
** table-valued function.
**
**   SELECT * FROM i2i_recommend('train', 'm_sim', 20);
**   SELECT item, score FROM i2i_recommend('train', 'sim', 10) WHERE user = 42;
**   SELECT * FROM i2i_recommend('SELECT user, item, ts FROM clicks', 'sim', 10, '{"half_life": 86400}');
**
** Columns: user, item, score, rank. Hidden arguments, in order: history (a
** source of (user, item[, time])), sim (a source of (item_a, item_b, weight);
** the columns are taken by position, so swing_sim, itemcf_sim and
** ease_train tables all fit), k (10), options (JSON: exclude_history,
** neighbors, count, half_life, threads; docs/i2i_recommend.md).
** score(u, i) = Σ_{j ∈ history(u)} w(u, j)·sim(j, i) (src/i2i.h); rank runs
** 1..k per user, by score descending, ties by item id ascending (integers
** before text, text by bytes: ORDER BY item). Users come in order of first
** appearance in history.
**
** How it works: xFilter reads both sources, then src/i2i.c scores every
** requested user on all cores; xNext walks the results. With user = ? or
** user IN (...), only those users' history rows are read (the source is
** wrapped in a WHERE on its first column, which an index can serve) and
** only the sim rows of their history items (likewise: ease_train indexes
** item_a; create an index on item_a of other sim tables for fast serving).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/i2i.h"
#include "../src/parallel.h"
#include "common.h"

#define I2_USER 0
#define I2_ITEM 1
#define I2_SCORE 2
#define I2_RANK 3
#define I2_HISTORY 4
#define I2_NARGS 4                  /* hidden arguments history, sim, k, options */
#define I2_ONE (1 << I2_NARGS)      /* idxNum: user = ? given (last in argv) */
#define I2_IN (1 << (I2_NARGS + 1)) /* idxNum: that constraint is an IN list */

enum { O_EXCLUDE, O_NEIGHBORS, O_COUNT_W, O_HALF_LIFE, O_THREADS, O_N };
static const char *const count_names[] = {"once", "linear", "log", NULL};
static const opt_spec i2_options[O_N] = {
    [O_EXCLUDE] = {"exclude_history", OPT_BOOL, 1, 0, 1, NULL, NULL},
    [O_NEIGHBORS] = {"neighbors", OPT_INT, 0, 1, 4294967295.0, NULL, NULL},
    [O_COUNT_W] = {"count", OPT_TEXT, 0, 0, 0, "once", count_names},
    [O_HALF_LIFE] = {"half_life", OPT_REAL, 0, 1e-300, 1e300, NULL, NULL},
    [O_THREADS] = {"threads", OPT_INT, 0, 1, 1024, NULL, NULL},
};

const opt_spec *i2i_recommend_specs(int *n) {
  *n = O_N;
  return i2_options;
}

typedef struct i2_vtab i2_vtab;
struct i2_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
};

typedef struct i2_cursor i2_cursor;
struct i2_cursor {
  sqlite3_vtab_cursor base;
  idmap *users, *items;
  uint32_t *query; /* users computed, in output order */
  i2i_result res;
  tvf_lists at; /* the current (query, rank) slot */
};

/* Rows read from the sources: (a, b[, w or time]). */
typedef struct rows rows;
struct rows {
  uint32_t *a, *b;
  double *x;
  size_t n, cap;
};

static void rows_free(rows *r) {
  sqlite3_free(r->a);
  sqlite3_free(r->b);
  sqlite3_free(r->x);
  memset(r, 0, sizeof *r);
}

static int rows_push(rows *r, uint32_t a, uint32_t b, double x) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 1024;
    uint32_t *na = sqlite3_realloc64(r->a, cap * sizeof *na);
    if (na) r->a = na;
    uint32_t *nb = na ? sqlite3_realloc64(r->b, cap * sizeof *nb) : NULL;
    if (nb) r->b = nb;
    double *nx = nb ? sqlite3_realloc64(r->x, cap * sizeof *nx) : NULL;
    if (!nx) return SQLITE_NOMEM;
    r->x = nx;
    r->cap = cap;
  }
  r->a[r->n] = a;
  r->b[r->n] = b;
  r->x[r->n] = x;
  r->n++;
  return SQLITE_OK;
}

static int i2_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
  (void)aux;
  (void)argc;
  (void)argv;
  (void)err;
  int rc = tvf_connect(
      db, "CREATE TABLE x(user, item, score, rank, history HIDDEN, sim HIDDEN, k HIDDEN, options HIDDEN)",
      sizeof(i2_vtab), SQLITE_VTAB_DIRECTONLY, out);
  if (rc) return rc;
  ((i2_vtab *)*out)->db = db;
  return SQLITE_OK;
}

static void i2_reset(i2_cursor *c) {
  idmap_free(c->users);
  idmap_free(c->items);
  c->users = c->items = NULL;
  sqlite3_free(c->query);
  c->query = NULL;
  i2i_result_free(&c->res);
  c->at.eof = 1;
}

static int i2_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  int rc = tvf_open(sizeof(i2_cursor), out);
  if (rc == SQLITE_OK) ((i2_cursor *)*out)->at.eof = 1;
  return rc;
}

static int i2_close(sqlite3_vtab_cursor *cur) {
  i2_cursor *c = (i2_cursor *)cur;
  i2_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int i2_next(sqlite3_vtab_cursor *cur) {
  i2_cursor *c = (i2_cursor *)cur;
  tvf_lists_next(&c->at, c->res.n, c->res.count);
  return SQLITE_OK;
}

static int i2_eof(sqlite3_vtab_cursor *cur) { return ((i2_cursor *)cur)->at.eof; }

static int i2_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  i2_cursor *c = (i2_cursor *)cur;
  size_t slot = (size_t)c->at.q * c->res.k + c->at.r;
  switch (col) {
    case I2_USER: result_id(ctx, c->users, c->query[c->at.q]); break;
    case I2_ITEM: result_id(ctx, c->items, c->res.item[slot]); break;
    case I2_SCORE: sqlite3_result_double(ctx, c->res.score[slot]); break;
    case I2_RANK: sqlite3_result_int64(ctx, (sqlite3_int64)c->at.r + 1); break;
    default: break;
  }
  return SQLITE_OK;
}

static int i2_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((i2_cursor *)cur)->at.rowid;
  return SQLITE_OK;
}

/* Appends v (an id) to the JSON array text s. Returns SQLITE_OK or SQLITE_NOMEM. */
static int json_append_id(sqlite3_str *s, sqlite3_value *v) {
  int t = sqlite3_value_type(v);
  if (t != SQLITE_INTEGER && t != SQLITE_TEXT) return SQLITE_OK;
  char *q = t == SQLITE_INTEGER ? sqlite3_mprintf("%lld", sqlite3_value_int64(v))
                                : json_quote_text((const char *)sqlite3_value_text(v));
  if (!q) return SQLITE_NOMEM;
  if (sqlite3_str_length(s) > 1) sqlite3_str_appendchar(s, 1, ',');
  sqlite3_str_appendall(s, q);
  sqlite3_free(q);
  return sqlite3_str_errcode(s);
}

/* The source's statement; when json is not NULL, wrapped to return only
** rows whose first column is in that JSON array (when the wrapping does not
** prepare, e.g. after a trailing comment, the plain statement: the caller
** filters the rows anyway). */
static int prepare_source(sqlite3 *db, const char *what, const char *src, int min_cols, const char *json,
                          sqlite3_stmt **out, char **err) {
  char obj[64];
  sqlite3_snprintf(sizeof obj, obj, "i2i_recommend: %s", what);
  int rc = source_prepare(db, obj, src, min_cols, out, err);
  if (rc || !json) return rc;
  const char *col0 = sqlite3_column_name(*out, 0);
  char *sql = col0 ? sqlite3_mprintf("SELECT * FROM (%s) WHERE \"%w\" IN (SELECT value FROM json_each(?1))",
                                     sqlite3_sql(*out), col0)
                   : NULL;
  if (!sql) return SQLITE_NOMEM;
  sqlite3_stmt *f = NULL;
  rc = sqlite3_prepare_v2(db, sql, -1, &f, NULL);
  sqlite3_free(sql);
  if (rc == SQLITE_NOMEM) return rc;
  if (rc == SQLITE_OK && sqlite3_column_count(f) == sqlite3_column_count(*out)) {
    sqlite3_finalize(*out);
    *out = f;
    return sqlite3_bind_text(f, 1, json, -1, SQLITE_STATIC);
  }
  sqlite3_finalize(f);
  return SQLITE_OK;
}

/* Message for a bad value in column col of a source row. */
static char *bad_value(const char *what, const char *col, const char *expect, sqlite3_stmt *s, int c) {
  return sqlite3_mprintf("i2i_recommend: %s: %s must be %s, got %s", what, col, expect,
                         value_type_name(sqlite3_column_type(s, c)));
}

/* Reads history rows (user, item[, time]) into r (x = time). filter: only
** users already in users (and none added). */
static int read_history(sqlite3 *db, const char *src, int with_time, const char *json, idmap *users,
                        idmap *items, rows *r, char **err) {
  sqlite3_stmt *s;
  int rc = prepare_source(db, "history", src, 2, json, &s, err);
  if (rc == SQLITE_OK && with_time && sqlite3_column_count(s) < 3) {
    *err = sqlite3_mprintf(
        "i2i_recommend: half_life needs a time column: history \"%s\" has 2 columns, "
        "expected (user, item, time)",
        src);
    rc = SQLITE_ERROR;
  }
  if (rc) {
    sqlite3_finalize(s);
    return rc;
  }
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int64_t u = json ? source_id_find(users, s, 0) : source_id_add(users, s, 0);
    if (u == -1 || (json && u < 0)) continue;
    int64_t i = source_id_add(items, s, 1);
    if (i == -1) continue;
    if (u < 0 || i < 0) {
      *err = (u == -3 || i == -3)
                 ? NULL
                 : bad_value("history", u < 0 ? "user" : "item", "INTEGER or TEXT", s, u < 0 ? 0 : 1);
      rc = *err ? SQLITE_ERROR : SQLITE_NOMEM;
      break;
    }
    double t = 0;
    if (with_time) {
      int ty = sqlite3_column_type(s, 2);
      if (ty != SQLITE_INTEGER && ty != SQLITE_FLOAT) {
        *err = bad_value("history", "time (third column)", "a number when half_life is given", s, 2);
        rc = SQLITE_ERROR;
        break;
      }
      t = sqlite3_column_double(s, 2);
    }
    if ((rc = rows_push(r, (uint32_t)u, (uint32_t)i, t)) != SQLITE_OK) break;
  }
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  else if (rc == SQLITE_ROW || (rc != SQLITE_OK && rc != SQLITE_NOMEM && !*err))
    *err = sqlite3_mprintf("i2i_recommend: reading history \"%s\": %s", src, sqlite3_errmsg(db));
  sqlite3_finalize(s);
  return rc;
}

/* Reads sim rows (item_a, item_b, weight) whose item_a is already in items
** into r (x = weight); item_b is added. */
static int read_sim(sqlite3 *db, const char *src, const char *json, idmap *items, rows *r, char **err) {
  sqlite3_stmt *s;
  int rc = prepare_source(db, "sim", src, 3, json, &s, err);
  if (rc) {
    sqlite3_finalize(s);
    return rc;
  }
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int ta = sqlite3_column_type(s, 0), tb = sqlite3_column_type(s, 1), tw = sqlite3_column_type(s, 2);
    if (ta == SQLITE_NULL || tb == SQLITE_NULL || tw == SQLITE_NULL) continue;
    if (tw != SQLITE_INTEGER && tw != SQLITE_FLOAT) {
      *err = bad_value("sim", "the weight (third column)", "a number", s, 2);
      rc = SQLITE_ERROR;
      break;
    }
    int64_t a = source_id_find(items, s, 0);
    if (a == -1) continue;
    int64_t b = a >= 0 ? source_id_add(items, s, 1) : a;
    if (a < 0 || b < 0) {
      *err =
          b == -3 ? NULL : bad_value("sim", a < 0 ? "item_a" : "item_b", "INTEGER or TEXT", s, a < 0 ? 0 : 1);
      rc = *err ? SQLITE_ERROR : SQLITE_NOMEM;
      break;
    }
    if ((rc = rows_push(r, (uint32_t)a, (uint32_t)b, sqlite3_column_double(s, 2))) != SQLITE_OK) break;
  }
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  else if (rc != SQLITE_OK && rc != SQLITE_NOMEM && !*err)
    *err = sqlite3_mprintf("i2i_recommend: reading sim \"%s\": %s", src, sqlite3_errmsg(db));
  sqlite3_finalize(s);
  return rc;
}

/* Item order of ORDER BY item: integers by value, then text by bytes. */
static int id_cmp(const void *x, const void *y, void *ctx) {
  const idmap *m = ctx;
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  int ka = idmap_kind(m, a), kb = idmap_kind(m, b);
  if (ka != kb) return ka == IDMAP_INT ? -1 : 1;
  if (ka == IDMAP_INT) {
    int64_t va = idmap_int(m, a), vb = idmap_int(m, b);
    return (va > vb) - (va < vb);
  }
  size_t la, lb;
  const char *sa = idmap_text(m, a, &la), *sb = idmap_text(m, b, &lb);
  int c = memcmp(sa, sb, la < lb ? la : lb);
  return c ? c : (la > lb) - (la < lb);
}

static int i2_poll(void *ic) { return interrupt_poll(ic); }

/* Everything after the arguments: read, score, keep the results in c. */
static int i2_run(i2_cursor *c, sqlite3 *db, const char *hsrc, const char *ssrc, sqlite3_int64 k,
                  const opt_value *opt, const char *ujson, char **err) {
  rows h = {0}, sr = {0};
  i2i_history hist = {0};
  i2i_sim sim = {0};
  uint32_t *rank = NULL, *by_rank = NULL;
  sqlite3_str *ij = NULL;
  char *ijson = NULL;
  interrupt_check ic = {0};
  double half_life = opt[O_HALF_LIFE].set ? opt[O_HALF_LIFE].num : 0;
  int rc = read_history(db, hsrc, half_life > 0, ujson, c->users, c->items, &h, err);
  if (rc == SQLITE_OK && ujson) {
    /* one user (or an IN list): only the sim rows of their history items */
    ij = sqlite3_str_new(db);
    sqlite3_str_appendchar(ij, 1, '[');
    for (uint32_t i = 0; i < idmap_size(c->items); i++) {
      if (sqlite3_str_length(ij) > 1) sqlite3_str_appendchar(ij, 1, ',');
      if (idmap_kind(c->items, i) == IDMAP_INT) {
        sqlite3_str_appendf(ij, "%lld", idmap_int(c->items, i));
      } else {
        size_t len;
        const char *t = idmap_text(c->items, i, &len);
        char *z = sqlite3_mprintf("%.*s", (int)len, t), *q = z ? json_quote_text(z) : NULL;
        if (q) sqlite3_str_appendall(ij, q);
        sqlite3_free(z);
        sqlite3_free(q);
        if (!q) rc = SQLITE_NOMEM;
      }
    }
    sqlite3_str_appendchar(ij, 1, ']');
    ijson = sqlite3_str_finish(ij);
    if (!ijson) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) rc = read_sim(db, ssrc, ijson, c->items, &sr, err);
  uint32_t nu = idmap_size(c->users), ni = idmap_size(c->items);
  if (rc == SQLITE_OK) {
    rank = sqlite3_malloc64(sizeof(uint32_t) * ((size_t)ni + 1));
    by_rank = sqlite3_malloc64(sizeof(uint32_t) * ((size_t)ni + 1));
    c->query = sqlite3_malloc64(sizeof(uint32_t) * ((size_t)nu + 1));
    if (!rank || !by_rank || !c->query) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    for (uint32_t i = 0; i < ni; i++) by_rank[i] = i;
    qsort_r(by_rank, ni, sizeof(uint32_t), id_cmp, c->items);
    for (uint32_t r = 0; r < ni; r++) rank[by_rank[r]] = r;
    for (uint32_t u = 0; u < nu; u++) c->query[u] = u;
    int count = opt[O_COUNT_W].text[1] == 'n'   ? I2I_COUNT_ONCE
                : opt[O_COUNT_W].text[1] == 'i' ? I2I_COUNT_LINEAR
                                                : I2I_COUNT_LOG;
    rs_status s = i2i_history_build(&hist, nu, ni, h.a, h.b, h.x, h.n, count, half_life);
    if (!s) s = i2i_sim_build(&sim, ni, sr.a, sr.b, sr.x, sr.n, rank);
    rc = status_to_sqlite(s);
  }
  rows_free(&h);
  rows_free(&sr);
  if (rc == SQLITE_OK) rc = interrupt_init(&ic, db);
  if (rc == SQLITE_OK && ni > 0) {
    i2i_params p = {k > ni ? ni : (uint32_t)k, (uint32_t)opt[O_NEIGHBORS].num, opt[O_EXCLUDE].num == 0,
                    opt[O_THREADS].set ? (int)opt[O_THREADS].num : parallel_cores()};
    progress prog;
    progress_init(&prog, i2_poll, &ic);
    rc = status_to_sqlite(i2i_recommend(&hist, &sim, rank, by_rank, c->query, nu, &p, &prog, &c->res));
  }
  interrupt_free(&ic);
  i2i_history_free(&hist);
  i2i_sim_free(&sim);
  sqlite3_free(rank);
  sqlite3_free(by_rank);
  sqlite3_free(ijson);
  return rc;
}

/* k from its argument (NULL = 10); 0 with *err set when invalid. */
static sqlite3_int64 parse_k(sqlite3_value *v, char **err) {
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return 10;
  int t = sqlite3_value_type(v);
  double x = sqlite3_value_double(v);
  sqlite3_int64 k = 0;
  if (t == SQLITE_INTEGER)
    k = sqlite3_value_int64(v);
  else if (t == SQLITE_FLOAT && x == floor(x) && fabs(x) < 9e18)
    k = (sqlite3_int64)x;
  if (k < 1)
    *err = t == SQLITE_INTEGER || t == SQLITE_FLOAT
               ? sqlite3_mprintf("i2i_recommend: k must be a positive integer, got %s", sqlite3_value_text(v))
               : sqlite3_mprintf("i2i_recommend: k must be a positive integer, got %s", value_type_name(t));
  return k < 1 ? 0 : k;
}

/*
** idxNum: bit k (0 history .. 3 options) when that hidden argument is given,
** I2_ONE when user = ? or user IN (...) is (I2_IN for a whole IN list);
** argv holds them in that order.
*/
static int i2_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv) {
  (void)idxStr;
  i2_cursor *c = (i2_cursor *)cur;
  sqlite3 *db = ((i2_vtab *)cur->pVtab)->db;
  i2_reset(c);
  sqlite3_value *arg[I2_NARGS + 1] = {0};
  tvf_spread_args(idxNum, I2_NARGS, argc, argv, arg);
  static const char *const names[] = {"history", "sim"};
  for (int b = 0; b < 2; b++) {
    int t = arg[b] ? sqlite3_value_type(arg[b]) : SQLITE_NULL;
    if (!arg[b])
      return vtab_error(cur->pVtab, SQLITE_ERROR,
                        sqlite3_mprintf("i2i_recommend: missing %s: call it as i2i_recommend('history', "
                                        "'sim', k, '{options}')",
                                        names[b]));
    if (t != SQLITE_TEXT)
      return vtab_error(
          cur->pVtab, SQLITE_ERROR,
          sqlite3_mprintf("i2i_recommend: %s must be a table name, view name or SELECT text, got %s",
                          names[b], value_type_name(t)));
  }
  char *err = NULL;
  sqlite3_int64 k = parse_k(arg[2], &err);
  if (!k) return vtab_error(cur->pVtab, SQLITE_ERROR, err);
  int ot = arg[3] ? sqlite3_value_type(arg[3]) : SQLITE_NULL;
  if (ot != SQLITE_NULL && ot != SQLITE_TEXT)
    return vtab_error(cur->pVtab, SQLITE_ERROR,
                      sqlite3_mprintf("i2i_recommend: options must be a JSON object text such as "
                                      "'{\"neighbors\": 50}', got %s",
                                      value_type_name(ot)));
  opt_value opt[O_N];
  memset(opt, 0, sizeof opt);
  int rc =
      options_parse(db, "i2i_recommend", ot == SQLITE_TEXT ? (const char *)sqlite3_value_text(arg[3]) : NULL,
                    i2_options, O_N, opt, &err);
  char *ujson = NULL;
  c->users = idmap_new();
  c->items = idmap_new();
  if (rc == SQLITE_OK && (!c->users || !c->items)) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && arg[I2_NARGS]) {
    /* the users asked for, in the order given, as a JSON array for the filter */
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_str_appendchar(s, 1, '[');
    sqlite3_value *v = arg[I2_NARGS];
    int in = (idxNum & I2_IN) != 0;
    int r = in ? sqlite3_vtab_in_first(arg[I2_NARGS], &v) : SQLITE_OK;
    for (; r == SQLITE_OK && v; r = in ? sqlite3_vtab_in_next(arg[I2_NARGS], &v) : SQLITE_DONE) {
      r = json_append_id(s, v);
      if (r == SQLITE_OK && value_id_add(c->users, v) == -3) r = SQLITE_NOMEM;
      if (!in) v = NULL;
      if (r != SQLITE_OK) break;
    }
    sqlite3_str_appendchar(s, 1, ']');
    ujson = sqlite3_str_finish(s);
    if (r != SQLITE_OK && r != SQLITE_DONE) rc = r;
    if (rc == SQLITE_OK && !ujson) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK)
    rc = i2_run(c, db, (const char *)sqlite3_value_text(arg[0]), (const char *)sqlite3_value_text(arg[1]), k,
                opt, ujson, &err);
  sqlite3_free(ujson);
  options_free(opt, O_N);
  if (rc) {
    i2_reset(c);
    return vtab_error(cur->pVtab, rc, err);
  }
  tvf_lists_start(&c->at, c->res.n, c->res.count);
  return SQLITE_OK;
}

static int i2_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  (void)vt;
  int usable, user_ct;
  if (tvf_best_index(info, I2_HISTORY, I2_NARGS, I2_USER, &usable, &user_ct)) return SQLITE_CONSTRAINT;
  if ((usable & I2_ONE) && sqlite3_vtab_in(info, user_ct, -1)) {
    sqlite3_vtab_in(info, user_ct, 1);
    usable |= I2_IN;
  }
  info->idxNum = usable;
  if ((usable & 3) != 3) {
    info->estimatedCost = 1e300; /* xFilter names what is missing if this plan runs */
    return SQLITE_OK;
  }
  info->estimatedCost = (usable & I2_ONE) ? 1e3 : 1e7;
  info->estimatedRows = (usable & I2_ONE) ? 10 : 100000;
  return SQLITE_OK;
}

static sqlite3_module i2_module = {0,              /* iVersion */
                                   NULL,           /* xCreate: eponymous only */
                                   i2_connect,     /* xConnect */
                                   i2_best_index,  /* xBestIndex */
                                   tvf_disconnect, /* xDisconnect */
                                   NULL,           /* xDestroy */
                                   i2_open,        /* xOpen */
                                   i2_close,       /* xClose */
                                   i2_filter,      /* xFilter */
                                   i2_next,        /* xNext */
                                   i2_eof,         /* xEof */
                                   i2_column,      /* xColumn */
                                   i2_rowid,       /* xRowid */
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

int recsql_register_i2i_recommend(sqlite3 *db) {
  return sqlite3_create_module(db, "i2i_recommend", &i2_module, NULL);
}
