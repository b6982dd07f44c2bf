#!/bin/sh
# knn_index against sqlite-vec 0.1.9, faiss (IndexFlatIP, IndexHNSWFlat) and
# hnswlib: QPS with one query thread, recall@10 against exact inner product,
# build time and file size, on 200k x 64 seeded Gaussian vectors, then on
# Gowalla item embeddings from bpr_train (users as queries) when
# build/gowalla.db exists or GOWALLA=1 (which trains it, about a minute).
# Installs its peers (Debian python3-faiss, python3-hnswlib, python3-numpy;
# npm sqlite-vec@0.1.9 into build/npm). Prints figures, asserts nothing.
#   bench/knn/run.sh build/recsql.so
#   REPEATS=5 EFS=40,400,800 N=200000 ONLY=recsql_hnsw,hnswlib bench/knn/run.sh build/recsql.so
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
missing=""
for p in python3-faiss python3-hnswlib python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq $missing
fi
cd "$root"
vec0=build/npm/node_modules/sqlite-vec-linux-x64/vec0
if [ ! -f "$vec0.so" ]; then
  mkdir -p build/npm
  # a package.json of its own, or npm installs into the repository's
  [ -f build/npm/package.json ] || echo '{}' > build/npm/package.json
  (cd build/npm && npm install --silent --no-audit --no-fund sqlite-vec@0.1.9 >/dev/null)
fi
export EFS="${EFS:-10,40,100,200,400,800,1600}"
echo "--- 200k x 64 Gaussian, inner product"
/usr/bin/python3 bench/knn/bench.py "$lib" "$root/$vec0" gaussian
if [ "${GOWALLA:-}" = "1" ] && [ ! -f build/gowalla.db ]; then
  sqlite3 -batch build/gowalla.db -cmd ".load $lib" < sql/gowalla_bpr.sql 2> build/gowalla_bpr.log
fi
if [ -f build/gowalla.db ]; then
  echo "--- Gowalla item embeddings (bpr_train), inner product, user embeddings as queries"
  OUT=build/knn_bench_gowalla /usr/bin/python3 bench/knn/bench.py "$lib" "$root/$vec0" build/gowalla.db
fi
