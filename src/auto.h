/*
** auto: the policy of the automatic model choice (auto_train).
**
** auto_train fits every family recsql has on the same seeded validation
** split (src/holdout.h), scores each on the held-out pairs with the
** full-ranking protocol, and refits the best one on all the data. This
** module decides, from the size of the data and a time budget alone (never
** from the clock, so that a seed gives the same choice on any run), which
** trials to run and with how many epochs, and which trial won:
**
**  1. Item-item families (Swing, itemcf cosine) are cheap: tried whenever
**     their estimate is under a tenth of the budget.
**  2. EASE is tried when its n x n matrix fits in memory and its estimated
**     time fits: with lambda over {default, 50, 200, 500, 1000} when five
**     solves fit in a fifth of the budget, otherwise the default alone.
**  3. Factor families (bpr, ccl, softmax): the final refit of the most
**     expensive one that may win is reserved first; the rest of the budget
**     is shared among them for screening. A family screens with its default
**     number of epochs when that fits its share, otherwise with fewer (but
**     never under a fifth of them: then it is left out).
**  4. The winner is the first trial (they are planned cheapest first)
**     whose validation score is within one standard error of the best.
**
** The cost model's constants were measured on the 2-core development
** machine (docs/choosing_a_model.md); they scale with 1/threads.
*/
#ifndef RECSQL_AUTO_H
#define RECSQL_AUTO_H

#include <stddef.h>
#include <stdint.h>

typedef enum auto_family {
  AUTO_SWING,
  AUTO_ITEMCF,
  AUTO_EASE,
  AUTO_BPR,
  AUTO_CCL,
  AUTO_SOFTMAX,
  AUTO_N_FAMILIES
} auto_family;

/* "swing", "itemcf", "ease", "bpr", "ccl", "softmax". */
const char *auto_family_name(auto_family f);
/* The family of a name, or -1. */
int auto_family_parse(const char *name, size_t n);
/* 1 for the factor families (bpr, ccl, softmax), whose models are user and
** item embeddings; 0 for the item-item ones. */
int auto_family_is_factor(auto_family f);

typedef struct auto_data auto_data;
struct auto_data {
  uint64_t users, items, interactions;
  double sum_sq_degree; /* sum over users of degree^2: the cost of item-item scoring */
  int threads;
  double memory_bytes; /* what the machine has; EASE needs about 2.2 n^2 4 bytes */
};

typedef struct auto_trial auto_trial;
struct auto_trial {
  auto_family family;
  double lambda;   /* EASE: the lambda; 0 = ease_train's default */
  uint32_t epochs; /* factor families: screening epochs; 0 = the default */
  double est_seconds;
};

/* The default number of epochs of a factor family (bpr_train's). */
uint32_t auto_default_epochs(auto_family f);

/* Estimated seconds of one trial on d (training and validation scoring),
** epochs 0 meaning the default. */
double auto_estimate(const auto_data *d, auto_family f, uint32_t epochs);

/* Plans the screening trials of d under budget seconds, for the families
** whose bit (1 << family) is set in families. Writes at most cap trials to
** out in the order to run them; returns how many. */
size_t auto_plan(const auto_data *d, double budget, unsigned families, auto_trial *out, size_t cap);

/* The trial to choose among n scored ones t[0..n) (in plan order, cheaper
** families first): the family of the first trial whose score is within one
** standard error of the best score (the "one standard error" rule: a
** costlier family must win by more than the noise of the validation mean),
** and within that family its best-scored setting (settings of one family,
** such as EASE's lambdas, cost the same: the score alone decides). se[k] is
** the standard error of score[k]'s mean over users; NULL means 0 (the plain
** best, ties to the first). NaN scores never win; n when no score is a
** number. */
size_t auto_best(const auto_trial *t, const double *score, const double *se, size_t n);

#endif
