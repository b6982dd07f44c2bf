/*
** curves: ROC and precision-recall curves as table-valued functions.
**
**   SELECT * FROM roc_curve('scored');                 threshold, fpr, tpr
**   SELECT * FROM pr_curve('SELECT s, l FROM t', 50);  threshold, precision, recall
**
** Hidden arguments: source (a table, view or SELECT whose first two columns
** are score and label) and points (NULL = every row; else an integer >= 2:
** about that many rows, see curves_thin_index). Rows come by threshold
** descending: first the threshold +Inf (no row predicted positive: fpr = tpr
** = 0; precision 1, recall 0), then one row per distinct score t with the
** rates of predicting "positive" for score >= t (src/curves.h). Rows with a
** NULL score or label are skipped; a TEXT or BLOB score or label is an
** error; label 0 is a negative, any other number a positive. Rates whose
** denominator is 0 (fpr without negatives, tpr and recall without
** positives) are NULL. An empty source gives no row.
**
** How it works: xFilter reads the source into radix keys, positives and
** negatives apart, sorts them (O(n)) and counts the distinct scores; xNext
** walks down the scores (curve_walk) to the next row kept.
*/
#include <math.h>
#include <string.h>

#include "../src/curves.h"
#include "../src/radix.h"
#include "common.h"

enum { CV_A = 1, CV_B = 2, CV_SOURCE = 3, CV_POINTS = 4, CV_NARGS = 2 };
enum { CURVE_ROC, CURVE_PR };

static const char *const curve_names[] = {"roc_curve", "pr_curve"};

typedef struct cv_vtab cv_vtab;
struct cv_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  int kind;
};

typedef struct cv_cursor cv_cursor;
struct cv_cursor {
  sqlite3_vtab_cursor base;
  uint64_t *pos, *neg;
  size_t np, nn;
  curve_walk w;
  size_t m;      /* rows of the full curve: the +Inf row and one per distinct score */
  size_t points; /* rows returned */
  size_t j;      /* current returned row, 0..points */
  size_t at;     /* row of the full curve the walk is on */
  sqlite3_value *args[CV_NARGS];
};

static int cv_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
  (void)argc;
  (void)argv;
  (void)err;
  int kind = (int)(intptr_t)aux;
  int rc = tvf_connect(db,
                       kind == CURVE_ROC ? "CREATE TABLE x(threshold, fpr, tpr, source HIDDEN, points HIDDEN)"
                                         : "CREATE TABLE x(threshold, precision, recall, source HIDDEN, "
                                           "points HIDDEN)",
                       sizeof(cv_vtab), SQLITE_VTAB_DIRECTONLY, out);
  if (rc) return rc;
  cv_vtab *vt = (cv_vtab *)*out;
  vt->db = db;
  vt->kind = kind;
  return SQLITE_OK;
}

static void cv_reset(cv_cursor *c) {
  sqlite3_free(c->pos);
  sqlite3_free(c->neg);
  c->pos = c->neg = NULL;
  c->np = c->nn = c->m = c->points = c->j = c->at = 0;
  for (int k = 0; k < CV_NARGS; k++) {
    sqlite3_value_free(c->args[k]);
    c->args[k] = NULL;
  }
}

static int cv_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  return tvf_open(sizeof(cv_cursor), out);
}

static int cv_close(sqlite3_vtab_cursor *cur) {
  cv_reset((cv_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* Walks to the full-curve row that returned row j stands for. */
static int cv_next(sqlite3_vtab_cursor *cur) {
  cv_cursor *c = (cv_cursor *)cur;
  c->j++;
  if (c->j >= c->points) return SQLITE_OK;
  size_t target = c->points == c->m ? c->j : curves_thin_index(c->m, c->points, c->j);
  while (c->at < target && curve_walk_next(&c->w)) c->at++;
  return SQLITE_OK;
}

static int cv_eof(sqlite3_vtab_cursor *cur) {
  cv_cursor *c = (cv_cursor *)cur;
  return c->j >= c->points;
}

static void result_ratio(sqlite3_context *ctx, uint64_t num, uint64_t den) {
  if (den)
    sqlite3_result_double(ctx, (double)num / (double)den);
  else
    sqlite3_result_null(ctx);
}

static int cv_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  cv_cursor *c = (cv_cursor *)cur;
  int kind = ((cv_vtab *)cur->pVtab)->kind;
  const curve_walk *w = &c->w;
  if (col == 0) {
    sqlite3_result_double(ctx, w->threshold);
  } else if (kind == CURVE_ROC && col == CV_A) {
    result_ratio(ctx, w->fp, c->nn);
  } else if (kind == CURVE_ROC && col == CV_B) {
    result_ratio(ctx, w->tp, c->np);
  } else if (col == CV_A) {
    if (c->at == 0)
      sqlite3_result_double(ctx, 1.0);
    else
      result_ratio(ctx, w->tp, w->tp + w->fp);
  } else if (col == CV_B) {
    result_ratio(ctx, w->tp, c->np);
  } else if (c->args[col - CV_SOURCE]) {
    sqlite3_result_value(ctx, c->args[col - CV_SOURCE]);
  }
  return SQLITE_OK;
}

static int cv_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((cv_cursor *)cur)->j + 1;
  return SQLITE_OK;
}

static int cv_error(sqlite3_vtab_cursor *cur, int rc, char *msg) {
  sqlite3_vtab *vt = cur->pVtab;
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = msg;
  if (!msg && rc == SQLITE_ERROR) rc = SQLITE_NOMEM;
  return rc;
}

/* points: NULL = 0 (every row), else an integer >= 2. */
static char *points_arg(const char *obj, sqlite3_value *v, sqlite3_int64 *out) {
  *out = 0;
  if (!v) return NULL;
  int t = sqlite3_value_type(v);
  if (t == SQLITE_NULL) return NULL;
  double x = sqlite3_value_double(v);
  if (t == SQLITE_INTEGER && sqlite3_value_int64(v) >= 2) {
    *out = sqlite3_value_int64(v);
    return NULL;
  }
  if (t == SQLITE_FLOAT && x >= 2.0 && x < 9.2e18 && x == floor(x)) {
    *out = (sqlite3_int64)x;
    return NULL;
  }
  if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
    return sqlite3_mprintf("%s: points must be an integer >= 2 (or NULL for every row), got %s", obj,
                           sqlite3_value_text(v));
  return sqlite3_mprintf("%s: points must be an integer >= 2 (or NULL for every row), got %s", obj,
                         value_type_name(t));
}

static int push_key(uint64_t **v, size_t *n, size_t *cap, uint64_t x) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 256;
    uint64_t *nv = sqlite3_realloc64(*v, nc * sizeof *nv);
    if (!nv) return SQLITE_NOMEM;
    *v = nv;
    *cap = nc;
  }
  (*v)[(*n)++] = x;
  return SQLITE_OK;
}

/* The error of a failed sqlite3_step on the source: NOMEM and INTERRUPT
** as they are, anything else with SQLite's message. */
static int sqlite_read_error(sqlite3 *db, const char *obj, const char *src, int rc, char **err) {
  if (rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT) return rc;
  *err = sqlite3_mprintf("%s: reading source \"%s\": %s", obj, src, sqlite3_errmsg(db));
  return rc;
}

/* Reads the (score, label) rows of src into c->pos / c->neg. */
static int cv_read(cv_cursor *c, sqlite3 *db, const char *obj, const char *src, char **err) {
  sqlite3_stmt *stmt;
  int rc = source_prepare(db, obj, src, 2, &stmt, err);
  if (rc) return rc;
  size_t cp = 0, cn = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    int st = sqlite3_column_type(stmt, 0), lt = sqlite3_column_type(stmt, 1);
    if (st == SQLITE_NULL || lt == SQLITE_NULL) continue;
    if (st != SQLITE_INTEGER && st != SQLITE_FLOAT) {
      *err = sqlite3_mprintf("%s: source \"%s\": score (column 1) must be a number, got %s", obj, src,
                             value_type_name(st));
      rc = SQLITE_ERROR;
      break;
    }
    if (lt != SQLITE_INTEGER && lt != SQLITE_FLOAT) {
      *err = sqlite3_mprintf(
          "%s: source \"%s\": label (column 2) must be a number (0 = negative, nonzero = "
          "positive), got %s",
          obj, src, value_type_name(lt));
      rc = SQLITE_ERROR;
      break;
    }
    int positive =
        lt == SQLITE_INTEGER ? sqlite3_column_int64(stmt, 1) != 0 : sqlite3_column_double(stmt, 1) != 0.0;
    uint64_t key = radix_key_from_double(sqlite3_column_double(stmt, 0));
    rc = positive ? push_key(&c->pos, &c->np, &cp, key) : push_key(&c->neg, &c->nn, &cn, key);
    if (rc) break;
  }
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  else if (rc != SQLITE_ERROR || !*err) /* not one of ours: SQLite's */
    rc = sqlite_read_error(db, obj, src, rc, err);
  sqlite3_finalize(stmt);
  return rc;
}

static int cv_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv) {
  (void)idxStr;
  cv_cursor *c = (cv_cursor *)cur;
  cv_vtab *vt = (cv_vtab *)cur->pVtab;
  const char *obj = curve_names[vt->kind];
  cv_reset(c);
  for (int k = 0, a = 0; k < CV_NARGS && a < argc; k++)
    if (idxNum & (1 << k) && !(c->args[k] = sqlite3_value_dup(argv[a++]))) return SQLITE_NOMEM;
  sqlite3_value *src = c->args[0];
  if (!(idxNum & 1))
    return cv_error(cur, SQLITE_ERROR,
                    sqlite3_mprintf("%s: missing source: call it as %s('table or SELECT of (score, label)' "
                                    "[, points])",
                                    obj, obj));
  if (sqlite3_value_type(src) != SQLITE_TEXT)
    return cv_error(cur, SQLITE_ERROR,
                    sqlite3_mprintf("%s: source must be a table name, view name or SELECT text, got %s", obj,
                                    value_type_name(sqlite3_value_type(src))));
  sqlite3_int64 points;
  char *msg = points_arg(obj, c->args[1], &points);
  if (msg) return cv_error(cur, SQLITE_ERROR, msg);
  int rc = cv_read(c, vt->db, obj, (const char *)sqlite3_value_text(src), &msg);
  if (rc) return cv_error(cur, rc, msg);
  if (c->np + c->nn > 0) {
    size_t big = c->np > c->nn ? c->np : c->nn;
    uint64_t *tmp = sqlite3_malloc64(big * sizeof *tmp);
    if (!tmp) return SQLITE_NOMEM;
    curves_sort(c->pos, c->np, c->neg, c->nn, tmp);
    sqlite3_free(tmp);
    c->m = 1 + curves_distinct(c->pos, c->np, c->neg, c->nn);
  }
  c->points =
      points == 0 || (uint64_t)points >= c->m || points >= ((sqlite3_int64)1 << 31) ? c->m : (size_t)points;
  curve_walk_init(&c->w, c->pos, c->np, c->neg, c->nn);
  return SQLITE_OK;
}

static int cv_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  (void)vt;
  int source = 0;
  for (int i = 0; i < info->nConstraint; i++) source |= info->aConstraint[i].iColumn == CV_SOURCE;
  if (!source) {
    /* possibly one OR-branch of a larger WHERE; xFilter reports it */
    info->idxNum = 0;
    info->estimatedCost = 1e300;
    return SQLITE_OK;
  }
  int usable;
  if (tvf_best_index(info, CV_SOURCE, CV_NARGS, -1, &usable, NULL)) return SQLITE_CONSTRAINT;
  info->idxNum = usable;
  info->estimatedCost = 1e6;
  info->estimatedRows = 1000;
  return SQLITE_OK;
}

static sqlite3_module cv_module = {0,              /* iVersion */
                                   NULL,           /* xCreate: eponymous only */
                                   cv_connect,     /* xConnect */
                                   cv_best_index,  /* xBestIndex */
                                   tvf_disconnect, /* xDisconnect */
                                   NULL,           /* xDestroy */
                                   cv_open,        /* xOpen */
                                   cv_close,       /* xClose */
                                   cv_filter,      /* xFilter */
                                   cv_next,        /* xNext */
                                   cv_eof,         /* xEof */
                                   cv_column,      /* xColumn */
                                   cv_rowid,       /* xRowid */
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

int recsql_register_curves(sqlite3 *db) {
  int rc = sqlite3_create_module(db, "roc_curve", &cv_module, (void *)(intptr_t)CURVE_ROC);
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "pr_curve", &cv_module, (void *)(intptr_t)CURVE_PR);
  return rc;
}
