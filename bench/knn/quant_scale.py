#!/usr/bin/python3
"""8-bit codes for knn_index's quantize=int8: which code keeps recall best.
Recall@10 of exact inner-product search with the float query over the
decoded vectors (the error of the stored codes alone: knn_index re-scores
its int8 candidates that way) against exact float search, and the RMS error
|x - decoded x| per vector.

  bench/knn/quant_scale.py [gowalla DB ...]

Data: seeded Gaussian 100k x 64 (2000 Gaussian queries, the bench.py data)
and, for each DB given (a database where sql/gowalla_bpr.sql ran), the
bpr_train item embeddings with the first 2000 user embeddings as queries.
Codes (all 8 bits a value):
  symmetric        s = max|x|/127 per vector, codes round(x/s) in [-127, 127]
                   (storage format 2; embed_quantize_int8)
  min/max          per vector lo = min x, step = (max - min)/255, codes in [0, 255]
  affine searched  per vector: 61 (step, offset) grids around min/max, the
                   codes of each refitted (lo, step) by least squares, the
                   smallest squared error kept (storage format 3; src/quant.h,
                   tests/data/q8_affine.py)
  affine searched per 32 / 16 values
                   the same for each block of 32 (storage format 4: 8 more
                   bytes per 32 values) or 16 values
  per-dim          s_j = max_i |x_ij| / 127 per dimension (a training pass)
  per-dim p99.9    the same, clipped at the 99.9th percentile of |x_ij|
  mean + symmetric the per-dimension mean subtracted first (it does not change
                   an inner-product or L2 ranking), then symmetric
  rotation + sym.  a random orthogonal rotation first, then symmetric
  faiss SQ8        faiss IndexScalarQuantizer QT_8bit (per-dimension
                   min/max, 255 levels, float query)
Prints; asserts nothing.
"""
import sqlite3
import sys

import faiss
import numpy as np

K = 10


def recall(truth, found):
    return np.mean([len(set(a) & set(b)) / K for a, b in zip(truth, found)])


def top(scores):
    return np.argpartition(-scores, K, axis=1)[:, :K]


def sym(x):
    s = np.abs(x).max(axis=1, keepdims=True) / 127
    s1 = np.where(s > 0, s, 1.0)
    return np.clip(np.round(x / s1), -127, 127) * s


def minmax(x):
    lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    s = np.where(hi > lo, (hi - lo) / 255, 1.0)
    return lo + np.round((x - lo) / s) * s


def affine_searched(x):
    """vectorized tests/data/q8_affine.py (without its tie tolerance)"""
    mn, mx = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    rng = np.where(mx > mn, mx - mn, 1.0)
    n = x.shape[1]
    best, be = None, None
    for fi in range(16):
        f = 1.0 + 0.1 * fi / 15
        for ti in range(4 if fi else 1):
            lo, s = mn - rng * (f - 1.0) * ti / 3, rng * f / 255.0
            k = np.clip(np.floor((x - lo) / s + 0.5), 0, 255)
            su, suu, sx, sux = k.sum(1, keepdims=True), (k * k).sum(1, keepdims=True), x.sum(1, keepdims=True), (k * x).sum(1, keepdims=True)
            det = n * suu - su * su
            s2 = np.where(det > 0, (n * sux - su * sx) / np.where(det > 0, det, 1), s)
            ok = s2 > 0
            s, lo = np.where(ok, s2, s), np.where(ok, (sx - s2 * su) / n, lo)
            xh = lo.astype(np.float32).astype(np.float64) + s.astype(np.float32).astype(np.float64) * k
            e = ((x - xh) ** 2).sum(1, keepdims=True)
            if best is None:
                best, be = xh, e
            else:
                m = e < be
                best, be = np.where(m, xh, best), np.where(m, e, be)
    return np.where(mx > mn, best, x)


def per_dim(pct):
    def f(x):
        a = np.abs(x)
        s = (np.percentile(a, pct, axis=0) if pct < 100 else a.max(axis=0))[None, :] / 127
        return np.clip(np.round(x / s), -127, 127) * s

    return f


def mean_sym(x):
    mu = x.mean(axis=0, keepdims=True)
    return sym(x - mu) + mu


def rot_sym(x):
    r, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((x.shape[1], x.shape[1])))
    return sym(x @ r) @ r.T


def blocks(b):
    def f(x):
        return np.concatenate([affine_searched(x[:, i:i + b]) for i in range(0, x.shape[1], b)], axis=1)

    return f


CODES = [("symmetric (format 2)", sym), ("min/max", minmax), ("affine searched (format 3)", affine_searched),
         ("affine per 32 values (format 4)", blocks(32)), ("affine per 16 values", blocks(16)),
         ("per-dim", per_dim(100)), ("per-dim p99.9", per_dim(99.9)), ("mean + symmetric", mean_sym),
         ("rotation + symmetric", rot_sym)]


def run(name, x, q):
    truth = top(q @ x.T)
    print(f"{name}: {x.shape[0]} x {x.shape[1]}, {len(q)} queries", flush=True)
    for label, f in CODES:
        xh = f(x)
        rms = np.sqrt(((x - xh) ** 2).sum(1).mean())
        print(f"  {label:28s} recall@10 {recall(truth, top(q @ xh.T)):.4f}  rms error {rms:.5f}", flush=True)
    idx = faiss.IndexScalarQuantizer(x.shape[1], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    idx.train(x.astype(np.float32))
    idx.add(x.astype(np.float32))
    _, found = idx.search(q.astype(np.float32), K)
    print(f"  {'faiss SQ8':28s} recall@10 {recall(truth, found):.4f}", flush=True)


faiss.omp_set_num_threads(1)
g = np.random.default_rng(42)
x = g.standard_normal((100000, 64), dtype=np.float32).astype(np.float64)
q = g.standard_normal((2000, 64), dtype=np.float32).astype(np.float64)
run("Gaussian", x, q)
for db in sys.argv[1:]:
    con = sqlite3.connect(db)
    x = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in con.execute("SELECT emb FROM bpr_items ORDER BY id")])
    q = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in con.execute("SELECT emb FROM bpr_users ORDER BY id LIMIT 2000")])
    run(f"{db} items", x.astype(np.float64), q.astype(np.float64))
