/*
** vectext: float vectors as JSON array text ('[0.1, -2, 3e-4]').
**
** vectext_parse accepts exactly the JSON grammar for an array of numbers
** (whitespace allowed around tokens); values are rounded to float32.
** vectext_format writes each value with the fewest digits that read back to
** the same float32, so format(parse(s)) is a canonical form of s.
*/
#ifndef RECSQL_VECTEXT_H
#define RECSQL_VECTEXT_H

#include <stddef.h>

/* Result codes of vectext_parse. */
enum {
  VECTEXT_OK = 0,
  VECTEXT_NOMEM,
  VECTEXT_SYNTAX, /* not a JSON array of numbers; *pos = byte offset */
  VECTEXT_EMPTY,  /* '[]' */
  VECTEXT_RANGE   /* a number outside float32's range; *pos = element index */
};

/* Parses s[0..n). On VECTEXT_OK, *out is a malloc'd array of *dim floats. */
int vectext_parse(const char *s, size_t n, float **out, size_t *dim, size_t *pos);

/* Writes '[a,b,...]' into a malloc'd NUL-terminated string; NULL on OOM. */
char *vectext_format(const float *v, size_t dim, size_t *len);

/* strtod in the "C" locale (a '.' decimal point whatever setlocale says).
** Returns 0, 1 when s does not start with a number, -1 out of memory. */
int vectext_strtod(const char *s, double *out);

#endif
