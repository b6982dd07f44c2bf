#!/bin/sh
# Runs the host examples and compares their output with examples/*.expected:
# the C program linked with build/librecsql.a, Python's sqlite3 module, and
# Node with better-sqlite3 12 (installed into build/node on first use; skipped
# with a note when Node 20+ and npm are not there).
#   tests/run_examples.sh            (after make and make static)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fail=0
check() { # name, command...
  name=$1; shift
  if "$@" > "build/$name.out" 2>&1 && diff -u "examples/$name.expected" "build/$name.out"; then
    echo "ok   example $name"
  else
    echo "FAIL example $name"; cat "build/$name.out"; fail=1
  fi
}
${CC:-cc} -Wall -Wextra -o build/static_demo examples/static_demo.c build/librecsql.a -lsqlite3 -lopenblas -lm -lpthread \
  && check static_demo build/static_demo || fail=1
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
check python_demo "$PY" examples/python_demo.py build/recsql
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -ge 20 ] && command -v npm > /dev/null; then
  if [ ! -d build/node/node_modules/better-sqlite3 ]; then
    mkdir -p build/node
    (cd build/node && npm init -y > /dev/null && npm install --no-audit --no-fund better-sqlite3@12 > npm.log 2>&1) \
      || { echo "FAIL example node_demo: npm install better-sqlite3@12 failed (build/node/npm.log)"; fail=1; }
  fi
  [ -d build/node/node_modules/better-sqlite3 ] && NODE_PATH=build/node/node_modules check node_demo node examples/node_demo.js build/recsql
else
  echo "skip example node_demo: needs Node.js 20 or newer with npm"
fi
# the demo (make demo): runs to the end, every step printed
if examples/run_quickstart.sh build/recsql.so > build/quickstart.out 2>&1 && grep -q '^== done in' build/quickstart.out \
   && [ "$(grep -c '^== [0-9]\.' build/quickstart.out)" -eq 9 ]; then
  echo "ok   example quickstart (make demo)"
else
  echo "FAIL example quickstart"; cat build/quickstart.out; fail=1
fi
# the pictures: three PNG files rendered from SQL output
if examples/plots.sh build/recsql.so build/plots > build/plots.out 2>&1 \
   && [ "$(wc -l < build/plots/curve.dat)" -eq 9 ] && [ -s build/plots/training_curve.png ] && [ -s build/plots/roc.png ] \
   && [ "$(head -c 4 build/plots/roc.png | tail -c 3)" = "PNG" ] && [ "$(head -c 4 build/plots/pr.png | tail -c 3)" = "PNG" ] \
   && [ "$(wc -l < build/plots/pr.dat)" -eq 500 ]; then
  echo "ok   example plots (build/plots/training_curve.png, build/plots/roc.png, build/plots/pr.png)"
else
  echo "FAIL example plots"; cat build/plots.out; fail=1
fi
exit $fail
