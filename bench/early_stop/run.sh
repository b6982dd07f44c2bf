#!/bin/sh
# Early stopping against the fixed-epoch defaults of bpr_train, per loss, on
# a data set: each point trains once with the given options, recommends the
# top 20 (train items excluded) and evaluates on the test split, the protocol
# of sql/gowalla_bpr.sql. Prints data set, label, training wall seconds (as
# the summary reports them: validation and refit included), the CPU seconds
# (user + system) of the process that trained (the figure to compare on a
# loaded machine), epochs run, chosen epoch, Recall@20 and NDCG@20. Asserts
# nothing about time.
#
#   bench/early_stop/run.sh build/recsql.so gowalla
#   bench/early_stop/run.sh build/recsql.so yelp2018-sample
#   bench/early_stop/run.sh build/recsql.so ml-100k
#
# Data sets: ../shared/data/<name>/{train,test}.txt (adjacency lines); for
# ml-100k a split is built once into build/ml-100k/: every rating >= 4 of
# u.data, 20% of each user's items (seeded, numpy) to test, the rest to train
# (users with fewer than 5 such ratings keep all in train).
# Points: POINTS="label=options;label=options" (options: a JSON object body),
# default: each loss with its defaults (fixed epochs), then with
# "validation": 0.1 and "refit": false (early stopping alone, the best
# evaluation's model), then "validation": 0.1 with the default refit.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
name=${2:-gowalla}
cd "$root"
data=../shared/data/$name
if [ "$name" = ml-100k ]; then
  data=build/ml-100k
  if [ ! -f "$data/test.txt" ]; then
    mkdir -p "$data"
    /usr/bin/python3 - "$data" <<'PY'
import sys, numpy as np
out = sys.argv[1]
r = np.loadtxt('../shared/data/ml-100k/u.data', dtype=np.int64)
r = r[r[:, 2] >= 4]
rng = np.random.default_rng(2024)
train, test = {}, {}
for u in np.unique(r[:, 0]):
    items = r[r[:, 0] == u, 1].copy()
    rng.shuffle(items)
    n_test = int(round(0.2 * len(items))) if len(items) >= 5 else 0
    test[u], train[u] = items[:n_test], items[n_test:]
for fn, d in (('train.txt', train), ('test.txt', test)):
    with open(f'{out}/{fn}', 'w') as f:
        for u in sorted(d):
            if len(d[u]): f.write(' '.join(map(str, [u] + sorted(d[u].tolist()))) + '\n')
PY
  fi
fi
base=build/early_stop_$name.db
if [ ! -f "$base" ]; then
  sqlite3 -batch "$base.tmp" <<SQL
.bail on
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv $data/train.txt train_lines
.import --csv $data/test.txt test_lines
.read sql/load_adjacency.sql
SQL
  mv "$base.tmp" "$base"
fi
P='"validation": 0.1'
POINTS=${POINTS-"bpr={\"loss\": \"bpr\"};bpr-es={\"loss\": \"bpr\", $P, \"refit\": false};bpr-es-refit={\"loss\": \"bpr\", $P};ccl={\"loss\": \"ccl\"};ccl-es={\"loss\": \"ccl\", $P, \"refit\": false};ccl-es-refit={\"loss\": \"ccl\", $P};softmax={\"loss\": \"softmax\"};softmax-es={\"loss\": \"softmax\", $P, \"refit\": false};softmax-es-refit={\"loss\": \"softmax\", $P}"}
printf '%-16s %-17s %8s %8s %6s %6s %9s %9s\n' data label wall_s cpu_s epochs best Recall@20 NDCG@20
echo "$POINTS" | tr ';' '\n' | while IFS= read -r pt; do
  [ -n "$pt" ] || continue
  label=${pt%%=*}
  opts=${pt#*=}
  db=build/early_stop_run_$$.db
  cp "$base" "$db"
  sum=$(/usr/bin/time -o "$db.time" -f '%U %S' sqlite3 -batch "$db" -cmd ".load $lib" "SELECT bpr_train('train', 'm', '$opts')")
  cpu=$(awk '{print $1 + $2}' "$db.time")
  sqlite3 -batch "$db" -cmd ".load $lib" <<SQL
.bail on
CREATE TABLE rec AS SELECT * FROM recommend('m_users', 'm_items', 20, 'train');
SELECT printf('%-16s %-17s %8.1f %8.1f %6d %6s %9.4f %9.4f', '$name', '$label',
  json_extract('$sum', '\$.seconds'), $cpu, json_extract('$sum', '\$.epochs'),
  coalesce(json_extract('$sum', '\$.validation.best_epoch'), '-'), avg(r), avg(n)) FROM (
  SELECT coalesce(rec.user, t.user) AS u, recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item GROUP BY u);
SQL
  [ -z "$KEEP_SUMMARY" ] || echo "$sum" >&2
  rm -f "$db" "$db.time"
done
