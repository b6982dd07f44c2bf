#!/bin/sh
# Installs the Debian/Ubuntu packages recsql needs when they are missing.
# Used by `make test` and `make demo`; safe to run again (it does nothing
# when everything is there).
set -e
# clang-14 and libclang-rt-14-dev: the libFuzzer harnesses (make fuzz, tests/reliability.mk)
# python3-pip .. python3-distributed: the Python package and its tests (make packages)
PKGS="build-essential libsqlite3-dev sqlite3 libopenblas-dev libcmocka-dev python3 gnuplot-nox clang-14 libclang-rt-14-dev python3-pip python3-venv python3-setuptools python3-wheel python3-numpy python3-distributed"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "recsql: installing missing packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq $missing
