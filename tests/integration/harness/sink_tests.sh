# The start of every test that talks to the SMTP sink alone (smtp.sh,
# renewals.sh, staff.sh; sourced): the TAP helpers, the gateway and sink
# harnesses, and the cleanup gateway.sh's trap calls (the background
# gateways, then the sinks).  $0 is the test script.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/harness/dovecot.sh" # alive() of gateway.sh; no Dovecot here
. "$(dirname "$0")/harness/gateway.sh"
. "$(dirname "$0")/harness/smtp.sh"
cleanup() {
	for _bp in $BG; do
		kill -KILL "$_bp" 2>/dev/null
	done
	smtpsink_stop_all
}
PY=/usr/bin/python3
