#!/bin/sh
# `supportgw import` of files and Maildirs: order, summary, dedupe on a
# second run, quarantine of what is not mail, and the 20 MB attachment.
. "$(dirname "$0")/lib.sh"
CONF=$(mkconfig)
T="$FIX/thread"

# A Maildir whose file names give arrival order across cur/ and new/.
MD="$WORK/Maildir"
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
i=0
for f in "$T"/t0*.eml; do
	i=$((i + 1))
	name=$(printf '17000000%02d.M%dP1.host' "$i" "$i")
	if [ $((i % 2)) -eq 0 ]; then
		cp "$f" "$MD/cur/$name:2,S"
	else
		cp "$f" "$MD/new/$name"
	fi
done
cp "$FIX/parse/13-garbage.eml" "$MD/new/1800000000.M99P1.host"

"$SUPPORTGW" -c "$CONF" import --json "$MD" >"$WORK/sum.json" 2>"$WORK/err.txt"
check "import of a Maildir exits 0" test $? -eq 0
check "import counts 10 messages" test "$(json "$WORK/sum.json" 'd["messages"]')" -eq 10
check "import counts 5 new cases" test "$(json "$WORK/sum.json" 'd["new"]')" -eq 5
check "import counts 3 appended" test "$(json "$WORK/sum.json" 'd["appended"]')" -eq 3
check "import counts 1 duplicate" test "$(json "$WORK/sum.json" 'd["duplicates"]')" -eq 1
check "import counts 1 quarantined" test "$(json "$WORK/sum.json" 'd["quarantined"]')" -eq 1
"$SUPPORTGW" -c "$CONF" cases show 2 --json >"$WORK/c2.json"
check "arrival order across cur/ and new/ gives the same numbers as delivery" \
	test "$(json "$WORK/c2.json" '[d["unverified"], d["linked_to"]]')" = '[true, "00000001"]'

"$SUPPORTGW" -c "$CONF" import "$MD" >"$WORK/sum2.txt" 2>&1
check "a second import finds only duplicates" \
	grep -q "^10 messages: 0 new cases, 0 appended, 0 reopened, 9 duplicates, 1 quarantined" "$WORK/sum2.txt"
check "... and keeps the quarantined garbage once" \
	test "$(sqlite3 "$WORK/store.db" 'select count(*) from quarantine')" -eq 1

# Files in the order given; a folder that is not a Maildir is read sorted.
CONF2=$(mkconfig files)
"$SUPPORTGW" -c "$CONF2" import --json "$T/t06-gmail-new.eml" "$T/t01-new-acme.eml" >"$WORK/f.json"
"$SUPPORTGW" -c "$CONF2" cases show 1 --json >"$WORK/f1.json"
check "files are imported in the order given" test "$(json "$WORK/f1.json" 'd["requester"]')" = "carol@gmail.com"

expect_exit 66 "a missing PATH exits 66 before importing anything" \
	"$SUPPORTGW" -c "$(mkconfig missing)" import "$T/t01-new-acme.eml" "$WORK/does-not-exist"
check "the missing PATH is named" grep -q "does-not-exist" "$WORK/last.err"
check "nothing was imported" test "$(sqlite3 "$WORK/missing.db" 'select count(*) from messages' 2>/dev/null || echo 0)" -eq 0
expect_exit 64 "import without PATH exits 64" "$SUPPORTGW" -c "$CONF" import
expect_exit 64 "import --batch 0 exits 64" "$SUPPORTGW" -c "$CONF" import --batch 0 "$MD"

# The fixtures of tests/fixtures/parse in small batches: every one is stored
# or quarantined, none is lost.
CONF3=$(mkconfig all)
mkdir -p "$WORK/parse-eml"
cp "$FIX"/parse/*.eml "$WORK/parse-eml/"
"$SUPPORTGW" -c "$CONF3" import --json --batch 3 "$WORK/parse-eml" >"$WORK/p.json"
n=$(ls "$FIX"/parse/*.eml | wc -l)
check "every parse fixture is stored or quarantined" \
	test "$(json "$WORK/p.json" 'd["new"]+d["appended"]+d["reopened"]+d["quarantined"]+d["duplicates"]')" -eq "$n"
check "garbage and the empty file are quarantined" test "$(json "$WORK/p.json" 'd["quarantined"]')" -eq 2
sed 's/^Message-ID: <attach-1@/Message-ID: <attach-2@/' "$FIX/parse/05-attachments.eml" >"$WORK/attach-2.eml"
att0=$(sqlite3 "$WORK/all.db" 'select count(*) from attachments')
blob0=$(sqlite3 "$WORK/all.db" 'select count(*) from blobs')
"$SUPPORTGW" -c "$CONF3" import "$WORK/attach-2.eml" >/dev/null
check "a second copy of two attachments adds 2 attachment rows" \
	test "$(sqlite3 "$WORK/all.db" 'select count(*) from attachments')" -eq $((att0 + 2))
check "... but no new content: stored once by sha256" \
	test "$(sqlite3 "$WORK/all.db" 'select count(*) from blobs')" -eq "$blob0"
check "header blocks are kept once, as the start of raw" \
	test "$(sqlite3 "$WORK/all.db" "select count(*) from messages where headers is null and substr(raw, headers_len, 2) in (x'0a0a', x'0a0d')")" -eq "$(sqlite3 "$WORK/all.db" 'select count(*) from messages')"
check "the raw bytes are kept" \
	test "$(sqlite3 "$WORK/all.db" "select length(raw) from messages where message_id='fwd-1@logistique-sud.example'")" -eq "$(wc -c <"$FIX/parse/17-forwarded-rfc822.eml")"

# A 20 MB attachment (generated: 20 MB does not belong in git).  Base64
# makes the message 27 MB, over the default 25 MiB max_message_bytes.
/usr/bin/python3 "$ROOT/tests/fixtures/make-big-attachment.py" "$WORK/big.eml" 20
CONF4=$(mkconfig big)
echo "max_message_bytes = 40M" >>"$CONF4"
"$SUPPORTGW" -c "$(mkconfig bigdefault)" import --json "$WORK/big.eml" >"$WORK/bigd.json" 2>/dev/null
check "with the default limit, a 27 MB message is quarantined, not lost" \
	test "$(json "$WORK/bigd.json" 'd["quarantined"]')" -eq 1
"$SUPPORTGW" -c "$CONF4" import --json "$WORK/big.eml" >"$WORK/big.json" 2>"$WORK/big.err"
check "a 20 MB attachment imports" test "$(json "$WORK/big.json" 'd["new"]')" -eq 1
check "its decoded size is kept" \
	test "$(sqlite3 "$WORK/big.db" 'select size from attachments')" -eq 20971520
"$SUPPORTGW" -c "$CONF4" parse "$WORK/big.eml" >"$WORK/bigp.json"
check "parse reports the 20 MB attachment's sha256" \
	test "$(json "$WORK/bigp.json" 'd["attachments"][0]["sha256"]')" = "$(/usr/bin/python3 "$ROOT/tests/fixtures/make-big-attachment.py" --sha256 20)"
