#!/bin/sh
# valgrind over `parse` and `import` of the fixtures: no leak, no error.
# Usage: tests/valgrind.sh build/supportgw   (make valgrind)
set -u
SGW=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="$ROOT/tests/out/valgrind"
rm -rf "$WORK"
mkdir -p "$WORK"
printf '[gateway]\ndatabase = %s/store.db\nstaff = @support.example.com\n' "$WORK" >"$WORK/supportgw.ini"
VG="valgrind --suppressions=$ROOT/tests/valgrind.supp --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --quiet"
fail=0
for f in "$ROOT"/tests/fixtures/parse/*.eml; do
	$VG "$SGW" -c "$WORK/supportgw.ini" parse "$f" >/dev/null 2>"$WORK/vg.txt"
	rc=$?
	if [ "$rc" -eq 99 ] || [ "$rc" -ge 128 ]; then
		echo "valgrind: parse $(basename "$f"): errors or leaks"; cat "$WORK/vg.txt"; fail=1
	fi
done
$VG "$SGW" -c "$WORK/supportgw.ini" import --no-progress "$ROOT/tests/fixtures/parse" "$ROOT/tests/fixtures/thread" >/dev/null 2>"$WORK/vg.txt"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "valgrind: import: exit $rc"; cat "$WORK/vg.txt"; fail=1
fi
$VG "$SGW" -c "$WORK/supportgw.ini" cases show 1 --json >/dev/null 2>"$WORK/vg.txt" || { echo "valgrind: cases show"; cat "$WORK/vg.txt"; fail=1; }
$VG "$SGW" -c "$WORK/supportgw.ini" deliver <"$ROOT/tests/fixtures/parse/01-plain-en.eml" >/dev/null 2>"$WORK/vg.txt"
[ $? -eq 0 ] || { echo "valgrind: deliver"; cat "$WORK/vg.txt"; fail=1; }
if [ "$fail" -eq 0 ]; then
	echo "valgrind: parse, import, cases, deliver: no errors, no leaks"
fi
exit "$fail"
