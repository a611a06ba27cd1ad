/* test_charset.c - charset_to_utf8, charset_decode_header, utf8_valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "charset.h"
#include "pool.h"

#include "pool_fixture.h"

static const char *hdr(void **state, const char *value, const char **note_r)
{
	const char *note = NULL;
	const char *res = charset_decode_header(*state, value, strlen(value), &note);

	if (note_r != NULL)
		*note_r = note;
	return res;
}

static const char *conv(void **state, const char *charset, const char *data,
			size_t len, const char **note_r)
{
	const char *note = NULL;
	const char *res = charset_to_utf8(*state, charset, data, len, &note);

	if (note_r != NULL)
		*note_r = note;
	return res;
}

/* ---- utf8_valid ------------------------------------------------------- */

static void test_utf8_valid(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain ascii text", 16));
	assert_true(utf8_valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 14));
	assert_false(utf8_valid("caf\xE9", 4));                 /* Latin-1 */
	assert_false(utf8_valid("\xC0\xAF", 2));                /* overlong */
	assert_false(utf8_valid("\xE0\x80\xAF", 3));            /* overlong */
	assert_false(utf8_valid("\xED\xA0\x80", 3));            /* surrogate */
	assert_false(utf8_valid("\xF4\x90\x80\x80", 4));        /* > U+10FFFF */
	assert_false(utf8_valid("ok \xE2\x82", 5));             /* truncated */
	assert_false(utf8_valid("\x80", 1));                    /* lone continuation */
}

/* ---- charset_to_utf8 -------------------------------------------------- */

static void test_utf8_passes_through_without_note(void **state)
{
	const char *note;

	assert_string_equal(conv(state, "UTF-8", "caf\xC3\xA9", 5, &note), "caf\xC3\xA9");
	assert_null(note);
	assert_string_equal(conv(state, "utf8", "abc", 3, &note), "abc");
	assert_null(note);
}

static void test_latin1_and_windows_1252(void **state)
{
	const char *note;

	assert_string_equal(conv(state, "ISO-8859-1", "caf\xE9", 4, &note), "caf\xC3\xA9");
	assert_null(note);
	/* 0x80 is the euro sign in windows-1252, what "Latin-1" mail means. */
	assert_string_equal(conv(state, "iso-8859-1", "\x80 5", 3, &note), "\xE2\x82\xAC 5");
	assert_string_equal(conv(state, "\"Windows-1252\"", "\x93q\x94", 3, &note),
			    "\xE2\x80\x9Cq\xE2\x80\x9D");
}

static void test_missing_charset_utf8_else_cp1252(void **state)
{
	const char *note;

	assert_string_equal(conv(state, NULL, "\xC3\xA9t\xC3\xA9", 5, &note), "\xC3\xA9t\xC3\xA9");
	assert_null(note);
	assert_string_equal(conv(state, "", "\xE9t\xE9", 3, &note), "\xC3\xA9t\xC3\xA9");
	assert_non_null(note);
}

static void test_unknown_charset_falls_back_with_note(void **state)
{
	const char *note;

	assert_string_equal(conv(state, "x-no-such-charset", "caf\xE9", 4, &note),
			    "caf\xC3\xA9");
	assert_non_null(note);
	assert_non_null(strstr(note, "x-no-such-charset"));
	assert_non_null(strstr(note, "windows-1252"));
	/* A label no charset can have is not passed to iconv at all. */
	assert_string_equal(conv(state, "utf-8/../../x", "abc", 3, &note), "abc");
	assert_non_null(note);
}

static void test_lying_utf8_label_is_windows_1252(void **state)
{
	const char *note;

	assert_string_equal(conv(state, "utf-8", "Gr\xFC\xDF" "e aus M\xFCnchen", 17, &note),
			    "Gr\xC3\xBC\xC3\x9F" "e aus M\xC3\xBCnchen");
	assert_non_null(note);
	assert_non_null(strstr(note, "utf-8"));
}

static void test_lying_multibyte_label_is_windows_1252(void **state)
{
	const char *note;

	/* 8-bit Latin-1 bytes can never be ISO-2022-JP. */
	assert_string_equal(conv(state, "iso-2022-jp", "na\xEFve caf\xE9", 10, &note),
			    "na\xC3\xAFve caf\xC3\xA9");
	assert_non_null(note);
}

static void test_latin1_label_on_utf8_text(void **state)
{
	const char *note;

	assert_string_equal(conv(state, "iso-8859-1", "caf\xC3\xA9", 5, &note), "caf\xC3\xA9");
	assert_non_null(note);
}

static void test_ascii_label_on_utf8_text(void **state)
{
	const char *note;

	assert_string_equal(conv(state, "us-ascii", "\xC3\xA9t\xC3\xA9", 5, &note),
			    "\xC3\xA9t\xC3\xA9");
	assert_non_null(note);
}

static void test_few_bad_bytes_become_replacement_char(void **state)
{
	const char *note;
	/* Long valid UTF-8 text cut inside its last character. */
	const char *in = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xBC\xD0\xB8\xD1\x80\xD0";

	assert_string_equal(conv(state, "utf-8", in, strlen(in), &note),
			    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xBC\xD0\xB8\xD1\x80\xEF\xBF\xBD");
	assert_non_null(note);
}

static void test_iconv_charsets(void **state)
{
	/* "Привет" in KOI8-R and windows-1251. */
	assert_string_equal(conv(state, "koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", 6, NULL),
			    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
	assert_string_equal(conv(state, "windows-1251", "\xCF\xF0\xE8\xE2\xE5\xF2", 6, NULL),
			    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
	/* "日本" in ISO-2022-JP, Shift_JIS, EUC-JP; "中文" in GB2312. */
	assert_string_equal(conv(state, "ISO-2022-JP", "\x1B$BF|K\\\x1B(B", 10, NULL),
			    "\xE6\x97\xA5\xE6\x9C\xAC");
	assert_string_equal(conv(state, "Shift_JIS", "\x93\xFA\x96\x7B", 4, NULL),
			    "\xE6\x97\xA5\xE6\x9C\xAC");
	assert_string_equal(conv(state, "euc-jp", "\xC6\xFC\xCB\xDC", 4, NULL),
			    "\xE6\x97\xA5\xE6\x9C\xAC");
	assert_string_equal(conv(state, "gb2312", "\xD6\xD0\xCE\xC4", 4, NULL),
			    "\xE4\xB8\xAD\xE6\x96\x87");
	assert_string_equal(conv(state, "iso-8859-2", "\xB3\xF3" "d\xBF", 4, NULL),
			    "\xC5\x82\xC3\xB3" "d" "\xC5\xBC");
	/* UTF-16 with a byte order mark, and little-endian without one. */
	assert_string_equal(conv(state, "utf-16", "\xFE\xFF\x00h\x00i", 6, NULL), "hi");
	assert_string_equal(conv(state, "UTF-16LE", "h\x00\xE9\x00", 4, NULL), "h\xC3\xA9");
}

static void test_nul_bytes_never_truncate(void **state)
{
	const char *res = conv(state, "utf-8", "a\0b", 3, NULL);

	assert_string_equal(res, "a\xEF\xBF\xBD" "b");
}

static void test_empty_text(void **state)
{
	assert_string_equal(conv(state, "utf-8", "", 0, NULL), "");
	assert_string_equal(conv(state, "koi8-r", "", 0, NULL), "");
}

/* ---- charset_decode_header -------------------------------------------- */

static void test_header_plain_trimmed_and_unfolded(void **state)
{
	const char *note;

	assert_string_equal(hdr(state, "  Hello world  ", &note), "Hello world");
	assert_null(note);
	assert_string_equal(hdr(state, " Hello\r\n world", NULL), "Hello world");
	assert_string_equal(hdr(state, " Hello\n\tworld", NULL), "Hello world");
	assert_string_equal(hdr(state, "a \r\n  b", NULL), "a b");
	assert_string_equal(hdr(state, "", NULL), "");
}

static void test_header_latin1_q_word(void **state)
{
	assert_string_equal(hdr(state, "=?ISO-8859-1?Q?Caf=E9_cr=E8me?=", NULL),
			    "Caf\xC3\xA9 cr\xC3\xA8me");
}

static void test_header_utf8_b_word(void **state)
{
	assert_string_equal(hdr(state, "Re: =?UTF-8?B?w6l0w6k=?= ok", NULL),
			    "Re: \xC3\xA9t\xC3\xA9 ok");
	assert_string_equal(hdr(state, "=?utf-8?q?=E2=82=AC?=", NULL), "\xE2\x82\xAC");
}

static void test_header_adjacent_words_join(void **state)
{
	/* RFC 2047 6.2: the folding white space between words goes. */
	assert_string_equal(hdr(state, "=?utf-8?q?Hello_?=\r\n =?utf-8?q?w=C3=B6rld?=", NULL),
			    "Hello w\xC3\xB6rld");
}

static void test_header_split_multibyte_character(void **state)
{
	/* "é" split between two encoded words, as some mailers do. */
	assert_string_equal(hdr(state, "=?UTF-8?B?Y2Fmw6k=?= =?UTF-8?Q?_=C3?=\r\n =?UTF-8?Q?=A9t=C3=A9?=",
				NULL),
			    "caf\xC3\xA9 \xC3\xA9t\xC3\xA9");
	assert_string_equal(hdr(state, "=?utf-8?B?w6nD?= =?utf-8?B?qQ==?=", NULL),
			    "\xC3\xA9\xC3\xA9");
}

static void test_header_word_folded_inside(void **state)
{
	/* A broken mailer folded in the middle of an encoded word. */
	assert_string_equal(hdr(state, "=?utf-8?Q?caf\r\n =C3=A9_au_lait?=", NULL),
			    "caf\xC3\xA9 au lait");
	assert_string_equal(hdr(state, "=?utf-8?B?w6nD\r\n qQ==?=", NULL), "\xC3\xA9\xC3\xA9");
}

static void test_header_missing_separators(void **state)
{
	assert_string_equal(hdr(state, "Re:=?utf-8?q?=C3=A9t=C3=A9?=2013", NULL),
			    "Re:\xC3\xA9t\xC3\xA9" "2013");
	assert_string_equal(hdr(state, "=?utf-8?q?a?==?utf-8?q?b?=", NULL), "ab");
}

static void test_header_mixed_charsets(void **state)
{
	/* Latin-1, KOI8-R and UTF-8 words in one header. */
	assert_string_equal(hdr(state, "=?iso-8859-1?q?caf=E9?= =?koi8-r?b?8NLJ18XU?= =?utf-8?q?=E2=82=AC?=",
				NULL),
			    "caf\xC3\xA9\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82\xE2\x82\xAC");
	assert_string_equal(hdr(state, "=?iso-8859-1?q?caf=E9?= and =?koi8-r?b?8NLJ18XU?=", NULL),
			    "caf\xC3\xA9 and \xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
}

static void test_header_raw_8bit(void **state)
{
	const char *note;

	assert_string_equal(hdr(state, "Gr\xC3\xBC\xC3\x9F" "e", &note), "Gr\xC3\xBC\xC3\x9F" "e");
	assert_null(note);
	assert_string_equal(hdr(state, "Gr\xFC\xDF" "e", &note), "Gr\xC3\xBC\xC3\x9F" "e");
	assert_non_null(note);
	/* UTF-8 and Latin-1 bytes in one header; a UTF-8 character cut by
	 * the end of the text. */
	assert_string_equal(hdr(state, "\xC3\xA9t\xC3\xA9 \xE9t\xE9", NULL),
			    "\xC3\xA9t\xC3\xA9 \xC3\xA9t\xC3\xA9");
	assert_string_equal(hdr(state, "\xD0\x9F\xD1\x80\xD0", NULL),
			    "\xD0\x9F\xD1\x80\xEF\xBF\xBD");
	/* Raw Latin-1 beside an encoded word. */
	assert_string_equal(hdr(state, "M\xFCller =?utf-8?q?J=C3=B6rg?=", NULL),
			    "M\xC3\xBCller J\xC3\xB6rg");
}

static void test_header_unknown_and_lying_charset(void **state)
{
	const char *note;

	assert_string_equal(hdr(state, "=?x-bogus?q?caf=E9?=", &note), "caf\xC3\xA9");
	assert_non_null(note);
	assert_string_equal(hdr(state, "=?utf-8?q?caf=E9?=", &note), "caf\xC3\xA9");
	assert_non_null(note);
}

static void test_header_language_suffix_and_underscore(void **state)
{
	/* RFC 2231 section 5: charset*language. */
	assert_string_equal(hdr(state, "=?US-ASCII*EN?Q?Keith_Moore?=", NULL), "Keith Moore");
}

static void test_header_not_encoded_words(void **state)
{
	assert_string_equal(hdr(state, "a =? b ?= c", NULL), "a =? b ?= c");
	assert_string_equal(hdr(state, "=?utf-8?x?abc?=", NULL), "=?utf-8?x?abc?=");
	assert_string_equal(hdr(state, "=?utf-8?q?never closed", NULL), "=?utf-8?q?never closed");
	assert_string_equal(hdr(state, "price =?", NULL), "price =?");
}

/* Regression: a Q word ending in "=X" made libetpan read past it. */
static void test_header_q_word_ending_in_equals_x(void **state)
{
	assert_string_equal(hdr(state, "=?utf-8?q?abc=e?=", NULL), "abce");
}

static void test_header_controls_become_spaces(void **state)
{
	assert_string_equal(hdr(state, "=?utf-8?q?one=0Atwo=09three?=", NULL), "one two three");
}

static void test_header_hostile_input_is_linear(void **state)
{
	size_t n = 200000;
	char *s = test_malloc(n + 1);
	clock_t t0;

	for (size_t i = 0; i < n; i++)
		s[i] = "=?a?q?"[i % 6];
	s[n] = '\0';
	t0 = clock();
	assert_non_null(charset_decode_header(*state, s, n, NULL));
	for (size_t i = 0; i < n; i++)
		s[i] = "=?"[i % 2];
	assert_non_null(charset_decode_header(*state, s, n, NULL));
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	test_free(s);
}

/* Regression (fuzz_header): iconv turns bytes falsely labelled UCS-4 into
 * code points past U+10FFFF and surrogates, which are not UTF-8. */
static void test_body_impossible_code_points_are_replaced(void **state)
{
	static const char ucs4[] = "\x00\x00\xd8\x00" "\x7f\xff\xff\xff"
				   "\x00\x00\x00\x41";
	const char *note = NULL;
	const char *out = charset_to_utf8(*state, "ucs-4", ucs4, sizeof(ucs4) - 1, &note);

	assert_non_null(out);
	assert_true(utf8_valid(out, strlen(out)));
	assert_non_null(strchr(out, 'A'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_utf8_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_passes_through_without_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latin1_and_windows_1252, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_charset_utf8_else_cp1252, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_charset_falls_back_with_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lying_utf8_label_is_windows_1252, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lying_multibyte_label_is_windows_1252, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latin1_label_on_utf8_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ascii_label_on_utf8_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_few_bad_bytes_become_replacement_char, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iconv_charsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_bytes_never_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_plain_trimmed_and_unfolded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_latin1_q_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_utf8_b_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_adjacent_words_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_split_multibyte_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_word_folded_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_missing_separators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_mixed_charsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_raw_8bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_unknown_and_lying_charset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_language_suffix_and_underscore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_not_encoded_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_q_word_ending_in_equals_x, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_controls_become_spaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_hostile_input_is_linear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_impossible_code_points_are_replaced, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
