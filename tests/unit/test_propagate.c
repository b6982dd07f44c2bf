/* propagate: LightGCN-style layer mean on a graph computed by hand, and
** against a dense reference (Â as a matrix) on a random graph. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/csr.h"
#include "../../src/propagate.h"
#include "../../src/rng.h"
#include "unit.h"

static void hand_case(void **state) {
  (void)state;
  /* u0-{i0}, u1-{i0, i1}, u2 and i2 isolated; dim 1 */
  uint32_t u[] = {0, 1, 1}, i[] = {0, 0, 1};
  csr m;
  assert_int_equal(csr_build(&m, 3, 3, u, i, 3), 0);
  float U[] = {1, 2, 5}, I[] = {3, 4, 7};
  assert_int_equal(propagate(&m, U, I, 1, 1, 0), 0);
  /* u0' = 3/sqrt(2); u1' = 3/2 + 4/sqrt(2); i0' = 1/sqrt(2) + 2/2; i1' = 2/sqrt(2); mean with layer 0 */
  assert_float_equal(U[0], (1 + 3 / sqrt(2)) / 2, 1e-6);
  assert_float_equal(U[1], (2 + 1.5 + 4 / sqrt(2)) / 2, 1e-6);
  assert_float_equal(U[2], 5, 0);
  assert_float_equal(I[0], (3 + 1 / sqrt(2) + 1) / 2, 1e-6);
  assert_float_equal(I[1], (4 + 2 / sqrt(2)) / 2, 1e-6);
  assert_float_equal(I[2], 7, 0);
  /* unit rows first: in dim 1 every row becomes +-1 */
  float U2[] = {-3, 2, 5}, I2[] = {0.5f, 4, -7};
  assert_int_equal(propagate(&m, U2, I2, 1, 1, 1), 0);
  assert_float_equal(U2[0], (-1 + 1 / sqrt(2)) / 2, 1e-6);
  assert_float_equal(U2[2], 1, 0);
  assert_float_equal(I2[2], -1, 0);
  /* zero layers: the input (unit when asked) */
  float U3[] = {1, 2, 5}, I3[] = {3, 4, 7};
  assert_int_equal(propagate(&m, U3, I3, 1, 0, 0), 0);
  assert_float_equal(U3[1], 2, 0);
  assert_float_equal(I3[0], 3, 0);
  csr_free(&m);
}

/* Dense reference: E_{l+1} = Â E_l over the (nu + ni) node graph. */
static void dense_reference(void **state) {
  (void)state;
  enum { NU = 7, NI = 9, D = 3, L = 3 };
  rng g;
  rng_seed(&g, 5, 0);
  uint32_t u[40], i[40];
  for (int k = 0; k < 40; k++) {
    u[k] = rng_below(&g, NU - 1); /* user NU-1 isolated */
    i[k] = rng_below(&g, NI);
  }
  csr m;
  assert_int_equal(csr_build(&m, NU, NI, u, i, 40), 0);
  double A[NU + NI][NU + NI], deg[NU + NI];
  memset(A, 0, sizeof A);
  memset(deg, 0, sizeof deg);
  for (uint32_t a = 0; a < NU; a++)
    for (size_t k = m.ptr[a]; k < m.ptr[a + 1]; k++) {
      A[a][NU + m.idx[k]] = A[NU + m.idx[k]][a] = 1;
      deg[a]++;
      deg[NU + m.idx[k]]++;
    }
  float U[NU * D], I[NI * D];
  double E[NU + NI][D], S[NU + NI][D];
  for (int r = 0; r < NU * D; r++) U[r] = (float)rng_normal(&g);
  for (int r = 0; r < NI * D; r++) I[r] = (float)rng_normal(&g);
  for (int r = 0; r < NU + NI; r++)
    for (int f = 0; f < D; f++) E[r][f] = S[r][f] = r < NU ? U[r * D + f] : I[(r - NU) * D + f];
  for (int l = 0; l < L; l++) {
    double N[NU + NI][D];
    memset(N, 0, sizeof N);
    for (int a = 0; a < NU + NI; a++)
      for (int b = 0; b < NU + NI; b++)
        if (A[a][b])
          for (int f = 0; f < D; f++) N[a][f] += E[b][f] / sqrt(deg[a] * deg[b]);
    memcpy(E, N, sizeof E);
    for (int a = 0; a < NU + NI; a++)
      for (int f = 0; f < D; f++) S[a][f] += E[a][f];
  }
  assert_int_equal(propagate(&m, U, I, D, L, 0), 0);
  for (int a = 0; a < NU + NI; a++)
    for (int f = 0; f < D; f++) {
      double want = deg[a] ? S[a][f] / (L + 1) : S[a][f];
      double got = a < NU ? U[a * D + f] : I[(a - NU) * D + f];
      assert_float_equal(got, want, 1e-5);
    }
  csr_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_case),
      cmocka_unit_test(dense_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
