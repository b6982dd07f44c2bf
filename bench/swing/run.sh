#!/bin/sh
# swing_sim and itemcf_sim on the Gowalla train split (../shared/data/gowalla):
# full top-50 tables on 2 threads (wall time, median of 3 runs, each on a
# fresh connection, so reading the source is included), item_a = ? latency
# for the 100 most popular items (median), then the quality of item-to-item
# recall (sql/gowalla_itemsim.sql: Recall@20 / NDCG@20, several minutes;
# QUICK=1 skips it). Prints figures; asserts nothing.
#   bench/swing/run.sh build/recsql.so
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
cd "$root"
db=build/gowalla_swing.db
rm -f "$db"
printf '%s\n' "CREATE TABLE train_lines(line TEXT); CREATE TABLE test_lines(line TEXT);" \
  ".import --csv ../shared/data/gowalla/train.txt train_lines" \
  ".import --csv ../shared/data/gowalla/test.txt test_lines" \
  ".read sql/load_adjacency.sql" | sqlite3 -batch "$db"
echo "--- speed"
/usr/bin/python3 bench/swing/bench.py "$lib" "$db"
if [ "${QUICK:-}" != "1" ]; then
  echo "--- quality: sql/gowalla_itemsim.sql"
  rm -f build/gowalla_itemsim.db
  sqlite3 -batch build/gowalla_itemsim.db -cmd ".load $lib" < sql/gowalla_itemsim.sql
fi
