/*
** knn_cache: the in-memory copies of a knn_index table (ext/knn_index.c),
** under the cache budget (src/lru.h) and shared by the connections of a
** process that read the same data. No SQL object of its own.
**
**   knn_cache_open(&c, &store, db);          // xConnect / xCreate
**   knn_copy *x; knn_cache_read(&c, &x);     // a query: a reference to a current copy
**   ... hnsw_search_with(x->h, scratch, ...) ...; knn_copy_release(x);
**   knn_copy *w; knn_cache_write(&c, &w);    // a write: the transaction's private copy
**   knn_cache_sync(&c); knn_cache_commit(&c);  // xSync, xCommit: publish it
**   knn_cache_rollback(&c, to_savepoint);    // xRollback, xRollbackTo
**   knn_cache_close(&c);                     // xDisconnect
**
** How. A copy (knn_copy) is an index (src/hnsw.h) of one generation of the
** table (x_info 'generation'), reference counted with atomic counts, and
** never changed once another connection can see it: readers on many
** threads search it at once, each with its own scratch. Copies are found
** through lru slots (so a copy nobody uses is evicted when the budget is
** exceeded; one in use stays alive through its reference):
**   - a shared slot per (database file path, table uid): every connection
**     of the process that opened the table, in any thread, reads it there.
**     Tables in memory or in temp (no file name) and tables of format < 3
**     (no uid) have no shared slot;
**   - a slot per connection, for a copy the shared slot cannot hold: of a
**     table without a shared slot, or of an older generation than the
**     shared one (a connection still reading an old snapshot).
** Copies in a shared slot count against the process budget only; those in a
** connection's slot also against the connection's budget.
** A query takes the copy of the generation its snapshot holds. If the slot
** holds an older one, the change log (ext/knn_store.h) brings a clone of it
** up to date (knn_store_apply: only the logged rows are read); otherwise,
** or when the log does not reach back, the table is loaded in full. One
** thread at a time builds the shared copy of a table (the others wait, then
** find it built).
**
** A write transaction changes a private copy: the cached one itself when
** nobody holds it and no other connection has read it since it was made
** (lru_take; a connection that writes row by row while another only has the
** table open does not copy the index each time), else a clone of it, so
** that readers keep theirs. Its changes
** are logged under the generation it will commit; at COMMIT the copy is
** published as that generation; at ROLLBACK it is discarded (ROLLBACK TO:
** the next use loads the transaction's state from the shadow tables).
** The private copy is counted in the budget from its COMMIT on.
*/
#ifndef RECSQL_KNN_CACHE_H
#define RECSQL_KNN_CACHE_H

#include "knn_store.h"

typedef struct knn_copy knn_copy;
struct knn_copy {
  int ref; /* atomic */
  hnsw *h;
  sqlite3_int64 generation; /* of the table it holds */
  int64_t max_rowid;        /* largest rowid (new rowids follow it) */
  size_t bytes;             /* what the budget counts */
  const void *by;           /* the knn_cache that made it */
  int read_by_others;       /* atomic: another knn_cache read it */
};

void knn_copy_release(knn_copy *x);

typedef struct knn_home knn_home;
typedef struct knn_cache knn_cache;
struct knn_cache {
  knn_store *st;
  sqlite3 *db;
  knn_home *home;        /* the shared slot; NULL when the table has none */
  void *own;             /* this connection's slot */
  unsigned data_version; /* of the file when generation was read */
  sqlite3_int64 generation;
  int known;    /* generation was read */
  int synced;   /* knn_cache_sync ran in this transaction */
  knn_copy *w;  /* the write transaction's private copy */
  int w_reload; /* after ROLLBACK TO: w is to be loaded from the tables */
};

/* Sets c up for the table of st (whose meta is read); SQLITE_NOMEM. */
int knn_cache_open(knn_cache *c, knn_store *st);
void knn_cache_close(knn_cache *c);

/* A reference to the copy this connection's snapshot sees (the
** transaction's own copy when it wrote); release it with knn_copy_release. */
int knn_cache_read(knn_cache *c, knn_copy **out);

/* The write transaction's private copy (made on the first write; the
** caller changes x->h and x->max_rowid). Starts logging changes. */
int knn_cache_write(knn_cache *c, knn_copy **out);

/* The private copy became unusable (out of memory while changing it):
** the next use loads the transaction's state from the shadow tables. */
void knn_cache_lose_write(knn_cache *c);

/* xSync of a transaction that wrote: ends the log, bumps the generation. */
int knn_cache_sync(knn_cache *c);
/* xCommit: publishes the private copy as the committed generation. */
void knn_cache_commit(knn_cache *c);
/* xRollback (to_savepoint 0) or xRollbackTo (1). */
void knn_cache_rollback(knn_cache *c, int to_savepoint);

/* Since the process started: copies in memory now (cached or in use) and
** their bytes, tables loaded in full, copies brought up to date by the
** change log. */
typedef struct knn_cache_counts knn_cache_counts;
struct knn_cache_counts {
  size_t copies, bytes;
  uint64_t loads, catch_ups;
};
void knn_cache_stats(knn_cache_counts *out);

#endif
