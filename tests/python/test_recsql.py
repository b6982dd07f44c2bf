"""Tests of the installed Python package recsql (tests/run_packages.sh runs them
in a venv where `pip install .` put it)."""
import os
import sqlite3
import unittest

import numpy as np

import recsql


class LoadTest(unittest.TestCase):
    def test_loadable_path_is_the_packaged_extension(self):
        path = recsql.loadable_path()
        self.assertTrue(os.path.isfile(path), path)
        self.assertEqual(os.path.dirname(path), os.path.dirname(os.path.abspath(recsql.__file__)))

    def test_load_registers_the_functions(self):
        conn = recsql.load(sqlite3.connect(":memory:"))
        self.assertEqual(conn.execute("SELECT recsql_version()").fetchone()[0], recsql.__version__)
        self.assertEqual(conn.execute("SELECT embed_dot('[1,2,3]', '[4,5,6]')").fetchone()[0], 32.0)

    def test_load_leaves_extension_loading_off(self):
        conn = recsql.load(sqlite3.connect(":memory:"))
        with self.assertRaises(sqlite3.OperationalError):
            conn.load_extension(recsql.loadable_path())

    def test_host_without_extension_loading(self):
        class NoLoad:  # what sqlite3.Connection looks like in a Python built without it
            def execute(self, *a):
                raise AssertionError("not reached")

        with self.assertRaises(recsql.RecsqlLoadError) as e:
            recsql.load(NoLoad())
        self.assertIn("cannot load extensions", str(e.exception))
        self.assertIn("--enable-loadable-sqlite-extensions", str(e.exception))


class EmbeddingTest(unittest.TestCase):
    def setUp(self):
        self.conn = recsql.load(sqlite3.connect(":memory:"))

    def test_to_numpy_is_a_view_on_the_blob(self):
        blob = self.conn.execute("SELECT embed('[1.5, -2, 3]')").fetchone()[0]
        a = recsql.to_numpy(blob)
        self.assertEqual(a.dtype, np.dtype("<f4"))
        np.testing.assert_array_equal(a, [1.5, -2, 3])
        self.assertFalse(a.flags.owndata)  # no copy: the bytes object's memory
        self.assertFalse(a.flags.writeable)

    def test_from_numpy_binds_a_blob_without_copy(self):
        a = np.array([0.25, 1.0, -4.0], dtype=np.float32)
        view = recsql.from_numpy(a)
        self.assertIsInstance(view, memoryview)
        self.assertTrue(np.shares_memory(np.frombuffer(view, dtype="<f4"), a))
        row = self.conn.execute("SELECT embed_json(?), embed_dim(?)", (view, view)).fetchone()
        self.assertEqual(row, ("[0.25,1,-4]", 3))

    def test_from_numpy_converts_other_dtypes(self):
        v = recsql.from_numpy(np.array([1, 2], dtype=np.float64))
        self.assertEqual(self.conn.execute("SELECT embed_dot(?, '[1, 1]')", (v,)).fetchone()[0], 3.0)

    def test_json_text_embedding(self):
        np.testing.assert_array_equal(recsql.to_numpy("[1, 2]"), [1, 2])

    def test_bad_blob_length(self):
        with self.assertRaises(ValueError):
            recsql.to_numpy(b"12345")

    def test_write_and_read_a_matrix(self):
        ids = ["a", "b", 7]
        m = np.arange(12, dtype=np.float32).reshape(3, 4)
        recsql.write_embeddings(self.conn, "vecs", ids, m)
        got_ids, got = recsql.embeddings(self.conn, "vecs")
        self.assertEqual(got_ids, ids)
        np.testing.assert_array_equal(got, m)
        # the same through SQL: embed_norm of row 1 = |[4,5,6,7]|
        self.assertAlmostEqual(self.conn.execute("SELECT embed_norm(emb) FROM vecs WHERE id = 'b'").fetchone()[0],
                               float(np.linalg.norm(m[1])), places=5)
        got_ids, got = recsql.embeddings(self.conn, "SELECT id, emb FROM vecs WHERE id <> 'a'")
        self.assertEqual(got_ids, ["b", 7])


class RecommendationsTest(unittest.TestCase):
    def setUp(self):
        c = self.conn = recsql.load(sqlite3.connect(":memory:"))
        c.execute("CREATE TABLE us(id, emb)")
        c.execute("INSERT INTO us VALUES ('u1', embed('[1, 0]')), ('u2', embed('[0, 1]'))")
        c.execute("CREATE TABLE it(id, emb, bias)")
        c.execute("INSERT INTO it VALUES ('a', embed('[3, 0]'), 0), ('b', embed('[2, 2]'), 0.5), "
                  "('c', embed('[0, 3]'), -1)")
        c.execute("CREATE TABLE seen(user, item)")
        c.execute("INSERT INTO seen VALUES ('u1', 'a')")

    def test_arrays(self):
        # the hand case of docs/recommend.md
        r = recsql.recommendations(self.conn, "us", "it", k=2, exclude="seen")
        self.assertEqual(list(r["user"]), ["u1", "u1", "u2", "u2"])
        self.assertEqual(list(r["item"]), ["b", "c", "b", "c"])
        np.testing.assert_array_equal(r["score"], [2.5, -1.0, 2.5, 2.0])
        np.testing.assert_array_equal(r["rank"], [1, 2, 1, 2])
        self.assertEqual(r["rank"].dtype, np.int64)

    def test_rows_one_user(self):
        rows = recsql.recommendations(self.conn, "us", "it", k=3, user="u2", arrays=False)
        self.assertEqual(rows, [("u2", "b", 2.5, 1), ("u2", "c", 2.0, 2), ("u2", "a", 0.0, 3)])

    def test_integer_ids_give_int64(self):
        self.conn.execute("CREATE TABLE us2 AS SELECT 10 AS id, emb FROM us WHERE id = 'u1'")
        r = recsql.recommendations(self.conn, "us2", "it", k=1)
        self.assertEqual(r["user"].dtype, np.int64)
        self.assertEqual(int(r["user"][0]), 10)

    def test_errors_are_sqlite_errors(self):
        with self.assertRaises(sqlite3.OperationalError) as e:
            recsql.recommendations(self.conn, "us", "it", k=0)
        self.assertIn("recommend: k must be a positive integer", str(e.exception))


if __name__ == "__main__":
    unittest.main()
