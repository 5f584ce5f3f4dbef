#!/bin/sh
# The PIO part of the disk scenario on qemu-system-i386 (PIIX3 IDE, primary
# channel at 0x1F0/0x3F6, IRQ 14) with the test image as drive 0, as the
# reference for minipc's disk model. -snapshot keeps QEMU's writes in a
# temporary overlay. Pass: QEMU status 1 (firmware exit 0) and every line of
# the expected file printed.
# usage: run_qemu.sh QEMU ELF EXPECTED IMAGE
set -u
qemu=$1 elf=$2 expected=$3 image=$4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 80 "$qemu" -kernel "$elf" -append "paths=pio" -serial stdio -display none -monitor none \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -m 64 -nic none \
  -drive file="$image",format=raw,if=ide,index=0,media=disk -snapshot \
  -icount shift=4,sleep=off -rtc clock=vm >"$out" 2>&1 </dev/null
status=$?
cat "$out"
fail=0
[ "$status" -eq 1 ] || { echo "run_qemu: QEMU status $status (firmware exit $((status >> 1)))"; fail=1; }
while IFS= read -r line; do
  [ -z "$line" ] && continue
  grep -Fxq -- "$line" "$out" || { echo "run_qemu: missing line: $line"; fail=1; }
done <"$expected"
[ "$fail" -eq 0 ] && echo "run_qemu: PASS"
exit "$fail"
