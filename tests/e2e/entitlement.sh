#!/bin/sh
# Entitlement of new cases end to end with the real binary: contracts
# imported from CSV, mail delivered with [smtp] pointing at a closed port
# (answers are only queued), and the acknowledgement read back with
# `outbox show`: active support with its due time, expired support with
# the regional team's address, no contract found; in English and French;
# severity A from "urgent" / "panne", D from a pricing question; the
# contract's language; `cases list` and `cases show` (text and JSON);
# automatic mail gets no due time; `import` (old mail) computes nothing.
. "$(dirname "$0")/lib.sh"
unset SUPPORTGW_TEMPLATES

C="$WORK/gw.ini"
cat >"$C" <<INI
[gateway]
database = $WORK/store.db
staff = @vendor.example
templates = $ROOT/templates
[smtp]
url = smtp://127.0.0.1:1
starttls = no
from = Example Support <support@vendor.example>
[region:EMEA]
team = EMEA Renewals <emea-renewals@vendor.example>
[region:AMS]
team = AMS Renewals <ams-renewals@vendor.example>
INI

# Dates around today: a year ahead, ten days ago (within grace_days), a
# year ago.
ahead=$(date -u -d '+365 days' +%F)
recent=$(date -u -d '-10 days' +%F)
old=$(date -u -d '-400 days' +%F)
cat >"$WORK/contracts.csv" <<CSV
contract,customer_email,customer_name,company,product,serial,region,language,level,starts,expires,auto_renew,renewal_id
C-100,alice@acme.example,Alice Martin,Acme Inc,Widget Server,WS-100-A,AMS,en,premier,2024-01-01,$ahead,no,R-100
C-200,paul@durand.example,Paul Durand,Durand SA,Widget Cloud,WC-200,EMEA,fr,standard,2024-01-01,$ahead,no,R-200
C-300,bob@beta.example,Bob Smith,Beta LLC,Widget Server,WS-300,AMS,en,standard,2024-01-01,$recent,no,R-300
C-400,claire@gamma.example,Claire Petit,Gamma SARL,Widget Cloud,WC-400,EMEA,fr,premier,2023-01-01,$old,no,R-400
CSV
expect_exit 0 "contracts import of 4 contracts" "$SUPPORTGW" -c "$C" contracts import "$WORK/contracts.csv"

n=0
# deliver FROM SUBJECT BODY [EXTRA-HEADER]: the case number in $c
deliver() {
	n=$((n + 1))
	printf 'From: %s\nTo: support@vendor.example\nSubject: %s\nMessage-ID: <e%d@test>\n%sContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$1" "$2" "$n" "${4:-}" "$3" | "$SUPPORTGW" -c "$C" deliver >"$WORK/d$n.out" 2>"$WORK/d$n.err"
	c=$(sed -n 's/.*case=0*\([0-9]*\) .*/\1/p' "$WORK/d$n.out")
}
# body ID: the decoded text of outbox row ID (quoted-printable or not)
body() {
	"$SUPPORTGW" -c "$C" outbox show "$1" | /usr/bin/python3 -c '
import email, sys
m = email.message_from_bytes(sys.stdin.buffer.read())
sys.stdout.write(m.get_payload(decode=True).decode("utf-8"))'
}
has() { printf '%s' "$1" | grep -qF -- "$2"; }
hasnot() { ! printf '%s' "$1" | grep -qF -- "$2"; }
# cj CASE EXPR: a value of `cases show CASE --json`
cj() {
	"$SUPPORTGW" -c "$C" cases show "$1" --json >"$WORK/case.json" 2>/dev/null
	json "$WORK/case.json" "$2"
}
events() { "$SUPPORTGW" -c "$C" cases show "$1" 2>&1; }

# ---- active support, English: by the sender's address ----
deliver "Alice Martin <alice@acme.example>" "URGENT: production down" \
	"Hello, since 9:00 nobody can log in. Our whole production is stopped."
check "active/en: a new case ($c)" test "$c" = 1
b=$(body 1)
check "active/en: the English acknowledgement" has "$b" "Dear Alice Martin"
check "active/en: names the premier contract C-100 and its product" \
	has "$b" "It is covered by your premier support contract C-100 (Widget Server)."
check "active/en: severity A (from urgent / down)" has "$b" "Severity: A"
check "active/en: the due time in New York time" \
	sh -c "printf '%s' \"\$1\" | grep -qE 'get back to you by [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} America/New_York\\.'" _ "$b"
check "active/en: none of the other variants" sh -c \
	"! printf '%s' \"\$1\" | grep -qE 'expired on|no support contract|as soon as possible'" _ "$b"
check "active/en: case severity A, level premier, contract C-100, kind support" test \
	"$(cj 1 '[d["severity"], d["level"], d["contract"], d["kind"]]')" = '["A", "premier", "C-100", "support"]'
# premier A is 1h around the clock: exactly an hour after the case opened
t='__import__("calendar").timegm(__import__("time").strptime(d[%s], "%%Y-%%m-%%dT%%H:%%M:%%SZ"))'
check "active/en: due = opened + 1 h (premier A, 24x7)" test \
	"$(cj 1 "$(printf "$t - $t" '"due"' '"created_at"')")" = 3600
check "active/en: region AMS from the contract" test "$(cj 1 'd["region"]')" = AMS
check "active/en: the entitlement event says why" sh -c \
	"printf '%s' \"\$1\" | grep -q 'entitlement: active premier contract C-100 (Acme Inc), expires $ahead, found by the sender.s address; severity A'" _ "$(events 1)"
check "active/en: the due time in the local form in cases show" sh -c \
	"printf '%s' \"\$1\" | grep -qE '^  Due: +[0-9T:-]+Z \\([0-9-]+ [0-9:]+ America/New_York\\)'" _ "$(events 1)"

# ---- active support, French: by the contract number in the subject ----
deliver "Jean <jean@durand.example>" "Contrat C-200 : serveur en panne" \
	"Bonjour, le serveur est en panne depuis ce matin. Merci de votre aide."
b=$(body 2)
check "active/fr: found by the number in the subject ($(cj "$c" 'd["contract"]'))" \
	test "$(cj "$c" 'd["contract"]')" = C-200
check "active/fr: the French acknowledgement" has "$b" "Bonjour Jean"
check "active/fr: names the standard contract" \
	has "$b" "Elle est couverte par votre contrat de support standard C-200 (Widget Cloud)."
check "active/fr: severity A from panne" has "$b" "Sévérité : A"
check "active/fr: the due time in Paris time" sh -c \
	"printf '%s' \"\$1\" | grep -qE 'au plus tard le [0-9-]+ [0-9:]+ Europe/Paris\\.'" _ "$b"
check "active/fr: standard A has a business-day target, after the case opened" test \
	"$(cj "$c" 'd["due"] is not None and d["due"] > d["created_at"]')" = true
check "active/fr: the event says it was found by the number" sh -c \
	"printf '%s' \"\$1\" | grep -qF 'found by \"C-200\" in the mail'" _ "$(events "$c")"

# ---- expired, English: the regional team's address ----
deliver "Bob Smith <bob@beta.example>" "Dashboard shows wrong totals" \
	"Hello, the dashboard totals do not match the export since Monday."
b=$(body 3)
check "expired/en: says when support expired" \
	has "$b" "Your support contract C-300 (Widget Server) expired on $recent."
check "expired/en: the case is opened all the same" has "$b" "Your case is opened all the same"
check "expired/en: renew with the AMS team" has "$b" "AMS Renewals <ams-renewals@vendor.example>"
check "expired/en: the renewal ID" has "$b" "Your renewal ID: R-300"
check "expired/en: no due time promised" hasnot "$b" "get back to you by"
check "expired/en: no target on the case, level none, contract kept" test \
	"$(cj "$c" '[d["due"], d["level"], d["contract"], d["severity"]]')" = '[null, "none", "C-300", "C"]'
check "expired/en: the event says recently expired" sh -c \
	"printf '%s' \"\$1\" | grep -q 'support expired on $recent (standard contract C-300, recently)'" _ "$(events "$c")"

# ---- expired, French, by the contract's language (the mail is English) ----
deliver "Claire Petit <claire@gamma.example>" "Invoice question" \
	"Hello, could you send me last year's invoice again? Thank you."
b=$(body 4)
check "expired/fr: answered in the contract's language" has "$b" "Bonjour Claire Petit"
check "expired/fr: a expiré le" has "$b" "Votre contrat de support C-400 (Widget Cloud) a expiré le $old."
check "expired/fr: renew with the EMEA team" has "$b" "EMEA Renewals <emea-renewals@vendor.example>"
check "expired/fr: the renewal reference" has "$b" "Votre référence de renouvellement : R-400"
check "expired/fr: severity D for an invoice question" test "$(cj "$c" 'd["severity"]')" = D
check "expired/fr: long expired, not recently" sh -c \
	"! printf '%s' \"\$1\" | grep -q 'recently'" _ "$(events "$c")"

# ---- no contract, English: a pricing question is D ----
deliver "Zed <zed@nowhere.example>" "Question about pricing" \
	"Hello, what is the price of the Widget Server for 50 users? Thanks, Zed"
b=$(body 5)
check "none/en: no contract found" has "$b" "We found no support contract for your address (zed@nowhere.example)."
check "none/en: where the contract number is" has "$b" "on your order confirmation and on your licence certificate"
check "none/en: a single incident can be bought" has "$b" "buy support for this single incident (pay per"
check "none/en: severity D, level none, no due" test \
	"$(cj "$c" '[d["severity"], d["level"], d["due"], d["contract"]]')" = '["D", "none", null, null]'

# ---- no contract, French ----
deliver "Inconnu <inconnu@ailleurs.example>" "Demande de devis" \
	"Bonjour, nous voudrions un devis pour dix licences supplémentaires. Merci d'avance, cordialement."
b=$(body 6)
check "none/fr: aucun contrat" has "$b" "Nous n’avons trouvé aucun contrat de support pour votre adresse"
check "none/fr: où trouver le numéro" has "$b" "il figure sur votre confirmation de commande et sur votre"
check "none/fr: paiement à l’incident" has "$b" "paiement à l’incident"
check "none/fr: severity D" test "$(cj "$c" 'd["severity"]')" = D

# ---- cases list: severity and due ----
"$SUPPORTGW" -c "$C" cases list >"$WORK/list.txt"
check "cases list has SEV and DUE columns" grep -q "^CASE .* SEV DUE (UTC) .*REQUESTER" "$WORK/list.txt"
due1=$(cj 1 'd["due"]')
check "cases list: case 1 with severity A and its due time ($due1)" \
	grep -qE "^00000001 +open .* A +$due1 +alice@acme.example" "$WORK/list.txt"
check "cases list: case 5 with D and no due" grep -qE "^00000005 +open .* D +- +zed@nowhere.example" "$WORK/list.txt"
"$SUPPORTGW" -c "$C" cases list --json >"$WORK/list.json"
check "cases list --json: severity, level, due, contract, kind" test \
	"$(json "$WORK/list.json" '[d[0][k] is not None for k in ("severity", "level", "due", "contract", "kind")]')" = \
	'[true, true, true, true, true]'

# ---- automatic mail: severity, no due ----
deliver "Monitor <monitor@acme.example>" "Server down" "Check failed." \
	"Auto-Submitted: auto-generated
"
check "automatic: no answer queued" sh -c "! grep -q answer= \"$WORK/d$n.out\""
check "automatic: severity A but no due" test "$(cj "$c" '[d["severity"], d["due"]]')" = '["A", null]'

# ---- import: old mail, no entitlement ----
printf 'From: alice@acme.example\nSubject: urgent old thing\nMessage-ID: <old1@test>\n\nold\n' >"$WORK/old.eml"
"$SUPPORTGW" -c "$C" import --no-progress "$WORK/old.eml" >/dev/null 2>&1
c=$("$SUPPORTGW" -c "$C" cases list --json | /usr/bin/python3 -c '
import json, sys
print(max(int(x["number"]) for x in json.load(sys.stdin)))')
check "import: no severity, level or due on old mail" test \
	"$(cj "$c" '[d["severity"], d["level"], d["due"]]')" = '[null, null, null]'

