/*
 * dates.c - calendar arithmetic and zone conversions; see include/dates.h.
 *
 * Civil dates use Howard Hinnant's days_from_civil / civil_from_days
 * (eras of 400 years), exact for every proleptic Gregorian date.
 */
#include "dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t date_from_civil(int year, unsigned month, unsigned day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

void date_to_civil(int64_t days, int *year_r, unsigned *month_r,
		   unsigned *day_r)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;

	*year_r = (int)((int64_t)yoe + era * 400 + (m <= 2));
	*month_r = m;
	*day_r = d;
}

static unsigned digits(const char *s, int n)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ~0u;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v;
}

int date_parse(const char *s, int64_t *days_r)
{
	unsigned y, m, d;
	int64_t days;
	int yy;
	unsigned mm, dd;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y == ~0u || m == ~0u || d == ~0u || y < 1000 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	days = date_from_civil((int)y, m, d);
	/* 2025-02-30 comes back as 2025-03-02: not a date */
	date_to_civil(days, &yy, &mm, &dd);
	if (yy != (int)y || mm != m || dd != d)
		return -1;
	*days_r = days;
	return 0;
}

const char *date_format(int64_t days, char *buf)
{
	int y;
	unsigned m, d;

	date_to_civil(days, &y, &m, &d);
	/* years outside 0-9999 are clamped: never produced by date_parse() */
	snprintf(buf, DATE_BUF, "%04u-%02u-%02u",
		 (unsigned)(y < 0 ? 0 : y > 9999 ? 9999 : y), m % 13, d % 32);
	return buf;
}

unsigned date_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (3 counting from Monday = 0) */
	int64_t w = (days + 3) % 7;

	return (unsigned)(w < 0 ? w + 7 : w);
}

int64_t date_of_utc(int64_t t)
{
	return (t >= 0 ? t : t - 86399) / 86400;
}

/* Runs with TZ set to tz, then restores the caller's TZ. */
struct tz_saved {
	char *old;
	int had;
};

static void tz_enter(const char *tz, struct tz_saved *s)
{
	const char *old = getenv("TZ");

	s->had = old != NULL;
	s->old = old != NULL ? strdup(old) : NULL;
	setenv("TZ", tz, 1);
	tzset();
}

static void tz_leave(struct tz_saved *s)
{
	if (s->had && s->old != NULL)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	free(s->old);
	tzset();
}

int dates_local(const char *tz, int64_t t, int64_t *days_r,
		unsigned *minute_r)
{
	struct tz_saved saved;
	time_t tt = (time_t)t;
	struct tm tm;
	int ok;

	tz_enter(tz, &saved);
	ok = localtime_r(&tt, &tm) != NULL;
	tz_leave(&saved);
	if (!ok)
		return -1;
	*days_r = date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
				  (unsigned)tm.tm_mday);
	*minute_r = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
	return 0;
}

int64_t dates_instant(const char *tz, int64_t days, unsigned minute)
{
	struct tz_saved saved;
	struct tm tm, check;
	int y;
	unsigned m, d;
	time_t t;

	date_to_civil(days, &y, &m, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)(minute / 60);
	tm.tm_min = (int)(minute % 60);
	tm.tm_isdst = -1;
	tz_enter(tz, &saved);
	t = mktime(&tm);
	/* In a gap mktime() moves the time by the DST offset, in either
	 * direction depending on the guess; the answer must not be before
	 * the wanted local time: the first minute after the gap. */
	if (t != (time_t)-1 && localtime_r(&t, &check) != NULL &&
	    (check.tm_hour * 60 + check.tm_min) != (int)(minute % 1440) &&
	    check.tm_mday == (int)d && check.tm_hour * 60 + check.tm_min < (int)minute) {
		t += 3600;
	}
	tz_leave(&saved);
	return (int64_t)t;
}
