#!/bin/sh
# make demo: a fresh store, the sample mail of scripts/demo-mail imported
# (French, English and German; new requests, replies by fingerprint and by
# References, an out-of-office, a stranger quoting someone else's case),
# then the cases as an operator sees them.
set -eu
SGW=${1:-build/supportgw}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEMO="$ROOT/var/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"
cat >"$DEMO/supportgw.ini" <<INI
[gateway]
database = $DEMO/supportgw.db
staff = @example.com
INI
echo "== supportgw demo: store $DEMO/supportgw.db"
echo
echo "== import scripts/demo-mail/*.eml"
"$SGW" -c "$DEMO/supportgw.ini" import --no-progress "$ROOT/scripts/demo-mail"
echo
echo "== supportgw cases list --status all"
"$SGW" -c "$DEMO/supportgw.ini" cases list --status all
echo
echo "== supportgw cases show 1"
"$SGW" -c "$DEMO/supportgw.ini" cases show 1
echo
echo "== a customer's reply piped in by the MTA: supportgw deliver"
printf 'From: John Smith <john.smith@acme-corp.com>\nTo: support@example.com\nSubject: RE: [Case #00000002] Cannot export reports to PDF\nMessage-ID: <demo-en-3@acme-corp.com>\nDate: Thu, 19 Nov 2026 09:00:00 -0500\n\nThe patch works, thank you!\n' |
	"$SGW" -c "$DEMO/supportgw.ini" deliver
echo
echo "(The IMAP fetcher and the acknowledgements sent over SMTP come with the next issues.)"
