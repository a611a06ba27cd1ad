#!/bin/sh
# bench/imap.sh - IMAP fetch benchmark of supportgw (issue 3), called at the
# end of bench/run.sh and runnable alone:
#
#   sh bench/imap.sh PATH/TO/supportgw
#
# Starts a private Dovecot (tests/integration/harness/dovecot.sh) in
# bench/out/imap/dovecot, seeds its INBOX with 20,000 generated messages and
# lets Dovecot index them (an untimed raw fetch and an untimed gateway run),
# then measures, under GNU /usr/bin/time -v, three rounds of
#   - raw fetch: bench/imap_raw_fetch.py, imaplib, BODY.PEEK[] 200 a command,
#     read-only: the baseline;
#   - the gateway: `supportgw -c CONF -q fetch --once` into a fresh store
#     (after = seen, batch_size = 200), which must hold every message after,
#     each of them \Seen on the server;
#   - raw fetch + \Seen: the same imaplib client also flagging each batch
#     \Seen (what after = seen costs Dovecot: a rename per Maildir file);
# each run starting from the same mailbox (\Seen cleared, untimed), and
# reports the medians, the gateway/raw ratio and the peak RSS.  Then the
# IDLE latency, twice: in a new mailbox (Idle) and in the 20,000-message
# INBOX, `supportgw -c CONF fetch` in the background, and
# bench/imap_idle_latency.py appends 20 messages 1.5 s apart and times
# APPEND -> EXISTS (Dovecot) -> stored (the gateway's store).
#
# Everything goes to bench/out/imap/ (removed at the start); the Markdown
# summary is printed on stdout and saved to bench/out/imap/results.md,
# progress goes to stderr.  Dovecot and the gateway are stopped by pid at
# exit.  About two and a half minutes on 2 vCPUs.
#
# Overrides (environment): BENCH_IMAP_N (20000 messages), BENCH_IDLE_N (20
# messages), BENCH_IDLE_INTERVAL (1.5 s).
# Exit status: 0 when every step ran (targets missed or not, late IDLE
# messages included), 1 on failure (a step failed, a store does not hold
# what it should, or an IDLE message never reached the store; the summary is
# printed first in that last case), 64 on bad usage.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_NAME=bench-imap
. "$ROOT/bench/lib.sh"
bench_start bench/imap.sh "$@"
OUT=$ROOT/bench/out/imap
N=${BENCH_IMAP_N:-20000}
NIDLE=${BENCH_IDLE_N:-20}
INTERVAL=${BENCH_IDLE_INTERVAL:-1.5}
SEED=42

# Targets (issue 3): fetch >= 50% of a raw imaplib fetch, peak RSS < 64 MiB,
# IDLE append-to-stored median < 0.5 s.
T_RATIO=0.5
T_RSS_MIB=64
T_IDLE_MS=500

[ -x /usr/sbin/dovecot ] || die "/usr/sbin/dovecot is missing (apt-get install dovecot-imapd)"
for n in "$N" "$NIDLE"; do
	case $n in '' | *[!0-9]* | 0) die "BENCH_IMAP_N and BENCH_IDLE_N must be plain positive numbers (got '$n')" ;; esac
done
case $INTERVAL in '' | *[!0-9.]*) die "BENCH_IDLE_INTERVAL must be a number of seconds (got '$INTERVAL')" ;; esac

LOADAVG=$(bench_loadavg)
unset SUPPORTGW_CONFIG

# shellcheck source=../tests/integration/harness/dovecot.sh
# shellcheck disable=SC1091
. "$ROOT/tests/integration/harness/dovecot.sh"

# A Dovecot left running by an interrupted run of this script: stop it by
# its recorded pid, if that pid is still that Dovecot, before removing it.
if [ -f "$OUT/dovecot/harness.pid" ]; then
	_old=$(cat "$OUT/dovecot/harness.pid")
	case $_old in '' | *[!0-9]*) _old="" ;; esac
	if [ -n "$_old" ] && proc_cmdline_has "$_old" "$OUT/dovecot/dovecot.conf"; then
		say "stopping the Dovecot ($_old) of an earlier run"
		kill -TERM "$_old" 2>/dev/null || true
		sleep 2
	fi
fi
rm -rf "$OUT"
mkdir -p "$OUT"
GWPID=""
cleanup() {
	# the harness's stop functions are not written for set -e
	set +e
	if [ -n "$GWPID" ]; then
		kill -TERM "$GWPID" 2>/dev/null || true
		wait "$GWPID" 2>/dev/null || true
	fi
	dovecot_stop_all
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- helpers (as in bench/run.sh) -------------------------------------------

median() { # median A B C...: the median (of an even count: the mean of the middle two)
	echo "$@" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
atleast() {
	awk -v v="$1" -v t="$2" 'BEGIN { print ((v == "inf" || v + 0 >= t) ? "**met**" : "**missed**") }'
}
below() {
	awk -v v="$1" -v t="$2" 'BEGIN { print ((v + 0 < t) ? "**met**" : "**missed**") }'
}
jget() { # jget FILE KEY.KEY...: one value of a JSON file
	"$PY" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2"
}
count_rows() { # count_rows DB: messages in the store
	sqlite3 -readonly -cmd '.timeout 5000' "$1" 'select count(*) from messages'
}
warm() { # the Maildir's files into the page cache
	find "$DOVECOT_MAIL" -type f -print0 | xargs -0 cat >/dev/null
}
config() { # config NAME [MAILBOX]: NAME.ini for a fresh NAME.db; prints its path
	rm -f "$OUT/$1.db" "$OUT/$1.db-wal" "$OUT/$1.db-shm" "$OUT/$1.db-journal"
	cat >"$OUT/$1.ini" <<EOF
[gateway]
database = $OUT/$1.db
[imap:bench]
url = imap://127.0.0.1:$DOVECOT_PORT/${2:-INBOX}
starttls = no
user = ${DOVECOT_USER:?}
password_file = $OUT/pass
after = seen
batch_size = 200
EOF
	echo "$OUT/$1.ini"
}
raw_args() {
	echo "--port $DOVECOT_PORT --user $DOVECOT_USER --password-file $OUT/pass"
}
clear_seen() { # clear_seen: \Seen off every message; prints the seconds
	# shellcheck disable=SC2046
	"$PY" "$ROOT/bench/imap_raw_fetch.py" $(raw_args) --clear-seen \
		>"$OUT/clear.json" 2>"$OUT/clear.err" || fail_with "clearing \\Seen" $? "$OUT/clear.err"
	jget "$OUT/clear.json" seconds
}
seen_count() { # messages of INBOX with \Seen
	dovecot_imaptool flags INBOX >"$OUT/flags.txt" 2>"$OUT/flags.err" ||
		fail_with "imaptool flags" $? "$OUT/flags.err"
	grep -c '\\Seen' "$OUT/flags.txt" || true
}
# gw_run NAME: one `fetch --once` into a fresh store, under time -v; checks
# its exit status, that it said nothing (-q: errors only), that the store
# holds N messages and that every message is \Seen.
gw_run() {
	_conf=$(config "$1")
	_rc=0
	"$TIME" -v -o "$OUT/$1.time" "$SGW" -c "$_conf" -q fetch --once \
		>"$OUT/$1.out" 2>"$OUT/$1.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "supportgw fetch --once ($1)" "$_rc" "$OUT/$1.err"
	if [ -s "$OUT/$1.err" ]; then
		say "warning: supportgw -q fetch --once ($1) wrote to stderr:"
		head -n 5 "$OUT/$1.err" >&2
		GW_NOISE="$GW_NOISE $1"
	fi
	_have=$(count_rows "$OUT/$1.db")
	[ "$_have" = "$N" ] || die "$1: the store holds $_have messages after fetch --once, expected $N"
	_seen=$(seen_count)
	[ "$_seen" = "$N" ] || die "$1: $_seen of $N messages are \\Seen after fetch --once (after = seen)"
}

# ---- 1. Dovecot and its mailbox ---------------------------------------------

say "starting Dovecot in $(rel "$OUT/dovecot") ..."
dovecot_start "$OUT/dovecot" || die "dovecot_start failed"
umask 077
printf '%s\n' "$DOVECOT_PASS" >"$OUT/pass"
umask 022
chmod 600 "$OUT/pass"
say "seeding INBOX with $N generated messages ..."
maildir_seed_generated "$N" INBOX "$SEED" >/dev/null || die "maildir_seed_generated failed"

# Dovecot indexes the new messages at the first access, and caches their
# sizes at the first RFC822.SIZE: both are done once here, untimed, by one
# raw fetch and one gateway run.
say "warm-up: raw fetch and one gateway run (untimed) ..."
# shellcheck disable=SC2046
"$PY" "$ROOT/bench/imap_raw_fetch.py" $(raw_args) --expect "$N" \
	>"$OUT/warm-raw.json" 2>"$OUT/warm-raw.err" || fail_with "warm-up raw fetch" $? "$OUT/warm-raw.err"
GW_NOISE=""
gw_run warm-gw
WARM_RAW=$(jget "$OUT/warm-raw.json" seconds)
WARM_GW=$(elapsed "$OUT/warm-gw.time")
RAW_BYTES=$(jget "$OUT/warm-raw.json" bytes)

# ---- 2. raw fetch and gateway, three rounds ---------------------------------

RAW_T=""
GW_T=""
GW_CPU=""
GW_K=""
CLEAR_T=""
RAW_K=0
SEEN_T=""
for r in 1 2 3; do
	CLEAR_T="$CLEAR_T $(clear_seen)"
	warm
	say "round $r of 3: raw fetch ..."
	_rc=0
	# shellcheck disable=SC2046
	"$TIME" -v -o "$OUT/raw-$r.time" "$PY" "$ROOT/bench/imap_raw_fetch.py" $(raw_args) \
		--expect "$N" >"$OUT/raw-$r.json" 2>"$OUT/raw-$r.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "raw fetch (round $r)" "$_rc" "$OUT/raw-$r.err"
	RAW_T="$RAW_T $(elapsed "$OUT/raw-$r.time")"
	_k=$(maxrss "$OUT/raw-$r.time")
	[ "$_k" -gt "$RAW_K" ] && RAW_K=$_k
	warm
	say "round $r of 3: supportgw fetch --once ..."
	gw_run "gw-$r"
	GW_T="$GW_T $(elapsed "$OUT/gw-$r.time")"
	GW_CPU="$GW_CPU $(cpu "$OUT/gw-$r.time")"
	GW_K="$GW_K $(maxrss "$OUT/gw-$r.time")"
	CLEAR_T="$CLEAR_T $(clear_seen)"
	warm
	say "round $r of 3: raw fetch + \\Seen ..."
	_rc=0
	# shellcheck disable=SC2046
	"$TIME" -v -o "$OUT/rawseen-$r.time" "$PY" "$ROOT/bench/imap_raw_fetch.py" $(raw_args) \
		--mark-seen --expect "$N" >"$OUT/rawseen-$r.json" 2>"$OUT/rawseen-$r.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "raw fetch + \\Seen (round $r)" "$_rc" "$OUT/rawseen-$r.err"
	_seen=$(seen_count)
	[ "$_seen" = "$N" ] || die "raw fetch + \\Seen: $_seen of $N messages are \\Seen"
	SEEN_T="$SEEN_T $(elapsed "$OUT/rawseen-$r.time")"
done
RAW_S=$(median "$RAW_T")
GW_S=$(median "$GW_T")
SEEN_S=$(median "$SEEN_T")
SEEN_R=$(rate "$N" "$SEEN_S")
RATIO_SEEN=$(awk -v g="$GW_S" -v r="$SEEN_S" 'BEGIN { printf "%.2f\n", r / g }')
RAW_R=$(rate "$N" "$RAW_S")
GW_R=$(rate "$N" "$GW_S")
RATIO=$(awk -v g="$GW_S" -v r="$RAW_S" 'BEGIN { printf "%.2f\n", r / g }')
# each round's own ratio (the same mailbox, a few seconds apart)
RATIOS=$(echo "$RAW_T|$GW_T" | awk -F'|' '{ n = split($1, a, " "); split($2, b, " ")
	for (i = 1; i <= n; i++) printf "%s%.2f", (i > 1 ? " " : ""), a[i] / b[i] }')
GW_KMAX=$(echo "$GW_K" | tr ' ' '\n' | sort -n | tail -n 1)
GW_CPUM=$(median "$GW_CPU")
CLEAR_M=$(median "$CLEAR_T")
GW_MIBS=$(for k in $GW_K; do mib "$k"; done | tr '\n' ' ' | sed 's/ $//')

# ---- 3. IDLE latency ---------------------------------------------------------

# mcell FILE KEY: "median (min–max)" of one interval of a latency result
mcell() {
	"$PY" -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print("–" if v["median"] is None else "%.0f (%.0f–%.0f)" % (v["median"], v["min"], v["max"]))' "$1" "$2"
}
IDLE_ROWS=""
IDLE_NOTES=""
IDLE_MISSING=0
# idle_phase NAME MAILBOX CONF DB LABEL: `supportgw fetch` watching MAILBOX
# (its store DB already up to date), and NIDLE messages appended to MAILBOX.
idle_phase() {
	_n=$1 _mb=$2 _conf=$3 _db=$4 _label=$5
	say "IDLE ($_n): starting supportgw fetch on $_mb ..."
	"$SGW" -c "$_conf" fetch >"$OUT/idle-$_n-gw.out" 2>"$OUT/idle-$_n-gw.err" &
	GWPID=$!
	_i=0
	until grep -q "connected, watching $_mb (IDLE)" "$OUT/idle-$_n-gw.err"; do
		kill -0 "$GWPID" 2>/dev/null || fail_with "supportgw fetch ($_n)" "gone" "$OUT/idle-$_n-gw.err"
		_i=$((_i + 1))
		[ "$_i" -le 200 ] || fail_with "supportgw fetch ($_n): not watching after 20 s" "-" "$OUT/idle-$_n-gw.err"
		sleep 0.1
	done
	_before=$(count_rows "$_db")
	say "IDLE ($_n): appending $NIDLE messages to $_mb, $INTERVAL s apart ..."
	_rc=0
	# shellcheck disable=SC2046
	"$PY" "$ROOT/bench/imap_idle_latency.py" $(raw_args) --db "$_db" --mailbox "$_mb" \
		--count "$NIDLE" --interval "$INTERVAL" --settle 1 --tag "idle-$_n-$$" \
		>"$OUT/idle-$_n.json" 2>"$OUT/idle-$_n.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "imap_idle_latency.py ($_n)" "$_rc" "$OUT/idle-$_n.err"
	# peak RSS of the worker (the supervisor's child)
	_hwm=""
	for _c in $(ps -o pid= --ppid "$GWPID" 2>/dev/null); do
		_h=$(awk '/^VmHWM/ { print $2 }' "/proc/$_c/status" 2>/dev/null || true)
		[ -n "$_h" ] && _hwm=$_h
	done
	_t0=$(date +%s%N)
	kill -TERM "$GWPID"
	_rc=0
	wait "$GWPID" || _rc=$?
	_stop=$((($(date +%s%N) - _t0) / 1000000))
	GWPID=""
	[ "$_rc" -eq 0 ] || fail_with "supportgw fetch ($_n) on SIGTERM" "$_rc" "$OUT/idle-$_n-gw.err"
	_late=$(jget "$OUT/idle-$_n.json" late | tr -d '[] ')
	_miss=$(jget "$OUT/idle-$_n.json" missing | tr -d '[] ')
	_nlate=$(echo "$_late" | awk -F, 'NF { print NF; next } { print 0 }')
	_nmiss=$(echo "$_miss" | awk -F, 'NF { print NF; next } { print 0 }')
	IDLE_MISSING=$((IDLE_MISSING + _nmiss))
	_new=$(grep -c 'account=bench uid=.* action=new' "$OUT/idle-$_n-gw.err" || true)
	_have=$(count_rows "$_db")
	# (a message still missing at the end may be stored before SIGTERM)
	if [ "$_new" -lt "$((NIDLE - _nmiss))" ] || [ "$_new" -gt "$NIDLE" ]; then
		die "IDLE ($_n): the gateway logged $_new new messages, expected $((NIDLE - _nmiss)) ($(rel "$OUT/idle-$_n-gw.err"))"
	fi
	[ "$_have" = "$((_before + _new))" ] ||
		die "IDLE ($_n): the store holds $_have messages, expected $((_before + _new)) ($_new logged as new)"
	_bad=$(grep -E -c 'supportgw: (warn|error|fatal)' "$OUT/idle-$_n-gw.err" || true)
	if [ "$_bad" -gt 0 ]; then
		say "warning: $_bad warning/error lines in $(rel "$OUT/idle-$_n-gw.err"):"
		grep -E 'supportgw: (warn|error|fatal)' "$OUT/idle-$_n-gw.err" | head -n 5 >&2
	fi
	_a2s=$(jget "$OUT/idle-$_n.json" append_to_stored_ms.median)
	IDLE_ROWS="$IDLE_ROWS| $_label | $NIDLE | $(mcell "$OUT/idle-$_n.json" append_to_stored_ms) | $(mcell "$OUT/idle-$_n.json" dovecot_notify_ms) | $(mcell "$OUT/idle-$_n.json" gateway_share_ms) | $(mcell "$OUT/idle-$_n.json" append_command_ms) | $_nlate / $_nmiss | < $T_IDLE_MS ms $(below "$_a2s" "$T_IDLE_MS") |
"
	IDLE_NOTES="$IDLE_NOTES- $_label: worker peak RSS $( [ -n "$_hwm" ] && mib "$_hwm" || echo "?") MiB; $_bad warning/error lines in its log; stopped on SIGTERM in $_stop ms, exit 0.$( [ "$_nlate$_nmiss" = 00 ] || echo " Late (not stored within 5 s of their APPEND): message(s) ${_late:-none}; missing at the end: ${_miss:-none}.")
"
	if [ "$_nlate" -gt 0 ] || [ "$_nmiss" -gt 0 ]; then
		say "warning: IDLE ($_n): late messages: ${_late:-none}; missing: ${_miss:-none} ($(rel "$OUT/idle-$_n.json"))"
	fi
}

# a. A new, empty mailbox: the notification path alone.
dovecot_imaptool create Idle >/dev/null 2>"$OUT/create.err" || fail_with "imaptool create Idle" $? "$OUT/create.err"
SMALL_CONF=$(config idle-small Idle)
idle_phase small Idle "$SMALL_CONF" "$OUT/idle-small.db" "Idle (new mailbox)"
# b. INBOX, 20,000 messages: the daemon continues the store of the last
# round (nothing new to fetch; it goes straight to IDLE).
idle_phase inbox INBOX "$OUT/gw-3.ini" "$OUT/gw-3.db" "INBOX ($N messages)"

dovecot_stop_all

# ---- 4. report ------------------------------------------------------------------

REV=$(bench_revision)
# The network commands run in supportgw-net (supportgw execs it): that is
# the binary these figures are about.
NETBIN="$(dirname "$SGW")/supportgw-net"
BUILT=$(date -u -r "$NETBIN" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo "?")
BINSUM=$(sha256sum "$NETBIN" 2>/dev/null | cut -c1-12)
DOVECOT_VER=$(/usr/sbin/dovecot --version 2>/dev/null | cut -d' ' -f1 || echo "?")
AVG=$(awk -v b="$RAW_BYTES" -v n="$N" 'BEGIN { printf "%.0f", b / n }')
R_RATIO=$(atleast "$RATIO" "$T_RATIO")
R_RSS=$(below "$(mib "$GW_KMAX")" "$T_RSS_MIB")
{
	echo "## IMAP fetch benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	bench_machine_line "$LOADAVG"
	echo "supportgw: $(rel "$SGW") and $(rel "$NETBIN") (built $BUILT, sha256 $BINSUM...) in a checkout at commit $REV; Dovecot $DOVECOT_VER on 127.0.0.1 (plain IMAP, Maildir, mail_fsync = never)."
	echo "Mailbox: INBOX, $N generated messages (maildir_seed_generated, seed $SEED), $AVG bytes each on average as IMAP serves them."
	echo
	echo "| Benchmark | Messages | Seconds (median of 3) | Runs (s) | msg/s | Peak RSS (MiB) | Target |"
	echo "|---|---:|---:|---|---:|---:|---|"
	echo "| raw fetch (imaplib, BODY.PEEK[] 200 a command) | $N | $RAW_S |$RAW_T | $RAW_R | $(mib "$RAW_K") | |"
	echo "| supportgw -q fetch --once (fresh store, after = seen) | $N | $GW_S |$GW_T | $GW_R | $(mib "$GW_KMAX") | ≥ $T_RATIO × raw: $RATIO $R_RATIO; < $T_RSS_MIB MiB $R_RSS |"
	echo "| raw fetch + \\Seen (imaplib, + UID STORE +FLAGS.SILENT (\\Seen) per batch) | $N | $SEEN_S |$SEEN_T | $SEEN_R | | |"
	echo
	echo "- Gateway/raw: $RATIO on the medians; each round's own ratio: $RATIOS. Gateway/(raw + \\Seen), the same server-side work: $RATIO_SEEN."
	echo "- Gateway CPU (user + system), median: $GW_CPUM s of $GW_S s; peak RSS of the three runs: $GW_MIBS MiB."
	echo "- after = seen makes Dovecot rename every Maildir file; the same change backwards (UID STORE 1:* -FLAGS.SILENT (\\Seen), the untimed reset, twice a round) took$CLEAR_T s (median $CLEAR_M s)."
	echo "- Warm-up (untimed, first access: Dovecot indexes and caches sizes): raw fetch $WARM_RAW s, gateway $WARM_GW s."
	echo "- Every gateway run exited 0 and its store held $N messages, all of them \\Seen on the server.$( [ -z "$GW_NOISE" ] || echo " Runs that wrote to stderr despite -q:$GW_NOISE.")"
	echo
	echo "IDLE latency: \`supportgw -c CONF fetch\` in the background, watching one mailbox; $NIDLE messages appended to it one at a time, $INTERVAL s apart, by bench/imap_idle_latency.py, which also keeps a second session of its own in IDLE on that mailbox and polls the store every 5 ms. Milliseconds, median (min–max), from the APPEND's OK:"
	echo
	echo "| Mailbox | Messages | APPEND → stored | APPEND → EXISTS (Dovecot) | EXISTS → stored (the gateway's share) | the APPEND command itself | late / missing | Target |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|"
	printf '%s' "$IDLE_ROWS"
	echo
	printf '%s' "$IDLE_NOTES"
	echo
	echo "Dovecot 2.3 tells IDLE clients about a change 500 ms after it (NOTIFY_DELAY_MSECS in src/lib-storage/mailbox-watch.c), so APPEND → stored cannot be under 0.5 s with Dovecot: the gateway's share is what the gateway controls. In the $N-message INBOX, Dovecot's own work on the big Maildir slows every command (compare the APPEND column), the gateway's one-message FETCH and STORE included, and that time falls into the gateway's share there; Dovecot may also tell our session later than the gateway's (a negative share). A late message is one whose EXISTS the gateway did not act upon at once (see the worker's log)."
	echo
	echo "Commands (from the checkout; wall clock and peak RSS from /usr/bin/time -v; the Maildir is read once before each timed run):"
	echo
	echo '```'
	echo "sh bench/imap.sh $(rel "$SGW")"
	echo "$PY bench/imap_raw_fetch.py $(raw_args | sed "s|$ROOT/||g") --clear-seen   # untimed, before the raw fetch and before the raw fetch + \\Seen of each round"
	echo "/usr/bin/time -v $PY bench/imap_raw_fetch.py $(raw_args | sed "s|$ROOT/||g") --expect $N"
	echo "/usr/bin/time -v $(rel "$SGW") -c bench/out/imap/gw-R.ini -q fetch --once   # R = 1, 2, 3, fresh store each"
	echo "/usr/bin/time -v $PY bench/imap_raw_fetch.py $(raw_args | sed "s|$ROOT/||g") --mark-seen --expect $N"
	echo "$PY tests/integration/harness/imaptool.py --port $DOVECOT_PORT --user $DOVECOT_USER --password ... create Idle"
	echo "$(rel "$SGW") -c bench/out/imap/idle-small.ini fetch &   # then, once it logs 'connected, watching Idle (IDLE)':"
	echo "$PY bench/imap_idle_latency.py $(raw_args | sed "s|$ROOT/||g") --db bench/out/imap/idle-small.db --mailbox Idle --count $NIDLE --interval $INTERVAL --settle 1"
	echo "$(rel "$SGW") -c bench/out/imap/gw-3.ini fetch &   # then, once it logs 'connected, watching INBOX (IDLE)':"
	echo "$PY bench/imap_idle_latency.py $(raw_args | sed "s|$ROOT/||g") --db bench/out/imap/gw-3.db --mailbox INBOX --count $NIDLE --interval $INTERVAL --settle 1"
	echo '```'
	echo
	echo "Config (gw-R.ini; the password file is mode 600):"
	echo
	echo '```'
	sed "s|$ROOT/||g" "$OUT/gw-1.ini"
	echo '```'
} >"$OUT/results.md"
cat "$OUT/results.md"
[ "$IDLE_MISSING" -eq 0 ] ||
	die "IDLE: $IDLE_MISSING message(s) never reached the store (see the IDLE notes above)"
