/* itemsim: the top-k driver with a made-up scorer: order (score descending,
** ties by index), the query item and zero scores left out, k, threads,
** accumulator reset between query items, stopping. */
#include <stdlib.h>
#include <string.h>

#include "../../src/itemsim.h"
#include "unit.h"

enum { NI = 50 };

/* score(i, j) = ((i + j) % 7) for j != i, with some scores added twice, and
** the query item itself touched too. */
static rs_status toy_scorer(const void *ctx, uint32_t item, itemsim_ws *ws, progress *prog) {
  (void)ctx;
  (void)prog;
  for (uint32_t j = 0; j < NI; j++) {
    double s = (double)((item + j) % 7);
    if (j % 2) {
      itemsim_add(ws, j, s / 2);
      itemsim_add(ws, j, s / 2);
    } else {
      itemsim_add(ws, j, s);
    }
  }
  return RS_OK;
}

static void order_and_exclusions(void **state) {
  (void)state;
  uint32_t q[NI];
  for (uint32_t i = 0; i < NI; i++) q[i] = NI - 1 - i;
  for (int threads = 1; threads <= 3; threads++) {
    itemsim_result r;
    assert_int_equal(itemsim_run(q, NI, 10, NI, 1, toy_scorer, NULL, threads, NULL, &r), 0);
    assert_int_equal(r.n, NI);
    assert_int_equal(r.k, 10);
    for (uint32_t t = 0; t < NI; t++) {
      uint32_t i = q[t];
      /* expected: j != i with (i + j) % 7 > 0, by score desc then j asc */
      uint32_t exp[NI], n = 0;
      for (int s = 6; s >= 1; s--)
        for (uint32_t j = 0; j < NI; j++)
          if (j != i && (i + j) % 7 == (uint32_t)s) exp[n++] = j;
      assert_int_equal(r.count[t], 10);
      for (uint32_t k = 0; k < 10; k++) {
        assert_int_equal(r.item[(size_t)t * 10 + k], exp[k]);
        assert_true(r.score[(size_t)t * 10 + k] == (double)((i + exp[k]) % 7));
      }
    }
    itemsim_result_free(&r);
  }
  /* k larger than the candidates: every positive score, no more */
  itemsim_result r;
  uint32_t one = 3;
  assert_int_equal(itemsim_run(&one, 1, 1000, NI, 1, toy_scorer, NULL, 2, NULL, &r), 0);
  uint32_t pos = 0;
  for (uint32_t j = 0; j < NI; j++) pos += j != 3 && (3 + j) % 7 != 0;
  assert_int_equal(r.count[0], pos);
  itemsim_result_free(&r);
}

static rs_status stop_scorer(const void *ctx, uint32_t item, itemsim_ws *ws, progress *prog) {
  (void)ctx;
  (void)item;
  (void)ws;
  return progress_stopped(prog) ? RS_STOPPED : RS_OK;
}

static void stopping_and_empty(void **state) {
  (void)state;
  uint32_t q[4] = {0, 1, 2, 3};
  progress prog;
  progress_init(&prog, NULL, NULL);
  atomic_store(&prog.stop, 1);
  itemsim_result r;
  assert_int_equal(itemsim_run(q, 4, 2, NI, 1, stop_scorer, NULL, 2, &prog, &r), RS_STOPPED);
  assert_null(r.count);
  assert_int_equal(itemsim_run(q, 0, 2, NI, 1, toy_scorer, NULL, 2, NULL, &r), 0);
  assert_int_equal(r.n, 0);
  itemsim_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(order_and_exclusions),
      cmocka_unit_test(stopping_and_empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
