/* test_message.c - message_parse and message_header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "message.h"
#include "pool.h"
#include "strbuf.h"
#include "util.h"

#include "pool_fixture.h"

static struct message *parse_with(void **state, const char *raw, size_t len,
				   const struct message_limits *limits)
{
	struct message *msg = NULL;
	const char *error = NULL;

	assert_int_equal(message_parse(*state, raw, len, limits, &msg, &error), 0);
	assert_non_null(msg);
	return msg;
}

static struct message *parse(void **state, const char *raw)
{
	return parse_with(state, raw, strlen(raw), NULL);
}

/* The same mail with CRLF line ends, from the pool. */
static const char *crlf(void **state, const char *lf)
{
	size_t n = 0;
	char *out = pool_alloc(*state, strlen(lf) * 2 + 1);

	for (const char *p = lf; *p != '\0'; p++) {
		if (*p == '\n')
			out[n++] = '\r';
		out[n++] = *p;
	}
	out[n] = '\0';
	return out;
}

static bool has_note(const struct message *msg, const char *part)
{
	for (size_t i = 0; i < msg->note_count; i++)
		if (strstr(msg->notes[i], part) != NULL)
			return true;
	return false;
}

static const char simple_mail[] =
	"Return-Path: <Sender@Example.COM>\n"
	"Received: from mx.example.com by mail.example.org;\n"
	"\tMon, 4 Jun 2024 10:00:00 +0000\n"
	"From: \"Doe, John\" <John.Doe@Example.COM>\n"
	"To: support@example.org, \"=?ISO-8859-1?Q?J=F6rg?=\" <joerg@example.de>\n"
	"Cc: Team <TEAM@example.org>\n"
	"Reply-To: <replies@example.com>\n"
	"Subject: Printer on fire\n"
	"Date: Tue, 4 Jun 2024 12:30:15 +0200\n"
	"Message-ID: <abc.123@mail.example.com>\n"
	"In-Reply-To: <parent@example.com> (Your message)\n"
	"References: <root@example.com>\n"
	"  <parent@example.com>\n"
	"X-Custom: one\n"
	"X-Custom: two\n"
	"\n"
	"Hello,\n"
	"the printer is on fire.\n";

/* ---- headers ---------------------------------------------------------- */

static void test_simple_mail(void **state)
{
	struct message *msg = parse(state, simple_mail);

	assert_string_equal(msg->subject, "Printer on fire");
	assert_string_equal(msg->from.name, "Doe, John");
	assert_string_equal(msg->from.addr, "john.doe@example.com");
	assert_int_equal(msg->to_count, 2);
	assert_string_equal(msg->to[0].addr, "support@example.org");
	assert_string_equal(msg->to[0].name, "");
	assert_string_equal(msg->to[1].addr, "joerg@example.de");
	assert_string_equal(msg->to[1].name, "J\xC3\xB6rg");
	assert_int_equal(msg->cc_count, 1);
	assert_string_equal(msg->cc[0].addr, "team@example.org");
	assert_string_equal(msg->reply_to, "replies@example.com");
	assert_string_equal(msg->return_path, "sender@example.com");
	assert_null(msg->sender);
	assert_true(msg->has_date);
	assert_int_equal(msg->date, 1717497015);       /* 2024-06-04T10:30:15Z */
	assert_string_equal(msg->message_id, "abc.123@mail.example.com");
	assert_false(msg->message_id_generated);
	assert_string_equal(msg->in_reply_to, "parent@example.com");
	assert_int_equal(msg->references_count, 2);
	assert_string_equal(msg->references[0], "root@example.com");
	assert_string_equal(msg->references[1], "parent@example.com");
	assert_string_equal(msg->content_type, "text/plain");
	assert_null(msg->report_type);
	assert_string_equal(msg->text, "Hello,\nthe printer is on fire.\n");
	assert_false(msg->text_from_html);
	assert_int_equal(msg->attachment_count, 0);
	assert_int_equal(msg->note_count, 0);
	assert_ptr_equal(msg->raw, simple_mail);
	assert_ptr_equal(msg->headers_raw, simple_mail);
	assert_int_equal(msg->headers_raw_len, strstr(simple_mail, "\n\n") + 1 - simple_mail);
}

static void test_headers_array(void **state)
{
	struct message *msg = parse(state, simple_mail);

	assert_int_equal(msg->header_count, 13);
	assert_string_equal(msg->headers[0].name, "Return-Path");
	assert_string_equal(msg->headers[1].value,
			    "from mx.example.com by mail.example.org; Mon, 4 Jun 2024 10:00:00 +0000");
	assert_string_equal(msg->headers[3].value,
			    "support@example.org, \"J\xC3\xB6rg\" <joerg@example.de>");
	assert_string_equal(message_header(msg, "x-custom"), "one");
	assert_string_equal(message_header(msg, "SUBJECT"), "Printer on fire");
	assert_null(message_header(msg, "X-Missing"));
}

static void test_lf_and_crlf_agree(void **state)
{
	struct message *a = parse(state, simple_mail);
	struct message *b = parse(state, crlf(state, simple_mail));

	assert_string_equal(a->subject, b->subject);
	assert_string_equal(a->from.addr, b->from.addr);
	assert_int_equal(a->to_count, b->to_count);
	assert_int_equal(a->date, b->date);
	assert_int_equal(a->references_count, b->references_count);
	assert_int_equal(a->header_count, b->header_count);
	assert_string_equal(a->headers[1].value, b->headers[1].value);
	assert_string_equal(a->text, b->text);
	assert_int_equal(b->note_count, 0);
}

static void test_encoded_subjects(void **state)
{
	struct message *msg;

	msg = parse(state, "From: a@example.com\nSubject: =?ISO-8859-1?Q?R=E9ponse_=E0_votre_demande?=\n\nx\n");
	assert_string_equal(msg->subject, "R\xC3\xA9ponse \xC3\xA0 votre demande");
	msg = parse(state, "From: a@example.com\nSubject: =?UTF-8?B?0J/RgNC40LLQtdGC?= world\n\nx\n");
	assert_string_equal(msg->subject, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 world");
}

static void test_subject_split_words(void **state)
{
	/* Folded across lines and a character split between two words. */
	struct message *msg = parse(state,
		"From: a@example.com\n"
		"Subject: =?UTF-8?Q?Caf=C3?=\n"
		" =?UTF-8?Q?=A9_cr=C3=A8me?=\n"
		"\t=?UTF-8?B?IGJyw7tsw6ll?=\n"
		"\n"
		"x\n");

	assert_string_equal(msg->subject, "Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e");
}

static void test_subject_missing_separators(void **state)
{
	struct message *msg = parse(state,
		"From: a@example.com\n"
		"Subject: AW:=?utf-8?q?=C3=84nderung?=[Ticket#2024060410000012]\n"
		"\n"
		"x\n");

	assert_string_equal(msg->subject, "AW:\xC3\x84nderung[Ticket#2024060410000012]");
}

static void test_raw_8bit_headers(void **state)
{
	struct message *msg = parse(state,
		"From: J\xF6rg M\xFCller <joerg@example.de>\n"
		"Subject: Gr\xC3\xBC\xC3\x9F" "e und Gr\xFC\xDF" "e\n"
		"\n"
		"x\n");

	assert_string_equal(msg->from.name, "J\xC3\xB6rg M\xC3\xBCller");
	assert_string_equal(msg->from.addr, "joerg@example.de");
	/* One header mixing UTF-8 and Latin-1 bytes: both survive. */
	assert_string_equal(msg->subject, "Gr\xC3\xBC\xC3\x9F" "e und Gr\xC3\xBC\xC3\x9F" "e");
	assert_true(has_note(msg, "From:"));
}

static void test_broken_from_salvaged(void **state)
{
	struct message *msg;

	msg = parse(state, "From: Broken Sender <Broken@Example.com\nSubject: x\n\nx\n");
	assert_string_equal(msg->from.addr, "broken@example.com");
	assert_string_equal(msg->from.name, "Broken Sender");
	assert_true(has_note(msg, "From:"));

	msg = parse(state, "From: \"Joe\" joe@example.com\n\nx\n");
	assert_string_equal(msg->from.addr, "joe@example.com");
	assert_string_equal(msg->from.name, "Joe");

	msg = parse(state, "From: joe@example.com (Joe Bloggs)\n\nx\n");
	assert_string_equal(msg->from.addr, "joe@example.com");
	assert_string_equal(msg->from.name, "Joe Bloggs");

	msg = parse(state, "From: nobody at all\n\nx\n");
	assert_string_equal(msg->from.addr, "");
	assert_true(has_note(msg, "From:"));

	msg = parse(state, "From: MAILER-DAEMON\n\nx\n");
	assert_string_equal(msg->from.addr, "mailer-daemon");

	msg = parse(state, "Subject: no sender\n\nx\n");
	assert_string_equal(msg->from.addr, "");
	assert_string_equal(msg->from.name, "");
}

static void test_address_lists(void **state)
{
	struct message *msg = parse(state,
		"To: a@example.com, , b@example.com; c@@ d, Undisclosed recipients:;\n"
		"To: \"Last, First\" <First.Last@Example.com>\n"
		"Cc: team: x@example.com, y@example.com;\n"
		"Sender: <list-bounces@example.org>\n"
		"\n"
		"x\n");

	assert_true(msg->to_count >= 3);
	assert_string_equal(msg->to[0].addr, "a@example.com");
	assert_string_equal(msg->to[1].addr, "b@example.com");
	assert_string_equal(msg->to[msg->to_count - 1].addr, "first.last@example.com");
	assert_string_equal(msg->to[msg->to_count - 1].name, "Last, First");
	assert_int_equal(msg->cc_count, 2);
	assert_string_equal(msg->cc[1].addr, "y@example.com");
	assert_string_equal(msg->sender, "list-bounces@example.org");
}

static void test_return_path_null_sender(void **state)
{
	struct message *msg = parse(state, "Return-Path: < >\nFrom: MAILER-DAEMON@example.com\n\nx\n");

	assert_string_equal(msg->return_path, "");
	msg = parse(state, "From: a@example.com\n\nx\n");
	assert_null(msg->return_path);
}

static void test_dates(void **state)
{
	struct message *msg;

	msg = parse(state, "Date: Thu, 1 Jan 1970 00:00:00 +0000\n\nx\n");
	assert_true(msg->has_date);
	assert_int_equal(msg->date, 0);
	msg = parse(state, "Date: Sat, 29 Feb 2020 23:59:59 -0500 (EST)\n\nx\n");
	assert_int_equal(msg->date, 1583038799);
	/* RFC 5322 4.3: two-digit years. */
	msg = parse(state, "Date: 1 Jan 99 00:00 GMT\n\nx\n");
	assert_int_equal(msg->date, 915148800);
	msg = parse(state, "Date: 1 Jan 20 00:00 +0000\n\nx\n");
	assert_int_equal(msg->date, 1577836800);
	msg = parse(state, "Date: yesterday, around noon\n\nx\n");
	assert_false(msg->has_date);
	assert_true(has_note(msg, "Date"));
	msg = parse(state, "Date: Mon, 31 Feb 2020 99:00:00 +0000\n\nx\n");
	assert_false(msg->has_date);
	msg = parse(state, "Subject: no date\n\nx\n");
	assert_false(msg->has_date);
}

static void test_missing_message_id_is_stable(void **state)
{
	static const char mail[] = "From: a@example.com\nSubject: no id\n\nbody\n";
	struct message *a = parse(state, mail);
	struct message *b = parse(state, mail);
	char hex[SHA256_HEX_LEN + 1], expect[SHA256_HEX_LEN + 32];

	sha256_hex(mail, strlen(mail), hex);
	snprintf(expect, sizeof(expect), "%s@supportgw.invalid", hex);
	assert_true(a->message_id_generated);
	assert_string_equal(a->message_id, expect);
	assert_string_equal(a->message_id, b->message_id);
	a = parse(state, "From: a@example.com\nSubject: no id\n\nother body\n");
	assert_string_not_equal(a->message_id, b->message_id);
}

static void test_malformed_message_ids(void **state)
{
	struct message *msg;

	msg = parse(state, "Message-ID: 000000B9\nReferences: <a@x>,<b@x> junk <c@x\n\nx\n");
	assert_string_equal(msg->message_id, "000000B9");
	assert_false(msg->message_id_generated);
	assert_int_equal(msg->references_count, 2);
	assert_string_equal(msg->references[1], "b@x");
	msg = parse(state, "Message-ID: <>\nIn-Reply-To: Your message of Monday <p@x>\n\nx\n");
	assert_true(msg->message_id_generated);
	assert_string_equal(msg->in_reply_to, "p@x");
}

/* ---- bodies ----------------------------------------------------------- */

static void test_alternative_prefers_text_plain(void **state)
{
	struct message *msg = parse(state,
		"From: a@example.com\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/alternative; boundary=\"b1\"\n"
		"\n"
		"preamble\n"
		"--b1\n"
		"Content-Type: text/html; charset=utf-8\n"
		"\n"
		"<p>HTML version</p>\n"
		"--b1\n"
		"Content-Type: text/plain; charset=utf-8\n"
		"\n"
		"Plain version\n"
		"--b1--\n"
		"epilogue\n");

	assert_string_equal(msg->content_type, "multipart/alternative");
	assert_string_equal(msg->text, "Plain version");
	assert_false(msg->text_from_html);
	assert_int_equal(msg->attachment_count, 0);
}

static void test_html_only_body(void **state)
{
	struct message *msg = parse(state,
		"From: a@example.com\n"
		"Content-Type: text/html; charset=iso-8859-1\n"
		"\n"
		"<html><head><style>p{}</style><script>evil()</script></head>\n"
		"<body><p>Caf\xE9 is <b>open</b>.</p><p>See <a href=\"https://example.com/menu\">the menu</a></p></body></html>\n");

	assert_true(msg->text_from_html);
	assert_string_equal(msg->text, "Caf\xC3\xA9 is open.\n\nSee the menu <https://example.com/menu>");
	assert_int_equal(msg->attachment_count, 0);
}

static void test_empty_plain_beside_html(void **state)
{
	struct message *msg = parse(state,
		"Content-Type: multipart/alternative; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\n \n"
		"--b\nContent-Type: text/html\n\n<p>Real text</p>\n"
		"--b--\n");

	assert_true(msg->text_from_html);
	assert_string_equal(msg->text, "Real text");
}

static void test_base64_and_quoted_printable(void **state)
{
	struct message *msg = parse(state,
		"From: a@example.com\n"
		"Content-Type: multipart/mixed; boundary=\"XyZ\"\n"
		"\n"
		"--XyZ\n"
		"Content-Type: text/plain; charset=\"utf-8\"\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"Gr=C3=BC=C3=9Fe, this is a long line that was soft-=\n"
		"broken.\n"
		"--XyZ\n"
		"Content-Type: application/octet-stream; name=\"data.bin\"\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"SGVsbG8s\n"
		"IHdvcmxkIQ==\n"
		"--XyZ--\n");

	assert_string_equal(msg->text, "Gr\xC3\xBC\xC3\x9F" "e, this is a long line that was soft-broken.");
	assert_int_equal(msg->attachment_count, 1);
	assert_string_equal(msg->attachments[0].content_type, "application/octet-stream");
	assert_string_equal(msg->attachments[0].filename, "data.bin");
	assert_int_equal(msg->attachments[0].size, 13);
	assert_memory_equal(msg->attachments[0].data, "Hello, world!", 13);
	/* sha256("Hello, world!") */
	assert_string_equal(msg->attachments[0].sha256,
			    "315f5bdb76d078c43b8ac0064e4a0164612b1fce77c869345bfc94c75894edd3");
	assert_false(msg->attachments[0].is_inline);
}

/* Regression: libetpan read one byte past a quoted-printable body that
 * ends in "=X" (found by fuzz/fuzz_message.c under ASan). */
static void test_qp_body_ending_in_equals_x(void **state)
{
	static const char mail[] =
		"Content-Type: text/plain\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"caf=C3=A9=e";
	/* Exactly sized, so that ASan sees a read past the end. */
	char *raw = test_malloc(sizeof(mail) - 1);
	struct message *msg;

	memcpy(raw, mail, sizeof(mail) - 1);
	msg = parse_with(state, raw, sizeof(mail) - 1, NULL);
	assert_string_equal(msg->text, "caf\xC3\xA9" "e");
	test_free(raw);
}

static void test_base64_body_with_charset(void **state)
{
	/* "Привет" in KOI8-R, base64. */
	struct message *msg = parse(state,
		"Content-Type: text/plain; charset=koi8-r\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"8NLJ18XU\n");

	assert_string_equal(msg->text, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
}

static void test_unknown_charset_fallback(void **state)
{
	struct message *msg = parse(state,
		"Content-Type: text/plain; charset=x-made-up\n\n"
		"na\xEFve caf\xE9\n");

	assert_string_equal(msg->text, "na\xC3\xAFve caf\xC3\xA9\n");
	assert_true(has_note(msg, "x-made-up"));
}

static void test_lying_charset(void **state)
{
	struct message *msg = parse(state,
		"Content-Type: text/plain; charset=utf-8\n\n"
		"Sch\xF6ne Gr\xFC\xDF" "e\n");

	assert_string_equal(msg->text, "Sch\xC3\xB6ne Gr\xC3\xBC\xC3\x9F" "e\n");
	assert_true(has_note(msg, "utf-8"));
}

static void test_rfc2231_filename(void **state)
{
	struct message *msg = parse(state,
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"--b\n"
		"Content-Type: text/plain\n"
		"\n"
		"see attached\n"
		"--b\n"
		"Content-Type: application/pdf;\n"
		" name*0*=utf-8''Rechnung%20M%C3%A4rz;\n"
		" name*1=\" 2024.pdf\"\n"
		"Content-Disposition: attachment;\n"
		" filename*0*=UTF-8'de'Rechnung%20M%C3%A4rz;\n"
		" filename*1=\" 2024.pdf\"\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"JVBERi0=\n"
		"--b\n"
		"Content-Type: text/plain\n"
		"Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.txt\n"
		"\n"
		"x\n"
		"--b\n"
		"Content-Type: application/octet-stream; name=\"=?UTF-8?B?w6l0w6kucG5n?=\"\n"
		"\n"
		"y\n"
		"--b--\n");

	assert_string_equal(msg->text, "see attached");
	assert_int_equal(msg->attachment_count, 3);
	assert_string_equal(msg->attachments[0].filename, "Rechnung M\xC3\xA4rz 2024.pdf");
	assert_string_equal(msg->attachments[0].content_type, "application/pdf");
	assert_int_equal(msg->attachments[0].size, 5);
	assert_string_equal(msg->attachments[1].filename, "caf\xC3\xA9.txt");
	assert_string_equal(msg->attachments[2].filename, "\xC3\xA9t\xC3\xA9.png");
}

static void test_inline_image(void **state)
{
	struct message *msg = parse(state,
		"Content-Type: multipart/related; boundary=\"rel\"\n"
		"\n"
		"--rel\n"
		"Content-Type: text/html; charset=utf-8\n"
		"\n"
		"<p>Logo: <img src=\"cid:logo@x\"></p>\n"
		"--rel\n"
		"Content-Type: image/png\n"
		"Content-ID: <logo@x>\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"iVBORw0KGgo=\n"
		"--rel--\n");

	assert_true(msg->text_from_html);
	assert_string_equal(msg->text, "Logo:");
	assert_int_equal(msg->attachment_count, 1);
	assert_string_equal(msg->attachments[0].content_type, "image/png");
	assert_true(msg->attachments[0].is_inline);
	assert_int_equal(msg->attachments[0].size, 8);
	assert_string_equal(msg->attachments[0].filename, "");
}

static void test_message_rfc822_attachment(void **state)
{
	static const char inner[] =
		"From: orig@example.com\n"
		"Subject: =?utf-8?q?Original_r=C3=A9quest?=\n"
		"\n"
		"Original body\n";
	char mail[1024];
	struct message *msg;

	snprintf(mail, sizeof(mail),
		 "From: fwd@example.com\n"
		 "Subject: Fwd: request\n"
		 "Content-Type: multipart/mixed; boundary=\"outer\"\n"
		 "\n"
		 "--outer\n"
		 "Content-Type: text/plain\n"
		 "\n"
		 "Forwarding this.\n"
		 "--outer\n"
		 "Content-Type: message/rfc822\n"
		 "Content-Disposition: inline\n"
		 "\n"
		 "%s"
		 "--outer--\n", inner);
	msg = parse(state, mail);
	assert_string_equal(msg->text, "Forwarding this.");
	assert_int_equal(msg->attachment_count, 1);
	assert_string_equal(msg->attachments[0].content_type, "message/rfc822");
	assert_string_equal(msg->attachments[0].filename, "Original r\xC3\xA9quest.eml");
	assert_int_equal(msg->attachments[0].size, strlen(inner) - 1);
	assert_memory_equal(msg->attachments[0].data, inner, strlen(inner) - 1);
	/* The enclosed message's headers are not the message's. */
	assert_string_equal(msg->from.addr, "fwd@example.com");
	assert_string_equal(msg->subject, "Fwd: request");
}

static void test_multipart_report_dsn(void **state)
{
	struct message *msg = parse(state, crlf(state,
		"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
		"To: user@example.com\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"Auto-Submitted: auto-replied\n"
		"Content-Type: multipart/report; report-type=Delivery-Status;\n"
		"\tboundary=\"dsn/1\"\n"
		"\n"
		"--dsn/1\n"
		"Content-Description: Notification\n"
		"Content-Type: text/plain; charset=us-ascii\n"
		"\n"
		"I'm sorry to have to inform you that your message could not be delivered.\n"
		"\n"
		"--dsn/1\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Reporting-MTA: dns; mx.example.com\n"
		"\n"
		"Final-Recipient: rfc822; gone@example.net\n"
		"Action: failed\n"
		"Status: 5.1.1\n"
		"\n"
		"--dsn/1\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"From: user@example.com\n"
		"To: gone@example.net\n"
		"Subject: Hello\n"
		"\n"
		"Hi\n"
		"\n"
		"--dsn/1--\n"));

	assert_string_equal(msg->content_type, "multipart/report");
	assert_string_equal(msg->report_type, "delivery-status");
	assert_string_equal(msg->from.addr, "mailer-daemon@mx.example.com");
	assert_string_equal(message_header(msg, "Auto-Submitted"), "auto-replied");
	assert_string_equal(msg->text,
			    "I'm sorry to have to inform you that your message could not be delivered.\n");
	assert_int_equal(msg->attachment_count, 2);
	assert_string_equal(msg->attachments[0].content_type, "message/delivery-status");
	assert_non_null(memmem(msg->attachments[0].data, msg->attachments[0].size,
			       "Status: 5.1.1", 13));
	assert_string_equal(msg->attachments[1].content_type, "message/rfc822");
	assert_string_equal(msg->attachments[1].filename, "Hello.eml");
}

static void test_digest_parts_default_to_rfc822(void **state)
{
	struct message *msg = parse(state,
		"Content-Type: multipart/digest; boundary=d\n\n"
		"--d\n\nSubject: first\n\none\n"
		"--d\n\nSubject: second\n\ntwo\n"
		"--d--\n");

	assert_int_equal(msg->attachment_count, 2);
	assert_string_equal(msg->attachments[0].content_type, "message/rfc822");
	assert_string_equal(msg->attachments[1].filename, "second.eml");
}

static void test_broken_multiparts(void **state)
{
	struct message *msg;

	/* Boundary declared, never used. */
	msg = parse(state, "Content-Type: multipart/alternative; boundary=nope\n\njust text\n");
	assert_string_equal(msg->text, "just text\n");
	assert_true(has_note(msg, "boundary"));
	/* No closing delimiter. */
	msg = parse(state, "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\nContent-Type: text/plain\n\nsecond\n");
	assert_string_equal(msg->text, "first");
	assert_int_equal(msg->attachment_count, 1);
	assert_true(has_note(msg, "closing"));
	/* No boundary parameter at all. */
	msg = parse(state, "Content-Type: multipart/mixed\n\nsome text\n");
	assert_string_equal(msg->text, "some text\n");
	/* Invalid type with a name: data, not text. */
	msg = parse(state, "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n--b\nContent-Type: ; name=\"x.jpg\"\n\nJPEG\n--b--\n");
	assert_string_equal(msg->attachments[0].content_type, "application/octet-stream");
	assert_string_equal(msg->attachments[0].filename, "x.jpg");
}

static void test_unfolded_content_type_and_odd_headers(void **state)
{
	struct message *msg = parse(state,
		"Subject : spaced colon\n"
		"Content-Type: TEXT/PLAIN;\n"
		"\tcharset=\"ISO-8859-1\";\n"
		"\tformat=flowed\n"
		"\n"
		"caf\xE9\n");

	assert_string_equal(msg->subject, "spaced colon");
	assert_string_equal(msg->content_type, "text/plain");
	assert_string_equal(msg->text, "caf\xC3\xA9\n");
}

static void test_header_without_blank_line(void **state)
{
	/* The body starts at the first line that is not a field. */
	struct message *msg = parse(state, "From: a@example.com\nSubject: hi\nThis is the body.\n");

	assert_string_equal(msg->subject, "hi");
	assert_string_equal(msg->text, "This is the body.\n");
	assert_true(has_note(msg, "not a field"));
}

static void test_mbox_from_line_and_blank_lines(void **state)
{
	struct message *msg = parse(state, "From someone@example.com Fri Dec 21 23:59:24 2001\nSubject: boxed\n\nx\n");

	assert_string_equal(msg->subject, "boxed");
	msg = parse(state, "   \r\n\nSubject: late start\n\nx\n");
	assert_string_equal(msg->subject, "late start");
}

/* ---- not mail --------------------------------------------------------- */

static void test_not_mail(void **state)
{
	struct message *msg = NULL;
	const char *error = NULL;

	assert_int_equal(message_parse(*state, "", 0, NULL, &msg, &error), -1);
	assert_null(msg);
	assert_non_null(error);
	assert_int_equal(message_parse(*state, "\n\n  \n", 5, NULL, &msg, &error), -1);
	assert_int_equal(message_parse(*state, "%PDF-1.4\n%\xE2\xE3\n", 14, NULL, &msg, &error), -1);
	assert_int_equal(message_parse(*state, "Hello there, how are you?\n\nBye\n", 31, NULL,
				       &msg, &error), -1);
	assert_non_null(strstr(error, "header"));
	assert_int_equal(message_parse(*state, "X-A: b\0\0\0\x01\n\nbody", 16, NULL, &msg, &error), -1);
	assert_non_null(strstr(error, "binary"));
	assert_int_equal(message_parse(*state, ": no name\n\nx", 12, NULL, &msg, &error), -1);
}

/* ---- limits ----------------------------------------------------------- */

static void test_deep_nesting_limit(void **state)
{
	struct strbuf mail;
	struct message *msg;
	clock_t t0;

	strbuf_init(&mail, 1 << 20);
	assert_int_equal(strbuf_appendf(&mail, "Subject: deep\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n"), 0);
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(strbuf_appendf(&mail, "--b%zu\nContent-Type: multipart/mixed; boundary=\"b%zu\"\n\n",
						i, i + 1), 0);
	assert_int_equal(strbuf_appendf(&mail, "--b5000\n\ninnermost\n"), 0);
	t0 = clock();
	msg = parse_with(state, mail.data, mail.len, NULL);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	assert_string_equal(msg->subject, "deep");
	assert_string_equal(msg->text, "");
	assert_true(has_note(msg, "deeper than 32"));
	strbuf_deinit(&mail);
}

static void test_parts_limit(void **state)
{
	struct message_limits limits = message_default_limits;
	struct strbuf mail;
	struct message *msg;

	strbuf_init(&mail, 1 << 16);
	assert_int_equal(strbuf_appendstr(&mail, "Content-Type: multipart/mixed; boundary=b\n\n"), 0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(strbuf_appendf(&mail, "--b\nContent-Type: application/x-%d\n\n%d\n", i, i), 0);
	assert_int_equal(strbuf_appendstr(&mail, "--b--\n"), 0);
	limits.max_parts = 5;
	msg = parse_with(state, mail.data, mail.len, &limits);
	assert_int_equal(msg->attachment_count, 4);    /* 5 parts: 1 multipart + 4 */
	assert_true(has_note(msg, "more than 5 MIME parts"));
	strbuf_deinit(&mail);
}

static void test_header_and_text_limits(void **state)
{
	static const char mail[] = "Subject: kept it all\nX-Long: dropped, it starts late\n"
		"From: late@example.com\n\n\xC3\xA9\xC3\xA9\xC3\xA9 body\n";
	struct message_limits limits = message_default_limits;
	struct message *msg;

	limits.max_header_bytes = 20;
	limits.max_text_bytes = 5;
	msg = parse_with(state, mail, strlen(mail), &limits);
	assert_string_equal(msg->subject, "kept it all");
	assert_int_equal(msg->header_count, 1);
	assert_string_equal(msg->from.addr, "");
	assert_string_equal(msg->text, "\xC3\xA9\xC3\xA9");
	assert_true(has_note(msg, "header longer"));
	assert_true(has_note(msg, "body text longer"));
}

static void test_huge_header_is_fast(void **state)
{
	size_t n = 5000;
	struct strbuf mail;
	struct message *msg;
	clock_t t0;

	strbuf_init(&mail, 1 << 20);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(strbuf_appendf(&mail, "Received: from host%zu by relay; =?x?q?a?=\n", i), 0);
	assert_int_equal(strbuf_appendstr(&mail, "Subject: big\n\nx\n"), 0);
	t0 = clock();
	msg = parse_with(state, mail.data, mail.len, NULL);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	assert_int_equal(msg->header_count, n + 1);
	assert_string_equal(msg->subject, "big");
	strbuf_deinit(&mail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_simple_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lf_and_crlf_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encoded_subjects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_split_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_missing_separators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_8bit_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_from_salvaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_return_path_null_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_message_id_is_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_message_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alternative_prefers_text_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_only_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_plain_beside_html, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base64_and_quoted_printable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qp_body_ending_in_equals_x, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base64_body_with_charset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_charset_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lying_charset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc2231_filename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_rfc822_attachment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multipart_report_dsn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_parts_default_to_rfc822, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_multiparts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfolded_content_type_and_odd_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_without_blank_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbox_from_line_and_blank_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parts_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_and_text_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_header_is_fast, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
