/*
** rng: seeding and the non-inline draws. See rng.h.
*/
#include "rng.h"

#include <math.h>

/* Seeds the four state words from splitmix64 over a mix of seed and stream,
** so that (seed, stream) pairs that differ in any bit give unrelated states. */
void rng_seed(rng *g, uint64_t seed, uint64_t stream) {
  uint64_t sm = seed ^ rng_rotl(stream * 0xD1B54A32D192ED03ull + 0x8BB84B93962EACC9ull, 29);
  for (int i = 0; i < 4; i++) g->s[i] = rng_mix64(&sm);
  if ((g->s[0] | g->s[1] | g->s[2] | g->s[3]) == 0) g->s[0] = 1;
}

/* Box-Muller transform on two uniforms, u1 in (0, 1]. */
double rng_normal(rng *g) {
  double u1 = 1.0 - rng_double(g);
  double u2 = rng_double(g);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
