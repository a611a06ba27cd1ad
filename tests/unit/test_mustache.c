/* test_mustache.c - the Mustache renderer against the cases the Mustache
 * specification documents (interpolation, sections, inverted, comments,
 * delimiters), plus our errors and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "mustache.h"
#include "strbuf.h"

struct render_case {
	const char *template;
	const char *data;       /* JSON */
	const char *expected;
};

struct error_case {
	const char *template;
	const char *error;      /* the whole message */
};

static json_t *json_or_fail(const char *text)
{
	json_error_t jerr;
	json_t *data = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (data == NULL) {
		print_error("bad test JSON %s: %s\n", text, jerr.text);
		fail();
	}
	return data;
}

static void check_render(const struct render_case *cases, size_t count,
			 unsigned flags)
{
	for (size_t i = 0; i < count; i++) {
		struct mustache *tpl = NULL;
		struct strbuf out;
		char *error = NULL;
		json_t *data = json_or_fail(cases[i].data);

		if (mustache_parse(cases[i].template, strlen(cases[i].template),
				   &tpl, &error) < 0) {
			print_error("template \"%s\": %s\n", cases[i].template,
				    error);
			free(error);
			fail();
		}
		strbuf_init(&out, 1 << 20);
		/* Twice: a parsed template is rendered many times. */
		for (int round = 0; round < 2; round++) {
			strbuf_reset(&out);
			if (mustache_render(tpl, data, flags, &out, &error) < 0) {
				print_error("render \"%s\": %s\n",
					    cases[i].template, error);
				free(error);
				fail();
			}
			if (strcmp(strbuf_str(&out), cases[i].expected) != 0) {
				print_error("template \"%s\" data %s:\n"
					    "got  \"%s\"\nwant \"%s\"\n",
					    cases[i].template, cases[i].data,
					    strbuf_str(&out), cases[i].expected);
				fail();
			}
		}
		assert_null(error);
		strbuf_deinit(&out);
		json_decref(data);
		mustache_free(&tpl);
		assert_null(tpl);
	}
}

static void check_errors(const struct error_case *cases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct mustache *tpl = (struct mustache *)&tpl;
		char *error = NULL;

		if (mustache_parse(cases[i].template, strlen(cases[i].template),
				   &tpl, &error) == 0) {
			print_error("template \"%s\" parsed\n",
				    cases[i].template);
			mustache_free(&tpl);
			fail();
		}
		assert_null(tpl);
		assert_non_null(error);
		if (strcmp(error, cases[i].error) != 0) {
			print_error("template \"%s\":\ngot  \"%s\"\nwant \"%s\"\n",
				    cases[i].template, error, cases[i].error);
			free(error);
			fail();
		}
		free(error);
	}
}

#define N(cases) (sizeof(cases) / sizeof(cases[0]))

static void test_interpolation(void **state)
{
	static const struct render_case cases[] = {
		/* No interpolation, basic */
		{ "Hello from {Mustache}!\n", "{}", "Hello from {Mustache}!\n" },
		{ "", "{}", "" },
		{ "Hello, {{subject}}!\n", "{\"subject\":\"world\"}",
		  "Hello, world!\n" },
		{ "{{a}}{{b}}", "{\"a\":\"x\",\"b\":\"y\"}", "xy" },
		/* HTML escaping, triple, ampersand */
		{ "{{forbidden}}", "{\"forbidden\":\"& \\\" < >\"}",
		  "&amp; &quot; &lt; &gt;" },
		{ "{{x}}", "{\"x\":\"it's\"}", "it's" },
		{ "{{{forbidden}}}", "{\"forbidden\":\"& \\\" < >\"}",
		  "& \" < >" },
		{ "{{&forbidden}}", "{\"forbidden\":\"& \\\" < >\"}",
		  "& \" < >" },
		/* Numbers */
		{ "\"{{mph}} miles an hour!\"", "{\"mph\":85}",
		  "\"85 miles an hour!\"" },
		{ "\"{{{mph}}}\" \"{{&mph}}\"", "{\"mph\":85}", "\"85\" \"85\"" },
		{ "{{n}}", "{\"n\":-9007199254740993}", "-9007199254740993" },
		{ "\"{{power}} jiggawatts!\"", "{\"power\":1.210}",
		  "\"1.21 jiggawatts!\"" },
		{ "{{{power}}}|{{&power}}", "{\"power\":1.210}", "1.21|1.21" },
		{ "{{a}} {{b}} {{c}} {{d}}",
		  "{\"a\":1.5,\"b\":0.1,\"c\":2.0,\"d\":1e21}",
		  "1.5 0.1 2 1e+21" },
		/* Booleans, null, misses */
		{ "{{t}}/{{f}}", "{\"t\":true,\"f\":false}", "true/false" },
		{ "I ({{cannot}}) be seen!", "{\"cannot\":null}",
		  "I () be seen!" },
		{ "I ({{{cannot}}}) be seen!", "{\"cannot\":null}",
		  "I () be seen!" },
		{ "I ({{&cannot}}) be seen!", "{\"cannot\":null}",
		  "I () be seen!" },
		{ "I ({{cannot}}) be seen!", "{}", "I () be seen!" },
		{ "I ({{{cannot}}}) be seen!", "{}", "I () be seen!" },
		{ "I ({{&cannot}}) be seen!", "{}", "I () be seen!" },
		{ "[{{o}}][{{l}}]", "{\"o\":{\"a\":1},\"l\":[1]}", "[][]" },
		/* Dotted names */
		{ "\"{{person.name}}\" == \"{{#person}}{{name}}{{/person}}\"",
		  "{\"person\":{\"name\":\"Joe\"}}", "\"Joe\" == \"Joe\"" },
		{ "\"{{{person.name}}}\" == \"{{#person}}{{{name}}}{{/person}}\"",
		  "{\"person\":{\"name\":\"Joe\"}}", "\"Joe\" == \"Joe\"" },
		{ "\"{{&person.name}}\" == \"{{#person}}{{&name}}{{/person}}\"",
		  "{\"person\":{\"name\":\"Joe\"}}", "\"Joe\" == \"Joe\"" },
		{ "\"{{a.b.c.d.e.name}}\" == \"Phil\"",
		  "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"name\":\"Phil\"}}}}}}",
		  "\"Phil\" == \"Phil\"" },
		/* Broken chains */
		{ "\"{{a.b.c}}\" == \"\"", "{\"a\":{}}", "\"\" == \"\"" },
		{ "\"{{a.b.c.name}}\" == \"\"",
		  "{\"a\":{\"b\":{}},\"c\":{\"name\":\"Jim\"}}",
		  "\"\" == \"\"" },
		{ "{{a.b}}", "{\"a\":\"string\"}", "" },
		/* Never a single key, and a dotted key does not mask */
		{ "{{a.b}}", "{\"a.b\":\"c\"}", "" },
		{ "{{a.b}}", "{\"a.b\":\"c\",\"a\":{\"b\":\"d\"}}", "d" },
		/* Initial resolution, context precedence */
		{ "\"{{#a}}{{b.c.d.e.name}}{{/a}}\" == \"Phil\"",
		  "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"name\":\"Phil\"}}}}},"
		  "\"b\":{\"c\":{\"d\":{\"e\":{\"name\":\"Wrong\"}}}}}",
		  "\"Phil\" == \"Phil\"" },
		{ "{{#a}}{{b.c}}{{/a}}", "{\"a\":{\"b\":{}},\"b\":{\"c\":\"ERROR\"}}",
		  "" },
		/* Leading dot: the current context only */
		{ "{{#a}}{{.name}}{{/a}}{{#b}}{{.name}}{{/b}}",
		  "{\"a\":{},\"b\":{\"name\":\"Name\"},\"name\":\"Fail\"}",
		  "Name" },
		/* Implicit iterator at the root */
		{ "Hello, {{.}}!\n", "\"world\"", "Hello, world!\n" },
		{ "These: {{.}} {{{.}}} {{&.}}", "\"& \\\" < >\"",
		  "These: &amp; &quot; &lt; &gt; & \" < > & \" < >" },
		{ "\"{{.}} miles an hour!\"", "85", "\"85 miles an hour!\"" },
		{ "\"{{.}}\"", "1.21", "\"1.21\"" },
		{ "[{{.}}]", "null", "[]" },
		/* Whitespace: surrounding kept, standalone not removed,
		 * padding ignored */
		{ "| {{string}} |", "{\"string\":\"---\"}", "| --- |" },
		{ "| {{{string}}} |", "{\"string\":\"---\"}", "| --- |" },
		{ "| {{&string}} |", "{\"string\":\"---\"}", "| --- |" },
		{ "  {{string}}\n", "{\"string\":\"---\"}", "  ---\n" },
		{ "  {{{string}}}\n", "{\"string\":\"---\"}", "  ---\n" },
		{ "  {{&string}}\n", "{\"string\":\"---\"}", "  ---\n" },
		{ "  {{missing}}\n", "{}", "  \n" },
		{ "|{{ string }}|", "{\"string\":\"---\"}", "|---|" },
		{ "|{{{ string }}}|", "{\"string\":\"---\"}", "|---|" },
		{ "|{{& string }}|", "{\"string\":\"---\"}", "|---|" },
		{ "|{{\tstring\r\n}}|", "{\"string\":\"---\"}", "|---|" },
		/* Lone braces are text */
		{ "{ } }} {x} {", "{}", "{ } }} {x} {" },
		/* UTF-8 passes through */
		{ "{{s}}", "{\"s\":\"Dossier n\\u00b0 12 \\u2013 \\u00e9t\\u00e9\"}",
		  "Dossier n\xc2\xb0 12 \xe2\x80\x93 \xc3\xa9t\xc3\xa9" },
	};

	check_render(cases, N(cases), 0);
}

static void test_no_escape(void **state)
{
	static const struct render_case cases[] = {
		{ "{{x}}", "{\"x\":\"a & b <c> \\\"d\\\"\"}", "a & b <c> \"d\"" },
		{ "{{{x}}}{{&x}}", "{\"x\":\"<\"}", "<<" },
		{ "{{#l}}{{.}}{{/l}}", "{\"l\":[\"<\",\"&\"]}", "<&" },
	};

	check_render(cases, N(cases), MUSTACHE_NO_ESCAPE);
}

static void test_sections(void **state)
{
	static const struct render_case cases[] = {
		/* Truthy and falsey */
		{ "\"{{#boolean}}This should be rendered.{{/boolean}}\"",
		  "{\"boolean\":true}", "\"This should be rendered.\"" },
		{ "\"{{#boolean}}This should not be rendered.{{/boolean}}\"",
		  "{\"boolean\":false}", "\"\"" },
		{ "\"{{#null}}This should not be rendered.{{/null}}\"",
		  "{\"null\":null}", "\"\"" },
		{ "[{{#missing}}Found key 'missing'!{{/missing}}]", "{}", "[]" },
		/* Our choices: "" falsey, numbers (0 too) truthy, {} truthy */
		{ "[{{#s}}yes{{/s}}]", "{\"s\":\"\"}", "[]" },
		{ "[{{#n}}{{.}}{{/n}}][{{#z}}{{.}}{{/z}}][{{#r}}{{.}}{{/r}}]",
		  "{\"n\":3,\"z\":0,\"r\":0.5}", "[3][0][0.5]" },
		{ "[{{#o}}yes{{/o}}]", "{\"o\":{}}", "[yes]" },
		/* Context pushed */
		{ "\"{{#context}}Hi {{name}}.{{/context}}\"",
		  "{\"context\":{\"name\":\"Joe\"}}", "\"Hi Joe.\"" },
		{ "\"{{#sec}}{{a}}, {{b}}, {{c.d}}{{/sec}}\"",
		  "{\"a\":\"foo\",\"b\":\"wrong\",\"sec\":{\"b\":\"bar\"},"
		  "\"c\":{\"d\":\"baz\"}}", "\"foo, bar, baz\"" },
		{ "\"{{#foo}}{{.}} is {{foo}}{{/foo}}\"", "{\"foo\":\"bar\"}",
		  "\"bar is bar\"" },
		/* An inner null shadows an outer value (spec: first context
		 * holding the key) */
		{ "[{{#in}}{{x}}{{/in}}]", "{\"x\":\"outer\",\"in\":{\"x\":null}}",
		  "[]" },
		{ "{{#tops}}{{#middles}}{{tname.lower}}{{mname}}.{{#bottoms}}"
		  "{{tname.upper}}{{mname}}{{bname}}.{{/bottoms}}{{/middles}}"
		  "{{/tops}}",
		  "{\"tops\":[{\"tname\":{\"upper\":\"A\",\"lower\":\"a\"},"
		  "\"middles\":[{\"mname\":\"1\",\"bottoms\":[{\"bname\":\"x\"},"
		  "{\"bname\":\"y\"}]}]}]}", "a1.A1x.A1y." },
		/* Deeply nested contexts */
		{ "{{#a}}\n{{one}}\n{{#b}}\n{{one}}{{two}}{{one}}\n{{#c}}\n"
		  "{{one}}{{two}}{{three}}{{two}}{{one}}\n{{#d}}\n"
		  "{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n"
		  "{{#five}}\n"
		  "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n"
		  "{{one}}{{two}}{{three}}{{four}}{{.}}6{{.}}{{four}}{{three}}{{two}}{{one}}\n"
		  "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n"
		  "{{/five}}\n"
		  "{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n"
		  "{{/d}}\n{{one}}{{two}}{{three}}{{two}}{{one}}\n{{/c}}\n"
		  "{{one}}{{two}}{{one}}\n{{/b}}\n{{one}}\n{{/a}}\n",
		  "{\"a\":{\"one\":1},\"b\":{\"two\":2},\"c\":{\"three\":3,"
		  "\"d\":{\"four\":4,\"five\":5}}}",
		  "1\n121\n12321\n1234321\n123454321\n12345654321\n"
		  "123454321\n1234321\n12321\n121\n1\n" },
		/* Lists */
		{ "\"{{#list}}{{item}}{{/list}}\"",
		  "{\"list\":[{\"item\":1},{\"item\":2},{\"item\":3}]}",
		  "\"123\"" },
		{ "\"{{#list}}Yay lists!{{/list}}\"", "{\"list\":[]}", "\"\"" },
		{ "\"{{#section}}foo{{/section}}\"", "{\"section\":\"123\"}",
		  "\"foo\"" },
		{ "{{#list}}[{{.}}]{{/list}}", "{\"list\":[null,false,\"\",{}]}",
		  "[][false][][]" },
		/* Doubled, nested, same name nested */
		{ "{{#bool}}\n* first\n{{/bool}}\n* {{two}}\n{{#bool}}\n"
		  "* third\n{{/bool}}\n", "{\"bool\":true,\"two\":\"second\"}",
		  "* first\n* second\n* third\n" },
		{ "| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |",
		  "{\"bool\":true}", "| A B C D E |" },
		{ "| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |",
		  "{\"bool\":false}", "| A  E |" },
		{ "{{#a}}{{#a}}{{#a}}{{v}}{{/a}}{{/a}}{{/a}}",
		  "{\"a\":{\"a\":{\"a\":{\"v\":3},\"v\":2},\"v\":1}}", "3" },
		/* Implicit iterators */
		{ "\"{{#list}}({{.}}){{/list}}\"",
		  "{\"list\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}",
		  "\"(a)(b)(c)(d)(e)\"" },
		{ "\"{{#list}}({{.}}){{/list}}\"", "{\"list\":[1,2,3,4,5]}",
		  "\"(1)(2)(3)(4)(5)\"" },
		{ "\"{{#list}}({{.}}){{/list}}\"",
		  "{\"list\":[1.10,2.20,3.30,4.40,5.50]}",
		  "\"(1.1)(2.2)(3.3)(4.4)(5.5)\"" },
		{ "\"{{#list}}({{#.}}{{.}}{{/.}}){{/list}}\"",
		  "{\"list\":[[1,2,3],[\"a\",\"b\",\"c\"]]}",
		  "\"(123)(abc)\"" },
		{ "\"{{#.}}({{value}}){{/.}}\"",
		  "[{\"value\":\"a\"},{\"value\":\"b\"}]", "\"(a)(b)\"" },
		{ "{{#list}}<{{.}}>{{/list}}", "{\"list\":[\"<b>\"]}",
		  "<&lt;b&gt;>" },
		/* Dotted names */
		{ "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"Here\"",
		  "{\"a\":{\"b\":{\"c\":true}}}", "\"Here\" == \"Here\"" },
		{ "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"\"",
		  "{\"a\":{\"b\":{\"c\":false}}}", "\"\" == \"\"" },
		{ "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"\"", "{\"a\":{}}",
		  "\"\" == \"\"" },
		{ "{{#a.b}}{{c}}{{/a.b}}", "{\"a\":{\"b\":{\"c\":\"in\"}},\"c\":\"out\"}",
		  "in" },
		/* Whitespace sensitivity */
		{ " | {{#boolean}}\t|\t{{/boolean}} | \n", "{\"boolean\":true}",
		  " | \t|\t | \n" },
		{ " | {{#boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n",
		  "{\"boolean\":true}", " |  \n  | \n" },
		{ " {{#boolean}}YES{{/boolean}}\n {{#boolean}}GOOD{{/boolean}}\n",
		  "{\"boolean\":true}", " YES\n GOOD\n" },
		/* Standalone lines */
		{ "| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n",
		  "{\"boolean\":true}", "| This Is\n|\n| A Line\n" },
		{ "| This Is\n  {{#boolean}}\n|\n  {{/boolean}}\n| A Line\n",
		  "{\"boolean\":true}", "| This Is\n|\n| A Line\n" },
		{ "| This Is\n \t{{#boolean}}\t \n|\n\t{{/boolean}}  \n| A Line\n",
		  "{\"boolean\":true}", "| This Is\n|\n| A Line\n" },
		{ "|\r\n{{#boolean}}\r\n{{/boolean}}\r\n|", "{\"boolean\":true}",
		  "|\r\n|" },
		{ "  {{#boolean}}\n#{{/boolean}}\n/", "{\"boolean\":true}",
		  "#\n/" },
		{ "#{{#boolean}}\n/\n  {{/boolean}}", "{\"boolean\":true}",
		  "#\n/\n" },
		{ "{{#boolean}}\n{{/boolean}}", "{\"boolean\":true}", "" },
		{ "{{#boolean}}{{/boolean}}\n", "{\"boolean\":true}", "\n" },
		{ "a\n{{#l}}\n- {{.}}\n{{/l}}\nb\n", "{\"l\":[\"x\",\"y\"]}",
		  "a\n- x\n- y\nb\n" },
		/* A lone CR is not a line end */
		{ "{{#b}}\r{{/b}}", "{\"b\":true}", "\r" },
		/* Padding */
		{ "|{{# boolean }}={{/ boolean }}|", "{\"boolean\":true}", "|=|" },
	};

	check_render(cases, N(cases), 0);
}

static void test_inverted(void **state)
{
	static const struct render_case cases[] = {
		{ "\"{{^boolean}}This should be rendered.{{/boolean}}\"",
		  "{\"boolean\":false}", "\"This should be rendered.\"" },
		{ "\"{{^boolean}}This should be rendered.{{/boolean}}\"",
		  "{\"boolean\":null}", "\"This should be rendered.\"" },
		{ "\"{{^boolean}}This should not be rendered.{{/boolean}}\"",
		  "{\"boolean\":true}", "\"\"" },
		{ "\"{{^string}}This should not be {{string}}.{{/string}}\"",
		  "{\"string\":\"rendered\"}", "\"\"" },
		{ "\"{{^context}}Hi {{name}}.{{/context}}\"",
		  "{\"context\":{\"name\":\"Joe\"}}", "\"\"" },
		{ "\"{{^list}}{{n}}{{/list}}\"",
		  "{\"list\":[{\"n\":1},{\"n\":2},{\"n\":3}]}", "\"\"" },
		{ "\"{{^list}}Yay lists!{{/list}}\"", "{\"list\":[]}",
		  "\"Yay lists!\"" },
		{ "[{{^missing}}Found key 'missing'!{{/missing}}]", "{}",
		  "[Found key 'missing'!]" },
		{ "[{{^s}}empty{{/s}}][{{^z}}zero{{/z}}]", "{\"s\":\"\",\"z\":0}",
		  "[empty][]" },
		/* The value is not pushed: names resolve as outside */
		{ "{{^f}}{{x}}{{/f}}", "{\"f\":false,\"x\":\"X\"}", "X" },
		{ "{{^t}}\n* first\n{{/t}}\n* {{two}}\n{{^t}}\n* third\n{{/t}}\n",
		  "{\"t\":false,\"two\":\"second\"}",
		  "* first\n* second\n* third\n" },
		{ "| A {{^t}}B {{^t}}C{{/t}} D{{/t}} E |", "{\"t\":false}",
		  "| A B C D E |" },
		{ "| A {{^t}}B {{^t}}C{{/t}} D{{/t}} E |", "{\"t\":true}",
		  "| A  E |" },
		{ "{{#l}}{{^.}}-{{/.}}{{.}}{{/l}}", "{\"l\":[true,false,1]}",
		  "true-false1" },
		/* Dotted names */
		{ "\"{{^a.b.c}}Not Here{{/a.b.c}}\" == \"\"",
		  "{\"a\":{\"b\":{\"c\":true}}}", "\"\" == \"\"" },
		{ "\"{{^a.b.c}}Not Here{{/a.b.c}}\" == \"Not Here\"",
		  "{\"a\":{\"b\":{\"c\":false}}}",
		  "\"Not Here\" == \"Not Here\"" },
		{ "\"{{^a.b.c}}Not Here{{/a.b.c}}\" == \"Not Here\"",
		  "{\"a\":{}}", "\"Not Here\" == \"Not Here\"" },
		/* Whitespace */
		{ " | {{^boolean}}\t|\t{{/boolean}} | \n", "{\"boolean\":false}",
		  " | \t|\t | \n" },
		{ " | {{^boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n",
		  "{\"boolean\":false}", " |  \n  | \n" },
		{ " {{^boolean}}NO{{/boolean}}\n {{^boolean}}WAY{{/boolean}}\n",
		  "{\"boolean\":false}", " NO\n WAY\n" },
		{ "| This Is\n{{^boolean}}\n|\n{{/boolean}}\n| A Line\n",
		  "{\"boolean\":false}", "| This Is\n|\n| A Line\n" },
		{ "| This Is\n  {{^boolean}}\n|\n  {{/boolean}}\n| A Line\n",
		  "{\"boolean\":false}", "| This Is\n|\n| A Line\n" },
		{ "|\r\n{{^boolean}}\r\n{{/boolean}}\r\n|", "{\"boolean\":false}",
		  "|\r\n|" },
		{ "  {{^boolean}}\n^{{/boolean}}\n/", "{\"boolean\":false}",
		  "^\n/" },
		{ "^{{^boolean}}\n/\n  {{/boolean}}", "{\"boolean\":false}",
		  "^\n/\n" },
		{ "|{{^ boolean }}={{/ boolean }}|", "{\"boolean\":false}",
		  "|=|" },
	};

	check_render(cases, N(cases), 0);
}

static void test_comments(void **state)
{
	static const struct render_case cases[] = {
		{ "12345{{! Comment Block! }}67890", "{}", "1234567890" },
		{ "12345{{!\n  This is a\n  multi-line comment...\n}}67890\n",
		  "{}", "1234567890\n" },
		{ "Begin.\n{{! Comment Block! }}\nEnd.\n", "{}",
		  "Begin.\nEnd.\n" },
		{ "Begin.\n  {{! Indented Comment Block! }}\nEnd.\n", "{}",
		  "Begin.\nEnd.\n" },
		{ "|\r\n{{! Standalone Comment }}\r\n|", "{}", "|\r\n|" },
		{ "  {{! I'm Still Standalone }}\n!", "{}", "!" },
		{ "!\n  {{! I'm Still Standalone }}", "{}", "!\n" },
		{ "Begin.\n{{!\nSomething's going on here...\n}}\nEnd.\n", "{}",
		  "Begin.\nEnd.\n" },
		{ "Begin.\n  {{!\n    Something's going on here...\n  }}\nEnd.\n",
		  "{}", "Begin.\nEnd.\n" },
		{ "  12 {{! 34 }}\n", "{}", "  12 \n" },
		{ "12345 {{! Comment Block! }} 67890", "{}", "12345  67890" },
		/* Whatever the comment holds, even tag-like text */
		{ "a{{! {{x {{#y { }}b", "{\"x\":1}", "ab" },
		{ "{{!}}x", "{}", "x" },
		{ "{{! only }}", "{}", "" },
		/* Two tags on one line: neither stands alone */
		{ "{{! a }}{{! b }}\nx", "{}", "\nx" },
	};

	check_render(cases, N(cases), 0);
}

static void test_delimiters(void **state)
{
	static const struct render_case cases[] = {
		{ "{{=<% %>=}}(<%text%>)", "{\"text\":\"Hey!\"}", "(Hey!)" },
		{ "({{=[ ]=}}[text])", "{\"text\":\"It worked!\"}",
		  "(It worked!)" },
		{ "[\n{{#section}}\n  {{data}}\n  |data|\n{{/section}}\n\n"
		  "{{= | | =}}\n|#section|\n  {{data}}\n  |data|\n|/section|\n]\n",
		  "{\"section\":true,\"data\":\"I got interpolated.\"}",
		  "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n"
		  "  I got interpolated.\n]\n" },
		{ "[\n{{^section}}\n  {{data}}\n  |data|\n{{/section}}\n\n"
		  "{{= | | =}}\n|^section|\n  {{data}}\n  |data|\n|/section|\n]\n",
		  "{\"section\":false,\"data\":\"I got interpolated.\"}",
		  "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n"
		  "  I got interpolated.\n]\n" },
		{ "| {{=@ @=}} |", "{}", "|  |" },
		{ " | {{=@ @=}}\n", "{}", " | \n" },
		{ "Begin.\n{{=@ @=}}\nEnd.\n", "{}", "Begin.\nEnd.\n" },
		{ "Begin.\n  {{=@ @=}}\nEnd.\n", "{}", "Begin.\nEnd.\n" },
		{ "|\r\n{{= @ @ =}}\r\n|", "{}", "|\r\n|" },
		{ "  {{=@ @=}}\n=", "{}", "=" },
		{ "=\n  {{=@ @=}}", "{}", "=\n" },
		{ "|{{= @   @ =}}|", "{}", "||" },
		/* Triple and comments with new delimiters, and back */
		{ "{{=<% %>=}}<%{x}%><%& x%><%x%><%! c %>"
		  "<%={{ }}=%>{{x}}", "{\"x\":\"<\"}", "<<&lt;&lt;" },
		{ "{{=<< >>=}}{{x}}<<x>>", "{\"x\":\"y\"}", "{{x}}y" },
	};

	check_render(cases, N(cases), 0);
}

static void test_errors(void **state)
{
	static const struct error_case cases[] = {
		{ "Hello {{name", "line 1: unclosed tag" },
		{ "a\nb\n{{", "line 3: unclosed tag" },
		{ "{{! never closed\n", "line 1: unclosed tag" },
		{ "a\n{{#a}}\nb\n", "line 2: section \"a\" is not closed" },
		{ "{{#a}}{{#b}}{{/b}}", "line 1: section \"a\" is not closed" },
		{ "{{#a}}\n{{/b}}", "line 2: \"/b\" closes section \"a\" "
		  "opened on line 1" },
		{ "{{#a}}{{#b}}{{/a}}{{/b}}", "line 1: \"/a\" closes section "
		  "\"b\" opened on line 1" },
		{ "x\n\n{{/a}}", "line 3: \"/a\" closes no open section" },
		{ "{{}}", "line 1: empty tag name" },
		{ "\n{{  }}", "line 2: empty tag name" },
		{ "{{#}}{{/}}", "line 1: empty tag name" },
		{ "{{{}}}", "line 1: empty tag name" },
		{ "{{& }}", "line 1: empty tag name" },
		{ "a {{{name}} b", "line 1: triple mustache not closed by \"}}}\"" },
		{ "{{{name", "line 1: unclosed tag" },
		{ "{{> header}}", "line 1: partials are not supported" },
		{ "{{first name}}", "line 1: bad name \"first name\"" },
		{ "{{a..b}}", "line 1: bad name \"a..b\"" },
		{ "{{a.}}", "line 1: bad name \"a.\"" },
		{ "{{..}}", "line 1: bad name \"..\"" },
		{ "{{.a.}}", "line 1: bad name \".a.\"" },
		{ "{{#a b}}{{/a b}}", "line 1: bad name \"a b\"" },
		{ "{{=<%=}}", "line 1: bad delimiters \"<%\"" },
		{ "{{=<% %> x=}}", "line 1: bad delimiters \"<% %> x\"" },
		{ "{{==}}", "line 1: bad delimiters \"\"" },
		{ "{{=<% %>}}", "line 1: delimiter change not closed by "
		  "\"=}}\"" },
		{ "{{=<%%%%%%%% %>=}}", "line 1: bad delimiters "
		  "\"<%%%%%%%% %>\"" },
		{ "{{=<% %>=}}\n<%x}}", "line 2: unclosed tag" },
		{ "{{=<% %>=}}\n<%{x%>", "line 2: triple mustache not closed "
		  "by \"}%>\"" },
	};

	check_errors(cases, N(cases));
}

static void test_nesting_limit(void **state)
{
	struct strbuf tpl_text, out;
	struct mustache *tpl = NULL;
	char *error = NULL;
	json_t *data = json_or_fail("{\"a\":[1]}");
	int i;

	/* 100 nested sections parse and render; 101 do not parse. */
	strbuf_init(&tpl_text, 1 << 16);
	for (i = 0; i < MUSTACHE_MAX_DEPTH; i++)
		assert_int_equal(strbuf_appendstr(&tpl_text, "{{#a}}"), 0);
	assert_int_equal(strbuf_appendstr(&tpl_text, "{{.}}"), 0);
	for (i = 0; i < MUSTACHE_MAX_DEPTH; i++)
		assert_int_equal(strbuf_appendstr(&tpl_text, "{{/a}}"), 0);
	assert_int_equal(mustache_parse(tpl_text.data, tpl_text.len, &tpl,
					&error), 0);
	strbuf_init(&out, 100);
	assert_int_equal(mustache_render(tpl, data, 0, &out, &error), 0);
	assert_string_equal(strbuf_str(&out), "1");
	mustache_free(&tpl);

	strbuf_reset(&tpl_text);
	for (i = 0; i < MUSTACHE_MAX_DEPTH; i++)
		assert_int_equal(strbuf_appendstr(&tpl_text, "{{^a}}\n"), 0);
	assert_int_equal(strbuf_appendstr(&tpl_text, "{{^a}}"), 0);
	assert_int_equal(mustache_parse(tpl_text.data, tpl_text.len, &tpl,
					&error), -1);
	assert_null(tpl);
	assert_string_equal(error, "line 101: sections nested deeper than 100");
	free(error);

	strbuf_deinit(&out);
	strbuf_deinit(&tpl_text);
	json_decref(data);
}

static void test_output_cap(void **state)
{
	static const char text[] = "0123456789\n{{#l}}{{x}}{{/l}}";
	struct mustache *tpl = NULL;
	struct strbuf out;
	char *error = NULL;
	json_t *data = json_or_fail("{\"x\":\"<>\",\"l\":[1,2,3]}");

	assert_int_equal(mustache_parse(text, strlen(text), &tpl, &error), 0);

	/* 11 + 3 * 8 bytes fit exactly in 35 */
	strbuf_init(&out, 35);
	assert_int_equal(mustache_render(tpl, data, 0, &out, &error), 0);
	assert_string_equal(strbuf_str(&out),
			    "0123456789\n&lt;&gt;&lt;&gt;&lt;&gt;");
	strbuf_deinit(&out);

	/* One byte less fails, in the section's body on line 2, and leaves
	 * out as it was before the call. */
	strbuf_init(&out, 34 + 3);
	assert_int_equal(strbuf_appendstr(&out, "pre"), 0);
	assert_int_equal(mustache_render(tpl, data, 0, &out, &error), -1);
	assert_string_equal(error, "line 2: output larger than 37 bytes");
	assert_string_equal(strbuf_str(&out), "pre");
	free(error);
	error = NULL;

	strbuf_deinit(&out);

	/* The text before fails on line 1; unescaped fits again */
	strbuf_init(&out, 5);
	assert_int_equal(mustache_render(tpl, data, 0, &out, &error), -1);
	assert_string_equal(error, "line 1: output larger than 5 bytes");
	free(error);
	strbuf_deinit(&out);
	strbuf_init(&out, 17);
	assert_int_equal(mustache_render(tpl, data, MUSTACHE_NO_ESCAPE, &out,
					 &error), 0);
	assert_string_equal(strbuf_str(&out), "0123456789\n<><><>");
	strbuf_deinit(&out);

	mustache_free(&tpl);
	mustache_free(&tpl);    /* NULL is fine */
	mustache_free(NULL);
	json_decref(data);
}

struct name_seen {
	char text[512];
};

static void name_cb(void *ctx, const char *name, bool in_section,
		    unsigned line)
{
	struct name_seen *seen = ctx;
	size_t used = strlen(seen->text);

	snprintf(seen->text + used, sizeof(seen->text) - used, "%s%s:%u ",
		 in_section ? "+" : "", name, line);
}

static void test_names(void **state)
{
	static const char text[] =
		"Dear {{customer.name}},\n"
		"{{! not a name }}\n"
		"{{#items}}\n"
		"- {{title}} {{{.}}}{{^done}}{{due}}{{/done}}\n"
		"{{/items}}\n"
		"{{^items}}{{& none }}{{/items}}{{case}}";
	struct mustache *tpl = NULL;
	char *error = NULL;
	struct name_seen seen = { "" };

	assert_int_equal(mustache_parse(text, strlen(text), &tpl, &error), 0);
	mustache_names(tpl, name_cb, &seen);
	assert_string_equal(seen.text,
			    "customer.name:1 items:3 +title:4 +.:4 +done:4 "
			    "+due:4 items:6 +none:6 case:6 ");
	mustache_free(&tpl);
}

/* Literal text may hold NULs; parsing takes (data, len).  A NUL in a
 * name is an error, not a shorter name. */
static void test_binary_text(void **state)
{
	static const char text[] = "a\0b{{x}}\0";
	struct mustache *tpl = NULL;
	struct strbuf out;
	char *error = NULL;
	json_t *data = json_or_fail("{\"x\":\"X\"}");

	assert_int_equal(mustache_parse(text, sizeof(text) - 1, &tpl, &error),
			 0);
	strbuf_init(&out, 100);
	assert_int_equal(mustache_render(tpl, data, 0, &out, &error), 0);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.data, "a\0bX\0", 5);
	/* NULL data acts as {} */
	strbuf_reset(&out);
	assert_int_equal(mustache_render(tpl, NULL, 0, &out, &error), 0);
	assert_int_equal(out.len, 4);
	strbuf_deinit(&out);
	mustache_free(&tpl);
	json_decref(data);

	assert_int_equal(mustache_parse("{{a\0b}}", 8, &tpl, &error), -1);
	assert_string_equal(error, "line 1: bad name \"a\"");
	free(error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interpolation),
		cmocka_unit_test(test_no_escape),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_inverted),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_binary_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
