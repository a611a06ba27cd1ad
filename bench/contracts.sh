#!/bin/sh
# bench/contracts.sh - contracts import benchmark of supportgw (issue 5),
# called by bench/run.sh (BENCH_CONTRACTS=0 leaves it out) and runnable
# alone:
#
#   sh bench/contracts.sh PATH/TO/supportgw
#
# Generates (once, cached in bench/out/) a contracts file of 1,000,000 rows
# with bench/gen_contracts.py (about a third as many customers, co-terming
# expiry dates, quoted names with commas, quotes and UTF-8), then times
#   /usr/bin/time -v supportgw -c CONF contracts import --no-progress FILE
# twice into one store: first a fresh store (every row inserted), then the
# same file again (every row an update).  A run counts only when it exits 0
# and its summary says the expected split; the file is read once before
# the first run so that the disk's cache is warm.
#
# Everything but the cached file goes to bench/out/contracts/ (removed at
# the start); the Markdown summary is printed on stdout and saved to
# bench/out/contracts/results.md, progress goes to stderr.  About a minute
# on 2 vCPUs.
#
# Overrides (environment): BENCH_CONTRACTS_N (1000000 rows), BENCH_SEED (42),
# BENCH_CONTRACTS_TODAY (the generator's --today, default today UTC: the
# expiry dates spread from 60 days before it to 400 after).
# Exit status: 0 when every step ran (target met or not), 1 on failure,
# 64 on bad usage.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_NAME=bench-contracts
. "$ROOT/bench/lib.sh"
bench_start bench/contracts.sh "$@"
OUT=$ROOT/bench/out/contracts
N=${BENCH_CONTRACTS_N:-1000000}
SEED=${BENCH_SEED:-42}
TODAY=${BENCH_CONTRACTS_TODAY:-$(date -u +%F)}

# Target (issue 5): 1,000,000 rows import in under 60 s.
T_SECONDS=60

bench_contracts_args "BENCH_CONTRACTS_N"

LOADAVG=$(bench_loadavg)
unset SUPPORTGW_CONFIG
rm -rf "$OUT"
mkdir -p "$OUT" || die "cannot create $OUT"

# ---- helpers ---------------------------------------------------------------

below() { awk -v v="$1" -v t="$2" 'BEGIN { print ((v + 0 < t) ? "**met**" : "**missed**") }'; }

# ---- 1. the contracts file (cached) -------------------------------------------------

bench_contracts_csv
SIZE_MB=$(awk -v b="$(stat -c %s "$CSV")" 'BEGIN { printf "%.0f", b / 1000000 }')
CUSTOMERS=$(cut -d, -f2 "$CSV" | sort -u | wc -l)
CUSTOMERS=$((CUSTOMERS - 1))

# ---- 2. two imports into one store -------------------------------------------------

CONF=$OUT/contracts.ini
cat >"$CONF" <<EOF
[gateway]
database = $OUT/contracts.db
EOF
cat "$CSV" >/dev/null

TABLE=""
run() { # run ID LABEL EXPECTED-SUMMARY
	_label=$2
	say "contracts import of $N rows, $_label ..."
	_rc=0
	"$TIME" -v -o "$OUT/$1.time" "$SGW" -c "$CONF" contracts import --no-progress "$CSV" \
		>"$OUT/$1.out" 2>"$OUT/$1.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "contracts import ($1)" "$_rc" "$OUT/$1.err"
	grep -qxF "$CSV: $3" "$OUT/$1.out" ||
		die "unexpected summary for $1: $(cat "$OUT/$1.out")"
	_s=$(elapsed "$OUT/$1.time")
	_k=$(maxrss "$OUT/$1.time")
	TABLE="$TABLE| contracts import, $_label | $N | $_s | $(rate "$N" "$_s") | $(cpu "$OUT/$1.time") | $(mib "$_k") | < $T_SECONDS s $(below "$_s" $T_SECONDS) |
"
}
run insert "fresh store (all inserts)" "$N rows read, $N inserted, 0 updated, 0 skipped"
run update "same file again (all updates)" "$N rows read, 0 inserted, $N updated, 0 skipped"
DB_MB=$(awk -v b="$(stat -c %s "$OUT/contracts.db")" 'BEGIN { printf "%.0f", b / 1000000 }')

# ---- 3. report ------------------------------------------------------------------------

REV=$(bench_revision)
SQLITE_VERSION=$("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)' 2>/dev/null || echo "?")
BUILT=$(date -u -r "$SGW" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo "?")
{
	echo "## Contracts import benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	bench_machine_line "$LOADAVG"
	echo "supportgw: $(rel "$SGW") (built $BUILT) in a checkout at commit $REV; SQLite $SQLITE_VERSION."
	echo "File: $(rel "$CSV"), $N rows, $SIZE_MB MB, $CUSTOMERS customers (bench/gen_contracts.py --seed $SEED --today $TODAY); the store afterwards: $DB_MB MB."
	echo
	echo "| Benchmark | Rows | Seconds | rows/s | CPU s | Peak RSS (MiB) | Target |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	printf '%s' "$TABLE"
	echo
	echo "Each run is one transaction (BEGIN IMMEDIATE ... COMMIT, synchronous=FULL), every row checked and upserted."
	echo
	echo "Commands (from the checkout; wall clock and peak RSS from /usr/bin/time -v):"
	echo
	echo '```'
	echo "$PY bench/gen_contracts.py $N --today $TODAY --seed $SEED > $(rel "$CSV")"
	echo "/usr/bin/time -v $(rel "$SGW") -c $(rel "$CONF") contracts import --no-progress $(rel "$CSV")   # fresh store"
	echo "/usr/bin/time -v $(rel "$SGW") -c $(rel "$CONF") contracts import --no-progress $(rel "$CSV")   # again: updates"
	echo '```'
	echo
	echo "Config:"
	echo
	echo '```'
	sed "s|$ROOT/||g" "$CONF"
	echo '```'
} >"$OUT/results.md"
cat "$OUT/results.md"
