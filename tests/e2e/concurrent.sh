#!/bin/sh
# Four MTA deliveries at once, as a busy MTA runs them: every message is
# stored once, none is refused or lost, case numbers stay a gapless
# sequence, and the store stays consistent.
. "$(dirname "$0")/lib.sh"
CONF=$(mkconfig)
N=40
mkdir -p "$WORK/in"
for w in 1 2 3 4; do
	i=0
	while [ "$i" -lt "$N" ]; do
		i=$((i + 1))
		printf 'From: Customer %s <c%s-%s@company%s.example>\nTo: support@support.example.com\nSubject: Problem %s of worker %s\nMessage-ID: <w%s.m%s@company%s.example>\nDate: Mon, 16 Nov 2026 10:00:00 +0000\n\nHello, this is problem number %s.\n' \
			"$i" "$w" "$i" "$w" "$i" "$w" "$w" "$i" "$w" "$i" >"$WORK/in/w$w-$i.eml"
	done
done
for w in 1 2 3 4; do
	(
		fails=0
		for f in "$WORK"/in/w$w-*.eml; do
			"$SUPPORTGW" -c "$CONF" deliver <"$f" >/dev/null 2>>"$WORK/err.$w" || fails=$((fails + 1))
			# every message twice: the second delivery is a duplicate
			"$SUPPORTGW" -c "$CONF" deliver <"$f" >/dev/null 2>>"$WORK/err.$w" || fails=$((fails + 1))
		done
		echo "$fails" >"$WORK/fails.$w"
	) &
done
wait
total_fails=$(cat "$WORK"/fails.* | awk '{ s += $1 } END { print s }')
check "320 concurrent deliveries all exit 0" test "$total_fails" -eq 0
check "160 messages stored once each" \
	test "$(sqlite3 "$WORK/store.db" 'select count(*) from messages')" -eq 160
check "160 cases numbered 1..160 without gaps" \
	test "$(sqlite3 "$WORK/store.db" 'select count(*) || "," || min(number) || "," || max(number) from cases')" = "160,1,160"
check "the store passes SQLite's integrity check" \
	test "$(sqlite3 "$WORK/store.db" 'pragma integrity_check')" = ok
check "foreign keys hold" \
	test -z "$(sqlite3 "$WORK/store.db" 'pragma foreign_key_check')"
