#!/bin/sh
# `supportgw fetch`, `run` and `accounts test` against a real Dovecot that
# this test starts on 127.0.0.1 (tests/integration/harness/dovecot.sh): what
# is stored, what happens on the server (after = seen / move / delete, the
# Quarantine copy), UIDVALIDITY changes, kill -9 in the middle of a fetch,
# IDLE and polling, errors (password, file mode, TLS certificate), a server
# restart under a running fetch, signals and --verbose.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/harness/dovecot.sh"
. "$(dirname "$0")/harness/gateway.sh"
P="$FIX/parse"

# ---------------------------------------------------------------- Dovecot
if dovecot_start "$WORK/dovecot"; then
	ok "a private Dovecot listens on 127.0.0.1:$DOVECOT_PORT"
else
	notok "a private Dovecot starts"
	exit 1
fi
MAIN=$DOVECOT_DIR

# ------------------------------------------------- 1. first fetch, 2. again
imap append INBOX "$P/01-plain-en.eml" "$P/02-subject-utf8-b.eml" \
	"$P/03-subject-latin1-q.eml" "$P/05-attachments.eml" \
	"$P/11-german-aw-wg.eml" >/dev/null
C1=$(account first INBOX seen)
gw -c "$C1" fetch --once >"$WORK/first.out" 2>"$WORK/first.err"
rc=$?
checkl "$WORK/first.err" "fetch --once of a mailbox with 5 messages exits 0" test $rc -eq 0
check "... stores 5 messages with source imap:support" \
	test "$(sql "$WORK/first.db" "select count(*) from messages where source='imap:support'")" = 5
check "... opens 5 cases" test "$(rows first cases)" = 5
check "... logs one line per message (action=new)" \
	test "$(grep -c "${LOGLINE}new\$" "$WORK/first.err")" = 5
check "... with the Message-ID and the case number" \
	grep -q "account=support uid=[0-9]* msgid=<CAF1234.5678@mail.acme-corp.example> case=0000000[1-5] action=new" "$WORK/first.err"
maxuid=$(imap uids INBOX | tail -n 1)
check "imap_state.last_uid is the highest UID ($maxuid)" \
	test "$(sql "$WORK/first.db" "select last_uid from imap_state where account='support' and mailbox='INBOX'")" = "$maxuid"
check "imap_state.uidvalidity is the mailbox's" \
	test "$(sql "$WORK/first.db" "select uidvalidity from imap_state where account='support'")" = "$(imap uidvalidity INBOX)"

gw -c "$C1" fetch --once >"$WORK/second.out" 2>"$WORK/second.err"
rc=$?
checkl "$WORK/second.err" "a second fetch --once exits 0" test $rc -eq 0
check "... stores nothing twice (5 messages, 5 cases)" \
	test "$(rows first)/$(rows first cases)" = 5/5
check "... and logs no message" not grep -q "$LOGLINE" "$WORK/second.err"

# --------------------------------------------------------- 3. after = ...
for mode in seen move:Processed delete; do
	case $mode in
	seen) mb=AfterSeen ;;
	move:*) mb=AfterMove ;;
	delete) mb=AfterDelete ;;
	esac
	imap create "$mb"
	imap append "$mb" "$P/01-plain-en.eml" "$P/03-subject-latin1-q.eml" \
		"$P/15-crlf.eml" >/dev/null
	c=$(account "$mb" "$mb" "$mode")
	gw -c "$c" fetch --once >"$WORK/$mb.out" 2>"$WORK/$mb.err"
	rc=$?
	checkl "$WORK/$mb.err" "after = $mode: fetch --once exits 0 and stores 3 messages" \
		test "$rc/$(rows "$mb")" = 0/3
	case $mode in
	seen)
		check "after = seen: the 3 messages carry \\Seen on the server" \
			test "$(seen "$mb")/$(imap count "$mb")" = 3/3 ;;
	move:*)
		check "after = move:Processed: $mb is empty" test "$(imap count "$mb")" = 0
		check "... and Processed (created) holds the 3" test "$(imap count Processed)" = 3 ;;
	delete)
		check "after = delete: $mb is empty" test "$(imap count "$mb")" = 0 ;;
	esac
done

# ------------------------------------------------------------ 4. quarantine
printf 'this is not a mail at all\r\njust text\r\n' >"$WORK/garbage.eml"
imap create QIn
imap append QIn "$P/01-plain-en.eml" "$WORK/garbage.eml" >/dev/null
check "no Quarantine mailbox yet" not has_mailbox Quarantine
CQ=$(account quar QIn delete)
gw -c "$CQ" fetch --once >"$WORK/quar.out" 2>"$WORK/quar.err"
rc=$?
checkl "$WORK/quar.err" "garbage in the mailbox: fetch --once exits 0" test $rc -eq 0
check "... the good message is stored" test "$(rows quar)" = 1
check "... the garbage is quarantined with a reason" \
	test "$(sql "$WORK/quar.db" "select count(*) from quarantine where reason <> ''")" = 1
check "... logged as action=quarantined" grep -q "${LOGLINE}quarantined" "$WORK/quar.err"
check "... copied to the Quarantine mailbox (created)" test "$(imap count Quarantine)" = 1
quid=$(imap uids Quarantine | head -n 1)
check "... the copy is the garbage" holds Quarantine "$quid" "this is not a mail at all"
check "... and after = delete applied to both (QIn empty)" test "$(imap count QIn)" = 0

# ------------------------------------------------------- 5. UIDVALIDITY
UVF="$P/02-subject-utf8-b.eml $P/05-attachments.eml $P/11-german-aw-wg.eml"
imap create UV
# shellcheck disable=SC2086
imap append UV $UVF >/dev/null
CU=$(account uv UV seen)
gw -c "$CU" fetch --once >"$WORK/uv1.out" 2>"$WORK/uv1.err"
rc=$?
checkl "$WORK/uv1.err" "UIDVALIDITY: the first fetch stores 3 messages" test "$rc/$(rows uv)" = 0/3
uv1=$(imap uidvalidity UV)
imap delete UV
imap create UV
# shellcheck disable=SC2086
imap append UV $UVF >/dev/null
uv2=$(imap uidvalidity UV)
check "the re-created mailbox has a new UIDVALIDITY ($uv1 -> $uv2), UIDs from 1" \
	test "$uv1" != "$uv2" -a "$(imap uids UV | head -n 1)" = 1
gw -c "$CU" fetch --once >"$WORK/uv2.out" 2>"$WORK/uv2.err"
rc=$?
checkl "$WORK/uv2.err" "after the UIDVALIDITY change fetch --once exits 0" test $rc -eq 0
check "... stores nothing twice (3 messages, 3 cases)" test "$(rows uv)/$(rows uv cases)" = 3/3
check "... imap_state.uidvalidity is the new one" \
	test "$(sql "$WORK/uv.db" "select uidvalidity from imap_state where account='support' and mailbox='UV'")" = "$uv2"
imap append UV "$P/12-dossier-tr-ref.eml" >/dev/null
gw -c "$CU" fetch --once >"$WORK/uv3.out" 2>"$WORK/uv3.err"
check "a new message after that is fetched (4 messages, last_uid 4)" \
	test "$(rows uv)/$(sql "$WORK/uv.db" "select last_uid from imap_state where account='support' and mailbox='UV'")" = 4/4
check "... and all 4 carry \\Seen" test "$(seen UV)" = 4

# ------------------------------------------- 6. kill -9 in a 2,000 fetch
maildir_seed_generated 2000 Big k >/dev/null
check "2,000 messages seeded into Big" test "$(imap count Big)" = 2000
CB=$(account big Big seen)
gw_bg "$WORK/big1.err" -c "$CB" fetch --once
bigpid=$BGPID
t0=$(now_ms)
state=timeout
while [ $(($(now_ms) - t0)) -lt 60000 ]; do
	n=$(rows big)
	if [ "$n" -gt 0 ] && [ "$n" -lt 2000 ]; then
		kill -KILL "$bigpid"
		state=killed
		break
	fi
	if [ "$n" -ge 2000 ]; then
		state=finished
		break
	fi
	if ! alive "$bigpid"; then
		state=died
		break
	fi
	sleep 0.05
done
wait "$bigpid" 2>/dev/null
case $state in
killed) ok "kill -9 in the middle of a 2,000-message fetch ($n stored)" ;;
finished) ok "kill -9 in the middle of a 2,000-message fetch # SKIP it finished first" ;;
*)
	notok "kill -9 in the middle of a 2,000-message fetch ($state, $(rows big) stored)"
	tail -n 5 "$WORK/big1.err" | sed 's/^/#   /' ;;
esac
gw -c "$CB" fetch --once >"$WORK/big2.out" 2>"$WORK/big2.err"
rc=$?
checkl "$WORK/big2.err" "... fetch --once again exits 0" test $rc -eq 0
check "... exactly 2,000 messages stored" test "$(rows big)" = 2000
check "... 2,000 distinct Message-IDs" \
	test "$(sql "$WORK/big.db" "select count(distinct message_id) from messages")" = 2000
check "... and all 2,000 carry \\Seen on the server" test "$(seen Big)" = 2000

# --------------------------------------------------------------- 7. IDLE
imap create IdleBox
imap append IdleBox "$P/01-plain-en.eml" >/dev/null
CI=$(account idle IdleBox seen)
gw_bg "$WORK/idle.err" -c "$CI" fetch
idlepid=$BGPID
checkl "$WORK/idle.err" "fetch (staying) stores what is there at start" \
	wait_until "$idlepid" 10 at_least idle 1
sleep 1
imap append IdleBox "$P/02-subject-utf8-b.eml" >/dev/null
t0=$(now_ms)
wait_until "$idlepid" 2 at_least idle 2
checkl "$WORK/idle.err" "with IDLE a new message is stored within 2 s ($(($(now_ms) - t0)) ms)" at_least idle 2
# 12. (part) SIGTERM to a running fetch
signal_gw "$idlepid" TERM
checkl "$WORK/idle.err" "SIGTERM: fetch exits 0 within 5 s (exit $GW_RC, $GW_MS ms)" test "$GW_RC" = 0

# ----------------------------------------------------- 13. accounts test
gw -c "$C1" accounts test >"$WORK/acc.out" 2>"$WORK/acc.err"
rc=$?
checkl "$WORK/acc.err" "accounts test exits 0" test $rc -eq 0
check "... prints the capabilities" grep -q "capabilities: .*IMAP4rev1" "$WORK/acc.out"
check "... the number of messages ($(imap count INBOX))" grep -q "messages: $(imap count INBOX)\$" "$WORK/acc.out"
check "... and IDLE: yes" grep -q "IDLE: yes" "$WORK/acc.out"
expect_exit 64 "accounts test of an unknown account exits 64" gw -c "$C1" accounts test nosuch

# ------------------------------------------- 9. wrong password, 10. mode
CW=$(account wrongpw INBOX seen)
(umask 077 && echo "Wr0ng-pass-7d1e" >"$WORK/wrongpw.pass")
expect_exit 75 "a wrong password: fetch --once exits 75" gw -c "$CW" fetch --once
check "... stderr says authentication failed" grep -qi "authentication failed" "$WORK/last.err"
check "... and does not show the password" not grep -qF "Wr0ng-pass" "$WORK/last.err"
expect_exit 75 "a wrong password: accounts test exits 75" gw -c "$CW" accounts test
CM=$(account mode644 INBOX seen)
chmod 644 "$WORK/mode644.pass"
expect_exit 64 "a password_file readable by others: exit 64" gw -c "$CM" fetch --once
check "... the error names the file and says readable" \
	sh -c "grep -q mode644.pass '$WORK/last.err' && grep -qi readable '$WORK/last.err'"
expect_exit 64 "fetch --once of an unknown account exits 64" gw -c "$C1" fetch --once nosuch
closed=$(/usr/bin/python3 "$IMAPTOOL" free-ports 1)
CN=$(account noconn "imap://127.0.0.1:$closed/INBOX" seen)
expect_exit 75 "no server on the port: fetch --once exits 75" gw -c "$CN" fetch --once

# ----------------------------------------------- 15. --verbose
CV=$(account verbose INBOX seen)
gw -c "$CV" --verbose fetch --once >"$WORK/verbose.out" 2>"$WORK/verbose.err"
rc=$?
checkl "$WORK/verbose.err" "--verbose fetch --once exits 0" test $rc -eq 0
check "... shows the IMAP dialogue (SELECT)" grep -q "SELECT" "$WORK/verbose.err"
check "... but never the password" not grep -qF "$DOVECOT_PASS" "$WORK/verbose.err"

# ------------------------------------------------------------- 12. run
CRUN=$(account rund INBOX seen)
gw_bg "$WORK/run.err" -c "$CRUN" run
runpid=$BGPID
checkl "$WORK/run.err" "run fetches the account" wait_until "$runpid" 10 at_least rund 5
signal_gw "$runpid" TERM
checkl "$WORK/run.err" "SIGTERM: run exits 0 within 5 s (exit $GW_RC, $GW_MS ms)" test "$GW_RC" = 0

# --------------------------------------- 11. server restart under fetch
imap create Restart
imap append Restart "$P/01-plain-en.eml" >/dev/null
CR=$(account restart Restart seen)
gw_bg "$WORK/restart.err" -c "$CR" fetch
rpid=$BGPID
checkl "$WORK/restart.err" "restart: fetch (staying) stores the first message" \
	wait_until "$rpid" 10 at_least restart 1
sleep 0.5
dovecot_stop
sleep 2
if dovecot_start "$MAIN"; then
	ok "Dovecot restarts on the same port"
else
	notok "Dovecot restarts on the same port"
fi
imap append Restart "$P/02-subject-utf8-b.eml" >/dev/null
t0=$(now_ms)
wait_until "$rpid" 15 at_least restart 2
checkl "$WORK/restart.err" "after the restart a new message is stored within 15 s ($(($(now_ms) - t0)) ms)" \
	at_least restart 2
check "... by the same fetch process, still running" alive "$rpid"
check "... which logged the lost connection" grep -qiE "lost|closed|disconnect" "$WORK/restart.err"
check "... at most once (grep -ci lost: $(grep -ci lost "$WORK/restart.err"))" \
	test "$(grep -ci lost "$WORK/restart.err")" -le 1
# a line after the "lost" one: "reconnected", "connected again", ...
reconnected() { sed -n '/[Ll][Oo][Ss][Tt]/,$p' "$1" | grep -vi lost | grep -qiE "reconnect|connected"; }
check "... and the reconnection" reconnected "$WORK/restart.err"
signal_gw "$rpid" TERM
checkl "$WORK/restart.err" "... SIGTERM then: exit 0 within 5 s (exit $GW_RC)" test "$GW_RC" = 0

# ---------------------------------------- 8. polling, Dovecot without IDLE
if DOVECOT_NO_IDLE=1 dovecot_start "$WORK/dovecot-noidle"; then
	ok "a second Dovecot without IDLE starts"
else
	notok "a second Dovecot without IDLE starts"
fi
imap append INBOX "$P/01-plain-en.eml" >/dev/null
CP=$(account poll INBOX seen)
gw -c "$CP" accounts test >"$WORK/acc2.out" 2>"$WORK/acc2.err"
rc=$?
checkl "$WORK/acc2.err" "accounts test without IDLE exits 0" test $rc -eq 0
check "... and says IDLE: no" grep -q "IDLE: no" "$WORK/acc2.out"
gw_bg "$WORK/poll.err" -c "$CP" fetch
ppid=$BGPID
checkl "$WORK/poll.err" "polling: fetch (staying) stores what is there at start" \
	wait_until "$ppid" 10 at_least poll 1
sleep 0.5
imap append INBOX "$P/02-subject-utf8-b.eml" >/dev/null
t0=$(now_ms)
wait_until "$ppid" 3 at_least poll 2
checkl "$WORK/poll.err" "without IDLE a new message is stored within poll_seconds + 2 s ($(($(now_ms) - t0)) ms)" \
	at_least poll 2
signal_gw "$ppid" INT
checkl "$WORK/poll.err" "SIGINT: fetch exits 0 within 5 s (exit $GW_RC, $GW_MS ms)" test "$GW_RC" = 0

# ------------------------------------------------------------- 14. imaps
if DOVECOT_TLS=1 dovecot_start "$WORK/dovecot-tls"; then
	ok "a third Dovecot with imaps starts"
else
	notok "a third Dovecot with imaps starts"
fi
imap append INBOX "$P/01-plain-en.eml" >/dev/null
IMAPS="imaps://127.0.0.1:$DOVECOT_TLS_PORT/INBOX"
CT=$(account tls "$IMAPS" seen "tls_verify = no")
gw -c "$CT" fetch --once >"$WORK/tls.out" 2>"$WORK/tls.err"
rc=$?
checkl "$WORK/tls.err" "imaps with tls_verify = no: exit 0, the message stored" test "$rc/$(rows tls)" = 0/1
CTV=$(account tlsv "$IMAPS" seen "tls_verify = yes")
expect_exit 75 "imaps with tls_verify = yes and a self-signed certificate: exit 75" \
	gw -c "$CTV" fetch --once
check "... the error is about the certificate" grep -qi "certificate" "$WORK/last.err"
CTC=$(account tlsca "$IMAPS" seen "tls_verify = yes" "tls_ca_file = $DOVECOT_CERT")
gw -c "$CTC" fetch --once >"$WORK/tlsca.out" 2>"$WORK/tlsca.err"
rc=$?
checkl "$WORK/tlsca.err" "imaps with tls_ca_file = the certificate: exit 0, stored" test "$rc/$(rows tlsca)" = 0/1
CTS=$(account starttls INBOX seen "tls_ca_file = $DOVECOT_CERT")
sed -i 's/^starttls = no$/starttls = required/' "$CTS"
gw -c "$CTS" fetch --once >"$WORK/starttls.out" 2>"$WORK/starttls.err"
rc=$?
checkl "$WORK/starttls.err" "imap with STARTTLS and tls_ca_file: exit 0, stored" test "$rc/$(rows starttls)" = 0/1
