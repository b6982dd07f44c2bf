/*
** load_test: many connections in several threads and processes on one WAL
** database, reading while one writer changes everything they read.
**
**   build/tests/load_test build/recsql.so [seconds [processes [threads]]]
**   (make load: 20 s, 2 processes x 4 reader threads; make test: 4 s)
**
** Setup (process 0, before forking): clicks(user, item), a model m_users /
** m_items from bpr_train, a knn_index vidx (hnsw) over the item vectors,
** version(v) and ref(version, kind, key, answer).
**
** The writer (a thread of process 0) loops: BEGIN IMMEDIATE; insert and
** delete clicks; insert into and delete from vidx; every third round retrain
** the model (bpr_train replacing m_users / m_items); bump version.v; then,
** still inside the transaction, compute the answer of every reference query
** (KEYS keys per kind) on its own connection, single-threaded ('threads': 1
** where an object takes it), and insert them into ref under the new version;
** COMMIT. So each committed version carries the answers of its own snapshot.
**
** Readers (each thread its own connection, busy timeout 10 s): BEGIN; read
** version.v (this fixes the snapshot); run one query of a random kind and
** key — recommend ... WHERE user = ?, vidx MATCH, swing_sim ... WHERE
** item_a = ?, a metric aggregate over model scores — with the default
** threads; read ref's answer for (v, kind, key); COMMIT; compare. A
** mismatch means a reader saw something else than its snapshot (a stale
** cache, a torn model, a race). Any error other than SQLITE_BUSY counts as an
** error. Latency is that of the query alone.
**
** Results go through shared memory to process 0, which prints per kind:
** queries, queries/s, p50 and p99 in ms, busy retries, errors, mismatches;
** exit status 1 if any error or mismatch. LOAD_SELFTEST=1 checks the
** checker: readers compare with the previous version's answers, and the
** test must fail (it does: thousands of mismatches in 8 s).
*/
#include <sqlite3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEYS 16
#define DIM 16
#define MAX_SAMPLES (1 << 20)

enum { K_RECOMMEND, K_KNN, K_SWING, K_METRIC, K_COUNT };
static const char *const kind_name[K_COUNT] = {"recommend", "knn MATCH", "swing_sim", "metrics"};

/* The query of each kind: ?1 is the key (0..KEYS-1); one text column. */
static const char *const kind_sql[K_COUNT] = {
    "SELECT group_concat(item || ':' || printf('%.4f', score), ' ') FROM "
    "(SELECT item, score FROM recommend('m_users', 'm_items', 10, 'clicks') WHERE user = ?1 ORDER BY rank)",
    "SELECT group_concat(rowid || ':' || printf('%.4f', distance), ' ') FROM "
    "(SELECT rowid, distance FROM vidx WHERE embedding MATCH (SELECT emb FROM m_items WHERE id = ?1) "
    "AND k = 10 ORDER BY distance, rowid)",
    "SELECT group_concat(item_b || ':' || printf('%.5f', score), ' ') FROM "
    "(SELECT item_b, score FROM swing_sim('clicks') WHERE item_a = ?1 ORDER BY score DESC, item_b LIMIT 20)",
    "SELECT printf('%.6f %.6f', avg(n), avg(r)) FROM (SELECT ndcg_at_k(s, hit, 10) AS n, "
    "recall_at_k(s, hit, 10) AS r FROM (SELECT u.id AS uid, embed_dot(u.emb, i.emb) AS s, "
    "EXISTS (SELECT 1 FROM clicks c WHERE c.user = u.id AND c.item = i.id) AS hit "
    "FROM m_users u, m_items i WHERE u.id BETWEEN ?1 * 3 AND ?1 * 3 + 2) GROUP BY uid)",
};

typedef struct shared shared;
struct shared {
  atomic_long n[K_COUNT], busy[K_COUNT], errors[K_COUNT], mismatches[K_COUNT];
  atomic_long versions;
  atomic_int stop;
  float lat[K_COUNT][MAX_SAMPLES]; /* ms */
};

static shared *sh;
static const char *lib, *path = "build/load_test.db";
static double seconds = 20;
static int selftest;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static sqlite3 *open_db(void) {
  sqlite3 *db;
  char *err = NULL;
  if (sqlite3_open(path, &db) != SQLITE_OK) {
    fprintf(stderr, "load_test: open %s: %s\n", path, sqlite3_errmsg(db));
    exit(2);
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, lib, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "load_test: load %s: %s\n", lib, err);
    exit(2);
  }
  return db;
}

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "load_test: %s\n  in: %.200s\n", err, sql);
    exit(2);
  }
}

/* Runs query `kind` for key on db; the answer into buf. Returns the SQLite
** code of the failure, or SQLITE_OK. */
static int run_query(sqlite3 *db, int kind, int key, char *buf, size_t cap) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, kind_sql[kind], -1, &st, NULL);
  if (rc) return rc;
  sqlite3_bind_int(st, 1, key);
  rc = sqlite3_step(st);
  buf[0] = 0;
  if (rc == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    snprintf(buf, cap, "%s", t ? t : "");
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

static long read_version(sqlite3 *db) {
  sqlite3_stmt *st;
  long v = -1;
  if (sqlite3_prepare_v2(db, "SELECT v FROM version", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Computes and stores the reference answers of version v (inside the
** writer's transaction). */
static void write_refs(sqlite3 *db, long v) {
  static char buf[1 << 16];
  sqlite3_stmt *ins;
  sqlite3_prepare_v2(db, "INSERT INTO ref VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL);
  for (int kind = 0; kind < K_COUNT; kind++)
    for (int key = 0; key < KEYS; key++) {
      int rc = run_query(db, kind, key, buf, sizeof buf);
      if (rc) {
        fprintf(stderr, "load_test: writer reference %s: %s\n", kind_name[kind], sqlite3_errmsg(db));
        exit(2);
      }
      sqlite3_bind_int64(ins, 1, v);
      sqlite3_bind_int(ins, 2, kind);
      sqlite3_bind_int(ins, 3, key);
      sqlite3_bind_text(ins, 4, buf, -1, SQLITE_TRANSIENT);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
  sqlite3_finalize(ins);
}

static void setup(void) {
  unlink(path);
  char wal[512], shm[512];
  snprintf(wal, sizeof wal, "%s-wal", path);
  snprintf(shm, sizeof shm, "%s-shm", path);
  unlink(wal);
  unlink(shm);
  sqlite3 *db = open_db();
  exec(db, "PRAGMA journal_mode = WAL");
  exec(db,
       "CREATE TABLE clicks(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID;"
       /* power-law-ish: item popularity falls with its id */
       "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 4000) "
       "INSERT OR IGNORE INTO clicks SELECT value % 120, abs(random() % (1 + abs(random() % 200))) FROM s;"
       "CREATE TABLE version(v INTEGER);"
       "INSERT INTO version VALUES (0);"
       "CREATE TABLE ref(version INTEGER, kind INTEGER, key INTEGER, answer TEXT, "
       "PRIMARY KEY (version, kind, key)) WITHOUT ROWID;"
       "SELECT bpr_train('clicks', 'm', '{\"dim\": 16, \"epochs\": 5, \"threads\": 1, \"seed\": 1}');"
       "CREATE VIRTUAL TABLE vidx USING knn_index(dim=16, metric=ip, index=hnsw);"
       "INSERT INTO vidx(rowid, embedding) SELECT id, emb FROM m_items;");
  exec(db, "BEGIN IMMEDIATE");
  write_refs(db, 0);
  exec(db, "COMMIT");
  sqlite3_close(db);
}

static void *writer(void *arg) {
  (void)arg;
  sqlite3 *db = open_db();
  char sql[1024];
  for (long v = 1; !atomic_load(&sh->stop); v++) {
    exec(db, "BEGIN IMMEDIATE");
    snprintf(
        sql, sizeof sql,
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20) "
        "INSERT OR IGNORE INTO clicks SELECT abs(random() %% 120), abs(random() %% 200) FROM s;"
        "DELETE FROM clicks WHERE (user, item) IN (SELECT user, item FROM clicks ORDER BY random() LIMIT 10);"
        "DELETE FROM vidx WHERE rowid IN (SELECT rowid FROM vidx ORDER BY random() LIMIT 3);"
        "INSERT OR REPLACE INTO vidx(rowid, embedding) SELECT id, emb FROM m_items "
        "WHERE id NOT IN (SELECT rowid FROM vidx) ORDER BY random() LIMIT 3;"
        "UPDATE version SET v = %ld;",
        v);
    exec(db, sql);
    if (v % 3 == 0) {
      snprintf(
          sql, sizeof sql,
          "SELECT bpr_train('clicks', 'm', '{\"dim\": 16, \"epochs\": 3, \"threads\": 1, \"seed\": %ld}')",
          v);
      exec(db, sql);
    }
    write_refs(db, v);
    exec(db, "COMMIT");
    atomic_fetch_add(&sh->versions, 1);
    usleep(20000);
  }
  sqlite3_close(db);
  return NULL;
}

static void record(int kind, double ms) {
  long i = atomic_fetch_add(&sh->n[kind], 1);
  if (i < MAX_SAMPLES) sh->lat[kind][i] = (float)ms;
}

static void *reader(void *arg) {
  unsigned seed = (unsigned)(size_t)arg * 7919u + (unsigned)getpid();
  sqlite3 *db = open_db();
  static _Thread_local char got[1 << 16], want[1 << 16];
  sqlite3_stmt *ref;
  sqlite3_prepare_v2(db, "SELECT answer FROM ref WHERE version = ?1 AND kind = ?2 AND key = ?3", -1, &ref,
                     NULL);
  while (!atomic_load(&sh->stop)) {
    int kind = (int)(rand_r(&seed) % K_COUNT), key = (int)(rand_r(&seed) % KEYS);
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    long v = rc ? -1 : read_version(db);
    double t0 = now();
    if (rc == SQLITE_OK) rc = v < 0 ? sqlite3_errcode(db) : run_query(db, kind, key, got, sizeof got);
    double ms = (now() - t0) * 1e3;
    if (rc == SQLITE_OK) {
      /* LOAD_SELFTEST=1 compares with the previous version's answers: the
      ** test must then report mismatches (it can fail) */
      sqlite3_bind_int64(ref, 1, selftest && v > 0 ? v - 1 : v);
      sqlite3_bind_int(ref, 2, kind);
      sqlite3_bind_int(ref, 3, key);
      rc = sqlite3_step(ref);
      snprintf(want, sizeof want, "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(ref, 0) : "?");
      rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
      sqlite3_reset(ref);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if ((rc & 0xff) == SQLITE_BUSY) {
      atomic_fetch_add(&sh->busy[kind], 1);
      continue;
    }
    if (rc != SQLITE_OK) {
      if (atomic_fetch_add(&sh->errors[kind], 1) < 5)
        fprintf(stderr, "load_test: %s error %d: %s\n", kind_name[kind], rc, sqlite3_errmsg(db));
      continue;
    }
    record(kind, ms);
    if (strcmp(got, want) != 0 && atomic_fetch_add(&sh->mismatches[kind], 1) < 5)
      fprintf(stderr, "load_test: %s key %d version %ld\n  got  %.300s\n  want %.300s\n", kind_name[kind],
              key, v, got, want);
  }
  sqlite3_finalize(ref);
  sqlite3_close(db);
  return NULL;
}

static int cmpf(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

/* A child process: its readers, until process 0 says stop. */
static void run_readers(int threads) {
  pthread_t th[64];
  for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, reader, (void *)(size_t)(t + 1));
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: load_test path/to/recsql.so [seconds [processes [threads]]]\n");
    return 2;
  }
  lib = argv[1];
  if (argc > 2) seconds = atof(argv[2]);
  int procs = argc > 3 ? atoi(argv[3]) : 2, threads = argc > 4 ? atoi(argv[4]) : 4;
  if (getenv("LOAD_DB")) path = getenv("LOAD_DB");
  selftest = getenv("LOAD_SELFTEST") && atoi(getenv("LOAD_SELFTEST"));
  if (threads < 1 || threads > 64 || procs < 1 || procs > 16) return 2;
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) return 2;
  setup();
  pid_t kids[16];
  for (int p = 1; p < procs; p++) {
    kids[p] = fork();
    if (kids[p] == 0) {
      run_readers(threads);
      _exit(0);
    }
  }
  double t0 = now();
  /* process 0: the writer and its readers; stop after `seconds` */
  pthread_t th[64], w;
  pthread_create(&w, NULL, writer, NULL);
  for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, reader, (void *)(size_t)(100 + t));
  while (now() - t0 < seconds) usleep(50000);
  atomic_store(&sh->stop, 1);
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
  pthread_join(w, NULL);
  int status = 0;
  for (int p = 1; p < procs; p++) {
    int st;
    waitpid(kids[p], &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) status = 1;
  }
  double el = now() - t0;
  long errs = 0, mism = 0;
  printf("load_test: %d processes x %d reader threads + 1 writer, %.1f s, %ld versions written\n", procs,
         threads, el, atomic_load(&sh->versions));
  printf("%-10s %8s %8s %9s %9s %6s %6s %10s\n", "kind", "queries", "q/s", "p50 ms", "p99 ms", "busy",
         "errors", "mismatches");
  for (int k = 0; k < K_COUNT; k++) {
    long n = atomic_load(&sh->n[k]), m = n < MAX_SAMPLES ? n : MAX_SAMPLES;
    qsort(sh->lat[k], (size_t)m, sizeof(float), cmpf);
    double p50 = m ? sh->lat[k][m / 2] : 0, p99 = m ? sh->lat[k][(long)(m * 0.99)] : 0;
    printf("%-10s %8ld %8.1f %9.2f %9.2f %6ld %6ld %10ld\n", kind_name[k], n, n / el, p50, p99,
           atomic_load(&sh->busy[k]), atomic_load(&sh->errors[k]), atomic_load(&sh->mismatches[k]));
    errs += atomic_load(&sh->errors[k]);
    mism += atomic_load(&sh->mismatches[k]);
  }
  if (errs || mism || status) {
    printf("load_test: FAILED (%ld errors, %ld mismatches)\n", errs, mism);
    return 1;
  }
  printf("load_test: ok\n");
  return 0;
}
