#!/usr/bin/env bash
# Runs one scenario on minipc that must end with a given exit status (a
# shutdown, a failed check) and checks what it printed.
# usage: run_scenario_status.sh MINIPC ELF STATUS STDOUT_LINES STDERR_TEXTS [minipc options...]
#   STDOUT_LINES  file: every non-empty line must be a whole console line
#   STDERR_TEXTS  file, or -: every non-empty line must occur in stderr
#                 (minipc's own messages); a line starting with '!' must NOT
#                 occur on the console
set -u
minipc=$1 elf=$2 want=$3 stdout_lines=$4 stderr_texts=$5
shift 5
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$minipc" run --firmware "$elf" --no-vcd --no-stats --time 20s "$@" >"$out" 2>"$err" </dev/null
status=$?
fail=0
if [ "$status" -ne "$want" ]; then
  echo "FAIL: minipc exited with $status (expected $want)"
  fail=1
fi
while IFS= read -r line; do
  [ -z "$line" ] && continue
  if ! grep -qxF -- "$line" "$out"; then
    echo "FAIL: missing console line: $line"
    fail=1
  fi
done <"$stdout_lines"
if [ "$stderr_texts" != "-" ]; then
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    if [ "${line:0:1}" = "!" ]; then
      if grep -qF -- "${line:1}" "$out"; then
        echo "FAIL: console has what it must not: ${line:1}"
        fail=1
      fi
    elif ! grep -qF -- "$line" "$err"; then
      echo "FAIL: missing on stderr: $line"
      fail=1
    fi
  done <"$stderr_texts"
fi
if [ "$fail" -ne 0 ]; then
  echo "---- console ----"; cat "$out"; echo "---- diagnostics ----"; cat "$err"
  exit 1
fi
echo "ok: exit $status as expected"
grep '^minipc: simulated' "$err"
exit 0
