#!/usr/bin/python3
"""Rewrites the x_graph table of a quantize=int8 knn_index database written
before neighbour lists were packed (int64 words) into the packed layout of
ext/knn_store.h, then VACUUMs: the file size an int8 HNSW table has today,
for the same graph. Used once for the figures of docs/knn_index.md.

  bench/knn/pack_graph.py in.db out.db [table]
"""
import shutil
import sqlite3
import struct
import sys


def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def pack(words, level, self):
    out, p, prev = bytearray(), 0, self
    for _ in range(level + 1):
        c = words[p]
        p += 1
        out += uvarint(c)
        for _ in range(c):
            d = (words[p] - prev) & (2**64 - 1)
            prev = words[p]
            p += 1
            out += uvarint(((d << 1) ^ (2**64 - 1 if d >> 63 else 0)) & (2**64 - 1))
    return bytes(out)


src, dst = sys.argv[1], sys.argv[2]
t = sys.argv[3] if len(sys.argv) > 3 else "x"
shutil.copy(src, dst)
con = sqlite3.connect(dst, isolation_level=None)
rows = con.execute(f"SELECT rowid, level, neighbors FROM {t}_graph").fetchall()
con.execute("BEGIN")
for rowid, level, nb in rows:
    words = struct.unpack(f"<{len(nb) // 8}q", nb)
    con.execute(f"UPDATE {t}_graph SET neighbors = ? WHERE rowid = ?", (pack(words, level, rowid), rowid))
con.execute("COMMIT")
con.execute("VACUUM")
con.close()
