#!/usr/bin/python3
"""int8 codes for knn_index: one scale per vector (what quantize=int8 does)
against one scale per dimension, by recall@10 of exact inner-product search
over the decoded vectors against exact float search.

  bench/knn/quant_scale.py [gowalla DB ...]

Data: seeded Gaussian 100k x 64 (1000 Gaussian queries) and, for each DB
given (a database where sql/gowalla_bpr.sql ran), the bpr_train item
embeddings with the first 1000 user embeddings as queries. Schemes:
  per-vector        s = max|x|/127 per vector, query quantized the same way
                    (knn_index's quantize=int8)
  per-vector fq     same codes, float query (the error of the codes alone)
  per-dim           s_j = max_i |x_ij| / 127 per dimension (a training pass
                    over the data), the query scaled by s_j then quantized
  faiss SQ8         faiss IndexScalarQuantizer QT_8bit (per-dimension
                    min/max, 255 levels, float query)
Prints recall@10; asserts nothing.
"""
import sqlite3
import sys

import faiss
import numpy as np

K = 10


def q8(x, s):
    s = np.where(s > 0, s, 1.0)
    return np.clip(np.round(x / s), -127, 127)


def recall(truth, scores):
    top = np.argsort(-scores, axis=1, kind="stable")[:, :K]
    return np.mean([len(set(a) & set(b)) / K for a, b in zip(truth, top)])


def run(name, x, q):
    truth = np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :K]
    sx = np.abs(x).max(axis=1, keepdims=True) / 127
    cx = q8(x, sx)
    xv = cx * sx
    sq = np.abs(q).max(axis=1, keepdims=True) / 127
    qv = q8(q, sq) * sq
    r_vec = recall(truth, qv @ xv.T)
    r_vec_fq = recall(truth, q @ xv.T)
    sd = np.abs(x).max(axis=0, keepdims=True) / 127
    xd = q8(x, sd)  # codes; value = code * s_j
    qs = q * sd  # the query absorbs the per-dimension scales
    sqd = np.abs(qs).max(axis=1, keepdims=True) / 127
    r_dim = recall(truth, (q8(qs, sqd) * sqd) @ xd.T)
    idx = faiss.IndexScalarQuantizer(x.shape[1], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    idx.train(x.astype(np.float32))
    idx.add(x.astype(np.float32))
    _, found = idx.search(q.astype(np.float32), K)
    r_sq8 = np.mean([len(set(a) & set(b)) / K for a, b in zip(truth, found)])
    print(f"{name:28s} per-vector {r_vec:.4f}  per-vector fq {r_vec_fq:.4f}  per-dim {r_dim:.4f}  faiss SQ8 {r_sq8:.4f}")


faiss.omp_set_num_threads(1)
g = np.random.default_rng(42)
run("Gaussian 100k x 64", g.standard_normal((100000, 64)), g.standard_normal((1000, 64)))
for db in sys.argv[1:]:
    con = sqlite3.connect(db)
    x = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in con.execute("SELECT emb FROM bpr_items ORDER BY id")])
    q = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in con.execute("SELECT emb FROM bpr_users ORDER BY id LIMIT 1000")])
    run(f"{db} items {x.shape[0]} x {x.shape[1]}", x.astype(np.float64), q.astype(np.float64))
