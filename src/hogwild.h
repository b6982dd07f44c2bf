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
**   32-byte AVX moves, hw_load8 and hw_store8, in target("avx") code;
**   64-byte AVX-512 moves, hw_load16 and hw_store16, in target("avx512f")
**   code; hw_load and hw_store pick the widest the CPU has). The compiler
**   sees opaque instructions (no tearing,
**   repetition or invention), and the hardware accesses each aligned 4-byte
**   element whole (Intel SDM vol. 3, 8.1.1: wider SSE accesses may be split
**   into accesses of at most 8 bytes, never a naturally aligned float): per
**   element, exactly a relaxed atomic, four at a time. Scalar relaxed atomics
**   cost 1.5x the training time of the plain code because they cannot be
**   vectorized; these cost nothing.
** Two threads updating one element can still overwrite each other (that is
** Hogwild's accepted loss), but values never tear.
** Callers copy rows in (hw_load), compute on the copy, and copy the result
** out (hw_store), add a private row into a shared one (hw_axpy), or use the
** 4-, 8- and 16-wide forms directly. All of them do the arithmetic of the
** plain scalar code element by element, so results are bit-identical.
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

/* Sixteen at a time, for functions compiled with target("avx512f"). */
typedef float hw_v16 __attribute__((vector_size(64)));
__attribute__((target("avx512f"))) static inline hw_v16 hw_load16(const float *p) {
  hw_v16 v;
  __asm__("vmovups %1, %0" : "=v"(v) : "m"(*(const hw_v16 *)p));
  return v;
}
__attribute__((target("avx512f"))) static inline void hw_store16(float *p, hw_v16 v) {
  __asm__ volatile("vmovups %1, %0" : "=m"(*(hw_v16 *)p) : "v"(v));
}
#endif

/* The loops of hw_load, hw_store and hw_axpy for n elements, each shared
** element accessed by exactly one relaxed atomic (W elements at a time);
** the tails are the caller's. */
#define HW_LOAD_LOOP(W, LOAD, V)             \
  for (; i + W <= n; i += W) {               \
    V v = LOAD(src + i);                     \
    __builtin_memcpy(dst + i, &v, sizeof v); \
  }
#define HW_STORE_LOOP(W, STORE, V)           \
  for (; i + W <= n; i += W) {               \
    V v;                                     \
    __builtin_memcpy(&v, src + i, sizeof v); \
    STORE(dst + i, v);                       \
  }
#define HW_AXPY_LOOP(W, LOAD, STORE, V)    \
  for (; i + W <= n; i += W) {             \
    V v;                                   \
    __builtin_memcpy(&v, x + i, sizeof v); \
    STORE(y + i, LOAD(y + i) + alpha * v); \
  }

#ifdef HW_VEC4
/* The widest moves first: AVX-512, then AVX (hw_load etc. dispatch). */
__attribute__((target("avx512f"))) static inline size_t hw_load_avx512(float *restrict dst, const float *src,
                                                                       size_t n) {
  size_t i = 0;
  HW_LOAD_LOOP(16, hw_load16, hw_v16)
  return i;
}
__attribute__((target("avx"))) static inline size_t hw_load_avx(float *restrict dst, const float *src,
                                                                size_t n) {
  size_t i = 0;
  HW_LOAD_LOOP(8, hw_load8, hw_v8)
  return i;
}
__attribute__((target("avx512f"))) static inline size_t hw_store_avx512(float *dst, const float *restrict src,
                                                                        size_t n) {
  size_t i = 0;
  HW_STORE_LOOP(16, hw_store16, hw_v16)
  return i;
}
__attribute__((target("avx"))) static inline size_t hw_store_avx(float *dst, const float *restrict src,
                                                                 size_t n) {
  size_t i = 0;
  HW_STORE_LOOP(8, hw_store8, hw_v8)
  return i;
}
__attribute__((target("avx512f"))) static inline size_t hw_axpy_avx512(float alpha, const float *restrict x,
                                                                       float *y, size_t n) {
  size_t i = 0;
  HW_AXPY_LOOP(16, hw_load16, hw_store16, hw_v16)
  return i;
}
__attribute__((target("avx"))) static inline size_t hw_axpy_avx(float alpha, const float *restrict x,
                                                                float *y, size_t n) {
  size_t i = 0;
  HW_AXPY_LOOP(8, hw_load8, hw_store8, hw_v8)
  return i;
}
/* Elements done by the widest loop the CPU has, F the loop's name. */
#define HW_WIDE(F, ...)                                        \
  (__builtin_cpu_supports("avx512f") ? F##_avx512(__VA_ARGS__) \
   : __builtin_cpu_supports("avx")   ? F##_avx(__VA_ARGS__)    \
                                     : 0)
#endif

/* dst[0..n) = src[0..n), each src element read by a relaxed atomic load. */
static inline void hw_load(float *restrict dst, const float *src, size_t n) {
  size_t i = 0;
#ifdef HW_VEC4
  i = HW_WIDE(hw_load, dst, src, n);
  HW_LOAD_LOOP(4, hw_load4, hw_v4)
#endif
  for (; i < n; i++) __atomic_load(&src[i], &dst[i], __ATOMIC_RELAXED);
}

/* dst[0..n) = src[0..n), each dst element written by a relaxed atomic store. */
static inline void hw_store(float *dst, const float *restrict src, size_t n) {
  size_t i = 0;
#ifdef HW_VEC4
  i = HW_WIDE(hw_store, dst, src, n);
  HW_STORE_LOOP(4, hw_store4, hw_v4)
#endif
  for (; i < n; i++) {
    float v = src[i];
    __atomic_store(&dst[i], &v, __ATOMIC_RELAXED);
  }
}

/* y[0..n) += alpha * x[0..n) (vec_axpy's arithmetic), each y element read
** and written by relaxed atomics; x is private. */
static inline void hw_axpy(float alpha, const float *restrict x, float *y, size_t n) {
  size_t i = 0;
#ifdef HW_VEC4
  i = HW_WIDE(hw_axpy, alpha, x, y, n);
  HW_AXPY_LOOP(4, hw_load4, hw_store4, hw_v4)
#endif
  for (; i < n; i++) {
    float v;
    __atomic_load(&y[i], &v, __ATOMIC_RELAXED);
    v += alpha * x[i];
    __atomic_store(&y[i], &v, __ATOMIC_RELAXED);
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
