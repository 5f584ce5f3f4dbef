#!/usr/bin/env bash
# Golden-trace regression: runs a scenario on minipc with a VCD, extracts the
# interrupt-path edges (tools/vcd_edges.py) and diffs them against the golden
# file; fails when an edge moved, appeared or vanished, or the scenario failed.
# usage: run_golden.sh MINIPC ELF GOLDEN UNTIL [minipc options...]
#   UNTIL: keep edges before this time (e.g. 100ms), or "-" for all.
# MINIPC_GOLDEN_UPDATE=1 in the environment rewrites GOLDEN instead
# (traces/README.md, "Golden traces").
set -u
minipc=$1 elf=$2 golden=$3 until=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
edges=$here/../../../tools/vcd_edges.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$minipc" run --firmware "$elf" --vcd "$work/run.vcd" --no-stats --time 20s "$@" \
  >"$work/out" 2>"$work/err" </dev/null
status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL: minipc exited with $status (expected 0)"
  echo "---- console ----"; cat "$work/out"; echo "---- diagnostics ----"; cat "$work/err"
  exit 1
fi
opts=(--golden "$golden")
[ "$until" != "-" ] && opts+=(--until "$until")
[ "${MINIPC_GOLDEN_UPDATE:-0}" = 1 ] && opts+=(--update)
/usr/bin/python3 "$edges" "$work/run.vcd" "${opts[@]}"
