/* test_fingerprint.c - case number extraction, subject base, tag format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fingerprint.h"
#include "strbuf.h"

struct extract_case {
	const char *subject;
	uint64_t number; /* 0: no case number expected */
};

static struct fp_matcher *matcher_or_fail(const char *prefix, bool builtin,
					  const char *const *patterns,
					  size_t count)
{
	struct fp_matcher *m = NULL;
	char *error = NULL;

	if (fp_matcher_new(prefix, builtin, patterns, count, &m, &error) < 0) {
		print_error("fp_matcher_new: %s\n", error);
		free(error);
		fail();
	}
	assert_non_null(m);
	assert_null(error);
	return m;
}

static void check_cases(const struct fp_matcher *m,
			const struct extract_case *cases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		uint64_t n = 777;
		int r = fp_extract(m, cases[i].subject, &n);

		if (r != (cases[i].number != 0) ||
		    (r == 1 && n != cases[i].number)) {
			print_error("subject \"%s\": got %d/%llu, want %llu\n",
				    cases[i].subject, r, (unsigned long long)n,
				    (unsigned long long)cases[i].number);
			fail();
		}
		if (r == 0)
			assert_int_equal(n, 777); /* untouched */
	}
}

#define CHECK_CASES(m, cases) check_cases(m, cases, sizeof(cases) / sizeof(cases[0]))

static void test_tag_any_case_and_spacing(void **state)
{
	static const struct extract_case cases[] = {
		{ "[Case #00012345] Printer broken", 12345 },
		{ "Printer broken [Case #00012345]", 12345 },
		{ "[ case # 12345 ]", 12345 },
		{ "[CASE#00012345]", 12345 },
		{ "[cAsE   #   7 ]", 7 },
		{ "[Case 42]", 42 },            /* '#' left out */
		{ "[Case #1] one digit is enough in a tag", 1 },
		{ "[Case\t#\t99]", 99 },
		{ "[Case #]", 0 },
		{ "[Case #12a]", 0 },
		{ "Case #", 0 },
	};
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);

	CHECK_CASES(m, cases);
	fp_matcher_free(&m);
	assert_null(m);
}

static void test_configured_prefix(void **state)
{
	static const struct extract_case cases[] = {
		{ "Re: [Ticket #00000815] VPN down", 815 },
		{ "[ TICKET#815 ]", 815 },
		{ "Ticket 00000815", 815 },      /* loose, prefix form */
		{ "Case 00012345", 12345 },      /* loose "Case" stays */
		{ "[Case #5]", 0 },              /* not our tag any more, too short */
		{ "Ticket 815", 0 },             /* loose needs 4 digits */
	};
	struct fp_matcher *m = matcher_or_fail("Ticket", true, NULL, 0);

	CHECK_CASES(m, cases);
	fp_matcher_free(&m);
}

static void test_prefix_is_regex_quoted(void **state)
{
	static const struct {
		const char *prefix;
		const char *subject;
		uint64_t number;
	} cases[] = {
		{ "S.R.", "[S.R. #12]", 12 },
		{ "S.R.", "[SXRX #12]", 0 },        /* '.' is not a wildcard */
		{ "a+b", "[a+b #3]", 3 },
		{ "a+b", "[aab #3]", 0 },
		{ "x\\E(y", "[x\\E(y #4]", 4 },   /* would break \Q...\E */
		{ "(?i)", "[(?i) #5]", 5 },
		{ "Support case", "[Support   case #9]", 9 },
		{ "Support case", "[Supportcase #9]", 0 },
		{ "Dossier client", "[dossier CLIENT #123]", 123 },
		{ "Dossier client", "Dossier client 00001234", 1234 },
		{ "N\xc2\xba", "[n\xc2\xba 7]", 7 },    /* UTF-8 prefix */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fp_matcher *m = matcher_or_fail(cases[i].prefix, true,
						       NULL, 0);
		uint64_t n = 0;
		int r = fp_extract(m, cases[i].subject, &n);

		if (r != (cases[i].number != 0) ||
		    (r == 1 && n != cases[i].number)) {
			print_error("prefix \"%s\", subject \"%s\": got %d/%llu\n",
				    cases[i].prefix, cases[i].subject, r,
				    (unsigned long long)n);
			fail();
		}
		fp_matcher_free(&m);
	}
}

static void test_loose_forms(void **state)
{
	static const struct extract_case cases[] = {
		{ "Case 00012345", 12345 },
		{ "case #00012345", 12345 },
		{ "About CASE 4321 again", 4321 },
		{ "Dossier 00012345", 12345 },
		{ "Dossier n° 00012345", 12345 },
		{ "Dossier N°00012345", 12345 },
		{ "dossier no 00012345", 12345 },
		{ "Dossier nº 12345", 12345 },
		{ "DOSSIER NO. 12345", 12345 },
		{ "Relance dossier numéro 55555", 55555 },
		{ "Dossier\xc2\xa0n\xc2\xb0\xc2\xa0" "00012345", 12345 }, /* NBSP */
		/* too few digits for a loose form */
		{ "case 1 of 3", 0 },
		{ "Case 123", 0 },
		{ "Dossier 999", 0 },
		/* not words of their own */
		{ "Showcase 12345", 0 },
		{ "Suitcase #12345", 0 },
		{ "Case 5003000000D8cuI", 0 },   /* a Salesforce id */
		{ "Dossier 12345abc", 0 },
		{ "Cases 12345", 0 },
		{ "Casework 12345", 0 },
		{ "Mondossier 12345", 0 },
		/* punctuation after the number is fine */
		{ "Case 12345, urgent", 12345 },
		{ "(Case 12345)", 12345 },
		{ "Dossier 12345/2024", 12345 },
	};
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);

	CHECK_CASES(m, cases);
	fp_matcher_free(&m);
}

static void test_number_word_bounded_and_in_range(void **state)
{
	static const struct extract_case cases[] = {
		/* 13 digits > FP_MAX_NUMBER: ignored, not cut to 12 */
		{ "Case 1234567890123", 0 },
		{ "[Case #1234567890123]", 0 },
		{ "Case 999999999999", 999999999999ull },
		{ "[Case #999999999999]", 999999999999ull },
		{ "[Case #1000000000000]", 0 },
		{ "[Case #99999999999999999999999999]", 0 }, /* > uint64 */
		/* zero is not a case number */
		{ "[Case #0]", 0 },
		{ "[Case #00000000]", 0 },
		{ "Case 0000", 0 },
		/* a bad match is skipped, the next one wins */
		{ "[Case #0] about [Case #77]", 77 },
		{ "[Case #1234567890123] [Case #88]", 88 },
		{ "Case 0000 then Case 4444", 4444 },
		{ "Case 1234567890123 then Dossier 5555", 5555 },
		/* leading zeros of any length */
		{ "[Case #0000000000000000000042]", 42 },
	};
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);

	CHECK_CASES(m, cases);
	fp_matcher_free(&m);
}

static void test_order_tag_configured_loose(void **state)
{
	static const char *const patterns[] = { "\\bREF-([0-9]+)\\b" };
	static const struct extract_case cases[] = {
		/* the tag wins over a configured pattern seen earlier */
		{ "REF-111 about [Case #222]", 222 },
		/* the configured pattern wins over a loose form seen earlier */
		{ "Case 3333 about REF-444", 444 },
		{ "Dossier 3333 about REF-444", 444 },
		/* the loose form alone */
		{ "Case 3333", 3333 },
		/* configured numbers out of range fall through */
		{ "REF-0 Case 5555", 5555 },
		{ "REF-9999999999999 Case 5555", 5555 },
	};
	struct fp_matcher *m = matcher_or_fail("Case", true, patterns, 1);

	CHECK_CASES(m, cases);
	fp_matcher_free(&m);
}

static void test_builtins_disabled(void **state)
{
	static const char *const patterns[] = { "#([0-9]+)" };
	static const struct extract_case cases[] = {
		{ "[Case #222]", 222 },          /* via "#(\d+)" only */
		{ "Case 3333", 0 },
		{ "Dossier n° 12345", 0 },
		{ "[Case 42]", 0 },
	};
	struct fp_matcher *m = matcher_or_fail("Case", false, patterns, 1);
	struct fp_matcher *none = matcher_or_fail("Case", false, NULL, 0);
	struct strbuf buf;
	uint64_t n;

	CHECK_CASES(m, cases);
	assert_int_equal(fp_extract(none, "[Case #1] Case 12345", &n), 0);
	/* the gateway's tag is still cut from the base subject */
	strbuf_init(&buf, 1024);
	assert_string_equal(fp_subject_base(none, "Re: [Case #1] Help", &buf),
			    "Help");
	strbuf_deinit(&buf);
	fp_matcher_free(&m);
	fp_matcher_free(&none);
}

static void test_configured_pattern_odd_groups(void **state)
{
	/* an unset group or a non-number is skipped, not an error */
	static const char *const patterns[] = { "(?:x([0-9]+)|y)", "z(\\w+)" };
	static const struct extract_case cases[] = {
		{ "y x12", 12 },
		{ "y", 0 },
		{ "zabc z0 z77", 77 },
		{ "z\xd9\xa1\xd9\xa2", 0 },      /* Arabic-Indic digits */
	};
	struct fp_matcher *m = matcher_or_fail("Case", false, patterns, 2);

	CHECK_CASES(m, cases);
	fp_matcher_free(&m);
}

static void test_empty_matches_terminate(void **state)
{
	static const char *const patterns[] = { "([0-9]*)" };
	struct fp_matcher *m = matcher_or_fail("Case", false, patterns, 1);
	uint64_t n;

	assert_int_equal(fp_extract(m, "ab\xc3\xa9\xff c 0 42", &n), 1);
	assert_int_equal(n, 42);
	assert_int_equal(fp_extract(m, "", &n), 0);
	assert_int_equal(fp_extract(m, "\xc3\xa9\xe2\x82", &n), 0);
	fp_matcher_free(&m);
}

static void test_reply_prefixes_never_hide(void **state)
{
	static const char *const prefixes[] = {
		"Re:", "RE :", "Fwd:", "FW:", "TR:", "Réf. :", "AW:",
		"WG:", "SV:", "VS:", "RV:", "Antw:", "[EXT]", "Re[2]:",
		"RE: TR: AW: Fwd:", "Re: Re: Re: Re: Re: Re:",
	};
	static const char *const bodies[] = {
		"[Case #00012345] Printer", "Printer [ CASE#12345 ]",
		"Dossier n\xc2\xb0 00012345", "Case 00012345",
	};
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);
	char subject[256];

	for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
		for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
			uint64_t n = 0;

			snprintf(subject, sizeof(subject), "%s %s", prefixes[p],
				 bodies[b]);
			assert_int_equal(fp_extract(m, subject, &n), 1);
			assert_int_equal(n, 12345);
			/* and without a space after the prefix */
			snprintf(subject, sizeof(subject), "%s%s", prefixes[p],
				 bodies[b]);
			n = 0;
			assert_int_equal(fp_extract(m, subject, &n), 1);
			assert_int_equal(n, 12345);
		}
	}
	fp_matcher_free(&m);
}

static void test_invalid_utf8_never_errors(void **state)
{
	static const struct extract_case cases[] = {
		{ "\xff\xfe [Case #123] \xc3", 123 },
		{ "\xc3(Case 12345\x80", 12345 },
		/* a raw Latin-1 degree sign is a barrier, not an error */
		{ "Dossier n\xb0 12345", 0 },
		{ "Dossier n\xb0 12345 [Case #6]", 6 },
		{ "\xed\xa0\x80 [Case #\xc0\xaf" "12]", 0 },
		{ "\xf8\x88\x80\x80\x80", 0 },
		{ "Case \xe2\x80\x8b" "12345", 0 }, /* zero-width space: not \s */
	};
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);
	struct strbuf buf;

	CHECK_CASES(m, cases);
	strbuf_init(&buf, 1024);
	assert_string_equal(fp_subject_base(m, "Re: \xff [Case #1] \xfe", &buf),
			    "\xff \xfe");
	/* Regression: PCRE2 10.42's interpreter let the anchored prefix
	 * match start after an invalid byte, dropping it. */
	assert_string_equal(fp_subject_base(m, "\xffRe: x", &buf), "\xffRe: x");
	assert_string_equal(fp_subject_base(m, "Re: \xff [Case #1] \xfe", &buf),
			    "\xff \xfe");
	strbuf_deinit(&buf);
	fp_matcher_free(&m);
}

static void test_hostile_subjects_finish(void **state)
{
	/* Backtracking bait for the built-ins and a configured pattern with
	 * nested quantifiers: the limits must stop them, not hang. */
	static const char *const patterns[] = { "^(a+)+b" };
	struct fp_matcher *m = matcher_or_fail("Case", true, patterns, 1);
	size_t len = 200000;
	char *s = malloc(len + 1);
	struct strbuf buf;
	uint64_t n;

	assert_non_null(s);
	memset(s, 'a', len);
	s[len] = '\0';
	assert_int_equal(fp_extract(m, s, &n), 0);
	for (size_t i = 0; i < len; i++)
		s[i] = "[Case #    "[i % 11];
	assert_int_equal(fp_extract(m, s, &n), 0);
	for (size_t i = 0; i < len; i++)
		s[i] = "Dossier n\xc2\xb0 "[i % 12];
	assert_int_equal(fp_extract(m, s, &n), 0);
	for (size_t i = 0; i < len; i++)
		s[i] = "Re: "[i % 4];
	strbuf_init(&buf, 1024);
	assert_string_equal(fp_subject_base(m, s, &buf), "");
	/* A long run of digits next to a prefix: no partial match. */
	memcpy(s, "Case ", 5);
	memset(s + 5, '7', len - 5);
	assert_int_equal(fp_extract(m, s, &n), 0);
	strbuf_deinit(&buf);
	free(s);
	fp_matcher_free(&m);
}

static void test_pattern_check(void **state)
{
	char *error = NULL;

	assert_int_equal(fp_pattern_check("REF-([0-9]+)", &error), 0);
	assert_null(error);
	assert_int_equal(fp_pattern_check("(?<num>[0-9]+)", &error), 0);
	assert_int_equal(fp_pattern_check("(?|a([0-9]+)|b([0-9]+))", &error), 0);

	assert_int_equal(fp_pattern_check("REF-[0-9]+", &error), -1);
	assert_non_null(error);
	assert_non_null(strstr(error, "REF-[0-9]+"));
	assert_non_null(strstr(error, "0 capture groups"));
	free(error);
	error = NULL;

	assert_int_equal(fp_pattern_check("(REF)-([0-9]+)", &error), -1);
	assert_non_null(strstr(error, "(REF)-([0-9]+)"));
	assert_non_null(strstr(error, "2 capture groups"));
	free(error);
	error = NULL;

	assert_int_equal(fp_pattern_check("REF-([0-9]+", &error), -1);
	assert_non_null(strstr(error, "REF-([0-9]+"));
	assert_non_null(strstr(error, "missing closing parenthesis"));
	free(error);
	error = NULL;

	/* \C could split a UTF-8 character: refused */
	assert_int_equal(fp_pattern_check("\\C([0-9]+)", &error), -1);
	assert_non_null(error);
	free(error);
}

static void test_matcher_new_rejects(void **state)
{
	static const char *const good_then_bad[] = { "a([0-9]+)", "b[0-9]+" };
	struct fp_matcher *m = (struct fp_matcher *)&m; /* must be reset */
	char *error = NULL;

	assert_int_equal(fp_matcher_new("Case", true, good_then_bad, 2, &m,
					&error), -1);
	assert_null(m);
	assert_non_null(error);
	assert_non_null(strstr(error, "\"b[0-9]+\""));
	free(error);
	error = NULL;

	assert_int_equal(fp_matcher_new("", true, NULL, 0, &m, &error), -1);
	assert_null(m);
	assert_non_null(strstr(error, "prefix"));
	free(error);
	error = NULL;

	assert_int_equal(fp_matcher_new("Ca\xffse", true, NULL, 0, &m, &error), -1);
	assert_null(m);
	assert_non_null(strstr(error, "case prefix"));
	free(error);

	fp_matcher_free(&m); /* NULL is fine */
	fp_matcher_free(NULL);
}

static void test_subject_base_prefixes(void **state)
{
	static const struct {
		const char *subject;
		const char *base;
	} cases[] = {
		{ "Printer broken", "Printer broken" },
		{ "Re: Printer broken", "Printer broken" },
		{ "RE : Printer broken", "Printer broken" },
		{ "Re\xc2\xa0: Printer broken", "Printer broken" },
		{ "Fwd: FW: TR: AW: WG: SV: VS: RV: Antw: x", "x" },
		{ "Réf. : RÉF: ref: x", "x" },
		{ "RE: TR: AW: Fwd: Printer", "Printer" },
		{ "Re[2]: Re(3): Re^4: x", "x" },
		{ "[EXT] Re: x", "x" },
		{ "[External] [ext] RE:x", "x" },
		{ "Re:Re:Re:x", "x" },
		{ "  re :  fwd :  x  y", "x  y" },
		{ "\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a x", "x" }, /* 回复： */
		/* words that only start like a prefix stay */
		{ "Reply: x", "Reply: x" },
		{ "Trust: x", "Trust: x" },
		{ "Reference: x", "Reference: x" },
		{ "Fwd x", "Fwd x" },
		{ "About Re: x", "About Re: x" },
		{ "[users] Re: x", "[users] Re: x" },
		/* only prefixes */
		{ "Re:", "" },
		{ "", "" },
		{ "   ", "" },
	};
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);
	struct strbuf buf;

	strbuf_init(&buf, 1024);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = fp_subject_base(m, cases[i].subject, &buf);

		if (strcmp(got, cases[i].base) != 0) {
			print_error("subject \"%s\": got \"%s\", want \"%s\"\n",
				    cases[i].subject, got, cases[i].base);
			fail();
		}
	}
	strbuf_deinit(&buf);
	fp_matcher_free(&m);
}

static void test_subject_base_tag_and_buffer_rule(void **state)
{
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);
	struct strbuf buf, small;
	const char *s, *got;

	strbuf_init(&buf, 1024);
	/* prefixes only: a pointer into the subject */
	s = "Re: Fwd: Printer broken";
	got = fp_subject_base(m, s, &buf);
	assert_ptr_equal(got, s + 9);

	/* leading tag, mixed with prefixes: still a pointer into it */
	s = "Re: [Case #00012345] RE: Printer broken";
	got = fp_subject_base(m, s, &buf);
	assert_string_equal(got, "Printer broken");
	assert_true(got > s && got < s + strlen(s));

	/* tag in the middle or at the end: written to buf */
	s = "Re: Printer [ case # 12345 ] broken";
	got = fp_subject_base(m, s, &buf);
	assert_string_equal(got, "Printer broken");
	assert_ptr_equal(got, strbuf_str(&buf));
	assert_string_equal(fp_subject_base(m, "Printer broken [CASE#1]", &buf),
			    "Printer broken");
	assert_string_equal(fp_subject_base(m, "a [Case #1][Case #2] b [Case #3]",
					    &buf), "a b");
	assert_string_equal(fp_subject_base(m, "[Case #1]", &buf), "");
	/* trailing white space trimmed */
	assert_string_equal(fp_subject_base(m, "Re: x \t ", &buf), "x");
	/* a loose form is not our tag: kept */
	assert_string_equal(fp_subject_base(m, "Re: Case 12345", &buf),
			    "Case 12345");
	/* another prefix's tag is kept */
	assert_string_equal(fp_subject_base(m, "x [Ticket #1]", &buf),
			    "x [Ticket #1]");

	/* a buffer too small: prefixes at least are cut */
	strbuf_init(&small, 4);
	s = "Re: Printer [Case #1] broken";
	got = fp_subject_base(m, s, &small);
	assert_ptr_equal(got, s + 4);
	strbuf_deinit(&small);
	strbuf_deinit(&buf);
	fp_matcher_free(&m);
}

static void test_format(void **state)
{
	struct fp_matcher *m = matcher_or_fail("Dossier client", true, NULL, 0);
	struct strbuf buf, small;
	uint64_t n;

	strbuf_init(&buf, 1024);
	assert_int_equal(fp_format_tag("Case", 8, 12345, &buf), 0);
	assert_string_equal(strbuf_str(&buf), "[Case #00012345]");
	strbuf_reset(&buf);
	assert_int_equal(fp_format_tag("Case", 3, 12345, &buf), 0);
	assert_string_equal(strbuf_str(&buf), "[Case #12345]");
	strbuf_reset(&buf);
	assert_int_equal(fp_format_number(8, 42, &buf), 0);
	assert_string_equal(strbuf_str(&buf), "00000042");
	strbuf_reset(&buf);
	assert_int_equal(fp_format_number(0, 42, &buf), 0);
	assert_string_equal(strbuf_str(&buf), "42");
	strbuf_reset(&buf);
	assert_int_equal(fp_format_number(2, FP_MAX_NUMBER, &buf), 0);
	assert_string_equal(strbuf_str(&buf), "999999999999");
	strbuf_reset(&buf);
	/* appends */
	assert_int_equal(strbuf_appendstr(&buf, "Re: "), 0);
	assert_int_equal(fp_format_tag("Dossier client", 6, 77, &buf), 0);
	assert_string_equal(strbuf_str(&buf), "Re: [Dossier client #000077]");
	/* round trip through the matcher */
	assert_int_equal(fp_extract(m, strbuf_str(&buf), &n), 1);
	assert_int_equal(n, 77);
	/* a full buffer is left as it was */
	strbuf_init(&small, 8);
	assert_int_equal(strbuf_appendstr(&small, "ab"), 0);
	assert_int_equal(fp_format_tag("Case", 8, 1, &small), -1);
	assert_string_equal(strbuf_str(&small), "ab");
	assert_int_equal(fp_format_number(8, 1, &small), -1);
	assert_int_equal(fp_format_number(6, 1, &small), 0);
	assert_string_equal(strbuf_str(&small), "ab000001");
	strbuf_deinit(&small);
	strbuf_deinit(&buf);
	fp_matcher_free(&m);
}

static void test_matcher_reuse_many_subjects(void **state)
{
	/* The scratch match data is shared: results must not leak from one
	 * call into the next. */
	struct fp_matcher *m = matcher_or_fail("Case", true, NULL, 0);
	char subject[64];

	for (uint64_t i = 1; i < 3000; i++) {
		uint64_t n = 0;

		snprintf(subject, sizeof(subject), "Re: [Case #%08llu] x",
			 (unsigned long long)i);
		assert_int_equal(fp_extract(m, subject, &n), 1);
		assert_int_equal(n, i);
		assert_int_equal(fp_extract(m, "nothing here", &n), 0);
		assert_int_equal(n, i);
	}
	fp_matcher_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_any_case_and_spacing),
		cmocka_unit_test(test_configured_prefix),
		cmocka_unit_test(test_prefix_is_regex_quoted),
		cmocka_unit_test(test_loose_forms),
		cmocka_unit_test(test_number_word_bounded_and_in_range),
		cmocka_unit_test(test_order_tag_configured_loose),
		cmocka_unit_test(test_builtins_disabled),
		cmocka_unit_test(test_configured_pattern_odd_groups),
		cmocka_unit_test(test_empty_matches_terminate),
		cmocka_unit_test(test_reply_prefixes_never_hide),
		cmocka_unit_test(test_invalid_utf8_never_errors),
		cmocka_unit_test(test_hostile_subjects_finish),
		cmocka_unit_test(test_pattern_check),
		cmocka_unit_test(test_matcher_new_rejects),
		cmocka_unit_test(test_subject_base_prefixes),
		cmocka_unit_test(test_subject_base_tag_and_buffer_rule),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_matcher_reuse_many_subjects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
