/*
** radix: LSD radix sort of 64-bit keys, and the order-preserving map from
** doubles to such keys. Used where O(n log n) comparison sorts are too slow
** (AUC over millions of rows).
*/
#ifndef RECSQL_RADIX_H
#define RECSQL_RADIX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Key whose unsigned order is the numeric order of x. x must not be NaN;
** -0.0 and +0.0 map to the same key. */
static inline uint64_t radix_key_from_double(double x) {
  if (x == 0.0) x = 0.0;
  uint64_t u;
  memcpy(&u, &x, 8);
  return (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
}

static inline double radix_double_from_key(uint64_t k) {
  uint64_t u = (k & 0x8000000000000000ull) ? (k & 0x7FFFFFFFFFFFFFFFull) : ~k;
  double x;
  memcpy(&x, &u, 8);
  return x;
}

/* Sorts a[0..n) ascending using tmp[0..n) as scratch. Returns the array that
** holds the result (a or tmp). */
uint64_t *radix_sort_u64(uint64_t *a, uint64_t *tmp, size_t n);

#endif
