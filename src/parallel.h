/*
** parallel: run one function on several threads, and stop them on request.
**
** parallel_run calls fn(arg, tid) for tid = 0..n-1, tid 0 on the calling
** thread and the others on new threads, and returns when all are done.
** Only tid 0 may call back into SQLite (the connection is the caller's), so
** interrupt checks go through a `progress` that tid 0 polls and every thread
** reads: tid 0 calls progress_poll now and then; all threads test
** progress_stopped in their loops and return early when it is set.
*/
#ifndef RECSQL_PARALLEL_H
#define RECSQL_PARALLEL_H

#include <stdatomic.h>

#include "status.h"

/* Online processors (at least 1). */
int parallel_cores(void);

/* Runs fn on n threads (n < 1 means 1). Returns 0, or -1 when a thread could
** not be started (fn then ran on fewer threads: every tid still ran once). */
int parallel_run(int n, void (*fn)(void *arg, int tid), void *arg);

typedef struct progress progress;
struct progress {
  int (*poll)(void *ctx); /* nonzero = stop (e.g. the statement was interrupted) */
  void *ctx;
  atomic_int stop;
  double last; /* seconds of the last poll */
};

/* Sets up p; poll may be NULL (never stops). */
void progress_init(progress *p, int (*poll)(void *), void *ctx);

/* From tid 0 only: calls poll when at least 0.1 s passed since the last call.
** Returns nonzero once stopped. Cheap enough to call every few thousand steps. */
int progress_poll(progress *p);

static inline int progress_stopped(progress *p) {
  return p && atomic_load_explicit(&p->stop, memory_order_relaxed);
}

/* How a threaded job ended: RS_NOMEM when a worker failed (failed != 0),
** RS_STOPPED when prog asked to stop, else RS_OK. */
static inline rs_status parallel_outcome(int failed, progress *prog) {
  return failed ? RS_NOMEM : progress_stopped(prog) ? RS_STOPPED : RS_OK;
}

/* Monotonic clock in seconds. */
double parallel_now(void);

#endif
