/* holdout: per-user counts, bounds, independence of users, determinism. */
#include <stdlib.h>
#include <string.h>

#include "../../src/csr.h"
#include "../../src/holdout.h"
#include "unit.h"

/* A graph where user u has u + 1 items (0..u). */
static void staircase(csr *g, uint32_t n_users) {
  uint32_t n = n_users * (n_users + 1) / 2, k = 0;
  uint32_t *u = malloc(n * sizeof *u), *i = malloc(n * sizeof *i);
  for (uint32_t a = 0; a < n_users; a++)
    for (uint32_t b = 0; b <= a; b++) u[k] = a, i[k++] = b;
  assert_int_equal(csr_build(g, n_users, n_users, u, i, n), 0);
  free(u);
  free(i);
}

static uint32_t held_of(const csr *g, const uint8_t *held, uint32_t u) {
  uint32_t h = 0;
  for (size_t e = g->ptr[u]; e < g->ptr[u + 1]; e++) h += held[e];
  return h;
}

static void counts_by_hand(void **state) {
  (void)state;
  csr g;
  staircase(&g, 30);
  uint8_t *held = malloc(g.nnz);
  uint64_t n_held;
  assert_int_equal(holdout_split(&g, 0.2, 1, 7, held, &n_held), RS_OK);
  uint64_t sum = 0;
  for (uint32_t u = 0; u < 30; u++) {
    uint32_t deg = u + 1, h = held_of(&g, held, u);
    /* degree 1 keeps everything; otherwise round(0.2 deg), at least 1 */
    uint32_t want = deg < 2 ? 0 : (uint32_t)(0.2 * deg + 0.5);
    if (deg >= 2 && want < 1) want = 1;
    assert_int_equal(h, want);
    sum += h;
  }
  assert_int_equal(n_held, sum);
  /* min_fit 3: users with 3 or fewer items keep all; 4 items hold 1 */
  assert_int_equal(holdout_split(&g, 0.5, 3, 7, held, &n_held), RS_OK);
  assert_int_equal(held_of(&g, held, 2), 0);
  assert_int_equal(held_of(&g, held, 3), 1);
  assert_int_equal(held_of(&g, held, 9), 5);
  free(held);
  csr_free(&g);
}

static void seeded_and_per_user(void **state) {
  (void)state;
  csr g, g2;
  staircase(&g, 40);
  staircase(&g2, 20); /* the first 20 users of g, alone */
  uint8_t *a = malloc(g.nnz), *b = malloc(g.nnz), *c = malloc(g2.nnz);
  uint64_t n;
  assert_int_equal(holdout_split(&g, 0.3, 1, 11, a, &n), RS_OK);
  assert_int_equal(holdout_split(&g, 0.3, 1, 11, b, &n), RS_OK);
  assert_memory_equal(a, b, g.nnz);
  /* a user's split does not depend on the other users */
  assert_int_equal(holdout_split(&g2, 0.3, 1, 11, c, &n), RS_OK);
  assert_memory_equal(a, c, g2.nnz);
  /* another seed moves some held-out items */
  assert_int_equal(holdout_split(&g, 0.3, 1, 12, b, &n), RS_OK);
  assert_true(memcmp(a, b, g.nnz) != 0);
  free(a);
  free(b);
  free(c);
  csr_free(&g);
  csr_free(&g2);
}

static void every_item_can_be_held(void **state) {
  (void)state;
  /* one user with 10 items, 1 held out: over seeds every item gets its turn */
  uint32_t u[10], i[10];
  for (uint32_t k = 0; k < 10; k++) u[k] = 0, i[k] = k;
  csr g;
  assert_int_equal(csr_build(&g, 1, 10, u, i, 10), 0);
  int seen[10] = {0};
  uint8_t held[10];
  uint64_t n;
  for (uint64_t s = 0; s < 200; s++) {
    assert_int_equal(holdout_split(&g, 0.1, 1, s, held, &n), RS_OK);
    assert_int_equal(n, 1);
    for (int k = 0; k < 10; k++) seen[k] += held[k];
  }
  for (int k = 0; k < 10; k++) assert_true(seen[k] > 5 && seen[k] < 45);
  csr_free(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(counts_by_hand),
      cmocka_unit_test(seeded_and_per_user),
      cmocka_unit_test(every_item_can_be_held),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
