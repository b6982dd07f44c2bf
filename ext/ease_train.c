/*
** ease_train(source, model [, options]): EASE item-item weights (Steck 2019),
** trained in the database.
**
**   SELECT ease_train('train', 'm');
**   SELECT ease_train('train', 'm', '{"lambda": 200, "top_n": 50}');
**   SELECT * FROM i2i_recommend('train', 'm_sim', 20);
**
** Reads (user, item) pairs from source (repeats count once), trains
** (src/ease.c) and writes <model>_sim(item_a, item_b, weight), the top_n
** weights B[item_a, item_b] of each item (weight descending), PRIMARY KEY
** (item_a, item_b) (an index for i2i_recommend's user = ?), replacing the table in one savepoint only when
*training
** succeeded. Returns a JSON summary. Options are documented in
** docs/ease_train.md and in ease_options below.
**
** Before allocating it checks the n x n matrix (n²·4 bytes) against
** physical memory (or max_memory) and refuses with SQLITE_TOOBIG, naming
** the bytes needed and max_items. It must be called as a bare SELECT (see
** model_write.c); it honours sqlite3_interrupt within its steps (after every
** block column of the inverse, see src/ease.h), leaving
** the database as it was.
*/
#include <stdio.h>
#include <string.h>

#include "../src/csr.h"
#include "../src/ease.h"
#include "../src/parallel.h"
#include "common.h"

enum { O_LAMBDA, O_TOP_N, O_MAX_ITEMS, O_MAX_MEMORY, O_THREADS, O_VERBOSE, O_COUNT };

static const opt_spec ease_options[O_COUNT] = {
    [O_LAMBDA] = {"lambda", OPT_REAL, 0, 1e-6, 1e12, NULL, NULL},
    [O_TOP_N] = {"top_n", OPT_INT, 100, 1, 4294967295.0, NULL, NULL},
    [O_MAX_ITEMS] = {"max_items", OPT_INT, 0, 1, 4294967295.0, NULL, NULL},
    [O_MAX_MEMORY] = {"max_memory", OPT_INT, 0, 1, 9.2e18, NULL, NULL},
    [O_THREADS] = {"threads", OPT_INT, 0, 1, 1024, NULL, NULL},
    [O_VERBOSE] = {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL},
};

const opt_spec *ease_train_specs(int *n) {
  *n = O_COUNT;
  return ease_options;
}

static int poll_interrupt(void *p) { return interrupt_poll(p); }

static void bind_id(sqlite3_stmt *s, int col, const idmap *m, uint32_t i) {
  if (idmap_kind(m, i) == IDMAP_INT) {
    sqlite3_bind_int64(s, col, idmap_int(m, i));
  } else {
    size_t len;
    const char *t = idmap_text(m, i, &len);
    sqlite3_bind_text64(s, col, t, len, SQLITE_STATIC, SQLITE_UTF8);
  }
}

/* INSERTs every kept weight into table. */
static int write_sim(sqlite3 *db, const char *table, const idmap *items, const ease_result *r, char **err) {
  char *sql = sqlite3_mprintf("INSERT INTO \"%w\"(item_a, item_b, weight) VALUES (?1, ?2, ?3)", table);
  if (!sql) return SQLITE_NOMEM;
  sqlite3_stmt *ins;
  int rc = sqlite3_prepare_v2(db, sql, -1, &ins, NULL);
  sqlite3_free(sql);
  for (uint32_t m = 0; m < r->n && rc == SQLITE_OK; m++) {
    bind_id(ins, 1, items, r->item[m]);
    for (uint32_t e = 0; e < r->count[m] && rc == SQLITE_OK; e++) {
      size_t slot = (size_t)m * r->k + e;
      bind_id(ins, 2, items, r->nb[slot]);
      sqlite3_bind_double(ins, 3, r->w[slot]);
      rc = sqlite3_step(ins);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
      sqlite3_reset(ins);
    }
  }
  sqlite3_finalize(ins);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    *err = sqlite3_mprintf("ease_train: cannot write table \"%s\": %s", table, sqlite3_errmsg(db));
  return rc;
}

/* The error message of an engine failure (sqlite3_malloc'd). */
static char *ease_error(rs_status s, const ease_result *r, const opt_value *opt) {
  if (s == RS_TOOBIG)
    return sqlite3_mprintf(
        "ease_train: %u items need %llu bytes for the %u x %u matrix, more than the %llu bytes of %s; keep "
        "the most popular items with the option max_items (at most %u fit)",
        r->n, (unsigned long long)r->bytes, r->n, r->n, (unsigned long long)r->limit,
        opt[O_MAX_MEMORY].set ? "max_memory" : "physical memory", r->fit);
  if (s == RS_INVALID)
    return sqlite3_mprintf("ease_train: the Cholesky factorization of XᵀX + λI failed (λ = %g): raise lambda",
                           r->lambda);
  return NULL;
}

/* Trains and writes; the part of the call after the arguments are checked. */
static int run(sqlite3 *db, const char *source, const char *table, const opt_value *opt, char **summary,
               char **err) {
  idmap *users = idmap_new(), *items = idmap_new();
  pairs p = {0};
  csr ui = {0};
  ease_result r;
  memset(&r, 0, sizeof r);
  interrupt_check ic = {0};
  int rc = users && items ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) rc = source_read_pairs(db, "ease_train", source, users, items, &p, err);
  if (rc == SQLITE_OK && p.n == 0) {
    *err = sqlite3_mprintf("ease_train: source \"%s\" has no (user, item) rows to train on", source);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK && csr_build(&ui, idmap_size(users), idmap_size(items), p.u, p.i, p.n))
    rc = SQLITE_NOMEM;
  pairs_free(&p);
  if (rc == SQLITE_OK) rc = interrupt_init(&ic, db);
  if (rc == SQLITE_OK) {
    ease_params ep = {opt[O_LAMBDA].set ? opt[O_LAMBDA].num : -EASE_LAMBDA_SCALE,
                      (uint32_t)opt[O_TOP_N].num,
                      (uint32_t)opt[O_MAX_ITEMS].num,
                      (size_t)opt[O_MAX_MEMORY].num,
                      opt[O_THREADS].set ? (int)opt[O_THREADS].num : parallel_cores(),
                      0};
    progress prog;
    progress_init(&prog, poll_interrupt, &ic);
    double t0 = parallel_now();
    rs_status s = ease_train(&ui, idmap_size(items), &ep, &prog, &r);
    rc = status_to_sqlite(s);
    if (rc) *err = ease_error(s, &r, opt);
    if (rc == SQLITE_OK && opt[O_VERBOSE].num != 0)
      fprintf(stderr, "ease_train: %u items, lambda %g: Gram %.2f s, inverse %.2f s, weights %.2f s\n", r.n,
              r.lambda, r.seconds_gram, r.seconds_inverse, r.seconds_weights);
    char *jt = rc == SQLITE_OK ? json_quote_text(table) : NULL;
    size_t rows = 0;
    for (uint32_t m = 0; m < r.n && rc == SQLITE_OK; m++) rows += r.count[m];
    if (jt)
      *summary = sqlite3_mprintf(
          "{\"users\":%u,\"items\":%u,\"items_in_source\":%u,\"interactions\":%llu,\"lambda\":%.6g,"
          "\"top_n\":%u,\"rows\":%llu,\"seconds\":%.3f,\"seconds_gram\":%.3f,\"seconds_inverse\":%.3f,"
          "\"seconds_weights\":%.3f,\"matrix_bytes\":%llu,\"threads\":%d,\"table\":%s}",
          idmap_size(users), r.n, idmap_size(items), (unsigned long long)ui.nnz, r.lambda, r.k,
          (unsigned long long)rows, parallel_now() - t0, r.seconds_gram, r.seconds_inverse, r.seconds_weights,
          (unsigned long long)r.bytes, ep.threads, jt);
    sqlite3_free(jt);
    if (rc == SQLITE_OK && !*summary) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    model_write mw;
    if ((rc = model_write_begin(db, &mw)) == SQLITE_OK) {
      rc = model_replace_table(db, "ease_train", table,
                               "item_a, item_b, weight REAL, PRIMARY KEY (item_a, item_b)", err);
      if (rc == SQLITE_OK) rc = write_sim(db, table, items, &r, err);
      int rc2 = model_write_end(db, &mw, rc == SQLITE_OK);
      if (rc == SQLITE_OK && rc2 != SQLITE_OK) {
        rc = rc2;
        *err = sqlite3_mprintf("ease_train: cannot commit the model table: %s", sqlite3_errmsg(db));
      } else if (rc2 == SQLITE_NOMEM || rc2 == SQLITE_INTERRUPT) {
        rc = rc2;
      }
    }
  }
  interrupt_free(&ic);
  ease_result_free(&r);
  csr_free(&ui);
  idmap_free(users);
  idmap_free(items);
  return rc;
}

static void fn_ease_train(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  opt_value opt[O_COUNT];
  memset(opt, 0, sizeof opt);
  char *err = NULL, *table = NULL, *summary = NULL;
  int rc = SQLITE_ERROR;
  int ot = argc > 2 ? sqlite3_value_type(argv[2]) : SQLITE_NULL;
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    err = sqlite3_mprintf("ease_train: source must be a table name, view name or SELECT text, got %s",
                          value_type_name(sqlite3_value_type(argv[0])));
  } else if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || sqlite3_value_bytes(argv[1]) == 0) {
    err = sqlite3_mprintf(
        "ease_train: model must be a non-empty name (table <model>_sim is written), got %s",
        sqlite3_value_type(argv[1]) == SQLITE_TEXT ? "''" : value_type_name(sqlite3_value_type(argv[1])));
  } else if (ot != SQLITE_NULL && ot != SQLITE_TEXT) {
    err =
        sqlite3_mprintf("ease_train: options must be a JSON object text such as '{\"lambda\": 200}', got %s",
                        value_type_name(ot));
  } else {
    rc = options_parse(db, "ease_train", ot == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[2]) : NULL,
                       ease_options, O_COUNT, opt, &err);
    if (rc == SQLITE_OK && !(table = sqlite3_mprintf("%s_sim", sqlite3_value_text(argv[1]))))
      rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) rc = model_check_writable(db, "ease_train", &err);
    if (rc == SQLITE_OK) rc = run(db, (const char *)sqlite3_value_text(argv[0]), table, opt, &summary, &err);
  }
  if ((rc == SQLITE_ERROR || rc == SQLITE_TOOBIG) && !err) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    sqlite3_result_text(ctx, summary, -1, sqlite3_free);
    summary = NULL;
  } else if (rc == SQLITE_INTERRUPT && !err) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  } else {
    result_error_free(ctx, rc, err);
  }
  sqlite3_free(summary);
  sqlite3_free(table);
  options_free(opt, O_COUNT);
}

int recsql_register_ease_train(sqlite3 *db) {
  int rc = sqlite3_create_function_v2(db, "ease_train", 3, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                      fn_ease_train, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "ease_train", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_ease_train,
                                    NULL, NULL, NULL);
  return rc;
}
