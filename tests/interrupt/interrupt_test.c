/*
** interrupt_test: sqlite3_interrupt during long recsql statements.
**
**   make interrupt        (builds build/interrupt_test, linked with build/librecsql.a)
**   build/interrupt_test tests/data/gowalla_sample/train.txt
**
** Timed cases: each statement runs for several seconds when left alone; a
** second thread calls sqlite3_interrupt(db) 300 ms after the first step. The
** statement must end with SQLITE_INTERRUPT within one second of the call, and
** the database must be exactly as before (a fingerprint of sqlite_schema and
** of every table's rows), with no transaction left open.
**
** Triggered cases: bpr_train is interrupted at a chosen point of its write
** phase (from the authorizer, when it prepares the CREATE TABLE or the INSERT
** of its second table), inside and outside a transaction of the caller; the
** previous model tables must be left exactly as they were.
**
** swing_sim and itemcf_sim run over `dense` (2 million interactions, made
** here), cold (the interrupt may land in the source read) and cached (a
** warm-up query has read the table, so it lands in the computation).
**
** Prints one line per case with the measured latency. Adding an object: add
** a line to `timed` (its SQL must run for seconds on the fixture).
*/
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../ext/recsql.h"

#define DELAY_S 0.3
#define LIMIT_S 1.0

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(sqlite3 *db, const char *what) {
  fprintf(stderr, "interrupt_test: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  exit(2);
}

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "interrupt_test: %s\n  in: %.200s\n", err, sql);
    exit(2);
  }
}

/* FNV-1a over bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t k = 0; k < n; k++) h = (h ^ s[k]) * 1099511628211ull;
  return h;
}

/* Fingerprint of the database: the schema, then every row of every table. */
static uint64_t fingerprint(sqlite3 *db) {
  uint64_t h = 1469598103934665603ull;
  sqlite3_stmt *sch, *rows;
  if (sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_schema ORDER BY name", -1, &sch, NULL))
    die(db, "schema");
  while (sqlite3_step(sch) == SQLITE_ROW) {
    for (int c = 0; c < 3; c++) {
      const unsigned char *t = sqlite3_column_text(sch, c);
      h = fnv(h, t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(sch, c) : 0);
      h = fnv(h, "|", 1);
    }
    if (strcmp((const char *)sqlite3_column_text(sch, 0), "table") != 0) continue;
    char *sql =
        sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid", (const char *)sqlite3_column_text(sch, 1));
    if (sqlite3_prepare_v2(db, sql, -1, &rows, NULL)) {
      /* WITHOUT ROWID tables: their primary key order */
      sqlite3_free(sql);
      sql = sqlite3_mprintf("SELECT * FROM \"%w\"", (const char *)sqlite3_column_text(sch, 1));
      if (sqlite3_prepare_v2(db, sql, -1, &rows, NULL)) die(db, "fingerprint");
    }
    sqlite3_free(sql);
    while (sqlite3_step(rows) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(rows); c++) {
        const void *b = sqlite3_column_blob(rows, c);
        h = fnv(h, b ? b : "", (size_t)sqlite3_column_bytes(rows, c));
        h = fnv(h, "\x1f", 1);
      }
    sqlite3_finalize(rows);
  }
  sqlite3_finalize(sch);
  return h;
}

/* ---- the fixture --------------------------------------------------------- */

static uint64_t rng = 88172645463325252ull;
static float frand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (float)((double)(rng >> 11) / 9007199254740992.0 - 0.5);
}

/* train(user, item) from "user item item ..." lines; big_users(id, emb) and
** big_items(id, emb, bias): 20000 x 21643 random 256-dim vectors for
** recommend; m_users / m_items: an old model that must survive. */
static void load(sqlite3 *db, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(2);
  }
  exec(db, "BEGIN; CREATE TABLE train(user INTEGER, item INTEGER);");
  sqlite3_stmt *ins;
  if (sqlite3_prepare_v2(db, "INSERT INTO train VALUES (?1, ?2)", -1, &ins, NULL)) die(db, "prepare");
  static char line[1 << 20];
  while (fgets(line, sizeof line, f)) {
    char *p = line, *end;
    long user = strtol(p, &end, 10);
    if (end == p) continue;
    for (p = end;; p = end) {
      long item = strtol(p, &end, 10);
      if (end == p) break;
      sqlite3_bind_int64(ins, 1, user);
      sqlite3_bind_int64(ins, 2, item);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
  }
  fclose(f);
  sqlite3_finalize(ins);
  enum { DIM = 256, NU = 20000, NI = 21643 };
  static float v[DIM];
  exec(db,
       "CREATE TABLE big_users(id INTEGER PRIMARY KEY, emb BLOB);"
       "CREATE TABLE big_items(id INTEGER PRIMARY KEY, emb BLOB, bias REAL);");
  for (int t = 0; t < 2; t++) {
    if (sqlite3_prepare_v2(
            db, t ? "INSERT INTO big_items VALUES (?1, ?2, 0.5)" : "INSERT INTO big_users VALUES (?1, ?2)",
            -1, &ins, NULL))
      die(db, "prepare");
    for (int r = 0; r < (t ? NI : NU); r++) {
      for (int d = 0; d < DIM; d++) v[d] = frand();
      sqlite3_bind_int64(ins, 1, r);
      sqlite3_bind_blob(ins, 2, v, sizeof v, SQLITE_STATIC);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
  }
  exec(db,
       "CREATE TABLE m_users(id PRIMARY KEY, emb BLOB); CREATE TABLE m_items(id PRIMARY KEY, emb BLOB, bias "
       "REAL);"
       "INSERT INTO m_users VALUES (1, embed('[1,2]')), ('old', embed('[3,4]'));"
       "INSERT INTO m_items VALUES (7, embed('[5,6]'), 0.25);");
  /* swing_sim / itemcf_sim: user u has the items (7u + 3k) mod 2000, k < 1000 */
  exec(db,
       "CREATE TABLE dense(user INTEGER, item INTEGER);"
       "WITH RECURSIVE u(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM u WHERE x < 1999),"
       "  k(y) AS (SELECT 0 UNION ALL SELECT y + 1 FROM k WHERE y < 999) "
       "INSERT INTO dense SELECT x, (x * 7 + y * 3) % 2000 FROM u, k;");
  /* knn_index: 50,000 random 32-dim vectors to build an HNSW index from, and
  ** an index that already holds 1000 of them (an interrupted build must
  ** leave exactly those) */
  enum { KD = 32, KN = 50000 };
  exec(db,
       "CREATE TABLE kvec(id INTEGER PRIMARY KEY, emb BLOB);"
       "CREATE VIRTUAL TABLE kidx USING knn_index(dim=32, metric=l2, index=hnsw, m=16, ef_construction=64);"
       "CREATE VIRTUAL TABLE kflat USING knn_index(dim=32, metric=ip);");
  if (sqlite3_prepare_v2(db, "INSERT INTO kvec VALUES (?1, ?2)", -1, &ins, NULL)) die(db, "prepare");
  for (int r = 0; r < KN; r++) {
    for (int d = 0; d < KD; d++) v[d] = frand();
    sqlite3_bind_int64(ins, 1, r);
    sqlite3_bind_blob(ins, 2, v, sizeof(float) * KD, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  exec(db,
       "INSERT INTO kidx(rowid, embedding) SELECT id, emb FROM kvec WHERE id < 1000;"
       "INSERT INTO kflat(rowid, embedding) SELECT id, emb FROM kvec WHERE id < 1000;"
       "COMMIT;");
}

/* ---- timed cases ---------------------------------------------------------- */

#define SWING_WARM "SELECT count(*) FROM swing_sim('dense', 1.0, 1, 0, 0, NULL, 2) WHERE item_a = 0"
#define ITEMCF_WARM "SELECT count(*) FROM itemcf_sim('dense', 1) WHERE item_a = 0"

typedef struct timed_case timed_case;
struct timed_case {
  const char *name;
  const char *sql;
  int in_txn;       /* 1: run inside BEGIN ... ROLLBACK of the caller, which must stay open and intact; 2: the
                    ** same for a write, where SQLite may instead roll back the caller's whole transaction
                    ** (as sqlite3_interrupt does for writes): then the database must be as before BEGIN */
  const char *warm; /* run first, untimed (fills the source cache of swing_sim / itemcf_sim), or NULL */
};

static const timed_case timed[] = {
    {"bpr_train bpr", "SELECT bpr_train('train', 'm', '{\"dim\": 64, \"epochs\": 1000}')", 0, NULL},
    {"bpr_train bpr 1 thread",
     "SELECT bpr_train('train', 'm', '{\"dim\": 64, \"epochs\": 1000, \"threads\": 1}')", 0, NULL},
    {"bpr_train softmax",
     "SELECT bpr_train('train', 'm', '{\"dim\": 64, \"epochs\": 1000, \"loss\": \"softmax\"}')", 0, NULL},
    {"bpr_train ccl", "SELECT bpr_train('train', 'm', '{\"dim\": 64, \"epochs\": 1000, \"loss\": \"ccl\"}')",
     0, NULL},
    {"neg_samples count(*)", "SELECT count(*) FROM neg_samples('train', 1000, 'uniform', 1)", 0, NULL},
    {"neg_samples popularity", "SELECT count(*) FROM neg_samples('train', 1000, 'popularity', 1)", 0, NULL},
    {"recommend", "SELECT count(*) FROM recommend('big_users', 'big_items', 20)", 0, NULL},
    {"recommend exclude", "SELECT count(*) FROM recommend('big_users', 'big_items', 50, 'train')", 0, NULL},
    {"item2vec_train",
     "SELECT item2vec_train('SELECT user, item, rowid FROM train', 'm', '{\"epochs\": 100000}')", 0, NULL},
    {"item2vec_train walks 1 thread",
     "SELECT item2vec_train('SELECT user, item, rowid FROM train', 'm', '{\"mode\": \"walks\", \"epochs\": "
     "100000, "
     "\"threads\": 1}')",
     0, NULL},
    {"item2vec_train side_info",
     "SELECT item2vec_train('SELECT user, item, rowid FROM train', 'm', '{\"epochs\": 100000, \"side_info\": "
     "\"SELECT item, ''bucket'', item % 7 FROM train\"}')",
     0, NULL},
    {"bpr_train in BEGIN", "SELECT bpr_train('train', 'm', '{\"dim\": 64, \"epochs\": 1000}')", 1, NULL},
    /* auto_train: the interrupt lands in a nested trial (an item-item one
    ** first, then a factor one alone); its trial tables and the old model
    ** must be gone and untouched */
    {"auto_train", "SELECT auto_train('train', 'm', '{\"time_budget\": 100000}')", 0, NULL},
    {"auto_train ccl trial",
     "SELECT auto_train('train', 'm', '{\"families\": \"ccl\", \"time_budget\": 100000}')", 0, NULL},
    {"auto_train in BEGIN",
     "SELECT auto_train('train', 'm', '{\"families\": \"bpr\", \"time_budget\": 100000}')", 2, NULL},

    {"neg_samples in BEGIN", "SELECT count(*) FROM neg_samples('train', 1000, 'bootstrap', 1)", 1, NULL},
    /* dense: 2000 users x 1000 of 2000 items. Swing's first chunk alone runs
    ** for minutes, item-CF for seconds; "cached" cases read the table first,
    ** so the interrupt lands in the computation, not in the source read. */
    {"swing_sim", "SELECT count(*) FROM swing_sim('dense', 1.0, 20)", 0, NULL},
    {"swing_sim cached", "SELECT count(*) FROM swing_sim('dense', 1.0, 20)", 0, SWING_WARM},
    {"swing_sim weighted, 1 thread",
     "SELECT count(*) FROM swing_sim('dense', 1.0, 50, 0.5, 5, NULL, NULL, 0, 1)", 0, SWING_WARM},
    {"swing_sim SELECT source", "SELECT count(*) FROM swing_sim('SELECT user, item FROM dense', 0.5, 20)", 0,
     NULL},
    {"swing_sim item_a IN",
     "SELECT count(*) FROM swing_sim('dense') WHERE item_a IN (SELECT item FROM dense WHERE user = 1)", 0,
     SWING_WARM},
    {"swing_sim in BEGIN", "SELECT count(*) FROM swing_sim('dense', 1.0, 20)", 1, NULL},
    {"itemcf_sim", "SELECT count(*) FROM itemcf_sim('dense', 20)", 0, NULL},
    {"itemcf_sim cached", "SELECT count(*) FROM itemcf_sim('dense', 20)", 0, ITEMCF_WARM},
    {"itemcf_sim jaccard 1 thread", "SELECT count(*) FROM itemcf_sim('dense', 50, 'jaccard', 1)", 0,
     ITEMCF_WARM},
    /* knn_index: an HNSW build of 49,000 vectors takes tens of seconds */
    {"knn_index HNSW build", "INSERT INTO kidx(rowid, embedding) SELECT id, emb FROM kvec WHERE id >= 1000",
     0, NULL},
    {"knn_index HNSW build in BEGIN",
     "INSERT INTO kidx(rowid, embedding) SELECT id, emb FROM kvec WHERE id >= 1000", 2, NULL},
    /* every vector queried four times: long enough for the interrupt on a fast machine */
    {"knn_index flat x 4000 queries",
     "SELECT count(*) FROM kvec q, (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) r "
     "JOIN kflat x ON x.embedding MATCH q.emb AND x.k = 10",
     0, NULL},
    {"itemcf_sim SELECT source",
     "SELECT count(*) FROM itemcf_sim('SELECT user, item FROM dense', 20, 'cooccurrence')", 0, NULL},
    /* ease_train: the Gram matrix of dense (10^9 additions) is the long step */
    {"ease_train", "SELECT ease_train('dense', 'e')", 0, NULL},
    {"ease_train in BEGIN", "SELECT ease_train('dense', 'e', '{\"threads\": 1}')", 1, NULL},
    /* 4000 items, 7 users: read at once, so the interrupt lands in the blocked inverse */
    {"ease_train inverse",
     "SELECT ease_train('WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x < 3999) "
     "SELECT x % 7, x FROM i', "
     "'e', '{\"lambda\": 1}')",
     0, NULL},
    /* i2i_recommend: 2000 users x 1000 history items x 1000 neighbours; and a sim computed while read */
    {"i2i_recommend", "SELECT count(*) FROM i2i_recommend('dense', 'SELECT user, item, 1.0 FROM dense', 20)",
     0, NULL},
    {"i2i_recommend swing sim",
     "SELECT count(*) FROM i2i_recommend('dense', 'SELECT * FROM swing_sim(''dense'', 1.0, 50)', 20)", 0,
     NULL},
};

typedef struct shot shot;
struct shot {
  sqlite3 *db;
  double at; /* when sqlite3_interrupt was called */
};

static void *interrupter(void *p) {
  shot *s = p;
  struct timespec d = {0, (long)(DELAY_S * 1e9)};
  nanosleep(&d, NULL);
  s->at = now();
  sqlite3_interrupt(s->db);
  return NULL;
}

/* Runs one timed case; returns 0 when it passed. */
static int run_timed(sqlite3 *db, const timed_case *c, uint64_t before) {
  sqlite3_stmt *st;
  uint64_t outer = before;
  if (c->warm) exec(db, c->warm);
  if (c->in_txn) {
    exec(db, "BEGIN; CREATE TABLE scratch(x); INSERT INTO scratch VALUES (1);");
    before = fingerprint(db);
  }
  if (sqlite3_prepare_v2(db, c->sql, -1, &st, NULL)) die(db, c->sql);
  shot s = {db, 0};
  pthread_t th;
  double t0 = now();
  pthread_create(&th, NULL, interrupter, &s);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
  }
  double t1 = now();
  pthread_join(th, NULL);
  const char *msg = sqlite3_errmsg(db);
  int ok = 1;
  char why[200] = "";
  if (rc != SQLITE_INTERRUPT) {
    ok = 0;
    snprintf(why, sizeof why, "expected SQLITE_INTERRUPT, got %d (%s)%s", rc, msg,
             t1 < s.at ? ": it ended before the interrupt" : "");
  }
  sqlite3_finalize(st);
  double lat = t1 - s.at;
  if (ok && lat > LIMIT_S) {
    ok = 0;
    snprintf(why, sizeof why, "took %.3f s after the interrupt (limit %.1f s)", lat, LIMIT_S);
  }
  const char *how = "";
  if (ok && c->in_txn == 2 && sqlite3_get_autocommit(db)) {
    how = " (SQLite rolled the caller's transaction back)";
    before = outer;
  } else if (ok && sqlite3_get_autocommit(db) == !!c->in_txn) {
    ok = 0;
    snprintf(why, sizeof why,
             c->in_txn ? "the caller's transaction was ended" : "a transaction was left open");
  }
  if (ok && fingerprint(db) != before) {
    ok = 0;
    snprintf(why, sizeof why, "the database changed");
  }
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  printf("%s interrupt %-32s latency %6.1f ms (ran %.2f s)%s%s\n", ok ? "ok  " : "FAIL", c->name, lat * 1e3,
         t1 - t0, ok ? how : ": ", why);
  return !ok;
}

/* ---- triggered cases: an interrupt at a chosen point of the write phase ---- */

typedef struct trigger trigger;
struct trigger {
  sqlite3 *db;
  int action;        /* SQLITE_CREATE_TABLE or SQLITE_INSERT */
  const char *table; /* when this table is named */
  int fired;
};

static int authorize(void *p, int action, const char *a, const char *b, const char *c, const char *d) {
  (void)b;
  (void)c;
  (void)d;
  trigger *t = p;
  if (!t->fired && action == t->action && a && strcmp(a, t->table) == 0) {
    t->fired = 1;
    sqlite3_interrupt(t->db);
  }
  return SQLITE_OK;
}

static int run_triggered(sqlite3 *db, const char *name, int action, const char *table, int in_txn) {
  const char *sql =
      "SELECT bpr_train('SELECT user, item FROM train WHERE user < 200', 'm', "
      "'{\"dim\": 4, \"epochs\": 1, \"threads\": 1}')";
  uint64_t before = fingerprint(db);
  uint64_t in_before = before;
  const char *how = "";
  if (in_txn) {
    exec(db, "BEGIN; CREATE TABLE scratch(x); INSERT INTO scratch VALUES (1);");
    in_before = fingerprint(db);
  }
  trigger t = {db, action, table, 0};
  sqlite3_set_authorizer(db, authorize, &t);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) die(db, sql);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
  }
  sqlite3_finalize(st);
  sqlite3_set_authorizer(db, NULL, NULL);
  int ok = 1;
  char why[200] = "";
  if (!t.fired) {
    ok = 0;
    snprintf(why, sizeof why, "the trigger point was never reached");
  } else if (rc != SQLITE_INTERRUPT) {
    ok = 0;
    snprintf(why, sizeof why, "expected SQLITE_INTERRUPT, got %d (%s)", rc, sqlite3_errmsg(db));
  }
  if (in_txn) {
    /* Either the caller's transaction is still open and exactly as it was
    ** before the call, or SQLite rolled all of it back, as it does whenever
    ** sqlite3_interrupt stops a write inside a transaction. */
    if (!sqlite3_get_autocommit(db)) {
      if (ok && fingerprint(db) != in_before) {
        ok = 0;
        snprintf(why, sizeof why, "the caller's transaction holds a partial write");
      }
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    } else {
      how = " (SQLite rolled the caller's transaction back)";
    }
  } else if (ok && !sqlite3_get_autocommit(db)) {
    ok = 0;
    snprintf(why, sizeof why, "a transaction was left open");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  }
  if (ok && fingerprint(db) != before) {
    ok = 0;
    snprintf(why, sizeof why, "the database changed");
  }
  printf("%s interrupt %-40s%s%s\n", ok ? "ok  " : "FAIL", name, ok ? how : ": ", why);
  return !ok;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "tests/data/gowalla_sample/train.txt";
  sqlite3_auto_extension((void (*)(void))sqlite3_recsql_init);
  sqlite3 *db;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) die(db, "open");
  load(db, path);
  uint64_t before = fingerprint(db);
  int fails = 0;
  const char *only = getenv("INTERRUPT_ONLY"); /* a prefix of case names: run those timed cases only */
  for (size_t k = 0; k < sizeof timed / sizeof *timed; k++)
    if (!only || strncmp(timed[k].name, only, strlen(only)) == 0) fails += run_timed(db, &timed[k], before);
  /* after the interrupted builds the index answers with exactly its 1000 rows */
  {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*), min(rowid), max(rowid) FROM kidx WHERE embedding MATCH "
                           "(SELECT emb FROM kvec WHERE id = 7) AND k = 100000",
                           -1, &st, NULL) ||
        sqlite3_step(st) != SQLITE_ROW)
      die(db, "knn_index query");
    int good = sqlite3_column_int(st, 0) == 1000 && sqlite3_column_int(st, 1) == 0 &&
               sqlite3_column_int(st, 2) == 999;
    printf("%s interrupt knn_index after the builds: MATCH returns %d rows (expected the 1000 committed)\n",
           good ? "ok  " : "FAIL", sqlite3_column_int(st, 0));
    fails += !good;
    sqlite3_finalize(st);
  }
  for (int in_txn = 0; in_txn < 2; in_txn++) {
    fails +=
        run_triggered(db, in_txn ? "bpr_train at CREATE m_items (in BEGIN)" : "bpr_train at CREATE m_items",
                      SQLITE_CREATE_TABLE, "m_items", in_txn);
    fails +=
        run_triggered(db, in_txn ? "bpr_train at INSERT m_users (in BEGIN)" : "bpr_train at INSERT m_users",
                      SQLITE_INSERT, "m_users", in_txn);
    fails +=
        run_triggered(db, in_txn ? "bpr_train at INSERT m_items (in BEGIN)" : "bpr_train at INSERT m_items",
                      SQLITE_INSERT, "m_items", in_txn);
  }
  if (sqlite3_close(db) != SQLITE_OK) die(db, "close");
  printf("interrupt tests: %d failed\n", fails);
  return fails ? 1 : 0;
}
