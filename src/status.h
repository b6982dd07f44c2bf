/*
** status: the result codes of the engine (src/), one meaning each, so that
** the binding can turn them into the SQLite code that says what happened
** (ext/: status_to_sqlite). Engine functions that can fail for more than one
** reason return an rs_status; 0 is success.
**
**   RS_NOMEM      an allocation failed                  -> SQLITE_NOMEM
**   RS_TOOBIG     a count passed a documented limit     -> SQLITE_TOOBIG
**   RS_DIVERGED   training produced a non-finite value  -> SQLITE_ERROR (with advice)
**   RS_STOPPED    a progress callback asked to stop     -> SQLITE_INTERRUPT
**   RS_INVALID    input the engine cannot use           -> SQLITE_ERROR
*/
#ifndef RECSQL_STATUS_H
#define RECSQL_STATUS_H

typedef enum rs_status {
  RS_OK = 0,
  RS_NOMEM = 1,
  RS_TOOBIG = 2,
  RS_DIVERGED = 3,
  RS_STOPPED = 4,
  RS_INVALID = 5
} rs_status;

#endif
