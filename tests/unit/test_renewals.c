/*
 * Unit tests of gateway/renewals.c: which notice the schedule gives a
 * contract on a day (month ends, leap days, a run after a missed week, a
 * stale earlier step never sent after a later one, the grace window's
 * edges, auto-renewal, schedules with 0 and negative steps), the next
 * step that co-terming may pull ahead, the daemon's per-region clock, and
 * a whole run over an in-memory store: co-terming into one mail per
 * customer, region and kind, the renewal case, the ledger, a second run
 * and an earlier date sending nothing, a dry run writing nothing.
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
#include "dates.h"
#include "pool.h"
#include "renewals.h"
#include "store.h"
#include "template.h"

static int64_t day(const char *s)
{
	int64_t d = 0;

	if (date_parse(s, &d) < 0)
		fail_msg("bad date in the test: %s", s);
	return d;
}

/* The default schedule 90,60,30,7,0,-15, grace 30, auto 30, coterm 7. */
static struct config *defaults(void)
{
	struct config *c = config_defaults();

	assert_int_equal(c->renewals.schedule_count, 6);
	return c;
}

static bool due(const struct config *c, const char *expires, bool auto_renew,
		int sent_step, const char *today, struct renewal_step *st)
{
	struct renewal_state s = { day(expires), auto_renew, sent_step != INT32_MIN,
				   sent_step };

	return renewal_due(&c->renewals, &s, day(today), st);
}

#define NONE INT32_MIN

static void set_schedule(struct config *c, const int *steps, size_t n)
{
	free(c->renewals.schedule);
	c->renewals.schedule = malloc(n * sizeof(int));
	assert_non_null(c->renewals.schedule);
	memcpy(c->renewals.schedule, steps, n * sizeof(int));
	c->renewals.schedule_count = n;
}

/* ---- the schedule ---- */

static void test_month_end(void **state)
{
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	/* 2026-03-31 minus 30 days is 2026-03-01 (February has 28) */
	assert_false(due(c, "2026-03-31", false, 60, "2026-02-28", &st));
	assert_true(due(c, "2026-03-31", false, 60, "2026-03-01", &st));
	assert_int_equal(st.kind, RENEWAL_REMINDER);
	assert_int_equal(st.step, 30);
	assert_int_equal(st.day, day("2026-03-01"));
	/* the 60-day step of 2026-03-31 fell on 2026-01-30 */
	assert_false(due(c, "2026-03-31", false, 90, "2026-01-29", &st));
	assert_true(due(c, "2026-03-31", false, 90, "2026-01-30", &st));
	assert_int_equal(st.step, 60);
	/* 2026-03-01 minus 30 is 2026-01-30; in 2028 (leap) 2028-01-31 */
	assert_true(due(c, "2026-03-01", false, 60, "2026-01-30", &st));
	assert_int_equal(st.day, day("2026-01-30"));
	assert_false(due(c, "2028-03-01", false, 60, "2028-01-30", &st));
	assert_true(due(c, "2028-03-01", false, 60, "2028-01-31", &st));
	assert_int_equal(st.day, day("2028-01-31"));
	/* across a year end: 2027-01-05 minus 7 is 2026-12-29 */
	assert_false(due(c, "2027-01-05", false, 30, "2026-12-28", &st));
	assert_true(due(c, "2027-01-05", false, 30, "2026-12-29", &st));
	assert_int_equal(st.step, 7);
	config_free(&c);
}

static void test_leap_day(void **state)
{
	struct config *c = defaults();
	struct renewal_step st;
	char buf[DATE_BUF];
	int64_t d;

	(void)state;
	/* 2024-02-29 exists, one day on and back */
	assert_int_equal(date_parse("2024-02-29", &d), 0);
	assert_string_equal(date_format(d + 1, buf), "2024-03-01");
	assert_string_equal(date_format(d - 1, buf), "2024-02-28");
	assert_string_equal(date_format(d + 365, buf), "2025-02-28");
	assert_string_equal(date_format(d - 366, buf), "2023-02-28");
	assert_int_equal(date_parse("2027-02-29", &d), -1);
	/* a contract expiring on 2028-02-29: every step on its day */
	assert_true(due(c, "2028-02-29", false, NONE, "2027-12-01", &st));
	assert_int_equal(st.step, 90);
	assert_false(due(c, "2028-02-29", false, NONE, "2027-11-30", &st));
	assert_true(due(c, "2028-02-29", false, 30, "2028-02-22", &st));
	assert_int_equal(st.step, 7);
	assert_false(due(c, "2028-02-29", false, 30, "2028-02-21", &st));
	assert_true(due(c, "2028-02-29", false, 7, "2028-02-29", &st));
	assert_int_equal(st.kind, RENEWAL_EXPIRED);
	assert_int_equal(st.step, 0);
	assert_false(due(c, "2028-02-29", false, 7, "2028-02-28", &st));
	assert_true(due(c, "2028-02-29", false, 0, "2028-03-15", &st));
	assert_int_equal(st.step, -15);
	assert_int_equal(st.day, day("2028-03-15"));
	assert_false(due(c, "2028-02-29", false, 0, "2028-03-14", &st));
	config_free(&c);
}

static void test_missed_week(void **state)
{
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	/* expiry 2026-06-30: 30-day step 05-31, 7-day step 06-23.  The
	 * runs of 05-31 .. 06-26 were missed: on 06-27 only the 7-day step */
	assert_true(due(c, "2026-06-30", false, 60, "2026-06-27", &st));
	assert_int_equal(st.kind, RENEWAL_REMINDER);
	assert_int_equal(st.step, 7);
	assert_int_equal(st.day, day("2026-06-23"));
	/* never sent anything, run a week before: the 7-day step only */
	assert_true(due(c, "2026-06-30", false, NONE, "2026-06-24", &st));
	assert_int_equal(st.step, 7);
	/* a contract imported late, 40 days before expiry: the 60-day step
	 * (the latest whose day has come), then 30 */
	assert_true(due(c, "2026-06-30", false, NONE, "2026-05-21", &st));
	assert_int_equal(st.step, 60);
	/* all reminders missed, the run comes after expiry: the expired
	 * notice, not a late reminder */
	assert_true(due(c, "2026-06-30", false, 90, "2026-07-03", &st));
	assert_int_equal(st.kind, RENEWAL_EXPIRED);
	assert_int_equal(st.step, 0);
	config_free(&c);
}

static void test_never_stale(void **state)
{
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	/* the 7-day step went out: a run for an earlier date (the 30 or 60
	 * day step's) sends nothing */
	assert_false(due(c, "2026-06-30", false, 7, "2026-05-31", &st));
	assert_false(due(c, "2026-06-30", false, 7, "2026-05-01", &st));
	assert_false(due(c, "2026-06-30", false, 7, "2026-06-23", &st));
	/* the same day twice */
	assert_false(due(c, "2026-06-30", false, 30, "2026-05-31", &st));
	assert_false(due(c, "2026-06-30", false, 30, "2026-06-01", &st));
	/* the expired notice went out: no late reminder */
	assert_false(due(c, "2026-06-30", false, 0, "2026-06-25", &st));
	/* the -15 step went out: nothing more */
	assert_false(due(c, "2026-06-30", false, -15, "2026-07-20", &st));
	assert_false(due(c, "2026-06-30", false, -15, "2026-06-30", &st));
	config_free(&c);
}

/* A late step stands for the next reminder when that one falls within the
 * co-terming window (the same week): one mail, not two days apart. */
static void test_late_step_covers_the_week(void **state)
{
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	/* 32 days before expiry: the 60-day step is due, the 30-day step
	 * is 2 days away: recorded as the 30-day step */
	assert_true(due(c, "2026-07-03", false, NONE, "2026-06-01", &st));
	assert_int_equal(st.kind, RENEWAL_REMINDER);
	assert_int_equal(st.step, 30);
	/* and two days later nothing more */
	assert_false(due(c, "2026-07-03", false, 30, "2026-06-03", &st));
	/* 37 days before: the 30-day step is a week away: 60 stays */
	assert_true(due(c, "2026-07-08", false, NONE, "2026-06-01", &st));
	assert_int_equal(st.step, 60);
	assert_true(due(c, "2026-07-08", false, 60, "2026-06-08", &st));
	assert_int_equal(st.step, 30);
	/* 8 days before: 30 is due, 7 is tomorrow: recorded as 7 */
	assert_true(due(c, "2026-06-09", false, 60, "2026-06-01", &st));
	assert_int_equal(st.step, 7);
	/* 3 days before expiry: 7 is due; 0 ("expired") is never said early */
	assert_true(due(c, "2026-06-04", false, 30, "2026-06-01", &st));
	assert_int_equal(st.kind, RENEWAL_REMINDER);
	assert_int_equal(st.step, 7);
	assert_true(due(c, "2026-06-04", false, 7, "2026-06-04", &st));
	assert_int_equal(st.kind, RENEWAL_EXPIRED);
	assert_int_equal(st.step, 0);
	/* a one-day window covers nothing */
	c->renewals.coterm_days = 1;
	assert_true(due(c, "2026-07-03", false, NONE, "2026-06-01", &st));
	assert_int_equal(st.step, 60);
	config_free(&c);
}

static void test_grace(void **state)
{
	static const int late[] = { 30, 0, -40 };
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	/* grace_days 30: the -15 step (or the 0 step, missed) is sent up to
	 * 30 days after expiry, not on day 31 */
	assert_true(due(c, "2026-06-30", false, 0, "2026-07-30", &st));
	assert_int_equal(st.step, -15);
	assert_false(due(c, "2026-06-30", false, 0, "2026-07-31", &st));
	assert_true(due(c, "2026-06-30", false, 7, "2026-07-30", &st));
	assert_int_equal(st.step, -15);
	assert_false(due(c, "2026-06-30", false, NONE, "2026-07-31", &st));
	assert_false(due(c, "2026-06-30", false, NONE, "2027-01-01", &st));
	/* a shorter grace cuts the -15 step off */
	c->renewals.grace_days = 10;
	assert_true(due(c, "2026-06-30", false, 7, "2026-07-10", &st));
	assert_int_equal(st.step, 0);
	assert_false(due(c, "2026-06-30", false, 7, "2026-07-11", &st));
	assert_false(due(c, "2026-06-30", false, 0, "2026-07-15", &st));
	/* grace_days 0: the expiry day only */
	c->renewals.grace_days = 0;
	assert_true(due(c, "2026-06-30", false, 7, "2026-06-30", &st));
	assert_false(due(c, "2026-06-30", false, 7, "2026-07-01", &st));
	/* a step beyond the grace window never applies */
	c->renewals.grace_days = 30;
	set_schedule(c, late, 3);
	assert_true(due(c, "2026-06-30", false, 30, "2026-07-30", &st));
	assert_int_equal(st.step, 0);
	assert_false(due(c, "2026-06-30", false, 0, "2026-08-09", &st));
	config_free(&c);
}

static void test_auto_renew(void **state)
{
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	/* one notice from 30 days before, never the reminder series */
	assert_false(due(c, "2026-06-30", true, NONE, "2026-04-01", &st));
	assert_false(due(c, "2026-06-30", true, NONE, "2026-05-30", &st));
	assert_true(due(c, "2026-06-30", true, NONE, "2026-05-31", &st));
	assert_int_equal(st.kind, RENEWAL_AUTO);
	assert_int_equal(st.step, 30);
	assert_int_equal(st.day, day("2026-05-31"));
	/* missed: still the day before expiry, not on it, not after */
	assert_true(due(c, "2026-06-30", true, NONE, "2026-06-29", &st));
	assert_false(due(c, "2026-06-30", true, NONE, "2026-06-30", &st));
	assert_false(due(c, "2026-06-30", true, NONE, "2026-07-05", &st));
	/* once only */
	assert_false(due(c, "2026-06-30", true, 30, "2026-06-10", &st));
	/* switched to auto-renew after the 60-day reminder: the notice */
	assert_true(due(c, "2026-06-30", true, 60, "2026-06-10", &st));
	assert_int_equal(st.kind, RENEWAL_AUTO);
	/* auto_renew_notice_days = 0: none at all */
	c->renewals.auto_notice_days = 0;
	assert_false(due(c, "2026-06-30", true, NONE, "2026-06-29", &st));
	config_free(&c);
}

static void test_schedules(void **state)
{
	static const int with_zero[] = { 30, 0, -7 };
	static const int positive[] = { 30, 7 };
	static const int after_only[] = { -1, -10 };
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	set_schedule(c, with_zero, 3);
	assert_true(due(c, "2026-06-30", false, NONE, "2026-06-29", &st));
	assert_int_equal(st.kind, RENEWAL_REMINDER);
	assert_int_equal(st.step, 30);
	assert_true(due(c, "2026-06-30", false, 30, "2026-06-30", &st));
	assert_int_equal(st.kind, RENEWAL_EXPIRED);
	assert_int_equal(st.step, 0);
	assert_false(due(c, "2026-06-30", false, 0, "2026-07-06", &st));
	assert_true(due(c, "2026-06-30", false, 0, "2026-07-07", &st));
	assert_int_equal(st.step, -7);
	/* only positive steps: nothing once expired */
	set_schedule(c, positive, 2);
	assert_true(due(c, "2026-06-30", false, 30, "2026-06-29", &st));
	assert_int_equal(st.step, 7);
	assert_false(due(c, "2026-06-30", false, 30, "2026-06-30", &st));
	assert_false(due(c, "2026-06-30", false, NONE, "2026-07-02", &st));
	assert_false(due(c, "2026-06-30", false, NONE, "2026-05-30", &st));
	/* only steps after expiry */
	set_schedule(c, after_only, 2);
	assert_false(due(c, "2026-06-30", false, NONE, "2026-06-30", &st));
	assert_true(due(c, "2026-06-30", false, NONE, "2026-07-01", &st));
	assert_int_equal(st.kind, RENEWAL_EXPIRED);
	assert_int_equal(st.step, -1);
	assert_true(due(c, "2026-06-30", false, -1, "2026-07-10", &st));
	assert_int_equal(st.step, -10);
	config_free(&c);
}

static bool next(const struct config *c, const char *expires, bool auto_renew,
		 int sent_step, const char *today, struct renewal_step *st)
{
	struct renewal_state s = { day(expires), auto_renew, sent_step != NONE,
				   sent_step };

	return renewal_next(&c->renewals, &s, day(today), st);
}

static void test_next_step(void **state)
{
	struct config *c = defaults();
	struct renewal_step st;

	(void)state;
	/* run on 06-01 (coterm_days 7: 06-02 .. 06-07) */
	assert_true(next(c, "2026-07-04", false, 60, "2026-06-01", &st));
	assert_int_equal(st.kind, RENEWAL_REMINDER);
	assert_int_equal(st.step, 30);
	assert_int_equal(st.day, day("2026-06-04"));
	assert_true(next(c, "2026-07-07", false, 60, "2026-06-01", &st));
	assert_int_equal(st.day, day("2026-06-07"));
	/* the day after the window: no */
	assert_false(next(c, "2026-07-08", false, 60, "2026-06-01", &st));
	/* due today, not next */
	assert_false(next(c, "2026-07-01", false, 60, "2026-06-01", &st));
	/* already sent */
	assert_false(next(c, "2026-07-04", false, 30, "2026-06-01", &st));
	/* auto-renewal notice in 3 days */
	assert_true(next(c, "2026-07-04", true, NONE, "2026-06-01", &st));
	assert_int_equal(st.kind, RENEWAL_AUTO);
	assert_int_equal(st.step, 30);
	/* "has expired" is not said ahead of the expiry */
	assert_false(next(c, "2026-06-04", false, 7, "2026-06-01", &st));
	/* but the -15 step of a contract expired 12 days ago may be */
	assert_true(next(c, "2026-05-20", false, 0, "2026-06-01", &st));
	assert_int_equal(st.kind, RENEWAL_EXPIRED);
	assert_int_equal(st.step, -15);
	/* coterm_days 1: nothing is pulled ahead */
	c->renewals.coterm_days = 1;
	assert_false(next(c, "2026-07-02", false, 60, "2026-06-01", &st));
	config_free(&c);
}

static void test_zones(void **state)
{
	struct config *c = defaults();
	int64_t today, now = 1768456800; /* 2026-01-15 06:00 UTC */
	unsigned minute;
	size_t n = renewals_zone_count(c);

	(void)state;
	assert_int_equal(n, c->region_count + 1);
	assert_string_equal(renewals_zone_name(c, n - 1), "");
	for (size_t z = 0; z < n - 1; z++) {
		const char *name = renewals_zone_name(c, z);

		assert_int_equal(renewals_zone_today(c, z, now, &today, &minute), 0);
		if (strcmp(name, "JP") == 0) {
			assert_int_equal(today, day("2026-01-15"));
			assert_int_equal(minute, 15 * 60);
		} else if (strcmp(name, "AMS") == 0) {
			assert_int_equal(today, day("2026-01-15"));
			assert_int_equal(minute, 60);
		} else if (strcmp(name, "EMEA") == 0) {
			assert_int_equal(minute, 7 * 60);
		}
	}
	/* Paris is at 07:00: its 08:00 is the next send time, in an hour */
	assert_int_equal(renewals_next_send(c, now), 3600);
	/* at 07:30 UTC Paris has sent; the UTC zone's 08:00 is next */
	assert_int_equal(renewals_next_send(c, now + 5400), 1800);
	config_free(&c);
}

/* ---- a run over an in-memory store ---- */

struct seen {
	char lines[16][256];
	size_t count;
};

static void remember(void *ctx, const struct renewals_mail *m)
{
	struct seen *s = ctx;
	int n;

	assert_true(s->count < 16);
	n = snprintf(s->lines[s->count], 256, "%s %s %s %s", m->to,
		     m->region != NULL ? m->region : "-", m->template_name,
		     m->language);
	for (size_t i = 0; i < m->contract_count; i++)
		n += snprintf(s->lines[s->count] + n, 256 - (size_t)n, "%s%s",
			      i == 0 ? " " : ",", m->contracts[i]);
	s->count++;
}

static bool saw(const struct seen *s, const char *line)
{
	for (size_t i = 0; i < s->count; i++) {
		if (strcmp(s->lines[i], line) == 0)
			return true;
	}
	return false;
}

static void add(struct store *st, const char *id, const char *email,
		const char *region, const char *language, int64_t expires,
		bool auto_renew)
{
	struct store_contract k = { 0 };
	char exp[DATE_BUF];
	const char *error;

	k.id = id;
	k.customer_email = email;
	k.customer_name = "Customer Name";
	k.product = "Gateway Pro";
	k.region = region;
	k.language = language;
	k.level = "standard";
	k.expires = date_format(expires, exp);
	k.auto_renew = auto_renew;
	k.renewal_id = id;
	assert_int_equal(store_contract_upsert(st, &k, NULL, &error), 0);
}

struct count {
	size_t n;
	int min_step;
};

static int count_notice(void *ctx, const struct store_notice *n)
{
	struct count *c = ctx;

	if (c->n++ == 0 || n->step < c->min_step)
		c->min_step = n->step;
	return 0;
}

static struct count notices(struct store *st, const char *contract)
{
	struct count c = { 0, 0 };
	const char *error;

	assert_int_equal(store_renewal_notices(st, contract, count_notice, &c,
					       &error), 0);
	return c;
}

static int count_outbox(void *ctx, const struct store_outbox *o)
{
	(*(size_t *)ctx)++;
	return 0;
}

static size_t outbox_rows(struct store *st)
{
	size_t n = 0;
	const char *error;

	assert_int_equal(store_outbox_list(st, -1, count_outbox, &n, &error), 0);
	return n;
}

struct find {
	uint64_t number;
	int64_t id;
};

static int find_case_row(void *ctx, const struct store_outbox *o)
{
	struct find *f = ctx;

	if (o->case_number == f->number)
		f->id = o->id;
	return 0;
}

/* The outbox row of a case (the last one). */
static int64_t outbox_of(struct store *st, uint64_t number)
{
	struct find f = { number, 0 };
	const char *error;

	assert_int_equal(store_outbox_list(st, -1, find_case_row, &f, &error), 0);
	assert_true(f.id > 0);
	return f.id;
}

static int run(const struct config *c, struct store *st,
	       const struct template_set *set, int64_t date, bool dry,
	       struct seen *seen, struct renewals_stats *stats)
{
	struct renewals_options opt = { .has_date = true, .date = date,
					 .dry_run = dry, .now = 1780000000 };
	const char *error = NULL;
	int r;

	memset(seen, 0, sizeof(*seen));
	r = renewals_run(c, st, set, &opt, remember, seen, stats, &error);
	if (r != 0)
		print_error("renewals_run: %s\n", error != NULL ? error : "?");
	return r;
}

static struct config *run_config(void)
{
	struct config *c = defaults();
	struct region_config *emea = (struct region_config *)config_region(c, "EMEA");

	c->smtp.configured = true;
	c->smtp.from = strdup("Example Support <support@example.com>");
	c->smtp.from_addr = strdup("support@example.com");
	c->smtp.bounce_address = strdup("bounces@example.com");
	assert_non_null(emea);
	emea->team = strdup("EMEA Renewals <EMEA_renewals@example.com>");
	emea->team_addr = strdup("emea_renewals@example.com");
	free(emea->language);
	emea->language = strdup("fr");
	return c;
}

static void test_run_coterm(void **state)
{
	struct config *c = run_config();
	struct template_set *set = NULL;
	struct store *st = NULL;
	struct renewals_stats stats;
	struct seen seen;
	struct pool *pool = pool_new(4096);
	struct store_outbox *o = NULL;
	struct store_case *cs = NULL;
	int64_t d = day("2026-06-01");
	uint64_t number = 0;
	char *err = NULL;
	const char *error;

	(void)state;
	assert_int_equal(template_set_load("templates", &set, &err), 0);
	assert_null(renewals_missing_template(set));
	assert_int_equal(store_open(":memory:", &st, &error), 0);
	/* a@: A1 due today (30 days), A2 three days later (pulled into the
	 * same mail), A3 ten days later with its 60-day step sent (not
	 * pulled), A4 the same day but AMS (its own mail), A5 auto-renewing
	 * (its own notice); b@ has only a step in 3 days: no mail today */
	add(st, "A1", "a@example.com", "EMEA", NULL, d + 30, false);
	add(st, "A2", "a@example.com", "EMEA", NULL, d + 33, false);
	add(st, "A3", "a@example.com", "EMEA", NULL, d + 40, false);
	add(st, "A4", "a@example.com", "AMS", NULL, d + 30, false);
	add(st, "A5", "a@example.com", "EMEA", "en", d + 29, true);
	add(st, "B1", "b@example.com", NULL, NULL, d + 33, false);
	{
		char exp[DATE_BUF];
		struct store_notice n = { "A3", date_format(d + 40, exp), 60,
					  "reminder", 0, 0, "2026-05-01", 1 };

		assert_int_equal(store_renewal_notice_add(st, &n, &error), 0);
		/* A2's and B1's 60-day steps went out */
		n.contract = "A2";
		n.expires = date_format(d + 33, exp);
		assert_int_equal(store_renewal_notice_add(st, &n, &error), 0);
		n.contract = "B1";
		n.expires = date_format(d + 33, exp);
		assert_int_equal(store_renewal_notice_add(st, &n, &error), 0);
	}

	/* a dry run renders all of it and writes nothing */
	assert_int_equal(run(c, st, set, d, true, &seen, &stats), 0);
	assert_int_equal(stats.mails, 3);
	assert_int_equal(outbox_rows(st), 0);
	assert_int_equal(notices(st, "A1").n, 0);

	assert_int_equal(run(c, st, set, d, false, &seen, &stats), 0);
	assert_int_equal(stats.mails, 3);
	assert_int_equal(stats.notices, 4);
	assert_int_equal(stats.coterm, 1);
	assert_int_equal(stats.by_kind[RENEWAL_REMINDER], 2);
	assert_int_equal(stats.by_kind[RENEWAL_AUTO], 1);
	assert_true(saw(&seen, "a@example.com EMEA renewal_reminder fr A1,A2"));
	assert_true(saw(&seen, "a@example.com AMS renewal_reminder en A4"));
	assert_true(saw(&seen, "a@example.com EMEA renewal_auto en A5"));
	assert_int_equal(outbox_rows(st), 3);
	/* the ledger: each listed contract has its step */
	assert_int_equal(notices(st, "A1").n, 1);
	assert_int_equal(notices(st, "A1").min_step, 30);
	assert_int_equal(notices(st, "A2").n, 2);
	assert_int_equal(notices(st, "A2").min_step, 30);
	assert_int_equal(notices(st, "A3").n, 1);
	assert_int_equal(notices(st, "A5").min_step, 30);
	assert_int_equal(notices(st, "B1").n, 1);

	/* the renewal case of the EMEA reminder, and its mail */
	assert_int_equal(store_case_by_renewal_key(st, "renewal:a@example.com:2026-07-01:EMEA",
						   &number, &error), 1);
	assert_int_equal(store_case_get(st, pool, number, &cs, &error), 1);
	assert_string_equal(cs->kind, "renewal");
	assert_string_equal(cs->region, "EMEA");
	assert_string_equal(cs->requester, "a@example.com");
	assert_string_equal(cs->language, "fr");
	assert_int_equal(store_outbox_get(st, pool, outbox_of(st, number), &o,
					 &error), 1);
	assert_int_equal(o->case_number, number);
	assert_string_equal(o->kind, "renewal_reminder");
	assert_string_equal(o->mail_from, "bounces@example.com");
	assert_string_equal(o->rcpt, "a@example.com EMEA_renewals@example.com");
	assert_non_null(strstr(o->raw, "From: EMEA Renewals <EMEA_renewals@example.com>\r\n"));
	assert_non_null(strstr(o->raw, "Reply-To: EMEA Renewals <EMEA_renewals@example.com>\r\n"));
	assert_non_null(strstr(o->raw, "Auto-Submitted: auto-generated\r\n"));
	assert_null(strstr(o->raw, "In-Reply-To"));
	assert_null(strstr(o->raw, "Bcc"));
	/* the Message-ID threads replies into the case */
	{
		uint64_t found = 0;

		assert_int_equal(store_message_id_case(st, o->message_id, &found,
						       &error), 1);
		assert_int_equal(found, number);
	}

	/* the same day again, and an earlier date: nothing */
	assert_int_equal(run(c, st, set, d, false, &seen, &stats), 0);
	assert_int_equal(stats.mails, 0);
	assert_int_equal(run(c, st, set, d - 5, false, &seen, &stats), 0);
	assert_int_equal(stats.mails, 0);
	/* three days later: A2 is not sent alone; B1 (no region, no
	 * default region) goes from the gateway's address */
	assert_int_equal(run(c, st, set, d + 3, false, &seen, &stats), 0);
	assert_int_equal(stats.mails, 1);
	assert_true(saw(&seen, "b@example.com - renewal_reminder en B1"));
	/* ten days later, A3's 30-day step, alone */
	assert_int_equal(run(c, st, set, d + 10, false, &seen, &stats), 0);
	assert_int_equal(stats.mails, 1);
	assert_true(saw(&seen, "a@example.com EMEA renewal_reminder fr A3"));
	assert_int_equal(outbox_rows(st), 5);

	/* [renewals] default_region routes contracts of no region: the 7-day
	 * step of B1 goes from EMEA, in French */
	c->renewals.default_region = strdup("EMEA");
	assert_int_equal(run(c, st, set, d + 26, false, &seen, &stats), 0);
	assert_true(saw(&seen, "b@example.com EMEA renewal_reminder fr B1"));

	template_set_free(&set);
	store_close(&st);
	pool_free(&pool);
	config_free(&c);
}

/* A region filter runs those zones only; the others wait their turn. */
static void test_run_zones(void **state)
{
	struct config *c = run_config();
	struct template_set *set = NULL;
	struct store *st = NULL;
	struct renewals_stats stats;
	struct seen seen;
	int64_t d = day("2026-06-01");
	const char *only[] = { "ams" }, *none[] = { "" };
	struct renewals_options opt = { .has_date = true, .date = d,
					 .zones = only, .zone_count = 1,
					 .now = 1780000000 };
	char *err = NULL;
	const char *error;

	(void)state;
	assert_int_equal(template_set_load("templates", &set, &err), 0);
	assert_int_equal(store_open(":memory:", &st, &error), 0);
	add(st, "E1", "e@example.com", "EMEA", NULL, d + 30, false);
	add(st, "M1", "m@example.com", "AMS", NULL, d + 30, false);
	add(st, "N1", "n@example.com", NULL, NULL, d + 30, false);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(renewals_run(c, st, set, &opt, remember, &seen, &stats,
				      &error), 0);
	assert_int_equal(stats.mails, 1);
	assert_true(saw(&seen, "m@example.com AMS renewal_reminder en M1"));
	opt.zones = none;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(renewals_run(c, st, set, &opt, remember, &seen, &stats,
				      &error), 0);
	assert_int_equal(stats.mails, 1);
	assert_true(saw(&seen, "n@example.com - renewal_reminder en N1"));
	opt.zones = NULL;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(renewals_run(c, st, set, &opt, remember, &seen, &stats,
				      &error), 0);
	assert_int_equal(stats.mails, 1);
	assert_true(saw(&seen, "e@example.com EMEA renewal_reminder fr E1"));
	template_set_free(&set);
	store_close(&st);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_end),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_missed_week),
		cmocka_unit_test(test_never_stale),
		cmocka_unit_test(test_late_step_covers_the_week),
		cmocka_unit_test(test_grace),
		cmocka_unit_test(test_auto_renew),
		cmocka_unit_test(test_schedules),
		cmocka_unit_test(test_next_step),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_run_coterm),
		cmocka_unit_test(test_run_zones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
