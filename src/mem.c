/*
** mem: see mem.h.
*/
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)

size_t mem_advise_huge(void *p, size_t bytes) {
  if (!p || bytes < MEM_HUGE_MIN) return 0;
  uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  uintptr_t hi = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);
  if (hi <= lo) return 0;
#if defined(MADV_HUGEPAGE) && !defined(RECSQL_NO_THP) /* -DRECSQL_NO_THP: to measure without */
  if (madvise((void *)lo, hi - lo, MADV_HUGEPAGE) != 0) return 0;
  return (size_t)(hi - lo);
#else
  return 0;
#endif
}

void *mem_alloc_huge(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  mem_advise_huge(p, bytes);
  return p;
}
