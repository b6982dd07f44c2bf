#!/bin/sh
# Training time of the losses whose epochs are matrix products (softmax,
# ccl) with recsql's own sgemm kernels (the default, no variable set)
# against OpenBLAS with each core type (RECSQL_BLAS=openblas,
# OPENBLAS_CORETYPE=..., OPENBLAS_NUM_THREADS=1 so that the trainer's own
# threads are the only ones), the same build and data. Each point is one
# sqlite3 process training EPOCHS (default 5) epochs with the loss's defaults,
# 2 threads; the
# configurations are interleaved (A B C ... A B C ...) REPEATS times
# (default 5) and the medians printed: training wall seconds (bpr_train's
# summary) and the process's CPU seconds (user + system; the figure to
# compare on a shared machine). Asserts nothing.
#
#   bench/blas/train.sh build/recsql.so
#
# Data: ml-100k ratings >= 4 (built by bench/early_stop/run.sh into
# build/ml-100k/ if missing) and the first 852 users of the Yelp2018 sample
# (../shared/data/yelp2018-sample/train.txt). CORES="Cooperlake SkylakeX
# Haswell Prescott" chooses the OpenBLAS core types; LOSSES="softmax ccl".
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
cd "$root"
repeats=${REPEATS:-5}
epochs=${EPOCHS:-5}
cores=${CORES:-Cooperlake SkylakeX Haswell Prescott}
losses=${LOSSES:-softmax ccl}
mkdir -p build/blas_train
if [ ! -f build/ml-100k/train.txt ]; then
  echo "making build/ml-100k (bench/early_stop/run.sh's split)" >&2
  POINTS="x={\"epochs\": 1}" sh bench/early_stop/run.sh "$1" ml-100k >/dev/null
fi
load() { # db train.txt [max lines]
  [ -f "$1" ] && return 0
  head -n "${3:-100000000}" "$2" > "$1.txt"
  sqlite3 -batch "$1.tmp" <<SQL
.bail on
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv $1.txt train_lines
.read sql/load_adjacency.sql
SQL
  mv "$1.tmp" "$1"
  rm -f "$1.txt"
}
load build/blas_train/ml100k.db build/ml-100k/train.txt
load build/blas_train/yelp852.db ../shared/data/yelp2018-sample/train.txt 852
out=build/blas_train/runs.txt
: > "$out"
run() { # data loss label env...
  d=$1 loss=$2 label=$3
  shift 3
  db=build/blas_train/run.db
  cp "build/blas_train/$d.db" "$db"
  t=$( { env "$@" /usr/bin/time -f 'CPU %U %S' sqlite3 -batch "$db" -cmd ".load $lib" \
    "SELECT json_extract(bpr_train('train', 'm', '{\"loss\": \"$loss\", \"epochs\": $epochs, \"threads\": 2}'), '\$.seconds')"; } 2>&1)
  wall=$(echo "$t" | head -1)
  cpu=$(echo "$t" | awk '/^CPU/ { print $2 + $3 }')
  echo "$d $loss $label $wall $cpu" >> "$out"
  rm -f "$db"
}
i=0
while [ "$i" -lt "$repeats" ]; do
  for d in ml100k yelp852; do
    for loss in $losses; do
      run "$d" "$loss" recsql RECSQL_BLAS=auto
      for c in $cores; do
        run "$d" "$loss" "openblas-$c" RECSQL_BLAS=openblas OPENBLAS_CORETYPE="$c" OPENBLAS_NUM_THREADS=1
      done
    done
  done
  i=$((i + 1))
done
printf '%-8s %-8s %-22s %9s %9s %6s\n' data loss blas wall_s cpu_s runs
/usr/bin/python3 - "$out" <<'PY'
import sys, statistics
from collections import defaultdict
w, c = defaultdict(list), defaultdict(list)
for line in open(sys.argv[1]):
    d, loss, label, wall, cpu = line.split()
    w[(d, loss, label)].append(float(wall))
    c[(d, loss, label)].append(float(cpu))
for k in w:
    print(f"{k[0]:8s} {k[1]:8s} {k[2]:22s} {statistics.median(w[k]):9.2f} {statistics.median(c[k]):9.2f} {len(w[k]):6d}")
PY
