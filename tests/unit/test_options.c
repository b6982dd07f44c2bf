/* options (ext/options.c): the one checker behind JSON options, TVF
** arguments, key=value constructor arguments and single values — types,
** ranges, choices, unknown keys with suggestions, duplicates, defaults, and
** integers kept exact in i64 (seeds above 2^53).
**
** ext/ code runs against SQLite's API table: the test loads itself as an
** auto extension to get it (the binary links libsqlite3). */
#include <sqlite3.h>
static int (*real_open)(const char *, sqlite3 **) = sqlite3_open;
static int (*real_close)(sqlite3 *) = sqlite3_close;
static int (*real_auto_extension)(void (*)(void)) = sqlite3_auto_extension;

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <string.h>

#include "../../ext/errors.c"
#include "../../ext/options.c"
#include "unit.h"

static int take_api(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  (void)db;
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  return SQLITE_OK;
}

static sqlite3 *db;

static const char *const colors[] = {"red", "green", "blue", NULL};
static const opt_spec specs[] = {
    {"dim", OPT_INT, 64, 1, 4096, NULL, NULL, "dimension", 0},
    {"seed", OPT_INT, 0, -OPT_UNBOUNDED, OPT_UNBOUNDED, NULL, NULL, "seed", 0},
    {"lr", OPT_REAL, 0.1, 1e-9, 10, NULL, NULL, "learning rate", 0},
    {"color", OPT_TEXT, 0, 0, 0, "red", colors, "a color", 0},
    {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL, "progress", 0},
    {"k", OPT_INT, 10, 1, OPT_UNBOUNDED, NULL, NULL, "cut-off", 0},
};
enum { N = 6 };

/* Parses key=value arguments; returns rc, *msg the message or "". */
static int kv(int argc, const char *const *argv, opt_value *v, char *msg, size_t size) {
  char *err = NULL;
  int rc = options_from_kv("t", argc, argv, specs, N, v, &err);
  snprintf(msg, size, "%s", err ? err : "");
  sqlite3_free(err);
  return rc;
}

static void key_value(void **state) {
  (void)state;
  opt_value v[N];
  char msg[256];
  const char *ok[] = {"dim = 8", "seed=9007199254740993", "lr=2.5e-1", "color='blue'", "verbose=true"};
  assert_int_equal(kv(5, ok, v, msg, sizeof msg), SQLITE_OK);
  assert_int_equal(v[0].i64, 8);
  assert_true(v[0].set);
  assert_int_equal(v[1].i64, 9007199254740993LL); /* exact: not through a double */
  assert_true(v[2].num == 0.25);
  assert_string_equal(v[3].text, "blue");
  assert_int_equal(v[4].i64, 1);
  assert_int_equal(v[5].i64, 10); /* default */
  assert_false(v[5].set);
  options_free(v, N);
  struct {
    const char *arg, *msg;
  } bad[] = {
      {"dims=3", "t: unknown option \"dims\" (did you mean \"dim\"?)"},
      {"banana=3", "t: unknown option \"banana\" (valid options: dim, seed, lr, color, verbose, k)"},
      {"dim=0", "t: option dim must be an integer in [1, 4096], got '0'"},
      {"dim=2.5", "t: option dim must be an integer in [1, 4096], got '2.5'"},
      {"dim=abc", "t: option dim must be an integer in [1, 4096], got 'abc'"},
      {"k=0", "t: option k must be a positive integer, got '0'"},
      {"lr=1e9", "t: option lr must be a number in [1e-09, 10], got '1e9'"},
      {"color=bleu", "t: option color must be one of 'red', 'green', 'blue', got 'bleu'"},
      {"verbose=2", "t: option verbose must be true or false (1 or 0), got '2'"},
      {"seed=99999999999999999999", "t: option seed must be an integer, got '99999999999999999999'"},
      {"dim", "t: expected key=value, got 'dim' (options: dim, seed, lr, color, verbose, k)"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    const char *argv[1] = {bad[k].arg};
    assert_int_equal(kv(1, argv, v, msg, sizeof msg), SQLITE_ERROR);
    assert_string_equal(msg, bad[k].msg);
    for (int j = 0; j < N; j++) assert_null(v[j].text);
  }
  const char *twice[] = {"dim=4", "dim=5"};
  assert_int_equal(kv(2, twice, v, msg, sizeof msg), SQLITE_ERROR);
  assert_string_equal(msg, "t: option dim is given twice");
}

static void json_options(void **state) {
  (void)state;
  opt_value v[N];
  char *err = NULL;
  assert_int_equal(options_parse(db, "t", "{\"seed\": 9223372036854775807, \"dim\": 3.0, \"verbose\": false}",
                                 specs, N, v, &err),
                   SQLITE_OK);
  assert_int_equal(v[1].i64, INT64_MAX);
  assert_int_equal(v[0].i64, 3);
  assert_int_equal(v[4].i64, 0);
  assert_string_equal(v[3].text, "red");
  options_free(v, N);
  struct {
    const char *json, *msg;
  } bad[] = {
      {"{\"dim\": 0}", "t: option \"dim\" must be an integer in [1, 4096], got 0"},
      {"{\"dim\": \"4\"}", "t: option \"dim\" must be an integer, got text"},
      {"{\"dim\": null}", "t: option \"dim\" must be an integer, got null"},
      {"{\"lr\": 20}", "t: option \"lr\" must be a number in [1e-09, 10], got 20"},
      {"{\"verbose\": 1}", NULL}, /* 0 and 1 are booleans too */
      {"{\"verbose\": 2}", "t: option \"verbose\" must be true or false, got integer"},
      {"{\"color\": \"Red\"}", "t: option \"color\" must be one of 'red', 'green', 'blue', got 'Red'"},
      {"{\"dimm\": 4}", "t: unknown option \"dimm\" (did you mean \"dim\"?)"},
      {"{\"dim\": 4, \"dim\": 5}", "t: option \"dim\" is given twice"},
      {"[1]", "t: options must be a JSON object such as '{\"dim\": ...}', got '[1]'"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    int rc = options_parse(db, "t", bad[k].json, specs, N, v, &err);
    if (!bad[k].msg) {
      assert_int_equal(rc, SQLITE_OK);
      options_free(v, N);
      continue;
    }
    assert_int_equal(rc, SQLITE_ERROR);
    assert_string_equal(err, bad[k].msg);
    sqlite3_free(err);
  }
}

/* Values the way a TVF gets them: prepared as SELECT ?1 with each binding. */
static int arg(sqlite3_stmt *st, opt_value *v, char *msg, size_t size) {
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  char *err = NULL;
  sqlite3_value *given[N] = {0};
  given[1] = sqlite3_column_value(st, 0); /* seed */
  given[5] = sqlite3_column_value(st, 1); /* k */
  int rc = options_from_args("t", "t(...)", specs, N, given, v, &err);
  snprintf(msg, size, "%s", err ? err : "");
  sqlite3_free(err);
  sqlite3_reset(st);
  return rc;
}

static void sql_arguments(void **state) {
  (void)state;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT ?1, ?2", -1, &st, NULL), SQLITE_OK);
  opt_value v[N];
  char msg[256];
  sqlite3_bind_int64(st, 1, INT64_MIN);
  sqlite3_bind_null(st, 2); /* NULL: the default */
  assert_int_equal(arg(st, v, msg, sizeof msg), SQLITE_OK);
  assert_int_equal(v[1].i64, INT64_MIN);
  assert_int_equal(v[5].i64, 10);
  options_free(v, N);
  sqlite3_bind_double(st, 1, 9223372036854775808.0); /* 2^63: not an int64 */
  assert_int_equal(arg(st, v, msg, sizeof msg), SQLITE_ERROR);
  assert_string_equal(msg, "t: seed must be an integer, got 9.22337203685478e+18");
  sqlite3_bind_int64(st, 1, 1);
  sqlite3_bind_text(st, 2, "ten", -1, SQLITE_STATIC);
  assert_int_equal(arg(st, v, msg, sizeof msg), SQLITE_ERROR);
  assert_string_equal(msg, "t: k must be a positive integer, got TEXT 'ten'");
  sqlite3_finalize(st);
}

static void expected_words(void **state) {
  (void)state;
  const char *want[N] = {"an integer in [1, 4096]", "an integer",
                         "a number in [1e-09, 10]", "one of 'red', 'green', 'blue'",
                         "true or false (1 or 0)",  "a positive integer"};
  for (int k = 0; k < N; k++) {
    char *e = option_expected(&specs[k]);
    assert_string_equal(e, want[k]);
    sqlite3_free(e);
  }
}

static int setup(void **state) {
  (void)state;
  real_auto_extension((void (*)(void))take_api);
  return real_open(":memory:", &db);
}

static int teardown(void **state) {
  (void)state;
  return real_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(key_value),
      cmocka_unit_test(json_options),
      cmocka_unit_test(sql_arguments),
      cmocka_unit_test(expected_words),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
