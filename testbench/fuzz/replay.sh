#!/bin/sh
# Replays inputs through a fuzz target without fuzzing: every file of the
# given folders (README files and .gitkeep aside) runs once; a crash, a
# sanitizer report or a violated property fails the test.
#
#   replay.sh <fuzzer> <folder>...
set -u
fuzzer=$1
shift
files=$(find "$@" -type f ! -name 'README*' ! -name '.gitkeep' 2>/dev/null | sort)
if [ -z "$files" ]; then
  echo "replay: no inputs"
  exit 0
fi
n=$(printf '%s\n' "$files" | wc -l)
# libFuzzer runs files given as arguments once each and exits.
# shellcheck disable=SC2086
"$fuzzer" -timeout=10 -rss_limit_mb=2048 $files
status=$?
echo "replay: $n inputs, status=$status"
exit "$status"
