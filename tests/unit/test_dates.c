/*
 * Unit tests of lib/dates.c: day numbers against an independent day-by-day
 * count, the Gregorian leap rules, strict date parsing, weekdays, and local
 * time in zones with daylight saving time: Europe/Paris (last Sundays of
 * March and October), America/New_York (second Sunday of March, first of
 * November) and Australia/Lord_Howe (a half-hour shift), across the hour
 * that is skipped and the hour that happens twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dates.h"

/* An instant from UTC fields. */
static int64_t utc(int y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
	return date_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int y, unsigned m)
{
	static const unsigned n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : n[m - 1];
}

static void test_epoch_and_known_days(void **state)
{
	(void)state;
	assert_int_equal(date_from_civil(1970, 1, 1), 0);
	assert_int_equal(date_from_civil(1969, 12, 31), -1);
	assert_int_equal(date_from_civil(2000, 3, 1), 11017);
	assert_int_equal(date_from_civil(2024, 2, 29), 19782);
	assert_int_equal(date_from_civil(2024, 3, 1) - date_from_civil(2024, 2, 28), 2);
	assert_int_equal(date_from_civil(2025, 3, 1) - date_from_civil(2025, 2, 28), 1);
	/* month ends: the day after the 31st / 30th is the 1st */
	assert_int_equal(date_from_civil(2026, 2, 1) - date_from_civil(2026, 1, 31), 1);
	assert_int_equal(date_from_civil(2026, 5, 1) - date_from_civil(2026, 4, 30), 1);
	assert_int_equal(date_from_civil(2027, 1, 1) - date_from_civil(2026, 12, 31), 1);
}

/* Every day from 1000-01-01 to 9999-12-31, counted one by one with the
 * month lengths above: the day numbers and back agree. */
static void test_day_numbers_every_day(void **state)
{
	int64_t n = date_from_civil(1000, 1, 1);

	(void)state;
	for (int y = 1000; y <= 9999; y++) {
		for (unsigned m = 1; m <= 12; m++) {
			for (unsigned d = 1; d <= month_days(y, m); d++, n++) {
				int yy;
				unsigned mm, dd;

				if (date_from_civil(y, m, d) != n)
					fail_msg("%04d-%02u-%02u: %lld, counted %lld", y, m, d,
						 (long long)date_from_civil(y, m, d), (long long)n);
				date_to_civil(n, &yy, &mm, &dd);
				if (yy != y || mm != m || dd != d)
					fail_msg("%lld -> %04d-%02u-%02u, want %04d-%02u-%02u",
						 (long long)n, yy, mm, dd, y, m, d);
			}
		}
	}
	assert_int_equal(n - 1, date_from_civil(9999, 12, 31));
}

static void test_leap_rules(void **state)
{
	int64_t days;
	char buf[DATE_BUF];

	(void)state;
	/* divisible by 400: leap; by 100 only: not; by 4: leap */
	assert_int_equal(date_parse("1600-02-29", &days), 0);
	assert_string_equal(date_format(days, buf), "1600-02-29");
	assert_int_equal(date_parse("1900-02-29", &days), -1);
	assert_int_equal(date_parse("2000-02-29", &days), 0);
	assert_int_equal(date_parse("2100-02-29", &days), -1);
	assert_int_equal(date_parse("2024-02-29", &days), 0);
	assert_int_equal(days, date_from_civil(2024, 2, 29));
	assert_int_equal(date_parse("2025-02-29", &days), -1);
	/* the year lengths */
	assert_int_equal(date_from_civil(1901, 1, 1) - date_from_civil(1900, 1, 1), 365);
	assert_int_equal(date_from_civil(2001, 1, 1) - date_from_civil(2000, 1, 1), 366);
	assert_int_equal(date_from_civil(2101, 1, 1) - date_from_civil(2100, 1, 1), 365);
	assert_int_equal(date_from_civil(1601, 1, 1) - date_from_civil(1600, 1, 1), 366);
	assert_int_equal(date_from_civil(2400, 1, 1) - date_from_civil(2000, 1, 1), 146097);
}

static void test_date_parse_strict(void **state)
{
	static const char *const bad[] = {
		"2025-02-29", "2025-04-31", "2025-06-31", "2025-09-31", "2025-11-31",
		"2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32", "0999-12-31",
		"2025-1-01", "2025-01-1", "25-01-01", "2025/01/01", "2025-01-01 ",
		" 2025-01-01", "2025-01-01T00", "abcd-ef-gh", "2025-0a-01", "",
		"2025--1-01", "+025-01-01", "2025-01-+1",
	};
	int64_t days = 42;
	char buf[DATE_BUF];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (date_parse(bad[i], &days) != -1)
			fail_msg("'%s' parsed", bad[i]);
	}
	assert_int_equal(date_parse(NULL, &days), -1);
	assert_int_equal(days, 42);   /* untouched on failure */
	assert_int_equal(date_parse("2025-04-30", &days), 0);
	assert_string_equal(date_format(days, buf), "2025-04-30");
	assert_int_equal(date_parse("1000-01-01", &days), 0);
	assert_int_equal(date_parse("9999-12-31", &days), 0);
	assert_string_equal(date_format(days, buf), "9999-12-31");
	assert_string_equal(date_format(0, buf), "1970-01-01");
	assert_string_equal(date_format(-1, buf), "1969-12-31");
}

static void test_weekday_and_utc_day(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(0), 3);                            /* Thursday */
	assert_int_equal(date_weekday(-1), 2);                           /* Wednesday */
	assert_int_equal(date_weekday(date_from_civil(2000, 1, 1)), 5);  /* Saturday */
	assert_int_equal(date_weekday(date_from_civil(2024, 2, 29)), 3); /* Thursday */
	assert_int_equal(date_weekday(date_from_civil(2026, 3, 29)), 6); /* Sunday */
	assert_int_equal(date_weekday(date_from_civil(2026, 11, 23)), 0);/* Monday */
	assert_int_equal(date_weekday(date_from_civil(1600, 3, 1)), 2);  /* Wednesday */
	assert_int_equal(date_of_utc(0), 0);
	assert_int_equal(date_of_utc(86399), 0);
	assert_int_equal(date_of_utc(86400), 1);
	assert_int_equal(date_of_utc(-1), -1);
	assert_int_equal(date_of_utc(-86400), -1);
	assert_int_equal(date_of_utc(-86401), -2);
	assert_int_equal(date_of_utc(utc(2024, 2, 29, 23, 59)), date_from_civil(2024, 2, 29));
}

/* dates_local() of t in tz is day y-m-d at h:mi. */
static void assert_local(const char *tz, int64_t t, int y, unsigned m,
			 unsigned d, unsigned h, unsigned mi)
{
	int64_t days = 0;
	unsigned minute = 9999;

	assert_int_equal(dates_local(tz, t, &days, &minute), 0);
	if (days != date_from_civil(y, m, d) || minute != h * 60 + mi) {
		char buf[DATE_BUF];

		fail_msg("%s %lld: %s %02u:%02u, want %04d-%02u-%02u %02u:%02u", tz,
			 (long long)t, date_format(days, buf), minute / 60,
			 minute % 60, y, m, d, h, mi);
	}
}

static void test_local_across_dst(void **state)
{
	(void)state;
	assert_local("UTC", utc(2026, 3, 29, 1, 0), 2026, 3, 29, 1, 0);
	/* Paris: winter +1, summer +2; clocks go 02:00 -> 03:00 on
	 * 2026-03-29 and 03:00 -> 02:00 on 2026-10-25 */
	assert_local("Europe/Paris", utc(2026, 1, 15, 11, 0), 2026, 1, 15, 12, 0);
	assert_local("Europe/Paris", utc(2026, 3, 29, 0, 59), 2026, 3, 29, 1, 59);
	assert_local("Europe/Paris", utc(2026, 3, 29, 1, 0), 2026, 3, 29, 3, 0);
	assert_local("Europe/Paris", utc(2026, 10, 25, 0, 30), 2026, 10, 25, 2, 30);
	assert_local("Europe/Paris", utc(2026, 10, 25, 1, 30), 2026, 10, 25, 2, 30);
	assert_local("Europe/Paris", utc(2026, 10, 25, 2, 0), 2026, 10, 25, 3, 0);
	/* the local date differs from the UTC date near midnight */
	assert_local("Europe/Paris", utc(2026, 12, 31, 23, 30), 2027, 1, 1, 0, 30);
	assert_local("America/New_York", utc(2027, 1, 1, 3, 0), 2026, 12, 31, 22, 0);
	/* New York: 02:00 -> 03:00 on 2026-03-08, 02:00 -> 01:00 on 2026-11-01 */
	assert_local("America/New_York", utc(2026, 3, 8, 6, 59), 2026, 3, 8, 1, 59);
	assert_local("America/New_York", utc(2026, 3, 8, 7, 0), 2026, 3, 8, 3, 0);
	assert_local("America/New_York", utc(2026, 11, 1, 5, 30), 2026, 11, 1, 1, 30);
	assert_local("America/New_York", utc(2026, 11, 1, 6, 30), 2026, 11, 1, 1, 30);
	/* leap day, in a zone east of UTC */
	assert_local("Asia/Tokyo", utc(2024, 2, 28, 15, 0), 2024, 2, 29, 0, 0);
}

static void assert_instant(const char *tz, int y, unsigned m, unsigned d,
			   unsigned minute, int64_t want)
{
	int64_t t = dates_instant(tz, date_from_civil(y, m, d), minute);

	if (t != want)
		fail_msg("%s %04d-%02u-%02u %02u:%02u: %lld, want %lld (%+lld s)",
			 tz, y, m, d, minute / 60, minute % 60, (long long)t,
			 (long long)want, (long long)(t - want));
}

static void test_instant(void **state)
{
	(void)state;
	assert_instant("UTC", 2024, 2, 29, 12 * 60, utc(2024, 2, 29, 12, 0));
	assert_instant("Europe/Paris", 2026, 1, 15, 12 * 60, utc(2026, 1, 15, 11, 0));
	assert_instant("Europe/Paris", 2026, 7, 1, 12 * 60, utc(2026, 7, 1, 10, 0));
	/* 24:00 is the next day's midnight */
	assert_instant("Europe/Paris", 2026, 3, 28, 1440, utc(2026, 3, 28, 23, 0));
	assert_instant("America/New_York", 2026, 12, 31, 1440, utc(2027, 1, 1, 5, 0));
	/* every minute of a normal day and of both change days maps back;
	 * in the skipped hour (gap set), to the first minute after it */
	for (unsigned minute = 0; minute < 1440; minute++) {
		static const struct {
			const char *tz;
			int y;
			unsigned m, d;
			bool gap;
		} days[] = {
			{ "Europe/Paris", 2026, 3, 29, true },
			{ "Europe/Paris", 2026, 10, 25, false },
			{ "America/New_York", 2026, 3, 8, true },
			{ "America/New_York", 2026, 11, 1, false },
			{ "Europe/Paris", 2024, 2, 29, false },
		};

		for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
			int64_t day = date_from_civil(days[i].y, days[i].m, days[i].d);
			int64_t t = dates_instant(days[i].tz, day, minute), got_day;
			unsigned got, want = minute;

			if (days[i].gap && minute >= 120 && minute < 180)
				want = 180;
			assert_int_equal(dates_local(days[i].tz, t, &got_day, &got), 0);
			if (got_day != day || got != want)
				fail_msg("%s day %lld minute %u -> %lld minute %u", days[i].tz,
					 (long long)day, minute, (long long)got_day, got);
		}
	}
}

static void test_instant_gap_and_repeat(void **state)
{
	(void)state;
	/* the skipped hour: every time in it gives the instant just after
	 * the gap (03:00 local), never a time before it nor 03:30 */
	assert_instant("Europe/Paris", 2026, 3, 29, 119, utc(2026, 3, 29, 0, 59));
	assert_instant("Europe/Paris", 2026, 3, 29, 120, utc(2026, 3, 29, 1, 0));
	assert_instant("Europe/Paris", 2026, 3, 29, 150, utc(2026, 3, 29, 1, 0));
	assert_instant("Europe/Paris", 2026, 3, 29, 179, utc(2026, 3, 29, 1, 0));
	assert_instant("Europe/Paris", 2026, 3, 29, 180, utc(2026, 3, 29, 1, 0));
	assert_instant("Europe/Paris", 2026, 3, 29, 181, utc(2026, 3, 29, 1, 1));
	assert_instant("America/New_York", 2026, 3, 8, 135, utc(2026, 3, 8, 7, 0));
	assert_instant("America/New_York", 2026, 3, 8, 8 * 60, utc(2026, 3, 8, 12, 0));
	/* a half-hour shift: 02:00 -> 02:30 */
	assert_instant("Australia/Lord_Howe", 2026, 10, 4, 130, utc(2026, 10, 3, 15, 30));
	assert_instant("Australia/Lord_Howe", 2026, 10, 4, 119, utc(2026, 10, 3, 15, 29));
	/* the repeated hour: the first of the two */
	assert_instant("Europe/Paris", 2026, 10, 25, 150, utc(2026, 10, 25, 0, 30));
	assert_instant("Europe/Paris", 2026, 10, 25, 180, utc(2026, 10, 25, 2, 0));
	assert_instant("America/New_York", 2026, 11, 1, 90, utc(2026, 11, 1, 5, 30));
	assert_instant("America/New_York", 2026, 11, 1, 120, utc(2026, 11, 1, 7, 0));
}

/* The caller's TZ is put back, set or not. */
static void test_tz_restored(void **state)
{
	int64_t days;
	unsigned minute;

	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	assert_int_equal(dates_local("Europe/Paris", 0, &days, &minute), 0);
	(void)dates_instant("America/New_York", 0, 0);
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	assert_int_equal(dates_local("Europe/Paris", 0, &days, &minute), 0);
	assert_null(getenv("TZ"));
}

/* Inside a zone scope the answers are the same, another zone still
 * works, and the caller's TZ comes back at the end. */
static void test_zone_scope(void **state)
{
	struct dates_zone z, inner;
	int64_t days;
	unsigned minute;

	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	dates_zone_enter(&z, "Europe/Paris");
	assert_string_equal(getenv("TZ"), "Europe/Paris");
	assert_instant("Europe/Paris", 2026, 3, 29, 150, utc(2026, 3, 29, 1, 0));
	assert_instant("America/New_York", 2026, 11, 1, 90, utc(2026, 11, 1, 5, 30));
	assert_string_equal(getenv("TZ"), "Europe/Paris");
	assert_local("Europe/Paris", utc(2026, 10, 25, 1, 30), 2026, 10, 25, 2, 30);
	dates_zone_enter(&inner, "Europe/Paris");
	assert_local("Europe/Paris", utc(2026, 10, 25, 2, 0), 2026, 10, 25, 3, 0);
	dates_zone_leave(&inner);
	assert_string_equal(getenv("TZ"), "Europe/Paris");
	dates_zone_leave(&z);
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	assert_int_equal(dates_local("Asia/Tokyo", 0, &days, &minute), 0);
	assert_int_equal(minute, 9 * 60);
	unsetenv("TZ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_and_known_days),
		cmocka_unit_test(test_day_numbers_every_day),
		cmocka_unit_test(test_leap_rules),
		cmocka_unit_test(test_date_parse_strict),
		cmocka_unit_test(test_weekday_and_utc_day),
		cmocka_unit_test(test_local_across_dst),
		cmocka_unit_test(test_instant),
		cmocka_unit_test(test_instant_gap_and_repeat),
		cmocka_unit_test(test_tz_restored),
		cmocka_unit_test(test_zone_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
