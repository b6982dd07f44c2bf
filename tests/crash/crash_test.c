/*
** crash_test: knn_index survives a process killed in the middle of inserts.
**
**   make crash            (builds build/crash_test, linked with build/librecsql.a)
**   build/crash_test [iterations per configuration, default 6]
**
** For each journal mode (rollback journal, WAL) and index (hnsw, flat), and
** each iteration: a child process opens a database file and runs batches in
** transactions: batch j inserts BATCH vectors (rowids j*BATCH+1 ..) and, from
** j = 1 on, deletes the first row of batch j-1. Before each COMMIT it writes
** "begin j" to a pipe, after it "done j". The parent SIGKILLs the child after
** a random delay (0-600 ms), then reopens the database and requires:
**   - PRAGMA integrity_check is "ok";
**   - SELECT rowid FROM x is exactly the rows of batches 0..d, d the last
**     "done" (or of 0..d+1 when "begin d+1" was written: the kill may have
**     come after that COMMIT had finished but before "done" was written);
**   - a MATCH query with k = that count returns the same rows, and the
**     shadow tables hold one vector (and, for hnsw, one graph node) per row;
**   - the index still takes an insert and finds it.
** Prints one line per configuration.
*/
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../ext/recsql.h"

#define DIM 16
#define BATCH 40
#define MAX_BATCHES 100000

static void die(sqlite3 *db, const char *what) {
  fprintf(stderr, "crash_test: %s: %s\n", what, db ? sqlite3_errmsg(db) : strerror(errno));
  exit(2);
}

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "crash_test: %s\n  in: %s\n", err, sql);
    exit(2);
  }
}

/* The vector of a rowid: deterministic, so that any process can make it. */
static void vec_of(int64_t id, float *v) {
  uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull + 1;
  for (int d = 0; d < DIM; d++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[d] = (float)((double)(x >> 11) / 9007199254740992.0 - 0.5);
  }
}

/* 1 when rowid id exists after batches 0..b. */
static int expected(int64_t id, int b) {
  if (id < 1 || id > (int64_t)(b + 1) * BATCH) return 0;
  int64_t j = (id - 1) / BATCH; /* its batch */
  int first = (id - 1) % BATCH == 0;
  return !(first && j + 1 <= b); /* deleted by batch j+1 */
}

static void child(const char *path, int fd) {
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) die(db, "child open");
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt *ins, *del;
  if (sqlite3_prepare_v2(db, "INSERT INTO x(rowid, embedding) VALUES (?1, ?2)", -1, &ins, NULL) ||
      sqlite3_prepare_v2(db, "DELETE FROM x WHERE rowid = ?1", -1, &del, NULL))
    die(db, "child prepare");
  float v[DIM];
  for (int j = 0; j < MAX_BATCHES; j++) {
    exec(db, "BEGIN");
    for (int t = 0; t < BATCH; t++) {
      int64_t id = (int64_t)j * BATCH + t + 1;
      vec_of(id, v);
      sqlite3_bind_int64(ins, 1, id);
      sqlite3_bind_blob(ins, 2, v, sizeof v, SQLITE_STATIC);
      if (sqlite3_step(ins) != SQLITE_DONE) die(db, "child insert");
      sqlite3_reset(ins);
    }
    if (j > 0) {
      sqlite3_bind_int64(del, 1, (int64_t)(j - 1) * BATCH + 1);
      if (sqlite3_step(del) != SQLITE_DONE) die(db, "child delete");
      sqlite3_reset(del);
    }
    int32_t msg[2] = {0, j};
    if (write(fd, msg, sizeof msg) != sizeof msg) die(NULL, "child write");
    exec(db, "COMMIT");
    msg[0] = 1;
    if (write(fd, msg, sizeof msg) != sizeof msg) die(NULL, "child write");
  }
  _exit(0);
}

/* Checks the reopened database against the batches; returns 0 when it passes. */
static int check(const char *path, int done, int begun, int hnsw, char *why, size_t nwhy) {
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) die(db, "open");
  sqlite3_stmt *st;
  int bad = 0;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL)) die(db, "integrity_check");
  if (sqlite3_step(st) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
    snprintf(why, nwhy, "integrity_check: %s", sqlite3_column_text(st, 0));
    bad = 1;
  }
  sqlite3_finalize(st);
  /* the rows: those of batches 0..done, or 0..begun when that commit went through */
  int64_t n = 0, n_done = 0, n_begun = 0, mismatch_done = 0, mismatch_begun = 0;
  for (int64_t id = 1; id <= (int64_t)(begun + 1) * BATCH; id++) n_done += expected(id, done), n_begun += expected(id, begun);
  if (!bad) {
    if (sqlite3_prepare_v2(db, "SELECT rowid FROM x ORDER BY rowid", -1, &st, NULL)) die(db, "select");
    int64_t next_done = 1, next_begun = 1;
    while (sqlite3_step(st) == SQLITE_ROW) {
      int64_t id = sqlite3_column_int64(st, 0);
      n++;
      while (next_done < id && !expected(next_done, done)) next_done++;
      while (next_begun < id && !expected(next_begun, begun)) next_begun++;
      if (next_done != id || !expected(id, done)) mismatch_done = 1;
      if (next_begun != id || !expected(id, begun)) mismatch_begun = 1;
      next_done = next_begun = id + 1;
    }
    sqlite3_finalize(st);
    if (n != n_done) mismatch_done = 1;
    if (n != n_begun) mismatch_begun = 1;
    if (mismatch_done && (begun == done || mismatch_begun)) {
      snprintf(why, nwhy, "rowids: %lld rows, expected the %lld of batches 0..%d%s", (long long)n, (long long)n_done,
               done, begun > done ? " (or those of one more)" : "");
      bad = 1;
    }
  }
  if (!bad) {
    /* MATCH with k = count: the same rows; one vector (and graph node) per row */
    char *sql = sqlite3_mprintf(
        "SELECT count(*), count(DISTINCT rowid), (SELECT count(*) FROM x_vectors), %s, "
        "(SELECT count(*) FROM x WHERE rowid NOT IN (SELECT rowid FROM x WHERE embedding MATCH ?1 AND k = %lld)) "
        "FROM x WHERE embedding MATCH ?1 AND k = %lld",
        hnsw ? "(SELECT count(*) FROM x_graph)" : "-1", (long long)(n ? n : 1), (long long)(n ? n : 1));
    float q[DIM];
    vec_of(424242, q);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) die(db, sql);
    sqlite3_free(sql);
    sqlite3_bind_blob(st, 1, q, sizeof q, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
      snprintf(why, nwhy, "MATCH query failed: %s", sqlite3_errmsg(db));
      bad = 1;
    } else if (sqlite3_column_int64(st, 0) != n || sqlite3_column_int64(st, 1) != n ||
               sqlite3_column_int64(st, 2) != n || (hnsw && sqlite3_column_int64(st, 3) != n) ||
               sqlite3_column_int64(st, 4) != 0) {
      snprintf(why, nwhy, "MATCH k=%lld returned %lld rows (%lld distinct), x_vectors %lld, x_graph %lld, missed %lld",
               (long long)n, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
               sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4));
      bad = 1;
    }
    sqlite3_finalize(st);
  }
  if (!bad) {
    /* still usable: insert a row and find it as its own nearest neighbour */
    float v[DIM];
    vec_of(-5, v);
    if (sqlite3_prepare_v2(db, "INSERT INTO x(rowid, embedding) VALUES (-5, ?1)", -1, &st, NULL)) die(db, "insert");
    sqlite3_bind_blob(st, 1, v, sizeof v, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE ||
        sqlite3_prepare_v2(db, "SELECT rowid FROM x WHERE embedding MATCH ?1 AND k = 1 AND ef_search = 200", -1, &st,
                           NULL))
      die(db, "insert after reopen");
    sqlite3_bind_blob(st, 1, v, sizeof v, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) != -5) {
      snprintf(why, nwhy, "a row inserted after the reopen is not found");
      bad = 1;
    }
    sqlite3_finalize(st);
  }
  if (sqlite3_close(db) != SQLITE_OK) die(db, "close");
  return bad;
}

int main(int argc, char **argv) {
  int iters = argc > 1 ? atoi(argv[1]) : 6;
  setvbuf(stdout, NULL, _IOLBF, 0);
  sqlite3_auto_extension((void (*)(void))sqlite3_recsql_init);
  char dir[] = "/tmp/recsql_crash_XXXXXX";
  if (!mkdtemp(dir)) die(NULL, "mkdtemp");
  char path[256];
  snprintf(path, sizeof path, "%s/crash.db", dir);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  int fails = 0;
  for (int wal = 0; wal < 2; wal++)
    for (int hnsw = 0; hnsw < 2; hnsw++) {
      int ok = 0, bad = 0, max_done = -1, min_done = MAX_BATCHES, both = 0;
      for (int it = 0; it < iters; it++) {
        char sidecar[300];
        unlink(path);
        snprintf(sidecar, sizeof sidecar, "%s-journal", path), unlink(sidecar);
        snprintf(sidecar, sizeof sidecar, "%s-wal", path), unlink(sidecar);
        snprintf(sidecar, sizeof sidecar, "%s-shm", path), unlink(sidecar);
        sqlite3 *db;
        if (sqlite3_open(path, &db) != SQLITE_OK) die(db, "open");
        exec(db, wal ? "PRAGMA journal_mode = WAL" : "PRAGMA journal_mode = DELETE");
        exec(db, hnsw ? "CREATE VIRTUAL TABLE x USING knn_index(dim=16, metric=l2, index=hnsw, m=8, ef_construction=32)"
                      : "CREATE VIRTUAL TABLE x USING knn_index(dim=16, metric=l2)");
        sqlite3_close(db);
        int fd[2];
        if (pipe(fd)) die(NULL, "pipe");
        pid_t pid = fork();
        if (pid < 0) die(NULL, "fork");
        if (pid == 0) {
          close(fd[0]);
          child(path, fd[1]);
        }
        close(fd[1]);
        struct timespec d = {0, (long)(rand() % 600) * 1000000L};
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        int done = -1, begun = -1;
        int32_t msg[2];
        while (read(fd[0], msg, sizeof msg) == sizeof msg) {
          if (msg[0]) done = msg[1];
          else begun = msg[1];
        }
        close(fd[0]);
        if (begun < done) begun = done;
        if (begun > done) both++;
        char why[300] = "";
        if (check(path, done, begun, hnsw, why, sizeof why)) {
          bad++;
          printf("FAIL crash %s %s iteration %d (killed after %d committed batches): %s\n", wal ? "WAL" : "journal",
                 hnsw ? "hnsw" : "flat", it, done + 1, why);
        } else {
          ok++;
        }
        if (done > max_done) max_done = done;
        if (done < min_done) min_done = done;
      }
      printf("%s crash %-7s %-4s: %d kills, %d/%d passed, %d-%d committed batches of %d rows when killed, "
             "%d killed between a batch's writes and its reported COMMIT\n",
             bad ? "FAIL" : "ok  ", wal ? "WAL" : "journal", hnsw ? "hnsw" : "flat", iters, ok, iters, min_done + 1,
             max_done + 1, BATCH, both);
      fails += bad;
    }
  char sidecar[300];
  unlink(path);
  snprintf(sidecar, sizeof sidecar, "%s-journal", path), unlink(sidecar);
  snprintf(sidecar, sizeof sidecar, "%s-wal", path), unlink(sidecar);
  snprintf(sidecar, sizeof sidecar, "%s-shm", path), unlink(sidecar);
  rmdir(dir);
  printf("crash tests: %d failed\n", fails);
  return fails ? 1 : 0;
}
