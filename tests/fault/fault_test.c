/*
** fault_test: every recsql object under failing allocations.
**
**   make fault
**
** The engine's malloc/calloc/realloc/free are counted (linked with
** -Wl,--wrap, see fault.c); SQLite's allocator is wrapped too (lookaside
** off), on the same counter. For each case below, a
** reference run without failures gives the result; then for N = 1, 2, ...
** the Nth allocation of the statement (prepare, steps, finalize) fails, in
** two modes: once only, and every allocation from the Nth on. N grows until
** a run completes without reaching N. Each run uses a fresh database and
** must:
**   - not crash (ASan/UBSan watch; LeakSanitizer checks again at exit);
**   - end in SQLITE_NOMEM or SQLITE_ERROR, or succeed with exactly the
**     reference result (and, for writers, the reference tables);
**   - after a failure, leave the database exactly as it was, with no
**     transaction left open;
**   - free everything: sqlite3_close succeeds (no statement left behind) and
**     both allocators are back to their counts from before the open.
** Adding an object: add lines to `cases`.
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ext/recsql.h"
#include "fault_api.h"

static const char fixture[] =
    "CREATE TABLE t(user, item);"
    "INSERT INTO t VALUES (1,'a'),(1,'b'),(2,'b'),(2,'c'),('x','a'),('x','d'),(3,'e'),(3,'a'),(1,'a');"
    "CREATE TABLE shown(user, item);"
    "INSERT INTO shown VALUES (1,'c'),(2,'d'),(3,'zz');"
    "CREATE TABLE v(g, e, s, l);"
    "INSERT INTO v VALUES (1,'[1,2]',0.5,1),(1,'[3,4]',0.1,0),(2,'[0,1]',0.9,1),(2,'[1,1]',0.3,0),(2,'[2,2]',0.7,1),"
    "  ('k','[5,1]',NULL,1);"
    "CREATE TABLE mu(id, emb);"
    "INSERT INTO mu VALUES (1,'[1,0]'),(2,'[0,1]'),('x','[1,1]');"
    "CREATE TABLE mi(id, emb, bias);"
    "INSERT INTO mi VALUES ('a','[1,1]',0),('b','[1,-1]',0.5),('c','[0,2]',NULL),('d','[3,0]',-1),('e','[1,2]',0);"
    "CREATE TABLE m_users(id PRIMARY KEY, emb BLOB);"
    "INSERT INTO m_users VALUES (9, x'0000803f');"
    "CREATE TABLE m_items(id PRIMARY KEY, emb BLOB, bias REAL);"
    "INSERT INTO m_items VALUES ('z', x'0000803f', 1.0);"
    "CREATE TABLE sw(user, item);"
    "INSERT INTO sw VALUES ('u1','a'),('u1','b'),('u1','c'),('u2','a'),('u2','b'),('u2','c'),('u2','d'),('u3','a'),"
    "  ('u3','b'),('u3','d'),(4,'c'),(4,'d'),(4,'a'),(4,'a');";

/* knn_index cases only: kh (hnsw) and kf (flat) hold 8 vectors */
static const char knn_fixture[] =
    "CREATE VIRTUAL TABLE kh USING knn_index(dim=3, metric=l2, index=hnsw, m=2, ef_construction=4);"
    "CREATE VIRTUAL TABLE kf USING knn_index(dim=3, metric=cosine);"
    "INSERT INTO kh(rowid, embedding) VALUES (1,'[1,0,0]'),(2,'[0,1,0]'),(3,'[0,0,1]'),(4,'[1,1,0]'),(5,'[2,-1,0.5]'),"
    "  (6,'[0.5,0.5,0.5]'),(7,'[-1,0,2]'),(8,'[3,1,1]');"
    "INSERT INTO kf(rowid, embedding) SELECT rowid, embedding FROM kh;";

/* knn_index int8 cases: kq (hnsw, int8) and kr (flat, int8, rerank) hold 8 vectors */
static const char knn_q8_fixture[] =
    "CREATE VIRTUAL TABLE kq USING knn_index(dim=3, index=hnsw, m=2, ef_construction=4, quantize=int8);"
    "CREATE VIRTUAL TABLE kr USING knn_index(dim=3, metric=l2, quantize=int8, rerank=2);"
    "INSERT INTO kq(rowid, embedding) VALUES (1,'[1,0,0]'),(2,'[0,1,0]'),(3,'[0,0,1]'),(4,'[1,1,0]'),(5,'[2,-1,0.5]'),"
    "  (6,'[0.5,0.5,0.5]'),(7,'[-1,0,2]'),(8,'[3,1,1]');"
    "INSERT INTO kr(rowid, embedding) SELECT rowid, embedding FROM kq;";

/* item2vec_train cases: events with sessions, side information, old tables */
#define I2V_FIXTURE                                                                                          \
  "CREATE TABLE e(user, item, time, session);"                                                              \
  "INSERT INTO e VALUES (1,'a',1,1),(1,'b',2,1),(1,'c',3,1),(1,'a',9,2),(1,'d',10,2),(2,'b',1,NULL),"       \
  "  (2,'a',2,NULL),(2,'a',3,NULL),(3,'x',1,NULL),(4,NULL,1,NULL);"                                         \
  "CREATE TABLE s(item, field, value);"                                                                     \
  "INSERT INTO s VALUES ('a','g','p'),('a','g','q'),('b','g','p'),('new','g','q'),('new','y',1999);"        \
  "CREATE TABLE i2v_items(id PRIMARY KEY, emb BLOB);"                                                       \
  "INSERT INTO i2v_items VALUES ('z', x'0000803f');"

typedef struct fault_case fault_case;
struct fault_case {
  const char *name;
  const char *sql;
  const char *fixture; /* run after the common fixture, or NULL */
};

static const fault_case cases[] = {
    /* embed_* */
    {"embed", "SELECT embed('[1,2,3]'), embed(x'0000803f00000040'), embed_json('[1.5,2]'), embed_dim(x'0000803f')", NULL},
    {"embed_dot/cosine/l2/norm", "SELECT embed_dot(e, '[1,1]'), embed_cosine(e, '[1,0]'), embed_l2(e, e), embed_norm(e) FROM v", NULL},
    {"embed_normalize", "SELECT embed_normalize(e) FROM v", NULL},
    {"embed_avg", "SELECT g, embed_avg(e) FROM v GROUP BY g", NULL},
    {"embed error", "SELECT embed('[1,')", NULL},
    {"embed_dot error", "SELECT embed_dot('[1,2]', '[1,2,3]')", NULL},
    /* metrics */
    {"auc", "SELECT auc(s, l) FROM v", NULL},
    {"gauc", "SELECT gauc(g, s, l) FROM v", NULL},
    {"ranking metrics",
     "SELECT g, recall_at_k(s, l, 2), precision_at_k(s, l, 2), hit_rate_at_k(s, l, 1), ndcg_at_k(s, l, 3), mrr(s, l) "
     "FROM v GROUP BY g", NULL},
    {"recall_at_k error", "SELECT recall_at_k(s, l, 0) FROM v", NULL},
    /* neg_samples */
    {"neg_samples uniform", "SELECT * FROM neg_samples('t', 3, 'uniform', 1)", NULL},
    {"neg_samples popularity", "SELECT * FROM neg_samples('SELECT user, item FROM t', 2, 'popularity', 2, 0.5)", NULL},
    {"neg_samples bootstrap", "SELECT * FROM neg_samples('t', 2, 'bootstrap', 3)", NULL},
    {"neg_samples exposure", "SELECT * FROM neg_samples('t', 2, 'exposure', 4, NULL, 'shown')", NULL},
    {"neg_samples by name", "SELECT count(*) FROM neg_samples WHERE source = 't' AND n_neg = 2 AND user = 1", NULL},
    {"neg_samples error", "SELECT * FROM neg_samples('t', 2, 'unifrom')", NULL},
    {"neg_samples missing", "SELECT * FROM neg_samples('nosuch')", NULL},
    /* bpr_train: replaces m_users / m_items, which exist */
    {"bpr_train bpr", "SELECT bpr_train('t', 'm', '{\"dim\": 2, \"epochs\": 2, \"threads\": 1, \"seed\": 1}') IS NOT NULL", NULL},
    {"bpr_train softmax",
     "SELECT bpr_train('t', 'm', '{\"dim\": 2, \"epochs\": 1, \"threads\": 1, \"loss\": \"softmax\", \"n_neg\": 2, "
     "\"batch\": 4}') IS NOT NULL", NULL},
    {"bpr_train ccl",
     "SELECT bpr_train('t', 'm', '{\"dim\": 2, \"epochs\": 1, \"threads\": 1, \"loss\": \"ccl\", \"n_neg\": 2, "
     "\"batch\": 4, \"sampler\": \"popularity\"}') IS NOT NULL", NULL},
    {"bpr_train exposure",
     "SELECT bpr_train('t', 'm', '{\"dim\": 2, \"epochs\": 1, \"threads\": 1, \"sampler\": \"exposure\", "
     "\"exposures\": \"shown\"}') IS NOT NULL", NULL},
    {"bpr_train in_batch propagate",
     "SELECT bpr_train('t', 'm', '{\"dim\": 2, \"epochs\": 1, \"threads\": 1, \"loss\": \"softmax\", \"in_batch\": "
     "true, \"batch\": 4, \"propagate\": 2}') IS NOT NULL", NULL},
    {"bpr_train new name", "SELECT bpr_train('t', 'my \"m\"', '{\"dim\": 2, \"epochs\": 1, \"threads\": 1}') IS NOT NULL", NULL},
    {"bpr_train option error", "SELECT bpr_train('t', 'm', '{\"epoch\": 2}')", NULL},
    {"bpr_train source error", "SELECT bpr_train('nosuch', 'm', '{\"dim\": 2}')", NULL},
    /* item2vec_train: its own events (e), side information (s) and an old i2v_items */
    {"item2vec_train sequences",
     "SELECT item2vec_train('e', 'i2v', '{\"dim\": 2, \"epochs\": 2, \"window\": 2, \"threads\": 1}') IS NOT NULL",
     I2V_FIXTURE},
    {"item2vec_train walks side_info",
     "SELECT item2vec_train('e', 'i2v', '{\"dim\": 2, \"epochs\": 1, \"mode\": \"walks\", \"walks_per_item\": 2, "
     "\"walk_length\": 3, \"threads\": 1, \"side_info\": \"s\"}') IS NOT NULL",
     I2V_FIXTURE},
    {"item2vec_train error", "SELECT item2vec_train('SELECT user, item, ''x'' FROM e', 'i2v')", I2V_FIXTURE},
    /* recommend */
    {"recommend", "SELECT * FROM recommend('mu', 'mi', 2, 't')", NULL},
    {"recommend one user", "SELECT * FROM recommend('mu', 'mi', 3) WHERE user = 'x'", NULL},
    {"recommend error", "SELECT * FROM recommend('mu', 'SELECT id, ''[1,2,3]'' FROM mi', 2)", NULL},
    /* swing_sim / itemcf_sim: one thread, so that allocations come in one order */
    {"swing_sim", "SELECT * FROM swing_sim('sw', 1.0, 3, 0, 0, NULL, NULL, 0, 1)", NULL},
    {"swing_sim weighted caps", "SELECT * FROM swing_sim('SELECT user, item FROM sw', 0.5, 2, 0.5, 1, 3, 2, 7, 1)", NULL},
    {"swing_sim item_a =", "SELECT item_b, score FROM swing_sim WHERE source = 'sw' AND threads = 1 AND item_a = 'c'", NULL},
    {"swing_sim item_a IN", "SELECT * FROM swing_sim('sw', 1.0, 2, 0, 0, NULL, NULL, 0, 1) WHERE item_a IN ('d', 'a', 'zz')", NULL},
    {"swing_sim cached",
     "SELECT (SELECT group_concat(item_b) FROM swing_sim('sw', 1.0, 5, 0, 0, NULL, NULL, 0, 1) WHERE item_a = 'a'), "
     "(SELECT group_concat(item_b) FROM swing_sim('sw', 1.0, 5, 0, 0, NULL, NULL, 0, 1) WHERE item_a = 'b')", NULL},
    {"swing_sim error", "SELECT * FROM swing_sim('sw', -1)", NULL},
    {"swing_sim missing", "SELECT * FROM swing_sim('nosuch')", NULL},
    {"itemcf_sim cosine", "SELECT * FROM itemcf_sim('sw', 3, 'cosine', 1)", NULL},
    {"itemcf_sim jaccard", "SELECT * FROM itemcf_sim('SELECT user, item FROM sw', 2, 'jaccard', 1)", NULL},
    {"itemcf_sim cooccurrence IN", "SELECT * FROM itemcf_sim('sw', 5, 'cooccurrence', 1) WHERE item_a IN ('c', 'b')", NULL},
    {"itemcf_sim error", "SELECT * FROM itemcf_sim('sw', 5, 'pearson')", NULL},
    /* ease_train / i2i_recommend: one thread, so that allocations come in one order */
    {"ease_train", "SELECT ease_train('sw', 'e', '{\"threads\": 1, \"lambda\": 1}') IS NOT NULL", NULL},
    {"ease_train max_items", "SELECT ease_train('t', 'e', '{\"threads\": 1, \"max_items\": 3, \"top_n\": 1}') IS NOT NULL", NULL},
    {"ease_train error", "SELECT ease_train('sw', 'e', '{\"lamda\": 1}')", NULL},
    {"i2i_recommend", "SELECT * FROM i2i_recommend('sw', 'SELECT * FROM swing_sim(''sw'', 1.0, 3, 0, 0, NULL, NULL, 0, 1)', 2, "
     "'{\"threads\": 1}')", NULL},
    {"i2i_recommend options",
     "SELECT * FROM i2i_recommend('SELECT user, item, rowid FROM t', 'SELECT item, user, 1.5 FROM t', 3, "
     "'{\"threads\": 1, \"half_life\": 2, \"count\": \"log\", \"neighbors\": 2, \"exclude_history\": 0}')", NULL},
    {"i2i_recommend user =", "SELECT * FROM i2i_recommend('sw', 'SELECT item, user, 1 FROM sw', 2, '{\"threads\": 1}') WHERE user = 'u2'", NULL},
    {"i2i_recommend user IN",
     "SELECT * FROM i2i_recommend('t', 'SELECT item, user, 0.5 FROM t', 2, '{\"threads\": 1}') WHERE user IN (1, 'x', 9)", NULL},
    {"i2i_recommend error", "SELECT * FROM i2i_recommend('t', 'SELECT item, user, ''w'' FROM t')", NULL},
    /* knn_index: kh (hnsw) and kf (flat) hold 8 vectors */
    {"knn_index create hnsw", "CREATE VIRTUAL TABLE kn USING knn_index(dim=4, index=hnsw, m=4, ef_construction=8)", knn_fixture},
    {"knn_index create flat", "CREATE VIRTUAL TABLE kn USING knn_index(dim=2, metric=l2)", knn_fixture},
    {"knn_index create error", "CREATE VIRTUAL TABLE kn USING knn_index(dim=2, m=4)", knn_fixture},
    {"knn_index insert hnsw", "INSERT INTO kh(rowid, embedding) VALUES (10,'[1,2,3]'),(11,'[-1,-2,0]'),(12,'[0,0,0.5]')", knn_fixture},
    {"knn_index insert select", "INSERT INTO kh(rowid, embedding) SELECT rowid + 100, embedding FROM kf", knn_fixture},
    {"knn_index insert flat", "INSERT INTO kf(embedding) VALUES ('[1,2,3]'), (x'0000803f0000803f0000803f')", knn_fixture},
    {"knn_index insert error", "INSERT INTO kh(rowid, embedding) VALUES (20,'[1,2,3]'),(21,'[1,2]')", knn_fixture},
    {"knn_index query hnsw", "SELECT rowid, distance FROM kh WHERE embedding MATCH '[1,0.5,0]' AND k = 4", knn_fixture},
    {"knn_index query ef rowid IN",
     "SELECT rowid, distance FROM kh WHERE embedding MATCH '[0,1,1]' AND k = 3 AND ef_search = 2 AND rowid IN (2, 4, 6, 99)", knn_fixture},
    {"knn_index query flat", "SELECT rowid, distance FROM kf WHERE embedding MATCH '[1,0.5,0]' AND k = 3", knn_fixture},
    {"knn_index batch join", "SELECT q.rowid, x.rowid FROM kf q JOIN kh x ON x.embedding MATCH q.embedding AND x.k = 2", knn_fixture},
    {"knn_index query error", "SELECT rowid FROM kh WHERE embedding MATCH '[1,2]' AND k = 3", knn_fixture},
    {"knn_index delete hnsw", "DELETE FROM kh WHERE rowid IN (1, 4, 8)", knn_fixture},
    {"knn_index update", "UPDATE kh SET embedding = '[9,9,9]' WHERE rowid = 2", knn_fixture},
    {"knn_index delete flat", "DELETE FROM kf WHERE rowid > 3", knn_fixture},
    {"knn_index int8 create", "CREATE VIRTUAL TABLE kn USING knn_index(dim=4, quantize=int8, rerank=3)", knn_q8_fixture},
    {"knn_index int8 insert", "INSERT INTO kq(rowid, embedding) SELECT rowid + 10, embedding FROM kr", knn_q8_fixture},
    {"knn_index int8 query", "SELECT rowid, distance, embedding FROM kq WHERE embedding MATCH '[1,0.5,0]' AND k = 4", knn_q8_fixture},
    {"knn_index int8 rerank", "SELECT rowid, distance FROM kr WHERE embedding MATCH '[1,0.5,0]' AND k = 3", knn_q8_fixture},
    {"knn_index int8 scan", "SELECT rowid, embedding FROM kq", knn_q8_fixture},
    {"knn_index int8 delete", "DELETE FROM kq WHERE rowid IN (1, 4, 8)", knn_q8_fixture},
    {"embed_quantize_int8", "SELECT embed_dequantize(embed_quantize_int8('[1,-2,3]')), embed_quantize_int8('[1,2]', 0.1)", NULL},
};

/* ---- helpers -------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t k = 0; k < n; k++) h = (h ^ s[k]) * 1099511628211ull;
  return h;
}

/* Fingerprint of the schema and of every table's rows (no failures armed). */
static uint64_t fingerprint(sqlite3 *db) {
  uint64_t h = 1469598103934665603ull;
  sqlite3_stmt *sch, *rows;
  if (sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_schema ORDER BY name", -1, &sch, NULL)) return 0;
  while (sqlite3_step(sch) == SQLITE_ROW) {
    for (int c = 0; c < 3; c++) {
      const unsigned char *t = sqlite3_column_text(sch, c);
      h = fnv(h, t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(sch, c) : 0);
    }
    if (strcmp((const char *)sqlite3_column_text(sch, 0), "table") != 0) continue;
    /* knn_index's x_info 'uid' is drawn at random for each table: left out */
    const char *name = (const char *)sqlite3_column_text(sch, 1);
    size_t nl = strlen(name);
    int info = nl > 5 && strcmp(name + nl - 5, "_info") == 0;
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"%s ORDER BY rowid", name, info ? " WHERE key IS NOT 'uid'" : "");
    if (sqlite3_prepare_v2(db, sql, -1, &rows, NULL) == SQLITE_OK) {
      while (sqlite3_step(rows) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(rows); c++) {
          const void *b = sqlite3_column_blob(rows, c);
          h = fnv(h, b ? b : "", (size_t)sqlite3_column_bytes(rows, c));
          h = fnv(h, "\x1f", 1);
        }
      sqlite3_finalize(rows);
    }
    sqlite3_free(sql);
  }
  sqlite3_finalize(sch);
  return h;
}

typedef struct outcome outcome;
struct outcome {
  int rc;        /* SQLITE_OK or the error code */
  char out[4096]; /* rows as text, or the error message */
  uint64_t fp;   /* fingerprint after */
  int autocommit;
};

/* Runs sql (prepare, steps, finalize) with failures armed at n (0: none). */
static long run(sqlite3 *db, const char *sql, long n, int persist, outcome *o) {
  memset(o, 0, sizeof *o);
  size_t w = 0;
  fault_arm(n, persist);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      fault_hold(1); /* reading the row is the harness's business */
      for (int c = 0; c < sqlite3_column_count(st); c++) {
        const unsigned char *t = sqlite3_column_text(st, c);
        w += (size_t)snprintf(o->out + w, w < sizeof o->out ? sizeof o->out - w : 0, "%s%s", c ? "|" : "",
                              t ? (const char *)t : "");
        if (w >= sizeof o->out) w = sizeof o->out - 1;
      }
      fault_hold(0);
      if (rc != SQLITE_ROW) break;
      w += (size_t)snprintf(o->out + w, w < sizeof o->out ? sizeof o->out - w : 0, "\n");
      if (w >= sizeof o->out) w = sizeof o->out - 1;
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK) snprintf(o->out, sizeof o->out, "%s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  long injected = fault_disarm();
  o->rc = rc & 0xff;
  o->autocommit = sqlite3_get_autocommit(db);
  o->fp = fingerprint(db);
  return injected;
}

static sqlite3 *open_db(const char *extra) {
  sqlite3 *db;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    fprintf(stderr, "fault_test: cannot open a database\n");
    exit(2);
  }
  char *err = NULL;
  if (sqlite3_exec(db, fixture, NULL, NULL, &err) != SQLITE_OK ||
      (extra && sqlite3_exec(db, extra, NULL, NULL, &err) != SQLITE_OK)) {
    fprintf(stderr, "fault_test: fixture: %s\n", err);
    exit(2);
  }
  return db;
}

/* Runs one case through every N in one mode. Returns the number of problems. */
/* In persistent mode (every allocation fails from the Nth on) a writer can
** be left unable to end its savepoint: ROLLBACK TO itself needs memory and
** SQLite does not roll back for it. The data is intact and the transaction
** ends when the connection closes or the caller rolls back; these runs are
** counted in *n_open and reported, not failed. */
static int run_case(const fault_case *c, int persist, long *n_max, long *n_nomem, long *n_error, long *n_absorbed,
                    long *n_open) {
  outcome ref, o;
  sqlite3 *db = open_db(c->fixture);
  uint64_t fp0 = fingerprint(db);
  run(db, c->sql, 0, 0, &ref);
  sqlite3_close(db);
  int problems = 0;
  long n;
  for (n = 1;; n++) {
    long le = fault_live_engine(), ls = fault_live_sqlite();
    db = open_db(c->fixture);
    long injected = run(db, c->sql, n, persist, &o);
    const char *bad = NULL;
    if (o.rc != SQLITE_OK && o.rc != SQLITE_NOMEM && o.rc != SQLITE_ERROR)
      bad = "unexpected result code";
    else if (o.rc == SQLITE_OK && ref.rc == SQLITE_OK && strcmp(o.out, ref.out) != 0)
      bad = "succeeded with another result";
    else if (o.rc == SQLITE_OK && ref.rc != SQLITE_OK)
      bad = "succeeded where the reference run failed";
    else if (o.rc == SQLITE_OK && o.fp != ref.fp)
      bad = "succeeded with other tables than the reference run";
    else if (o.rc != SQLITE_OK && o.fp != fp0)
      bad = "failed and changed the database";
    else if (!o.autocommit && persist && o.rc == SQLITE_NOMEM && o.fp == fp0)
      (*n_open)++; /* see below */
    else if (!o.autocommit)
      bad = "left a transaction open";
    if (o.rc == SQLITE_NOMEM) (*n_nomem)++;
    else if (o.rc == SQLITE_ERROR) (*n_error)++;
    else if (o.rc == SQLITE_OK && injected) (*n_absorbed)++;
    int crc = sqlite3_close(db);
    if (!bad && crc != SQLITE_OK) bad = "sqlite3_close failed: a statement was left unfinalized";
    if (!bad && fault_live_engine() != le) bad = "leaked engine allocations (malloc)";
    if (!bad && fault_live_sqlite() != ls) bad = "leaked SQLite allocations (sqlite3_malloc)";
    if (bad) {
      problems++;
      printf("FAIL fault %s (%s, N=%ld): %s: rc %d: %.300s\n", c->name, persist ? "persistent" : "once", n, bad, o.rc,
             o.out);
      if (problems > 5) break;
    } else if (o.rc == SQLITE_ERROR && ref.rc == SQLITE_OK && !strstr(o.out, "out of memory")) {
      /* an error other than "out of memory" where the reference succeeded */
      printf("note fault %s (%s, N=%ld): %.300s\n", c->name, persist ? "persistent" : "once", n, o.out);
    }
    if (injected == 0) break; /* the run never reached N: every N was tried */
  }
  *n_max = n - 1;
  return problems;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (fault_install_sqlite() != SQLITE_OK) {
    fprintf(stderr, "fault_test: cannot install the allocator\n");
    return 2;
  }
  sqlite3_initialize();
  sqlite3_auto_extension((void (*)(void))sqlite3_recsql_init);
  int problems = 0, ncases = 0;
  long runs = 0;
  const char *only = getenv("FAULT_ONLY"); /* a case name: run that case only */
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    if (only && strcmp(only, cases[k].name) != 0) continue;
    long nmax[2], nomem = 0, error = 0, absorbed = 0, open = 0;
    int p = 0;
    for (int persist = 0; persist < 2; persist++)
      p += run_case(&cases[k], persist, &nmax[persist], &nomem, &error, &absorbed, &open);
    runs += nmax[0] + nmax[1] + 2;
    ncases++;
    problems += p;
    printf("%s fault %-26s N = 1..%ld: %ld SQLITE_NOMEM, %ld errors, %ld failures absorbed", p ? "FAIL" : "ok  ",
           cases[k].name, nmax[0], nomem, error, absorbed);
    if (open) printf(", %ld savepoints left open under persistent failure", open);
    printf("\n");
  }
  printf("fault tests: %d cases, %ld runs, %d problems\n", ncases, runs, problems);
  return problems ? 1 : 0;
}
