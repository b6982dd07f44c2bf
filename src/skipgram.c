/*
** skipgram: see skipgram.h.
**
** The block step (sg_block) loads each output row once for the whole
** window instead of once per (context, target) pair, and the negatives
** are drawn once per window instead of once per pair: the memory traffic
** on the output table, the cost of skip-gram over many items, falls by
** the window's size (the idea of Ji et al., "Parallelizing Word2Vec in
** Shared and Distributed Memory", 2016). It is compiled for AVX-512, AVX2
** and baseline and picked at load time, as vec.c does; the dot keeps 16
** partial sums so that it vectorizes without reassociation flags.
**
** Hogwild threads share the input and output rows without a data race:
** train_center copies the window's rows in with relaxed atomic loads
** (hogwild.h; a row drawn as several targets is copied once, so that its
** updates add up as in place), runs sg_block on the copies, copies the output rows out
** with relaxed atomic stores and adds the inputs' steps with hw_axpy. The
** arithmetic is that of the in-place code: bit-identical.
*/
#include "skipgram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hogwild.h"
#include "vec.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(RECSQL_NO_CLONES)
#define SG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SG_CLONES
#endif

#define SG_LR_FLOOR 1e-4f
#define SG_POLL_TOKENS 4096
#define SG_LOSS_EVERY 16

rs_status sg_model_init(sg_model *m, uint32_t n, uint32_t dim, eges *side, uint64_t seed) {
  memset(m, 0, sizeof *m);
  size_t sz = (size_t)n * dim;
  m->in = malloc((sz ? sz : 1) * sizeof *m->in);
  m->out = calloc(sz ? sz : 1, sizeof *m->out);
  if (!m->in || !m->out) {
    sg_model_free(m);
    return RS_NOMEM;
  }
  m->n = n;
  m->dim = dim;
  m->side = side;
  rng g;
  rng_seed(&g, seed, 0x53470000u);
  for (size_t k = 0; k < sz; k++) m->in[k] = (rng_float(&g) - 0.5f) / (float)dim;
  return RS_OK;
}

void sg_model_free(sg_model *m) {
  free(m->in);
  free(m->out);
  memset(m, 0, sizeof *m);
}

/* 16-float vectors of GCC/clang: the compiler maps them onto whatever the
** clone's instruction set has (one AVX-512 register, two AVX2, four SSE). */
typedef float sg_v16 __attribute__((vector_size(64)));

static inline float dot16(const float *a, const float *b, uint32_t n) {
  sg_v16 acc = {0};
  uint32_t i = 0;
  for (; i + 16 <= n; i += 16) {
    sg_v16 x, y;
    memcpy(&x, a + i, sizeof x);
    memcpy(&y, b + i, sizeof y);
    acc += x * y;
  }
  float s = 0.0f;
  for (; i < n; i++) s += a[i] * b[i];
  for (int l = 0; l < 16; l++) s += acc[l];
  return s;
}

SG_CLONES
float sg_block(float *out, uint32_t dim, const float *const *h, uint32_t nb, float *gh,
               const uint32_t *targets, uint32_t nt, float lr, float *g, int want_loss) {
  const uint32_t nl = nb * nt;
  float *e = g + nl, loss = 0.0f;
  for (uint32_t k = 0; k < nt; k++) {
    const float *o = out + (size_t)targets[k] * dim;
    for (uint32_t b = 0; b < nb; b++) g[k * nb + b] = dot16(h[b], o, dim);
  }
  /* sigmoid(f) from exp(-|f|), vectorized, without overflow; label 1 for
  ** the positive (the first nb logits) */
  for (uint32_t l = 0; l < nl; l++) { /* a NaN (diverged) logit goes in as -87: vec_exp_shift needs numbers */
    float a = -fabsf(g[l]);
    e[l] = a >= -87.0f ? a : -87.0f;
  }
  vec_exp_shift(e, nl, 0.0f);
  for (uint32_t l = 0; l < nl; l++) {
    float f = g[l], sig = f >= 0 ? 1.0f / (1.0f + e[l]) : e[l] / (1.0f + e[l]);
    if (want_loss) loss += log1pf(e[l]) + (l < nb ? (f < 0 ? -f : 0.0f) : (f > 0 ? f : 0.0f));
    g[l] = ((l < nb ? 1.0f : 0.0f) - sig) * lr;
  }
  /* the inputs' gradients from the outputs before their update, then the
  ** outputs; each row written once, the sums kept in registers */
  uint32_t x = 0;
  for (; x + 16 <= dim; x += 16)
    for (uint32_t b = 0; b < nb; b++) {
      sg_v16 acc, o;
      memcpy(&acc, gh + (size_t)b * dim + x, sizeof acc);
      for (uint32_t k = 0; k < nt; k++) {
        memcpy(&o, out + (size_t)targets[k] * dim + x, sizeof o);
        acc += g[k * nb + b] * o;
      }
      memcpy(gh + (size_t)b * dim + x, &acc, sizeof acc);
    }
  for (; x < dim; x++)
    for (uint32_t b = 0; b < nb; b++)
      for (uint32_t k = 0; k < nt; k++)
        gh[(size_t)b * dim + x] += g[k * nb + b] * out[(size_t)targets[k] * dim + x];
  for (uint32_t k = 0; k < nt; k++) {
    float *o = out + (size_t)targets[k] * dim;
    const float *gk = g + (size_t)k * nb;
    for (x = 0; x + 16 <= dim; x += 16) {
      sg_v16 acc, hv;
      memcpy(&acc, o + x, sizeof acc);
      for (uint32_t b = 0; b < nb; b++) {
        memcpy(&hv, h[b] + x, sizeof hv);
        acc += gk[b] * hv;
      }
      memcpy(o + x, &acc, sizeof acc);
    }
    for (; x < dim; x++)
      for (uint32_t b = 0; b < nb; b++) o[x] += gk[b] * h[b][x];
  }
  return loss;
}

void sg_trainer_free(sg_trainer *t) {
  alias_free(&t->neg);
  free(t->keep);
  free(t->split);
  memset(t, 0, sizeof *t);
}

/* Thread shares: sequence boundaries that split the items evenly. */
static void split_sequences(sg_trainer *t, int threads) {
  const seqs *s = t->data;
  uint32_t q = 0;
  t->split[0] = 0;
  for (int k = 1; k < threads; k++) {
    size_t goal = s->off[s->n] * (size_t)k / (size_t)threads;
    while (q < s->n && s->off[q] < goal) q++;
    t->split[k] = q;
  }
  t->split[threads] = s->n;
}

rs_status sg_trainer_init(sg_trainer *t, const sg_config *cfg, const seqs *data, sg_model *m) {
  memset(t, 0, sizeof *t);
  t->cfg = cfg;
  t->data = data;
  t->m = m;
  int threads = cfg->threads < 1 ? 1 : cfg->threads;
  uint64_t *count = malloc((m->n ? m->n : 1) * sizeof *count);
  double *w = malloc((m->n ? m->n : 1) * sizeof *w);
  t->keep = malloc((m->n ? m->n : 1) * sizeof *t->keep);
  t->split = malloc(((size_t)threads + 1) * sizeof *t->split);
  rs_status rc = RS_NOMEM;
  if (!count || !w || !t->keep || !t->split) goto done;
  seqs_count(data, m->n, count);
  t->tokens = data->off[data->n];
  for (uint32_t q = 0; q < data->n; q++)
    if (data->off[q + 1] - data->off[q] > t->max_len)
      t->max_len = (uint32_t)(data->off[q + 1] - data->off[q]);
  double thr = cfg->subsample * (double)t->tokens;
  for (uint32_t v = 0; v < m->n; v++) {
    w[v] = count[v] ? pow((double)count[v], cfg->power) : 0.0;
    double c = (double)count[v];
    t->keep[v] = cfg->subsample > 0 && c > 0 ? (float)fmin(1.0, (sqrt(c / thr) + 1.0) * thr / c) : 1.0f;
  }
  if (t->tokens == 0) {
    rc = RS_INVALID;
    goto done;
  }
  if (alias_build(&t->neg, w, m->n)) goto done;
  split_sequences(t, threads);
  rc = RS_OK;
done:
  free(count);
  free(w);
  if (rc != RS_OK) sg_trainer_free(t);
  return rc;
}

typedef struct sg_tally sg_tally;
struct sg_tally {
  double loss; /* sum of the sampled blocks' mean loss per input */
  uint64_t loss_n, pairs, centers;
};

typedef struct sg_job sg_job;
struct sg_job {
  sg_trainer *t;
  uint32_t epoch;
  int threads;
  progress *prog;
  int nomem;
  sg_tally tally[SG_MAX_THREADS]; /* per thread, summed after the epoch */
};

typedef struct sg_scratch sg_scratch;
struct sg_scratch {
  uint32_t *sen, *targets, *ctx;
  const float **h;
  float *gh, *g;
  float *hin;      /* 2 window x dim: copies of the contexts' input rows */
  float *obuf;     /* n_neg + 1 x dim: copies of the targets' output rows */
  uint32_t *slot;  /* n_neg + 1: each target's copy in obuf */
  uint32_t *rows;  /* n_neg + 1: the output row of each copy */
  uint32_t *hslot; /* hcap: open-addressing table, row -> copy */
  uint32_t hcap;   /* a power of 2, at least 2 (n_neg + 1) */
  eges_work *ew;   /* 2 window, with side information */
  uint32_t n_ew;
};

static void scratch_free(sg_scratch *s) {
  free(s->sen);
  free(s->targets);
  free(s->ctx);
  free(s->h);
  free(s->gh);
  free(s->g);
  free(s->hin);
  free(s->obuf);
  free(s->slot);
  free(s->rows);
  free(s->hslot);
  for (uint32_t k = 0; k < s->n_ew; k++) eges_work_free(&s->ew[k]);
  free(s->ew);
}

static int scratch_init(sg_scratch *s, const sg_trainer *t) {
  memset(s, 0, sizeof *s);
  size_t w2 = 2 * (size_t)t->cfg->window, nt = t->cfg->n_neg + 1;
  s->sen = malloc((t->max_len ? t->max_len : 1) * sizeof *s->sen);
  s->targets = malloc(nt * sizeof *s->targets);
  s->ctx = malloc(w2 * sizeof *s->ctx);
  s->h = malloc(w2 * sizeof *s->h);
  s->gh = malloc(w2 * t->m->dim * sizeof *s->gh);
  s->g = malloc(2 * w2 * nt * sizeof *s->g);
  s->hin = malloc(w2 * t->m->dim * sizeof *s->hin);
  s->obuf = malloc(nt * t->m->dim * sizeof *s->obuf);
  s->slot = malloc(nt * sizeof *s->slot);
  s->rows = malloc(nt * sizeof *s->rows);
  s->hcap = 2;
  while (s->hcap < 2 * nt) s->hcap *= 2;
  s->hslot = malloc(s->hcap * sizeof *s->hslot);
  int bad = !s->sen || !s->targets || !s->ctx || !s->h || !s->gh || !s->g || !s->hin || !s->obuf ||
            !s->slot || !s->rows || !s->hslot;
  if (!bad && t->m->side) {
    s->ew = calloc(w2, sizeof *s->ew);
    bad = !s->ew;
    for (; !bad && s->n_ew < w2; s->n_ew++) bad = eges_work_init(&s->ew[s->n_ew], t->m->side) != RS_OK;
  }
  if (bad) {
    scratch_free(s);
    return -1;
  }
  return 0;
}

/* Copies the output rows of targets[0..nt) into sc->obuf, one copy per
** distinct row (a row drawn twice is updated twice in one copy, as in
** place), and each target's copy number into sc->slot. Returns the number
** of copies. */
static uint32_t gather_outputs(const sg_model *m, sg_scratch *sc, uint32_t nt) {
  const uint32_t d = m->dim, mask = sc->hcap - 1;
  uint32_t nu = 0;
  memset(sc->hslot, 0xff, sc->hcap * sizeof *sc->hslot);
  for (uint32_t k = 0; k < nt; k++) {
    uint32_t r = sc->targets[k], h = (r * 2654435761u) & mask;
    while (sc->hslot[h] != UINT32_MAX && sc->rows[sc->hslot[h]] != r) h = (h + 1) & mask;
    if (sc->hslot[h] == UINT32_MAX) {
      sc->hslot[h] = nu;
      sc->rows[nu] = r;
      hw_load(sc->obuf + (size_t)nu * d, m->out + (size_t)r * d, d);
      nu++;
    }
    sc->slot[k] = sc->hslot[h];
  }
  return nu;
}

/* Position i of sen[0..n): its window's contexts train to predict sen[i]
** against negatives shared by the window (one block step). */
static void train_center(sg_trainer *t, sg_tally *ty, sg_scratch *sc, uint32_t i, uint32_t n, float lr,
                         rng *g) {
  sg_model *m = t->m;
  const uint32_t d = m->dim, win = t->cfg->window, nn = t->cfg->n_neg;
  uint32_t b = win - rng_below(g, win); /* 1 .. window */
  uint32_t lo = i > b ? i - b : 0, hi = i + b + 1 < n ? i + b + 1 : n, nb = 0, nt = 1;
  uint32_t center = sc->sen[i];
  for (uint32_t j = lo; j < hi; j++)
    if (j != i) sc->ctx[nb++] = sc->sen[j];
  if (nb == 0) return;
  sc->targets[0] = center;
  for (uint32_t k = 0; k < nn; k++) {
    uint32_t x = alias_draw(&t->neg, g);
    if (x != center) sc->targets[nt++] = x;
  }
  for (uint32_t c = 0; c < nb; c++) {
    float *id_row = m->in + (size_t)sc->ctx[c] * d;
    if (m->side) {
      eges_forward(m->side, sc->ctx[c], id_row, &sc->ew[c]);
      sc->h[c] = sc->ew[c].h;
    } else {
      hw_load(sc->hin + (size_t)c * d, id_row, d);
      sc->h[c] = sc->hin + (size_t)c * d;
    }
  }
  uint32_t nu = gather_outputs(m, sc, nt);
  memset(sc->gh, 0, (size_t)nb * d * sizeof *sc->gh);
  int want = (ty->centers++ % SG_LOSS_EVERY) == 0;
  float l = sg_block(sc->obuf, d, sc->h, nb, sc->gh, sc->slot, nt, lr, sc->g, want);
  for (uint32_t k = 0; k < nu; k++) hw_store(m->out + (size_t)sc->rows[k] * d, sc->obuf + (size_t)k * d, d);
  if (want) {
    ty->loss += l / (float)nb;
    ty->loss_n++;
  }
  ty->pairs += nb;
  for (uint32_t c = 0; c < nb; c++) {
    float *id_row = m->in + (size_t)sc->ctx[c] * d;
    if (m->side)
      eges_backward(m->side, sc->ctx[c], id_row, &sc->ew[c], sc->gh + (size_t)c * d);
    else
      hw_axpy(1.0f, sc->gh + (size_t)c * d, id_row, d);
  }
}

/* Trains on one sequence after subsampling it. */
static void train_sequence(sg_trainer *t, sg_tally *ty, sg_scratch *sc, const uint32_t *seq, uint32_t len,
                           float lr, rng *g) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < len; k++)
    if (t->keep[seq[k]] >= 1.0f || rng_float(g) < t->keep[seq[k]]) sc->sen[n++] = seq[k];
  for (uint32_t i = 0; i < n; i++) train_center(t, ty, sc, i, n, lr, g);
}

static void sg_worker(void *arg, int tid) {
  sg_job *jb = arg;
  sg_trainer *t = jb->t;
  const seqs *s = t->data;
  sg_scratch sc;
  if (scratch_init(&sc, t)) {
    jb->nomem = 1;
    return;
  }
  rng g;
  rng_seed(&g, t->cfg->seed, (uint64_t)jb->epoch * (uint64_t)jb->threads + (uint64_t)tid + 1);
  uint32_t q0 = t->split[tid], q1 = t->split[tid + 1];
  size_t total = s->off[q1] - s->off[q0], since_poll = 0;
  const float lr0 = t->cfg->lr, epochs = (float)t->cfg->epochs;
  sg_tally ty = {0, 0, 0, 0};
  for (uint32_t q = q0; q < q1; q++) {
    if (since_poll >= SG_POLL_TOKENS) {
      since_poll = 0;
      if (tid == 0) progress_poll(jb->prog);
      if (progress_stopped(jb->prog)) break;
    }
    float done = ((float)jb->epoch + (float)(s->off[q] - s->off[q0]) / (float)(total ? total : 1)) / epochs;
    float lr = lr0 * (1.0f - done);
    if (lr < lr0 * SG_LR_FLOOR) lr = lr0 * SG_LR_FLOOR;
    uint32_t len = (uint32_t)(s->off[q + 1] - s->off[q]);
    train_sequence(t, &ty, &sc, s->item + s->off[q], len, lr, &g);
    since_poll += len;
  }
  jb->tally[tid] = ty;
  scratch_free(&sc);
}

/* 1 when a parameter of the model is NaN or infinite. */
static int diverged(const sg_model *m) {
  size_t first, sz = (size_t)m->n * m->dim;
  return vec_count_nonfinite(m->in, sz, &first) || vec_count_nonfinite(m->out, sz, &first) ||
         (m->side && eges_count_nonfinite(m->side));
}

rs_status sg_epoch(sg_trainer *t, uint32_t epoch, progress *prog) {
  sg_job jb;
  memset(&jb, 0, sizeof jb);
  jb.t = t;
  jb.epoch = epoch;
  jb.threads = t->cfg->threads < 1 ? 1 : t->cfg->threads;
  if (jb.threads > SG_MAX_THREADS) return RS_INVALID;
  jb.prog = prog;
  double t0 = parallel_now();
  parallel_run(jb.threads, sg_worker, &jb);
  t->seconds = parallel_now() - t0;
  if (jb.nomem) return RS_NOMEM;
  if (progress_stopped(prog)) return RS_STOPPED;
  double loss = 0.0;
  uint64_t ln = 0;
  t->pairs = 0;
  for (int k = 0; k < jb.threads; k++) {
    loss += jb.tally[k].loss;
    ln += jb.tally[k].loss_n;
    t->pairs += jb.tally[k].pairs;
  }
  t->loss = ln ? loss / (double)ln : 0.0;
  if (!isfinite(t->loss) || diverged(t->m)) return RS_DIVERGED;
  return RS_OK;
}
