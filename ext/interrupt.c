/*
** interrupt: see interrupt.h.
*/
#include "interrupt.h"

#include <stddef.h>

int interrupt_init(interrupt_check *ic, sqlite3 *db) {
  return sqlite3_prepare_v2(db, "SELECT 1", -1, &ic->probe, NULL);
}

int interrupt_poll(interrupt_check *ic) {
  int rc = sqlite3_step(ic->probe);
  sqlite3_reset(ic->probe);
  return rc == SQLITE_INTERRUPT;
}

int interrupt_poll_cb(void *ctx) { return interrupt_poll(ctx); }

void interrupt_free(interrupt_check *ic) {
  sqlite3_finalize(ic->probe);
  ic->probe = NULL;
}
