/*
** errors: see errors.h.
*/
#include "errors.h"

#include <stdio.h>
#include <string.h>

char *status_message(const char *obj, rs_status s, const char *what, uint64_t limit, const char *detail) {
  switch (s) {
    case RS_TOOBIG:
      return sqlite3_mprintf("%s: too many %s (the limit is %llu)", obj, what ? what : "entries",
                             (unsigned long long)limit);
    case RS_DIVERGED:
    case RS_INVALID: return sqlite3_mprintf("%s: %s", obj, detail ? detail : "invalid input");
    default: return NULL;
  }
}

void result_error_free(sqlite3_context *ctx, int code, char *err) {
  if (err) {
    sqlite3_result_error(ctx, err, -1);
    sqlite3_free(err);
    if (code != SQLITE_ERROR && code != SQLITE_OK) sqlite3_result_error_code(ctx, code);
  } else if (code == SQLITE_NOMEM || code == SQLITE_OK || code == SQLITE_ERROR) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_error_code(ctx, code);
  }
}

int vtab_error(sqlite3_vtab *vt, int code, char *err) {
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = err;
  if (!err && (code == SQLITE_ERROR || code == SQLITE_OK)) code = SQLITE_NOMEM;
  return code;
}

int array_grow(void *arr, size_t cap, size_t elem) {
  void *old, *p;
  memcpy(&old, arr, sizeof old);
  if (!(p = sqlite3_realloc64(old, (sqlite3_uint64)cap * elem))) return SQLITE_NOMEM;
  memcpy(arr, &p, sizeof p);
  return SQLITE_OK;
}

const char *value_type_name(int type) {
  switch (type) {
    case SQLITE_INTEGER: return "INTEGER";
    case SQLITE_FLOAT: return "REAL";
    case SQLITE_TEXT: return "TEXT";
    case SQLITE_BLOB: return "BLOB";
    default: return "NULL";
  }
}

char *value_describe(sqlite3_value *v, int type) {
  if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) return sqlite3_mprintf("%s", sqlite3_value_text(v));
  if (type == SQLITE_TEXT) return sqlite3_mprintf("TEXT '%.40s'", sqlite3_value_text(v));
  return sqlite3_mprintf("%s", value_type_name(type));
}

char *json_quote_text(const char *s) {
  size_t n = strlen(s), cap = 6 * n + 3; /* worst case: \u00XX per byte */
  char *out = sqlite3_malloc64(cap);
  if (!out) return NULL;
  size_t w = 0;
  out[w++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      out[w++] = '\\';
      out[w++] = (char)*p;
    } else if (*p < 0x20) {
      w += (size_t)snprintf(out + w, cap - w, "\\u%04x", *p);
    } else {
      out[w++] = (char)*p;
    }
  }
  out[w++] = '"';
  out[w] = 0;
  return out;
}
