/*
** parallel: pthreads behind parallel_run; see parallel.h.
*/
#include "parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int parallel_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (int)n;
}

double parallel_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct job job;
struct job {
  void (*fn)(void *, int);
  void *arg;
  int tid;
};

static void *trampoline(void *p) {
  job *j = p;
  j->fn(j->arg, j->tid);
  return NULL;
}

int parallel_run(int n, void (*fn)(void *arg, int tid), void *arg) {
  if (n <= 1) {
    fn(arg, 0);
    return 0;
  }
  pthread_t *th = malloc((size_t)n * sizeof *th);
  job *jobs = malloc((size_t)n * sizeof *jobs);
  char *started = calloc((size_t)n, 1);
  if (!th || !jobs || !started) {
    free(th);
    free(jobs);
    free(started);
    for (int t = 0; t < n; t++) fn(arg, t);
    return -1;
  }
  int rc = 0;
  for (int t = 1; t < n; t++) {
    jobs[t].fn = fn;
    jobs[t].arg = arg;
    jobs[t].tid = t;
    started[t] = pthread_create(&th[t], NULL, trampoline, &jobs[t]) == 0;
  }
  fn(arg, 0);
  /* Threads that could not start run here, after tid 0. */
  for (int t = 1; t < n; t++) {
    if (started[t]) {
      pthread_join(th[t], NULL);
    } else {
      rc = -1;
      fn(arg, t);
    }
  }
  free(th);
  free(jobs);
  free(started);
  return rc;
}

void progress_init(progress *p, int (*poll)(void *), void *ctx) {
  p->poll = poll;
  p->ctx = ctx;
  atomic_store(&p->stop, 0);
  p->last = parallel_now();
}

int progress_poll(progress *p) {
  if (!p) return 0;
  if (atomic_load(&p->stop)) return 1;
  if (!p->poll) return 0;
  double now = parallel_now();
  if (now - p->last < 0.1) return 0;
  p->last = now;
  if (p->poll(p->ctx)) atomic_store(&p->stop, 1);
  return atomic_load(&p->stop);
}
