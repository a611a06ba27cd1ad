#!/bin/sh
# Installs the Debian packages supportgw needs to build and test, only when
# something is missing, so `make check` on a fresh Debian 12 machine works
# with no manual step and costs nothing on a machine that already has them.
# Usage: scripts/install-deps.sh [build|test|demo|net]   (default: test)
set -eu

what=${1:-test}

BUILD_PKGS="build-essential pkg-config libetpan-dev libcurl4-gnutls-dev nettle-dev \
libpcre2-dev libsqlite3-dev libinih-dev libjansson-dev libxml2-dev libcmocka-dev"
# sqlite3 (the shell) lets the tests and the demo look into the store;
# valgrind backs `make valgrind`; time gives /usr/bin/time -v for `make bench`.
TEST_PKGS="sqlite3 valgrind time python3"
# The IMAP and SMTP test peers (Dovecot started by the test harness on
# 127.0.0.1, the python3-aiosmtpd sink) are for the network issues: "net"
# installs them.  Not part of "demo" yet: Debian's dovecot-imapd package
# starts a system-wide service on install, which nothing here needs.
NET_PKGS="dovecot-imapd python3-aiosmtpd"

case "$what" in
build) pkgs="$BUILD_PKGS" ;;
test|demo) pkgs="$BUILD_PKGS $TEST_PKGS" ;;
net|all) pkgs="$BUILD_PKGS $TEST_PKGS $NET_PKGS" ;;
*) echo "install-deps.sh: unknown set '$what' (build, test, demo, net)" >&2; exit 64 ;;
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
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
