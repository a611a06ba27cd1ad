#!/bin/sh
# `supportgw deliver` (the MTA pipe) through the threading rules, one
# process per message as an MTA runs it, then `cases` over the result.
. "$(dirname "$0")/lib.sh"
CONF=$(mkconfig)
T="$FIX/thread"

# deliver_expect FILE "EXPECTED LINE START" DESCRIPTION
deliver_expect() {
	"$SUPPORTGW" -c "$CONF" deliver <"$1" >"$WORK/d.out" 2>"$WORK/d.err"
	_rc=$?
	if [ "$_rc" -eq 0 ] && grep -q "^$2" "$WORK/d.out"; then
		ok "$3"
	else
		notok "$3 (exit $_rc: $(cat "$WORK/d.out" "$WORK/d.err" | head -n 3))"
	fi
}

deliver_expect "$T/t01-new-acme.eml" "new case=00000001 " "a new request opens case 1"
deliver_expect "$T/t02-colleague-fingerprint.eml" "appended case=00000001 " "a colleague at the same domain follows up by fingerprint"
deliver_expect "$T/t03-edited-subject-references.eml" "appended case=00000001 " "an edited subject still threads by References"
deliver_expect "$T/t04-foreign-fingerprint.eml" "new case=00000002 .* linked_to=00000001 unverified" "a stranger's fingerprint opens a linked, unverified case"
deliver_expect "$T/t05-staff-reply.eml" "appended case=00000001 " "staff may follow up any case"
deliver_expect "$T/t06-gmail-new.eml" "new case=00000003 " "a gmail user opens case 3"
deliver_expect "$T/t07-gmail-other.eml" "new case=00000004 .* linked_to=00000003 unverified" "another gmail user is no colleague"
deliver_expect "$T/t08-duplicate.eml" "duplicate case=00000001 " "the same Message-ID twice is stored once"
deliver_expect "$T/t09-unknown-fingerprint.eml" "new case=00000005 " "a fingerprint naming no case is ignored"
deliver_expect "$T/t10-out-of-office.eml" "appended case=00000001 .* auto=auto-submitted" "an out-of-office is appended and marked automatic"

"$SUPPORTGW" -c "$CONF" cases close 1 >"$WORK/close.out" 2>&1
check "cases close 1" grep -q "case 00000001 closed" "$WORK/close.out"
deliver_expect "$T/t13-ooo-closed.eml" "appended case=00000001 .* auto=auto-submitted" "an auto-reply does not reopen a closed case"
"$SUPPORTGW" -c "$CONF" cases show 1 --json >"$WORK/c1.json"
check "case 1 is still closed after the auto-reply" test "$(json "$WORK/c1.json" 'd["status"]')" = closed
deliver_expect "$T/t11-followup-closed-recent.eml" "reopened case=00000001 " "a follow-up within reopen_days reopens the case"

# Closed long ago: with reopen_days = 0 every closed case is "old".
"$SUPPORTGW" -c "$CONF" cases close 00000001 >/dev/null 2>&1
cat >"$WORK/old.ini" <<INI
[gateway]
database = $WORK/store.db
staff = @support.example.com
reopen_days = 0
INI
"$SUPPORTGW" -c "$WORK/old.ini" deliver <"$T/t12-followup-closed-old.eml" >"$WORK/d.out" 2>&1
check "a follow-up to a case closed long ago opens a new linked case" \
	grep -q "^new case=00000006 .*linked_to=00000001" "$WORK/d.out"

# What the store now holds, through the CLI.
"$SUPPORTGW" -c "$CONF" cases show 1 --json >"$WORK/c1.json"
check "case 1 holds 7 messages" test "$(json "$WORK/c1.json" 'd["messages"].__len__()')" -eq 7
check "case 1 message 3 came by References" \
	test "$(json "$WORK/c1.json" 'd["messages"][2]["message_id"]')" = "t03@acme.example"
check "case 1 lists its participants" \
	test "$(json "$WORK/c1.json" '",".join(sorted(d["participants"]))')" = "alice@acme.example,bob@acme.example,sam@support.example.com"
check "case 1 keeps the requester" test "$(json "$WORK/c1.json" 'd["requester"]')" = "alice@acme.example"
check "case 1 subject has no prefix" test "$(json "$WORK/c1.json" 'd["subject"]')" = "License server down"
check "messages carry direction in" test "$(json "$WORK/c1.json" 'd["messages"][0]["direction"]')" = "in"
check "the out-of-office is marked auto" test "$(json "$WORK/c1.json" '[m["auto"] for m in d["messages"]].count(True)')" -eq 2
"$SUPPORTGW" -c "$CONF" cases show 2 --json >"$WORK/c2.json"
check "case 2 is unverified and linked to 1" \
	test "$(json "$WORK/c2.json" '[d["unverified"], d["linked_to"]]')" = '[true, "00000001"]'
"$SUPPORTGW" -c "$CONF" cases list --status all --json >"$WORK/all.json"
check "cases list --status all shows 6 cases" test "$(json "$WORK/all.json" 'len(d)')" -eq 6
"$SUPPORTGW" -c "$CONF" cases list --json >"$WORK/open.json"
check "cases list (open) hides closed case 1" \
	test "$(json "$WORK/open.json" '[c["number"] for c in d].count("00000001")')" -eq 0
"$SUPPORTGW" -c "$CONF" cases list --status closed --json >"$WORK/closed.json"
check "cases list --status closed shows case 1" \
	test "$(json "$WORK/closed.json" '[c["number"] for c in d]')" = '["00000001"]'
"$SUPPORTGW" -c "$CONF" cases list >"$WORK/table.txt"
check "cases list prints a table" grep -q "^00000003 *open" "$WORK/table.txt"
"$SUPPORTGW" -c "$CONF" cases show 1 >"$WORK/show.txt"
check "cases show prints the messages" grep -q "Message-ID: <t03@acme.example>" "$WORK/show.txt"
expect_exit 0 "cases reopen 1" "$SUPPORTGW" -c "$CONF" cases reopen '[Case #00000001]'
check "reopen says so" grep -q "case 00000001 reopened" "$WORK/last.out"
expect_exit 66 "cases show of an unknown case exits 66" "$SUPPORTGW" -c "$CONF" cases show 999
expect_exit 64 "cases show of a non-number exits 64" "$SUPPORTGW" -c "$CONF" cases show abc
expect_exit 64 "cases list --status bogus exits 64" "$SUPPORTGW" -c "$CONF" cases list --status bogus
expect_exit 64 "cases without action exits 64" "$SUPPORTGW" -c "$CONF" cases

# Durability: what deliver stored is visible to another reader at once.
check "the store has the messages on disk" \
	test "$(sqlite3 "$WORK/store.db" 'select count(*) from messages')" -eq 12

# Not a mail: kept in quarantine, exit 65.
expect_exit 65 "garbage on stdin exits 65" sh -c "\"$SUPPORTGW\" -c \"$CONF\" deliver < \"$FIX/parse/13-garbage.eml\""
expect_exit 65 "an empty message exits 65" sh -c "\"$SUPPORTGW\" -c \"$CONF\" deliver < /dev/null"
"$SUPPORTGW" -c "$CONF" quarantine list --json >"$WORK/q.json"
check "both are kept in quarantine with a reason" test "$(json "$WORK/q.json" 'len([q for q in d if q["reason"]])')" -eq 2
"$SUPPORTGW" -c "$CONF" quarantine show 1 >"$WORK/q1.raw"
check "quarantine show gives back the exact bytes" cmp -s "$WORK/q1.raw" "$FIX/parse/13-garbage.eml"

# Too large for max_message_bytes: refused with 65 (the MTA bounces it).
printf '[gateway]\ndatabase = %s/store.db\nmax_message_bytes = 1k\n' "$WORK" >"$WORK/small.ini"
expect_exit 65 "a message over max_message_bytes exits 65" sh -c "\"$SUPPORTGW\" -c \"$WORK/small.ini\" deliver < \"$FIX/parse/05-attachments.eml\""

# The store cannot be opened: 75 so the MTA retries (never a bounce).
mkdir -p "$WORK/ro"
: >"$WORK/ro/notadir"
printf '[gateway]\ndatabase = %s/ro/notadir/store.db\n' "$WORK" >"$WORK/ro.ini"
expect_exit 75 "an unusable store path exits 75" sh -c "\"$SUPPORTGW\" -c \"$WORK/ro.ini\" deliver < \"$T/t01-new-acme.eml\""
printf '[gateway]\nbogus = 1\n' >"$WORK/broken.ini"
expect_exit 75 "a broken config makes deliver exit 75, not bounce" sh -c "\"$SUPPORTGW\" -c \"$WORK/broken.ini\" deliver < \"$T/t01-new-acme.eml\""
expect_exit 64 "deliver with an argument exits 64" "$SUPPORTGW" -c "$CONF" deliver extra

# A busy store: another process holds the write lock past busy_timeout.
if command -v sqlite3 >/dev/null 2>&1; then
	(printf 'BEGIN IMMEDIATE;\nSELECT 1;\n'; sleep 8; printf 'COMMIT;\n') | sqlite3 "$WORK/store.db" >/dev/null 2>&1 &
	locker=$!
	sleep 1
	expect_exit 75 "a locked store exits 75 (temporary)" sh -c "\"$SUPPORTGW\" -c \"$CONF\" deliver < \"$FIX/parse/01-plain-en.eml\""
	wait "$locker"
	expect_exit 0 "the same message is accepted once the lock is gone" sh -c "\"$SUPPORTGW\" -c \"$CONF\" deliver < \"$FIX/parse/01-plain-en.eml\""
fi
