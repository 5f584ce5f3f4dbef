#!/bin/sh
# Runs one firmware scenario on qemu-system-i386 and checks it.
#
#   run_scenario.sh <qemu> <elf> <expected-lines-file>
#
# Pass: QEMU's exit status is 1 (the firmware wrote 0 to the isa-debug-exit
# port at 0xF4: status = code << 1 | 1) and every line of the expected file
# appears, whole, in the console output (COM1 on stdio).
#
# QEMU runs in deterministic time: -icount shift=4,sleep=off advances the
# virtual clock by 16 ns per instruction and skips idle time (HLT) at once,
# and -rtc clock=vm puts the MC146818 on that same clock. Without it TCG
# drops PIT ticks at HZ=1000 (the timer callbacks run late on the host and
# the 8254 does not catch up), so jiffies fall behind the RTC.
set -u
qemu=$1
elf=$2
expected=$3
out=$(mktemp)
trap 'rm -f "$out"' EXIT

timeout 30 "$qemu" -kernel "$elf" -serial stdio -display none -monitor none \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -m 64 \
  -icount shift=4,sleep=off -rtc clock=vm >"$out" 2>&1 </dev/null
status=$?
cat "$out"

fail=0
if [ "$status" -ne 1 ]; then
  if [ "$status" -eq 124 ]; then
    echo "run_scenario: QEMU timed out (no exit-port write)"
  elif [ $((status & 1)) -eq 1 ]; then
    echo "run_scenario: firmware exit code $((status >> 1)) (failed check), QEMU status $status"
  else
    echo "run_scenario: QEMU status $status"
  fi
  fail=1
fi
while IFS= read -r line; do
  [ -z "$line" ] && continue
  if ! grep -Fxq -- "$line" "$out"; then
    echo "run_scenario: missing line: $line"
    fail=1
  fi
done <"$expected"
[ "$fail" -eq 0 ] && echo "run_scenario: PASS"
exit "$fail"
