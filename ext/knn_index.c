/*
** knn_index: a persistent vector index as a virtual table, exact (flat) or
** approximate (HNSW), with float32 or int8 vectors, stored in the database
** file in shadow tables (ext/knn_store.c: their format and version).
**
**   CREATE VIRTUAL TABLE item_idx USING knn_index(dim=64, metric=ip, index=hnsw,
**                                                 m=16, ef_construction=200);
**   INSERT INTO item_idx(rowid, embedding) SELECT id, emb FROM m_items;
**   SELECT rowid, distance FROM item_idx WHERE embedding MATCH :q AND k = 10;
**   SELECT rowid, distance FROM item_idx WHERE embedding MATCH :q AND k = 10 AND ef_search = 128;
**   SELECT rowid, distance FROM item_idx WHERE embedding MATCH :q AND k = 5 AND rowid IN (1, 2, 3);
**   SELECT q.id, x.rowid, x.distance FROM queries q JOIN item_idx x
**     ON x.embedding MATCH q.emb AND x.k = 10;                    -- batch
**
** Options (key=value, each at most once; docs/knn_index.md):
**   dim              required, integer in [1, 65536]
**   metric           ip (default; distance = -dot), cosine (1 - cos), l2 (Euclidean)
**   index            flat (default; exact) or hnsw (approximate)
**   m                hnsw: neighbours per node, default 16, in [2, 100]
**   ef_construction  hnsw: candidate list while building, default 64, in [4, 1000],
**                    at least 2*m
**   ef_search        hnsw: default candidate list of queries, default 40, in [1, 10000];
**                    a query may set its own with AND ef_search = N
**   quantize         none (default) or int8: vectors kept and searched as int8 codes
**   rerank           with quantize=int8: 0 (default, off) or a factor in [1, 100]:
**                    rerank*k int8 candidates re-ranked by the exact float
**                    distance (the float vectors are then kept)
**   verbose          0 (default) or 1: progress of long INSERTs on stderr
**
** Columns: embedding (float32 BLOB, or JSON array text on input), and hidden
** distance, k, ef_search. Rows of a MATCH query come back by ascending
** distance (ties by rowid). k is required with MATCH (SQLite 3.40 does not
** pass LIMIT to virtual tables); k larger than the table returns every row;
** there is no cap on k. rowid = ? / rowid IN (...) restricts a MATCH query to
** those rows, searched exactly. Without MATCH the table scans (rowid, embedding).
**
** How it works. Queries search an in-memory copy of the whole index
** (src/hnsw.h), loaded from the shadow tables on first use, kept under the
** cache budget and shared by the connections of the process that read the
** same generation of the same table (ext/knn_cache.h); each connection
** searches with its own scratch. x_vectors is written at once by
** INSERT/UPDATE/DELETE into the transaction's private copy; graph nodes
** changed by a write are marked dirty and written to x_graph by xSync
** (before COMMIT) and xSavepoint (before a statement or SAVEPOINT starts),
** so a bulk INSERT writes each node once; every change is also logged in
** x_changes. A transaction that writes to the table bumps x_info
** 'generation' in xSync and publishes its copy at COMMIT; ROLLBACK discards
** it. When the database file's data version (SQLITE_FCNTL_DATA_VERSION)
** differs from the one seen last, the generation is read: if another
** connection changed the table, the next query applies the logged changes
** to a copy of the one it had (or reloads; a commit that touched other
** tables only costs that one lookup). Direct writes to the shadow tables
** are not seen until the table is opened again.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/hnsw.h"
#include "../src/knn_flat.h"
#include "common.h"
#include "knn_cache.h"
#include "knn_store.h"

#define KNN_COL_EMBEDDING 0
#define KNN_COL_DISTANCE 1
#define KNN_COL_K 2
#define KNN_COL_EF 3

/* idxNum bits; argv holds the present ones in this order */
#define KNN_MATCH 1
#define KNN_K 2
#define KNN_EF 4
#define KNN_ROWID 8     /* rowid = ? */
#define KNN_ROWID_IN 16 /* rowid IN (...), all values at once (with KNN_ROWID) */

#define KNN_PROGRESS_SECONDS 1.0 /* verbose: a line at most this often */

/* verbose=1: rows inserted by the current transaction */
typedef struct knn_progress knn_progress;
struct knn_progress {
  int64_t rows;
  double t0, last; /* start and last report, seconds */
  int reported;
};

typedef struct knn_vtab knn_vtab;
struct knn_vtab {
  sqlite3_vtab base;
  knn_store st;          /* shadow tables and the table's parameters */
  knn_cache cache;       /* the in-memory copies */
  hnsw_scratch *scratch; /* of this connection's searches */
  int changed;           /* this transaction wrote to the table */
  char *broken;          /* why x_info could not be read: every use but DROP fails with it */
  knn_progress progress;
};

typedef struct knn_cursor knn_cursor;
struct knn_cursor {
  sqlite3_vtab_cursor base;
  int match; /* results of a MATCH query; else scan of st_scan */
  int64_t *rowid;
  double *dist;
  size_t n, pos;
  sqlite3_int64 k, ef;
  sqlite3_stmt *scan;
  knn_copy *copy; /* the copy a MATCH query searched: held until the cursor is reset */
  int eof;
};

static int vt_error(knn_vtab *vt, int rc, char *msg) { return knn_store_error(&vt->st, rc, msg); }

/* ---- options -------------------------------------------------------------------- */

#define KNN_OPTION_NAMES "dim, metric, index, m, ef_construction, ef_search, quantize, rerank, verbose"
static const char *const option_keys[] = {"dim",       "metric",   "index",  "m",       "ef_construction",
                                          "ef_search", "quantize", "rerank", "verbose", NULL};
enum { OPT_DIM, OPT_METRIC, OPT_INDEX, OPT_M, OPT_EFC, OPT_EFS, OPT_QUANT, OPT_RERANK, OPT_VERBOSE, OPT_N };

/* Option errors are messages; when even the message cannot be allocated,
** this sentinel stands for "out of memory" (a NULL would read as "valid"). */
static char knn_oom[] = "out of memory";
static char *msg_or_oom(char *msg) { return msg ? msg : knn_oom; }

/* Parses an integer option value into *out, in [lo, hi]. */
static char *int_option(const char *key, const char *val, int lo, int hi, int *out) {
  char *end;
  long long x = strtoll(val, &end, 10);
  if (!*val || *end || x < lo || x > hi)
    return msg_or_oom(
        sqlite3_mprintf("knn_index: option %s must be an integer in [%d, %d], got '%s'", key, lo, hi, val));
  *out = (int)x;
  return NULL;
}

static char *choice_option(const char *key, const char *val, const char *const *names, const char *valid,
                           int *out) {
  *out = knn_choice(names, val);
  if (*out >= 0) return NULL;
  return msg_or_oom(sqlite3_mprintf("knn_index: option %s must be %s, got '%s'", key, valid, val));
}

/* Splits "key = value" (quotes around the value dropped) into key and val. */
static char *split_option(const char *a, char *key, size_t nkey, char *val, size_t nval) {
  const char *eq = strchr(a, '=');
  if (!eq)
    return msg_or_oom(
        sqlite3_mprintf("knn_index: expected key=value, got '%s' (options: " KNN_OPTION_NAMES ")", a));
  const char *ks = a, *ke = eq, *vs = eq + 1, *ve = a + strlen(a);
  while (ks < ke && (*ks == ' ' || *ks == '\t' || *ks == '\n')) ks++;
  while (ke > ks && (ke[-1] == ' ' || ke[-1] == '\t' || ke[-1] == '\n')) ke--;
  while (vs < ve && (*vs == ' ' || *vs == '\t' || *vs == '\n')) vs++;
  while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\n')) ve--;
  if (ve - vs >= 2 && (*vs == '\'' || *vs == '"') && ve[-1] == *vs) vs++, ve--;
  if ((size_t)(ke - ks) >= nkey || (size_t)(ve - vs) >= nval)
    return msg_or_oom(sqlite3_mprintf("knn_index: option too long: '%s'", a));
  memcpy(key, ks, (size_t)(ke - ks));
  key[ke - ks] = 0;
  memcpy(val, vs, (size_t)(ve - vs));
  val[ve - vs] = 0;
  return NULL;
}

/* One option k with value val into o. */
static char *set_option(int k, const char *key, const char *val, knn_meta *o) {
  switch (k) {
    case OPT_DIM: return int_option(key, val, 1, 65536, &o->dim);
    case OPT_METRIC: return choice_option(key, val, knn_metric_names, "ip, cosine or l2", &o->metric);
    case OPT_INDEX: return choice_option(key, val, knn_index_names, "flat or hnsw", &o->index);
    case OPT_M: return int_option(key, val, 2, 100, &o->m);
    case OPT_EFC: return int_option(key, val, 4, 1000, &o->ef_construction);
    case OPT_EFS: return int_option(key, val, 1, KNN_EF_MAX, &o->ef_search);
    case OPT_QUANT: return choice_option(key, val, knn_quant_names, "none or int8", &o->quant);
    case OPT_RERANK: return int_option(key, val, 0, KNN_RERANK_MAX, &o->rerank);
    default: return int_option(key, val, 0, 1, &o->verbose);
  }
}

/* Checks the options together. */
static char *check_options(const int *seen, const knn_meta *o) {
  if (!seen[OPT_DIM])
    return msg_or_oom(sqlite3_mprintf("knn_index: option dim is required, e.g. knn_index(dim=64)"));
  if (o->index == KNN_IDX_FLAT && (seen[OPT_M] || seen[OPT_EFC] || seen[OPT_EFS]))
    return msg_or_oom(
        sqlite3_mprintf("knn_index: option %s applies to index=hnsw only", seen[OPT_M]     ? "m"
                                                                           : seen[OPT_EFC] ? "ef_construction"
                                                                                           : "ef_search"));
  if (o->ef_construction < 2 * o->m)
    return msg_or_oom(sqlite3_mprintf("knn_index: ef_construction must be at least 2*m = %d, got %d",
                                      2 * o->m, o->ef_construction));
  if (seen[OPT_RERANK] && o->quant != KNN_Q_INT8)
    return msg_or_oom(sqlite3_mprintf(
        "knn_index: option rerank applies to quantize=int8 only (float vectors are searched exactly)"));
  return NULL;
}

/* Parses the CREATE VIRTUAL TABLE arguments "key=value" (argv[3..]). */
static char *parse_options(int argc, const char *const *argv, knn_meta *o) {
  int seen[OPT_N] = {0};
  memset(o, 0, sizeof *o);
  o->format = KNN_FORMAT;
  o->metric = KNN_IP;
  o->index = KNN_IDX_FLAT;
  o->m = 16;
  o->ef_construction = 64;
  o->ef_search = 40;
  o->quant = KNN_Q_NONE;
  for (int i = 3; i < argc; i++) {
    char key[32], val[64];
    char *err = split_option(argv[i], key, sizeof key, val, sizeof val);
    if (err) return err;
    int k = knn_choice(option_keys, key);
    if (k < 0)
      return msg_or_oom(
          sqlite3_mprintf("knn_index: unknown option \"%s\" (valid options: " KNN_OPTION_NAMES ")", key));
    if (seen[k]) return msg_or_oom(sqlite3_mprintf("knn_index: option %s is given twice", option_keys[k]));
    seen[k] = 1;
    if ((err = set_option(k, key, val, o))) return err;
  }
  return check_options(seen, o);
}

/* ---- the in-memory index ------------------------------------------------------------ */

/* The transaction's copy became unusable (out of memory while changing it). */
static void drop_cache(knn_vtab *vt) { knn_cache_lose_write(&vt->cache); }

/* A reference to the copy a query searches (knn_copy_release it). */
static int load(knn_vtab *vt, knn_copy **out) {
  *out = NULL;
  if (vt->broken) return vt_error(vt, SQLITE_CORRUPT_VTAB, sqlite3_mprintf("%s", vt->broken));
  return knn_cache_read(&vt->cache, out);
}

/* The transaction's private copy, which writes change. */
static int load_write(knn_vtab *vt, knn_copy **out) {
  *out = NULL;
  if (vt->broken) return vt_error(vt, SQLITE_CORRUPT_VTAB, sqlite3_mprintf("%s", vt->broken));
  return knn_cache_write(&vt->cache, out);
}

/* Writes the changed graph nodes; out of memory drops the copy. */
static int flush(knn_vtab *vt) {
  if (!vt->cache.w) return SQLITE_OK;
  int rc = knn_store_flush(&vt->st, vt->cache.w->h);
  if (rc == SQLITE_NOMEM) drop_cache(vt);
  return rc;
}

/* ---- verbose progress ------------------------------------------------------------------ */

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress_line(knn_vtab *vt, const char *what, double t) {
  knn_progress *p = &vt->progress;
  double el = t - p->t0;
  fprintf(stderr, "knn_index %s: %s%lld rows inserted, %.0f rows/s, %.1f s\n", vt->st.name, what,
          (long long)p->rows, el > 0 ? (double)p->rows / el : 0.0, el);
  fflush(stderr);
}

/* One more row inserted: a line when KNN_PROGRESS_SECONDS passed since the last. */
static void progress_row(knn_vtab *vt) {
  knn_progress *p = &vt->progress;
  if (!vt->st.meta.verbose) return;
  double t = now_seconds();
  if (p->rows++ == 0) p->t0 = p->last = t;
  if (t - p->last < KNN_PROGRESS_SECONDS) return;
  p->last = t;
  p->reported = 1;
  progress_line(vt, "", t);
}

/* End of a transaction: a last line when the inserts were reported. */
static void progress_end(knn_vtab *vt, int committed) {
  knn_progress *p = &vt->progress;
  if (p->reported) progress_line(vt, committed ? "committed: " : "rolled back: ", now_seconds());
  memset(p, 0, sizeof *p);
}

/* ---- create, connect, destroy ------------------------------------------------------- */

static void vt_free(knn_vtab *vt) {
  if (!vt) return;
  knn_store_finalize(&vt->st);
  knn_cache_close(&vt->cache);
  hnsw_scratch_free(vt->scratch);
  sqlite3_free(vt->st.schema);
  sqlite3_free(vt->st.name);
  sqlite3_free(vt->broken);
  sqlite3_free(vt);
}

static int knn_init(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                    char **pzErr, int create) {
  (void)aux;
  knn_meta o;
  char *err = parse_options(argc, argv, &o);
  if (err == knn_oom) return SQLITE_NOMEM;
  if (err) {
    *pzErr = err;
    return SQLITE_ERROR;
  }
  knn_vtab *vt = sqlite3_malloc(sizeof *vt);
  if (!vt) return SQLITE_NOMEM;
  memset(vt, 0, sizeof *vt);
  vt->st.db = db;
  vt->st.vtab = &vt->base;
  vt->st.schema = sqlite3_mprintf("%s", argv[1]);
  vt->st.name = sqlite3_mprintf("%s", argv[2]);
  if (!vt->st.schema || !vt->st.name) {
    vt_free(vt);
    return SQLITE_NOMEM;
  }
  int rc;
  if (create) {
    rc = knn_store_create(db, argv[1], argv[2], &o, pzErr);
    if (rc) {
      vt_free(vt);
      return rc;
    }
  } else {
    /* An unreadable x_info still connects, so that DROP TABLE works; every
    ** query and write then fails with the reason. */
    int nomem = 0;
    vt->broken = knn_store_read_info(db, argv[1], argv[2], &o, &nomem);
    if (nomem) {
      vt_free(vt);
      return SQLITE_NOMEM;
    }
  }
  vt->st.meta = o;
  vt->scratch = hnsw_scratch_new();
  if (!vt->scratch || knn_cache_open(&vt->cache, &vt->st)) {
    vt_free(vt);
    return SQLITE_NOMEM;
  }
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(embedding, distance HIDDEN, k HIDDEN, ef_search HIDDEN)");
  if (rc) {
    vt_free(vt);
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
  /* it touches its own shadow tables only (as fts5, rtree): usable from
  ** triggers and views also with trusted_schema off */
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *out = &vt->base;
  return SQLITE_OK;
}

static int knn_create(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
  return knn_init(db, aux, argc, argv, out, err, 1);
}

static int knn_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                       char **err) {
  return knn_init(db, aux, argc, argv, out, err, 0);
}

static int knn_disconnect(sqlite3_vtab *base) {
  vt_free((knn_vtab *)base);
  return SQLITE_OK;
}

static int knn_destroy(sqlite3_vtab *base) {
  knn_vtab *vt = (knn_vtab *)base;
  int rc = knn_store_drop(&vt->st);
  if (rc) return rc;
  vt_free(vt);
  return SQLITE_OK;
}

static int knn_rename(sqlite3_vtab *base, const char *new_name) {
  return knn_store_rename(&((knn_vtab *)base)->st, new_name);
}

static int knn_shadow_name(const char *suffix) { return knn_store_shadow_name(suffix); }

/* ---- transactions ---------------------------------------------------------------------- */

static int knn_begin(sqlite3_vtab *base) {
  (void)base;
  return SQLITE_OK;
}

/* Before COMMIT: writes the changed graph nodes and bumps the generation. */
static int knn_sync(sqlite3_vtab *base) {
  knn_vtab *vt = (knn_vtab *)base;
  int rc = flush(vt);
  if (rc || !vt->changed) return rc;
  rc = knn_cache_sync(&vt->cache);
  if (rc) return rc;
  vt->changed = 0;
  return SQLITE_OK;
}

static int knn_commit(sqlite3_vtab *base) {
  knn_vtab *vt = (knn_vtab *)base;
  knn_cache_commit(&vt->cache);
  vt->changed = 0;
  progress_end(vt, 1);
  return SQLITE_OK;
}

static int knn_rollback(sqlite3_vtab *base) {
  knn_vtab *vt = (knn_vtab *)base;
  knn_cache_rollback(&vt->cache, 0);
  vt->changed = 0;
  progress_end(vt, 0);
  return SQLITE_OK;
}

static int knn_savepoint(sqlite3_vtab *base, int i) {
  (void)i;
  return flush((knn_vtab *)base);
}

static int knn_release(sqlite3_vtab *base, int i) {
  (void)base;
  (void)i;
  return SQLITE_OK;
}

static int knn_rollback_to(sqlite3_vtab *base, int i) {
  (void)i;
  knn_cache_rollback(&((knn_vtab *)base)->cache, 1);
  return SQLITE_OK;
}

/* ---- writes ------------------------------------------------------------------------------ */

/* Removes rowid from the shadow tables and the cache (absent is fine). */
static int remove_row(knn_vtab *vt, sqlite3_int64 rowid) {
  int rc = knn_store_remove(&vt->st, rowid);
  if (rc) return rc;
  if (hnsw_remove(vt->cache.w->h, rowid) == HNSW_NOMEM) {
    drop_cache(vt);
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

static int add_row(knn_vtab *vt, sqlite3_int64 rowid, const float *v) {
  int rc = knn_store_add(&vt->st, vt->cache.w->h, rowid, v);
  if (rc == SQLITE_NOMEM) drop_cache(vt);
  if (rc) return rc;
  if (rowid > vt->cache.w->max_rowid) vt->cache.w->max_rowid = rowid;
  progress_row(vt);
  return SQLITE_OK;
}

/* The rowid of an INSERT or UPDATE: argv[1], or the largest + 1. */
static int new_rowid(knn_vtab *vt, sqlite3_value *arg, sqlite3_int64 *rowid) {
  if (sqlite3_value_type(arg) == SQLITE_NULL) {
    if (vt->cache.w->max_rowid == INT64_MAX)
      return vt_error(vt, SQLITE_FULL,
                      sqlite3_mprintf("knn_index: no rowid left; give the rowid explicitly"));
    *rowid = vt->cache.w->max_rowid + 1;
    return SQLITE_OK;
  }
  if (sqlite3_value_type(arg) == SQLITE_INTEGER) {
    *rowid = sqlite3_value_int64(arg);
    return SQLITE_OK;
  }
  return vt_error(vt, SQLITE_MISMATCH,
                  sqlite3_mprintf("knn_index: rowid must be an integer, got %s",
                                  value_type_name(sqlite3_value_type(arg))));
}

/* Replaces or inserts the row (rowid, v): old is the UPDATE's old rowid
** (-1 for an INSERT), replacing says that rowid is taken and may go. */
static int write_row(knn_vtab *vt, sqlite3_value *old, sqlite3_int64 rowid, int replacing, const float *v) {
  int rc = SQLITE_OK, insert = old == NULL;
  if (!insert) rc = remove_row(vt, sqlite3_value_int64(old));
  if (rc == SQLITE_OK && replacing && (insert || sqlite3_value_int64(old) != rowid))
    rc = remove_row(vt, rowid);
  if (rc == SQLITE_OK) rc = add_row(vt, rowid, v);
  return rc;
}

/* INSERT or UPDATE of argv (argc > 1). */
static int upsert(knn_vtab *vt, sqlite3_value **argv, sqlite3_int64 *out_rowid) {
  int insert = sqlite3_value_type(argv[0]) == SQLITE_NULL;
  if (insert) {
    static const char *const hidden[] = {"distance", "k", "ef_search"};
    for (int c = 0; c < 3; c++)
      if (sqlite3_value_type(argv[3 + c]) != SQLITE_NULL)
        return vt_error(vt, SQLITE_ERROR,
                        sqlite3_mprintf("knn_index: column %s belongs to queries and cannot be inserted; "
                                        "insert (rowid, embedding) only",
                                        hidden[c]));
  }
  sqlite3_int64 rowid = 0;
  int rc = new_rowid(vt, argv[1], &rowid);
  if (rc) return rc;
  if (sqlite3_value_type(argv[2]) == SQLITE_NULL)
    return vt_error(vt, SQLITE_CONSTRAINT,
                    sqlite3_mprintf("knn_index: embedding must not be NULL (rowid %lld)", rowid));
  vecarg a;
  char *err = NULL;
  rc = vecarg_get(argv[2], "knn_index", "embedding", (size_t)vt->st.meta.dim, &a, &err);
  if (rc) return vt_error(vt, rc, err);
  int replacing = !insert && sqlite3_value_int64(argv[0]) == rowid;
  if (!replacing && hnsw_find(vt->cache.w->h, rowid) >= 0) {
    int mode = sqlite3_vtab_on_conflict(vt->st.db);
    if (mode != SQLITE_IGNORE && mode != SQLITE_REPLACE)
      rc =
          vt_error(vt, SQLITE_CONSTRAINT, sqlite3_mprintf("UNIQUE constraint failed: %s.rowid", vt->st.name));
    if (mode != SQLITE_REPLACE) {
      vecarg_free(&a);
      return rc;
    }
    replacing = 1;
  }
  /* a.v may point into argv[2], which a write may invalidate: copy */
  float *copy = sqlite3_malloc64((sqlite3_uint64)vt->st.meta.dim * 4);
  if (copy) {
    memcpy(copy, a.v, (size_t)vt->st.meta.dim * 4);
    rc = write_row(vt, insert ? NULL : argv[0], rowid, replacing, copy);
  }
  sqlite3_free(copy);
  vecarg_free(&a);
  if (!copy) return SQLITE_NOMEM;
  if (rc == SQLITE_OK) *out_rowid = rowid;
  return rc;
}

/* INSERT (argv[0] NULL), UPDATE (argv[0] = old rowid) or DELETE (argc == 1). */
static int knn_update(sqlite3_vtab *base, int argc, sqlite3_value **argv, sqlite3_int64 *out_rowid) {
  knn_vtab *vt = (knn_vtab *)base;
  knn_copy *w;
  int rc = load_write(vt, &w);
  if (rc) return rc;
  vt->changed = 1;
  rc = argc == 1 ? remove_row(vt, sqlite3_value_int64(argv[0])) : upsert(vt, argv, out_rowid);
  if (rc && rc != SQLITE_NOMEM && !vt->base.zErrMsg)
    vt_error(vt, rc,
             sqlite3_mprintf("knn_index: writing \"%s\": %s", vt->st.name, sqlite3_errmsg(vt->st.db)));
  return rc;
}

/* ---- queries -------------------------------------------------------------------------------- */

/*
** A plan: idxNum is a set of KNN_* bits, argv the values of the present ones
** in the order MATCH, k, ef_search, rowid. A MATCH or k (or ef_search)
** constraint that is present but not usable in this plan returns
** SQLITE_CONSTRAINT, so SQLite puts the table providing the query vector
** first in a join (series.c's rule).
*/
static int knn_best_index(sqlite3_vtab *base, sqlite3_index_info *info) {
  (void)base;
  int at[4] = {-1, -1, -1, -1}; /* MATCH, k, ef_search, rowid */
  int unusable = 0;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    int slot = -1;
    if (c->iColumn == KNN_COL_EMBEDDING && c->op == SQLITE_INDEX_CONSTRAINT_MATCH)
      slot = 0;
    else if (c->iColumn == KNN_COL_K && c->op == SQLITE_INDEX_CONSTRAINT_EQ)
      slot = 1;
    else if (c->iColumn == KNN_COL_EF && c->op == SQLITE_INDEX_CONSTRAINT_EQ)
      slot = 2;
    else if (c->iColumn == -1 && c->op == SQLITE_INDEX_CONSTRAINT_EQ)
      slot = 3;
    if (slot < 0) continue;
    if (!c->usable) {
      if (slot < 3) unusable |= 1 << slot;
      continue;
    }
    if (at[slot] < 0) at[slot] = i;
  }
  for (int s = 0; s < 3; s++)
    if ((unusable & (1 << s)) && at[s] < 0) return SQLITE_CONSTRAINT;
  int n = 0, idx = 0;
  for (int s = 0; s < 4; s++) {
    if (at[s] < 0) continue;
    info->aConstraintUsage[at[s]].argvIndex = ++n;
    info->aConstraintUsage[at[s]].omit = 1;
    idx |= 1 << s;
  }
  if (at[0] >= 0) {
    if (at[3] >= 0 && sqlite3_vtab_in(info, at[3], -1)) {
      sqlite3_vtab_in(info, at[3], 1);
      idx |= KNN_ROWID_IN;
    }
    info->estimatedCost = at[3] >= 0 ? 20 : 100;
    info->estimatedRows = 10;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == KNN_COL_DISTANCE && !info->aOrderBy[0].desc)
      info->orderByConsumed = 1;
  } else if (at[3] >= 0) {
    info->estimatedCost = 1;
    info->estimatedRows = 1;
    info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  } else {
    info->estimatedCost = 1e6;
    info->estimatedRows = 1000000;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == -1 && !info->aOrderBy[0].desc)
      info->orderByConsumed = 1;
  }
  info->idxNum = idx;
  return SQLITE_OK;
}

static int knn_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out) {
  (void)base;
  knn_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->eof = 1;
  *out = &c->base;
  return SQLITE_OK;
}

static void cursor_reset(knn_cursor *c) {
  sqlite3_free(c->rowid);
  sqlite3_free(c->dist);
  c->rowid = NULL;
  c->dist = NULL;
  c->n = c->pos = 0;
  sqlite3_finalize(c->scan);
  c->scan = NULL;
  knn_copy_release(c->copy);
  c->copy = NULL;
  c->match = 0;
  c->eof = 1;
}

static int knn_close(sqlite3_vtab_cursor *cur) {
  cursor_reset((knn_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Slots of the rowids of the rowid constraint (IN list or one value), sorted, unique. */
static int rowid_slots(const hnsw *h, sqlite3_value *arg, int is_in, uint32_t **out, size_t *n) {
  size_t cap = 16, m = 0;
  int64_t *keys = sqlite3_malloc64(cap * sizeof *keys);
  if (!keys) return SQLITE_NOMEM;
  int rc = SQLITE_OK;
  sqlite3_value *v = arg;
  if (is_in) rc = sqlite3_vtab_in_first(arg, &v);
  while (rc == SQLITE_OK && v) {
    if (sqlite3_value_numeric_type(v) == SQLITE_INTEGER) {
      if (m == cap) {
        int64_t *nk = sqlite3_realloc64(keys, cap * 2 * sizeof *keys);
        if (!nk) {
          rc = SQLITE_NOMEM;
          break;
        }
        keys = nk;
        cap *= 2;
      }
      keys[m++] = sqlite3_value_int64(v);
    }
    if (!is_in) break;
    rc = sqlite3_vtab_in_next(arg, &v);
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  uint32_t *slots = NULL;
  size_t ns = 0;
  if (rc == SQLITE_OK) {
    qsort(keys, m, sizeof *keys, cmp_i64);
    slots = sqlite3_malloc64((m ? m : 1) * sizeof *slots);
    if (!slots) rc = SQLITE_NOMEM;
    for (size_t i = 0; rc == SQLITE_OK && i < m; i++) {
      if (i && keys[i] == keys[i - 1]) continue;
      int64_t s = hnsw_find(h, keys[i]);
      if (s >= 0) slots[ns++] = (uint32_t)s;
    }
  }
  sqlite3_free(keys);
  *out = slots;
  *n = ns;
  return rc;
}

static int cur_error(sqlite3_vtab_cursor *cur, int rc, char *msg) {
  return vt_error((knn_vtab *)cur->pVtab, rc, msg);
}

/* Reads a positive integer argument (k or ef_search). */
static int int_arg(sqlite3_vtab_cursor *cur, sqlite3_value *v, const char *name, sqlite3_int64 lo,
                   sqlite3_int64 hi, sqlite3_int64 *out) {
  int t = sqlite3_value_numeric_type(v);
  sqlite3_int64 x = sqlite3_value_int64(v);
  if (t != SQLITE_INTEGER || x < lo || x > hi) {
    if (hi == INT64_MAX)
      return cur_error(cur, SQLITE_ERROR,
                       sqlite3_mprintf("knn_index: %s must be a positive integer, got %s", name,
                                       t == SQLITE_NULL ? "NULL" : (const char *)sqlite3_value_text(v)));
    return cur_error(cur, SQLITE_ERROR,
                     sqlite3_mprintf("knn_index: %s must be an integer in [%lld, %lld], got %s", name, lo, hi,
                                     t == SQLITE_NULL ? "NULL" : (const char *)sqlite3_value_text(v)));
  }
  *out = x;
  return SQLITE_OK;
}

static int knn_next(sqlite3_vtab_cursor *cur);

/* The scan without MATCH: every row by rowid, or rowid = arg. */
static int start_scan(knn_cursor *c, knn_vtab *vt, int idx, sqlite3_value *arg) {
  if (idx & (KNN_K | KNN_EF))
    return cur_error(&c->base, SQLITE_ERROR,
                     sqlite3_mprintf("knn_index: %s needs a query vector: add embedding MATCH ?",
                                     idx & KNN_K ? "k" : "ef_search"));
  if (vt->broken) return vt_error(vt, SQLITE_CORRUPT_VTAB, sqlite3_mprintf("%s", vt->broken));
  int rc = knn_store_scan(&vt->st, (idx & KNN_ROWID) != 0, &c->scan);
  if (rc) return rc;
  if (idx & KNN_ROWID) sqlite3_bind_value(c->scan, 1, arg);
  c->eof = 0;
  return knn_next(&c->base);
}

/* Searches h for q into the cursor's rows: the k nearest, or among the
** slots of the rowid constraint when rowids is not NULL. */
/* Rows of equal distance by rowid (slots follow the order rows were added
** in, which differs between a copy kept up to date and a fresh load). */
static void ties_by_rowid(int64_t *rowid, const double *dist, size_t n) {
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && dist[j] == dist[j - 1] && rowid[j] < rowid[j - 1]; j--) {
      int64_t t = rowid[j];
      rowid[j] = rowid[j - 1];
      rowid[j - 1] = t;
    }
}

static int search(knn_cursor *c, const hnsw *h, const float *q, knn_vtab *vt, sqlite3_value *rowids,
                  int is_in) {
  uint32_t *slots = NULL;
  size_t nslots = 0;
  int rc = SQLITE_OK;
  if (rowids) rc = rowid_slots(h, rowids, is_in, &slots, &nslots);
  size_t limit = rowids ? nslots : hnsw_count(h);
  size_t k = (size_t)c->k < limit ? (size_t)c->k : limit;
  topk t = {0};
  if (rc == SQLITE_OK && k && topk_init(&t, k)) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && k) {
    int r = rowids ? hnsw_search_slots_with(h, vt->scratch, q, slots, nslots, &t)
                   : hnsw_search_with(h, vt->scratch, q, k, (size_t)c->ef, &t);
    if (r) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && k) {
    size_t m = topk_sort(&t);
    c->rowid = sqlite3_malloc64(m * sizeof *c->rowid);
    c->dist = sqlite3_malloc64(m * sizeof *c->dist);
    if (!c->rowid || !c->dist) rc = SQLITE_NOMEM;
    for (size_t i = 0; rc == SQLITE_OK && i < m; i++) {
      c->rowid[i] = hnsw_key(h, t.id[i]);
      c->dist[i] = hnsw_user_distance(h, -t.score[i]);
    }
    if (rc == SQLITE_OK) {
      ties_by_rowid(c->rowid, c->dist, m);
      c->n = m;
    }
  }
  topk_free(&t);
  sqlite3_free(slots);
  return rc;
}

static int knn_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxStr, int argc, sqlite3_value **argv) {
  (void)idxStr;
  knn_cursor *c = (knn_cursor *)cur;
  knn_vtab *vt = (knn_vtab *)cur->pVtab;
  cursor_reset(c);
  sqlite3_value *arg[4] = {0};
  int a = 0;
  for (int s = 0; s < 4; s++)
    if ((idx & (1 << s)) && a < argc) arg[s] = argv[a++];
  if (!(idx & KNN_MATCH)) return start_scan(c, vt, idx, arg[3]);
  if (!(idx & KNN_K))
    return cur_error(
        cur, SQLITE_ERROR,
        sqlite3_mprintf("knn_index: a MATCH query needs k: add AND k = 10 (the number of rows)"));
  int rc = int_arg(cur, arg[1], "k", 1, INT64_MAX, &c->k);
  if (rc) return rc;
  c->ef = vt->st.meta.ef_search;
  if ((idx & KNN_EF) && (rc = int_arg(cur, arg[2], "ef_search", 1, KNN_EF_MAX, &c->ef))) return rc;
  c->match = 1;
  if (sqlite3_value_type(arg[0]) == SQLITE_NULL) return SQLITE_OK; /* no query, no rows */
  vecarg q;
  char *err = NULL;
  rc = vecarg_get(arg[0], "knn_index", "MATCH query", (size_t)vt->st.meta.dim, &q, &err);
  if (rc) return cur_error(cur, rc, err);
  rc = load(vt, &c->copy);
  if (rc == SQLITE_OK)
    rc = search(c, c->copy->h, q.v, vt, (idx & KNN_ROWID) ? arg[3] : NULL, (idx & KNN_ROWID_IN) != 0);
  vecarg_free(&q);
  if (rc) {
    cursor_reset(c);
    return rc;
  }
  c->eof = c->n == 0;
  return SQLITE_OK;
}

static int knn_next(sqlite3_vtab_cursor *cur) {
  knn_cursor *c = (knn_cursor *)cur;
  if (c->match) {
    if (++c->pos >= c->n) c->eof = 1;
    return SQLITE_OK;
  }
  int rc = sqlite3_step(c->scan);
  if (rc == SQLITE_ROW) return SQLITE_OK;
  c->eof = 1;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  return cur_error(cur, rc,
                   sqlite3_mprintf("knn_index: %s", sqlite3_errmsg(((knn_vtab *)cur->pVtab)->st.db)));
}

static int knn_eof(sqlite3_vtab_cursor *cur) { return ((knn_cursor *)cur)->eof; }

static int knn_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out) {
  knn_cursor *c = (knn_cursor *)cur;
  *out = c->match ? c->rowid[c->pos] : sqlite3_column_int64(c->scan, 0);
  return SQLITE_OK;
}

static int knn_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  knn_cursor *c = (knn_cursor *)cur;
  knn_vtab *vt = (knn_vtab *)cur->pVtab;
  if (!c->match)
    return col == KNN_COL_EMBEDDING ? knn_store_result(&vt->st, ctx, sqlite3_column_value(c->scan, 1))
                                    : SQLITE_OK;
  switch (col) {
    case KNN_COL_EMBEDDING: return knn_store_result_rowid(&vt->st, ctx, c->rowid[c->pos]);
    case KNN_COL_DISTANCE: sqlite3_result_double(ctx, c->dist[c->pos]); break;
    case KNN_COL_K: sqlite3_result_int64(ctx, c->k); break;
    case KNN_COL_EF: sqlite3_result_int64(ctx, c->ef); break;
    default: break;
  }
  return SQLITE_OK;
}

static sqlite3_module knn_module = {
    3,               /* iVersion: savepoints and xShadowName */
    knn_create,      /* xCreate */
    knn_connect,     /* xConnect */
    knn_best_index,  /* xBestIndex */
    knn_disconnect,  /* xDisconnect */
    knn_destroy,     /* xDestroy */
    knn_open,        /* xOpen */
    knn_close,       /* xClose */
    knn_filter,      /* xFilter */
    knn_next,        /* xNext */
    knn_eof,         /* xEof */
    knn_column,      /* xColumn */
    knn_rowid,       /* xRowid */
    knn_update,      /* xUpdate */
    knn_begin,       /* xBegin */
    knn_sync,        /* xSync */
    knn_commit,      /* xCommit */
    knn_rollback,    /* xRollback */
    NULL,            /* xFindFunction */
    knn_rename,      /* xRename */
    knn_savepoint,   /* xSavepoint */
    knn_release,     /* xRelease */
    knn_rollback_to, /* xRollbackTo */
    knn_shadow_name, /* xShadowName */
};

int recsql_register_knn_index(sqlite3 *db) {
  return sqlite3_create_module(db, "knn_index", &knn_module, NULL);
}
