/*
** common: the one header every file of ext/ includes. It gathers the
** binding's helpers, one header per idea (docs/internals.md has the map):
**
**   errors.h     the error convention, engine status -> SQLite code/message
**   options.h    opt_spec tables: JSON options, TVF arguments, key=value
**   source.h     sources (table, view, SELECT) into id maps, pairs, CSR
**   vecval.h     embedding values (float32 BLOB or JSON text), validated
**   model.h      writing model tables atomically
**   tvf.h        xBestIndex of table-valued functions
**   interrupt.h  sqlite3_interrupt checks on SQLite 3.40
**
** and declares what each SQL object's file exports: its registration
** function and, for recsql_help (help.c), its option table. Every file of
** ext/ but recsql.c gets SQLITE_EXTENSION_INIT3 through these headers.
*/
#ifndef RECSQL_COMMON_H
#define RECSQL_COMMON_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include "../src/csr.h"
#include "../src/idmap.h"
#include "../src/status.h"
#include "errors.h"
#include "interrupt.h"
#include "model.h"
#include "options.h"
#include "source.h"
#include "tvf.h"
#include "vecval.h"

/* Registration functions, one per file of ext/. */
int recsql_register_embed(sqlite3 *db);
int recsql_register_metrics(sqlite3 *db);
int recsql_register_neg_samples(sqlite3 *db);
int recsql_register_bpr_train(sqlite3 *db);
int recsql_register_recommend(sqlite3 *db);
int recsql_register_swing_sim(sqlite3 *db);
int recsql_register_itemcf_sim(sqlite3 *db);
int recsql_register_knn_index(sqlite3 *db);
int recsql_register_curves(sqlite3 *db);
int recsql_register_config(sqlite3 *db);
/* The cache lines of recsql_debug() for db (sqlite3_free it), or NULL. */
char *config_debug_text(sqlite3 *db);
int recsql_register_item2vec_train(sqlite3 *db);
int recsql_register_auto_train(sqlite3 *db);
int recsql_register_embed_quant(sqlite3 *db);
int recsql_register_i2i_recommend(sqlite3 *db);
int recsql_register_ease_train(sqlite3 *db);
int recsql_register_help(sqlite3 *db);

/* Option tables, one per object that has options, for recsql_help: the
** same table the object checks its arguments with. *n gets the count. */
const opt_spec *neg_samples_specs(int *n);
const opt_spec *bpr_train_specs(int *n);
const opt_spec *recommend_specs(int *n);
const opt_spec *swing_sim_specs(int *n);
const opt_spec *itemcf_sim_specs(int *n);
const opt_spec *metrics_specs(int *n);
const opt_spec *auto_train_specs(int *n);
const opt_spec *item2vec_train_specs(int *n);
const opt_spec *ease_train_specs(int *n);
const opt_spec *i2i_recommend_specs(int *n);

#endif
