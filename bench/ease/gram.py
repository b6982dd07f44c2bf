#!/usr/bin/python3
"""Gram matrix XᵀX of the N most popular Gowalla items: ease_train's sparse
accumulation (its seconds_gram) against a dense OpenBLAS ssyrk of the
binary users x items matrix (scipy.linalg.blas.ssyrk, 2 threads) and
scipy.sparse's X.T @ X + toarray(). Prints figures; asserts nothing.

    bench/ease/gram.py build/recsql.so [N]
"""
import json
import sys
import time

import numpy as np
import scipy.linalg.blas as blas
import scipy.sparse as sp

import common

ext = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
train, test = common.load("gowalla")
db = common.connect(ext)
common.fill(db, train, test)
j = json.loads(db.execute("SELECT ease_train('train', 'e', json_object('max_items', ?))", (n,)).fetchone()[0])
keep = common.popular(train, n)
p = [(u, i) for u, i in train if i in keep]
users = sorted({u for u, _ in p})
ids = sorted(keep)
ui, ii = {u: k for k, u in enumerate(users)}, {i: k for k, i in enumerate(ids)}
r, c = np.array([ui[u] for u, _ in p]), np.array([ii[i] for _, i in p])
X = sp.csr_matrix((np.ones(len(p), dtype=np.float32), (r, c)), shape=(len(users), len(ids)))
deg = np.diff(X.indptr)
t0 = time.perf_counter()
G1 = (X.T @ X).toarray()
t_sp = time.perf_counter() - t0
D = np.asfortranarray(X.toarray())
t0 = time.perf_counter()
G2 = blas.ssyrk(1.0, D, trans=1)
t_dense = time.perf_counter() - t0
print(f"Gram of {len(ids)} items x {len(users)} users ({len(p)} pairs, Σ deg² / 2 = {int((deg.astype(np.int64) ** 2).sum() // 2)} "
      f"additions vs {len(users) * len(ids) ** 2 // 2} multiply-adds for a dense ssyrk): ease_train sparse "
      f"{j['seconds_gram']:.2f} s, scipy.sparse X.T @ X {t_sp:.2f} s, dense ssyrk {t_dense:.2f} s; "
      f"max |difference| {np.abs(np.triu(G1) - np.triu(G2)).max():g}")
