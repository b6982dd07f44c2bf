/*
** knn_store: the storage of knn_index (ext/knn_index.c, the virtual table):
** its shadow tables, their on-disk format, loading them into an in-memory
** index (src/hnsw.h) and writing changes back. No SQL object of its own.
**
** Storage format, version 4 (KNN_FORMAT). For a table x in schema s:
**   s.x_info(key TEXT PRIMARY KEY, value)
**       format_version 4, dim, metric ('ip'|'cosine'|'l2'), index
**       ('flat'|'hnsw'), m, ef_construction, ef_search, quantize
**       ('none'|'int8'), rerank (0 = off, else the factor), verbose (0|1),
**       entry_point (rowid of the HNSW entry node, NULL when empty),
**       max_level (its level, -1 when empty), generation (change counter,
**       +1 per committed write transaction), uid (a random int64 drawn at
**       CREATE: tells this table from one dropped and re-created under the
**       same name), log_from (x_changes holds every change of the
**       generations after it), log_rows (an upper bound of x_changes' rows)
**   s.x_vectors(rowid INTEGER PRIMARY KEY, vec BLOB)
**       one row per indexed vector. quantize=none, or int8 with rerank > 0
**       (the float vectors are kept): 4*dim bytes, float32 little-endian, as
**       inserted (the int8 codes are computed again when loading).
**       quantize=int8 with rerank = 0: dim + 8 * ceil(dim / 32) bytes, the
**       affine codes u_i as unsigned bytes, then for each block of 32
**       dimensions (the last may be shorter) its lo and step as float32 LE
**       (src/quant.h; x_i is lo + step * u_i with its block's values) of the
**       vector as inserted (cosine: of the unit vector).
**   s.x_graph(rowid INTEGER PRIMARY KEY, level INTEGER, neighbors BLOB)
**       hnsw only, one row per node (same rowid as x_vectors): its top level L
**       and, for each level 0..L, an int64 LE count c followed by c int64 LE
**       rowids of its neighbours (c <= 2m at level 0, <= m above).
**       quantize=int8 tables (whose graph would otherwise outweigh their
**       vectors) pack the same lists: for each level a varint count c, then
**       c zigzag varints, each neighbour's rowid minus the previous one (the
**       node's own rowid before the first). Varints are LEB128 (7 bits a byte,
**       low first, high bit = more), zigzag maps d to 2d (d >= 0) or -2d - 1.
**   s.x_changes(generation INTEGER, rowid INTEGER, op INTEGER,
**               PRIMARY KEY(generation, rowid)) WITHOUT ROWID
**       the change log: each write transaction adds, under the generation it
**       commits, one row per rowid whose x_vectors row (op 1: written or
**       deleted) or x_graph row only (op 0) it changed. A reader whose copy
**       is of generation g >= log_from brings it up to date by reading the
**       logged rows of generation > g from x_vectors and x_graph (the tables
**       stay the truth; the log only says where to look). Each commit prunes
**       whole generations from the oldest, when log_rows passed KNN_LOG_ROWS,
**       until at most KNN_LOG_ROWS / 2 remain (a transaction changing more
**       than KNN_LOG_ROWS logs nothing) and raises log_from to the last
**       pruned generation.
**   Anything else (a wrong blob length, a non-finite value, an unknown
**   neighbour, a missing node) is reported as a corrupt shadow table.
**
** Version 3 is version 4 with one block for the whole vector in int8
** rows (dim + 8 bytes); read and written as it is (new rows get one lo and
** step per vector), so that builds of version 3 still open it. Builds
** before version 4 refuse version 4 tables.
** Version 2 is version 3 without uid, log_from, log_rows and x_changes,
** and differs in the int8 rows: dim + 4 bytes, symmetric codes c_i as
** signed bytes then the float32 LE scale s (embed_quantize_int8's layout),
** loaded as u = c + 128, lo = -128 s, step = s. Version 1 (recsql before
** quantization) is version 2 without the keys quantize, rerank and verbose
** (read as none, 0, 0). Versions 1 and 2 are read and written as they are
** (new rows of a version 2 int8 table get its symmetric codes; no log, so
** older builds can still open them and no change can go unlogged); their
** readers reload the whole index when another connection wrote, and their
** copies are not shared between connections (without a uid a re-created
** table could pass for the old one). Other versions are refused with a
** message naming the versions read (builds before version 3 refuse
** version 3 tables, whose log they would not keep).
*/
#ifndef RECSQL_KNN_STORE_H
#define RECSQL_KNN_STORE_H

#include "../src/hnsw.h"
#include "common.h"

#define KNN_FORMAT 4
#define KNN_LOG_ROWS 10000 /* rows the change log keeps at most */
#define KNN_EF_MAX 10000   /* pgvector stops at 1000; 200k Gaussian IP needs ~800 for recall 0.95 */
#define KNN_RERANK_MAX 100

enum { KNN_IDX_FLAT = 0, KNN_IDX_HNSW = 1 };
enum { KNN_Q_NONE = 0, KNN_Q_INT8 = 1 };

extern const char *const knn_metric_names[];
extern const char *const knn_index_names[];
extern const char *const knn_quant_names[];
/* Index of s in names (case-insensitive), or -1. */
int knn_choice(const char *const *names, const char *s);

/* A table's parameters, as given to CREATE and kept in x_info. */
typedef struct knn_meta knn_meta;
struct knn_meta {
  int format, dim, metric, index, m, ef_construction, ef_search, quant, rerank, verbose;
  sqlite3_int64 uid; /* version 3; 0 before */
};

/* 1 when x_vectors holds 8-bit codes (quantize=int8 without rerank). */
static inline int knn_meta_codes(const knn_meta *m) { return m->quant == KNN_Q_INT8 && !m->rerank; }

typedef struct knn_store knn_store;
struct knn_store {
  sqlite3 *db;
  sqlite3_vtab *vtab; /* error messages go to its zErrMsg */
  char *schema, *name;
  knn_meta meta;
  sqlite3_stmt *st_get, *st_ins, *st_del_vec, *st_del_graph, *st_put_graph, *st_put_info, *st_log;
  /* the change log of the current write transaction (version 3) */
  sqlite3_int64 log_gen; /* the generation it commits; 0: not logging */
  int64_t log_rows;      /* rows logged */
};

/* Sets the vtab's error message (taking msg) and returns rc (SQLITE_NOMEM
** when rc is SQLITE_ERROR and msg is NULL: the message could not be made). */
int knn_store_error(knn_store *s, int rc, char *msg);

/* Creates the shadow tables of a new table and its x_info rows; draws
** m->uid. */
int knn_store_create(sqlite3 *db, const char *schema, const char *name, knn_meta *m, char **err);

/* Reads x_info into m, checking the format version and every value; a
** message when it cannot. *nomem is set when out of memory. */
char *knn_store_read_info(sqlite3 *db, const char *schema, const char *name, knn_meta *m, int *nomem);

/* A new empty in-memory index with the table's parameters; NULL: no memory. */
hnsw *knn_store_new_index(const knn_meta *m);

/* Loads the shadow tables into a new index (*out) and the largest rowid. */
int knn_store_load(knn_store *s, hnsw **out, int64_t *max_rowid);

/* Writes the graph nodes changed since the last flush and the entry point.
** SQLITE_NOMEM leaves h unusable (drop it). */
int knn_store_flush(knn_store *s, hnsw *h);

/* Writes the row (rowid, v) to x_vectors in the table's layout and adds it
** to h. SQLITE_NOMEM leaves h unusable (drop it). */
int knn_store_add(knn_store *s, hnsw *h, int64_t rowid, const float *v);

/* Deletes rowid's shadow rows (absent is fine). */
int knn_store_remove(knn_store *s, int64_t rowid);

/* The embedding column from a stored vec value: the float32 BLOB, or the
** decoded codes as one. */
int knn_store_result(knn_store *s, sqlite3_context *ctx, sqlite3_value *vec);

/* The embedding column of rowid. */
int knn_store_result_rowid(knn_store *s, sqlite3_context *ctx, int64_t rowid);

/* A statement scanning (rowid, vec) in rowid order, or of rowid ?1. */
int knn_store_scan(knn_store *s, int one_rowid, sqlite3_stmt **out);

/* Starts logging the changes of a write transaction that commits
** generation gen (a no-op before version 3). */
void knn_store_log_begin(knn_store *s, sqlite3_int64 gen);
/* Before COMMIT: prunes the log and raises log_from (see the format);
** stops logging. */
int knn_store_log_end(knn_store *s);

/* Brings h, a copy of generation gen with largest rowid *max_rowid, to the
** generation the shadow tables hold by applying the change log. *applied
** is 0 (h untouched) when the log cannot do it: version < 3, the log does
** not reach back to gen, or more changes than a reload would read; h is
** then to be loaded again. An error other than SQLITE_NOMEM leaves h
** half-updated (drop it; a reload reports what is wrong). */
int knn_store_apply(knn_store *s, hnsw *h, sqlite3_int64 gen, int64_t *max_rowid, int *applied);

/* x_info 'generation' (0 when absent); bumping it by one. */
int knn_store_generation(knn_store *s, sqlite3_int64 *gen);
int knn_store_bump_generation(knn_store *s);

/* The database file's data version (SQLITE_FCNTL_DATA_VERSION). */
unsigned knn_store_data_version(knn_store *s);

int knn_store_drop(knn_store *s);
int knn_store_rename(knn_store *s, const char *new_name);
void knn_store_finalize(knn_store *s);
int knn_store_shadow_name(const char *suffix);

#endif
