/*
** fuzz_options: arbitrary text as the options JSON of bpr_train and as each
** text argument (sources, names, strategy, method, item ids) of the objects that take one.
**
** The whole input is one TEXT value bound to ?1. bpr_train parses it twice:
** against an empty source (options are checked, then "no rows") and against
** a tiny source, where it trains; FZ_DEADLINE_MS bounds what huge epochs or
** dimensions would cost (training polls for interrupts), and inputs whose
** numbers promise more than a moment of work only get the first run.
** Adding an object: add its lines to `stmts` (or to `train_stmts` when it
** trains or writes).
*/
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char fixture[] =
    "CREATE TABLE tiny(user, item);"
    "INSERT INTO tiny VALUES (1,'a'),(1,'b'),(2,'b'),(2,'c'),(3,'a'),(3,'d'),('x','e'),('x','a');"
    "CREATE TABLE empty(user, item);"
    "CREATE TABLE shown(user, item);"
    "INSERT INTO shown VALUES (1,'c'),(2,'d'),(3,'zz');"
    "CREATE TABLE users(id, emb);"
    "INSERT INTO users VALUES (1, '[1,0]'), (2, '[0,1]'), ('x', '[0.5,0.5]');"
    "CREATE TABLE items(id, emb, bias);"
    "INSERT INTO items VALUES ('a', '[1,1]', 0), ('b', '[1,-1]', 0.5), ('c', '[0,2]', NULL), ('d', '[3,0]', -1);";

/* Options parsing only: the source is empty, so nothing trains. */
static const fz_stmt stmts[] = {
    {"bpr_train", "SELECT bpr_train('empty', 'fz', ?1)"},
    /* the text as a source, a model name, a strategy, an exposures source */
    {"neg_samples", "SELECT count(*) FROM (SELECT * FROM neg_samples(?1) LIMIT 100)"},
    {"neg_samples", "SELECT count(*) FROM (SELECT * FROM neg_samples('tiny', 2, ?1, 7) LIMIT 100)"},
    {"neg_samples", "SELECT count(*) FROM (SELECT * FROM neg_samples('tiny', 2, 'exposure', 7, 0.5, ?1) LIMIT 100)"},
    {"recommend", "SELECT * FROM recommend(?1, 'items', 3)"},
    {"recommend", "SELECT * FROM recommend('users', ?1, 3)"},
    {"recommend", "SELECT * FROM recommend('users', 'items', 3, ?1)"},
    {"recommend", "SELECT * FROM recommend('users', 'items', ?1)"},
    /* swing_sim / itemcf_sim: the text as a source, a method, an item id */
    {"swing_sim", "SELECT * FROM swing_sim(?1, 1.0, 3, 0.5, 1, NULL, NULL, 0, 1) LIMIT 100"},
    {"swing_sim", "SELECT item_b, score FROM swing_sim('tiny', 1.0, 5) WHERE item_a = ?1"},
    {"swing_sim", "SELECT * FROM swing_sim WHERE source = 'tiny' AND alpha = ?1"},
    {"itemcf_sim", "SELECT * FROM itemcf_sim(?1, 3, 'jaccard', 1) LIMIT 100"},
    {"itemcf_sim", "SELECT * FROM itemcf_sim('tiny', 3, ?1, 1)"},
    {"itemcf_sim", "SELECT * FROM itemcf_sim WHERE source = 'tiny' AND method = ?1 AND item_a IN ('a', ?1)"},
};

/* Training and writing: run only when the options promise little work. */
static const fz_stmt train_stmts[] = {
    {"bpr_train", "SELECT bpr_train('tiny', 'fz', ?1)"},
    {"bpr_train", "SELECT bpr_train(?1, 'fz', '{\"epochs\": 1, \"dim\": 2, \"threads\": 1}')"},
    {"bpr_train", "SELECT bpr_train('tiny', ?1, '{\"epochs\": 1, \"dim\": 2, \"threads\": 1}')"},
};

/* The work the options ask for, roughly (epochs x negatives x dim x threads);
** 0 when the text is not a JSON object (nothing would train). */
static double cost(sqlite3 *db, const fz_val *v) {
  sqlite3_stmt *st;
  double c = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT CASE WHEN json_valid(?1) AND json_type(?1) = 'object' THEN "
                         "abs(coalesce(json_extract(?1, '$.epochs'), 100)) * abs(coalesce(json_extract(?1, '$.n_neg'), 256)) "
                         "* abs(coalesce(json_extract(?1, '$.dim'), 64)) * abs(coalesce(json_extract(?1, '$.threads'), 2)) "
                         "* max(1, abs(coalesce(json_extract(?1, '$.batch'), 1)) / 1024.0) ELSE 0 END",
                         -1, &st, NULL) != SQLITE_OK)
    return 1e300;
  fz_bind(st, 1, v);
  c = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_double(st, 0)
                                                                               : 1e300;
  sqlite3_finalize(st);
  return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  fz_begin();
  fz_val v = {SQLITE_TEXT, 0, 0, data, (int)size};
  sqlite3 *db = fz_open(fixture);
  fz_run_all(db, stmts, sizeof stmts / sizeof *stmts, &v, 1);
  double c = cost(db, &v);
  if (c < 3e6) fz_run_all(db, train_stmts, sizeof train_stmts / sizeof *train_stmts, &v, 1);
  fz_close(db);
  return 0;
}
