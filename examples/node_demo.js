// recsql from Node.js with better-sqlite3 (version 12 on Node 20).
//
//   make && (cd examples && npm install better-sqlite3@12) && node examples/node_demo.js [build/recsql]
const path = require('path');
const Database = require('better-sqlite3');

const ext = process.argv[2] || path.join(__dirname, '..', 'build', 'recsql');
const db = new Database(':memory:');
db.loadExtension(ext);

db.exec('CREATE TABLE clicks(user, item)');
const insert = db.prepare('INSERT INTO clicks VALUES (?, ?)');
for (const [u, i] of [['ann', 'tea'], ['ann', 'cake'], ['bob', 'tea'], ['bob', 'jam'],
                      ['cid', 'cake'], ['cid', 'scone'], ['dee', 'jam'], ['dee', 'scone']]) insert.run(u, i);

console.log('version', db.prepare('SELECT recsql_version() AS v').get().v);
console.log('dot', db.prepare('SELECT embed_dot(?, ?) AS d').get('[1,2,3]', '[4,5,6]').d);

// bpr_train writes tables: call it as a bare SELECT; the summary is JSON
const summary = JSON.parse(db.prepare(
  "SELECT bpr_train('clicks', 'm', json_object('dim', 4, 'epochs', 20, 'threads', 1, 'seed', 1)) AS s").get().s);
console.log('trained', summary.users, 'users', summary.items, 'items', summary.epochs, 'epochs');

for (const r of db.prepare("SELECT user, item, rank FROM recommend('m_users', 'm_items', 1, 'clicks') ORDER BY user").all())
  console.log('recommend', r.user, r.item, r.rank);

// embeddings are float32 blobs (Buffers)
const emb = db.prepare("SELECT emb FROM m_items WHERE id = 'tea'").get().emb;
console.log('tea embedding has', new Float32Array(emb.buffer, emb.byteOffset, emb.length / 4).length, 'dimensions');

try {
  db.prepare("SELECT bpr_train('clicks', 'm', '{\"epoch\": 5}')").get();
} catch (e) {
  console.log('error:', e.message);
}
