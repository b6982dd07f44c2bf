/*
** rng: seeded, fast, reproducible pseudo-random numbers.
**
** The generator is xoshiro256** (Blackman and Vigna), seeded through
** splitmix64. A generator is identified by (seed, stream): streams with the
** same seed are independent, which is how work is split across threads
** reproducibly (thread t uses stream t, whatever the timing).
**
** The hot functions are inline: samplers and trainers call them per row.
*/
#ifndef RECSQL_RNG_H
#define RECSQL_RNG_H

#include <stdint.h>

typedef struct rng rng;
struct rng {
  uint64_t s[4];
};

/* Seeds g from (seed, stream). Same arguments, same sequence. */
void rng_seed(rng *g, uint64_t seed, uint64_t stream);

/* splitmix64 step: also a good 64-bit mixing function for hashing. */
static inline uint64_t rng_mix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* Next 64 random bits. */
static inline uint64_t rng_next(rng *g) {
  uint64_t *s = g->s;
  uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rng_rotl(s[3], 45);
  return result;
}

/* Uniform integer in [0, n), n >= 1, without bias (Lemire's method). */
static inline uint32_t rng_below(rng *g, uint32_t n) {
  uint64_t m = (uint64_t)(uint32_t)(rng_next(g) >> 32) * n;
  uint32_t low = (uint32_t)m;
  if (low < n) {
    uint32_t threshold = (uint32_t)(-n) % n;
    while (low < threshold) {
      m = (uint64_t)(uint32_t)(rng_next(g) >> 32) * n;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double rng_double(rng *g) { return (double)(rng_next(g) >> 11) * 0x1.0p-53; }

/* Uniform float in [0, 1) with 24 random bits. */
static inline float rng_float(rng *g) { return (float)(rng_next(g) >> 40) * 0x1.0p-24f; }

/* Standard normal deviate (Box-Muller; one of the pair is discarded). */
double rng_normal(rng *g);

#endif
