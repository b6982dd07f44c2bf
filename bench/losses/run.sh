#!/bin/sh
# Recall@20 against training time for each loss of bpr_train on the Gowalla
# split (../shared/data/gowalla): every point is a model trained for that many
# epochs with the loss's defaults, then top-20 recommended (train items
# excluded) and evaluated on the test split, as sql/gowalla_bpr.sql does.
#   bench/losses/run.sh build/recsql.so
# Points can be chosen: BPR_EPOCHS="25 50 100" SOFTMAX_EPOCHS="25 50 100"
# CCL_EPOCHS="10 30 100" (empty: that loss is skipped); EXTRA='"propagate": 1' (added to
# every options object).
# Prints a table; asserts nothing about time.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
cd "$root"
base=build/losses_base.db
if [ ! -f "$base" ]; then
  sqlite3 -batch "$base.tmp" <<'SQL'
.bail on
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv ../shared/data/gowalla/train.txt train_lines
.import --csv ../shared/data/gowalla/test.txt test_lines
.read sql/load_adjacency.sql
SQL
  mv "$base.tmp" "$base"
fi
extra=${EXTRA:+, $EXTRA}
printf '%-8s %6s %10s %10s %9s\n' loss epochs train_s Recall@20 NDCG@20
point() { # loss epochs
  db=build/losses_run.db
  cp "$base" "$db"
  secs=$(sqlite3 -batch "$db" -cmd ".load $lib" \
    "SELECT json_extract(bpr_train('train', 'm', '{\"loss\": \"$1\", \"epochs\": $2$extra}'), '\$.seconds')")
  sqlite3 -batch "$db" -cmd ".load $lib" <<SQL
.bail on
CREATE TABLE rec AS SELECT * FROM recommend('m_users', 'm_items', 20, 'train');
SELECT printf('%-8s %6d %10.1f %10.4f %9.4f', '$1', $2, $secs, avg(r), avg(n)) FROM (
  SELECT coalesce(rec.user, t.user) AS u, recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item GROUP BY u);
SQL
  rm -f "$db"
}
for e in ${BPR_EPOCHS-25 50 100}; do point bpr "$e"; done
for e in ${SOFTMAX_EPOCHS-25 50 100}; do point softmax "$e"; done
for e in ${CCL_EPOCHS-10 30 100}; do point ccl "$e"; done
