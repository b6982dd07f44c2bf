/*
** bpr_train(source, model, options): matrix factorization with the BPR loss,
** trained in the database.
**
**   SELECT bpr_train('train', 'm', json_object('dim', 64, 'epochs', 100));
**
** Reads (user, item) pairs from source, trains (src/bpr.c), and writes
**   <model>_users(id PRIMARY KEY, emb BLOB)
**   <model>_items(id PRIMARY KEY, emb BLOB, bias REAL)
** replacing them in one savepoint, only when training succeeded. Returns a
** JSON summary. Score of (u, i) = embed_dot(user emb, item emb) + bias.
** Options are documented in docs/bpr_train.md and in bpr_options below.
**
** It must be called as a bare SELECT (see model_write.c); it honours
** sqlite3_interrupt within a fraction of a second, leaving the database as
** it was; with "verbose" it reports each epoch on stderr.
*/
#include <stdio.h>
#include <string.h>

#include "../src/bpr.h"
#include "../src/contrastive.h"
#include "../src/csr.h"
#include "../src/parallel.h"
#include "../src/pointwise.h"
#include "../src/propagate.h"
#include "../src/sampler.h"
#include "../src/triplet.h"
#include "../src/vec.h"
#include "common.h"

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
  O_DISTANCE,
  O_SEMI_HARD,
  O_COUNT
};

static const char *const loss_names[] = {"bpr", "softmax", "ccl", "bce", "triplet", NULL};
enum { LOSS_BCE = 3, LOSS_TRIPLET = 4 }; /* per-example SGD: src/pointwise.c, src/triplet.c */
static const char *const distance_names[] = {"cosine", "l2", NULL};

/* The defaults that depend on the loss, indexed by loss (0 bpr, CL_SOFTMAX,
** CL_CCL); docs/bpr_train.md gives the measurements behind them. The
** options table holds bpr's. */
static const struct {
  int dim, epochs, n_neg, propagate;
  double lr, reg, item_norm;
} loss_defaults[5] = {[0] = {64, 100, 4, 0, 0.1, 0.005, 0.0},
                      [CL_SOFTMAX] = {128, 100, 512, 1, 0.004, 0.0, 0.25},
                      [CL_CCL] = {64, 100, 256, 1, 0.01, 0.0, 0.25},
                      [LOSS_BCE] = {64, 100, 4, 0, 0.1, 0.005, 0.0},
                      [LOSS_TRIPLET] = {64, 100, 16, 0, 0.1, 0.0, 0.0}};
#define TRIPLET_MARGIN 0.5 /* the default margin of loss 'triplet' (ccl's is the option table's) */

static const opt_spec bpr_options[O_COUNT] = {
    [O_DIM] = {"dim", OPT_INT, 64, 1, 4096, NULL, NULL},
    [O_EPOCHS] = {"epochs", OPT_INT, 100, 1, 1000000, NULL, NULL},
    [O_LR] = {"lr", OPT_REAL, 0.1, 1e-9, 10, NULL, NULL},
    [O_LR_FINAL] = {"lr_final", OPT_REAL, 0.1, 0, 1, NULL, NULL},
    [O_REG] = {"reg", OPT_REAL, 0.005, 0, 100, NULL, NULL},
    [O_REG_BIAS] = {"reg_bias", OPT_REAL, 0, 0, 100, NULL, NULL},
    [O_N_NEG] = {"n_neg", OPT_INT, 4, 1, 10000, NULL, NULL},
    [O_SAMPLER] = {"sampler", OPT_TEXT, 0, 0, 0, "uniform", sampler_strategy_names},
    [O_POWER] = {"power", OPT_REAL, 0.75, -10, 10, NULL, NULL},
    [O_EXPOSURES] = {"exposures", OPT_TEXT, 0, 0, 0, NULL, NULL},
    [O_INIT_STD] = {"init_std", OPT_REAL, 0.1, 0, 10, NULL, NULL},
    [O_THREADS] = {"threads", OPT_INT, 0, 1, 1024, NULL, NULL},
    [O_SEED] = {"seed", OPT_INT, 0, -9.2e18, 9.2e18, NULL, NULL},
    [O_VERBOSE] = {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL},
    [O_LOSS] = {"loss", OPT_TEXT, 0, 0, 0, "bpr", loss_names},
    [O_BATCH] = {"batch", OPT_INT, 1024, 1, 1000000, NULL, NULL},
    [O_TAU] = {"tau", OPT_REAL, 0.07, 1e-4, 100, NULL, NULL},
    [O_COSINE] = {"cosine", OPT_BOOL, 1, 0, 1, NULL, NULL},
    [O_MARGIN] = {"margin", OPT_REAL, 0.3, -1, 1, NULL, NULL},
    [O_NEG_WEIGHT] = {"neg_weight", OPT_REAL, 150, 0, 1e6, NULL, NULL},
    [O_IN_BATCH] = {"in_batch", OPT_BOOL, 0, 0, 1, NULL, NULL},
    [O_PROPAGATE] = {"propagate", OPT_INT, 0, 0, 16, NULL, NULL},
    [O_ITEM_NORM] = {"item_norm", OPT_REAL, 0, 0, 1, NULL, NULL},
    [O_DISTANCE] = {"distance", OPT_TEXT, 0, 0, 0, "cosine", distance_names},
    [O_SEMI_HARD] = {"semi_hard", OPT_BOOL, 0, 0, 1, NULL, NULL},
};

typedef struct train_ctx train_ctx;
struct train_ctx {
  interrupt_check ic;
  int verbose;
  uint32_t epochs;
};

static int poll_interrupt(void *p) { return interrupt_poll(&((train_ctx *)p)->ic); }

/* Per-epoch report on stderr: epoch, loss, rate, elapsed, time left. */
static int on_epoch(void *p, uint32_t epoch, double loss, double seconds, uint64_t samples) {
  train_ctx *t = p;
  if (t->verbose) {
    double left = seconds / epoch * (t->epochs - epoch);
    fprintf(stderr, "bpr_train: epoch %u/%u  loss %.4f  %.2fM samples/s  elapsed %.1fs  left %.1fs\n", epoch,
            t->epochs, loss, seconds > 0 ? (double)samples / seconds / 1e6 : 0.0, seconds, left);
  }
  return interrupt_poll(&t->ic);
}

/* Reads the exposures source into a user -> item CSR (users and items
** outside the training source are ignored). */
static int read_exposures(sqlite3 *db, const char *src, const idmap *users, const idmap *items, csr *out,
                          char **err) {
  sqlite3_stmt *stmt;
  int rc = source_prepare(db, "bpr_train", src, 2, &stmt, err);
  if (rc) return rc;
  pairs p = {0};
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    int64_t u = source_id_find(users, stmt, 0), i = source_id_find(items, stmt, 1);
    if (u < 0 || i < 0) continue;
    if ((rc = pairs_push(&p, (uint32_t)u, (uint32_t)i)) != SQLITE_OK) break;
  }
  if (rc == SQLITE_DONE) {
    rc = csr_build(out, idmap_size(users), idmap_size(items), p.u, p.i, p.n) ? SQLITE_NOMEM : SQLITE_OK;
  } else if (rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT) {
    *err = sqlite3_mprintf("bpr_train: reading exposures \"%s\": %s", src, sqlite3_errmsg(db));
  }
  pairs_free(&p);
  sqlite3_finalize(stmt);
  return rc;
}

/* Trains loss 'bce' or 'triplet' (per-example SGD, src/sgd.c). */
static rs_status train_per_example(int loss, const opt_value *opt, const bpr_config *cfg, const sampler *smp,
                                   progress *prog, train_ctx *tc, bpr_model *model, bpr_stats *st) {
  sgd_config sc = {cfg->dim,      cfg->epochs,   opt[O_LR].set ? cfg->lr : (float)loss_defaults[loss].lr,
                   cfg->lr_final, cfg->init_std, cfg->threads,
                   cfg->seed};
  uint32_t n_neg = opt[O_N_NEG].set ? cfg->n_neg : (uint32_t)loss_defaults[loss].n_neg;
  float reg = opt[O_REG].set ? cfg->reg : (float)loss_defaults[loss].reg;
  if (loss == LOSS_BCE) {
    pointwise_config pc = {sc, n_neg, reg, cfg->reg_bias};
    return pointwise_train(&pc, smp, prog, on_epoch, tc, model, st);
  }
  triplet_config tr = {sc,
                       strcmp(opt[O_DISTANCE].text, "l2") == 0 ? TRIPLET_L2 : TRIPLET_COSINE,
                       (float)(opt[O_MARGIN].set ? opt[O_MARGIN].num : TRIPLET_MARGIN),
                       n_neg,
                       opt[O_SEMI_HARD].set ? opt[O_SEMI_HARD].num != 0 : 1, /* on by default */
                       reg};
  return triplet_train(&tr, smp, prog, on_epoch, tc, model, st);
}

static void fn_bpr_train(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  opt_value opt[O_COUNT];
  memset(opt, 0, sizeof opt);
  idmap *users = NULL, *items = NULL;
  csr pos = {0}, expo = {0};
  sampler smp;
  memset(&smp, 0, sizeof smp);
  bpr_model model;
  memset(&model, 0, sizeof model);
  train_ctx tc;
  memset(&tc, 0, sizeof tc);
  char *err = NULL, *t_users = NULL, *t_items = NULL, *summary = NULL;
  pairs p = {0};
  int rc = SQLITE_OK;

  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    err = sqlite3_mprintf("bpr_train: source must be a table name, view name or SELECT text, got %s",
                          value_type_name(sqlite3_value_type(argv[0])));
    rc = SQLITE_ERROR;
    goto done;
  }
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || sqlite3_value_bytes(argv[1]) == 0) {
    err = sqlite3_mprintf(
        "bpr_train: model must be a non-empty name (tables <model>_users and "
        "<model>_items are written), got %s",
        sqlite3_value_type(argv[1]) == SQLITE_TEXT ? "''" : value_type_name(sqlite3_value_type(argv[1])));
    rc = SQLITE_ERROR;
    goto done;
  }
  const char *source = (const char *)sqlite3_value_text(argv[0]);
  const char *model_name = (const char *)sqlite3_value_text(argv[1]);
  int ot = argc > 2 ? sqlite3_value_type(argv[2]) : SQLITE_NULL;
  if (ot != SQLITE_NULL && ot != SQLITE_TEXT) {
    err = sqlite3_mprintf("bpr_train: options must be a JSON object text such as '{\"dim\": 64}', got %s",
                          value_type_name(ot));
    rc = SQLITE_ERROR;
    goto done;
  }
  rc = options_parse(db, "bpr_train", ot == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[2]) : NULL,
                     bpr_options, O_COUNT, opt, &err);
  if (rc) goto done;
  int strategy = sampler_strategy_parse(opt[O_SAMPLER].text);
  if (strategy == SAMPLER_EXPOSURE && !opt[O_EXPOSURES].text) {
    err = sqlite3_mprintf(
        "bpr_train: sampler 'exposure' needs the option \"exposures\" (a source of "
        "shown-but-not-clicked (user, item) pairs)");
    rc = SQLITE_ERROR;
    goto done;
  }
  if (strategy != SAMPLER_EXPOSURE && opt[O_EXPOSURES].text) {
    err = sqlite3_mprintf("bpr_train: option \"exposures\" is only used with sampler 'exposure'");
    rc = SQLITE_ERROR;
    goto done;
  }
  int loss = 0;
  while (strcmp(loss_names[loss], opt[O_LOSS].text)) loss++;
  if ((loss == CL_SOFTMAX || loss == CL_CCL) && strategy != SAMPLER_UNIFORM &&
      strategy != SAMPLER_POPULARITY) {
    err = sqlite3_mprintf(
        "bpr_train: loss '%s' draws shared negatives per batch: sampler must be 'uniform' or "
        "'popularity', got '%s'",
        opt[O_LOSS].text, opt[O_SAMPLER].text);
    rc = SQLITE_ERROR;
    goto done;
  }
  {
    /* Options of one loss given with another are mistakes, not silently ignored. */
    static const struct {
      int opt, losses; /* bit 0: bpr, bit 1: softmax, bit 2: ccl, bit 3: bce, bit 4: triplet */
      const char *where;
    } only[] = {
        {O_BATCH, 6, "loss 'softmax' or 'ccl'"},
        {O_COSINE, 6, "loss 'softmax' or 'ccl'"},
        {O_TAU, 2, "loss 'softmax'"},
        {O_MARGIN, 20, "loss 'ccl' or 'triplet'"},
        {O_DISTANCE, 16, "loss 'triplet'"},
        {O_SEMI_HARD, 16, "loss 'triplet'"},
        {O_NEG_WEIGHT, 4, "loss 'ccl'"},
        {O_IN_BATCH, 6, "loss 'softmax' or 'ccl'"},
    };
    for (size_t k = 0; k < sizeof only / sizeof *only; k++)
      if (opt[only[k].opt].set && !(only[k].losses & (1 << loss))) {
        err = sqlite3_mprintf("bpr_train: option \"%s\" is only used with %s", bpr_options[only[k].opt].name,
                              only[k].where);
        rc = SQLITE_ERROR;
        goto done;
      }
  }
  t_users = sqlite3_mprintf("%s_users", model_name);
  t_items = sqlite3_mprintf("%s_items", model_name);
  if (!t_users || !t_items) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  if ((rc = model_check_writable(db, "bpr_train", &err)) != SQLITE_OK) goto done;

  users = idmap_new();
  items = idmap_new();
  if (!users || !items) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  if ((rc = source_read_pairs(db, "bpr_train", source, users, items, &p, &err)) != SQLITE_OK) goto done;
  if (p.n == 0) {
    err = sqlite3_mprintf("bpr_train: source \"%s\" has no (user, item) rows to train on", source);
    rc = SQLITE_ERROR;
    goto done;
  }
  if (csr_build(&pos, idmap_size(users), idmap_size(items), p.u, p.i, p.n)) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  pairs_free(&p);
  if (opt[O_EXPOSURES].text &&
      (rc = read_exposures(db, opt[O_EXPOSURES].text, users, items, &expo, &err)) != SQLITE_OK)
    goto done;
  if (sampler_init(&smp, (sampler_strategy)strategy, &pos, idmap_size(items), opt[O_POWER].num,
                   opt[O_EXPOSURES].text ? &expo : NULL)) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  if (smp.n_active == 0) {
    err = sqlite3_mprintf(
        "bpr_train: no user of \"%s\" has an item left to use as a negative "
        "(every user interacted with every item)",
        source);
    rc = SQLITE_ERROR;
    goto done;
  }

  bpr_config cfg;
  cfg.dim = (uint32_t)(opt[O_DIM].set ? opt[O_DIM].num : loss_defaults[loss].dim);
  uint32_t layers = (uint32_t)(opt[O_PROPAGATE].set ? opt[O_PROPAGATE].num : loss_defaults[loss].propagate);
  cfg.epochs = (uint32_t)opt[O_EPOCHS].num;
  cfg.n_neg = (uint32_t)opt[O_N_NEG].num;
  cfg.lr = (float)opt[O_LR].num;
  cfg.lr_final = (float)opt[O_LR_FINAL].num;
  cfg.reg = (float)opt[O_REG].num;
  cfg.reg_bias = (float)opt[O_REG_BIAS].num;
  cfg.init_std = (float)opt[O_INIT_STD].num;
  cfg.threads = opt[O_THREADS].set ? (int)opt[O_THREADS].num : parallel_cores();
  cfg.seed = (uint64_t)(int64_t)opt[O_SEED].num;
  if ((rc = interrupt_init(&tc.ic, db)) != SQLITE_OK) goto done;
  tc.verbose = opt[O_VERBOSE].num != 0;
  tc.epochs = cfg.epochs;
  progress prog;
  progress_init(&prog, poll_interrupt, &tc);
  bpr_stats st;
  int r;
  if (loss == LOSS_BCE || loss == LOSS_TRIPLET) {
    rs_status s = train_per_example(loss, opt, &cfg, &smp, &prog, &tc, &model, &st);
    if (s == RS_DIVERGED) {
      err = sqlite3_mprintf("bpr_train: loss '%s' diverged (the loss is no longer finite): lower \"lr\"",
                            opt[O_LOSS].text);
      rc = SQLITE_ERROR;
      goto done;
    }
    r = s == RS_OK ? 0 : s == RS_STOPPED ? 1 : -1;
  } else if (!loss) {
    r = bpr_train(&cfg, &smp, &prog, on_epoch, &tc, &model, &st);
  } else {
    contrastive_config cc;
    memset(&cc, 0, sizeof cc);
    cc.loss = (contrastive_loss)loss;
    cc.dim = cfg.dim;
    cc.epochs = opt[O_EPOCHS].set ? cfg.epochs : (uint32_t)loss_defaults[loss].epochs;
    tc.epochs = cc.epochs;
    cc.batch = (uint32_t)opt[O_BATCH].num;
    cc.n_neg = opt[O_N_NEG].set ? cfg.n_neg : (uint32_t)loss_defaults[loss].n_neg;
    cc.lr = opt[O_LR].set ? cfg.lr : (float)loss_defaults[loss].lr;
    cc.lr_final = cfg.lr_final;
    cc.reg = opt[O_REG].set ? cfg.reg : (float)loss_defaults[loss].reg;
    cc.tau = (float)opt[O_TAU].num;
    cc.cosine = opt[O_COSINE].num != 0;
    cc.margin = (float)opt[O_MARGIN].num;
    cc.neg_weight = (float)opt[O_NEG_WEIGHT].num;
    cc.popularity = strategy == SAMPLER_POPULARITY;
    cc.in_batch = opt[O_IN_BATCH].num != 0;
    cc.power = opt[O_POWER].num;
    cc.init_std = cfg.init_std;
    cc.threads = cfg.threads;
    cc.seed = cfg.seed;
    r = contrastive_train(&cc, &smp, &prog, on_epoch, &tc, &model, &st);
  }
  if (r < 0) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  if (r > 0) {
    rc = SQLITE_INTERRUPT;
    goto done;
  }

  if (layers > 0 && propagate(&pos, model.user, model.item, model.dim, layers,
                              loss == CL_CCL || (loss == CL_SOFTMAX && opt[O_COSINE].num != 0) ||
                                  (loss == LOSS_TRIPLET && strcmp(opt[O_DISTANCE].text, "cosine") == 0))) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  vec_rows_norm_pow(model.item, model.n_items, model.dim,
                    opt[O_ITEM_NORM].set ? opt[O_ITEM_NORM].num : loss_defaults[loss].item_norm);

  /* The summary first: once the tables are committed, nothing may fail. */
  char *ju = json_quote_text(t_users), *ji = json_quote_text(t_items);
  if (ju && ji)
    summary = sqlite3_mprintf(
        "{\"loss\":\"%s\",\"users\":%u,\"items\":%u,\"interactions\":%llu,\"dim\":%u,\"epochs\":%u,"
        "\"samples\":%llu,"
        "\"seconds\":%.3f,\"final_loss\":%.6f,\"samples_per_second\":%.0f,\"threads\":%d,"
        "\"tables\":[%s,%s]}",
        opt[O_LOSS].text, idmap_size(users), idmap_size(items), (unsigned long long)pos.nnz, cfg.dim,
        st.epochs, (unsigned long long)st.samples, st.seconds, st.final_loss,
        st.seconds > 0 ? st.samples / st.seconds : 0.0, cfg.threads, ju, ji);
  sqlite3_free(ju);
  sqlite3_free(ji);
  if (!summary) {
    rc = SQLITE_NOMEM;
    goto done;
  }

  model_write mw;
  if ((rc = model_write_begin(db, &mw)) != SQLITE_OK) goto done;
  rc = model_replace_table(db, "bpr_train", t_users, "id PRIMARY KEY, emb BLOB", &err);
  if (rc == SQLITE_OK)
    rc = model_replace_table(db, "bpr_train", t_items, "id PRIMARY KEY, emb BLOB, bias REAL", &err);
  if (rc == SQLITE_OK)
    rc = model_insert_embeddings(db, "bpr_train", t_users, users, model.user, model.dim, NULL, &err);
  if (rc == SQLITE_OK)
    rc = model_insert_embeddings(db, "bpr_train", t_items, items, model.item, model.dim, model.bias, &err);
  int rc2 = model_write_end(db, &mw, rc == SQLITE_OK);
  if (rc == SQLITE_OK && rc2 != SQLITE_OK) {
    rc = rc2;
    err = sqlite3_mprintf("bpr_train: cannot commit the model tables: %s", sqlite3_errmsg(db));
  } else if (rc2 == SQLITE_NOMEM || rc2 == SQLITE_INTERRUPT) {
    rc = rc2; /* SQLite rolled the transaction back */
  }

done:
  if (rc == SQLITE_OK) {
    sqlite3_result_text(ctx, summary, -1, sqlite3_free);
    summary = NULL;
  } else if (rc == SQLITE_INTERRUPT && !err) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  } else {
    result_error_free(ctx, rc, err);
    err = NULL;
  }
  sqlite3_free(summary);
  interrupt_free(&tc.ic);
  bpr_model_free(&model);
  sampler_free(&smp);
  csr_free(&pos);
  csr_free(&expo);
  pairs_free(&p);
  idmap_free(users);
  idmap_free(items);
  options_free(opt, O_COUNT);
  sqlite3_free(t_users);
  sqlite3_free(t_items);
}

int recsql_register_bpr_train(sqlite3 *db) {
  int rc = sqlite3_create_function_v2(db, "bpr_train", 3, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_bpr_train,
                                      NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "bpr_train", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_bpr_train,
                                    NULL, NULL, NULL);
  return rc;
}
