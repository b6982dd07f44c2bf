/*
** interrupt: a cheap check for sqlite3_interrupt() that works on SQLite
** 3.40 (sqlite3_is_interrupted needs 3.41): stepping a trivial prepared
** statement returns SQLITE_INTERRUPT once the connection is interrupted.
** Long engine work polls it through a progress callback (src/parallel.h).
*/
#ifndef RECSQL_INTERRUPT_H
#define RECSQL_INTERRUPT_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

typedef struct interrupt_check interrupt_check;
struct interrupt_check {
  sqlite3_stmt *probe;
};
int interrupt_init(interrupt_check *ic, sqlite3 *db);
/* 1 when the connection has been interrupted. */
int interrupt_poll(interrupt_check *ic);
void interrupt_free(interrupt_check *ic);
/* interrupt_poll for a progress callback: ctx is the interrupt_check. */
int interrupt_poll_cb(void *ctx);

#endif
