#!/bin/sh
# The relay's TLS and AUTH: STARTTLS required (certificate checked against
# tls_ca_file; refused without it), implicit TLS (smtps://), AUTH with a
# password_file (a wrong password keeps the mail queued), and starttls =
# required against a relay without STARTTLS (refused, mail kept).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/harness/smtp.sh"
trap 'smtpsink_stop_all' EXIT
not() { ! "$@"; }
P="$FIX/parse"

# conf NAME URL [LINES...]: a config with [smtp] url = URL
conf() {
	_n=$1
	_u=$2
	shift 2
	_c=$(mkconfig "$_n")
	printf 'templates = %s\n[smtp]\nurl = %s\nfrom = Support <support@example.com>\ntimeout_seconds = 5\n' \
		"$ROOT/templates" "$_u" >>"$_c"
	for _l in "$@"; do
		echo "$_l" >>"$_c"
	done
	echo "$_c"
}
sent() { sqlite3 "$WORK/$1.db" "select count(*) from outbox where status = 1"; }
queued() { sqlite3 "$WORK/$1.db" "select count(*) from outbox where status = 0"; }

# STARTTLS with the sink's self-signed certificate
smtpsink_start "$WORK/tls" --tls || { notok "a sink with STARTTLS starts"; exit 1; }
C=$(conf tls "smtp://127.0.0.1:$SMTPSINK_PORT" "starttls = required")
"$SUPPORTGW" -c "$C" deliver <"$P/01-plain-en.eml" >/dev/null
expect_exit 75 "STARTTLS: an untrusted certificate is refused (exit 75)" "$SUPPORTGW" -c "$C" outbox flush
check "... the mail stays queued" test "$(queued tls)" = 1
check "... and the reason names the certificate" \
	sh -c "sqlite3 '$WORK/tls.db' 'select last_error from outbox' | grep -qi 'certificate'"
echo "tls_ca_file = $SMTPSINK_CERT" >>"$C"
sqlite3 "$WORK/tls.db" "update outbox set next_attempt_at = 0"
expect_exit 0 "STARTTLS with tls_ca_file: sent" "$SUPPORTGW" -c "$C" outbox flush
check "... 1 sent, over TLS" test "$(sent tls)" = 1 -a "$(smtpsink_count)" = 1
check "... the sink saw TLS" grep -q '"tls": *true' "$WORK/tls/log.jsonl"
smtpsink_stop

# implicit TLS
smtpsink_start "$WORK/smtps" --smtps || { notok "a sink with implicit TLS starts"; exit 1; }
C=$(conf smtps "smtps://127.0.0.1:$SMTPSINK_PORT" "tls_verify = no")
"$SUPPORTGW" -c "$C" deliver <"$P/01-plain-en.eml" >/dev/null
expect_exit 0 "smtps:// with tls_verify = no: sent" "$SUPPORTGW" -c "$C" outbox flush
check "... 1 sent" test "$(sent smtps)" = 1
smtpsink_stop

# AUTH
smtpsink_start "$WORK/auth" --auth "gw:s3cret" || { notok "a sink with AUTH starts"; exit 1; }
(umask 077 && echo "wrong" >"$WORK/auth.pass")
C=$(conf auth "smtp://127.0.0.1:$SMTPSINK_PORT" "starttls = no" "user = gw" \
	"password_file = $WORK/auth.pass")
"$SUPPORTGW" -c "$C" deliver <"$P/01-plain-en.eml" >/dev/null
expect_exit 75 "AUTH with a wrong password: exit 75" "$SUPPORTGW" -c "$C" outbox flush
check "... the mail stays queued (not failed)" test "$(queued auth)" = 1
check "... the password is not in the output" not grep -q "wrong" "$WORK/last.err"
(umask 077 && echo "s3cret" >"$WORK/auth.pass")
sqlite3 "$WORK/auth.db" "update outbox set next_attempt_at = 0"
expect_exit 0 "AUTH with the right password: sent" "$SUPPORTGW" -c "$C" outbox flush
check "... 1 sent, authenticated" test "$(sent auth)" = 1
chmod 644 "$WORK/auth.pass"
"$SUPPORTGW" -c "$C" deliver <"$P/02-subject-utf8-b.eml" >/dev/null
expect_exit 75 "a password_file others can read is refused" "$SUPPORTGW" -c "$C" outbox flush
check "... and says so" grep -q "readable or writable by every user" "$WORK/last.err"
smtpsink_stop

# starttls = required against a relay without STARTTLS
smtpsink_start "$WORK/plain" || { notok "a plain sink starts"; exit 1; }
C=$(conf plain "smtp://127.0.0.1:$SMTPSINK_PORT")
"$SUPPORTGW" -c "$C" deliver <"$P/01-plain-en.eml" >/dev/null
expect_exit 75 "starttls = required (default) without STARTTLS: refused" "$SUPPORTGW" -c "$C" outbox flush
check "... nothing reached the relay in clear text" test "$(smtpsink_count)" = 0
