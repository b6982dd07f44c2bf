#!/usr/bin/env python3
"""recsql from Python's standard sqlite3 module.

    make && python3 examples/python_demo.py [build/recsql]
"""
import json
import os
import sqlite3
import sys

ext = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "build", "recsql")
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension(ext)
db.enable_load_extension(False)

db.execute("CREATE TABLE clicks(user, item)")
db.executemany("INSERT INTO clicks VALUES (?, ?)",
               [("ann", "tea"), ("ann", "cake"), ("bob", "tea"), ("bob", "jam"),
                ("cid", "cake"), ("cid", "scone"), ("dee", "jam"), ("dee", "scone")])
print("version", db.execute("SELECT recsql_version()").fetchone()[0])
print("dot", db.execute("SELECT embed_dot(?, ?)", ("[1,2,3]", "[4,5,6]")).fetchone()[0])

# bpr_train writes tables: call it as a bare SELECT; the summary is JSON
summary = json.loads(db.execute(
    "SELECT bpr_train('clicks', 'm', json_object('dim', 4, 'epochs', 20, 'threads', 1, 'seed', 1))").fetchone()[0])
print("trained", summary["users"], "users", summary["items"], "items", summary["epochs"], "epochs")

for user, item, rank in db.execute(
        "SELECT user, item, rank FROM recommend('m_users', 'm_items', 1, 'clicks') ORDER BY user"):
    print("recommend", user, item, rank)

# embeddings are float32 blobs: numpy-free decoding with the array module
import array
emb = array.array("f", db.execute("SELECT emb FROM m_items WHERE id = 'tea'").fetchone()[0])
print("tea embedding has", len(emb), "dimensions")

# errors are sqlite3 exceptions with the object's message
try:
    db.execute("SELECT bpr_train('clicks', 'm', '{\"epoch\": 5}')")
except sqlite3.OperationalError as e:
    print("error:", e)
