#!/usr/bin/python3
"""knn_index against peers: QPS (one query thread, one query per call),
recall@10 against exact inner product, build time, file size.

  bench/knn/bench.py build/recsql build/npm/node_modules/sqlite-vec-linux-x64/vec0 [gaussian|gowalla DB]

Peers: sqlite-vec 0.1.9 (vec0 has no inner product: vectors get one extra
coordinate sqrt(M^2 - |x|^2), queries a 0, so its exact L2 search returns the
exact inner-product neighbours), faiss IndexFlatIP and IndexHNSWFlat, hnswlib.
Every peer runs one thread. Figures are medians of REPEATS runs (env,
default 3); timings are printed, never asserted.
"""
import os
import sqlite3
import statistics
import sys
import time

import numpy as np

LIB, VEC0 = sys.argv[1], sys.argv[2]
DATA = sys.argv[3] if len(sys.argv) > 3 else "gaussian"
REPEATS = int(os.environ.get("REPEATS", "3"))
N = int(os.environ.get("N", "200000"))
DIM = 64
K = 10
M, EFC = 16, 200
EFS = [int(e) for e in os.environ.get("EFS", "10,20,40,80,160").split(",")]
NQ_FAST, NQ_SLOW = int(os.environ.get("NQ_FAST", "2000")), int(os.environ.get("NQ_SLOW", "200"))
OUT = os.environ.get("OUT", "build/knn_bench")
os.makedirs(OUT, exist_ok=True)


def load_data():
    if DATA == "gaussian":
        g = np.random.default_rng(42)
        x = g.standard_normal((N, DIM), dtype=np.float32)
        q = g.standard_normal((NQ_FAST, DIM), dtype=np.float32)
        return x, q
    con = sqlite3.connect(DATA)
    rows = con.execute("SELECT emb FROM bpr_items ORDER BY id").fetchall()
    x = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in rows])
    urows = con.execute("SELECT emb FROM bpr_users ORDER BY id LIMIT ?", (NQ_FAST,)).fetchall()
    q = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in urows])
    return np.ascontiguousarray(x), np.ascontiguousarray(q)


X, Q = load_data()
n, dim = X.shape
print(f"data: {DATA}, {n} x {dim} float32, {len(Q)} queries, k={K}, inner product; repeats {REPEATS}")
# exact ground truth
S = Q @ X.T
TRUTH = np.argsort(-S, axis=1, kind="stable")[:, :K]
del S


def recall(found):
    hit = 0
    for i, f in enumerate(found):
        hit += len(set(int(v) for v in f) & set(TRUTH[i].tolist()))
    return hit / (len(found) * K)


def qps(run, nq):
    """median QPS of REPEATS runs of run(nq) -> results"""
    times, res = [], None
    for _ in range(REPEATS):
        t = time.perf_counter()
        res = run(nq)
        times.append(time.perf_counter() - t)
    return nq / statistics.median(times), res


def fsize(p):
    return os.path.getsize(p) if os.path.exists(p) else 0


results = []  # (name, build s, size bytes, qps, recall)


def report(name, build, size, q, r):
    results.append((name, build, size, q, r))
    print(f"  {name:34s} build {build:8.2f} s  size {size/1e6:7.1f} MB  {q:9.1f} QPS  recall@10 {r:.4f}", flush=True)


def connect(path, ext):
    con = sqlite3.connect(path, isolation_level=None)
    con.enable_load_extension(True)
    for e in ext:
        con.load_extension(e)
    return con


# ---- recsql knn_index -------------------------------------------------------------
def recsql(index):
    path = f"{OUT}/recsql_{index}.db"
    for s in ("", "-journal", "-wal"):
        if os.path.exists(path + s):
            os.remove(path + s)
    con = connect(path, [LIB])
    opts = f"dim={dim}, metric=ip, index={index}" + (f", m={M}, ef_construction={EFC}" if index == "hnsw" else "")
    t = time.perf_counter()
    con.execute("BEGIN")
    con.execute(f"CREATE VIRTUAL TABLE x USING knn_index({opts})")
    con.executemany("INSERT INTO x(rowid, embedding) VALUES (?, ?)", ((i, X[i].tobytes()) for i in range(n)))
    con.execute("COMMIT")
    build = time.perf_counter() - t
    con.close()
    # a fresh connection: the first query loads the index from the file
    con = connect(path, [LIB])
    t = time.perf_counter()
    con.execute("SELECT rowid FROM x WHERE embedding MATCH ? AND k = 1", (Q[0].tobytes(),)).fetchall()
    load = time.perf_counter() - t
    print(f"  (recsql {index}: load on first query {load:.2f} s)")
    qb = [Q[i].tobytes() for i in range(len(Q))]
    if index == "flat":
        sql = "SELECT rowid FROM x WHERE embedding MATCH ? AND k = 10"

        def run(nq):
            return [[r[0] for r in con.execute(sql, (qb[i],))] for i in range(nq)]

        q, res = qps(run, NQ_SLOW)
        report("recsql knn_index flat", build, fsize(path), q, recall(res))
    else:
        for ef in EFS:
            sql = f"SELECT rowid FROM x WHERE embedding MATCH ? AND k = 10 AND ef_search = {ef}"

            def run(nq):
                return [[r[0] for r in con.execute(sql, (qb[i],))] for i in range(nq)]

            q, res = qps(run, NQ_FAST)
            report(f"recsql knn_index hnsw ef={ef}", build, fsize(path), q, recall(res))
    con.close()


# ---- sqlite-vec ---------------------------------------------------------------------
def sqlite_vec():
    path = f"{OUT}/sqlite_vec.db"
    if os.path.exists(path):
        os.remove(path)
    norms = np.linalg.norm(X, axis=1)
    big = norms.max()
    xa = np.hstack([X, np.sqrt(np.maximum(big * big - norms * norms, 0))[:, None]]).astype(np.float32)
    con = connect(path, [VEC0])
    t = time.perf_counter()
    con.execute("BEGIN")
    con.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{dim + 1}])")
    con.executemany("INSERT INTO v(rowid, embedding) VALUES (?, ?)", ((i, xa[i].tobytes()) for i in range(n)))
    con.execute("COMMIT")
    build = time.perf_counter() - t
    qb = [np.append(Q[i], np.float32(0)).astype(np.float32).tobytes() for i in range(len(Q))]
    sql = "SELECT rowid FROM v WHERE embedding MATCH ? AND k = 10"

    def run(nq):
        return [[r[0] for r in con.execute(sql, (qb[i],))] for i in range(nq)]

    q, res = qps(run, NQ_SLOW)
    report("sqlite-vec 0.1.9 vec0 (exact)", build, fsize(path), q, recall(res))
    con.close()


# ---- faiss ----------------------------------------------------------------------------
def faiss_peers():
    import faiss

    faiss.omp_set_num_threads(1)
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    flat.add(X)
    build = time.perf_counter() - t
    faiss.write_index(flat, f"{OUT}/faiss_flat.index")

    def run_flat(nq):
        return [flat.search(Q[i : i + 1], K)[1][0] for i in range(nq)]

    q, res = qps(run_flat, NQ_SLOW)
    report("faiss IndexFlatIP", build, fsize(f"{OUT}/faiss_flat.index"), q, recall(res))
    del flat

    t = time.perf_counter()
    hn = faiss.IndexHNSWFlat(dim, M, faiss.METRIC_INNER_PRODUCT)
    hn.hnsw.efConstruction = EFC
    hn.add(X)
    faiss.write_index(hn, f"{OUT}/faiss_hnsw.index")
    build = time.perf_counter() - t
    for ef in EFS:
        hn.hnsw.efSearch = ef

        def run(nq):
            return [hn.search(Q[i : i + 1], K)[1][0] for i in range(nq)]

        q, res = qps(run, NQ_FAST)
        report(f"faiss IndexHNSWFlat ef={ef}", build, fsize(f"{OUT}/faiss_hnsw.index"), q, recall(res))


# ---- hnswlib ---------------------------------------------------------------------------
def hnswlib_peer():
    import hnswlib

    t = time.perf_counter()
    p = hnswlib.Index(space="ip", dim=dim)
    p.init_index(max_elements=n, M=M, ef_construction=EFC, random_seed=100)
    p.set_num_threads(1)
    p.add_items(X, np.arange(n), num_threads=1)
    add = time.perf_counter() - t
    p.save_index(f"{OUT}/hnswlib.bin")
    build = time.perf_counter() - t
    print(f"  (hnswlib: add_items {add:.2f} s, with save_index {build:.2f} s)")
    for ef in EFS:
        p.set_ef(max(ef, K))

        def run(nq):
            return [p.knn_query(Q[i : i + 1], k=K, num_threads=1)[0][0] for i in range(nq)]

        q, res = qps(run, NQ_FAST)
        report(f"hnswlib ef={ef}", build, fsize(f"{OUT}/hnswlib.bin"), q, recall(res))


which = os.environ.get("ONLY", "recsql_flat,recsql_hnsw,sqlite_vec,faiss,hnswlib").split(",")
if "recsql_flat" in which:
    recsql("flat")
if "recsql_hnsw" in which:
    recsql("hnsw")
if "sqlite_vec" in which:
    sqlite_vec()
if "faiss" in which:
    faiss_peers()
if "hnswlib" in which:
    hnswlib_peer()

# ratios
by = {r[0]: r for r in results}
def ratio(a, b, i):
    if a in by and b in by and by[b][i]:
        return by[a][i] / by[b][i]
    return float("nan")
print("--- ratios (recsql / peer)")
for peer in ("sqlite-vec 0.1.9 vec0 (exact)", "faiss IndexFlatIP"):
    if peer in by and "recsql knn_index flat" in by:
        print(f"  flat vs {peer}: QPS x{ratio('recsql knn_index flat', peer, 3):.2f}, "
              f"size x{ratio('recsql knn_index flat', peer, 2):.2f}, build x{ratio('recsql knn_index flat', peer, 1):.2f}")
for ef in EFS:
    a = f"recsql knn_index hnsw ef={ef}"
    for peer in (f"hnswlib ef={ef}", f"faiss IndexHNSWFlat ef={ef}"):
        if a in by and peer in by:
            print(f"  hnsw ef={ef} vs {peer.split(' ef')[0]}: recall {by[a][4]:.4f} vs {by[peer][4]:.4f}, "
                  f"QPS x{ratio(a, peer, 3):.2f}, build x{ratio(a, peer, 1):.2f}, size x{ratio(a, peer, 2):.2f}")
