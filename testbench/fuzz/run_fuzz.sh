#!/bin/sh
# Runs a libFuzzer target for a bounded time and run count.
#
#   run_fuzz.sh <fuzzer> <corpus-dir> <seconds> <max-runs> [max-len [libFuzzer args...]]
#
# Passes when the fuzzer finds no crash, leak, hang (-timeout) or sanitizer
# error; prints "fuzz: executions=N" (libFuzzer's run count). The corpus
# folder persists in the build tree, so later runs start from what earlier
# ones found. max-len (default 64) caps the input size; further arguments go
# to libFuzzer as they are (-dict=FILE, a seed folder read after the corpus).
# Crash inputs land in the current folder (crash-<sha1>).
set -u
fuzzer=$1
corpus=$2
seconds=$3
runs=$4
maxlen=${5:-64}
[ $# -ge 5 ] && shift 5 || shift $#
mkdir -p "$corpus"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$fuzzer" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
  -max_len="$maxlen" -print_final_stats=1 "$corpus" "$@" >"$log" 2>&1
status=$?
tail -n 25 "$log"
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
[ -z "$execs" ] && execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
echo "fuzz: executions=${execs:-unknown} status=$status"
exit "$status"
