"""recsql.shard: the embarrassingly parallel recsql objects, sharded across Dask workers.

    from distributed import Client, LocalCluster
    from recsql import shard
    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    run = shard.swing_sim(client, "shop.db", "train", out="sim.db", top_n=50)
    run.rows, run.seconds, run.shards       # item_sim is now a table of sim.db

One generic function does the work, `run_sharded(client, db, query, keys,
out, table)`: the keys (items, users) are split into shards; each shard is
a Dask task that opens `db` read-only in its worker process (one cached
connection per worker thread, with recsql loaded), runs `query` with
`{keys}` replaced by that shard's keys, and writes the rows into its own
SQLite file; the client then merges the shard files into `out.table` in
shard order (or, with merge=False, leaves them and `attach_shards` shows
them as one TEMP view). The object helpers below are that function with the
right query and keys:

  swing_sim, itemcf_sim   sharded by item_a (item_a IN shard, computed by the
                          object for those items only), keys weighted by
                          |users of item|^2 (the pair count) and balanced
  recommend               sharded by user: the users source is filtered to the
                          shard (each user's top k depends on that user only)
  neg_samples             sharded by user, contiguous in the source's user
                          order, so the merged rows are the single-process
                          rows in the same order (same seed)
  metrics                 per-user values by shard, merged, then averaged in
                          user order as the single-process GROUP BY does

Anything written as "a table-valued query whose rows for a key do not depend
on the other keys" plugs in the same way, e.g. i2i_recommend sharded by user:
    run_sharded(client, db, "SELECT * FROM i2i_recommend('history', 'item_sim', 20)"
                " WHERE user IN {keys}", users, out, "rec")
Training (bpr_train, ease_train) stays on one machine.
"""
import json
import os
import shutil
import sqlite3
import threading
import time
import urllib.request

from . import load

__all__ = ["ShardRun", "run_sharded", "split_keys", "attach_shards", "source_keys", "swing_sim", "itemcf_sim",
           "recommend", "neg_samples", "metrics"]

# ------------------------------------------------------------------ helpers


def _quote_ident(name):
    return '"%s"' % name.replace('"', '""')


def _quote_text(text):
    return "'%s'" % text.replace("'", "''")


def _source_select(source):
    """A source (table name, view name or SELECT text) as a FROM item."""
    s = source.strip()
    if s[:6].lower() in ("select", "values") or s[:4].lower() == "with":
        return "(%s)" % s
    return _quote_ident(s)


def _columns(conn, source):
    return [d[0] for d in conn.execute("SELECT * FROM %s LIMIT 0" % _source_select(source)).description]


def keys_literal(keys):
    """`{keys}` of a query: a subquery over a JSON literal of the keys.

    A literal, not a bound parameter, so that it also works inside source
    texts that recsql prepares itself (recommend's users source)."""
    for k in keys:
        if not isinstance(k, (int, str)):
            raise TypeError("recsql.shard: keys must be int or str (SQLite INTEGER or TEXT ids), got %r" % (k,))
    return "(SELECT value FROM json_each(%s))" % _quote_text(json.dumps(list(keys), ensure_ascii=False))


def split_keys(keys, n_shards, weights=None, align=1):
    """keys split into at most n_shards non-empty lists.

    Without weights: contiguous runs of about equal length (order kept, so
    shards merged in order give the keys' order), each starting at a
    multiple of align. With weights (a cost per key): greedy
    longest-processing-time bins, each bin's keys in their original order."""
    keys = list(keys)
    if not keys:
        return [[]]
    if weights is None:
        n = max(1, int(n_shards))
        bounds = sorted({min(len(keys), align * round(s * len(keys) / n / align)) for s in range(n + 1)} | {0})
        bounds[-1] = len(keys)
        return [keys[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    n = max(1, min(int(n_shards), len(keys)))
    weights = list(weights)
    order = sorted(range(len(keys)), key=lambda k: -weights[k])
    load_, bins = [0.0] * n, [[] for _ in range(n)]
    for k in order:
        b = min(range(n), key=load_.__getitem__)
        bins[b].append(k)
        load_[b] += weights[k]
    return [[keys[k] for k in sorted(b)] for b in bins if b]


class ShardRun(dict):
    """What run_sharded did: out, table, rows, seconds, merge_seconds, shards
    (per shard: keys, rows, file, worker pid and the seconds spent opening
    the source, reading it, computing and writing, in the worker; and the
    CPU seconds of the worker process while computing and writing)."""

    __getattr__ = dict.__getitem__


# ----------------------------------------------------------- worker side

_CONNS = {}


def _worker_conn(db):
    """One read-only connection with recsql per (file, process, thread): a
    worker that runs several shards reads the source (and recsql's source
    cache of table sources) once."""
    key = (os.path.abspath(db), os.getpid(), threading.get_ident())
    conn = _CONNS.get(key)
    if conn is None:
        uri = "file:%s?mode=ro" % urllib.request.pathname2url(os.path.abspath(db))
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        load(conn)
        _CONNS[key] = conn
    return conn


def run_shard(db, query, keys, out_file, table, warm=None, params=None):
    """Runs query with {keys} = this shard's keys on a read-only connection
    to db and writes its rows into table of the SQLite file out_file
    (replaced). warm: an optional query run first, whose time is reported as
    the source read (e.g. the same object for an item that does not exist,
    which reads and caches the source). Returns the shard's statistics."""
    t0 = time.perf_counter()
    conn = _worker_conn(db)
    t1 = time.perf_counter()
    params = params or {}
    c1 = time.process_time()
    if warm:
        conn.execute(warm, params).fetchall()
    t2 = time.perf_counter()
    c2 = time.process_time()
    lit = keys_literal(keys)
    sql = query.replace("{keys_quoted}", lit.replace("'", "''")).replace("{keys}", lit)
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(out_file + suffix):
            os.remove(out_file + suffix)
    conn.execute("ATTACH ? AS shard_out", (out_file,))
    try:
        conn.execute("PRAGMA shard_out.journal_mode = OFF")
        conn.execute("PRAGMA shard_out.synchronous = OFF")
        conn.execute("CREATE TABLE shard_out.%s AS %s" % (_quote_ident(table), sql), params)
        t3 = time.perf_counter()
        c3 = time.process_time()
        rows = conn.execute("SELECT count(*) FROM shard_out.%s" % _quote_ident(table)).fetchone()[0]
    finally:
        conn.execute("DETACH shard_out")
    return {"keys": len(keys), "rows": rows, "file": out_file, "pid": os.getpid(),
            "open_seconds": t1 - t0, "read_seconds": t2 - t1, "compute_write_seconds": t3 - t2,
            "read_cpu_seconds": c2 - c1, "compute_write_cpu_seconds": c3 - c2}


# ----------------------------------------------------------- client side

def run_sharded(client, db, query, keys, out, table, n_shards=None, weights=None, params=None, warm=None,
                shard_dir=None, merge=True, align=1):
    """Runs query sharded over keys on the Dask client's workers.

    db: the SQLite file of the sources, opened read-only by every worker (a
    path all workers can read: local disk for a LocalCluster, a shared or
    copied file on several machines). query: a SELECT whose rows for a key
    depend on that key only; `{keys}` in it becomes the shard's keys as a
    subquery (`item_a IN {keys}`), `{keys_quoted}` the same subquery with
    its quotes doubled, for use inside a SQL string literal (a source text
    that recsql prepares itself: `recommend('SELECT * FROM users WHERE id
    IN {keys_quoted}', ...)`). keys: ints or strs. n_shards: default the
    number of workers. weights: a cost per key for balancing (see
    split_keys; align: contiguous shards start at multiples of it). params:
    named parameters of query. out: the SQLite file of
    the merged table (created if missing; may be db itself); table replaced.
    shard_dir: where shard files go (default: next to out). merge=False
    leaves the shard files (see attach_shards)."""
    t0 = time.perf_counter()
    if n_shards is None:
        n_shards = max(1, len(client.scheduler_info()["workers"]))
    shards = split_keys(keys, n_shards, weights, align)
    shard_dir = shard_dir or os.path.abspath(out) + ".shards"
    os.makedirs(shard_dir, exist_ok=True)
    db = os.path.abspath(db)
    futures = [client.submit(run_shard, db, query, part, os.path.join(shard_dir, "shard%04d.db" % s), table,
                             warm, params, pure=False, key="recsql-shard-%s-%d-%d" % (table, s, time.time_ns()))
               for s, part in enumerate(shards)]
    try:
        stats = client.gather(futures)
    except BaseException:
        client.cancel(futures)
        if merge:
            shutil.rmtree(shard_dir, ignore_errors=True)
        raise
    t1 = time.perf_counter()
    rows = sum(s["rows"] for s in stats)
    if merge:
        merge_shards(out, table, [s["file"] for s in stats])
        shutil.rmtree(shard_dir, ignore_errors=True)
    t2 = time.perf_counter()
    return ShardRun(out=os.path.abspath(out), table=table, rows=rows, shards=stats, seconds=t2 - t0,
                    shard_seconds=t1 - t0, merge_seconds=t2 - t1, merged=merge)


def merge_shards(out, table, files):
    """Concatenates table of each shard file, in order, into out.table.

    The rows go into a scratch table first, which replaces out.table in one
    last transaction: until then, and on any failure, out.table is the old
    one (the scratch table is dropped)."""
    conn = sqlite3.connect(out, isolation_level=None)
    q, tmp = _quote_ident(table), _quote_ident(table + "__recsql_merging")
    try:
        conn.execute("DROP TABLE IF EXISTS main.%s" % tmp)
        for s, f in enumerate(files):
            conn.execute("ATTACH ? AS shard_in", (f,))
            try:
                with conn:
                    conn.execute("BEGIN")
                    if s == 0:
                        conn.execute("CREATE TABLE main.%s AS SELECT * FROM shard_in.%s LIMIT 0" % (tmp, q))
                    conn.execute("INSERT INTO main.%s SELECT * FROM shard_in.%s" % (tmp, q))
            finally:
                conn.execute("DETACH shard_in")  # not allowed inside a transaction
        with conn:
            conn.execute("BEGIN")
            conn.execute("DROP TABLE IF EXISTS main.%s" % q)
            conn.execute("ALTER TABLE main.%s RENAME TO %s" % (tmp, q))
    except BaseException:
        conn.execute("DROP TABLE IF EXISTS main.%s" % tmp)
        raise
    finally:
        conn.close()


def attach_shards(conn, run, view=None):
    """Attaches the shard files of a run made with merge=False to conn and
    creates TEMP VIEW view (default: the run's table) over all of them, in
    shard order (SQLite allows at most 10 attached files by default, 125 at
    most when compiled so)."""
    names = []
    for s, st in enumerate(run["shards"]):
        name = "shard%d" % s
        conn.execute("ATTACH ? AS %s" % name, (st["file"],))
        names.append("SELECT * FROM %s.%s" % (name, _quote_ident(run["table"])))
    conn.execute("CREATE TEMP VIEW %s AS %s" % (_quote_ident(view or run["table"]), " UNION ALL ".join(names)))
    return conn


def source_keys(conn, source, column, weight_power=None):
    """Distinct values of a source's column (0 = user, 1 = item) in order of
    first appearance in the source's scan order (the order recsql maps ids
    in); with weight_power p also the weights count^p (count = rows with
    that key)."""
    cols = _columns(conn, source)
    c = _quote_ident(cols[column])
    rows = conn.execute(
        "SELECT k, n FROM (SELECT %s AS k, min(rn) AS first, count(*) AS n FROM "
        "(SELECT %s, row_number() OVER () AS rn FROM %s) WHERE %s IS NOT NULL GROUP BY %s) ORDER BY first"
        % (c, c, _source_select(source), c, c)).fetchall()
    keys = [r[0] for r in rows]
    if weight_power is None:
        return keys
    return keys, [float(r[1]) ** weight_power for r in rows]


def _client_conn(db):
    conn = sqlite3.connect("file:%s?mode=ro" % urllib.request.pathname2url(os.path.abspath(db)), uri=True)
    return load(conn)


_MISSING_ITEM = "recsql.shard: no such item (source read)"


def _item_sim(client, db, function, source, out, table, n_shards, args):
    conds = " AND ".join("%s = :%s" % (k, k) for k in args if args[k] is not None)
    params = {k: v for k, v in args.items() if v is not None}
    params["source"] = source
    base = "SELECT item_a, item_b, score FROM %s WHERE source = :source%s" % (function, " AND " + conds if conds
                                                                              else "")
    with _client_conn(db) as conn:
        keys, weights = source_keys(conn, source, 1, 2)
    warm = base + " AND item_a = %s" % _quote_text(_MISSING_ITEM)
    return run_sharded(client, db, base + " AND item_a IN {keys}", keys, out, table, n_shards, weights, params,
                       warm)


def swing_sim(client, db, source, out, table="item_sim", alpha=1.0, top_n=100, n_shards=None, **options):
    """swing_sim(source, alpha, top_n, ...) sharded by item_a into out.table.

    options: beta, user_alpha, max_user_items, max_item_users, seed, threads
    (threads per worker; default all cores, so give threads=1 with one
    worker per core). The rows are those of the single-process call (as a
    set; the row order is the merged shards')."""
    args = dict(alpha=alpha, top_n=top_n)
    args.update(options)
    return _item_sim(client, db, "swing_sim", source, out, table, n_shards, args)


def itemcf_sim(client, db, source, out, table="item_sim", top_n=100, method="cosine", n_shards=None, **options):
    """itemcf_sim(source, top_n, method, ...) sharded by item_a into out.table (see swing_sim)."""
    args = dict(top_n=top_n, method=method)
    args.update(options)
    return _item_sim(client, db, "itemcf_sim", source, out, table, n_shards, args)


RECOMMEND_BLOCK = 64  # MIPS_BQ of src/mips.c


def recommend(client, db, users, items, k, out, exclude=None, table="rec", n_shards=None):
    """recommend(users, items, k, exclude) sharded by user into out.table.

    Each shard computes recommend over its users only (the users source
    filtered to the shard); contiguous shards in the users' order, cut at
    multiples of 64 users (recommend's sgemm block: the same users share a
    block, so OpenBLAS rounds their scores the same way), give exactly the
    single-process rows, bit for bit, in the same order."""
    with _client_conn(db) as conn:
        id_col = _quote_ident(_columns(conn, users)[0])
        keys = [r[0] for r in conn.execute("SELECT %s FROM %s" % (id_col, _source_select(users)))
                if r[0] is not None]
    users_shard = "SELECT * FROM %s WHERE %s IN {keys_quoted}" % (_source_select(users), id_col)
    query = "SELECT user, item, score, rank FROM recommend(%s, :items, :k, :exclude)" % _quote_text(users_shard)
    return run_sharded(client, db, query, keys, out, table, n_shards,
                       params={"items": items, "k": k, "exclude": exclude}, align=RECOMMEND_BLOCK)


def neg_samples(client, db, source, out, n_neg=1, strategy="uniform", seed=0, power=None, table="neg_samples",
                n_shards=None):
    """neg_samples(source, n_neg, strategy, seed) sharded by user into out.table.

    Each worker reads the whole source (the item universe and id order must
    be the single run's) and keeps its shard's users (WHERE user IN shard),
    so the merged rows are exactly the single-process rows for the same
    seed, in the same order for uniform and popularity (users in contiguous
    shards of the source's user order); for 'bootstrap', whose rows
    interleave users, the same rows grouped by shard."""
    params = {"source": source, "n_neg": n_neg, "strategy": strategy, "seed": seed}
    where = ""
    if power is not None:
        params["power"] = power
        where = " AND power = :power"
    with _client_conn(db) as conn:
        keys = source_keys(conn, source, 0)
    query = ("SELECT user, pos_item, neg_item FROM neg_samples WHERE source = :source AND n_neg = :n_neg "
             "AND strategy = :strategy AND seed = :seed%s AND user IN {keys}" % where)
    return run_sharded(client, db, query, keys, out, table, n_shards, params=params)


METRICS = ("recall", "ndcg", "precision", "hit_rate", "mrr")


def metrics_query(rec, test, k, keys=None):
    """The per-user metrics SELECT (user, recall, ndcg, precision, hit_rate,
    mrr) of rec (user, item, score) against test (user, item), restricted to
    keys when given (a subquery text such as {keys})."""
    r, t = _source_select(rec), _source_select(test)
    where = ""
    if keys:
        # the left side filtered first; the right side stays the table, so
        # that an index on test(user, item) serves the join; the WHERE drops
        # the other shards' unmatched test rows
        r = "(SELECT * FROM %s WHERE user IN %s)" % (r, keys)
        where = " WHERE coalesce(r.user, t.user) IN %s" % keys
    k = int(k)
    hit = "t.item IS NOT NULL"
    return ("SELECT coalesce(r.user, t.user) AS user, recall_at_k(r.score, {h}, {k}) AS recall, "
            "ndcg_at_k(r.score, {h}, {k}) AS ndcg, precision_at_k(r.score, {h}, {k}) AS precision, "
            "hit_rate_at_k(r.score, {h}, {k}) AS hit_rate, mrr(r.score, {h}) AS mrr "
            "FROM {r} AS r FULL JOIN {t} AS t ON r.user = t.user AND r.item = t.item{w} GROUP BY 1"
            ).format(h=hit, k=k, r=r, t=t, w=where)


def metrics_average(conn, table):
    """Mean of each metric over users, as the single-process
    `SELECT avg(m) FROM (... GROUP BY user)` computes it: the same values
    added in the same (user) order."""
    q = _quote_ident(table)
    row = conn.execute("SELECT count(*), %s FROM (SELECT * FROM %s ORDER BY user)"
                       % (", ".join("avg(%s)" % m for m in METRICS), q)).fetchone()
    return dict(zip(("users",) + METRICS, row))


def metrics(client, db, rec, test, k, out, table="metrics_per_user", n_shards=None):
    """Per-user metrics of rec (user, item, score) against test (user,
    item), sharded by user, merged into out.table (give test an index on
    (user, item), as sql/load_adjacency.sql does, or every shard's join
    scans it once per rec row); returns the run with
    `average`: the mean of each metric (metrics_average), equal to the
    single-process one. rec and test are sources of db (e.g. a sharded
    recommend merged into db)."""
    with _client_conn(db) as conn:
        keys = [r[0] for r in conn.execute("SELECT user FROM %s UNION SELECT user FROM %s"
                                           % (_source_select(rec), _source_select(test))) if r[0] is not None]
    run = run_sharded(client, db, metrics_query(rec, test, k, "{keys}"), keys, out, table, n_shards)
    conn = sqlite3.connect(out)
    try:
        run["average"] = metrics_average(conn, table)
    finally:
        conn.close()
    return run
