/*
** auto: the policy of the automatic model choice (see auto.h).
*/
#include "auto.h"

#include <math.h>
#include <string.h>

static const char *const family_names[AUTO_N_FAMILIES] = {"swing", "itemcf", "ease", "bpr", "ccl", "softmax"};

const char *auto_family_name(auto_family f) { return (unsigned)f < AUTO_N_FAMILIES ? family_names[f] : "?"; }

int auto_family_parse(const char *name, size_t n) {
  for (int f = 0; f < AUTO_N_FAMILIES; f++)
    if (strlen(family_names[f]) == n && memcmp(family_names[f], name, n) == 0) return f;
  return -1;
}

int auto_family_is_factor(auto_family f) { return f == AUTO_BPR || f == AUTO_CCL || f == AUTO_SOFTMAX; }

uint32_t auto_default_epochs(auto_family f) { return auto_family_is_factor(f) ? 100 : 0; }

/* Seconds per interaction and epoch on 2 threads, measured (auto.h). */
static double epoch_cost(auto_family f) {
  switch (f) {
    case AUTO_BPR: return 5.5e-7;
    case AUTO_CCL: return 1.7e-6;
    case AUTO_SOFTMAX: return 4.2e-6;
    default: return 0;
  }
}

/* Scoring every user against every item (recommend) with dim 64 or 128. */
static double factor_scoring(const auto_data *d, auto_family f) {
  double dim = f == AUTO_SOFTMAX ? 128 : 64;
  return 4e-11 * (double)d->users * (double)d->items * dim + 1e-7 * (double)d->users * 20;
}

/* i2i_recommend over 100 neighbours per history item. */
static double i2i_scoring(const auto_data *d) {
  return 1e-8 * 100 * (double)d->interactions + 1e-6 * d->users;
}

double auto_estimate(const auto_data *d, auto_family f, uint32_t epochs) {
  double scale = 2.0 / (d->threads > 0 ? d->threads : 1), n = (double)d->items;
  if (auto_family_is_factor(f)) {
    double e = epochs ? epochs : auto_default_epochs(f);
    return scale * (e * epoch_cost(f) * (double)d->interactions + factor_scoring(d, f));
  }
  double fit = 0;
  if (f == AUTO_SWING) fit = 4e-6 * (double)d->interactions;
  if (f == AUTO_ITEMCF) fit = 2.5e-6 * (double)d->interactions;
  if (f == AUTO_EASE) fit = 1e-9 * d->sum_sq_degree + 1.3e-11 * n * n * n + 2e-9 * n * n;
  return scale * (fit + i2i_scoring(d));
}

/* 1 when EASE's matrix fits comfortably in memory. */
static int ease_fits(const auto_data *d) {
  double need = 2.2 * 4.0 * (double)d->items * (double)d->items;
  return d->memory_bytes <= 0 || need <= 0.5 * d->memory_bytes;
}

/* Adds one trial to out when there is room. */
static void add(auto_trial *out, size_t cap, size_t *n, auto_family f, double lambda, uint32_t epochs,
                double est) {
  if (*n < cap) out[*n] = (auto_trial){f, lambda, epochs, est};
  (*n)++;
}

/* Item-item trials; returns their estimated seconds. */
static double plan_item_item(const auto_data *d, double budget, unsigned fam, auto_trial *out, size_t cap,
                             size_t *n) {
  double spent = 0;
  for (auto_family f = AUTO_SWING; f <= AUTO_ITEMCF; f++) {
    double est = auto_estimate(d, f, 0);
    if ((fam & (1u << f)) && est <= budget / 10) {
      add(out, cap, n, f, 0, 0, est);
      spent += est;
    }
  }
  if ((fam & (1u << AUTO_EASE)) && ease_fits(d)) {
    static const double grid[] = {0, 50, 200, 500, 1000};
    double est = auto_estimate(d, AUTO_EASE, 0);
    int m = 5 * est <= budget / 5 ? 5 : est <= budget / 5 ? 1 : 0;
    for (int k = 0; k < m; k++) add(out, cap, n, AUTO_EASE, grid[k], 0, est);
    spent += m * est;
  }
  return spent;
}

/* Screening epochs of factor family f within share seconds, or 0 when
** fewer than a fifth of its default epochs fit. */
static uint32_t screening_epochs(const auto_data *d, auto_family f, double share) {
  uint32_t e = auto_default_epochs(f);
  if (auto_estimate(d, f, e) <= share) return e;
  double per_epoch = auto_estimate(d, f, 2) - auto_estimate(d, f, 1);
  double fixed = auto_estimate(d, f, 1) - per_epoch;
  double fit = per_epoch > 0 ? floor((share - fixed) / per_epoch) : 0;
  return fit >= e / 5.0 ? (uint32_t)fit : 0;
}

size_t auto_plan(const auto_data *d, double budget, unsigned families, auto_trial *out, size_t cap) {
  size_t n = 0;
  double left = budget - plan_item_item(d, budget, families, out, cap, &n);
  unsigned fac = families & ((1u << AUTO_BPR) | (1u << AUTO_CCL) | (1u << AUTO_SOFTMAX));
  while (fac) {
    int count = 0;
    double reserve = 0;
    auto_family priciest = AUTO_BPR;
    for (auto_family f = AUTO_BPR; f <= AUTO_SOFTMAX; f++) {
      if (!(fac & (1u << f))) continue;
      double full = auto_estimate(d, f, 0);
      count++;
      if (full >= reserve) reserve = full, priciest = f;
    }
    double share = (left - reserve) / count;
    uint32_t e[AUTO_N_FAMILIES] = {0};
    int ok = share > 0;
    for (auto_family f = AUTO_BPR; ok && f <= AUTO_SOFTMAX; f++)
      if ((fac & (1u << f)) && !(e[f] = screening_epochs(d, f, share))) ok = 0;
    if (ok) {
      for (auto_family f = AUTO_BPR; f <= AUTO_SOFTMAX; f++)
        if (fac & (1u << f)) add(out, cap, &n, f, 0, e[f], auto_estimate(d, f, e[f]));
      break;
    }
    fac &= ~(1u << priciest);
  }
  return n;
}

/* The best-scored trial of family f (ties: the first). */
static size_t best_of_family(const auto_trial *t, const double *score, size_t n, auto_family f) {
  size_t best = n;
  for (size_t k = 0; k < n; k++)
    if (t[k].family == f && !isnan(score[k]) && (best == n || score[k] > score[best])) best = k;
  return best;
}

size_t auto_best(const auto_trial *t, const double *score, const double *se, size_t n) {
  size_t best = n;
  for (size_t k = 0; k < n; k++)
    if (!isnan(score[k]) && (best == n || score[k] > score[best])) best = k;
  if (best == n) return n;
  double floor_ = score[best] - (se && !isnan(se[best]) ? se[best] : 0);
  for (size_t k = 0; k < best; k++)
    if (!isnan(score[k]) && score[k] >= floor_) return best_of_family(t, score, n, t[k].family);
  return best;
}
