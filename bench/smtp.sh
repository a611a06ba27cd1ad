#!/bin/sh
# bench/smtp.sh - SMTP sending benchmark of supportgw (issue 4), called at the
# end of bench/run.sh and runnable alone:
#
#   sh bench/smtp.sh PATH/TO/supportgw
#
# Queues 10,000 acknowledgements in a fresh store: 200 generated new-case
# mails (half English, half French with accents, each from its own address)
# are delivered one process each (timed apart, for information), which
# queues 200 real acknowledgements; the outbox rows are then copied with
# sqlite3 up to 10,000, each copy with a fresh Message-ID (in the row and in
# its raw header).  Then three rounds, each against a fresh private SMTP sink
# (tests/integration/harness/smtp.sh: aiosmtpd on 127.0.0.1, every message
# written to a file):
#   /usr/bin/time -v supportgw -c CONF -q outbox flush
# with every row queued and due again before each round (untimed:
# update outbox set status = 0, next_attempt_at = 0, ...).  A round counts
# only when the flush exits 0, says "10000 sent", leaves every row sent, and
# the sink logged 10,000 distinct Message-IDs, each to one recipient; the
# report gives the sink's SMTP sessions per round (the gateway should reuse
# one connection).  For comparison, a raw client (smtplib, one connection,
# the same 10,000 envelopes and messages read from the store) against a
# fresh sink after each round shows what the sink itself can take.
#
# Everything goes to bench/out/smtp/ (removed at the start); the Markdown
# summary is printed on stdout and saved to bench/out/smtp/results.md,
# progress goes to stderr.  The sinks are stopped by pid at exit.  About a
# minute on 2 vCPUs.
#
# Overrides (environment): BENCH_SMTP_N (10000 messages), BENCH_SMTP_SEED_N
# (200 delivered mails).
# Exit status: 0 when every step ran (targets missed or not), 1 on failure,
# 64 on bad usage.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_NAME=bench-smtp
. "$ROOT/bench/lib.sh"
bench_start bench/smtp.sh "$@"
OUT=$ROOT/bench/out/smtp
N=${BENCH_SMTP_N:-10000}
NSEED=${BENCH_SMTP_SEED_N:-200}

# Targets (issue 4): >= 500 mails/s over one reused connection; peak RSS
# < 64 MiB (the gateway's memory target).
T_RATE=500
T_RSS_MIB=64

command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 is missing (apt-get install sqlite3)"
for n in "$N" "$NSEED"; do
	case $n in '' | *[!0-9]* | 0) die "BENCH_SMTP_N and BENCH_SMTP_SEED_N must be plain positive numbers (got '$n')" ;; esac
done
[ "$NSEED" -le "$N" ] || NSEED=$N

LOADAVG=$(bench_loadavg)
unset SUPPORTGW_CONFIG
# the sink harness: smtpsink_start, smtpsink_stop, smtpsink_stop_all
. "$ROOT/tests/integration/harness/smtp.sh"
trap smtpsink_stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$OUT"
mkdir -p "$OUT" || die "cannot create $OUT"
cd "$OUT" || die "cannot enter $OUT"

# ---- helpers ---------------------------------------------------------------

atleast() { awk -v v="$1" -v t="$2" 'BEGIN { print ((v == "inf" || v + 0 >= t) ? "PASS" : "MISS") }'; }
below() { awk -v v="$1" -v t="$2" 'BEGIN { print ((v + 0 < t) ? "PASS" : "MISS") }'; }
median() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
DB=$OUT/smtp.db
CONF=$OUT/smtp.ini
db() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }
# config: $CONF for the store $DB, [smtp] on the current sink
config() {
	cat >"$CONF" <<EOF
[gateway]
database = $DB
staff = @support.example.com
templates = $ROOT/templates
addresses = support@example.com
[smtp]
url = smtp://127.0.0.1:$SMTPSINK_PORT
starttls = no
from = Example Support <support@example.com>
timeout_seconds = 5
max_attempts = 12
EOF
}
# sinkcheck DIR: "MESSAGES DISTINCT_MESSAGE_IDS SESSIONS SINGLE_RCPT" from DIR/log.jsonl
sinkcheck() {
	"$PY" - "$1/log.jsonl" <<'EOF'
import json, sys
n, mids, sessions, single = 0, set(), set(), 0
try:
    f = open(sys.argv[1])
except OSError:
    f = []
for line in f:
    r = json.loads(line)
    n += 1
    mids.add(r.get("message_id"))
    sessions.add(r.get("session"))
    single += len(r.get("rcpt_tos") or []) == 1
print(n, len(mids), len(sessions), single)
EOF
}
# sinkcpu: the current sink's CPU seconds (user + system) so far
sinkcpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' \
		"/proc/$SMTPSINK_PID/stat" 2>/dev/null || echo "?"
}
# newsink NAME: a fresh sink in $OUT/NAME (the current one), $CONF pointing at it
newsink() {
	smtpsink_start "$OUT/$1" || die "the SMTP sink did not start (see $(rel "$OUT/$1")/sink.err)"
	config
}

# ---- 1. the queue ------------------------------------------------------------

newsink sink-seed
say "generating and delivering $NSEED new-case mails ..."
mkdir -p "$OUT/mail"
"$PY" - "$OUT/mail" "$NSEED" <<'EOF' || die "cannot generate the mails"
import sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    if i % 2:
        head = ("From: =?UTF-8?Q?Fran=C3=A7oise_L=C3=A9v=C3=AAque_%d?= <client%d@client%d.example.fr>\r\n"
                "Subject: =?UTF-8?Q?Probl=C3=A8me_d'activation_de_la_licence_n=C2=B0%d?=\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                % (i, i, i, i))
        body = ("Bonjour,\r\n\r\nDepuis la mise à jour d'hier soir, notre serveur de licences\r\n"
                "refuse d'activer les postes. Pouvez-vous nous aider ?\r\n\r\nCordialement,\r\n")
    else:
        head = ("From: John Smith %d <customer%d@customer%d.example>\r\n"
                "Subject: License server does not start after upgrade (%d)\r\n"
                "Content-Type: text/plain; charset=us-ascii\r\n" % (i, i, i, i))
        body = ("Hello,\r\n\r\nSince we upgraded to version 7.2 last night, the license server\r\n"
                "does not start anymore. Could you please help us?\r\n\r\nThank you,\r\n")
    with open("%s/%06d.eml" % (d, i), "w", encoding="utf-8", newline="") as f:
        f.write(head + "To: support@example.com\r\nMessage-ID: <bench-smtp-%d@client.example>\r\n"
                "Date: Mon, 16 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\r\n" % i + body)
EOF
t0=$(now_ms)
for f in "$OUT"/mail/*.eml; do
	"$SGW" -c "$CONF" -q deliver <"$f" >>"$OUT/deliver.out" 2>>"$OUT/deliver.err" ||
		fail_with "deliver of $(rel "$f")" $? "$OUT/deliver.err"
done
DELIVER_MS=$(($(now_ms) - t0))
DELIVER_R=$(awk -v n="$NSEED" -v ms="$DELIVER_MS" 'BEGIN { printf "%.0f", (ms > 0) ? n * 1000 / ms : 0 }')
QUEUED=$(db "select count(*) from outbox where status = 0")
[ "$QUEUED" = "$NSEED" ] || die "$NSEED new cases queued $QUEUED acknowledgements (rate limit? templates?)"
FR=$(db "select count(*) from outbox where cast(raw as text) like '%Bonjour%'")
say "copying the $NSEED outbox rows up to $N, each with a fresh Message-ID ..."
EXTRA=$((N - NSEED))
if [ "$EXTRA" -gt 0 ]; then
	db "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $EXTRA)
	INSERT INTO outbox (case_number, kind, message_id, mail_from, rcpt, raw, status,
		attempts, created_at, next_attempt_at)
	SELECT o.case_number, o.kind, 'copy' || k.i || '.' || o.message_id, o.mail_from, o.rcpt,
		CAST(replace(CAST(o.raw AS TEXT), '<' || o.message_id || '>',
			'<copy' || k.i || '.' || o.message_id || '>') AS BLOB),
		0, 0, o.created_at, 0
	FROM k JOIN outbox o ON o.id = (SELECT min(id) FROM outbox) + (k.i - 1) % $NSEED;" ||
		die "cannot copy the outbox rows"
fi
[ "$(db "select count(*) from outbox where status = 0")" = "$N" ] || die "the outbox does not hold $N queued rows"
[ "$(db "select count(distinct message_id) from outbox")" = "$N" ] || die "the outbox Message-IDs are not distinct"
# every copy's raw header names its own Message-ID
BADRAW=$(db "select count(*) from outbox where instr(cast(raw as text), 'Message-ID: <' || message_id || '>') = 0")
[ "$BADRAW" = 0 ] || die "$BADRAW outbox rows whose raw Message-ID is not theirs"
AVG=$(db "select cast(avg(length(raw)) as integer) from outbox")
smtpsink_stop "$OUT/sink-seed"
db "pragma wal_checkpoint(truncate);" >/dev/null 2>&1

# ---- 2. three rounds: the gateway's flush, then the raw client -------------------

cat >"$OUT/raw_send.py" <<'EOF'
# The same envelopes and messages as the gateway's outbox, sent with smtplib
# over one connection: what the sink itself can take.
import smtplib, sqlite3, sys
db, port = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
rows = con.execute("select mail_from, rcpt, raw from outbox order by id").fetchall()
con.close()
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
for mail_from, rcpt, raw in rows:
    s.sendmail(mail_from, [rcpt], bytes(raw))
s.quit()
print(len(rows))
EOF
GW_T=""
GW_KMAX=0
GW_CPU=""
GW_SESS=""
GW_SINKCPU=""
GW_NOISE=""
RAW_T=""
RAW_SESS=""
RAW_SINKCPU=""
for r in 1 2 3; do
	newsink "sink-gw-$r"
	db "update outbox set status = 0, next_attempt_at = 0, attempts = 0, sent_at = NULL, last_error = NULL" ||
		die "cannot requeue the outbox"
	say "round $r: outbox flush of $N mails ..."
	_rc=0
	"$TIME" -v -o "$OUT/flush-$r.time" "$SGW" -c "$CONF" -q outbox flush \
		>"$OUT/flush-$r.out" 2>"$OUT/flush-$r.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "outbox flush (round $r)" "$_rc" "$OUT/flush-$r.err"
	GW_SINKCPU="$GW_SINKCPU $(sinkcpu)"
	grep -q "^$N sent, 0 to retry, 0 failed" "$OUT/flush-$r.out" ||
		die "round $r: the flush says '$(cat "$OUT/flush-$r.out")', not '$N sent, 0 to retry, 0 failed'"
	_sent=$(db "select count(*) from outbox where status = 1")
	[ "$_sent" = "$N" ] || die "round $r: $_sent rows sent, not $N"
	set -- $(sinkcheck "$OUT/sink-gw-$r")
	[ "$1 $2 $4" = "$N $N $N" ] ||
		die "round $r: the sink logged $1 messages, $2 distinct Message-IDs, $4 with one recipient (want $N each)"
	GW_SESS="$GW_SESS $3"
	[ -s "$OUT/flush-$r.err" ] && GW_NOISE="$GW_NOISE $r"
	GW_T="$GW_T $(elapsed "$OUT/flush-$r.time")"
	GW_CPU="$GW_CPU $(cpu "$OUT/flush-$r.time")"
	_k=$(maxrss "$OUT/flush-$r.time")
	[ "$_k" -gt "$GW_KMAX" ] && GW_KMAX=$_k
	say "round $r: $(elapsed "$OUT/flush-$r.time") s, $3 SMTP session(s), peak RSS $(mib "$_k") MiB"
	smtpsink_stop "$OUT/sink-gw-$r"
	rm -rf "$OUT/sink-gw-$r/mail" # 10,000 files a round; log.jsonl is kept

	newsink "sink-raw-$r"
	say "round $r: raw smtplib client, $N mails ..."
	_rc=0
	"$TIME" -v -o "$OUT/raw-$r.time" "$PY" "$OUT/raw_send.py" "$DB" "$SMTPSINK_PORT" \
		>"$OUT/raw-$r.out" 2>"$OUT/raw-$r.err" || _rc=$?
	[ "$_rc" -eq 0 ] || fail_with "the raw smtplib client (round $r)" "$_rc" "$OUT/raw-$r.err"
	RAW_SINKCPU="$RAW_SINKCPU $(sinkcpu)"
	set -- $(sinkcheck "$OUT/sink-raw-$r")
	[ "$1 $2" = "$N $N" ] || die "raw client: the sink logged $1 messages, $2 distinct Message-IDs (want $N)"
	RAW_SESS="$RAW_SESS $3"
	RAW_T="$RAW_T $(elapsed "$OUT/raw-$r.time")"
	say "round $r: raw client $(elapsed "$OUT/raw-$r.time") s"
	smtpsink_stop "$OUT/sink-raw-$r"
	rm -rf "$OUT/sink-raw-$r/mail"
done
GW_S=$(median $GW_T)
GW_R=$(rate "$N" "$GW_S")
GW_CPUM=$(median $GW_CPU)
ONECONN=PASS
for s in $GW_SESS; do
	[ "$s" = 1 ] || ONECONN=MISS
done
RAW_S=$(median $RAW_T)
RAW_R=$(rate "$N" "$RAW_S")

# ---- 3. report ------------------------------------------------------------------

REV=$(bench_revision)
# outbox flush runs in supportgw-net (supportgw execs it)
NETBIN="$(dirname "$SGW")/supportgw-net"
BUILT=$(date -u -r "$NETBIN" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo "?")
BINSUM=$(sha256sum "$NETBIN" 2>/dev/null | cut -c1-12)
AIOSMTPD=$("$PY" -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null || echo "?")
R_RATE=$(atleast "$GW_R" "$T_RATE")
R_RSS=$(below "$(mib "$GW_KMAX")" "$T_RSS_MIB")
RATIO=$(awk -v g="$GW_R" -v r="$RAW_R" 'BEGIN { if (r > 0) printf "%.2f", g / r; else print "n/a" }')
{
	echo "## SMTP sending benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	bench_machine_line "$LOADAVG"
	echo "supportgw: $(rel "$SGW") and $(rel "$NETBIN") (built $BUILT, sha256 $BINSUM...) in a checkout at commit $REV."
	echo "Relay: the test sink (tests/integration/harness/smtpsink.py, aiosmtpd $AIOSMTPD) on 127.0.0.1, plain SMTP, no AUTH, each message written to a file (no fsync), a fresh sink each round."
	echo "Queue: $N acknowledgements of $AVG bytes on average: $NSEED real ones ($FR of them French, quoted-printable) from \`deliver\`, copied with sqlite3 up to $N with fresh Message-IDs; each to its own recipient ($NSEED distinct addresses)."
	echo
	echo "| Benchmark | Mails | Seconds (median of 3) | Runs (s) | mails/s | SMTP sessions per run | Peak RSS (MiB) | Targets |"
	echo "|---|---:|---:|---|---:|---|---:|---|"
	echo "| supportgw -q outbox flush | $N | $GW_S |$GW_T | $GW_R |$GW_SESS | $(mib "$GW_KMAX") | ≥ $T_RATE mails/s $R_RATE; one connection $ONECONN; < $T_RSS_MIB MiB $R_RSS |"
	echo "| raw smtplib client, one connection (the sink's ceiling) | $N | $RAW_S |$RAW_T | $RAW_R |$RAW_SESS | | |"
	echo
	echo "- Gateway/raw client: $RATIO. Gateway CPU (user + system), median: $GW_CPUM s of $GW_S s wall clock (the rest is waiting for the sink); the sink's own CPU per round:$GW_SINKCPU s (raw client rounds:$RAW_SINKCPU s)."
	echo "- Every round exited 0, said \"$N sent, 0 to retry, 0 failed\", left all $N rows sent, and the sink logged $N distinct Message-IDs, each to one recipient.$( [ -z "$GW_NOISE" ] || echo " Rounds that wrote to stderr despite -q:$GW_NOISE.")"
	echo "- Not timed: delivering the $NSEED mails that queued the real acknowledgements, one \`supportgw deliver\` process each: $DELIVER_MS ms, $DELIVER_R mails/s (case, message and acknowledgement in one transaction)."
	echo
	echo "Commands (from the checkout; wall clock and peak RSS from /usr/bin/time -v):"
	echo
	echo '```'
	echo "sh bench/smtp.sh $(rel "$SGW")"
	echo "for f in bench/out/smtp/mail/*.eml; do $(rel "$SGW") -c bench/out/smtp/smtp.ini -q deliver < \$f; done   # $NSEED new cases"
	echo "sqlite3 bench/out/smtp/smtp.db 'WITH RECURSIVE k(i) AS (...) INSERT INTO outbox ... SELECT ... '\\''copy'\\'' || k.i || '\\''.'\\'' || o.message_id ...'   # up to $N rows"
	echo "sqlite3 bench/out/smtp/smtp.db 'update outbox set status = 0, next_attempt_at = 0, attempts = 0, sent_at = NULL, last_error = NULL'   # before each round"
	echo "/usr/bin/time -v $(rel "$SGW") -c bench/out/smtp/smtp.ini -q outbox flush   # 3 rounds, a fresh sink each"
	echo "/usr/bin/time -v $PY bench/out/smtp/raw_send.py bench/out/smtp/smtp.db PORT   # after each round, a fresh sink each"
	echo '```'
	echo
	echo "Config (the url's port is that of each round's sink):"
	echo
	echo '```'
	sed "s|$ROOT/||g" "$CONF"
	echo '```'
} >"$OUT/results.md"
cat "$OUT/results.md"
