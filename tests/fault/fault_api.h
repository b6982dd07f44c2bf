/* fault_api: what the harness (fault_test.c) calls; see fault.c. */
#ifndef RECSQL_FAULT_API_H
#define RECSQL_FAULT_API_H

/* Counts allocations from now on and fails the nth one (and every one
** after it when persist). */
void fault_arm(long n, int persist);
/* Stops failing; returns how many failures were injected since fault_arm. */
long fault_disarm(void);
/* on = 1: allocations are neither counted nor failed until fault_hold(0). */
void fault_hold(int on);
/* Allocations counted since fault_arm. */
long fault_count(void);
/* Allocations not yet freed: the engine's (malloc) and SQLite's. */
long fault_live_engine(void);
long fault_live_sqlite(void);
/* Wraps SQLite's allocator; before sqlite3_initialize. */
int fault_install_sqlite(void);

#endif
