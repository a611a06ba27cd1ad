/*
 * Unit tests of gateway/sla.c: first-response due times in business time
 * (Monday-Friday 08:00-20:00 unless said otherwise) across nights,
 * weekends, month ends, the leap day and both daylight saving changes in
 * Europe/Paris and America/New_York; clock-time (24x7) targets; business
 * days; hours that contain the changed hour; whole weeks skipped on very
 * long targets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "dates.h"
#include "sla.h"
#include "util.h"

static int64_t utc(int y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
	return date_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static struct response_target minutes(unsigned m)
{
	return (struct response_target){ .set = true, .minutes = m };
}

static struct response_target bdays(unsigned n)
{
	return (struct response_target){ .set = true, .business_days = n };
}

static void check_due(const struct response_target *t,
		      const struct business_hours *h, const char *tz,
		      int64_t start, int64_t want, int line)
{
	int64_t got = sla_due(t, h, tz, start);

	if (got != want) {
		char a[32], b[32], c[32];

		time_iso8601(start, a);
		time_iso8601(got, b);
		time_iso8601(want, c);
		fail_msg("line %d: %s from %s: %s, want %s", line, tz, a, b, c);
	}
}
#define DUE(t, h, tz, start, want) check_due(&(t), h, tz, start, want, __LINE__)

static void test_friday_evening_to_monday(void **state)
{
	struct response_target hour = minutes(60);

	(void)state;
	/* Friday 19:30 Paris (CET, UTC+1): 30 minutes on Friday, 30 on
	 * Monday: Monday 08:30 */
	DUE(hour, NULL, "Europe/Paris", utc(2026, 11, 20, 18, 30), utc(2026, 11, 23, 7, 30));
	/* the same hour in UTC (no region) */
	DUE(hour, NULL, "UTC", utc(2026, 11, 20, 19, 30), utc(2026, 11, 23, 8, 30));
	/* exactly at closing time the clock waits for Monday */
	DUE(hour, NULL, "Europe/Paris", utc(2026, 11, 20, 19, 0), utc(2026, 11, 23, 8, 0));
	/* a target that ends at closing time is due then, not on Monday */
	DUE(hour, NULL, "Europe/Paris", utc(2026, 11, 20, 18, 0), utc(2026, 11, 20, 19, 0));
	/* seconds are kept */
	DUE(hour, NULL, "UTC", utc(2026, 11, 20, 19, 30) + 17, utc(2026, 11, 23, 8, 30) + 17);
}

static void test_start_outside_hours(void **state)
{
	struct response_target four = minutes(240);

	(void)state;
	/* at night: the clock starts at 08:00 */
	DUE(four, NULL, "Europe/Paris", utc(2026, 11, 24, 2, 0), utc(2026, 11, 24, 11, 0));
	/* before midnight: the next morning */
	DUE(four, NULL, "Europe/Paris", utc(2026, 11, 24, 21, 30), utc(2026, 11, 25, 11, 0));
	/* Saturday, Sunday late evening: Monday 12:00 */
	DUE(four, NULL, "Europe/Paris", utc(2026, 11, 21, 9, 0), utc(2026, 11, 23, 11, 0));
	DUE(four, NULL, "Europe/Paris", utc(2026, 11, 22, 22, 59), utc(2026, 11, 23, 11, 0));
	/* 23:30 UTC on Sunday is already Monday 00:30 in Paris */
	DUE(four, NULL, "Europe/Paris", utc(2026, 11, 22, 23, 30), utc(2026, 11, 23, 11, 0));
	/* New York, Saturday 01:00 UTC is still Friday 20:00 local */
	DUE(four, NULL, "America/New_York", utc(2026, 11, 21, 1, 0), utc(2026, 11, 23, 17, 0));
}

static void test_business_days(void **state)
{
	struct response_target one = bdays(1), two = bdays(2);
	struct response_target mixed = { .set = true, .business_days = 1, .minutes = 90 };

	(void)state;
	/* 1bd = 720 minutes: Tuesday 10:00 -> Wednesday 10:00 */
	DUE(one, NULL, "Europe/Paris", utc(2026, 11, 24, 9, 0), utc(2026, 11, 25, 9, 0));
	/* from the opening: the same evening */
	DUE(one, NULL, "Europe/Paris", utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 19, 0));
	/* Friday 15:00 -> Monday 15:00 */
	DUE(one, NULL, "Europe/Paris", utc(2026, 11, 20, 14, 0), utc(2026, 11, 23, 14, 0));
	/* 2bd across a weekend: Thursday 16:00 -> Monday 16:00 */
	DUE(two, NULL, "Europe/Paris", utc(2026, 11, 19, 15, 0), utc(2026, 11, 23, 15, 0));
	/* 1bd 1h30 */
	DUE(mixed, NULL, "UTC", utc(2026, 11, 24, 10, 0), utc(2026, 11, 25, 11, 30));
}

static void test_dst_changes(void **state)
{
	struct response_target two = bdays(2), hour = minutes(60);

	(void)state;
	/* 2bd across the weekend when Paris leaves summer time (Sunday
	 * 2026-10-25): Friday 10:00 CEST (08:00Z) -> Tuesday 10:00 CET
	 * (09:00Z): the same local time, one more real hour */
	DUE(two, NULL, "Europe/Paris", utc(2026, 10, 23, 8, 0), utc(2026, 10, 27, 9, 0));
	/* and into summer time (Sunday 2026-03-29): Friday 10:00 CET
	 * (09:00Z) -> Tuesday 10:00 CEST (08:00Z) */
	DUE(two, NULL, "Europe/Paris", utc(2026, 3, 27, 9, 0), utc(2026, 3, 31, 8, 0));
	/* New York springs forward on Sunday 2026-03-08: Friday 19:00 EST
	 * + 2h -> Monday 09:00 EDT */
	hour = minutes(120);
	DUE(hour, NULL, "America/New_York", utc(2026, 3, 7, 0, 0), utc(2026, 3, 9, 13, 0));
	/* and falls back on 2026-11-01: Friday 19:30 EDT + 1h -> Monday
	 * 08:30 EST */
	hour = minutes(60);
	DUE(hour, NULL, "America/New_York", utc(2026, 10, 30, 23, 30), utc(2026, 11, 2, 13, 30));
}

static void test_month_ends_and_leap_day(void **state)
{
	struct response_target two = bdays(2), four = minutes(240);

	(void)state;
	/* Wednesday 2024-02-28 15:00 + 2bd: the leap day, then Friday
	 * March 1st */
	DUE(two, NULL, "UTC", utc(2024, 2, 28, 15, 0), utc(2024, 3, 1, 15, 0));
	/* Friday 2026-01-30 18:00 Paris + 4h -> Monday 2026-02-02 10:00 */
	DUE(four, NULL, "Europe/Paris", utc(2026, 1, 30, 17, 0), utc(2026, 2, 2, 9, 0));
	/* the year's end: Thursday 2026-12-31 19:00 + 4h -> Friday 2027-01-01
	 * 11:00 (holidays are not known: business days are weekdays) */
	DUE(four, NULL, "UTC", utc(2026, 12, 31, 19, 0), utc(2027, 1, 1, 11, 0));
}

static void test_around_the_clock(void **state)
{
	struct response_target a = { .set = true, .around_the_clock = true, .minutes = 60 };

	(void)state;
	/* Premier A, 1h 24x7: Sunday 03:00 -> Sunday 04:00 */
	DUE(a, NULL, "Europe/Paris", utc(2026, 11, 22, 2, 0), utc(2026, 11, 22, 3, 0));
	/* clock time: across the skipped hour it is still one real hour
	 * (01:30 CET -> 03:30 CEST) */
	DUE(a, NULL, "Europe/Paris", utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30));
	/* hours do not matter */
	struct business_hours never = { 0, 0, 0 };
	DUE(a, &never, "UTC", 1000, 1000 + 3600);
}

static void test_own_hours(void **state)
{
	struct business_hours all_day = { 0x7f, 0, 1440 }, night = { 0x7f, 60, 300 };
	struct business_hours weekend = { 0x60, 9 * 60, 17 * 60 }, never = { 0, 0, 0 };
	struct response_target one = bdays(1), four = minutes(240), unset = { 0 };

	(void)state;
	/* every day all day: 1bd = 1440 minutes of real time, so on the
	 * day Paris gains an hour it ends at 23:00 local */
	DUE(one, &all_day, "Europe/Paris", utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 22, 0));
	/* hours holding the skipped hour: 01:00-05:00 is three real hours
	 * on 2026-03-29, so 4h from its opening end on Monday at 02:00 */
	DUE(four, &night, "Europe/Paris", utc(2026, 3, 29, 0, 0), utc(2026, 3, 30, 0, 0));
	/* weekend-only hours */
	DUE(four, &weekend, "UTC", utc(2026, 11, 23, 10, 0), utc(2026, 11, 28, 13, 0));
	/* no target, no open day */
	DUE(unset, NULL, "UTC", 1000, 0);
	DUE(four, &never, "UTC", 1000, 0);
	assert_int_equal(sla_due(NULL, NULL, "UTC", 1000), 0);
	/* no zone: UTC */
	DUE(four, NULL, NULL, utc(2026, 11, 24, 2, 0), utc(2026, 11, 24, 12, 0));
}

/* Long targets skip whole weeks and still land where a day-by-day count
 * does. */
static void test_long_targets(void **state)
{
	struct response_target hundred = bdays(100), odd = bdays(73);

	(void)state;
	/* Monday 2026-01-05 08:00: 100 weekdays later is the 20th Friday */
	DUE(hundred, NULL, "UTC", utc(2026, 1, 5, 8, 0), utc(2026, 5, 22, 20, 0));
	/* Wednesday 2026-01-07 14:00 + 73bd: 14 weeks and 3 days -> Monday
	 * 2026-04-20 14:00 */
	DUE(odd, NULL, "UTC", utc(2026, 1, 7, 14, 0), utc(2026, 4, 20, 14, 0));
}

static void test_format(void **state)
{
	struct response_target a = { .set = true, .around_the_clock = true, .minutes = 60 };
	struct response_target m = { .set = true, .business_days = 2, .minutes = 90 };
	struct response_target h = minutes(240), q = minutes(15), none = { 0 };
	char buf[32];

	(void)state;
	assert_string_equal(sla_format_target(&a, buf, sizeof(buf)), "1h 24x7");
	assert_string_equal(sla_format_target(&m, buf, sizeof(buf)), "2bd 1h30m");
	assert_string_equal(sla_format_target(&h, buf, sizeof(buf)), "4h");
	assert_string_equal(sla_format_target(&q, buf, sizeof(buf)), "15m");
	assert_string_equal(sla_format_target(&none, buf, sizeof(buf)), "none");
	assert_string_equal(sla_format_target(&m, buf, 4), "2bd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_friday_evening_to_monday),
		cmocka_unit_test(test_start_outside_hours),
		cmocka_unit_test(test_business_days),
		cmocka_unit_test(test_dst_changes),
		cmocka_unit_test(test_month_ends_and_leap_day),
		cmocka_unit_test(test_around_the_clock),
		cmocka_unit_test(test_own_hours),
		cmocka_unit_test(test_long_targets),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
