#!/usr/bin/python3
"""Figures for sampling, training and recommending on Gowalla (issue: sample,
train, recommend). Needs the database made by sql/gowalla_bpr.sql (tables
train, test, bpr_users, bpr_items). Prints figures; asserts nothing.

    bench.py EXTENSION DB
"""
import os
import statistics
import sqlite3
import subprocess
import sys
import time
import json

ext, dbpath = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))


def connect():
    db = sqlite3.connect(dbpath)
    db.enable_load_extension(True)
    db.load_extension(ext)
    return db


def timed(db, sql, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = db.execute(sql).fetchall()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


db = connect()
print(db.execute("SELECT recsql_debug()").fetchone()[0].replace("\n", "; "))

# neg_samples against generate_series (a sqlite3 shell built-in), same row
# count, in one sqlite3 shell session
n = db.execute("SELECT count(*) FROM train").fetchone()[0] * 4
script = ".timer on\n" + ("SELECT count(*) FROM generate_series(1, %d);\nSELECT count(*) FROM neg_samples('train', 4);\n" % n) * 7
out = subprocess.run(["sqlite3", "-batch", dbpath, "-cmd", ".load " + ext], input=script, capture_output=True,
                     text=True, check=True).stdout.splitlines()
real = [float(l.split("real ")[1].split()[0]) for l in out if l.startswith("Run Time:")]
# the first neg_samples call reads the table; later calls reuse the cached
# source (the table is unchanged), as sampling once per epoch does
t_gs, t_cold, t_ns = statistics.median(real[0::2]), real[1], statistics.median(real[3::2])
rows = int([l for l in out if not l.startswith("Run Time:")][1])
print("neg_samples('train', 4): %d rows in %.3f s = %.1fM rows/s (first call, reading the table: %.3f s = %.0f%%); "
      "generate_series(1, %d): %.3f s = %.1fM rows/s; neg_samples at %.0f%% of generate_series's rate (medians of 7/6)"
      % (rows, t_ns, rows / t_ns / 1e6, t_cold, 100 * t_gs / t_cold, n, t_gs, n / t_gs / 1e6, 100 * t_gs / t_ns))

# BPR training speed: 3 epochs with 1 and 2 threads
for threads in (1, 2):
    j = db.execute("SELECT bpr_train('train', 'speed', json_object('epochs', 3, 'threads', ?))", (threads,)).fetchone()[0]
    s = json.loads(j)
    print("bpr_train threads=%d: %.2fM samples/s (%.2fM per thread), %.2f s per epoch of %d interactions x n_neg 4"
          % (threads, s["samples_per_second"] / 1e6, s["samples_per_second"] / 1e6 / threads,
             s["seconds"] / s["epochs"], s["interactions"]))
db.execute("DROP TABLE speed_users")
db.execute("DROP TABLE speed_items")
db.commit()
db.close()

# recommend against faiss IndexFlatIP, with OpenBLAS as detected and, where the
# CPU has AVX-512 but OpenBLAS does not know it, with its SkylakeX kernels
envs = [("", {})]
with open("/proc/cpuinfo") as f:
    if "avx512f" in f.read():
        envs.append((" OPENBLAS_CORETYPE=SkylakeX", {"OPENBLAS_CORETYPE": "SkylakeX"}))
code = """
import sqlite3, statistics, time, sys
db = sqlite3.connect(sys.argv[2]); db.enable_load_extension(True); db.load_extension(sys.argv[1])
core = [l for l in db.execute('SELECT recsql_debug()').fetchone()[0].split(chr(10)) if 'openblas core' in l][0]
ts = []
for _ in range(3):
    t0 = time.perf_counter()
    n = db.execute("SELECT count(*) FROM recommend('bpr_users', 'bpr_items', 20, 'train')").fetchone()[0]
    ts.append(time.perf_counter() - t0)
print('%.3f %d %s' % (statistics.median(ts), n, core))
"""
for label, extra in envs:
    env = dict(os.environ, **extra)
    r = subprocess.run(["/usr/bin/python3", "-c", code, ext, dbpath], env=env, capture_output=True, text=True, check=True)
    t_rec, nrows, core = r.stdout.split(" ", 2)
    f = subprocess.run(["/usr/bin/python3", os.path.join(here, "faiss_recommend.py"), dbpath, "3"], env=env,
                       capture_output=True, text=True, check=True).stdout.strip()
    t_faiss = float(f.split("median ")[1].split(" s")[0])
    print("recommend top-20, all users, train excluded%s: %.3f s (%s rows, %s)" % (label, float(t_rec), nrows, core.strip()))
    print("  %s" % f)
    print("  recommend / faiss time: %.2fx" % (float(t_rec) / t_faiss))
