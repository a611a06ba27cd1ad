/*
 * entitle.c - contract, severity and first-response target of a new case;
 * see include/entitle.h.
 *
 * The text scanning is the parsers' (severity.h, contract_keys.h: no I/O);
 * here are the look-ups, the choice among the contracts found, and the
 * dates: "expired" is a question of the local date in the contract's
 * region, the due time one of its business hours (sla.h).
 */
#include "entitle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "contract_keys.h"
#include "dates.h"
#include "log.h"
#include "message.h"
#include "pool.h"
#include "severity.h"
#include "sla.h"
#include "store.h"
#include "util.h"

struct entitle {
	const struct config *config;
	struct severity_matcher *severity;
	struct ck_matcher *keys;
};

int entitle_new(const struct config *config, struct entitle **entitle_r,
		char **error_r)
{
	const struct entitlement_config *ec = &config->entitlement;
	const char *const *words[4];
	size_t counts[4];
	struct entitle *e = calloc(1, sizeof(*e));

	*entitle_r = NULL;
	*error_r = NULL;
	if (e == NULL)
		fatal("out of memory");
	e->config = config;
	for (int i = 0; i < 4; i++) {
		words[i] = (const char *const *)ec->severity[i].items;
		counts[i] = ec->severity[i].count;
	}
	if (severity_matcher_new(words, counts, &e->severity, error_r) < 0 ||
	    ck_matcher_new(ec->builtin_patterns,
			   (const char *const *)ec->patterns.items,
			   ec->patterns.count, &e->keys, error_r) < 0) {
		entitle_free(&e);
		return -1;
	}
	*entitle_r = e;
	return 0;
}

void entitle_free(struct entitle **entitle)
{
	struct entitle *e = entitle != NULL ? *entitle : NULL;

	if (e == NULL)
		return;
	severity_matcher_free(&e->severity);
	ck_matcher_free(&e->keys);
	free(e);
	*entitle = NULL;
}

/* ---- targets ---- */

int64_t entitle_due(const struct config *config, const char *level,
		    const char *severity, const char *region, int64_t from)
{
	const struct region_config *r = config_region(config, region);
	int lv = level != NULL ? config_level_parse(level) : -1;
	int sev;

	if (lv < 0 || severity == NULL || severity[0] == '\0' || severity[1] != '\0')
		return 0;
	sev = severity[0] >= 'a' ? severity[0] - 'a' : severity[0] - 'A';
	if (sev < 0 || sev > 3)
		return 0;
	return sla_due(&config->entitlement.targets[lv][sev],
		       r != NULL ? &r->hours : &sla_default_hours,
		       r != NULL ? r->timezone : "UTC", from);
}

/* ---- the contracts found ---- */

struct candidate {
	const struct store_contract *c;
	const char *found_by;
	enum entitle_status status;
	int64_t expires;        /* day number; INT64_MAX: never */
	int64_t today;          /* in the contract's region */
	int level;              /* enum contract_level; LEVEL_NONE if unknown */
};

struct found {
	struct pool *pool;
	const struct config *config;
	struct candidate *items;
	size_t count, alloc;
	const char *found_by;   /* of the contracts being added */
	int64_t now;
	/* the local date in the last zone asked for */
	const char *today_tz;
	int64_t today;
	/* keys found in the mail */
	const char *keys[ENTITLE_MAX_KEYS];
	size_t key_count;
};

static const char *dup(struct pool *pool, const char *s)
{
	return s != NULL ? pool_strdup(pool, s) : NULL;
}

/* The region of a contract (or the hint): the config's, or NULL. */
static const struct region_config *region_of(const struct config *config,
					     const char *name)
{
	return name != NULL && *name != '\0' ? config_region(config, name) : NULL;
}

/* The local date today in zone tz; the last answer is kept (the
 * contracts of one customer are in one region). */
static int64_t today_in(struct found *f, const char *tz)
{
	unsigned minute;

	if (f->today_tz == NULL || strcmp(f->today_tz, tz) != 0) {
		if (dates_local(tz, f->now, &f->today, &minute) < 0)
			f->today = date_of_utc(f->now);
		f->today_tz = tz;
	}
	return f->today;
}

static void classify(struct found *f, struct candidate *cd,
		     const char *region_hint)
{
	const struct store_contract *c = cd->c;
	const struct region_config *r = region_of(f->config, c->region);
	int64_t expires;
	int level = c->level != NULL ? config_level_parse(c->level) : -1;

	if (r == NULL)
		r = region_of(f->config, region_hint);
	cd->level = level >= 0 ? level : LEVEL_NONE;
	cd->today = today_in(f, r != NULL ? r->timezone : "UTC");
	if (c->expires == NULL || date_parse(c->expires, &expires) < 0) {
		/* no expiry date (an import refuses a bad one) */
		cd->expires = INT64_MAX;
		cd->status = ENTITLE_ACTIVE;
		return;
	}
	cd->expires = expires;
	cd->status = expires < cd->today ? ENTITLE_EXPIRED : ENTITLE_ACTIVE;
}

/* Expired at most [renewals] grace_days ago. */
static bool recently(const struct config *config, const struct candidate *cd)
{
	return cd->status == ENTITLE_EXPIRED &&
		cd->today - cd->expires <= (int64_t)config->renewals.grace_days;
}

static int add_contract(void *ctx, const struct store_contract *row)
{
	struct found *f = ctx;
	struct store_contract *c;

	for (size_t i = 0; i < f->count; i++) {
		if (strcmp(f->items[i].c->id, row->id) == 0)
			return 0;
	}
	if (f->count == f->alloc) {
		size_t n = f->alloc > 0 ? f->alloc * 2 : 8;

		f->items = pool_realloc(f->pool, f->items,
					f->alloc * sizeof(*f->items),
					n * sizeof(*f->items));
		f->alloc = n;
	}
	c = pool_alloc(f->pool, sizeof(*c));
	*c = *row;
	c->id = dup(f->pool, row->id);
	c->customer_email = dup(f->pool, row->customer_email);
	c->customer_name = dup(f->pool, row->customer_name);
	c->company = dup(f->pool, row->company);
	c->product = dup(f->pool, row->product);
	c->serial = dup(f->pool, row->serial);
	c->region = dup(f->pool, row->region);
	c->language = dup(f->pool, row->language);
	c->level = dup(f->pool, row->level);
	c->starts = dup(f->pool, row->starts);
	c->expires = dup(f->pool, row->expires);
	c->renewal_id = dup(f->pool, row->renewal_id);
	memset(&f->items[f->count], 0, sizeof(f->items[0]));
	f->items[f->count].c = c;
	f->items[f->count].found_by = f->found_by;
	f->count++;
	return 0;
}

/* A key found in the mail, kept once (in any case); stops at the cap. */
static int add_key(void *ctx, const char *key, size_t len)
{
	struct found *f = ctx;

	for (size_t i = 0; i < f->key_count; i++) {
		if (strlen(f->keys[i]) == len && str_ieqn(f->keys[i], key, len))
			return 0;
	}
	if (f->key_count == ENTITLE_MAX_KEYS)
		return 1;
	f->keys[f->key_count++] = pool_strndup(f->pool, key, len);
	return 0;
}

/* Whether a wins over b (see entitle.h for the order). */
static bool better(const struct candidate *a, const struct candidate *b)
{
	if (a->status != b->status)
		return a->status == ENTITLE_ACTIVE;
	if (a->status == ENTITLE_ACTIVE && a->level != b->level)
		return a->level < b->level;   /* LEVEL_PREMIER is 0 */
	if (a->expires != b->expires)
		return a->expires > b->expires;
	return strcmp(a->c->id, b->c->id) < 0;
}

/* The first text_max bytes of text, cut at a character boundary. */
static size_t text_prefix(const char *text, size_t text_max)
{
	size_t len = text != NULL ? strlen(text) : 0;

	if (len <= text_max)
		return len;
	len = text_max;
	while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
		len--;
	return len;
}

static const char *severity_reason(struct pool *pool, const char *subject,
				   const char *text, const struct severity_hit *h)
{
	const char *where;
	char *word;
	size_t len;

	if (!h->found)
		return "no keyword";
	where = h->in_subject ? subject : text;
	/* as written, on one line ("arrêt de\nproduction") */
	len = h->len;
	if (len > 60) {
		len = 60;
		while (len > 0 && ((unsigned char)where[h->offset + len] & 0xc0) == 0x80)
			len--;
	}
	word = pool_strndup(pool, where + h->offset, len);
	for (char *p = word; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	return pool_printf(pool, "\"%s\" in the %s", word,
			   h->in_subject ? "subject" : "text");
}

int entitle_case(const struct entitle *e, struct store *store,
		 struct pool *pool, const struct message *msg,
		 const char *region_hint, int64_t now, struct entitlement *out,
		 const char **error_r)
{
	const struct config *config = e->config;
	const struct region_config *r;
	struct dates_zone zone;
	struct severity_hit hit;
	struct found f;
	const struct candidate *best = NULL;
	const char *subject = msg->subject != NULL ? msg->subject : "";
	size_t text_len = text_prefix(msg->text, ENTITLE_TEXT_MAX);

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	f.pool = pool;
	f.config = config;
	f.now = now;
	out->known = true;

	/* severity */
	out->severity[0] = severity_classify(e->severity, subject, msg->text,
					     text_len, &hit);
	out->severity_why = severity_reason(pool, subject, msg->text, &hit);

	/* contracts: by address, then by the keys written */
	if (msg->from.addr != NULL && *msg->from.addr != '\0') {
		f.found_by = "the sender's address";
		if (store_contracts_by_email(store, msg->from.addr, add_contract,
					     &f, error_r) < 0)
			return -1;
	}
	if (ck_extract(e->keys, subject, strlen(subject), add_key, &f) == 0 &&
	    msg->text != NULL)
		(void)ck_extract(e->keys, msg->text, text_len, add_key, &f);
	out->keys = (unsigned)f.key_count;
	for (size_t i = 0; i < f.key_count; i++) {
		char *upper = str_upper(pool_strdup(pool, f.keys[i]));

		f.found_by = pool_printf(pool, "\"%s\" in the mail", f.keys[i]);
		if (store_contracts_by_key(store, f.keys[i], add_contract, &f,
					   error_r) < 0)
			return -1;
		/* people write "c-2024-1" for "C-2024-1" */
		if (strcmp(upper, f.keys[i]) != 0 &&
		    store_contracts_by_key(store, upper, add_contract, &f,
					   error_r) < 0)
			return -1;
	}

	/* One zone switch for the dates below when the contracts and the
	 * target are in one region, as they nearly always are. */
	r = region_of(config, f.count > 0 ? f.items[0].c->region : NULL);
	if (r == NULL)
		r = region_of(config, region_hint);
	dates_zone_enter(&zone, r != NULL ? r->timezone : "UTC");
	for (size_t i = 0; i < f.count; i++) {
		classify(&f, &f.items[i], region_hint);
		if (best == NULL || better(&f.items[i], best))
			best = &f.items[i];
	}
	out->level = LEVEL_NONE;
	out->status = ENTITLE_NONE;
	r = region_of(config, region_hint);
	if (best != NULL) {
		const struct region_config *cr = region_of(config, best->c->region);

		out->contract = best->c;
		out->found_by = best->found_by;
		out->status = best->status;
		if (best->status == ENTITLE_ACTIVE)
			out->level = (enum contract_level)best->level;
		out->recently_expired = recently(config, best);
		if (cr != NULL)
			r = cr;
	}
	out->region = r != NULL ? r->name : NULL;
	out->due = entitle_due(config, config_level_name(out->level),
			       out->severity, out->region, now);
	dates_zone_leave(&zone);
	return 0;
}

int entitle_of_case(const struct config *config, struct store *store,
		    struct pool *pool, const struct store_case *c, int64_t now,
		    struct entitlement *out, const char **error_r)
{
	struct store_contract *contract = NULL;
	const struct region_config *rc;
	struct found f;
	struct candidate cd;
	int level;

	memset(out, 0, sizeof(*out));
	if (c == NULL || c->level == NULL)
		return 0;
	out->known = true;
	level = config_level_parse(c->level);
	out->level = level >= 0 ? (enum contract_level)level : LEVEL_NONE;
	if (c->severity != NULL && c->severity[0] != '\0')
		out->severity[0] = c->severity[0];
	else
		out->severity[0] = 'C';
	out->due = c->due;
	out->region = c->region;
	if (c->contract != NULL) {
		int r = store_contract_get(store, pool, c->contract, &contract,
					   error_r);

		if (r < 0)
			return -1;
	}
	if (contract == NULL) {
		rc = region_of(config, c->region);
		out->region = rc != NULL ? rc->name : NULL;
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.config = config;
	f.now = now;
	memset(&cd, 0, sizeof(cd));
	cd.c = contract;
	classify(&f, &cd, c->region);
	out->contract = contract;
	out->status = cd.status;
	out->recently_expired = recently(config, &cd);
	/* the contract's region, as when the case was opened */
	rc = region_of(config, contract->region);
	if (rc == NULL)
		rc = region_of(config, c->region);
	out->region = rc != NULL ? rc->name : NULL;
	return 0;
}

/* ---- telling it ---- */

const char *entitle_summary(const struct config *config, struct pool *pool,
			    const struct entitlement *e)
{
	const struct store_contract *c = e->contract;
	const char *level = config_level_name(e->level);
	const struct response_target *t = NULL;
	char target[32], when[32];
	const char *contract_part, *due_part;
	int sev = e->severity[0] - 'A';

	if (sev >= 0 && sev < 4 && (unsigned)e->level < LEVEL_COUNT)
		t = &config->entitlement.targets[e->level][sev];
	if (c == NULL)
		contract_part = pool_printf(pool, "no contract found (the sender's "
					    "address and %u key%s looked up)", e->keys,
					    e->keys == 1 ? "" : "s");
	else if (e->status == ENTITLE_ACTIVE)
		contract_part = pool_printf(pool, "active %s contract %s%s%s%s, expires %s, found by %s",
			c->level != NULL ? c->level : "none", c->id,
			c->company != NULL || c->product != NULL ? " (" : "",
			c->company != NULL ? c->company : c->product != NULL ? c->product : "",
			c->company != NULL || c->product != NULL ? ")" : "",
			c->expires != NULL ? c->expires : "never", e->found_by);
	else
		contract_part = pool_printf(pool, "support expired on %s (%s contract %s%s), found by %s",
			c->expires, c->level != NULL ? c->level : "none", c->id,
			e->recently_expired ? ", recently" : "", e->found_by);
	if (e->due != 0) {
		time_iso8601(e->due, when);
		due_part = pool_printf(pool, "first response due %s (%s %s, %s)", when,
				       level, sla_format_target(t, target, sizeof(target)),
				       e->region != NULL ? e->region : "UTC");
	} else {
		due_part = pool_printf(pool, "no response target (level %s)", level);
	}
	return pool_printf(pool, "%s; severity %s (%s); %s", contract_part,
			   e->severity, e->severity_why != NULL ? e->severity_why :
			   "kept", due_part);
}

static void set_str(json_t *o, const char *key, const char *value)
{
	json_t *v = value != NULL ? json_string(value) : NULL;

	json_object_set_new(o, key, v != NULL ? v : json_null());
}

json_t *entitle_json(const struct config *config, const struct entitlement *e)
{
	const struct store_contract *c = e->contract;
	json_t *o = json_object();

	(void)config;
	json_object_set_new(o, "active", json_boolean(e->status == ENTITLE_ACTIVE));
	json_object_set_new(o, "expired", json_boolean(e->status == ENTITLE_EXPIRED));
	json_object_set_new(o, "recently_expired", json_boolean(
		e->status == ENTITLE_EXPIRED && e->recently_expired));
	json_object_set_new(o, "none", json_boolean(e->status == ENTITLE_NONE));
	set_str(o, "level", c != NULL && c->level != NULL ? c->level :
		config_level_name(e->level));
	set_str(o, "contract", c != NULL ? c->id : NULL);
	set_str(o, "product", c != NULL ? c->product : NULL);
	set_str(o, "serial", c != NULL ? c->serial : NULL);
	set_str(o, "expires", c != NULL ? c->expires : NULL);
	set_str(o, "renewal_id", c != NULL ? c->renewal_id : NULL);
	set_str(o, "company", c != NULL ? c->company : NULL);
	return o;
}

void entitle_json_add(const struct config *config, const struct entitlement *e,
		      json_t *data)
{
	const struct region_config *r;

	if (!e->known || data == NULL)
		return;
	json_object_set_new(data, "entitlement", entitle_json(config, e));
	r = region_of(config, e->region);
	if (r == NULL)
		return;
	json_object_set_new(data, "team", compose_team_data(config, r->name));
	if (e->due != 0) {
		json_t *jc = json_object_get(data, "case");
		char buf[96];

		if (jc != NULL)
			json_object_set_new(jc, "due_local", json_string(
				sla_format_local(e->due, r->timezone, buf, sizeof(buf))));
	}
}
