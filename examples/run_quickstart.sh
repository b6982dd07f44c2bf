#!/bin/sh
# Runs examples/quickstart.sql on the bundled Gowalla sample, in a fresh
# database under build/, with the extension given as $1 (build/recsql.so).
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
db="$root/build/quickstart.db"
rm -f "$db"
cd "$root"
sqlite3 -batch "$db" -cmd ".load $lib" < examples/quickstart.sql
echo "(database kept at build/quickstart.db)"
