#!/bin/sh
# Runs every test and ends with the line "N passed, N failed".
#   unit tests:  build/tests/test_* (cmocka; counted per test case)
#   fuzz replay: build/fuzz/*_replay over fuzz/corpus/<target>/ (one each)
#   end-to-end:  tests/e2e/*.sh and tests/integration/*.sh (TAP-like
#                "ok"/"not ok" lines)
# A binary or script that crashes or exits non-zero without reporting a
# failure counts as one failure, so nothing can fail silently.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/tests/out"
rm -rf "$OUT"
mkdir -p "$OUT"
passed=0
failed=0
failures=""

count_cmocka() { # file -> sets p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	# a binary left in the build folder by a test since removed
	[ -f "$ROOT/tests/unit/$name.c" ] || continue
	log="$OUT/$name.log"
	(cd "$ROOT" && CMOCKA_MESSAGE_OUTPUT=stdout "$t") >"$log" 2>&1
	rc=$?
	count_cmocka "$log"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures="$failures $name"
		echo "FAIL $name (log: tests/out/$name.log)"
		grep -E '^\[  (FAILED|  ERROR) \]|ERROR|Failure|failure' "$log" | head -n 20
	else
		echo "ok   $name: $p tests"
	fi
done

for r in "$BUILD"/fuzz/*_replay; do
	[ -x "$r" ] || continue
	target=$(basename "$r" _replay)
	corpus="$ROOT/fuzz/corpus/${target#fuzz_}"
	log="$OUT/$target.log"
	if "$r" "$corpus" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok   $target: corpus replayed ($(cat "$log" | tail -n 1))"
	else
		failed=$((failed + 1))
		failures="$failures $target"
		echo "FAIL $target (log: tests/out/$target.log)"
		tail -n 20 "$log"
	fi
done

# tests/integration/*.sh talk to real servers (a private Dovecot, an SMTP
# sink) that they start themselves; their helpers live in harness/.
for s in "$ROOT"/tests/e2e/*.sh "$ROOT"/tests/integration/*.sh; do
	case $(basename "$s") in lib.sh) continue ;; esac
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	log="$OUT/e2e_$name.log"
	SUPPORTGW="$ROOT/$BUILD/supportgw" ROOT="$ROOT" WORK="$OUT/e2e_$name" \
		sh "$s" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited $rc" >>"$log"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name ran no test" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures="$failures e2e/$name"
		echo "FAIL e2e/$name (log: tests/out/e2e_$name.log)"
		grep '^not ok' "$log" | head -n 20
	else
		echo "ok   e2e/$name: $p tests"
	fi
done

[ -n "$failures" ] && echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
