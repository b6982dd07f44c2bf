/* lru: eviction order under the process and owner budgets, references held
** by users surviving eviction, size parsing, and four threads hammering
** their own slots under a small budget (run under ThreadSanitizer by make
** tsan). */
#include <pthread.h>
#include <stdlib.h>

#include "../../src/lru.h"
#include "unit.h"

typedef struct val val;
struct val {
  int ref;
  int id;
};

static int freed;
static void retain(void *p) { __atomic_add_fetch(&((val *)p)->ref, 1, __ATOMIC_RELAXED); }
static void release(void *p) {
  if (__atomic_sub_fetch(&((val *)p)->ref, 1, __ATOMIC_ACQ_REL) == 0) {
    __atomic_add_fetch(&freed, 1, __ATOMIC_RELAXED);
    free(p);
  }
}

static val *mk(int id) {
  val *v = malloc(sizeof *v);
  v->ref = 1;
  v->id = id;
  return v;
}

static void test_order_and_budgets(void **state) {
  (void)state;
  static void *slot[4];
  int owner_a, owner_b;
  lru_set_budget(300);
  freed = 0;
  for (int k = 0; k < 3; k++) {
    val *v = mk(k);
    assert_int_equal(lru_put(&slot[k], v, 100, &owner_a, retain, release), 1);
    release(v); /* the cache's reference is the only one left */
  }
  val *g = lru_get(&slot[0], retain); /* 0 becomes the most recently used */
  assert_non_null(g);
  release(g);
  val *v3 = mk(3);
  assert_int_equal(lru_put(&slot[3], v3, 100, &owner_b, retain, release), 1);
  assert_null(slot[1]); /* least recently used: evicted */
  assert_int_equal(freed, 1);
  lru_stats st;
  lru_get_stats(&owner_a, &st);
  assert_int_equal(st.used, 300);
  assert_int_equal(st.owner_used, 200);
  assert_int_equal(st.owner_entries, 2);
  /* an owner budget evicts only that owner's entries */
  assert_int_equal(lru_set_owner_budget(&owner_a, 100), 0);
  assert_null(slot[2]);
  assert_non_null(slot[0]);
  assert_non_null(slot[3]);
  assert_int_equal(lru_owner_budget(&owner_a), 100);
  lru_owner_forget(&owner_a);
  assert_int_equal(lru_owner_budget(&owner_a), LRU_UNLIMITED);
  /* a value bigger than the budget is not kept; the caller's reference is */
  val *big = mk(9);
  assert_int_equal(lru_put(&slot[1], big, 1000, &owner_b, retain, release), 0);
  assert_null(slot[1]);
  assert_int_equal(big->ref, 1);
  release(big);
  /* v3 is still referenced by us after a budget of 0 empties the cache */
  lru_set_budget(0);
  assert_null(slot[0]);
  assert_null(slot[3]);
  assert_int_equal(v3->id, 3);
  release(v3);
  lru_get_stats(NULL, &st);
  assert_int_equal(st.used, 0);
  assert_int_equal(st.entries, 0);
  lru_drop(&slot[0]); /* empty: no-op */
  lru_set_budget(LRU_UNLIMITED);
}

static void test_parse_size(void **state) {
  (void)state;
  size_t n;
  assert_int_equal(lru_parse_size("123", &n), 0);
  assert_int_equal(n, 123);
  assert_int_equal(lru_parse_size("64MB", &n), 0);
  assert_int_equal(n, 64u << 20);
  assert_int_equal(lru_parse_size("2 GiB", &n), 0);
  assert_int_equal(n, (size_t)2 << 30);
  assert_int_equal(lru_parse_size("1.5k", &n), 0);
  assert_int_equal(n, 1536);
  assert_int_equal(lru_parse_size("12b", &n), 0);
  assert_int_equal(n, 12);
  assert_int_equal(lru_parse_size("", &n), -1);
  assert_int_equal(lru_parse_size("-5", &n), -1);
  assert_int_equal(lru_parse_size("5x", &n), -1);
  assert_int_equal(lru_parse_size("5MBs", &n), -1);
  assert_int_equal(lru_parse_size("1e30", &n), -1);
  assert_int_equal(lru_parse_size(NULL, &n), -1);
}

static int sole(void *p) { return __atomic_load_n(&((val *)p)->ref, __ATOMIC_ACQUIRE) == 1; }

/* lru_take hands the value over only when nobody else holds it. */
static void test_take(void **state) {
  (void)state;
  static void *slot;
  lru_set_budget(1000);
  lru_stats st0, st;
  lru_get_stats(NULL, &st0);
  val *v = mk(7);
  assert_int_equal(lru_put(&slot, v, 100, NULL, retain, release), 1);
  val *held = lru_get(&slot, retain); /* the cache, v's maker and held */
  release(v);                         /* the maker lets go: the cache and held */
  assert_null(lru_take(&slot, sole)); /* shared: stays */
  assert_ptr_equal(slot, v);
  release(held);
  val *t = lru_take(&slot, sole);
  assert_ptr_equal(t, v);
  assert_null(slot);
  lru_get_stats(NULL, &st);
  assert_int_equal(st.used, st0.used); /* as before the put */
  assert_int_equal(st.entries, st0.entries);
  assert_int_equal(t->ref, 1);
  assert_null(lru_take(&slot, sole)); /* empty */
  release(t);
}

static void *hammer(void *arg) {
  void *slots[8] = {0};
  for (int r = 0; r < 20000; r++) {
    void **s = &slots[r % 8];
    val *v = lru_get(s, retain);
    if (!v) {
      v = mk(r);
      lru_put(s, v, 64, arg, retain, release);
    }
    assert_true(__atomic_load_n(&v->ref, __ATOMIC_RELAXED) >= 1);
    release(v);
  }
  for (int k = 0; k < 8; k++) lru_drop(&slots[k]);
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  lru_set_budget(64 * 12); /* fewer than the 32 slots: constant eviction */
  pthread_t th[4];
  int owners[4];
  for (int t = 0; t < 4; t++) pthread_create(&th[t], NULL, hammer, &owners[t]);
  for (int t = 0; t < 4; t++) pthread_join(th[t], NULL);
  lru_stats st;
  lru_get_stats(NULL, &st);
  assert_int_equal(st.used, 0);
  assert_int_equal(st.entries, 0);
  assert_true(st.evictions > 0);
  lru_set_budget(LRU_UNLIMITED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_and_budgets),
      cmocka_unit_test(test_parse_size),
      cmocka_unit_test(test_take),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
