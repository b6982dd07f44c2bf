/*
** errors: how every file of ext/ reports a failure to SQLite.
**
** The convention: a helper that can fail returns an SQLite code and sets
** *err to a message (sqlite3_malloc'd) that starts with the object's name
** and says what was wrong and what was expected. Out of memory is one thing
** only: SQLITE_NOMEM with *err NULL. Because a failed sqlite3_mprintf also
** gives NULL, an SQLITE_ERROR without a message is reported as out of memory.
**
** Scalars and aggregates end with result_error_free, virtual tables with
** vtab_error; engine results (src/status.h) become codes by
** status_to_sqlite and messages by status_message.
*/
#ifndef RECSQL_ERRORS_H
#define RECSQL_ERRORS_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stddef.h>
#include <stdint.h>

#include "../src/status.h"

/* The SQLite code that says what an engine status means (src/status.h).
** RS_DIVERGED and RS_INVALID are SQLITE_ERROR: the caller writes the advice. */
static inline int status_to_sqlite(rs_status s) {
  switch (s) {
    case RS_OK: return SQLITE_OK;
    case RS_NOMEM: return SQLITE_NOMEM;
    case RS_TOOBIG: return SQLITE_TOOBIG;
    case RS_STOPPED: return SQLITE_INTERRUPT;
    default: return SQLITE_ERROR;
  }
}

/* The message for an engine status, or NULL where the code says it all
** (RS_OK, RS_NOMEM, RS_STOPPED). what names the thing that was counted
** ("ids", "vectors") and limit the documented limit, for RS_TOOBIG:
** "obj: too many ids (the limit is 4294967280)". detail, when not NULL, is
** the message of RS_INVALID / RS_DIVERGED. */
char *status_message(const char *obj, rs_status s, const char *what, uint64_t limit, const char *detail);

/* Sets the error of ctx from err (freed) and code (see the convention above). */
void result_error_free(sqlite3_context *ctx, int code, char *err);

/* Sets the error message of a virtual table (freeing the one before) and
** returns the code to return from the xMethod (see the convention above). */
int vtab_error(sqlite3_vtab *vt, int code, char *err);

/* Grows the array *arr (any T *, in SQLite's allocator) to cap elements
** of elem bytes: SQLITE_OK, or SQLITE_NOMEM with *arr as it was. */
int array_grow(void *arr, size_t cap, size_t elem);

/* Description of a value's type for messages: "INTEGER", "TEXT", ... */
const char *value_type_name(int type);

/* What a value is, for "got ..." in messages: a number's text, TEXT 'abc'
** (at most 40 bytes of it), or the type's name. type: the value's type as
** first seen (sqlite3_value_text on a BLOB changes what it reports). NULL
** when out of memory. */
char *value_describe(sqlite3_value *v, int type);

/* s as a JSON string literal, quotes included (sqlite3_malloc'd; NULL on OOM). */
char *json_quote_text(const char *s);

#endif
