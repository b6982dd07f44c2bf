"""Peak RSS of a long-lived process: 10,000 mixed statements over 20 sources
on 20 connections (one per source, statements in random order), with and
without a cache budget. Each connection caches the last graph of each of
neg_samples, swing_sim and itemcf_sim, so without a budget the process keeps
up to 60 graphs; with one, the least recently used are evicted. A fourth
kind of statement queries one of 20 knn_index tables (flat, 5,000 x 64
random vectors each) from any connection: their copies are shared by the
connections and under the same budget.

  /usr/bin/python3 bench/scale/budget.py build/recsql.so scale_1000000.db [budget]

The sources are 20 slices of behavior (a user residue class each) copied into
a temporary database. Prints statements/s, peak RSS, cache figures.
"""
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time

lib, src = sys.argv[1], sys.argv[2]
budget = sys.argv[3] if len(sys.argv) > 3 else None
tmp = tempfile.mkdtemp()
path = os.path.join(tmp, "budget.db")
db = sqlite3.connect(path)
db.execute("ATTACH ? AS s", (src,))
for k in range(20):
    db.execute(f"CREATE TABLE src{k} AS SELECT user, item FROM s.behavior WHERE user % 20 = {k}")
db.commit()
db.execute("DETACH s")
db.close()
setup = sqlite3.connect(path)
setup.enable_load_extension(True)
setup.load_extension(lib.removesuffix(".so"))
vrng = random.Random(7)
for k in range(20):
    setup.execute(f"CREATE VIRTUAL TABLE idx{k} USING knn_index(dim=64, metric=ip)")
    setup.executemany(f"INSERT INTO idx{k}(rowid, embedding) VALUES (?, ?)",
                      ((r, "[" + ",".join("%.4f" % vrng.gauss(0, 1) for _ in range(64)) + "]") for r in range(5000)))
setup.commit()
setup.close()

conns = []
for k in range(20):
    c = sqlite3.connect(path)
    c.enable_load_extension(True)
    c.load_extension(lib.removesuffix(".so"))
    conns.append(c)
if budget:
    conns[0].execute("SELECT recsql_config('cache_budget', ?)", (budget,))
rng = random.Random(1)
items = [r[0] for r in conns[0].execute("SELECT DISTINCT item FROM src0 LIMIT 200")]
t0 = time.time()
for n in range(10000):
    k = rng.randrange(20)
    c = conns[k]
    kind = rng.randrange(4)
    if kind == 0:
        c.execute(f"SELECT count(*) FROM (SELECT * FROM neg_samples('src{k}', 1) LIMIT 100)").fetchall()
    elif kind == 1:
        c.execute(f"SELECT item_b, score FROM swing_sim('src{k}', 1.0, 20, 0, 0, 200, 200) WHERE item_a = ?",
                  (rng.choice(items),)).fetchall()
    elif kind == 2:
        c.execute(f"SELECT item_b, score FROM itemcf_sim('src{k}') WHERE item_a = ?",
                  (rng.choice(items),)).fetchall()
    else:
        q = "[" + ",".join("%.3f" % rng.gauss(0, 1) for _ in range(64)) + "]"
        c.execute(f"SELECT rowid FROM idx{rng.randrange(20)} WHERE embedding MATCH ? AND k = 10", (q,)).fetchall()
el = time.time() - t0
row = conns[0].execute("SELECT recsql_config('cache_budget'), recsql_config('cache_used'), "
                       "recsql_config('cache_entries'), recsql_config('cache_evictions')").fetchone()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with open("/proc/self/status") as f:
    cur = [l.split()[1] for l in f if l.startswith("VmRSS")][0]
print(f"budget {budget or 'default'}: 10000 statements in {el:.1f} s ({10000 / el:.0f}/s); "
      f"peak RSS {rss:.0f} MB, RSS at end {int(cur) / 1024:.0f} MB; cache used {row[1] / 2**20:.1f} MB "
      f"in {row[2]} entries, {row[3]} evictions (budget {row[0] / 2**20:.0f} MB)")
for line in conns[0].execute("SELECT recsql_debug()").fetchone()[0].splitlines():
    if "knn_index" in line:
        print(line)
for c in conns:
    c.close()
os.unlink(path)
os.rmdir(tmp)
