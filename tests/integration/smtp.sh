#!/bin/sh
# The gateway's outgoing mail against a private SMTP sink (harness/smtp.sh):
# the acknowledgement of a new case (headers, envelope, body, the bytes of
# `outbox show`), in French too; no answer to a follow-up, to automatic
# mail, to staff, to our own addresses, to X-Loop, nor over the rate limit;
# no header injection through the subject or the name; the relay down, then
# up again (sent exactly once), a 4xx, a 550 (failed, then `outbox retry`);
# kill -9 in the middle of a flush of 1,000 mails (nothing lost, at most the
# one in flight sent twice); the daemon's sender worker; SIGTERM.
. "$(dirname "$0")/harness/sink_tests.sh"
P="$FIX/parse"
D="$ROOT/scripts/demo-mail"

# smtpconf NAME [LINE...]: $WORK/NAME.ini, store $WORK/NAME.db, [smtp] on the
# current sink; the LINEs go into [gateway].
smtpconf() {
	_sn=$1
	shift
	{
		echo "[gateway]"
		echo "database = $WORK/$_sn.db"
		echo "staff = @support.example.com"
		echo "templates = $ROOT/templates"
		echo "addresses = support@example.com"
		for _sl in "$@"; do
			echo "$_sl"
		done
		echo "[smtp]"
		echo "url = smtp://127.0.0.1:$SMTPSINK_PORT"
		echo "starttls = no"
		echo "from = Example Support <support@example.com>"
		echo "timeout_seconds = 5"
		echo "max_attempts = 12"
	} >"$WORK/$_sn.ini"
	echo "$WORK/$_sn.ini"
}
# repoint CONF: its [smtp] url to the current sink (a restarted sink has a
# new port)
repoint() { sed -i "s|^url = smtp://127.0.0.1:.*|url = smtp://127.0.0.1:$SMTPSINK_PORT|" "$1"; }

# mkmail FILE FROM SUBJECT MESSAGE-ID [HEADER...] (body: a line of text)
mkmail() {
	_mf=$1
	_mfrom=$2
	_msubj=$3
	_mid=$4
	shift 4
	{
		printf 'From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n' "$_mfrom" "$_msubj"
		printf 'Date: Mon, 16 Nov 2026 10:00:00 +0000\r\nMessage-ID: %s\r\n' "$_mid"
		for _mh in "$@"; do
			printf '%s\r\n' "$_mh"
		done
		printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'
		printf 'Hello,\r\n\r\nOur license server stopped working this morning after the\r\n'
		printf 'upgrade. Could you please have a look?\r\n\r\nRegards\r\n'
	} >"$_mf"
}

# deliver CONF FILE: `supportgw deliver`, its stdout in $WORK/deliver.out
deliver() { gw -c "$1" deliver <"$2" >"$WORK/deliver.out" 2>"$WORK/deliver.err"; }
# outrows CONF: outbox rows (all statuses); dbof CONF: its store
outrows() { _o=$(sql "${1%.ini}.db" "select count(*) from outbox"); echo "${_o:-0}"; }
dbof() { echo "${1%.ini}.db"; }

# mparse EML > JSON: what the email module (policy=default) sees
cat >"$WORK/mparse.py" <<'EOF'
import email, email.policy, json, re, sys
raw = open(sys.argv[1], "rb").read()
end = raw.find(b"\r\n\r\n")
head = raw if end < 0 else raw[:end + 2]
m = email.message_from_bytes(raw, policy=email.policy.default)
def h(name):
    v = m.get(name)
    return None if v is None else str(v)
def addr(name):
    v = m.get(name)
    try:
        return v.addresses[0].addr_spec if v is not None else None
    except Exception:
        return None
def dname(name):
    v = m.get(name)
    try:
        return v.addresses[0].display_name if v is not None else None
    except Exception:
        return None
raw_subject = re.search(rb"(?mi)^Subject:(.*(?:\r\n[ \t].*)*)", head)
try:
    body = m.get_content()
except Exception as e:
    body = "<undecodable: %s>" % e
names = [l.split(b":", 1)[0].decode("ascii", "replace").lower()
         for l in head.split(b"\r\n") if l and l[:1] not in (b" ", b"\t")]
print(json.dumps({
    "from": h("From"), "from_addr": addr("From"),
    "to": h("To"), "to_addr": addr("To"), "to_name": dname("To"),
    "subject": h("Subject"),
    "subject_raw": raw_subject.group(1).decode("latin-1") if raw_subject else None,
    "date": h("Date"), "message_id": h("Message-ID"),
    "in_reply_to": h("In-Reply-To"), "references": h("References"),
    "auto_submitted": h("Auto-Submitted"), "x_loop": h("X-Loop"),
    "mime_version": h("MIME-Version"), "content_type": h("Content-Type"),
    "cte": (h("Content-Transfer-Encoding") or "").lower(),
    "charset": m.get_content_charset(),
    "body": body,
    "header_names": names,
    "header_ascii": all(b < 128 for b in head),
    "header_crlf_only": head.count(b"\n") == head.count(b"\r\n") and
                        head.count(b"\r") == head.count(b"\r\n"),
    "defects": [type(d).__name__ for d in m.defects],
}))
EOF
mparse() { "$PY" "$WORK/mparse.py" "$1" >"$2"; }
# logline N > JSON: line N of the current sink's log.jsonl
logline() { sed -n "${1}p" "$SMTPSINK_DIR/log.jsonl" >"$2"; }
# sink_mid_count MSGID: how often the current sink got MSGID (<> or not)
sink_mid_count() {
	"$PY" - "$SMTPSINK_DIR/log.jsonl" "$1" <<'EOF'
import json, sys
want = sys.argv[2].strip("<>")
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if (r.get("message_id") or "").strip("<>") == want:
        n += 1
print(n)
EOF
}
# sink_file MSGID: the path of the (last) message with MSGID in the sink
sink_file() {
	"$PY" - "$SMTPSINK_DIR" "$1" <<'EOF'
import json, os, sys
want = sys.argv[2].strip("<>")
path = ""
for line in open(os.path.join(sys.argv[1], "log.jsonl")):
    r = json.loads(line)
    if (r.get("message_id") or "").strip("<>") == want:
        path = os.path.join(sys.argv[1], r["file"])
print(path)
EOF
}
# field JSONFILE EXPR (lib.sh's json, "" on error)
field() { json "$1" "$2" 2>/dev/null; }
# oj CONF ID FIELD: a field of outbox row ID from `outbox list --json`
oj() {
	gw -c "$1" outbox list --status all --json >"$WORK/oj.json" 2>/dev/null
	field "$WORK/oj.json" "[r for r in d if r['id'] == $2][0]['$3']"
}
lastid() { sql "$(dbof "$1")" "select max(id) from outbox"; }
is() { [ "$1" = "$2" ]; }
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
hasnot() { ! has "$@"; }
bare() { printf '%s' "$1" | tr -d '<>'; }
lc() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }

# ------------------------------------------------------------- the sink
if smtpsink_start "$WORK/sink"; then
	ok "a private SMTP sink listens on 127.0.0.1:$SMTPSINK_PORT"
else
	notok "a private SMTP sink starts"
	exit 1
fi
SINK1=$SMTPSINK_DIR
C=$(smtpconf main)

# -------------------------------- 1. a new case: exactly one acknowledgement
expect_exit 0 "new case: deliver exits 0" deliver "$C" "$P/01-plain-en.eml"
dout=$(cat "$WORK/deliver.out")
case1=$(sed -n 's/.*case=\([0-9]*\).*/\1/p' "$WORK/deliver.out")
check "new case: deliver says answer=ack_new_case ($dout)" has "$dout" "answer=ack_new_case"
check "new case: one row queued in the outbox" is "$(outrows "$C")" 1
id1=$(lastid "$C")
check "... status queued, 0 attempts, rcpt the customer" is \
	"$(oj "$C" "$id1" status) $(oj "$C" "$id1" attempts) $(oj "$C" "$id1" rcpt)" \
	"queued 0 john.smith@acme-corp.example"
expect_exit 0 "flush exits 0" gw -c "$C" outbox flush
check "flush says 1 sent, 0 to retry, 0 failed ($(cat "$WORK/last.out"))" \
	grep -q "^1 sent, 0 to retry, 0 failed" "$WORK/last.out"
check "the sink holds 1 message" is "$(smtpsink_count)" 1
mid1=$(oj "$C" "$id1" message_id)
check "the outbox row is sent, 1 attempt, sent_at set" is \
	"$(oj "$C" "$id1" status) $(oj "$C" "$id1" attempts) $(oj "$C" "$id1" sent_at | grep -c .)" "sent 1 1"
expect_exit 0 "a second flush exits 0" gw -c "$C" outbox flush
check "... sends nothing ($(cat "$WORK/last.out"))" grep -q "^0 sent, 0 to retry, 0 failed" "$WORK/last.out"
check "... and the sink still holds exactly 1 message" is "$(smtpsink_count)" 1
mparse "$SINK1/mail/000001.eml" "$WORK/m1.json"
logline 1 "$WORK/l1.json"
check "ack: To is the customer ($(field "$WORK/m1.json" 'd["to"]'))" \
	is "$(lc "$(field "$WORK/m1.json" 'd["to_addr"]')")" john.smith@acme-corp.example
check "ack: From is [smtp] from ($(field "$WORK/m1.json" 'd["from"]'))" \
	is "$(field "$WORK/m1.json" 'd["from"]')" "Example Support <support@example.com>"
subj1=$(field "$WORK/m1.json" 'd["subject"]')
check "ack: Subject carries [Case #$case1] ($subj1)" has "$subj1" "[Case #$case1]"
check "ack: ... exactly once (and no other tag)" is \
	"$(field "$WORK/m1.json" 'd["subject"].count("[Case #")')" 1
check "ack: ... and the customer's subject" has "$subj1" "License server does not start after upgrade"
check "ack: In-Reply-To is the customer's Message-ID" is \
	"$(field "$WORK/m1.json" 'd["in_reply_to"]')" "<CAF1234.5678@mail.acme-corp.example>"
check "ack: References is the customer's Message-ID" is \
	"$(field "$WORK/m1.json" 'd["references"]')" "<CAF1234.5678@mail.acme-corp.example>"
check "ack: Auto-Submitted: auto-replied" is "$(field "$WORK/m1.json" 'd["auto_submitted"]')" auto-replied
check "ack: X-Loop: support@example.com" is "$(field "$WORK/m1.json" 'd["x_loop"]')" support@example.com
check "ack: Message-ID is the outbox row's ($mid1)" is \
	"$(field "$WORK/m1.json" 'd["message_id"]')" "<$(bare "$mid1")>"
check "ack: the sink logged the same Message-ID" is \
	"$(field "$WORK/l1.json" 'd["message_id"].strip("<>")')" "$(echo "$mid1" | tr -d '<>')"
check "ack: Date, MIME-Version 1.0, text/plain; charset=utf-8" is \
	"$(field "$WORK/m1.json" 'd["date"] is not None and d["mime_version"] == "1.0" and d["content_type"].replace(" ", "").replace("\"", "").lower() == "text/plain;charset=utf-8"')" true
check "ack: Content-Transfer-Encoding 7bit or quoted-printable ($(field "$WORK/m1.json" 'd["cte"]'))" \
	is "$(field "$WORK/m1.json" 'd["cte"] in ("7bit", "quoted-printable")')" true
check "ack: no parse defects, header lines end in CRLF, all ASCII" is \
	"$(field "$WORK/m1.json" 'not d["defects"] and d["header_crlf_only"] and d["header_ascii"]')" true
check "ack: no Cc/Bcc, one To" is \
	"$(field "$WORK/m1.json" '[n for n in d["header_names"] if n in ("cc", "bcc", "to")]')" '["to"]'
check "ack: the body gives the case number $case1" has "$(field "$WORK/m1.json" 'd["body"]')" "$case1"
check "envelope: MAIL FROM support@example.com" is "$(field "$WORK/l1.json" 'd["mail_from"]')" support@example.com
check "envelope: RCPT TO the customer only ($(field "$WORK/l1.json" 'd["rcpt_tos"]'))" is \
	"$(field "$WORK/l1.json" '[a.lower() for a in d["rcpt_tos"]]')" '["john.smith@acme-corp.example"]'

# ---------------------------------- 11. outbox show = the bytes of the sink
gw -c "$C" outbox show "$id1" >"$WORK/show1.eml" 2>"$WORK/show1.err"
check "outbox show $id1: exactly the bytes the sink received" cmp "$WORK/show1.eml" "$SINK1/mail/000001.eml"
check "... and the outbox list size ($(oj "$C" "$id1" size))" is "$(oj "$C" "$id1" size)" \
	"$(wc -c <"$SINK1/mail/000001.eml" | tr -d ' ')"

# ------------------------------------------------------------ 2. French
expect_exit 0 "French: deliver exits 0" deliver "$C" "$D/01-fr-new.eml"
case2=$(sed -n 's/.*case=\([0-9]*\).*/\1/p' "$WORK/deliver.out")
check "French: answer=ack_new_case ($(cat "$WORK/deliver.out"))" grep -q "answer=ack_new_case" "$WORK/deliver.out"
id2=$(lastid "$C")
mid2=$(oj "$C" "$id2" message_id)
expect_exit 0 "French: flush exits 0" gw -c "$C" outbox flush
check "French: the sink holds 2 messages" is "$(smtpsink_count)" 2
f2=$(sink_file "$mid2")
mparse "${f2:-/nonexistent}" "$WORK/m2.json"
subj2=$(field "$WORK/m2.json" 'd["subject"]')
check "French: the Subject decodes to the tag and the subject ($subj2)" is \
	"$subj2" "[Case #$case2] Problème d'activation de la licence"
check "French: ... RFC 2047-encoded in an ASCII header block ($(field "$WORK/m2.json" 'd["subject_raw"]' | head -c 80))" \
	is "$(field "$WORK/m2.json" '"=?" in d["subject_raw"] and d["header_ascii"] and not d["defects"]')" true
check "French: To names Françoise Lévêque ($(field "$WORK/m2.json" 'd["to"]'))" is \
	"$(field "$WORK/m2.json" 'd["to_name"]') $(field "$WORK/m2.json" 'd["to_addr"]')" \
	"Françoise Lévêque francoise.leveque@durand-industrie.fr"
body2=$(field "$WORK/m2.json" 'd["body"]')
check "French: the French acknowledgement (Bonjour, dossier, $case2)" sh -c \
	'case $1 in *Bonjour*dossier*"$2"*) exit 0 ;; esac; exit 1' sh "$body2" "$case2"
check "French: ... with its accents decoded (rattachée à ce dossier)" has "$body2" "rattachée à ce dossier"
check "French: no English text" hasnot "$body2" "Thank you"
check "French: charset utf-8, 7bit or quoted-printable ($(field "$WORK/m2.json" 'd["cte"]'))" is \
	"$(field "$WORK/m2.json" 'd["charset"] == "utf-8" and d["cte"] in ("7bit", "quoted-printable")')" true
gw -c "$C" outbox show "$id2" >"$WORK/show2.eml" 2>/dev/null
check "French: outbox show $id2 = the sink's bytes" cmp "$WORK/show2.eml" "${f2:-/nonexistent}"

# ------------------------------------------------------- 3. a follow-up
mkmail "$WORK/followup.eml" "Françoise Lévêque <francoise.leveque@durand-industrie.fr>" \
	"RE: [Case #$case2] =?UTF-8?Q?Probl=C3=A8me_d'activation_de_la_licence?=" \
	"<demo-fr-followup@durand-industrie.fr>" "In-Reply-To: <$(bare "$mid2")>" \
	"References: <demo-fr-1@durand-industrie.fr> <$(bare "$mid2")>"
n=$(outrows "$C")
expect_exit 0 "follow-up: deliver exits 0" deliver "$C" "$WORK/followup.eml"
check "follow-up: filed into case $case2 ($(cat "$WORK/deliver.out"))" grep -q "case=$case2" "$WORK/deliver.out"
check "follow-up: no answer" not grep -q "answer=" "$WORK/deliver.out"
check "follow-up: nothing queued" is "$(outrows "$C")" "$n"
gw -c "$C" outbox flush >/dev/null 2>&1
check "follow-up: the sink still holds 2 messages" is "$(smtpsink_count)" 2

# -------------------------------------- 4. automatic, staff, ourselves: none
noack() { # noack DESCRIPTION FILE
	_nb=$(outrows "$C")
	deliver "$C" "$2"
	_nrc=$?
	_nout=$(cat "$WORK/deliver.out")
	if [ "$_nrc" -eq 0 ] && [ "$(outrows "$C")" = "$_nb" ] && hasnot "$_nout" "answer="; then
		ok "no answer: $1 ($_nout)"
	else
		notok "no answer: $1 (exit $_nrc: $_nout; outbox $_nb -> $(outrows "$C"))"
		sed 's/^/#   /' "$WORK/deliver.err" | head -n 5
	fi
}
mkmail "$WORK/auto.eml" "Monitoring <alerts@monitoring.example>" "Disk almost full on lic-01" \
	"<auto-1@monitoring.example>" "Auto-Submitted: auto-generated"
noack "Auto-Submitted: auto-generated" "$WORK/auto.eml"
noack "list mail (List-Id)" "$P/08-list-mail.eml"
mkmail "$WORK/bulk.eml" "Newsletter <news@vendor.example>" "Our autumn offers" \
	"<bulk-1@vendor.example>" "Precedence: bulk"
noack "Precedence: bulk" "$WORK/bulk.eml"
noack "a DSN bounce" "$P/06-dsn-bounce.eml"
noack "an out-of-office" "$P/07-out-of-office.eml"
mkmail "$WORK/ooo2.eml" "Paul Durand <paul.durand@customer.example>" "Out of office: License question" \
	"<ooo-2@customer.example>" "X-Autoreply: yes"
noack "an out-of-office (X-Autoreply, no Auto-Submitted)" "$WORK/ooo2.eml"
mkmail "$WORK/staff.eml" "Some One <someone@support.example.com>" "Licence check for ACME" \
	"<staff-1@support.example.com>"
noack "staff (someone@support.example.com)" "$WORK/staff.eml"
mkmail "$WORK/xloop.eml" "Carl Client <carl@customer.example>" "License server down" \
	"<xloop-1@customer.example>" "X-Loop: support@example.com"
noack "X-Loop: support@example.com" "$WORK/xloop.eml"
mkmail "$WORK/self.eml" "Example Support <support@example.com>" "License server down" \
	"<self-1@example.com>"
noack "From support@example.com" "$WORK/self.eml"
mkmail "$WORK/self2.eml" "Example Support <SUPPORT@Example.COM>" "License server down again" \
	"<self-2@example.com>"
noack "From SUPPORT@Example.COM (case differs)" "$WORK/self2.eml"
gw -c "$C" outbox flush >/dev/null 2>&1
check "no answer: the sink still holds 2 messages" is "$(smtpsink_count)" 2

# ------------------------------------------------------- 5. the rate limit
answered=0
rcases=""
for i in 1 2 3 4 5 6 7; do
	mkmail "$WORK/rate$i.eml" "Rita Rate <rita@ratelimit.example>" "Question number $i about licences" \
		"<rate-$i@ratelimit.example>"
	deliver "$C" "$WORK/rate$i.eml"
	grep -q "answer=ack_new_case" "$WORK/deliver.out" && answered=$((answered + 1))
	rcases="$rcases $(sed -n 's/.*case=\([0-9]*\).*/\1/p' "$WORK/deliver.out")"
done
check "rate limit: 7 new cases ($rcases)" is "$(echo $rcases | tr ' ' '\n' | sort -u | grep -c .)" 7
check "rate limit: 5 deliveries say answer=ack_new_case ($answered)" is "$answered" 5
check "rate limit: exactly 5 acknowledgements queued" is \
	"$(sql "$(dbof "$C")" "select count(*) from outbox where rcpt = 'rita@ratelimit.example'")" 5
suppressed() { # suppressed CASE: an event says "answer suppressed" and "rate limit"
	gw -c "$C" cases show "$1" --json >"$WORK/case.json" 2>/dev/null
	is "$(field "$WORK/case.json" 'any("answer suppressed" in t and "rate limit" in t for t in ((e.get("kind") or "") + " " + (e.get("detail") or "") for e in d["events"]))')" true
}
c6=$(echo $rcases | cut -d' ' -f6)
c7=$(echo $rcases | cut -d' ' -f7)
c5=$(echo $rcases | cut -d' ' -f5)
check "rate limit: case $c6 has an 'answer suppressed ... rate limit' event" suppressed "$c6"
check "rate limit: case $c7 too" suppressed "$c7"
check "rate limit: case $c5 (answered) has none" not suppressed "$c5"
gw -c "$C" cases show "$c6" >"$WORK/case6.txt" 2>&1
check "rate limit: cases show $c6 lists the event" grep -qi "answer suppressed.*rate limit\|rate limit.*answer suppressed" "$WORK/case6.txt"
before=$(smtpsink_count)
gw -c "$C" outbox flush >/dev/null 2>&1
check "rate limit: the flush sends the 5 ($before -> $(smtpsink_count))" is "$(smtpsink_count)" $((before + 5))

# ----------------------------------------------------- 6. header injection
mkmail "$WORK/inject.eml" "Ivan Inject <ivan@inject.example>" \
	"=?utf-8?q?Hello=0D=0ABcc=3A_victim=40example.org?=" "<inject-1@inject.example>"
mkmail "$WORK/inject2.eml" "=?utf-8?q?Ivan=0D=0ABcc=3A_victim2=40example.org=0D=0AX-Evil=3A_1?= <ivan2@inject.example>" \
	"Licence renewal" "<inject-2@inject.example>"
before=$(smtpsink_count)
for f in inject inject2; do
	deliver "$C" "$WORK/$f.eml"
	grep -q "answer=ack_new_case" "$WORK/deliver.out" || echo "# $f: $(cat "$WORK/deliver.out" "$WORK/deliver.err")"
done
gw -c "$C" outbox flush >/dev/null 2>&1
check "injection: both acknowledgements sent ($before -> $(smtpsink_count))" is "$(smtpsink_count)" $((before + 2))
for f in inject inject2; do
	rc=$(sed -n 's/.*From: .*<\(.*\)>.*/\1/p' "$WORK/$f.eml" | head -n 1 | tr -d '\r')
	imid=$(sql "$(dbof "$C")" "select message_id from outbox where rcpt = '$rc'")
	ifile=$(sink_file "$imid")
	mparse "${ifile:-/nonexistent}" "$WORK/$f.json"
	check "injection ($f): no Bcc or X-Evil header line in the raw header block" not \
		grep -qi '^\(bcc\|x-evil\)[[:space:]]*:' "$(sed '/^\r\{0,1\}$/q' "${ifile:-/nonexistent}" >"$WORK/$f.head"; echo "$WORK/$f.head")"
	check "injection ($f): the header parses to one To and no Bcc, no defects" is \
		"$(field "$WORK/$f.json" '[n for n in d["header_names"] if n in ("to", "cc", "bcc", "x-evil")] == ["to"] and not d["defects"] and d["header_crlf_only"]')" true
	check "injection ($f): the envelope has only $rc" is \
		"$(grep -F "$(echo "$imid" | tr -d '<>')" "$SINK1/log.jsonl" | "$PY" -c 'import json,sys; print(json.dumps([json.loads(l)["rcpt_tos"] for l in sys.stdin]))')" \
		"[[\"$rc\"]]"
done
check "injection: no message anywhere went to a victim" not grep -q victim "$SINK1/log.jsonl"

# ------------------------------------------- 7. the relay down, then up again
smtpsink_start "$WORK/sink2" || notok "a second sink starts"
SINK2=$SMTPSINK_DIR
CD=$(smtpconf down)
smtpsink_stop "$SINK2"
mkmail "$WORK/down.eml" "Dora Down <dora@down.example>" "Licence server down" "<down-1@down.example>"
deliver "$CD" "$WORK/down.eml"
idd=$(lastid "$CD")
middown=$(oj "$CD" "$idd" message_id)
expect_exit 75 "relay down: flush exits 75" gw -c "$CD" outbox flush
check "relay down: the row stays queued, 1 attempt, last_error set ($(oj "$CD" "$idd" last_error))" is \
	"$(oj "$CD" "$idd" status) $(oj "$CD" "$idd" attempts) $(oj "$CD" "$idd" last_error | grep -c .)" "queued 1 1"
nxt=$(sql "$(dbof "$CD")" "select next_attempt_at - strftime('%s','now') from outbox where id = $idd")
check "relay down: the next attempt is at least 30 s away (in $nxt s)" test "${nxt:-0}" -ge 29
expect_exit 0 "relay down: a flush before it is due sends nothing, exit 0" gw -c "$CD" outbox flush
smtpsink_start "$SINK2" || notok "the second sink starts again"
repoint "$CD"
sql "$(dbof "$CD")" "update outbox set next_attempt_at = 0 where status = 0"
expect_exit 0 "relay up again: flush exits 0" gw -c "$CD" outbox flush
check "relay up again: 1 sent ($(cat "$WORK/last.out"))" grep -q "^1 sent, 0 to retry, 0 failed" "$WORK/last.out"
check "relay up again: delivered exactly once" is "$(sink_mid_count "$middown")" 1
check "relay up again: the row is sent after 2 attempts" is \
	"$(oj "$CD" "$idd" status) $(oj "$CD" "$idd" attempts)" "sent 2"

# 4xx answers (451 at RCPT, drop at DATA): retried later, sent once
for m in 451 drop 421; do
	smtpsink_mode "$m"
	mkmail "$WORK/t$m.eml" "Tom Temp <tom$m@temp.example>" "Licence server $m" "<temp-$m@temp.example>"
	deliver "$CD" "$WORK/t$m.eml"
	idt=$(lastid "$CD")
	midt=$(oj "$CD" "$idt" message_id)
	gw -c "$CD" outbox flush >"$WORK/t.out" 2>"$WORK/t.err"
	rc=$?
	check "$m: flush exits 0 or 75 (exit $rc: $(cat "$WORK/t.out"))" test "$rc" = 0 -o "$rc" = 75
	le=$(oj "$CD" "$idt" last_error)
	check "$m: the row stays queued, 1 attempt, last_error set ($le)" is \
		"$(oj "$CD" "$idt" status) $(oj "$CD" "$idt" attempts) $(echo "$le" | grep -c .)" "queued 1 1"
	[ "$m" = 451 ] && check "451: last_error gives the answer" has "$le" 451
	nxt=$(sql "$(dbof "$CD")" "select next_attempt_at - strftime('%s','now') from outbox where id = $idt")
	check "$m: the next attempt is at least 30 s away (in $nxt s)" test "${nxt:-0}" -ge 29
	check "$m: nothing stored by the sink" is "$(sink_mid_count "$midt")" 0
	smtpsink_mode ok
	sql "$(dbof "$CD")" "update outbox set next_attempt_at = 0 where status = 0"
	gw -c "$CD" outbox flush >/dev/null 2>&1
	check "$m then ok: sent exactly once" is "$(sink_mid_count "$midt") $(oj "$CD" "$idt" status)" "1 sent"
done

# ------------------------------------------------------------------ 8. 550
smtpsink_mode 550
mkmail "$WORK/perm.eml" "Pam Perm <pam@perm.example>" "Licence question" "<perm-1@perm.example>"
deliver "$CD" "$WORK/perm.eml"
idp=$(lastid "$CD")
midp=$(oj "$CD" "$idp" message_id)
expect_exit 0 "550: flush exits 0" gw -c "$CD" outbox flush
check "550: flush says 0 sent, 0 to retry, 1 failed ($(cat "$WORK/last.out"))" \
	grep -q "^0 sent, 0 to retry, 1 failed" "$WORK/last.out"
le=$(oj "$CD" "$idp" last_error)
check "550: the row is failed, last_error has the server's 550 ($le)" is \
	"$(oj "$CD" "$idp" status) $(has "$le" 550 && echo y)" "failed y"
gw -c "$CD" outbox list --status failed >"$WORK/failed.txt" 2>&1
check "550: outbox list --status failed shows it with the 550" \
	grep -q "^ *$idp .*failed.*550" "$WORK/failed.txt"
gw -c "$CD" outbox list --status failed --json >"$WORK/failed.json" 2>&1
check "550: ... and in JSON" is \
	"$(field "$WORK/failed.json" '[(r["id"], r["status"], "550" in (r["last_error"] or "")) for r in d]')" \
	"[[$idp, \"failed\", true]]"
check "550: nothing stored by the sink" is "$(sink_mid_count "$midp")" 0
expect_exit 0 "550: outbox retry $idp exits 0" gw -c "$CD" outbox retry "$idp"
check "550: after retry the row is queued again" is "$(oj "$CD" "$idp" status)" queued
smtpsink_mode ok
expect_exit 0 "550: flush after the retry exits 0" gw -c "$CD" outbox flush
check "550: retried, sent exactly once" is "$(sink_mid_count "$midp") $(oj "$CD" "$idp" status)" "1 sent"

# ------------------------------ 9. kill -9 in the middle of a flush of 1,000
smtpsink_start "$WORK/sink3" || notok "a third sink starts"
SINK3=$SMTPSINK_DIR
CK=$(smtpconf kill9)
mkdir -p "$WORK/k9"
"$PY" - "$WORK/k9" <<'EOF'
import sys
for i in range(1000):
    with open("%s/%04d.eml" % (sys.argv[1], i), "w", newline="") as f:
        f.write("From: Customer %d <user%d@k9-%d.example>\r\nTo: support@example.com\r\n"
                "Subject: Licence problem number %d\r\nMessage-ID: <k9-%d@k9-%d.example>\r\n"
                "Date: Mon, 16 Nov 2026 10:00:00 +0000\r\n\r\n"
                "Hello,\r\n\r\nThe licence server refuses client %d.\r\n\r\nThanks\r\n"
                % (i, i, i, i, i, i, i))
EOF
t0=$(now_ms)
bad=0
for f in "$WORK"/k9/*.eml; do
	gw -c "$CK" deliver <"$f" >/dev/null 2>>"$WORK/k9.err" || bad=$((bad + 1))
done
check "kill -9: 1,000 new cases delivered ($bad failed, $(($(now_ms) - t0)) ms)" is "$bad" 0
check "kill -9: 1,000 acknowledgements queued" is \
	"$(sql "$(dbof "$CK")" "select count(*) from outbox where status = 0")" 1000
gw_bg "$WORK/k9flush.err" -c "$CK" outbox flush
kpid=$BGPID
# kill it as soon as the sink holds 150 (watching the sink's mail folder)
"$PY" - "$SINK3/mail" "$kpid" <<'EOF' >"$WORK/k9kill.out"
import os, signal, sys, time
d, pid = sys.argv[1], int(sys.argv[2])
end = time.monotonic() + 30
while time.monotonic() < end:
    n = sum(1 for x in os.listdir(d) if x.endswith(".eml") and not x.startswith("."))
    if n >= 150:
        try:
            exe = os.path.basename(os.readlink("/proc/%d/exe" % pid))
        except OSError:
            exe = "?"
        os.kill(pid, signal.SIGKILL)
        print("killed %s at %d" % (exe, n))
        break
    time.sleep(0.002)
else:
    print("timeout")
EOF
wait "$kpid" 2>/dev/null
krc=$?
atkill=$(smtpsink_count)
check "kill -9: the flush was killed ($(cat "$WORK/k9kill.out"), exit $krc)" is "$krc" 137
check "kill -9: no process of the flush is left" test -z "$(pgrep -f -- "$CK")"
check "kill -9: the sink held between 100 and 900 then ($atkill)" test "$atkill" -ge 100 -a "$atkill" -le 900
check "kill -9: the store is intact" is "$(sql "$(dbof "$CK")" "pragma integrity_check")" ok
sleep 0.3 # let the sink store what was in flight, if anything
expect_exit 0 "kill -9: flush again exits 0" gw -c "$CK" outbox flush
check "kill -9: ... every row sent ($(cat "$WORK/last.out"))" is \
	"$(sql "$(dbof "$CK")" "select count(*) from outbox where status = 1")" 1000
sql "$(dbof "$CK")" "select message_id from outbox" >"$WORK/k9.mids"
"$PY" - "$WORK/k9.mids" "$SINK3/log.jsonl" >"$WORK/k9.check" <<'EOF'
import collections, json, sys
want = [l.strip().strip("<>") for l in open(sys.argv[1]) if l.strip()]
got = collections.Counter((json.loads(l).get("message_id") or "").strip("<>")
                          for l in open(sys.argv[2]))
lost = [m for m in want if got[m] == 0]
twice = [m for m in want if got[m] > 1]
extra = [m for m in got if m not in set(want)]
print(len(want), len(lost), len(twice), max(got.values()) if got else 0, len(extra))
EOF
read -r kwant klost ktwice kmax kextra <"$WORK/k9.check"
check "kill -9: none lost ($klost of $kwant outbox Message-IDs missing at the sink)" is "$kwant $klost" "1000 0"
check "kill -9: at most one Message-ID sent twice ($ktwice twice, max $kmax times, $kextra unknown)" \
	test "$ktwice" -le 1 -a "$kmax" -le 2 -a "$kextra" = 0
check "kill -9: the sink holds 1000 or 1001 messages ($(smtpsink_count))" \
	test "$(smtpsink_count)" -ge 1000 -a "$(smtpsink_count)" -le 1001

# ... and killed while the relay has the mail but has not answered yet (the
# sink stores it, then waits 5 s before its 250): that one is sent again,
# the others once.
for i in 1 2 3; do
	mkmail "$WORK/fl$i.eml" "Flo Flight <flo$i@flight.example>" "In flight $i" "<flight-$i@flight.example>"
	deliver "$CK" "$WORK/fl$i.eml"
done
before=$(smtpsink_count)
smtpsink_mode delay:5
gw_bg "$WORK/flflush.err" -c "$CK" outbox flush
kpid=$BGPID
smtpsink_wait_count $((before + 1)) 10
kill -KILL "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
smtpsink_mode ok
check "in flight: killed with 1 stored and not answered ($before -> $(smtpsink_count))" \
	is "$(smtpsink_count)" $((before + 1))
expect_exit 0 "in flight: flush again exits 0" gw -c "$CK" outbox flush
fl=""
for i in 1 2 3; do
	fl="$fl $(sink_mid_count "$(sql "$(dbof "$CK")" "select message_id from outbox where rcpt = 'flo$i@flight.example'")")"
done
check "in flight: the one in flight sent twice, the others once ($fl)" is \
	"$(echo $fl | tr ' ' '\n' | sort | tr '\n' ' ')" "1 1 2 "
check "in flight: all three rows sent" is \
	"$(sql "$(dbof "$CK")" "select count(*) from outbox where rcpt like 'flo%' and status = 1")" 3

# ------------------------------------------------------------ 10. the daemon
smtpsink_use "$SINK1"
CR=$(smtpconf daemon)
mkmail "$WORK/d1.eml" "Dan Daemon <dan@daemon.example>" "Licence server slow" "<daemon-1@daemon.example>"
mkmail "$WORK/d2.eml" "Deb Daemon <deb@daemon.example>" "Licence server fast" "<daemon-2@daemon.example>"
deliver "$CR" "$WORK/d1.eml"
midd1=$(sql "$(dbof "$CR")" "select message_id from outbox where rcpt = 'dan@daemon.example'")
gw_bg "$WORK/run.err" -c "$CR" run
rpid=$BGPID
checkl "$WORK/run.err" "run with only [smtp]: the mail queued before sent within 5 s" \
	wait_until "$rpid" 5 sh -c "grep -qF '$(bare "$midd1")' '$SINK1/log.jsonl'"
checkl "$WORK/run.err" "run with only [smtp]: it keeps running" alive "$rpid"
t0=$(now_ms)
deliver "$CR" "$WORK/d2.eml"
midd2=$(sql "$(dbof "$CR")" "select message_id from outbox where rcpt = 'deb@daemon.example'")
checkl "$WORK/run.err" "run: a mail delivered while it runs is acknowledged within 5 s" \
	wait_until "$rpid" 5 sh -c "grep -qF '$(bare "$midd2")' '$SINK1/log.jsonl'"
echo "# run: acknowledged after $(($(now_ms) - t0)) ms"
check "run: both rows sent, each once" is \
	"$(oj "$CR" 1 status) $(oj "$CR" 2 status) $(sink_mid_count "$midd1") $(sink_mid_count "$midd2")" "sent sent 1 1"
signal_gw "$rpid" TERM
checkl "$WORK/run.err" "run: SIGTERM -> exit 0 (exit $GW_RC after $GW_MS ms)" is "$GW_RC" 0
