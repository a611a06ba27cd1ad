#!/bin/sh
# supportgw parse over every fixture in tests/fixtures/parse, each checked
# against the expectations written beside it (NAME.expect); then the CLI's
# error paths.
. "$(dirname "$0")/lib.sh"

for eml in "$FIX"/parse/*.eml; do
	base=${eml%.eml}
	"$SUPPORTGW" parse "$eml" >"$WORK/out.json" 2>"$WORK/err.txt"
	rc=$?
	if [ "$rc" -ge 128 ]; then
		notok "$(basename "$eml"): killed by signal $((rc - 128))"
		continue
	fi
	/usr/bin/python3 "$ROOT/tests/e2e/check_expect.py" "$base.expect" "$rc" "$WORK/out.json"
done

# Standard input works like a file.
"$SUPPORTGW" parse - <"$FIX/parse/01-plain-en.eml" >"$WORK/stdin.json"
check "parse - reads standard input" \
	test "$(json "$WORK/stdin.json" 'd["subject"]')" = "License server does not start after upgrade"

expect_exit 66 "parse of a missing file exits 66" "$SUPPORTGW" parse "$WORK/nonexistent.eml"
check "missing file error names the file" grep -q "nonexistent.eml" "$WORK/last.err"
expect_exit 64 "parse without FILE exits 64" "$SUPPORTGW" parse
expect_exit 64 "parse with an unknown option exits 64" "$SUPPORTGW" parse --bogus x
expect_exit 65 "garbage exits 65" "$SUPPORTGW" parse "$FIX/parse/13-garbage.eml"
check "garbage error says not a mail" grep -q "not a mail" "$WORK/last.err"

# --fingerprints over a folder: one line per message, "-" when none.
"$SUPPORTGW" parse --fingerprints "$FIX/parse" >"$WORK/fp.txt" 2>"$WORK/fp.err"
check "--fingerprints lists the tag of 02" grep -q "02-subject-utf8-b.eml	00000042" "$WORK/fp.txt"
check "--fingerprints prints - without a tag" grep -q "01-plain-en.eml	-" "$WORK/fp.txt"

# Configured patterns: an operator's legacy ticket format.
cat >"$WORK/legacy.ini" <<INI
[fingerprint]
pattern = Ticket\s*#\s*(\d+)
INI
printf 'From: a@b.example\nSubject: Re: Ticket #4711 still open\nMessage-ID: <l@b>\n\nhi\n' >"$WORK/legacy.eml"
"$SUPPORTGW" -c "$WORK/legacy.ini" parse "$WORK/legacy.eml" >"$WORK/legacy.json"
check "a configured pattern finds a legacy number" \
	test "$(json "$WORK/legacy.json" 'd["fingerprint"]')" = "00004711"

# Configuration errors name file and line and exit 64.
printf '[gateway]\ncase_digits = 8\nbogus_key = 1\n' >"$WORK/bad.ini"
expect_exit 64 "unknown config key exits 64" "$SUPPORTGW" -c "$WORK/bad.ini" parse "$FIX/parse/01-plain-en.eml"
check "unknown key error names file:line" grep -q "bad.ini:3: unknown key 'bogus_key'" "$WORK/last.err"
printf '[gateway]\nreopen_days = soon\n' >"$WORK/bad2.ini"
expect_exit 64 "malformed value exits 64" "$SUPPORTGW" -c "$WORK/bad2.ini" parse "$FIX/parse/01-plain-en.eml"
check "malformed value error names file:line" grep -q "bad2.ini:2: reopen_days" "$WORK/last.err"
printf '[fingerprint]\npattern = (unclosed\n' >"$WORK/bad3.ini"
expect_exit 64 "invalid pattern exits 64" "$SUPPORTGW" -c "$WORK/bad3.ini" parse "$FIX/parse/01-plain-en.eml"
check "invalid pattern error names file:line" grep -q "bad3.ini:2:" "$WORK/last.err"
expect_exit 64 "missing -c file exits 64" "$SUPPORTGW" -c "$WORK/none.ini" parse "$FIX/parse/01-plain-en.eml"
SUPPORTGW_CONFIG="$WORK/bad.ini" "$SUPPORTGW" parse "$FIX/parse/01-plain-en.eml" >/dev/null 2>&1
check "SUPPORTGW_CONFIG is read" test $? -eq 64

expect_exit 0 "--help exits 0" "$SUPPORTGW" --help
check "--help lists commands" grep -q "deliver" "$WORK/last.out"
expect_exit 0 "COMMAND --help exits 0" "$SUPPORTGW" import --help
check "import --help shows usage" grep -q "Usage: supportgw" "$WORK/last.out"
expect_exit 0 "--version exits 0" "$SUPPORTGW" --version
expect_exit 64 "unknown command exits 64" "$SUPPORTGW" frobnicate
expect_exit 64 "no command exits 64" "$SUPPORTGW"
