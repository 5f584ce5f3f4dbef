#!/bin/sh
# A disk0.image that cannot be opened: minipc exits 66 (input error) with a
# message naming the key and the path, before running anything.
# usage: missing_image.sh MINIPC ELF
set -u
missing=/nonexistent/minipc-missing-disk.img
err=$("$1" run --firmware "$2" --no-vcd --no-stats --set "disk0.image=$missing" 2>&1 >/dev/null </dev/null)
status=$?
echo "$err"
[ "$status" -eq 66 ] || { echo "FAIL: exit $status (expected 66)"; exit 1; }
echo "$err" | grep -q "disk0.image" || { echo "FAIL: the message does not name disk0.image"; exit 1; }
echo "$err" | grep -qF "$missing" || { echo "FAIL: the message does not name the path"; exit 1; }
echo "ok: exit 66, message names disk0.image and the path"
