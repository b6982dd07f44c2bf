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
** race, undefined behaviour in C11 (and what ThreadSanitizer reports): the
** compiler may tear, repeat or invent such accesses. Here every shared
** access is one the compiler cannot touch:
** - under ThreadSanitizer, and on targets other than x86-64: one relaxed
**   atomic load or store per element (__atomic builtins), so TSan checks the
**   logic;
** - on x86-64 otherwise: 16-byte SSE moves in asm (hw_load4, hw_store4;
**   32-byte AVX moves, hw_load8 and hw_store8, in target("avx") code). The compiler sees opaque instructions (no tearing,
**   repetition or invention), and the hardware accesses each aligned 4-byte
**   element whole (Intel SDM vol. 3, 8.1.1: wider SSE accesses may be split
**   into accesses of at most 8 bytes, never a naturally aligned float): per
**   element, exactly a relaxed atomic, four at a time. Scalar relaxed atomics
**   cost 1.5x the training time of the plain code because they cannot be
**   vectorized; these cost nothing.
** Two threads updating one element can still overwrite each other (that is
** Hogwild's accepted loss), but values never tear.
** Callers copy rows in (hw_load), compute on the copy, and copy the result
** out (hw_store), or use the 4-wide forms directly.
**
** Header-only (static inline) so that the per-sample loops of the trainers
** keep them inlined.
*/
#ifndef RECSQL_HOGWILD_H
#define RECSQL_HOGWILD_H

#include <stddef.h>
#include <stdint.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HW_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define HW_TSAN 1
#endif

#if defined(__x86_64__) && !defined(HW_TSAN)
#define HW_VEC4 1
typedef float hw_v4 __attribute__((vector_size(16)));

/* p[0..4), one relaxed atomic load per element (see above). */
static inline hw_v4 hw_load4(const float *p) {
  hw_v4 v;
  __asm__("movups %1, %0" : "=x"(v) : "m"(*(const hw_v4 *)p));
  return v;
}

/* The same eight at a time, for functions compiled with target("avx"). */
typedef float hw_v8 __attribute__((vector_size(32)));
__attribute__((target("avx"))) static inline hw_v8 hw_load8(const float *p) {
  hw_v8 v;
  __asm__("vmovups %1, %0" : "=x"(v) : "m"(*(const hw_v8 *)p));
  return v;
}
__attribute__((target("avx"))) static inline void hw_store8(float *p, hw_v8 v) {
  __asm__ volatile("vmovups %1, %0" : "=m"(*(hw_v8 *)p) : "x"(v));
}

/* Correctly rounded square roots (sqrtps), as sqrtf element by element. */
static inline hw_v4 hw_sqrt4(hw_v4 v) {
  hw_v4 r;
  __asm__("sqrtps %1, %0" : "=x"(r) : "x"(v));
  return r;
}

/* p[0..4) = v, one relaxed atomic store per element (see above). */
static inline void hw_store4(float *p, hw_v4 v) {
  __asm__ volatile("movups %1, %0" : "=m"(*(hw_v4 *)p) : "x"(v));
}
#endif

/* dst[0..n) = src[0..n), each src element read by a relaxed atomic load. */
static inline void hw_load(float *restrict dst, const float *src, size_t n) {
  size_t i = 0;
#ifdef HW_VEC4
  for (; i + 4 <= n; i += 4) {
    hw_v4 v = hw_load4(src + i);
    __builtin_memcpy(dst + i, &v, sizeof v);
  }
#endif
  for (; i < n; i++) __atomic_load(&src[i], &dst[i], __ATOMIC_RELAXED);
}

/* dst[0..n) = src[0..n), each dst element written by a relaxed atomic store. */
static inline void hw_store(float *dst, const float *restrict src, size_t n) {
  size_t i = 0;
#ifdef HW_VEC4
  for (; i + 4 <= n; i += 4) {
    hw_v4 v;
    __builtin_memcpy(&v, src + i, sizeof v);
    hw_store4(dst + i, v);
  }
#endif
  for (; i < n; i++) {
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
