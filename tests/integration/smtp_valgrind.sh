#!/bin/sh
# valgrind over the answering path: deliver (template rendering, the
# composed mail, the outbox row in the case's transaction), templates
# check/render-file, and outbox flush through libcurl to the private SMTP
# sink (supportgw-net).  No error, no leak.  Skipped under `make asan`.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/harness/smtp.sh"
NET="$(dirname "$SUPPORTGW")/supportgw-net"
VG="valgrind --suppressions=$ROOT/tests/valgrind.supp --error-exitcode=99 \
--leak-check=full --show-leak-kinds=definite,indirect,possible \
--errors-for-leak-kinds=definite,indirect,possible --quiet"
trap 'smtpsink_stop_all' EXIT

if ! command -v valgrind >/dev/null 2>&1; then
	notok "valgrind is not installed (scripts/install-deps.sh test)"
	exit 0
elif ldd "$SUPPORTGW" | grep -q libasan; then
	ok "valgrind # skip: AddressSanitizer build"
	exit 0
fi
if ! smtpsink_start "$WORK/sink"; then
	notok "the SMTP sink starts"
	exit 1
fi
C=$(mkconfig vg)
cat >>"$C" <<INI
templates = $ROOT/templates
[smtp]
url = smtp://127.0.0.1:$SMTPSINK_PORT
starttls = no
from = Support Exemple <support@example.com>
INI
expect_exit 0 "valgrind: deliver of a French mail, acknowledgement queued" \
	$VG "$SUPPORTGW" -c "$C" deliver <"$ROOT/scripts/demo-mail/01-fr-new.eml"
check "... answer=ack_new_case" grep -q "answer=ack_new_case" "$WORK/last.out"
expect_exit 0 "valgrind: deliver of an English mail" \
	$VG "$SUPPORTGW" -c "$C" deliver <"$ROOT/scripts/demo-mail/02-en-new.eml"
expect_exit 0 "valgrind: templates check" $VG "$SUPPORTGW" -c "$C" templates check
expect_exit 0 "valgrind: templates render ack_new_case --case 1" \
	$VG "$SUPPORTGW" -c "$C" templates render ack_new_case --case 1
expect_exit 0 "valgrind: outbox flush through libcurl" $VG "$NET" -c "$C" outbox flush
check "... both mails reached the sink" test "$(smtpsink_count)" = 2
smtpsink_mode 550
expect_exit 0 "valgrind: deliver, then a flush the relay refuses (550)" \
	$VG "$SUPPORTGW" -c "$C" deliver <"$FIX/parse/01-plain-en.eml"
expect_exit 0 "valgrind: outbox flush with a 550" $VG "$NET" -c "$C" outbox flush
expect_exit 0 "valgrind: outbox list --json" $VG "$SUPPORTGW" -c "$C" outbox list --json
