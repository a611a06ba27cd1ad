# A private SMTP sink for the integration tests and the benchmark (sourced,
# POSIX sh): harness/smtpsink.py (aiosmtpd, run by /usr/bin/python3) on
# 127.0.0.1, on a free port, started here in the background and stopped by
# its pid; nothing system-wide.  Everything lives in the DIR given to
# smtpsink_start (see smtpsink.py for the files): mail/NNNNNN.eml,
# log.jsonl, connections, mode, pid, sink.err.  A DIR must not contain
# spaces or quotes.
#
#   smtpsink_start DIR [--auth USER:PASSWORD] [--tls | --smtps]
#                          start (again) and wait until it greets; exports
#                            SMTPSINK_PORT  the port on 127.0.0.1
#                            SMTPSINK_DIR   DIR (absolute)
#                            SMTPSINK_PID   the sink's pid
#                            SMTPSINK_USER, SMTPSINK_PASS  with --auth: MAIL
#                                           needs AUTH PLAIN or LOGIN (no TLS
#                                           needed)
#                            SMTPSINK_TLS   none, starttls (--tls) or smtps
#                            SMTPSINK_CERT  DIR/cert.pem with --tls/--smtps: a
#                                           self-signed certificate for CN and
#                                           subjectAltName IP:127.0.0.1
#                          messages, mode and counters already in DIR are
#                          kept; the mode starts as "ok" unless
#                          SMTPSINK_KEEP_MODE=1.
#   smtpsink_stop [DIR]    SIGTERM by pid (after checking /proc/PID/cmdline
#                          names DIR), wait; SIGKILL after 5 s
#   smtpsink_stop_all      stop every sink started here (for trap EXIT)
#   smtpsink_use DIR       make DIR's sink the current one (SMTPSINK_*)
#   smtpsink_mode MODE [N] write DIR/mode: ok, 421, 451, 550, 550:ADDR,
#                          451-data, drop, drop-after-data, delay:S ... (see
#                          smtpsink.py); with N only the next N forced answers
#   smtpsink_count         the number of messages stored (mail/*.eml)
#   smtpsink_connections   the number of connections so far (not counting
#                          smtpsink_start's greeting check)
#   smtpsink_wait_count N [SECONDS]
#                          wait until N messages are stored (default 10 s)
#   smtpsink_send [--from A] [--to B]... [--tls|--smtps] [--auth U:P] FILE...
#                          send FILEs as messages over one connection
#                          (smtplib; exit 1 and the reply on stderr when one
#                          is refused)
#
# The sink answers the harness's check with a connection of its own, logged
# in DIR/connections with an extra "probe" event: smtpsink_connections leaves
# it out.

if [ -n "${ROOT:-}" ] && [ -f "$ROOT/tests/integration/harness/smtpsink.py" ]; then
	SMTPSINK_HARNESS="$ROOT/tests/integration/harness"
else
	SMTPSINK_HARNESS="$(cd "$(dirname "$0")" && pwd)/harness"
fi
SMTPSINK_PY="$SMTPSINK_HARNESS/smtpsink.py"
. "$SMTPSINK_HARNESS/proc.sh"
_SMTPSINK_STARTED=""

_smtpsink_err() { echo "smtp.sh: $*" >&2; }

# _smtpsink_alive PID: running (a zombie waiting to be reaped is not)
_smtpsink_alive() { proc_alive "$1"; }

# _smtpsink_wait PORT PID TLS: up to 10 s until DIR/pid names PID (the port
# listens) and the port greets with 220; false at once when PID is gone.
_smtpsink_wait() {
	/usr/bin/python3 - "$1" "$2" "$3" "$SMTPSINK_DIR" <<'EOF'
import os, socket, ssl, sys, time
port, pid, tls, d = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
end = time.monotonic() + 10
def alive():
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False
while True:
    try:
        with open(os.path.join(d, "pid")) as f:
            ready = f.read().strip() == pid
    except OSError:
        ready = False
    if ready:
        break
    if not alive() or time.monotonic() > end:
        sys.exit(1)
    time.sleep(0.02)
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if tls == "smtps":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    f = s.makefile("rb")
    line = f.readline()
    if not line.startswith(b"220"):
        sys.stderr.write("smtp.sh: the sink greets %r\n" % line)
        sys.exit(1)
    s.sendall(b"NOOP smtpsink-probe\r\n")
    f.readline()
    s.sendall(b"QUIT\r\n")
    f.readline()
    s.close()
except OSError as e:
    sys.stderr.write("smtp.sh: the sink does not greet: %s\n" % e)
    sys.exit(1)
EOF
}

smtpsink_use() {
	[ -f "$1/harness.env" ] || { _smtpsink_err "no sink in $1"; return 1; }
	. "$1/harness.env"
	SMTPSINK_PID=$(cat "$1/pid" 2>/dev/null)
	export SMTPSINK_DIR SMTPSINK_PORT SMTPSINK_PID SMTPSINK_USER SMTPSINK_PASS \
		SMTPSINK_TLS SMTPSINK_CERT
}

smtpsink_start() {
	[ -n "${1:-}" ] || { _smtpsink_err "usage: smtpsink_start DIR [--auth U:P] [--tls|--smtps]"; return 1; }
	[ -f "$SMTPSINK_PY" ] || { _smtpsink_err "$SMTPSINK_PY missing"; return 1; }
	/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
		{ _smtpsink_err "aiosmtpd missing (apt-get install python3-aiosmtpd)"; return 1; }
	mkdir -p "$1" || return 1
	_sd=$(cd "$1" && pwd)
	shift
	_sauth=""
	_stls=none
	while [ $# -gt 0 ]; do
		case $1 in
		--auth) _sauth=$2; shift 2 || { _smtpsink_err "--auth U:P"; return 1; } ;;
		--tls) _stls=starttls; shift ;;
		--smtps) _stls=smtps; shift ;;
		*) _smtpsink_err "smtpsink_start: unknown option $1"; return 1 ;;
		esac
	done
	# one sink per DIR
	[ -f "$_sd/pid" ] && smtpsink_stop "$_sd"
	SMTPSINK_DIR=$_sd
	SMTPSINK_USER=${_sauth%%:*}
	SMTPSINK_PASS=${_sauth#*:}
	[ -n "$_sauth" ] || { SMTPSINK_USER=""; SMTPSINK_PASS=""; }
	SMTPSINK_TLS=$_stls
	SMTPSINK_CERT=""
	set --
	[ -n "$_sauth" ] && set -- --auth "$_sauth"
	if [ "$_stls" != none ]; then
		SMTPSINK_CERT="$_sd/cert.pem"
		if [ ! -f "$_sd/cert.pem" ] || [ ! -f "$_sd/key.pem" ]; then
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
				-nodes -days 7 -subj "/CN=127.0.0.1" \
				-addext "subjectAltName=IP:127.0.0.1" \
				-keyout "$_sd/key.pem" -out "$_sd/cert.pem" \
				>"$_sd/openssl.log" 2>&1 || {
				_smtpsink_err "openssl req failed: $(cat "$_sd/openssl.log")"
				return 1
			}
		fi
		set -- "$@" --tls-cert "$_sd/cert.pem" --tls-key "$_sd/key.pem"
		[ "$_stls" = smtps ] && set -- "$@" --smtps
	fi
	[ "${SMTPSINK_KEEP_MODE:-0}" = 1 ] || echo ok >"$_sd/mode"
	# A port found free may be taken before the sink binds it: try again.
	_stry=0
	while :; do
		_stry=$((_stry + 1))
		SMTPSINK_PORT=$(/usr/bin/python3 "$SMTPSINK_HARNESS/imaptool.py" free-ports 1) || return 1
		: >"$_sd/sink.err"
		/usr/bin/python3 "$SMTPSINK_PY" --port "$SMTPSINK_PORT" --dir "$_sd" "$@" \
			</dev/null >>"$_sd/sink.err" 2>&1 &
		SMTPSINK_PID=$!
		case " $_SMTPSINK_STARTED " in
		*" $_sd "*) ;;
		*) _SMTPSINK_STARTED="$_SMTPSINK_STARTED $_sd" ;;
		esac
		cat >"$_sd/harness.env" <<EOF
SMTPSINK_DIR='$_sd'
SMTPSINK_PORT=$SMTPSINK_PORT
SMTPSINK_USER='$SMTPSINK_USER'
SMTPSINK_PASS='$SMTPSINK_PASS'
SMTPSINK_TLS=$SMTPSINK_TLS
SMTPSINK_CERT='$SMTPSINK_CERT'
EOF
		export SMTPSINK_DIR SMTPSINK_PORT SMTPSINK_PID SMTPSINK_USER SMTPSINK_PASS \
			SMTPSINK_TLS SMTPSINK_CERT
		_smtpsink_wait "$SMTPSINK_PORT" "$SMTPSINK_PID" "$_stls" && return 0
		if ! _smtpsink_alive "$SMTPSINK_PID" && [ "$_stry" -lt 3 ] &&
			grep -q "cannot listen" "$_sd/sink.err"; then
			wait "$SMTPSINK_PID" 2>/dev/null
			continue
		fi
		_smtpsink_err "the SMTP sink did not start; $_sd/sink.err:"
		tail -n 20 "$_sd/sink.err" >&2
		smtpsink_stop "$_sd"
		kill -KILL "$SMTPSINK_PID" 2>/dev/null
		wait "$SMTPSINK_PID" 2>/dev/null
		return 1
	done
}

smtpsink_stop() {
	_sd=${1:-${SMTPSINK_DIR:-}}
	[ -n "$_sd" ] || return 0
	_sp=$(cat "$_sd/pid" 2>/dev/null)
	[ -n "$_sp" ] || return 0
	# A pid file left by an earlier run may name a pid reused since: signal
	# it only when it is still this DIR's sink.
	if ! proc_cmdline_has "$_sp" "--dir $_sd"; then
		# gone already (smtpsink_stop_all): reap it if it is a zombie
		grep -q '^[0-9]* (python3) Z' "/proc/$_sp/stat" 2>/dev/null &&
			wait "$_sp" 2>/dev/null
		rm -f "$_sd/pid"
		return 0
	fi
	kill -TERM "$_sp" 2>/dev/null
	proc_wait_gone "$_sp" 100 \
		"smtp.sh: SMTP sink $_sp did not stop on SIGTERM within 5 s: SIGKILL"
	rm -f "$_sd/pid"
	return 0
}

smtpsink_stop_all() {
	for _sad in $_SMTPSINK_STARTED; do
		_sp=$(cat "$_sad/pid" 2>/dev/null)
		[ -n "$_sp" ] && proc_cmdline_has "$_sp" "--dir $_sad" &&
			kill -TERM "$_sp" 2>/dev/null
	done
	for _sad in $_SMTPSINK_STARTED; do
		smtpsink_stop "$_sad"
	done
	_SMTPSINK_STARTED=""
}

smtpsink_mode() {
	[ -n "${SMTPSINK_DIR:-}" ] || { _smtpsink_err "no current sink"; return 1; }
	[ -n "${1:-}" ] || { _smtpsink_err "usage: smtpsink_mode MODE [N]"; return 1; }
	# written whole and renamed: the sink never reads half a line
	printf '%s\n' "$*" >"$SMTPSINK_DIR/mode.tmp" &&
		mv -f "$SMTPSINK_DIR/mode.tmp" "$SMTPSINK_DIR/mode"
}

smtpsink_count() {
	find "$SMTPSINK_DIR/mail" -maxdepth 1 -name '[0-9]*.eml' 2>/dev/null | wc -l | tr -d ' '
}

smtpsink_connections() {
	_sc=$(grep -c '"event": "connect"' "$SMTPSINK_DIR/connections" 2>/dev/null)
	_sprobe=$(grep -c '"event": "probe"' "$SMTPSINK_DIR/connections" 2>/dev/null)
	echo $((${_sc:-0} - ${_sprobe:-0}))
}

smtpsink_wait_count() {
	_swend=$(($(date +%s) + ${2:-10}))
	while [ "$(smtpsink_count)" -lt "$1" ]; do
		[ "$(date +%s)" -ge "$_swend" ] && return 1
		sleep 0.05
	done
}

smtpsink_send() {
	/usr/bin/python3 - "$SMTPSINK_PORT" "$@" <<'EOF'
import smtplib, ssl, sys
args = sys.argv[1:]
port = int(args.pop(0))
frm, to, tls, auth, files = "sender@example.org", [], None, None, []
while args:
    a = args.pop(0)
    if a == "--from":
        frm = args.pop(0)
    elif a == "--to":
        to.append(args.pop(0))
    elif a in ("--tls", "--smtps"):
        tls = a
    elif a == "--auth":
        auth = args.pop(0).split(":", 1)
    else:
        files.append(a)
to = to or ["customer@example.org"]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    if tls == "--smtps":
        s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=10)
    else:
        s = smtplib.SMTP("127.0.0.1", port, timeout=10)
    if tls == "--tls":
        s.starttls(context=ctx)
    if auth:
        s.login(*auth)
    for f in files:
        with open(f, "rb") as fh:
            s.sendmail(frm, to, fh.read())
    s.quit()
except (smtplib.SMTPException, OSError) as e:
    sys.stderr.write("smtpsink_send: %s: %s\n" % (type(e).__name__, e))
    sys.exit(1)
EOF
}
