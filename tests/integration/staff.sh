#!/bin/sh
# Staff working a case by email, end to end through `supportgw deliver`,
# `supportgw outbox flush` and a private SMTP sink (harness/smtp.sh): a
# customer opens a case; a staff answer by fingerprint reaches the requester
# and the Cc participant (not staff, not us) from the gateway's address with
# the tag once, its text (signature, quote, accents) and its attachment
# intact; an answer by References only; `cases show --json` lists the
# outgoing mail; "#severity B" + text applies and relays the text alone; a
# bad command changes and sends nothing; "#close" alone closes and sends
# nothing; staff mail naming no case sends nothing; `import` of old staff
# mail neither relays nor applies; without [smtp] commands still apply; a
# customer's reply on a renewal case made by `renewals run` is forwarded to
# the region's team.
. "$(dirname "$0")/harness/sink_tests.sh"

# conf NAME [smtp]: $WORK/NAME.ini with store $WORK/NAME.db
conf() {
	{
		echo "[gateway]"
		echo "database = $WORK/$1.db"
		echo "staff = @support.example.com"
		echo "templates = $ROOT/templates"
		echo "addresses = support@example.com"
		if [ "${2:-}" = smtp ]; then
			echo "[smtp]"
			echo "url = smtp://127.0.0.1:$SMTPSINK_PORT"
			echo "starttls = no"
			echo "from = Example Support <support@example.com>"
			echo "timeout_seconds = 5"
		fi
		echo "[region:EMEA]"
		echo "team = EMEA Renewals <emea-renewals@example.com>"
	} >"$WORK/$1.ini"
	echo "$WORK/$1.ini"
}

# mail FILE FROM SUBJECT MESSAGE-ID BODYFILE [HEADER...]: a text/plain
# UTF-8 mail (8bit), CRLF lines
mail() {
	_f=$1 _from=$2 _subj=$3 _mid=$4 _body=$5
	shift 5
	{
		printf 'From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n' "$_from" "$_subj"
		printf 'Date: Mon, 16 Nov 2026 10:00:00 +0000\r\nMessage-ID: %s\r\n' "$_mid"
		for _h in "$@"; do
			printf '%s\r\n' "$_h"
		done
		printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n'
		printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
		sed 's/$/\r/' "$_body"
	} >"$_f"
}
text() { printf '%s' "$2" >"$WORK/$1.txt"; echo "$WORK/$1.txt"; }

deliver() { gw -c "$1" deliver <"$2" >"$WORK/deliver.out" 2>"$WORK/deliver.err"; }
dout() { cat "$WORK/deliver.out"; }
outrows() { _o=$(sql "$WORK/staff.db" "select count(*) from outbox"); echo "${_o:-0}"; }
lastmid() { sql "$WORK/staff.db" "select message_id from outbox where kind = '$1' order by id desc limit 1"; }
flush() { gw -c "$C" outbox flush >"$WORK/flush.out" 2>"$WORK/flush.err"; }
is() { [ "$1" = "$2" ]; }
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
hasnot() { ! has "$@"; }
field() { json "$1" "$2" 2>/dev/null; }

# sink MSGID OUT.json: the sink's copy of MSGID, parsed by Python's email
# package (policy default): headers, envelope, the text part decoded (line
# ends as LF), and each attachment's name, type and SHA-256.
cat >"$WORK/sinkparse.py" <<'EOF'
import email, email.policy, hashlib, json, os, sys
d, want = sys.argv[1], sys.argv[2].strip("<>")
rec = None
for line in open(os.path.join(d, "log.jsonl")):
    r = json.loads(line)
    if (r.get("message_id") or "").strip("<>") == want:
        rec = r
if rec is None:
    print(json.dumps({"found": False}))
    sys.exit(0)
raw = open(os.path.join(d, rec["file"]), "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
def addrs(name):
    v = m.get(name)
    return [a.addr_spec.lower() for a in v.addresses] if v is not None else []
text, files = None, []
for part in m.walk():
    if part.is_multipart():
        continue
    if part.get_content_disposition() in ("attachment", "inline") and part.get_filename():
        data = part.get_payload(decode=True)
        files.append({"name": part.get_filename(), "type": part.get_content_type(),
                      "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    elif part.get_content_type() == "text/plain" and text is None:
        text = part.get_payload(decode=True).decode(part.get_content_charset() or "ascii")
        text = text.replace("\r\n", "\n")
print(json.dumps({
    "found": True, "from": str(m["From"]), "to": addrs("To"), "cc": addrs("Cc"),
    "reply_to": addrs("Reply-To"), "subject": str(m["Subject"]),
    "in_reply_to": m["In-Reply-To"], "references": m["References"],
    "auto_submitted": m["Auto-Submitted"], "x_loop": m["X-Loop"],
    "content_type": m.get_content_type(), "text": text, "files": files,
    "rcpt": sorted(a.lower() for a in rec["rcpt_tos"]), "mail_from": rec["mail_from"],
    "defects": [type(x).__name__ for p in m.walk() for x in p.defects],
}))
EOF
sink() { "$PY" "$WORK/sinkparse.py" "$SMTPSINK_DIR" "$1" >"$2"; }
# same FILE JSON EXPR: the decoded text equals the file's bytes
same_text() { "$PY" -c 'import json,sys
d = json.load(open(sys.argv[2]))
sys.exit(0 if d.get("text") == open(sys.argv[1], encoding="utf-8").read() else 1)' "$1" "$2"; }

if smtpsink_start "$WORK/sink"; then
	ok "a private SMTP sink listens on 127.0.0.1:$SMTPSINK_PORT"
else
	notok "a private SMTP sink starts"
	exit 1
fi
C=$(conf staff smtp)

# ------------------------------------------------- 1. a customer's case
mail "$WORK/c1.eml" "John Smith <john@acme-corp.example>" "License server down" \
	"<c1@acme-corp.example>" "$(text c1 "Hello,
our license server stopped working this morning.
John
")" "Cc: Mary Major <mary@acme-corp.example>, Tom Tech <tom@support.example.com>, support@example.com"
expect_exit 0 "customer: deliver exits 0" deliver "$C" "$WORK/c1.eml"
case1=$(sed -n 's/.*case=\([0-9]*\).*/\1/p' "$WORK/deliver.out")
check "customer: a new case, acknowledged ($(dout))" has "$(dout)" "answer=ack_new_case"
flush
check "customer: the acknowledgement is in the sink" is "$(smtpsink_count)" 1

# --------------------------------- 2. staff answer by fingerprint, with a file
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 256) % 256 for i in range(5000)))' >"$WORK/patch.bin"
cat >"$WORK/s1.txt" <<'EOF'
Hello John,

the licence server needs the patch attached. Voilà, ça marche.

#1 thing to check first: the dongle.

Best regards
-- 
Agent Smith
Example Support

On Mon, 16 Nov 2026, John Smith wrote:
> Hello,
> our license server stopped working this morning.
EOF
{
	printf 'From: Agent Smith <agent@support.example.com>\r\nTo: support@example.com\r\n'
	printf 'Subject: RE: [Case #%s] License server down\r\n' "$case1"
	printf 'Date: Mon, 16 Nov 2026 11:00:00 +0000\r\nMessage-ID: <s1@support.example.com>\r\n'
	printf 'In-Reply-To: <c1@acme-corp.example>\r\nReferences: <c1@acme-corp.example>\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="=-b1"\r\n\r\n'
	printf -- '--=-b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
	sed 's/$/\r/' "$WORK/s1.txt"
	printf -- '--=-b1\r\nContent-Type: application/octet-stream; name="patch-1.2.bin"\r\n'
	printf 'Content-Disposition: attachment; filename="patch-1.2.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	base64 "$WORK/patch.bin" | sed 's/$/\r/'
	printf -- '--=-b1--\r\n'
} >"$WORK/s1.eml"
expect_exit 0 "fingerprint: deliver exits 0" deliver "$C" "$WORK/s1.eml"
check "fingerprint: filed into case $case1, relayed=staff_reply ($(dout))" sh -c \
	'case $1 in *"case=$2 "*"relayed=staff_reply"*) exit 0 ;; esac; exit 1' sh "$(dout)" "$case1"
check "fingerprint: no acknowledgement to staff" hasnot "$(dout)" "answer="
mid1=$(lastmid staff_reply)
expect_exit 0 "fingerprint: flush exits 0" flush
check "fingerprint: the sink holds the relay ($(smtpsink_count) messages)" is "$(smtpsink_count)" 2
sink "$mid1" "$WORK/r1.json"
check "relay: From is the gateway ($(field "$WORK/r1.json" 'd["from"]'))" is \
	"$(field "$WORK/r1.json" 'd["from"]')" "Example Support <support@example.com>"
check "relay: To the requester ($(field "$WORK/r1.json" 'd["to"]'))" is \
	"$(field "$WORK/r1.json" 'd["to"]')" '["john@acme-corp.example"]'
check "relay: Cc the cc participant only, not staff nor us ($(field "$WORK/r1.json" 'd["cc"]'))" is \
	"$(field "$WORK/r1.json" 'd["cc"]')" '["mary@acme-corp.example"]'
check "relay: envelope to the requester and the cc ($(field "$WORK/r1.json" 'd["rcpt"]'))" is \
	"$(field "$WORK/r1.json" 'd["rcpt"]')" '["john@acme-corp.example", "mary@acme-corp.example"]'
check "relay: MAIL FROM the gateway" is "$(field "$WORK/r1.json" 'd["mail_from"]')" support@example.com
subj=$(field "$WORK/r1.json" 'd["subject"]')
check "relay: Subject is the case's with the tag once ($subj)" is "$subj" "[Case #$case1] License server down"
check "relay: no Auto-Submitted (a person's words), X-Loop still" is \
	"$(field "$WORK/r1.json" '[d["auto_submitted"], d["x_loop"]]')" '[null, "support@example.com"]'
check "relay: In-Reply-To the customer's mail" is \
	"$(field "$WORK/r1.json" 'd["in_reply_to"]')" "<c1@acme-corp.example>"
check "relay: the decoded text is the staff member's, byte for byte (signature, quote, accents, '#1')" \
	same_text "$WORK/s1.txt" "$WORK/r1.json"
check "relay: multipart/mixed without defects" is \
	"$(field "$WORK/r1.json" '[d["content_type"], d["defects"]]')" '["multipart/mixed", []]'
check "relay: the attachment arrives intact ($(field "$WORK/r1.json" 'd["files"]'))" is \
	"$(field "$WORK/r1.json" '[(f["name"], f["size"], f["sha256"]) for f in d["files"]]')" \
	"[[\"patch-1.2.bin\", 5000, \"$(sha256sum "$WORK/patch.bin" | cut -d' ' -f1)\"]]"

# ------------------------------------------- 3. cases show lists the relay
gw -c "$C" cases show "$case1" --json >"$WORK/show.json" 2>"$WORK/show.err"
check "cases show --json: the outgoing message under the relay's Message-ID" is \
	"$(field "$WORK/show.json" "[(m['direction'], m['source'], len(m['attachments'])) for m in d['messages'] if m['message_id'] == '$mid1']")" \
	'[["out", "relay:agent@support.example.com", 1]]'

# ------------------------------------------------ 4. by References only
mail "$WORK/s2.eml" "agent@support.example.com" "about your licence server" \
	"<s2@support.example.com>" "$(text s2 "John, please send us the log file.
")" "In-Reply-To: <c1@acme-corp.example>" "References: <c1@acme-corp.example>"
deliver "$C" "$WORK/s2.eml"
check "References only: relayed=staff_reply in case $case1 ($(dout))" sh -c \
	'case $1 in *"case=$2 "*"relayed=staff_reply"*) exit 0 ;; esac; exit 1' sh "$(dout)" "$case1"
mid2=$(lastmid staff_reply)
flush
sink "$mid2" "$WORK/r2.json"
check "References only: sent, Subject with the tag once ($(field "$WORK/r2.json" 'd["subject"]'))" is \
	"$(field "$WORK/r2.json" 'd["subject"]')" "[Case #$case1] License server down"
check "References only: the text as written" same_text "$WORK/s2.txt" "$WORK/r2.json"

# ---------------------------------------- 5. #severity B + text: applied, text relayed
mail "$WORK/s3.eml" "agent@support.example.com" "Re: [Case #$case1] License server down" \
	"<s3@support.example.com>" "$(text s3cmd "#severity B

We are raising the priority of your case.
")"
text s3 "We are raising the priority of your case.
" >/dev/null
n=$(outrows)
deliver "$C" "$WORK/s3.eml"
check "#severity B: commands=severity=B relayed=staff_reply ($(dout))" has "$(dout)" "commands=severity=B relayed=staff_reply"
check "#severity B: the case's severity is B" is "$(sql "$WORK/staff.db" "select severity from cases where number = $(expr "$case1" + 0)")" B
check "#severity B: one mail queued" is "$(outrows)" $((n + 1))
mid3=$(lastmid staff_reply)
flush
sink "$mid3" "$WORK/r3.json"
check "#severity B: the relayed text is the text without the command line" same_text "$WORK/s3.txt" "$WORK/r3.json"

# #level alone: applied, the target recomputed, nothing sent
mail "$WORK/s3b.eml" "agent@support.example.com" "Re: [Case #$case1] License server down" \
	"<s3b@support.example.com>" "$(text s3b "  #Level Premier
")"
n=$(outrows)
deliver "$C" "$WORK/s3b.eml"
check "#level premier: commands=level=premier, nothing relayed ($(dout))" sh -c \
	'case $1 in *" relayed="*) exit 1 ;; *commands=level=premier*) exit 0 ;; esac; exit 1' sh "$(dout)"
check "#level premier: level premier and a first-response target" is \
	"$(sql "$WORK/staff.db" "select level, due > created_at from cases where number = $(expr "$case1" + 0)")" "premier|1"
check "#level premier: nothing queued" is "$(outrows)" "$n"

# ---------------------------------------------- 6. a bad command: nothing
mail "$WORK/s4.eml" "agent@support.example.com" "Re: [Case #$case1] License server down" \
	"<s4@support.example.com>" "$(text s4 "#severity Z

This must not reach the customer.
")"
n=$(outrows)
c0=$(smtpsink_count)
deliver "$C" "$WORK/s4.eml"
check "bad command: not relayed ($(dout))" sh -c \
	'case $1 in *" relayed="*) exit 1 ;; *not_relayed=*) exit 0 ;; esac; exit 1' sh "$(dout)"
check "bad command: nothing queued" is "$(outrows)" "$n"
check "bad command: the severity stays B" is "$(sql "$WORK/staff.db" "select severity from cases where number = $(expr "$case1" + 0)")" B
gw -c "$C" cases show "$case1" --json >"$WORK/show.json" 2>/dev/null
check "bad command: a case event says why" is \
	"$(field "$WORK/show.json" "len([e for e in d['events'] if e['kind'] == 'staff command refused' and '#severity Z' in e['detail']])")" 1
flush
check "bad command: the sink got nothing" is "$(smtpsink_count)" "$c0"

# ------------------------------------------------- 7. #close alone
mail "$WORK/s5.eml" "agent@support.example.com" "Re: [Case #$case1] License server down" \
	"<s5@support.example.com>" "$(text s5 "#close

-- 
Agent Smith
")"
n=$(outrows)
deliver "$C" "$WORK/s5.eml"
check "#close: commands=close, not relayed ($(dout))" sh -c \
	'case $1 in *" relayed="*) exit 1 ;; *commands=close*) exit 0 ;; esac; exit 1' sh "$(dout)"
gw -c "$C" cases show "$case1" --json >"$WORK/show.json" 2>/dev/null
check "#close: the case is closed" is "$(field "$WORK/show.json" 'd["status"]')" closed
check "#close: an event names the staff member" is \
	"$(field "$WORK/show.json" "len([e for e in d['events'] if e['kind'] == 'staff command' and e['detail'].startswith('#close by agent@support.example.com')])")" 1
check "#close: nothing queued" is "$(outrows)" "$n"
flush
check "#close: the sink got nothing" is "$(smtpsink_count)" "$c0"

# ------------------------------------------ 8. staff mail naming no case
mail "$WORK/s6.eml" "Agent Smith <agent@support.example.com>" "Licence audit for ACME" \
	"<s6@support.example.com>" "$(text s6 "Internal: please check ACME's licences.
")"
n=$(outrows)
deliver "$C" "$WORK/s6.eml"
check "no case: stored as a new case ($(dout))" has "$(dout)" "new case="
check "no case: neither acknowledged nor relayed" sh -c \
	'case $1 in *answer=*|*" relayed="*) exit 1 ;; esac; exit 0' sh "$(dout)"
check "no case: nothing queued" is "$(outrows)" "$n"

# --------------------------------------------- 9. import: old mail is filed only
mail "$WORK/c7.eml" "Ann Other <ann@beta.example>" "Dongle lost" "<c7@beta.example>" \
	"$(text c7 "I lost the dongle.
")"
deliver "$C" "$WORK/c7.eml"
case7=$(sed -n 's/.*case=\([0-9]*\).*/\1/p' "$WORK/deliver.out")
mail "$WORK/s7.eml" "agent@support.example.com" "Re: [Case #$case7] Dongle lost" \
	"<s7@support.example.com>" "$(text s7 "#close
Sent last year.
")"
n=$(outrows)
expect_exit 0 "import: old staff mail imports" gw -c "$C" import --no-progress "$WORK/s7.eml"
check "import: nothing relayed" is "$(outrows)" "$n"
check "import: no command applied (case $case7 still open)" is \
	"$(sql "$WORK/staff.db" "select status from cases where number = $(expr "$case7" + 0)")" 0

# ------------------------------------------------- 10. without [smtp]
N=$(conf nosmtp)
mail "$WORK/n1.eml" "ann@beta.example" "Printer jam" "<n1@beta.example>" "$(text n1 "Jammed.
")"
deliver "$N" "$WORK/n1.eml"
mail "$WORK/n2.eml" "agent@support.example.com" "Re: [Case #00000001]" "<n2@support.example.com>" \
	"$(text n2 "#severity A
On it.
")"
deliver "$N" "$WORK/n2.eml"
check "no [smtp]: the command applies ($(dout))" has "$(dout)" "commands=severity=A"
check "no [smtp]: severity A" is "$(sql "$WORK/nosmtp.db" "select severity from cases where number = 1")" A
gw -c "$N" cases show 1 --json >"$WORK/shown.json" 2>/dev/null
check "no [smtp]: the relay skipped is a case event" is \
	"$(field "$WORK/shown.json" "len([e for e in d['events'] if e['kind'] == 'relay skipped' and 'no [smtp]' in e['detail']])")" 1
check "no [smtp]: nothing queued" is "$(sql "$WORK/nosmtp.db" "select count(*) from outbox")" 0

# ------------------------------------- 11. a reply on a renewal case goes to the team
cat >"$WORK/contracts.csv" <<'EOF'
contract,customer_email,customer_name,company,product,serial,region,language,level,starts,expires,auto_renew,renewal_id
C-100,paul@durand.example,Paul Durand,Durand SA,LicServer,SN-1,EMEA,en,standard,2026-01-01,2026-12-31,no,R-100
EOF
expect_exit 0 "renewals: contracts import" gw -c "$C" contracts import "$WORK/contracts.csv"
expect_exit 0 "renewals: renewals run --date 2026-12-01" gw -c "$C" renewals run --date 2026-12-01
rcase=$(sql "$WORK/staff.db" "select number from cases where kind = 'renewal' order by number desc limit 1")
check "renewals: a renewal case in EMEA ($rcase)" is \
	"$(sql "$WORK/staff.db" "select region from cases where number = ${rcase:-0}")" EMEA
rtag=$(printf '%08d' "${rcase:-0}")
flush
c0=$(smtpsink_count)
mail "$WORK/p1.eml" "Paul Durand <paul@durand.example>" "RE: [Case #$rtag] Renewal" \
	"<p1@durand.example>" "$(text p1 "Please send us a quote for two more years.

Paul
")"
deliver "$C" "$WORK/p1.eml"
check "renewals: the reply is forwarded ($(dout))" has "$(dout)" "relayed=renewal_forward"
midf=$(lastmid renewal_forward)
flush
sink "$midf" "$WORK/f1.json"
check "forward: sent to the team ($(field "$WORK/f1.json" 'd["rcpt"]'))" is \
	"$(field "$WORK/f1.json" '[d["rcpt"], d["to"]]')" '[["emea-renewals@example.com"], ["emea-renewals@example.com"]]'
check "forward: From the gateway, Reply-To the customer" is \
	"$(field "$WORK/f1.json" '[d["from"], d["reply_to"]]')" '["Example Support <support@example.com>", ["paul@durand.example"]]'
check "forward: the tag once ($(field "$WORK/f1.json" 'd["subject"]'))" is \
	"$(field "$WORK/f1.json" 'd["subject"].count("[Case #'"$rtag"']")')" 1
check "forward: who wrote, then the customer's text" is \
	"$(field "$WORK/f1.json" 'd["text"].startswith("From: Paul Durand <paul@durand.example>\n") and d["text"].endswith("\n\nPlease send us a quote for two more years.\n\nPaul\n")')" true
check "forward: no Auto-Submitted" is "$(field "$WORK/f1.json" 'd["auto_submitted"]')" null
check "forward: the sink got exactly it" is "$(smtpsink_count)" $((c0 + 1))
