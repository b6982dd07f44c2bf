/*
** item2vec_train(source, model [, options]): item vectors from behavior
** sequences by skip-gram with negative sampling (item2vec), over sessions
** or DeepWalk random walks, with side information through EGES.
**
**   SELECT item2vec_train('clicks', 'i2v', json_object('session_gap', 1800));
**
** Source columns: user, item, time (a number), and optionally a session id
** as the fourth column. Each user's events, ordered by (session, time), are
** cut into sequences (src/sessions.c); with mode 'walks' the sequences give
** a weighted transition graph and random walks over it (src/walks.c); then
** skip-gram trains on them, epoch by epoch (src/skipgram.c). With the option
** side_info (a source of (item, field, value) rows) the input side is EGES
** (src/eges.c) and items found only in side_info get vectors from their
** fields (cold start).
**
** Writes, replacing them in one savepoint only when training succeeded:
**   <model>_items(id PRIMARY KEY, emb BLOB)
** and with side_info
**   <model>_fields(field, value, emb BLOB)
**   <model>_weights(id, field, weight)   field NULL = the item's own embedding
** (without side_info, old <model>_fields and <model>_weights are dropped).
** Returns a JSON summary. Options: docs/item2vec_train.md and i2v_options.
**
** Call it as a bare SELECT (model_write.c); it honours sqlite3_interrupt
** within a fraction of a second, leaving the database as it was.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/eges.h"
#include "../src/parallel.h"
#include "../src/sessions.h"
#include "../src/skipgram.h"
#include "../src/walks.h"
#include "common.h"

#define OBJ "item2vec_train"

enum {
  O_SESSION_GAP,
  O_MODE,
  O_WALKS_PER_ITEM,
  O_WALK_LENGTH,
  O_WINDOW,
  O_DIM,
  O_N_NEG,
  O_POWER,
  O_SUBSAMPLE,
  O_EPOCHS,
  O_LR,
  O_THREADS,
  O_SEED,
  O_VERBOSE,
  O_SIDE_INFO,
  O_COUNT
};

static const char *const mode_names[] = {"sequences", "walks", NULL};

static const opt_spec i2v_options[O_COUNT] = {
    [O_SESSION_GAP] = {"session_gap", OPT_REAL, 0, 0, 1e300, NULL, NULL},
    [O_MODE] = {"mode", OPT_TEXT, 0, 0, 0, "sequences", mode_names},
    [O_WALKS_PER_ITEM] = {"walks_per_item", OPT_INT, 10, 1, 10000, NULL, NULL},
    [O_WALK_LENGTH] = {"walk_length", OPT_INT, 10, 2, 10000, NULL, NULL},
    [O_WINDOW] = {"window", OPT_INT, 5, 1, 1000, NULL, NULL},
    [O_DIM] = {"dim", OPT_INT, 64, 1, 4096, NULL, NULL},
    [O_N_NEG] = {"n_neg", OPT_INT, 5, 1, 1000, NULL, NULL},
    [O_POWER] = {"power", OPT_REAL, 0.75, -10, 10, NULL, NULL},
    [O_SUBSAMPLE] = {"subsample", OPT_REAL, 1e-3, 0, 1, NULL, NULL},
    [O_EPOCHS] = {"epochs", OPT_INT, 5, 1, 100000, NULL, NULL},
    [O_LR] = {"lr", OPT_REAL, 0.025, 1e-9, 10, NULL, NULL},
    [O_THREADS] = {"threads", OPT_INT, 0, 1, SG_MAX_THREADS, NULL, NULL},
    [O_SEED] = {"seed", OPT_INT, 0, -9.2e18, 9.2e18, NULL, NULL},
    [O_VERBOSE] = {"verbose", OPT_BOOL, 0, 0, 1, NULL, NULL},
    [O_SIDE_INFO] = {"side_info", OPT_TEXT, 0, 0, 0, NULL, NULL},
};

const opt_spec *item2vec_train_specs(int *n) {
  *n = O_COUNT;
  return i2v_options;
}

/* Everything one call owns, freed by i2v_free. */
typedef struct i2v i2v;
struct i2v {
  sqlite3 *db;
  const char *source, *model;
  opt_value opt[O_COUNT];
  char *err;
  idmap *users, *items, *sessions;
  event *ev;
  size_t n_ev, cap_ev, skipped;
  /* side information */
  idmap *fields, *values, *fvkeys;
  uint32_t *fv_field, *fv_value; /* per (field, value) pair */
  size_t cap_fv;
  uint32_t *si_item, *si_fv; /* rows */
  size_t n_si, cap_si, si_skipped;
  /* training */
  seqs sess, walks;
  sessions_stats sst;
  eges side;
  int have_side;
  sg_model m;
  uint64_t *count;
  interrupt_check ic;
  /* output */
  idmap *out_ids;
  float *out_emb;
  uint32_t *out_item; /* item index of each output row */
  uint32_t n_cold, n_untrained;
};

static void i2v_free(i2v *s) {
  options_free(s->opt, O_COUNT);
  idmap_free(s->users);
  idmap_free(s->items);
  idmap_free(s->sessions);
  idmap_free(s->fields);
  idmap_free(s->values);
  idmap_free(s->fvkeys);
  idmap_free(s->out_ids);
  sqlite3_free(s->ev);
  sqlite3_free(s->fv_field);
  sqlite3_free(s->fv_value);
  sqlite3_free(s->si_item);
  sqlite3_free(s->si_fv);
  sqlite3_free(s->count);
  sqlite3_free(s->out_emb);
  sqlite3_free(s->out_item);
  seqs_free(&s->sess);
  seqs_free(&s->walks);
  eges_free(&s->side);
  sg_model_free(&s->m);
  interrupt_free(&s->ic);
}

/* Grows *p (elements of size sz) to hold n + 1. SQLITE_OK or SQLITE_NOMEM. */
static int grow(void **p, size_t *cap, size_t n, size_t sz) {
  if (n < *cap) return SQLITE_OK;
  size_t c = *cap ? *cap * 2 : 1024;
  void *q = sqlite3_realloc64(*p, c * sz);
  if (!q) return SQLITE_NOMEM;
  *p = q;
  *cap = c;
  return SQLITE_OK;
}

/* The error for a bad id in column col of a source. */
static int bad_value(i2v *s, const char *src, const char *what, sqlite3_stmt *stmt, int col, int64_t code) {
  if (code == -3) return SQLITE_NOMEM;
  s->err = sqlite3_mprintf(OBJ ": %s \"%s\": %s must be INTEGER or TEXT, got %s",
                           src == s->source ? "source" : "side_info", src, what,
                           value_type_name(sqlite3_column_type(stmt, col)));
  return SQLITE_ERROR;
}

/* One event row into s->ev; rows with a NULL user, item or time are counted
** in s->skipped. */
static int read_event(i2v *s, sqlite3_stmt *stmt, int has_session) {
  int tt = sqlite3_column_type(stmt, 2);
  if (sqlite3_column_type(stmt, 0) == SQLITE_NULL || sqlite3_column_type(stmt, 1) == SQLITE_NULL ||
      tt == SQLITE_NULL) {
    s->skipped++;
    return SQLITE_OK;
  }
  if (tt != SQLITE_INTEGER && tt != SQLITE_FLOAT) {
    s->err = sqlite3_mprintf(OBJ
                             ": source \"%s\": time must be a number (INTEGER or REAL), got %s; for date "
                             "text use a SELECT source with unixepoch(time) or julianday(time)",
                             s->source, value_type_name(tt));
    return SQLITE_ERROR;
  }
  int64_t u = source_id_add(s->users, stmt, 0);
  if (u < 0) return bad_value(s, s->source, "user", stmt, 0, u);
  int64_t i = source_id_add(s->items, stmt, 1);
  if (i < 0) return bad_value(s, s->source, "item", stmt, 1, i);
  uint64_t sess = 0;
  if (has_session && sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
    int64_t q = source_id_add(s->sessions, stmt, 3);
    if (q < 0) return bad_value(s, s->source, "session", stmt, 3, q);
    sess = (uint64_t)q + 1;
  }
  double t = sqlite3_column_double(stmt, 2);
  if (!isfinite(t)) {
    s->err = sqlite3_mprintf(OBJ ": source \"%s\": time must be finite, got %g", s->source, t);
    return SQLITE_ERROR;
  }
  if (grow((void **)&s->ev, &s->cap_ev, s->n_ev, sizeof *s->ev)) return SQLITE_NOMEM;
  s->ev[s->n_ev++] = (event){(uint32_t)u, (uint32_t)i, sess, t};
  return SQLITE_OK;
}

static int read_events(i2v *s) {
  sqlite3_stmt *stmt;
  int rc = source_prepare(s->db, OBJ, s->source, 3, &stmt, &s->err);
  if (rc) return rc;
  int has_session = sqlite3_column_count(stmt) >= 4;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    if ((rc = read_event(s, stmt, has_session)) != SQLITE_OK) break;
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  else if (rc != SQLITE_OK && !s->err && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    s->err = sqlite3_mprintf(OBJ ": reading source \"%s\": %s", s->source, sqlite3_errmsg(s->db));
  sqlite3_finalize(stmt);
  return rc;
}

/* One (item, field, value) row: items not in the events are added (cold). */
static int read_side_row(i2v *s, const char *src, sqlite3_stmt *stmt) {
  for (int c = 0; c < 3; c++)
    if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
      s->si_skipped++;
      return SQLITE_OK;
    }
  int64_t i = source_id_add(s->items, stmt, 0);
  if (i < 0) return bad_value(s, src, "item", stmt, 0, i);
  int64_t f = source_id_add(s->fields, stmt, 1);
  if (f < 0) return bad_value(s, src, "field", stmt, 1, f);
  int64_t v = source_id_add(s->values, stmt, 2);
  if (v < 0) return bad_value(s, src, "value", stmt, 2, v);
  uint32_t before = idmap_size(s->fvkeys);
  int64_t k = idmap_add_int(s->fvkeys, (int64_t)((uint64_t)f << 32 | (uint64_t)v));
  if (k < 0) return SQLITE_NOMEM;
  if (idmap_size(s->fvkeys) > before) {
    size_t cap = s->cap_fv;
    if (grow((void **)&s->fv_field, &cap, (size_t)k, sizeof *s->fv_field)) return SQLITE_NOMEM;
    cap = s->cap_fv;
    if (grow((void **)&s->fv_value, &cap, (size_t)k, sizeof *s->fv_value)) return SQLITE_NOMEM;
    s->cap_fv = cap;
    s->fv_field[k] = (uint32_t)f;
    s->fv_value[k] = (uint32_t)v;
  }
  size_t cap = s->cap_si;
  if (grow((void **)&s->si_item, &cap, s->n_si, sizeof *s->si_item)) return SQLITE_NOMEM;
  cap = s->cap_si;
  if (grow((void **)&s->si_fv, &cap, s->n_si, sizeof *s->si_fv)) return SQLITE_NOMEM;
  s->cap_si = cap;
  s->si_item[s->n_si] = (uint32_t)i;
  s->si_fv[s->n_si++] = (uint32_t)k;
  return SQLITE_OK;
}

static int read_side_info(i2v *s) {
  const char *src = s->opt[O_SIDE_INFO].text;
  sqlite3_stmt *stmt;
  int rc = source_prepare(s->db, OBJ ": side_info", src, 3, &stmt, &s->err);
  if (rc) return rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    if ((rc = read_side_row(s, src, stmt)) != SQLITE_OK) break;
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  else if (rc != SQLITE_OK && !s->err && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    s->err = sqlite3_mprintf(OBJ ": reading side_info \"%s\": %s", src, sqlite3_errmsg(s->db));
  sqlite3_finalize(stmt);
  return rc;
}

static int poll_interrupt(void *p) { return interrupt_poll(&((i2v *)p)->ic); }

/* Sessions, then walks when asked; the sequences trained on in *data. */
static int build_sequences(i2v *s, const seqs **data) {
  rs_status r = sessions_build(s->ev, s->n_ev, s->opt[O_SESSION_GAP].num, &s->sess, &s->sst);
  if (r) return status_to_sqlite(r);
  *data = &s->sess;
  if (s->opt[O_MODE].text[0] == 'w') {
    walk_graph g;
    if ((r = walk_graph_build(&g, &s->sess, idmap_size(s->items))) != RS_OK) return status_to_sqlite(r);
    progress prog;
    progress_init(&prog, poll_interrupt, s);
    r = walks_generate(&g, (uint32_t)s->opt[O_WALKS_PER_ITEM].num, (uint32_t)s->opt[O_WALK_LENGTH].num,
                       (uint64_t)(int64_t)s->opt[O_SEED].num, &prog, &s->walks);
    walk_graph_free(&g);
    if (r == RS_TOOBIG)
      s->err =
          sqlite3_mprintf(OBJ ": walks_per_item x items exceeds %u walks; lower walks_per_item", UINT32_MAX);
    if (r) return status_to_sqlite(r);
    *data = &s->walks;
  }
  if ((*data)->n == 0) {
    s->err =
        sqlite3_mprintf(OBJ
                        ": source \"%s\" gives no sequence of two or more items to train on (%llu events, "
                        "%llu single-item sessions, %llu rows with NULLs skipped)",
                        s->source, (unsigned long long)s->n_ev, (unsigned long long)s->sst.singles,
                        (unsigned long long)s->skipped);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* The epochs; the advice for divergence. */
static int train(i2v *s, const sg_config *cfg, const seqs *data, sg_trainer *t) {
  rs_status r = RS_NOMEM;
  if (s->have_side &&
      (r = eges_init(&s->side, idmap_size(s->items), idmap_size(s->fields), idmap_size(s->fvkeys),
                     s->fv_field, s->si_item, s->si_fv, s->n_si, cfg->dim, cfg->seed)) != RS_OK) {
    if (r == RS_TOOBIG)
      s->err =
          sqlite3_mprintf(OBJ
                          ": side_info has %u fields for %u items, more per-item field weights than "
                          "the limit of %llu: a field is a kind of information (genre, brand), its "
                          "values the values",
                          idmap_size(s->fields), idmap_size(s->items), (unsigned long long)EGES_MAX_LOGITS);
    return status_to_sqlite(r);
  }
  if ((r = sg_model_init(&s->m, idmap_size(s->items), cfg->dim, s->have_side ? &s->side : NULL, cfg->seed)))
    return status_to_sqlite(r);
  if ((r = sg_trainer_init(t, cfg, data, &s->m)) != RS_OK) return status_to_sqlite(r);
  progress prog;
  progress_init(&prog, poll_interrupt, s);
  double elapsed = 0;
  for (uint32_t e = 0; e < cfg->epochs && r == RS_OK; e++) {
    r = sg_epoch(t, e, &prog);
    elapsed += t->seconds;
    if (r == RS_OK && s->opt[O_VERBOSE].num)
      fprintf(stderr, OBJ ": epoch %u/%u  loss %.4f  %.2fM pairs/s  elapsed %.1fs\n", e + 1, cfg->epochs,
              t->loss, t->seconds > 0 ? (double)t->pairs / t->seconds / 1e6 : 0.0, elapsed);
    if (r == RS_OK && interrupt_poll(&s->ic)) r = RS_STOPPED;
    if (r == RS_DIVERGED)
      s->err = sqlite3_mprintf(OBJ
                               ": training diverged at epoch %u (a parameter became NaN or infinite); "
                               "lower lr (now %g) or dim",
                               e + 1, (double)cfg->lr);
  }
  t->seconds = elapsed;
  return status_to_sqlite(r);
}

/* Adds id i of src to dst. */
static int copy_id(idmap *dst, const idmap *src, uint32_t i) {
  if (idmap_kind(src, i) == IDMAP_INT) return idmap_add_int(dst, idmap_int(src, i)) < 0;
  size_t n;
  const char *t = idmap_text(src, i, &n);
  return idmap_add_text(dst, t, n) < 0;
}

/* The rows of <model>_items: trained items (count > 0), and with side
** information the items with fields but no training (cold start). */
static int final_vectors(i2v *s, const seqs *data) {
  uint32_t n = idmap_size(s->items), d = s->m.dim;
  s->count = sqlite3_malloc64((n ? n : 1) * sizeof *s->count);
  s->out_emb = sqlite3_malloc64(((size_t)n * d + 1) * sizeof *s->out_emb);
  s->out_item = sqlite3_malloc64((n ? n : 1) * sizeof *s->out_item);
  s->out_ids = idmap_new();
  if (!s->count || !s->out_emb || !s->out_item || !s->out_ids) return SQLITE_NOMEM;
  seqs_count(data, n, s->count);
  eges_work k;
  memset(&k, 0, sizeof k);
  if (s->have_side && eges_work_init(&k, &s->side)) return SQLITE_NOMEM;
  uint32_t rows = 0;
  int rc = SQLITE_OK;
  for (uint32_t v = 0; v < n && rc == SQLITE_OK; v++) {
    int trained = s->count[v] > 0, fields = s->have_side && s->side.off[v + 1] > s->side.off[v];
    float *dst = s->out_emb + (size_t)rows * d;
    if (!trained && !fields) {
      s->n_untrained++;
      continue;
    }
    if (s->have_side) {
      eges_forward(&s->side, v, trained ? s->m.in + (size_t)v * d : NULL, &k);
      memcpy(dst, k.h, d * sizeof *dst);
      s->n_cold += !trained;
    } else {
      memcpy(dst, s->m.in + (size_t)v * d, d * sizeof *dst);
    }
    if (copy_id(s->out_ids, s->items, v)) rc = SQLITE_NOMEM;
    s->out_item[rows++] = v;
  }
  eges_work_free(&k);
  return rc;
}

static void bind_id(sqlite3_stmt *st, int col, const idmap *m, uint32_t i) {
  if (idmap_kind(m, i) == IDMAP_INT) {
    sqlite3_bind_int64(st, col, idmap_int(m, i));
  } else {
    size_t n;
    const char *t = idmap_text(m, i, &n);
    sqlite3_bind_text64(st, col, t, n, SQLITE_STATIC, SQLITE_UTF8);
  }
}

/* Steps st once; SQLITE_OK when done. */
static int step_reset(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* <model>_fields and <model>_weights. */
static int write_side_tables(i2v *s, const char *t_fields, const char *t_weights) {
  sqlite3_stmt *fs = NULL, *ws = NULL;
  char *q1 = sqlite3_mprintf("INSERT INTO \"%w\"(field, value, emb) VALUES (?1, ?2, ?3)", t_fields);
  char *q2 = sqlite3_mprintf("INSERT INTO \"%w\"(id, field, weight) VALUES (?1, ?2, ?3)", t_weights);
  int rc = q1 && q2 ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(s->db, q1, -1, &fs, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(s->db, q2, -1, &ws, NULL);
  uint32_t d = s->m.dim;
  for (uint32_t k = 0; k < idmap_size(s->fvkeys) && rc == SQLITE_OK; k++) {
    bind_id(fs, 1, s->fields, s->fv_field[k]);
    bind_id(fs, 2, s->values, s->fv_value[k]);
    sqlite3_bind_blob64(fs, 3, s->side.emb + (size_t)k * d, sizeof(float) * d, SQLITE_STATIC);
    rc = step_reset(fs);
  }
  eges_work k;
  memset(&k, 0, sizeof k);
  if (rc == SQLITE_OK && eges_work_init(&k, &s->side)) rc = SQLITE_NOMEM;
  for (uint32_t r = 0; r < idmap_size(s->out_ids) && rc == SQLITE_OK; r++) {
    uint32_t v = s->out_item[r];
    eges_forward(&s->side, v, s->count[v] ? s->m.in + (size_t)v * d : NULL, &k);
    for (uint32_t j = 0; j < k.slots && rc == SQLITE_OK; j++) {
      bind_id(ws, 1, s->out_ids, r);
      if (k.slot[j] == 0)
        sqlite3_bind_null(ws, 2);
      else
        bind_id(ws, 2, s->fields, k.slot[j] - 1);
      sqlite3_bind_double(ws, 3, k.w[j]);
      rc = step_reset(ws);
    }
  }
  eges_work_free(&k);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
    s->err = sqlite3_mprintf(OBJ ": cannot write the side-information tables: %s", sqlite3_errmsg(s->db));
  sqlite3_finalize(fs);
  sqlite3_finalize(ws);
  sqlite3_free(q1);
  sqlite3_free(q2);
  return rc;
}

/* All model tables in one savepoint. */
static int write_tables(i2v *s) {
  char *ti = sqlite3_mprintf("%s_items", s->model), *tf = sqlite3_mprintf("%s_fields", s->model),
       *tw = sqlite3_mprintf("%s_weights", s->model);
  char *drop =
      tf && tw ? sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\"; DROP TABLE IF EXISTS \"%w\";", tf, tw) : NULL;
  int rc = ti && drop ? SQLITE_OK : SQLITE_NOMEM;
  model_write mw;
  if (rc == SQLITE_OK) rc = model_write_begin(s->db, &mw);
  if (rc == SQLITE_OK) {
    rc = model_replace_table(s->db, OBJ, ti, "id PRIMARY KEY, emb BLOB", &s->err);
    if (rc == SQLITE_OK)
      rc = model_insert_embeddings(s->db, OBJ, ti, s->out_ids, s->out_emb, s->m.dim, NULL, &s->err);
    if (rc == SQLITE_OK && s->have_side) {
      rc = model_replace_table(s->db, OBJ, tf, "field, value, emb BLOB", &s->err);
      if (rc == SQLITE_OK) rc = model_replace_table(s->db, OBJ, tw, "id, field, weight REAL", &s->err);
      if (rc == SQLITE_OK) rc = write_side_tables(s, tf, tw);
    } else if (rc == SQLITE_OK) {
      rc = sqlite3_exec(s->db, drop, NULL, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_NOMEM && rc != SQLITE_INTERRUPT)
        s->err = sqlite3_mprintf(OBJ ": cannot drop old tables: %s", sqlite3_errmsg(s->db));
    }
    int rc2 = model_write_end(s->db, &mw, rc == SQLITE_OK);
    if (rc == SQLITE_OK && rc2 != SQLITE_OK) {
      rc = rc2;
      s->err = sqlite3_mprintf(OBJ ": cannot commit the model tables: %s", sqlite3_errmsg(s->db));
    } else if (rc2 == SQLITE_NOMEM || rc2 == SQLITE_INTERRUPT) {
      rc = rc2;
    }
  }
  sqlite3_free(ti);
  sqlite3_free(tf);
  sqlite3_free(tw);
  sqlite3_free(drop);
  return rc;
}

/* The JSON summary (sqlite3_malloc'd) or NULL when out of memory. */
static char *summary(i2v *s, const sg_config *cfg, const seqs *data, const sg_trainer *t) {
  double secs = t->seconds, words = (double)t->tokens * cfg->epochs;
  char *jm = json_quote_text(s->model);
  char *r = jm ? sqlite3_mprintf(
                     "{\"mode\":\"%s\",\"users\":%u,\"items\":%u,\"cold_items\":%u,\"untrained_items\":%u,"
                     "\"events\":%llu,\"skipped_rows\":%llu,\"repeats\":%llu,\"single_item_sessions\":%llu,"
                     "\"sequences\":%u,\"tokens\":%llu,\"dim\":%u,\"epochs\":%u,\"pairs\":%llu,"
                     "\"final_loss\":%.6f,\"seconds\":%.3f,\"words_per_second\":%.0f,\"threads\":%d,"
                     "\"model\":%s,\"side_info\":%s}",
                     s->opt[O_MODE].text, idmap_size(s->users), idmap_size(s->out_ids), s->n_cold,
                     s->n_untrained, (unsigned long long)s->n_ev,
                     (unsigned long long)(s->skipped + s->si_skipped), (unsigned long long)s->sst.repeats,
                     (unsigned long long)s->sst.singles, data->n, (unsigned long long)data->off[data->n],
                     cfg->dim, cfg->epochs, (unsigned long long)t->pairs * cfg->epochs, t->loss, secs,
                     secs > 0 ? words / secs : 0.0, cfg->threads, jm, s->have_side ? "true" : "false")
               : NULL;
  sqlite3_free(jm);
  return r;
}

/* Arguments and options into s; SQLITE_OK or an error with s->err. */
static int parse_args(i2v *s, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    s->err = sqlite3_mprintf(OBJ ": source must be a table name, view name or SELECT text, got %s",
                             value_type_name(sqlite3_value_type(argv[0])));
    return SQLITE_ERROR;
  }
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || sqlite3_value_bytes(argv[1]) == 0) {
    s->err = sqlite3_mprintf(
        OBJ ": model must be a non-empty name (table <model>_items is written), got %s",
        sqlite3_value_type(argv[1]) == SQLITE_TEXT ? "''" : value_type_name(sqlite3_value_type(argv[1])));
    return SQLITE_ERROR;
  }
  s->source = (const char *)sqlite3_value_text(argv[0]);
  s->model = (const char *)sqlite3_value_text(argv[1]);
  int ot = argc > 2 ? sqlite3_value_type(argv[2]) : SQLITE_NULL;
  if (ot != SQLITE_NULL && ot != SQLITE_TEXT) {
    s->err = sqlite3_mprintf(OBJ ": options must be a JSON object text such as '{\"dim\": 64}', got %s",
                             value_type_name(ot));
    return SQLITE_ERROR;
  }
  int rc = options_parse(s->db, OBJ, ot == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[2]) : NULL,
                         i2v_options, O_COUNT, s->opt, &s->err);
  if (rc) return rc;
  if (s->opt[O_MODE].text[0] == 's')
    for (int o = O_WALKS_PER_ITEM; o <= O_WALK_LENGTH; o++)
      if (s->opt[o].set) {
        s->err = sqlite3_mprintf(OBJ ": option \"%s\" is only used with mode 'walks'", i2v_options[o].name);
        return SQLITE_ERROR;
      }
  return SQLITE_OK;
}

static void config_from(const i2v *s, sg_config *cfg) {
  cfg->dim = (uint32_t)s->opt[O_DIM].num;
  cfg->window = (uint32_t)s->opt[O_WINDOW].num;
  cfg->n_neg = (uint32_t)s->opt[O_N_NEG].num;
  cfg->epochs = (uint32_t)s->opt[O_EPOCHS].num;
  cfg->power = s->opt[O_POWER].num;
  cfg->subsample = s->opt[O_SUBSAMPLE].num;
  cfg->lr = (float)s->opt[O_LR].num;
  int cores = parallel_cores();
  cfg->threads = s->opt[O_THREADS].set    ? (int)s->opt[O_THREADS].num
                 : cores > SG_MAX_THREADS ? SG_MAX_THREADS
                                          : cores;
  cfg->seed = (uint64_t)(int64_t)s->opt[O_SEED].num;
}

static void fn_item2vec_train(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  i2v s;
  memset(&s, 0, sizeof s);
  s.db = sqlite3_context_db_handle(ctx);
  sg_trainer t;
  memset(&t, 0, sizeof t);
  sg_config cfg;
  memset(&cfg, 0, sizeof cfg);
  const seqs *data = NULL;
  char *sum = NULL;
  int rc = parse_args(&s, argc, argv);
  if (rc == SQLITE_OK) rc = model_check_writable(s.db, OBJ, &s.err);
  if (rc == SQLITE_OK) {
    s.users = idmap_new();
    s.items = idmap_new();
    s.sessions = idmap_new();
    s.fields = idmap_new();
    s.values = idmap_new();
    s.fvkeys = idmap_new();
    if (!s.users || !s.items || !s.sessions || !s.fields || !s.values || !s.fvkeys) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) rc = interrupt_init(&s.ic, s.db);
  if (rc == SQLITE_OK) rc = read_events(&s);
  s.have_side = s.opt[O_SIDE_INFO].text != NULL;
  if (rc == SQLITE_OK && s.have_side) rc = read_side_info(&s);
  if (rc == SQLITE_OK) rc = build_sequences(&s, &data);
  if (rc == SQLITE_OK) {
    config_from(&s, &cfg);
    rc = train(&s, &cfg, data, &t);
  }
  if (rc == SQLITE_OK) rc = final_vectors(&s, data);
  if (rc == SQLITE_OK && !(sum = summary(&s, &cfg, data, &t))) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK) rc = write_tables(&s);
  if (rc == SQLITE_OK) {
    sqlite3_result_text(ctx, sum, -1, sqlite3_free);
    sum = NULL;
  } else if (rc == SQLITE_INTERRUPT && !s.err) {
    sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
  } else {
    result_error_free(ctx, rc, s.err);
    s.err = NULL;
  }
  sqlite3_free(sum);
  sg_trainer_free(&t);
  i2v_free(&s);
}

int recsql_register_item2vec_train(sqlite3 *db) {
  int rc = SQLITE_OK;
  for (int n = 2; n <= 3 && rc == SQLITE_OK; n++)
    rc = sqlite3_create_function_v2(db, "item2vec_train", n, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                    fn_item2vec_train, NULL, NULL, NULL);
  return rc;
}
