/* i2i: scores computed by hand (weights, neighbour cap, history exclusion,
** count and recency weights, tie order), thread independence, stopping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/i2i.h"
#include "../../src/rng.h"
#include "unit.h"

/* sim rows (given out of order; i2i_sim_build sorts them):
**   0: 1 0.5, 2 0.25, 3 0.1     1: 2 1.0, 0 0.5     2: 4 2.0 */
static const uint32_t sa[] = {0, 1, 0, 2, 0, 1}, sb[] = {3, 0, 1, 4, 2, 2};
static const double sw[] = {0.1, 0.5, 0.5, 2.0, 0.25, 1.0};
/* history: user 0 has 0, 1; user 1 has 2 twice; user 2 has 0 at t=10, 2 at t=20 */
static const uint32_t hu[] = {0, 0, 1, 1, 2, 2}, hi[] = {0, 1, 2, 2, 0, 2};
static const double ht[] = {0, 0, 5, 6, 10, 20};

typedef struct expect expect;
struct expect {
  uint32_t item;
  double score;
};

static void run(int count, double half_life, uint32_t k, uint32_t neighbors, int keep, const uint32_t *rank,
                uint32_t user, const expect *want, uint32_t n_want) {
  uint32_t by_rank[5], id[5] = {0, 1, 2, 3, 4};
  if (!rank) rank = id;
  for (uint32_t i = 0; i < 5; i++) by_rank[rank[i]] = i;
  i2i_sim s;
  i2i_history h;
  assert_int_equal(i2i_sim_build(&s, 5, sa, sb, sw, 6, rank), RS_OK);
  assert_int_equal(i2i_history_build(&h, 3, 5, hu, hi, ht, 6, count, half_life), RS_OK);
  for (int threads = 1; threads <= 3; threads++) {
    i2i_params p = {k, neighbors, keep, threads};
    uint32_t users[3] = {0, 1, 2};
    i2i_result r;
    assert_int_equal(i2i_recommend(&h, &s, rank, by_rank, users, 3, &p, NULL, &r), RS_OK);
    assert_int_equal(r.count[user], n_want);
    for (uint32_t e = 0; e < n_want; e++) {
      assert_int_equal(r.item[user * r.k + e], want[e].item);
      assert_true(fabs(r.score[user * r.k + e] - want[e].score) < 1e-12);
    }
    i2i_result_free(&r);
  }
  i2i_sim_free(&s);
  i2i_history_free(&h);
}

static void hand_scores(void **state) {
  (void)state;
  /* user 0: 2 = 0.25 + 1.0, 3 = 0.1; 0 and 1 are history */
  run(I2I_COUNT_ONCE, 0, 10, 0, 0, NULL, 0, (expect[]){{2, 1.25}, {3, 0.1}}, 2);
  run(I2I_COUNT_ONCE, 0, 1, 0, 0, NULL, 0, (expect[]){{2, 1.25}}, 1);
  /* history kept: 0 and 1 tie at 0.5, the smaller rank first */
  run(I2I_COUNT_ONCE, 0, 10, 0, 1, NULL, 0, (expect[]){{2, 1.25}, {0, 0.5}, {1, 0.5}, {3, 0.1}}, 4);
  static const uint32_t reversed[5] = {4, 3, 2, 1, 0};
  run(I2I_COUNT_ONCE, 0, 10, 0, 1, reversed, 0, (expect[]){{2, 1.25}, {1, 0.5}, {0, 0.5}, {3, 0.1}}, 4);
  /* one neighbour per history item: 0 -> 1 (history), 1 -> 2 */
  run(I2I_COUNT_ONCE, 0, 10, 1, 0, NULL, 0, (expect[]){{2, 1.0}}, 1);
  /* user 1 has item 2 twice */
  run(I2I_COUNT_ONCE, 0, 10, 0, 0, NULL, 1, (expect[]){{4, 2.0}}, 1);
  run(I2I_COUNT_LINEAR, 0, 10, 0, 0, NULL, 1, (expect[]){{4, 4.0}}, 1);
  run(I2I_COUNT_LOG, 0, 10, 0, 0, NULL, 1, (expect[]){{4, 2.0 * (1 + log(2.0))}}, 1);
  /* user 2, half-life 10: item 0 (10 before the latest) weighs 1/2 */
  run(I2I_COUNT_ONCE, 10, 10, 0, 0, NULL, 2, (expect[]){{4, 2.0}, {1, 0.25}, {3, 0.05}}, 3);
  run(I2I_COUNT_ONCE, 0, 10, 0, 0, NULL, 2, (expect[]){{4, 2.0}, {1, 0.5}, {3, 0.1}}, 3);
}

static void sim_order(void **state) {
  (void)state;
  uint32_t rank[5] = {0, 1, 2, 3, 4};
  i2i_sim s;
  assert_int_equal(i2i_sim_build(&s, 5, sa, sb, sw, 6, rank), RS_OK);
  assert_int_equal(s.ptr[1] - s.ptr[0], 3);
  assert_int_equal(s.nb[0], 1);
  assert_int_equal(s.nb[1], 2);
  assert_int_equal(s.nb[2], 3);
  assert_int_equal(s.ptr[5], 6);
  i2i_sim_free(&s);
}

static void stop(void **state) {
  (void)state;
  uint32_t rank[5] = {0, 1, 2, 3, 4};
  i2i_sim s;
  i2i_history h;
  assert_int_equal(i2i_sim_build(&s, 5, sa, sb, sw, 6, rank), RS_OK);
  assert_int_equal(i2i_history_build(&h, 3, 5, hu, hi, NULL, 6, I2I_COUNT_ONCE, 0), RS_OK);
  progress prog;
  progress_init(&prog, NULL, NULL);
  atomic_store(&prog.stop, 1);
  i2i_params p = {5, 0, 0, 2};
  uint32_t users[3] = {0, 1, 2};
  i2i_result r;
  assert_int_equal(i2i_recommend(&h, &s, rank, rank, users, 3, &p, &prog, &r), RS_STOPPED);
  assert_null(r.item);
  i2i_sim_free(&s);
  i2i_history_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_scores),
      cmocka_unit_test(sim_order),
      cmocka_unit_test(stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
