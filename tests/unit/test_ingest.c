/*
 * Unit tests of the ingest pipeline (gateway/ingest.c) around an in-memory
 * store: the threading order, reopen_days at its edges (the clock is set
 * through ctx.now), the anti-hijack rule, duplicates and quarantine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "fingerprint.h"
#include "ingest.h"
#include "pool.h"
#include "store.h"

#define DAY 86400
#define T0 INT64_C(1795000000)

struct fixture {
	struct config *config;
	struct fp_matcher *matcher;
	struct ingest_ctx ctx;
	char buf[4096];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *err = NULL;
	const char *serr;

	f->config = config_defaults();
	f->config->staff.items = malloc(sizeof(char *));
	f->config->staff.items[0] = strdup("@vendor.example");
	f->config->staff.count = 1;
	assert_int_equal(fp_matcher_new("Case", true, NULL, 0, &f->matcher, &err), 0);
	assert_int_equal(store_open(":memory:", &f->ctx.store, &serr), 0);
	f->ctx.config = f->config;
	f->ctx.matcher = f->matcher;
	f->ctx.pool = pool_new(65536);
	f->ctx.now = T0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(&f->ctx.store);
	pool_free(&f->ctx.pool);
	fp_matcher_free(&f->matcher);
	config_free(&f->config);
	free(f);
	return 0;
}

/* Delivers a small message; extra is more header lines ("" for none). */
static struct ingest_result deliver(struct fixture *f, const char *from,
				    const char *subject, const char *msgid,
				    const char *extra)
{
	struct ingest_result res;
	const char *err;
	int n = snprintf(f->buf, sizeof(f->buf),
			 "From: %s\nTo: support@vendor.example\nSubject: %s\n"
			 "Message-ID: <%s>\n%sContent-Type: text/plain\n\n"
			 "Hello, this is a message about our problem.\n",
			 from, subject, msgid, extra);

	assert_true(n > 0 && (size_t)n < sizeof(f->buf));
	if (ingest_message(&f->ctx, f->buf, (size_t)n, "test", &res, &err) < 0)
		fail_msg("ingest_message: %s", err);
	return res;
}

static void test_new_then_fingerprint_then_references(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;

	r = deliver(f, "alice@acme.example", "Printer broken", "m1@acme", "");
	assert_int_equal(r.outcome, INGEST_NEW);
	assert_int_equal(r.case_number, 1);
	r = deliver(f, "alice@acme.example", "Scanner broken", "m2@acme", "");
	assert_int_equal(r.case_number, 2);
	r = deliver(f, "bob@acme.example", "RE: TR: [Case #00000001] Printer broken", "m3@acme", "");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, 1);
	/* edited subject, References to a stored message of case 2 */
	r = deliver(f, "alice@acme.example", "hello??", "m4@acme",
		    "References: <zzz@nowhere> <m2@acme>\n");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, 2);
	/* the fingerprint wins over References */
	r = deliver(f, "alice@acme.example", "Re: [Case #2] x", "m5@acme",
		    "In-Reply-To: <m1@acme>\n");
	assert_int_equal(r.case_number, 2);
	/* a fingerprint naming no case falls back to References */
	r = deliver(f, "alice@acme.example", "Re: [Case #77] x", "m6@acme",
		    "In-Reply-To: <m1@acme>\n");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, 1);
}

static void test_duplicate_and_quarantine(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	struct store_stats st;
	const char *err;

	r = deliver(f, "alice@acme.example", "Printer broken", "dup@acme", "");
	assert_int_equal(r.outcome, INGEST_NEW);
	r = deliver(f, "alice@acme.example", "Printer broken again", "dup@acme", "");
	assert_int_equal(r.outcome, INGEST_DUPLICATE);
	assert_int_equal(r.case_number, 1);
	assert_int_equal(ingest_message(&f->ctx, "", 0, "test", &r, &err), 0);
	assert_int_equal(r.outcome, INGEST_QUARANTINED);
	assert_non_null(r.reason);
	assert_int_equal(ingest_message(&f->ctx, "\x01\x02\x00\x03", 4, "test", &r, &err), 0);
	assert_int_equal(r.outcome, INGEST_QUARANTINED);
	assert_int_equal(store_get_stats(f->ctx.store, &st, &err), 0);
	assert_int_equal(st.cases, 1);
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.quarantined, 2);
}

static void test_too_large_is_quarantined(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	const char *err;
	size_t big = f->config->max_message_bytes + 1;
	char *data = malloc(big);

	memset(data, 'a', big);
	memcpy(data, "From: a@b.example\nSubject: x\n\n", 30);
	assert_int_equal(ingest_message(&f->ctx, data, big, "test", &r, &err), 0);
	assert_int_equal(r.outcome, INGEST_QUARANTINED);
	assert_non_null(strstr(r.reason, "max_message_bytes"));
	free(data);
}

static void test_reopen_days_edges(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	const char *err;

	deliver(f, "alice@acme.example", "Printer broken", "a1@acme", "");
	assert_int_equal(store_case_set_status(f->ctx.store, 1, CASE_CLOSED, T0, &err), 0);
	/* 29 days later: reopened */
	f->ctx.now = T0 + 29 * DAY;
	r = deliver(f, "alice@acme.example", "Re: [Case #00000001] Printer broken", "a2@acme", "");
	assert_int_equal(r.outcome, INGEST_REOPENED);
	assert_int_equal(r.case_number, 1);
	/* closed again; 30 days later: a new case linked to it */
	assert_int_equal(store_case_set_status(f->ctx.store, 1, CASE_CLOSED, T0 + 29 * DAY, &err), 0);
	f->ctx.now = T0 + 59 * DAY;
	r = deliver(f, "alice@acme.example", "Re: [Case #00000001] Printer broken", "a3@acme", "");
	assert_int_equal(r.outcome, INGEST_NEW);
	assert_int_equal(r.case_number, 2);
	assert_int_equal(r.linked_to, 1);
	assert_false(r.unverified);
	/* the same by References only */
	r = deliver(f, "alice@acme.example", "no tag", "a4@acme", "In-Reply-To: <a1@acme>\n");
	assert_int_equal(r.outcome, INGEST_NEW);
	assert_int_equal(r.linked_to, 1);
	/* an automatic reply to the closed case is kept there, closed */
	r = deliver(f, "alice@acme.example", "Auto: [Case #00000001]", "a5@acme",
		    "Auto-Submitted: auto-replied\n");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, 1);
	assert_string_equal(r.auto_reason, "auto-submitted");
}

static void test_anti_hijack(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;

	deliver(f, "alice@acme.example", "Printer broken", "h1@acme", "");
	r = deliver(f, "mallory@evil.example", "Re: [Case #00000001]", "h2@evil", "");
	assert_int_equal(r.outcome, INGEST_NEW);
	assert_int_equal(r.case_number, 2);
	assert_int_equal(r.linked_to, 1);
	assert_true(r.unverified);
	r = deliver(f, "agent@vendor.example", "Re: [Case #00000001]", "h3@vendor", "");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	/* the unverified case's sender does not become a participant of 1 */
	r = deliver(f, "mallory@evil.example", "Re: [Case #00000001]", "h4@evil", "");
	assert_true(r.unverified);
	/* policy any: appended */
	f->config->follow_up_policy = FOLLOW_UP_ANY;
	r = deliver(f, "mallory@evil.example", "Re: [Case #00000001]", "h5@evil", "");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, 1);
}

static void test_case_subject_and_requester(void **state)
{
	struct fixture *f = *state;
	struct store_case *c;
	struct pool *pool = pool_new(4096);
	const char *err;

	deliver(f, "Alice <Alice@ACME.example>", "Fwd: RE: Printer broken", "s1@acme", "");
	assert_int_equal(store_case_get(f->ctx.store, pool, 1, &c, &err), 1);
	assert_string_equal(c->subject, "Printer broken");
	assert_string_equal(c->requester, "alice@acme.example");
	assert_string_equal(c->requester_name, "Alice");
	assert_int_equal(c->status, CASE_OPEN);
	pool_free(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_then_fingerprint_then_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_and_quarantine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large_is_quarantined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_days_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anti_hijack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_subject_and_requester, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
