/*
 * sla.h - first-response targets in business time: when a case opened at
 * some instant must have had its first answer.
 *
 * A target (config.h's struct response_target) is either clock time
 * ("1h 24x7": start + 1 hour, nights and weekends included) or business
 * time: minutes counted only while the region is open (its business_hours,
 * in its time zone), plus whole business days, each worth the minutes the
 * region is open in one day (mon-fri 08:00-20:00: 1bd = 720 minutes, so
 * 1bd from Tuesday 10:00 is Wednesday 10:00).  A start outside the hours
 * starts the clock at the next opening.  Business time is real elapsed
 * time inside the opening hours of each local day, so the walk is exact
 * across weekends, month ends, leap days and daylight saving changes (an
 * opening that falls in the hour skipped in spring starts just after it).
 * Targets of more than eight weeks skip whole weeks at their nominal
 * length (exact unless the opening hours contain the hour the clocks
 * change).
 *
 * Ownership: nothing is allocated; buffers are the caller's.
 * Errors: none; a target that cannot be met (no open day) gives 0.
 */
#ifndef SUPPORTGW_SLA_H
#define SUPPORTGW_SLA_H

#include <stddef.h>
#include <stdint.h>

struct business_hours;
struct response_target;

/* Monday-Friday 08:00-20:00: the hours of a case without a region (in
 * UTC) and of every region that sets none. */
extern const struct business_hours sla_default_hours;

/* The instant the target falls due for a case opened at start (seconds
 * since the epoch), with the hours in zone tz (IANA name); 0 when target
 * is NULL or not set, or when the hours have no open day. */
int64_t sla_due(const struct response_target *target,
		const struct business_hours *hours, const char *tz,
		int64_t start);

/* "2026-11-23 09:00 Europe/Paris": instant t in zone tz (NULL: UTC), for
 * people; into buf, which it returns. */
const char *sla_format_local(int64_t t, const char *tz, char *buf,
			     size_t size);

/* "1h 24x7", "4h", "1bd", "2bd 30m" into buf; "none" when not set. */
const char *sla_format_target(const struct response_target *target,
			      char *buf, size_t size);

#endif
