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
