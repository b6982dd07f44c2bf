/*
** options: one JSON object of named options, checked against a spec.
**
** The object is read with SQLite's own json_each, so any valid JSON works and
** malformed text gets a clear message. Each key must name an option of the
** spec (otherwise the closest name is suggested), appear once, have the
** option's type, and lie in its range.
*/
#include <math.h>
#include <string.h>

#include "../src/suggest.h"
#include "common.h"

void options_free(opt_value *vals, int n) {
  for (int k = 0; k < n; k++) {
    sqlite3_free(vals[k].text);
    vals[k].text = NULL;
  }
}

/* Message for an unknown key, with a suggestion when one is close. */
static char *unknown_key(const char *obj, const char *key, const opt_spec *specs, int n) {
  const char *names[64] = {0};
  int m = n < 64 ? n : 64;
  for (int k = 0; k < m; k++) names[k] = specs[k].name;
  const char *near = suggest_closest(key, names, (size_t)m);
  if (near) return sqlite3_mprintf("%s: unknown option \"%s\" (did you mean \"%s\"?)", obj, key, near);
  char *list = sqlite3_mprintf("%s", "");
  for (int k = 0; k < m && list; k++) {
    char *l = sqlite3_mprintf("%s%s%s", list, k ? ", " : "", names[k]);
    sqlite3_free(list);
    list = l;
  }
  if (!list) return NULL;
  char *msg = sqlite3_mprintf("%s: unknown option \"%s\" (valid options: %s)", obj, key, list);
  sqlite3_free(list);
  return msg;
}

static char *choices_list(const char *const *choices) {
  char *list = sqlite3_mprintf("%s", "");
  for (int k = 0; choices[k] && list; k++) {
    char *l = sqlite3_mprintf("%s%s'%s'", list, k ? ", " : "", choices[k]);
    sqlite3_free(list);
    list = l;
  }
  return list;
}

/* Checks one option value (json_each row: type, value) into *v. */
static char *check_value(const char *obj, const opt_spec *sp, sqlite3_stmt *row, opt_value *v) {
  const char *type = (const char *)sqlite3_column_text(row, 1); /* not NULL: checked by the caller */
  switch (sp->type) {
    case OPT_BOOL:
      if (strcmp(type, "true") == 0)
        v->num = 1;
      else if (strcmp(type, "false") == 0)
        v->num = 0;
      else if (strcmp(type, "integer") == 0 &&
               (sqlite3_column_int64(row, 2) == 0 || sqlite3_column_int64(row, 2) == 1))
        v->num = (double)sqlite3_column_int64(row, 2);
      else
        return sqlite3_mprintf("%s: option \"%s\" must be true or false, got %s", obj, sp->name, type);
      return NULL;
    case OPT_INT:
    case OPT_REAL: {
      if (strcmp(type, "integer") != 0 && strcmp(type, "real") != 0)
        return sqlite3_mprintf("%s: option \"%s\" must be %s, got %s", obj, sp->name,
                               sp->type == OPT_INT ? "an integer" : "a number", type);
      double x = sqlite3_column_double(row, 2);
      if (sp->type == OPT_INT) {
        if (strcmp(type, "integer") == 0) {
          v->i64 = sqlite3_column_int64(row, 2);
          x = (double)v->i64;
        }
        if (x != floor(x))
          return sqlite3_mprintf("%s: option \"%s\" must be an integer, got %g", obj, sp->name, x);
      }
      if (!(x >= sp->min && x <= sp->max)) {
        if (sp->type == OPT_INT)
          return sqlite3_mprintf("%s: option \"%s\" must be an integer in [%lld, %lld], got %.17g", obj,
                                 sp->name, (long long)sp->min, (long long)sp->max, x);
        return sqlite3_mprintf("%s: option \"%s\" must be a number in [%g, %g], got %.17g", obj, sp->name,
                               sp->min, sp->max, x);
      }
      v->num = x;
      if (sp->type == OPT_INT && strcmp(type, "integer") != 0) /* a real such as 1e3 */
        v->i64 = fabs(x) < 9.2e18 ? (int64_t)x : x > 0 ? INT64_MAX : INT64_MIN;
      return NULL;
    }
    case OPT_TEXT: {
      if (strcmp(type, "text") != 0)
        return sqlite3_mprintf("%s: option \"%s\" must be a string, got %s", obj, sp->name, type);
      const char *s = (const char *)sqlite3_column_text(row, 2);
      if (!s) return NULL; /* out of memory: v->text stays NULL, which the caller reports */
      if (sp->choices) {
        int ok = 0;
        for (int k = 0; sp->choices[k]; k++)
          if (strcmp(sp->choices[k], s) == 0) ok = 1;
        if (!ok) {
          char *list = choices_list(sp->choices);
          char *msg = sqlite3_mprintf("%s: option \"%s\" must be one of %s, got '%s'", obj, sp->name,
                                      list ? list : "", s);
          sqlite3_free(list);
          return msg;
        }
      }
      v->text = sqlite3_mprintf("%s", s);
      return NULL;
    }
  }
  return NULL;
}

int options_parse(sqlite3 *db, const char *obj, const char *json, const opt_spec *specs, int n,
                  opt_value *vals, char **err) {
  int rc = SQLITE_OK;
  sqlite3_stmt *row = NULL;
  *err = NULL;
  for (int k = 0; k < n; k++) {
    vals[k].set = 0;
    vals[k].num = specs[k].def;
    vals[k].i64 = (int64_t)specs[k].def;
    vals[k].text = NULL;
  }
  if (json) {
    rc = sqlite3_prepare_v2(db, "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'object' ELSE 0 END",
                            -1, &row, NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(row, 1, json, -1, SQLITE_STATIC);
      rc = sqlite3_step(row);
      int is_object = rc == SQLITE_ROW && sqlite3_column_int(row, 0);
      sqlite3_finalize(row);
      row = NULL;
      if (rc != SQLITE_ROW) return rc == SQLITE_NOMEM ? rc : SQLITE_ERROR;
      if (!is_object) {
        *err = sqlite3_mprintf("%s: options must be a JSON object such as '{\"%s\": ...}', got '%.40s'", obj,
                               n ? specs[0].name : "key", json);
        return SQLITE_ERROR;
      }
      rc = sqlite3_prepare_v2(db, "SELECT key, type, value FROM json_each(?1)", -1, &row, NULL);
    }
    if (rc) {
      if (rc == SQLITE_NOMEM) return rc;
      /* json functions missing (SQLite built without JSON) */
      *err = sqlite3_mprintf("%s: cannot read options: %s", obj, sqlite3_errmsg(db));
      return SQLITE_ERROR;
    }
    sqlite3_bind_text(row, 1, json, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
      const char *key = (const char *)sqlite3_column_text(row, 0);
      if (!key || !sqlite3_column_text(row, 1)) { /* json_each gives both: NULL = out of memory */
        rc = SQLITE_NOMEM;
        goto fail;
      }
      int k = 0;
      while (k < n && strcmp(specs[k].name, key) != 0) k++;
      if (k == n) {
        *err = unknown_key(obj, key, specs, n);
        rc = SQLITE_ERROR;
        goto fail;
      }
      if (vals[k].set) {
        *err = sqlite3_mprintf("%s: option \"%s\" is given twice", obj, key);
        rc = SQLITE_ERROR;
        goto fail;
      }
      vals[k].set = 1;
      *err = check_value(obj, &specs[k], row, &vals[k]);
      if (*err) {
        rc = SQLITE_ERROR;
        goto fail;
      }
      if (specs[k].type == OPT_TEXT && !vals[k].text) {
        rc = SQLITE_NOMEM;
        goto fail;
      }
    }
    if (rc != SQLITE_DONE) {
      if (rc != SQLITE_NOMEM) *err = sqlite3_mprintf("%s: reading options: %s", obj, sqlite3_errmsg(db));
      goto fail;
    }
    sqlite3_finalize(row);
    row = NULL;
  }
  for (int k = 0; k < n; k++) {
    if (specs[k].type == OPT_TEXT && !vals[k].text && specs[k].def_text) {
      vals[k].text = sqlite3_mprintf("%s", specs[k].def_text);
      if (!vals[k].text) {
        rc = SQLITE_NOMEM;
        goto fail;
      }
    }
  }
  return SQLITE_OK;
fail:
  sqlite3_finalize(row);
  options_free(vals, n);
  return rc;
}
