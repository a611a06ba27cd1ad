#!/bin/sh
# Never a crash: parse and import of any file end with an exit code and a
# message, never a signal.  Inputs: every fixture, every real-world message
# in ../shared/realmail when it is there, and seeded mutations of the
# fixtures (truncated, bytes flipped, headers repeated, boundaries broken).
. "$(dirname "$0")/lib.sh"
CONF=$(mkconfig)
IN="$WORK/inputs"
mkdir -p "$IN"
cp "$FIX"/parse/*.eml "$FIX"/thread/*.eml "$IN/"
/usr/bin/python3 "$ROOT/tests/e2e/mutate.py" "$FIX/parse" "$IN" 7
REAL="$ROOT/../shared/realmail"
if [ -d "$REAL" ]; then
	for f in "$REAL"/*/*.eml "$REAL"/*/*.box; do
		[ -f "$f" ] && cp "$f" "$IN/real-$(basename "$(dirname "$f")")-$(basename "$f")"
	done
fi

bad=0
total=0
for f in "$IN"/*; do
	total=$((total + 1))
	timeout 10 "$SUPPORTGW" -c "$CONF" parse "$f" >/dev/null 2>"$WORK/err"
	rc=$?
	case $rc in
	0) ;;
	65) grep -q "not a mail" "$WORK/err" || { bad=$((bad + 1)); echo "# $f: exit 65 without a reason"; } ;;
	*) bad=$((bad + 1)); echo "# $f: parse exit $rc"; ;;
	esac
done
check "parse of $total inputs: every exit is 0 or 65 with a reason, no signal, no hang" test "$bad" -eq 0

timeout 300 "$SUPPORTGW" -c "$CONF" import --json "$IN" >"$WORK/sum.json" 2>"$WORK/import.err"
rc=$?
check "import of all $total inputs exits 0 (got $rc)" test "$rc" -eq 0
check "every input is accounted for" \
	test "$(json "$WORK/sum.json" 'd["new"]+d["appended"]+d["reopened"]+d["duplicates"]+d["quarantined"]')" -eq "$total"
stored=$(sqlite3 "$WORK/store.db" 'select count(*) from messages')
kept=$(sqlite3 "$WORK/store.db" 'select count(*) from quarantine')
check "stored + quarantined + duplicates = inputs" \
	test "$((stored + $(json "$WORK/sum.json" 'd["quarantined"]+d["duplicates"]')))" -eq "$total"
check "every quarantined input is kept (identical bytes once)" \
	test "$kept" -ge 1 -a "$kept" -le "$(json "$WORK/sum.json" 'd["quarantined"]')"

if [ -d "$REAL" ]; then
	# Real bounces must be recognised as automatic mail.
	for b in bounce_gmail-invalid-address bounce_office365 bounce_mailbox-full; do
		"$SUPPORTGW" -c "$CONF" parse "$IN/real-flanker-$b.eml" >"$WORK/b.json" 2>/dev/null
		check "realmail $b is automatic" test "$(json "$WORK/b.json" 'd["auto"]')" = true
	done
	"$SUPPORTGW" -c "$CONF" parse "$IN/real-flanker-text-only.eml" >"$WORK/t.json" 2>/dev/null
	check "realmail text-only is not automatic" test "$(json "$WORK/t.json" 'd["auto"]')" = false
fi
