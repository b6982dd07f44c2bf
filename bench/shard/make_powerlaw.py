#!/usr/bin/env python3
"""A synthetic behavior table with power-law users and items, for the sharded runs.

    make_powerlaw.py OUT.db [interactions=10000000] [users=1000000] [items=200000] [seed=1]

Each of the n draws picks a user with probability ~ rank^-0.8 and an item with
probability ~ rank^-0.9 (Zipf-like heavy heads and long tails, as in click
logs), ranks shuffled so ids carry no order; duplicates are dropped. Writes
train(user INTEGER, item INTEGER) in draw order (a rowid table) into OUT.db.
(The ops branch carries the project's own scale generator; this one is a
quick stand-in for bench/shard/run.py.)
"""
import sqlite3
import sys
import time

import numpy as np


def zipf_draw(rng, n_keys, exponent, size):
    w = np.arange(1, n_keys + 1, dtype=np.float64) ** -exponent
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    ranks = np.searchsorted(cdf, rng.random(size), side="right")
    perm = rng.permutation(n_keys)  # rank -> id
    return perm[np.minimum(ranks, n_keys - 1)]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    n_users = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    n_items = int(sys.argv[4]) if len(sys.argv) > 4 else 200_000
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    t0 = time.time()
    rng = np.random.default_rng(seed)
    u = zipf_draw(rng, n_users, 0.8, n).astype(np.int64)
    i = zipf_draw(rng, n_items, 0.9, n).astype(np.int64)
    key = u * n_items + i
    _, first = np.unique(key, return_index=True)
    first.sort()
    u, i = u[first], i[first]
    conn = sqlite3.connect(out)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("DROP TABLE IF EXISTS train")
    conn.execute("CREATE TABLE train(user INTEGER, item INTEGER)")
    conn.executemany("INSERT INTO train VALUES (?, ?)", zip(u.tolist(), i.tolist()))
    conn.commit()
    users = len(np.unique(u))
    items = len(np.unique(i))
    top = np.bincount(i).max()
    print("%s: %d interactions (%d draws), %d users, %d items, most popular item %d users, %.1f s"
          % (out, len(u), n, users, items, top, time.time() - t0))


if __name__ == "__main__":
    main()
