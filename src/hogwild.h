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
**   code). The compiler sees opaque instructions (no tearing, repetition or
**   invention), and the hardware accesses each aligned 4-byte element whole
**   (Intel SDM vol. 3, 8.1.1: wider SSE/AVX accesses may be split into
**   accesses of at most 8 bytes, never a naturally aligned float): per
**   element, exactly a relaxed atomic, 4, 8 or 16 at a time. Scalar relaxed
**   atomics cost 1.5x the training time of the plain code because they
**   cannot be vectorized; these cost nothing.
** Two threads updating one element can still overwrite each other (that is
** Hogwild's accepted loss), but values never tear.
** Callers copy rows in (hw_load), compute on the copy, and copy the result
** out (hw_store), add a private row into a shared one (hw_axpy) or a shared
** row into a private one (hw_axpy_in), or use the 4-, 8- and 16-wide forms
** directly in code compiled for them. The row functions take the widest
** moves the CPU has (one check of the CPU per call). All of them do the
** arithmetic of the plain scalar code element by element (vec_axpy's for
** the axpys), so results are bit-identical.
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

/* Whole rows of n elements, W at a time, then 4 (x86-64), then one: each
** shared element accessed by exactly one relaxed atomic. The bodies of the
** row functions below, compiled once per instruction set. */
#ifdef HW_VEC4
#define HW_BY4(LOOP, ...) LOOP(4, __VA_ARGS__, hw_v4)
#else
#define HW_BY4(LOOP, ...)
#endif
#define HW_LOAD_LOOP(W, LOAD, V)               \
  for (; i + W <= n; i += W) {                 \
    V v_ = LOAD(src + i);                      \
    __builtin_memcpy(dst + i, &v_, sizeof v_); \
  }
#define HW_STORE_LOOP(W, STORE, V)             \
  for (; i + W <= n; i += W) {                 \
    V v_;                                      \
    __builtin_memcpy(&v_, src + i, sizeof v_); \
    STORE(dst + i, v_);                        \
  }
/* y += alpha x, y shared (LOAD, STORE) and x private */
#define HW_AXPY_LOOP(W, LOAD, STORE, V)      \
  for (; i + W <= n; i += W) {               \
    V x_;                                    \
    __builtin_memcpy(&x_, x + i, sizeof x_); \
    STORE(y + i, LOAD(y + i) + alpha * x_);  \
  }
/* y += alpha x, x shared (LOAD) and y private */
#define HW_AXPY_IN_LOOP(W, LOAD, V)          \
  for (; i + W <= n; i += W) {               \
    V y_;                                    \
    __builtin_memcpy(&y_, y + i, sizeof y_); \
    y_ += alpha * LOAD(x + i);               \
    __builtin_memcpy(y + i, &y_, sizeof y_); \
  }
#define HW_LOAD_ROW(W, LOAD, V)                                           \
  {                                                                       \
    size_t i = 0;                                                         \
    HW_LOAD_LOOP(W, LOAD, V)                                              \
    HW_BY4(HW_LOAD_LOOP, hw_load4)                                        \
    for (; i < n; i++) __atomic_load(&src[i], &dst[i], __ATOMIC_RELAXED); \
  }
#define HW_STORE_ROW(W, STORE, V)                     \
  {                                                   \
    size_t i = 0;                                     \
    HW_STORE_LOOP(W, STORE, V)                        \
    HW_BY4(HW_STORE_LOOP, hw_store4)                  \
    for (; i < n; i++) {                              \
      float v_ = src[i];                              \
      __atomic_store(&dst[i], &v_, __ATOMIC_RELAXED); \
    }                                                 \
  }
#define HW_AXPY_ROW(W, LOAD, STORE, V)              \
  {                                                 \
    size_t i = 0;                                   \
    HW_AXPY_LOOP(W, LOAD, STORE, V)                 \
    HW_BY4(HW_AXPY_LOOP, hw_load4, hw_store4)       \
    for (; i < n; i++) {                            \
      float v_;                                     \
      __atomic_load(&y[i], &v_, __ATOMIC_RELAXED);  \
      v_ += alpha * x[i];                           \
      __atomic_store(&y[i], &v_, __ATOMIC_RELAXED); \
    }                                               \
  }
#define HW_AXPY_IN_ROW(W, LOAD, V)                    \
  {                                                   \
    size_t i = 0;                                     \
    HW_AXPY_IN_LOOP(W, LOAD, V)                       \
    HW_BY4(HW_AXPY_IN_LOOP, hw_load4)                 \
    for (; i < n; i++) y[i] += alpha * hw_get(x + i); \
  }

static inline float hw_get(const float *p) {
  float v;
  __atomic_load(p, &v, __ATOMIC_RELAXED);
  return v;
}

static inline void hw_set(float *p, float v) { __atomic_store(p, &v, __ATOMIC_RELAXED); }

/* The row functions once per instruction set (_avx512: 16 at a time, _avx:
** 8, _sse: 4; elsewhere and under ThreadSanitizer one at a time). */
/* clang-format off */
#define HW_ROW_FUNCS(SUFFIX, TARGET, W, LOAD, STORE, V)                                           \
  TARGET static inline void hw_load_##SUFFIX(float *restrict dst, const float *src, size_t n) {     \
    HW_LOAD_ROW(W, LOAD, V)                                                                       \
  }                                                                                               \
  TARGET static inline void hw_store_##SUFFIX(float *dst, const float *restrict src, size_t n) {    \
    HW_STORE_ROW(W, STORE, V)                                                                     \
  }                                                                                               \
  TARGET static inline void hw_axpy_##SUFFIX(float alpha, const float *restrict x, float *y,        \
                                             size_t n) {                                          \
    HW_AXPY_ROW(W, LOAD, STORE, V)                                                                \
  }                                                                                               \
  TARGET static inline void hw_axpy_in_##SUFFIX(float alpha, const float *x, float *restrict y,     \
                                                size_t n) {                                       \
    HW_AXPY_IN_ROW(W, LOAD, V)                                                                    \
  }
/* clang-format on */

#ifdef HW_VEC4
HW_ROW_FUNCS(avx512, __attribute__((target("avx512f"))), 16, hw_load16, hw_store16, hw_v16)
HW_ROW_FUNCS(avx, __attribute__((target("avx"))), 8, hw_load8, hw_store8, hw_v8)
HW_ROW_FUNCS(sse, , 4, hw_load4, hw_store4, hw_v4)
/* The widest the CPU has. */
#define HW_DISPATCH(F, ...)                                    \
  (__builtin_cpu_supports("avx512f") ? F##_avx512(__VA_ARGS__) \
   : __builtin_cpu_supports("avx")   ? F##_avx(__VA_ARGS__)    \
                                     : F##_sse(__VA_ARGS__))
#else
HW_ROW_FUNCS(one, , 1, hw_get, hw_set, float)
#define HW_DISPATCH(F, ...) F##_one(__VA_ARGS__)
#endif

/* dst[0..n) = src[0..n), each src element read by a relaxed atomic load. */
static inline void hw_load(float *restrict dst, const float *src, size_t n) {
  HW_DISPATCH(hw_load, dst, src, n);
}

/* dst[0..n) = src[0..n), each dst element written by a relaxed atomic store. */
static inline void hw_store(float *dst, const float *restrict src, size_t n) {
  HW_DISPATCH(hw_store, dst, src, n);
}

/* y[0..n) += alpha * x[0..n) (vec_axpy's arithmetic), each y element read
** and written by relaxed atomics; x is private. */
static inline void hw_axpy(float alpha, const float *restrict x, float *y, size_t n) {
  HW_DISPATCH(hw_axpy, alpha, x, y, n);
}

/* The same with x shared (each element read by a relaxed atomic load) and y
** private. */
static inline void hw_axpy_in(float alpha, const float *x, float *restrict y, size_t n) {
  HW_DISPATCH(hw_axpy_in, alpha, x, y, n);
}

/* ++*p, atomically (a shared step counter); returns the new value. */
static inline uint32_t hw_inc(uint32_t *p) { return __atomic_add_fetch(p, 1, __ATOMIC_RELAXED); }

#endif
