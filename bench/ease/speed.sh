#!/bin/sh
# ease_train against numpy/scipy on the same OpenBLAS, on the N most popular
# items of Gowalla train (default 20000), run one after the other (never two
# at once), each under /usr/bin/time -v for its peak RSS: recsql (ease_train
# on a database holding train), numpy float32 np.linalg.inv (Steck's code in
# float32), scipy spotrf+spotri (ease_train's algorithm), recsql again.
# Also the Recall@20 / NDCG@20 of the recsql model through i2i_recommend.
# On a shared machine, compare the CPU seconds (user + sys of the process,
# OpenBLAS's threads included) as well as the wall times. LAMBDA=x sets the
# peers' lambda when recsql does not run first.
# Prints figures; asserts nothing.
#   bench/ease/speed.sh build/recsql.so [N] [peers]
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
n=${2:-20000}
peers=${3:-"recsql inv32 potri32 recsql"}
cd "$root"
db=build/gowalla_ease.db
if [ ! -f "$db" ]; then
  printf '%s\n' "CREATE TABLE train_lines(line TEXT); CREATE TABLE test_lines(line TEXT);" \
    ".import --csv ../shared/data/gowalla/train.txt train_lines" \
    ".import --csv ../shared/data/gowalla/test.txt test_lines" \
    ".read sql/load_adjacency.sql" | sqlite3 -batch "$db"
fi
sqlite3 -batch "$db" "SELECT user, item FROM train" > build/gowalla_pairs.txt
# lambda: ease_train's default on these items, so that both solve the same system
lam=${LAMBDA:-}
for p in $peers; do
  if [ "$p" = recsql ]; then
    /usr/bin/time -v -o build/ease_time.txt sqlite3 -batch "$db" -cmd ".load $lib" \
      "SELECT ease_train('train', 'e', json_object('max_items', $n, 'verbose', 1))" > build/ease_out.txt
    cat build/ease_out.txt
    lam=$(sed -n 's/.*"lambda":\([0-9.e+]*\).*/\1/p' build/ease_out.txt)
  else
    /usr/bin/time -v -o build/ease_time.txt /usr/bin/python3 bench/ease/numpy_peer.py build/gowalla_pairs.txt "$n" "${lam:-100}" "$p"
  fi
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' build/ease_time.txt)
  cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' build/ease_time.txt | paste -sd+ | bc)
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' build/ease_time.txt)
  echo "  $p: wall $wall, CPU (user + sys) $cpu s, peak RSS $rss kB = $(echo "$rss * 1024 / ($n * $n * 4)" | bc -l | cut -c1-5) x n²·4 bytes"
done
sqlite3 -batch "$db" -cmd ".load $lib" "SELECT printf('recsql model: Recall@20 %.4f  NDCG@20 %.4f', avg(r), avg(n)) FROM (
  SELECT coalesce(rec.user, t.user) AS u, recall_at_k(rec.score, t.item IS NOT NULL, 20) AS r,
         ndcg_at_k(rec.score, t.item IS NOT NULL, 20) AS n
  FROM (SELECT * FROM i2i_recommend('train', 'e_sim', 20)) rec FULL JOIN test t ON rec.user = t.user AND rec.item = t.item
  GROUP BY u)"
