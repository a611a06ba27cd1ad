#!/bin/sh
# `supportgw contracts import|list|show` with the real binary: a good file
# (quoting, UTF-8), a re-import (updates), every row error exactly as
# printed (FILE:LINE), all or nothing, --skip-invalid, stdin, header
# errors, missing input, a busy store, BOM + CRLF + quoted line breaks,
# the progress bar on a terminal only, list filters and JSON, show.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
CONF=$(mkconfig)
SGW="$SUPPORTGW"

# Dates around today (UTC), as list --expiring and show count them.
day() { date -u -d "$1 days" +%F; }
TODAY=$(date -u +%F)
E1=$(day +10)
E2=$(day +45)
E3=$(day -5)
E4=$(day +200)
S1=$(date -u -d "$E1 -1 year" +%F)

# same FILE: stdout+stderr of the last command equal FILE exactly
same() { cmp -s "$1" "$2" || { diff "$1" "$2" | sed 's/^/#   /' | head -n 30; return 1; }; }

# ---- a good file -------------------------------------------------------------

cat >good.csv <<EOF
contract,customer_email,customer_name,company,product,serial,region,language,level,starts,expires,auto_renew,renewal_id
C0000001,Jean.Dupont@Example.COM,Jean Dupont,"Dupont, Fils & Cie",Gateway Pro,SN-0001,EMEA,fr,premier,$S1,$E1,no,R-0000001
C0000002,hanako@example.co.jp,山田 花子,日本電気株式会社,Mail Archiver,SN-0002,jp,EN,Standard,,$E2,yes,R-0000002
C0000003,bob@example.com,"O'Brien, Bob","The ""Best"" Company",Secure Relay,SN-0003,AMS,en,ppi,,$E3,,R-0000003
C0000004,wei@example.cn,王 伟,北京科技有限公司,Gateway Standard,,CN,,none,,$E4,false,
C0000005, lee@example.sg ,Lee,,,,SG,en,,,$TODAY,0,
EOF
expect_exit 0 "import of a good file exits 0" "$SGW" -c "$CONF" contracts import good.csv
echo "good.csv: 5 rows read, 5 inserted, 0 updated, 0 skipped" >want
check "the summary counts 5 inserted" same want last.out
check "no progress bar when stderr is not a terminal" test ! -s last.err
expect_exit 0 "a second import of the same file exits 0" "$SGW" -c "$CONF" contracts import good.csv
echo "good.csv: 5 rows read, 0 inserted, 5 updated, 0 skipped" >want
check "the same file again: 5 updated" same want last.out

"$SGW" -c "$CONF" contracts list --json >all.json
check "list --json lists the 5 contracts" test "$(json all.json 'len(d)')" -eq 5
check "list --json: ordered by expiry date" \
	test "$(json all.json '" ".join(c["contract"] for c in d)')" = "C0000003 C0000005 C0000001 C0000002 C0000004"
check "list --json: a quoted field with commas" \
	test "$(json all.json '[c for c in d if c["contract"]=="C0000001"][0]["company"]')" = "Dupont, Fils & Cie"
check "list --json: doubled quotes become one" \
	test "$(json all.json '[c for c in d if c["contract"]=="C0000003"][0]["company"]')" = 'The "Best" Company'
check "list --json: the address is lower-cased" \
	test "$(json all.json '[c for c in d if c["contract"]=="C0000001"][0]["customer_email"]')" = "jean.dupont@example.com"
check "list --json: spaces around a value are trimmed" \
	test "$(json all.json '[c for c in d if c["contract"]=="C0000005"][0]["customer_email"]')" = "lee@example.sg"
check "list --json: UTF-8 names, region/language/level normalised, auto_renew" \
	test "$(json all.json '[[c["customer_name"], c["region"], c["language"], c["level"], c["auto_renew"]] for c in d if c["contract"]=="C0000002"][0]')" = '["\u5c71\u7530 \u82b1\u5b50", "JP", "en", "standard", true]'
check "list --json: every field is there" \
	test "$(json all.json 'sorted(d[0].keys())')" = '["auto_renew", "company", "contract", "customer_email", "customer_name", "expires", "language", "level", "product", "region", "renewal_id", "serial", "starts", "updated_at"]'
check "list --json: empty values are null, level none, auto_renew false" \
	test "$(json all.json '[[c["serial"], c["language"], c["level"], c["auto_renew"], c["starts"]] for c in d if c["contract"]=="C0000005"][0]')" = '[null, "en", "none", false, null]'

# ---- list filters ----------------------------------------------------------------

ids() { # ids ARGS...: the contract ids list --json prints
	"$SGW" -c "$CONF" contracts list --json "$@" >ids.json && json ids.json '" ".join(c["contract"] for c in d)'
}
check "--expiring 30: today to today+30, not the expired one" test "$(ids --expiring 30)" = "C0000005 C0000001"
check "--expiring 45 includes its last day" test "$(ids --expiring 45)" = "C0000005 C0000001 C0000002"
check "--expiring 0: today only" test "$(ids --expiring 0)" = "C0000005"
check "--region EMEA" test "$(ids --region EMEA)" = "C0000001"
check "--region in any case" test "$(ids --region jp)" = "C0000002"
check "--region and --expiring together" test "$(ids --region AMS --expiring 400)" = ""
check "an empty list is []" sh -c "'$SGW' -c '$CONF' contracts list --json --region CN --expiring 0 | grep -qx '\[\]'"
expect_exit 64 "--region of an unknown region exits 64" "$SGW" -c "$CONF" contracts list --region MARS
check "the unknown region is named with the known ones" \
	grep -qx "supportgw: contracts list: unknown region 'MARS' (known: EMEA, AMS, JP, CN, SG)" last.err
expect_exit 64 "--expiring without a number exits 64" "$SGW" -c "$CONF" contracts list --expiring soon
expect_exit 64 "an unknown list option exits 64" "$SGW" -c "$CONF" contracts list --bogus

expect_exit 0 "list as a table exits 0" "$SGW" -c "$CONF" contracts list --expiring 30
check "the table has its header" \
	grep -q "^CONTRACT  *CUSTOMER  *REGION LEVEL  *EXPIRES  *AUTO PRODUCT$" last.out
check "the table has a row per contract" test "$(wc -l <last.out)" -eq 3
check "a table row shows contract, customer, region, level, expires, auto, product" \
	grep -q "^C0000001  *jean.dupont@example.com  *EMEA  *premier  *$E1 no   Gateway Pro$" last.out

# ---- show ------------------------------------------------------------------------

expect_exit 0 "show ID exits 0" "$SGW" -c "$CONF" contracts show C0000003
check "show prints every field" \
	sh -c "grep -qx 'company         The \"Best\" Company' last.out && grep -qx 'renewal_id      R-0000003' last.out && grep -qx 'serial          SN-0003' last.out"
check "show says how long ago it expired" grep -qx "expires         $E3 (expired 5 days ago)" last.out
check "show says no notice was sent" grep -qx "no renewal notice sent" last.out
expect_exit 0 "show --json exits 0" "$SGW" -c "$CONF" contracts show C0000001 --json
cp last.out show.json
check "show --json: days to expiry" test "$(json show.json 'd["days_to_expiry"]')" -eq 10
check "show --json: no notices yet" test "$(json show.json 'd["notices"]')" = "[]"
check "show --json: the fields" test "$(json show.json '[d["contract"], d["starts"], d["auto_renew"]]')" = "[\"C0000001\", \"$S1\", false]"
# a notice, as a renewals run records it
sqlite3 store.db "INSERT INTO renewal_notices (contract, expires, step, kind, case_number, outbox_id, run_date, at) VALUES ('C0000001', '$E1', 30, 'reminder', NULL, NULL, '$TODAY', 1700000000)"
"$SGW" -c "$CONF" contracts show C0000001 --json >show.json
check "show --json lists the notices sent" \
	test "$(json show.json '[(n["step"], n["kind"], n["expires"], n["run_date"], n["at"]) for n in d["notices"]]')" = "[[30, \"reminder\", \"$E1\", \"$TODAY\", \"2023-11-14T22:13:20Z\"]]"
expect_exit 0 "show with a notice exits 0" "$SGW" -c "$CONF" contracts show C0000001
check "show prints the notices sent" \
	grep -q "^2023-11-14T22:13:20Z *$E1 *30  reminder  *-  *$TODAY$" last.out
expect_exit 0 "show finds a contract by its serial" "$SGW" -c "$CONF" contracts show SN-0002
check "... the right one" grep -qx "contract        C0000002" last.out
check "... expiring in 45 days" grep -qx "expires         $E2 (in 45 days)" last.out
expect_exit 0 "show finds a contract by its renewal id" "$SGW" -c "$CONF" contracts show R-0000003 --json
expect_exit 66 "show of an unknown contract exits 66" "$SGW" -c "$CONF" contracts show C9999999
check "the unknown contract is named" grep -qx "supportgw: contracts show: no contract 'C9999999'" last.err
expect_exit 64 "show without an id exits 64" "$SGW" -c "$CONF" contracts show
expect_exit 64 "contracts without an action exits 64" "$SGW" -c "$CONF" contracts
expect_exit 64 "an unknown action exits 64" "$SGW" -c "$CONF" contracts frobnicate
expect_exit 0 "contracts --help exits 0" "$SGW" contracts --help
check "the help names the three actions" \
	sh -c "grep -q 'contracts import' last.out && grep -q 'contracts list' last.out && grep -q 'contracts show' last.out"

# ---- every row error, exactly; all or nothing ------------------------------------

{
	echo "contract,customer_email,customer_name,company,region,language,level,starts,expires,auto_renew"
	echo "C0000001,new@example.com,Changed,,EMEA,fr,standard,2025-01-01,2026-01-01,yes"
	echo "C0000100,no-at-sign,,,EMEA,fr,premier,,,no"
	echo "C0000101,a@b@example.com,,,EMEA,,,,,"
	echo "C0000102,x@localhost,,,EMEA,,,,,"
	echo "C0000103,ok@example.com,,,MARS,,,,,"
	echo "C0000104,ok@example.com,,,EMEA,french,,,,"
	echo "C0000105,ok@example.com,,,EMEA,,gold,,,"
	echo "C0000106,ok@example.com,,,EMEA,,,2025-02-30,,"
	echo "C0000107,ok@example.com,,,EMEA,,,2025-13-01,26-01-01,"
	echo "C0000108,ok@example.com,,,EMEA,,,2026-01-02,2026-01-01,"
	echo "C0000109,ok@example.com,,,EMEA,,,,,maybe"
	echo "C0000001,dup@example.com,,,EMEA,,,,,"
	echo "C0000110,ok@example.com,,,EMEA,,,,"
	echo ",ok@example.com,,,EMEA,,,,,"
	printf '"C0000111",ok@example.com,"multi\nline",,EMEA,,,,,\n'
	echo 'C0000112,ok@example.com,,,"EMEA"x,,,,,'
	echo 'C0000113,ok@example.com,bare"quote,,EMEA,,,,,'
	echo "C0000114,ok@example.com,Valid Row,,EMEA,,,,,"
	printf 'C0000115,ok@example.com,\377,,EMEA,,,,,\n'
	printf 'C0000116,ok@example.com,nul\000,,EMEA,,,,,\n'
	printf '"C\t117",ok@example.com,,,EMEA,,,,,\n'
	echo "C0000118,bad address@example.com,,,SG,xx1,,,,"
	printf 'C0000119,ok@example.com,"never closed,,EMEA,,,,,\nC0000120,ok@example.com\n'
} >bad.csv
cat >want <<'EOF'
bad.csv:3: customer_email: not an email address: 'no-at-sign'
bad.csv:4: customer_email: not an email address: 'a@b@example.com'
bad.csv:5: customer_email: not an email address: 'x@localhost'
bad.csv:6: region: unknown region 'MARS' (known: EMEA, AMS, JP, CN, SG)
bad.csv:7: language: not a language code: 'french' (2 or 3 letters, such as fr or en)
bad.csv:8: level: unknown level 'gold' (premier, standard, ppi or none)
bad.csv:9: starts: not a date: '2025-02-30' (YYYY-MM-DD, a day that exists)
bad.csv:10: starts: not a date: '2025-13-01' (YYYY-MM-DD, a day that exists)
bad.csv:10: expires: not a date: '26-01-01' (YYYY-MM-DD, a day that exists)
bad.csv:11: starts: '2026-01-02' is after expires '2026-01-01'
bad.csv:12: auto_renew: not yes or no: 'maybe' (yes, no, true, false, 1 or 0)
bad.csv:13: contract: duplicate 'C0000001', first on line 2
bad.csv:14: 9 fields, but the header has 10
bad.csv:15: contract: missing (every row needs a contract id)
bad.csv:16: customer_name: control character in 'multi\x0Aline'
bad.csv:18: characters after the closing quote of field 5
bad.csv:19: quote in the middle of unquoted field 3 (quote the whole field and double the quote: "a""b")
bad.csv:21: invalid UTF-8 in field 3
bad.csv:22: NUL byte in field 3
bad.csv:23: contract: control character in 'C\x09117'
bad.csv:24: customer_email: not an email address: 'bad address@example.com'
bad.csv:24: language: not a language code: 'xx1' (2 or 3 letters, such as fr or en)
bad.csv:25: quoted field 3 is never closed (its quote opens on line 25; the input ends inside it)
EOF
"$SGW" -c "$CONF" contracts list --json >before.json
expect_exit 65 "a file with invalid rows exits 65" "$SGW" -c "$CONF" contracts import bad.csv
{
	cat want
	echo "supportgw: contracts import: bad.csv: 21 invalid rows of 23; nothing imported (--skip-invalid imports the valid rows)"
} >want.all
check "every error is printed as FILE:LINE: what, in order, then why nothing was imported" same want.all last.err
check "nothing on stdout" test ! -s last.out
"$SGW" -c "$CONF" contracts list --json >after.json
check "all or nothing: the store is unchanged (the valid rows were not kept either)" cmp -s before.json after.json

expect_exit 0 "--skip-invalid exits 0" "$SGW" -c "$CONF" contracts import --skip-invalid bad.csv
check "--skip-invalid still lists every error" same want last.err
echo "bad.csv: 23 rows read, 1 inserted, 1 updated, 21 skipped" >want
check "--skip-invalid says how many rows it skipped" same want last.out
"$SGW" -c "$CONF" contracts list --json >after.json
check "--skip-invalid kept the valid new row" \
	test "$(json after.json '[c["customer_name"] for c in d if c["contract"]=="C0000114"]')" = '["Valid Row"]'
check "--skip-invalid updated the valid existing row (missing columns become empty)" \
	test "$(json after.json '[[c["customer_email"], c["level"], c["auto_renew"], c["product"]] for c in d if c["contract"]=="C0000001"][0]')" = '["new@example.com", "standard", true, null]'
check "--skip-invalid kept no invalid row" test "$(json after.json 'len(d)')" -eq 6

# ---- header errors -----------------------------------------------------------------

COLS="contract, customer_email, customer_name, company, product, serial, region, language, level, starts, expires, auto_renew, renewal_id"
printf 'contract,email,region\nC1,a@example.com,EMEA\n' >hdr1.csv
expect_exit 65 "an unknown column exits 65" "$SGW" -c "$CONF" contracts import --skip-invalid hdr1.csv
printf "hdr1.csv:1: unknown column 'email' (columns: %s)\nsupportgw: contracts import: hdr1.csv: the header row is not valid; nothing imported\n" "$COLS" >want
check "the unknown column is named with the allowed ones" same want last.err
printf 'contract,Region, region \n' >hdr2.csv
expect_exit 65 "a duplicate column exits 65" "$SGW" -c "$CONF" contracts import hdr2.csv
check "the duplicate column is named" grep -qx "hdr2.csv:1: column 'region' appears twice (columns 2 and 3)" last.err
printf 'region,level\nEMEA,none\n' >hdr3.csv
expect_exit 65 "a header without contract exits 65" "$SGW" -c "$CONF" contracts import hdr3.csv
check "the missing contract column is named" grep -qx "hdr3.csv:1: no 'contract' column: it is required (columns: $COLS)" last.err
printf 'contract,,region\n' >hdr4.csv
expect_exit 65 "an empty column name exits 65" "$SGW" -c "$CONF" contracts import hdr4.csv
check "the nameless column is named by number" grep -q "^hdr4.csv:1: column 2 of the header has no name" last.err
: >empty.csv
expect_exit 65 "an empty file exits 65" "$SGW" -c "$CONF" contracts import empty.csv
check "an empty file is reported" grep -qx "empty.csv:1: no header row: the file is empty" last.err
printf ' CONTRACT \r\n' >hdronly.csv
expect_exit 0 "a header alone (any case, spaces) imports nothing" "$SGW" -c "$CONF" contracts import hdronly.csv
check "... and says so" grep -qx "hdronly.csv: 0 rows read, 0 inserted, 0 updated, 0 skipped" last.out
"$SGW" -c "$CONF" contracts list --json >after2.json
check "header errors changed nothing" cmp -s after.json after2.json

# ---- input: stdin, missing, usage ---------------------------------------------------

printf 'contract,level\nC0000200,premier\n\nC0000201,bogus\n' >stdin.csv
expect_exit 65 "stdin ('-') with a bad row exits 65" sh -c "'$SGW' -c '$CONF' contracts import - <stdin.csv"
check "stdin errors are named stdin:LINE (blank lines counted, not rows)" \
	grep -qx "stdin:4: level: unknown level 'bogus' (premier, standard, ppi or none)" last.err
printf 'contract,level\nC0000200,premier\n\nC0000201,ppi\n' >stdin.csv
expect_exit 0 "stdin ('-') imports" sh -c "'$SGW' -c '$CONF' contracts import --no-progress - <stdin.csv"
check "stdin summary" grep -qx "stdin: 2 rows read, 2 inserted, 0 updated, 0 skipped" last.out
expect_exit 66 "a missing file exits 66" "$SGW" -c "$CONF" contracts import nothere.csv
check "the missing file is named" grep -qx "supportgw: contracts import: cannot open nothere.csv: No such file or directory" last.err
if [ -r /proc/self/mem ]; then
	# reading /proc/self/mem at offset 0 fails with EIO: a read error
	expect_exit 74 "a read error exits 74, even with --skip-invalid" \
		"$SGW" -c "$CONF" contracts import --skip-invalid /proc/self/mem
	check "... saying where and that nothing was imported" \
		grep -qx "supportgw: contracts import: /proc/self/mem:1: read error: Input/output error; nothing imported" last.err
fi
mkdir -p adir
expect_exit 66 "a folder exits 66" "$SGW" -c "$CONF" contracts import adir
expect_exit 64 "import without a file exits 64" "$SGW" -c "$CONF" contracts import
expect_exit 64 "import of two files exits 64" "$SGW" -c "$CONF" contracts import good.csv bad.csv
expect_exit 64 "an unknown import option exits 64" "$SGW" -c "$CONF" contracts import --force good.csv

# ---- a configured region ----------------------------------------------------------

RCONF=$(mkconfig regions)
printf '[region:MARS]\nteam = Mars Renewals <mars@example.com>\ntimezone = UTC\n' >>"$RCONF"
printf 'contract,region\nC1,mars\n' >mars.csv
expect_exit 0 "a [region:NAME] region is accepted" "$SGW" -c "$RCONF" contracts import mars.csv
check "... in its configured spelling" \
	sh -c "'$SGW' -c '$RCONF' contracts list --json --region Mars | grep -q '\"region\":\"MARS\"'"

# ---- BOM, CRLF and quoted line breaks ----------------------------------------------

BCONF=$(mkconfig bom)
printf '\357\273\277contract,company,expires\r\n"C0000300","ACME\r\nEurope",2027-01-01\r\nC0000301,x,2027-02-30\r\n"C0000302","a\r\n\r\nb",\r\n,,\r\n' >bom.csv
expect_exit 65 "BOM + CRLF + quoted line breaks: a bad date is found" "$SGW" -c "$BCONF" contracts import bom.csv
check "... on the right physical line" \
	sh -c "grep -c . last.err | grep -qx 3 && grep -qx \"bom.csv:4: expires: not a date: '2027-02-30' (YYYY-MM-DD, a day that exists)\" last.err && grep -qx 'bom.csv:8: contract: missing (every row needs a contract id)' last.err"
expect_exit 0 "BOM + CRLF + quoted line breaks with --skip-invalid" "$SGW" -c "$BCONF" contracts import --skip-invalid bom.csv
check "... imports the valid rows" grep -qx "bom.csv: 4 rows read, 2 inserted, 0 updated, 2 skipped" last.out
"$SGW" -c "$BCONF" contracts show C0000300 --json >bom.json
check "the BOM is not part of the first column name, the line break is kept" \
	test "$(json bom.json 'd["company"]')" = "$(printf 'ACME\r\nEurope')"

# ---- the progress bar, on a terminal only --------------------------------------------

PCONF=$(mkconfig progress)
/usr/bin/python3 "$ROOT/bench/gen_contracts.py" 40000 --today "$TODAY" --seed 7 >big.csv 2>/dev/null
script -qec "'$SGW' -c '$PCONF' contracts import big.csv" /dev/null >tty.out 2>&1
check "a terminal gets a progress bar" grep -q "contracts import: \[#*  *\] *[0-9]*% [0-9]* rows" tty.out
check "... and the summary" grep -q "big.csv: 40000 rows read, 40000 inserted, 0 updated, 0 skipped" tty.out
script -qec "'$SGW' -c '$PCONF' contracts import --no-progress big.csv" /dev/null >tty.out 2>&1
check "--no-progress: none on a terminal" sh -c "! grep -q 'contracts import: \[' tty.out"
check "... the second import updates all" grep -q "big.csv: 40000 rows read, 0 inserted, 40000 updated, 0 skipped" tty.out
check "the generated file has customers with several contracts" \
	test "$("$SGW" -c "$PCONF" contracts list --json | /usr/bin/python3 -c 'import json,sys,collections
d=json.load(sys.stdin)
c=collections.Counter(x["customer_email"] for x in d)
print(sum(1 for v in c.values() if v > 1) > 1000 and len(c) < 20000)')" = True

# ---- a busy store --------------------------------------------------------------------

# Another writer holds the store for longer than the 5 s busy timeout.
/usr/bin/python3 -c 'import sqlite3,sys,time
db=sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2],"w").close()
time.sleep(9)
db.execute("ROLLBACK")' store.db locked.flag &
LOCKER=$!
n=0
while [ ! -f locked.flag ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
expect_exit 75 "a busy store exits 75" "$SGW" -c "$CONF" contracts import good.csv
check "... saying why" grep -q "^supportgw: contracts import: .*\(busy\|locked\)" last.err
wait $LOCKER
"$SGW" -c "$CONF" contracts list --json >after3.json
check "... and changed nothing" test "$(json after3.json 'len(d)')" -eq 8
