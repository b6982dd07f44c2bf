#!/bin/sh
# Runs every benchmark: bench/*/run.sh, each given the extension path ($1).
# Benchmarks print figures (ratios against peers measured in the same run);
# they never assert timings. Peers are installed by the scripts themselves.
#   make bench                     all of them
#   bench/<topic>/run.sh build/recsql.so   one of them
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
for s in "$root"/bench/*/run.sh; do
  echo "=== $(basename "$(dirname "$s")")"
  "$s" "$lib"
done
