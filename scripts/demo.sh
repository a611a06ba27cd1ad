#!/bin/sh
# make demo: a private Dovecot on 127.0.0.1 (started here, stopped by pid at
# the end; nothing system-wide), its INBOX seeded with the sample mail of
# scripts/demo-mail (French, English and German; new requests, replies by
# fingerprint and by References, an out-of-office, a stranger quoting
# someone else's case, and one message that is not a mail at all), then
# `supportgw accounts test` and `supportgw fetch --once` against it, and the
# cases, the quarantine and the mailboxes as an operator sees them.
set -eu
SGW=${1:-build/supportgw}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEMO="$ROOT/var/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"

. "$ROOT/tests/integration/harness/dovecot.sh"
trap 'dovecot_stop_all' EXIT INT TERM
echo "== a private Dovecot for the demo (in $DEMO/dovecot)"
dovecot_start "$DEMO/dovecot"
echo "   listening on 127.0.0.1:$DOVECOT_PORT, user $DOVECOT_USER"
for f in "$ROOT"/scripts/demo-mail/*.eml; do
	dovecot_imaptool append INBOX "$f" >/dev/null
done
printf 'this is not a mail at all\r\njust a line of text\r\n' >"$DEMO/garbage.txt"
dovecot_imaptool append INBOX "$DEMO/garbage.txt" >/dev/null
echo "   INBOX seeded with $(dovecot_imaptool count INBOX) messages"
printf '%s\n' "$DOVECOT_PASS" >"$DEMO/support.pass"
chmod 600 "$DEMO/support.pass"

cat >"$DEMO/supportgw.ini" <<INI
[gateway]
database = $DEMO/supportgw.db
staff = @example.com

[imap:support]
url = imap://127.0.0.1:$DOVECOT_PORT/INBOX
starttls = no
user = $DOVECOT_USER
password_file = $DEMO/support.pass
after = move:Processed
quarantine = Quarantine
language = en
region = EMEA
INI
run() {
	echo
	echo "== supportgw $*"
	"$SGW" -c "$DEMO/supportgw.ini" "$@"
}
run accounts test
run fetch --once
run cases list --status all
run cases show 1
run quarantine list
echo
echo "== the mailboxes on the server after the fetch"
for mb in INBOX Processed Quarantine; do
	echo "   $mb: $(dovecot_imaptool count "$mb") messages"
done
echo
echo "== fetch --once again: nothing new, nothing filed twice"
"$SGW" -c "$DEMO/supportgw.ini" fetch --once
echo
echo "== a customer's reply piped in by an MTA instead: supportgw deliver"
printf 'From: John Smith <john.smith@acme-corp.com>\nTo: support@example.com\nSubject: RE: [Case #00000002] Cannot export reports to PDF\nMessage-ID: <demo-en-3@acme-corp.com>\nDate: Thu, 19 Nov 2026 09:00:00 -0500\n\nThe patch works, thank you!\n' |
	"$SGW" -c "$DEMO/supportgw.ini" deliver
echo
echo "(The acknowledgements sent over SMTP come with the next issue.)"
