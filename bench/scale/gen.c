/*
** gen: a synthetic behavior table with power-law user and item degrees.
**
**   build/bench/scale_gen out.db interactions [seed]
**
** Writes behavior(user INTEGER, item INTEGER) with `interactions` rows,
** n/20 users and n/100 items (100M: 5M users, 1M items), and an index on
** (user, item). Each row draws its user from a Zipf law of exponent 0.8 and
** its item from a Zipf law of exponent 1.0 over popularity ranks (about the
** slopes of the Gowalla and Yelp degree distributions on a log-log plot),
** through cumulative tables and binary search; ranks are mapped to ids by a
** fixed odd multiplier modulo the count, so popular ids are spread out.
** Repeated pairs are kept (about a few percent; every recsql source reads
** them once). Deterministic for a seed (splitmix64).
*/
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;
static uint64_t next(void) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double uniform(void) { return (double)(next() >> 11) * (1.0 / 9007199254740992.0); }

/* cdf[r] = P(rank <= r) for weights (r + 1)^-s, r < n. */
static double *zipf_cdf(uint64_t n, double s) {
  double *c = malloc(sizeof(double) * n), sum = 0;
  if (!c) return NULL;
  for (uint64_t r = 0; r < n; r++) c[r] = sum += pow((double)(r + 1), -s);
  for (uint64_t r = 0; r < n; r++) c[r] /= sum;
  return c;
}

static uint64_t draw(const double *cdf, uint64_t n) {
  double u = uniform();
  uint64_t lo = 0, hi = n - 1;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* A rank to an id: a bijection of [0, n) when gcd(mult, n) = 1. */
static uint64_t spread(uint64_t r, uint64_t n) {
  uint64_t mult = 2654435761ull % n;
  while (mult > 1) {
    uint64_t a = mult, b = n;
    while (b) {
      uint64_t t = a % b;
      a = b;
      b = t;
    }
    if (a == 1) break;
    mult++;
  }
  return (unsigned __int128)r * (mult ? mult : 1) % n;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: gen out.db interactions [seed]\n");
    return 2;
  }
  uint64_t n = strtoull(argv[2], NULL, 10);
  state = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
  uint64_t nu = n / 20 ? n / 20 : 1, ni = n / 100 ? n / 100 : 1;
  double *cu = zipf_cdf(nu, 0.8), *ci = zipf_cdf(ni, 1.0);
  sqlite3 *db;
  sqlite3_stmt *st;
  if (!cu || !ci || sqlite3_open(argv[1], &db)) return 1;
  sqlite3_exec(db,
               "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; DROP TABLE IF EXISTS behavior;"
               "CREATE TABLE behavior(user INTEGER, item INTEGER); BEGIN",
               NULL, NULL, NULL);
  if (sqlite3_prepare_v2(db, "INSERT INTO behavior VALUES (?1, ?2)", -1, &st, NULL)) return 1;
  for (uint64_t k = 0; k < n; k++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)spread(draw(cu, nu), nu));
    sqlite3_bind_int64(st, 2, (sqlite3_int64)spread(draw(ci, ni), ni));
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  char *err = NULL;
  if (sqlite3_exec(db, "COMMIT; CREATE INDEX behavior_ui ON behavior(user, item);", NULL, NULL, &err)) {
    fprintf(stderr, "gen: %s\n", err);
    return 1;
  }
  sqlite3_close(db);
  printf("gen: %llu interactions, %llu users, %llu items -> %s\n", (unsigned long long)n, (unsigned long long)nu,
         (unsigned long long)ni, argv[1]);
  free(cu);
  free(ci);
  return 0;
}
