/* Common includes for the cmocka unit tests. */
#ifndef RECSQL_UNIT_H
#define RECSQL_UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#endif
