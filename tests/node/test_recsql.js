// Tests of the installed Node package recsql with better-sqlite3
// (tests/run_packages.sh installs the packed package next to better-sqlite3).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const Database = require('better-sqlite3');
const recsql = require('recsql');

test('getLoadablePath is the extension built at install, inside the package', () => {
  const p = recsql.getLoadablePath();
  assert.ok(fs.existsSync(p), p);
  assert.strictEqual(path.dirname(path.dirname(p)), path.dirname(require.resolve('recsql/package.json')));
});

test('load registers the SQL objects and returns the database', () => {
  const db = new Database(':memory:');
  assert.strictEqual(recsql.load(db), db);
  assert.strictEqual(db.prepare('SELECT recsql_version() AS v').get().v, require('recsql/package.json').version);
  assert.strictEqual(db.prepare("SELECT embed_dot('[1,2,3]', '[4,5,6]') AS d").get().d, 32);
});

test('load rejects something that is not a database', () => {
  assert.throws(() => recsql.load({}), /recsql.load: expected a better-sqlite3 Database/);
});

test('swing_sim: the hand case of DESIGN.md', () => {
  const db = recsql.load(new Database(':memory:'));
  db.exec("CREATE TABLE t(user, item); INSERT INTO t VALUES ('u1','a'),('u1','b'),('u1','c'),('u2','a'),('u2','b')," +
          "('u2','c'),('u2','d'),('u3','a'),('u3','b'),('u3','d')");
  const rows = db.prepare("SELECT item_b, score FROM swing_sim('t') WHERE item_a = 'a'").all();
  assert.deepStrictEqual(rows.map(r => r.item_b), ['b', 'c', 'd']);
  assert.ok(Math.abs(rows[0].score - 5 / 6) < 1e-12);
  assert.strictEqual(rows[1].score, 0.25);
});

test('embeddings: Float32Array views on BLOBs, and back', () => {
  const db = recsql.load(new Database(':memory:'));
  const blob = db.prepare("SELECT embed('[1.5, -2, 3]') AS e").get().e;
  const v = recsql.toFloat32Array(blob);
  assert.deepStrictEqual(Array.from(v), [1.5, -2, 3]);
  if (blob.byteOffset % 4 === 0) assert.strictEqual(v.buffer, blob.buffer); // a view, no copy
  const b = recsql.fromFloat32Array(new Float32Array([0.25, 1, -4]));
  assert.strictEqual(db.prepare('SELECT embed_json(?) AS j').get(b).j, '[0.25,1,-4]');
  assert.strictEqual(db.prepare('SELECT embed_dim(?) AS d').get(recsql.fromFloat32Array([1, 2])).d, 2);
  assert.throws(() => recsql.toFloat32Array(Buffer.alloc(5)), RangeError);
});

test('recommend: the hand case of docs/recommend.md', () => {
  const db = recsql.load(new Database(':memory:'));
  db.exec("CREATE TABLE us(id, emb); INSERT INTO us VALUES ('u1', embed('[1, 0]')), ('u2', embed('[0, 1]'));" +
          "CREATE TABLE it(id, emb, bias); INSERT INTO it VALUES ('a', embed('[3, 0]'), 0), ('b', embed('[2, 2]'), 0.5)," +
          "('c', embed('[0, 3]'), -1); CREATE TABLE seen(user, item); INSERT INTO seen VALUES ('u1', 'a');");
  const rows = db.prepare("SELECT * FROM recommend('us', 'it', 2, 'seen')").raw().all();
  assert.deepStrictEqual(rows, [['u1', 'b', 2.5, 1], ['u1', 'c', -1, 2], ['u2', 'b', 2.5, 1], ['u2', 'c', 2, 2]]);
  assert.throws(() => db.prepare("SELECT * FROM recommend('us', 'it', 0)").all(), /recommend: k must be a positive integer/);
});
