#!/bin/sh
# bench/renewals.sh - renewal reminders benchmark of supportgw (issue 5),
# called by bench/run.sh (BENCH_RENEWALS=0 leaves it out) and runnable
# alone:
#
#   sh bench/renewals.sh PATH/TO/supportgw
#
# Imports 1,000,000 contracts (bench/gen_contracts.py, the same cached file
# as bench/contracts.sh: expiry dates from 60 days before --today to 400
# after, a third as many customers, co-terming dates) into a fresh store
# (not timed), then times three times
#   /usr/bin/time -v supportgw -c CONF renewals run --date TODAY --dry-run
# which reads every contract whose expiry can matter, decides each one's
# step, groups co-terming contracts, and renders and composes every mail
# (writing nothing).  A run counts only when it exits 0 and prints one
# line per mail and the summary; the one line per mail goes to a file (the
# summary is kept), and the median wall time is reported with the largest
# peak RSS.
#
# Everything but the cached file goes to bench/out/renewals/ (removed at
# the start); the Markdown summary is printed on stdout and saved to
# bench/out/renewals/results.md, progress goes to stderr.  About a minute
# on 2 vCPUs (most of it the import).
#
# Overrides (environment): BENCH_RENEWALS_N (1000000 contracts), BENCH_SEED
# (42), BENCH_CONTRACTS_TODAY (the generator's --today and the run's
# --date; default today UTC).
# Exit status: 0 when every step ran (targets met or not), 1 on failure,
# 64 on bad usage.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_NAME=bench-renewals
. "$ROOT/bench/lib.sh"
bench_start bench/renewals.sh "$@"
OUT=$ROOT/bench/out/renewals
N=${BENCH_RENEWALS_N:-1000000}
SEED=${BENCH_SEED:-42}
TODAY=${BENCH_CONTRACTS_TODAY:-$(date -u +%F)}

# Targets (issue 5): a dry run over 1,000,000 contracts in under 10 s and
# 256 MiB peak RSS.
T_SECONDS=10
T_RSS_MIB=256

bench_contracts_args "BENCH_RENEWALS_N"

LOADAVG=$(bench_loadavg)
unset SUPPORTGW_CONFIG
rm -rf "$OUT"
mkdir -p "$OUT" || die "cannot create $OUT"

below() { awk -v v="$1" -v t="$2" 'BEGIN { print ((v + 0 < t) ? "**met**" : "**missed**") }'; }

# ---- 1. the contracts file (cached, shared with bench/contracts.sh) ------------

bench_contracts_csv

# ---- 2. the store: the contracts, the regions' teams ---------------------------

CONF=$OUT/renewals.ini
cat >"$CONF" <<EOF
[gateway]
database = $OUT/renewals.db
templates = $ROOT/templates

[smtp]
url = smtp://127.0.0.1:25
starttls = no
from = Example Support <support@example.com>

[region:EMEA]
team = EMEA Renewals <EMEA_renewals@example.com>
language = fr
[region:AMS]
team = AMS Renewals <AMS_renewals@example.com>
[region:JP]
team = JP Renewals <JP_renewals@example.com>
[region:CN]
team = CN Renewals <CN_renewals@example.com>
[region:SG]
team = SG Renewals <SG_renewals@example.com>
EOF
say "importing $N contracts (not timed) ..."
_rc=0
"$TIME" -v -o "$OUT/import.time" "$SGW" -c "$CONF" contracts import --no-progress "$CSV" \
	>"$OUT/import.out" 2>"$OUT/import.err" || _rc=$?
[ "$_rc" -eq 0 ] || fail_with "contracts import" "$_rc" "$OUT/import.err"
IMPORT_S=$(elapsed "$OUT/import.time")

# ---- 3. three dry runs ---------------------------------------------------------

TIMES=""
KIB=0
for i in 1 2 3; do
	say "renewals run --date $TODAY --dry-run (run $i of 3) ..."
	_rc=0
	"$TIME" -v -o "$OUT/dry$i.time" "$SGW" -c "$CONF" renewals run --date "$TODAY" --dry-run \
		>"$OUT/dry.out" 2>"$OUT/dry$i.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "renewals run --dry-run" "$_rc" "$OUT/dry$i.err"
	SUMMARY=$(tail -n 1 "$OUT/dry.out")
	LINES=$(grep -c '^would queue ' "$OUT/dry.out")
	case $SUMMARY in
	"$LINES mails would be queued"*) ;;
	*) die "unexpected output of run $i: $LINES lines, summary: $SUMMARY" ;;
	esac
	rm -f "$OUT/dry.out"
	TIMES="$TIMES $(elapsed "$OUT/dry$i.time")"
	_k=$(maxrss "$OUT/dry$i.time")
	[ "$_k" -gt "$KIB" ] && KIB=$_k
	CPU=$(cpu "$OUT/dry$i.time")
done
MEDIAN=$(echo $TIMES | tr ' ' '\n' | sort -n | sed -n 2p)

# ---- 4. report -----------------------------------------------------------------

REV=$(bench_revision)
BUILT=$(date -u -r "$SGW" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo "?")
{
	echo "## Renewal reminders benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	bench_machine_line "$LOADAVG"
	echo "supportgw: $(rel "$SGW") (built $BUILT) in a checkout at commit $REV."
	echo "Store: $N contracts from $(rel "$CSV") (bench/gen_contracts.py --seed $SEED --today $TODAY), imported in $IMPORT_S s (not counted)."
	echo
	echo "| Benchmark | Contracts | Seconds (median of 3) | CPU s (last) | Peak RSS (MiB) | Targets |"
	echo "|---|---:|---:|---:|---:|---|"
	echo "| renewals run --dry-run (runs:$TIMES s) | $N | $MEDIAN | $CPU | $(mib "$KIB") | < $T_SECONDS s $(below "$MEDIAN" $T_SECONDS); < $T_RSS_MIB MiB $(below "$(mib "$KIB")" $T_RSS_MIB) |"
	echo
	echo "Summary printed: $SUMMARY"
	echo
	echo "Commands (from the checkout; wall clock and peak RSS from /usr/bin/time -v; the one line per mail goes to a file):"
	echo
	echo '```'
	echo "$PY bench/gen_contracts.py $N --today $TODAY --seed $SEED > $(rel "$CSV")"
	echo "$(rel "$SGW") -c $(rel "$CONF") contracts import --no-progress $(rel "$CSV")"
	echo "/usr/bin/time -v $(rel "$SGW") -c $(rel "$CONF") renewals run --date $TODAY --dry-run > bench/out/renewals/dry.out   # 3 times"
	echo '```'
	echo
	echo "Config:"
	echo
	echo '```'
	sed "s|$ROOT/||g" "$CONF"
	echo '```'
} >"$OUT/results.md"
cat "$OUT/results.md"
