#!/usr/bin/env bash
# Determinism of one scenario (issue: faults on purpose and by accident):
# the same image and config run twice in fast mode give byte-identical
# console, stats JSON (it holds no host time) and VCD; and, unless the
# scenario is marked as printing timing figures, accurate mode prints the
# same console as fast mode.
# usage: run_determinism.sh MINIPC ELF CONSOLE_MODES [minipc options...]
#   CONSOLE_MODES: "same" (fast and accurate consoles must match) or
#   "timing" (the console holds measured times: only run-to-run identity)
set -u
minipc=$1 elf=$2 modes=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
extra=("$@")
run_with() { local n=$1 m=$2; "$minipc" run --firmware "$elf" --time 20s --set cpu0.mode="$m" --vcd "$dir/$n.vcd" \
  --stats "$dir/$n.json" "${extra[@]}" >"$dir/$n.out" 2>"$dir/$n.err" </dev/null; echo $? >"$dir/$n.status"; }
run_with a fast
run_with b fast
fail=0
for f in status out json vcd; do
  if ! cmp -s "$dir/a.$f" "$dir/b.$f"; then
    echo "FAIL: two fast-mode runs differ in their $f"
    diff <(head -c 200000 "$dir/a.$f") <(head -c 200000 "$dir/b.$f") | head -20
    fail=1
  fi
done
if [ "$modes" = same ]; then
  run_with c accurate
  if ! cmp -s "$dir/a.out" "$dir/c.out"; then
    echo "FAIL: fast and accurate mode print different consoles"
    diff "$dir/a.out" "$dir/c.out" | head -20
    fail=1
  fi
fi
if [ "$fail" -ne 0 ]; then
  echo "---- fast run diagnostics ----"; cat "$dir/a.err"
  exit 1
fi
echo "ok: console, stats and VCD identical over two runs$([ "$modes" = same ] && echo "; accurate console identical")"
