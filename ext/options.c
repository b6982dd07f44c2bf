/*
** options: see options.h.
**
** Every origin (JSON object, TVF argument, key=value, one SQL value) is
** first turned into an opt_in (its kind: absent, NULL, integer, real,
** boolean, text or other, with the value and what to print for it), then
** check() validates it against the spec the same way for all, and the
** message names it the way its origin calls it (see say()).
**
** JSON objects are read with SQLite's own json_each, so any valid JSON works
** and malformed text gets a clear message.
*/
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/suggest.h"
#include "../src/vectext.h"
#include "errors.h"

typedef enum { FROM_JSON, FROM_ARG, FROM_KV } opt_origin;
typedef enum { IN_ABSENT, IN_NULL, IN_INT, IN_REAL, IN_BOOL, IN_TEXT, IN_OTHER } in_kind;

/* One value to check, whatever its origin. */
typedef struct opt_in opt_in;
struct opt_in {
  opt_origin from;
  in_kind kind;
  int64_t i;        /* IN_INT, IN_BOOL */
  double d;         /* IN_INT, IN_REAL */
  const char *s;    /* IN_TEXT: the text */
  const char *type; /* JSON: json_each's type name */
  sqlite3_value *v; /* FROM_ARG: the value, for messages */
  int vtype;        /* FROM_ARG: its type as first seen */
  const char *raw;  /* FROM_KV: the value as written */
};

void options_free(opt_value *vals, int n) {
  for (int k = 0; k < n; k++) {
    sqlite3_free(vals[k].text);
    vals[k].text = NULL;
  }
}

/* "'a', 'b', 'c'" */
static char *choices_list(const char *const *choices) {
  char *list = sqlite3_mprintf("%s", "");
  for (int k = 0; choices[k] && list; k++) {
    char *l = sqlite3_mprintf("%s%s'%s'", list, k ? ", " : "", choices[k]);
    sqlite3_free(list);
    list = l;
  }
  return list;
}

/* "a, b, c": the names of specs[0..n) */
static char *names_list(const opt_spec *specs, int n) {
  char *list = sqlite3_mprintf("%s", "");
  for (int k = 0; k < n && list; k++) {
    char *l = sqlite3_mprintf("%s%s%s", list, k ? ", " : "", specs[k].name);
    sqlite3_free(list);
    list = l;
  }
  return list;
}

char *option_expected(const opt_spec *sp) {
  int lo_open = sp->type == OPT_INT ? sp->min <= -OPT_UNBOUNDED : sp->min <= -1e300;
  int hi_open = sp->type == OPT_INT ? sp->max >= OPT_UNBOUNDED : sp->max >= 1e300;
  const char *what = sp->type == OPT_INT ? "an integer" : "a number";
  switch (sp->type) {
    case OPT_BOOL: return sqlite3_mprintf("true or false (1 or 0)");
    case OPT_SOURCE: return sqlite3_mprintf("a table name, view name or SELECT text");
    case OPT_TEXT: {
      if (!sp->choices) return sqlite3_mprintf("TEXT");
      char *list = choices_list(sp->choices), *r = list ? sqlite3_mprintf("one of %s", list) : NULL;
      sqlite3_free(list);
      return r;
    }
    default: break;
  }
  if (lo_open && hi_open) return sqlite3_mprintf("%s", what);
  if (hi_open && sp->type == OPT_INT && sp->min == 1) return sqlite3_mprintf("a positive integer");
  if (hi_open)
    return sqlite3_mprintf(sp->type == OPT_INT ? "%s >= %lld" : "%s >= %g", what,
                           sp->type == OPT_INT ? (long long)sp->min : sp->min);
  if (lo_open)
    return sqlite3_mprintf(sp->type == OPT_INT ? "%s <= %lld" : "%s <= %g", what,
                           sp->type == OPT_INT ? (long long)sp->max : sp->max);
  if (sp->type == OPT_INT)
    return sqlite3_mprintf("%s in [%lld, %lld]", what, (long long)sp->min, (long long)sp->max);
  return sqlite3_mprintf("%s in [%g, %g]", what, sp->min, sp->max);
}

int option_default_text(const opt_spec *sp, char **out) {
  *out = NULL;
  switch (sp->type) {
    case OPT_TEXT:
    case OPT_SOURCE:
      if (!sp->def_text) return SQLITE_OK;
      *out = sqlite3_mprintf("'%s'", sp->def_text);
      break;
    case OPT_BOOL: *out = sqlite3_mprintf("%s", sp->def != 0 ? "true" : "false"); break;
    default:
      if (sp->def < sp->min || sp->def > sp->max) return SQLITE_OK; /* a special value: see desc */
      *out = sp->type == OPT_INT ? sqlite3_mprintf("%lld", (long long)sp->def)
                                 : sqlite3_mprintf("%!.15g", sp->def);
  }
  return *out ? SQLITE_OK : SQLITE_NOMEM;
}

/* What was given, for "got ...": JSON: the type (or the number, for a range
** error: num); argument: its text or type; key=value: 'as written'. */
static char *got(const opt_in *in, int num) {
  switch (in->from) {
    case FROM_JSON:
      if (!num) return sqlite3_mprintf("%s", in->type);
      return in->kind == IN_INT ? sqlite3_mprintf("%lld", (long long)in->i) : sqlite3_mprintf("%.17g", in->d);
    case FROM_ARG: return value_describe(in->v, in->vtype);
    default: return sqlite3_mprintf("'%s'", in->raw);
  }
}

/* The message "obj: <subject> must be <expected>, got <what was given>". */
static char *must(const char *obj, const opt_spec *sp, const opt_in *in, const char *expected, int num) {
  char *g = got(in, num), *e = expected ? NULL : option_expected(sp), *msg = NULL;
  const char *ex = expected ? expected : e;
  if (g && ex) {
    if (in->from == FROM_JSON)
      msg = sqlite3_mprintf("%s: option \"%s\" must be %s, got %s", obj, sp->name, ex, g);
    else if (in->from == FROM_KV)
      msg = sqlite3_mprintf("%s: option %s must be %s, got %s", obj, sp->name, ex, g);
    else
      msg = sqlite3_mprintf("%s: %s must be %s, got %s", obj, sp->name, ex, g);
  }
  sqlite3_free(g);
  sqlite3_free(e);
  return msg;
}

/* A TEXT that is not one of the choices. */
static char *bad_choice(const char *obj, const opt_spec *sp, const opt_in *in) {
  char *list = choices_list(sp->choices), *msg = NULL;
  if (!list) return NULL;
  size_t n = 0;
  while (sp->choices[n]) n++;
  const char *near = suggest_closest(in->s, sp->choices, n);
  if (in->from == FROM_ARG)
    msg = near ? sqlite3_mprintf("%s: unknown %s '%s' (did you mean '%s'? expected one of %s)", obj, sp->name,
                                 in->s, near, list)
               : sqlite3_mprintf("%s: unknown %s '%s' (expected one of %s)", obj, sp->name, in->s, list);
  else if (in->from == FROM_JSON)
    msg = sqlite3_mprintf("%s: option \"%s\" must be one of %s, got '%s'", obj, sp->name, list, in->s);
  else
    msg = sqlite3_mprintf("%s: option %s must be one of %s, got '%s'", obj, sp->name, list, in->s);
  sqlite3_free(list);
  return msg;
}

/* An error message for *v, or NULL with v->set = -1 when making the
** message ran out of memory (so that it is not taken for success). */
static char *failed(opt_value *v, char *msg) {
  if (!msg) v->set = -1;
  return msg;
}

/* Checks a number for an INT or REAL option into *v. */
static char *check_number(const char *obj, const opt_spec *sp, const opt_in *in, opt_value *v) {
  int json = in->from == FROM_JSON;
  const char *base = sp->type == OPT_INT ? "an integer" : "a number";
  if (in->kind != IN_INT && in->kind != IN_REAL) return failed(v, must(obj, sp, in, json ? base : NULL, 0));
  int64_t i = in->i;
  double x = in->kind == IN_INT ? (double)in->i : in->d;
  if (sp->type == OPT_INT && in->kind == IN_REAL) {
    if (x != floor(x) && isfinite(x)) return failed(v, must(obj, sp, in, json ? base : NULL, 1));
    if (!(fabs(x) < 9.2e18)) return failed(v, must(obj, sp, in, NULL, 1));
    i = (int64_t)x;
  }
  int lo_open = sp->type == OPT_INT && sp->min <= -OPT_UNBOUNDED,
      hi_open = sp->type == OPT_INT && sp->max >= OPT_UNBOUNDED;
  if (!((lo_open || x >= sp->min) && (hi_open || x <= sp->max)) || x != x)
    return failed(v, must(obj, sp, in, NULL, 1));
  v->num = x;
  v->i64 = sp->type == OPT_INT ? i : 0;
  return NULL;
}

/* Checks in against sp into *v (v->set already 1). Returns the error
** message or NULL; out of memory is NULL with v->set = -1. */
static char *check(const char *obj, const opt_spec *sp, const opt_in *in, opt_value *v) {
  switch (sp->type) {
    case OPT_INT:
    case OPT_REAL: return check_number(obj, sp, in, v);
    case OPT_BOOL: {
      int ok = in->kind == IN_BOOL || (in->kind == IN_INT && (in->i == 0 || in->i == 1));
      if (!ok) {
        if (in->from == FROM_ARG) return failed(v, must(obj, sp, in, "0 or 1 (or true/false)", 0));
        return failed(v, must(obj, sp, in, in->from == FROM_JSON ? "true or false" : NULL, 0));
      }
      v->num = (double)in->i;
      v->i64 = in->i;
      return NULL;
    }
    case OPT_TEXT:
    case OPT_SOURCE:
      if (in->kind != IN_TEXT) {
        if (in->from == FROM_JSON) return failed(v, must(obj, sp, in, "a string", 0));
        if (sp->type == OPT_SOURCE && in->from == FROM_ARG)
          return failed(v, sqlite3_mprintf("%s: %s must be a table name, view name or SELECT text, got %s",
                                           obj, sp->name, value_type_name(in->vtype)));
        return failed(v, must(obj, sp, in, "TEXT", 0));
      }
      if (sp->choices) {
        int ok = 0;
        for (int k = 0; sp->choices[k]; k++) ok |= strcmp(sp->choices[k], in->s) == 0;
        if (!ok) return failed(v, bad_choice(obj, sp, in));
      }
      if (!(v->text = sqlite3_mprintf("%s", in->s))) v->set = -1;
      return NULL;
  }
  return NULL;
}

/* Sets v to sp's default. Returns SQLITE_OK or SQLITE_NOMEM. */
static int set_default(const opt_spec *sp, opt_value *v) {
  v->set = 0;
  v->num = sp->def;
  v->i64 = sp->type == OPT_INT || sp->type == OPT_BOOL ? (int64_t)sp->def : 0;
  v->text = NULL;
  if ((sp->type == OPT_TEXT || sp->type == OPT_SOURCE) && sp->def_text &&
      !(v->text = sqlite3_mprintf("%s", sp->def_text)))
    return SQLITE_NOMEM;
  return SQLITE_OK;
}

/* Checks in against sp into *v, defaults first. The common end of every
** origin: SQLITE_OK, SQLITE_ERROR with *err, or SQLITE_NOMEM. */
static int take(const char *obj, const opt_spec *sp, const opt_in *in, opt_value *v, char **err) {
  if (set_default(sp, v)) return SQLITE_NOMEM;
  if (in->kind == IN_ABSENT || (in->kind == IN_NULL && in->from != FROM_JSON && !(sp->flags & OPT_REQUIRED)))
    return SQLITE_OK;
  sqlite3_free(v->text);
  v->text = NULL;
  v->set = 1;
  *err = check(obj, sp, in, v);
  if (*err) return SQLITE_ERROR;
  return v->set < 0 ? SQLITE_NOMEM : SQLITE_OK;
}

/* ---- one SQL value / TVF arguments ------------------------------------- */

static void in_from_value(sqlite3_value *v, opt_in *in) {
  memset(in, 0, sizeof *in);
  in->from = FROM_ARG;
  in->v = v;
  if (!v) {
    in->kind = IN_ABSENT;
    return;
  }
  in->vtype = sqlite3_value_type(v);
  switch (in->vtype) {
    case SQLITE_NULL: in->kind = IN_NULL; break;
    case SQLITE_INTEGER:
      in->kind = IN_INT;
      in->i = sqlite3_value_int64(v);
      break;
    case SQLITE_FLOAT:
      in->kind = IN_REAL;
      in->d = sqlite3_value_double(v);
      break;
    case SQLITE_TEXT: in->kind = (in->s = (const char *)sqlite3_value_text(v)) ? IN_TEXT : IN_OTHER; break;
    default: in->kind = IN_OTHER; break;
  }
}

int option_from_value(const char *obj, const opt_spec *sp, sqlite3_value *v, opt_value *out, char **err) {
  opt_in in;
  *err = NULL;
  in_from_value(v, &in);
  if (in.vtype == SQLITE_TEXT && in.kind == IN_OTHER) return SQLITE_NOMEM;
  int rc = take(obj, sp, &in, out, err);
  if (rc) options_free(out, 1);
  return rc;
}

int options_from_args(const char *obj, const char *usage, const opt_spec *specs, int n, sqlite3_value **argv,
                      opt_value *vals, char **err) {
  *err = NULL;
  for (int k = 0; k < n; k++) vals[k].text = NULL;
  for (int k = 0; k < n; k++) {
    int rc;
    if (!argv[k] && (specs[k].flags & OPT_REQUIRED)) {
      *err = sqlite3_mprintf("%s: missing %s: call it as %s", obj, specs[k].name, usage);
      rc = SQLITE_ERROR;
    } else {
      rc = option_from_value(obj, &specs[k], argv[k], &vals[k], err);
    }
    if (rc) {
      options_free(vals, n);
      return rc;
    }
  }
  return SQLITE_OK;
}

/* ---- key=value ----------------------------------------------------------- */

/* The message for an unknown key, with a suggestion when one is close. */
static char *unknown_key(const char *obj, const char *key, const opt_spec *specs, int n) {
  const char *names[64] = {0};
  int m = n < 64 ? n : 64;
  for (int k = 0; k < m; k++) names[k] = specs[k].name;
  const char *near = suggest_closest(key, names, (size_t)m);
  if (near) return sqlite3_mprintf("%s: unknown option \"%s\" (did you mean \"%s\"?)", obj, key, near);
  char *list = names_list(specs, m);
  char *msg = list ? sqlite3_mprintf("%s: unknown option \"%s\" (valid options: %s)", obj, key, list) : NULL;
  sqlite3_free(list);
  return msg;
}

/* The spec index of key, or -1 with *err set (unknown) or -2 (given twice). */
static int find_key(const char *obj, const char *key, const opt_spec *specs, int n, const opt_value *vals,
                    char **err) {
  for (int k = 0; k < n; k++) {
    if (strcmp(specs[k].name, key) != 0) continue;
    if (!vals[k].set) return k;
    *err = sqlite3_mprintf("%s: option %s is given twice", obj, key);
    return -2;
  }
  *err = unknown_key(obj, key, specs, n);
  return -1;
}

/* Classifies a key=value value: a number, a quoted string, true/false, or
** a bare word (TEXT). Numbers are read in the "C" locale. */
static void in_from_text(const char *val, char *buf, opt_in *in) {
  memset(in, 0, sizeof *in);
  in->from = FROM_KV;
  in->raw = val;
  size_t n = strlen(val);
  char *end;
  if (n >= 2 && (val[0] == '\'' || val[0] == '"') && val[n - 1] == val[0]) {
    memcpy(buf, val + 1, n - 2);
    buf[n - 2] = 0;
    in->kind = IN_TEXT;
    in->s = buf;
    return;
  }
  in->kind = IN_TEXT;
  in->s = val;
  if (sqlite3_stricmp(val, "true") == 0 || sqlite3_stricmp(val, "false") == 0) {
    in->kind = IN_BOOL;
    in->i = sqlite3_stricmp(val, "true") == 0;
    return;
  }
  errno = 0;
  long long i = strtoll(val, &end, 10);
  if (n && !*end && errno == 0 && (val[0] == '-' || (val[0] >= '0' && val[0] <= '9'))) {
    in->kind = IN_INT;
    in->i = i;
    in->d = (double)i;
    return;
  }
  double d;
  if (n && (val[0] == '-' || val[0] == '.' || (val[0] >= '0' && val[0] <= '9')) &&
      vectext_strtod(val, &d) == 0) {
    in->kind = IN_REAL;
    in->d = d;
  }
}

int options_from_kv(const char *obj, int argc, const char *const *argv, const opt_spec *specs, int n,
                    opt_value *vals, char **err) {
  int rc = SQLITE_OK;
  *err = NULL;
  for (int k = 0; k < n; k++) {
    vals[k].text = NULL;
    if (set_default(&specs[k], &vals[k])) rc = SQLITE_NOMEM;
  }
  for (int a = 0; a < argc && rc == SQLITE_OK; a++) {
    const char *eq = strchr(argv[a], '=');
    if (!eq) {
      char *list = names_list(specs, n);
      *err =
          list ? sqlite3_mprintf("%s: expected key=value, got '%s' (options: %s)", obj, argv[a], list) : NULL;
      sqlite3_free(list);
      rc = SQLITE_ERROR;
      break;
    }
    size_t klen = (size_t)(eq - argv[a]);
    char *key = sqlite3_malloc64(klen + strlen(eq) + 2), *buf = key ? key + klen + 1 : NULL;
    if (!key) {
      rc = SQLITE_NOMEM;
      break;
    }
    memcpy(key, argv[a], klen);
    while (klen && (key[klen - 1] == ' ' || key[klen - 1] == '\t')) klen--;
    key[klen] = 0;
    const char *kstart = key, *val = eq + 1;
    while (*kstart == ' ' || *kstart == '\t') kstart++;
    while (*val == ' ' || *val == '\t') val++;
    int k = find_key(obj, kstart, specs, n, vals, err);
    if (k >= 0) {
      opt_in in;
      in_from_text(val, buf, &in);
      sqlite3_free(vals[k].text);
      vals[k].text = NULL;
      rc = take(obj, &specs[k], &in, &vals[k], err);
      if (rc == SQLITE_OK) vals[k].set = 1;
    } else {
      rc = SQLITE_ERROR;
    }
    sqlite3_free(key);
  }
  if (rc) options_free(vals, n);
  return rc;
}

/* ---- JSON ---------------------------------------------------------------- */

/* The json_each row (key, type, value) as an opt_in. */
static void in_from_json(sqlite3_stmt *row, opt_in *in) {
  memset(in, 0, sizeof *in);
  in->from = FROM_JSON;
  in->type = (const char *)sqlite3_column_text(row, 1);
  if (strcmp(in->type, "integer") == 0) {
    in->kind = IN_INT;
    in->i = sqlite3_column_int64(row, 2);
    in->d = (double)in->i;
  } else if (strcmp(in->type, "real") == 0) {
    in->kind = IN_REAL;
    in->d = sqlite3_column_double(row, 2);
  } else if (strcmp(in->type, "true") == 0 || strcmp(in->type, "false") == 0) {
    in->kind = IN_BOOL;
    in->i = in->type[0] == 't';
  } else if (strcmp(in->type, "text") == 0) {
    in->s = (const char *)sqlite3_column_text(row, 2);
    in->kind = in->s ? IN_TEXT : IN_OTHER;
  } else {
    in->kind = strcmp(in->type, "null") == 0 ? IN_NULL : IN_OTHER;
  }
}

/* Prepares json_each over json after checking that it is one object. */
static int json_rows(sqlite3 *db, const char *obj, const char *json, const opt_spec *specs, int n,
                     sqlite3_stmt **row, char **err) {
  int rc = sqlite3_prepare_v2(db, "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'object' ELSE 0 END",
                              -1, row, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(*row, 1, json, -1, SQLITE_STATIC);
    rc = sqlite3_step(*row);
    int is_object = rc == SQLITE_ROW && sqlite3_column_int(*row, 0);
    sqlite3_finalize(*row);
    *row = NULL;
    if (rc != SQLITE_ROW) return rc == SQLITE_NOMEM ? rc : SQLITE_ERROR;
    if (!is_object) {
      *err = sqlite3_mprintf("%s: options must be a JSON object such as '{\"%s\": ...}', got '%.40s'", obj,
                             n ? specs[0].name : "key", json);
      return SQLITE_ERROR;
    }
    rc = sqlite3_prepare_v2(db, "SELECT key, type, value FROM json_each(?1)", -1, row, NULL);
  }
  if (rc == SQLITE_NOMEM) return rc;
  if (rc) { /* json functions missing (SQLite built without JSON) */
    *err = sqlite3_mprintf("%s: cannot read options: %s", obj, sqlite3_errmsg(db));
    return SQLITE_ERROR;
  }
  sqlite3_bind_text(*row, 1, json, -1, SQLITE_STATIC);
  return SQLITE_OK;
}

/* One json_each row: the key looked up, checked into vals. */
static int json_take(const char *obj, sqlite3_stmt *row, const opt_spec *specs, int n, opt_value *vals,
                     char **err) {
  const char *key = (const char *)sqlite3_column_text(row, 0);
  if (!key || !sqlite3_column_text(row, 1)) return SQLITE_NOMEM; /* json_each gives both */
  int k = 0;
  while (k < n && strcmp(specs[k].name, key) != 0) k++;
  if (k == n) {
    *err = unknown_key(obj, key, specs, n);
    return SQLITE_ERROR;
  }
  if (vals[k].set) {
    *err = sqlite3_mprintf("%s: option \"%s\" is given twice", obj, key);
    return SQLITE_ERROR;
  }
  opt_in in;
  in_from_json(row, &in);
  if (in.kind == IN_OTHER && strcmp(in.type, "text") == 0) return SQLITE_NOMEM;
  sqlite3_free(vals[k].text);
  vals[k].text = NULL;
  return take(obj, &specs[k], &in, &vals[k], err);
}

int options_parse(sqlite3 *db, const char *obj, const char *json, const opt_spec *specs, int n,
                  opt_value *vals, char **err) {
  int rc = SQLITE_OK;
  sqlite3_stmt *row = NULL;
  *err = NULL;
  for (int k = 0; k < n; k++) vals[k].text = NULL;
  for (int k = 0; k < n; k++)
    if (set_default(&specs[k], &vals[k])) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && json && (rc = json_rows(db, obj, json, specs, n, &row, err)) == SQLITE_OK) {
    int step;
    while ((step = sqlite3_step(row)) == SQLITE_ROW &&
           (rc = json_take(obj, row, specs, n, vals, err)) == SQLITE_OK) {
    }
    if (rc == SQLITE_OK && step != SQLITE_DONE) {
      rc = step == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
      if (rc == SQLITE_ERROR) *err = sqlite3_mprintf("%s: reading options: %s", obj, sqlite3_errmsg(db));
    }
  }
  sqlite3_finalize(row);
  if (rc) options_free(vals, n);
  return rc;
}
