/*
** hogwild: lock-free shared float rows that several training threads read and
** write at once (Hogwild, Recht et al. 2011), without a data race.
**
**   float p[64];
**   hw_load(p, model_row, d);      // relaxed atomic loads
**   ... compute on the private copy ...
**   hw_store(model_row, p, d);     // relaxed atomic stores
**
** Plain loads and stores of a float that another thread writes are a data
** race, undefined behaviour in C11 (and what ThreadSanitizer reports). Each
** element here is one relaxed atomic access instead: on x86-64 and arm64 that
** is the same single mov/ldr as a plain access, no fence, no lock; updates
** of one element by two threads can still overwrite each other (that is
** Hogwild's accepted loss), but never tear or give undefined behaviour.
** Callers copy a row in, compute with vectorized code on the copy, and copy
** the result out: the copies are the only atomic accesses.
**
** Header-only (static inline) so that the per-sample loops of the trainers
** keep them inlined.
*/
#ifndef RECSQL_HOGWILD_H
#define RECSQL_HOGWILD_H

#include <stddef.h>
#include <stdint.h>

/* dst[0..n) = src[0..n), each src element read by a relaxed atomic load. */
static inline void hw_load(float *restrict dst, const float *src, size_t n) {
  for (size_t i = 0; i < n; i++) __atomic_load(&src[i], &dst[i], __ATOMIC_RELAXED);
}

/* dst[0..n) = src[0..n), each dst element written by a relaxed atomic store. */
static inline void hw_store(float *dst, const float *restrict src, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float v = src[i];
    __atomic_store(&dst[i], &v, __ATOMIC_RELAXED);
  }
}

static inline float hw_get(const float *p) {
  float v;
  __atomic_load(p, &v, __ATOMIC_RELAXED);
  return v;
}

static inline void hw_set(float *p, float v) { __atomic_store(p, &v, __ATOMIC_RELAXED); }

/* ++*p, atomically (a shared step counter); returns the new value. */
static inline uint32_t hw_inc(uint32_t *p) { return __atomic_add_fetch(p, 1, __ATOMIC_RELAXED); }

#endif
