/* vectext: the JSON array grammar, float32 range, round trips. */
#include <stdlib.h>
#include <string.h>

#include "../../src/vectext.h"
#include "unit.h"

static int parse(const char *s, float **v, size_t *d, size_t *pos) {
  return vectext_parse(s, strlen(s), v, d, pos);
}

static void valid_arrays(void **state) {
  (void)state;
  float *v;
  size_t d, pos;
  assert_int_equal(parse(" [1, -2.5,3e2 , 0.125E-1]\n", &v, &d, &pos), VECTEXT_OK);
  assert_int_equal(d, 4);
  assert_true(v[0] == 1.0f && v[1] == -2.5f && v[2] == 300.0f && v[3] == 0.0125f);
  free(v);
  assert_int_equal(parse("[0]", &v, &d, &pos), VECTEXT_OK);
  assert_int_equal(d, 1);
  free(v);
}

static void invalid_arrays(void **state) {
  (void)state;
  float *v;
  size_t d, pos;
  static const char *const bad[] = {"",      "1",       "[",     "[1,",  "[1,]",  "[,1]",
                                    "[1 2]", "[01]",    "[1.]",  "[.5]", "[+1]",  "[1e]",
                                    "[nan]", "[\"1\"]", "[1] x", "{}",   "[[1]]", "[1,2"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    int r = parse(bad[k], &v, &d, &pos);
    assert_int_equal(r, VECTEXT_SYNTAX);
    assert_null(v);
  }
  assert_int_equal(parse("[1,2", &v, &d, &pos), VECTEXT_SYNTAX);
  assert_int_equal(pos, 4);
  assert_int_equal(parse(" [ ] ", &v, &d, &pos), VECTEXT_EMPTY);
  assert_int_equal(parse("[1, 1e39]", &v, &d, &pos), VECTEXT_RANGE);
  assert_int_equal(pos, 1);
}

static void not_read_past_length(void **state) {
  (void)state;
  float *v;
  size_t d, pos;
  /* the text is "[1,2]" followed by bytes that are not part of it */
  assert_int_equal(vectext_parse("[1,2]999", 5, &v, &d, &pos), VECTEXT_OK);
  assert_int_equal(d, 2);
  free(v);
  assert_int_equal(vectext_parse("[1,23]", 4, &v, &d, &pos), VECTEXT_SYNTAX);
}

static void format_round_trip(void **state) {
  (void)state;
  float x[] = {0.1f, -2.0f, 1e-7f, 3.4028235e38f, 0.0f, 1.0f / 3.0f};
  size_t len;
  char *s = vectext_format(x, 6, &len);
  assert_string_equal(s, "[0.1,-2,1e-07,3.4028235e+38,0,0.33333334]");
  assert_int_equal(len, strlen(s));
  float *v;
  size_t d, pos;
  assert_int_equal(vectext_parse(s, len, &v, &d, &pos), VECTEXT_OK);
  assert_int_equal(d, 6);
  assert_memory_equal(v, x, sizeof x);
  free(v);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(valid_arrays),
      cmocka_unit_test(invalid_arrays),
      cmocka_unit_test(not_read_past_length),
      cmocka_unit_test(format_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
