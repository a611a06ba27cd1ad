#!/bin/sh
# `supportgw templates`: check over the repository's templates and a broken
# copy, render-file against cases of the Mustache specification (exact
# bytes), and render over a case of a real store.
. "$(dirname "$0")/lib.sh"
unset SUPPORTGW_TEMPLATES
TPL="$ROOT/templates"
# the count `check` must report: every *.mustache of the repository
NTPL=$(ls "$TPL"/*/*.mustache | wc -l)

# ---- check ----

expect_exit 0 "templates check passes on the repository's templates" \
	"$SUPPORTGW" templates check --dir "$TPL"
check "check ends with the count and ok" \
	grep -qx "$NTPL templates in 2 languages: ok" "$WORK/last.out"
check "check prints nothing else when clean" test "$(wc -l <"$WORK/last.out")" -eq 1

# Found without --dir: ./templates, $SUPPORTGW_TEMPLATES, [gateway] templates.
(cd "$ROOT" && "$SUPPORTGW" templates check >"$WORK/cwd.out" 2>&1)
check "check finds ./templates" grep -q ": ok$" "$WORK/cwd.out"

cp -R "$TPL" "$WORK/broken"
B="$WORK/broken"
# line 2 of a header block: a header templates may not set
sed -i '1a From: someone@example.com' "$B/fr/case_reopened.mustache"
# a typo in a variable, on a known line of the body
printf 'Subject: {{case.tag}} {{case.subject}}\n\nCase {{case.numbr}}\n' \
	>"$B/en/ack_follow_up.mustache"
# a section never closed, on line 4
printf 'Subject: {{case.tag}}\n\nHello\n{{#case.due}}\nDue\n' >"$B/en/extra.mustache"
# a template with no en version
printf 'Subject: {{case.tag}}\n\nBonjour\n' >"$B/fr/only_fr.mustache"
# not templates: ignored
printf 'garbage {{#\n' >"$B/en/notes.txt"
printf 'garbage {{#\n' >"$B/en/ack_new_case.mustache.orig"

expect_exit 65 "check of a broken copy exits 65" "$SUPPORTGW" templates check --dir "$B"
check "unknown header named with file:line" \
	grep -qx "$B/fr/case_reopened.mustache:2: unknown header 'From' (a template may set only Subject, Reply-To and Cc)" "$WORK/last.out"
check "unknown variable named with file:line" \
	grep -qx "$B/en/ack_follow_up.mustache:3: unknown variable 'case.numbr'" "$WORK/last.out"
check "syntax error named with file:line" \
	grep -qx "$B/en/extra.mustache:4: section \"case.due\" is not closed" "$WORK/last.out"
check "a template without en version is reported" \
	grep -q "^$B/en/only_fr.mustache: missing: fr/only_fr.mustache exists" "$WORK/last.out"
check "every problem in one run, then the count" \
	grep -qx "$((NTPL + 2)) templates in 2 languages: 4 problems" "$WORK/last.out"
check "other files are ignored" sh -c "! grep -q 'notes.txt\|orig' '$WORK/last.out'"

rm "$B/en/unverified_follow_up.mustache"
expect_exit 65 "a missing required template exits 65" "$SUPPORTGW" templates check --dir "$B"
check "the missing required template is named" \
	grep -q "^$B/en/unverified_follow_up.mustache: missing: the gateway needs" "$WORK/last.out"

SUPPORTGW_TEMPLATES="$B" "$SUPPORTGW" templates check >"$WORK/env.out" 2>&1
check "\$SUPPORTGW_TEMPLATES is used without --dir" test $? -eq 65
CONF=$(mkconfig)
printf 'templates = %s\n' "$B" >>"$CONF"
SUPPORTGW_TEMPLATES="$TPL" "$SUPPORTGW" -c "$CONF" templates check >"$WORK/conf.out" 2>&1
check "[gateway] templates comes before \$SUPPORTGW_TEMPLATES" test $? -eq 65
expect_exit 0 "--dir comes before the configuration" \
	"$SUPPORTGW" -c "$CONF" templates check --dir "$TPL"

expect_exit 66 "a missing folder exits 66" "$SUPPORTGW" templates check --dir "$WORK/none"
check "the missing folder is named" grep -q "$WORK/none" "$WORK/last.err"
expect_exit 64 "templates without an action exits 64" "$SUPPORTGW" templates
expect_exit 64 "an unknown check argument exits 64" "$SUPPORTGW" templates check --bogus
expect_exit 0 "templates --help exits 0" "$SUPPORTGW" templates --help
check "templates --help shows render-file" grep -q "render-file FILE --data" "$WORK/last.out"

# ---- render-file: the renderer against the specification's cases ----

# spec NAME TEMPLATE DATA EXPECTED [OPTION]: TEMPLATE and EXPECTED are
# printf formats (no arguments), so bytes are exact, newlines included.
spec() {
	printf "$2" >"$WORK/spec.mustache"
	printf '%s' "$3" >"$WORK/spec.json"
	printf "$4" >"$WORK/spec.expected"
	"$SUPPORTGW" templates render-file "$WORK/spec.mustache" \
		--data "$WORK/spec.json" $5 >"$WORK/spec.out" 2>"$WORK/spec.err"
	_rc=$?
	if [ "$_rc" -eq 0 ] && cmp -s "$WORK/spec.out" "$WORK/spec.expected"; then
		ok "render-file: $1"
	else
		notok "render-file: $1 (exit $_rc)"
		od -c "$WORK/spec.out" | head -n 5 | sed 's/^/#   got /'
		od -c "$WORK/spec.expected" | head -n 5 | sed 's/^/#   want /'
		sed 's/^/#   /' "$WORK/spec.err"
	fi
}

spec "HTML escaping by default" \
	'These characters should be HTML escaped: {{forbidden}}\n' \
	'{"forbidden": "& \" < >"}' \
	'These characters should be HTML escaped: &amp; &quot; &lt; &gt;\n'
spec "triple mustache and & do not escape" \
	'{{{forbidden}}} {{&forbidden}}' \
	'{"forbidden": "& \" < >"}' \
	'& " < > & " < >'
spec "--plain does not escape" \
	'{{forbidden}}' '{"forbidden": "& \" < >"}' '& " < >' --plain
spec "dotted names" \
	'"{{a.b.c}}" == "{{#a}}{{b.c}}{{/a}}"' \
	'{"a": {"b": {"c": "here"}}}' \
	'"here" == "here"'
spec "missing names are empty" 'I ({{cannot}}) be seen!' '{}' 'I () be seen!'
spec "integers and reals" '{{i}} {{r}}' '{"i": 85, "r": 1.210}' '85 1.21'
spec "section over a list" \
	'"{{#list}}{{item}}{{/list}}"' \
	'{"list": [{"item": 1}, {"item": 2}, {"item": 3}]}' \
	'"123"'
spec "implicit iterator" \
	'"{{#list}}({{.}}){{/list}}"' '{"list": ["a", "b", "c"]}' '"(a)(b)(c)"'
spec "falsey section is skipped" \
	'"{{#boolean}}This should not be rendered.{{/boolean}}"' \
	'{"boolean": false}' '""'
spec "context section" \
	'"{{#context}}Hi {{name}}.{{/context}}"' \
	'{"context": {"name": "Joe"}}' '"Hi Joe."'
spec "inverted section over an empty list" \
	'"{{^list}}Yay lists!{{/list}}"' '{"list": []}' '"Yay lists!"'
spec "inverted section over true" \
	'"{{^boolean}}This should not be rendered.{{/boolean}}"' \
	'{"boolean": true}' '""'
spec "standalone section lines are removed" \
	'| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n' \
	'{"boolean": true}' \
	'| This Is\n|\n| A Line\n'
spec "indented standalone lines are removed" \
	'| This Is\n  {{#boolean}}\n|\n  {{/boolean}}\n| A Line\n' \
	'{"boolean": true}' \
	'| This Is\n|\n| A Line\n'
spec "standalone inverted lines are removed" \
	'| This Is\n{{^boolean}}\n|\n{{/boolean}}\n| A Line\n' \
	'{"boolean": false}' \
	'| This Is\n|\n| A Line\n'
spec "CRLF standalone lines" \
	'|\r\n{{#boolean}}\r\n{{/boolean}}\r\n|' '{"boolean": true}' '|\r\n|'
spec "standalone without a newline at the end" \
	'#{{#boolean}}\n/\n  {{/boolean}}' '{"boolean": true}' '#\n/\n'
spec "standalone comment lines are removed" \
	'Begin.\n{{! Comment Block! }}\nEnd.\n' '{}' 'Begin.\nEnd.\n'
spec "inline comment" '12345{{! Comment Block! }}67890' '{}' '1234567890'
spec "set delimiters" \
	'{{=<%% %%>=}}(<%%text%%>)' '{"text": "Hey!"}' '(Hey!)'
spec "output has no newline added" 'no newline' '{}' 'no newline'

# ---- render-file errors ----

printf 'Hello {{name}}\n' >"$WORK/hello.mustache"
printf '{\n  "name": "x",\n  oops\n}\n' >"$WORK/bad.json"
expect_exit 65 "render-file with bad JSON exits 65" \
	"$SUPPORTGW" templates render-file "$WORK/hello.mustache" --data "$WORK/bad.json"
check "the JSON error names the file and line" grep -q "bad.json: line 3: " "$WORK/last.err"
printf 'a\n{{#open}}\nb\n' >"$WORK/unclosed.mustache"
printf '{}' >"$WORK/empty.json"
expect_exit 65 "render-file with a syntax error exits 65" \
	"$SUPPORTGW" templates render-file "$WORK/unclosed.mustache" --data "$WORK/empty.json"
check "the syntax error names file: line N" \
	grep -q "unclosed.mustache: line 2: section \"open\" is not closed" "$WORK/last.err"
expect_exit 66 "render-file of a missing template exits 66" \
	"$SUPPORTGW" templates render-file "$WORK/none.mustache" --data "$WORK/empty.json"
expect_exit 66 "render-file with a missing data file exits 66" \
	"$SUPPORTGW" templates render-file "$WORK/hello.mustache" --data "$WORK/none.json"
expect_exit 64 "render-file without --data exits 64" \
	"$SUPPORTGW" templates render-file "$WORK/hello.mustache"

# ---- render: a real case ----

"$SUPPORTGW" -c "$CONF" deliver <"$FIX/thread/t01-new-acme.eml" >"$WORK/deliver.out" 2>&1
check "a delivered mail opens case 1" grep -q "^new case=00000001 " "$WORK/deliver.out"
expect_exit 0 "templates render ack_new_case --case 1" \
	"$SUPPORTGW" -c "$CONF" templates render ack_new_case --case 1 --dir "$TPL"
check "the subject carries the tag and the case's subject" \
	grep -qx "Subject: \[Case #00000001\] License server down" "$WORK/last.out"
check "a blank line then the body" \
	sh -c "sed -n 2p '$WORK/last.out' | grep -qx '' && sed -n 3p '$WORK/last.out' | grep -qx 'Dear Alice Archer,'"
check "no tag is left unrendered" sh -c "! grep -q '{{' '$WORK/last.out'"
expect_exit 0 "templates render --lang fr" \
	"$SUPPORTGW" -c "$CONF" templates render case_reopened --case 00000001 --lang fr --dir "$TPL"
check "the French version is used" grep -qx "Bonjour Alice Archer," "$WORK/last.out"
expect_exit 0 "templates render in a language without templates" \
	"$SUPPORTGW" -c "$CONF" templates render ack_follow_up --case 1 --lang de --dir "$TPL"
check "falls back to en and says so" \
	sh -c "grep -qx 'Dear Alice Archer,' '$WORK/last.out' && grep -q 'lang=de' '$WORK/last.err'"
expect_exit 66 "templates render of an unknown case exits 66" \
	"$SUPPORTGW" -c "$CONF" templates render ack_new_case --case 99 --dir "$TPL"
expect_exit 65 "templates render of an unknown template exits 65" \
	"$SUPPORTGW" -c "$CONF" templates render no_such --case 1 --dir "$TPL"
check "the unknown template is named" \
	grep -q "no template no_such (looked in en)" "$WORK/last.err"
expect_exit 64 "templates render without --case exits 64" \
	"$SUPPORTGW" -c "$CONF" templates render ack_new_case --dir "$TPL"
