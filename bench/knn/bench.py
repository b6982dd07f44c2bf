#!/usr/bin/python3
"""knn_index against peers: QPS (one query thread, one query per call),
recall@10 against exact inner product, build time, file size.

  bench/knn/bench.py build/recsql build/npm/node_modules/sqlite-vec-linux-x64/vec0 [gaussian|gowalla DB]

Peers: sqlite-vec 0.1.9 (vec0 has no inner product: vectors get one extra
coordinate sqrt(M^2 - |x|^2), queries a 0, so its exact L2 search returns the
exact inner-product neighbours), faiss IndexFlatIP and IndexHNSWFlat, hnswlib.
Every peer runs one thread. All indexes are built first (one after the
other); then the query runs of the systems being compared are interleaved
(A B C A B C ...) so that a machine shared with other work slows them alike,
and each figure is the median of REPEATS runs (env, default 3); CLOCK=cpu times
them by process CPU time instead of the wall clock. Timings are
printed, never asserted.
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
# CLOCK=cpu times the query loops by this process's CPU time (all of it is
# spent in this one thread): on a machine shared with other work the wall
# clock also counts the time spent waiting for a core.
CLOCK = time.process_time if os.environ.get("CLOCK") == "cpu" else time.perf_counter
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
print(f"data: {DATA}, {n} x {dim} float32, {len(Q)} queries, k={K}, inner product; repeats {REPEATS}; "
      f"clock {'process CPU time' if CLOCK is time.process_time else 'wall'}")
# exact ground truth
S = Q @ X.T
TRUTH = np.argsort(-S, axis=1, kind="stable")[:, :K]
del S


def recall(found):
    hit = 0
    for i, f in enumerate(found):
        hit += len(set(int(v) for v in f) & set(TRUTH[i].tolist()))
    return hit / (len(found) * K)


def fsize(p):
    return os.path.getsize(p) if os.path.exists(p) else 0


OUT_ROWS = []  # (name, build s, size bytes, qps, recall)


def connect(path, ext):
    con = sqlite3.connect(path, isolation_level=None)
    con.enable_load_extension(True)
    for e in ext:
        con.load_extension(e)
    return con


def fresh(path):
    for s in ("", "-journal", "-wal"):
        if os.path.exists(path + s):
            os.remove(path + s)


def sql_runner(con, sql, qb):
    def run(nq):
        return [[r[0] for r in con.execute(sql, (qb[i],))] for i in range(nq)]

    return run


# ---- builds: each returns (build seconds, size bytes, {ef or None: runner}) ----------------
def build_recsql(index, quant=None, rerank=0):
    tag = index + (f"_{quant}" if quant else "") + (f"_rerank{rerank}" if rerank else "")
    path = f"{OUT}/recsql_{tag}.db"
    fresh(path)
    con = connect(path, [LIB])
    opts = f"dim={dim}, metric=ip, index={index}" + (f", m={M}, ef_construction={EFC}" if index == "hnsw" else "")
    opts += (f", quantize={quant}" if quant else "") + (f", rerank={rerank}" if rerank else "")
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
    print(f"  recsql knn_index {tag}: built and persisted in {build:.2f} s; "
          f"a new connection loads it in {time.perf_counter() - t:.2f} s", flush=True)
    qb = [Q[i].tobytes() for i in range(len(Q))]
    if index == "flat":
        runs = {None: sql_runner(con, "SELECT rowid FROM x WHERE embedding MATCH ? AND k = 10", qb)}
    else:
        runs = {ef: sql_runner(con, f"SELECT rowid FROM x WHERE embedding MATCH ? AND k = 10 AND ef_search = {ef}", qb)
                for ef in EFS}
    return build, os.path.getsize(path), runs


def build_sqlite_vec():
    path = f"{OUT}/sqlite_vec.db"
    fresh(path)
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
    print(f"  sqlite-vec: built in {build:.2f} s", flush=True)
    qb = [np.append(Q[i], np.float32(0)).astype(np.float32).tobytes() for i in range(len(Q))]
    return build, os.path.getsize(path), {None: sql_runner(con, "SELECT rowid FROM v WHERE embedding MATCH ? AND k = 10", qb)}


def build_sqlite_vec_int8():
    """vec0 int8[dim + 1]: the inner-product augmentation as for float, then
    one global scale 127 / max|x| for the data (vec_int8 takes the codes);
    each query scaled on its own (L2 ranking of [q, 0] does not depend on
    the scale of q)."""
    path = f"{OUT}/sqlite_vec_int8.db"
    fresh(path)
    norms = np.linalg.norm(X, axis=1)
    big = norms.max()
    xa = np.hstack([X, np.sqrt(np.maximum(big * big - norms * norms, 0))[:, None]])
    xc = np.clip(np.round(xa * (127 / np.abs(xa).max())), -127, 127).astype(np.int8)
    con = connect(path, [VEC0])
    t = time.perf_counter()
    con.execute("BEGIN")
    con.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding int8[{dim + 1}])")
    con.executemany("INSERT INTO v(rowid, embedding) VALUES (?, vec_int8(?))", ((i, xc[i].tobytes()) for i in range(n)))
    con.execute("COMMIT")
    build = time.perf_counter() - t
    print(f"  sqlite-vec int8: built in {build:.2f} s", flush=True)
    qb = []
    for i in range(len(Q)):
        qa = np.append(Q[i], 0.0)
        qb.append(np.clip(np.round(qa * (127 / np.abs(qa).max())), -127, 127).astype(np.int8).tobytes())
    return build, os.path.getsize(path), {None: sql_runner(con, "SELECT rowid FROM v WHERE embedding MATCH vec_int8(?) AND k = 10", qb)}


def build_faiss_flat():
    import faiss

    faiss.omp_set_num_threads(1)
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    flat.add(X)
    faiss.write_index(flat, f"{OUT}/faiss_flat.index")
    build = time.perf_counter() - t

    def run(nq):
        return [flat.search(Q[i : i + 1], K)[1][0] for i in range(nq)]

    return build, os.path.getsize(f"{OUT}/faiss_flat.index"), {None: run}


def build_faiss_hnsw():
    import faiss

    faiss.omp_set_num_threads(1)
    t = time.perf_counter()
    hn = faiss.IndexHNSWFlat(dim, M, faiss.METRIC_INNER_PRODUCT)
    hn.hnsw.efConstruction = EFC
    hn.add(X)
    faiss.write_index(hn, f"{OUT}/faiss_hnsw.index")
    build = time.perf_counter() - t
    print(f"  faiss IndexHNSWFlat: built and written in {build:.2f} s", flush=True)

    def runner(ef):
        def run(nq):
            hn.hnsw.efSearch = ef
            return [hn.search(Q[i : i + 1], K)[1][0] for i in range(nq)]

        return run

    return build, os.path.getsize(f"{OUT}/faiss_hnsw.index"), {ef: runner(ef) for ef in EFS}


def build_hnswlib():
    import hnswlib

    t = time.perf_counter()
    p = hnswlib.Index(space="ip", dim=dim)
    p.init_index(max_elements=n, M=M, ef_construction=EFC, random_seed=100)
    p.set_num_threads(1)
    p.add_items(X, np.arange(n), num_threads=1)
    add = time.perf_counter() - t
    p.save_index(f"{OUT}/hnswlib.bin")
    build = time.perf_counter() - t
    print(f"  hnswlib: add_items {add:.2f} s, with save_index {build:.2f} s", flush=True)

    def runner(ef):
        def run(nq):
            p.set_ef(max(ef, K))
            return [p.knn_query(Q[i : i + 1], k=K, num_threads=1)[0][0] for i in range(nq)]

        return run

    return build, os.path.getsize(f"{OUT}/hnswlib.bin"), {ef: runner(ef) for ef in EFS}


def compare(group, key, nq):
    """interleaved timing of the systems of group at key (ef or None)"""
    names = [g for g in group if key in group[g][2]]
    times = {g: [] for g in names}
    res = {}
    for _ in range(REPEATS):
        for g in names:
            t = CLOCK()
            res[g] = group[g][2][key](nq)
            times[g].append(CLOCK() - t)
    out = {}
    for g in names:
        q = nq / statistics.median(times[g])
        r = recall(res[g])
        label = g + ("" if key is None else f" ef={key}")
        OUT_ROWS.append((label, group[g][0], group[g][1], q, r))
        out[g] = (q, r)
        print(f"  {label:34s} build {group[g][0]:8.2f} s  size {group[g][1]/1e6:7.1f} MB  {q:9.1f} QPS  "
              f"recall@10 {r:.4f}", flush=True)
    return out


which = os.environ.get("ONLY", "recsql_flat,sqlite_vec,faiss_flat,recsql_hnsw,hnswlib,faiss_hnsw").split(",")
print("--- exact search (builds, then interleaved queries)")
flat = {}
if "recsql_flat" in which:
    flat["recsql knn_index flat"] = build_recsql("flat")
if "recsql_flat_int8" in which:
    flat["recsql knn_index flat int8"] = build_recsql("flat", "int8")
if "recsql_flat_int8_rerank" in which:
    flat["recsql knn_index flat int8 rerank=4"] = build_recsql("flat", "int8", 4)
if "sqlite_vec" in which:
    flat["sqlite-vec 0.1.9 vec0"] = build_sqlite_vec()
if "sqlite_vec_int8" in which:
    flat["sqlite-vec 0.1.9 vec0 int8"] = build_sqlite_vec_int8()
if "faiss_flat" in which:
    flat["faiss IndexFlatIP"] = build_faiss_flat()
fl = compare(flat, None, NQ_SLOW) if flat else {}
for peer in ("sqlite-vec 0.1.9 vec0", "faiss IndexFlatIP"):
    a = "recsql knn_index flat"
    if a in flat and peer in flat:
        print(f"  recsql flat / {peer}: QPS x{fl[a][0] / fl[peer][0]:.2f}, build x{flat[a][0] / max(flat[peer][0], 1e-9):.2f}, "
              f"size x{flat[a][1] / flat[peer][1]:.2f}")
for a, peer in (("recsql knn_index flat int8", "recsql knn_index flat"),
                ("recsql knn_index flat int8 rerank=4", "recsql knn_index flat"),
                ("recsql knn_index flat int8", "sqlite-vec 0.1.9 vec0 int8"),
                ("sqlite-vec 0.1.9 vec0 int8", "sqlite-vec 0.1.9 vec0")):
    if a in flat and peer in flat:
        print(f"  {a} / {peer}: size x{flat[a][1] / flat[peer][1]:.3f}, QPS x{fl[a][0] / fl[peer][0]:.2f}, "
              f"recall {fl[a][1]:.4f} / {fl[peer][1]:.4f} = x{fl[a][1] / fl[peer][1]:.4f}")
flat.clear()

print(f"--- HNSW, m={M}, ef_construction={EFC} (builds, then interleaved queries per ef_search)")
hn = {}
if "recsql_hnsw" in which:
    hn["recsql knn_index hnsw"] = build_recsql("hnsw")
if "recsql_hnsw_int8" in which:
    hn["recsql knn_index hnsw int8"] = build_recsql("hnsw", "int8")
if "recsql_hnsw_int8_rerank" in which:
    hn["recsql knn_index hnsw int8 rerank=4"] = build_recsql("hnsw", "int8", 4)
if "hnswlib" in which:
    hn["hnswlib"] = build_hnswlib()
if "faiss_hnsw" in which:
    hn["faiss IndexHNSWFlat"] = build_faiss_hnsw()
per_ef = {ef: compare(hn, ef, NQ_FAST) for ef in EFS} if hn else {}
a = "recsql knn_index hnsw"
for peer in ("hnswlib", "faiss IndexHNSWFlat"):
    if a in hn and peer in hn:
        print(f"  recsql hnsw / {peer}: build x{hn[a][0] / hn[peer][0]:.2f}, size x{hn[a][1] / hn[peer][1]:.2f}")
        for ef in EFS:
            (qa, ra), (qp, rp) = per_ef[ef][a], per_ef[ef][peer]
            print(f"    ef={ef}: recall {ra:.4f} vs {rp:.4f}, QPS {qa:.0f} vs {qp:.0f} (x{qa / qp:.2f})")
for b in ("recsql knn_index hnsw int8", "recsql knn_index hnsw int8 rerank=4"):
    if a in hn and b in hn:
        print(f"  {b} / {a}: size x{hn[b][1] / hn[a][1]:.3f}, build x{hn[b][0] / hn[a][0]:.2f}")
        for ef in EFS:
            (qa, ra), (qb, rb) = per_ef[ef][a], per_ef[ef][b]
            print(f"    ef={ef}: recall {rb:.4f} vs {ra:.4f} (x{rb / ra:.4f}), QPS {qb:.0f} vs {qa:.0f} (x{qb / qa:.2f})")
