#!/bin/sh
# item2vec_train against gensim's Word2Vec (Debian python3-gensim): speed on
# ML-100k and Gowalla, next-item quality and cold start on ML-100k
# (bench.py says exactly how). Prints figures; asserts nothing.
#   bench/item2vec/run.sh build/recsql.so [speed|quality|cold ...]
# REPEAT (3): runs per speed figure; EPOCHS (20): epochs of the quality runs.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
missing=""
for p in python3-gensim python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq $missing
fi
/usr/bin/python3 "$root/bench/item2vec/bench.py" "$lib" "$@"
