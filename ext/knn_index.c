/*
** knn_index: a persistent vector index as a virtual table, exact (flat) or
** approximate (HNSW), stored in the database file in shadow tables.
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
**
** Columns: embedding (float32 BLOB, or JSON array text on input), and hidden
** distance, k, ef_search. Rows of a MATCH query come back by ascending
** distance (ties by rowid). k is required with MATCH (SQLite 3.40 does not
** pass LIMIT to virtual tables); k larger than the table returns every row;
** there is no cap on k. rowid = ? / rowid IN (...) restricts a MATCH query to
** those rows, searched exactly. Without MATCH the table scans (rowid, embedding).
**
** Storage format (format version 1). For a table x in schema s:
**   s.x_info(key TEXT PRIMARY KEY, value)
**       format_version 1, dim, metric ('ip'|'cosine'|'l2'), index
**       ('flat'|'hnsw'), m, ef_construction, ef_search, entry_point (rowid of
**       the HNSW entry node, NULL when empty), max_level (its level, -1 when
**       empty), generation (change counter, +1 per committed write transaction)
**   s.x_vectors(rowid INTEGER PRIMARY KEY, vec BLOB)
**       one row per indexed vector: 4*dim bytes, float32 little-endian, as
**       inserted (cosine vectors are normalized in memory only)
**   s.x_graph(rowid INTEGER PRIMARY KEY, level INTEGER, neighbors BLOB)
**       hnsw only, one row per node (same rowid as x_vectors): its top level L
**       and, for each level 0..L, an int64 LE count c followed by c int64 LE
**       rowids of its neighbours (c <= 2m at level 0, <= m above).
**   Anything else (a wrong blob length, a non-finite value, an unknown
**   neighbour, a missing node) is reported as a corrupt shadow table.
**
** How it works. Each connection keeps the whole index in memory (one
** contiguous float array, plus the graph: src/hnsw.c), loaded from the shadow
** tables on first use. x_vectors is written at once by INSERT/UPDATE/DELETE;
** graph nodes changed by a write are marked dirty and written to x_graph by
** xSync (before COMMIT) and xSavepoint (before a statement or SAVEPOINT
** starts), so a bulk INSERT writes each node once. The cache is dropped on
** xRollback and xRollbackTo (and reloaded from the rolled-back tables). A
** transaction that writes to the table bumps x_info 'generation' in xSync;
** when the database file's data version (SQLITE_FCNTL_DATA_VERSION) differs
** from the one seen at load or at our own last COMMIT, the generation is read:
** if another connection changed the table, the next query reloads it (a
** commit that touched other tables only costs that one lookup). Direct
** writes to the shadow tables are not seen until the table is opened again.
*/
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../src/hnsw.h"
#include "../src/knn_flat.h"
#include "../src/vec.h"
#include "common.h"

#define KNN_COL_EMBEDDING 0
#define KNN_COL_DISTANCE 1
#define KNN_COL_K 2
#define KNN_COL_EF 3

#define KNN_FORMAT 1
#define KNN_EF_MAX 10000     /* pgvector stops at 1000; 200k Gaussian IP needs ~800 for recall 0.95 */
#define KNN_SEED 0x6b6e6eull /* levels of keys: fixed, so a rebuilt graph is the same */

/* idxNum bits; argv holds the present ones in this order */
#define KNN_MATCH 1
#define KNN_K 2
#define KNN_EF 4
#define KNN_ROWID 8     /* rowid = ? */
#define KNN_ROWID_IN 16 /* rowid IN (...), all values at once (with KNN_ROWID) */

enum { IDX_FLAT = 0, IDX_HNSW = 1 };
static const char *const metric_names[] = {"ip", "cosine", "l2", NULL};
static const char *const index_names[] = {"flat", "hnsw", NULL};

typedef struct knn_vtab knn_vtab;
struct knn_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  char *schema, *name;
  int dim, metric, index, m, ef_construction, ef_search;
  hnsw *h;                  /* the in-memory index, NULL until loaded */
  unsigned data_version;    /* of the database file when h was known current */
  sqlite3_int64 generation; /* x_info 'generation' that h reflects */
  int changed;              /* this transaction wrote to the table */
  int64_t max_rowid;
  char *broken; /* why x_info could not be read: every use but DROP fails with it */
  sqlite3_stmt *st_get, *st_ins, *st_del_vec, *st_del_graph, *st_put_graph, *st_put_info;
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
  int eof;
};

/* ---- options -------------------------------------------------------------------- */

typedef struct knn_opts knn_opts;
struct knn_opts {
  int dim, metric, index, m, ef_construction, ef_search;
  int set_m, set_efc, set_efs;
};

static int choice(const char *const *names, const char *s) {
  for (int k = 0; names[k]; k++)
    if (sqlite3_stricmp(names[k], s) == 0) return k;
  return -1;
}

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

/* Parses the CREATE VIRTUAL TABLE arguments "key=value" (argv[3..]). */
static char *parse_options(int argc, const char *const *argv, knn_opts *o) {
  static const char *const keys[] = {"dim", "metric", "index", "m", "ef_construction", "ef_search", NULL};
  int seen[6] = {0};
  memset(o, 0, sizeof *o);
  o->metric = KNN_IP;
  o->index = IDX_FLAT;
  o->m = 16;
  o->ef_construction = 64;
  o->ef_search = 40;
  for (int i = 3; i < argc; i++) {
    char key[32], val[64];
    const char *a = argv[i], *eq = strchr(a, '=');
    if (!eq)
      return msg_or_oom(
          sqlite3_mprintf("knn_index: expected key=value, got '%s' (options: dim, metric, index, m, "
                          "ef_construction, ef_search)",
                          a));
    const char *ks = a, *ke = eq, *vs = eq + 1, *ve = a + strlen(a);
    while (ks < ke && (*ks == ' ' || *ks == '\t' || *ks == '\n')) ks++;
    while (ke > ks && (ke[-1] == ' ' || ke[-1] == '\t' || ke[-1] == '\n')) ke--;
    while (vs < ve && (*vs == ' ' || *vs == '\t' || *vs == '\n')) vs++;
    while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\n')) ve--;
    if (ve - vs >= 2 && (*vs == '\'' || *vs == '"') && ve[-1] == *vs) vs++, ve--;
    if ((size_t)(ke - ks) >= sizeof key || (size_t)(ve - vs) >= sizeof val)
      return msg_or_oom(sqlite3_mprintf("knn_index: option too long: '%s'", a));
    memcpy(key, ks, (size_t)(ke - ks));
    key[ke - ks] = 0;
    memcpy(val, vs, (size_t)(ve - vs));
    val[ve - vs] = 0;
    int k = choice(keys, key);
    if (k < 0)
      return msg_or_oom(
          sqlite3_mprintf("knn_index: unknown option \"%s\" (valid options: dim, metric, index, m, "
                          "ef_construction, ef_search)",
                          key));
    if (seen[k]) return msg_or_oom(sqlite3_mprintf("knn_index: option %s is given twice", keys[k]));
    seen[k] = 1;
    char *err = NULL;
    switch (k) {
      case 0: err = int_option(key, val, 1, 65536, &o->dim); break;
      case 1:
        o->metric = choice(metric_names, val);
        if (o->metric < 0)
          err =
              msg_or_oom(sqlite3_mprintf("knn_index: option metric must be ip, cosine or l2, got '%s'", val));
        break;
      case 2:
        o->index = choice(index_names, val);
        if (o->index < 0)
          err = msg_or_oom(sqlite3_mprintf("knn_index: option index must be flat or hnsw, got '%s'", val));
        break;
      case 3: err = int_option(key, val, 2, 100, &o->m), o->set_m = 1; break;
      case 4: err = int_option(key, val, 4, 1000, &o->ef_construction), o->set_efc = 1; break;
      default: err = int_option(key, val, 1, KNN_EF_MAX, &o->ef_search), o->set_efs = 1; break;
    }
    if (err) return err;
  }
  if (!seen[0])
    return msg_or_oom(sqlite3_mprintf("knn_index: option dim is required, e.g. knn_index(dim=64)"));
  if (o->index == IDX_FLAT && (o->set_m || o->set_efc || o->set_efs))
    return msg_or_oom(
        sqlite3_mprintf("knn_index: option %s applies to index=hnsw only", o->set_m     ? "m"
                                                                           : o->set_efc ? "ef_construction"
                                                                                        : "ef_search"));
  if (o->ef_construction < 2 * o->m)
    return msg_or_oom(sqlite3_mprintf("knn_index: ef_construction must be at least 2*m = %d, got %d",
                                      2 * o->m, o->ef_construction));
  return NULL;
}

/* ---- shadow tables ---------------------------------------------------------------- */

static int vt_error(knn_vtab *vt, int rc, char *msg) {
  sqlite3_free(vt->base.zErrMsg);
  vt->base.zErrMsg = msg;
  return msg || rc != SQLITE_ERROR ? rc : SQLITE_NOMEM;
}

static int exec_fmt(sqlite3 *db, char **err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *sql = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  if (!sql) return SQLITE_NOMEM;
  char *e = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &e);
  sqlite3_free(sql);
  if (rc && err) *err = sqlite3_mprintf("knn_index: %s", e ? e : sqlite3_errstr(rc));
  sqlite3_free(e);
  return rc;
}

/* Prepares *st once (a statement on a shadow table); table names come from vt. */
static int prep(knn_vtab *vt, sqlite3_stmt **st, const char *fmt) {
  if (*st) {
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    return SQLITE_OK;
  }
  char *sql = sqlite3_mprintf(fmt, vt->schema, vt->name);
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v3(vt->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  sqlite3_free(sql);
  if (rc) vt_error(vt, rc, sqlite3_mprintf("knn_index: %s", sqlite3_errmsg(vt->db)));
  return rc;
}

static void finalize_all(knn_vtab *vt) {
  sqlite3_stmt **all[] = {&vt->st_get,       &vt->st_ins,       &vt->st_del_vec,
                          &vt->st_del_graph, &vt->st_put_graph, &vt->st_put_info};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    sqlite3_finalize(*all[i]);
    *all[i] = NULL;
  }
}

static void drop_cache(knn_vtab *vt) {
  hnsw_free(vt->h);
  vt->h = NULL;
}

static unsigned data_version(knn_vtab *vt) {
  unsigned v = 0;
  if (sqlite3_file_control(vt->db, vt->schema, SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK) v = 0;
  return v;
}

static int put_info(knn_vtab *vt, const char *key, sqlite3_int64 v, int is_null) {
  int rc =
      prep(vt, &vt->st_put_info, "INSERT OR REPLACE INTO \"%w\".\"%w_info\"(key, value) VALUES (?1, ?2)");
  if (rc) return rc;
  sqlite3_bind_text(vt->st_put_info, 1, key, -1, SQLITE_STATIC);
  if (!is_null) sqlite3_bind_int64(vt->st_put_info, 2, v);
  rc = sqlite3_step(vt->st_put_info);
  sqlite3_reset(vt->st_put_info);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The table's change counter: x_info 'generation', bumped by every committed
** transaction that wrote to the table (0 when absent). */
static int read_generation(knn_vtab *vt, sqlite3_int64 *gen) {
  sqlite3_stmt *st = NULL;
  char *sql =
      sqlite3_mprintf("SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'generation'", vt->schema, vt->name);
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(vt->db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  *gen = 0;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *gen = sqlite3_column_int64(st, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  if (rc && rc != SQLITE_NOMEM)
    vt_error(vt, rc, sqlite3_mprintf("knn_index: reading \"%s_info\": %s", vt->name, sqlite3_errmsg(vt->db)));
  return rc;
}

static char *corrupt(knn_vtab *vt, const char *table, sqlite3_int64 row, const char *what) {
  return sqlite3_mprintf("knn_index: corrupt shadow table \"%s_%s\": row %lld: %s", vt->name, table, row,
                         what);
}

/* Loads the index from the shadow tables unless the cache is current. */
static int load(knn_vtab *vt) {
  if (vt->broken) return vt_error(vt, SQLITE_CORRUPT_VTAB, sqlite3_mprintf("%s", vt->broken));
  unsigned dv = data_version(vt);
  if (vt->h && dv == vt->data_version) return SQLITE_OK;
  sqlite3_int64 gen;
  int rc = read_generation(vt, &gen);
  if (rc) return rc;
  if (vt->h && gen == vt->generation) {
    /* the file changed, but not this table */
    vt->data_version = dv;
    return SQLITE_OK;
  }
  drop_cache(vt);
  hnsw *h = hnsw_new((size_t)vt->dim, vt->metric, vt->index == IDX_HNSW, (uint32_t)vt->m,
                     (uint32_t)vt->ef_construction, KNN_SEED);
  if (!h) return SQLITE_NOMEM;
  sqlite3_stmt *st = NULL;
  char *err = NULL, *sql = NULL;
  uint8_t *seen = NULL;
  int64_t *words = NULL;
  vt->max_rowid = 0;

  sql = sqlite3_mprintf("SELECT rowid, vec FROM \"%w\".\"%w_vectors\"", vt->schema, vt->name);
  if (!sql) goto nomem;
  rc = sqlite3_prepare_v2(vt->db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  if (rc) goto sqlerr;
  const int bytes = vt->dim * 4;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 row = sqlite3_column_int64(st, 0);
    const void *b = sqlite3_column_blob(st, 1);
    int nb = sqlite3_column_bytes(st, 1);
    if (sqlite3_column_type(st, 1) != SQLITE_BLOB || nb != bytes) {
      char what[96];
      if (sqlite3_column_type(st, 1) != SQLITE_BLOB)
        sqlite3_snprintf(sizeof what, what, "expected a BLOB of %d bytes, got %s", bytes,
                         value_type_name(sqlite3_column_type(st, 1)));
      else
        sqlite3_snprintf(sizeof what, what, "expected a BLOB of %d bytes, got %d bytes", bytes, nb);
      err = corrupt(vt, "vectors", row, what);
      rc = SQLITE_CORRUPT_VTAB;
      goto fail;
    }
    float *v = malloc((size_t)bytes);
    if (!v) goto nomem;
    memcpy(v, b, (size_t)bytes);
    size_t first;
    if (vec_count_nonfinite(v, (size_t)vt->dim, &first)) {
      free(v);
      err = corrupt(vt, "vectors", row, "non-finite value");
      rc = SQLITE_CORRUPT_VTAB;
      goto fail;
    }
    int r = hnsw_load_vector(h, row, v);
    free(v);
    if (r) goto nomem;
    if (row > vt->max_rowid) vt->max_rowid = row;
  }
  if (rc != SQLITE_DONE) goto sqlerr;
  sqlite3_finalize(st);
  st = NULL;

  if (vt->index == IDX_HNSW) {
    seen = calloc(h->n ? h->n : 1, 1);
    size_t maxw = (HNSW_MAX_LEVEL + 1) * (size_t)(2 * vt->m + 1);
    words = malloc(maxw * sizeof *words);
    if (!seen || !words) goto nomem;
    sql = sqlite3_mprintf("SELECT rowid, level, neighbors FROM \"%w\".\"%w_graph\"", vt->schema, vt->name);
    if (!sql) goto nomem;
    rc = sqlite3_prepare_v2(vt->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc) goto sqlerr;
    size_t nodes = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      sqlite3_int64 row = sqlite3_column_int64(st, 0);
      int64_t s = hnsw_find(h, row);
      sqlite3_int64 level = sqlite3_column_int64(st, 1);
      const void *b = sqlite3_column_blob(st, 2);
      size_t nb = (size_t)sqlite3_column_bytes(st, 2);
      const char *what = NULL;
      if (s < 0)
        what = "a graph node without a vector in x_vectors";
      else if (seen[s])
        what = "a repeated node";
      else if (sqlite3_column_type(st, 1) != SQLITE_INTEGER || level < 0 || level > HNSW_MAX_LEVEL)
        what = "bad level";
      else if (sqlite3_column_type(st, 2) != SQLITE_BLOB || nb % 8 || nb / 8 > maxw)
        what = "bad neighbors BLOB length";
      if (!what) {
        memcpy(words, b, nb);
        int r = hnsw_node_decode(h, (uint32_t)s, (int)level, words, nb / 8);
        if (r == HNSW_NOMEM) goto nomem;
        if (r) what = "bad neighbor list (a count out of range, an unknown rowid or a wrong length)";
      }
      if (what) {
        err = corrupt(vt, "graph", row, what);
        rc = SQLITE_CORRUPT_VTAB;
        goto fail;
      }
      seen[s] = 1;
      nodes++;
    }
    if (rc != SQLITE_DONE) goto sqlerr;
    sqlite3_finalize(st);
    st = NULL;
    if (nodes == h->n && hnsw_validate(h)) {
      err = sqlite3_mprintf(
          "knn_index: corrupt shadow table \"%s_graph\": a link at level l to a node below l", vt->name);
      rc = SQLITE_CORRUPT_VTAB;
      goto fail;
    }
    if (nodes != h->n) {
      uint32_t s = 0;
      while (s < h->n && seen[s]) s++;
      err = corrupt(vt, "vectors", h->key[s], "no node in the graph table");
      rc = SQLITE_CORRUPT_VTAB;
      goto fail;
    }
    sql = sqlite3_mprintf(
        "SELECT (SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'entry_point'),"
        "       (SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'max_level')",
        vt->schema, vt->name, vt->schema, vt->name);
    if (!sql) goto nomem;
    rc = sqlite3_prepare_v2(vt->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc) goto sqlerr;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) goto sqlerr;
    if (hnsw_set_entry(h, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1))) {
      err = sqlite3_mprintf("knn_index: corrupt shadow table \"%s_info\": bad entry_point or max_level",
                            vt->name);
      rc = SQLITE_CORRUPT_VTAB;
      goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
  }
  free(seen);
  free(words);
  hnsw_dirty_clear(h);
  vt->h = h;
  vt->data_version = dv;
  vt->generation = gen;
  return SQLITE_OK;

nomem:
  rc = SQLITE_NOMEM;
  goto fail;
sqlerr:
  if (rc != SQLITE_NOMEM) {
    err = sqlite3_mprintf("knn_index: reading \"%s\" shadow tables: %s", vt->name, sqlite3_errmsg(vt->db));
    rc = SQLITE_ERROR;
  }
fail:
  sqlite3_finalize(st);
  free(seen);
  free(words);
  hnsw_free(h);
  if (err || rc != SQLITE_NOMEM) vt_error(vt, rc, err);
  return rc;
}

/* Writes the graph nodes changed since the last flush and the entry point. */
static int flush(knn_vtab *vt) {
  if (!vt->h) return SQLITE_OK;
  hnsw *h = vt->h;
  if (hnsw_purge(h)) {
    drop_cache(vt);
    return SQLITE_NOMEM;
  }
  size_t nd;
  const uint32_t *dl = hnsw_dirty(h, &nd);
  if (!nd) return SQLITE_OK;
  int rc = SQLITE_OK;
  if (vt->index == IDX_HNSW) {
    size_t maxw = (HNSW_MAX_LEVEL + 1) * (size_t)(2 * vt->m + 1);
    int64_t *w = malloc(maxw * sizeof *w);
    if (!w) return SQLITE_NOMEM;
    rc = prep(vt, &vt->st_put_graph,
              "INSERT OR REPLACE INTO \"%w\".\"%w_graph\"(rowid, level, neighbors) VALUES (?1, ?2, ?3)");
    for (size_t i = 0; i < nd && rc == SQLITE_OK; i++) {
      uint32_t s = dl[i];
      if (h->deleted[s]) continue;
      size_t nw = hnsw_node_encode(h, s, w);
      sqlite3_bind_int64(vt->st_put_graph, 1, h->key[s]);
      sqlite3_bind_int(vt->st_put_graph, 2, h->level[s]);
      sqlite3_bind_blob(vt->st_put_graph, 3, w, (int)(nw * 8), SQLITE_STATIC);
      rc = sqlite3_step(vt->st_put_graph);
      sqlite3_reset(vt->st_put_graph);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    free(w);
    if (rc == SQLITE_OK) rc = put_info(vt, "entry_point", h->entry >= 0 ? h->key[h->entry] : 0, h->entry < 0);
    if (rc == SQLITE_OK) rc = put_info(vt, "max_level", h->max_level, 0);
  }
  if (rc == SQLITE_OK)
    hnsw_dirty_clear(h);
  else
    vt_error(vt, rc, sqlite3_mprintf("knn_index: writing the graph: %s", sqlite3_errmsg(vt->db)));
  return rc;
}

/* ---- create, connect, destroy ------------------------------------------------------- */

static void vt_free(knn_vtab *vt) {
  if (!vt) return;
  finalize_all(vt);
  drop_cache(vt);
  sqlite3_free(vt->schema);
  sqlite3_free(vt->name);
  sqlite3_free(vt->broken);
  sqlite3_free(vt);
}

/* A read_info message; out of memory (no message) sets *nomem, so that an
** allocation failure is not taken for a damaged or a valid x_info. */
static char *info_msg(int *nomem, char *msg) {
  if (!msg) *nomem = 1;
  return msg;
}

/* Reads x_info into o, checking the format version and every value; a
** message when it cannot. *nomem is set when out of memory. */
static char *read_info(sqlite3 *db, const char *schema, const char *name, knn_opts *o, int *nomem) {
  sqlite3_stmt *st = NULL;
  char *sql = sqlite3_mprintf("SELECT key, value FROM \"%w\".\"%w_info\"", schema, name);
  if (!sql) {
    *nomem = 1;
    return NULL;
  }
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  if ((rc & 0xff) == SQLITE_NOMEM) {
    *nomem = 1;
    return NULL;
  }
  if (rc)
    return info_msg(nomem,
                    sqlite3_mprintf("knn_index: cannot read \"%s_info\": %s", name, sqlite3_errmsg(db)));
  int version = -1;
  knn_opts r = *o;
  r.dim = r.metric = r.index = -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    const char *t = (const char *)sqlite3_column_text(st, 1);
    sqlite3_int64 v = sqlite3_column_int64(st, 1);
    if (!k) continue;
    if (!strcmp(k, "format_version"))
      version = (int)v;
    else if (!strcmp(k, "dim"))
      r.dim = v >= 1 && v <= 65536 ? (int)v : -1;
    else if (!strcmp(k, "metric"))
      r.metric = t ? choice(metric_names, t) : -1;
    else if (!strcmp(k, "index"))
      r.index = t ? choice(index_names, t) : -1;
    else if (!strcmp(k, "m"))
      r.m = v >= 2 && v <= 100 ? (int)v : -1;
    else if (!strcmp(k, "ef_construction"))
      r.ef_construction = v >= 4 && v <= 1000 ? (int)v : -1;
    else if (!strcmp(k, "ef_search"))
      r.ef_search = v >= 1 && v <= KNN_EF_MAX ? (int)v : -1;
  }
  rc = sqlite3_finalize(st);
  if ((rc & 0xff) == SQLITE_NOMEM) {
    *nomem = 1;
    return NULL;
  }
  if (rc)
    return info_msg(nomem,
                    sqlite3_mprintf("knn_index: cannot read \"%s_info\": %s", name, sqlite3_errmsg(db)));
  if (version != KNN_FORMAT)
    return info_msg(
        nomem,
        sqlite3_mprintf("knn_index: \"%s_info\": format version %d is not supported (this build reads %d)",
                        name, version, KNN_FORMAT));
  if (r.dim < 0 || r.metric < 0 || r.index < 0 || r.m < 0 || r.ef_construction < 0 || r.ef_search < 0)
    return info_msg(
        nomem,
        sqlite3_mprintf("knn_index: corrupt shadow table \"%s_info\": bad dim, metric, index or parameters",
                        name));
  *o = r;
  return NULL;
}

static int knn_init(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                    char **pzErr, int create) {
  (void)aux;
  knn_opts o;
  char *err = parse_options(argc, argv, &o);
  if (err == knn_oom) return SQLITE_NOMEM;
  if (err) {
    *pzErr = err;
    return SQLITE_ERROR;
  }
  knn_vtab *vt = sqlite3_malloc(sizeof *vt);
  if (!vt) return SQLITE_NOMEM;
  memset(vt, 0, sizeof *vt);
  vt->db = db;
  vt->schema = sqlite3_mprintf("%s", argv[1]);
  vt->name = sqlite3_mprintf("%s", argv[2]);
  if (!vt->schema || !vt->name) {
    vt_free(vt);
    return SQLITE_NOMEM;
  }
  int rc;
  if (create) {
    const char *s = argv[1], *n = argv[2];
    rc =
        exec_fmt(db, pzErr,
                 "CREATE TABLE \"%w\".\"%w_info\"(key TEXT PRIMARY KEY, value);"
                 "CREATE TABLE \"%w\".\"%w_vectors\"(rowid INTEGER PRIMARY KEY, vec BLOB);"
                 "CREATE TABLE \"%w\".\"%w_graph\"(rowid INTEGER PRIMARY KEY, level INTEGER, neighbors BLOB);"
                 "INSERT INTO \"%w\".\"%w_info\"(key, value) VALUES ('format_version', %d), ('dim', %d),"
                 " ('metric', %Q), ('index', %Q), ('m', %d), ('ef_construction', %d), ('ef_search', %d),"
                 " ('entry_point', NULL), ('max_level', -1), ('generation', 0);",
                 s, n, s, n, s, n, s, n, KNN_FORMAT, o.dim, metric_names[o.metric], index_names[o.index], o.m,
                 o.ef_construction, o.ef_search);
    if (rc) {
      vt_free(vt);
      return rc;
    }
  } else {
    /* An unreadable x_info still connects, so that DROP TABLE works; every
    ** query and write then fails with the reason. */
    int nomem = 0;
    vt->broken = read_info(db, argv[1], argv[2], &o, &nomem);
    if (nomem) {
      vt_free(vt);
      return SQLITE_NOMEM;
    }
  }
  vt->dim = o.dim;
  vt->metric = o.metric;
  vt->index = o.index;
  vt->m = o.m;
  vt->ef_construction = o.ef_construction;
  vt->ef_search = o.ef_search;
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
  finalize_all(vt);
  char *err = NULL;
  int rc = exec_fmt(vt->db, &err,
                    "DROP TABLE IF EXISTS \"%w\".\"%w_info\"; DROP TABLE IF EXISTS \"%w\".\"%w_vectors\";"
                    "DROP TABLE IF EXISTS \"%w\".\"%w_graph\";",
                    vt->schema, vt->name, vt->schema, vt->name, vt->schema, vt->name);
  if (rc) return vt_error(vt, rc, err);
  vt_free(vt);
  return SQLITE_OK;
}

static int knn_rename(sqlite3_vtab *base, const char *new_name) {
  knn_vtab *vt = (knn_vtab *)base;
  finalize_all(vt);
  char *err = NULL;
  int rc = exec_fmt(vt->db, &err,
                    "ALTER TABLE \"%w\".\"%w_info\" RENAME TO \"%w_info\";"
                    "ALTER TABLE \"%w\".\"%w_vectors\" RENAME TO \"%w_vectors\";"
                    "ALTER TABLE \"%w\".\"%w_graph\" RENAME TO \"%w_graph\";",
                    vt->schema, vt->name, new_name, vt->schema, vt->name, new_name, vt->schema, vt->name,
                    new_name);
  if (rc) return vt_error(vt, rc, err);
  char *n = sqlite3_mprintf("%s", new_name);
  if (!n) return SQLITE_NOMEM;
  sqlite3_free(vt->name);
  vt->name = n;
  return SQLITE_OK;
}

static int knn_shadow_name(const char *suffix) {
  return !sqlite3_stricmp(suffix, "info") || !sqlite3_stricmp(suffix, "vectors") ||
         !sqlite3_stricmp(suffix, "graph");
}

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
  char *err = NULL;
  rc = exec_fmt(vt->db, &err,
                "INSERT OR REPLACE INTO \"%w\".\"%w_info\"(key, value) VALUES ('generation', "
                "coalesce((SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'generation'), 0) + 1)",
                vt->schema, vt->name, vt->schema, vt->name);
  if (rc) return vt_error(vt, rc, err);
  if (vt->h && (rc = read_generation(vt, &vt->generation)) != SQLITE_OK) return rc;
  vt->changed = 0;
  return SQLITE_OK;
}

static int knn_commit(sqlite3_vtab *base) {
  knn_vtab *vt = (knn_vtab *)base;
  /* our own commit changed the data version: the cache stays current */
  if (vt->h) vt->data_version = data_version(vt);
  vt->changed = 0;
  return SQLITE_OK;
}

static int knn_rollback(sqlite3_vtab *base) {
  knn_vtab *vt = (knn_vtab *)base;
  drop_cache(vt);
  vt->changed = 0;
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
  drop_cache((knn_vtab *)base);
  return SQLITE_OK;
}

/* ---- writes ------------------------------------------------------------------------------ */

/* Removes rowid from the shadow tables and the cache (absent is fine). */
static int remove_row(knn_vtab *vt, sqlite3_int64 rowid) {
  int rc = prep(vt, &vt->st_del_vec, "DELETE FROM \"%w\".\"%w_vectors\" WHERE rowid = ?1");
  if (rc) return rc;
  sqlite3_bind_int64(vt->st_del_vec, 1, rowid);
  rc = sqlite3_step(vt->st_del_vec);
  sqlite3_reset(vt->st_del_vec);
  if (rc != SQLITE_DONE) return rc;
  if (vt->index == IDX_HNSW) {
    rc = prep(vt, &vt->st_del_graph, "DELETE FROM \"%w\".\"%w_graph\" WHERE rowid = ?1");
    if (rc) return rc;
    sqlite3_bind_int64(vt->st_del_graph, 1, rowid);
    rc = sqlite3_step(vt->st_del_graph);
    sqlite3_reset(vt->st_del_graph);
    if (rc != SQLITE_DONE) return rc;
  }
  int r = hnsw_remove(vt->h, rowid);
  if (r == HNSW_NOMEM) {
    drop_cache(vt);
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

static int add_row(knn_vtab *vt, sqlite3_int64 rowid, const float *v) {
  int rc = prep(vt, &vt->st_ins, "INSERT INTO \"%w\".\"%w_vectors\"(rowid, vec) VALUES (?1, ?2)");
  if (rc) return rc;
  sqlite3_bind_int64(vt->st_ins, 1, rowid);
  sqlite3_bind_blob(vt->st_ins, 2, v, vt->dim * 4, SQLITE_STATIC);
  rc = sqlite3_step(vt->st_ins);
  sqlite3_reset(vt->st_ins);
  if (rc != SQLITE_DONE) return rc;
  int r = hnsw_add(vt->h, rowid, v);
  if (r) {
    drop_cache(vt);
    return SQLITE_NOMEM;
  }
  if (rowid > vt->max_rowid) vt->max_rowid = rowid;
  return SQLITE_OK;
}

/* INSERT (argv[0] NULL), UPDATE (argv[0] = old rowid) or DELETE (argc == 1). */
static int knn_update(sqlite3_vtab *base, int argc, sqlite3_value **argv, sqlite3_int64 *out_rowid) {
  knn_vtab *vt = (knn_vtab *)base;
  int rc = load(vt);
  if (rc) return rc;
  vt->changed = 1;
  if (argc == 1) {
    rc = remove_row(vt, sqlite3_value_int64(argv[0]));
    goto done;
  }
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
  sqlite3_int64 rowid;
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    if (vt->max_rowid == INT64_MAX)
      return vt_error(vt, SQLITE_FULL,
                      sqlite3_mprintf("knn_index: no rowid left; give the rowid explicitly"));
    rowid = vt->max_rowid + 1;
  } else if (sqlite3_value_type(argv[1]) == SQLITE_INTEGER) {
    rowid = sqlite3_value_int64(argv[1]);
  } else {
    return vt_error(vt, SQLITE_MISMATCH,
                    sqlite3_mprintf("knn_index: rowid must be an integer, got %s",
                                    value_type_name(sqlite3_value_type(argv[1]))));
  }
  if (sqlite3_value_type(argv[2]) == SQLITE_NULL)
    return vt_error(vt, SQLITE_CONSTRAINT,
                    sqlite3_mprintf("knn_index: embedding must not be NULL (rowid %lld)", rowid));
  vecarg a;
  char *err = NULL;
  rc = vecarg_get(argv[2], "knn_index", "embedding", (size_t)vt->dim, &a, &err);
  if (rc) return vt_error(vt, rc, err);
  float *copy = NULL;
  const float *v = a.v;
  int replacing = !insert && sqlite3_value_int64(argv[0]) == rowid;
  if (!replacing && hnsw_find(vt->h, rowid) >= 0) {
    int mode = sqlite3_vtab_on_conflict(vt->db);
    if (mode == SQLITE_IGNORE) {
      vecarg_free(&a);
      return SQLITE_OK;
    }
    if (mode != SQLITE_REPLACE) {
      vecarg_free(&a);
      return vt_error(vt, SQLITE_CONSTRAINT, sqlite3_mprintf("UNIQUE constraint failed: %s.rowid", vt->name));
    }
    replacing = 1;
  }
  if (!a.owned) {
    /* a.v points into argv[2], which a write may invalidate: copy */
    copy = sqlite3_malloc64((sqlite3_uint64)vt->dim * 4);
    if (!copy) {
      vecarg_free(&a);
      return SQLITE_NOMEM;
    }
    memcpy(copy, a.v, (size_t)vt->dim * 4);
    v = copy;
  }
  if (!insert) rc = remove_row(vt, sqlite3_value_int64(argv[0]));
  if (rc == SQLITE_OK && replacing && (insert || sqlite3_value_int64(argv[0]) != rowid))
    rc = remove_row(vt, rowid);
  if (rc == SQLITE_OK) rc = add_row(vt, rowid, v);
  sqlite3_free(copy);
  vecarg_free(&a);
  if (rc == SQLITE_OK) *out_rowid = rowid;
done:
  if (rc && rc != SQLITE_NOMEM && !vt->base.zErrMsg)
    vt_error(vt, rc, sqlite3_mprintf("knn_index: writing \"%s\": %s", vt->name, sqlite3_errmsg(vt->db)));
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
static int rowid_slots(knn_vtab *vt, sqlite3_value *arg, int is_in, uint32_t **out, size_t *n) {
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
      int64_t s = hnsw_find(vt->h, keys[i]);
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

static int knn_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxStr, int argc, sqlite3_value **argv) {
  (void)idxStr;
  knn_cursor *c = (knn_cursor *)cur;
  knn_vtab *vt = (knn_vtab *)cur->pVtab;
  cursor_reset(c);
  sqlite3_value *arg[4] = {0};
  int a = 0;
  for (int s = 0; s < 4; s++)
    if ((idx & (1 << s)) && a < argc) arg[s] = argv[a++];
  if (!(idx & KNN_MATCH)) {
    if (idx & (KNN_K | KNN_EF))
      return cur_error(cur, SQLITE_ERROR,
                       sqlite3_mprintf("knn_index: %s needs a query vector: add embedding MATCH ?",
                                       idx & KNN_K ? "k" : "ef_search"));
    if (vt->broken) return vt_error(vt, SQLITE_CORRUPT_VTAB, sqlite3_mprintf("%s", vt->broken));
    char *sql = sqlite3_mprintf("SELECT rowid, vec FROM \"%w\".\"%w_vectors\"%s", vt->schema, vt->name,
                                idx & KNN_ROWID ? " WHERE rowid = ?1" : " ORDER BY rowid");
    if (!sql) return SQLITE_NOMEM;
    int rc = sqlite3_prepare_v2(vt->db, sql, -1, &c->scan, NULL);
    sqlite3_free(sql);
    if (rc) return cur_error(cur, rc, sqlite3_mprintf("knn_index: %s", sqlite3_errmsg(vt->db)));
    if (idx & KNN_ROWID) sqlite3_bind_value(c->scan, 1, arg[3]);
    c->eof = 0;
    return knn_next(cur);
  }
  if (!(idx & KNN_K))
    return cur_error(
        cur, SQLITE_ERROR,
        sqlite3_mprintf("knn_index: a MATCH query needs k: add AND k = 10 (the number of rows)"));
  int rc = int_arg(cur, arg[1], "k", 1, INT64_MAX, &c->k);
  if (rc) return rc;
  c->ef = vt->ef_search;
  if ((idx & KNN_EF) && (rc = int_arg(cur, arg[2], "ef_search", 1, KNN_EF_MAX, &c->ef))) return rc;
  c->match = 1;
  if (sqlite3_value_type(arg[0]) == SQLITE_NULL) return SQLITE_OK; /* no query, no rows */
  vecarg q;
  char *err = NULL;
  rc = vecarg_get(arg[0], "knn_index", "MATCH query", (size_t)vt->dim, &q, &err);
  if (rc) return cur_error(cur, rc, err);
  rc = load(vt);
  if (rc) {
    vecarg_free(&q);
    return rc;
  }
  hnsw *h = vt->h;
  uint32_t *slots = NULL;
  size_t nslots = 0;
  if (idx & KNN_ROWID) rc = rowid_slots(vt, arg[3], (idx & KNN_ROWID_IN) != 0, &slots, &nslots);
  size_t limit = (idx & KNN_ROWID) ? nslots : h->n_live;
  size_t k = (size_t)c->k < limit ? (size_t)c->k : limit;
  topk t = {0};
  if (rc == SQLITE_OK && k && topk_init(&t, k)) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && k) {
    int r = (idx & KNN_ROWID) ? hnsw_search_slots(h, q.v, slots, nslots, &t)
                              : hnsw_search(h, q.v, k, (size_t)c->ef, &t);
    if (r) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && k) {
    size_t m = topk_sort(&t);
    c->rowid = sqlite3_malloc64(m * sizeof *c->rowid);
    c->dist = sqlite3_malloc64(m * sizeof *c->dist);
    if (!c->rowid || !c->dist) rc = SQLITE_NOMEM;
    for (size_t i = 0; rc == SQLITE_OK && i < m; i++) {
      c->rowid[i] = h->key[t.id[i]];
      c->dist[i] = hnsw_user_distance(h, -t.score[i]);
    }
    if (rc == SQLITE_OK) c->n = m;
  }
  topk_free(&t);
  sqlite3_free(slots);
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
  return cur_error(cur, rc, sqlite3_mprintf("knn_index: %s", sqlite3_errmsg(((knn_vtab *)cur->pVtab)->db)));
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
  if (!c->match) {
    if (col == KNN_COL_EMBEDDING) sqlite3_result_value(ctx, sqlite3_column_value(c->scan, 1));
    return SQLITE_OK;
  }
  switch (col) {
    case KNN_COL_EMBEDDING: {
      int rc = prep(vt, &vt->st_get, "SELECT vec FROM \"%w\".\"%w_vectors\" WHERE rowid = ?1");
      if (rc) return rc;
      sqlite3_bind_int64(vt->st_get, 1, c->rowid[c->pos]);
      rc = sqlite3_step(vt->st_get);
      if (rc == SQLITE_ROW) sqlite3_result_value(ctx, sqlite3_column_value(vt->st_get, 0));
      sqlite3_reset(vt->st_get);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
      break;
    }
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
