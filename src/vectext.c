/*
** vectext: see vectext.h. Numbers are scanned against the JSON grammar and
** converted with strtod_l on a NUL-terminated copy, so the text is never read
** past its end.
**
** Locale: JSON numbers always use '.', whatever LC_NUMERIC a host program
** has set with setlocale (a comma-decimal locale would make strtod stop at
** the '.' and printf write ','). Both directions therefore run in the "C"
** locale: strtod_l with a "C" locale_t, and snprintf under uselocale (which
** switches the calling thread only). The locale_t is made once.
*/
#include "vectext.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void) { c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }

/* The "C" numeric locale, or (locale_t)0 when it could not be made (out of
** memory). */
static locale_t c_numeric(void) {
  pthread_once(&c_locale_once, c_locale_make);
  return c_locale;
}

int vectext_strtod(const char *s, double *out) {
  locale_t c = c_numeric();
  if (!c) return -1;
  char *end;
  *out = strtod_l(s, &end, c);
  return end == s ? 1 : 0;
}

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
  locale_t cl = c_numeric();
  float *v = cl ? malloc(cap * sizeof *v) : NULL;
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
    double x = strtod_l(buf, NULL, cl);
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

/* Shortest %g form of f (6 to 9 significant digits) that reads back as f;
** the caller has switched the thread to the "C" locale. */
static int format_float(char *buf, size_t size, float f, locale_t c) {
  int len = 0;
  for (int prec = 6; prec <= 9; prec++) {
    len = snprintf(buf, size, "%.*g", prec, (double)f);
    if ((float)strtod_l(buf, NULL, c) == f) break;
  }
  return len;
}

char *vectext_format(const float *v, size_t dim, size_t *len) {
  size_t cap = dim * 17 + 3;
  locale_t c = c_numeric();
  char *s = c ? malloc(cap) : NULL;
  if (!s) return NULL;
  locale_t saved = uselocale(c);
  size_t w = 0;
  s[w++] = '[';
  for (size_t i = 0; i < dim; i++) {
    if (i) s[w++] = ',';
    w += (size_t)format_float(s + w, cap - w, v[i], c);
  }
  uselocale(saved);
  s[w++] = ']';
  s[w] = 0;
  if (len) *len = w;
  return s;
}
