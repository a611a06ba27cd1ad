/*
 * config.c - loads the INI configuration with inih; see include/config.h.
 *
 * Keys are described by one table (section, name, kind, field), so later
 * issues add a section by adding rows.  inih reports the line of the first
 * error; the handler keeps the reason of that first error.
 *
 * [imap:NAME] sections have their own table, whose offsets are into struct
 * imap_account: a section is a record, not a set of globals.  What needs
 * the whole account (url and user given, one credential) is checked once
 * the file is read, when no line number is left to report.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fingerprint.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

/* Where mail services hand out addresses to anyone: sharing one of these
 * domains says nothing about two people working together. */
static const char *const default_public_domains[] = {
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com",
	"hotmail.fr", "live.com", "live.fr", "msn.com", "yahoo.com",
	"yahoo.fr", "ymail.com", "icloud.com", "me.com", "aol.com",
	"proton.me", "protonmail.com", "gmx.de", "gmx.net", "gmx.com",
	"web.de", "t-online.de", "orange.fr", "wanadoo.fr", "free.fr",
	"laposte.net", "sfr.fr", "neuf.fr", "bbox.fr", "mail.ru",
	"yandex.ru", "qq.com", "163.com", "126.com", "naver.com",
};

enum key_kind { K_STRING, K_UINT, K_SIZE, K_BOOL, K_POLICY, K_LIST,
	K_ADDRS, K_LOGLEVEL, K_PATTERN, K_URL, K_STARTTLS, K_AFTER, K_LANGUAGE,
	K_REGION, K_SMTP_TLS, K_WORDS, K_SCHEDULE, K_HOURMIN, K_TARGETS,
	K_TIMEZONE, K_HOURS, K_MAILBOX };

struct key_def {
	const char *section;
	const char *name;
	enum key_kind kind;
	size_t offset;
	uint64_t min, max;   /* K_UINT / K_SIZE */
};

#define OFF(field) offsetof(struct config, field)

static const struct key_def keys[] = {
	{ "gateway", "database", K_STRING, OFF(database), 0, 0 },
	{ "gateway", "case_prefix", K_STRING, OFF(case_prefix), 0, 0 },
	{ "gateway", "case_digits", K_UINT, OFF(case_digits), 1, 12 },
	{ "gateway", "reopen_days", K_UINT, OFF(reopen_days), 0, 36500 },
	{ "gateway", "follow_up_policy", K_POLICY, OFF(follow_up_policy), 0, 0 },
	{ "gateway", "staff", K_ADDRS, OFF(staff), 0, 0 },
	{ "gateway", "public_domains", K_LIST, OFF(public_domains), 0, 0 },
	{ "gateway", "max_message_bytes", K_SIZE, OFF(max_message_bytes),
	  1024, UINT64_C(1) << 30 },
	{ "gateway", "log_level", K_LOGLEVEL, OFF(log_level), 0, 0 },
	{ "gateway", "templates", K_STRING, OFF(templates_dir), 0, 0 },
	{ "gateway", "addresses", K_ADDRS, OFF(addresses), 0, 0 },
	{ "gateway", "language", K_LANGUAGE, OFF(language), 0, 0 },
	{ "gateway", "auto_reply_limit", K_UINT, OFF(auto_reply_limit), 0, 1000 },
	{ "gateway", "ack_follow_up", K_BOOL, OFF(ack_follow_up), 0, 0 },
	{ "fingerprint", "builtin", K_BOOL, OFF(builtin_patterns), 0, 0 },
	{ "fingerprint", "pattern", K_PATTERN, OFF(patterns), 0, 0 },
	{ "smtp", "url", K_STRING, OFF(smtp.url), 0, 0 },
	{ "smtp", "starttls", K_SMTP_TLS, OFF(smtp.starttls), 0, 0 },
	{ "smtp", "user", K_STRING, OFF(smtp.user), 0, 0 },
	{ "smtp", "password", K_STRING, OFF(smtp.password), 0, 0 },
	{ "smtp", "password_file", K_STRING, OFF(smtp.password_file), 0, 0 },
	{ "smtp", "oauth2_token_command", K_STRING,
	  OFF(smtp.oauth2_token_command), 0, 0 },
	{ "smtp", "from", K_STRING, OFF(smtp.from), 0, 0 },
	{ "smtp", "bounce_address", K_STRING, OFF(smtp.bounce_address), 0, 0 },
	{ "smtp", "timeout_seconds", K_UINT, OFF(smtp.timeout_seconds), 1, 3600 },
	{ "smtp", "max_attempts", K_UINT, OFF(smtp.max_attempts), 1, 100 },
	{ "smtp", "tls_verify", K_BOOL, OFF(smtp.tls_verify), 0, 0 },
	{ "smtp", "tls_ca_file", K_STRING, OFF(smtp.tls_ca_file), 0, 0 },
	{ "renewals", "schedule", K_SCHEDULE, OFF(renewals), 0, 0 },
	{ "renewals", "grace_days", K_UINT, OFF(renewals.grace_days), 0, 3650 },
	{ "renewals", "send_hour", K_HOURMIN, OFF(renewals.send_minute), 0, 0 },
	{ "renewals", "auto_renew_notice_days", K_UINT,
	  OFF(renewals.auto_notice_days), 0, 3650 },
	{ "renewals", "coterm_days", K_UINT, OFF(renewals.coterm_days), 1, 366 },
	{ "renewals", "default_region", K_REGION, OFF(renewals.default_region),
	  0, 0 },
	{ "entitlement", "builtin", K_BOOL, OFF(entitlement.builtin_patterns),
	  0, 0 },
	{ "entitlement", "pattern", K_PATTERN, OFF(entitlement.patterns), 0, 0 },
	{ "severity", "A", K_WORDS, OFF(entitlement.severity[0]), 0, 0 },
	{ "severity", "B", K_WORDS, OFF(entitlement.severity[1]), 0, 0 },
	{ "severity", "C", K_WORDS, OFF(entitlement.severity[2]), 0, 0 },
	{ "severity", "D", K_WORDS, OFF(entitlement.severity[3]), 0, 0 },
	{ "response", "premier", K_TARGETS,
	  OFF(entitlement.targets[LEVEL_PREMIER]), 0, 0 },
	{ "response", "standard", K_TARGETS,
	  OFF(entitlement.targets[LEVEL_STANDARD]), 0, 0 },
	{ "response", "ppi", K_TARGETS, OFF(entitlement.targets[LEVEL_PPI]), 0, 0 },
	{ "response", "none", K_TARGETS, OFF(entitlement.targets[LEVEL_NONE]),
	  0, 0 },
};

#define REGION_SECTION "region:"
#define ROFF(field) offsetof(struct region_config, field)
#define REGION_NAME_MAX 31

/* The keys of a [region:NAME] section; offsets into struct region_config. */
static const struct key_def region_keys[] = {
	{ REGION_SECTION, "team", K_MAILBOX, ROFF(team), 0, 0 },
	{ REGION_SECTION, "forward_to", K_STRING, ROFF(forward_to), 0, 0 },
	{ REGION_SECTION, "timezone", K_TIMEZONE, ROFF(timezone), 0, 0 },
	{ REGION_SECTION, "language", K_LANGUAGE, ROFF(language), 0, 0 },
	{ REGION_SECTION, "business_hours", K_HOURS, ROFF(hours), 0, 0 },
};

#define ACCOUNT_SECTION "imap:"
#define AOFF(field) offsetof(struct imap_account, field)

/* The keys of an [imap:NAME] section; offsets into struct imap_account. */
static const struct key_def account_keys[] = {
	{ ACCOUNT_SECTION, "url", K_URL, AOFF(url), 0, 0 },
	{ ACCOUNT_SECTION, "starttls", K_STARTTLS, AOFF(starttls), 0, 0 },
	{ ACCOUNT_SECTION, "user", K_STRING, AOFF(user), 0, 0 },
	{ ACCOUNT_SECTION, "password", K_STRING, AOFF(password), 0, 0 },
	{ ACCOUNT_SECTION, "password_file", K_STRING, AOFF(password_file), 0, 0 },
	{ ACCOUNT_SECTION, "oauth2_token_command", K_STRING,
	  AOFF(oauth2_token_command), 0, 0 },
	{ ACCOUNT_SECTION, "after", K_AFTER, AOFF(after), 0, 0 },
	{ ACCOUNT_SECTION, "quarantine", K_STRING, AOFF(quarantine), 0, 0 },
	{ ACCOUNT_SECTION, "language", K_LANGUAGE, AOFF(language), 0, 0 },
	{ ACCOUNT_SECTION, "region", K_REGION, AOFF(region), 0, 0 },
	{ ACCOUNT_SECTION, "poll_seconds", K_UINT, AOFF(poll_seconds), 1, 86400 },
	{ ACCOUNT_SECTION, "batch_size", K_UINT, AOFF(batch_size), 1, 5000 },
	{ ACCOUNT_SECTION, "timeout_seconds", K_UINT, AOFF(timeout_seconds),
	  1, 3600 },
	{ ACCOUNT_SECTION, "tls_verify", K_BOOL, AOFF(tls_verify), 0, 0 },
	{ ACCOUNT_SECTION, "tls_ca_file", K_STRING, AOFF(tls_ca_file), 0, 0 },
};

/*
 * inih keeps at most 49 characters of a section name (MAX_SECTION in its
 * ini.c) and cuts longer ones without a word, so "[imap:" and a name of 44
 * characters may be a longer name cut short, which could merge two
 * accounts.  Names therefore stop one character earlier.
 */
#define ACCOUNT_NAME_MAX 43

/* The regions every configuration has, with their time zones. */
static const struct {
	const char *name, *timezone;
} builtin_regions[] = {
	{ "EMEA", "Europe/Paris" },
	{ "AMS", "America/New_York" },
	{ "JP", "Asia/Tokyo" },
	{ "CN", "Asia/Shanghai" },
	{ "SG", "Asia/Singapore" },
};
#define N_BUILTIN_REGIONS (sizeof(builtin_regions) / sizeof(builtin_regions[0]))

/* The default [severity] keywords, French and English.  A: business
 * down; B: a major function broken; D: questions and customer service
 * (pre-sales, licences, invoices); everything else is C.  Matching
 * (parsers/severity.c) ignores case and accents, finds "hors-service"
 * for "hors service" and skips negated keywords ("pas urgent").
 * Left out on purpose: "error" (most C cases say it), "information"
 * alone ("the information shown is wrong") and "how to" ("how to
 * reproduce" opens bug reports), "marche pas" ("ça marche pas mal"). */
static const char *const default_severity[4] = {
	"urgent, urgente, urgents, urgentes, urgently, urgence, emergency, critical,"
	" critique, critiques, bloquant, bloquante, bloquants, bloquantes,"
	" blocking, blocker, panne, pannes, down, outage, outages,"
	" out of service, hors service, production down, prod down,"
	" production stopped, arrêt de production, production arrêtée,"
	" service interrompu, interruption de service, severity a, sévérité a",
	"major, majeur, majeure, broken, cassé, cassée, not working,"
	" isn't working, does not work, doesn't work, don't work,"
	" stopped working, won't start, ne fonctionne pas, fonctionne pas,"
	" ne fonctionne plus, ne marche pas, ne marche plus, ne démarre pas,"
	" ne démarre plus, crash, crashes, crashed, plantage, plante,"
	" severity b, sévérité b",
	"",
	"question, questions, how do i, how can i, how do we, how can we,"
	" comment faire, comment puis-je, devis, quote, quotation, pricing,"
	" price, prix, tarif, tarifs, invoice, invoices, facture, factures,"
	" billing, facturation, payment, paiement, refund, remboursement,"
	" purchase, achat, acheter, buy, renewal, renouvellement, renouveler,"
	" pre-sales, avant-vente, demo, démo, documentation, customer service,"
	" service client, demande d'information, demande d'informations,"
	" information request, request for information, severity d, sévérité d",
};

/* The default [response] table (see config.h's struct response_target). */
static const char *const default_targets[LEVEL_COUNT] = {
	"A 1h 24x7, B 4h, C 1bd, D 2bd",   /* premier */
	"A 1bd, B 1bd, C 1bd, D 1bd",      /* standard */
	"A 1bd, B 1bd, C 1bd, D 2bd",      /* ppi */
	"",                                /* none: no target */
};

struct load_ctx {
	struct config *config;
	char *error;     /* reason of the first error, malloc()ed */
	/* Lists set in the file replace the defaults the first time they
	 * are seen, then further values append. */
	bool list_seen[sizeof(keys) / sizeof(keys[0])];
	/* Regions named by [imap:NAME] region and [renewals] default_region,
	 * checked once every [region:NAME] section is known. */
};

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t len)
{
	char *p = strndup(s, len);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

static void list_add(struct config_list *list, const char *item)
{
	char **items = realloc(list->items, (list->count + 1) * sizeof(*items));

	if (items == NULL)
		fatal("out of memory");
	list->items = items;
	list->items[list->count++] = xstrdup(item);
}

static void list_clear(struct config_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* ---- the values of [renewals], [response] and [region:NAME] ---- */

/* Splits on commas, trims and lower-cases each item, keeps inner spaces
 * (keywords such as "production down"). */
static void words_add(struct config_list *list, const char *value)
{
	char *copy = xstrdup(value), *p = copy;

	while (p != NULL) {
		char *comma = strchr(p, ',');
		char *item;

		if (comma != NULL)
			*comma = '\0';
		item = str_lower(trim(p));
		if (*item != '\0')
			list_add(list, item);
		p = comma != NULL ? comma + 1 : NULL;
	}
	free(copy);
}

static int int_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x < y) - (x > y);
}

/* "90,60,30,7,0,-15" -> sorted from the largest; NULL or the reason. */
static const char *parse_schedule(const char *value, struct renewals_config *r)
{
	int steps[64];
	size_t n = 0;
	const char *p = value;

	while (*p != '\0') {
		char *end;
		long v;

		while (*p == ' ' || *p == '\t')
			p++;
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno != 0 || v < -3650 || v > 3650)
			return "expected whole numbers of days from -3650 to 3650, separated by commas (90,60,30,7,0,-15)";
		p = end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ',' && *p != '\0')
			return "expected whole numbers of days from -3650 to 3650, separated by commas (90,60,30,7,0,-15)";
		if (*p == ',')
			p++;
		for (size_t i = 0; i < n; i++) {
			if (steps[i] == (int)v)
				return "a day is listed twice";
		}
		if (n == sizeof(steps) / sizeof(steps[0]))
			return "at most 64 steps";
		steps[n++] = (int)v;
	}
	if (n == 0)
		return "no step given";
	qsort(steps, n, sizeof(steps[0]), int_desc);
	free(r->schedule);
	r->schedule = malloc(n * sizeof(*r->schedule));
	if (r->schedule == NULL)
		fatal("out of memory");
	memcpy(r->schedule, steps, n * sizeof(*steps));
	r->schedule_count = n;
	return NULL;
}

/* "08:00" -> minutes after midnight; -1 when not HH:MM (00:00..23:59,
 * 24:00 allowed when end_of_day). */
static int parse_hhmm(const char *p, const char **end_r, bool end_of_day)
{
	int h, m;

	if (p[0] < '0' || p[0] > '9')
		return -1;
	h = p[0] - '0';
	p++;
	if (*p >= '0' && *p <= '9')
		h = h * 10 + (*p++ - '0');
	if (*p++ != ':' || p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9')
		return -1;
	m = (p[0] - '0') * 10 + (p[1] - '0');
	if (end_r != NULL)
		*end_r = p + 2;
	if (h > 24 || (h == 24 && (m != 0 || !end_of_day)))
		return -1;
	return h * 60 + m;
}

static const char *const day_names[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

static int day_index(const char *p)
{
	for (int i = 0; i < 7; i++) {
		if (strncasecmp(p, day_names[i], 3) == 0)
			return i;
	}
	return -1;
}

/* "mon-fri 08:00-20:00", "mon-sun 00:00-24:00", "mon,wed 09:00-17:00" */
static const char *parse_hours(const char *value, struct business_hours *h)
{
	static const char *const why =
		"expected days and hours such as \"mon-fri 08:00-20:00\"";
	const char *p = value;
	unsigned days = 0;
	int open, close;

	for (;;) {
		int a = day_index(p), b;

		if (a < 0)
			return why;
		p += 3;
		b = a;
		if (*p == '-') {
			b = day_index(p + 1);
			if (b < 0)
				return why;
			p += 4;
		}
		for (int d = a;; d = (d + 1) % 7) {
			days |= 1u << d;
			if (d == b)
				break;
		}
		if (*p != ',')
			break;
		p++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if ((open = parse_hhmm(p, &p, false)) < 0 || *p++ != '-' ||
	    (close = parse_hhmm(p, &p, true)) < 0)
		return why;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0')
		return why;
	if (close <= open)
		return "the closing time must be after the opening time";
	h->days = days;
	h->open_min = (unsigned)open;
	h->close_min = (unsigned)close;
	return NULL;
}

/* "A 1h 24x7, B 4h, C 1bd, D 2bd": per severity a duration (Nm, Nh, Nbd;
 * "1h30m" too) of business time, or of clock time with 24x7.  An empty
 * value: no target at all. */
static const char *parse_targets(const char *value, struct response_target *t)
{
	static const char *const why =
		"expected severities with durations such as \"A 1h 24x7, B 4h, C 1bd, D 2bd\" (m minutes, h hours, bd business days)";
	struct response_target out[4];
	const char *p = value;

	memset(out, 0, sizeof(out));
	for (;;) {
		struct response_target *r;
		int sev;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		sev = (*p >= 'a' && *p <= 'd') ? *p - 'a' :
			(*p >= 'A' && *p <= 'D') ? *p - 'A' : -1;
		if (sev < 0 || (p[1] != ' ' && p[1] != '\t'))
			return why;
		r = &out[sev];
		if (r->set)
			return "a severity is listed twice";
		r->set = true;
		p++;
		for (;;) {
			char *end;
			unsigned long v;

			while (*p == ' ' || *p == '\t')
				p++;
			if (strncasecmp(p, "24x7", 4) == 0) {
				r->around_the_clock = true;
				p += 4;
				continue;
			}
			if (*p < '0' || *p > '9')
				break;
			v = strtoul(p, &end, 10);
			if (v > 100000)
				return why;
			p = end;
			if (strncasecmp(p, "bd", 2) == 0) {
				r->business_days += (unsigned)v;
				p += 2;
			} else if (*p == 'h' || *p == 'H') {
				r->minutes += (unsigned)v * 60;
				p++;
			} else if (*p == 'm' || *p == 'M') {
				r->minutes += (unsigned)v;
				p++;
			} else {
				return why;
			}
		}
		if (r->minutes == 0 && r->business_days == 0)
			return why;
		if (r->around_the_clock && r->business_days != 0)
			return "24x7 targets are in minutes or hours, not business days";
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return why;
	}
	memcpy(t, out, sizeof(out));
	return NULL;
}

/* An IANA time zone that this machine knows ("UTC" always). */
static bool timezone_known(const char *tz)
{
	char path[512];

	if (strcmp(tz, "UTC") == 0)
		return true;
	if (*tz == '\0' || *tz == '/' || strstr(tz, "..") != NULL ||
	    strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789/_+-") != strlen(tz))
		return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return access(path, R_OK) == 0;
}

/* "Name <addr>" or "addr" -> the lower-case address (malloc()ed), or NULL
 * when it is not one (no @, a space, a line break).  [smtp] from and
 * [region:NAME] team. */
static char *mailbox_addr(const char *value)
{
	const char *lt = strrchr(value, '<'), *gt;
	char *addr;

	gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL)
		addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	else
		addr = xstrdup(value);
	str_lower(addr);
	if (strchr(addr, '@') == NULL || strchr(addr, ' ') != NULL ||
	    strpbrk(addr, "\r\n") != NULL) {
		free(addr);
		return NULL;
	}
	return addr;
}

static bool region_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= REGION_NAME_MAX &&
		strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		       "0123456789_-") == len;
}

/* The region called name (any case), appended with defaults when new. */
static struct region_config *region_get(struct config *c, const char *name)
{
	struct region_config *regions, *r;

	for (size_t i = 0; i < c->region_count; i++) {
		if (str_ieq(c->regions[i].name, name))
			return &c->regions[i];
	}
	regions = realloc(c->regions, (c->region_count + 1) * sizeof(*regions));
	if (regions == NULL)
		fatal("out of memory");
	c->regions = regions;
	r = &c->regions[c->region_count++];
	memset(r, 0, sizeof(*r));
	r->name = str_upper(xstrdup(name));
	r->timezone = xstrdup("UTC");
	r->hours.days = 0x1f;          /* Monday to Friday */
	r->hours.open_min = 8 * 60;
	r->hours.close_min = 20 * 60;
	return r;
}

static void region_free(struct region_config *r)
{
	free(r->name);
	free(r->team);
	free(r->team_addr);
	free(r->forward_to);
	free(r->timezone);
	free(r->language);
}

const struct region_config *config_region(const struct config *config,
					  const char *name)
{
	if (config == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < config->region_count; i++) {
		if (str_ieq(config->regions[i].name, name))
			return &config->regions[i];
	}
	return NULL;
}

static const char *const level_names[LEVEL_COUNT] = {
	"premier", "standard", "ppi", "none"
};

int config_level_parse(const char *name)
{
	for (int i = 0; i < LEVEL_COUNT; i++) {
		if (name != NULL && str_ieq(name, level_names[i]))
			return i;
	}
	return -1;
}

const char *config_level_name(enum contract_level level)
{
	return (unsigned)level < LEVEL_COUNT ? level_names[level] : "?";
}

const char *config_policy_name(enum follow_up_policy policy)
{
	switch (policy) {
	case FOLLOW_UP_ANY: return "any";
	case FOLLOW_UP_DOMAIN: return "domain";
	case FOLLOW_UP_PARTICIPANTS: return "participants";
	}
	return "?";
}

struct config *config_defaults(void)
{
	struct config *c = calloc(1, sizeof(*c));

	if (c == NULL)
		fatal("out of memory");
	c->database = xstrdup("var/supportgw.db");
	c->case_prefix = xstrdup("Case");
	c->case_digits = 8;
	c->reopen_days = 30;
	c->follow_up_policy = FOLLOW_UP_DOMAIN;
	c->max_message_bytes = 25u << 20;
	c->language = xstrdup("auto");
	c->auto_reply_limit = 5;
	c->smtp.timeout_seconds = 30;
	c->smtp.max_attempts = 12;
	c->smtp.tls_verify = true;
	c->log_level = xstrdup("warn");
	c->builtin_patterns = true;
	for (size_t i = 0; i < sizeof(default_public_domains) /
	     sizeof(default_public_domains[0]); i++)
		list_add(&c->public_domains, default_public_domains[i]);
	if (parse_schedule("90,60,30,7,0,-15", &c->renewals) != NULL)
		fatal("bad built-in schedule");
	c->renewals.grace_days = 30;
	c->renewals.send_minute = 8 * 60;
	c->renewals.auto_notice_days = 30;
	c->renewals.coterm_days = 7;
	c->entitlement.builtin_patterns = true;
	for (size_t i = 0; i < 4; i++)
		words_add(&c->entitlement.severity[i], default_severity[i]);
	for (size_t i = 0; i < LEVEL_COUNT; i++) {
		if (parse_targets(default_targets[i], c->entitlement.targets[i]) != NULL)
			fatal("bad built-in response targets");
	}
	for (size_t i = 0; i < N_BUILTIN_REGIONS; i++) {
		struct region_config *r = region_get(c, builtin_regions[i].name);

		free(r->timezone);
		r->timezone = xstrdup(builtin_regions[i].timezone);
	}
	return c;
}

static void account_free(struct imap_account *a)
{
	free(a->name);
	free(a->url);
	free(a->host);
	free(a->mailbox);
	free(a->user);
	free(a->password);
	free(a->password_file);
	free(a->oauth2_token_command);
	free(a->move_to);
	free(a->quarantine);
	free(a->language);
	free(a->region);
	free(a->tls_ca_file);
}

void config_free(struct config **configp)
{
	struct config *c;

	if (configp == NULL || *configp == NULL)
		return;
	c = *configp;
	free(c->path);
	free(c->database);
	free(c->case_prefix);
	free(c->log_level);
	list_clear(&c->staff);
	list_clear(&c->public_domains);
	list_clear(&c->patterns);
	for (size_t i = 0; i < c->account_count; i++)
		account_free(&c->accounts[i]);
	free(c->accounts);
	free(c->templates_dir);
	free(c->language);
	list_clear(&c->addresses);
	free(c->smtp.url);
	free(c->smtp.user);
	free(c->smtp.password);
	free(c->smtp.password_file);
	free(c->smtp.oauth2_token_command);
	free(c->smtp.from);
	free(c->smtp.from_addr);
	free(c->smtp.bounce_address);
	free(c->smtp.tls_ca_file);
	free(c->renewals.schedule);
	free(c->renewals.default_region);
	list_clear(&c->entitlement.patterns);
	for (size_t i = 0; i < 4; i++)
		list_clear(&c->entitlement.severity[i]);
	for (size_t i = 0; i < c->region_count; i++)
		region_free(&c->regions[i]);
	free(c->regions);
	free(c);
	*configp = NULL;
}

bool config_addrs_match(const struct config_list *list, const char *addr)
{
	const char *domain = addr_domain(addr);

	if (*addr == '\0')
		return false;
	for (size_t i = 0; i < list->count; i++) {
		const char *item = list->items[i];

		if (item[0] == '@' ? str_ieq(item + 1, domain) : str_ieq(item, addr))
			return true;
	}
	return false;
}

const struct imap_account *config_account(const struct config *config,
					  const char *name)
{
	if (config == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < config->account_count; i++) {
		if (strcmp(config->accounts[i].name, name) == 0)
			return &config->accounts[i];
	}
	return NULL;
}

static int set_error(struct load_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int set_error(struct load_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	struct strbuf b;

	if (ctx->error != NULL)
		return 0;   /* inih reports the first error's line */
	strbuf_init(&b, 1024);
	va_start(ap, fmt);
	if (strbuf_vappendf(&b, fmt, ap) < 0)
		strbuf_reset(&b);
	va_end(ap);
	ctx->error = strbuf_detach(&b);
	return 0;
}


/* Splits a comma-separated value; calls add() per non-empty item. */
static int split_list(struct load_ctx *ctx, const char *key, const char *value,
		      struct config_list *list, bool addresses)
{
	char *copy = xstrdup(value), *p = copy;
	int ret = 1;

	while (p != NULL) {
		char *comma = strchr(p, ',');
		char *item;

		if (comma != NULL)
			*comma = '\0';
		item = str_lower(trim(p));
		if (*item != '\0') {
			const char *at = strchr(item, '@');

			if (addresses && (at == NULL || at[1] == '\0' ||
					  strchr(at + 1, '@') != NULL ||
					  strchr(item, ' ') != NULL)) {
				ret = set_error(ctx, "%s: '%s' is neither an address nor an @domain",
						key, item);
				break;
			}
			if (!addresses && (strchr(item, '@') != NULL ||
					   strchr(item, ' ') != NULL)) {
				ret = set_error(ctx, "%s: '%s' is not a domain", key, item);
				break;
			}
			list_add(list, item);
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	free(copy);
	return ret;
}

static int parse_bool(const char *v, bool *b_r)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (str_ieq(v, yes[i])) {
			*b_r = true;
			return 0;
		}
		if (str_ieq(v, no[i])) {
			*b_r = false;
			return 0;
		}
	}
	return -1;
}

/* "25M", "1024k", "26214400" */
static int parse_size(const char *v, uint64_t *size_r)
{
	size_t len = strlen(v);
	uint64_t mult = 1, n;

	if (len > 1) {
		switch (v[len - 1]) {
		case 'k': case 'K': mult = 1024; len--; break;
		case 'm': case 'M': mult = 1024 * 1024; len--; break;
		case 'g': case 'G': mult = 1024 * 1024 * 1024; len--; break;
		default: break;
		}
	}
	if (parse_uint64_n(v, len, UINT64_MAX / mult, &n) < 0)
		return -1;
	*size_r = n * mult;
	return 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * %XX-decodes s.  NULL on a bad escape, or when the result holds a NUL, CR
 * or LF: the mailbox goes into IMAP commands, where those end the line.
 */
static char *percent_decode(const char *s)
{
	char *out = xstrdup(s), *o = out;

	for (; *s != '\0'; s++) {
		char ch = *s;

		if (ch == '%') {
			int hi = hex_digit(s[1]), lo = hi < 0 ? -1 : hex_digit(s[2]);

			if (lo < 0)
				goto bad;
			ch = (char)(hi << 4 | lo);
			s += 2;
		}
		if (ch == '\0' || ch == '\r' || ch == '\n')
			goto bad;
		*o++ = ch;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/*
 * url = imap://host[:port][/mailbox] or imaps://...  Sets tls, host, port
 * and mailbox of a (not url itself) and returns NULL, or returns why the
 * value is refused, leaving a unchanged.
 */
static const char *parse_url(const char *value, struct imap_account *a)
{
	const char *p, *auth_end, *host, *host_end;
	bool tls;
	uint64_t port;
	char *mailbox;

	if (str_ieqn(value, "imaps://", 8)) {
		tls = true;
		p = value + 8;
	} else if (str_ieqn(value, "imap://", 7)) {
		tls = false;
		p = value + 7;
	} else {
		return "is not imap://host[:port][/mailbox] or imaps://host[:port][/mailbox]";
	}
	auth_end = p + strcspn(p, "/");
	/* the URL is logged: a user:password@ in it would leak the secret */
	if (memchr(p, '@', (size_t)(auth_end - p)) != NULL)
		return "holds a user: put the user in 'user =' and leave it out of the URL";
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (host_end == NULL || host_end == host ||
		    memchr(host, ':', (size_t)(host_end - host)) == NULL ||
		    strspn(host, "0123456789abcdefABCDEF:.") != (size_t)(host_end - host))
			return "has a bad IPv6 host (expected [address], e.g. [2001:db8::1])";
		p = host_end + 1;
	} else {
		host = p;
		host_end = p + strcspn(p, ":/");
		if (host_end == host)
			return "has no host";
		if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789.-_") != (size_t)(host_end - host))
			return "has a bad host (letters, digits, . - _ or an [IPv6] address)";
		p = host_end;
	}
	if (p < auth_end) {
		if (*p != ':' ||
		    parse_uint64_n(p + 1, (size_t)(auth_end - p - 1), 65535, &port) < 0 ||
		    port == 0)
			return "has a bad port (a whole number from 1 to 65535)";
	} else {
		port = tls ? 993 : 143;
	}
	if (*auth_end == '/' && auth_end[1] != '\0') {
		mailbox = percent_decode(auth_end + 1);
		if (mailbox == NULL)
			return "has a bad mailbox (a bad %-escape, or an encoded NUL, CR or LF)";
	} else {
		mailbox = xstrdup("INBOX");
	}
	a->tls = tls;
	free(a->host);
	a->host = xstrndup(host, (size_t)(host_end - host));
	a->port = (unsigned)port;
	free(a->mailbox);
	a->mailbox = mailbox;
	return NULL;
}

/*
 * Stores value in the field of k at base (struct config or struct
 * imap_account).  seen: for K_LIST and K_ADDRS, whether the file has set
 * this list before (NULL for the other kinds).  Returns what an inih handler returns.
 */
static int set_value(struct load_ctx *ctx, const struct key_def *k, char *base,
		     bool *seen, const char *name, const char *value)
{
	struct config *c = ctx->config;
	char *field = base + k->offset;
	uint64_t n;

	switch (k->kind) {
	case K_STRING:
		if (*value == '\0')
			return set_error(ctx, "%s: empty value", name);
		if (strcmp(name, "case_prefix") == 0 &&
		    strcspn(value, "[]#\r\n") != strlen(value))
			return set_error(ctx, "case_prefix: '%s' may not contain [ ] or #", value);
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		break;
	case K_UINT:
		if (parse_uint64(value, k->max, &n) < 0 || n < k->min)
			return set_error(ctx, "%s: '%s' is not a whole number from %llu to %llu",
					 name, value, (unsigned long long)k->min,
					 (unsigned long long)k->max);
		*(unsigned *)field = (unsigned)n;
		break;
	case K_SIZE:
		if (parse_size(value, &n) < 0 || n < k->min || n > k->max)
			return set_error(ctx, "%s: '%s' is not a size from %llu to %llu bytes (suffixes k, M, G allowed)",
					 name, value, (unsigned long long)k->min,
					 (unsigned long long)k->max);
		*(size_t *)field = (size_t)n;
		break;
	case K_BOOL:
		if (parse_bool(value, (bool *)field) < 0)
			return set_error(ctx, "%s: '%s' is not yes or no", name, value);
		break;
	case K_POLICY:
		if (strcmp(value, "any") == 0)
			c->follow_up_policy = FOLLOW_UP_ANY;
		else if (strcmp(value, "domain") == 0)
			c->follow_up_policy = FOLLOW_UP_DOMAIN;
		else if (strcmp(value, "participants") == 0)
			c->follow_up_policy = FOLLOW_UP_PARTICIPANTS;
		else
			return set_error(ctx, "follow_up_policy: '%s' is not any, domain or participants", value);
		break;
	case K_LOGLEVEL: {
		enum log_level lvl;

		if (log_level_parse(value, &lvl) < 0)
			return set_error(ctx, "log_level: '%s' is not error, warn, info or debug", value);
		free(c->log_level);
		c->log_level = xstrdup(value);
		break;
	}
	case K_LIST:
	case K_ADDRS:
		if (!*seen) {
			list_clear((struct config_list *)field);
			*seen = true;
		}
		return split_list(ctx, name, value, (struct config_list *)field,
				  k->kind == K_ADDRS);
	case K_PATTERN: {
		char *err = NULL;

		if (fp_pattern_check(value, &err) < 0) {
			set_error(ctx, "pattern: %s", err != NULL ? err : "invalid");
			free(err);
			return 0;
		}
		list_add((struct config_list *)field, value);
		break;
	}
	case K_URL: {
		struct imap_account *a = (struct imap_account *)base;
		const char *why = parse_url(value, a);

		if (why != NULL)
			return set_error(ctx, "url: '%s' %s", value, why);
		free(a->url);
		a->url = xstrdup(value);
		break;
	}
	case K_SMTP_TLS:
		if (str_ieq(value, "required"))
			*(enum smtp_tls *)field = SMTP_TLS_REQUIRED;
		else if (str_ieq(value, "try"))
			*(enum smtp_tls *)field = SMTP_TLS_TRY;
		else if (str_ieq(value, "no"))
			*(enum smtp_tls *)field = SMTP_TLS_NO;
		else
			return set_error(ctx, "starttls: '%s' is not required, try or no", value);
		break;
	case K_STARTTLS:
		/* No "yes": "required" says that there is no plain-text
		 * fallback when the server does not offer it. */
		if (str_ieq(value, "required"))
			*(bool *)field = true;
		else if (str_ieq(value, "no"))
			*(bool *)field = false;
		else
			return set_error(ctx, "starttls: '%s' is not required or no", value);
		break;
	case K_AFTER: {
		struct imap_account *a = (struct imap_account *)base;
		const char *to;

		if (str_ieq(value, "seen")) {
			a->after = IMAP_AFTER_SEEN;
		} else if (str_ieq(value, "delete")) {
			a->after = IMAP_AFTER_DELETE;
		} else if (str_ieqn(value, "move:", 5) &&
			   *(to = value + 5 + strspn(value + 5, " \t")) != '\0') {
			a->after = IMAP_AFTER_MOVE;
			free(a->move_to);
			a->move_to = xstrdup(to);
			break;
		} else {
			return set_error(ctx, "after: '%s' is not seen, delete or move:MAILBOX", value);
		}
		/* move_to is set only with IMAP_AFTER_MOVE */
		free(a->move_to);
		a->move_to = NULL;
		break;
	}
	case K_LANGUAGE: {
		size_t len = strlen(value);

		/* "auto": answer in the language detected in the mail */
		if (!str_ieq(value, "auto") && (len < 2 || len > 3 ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != len))
			return set_error(ctx, "language: '%s' is not auto or a 2 or 3 letter language code (e.g. fr, en)",
					 value);
		free(*(char **)field);
		*(char **)field = str_lower(xstrdup(value));
		break;
	}
	case K_REGION:
		/* A [region:NAME] may come later in the file: whether the
		 * region exists is checked once the file is read. */
		if (!region_name_ok(value))
			return set_error(ctx, "%s: '%s' is not a region name (letters, digits, _ -)",
					 name, value);
		free(*(char **)field);
		*(char **)field = str_upper(xstrdup(value));
		break;
	case K_WORDS: {
		struct config_list *list = (struct config_list *)field;

		/* The file's list replaces the built-in one. */
		if (seen != NULL && !*seen) {
			list_clear(list);
			*seen = true;
		}
		words_add(list, value);
		break;
	}
	case K_SCHEDULE: {
		const char *why = parse_schedule(value, (struct renewals_config *)field);

		if (why != NULL)
			return set_error(ctx, "%s: '%s': %s", name, value, why);
		break;
	}
	case K_HOURMIN: {
		const char *end;
		int m = parse_hhmm(value, &end, false);

		if (m < 0 || *end != '\0')
			return set_error(ctx, "%s: '%s' is not a time of day HH:MM (00:00 to 23:59)",
					 name, value);
		*(unsigned *)field = (unsigned)m;
		break;
	}
	case K_TARGETS: {
		const char *why = parse_targets(value, (struct response_target *)field);

		if (why != NULL)
			return set_error(ctx, "%s: '%s': %s", name, value, why);
		break;
	}
	case K_TIMEZONE:
		if (!timezone_known(value))
			return set_error(ctx, "%s: '%s' is not a time zone this machine knows (e.g. Europe/Paris; see /usr/share/zoneinfo)",
					 name, value);
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		break;
	case K_HOURS: {
		const char *why = parse_hours(value, (struct business_hours *)field);

		if (why != NULL)
			return set_error(ctx, "%s: '%s': %s", name, value, why);
		break;
	}
	case K_MAILBOX: {
		struct region_config *r = (struct region_config *)base;
		char *addr = strpbrk(value, "\r\n") == NULL ? mailbox_addr(value) : NULL;

		if (addr == NULL)
			return set_error(ctx, "%s: '%s' has no address (EMEA Renewals <emea-renewals@example.com>)",
					 name, value);
		free(r->team);
		free(r->team_addr);
		r->team = xstrdup(value);
		r->team_addr = addr;
		break;
	}
	}
	return 1;
}

static bool account_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= ACCOUNT_NAME_MAX &&
		strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		       "0123456789._-") == len;
}

/* The account called name, appended with its defaults when new. */
static struct imap_account *account_get(struct config *c, const char *name)
{
	struct imap_account *accounts, *a;

	for (size_t i = 0; i < c->account_count; i++) {
		if (strcmp(c->accounts[i].name, name) == 0)
			return &c->accounts[i];
	}
	accounts = realloc(c->accounts, (c->account_count + 1) * sizeof(*accounts));
	if (accounts == NULL)
		fatal("out of memory");
	c->accounts = accounts;
	a = &c->accounts[c->account_count++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->starttls = true;
	a->after = IMAP_AFTER_SEEN;
	a->quarantine = xstrdup("Quarantine");
	a->poll_seconds = 60;
	a->batch_size = 200;
	a->timeout_seconds = 60;
	a->tls_verify = true;
	return a;
}

/* A key of [imap:NAME]; section is "imap:NAME". */
static int account_handler(struct load_ctx *ctx, const char *section,
			   const char *name, const char *value)
{
	const char *account = section + strlen(ACCOUNT_SECTION);
	const struct key_def *k = NULL;

	if (!account_name_ok(account)) {
		if (strlen(account) > ACCOUNT_NAME_MAX)
			return set_error(ctx, "invalid account name '%s' in [%s] (at most %d characters)",
					 account, section, ACCOUNT_NAME_MAX);
		return set_error(ctx, "invalid account name '%s' in [%s] (letters, digits, . _ - only)",
				 account, section);
	}
	for (size_t i = 0; i < sizeof(account_keys) / sizeof(account_keys[0]); i++) {
		if (strcmp(account_keys[i].name, name) == 0) {
			k = &account_keys[i];
			break;
		}
	}
	if (k == NULL)
		return set_error(ctx, "unknown key '%s' in [%s]", name, section);
	/* A repeated [imap:NAME] header continues the same account, and a
	 * repeated key replaces the value, as in the other sections. */
	return set_value(ctx, k, (char *)account_get(ctx->config, account), NULL,
			 name, value);
}

/* A key of [region:NAME]; section is "region:NAME". */
static int region_handler(struct load_ctx *ctx, const char *section,
			  const char *name, const char *value)
{
	const char *region = section + strlen(REGION_SECTION);

	if (!region_name_ok(region))
		return set_error(ctx, "invalid region name '%s' in [%s] (letters, digits, _ -; at most %d)",
				 region, section, REGION_NAME_MAX);
	for (size_t i = 0; i < sizeof(region_keys) / sizeof(region_keys[0]); i++) {
		if (strcmp(region_keys[i].name, name) == 0)
			return set_value(ctx, &region_keys[i],
					 (char *)region_get(ctx->config, region),
					 NULL, name, value);
	}
	return set_error(ctx, "unknown key '%s' in [%s]", name, section);
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load_ctx *ctx = user;
	const struct key_def *k = NULL;
	size_t idx;

	if (ctx->error != NULL)
		return 1;   /* keep only the first error */
	if (strncmp(section, ACCOUNT_SECTION, strlen(ACCOUNT_SECTION)) == 0)
		return account_handler(ctx, section, name, value);
	if (strncmp(section, REGION_SECTION, strlen(REGION_SECTION)) == 0)
		return region_handler(ctx, section, name, value);
	for (idx = 0; idx < sizeof(keys) / sizeof(keys[0]); idx++) {
		if (strcmp(keys[idx].section, section) == 0 &&
		    strcmp(keys[idx].name, name) == 0) {
			k = &keys[idx];
			break;
		}
	}
	if (k == NULL) {
		bool known_section = false;

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known_section |= strcmp(keys[i].section, section) == 0;
		if (!known_section)
			return set_error(ctx, "unknown section [%s]", section);
		return set_error(ctx, "unknown key '%s' in [%s]", name, section);
	}
	if (strcmp(section, "smtp") == 0)
		ctx->config->smtp.configured = true;
	return set_value(ctx, k, (char *)ctx->config, &ctx->list_seen[idx],
			 name, value);
}

/*
 * The [smtp] section as a whole: a URL the sender understands, a From with
 * an address, at most one credential and a user for it.  Returns a
 * malloc()ed reason or NULL; fills from_addr and bounce_address.
 */
static char *check_smtp(struct config *c)
{
	struct smtp_config *m = &c->smtp;
	int creds = (m->password != NULL) + (m->password_file != NULL) +
		(m->oauth2_token_command != NULL);
	const char *why = NULL;
	struct strbuf b;

	if (!m->configured)
		return NULL;
	if (m->url == NULL)
		why = "url is required (smtp://host[:port] or smtps://host[:port])";
	else if (!str_ieqn(m->url, "smtp://", 7) && !str_ieqn(m->url, "smtps://", 8))
		why = "url must start with smtp:// or smtps://";
	else if (m->from == NULL)
		why = "from is required (Example Support <support@example.com>)";
	else if (creds > 1)
		why = "set at most one of password, password_file, oauth2_token_command";
	else if (creds == 1 && m->user == NULL)
		why = "a password or token needs user =";
	else if (strpbrk(m->from, "\r\n") != NULL)
		why = "from must be one line";
	if (why == NULL) {
		free(m->from_addr);
		m->from_addr = mailbox_addr(m->from);
		if (m->from_addr == NULL)
			why = "from has no address (Example Support <support@example.com>)";
	}
	if (why == NULL && m->bounce_address == NULL)
		m->bounce_address = xstrdup(m->from_addr);
	if (why == NULL)
		return NULL;
	strbuf_init(&b, 1024);
	if (strbuf_appendf(&b, "[smtp]: %s", why) < 0)
		strbuf_reset(&b);
	return strbuf_detach(&b);
}

/* INBOX is case-insensitive in IMAP (RFC 3501 5.1), other names are not. */
static bool mailbox_eq(const char *a, const char *b)
{
	if (str_ieq(a, "INBOX"))
		return str_ieq(b, "INBOX");
	return strcmp(a, b) == 0;
}

/*
 * What one key cannot tell: every account has a URL, a user and one way
 * to log in.  Returns the reason for the first account that fails, with
 * its name, or NULL.  password_file is deliberately not opened here: the
 * operator running `cases list` may not be allowed to read it.
 */
static char *check_accounts(const struct config *c)
{
	for (size_t i = 0; i < c->account_count; i++) {
		const struct imap_account *a = &c->accounts[i];
		const char *why = NULL;
		int creds = (a->password != NULL) + (a->password_file != NULL) +
			(a->oauth2_token_command != NULL);
		struct strbuf b;

		if (a->url == NULL)
			why = "url is required (imap://host[:port][/mailbox] or imaps://...)";
		else if (a->user == NULL)
			why = "user is required";
		else if (creds != 1)
			why = "set exactly one of password, password_file, oauth2_token_command";
		/* Mail moved or quarantined into the mailbox being fetched
		 * would come back on the next poll, forever. */
		else if (a->move_to != NULL && mailbox_eq(a->move_to, a->mailbox))
			why = "after = move: names the mailbox the url fetches";
		else if (mailbox_eq(a->quarantine, a->mailbox))
			why = "quarantine names the mailbox the url fetches";
		if (why == NULL)
			continue;
		strbuf_init(&b, 1024);
		if (strbuf_appendf(&b, "[%s%s]: %s", ACCOUNT_SECTION, a->name, why) < 0)
			strbuf_reset(&b);
		return strbuf_detach(&b);
	}
	return NULL;
}

/*
 * Regions named elsewhere exist, and each region's forward_to defaults to
 * its team.  Returns a malloc()ed reason or NULL.
 */
static char *check_regions(struct config *c)
{
	struct strbuf b;
	const char *bad = NULL, *where = NULL;

	for (size_t i = 0; i < c->account_count && bad == NULL; i++) {
		if (c->accounts[i].region != NULL &&
		    config_region(c, c->accounts[i].region) == NULL) {
			bad = c->accounts[i].region;
			where = c->accounts[i].name;
		}
	}
	if (bad == NULL && c->renewals.default_region != NULL &&
	    config_region(c, c->renewals.default_region) == NULL)
		bad = c->renewals.default_region;
	for (size_t i = 0; i < c->region_count; i++) {
		struct region_config *r = &c->regions[i];

		if (r->forward_to == NULL && r->team_addr != NULL)
			r->forward_to = xstrdup(r->team_addr);
	}
	if (bad == NULL)
		return NULL;
	strbuf_init(&b, 1024);
	if (strbuf_appendf(&b, "%s%s%sregion '%s' is not EMEA, AMS, JP, CN, SG or a [region:NAME] section",
			   where != NULL ? "[" ACCOUNT_SECTION : "[renewals] default_",
			   where != NULL ? where : "", where != NULL ? "]: " : "",
			   bad) < 0)
		strbuf_reset(&b);
	return strbuf_detach(&b);
}

int config_load(const char *path, struct config **config_r, char **error_r)
{
	struct load_ctx ctx;
	struct strbuf b;
	const char *env;
	char *reason;
	int line;

	*config_r = NULL;
	*error_r = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.config = config_defaults();
	if (path == NULL && (env = getenv("SUPPORTGW_CONFIG")) != NULL && *env != '\0')
		path = env;
	if (path == NULL) {
		if (access("supportgw.ini", F_OK) != 0) {
			*config_r = ctx.config;
			return 0;
		}
		path = "supportgw.ini";
	}
	ctx.config->path = xstrdup(path);
	/* inih strips inline comments (" ; ...") everywhere, the example
	 * file relies on them, so a pattern cannot contain " ;". */
	line = ini_parse(path, handler, &ctx);
	strbuf_init(&b, 4096);
	if (line == -1) {
		int e = errno;

		if (strbuf_appendf(&b, "%s: cannot read: %s", path,
				   e != 0 ? strerror(e) : "no such file") < 0)
			strbuf_reset(&b);
	} else if (line == -2) {
		fatal("out of memory reading %s", path);
	} else if (line > 0 || ctx.error != NULL) {
		if (strbuf_appendf(&b, "%s:%d: %s", path, line,
				   ctx.error != NULL ? ctx.error :
				   "syntax error (expected 'key = value' or '[section]')") < 0)
			strbuf_reset(&b);
	} else if ((reason = check_accounts(ctx.config)) != NULL ||
		   (reason = check_smtp(ctx.config)) != NULL ||
		   (reason = check_regions(ctx.config)) != NULL) {
		/* no line: the reason names the section instead */
		if (strbuf_appendf(&b, "%s: %s", path, reason) < 0)
			strbuf_reset(&b);
		free(reason);
	} else {
		strbuf_deinit(&b);
		*config_r = ctx.config;
		return 0;
	}
	free(ctx.error);
	config_free(&ctx.config);
	*error_r = strbuf_detach(&b);
	return -1;
}
