#!/bin/sh
# Training speed of two builds of recsql, interleaved (the cost of the
# race-free Hogwild updates, docs/operations.md): bpr_train with loss bce and
# triplet on Gowalla (10 epochs), item2vec_train on ML-100k (20 epochs; plain
# and EGES with genres and decade as side information). Each run is one
# sqlite3 process; prints per point and build the medians of REPEAT runs of
# the training wall seconds (the summary's "seconds") and of the process's
# CPU seconds (user + system: reading the source and writing the tables
# included), then new / old. Asserts nothing about time.
#
#   bench/hogwild/run.sh OLD.so NEW.so
#
# REPEAT (5), THREADS (2), ONLY (names of points, e.g. "bce eges"), RUNS=1
# also prints every run. Data: ../shared/data/{gowalla,ml-100k}, loaded
# once into build/hogwild_bench/ (Gowalla with sql/load_adjacency.sql).
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
old=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
new=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
REPEAT=${REPEAT:-5}
THREADS=${THREADS:-2}
cd "$root"
dir=build/hogwild_bench
mkdir -p "$dir"
if [ ! -f "$dir/gowalla.db" ]; then
  sqlite3 -batch "$dir/gowalla.tmp" <<SQL
.bail on
CREATE TABLE train_lines(line TEXT);
CREATE TABLE test_lines(line TEXT);
.import --csv ../shared/data/gowalla/train.txt train_lines
.import --csv ../shared/data/gowalla/test.txt test_lines
.read sql/load_adjacency.sql
SQL
  mv "$dir/gowalla.tmp" "$dir/gowalla.db"
fi
if [ ! -f "$dir/ml.db" ]; then
  /usr/bin/python3 - "$dir/ml.tmp" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE ev(user INTEGER, item INTEGER, time INTEGER)")
db.executemany("INSERT INTO ev VALUES (?, ?, ?)",
               [tuple(map(int, l.split()))[:2] + (int(l.split()[3]),) for l in open("../shared/data/ml-100k/u.data")])
db.execute("CREATE TABLE side(item INTEGER, field TEXT, value TEXT)")
for l in open("../shared/data/ml-100k/u.item", encoding="latin-1"):
    f = l.rstrip("\n").split("|")
    rows = [(int(f[0]), "genre", str(g)) for g, v in enumerate(f[5:]) if v == "1"]
    rows += [(int(f[0]), "decade", f[2][-4:-1])] if f[2] else []
    db.executemany("INSERT INTO side VALUES (?, ?, ?)", rows)
db.commit()
PY
  mv "$dir/ml.tmp" "$dir/ml.db"
fi
T=$THREADS
POINTS="bce gowalla bpr_train('train', 'm', '{\"loss\": \"bce\", \"epochs\": 10, \"threads\": $T, \"seed\": 1}')
triplet gowalla bpr_train('train', 'm', '{\"loss\": \"triplet\", \"epochs\": 10, \"threads\": $T, \"seed\": 1}')
item2vec ml item2vec_train('ev', 'm', '{\"epochs\": 20, \"threads\": $T, \"seed\": 1}')
eges ml item2vec_train('ev', 'm', '{\"epochs\": 20, \"threads\": $T, \"seed\": 1, \"side_info\": \"side\"}')"
# run LIB DB CALL: prints "wall cpu"
run() {
  s=$(/usr/bin/time -o "$dir/time" -f '%U %S' sqlite3 -batch "$dir/$2.db" -cmd ".load $1" "SELECT $3 ->> 'seconds'")
  echo "$s $(awk '{print $1 + $2}' "$dir/time")"
}
med() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "threads $T, $REPEAT interleaved runs each, medians; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %9s %9s %9s %9s %10s %9s\n' point old_wall new_wall old_cpu new_cpu wall_ratio cpu_ratio
echo "$POINTS" | while read -r name db call; do
  case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
  : >"$dir/old.txt"
  : >"$dir/new.txt"
  r=0
  while [ $r -lt "$REPEAT" ]; do
    if [ $((r % 2)) -eq 0 ]; then
      run "$old" "$db" "$call" >>"$dir/old.txt"
      run "$new" "$db" "$call" >>"$dir/new.txt"
    else
      run "$new" "$db" "$call" >>"$dir/new.txt"
      run "$old" "$db" "$call" >>"$dir/old.txt"
    fi
    r=$((r + 1))
  done
  ow=$(cut -d' ' -f1 "$dir/old.txt" | med) nw=$(cut -d' ' -f1 "$dir/new.txt" | med)
  oc=$(cut -d' ' -f2 "$dir/old.txt" | med) nc=$(cut -d' ' -f2 "$dir/new.txt" | med)
  printf '%-9s %9.2f %9.2f %9.2f %9.2f %10.3f %9.3f\n' "$name" "$ow" "$nw" "$oc" "$nc" \
    "$(echo "$nw / $ow" | bc -l)" "$(echo "$nc / $oc" | bc -l)"
  [ -z "$RUNS" ] || { echo "  old: $(tr '\n' ';' <"$dir/old.txt")"; echo "  new: $(tr '\n' ';' <"$dir/new.txt")"; }
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
