#!/usr/bin/python3
"""Figures for the foundation (issue 2): the auc aggregate against
scikit-learn's roc_auc_score, and embed_dot against sqlite-vec's
vec_distance_l2. Both sides run in this process, on the same values, in the
same run; every time is the median of several repeats, the compared queries
taking turns. Prints figures;
asserts nothing about time (it does check that the AUC values agree).

    bench.py EXTENSION VEC0 WORKDIR

EXTENSION is recsql without .so, VEC0 sqlite-vec's vec0 without .so, WORKDIR
a directory for the scratch database (deleted at the end).
"""
import os
import sqlite3
import statistics
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score

ext, vec0, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
dbpath = os.path.join(workdir, "foundation_bench.db")
AUC_ROWS = (2_000_000, 10_000_000)
PAIRS, DIM = 1_000_000, 64
AUC_REPEAT = {2_000_000: 5, 10_000_000: 3}
PAIR_REPEAT = 7

def connect():
    for suffix in ("", "-journal", "-wal"):
        if os.path.exists(dbpath + suffix):
            os.remove(dbpath + suffix)
    db = sqlite3.connect(dbpath, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(ext)
    db.load_extension(vec0)
    db.enable_load_extension(False)
    # the whole table stays in SQLite's page cache: timings measure the query,
    # not the disk
    db.execute("PRAGMA cache_size = -4000000")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


def interleaved(fns, repeat):
    """Runs every fn once as a warm-up, then repeat rounds of each fn once in
    turn (so load from other processes on this shared machine falls on all of
    them alike). Returns, per fn, (median seconds, all times, last result)."""
    outs = [fn() for fn in fns]
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            outs[i] = fn()
            times[i].append(time.perf_counter() - t0)
    return [(statistics.median(ts), ts, out) for ts, out in zip(times, outs)]


def fmt_times(ts):
    return " ".join("%.3f" % t for t in ts)


db = connect()
debug = db.execute("SELECT recsql_debug()").fetchone()[0].replace("\n", "; ")
print(debug)
print("sqlite-vec %s; numpy %s; scikit-learn %s; SQLite %s (Python sqlite3 module)"
      % (db.execute("SELECT vec_version()").fetchone()[0], np.__version__,
         __import__("sklearn").__version__, sqlite3.sqlite_version))

# ---- auc vs roc_auc_score ------------------------------------------------
# labels ~ Bernoulli(0.3); score = N(0, 1) + 0.8 * label, as float64. Two
# score kinds: continuous (no ties) and rounded to 2 decimals (many ties, which
# exercises the 1/2 rule; sklearn's trapezoids count ties the same way).
print()
print("auc(score, label) over a table vs sklearn.metrics.roc_auc_score(label, score) on numpy arrays")
print("(SQL time = the aggregate query alone, table already built and cached; medians of rounds taking turns)")
hdr = "%-12s %-10s %10s %12s %14s %10s %12s" % ("rows", "scores", "SQL s", "sklearn s", "SQL/sklearn",
                                                  "repeats", "|diff|")
print(hdr)
print("-" * len(hdr))
rng = np.random.default_rng(20240601)
auc_rows = []
for n in AUC_ROWS:
    label = (rng.random(n) < 0.3).astype(np.int64)
    base = rng.standard_normal(n) + 0.8 * label
    for kind in ("continuous", "2 decimals"):
        score = base if kind == "continuous" else np.round(base, 2)
        db.execute("DROP TABLE IF EXISTS scored")
        db.execute("CREATE TABLE scored(score REAL, label INTEGER)")
        db.execute("BEGIN")
        db.executemany("INSERT INTO scored VALUES (?, ?)", zip(score.tolist(), label.tolist()))
        db.execute("COMMIT")
        repeat = AUC_REPEAT[n]
        (t_sql, ts_sql, v_sql), (t_sk, ts_sk, v_sk) = interleaved(
            [lambda: db.execute("SELECT auc(score, label) FROM scored").fetchone()[0],
             lambda: roc_auc_score(label, score)], repeat)
        diff = abs(v_sql - float(v_sk))
        agree = "ok" if diff <= 1e-9 else "DISAGREE"
        print("%-12s %-10s %10.3f %12.3f %13.2fx %10d %9.1e %s"
              % ("{:,}".format(n), kind, t_sql, t_sk, t_sql / t_sk, repeat, diff, agree))
        auc_rows.append((n, kind, ts_sql, ts_sk, v_sql, float(v_sk)))
db.execute("DROP TABLE scored")
print("AUC values (recsql, sklearn):")
for n, kind, _, _, a, b in auc_rows:
    print("  %-12s %-10s %.15f %.15f" % ("{:,}".format(n), kind, a, b))
print("all times (s):")
for n, kind, ts_sql, ts_sk, _, _ in auc_rows:
    print("  %-12s %-10s SQL [%s]  sklearn [%s]" % ("{:,}".format(n), kind, fmt_times(ts_sql), fmt_times(ts_sk)))

# ---- embed_dot vs vec_distance_l2 ------------------------------------------
# 1M rows of two 64-dim float32 BLOBs (4*64 bytes each, sqlite-vec's layout).
print()
print("SELECT sum(f(a, b)) FROM pairs: %s rows of two %d-dim float32 BLOBs, one connection, same table (medians of %d rounds taking turns)"
      % ("{:,}".format(PAIRS), DIM, PAIR_REPEAT))
a = rng.standard_normal((PAIRS, DIM)).astype("<f4")
b = rng.standard_normal((PAIRS, DIM)).astype("<f4")
db.execute("CREATE TABLE pairs(a BLOB, b BLOB)")
db.execute("BEGIN")
db.executemany("INSERT INTO pairs VALUES (?, ?)", ((a[i].tobytes(), b[i].tobytes()) for i in range(PAIRS)))
db.execute("COMMIT")
exact_dot = float(np.einsum("ij,ij->i", a.astype(np.float64), b.astype(np.float64)).sum())
exprs = [
    ("embed_dot(a, b)", "recsql"),
    ("vec_distance_l2(a, b)", "sqlite-vec"),
    ("embed_l2(a, b)", "recsql"),
    ("embed_cosine(a, b)", "recsql"),
    ("vec_distance_cosine(a, b)", "sqlite-vec"),
    ("length(a) + length(b)", "SQLite (scan floor)"),
]
sqls = ["SELECT sum(%s) FROM pairs" % e for e, _ in exprs]
res = dict(zip([e for e, _ in exprs],
               interleaved([lambda q=q: db.execute(q).fetchone()[0] for q in sqls], PAIR_REPEAT)))
hdr = "%-28s %-20s %9s %12s %18s" % ("f(a, b)", "from", "s", "M rows/s", "sum")
print(hdr)
print("-" * len(hdr))
for e, who in exprs:
    t, ts, v = res[e]
    print("%-28s %-20s %9.3f %12.2f %18.6f" % (e, who, t, PAIRS / t / 1e6, v))
print("exact sum of dots (numpy, float64): %.6f" % exact_dot)
t_dot, t_l2v = res["embed_dot(a, b)"][0], res["vec_distance_l2(a, b)"][0]
t_l2 = res["embed_l2(a, b)"][0]
print("embed_dot rows/s / vec_distance_l2 rows/s = %.2fx  (issue 2 figure, target >= 1.0x)" % (t_l2v / t_dot))
print("embed_l2 rows/s / vec_distance_l2 rows/s = %.2fx  (same distance on both sides)" % (t_l2v / t_l2))
print("all times (s):")
for e, _ in exprs:
    print("  %-28s [%s]" % (e, fmt_times(res[e][1])))
db.close()
os.remove(dbpath)
