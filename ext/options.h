/*
** options: one mechanism for every argument and option of every object.
**
** An object describes its options once, in a table of opt_spec (name, type,
** default, range or choices, one-line description). The same table checks
**   - a JSON object of options          options_parse       (bpr_train)
**   - the hidden arguments of a TVF     options_from_args   (neg_samples, swing_sim, ...)
**   - key=value constructor arguments   options_from_kv     (virtual tables)
**   - one SQL value                     option_from_value   (an aggregate's k)
** and lists itself in recsql_help (help.c), so that what the docs and the
** shell show is what the code accepts. Checks, everywhere: the type, the
** range or the choices, an unknown key (with the closest name suggested),
** a key given twice. Messages start with the object's name and say what was
** expected and what was given; in a JSON object an option is named
** 'option "dim"', among arguments just 'dim'.
**
** Values: opt_value.num holds every number (also INT and BOOL, as a double);
** opt_value.i64 holds INT and BOOL values exactly (use it for seeds and
** counts: a double loses integers above 2^53); text is sqlite3_malloc'd.
*/
#ifndef RECSQL_OPTIONS_H
#define RECSQL_OPTIONS_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdint.h>

/* OPT_SOURCE: a TEXT naming a table, a view or a SELECT (sources.h). */
typedef enum { OPT_INT, OPT_REAL, OPT_BOOL, OPT_TEXT, OPT_SOURCE } opt_type;

/* opt_spec.flags */
#define OPT_REQUIRED 1 /* an argument that must be given (and not NULL) */

/* Ranges: an OPT_INT with max >= OPT_UNBOUNDED has no upper limit (any
** int64: read it from i64), likewise min <= -OPT_UNBOUNDED; an OPT_REAL
** with |bound| >= 1e300. A finite bound such as 9.2e18 stays a bound (code
** that casts num to int64 relies on it). */
#define OPT_UNBOUNDED 1e19

typedef struct opt_spec opt_spec;
struct opt_spec {
  const char *name;
  opt_type type;
  double def;                 /* default of INT, REAL, BOOL */
  double min, max;            /* range of INT, REAL */
  const char *def_text;       /* default of TEXT */
  const char *const *choices; /* NULL-terminated valid TEXT values, or NULL */
  const char *desc;           /* one line for recsql_help, or NULL */
  int flags;                  /* OPT_REQUIRED */
};

typedef struct opt_value opt_value;
struct opt_value {
  int set;     /* given by the caller */
  double num;  /* INT, REAL, BOOL */
  char *text;  /* TEXT, SOURCE (sqlite3_malloc'd) or NULL */
  int64_t i64; /* INT, BOOL: the exact integer */
};

/* Parses json (NULL or '{}' = all defaults) against specs[0..n) into vals.
** Unknown or duplicate keys, wrong types and out-of-range values are errors.
** On error, vals hold nothing to free. */
int options_parse(sqlite3 *db, const char *obj, const char *json, const opt_spec *specs, int n,
                  opt_value *vals, char **err);

/* Checks argv[k] against specs[k] for k < n into vals[k]: argv[k] NULL when
** the argument was not given, a NULL value means the default. A missing
** OPT_REQUIRED argument is "obj: missing <name>: call it as <usage>". */
int options_from_args(const char *obj, const char *usage, const opt_spec *specs, int n, sqlite3_value **argv,
                      opt_value *vals, char **err);

/* Parses argv[0..argc) of "key=value" (a virtual table's constructor
** arguments; value may be 'quoted' or "quoted") against specs. */
int options_from_kv(const char *obj, int argc, const char *const *argv, const opt_spec *specs, int n,
                    opt_value *vals, char **err);

/* Checks one SQL value against sp into *out (a NULL value is an error when
** sp is OPT_REQUIRED, else the default). */
int option_from_value(const char *obj, const opt_spec *sp, sqlite3_value *v, opt_value *out, char **err);

void options_free(opt_value *vals, int n);

/* The expected value of sp in words: "an integer in [1, 4096]", "a positive
** integer", "a number >= 0", "one of 'a', 'b'" (sqlite3_malloc'd; NULL on
** OOM). recsql_help shows it as the option's range. */
char *option_expected(const opt_spec *sp);

/* sp's default as text ("64", "0.75", "'uniform'", "all cores"...), or NULL
** when there is none (sqlite3_malloc'd into *out; returns SQLITE_NOMEM on OOM). */
int option_default_text(const opt_spec *sp, char **out);

#endif
