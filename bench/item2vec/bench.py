#!/usr/bin/python3
"""item2vec_train against gensim's Word2Vec (skip-gram, negative sampling) and
baselines. Prints figures; asserts nothing.

    bench.py EXTENSION [speed|quality|yelp|cold ...]

speed    words/s per thread on the same sequences, same hyper-parameters,
         recsql and gensim interleaved, medians of REPEAT runs:
         ML-100k (time-ordered user sequences, 1682 items) and Gowalla
         (train.txt lines as sequences, 40981 items).
quality  ML-100k, leave-last-out by time per user (ties in time broken by the
         order of u.data): next-item HR@10 and NDCG@10 against all items the
         user has not rated in train. Item2vec-like models score a candidate
         by the cosine between it and the mean of the unit vectors of the
         user's last L = 5 train items; bpr_train by its own score; popularity
         by train counts. Same split and masks for every method.
yelp     the same comparison with gensim on a second data set without times
         (see quality_yelp).
cold     10% of ML-100k's movies (seeded draw) removed from behavior entirely;
         EGES with genres and year as side information gives them vectors.
         (a) genre gap: mean cosine of a cold movie to warm movies sharing a
         genre minus its mean cosine to all warm movies (and the share of cold
         movies whose nearest warm movie shares a genre, against the share of
         warm movies that share one, the chance level);
         (b) recommending cold movies: for every user who rated a cold movie,
         rank the cold movies only, by cosine to the mean unit vector of the
         user's warm movies; HR@10 and Recall@10 of the user's cold movies,
         against popularity computed the only way a cold item allows (the
         train popularity of its genres: sum over its genres of the train
         events of warm movies of that genre), against random order, and,
         as an upper bar no recommender has for a new item, against the cold
         movies' own popularity in the held-out events (oracle).
"""
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import time

import numpy as np

ext = sys.argv[1]
parts = sys.argv[2:] or ["speed", "quality", "cold", "yelp"]
ML = "/work/shared/data/ml-100k"
GOWALLA = "/work/shared/data/gowalla/train.txt"
REPEAT = int(os.environ.get("REPEAT", "3"))
DIM, WINDOW, NEG, EPOCHS, SAMPLE, LR = 64, 5, 5, 5, 1e-3, 0.025
L = 5
GENRES = [l.split("|")[0] for l in open(ML + "/u.genre").read().split("\n") if l.strip()]


def connect():
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(ext)
    return db


def ml_events():
    """(user, item, time, line) rows of u.data, ordered per user by (time, line)."""
    ev = []
    for n, line in enumerate(open(ML + "/u.data")):
        u, i, r, t = line.split()
        ev.append((int(u), int(i), int(t), n))
    ev.sort(key=lambda e: (e[0], e[2], e[3]))
    return ev


def ml_side():
    """(item, field, value) rows: every genre of a movie, and its release year."""
    rows = []
    for line in open(ML + "/u.item", encoding="latin-1"):
        f = line.rstrip("\n").split("|")
        item = int(f[0])
        for g, flag in enumerate(f[5:]):
            if flag == "1":
                rows.append((item, "genre", GENRES[g]))
        if f[2]:
            rows.append((item, "year", int(f[2][-4:])))
    return rows


def split_last(ev):
    """Train events and the last event of every user with at least 2."""
    by = {}
    for e in ev:
        by.setdefault(e[0], []).append(e)
    train, test = [], {}
    for u, es in by.items():
        if len(es) < 2:
            train += es
            continue
        train += es[:-1]
        test[u] = es[-1][1]
    return train, test


def load_events(db, name, ev):
    db.execute("DROP TABLE IF EXISTS %s" % name)
    db.execute("CREATE TABLE %s(user INTEGER, item INTEGER, time INTEGER)" % name)
    db.executemany("INSERT INTO %s VALUES (?, ?, ?)" % name, [(e[0], e[1], e[2]) for e in ev])


def item_vectors(db, table):
    ids, vecs = [], []
    for i, b in db.execute("SELECT id, emb FROM %s" % table):
        ids.append(i)
        vecs.append(np.frombuffer(b, dtype=np.float32))
    return dict(zip(ids, vecs))


def sequences_of(ev):
    seqs, cur, last = [], [], None
    for e in ev:
        if e[0] != last and cur:
            seqs.append(cur)
            cur = []
        last = e[0]
        cur.append(str(e[1]))
    if cur:
        seqs.append(cur)
    return seqs


def gensim_train(seqs, threads, seed=1, epochs=EPOCHS):
    from gensim.models import Word2Vec
    m = Word2Vec(vector_size=DIM, window=WINDOW, negative=NEG, sg=1, hs=0, sample=SAMPLE, min_count=1,
                 alpha=LR, min_alpha=LR * 1e-4, workers=threads, seed=seed, ns_exponent=0.75)
    m.build_vocab(seqs)
    words = sum(len(s) for s in seqs)
    t0, c0 = time.perf_counter(), time.process_time()
    m.train(seqs, total_examples=len(seqs), epochs=epochs)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return m, words * epochs / secs, words * epochs / cpu


def recsql_train(db, source, model, opts):
    o = dict(dim=DIM, window=WINDOW, n_neg=NEG, epochs=EPOCHS, subsample=SAMPLE, lr=LR, seed=1)
    o.update(opts)
    c0 = time.process_time()
    r = json.loads(db.execute("SELECT item2vec_train(?, ?, ?)", (source, model, json.dumps(o))).fetchone()[0])
    r["cpu_seconds"] = time.process_time() - c0  # the whole call: reading the source included
    return r


# ---- speed ------------------------------------------------------------------

def speed_corpus(db, name, seqs):
    db.execute("DROP TABLE IF EXISTS %s" % name)
    db.execute("CREATE TABLE %s(user INTEGER, item INTEGER, time INTEGER)" % name)
    db.executemany("INSERT INTO %s VALUES (?, ?, ?)" % name,
                   [(q, int(x), t) for q, s in enumerate(seqs) for t, x in enumerate(s)])


def speed():
    db = connect()
    corpora = [("ML-100k", sequences_of(ml_events())),
               ("Gowalla", [l.split()[1:] for l in open(GOWALLA) if len(l.split()) > 2])]
    print("speed: dim %d, window %d, n_neg %d, epochs %d, subsample %g; words/s = input items x epochs / "
          "training wall seconds (reading and vocabulary excluded on both sides); words/cpu-s = the same words / "
          "CPU seconds of the process (recsql: the whole call, reading the table included; gensim: train() "
          "only); medians of %d interleaved runs" % (DIM, WINDOW, NEG, EPOCHS, SAMPLE, REPEAT))
    for name, seqs in corpora:
        speed_corpus(db, "sp", seqs)
        for threads in [int(x) for x in os.environ.get("THREADS", "1,2").split(",")]:
            r, g, rc, gc = [], [], [], []
            for rep in range(REPEAT):
                s = recsql_train(db, "sp", "sp", dict(threads=threads, seed=rep + 1))
                r.append(s["words_per_second"])
                rc.append(s["tokens"] * s["epochs"] / s["cpu_seconds"])
                _, w, c = gensim_train(seqs, threads, seed=rep + 1)
                g.append(w)
                gc.append(c)
            rm, gm = statistics.median(r), statistics.median(g)
            rcm, gcm = statistics.median(rc), statistics.median(gc)
            print("  %-8s threads=%d: recsql %.0fk words/s (%.0fk per thread), gensim %.0fk words/s (%.0fk per "
                  "thread): recsql/gensim = %.2fx; per CPU second: recsql %.0fk, gensim %.0fk = %.2fx   "
                  "[runs recsql %s, gensim %s]"
                  % (name, threads, rm / 1e3, rm / 1e3 / threads, gm / 1e3, gm / 1e3 / threads, rm / gm,
                     rcm / 1e3, gcm / 1e3, rcm / gcm,
                     " ".join("%.0fk" % (x / 1e3) for x in r), " ".join("%.0fk" % (x / 1e3) for x in g)))
            sys.stdout.flush()


# ---- quality ----------------------------------------------------------------

def evaluate(score_fn, users, test, seen):
    """HR@10 and NDCG@10: rank of the test item among the items not seen in
    train (ties counted against it); an item without a vector cannot rank."""
    hr = nd = 0.0
    for u in users:
        s = score_fn(u)
        s[list(seen[u])] = -np.inf
        st = s[test[u]]
        if not np.isfinite(st):
            continue
        rank = int(np.sum(s > st))
        if rank < 10:
            hr += 1
            nd += 1 / math.log2(rank + 2)
    return hr / len(users), nd / len(users)


class Scorer:
    """Cosine to the mean unit vector of the user's last L train items."""

    def __init__(self, vecs, n, hist):
        d = len(next(iter(vecs.values())))
        self.V = np.zeros((n + 1, d), dtype=np.float32)
        self.has = np.zeros(n + 1, dtype=bool)
        for i, v in vecs.items():
            if 0 < i <= n:
                self.V[i] = v / (np.linalg.norm(v) + 1e-12)
                self.has[i] = True
        self.hist = hist

    def __call__(self, u):
        h = [i for i in self.hist[u][-L:] if self.has[i]]
        s = np.full(len(self.V), -np.inf, dtype=np.float64)
        if not h:
            return s
        q = self.V[h].mean(axis=0)
        s[self.has] = self.V[self.has] @ q
        return s


def walks_py(train_seqs, per_item, length, seed):
    """DeepWalk over the transition graph of consecutive pairs (same recipe as recsql)."""
    rnd = random.Random(seed)
    nb = {}
    for s in train_seqs:
        for a, b in zip(s, s[1:]):
            if a != b:
                nb.setdefault(a, {}).setdefault(b, 0)
                nb[a][b] += 1
    tab = {a: (list(d.keys()), list(d.values())) for a, d in nb.items()}
    starts = list(tab.keys())
    out = []
    for _ in range(per_item):
        rnd.shuffle(starts)
        for a in starts:
            w = [a]
            while len(w) < length and w[-1] in tab:
                ks, ws = tab[w[-1]]
                w.append(rnd.choices(ks, ws)[0])
            if len(w) > 1:
                out.append(w)
    return out


def quality():
    db = connect()
    ev = ml_events()
    train, test = split_last(ev)
    n_items = max(e[1] for e in ev)
    hist, seen = {}, {}
    for e in train:
        hist.setdefault(e[0], []).append(e[1])
        seen.setdefault(e[0], set()).add(e[1])
    users = sorted(test)
    load_events(db, "train", train)
    db.execute("CREATE TABLE side(item, field, value)")
    db.executemany("INSERT INTO side VALUES (?, ?, ?)", ml_side())
    print("quality: ML-100k, %d users, %d items, %d train events, leave-last-out; candidates: all items the user "
          "has not rated in train; item vectors score by cosine to the mean of the user's last %d items"
          % (len(users), n_items, len(train), L))
    res = []

    def report(name, score_fn, extra=""):
        hr, nd = evaluate(score_fn, users, test, seen)
        res.append((name, hr, nd))
        print("  %-40s HR@10 %.4f  NDCG@10 %.4f  %s" % (name, hr, nd, extra))
        sys.stdout.flush()

    def report_seeds(name, train_fn):
        """Mean over SEEDS seeds of a trainer that maps a seed to item vectors."""
        hs, ns, secs = [], [], 0.0
        for seed in range(1, SEEDS + 1):
            t0 = time.perf_counter()
            vecs = train_fn(seed)
            secs += time.perf_counter() - t0
            hr, nd = evaluate(Scorer(vecs, n_items, hist), users, test, seen)
            hs.append(hr)
            ns.append(nd)
        print("  %-40s HR@10 %.4f  NDCG@10 %.4f  (mean of %d seeds: HR %s; %.1f s a run)"
              % (name, np.mean(hs), np.mean(ns), SEEDS, " ".join("%.4f" % h for h in hs), secs / SEEDS))
        sys.stdout.flush()

    cnt = np.zeros(n_items + 1)
    for e in train:
        cnt[e[1]] += 1
    report("popularity", lambda u: cnt.astype(np.float64).copy())
    ep = EPOCHS_Q
    for name, opts in [("item2vec sequences (recsql)", dict(threads=1)),
                       ("item2vec walks (recsql)", dict(threads=1, mode="walks")),
                       ("EGES sequences + genre, year (recsql)", dict(threads=1, side_info="side")),
                       ("EGES walks + genre, year (recsql)", dict(threads=1, mode="walks", side_info="side"))]:
        opts["epochs"] = ep

        def run(seed, opts=opts):
            recsql_train(db, "train", "q", dict(opts, seed=seed))
            return item_vectors(db, "q_items")

        report_seeds(name, run)
    seqs = sequences_of(train)

    def gensim_vecs(sq, seed):
        m = gensim_train(sq, 1, seed=seed, epochs=ep)[0]
        return {int(k): m.wv[k] for k in m.wv.index_to_key}

    report_seeds("gensim Word2Vec sequences", lambda seed: gensim_vecs(seqs, seed))
    report_seeds("gensim Word2Vec walks (Python walks)",
                 lambda seed: gensim_vecs([[str(x) for x in w] for w in
                                           walks_py([[int(x) for x in s] for s in seqs], 10, 10, seed)], seed))
    db.execute("CREATE TABLE pairs AS SELECT user, item FROM train")
    t0 = time.perf_counter()
    db.execute("SELECT bpr_train('pairs', 'bpr', '{\"seed\": 1, \"threads\": 1}')").fetchone()
    secs = time.perf_counter() - t0
    U = {u: np.frombuffer(b, dtype=np.float32) for u, b in db.execute("SELECT id, emb FROM bpr_users")}
    Q = np.zeros((n_items + 1, DIM), dtype=np.float32)
    B = np.full(n_items + 1, -np.inf)
    for i, b, bias in db.execute("SELECT id, emb, bias FROM bpr_items"):
        Q[i] = np.frombuffer(b, dtype=np.float32)
        B[i] = bias
    report("bpr_train (recsql, defaults)", lambda u: (Q @ U[u]).astype(np.float64) + B, "(%.1f s)" % secs)


# ---- cold start --------------------------------------------------------------

def cold():
    db = connect()
    ev = ml_events()
    side = ml_side()
    items = sorted({e[1] for e in ev})
    rnd = random.Random(16)
    coldset = set(rnd.sample(items, len(items) // 10))
    warm_ev = [e for e in ev if e[1] not in coldset]
    load_events(db, "warm", warm_ev)
    db.execute("CREATE TABLE side(item, field, value)")
    db.executemany("INSERT INTO side VALUES (?, ?, ?)", side)
    genres = {}
    for i, f, v in side:
        if f == "genre":
            genres.setdefault(i, set()).add(v)
    print("cold start: ML-100k, %d of %d movies held out of behavior (their %d events removed); EGES with genre "
          "and year" % (len(coldset), len(items), len(ev) - len(warm_ev)))
    for mode in ("sequences", "walks"):
        s = recsql_train(db, "warm", "c", dict(threads=1, side_info="side", mode=mode, epochs=EPOCHS_Q))
        vec = item_vectors(db, "c_items")
        cold_ids = [i for i in coldset if i in vec]
        warm_ids = [i for i in vec if i not in coldset]
        W = np.array([vec[i] / np.linalg.norm(vec[i]) for i in warm_ids])
        gaps, nn_share, base = [], 0, []
        for c in cold_ids:
            v = vec[c] / np.linalg.norm(vec[c])
            sims = W @ v
            peer = np.array([bool(genres.get(c, set()) & genres.get(w, set())) for w in warm_ids])
            if peer.any():
                gaps.append(sims[peer].mean() - sims.mean())
            nn_share += peer[int(np.argmax(sims))]
            base.append(peer.mean())
        print("  %-9s (a) %d cold movies got vectors (summary cold_items %d); cosine to genre peers minus cosine "
              "to all warm movies: mean %.4f (median %.4f, %.0f%% positive); nearest warm movie shares a genre for "
              "%.1f%% of cold movies (chance %.1f%%)"
              % (mode, len(cold_ids), s["cold_items"], np.mean(gaps), np.median(gaps),
                 100 * np.mean(np.array(gaps) > 0), 100 * nn_share / len(cold_ids), 100 * np.mean(base)))
        # (b) recommend cold movies to the users who rated them
        C = np.array([vec[i] / np.linalg.norm(vec[i]) for i in cold_ids])
        gcount = {}
        for e in warm_ev:
            for g in genres.get(e[1], ()):
                gcount[g] = gcount.get(g, 0) + 1
        gpop = np.array([sum(gcount.get(g, 0) for g in genres.get(i, ())) for i in cold_ids], dtype=float)
        hist, target = {}, {}
        for e in ev:
            (target if e[1] in coldset else hist).setdefault(e[0], []).append(e[1])
        users = [u for u in target if u in hist]
        res = {"EGES": [0, 0], "genre popularity": [0, 0], "random": [0, 0], "oracle popularity": [0, 0]}
        # oracle: the cold movies' own counts in the held-out events, which no
        # recommender has for a new item; an upper bar, not a baseline
        opop = np.zeros(len(cold_ids))
        for e in ev:
            if e[1] in coldset and e[1] in vec:
                opop[cold_ids.index(e[1])] += 1
        pos = {i: k for k, i in enumerate(cold_ids)}
        for u in users:
            tgt = {pos[i] for i in target[u] if i in pos}
            q = np.mean([vec[i] / np.linalg.norm(vec[i]) for i in hist[u] if i in vec], axis=0)
            for name, sc in (("EGES", C @ q), ("genre popularity", gpop), ("oracle popularity", opop)):
                top = set(np.argsort(-sc, kind="stable")[:10])
                res[name][0] += bool(top & tgt)
                res[name][1] += len(top & tgt) / min(10, len(tgt))
            # random order: expected values
            n, k = len(cold_ids), len(tgt)
            res["random"][0] += 1 - math.comb(n - k, 10) / math.comb(n, 10)
            res["random"][1] += (10 * k / n) / min(10, k)
        print("  %-9s (b) %d users who rated a cold movie; ranking the %d cold movies: "
              % (mode, len(users), len(cold_ids)) +
              "; ".join("%s HR@10 %.4f Recall@10 %.4f" % (k, v[0] / len(users), v[1] / len(users))
                        for k, v in res.items()))
        sys.stdout.flush()


# ---- a second data set: Yelp2018 sample (no times) -----------------------------

YELP = "/work/shared/data/yelp2018-sample"


def quality_yelp():
    """recsql against gensim on the same sequences of a second data set. Yelp's
    split has no times: a user's train line (file order) is the sequence, and
    the task is the papers' (Recall@20, NDCG@20 of the held-out test items,
    every item but the user's train items ranked), the query the mean unit
    vector of all the user's train items. Not next-item; a check that the two
    trainers give vectors of the same quality on other data."""
    db = connect()
    seqs = [l.split() for l in open(YELP + "/train.txt") if len(l.split()) > 2]
    test = {int(l.split()[0]): [int(x) for x in l.split()[1:]] for l in open(YELP + "/test.txt") if len(l.split()) > 1}
    speed_corpus(db, "ytrain", [s[1:] for s in seqs])
    hist = {int(s[0]): [int(x) for x in s[1:]] for s in seqs}
    n = max(max(int(x) for s in seqs for x in s[1:]), max(x for t in test.values() for x in t)) + 1
    print("quality (Yelp2018 sample, %d users, no times: train lines as sequences; Recall@20 / NDCG@20 of test "
          "items, query = mean unit vector of all train items), epochs %d" % (len(seqs), EPOCHS_Q))

    def score(vecs, name, extra):
        V = np.zeros((n, DIM), dtype=np.float32)
        for i, v in vecs.items():
            V[i] = v / (np.linalg.norm(v) + 1e-12)
        users = [u for u in test if u in hist]
        rec = nd = 0.0
        for k in range(0, len(users), 500):
            us = users[k:k + 500]
            Q = np.array([V[hist[u]].mean(axis=0) for u in us])
            S = Q @ V.T
            for r, u in enumerate(us):
                S[r, hist[u]] = -np.inf
                top = np.argpartition(-S[r], 20)[:20]
                top = top[np.argsort(-S[r, top], kind="stable")]
                t = set(test[u])
                hits = [1 if i in t else 0 for i in top]
                rec += sum(hits) / len(t)
                nd += sum(h / math.log2(j + 2) for j, h in enumerate(hits)) / sum(
                    1 / math.log2(j + 2) for j in range(min(20, len(t))))
        print("  %-32s Recall@20 %.4f  NDCG@20 %.4f  %s" % (name, rec / len(users), nd / len(users), extra))
        sys.stdout.flush()

    for mode in ("sequences", "walks"):
        t0 = time.perf_counter()
        s = recsql_train(db, "ytrain", "y", dict(threads=1, epochs=EPOCHS_Q, mode=mode))
        score(item_vectors(db, "y_items"), "item2vec %s (recsql)" % mode, "(%.1f s)" % (time.perf_counter() - t0))
    t0 = time.perf_counter()
    m = gensim_train([s[1:] for s in seqs], 1, epochs=EPOCHS_Q)[0]
    score({int(k): m.wv[k] for k in m.wv.index_to_key}, "gensim Word2Vec sequences", "(%.1f s)" % (time.perf_counter() - t0))


EPOCHS_Q = int(os.environ.get("EPOCHS", "20"))
SEEDS = int(os.environ.get("SEEDS", "3"))
for p in parts:
    {"speed": speed, "quality": quality, "cold": cold, "yelp": quality_yelp}[p]()
