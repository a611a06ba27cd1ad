/*
 * Unit tests of gateway/compose.c: the outgoing message's headers (tag
 * exactly once, no header injection, RFC 2047, threading, loop markers),
 * its body encoding, and the data templates see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compose.h"
#include "config.h"
#include "pool.h"
#include "store.h"

struct fixture {
	struct config *config;
	struct pool *pool;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->config = config_defaults();
	f->config->smtp.configured = true;
	f->config->smtp.from = strdup("Support Exemple <support@example.com>");
	f->config->smtp.from_addr = strdup("support@example.com");
	f->config->smtp.bounce_address = strdup("support@example.com");
	f->pool = pool_new(4096);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	config_free(&f->config);
	pool_free(&f->pool);
	free(f);
	return 0;
}

/* The header block of raw (up to the blank line), NUL-terminated. */
static char *headers_of(const struct compose_output *out)
{
	const char *end = strstr(out->raw, "\r\n\r\n");
	size_t n;
	char *h;

	assert_non_null(end);
	n = (size_t)(end - out->raw) + 2;
	h = malloc(n + 1);
	assert_non_null(h);
	memcpy(h, out->raw, n);
	h[n] = '\0';
	return h;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void compose_ok(struct fixture *f, const struct compose_input *in,
		       const struct compose_reply_to *reply,
		       struct compose_output *out)
{
	const char *error = NULL;

	if (compose_message(f->config, f->pool, in, reply, 1795300000, out, &error) < 0)
		fail_msg("compose_message: %s", error);
}

static void test_headers_and_threading(void **state)
{
	struct fixture *f = *state;
	const char *refs[] = { "a@x", "b@x" };
	struct compose_reply_to reply = { "Printer", 0, "c@x", refs, 2 };
	struct compose_input in = {
		.subject = "[Case #00000012] Printer", .body = "Hello\n",
		.to = "bob@customer.example", .to_name = "Bob", .case_number = 12,
	};
	struct compose_output out;
	char *h;

	compose_ok(f, &in, &reply, &out);
	h = headers_of(&out);
	assert_non_null(strstr(h, "From: Support Exemple <support@example.com>\r\n"));
	assert_non_null(strstr(h, "To: Bob <bob@customer.example>\r\n"));
	assert_non_null(strstr(h, "Subject: [Case #00000012] Printer\r\n"));
	assert_non_null(strstr(h, "In-Reply-To: <c@x>\r\n"));
	assert_non_null(strstr(h, "References: <a@x>\r\n <b@x>\r\n <c@x>\r\n"));
	assert_non_null(strstr(h, "Auto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(h, "X-Loop: support@example.com\r\n"));
	assert_non_null(strstr(h, "Date: "));
	assert_non_null(strstr(h, "Content-Transfer-Encoding: 7bit\r\n"));
	assert_non_null(strstr(h, out.message_id));
	assert_non_null(strstr(out.message_id, "@example.com"));
	assert_string_equal(out.rcpt, "bob@customer.example");
	assert_non_null(strstr(out.raw, "\r\n\r\nHello\r\n"));
	free(h);
}

/* The tag exactly once, no Re: growth, and prepended when missing. */
static void test_subject_tag_once(void **state)
{
	struct fixture *f = *state;
	static const struct { const char *in, *want; } cases[] = {
		{ "Printer", "Subject: [Case #00000007] Printer\r\n" },
		{ "Re: RE: AW: [Case #00000007] Printer", "Subject: [Case #00000007] Printer\r\n" },
		{ "[Case #00000007] [Case #00000007] Printer [Case #00000007]",
		  "Subject: [Case #00000007] Printer \r\n" },
		{ "Tr: Fwd: Printer", "Subject: [Case #00000007] Printer\r\n" },
		{ "", "Subject: [Case #00000007]\r\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_input in = {
			.subject = cases[i].in, .body = "x", .to = "a@b.example",
			.case_number = 7,
		};
		struct compose_output out;
		char *h;

		compose_ok(f, &in, NULL, &out);
		h = headers_of(&out);
		if (strstr(h, cases[i].want) == NULL)
			fail_msg("subject '%s': got headers\n%s", cases[i].in, h);
		assert_int_equal(count(h, "[Case #00000007]"), 1);
		free(h);
	}
}

/* CR and LF in any value never start a header line. */
static void test_no_header_injection(void **state)
{
	struct fixture *f = *state;
	struct compose_input in = {
		.subject = "Hello\r\nBcc: victim@example.org",
		.body = "x", .to = "bob@customer.example",
		.to_name = "Bob\nBcc: victim@example.org", .case_number = 1,
	};
	struct compose_reply_to reply = { "s", 0, "id@x>\r\nBcc: v@x", NULL, 0 };
	struct compose_output out;
	const char *error = NULL;
	char *h;

	compose_ok(f, &in, &reply, &out);
	h = headers_of(&out);
	assert_null(strstr(h, "\nBcc:"));
	assert_null(strstr(out.rcpt, "victim"));
	free(h);

	/* a recipient that is not one address is refused */
	in.to = "bob@customer.example, victim@example.org";
	assert_int_equal(compose_message(f->config, f->pool, &in, NULL, 1, &out, &error), -1);
	assert_non_null(error);
	in.to = "bob@customer.example";
	in.cc = "carol@customer.example, not an address";
	assert_int_equal(compose_message(f->config, f->pool, &in, NULL, 1, &out, &error), -1);
	in.cc = "carol@customer.example, Dave <dave@customer.example>";
	compose_ok(f, &in, NULL, &out);
	assert_string_equal(out.rcpt, "bob@customer.example carol@customer.example dave@customer.example");
}

/* Non-ASCII: encoded words of at most 75 characters, cut between
 * characters; quoted-printable bodies. */
static void test_encodings(void **state)
{
	struct fixture *f = *state;
	struct compose_input in = {
		.subject = "Problème d'activation de la licence — très urgent, "
			   "merci de répondre rapidement à cette demande",
		.body = "Bonjour Françoise,\nvotre demande a été enregistrée.\n",
		.to = "francoise@client.example", .to_name = "Françoise Lévêque",
		.case_number = 3,
	};
	struct compose_output out;
	char *h, *line, *save = NULL;

	compose_ok(f, &in, NULL, &out);
	h = headers_of(&out);
	assert_non_null(strstr(h, "To: =?UTF-8?B?"));
	assert_non_null(strstr(h, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(h, "Content-Transfer-Encoding: quoted-printable\r\n"));
	for (line = strtok_r(h, "\r\n", &save); line != NULL; line = strtok_r(NULL, "\r\n", &save)) {
		const char *w = strstr(line, "=?UTF-8?B?");

		if (w != NULL)
			assert_true(strlen(w) <= 75);
		assert_true(strlen(line) <= 998);
	}
	/* libetpan also encodes some ASCII (an F that could start "From ") */
	assert_non_null(strstr(out.raw, "ran=C3=A7oise"));
	/* only 7-bit bytes go out */
	for (size_t i = 0; i < out.raw_len; i++)
		assert_true((unsigned char)out.raw[i] < 0x80);
	free(h);
}

static void test_case_data(void **state)
{
	struct fixture *f = *state;
	struct store_case c = {
		.number = 42, .subject = "Printer", .requester = "bob@x.example",
		.requester_name = "", .status = CASE_OPEN,
	};
	struct compose_reply_to reply = { "Re: Printer", 1795300000, "m@x", NULL, 0 };
	json_t *d = compose_case_data(f->config, &c, &reply);

	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "case"), "number")), "00000042");
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "case"), "tag")), "[Case #00000042]");
	/* no display name: the address stands in */
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "customer"), "name")), "bob@x.example");
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "gateway"), "name")), "Support Exemple");
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "message"), "subject")), "Re: Printer");
	assert_non_null(json_object_get(json_object_get(d, "message"), "date"));
	json_decref(d);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_headers_and_threading),
		T(test_subject_tag_once),
		T(test_no_header_injection),
		T(test_encodings),
		T(test_case_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
