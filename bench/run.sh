#!/bin/sh
# bench/run.sh - throughput and memory benchmark of supportgw (`make bench`).
#
#   sh bench/run.sh PATH/TO/supportgw
#
# Measures `import` (20k and 100k message Maildirs), `deliver` (one process
# per message) and `parse --fingerprints`, each under GNU /usr/bin/time -v;
# then runs bench/imap.sh (IMAP fetch and IDLE against a private Dovecot),
# which prints its own summary after this one (bench/out/imap/results.md).
# Everything goes to bench/out/ (gitignored); the Markdown summary is printed
# on stdout and saved to bench/out/results.md, progress goes to stderr.
#
# Overrides (environment): BENCH_SEED (42), BENCH_SMALL (20000),
# BENCH_LARGE (100000), BENCH_DELIVER (2000 messages); BENCH_IMAP=0 leaves
# bench/imap.sh out (see that file for its own overrides); BENCH_CONTRACTS=0
# leaves out bench/contracts.sh (1,000,000-row contracts import);
# BENCH_RENEWALS=0 leaves out bench/renewals.sh (renewals run --dry-run over
# 1,000,000 contracts).
# Exit status: 0 when every step ran (targets missed or not), 1 on failure,
# 64 on bad usage.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_NAME=bench
. "$ROOT/bench/lib.sh"
bench_start bench/run.sh "$@"
OUT=$ROOT/bench/out
SEED=${BENCH_SEED:-42}
SMALL=${BENCH_SMALL:-20000}
LARGE=${BENCH_LARGE:-100000}
NDELIVER=${BENCH_DELIVER:-2000}

# Targets (issue): import >= 10,000 msg/s, deliver >= 200 msg/s, RSS < 64 MiB.
T_IMPORT=10000
T_DELIVER=200
T_RSS_MIB=64

for n in "$SEED" "$SMALL" "$LARGE" "$NDELIVER"; do
	case $n in '' | *[!0-9]*) die "BENCH_* values must be plain numbers (got '$n')" ;; esac
done
[ "$NDELIVER" -le "$SMALL" ] || NDELIVER=$SMALL

LOADAVG=$(bench_loadavg)
# The gateway must not pick up another configuration.
unset SUPPORTGW_CONFIG
mkdir -p "$OUT"
cd "$OUT"

# ---- helpers ---------------------------------------------------------------

atleast() { # atleast VALUE TARGET -> PASS|MISS
	awk -v v="$1" -v t="$2" 'BEGIN { print ((v == "inf" || v + 0 >= t) ? "PASS" : "MISS") }'
}
below() { # below VALUE TARGET -> PASS|MISS
	awk -v v="$1" -v t="$2" 'BEGIN { print ((v + 0 < t) ? "PASS" : "MISS") }'
}
# config NAME: writes NAME.ini for a fresh NAME.db and prints its path
config() {
	rm -f "$OUT/$1.db" "$OUT/$1.db-wal" "$OUT/$1.db-shm" "$OUT/$1.db-journal"
	cat >"$OUT/$1.ini" <<EOF
[gateway]
database = $OUT/$1.db
staff = @support.example.com
EOF
	echo "$OUT/$1.ini"
}

GEN_SUM=$(sha256sum "$ROOT/bench/gen.py" | cut -c1-64)
# corpus N: generates (once) and prints the Maildir of N messages
corpus() {
	_dir=$OUT/corpus-$1-seed$SEED
	if [ -d "$_dir" ] && [ "$(cat "$_dir/bench-gen.sha256" 2>/dev/null || true)" = "$GEN_SUM" ]; then
		say "corpus $(rel "$_dir") cached"
	else
		say "generating $(rel "$_dir") ..."
		rm -rf "$_dir" "$_dir.partial"
		"$PY" "$ROOT/bench/gen.py" --count "$1" --seed "$SEED" --out "$_dir.partial" \
			2>"$OUT/gen-$1.log" || fail_with "gen.py" $? "$OUT/gen-$1.log"
		cat "$OUT/gen-$1.log" >&2
		echo "$GEN_SUM" >"$_dir.partial/bench-gen.sha256"
		mv "$_dir.partial" "$_dir"
	fi
	_have=$(find "$_dir/new" -type f | wc -l)
	[ "$_have" -eq "$1" ] || die "$(rel "$_dir")/new holds $_have files, expected $1; remove it and run again"
	echo "$_dir"
}

# ---- 1. corpora --------------------------------------------------------------

C_SMALL=$(corpus "$SMALL")
C_LARGE=$(corpus "$LARGE")

# ---- 2. import ---------------------------------------------------------------

ROWS=""
CMDS=""
row() { # row BENCH CORPUS N SECONDS RATE KIB TARGETS
	ROWS="$ROWS| $1 | $2 | $3 | $4 | $5 | $(mib "$6") | $7 |
"
}

# warm DIR: read the corpus once so that the timed run measures supportgw,
# not the disk: this machine reclaims page cache aggressively, and a cold
# 100k corpus doubles the wall time with I/O waits on the input files.
warm() {
	find "$1" -type f -print0 | xargs -0 cat >/dev/null
}

import_run() { # import_run N CORPUSDIR
	# Three runs, each into a fresh store; the median wall time is
	# reported (this shared machine's timings vary by a third between
	# runs), with every run's time beside it, and the largest peak RSS.
	_times=""
	_k=0
	for _run in 1 2 3; do
		_conf=$(config "import-$1")
		warm "$2"
		say "import $1 messages (run $_run of 3) ..."
		_rc=0
		"$TIME" -v -o "$OUT/import-$1.time" "$SGW" -c "$_conf" import "$2" \
			>"$OUT/import-$1.out" 2>"$OUT/import-$1.err" || _rc=$?
		[ "$_rc" -eq 0 ] || fail_with "import of $(rel "$2")" "$_rc" "$OUT/import-$1.err"
		_times="$_times $(elapsed "$OUT/import-$1.time")"
		_kr=$(maxrss "$OUT/import-$1.time")
		[ "$_kr" -gt "$_k" ] && _k=$_kr
	done
	_s=$(echo $_times | tr ' ' '\n' | sort -n | sed -n 2p)
	_r=$(rate "$1" "$_s")
	row import "$(basename "$2") (median of 3:$_times s)" "$1" "$_s" "$_r" "$_k" \
		"≥ $T_IMPORT msg/s $(atleast "$_r" $T_IMPORT); < $T_RSS_MIB MiB $(below "$(mib "$_k")" $T_RSS_MIB)"
	CMDS="$CMDS/usr/bin/time -v $(rel "$SGW") -c $(rel "$_conf") import $(rel "$2")   # 3 times, fresh store each
"
	# The cached corpus must stay as generated.
	if [ "$(find "$2/new" -type f | wc -l)" -ne "$1" ]; then
		say "warning: import changed $(rel "$2")/new; it will be regenerated next time"
		rm -f "$2/bench-gen.sha256"
	fi
	LAST_KIB=$_k
}
import_run "$SMALL" "$C_SMALL"
KIB_SMALL=$LAST_KIB
import_run "$LARGE" "$C_LARGE"
KIB_LARGE=$LAST_KIB

# ---- 3. deliver, one process per message ----------------------------------

CONF=$(config deliver)
LIST=$OUT/deliver-list.txt
awk -v n="$NDELIVER" -v d="$C_SMALL/new" -F'\t' '!/^#/ && ++k <= n { print d "/" $1 }' \
	"$C_SMALL/bench-manifest.tsv" >"$LIST"
[ "$(wc -l <"$LIST")" -eq "$NDELIVER" ] || die "cannot list $NDELIVER messages of $(rel "$C_SMALL")"
xargs cat <"$LIST" >/dev/null
say "deliver $NDELIVER messages, one process each ..."
_rc=0
# shellcheck disable=SC2016 # expanded by the inner shell
"$TIME" -v -o "$OUT/deliver.time" sh -c '
	while IFS= read -r f; do
		"$1" -c "$2" deliver <"$f" || { echo "deliver failed (exit $?) on $f" >&2; exit 1; }
	done <"$3"' sh "$SGW" "$CONF" "$LIST" >"$OUT/deliver.out" 2>"$OUT/deliver.err" || _rc=$?
[ "$_rc" -eq 0 ] || fail_with "deliver loop" "$_rc" "$OUT/deliver.err"
_s=$(elapsed "$OUT/deliver.time")
_k=$(maxrss "$OUT/deliver.time")
_r=$(rate "$NDELIVER" "$_s")
row "deliver (process per message)" "first $NDELIVER of $(basename "$C_SMALL")" "$NDELIVER" "$_s" "$_r" "$_k" \
	"≥ $T_DELIVER msg/s $(atleast "$_r" $T_DELIVER); < $T_RSS_MIB MiB $(below "$(mib "$_k")" $T_RSS_MIB)"
CMDS="${CMDS}/usr/bin/time -v sh -c 'while IFS= read -r f; do $(rel "$SGW") -c $(rel "$CONF") deliver < \"\$f\" || exit 1; done < $(rel "$LIST")'
"

# One more message alone, for the peak RSS of a single deliver.
ONE=$(awk -v n="$NDELIVER" -F'\t' '!/^#/ && ++k == n + 1 { print $1 }' "$C_SMALL/bench-manifest.tsv")
[ -n "$ONE" ] || ONE=$(awk -F'\t' '!/^#/ { print $1; exit }' "$C_SMALL/bench-manifest.tsv")
_rc=0
"$TIME" -v -o "$OUT/deliver1.time" "$SGW" -c "$CONF" deliver <"$C_SMALL/new/$ONE" \
	>"$OUT/deliver1.out" 2>"$OUT/deliver1.err" || _rc=$?
[ "$_rc" -eq 0 ] || fail_with "single deliver" "$_rc" "$OUT/deliver1.err"
_s=$(elapsed "$OUT/deliver1.time")
_k=$(maxrss "$OUT/deliver1.time")
row "deliver (single message)" "$ONE" 1 "$_s" "-" "$_k" "< $T_RSS_MIB MiB $(below "$(mib "$_k")" $T_RSS_MIB)"
CMDS="${CMDS}/usr/bin/time -v $(rel "$SGW") -c $(rel "$CONF") deliver < $(rel "$C_SMALL/new/$ONE")
"

# ---- 4. parse-only fingerprint extraction ----------------------------------

warm "$C_LARGE"
say "parse --fingerprints $LARGE messages ..."
_rc=0
"$TIME" -v -o "$OUT/parse.time" "$SGW" parse --fingerprints "$C_LARGE" \
	>"$OUT/parse.out" 2>"$OUT/parse.err" || _rc=$?
[ "$_rc" -eq 0 ] || fail_with "parse --fingerprints" "$_rc" "$OUT/parse.err"
_s=$(elapsed "$OUT/parse.time")
_k=$(maxrss "$OUT/parse.time")
_r=$(rate "$LARGE" "$_s")
row "parse --fingerprints" "$(basename "$C_LARGE")" "$LARGE" "$_s" "$_r" "$_k" \
	"< $T_RSS_MIB MiB $(below "$(mib "$_k")" $T_RSS_MIB)"
CMDS="${CMDS}/usr/bin/time -v $(rel "$SGW") parse --fingerprints $(rel "$C_LARGE")
"
PARSE_LINES=$(wc -l <"$OUT/parse.out")
PARSE_FOUND=$(awk -F'\t' 'NF >= 2 && $2 != "-"' "$OUT/parse.out" | wc -l)
PARSE_WANT=$(awk -F'\t' '!/^#/ && $5 == 1' "$C_LARGE/bench-manifest.tsv" | wc -l)

# ---- 5. report -----------------------------------------------------------------

GROWTH=$(awk -v a="$KIB_SMALL" -v b="$KIB_LARGE" 'BEGIN { if (a > 0) printf "%+.0f%%", (b - a) * 100 / a; else print "n/a" }')
REV=$(bench_revision)
MISSES=$(printf '%s' "$ROWS" | grep -o MISS | wc -l)

{
	echo "## supportgw benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	bench_machine_line "$LOADAVG"
	echo "supportgw: $(rel "$SGW") at commit $REV; corpus seed $SEED (bench/gen.py)."
	echo
	echo "| Benchmark | Corpus | Messages | Seconds | msg/s | Peak RSS (MiB) | Targets |"
	echo "|---|---|---:|---:|---:|---:|---|"
	printf '%s' "$ROWS"
	echo
	echo "Import peak RSS from $SMALL to $LARGE messages: $(mib "$KIB_SMALL") → $(mib "$KIB_LARGE") MiB ($GROWTH); it must not grow with the corpus."
	echo "parse --fingerprints: $PARSE_LINES lines for $LARGE messages; $PARSE_FOUND fingerprints found, $PARSE_WANT subjects carry a tag."
	if [ "$MISSES" -eq 0 ]; then
		echo "All targets met."
	else
		echo "Targets missed: $MISSES."
	fi
	echo
	echo "Commands (from the checkout; wall clock and peak RSS from /usr/bin/time -v; each corpus is read once before its timed run, so that the figures are the gateway's and not the disk's):"
	echo
	echo '```'
	echo "$PY bench/gen.py --count $SMALL --seed $SEED --out $(rel "$C_SMALL")"
	echo "$PY bench/gen.py --count $LARGE --seed $SEED --out $(rel "$C_LARGE")"
	printf '%s' "$CMDS"
	echo '```'
	echo
	echo "Config of the $SMALL-message import (each run gets its own fresh database):"
	echo
	echo '```'
	echo "[gateway]"
	echo "database = $OUT/import-$SMALL.db"
	echo "staff = @support.example.com"
	echo '```'
} >"$OUT/results.md"
cat "$OUT/results.md"

# ---- 6. IMAP fetch and IDLE (bench/imap.sh) ---------------------------------

if [ "${BENCH_IMAP:-1}" != 0 ]; then
	echo
	_rc=0
	sh "$ROOT/bench/imap.sh" "$SGW" || _rc=$?
	[ "$_rc" -eq 0 ] || die "bench/imap.sh failed (exit $_rc)"
fi

# ---- 7. SMTP sending (bench/smtp.sh) -----------------------------------------
# BENCH_SMTP=0 leaves it out (see bench/smtp.sh for its own overrides).

if [ "${BENCH_SMTP:-1}" != 0 ]; then
	echo
	_rc=0
	sh "$ROOT/bench/smtp.sh" "$SGW" || _rc=$?
	[ "$_rc" -eq 0 ] || die "bench/smtp.sh failed (exit $_rc)"
fi

# ---- 8. contracts import (bench/contracts.sh) --------------------------------
# BENCH_CONTRACTS=0 leaves it out (see bench/contracts.sh for its overrides).

if [ "${BENCH_CONTRACTS:-1}" != 0 ]; then
	echo
	_rc=0
	sh "$ROOT/bench/contracts.sh" "$SGW" || _rc=$?
	[ "$_rc" -eq 0 ] || die "bench/contracts.sh failed (exit $_rc)"
fi

# ---- 9. renewal reminders (bench/renewals.sh) --------------------------------
# BENCH_RENEWALS=0 leaves it out (see bench/renewals.sh for its overrides).

if [ "${BENCH_RENEWALS:-1}" != 0 ]; then
	echo
	_rc=0
	sh "$ROOT/bench/renewals.sh" "$SGW" || _rc=$?
	[ "$_rc" -eq 0 ] || die "bench/renewals.sh failed (exit $_rc)"
fi
