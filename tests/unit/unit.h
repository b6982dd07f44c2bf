/* Common includes for the cmocka unit tests. UNIT_FILTER=pattern (cmocka's
** glob: * and ?) runs only the tests whose names match: make tsan runs the
** threaded tests of a module so. */
#ifndef RECSQL_UNIT_H
#define RECSQL_UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

__attribute__((constructor)) static void unit_filter_from_env(void) {
  const char *p = getenv("UNIT_FILTER");
  if (p && *p) cmocka_set_test_filter(p);
}
#endif
