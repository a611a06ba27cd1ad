# Helpers for the integration tests that run the gateway against the private
# Dovecot (sourced after tests/e2e/lib.sh and harness/dovecot.sh): the
# gateway in the foreground or background, waiting for the store, signals,
# and a config with one account on the current Dovecot.

BG=""           # gateway processes started in the background
cleanup() {
	for _bp in $BG; do
		kill -KILL "$_bp" 2>/dev/null
	done
	dovecot_stop_all
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The gateway in the foreground, never for more than a minute.
gw() { timeout -k 2 60 "$SUPPORTGW" "$@"; }

# gw_bg ERRFILE ARGS...: the gateway in the background, pid in BGPID.  A
# shell starts background commands with SIGINT ignored; the gateway gets it
# back at its default, as from an interactive shell.
gw_bg() {
	_errf=$1
	shift
	/usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$SUPPORTGW" "$@" >"$_errf.out" 2>"$_errf" &
	BGPID=$!
	BG="$BG $BGPID"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
alive() { proc_alive "$1"; }
not() { ! "$@"; }

# sql DB QUERY: one value ("" when the store is missing or locked too long)
sql() { sqlite3 -cmd '.timeout 5000' "$1" "$2" 2>/dev/null; }
rows() { _r=$(sql "$WORK/$1.db" "select count(*) from ${2:-messages}"); echo "${_r:-0}"; }
at_least() { [ "$(rows "$1")" -ge "$2" ]; }

# wait_until PID SECONDS COMMAND...: true as soon as COMMAND is (tried
# every 0.1 s); false after SECONDS, or at once when process PID is gone.
wait_until() {
	_wp=$1
	_end=$(($(now_ms) + $2 * 1000))
	shift 2
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -ge "$_end" ] && return 1
		alive "$_wp" || { "$@"; return; }
		sleep 0.1
	done
}

# signal_gw PID SIGNAL: GW_RC = its exit status ("hung" if it still ran 5 s
# later: then it is killed) and GW_MS = how long it took.
signal_gw() {
	_t0=$(now_ms)
	kill -"$2" "$1" 2>/dev/null
	while alive "$1"; do
		if [ $(($(now_ms) - _t0)) -ge 5000 ]; then
			kill -KILL "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			GW_RC=hung
			GW_MS=5000
			return
		fi
		sleep 0.05
	done
	GW_MS=$(($(now_ms) - _t0))
	wait "$1"
	GW_RC=$?
}

# checkl LOG DESCRIPTION COMMAND...: check, showing the end of LOG on failure
checkl() {
	_cl_log=$1
	_cl_d=$2
	shift 2
	if "$@"; then
		ok "$_cl_d"
	else
		notok "$_cl_d"
		[ -f "$_cl_log" ] && tail -n 8 "$_cl_log" | sed 's/^/#   /'
	fi
}

# account NAME MAILBOX|URL AFTER [LINE...]: $WORK/NAME.ini with the store
# $WORK/NAME.db and one account "support" on the current Dovecot (MAILBOX of
# its plain port, or the URL given); the password in $WORK/NAME.pass (600).
account() {
	_an=$1
	case $2 in
	*://*) _au=$2 ;;
	*) _au="imap://127.0.0.1:$DOVECOT_PORT/$2" ;;
	esac
	_aa=$3
	shift 3
	(umask 077 && printf '%s\n' "$DOVECOT_PASS" >"$WORK/$_an.pass")
	_ac=$(mkconfig "$_an")
	{
		echo "[imap:support]"
		echo "url = $_au"
		echo "starttls = no"
		echo "user = $DOVECOT_USER"
		echo "password_file = $WORK/$_an.pass"
		echo "after = $_aa"
		echo "quarantine = Quarantine"
		echo "batch_size = 50"
		echo "poll_seconds = 1"
		echo "timeout_seconds = 5"
		for _al in "$@"; do
			echo "$_al"
		done
	} >>"$_ac"
	echo "$_ac"
}

imap() { dovecot_imaptool "$@"; }
seen() { imap flags "$1" | grep -c '\\Seen'; }
has_mailbox() { imap list | grep -qx "$1"; }
# holds MAILBOX UID TEXT: the message contains TEXT
holds() { imap cat "$1" "$2" | grep -q "$3"; }
# one line per message: account=support uid=N msgid=<ID> case=NNNNNNNN action=A
# (a quarantined message has no Message-ID or case: msgid=- case=-)
LOGLINE='^supportgw: info: account=support uid=[0-9][0-9]* msgid=[^ ]* case=[^ ]* action='

