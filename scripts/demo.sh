#!/bin/sh
# make demo: a private Dovecot on 127.0.0.1 (started here, stopped by pid at
# the end; nothing system-wide), its INBOX seeded with the sample mail of
# scripts/demo-mail (French, English and German; new requests, replies by
# fingerprint and by References, an out-of-office, a stranger quoting
# someone else's case, and one message that is not a mail at all), then
# `supportgw accounts test` and `supportgw fetch --once` against it, and the
# cases, the quarantine and the mailboxes as an operator sees them; then the
# acknowledgements sent through a private SMTP sink (python3-aiosmtpd, also
# on 127.0.0.1, also stopped by pid), printed as the customers get them.
# Last, contracts: scripts/demo-contracts.csv imported, and the renewal
# reminders of a fixed day (one per region: EMEA, AMS, JP, CN, SG, each
# from its regional team) sent to the same sink and shown.
set -eu
SGW=${1:-build/supportgw}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEMO="$ROOT/var/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"

. "$ROOT/tests/integration/harness/dovecot.sh"
. "$ROOT/tests/integration/harness/smtp.sh"
# Stop both servers however the demo ends, and keep the demo's own exit
# status.  Without `set +e`, the first harness command that returns
# non-zero while stopping (wait on a server killed by SIGTERM) would end
# the trap there: exit 143 and a sink left running.
cleanup() {
	_rc=$?
	set +e
	trap - EXIT
	dovecot_stop_all
	smtpsink_stop_all
	exit "$_rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "== a private Dovecot for the demo (in $DEMO/dovecot)"
dovecot_start "$DEMO/dovecot"
echo "   listening on 127.0.0.1:$DOVECOT_PORT, user $DOVECOT_USER"
for f in "$ROOT"/scripts/demo-mail/*.eml; do
	dovecot_imaptool append INBOX "$f" >/dev/null
done
printf 'this is not a mail at all\r\njust a line of text\r\n' >"$DEMO/garbage.txt"
dovecot_imaptool append INBOX "$DEMO/garbage.txt" >/dev/null
echo "   INBOX seeded with $(dovecot_imaptool count INBOX) messages"
echo "== a private SMTP sink for the answers (in $DEMO/sink)"
smtpsink_start "$DEMO/sink"
echo "   listening on 127.0.0.1:$SMTPSINK_PORT"
printf '%s\n' "$DOVECOT_PASS" >"$DEMO/support.pass"
chmod 600 "$DEMO/support.pass"

cat >"$DEMO/supportgw.ini" <<INI
[gateway]
database = $DEMO/supportgw.db
staff = @example.com
templates = $ROOT/templates

[smtp]
url = smtp://127.0.0.1:$SMTPSINK_PORT
starttls = no
from = Example Support <support@example.com>

[region:EMEA]
team = EMEA Renewals <EMEA_renewals@example.com>
language = fr
[region:AMS]
team = AMS Renewals <AMS_renewals@example.com>
language = en
[region:JP]
team = JP Renewals <JP_renewals@example.com>
language = en
[region:CN]
team = CN Renewals <CN_renewals@example.com>
language = en
[region:SG]
team = SG Renewals <SG_renewals@example.com>
language = en

[imap:support]
url = imap://127.0.0.1:$DOVECOT_PORT/INBOX
starttls = no
user = $DOVECOT_USER
password_file = $DEMO/support.pass
after = move:Processed
quarantine = Quarantine
language = auto
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
run outbox flush
run outbox list --status all
echo
echo "== the acknowledgements the SMTP sink received, as the customers read them"
/usr/bin/python3 - "$SMTPSINK_DIR/mail" <<'PY'
import email, email.policy, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    with open(os.path.join(d, name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    print("-" * 72)
    for h in ("From", "To", "Subject", "In-Reply-To", "Auto-Submitted", "X-Loop"):
        print("%s: %s" % (h, m[h]))
    print()
    print(m.get_content().rstrip())
print("-" * 72)
PY

# ---- contracts and renewal reminders
echo
echo "== contracts: scripts/demo-contracts.csv"
run contracts import --no-progress "$ROOT/scripts/demo-contracts.csv"
run contracts list
# A fixed day, so that the demo shows the same thing whenever it runs: on
# 2026-06-01 each region has exactly one mail due (EMEA's lists two
# contracts of one customer, co-terming; CN's contract expired 12 days
# before; SG's renews by itself).
RDATE=2026-06-01
run renewals run --date $RDATE
echo
echo "== renewals run --date $RDATE again: nothing is sent twice"
"$SGW" -c "$DEMO/supportgw.ini" renewals run --date $RDATE
run outbox flush
echo
echo "== the renewal reminders the SMTP sink received, one per region"
"$SGW" -c "$DEMO/supportgw.ini" outbox list --status all --json >"$DEMO/outbox.json"
/usr/bin/python3 - "$SMTPSINK_DIR" "$DEMO/outbox.json" <<'PY'
import email, email.policy, json, os, sys
d = sys.argv[1]
mine = {r["message_id"].strip("<>"): r for r in json.load(open(sys.argv[2]))
        if (r["kind"] or "").startswith("renewal_")}
mails = []
for line in open(os.path.join(d, "log.jsonl")):
    rec = json.loads(line)
    if (rec.get("message_id") or "").strip("<>") not in mine:
        continue
    with open(os.path.join(d, rec["file"]), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    mails.append((rec, m))
order = ["EMEA", "AMS", "JP", "CN", "SG"]
team = lambda m: str(m["From"]).split()[0]
mails.sort(key=lambda x: order.index(team(x[1])) if team(x[1]) in order else 99)
for rec, m in mails:
    print("-" * 72)
    for h in ("From", "Reply-To", "To", "Subject", "Auto-Submitted"):
        print("%s: %s" % (h, m[h]))
    print("(envelope: MAIL FROM %s, RCPT TO %s; the team's copy is a Bcc)"
          % (rec["mail_from"], ", ".join(rec["rcpt_tos"])))
    print()
    body = m.get_content().rstrip().split("\n")
    print("\n".join(body[:14]))
    if len(body) > 14:
        print("    [... %d more lines]" % (len(body) - 14))
print("-" * 72)
PY
