#!/bin/sh
# Runs each libFuzzer harness for a set time and prints one summary line per
# harness (executions, seconds, corpus size).
#
#   tests/fuzz/run.sh build/fuzz 60 values options tvf
#
# Each harness starts from the committed corpus tests/fuzz/corpus/<name> and
# writes new inputs to <dir>/corpus/<name> (make fuzz-merge folds them into
# the committed corpus). A crash leaves <dir>/artifacts/<name>-crash-* and
# makes the script fail; reproduce with <dir>/fuzz_<name> <that file>.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1; seconds=$2; shift 2
export OPENBLAS_NUM_THREADS=1
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fail=0
for h in "$@"; do
  mkdir -p "$dir/corpus/$h" "$dir/artifacts" "$root/tests/fuzz/corpus/$h"
  dict=""
  [ -f "$root/tests/fuzz/$h.dict" ] && dict="-dict=$root/tests/fuzz/$h.dict"
  log="$dir/$h.log"
  "$dir/fuzz_$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=4096 \
      -print_final_stats=1 $dict -artifact_prefix="$dir/artifacts/$h-" \
      "$dir/corpus/$h" "$root/tests/fuzz/corpus/$h" > "$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  units=$(ls "$dir/corpus/$h" "$root/tests/fuzz/corpus/$h" | grep -vc ':$')
  if [ $status -ne 0 ]; then
    echo "FAIL fuzz $h (exit $status): see $log"; tail -40 "$log"; fail=1
  else
    echo "ok   fuzz $h: ${runs:-?} executions in ${secs:-?} s, corpus $units inputs"
  fi
done
exit $fail
