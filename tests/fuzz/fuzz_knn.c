/*
** fuzz_knn: knn_index with fuzzed options, vectors and queries, then with
** fuzzed bytes written over its shadow tables.
**
** Input: 6 option bytes (dim 1-8 or out of range, metric, index, m,
** ef_construction, ef_search), then values (fz_value: vectors as BLOB or
** JSON, NULL, numbers, raw bytes) for up to 40 inserts with fuzzed rowids,
** queries (MATCH with a fuzzed k, ef_search, rowid IN), updates and deletes;
** the rest of the input is cut into blobs that overwrite rows of x_vectors,
** x_graph (neighbours and level) and x_info. The database lives in memdb
** ("file:/fuzz_knn?vfs=memdb"), so a second connection reopens it from the
** damaged tables; its queries, inserts and deletes may fail (a corrupt
** shadow table is an error) but must not crash, leak or change the schema.
*/
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define URI "file:/fuzz_knn?vfs=memdb"

/* Before the damage: parameters ?1..?4 are values from the input. */
static const fz_stmt writes[] = {
    {NULL, "INSERT INTO x(rowid, embedding) VALUES (?1, ?2)"},
    {NULL, "INSERT OR REPLACE INTO x(rowid, embedding) VALUES (?3 % 64, ?4)"},
    {NULL, "INSERT INTO x(embedding) VALUES (?2)"},
};
static const fz_stmt edits[] = {
    {NULL, "UPDATE x SET embedding = ?2 WHERE rowid = ?1 % 64"},
    {NULL, "UPDATE x SET rowid = ?3 WHERE rowid = ?1 % 64"},
    {NULL, "DELETE FROM x WHERE rowid = ?1 % 64"},
};
static const fz_stmt queries[] = {
    {"knn_index", "SELECT rowid, distance FROM x WHERE embedding MATCH ?1 AND k = ?2"},
    {"knn_index", "SELECT rowid, distance FROM x WHERE embedding MATCH ?3 AND k = 5 AND ef_search = ?4"},
    {"knn_index",
     "SELECT rowid, distance FROM x WHERE embedding MATCH ?1 AND k = ?2 AND rowid IN (?3, ?4, 1, 2, 3)"},
    {"knn_index", "SELECT rowid, distance FROM x WHERE embedding MATCH ?1 AND k = 1000"},
    {"knn_index", "SELECT count(*), sum(length(embedding)) FROM x"},
    {"knn_index", "SELECT embedding FROM x WHERE rowid = ?1"},
};
/* The damage: ?1 a blob from the input, ?2 a row number, ?3 a small integer. */
static const fz_stmt damage[] = {
    {NULL, "UPDATE x_vectors SET vec = ?1 WHERE rowid = (SELECT rowid FROM x_vectors LIMIT 1 OFFSET ?2)"},
    {NULL, "UPDATE x_graph SET neighbors = ?1 WHERE rowid = (SELECT rowid FROM x_graph LIMIT 1 OFFSET ?2)"},
    {NULL, "UPDATE x_graph SET level = ?3 WHERE rowid = (SELECT rowid FROM x_graph LIMIT 1 OFFSET ?2)"},
    {NULL, "UPDATE x_info SET value = ?3 WHERE key = (SELECT key FROM x_info LIMIT 1 OFFSET ?2)"},
    {NULL, "UPDATE x_info SET value = ?1 WHERE key = (SELECT key FROM x_info LIMIT 1 OFFSET ?2)"},
    {NULL, "DELETE FROM x_vectors WHERE rowid = (SELECT rowid FROM x_vectors LIMIT 1 OFFSET ?2)"},
    {NULL, "DELETE FROM x_graph WHERE rowid = (SELECT rowid FROM x_graph LIMIT 1 OFFSET ?2)"},
    {NULL, "INSERT OR REPLACE INTO x_graph VALUES (?3, ?2, ?1)"},
};

static const char *const metrics[] = {"ip", "cosine", "l2", "dot"};

static void run_phase(sqlite3 *db, fz_reader *r, const fz_stmt *stmts, size_t n, int rounds) {
  for (int k = 0; k < rounds && r->n > 0; k++) {
    fz_val v[4];
    int which = fz_byte(r) % (int)n;
    for (int j = 0; j < 4; j++) v[j] = fz_value(r);
    fz_run(db, &stmts[which], v, 4);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  fz_begin();
  fz_reader r = {data, size};
  int b_dim = fz_byte(&r), b_metric = fz_byte(&r), b_index = fz_byte(&r), b_m = fz_byte(&r),
      b_ef = fz_byte(&r), b_efs = fz_byte(&r);
  char create[256];
  int hnsw = b_index % 3 != 0;
  int dim = b_dim < 250 ? 1 + b_dim % 8 : b_dim * 300; /* a few are out of range */
  char efs[32] = "";
  if (b_efs & 1) snprintf(efs, sizeof efs, ", ef_search=%d", b_efs * 41 % 12000);
  /* int8 vectors, with or without re-ranking (bits 1-2 of the same byte) */
  char quant[48] = "";
  int qmode = (b_efs >> 1) & 3;
  if (qmode == 1) snprintf(quant, sizeof quant, ", quantize=int8");
  if (qmode == 2) snprintf(quant, sizeof quant, ", quantize=int8, rerank=%d", b_m % 5);
  if (hnsw)
    snprintf(
        create, sizeof create,
        "CREATE VIRTUAL TABLE x USING knn_index(dim=%d, metric=%s, index=hnsw, m=%d, ef_construction=%d%s%s)",
        dim, metrics[b_metric % 4], b_m % 12, b_ef, efs, quant);
  else
    snprintf(create, sizeof create,
             "CREATE VIRTUAL TABLE x USING knn_index(dim=%d, metric=%s, index=flat%s%s)", dim,
             metrics[b_metric % 4], b_efs % 5 == 1 ? efs : "", quant);
  /* some option bytes give invalid options: then the create must fail cleanly */
  sqlite3 *db = fz_open_uri(URI, NULL);
  fz_stmt mk = {"knn_index", create};
  if (fz_run(db, &mk, NULL, 0) != SQLITE_DONE) {
    fz_close(db);
    return 0;
  }
  run_phase(db, &r, writes, sizeof writes / sizeof *writes, 40);
  run_phase(db, &r, queries, sizeof queries / sizeof *queries, 6);
  run_phase(db, &r, edits, sizeof edits / sizeof *edits, 6);
  run_phase(db, &r, queries, sizeof queries / sizeof *queries, 4);
  /* damage, then reopen from a second connection and use the index */
  int damaged = 0;
  while (r.n > 0 && damaged < 6) {
    int which = fz_byte(&r) % (int)(sizeof damage / sizeof *damage);
    fz_val v[3];
    size_t len = (size_t)fz_byte(&r);
    if (len > r.n) len = r.n;
    v[0] = (fz_val){SQLITE_BLOB, 0, 0, r.p, (int)len};
    r.p += len;
    r.n -= len;
    v[1] = (fz_val){SQLITE_INTEGER, fz_byte(&r) % 48, 0, NULL, 0};
    v[2] = (fz_val){SQLITE_INTEGER, (signed char)fz_byte(&r), 0, NULL, 0};
    fz_run(db, &damage[which], v, 3);
    damaged++;
  }
  run_phase(db, &r, queries, sizeof queries / sizeof *queries, 2);
  sqlite3 *db2 = fz_open_uri(URI, NULL);
  fz_close(db);
  fz_reader r2 = {data, size}; /* the input again, as query values */
  run_phase(db2, &r2, queries, sizeof queries / sizeof *queries, 4);
  run_phase(db2, &r2, writes, sizeof writes / sizeof *writes, 3);
  run_phase(db2, &r2, edits, sizeof edits / sizeof *edits, 3);
  run_phase(db2, &r2, queries, sizeof queries / sizeof *queries, 2);
  fz_stmt drop = {NULL, "DROP TABLE x"};
  fz_run(db2, &drop, NULL, 0);
  fz_close(db2);
  return 0;
}
