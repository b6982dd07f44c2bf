/* vectext: the JSON array grammar, float32 range, round trips. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
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

/* Every finite float printed reads back bit-identical: random bit patterns
** (all exponents, subnormals, both signs), one per array element. */
static void random_round_trip(void **state) {
  (void)state;
  enum { N = 200000 };
  float *x = malloc(N * sizeof *x);
  assert_non_null(x);
  uint64_t z = 0x243F6A8885A308D3ull;
  for (size_t k = 0; k < N;) {
    z = z * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t bits = (uint32_t)(z >> 32);
    float f;
    memcpy(&f, &bits, sizeof f);
    if (isfinite(f)) x[k++] = f;
  }
  size_t len, d, pos;
  char *s = vectext_format(x, N, &len);
  assert_non_null(s);
  float *v;
  assert_int_equal(vectext_parse(s, len, &v, &d, &pos), VECTEXT_OK);
  assert_int_equal(d, N);
  assert_memory_equal(v, x, N * sizeof *x);
  free(v);
  free(s);
  free(x);
}

/* A comma-decimal LC_NUMERIC (a host program that called setlocale) changes
** neither reading nor writing. Needs a comma locale: scripts/setup.sh
** generates de_DE.UTF-8. */
static void comma_locale(void **state) {
  (void)state;
  static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                      "fr_FR.utf8",  "de_DE",      NULL};
  const char *got = NULL;
  for (int k = 0; names[k] && !got; k++) got = setlocale(LC_NUMERIC, names[k]);
  if (!got || strcmp(localeconv()->decimal_point, ",") != 0) {
    setlocale(LC_NUMERIC, "C");
    fprintf(stderr, "SKIP comma_locale: no comma-decimal locale installed (run scripts/setup.sh)\n");
    skip();
  }
  float *v;
  size_t d, pos, len;
  assert_int_equal(parse("[0.5, -1.25e2, 3]", &v, &d, &pos), VECTEXT_OK);
  assert_int_equal(d, 3);
  assert_true(v[0] == 0.5f && v[1] == -125.0f && v[2] == 3.0f);
  char *s = vectext_format(v, d, &len);
  assert_string_equal(s, "[0.5,-125,3]");
  free(s);
  free(v);
  double x;
  assert_int_equal(vectext_strtod("2.75", &x), 0);
  assert_true(x == 2.75);
  /* the host's own printf still uses its locale: only ours is pinned */
  char buf[16];
  snprintf(buf, sizeof buf, "%.1f", 0.5);
  assert_string_equal(buf, "0,5");
  setlocale(LC_NUMERIC, "C");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(valid_arrays),         cmocka_unit_test(invalid_arrays),
      cmocka_unit_test(not_read_past_length), cmocka_unit_test(format_round_trip),
      cmocka_unit_test(random_round_trip),    cmocka_unit_test(comma_locale),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
