# A private Dovecot for the integration tests (sourced, POSIX sh).
#
# Everything lives under the DIR given to dovecot_start: dovecot.conf,
# base_dir (run/), state_dir (state/), the log (dovecot.log), the users file
# and the Maildir homes (home/USER/Maildir) -- but for a DIR too deep for
# unix sockets or closed to the dovecot user, where the data goes to a
# folder of its own in /tmp (DOVECOT_DATA_DIR).  Dovecot listens on
# 127.0.0.1 only, on free ports; nothing system-wide is read, written or
# started, and it is stopped by the pid (and process group) this file
# started.  A DIR must not contain spaces or quotes.
#
#   dovecot_start DIR      configure and start; exports
#                            DOVECOT_PORT      plain IMAP (ssl = no unless TLS)
#                            DOVECOT_TLS_PORT  imaps (listening only with TLS)
#                            DOVECOT_USER      support
#                            DOVECOT_PASS      random password
#                            DOVECOT_MAIL      the user's Maildir (INBOX)
#                            DOVECOT_PID       master pid
#                            DOVECOT_DIR       DIR
#                            DOVECOT_CERT      DIR/cert.pem (with TLS)
#                            DOVECOT_LOG       DIR/dovecot.log
#                            DOVECOT_DATA_DIR  DIR, or the folder in /tmp
#                          variants, read at the first start of a DIR:
#                            DOVECOT_NO_IDLE=1  IDLE left out of the capabilities
#                            DOVECOT_TLS=1      ssl = yes, imaps on DOVECOT_TLS_PORT
#                                               with a self-signed certificate for
#                                               CN and subjectAltName IP:127.0.0.1
#   dovecot_stop [DIR]     SIGTERM to the instance's processes, wait until all
#                          are gone (SIGKILL after 10 s; about 2 s with open
#                          IMAP sessions); DIR defaults to the current one
#   dovecot_restart [DIR]  stop, then start again on the same ports, password,
#                          variant and mail
#   dovecot_use DIR        make DIR's instance the current one (DOVECOT_*)
#   dovecot_stop_all       stop every instance started here (for trap EXIT)
#   dovecot_imaptool ARGS  imaptool.py against the current instance:
#                          dovecot_imaptool count INBOX
#   maildir_seed_generated N [MAILBOX] [SEED]
#                          write N generated messages (distinct Message-IDs
#                          <gen-SEED-I@example.org>) as files straight into the
#                          Maildir's new/ (MAILBOX default INBOX); Dovecot gives
#                          them UIDs at the next sync.  20,000 take about 1 s.
#
# As root the processes run as Dovecot's own users (dovecot, dovenull) and the
# mail belongs to the dovecot user (root may not own mail: Dovecot refuses
# UID 0).  As any other user every Dovecot user is that user and no process
# chroots.  Users: support (DOVECOT_PASS) and other (DOVECOT_PASS-other), in
# a passwd-file; LOGIN, AUTHENTICATE PLAIN and XOAUTH2 (the password is the
# token: Dovecot 2.3 checks an XOAUTH2 token against the passdb as it checks
# a password).  No auth penalty and no failure delay: a wrong password is
# answered at once, and does not slow down the logins after it.

DOVECOT_BIN=${DOVECOT_BIN:-/usr/sbin/dovecot}
if [ -n "${ROOT:-}" ] && [ -f "$ROOT/tests/integration/harness/imaptool.py" ]; then
	IMAPTOOL="$ROOT/tests/integration/harness/imaptool.py"
else
	IMAPTOOL="$(cd "$(dirname "$0")" && pwd)/harness/imaptool.py"
fi
_DOVECOT_STARTED=""
. "$(dirname "$IMAPTOOL")/proc.sh"

_dovecot_err() { echo "dovecot.sh: $*" >&2; }

# The capabilities Dovecot 2.3 announces after login, without IDLE.
_DOVECOT_CAPS_NO_IDLE="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT \
SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND \
URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED \
I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH \
LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE \
SAVEDATE LITERAL+ NOTIFY"

# _dovecot_setup DIR: first start of DIR: users, ports, password, config.
_dovecot_setup() {
	_d=$1
	mkdir -p "$_d" && chmod 755 "$_d" || return 1
	_ports=$(/usr/bin/python3 "$IMAPTOOL" free-ports 2) || return 1
	_pass=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(12))') || return 1
	if [ "$(id -u)" -eq 0 ]; then
		_iu=dovecot
		_ig=dovecot
		_lu=dovenull
		_mu=dovecot
		_chroot=""
		if ! id dovecot >/dev/null 2>&1 || ! id dovenull >/dev/null 2>&1; then
			_dovecot_err "users dovecot and dovenull are missing (install dovecot-core)"
			return 1
		fi
	else
		_iu=$(id -un)
		_ig=$(id -gn)
		_lu=$_iu
		_mu=$_iu
		_chroot="  chroot ="
	fi
	_uid=$(id -u "$_mu")
	_gid=$(id -g "$_mu")
	_tls=${DOVECOT_TLS:-0}
	_noidle=${DOVECOT_NO_IDLE:-0}
	# The data (base_dir run/, state/, the users file, the Maildir homes)
	# lives in DIR, unless DIR is too deep for the unix sockets of base_dir
	# (108 characters at most: DIR/run/ and up to 24 more) or, as root, the
	# dovecot user cannot reach it (a parent folder closed to others, as in
	# a checkout under /root): then in a folder of its own in /tmp, removed
	# by dovecot_stop_all.  The configuration and the log stay in DIR.
	_data=$_d
	if [ ${#_d} -gt 70 ] || { [ "$(id -u)" -eq 0 ] &&
		! setpriv --reuid="$_uid" --regid="$_gid" --clear-groups test -x "$_d" 2>/dev/null; }; then
		_data=$(mktemp -d /tmp/supportgw-dovecot.XXXXXX) || return 1
	fi
	mkdir -p "$_data/run" "$_data/state" "$_data/home" || return 1
	chmod 755 "$_data" "$_data/run" "$_data/state" "$_data/home"
	cat >"$_d/harness.env" <<EOF
DOVECOT_DIR='$_d'
DOVECOT_DATA_DIR='$_data'
DOVECOT_PORT=${_ports% *}
DOVECOT_TLS_PORT=${_ports#* }
DOVECOT_USER=support
DOVECOT_PASS=$_pass
DOVECOT_MAIL='$_data/home/support/Maildir'
DOVECOT_LOG='$_d/dovecot.log'
DOVECOT_CERT='$_d/cert.pem'
DOVECOT_MAIL_UID=$_uid
DOVECOT_MAIL_GID=$_gid
DOVECOT_TLS_ON=$_tls
DOVECOT_NO_IDLE_ON=$_noidle
EOF
	. "$_d/harness.env"
	# PLAIN: passwords as written; the users file is read by the auth
	# process (the internal user).
	{
		echo "support:{PLAIN}$_pass::::::"
		echo "other:{PLAIN}$_pass-other::::::"
	} >"$_data/users"
	chmod 640 "$_data/users"
	[ "$(id -u)" -eq 0 ] && chgrp "$_ig" "$_data/users"
	for _u in support other; do
		mkdir -p "$_data/home/$_u/Maildir/cur" "$_data/home/$_u/Maildir/new" \
			"$_data/home/$_u/Maildir/tmp"
	done
	[ "$(id -u)" -eq 0 ] && chown -R "$_uid:$_gid" "$_data/home"
	chmod -R go-w "$_data/home"
	if [ "$_tls" = 1 ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -days 7 -subj "/CN=127.0.0.1" \
			-addext "subjectAltName=IP:127.0.0.1" \
			-keyout "$_d/key.pem" -out "$_d/cert.pem" \
			>"$_d/openssl.log" 2>&1 || {
			_dovecot_err "openssl req failed: $(cat "$_d/openssl.log")"
			return 1
		}
		_ssl="ssl = yes
ssl_cert = <$_d/cert.pem
ssl_key = <$_d/key.pem"
		_imaps_port=$DOVECOT_TLS_PORT
	else
		_ssl="ssl = no"
		_imaps_port=0
	fi
	if [ "$_noidle" = 1 ]; then
		_caps="imap_capability = $_DOVECOT_CAPS_NO_IDLE"
	else
		_caps=""
	fi
	cat >"$_d/dovecot.conf" <<EOF
# Written by tests/integration/harness/dovecot.sh: a private Dovecot on
# 127.0.0.1 for the integration tests.
base_dir = $_data/run
state_dir = $_data/state
instance_name = supportgw-test-$DOVECOT_PORT
protocols = imap
listen = 127.0.0.1
log_path = $_d/dovecot.log
info_log_path = $_d/dovecot.log
auth_verbose = yes
# a wrong password is answered at once, not after 2 s
auth_failure_delay = 0
auth_mechanisms = plain login xoauth2
disable_plaintext_auth = no
$_ssl
default_internal_user = $_iu
default_internal_group = $_ig
default_login_user = $_lu
first_valid_uid = $_uid
last_valid_uid = $_uid
first_valid_gid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
# IDLE notices new mail by inotify; this is the fallback check.
mailbox_idle_check_interval = 1 secs
imap_idle_notify_interval = 1 mins
$_caps
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $_data/users
}
userdb {
  driver = static
  args = uid=$_uid gid=$_gid home=$_data/home/%u
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $_imaps_port
    ssl = yes
  }
$_chroot
}
# No auth penalty: else each failed login from 127.0.0.1 delays the next
# logins more, up to 15 s (Dovecot's documented way to turn it off).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
$_chroot
}
service ipc {
$_chroot
}
service old-stats {
$_chroot
}
service imap-urlauth-login {
$_chroot
}
service pop3-login {
$_chroot
}
service submission-login {
$_chroot
}
EOF
	if [ "$(id -u)" -eq 0 ] &&
		! setpriv --reuid="$_uid" --regid="$_gid" --clear-groups \
			test -w "$DOVECOT_MAIL/new" 2>/dev/null; then
		_dovecot_err "user $_mu cannot write to $DOVECOT_MAIL/new"
		return 1
	fi
}

# _dovecot_launch: start the master of the current DIR in the foreground
# (-F) in the background, in a process group of its own, and wait until the
# port greets.
_dovecot_launch() {
	: >>"$DOVECOT_LOG"
	/usr/bin/python3 -c 'import os, sys
os.setpgid(0, 0)
os.execv(sys.argv[1], sys.argv[1:])' "$DOVECOT_BIN" -F -c "$DOVECOT_DIR/dovecot.conf" \
		</dev/null >>"$DOVECOT_DIR/dovecot.stderr" 2>&1 &
	DOVECOT_PID=$!
	echo "$DOVECOT_PID" >"$DOVECOT_DIR/harness.pid"
	case " $_DOVECOT_STARTED " in
	*" $DOVECOT_DIR "*) ;;
	*) _DOVECOT_STARTED="$_DOVECOT_STARTED $DOVECOT_DIR" ;;
	esac
	export DOVECOT_PID
	if ! /usr/bin/python3 "$IMAPTOOL" --port "$DOVECOT_PORT" wait --timeout 10 \
		--pid "$DOVECOT_PID"; then
		_dovecot_err "Dovecot did not start; $DOVECOT_DIR/dovecot.stderr, dovecot.log:"
		tail -n 20 "$DOVECOT_DIR/dovecot.stderr" "$DOVECOT_LOG" >&2
		dovecot_stop
		return 1
	fi
	if [ "$DOVECOT_TLS_ON" = 1 ] &&
		! /usr/bin/python3 "$IMAPTOOL" --port "$DOVECOT_TLS_PORT" --tls wait \
			--timeout 10 --pid "$DOVECOT_PID"; then
		_dovecot_err "Dovecot's imaps port does not answer; $DOVECOT_LOG:"
		tail -n 20 "$DOVECOT_LOG" >&2
		dovecot_stop
		return 1
	fi
}

dovecot_use() {
	[ -f "$1/harness.env" ] || { _dovecot_err "no instance in $1"; return 1; }
	. "$1/harness.env"
	DOVECOT_PID=$(cat "$1/harness.pid" 2>/dev/null)
	export DOVECOT_DIR DOVECOT_PORT DOVECOT_TLS_PORT DOVECOT_USER DOVECOT_PASS \
		DOVECOT_MAIL DOVECOT_LOG DOVECOT_CERT DOVECOT_PID
}

dovecot_start() {
	[ -n "${1:-}" ] || { _dovecot_err "usage: dovecot_start DIR"; return 1; }
	[ -x "$DOVECOT_BIN" ] || { _dovecot_err "$DOVECOT_BIN missing (apt-get install dovecot-imapd)"; return 1; }
	mkdir -p "$1" || return 1
	_d=$(cd "$1" && pwd)
	if [ ! -f "$_d/dovecot.conf" ]; then
		_dovecot_setup "$_d" || return 1
	fi
	dovecot_use "$_d" || return 1
	_dovecot_launch
}

# The master runs in a process group of its own: its pid is also the
# process group of every process of the instance.  SIGTERM goes to the whole group: to the master
# alone, it exits within about 1 s but leaves the imap processes (and log,
# stats) running for about 10 s more.  The imap processes answer their
# clients "* BYE Server shutting down." as in a real shutdown; all is gone
# in about 2 s.
dovecot_stop() {
	_sd=${1:-${DOVECOT_DIR:-}}
	[ -n "$_sd" ] || return 0
	_p=$(cat "$_sd/harness.pid" 2>/dev/null)
	[ -n "$_p" ] || return 0
	# A pid file left by an earlier run may name a pid reused since:
	# signal it only when it is still this instance's master.
	if ! proc_cmdline_has "$_p" "$_sd/dovecot.conf"; then
		rm -f "$_sd/harness.pid"
		return 0
	fi
	kill -TERM -"$_p" 2>/dev/null || kill -TERM "$_p" 2>/dev/null
	proc_wait_gone "$_p" 200 \
		"dovecot.sh: Dovecot $_p did not stop on SIGTERM within 10 s: SIGKILL"
	_i=0
	while kill -0 -"$_p" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -eq 1 ] && kill -TERM -"$_p" 2>/dev/null
		[ "$_i" -eq 100 ] && kill -KILL -"$_p" 2>/dev/null
		[ "$_i" -ge 120 ] && break
		sleep 0.05
	done
	rm -f "$_sd/harness.pid"
	return 0
}

dovecot_restart() {
	_rd=${1:-${DOVECOT_DIR:-}}
	[ -n "$_rd" ] || { _dovecot_err "dovecot_restart: no instance"; return 1; }
	dovecot_stop "$_rd"
	dovecot_start "$_rd"
}

dovecot_stop_all() {
	# SIGTERM to all first: each instance takes about 2 s to shut down
	for _ad in $_DOVECOT_STARTED; do
		_p=$(cat "$_ad/harness.pid" 2>/dev/null)
		[ -n "$_p" ] && kill -TERM -"$_p" 2>/dev/null
	done
	for _ad in $_DOVECOT_STARTED; do
		dovecot_stop "$_ad"
		_b=$(sed -n "s/^DOVECOT_DATA_DIR='\(.*\)'$/\1/p" "$_ad/harness.env" 2>/dev/null)
		case $_b in
		/tmp/supportgw-dovecot.*) rm -rf "$_b" ;;
		esac
	done
	_DOVECOT_STARTED=""
}

dovecot_imaptool() {
	/usr/bin/python3 "$IMAPTOOL" --port "$DOVECOT_PORT" --user "$DOVECOT_USER" \
		--password "$DOVECOT_PASS" "$@"
}

maildir_seed_generated() {
	[ -n "${1:-}" ] || { _dovecot_err "usage: maildir_seed_generated N [MAILBOX] [SEED]"; return 1; }
	_md=$DOVECOT_MAIL
	case ${2:-INBOX} in
	INBOX) ;;
	*) _md="$DOVECOT_MAIL/.$2" ;;
	esac
	_own=""
	[ "$(id -u)" -eq 0 ] && _own="--owner $DOVECOT_MAIL_UID:$DOVECOT_MAIL_GID"
	# shellcheck disable=SC2086
	/usr/bin/python3 "$IMAPTOOL" gen-maildir "$_md" "$1" --seed "${3:-0}" $_own
}
