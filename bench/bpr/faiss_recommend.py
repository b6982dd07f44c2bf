#!/usr/bin/python3
"""Peer for recommend: faiss IndexFlatIP batch search of every user against
every item, top 20, on the same matrices recommend uses (the item bias folded
in as one extra dimension, so both compute the same scores), without
exclusion. Prints the median search time of REPEAT runs.

    faiss_recommend.py DB [REPEAT]
"""
import sqlite3
import statistics
import sys
import time

import faiss
import numpy as np

db = sqlite3.connect(sys.argv[1])
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
users = db.execute("SELECT emb FROM bpr_users").fetchall()
items = db.execute("SELECT emb, bias FROM bpr_items").fetchall()
U = np.stack([np.frombuffer(e, dtype="<f4") for (e,) in users])
X = np.stack([np.frombuffer(e, dtype="<f4") for (e, _) in items])
b = np.array([bias for (_, bias) in items], dtype="f4")
Ua = np.ascontiguousarray(np.hstack([U, np.ones((U.shape[0], 1), dtype="f4")]))
Xa = np.ascontiguousarray(np.hstack([X, b[:, None]]))
index = faiss.IndexFlatIP(Xa.shape[1])
index.add(Xa)
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    D, I = index.search(Ua, 20)
    times.append(time.perf_counter() - t0)
print("faiss %s IndexFlatIP search: %d users x %d items, dim %d, top 20: median %.3f s (runs: %s), threads %d"
      % (faiss.__version__, Ua.shape[0], Xa.shape[0], Xa.shape[1], statistics.median(times),
         " ".join("%.3f" % t for t in times), faiss.omp_get_max_threads()))
