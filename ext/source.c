/*
** source: see source.h.
**
** How a source text is told from a name: is_statement() skips blanks and
** comments the way SQLite's tokenizer does and looks at the first keyword.
** The readers step the source's statement once and hand each id to an
** idmap; pairs become a CSR (src/csr.h) in the engine's allocator.
*/
#include "source.h"

#include <string.h>

#include "../src/lru.h"
#include "errors.h"

/* s past whitespace and SQL comments ("-- ..." to the end of the line,
** C-style comments, an unterminated one to the end), as SQLite's tokenizer
** skips them: what follows is the first token of the statement. */
static const char *skip_blanks(const char *s) {
  for (;;) {
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f') {
      s++;
    } else if (s[0] == '-' && s[1] == '-') {
      while (*s && *s != '\n') s++;
    } else if (s[0] == '/' && s[1] == '*') {
      const char *end = strstr(s + 2, "*/");
      s = end ? end + 2 : s + strlen(s);
    } else {
      return s;
    }
  }
}

/* 1 when src is statement text: its first token (after blanks, comments
** and opening parentheses) is SELECT, WITH or VALUES, case-insensitively,
** followed by a character that cannot continue a name. */
static int is_statement(const char *s) {
  for (s = skip_blanks(s); *s == '('; s = skip_blanks(s + 1)) {
  }
  static const char *const kw[] = {"select", "with", "values"};
  for (size_t k = 0; k < sizeof kw / sizeof *kw; k++) {
    size_t n = strlen(kw[k]);
    if (sqlite3_strnicmp(s, kw[k], (int)n) == 0) {
      unsigned char c = (unsigned char)s[n];
      if (!(c == '_' || c == '$' || c >= 0x80 || (c >= '0' && c <= '9') ||
            ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
        return 1;
    }
  }
  return 0;
}

/* Prepares sql (one statement, blanks, comments and ';' after it allowed).
** Returns SQLITE_OK, SQLITE_NOMEM, SQLITE_MISUSE for more than one statement,
** or SQLite's error (the message stays in db). */
static int prepare_one(sqlite3 *db, const char *sql, sqlite3_stmt **stmt) {
  const char *tail = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, stmt, &tail);
  if (rc == SQLITE_OK && tail) {
    for (tail = skip_blanks(tail); *tail == ';'; tail = skip_blanks(tail + 1)) {
    }
    if (*tail) {
      sqlite3_finalize(*stmt);
      *stmt = NULL;
      return SQLITE_MISUSE;
    }
  }
  return rc;
}

/* Prepares "SELECT * FROM <name>" with name quoted as one identifier. */
static int prepare_name(sqlite3 *db, const char *name, sqlite3_stmt **stmt) {
  char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
  if (!sql) return SQLITE_NOMEM;
  int rc = prepare_one(db, sql, stmt);
  sqlite3_free(sql);
  return rc;
}

/* Checks a prepared source: a read-only statement with min_cols columns. */
static int check_prepared(const char *obj, const char *src, int min_cols, sqlite3_stmt **stmt, char **err) {
  if (!*stmt) {
    *err = sqlite3_mprintf("%s: source is empty: expected a table name, a view name or a SELECT", obj);
  } else if (!sqlite3_stmt_readonly(*stmt)) {
    *err = sqlite3_mprintf("%s: source must be a read-only SELECT", obj);
  } else if (sqlite3_column_count(*stmt) < min_cols) {
    int cols = sqlite3_column_count(*stmt);
    *err = sqlite3_mprintf("%s: source \"%s\" has %d column%s, expected at least %d", obj, src, cols,
                           cols == 1 ? "" : "s", min_cols);
  } else {
    return SQLITE_OK;
  }
  sqlite3_finalize(*stmt);
  *stmt = NULL;
  return SQLITE_ERROR;
}

/* A statement text (its first token is SELECT, WITH or VALUES after blanks
** and comments, see is_statement) is prepared as it is; anything else is a
** table or view name. A statement that does not prepare is tried as a name
** last, so that a table called "select me" can still be read. */
int source_prepare(sqlite3 *db, const char *obj, const char *src, int min_cols, sqlite3_stmt **stmt,
                   char **err) {
  *stmt = NULL;
  *err = NULL;
  if (!src || !*skip_blanks(src)) {
    *err = sqlite3_mprintf("%s: source is empty: expected a table name, a view name or a SELECT", obj);
    return SQLITE_ERROR;
  }
  int stmt_form = is_statement(src);
  int rc = stmt_form ? prepare_one(db, src, stmt) : prepare_name(db, src, stmt);
  if (rc == SQLITE_NOMEM) return rc;
  if (rc == SQLITE_MISUSE) {
    *err = sqlite3_mprintf("%s: source must be a single SELECT statement", obj);
    return SQLITE_ERROR;
  }
  if (rc != SQLITE_OK) {
    char *why = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    if (!why) return SQLITE_NOMEM;
    if (stmt_form && prepare_name(db, src, stmt) == SQLITE_OK) {
      sqlite3_free(why);
      return check_prepared(obj, src, min_cols, stmt, err);
    }
    if (stmt_form)
      *err = sqlite3_mprintf("%s: source query failed: %s", obj, why);
    else
      *err = sqlite3_mprintf("%s: source \"%s\" is not a table or view (%s)", obj, src, why);
    sqlite3_free(why);
    return SQLITE_ERROR;
  }
  return check_prepared(obj, src, min_cols, stmt, err);
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
  if (r >= 0) return r;
  return r == -(int64_t)RS_TOOBIG ? -4 : -3;
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
    if (array_grow(&p->u, cap, sizeof *p->u) || array_grow(&p->i, cap, sizeof *p->i)) return SQLITE_NOMEM;
    p->cap = cap;
  }
  p->u[p->n] = u;
  p->i[p->n] = i;
  p->n++;
  return SQLITE_OK;
}

/* The code and message for a failed value_id_add (code < 0) on column col
** (0 the user, 1 the item) of a row of src. */
static int id_error(const char *obj, const char *what, const char *src, int col, sqlite3_stmt *stmt,
                    int64_t code, char **err) {
  if (code == -3) return SQLITE_NOMEM;
  if (code == -4) {
    *err = sqlite3_mprintf("%s: %s \"%s\": too many distinct %s ids (the limit is %u)", obj, what, src,
                           col == 0 ? "user" : "item", (unsigned)IDMAP_MAX_IDS);
    return SQLITE_TOOBIG;
  }
  *err = sqlite3_mprintf("%s: %s \"%s\": %s id must be INTEGER or TEXT, got %s", obj, what, src,
                         col == 0 ? "user" : "item", value_type_name(sqlite3_column_type(stmt, col)));
  return SQLITE_ERROR;
}

/* The code and message after stepping a source ended with rc. */
static int step_error(sqlite3 *db, const char *obj, const char *what, const char *src, int rc, char **err) {
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT) return rc;
  *err = sqlite3_mprintf("%s: reading %s \"%s\": %s", obj, what, src, sqlite3_errmsg(db));
  return rc;
}

/* Rows of integer ids are mapped SOURCE_BATCH at a time: the direct-array
** slots of a batch's ids are prefetched as the rows are read, so that the
** lookups' cache misses (one per id once the maps outgrow the caches)
** overlap. Ids are added in the order of the rows, as one at a time would. */
#define SOURCE_BATCH 64
typedef struct id_batch id_batch;
struct id_batch {
  sqlite3_int64 u[SOURCE_BATCH], i[SOURCE_BATCH];
  int n;
};

/* Adds the batch's pairs to p. Returns SQLITE_OK, or the code of the first
** failure (its message in *err). */
static int batch_flush(id_batch *b, sqlite3_stmt *stmt, const char *obj, const char *src, idmap *users,
                       idmap *items, pairs *p, char **err) {
  int n = b->n;
  b->n = 0;
  for (int k = 0; k < n; k++) {
    int64_t u = idmap_add_int(users, b->u[k]), i = u < 0 ? 0 : idmap_add_int(items, b->i[k]);
    if (u < 0 || i < 0) {
      int64_t code = (u < 0 ? u : i) == -(int64_t)RS_TOOBIG ? -4 : -3; /* value_id_add's codes */
      return id_error(obj, "source", src, u < 0 ? 0 : 1, stmt, code, err);
    }
    if (pairs_push(p, (uint32_t)u, (uint32_t)i) != SQLITE_OK) return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* One row that is not two integers: the batch before it first. */
static int read_other_row(sqlite3_stmt *stmt, id_batch *b, const char *obj, const char *src, idmap *users,
                          idmap *items, pairs *p, char **err) {
  int rc = batch_flush(b, stmt, obj, src, users, items, p, err);
  if (rc) return rc;
  sqlite3_value *vu = sqlite3_column_value(stmt, 0), *vi = sqlite3_column_value(stmt, 1);
  int64_t u = value_id_add(users, vu), i = u < 0 ? 0 : value_id_add(items, vi);
  if (u < 0 || i < 0) return id_error(obj, "source", src, u < 0 ? 0 : 1, stmt, u < 0 ? u : i, err);
  return pairs_push(p, (uint32_t)u, (uint32_t)i);
}

int source_read_pairs(sqlite3 *db, const char *obj, const char *src, idmap *users, idmap *items, pairs *p,
                      char **err) {
  sqlite3_stmt *stmt;
  int rc = source_prepare(db, obj, src, 2, &stmt, err);
  if (rc) return rc;
  id_batch b;
  b.n = 0;
  int step;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    sqlite3_value *vu = sqlite3_column_value(stmt, 0), *vi = sqlite3_column_value(stmt, 1);
    int tu = sqlite3_value_type(vu), ti = sqlite3_value_type(vi);
    if (tu == SQLITE_NULL || ti == SQLITE_NULL) continue;
    if (tu == SQLITE_INTEGER && ti == SQLITE_INTEGER) {
      sqlite3_int64 u = sqlite3_value_int64(vu), i = sqlite3_value_int64(vi);
      idmap_prefetch_int(users, u);
      idmap_prefetch_int(items, i);
      b.u[b.n] = u;
      b.i[b.n] = i;
      if (++b.n < SOURCE_BATCH) continue;
      rc = batch_flush(&b, stmt, obj, src, users, items, p, err);
    } else {
      rc = read_other_row(stmt, &b, obj, src, users, items, p, err);
    }
    if (rc != SQLITE_OK) break;
  }
  if (step != SQLITE_ROW) /* the source ended, or failed */
    rc = step == SQLITE_DONE ? batch_flush(&b, stmt, obj, src, users, items, p, err)
                             : step_error(db, obj, "source", src, step, err);
  sqlite3_finalize(stmt);
  return rc;
}

int source_read_known_pairs(sqlite3 *db, const char *obj, const char *what, const char *src,
                            const idmap *users, idmap *items, int flags, csr *out, char **err) {
  sqlite3_stmt *stmt;
  memset(out, 0, sizeof *out);
  int rc = source_prepare(db, obj, src, 2, &stmt, err);
  if (rc) return rc;
  pairs p = {0};
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    int64_t u = source_id_find(users, stmt, 0);
    if (u < 0) continue;
    int64_t i = (flags & SOURCE_ADD_ITEMS) ? source_id_add(items, stmt, 1) : source_id_find(items, stmt, 1);
    if (i == -1 || (i == -2 && !(flags & SOURCE_ADD_ITEMS))) continue;
    if (i < 0) {
      rc = id_error(obj, what, src, 1, stmt, i, err);
      break;
    }
    if ((rc = pairs_push(&p, (uint32_t)u, (uint32_t)i)) != SQLITE_OK) break;
  }
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
    rc = step_error(db, obj, what, src, rc, err);
    if (rc == SQLITE_OK)
      rc = status_to_sqlite(csr_build(out, idmap_size(users), idmap_size(items), p.u, p.i, p.n));
  } else if (rc != SQLITE_NOMEM && rc != SQLITE_TOOBIG && rc != SQLITE_ERROR) {
    rc = step_error(db, obj, what, src, rc, err);
  }
  pairs_free(&p);
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
  if (rc == SQLITE_OK)
    rc = status_to_sqlite(csr_build(&g->ui, idmap_size(g->users), idmap_size(g->items), p.u, p.i, p.n));
  if (rc == SQLITE_OK && transpose) rc = status_to_sqlite(csr_transpose(&g->iu, &g->ui));
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
