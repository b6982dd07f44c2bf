/*
** i2i: scores from an item-item table. See i2i.h.
*/
#include "i2i.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "topk.h"

void i2i_sim_free(i2i_sim *s) {
  free(s->ptr);
  free(s->nb);
  free(s->w);
  memset(s, 0, sizeof *s);
}

void i2i_history_free(i2i_history *h) {
  free(h->ptr);
  free(h->item);
  free(h->weight);
  memset(h, 0, sizeof *h);
}

void i2i_result_free(i2i_result *r) {
  free(r->count);
  free(r->item);
  free(r->score);
  memset(r, 0, sizeof *r);
}

/* Row offsets of a counting sort by key: ptr[r] = first slot of row r. */
static size_t *count_rows(const uint32_t *key, size_t n, uint32_t rows) {
  size_t *ptr = calloc((size_t)rows + 2, sizeof *ptr);
  if (!ptr) return NULL;
  for (size_t e = 0; e < n; e++) ptr[key[e] + 1]++;
  for (uint32_t r = 0; r < rows; r++) ptr[r + 1] += ptr[r];
  return ptr;
}

typedef struct nbw nbw;
struct nbw {
  double w;
  uint32_t rank, nb;
};

static int nbw_cmp(const void *x, const void *y) {
  const nbw *a = x, *b = y;
  if (a->w != b->w) return a->w > b->w ? -1 : 1;
  return (a->rank > b->rank) - (a->rank < b->rank);
}

rs_status i2i_sim_build(i2i_sim *out, uint32_t n_items, const uint32_t *a, const uint32_t *b, const double *w,
                        size_t n, const uint32_t *rank) {
  memset(out, 0, sizeof *out);
  out->n_items = n_items;
  out->ptr = count_rows(a, n, n_items);
  out->nb = malloc(sizeof(uint32_t) * (n + 1));
  out->w = malloc(sizeof(double) * (n + 1));
  size_t *fill = malloc(sizeof(size_t) * ((size_t)n_items + 1));
  nbw *row = NULL;
  if (!out->ptr || !out->nb || !out->w || !fill) goto nomem;
  memcpy(fill, out->ptr, sizeof(size_t) * n_items);
  for (size_t e = 0; e < n; e++) {
    size_t slot = fill[a[e]]++;
    out->nb[slot] = b[e];
    out->w[slot] = w[e];
  }
  size_t longest = 0;
  for (uint32_t r = 0; r < n_items; r++)
    if (out->ptr[r + 1] - out->ptr[r] > longest) longest = out->ptr[r + 1] - out->ptr[r];
  if (!(row = malloc(sizeof *row * (longest + 1)))) goto nomem;
  for (uint32_t r = 0; r < n_items; r++) {
    size_t p0 = out->ptr[r], d = out->ptr[r + 1] - p0;
    for (size_t e = 0; e < d; e++) row[e] = (nbw){out->w[p0 + e], rank[out->nb[p0 + e]], out->nb[p0 + e]};
    qsort(row, d, sizeof *row, nbw_cmp);
    for (size_t e = 0; e < d; e++) {
      out->nb[p0 + e] = row[e].nb;
      out->w[p0 + e] = row[e].w;
    }
  }
  free(row);
  free(fill);
  return RS_OK;
nomem:
  free(row);
  free(fill);
  i2i_sim_free(out);
  return RS_NOMEM;
}

/* One history row, for sorting by (user, item). */
typedef struct hrow hrow;
struct hrow {
  uint32_t item;
  double time;
};

static int hrow_cmp(const void *x, const void *y) {
  const hrow *a = x, *b = y;
  return (a->item > b->item) - (a->item < b->item);
}

/* Weights of one user's rows rows[0..d) (sorted by item), written distinct
** into item/weight; returns how many. */
static size_t user_weights(hrow *rows, size_t d, int count, double half_life, uint32_t *item,
                           double *weight) {
  double latest = -INFINITY;
  for (size_t e = 0; e < d; e++)
    if (rows[e].time > latest) latest = rows[e].time;
  size_t m = 0;
  for (size_t e = 0; e < d;) {
    size_t f = e;
    double t = rows[e].time;
    while (f < d && rows[f].item == rows[e].item) {
      if (rows[f].time > t) t = rows[f].time;
      f++;
    }
    double c = (double)(f - e), w = 1.0;
    if (count == I2I_COUNT_LINEAR) w = c;
    if (count == I2I_COUNT_LOG) w = 1.0 + log(c);
    if (half_life > 0) w *= exp2(-(latest - t) / half_life);
    item[m] = rows[e].item;
    weight[m] = w;
    m++;
    e = f;
  }
  return m;
}

rs_status i2i_history_build(i2i_history *out, uint32_t n_users, uint32_t n_items, const uint32_t *user,
                            const uint32_t *item, const double *time, size_t n, int count, double half_life) {
  (void)n_items;
  memset(out, 0, sizeof *out);
  out->n_users = n_users;
  size_t *ptr = count_rows(user, n, n_users), *fill = malloc(sizeof(size_t) * ((size_t)n_users + 1));
  hrow *rows = malloc(sizeof *rows * (n + 1));
  out->ptr = calloc((size_t)n_users + 1, sizeof(size_t));
  out->item = malloc(sizeof(uint32_t) * (n + 1));
  out->weight = malloc(sizeof(double) * (n + 1));
  rs_status s = RS_NOMEM;
  if (!ptr || !fill || !rows || !out->ptr || !out->item || !out->weight) goto done;
  memcpy(fill, ptr, sizeof(size_t) * n_users);
  for (size_t e = 0; e < n; e++) rows[fill[user[e]]++] = (hrow){item[e], time && half_life > 0 ? time[e] : 0};
  size_t m = 0;
  for (uint32_t u = 0; u < n_users; u++) {
    hrow *r = rows + ptr[u];
    size_t d = ptr[u + 1] - ptr[u];
    qsort(r, d, sizeof *r, hrow_cmp);
    m += user_weights(r, d, count, half_life, out->item + m, out->weight + m);
    out->ptr[u + 1] = m;
  }
  s = RS_OK;
done:
  free(ptr);
  free(fill);
  free(rows);
  if (s) i2i_history_free(out);
  return s;
}

typedef struct i2i_job i2i_job;
struct i2i_job {
  const i2i_history *h;
  const i2i_sim *s;
  const uint32_t *rank, *by_rank, *users;
  uint32_t n;
  const i2i_params *p;
  progress *prog;
  i2i_result *out;
  atomic_uint next;
  atomic_int failed;
};

/* Scores user u into acc (touched items listed), then keeps the top k. */
static void score_user(const i2i_job *j, uint32_t q, double *acc, uint8_t *seen, uint32_t *touched, topk *t) {
  const i2i_history *h = j->h;
  const i2i_sim *s = j->s;
  uint32_t u = j->users[q], nt = 0;
  for (size_t e = h->ptr[u]; e < h->ptr[u + 1]; e++) {
    uint32_t a = h->item[e];
    double w = h->weight[e];
    size_t p0 = s->ptr[a], p1 = s->ptr[a + 1];
    if (j->p->neighbors && p1 - p0 > j->p->neighbors) p1 = p0 + j->p->neighbors;
    for (size_t f = p0; f < p1; f++) {
      uint32_t b = s->nb[f];
      if (!seen[b]) {
        seen[b] = 1;
        touched[nt++] = b;
      }
      acc[b] += w * s->w[f];
    }
  }
  if (!j->p->keep_history)
    for (size_t e = h->ptr[u]; e < h->ptr[u + 1]; e++)
      if (seen[h->item[e]]) seen[h->item[e]] = 2;
  topk_reset(t);
  for (uint32_t x = 0; x < nt; x++) {
    uint32_t b = touched[x];
    if (seen[b] == 1) topk_push(t, acc[b], j->rank[b]);
    seen[b] = 0;
    acc[b] = 0;
  }
  size_t c = topk_sort(t);
  i2i_result *r = j->out;
  r->count[q] = (uint32_t)c;
  for (size_t e = 0; e < c; e++) {
    r->item[(size_t)q * r->k + e] = j->by_rank[t->id[e]];
    r->score[(size_t)q * r->k + e] = t->score[e];
  }
}

static void i2i_worker(void *arg, int tid) {
  i2i_job *j = arg;
  size_t ni = j->s->n_items;
  double *acc = calloc(ni + 1, sizeof *acc);
  uint8_t *seen = calloc(ni + 1, 1);
  uint32_t *touched = malloc(sizeof(uint32_t) * (ni + 1));
  topk t = {0};
  if (!acc || !seen || !touched || topk_init(&t, j->p->k)) {
    atomic_store(&j->failed, 1);
  } else {
    for (;;) {
      if (tid == 0) progress_poll(j->prog);
      if (progress_stopped(j->prog) || atomic_load(&j->failed)) break;
      uint32_t q = atomic_fetch_add(&j->next, 1);
      if (q >= j->n) break;
      score_user(j, q, acc, seen, touched, &t);
    }
  }
  topk_free(&t);
  free(acc);
  free(seen);
  free(touched);
}

rs_status i2i_recommend(const i2i_history *h, const i2i_sim *s, const uint32_t *rank, const uint32_t *by_rank,
                        const uint32_t *users, uint32_t n, const i2i_params *p, progress *prog,
                        i2i_result *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  out->k = p->k;
  out->count = calloc((size_t)n + 1, sizeof(uint32_t));
  out->item = malloc(sizeof(uint32_t) * ((size_t)n * p->k + 1));
  out->score = malloc(sizeof(double) * ((size_t)n * p->k + 1));
  if (!out->count || !out->item || !out->score) {
    i2i_result_free(out);
    return RS_NOMEM;
  }
  i2i_job j = {h, s, rank, by_rank, users, n, p, prog, out, 0, 0};
  int threads = p->threads < 1 ? 1 : p->threads;
  if ((uint32_t)threads > n) threads = n ? (int)n : 1;
  parallel_run(threads, i2i_worker, &j);
  rs_status st = atomic_load(&j.failed) ? RS_NOMEM : progress_stopped(prog) ? RS_STOPPED : RS_OK;
  if (st) i2i_result_free(out);
  return st;
}
