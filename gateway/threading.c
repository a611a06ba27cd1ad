/* threading.c - anti-hijack rules; see include/threading.h. */
#include "threading.h"

#include <string.h>

#include "config.h"
#include "util.h"

bool threading_is_staff(const struct config *config, const char *addr)
{
	return config_addrs_match(&config->staff, addr);
}

bool threading_is_public_domain(const struct config *config, const char *domain)
{
	for (size_t i = 0; i < config->public_domains.count; i++) {
		if (str_ieq(config->public_domains.items[i], domain))
			return true;
	}
	return false;
}

bool threading_may_follow_up(const struct config *config, const char *sender,
			     const char *const *participants, size_t count)
{
	const char *domain = addr_domain(sender);
	bool domain_counts;

	if (config->follow_up_policy == FOLLOW_UP_ANY)
		return true;
	if (*sender == '\0')
		return false;
	if (threading_is_staff(config, sender))
		return true;
	for (size_t i = 0; i < count; i++) {
		if (str_ieq(participants[i], sender))
			return true;
	}
	if (config->follow_up_policy == FOLLOW_UP_PARTICIPANTS)
		return false;
	/* Two people at gmail.com are not colleagues. */
	domain_counts = *domain != '\0' &&
		!threading_is_public_domain(config, domain);
	if (!domain_counts)
		return false;
	for (size_t i = 0; i < count; i++) {
		/* A staff participant's domain is the vendor's own: sharing
		 * it already made the sender staff above. */
		if (threading_is_staff(config, participants[i]))
			continue;
		if (str_ieq(addr_domain(participants[i]), domain))
			return true;
	}
	return false;
}
