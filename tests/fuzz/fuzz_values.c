/*
** fuzz_values: arbitrary SQL values into every scalar function and aggregate.
**
** The input is decoded into up to 64 rows of four values (a, b, c, d) of
** any type (see fz_value: NULL, integers, REAL with NaN/Inf, raw TEXT and
** BLOB, float32 vectors as BLOB or JSON text) stored in table t, plus four
** values bound to ?1..?4; then every statement below runs over t.
** Adding a scalar or aggregate: add its lines to `stmts`.
*/
#include "fuzz.h"

static const fz_stmt stmts[] = {
    /* embeddings: scalars */
    {"embed", "SELECT embed(a), embed(b), embed(?1) FROM t"},
    {"embed_json", "SELECT embed_json(a), embed_json(c), embed_json(?2) FROM t"},
    {"embed_dim", "SELECT embed_dim(a), embed_dim(b) FROM t"},
    {"embed_dot", "SELECT embed_dot(a, b), embed_dot(c, ?1) FROM t"},
    {"embed_cosine", "SELECT embed_cosine(a, c), embed_cosine(b, ?2) FROM t"},
    {"embed_l2", "SELECT embed_l2(b, c), embed_l2(a, ?3) FROM t"},
    {"embed_norm", "SELECT embed_norm(a), embed_norm(d) FROM t"},
    {"embed_normalize", "SELECT embed_normalize(a), embed_normalize(b) FROM t"},
    {"embed", "SELECT embed_dot(embed_normalize(a), embed(embed_json(b))) FROM t"},
    /* embeddings: the aggregate */
    {"embed_avg", "SELECT embed_avg(a) FROM t"},
    {"embed_avg", "SELECT d, embed_avg(b) FROM t GROUP BY d"},
    /* evaluation aggregates, whole table and grouped, k from the data and from ?n */
    {"auc", "SELECT auc(a, b) FROM t"},
    {"auc", "SELECT d, auc(b, c) FROM t GROUP BY d"},
    {"gauc", "SELECT gauc(a, b, c) FROM t"},
    {"gauc", "SELECT gauc(d, a, b) FROM t"},
    {"recall_at_k", "SELECT recall_at_k(a, b, c) FROM t"},
    {"recall_at_k", "SELECT d, recall_at_k(a, b, ?1) FROM t GROUP BY d"},
    {"precision_at_k", "SELECT precision_at_k(b, c, ?2) FROM t"},
    {"precision_at_k", "SELECT d, precision_at_k(a, c, d) FROM t GROUP BY d"},
    {"hit_rate_at_k", "SELECT hit_rate_at_k(a, c, ?3) FROM t"},
    {"hit_rate_at_k", "SELECT d, hit_rate_at_k(b, a, 3) FROM t GROUP BY d"},
    {"ndcg_at_k", "SELECT ndcg_at_k(a, b, ?4) FROM t"},
    {"ndcg_at_k", "SELECT d, ndcg_at_k(c, b, a) FROM t GROUP BY d"},
    {"mrr", "SELECT mrr(a, b) FROM t"},
    {"mrr", "SELECT d, mrr(c, a) FROM t GROUP BY d"},
    /* over an empty input */
    {NULL, "SELECT auc(a, b), gauc(a, b, c), mrr(a, b), embed_avg(a) FROM t WHERE 0"},
};

#define NPARAM 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_run_rows(data, size, stmts, sizeof stmts / sizeof *stmts, NPARAM, 64);
  return 0;
}
