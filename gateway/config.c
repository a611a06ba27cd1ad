/*
 * config.c - loads the INI configuration with inih; see include/config.h.
 *
 * Keys are described by one table (section, name, kind, field), so later
 * issues add a section by adding rows.  inih reports the line of the first
 * error; the handler keeps the reason of that first error.
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
	K_ADDRS, K_LOGLEVEL, K_PATTERN };

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
	{ "fingerprint", "builtin", K_BOOL, OFF(builtin_patterns), 0, 0 },
	{ "fingerprint", "pattern", K_PATTERN, OFF(patterns), 0, 0 },
};

struct load_ctx {
	struct config *config;
	char *error;     /* reason of the first error, malloc()ed */
	/* Lists set in the file replace the defaults the first time they
	 * are seen, then further values append. */
	bool list_seen[sizeof(keys) / sizeof(keys[0])];
};

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

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
	c->log_level = xstrdup("warn");
	c->builtin_patterns = true;
	for (size_t i = 0; i < sizeof(default_public_domains) /
	     sizeof(default_public_domains[0]); i++)
		list_add(&c->public_domains, default_public_domains[i]);
	return c;
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
	free(c);
	*configp = NULL;
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

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load_ctx *ctx = user;
	struct config *c = ctx->config;
	const struct key_def *k = NULL;
	size_t idx;
	char *field;
	uint64_t n;

	if (ctx->error != NULL)
		return 1;   /* keep only the first error */
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
	field = (char *)c + k->offset;
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
		if (!ctx->list_seen[idx]) {
			list_clear((struct config_list *)field);
			ctx->list_seen[idx] = true;
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
	}
	return 1;
}

int config_load(const char *path, struct config **config_r, char **error_r)
{
	struct load_ctx ctx;
	struct strbuf b;
	const char *env;
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
