/* test_bounce.c - bounce_parse on delivery reports parsed by message_parse:
 * the fixtures of tests/fixtures/bounce/ (written for these tests), mails
 * built inline, and a sweep over every other fixture and ../shared/realmail
 * (when it exists) that only checks the report is sane.
 * Run from the top of the source tree (as tests/run.sh does). */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bounce.h"
#include "charset.h"
#include "message.h"
#include "pool.h"
#include "strbuf.h"
#include "util.h"

#include "pool_fixture.h"

#define FIXTURES "tests/fixtures/bounce/"
#define MAX_FIXTURE (64u * 1024u * 1024u)

static struct message *parse_len(struct pool *pool, const char *raw, size_t len)
{
	struct message *msg = NULL;
	const char *error = NULL;

	if (message_parse(pool, raw, len, NULL, &msg, &error) != 0) {
		print_error("message_parse: %s\n", error);
		fail();
	}
	assert_non_null(msg);
	return msg;
}

static struct message *parse(void **state, const char *raw)
{
	return parse_len(*state, raw, strlen(raw));
}

/* A file's bytes, copied into the pool (the message borrows them). */
static const char *load_raw(struct pool *pool, const char *path, size_t *len_r)
{
	char *data;
	const char *copy;
	int err = 0;

	if (read_file(path, MAX_FIXTURE, &data, len_r, &err) != 0) {
		print_error("%s: cannot read (errno %d); run from the top of the tree\n",
			    path, err);
		fail();
	}
	copy = pool_memdup(pool, data, *len_r);
	free(data);
	return copy;
}

static void report_of(void **state, const char *name, struct bounce_report *r)
{
	size_t len;
	const char *raw = load_raw(*state, name, &len);

	bounce_parse(parse_len(*state, raw, len), *state, r);
}

static void assert_strings(const char *const *got, size_t got_count,
			   const char *const *want, size_t want_count,
			   const char *what)
{
	if (got_count != want_count) {
		print_error("%s: %zu entries, want %zu\n", what, got_count, want_count);
		for (size_t i = 0; i < got_count; i++)
			print_error("  got %s\n", got[i]);
		fail();
	}
	for (size_t i = 0; i < want_count; i++) {
		if (strcmp(got[i], want[i]) != 0) {
			print_error("%s[%zu]: got \"%s\", want \"%s\"\n", what, i,
				    got[i], want[i]);
			fail();
		}
	}
}

#define IDS(r, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	assert_strings((r)->original_ids, (r)->original_id_count, want_, \
		       sizeof(want_) / sizeof(want_[0]), "original_ids"); \
} while (0)
#define FAILED(r, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	assert_strings((r)->failed, (r)->failed_count, want_, \
		       sizeof(want_) / sizeof(want_[0]), "failed"); \
} while (0)

static void assert_empty(const struct bounce_report *r)
{
	assert_false(r->is_bounce);
	assert_int_equal(r->original_id_count, 0);
	assert_null(r->original_ids);
	assert_int_equal(r->failed_count, 0);
	assert_null(r->failed);
	assert_null(r->status);
	assert_null(r->diagnostic);
}

/* ---- the fixtures ----------------------------------------------------- */

static void test_postfix_rfc822(void **state)
{
	struct bounce_report r;

	report_of(state, FIXTURES "postfix-rfc822.eml", &r);
	assert_true(r.is_bounce);
	/* The returned message's own Message-ID, not the one in its body. */
	IDS(&r, "case42.ack.1795421645@support.example.com");
	FAILED(&r, "paul.girard@client-gone.example");
	assert_string_equal(r.status, "5.1.1");
	/* Type "smtp;" dropped, folded lines joined with one space. */
	assert_string_equal(r.diagnostic,
		"550 5.1.1 <Paul.Girard@Client-Gone.example>: Recipient address "
		"rejected: User unknown in virtual mailbox table");
}

static void test_rfc822_headers_crlf(void **state)
{
	struct bounce_report r;

	report_of(state, FIXTURES "sendmail-rfc822-headers-crlf.eml", &r);
	assert_true(r.is_bounce);
	/* text/rfc822-headers; a Message-ID folded onto the next line */
	IDS(&r, "case43.reply.1795532528@support.example.com");
	/* "RFC822; <Alice.Moreau@Full.Example.NET>" */
	FAILED(&r, "alice.moreau@full.example.net");
	/* "5.2.2 (mailbox full)": the code only */
	assert_string_equal(r.status, "5.2.2");
	assert_string_equal(r.diagnostic, "552 5.2.2 Mailbox full");
}

static void test_exim_plain(void **state)
{
	struct bounce_report r;

	report_of(state, FIXTURES "exim.eml", &r);
	assert_true(r.is_bounce);
	IDS(&r, "case44.ack.1795604410@support.example.com");
	/* From X-Failed-Recipients, lower-cased */
	FAILED(&r, "marc.petit@partner.example");
	assert_string_equal(r.status, "5.1.1");
	assert_string_equal(r.diagnostic,
		"host mx.partner.example [203.0.113.9] SMTP error from remote "
		"mail server after RCPT TO:<marc.petit@partner.example>: 550 5.1.1 "
		"<marc.petit@partner.example>: Recipient address rejected: User unknown");
}

static void test_qmail_plain(void **state)
{
	struct bounce_report r;

	report_of(state, FIXTURES "qmail.eml", &r);
	assert_true(r.is_bounce);
	IDS(&r, "case45.reply.1795680329@support.example.com");
	/* No X-Failed-Recipients: the "<addr>:" lines */
	FAILED(&r, "lucie@oldhost.example", "bernard@oldhost.example");
	assert_string_equal(r.status, "5.1.1");
	assert_string_equal(r.diagnostic, "Sorry, no mailbox here by that name. (#5.1.1)");
}

static void test_delay_is_no_failure(void **state)
{
	struct bounce_report r;

	report_of(state, FIXTURES "delay.eml", &r);
	assert_false(r.is_bounce);
	assert_int_equal(r.failed_count, 0);
	assert_null(r.status);
	assert_null(r.diagnostic);
	/* Still names the mail it is about. */
	IDS(&r, "case46.ack.1795767639@support.example.com");

	report_of(state, FIXTURES "exim-delay.eml", &r);
	assert_empty(&r);
}

static void test_multi_recipient(void **state)
{
	struct bounce_report r;

	report_of(state, FIXTURES "multi-recipient.eml", &r);
	assert_true(r.is_bounce);
	/* Original-Message-ID repeats the returned one: listed once. */
	IDS(&r, "case47.reply.1795946458@support.example.com");
	/* delivered and relayed recipients are no failures */
	FAILED(&r, "former.employee@bigcorp.example");
	assert_string_equal(r.status, "5.1.10");
	assert_string_equal(r.diagnostic,
		"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found "
		"by SMTP address lookup");
}

static void test_customer_mail(void **state)
{
	struct bounce_report r;

	/* Quotes a bounce (separator, address list, Message-ID) but comes
	 * from a person. */
	report_of(state, FIXTURES "customer.eml", &r);
	assert_empty(&r);
}

static void test_no_returned_message(void **state)
{
	struct bounce_report r;

	report_of(state, FIXTURES "no-returned.eml", &r);
	assert_true(r.is_bounce);
	assert_int_equal(r.original_id_count, 0);
	FAILED(&r, "sales@partner.example");
	assert_string_equal(r.status, "5.7.1");
	assert_string_equal(r.diagnostic, "550 5.7.1 Message rejected by policy");
}

/* The same mail with CRLF line ends gives the same report. */
static void test_crlf_and_lf_agree(void **state)
{
	glob_t g;

	assert_int_equal(glob(FIXTURES "*.eml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 9);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct bounce_report a, b;
		size_t len, n = 0;
		const char *raw = load_raw(*state, g.gl_pathv[i], &len);
		char *crlf = pool_alloc(*state, len * 2 + 1);

		for (size_t k = 0; k < len; k++) {
			if (raw[k] == '\n' && (k == 0 || raw[k - 1] != '\r'))
				crlf[n++] = '\r';
			crlf[n++] = raw[k];
		}
		bounce_parse(parse_len(*state, raw, len), *state, &a);
		bounce_parse(parse_len(*state, crlf, n), *state, &b);
		if (a.is_bounce != b.is_bounce || a.failed_count != b.failed_count ||
		    a.original_id_count != b.original_id_count ||
		    (a.status == NULL) != (b.status == NULL) ||
		    (a.diagnostic == NULL) != (b.diagnostic == NULL)) {
			print_error("%s: CRLF and LF differ\n", g.gl_pathv[i]);
			fail();
		}
		assert_strings(b.failed, b.failed_count, a.failed, a.failed_count,
			       g.gl_pathv[i]);
		assert_strings(b.original_ids, b.original_id_count, a.original_ids,
			       a.original_id_count, g.gl_pathv[i]);
		if (a.status != NULL)
			assert_string_equal(a.status, b.status);
		if (a.diagnostic != NULL)
			assert_string_equal(a.diagnostic, b.diagnostic);
	}
	globfree(&g);
}

/* ---- inline mails ----------------------------------------------------- */

#define DSN_HEAD \
	"Return-Path: <>\n" \
	"From: MAILER-DAEMON@mx.example.org\n" \
	"To: support@support.example.com\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"Message-ID: <dsn@mx.example.org>\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n" \
	"\n" \
	"--B\n" \
	"Content-Type: text/plain\n" \
	"\n" \
	"Failed.\n" \
	"\n" \
	"--B\n" \
	"Content-Type: message/delivery-status\n" \
	"\n"

static void test_original_message_id_order(void **state)
{
	struct bounce_report r;

	bounce_parse(parse(state,
		DSN_HEAD
		"Reporting-MTA: dns; mx.example.org\n"
		"Original-Message-ID: <other.1@support.example.com>\n"
		"\n"
		"Final-Recipient: rfc822; a@example.net\n"
		"Action: failed\n"
		"Status: 5.0.0\n"
		"X-Original-Message-ID: <case.9@support.example.com>\n"
		"\n"
		"--B\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"From: support@support.example.com\n"
		"Message-ID: <case.9@support.example.com> (our answer)\n"
		"\n"
		"Hi\n"
		"--B--\n"), *state, &r);
	assert_true(r.is_bounce);
	/* returned message first, then the report's fields, no duplicate */
	IDS(&r, "case.9@support.example.com", "other.1@support.example.com");
	FAILED(&r, "a@example.net");
	assert_string_equal(r.status, "5.0.0");
	assert_null(r.diagnostic);
}

static void test_recipient_groups(void **state)
{
	struct bounce_report r;

	/* Missing blank lines between recipients, Original-Recipient only,
	 * a recipient without Action but with a permanent Status, a
	 * non-rfc822 address type, an address in brackets with a comment. */
	bounce_parse(parse(state,
		DSN_HEAD
		"Reporting-MTA: dns; mx.example.org\n"
		"\n"
		"Final-Recipient: rfc822; one@example.net\n"
		"Action: failed\n"
		"Status: 5.1.1\n"
		"Final-Recipient: rfc822; two@example.net\n"
		"Action: delayed\n"
		"Status: 4.4.1\n"
		"Original-Recipient: rfc822; Three@Example.NET\n"
		"Action: failed\n"
		"Status: 5.2.1\n"
		"\n"
		"\n"
		"Final-Recipient: rfc822; four@example.net\n"
		"Status: 5.4.4\n"
		"Diagnostic-Code: X-Postfix; Host or domain name not found\n"
		"\n"
		"Final-Recipient: x400; /C=FR/O=x/\n"
		"Original-Recipient: rfc822;five@example.net\n"
		"Action: FAILED\n"
		"\n"
		"Final-Recipient: utf-8; <six@example.net> (mailbox six)\n"
		"Action: failed (permanent)\n"
		"Status: 5.1.1\n"
		"\n"
		"Final-Recipient: rfc822; seven@example.net\n"
		"Status: 4.4.7\n"
		"\n"
		"Final-Recipient: rfc822; one@example.net\n"
		"Action: failed\n"
		"\n"
		"Final-Recipient: rfc822; not an address\n"
		"Action: failed\n"
		"--B--\n"), *state, &r);
	assert_true(r.is_bounce);
	assert_int_equal(r.original_id_count, 0);
	FAILED(&r, "one@example.net", "three@example.net", "four@example.net",
	       "five@example.net", "six@example.net");
	assert_string_equal(r.status, "5.1.1");
	/* of the first failed recipient that has one */
	assert_string_equal(r.diagnostic, "Host or domain name not found");
}

static void test_odd_values(void **state)
{
	struct bounce_report r;

	/* Status that is no code, a Diagnostic-Code without type, Latin-1
	 * bytes, a bracketless returned Message-ID (Lotus Notes). */
	bounce_parse(parse(state,
		DSN_HEAD
		"Final-Recipient: rfc822; a@example.net\n"
		"Action: failed\n"
		"Status: 550\n"
		"Diagnostic-Code: Bo\xeete pleine  (quota)\n"
		"\n"
		"--B\n"
		"Content-Type: text/rfc822-headers\n"
		"\n"
		"From: support@support.example.com\n"
		"Message-ID: 000000B9\n"
		"--B--\n"), *state, &r);
	assert_true(r.is_bounce);
	IDS(&r, "000000B9");
	FAILED(&r, "a@example.net");
	assert_null(r.status);
	assert_string_equal(r.diagnostic, "Bo\xc3\xaete pleine  (quota)");
}

static void test_report_shapes(void **state)
{
	struct bounce_report r;

	/* A bare message/delivery-status as the whole mail. */
	bounce_parse(parse(state,
		"From: MAILER-DAEMON@mx.example.org\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Reporting-MTA: dns; mx.example.org\n"
		"\n"
		"Final-Recipient: RFC822; <Gone@Example.NET>\n"
		"Action: failed\n"
		"Status: 4.2.2\n"), *state, &r);
	assert_true(r.is_bounce);
	FAILED(&r, "gone@example.net");
	assert_string_equal(r.status, "4.2.2");

	/* No recipient information but a returned message: a bounce.  The
	 * returned message is base64 (not allowed, seen) and global. */
	bounce_parse(parse(state,
		DSN_HEAD
		"Reporting-MTA: dns; mx.example.org\n"
		"\n"
		"--B\n"
		"Content-Type: message/global-headers\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"U3ViamVjdDogw6l0w6kKTWVzc2FnZS1JRDogPGIuNjRAc3VwcG9ydC5leGFtcGxlLmNvbT4K\n"
		"--B--\n"), *state, &r);
	assert_true(r.is_bounce);
	IDS(&r, "b.64@support.example.com");
	assert_int_equal(r.failed_count, 0);

	/* No recipient information and nothing returned: nothing to go on. */
	bounce_parse(parse(state,
		DSN_HEAD
		"Reporting-MTA: dns; mx.example.org\n"
		"--B--\n"), *state, &r);
	assert_empty(&r);

	/* report-type missing, delivery-status part present: a DSN. */
	bounce_parse(parse(state,
		"From: postmaster@mx.example.org\n"
		"Content-Type: multipart/report; boundary=\"B\"\n"
		"\n"
		"--B\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Final-Recipient: rfc822; x@example.net\n"
		"Action: failed\n"
		"--B--\n"), *state, &r);
	assert_true(r.is_bounce);
	FAILED(&r, "x@example.net");

	/* A report wrapped in multipart/mixed by a relay, null sender. */
	bounce_parse(parse(state,
		"Return-Path: <>\n"
		"From: relay@list.example.org\n"
		"Content-Type: multipart/mixed; boundary=\"M\"\n"
		"\n"
		"--M\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
		"\n"
		"--B\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Final-Recipient: rfc822; w@example.net\n"
		"Action: failed\n"
		"--B\n"
		"Content-Type: text/rfc822-headers\n"
		"\n"
		"Message-ID: <w.1@support.example.com>\n"
		"--B--\n"
		"--M--\n"), *state, &r);
	assert_true(r.is_bounce);
	IDS(&r, "w.1@support.example.com");
	FAILED(&r, "w@example.net");
}

static void test_not_bounces(void **state)
{
	struct bounce_report r;

	/* A read receipt returns a message too. */
	bounce_parse(parse(state,
		"From: jeanne@client.example\n"
		"Subject: Read: your answer\n"
		"Content-Type: multipart/report; report-type=disposition-notification;\n"
		" boundary=\"R\"\n"
		"\n"
		"--R\n"
		"Content-Type: text/plain\n"
		"\n"
		"Your message was read.\n"
		"--R\n"
		"Content-Type: message/disposition-notification\n"
		"\n"
		"Final-Recipient: rfc822; jeanne@client.example\n"
		"Original-Message-ID: <case.1@support.example.com>\n"
		"Disposition: manual-action/MDN-sent-manually; displayed\n"
		"--R\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"Message-ID: <case.1@support.example.com>\n"
		"--R--\n"), *state, &r);
	assert_empty(&r);

	/* An abuse report (ARF) from a null sender. */
	bounce_parse(parse(state,
		"Return-Path: <>\n"
		"From: feedback@isp.example\n"
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n"
		"\n"
		"--F\n"
		"Content-Type: message/feedback-report\n"
		"\n"
		"Feedback-Type: abuse\n"
		"--F\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"Message-ID: <case.2@support.example.com>\n"
		"--F--\n"), *state, &r);
	assert_empty(&r);

	/* A customer forwarding a bounce as an attachment. */
	bounce_parse(parse(state,
		"From: jeanne@client.example\n"
		"Subject: Fwd: Undelivered Mail Returned to Sender\n"
		"Content-Type: multipart/mixed; boundary=\"X\"\n"
		"\n"
		"--X\n"
		"Content-Type: text/plain\n"
		"\n"
		"See below.\n"
		"--X\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"From: MAILER-DAEMON@mx.example.org\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
		"\n"
		"--B\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Final-Recipient: rfc822; a@example.net\n"
		"Action: failed\n"
		"--B--\n"
		"--X--\n"), *state, &r);
	assert_empty(&r);

	/* MAILER-DAEMON with a bounce subject but nothing to go on. */
	bounce_parse(parse(state,
		"From: MAILER-DAEMON@mx.example.org\n"
		"Subject: Undeliverable mail\n"
		"\n"
		"Something went wrong.\n"), *state, &r);
	assert_empty(&r);

	/* Gmail's delay notice, plain text. */
	bounce_parse(parse(state,
		"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
		"Subject: Delivery Status Notification (Delay)\n"
		"\n"
		"Delivery to the following recipient has been delayed:\n"
		"\n"
		"     slow@example.net\n"
		"\n"
		"----- Original message -----\n"
		"\n"
		"Message-ID: <case.3@support.example.com>\n"), *state, &r);
	assert_empty(&r);
}

static void test_plain_variants(void **state)
{
	struct bounce_report r;

	/* Old Gmail: X-Failed-Recipients, "----- Original message -----",
	 * the code found in the text. */
	bounce_parse(parse(state,
		"Return-Path: <>\n"
		"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
		"X-Failed-Recipients: Who@Example.NET, <other@example.net>\n"
		"Subject: Delivery Status Notification (Failure)\n"
		"\n"
		"Delivery to the following recipient failed permanently:\n"
		"\n"
		"     who@example.net\n"
		"\n"
		"The error that the other server returned was:\n"
		"550 5.1.0 Recipient rejected\n"
		"\n"
		"----- Original message -----\n"
		"\n"
		"Date: Fri, 5 Jul 2026 16:24:27 -0700\n"
		"Message-ID: <case.4@support.example.com>\n"
		"Subject: Hi\n"
		"\n"
		"Hi\n"), *state, &r);
	assert_true(r.is_bounce);
	IDS(&r, "case.4@support.example.com");
	FAILED(&r, "who@example.net", "other@example.net");
	assert_string_equal(r.status, "5.1.0");
	assert_null(r.diagnostic);

	/* sendmail "Original message follows", failed address on the line
	 * that says so; a non-report multipart with a returned part. */
	bounce_parse(parse(state,
		"From: \"Postmaster\" <postmaster@example.com>\n"
		"Subject: Undeliverable Mail\n"
		"\n"
		"Delivery failed 10 attempts: info@example.net\n"
		"\n"
		"Original message follows.\n"
		"\n"
		"From: support@support.example.com\n"
		"Message-ID: <case.5@support.example.com>\n"), *state, &r);
	assert_true(r.is_bounce);
	IDS(&r, "case.5@support.example.com");
	FAILED(&r, "info@example.net");

	bounce_parse(parse(state,
		"Return-Path: <>\n"
		"From: MAILER-DAEMON@old.example\n"
		"Subject: Returned mail: User unknown\n"
		"Content-Type: multipart/mixed; boundary=\"M\"\n"
		"\n"
		"--M\n"
		"Content-Type: text/plain\n"
		"\n"
		"   ----- The following addresses had permanent fatal errors -----\n"
		"<nobody@old.example>\n"
		"    (reason: 550 5.1.1 User unknown)\n"
		"--M\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"Message-ID: <case.6@support.example.com>\n"
		"\n"
		"body\n"
		"--M--\n"), *state, &r);
	assert_true(r.is_bounce);
	IDS(&r, "case.6@support.example.com");
	FAILED(&r, "nobody@old.example");
	assert_string_equal(r.status, "5.1.1");
	assert_string_equal(r.diagnostic, "(reason: 550 5.1.1 User unknown)");
}

/* A message built by hand, with the fields the parser never leaves NULL
 * left NULL. */
static void test_sparse_message(void **state)
{
	struct message msg;
	struct msg_header h = { "X-Failed-Recipients", NULL };
	struct msg_attachment a;
	struct bounce_report r;

	memset(&msg, 0, sizeof(msg));
	bounce_parse(&msg, *state, &r);
	assert_empty(&r);
	bounce_parse(NULL, *state, &r);
	assert_empty(&r);

	msg.headers = &h;
	msg.header_count = 1;
	msg.content_type = "MULTIPART/REPORT";
	msg.report_type = "delivery-status";
	memset(&a, 0, sizeof(a));
	a.content_type = "message/delivery-status";
	msg.attachments = &a;
	msg.attachment_count = 1;
	bounce_parse(&msg, *state, &r);
	assert_empty(&r);

	msg.content_type = "text/plain";
	msg.attachment_count = 0;
	bounce_parse(&msg, *state, &r);
	assert_empty(&r);
}

/* Big hostile reports: capped lists, linear time. */
static void test_limits(void **state)
{
	struct strbuf sb;
	struct bounce_report r;
	clock_t t0;
	double secs;

	strbuf_init(&sb, 16u * 1024u * 1024u);
	assert_int_equal(strbuf_appendstr(&sb, DSN_HEAD "Reporting-MTA: dns; mx.example.org\n\n"), 0);
	for (unsigned i = 0; i < 20000; i++)
		assert_int_equal(strbuf_appendf(&sb, "Final-Recipient: rfc822; u%u@example.net\n"
						"Action: failed\nStatus: 5.1.1\n\n", i), 0);
	assert_int_equal(strbuf_appendstr(&sb, "Final-Recipient: rfc822; last@example.net\n"
					  "Action: failed\nDiagnostic-Code: smtp; x\n\n"), 0);
	for (unsigned i = 0; i < BOUNCE_MAX_IDS + 10; i++)
		assert_int_equal(strbuf_appendf(&sb, "--B\nContent-Type: message/rfc822\n\n"
						"Message-ID: <id%u@support.example.com>\n\nbody\n", i), 0);
	assert_int_equal(strbuf_appendstr(&sb, "--B--\n"), 0);

	t0 = clock();
	bounce_parse(parse_len(*state, strbuf_str(&sb), sb.len), *state, &r);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(r.is_bounce);
	assert_int_equal(r.failed_count, BOUNCE_MAX_FAILED);
	assert_string_equal(r.failed[0], "u0@example.net");
	assert_int_equal(r.original_id_count, BOUNCE_MAX_IDS);
	assert_string_equal(r.original_ids[BOUNCE_MAX_IDS - 1], "id31@support.example.com");
	assert_string_equal(r.status, "5.1.1");
	/* the first failed recipient that has one, past the list's cap */
	assert_string_equal(r.diagnostic, "x");
	assert_true(secs < 2.0);

	/* A long folded diagnostic is cut, on a character boundary. */
	strbuf_reset(&sb);
	assert_int_equal(strbuf_appendstr(&sb, DSN_HEAD "Final-Recipient: rfc822; a@example.net\n"
					  "Action: failed\nDiagnostic-Code: smtp; x"), 0);
	for (unsigned i = 0; i < 3000; i++)
		assert_int_equal(strbuf_appendstr(&sb, "\xc3\xa9t\xc3\xa9\n "), 0);
	assert_int_equal(strbuf_appendstr(&sb, "\n--B--\n"), 0);
	bounce_parse(parse_len(*state, strbuf_str(&sb), sb.len), *state, &r);
	assert_non_null(r.diagnostic);
	assert_true(strlen(r.diagnostic) <= BOUNCE_MAX_DIAGNOSTIC);
	assert_true(strlen(r.diagnostic) > BOUNCE_MAX_DIAGNOSTIC - 8);
	assert_true(utf8_valid(r.diagnostic, strlen(r.diagnostic)));
	assert_null(strchr(r.diagnostic, '\n'));
	assert_non_null(strstr(r.diagnostic, "x\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 "));
	strbuf_deinit(&sb);
}

/* ---- every other mail: a sane report, no crash ------------------------ */

static void check_sane(const char *path, const struct bounce_report *r)
{
	if (r->original_id_count > BOUNCE_MAX_IDS || r->failed_count > BOUNCE_MAX_FAILED ||
	    (r->original_id_count > 0) != (r->original_ids != NULL) ||
	    (r->failed_count > 0) != (r->failed != NULL)) {
		print_error("%s: bad counts\n", path);
		fail();
	}
	for (size_t i = 0; i < r->original_id_count; i++) {
		const char *id = r->original_ids[i];

		if (id[0] == '\0' || strpbrk(id, "<> \t\r\n") != NULL ||
		    !utf8_valid(id, strlen(id))) {
			print_error("%s: bad id \"%s\"\n", path, id);
			fail();
		}
	}
	for (size_t i = 0; i < r->failed_count; i++) {
		const char *a = r->failed[i];

		if (strchr(a, '@') == NULL || strpbrk(a, "<> \tABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL) {
			print_error("%s: bad address \"%s\"\n", path, a);
			fail();
		}
	}
	if (r->status != NULL && (r->status[0] < '2' || r->status[0] > '5' || r->status[1] != '.'))
		fail_msg("%s: bad status \"%s\"", path, r->status);
	if (r->diagnostic != NULL &&
	    (r->diagnostic[0] == '\0' || strlen(r->diagnostic) > BOUNCE_MAX_DIAGNOSTIC ||
	     !utf8_valid(r->diagnostic, strlen(r->diagnostic)) ||
	     strpbrk(r->diagnostic, "\r\n") != NULL))
		fail_msg("%s: bad diagnostic", path);
}

static unsigned sweep(void **state, const char *pattern)
{
	glob_t g;
	unsigned n = 0;

	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct message *msg = NULL;
		const char *error = NULL;
		struct bounce_report r;
		size_t len;
		const char *raw = load_raw(*state, g.gl_pathv[i], &len);

		if (message_parse(*state, raw, len, NULL, &msg, &error) != 0)
			continue;       /* not mail (13-garbage, 14-empty) */
		bounce_parse(msg, *state, &r);
		check_sane(g.gl_pathv[i], &r);
		n++;
		pool_clear(*state);
	}
	globfree(&g);
	return n;
}

static void test_sweep(void **state)
{
	unsigned n;

	assert_true(sweep(state, "tests/fixtures/parse/*.eml") >= 15);
	assert_true(sweep(state, FIXTURES "*.eml") >= 9);
	n = sweep(state, "../shared/realmail/*/*.eml") +
	    sweep(state, "../shared/realmail/*/*.box");
	if (n == 0)
		print_message("../shared/realmail not found: sweep skipped\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_postfix_rfc822, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc822_headers_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exim_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qmail_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay_is_no_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_recipient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_customer_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_returned_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_and_lf_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_original_message_id_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recipient_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_bounces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
