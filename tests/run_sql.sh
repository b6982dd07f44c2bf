#!/bin/sh
# Runs every tests/sql/*.sql through the real sqlite3 shell with the
# extension loaded and compares the output (stdout and stderr) with
# tests/sql/<name>.expected.
#
#   tests/run_sql.sh build/recsql.so [name ...]
#
# Each script runs in a fresh temporary directory (so it may create database
# files) where `data` links to tests/data. Error lines are normalized so that
# shells of other versions print the same: "Error: <message>".
# SANITIZE=1 preloads AddressSanitizer into the shell.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1" .so)
shift
names="$*"
[ -n "$names" ] || names=$(cd "$root/tests/sql" && ls *.sql | sed 's/\.sql$//')

preload=""
if [ "${SANITIZE:-}" = "1" ]; then
  preload="$(${CC:-gcc} -print-file-name=libasan.so)"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
  export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi

fail=0
total=0
for n in $names; do
  total=$((total + 1))
  tmp=$(mktemp -d)
  ln -s "$root/tests/data" "$tmp/data"
  ( cd "$tmp" && LD_PRELOAD="$preload" sqlite3 -batch :memory: -cmd ".load $lib" \
      < "$root/tests/sql/$n.sql" > "$tmp/out.raw" 2>&1 )
  status=$?
  sed -E -e 's/^(Parse|Runtime) error near line [0-9]+: /Error: /' \
         -e 's/^Error: near line [0-9]+: /Error: /' "$tmp/out.raw" > "$tmp/out"
  if [ "${UPDATE:-}" = "1" ]; then
    cp "$tmp/out" "$root/tests/sql/$n.expected"
  fi
  if grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" "$tmp/out"; then
    echo "FAIL $n (sanitizer report)"; cat "$tmp/out"; fail=$((fail + 1))
  elif [ $status -gt 1 ] && [ $status -ne 1 ]; then
    echo "FAIL $n (shell exit status $status)"; tail -20 "$tmp/out"; fail=$((fail + 1))
  elif ! diff -u "$root/tests/sql/$n.expected" "$tmp/out" > "$tmp/diff"; then
    echo "FAIL $n"; cat "$tmp/diff"; fail=$((fail + 1))
  else
    echo "ok   $n"
  fi
  rm -rf "$tmp"
done
echo "sql tests: $((total - fail)) of $total passed"
[ $fail -eq 0 ]
