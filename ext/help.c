/*
** help: recsql_help, the options of every object from the tables that
** check them (options.h), so the sqlite3 shell user never needs the docs
** open.
**
**   SELECT * FROM recsql_help;                 -- one row per SQL object
**   SELECT * FROM recsql_help('swing_sim');    -- its arguments and options
**
** Columns: object, name, type, "default", range, description; hidden
** argument: target. Without target, one row per object: name is NULL, type
** its kind (function, aggregate, table-valued function, virtual table) and
** description its call and what it does. With target, the object's row
** and then one row per argument or option, in the order the object takes
** them: type (INTEGER, REAL, BOOLEAN, TEXT, SOURCE), default (NULL when
** there is none or it is computed: see description), range (as the error
** messages say it) and a one-line description.
**
** How it works: xFilter builds the rows into an array of text cells;
** xNext walks it. The registry below is the list of objects: an object
** whose option table lives in its own file exposes it as
** `const opt_spec *<object>_specs(int *n)` (declared in common.h) and is
** listed here with it; one line per object.
*/
#include <string.h>

#include "../src/suggest.h"
#include "common.h"

typedef struct help_entry help_entry;
struct help_entry {
  const char *name, *kind, *usage, *summary;
  const opt_spec *(*specs)(int *n); /* NULL: no options, or not listed yet */
};

/* The objects, in the order of the docs. knn_index keeps its option table
** in its own file: add knn_index_specs there and name it here. */
static const help_entry registry[] = {
    {"neg_samples", "table-valued function", "neg_samples(source, n_neg, strategy, seed, power, exposures)",
     "negative samples: (user, pos_item, neg_item) rows", neg_samples_specs},
    {"bpr_train", "function", "bpr_train(source, model, options)",
     "trains embeddings, writes <model>_users and <model>_items; options: docs/bpr_train.md",
     bpr_train_specs},
    {"recommend", "table-valued function", "recommend(users, items, k, exclude)",
     "exact top-k items per user by inner product (+ bias): (user, item, score, rank) rows", recommend_specs},
    {"knn_index", "virtual table", "CREATE VIRTUAL TABLE name USING knn_index(dim=64, metric=ip, ...)",
     "vector index (flat or HNSW) queried by MATCH and k; options: docs/knn_index.md", NULL},
    {"swing_sim", "table-valued function", "swing_sim(source, alpha, top_n, ...)",
     "Swing item-item similarity: (item_a, item_b, score) rows", swing_sim_specs},
    {"itemcf_sim", "table-valued function", "itemcf_sim(source, top_n, method, ...)",
     "item-based CF similarity: (item_a, item_b, score) rows", itemcf_sim_specs},
    {"ease_train", "function", "ease_train(source, model, options)",
     "EASE item-item weights, writes <model>_sim(item_a, item_b, weight)", ease_train_specs},
    {"i2i_recommend", "table-valued function", "i2i_recommend(history, sim, k, options)",
     "top-k items per user from an item-item table: (user, item, score, rank) rows", i2i_recommend_specs},
    {"item2vec_train", "function", "item2vec_train(source, model, options)",
     "item2vec / EGES from behavior sequences: writes <model>_items (and _fields, _weights)",
     item2vec_train_specs},
    {"auto_train", "function", "auto_train(source, model, options)",
     "tries the model families on a validation split, refits the best; returns JSON with \"recommend\"",
     auto_train_specs},
    {"embed", "function", "embed(x)", "float32 BLOB of a JSON array text (or the validated BLOB)", NULL},
    {"embed_json", "function", "embed_json(e)", "JSON array text of an embedding", NULL},
    {"embed_dim", "function", "embed_dim(e)", "dimension of an embedding", NULL},
    {"embed_dot", "function", "embed_dot(a, b)", "inner product", NULL},
    {"embed_cosine", "function", "embed_cosine(a, b)", "cosine similarity", NULL},
    {"embed_l2", "function", "embed_l2(a, b)", "Euclidean distance", NULL},
    {"embed_norm", "function", "embed_norm(e)", "Euclidean norm", NULL},
    {"embed_normalize", "function", "embed_normalize(e)", "the embedding scaled to unit length", NULL},
    {"embed_quantize_int8", "function", "embed_quantize_int8(e [, scale])",
     "int8 codes and their scale of a float32 embedding", NULL},
    {"embed_dequantize", "function", "embed_dequantize(q)", "float32 embedding of int8 codes and their scale",
     NULL},
    {"embed_avg", "aggregate", "embed_avg(e)", "mean of the group's embeddings", NULL},
    {"auc", "aggregate", "auc(score, label)", "ROC AUC of the group", NULL},
    {"gauc", "aggregate", "gauc(grp, score, label)", "AUC per grp, weighted by the groups' rows", NULL},
    {"recall_at_k", "aggregate", "recall_at_k(score, label, k)", "hits in the top k / positives",
     metrics_specs},
    {"precision_at_k", "aggregate", "precision_at_k(score, label, k)", "hits in the top k / k",
     metrics_specs},
    {"hit_rate_at_k", "aggregate", "hit_rate_at_k(score, label, k)", "1.0 when a positive is in the top k",
     metrics_specs},
    {"ndcg_at_k", "aggregate", "ndcg_at_k(score, label, k)", "DCG@k / ideal DCG", metrics_specs},
    {"average_precision", "aggregate", "average_precision(score, label)",
     "average precision of the group (scikit-learn's definition)", NULL},
    {"cost_recall_at_k", "aggregate", "cost_recall_at_k(score, label, cost, k)",
     "positives' cost in the top k / their total cost", metrics_specs},
    {"roc_curve", "table-valued function", "roc_curve(source, points)", "ROC curve rows: (threshold, fpr, tpr)",
     NULL},
    {"pr_curve", "table-valued function", "pr_curve(source, points)",
     "precision-recall curve rows: (threshold, precision, recall)", NULL},
    {"mrr", "aggregate", "mrr(score, label)", "1 / rank of the best-ranked positive", NULL},
    {"recsql_help", "table-valued function", "recsql_help(target)", "this table", NULL},
    {"recsql_version", "function", "recsql_version()", "the extension's version", NULL},
    {"recsql_debug", "function", "recsql_debug()", "build and runtime facts for bug reports", NULL},
};
#define N_REGISTRY (int)(sizeof registry / sizeof *registry)

enum { H_OBJECT, H_NAME, H_TYPE, H_DEFAULT, H_RANGE, H_DESCRIPTION, H_NCOLS, H_TARGET = H_NCOLS };

typedef struct help_cursor help_cursor;
struct help_cursor {
  sqlite3_vtab_cursor base;
  char **cell; /* n_rows x H_NCOLS, each sqlite3_malloc'd or NULL */
  int n_rows, cap, row;
};

static int help_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                        char **err) {
  (void)aux;
  (void)argc;
  (void)argv;
  (void)err;
  return tvf_connect(db, "CREATE TABLE x(object, name, type, \"default\", range, description, target HIDDEN)",
                     sizeof(sqlite3_vtab), SQLITE_VTAB_INNOCUOUS, out);
}

static void help_clear(help_cursor *c) {
  for (int k = 0; k < c->n_rows * H_NCOLS; k++) sqlite3_free(c->cell[k]);
  sqlite3_free(c->cell);
  c->cell = NULL;
  c->n_rows = c->cap = c->row = 0;
}

static int help_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  return tvf_open(sizeof(help_cursor), out);
}

static int help_close(sqlite3_vtab_cursor *cur) {
  help_clear((help_cursor *)cur);
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* Appends a row; takes the cells (NULL = SQL NULL). SQLITE_NOMEM frees them. */
static int help_push(help_cursor *c, char *cells[H_NCOLS]) {
  if (c->n_rows == c->cap) {
    int cap = c->cap ? c->cap * 2 : 32;
    char **cell = sqlite3_realloc64(c->cell, sizeof(char *) * (size_t)cap * H_NCOLS);
    if (!cell) {
      for (int k = 0; k < H_NCOLS; k++) sqlite3_free(cells[k]);
      return SQLITE_NOMEM;
    }
    c->cell = cell;
    c->cap = cap;
  }
  memcpy(c->cell + (size_t)c->n_rows * H_NCOLS, cells, sizeof(char *) * H_NCOLS);
  c->n_rows++;
  return SQLITE_OK;
}

static const char *type_name(opt_type t) {
  switch (t) {
    case OPT_INT: return "INTEGER";
    case OPT_REAL: return "REAL";
    case OPT_BOOL: return "BOOLEAN";
    case OPT_TEXT: return "TEXT";
    default: return "SOURCE";
  }
}

/* The row of an object. */
static int push_object(help_cursor *c, const help_entry *e) {
  char *cells[H_NCOLS] = {0};
  cells[H_OBJECT] = sqlite3_mprintf("%s", e->name);
  cells[H_TYPE] = sqlite3_mprintf("%s", e->kind);
  cells[H_DESCRIPTION] = sqlite3_mprintf("%s: %s", e->usage, e->summary);
  if (!cells[H_OBJECT] || !cells[H_TYPE] || !cells[H_DESCRIPTION]) {
    for (int k = 0; k < H_NCOLS; k++) sqlite3_free(cells[k]);
    return SQLITE_NOMEM;
  }
  return help_push(c, cells);
}

/* The rows of an object's options. */
static int push_options(help_cursor *c, const help_entry *e) {
  int n = 0;
  const opt_spec *sp = e->specs ? e->specs(&n) : NULL;
  for (int k = 0; k < n; k++) {
    char *cells[H_NCOLS] = {0};
    int rc = option_default_text(&sp[k], &cells[H_DEFAULT]);
    cells[H_OBJECT] = sqlite3_mprintf("%s", e->name);
    cells[H_NAME] = sqlite3_mprintf("%s", sp[k].name);
    cells[H_TYPE] = sqlite3_mprintf("%s", type_name(sp[k].type));
    cells[H_RANGE] = option_expected(&sp[k]);
    cells[H_DESCRIPTION] = sqlite3_mprintf("%s%s", sp[k].desc ? sp[k].desc : "",
                                           (sp[k].flags & OPT_REQUIRED) ? " (required)" : "");
    for (int j = 0; j < H_NCOLS; j++)
      if (j != H_DEFAULT && !cells[j]) rc = SQLITE_NOMEM;
    if (rc) {
      for (int j = 0; j < H_NCOLS; j++) sqlite3_free(cells[j]);
      return SQLITE_NOMEM;
    }
    if (help_push(c, cells)) return SQLITE_NOMEM; /* it freed the cells */
  }
  return SQLITE_OK;
}

/* idxNum 1: target = ? given (argv[0]). */
static int help_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                       sqlite3_value **argv) {
  (void)idxStr;
  help_cursor *c = (help_cursor *)cur;
  help_clear(c);
  const char *target = idxNum && argc ? (const char *)sqlite3_value_text(argv[0]) : NULL;
  if (!target) {
    for (int k = 0; k < N_REGISTRY; k++)
      if (push_object(c, &registry[k])) return SQLITE_NOMEM;
    return SQLITE_OK;
  }
  for (int k = 0; k < N_REGISTRY; k++) {
    if (sqlite3_stricmp(registry[k].name, target) != 0) continue;
    int rc = push_object(c, &registry[k]);
    return rc ? rc : push_options(c, &registry[k]);
  }
  const char *names[N_REGISTRY];
  for (int k = 0; k < N_REGISTRY; k++) names[k] = registry[k].name;
  const char *near = suggest_closest(target, names, N_REGISTRY);
  return vtab_error(
      cur->pVtab, SQLITE_ERROR,
      near ? sqlite3_mprintf("recsql_help: no object \"%s\" (did you mean \"%s\"?)", target, near)
           : sqlite3_mprintf("recsql_help: no object \"%s\"; SELECT * FROM recsql_help lists them", target));
}

static int help_next(sqlite3_vtab_cursor *cur) {
  ((help_cursor *)cur)->row++;
  return SQLITE_OK;
}

static int help_eof(sqlite3_vtab_cursor *cur) {
  help_cursor *c = (help_cursor *)cur;
  return c->row >= c->n_rows;
}

static int help_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  help_cursor *c = (help_cursor *)cur;
  const char *s = col < H_NCOLS ? c->cell[(size_t)c->row * H_NCOLS + col] : NULL;
  if (s) sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
  return SQLITE_OK;
}

static int help_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((help_cursor *)cur)->row;
  return SQLITE_OK;
}

/* target = ? goes to xFilter (series.c's rule for an unusable one). */
static int help_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  (void)vt;
  int given;
  if (tvf_best_index(info, H_TARGET, 1, -1, &given, NULL)) return SQLITE_CONSTRAINT;
  info->idxNum = given & 1;
  info->estimatedCost = given ? 10 : 100;
  info->estimatedRows = given ? 10 : N_REGISTRY;
  return SQLITE_OK;
}

static sqlite3_module help_module =
    TVF_MODULE(help_connect, help_best_index, tvf_disconnect, help_open, help_close, help_filter, help_next,
               help_eof, help_column, help_rowid);

int recsql_register_help(sqlite3 *db) { return sqlite3_create_module(db, "recsql_help", &help_module, NULL); }
