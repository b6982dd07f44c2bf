#!/usr/bin/python3
"""i2i_recommend against the SQL join it replaces (the scoring queries of
the old sql/gowalla_itemsim.sql, kept in bench/i2i/gowalla_itemsim_join.sql):
top-20 lists for every test user from swing_sim and itemcf_sim tables (top
50 per item), wall time of both (the join once, it takes minutes;
i2i_recommend 3 times, median), whether the lists are the same, and the
latency of WHERE user = ? for 100 users. Needs a database with train and
test (bench/i2i/run.sh makes it). Prints figures; asserts nothing.

    bench.py EXTENSION DB
"""
import sqlite3
import statistics
import sys
import time

ext, dbpath = sys.argv[1], sys.argv[2]
db = sqlite3.connect(dbpath)
db.enable_load_extension(True)
db.load_extension(ext)
db.execute("PRAGMA temp_store = memory")
for name, sql in (("swing", "SELECT * FROM swing_sim('train', 1.0, 50)"),
                  ("itemcf", "SELECT * FROM itemcf_sim('train', 50, 'cosine')")):
    db.execute(f"DROP TABLE IF EXISTS sim_{name}")
    db.execute(f"CREATE TABLE sim_{name}(item_a INTEGER, item_b INTEGER, score REAL)")
    db.execute(f"INSERT INTO sim_{name} {sql}")
    db.execute(f"CREATE INDEX sim_{name}_a ON sim_{name}(item_a)")
db.commit()
JOIN = """
CREATE TABLE old_{n} AS
  SELECT user, item, score FROM (
    SELECT user, item, score, row_number() OVER (PARTITION BY user ORDER BY score DESC, item) AS rk FROM (
      SELECT t.user, s.item_b AS item, sum(s.score) AS score
      FROM (SELECT DISTINCT user FROM test) u CROSS JOIN train t ON t.user = u.user
      CROSS JOIN sim_{n} s ON s.item_a = t.item
      GROUP BY t.user, s.item_b) AS a
    WHERE NOT EXISTS (SELECT 1 FROM train x WHERE x.user = a.user AND x.item = a.item))
  WHERE rk <= 20"""
NEW = "CREATE TABLE new_{n} AS SELECT user, item, score FROM i2i_recommend('train', 'sim_{n}', 20)"


def lists(table):
    out = {}
    for u, i, s in db.execute(f"SELECT user, item, score FROM {table} ORDER BY user, score DESC, item"):
        out.setdefault(u, []).append((i, s))
    return out


for n in ("swing", "itemcf"):
    db.execute(f"DROP TABLE IF EXISTS old_{n}")
    t0 = time.perf_counter()
    db.execute(JOIN.format(n=n))
    t_old = time.perf_counter() - t0
    times = []
    for _ in range(3):
        db.execute(f"DROP TABLE IF EXISTS new_{n}")
        t0 = time.perf_counter()
        db.execute(NEW.format(n=n))
        times.append(time.perf_counter() - t0)
    t_new = statistics.median(times)
    old, new = lists(f"old_{n}"), lists(f"new_{n}")
    test_users = {u for (u,) in db.execute("SELECT DISTINCT user FROM test")}
    same = near = 0
    worst = 0.0
    for u in test_users:
        a, b = old.get(u, []), new.get(u, [])
        if [i for i, _ in a] == [i for i, _ in b]:
            same += 1
            continue
        # equal up to ties: same length, and rank by rank the scores agree to 1e-9 (relative)
        d = max((abs(x[1] - y[1]) / max(abs(x[1]), 1e-300) for x, y in zip(a, b)), default=0)
        worst = max(worst, d)
        if len(a) == len(b) and d < 1e-9:
            near += 1
    print(f"{n}: {len(test_users)} test users; old SQL join {t_old:.1f} s, i2i_recommend median {t_new:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)}), {t_old / t_new:.0f}x; lists identical for {same} users, "
          f"equal up to score ties (rounding of the sums) for {near} more; max relative score gap {worst:.1e}",
          flush=True)

users = [u for (u,) in db.execute("SELECT user FROM train GROUP BY user ORDER BY count(*) DESC, user LIMIT 100")]
lat = []
for u in users:
    t0 = time.perf_counter()
    db.execute("SELECT item, score FROM i2i_recommend('train', 'sim_swing', 20) WHERE user = ?", (u,)).fetchall()
    lat.append(time.perf_counter() - t0)
lat.sort()
print(f"i2i_recommend WHERE user = ? (swing sim, the 100 users with the longest histories): median "
      f"{1000 * statistics.median(lat):.1f} ms, max {1000 * lat[-1]:.1f} ms")
