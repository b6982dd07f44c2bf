/*
** i2i: recommending from an item-item table. For user u,
**
**   score(u, i) = Σ_{j ∈ history(u)} w(u, j) · sim(j, i)
**
** over the neighbours i of the user's history items j (the first
** `neighbors` entries of each row of sim, or all of them), then the top k
** items by score. Only items reached through sim are candidates (any score,
** negative ones included), so a user may get fewer than k; the history items
** are left out unless asked.
**
** Order: score descending, ties by the item's tie rank ascending (the caller
** gives each item index a rank; ext/i2i_recommend.c ranks by id, as ORDER
** BY item would). Scores are summed in double precision, in the order of
** the user's history (ascending item index) and of each sim row.
**
** The weight w(u, j) of a history pair (i2i_history_build): 1, times the
** number of times the pair occurs (I2I_COUNT_LINEAR) or 1 + ln(that number)
** (I2I_COUNT_LOG) when asked, times 2^(-(T_u - t)/half_life) when half_life
** > 0, with t the pair's latest time and T_u the user's latest time.
**
** How it works: users are handed to threads one at a time through an atomic
** counter; each thread has a dense double accumulator over the items and a
** list of the items it touched, so a user costs its neighbour entries plus
** a heap of k, not the catalog. The result does not depend on the thread
** count.
*/
#ifndef RECSQL_I2I_H
#define RECSQL_I2I_H

#include <stddef.h>
#include <stdint.h>

#include "parallel.h"
#include "status.h"

/* Rows of sim by item_a: entries ptr[a] .. ptr[a+1] of nb and w, weight
** descending, ties by tie rank of nb (i2i_sim_build sorts them). */
typedef struct i2i_sim i2i_sim;
struct i2i_sim {
  uint32_t n_items;
  size_t *ptr;
  uint32_t *nb;
  double *w;
};

/* Builds sim from n triples (a[k], b[k], w[k]), all < n_items. rank: the
** tie rank of each item. A repeated (a, b) is kept as many times. */
rs_status i2i_sim_build(i2i_sim *out, uint32_t n_items, const uint32_t *a, const uint32_t *b, const double *w,
                        size_t n, const uint32_t *rank);
void i2i_sim_free(i2i_sim *s);

enum { I2I_COUNT_ONCE = 0, I2I_COUNT_LINEAR = 1, I2I_COUNT_LOG = 2 };

/* Per-user distinct history items (ascending) and their weights w(u, j). */
typedef struct i2i_history i2i_history;
struct i2i_history {
  uint32_t n_users;
  size_t *ptr;
  uint32_t *item;
  double *weight;
};

/* From n rows (user[k], item[k], time[k]); time may be NULL when
** half_life <= 0. count: I2I_COUNT_*. */
rs_status i2i_history_build(i2i_history *out, uint32_t n_users, uint32_t n_items, const uint32_t *user,
                            const uint32_t *item, const double *time, size_t n, int count, double half_life);
void i2i_history_free(i2i_history *h);

typedef struct i2i_params i2i_params;
struct i2i_params {
  uint32_t k;         /* >= 1 */
  uint32_t neighbors; /* entries used per sim row; 0 = all */
  int keep_history;   /* 1: history items may be recommended */
  int threads;        /* >= 1 */
};

/* count[q] entries for query q at item[q*k ..], score[q*k ..], best first. */
typedef struct i2i_result i2i_result;
struct i2i_result {
  uint32_t n, k;
  uint32_t *count, *item;
  double *score;
};
void i2i_result_free(i2i_result *r);

/* Top k of users[0..n). rank: tie rank of each item; by_rank: its inverse.
** Returns RS_OK, RS_NOMEM or RS_STOPPED (out is then empty). */
rs_status i2i_recommend(const i2i_history *h, const i2i_sim *s, const uint32_t *rank, const uint32_t *by_rank,
                        const uint32_t *users, uint32_t n, const i2i_params *p, progress *prog,
                        i2i_result *out);

#endif
