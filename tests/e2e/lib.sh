# Helpers for end-to-end tests (sourced).  Each test prints TAP-like lines:
#   ok N - description / not ok N - description
# SUPPORTGW (binary), ROOT (checkout) and WORK (scratch dir) come from
# tests/run.sh; a test can also be run alone: sh tests/e2e/x.sh
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SUPPORTGW:=$ROOT/build/supportgw}"
: "${WORK:=$ROOT/tests/out/e2e_$(basename "$0" .sh)}"
FIX="$ROOT/tests/fixtures"
rm -rf "$WORK"
mkdir -p "$WORK"
unset SUPPORTGW_CONFIG
_n=0

ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
notok() { _n=$((_n + 1)); echo "not ok $_n - $1"; }

# check DESCRIPTION COMMAND... : ok when the command succeeds
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else notok "$_d"; fi
}

# expect_exit CODE DESCRIPTION COMMAND... (stdout/stderr to $WORK/last.*)
expect_exit() {
	_want=$1
	_d=$2
	shift 2
	"$@" >"$WORK/last.out" 2>"$WORK/last.err"
	_rc=$?
	if [ "$_rc" -eq "$_want" ]; then
		ok "$_d"
	else
		notok "$_d (exit $_rc, want $_want)"
		sed 's/^/#   /' "$WORK/last.err" | head -n 10
	fi
}

# json FILE EXPR : prints a value from a JSON file using jq-less python
json() {
	/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
v=eval(sys.argv[2],{"d":d})
print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2"
}

# A fresh config NAME.ini pointing at a store NAME.db in $WORK.
mkconfig() {
	cat >"$WORK/${1:-store}.ini" <<INI
[gateway]
database = $WORK/${1:-store}.db
staff = @support.example.com
INI
	echo "$WORK/${1:-store}.ini"
}
