#!/bin/sh
# Renewal reminders end to end, with the real binary and the private SMTP
# sink (harness/smtp.sh): contracts imported from CSV, `renewals run
# --date`, `outbox flush`, then what the sink received.  Routing to each
# region's team (From, Reply-To, the team in the envelope but in no
# header, MAIL FROM the bounce address), the language (the contract's, else
# the region's, else en, and the fallback to en), Auto-Submitted, the tag
# once, the Message-ID that threads a reply into the renewal case, a second
# run sending nothing, a dry run writing nothing, the auto-renewal notice
# (once, not the series), the grace window's edge, co-terming (one mail
# listing two contracts; the second not sent alone later), a run after a
# missed week (only the latest step, never a stale one), usage and template
# errors, kill -9 in the middle of a run over 3,000 contracts (each
# contract and step once in the ledger, no duplicate at the sink), and the
# daemon's renewals worker.
. "$(dirname "$0")/harness/sink_tests.sh"
D=2026-06-01
HEADER="contract,customer_email,customer_name,company,product,serial,region,language,level,starts,expires,auto_renew,renewal_id"

# rconf NAME [LINE...]: $WORK/NAME.ini (store $WORK/NAME.db) with [smtp] on
# the sink, the five regions' teams (CN speaks zh: no templates, so en), and
# the LINEs at the end (more sections).
rconf() {
	_rn=$1
	shift
	{
		echo "[gateway]"
		echo "database = $WORK/$_rn.db"
		echo "staff = @support.example.com"
		echo "templates = ${TPL:-$ROOT/templates}"
		echo "addresses = support@example.com"
		echo "[smtp]"
		echo "url = smtp://127.0.0.1:$SMTPSINK_PORT"
		echo "starttls = no"
		echo "from = Example Support <support@example.com>"
		echo "bounce_address = bounces@example.com"
		echo "timeout_seconds = 5"
		echo "[renewals]"
		echo "schedule = 90,60,30,7,0,-15"
		echo "grace_days = 30"
		echo "[region:EMEA]"
		echo "team = EMEA Renewals <EMEA_renewals@example.com>"
		echo "timezone = Europe/Paris"
		echo "language = fr"
		echo "[region:AMS]"
		echo "team = AMS Renewals <AMS_renewals@example.com>"
		echo "timezone = America/New_York"
		echo "language = en"
		echo "[region:JP]"
		echo "team = JP Renewals <JP_renewals@example.com>"
		echo "timezone = Asia/Tokyo"
		echo "[region:CN]"
		echo "team = CN Renewals <CN_renewals@example.com>"
		echo "timezone = Asia/Shanghai"
		echo "language = zh"
		echo "[region:SG]"
		echo "team = SG Renewals <SG_renewals@example.com>"
		echo "timezone = Asia/Singapore"
		for _rl in "$@"; do
			echo "$_rl"
		done
	} >"$WORK/$_rn.ini"
	echo "$WORK/$_rn.ini"
}
dbof() { echo "${1%.ini}.db"; }
q() { sql "$(dbof "$1")" "$2"; }
is() { [ "$1" = "$2" ]; }
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
field() { json "$1" "$2" 2>/dev/null; }

# sinkmail MSGID > JSON: the sink's copy of the mail with MSGID, parsed
# (headers, body, envelope); {} when the sink has none.
cat >"$WORK/sinkmail.py" <<'EOF'
import email, email.policy, json, os, sys
d, want = sys.argv[1], sys.argv[2].strip("<>")
rec = None
n = 0
for line in open(os.path.join(d, "log.jsonl")):
    r = json.loads(line)
    if (r.get("message_id") or "").strip("<>") == want:
        rec = r
        n += 1
if rec is None:
    print("{}")
    sys.exit(0)
raw = open(os.path.join(d, rec["file"]), "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
def h(k):
    v = m.get(k)
    return None if v is None else str(v)
head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
names = [l.split(":", 1)[0].lower() for l in head.split("\r\n") if l and l[0] not in " \t"]
print(json.dumps({
    "count": n, "from": h("From"), "reply_to": h("Reply-To"), "to": h("To"),
    "cc": h("Cc"), "bcc": h("Bcc"), "subject": h("Subject"),
    "auto_submitted": h("Auto-Submitted"), "in_reply_to": h("In-Reply-To"),
    "message_id": h("Message-ID"), "names": names,
    "to_cc_headers": " ".join(v for k, v in ((k.lower(), str(v)) for k, v in m.items())
                              if k in ("to", "cc", "bcc")),
    "body": m.get_content(), "mail_from": rec["mail_from"],
    "rcpt": sorted(a.lower() for a in rec["rcpt_tos"]),
}))
EOF
# mailto CONF ADDR: the Message-ID of the (last) outbox row to ADDR
mailto() { q "$1" "select message_id from outbox where rcpt like '$2%' order by id desc limit 1"; }
# sinkjson CONF ADDR FILE: the sink's copy of the mail queued to ADDR
sinkjson() { "$PY" "$WORK/sinkmail.py" "$SMTPSINK_DIR" "$(mailto "$1" "$2")" >"$3"; }
notices() { q "$1" "select count(*) from renewal_notices where contract = '$2'"; }

if smtpsink_start "$WORK/sink"; then
	ok "a private SMTP sink listens on 127.0.0.1:$SMTPSINK_PORT"
else
	notok "a private SMTP sink starts"
	exit 1
fi

# ------------------------------------------------- 1. routing and languages
C=$(rconf main)
cat >"$WORK/main.csv" <<EOF
$HEADER
R-EMEA,emea@cust-emea.example,Élodie Faure,"Société d'Études, SA",Gateway Pro,SN-E1,EMEA,,standard,2025-07-01,2026-07-01,no,RN-E1
R-AMS,ams@cust-ams.example,Pierre Martin,Acme US,Gateway Pro,SN-A1,AMS,fr,premier,2025-07-01,2026-07-01,no,RN-A1
R-JP,jp@cust-jp.example,Taro Yamada,Nihon KK,Mail Archiver,SN-J1,JP,,standard,2025-07-01,2026-07-01,no,RN-J1
R-CN,cn@cust-cn.example,Wei Wang,Beijing Tech,Secure Relay,SN-C1,CN,,standard,2025-07-01,2026-07-01,no,RN-C1
R-SG,sg@cust-sg.example,Mary Tan,SG Pte,Analytics Suite,SN-S1,SG,de,standard,2025-07-01,2026-07-01,no,RN-S1
AUTO-1,auto@cust-auto.example,Linda Brown,Globex,Gateway Standard,SN-AU1,AMS,en,standard,2025-06-21,2026-06-21,yes,RN-AU1
EXP-30,exp@cust-exp.example,Hélène Moreau,Initech,Gateway Pro,SN-X1,EMEA,fr,standard,2025-05-02,2026-05-02,no,RN-X1
EXP-31,late@cust-exp.example,Hélène Moreau,Initech,Gateway Pro,SN-X2,EMEA,fr,standard,2025-05-01,2026-05-01,no,RN-X2
EOF
expect_exit 0 "contracts import of the sample" gw -c "$C" contracts import --no-progress "$WORK/main.csv"

expect_exit 0 "dry run: exit 0" gw -c "$C" renewals run --date $D --dry-run
cp "$WORK/last.out" "$WORK/dry.out"
check "dry run: 7 mails would be queued ($(tail -n 1 "$WORK/dry.out"))" \
	is "$(grep -c '^would queue ' "$WORK/dry.out")" 7
check "dry run: nothing written (outbox, ledger, cases)" is \
	"$(q "$C" "select (select count(*) from outbox) + (select count(*) from renewal_notices) + (select count(*) from cases)")" 0

expect_exit 0 "renewals run --date $D: exit 0" gw -c "$C" renewals run --date $D
cp "$WORK/last.out" "$WORK/run1.out"
check "run: 7 mails queued ($(tail -n 1 "$WORK/run1.out"))" is "$(grep -c '^queued ' "$WORK/run1.out")" 7
check "run: the same mails as the dry run said" is \
	"$(sed -n 's/^would queue .* to=\([^ ]*\) .*template=\([^ ]*\) lang=\([^ ]*\).*contracts=\(.*\)/\1 \2 \3 \4/p' "$WORK/dry.out" | sort | tr '\n' ';')" \
	"$(sed -n 's/^queued .* to=\([^ ]*\) .*template=\([^ ]*\) lang=\([^ ]*\).*contracts=\(.*\)/\1 \2 \3 \4/p' "$WORK/run1.out" | sort | tr '\n' ';')"
check "run: 7 outbox rows, 7 renewal cases, 7 ledger rows" is \
	"$(q "$C" "select (select count(*) from outbox), (select count(*) from cases where kind = 'renewal'), (select count(*) from renewal_notices)")" "7|7|7"
expect_exit 0 "flush: exit 0" gw -c "$C" outbox flush
check "flush: 7 sent ($(cat "$WORK/last.out"))" grep -q "^7 sent, 0 to retry, 0 failed" "$WORK/last.out"
check "the sink holds 7 mails" is "$(smtpsink_count)" 7

# region CUSTOMER TEAM-ADDR LANG
region() {
	_rg=$1
	_rc=$2
	_rt=$3
	_rl=$4
	sinkjson "$C" "$_rc" "$WORK/$_rg.json"
	_case=$(q "$C" "select printf('%08d', case_number) from outbox where rcpt like '$_rc%'")
	check "$_rg: one mail to $_rc" is "$(field "$WORK/$_rg.json" 'd.get("count")')" 1
	check "$_rg: From is the team ($(field "$WORK/$_rg.json" 'd["from"]'))" is \
		"$(field "$WORK/$_rg.json" 'd["from"]')" "$_rg Renewals <$_rt>"
	check "$_rg: Reply-To is the team" is "$(field "$WORK/$_rg.json" 'd["reply_to"]')" "$_rg Renewals <$_rt>"
	check "$_rg: To is the customer, no Cc/Bcc header, the team in none of To/Cc/Bcc" is \
		"$(field "$WORK/$_rg.json" '(d["to"].endswith("<'"$_rc"'>"), d["cc"], d["bcc"], "'"$_rt"'".lower() in d["to_cc_headers"].lower())')" \
		'[true, null, null, false]'
	check "$_rg: envelope RCPT the customer and the team ($(field "$WORK/$_rg.json" 'd["rcpt"]'))" is \
		"$(field "$WORK/$_rg.json" 'd["rcpt"] == sorted(["'"$_rc"'", "'"$_rt"'".lower()])')" true
	check "$_rg: MAIL FROM the bounce address" is "$(field "$WORK/$_rg.json" 'd["mail_from"]')" bounces@example.com
	check "$_rg: Auto-Submitted: auto-generated, no In-Reply-To" is \
		"$(field "$WORK/$_rg.json" '(d["auto_submitted"], d["in_reply_to"])')" '["auto-generated", null]'
	check "$_rg: the tag [Case #$_case] once in the subject ($(field "$WORK/$_rg.json" 'd["subject"]'))" is \
		"$(field "$WORK/$_rg.json" '(d["subject"].count("[Case #"), d["subject"].startswith("[Case #'"$_case"'] "))')" '[1, true]'
	case $_rl in
	fr) check "$_rg: in French" is "$(field "$WORK/$_rg.json" '"Bonjour" in d["body"] and "Dear" not in d["body"]')" true ;;
	en) check "$_rg: in English" is "$(field "$WORK/$_rg.json" '"Dear" in d["body"] and "Bonjour" not in d["body"]')" true ;;
	esac
	check "$_rg: the body names the contract, serial, renewal ID and the team's address" is \
		"$(field "$WORK/$_rg.json" 'all(x in d["body"] for x in ("R-'"$_rg"'", "SN-", "RN-")) and "'"$_rt"'".lower() in d["body"].lower()')" true
}
region EMEA emea@cust-emea.example EMEA_renewals@example.com fr # the region's language
region AMS ams@cust-ams.example AMS_renewals@example.com fr     # the contract's, over the region's en
region JP jp@cust-jp.example JP_renewals@example.com en         # neither: en
region CN cn@cust-cn.example CN_renewals@example.com en         # zh: no templates, en
region SG sg@cust-sg.example SG_renewals@example.com en         # de: no templates, en
check "run output: CN's line says lang=en (fallback from zh)" grep -q "to=cn@cust-cn.example .*lang=en " "$WORK/run1.out"
check "run output: AMS's line says region=AMS team=AMS_renewals@example.com lang=fr" \
	grep -q "to=ams@cust-ams.example region=AMS team=AMS_renewals@example.com template=renewal_reminder lang=fr " "$WORK/run1.out"

# the renewal case
ecase=$(q "$C" "select case_number from outbox where rcpt like 'emea@%'")
gw -c "$C" cases show "$ecase" --json >"$WORK/ecase.json" 2>"$WORK/ecase.err"
check "case $ecase: a renewal case of region EMEA for the customer" is \
	"$(q "$C" "select kind, region, requester, renewal_key from cases where number = $ecase")" \
	"renewal|EMEA|emea@cust-emea.example|renewal:emea@cust-emea.example:2026-07-01:EMEA"
check "case $ecase: the reminder is recorded as an outgoing message with its Message-ID" is \
	"$(q "$C" "select count(*) from messages where case_number = $ecase and direction = 1 and message_id = (select message_id from outbox where case_number = $ecase)")" 1

# ------------------------------------------- 2. auto-renewal and grace window
sinkjson "$C" auto@cust-auto.example "$WORK/auto.json"
check "auto-renew: one renewal_auto notice ($(field "$WORK/auto.json" 'd["subject"]'))" is \
	"$(q "$C" "select kind from outbox where rcpt like 'auto@%'") $(field "$WORK/auto.json" '"renews automatically" in d["subject"] and "nothing for you to do" in " ".join(d["body"].split())')" \
	"renewal_auto true"
check "auto-renew: the ledger says auto, step 30" is "$(q "$C" "select kind, step from renewal_notices where contract = 'AUTO-1'")" "auto|30"
sinkjson "$C" exp@cust-exp.example "$WORK/exp.json"
check "grace: expired 30 days ago (= grace_days): the expired notice, in French" is \
	"$(q "$C" "select kind from outbox where rcpt like 'exp@%'") $(field "$WORK/exp.json" '"arrivé à échéance" in d["subject"]')" \
	"renewal_expired true"
check "grace: its step is -15" is "$(q "$C" "select step from renewal_notices where contract = 'EXP-30'")" -15
check "grace: expired 31 days ago: nothing" is "$(q "$C" "select count(*) from outbox where rcpt like 'late@%'") $(notices "$C" EXP-31)" "0 0"

# ---------------------------------------------------- 3. the same day again
expect_exit 0 "second run the same day: exit 0" gw -c "$C" renewals run --date $D
check "second run: 0 mails queued ($(tail -n 1 "$WORK/last.out"))" grep -q "^0 mails queued" "$WORK/last.out"
# (not EMEA: EXP-31 was within its grace window on any earlier date)
expect_exit 0 "a run for an earlier date (05-20) in AMS, JP, CN, SG: exit 0" \
	gw -c "$C" renewals run --date 2026-05-20 --region AMS --region jp --region CN --region SG
check "earlier date: 0 mails (no stale step after a later one)" grep -q "^0 mails queued" "$WORK/last.out"
gw -c "$C" outbox flush >/dev/null 2>&1
check "the sink still holds 7 mails" is "$(smtpsink_count)" 7
# the rest of the auto-renewing contract's life: nothing more
for d in 2026-06-14 2026-06-20 2026-06-21 2026-07-06; do
	gw -c "$C" renewals run --date $d >/dev/null 2>&1
done
check "auto-renew: later runs (7 days, the day before, expiry, after) send it nothing more" is \
	"$(q "$C" "select count(*) from outbox where rcpt like 'auto@%'") $(notices "$C" AUTO-1)" "1 1"
check "grace: nothing more to the expired contract either" is "$(notices "$C" EXP-30) $(notices "$C" EXP-31)" "1 0"

# ------------------------------------------- 4. a reply threads into the case
emid=$(q "$C" "select message_id from outbox where case_number = $ecase order by id limit 1")
printf 'From: =?utf-8?q?=C3=89lodie_Faure?= <emea@cust-emea.example>\r\nTo: EMEA Renewals <EMEA_renewals@example.com>\r\nSubject: Re: notre renouvellement\r\nMessage-ID: <reply-1@cust-emea.example>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: Tue, 02 Jun 2026 09:00:00 +0200\r\n\r\nBonjour, nous renouvelons. Merci de nous envoyer le devis.\r\n' \
	"$emid" "$emid" >"$WORK/reply.eml"
expect_exit 0 "a reply (subject without the tag, References the reminder): deliver exits 0" \
	sh -c 'timeout 60 "$1" -c "$2" deliver <"$3"' sh "$SUPPORTGW" "$C" "$WORK/reply.eml"
check "... filed into the renewal case $ecase ($(cat "$WORK/last.out"))" \
	grep -q "^appended case=0*$ecase " "$WORK/last.out"

# ------------------------------------------------------ 5. usage and templates
N=$(rconf nosmtp)
sed -i '/^\[smtp\]/,/^timeout_seconds/d' "$N"
expect_exit 64 "no [smtp]: exit 64" gw -c "$N" renewals run --date $D
check "... saying why ($(head -n 1 "$WORK/last.err"))" grep -q "no \[smtp\] section.*--dry-run" "$WORK/last.err"
expect_exit 0 "no [smtp] but --dry-run: exit 0" gw -c "$N" renewals run --date $D --dry-run
expect_exit 64 "--date 2026-02-30: exit 64" gw -c "$C" renewals run --date 2026-02-30
expect_exit 64 "--region XX: exit 64" gw -c "$C" renewals run --region XX
expect_exit 64 "renewals without run: exit 64" gw -c "$C" renewals
mkdir -p "$WORK/badtpl"
cp -R "$ROOT/templates/." "$WORK/badtpl/"
printf 'Subject: {{case.tag}} x\n\n{{#contracts}}unclosed\n' >"$WORK/badtpl/fr/renewal_reminder.mustache"
B=$(TPL=$WORK/badtpl rconf badtpl)
expect_exit 65 "a broken template: exit 65, also with --dry-run" gw -c "$B" renewals run --date $D --dry-run
check "... naming the file ($(head -n 1 "$WORK/last.err"))" grep -q "renewal_reminder.mustache" "$WORK/last.err"
cp "$ROOT/templates/fr/renewal_reminder.mustache" "$WORK/badtpl/fr/"
rm "$WORK/badtpl/en/renewal_expired.mustache"
expect_exit 65 "no en/renewal_expired: exit 65" gw -c "$B" renewals run --date $D --dry-run
check "... saying which ($(head -n 1 "$WORK/last.err"))" grep -q "no renewal_expired" "$WORK/last.err"

# ------------------------------------------------------------ 6. co-terming
CO=$(rconf co)
cat >"$WORK/co.csv" <<EOF
$HEADER
CO-1,co@cust-co.example,Chloé Dubois,Dupont & Cie,Gateway Pro,SN-CO1,EMEA,,standard,2025-07-31,2026-07-31,no,RN-CO1
CO-2,co@cust-co.example,Chloé Dubois,Dupont & Cie,Backup Appliance X2,SN-CO2,EMEA,,standard,2025-08-03,2026-08-03,no,RN-CO2
CO-3,co@cust-co.example,Chloé Dubois,Dupont & Cie,Secure Relay,SN-CO3,AMS,,standard,2025-07-31,2026-07-31,no,RN-CO3
CO-9,co@cust-co.example,Chloé Dubois,Dupont & Cie,Mail Archiver,SN-CO9,EMEA,,standard,2025-08-09,2026-08-09,no,RN-CO9
EOF
gw -c "$CO" contracts import --no-progress "$WORK/co.csv" >/dev/null 2>&1
# 2026-05-02: CO-1's 90-day step; CO-2's falls 3 days later (co-termed),
# CO-9's 9 days later (not); CO-3 is AMS's (its own mail, its own team)
expect_exit 0 "co-terming: run --date 2026-05-02" gw -c "$CO" renewals run --date 2026-05-02
cp "$WORK/last.out" "$WORK/co1.out"
check "co-terming: one EMEA mail listing CO-1 and CO-2 ($(grep EMEA "$WORK/co1.out"))" \
	grep -q "to=co@cust-co.example region=EMEA .*contracts=CO-1,CO-2$" "$WORK/co1.out"
check "co-terming: CO-3 (AMS) in a mail of its own" \
	grep -q "to=co@cust-co.example region=AMS team=AMS_renewals@example.com .*contracts=CO-3$" "$WORK/co1.out"
check "co-terming: 2 mails, 1 contract co-termed ($(tail -n 1 "$WORK/co1.out"))" \
	grep -q "^2 mails queued .* for 3 contracts, 1 of them co-termed" "$WORK/co1.out"
check "co-terming: CO-2's 90-day step is in the ledger, from the 05-02 run" is \
	"$(q "$CO" "select step, run_date from renewal_notices where contract = 'CO-2'")" "90|2026-05-02"
gw -c "$CO" outbox flush >/dev/null 2>&1
sinkjson "$CO" "co@cust-co.example emea" "$WORK/co.json"
check "co-terming: the mail the sink got lists both contracts and their expiry dates" is \
	"$(field "$WORK/co.json" 'all(x in d["body"] for x in ("CO-1", "CO-2", "2026-07-31", "2026-08-03")) and "CO-9" not in d["body"]')" true
expect_exit 0 "co-terming: run --date 2026-05-05 (CO-2's own day)" gw -c "$CO" renewals run --date 2026-05-05
check "co-terming: CO-2 not sent again alone ($(tail -n 1 "$WORK/last.out"))" grep -q "^0 mails queued" "$WORK/last.out"
expect_exit 0 "co-terming: run --date 2026-05-11 (CO-9's day)" gw -c "$CO" renewals run --date 2026-05-11
check "co-terming: CO-9 alone" grep -q "contracts=CO-9$" "$WORK/last.out"

# --------------------------------------------------- 7. a run after a missed week
M=$(rconf miss)
printf '%s\nMISS-1,miss@cust-miss.example,John Smith,Hooli,Gateway Pro,SN-M1,AMS,en,standard,2025-07-10,2026-07-10,no,RN-M1\n' \
	"$HEADER" >"$WORK/miss.csv"
gw -c "$M" contracts import --no-progress "$WORK/miss.csv" >/dev/null 2>&1
gw -c "$M" renewals run --date 2026-06-10 >"$WORK/miss1.out" 2>&1
check "missed week: 06-10 sends the 30-day step (the 90 and 60 were missed: skipped)" is \
	"$(q "$M" "select group_concat(step) from renewal_notices where contract = 'MISS-1'")" 30
# nothing ran from 06-11 to 07-04; the 7-day step fell on 07-03
gw -c "$M" renewals run --date 2026-07-05 >"$WORK/miss2.out" 2>&1
check "missed week: 07-05 sends only the 7-day step ($(tail -n 1 "$WORK/miss2.out"))" is \
	"$(grep -c '^queued ' "$WORK/miss2.out") $(q "$M" "select group_concat(step) from (select step from renewal_notices where contract = 'MISS-1' order by step desc)")" "1 30,7"
gw -c "$M" renewals run --date 2026-06-20 >"$WORK/miss3.out" 2>&1
check "missed week: a run for 06-20 afterwards sends nothing stale" is \
	"$(grep -c '^queued ' "$WORK/miss3.out") $(notices "$M" MISS-1)" "0 2"

# ------------------------------------------------ 8. kill -9 in the middle
K=$(rconf k9)
"$PY" - "$WORK/k9.csv" "$HEADER" <<'EOF'
import datetime, random, sys
r = random.Random(9)
d = datetime.date(2026, 6, 1)
regions = ["EMEA", "AMS", "JP", "CN", "SG", ""]
with open(sys.argv[1], "w") as f:
    f.write(sys.argv[2] + "\n")
    for i in range(3000):
        c = i // 2
        exp = d + datetime.timedelta(days=r.randint(1, 90))
        f.write("K%05d,cust%04d@k9.example,Customer %d,Company %d,Gateway Pro,SN-K%05d,%s,,standard,%s,%s,no,RN-K%05d\n"
                % (i, c, c, c, i, regions[c % 6], exp - datetime.timedelta(days=365), exp, i))
EOF
gw -c "$K" contracts import --no-progress "$WORK/k9.csv" >/dev/null 2>&1
gw -c "$K" renewals run --date $D --dry-run >"$WORK/k9dry.out" 2>&1
kmails=$(grep -c '^would queue ' "$WORK/k9dry.out")
kcontracts=$(sed -n 's/.* for \([0-9]*\) contracts.*/\1/p' "$WORK/k9dry.out")
check "kill -9: 3,000 contracts due, $kmails mails planned" test "$kcontracts" = 3000 -a "$kmails" -gt 1000
gw_bg "$WORK/k9run.err" -c "$K" renewals run --date $D
kpid=$BGPID
"$PY" - "$(dbof "$K")" "$kpid" <<'EOF' >"$WORK/k9kill.out"
import os, signal, sqlite3, sys, time
db, pid = sys.argv[1], int(sys.argv[2])
end = time.monotonic() + 30
n = 0
while time.monotonic() < end:
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
        n = c.execute("select count(*) from renewal_notices").fetchone()[0]
        c.close()
    except sqlite3.Error:
        n = 0
    if n >= 300:
        os.kill(pid, signal.SIGKILL)
        print("killed at %d" % n)
        break
    time.sleep(0.002)
else:
    print("timeout")
EOF
wait "$kpid" 2>/dev/null
krc=$?
kat=$(q "$K" "select count(*) from renewal_notices")
check "kill -9: the run was killed in the middle ($(cat "$WORK/k9kill.out"), exit $krc, $kat of 3000 in the ledger)" \
	test "$krc" = 137 -a "$kat" -ge 300 -a "$kat" -lt 3000
check "kill -9: the store is intact" is "$(q "$K" "pragma integrity_check")" ok
check "kill -9: each committed mail has all its ledger rows (outbox rows = mails of the ledger)" is \
	"$(q "$K" "select count(*) from outbox")" "$(q "$K" "select count(distinct outbox_id) from renewal_notices")"
expect_exit 0 "kill -9: run again: exit 0" gw -c "$K" renewals run --date $D
check "kill -9: ... queues the rest ($(tail -n 1 "$WORK/last.out"))" is \
	"$(q "$K" "select count(*) from outbox")" "$kmails"
check "kill -9: every contract exactly once in the ledger, for one step" is \
	"$(q "$K" "select count(*), count(distinct contract), max(n) from (select contract, count(*) n from renewal_notices group by contract)")" \
	"3000|3000|1"
expect_exit 0 "kill -9: a third run queues nothing" gw -c "$K" renewals run --date $D
check "... (0 mails)" grep -q "^0 mails queued" "$WORK/last.out"
before=$(smtpsink_count)
expect_exit 0 "kill -9: flush" gw -c "$K" outbox flush
check "kill -9: the sink got $kmails more mails ($(cat "$WORK/last.out"))" is "$(smtpsink_count)" $((before + kmails))
sql "$(dbof "$K")" "select message_id from outbox" >"$WORK/k9.mids"
"$PY" - "$WORK/k9.mids" "$SMTPSINK_DIR" <<'EOF' >"$WORK/k9.check"
import collections, email, email.policy, json, os, re, sys
want = set(l.strip().strip("<>") for l in open(sys.argv[1]) if l.strip())
mids = collections.Counter()
contracts = collections.Counter()
for line in open(os.path.join(sys.argv[2], "log.jsonl")):
    r = json.loads(line)
    mid = (r.get("message_id") or "").strip("<>")
    if mid not in want:
        continue
    mids[mid] += 1
    m = email.message_from_bytes(open(os.path.join(sys.argv[2], r["file"]), "rb").read(),
                                 policy=email.policy.default)
    for k in set(re.findall(r"(?<![\w-])(K\d{5})\b", m.get_content())):
        contracts[k] += 1
print(len(want), len(mids), max(mids.values()), len(contracts), max(contracts.values()))
EOF
check "kill -9: at the sink every Message-ID once, every contract in exactly one mail ($(cat "$WORK/k9.check"))" \
	is "$(cat "$WORK/k9.check")" "$kmails $kmails 1 3000 1"

# ---------------------------------------------------------- 9. the daemon
today=$("$PY" -c 'import datetime, zoneinfo; print(datetime.datetime.now(zoneinfo.ZoneInfo("America/New_York")).date() + datetime.timedelta(days=30))')
R=$(rconf daemon)
sed -i 's/^grace_days = 30$/grace_days = 30\nsend_hour = 00:00/' "$R"
printf '%s\nDMN-1,dmn@cust-dmn.example,Dan Daemon,Daemon Inc,Gateway Pro,SN-D1,AMS,en,standard,2025-01-01,%s,no,RN-D1\n' \
	"$HEADER" "$today" >"$WORK/dmn.csv"
gw -c "$R" contracts import --no-progress "$WORK/dmn.csv" >/dev/null 2>&1
gw_bg "$WORK/run.err" -c "$R" run
rpid=$BGPID
checkl "$WORK/run.err" "run: the renewals worker queues the reminder due today (30 days before $today)" \
	wait_until "$rpid" 10 sh -c "[ \"\$(sqlite3 -cmd '.timeout 2000' '$(dbof "$R")' \"select count(*) from renewal_notices where contract = 'DMN-1'\")\" = 1 ]"
dmid=$(mailto "$R" dmn@cust-dmn.example)
checkl "$WORK/run.err" "run: ... and the sender sends it" \
	wait_until "$rpid" 10 sh -c "grep -qF '$(printf '%s' "$dmid" | tr -d '<>')' '$SMTPSINK_DIR/log.jsonl'"
checkl "$WORK/run.err" "run: the log names the renewals worker" grep -q "renewals:" "$WORK/run.err"
sleep 1
check "run: queued once (the worker does not repeat the day)" is "$(q "$R" "select count(*) from outbox")" 1
signal_gw "$rpid" TERM
checkl "$WORK/run.err" "run: SIGTERM -> exit 0 (exit $GW_RC after $GW_MS ms)" is "$GW_RC" 0
