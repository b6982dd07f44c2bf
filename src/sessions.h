/*
** sessions: time-ordered behavior sequences from (user, item, time[, session])
** events, the input of item2vec.
**
** Events are sorted by (user, session, time, input order) (a stable order, so
** equal times keep the order of the source). A user's events are cut into
** sequences where the user changes, where the session id changes (when there
** are session ids), and where the time gap between two consecutive events
** exceeds gap (gap <= 0: no cut on time). Inside a sequence, consecutive
** repeats of one item (a re-click, a duplicate event) are collapsed into one.
** Sequences left with a single item carry no (item, context) pair and are
** dropped; their count is reported.
**
** A set of sequences is a CSR: sequence s is items[off[s] .. off[s + 1]).
** The same layout holds random walks (walks.h).
*/
#ifndef RECSQL_SESSIONS_H
#define RECSQL_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct seqs seqs;
struct seqs {
  uint32_t n;     /* sequences */
  size_t *off;    /* n + 1 offsets */
  uint32_t *item; /* off[n] item indices */
};
void seqs_free(seqs *s);

/* One event; session is 0 for every event when there are no session ids. */
typedef struct event event;
struct event {
  uint32_t user, item;
  uint64_t session;
  double time;
};

typedef struct sessions_stats sessions_stats;
struct sessions_stats {
  size_t repeats; /* consecutive repeats collapsed */
  size_t singles; /* sequences of one item, dropped */
};

/* Sorts ev[0..n) in place and cuts it into sequences (see above) in *out.
** Returns RS_OK or RS_NOMEM (out then empty). */
rs_status sessions_build(event *ev, size_t n, double gap, seqs *out, sessions_stats *st);

/* Occurrences of each item (n_items counts) over the sequences. */
void seqs_count(const seqs *s, uint32_t n_items, uint64_t *count);

#endif
