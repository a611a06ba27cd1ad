/*
 * test_csv.c - the RFC 4180 reader (parsers/csv.c).
 *
 * Each case is written as its input and the expected dump of what the
 * reader returns, one line per record or error:
 *     LINE:[field][field]...      a record and the line it starts on
 *     eLINE: message              an error and its line
 * with \n, \r and \\ written escaped inside fields.  Every case is read
 * whole and again in chunks of 1, 2, 3, 5 and 64 bytes (Dovecot's trick):
 * a record, a CRLF, a "" or a UTF-8 sequence cut anywhere must read the
 * same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "strbuf.h"

static void dump_field(struct strbuf *b, const char *s, size_t len)
{
	int rc = strbuf_appendc(b, '[');

	for (size_t i = 0; i < len && rc == 0; i++) {
		if (s[i] == '\n')
			rc = strbuf_appendstr(b, "\\n");
		else if (s[i] == '\r')
			rc = strbuf_appendstr(b, "\\r");
		else if (s[i] == '\\')
			rc = strbuf_appendstr(b, "\\\\");
		else
			rc = strbuf_appendc(b, s[i]);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(strbuf_appendc(b, ']'), 0);
}

/* Reads everything from r into a dump (malloc()ed). */
static char *dump_reader(struct csv_reader *r)
{
	struct strbuf b;
	struct csv_record rec;
	const char *error;
	int rc, guard = 0;

	strbuf_init(&b, 64 << 20);
	while ((rc = csv_read(r, &rec, &error)) != 0) {
		assert_true(++guard < 1000000);
		if (rc < 0) {
			assert_int_equal(strbuf_appendf(&b, "e%llu: %s\n",
				(unsigned long long)csv_reader_error_line(r), error), 0);
			continue;
		}
		assert_true(rec.count >= 1);
		assert_int_equal(strbuf_appendf(&b, "%llu:", (unsigned long long)rec.line), 0);
		for (size_t i = 0; i < rec.count; i++) {
			/* fields are NUL-terminated and hold no NUL */
			assert_int_equal(strlen(rec.fields[i]), rec.lens[i]);
			dump_field(&b, rec.fields[i], rec.lens[i]);
		}
		assert_int_equal(strbuf_appendc(&b, '\n'), 0);
	}
	/* the end is sticky */
	assert_int_equal(csv_read(r, &rec, &error), 0);
	return strbuf_detach(&b);
}

static char *dump_mem(const char *in, size_t len, size_t chunk,
		      const struct csv_limits *limits)
{
	struct csv_reader *r = csv_reader_new_mem(in, len, chunk, limits);
	char *out = dump_reader(r);

	csv_reader_free(&r);
	assert_null(r);
	return out;
}

/* Checks the dump of in (len bytes) whole and in every chunk size. */
static void expect_n(const char *in, size_t len, const struct csv_limits *limits,
		     const char *want)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 5, 64 };

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		char *got = dump_mem(in, len, chunks[i], limits);

		if (strcmp(got, want) != 0)
			print_error("chunk %zu:\n--- want\n%s--- got\n%s", chunks[i], want, got);
		assert_string_equal(got, want);
		free(got);
	}
}

static void expect(const char *in, const char *want)
{
	expect_n(in, strlen(in), NULL, want);
}

/* ---- records ------------------------------------------------------------- */

static void test_simple_lf(void **state)
{
	expect("a,b,c\n1,2,3\n", "1:[a][b][c]\n2:[1][2][3]\n");
}

static void test_last_record_without_newline(void **state)
{
	expect("a,b\n1,2", "1:[a][b]\n2:[1][2]\n");
	expect("a,\"b\"", "1:[a][b]\n");
	expect("x", "1:[x]\n");
}

static void test_crlf(void **state)
{
	expect("a,b\r\n1,2\r\n3,4", "1:[a][b]\n2:[1][2]\n3:[3][4]\n");
	/* a CRLF ending a quoted field's record */
	expect("\"a\"\r\n\"b\"\r\n", "1:[a]\n2:[b]\n");
}

static void test_lone_cr_ends_a_record(void **state)
{
	/* old Mac exports */
	expect("a,b\rc,d\r", "1:[a][b]\n2:[c][d]\n");
	expect("a\r\rb", "1:[a]\n2:[]\n3:[b]\n");
}

static void test_mixed_line_ends(void **state)
{
	expect("a\nb\r\nc\rd", "1:[a]\n2:[b]\n3:[c]\n4:[d]\n");
}

static void test_empty_input(void **state)
{
	expect("", "");
}

static void test_empty_fields(void **state)
{
	expect(",,\n", "1:[][][]\n");
	expect("a,,b\n", "1:[a][][b]\n");
	expect("\"\",x,\"\"\n", "1:[][x][]\n");
	/* a trailing comma is a last, empty field, at the end of input too */
	expect("a,\nb,", "1:[a][]\n2:[b][]\n");
}

static void test_blank_lines_are_one_empty_field(void **state)
{
	expect("a\n\nb\n", "1:[a]\n2:[]\n3:[b]\n");
	expect("\n", "1:[]\n");
	expect("a\r\n\r\n", "1:[a]\n2:[]\n");
}

static void test_spaces_are_kept(void **state)
{
	expect(" a , b \n", "1:[ a ][ b ]\n");
}

/* ---- quoting --------------------------------------------------------------- */

static void test_quoted_commas_and_quotes(void **state)
{
	expect("\"x,y\",\"say \"\"hi\"\"\",z\n",
	       "1:[x,y][say \"hi\"][z]\n");
	expect("\"\"\"\"\n", "1:[\"]\n");
	expect("\"a\"\"\"\n", "1:[a\"]\n");
	expect("\"Dupont, Fils & Cie\",\"The \"\"Best\"\" Company\"\n",
	       "1:[Dupont, Fils & Cie][The \"Best\" Company]\n");
}

static void test_embedded_newlines_keep_line_numbers(void **state)
{
	/* the record after a quoted line break starts two lines down */
	expect("\"a\nb\",c\nd\n", "1:[a\\nb][c]\n3:[d]\n");
	expect("h\n\"one\r\ntwo\r\nthree\",x\r\nnext\r\n",
	       "1:[h]\n2:[one\\r\\ntwo\\r\\nthree][x]\n5:[next]\n");
	/* a lone CR in quotes is a line too */
	expect("\"a\rb\",c\nd", "1:[a\\rb][c]\n3:[d]\n");
	expect("\"\n\n\n\"\nx", "1:[\\n\\n\\n]\n5:[x]\n");
}

static void test_bom_skipped(void **state)
{
	expect("\xef\xbb\xbf" "contract,region\nC1,EMEA\n",
	       "1:[contract][region]\n2:[C1][EMEA]\n");
	expect("\xef\xbb\xbf", "");
	expect("\xef\xbb\xbf\"q\"\r\n", "1:[q]\n");
	/* only at the very start: later it is a character (U+FEFF) */
	expect("a\n\xef\xbb\xbf" "b\n", "1:[a]\n2:[\xef\xbb\xbf" "b]\n");
	/* two bytes of it are no BOM, and not UTF-8 either */
	expect("\xef\xbb", "e1: invalid UTF-8 in field 1\n");
}

static void test_utf8_fields(void **state)
{
	expect("H\xc3\xa9l\xc3\xa8ne,\xe6\x97\xa5\xe6\x9c\xac,\xf0\x9f\x98\x80\n",
	       "1:[H\xc3\xa9l\xc3\xa8ne][\xe6\x97\xa5\xe6\x9c\xac][\xf0\x9f\x98\x80]\n");
}

/* ---- errors and how the reader goes on ---------------------------------------- */

static void test_unterminated_quote_at_end(void **state)
{
	expect("a\n\"b,c\nd\n",
	       "1:[a]\n"
	       "e2: quoted field 1 is never closed (its quote opens on line 2; the input ends inside it)\n");
	expect("x,\"", "e1: quoted field 2 is never closed (its quote opens on line 1; the input ends inside it)\n");
	/* "" inside does not close it */
	expect("\"a\"\"", "e1: quoted field 1 is never closed (its quote opens on line 1; the input ends inside it)\n");
}

static void test_characters_after_closing_quote(void **state)
{
	expect("\"a\"b,c\nx\n",
	       "e1: characters after the closing quote of field 1\n2:[x]\n");
	expect("1,\"a\" ,c\nx\n",
	       "e1: characters after the closing quote of field 2\n2:[x]\n");
	/* found on the line where the junk is */
	expect("\"a\nb\"x,c\nok\n",
	       "e2: characters after the closing quote of field 1\n3:[ok]\n");
}

static void test_bare_quote_in_unquoted_field(void **state)
{
	expect("ab\"c,d\nx\n",
	       "e1: quote in the middle of unquoted field 1 (quote the whole field and double the quote: \"a\"\"b\")\n"
	       "2:[x]\n");
	expect("a,b\"\nx\n",
	       "e1: quote in the middle of unquoted field 2 (quote the whole field and double the quote: \"a\"\"b\")\n"
	       "2:[x]\n");
}

static void test_recovery_honours_quotes(void **state)
{
	/* after the error, a quoted field later in the record still hides
	 * its line break: the record ends where a careful reader says */
	expect("a\"b,\"c\nd\",e\nnext\n",
	       "e1: quote in the middle of unquoted field 1 (quote the whole field and double the quote: \"a\"\"b\")\n"
	       "3:[next]\n");
}

static void test_invalid_utf8(void **state)
{
	expect("a,\xff\nok\n", "e1: invalid UTF-8 in field 2\n2:[ok]\n");
	/* overlong "/", a surrogate, past U+10FFFF, a cut sequence */
	expect("\xc0\xaf\n", "e1: invalid UTF-8 in field 1\n");
	expect("\xed\xa0\x80\n", "e1: invalid UTF-8 in field 1\n");
	expect("\xf4\x90\x80\x80\n", "e1: invalid UTF-8 in field 1\n");
	expect("x,\"\xe6\x97\"\n", "e1: invalid UTF-8 in field 2\n");
	/* reported on the line of the bad byte, inside a multi-line field */
	expect("h\n\"x\ny\nz\xe9\",w\nq\n",
	       "1:[h]\ne4: invalid UTF-8 in field 1\n5:[q]\n");
	expect("h\r\n\"x\r\nz\xe9\",w\r\nq\r\n",
	       "1:[h]\ne3: invalid UTF-8 in field 1\n4:[q]\n");
}

static void test_nul_byte(void **state)
{
	static const char plain[] = "a,b\0c\nok\n";
	static const char quoted[] = "\"a\nb\0\",c\nok\n";

	expect_n(plain, sizeof(plain) - 1, NULL, "e1: NUL byte in field 2\n2:[ok]\n");
	expect_n(quoted, sizeof(quoted) - 1, NULL, "e2: NUL byte in field 1\n3:[ok]\n");
}

static void test_only_first_error_of_a_record(void **state)
{
	expect("a\"b,\"c\"d,\xff\nok\n",
	       "e1: quote in the middle of unquoted field 1 (quote the whole field and double the quote: \"a\"\"b\")\n"
	       "2:[ok]\n");
}

static void test_field_length_limit(void **state)
{
	struct csv_limits l = { .max_field = 8 };

	expect_n("12345678,b\n", 11, &l, "1:[12345678][b]\n");
	expect_n("123456789,b\nok\n", 15, &l, "e1: field 1 is longer than 8 bytes\n2:[ok]\n");
	expect_n("a,\"1234\n56789\"\nok\n", 18, &l,
		 "e2: field 2 is longer than 8 bytes\n3:[ok]\n");
}

static void test_field_length_default_64k(void **state)
{
	size_t n = CSV_MAX_FIELD_DEFAULT;
	char *in = malloc(n + 8), *got;

	assert_non_null(in);
	memset(in, 'x', n + 1);
	memcpy(in + n, "\nok\n", 4);
	got = dump_mem(in, n + 4, 0, NULL);
	assert_int_equal(strncmp(got, "1:[xxx", 6), 0);
	assert_non_null(strstr(got, "]\n2:[ok]\n"));
	free(got);
	memset(in, 'x', n + 1);
	memcpy(in + n + 1, "\nok\n", 4);
	got = dump_mem(in, n + 5, 7, NULL);
	assert_string_equal(got, "e1: field 1 is longer than 65536 bytes\n2:[ok]\n");
	free(got);
	free(in);
}

static void test_too_many_fields(void **state)
{
	struct csv_limits l = { .max_fields = 3 };

	expect_n("a,b,c\n", 6, &l, "1:[a][b][c]\n");
	expect_n("a,b,c,d\nx\n", 10, &l, "e1: more than 3 fields\n2:[x]\n");
	expect_n("a,\"b\nc\",d,e\nx", 13, &l, "e2: more than 3 fields\n3:[x]\n");
}

static void test_too_many_fields_default(void **state)
{
	struct strbuf b;
	char *got;

	strbuf_init(&b, 1 << 20);
	for (int i = 0; i < CSV_MAX_FIELDS_DEFAULT + 1; i++)
		assert_int_equal(strbuf_appendstr(&b, i == 0 ? "f" : ",f"), 0);
	assert_int_equal(strbuf_appendstr(&b, "\nok\n"), 0);
	got = dump_mem(strbuf_str(&b), b.len, 0, NULL);
	assert_string_equal(got, "e1: more than 256 fields\n2:[ok]\n");
	free(got);
	strbuf_deinit(&b);
}

static ssize_t failing_read(void *ctx, void *buf, size_t size)
{
	int *calls = ctx;

	if ((*calls)++ == 0) {
		memcpy(buf, "a,b\nc,", 6);
		return 6;
	}
	errno = EIO;
	return -1;
}

static void test_read_error_ends_input(void **state)
{
	int calls = 0;
	struct csv_reader *r = csv_reader_new(failing_read, &calls, NULL);
	char *got = dump_reader(r);

	assert_string_equal(got, "1:[a][b]\ne2: read error: Input/output error\n");
	assert_true(csv_reader_read_failed(r));
	free(got);
	csv_reader_free(&r);
	csv_reader_free(&r);   /* NULL is fine */
}

/* ---- sources and sizes ------------------------------------------------------------ */

static void test_offset_counts_bytes(void **state)
{
	const char *in = "\xef\xbb\xbf" "a,b\r\nc\r\n";
	struct csv_reader *r = csv_reader_new_mem(in, strlen(in), 2, NULL);
	struct csv_record rec;
	const char *error;

	assert_int_equal(csv_read(r, &rec, &error), 1);
	assert_true(csv_reader_offset(r) >= 7);
	assert_int_equal(csv_read(r, &rec, &error), 1);
	assert_int_equal(csv_read(r, &rec, &error), 0);
	assert_int_equal(csv_reader_offset(r), strlen(in));
	assert_false(csv_reader_read_failed(r));
	csv_reader_free(&r);
}

static void test_fields_writable_in_place(void **state)
{
	struct csv_reader *r = csv_reader_new_mem(" x ,y\n", 6, 0, NULL);
	struct csv_record rec;
	const char *error;

	assert_int_equal(csv_read(r, &rec, &error), 1);
	rec.fields[0][2] = '\0';          /* what a trim does */
	assert_string_equal(rec.fields[0], " x");
	assert_string_equal(rec.fields[1], "y");
	csv_reader_free(&r);
}

/* A file through a descriptor, larger than the reader's buffer: records
 * and quoted line breaks straddle the refills. */
static void test_fd_larger_than_buffer(void **state)
{
	char path[] = "/tmp/test_csv.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct csv_reader *r;
	struct csv_record rec;
	const char *error;
	unsigned long rows = 0, n = 60000;
	uint64_t line = 1;

	assert_true(fd >= 0);
	f = fdopen(dup(fd), "w");
	assert_non_null(f);
	fputs("\xef\xbb\xbf" "contract,name,note\r\n", f);
	for (unsigned long i = 0; i < n; i++)
		fprintf(f, "C%07lu,\"Dupont, %lu\",\"line one\r\nline \"\"two\"\"\"\r\n", i, i);
	fclose(f);
	unlink(path);
	/* the dup() shared the file offset: back to the start */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);

	r = csv_reader_new_fd(fd, NULL);
	assert_int_equal(csv_read(r, &rec, &error), 1);
	assert_string_equal(rec.fields[0], "contract");
	for (;;) {
		int rc = csv_read(r, &rec, &error);
		char want[64];

		if (rc == 0)
			break;
		assert_int_equal(rc, 1);
		/* every record after the header takes two lines */
		line += rows == 0 ? 1 : 2;
		assert_int_equal(rec.line, line);
		assert_int_equal(rec.count, 3);
		snprintf(want, sizeof(want), "C%07lu", rows);
		assert_string_equal(rec.fields[0], want);
		snprintf(want, sizeof(want), "Dupont, %lu", rows);
		assert_string_equal(rec.fields[1], want);
		assert_string_equal(rec.fields[2], "line one\r\nline \"two\"");
		rows++;
	}
	assert_int_equal(rows, n);
	assert_true(csv_reader_offset(r) > CSV_BUFFER);
	csv_reader_free(&r);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_lf),
		cmocka_unit_test(test_last_record_without_newline),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_lone_cr_ends_a_record),
		cmocka_unit_test(test_mixed_line_ends),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_blank_lines_are_one_empty_field),
		cmocka_unit_test(test_spaces_are_kept),
		cmocka_unit_test(test_quoted_commas_and_quotes),
		cmocka_unit_test(test_embedded_newlines_keep_line_numbers),
		cmocka_unit_test(test_bom_skipped),
		cmocka_unit_test(test_utf8_fields),
		cmocka_unit_test(test_unterminated_quote_at_end),
		cmocka_unit_test(test_characters_after_closing_quote),
		cmocka_unit_test(test_bare_quote_in_unquoted_field),
		cmocka_unit_test(test_recovery_honours_quotes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_only_first_error_of_a_record),
		cmocka_unit_test(test_field_length_limit),
		cmocka_unit_test(test_field_length_default_64k),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_too_many_fields_default),
		cmocka_unit_test(test_read_error_ends_input),
		cmocka_unit_test(test_offset_counts_bytes),
		cmocka_unit_test(test_fields_writable_in_place),
		cmocka_unit_test(test_fd_larger_than_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
