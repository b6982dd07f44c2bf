/*
** source: reading a caller-named source into arrays, and ids back out.
**
** A source is a table or view name, or the text of a SELECT (also WITH or
** VALUES). A name is quoted as one identifier, so names with spaces or quotes
** work and no text of the caller is ever spliced into SQL unquoted.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../src/lru.h"
#include "common.h"

const char *value_type_name(int type) {
  switch (type) {
    case SQLITE_INTEGER: return "INTEGER";
    case SQLITE_FLOAT: return "REAL";
    case SQLITE_TEXT: return "TEXT";
    case SQLITE_BLOB: return "BLOB";
    default: return "NULL";
  }
}

/* 1 when s starts (after blanks and comments are not considered) with one of
** the statement keywords, case-insensitively. */
static int is_statement(const char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '(') s++;
  static const char *const kw[] = {"select", "with", "values"};
  for (size_t k = 0; k < sizeof kw / sizeof *kw; k++) {
    size_t n = strlen(kw[k]);
    if (sqlite3_strnicmp(s, kw[k], (int)n) == 0) {
      char c = s[n];
      if (c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == '*') return 1;
    }
  }
  return 0;
}

int source_prepare(sqlite3 *db, const char *obj, const char *src, int min_cols, sqlite3_stmt **stmt,
                   char **err) {
  *stmt = NULL;
  if (!src || !*src) {
    *err = sqlite3_mprintf("%s: source is empty: expected a table name, a view name or a SELECT", obj);
    return SQLITE_ERROR;
  }
  int stmt_form = is_statement(src);
  char *sql = stmt_form ? sqlite3_mprintf("%s", src) : sqlite3_mprintf("SELECT * FROM \"%w\"", src);
  if (!sql) return SQLITE_NOMEM;
  const char *tail = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, stmt, &tail);
  if (rc == SQLITE_OK && tail) {
    while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';') tail++;
    if (*tail) {
      sqlite3_finalize(*stmt);
      *stmt = NULL;
      sqlite3_free(sql);
      *err = sqlite3_mprintf("%s: source must be a single SELECT statement", obj);
      return SQLITE_ERROR;
    }
  }
  sqlite3_free(sql);
  if (rc == SQLITE_NOMEM) return rc;
  if (rc != SQLITE_OK) {
    if (stmt_form)
      *err = sqlite3_mprintf("%s: source query failed: %s", obj, sqlite3_errmsg(db));
    else
      *err = sqlite3_mprintf("%s: source \"%s\" is not a table or view (%s)", obj, src, sqlite3_errmsg(db));
    return SQLITE_ERROR;
  }
  if (!*stmt) {
    *err = sqlite3_mprintf("%s: source is empty: expected a table name, a view name or a SELECT", obj);
    return SQLITE_ERROR;
  }
  if (!sqlite3_stmt_readonly(*stmt)) {
    sqlite3_finalize(*stmt);
    *stmt = NULL;
    *err = sqlite3_mprintf("%s: source must be a read-only SELECT", obj);
    return SQLITE_ERROR;
  }
  int cols = sqlite3_column_count(*stmt);
  if (cols < min_cols) {
    sqlite3_finalize(*stmt);
    *stmt = NULL;
    *err = sqlite3_mprintf("%s: source \"%s\" has %d column%s, expected at least %d", obj, src, cols,
                           cols == 1 ? "" : "s", min_cols);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* Reads through sqlite3_column_value: one connection-mutex round trip per
** column instead of one per accessor. */
int64_t value_id_add(idmap *m, sqlite3_value *v) {
  int64_t r;
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: r = idmap_add_int(m, sqlite3_value_int64(v)); break;
    case SQLITE_TEXT: {
      const char *s = (const char *)sqlite3_value_text(v);
      if (!s) return -3;
      r = idmap_add_text(m, s, (size_t)sqlite3_value_bytes(v));
      break;
    }
    case SQLITE_NULL: return -1;
    default: return -2;
  }
  return r < 0 ? -3 : r;
}

int64_t source_id_add(idmap *m, sqlite3_stmt *stmt, int col) {
  return value_id_add(m, sqlite3_column_value(stmt, col));
}

int64_t source_id_find(const idmap *m, sqlite3_stmt *stmt, int col) {
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER: return idmap_find_int(m, sqlite3_column_int64(stmt, col));
    case SQLITE_TEXT: {
      const char *s = (const char *)sqlite3_column_text(stmt, col);
      return s ? idmap_find_text(m, s, (size_t)sqlite3_column_bytes(stmt, col)) : -1;
    }
    case SQLITE_NULL: return -1;
    default: return -2;
  }
}

int64_t value_id_find(const idmap *m, sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: return idmap_find_int(m, sqlite3_value_int64(v));
    case SQLITE_TEXT: {
      const char *s = (const char *)sqlite3_value_text(v);
      return s ? idmap_find_text(m, s, (size_t)sqlite3_value_bytes(v)) : -1;
    }
    default: return -1;
  }
}

void pairs_free(pairs *p) {
  sqlite3_free(p->u);
  sqlite3_free(p->i);
  memset(p, 0, sizeof *p);
}

int pairs_push(pairs *p, uint32_t u, uint32_t i) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 1024;
    uint32_t *nu = sqlite3_realloc64(p->u, cap * sizeof *nu);
    if (!nu) return SQLITE_NOMEM;
    p->u = nu;
    uint32_t *ni = sqlite3_realloc64(p->i, cap * sizeof *ni);
    if (!ni) return SQLITE_NOMEM;
    p->i = ni;
    p->cap = cap;
  }
  p->u[p->n] = u;
  p->i[p->n] = i;
  p->n++;
  return SQLITE_OK;
}

/* Message for a bad id; column 0 is the user, 1 the item. */
static char *bad_id(const char *obj, const char *src, int col, sqlite3_stmt *stmt, int64_t code) {
  if (code == -3) return NULL;
  return sqlite3_mprintf("%s: source \"%s\": %s id must be INTEGER or TEXT, got %s", obj, src,
                         col == 0 ? "user" : "item", value_type_name(sqlite3_column_type(stmt, col)));
}

int source_read_pairs(sqlite3 *db, const char *obj, const char *src, idmap *users, idmap *items, pairs *p,
                      char **err) {
  sqlite3_stmt *stmt;
  int rc = source_prepare(db, obj, src, 2, &stmt, err);
  if (rc) return rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    sqlite3_value *vu = sqlite3_column_value(stmt, 0), *vi = sqlite3_column_value(stmt, 1);
    if (sqlite3_value_type(vu) == SQLITE_NULL || sqlite3_value_type(vi) == SQLITE_NULL) continue;
    int64_t u = value_id_add(users, vu);
    if (u < 0) {
      *err = bad_id(obj, src, 0, stmt, u);
      rc = *err ? SQLITE_ERROR : SQLITE_NOMEM;
      goto done;
    }
    int64_t i = value_id_add(items, vi);
    if (i < 0) {
      *err = bad_id(obj, src, 1, stmt, i);
      rc = *err ? SQLITE_ERROR : SQLITE_NOMEM;
      goto done;
    }
    rc = pairs_push(p, (uint32_t)u, (uint32_t)i);
    if (rc) goto done;
  }
  if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  } else {
    *err = sqlite3_mprintf("%s: reading source \"%s\": %s", obj, src, sqlite3_errmsg(db));
  }
done:
  sqlite3_finalize(stmt);
  return rc;
}

void result_id(sqlite3_context *ctx, const idmap *m, uint32_t i) {
  if (idmap_kind(m, i) == IDMAP_INT) {
    sqlite3_result_int64(ctx, idmap_int(m, i));
  } else {
    size_t n;
    const char *s = idmap_text(m, i, &n);
    sqlite3_result_text64(ctx, s, n, SQLITE_TRANSIENT, SQLITE_UTF8);
  }
}

void result_error_free(sqlite3_context *ctx, int code, char *err) {
  if (err) {
    sqlite3_result_error(ctx, err, -1);
    sqlite3_free(err);
    if (code != SQLITE_ERROR && code != SQLITE_OK) sqlite3_result_error_code(ctx, code);
  } else if (code == SQLITE_NOMEM || code == SQLITE_OK) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_error_code(ctx, code);
  }
}

int interrupt_init(interrupt_check *ic, sqlite3 *db) {
  return sqlite3_prepare_v2(db, "SELECT 1", -1, &ic->probe, NULL);
}

int interrupt_poll(interrupt_check *ic) {
  int rc = sqlite3_step(ic->probe);
  sqlite3_reset(ic->probe);
  return rc == SQLITE_INTERRUPT;
}

void interrupt_free(interrupt_check *ic) {
  sqlite3_finalize(ic->probe);
  ic->probe = NULL;
}

int source_read_embeddings(sqlite3 *db, const char *obj, const char *src, int with_bias, idmap *ids,
                           float **emb, uint32_t *dim, float **bias, char **err) {
  sqlite3_stmt *stmt;
  *emb = NULL;
  *dim = 0;
  if (bias) *bias = NULL;
  int rc = source_prepare(db, obj, src, 2, &stmt, err);
  if (rc) return rc;
  int has_bias = with_bias && bias && sqlite3_column_count(stmt) >= 3;
  size_t cap = 0, n = 0;
  float *e = NULL, *b = NULL;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    sqlite3_value *vid = sqlite3_column_value(stmt, 0);
    if (sqlite3_value_type(vid) == SQLITE_NULL || sqlite3_column_type(stmt, 1) == SQLITE_NULL) continue;
    uint32_t before = idmap_size(ids);
    int64_t id = value_id_add(ids, vid);
    if (id == -2) {
      *err = sqlite3_mprintf("%s: source \"%s\": id must be INTEGER or TEXT, got %s", obj, src,
                             value_type_name(sqlite3_value_type(vid)));
      rc = SQLITE_ERROR;
      break;
    }
    if (id < 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    if (idmap_size(ids) == before) {
      const char *t = (const char *)sqlite3_value_text(vid);
      *err = sqlite3_mprintf("%s: source \"%s\": id %s appears twice", obj, src, t ? t : "?");
      rc = SQLITE_ERROR;
      break;
    }
    vecarg v;
    char what[96];
    snprintf(what, sizeof what, "source \"%.70s\" embedding", src);
    rc = veccol_get(stmt, 1, obj, what, *dim, &v, err);
    if (rc) break;
    if (*dim == 0) *dim = (uint32_t)v.dim;
    if (n == cap) {
      cap = cap ? cap * 2 : 1024;
      float *ne = sqlite3_realloc64(e, cap * *dim * sizeof *ne);
      float *nb = has_bias ? sqlite3_realloc64(b, cap * sizeof *nb) : NULL;
      if (ne) e = ne;
      if (nb) b = nb;
      if (!ne || (has_bias && !nb)) {
        vecarg_free(&v);
        rc = SQLITE_NOMEM;
        break;
      }
    }
    memcpy(e + n * *dim, v.v, *dim * sizeof *e);
    vecarg_free(&v);
    if (has_bias) {
      int bt = sqlite3_column_type(stmt, 2);
      if (bt != SQLITE_NULL && bt != SQLITE_INTEGER && bt != SQLITE_FLOAT) {
        *err = sqlite3_mprintf("%s: source \"%s\": bias (third column) must be a number, got %s", obj, src,
                               value_type_name(bt));
        rc = SQLITE_ERROR;
        break;
      }
      double x = sqlite3_column_double(stmt, 2);
      if (!isfinite(x)) {
        *err = sqlite3_mprintf("%s: source \"%s\": bias must be finite", obj, src);
        rc = SQLITE_ERROR;
        break;
      }
      b[n] = (float)x;
    }
    n++;
  }
  if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  } else if (rc == SQLITE_ERROR && !*err) {
    *err = sqlite3_mprintf("%s: reading source \"%s\": %s", obj, src, sqlite3_errmsg(db));
  }
  sqlite3_finalize(stmt);
  if (rc) {
    sqlite3_free(e);
    sqlite3_free(b);
    return rc;
  }
  *emb = e;
  if (bias) *bias = b;
  return SQLITE_OK;
}

char *json_quote_text(const char *s) {
  size_t n = strlen(s), cap = 6 * n + 3; /* worst case: \u00XX per byte */
  char *out = sqlite3_malloc64(cap);
  if (!out) return NULL;
  size_t w = 0;
  out[w++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      out[w++] = '\\';
      out[w++] = (char)*p;
    } else if (*p < 0x20) {
      w += (size_t)snprintf(out + w, cap - w, "\\u%04x", *p);
    } else {
      out[w++] = (char)*p;
    }
  }
  out[w++] = '"';
  out[w] = 0;
  return out;
}

/* Reference counts are atomic: the cache (src/lru.h) may drop its reference
** from another connection's thread when it evicts. */
static void graph_retain(void *g) { __atomic_add_fetch(&((source_graph *)g)->ref, 1, __ATOMIC_RELAXED); }
static void graph_release(void *g) { source_graph_release(g); }

/* Bytes of g's id maps and CSR arrays, what the cache budget counts. */
static size_t graph_bytes(const source_graph *g) {
  size_t b = sizeof *g + idmap_bytes(g->users) + idmap_bytes(g->items);
  if (g->ui.ptr) b += ((size_t)g->ui.n_rows + 1) * sizeof(size_t) + g->ui.nnz * sizeof(uint32_t);
  if (g->iu.ptr) b += ((size_t)g->iu.n_rows + 1) * sizeof(size_t) + g->iu.nnz * sizeof(uint32_t);
  return b;
}

void source_cache_drop(source_graph **cache) { lru_drop((void **)cache); }

void source_graph_release(source_graph *g) {
  if (!g || __atomic_sub_fetch(&g->ref, 1, __ATOMIC_ACQ_REL) > 0) return;
  sqlite3_free(g->source);
  idmap_free(g->users);
  idmap_free(g->items);
  csr_free(&g->ui);
  csr_free(&g->iu);
  sqlite3_free(g);
}

/* Runs a one-value statement; returns its integer (0 when it fails). */
static sqlite3_int64 query_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  sqlite3_int64 v = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* 1 when src names an ordinary (not virtual) table of main or temp. */
static int is_plain_table(sqlite3 *db, const char *src) {
  sqlite3_stmt *st;
  int yes = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT 1 FROM sqlite_temp_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE "
                         "AND sql NOT LIKE 'CREATE VIRTUAL%' UNION ALL "
                         "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE "
                         "AND sql NOT LIKE 'CREATE VIRTUAL%'",
                         -1, &st, NULL) == SQLITE_OK &&
      sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC) == SQLITE_OK)
    yes = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return yes;
}

/* The state of the database that a cached graph must match. */
static void db_stamp(sqlite3 *db, sqlite3_int64 stamp[4]) {
  stamp[0] = sqlite3_total_changes64(db);
  stamp[1] = query_int(db, "PRAGMA main.data_version");
  stamp[2] = query_int(db, "PRAGMA main.schema_version");
  stamp[3] = query_int(db, "PRAGMA temp.schema_version");
}

int source_graph_get(sqlite3 *db, const char *obj, const char *src, int transpose, source_graph **cache,
                     source_graph **out, char **err) {
  *out = NULL;
  sqlite3_int64 stamp[4];
  int cacheable = cache && is_plain_table(db, src);
  if (cacheable) {
    db_stamp(db, stamp);
    source_graph *c = lru_get((void **)cache, graph_retain);
    if (c && strcmp(c->source, src) == 0 && memcmp(c->stamp, stamp, sizeof stamp) == 0 &&
        (!transpose || c->iu.ptr)) {
      *out = c;
      return SQLITE_OK;
    }
    source_graph_release(c);
  }
  source_graph *g = sqlite3_malloc(sizeof *g);
  if (!g) return SQLITE_NOMEM;
  memset(g, 0, sizeof *g);
  g->ref = 1;
  g->users = idmap_new();
  g->items = idmap_new();
  g->source = sqlite3_mprintf("%s", src);
  if (!g->users || !g->items || !g->source) {
    source_graph_release(g);
    return SQLITE_NOMEM;
  }
  pairs p = {0};
  int rc = source_read_pairs(db, obj, src, g->users, g->items, &p, err);
  if (rc == SQLITE_OK && (csr_build(&g->ui, idmap_size(g->users), idmap_size(g->items), p.u, p.i, p.n) ||
                          (transpose && csr_transpose(&g->iu, &g->ui))))
    rc = SQLITE_NOMEM;
  pairs_free(&p);
  if (rc) {
    source_graph_release(g);
    return rc;
  }
  /* kept only outside explicit transactions: a ROLLBACK undoes rows that
  ** total_changes has counted, so a graph read inside one could come back
  ** with the stamp of the database rolled back */
  if (cacheable && sqlite3_get_autocommit(db)) {
    memcpy(g->stamp, stamp, sizeof stamp);
    lru_put((void **)cache, g, graph_bytes(g), db, graph_retain, graph_release);
  }
  *out = g;
  return SQLITE_OK;
}
