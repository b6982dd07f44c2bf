/*
** skipgram: see skipgram.h.
**
** The block step (sg_block) loads each output row once for the whole
** window instead of once per (context, target) pair, and the negatives
** are drawn once per window instead of once per pair: the memory traffic
** on the output table, the cost of skip-gram over many items, falls by
** the window's size (the idea of Ji et al., "Parallelizing Word2Vec in
** Shared and Distributed Memory", 2016). Its kernels are compiled for
** AVX-512 and baseline (SSE) and picked at run time; the dot keeps 16
** partial sums so that it vectorizes without reassociation flags.
**
** Hogwild threads share the input and output rows without a data race:
** the kernels read and write them 16 floats at a time by relaxed atomics
** (hogwild.h: one AVX-512 move or four SSE moves) and train_center
** adds the inputs' steps with hw_axpy; the arithmetic and its order are
** those of the plain code (bit-identical).
*/
#include "skipgram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hogwild.h"
#include "vec.h"

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
** kernel's instruction set has (one AVX-512 register, four SSE).
** sg_load_ISA and sg_store_ISA move 16 floats of a shared row, each by one
** relaxed atomic (hogwild.h): on x86-64 one AVX-512 move or four SSE moves;
** elsewhere and under ThreadSanitizer 16 scalar atomics. There is no AVX2
** kernel: GCC 12 compiles these vectors for AVX2 through the stack, and the
** SSE kernel was twice as fast as the AVX2 one on an AVX2 run here (the old
** code's AVX2 clone had the same problem). */
typedef float sg_v16 __attribute__((vector_size(64)));
#define SG_LO8 0, 1, 2, 3, 4, 5, 6, 7
#define SG_HI8 8, 9, 10, 11, 12, 13, 14, 15

#ifdef HW_VEC4
/* (macros: a 64-byte vector passed to a function not compiled for AVX-512
** changes the ABI) */
#define sg_load_avx512 hw_load16
#define sg_store_avx512 hw_store16
#define sg_load_sse(p)                                                                                    \
  __builtin_shufflevector(__builtin_shufflevector(hw_load4(p), hw_load4((p) + 4), SG_LO8),                \
                          __builtin_shufflevector(hw_load4((p) + 8), hw_load4((p) + 12), SG_LO8), SG_LO8, \
                          SG_HI8)
#define sg_store_sse(p, v)                                          \
  (hw_store4((p), __builtin_shufflevector(v, v, 0, 1, 2, 3)),       \
   hw_store4((p) + 4, __builtin_shufflevector(v, v, 4, 5, 6, 7)),   \
   hw_store4((p) + 8, __builtin_shufflevector(v, v, 8, 9, 10, 11)), \
   hw_store4((p) + 12, __builtin_shufflevector(v, v, 12, 13, 14, 15)))
#else
#define sg_load_one(p)                                                                                \
  ((sg_v16){hw_get((p)), hw_get((p) + 1), hw_get((p) + 2), hw_get((p) + 3), hw_get((p) + 4),          \
            hw_get((p) + 5), hw_get((p) + 6), hw_get((p) + 7), hw_get((p) + 8), hw_get((p) + 9),      \
            hw_get((p) + 10), hw_get((p) + 11), hw_get((p) + 12), hw_get((p) + 13), hw_get((p) + 14), \
            hw_get((p) + 15)})
static inline void sg_put16(float *p, const sg_v16 *v) {
  for (int l = 0; l < 16; l++) hw_set(p + l, (*v)[l]);
}
#define sg_store_one(p, v) sg_put16((p), &(v))
#endif

/* The parts of sg_block that touch the rows (out and h are shared), for one
** instruction set: sg_logits_ISA puts the dot of input b and target k into
** g[k nb + b] (16 partial sums, so that it vectorizes without reassociation
** flags); sg_update_ISA adds the steps g to gh (from the outputs before
** their update), then to the outputs (each row written once, the sums kept
** in registers; a target drawn twice is updated twice, in order). */
#define SG_KERNELS(ISA, TARGET)                                                                          \
  TARGET static inline float sg_dot_##ISA(const float *a, const float *b, uint32_t n) {                  \
    sg_v16 acc = {0};                                                                                    \
    uint32_t i = 0;                                                                                      \
    for (; i + 16 <= n; i += 16) acc += sg_load_##ISA(a + i) * sg_load_##ISA(b + i);                     \
    float s = 0.0f;                                                                                      \
    for (; i < n; i++) s += hw_get(a + i) * hw_get(b + i);                                               \
    for (int l = 0; l < 16; l++) s += acc[l];                                                            \
    return s;                                                                                            \
  }                                                                                                      \
  TARGET static void sg_logits_##ISA(const float *out, uint32_t dim, const float *const *h, uint32_t nb, \
                                     const uint32_t *targets, uint32_t nt, float *g) {                   \
    for (uint32_t k = 0; k < nt; k++)                                                                    \
      for (uint32_t b = 0; b < nb; b++)                                                                  \
        g[k * nb + b] = sg_dot_##ISA(h[b], out + (size_t)targets[k] * dim, dim);                         \
  }                                                                                                      \
  TARGET static void sg_update_##ISA(float *out, uint32_t dim, const float *const *h, uint32_t nb,       \
                                     float *gh, const uint32_t *targets, uint32_t nt, const float *g) {  \
    uint32_t x = 0;                                                                                      \
    for (; x + 16 <= dim; x += 16)                                                                       \
      for (uint32_t b = 0; b < nb; b++) {                                                                \
        sg_v16 acc;                                                                                      \
        memcpy(&acc, gh + (size_t)b * dim + x, sizeof acc);                                              \
        for (uint32_t k = 0; k < nt; k++)                                                                \
          acc += g[k * nb + b] * sg_load_##ISA(out + (size_t)targets[k] * dim + x);                      \
        memcpy(gh + (size_t)b * dim + x, &acc, sizeof acc);                                              \
      }                                                                                                  \
    for (; x < dim; x++)                                                                                 \
      for (uint32_t b = 0; b < nb; b++)                                                                  \
        for (uint32_t k = 0; k < nt; k++)                                                                \
          gh[(size_t)b * dim + x] += g[k * nb + b] * hw_get(out + (size_t)targets[k] * dim + x);         \
    for (uint32_t k = 0; k < nt; k++) {                                                                  \
      float *o = out + (size_t)targets[k] * dim;                                                         \
      const float *gk = g + (size_t)k * nb;                                                              \
      for (x = 0; x + 16 <= dim; x += 16) {                                                              \
        sg_v16 acc = sg_load_##ISA(o + x);                                                               \
        for (uint32_t b = 0; b < nb; b++) acc += gk[b] * sg_load_##ISA(h[b] + x);                        \
        sg_store_##ISA(o + x, acc);                                                                      \
      }                                                                                                  \
      for (; x < dim; x++) {                                                                             \
        float v = hw_get(o + x);                                                                         \
        for (uint32_t b = 0; b < nb; b++) v += gk[b] * hw_get(h[b] + x);                                 \
        hw_set(o + x, v);                                                                                \
      }                                                                                                  \
    }                                                                                                    \
  }

#ifdef HW_VEC4
SG_KERNELS(avx512, __attribute__((target("avx512f"))))
SG_KERNELS(sse, )
#define SG_WIDE() __builtin_cpu_supports("avx512f")
#define SG_CALL(wide, F, ...) ((wide) ? F##_avx512(__VA_ARGS__) : F##_sse(__VA_ARGS__))
#else
SG_KERNELS(one, )
#define SG_WIDE() 0
#define SG_CALL(wide, F, ...) F##_one(__VA_ARGS__)
#endif

/* sg_block with the AVX-512 kernels (wide) or the baseline ones. */
static float block(int wide, float *out, uint32_t dim, const float *const *h, uint32_t nb, float *gh,
                   const uint32_t *targets, uint32_t nt, float lr, float *g, int want_loss) {
  const uint32_t nl = nb * nt;
  float *e = g + nl, loss = 0.0f;
  SG_CALL(wide, sg_logits, out, dim, h, nb, targets, nt, g);
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
  SG_CALL(wide, sg_update, out, dim, h, nb, gh, targets, nt, g);
  return loss;
}

float sg_block(float *out, uint32_t dim, const float *const *h, uint32_t nb, float *gh,
               const uint32_t *targets, uint32_t nt, float lr, float *g, int want_loss) {
  return block(SG_WIDE(), out, dim, h, nb, gh, targets, nt, lr, g, want_loss);
}

float sg_block_baseline(float *out, uint32_t dim, const float *const *h, uint32_t nb, float *gh,
                        const uint32_t *targets, uint32_t nt, float lr, float *g, int want_loss) {
  return block(0, out, dim, h, nb, gh, targets, nt, lr, g, want_loss);
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
  eges_work *ew; /* 2 window, with side information */
  uint32_t n_ew;
};

static void scratch_free(sg_scratch *s) {
  free(s->sen);
  free(s->targets);
  free(s->ctx);
  free(s->h);
  free(s->gh);
  free(s->g);
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
  int bad = !s->sen || !s->targets || !s->ctx || !s->h || !s->gh || !s->g;
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
      sc->h[c] = id_row;
    }
  }
  memset(sc->gh, 0, (size_t)nb * d * sizeof *sc->gh);
  int want = (ty->centers++ % SG_LOSS_EVERY) == 0;
  float l = sg_block(m->out, d, sc->h, nb, sc->gh, sc->targets, nt, lr, sc->g, want);
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
