/*
** sessions: see sessions.h. The sort is a qsort whose comparison ends on the
** input position, so it is stable and every run gives the same sequences.
*/
#include "sessions.h"

#include <stdlib.h>
#include <string.h>

void seqs_free(seqs *s) {
  free(s->off);
  free(s->item);
  memset(s, 0, sizeof *s);
}

typedef struct keyed keyed;
struct keyed {
  event e;
  size_t pos;
};

static int cmp_keyed(const void *pa, const void *pb) {
  const keyed *a = pa, *b = pb;
  if (a->e.user != b->e.user) return a->e.user < b->e.user ? -1 : 1;
  if (a->e.session != b->e.session) return a->e.session < b->e.session ? -1 : 1;
  if (a->e.time != b->e.time) return a->e.time < b->e.time ? -1 : 1;
  return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Sorts ev by (user, session, time, position). Returns -1 when out of memory. */
static int sort_events(event *ev, size_t n) {
  keyed *k = malloc((n ? n : 1) * sizeof *k);
  if (!k) return -1;
  for (size_t i = 0; i < n; i++) {
    k[i].e = ev[i];
    k[i].pos = i;
  }
  qsort(k, n, sizeof *k, cmp_keyed);
  for (size_t i = 0; i < n; i++) ev[i] = k[i].e;
  free(k);
  return 0;
}

rs_status sessions_build(event *ev, size_t n, double gap, seqs *out, sessions_stats *st) {
  memset(out, 0, sizeof *out);
  memset(st, 0, sizeof *st);
  if (sort_events(ev, n)) return RS_NOMEM;
  out->off = malloc((n + 1) * sizeof *out->off);
  out->item = malloc((n ? n : 1) * sizeof *out->item);
  if (!out->off || !out->item) {
    seqs_free(out);
    return RS_NOMEM;
  }
  size_t w = 0, start = 0; /* items written; start of the open sequence */
  out->off[0] = 0;
  for (size_t i = 0; i < n; i++) {
    int cut = i == 0 || ev[i].user != ev[i - 1].user || ev[i].session != ev[i - 1].session ||
              (gap > 0 && ev[i].time - ev[i - 1].time > gap);
    if (cut && w > start) {
      if (w - start == 1) { /* a single item: no pair, dropped */
        st->singles++;
        w = start;
      } else {
        out->off[++out->n] = w;
        start = w;
      }
    }
    if (!cut && w > start && out->item[w - 1] == ev[i].item) {
      st->repeats++;
      continue;
    }
    out->item[w++] = ev[i].item;
  }
  if (w - start == 1) {
    st->singles++;
    w = start;
  } else if (w > start) {
    out->off[++out->n] = w;
  }
  return RS_OK;
}

void seqs_count(const seqs *s, uint32_t n_items, uint64_t *count) {
  memset(count, 0, n_items * sizeof *count);
  for (size_t k = 0; k < s->off[s->n]; k++) count[s->item[k]]++;
}
