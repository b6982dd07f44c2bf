#!/usr/bin/python3
"""knn_index: corrupt the shadow tables of an HNSW index at random (byte flips,
truncated neighbour lists, bad levels, bad vectors), reopen, query, insert and
delete: every case must end in an answer or an SQL error, never a crash. Not
part of `make test` (it takes a while); run it against the sanitized build:

  make BUILD=build/asan SANITIZE=1 OPT=-O1 build/asan/recsql.so
  ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD=$(gcc -print-file-name=libasan.so) \
    /usr/bin/python3 tests/knn_index_fuzz.py build/asan/recsql [iterations]
"""
import os
import random
import sqlite3
import struct
import sys
import tempfile
lib = sys.argv[1]
random.seed(7)
def conn(p):
    c = sqlite3.connect(p, isolation_level=None); c.enable_load_extension(True); c.load_extension(lib); return c
base = os.path.join(tempfile.mkdtemp(), "base.db")
if os.path.exists(base): os.remove(base)
c = conn(base)
c.execute("CREATE VIRTUAL TABLE h USING knn_index(dim=4, index=hnsw, m=4, ef_construction=8)")
c.execute("BEGIN")
for i in range(300):
    c.execute("INSERT INTO h(rowid, embedding) VALUES (?, ?)", (i, struct.pack("4f", *[random.gauss(0,1) for _ in range(4)])))
c.execute("COMMIT"); c.close()
data = open(base, "rb").read()
errs = ok = 0
for it in range(int(sys.argv[2]) if len(sys.argv) > 2 else 300):
    p = base + ".work"
    open(p, "wb").write(data)
    c = conn(p)
    rows = c.execute("SELECT rowid, level, neighbors FROM h_graph").fetchall()
    for _ in range(random.randint(1, 3)):
        r = random.choice(rows)
        b = bytearray(r[2])
        kind = random.random()
        if kind < 0.4 and b:
            b[random.randrange(len(b))] = random.randrange(256)
        elif kind < 0.6:
            b = b[: random.randrange(len(b) + 1)]
        elif kind < 0.8:
            c.execute("UPDATE h_graph SET level = ? WHERE rowid = ?", (random.randint(-2, 4), r[0]))
        else:
            c.execute("UPDATE h_vectors SET vec = ? WHERE rowid = ?", (bytes(random.randrange(256) for _ in range(random.choice([16, 16, 15, 0]))), r[0]))
        c.execute("UPDATE h_graph SET neighbors = ? WHERE rowid = ?", (bytes(b), r[0]))
    c.close()
    c = conn(p)
    try:
        for q in range(5):
            c.execute("SELECT rowid FROM h WHERE embedding MATCH ? AND k = 5", (struct.pack("4f", *[random.gauss(0,1) for _ in range(4)]),)).fetchall()
        c.execute("INSERT INTO h(rowid, embedding) VALUES (1000, '[1,2,3,4]')")
        c.execute("DELETE FROM h WHERE rowid = 5")
        ok += 1
    except sqlite3.DatabaseError as e:
        errs += 1
    c.close()
print("ok", ok, "errors", errs)
