#!/usr/bin/python3
"""The numpy peer of bench/ease/speed.sh: EASE on the N most popular items
of a (user, item) file, with numpy/scipy on the same OpenBLAS as recsql
(Debian's libopenblas through libblas.so.3 / liblapack.so.3). Prints the
seconds of each step as JSON.

    numpy_peer.py PAIRS N LAMBDA inv32|inv64|potri32

inv32 / inv64: Steck's code (np.linalg.inv of the dense Gram matrix, LU);
potri32: scipy's LAPACK spotrf + spotri, the algorithm of ease_train.
"""
import json
import sys
import time

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp

path, n, lam, how = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
pairs = np.loadtxt(path, dtype=np.int64, delimiter="|")
t_all = time.perf_counter()
items, cnt = np.unique(pairs[:, 1], return_counts=True)
keep = items[np.argsort(-cnt, kind="stable")[:n]]
mask = np.isin(pairs[:, 1], keep)
p = pairs[mask]
users, ui = np.unique(p[:, 0], return_inverse=True)
ids, ii = np.unique(p[:, 1], return_inverse=True)
dt = np.float64 if how == "inv64" else np.float32
X = sp.csr_matrix((np.ones(len(p), dtype=dt), (ui, ii)), shape=(len(users), len(ids)))
t0 = time.perf_counter()
G = (X.T @ X).toarray()
G[np.diag_indices_from(G)] += lam
t1 = time.perf_counter()
if how == "potri32":
    c, info = lapack.spotrf(G, lower=1, overwrite_a=1, clean=0)
    P, info = lapack.spotri(c, lower=1, overwrite_c=1)
    P = np.tril(P) + np.tril(P, -1).T
else:
    P = np.linalg.inv(G)
t2 = time.perf_counter()
B = P / (-np.diag(P))
B[np.diag_indices_from(B)] = 0
# the top 100 per row, as ease_train keeps
top = np.argpartition(-B, 100, axis=1)[:, :100]
t3 = time.perf_counter()
print(json.dumps({"peer": how, "items": len(ids), "users": len(users), "seconds": round(t3 - t_all, 2),
                  "gram": round(t1 - t0, 2), "inverse": round(t2 - t1, 2), "weights": round(t3 - t2, 2)}))
