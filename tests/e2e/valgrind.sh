#!/bin/sh
# valgrind over parse, import, cases and deliver of the fixtures (see
# tests/valgrind.sh); skipped under `make asan`, whose binary cannot run
# under valgrind.
. "$(dirname "$0")/lib.sh"
if ! command -v valgrind >/dev/null 2>&1; then
	notok "valgrind is not installed (scripts/install-deps.sh test)"
elif ldd "$SUPPORTGW" | grep -q libasan; then
	ok "valgrind # skip: AddressSanitizer build"
else
	sh "$ROOT/tests/valgrind.sh" "$SUPPORTGW" >"$WORK/vg.log" 2>&1
	rc=$?
	sed 's/^/# /' "$WORK/vg.log" | head -n 40
	check "valgrind: no errors and no leaks on parse, import, cases, deliver" test "$rc" -eq 0
fi
