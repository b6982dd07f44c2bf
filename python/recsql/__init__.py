"""recsql: recommendation inside SQLite, from Python.

    import sqlite3, recsql
    conn = sqlite3.connect("shop.db")
    recsql.load(conn)                       # every recsql SQL object on this connection
    conn.execute("SELECT bpr_train('train', 'm', '{\"dim\": 64}')")
    rec = recsql.recommendations(conn, "m_users", "m_items", k=20, exclude="train")
    rec["user"], rec["item"], rec["score"], rec["rank"]     # numpy arrays

The package carries the compiled extension (recsql.so, built by the
project's Makefile at `pip install` time); `loadable_path()` gives its path
for other SQLite hosts (apsw, the sqlite3 shell's .load). Embeddings are
float32 BLOBs: `to_numpy` / `from_numpy` convert without copying where the
layout allows. `recsql.shard` runs the embarrassingly parallel objects
sharded across Dask workers (docs/distributed.md).
"""
import os
import sqlite3

__all__ = [
    "RecsqlLoadError", "loadable_path", "load", "to_numpy", "from_numpy", "embeddings",
    "write_embeddings", "recommendations", "__version__",
]

try:
    from importlib.metadata import version as _version
    __version__ = _version("recsql")
except Exception:  # not installed: python/ on sys.path in a checkout
    __version__ = "unknown"

_HERE = os.path.dirname(os.path.abspath(__file__))


class RecsqlLoadError(RuntimeError):
    """The extension could not be loaded into this connection."""


def loadable_path():
    """Absolute path of the recsql SQLite extension (recsql.so).

    The copy inside the installed package; from a source checkout (python/
    on sys.path, not installed) the one `make` builds in build/."""
    for path in (os.path.join(_HERE, "recsql.so"),
                 os.path.join(_HERE, "..", "..", "build", "recsql.so")):
        if os.path.isfile(path):
            return os.path.normpath(path)
    raise RecsqlLoadError("recsql: the extension recsql.so is not in the package (%s); "
                          "reinstall with `pip install .` from a checkout, or run `make` there" % _HERE)


_DISABLED = ("recsql.load: this Python's sqlite3 module cannot load extensions ({why}). "
             "Use a Python whose sqlite3 allows them (Debian's /usr/bin/python3 does; "
             "pyenv: PYTHON_CONFIGURE_OPTS=--enable-loadable-sqlite-extensions; macOS: not the system "
             "Python), or the apsw module (recsql.load accepts an apsw.Connection too).")


def load(conn):
    """Loads recsql into conn (sqlite3.Connection or apsw.Connection) and returns conn.

    Extension loading is switched on only for the load and off again.
    Raises RecsqlLoadError with what to do when the host cannot load
    extensions (Python built without --enable-loadable-sqlite-extensions,
    or SQLite built with SQLITE_OMIT_LOAD_EXTENSION)."""
    path = loadable_path()
    if hasattr(conn, "enableloadextension") and hasattr(conn, "loadextension"):  # apsw
        conn.enableloadextension(True)
        try:
            conn.loadextension(path)
        finally:
            conn.enableloadextension(False)
        return conn
    if not hasattr(conn, "enable_load_extension"):
        raise RecsqlLoadError(_DISABLED.format(
            why="%s has no enable_load_extension: Python was built without "
                "--enable-loadable-sqlite-extensions" % type(conn).__name__))
    try:
        conn.enable_load_extension(True)
    except sqlite3.Error as e:  # SQLite itself built without extension loading
        raise RecsqlLoadError(_DISABLED.format(why=str(e))) from e
    try:
        conn.load_extension(path)
    except sqlite3.Error as e:
        raise RecsqlLoadError("recsql.load: loading %s failed: %s" % (path, e)) from e
    finally:
        conn.enable_load_extension(False)
    return conn


# ---------------------------------------------------------------- embeddings

def _np():
    try:
        import numpy
    except ImportError as e:  # pragma: no cover - numpy is optional
        raise ImportError("recsql: this helper needs numpy (Debian: apt-get install python3-numpy)") from e
    return numpy


def to_numpy(blob):
    """A float32 embedding BLOB as a 1-D numpy array, without a copy.

    The array is a read-only view on the bytes object (np.frombuffer);
    .copy() it to write. A JSON text embedding ('[1, 2]') is parsed (a copy)."""
    np = _np()
    if blob is None:
        return None
    if isinstance(blob, str):
        import json
        return np.asarray(json.loads(blob), dtype=np.float32)
    if len(blob) % 4:
        raise ValueError("recsql.to_numpy: a float32 embedding has a multiple of 4 bytes, got %d" % len(blob))
    return np.frombuffer(blob, dtype="<f4")


def from_numpy(vec):
    """A 1-D array as a value sqlite3 binds as a float32 BLOB.

    A C-contiguous little-endian float32 array is passed as a memoryview of
    its own memory (no copy); anything else is converted once. A 2-D array
    gives a list of per-row views (one BLOB each)."""
    np = _np()
    a = np.asarray(vec)
    if a.ndim == 2:
        a = np.ascontiguousarray(a, dtype="<f4")
        return [memoryview(row).cast("B") for row in a]
    if a.ndim != 1:
        raise ValueError("recsql.from_numpy: expected a 1-D (or 2-D) array, got %d dimensions" % a.ndim)
    return memoryview(np.ascontiguousarray(a, dtype="<f4")).cast("B")


def _source_sql(source):
    s = source.strip()
    if s[:6].lower() in ("select", "values") or s[:4].lower() == "with":
        return "SELECT * FROM (%s)" % s
    return 'SELECT * FROM "%s"' % s.replace('"', '""')


def embeddings(conn, source):
    """(ids, matrix) of a source of (id, emb) rows: a table name or SELECT.

    ids is a list in the source's order; matrix a float32 array of shape
    (rows, dim) built with one copy of the BLOBs (b"".join + np.frombuffer).
    Rows with a NULL embedding are skipped."""
    np = _np()
    ids, blobs = [], []
    for row in conn.execute(_source_sql(source)):
        if row[1] is None:
            continue
        b = row[1]
        if isinstance(b, str):
            b = to_numpy(b).tobytes()
        ids.append(row[0])
        blobs.append(b)
    if not blobs:
        return ids, np.zeros((0, 0), dtype=np.float32)
    dim = len(blobs[0]) // 4
    if any(len(b) != 4 * dim for b in blobs):
        raise ValueError("recsql.embeddings: source %r mixes embedding dimensions" % source)
    return ids, np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim)


def write_embeddings(conn, table, ids, matrix, replace=True):
    """Writes rows (id, emb) of a 2-D array into table(id PRIMARY KEY, emb BLOB).

    Each row is bound as a view on the array's memory (no per-row copy in
    Python). With replace=False the table must not exist."""
    rows = from_numpy(matrix)
    if len(rows) != len(ids):
        raise ValueError("recsql.write_embeddings: %d ids for %d rows" % (len(ids), len(rows)))
    q = '"%s"' % table.replace('"', '""')
    with conn:
        if replace:
            conn.execute("DROP TABLE IF EXISTS %s" % q)
        conn.execute("CREATE TABLE %s(id PRIMARY KEY, emb BLOB)" % q)
        conn.executemany("INSERT INTO %s(id, emb) VALUES (?, ?)" % q, zip(ids, rows))


# ------------------------------------------------------------ recommendations

def recommendations(conn, users, items, k=10, exclude=None, user=None, arrays=True):
    """Top-k recommendations from recommend(users, items, k, exclude).

    users, items, exclude: sources as in SQL (table name, view or SELECT).
    user: one user id (computes that user only). Returns a dict of numpy
    arrays {"user", "item", "score", "rank"} (ids keep their type: an int64
    array for integer ids, an object array otherwise), or with arrays=False
    the list of (user, item, score, rank) rows. No DataFrame involved."""
    sql = "SELECT user, item, score, rank FROM recommend(?, ?, ?, ?)"
    args = [users, items, k, exclude]
    if user is not None:
        sql += " WHERE user = ?"
        args.append(user)
    rows = conn.execute(sql, args).fetchall()
    if not arrays:
        return rows
    np = _np()
    cols = list(zip(*rows)) if rows else [(), (), (), ()]

    def ids(col):
        if col and all(type(x) is int for x in col):
            return np.array(col, dtype=np.int64)
        return np.array(col, dtype=object)

    return {"user": ids(cols[0]), "item": ids(cols[1]),
            "score": np.array(cols[2], dtype=np.float64), "rank": np.array(cols[3], dtype=np.int64)}
