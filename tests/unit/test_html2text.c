/* test_html2text.c - html_to_text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "html2text.h"
#include "pool.h"
#include "strbuf.h"

#include "pool_fixture.h"

static const char *h2t(void **state, const char *html)
{
	return html_to_text(*state, html, strlen(html), 1 << 20);
}

static void test_script_style_head_dropped(void **state)
{
	const char *t = h2t(state,
		"<html><head><title>Secret title</title><style>p{color:red}</style>"
		"<script>var x = 1;</script></head><body><p>Hello</p>"
		"<script type=\"text/javascript\">alert('no')</script><p>World</p></body></html>");

	assert_string_equal(t, "Hello\n\nWorld");
}

static void test_links_kept_as_text(void **state)
{
	assert_string_equal(h2t(state, "<p>See <a href=\"https://example.com/x?a=1&amp;b=2\">the docs</a> now</p>"),
			    "See the docs <https://example.com/x?a=1&b=2> now");
	/* Label and target the same: written once. */
	assert_string_equal(h2t(state, "<a href=\"https://example.com/\">https://example.com</a>"),
			    "https://example.com");
	assert_string_equal(h2t(state, "<a href=\"mailto:help@example.com\">help@example.com</a>"),
			    "help@example.com");
	/* Fragment and script links are not worth keeping. */
	assert_string_equal(h2t(state, "<a href=\"#top\">Top</a> <a href=\"javascript:void(0)\">Go</a>"),
			    "Top Go");
	/* An image link has no label: the target alone. */
	assert_string_equal(h2t(state, "<a href=\"https://e.com/u\"><img src=\"x.png\"></a>"),
			    "<https://e.com/u>");
}

static void test_blocks_and_breaks(void **state)
{
	assert_string_equal(h2t(state, "<div>one</div><div>two</div>line<br>break<br><br>para"),
			    "one\ntwo\nline\nbreak\n\npara");
	assert_string_equal(h2t(state, "<ul><li>a</li><li>b</li></ul><p>c</p>"), "a\nb\n\nc");
	assert_string_equal(h2t(state, "<table><tr><td>x</td><td>y</td></tr><tr><td>z</td></tr></table>"),
			    "x y\nz");
	assert_string_equal(h2t(state, "<h1>Title</h1>text"), "Title\n\ntext");
}

static void test_whitespace_collapsed(void **state)
{
	assert_string_equal(h2t(state, "<p>  many\n\n   spaces\tand&nbsp;&nbsp;tabs  </p>"),
			    "many spaces and tabs");
}

static void test_entities_decoded(void **state)
{
	assert_string_equal(h2t(state, "caf&eacute; &amp; cr&#232;me &lt;b&gt; &#x20AC;"),
			    "caf\xC3\xA9 & cr\xC3\xA8me <b> \xE2\x82\xAC");
}

static void test_pre_keeps_white_space(void **state)
{
	assert_string_equal(h2t(state, "<p>x</p><pre>a  b\n  c</pre><p>y</p>"),
			    "x\n\na  b\n  c\n\ny");
}

static void test_utf8_passes(void **state)
{
	assert_string_equal(h2t(state, "<p>\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xE6\x97\xA5</p>"),
			    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xE6\x97\xA5");
	/* A meta charset does not override: the caller converted. */
	assert_string_equal(h2t(state, "<meta charset=\"iso-8859-1\"><p>\xC3\xA9</p>"), "\xC3\xA9");
}

static void test_malformed_html_recovers(void **state)
{
	assert_string_equal(h2t(state, "<p>unclosed <b>bold <i>both</p><div>next"),
			    "unclosed bold both\n\nnext");
	assert_string_equal(h2t(state, "just text, no tags"), "just text, no tags");
	assert_string_equal(h2t(state, "if a < b && c > d"), "if a < b && c > d");
}

static void test_empty(void **state)
{
	assert_string_equal(html_to_text(*state, "", 0, 100), "");
	assert_string_equal(h2t(state, "<html><body></body></html>"), "");
	assert_string_equal(h2t(state, "<script>only()</script>"), "");
}

static void test_max_len_cuts_at_character(void **state)
{
	static const char utf8[] = "<p>\xC3\xA9\xC3\xA9\xC3\xA9</p>";
	static const char ascii[] = "<p>abcdefgh</p>";
	const char *t = html_to_text(*state, utf8, strlen(utf8), 5);

	assert_string_equal(t, "\xC3\xA9\xC3\xA9");
	t = html_to_text(*state, ascii, strlen(ascii), 3);
	assert_string_equal(t, "abc");
}

static void test_deep_nesting(void **state)
{
	struct strbuf html;
	const char *t;

	strbuf_init(&html, 1 << 20);
	for (size_t i = 0; i < 20000; i++)
		assert_int_equal(strbuf_appendstr(&html, "<div><span>"), 0);
	assert_int_equal(strbuf_appendstr(&html, "deep"), 0);
	t = html_to_text(*state, html.data, html.len, 1 << 20);
	/* libxml2 may cut the tree below its depth limit; no crash, no
	 * unbounded recursion, and the text does not grow. */
	assert_true(strlen(t) <= 4);
	strbuf_deinit(&html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_script_style_head_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_kept_as_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocks_and_breaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whitespace_collapsed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entities_decoded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pre_keeps_white_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_html_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_len_cuts_at_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
