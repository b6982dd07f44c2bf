#!/usr/bin/python3
"""Quality of EASE (several lambda), Swing + i2i_recommend, ItemCF +
i2i_recommend and bpr_train's default, side by side on one data set:
Recall@20 / NDCG@20 over the test users (LightGCN protocol, common.metrics)
and seconds (training + top-20 lists for every user). Prints figures;
asserts nothing.

    bench/ease/quality.py build/recsql.so DATASET [max_items] [method ...]

DATASET: ml100k, yelp, gowalla. max_items (0 = all) is passed to
ease_train (the other methods use every item). Methods: ease:<lambda> or
ease:default, swing, itemcf, bpr. Default: ease at 50, 200, 500, 1000 and
default, swing, itemcf.
"""
import json
import sys
import time

import common

ext, name = sys.argv[1], sys.argv[2]
max_items = int(sys.argv[3]) if len(sys.argv) > 3 else 0
methods = sys.argv[4:] or ["ease:50", "ease:200", "ease:500", "ease:1000", "ease:default", "swing", "itemcf"]
train, test = common.load(name)
db = common.connect(ext)
common.fill(db, train, test)
nu, ni = db.execute("SELECT count(DISTINCT user), count(DISTINCT item) FROM train").fetchone()
print(f"{name}: train {len(train)} pairs, {nu} users, {ni} items; test {len(test)} pairs"
      + (f"; ease_train max_items {max_items}" if max_items else ""))
REC = "SELECT user, item FROM i2i_recommend('train', ?, 20) ORDER BY user, rank"
for m in methods:
    t0 = time.perf_counter()
    extra = ""
    if m.startswith("ease:"):
        opt = {"max_items": max_items} if max_items else {}
        if m != "ease:default":
            opt["lambda"] = float(m[5:])
        j = json.loads(db.execute("SELECT ease_train('train', 'e', ?)", (json.dumps(opt),)).fetchone()[0])
        extra = f"lambda {j['lambda']:g}, items {j['items']}, fit {j['seconds']:.1f} s"
        lists = common.sql_lists(db, REC, ("e_sim",))
    elif m in ("swing", "itemcf"):
        sql = ("SELECT * FROM swing_sim('train', 1.0, 50)" if m == "swing"
               else "SELECT * FROM itemcf_sim('train', 50, 'cosine')")
        db.execute("DROP TABLE IF EXISTS s")
        db.execute(f"CREATE TABLE s AS {sql}")
        db.execute("CREATE INDEX s_a ON s(item_a)")
        lists = common.sql_lists(db, REC, ("s",))
    elif m == "bpr":
        db.execute("SELECT bpr_train('train', 'b')").fetchone()
        lists = common.sql_lists(db, "SELECT user, item FROM recommend('b_users', 'b_items', 20, 'train') "
                                     "ORDER BY user, rank")
    secs = time.perf_counter() - t0
    r, n = common.metrics(lists, test)
    print(f"{m:14s} Recall@20 {r:.4f}  NDCG@20 {n:.4f}  {secs:7.1f} s  {extra}", flush=True)
