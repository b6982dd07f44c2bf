#!/bin/sh
# Installs the Debian/Ubuntu packages recsql needs when they are missing.
# Used by `make test` and `make demo`; safe to run again (it does nothing
# when everything is there).
set -e
# clang-14 and libclang-rt-14-dev: the libFuzzer harnesses (make fuzz, tests/reliability.mk)
# locales: a comma-decimal locale (de_DE.UTF-8) for tests/unit/test_vectext.c
# python3-pip .. python3-distributed: the Python package and its tests (make packages)
PKGS="build-essential libsqlite3-dev sqlite3 libopenblas-dev libcmocka-dev python3 gnuplot-nox clang-14 libclang-rt-14-dev locales python3-pip python3-venv python3-setuptools python3-wheel python3-numpy python3-distributed python3-sklearn"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ -n "$missing" ]; then
  echo "recsql: installing missing packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq $missing
fi
# the comma-decimal locale the vectext test switches to (LC_NUMERIC)
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  echo "recsql: generating the de_DE.UTF-8 locale"
  $SUDO sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  $SUDO locale-gen >/dev/null
fi
