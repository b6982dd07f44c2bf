#!/bin/sh
# Scale figures: for each size, time and peak RSS of each step, each in its
# own sqlite3 process (so peak RSS is that step's alone):
#   gen        the synthetic table (bench/scale/gen.c)
#   neg_samples one pass (n_neg 1) over behavior
#   bpr_train  one epoch, dim 64 (writes m_users, m_items)
#   swing_sim  top-50 per item, caps max_user_items 200, max_item_users 500
#   knn build  knn_index hnsw over the item vectors (m 16, ef_construction 64)
#   recommend  through knn_index for 100k users (k 50) into rec
#   metrics    hit_rate_at_k, recall_at_k, ndcg_at_k over rec against behavior
#   bench/scale/run.sh build/recsql.so build/bench/scale_gen 1000000 10000000
# Databases go to SCALE_DIR (default build/scale). Prints a table (wall and
# CPU seconds, peak RSS); asserts nothing.
set -e
lib=$1; gen=$2; shift 2
dir=${SCALE_DIR:-build/scale}
mkdir -p "$dir"
printf '%-12s %-12s %9s %9s %12s\n' size step seconds cpu_s peak_RSS_MB
step() { # size name sql
  out=$( { /usr/bin/time -f '%e %U %S %M' sqlite3 -batch "$db" -cmd ".load ${lib%.so}" "$3" >/dev/null; } 2>&1 | tail -1)
  set -- "$1" "$2" $out
  printf '%-12s %-12s %9.1f %9.1f %12.0f\n' "$1" "$2" "$3" "$(awk "BEGIN { print $4 + $5 }")" "$(($6 / 1024))"
}
for n in "$@"; do
  db=$dir/scale_$n.db
  if [ ! -f "$db" ]; then
    out=$( { /usr/bin/time -f '%e %U %S %M' "$gen" "$db.tmp" "$n" >/dev/null; } 2>&1 | tail -1)
    mv "$db.tmp" "$db"
    set -- "$n" $out
    printf '%-12s %-12s %9.1f %9.1f %12.0f\n' "$1" gen "$2" "$(awk "BEGIN { print $3 + $4 }")" "$(($5 / 1024))"
  fi
  step "$n" neg_samples "SELECT count(*) FROM neg_samples('behavior', 1)"
  step "$n" bpr_train "SELECT bpr_train('behavior', 'm', '{\"epochs\": 1, \"dim\": 64}')"
  step "$n" swing_sim "DROP TABLE IF EXISTS sim; CREATE TABLE sim AS SELECT * FROM swing_sim('behavior', 1.0, 50, 0.3, 0.0, 200, 500)"
  step "$n" knn_build "DROP TABLE IF EXISTS idx; CREATE VIRTUAL TABLE idx USING knn_index(dim=64, metric=ip, index=hnsw); INSERT INTO idx(rowid, embedding) SELECT id, emb FROM m_items"
  step "$n" recommend "DROP TABLE IF EXISTS rec; CREATE TABLE rec AS SELECT u.id AS user, x.rowid AS item, -x.distance AS score FROM (SELECT id, emb FROM m_users ORDER BY id LIMIT 100000) u JOIN idx x ON x.embedding MATCH u.emb AND x.k = 50"
  step "$n" metrics "SELECT avg(h), avg(r), avg(g) FROM (SELECT hit_rate_at_k(score, hit, 50) AS h, recall_at_k(score, hit, 50) AS r, ndcg_at_k(score, hit, 50) AS g FROM (SELECT rec.user, rec.score, EXISTS (SELECT 1 FROM behavior b WHERE b.user = rec.user AND b.item = rec.item) AS hit FROM rec) GROUP BY user)"
done
