#!/bin/sh
# Tests the Python and Node packages as a user installs them, offline:
#  - Python: `pip install --no-build-isolation --no-index .` into a venv of
#    the Debian Python (build/pyenv, --system-site-packages for numpy and
#    distributed), then tests/python (incl. recsql.shard on a Dask
#    LocalCluster of 2 worker processes);
#  - Node: `npm pack`, then `npm install --offline` of the tarball next to
#    better-sqlite3 12 in build/node (installed there on first use, as
#    tests/run_examples.sh does), then tests/node (skipped with a note
#    without Node 20+ and npm).
#   tests/run_packages.sh            (make packages)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p build
fail=0
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3

# ---- Python
if [ ! -x build/pyenv/bin/pip ]; then
  rm -rf build/pyenv
  "$PY" -m venv --system-site-packages build/pyenv > build/pyenv.log 2>&1 || { echo "FAIL python: venv (build/pyenv.log)"; cat build/pyenv.log; exit 1; }
fi
# RECSQL_BUILD_DIR=build: the package's make step reuses the objects of `make`
if RECSQL_BUILD_DIR=build build/pyenv/bin/pip install --no-build-isolation --no-index --no-deps --force-reinstall . \
     > build/pip.log 2>&1; then
  echo "ok   python: pip install . (build/pyenv)"
else
  echo "FAIL python: pip install . (build/pip.log)"; tail -30 build/pip.log; fail=1
fi
if [ $fail -eq 0 ]; then
  # from an empty directory, so that `import recsql` is the installed package
  # (not python/recsql, nor build/recsql.so)
  mkdir -p build/pytests
  if (cd build/pytests && ../pyenv/bin/python -m unittest discover -s "$root/tests/python" -t "$root/tests/python") > build/python_tests.log 2>&1; then
    echo "ok   python: tests/python ($(grep -o 'Ran [0-9]* tests' build/python_tests.log))"
  else
    echo "FAIL python: tests/python"; cat build/python_tests.log; fail=1
  fi
fi

# ---- Node
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -ge 20 ] && command -v npm > /dev/null; then
  if [ ! -d build/node/node_modules/better-sqlite3 ]; then
    mkdir -p build/node
    (cd build/node && { [ -f package.json ] || npm init -y > /dev/null; } && npm install --no-audit --no-fund better-sqlite3@12 > npm.log 2>&1) \
      || { echo "FAIL node: npm install better-sqlite3@12 failed (build/node/npm.log)"; exit 1; }
  fi
  version=$(node -p 'require("./package.json").version')
  rm -f "build/recsql-$version.tgz"
  if npm pack --pack-destination build > build/npm_pack.log 2>&1 \
     && (cd build/node && npm install --no-audit --no-fund --offline "../recsql-$version.tgz") > build/npm_install.log 2>&1 \
     && [ -f build/node/node_modules/recsql/build/recsql.so ]; then
    echo "ok   node: npm pack, npm install (build/node/node_modules/recsql)"
    if NODE_PATH=build/node/node_modules node --test tests/node/test_recsql.js > build/node_tests.log 2>&1; then
      echo "ok   node: tests/node ($(grep -o '^# pass [0-9]*' build/node_tests.log | sed 's/# //'))"
    else
      echo "FAIL node: tests/node"; cat build/node_tests.log; fail=1
    fi
  else
    echo "FAIL node: npm pack / npm install (build/npm_pack.log, build/npm_install.log)"
    tail -30 build/npm_pack.log build/npm_install.log; fail=1
  fi
else
  echo "skip node package: needs Node.js 20 or newer with npm"
fi
exit $fail
