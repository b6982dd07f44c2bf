/* mem: which part of a block mem_advise_huge marks, and that marking
** changes no contents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/mem.h"
#include "unit.h"

#define MB ((size_t)1 << 20)

static void small_blocks_left_alone(void **state) {
  (void)state;
  char *p = malloc(MEM_HUGE_MIN - 1);
  assert_non_null(p);
  assert_int_equal(mem_advise_huge(p, MEM_HUGE_MIN - 1), 0);
  assert_int_equal(mem_advise_huge(NULL, 64 * MB), 0);
  free(p);
}

/* Marks the whole 2 MiB pages inside the block, never past either end:
** on Linux with THP, from the first 2 MiB boundary at or after p to the
** last at or before p + bytes; elsewhere nothing. */
static void marks_whole_pages_inside(void **state) {
  (void)state;
  size_t bytes = 24 * MB + 12345;
  char *p = mem_alloc_huge(bytes);
  assert_non_null(p);
  uintptr_t lo = ((uintptr_t)p + 2 * MB - 1) & ~(uintptr_t)(2 * MB - 1);
  uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)(2 * MB - 1);
  size_t got = mem_advise_huge(p, bytes);
  assert_true(got == 0 || got == (size_t)(hi - lo));
  assert_true(got % (2 * MB) == 0);
  assert_true(got <= bytes);
  /* offsets: a block starting 1 byte past a boundary loses that page */
  assert_true(mem_advise_huge(p + 1, bytes - 1) <= got);
  free(p);
}

/* Contents written before and after marking stay as written. */
static void contents_unchanged(void **state) {
  (void)state;
  size_t n = 20 * MB / sizeof(uint32_t);
  uint32_t *a = malloc(n * sizeof *a);
  assert_non_null(a);
  for (size_t k = 0; k < n; k += 1000) a[k] = (uint32_t)k * 2654435761u;
  mem_advise_huge(a, n * sizeof *a);
  for (size_t k = 0; k < n; k += 1000) assert_int_equal(a[k], (uint32_t)k * 2654435761u);
  memset(a, 7, n * sizeof *a);
  assert_int_equal(a[n - 1], 0x07070707u);
  free(a);
  uint32_t *z = mem_alloc_huge(0);
  assert_non_null(z);
  free(z);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(small_blocks_left_alone),
      cmocka_unit_test(marks_whole_pages_inside),
      cmocka_unit_test(contents_unchanged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
