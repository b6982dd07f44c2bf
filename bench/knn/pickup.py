#!/usr/bin/python3
"""knn_index with several connections: how long a reader takes to pick up a
one-row write of another connection, and the memory of N connections
reading one index. Two builds of the extension are compared (before: every
connection its own copy, reloaded in full after another's write; after:
copies shared in the process, caught up through the change log).

  bench/knn/pickup.py BEFORE_LIB AFTER_LIB WORKDIR

Index: Gowalla's size, 40,981 items x 64 float32 (Gaussian vectors, seed 7),
flat and hnsw (m 16, ef_construction 64), in a WAL database built once per
library in WORKDIR (the before build writes format 2, the after build 3).

Pick-up: reader connection R has queried (warm). Per repetition: one query on
R (the plain cost), then a one-row write committed by another process (the
sqlite3 shell: INSERT of a new row, or DELETE of the row inserted before),
then R's next query, timed: pick-up = that time minus the plain one. Also
with the writer a connection W of R's own process (W's write is timed too).
Medians of REPS (env, default 12). Each build runs in its own processes
(SQLite loads extensions RTLD_GLOBAL), 3 repetitions each, alternating
(before, after, before, ...) so that load on the machine hits both alike.

Memory: a fresh process opens N (env, default 8) connections and runs one
MATCH query on each; peak RSS (VmHWM) and the RSS after the process opened
its connections without querying are printed.
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import time

import numpy as np

BEFORE, AFTER, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
N_ITEMS, DIM = 40981, 64
REPS = int(os.environ.get("REPS", "12"))
NCONN = int(os.environ.get("N", "8"))
SHELL = "sqlite3"


def connect(lib, path):
    c = sqlite3.connect(path, isolation_level=None, timeout=30)
    c.enable_load_extension(True)
    c.load_extension(lib)
    return c


def db_path(lib):
    return os.path.join(WORK, "pickup_%s.db" % ("before" if lib == BEFORE else "after"))


def build(lib):
    path = db_path(lib)
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N_ITEMS, DIM)).astype(np.float32)
    c = connect(lib, path + ".tmp")
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("CREATE VIRTUAL TABLE flat USING knn_index(dim=64, metric=ip)")
    c.execute("CREATE VIRTUAL TABLE hnsw USING knn_index(dim=64, metric=ip, index=hnsw, m=16, ef_construction=64)")
    for t in ("flat", "hnsw"):
        t0 = time.time()
        c.execute("BEGIN")
        c.executemany("INSERT INTO %s(rowid, embedding) VALUES (?, ?)" % t,
                      ((i + 1, x[i].tobytes()) for i in range(N_ITEMS)))
        c.execute("COMMIT")
        print("built %s with %s in %.1f s" % (t, os.path.basename(path), time.time() - t0), flush=True)
    c.close()
    os.rename(path + ".tmp", path)
    return path


QUERY = np.random.default_rng(11).standard_normal(DIM).astype(np.float32).tobytes()
ROW = "[" + ",".join("0.01" for _ in range(DIM)) + "]"


def query(c, table):
    t0 = time.perf_counter()
    rows = c.execute("SELECT rowid FROM %s WHERE embedding MATCH ? AND k = 10" % table, (QUERY,)).fetchall()
    dt = time.perf_counter() - t0
    assert len(rows) == 10
    return dt


def write_sql(table, i):
    rowid = 10_000_000 + i // 2
    if i % 2 == 0:
        return "INSERT INTO %s(rowid, embedding) VALUES (%d, '%s')" % (table, rowid, ROW)
    return "DELETE FROM %s WHERE rowid = %d" % (table, rowid)


def pickup_round(lib, table, i, state):
    """One repetition: returns (plain, pickup, same-process pickup, same-process write)."""
    path = db_path(lib)
    r, w = state[lib]
    plain = query(r, table)
    subprocess.run([SHELL, "-cmd", ".timeout 30000", "-cmd", ".load " + lib, path, write_sql(table, i)],
                   check=True)
    after_other = query(r, table)
    plain2 = query(r, table)
    t0 = time.perf_counter()
    w.execute(write_sql(table, i + 1))
    wtime = time.perf_counter() - t0
    after_own = query(r, table)
    return plain, after_other - plain, after_own - plain2, wtime


def memory(lib, table):
    code = r"""
import sqlite3, sys
lib, path, table, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
cs = []
for _ in range(n):
    c = sqlite3.connect(path, isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(lib)
    c.execute('SELECT count(*) FROM sqlite_master').fetchone()
    cs.append(c)
base = status('VmRSS')
q = bytes(256)
for c in cs:
    c.execute('SELECT rowid FROM %s WHERE embedding MATCH ? AND k = 10' % table, (q,)).fetchall()
print('%.0f %.0f' % (base, status('VmHWM')))
"""
    out = subprocess.run([sys.executable, "-c", code, lib, db_path(lib), table, str(NCONN)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def child(lib, table, first, reps):
    """Runs in its own process (two builds of the extension cannot share one:
    SQLite loads extensions with RTLD_GLOBAL): reps pick-up rounds."""
    r, w = connect(lib, db_path(lib)), connect(lib, db_path(lib))
    for _ in range(3):
        query(r, table)
    for i in range(first, first + 2 * reps, 2):
        print(*pickup_round(lib, table, i, {lib: (r, w)}))


def run_child(lib, table, first, reps):
    out = subprocess.run([sys.executable, __file__, BEFORE, AFTER, WORK, "child", lib, table, str(first), str(reps)],
                         check=True, capture_output=True, text=True).stdout
    return [tuple(float(v) for v in line.split()) for line in out.splitlines()]


def main():
    if len(sys.argv) > 4 and sys.argv[4] == "build":
        build(sys.argv[5])
        return
    if len(sys.argv) > 4 and sys.argv[4] == "child":
        child(sys.argv[5], sys.argv[6], int(sys.argv[7]), int(sys.argv[8]))
        return
    for lib in (BEFORE, AFTER):
        subprocess.run([sys.executable, __file__, BEFORE, AFTER, WORK, "build", lib], check=True)
    print("machine: %s; load average %s" % (os.uname().nodename, open("/proc/loadavg").read().split()[:3]))
    chunk = 3
    for table in ("flat", "hnsw"):
        res = {BEFORE: [], AFTER: []}
        for first in range(0, 2 * REPS, 2 * chunk):
            for lib in (BEFORE, AFTER):
                res[lib] += run_child(lib, table, first, chunk)
        for lib in (BEFORE, AFTER):
            cols = list(zip(*res[lib]))
            med = [statistics.median(col) * 1000 for col in cols]
            print("%-5s %-6s query %.2f ms | pick-up of another process's write %.2f ms | "
                  "of a write in the process %.2f ms | that write %.2f ms (medians of %d)"
                  % (table, "before" if lib == BEFORE else "after", *med, len(cols[0])), flush=True)
    for table in ("flat", "hnsw"):
        for lib in (BEFORE, AFTER):
            base, peak = memory(lib, table)
            print("%-5s %-6s %d connections: RSS before the queries %.0f MB, peak %.0f MB"
                  % (table, "before" if lib == BEFORE else "after", NCONN, base, peak), flush=True)


if __name__ == "__main__":
    main()
