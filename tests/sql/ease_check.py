#!/usr/bin/python3
"""Run by tests/sql/ease_train.sql: EASE in numpy float64 on the pairs of
PAIRS ("user|item" lines), top-20 per user (train items excluded) against
recsql's lists in LISTS ("user|item|rank" lines). Prints one line: equal, or
the first user whose lists differ beyond score ties (1e-6 of the user's
best score).

    ease_check.py PAIRS LISTS LAMBDA
"""
import sys

import numpy as np

pairs = [tuple(int(x) for x in l.split("|")) for l in open(sys.argv[1]) if l.strip()]
got = {}
for l in open(sys.argv[2]):
    if l.strip():
        u, i, r = (int(x) for x in l.split("|"))
        got.setdefault(u, []).append(i)
lam = float(sys.argv[3])
users = sorted({u for u, _ in pairs})
items = sorted({i for _, i in pairs})
ui, ii = {u: k for k, u in enumerate(users)}, {i: k for k, i in enumerate(items)}
X = np.zeros((len(users), len(items)))
for u, i in pairs:
    X[ui[u], ii[i]] = 1
G = X.T @ X + lam * np.eye(len(items))
P = np.linalg.inv(G)
B = P / -np.diag(P)
np.fill_diagonal(B, 0)
S = X @ B
S[X > 0] = -np.inf
bad = []
for u in users:
    s = S[ui[u]]
    ref = [items[j] for j in np.argsort(-s, kind="stable")[:20] if s[j] > -np.inf]
    mine = got.get(u, [])
    scale = max(abs(s[ii[ref[0]]]), 1e-12) if ref else 1
    if len(mine) != len(ref) or any(abs(s[ii[a]] - s[ii[b]]) > 1e-6 * scale for a, b in zip(mine, ref)):
        bad.append(u)
if bad:
    print(f"numpy check: {len(bad)} of {len(users)} users differ, e.g. user {bad[0]}")
else:
    print(f"numpy check: {len(users)} users x {len(items)} items, top-20 lists equal to numpy float64 EASE (up to ties)")
