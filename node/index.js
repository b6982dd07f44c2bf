// recsql for Node.js: the SQLite extension, built at `npm install`, for
// better-sqlite3 (or any host with loadExtension(path)).
//
//   const Database = require('better-sqlite3');
//   const recsql = require('recsql');
//   const db = new Database('shop.db');
//   recsql.load(db);
//   db.prepare("SELECT * FROM swing_sim('train', 1.0, 50) WHERE item_a = ?").all(42);
'use strict';
const fs = require('fs');
const path = require('path');

const LIB = path.join(__dirname, '..', 'build', 'recsql.so');

/** Absolute path of the recsql SQLite extension (build/recsql.so of the package). */
function getLoadablePath() {
  if (!fs.existsSync(LIB)) {
    throw new Error('recsql: the extension ' + LIB + ' is missing: the install script did not build it ' +
                    '(reinstall the package, or run `make` in ' + path.dirname(path.dirname(LIB)) + ')');
  }
  return LIB;
}

/** Loads recsql into db (a better-sqlite3 Database) and returns db. */
function load(db) {
  if (!db || typeof db.loadExtension !== 'function') {
    throw new TypeError('recsql.load: expected a better-sqlite3 Database (an object with loadExtension(path))');
  }
  db.loadExtension(getLoadablePath());
  return db;
}

/** A float32 embedding BLOB (Buffer) as a Float32Array view on the same memory (no copy when aligned). */
function toFloat32Array(blob) {
  if (blob === null || blob === undefined) return null;
  if (blob.length % 4) throw new RangeError('recsql.toFloat32Array: a float32 embedding has a multiple of 4 bytes, got ' + blob.length);
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.length / 4);
  return new Float32Array(Uint8Array.prototype.slice.call(blob).buffer);
}

/** A Float32Array (or array of numbers) as a Buffer to bind as a BLOB (a view when already a Float32Array). */
function fromFloat32Array(vec) {
  const a = vec instanceof Float32Array ? vec : Float32Array.from(vec);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

module.exports = { load, getLoadablePath, toFloat32Array, fromFloat32Array };
