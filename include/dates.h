/*
 * dates.h - calendar dates as day numbers, and local time in a named time
 * zone.  Contracts expire on dates, renewal steps are whole days before
 * them, and first-response targets follow each region's office hours, so
 * the gateway needs both calendar arithmetic (exact across month ends and
 * leap days: a date is a day number, 0 = 1970-01-01, proleptic Gregorian)
 * and the rules of a time zone (the system's tz database, through the C
 * library).
 *
 * Time zones: the C library knows one zone at a time (TZ), so dates_local()
 * and dates_instant() set TZ for the call and put the previous value back;
 * they are not for threads (supportgw's workers are processes).  A zone
 * name is IANA's ("Europe/Paris"); "UTC" always works.
 *
 * Ownership: nothing is allocated; buffers are the caller's.
 * Errors: parsers return -1 for text that is not a valid date or time.
 */
#ifndef SUPPORTGW_DATES_H
#define SUPPORTGW_DATES_H

#include <stdint.h>

#define DATE_BUF 11   /* "YYYY-MM-DD" and its NUL */

/* Day number of a civil date (month 1-12, day 1-31; not checked). */
int64_t date_from_civil(int year, unsigned month, unsigned day);
void date_to_civil(int64_t days, int *year_r, unsigned *month_r,
		   unsigned *day_r);
/* Strict "YYYY-MM-DD" (years 1000-9999, the day must exist: no
 * 2025-02-29) -> 0 and the day number, else -1. */
int date_parse(const char *s, int64_t *days_r);
/* "YYYY-MM-DD" into buf (DATE_BUF bytes); returns buf. */
const char *date_format(int64_t days, char *buf);
/* 0 Monday .. 6 Sunday. */
unsigned date_weekday(int64_t days);
/* The day number of a UTC instant (seconds since the epoch). */
int64_t date_of_utc(int64_t t);

/* The local date and minute of the day (0-1439) of instant t in zone tz. */
int dates_local(const char *tz, int64_t t, int64_t *days_r,
		unsigned *minute_r);
/* The instant of local date `days` at `minute` (0-1440) in zone tz.  A
 * local time that does not exist (the hour skipped when clocks go forward)
 * gives the instant just after the gap; one that exists twice, the
 * first. */
int64_t dates_instant(const char *tz, int64_t days, unsigned minute);

/*
 * Several conversions in one zone for the price of one: between enter and
 * leave the process's TZ is tz, and dates_local()/dates_instant() called
 * with that same tz skip their own switch (which costs two reads of zone
 * files, about 15 us).  Scopes nest; leave puts the caller's TZ back.
 */
struct dates_zone {
	char *old;
	int had, skip;
};
void dates_zone_enter(struct dates_zone *zone, const char *tz);
void dates_zone_leave(struct dates_zone *zone);

#endif
