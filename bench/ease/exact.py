#!/usr/bin/python3
"""EASE exactness: recsql's ease_train + i2i_recommend top-20 lists against a
numpy float64 EASE on the same data (ml-100k, per-user random 80/20 split,
see common.py). ease_train keeps every weight (top_n = items), so the lists
are X·B exactly, up to float32 rounding. A list counts as equal "up to ties"
when, rank by rank, the numpy scores of the two items differ by at most
1e-5 (relative to the user's best score). Prints figures; asserts nothing.

    bench/ease/exact.py build/recsql.so [lambda ...]
"""
import sys
import time

import numpy as np

import common

ext = sys.argv[1]
lams = [float(x) for x in sys.argv[2:]] or [50.0, 500.0]
train, test = common.load("ml100k")
db = common.connect(ext)
common.fill(db, train, test)
print(f"ml-100k split: train {len(train)}, test {len(test)} pairs")
for lam in lams:
    t0 = time.perf_counter()
    db.execute("SELECT ease_train('train', 'm', json_object('lambda', ?, 'top_n', 100000))", (lam,)).fetchone()
    t_sql = time.perf_counter() - t0
    rec = common.sql_lists(db, "SELECT user, item FROM i2i_recommend('train', 'm_sim', 20) ORDER BY user, rank")
    B, X, users, ids, t_np = common.numpy_ease(train, lam)
    ref, S = common.numpy_topk(B, X, users, ids)
    col = {i: k for k, i in enumerate(ids)}
    same = tied = 0
    gap = 0.0
    for r, u in enumerate(users):
        a, b = rec.get(u, []), ref[u]
        if a == b:
            same += 1
            continue
        scale = max(abs(S[r][col[b[0]]]), 1e-12)
        d = max(abs(S[r][col[x]] - S[r][col[y]]) / scale for x, y in zip(a, b)) if len(a) == len(b) else np.inf
        gap = max(gap, d)
        if d <= 1e-5:
            tied += 1
    rs, ns = common.metrics(rec, test)
    rn, nn = common.metrics(ref, test)
    print(f"lambda {lam:g}: {same}/{len(users)} users identical top-20, {tied} more equal up to ties "
          f"(max relative score gap where they differ {gap:.2e}); Recall@20 recsql {rs:.4f} numpy {rn:.4f}, "
          f"NDCG@20 {ns:.4f} / {nn:.4f}; fit: ease_train {t_sql:.2f} s (incl. writing the table), "
          f"numpy float64 {t_np:.2f} s")
