/*
** holdout: a seeded per-user split of an interaction graph into a part to
** fit on and a part held out for validation.
**
** Each user with at least min_fit + 1 items holds out round(frac * degree)
** of them (at least one, and never so many that fewer than min_fit stay),
** chosen by a partial Fisher-Yates shuffle of the user's items with the
** random stream (seed, user): the split of one user does not depend on any
** other user, on the order of the source rows, or on threads. Users with
** fewer items keep them all. This is the validation split of the model
** choice (auto_train); the test split the user keeps aside is never seen.
*/
#ifndef RECSQL_HOLDOUT_H
#define RECSQL_HOLDOUT_H

#include <stdint.h>

#include "csr.h"
#include "status.h"

/* held[k] = 1 when entry k of g->idx is held out, else 0 (g->nnz bytes).
** *n_held: how many. frac in (0, 1); min_fit >= 1. RS_NOMEM or RS_OK. */
rs_status holdout_split(const csr *g, double frac, uint32_t min_fit, uint64_t seed, uint8_t *held,
                        uint64_t *n_held);

#endif
