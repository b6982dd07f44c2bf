/* swing: the hand case of docs/internals.md, and random graphs against a plain
** implementation written straight from the formula (a quadruple loop over
** items and user pairs on a dense matrix), with user weights and both caps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/csr.h"
#include "../../src/rng.h"
#include "../../src/swing.h"
#include "unit.h"

/* A dense users x items 0/1 matrix and its CSR forms. */
typedef struct graph graph;
struct graph {
  uint32_t nu, ni;
  unsigned char *A; /* nu x ni */
  csr ui, iu;
};

static void graph_from_pairs(graph *g, uint32_t nu, uint32_t ni, const uint32_t *u, const uint32_t *i,
                             size_t n) {
  g->nu = nu;
  g->ni = ni;
  g->A = calloc((size_t)nu * ni, 1);
  assert_non_null(g->A);
  for (size_t k = 0; k < n; k++) g->A[(size_t)u[k] * ni + i[k]] = 1;
  assert_int_equal(csr_build(&g->ui, nu, ni, u, i, n), 0);
  assert_int_equal(csr_transpose(&g->iu, &g->ui), 0);
}

static void graph_random(graph *g, rng *r, uint32_t nu, uint32_t ni, double density) {
  size_t cap = (size_t)nu * ni, n = 0;
  uint32_t *u = malloc(cap * sizeof *u), *i = malloc(cap * sizeof *i);
  assert_non_null(u);
  assert_non_null(i);
  for (uint32_t a = 0; a < nu; a++)
    for (uint32_t b = 0; b < ni; b++)
      if (rng_double(r) < density) {
        u[n] = a;
        i[n] = b;
        n++;
      }
  graph_from_pairs(g, nu, ni, u, i, n);
  free(u);
  free(i);
}

static void graph_free(graph *g) {
  free(g->A);
  csr_free(&g->ui);
  csr_free(&g->iu);
}

/* Naive scores of every j for query item i; users[] (m of them) are the
** users of i taking part. */
static void naive_scores(const graph *g, const swing_params *p, uint32_t i, const uint32_t *users, uint32_t m,
                         double *out) {
  for (uint32_t j = 0; j < g->ni; j++) out[j] = 0;
  for (uint32_t j = 0; j < g->ni; j++) {
    if (j == i) continue;
    for (uint32_t a = 0; a < m; a++)
      for (uint32_t b = a + 1; b < m; b++) {
        uint32_t u = users[a], v = users[b];
        if (!g->A[(size_t)u * g->ni + i] || !g->A[(size_t)v * g->ni + i]) fail_msg("user not of item");
        if (!g->A[(size_t)u * g->ni + j] || !g->A[(size_t)v * g->ni + j]) continue;
        double inter = 0, du = 0, dv = 0;
        for (uint32_t x = 0; x < g->ni; x++) {
          inter += g->A[(size_t)u * g->ni + x] && g->A[(size_t)v * g->ni + x];
          du += g->A[(size_t)u * g->ni + x];
          dv += g->A[(size_t)v * g->ni + x];
        }
        double wu = p->beta == 0 ? 1 : pow(du + p->user_alpha, -p->beta);
        double wv = p->beta == 0 ? 1 : pow(dv + p->user_alpha, -p->beta);
        out[j] += wu * wv / (p->alpha + inter);
      }
  }
}

/* The users of i kept by max_user_items, from the dense matrix. */
static uint32_t naive_users(const graph *g, const swing_params *p, uint32_t i, uint32_t *out) {
  uint32_t m = 0;
  for (uint32_t u = 0; u < g->nu; u++) {
    if (!g->A[(size_t)u * g->ni + i]) continue;
    uint32_t d = 0;
    for (uint32_t x = 0; x < g->ni; x++) d += g->A[(size_t)u * g->ni + x];
    if (p->max_user_items && d > p->max_user_items) continue;
    out[m++] = u;
  }
  return m;
}

static int close_rel(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)); }

/* Checks swing_topk (k = every item, and k = 3) against the naive scores. */
static void check_against_naive(const graph *g, const swing_params *p, int threads) {
  swing s = {&g->ui, &g->iu, *p};
  uint32_t *all = malloc(sizeof(uint32_t) * g->ni);
  uint32_t *users = malloc(sizeof(uint32_t) * (g->nu + 1)), *kept = malloc(sizeof(uint32_t) * (g->nu + 1));
  double *ref = malloc(sizeof(double) * g->ni);
  assert_true(all && users && kept && ref);
  for (uint32_t i = 0; i < g->ni; i++) all[i] = i;
  itemsim_result full, top3;
  assert_int_equal(swing_topk(&s, all, g->ni, g->ni, threads, NULL, &full), 0);
  assert_int_equal(swing_topk(&s, all, g->ni, 3, threads, NULL, &top3), 0);
  for (uint32_t i = 0; i < g->ni; i++) {
    uint32_t mk = naive_users(g, p, i, kept);
    uint32_t m = swing_item_users(&s, i, users);
    if (p->max_item_users && mk > p->max_item_users) {
      /* a sample: sorted, distinct, drawn from the kept users */
      assert_int_equal(m, p->max_item_users);
      for (uint32_t a = 0; a < m; a++) {
        if (a) assert_true(users[a - 1] < users[a]);
        int found = 0;
        for (uint32_t b = 0; b < mk; b++) found |= kept[b] == users[a];
        assert_true(found);
      }
    } else {
      assert_int_equal(m, mk);
      assert_memory_equal(users, kept, sizeof(uint32_t) * m);
    }
    naive_scores(g, p, i, users, m, ref);
    uint32_t nz = 0;
    for (uint32_t j = 0; j < g->ni; j++) nz += ref[j] > 0;
    assert_int_equal(full.count[i], nz);
    const uint32_t *it = full.item + (size_t)i * full.k;
    const double *sc = full.score + (size_t)i * full.k;
    for (uint32_t r = 0; r < full.count[i]; r++) {
      assert_true(it[r] != i);
      if (!close_rel(sc[r], ref[it[r]]))
        fail_msg("item %u -> %u: %.17g vs naive %.17g", i, it[r], sc[r], ref[it[r]]);
      if (r) assert_true(sc[r - 1] > sc[r] || (sc[r - 1] == sc[r] && it[r - 1] < it[r]));
    }
    /* top 3 = the first 3 of the full list */
    uint32_t c3 = nz < 3 ? nz : 3;
    assert_int_equal(top3.count[i], c3);
    assert_memory_equal(top3.item + (size_t)i * 3, it, sizeof(uint32_t) * c3);
    assert_memory_equal(top3.score + (size_t)i * 3, sc, sizeof(double) * c3);
  }
  itemsim_result_free(&full);
  itemsim_result_free(&top3);
  free(all);
  free(users);
  free(kept);
  free(ref);
}

static void hand_case(void **state) {
  (void)state;
  /* u1 = {a, b, c}, u2 = {a, b, c, d}, u3 = {a, b, d}; a..d = 0..3 */
  uint32_t u[] = {0, 0, 0, 1, 1, 1, 1, 2, 2, 2};
  uint32_t i[] = {0, 1, 2, 0, 1, 2, 3, 0, 1, 3};
  graph g;
  graph_from_pairs(&g, 3, 4, u, i, 10);
  swing s = {&g.ui, &g.iu, {.alpha = 1}};
  swing_params_default(&s.p);
  uint32_t all[] = {0, 1, 2, 3};
  itemsim_result r;
  assert_int_equal(swing_topk(&s, all, 4, 10, 2, NULL, &r), 0);
  /* a: b 5/6, c 1/4, d 1/4 (ties by item index) */
  assert_int_equal(r.count[0], 3);
  assert_int_equal(r.item[0], 1);
  assert_true(close_rel(r.score[0], 5.0 / 6.0));
  assert_int_equal(r.item[1], 2);
  assert_true(close_rel(r.score[1], 0.25));
  assert_int_equal(r.item[2], 3);
  assert_true(close_rel(r.score[2], 0.25));
  /* c: a 1/4, b 1/4, no d (score(c, d) = 0) */
  assert_int_equal(r.count[2], 2);
  assert_int_equal(r.item[2 * 10 + 0], 0);
  assert_int_equal(r.item[2 * 10 + 1], 1);
  assert_true(close_rel(r.score[2 * 10 + 0], 0.25));
  /* d: a 1/4, b 1/4 */
  assert_int_equal(r.count[3], 2);
  itemsim_result_free(&r);
  check_against_naive(&g, &s.p, 1);
  graph_free(&g);
}

static void random_unweighted(void **state) {
  (void)state;
  rng r;
  rng_seed(&r, 11, 0);
  const double alphas[] = {0.0, 0.5, 1.0, 3.0};
  for (int t = 0; t < 12; t++) {
    graph g;
    graph_random(&g, &r, 8 + rng_below(&r, 20), 5 + rng_below(&r, 20), 0.1 + 0.4 * rng_double(&r));
    swing_params p;
    swing_params_default(&p);
    p.alpha = alphas[t % 4];
    check_against_naive(&g, &p, 1 + t % 3);
    graph_free(&g);
  }
}

static void random_weighted(void **state) {
  (void)state;
  rng r;
  rng_seed(&r, 12, 0);
  for (int t = 0; t < 12; t++) {
    graph g;
    graph_random(&g, &r, 8 + rng_below(&r, 20), 5 + rng_below(&r, 20), 0.1 + 0.4 * rng_double(&r));
    swing_params p;
    swing_params_default(&p);
    p.alpha = 0.25 * (t % 5);
    p.beta = t % 2 ? 0.5 : 1.3;
    p.user_alpha = t % 3 ? 2.5 : 0;
    check_against_naive(&g, &p, 2);
    graph_free(&g);
  }
}

static void random_caps(void **state) {
  (void)state;
  rng r;
  rng_seed(&r, 13, 0);
  for (int t = 0; t < 16; t++) {
    graph g;
    graph_random(&g, &r, 10 + rng_below(&r, 25), 6 + rng_below(&r, 15), 0.2 + 0.4 * rng_double(&r));
    swing_params p;
    swing_params_default(&p);
    p.beta = t % 2 ? 0.7 : 0;
    p.user_alpha = 1;
    p.max_user_items = t % 4 ? 3 + t % 5 : 0;
    p.max_item_users = t % 3 ? 2 + t % 4 : 0;
    p.seed = (uint64_t)t;
    check_against_naive(&g, &p, 1 + t % 2);
    graph_free(&g);
  }
}

/* Same seed, same sample; the sample does not depend on threads, and other
** seeds draw other samples. */
static void sample_seeded(void **state) {
  (void)state;
  rng r;
  rng_seed(&r, 14, 0);
  graph g;
  graph_random(&g, &r, 200, 5, 0.8);
  swing_params p;
  swing_params_default(&p);
  p.max_item_users = 10;
  p.seed = 7;
  swing s = {&g.ui, &g.iu, p};
  uint32_t a[200], b[200];
  uint32_t ma = swing_item_users(&s, 0, a), mb = swing_item_users(&s, 0, b);
  assert_int_equal(ma, 10);
  assert_int_equal(mb, 10);
  assert_memory_equal(a, b, sizeof(uint32_t) * 10);
  s.p.seed = 8;
  mb = swing_item_users(&s, 0, b);
  assert_true(memcmp(a, b, sizeof(uint32_t) * 10) != 0);
  /* every user of item 0 gets drawn sometimes (uniform: about 10/160 each) */
  uint32_t hits[200] = {0};
  for (uint64_t seed = 0; seed < 400; seed++) {
    s.p.seed = seed;
    mb = swing_item_users(&s, 0, b);
    for (uint32_t k = 0; k < mb; k++) hits[b[k]]++;
  }
  for (uint32_t u = 0; u < 200; u++)
    if (g.A[(size_t)u * 5]) assert_true(hits[u] > 0);
  uint32_t all[5] = {0, 1, 2, 3, 4};
  itemsim_result r1, r2;
  s.p.seed = 7;
  assert_int_equal(swing_topk(&s, all, 5, 4, 1, NULL, &r1), 0);
  assert_int_equal(swing_topk(&s, all, 5, 4, 2, NULL, &r2), 0);
  assert_memory_equal(r1.count, r2.count, sizeof(uint32_t) * 5);
  assert_memory_equal(r1.item, r2.item, sizeof(uint32_t) * 20);
  assert_memory_equal(r1.score, r2.score, sizeof(double) * 20);
  itemsim_result_free(&r1);
  itemsim_result_free(&r2);
  graph_free(&g);
}

static void stop_and_empty(void **state) {
  (void)state;
  rng r;
  rng_seed(&r, 15, 0);
  graph g;
  graph_random(&g, &r, 50, 30, 0.3);
  swing s = {&g.ui, &g.iu, {.alpha = 1}};
  swing_params_default(&s.p);
  uint32_t all[30];
  for (uint32_t i = 0; i < 30; i++) all[i] = i;
  progress prog;
  progress_init(&prog, NULL, NULL);
  atomic_store(&prog.stop, 1);
  itemsim_result res;
  assert_int_equal(swing_topk(&s, all, 30, 5, 2, &prog, &res), RS_STOPPED);
  assert_null(res.count);
  /* no query items */
  assert_int_equal(swing_topk(&s, all, 0, 5, 2, NULL, &res), 0);
  assert_int_equal(res.n, 0);
  itemsim_result_free(&res);
  graph_free(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_case),   cmocka_unit_test(random_unweighted), cmocka_unit_test(random_weighted),
      cmocka_unit_test(random_caps), cmocka_unit_test(sample_seeded),     cmocka_unit_test(stop_and_empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
