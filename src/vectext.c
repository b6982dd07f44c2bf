/*
** vectext: see vectext.h. Numbers are scanned against the JSON grammar and
** converted with strtod on a NUL-terminated copy, so the text is never read
** past its end.
*/
#include "vectext.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Length of the JSON number at s[i..n), 0 if there is none. */
static size_t scan_number(const char *s, size_t i, size_t n) {
  size_t j = i;
  if (j < n && s[j] == '-') j++;
  if (j >= n) return 0;
  if (s[j] == '0') {
    j++;
  } else if (is_digit(s[j])) {
    while (j < n && is_digit(s[j])) j++;
  } else {
    return 0;
  }
  if (j < n && s[j] == '.') {
    j++;
    if (j >= n || !is_digit(s[j])) return 0;
    while (j < n && is_digit(s[j])) j++;
  }
  if (j < n && (s[j] == 'e' || s[j] == 'E')) {
    j++;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    if (j >= n || !is_digit(s[j])) return 0;
    while (j < n && is_digit(s[j])) j++;
  }
  return j - i;
}

int vectext_parse(const char *s, size_t n, float **out, size_t *dim, size_t *pos) {
  size_t i = 0, cap = 16, d = 0;
  *out = NULL;
  *dim = 0;
  *pos = 0;
  while (i < n && is_ws(s[i])) i++;
  if (i >= n || s[i] != '[') {
    *pos = i;
    return VECTEXT_SYNTAX;
  }
  i++;
  while (i < n && is_ws(s[i])) i++;
  if (i < n && s[i] == ']') {
    i++;
    while (i < n && is_ws(s[i])) i++;
    if (i != n) {
      *pos = i;
      return VECTEXT_SYNTAX;
    }
    return VECTEXT_EMPTY;
  }
  float *v = malloc(cap * sizeof *v);
  if (!v) return VECTEXT_NOMEM;
  char buf[64];
  for (;;) {
    while (i < n && is_ws(s[i])) i++;
    size_t len = scan_number(s, i, n);
    if (len == 0 || len >= sizeof buf) {
      /* A number longer than 63 characters is refused as a syntax error. */
      free(v);
      *pos = i;
      return VECTEXT_SYNTAX;
    }
    memcpy(buf, s + i, len);
    buf[len] = 0;
    double x = strtod(buf, NULL);
    float f = (float)x;
    if (!isfinite(f)) {
      free(v);
      *pos = d;
      return VECTEXT_RANGE;
    }
    if (d == cap) {
      cap *= 2;
      float *w = realloc(v, cap * sizeof *v);
      if (!w) {
        free(v);
        return VECTEXT_NOMEM;
      }
      v = w;
    }
    v[d++] = f;
    i += len;
    while (i < n && is_ws(s[i])) i++;
    if (i < n && s[i] == ',') {
      i++;
      continue;
    }
    if (i < n && s[i] == ']') {
      i++;
      break;
    }
    free(v);
    *pos = i;
    return VECTEXT_SYNTAX;
  }
  while (i < n && is_ws(s[i])) i++;
  if (i != n) {
    free(v);
    *pos = i;
    return VECTEXT_SYNTAX;
  }
  *out = v;
  *dim = d;
  return VECTEXT_OK;
}

/* Shortest %g form of f (6 to 9 significant digits) that reads back as f. */
static int format_float(char *buf, size_t size, float f) {
  int len = 0;
  for (int prec = 6; prec <= 9; prec++) {
    len = snprintf(buf, size, "%.*g", prec, (double)f);
    if ((float)strtod(buf, NULL) == f) break;
  }
  return len;
}

char *vectext_format(const float *v, size_t dim, size_t *len) {
  size_t cap = dim * 17 + 3;
  char *s = malloc(cap);
  if (!s) return NULL;
  size_t w = 0;
  s[w++] = '[';
  for (size_t i = 0; i < dim; i++) {
    if (i) s[w++] = ',';
    w += (size_t)format_float(s + w, cap - w, v[i]);
  }
  s[w++] = ']';
  s[w] = 0;
  if (len) *len = w;
  return s;
}
