/*
** knn_store: knn_index's shadow tables. See knn_store.h for the format.
**
** Statements on the shadow tables are prepared once per table (persistent)
** and reset after each use. Loading reads x_vectors, then x_graph, then the
** entry point, checking everything a search will rely on, so that a damaged
** table gives a "corrupt shadow table" message and never a crash.
*/
#include "knn_store.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../src/knn_flat.h"
#include "../src/quant.h"
#include "../src/vec.h"

#define KNN_SEED 0x6b6e6eull /* levels of keys: fixed, so a rebuilt graph is the same */

const char *const knn_metric_names[] = {"ip", "cosine", "l2", NULL};
const char *const knn_index_names[] = {"flat", "hnsw", NULL};
const char *const knn_quant_names[] = {"none", "int8", NULL};

int knn_choice(const char *const *names, const char *s) {
  for (int k = 0; names[k]; k++)
    if (sqlite3_stricmp(names[k], s) == 0) return k;
  return -1;
}

int knn_store_error(knn_store *s, int rc, char *msg) {
  sqlite3_free(s->vtab->zErrMsg);
  s->vtab->zErrMsg = msg;
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

/* Prepares *st once (a statement on a shadow table); table names come from s. */
static int prep(knn_store *s, sqlite3_stmt **st, const char *fmt) {
  if (*st) {
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    return SQLITE_OK;
  }
  char *sql = sqlite3_mprintf(fmt, s->schema, s->name);
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  sqlite3_free(sql);
  if (rc) knn_store_error(s, rc, sqlite3_mprintf("knn_index: %s", sqlite3_errmsg(s->db)));
  return rc;
}

/* Runs a prepared statement to its end and resets it. */
static int step_done(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void knn_store_finalize(knn_store *s) {
  sqlite3_stmt **all[] = {&s->st_get,       &s->st_ins,      &s->st_del_vec, &s->st_del_graph,
                          &s->st_put_graph, &s->st_put_info, &s->st_log};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    sqlite3_finalize(*all[i]);
    *all[i] = NULL;
  }
}

unsigned knn_store_data_version(knn_store *s) {
  unsigned v = 0;
  if (sqlite3_file_control(s->db, s->schema, SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK) v = 0;
  return v;
}

static int put_info(knn_store *s, const char *key, sqlite3_int64 v, int is_null) {
  int rc = prep(s, &s->st_put_info, "INSERT OR REPLACE INTO \"%w\".\"%w_info\"(key, value) VALUES (?1, ?2)");
  if (rc) return rc;
  sqlite3_bind_text(s->st_put_info, 1, key, -1, SQLITE_STATIC);
  if (!is_null) sqlite3_bind_int64(s->st_put_info, 2, v);
  return step_done(s->st_put_info);
}

/* ---- x_info ------------------------------------------------------------------------ */

int knn_store_create(sqlite3 *db, const char *schema, const char *name, knn_meta *m, char **err) {
  const char *s = schema, *n = name;
  do sqlite3_randomness(sizeof m->uid, &m->uid);
  while (m->uid == 0);
  int rc =
      exec_fmt(db, err,
               "CREATE TABLE \"%w\".\"%w_info\"(key TEXT PRIMARY KEY, value);"
               "CREATE TABLE \"%w\".\"%w_vectors\"(rowid INTEGER PRIMARY KEY, vec BLOB);"
               "CREATE TABLE \"%w\".\"%w_graph\"(rowid INTEGER PRIMARY KEY, level INTEGER, neighbors BLOB);"
               "INSERT INTO \"%w\".\"%w_info\"(key, value) VALUES ('format_version', %d), ('dim', %d),"
               " ('metric', %Q), ('index', %Q), ('m', %d), ('ef_construction', %d), ('ef_search', %d),"
               " ('entry_point', NULL), ('max_level', -1), ('generation', 0);",
               s, n, s, n, s, n, s, n, KNN_FORMAT, m->dim, knn_metric_names[m->metric],
               knn_index_names[m->index], m->m, m->ef_construction, m->ef_search);
  if (rc) return rc;
  return exec_fmt(db, err,
                  "INSERT INTO \"%w\".\"%w_info\"(key, value) VALUES ('quantize', %Q), ('rerank', %d),"
                  " ('verbose', %d), ('uid', %lld), ('log_from', 0), ('log_rows', 0);"
                  "CREATE TABLE \"%w\".\"%w_changes\"(generation INTEGER, rowid INTEGER, op INTEGER,"
                  " PRIMARY KEY(generation, rowid)) WITHOUT ROWID;",
                  s, n, knn_quant_names[m->quant], m->rerank, m->verbose, m->uid, s, n);
}

/* A read_info message; out of memory (no message) sets *nomem, so that an
** allocation failure is not taken for a damaged or a valid x_info. */
static char *info_msg(int *nomem, char *msg) {
  if (!msg) *nomem = 1;
  return msg;
}

/* One x_info row into r (values out of range become -1). */
static void info_row(knn_meta *r, const char *k, const char *t, sqlite3_int64 v) {
  struct {
    const char *key;
    int *at;
    sqlite3_int64 lo, hi;
  } ints[] = {{"format_version", &r->format, 0, 1000},
              {"dim", &r->dim, 1, 65536},
              {"m", &r->m, 2, 100},
              {"ef_construction", &r->ef_construction, 4, 1000},
              {"ef_search", &r->ef_search, 1, KNN_EF_MAX},
              {"rerank", &r->rerank, 0, KNN_RERANK_MAX},
              {"verbose", &r->verbose, 0, 1}};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
    if (!strcmp(k, ints[i].key)) {
      *ints[i].at = v >= ints[i].lo && v <= ints[i].hi ? (int)v : -1;
      return;
    }
  if (!strcmp(k, "uid")) r->uid = v;
  if (!strcmp(k, "metric")) r->metric = t ? knn_choice(knn_metric_names, t) : -1;
  if (!strcmp(k, "index")) r->index = t ? knn_choice(knn_index_names, t) : -1;
  if (!strcmp(k, "quantize")) r->quant = t ? knn_choice(knn_quant_names, t) : -1;
}

/* Checks what was read: the version, then every value. */
static char *info_check(const char *name, knn_meta *r, int *nomem) {
  if (r->format < 1 || r->format > KNN_FORMAT)
    return info_msg(nomem, sqlite3_mprintf("knn_index: \"%s_info\": format version %d is not supported "
                                           "(this build reads 1 to %d)",
                                           name, r->format, KNN_FORMAT));
  if (r->format < 3) r->uid = 0;
  if (r->format == 1) {
    /* version 1 has neither quantize nor rerank nor verbose */
    r->quant = KNN_Q_NONE;
    r->rerank = r->verbose = 0;
  }
  if (r->dim < 0 || r->metric < 0 || r->index < 0 || r->m < 0 || r->ef_construction < 0 || r->ef_search < 0 ||
      r->quant < 0 || r->rerank < 0 || r->verbose < 0 || (r->rerank && r->quant != KNN_Q_INT8))
    return info_msg(nomem, sqlite3_mprintf("knn_index: corrupt shadow table \"%s_info\": bad dim, metric, "
                                           "index, quantize or parameters",
                                           name));
  return NULL;
}

char *knn_store_read_info(sqlite3 *db, const char *schema, const char *name, knn_meta *m, int *nomem) {
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
  knn_meta r = *m;
  r.format = r.dim = r.metric = r.index = r.quant = r.rerank = r.verbose = -1;
  r.uid = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    if (k) info_row(&r, k, (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 1));
  }
  rc = sqlite3_finalize(st);
  if ((rc & 0xff) == SQLITE_NOMEM) {
    *nomem = 1;
    return NULL;
  }
  if (rc)
    return info_msg(nomem,
                    sqlite3_mprintf("knn_index: cannot read \"%s_info\": %s", name, sqlite3_errmsg(db)));
  char *err = info_check(name, &r, nomem);
  if (!err && !*nomem) *m = r;
  return err;
}

int knn_store_generation(knn_store *s, sqlite3_int64 *gen) {
  sqlite3_stmt *st = NULL;
  char *sql =
      sqlite3_mprintf("SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'generation'", s->schema, s->name);
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  *gen = 0;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *gen = sqlite3_column_int64(st, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  if (rc && rc != SQLITE_NOMEM)
    knn_store_error(s, rc,
                    sqlite3_mprintf("knn_index: reading \"%s_info\": %s", s->name, sqlite3_errmsg(s->db)));
  return rc;
}

int knn_store_bump_generation(knn_store *s) {
  char *err = NULL;
  int rc = exec_fmt(s->db, &err,
                    "INSERT OR REPLACE INTO \"%w\".\"%w_info\"(key, value) VALUES ('generation', "
                    "coalesce((SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'generation'), 0) + 1)",
                    s->schema, s->name, s->schema, s->name);
  return rc ? knn_store_error(s, rc, err) : SQLITE_OK;
}

/* ---- loading ----------------------------------------------------------------------------- */

hnsw *knn_store_new_index(const knn_meta *m) {
  hnsw *h = hnsw_new((size_t)m->dim, m->metric, m->index == KNN_IDX_HNSW, (uint32_t)m->m,
                     (uint32_t)m->ef_construction, KNN_SEED);
  if (h && m->quant == KNN_Q_INT8 && hnsw_set_int8(h, m->rerank > 0, (uint32_t)m->rerank, m->format)) {
    hnsw_free(h);
    return NULL;
  }
  return h;
}

static char *corrupt(knn_store *s, const char *table, sqlite3_int64 row, const char *what) {
  return sqlite3_mprintf("knn_index: corrupt shadow table \"%s_%s\": row %lld: %s", s->name, table, row,
                         what);
}

/* Dimensions per (lo, step) of a stored codes value: Q8_BLOCK since format
** 4, the whole vector before; and how many blocks that makes. */
static size_t code_dims(const knn_meta *m) { return m->format >= 4 ? Q8_BLOCK : (size_t)m->dim; }
static int code_blocks(const knn_meta *m) { return (int)q8_nblocks((size_t)m->dim, code_dims(m)); }

/* Bytes of a stored vec value: floats, or codes (format 2: signed codes
** and a scale; since 3: unsigned codes, then lo and step per block). */
static int vec_bytes(const knn_meta *m) {
  return !knn_meta_codes(m) ? m->dim * 4 : m->format == 2 ? m->dim + 4 : m->dim + 8 * code_blocks(m);
}

/* The codes of a stored codes value b into u, lo[] and step[] (format 2's
** symmetric codes c as c + 128, lo = -128 * scale, step = scale). */
static void codes_of(const knn_meta *m, const unsigned char *b, uint8_t *u, float *lo, float *step) {
  if (m->format == 2) {
    for (int i = 0; i < m->dim; i++) u[i] = (uint8_t)((int8_t)b[i] + 128);
    memcpy(step, b + m->dim, 4);
    *lo = -128.0f * *step;
    return;
  }
  memcpy(u, b, (size_t)m->dim);
  for (int k = 0; k < code_blocks(m); k++) {
    memcpy(lo + k, b + m->dim + 8 * k, 4);
    memcpy(step + k, b + m->dim + 8 * k + 4, 4);
  }
}

/* The stored codes value of u, lo[] and step[] into b (vec_bytes). */
static void codes_put(const knn_meta *m, const uint8_t *u, const float *lo, const float *step, uint8_t *b) {
  if (m->format == 2) {
    for (int i = 0; i < m->dim; i++) b[i] = (uint8_t)(int8_t)(u[i] - 128);
    memcpy(b + m->dim, step, 4);
    return;
  }
  memcpy(b, u, (size_t)m->dim);
  for (int k = 0; k < code_blocks(m); k++) {
    memcpy(b + m->dim + 8 * k, lo + k, 4);
    memcpy(b + m->dim + 8 * k + 4, step + k, 4);
  }
}

/* The codes of a row and their offsets and steps (code_blocks each). */
typedef struct code_buf code_buf;
struct code_buf {
  float *f;   /* dim floats */
  uint8_t *u; /* dim codes */
  float *lo, *step;
};

static int code_buf_init(code_buf *c, const knn_meta *m) {
  size_t nb = (size_t)code_blocks(m);
  c->f = malloc((size_t)m->dim * 4);
  c->u = malloc((size_t)m->dim);
  c->lo = malloc(2 * nb * sizeof(float));
  c->step = c->lo ? c->lo + nb : NULL;
  return c->f && c->u && c->lo ? SQLITE_OK : SQLITE_NOMEM;
}

static void code_buf_free(code_buf *c) {
  free(c->f);
  free(c->u);
  free(c->lo);
}

/* Why a stored vec value is not what the table holds, or NULL; its codes or
** floats are then in c. */
static const char *check_vec(knn_store *s, sqlite3_stmt *st, code_buf *c, char *what, int nwhat) {
  const int dim = s->meta.dim, codes = knn_meta_codes(&s->meta);
  const int bytes = vec_bytes(&s->meta);
  int type = sqlite3_column_type(st, 1), nb = sqlite3_column_bytes(st, 1);
  const unsigned char *b = sqlite3_column_blob(st, 1);
  if (type != SQLITE_BLOB) {
    sqlite3_snprintf(nwhat, what, "expected a BLOB of %d bytes, got %s", bytes, value_type_name(type));
    return what;
  }
  if (nb != bytes) {
    sqlite3_snprintf(nwhat, what, "expected a BLOB of %d bytes, got %d bytes", bytes, nb);
    return what;
  }
  if (codes) {
    codes_of(&s->meta, b, c->u, c->lo, c->step);
    for (int k = 0; k < code_blocks(&s->meta); k++)
      if (!isfinite(c->lo[k]) || !isfinite(c->step[k]) || c->step[k] < 0 ||
          !isfinite(c->lo[k] + 255.0f * c->step[k]))
        return "bad scale or offset (not finite, or a negative step)";
    return NULL;
  }
  memcpy(c->f, b, (size_t)bytes);
  return vec_count_nonfinite(c->f, (size_t)dim, NULL) ? "non-finite value" : NULL;
}

static int load_vectors(knn_store *s, hnsw *h, int64_t *max_rowid, char **err) {
  sqlite3_stmt *st = NULL;
  char *sql = sqlite3_mprintf("SELECT rowid, vec FROM \"%w\".\"%w_vectors\"", s->schema, s->name);
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  code_buf c;
  if (code_buf_init(&c, &s->meta)) rc = SQLITE_NOMEM;
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 row = sqlite3_column_int64(st, 0);
    char what[96];
    const char *bad = check_vec(s, st, &c, what, (int)sizeof what);
    if (bad) {
      *err = corrupt(s, "vectors", row, bad);
      rc = SQLITE_CORRUPT_VTAB;
      break;
    }
    int r =
        knn_meta_codes(&s->meta) ? hnsw_load_int8(h, row, c.u, c.lo, c.step) : hnsw_load_vector(h, row, c.f);
    if (r) {
      rc = SQLITE_NOMEM;
      break;
    }
    if (row > *max_rowid) *max_rowid = row;
    rc = SQLITE_OK;
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  code_buf_free(&c);
  sqlite3_finalize(st);
  return rc;
}

/* ---- compact neighbour lists (int8 tables) ---- */

/* 1 when x_graph holds varint lists (quantize=int8 tables of version 2). */
static int packed_graph(const knn_store *s) { return s->meta.format >= 2 && s->meta.quant == KNN_Q_INT8; }

static size_t put_uvarint(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

/* Reads a varint at b[*p, nb); -1 when truncated or longer than 64 bits. */
static int get_uvarint(const uint8_t *b, size_t nb, size_t *p, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= nb) return -1;
    uint8_t c = b[(*p)++];
    if (shift == 63 && c > 1) return -1;
    x |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return -1;
}

/* Packs hnsw_node_encode's words (for levels 0..level): per level a varint
** count, then each neighbour as the zigzag varint of its difference from the
** previous rowid (the node's own rowid first). Returns the bytes written
** (at most 10 per word). */
static size_t graph_pack(const int64_t *w, size_t nw, int level, int64_t self, uint8_t *out) {
  size_t p = 0, o = 0;
  uint64_t prev = (uint64_t)self;
  for (int l = 0; l <= level && p < nw; l++) {
    uint64_t c = (uint64_t)w[p++];
    o += put_uvarint(out + o, c);
    for (uint64_t j = 0; j < c && p < nw; j++) {
      uint64_t d = (uint64_t)w[p] - prev;
      prev = (uint64_t)w[p++];
      o += put_uvarint(out + o, (d << 1) ^ (0 - (d >> 63)));
    }
  }
  return o;
}

/* The inverse of graph_pack into w (at most maxw words); -1 when b does not
** parse (hnsw_node_decode then checks the counts and the rowids). */
static int graph_unpack(const uint8_t *b, size_t nb, int level, int64_t self, int64_t *w, size_t maxw,
                        size_t *nw) {
  size_t p = 0, o = 0;
  uint64_t prev = (uint64_t)self, v;
  for (int l = 0; l <= level; l++) {
    if (o >= maxw || get_uvarint(b, nb, &p, &v) || v > maxw - o - 1) return -1;
    w[o++] = (int64_t)v;
    for (uint64_t j = 0, c = v; j < c; j++) {
      if (get_uvarint(b, nb, &p, &v)) return -1;
      prev += (v >> 1) ^ (0 - (v & 1));
      w[o++] = (int64_t)prev;
    }
  }
  *nw = o;
  return p == nb ? 0 : -1;
}

/* One x_graph row into h: the rowid in column 0, level and neighbors in
** columns col and col + 1; a message in *what when it does not fit. seen
** (NULL: not checked) marks the slots read. */
static int load_node(hnsw *h, sqlite3_stmt *st, int col, uint8_t *seen, int64_t *words, size_t maxw,
                     int packed, const char **what) {
  sqlite3_int64 row = sqlite3_column_int64(st, 0);
  int64_t slot = hnsw_find(h, row);
  sqlite3_int64 level = sqlite3_column_int64(st, col);
  size_t nb = (size_t)sqlite3_column_bytes(st, col + 1);
  if (slot < 0)
    *what = "a graph node without a vector in x_vectors";
  else if (seen && seen[slot])
    *what = "a repeated node";
  else if (sqlite3_column_type(st, col) != SQLITE_INTEGER || level < 0 || level > HNSW_MAX_LEVEL)
    *what = "bad level";
  else if (sqlite3_column_type(st, col + 1) != SQLITE_BLOB || (!packed && (nb % 8 || nb / 8 > maxw)))
    *what = "bad neighbors BLOB length";
  if (*what) return SQLITE_CORRUPT_VTAB;
  size_t nw = nb / 8;
  if (packed && graph_unpack(sqlite3_column_blob(st, col + 1), nb, (int)level, row, words, maxw, &nw)) {
    *what = "bad neighbor list (a count out of range, an unknown rowid or a wrong length)";
    return SQLITE_CORRUPT_VTAB;
  }
  if (!packed && nb) memcpy(words, sqlite3_column_blob(st, col + 1), nb);
  int r = hnsw_node_decode(h, (uint32_t)slot, (int)level, words, nw);
  if (r == HNSW_NOMEM) return SQLITE_NOMEM;
  if (r) {
    *what = "bad neighbor list (a count out of range, an unknown rowid or a wrong length)";
    return SQLITE_CORRUPT_VTAB;
  }
  if (seen) seen[slot] = 1;
  return SQLITE_OK;
}

static int load_graph(knn_store *s, hnsw *h, char **err) {
  uint32_t n = hnsw_slots(h);
  size_t maxw = (HNSW_MAX_LEVEL + 1) * (size_t)(2 * s->meta.m + 1), nodes = 0;
  uint8_t *seen = calloc(n ? n : 1, 1);
  int64_t *words = malloc(maxw * sizeof *words);
  sqlite3_stmt *st = NULL;
  char *sql = sqlite3_mprintf("SELECT rowid, level, neighbors FROM \"%w\".\"%w_graph\"", s->schema, s->name);
  int rc = !seen || !words || !sql ? SQLITE_NOMEM : sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *what = NULL;
    rc = load_node(h, st, 1, seen, words, maxw, packed_graph(s), &what);
    if (what) *err = corrupt(s, "graph", sqlite3_column_int64(st, 0), what);
    nodes++;
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (rc == SQLITE_OK && nodes == n && hnsw_validate(h)) {
    *err = sqlite3_mprintf(
        "knn_index: corrupt shadow table \"%s_graph\": a link at level l to a node below l", s->name);
    rc = SQLITE_CORRUPT_VTAB;
  }
  if (rc == SQLITE_OK && nodes != n) {
    uint32_t i = 0;
    while (i < n && seen[i]) i++;
    *err = corrupt(s, "vectors", hnsw_key(h, i), "no node in the graph table");
    rc = SQLITE_CORRUPT_VTAB;
  }
  sqlite3_finalize(st);
  free(seen);
  free(words);
  return rc;
}

static int load_entry(knn_store *s, hnsw *h, char **err) {
  sqlite3_stmt *st = NULL;
  char *sql = sqlite3_mprintf(
      "SELECT (SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'entry_point'),"
      "       (SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'max_level')",
      s->schema, s->name, s->schema, s->name);
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    if (hnsw_set_entry(h, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1))) {
      *err = sqlite3_mprintf("knn_index: corrupt shadow table \"%s_info\": bad entry_point or max_level",
                             s->name);
      rc = SQLITE_CORRUPT_VTAB;
    }
  }
  sqlite3_finalize(st);
  return rc;
}

int knn_store_load(knn_store *s, hnsw **out, int64_t *max_rowid) {
  hnsw *h = knn_store_new_index(&s->meta);
  if (!h) return SQLITE_NOMEM;
  char *err = NULL;
  *max_rowid = 0;
  int rc = load_vectors(s, h, max_rowid, &err);
  if (rc == SQLITE_OK && s->meta.index == KNN_IDX_HNSW) rc = load_graph(s, h, &err);
  if (rc == SQLITE_OK && s->meta.index == KNN_IDX_HNSW) rc = load_entry(s, h, &err);
  if (rc == SQLITE_OK) {
    hnsw_dirty_clear(h);
    *out = h;
    return SQLITE_OK;
  }
  hnsw_free(h);
  if (!err && (rc & 0xff) != SQLITE_NOMEM && rc != SQLITE_CORRUPT_VTAB) {
    err = sqlite3_mprintf("knn_index: reading \"%s\" shadow tables: %s", s->name, sqlite3_errmsg(s->db));
    rc = SQLITE_ERROR;
  }
  if ((rc & 0xff) == SQLITE_NOMEM && !err) return SQLITE_NOMEM;
  knn_store_error(s, rc, err);
  return rc;
}

/* ---- the change log ---------------------------------------------------------------------- */

/* Logs a change of rowid (op 1: its vector, op 0: its neighbour list only)
** under the generation being written. Past KNN_LOG_ROWS rows a transaction
** stops logging: knn_store_log_end then empties the log. */
static int log_row(knn_store *s, int64_t rowid, int op) {
  if (!s->log_gen || s->log_rows > KNN_LOG_ROWS) return SQLITE_OK;
  s->log_rows++;
  int rc = prep(s, &s->st_log,
                "INSERT INTO \"%w\".\"%w_changes\"(generation, rowid, op) VALUES (?1, ?2, ?3) "
                "ON CONFLICT(generation, rowid) DO UPDATE SET op = max(op, excluded.op)");
  if (rc) return rc;
  sqlite3_bind_int64(s->st_log, 1, s->log_gen);
  sqlite3_bind_int64(s->st_log, 2, rowid);
  sqlite3_bind_int(s->st_log, 3, op);
  return step_done(s->st_log);
}

void knn_store_log_begin(knn_store *s, sqlite3_int64 gen) {
  s->log_gen = s->meta.format >= 3 ? gen : 0;
  s->log_rows = 0;
}

/* The integer sql returns (its parameter ?1, if any, bound to bind);
** *found says whether it returned a non-NULL value. */
static int query_i64(knn_store *s, const char *sql, sqlite3_int64 bind, sqlite3_int64 *out, int *found) {
  sqlite3_stmt *st = NULL;
  *found = 0;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    if (sqlite3_bind_parameter_count(st)) sqlite3_bind_int64(st, 1, bind);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
      *out = sqlite3_column_int64(st, 0);
      *found = 1;
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  return rc;
}

/* x_info key's integer value into *v (unchanged when absent). */
static int info_i64(knn_store *s, const char *key, sqlite3_int64 *v) {
  int found = 0;
  char *sql = sqlite3_mprintf("SELECT value FROM \"%w\".\"%w_info\" WHERE key = %Q", s->schema, s->name, key);
  int rc = sql ? query_i64(s, sql, 0, v, &found) : SQLITE_NOMEM;
  sqlite3_free(sql);
  return rc;
}

/* Drops the generations <= cut from the log; log_from = cut. */
static int log_prune(knn_store *s, sqlite3_int64 cut, char **err) {
  int rc = exec_fmt(s->db, err, "DELETE FROM \"%w\".\"%w_changes\" WHERE generation <= %lld", s->schema,
                    s->name, cut);
  return rc ? rc : put_info(s, "log_from", cut, 0);
}

/* x_info 'log_rows' counts the rows of the log (at most: an upsert may have
** replaced a row); only when it passes KNN_LOG_ROWS is the log scanned and
** pruned, down to about half, so that a commit usually costs one write. */
int knn_store_log_end(knn_store *s) {
  if (!s->log_gen) return SQLITE_OK;
  sqlite3_int64 rows = 0, cut = s->log_gen;
  int found = 1, rc = SQLITE_OK;
  char *err = NULL;
  if (s->log_rows > KNN_LOG_ROWS) {
    rc = log_prune(s, cut, &err); /* this transaction logged nothing usable */
  } else {
    rc = info_i64(s, "log_rows", &rows);
    rows += s->log_rows;
    if (rc == SQLITE_OK && rows > KNN_LOG_ROWS) {
      /* the generation of the row past the newest KNN_LOG_ROWS / 2 */
      char *sql = sqlite3_mprintf(
          "SELECT generation FROM \"%w\".\"%w_changes\" ORDER BY generation DESC LIMIT 1 OFFSET ?1",
          s->schema, s->name);
      rc = sql ? query_i64(s, sql, KNN_LOG_ROWS / 2, &cut, &found) : SQLITE_NOMEM;
      sqlite3_free(sql);
      if (rc == SQLITE_OK && found) rc = log_prune(s, cut, &err);
      sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\".\"%w_changes\"", s->schema, s->name);
      if (rc == SQLITE_OK) rc = sql ? query_i64(s, sql, 0, &rows, &found) : SQLITE_NOMEM;
      sqlite3_free(sql);
    }
  }
  if (rc == SQLITE_OK) rc = put_info(s, "log_rows", s->log_rows > KNN_LOG_ROWS ? 0 : rows, 0);
  s->log_gen = 0;
  if (rc && rc != SQLITE_NOMEM)
    knn_store_error(
        s, rc, err ? err : sqlite3_mprintf("knn_index: writing the change log: %s", sqlite3_errmsg(s->db)));
  else
    sqlite3_free(err);
  return rc;
}

/* Pass 1 of knn_store_apply: removes the rows gone, (re)adds those whose
** vector was written or that h lacks. */
static int apply_vectors(knn_store *s, hnsw *h, sqlite3_stmt *st, char **err) {
  code_buf c;
  int rc = code_buf_init(&c, &s->meta);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    sqlite3_int64 row = sqlite3_column_int64(st, 0);
    int present = hnsw_find(h, row) >= 0;
    if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
      if (present) hnsw_drop_key(h, row);
      continue;
    }
    if (present && sqlite3_column_int(st, 2) == 0) continue; /* only its links changed */
    if (present) hnsw_drop_key(h, row);
    char what[96];
    const char *bad = check_vec(s, st, &c, what, (int)sizeof what);
    if (bad) {
      *err = corrupt(s, "vectors", row, bad);
      rc = SQLITE_CORRUPT_VTAB;
    } else if (knn_meta_codes(&s->meta) ? hnsw_load_int8(h, row, c.u, c.lo, c.step)
                                        : hnsw_load_vector(h, row, c.f)) {
      rc = SQLITE_NOMEM;
    }
  }
  code_buf_free(&c);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Pass 2: the neighbour lists of the changed rows still present. */
static int apply_graph(knn_store *s, hnsw *h, sqlite3_stmt *st, char **err) {
  size_t maxw = (HNSW_MAX_LEVEL + 1) * (size_t)(2 * s->meta.m + 1);
  int64_t *words = malloc(maxw * sizeof *words);
  int rc = words ? SQLITE_OK : SQLITE_NOMEM;
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    if (sqlite3_column_type(st, 1) == SQLITE_NULL) continue;
    const char *what = NULL;
    if (sqlite3_column_type(st, 3) == SQLITE_NULL)
      what = "no node in the graph table";
    else
      rc = load_node(h, st, 3, NULL, words, maxw, packed_graph(s), &what);
    if (what) {
      *err = corrupt(s, what[0] == 'n' ? "vectors" : "graph", sqlite3_column_int64(st, 0), what);
      rc = SQLITE_CORRUPT_VTAB;
    }
  }
  free(words);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Whether the log can bring a copy of generation gen up to date: it reaches
** back to gen, and it changes fewer rows than the copy holds (else reading
** everything again is as fast and compacts the slots). */
static int log_usable(knn_store *s, hnsw *h, sqlite3_int64 gen, int *ok) {
  sqlite3_int64 from = 0, n = 0;
  int found = 0;
  *ok = 0;
  char *sql =
      sqlite3_mprintf("SELECT value FROM \"%w\".\"%w_info\" WHERE key = 'log_from'", s->schema, s->name);
  int rc = sql ? query_i64(s, sql, 0, &from, &found) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc || !found || from > gen) return rc;
  sql = sqlite3_mprintf("SELECT count(DISTINCT rowid) FROM \"%w\".\"%w_changes\" WHERE generation > ?1",
                        s->schema, s->name);
  rc = sql ? query_i64(s, sql, gen, &n, &found) : SQLITE_NOMEM;
  sqlite3_free(sql);
  size_t live = hnsw_count(h), dead = hnsw_slots(h) - live;
  if (rc == SQLITE_OK && (size_t)n + dead <= live / 2 + 64) *ok = 1;
  return rc;
}

int knn_store_apply(knn_store *s, hnsw *h, sqlite3_int64 gen, int64_t *max_rowid, int *applied) {
  *applied = 0;
  if (s->meta.format < 3) return SQLITE_OK;
  int ok = 0, rc = log_usable(s, h, gen, &ok);
  if (rc || !ok) return rc;
  sqlite3_stmt *st = NULL;
  char *err = NULL;
  char *sql = sqlite3_mprintf(
      "SELECT c.rowid, v.vec, c.op, g.level, g.neighbors FROM (SELECT rowid, max(op) AS op FROM "
      "\"%w\".\"%w_changes\" WHERE generation > ?1 GROUP BY rowid) AS c "
      "LEFT JOIN \"%w\".\"%w_vectors\" AS v ON v.rowid = c.rowid "
      "LEFT JOIN \"%w\".\"%w_graph\" AS g ON g.rowid = c.rowid",
      s->schema, s->name, s->schema, s->name, s->schema, s->name);
  rc = sql ? sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, gen);
    rc = apply_vectors(s, h, st, &err);
  }
  if (rc == SQLITE_OK && s->meta.index == KNN_IDX_HNSW) {
    sqlite3_reset(st);
    rc = apply_graph(s, h, st, &err);
    if (rc == SQLITE_OK) rc = load_entry(s, h, &err);
    if (rc == SQLITE_OK && hnsw_validate(h)) rc = SQLITE_CORRUPT_VTAB;
  }
  sqlite3_finalize(st);
  sqlite3_free(err); /* a reload reports what is wrong */
  sql = sqlite3_mprintf("SELECT max(rowid) FROM \"%w\".\"%w_vectors\"", s->schema, s->name);
  sqlite3_int64 mx = 0;
  int found = 0;
  if (rc == SQLITE_OK) rc = sql ? query_i64(s, sql, 0, &mx, &found) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc) return (rc & 0xff) == SQLITE_NOMEM ? SQLITE_NOMEM : rc;
  *max_rowid = found ? mx : 0;
  hnsw_dirty_clear(h);
  *applied = 1;
  return SQLITE_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

int knn_store_flush(knn_store *s, hnsw *h) {
  if (hnsw_purge(h)) return SQLITE_NOMEM;
  size_t nd;
  const uint32_t *dl = hnsw_dirty(h, &nd);
  if (!nd) return SQLITE_OK;
  int rc = SQLITE_OK;
  if (s->meta.index == KNN_IDX_HNSW) {
    size_t maxw = (HNSW_MAX_LEVEL + 1) * (size_t)(2 * s->meta.m + 1);
    int64_t *w = malloc(maxw * sizeof *w);
    uint8_t *packed = packed_graph(s) ? malloc(maxw * 10) : NULL;
    if (!w || (packed_graph(s) && !packed)) {
      free(w);
      free(packed);
      return SQLITE_NOMEM;
    }
    rc = prep(s, &s->st_put_graph,
              "INSERT OR REPLACE INTO \"%w\".\"%w_graph\"(rowid, level, neighbors) VALUES (?1, ?2, ?3)");
    for (size_t i = 0; i < nd && rc == SQLITE_OK; i++) {
      uint32_t slot = dl[i];
      if (hnsw_removed(h, slot)) continue;
      size_t nw = hnsw_node_encode(h, slot, w);
      sqlite3_bind_int64(s->st_put_graph, 1, hnsw_key(h, slot));
      sqlite3_bind_int(s->st_put_graph, 2, hnsw_level(h, slot));
      if (packed)
        sqlite3_bind_blob(s->st_put_graph, 3, packed,
                          (int)graph_pack(w, nw, hnsw_level(h, slot), hnsw_key(h, slot), packed),
                          SQLITE_STATIC);
      else
        sqlite3_bind_blob(s->st_put_graph, 3, w, (int)(nw * 8), SQLITE_STATIC);
      rc = step_done(s->st_put_graph);
      if (rc == SQLITE_OK) rc = log_row(s, hnsw_key(h, slot), 0);
    }
    free(w);
    free(packed);
    int64_t ek = 0;
    int el = -1, has = hnsw_entry(h, &ek, &el);
    if (rc == SQLITE_OK) rc = put_info(s, "entry_point", ek, !has);
    if (rc == SQLITE_OK) rc = put_info(s, "max_level", has ? el : -1, 0);
  }
  if (rc == SQLITE_OK)
    hnsw_dirty_clear(h);
  else if (rc != SQLITE_NOMEM)
    knn_store_error(s, rc, sqlite3_mprintf("knn_index: writing the graph: %s", sqlite3_errmsg(s->db)));
  return rc;
}

int knn_store_add(knn_store *s, hnsw *h, int64_t rowid, const float *v) {
  int rc = prep(s, &s->st_ins, "INSERT INTO \"%w\".\"%w_vectors\"(rowid, vec) VALUES (?1, ?2)");
  if (rc) return rc;
  const int bytes = vec_bytes(&s->meta), codes = knn_meta_codes(&s->meta);
  uint8_t *blob = NULL;
  code_buf c = {0};
  sqlite3_bind_int64(s->st_ins, 1, rowid);
  if (codes) {
    blob = sqlite3_malloc(bytes);
    if (!blob || code_buf_init(&c, &s->meta) || hnsw_quantize(h, v, c.u, c.lo, c.step)) {
      sqlite3_free(blob);
      code_buf_free(&c);
      return SQLITE_NOMEM;
    }
    codes_put(&s->meta, c.u, c.lo, c.step, blob);
    sqlite3_bind_blob(s->st_ins, 2, blob, bytes, SQLITE_STATIC);
  } else {
    sqlite3_bind_blob(s->st_ins, 2, v, s->meta.dim * 4, SQLITE_STATIC);
  }
  rc = step_done(s->st_ins);
  if (rc == SQLITE_OK) rc = log_row(s, rowid, 1);
  if (rc == SQLITE_OK) {
    /* the codes go in; the float vector links the node (exact on the query side) */
    int r = codes ? hnsw_add_int8(h, rowid, c.u, c.lo, c.step, v) : hnsw_add(h, rowid, v);
    if (r) rc = SQLITE_NOMEM;
  }
  sqlite3_free(blob);
  code_buf_free(&c);
  return rc;
}

int knn_store_remove(knn_store *s, int64_t rowid) {
  int rc = prep(s, &s->st_del_vec, "DELETE FROM \"%w\".\"%w_vectors\" WHERE rowid = ?1");
  if (rc) return rc;
  sqlite3_bind_int64(s->st_del_vec, 1, rowid);
  rc = step_done(s->st_del_vec);
  if (rc == SQLITE_OK && sqlite3_changes(s->db)) rc = log_row(s, rowid, 1);
  if (rc || s->meta.index != KNN_IDX_HNSW) return rc;
  rc = prep(s, &s->st_del_graph, "DELETE FROM \"%w\".\"%w_graph\" WHERE rowid = ?1");
  if (rc) return rc;
  sqlite3_bind_int64(s->st_del_graph, 1, rowid);
  return step_done(s->st_del_graph);
}

/* ---- reading rows ------------------------------------------------------------------------- */

int knn_store_result(knn_store *s, sqlite3_context *ctx, sqlite3_value *vec) {
  const int dim = s->meta.dim;
  if (!knn_meta_codes(&s->meta) || sqlite3_value_type(vec) != SQLITE_BLOB ||
      sqlite3_value_bytes(vec) != vec_bytes(&s->meta)) {
    sqlite3_result_value(ctx, vec);
    return SQLITE_OK;
  }
  const unsigned char *b = sqlite3_value_blob(vec);
  code_buf c = {0};
  if (!b || code_buf_init(&c, &s->meta)) {
    code_buf_free(&c);
    return SQLITE_NOMEM;
  }
  if (s->meta.format == 2) { /* as format 2 decoded: c * scale */
    float scale;
    memcpy(&scale, b + dim, 4);
    q8_decode((const int8_t *)b, (size_t)dim, scale, c.f);
  } else {
    codes_of(&s->meta, b, c.u, c.lo, c.step);
    q8_decode_blocks(c.u, (size_t)dim, code_dims(&s->meta), c.lo, c.step, c.f);
  }
  free(c.u);
  free(c.lo);
  sqlite3_result_blob(ctx, c.f, dim * 4, free);
  return SQLITE_OK;
}

int knn_store_result_rowid(knn_store *s, sqlite3_context *ctx, int64_t rowid) {
  int rc = prep(s, &s->st_get, "SELECT vec FROM \"%w\".\"%w_vectors\" WHERE rowid = ?1");
  if (rc) return rc;
  sqlite3_bind_int64(s->st_get, 1, rowid);
  rc = sqlite3_step(s->st_get);
  if (rc == SQLITE_ROW) rc = knn_store_result(s, ctx, sqlite3_column_value(s->st_get, 0));
  sqlite3_reset(s->st_get);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int knn_store_scan(knn_store *s, int one_rowid, sqlite3_stmt **out) {
  char *sql = sqlite3_mprintf("SELECT rowid, vec FROM \"%w\".\"%w_vectors\"%s", s->schema, s->name,
                              one_rowid ? " WHERE rowid = ?1" : " ORDER BY rowid");
  if (!sql) return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
  sqlite3_free(sql);
  if (rc) knn_store_error(s, rc, sqlite3_mprintf("knn_index: %s", sqlite3_errmsg(s->db)));
  return rc;
}

/* ---- drop, rename ---------------------------------------------------------------------------- */

int knn_store_drop(knn_store *s) {
  knn_store_finalize(s);
  char *err = NULL;
  int rc = exec_fmt(s->db, &err,
                    "DROP TABLE IF EXISTS \"%w\".\"%w_info\"; DROP TABLE IF EXISTS \"%w\".\"%w_vectors\";"
                    "DROP TABLE IF EXISTS \"%w\".\"%w_graph\"; DROP TABLE IF EXISTS \"%w\".\"%w_changes\";",
                    s->schema, s->name, s->schema, s->name, s->schema, s->name, s->schema, s->name);
  return rc ? knn_store_error(s, rc, err) : SQLITE_OK;
}

int knn_store_rename(knn_store *s, const char *new_name) {
  knn_store_finalize(s);
  char *err = NULL;
  int rc = exec_fmt(s->db, &err,
                    "ALTER TABLE \"%w\".\"%w_info\" RENAME TO \"%w_info\";"
                    "ALTER TABLE \"%w\".\"%w_vectors\" RENAME TO \"%w_vectors\";"
                    "ALTER TABLE \"%w\".\"%w_graph\" RENAME TO \"%w_graph\";",
                    s->schema, s->name, new_name, s->schema, s->name, new_name, s->schema, s->name, new_name);
  if (rc == SQLITE_OK && s->meta.format >= 3)
    rc = exec_fmt(s->db, &err, "ALTER TABLE \"%w\".\"%w_changes\" RENAME TO \"%w_changes\";", s->schema,
                  s->name, new_name);
  if (rc) return knn_store_error(s, rc, err);
  char *n = sqlite3_mprintf("%s", new_name);
  if (!n) return SQLITE_NOMEM;
  sqlite3_free(s->name);
  s->name = n;
  return SQLITE_OK;
}

int knn_store_shadow_name(const char *suffix) {
  return !sqlite3_stricmp(suffix, "info") || !sqlite3_stricmp(suffix, "vectors") ||
         !sqlite3_stricmp(suffix, "graph") || !sqlite3_stricmp(suffix, "changes");
}
