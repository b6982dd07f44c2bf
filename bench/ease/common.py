"""Shared by the EASE / i2i benchmarks: data sets, a numpy EASE, metrics.

Data sets (read at run time from ../shared/data, never copied):
  gowalla, yelp      the NGCF/LightGCN splits ("user item item ..." lines)
  ml100k             ml-100k u.data, every rating an interaction, split per
                     user at random 80/20: each user's items shuffled with
                     numpy default_rng(seed 2019), the first ceil(0.8 n) go to
                     train, the rest to test.
"""
import math
import os
import sqlite3

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data")


def read_adjacency(path):
    pairs = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) > 1:
                u = int(p[0])
                pairs.extend((u, int(i)) for i in p[1:])
    return pairs


def ml100k_split(seed=2019):
    by_user = {}
    with open(os.path.join(DATA, "ml-100k/u.data")) as f:
        for line in f:
            u, i, _, _ = line.split("\t")
            by_user.setdefault(int(u), []).append(int(i))
    rng = np.random.default_rng(seed)
    train, test = [], []
    for u in sorted(by_user):
        items = sorted(set(by_user[u]))
        rng.shuffle(items)
        cut = math.ceil(0.8 * len(items))
        train += [(u, i) for i in items[:cut]]
        test += [(u, i) for i in items[cut:]]
    return train, test


def load(name):
    if name == "ml100k":
        return ml100k_split()
    d = {"gowalla": "gowalla", "yelp": "yelp2018-sample"}[name]
    return (read_adjacency(os.path.join(DATA, d, "train.txt")),
            read_adjacency(os.path.join(DATA, d, "test.txt")))


def connect(ext, path=":memory:"):
    db = sqlite3.connect(path)
    db.enable_load_extension(True)
    db.load_extension(ext)
    return db


def fill(db, train, test):
    db.execute("CREATE TABLE train(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID")
    db.execute("CREATE TABLE test(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID")
    db.executemany("INSERT OR IGNORE INTO train VALUES (?, ?)", train)
    db.executemany("INSERT OR IGNORE INTO test VALUES (?, ?)", test)
    db.commit()


def popular(train, n):
    """The n most popular items (ties by id), as a set."""
    cnt = {}
    for _, i in train:
        cnt[i] = cnt.get(i, 0) + 1
    return set(sorted(cnt, key=lambda i: (-cnt[i], i))[:n])


def metrics(lists, test, k=20):
    """Recall@k / NDCG@k averaged over test users (LightGCN protocol: a test
    user without recommendations scores 0; recall divides by the user's test
    items)."""
    truth = {}
    for u, i in test:
        truth.setdefault(u, set()).add(i)
    rs, ns = [], []
    for u, t in truth.items():
        rec = lists.get(u, [])[:k]
        hits = [1 if i in t else 0 for i in rec]
        rs.append(sum(hits) / len(t))
        dcg = sum(h / math.log2(r + 2) for r, h in enumerate(hits))
        idcg = sum(1 / math.log2(r + 2) for r in range(min(len(t), k)))
        ns.append(dcg / idcg)
    return float(np.mean(rs)), float(np.mean(ns))


def sql_lists(db, sql, args=()):
    lists = {}
    for u, i in db.execute(sql, args):
        lists.setdefault(u, []).append(i)
    return lists


def numpy_ease(train, lam, dtype=np.float64, items=None):
    """EASE in numpy as in Steck's paper (X sparse, G dense, np.linalg.inv).
    Returns (B, user index, item ids, seconds of the fit)."""
    import scipy.sparse as sp
    import time
    if items is not None:
        train = [(u, i) for u, i in train if i in items]
    users = sorted({u for u, _ in train})
    ids = sorted({i for _, i in train})
    ui = {u: k for k, u in enumerate(users)}
    ii = {i: k for k, i in enumerate(ids)}
    r = np.array([ui[u] for u, _ in train])
    c = np.array([ii[i] for _, i in train])
    X = sp.csr_matrix((np.ones(len(r), dtype=dtype), (r, c)), shape=(len(users), len(ids)))
    X.data[:] = 1
    t0 = time.perf_counter()
    G = (X.T @ X).toarray().astype(dtype)
    G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G)
    B = P / (-np.diag(P))
    B[np.diag_indices_from(B)] = 0
    return B, X, users, ids, time.perf_counter() - t0


def numpy_topk(B, X, users, ids, k=20):
    """Top k per user of X·B, train items excluded, ties by item id."""
    S = np.asarray(X @ B)
    S[X.nonzero()] = -np.inf
    out = {}
    for r, u in enumerate(users):
        s = S[r]
        # ids are sorted ascending, so a stable sort on -s breaks ties by id
        top = np.argsort(-s, kind="stable")[:k]
        out[u] = [ids[j] for j in top if s[j] > -np.inf]
    return out, S
