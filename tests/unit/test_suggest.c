/* suggest: edit distance and the closest-word rule. */
#include "../../src/suggest.h"
#include "unit.h"

static void distances(void **state) {
  (void)state;
  assert_int_equal(suggest_distance("", ""), 0);
  assert_int_equal(suggest_distance("epoch", "epochs"), 1);
  assert_int_equal(suggest_distance("kitten", "sitting"), 3);
  assert_int_equal(suggest_distance("DIM", "dim"), 0);
  assert_int_equal(suggest_distance("abc", ""), 3);
}

static void closest(void **state) {
  (void)state;
  const char *const c[] = {"dim", "epochs", "lr", "reg", "threads"};
  assert_string_equal(suggest_closest("epoch", c, 5), "epochs");
  assert_string_equal(suggest_closest("thread", c, 5), "threads");
  assert_string_equal(suggest_closest("dims", c, 5), "dim");
  assert_null(suggest_closest("banana", c, 5));
  assert_null(suggest_closest("x", c, 0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(distances),
      cmocka_unit_test(closest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
