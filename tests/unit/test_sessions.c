/* sessions: sort by (user, session, time, input order), cuts at the user,
** the session id and the time gap, repeats collapsed, singles dropped. */
#include "../../src/sessions.h"
#include "unit.h"

static void check_seq(const seqs *s, uint32_t q, const uint32_t *want, size_t n) {
  assert_int_equal(s->off[q + 1] - s->off[q], n);
  for (size_t k = 0; k < n; k++) assert_int_equal(s->item[s->off[q] + k], want[k]);
}

static void cuts(void **state) {
  (void)state;
  /* user 0: items 1,2,3 at times 3,1,2 -> 2 3 1; then a gap of 100 -> 4 5
  ** user 1: 7 alone (dropped); user 2: 8, 8, 9 (repeat collapsed) */
  event ev[] = {
      {0, 1, 0, 3}, {0, 2, 0, 1},  {0, 3, 0, 2},  {0, 4, 0, 103}, {0, 5, 0, 104},
      {1, 7, 0, 5}, {2, 8, 0, 10}, {2, 8, 0, 11}, {2, 9, 0, 12},
  };
  seqs s;
  sessions_stats st;
  assert_int_equal(sessions_build(ev, 9, 50, &s, &st), RS_OK);
  assert_int_equal(s.n, 3);
  check_seq(&s, 0, (uint32_t[]){2, 3, 1}, 3);
  check_seq(&s, 1, (uint32_t[]){4, 5}, 2);
  check_seq(&s, 2, (uint32_t[]){8, 9}, 2);
  assert_int_equal(st.singles, 1);
  assert_int_equal(st.repeats, 1);
  seqs_free(&s);
}

static void no_gap_and_sessions(void **state) {
  (void)state;
  /* gap 0: no cut on time; session ids cut; equal times keep input order */
  event ev[] = {{0, 1, 1, 5}, {0, 2, 1, 5}, {0, 3, 2, 1000}, {0, 4, 2, 1}, {0, 5, 1, 500}};
  seqs s;
  sessions_stats st;
  assert_int_equal(sessions_build(ev, 5, 0, &s, &st), RS_OK);
  assert_int_equal(s.n, 2);
  check_seq(&s, 0, (uint32_t[]){1, 2, 5}, 3);
  check_seq(&s, 1, (uint32_t[]){4, 3}, 2);
  uint64_t cnt[6];
  seqs_count(&s, 6, cnt);
  assert_int_equal(cnt[0], 0);
  assert_int_equal(cnt[3], 1);
  seqs_free(&s);
}

static void empty(void **state) {
  (void)state;
  seqs s;
  sessions_stats st;
  assert_int_equal(sessions_build(NULL, 0, 0, &s, &st), RS_OK);
  assert_int_equal(s.n, 0);
  assert_int_equal(s.off[0], 0);
  seqs_free(&s);
  event one = {3, 4, 0, 1};
  assert_int_equal(sessions_build(&one, 1, 0, &s, &st), RS_OK);
  assert_int_equal(s.n, 0);
  assert_int_equal(st.singles, 1);
  seqs_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cuts),
      cmocka_unit_test(no_gap_and_sessions),
      cmocka_unit_test(empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
