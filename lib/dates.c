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

/* Runs with TZ set to tz, then restores the caller's TZ.  Nothing to do
 * when TZ is tz already (inside dates_zone_enter()): switching zones
 * makes the C library read the zone file again, twice per call. */
static void tz_enter(const char *tz, struct dates_zone *s)
{
	const char *old = getenv("TZ");

	s->skip = old != NULL && strcmp(old, tz) == 0;
	s->had = old != NULL;
	s->old = NULL;
	if (s->skip)
		return;
	s->old = old != NULL ? strdup(old) : NULL;
	setenv("TZ", tz, 1);
	tzset();
}

static void tz_leave(struct dates_zone *s)
{
	if (s->skip)
		return;
	if (s->had && s->old != NULL)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	free(s->old);
	s->old = NULL;
	tzset();
}

void dates_zone_enter(struct dates_zone *zone, const char *tz)
{
	tz_enter(tz, zone);
}

void dates_zone_leave(struct dates_zone *zone)
{
	tz_leave(zone);
}

int dates_local(const char *tz, int64_t t, int64_t *days_r,
		unsigned *minute_r)
{
	struct dates_zone saved;
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

/* The local time of instant t, as seconds since the epoch read as if it
 * were UTC (the zone is the one tz_enter() set); 0 and *ok false when the
 * C library cannot convert it. */
static int64_t local_seconds(int64_t t, int *ok)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL) {
		*ok = 0;
		return 0;
	}
	return date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
			       (unsigned)tm.tm_mday) * 86400 +
		tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/*
 * Not mktime(): with tm_isdst = -1 in a skipped hour, glibc moves the time
 * by the DST offset in a direction that depends on its guess (02:30 on the
 * last Sunday of March in Paris came back as 03:30 or 01:30, never the
 * 03:00 wanted), and in a repeated hour it may pick either.  Instead: the
 * zone's UTC offsets a day before and a day after give the (at most two)
 * candidate instants; the ones whose local time is the one wanted are
 * answers, the earlier first; when neither is, the time is in a gap, and
 * the instant just after it is found by bisection between the two (local
 * time only moves forward there).
 */
int64_t dates_instant(const char *tz, int64_t days, unsigned minute)
{
	struct dates_zone saved;
	int64_t want = days * 86400 + (int64_t)minute * 60;
	int64_t off_before, off_after, t1, t2, lo, hi, result;
	int ok = 1, ok1, ok2;

	tz_enter(tz, &saved);
	off_before = local_seconds(want - 86400, &ok) - (want - 86400);
	off_after = local_seconds(want + 86400, &ok) - (want + 86400);
	t1 = want - off_before;
	t2 = want - off_after;
	ok1 = local_seconds(t1, &ok) == want;
	ok2 = local_seconds(t2, &ok) == want;
	if (!ok) {
		result = want;   /* no zone rules: UTC */
	} else if (ok1 && ok2) {
		result = t1 < t2 ? t1 : t2;
	} else if (ok1 || ok2) {
		result = ok1 ? t1 : t2;
	} else {
		lo = t1 < t2 ? t1 : t2;   /* local time before the gap */
		hi = t1 < t2 ? t2 : t1;   /* local time after it */
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;

			if (local_seconds(mid, &ok) >= want)
				hi = mid;
			else
				lo = mid;
		}
		result = hi;
	}
	tz_leave(&saved);
	return result;
}
