#!/bin/sh
# make realmail: parse every message of ../shared/realmail (real-world mail
# from public test suites, not copied into the project) and print, per
# file, the exit code, time, sender, auto verdict and subject, for a person
# to read.  Fails when a file crashes or takes a second or more.
set -u
SGW=$1
DIR=${2:-../shared/realmail}
if [ ! -d "$DIR" ]; then
	echo "realmail: $DIR not found (it is shared/realmail beside the checkout)"
	exit 0
fi
fail=0
for f in "$DIR"/*/*.eml "$DIR"/*/*.box; do
	[ -f "$f" ] || continue
	start=$(date +%s%N)
	out=$("$SGW" parse "$f" 2>&1)
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 65 ]; then
		fail=1
	fi
	[ "$ms" -ge 1000 ] && fail=1
	if [ "$rc" -eq 0 ]; then
		printf '%s\n' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%-48s %4sms %-36.36s %-16s %s" % (sys.argv[1], sys.argv[2], d["from"] or "-",
      (d["auto_reason"] or "person"), (d["subject"] or "")[:60]))' "$(basename "$f")" "$ms"
	else
		printf '%-48s %4sms exit %s: %s\n' "$(basename "$f")" "$ms" "$rc" "$(printf '%s' "$out" | tail -n 1)"
	fi
done
exit "$fail"
