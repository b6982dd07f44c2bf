/*
** knn_share_test: knn_index read by several connections of one process
** while other connections, in this process and in another, write to it.
**
**   build/tests/knn_share_test build/recsql.so [work directory [library for the shell]]
**   (make knn-share; make tsan runs it under ThreadSanitizer)
**
** For each kind of index (flat / hnsw, float / int8, ip / l2 / cosine) on a
** WAL database file: reader B and writer A in this process, and a writer
** in another process (the sqlite3 shell), take turns: 24 rounds of a write
** transaction (inserts, deletes, updates; some rounds also roll a
** transaction back, or roll back to a savepoint inside the committed one),
** each followed by 12 MATCH queries (k 10, two ef_search, one rowid IN) on
** B, on a connection C opened half-way, and on a connection R to a copy of
** the file made at that moment (VACUUM INTO: another path, so R loads the
** table in full and shares nothing). B and C must return exactly R's rows
** and distances. The writes of the other process reach B through the change
** log: the test checks that catch-ups happened (recsql_debug). Then the same
** under a 1 kB cache budget (every copy evicted at once: same answers), and
** 4 reader threads with their own connections querying while A writes
** (no error; the answers at the end equal R's). Also two connections to one
** shared-cache in-memory database (no shared copy: each its own, kept up to
** date). And copies of tests/data/knn_v1.db (format 1) and of
** tests/data/knn_v2.db's int8 HNSW table (format 2, symmetric codes): no
** change log, no shared copy: B reloads them after each write, with the
** same answers, and they stay in their own version; and of
** tests/data/knn_v3.db's int8 HNSW table (format 3, one offset and step per
** vector, 40 dimensions): caught up through its log, new rows in format
** 3's layout. The kinds include a 40-dimension int8 table (format 4: two
** blocks of codes).
** Exit status 1 at the first difference.
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIM 40 /* at most; dim below */
#define N0 1500
#define ROUNDS 24
#define QUERIES 12
#define K 10

static const char *lib, *dir, *shell_lib;
static int dim = DIM; /* of the table being tested */
static int failures;

static void die(const char *what, sqlite3 *db) {
  fprintf(stderr, "knn_share_test: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  exit(1);
}

static sqlite3 *open_db(const char *path) {
  sqlite3 *db;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL))
    die("open", db);
  sqlite3_enable_load_extension(db, 1);
  char *err = NULL;
  if (sqlite3_load_extension(db, lib, NULL, &err)) {
    fprintf(stderr, "knn_share_test: load %s: %s\n", lib, err);
    exit(1);
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err)) {
    fprintf(stderr, "knn_share_test: %s\n  in: %.300s\n", err, sql);
    exit(1);
  }
}

static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static float rng_float(uint64_t *s) { return (float)((double)(rng_next(s) >> 11) * 0x1.0p-53 * 2.0 - 1.0); }

/* A JSON vector (floats printed so that they read back exactly). */
static void vec_json(char *out, uint64_t *s) {
  int n = sprintf(out, "'[");
  for (int i = 0; i < dim; i++) n += sprintf(out + n, "%s%.9g", i ? "," : "", rng_float(s));
  sprintf(out + n, "]'");
}

/* ---- answers --------------------------------------------------------------------------- */

typedef struct answer answer;
struct answer {
  int n;
  int64_t rowid[K];
  double dist[K];
};

/* Query q of the fixed set: the vector from seed q, and a variant. */
static void run_query(sqlite3 *db, int q, answer *a) {
  static const char *const sql[] = {
      "SELECT rowid, distance FROM t WHERE embedding MATCH ?1 AND k = 10",
      "SELECT rowid, distance FROM t WHERE embedding MATCH ?1 AND k = 10 AND ef_search = 12",
      "SELECT rowid, distance FROM t WHERE embedding MATCH ?1 AND k = 10 AND ef_search = 200",
      "SELECT rowid, distance FROM t WHERE embedding MATCH ?1 AND k = 10 AND rowid IN "
      "(WITH RECURSIVE s(x) AS (VALUES(1) UNION ALL SELECT x + 7 FROM s WHERE x < 4000) SELECT x FROM s)"};
  uint64_t s = 1000 + (uint64_t)q;
  float v[DIM];
  for (int i = 0; i < dim; i++) v[i] = rng_float(&s);
  sqlite3_stmt *st;
  const char *text = sql[q % 4];
  int rc;
  for (;;) {
    if (sqlite3_prepare_v2(db, text, -1, &st, NULL)) die("prepare query", db);
    sqlite3_bind_blob(st, 1, v, dim * (int)sizeof *v, SQLITE_STATIC);
    a->n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && a->n < K) {
      a->rowid[a->n] = sqlite3_column_int64(st, 0);
      a->dist[a->n++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_BUSY) break;
  }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) die("query", db);
}

static int same(const answer *x, const answer *y) {
  if (x->n != y->n) return 0;
  for (int i = 0; i < x->n; i++)
    if (x->rowid[i] != y->rowid[i] || x->dist[i] != y->dist[i]) return 0;
  return 1;
}

/* Compares db's answers with those of a fresh full load of a copy of the file. */
static void check(sqlite3 *db, sqlite3 *src, const char *what, int round) {
  char ref[512], sql[600];
  snprintf(ref, sizeof ref, "%s/ref.db", dir);
  unlink(ref);
  snprintf(sql, sizeof sql, "VACUUM INTO '%s'", ref);
  exec(src, sql);
  sqlite3 *r = open_db(ref);
  for (int q = 0; q < QUERIES; q++) {
    answer a, b;
    run_query(db, q, &a);
    run_query(r, q, &b);
    if (!same(&a, &b)) {
      fprintf(stderr, "MISMATCH %s round %d query %d: %d rows vs %d; first %lld %.9g vs %lld %.9g\n", what,
              round, q, a.n, b.n, a.n ? (long long)a.rowid[0] : -1LL, a.n ? a.dist[0] : 0.0,
              b.n ? (long long)b.rowid[0] : -1LL, b.n ? b.dist[0] : 0.0);
      failures++;
      break;
    }
  }
  sqlite3_close(r);
  unlink(ref);
}

/* ---- writes ---------------------------------------------------------------------------- */

static int64_t int_query(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) die("prepare", db);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return v;
}

typedef struct buf buf;
struct buf {
  char *p;
  size_t n, cap;
};

static void put(buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[1024];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (b->n + (size_t)n + 1 > b->cap) {
    b->cap = (b->n + (size_t)n + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) die("out of memory", NULL);
  }
  memcpy(b->p + b->n, tmp, (size_t)n + 1);
  b->n += (size_t)n;
}

/* A random existing rowid (read on db). */
static int64_t some_rowid(sqlite3 *db, uint64_t *s) {
  int64_t n = int_query(db, "SELECT count(*) FROM t_vectors");
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT rowid FROM t_vectors ORDER BY rowid LIMIT 1 OFFSET %lld",
           (long long)(rng_next(s) % (uint64_t)(n ? n : 1)));
  return int_query(db, sql);
}

/* The SQL of one write round. */
static void write_sql(sqlite3 *db, int round, uint64_t *s, buf *b) {
  char v[DIM * 20];
  int64_t next = int_query(db, "SELECT coalesce(max(rowid), 0) + 1 FROM t_vectors");
  if (round % 5 == 2) { /* a transaction rolled back */
    put(b, "BEGIN; INSERT INTO t(rowid, embedding) VALUES ");
    for (int i = 0; i < 5; i++) {
      vec_json(v, s);
      put(b, "%s(%lld, %s)", i ? ", " : "", (long long)(next + i), v);
    }
    put(b, "; DELETE FROM t WHERE rowid = %lld; ROLLBACK;\n", (long long)some_rowid(db, s));
  }
  put(b, "BEGIN;\n");
  int ins = 1 + (int)(rng_next(s) % 12), del = (int)(rng_next(s) % 6), upd = (int)(rng_next(s) % 4);
  for (int i = 0; i < ins; i++) {
    vec_json(v, s);
    put(b, "INSERT INTO t(rowid, embedding) VALUES (%lld, %s);\n", (long long)(next++), v);
  }
  for (int i = 0; i < del; i++) put(b, "DELETE FROM t WHERE rowid = %lld;\n", (long long)some_rowid(db, s));
  for (int i = 0; i < upd; i++) {
    vec_json(v, s);
    put(b, "UPDATE t SET embedding = %s WHERE rowid = %lld;\n", v, (long long)some_rowid(db, s));
  }
  if (round % 4 == 1) { /* a savepoint rolled back inside the committed transaction */
    vec_json(v, s);
    put(b,
        "SAVEPOINT sp; INSERT INTO t(rowid, embedding) VALUES (%lld, %s); DELETE FROM t WHERE rowid = %lld;"
        " ROLLBACK TO sp; RELEASE sp;\n",
        (long long)(next + 100), v, (long long)some_rowid(db, s));
    vec_json(v, s);
    put(b, "INSERT INTO t(rowid, embedding) VALUES (%lld, %s);\n", (long long)(next + 101), v);
  }
  put(b, "COMMIT;\n");
}

/* Runs sql in another process: the sqlite3 shell. */
static void write_elsewhere(const char *db_path, const char *sql) {
  char script[512], cmd[2048];
  snprintf(script, sizeof script, "%s/write.sql", dir);
  FILE *f = fopen(script, "w");
  if (!f) die("write script", NULL);
  fputs(sql, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "sqlite3 -bail -cmd '.timeout 10000' -cmd '.load %s' '%s' < '%s'", shell_lib,
           db_path, script);
  if (system(cmd) != 0) die("the sqlite3 shell failed", NULL);
}

static uint64_t catch_ups(sqlite3 *db) {
  const char *t = NULL;
  sqlite3_stmt *st;
  uint64_t n = 0;
  if (sqlite3_prepare_v2(db, "SELECT recsql_debug()", -1, &st, NULL)) die("debug", db);
  if (sqlite3_step(st) == SQLITE_ROW) t = (const char *)sqlite3_column_text(st, 0);
  const char *p = t ? strstr(t, "knn_index copies in memory:") : NULL;
  const char *q = p ? strstr(p, "full loads, ") : NULL;
  if (!q) die("recsql_debug has no knn_index line", NULL);
  n = strtoull(q + strlen("full loads, "), NULL, 10);
  sqlite3_finalize(st);
  return n;
}

/* ---- threads --------------------------------------------------------------------------- */

typedef struct reader reader;
struct reader {
  const char *path;
  volatile int *stop;
  int queries, errors;
};

static void *read_loop(void *arg) {
  reader *r = arg;
  sqlite3 *db = open_db(r->path);
  for (int q = 0; !__atomic_load_n(r->stop, __ATOMIC_ACQUIRE); q++) {
    answer a;
    run_query(db, q % QUERIES, &a);
    if (a.n != K && q % 4 != 3) r->errors++; /* (a rowid IN list may hold fewer rows) */
    r->queries++;
  }
  sqlite3_close(db);
  return NULL;
}

/* ---- one kind of index ------------------------------------------------------------------- */

/* opts: the table's options, or NULL to test a copy of tests/data/knn_v1.db
** (format 1: no log, no sharing; its table vh renamed t). */
/* opts NULL: the legacy table of format version (1: knn_v1.db's vh, float;
** 2: knn_v2.db's wh, int8 with symmetric codes), renamed t. */
static void run_kind(const char *name, const char *opts, const char *budget, int version) {
  char path[512], sql[1024];
  snprintf(path, sizeof path, "%s/share_%s.db", dir, name);
  unlink(path);
  uint64_t s = 42;
  buf b = {0};
  char v[DIM * 20];
  sqlite3 *a;
  dim = opts ? atoi(strstr(opts, "dim=") + 4) : version == 3 ? 40 : 4;
  if (opts) {
    a = open_db(path);
    exec(a, "PRAGMA journal_mode = WAL");
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE t USING knn_index(%s)", opts);
    exec(a, sql);
    put(&b, "BEGIN;");
    for (int i = 1; i <= N0; i++) {
      vec_json(v, &s);
      put(&b, "INSERT INTO t(rowid, embedding) VALUES (%d, %s);", i, v);
    }
    put(&b, "COMMIT;");
    exec(a, b.p);
  } else {
    const char *env = version == 1 ? "KNN_V1_DB" : version == 2 ? "KNN_V2_DB" : "KNN_V3_DB";
    const char *file = getenv(env)    ? getenv(env)
                       : version == 1 ? "tests/data/knn_v1.db"
                       : version == 2 ? "tests/data/knn_v2.db"
                                      : "tests/data/knn_v3.db";
    snprintf(sql, sizeof sql, "cp '%s' '%s'", file, path);
    if (system(sql) != 0) die("cannot copy the legacy database (KNN_V1_DB / KNN_V2_DB / KNN_V3_DB)", NULL);
    a = open_db(path);
    exec(a, version == 1   ? "PRAGMA journal_mode = WAL; ALTER TABLE vh RENAME TO t"
            : version == 2 ? "PRAGMA journal_mode = WAL; ALTER TABLE wh RENAME TO t"
                           : "PRAGMA journal_mode = WAL; ALTER TABLE uh RENAME TO t");
    if (int_query(a, "SELECT value FROM t_info WHERE key = 'format_version'") != version)
      die("not a table of the legacy version", a);
  }
  sqlite3 *bdb = open_db(path), *c = NULL;
  if (budget) {
    snprintf(sql, sizeof sql, "SELECT recsql_config('cache_budget', '%s')", budget);
    exec(a, sql);
  }
  char what[128];
  snprintf(what, sizeof what, "%s%s", name, budget ? " (tiny budget)" : "");
  check(bdb, a, what, -1);
  uint64_t cu0 = catch_ups(bdb);
  for (int round = 0; round < ROUNDS; round++) {
    b.n = 0;
    write_sql(a, round, &s, &b);
    if (round % 2)
      write_elsewhere(path, b.p);
    else
      exec(a, b.p);
    if (round == ROUNDS / 2) c = open_db(path);
    check(bdb, a, what, round);
    if (c) check(c, a, what, round);
    check(a, a, what, round); /* the writer's own copy */
  }
  uint64_t cu1 = catch_ups(bdb);
  if (!budget && (opts || version >= 3) && cu1 == cu0) {
    fprintf(stderr, "FAIL %s: the other process's writes were not caught up through the log\n", what);
    failures++;
  }
  if (!opts && version < 3 && cu1 != cu0) {
    fprintf(stderr, "FAIL %s: a version %d table (no log) was caught up\n", what, version);
    failures++;
  }
  if (!opts && int_query(a, "SELECT value FROM t_info WHERE key = 'format_version'") != version) {
    fprintf(stderr, "FAIL %s: the version %d table was rewritten in another version\n", what, version);
    failures++;
  }
  /* readers in threads while A writes */
  volatile int stop = 0;
  reader rd[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    rd[i] = (reader){path, &stop, 0, 0};
    pthread_create(&th[i], NULL, read_loop, &rd[i]);
  }
  for (int round = 0; round < 16; round++) {
    b.n = 0;
    write_sql(a, round, &s, &b);
    exec(a, b.p);
    usleep(20000);
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  int queries = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    queries += rd[i].queries;
    if (rd[i].errors) {
      fprintf(stderr, "FAIL %s: %d thread queries returned fewer than k rows\n", what, rd[i].errors);
      failures++;
    }
  }
  check(bdb, a, what, 100);
  printf("%-26s ok: %d rounds checked, %d thread queries, %llu catch-ups\n", what, ROUNDS, queries,
         (unsigned long long)(cu1 - cu0));
  if (budget) exec(a, "SELECT recsql_config('cache_budget', -1)");
  free(b.p);
  sqlite3_close(c);
  sqlite3_close(bdb);
  sqlite3_close(a);
  snprintf(sql, sizeof sql, "%s-wal", path);
  unlink(sql);
  snprintf(sql, sizeof sql, "%s-shm", path);
  unlink(sql);
  unlink(path);
}

/* Two connections to one shared-cache in-memory database: no file name, so
** no shared copy; each keeps its own up to date. */
static void run_memory(void) {
  const char *uri = "file:knn_share_mem?mode=memory&cache=shared";
  sqlite3 *a = open_db(uri), *b = open_db(uri);
  exec(a,
       "CREATE VIRTUAL TABLE m USING knn_index(dim=2, metric=l2);"
       "INSERT INTO m(rowid, embedding) VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[5,5]')");
  const char *q =
      "SELECT group_concat(rowid) FROM (SELECT rowid FROM m WHERE embedding MATCH '[0.9,0]' AND k = 2)";
  if (int_query(b, q) != 2) { /* "2,1": int_query reads the leading 2 */
    fprintf(stderr, "FAIL memory: first answer\n");
    failures++;
  }
  exec(a, "DELETE FROM m WHERE rowid = 2; INSERT INTO m(rowid, embedding) VALUES (4, '[0.8,0]')");
  if (int_query(b, q) != 4) {
    fprintf(stderr, "FAIL memory: b did not see a's write\n");
    failures++;
  }
  sqlite3_close(b);
  sqlite3_close(a);
  printf("%-26s ok\n", "memory (shared cache)");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: knn_share_test recsql.so [directory]\n");
    return 2;
  }
  lib = argv[1];
  dir = argc > 2 ? argv[2] : "/tmp";
  shell_lib = argc > 3 ? argv[3] : lib; /* a ThreadSanitizer build cannot load into the shell */
  static const char *const kinds[][2] = {
      {"flat_ip", "dim=12, metric=ip"},
      {"hnsw_l2", "dim=12, metric=l2, index=hnsw, m=8, ef_construction=32"},
      {"hnsw_cosine_int8", "dim=12, metric=cosine, index=hnsw, m=6, ef_construction=24, quantize=int8"},
      {"flat_l2_int8_rerank", "dim=12, metric=l2, quantize=int8, rerank=3"},
      {"flat_ip_int8", "dim=12, metric=ip, quantize=int8"},
      /* int8 codes of two blocks (format 4: one lo and step per 32 dimensions) */
      {"hnsw_ip_int8_dim40", "dim=40, metric=ip, index=hnsw, m=6, ef_construction=24, quantize=int8"},
  };
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) run_kind(kinds[i][0], kinds[i][1], NULL, 3);
  run_kind(kinds[1][0], kinds[1][1], "1k", 3);
  run_kind("hnsw_ip_format1", NULL, NULL, 1);
  run_kind("hnsw_ip_int8_format2", NULL, NULL, 2);
  /* format 3 (one offset and step per vector) keeps its log: caught up */
  run_kind("hnsw_l2_int8_format3", NULL, NULL, 3);
  run_memory();
  if (failures) printf("knn_share_test: %d failures\n", failures);
  return failures ? 1 : 0;
}
