/*
** skipgram: see skipgram.h.
**
** The step fuses, per target, the dot product with one pass that updates
** both the input gradient and the output row (two reads and a write of o
** instead of three passes). It is compiled for AVX-512, AVX2 and baseline
** and picked at load time, as vec.c does; the dot keeps 16 partial sums so
** that it vectorizes without reassociation flags.
*/
#include "skipgram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(RECSQL_NO_CLONES)
#define SG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SG_CLONES
#endif

#define SG_LANES 16
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

static inline float dot_lanes(const float *a, const float *b, uint32_t n) {
  float acc[SG_LANES] = {0};
  uint32_t i = 0;
  for (; i + SG_LANES <= n; i += SG_LANES)
    for (int l = 0; l < SG_LANES; l++) acc[l] += a[i + l] * b[i + l];
  float s = 0.0f;
  for (; i < n; i++) s += a[i] * b[i];
  for (int l = 0; l < SG_LANES; l++) s += acc[l];
  return s;
}

SG_CLONES
float sg_step(float *out, uint32_t dim, const float *h, float *gh, const uint32_t *targets, uint32_t nt,
              float lr, int want_loss) {
  float loss = 0.0f;
  for (uint32_t k = 0; k < nt; k++) {
    float *o = out + (size_t)targets[k] * dim;
    float f = dot_lanes(h, o, dim);
    /* sigmoid(f), and for the loss log(1 + exp(-|f|)), without overflow */
    float e = expf(-fabsf(f));
    float sig = f >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    float label = k == 0 ? 1.0f : 0.0f;
    if (want_loss) loss += log1pf(e) + (k == 0 ? (f < 0 ? -f : 0.0f) : (f > 0 ? f : 0.0f));
    float g = (label - sig) * lr;
    for (uint32_t x = 0; x < dim; x++) {
      float ox = o[x];
      gh[x] += g * ox;
      o[x] = ox + g * h[x];
    }
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
  double loss;
  uint64_t loss_n, pairs;
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
  uint32_t *sen, *targets;
  float *gh;
  eges_work ew;
};

static void scratch_free(sg_scratch *s) {
  free(s->sen);
  free(s->targets);
  free(s->gh);
  eges_work_free(&s->ew);
}

static int scratch_init(sg_scratch *s, const sg_trainer *t) {
  memset(s, 0, sizeof *s);
  s->sen = malloc((t->max_len ? t->max_len : 1) * sizeof *s->sen);
  s->targets = malloc((t->cfg->n_neg + 1) * sizeof *s->targets);
  s->gh = malloc(t->m->dim * sizeof *s->gh);
  if (!s->sen || !s->targets || !s->gh || (t->m->side && eges_work_init(&s->ew, t->m->side) != RS_OK)) {
    scratch_free(s);
    return -1;
  }
  return 0;
}

/* Trains on one sequence; adds to the loss sample and pair count in ty. */
static void train_sequence(sg_trainer *t, sg_tally *ty, sg_scratch *sc, const uint32_t *seq, uint32_t len,
                           float lr, rng *g) {
  sg_model *m = t->m;
  const uint32_t d = m->dim, win = t->cfg->window, nn = t->cfg->n_neg;
  uint32_t n = 0;
  for (uint32_t k = 0; k < len; k++)
    if (t->keep[seq[k]] >= 1.0f || rng_float(g) < t->keep[seq[k]]) sc->sen[n++] = seq[k];
  for (uint32_t i = 0; i < n; i++) {
    uint32_t b = win - rng_below(g, win); /* 1 .. window */
    uint32_t lo = i > b ? i - b : 0, hi = i + b + 1 < n ? i + b + 1 : n;
    uint32_t center = sc->sen[i];
    for (uint32_t j = lo; j < hi; j++) {
      if (j == i) continue;
      uint32_t ctx = sc->sen[j], nt = 1;
      sc->targets[0] = center;
      for (uint32_t k = 0; k < nn; k++) {
        uint32_t x = alias_draw(&t->neg, g);
        if (x != center) sc->targets[nt++] = x;
      }
      float *id_row = m->in + (size_t)ctx * d;
      const float *h = id_row;
      if (m->side) {
        eges_forward(m->side, ctx, id_row, &sc->ew);
        h = sc->ew.h;
      }
      memset(sc->gh, 0, d * sizeof *sc->gh);
      int want = (ty->pairs % SG_LOSS_EVERY) == 0;
      float l = sg_step(m->out, d, h, sc->gh, sc->targets, nt, lr, want);
      if (want) {
        ty->loss += l;
        ty->loss_n++;
      }
      ty->pairs++;
      if (m->side)
        eges_backward(m->side, ctx, id_row, &sc->ew, sc->gh);
      else
        vec_axpy(1.0f, sc->gh, id_row, d);
    }
  }
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
  sg_tally ty = {0, 0, 0};
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
