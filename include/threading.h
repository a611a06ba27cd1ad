/*
 * threading.h - who may add to a case: the anti-hijack rules, as pure
 * functions over the config and a case's participants (no I/O), so they can
 * be tested alone.  The case look-ups themselves happen in ingest.c.
 *
 * A case number is printed in every subject, so it is no secret: anyone who
 * saw one could write into someone else's case.  With follow_up_policy =
 * domain (the default), a follow-up by fingerprint is appended only when the
 * sender is staff, or a participant, or shares the mail domain of a
 * participant; addresses at public mail providers only ever match exactly.
 * "participants" needs the exact address; "any" appends always.
 *
 * Ownership: nothing is allocated.  Errors: none.
 */
#ifndef SUPPORTGW_THREADING_H
#define SUPPORTGW_THREADING_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* addr is lower-case.  Staff entries are addresses or "@domain"s. */
bool threading_is_staff(const struct config *config, const char *addr);
bool threading_is_public_domain(const struct config *config,
				const char *domain);
bool threading_may_follow_up(const struct config *config, const char *sender,
			     const char *const *participants, size_t count);

#endif
