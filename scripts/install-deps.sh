#!/bin/sh
# Installs the Debian packages supportgw needs to build and test, only when
# something is missing, so `make check` on a fresh Debian 12 machine works
# with no manual step and costs nothing on a machine that already has them.
# Usage: scripts/install-deps.sh [build|test|demo|net|all]   (default: test)
set -eu

what=${1:-test}

BUILD_PKGS="build-essential pkg-config libetpan-dev libcurl4-gnutls-dev nettle-dev \
libpcre2-dev libsqlite3-dev libinih-dev libjansson-dev libxml2-dev libcmocka-dev"
# sqlite3 (the shell) lets the tests and the demo look into the store;
# valgrind backs `make valgrind`; time gives /usr/bin/time -v for `make bench`;
# openssl makes the self-signed certificate of the imaps tests; tzdata
# holds the regions' time zones (business hours, renewal days).
TEST_PKGS="sqlite3 valgrind time python3 openssl tzdata"
# The IMAP and SMTP test peers of tests/integration (a private Dovecot that
# the harness starts on 127.0.0.1 with its own configuration, the
# python3-aiosmtpd sink), part of `make check` and of the demo.  Debian's
# dovecot package starts a system-wide service on install, which nothing
# here needs: see policy-rc.d below.
NET_PKGS="dovecot-imapd python3-aiosmtpd"

case "$what" in
build) pkgs="$BUILD_PKGS" ;;
test|demo|net|all) pkgs="$BUILD_PKGS $TEST_PKGS $NET_PKGS" ;;
*) echo "install-deps.sh: unknown set '$what' (build, test, demo, net, all)" >&2; exit 64 ;;
esac

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps.sh: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps.sh: need root or sudo to install:$missing" >&2
	exit 75
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# A policy-rc.d that says 101 ("not allowed") keeps the packages from
# starting services (the system-wide Dovecot) while we install them.  Only
# for this install: one that is already there is left alone, ours is removed
# afterwards, also when apt-get fails.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap '$SUDO rm -f "$policy"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	$SUDO sh -c "printf '#!/bin/sh\nexit 101\n' >'$policy' && chmod 755 '$policy'"
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
