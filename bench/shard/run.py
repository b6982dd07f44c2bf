#!/usr/bin/env python3
"""Sharded Swing (recsql.shard on a Dask LocalCluster) against the single-process SQL call.

    build/pyenv/bin/python bench/shard/run.py DB [rounds=2] [top_n=50] [max_item_users=100]

DB holds train(user, item) (bench/shard/make_powerlaw.py makes one). Per
round, interleaved: the single-process `CREATE TABLE AS SELECT * FROM
swing_sim(...)` with threads=1 and threads=2, then recsql.shard.swing_sim on
1 and on 2 worker processes (threads=1 each, one shard per worker; the
cluster is started before the clock). Prints each run's seconds and where
the sharded time goes (per shard: opening + loading, reading the source,
computing + writing the shard file, with its CPU seconds; then merging), and checks once that the
merged table equals the single-process one (EXCEPT both ways). A benchmark:
prints figures, asserts nothing. Needs the installed package (make packages).
"""
import os
import sqlite3
import statistics
import sys
import time

from distributed import Client, LocalCluster

import recsql
from recsql import shard


def single(db, out, threads, top_n, cap):
    if os.path.exists(out):
        os.remove(out)
    conn = recsql.load(sqlite3.connect(db))
    conn.execute("ATTACH ? AS o", (out,))
    conn.execute("PRAGMA o.journal_mode = OFF")
    t, c = time.perf_counter(), time.process_time()
    conn.execute("CREATE TABLE o.item_sim AS SELECT * FROM swing_sim WHERE source = 'train' AND top_n = ? "
                 "AND max_item_users = ? AND threads = ?", (top_n, cap, threads))
    conn.commit()
    dt, dc = time.perf_counter() - t, time.process_time() - c
    conn.close()
    return dt, dc


def sharded(client, db, out, workers, top_n, cap):
    if os.path.exists(out):
        os.remove(out)
    run = shard.swing_sim(client, db, "train", out, top_n=top_n, max_item_users=cap, threads=1, n_shards=workers)
    return run


def main():
    db = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    top_n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    cap = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    tmp = os.path.dirname(db)
    n = sqlite3.connect(db).execute("SELECT count(*) FROM train").fetchone()[0]
    print("source: %s, %d interactions; swing_sim top_n %d, max_item_users %d; load average %.1f"
          % (db, n, top_n, cap, os.getloadavg()[0]), flush=True)
    clusters = {w: LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None)
                for w in (1, 2)}
    clients = {w: Client(c) for w, c in clusters.items()}
    times = {"sql threads=1": [], "sql threads=2": [], "shard 1 worker": [], "shard 2 workers": []}
    checked = False
    for r in range(rounds):
        for threads in (1, 2):
            dt, dc = single(db, os.path.join(tmp, "single%d.db" % threads), threads, top_n, cap)
            times["sql threads=%d" % threads].append(dt)
            print("round %d  sql threads=%d: %.1f s (CPU %.1f s)" % (r, threads, dt, dc), flush=True)
        for w in (1, 2):
            out = os.path.join(tmp, "sharded%d.db" % w)
            run = sharded(clients[w], db, out, w, top_n, cap)
            times["shard %d worker%s" % (w, "s" if w > 1 else "")].append(run.seconds)
            print("round %d  shard %d worker(s): %.1f s (shards %.1f s, merge %.1f s, %d rows)"
                  % (r, w, run.seconds, run.shard_seconds, run.merge_seconds, run.rows), flush=True)
            for s in run.shards:
                print("    shard pid %d: %d items, %d rows: open %.2f s, read source %.1f s (CPU %.1f s), "
                      "compute+write %.1f s (CPU %.1f s)"
                      % (s["pid"], s["keys"], s["rows"], s["open_seconds"], s["read_seconds"],
                         s["read_cpu_seconds"], s["compute_write_seconds"], s["compute_write_cpu_seconds"]),
                      flush=True)
            if not checked and w == 2:
                c = sqlite3.connect(out)
                c.execute("ATTACH ? AS s", (os.path.join(tmp, "single1.db"),))
                a = c.execute("SELECT count(*) FROM (SELECT * FROM item_sim EXCEPT SELECT * FROM s.item_sim)").fetchone()[0]
                b = c.execute("SELECT count(*) FROM (SELECT * FROM s.item_sim EXCEPT SELECT * FROM item_sim)").fetchone()[0]
                m = c.execute("SELECT count(*) FROM item_sim").fetchone()[0]
                print("equality: merged %d rows; rows only in merged %d, only in single %d" % (m, a, b), flush=True)
                c.close()
                checked = True
    print("medians over %d rounds (load average now %.1f):" % (rounds, os.getloadavg()[0]))
    for k, v in times.items():
        print("  %-16s %.1f s" % (k, statistics.median(v)))
    for c in clients.values():
        c.close()
    for c in clusters.values():
        c.close()


if __name__ == "__main__":
    main()
