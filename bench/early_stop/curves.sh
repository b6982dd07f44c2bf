#!/bin/sh
# The curves behind the early-stopping rule (docs/training.md): for each
# loss, two runs with evaluation after every epoch and no stopping:
#   val   "validation": 0.1 (what the stopping rule sees)
#   test  "validation_source": the test split, every test user (the test
#         Recall@20 a refit of E epochs gets: the same schedule on all of
#         train, stopped at E)
# Prints CSV rows: data,loss,curve,epoch,recall,seconds. Asserts nothing.
#   bench/early_stop/curves.sh build/recsql.so ml-100k [bpr ccl softmax]
# Uses the databases of bench/early_stop/run.sh (run it once first, or
# POINTS= bench/early_stop/run.sh LIB DATA to only build them).
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
name=$2
shift 2
cd "$root"
db=build/early_stop_$name.db
[ -f "$db" ] || { echo "run POINTS= bench/early_stop/run.sh $lib $name first" >&2; exit 2; }
for loss in ${*:-bpr ccl softmax}; do
  for curve in val test; do
    if [ $curve = val ]; then v='"validation": 0.1'; else v='"validation_source": "test", "validation_users": 4294967295'; fi
    run=build/early_stop_curve_$$.db
    cp "$db" "$run"
    sqlite3 -batch "$run" -cmd ".load $lib" \
      "SELECT bpr_train('train', 'm', '{\"loss\": \"$loss\", $v, \"eval_every\": 1, \"patience\": 0, \"refit\": false}')" |
      /usr/bin/python3 -c "
import json, sys
s = json.load(sys.stdin)
for p in s['validation']['curve']:
    print('$name,$loss,$curve,%d,%.6f,%.3f' % (p['epoch'], p['recall'], p['seconds']))"
    rm -f "$run"
  done
done
