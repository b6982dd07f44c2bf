/*
** fuzz: the driver shared by the libFuzzer harnesses of tests/fuzz.
**
** A harness is a table of SQL statements (fz_stmt) and a fixture. For each
** input the driver opens a fresh in-memory database with recsql registered
** (sqlite3_auto_extension, as an application that links it statically),
** creates the fixture, decodes the input into SQL values (fz_reader), binds
** them to each statement's parameters ?1..?9, and steps the statement to the
** end (at most FZ_MAX_ROWS rows). Errors are expected; what must hold:
**   - no crash, no sanitizer report, no leak (libFuzzer + ASan/LSan/UBSan);
**   - an error leaves the schema exactly as it was (checked after every
**     failing statement; abort() otherwise);
**   - every error message of a recsql object starts with the object's name
**     (checked for statements whose fz_stmt.obj is set).
** A progress handler stops any statement after FZ_DEADLINE_MS (recsql's
** long loops poll for interrupts), so huge options or arguments end quickly.
**
** Adding an object = adding lines to a harness's table of statements.
*/
#ifndef RECSQL_FUZZ_H
#define RECSQL_FUZZ_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define FZ_MAX_ROWS 2000
#define FZ_DEADLINE_MS 150
#define FZ_MAX_PARAMS 9

typedef struct fz_stmt fz_stmt;
struct fz_stmt {
  const char *obj; /* object whose errors must start with "obj: ", or NULL */
  const char *sql; /* parameters ?1..?9 get the input's values */
};

/* Decodes SQL values from the fuzzer's bytes. */
typedef struct fz_reader fz_reader;
struct fz_reader {
  const uint8_t *p;
  size_t n;
};

/* A decoded value; text and blob bytes live in the input or in the driver's
** arena until the next fz_begin. */
typedef struct fz_val fz_val;
struct fz_val {
  int type; /* SQLITE_INTEGER .. SQLITE_NULL */
  sqlite3_int64 i;
  double r;
  const void *p;
  int n;
};

/* Starts one input: resets the arena. */
void fz_begin(void);
int fz_byte(fz_reader *r);
/* Next value: NULL, small or large INTEGER, REAL (NaN/Inf included), TEXT,
** BLOB, a float32 BLOB vector or a JSON array text of 1-4 dimensions. */
fz_val fz_value(fz_reader *r);
void fz_bind(sqlite3_stmt *st, int idx, const fz_val *v);

/* A fresh database with recsql and fixture (may be NULL). */
sqlite3 *fz_open(const char *fixture);
/* The same for a URI, e.g. "file:/name?vfs=memdb" (one database shared by
** the connections of this process that open that name). */
sqlite3 *fz_open_uri(const char *uri, const char *fixture);
void fz_close(sqlite3 *db);
/* Runs s with values vals[0..nvals) bound to ?1.. ; checks the invariants.
** Returns the statement's result code. */
int fz_run(sqlite3 *db, const fz_stmt *s, const fz_val *vals, int nvals);
/* Runs every statement of a table. */
void fz_run_all(sqlite3 *db, const fz_stmt *stmts, size_t n, const fz_val *vals, int nvals);
/* The common input shape: nparam values (parameters ?1..), then up to
** max_rows rows of 4 values into t(a, b, c, d); then every statement of
** stmts runs over that table. nparam <= FZ_MAX_PARAM. */
#define FZ_MAX_PARAM 16
void fz_run_rows(const uint8_t *data, size_t size, const fz_stmt *stmts, size_t n, int nparam, int max_rows);

#endif
