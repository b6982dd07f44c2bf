/*
** fuzz: the driver shared by the harnesses (see fuzz.h).
*/
#include "fuzz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../ext/recsql.h"

/* ---- decoding ------------------------------------------------------------ */

static unsigned char arena[1 << 16];
static size_t arena_used;

void fz_begin(void) { arena_used = 0; }

static void *arena_alloc(size_t n) {
  if (arena_used + n > sizeof arena) return NULL;
  void *p = arena + arena_used;
  arena_used += n;
  return p;
}

int fz_byte(fz_reader *r) {
  if (r->n == 0) return 0;
  r->n--;
  return *r->p++;
}

static uint64_t fz_bytes_u64(fz_reader *r, int nbytes) {
  uint64_t x = 0;
  for (int k = 0; k < nbytes; k++) x = x << 8 | (uint64_t)fz_byte(r);
  return x;
}

/* A float from one byte: small integers and halves, plus some specials. */
static float small_float(int b) {
  switch (b) {
    case 255: return NAN;
    case 254: return INFINITY;
    case 253: return -INFINITY;
    case 252: return 3.4e38f;
    case 251: return 1e-45f;
    default: return (float)((int)b - 125) / 2.0f;
  }
}

fz_val fz_value(fz_reader *r) {
  fz_val v;
  memset(&v, 0, sizeof v);
  int tag = fz_byte(r);
  switch (tag % 10) {
    case 0:
      v.type = SQLITE_NULL;
      break;
    case 1:
      v.type = SQLITE_INTEGER;
      v.i = (signed char)fz_byte(r);
      break;
    case 2:
      v.type = SQLITE_INTEGER;
      v.i = (sqlite3_int64)fz_bytes_u64(r, 8);
      break;
    case 3: {
      uint64_t bits = fz_bytes_u64(r, 8);
      v.type = SQLITE_FLOAT;
      memcpy(&v.r, &bits, sizeof v.r);
      break;
    }
    case 4:
      v.type = SQLITE_FLOAT;
      v.r = (double)small_float(fz_byte(r));
      break;
    case 5:
    case 6: { /* raw TEXT or BLOB from the input */
      size_t n = (size_t)fz_byte(r);
      if (n > r->n) n = r->n;
      v.type = tag % 10 == 5 ? SQLITE_TEXT : SQLITE_BLOB;
      v.p = r->p;
      v.n = (int)n;
      r->p += n;
      r->n -= n;
      break;
    }
    case 7:
    case 8: { /* a float32 vector as BLOB, or as JSON text */
      int dim = tag / 10 % 4 + 1;
      float f[4];
      for (int k = 0; k < dim; k++) f[k] = small_float(fz_byte(r));
      if (tag % 10 == 7) {
        void *p = arena_alloc(sizeof(float) * (size_t)dim);
        if (!p) break;
        memcpy(p, f, sizeof(float) * (size_t)dim);
        v.type = SQLITE_BLOB;
        v.p = p;
        v.n = (int)sizeof(float) * dim;
      } else {
        char buf[256];
        int w = snprintf(buf, sizeof buf, "[");
        for (int k = 0; k < dim; k++) w += snprintf(buf + w, sizeof buf - (size_t)w, "%s%.9g", k ? "," : "", f[k]);
        w += snprintf(buf + w, sizeof buf - (size_t)w, "]");
        char *p = arena_alloc((size_t)w);
        if (!p) break;
        memcpy(p, buf, (size_t)w);
        v.type = SQLITE_TEXT;
        v.p = p;
        v.n = w;
      }
      break;
    }
    default: /* a small id-like TEXT: 'a'..'h' */
      v.type = SQLITE_TEXT;
      v.p = &"abcdefgh"[fz_byte(r) % 8];
      v.n = 1;
      break;
  }
  return v;
}

void fz_bind(sqlite3_stmt *st, int idx, const fz_val *v) {
  switch (v->type) {
    case SQLITE_INTEGER: sqlite3_bind_int64(st, idx, v->i); break;
    case SQLITE_FLOAT: sqlite3_bind_double(st, idx, v->r); break;
    case SQLITE_TEXT: sqlite3_bind_text(st, idx, v->n ? v->p : "", v->n, SQLITE_TRANSIENT); break;
    case SQLITE_BLOB: sqlite3_bind_blob(st, idx, v->n ? v->p : "", v->n, SQLITE_TRANSIENT); break;
    default: sqlite3_bind_null(st, idx); break;
  }
}

/* ---- running --------------------------------------------------------------- */

static double deadline;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int on_progress(void *p) {
  (void)p;
  return now() > deadline;
}

static void fail(const char *what, const char *sql, const char *detail) {
  fprintf(stderr, "fuzz: invariant broken: %s\n  statement: %s\n  %s\n", what, sql, detail ? detail : "");
  abort();
}

static int registered;

sqlite3 *fz_open(const char *fixture) { return fz_open_uri(":memory:", fixture); }

sqlite3 *fz_open_uri(const char *uri, const char *fixture) {
  if (!registered) {
    sqlite3_auto_extension((void (*)(void))sqlite3_recsql_init);
    registered = 1;
  }
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
    fail("cannot open a database", uri, sqlite3_errmsg(db));
  /* keep single values small: a fuzzer-made zeroblob(1e9) is not a finding */
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
  sqlite3_progress_handler(db, 1000, on_progress, NULL);
  if (fixture) {
    deadline = now() + 60;
    char *err = NULL;
    if (sqlite3_exec(db, fixture, NULL, NULL, &err) != SQLITE_OK) fail("fixture failed", fixture, err);
  }
  return db;
}

void fz_close(sqlite3 *db) {
  if (sqlite3_close(db) != SQLITE_OK) fail("sqlite3_close: a statement was left unfinalized", "", sqlite3_errmsg(db));
}

/* The schema as one string (sqlite3_malloc'd), to compare before and after. */
static char *schema(sqlite3 *db) {
  sqlite3_stmt *st;
  char *out = NULL;
  deadline = now() + 60;
  if (sqlite3_prepare_v2(db, "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(10)) FROM "
                             "(SELECT * FROM sqlite_schema ORDER BY name)",
                         -1, &st, NULL) != SQLITE_OK)
    fail("cannot read the schema", "", sqlite3_errmsg(db));
  if (sqlite3_step(st) == SQLITE_ROW) out = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

int fz_run(sqlite3 *db, const fz_stmt *s, const fz_val *vals, int nvals) {
  sqlite3_stmt *st;
  char *before = schema(db);
  int rc = sqlite3_prepare_v2(db, s->sql, -1, &st, NULL);
  if (rc != SQLITE_OK) fail("a statement of the harness does not prepare", s->sql, sqlite3_errmsg(db));
  int np = sqlite3_bind_parameter_count(st);
  for (int k = 0; k < np && k < nvals; k++) fz_bind(st, k + 1, &vals[k]);
  deadline = now() + FZ_DEADLINE_MS / 1000.0;
  int rows = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && ++rows < FZ_MAX_ROWS) {
    /* read every column as text too: exercises the result paths */
    for (int c = 0; c < sqlite3_column_count(st); c++) (void)sqlite3_column_text(st, c);
  }
  if (rc == SQLITE_ROW) rc = SQLITE_DONE;
  char *msg = rc == SQLITE_DONE ? NULL : sqlite3_mprintf("%s", sqlite3_errmsg(db));
  int ext = sqlite3_extended_errcode(db);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    char *after = schema(db);
    if ((before == NULL) != (after == NULL) || (before && strcmp(before, after) != 0))
      fail("an error changed the schema", s->sql, msg);
    sqlite3_free(after);
    /* recsql's own errors name the object first */
    if (s->obj && (ext & 0xff) == SQLITE_ERROR && msg && strcmp(msg, "interrupted") != 0 &&
        strncmp(msg, s->obj, strlen(s->obj)) != 0)
      fail("an error message does not start with the object's name", s->sql, msg);
  }
  sqlite3_free(msg);
  sqlite3_free(before);
  return rc;
}

void fz_run_all(sqlite3 *db, const fz_stmt *stmts, size_t n, const fz_val *vals, int nvals) {
  for (size_t k = 0; k < n; k++) fz_run(db, &stmts[k], vals, nvals);
}

void fz_run_rows(const uint8_t *data, size_t size, const fz_stmt *stmts, size_t n, int nparam, int max_rows) {
  fz_begin();
  fz_reader r = {data, size};
  fz_val params[FZ_MAX_PARAM];
  if (nparam > FZ_MAX_PARAM) nparam = FZ_MAX_PARAM;
  for (int k = 0; k < nparam; k++) params[k] = fz_value(&r);
  sqlite3 *db = fz_open("CREATE TABLE t(a, b, c, d)");
  sqlite3_stmt *ins;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL);
  for (int row = 0; row < max_rows && r.n > 0; row++) {
    for (int c = 1; c <= 4; c++) {
      fz_val v = fz_value(&r);
      fz_bind(ins, c, &v);
    }
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  fz_run_all(db, stmts, n, params, nparam);
  fz_close(db);
}
