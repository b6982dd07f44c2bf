#!/usr/bin/python3
"""Speed of swing_sim and itemcf_sim on Gowalla train (issue 5). Needs a
database with the table train(user, item). Prints figures; asserts nothing.

    bench.py EXTENSION DB
"""
import sqlite3
import statistics
import sys
import time

ext, dbpath = sys.argv[1], sys.argv[2]


def connect():
    db = sqlite3.connect(dbpath)
    db.enable_load_extension(True)
    db.load_extension(ext)
    return db


db = connect()
n, nu, ni = db.execute("SELECT count(*), count(DISTINCT user), count(DISTINCT item) FROM train").fetchone()
print(f"train: {n} interactions, {nu} users, {ni} items")

FULL = {
    "swing_sim top-50 alpha 1": "SELECT count(*) FROM swing_sim WHERE source = 'train' AND alpha = 1.0 AND top_n = 50 AND threads = 2",
    "itemcf_sim top-50 cosine": "SELECT count(*) FROM itemcf_sim WHERE source = 'train' AND top_n = 50 AND threads = 2",
}
for name, sql in FULL.items():
    times = []
    for _ in range(3):
        c = connect()  # fresh connection: the source is read every time
        t0 = time.perf_counter()
        rows = c.execute(sql).fetchone()[0]
        times.append(time.perf_counter() - t0)
        c.close()
    print(f"{name}, full table, 2 threads: median {statistics.median(times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)}), {rows} rows")

top = [r[0] for r in db.execute(
    "SELECT item FROM train GROUP BY item ORDER BY count(*) DESC, item LIMIT 100")]
ONE = {
    "swing_sim": "SELECT item_b, score FROM swing_sim('train', 1.0, 50) WHERE item_a = ?",
    "itemcf_sim": "SELECT item_b, score FROM itemcf_sim('train', 50) WHERE item_a = ?",
}
for name, sql in ONE.items():
    c = connect()
    t0 = time.perf_counter()
    c.execute(sql, (top[0],)).fetchall()
    first = time.perf_counter() - t0
    lat = []
    for _ in range(3):
        for it in top:
            t0 = time.perf_counter()
            c.execute(sql, (it,)).fetchall()
            lat.append(time.perf_counter() - t0)
    lat.sort()
    print(f"{name} item_a = ? for the 100 most popular items: median {1000 * statistics.median(lat):.2f} ms, "
          f"p90 {1000 * lat[int(0.9 * len(lat))]:.2f} ms, max {1000 * lat[-1]:.2f} ms "
          f"(first call, which reads and caches the table: {1000 * first:.0f} ms)")
    c.close()
