#!/usr/bin/env bash
# rtl_apb_outside_block (docs/rtl-blocks.md, "A block from a folder outside
# the repository"): a user's folder with an APB block (the example timer
# under another module name) and a CMakeLists.txt calling
# minipc_add_rtl_block(); a fresh build of minipc with
# MINIPC_RTL_BLOCK_DIRS pointing at it; its lint and synthesis tests; and the
# apb_timer scenario run on that block.
# usage: outside_block.sh SOURCE_DIR WORK_DIR TIMER_SV FIRMWARE CONFIG
set -eu
src=$1 work=$2 timer_sv=$3 fw=$4 config=$5
rm -rf "$work"
mkdir -p "$work/my_blocks"
sed 's/^module apb_timer /module my_timer /' "$timer_sv" >"$work/my_blocks/my_timer.sv"
cat >"$work/my_blocks/CMakeLists.txt" <<'CM'
minipc_add_rtl_block(NAME my_timer TOP my_timer SOURCES my_timer.sv)
CM
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
echo "== configure (log: $work/configure.log)"
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "${launcher[@]}" "-DMINIPC_RTL_BLOCK_DIRS=$work/my_blocks" >"$work/configure.log" 2>&1 ||
  { tail -20 "$work/configure.log"; exit 1; }
echo "== build minipc (log: $work/build.log)"
cmake --build "$work/build" -j2 --target minipc >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
echo "== lint and synthesis of the outside block"
ctest --test-dir "$work/build" -R '^rtl_my_timer_(lint|synth)$' --output-on-failure
n=$(ctest --test-dir "$work/build" -N -R '^rtl_my_timer_(lint|synth)$' | grep -c 'Test *#' || true)
[ "$n" -ge 1 ] || { echo "FAIL: no rtl_my_timer tests"; exit 1; }
echo "== the apb_timer scenario on module my_timer"
set +e
out=$("$work/build/minipc" run --firmware "$fw" --config "$config" --set timer0.module=my_timer --no-vcd --no-stats 2>&1)
status=$?
set -e
echo "$out" | tail -5
[ "$status" -eq 0 ] && grep -qx 'apb_timer: PASS' <<<"$out" || { echo "FAIL: status $status"; exit 1; }
echo "ok: block from $work/my_blocks built, linted, synthesised and run"
