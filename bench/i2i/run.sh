#!/bin/sh
# i2i_recommend against the SQL join of the old sql/gowalla_itemsim.sql, on
# the Gowalla split (../shared/data/gowalla): speed and identical lists.
# Prints figures; asserts nothing.
#   bench/i2i/run.sh build/recsql.so
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
cd "$root"
db=build/gowalla_i2i.db
rm -f "$db"
printf '%s\n' "CREATE TABLE train_lines(line TEXT); CREATE TABLE test_lines(line TEXT);" \
  ".import --csv ../shared/data/gowalla/train.txt train_lines" \
  ".import --csv ../shared/data/gowalla/test.txt test_lines" \
  ".read sql/load_adjacency.sql" | sqlite3 -batch "$db"
/usr/bin/python3 bench/i2i/bench.py "$lib" "$db"
