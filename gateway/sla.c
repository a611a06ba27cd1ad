/*
 * sla.c - business-time arithmetic; see include/sla.h.
 *
 * The walk goes day by day in the region's local calendar: each open day
 * contributes the real seconds between its opening and closing instants
 * (dates_instant(), which knows the zone's rules), from the start instant
 * on the first day.  All conversions run inside one dates_zone scope: a
 * zone switch per conversion would read the zone file again each time.
 */
#include "sla.h"

#include <stdio.h>

#include "config.h"
#include "dates.h"

const struct business_hours sla_default_hours = {
	.days = 0x1f,            /* Monday (bit 0) to Friday (bit 4) */
	.open_min = 8 * 60,
	.close_min = 20 * 60,
};

/* Past this much business time left, whole weeks are skipped. */
#define SLA_SKIP_WEEKS 8

static unsigned open_days(unsigned days)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 7; i++)
		n += (days >> i) & 1u;
	return n;
}

int64_t sla_due(const struct response_target *target,
		const struct business_hours *hours, const char *tz,
		int64_t start)
{
	struct dates_zone zone;
	int64_t remaining, per_day, week, day, due = 0;
	unsigned minute;

	if (target == NULL || !target->set)
		return 0;
	if (target->around_the_clock)
		return start + (int64_t)target->minutes * 60;
	if (hours == NULL)
		hours = &sla_default_hours;
	if (tz == NULL)
		tz = "UTC";
	per_day = hours->close_min > hours->open_min ?
		(int64_t)(hours->close_min - hours->open_min) : 0;
	week = (int64_t)open_days(hours->days) * per_day * 60;
	if (week == 0)
		return 0;
	remaining = ((int64_t)target->minutes +
		     (int64_t)target->business_days * per_day) * 60;
	if (remaining == 0)
		return start;

	dates_zone_enter(&zone, tz);
	if (dates_local(tz, start, &day, &minute) < 0)
		day = date_of_utc(start);
	for (;;) {
		if (hours->days & (1u << date_weekday(day))) {
			int64_t open = dates_instant(tz, day, hours->open_min);
			int64_t close = dates_instant(tz, day, hours->close_min);
			int64_t from = start > open ? start : open;

			if (from < close) {
				if (close - from >= remaining) {
					due = from + remaining;
					break;
				}
				remaining -= close - from;
			}
		}
		day++;
		if (remaining > SLA_SKIP_WEEKS * week) {
			int64_t n = remaining / week - (SLA_SKIP_WEEKS - 1);

			day += 7 * n;
			remaining -= n * week;
		}
	}
	dates_zone_leave(&zone);
	return due;
}

const char *sla_format_local(int64_t t, const char *tz, char *buf,
			     size_t size)
{
	char date[DATE_BUF];
	int64_t day;
	unsigned minute;

	if (tz == NULL)
		tz = "UTC";
	if (dates_local(tz, t, &day, &minute) < 0) {
		day = date_of_utc(t);
		minute = (unsigned)((t - day * 86400) / 60);
		tz = "UTC";
	}
	snprintf(buf, size, "%s %02u:%02u %s", date_format(day, date),
		 minute / 60, minute % 60, tz);
	return buf;
}

const char *sla_format_target(const struct response_target *t, char *buf,
			      size_t size)
{
	char bd[16] = "", h[16] = "", m[16] = "";

	if (t == NULL || !t->set) {
		snprintf(buf, size, "none");
		return buf;
	}
	if (t->business_days > 0)
		snprintf(bd, sizeof(bd), "%ubd", t->business_days);
	if (t->minutes / 60 > 0)
		snprintf(h, sizeof(h), "%uh", t->minutes / 60);
	if (t->minutes % 60 > 0)
		snprintf(m, sizeof(m), "%um", t->minutes % 60);
	snprintf(buf, size, "%s%s%s%s%s", bd,
		 bd[0] != '\0' && (h[0] != '\0' || m[0] != '\0') ? " " : "",
		 h, m, t->around_the_clock ? " 24x7" : "");
	return buf;
}
