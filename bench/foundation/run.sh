#!/bin/sh
# Foundation figures (issue 2): auc over 2M and 10M rows against
# scikit-learn's roc_auc_score, and sum(embed_dot(a, b)) over 1M pairs of
# 64-dim vectors against sqlite-vec 0.1.9's vec_distance_l2 (bench.py).
# Installs its peers: Debian python3-sklearn, python3-numpy, and sqlite-vec
# from npm into build/bench-npm. Prints figures; asserts no timing.
#   bench/foundation/run.sh build/recsql.so
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
missing=""
for p in python3-sklearn python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq $missing
fi
cd "$root"
npmdir=build/bench-npm
vec0=$npmdir/node_modules/sqlite-vec-linux-x64/vec0
if [ ! -f "$vec0.so" ] || ! grep -q '"version": *"0.1.9"' "$npmdir/node_modules/sqlite-vec/package.json" 2>/dev/null; then
  mkdir -p "$npmdir"
  npm install --prefix "$npmdir" --no-audit --no-fund --silent sqlite-vec@0.1.9
fi
/usr/bin/python3 bench/foundation/bench.py "$lib" "$root/$vec0" "$root/build"
