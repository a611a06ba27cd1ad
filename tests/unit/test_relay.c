/*
 * Unit tests of gateway/relay.c through the ingest pipeline, around an
 * in-memory store and a config loaded from a file: the staff command
 * parser, commands applied (and refused all or nothing), the relay's
 * recipients, body, threading and attachments (checked by parsing the
 * queued bytes back with the gateway's own parser), the outgoing message
 * recorded with the case, what is never relayed (a staff mail that opens a
 * case, automatic mail, our X-Loop, our own address, old mail), and the
 * forward of a customer's reply on a renewal case to the region's team.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nettle/base64.h>

#include "config.h"
#include "entitle.h"
#include "fingerprint.h"
#include "ingest.h"
#include "message.h"
#include "pool.h"
#include "relay.h"
#include "store.h"
#include "template.h"

#define T0 INT64_C(1795000000)
#define HOUR 3600

static const char ini_smtp[] =
	"[gateway]\n"
	"staff = @vendor.example\n"
	"addresses = support@vendor.example\n"
	"[smtp]\n"
	"url = smtp://127.0.0.1:2525\n"
	"starttls = no\n"
	"from = Vendor Support <support@vendor.example>\n"
	"[region:EMEA]\n"
	"team = EMEA Renewals <emea-renewals@vendor.example>\n";

/* The same without [smtp]: commands apply, nothing is sent. */
static const char ini_nosmtp[] =
	"[gateway]\n"
	"staff = @vendor.example\n"
	"addresses = support@vendor.example\n";

struct fixture {
	struct config *config;
	struct fp_matcher *matcher;
	struct template_set *templates;
	struct ingest_ctx ctx;
	struct pool *pool;      /* the test's own, for reading back */
	char buf[1 << 16];
};

static struct config *load_config(const char *text)
{
	char path[64] = "/tmp/sgw-relay-XXXXXX";
	struct config *c = NULL;
	char *err = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	if (config_load(path, &c, &err) < 0)
		fail_msg("config_load: %s", err);
	unlink(path);
	return c;
}

static int setup_with(void **state, const char *ini)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *err = NULL;
	const char *serr;

	assert_non_null(f);
	f->config = load_config(ini);
	assert_int_equal(fp_matcher_new(f->config->case_prefix, true, NULL, 0,
					 &f->matcher, &err), 0);
	if (template_set_load("templates", &f->templates, &err) < 0)
		fail_msg("templates: %s", err);
	assert_int_equal(store_open(":memory:", &f->ctx.store, &serr), 0);
	f->ctx.config = f->config;
	f->ctx.matcher = f->matcher;
	f->ctx.pool = pool_new(65536);
	f->ctx.now = T0;
	f->ctx.templates = f->config->smtp.configured ? f->templates : NULL;
	f->pool = pool_new(65536);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, ini_smtp);
}

static int setup_nosmtp(void **state)
{
	return setup_with(state, ini_nosmtp);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(&f->ctx.store);
	pool_free(&f->ctx.pool);
	pool_free(&f->pool);
	template_set_free(&f->templates);
	fp_matcher_free(&f->matcher);
	config_free(&f->config);
	free(f);
	return 0;
}

/* Files one message: headers (each ending in "\n") then a text/plain
 * body; the clock moves a minute per message. */
static struct ingest_result mail(struct fixture *f, const char *headers,
				 const char *body)
{
	struct ingest_result res;
	const char *err;
	int n = snprintf(f->buf, sizeof(f->buf),
			 "%sTo: support@vendor.example\nDate: Mon, 16 Nov 2026 10:00:00 +0000\n"
			 "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s",
			 headers, body);

	assert_true(n > 0 && (size_t)n < sizeof(f->buf));
	f->ctx.now += 60;
	if (ingest_message(&f->ctx, f->buf, (size_t)n, "test", &res, &err) < 0)
		fail_msg("ingest_message: %s", err);
	return res;
}

/* A customer opens case 1 (with people in Cc). */
static void open_case(struct fixture *f)
{
	struct ingest_result r = mail(f,
		"From: Alice Martin <alice@acme.example>\n"
		"Cc: bob@acme.example, Carol <carol@vendor.example>, support@vendor.example, dave@acme.example\n"
		"Subject: Printer broken\nMessage-ID: <c1@acme.example>\n",
		"Our printer does not print.\n");

	assert_int_equal(r.outcome, INGEST_NEW);
	assert_int_equal(r.case_number, 1);
	assert_null(r.relayed);
}

/* ---- reading the store back ---- */

struct rows {
	struct pool *pool;
	size_t count;
	int64_t ids[32];
	const char *kinds[32];
};

static int collect_outbox(void *ctx, const struct store_outbox *o)
{
	struct rows *r = ctx;

	if (r->count < 32) {
		r->ids[r->count] = o->id;
		r->kinds[r->count] = pool_strdup(r->pool, o->kind);
		r->count++;
	}
	return 0;
}

/* How many outbox rows of this kind. */
static size_t outbox_count(struct fixture *f, const char *kind)
{
	struct rows r = { .pool = f->pool };
	const char *err;
	size_t n = 0;

	assert_int_equal(store_outbox_list(f->ctx.store, -1, collect_outbox, &r, &err), 0);
	for (size_t i = 0; i < r.count; i++)
		n += strcmp(r.kinds[i], kind) == 0;
	return n;
}

/* The last outbox row of this kind, read whole. */
static struct store_outbox *outbox_last(struct fixture *f, const char *kind)
{
	struct rows r = { .pool = f->pool };
	struct store_outbox *o = NULL;
	const char *err;

	assert_int_equal(store_outbox_list(f->ctx.store, -1, collect_outbox, &r, &err), 0);
	for (size_t i = r.count; i-- > 0;) {
		if (strcmp(r.kinds[i], kind) == 0) {
			assert_int_equal(store_outbox_get(f->ctx.store, f->pool, r.ids[i], &o, &err), 1);
			return o;
		}
	}
	fail_msg("no outbox row of kind %s", kind);
	return NULL;
}

/* The queued bytes, parsed by the gateway's own parser. */
static struct message *parse_out(struct fixture *f, const struct store_outbox *o)
{
	struct message *m;
	const char *err;

	assert_int_equal(message_parse(f->pool, o->raw, o->raw_len, NULL, &m, &err), 0);
	return m;
}

static struct store_case *get_case(struct fixture *f, uint64_t n)
{
	struct store_case *c;
	const char *err;

	assert_int_equal(store_case_get(f->ctx.store, f->pool, n, &c, &err), 1);
	return c;
}

struct events {
	struct pool *pool;
	size_t count;
	const char *kind[32];
	const char *detail[32];
};

static int collect_event(void *ctx, int64_t at, const char *kind, const char *detail)
{
	struct events *e = ctx;

	(void)at;
	if (e->count < 32) {
		e->kind[e->count] = pool_strdup(e->pool, kind);
		e->detail[e->count] = pool_strdup(e->pool, detail != NULL ? detail : "");
		e->count++;
	}
	return 0;
}

/* The number of events of kind whose detail holds needle. */
static size_t events_with(struct fixture *f, uint64_t n, const char *kind,
			  const char *needle)
{
	struct events e = { .pool = f->pool };
	const char *err;
	size_t hits = 0;

	assert_int_equal(store_case_events(f->ctx.store, n, collect_event, &e, &err), 0);
	for (size_t i = 0; i < e.count; i++)
		hits += strcmp(e.kind[i], kind) == 0 && strstr(e.detail[i], needle) != NULL;
	return hits;
}

struct outs {
	struct pool *pool;
	size_t count;
	const char *message_id, *source, *text, *from;
	int64_t row;
};

static int collect_out(void *ctx, const struct store_message *m)
{
	struct outs *o = ctx;

	if (m->direction != MSG_OUT)
		return 0;
	o->count++;
	o->message_id = pool_strdup(o->pool, m->message_id);
	o->source = pool_strdup(o->pool, m->source != NULL ? m->source : "");
	o->text = pool_strdup(o->pool, m->text != NULL ? m->text : "");
	o->from = pool_strdup(o->pool, m->from_addr != NULL ? m->from_addr : "");
	o->row = m->id;
	return 0;
}

static struct outs outgoing(struct fixture *f, uint64_t n)
{
	struct outs o = { .pool = f->pool };
	const char *err;

	assert_int_equal(store_case_messages(f->ctx.store, n, collect_out, &o, &err), 0);
	return o;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* ---- the parser ---- */

static void test_parse_commands(void **state)
{
	struct pool *pool = pool_new(4096);
	struct relay_text t;

	(void)state;
	relay_parse(pool, "#close\n", &t);
	assert_int_equal(t.command_count, 1);
	assert_int_equal(t.commands[0].kind, RELAY_CLOSE);
	assert_null(t.commands[0].error);
	assert_int_equal(t.bad_count, 0);
	assert_string_equal(t.body, "");
	assert_false(t.has_words);

	/* several, any case, spaces around, blank lines before and between */
	relay_parse(pool, "\n  \n  #CLOSE  \n\t#Severity b \n\n#level PREMIER\n\nHello Alice,\n", &t);
	assert_int_equal(t.command_count, 3);
	assert_int_equal(t.bad_count, 0);
	assert_int_equal(t.commands[1].kind, RELAY_SEVERITY);
	assert_string_equal(t.commands[1].value, "B");
	assert_string_equal(t.commands[1].line, "#Severity b");
	assert_int_equal(t.commands[2].kind, RELAY_LEVEL);
	assert_string_equal(t.commands[2].value, "premier");
	assert_string_equal(t.body, "Hello Alice,\n");
	assert_true(t.has_words);
	relay_parse(pool, "#level ppi\n#level None\n#level standard\n#severity a\n#severity D", &t);
	assert_int_equal(t.command_count, 5);
	assert_int_equal(t.bad_count, 0);
	assert_string_equal(t.commands[0].value, "ppi");
	assert_string_equal(t.commands[1].value, "none");
	assert_string_equal(t.commands[3].value, "A");
	assert_string_equal(t.commands[4].value, "D");

	/* bad values are commands with an error */
	relay_parse(pool, "#severity Z\nHello\n", &t);
	assert_int_equal(t.command_count, 1);
	assert_int_equal(t.bad_count, 1);
	assert_non_null(t.commands[0].error);
	assert_null(t.commands[0].value);
	assert_string_equal(t.body, "Hello\n");
	relay_parse(pool, "#level gold\n", &t);
	assert_int_equal(t.bad_count, 1);
	relay_parse(pool, "#close now\n", &t);
	assert_int_equal(t.bad_count, 1);
	relay_parse(pool, "#severity\n", &t);
	assert_int_equal(t.bad_count, 1);
	relay_parse(pool, "#severity BB\n#level\n", &t);
	assert_int_equal(t.bad_count, 2);

	/* "#" words that are no command are text, and end the commands */
	relay_parse(pool, "#hashtag of the day\n#close\n", &t);
	assert_int_equal(t.command_count, 0);
	assert_string_equal(t.body, "#hashtag of the day\n#close\n");
	assert_true(t.has_words);
	relay_parse(pool, "#closed\n", &t);
	assert_int_equal(t.command_count, 0);
	relay_parse(pool, "# close\n", &t);
	assert_int_equal(t.command_count, 0);
	relay_parse(pool, "#close\n#1 priority is this\n", &t);
	assert_int_equal(t.command_count, 1);
	assert_string_equal(t.body, "#1 priority is this\n");
	/* commands only at the top */
	relay_parse(pool, "Hello\n#close\n", &t);
	assert_int_equal(t.command_count, 0);
	assert_true(t.has_words);

	/* without commands the text is untouched, leading blank lines too */
	relay_parse(pool, "\n\nHello\n", &t);
	assert_string_equal(t.body, "\n\nHello\n");

	/* command-only, with a signature and quoted text */
	relay_parse(pool, "#close\n\n-- \nJane Agent\nVendor Support\n", &t);
	assert_int_equal(t.command_count, 1);
	assert_false(t.has_words);
	relay_parse(pool, "#close\n--\nJane\n", &t);
	assert_false(t.has_words);
	relay_parse(pool, "#close\n\nOn Mon, 16 Nov 2026, Alice wrote:\n\n> it broke\n>> before\n", &t);
	assert_false(t.has_words);
	relay_parse(pool, "#close\n> quoted\nbut this is new\n", &t);
	assert_true(t.has_words);
	/* a colon ending a line of text is text */
	relay_parse(pool, "#close\nDo this:\nrestart\n", &t);
	assert_true(t.has_words);
	relay_parse(pool, "", &t);
	assert_int_equal(t.command_count, 0);
	assert_false(t.has_words);
	pool_free(&pool);
}

/* ---- staff relay ---- */

static void test_relay_recipients_and_record(void **state)
{
	struct fixture *f = *state;
	const char *body = "Hello Alice,\n\nthe driver is fixed.\n\n-- \nJane Agent\n\n"
		"On Mon, Alice wrote:\n> Our printer does not print.\n";
	struct ingest_result r;
	struct store_outbox *o;
	struct message *m;
	struct outs out;
	const char *err;
	const char *h;

	open_case(f);
	assert_int_equal(store_undeliverable_add(f->ctx.store, "dave@acme.example",
						 T0, "5.1.1 no such user", &err), 0);
	r = mail(f, "From: Jane Agent <jane@vendor.example>\n"
		 "Subject: RE: [Case #00000001] Printer broken\n"
		 "Message-ID: <s1@vendor.example>\nIn-Reply-To: <c1@acme.example>\n"
		 "References: <c1@acme.example>\n", body);
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_string_equal(r.relayed, "staff_reply");
	assert_null(r.commands);
	assert_null(r.answer);   /* staff are never acknowledged */
	assert_int_equal(outbox_count(f, "staff_reply"), 1);
	o = outbox_last(f, "staff_reply");
	/* the requester and the cc participant; not staff (carol), not us,
	 * not the address that bounced (dave) */
	assert_string_equal(o->rcpt, "alice@acme.example bob@acme.example");
	assert_string_equal(o->mail_from, "support@vendor.example");
	assert_int_equal(o->case_number, 1);
	m = parse_out(f, o);
	assert_string_equal(m->from.addr, "support@vendor.example");
	assert_string_equal(m->from.name, "Vendor Support");
	assert_int_equal(m->to_count, 1);
	assert_string_equal(m->to[0].addr, "alice@acme.example");
	assert_string_equal(m->to[0].name, "Alice Martin");
	assert_int_equal(m->cc_count, 1);
	assert_string_equal(m->cc[0].addr, "bob@acme.example");
	assert_string_equal(m->subject, "[Case #00000001] Printer broken");
	assert_string_equal(m->in_reply_to, "c1@acme.example");
	/* as written: the signature and the quote stay */
	assert_string_equal(m->text, body);
	assert_null(message_header(m, "Auto-Submitted"));
	assert_non_null(h = message_header(m, "X-Loop"));
	assert_string_equal(h, "support@vendor.example");
	assert_string_equal(m->message_id, o->message_id);
	/* recorded with the case under the queued Message-ID */
	out = outgoing(f, 1);
	assert_int_equal(out.count, 1);
	assert_string_equal(out.message_id, o->message_id);
	assert_string_equal(out.source, "relay:jane@vendor.example");
	assert_string_equal(out.text, body);
	assert_string_equal(out.from, "support@vendor.example");
	/* the customer's answer to the relay threads by References alone */
	snprintf(f->buf, sizeof(f->buf), "x");
	{
		char hdr[512];

		snprintf(hdr, sizeof(hdr), "From: alice@acme.example\nSubject: thanks\n"
			 "Message-ID: <c2@acme.example>\nIn-Reply-To: <%s>\n", o->message_id);
		r = mail(f, hdr, "Thank you, it works.\n");
	}
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, 1);
	assert_null(r.relayed);
}

/* Regression: libetpan's quoted-printable writer doubled a space before a
 * line break, so the "-- " of a signature came out as "--  ". */
static void test_relay_signature_quoted_printable(void **state)
{
	struct fixture *f = *state;
	const char *body = "Voilà, c'est réparé.\n\n-- \nJeanne\tAgent\t\n"
		"Tab at the end\t\n  \n> cité  \n";
	struct ingest_result r;
	struct store_outbox *o;
	struct message *m;

	open_case(f);
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <q1@vendor.example>\n", body);
	assert_string_equal(r.relayed, "staff_reply");
	o = outbox_last(f, "staff_reply");
	assert_non_null(strstr(o->raw, "Content-Transfer-Encoding: quoted-printable"));
	assert_null(strstr(o->raw, "-- =20"));
	m = parse_out(f, o);
	assert_string_equal(m->text, body);
}

static void test_relay_by_references_and_threading(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	struct store_outbox *o;
	struct message *m;
	size_t before;

	open_case(f);
	/* no tag in the subject: found by References */
	r = mail(f, "From: jane@vendor.example\nSubject: about your printer\n"
		 "Message-ID: <s2@vendor.example>\nReferences: <zz@nowhere> <c1@acme.example>\n",
		 "Please try the new driver.\n");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, 1);
	assert_string_equal(r.relayed, "staff_reply");
	m = parse_out(f, outbox_last(f, "staff_reply"));
	assert_string_equal(m->subject, "[Case #00000001] Printer broken");
	assert_string_equal(m->in_reply_to, "c1@acme.example");
	assert_int_equal(m->references_count, 2);
	assert_string_equal(m->references[0], "zz@nowhere");
	assert_string_equal(m->references[1], "c1@acme.example");

	/* no In-Reply-To nor References: the case's last customer message */
	mail(f, "From: bob@acme.example\nSubject: Re: [Case #00000001] Printer broken\n"
	     "Message-ID: <c3@acme.example>\n", "Still broken here.\n");
	r = mail(f, "From: jane@vendor.example\nSubject: [Case #00000001]\n"
		 "Message-ID: <s3@vendor.example>\n", "On my way.\n");
	assert_string_equal(r.relayed, "staff_reply");
	o = outbox_last(f, "staff_reply");
	m = parse_out(f, o);
	assert_string_equal(m->in_reply_to, "c3@acme.example");
	assert_string_equal(m->text, "On my way.\n");
	/* the tag once even when the staff subject had it */
	assert_int_equal(count_str(m->subject, "[Case #"), 1);

	/* staff mail that names no case: stored (it opens one), neither
	 * relayed nor acknowledged */
	before = outbox_count(f, "staff_reply") + outbox_count(f, "ack_new_case");
	r = mail(f, "From: jane@vendor.example\nSubject: Licence check for ACME\n"
		 "Message-ID: <s4@vendor.example>\n", "#close\nInternal note.\n");
	assert_int_equal(r.outcome, INGEST_NEW);
	assert_int_equal(r.case_number, 2);
	assert_null(r.relayed);
	assert_null(r.commands);
	assert_null(r.answer);
	assert_non_null(r.suppressed);
	assert_int_equal(outbox_count(f, "staff_reply") + outbox_count(f, "ack_new_case"), before);
	assert_int_equal(get_case(f, 2)->status, CASE_OPEN);
	assert_int_equal(outgoing(f, 2).count, 0);
}

static void test_commands(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	struct store_case *c;
	struct message *m;
	size_t relays;

	open_case(f);
	c = get_case(f, 1);
	assert_null(c->severity);

	/* a command and text: applied, the text relayed without it */
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001] Printer broken\n"
		 "Message-ID: <k1@vendor.example>\n",
		 "#severity B\n\nWe are on it.\n\n-- \nJane\n");
	assert_string_equal(r.commands, "severity=B");
	assert_string_equal(r.relayed, "staff_reply");
	c = get_case(f, 1);
	assert_string_equal(c->severity, "B");
	m = parse_out(f, outbox_last(f, "staff_reply"));
	assert_string_equal(m->text, "We are on it.\n\n-- \nJane\n");
	assert_null(strstr(m->text, "#severity"));
	assert_int_equal(events_with(f, 1, "staff command", "#severity B by jane@vendor.example"), 1);

	/* #level: the target recomputed from the case's opening (not from
	 * now, hours later) */
	f->ctx.now += 5 * HOUR;
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <k2@vendor.example>\n", "  #LEVEL Premier  \n#severity a\n");
	assert_string_equal(r.commands, "level=premier,severity=A");
	assert_null(r.relayed);
	assert_string_equal(r.not_relayed, "commands only");
	c = get_case(f, 1);
	assert_string_equal(c->level, "premier");
	assert_string_equal(c->severity, "A");
	assert_int_equal(c->due, entitle_due(f->config, "premier", "A", c->region, c->created_at));
	assert_int_equal(c->due, c->created_at + HOUR);   /* premier A: 1h 24x7 */
	assert_int_equal(events_with(f, 1, "staff command", "#level premier by jane@vendor.example"), 1);

	/* command-only with a signature and a quote: nothing relayed */
	relays = outbox_count(f, "staff_reply");
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <k3@vendor.example>\n",
		 "#close\n\n-- \nJane\n\nOn Mon, Alice wrote:\n> Our printer does not print.\n");
	assert_string_equal(r.commands, "close");
	assert_null(r.relayed);
	assert_int_equal(outbox_count(f, "staff_reply"), relays);
	assert_int_equal(get_case(f, 1)->status, CASE_CLOSED);
	assert_int_equal(events_with(f, 1, "staff command", "#close by jane@vendor.example"), 1);
}

static void test_bad_commands(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	struct store_case *c;
	size_t relays;

	open_case(f);
	relays = outbox_count(f, "staff_reply");
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001] Printer broken\n"
		 "Message-ID: <b1@vendor.example>\n", "#severity Z\n\nWe are on it.\n");
	assert_null(r.commands);
	assert_null(r.relayed);
	assert_non_null(r.not_relayed);
	assert_int_equal(outbox_count(f, "staff_reply"), relays);
	assert_null(get_case(f, 1)->severity);
	assert_int_equal(events_with(f, 1, "staff command refused", "#severity Z by jane@vendor.example"), 1);

	/* all or nothing: the good command beside a bad one is not applied */
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001] Printer broken\n"
		 "Message-ID: <b2@vendor.example>\n", "#close\n#level gold\n");
	assert_null(r.commands);
	c = get_case(f, 1);
	assert_int_equal(c->status, CASE_OPEN);
	assert_null(c->level);
	assert_int_equal(events_with(f, 1, "staff command refused", "#level gold"), 1);
	assert_int_equal(events_with(f, 1, "staff command", ""), 0);
	assert_int_equal(outbox_count(f, "staff_reply"), relays);
}

static void test_never_relayed(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;

	open_case(f);
	/* automatic mail from staff: no command, no relay */
	r = mail(f, "From: jane@vendor.example\nSubject: Out of office: [Case #00000001]\n"
		 "Message-ID: <n1@vendor.example>\nAuto-Submitted: auto-replied\n",
		 "#close\nI am away.\n");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_null(r.relayed);
	assert_null(r.commands);
	assert_non_null(r.not_relayed);
	assert_int_equal(get_case(f, 1)->status, CASE_OPEN);
	/* our own mail coming back */
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <n2@vendor.example>\nX-Loop: support@vendor.example\n",
		 "Hello again.\n");
	assert_null(r.relayed);
	assert_string_equal(r.not_relayed, "the mail carries our X-Loop");
	/* the gateway's own address is in the staff domain: still never */
	r = mail(f, "From: support@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <n3@vendor.example>\n", "Hello from us.\n");
	assert_null(r.relayed);
	assert_int_equal(outbox_count(f, "staff_reply"), 0);
	/* old mail (import) is filed only */
	f->ctx.old_mail = true;
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <n4@vendor.example>\n", "#close\nLast year's answer.\n");
	f->ctx.old_mail = false;
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_null(r.relayed);
	assert_null(r.commands);
	assert_int_equal(get_case(f, 1)->status, CASE_OPEN);
	assert_int_equal(outbox_count(f, "staff_reply"), 0);
	/* a customer's mail on a support case is not passed on */
	r = mail(f, "From: alice@acme.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <n5@acme.example>\n", "#close\nAny news?\n");
	assert_null(r.relayed);
	assert_null(r.commands);
	assert_null(r.not_relayed);
	assert_int_equal(get_case(f, 1)->status, CASE_OPEN);
}

static void test_no_recipient(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;

	/* a case a staff member opened, nobody else in it */
	r = mail(f, "From: jane@vendor.example\nSubject: Internal: licence server\n"
		 "Message-ID: <i1@vendor.example>\n", "Let us check.\n");
	assert_int_equal(r.outcome, INGEST_NEW);
	r = mail(f, "From: tom@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <i2@vendor.example>\n", "Checked, all fine.\n");
	assert_null(r.relayed);
	assert_non_null(r.not_relayed);
	assert_int_equal(events_with(f, 1, "relay skipped", "no recipient"), 1);
	assert_int_equal(outbox_count(f, "staff_reply"), 0);
}

static int count_attachment(void *ctx, const struct store_attachment *a)
{
	(*(size_t *)ctx)++;
	assert_int_equal(a->size, 300);
	assert_string_equal(a->filename, "piloteé.bin");
	return 0;
}

static void test_attachments(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	struct store_outbox *o;
	struct message *m;
	struct outs out;
	unsigned char bin[300];
	const char *err;
	char b64[BASE64_ENCODE_RAW_LENGTH(300) + 1];
	size_t files = 0;
	int n;

	open_case(f);
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7);
	/* the staff mail's file in base64 by nettle (the relay's is
	 * libetpan's: two encoders, so one cannot hide the other's bug) */
	base64_encode_raw(b64, sizeof(bin), bin);
	b64[BASE64_ENCODE_RAW_LENGTH(sizeof(bin))] = '\0';
	n = snprintf(f->buf, sizeof(f->buf),
		     "From: jane@vendor.example\nTo: support@vendor.example\n"
		     "Subject: Re: [Case #00000001] Printer broken\nMessage-ID: <a1@vendor.example>\n"
		     "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n"
		     "--XX\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
		     "Voilà le pilote.\n\n--XX\n"
		     "Content-Type: application/octet-stream\n"
		     "Content-Disposition: attachment; filename*=UTF-8''pilote%%C3%%A9.bin\n"
		     "Content-Transfer-Encoding: base64\n\n%s\n--XX--\n", b64);
	assert_true(n > 0 && (size_t)n < sizeof(f->buf));
	if (ingest_message(&f->ctx, f->buf, (size_t)n, "test", &r, &err) < 0)
		fail_msg("ingest: %s", err);
	assert_string_equal(r.relayed, "staff_reply");
	o = outbox_last(f, "staff_reply");
	m = parse_out(f, o);
	assert_string_equal(m->content_type, "multipart/mixed");
	assert_string_equal(m->text, "Voilà le pilote.\n");
	assert_int_equal(m->attachment_count, 1);
	assert_string_equal(m->attachments[0].filename, "piloteé.bin");
	assert_string_equal(m->attachments[0].content_type, "application/octet-stream");
	assert_int_equal(m->attachments[0].size, sizeof(bin));
	assert_memory_equal(m->attachments[0].data, bin, sizeof(bin));
	assert_null(strstr(o->raw, "é"));   /* 7-bit on the wire */
	/* recorded with its file */
	out = outgoing(f, 1);
	assert_int_equal(out.count, 1);
	assert_int_equal(store_message_attachments(f->ctx.store, out.row, count_attachment,
						   &files, &err), 0);
	assert_int_equal(files, 1);
}

/* ---- renewal cases ---- */

static uint64_t renewal_case(struct fixture *f, const char *region, const char *key)
{
	struct store_case c;
	uint64_t n;
	const char *err;

	memset(&c, 0, sizeof(c));
	c.subject = "Your contract expires on 2027-01-31";
	c.requester = "alice@acme.example";
	c.requester_name = "Alice Martin";
	c.language = "en";
	c.region = region;
	c.created_at = T0;
	c.updated_at = T0;
	c.kind = "renewal";
	c.renewal_key = key;
	assert_int_equal(store_case_create(f->ctx.store, &c, &n, &err), 0);
	assert_int_equal(store_participant_add(f->ctx.store, n, "alice@acme.example",
					       "requester", &err), 0);
	return n;
}

static void test_renewal_forward(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	struct store_outbox *o;
	struct message *m;
	struct outs out;
	uint64_t n = renewal_case(f, "EMEA", "alice@acme.example/2027-01-31");
	char hdr[256];

	snprintf(hdr, sizeof(hdr), "From: Alice Martin <alice@acme.example>\n"
		 "Subject: Re: [Case #%08llu] Your contract expires\n"
		 "Message-ID: <r1@acme.example>\n", (unsigned long long)n);
	r = mail(f, hdr, "We want to renew for two years.\n");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_int_equal(r.case_number, n);
	assert_string_equal(r.relayed, "renewal_forward");
	o = outbox_last(f, "renewal_forward");
	assert_string_equal(o->rcpt, "emea-renewals@vendor.example");
	m = parse_out(f, o);
	assert_string_equal(m->from.addr, "support@vendor.example");
	assert_string_equal(m->to[0].addr, "emea-renewals@vendor.example");
	assert_string_equal(m->to[0].name, "EMEA Renewals");
	assert_string_equal(m->reply_to, "alice@acme.example");
	assert_null(message_header(m, "Auto-Submitted"));
	assert_int_equal(count_str(m->subject, "[Case #"), 1);
	assert_non_null(strstr(m->text, "From: Alice Martin <alice@acme.example>\n"));
	assert_non_null(strstr(m->text, "\nDate: 2026-11-16T10:00:00Z\n"));
	assert_non_null(strstr(m->text, "\n\nWe want to renew for two years.\n"));
	assert_string_equal(m->in_reply_to, "r1@acme.example");
	out = outgoing(f, n);
	assert_int_equal(out.count, 1);
	assert_string_equal(out.message_id, o->message_id);
	assert_string_equal(out.source, "forward:EMEA");

	/* the customer's out-of-office is not forwarded */
	snprintf(hdr, sizeof(hdr), "From: alice@acme.example\n"
		 "Subject: Auto: [Case #%08llu]\nMessage-ID: <r2@acme.example>\n"
		 "Auto-Submitted: auto-replied\n", (unsigned long long)n);
	r = mail(f, hdr, "I am away.\n");
	assert_null(r.relayed);
	assert_int_equal(outbox_count(f, "renewal_forward"), 1);

	/* staff answering on the renewal case reach the customer */
	snprintf(hdr, sizeof(hdr), "From: emea-renewals@vendor.example\n"
		 "Subject: Re: [Case #%08llu]\nMessage-ID: <r3@vendor.example>\n",
		 (unsigned long long)n);
	r = mail(f, hdr, "Here is the quote.\n");
	assert_string_equal(r.relayed, "staff_reply");
	o = outbox_last(f, "staff_reply");
	assert_string_equal(o->rcpt, "alice@acme.example");
	assert_int_equal(outbox_count(f, "renewal_forward"), 1);
	assert_int_equal(outgoing(f, n).count, 2);
}

static void test_renewal_region_without_team(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;
	uint64_t n = renewal_case(f, "AMS", "alice@acme.example/2027-02-28");
	char hdr[256];

	snprintf(hdr, sizeof(hdr), "From: alice@acme.example\n"
		 "Subject: Re: [Case #%08llu]\nMessage-ID: <t1@acme.example>\n",
		 (unsigned long long)n);
	r = mail(f, hdr, "Renew please.\n");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	assert_null(r.relayed);
	assert_non_null(r.not_relayed);
	assert_int_equal(outbox_count(f, "renewal_forward"), 0);
	assert_int_equal(events_with(f, n, "forward skipped", "region AMS has no team"), 1);
	assert_int_equal(outgoing(f, n).count, 0);
}

/* ---- without [smtp] ---- */

static void test_no_smtp(void **state)
{
	struct fixture *f = *state;
	struct ingest_result r;

	mail(f, "From: alice@acme.example\nSubject: Printer broken\nMessage-ID: <x1@acme.example>\n",
	     "It broke.\n");
	r = mail(f, "From: jane@vendor.example\nSubject: Re: [Case #00000001]\n"
		 "Message-ID: <x2@vendor.example>\n", "#severity B\nWe are on it.\n");
	assert_string_equal(r.commands, "severity=B");
	assert_null(r.relayed);
	assert_non_null(r.not_relayed);
	assert_string_equal(get_case(f, 1)->severity, "B");
	assert_int_equal(events_with(f, 1, "relay skipped", "no [smtp] section"), 1);
	assert_int_equal(outbox_count(f, "staff_reply"), 0);
	assert_int_equal(outgoing(f, 1).count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_commands),
		cmocka_unit_test_setup_teardown(test_relay_recipients_and_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_signature_quoted_printable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_by_references_and_threading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_relayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_recipient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attachments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_region_without_team, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_smtp, setup_nosmtp, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
