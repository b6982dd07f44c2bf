/* parallel: every tid runs once; progress stops on request. */
#include <stdatomic.h>

#include "../../src/parallel.h"
#include "unit.h"

typedef struct {
  atomic_int mask;
  atomic_int calls;
} seen;

static void mark(void *arg, int tid) {
  seen *s = arg;
  atomic_fetch_or(&s->mask, 1 << tid);
  atomic_fetch_add(&s->calls, 1);
}

static void every_tid_once(void **state) {
  (void)state;
  for (int n = 0; n <= 5; n++) {
    seen s;
    atomic_init(&s.mask, 0);
    atomic_init(&s.calls, 0);
    assert_int_equal(parallel_run(n, mark, &s), 0);
    int expect = n < 1 ? 1 : n;
    assert_int_equal(atomic_load(&s.calls), expect);
    assert_int_equal(atomic_load(&s.mask), (1 << expect) - 1);
  }
  assert_true(parallel_cores() >= 1);
}

static int stop_after_two(void *ctx) {
  int *calls = ctx;
  return ++*calls >= 2;
}

static void progress_stops(void **state) {
  (void)state;
  int calls = 0;
  progress p;
  progress_init(&p, stop_after_two, &calls);
  assert_false(progress_stopped(&p));
  double t0 = parallel_now();
  while (!progress_poll(&p)) assert_true(parallel_now() - t0 < 5.0);
  assert_int_equal(calls, 2);
  assert_true(progress_stopped(&p));
  assert_true(parallel_now() - t0 >= 0.19);
  assert_false(progress_stopped(NULL));
  assert_int_equal(progress_poll(NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_tid_once),
      cmocka_unit_test(progress_stops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
