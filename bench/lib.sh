# bench/lib.sh - what the benchmark scripts share (sourced after setting
# BENCH_NAME, the prefix of their messages): die/say, the one argument
# (the supportgw binary, made absolute in SGW), and the checks of the tools
# every benchmark needs (GNU time for -v, Debian's python3).
TIME=/usr/bin/time
PY=/usr/bin/python3

die() {
	echo "$BENCH_NAME: $*" >&2
	exit 1
}
say() {
	echo "$BENCH_NAME: $*" >&2
}

# bench_start SCRIPT ARGS...: usage check, SGW, and the common tools.
bench_start() {
	_bs_script=$1
	shift
	[ $# -eq 1 ] || {
		echo "usage: sh $_bs_script PATH/TO/supportgw" >&2
		exit 64
	}
	SGW=$1
	case $SGW in
	/*) ;;
	*) SGW=$(pwd)/$SGW ;;
	esac
	[ -x "$TIME" ] || die "/usr/bin/time is missing: run scripts/install-deps.sh test"
	"$TIME" -v -o /dev/null true 2>/dev/null ||
		die "/usr/bin/time is not GNU time (no -v): run scripts/install-deps.sh test"
	[ -x "$PY" ] || die "/usr/bin/python3 is missing: run scripts/install-deps.sh test"
	if [ ! -f "$SGW" ] || [ ! -x "$SGW" ]; then
		die "no supportgw binary at $SGW (build it with make)"
	fi
}

# The load average, read before the timed runs, for the report.
bench_loadavg() {
	cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"
}

# The report's "Machine:" line; $1 is bench_loadavg's reading.
bench_machine_line() {
	_bm_cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	[ -n "$_bm_cpu" ] || _bm_cpu=$(uname -m)
	_bm_mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo "?")
	echo "Machine: $(nproc) CPU ($_bm_cpu), $_bm_mem RAM, Linux $(uname -r); load average before the run: $1."
}

# The checkout's commit, with "(modified)" when tracked files changed.
bench_revision() {
	_br=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
	if [ "$_br" != "?" ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		_br="$_br (modified)"
	fi
	echo "$_br"
}

# ---- reading GNU time -v output, and formatting --------------------------

# elapsed TIMEFILE: wall clock seconds
elapsed() {
	awk -F': ' '/Elapsed \(wall clock\) time/ {
		n = split($NF, a, ":"); s = 0
		for (i = 1; i <= n; i++) s = s * 60 + a[i]
		printf "%.2f\n", s; found = 1 }
		END { if (!found) exit 1 }' "$1" || die "no wall clock time in $1"
}
# maxrss TIMEFILE: peak RSS in KiB
maxrss() {
	awk -F': ' '/Maximum resident set size/ { print $NF; found = 1 }
		END { if (!found) exit 1 }' "$1" || die "no peak RSS in $1"
}
# cpu TIMEFILE: user + system seconds
cpu() {
	awk -F': ' '/User time \(seconds\)/ { u = $NF } /System time \(seconds\)/ { s = $NF }
		END { printf "%.2f\n", u + s }' "$1"
}
# rate N SECONDS: per second
rate() {
	awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f\n", n / s; else print "inf" }'
}
# mib KIB
mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'
}
# rel PATH: the path relative to the checkout, for the printed commands
rel() {
	case $1 in
	"$ROOT"/*) echo "${1#"$ROOT"/}" ;;
	*) echo "$1" ;;
	esac
}

# fail_with STEP RC ERRFILE: the step's failure and the end of its log
fail_with() {
	echo "$BENCH_NAME: $1 failed (exit $2); last lines of $(rel "$3"):" >&2
	tail -n 20 "$3" >&2 || true
	exit 1
}

# ---- the generated contracts file (bench/contracts.sh, renewals.sh) -------

# bench_contracts_args NAME-OF-N-VARIABLE: N, SEED and TODAY are sane.
bench_contracts_args() {
	for _n in "$N" "$SEED"; do
		case $_n in '' | *[!0-9]*) die "$1 and BENCH_SEED must be plain numbers (got '$_n')" ;; esac
	done
	case $TODAY in
	[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
	*) die "BENCH_CONTRACTS_TODAY must be YYYY-MM-DD (got '$TODAY')" ;;
	esac
}

# bench_contracts_csv: sets CSV to N generated rows (seed SEED, around
# TODAY), cached in bench/out and made again when gen_contracts.py changes.
bench_contracts_csv() {
	_gen=$ROOT/bench/gen_contracts.py
	_sum=$(sha256sum "$_gen" | cut -c1-64)
	CSV=$ROOT/bench/out/contracts-$N-seed$SEED-$TODAY.csv
	if [ -f "$CSV" ] && [ "$(cat "$CSV.sha256" 2>/dev/null || true)" = "$_sum" ]; then
		say "$(rel "$CSV") cached"
	else
		say "generating $(rel "$CSV") ..."
		rm -f "$CSV" "$CSV.sha256"
		"$PY" "$_gen" "$N" --today "$TODAY" --seed "$SEED" >"$CSV.partial" 2>"$OUT/gen.log" ||
			fail_with "gen_contracts.py" $? "$OUT/gen.log"
		mv "$CSV.partial" "$CSV"
		echo "$_sum" >"$CSV.sha256"
	fi
	_rows=$(($(wc -l <"$CSV") - 1))
	[ "$_rows" -eq "$N" ] || die "$(rel "$CSV") holds $_rows rows, expected $N; remove it and run again"
}
