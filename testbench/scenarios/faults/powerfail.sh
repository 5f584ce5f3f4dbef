#!/usr/bin/env bash
# The power-fail scenario (firmware/apps/powerfail/main.c): two boots of one
# machine. Boot 1 runs with the power_fail fault (CONFIG) on a scratch disk
# image written through (disk0.writeback) and a CMOS file (rtc.cmos_file);
# it must end with exit 96 (power failure), the stop message on stderr and
# BOOT1 lines on the console. Boot 2 runs on the same image and CMOS file
# without the fault and must pass (exit 0, BOOT2 lines).
# usage: powerfail.sh MINIPC ELF CONFIG BOOT1_LINES BOOT2_LINES [words...]
# Words starting with -- are minipc options for both boots (--set=cpu0.mode=accurate);
# the others go to boot 1's command line (mask=1, halt=nmi).
set -u
minipc=$1 elf=$2 config=$3 boot1=$4 boot2=$5
shift 5
opts=() words=()
for w in "$@"; do
  case "$w" in
    --*) opts+=("$w") ;;
    *) words+=("$w") ;;
  esac
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
img=$dir/disk.img cmos=$dir/cmos.bin
truncate -s 64K "$img"  # 128 blank sectors
fail=0
expect_lines() {  # FILE OUT
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    if ! grep -qxF -- "$line" "$2"; then
      echo "FAIL: missing line: $line"
      fail=1
    fi
  done <"$1"
}
show() {
  echo "---- console ($1) ----"; cat "$dir/$1.out"; echo "---- diagnostics ($1) ----"; cat "$dir/$1.err"
}

"$minipc" run --firmware "$elf" --config "$config" --no-vcd --no-stats --time 5s \
  --set disk0.image="$img" --set disk0.writeback=true --set rtc.cmos_file="$cmos" \
  --set platform.cmdline="boot=1 ${words[*]:-}" ${opts[@]+"${opts[@]}"} >"$dir/boot1.out" 2>"$dir/boot1.err" </dev/null
status=$?
if [ "$status" -ne 96 ]; then
  echo "FAIL: boot 1 exited with $status (expected 96, power failure)"
  fail=1
fi
grep -q 'power failed at .*fault mains' "$dir/boot1.err" || { echo "FAIL: boot 1: no power-failure message"; fail=1; }
expect_lines "$boot1" "$dir/boot1.out"
[ "$fail" -ne 0 ] && { show boot1; exit 1; }

"$minipc" run --firmware "$elf" --no-vcd --no-stats --time 5s \
  --set disk0.image="$img" --set disk0.writeback=true --set rtc.cmos_file="$cmos" \
  --set platform.cmdline="boot=2" ${opts[@]+"${opts[@]}"} >"$dir/boot2.out" 2>"$dir/boot2.err" </dev/null
status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL: boot 2 exited with $status (expected 0)"
  fail=1
fi
expect_lines "$boot2" "$dir/boot2.out"
if [ "$fail" -ne 0 ]; then
  show boot1; show boot2; exit 1
fi
echo "ok: boot 1 exit 96 (power failure), boot 2 found the state and passed"
grep '^minipc: fault\|power failed' "$dir/boot1.err"
grep '^powerfail: state saved' "$dir/boot1.out"
