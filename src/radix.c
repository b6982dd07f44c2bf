/*
** radix: LSD radix sort, 11-bit digits (6 passes for 64 bits). All digit
** histograms are counted in one read of the keys; a pass whose digit is the
** same for every key is skipped, so narrow key ranges sort in fewer passes.
** Small inputs use insertion sort.
*/
#include "radix.h"

#include <stdlib.h>

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_PASSES 6

static void insertion_sort(uint64_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    uint64_t v = a[i];
    size_t j = i;
    while (j > 0 && a[j - 1] > v) {
      a[j] = a[j - 1];
      j--;
    }
    a[j] = v;
  }
}

uint64_t *radix_sort_u64(uint64_t *a, uint64_t *tmp, size_t n) {
  if (n < 64) {
    insertion_sort(a, n);
    return a;
  }
  static const unsigned shift[RADIX_PASSES] = {0, 11, 22, 33, 44, 55};
  size_t(*hist)[RADIX_SIZE] = calloc(RADIX_PASSES, sizeof *hist);
  if (!hist) {
    /* No memory for counters: fall back to an in-place sort. */
    for (size_t gap = n / 2; gap > 0; gap /= 2)
      for (size_t i = gap; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        while (j >= gap && a[j - gap] > v) {
          a[j] = a[j - gap];
          j -= gap;
        }
        a[j] = v;
      }
    return a;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t k = a[i];
    for (int p = 0; p < RADIX_PASSES; p++) hist[p][(k >> shift[p]) & (RADIX_SIZE - 1)]++;
  }
  uint64_t *src = a, *dst = tmp;
  for (int p = 0; p < RADIX_PASSES; p++) {
    size_t *h = hist[p];
    /* Skip a pass where every key has the same digit. */
    if (h[(src[0] >> shift[p]) & (RADIX_SIZE - 1)] == n) continue;
    size_t sum = 0;
    for (unsigned d = 0; d < RADIX_SIZE; d++) {
      size_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    unsigned sh = shift[p];
    for (size_t i = 0; i < n; i++) {
      uint64_t k = src[i];
      dst[h[(k >> sh) & (RADIX_SIZE - 1)]++] = k;
    }
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  free(hist);
  return src;
}
