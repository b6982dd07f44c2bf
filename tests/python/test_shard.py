"""recsql.shard on a Dask LocalCluster of 2 worker processes: every sharded run
merges to exactly the rows of the single-process SQL call (tests/run_packages.sh)."""
import os
import shutil
import sqlite3
import tempfile
import unittest

import numpy as np
from distributed import Client, LocalCluster

import recsql
from recsql import shard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "tests", "data", "gowalla_sample")


def load_adjacency(conn, table, path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            rows += [(int(parts[0]), int(i)) for i in parts[1:]]
    # the tables of sql/load_adjacency.sql
    conn.execute("CREATE TABLE %s(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID" % table)
    conn.executemany("INSERT OR IGNORE INTO %s VALUES (?, ?)" % table, rows)


class SplitKeysTest(unittest.TestCase):
    def test_contiguous(self):
        self.assertEqual(shard.split_keys(range(7), 3), [[0, 1], [2, 3, 4], [5, 6]])
        self.assertEqual(shard.split_keys([1, 2], 5), [[1], [2]])
        self.assertEqual(shard.split_keys([], 3), [[]])
        self.assertEqual(shard.split_keys(range(10), 2, align=4), [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9]])
        self.assertEqual(shard.split_keys(range(3), 2, align=4), [[0, 1, 2]])

    def test_weighted_bins_keep_order(self):
        bins = shard.split_keys(["a", "b", "c", "d"], 2, [10, 1, 1, 9])
        # longest first: a (10) -> bin 0, d (9) -> bin 1, b -> bin 1 (9 < 10), c -> bin 0 (10 = 10: first)
        self.assertEqual(bins, [["a", "c"], ["b", "d"]])

    def test_keys_literal(self):
        self.assertEqual(shard.keys_literal([1, "it's"]), "(SELECT value FROM json_each('[1, \"it''s\"]'))")
        with self.assertRaises(TypeError):
            shard.keys_literal([1.5])


class MergeTest(unittest.TestCase):
    def test_merge_in_order_and_keep_the_old_table_on_failure(self):
        d = tempfile.mkdtemp(prefix="recsql_merge_")
        try:
            files = []
            for k in range(3):
                files.append(os.path.join(d, "s%d.db" % k))
                c = sqlite3.connect(files[-1])
                c.execute("CREATE TABLE t(a, b)")
                c.executemany("INSERT INTO t VALUES (?, ?)", [(k, i) for i in range(2)])
                c.commit()
                c.close()
            out = os.path.join(d, "out.db")
            c = sqlite3.connect(out)
            c.execute("CREATE TABLE t(x)")
            c.execute("INSERT INTO t VALUES ('old')")
            c.commit()
            shard.merge_shards(out, "t", files)
            self.assertEqual(c.execute("SELECT * FROM t").fetchall(), [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)])
            bad = os.path.join(d, "bad.db")
            sqlite3.connect(bad).execute("CREATE TABLE other(a)")
            with self.assertRaises(sqlite3.OperationalError):
                shard.merge_shards(out, "t", [files[0], bad])
            self.assertEqual(c.execute("SELECT count(*) FROM t").fetchone()[0], 6)  # untouched
            self.assertEqual(c.execute("SELECT name FROM sqlite_master").fetchall(), [("t",)])  # no scratch table
            c.close()
        finally:
            shutil.rmtree(d, ignore_errors=True)


class ShardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="recsql_shard_")
        cls.db = os.path.join(cls.dir, "src.db")
        conn = sqlite3.connect(cls.db)
        load_adjacency(conn, "train", os.path.join(SAMPLE, "train.txt"))
        load_adjacency(conn, "test", os.path.join(SAMPLE, "test.txt"))
        users = [r[0] for r in conn.execute("SELECT DISTINCT user FROM train")]
        items = [r[0] for r in conn.execute("SELECT DISTINCT item FROM train")]
        rng = np.random.default_rng(5)
        recsql.write_embeddings(conn, "m_users", users, rng.standard_normal((len(users), 8)))
        recsql.write_embeddings(conn, "m_items", items, rng.standard_normal((len(items), 8)))
        conn.commit()
        conn.close()
        cls.conn = recsql.load(sqlite3.connect(cls.db))
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        cls.client = Client(cls.cluster)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        cls.conn.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def out(self, name):
        return os.path.join(self.dir, name + ".db")

    def merged(self, run, order=""):
        conn = sqlite3.connect(run.out)
        try:
            return conn.execute("SELECT * FROM %s %s" % (run.table, order)).fetchall()
        finally:
            conn.close()

    def test_swing_sim(self):
        single = self.conn.execute("SELECT * FROM swing_sim('train', 1.0, 20)").fetchall()
        run = shard.swing_sim(self.client, self.db, "train", self.out("swing"), alpha=1.0, top_n=20, threads=1)
        self.assertEqual(len(run.shards), 2)
        self.assertEqual(len({s["pid"] for s in run.shards}), 2)  # two worker processes did the work
        self.assertEqual(run.rows, len(single))
        self.assertGreater(len(single), 1000)
        self.assertEqual(sorted(self.merged(run)), sorted(single))  # exact scores

    def test_swing_sim_weighted_many_shards(self):
        single = self.conn.execute(
            "SELECT * FROM swing_sim WHERE source = 'train' AND top_n = 10 AND beta = 0.5 AND user_alpha = 5 "
            "AND max_item_users = 20 AND seed = 3").fetchall()
        run = shard.swing_sim(self.client, self.db, "train", self.out("swingw"), top_n=10, beta=0.5,
                              user_alpha=5, max_item_users=20, seed=3, threads=1, n_shards=5)
        self.assertEqual(len(run.shards), 5)
        self.assertEqual(sorted(self.merged(run)), sorted(single))

    def test_itemcf_sim(self):
        single = self.conn.execute("SELECT * FROM itemcf_sim('train', 15, 'jaccard')").fetchall()
        run = shard.itemcf_sim(self.client, self.db, "train", self.out("icf"), top_n=15, method="jaccard")
        self.assertEqual(sorted(self.merged(run)), sorted(single))

    def test_recommend_and_metrics(self):
        single = self.conn.execute("SELECT * FROM recommend('m_users', 'm_items', 20, 'train')").fetchall()
        run = shard.recommend(self.client, self.db, "m_users", "m_items", 20, self.db, exclude="train",
                              table="rec_sharded")
        self.assertEqual(self.merged(run, "ORDER BY rowid"), single)  # same rows, same order
        self.conn.execute("CREATE TABLE rec_single AS SELECT * FROM recommend('m_users', 'm_items', 20, 'train')")
        self.conn.commit()
        q = shard.metrics_query("rec_single", "test", 20)
        single_users = self.conn.execute(q).fetchall()
        single_avg = self.conn.execute("SELECT count(*), %s FROM (%s)" % (
            ", ".join("avg(%s)" % m for m in shard.METRICS), q)).fetchone()
        m = shard.metrics(self.client, self.db, "rec_sharded", "test", 20, self.out("metrics"))
        self.assertEqual(sorted(self.merged(m)), sorted(single_users))
        self.assertEqual(tuple(m.average[k] for k in ("users",) + shard.METRICS), single_avg)  # bit for bit
        self.assertGreater(m.average["recall"], 0.0)

    def test_neg_samples_same_rows_same_order(self):
        for strategy, power in (("uniform", None), ("popularity", 0.5)):
            extra = " AND power = %s" % power if power is not None else ""
            single = self.conn.execute("SELECT * FROM neg_samples WHERE source = 'train' AND n_neg = 3 "
                                       "AND strategy = '%s' AND seed = 7%s" % (strategy, extra)).fetchall()
            run = shard.neg_samples(self.client, self.db, "train", self.out("neg_" + strategy), n_neg=3,
                                    strategy=strategy, seed=7, power=power, n_shards=3)
            self.assertEqual(self.merged(run, "ORDER BY rowid"), single, strategy)

    def test_neg_samples_bootstrap_same_rows(self):
        single = self.conn.execute("SELECT * FROM neg_samples('train', 2, 'bootstrap', 11)").fetchall()
        run = shard.neg_samples(self.client, self.db, "train", self.out("neg_boot"), n_neg=2, strategy="bootstrap",
                                seed=11)
        self.assertEqual(sorted(self.merged(run)), sorted(single))

    def test_shards_left_with_a_view(self):
        run = shard.run_sharded(self.client, self.db, "SELECT user, item FROM train WHERE user IN {keys}",
                                shard.source_keys(self.conn, "train", 0), self.out("view"), "pairs", merge=False)
        self.assertTrue(all(os.path.isfile(s["file"]) for s in run.shards))
        conn = shard.attach_shards(sqlite3.connect(":memory:"), run)
        self.assertEqual(sorted(conn.execute("SELECT * FROM pairs").fetchall()),
                         sorted(self.conn.execute("SELECT user, item FROM train").fetchall()))

    def test_worker_errors_reach_the_client(self):
        with self.assertRaises(sqlite3.OperationalError) as e:
            shard.swing_sim(self.client, self.db, "train", self.out("err"), alpha=-1)
        self.assertIn("swing_sim: alpha must be a number >= 0", str(e.exception))


if __name__ == "__main__":
    unittest.main()
