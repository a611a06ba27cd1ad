#!/bin/sh
# More of the fetcher and the daemon against a private Dovecot: messages over
# max_message_bytes (quarantined by their header, never downloaded whole),
# XOAUTH2 with oauth2_token_command, SIGTERM in the middle of a `fetch
# --once` (the batch in hand is finished, committed and flagged), a worker
# killed under `run` (restarted), SIGHUP (a new account picked up; a broken
# file logged and the running configuration kept), and two accounts feeding
# one store.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/harness/dovecot.sh"
. "$(dirname "$0")/harness/gateway.sh"
P="$FIX/parse"

MAIN="$WORK/dovecot"
if dovecot_start "$MAIN"; then
	ok "a private Dovecot listens on 127.0.0.1:$DOVECOT_PORT"
else
	notok "a private Dovecot starts"
	exit 1
fi

# ----------------------------------------------- over max_message_bytes
/usr/bin/python3 - "$WORK/big.eml" <<'PY'
import sys
body = "".join("line %05d of a long log the customer pasted\r\n" % i for i in range(2000))
open(sys.argv[1], "w", newline="").write(
    "From: Big Sender <big@customer.example>\r\nTo: support@example.com\r\n"
    "Subject: huge log attached\r\nMessage-ID: <big-1@customer.example>\r\n"
    "Date: Mon, 16 Nov 2026 10:00:00 +0000\r\n\r\n" + body)
PY
imap create Big
imap append Big "$P/01-plain-en.eml" >/dev/null
imap append Big "$WORK/big.eml" >/dev/null
CB=$(account big Big seen)
sed -i 's/^staff = .*/&\nmax_message_bytes = 8k/' "$CB"
expect_exit 0 "oversize: fetch --once exits 0" gw -c "$CB" fetch --once
check "oversize: the small message is stored" test "$(rows big)" = 1
check "oversize: the big one is in quarantine" test "$(rows big quarantine)" = 1
reason=$(sql "$WORK/big.db" "select reason from quarantine")
check "oversize: the reason gives the size and the limit ($reason)" \
	sh -c "echo '$reason' | grep -q 'over max_message_bytes (8192)'"
kept=$(sql "$WORK/big.db" "select raw_len from quarantine")
check "oversize: only its header was downloaded and kept ($kept bytes)" test "$kept" -lt 1024
check "oversize: the header names the sender" \
	sh -c "sql() { sqlite3 \"\$1\" \"\$2\"; }; sql '$WORK/big.db' 'select raw from quarantine' | grep -q 'big@customer.example'"
check "oversize: copied to the Quarantine mailbox" test "$(imap count Quarantine)" = 1
check "oversize: both flagged \\Seen" test "$(seen Big)" = 2

# ------------------------------------------------------------ XOAUTH2
imap create Oauth
imap append Oauth "$P/02-subject-utf8-b.eml" >/dev/null
(umask 077 && printf '%s\n' "$DOVECOT_PASS" >"$WORK/token")
CO=$(account oauth Oauth seen)
sed -i "s|^password_file = .*|oauth2_token_command = cat $WORK/token|" "$CO"
expect_exit 0 "xoauth2: fetch --once with oauth2_token_command" gw -c "$CO" -v fetch --once
check "xoauth2: the message is stored" test "$(rows oauth)" = 1
check "xoauth2: the dialogue shows AUTHENTICATE XOAUTH2 hidden" grep -q "hidden" "$WORK/last.err"
check "xoauth2: the token is not in the log" not grep -qF "$DOVECOT_PASS" "$WORK/last.err"
sed -i "s|^oauth2_token_command = .*|oauth2_token_command = echo token service down >\&2; exit 3|" "$CO"
expect_exit 75 "xoauth2: a failing token command exits 75" gw -c "$CO" fetch --once
check "xoauth2: ... and says so" grep -q "oauth2_token_command exited with status 3" "$WORK/last.err"

# --------------------------------------- SIGTERM in the middle of --once
imap create Many
maildir_seed_generated 3000 Many 7 >/dev/null
imap count Many >/dev/null   # let Dovecot index them before the timing matters
CM=$(account many Many seen "batch_size = 100")
gw_bg "$WORK/many.err" -c "$CM" fetch --once
mpid=$BGPID
wait_until "$mpid" 20 at_least many 1
signal_gw "$mpid" TERM
n=$(rows many)
checkl "$WORK/many.err" "SIGTERM mid-fetch: exit 0 (exit $GW_RC after $GW_MS ms, $n stored)" test "$GW_RC" = 0
last=$(sql "$WORK/many.db" "select last_uid from imap_state")
check "... whole batches only ($n stored, last UID $last)" test "$n" = "$last" -a $((n % 100)) = 0
check "... and every stored one flagged \\Seen ($(seen Many))" test "$(seen Many)" = "$n"
expect_exit 0 "... a new fetch --once completes the mailbox" gw -c "$CM" fetch --once
check "... 3000 stored, 3000 distinct" test "$(rows many)" = 3000 -a \
	"$(sql "$WORK/many.db" 'select count(distinct message_id) from messages')" = 3000

# ------------------------------------------------------------ run: workers
imap create Two
CR=$(account rund INBOX seen)
cat >>"$CR" <<INI

[imap:second]
url = imap://127.0.0.1:$DOVECOT_PORT/Two
starttls = no
user = $DOVECOT_USER
password_file = $WORK/rund.pass
language = fr
region = EMEA
INI
gw_bg "$WORK/run.err" -c "$CR" run
rpid=$BGPID
checkl "$WORK/run.err" "run: both accounts connect" wait_until "$rpid" 10 \
	sh -c "[ \$(grep -c 'connected, watching' '$WORK/run.err') -ge 2 ]"
imap append Two "$P/01-plain-en.eml" >/dev/null
checkl "$WORK/run.err" "run: the second account's mail is stored" wait_until "$rpid" 5 at_least rund 1
check "... with the account's region on its case" \
	test "$(sql "$WORK/rund.db" 'select region from cases')" = EMEA
check "... and source imap:second" \
	test "$(sql "$WORK/rund.db" 'select source from messages')" = imap:second
workers=$(pgrep -P "$rpid" | tr '\n' ' ')
check "run: one worker process per account ($workers)" test "$(echo $workers | wc -w)" = 2
kill -KILL $(echo "$workers" | cut -d' ' -f1)
checkl "$WORK/run.err" "run: a killed worker is logged and restarted" wait_until "$rpid" 5 \
	sh -c "grep -q 'killed by signal 9; restarting' '$WORK/run.err' && [ \$(pgrep -P $rpid | wc -l) = 2 ]"
imap append Two "$P/03-subject-latin1-q.eml" >/dev/null
imap append INBOX "$P/02-subject-utf8-b.eml" >/dev/null
checkl "$WORK/run.err" "run: after the restart both accounts still deliver" wait_until "$rpid" 8 at_least rund 3

# SIGHUP with a broken file: logged, the running configuration kept
cp "$CR" "$WORK/rund.ini.good"
echo "this is not ini" >>"$CR"
kill -HUP "$rpid"
checkl "$WORK/run.err" "SIGHUP with a broken file: the error is logged" wait_until "$rpid" 5 \
	grep -q "keeping the running configuration" "$WORK/run.err"
imap append Two "$P/05-attachments.eml" >/dev/null
checkl "$WORK/run.err" "... and the workers go on" wait_until "$rpid" 5 at_least rund 4

# SIGHUP with a third account: picked up
imap create Three
cp "$WORK/rund.ini.good" "$CR"
cat >>"$CR" <<INI

[imap:third]
url = imap://127.0.0.1:$DOVECOT_PORT/Three
starttls = no
user = $DOVECOT_USER
password_file = $WORK/rund.pass
INI
kill -HUP "$rpid"
checkl "$WORK/run.err" "SIGHUP: the configuration is reloaded" wait_until "$rpid" 8 \
	grep -q "configuration reloaded: 3 workers" "$WORK/run.err"
imap append Three "$P/08-list-mail.eml" >/dev/null
checkl "$WORK/run.err" "... and the new account's mail is stored" wait_until "$rpid" 8 at_least rund 5
signal_gw "$rpid" TERM
checkl "$WORK/run.err" "run: SIGTERM with three workers: exit 0 within 5 s (exit $GW_RC, $GW_MS ms)" \
	test "$GW_RC" = 0
check "... and no worker is left" test -z "$(pgrep -P "$rpid")"
check "no message stored twice" test "$(rows rund)" = \
	"$(sql "$WORK/rund.db" 'select count(distinct message_id) from messages')"
