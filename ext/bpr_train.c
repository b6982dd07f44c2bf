/*
** bpr_train(source, model, options): a factor model (BPR, sampled softmax,
** cosine contrastive, pointwise BCE or triplet loss) trained in the
** database.
**
**   SELECT bpr_train('train', 'm', json_object('dim', 64, 'validation', 0.1));
**
** Parse the options, read (user, item) pairs from source (and the exposures
** and validation pairs when asked), train through the driver (src/train.h:
** defaults per loss, validation and early stopping, divergence, refit,
** post-processing), and write
**   <model>_users(id PRIMARY KEY, emb BLOB)
**   <model>_items(id PRIMARY KEY, emb BLOB, bias REAL)
** replacing them in one savepoint, only when training succeeded. Returns a
** JSON summary. Score of (u, i) = embed_dot(user emb, item emb) + bias.
** Options are documented in docs/bpr_train.md and docs/training.md.
**
** It must be called as a bare SELECT (see model_write.c); it honours
** sqlite3_interrupt within a fraction of a second, leaving the database as
** it was; with "verbose" it reports each epoch on stderr.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../src/sampler.h"
#include "../src/train.h"
#include "common.h"

#define OBJ "bpr_train"

enum {
  O_DIM,
  O_EPOCHS,
  O_LR,
  O_LR_FINAL,
  O_REG,
  O_REG_BIAS,
  O_N_NEG,
  O_SAMPLER,
  O_POWER,
  O_EXPOSURES,
  O_INIT_STD,
  O_THREADS,
  O_SEED,
  O_VERBOSE,
  O_LOSS,
  O_BATCH,
  O_TAU,
  O_COSINE,
  O_MARGIN,
  O_NEG_WEIGHT,
  O_IN_BATCH,
  O_PROPAGATE,
  O_ITEM_NORM,
  O_VALIDATION,
  O_VALIDATION_SOURCE,
  O_VALIDATION_USERS,
  O_METRIC,
  O_K,
  O_EVAL_EVERY,
  O_PATIENCE,
  O_SMOOTH,
  O_REFIT,
  O_DISTANCE,
  O_SEMI_HARD,
  O_COUNT
};

static const char *const distance_names[] = {"cosine", "l2", NULL}; /* triplet_distance order */

/* Types, ranges and, for recsql_help, the defaults: the values the code uses
** are train.c's (train_resolve), which only reads the options given. A
** default that depends on the loss is left out here (def below the range)
** and given in the description. */
#define BY_LOSS (-1)
static const opt_spec bpr_options[O_COUNT] = {
    [O_DIM] = {"dim", OPT_INT, BY_LOSS, 1, 4096, NULL, NULL,
               "embedding dimension; default 64 (bpr, ccl), 128 (softmax)", 0},
    [O_EPOCHS] = {"epochs", OPT_INT, 100, 1, 1000000, NULL, NULL,
                  "passes over the interactions (at most, with early stopping)", 0},
    [O_LR] = {"lr", OPT_REAL, BY_LOSS, 1e-9, 10, NULL, NULL,
              "learning rate; default 0.1 (bpr, SGD), 0.004 (softmax, Adam), 0.01 (ccl, Adam)", 0},
    [O_LR_FINAL] = {"lr_final", OPT_REAL, 0.1, 0, 1, NULL, NULL,
                    "fraction of lr reached at the last epoch (linear decay)", 0},
    [O_REG] = {"reg", OPT_REAL, BY_LOSS, 0, 100, NULL, NULL,
               "L2 on embeddings; default 0.005 (bpr), 0 (others)", 0},
    [O_REG_BIAS] = {"reg_bias", OPT_REAL, 0, 0, 100, NULL, NULL, "L2 on item biases (bpr)", 0},
    [O_N_NEG] = {"n_neg", OPT_INT, BY_LOSS, 1, 10000, NULL, NULL,
                 "negatives per positive (bpr, default 4) or per batch (softmax 512, ccl 256; at most 1/8 of "
                 "the catalog, at least 16)",
                 0},
    [O_SAMPLER] = {"sampler", OPT_TEXT, 0, 0, 0, "uniform", sampler_strategy_names,
                   "negatives: uniform, popularity (count^power), bootstrap (bpr) or exposure (bpr)", 0},
    [O_POWER] = {"power", OPT_REAL, 0.75, -10, 10, NULL, NULL, "popularity exponent", 0},
    [O_EXPOSURES] = {"exposures", OPT_SOURCE, 0, 0, 0, NULL, NULL,
                     "sampler 'exposure': shown-but-not-clicked (user, item) pairs", 0},
    [O_INIT_STD] = {"init_std", OPT_REAL, 0.1, 0, 10, NULL, NULL, "embeddings start as N(0, init_std^2)", 0},
    [O_THREADS] = {"threads", OPT_INT, 0, 1, 1024, NULL, NULL, "threads; default the number of cores", 0},
    [O_SEED] = {"seed", OPT_INT, 0, -OPT_UNBOUNDED, OPT_UNBOUNDED, NULL, NULL,
                "random seed (any int64); with threads = 1 a seed gives a bit-identical model", 0},
    [O_VERBOSE] = {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL, "report each epoch on stderr", 0},
    [O_LOSS] = {"loss", OPT_TEXT, 0, 0, 0, "bpr", train_family_names,
                "bpr (pairwise), softmax (sampled softmax), ccl (cosine contrastive), bce (pointwise) or "
                "triplet (margin)",
                0},
    [O_BATCH] = {"batch", OPT_INT, 1024, 1, 1000000, NULL, NULL, "positives per mini-batch (softmax, ccl)",
                 0},
    [O_TAU] = {"tau", OPT_REAL, 0.07, 1e-4, 100, NULL, NULL, "softmax temperature (softmax)", 0},
    [O_COSINE] = {"cosine", OPT_BOOL, 1, 0, 1, NULL, NULL, "score by cosine similarity (softmax, ccl)", 0},
    [O_MARGIN] = {"margin", OPT_REAL, BY_LOSS, -1, 1, NULL, NULL,
                  "margin of negatives (ccl default 0.3, triplet 0.5)", 0},
    [O_NEG_WEIGHT] = {"neg_weight", OPT_REAL, 150, 0, 1e6, NULL, NULL, "weight of the negatives' term (ccl)",
                      0},
    [O_IN_BATCH] = {"in_batch", OPT_BOOL, 0, 0, 1, NULL, NULL,
                    "the batch's other positives are negatives too (softmax, ccl)", 0},
    [O_PROPAGATE] = {"propagate", OPT_INT, BY_LOSS, 0, 16, NULL, NULL,
                     "layers of graph propagation after training; default 0 (bpr), 1 (others)", 0},
    [O_ITEM_NORM] = {"item_norm", OPT_REAL, BY_LOSS, 0, 1, NULL, NULL,
                     "item rows divided by |q|^item_norm; default 0 (bpr), 0.25 (others)", 0},
    [O_VALIDATION] = {"validation", OPT_REAL, 0, 1e-6, 0.5, NULL, NULL,
                      "fraction of each user's interactions held out for early stopping; default none", 0},
    [O_VALIDATION_SOURCE] = {"validation_source", OPT_SOURCE, 0, 0, 0, NULL, NULL,
                             "(user, item) pairs to validate on instead of a held-out fraction", 0},
    [O_VALIDATION_USERS] = {"validation_users", OPT_INT, 5000, 0, 4294967295.0, NULL, NULL,
                            "users that hold out pairs (a seeded sample; 0 = all)", 0},
    [O_METRIC] = {"metric", OPT_TEXT, 0, 0, 0, "recall", train_metric_names,
                  "what early stopping maximizes (validation)", 0},
    [O_K] = {"k", OPT_INT, 20, 1, 10000, NULL, NULL, "the metric's cutoff (validation)", 0},
    [O_EVAL_EVERY] = {"eval_every", OPT_INT, 5, 1, 1000000, NULL, NULL,
                      "epochs between evaluations (validation)", 0},
    [O_PATIENCE] = {"patience", OPT_INT, 3, 0, 1000000, NULL, NULL,
                    "evaluations without gain before stopping (and not before 1.5 times the best epoch); 0 = "
                    "never stop early (validation)",
                    0},
    [O_SMOOTH] = {"smooth", OPT_INT, TRAIN_SMOOTH, 1, 1000, NULL, NULL,
                  "evaluations in the moving average that early stopping maximizes (validation)", 0},
    [O_REFIT] = {"refit", OPT_BOOL, 1, 0, 1, NULL, NULL,
                 "retrain on all interactions for the chosen epochs (validation)", 0},
    [O_DISTANCE] = {"distance", OPT_TEXT, 0, 0, 0, "cosine", distance_names,
                    "distance of the triplet hinge: cosine or l2 (triplet)", 0},
    [O_SEMI_HARD] = {"semi_hard", OPT_BOOL, 1, 0, 1, NULL, NULL,
                     "semi-hard negative among n_neg drawn (triplet)", 0},
};

const opt_spec *bpr_train_specs(int *n) {
  *n = O_COUNT;
  return bpr_options;
}

/* Options of one loss (or of validation) given without it are mistakes,
** not silently ignored: `when` is the set of cases that use the option. */
#define WITH_SOFTMAX (1 << TRAIN_SOFTMAX)
#define WITH_CCL (1 << TRAIN_CCL)
#define WITH_TRIPLET (1 << TRAIN_TRIPLET)
#define WITH_VALIDATION (1 << TRAIN_FAMILIES)
static const struct {
  int opt, when;
  const char *where;
} only_with[] = {
    {O_BATCH, WITH_SOFTMAX | WITH_CCL, "loss 'softmax' or 'ccl'"},
    {O_COSINE, WITH_SOFTMAX | WITH_CCL, "loss 'softmax' or 'ccl'"},
    {O_TAU, WITH_SOFTMAX, "loss 'softmax'"},
    {O_MARGIN, WITH_CCL | WITH_TRIPLET, "loss 'ccl' or 'triplet'"},
    {O_DISTANCE, WITH_TRIPLET, "loss 'triplet'"},
    {O_SEMI_HARD, WITH_TRIPLET, "loss 'triplet'"},
    {O_NEG_WEIGHT, WITH_CCL, "loss 'ccl'"},
    {O_IN_BATCH, WITH_SOFTMAX | WITH_CCL, "loss 'softmax' or 'ccl'"},
    {O_METRIC, WITH_VALIDATION, "validation"},
    {O_K, WITH_VALIDATION, "validation"},
    {O_EVAL_EVERY, WITH_VALIDATION, "validation"},
    {O_PATIENCE, WITH_VALIDATION, "validation"},
    {O_SMOOTH, WITH_VALIDATION, "validation"},
    {O_REFIT, WITH_VALIDATION, "validation"},
    {O_VALIDATION_USERS, WITH_VALIDATION, "validation"},
};

/* What one call holds, freed by call_free. */
typedef struct call call;
struct call {
  opt_value opt[O_COUNT];
  const char *source, *model;
  char *t_users, *t_items, *summary, *err;
  idmap *users, *items;
  csr pos, expo, val;
  train_family loss;
  sampler_strategy strategy;
  train_plan plan;
  train_result res;
  interrupt_check ic;
  progress prog;
};

static void call_free(call *c) {
  options_free(c->opt, O_COUNT);
  sqlite3_free(c->t_users);
  sqlite3_free(c->t_items);
  sqlite3_free(c->summary);
  idmap_free(c->users);
  idmap_free(c->items);
  csr_free(&c->pos);
  csr_free(&c->expo);
  csr_free(&c->val);
  train_result_free(&c->res);
  interrupt_free(&c->ic);
}

static int fail(call *c, int rc, char *msg) {
  c->err = msg;
  return msg || rc == SQLITE_NOMEM ? rc : SQLITE_NOMEM;
}

/* The three arguments: source and model names, options parsed. */
static int parse_args(call *c, sqlite3 *db, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT)
    return fail(c, SQLITE_ERROR,
                sqlite3_mprintf(OBJ ": source must be a table name, view name or SELECT text, got %s",
                                value_type_name(sqlite3_value_type(argv[0]))));
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || sqlite3_value_bytes(argv[1]) == 0)
    return fail(c, SQLITE_ERROR,
                sqlite3_mprintf(OBJ ": model must be a non-empty name (tables <model>_users and "
                                    "<model>_items are written), got %s",
                                sqlite3_value_type(argv[1]) == SQLITE_TEXT
                                    ? "''"
                                    : value_type_name(sqlite3_value_type(argv[1]))));
  c->source = (const char *)sqlite3_value_text(argv[0]);
  c->model = (const char *)sqlite3_value_text(argv[1]);
  int ot = argc > 2 ? sqlite3_value_type(argv[2]) : SQLITE_NULL;
  if (ot != SQLITE_NULL && ot != SQLITE_TEXT)
    return fail(c, SQLITE_ERROR,
                sqlite3_mprintf(OBJ ": options must be a JSON object text such as '{\"dim\": 64}', got %s",
                                value_type_name(ot)));
  int rc = options_parse(db, OBJ, ot == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[2]) : NULL,
                         bpr_options, O_COUNT, c->opt, &c->err);
  if (rc) return rc;
  c->t_users = sqlite3_mprintf("%s_users", c->model);
  c->t_items = sqlite3_mprintf("%s_items", c->model);
  return c->t_users && c->t_items ? SQLITE_OK : SQLITE_NOMEM;
}

/* Options that do not fit together. */
static int check_options(call *c) {
  opt_value *o = c->opt;
  c->strategy = (sampler_strategy)sampler_strategy_parse(o[O_SAMPLER].text);
  c->loss = TRAIN_BPR;
  while (strcmp(train_family_names[c->loss], o[O_LOSS].text)) c->loss++; /* checked by options_parse */
  if (c->strategy == SAMPLER_EXPOSURE && !o[O_EXPOSURES].text)
    return fail(c, SQLITE_ERROR,
                sqlite3_mprintf(OBJ ": sampler 'exposure' needs the option \"exposures\" (a source of "
                                    "shown-but-not-clicked (user, item) pairs)"));
  if (c->strategy != SAMPLER_EXPOSURE && o[O_EXPOSURES].text)
    return fail(c, SQLITE_ERROR,
                sqlite3_mprintf(OBJ ": option \"exposures\" is only used with sampler 'exposure'"));
  if ((c->loss == TRAIN_SOFTMAX || c->loss == TRAIN_CCL) && c->strategy != SAMPLER_UNIFORM &&
      c->strategy != SAMPLER_POPULARITY)
    return fail(c, SQLITE_ERROR,
                sqlite3_mprintf(OBJ ": loss '%s' draws shared negatives per batch: sampler must be "
                                    "'uniform' or 'popularity', got '%s'",
                                o[O_LOSS].text, o[O_SAMPLER].text));
  if (o[O_VALIDATION].set && o[O_VALIDATION_SOURCE].text)
    return fail(c, SQLITE_ERROR,
                sqlite3_mprintf(OBJ ": give \"validation\" (a fraction to hold out) or \"validation_source\" "
                                    "(pairs to validate on), not both"));
  int when = (1 << c->loss) | (o[O_VALIDATION].set || o[O_VALIDATION_SOURCE].text ? WITH_VALIDATION : 0);
  for (size_t k = 0; k < sizeof only_with / sizeof *only_with; k++) {
    int need = only_with[k].when;
    if (o[only_with[k].opt].set && !(when & need))
      return fail(
          c, SQLITE_ERROR,
          sqlite3_mprintf(OBJ ": option \"%s\" is only used with %s%s", bpr_options[only_with[k].opt].name,
                          only_with[k].where,
                          need == WITH_VALIDATION ? " (give \"validation\" or \"validation_source\")" : ""));
  }
  return SQLITE_OK;
}

/* The options given, for train_resolve (which holds the defaults). */
static void params_from_options(const opt_value *o, train_params *p) {
  static const struct {
    int opt;
    size_t off;
  } num[] = {
      {O_DIM, offsetof(train_params, dim)},
      {O_EPOCHS, offsetof(train_params, epochs)},
      {O_N_NEG, offsetof(train_params, n_neg)},
      {O_LR, offsetof(train_params, lr)},
      {O_LR_FINAL, offsetof(train_params, lr_final)},
      {O_REG, offsetof(train_params, reg)},
      {O_REG_BIAS, offsetof(train_params, reg_bias)},
      {O_INIT_STD, offsetof(train_params, init_std)},
      {O_BATCH, offsetof(train_params, batch)},
      {O_TAU, offsetof(train_params, tau)},
      {O_COSINE, offsetof(train_params, cosine)},
      {O_MARGIN, offsetof(train_params, margin)},
      {O_NEG_WEIGHT, offsetof(train_params, neg_weight)},
      {O_IN_BATCH, offsetof(train_params, in_batch)},
      {O_PROPAGATE, offsetof(train_params, propagate)},
      {O_ITEM_NORM, offsetof(train_params, item_norm)},
      {O_VALIDATION, offsetof(train_params, validation)},
      {O_VALIDATION_USERS, offsetof(train_params, validation_users)},
      {O_K, offsetof(train_params, k)},
      {O_EVAL_EVERY, offsetof(train_params, eval_every)},
      {O_PATIENCE, offsetof(train_params, patience)},
      {O_SMOOTH, offsetof(train_params, smooth)},
      {O_REFIT, offsetof(train_params, refit)},
      {O_THREADS, offsetof(train_params, threads)},
      {O_POWER, offsetof(train_params, power)},
  };
  train_params_init(p);
  for (size_t k = 0; k < sizeof num / sizeof *num; k++)
    if (o[num[k].opt].set) *(double *)((char *)p + num[k].off) = o[num[k].opt].num;
  if (o[O_METRIC].set) p->metric = strcmp(o[O_METRIC].text, "ndcg") == 0 ? TRAIN_NDCG : TRAIN_RECALL;
  if (o[O_SEED].set) p->seed = o[O_SEED].i64;
  if (o[O_DISTANCE].set) p->distance = strcmp(o[O_DISTANCE].text, "l2") == 0 ? TRIPLET_L2 : TRIPLET_COSINE;
  if (o[O_SEMI_HARD].set) p->semi_hard = o[O_SEMI_HARD].num;
  p->popularity = sampler_strategy_parse(o[O_SAMPLER].text) == SAMPLER_POPULARITY;
}

/* The source into c->pos (and the id maps), the exposures and validation pairs. */
static int read_data(call *c, sqlite3 *db) {
  pairs p = {0};
  c->users = idmap_new();
  c->items = idmap_new();
  if (!c->users || !c->items) return SQLITE_NOMEM;
  int rc = source_read_pairs(db, OBJ, c->source, c->users, c->items, &p, &c->err);
  if (rc == SQLITE_OK && p.n == 0) {
    c->err = sqlite3_mprintf(OBJ ": source \"%s\" has no (user, item) rows to train on", c->source);
    rc = c->err ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && csr_build(&c->pos, idmap_size(c->users), idmap_size(c->items), p.u, p.i, p.n))
    rc = SQLITE_NOMEM;
  pairs_free(&p);
  const opt_value *o = c->opt;
  if (rc == SQLITE_OK && o[O_EXPOSURES].text)
    rc = source_read_known_pairs(db, OBJ, "exposures", o[O_EXPOSURES].text, c->users, c->items, 0, &c->expo,
                                 &c->err);
  if (rc == SQLITE_OK && o[O_VALIDATION_SOURCE].text)
    rc = source_read_known_pairs(db, OBJ, "validation_source", o[O_VALIDATION_SOURCE].text, c->users,
                                 c->items, 0, &c->val, &c->err);
  return rc;
}

/* Live report for "verbose", on stderr. */
static void on_report(void *p, const train_event *e) {
  call *c = p;
  char val[96] = "";
  if (!isnan(e->metric))
    snprintf(val, sizeof val, "  %s@%u %.4f (best %.4f at epoch %u)", train_metric_names[c->plan.drv.metric],
             c->plan.drv.k, e->metric, c->res.best_metric, c->res.best_epoch);
  double left = e->epoch ? e->seconds / e->epoch * (e->epochs - e->epoch) : 0.0;
  fprintf(stderr, OBJ ": %s epoch %u/%u  loss %.4f%s  %.2fM samples/s  elapsed %.1fs  left %.1fs\n", e->phase,
          e->epoch, e->epochs, e->loss, val, e->seconds > 0 ? (double)e->samples / e->seconds / 1e6 : 0.0,
          e->seconds, left);
}

static int poll_interrupt(void *p) { return interrupt_poll(&((call *)p)->ic); }

/* An engine failure of train_run as an error the caller can act on. */
static int train_error(call *c, rs_status s) {
  const train_result *r = &c->res;
  switch (s) {
    case RS_DIVERGED: {
      double lr, init_std;
      train_plan_lr(&c->plan, &lr, &init_std);
      return fail(
          c, SQLITE_ERROR,
          sqlite3_mprintf(OBJ ": training diverged at epoch %u%s (the loss or the embeddings became NaN "
                              "or infinite); the model tables were not changed: lower \"lr\" (now %g) "
                              "or \"init_std\" (now %g)",
                          r->epochs, r->in_refit ? " of the refit" : "", lr, init_std));
    }
    case RS_TOOBIG:
      return fail(c, SQLITE_TOOBIG,
                  sqlite3_mprintf(OBJ ": source \"%s\" has %llu interactions, more than the %u one training "
                                      "run takes",
                                  c->source, (unsigned long long)c->pos.nnz, TRAINER_MAX_INTERACTIONS));
    case RS_INVALID: {
      char *src = sqlite3_mprintf("\"%s\"", c->source), *why = src ? sqlite3_mprintf(r->invalid, src) : NULL;
      sqlite3_free(src);
      char *msg = why ? sqlite3_mprintf(OBJ ": %s", why) : NULL;
      sqlite3_free(why);
      return fail(c, SQLITE_ERROR, msg);
    }
    case RS_STOPPED: return SQLITE_INTERRUPT;
    default: return status_to_sqlite(s);
  }
}

static int train(call *c, sqlite3 *db) {
  train_params p;
  params_from_options(c->opt, &p);
  train_resolve(c->loss, &p, idmap_size(c->items), &c->plan);
  train_data d = {&c->pos, c->opt[O_VALIDATION_SOURCE].text ? &c->val : NULL, c->strategy, c->plan.power,
                  c->opt[O_EXPOSURES].text ? &c->expo : NULL};
  int rc = interrupt_init(&c->ic, db);
  if (rc) return rc;
  progress_init(&c->prog, poll_interrupt, c);
  rs_status s = train_run(&c->plan.drv, &d, &c->prog, c->opt[O_VERBOSE].num ? on_report : NULL, c, &c->res);
  return s ? train_error(c, s) : SQLITE_OK;
}

/* A number for JSON: null when not finite (JSON has no NaN). */
static void json_num(char *buf, size_t n, double x) {
  if (isfinite(x))
    snprintf(buf, n, "%.6f", x);
  else
    snprintf(buf, n, "null");
}

/* The validation part of the summary: ,"validation":{...} or "". */
static char *validation_json(const call *c) {
  const train_result *r = &c->res;
  const train_config *cfg = &c->plan.drv;
  if (!r->n_curve) return sqlite3_mprintf("%s", "");
  const char *m = train_metric_names[cfg->metric];
  char *curve = sqlite3_mprintf("%s", "");
  for (uint32_t k = 0; k < r->n_curve && curve; k++) {
    char l[32], v[32];
    json_num(l, sizeof l, r->curve[k].loss);
    json_num(v, sizeof v, r->curve[k].metric);
    char *next = sqlite3_mprintf("%s%s{\"epoch\":%u,\"loss\":%s,\"%s\":%s,\"seconds\":%.3f}", curve,
                                 k ? "," : "", r->curve[k].epoch, l, m, v, r->curve[k].seconds);
    sqlite3_free(curve);
    curve = next;
  }
  if (!curve) return NULL;
  char best[32], bests[32];
  json_num(best, sizeof best, r->best_metric);
  json_num(bests, sizeof bests, r->best_smoothed);
  char *out = sqlite3_mprintf(
      ",\"validation\":{\"pairs\":%llu,\"users\":%u,\"train_pairs\":%llu,\"metric\":\"%s\",\"k\":%u,"
      "\"smooth\":%u,\"best_epoch\":%u,\"best\":%s,\"best_smoothed\":%s,\"stopped_early\":%s,\"refit_"
      "epochs\":%u,"
      "\"curve\":[%s]}",
      (unsigned long long)r->validation_pairs, r->validation_users, (unsigned long long)r->train_pairs, m,
      cfg->k, cfg->smooth, r->best_epoch, best, bests, r->stopped_early ? "true" : "false", r->refit_epochs,
      curve);
  sqlite3_free(curve);
  return out;
}

/* The JSON summary, built before the tables are written (afterwards
** nothing may fail). */
static int make_summary(call *c) {
  const train_result *r = &c->res;
  char *ju = json_quote_text(c->t_users), *ji = json_quote_text(c->t_items), *jv = validation_json(c);
  char loss[32];
  json_num(loss, sizeof loss, r->final_loss);
  if (ju && ji && jv)
    c->summary = sqlite3_mprintf(
        "{\"loss\":\"%s\",\"users\":%u,\"items\":%u,\"interactions\":%llu,\"dim\":%u,\"epochs\":%u,"
        "\"samples\":%llu,\"seconds\":%.3f,\"final_loss\":%s,\"samples_per_second\":%.0f,\"threads\":%d,"
        "\"tables\":[%s,%s]%s}",
        train_family_names[c->loss], idmap_size(c->users), idmap_size(c->items),
        (unsigned long long)c->pos.nnz, r->model.dim, r->epochs, (unsigned long long)r->samples, r->seconds,
        loss, r->seconds > 0 ? r->samples / r->seconds : 0.0, c->plan.drv.threads, ju, ji, jv);
  sqlite3_free(ju);
  sqlite3_free(ji);
  sqlite3_free(jv);
  return c->summary ? SQLITE_OK : SQLITE_NOMEM;
}

/* Both tables in one savepoint: all or nothing. */
static int write_model(call *c, sqlite3 *db) {
  const bpr_model *m = &c->res.model;
  model_write mw;
  int rc = model_write_begin(db, &mw);
  if (rc) return rc;
  rc = model_replace_table(db, OBJ, c->t_users, "id PRIMARY KEY, emb BLOB", &c->err);
  if (rc == SQLITE_OK)
    rc = model_replace_table(db, OBJ, c->t_items, "id PRIMARY KEY, emb BLOB, bias REAL", &c->err);
  if (rc == SQLITE_OK)
    rc = model_insert_embeddings(db, OBJ, c->t_users, c->users, m->user, m->dim, NULL, &c->err);
  if (rc == SQLITE_OK)
    rc = model_insert_embeddings(db, OBJ, c->t_items, c->items, m->item, m->dim, m->bias, &c->err);
  int rc2 = model_write_end(db, &mw, rc == SQLITE_OK);
  if (rc == SQLITE_OK && rc2 != SQLITE_OK) {
    rc = rc2;
    c->err = sqlite3_mprintf(OBJ ": cannot commit the model tables: %s", sqlite3_errmsg(db));
  } else if (rc2 == SQLITE_NOMEM || rc2 == SQLITE_INTERRUPT) {
    rc = rc2; /* SQLite rolled the transaction back */
  }
  return rc;
}

static void fn_bpr_train(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  call c;
  memset(&c, 0, sizeof c);
  int rc = parse_args(&c, db, argc, argv);
  if (rc == SQLITE_OK) rc = check_options(&c);
  if (rc == SQLITE_OK) rc = model_check_writable(db, OBJ, &c.err);
  if (rc == SQLITE_OK) rc = read_data(&c, db);
  if (rc == SQLITE_OK) rc = train(&c, db);
  if (rc == SQLITE_OK) rc = make_summary(&c);
  if (rc == SQLITE_OK) rc = write_model(&c, db);
  if (rc == SQLITE_OK) {
    sqlite3_result_text(ctx, c.summary, -1, sqlite3_free);
    c.summary = NULL;
  } else if (rc == SQLITE_INTERRUPT && !c.err) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  } else {
    result_error_free(ctx, rc, c.err);
    c.err = NULL;
  }
  sqlite3_free(c.err);
  call_free(&c);
}

int recsql_register_bpr_train(sqlite3 *db) {
  int rc = sqlite3_create_function_v2(db, "bpr_train", 3, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_bpr_train,
                                      NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "bpr_train", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_bpr_train,
                                    NULL, NULL, NULL);
  return rc;
}
