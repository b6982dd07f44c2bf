#!/bin/sh
# BPR-MF on Gowalla, end to end in SQL (sql/gowalla_bpr.sql: quality and
# times), then sampling, training and recommending speed against peers
# (bench.py). Installs its peers (Debian python3-faiss, python3-numpy).
#   bench/bpr/run.sh build/recsql.so
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
missing=""
for p in python3-faiss python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq $missing
fi
cd "$root"
db=build/gowalla_bench.db
rm -f "$db"
echo "--- sql/gowalla_bpr.sql"
sqlite3 -batch "$db" -cmd ".load $lib" < sql/gowalla_bpr.sql 2> build/gowalla_bpr.log
tail -1 build/gowalla_bpr.log
echo "--- speed"
/usr/bin/python3 bench/bpr/bench.py "$lib" "$db"
