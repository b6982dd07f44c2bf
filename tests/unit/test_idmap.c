/* idmap: dense indices in order of first appearance, ids back exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/idmap.h"
#include "unit.h"

static void ints_and_texts(void **state) {
  (void)state;
  idmap *m = idmap_new();
  assert_non_null(m);
  assert_int_equal(idmap_add_int(m, 7), 0);
  assert_int_equal(idmap_add_text(m, "7", 1), 1); /* TEXT '7' != INTEGER 7 */
  assert_int_equal(idmap_add_int(m, -5), 2);
  assert_int_equal(idmap_add_text(m, "", 0), 3);     /* empty text is an id */
  assert_int_equal(idmap_add_text(m, "a\0b", 3), 4); /* embedded NUL kept */
  assert_int_equal(idmap_add_text(m, "a", 1), 5);
  assert_int_equal(idmap_add_int(m, 7), 0);
  assert_int_equal(idmap_add_text(m, "a\0b", 3), 4);
  assert_int_equal(idmap_size(m), 6);
  assert_int_equal(idmap_find_int(m, -5), 2);
  assert_int_equal(idmap_find_int(m, 8), -1);
  assert_int_equal(idmap_find_text(m, "7", 1), 1);
  assert_int_equal(idmap_find_text(m, "b", 1), -1);
  assert_int_equal(idmap_kind(m, 0), IDMAP_INT);
  assert_int_equal(idmap_kind(m, 1), IDMAP_TEXT);
  assert_int_equal(idmap_int(m, 2), -5);
  size_t n;
  const char *s = idmap_text(m, 4, &n);
  assert_int_equal(n, 3);
  assert_memory_equal(s, "a\0b", 3);
  idmap_free(m);
}

static void many_ids_survive_growth(void **state) {
  (void)state;
  idmap *m = idmap_new();
  char buf[32];
  for (int i = 0; i < 100000; i++) {
    assert_int_equal(idmap_add_int(m, (int64_t)i * 1000003), 2 * i);
    int len = snprintf(buf, sizeof buf, "user-%d", i);
    assert_int_equal(idmap_add_text(m, buf, (size_t)len), 2 * i + 1);
  }
  for (int i = 0; i < 100000; i += 97) {
    assert_int_equal(idmap_find_int(m, (int64_t)i * 1000003), 2 * i);
    int len = snprintf(buf, sizeof buf, "user-%d", i);
    assert_int_equal(idmap_find_text(m, buf, (size_t)len), 2 * i + 1);
    size_t n;
    const char *s = idmap_text(m, (uint32_t)(2 * i + 1), &n);
    assert_int_equal(n, (size_t)len);
    assert_memory_equal(s, buf, n);
  }
  assert_int_equal(idmap_size(m), 200000);
  idmap_free(m);
}

static void extreme_ints(void **state) {
  (void)state;
  idmap *m = idmap_new();
  assert_int_equal(idmap_add_int(m, INT64_MIN), 0);
  assert_int_equal(idmap_add_int(m, INT64_MAX), 1);
  assert_int_equal(idmap_add_int(m, 0), 2);
  assert_int_equal(idmap_int(m, 0), INT64_MIN);
  assert_int_equal(idmap_int(m, 1), INT64_MAX);
  idmap_free(m);
  idmap_free(NULL);
}

/* A full map says so (-RS_TOOBIG), not out of memory; ids already in it
** are still found and "added" (their index comes back). */
static void full_map(void **state) {
  (void)state;
  idmap *m = idmap_new();
  idmap_set_limit(m, 3);
  assert_int_equal(idmap_add_int(m, 1), 0);
  assert_int_equal(idmap_add_text(m, "x", 1), 1);
  assert_int_equal(idmap_add_int(m, 1 << 30), 2); /* a hashed integer */
  assert_int_equal(idmap_add_int(m, 2), -(int64_t)RS_TOOBIG);
  assert_int_equal(idmap_add_int(m, -7), -(int64_t)RS_TOOBIG);
  assert_int_equal(idmap_add_text(m, "y", 1), -(int64_t)RS_TOOBIG);
  assert_int_equal(idmap_add_int(m, 1), 0);
  assert_int_equal(idmap_add_text(m, "x", 1), 1);
  assert_int_equal(idmap_size(m), 3);
  idmap_free(m);
}

/* An id hashed while the map was small (1,000,000 > 4 n + 65536) is met
** again once 300,000 small ids made direct[] cover it: same index, and
** every id still maps to its own index. */
static void hashed_then_covered(void **state) {
  (void)state;
  idmap *m = idmap_new();
  assert_non_null(m);
  assert_int_equal(idmap_add_int(m, 1000000), 0);
  for (int64_t v = 0; v < 300000; v++) assert_int_equal(idmap_add_int(m, v), v + 1);
  assert_int_equal(idmap_add_int(m, 1000000), 0);
  assert_int_equal(idmap_find_int(m, 1000000), 0);
  assert_int_equal(idmap_add_int(m, 1000000), 0);
  assert_int_equal(idmap_add_int(m, 1000001), 300001);
  assert_int_equal(idmap_find_int(m, 1000001), 300001);
  for (int64_t v = 0; v < 300000; v += 997) assert_int_equal(idmap_find_int(m, v), v + 1);
  assert_int_equal(idmap_size(m), 300002);
  idmap_free(m);
}

/* Ids 0..N-1 in a random order (most of the first large ones are hashed
** and then absorbed into direct[] as it grows), with TEXT ids and
** negative integers (never direct) in between: every id keeps the index of
** its first appearance, through adds and finds, before and after. */
static void random_order_absorbed(void **state) {
  (void)state;
  enum { N = 300000 };
  int64_t *perm = malloc(N * sizeof *perm), *idx = malloc(N * sizeof *idx);
  assert_non_null(perm);
  assert_non_null(idx);
  for (int64_t v = 0; v < N; v++) perm[v] = v;
  uint64_t x = 99;
  for (size_t t = N; t > 1; t--) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    size_t r = (size_t)((x >> 33) % t);
    int64_t a = perm[t - 1];
    perm[t - 1] = perm[r];
    perm[r] = a;
  }
  idmap *m = idmap_new();
  assert_non_null(m);
  int64_t next = 0;
  char buf[32];
  for (size_t t = 0; t < N; t++) {
    if (t % 1000 == 0) {
      snprintf(buf, sizeof buf, "t%zu", t);
      assert_int_equal(idmap_add_text(m, buf, strlen(buf)), next++);
      assert_int_equal(idmap_add_int(m, -(int64_t)t - 1), next++);
    }
    idx[perm[t]] = next;
    assert_int_equal(idmap_add_int(m, perm[t]), next++);
    if (t % 7 == 0) assert_int_equal(idmap_add_int(m, perm[t / 2]), idx[perm[t / 2]]);
  }
  assert_int_equal(idmap_size(m), next);
  for (int64_t v = 0; v < N; v++) {
    assert_int_equal(idmap_find_int(m, v), idx[v]);
    assert_int_equal(idmap_add_int(m, v), idx[v]);
  }
  for (size_t t = 0; t < N; t += 1000) {
    snprintf(buf, sizeof buf, "t%zu", t);
    int64_t i = idmap_find_text(m, buf, strlen(buf));
    assert_true(i >= 0);
    assert_int_equal(idmap_find_int(m, -(int64_t)t - 1), i + 1);
    assert_int_equal(idmap_int(m, (uint32_t)i + 1), -(int64_t)t - 1);
  }
  assert_int_equal(idmap_find_int(m, N), -1);
  assert_int_equal(idmap_find_int(m, -(int64_t)N - 5), -1);
  assert_int_equal(idmap_size(m), next);
  idmap_free(m);
  free(perm);
  free(idx);
}

/* idmap_prefetch_int reads nothing it should not (any id: negative, huge,
** covered, absent) and changes nothing: the same adds with and without it
** give the same indices. */
static void prefetch_changes_nothing(void **state) {
  (void)state;
  idmap *a = idmap_new(), *b = idmap_new();
  assert_non_null(a);
  assert_non_null(b);
  idmap_prefetch_int(a, 5); /* empty map: no direct array yet */
  uint64_t x = 7;
  for (int k = 0; k < 20000; k++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    int64_t v = (k % 97 == 0) ? -(int64_t)(x >> 40) : (k % 89 == 0) ? (int64_t)(x >> 1) : (int64_t)(x >> 49);
    idmap_prefetch_int(a, v);
    idmap_prefetch_int(a, INT64_MIN);
    idmap_prefetch_int(a, INT64_MAX);
    assert_int_equal(idmap_add_int(a, v), idmap_add_int(b, v));
  }
  assert_int_equal(idmap_size(a), idmap_size(b));
  idmap_free(a);
  idmap_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ints_and_texts),        cmocka_unit_test(many_ids_survive_growth),
      cmocka_unit_test(extreme_ints),          cmocka_unit_test(full_map),
      cmocka_unit_test(hashed_then_covered),   cmocka_unit_test(prefetch_changes_nothing),
      cmocka_unit_test(random_order_absorbed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
