#!/bin/sh
# The SMTP sink of the integration tests (harness/smtpsink.py, harness/smtp.sh)
# checked by itself with smtplib: it starts on a free port, stores exactly the
# bytes of each message with its envelope in log.jsonl, misbehaves as
# DIR/mode says (421, 451, 550, 550:ADDR, 451-data, drop, drop-after-data,
# delay:S, a count N), requires AUTH when configured, speaks STARTTLS and
# implicit TLS, and stops by pid without leaving a process behind.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/harness/smtp.sh"
trap smtpsink_stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# client [--tls|--smtps] [--auth U:P [--mech PLAIN|LOGIN]] [--from A] FILE RCPT...
# One message over a new connection; prints the replies, e.g.
# "MAIL=250 RCPT=250,550 DATA=250 NOOP=250", and "closed" where the sink
# closed the connection (no answer, or none after a 421).
client() {
	/usr/bin/python3 - "$SMTPSINK_PORT" "$@" <<'EOF'
import smtplib, ssl, sys
a = sys.argv[1:]
port = int(a.pop(0))
tls = auth = None
mech = None
frm = "customer@example.org"
while a[0].startswith("--"):
    o = a.pop(0)
    if o in ("--tls", "--smtps"):
        tls = o
    elif o == "--auth":
        auth = a.pop(0).split(":", 1)
    elif o == "--mech":
        mech = a.pop(0)
    elif o == "--from":
        frm = a.pop(0)
msg = open(a[0], "rb").read()
rcpts = a[1:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = []
try:
    if tls == "--smtps":
        s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=5)
    else:
        s = smtplib.SMTP("127.0.0.1", port, timeout=5)
    s.ehlo("client.test")
    if tls == "--tls":
        out.append("STARTTLS=%d" % s.starttls(context=ctx)[0])
        s.ehlo("client.test")
    if auth:
        try:
            if mech:
                s.user, s.password = auth
                code = s.auth(mech, getattr(s, "auth_" + mech.lower()))[0]
            else:
                code = s.login(*auth)[0]
        except smtplib.SMTPAuthenticationError as e:
            code = e.smtp_code
        out.append("AUTH=%d" % code)
    code = s.mail(frm)[0]
    out.append("MAIL=%d" % code)
    if code == 250:
        codes = [s.rcpt(r)[0] for r in rcpts]
        out.append("RCPT=" + ",".join(map(str, codes)))
        if 250 in codes:
            try:
                code = s.data(msg)[0]
            except smtplib.SMTPDataError as e:
                code = e.smtp_code
            out.append("DATA=%d" % code)
    out.append("NOOP=%d" % s.noop()[0])
    s.quit()
except (smtplib.SMTPServerDisconnected, OSError):
    out.append("closed")
print(" ".join(out))
EOF
}

# is WANT COMMAND...: COMMAND prints WANT (else its output is shown)
is() {
	_want=$1
	shift
	_got=$("$@" 2>&1)
	[ "$_got" = "$_want" ] && return 0
	echo "#   got: $_got" >&2
	echo "#   want: $_want" >&2
	return 1
}

# rec SEQ EXPR: EXPR of the log.jsonl record of message SEQ (d), as JSON
rec() {
	/usr/bin/python3 -c 'import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["seq"] == int(sys.argv[2]):
        print(json.dumps(eval(sys.argv[3], {"d": d})))' "$SMTPSINK_DIR/log.jsonl" "$1" "$2"
}

count_is() { [ "$(smtpsink_count)" -eq "$1" ]; }
gone() { ! _smtpsink_alive "$1"; }
port_closed() {
	/usr/bin/python3 -c 'import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}

# A message with a line starting with a dot, a Latin-1 byte and CRLF ends.
M1="$WORK/m1.eml"
printf 'From: Customer <customer@example.org>\r\nTo: support@example.com\r\nSubject: Sink test\r\nMessage-ID:\r\n <m1@example.org>\r\n\r\n.a line with a leading dot\r\n..two dots\r\ncaf\351\r\n' >"$M1"
M2="$WORK/m2.eml"
printf 'Subject: no id\r\n\r\nbody\r\n' >"$M2"

# ------------------------------------------------------------------ start
if smtpsink_start "$WORK/sink"; then
	ok "the sink listens on 127.0.0.1:$SMTPSINK_PORT"
else
	notok "the sink starts"
	exit 1
fi
S1=$SMTPSINK_PID
pid_named() {
	[ "$(cat "$SMTPSINK_DIR/pid")" = "$1" ] &&
		tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "--dir $SMTPSINK_DIR"
}
check "... its pid is in DIR/pid, and /proc/PID/cmdline names DIR" pid_named "$S1"

# ---------------------------------------------------------------- accepted
check "a message to two recipients is accepted" \
	is "MAIL=250 RCPT=250,250 DATA=250 NOOP=250" client "$M1" support@example.com Other@Example.com
check "... stored as mail/000001.eml, exactly the bytes sent" cmp -s "$M1" "$SMTPSINK_DIR/mail/000001.eml"
check "... no temporary file left in mail/" \
	is "000001.eml" ls -A "$SMTPSINK_DIR/mail"
check "... log.jsonl has the envelope" \
	is '["customer@example.org", ["support@example.com", "Other@Example.com"]]' rec 1 '[d["mail_from"], d["rcpt_tos"]]'
check "... the size, the unfolded Message-ID, the session" \
	is "[$(wc -c <"$M1" | tr -d ' '), \"<m1@example.org>\", 2, \"mail/000001.eml\"]" \
	rec 1 '[d["size"], d["message_id"], d["session"], d["file"]]'
check "a message without Message-ID: message_id null" \
	is "MAIL=250 RCPT=250 DATA=250 NOOP=250" client "$M2" support@example.com
check "... stored as 000002.eml" cmp -s "$M2" "$SMTPSINK_DIR/mail/000002.eml"
check "... null" is "null" rec 2 'd["message_id"]'
counts() { echo "$(smtpsink_count) $(smtpsink_connections)"; }
check "smtpsink_count 2, smtpsink_connections 2 (the start's check left out)" \
	is "2 2" counts

# ------------------------------------------------------------------ modes
smtpsink_mode 451
check "mode 451: 451 at RCPT, the connection stays" \
	is "MAIL=250 RCPT=451 NOOP=250" client "$M1" support@example.com
check "... nothing stored" count_is 2
smtpsink_mode 550
check "mode 550: 550 at RCPT, the connection stays" \
	is "MAIL=250 RCPT=550,550 NOOP=250" client "$M1" support@example.com b@example.com
check "... nothing stored" count_is 2
smtpsink_mode "550:<B@example.com>"
check "mode 550:ADDR: only that recipient refused (any case)" \
	is "MAIL=250 RCPT=250,550 DATA=250 NOOP=250" client "$M1" support@example.com b@EXAMPLE.com
check "... stored for the other one" is '["support@example.com"]' rec 3 'd["rcpt_tos"]'
smtpsink_mode 451-data
check "mode 451-data: the message is read, then 451" \
	is "MAIL=250 RCPT=250 DATA=451 NOOP=250" client "$M1" support@example.com
check "... nothing stored" count_is 3
smtpsink_mode 421
check "mode 421: 421 at MAIL, then the connection is closed" \
	is "MAIL=421 closed" client "$M1" support@example.com
check "... nothing stored" count_is 3
smtpsink_mode drop
check "mode drop: the connection is closed at DATA without an answer" \
	is "MAIL=250 RCPT=250 closed" client "$M1" support@example.com
check "... nothing stored" count_is 3
smtpsink_mode drop-after-data
check "mode drop-after-data: no answer to the end of the message" \
	is "MAIL=250 RCPT=250 closed" client "$M1" support@example.com
check "... but stored, with answered false" is "false" rec 4 'd["answered"]'
smtpsink_mode ok
check "back to ok: accepted again" \
	is "MAIL=250 RCPT=250 DATA=250 NOOP=250" client "$M2" support@example.com
check "... stored" cmp -s "$M2" "$SMTPSINK_DIR/mail/000005.eml"
smtpsink_mode 451 1
check "mode '451 1': the next RCPT gets 451 ..." \
	is "MAIL=250 RCPT=451 NOOP=250" client "$M2" support@example.com
check "... the one after is accepted" \
	is "MAIL=250 RCPT=250 DATA=250 NOOP=250" client "$M2" support@example.com
check "... and the mode file says ok again" is "ok" cat "$SMTPSINK_DIR/mode"
smtpsink_mode delay:0.5
t0=$(($(date +%s%N) / 1000000))
client "$M2" support@example.com >/dev/null
t1=$(($(date +%s%N) / 1000000))
check "mode delay:0.5: the end of the message is answered after 0.5 s" \
	test $((t1 - t0)) -ge 500
smtpsink_mode ok
check "the refusals are in DIR/connections" \
	is 9 grep -c '"event": "refused"' "$SMTPSINK_DIR/connections"

# -------------------------------------------------------------- restart
smtpsink_stop
check "smtpsink_stop: the sink's process is gone" gone "$S1"
check "... its port no longer answers" port_closed "$SMTPSINK_PORT"
check "... no process left with DIR in its command line" \
	/usr/bin/python3 -c 'import os, sys
me = str(os.getpid())
for p in os.listdir("/proc"):
    try:
        c = open("/proc/%s/cmdline" % p, "rb").read()
    except OSError:
        continue
    if p != me and p.isdigit() and b"smtpsink.py" in c and sys.argv[1].encode() in c:
        sys.exit(1)' "$WORK/sink"
check "... it said nothing on stderr" test ! -s "$WORK/sink/sink.err"
smtpsink_start "$WORK/sink" >/dev/null
client "$M2" x@example.org >/dev/null
check "started again on the same DIR, the sequence goes on (000008.eml)" \
	test -f "$SMTPSINK_DIR/mail/000008.eml"

# ------------------------------------------------------------------- AUTH
if smtpsink_start "$WORK/auth" --auth 'agent:s3cret'; then
	ok "a sink with --auth starts"
else
	notok "a sink with --auth starts"
fi
check "with --auth, MAIL without AUTH gets 530" \
	is "MAIL=530 NOOP=250" client "$M2" support@example.com
check "... a wrong password is refused (535)" \
	is "AUTH=535 MAIL=530 NOOP=250" client --auth agent:wrong "$M2" support@example.com
check "... AUTH PLAIN with the password: accepted" \
	is "AUTH=235 MAIL=250 RCPT=250 DATA=250 NOOP=250" client --auth agent:s3cret --mech PLAIN "$M2" support@example.com
check "... AUTH LOGIN too" \
	is "AUTH=235 MAIL=250 RCPT=250 DATA=250 NOOP=250" client --auth agent:s3cret --mech LOGIN "$M2" support@example.com
check "... the user is in log.jsonl" is '"agent"' rec 1 'd["auth"]'
check "... smtpsink_send --auth works" smtpsink_send --auth agent:s3cret "$M2"
check "... 3 messages, 5 connections" is "3 5" counts

# -------------------------------------------------------------------- TLS
if smtpsink_start "$WORK/tls" --tls; then
	ok "a sink with --tls (STARTTLS) starts"
else
	notok "a sink with --tls (STARTTLS) starts"
fi
check "STARTTLS works, then the message is accepted" \
	is "STARTTLS=220 MAIL=250 RCPT=250 DATA=250 NOOP=250" client --tls "$M1" support@example.com
check "... stored exactly" cmp -s "$M1" "$SMTPSINK_DIR/mail/000001.eml"
check "... with tls true" is true rec 1 'd["tls"]'
cert_ip() { openssl x509 -in "$SMTPSINK_CERT" -noout -text | grep -q "IP Address:127.0.0.1"; }
check "... the certificate is for 127.0.0.1" cert_ip
check "... without STARTTLS still accepted" \
	is "MAIL=250 RCPT=250 DATA=250 NOOP=250" client "$M2" support@example.com
if smtpsink_start "$WORK/smtps" --smtps --auth u:p; then
	ok "a sink with --smtps --auth starts"
else
	notok "a sink with --smtps --auth starts"
fi
check "implicit TLS with AUTH: accepted" \
	is "AUTH=235 MAIL=250 RCPT=250 DATA=250 NOOP=250" client --smtps --auth u:p "$M1" support@example.com
check "... stored exactly" cmp -s "$M1" "$SMTPSINK_DIR/mail/000001.eml"

# ------------------------------------------------------------------- stop
P_AUTH=$(cat "$WORK/auth/pid")
P_TLS=$(cat "$WORK/tls/pid")
P_SMTPS=$(cat "$WORK/smtps/pid")
P_MAIN=$(cat "$WORK/sink/pid")
smtpsink_stop_all
check "smtpsink_stop_all stops all four sinks" \
	sh -c '! kill -0 $1 2>/dev/null && ! kill -0 $2 2>/dev/null && ! kill -0 $3 2>/dev/null && ! kill -0 $4 2>/dev/null' \
	- "$P_AUTH" "$P_TLS" "$P_SMTPS" "$P_MAIN"
check "... and none wrote to stderr" \
	sh -c 'test ! -s "$1/auth/sink.err" && test ! -s "$1/tls/sink.err" && test ! -s "$1/smtps/sink.err" && test ! -s "$1/sink/sink.err"' - "$WORK"
