#!/usr/bin/env bash
# Runs one kernel scenario on minipc and checks it like its QEMU twin:
# exit status 0 (the firmware's pass) and every expected check line printed.
# usage: run_scenario.sh MINIPC ELF EXPECTED_LINES [minipc options...]
set -u
minipc=$1 elf=$2 expected=$3
shift 3
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$minipc" run --firmware "$elf" --no-vcd --no-stats --time 20s "$@" >"$out" 2>"$err" </dev/null
status=$?
fail=0
if [ "$status" -ne 0 ]; then
  echo "FAIL: minipc exited with $status (expected 0)"
  fail=1
fi
while IFS= read -r line; do
  [ -z "$line" ] && continue
  if ! grep -qxF -- "$line" "$out"; then
    echo "FAIL: missing check line: $line"
    fail=1
  fi
done <"$expected"
if [ "$fail" -ne 0 ]; then
  echo "---- console ----"; cat "$out"; echo "---- diagnostics ----"; cat "$err"
  exit 1
fi
echo "ok: $(wc -l <"$expected") check lines, exit 0"
grep '^minipc: simulated' "$err"
