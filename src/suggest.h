/*
** suggest: the closest word of a list, for "did you mean" in error messages.
*/
#ifndef RECSQL_SUGGEST_H
#define RECSQL_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a and b, case-insensitive (ASCII). */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to word, or NULL when none is within
** max(2, strlen(word) / 3) edits. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
