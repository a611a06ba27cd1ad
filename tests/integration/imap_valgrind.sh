#!/bin/sh
# valgrind over the network program (supportgw-net, which `supportgw`
# execs): accounts test, fetch --once with a quarantined and a moved
# message, and the daemon (supervisor and forked worker) fetching by IDLE
# then stopped by SIGTERM.  No error, no leak.  Skipped under `make asan`.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/harness/dovecot.sh"
. "$(dirname "$0")/harness/gateway.sh"
P="$FIX/parse"
NET="$(dirname "$SUPPORTGW")/supportgw-net"
VG="valgrind --suppressions=$ROOT/tests/valgrind.supp --error-exitcode=99 \
--leak-check=full --show-leak-kinds=definite,indirect,possible \
--errors-for-leak-kinds=definite,indirect,possible --quiet"

if ! command -v valgrind >/dev/null 2>&1; then
	notok "valgrind is not installed (scripts/install-deps.sh test)"
	exit 0
elif ldd "$NET" | grep -q libasan; then
	ok "valgrind # skip: AddressSanitizer build"
	exit 0
fi
if ! dovecot_start "$WORK/dovecot"; then
	notok "a private Dovecot starts"
	exit 1
fi
imap append INBOX "$P/01-plain-en.eml" >/dev/null
imap append INBOX "$P/13-garbage.eml" >/dev/null
imap append INBOX "$P/05-attachments.eml" >/dev/null
C=$(account vg INBOX move:Processed)

expect_exit 0 "valgrind: accounts test" $VG "$NET" -c "$C" accounts test
expect_exit 0 "valgrind: fetch --once (stored, quarantined, moved)" $VG "$NET" -c "$C" -v fetch --once
check "... 2 stored, 1 quarantined" test "$(rows vg)" = 2 -a "$(rows vg quarantine)" = 1

$VG "$NET" -c "$C" fetch >"$WORK/daemon.out" 2>"$WORK/daemon.err" &
vpid=$!
BG="$BG $vpid"
checkl "$WORK/daemon.err" "valgrind: the daemon's worker connects" wait_until "$vpid" 30 \
	grep -q "connected, watching" "$WORK/daemon.err"
imap append INBOX "$P/02-subject-utf8-b.eml" >/dev/null
checkl "$WORK/daemon.err" "valgrind: ... and stores a message by IDLE" wait_until "$vpid" 15 at_least vg 3
kill -TERM "$vpid"
wait "$vpid"
rc=$?
checkl "$WORK/daemon.err" "valgrind: SIGTERM: supervisor and worker exit clean (exit $rc)" test "$rc" = 0
