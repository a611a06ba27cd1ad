#!/bin/sh
# A store written at schema 1 (issue 2's release) is migrated on open:
# its cases stay, the IMAP state table and the case region column appear,
# and new mail goes on from the old numbering.
. "$(dirname "$0")/lib.sh"

conf=$(mkconfig store)
db="$WORK/store.db"
sqlite3 "$db" <"$FIX/store-v1.sql"
check "fixture is at schema 1" test "$(sqlite3 "$db" 'PRAGMA user_version')" = 1
expect_exit 0 "cases list on a schema-1 store" "$SUPPORTGW" -c "$conf" cases list --json
check "both old cases listed" test "$(json "$WORK/last.out" 'len(d)')" = 2
check "migrated to the current schema (4)" test "$(sqlite3 "$db" 'PRAGMA user_version')" = 4
check "old cases are support cases without entitlement" \
	test "$(sqlite3 "$db" "SELECT group_concat(kind || ':' || ifnull(severity, '-'), ' ') FROM cases")" = "support:- support:-"
check "contracts and the renewal ledger exist, empty" \
	test "$(sqlite3 "$db" 'SELECT (SELECT count(*) FROM contracts) + (SELECT count(*) FROM renewal_notices)')" = 0
quiet() { "$@" >/dev/null; }
check "imap_state table exists" quiet sqlite3 "$db" 'SELECT count(*) FROM imap_state'
check "cases.region column exists" quiet sqlite3 "$db" 'SELECT region FROM cases'
expect_exit 0 "deliver into the migrated store" "$SUPPORTGW" -c "$conf" deliver <"$FIX/parse/01-plain-en.eml"
check "new case numbered after the old ones" grep -q "00000003" "$WORK/last.out"
check "integrity check passes" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
