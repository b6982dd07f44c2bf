#!/bin/sh
# bench/auto/run.sh LIB DATA [FAMILIES]: the model-choice table of one data set.
#
# DATA: gowalla | yelp | ml100k. Loads the split into build/auto_<DATA>.db
# (gowalla and the Yelp2018 sample: their train/test files; ML-100K: every
# rating as an interaction, a per-user 80/20 split by a fixed hash of
# (user, item) with Python's seeded shuffle), then prints one line per family with its documented
# defaults (bpr, ccl, softmax by bpr_train; EASE at its default lambda and
# at 50, 200, 500, 1000 when the catalog has under 20,000 items; Swing and
# itemcf through i2i_recommend): test Recall@20, NDCG@20, seconds; then
# auto_train with its defaults on the same train split: what it chose, its
# test figures and seconds. The test split is never seen by auto_train.
# FAMILIES (default all) limits the per-family lines, e.g. "auto" alone.
set -eu
lib=$1; data=$2; fams=${3:-"swing itemcf ease bpr ccl softmax auto"}
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${SHARED:-$root/../shared/data}
db=$root/build/auto_$data.db
sq() { sqlite3 "$db" -cmd ".load $lib" "$@"; }
if [ ! -f "$db" ]; then
  case $data in
    gowalla|yelp)
      dir=$shared/gowalla; [ "$data" = yelp ] && dir=$shared/yelp2018-sample
      sqlite3 "$db" "CREATE TABLE train_lines(line TEXT); CREATE TABLE test_lines(line TEXT);" \
        ".import --csv $dir/train.txt train_lines" ".import --csv $dir/test.txt test_lines" \
        ".read $root/sql/load_adjacency.sql" ;;
    ml100k)
      /usr/bin/python3 - "$shared/ml-100k/u.data" "$db.train.tsv" "$db.test.tsv" <<'PY'
import random, sys
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    u, i, _r, _t = line.split('\t')
    rows[int(u)].append(int(i))
with open(sys.argv[2], 'w') as tr, open(sys.argv[3], 'w') as te:
    for u in sorted(rows):
        items = sorted(rows[u])
        random.Random(u * 1000003 + 42).shuffle(items)
        cut = len(items) // 5
        for i in items[:cut]: te.write(f"{u}\t{i}\n")
        for i in items[cut:]: tr.write(f"{u}\t{i}\n")
PY
      sqlite3 "$db" "CREATE TABLE train(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID; CREATE TABLE test(user INTEGER, item INTEGER, PRIMARY KEY (user, item)) WITHOUT ROWID;" \
        ".mode tabs" ".import $db.train.tsv train" ".import $db.test.tsv test" ;;
    *) echo "unknown data set $data" >&2; exit 2 ;;
  esac
fi
items=$(sq "SELECT count(DISTINCT item) FROM train")
eval_sql="SELECT printf('%.4f %.4f', avg(r), avg(n)) FROM (SELECT coalesce(rec.user, t.user) AS u,
  recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r, ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item GROUP BY u)"
now() { date +%s.%N; }
line() { printf '%-8s %-28s %s  %6.1f s\n' "$1" "$2" "$3" "$4"; }
# one family: $1 name, $2 settings shown, $3 fit statement, $4 recommend SELECT
run() {
  t0=$(now); sq "$3" >/dev/null; t1=$(now)
  sq "DROP TABLE IF EXISTS rec" "CREATE TABLE rec AS $4" >/dev/null
  line "$1" "$2" "$(sq "$eval_sql")" "$(echo "$t1 - $t0" | bc)"
}
i2i="SELECT * FROM i2i_recommend('train', 'b_sim', 20)"
fac="SELECT * FROM recommend('b_users', 'b_items', 20, 'train')"
echo "== $data: $(sq "SELECT count(*) || ' train pairs, ' || count(DISTINCT user) || ' users, ' FROM train")$items items"
for f in $fams; do
  case $f in
    swing|itemcf)
      run $f default "DROP TABLE IF EXISTS b_sim; CREATE TABLE b_sim AS SELECT item_a, item_b, score AS weight FROM ${f}_sim('train');" "$i2i" ;;
    ease)
      if [ "$items" -lt 20000 ]; then
        for l in default 50 200 500 1000; do
          o='{}'; [ $l = default ] || o="{\"lambda\": $l}"
          run ease "lambda $l" "SELECT ease_train('train', 'b', '$o');" "$i2i"
        done
      fi ;;
    bpr|ccl|softmax)
      run $f default "SELECT bpr_train('train', 'b', '{\"loss\": \"$f\"}');" "$fac" ;;
    auto)
      t0=$(now); j=$(sq "SELECT auto_train('train', 'a', '{\"verbose\": true}');"); t1=$(now)
      rec=$(echo "$j" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['recommend'])")
      what=$(echo "$j" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); s=d['settings']; print(d['family'] + ' ' + ','.join('%s=%s' % (k, v) for k, v in s.items() if k not in ('seed', 'threads')))")
      sq "DROP TABLE IF EXISTS rec" "CREATE TABLE rec AS $rec" >/dev/null
      line auto "chose $what" "$(sq "$eval_sql")" "$(echo "$t1 - $t0" | bc)"
      echo "$j" > "$db.auto.json" ;;
  esac
done
