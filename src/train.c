/*
** train: see train.h.
**
** train_run keeps two extra copies of the model while validating: the one
** being evaluated (post-processed, so that the score is the written
** model's) and the best so far; the two swap when an evaluation wins.
*/
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mips.h"
#include "propagate.h"
#include "rng.h"
#include "vec.h"

const char *const train_family_names[] = {"bpr", "softmax", "ccl", "bce", "triplet", NULL};
const char *const train_metric_names[] = {"recall", "ndcg", NULL};

/* docs/bpr_train.md gives the measurements behind them. */
/* clang-format off */
static const train_defaults family_defaults[TRAIN_FAMILIES] = {
    [TRAIN_BPR] = {64, 100, 4, 0, 0.1, 0.005, 0.0},
    [TRAIN_SOFTMAX] = {128, 100, 512, 1, 0.004, 0.0, 0.25},
    [TRAIN_CCL] = {64, 100, 256, 1, 0.01, 0.0, 0.25},
    [TRAIN_BCE] = {64, 100, 4, 0, 0.1, 0.005, 0.0},
    [TRAIN_TRIPLET] = {64, 100, 16, 0, 0.1, 0.0, 0.0},
};
/* clang-format on */
/* The triplet loss' own defaults (ccl's margin is 0.3). */
#define TRIPLET_MARGIN 0.5
#define TRIPLET_SEMI_HARD 1

const train_defaults *train_family_defaults(train_family f) { return &family_defaults[f]; }

void train_params_init(train_params *p) {
  double *fields[] = {
      &p->dim,        &p->epochs,   &p->n_neg,      &p->lr,        &p->lr_final,   &p->reg,
      &p->reg_bias,   &p->init_std, &p->batch,      &p->tau,       &p->cosine,     &p->margin,
      &p->neg_weight, &p->in_batch, &p->propagate,  &p->item_norm, &p->validation, &p->validation_users,
      &p->metric,     &p->k,        &p->eval_every, &p->patience,  &p->refit,      &p->threads,
      &p->smooth,     &p->power,    &p->distance,   &p->semi_hard};
  for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) *fields[k] = NAN;
  p->seed = 0;
  p->popularity = 0;
}

void train_config_init(train_config *c) {
  memset(c, 0, sizeof *c);
  c->epochs = 100;
  c->lr_final = 0.1f;
  c->metric = TRAIN_RECALL;
  c->k = 20;
  c->eval_every = 5;
  c->patience = 3;
  c->smooth = TRAIN_SMOOTH;
  c->refit = 1;
  c->validation_users = TRAIN_VALIDATION_USERS;
  c->threads = parallel_cores();
}

/* x when given (not NaN), else def. */
static double given_or(double x, double def) { return isnan(x) ? def : x; }

void train_resolve(train_family f, const train_params *p, uint32_t n_items, train_plan *plan) {
  const train_defaults *d = &family_defaults[f];
  memset(plan, 0, sizeof *plan);
  plan->family = f;
  plan->power = given_or(p->power, 0.75);
  train_config *c = &plan->drv;
  train_config_init(c);
  c->epochs = (uint32_t)given_or(p->epochs, d->epochs);
  c->lr_final = (float)given_or(p->lr_final, 0.1);
  c->propagate = (uint32_t)given_or(p->propagate, d->propagate);
  c->item_norm = given_or(p->item_norm, d->item_norm);
  c->validation = given_or(p->validation, 0.0);
  c->metric = (train_metric)given_or(p->metric, TRAIN_RECALL);
  c->k = (uint32_t)given_or(p->k, 20);
  c->eval_every = (uint32_t)given_or(p->eval_every, c->eval_every);
  c->patience = (uint32_t)given_or(p->patience, c->patience);
  c->smooth = (uint32_t)given_or(p->smooth, c->smooth);
  c->refit = given_or(p->refit, 1) != 0;
  c->validation_users = (uint32_t)given_or(p->validation_users, TRAIN_VALIDATION_USERS);
  c->threads = (int)given_or(p->threads, parallel_cores());
  c->seed = (uint64_t)p->seed;
  uint32_t dim = (uint32_t)given_or(p->dim, d->dim);
  float lr = (float)given_or(p->lr, d->lr), reg = (float)given_or(p->reg, d->reg);
  float init_std = (float)given_or(p->init_std, 0.1);
  sgd_config sgd = {dim, c->epochs, lr, c->lr_final, init_std, c->threads, c->seed};
  uint32_t n_neg = (uint32_t)given_or(p->n_neg, d->n_neg);
  if (f == TRAIN_BCE) {
    pointwise_config pw = {sgd, n_neg, reg, (float)given_or(p->reg_bias, 0.0)};
    plan->pw = pw;
    c->ops = &pointwise_ops;
    c->method = &plan->pw;
    return;
  }
  if (f == TRAIN_TRIPLET) {
    triplet_config tr = {sgd,
                         (triplet_distance)given_or(p->distance, TRIPLET_COSINE),
                         (float)given_or(p->margin, TRIPLET_MARGIN),
                         n_neg,
                         given_or(p->semi_hard, TRIPLET_SEMI_HARD) != 0,
                         reg};
    plan->tr = tr;
    c->propagate_unit = tr.distance == TRIPLET_COSINE;
    c->ops = &triplet_ops;
    c->method = &plan->tr;
    return;
  }
  if (f == TRAIN_BPR) {
    bpr_config b = {dim,         c->epochs, (uint32_t)given_or(p->n_neg, d->n_neg), lr,
                    c->lr_final, reg,       (float)given_or(p->reg_bias, 0.0),      init_std,
                    c->threads,  c->seed};
    plan->bpr = b;
    c->ops = &bpr_ops;
    c->method = &plan->bpr;
    return;
  }
  contrastive_config *cl = &plan->cl;
  cl->loss = f == TRAIN_SOFTMAX ? CL_SOFTMAX : CL_CCL;
  cl->dim = dim;
  cl->epochs = c->epochs;
  cl->batch = (uint32_t)given_or(p->batch, 1024);
  /* shared negatives: the family's count, at most a fraction of the catalog */
  double cap = floor(TRAIN_NEG_FRACTION * n_items);
  if (cap < TRAIN_NEG_MIN) cap = TRAIN_NEG_MIN;
  cl->n_neg = (uint32_t)given_or(p->n_neg, d->n_neg < cap ? d->n_neg : cap);
  cl->lr = lr;
  cl->lr_final = c->lr_final;
  cl->reg = reg;
  cl->tau = (float)given_or(p->tau, 0.07);
  cl->cosine = given_or(p->cosine, 1) != 0;
  cl->margin = (float)given_or(p->margin, 0.3);
  cl->neg_weight = (float)given_or(p->neg_weight, 150);
  cl->popularity = p->popularity;
  cl->in_batch = given_or(p->in_batch, 0) != 0;
  cl->power = plan->power;
  cl->init_std = init_std;
  cl->threads = c->threads;
  cl->seed = c->seed;
  c->propagate_unit = cl->loss == CL_CCL || cl->cosine;
  c->ops = &contrastive_ops;
  c->method = cl;
}

void train_plan_lr(const train_plan *plan, double *lr, double *init_std) {
  const sgd_config *sgd = plan->family == TRAIN_BCE ? &plan->pw.sgd : &plan->tr.sgd;
  if (plan->family == TRAIN_BPR) {
    *lr = plan->bpr.lr;
    *init_std = plan->bpr.init_std;
  } else if (plan->family == TRAIN_SOFTMAX || plan->family == TRAIN_CCL) {
    *lr = plan->cl.lr;
    *init_std = plan->cl.init_std;
  } else {
    *lr = sgd->lr;
    *init_std = sgd->init_std;
  }
}

/* ---- validation split ---------------------------------------------------- */

/* Appends the pairs of row u of m (all, or those not in ex) to (rows, cols). */
static size_t push_row(const csr *m, uint32_t u, const csr *ex, uint32_t *rows, uint32_t *cols, size_t n) {
  for (size_t a = m->ptr[u]; a < m->ptr[u + 1]; a++) {
    if (ex && u < ex->n_rows && csr_contains(ex, u, m->idx[a])) continue;
    rows[n] = u;
    cols[n++] = m->idx[a];
  }
  return n;
}

/* Pairs user u holds out under fraction (0 below the minimum degree). */
static size_t held_count(const csr *pos, uint32_t u, double fraction) {
  size_t d = csr_degree(pos, u), h = 0;
  if (d >= TRAIN_SPLIT_MIN_DEGREE) h = (size_t)floor(fraction * (double)d + 0.5);
  return d && h >= d ? d - 1 : h;
}

/* pick[u] = 1 for the users that hold out pairs: those with any to hold
** out, or a seeded sample of max_users of them. */
static rs_status pick_users(const csr *pos, double fraction, uint32_t max_users, uint64_t seed,
                            uint8_t *pick) {
  uint32_t *cand = malloc(sizeof(uint32_t) * ((size_t)pos->n_rows + 1)), n = 0;
  if (!cand) return RS_NOMEM;
  for (uint32_t u = 0; u < pos->n_rows; u++)
    if (held_count(pos, u, fraction)) cand[n++] = u;
  uint32_t take = max_users && n > max_users ? max_users : n;
  rng g;
  rng_seed(&g, seed, 0x5eed6);
  for (uint32_t a = 0; a < take; a++) {
    uint32_t r = a + (take < n ? rng_below(&g, n - a) : 0), t = cand[a];
    cand[a] = cand[r];
    cand[r] = t;
    pick[cand[a]] = 1;
  }
  free(cand);
  return RS_OK;
}

rs_status train_split(const csr *pos, double fraction, uint32_t max_users, uint64_t seed, const csr *given,
                      csr *train, csr *held) {
  memset(train, 0, sizeof *train);
  memset(held, 0, sizeof *held);
  size_t cap = pos->nnz + (given ? given->nnz : 0) + 1;
  uint32_t *tu = malloc(sizeof(uint32_t) * cap), *ti = malloc(sizeof(uint32_t) * cap);
  uint32_t *hu = malloc(sizeof(uint32_t) * cap), *hi = malloc(sizeof(uint32_t) * cap);
  uint32_t *row = malloc(sizeof(uint32_t) * ((size_t)pos->n_cols + 1));
  uint8_t *pick = calloc((size_t)pos->n_rows + 1, 1);
  rs_status rc = RS_NOMEM;
  if (!tu || !ti || !hu || !hi || !row || !pick) goto done;
  if (!given && pick_users(pos, fraction, max_users, seed, pick)) goto done;
  size_t nt = 0, nh = 0;
  rng g;
  rng_seed(&g, seed, 0x5eed5);
  for (uint32_t u = 0; u < pos->n_rows; u++) {
    if (given) {
      nt = push_row(pos, u, given, tu, ti, nt);
      if (u < given->n_rows) nh = push_row(given, u, NULL, hu, hi, nh);
      continue;
    }
    size_t d = csr_degree(pos, u), h = pick[u] ? held_count(pos, u, fraction) : 0;
    memcpy(row, csr_row(pos, u), sizeof(uint32_t) * d);
    for (size_t a = 0; a < h; a++) { /* the first h of a partial shuffle are held out */
      size_t r = a + rng_below(&g, (uint32_t)(d - a));
      uint32_t t = row[a];
      row[a] = row[r];
      row[r] = t;
      hu[nh] = u;
      hi[nh++] = row[a];
    }
    for (size_t a = h; a < d; a++) {
      tu[nt] = u;
      ti[nt++] = row[a];
    }
  }
  if (csr_build(train, pos->n_rows, pos->n_cols, tu, ti, nt) ||
      csr_build(held, pos->n_rows, pos->n_cols, hu, hi, nh)) {
    csr_free(train);
    csr_free(held);
    goto done;
  }
  rc = RS_OK;
done:
  free(tu);
  free(ti);
  free(hu);
  free(hi);
  free(row);
  free(pick);
  return rc;
}

/* ---- evaluation ------------------------------------------------------------ */

void train_eval_free(train_eval *ev) {
  free(ev->users);
  csr_free(&ev->exclude);
  free(ev->Q);
  memset(ev, 0, sizeof *ev);
}

rs_status train_eval_init(train_eval *ev, const csr *train, const csr *held) {
  memset(ev, 0, sizeof *ev);
  ev->held = held;
  ev->users = malloc(sizeof(uint32_t) * ((size_t)held->n_rows + 1));
  if (!ev->users) return RS_NOMEM;
  size_t nx = 0;
  for (uint32_t u = 0; u < held->n_rows; u++)
    if (csr_degree(held, u) > 0) {
      ev->users[ev->n_users++] = u;
      if (u < train->n_rows) nx += csr_degree(train, u);
    }
  csr *x = &ev->exclude;
  x->n_rows = ev->n_users;
  x->n_cols = train->n_cols;
  x->nnz = nx;
  x->ptr = malloc(sizeof(size_t) * ((size_t)ev->n_users + 1));
  x->idx = malloc(sizeof(uint32_t) * (nx + 1));
  if (!x->ptr || !x->idx) {
    train_eval_free(ev);
    return RS_NOMEM;
  }
  x->ptr[0] = 0;
  for (uint32_t q = 0; q < ev->n_users; q++) {
    uint32_t u = ev->users[q];
    size_t d = u < train->n_rows ? csr_degree(train, u) : 0;
    if (d) memcpy(x->idx + x->ptr[q], csr_row(train, u), sizeof(uint32_t) * d);
    x->ptr[q + 1] = x->ptr[q] + d;
  }
  return RS_OK;
}

rs_status train_eval_run(train_eval *ev, const bpr_model *m, train_metric metric, uint32_t k, int threads,
                         progress *prog, double *out) {
  *out = 0.0;
  if (ev->n_users == 0) return RS_OK;
  uint32_t d = m->dim;
  if (!ev->Q || ev->dim != d) {
    free(ev->Q);
    ev->dim = d;
    ev->Q = malloc(sizeof(float) * ((size_t)ev->n_users * d + 1));
    if (!ev->Q) return RS_NOMEM;
  }
  for (uint32_t q = 0; q < ev->n_users; q++)
    memcpy(ev->Q + (size_t)q * d, m->user + (size_t)ev->users[q] * d, sizeof(float) * d);
  mips_result res;
  int r =
      mips_topk(ev->Q, ev->n_users, m->item, m->bias, m->n_items, d, k, &ev->exclude, threads, prog, &res);
  if (r) return r < 0 ? RS_NOMEM : RS_STOPPED;
  double sum = 0.0;
  for (uint32_t q = 0; q < ev->n_users; q++) {
    uint32_t u = ev->users[q];
    size_t npos = csr_degree(ev->held, u);
    double gain = 0.0, ideal = 0.0;
    for (uint32_t a = 0; a < res.count[q]; a++)
      if (csr_contains(ev->held, u, res.item[(size_t)q * k + a]))
        gain += metric == TRAIN_NDCG ? 1.0 / log2(a + 2.0) : 1.0;
    if (metric == TRAIN_NDCG)
      for (uint32_t a = 0; a < k && a < npos; a++) ideal += 1.0 / log2(a + 2.0);
    else
      ideal = (double)npos;
    sum += gain / ideal;
  }
  mips_result_free(&res);
  *out = sum / ev->n_users;
  return RS_OK;
}

/* ---- the run ------------------------------------------------------------- */

rs_status train_postprocess(const train_config *cfg, const csr *pos, bpr_model *m) {
  if (cfg->ops && cfg->ops->finish) cfg->ops->finish(cfg->method, m);
  if (cfg->propagate > 0 && propagate(pos, m->user, m->item, m->dim, cfg->propagate, cfg->propagate_unit))
    return RS_NOMEM;
  vec_rows_norm_pow(m->item, m->n_items, m->dim, cfg->item_norm);
  if (cfg->ops && cfg->ops->rank) cfg->ops->rank(cfg->method, m);
  return RS_OK;
}

/* What the per-epoch hook needs. */
typedef struct run_ctx run_ctx;
struct run_ctx {
  const train_config *cfg;
  const csr *train;
  train_eval ev;
  bpr_model cand, best; /* the model evaluated last (post-processed), the best one */
  train_result *r;
  progress *prog;
  train_report_fn report;
  void *rctx;
  const char *phase;
  int refitting;
  uint32_t target; /* epochs of this phase */
  double t_base;   /* seconds before this phase */
};

static int report(run_ctx *c, uint32_t epoch, double loss, double metric, const bpr_stats *st) {
  if (!c->report) return RS_OK;
  train_event e = {c->phase, epoch, c->target, loss, metric, c->t_base + st->seconds, st->samples};
  c->report(c->rctx, &e);
  return RS_OK;
}

double train_smoothed(const train_point *curve, uint32_t n, uint32_t w) {
  uint32_t m = w < 1 ? 1 : w > n ? n : w;
  double sum = 0.0;
  for (uint32_t k = n - m; k < n; k++) sum += curve[k].metric;
  return m ? sum / m : 0.0;
}

int train_patience_out(uint32_t epoch, uint32_t best_epoch, uint32_t patience, uint32_t eval_every) {
  if (!patience || epoch <= best_epoch) return 0;
  uint64_t since = epoch - best_epoch;
  return since >= (uint64_t)patience * (eval_every ? eval_every : 1) &&
         epoch >= TRAIN_STOP_GROWTH * best_epoch;
}

/* Scores the model after `epoch`; keeps it when its smoothed score is the
** best. TRAINER_FINISH when patience ran out. */
static int evaluate(run_ctx *c, uint32_t epoch, double loss, const bpr_stats *st, const bpr_model *m) {
  const train_config *cfg = c->cfg;
  train_result *r = c->r;
  rs_status rc = bpr_model_copy(&c->cand, m);
  if (!rc) rc = train_postprocess(cfg, c->train, &c->cand);
  double metric = 0.0;
  if (!rc) rc = train_eval_run(&c->ev, &c->cand, cfg->metric, cfg->k, cfg->threads, c->prog, &metric);
  if (rc) return rc;
  train_point *cv = realloc(r->curve, sizeof *cv * (r->n_curve + 1));
  if (!cv) return RS_NOMEM;
  r->curve = cv;
  train_point pt = {epoch, loss, metric, st->seconds};
  cv[r->n_curve++] = pt;
  double s = train_smoothed(r->curve, r->n_curve, cfg->smooth);
  int gain = r->n_curve == 1 || s > r->best_smoothed;
  if (gain) {
    bpr_model t = c->best;
    c->best = c->cand;
    c->cand = t;
    r->best_smoothed = s;
    r->best_metric = metric;
    r->best_epoch = epoch;
  }
  report(c, epoch, loss, metric, st);
  if (!gain && epoch < cfg->epochs &&
      train_patience_out(epoch, r->best_epoch, cfg->patience, cfg->eval_every)) {
    r->stopped_early = 1;
    return TRAINER_FINISH;
  }
  return RS_OK;
}

static int on_epoch(void *p, uint32_t epoch, double loss, const bpr_stats *st, const bpr_model *m) {
  run_ctx *c = p;
  if (!c->refitting) c->r->epochs = epoch;
  if (c->ev.held && (epoch % c->cfg->eval_every == 0 || epoch == c->cfg->epochs))
    return evaluate(c, epoch, loss, st, m);
  return report(c, epoch, loss, NAN, st);
}

double train_noise(const train_point *curve, uint32_t n) {
  uint32_t from = n / 2;
  double ss = 0.0;
  for (uint32_t k = from + 1; k < n; k++) {
    double d = curve[k].metric - curve[k - 1].metric;
    ss += d * d;
  }
  return n - from >= 2 ? sqrt(ss / (2.0 * (n - from - 1))) : 0.0;
}

/* After a run that was not stopped early: when the best evaluation lies in
** the last `patience` evaluations and the last moving average is within
** the noise of the best (one standard error of the difference of two means
** of `smooth` evaluations, train_noise), the curve had not turned down, so
** the full schedule is the choice: the last evaluation's model (c->cand,
** evaluated at the last epoch) becomes the best. */
static void take_best(run_ctx *c) {
  const train_config *cfg = c->cfg;
  train_result *r = c->r;
  if (r->stopped_early || r->n_curve < 2 || !cfg->patience) return;
  const train_point *last = &r->curve[r->n_curve - 1];
  if (last->epoch == r->best_epoch ||
      (uint64_t)r->best_epoch + (uint64_t)cfg->patience * cfg->eval_every < last->epoch)
    return;
  uint32_t w = cfg->smooth < 1 ? 1 : cfg->smooth;
  double s = train_smoothed(r->curve, r->n_curve, w);
  if (r->best_smoothed - s > train_noise(r->curve, r->n_curve) * sqrt(2.0 / w)) return;
  bpr_model t = c->best;
  c->best = c->cand;
  c->cand = t;
  r->best_epoch = last->epoch;
  r->best_metric = last->metric;
  r->best_smoothed = s;
}

/* Builds the sampler of data's strategy over pos. */
static rs_status sampler_for(const train_data *data, const csr *pos, sampler *s, train_result *r) {
  if (sampler_init(s, data->strategy, pos, pos->n_cols, data->power, data->exposures)) return RS_NOMEM;
  if (s->n_active > 0) return RS_OK;
  r->invalid = "no user of %s has an item left to use as a negative (every user interacted with every item)";
  return RS_INVALID;
}

/* The first run: on train (the split's train part, or all of pos). */
static rs_status first_run(run_ctx *c, const train_data *data, const csr *train) {
  const train_config *cfg = c->cfg;
  sampler s;
  memset(&s, 0, sizeof s);
  bpr_stats st;
  memset(&st, 0, sizeof st);
  rs_status rc = sampler_for(data, train, &s, c->r);
  if (!rc)
    rc = trainer_run(cfg->ops, cfg->method, &s, cfg->epochs, cfg->epochs, cfg->lr_final, c->prog, on_epoch, c,
                     &c->r->model, &st);
  c->r->samples = st.samples;
  c->r->final_loss = st.final_loss;
  if (rc == RS_DIVERGED) c->r->epochs = st.epochs;
  sampler_free(&s);
  return rc;
}

/* pos with the given validation pairs added (all the data there is). */
static rs_status union_pairs(const csr *a, const csr *b, csr *out) {
  size_t n = 0;
  uint32_t *u = malloc(sizeof(uint32_t) * (a->nnz + b->nnz + 1)),
           *i = malloc(sizeof(uint32_t) * (a->nnz + b->nnz + 1));
  rs_status rc = RS_NOMEM;
  if (u && i) {
    for (uint32_t r = 0; r < a->n_rows; r++) {
      n = push_row(a, r, NULL, u, i, n);
      if (r < b->n_rows) n = push_row(b, r, NULL, u, i, n);
    }
    rc = csr_build(out, a->n_rows, a->n_cols, u, i, n) ? RS_NOMEM : RS_OK;
  }
  free(u);
  free(i);
  return rc;
}

/* Retrains on all of data->pos (and the given validation pairs) for the
** chosen epochs, same schedule. */
static rs_status refit(run_ctx *c, const train_data *data) {
  const train_config *cfg = c->cfg;
  train_result *r = c->r;
  sampler s;
  memset(&s, 0, sizeof s);
  bpr_stats st;
  memset(&st, 0, sizeof st);
  c->phase = "refit";
  c->refitting = 1;
  c->target = r->best_epoch;
  c->t_base = r->seconds;
  csr all = {0};
  const csr *pos = data->pos;
  rs_status rc = RS_OK;
  if (data->validation) {
    rc = union_pairs(data->pos, data->validation, &all);
    pos = &all;
  }
  if (!rc) rc = sampler_for(data, pos, &s, r);
  if (!rc) {
    c->ev.held = NULL; /* no evaluation: report only */
    rc = trainer_run(cfg->ops, cfg->method, &s, r->best_epoch, cfg->epochs, cfg->lr_final, c->prog, on_epoch,
                     c, &r->model, &st);
  }
  sampler_free(&s);
  r->samples += st.samples;
  if (rc == RS_DIVERGED) r->epochs = st.epochs;
  if (!rc) {
    r->refit_epochs = st.epochs;
    r->final_loss = st.final_loss;
    rc = train_postprocess(cfg, pos, &r->model);
  }
  csr_free(&all);
  return rc;
}

void train_result_free(train_result *r) {
  bpr_model_free(&r->model);
  free(r->curve);
  memset(r, 0, sizeof *r);
}

rs_status train_run(const train_config *cfg, const train_data *data, progress *prog, train_report_fn report,
                    void *ctx, train_result *r) {
  memset(r, 0, sizeof *r);
  double t0 = parallel_now();
  run_ctx c;
  memset(&c, 0, sizeof c);
  c.cfg = cfg;
  c.r = r;
  c.prog = prog;
  c.report = report;
  c.rctx = ctx;
  c.phase = "train";
  c.target = cfg->epochs;
  csr train = {0}, held = {0};
  int validate = cfg->validation > 0 || data->validation;
  rs_status rc = RS_OK;
  if (data->pos->nnz > TRAINER_MAX_INTERACTIONS) return RS_TOOBIG;
  if (validate) {
    rc = train_split(data->pos, cfg->validation, cfg->validation_users, cfg->seed, data->validation, &train,
                     &held);
    if (!rc) rc = train_eval_init(&c.ev, &train, &held);
  }
  c.train = validate ? &train : data->pos;
  r->train_pairs = c.train->nnz;
  r->validation_pairs = held.nnz;
  r->validation_users = c.ev.n_users;
  if (validate && !rc && c.ev.n_users == 0) {
    r->invalid = data->validation
                     ? "no validation pair has a user and an item of %s"
                     : "no user of %s has a validation pair (with \"validation\", users need at least 3 "
                       "interactions)";
    rc = RS_INVALID;
  }
  if (!rc) rc = first_run(&c, data, c.train);
  if (!rc && validate) {
    bpr_model_free(&r->model);
    take_best(&c);
    r->model = c.best;
    memset(&c.best, 0, sizeof c.best);
    r->seconds = parallel_now() - t0;
    if (cfg->refit) {
      bpr_model_free(&r->model);
      rc = refit(&c, data);
    }
  } else if (!rc) {
    rc = train_postprocess(cfg, data->pos, &r->model);
  }
  r->seconds = parallel_now() - t0;
  r->in_refit = c.refitting && rc;
  if (rc) bpr_model_free(&r->model);
  bpr_model_free(&c.cand);
  bpr_model_free(&c.best);
  train_eval_free(&c.ev);
  csr_free(&train);
  csr_free(&held);
  return rc;
}
