/*
 * renewals.c - renewal reminders: the schedule's step logic, co-terming,
 * and the run that queues the mails; see include/renewals.h.
 */
#include "renewals.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "compose.h"
#include "config.h"
#include "dates.h"
#include "log.h"
#include "pool.h"
#include "store.h"
#include "template.h"
#include "util.h"

/* ---- the schedule ---- */

bool renewal_due(const struct renewals_config *rc,
		 const struct renewal_state *s, int64_t today,
		 struct renewal_step *step_r)
{
	int64_t until = s->expires - today;     /* days until expiry */
	bool found = false;
	int step = 0;

	memset(step_r, 0, sizeof(*step_r));
	if (s->auto_renew) {
		int n = (int)rc->auto_notice_days;

		/* one notice, from n days before expiry to the day before;
		 * none once it has renewed (or not) */
		if (n == 0 || until > n || until <= 0 ||
		    (s->sent && s->sent_step <= n))
			return false;
		*step_r = (struct renewal_step){ RENEWAL_AUTO, n, s->expires - n };
		return true;
	}
	/* the latest step whose day has come: the smallest s >= until (the
	 * schedule is sorted from the largest) */
	for (size_t i = rc->schedule_count; i-- > 0;) {
		if (rc->schedule[i] >= until) {
			step = rc->schedule[i];
			found = true;
			break;
		}
	}
	if (!found)
		return false;
	/* sent already, or a later step was: an earlier one is stale */
	if (s->sent && s->sent_step <= step)
		return false;
	if (step > 0) {
		int64_t week_end = today + (int64_t)rc->coterm_days - 1;
		int covered = step;

		/* a reminder is about an expiry to come: once the contract
		 * has expired, only the "expired" steps apply */
		if (until <= 0)
			return false;
		/* A late step also stands for the reminders that fall due
		 * within the co-terming window: a run that catches up the
		 * 60-day step 32 days before expiry records the 30-day one
		 * too, so the customer does not get a second mail two days
		 * later.  Never an "expired" step: that one is said when it
		 * is true. */
		for (size_t i = 0; i < rc->schedule_count; i++) {
			int later = rc->schedule[i];

			if (later > 0 && later < covered &&
			    s->expires - later <= week_end)
				covered = later;
		}
		*step_r = (struct renewal_step){ RENEWAL_REMINDER, covered,
						 s->expires - step };
		return true;
	}
	if (-until > (int64_t)rc->grace_days)
		return false;
	*step_r = (struct renewal_step){ RENEWAL_EXPIRED, step, s->expires - step };
	return true;
}

bool renewal_next(const struct renewals_config *rc,
		  const struct renewal_state *s, int64_t today,
		  struct renewal_step *step_r)
{
	int64_t until = s->expires - today, last = today + (int64_t)rc->coterm_days - 1;
	int64_t day;
	int step;
	size_t i;

	memset(step_r, 0, sizeof(*step_r));
	if (s->auto_renew) {
		int n = (int)rc->auto_notice_days;

		day = s->expires - n;
		if (n == 0 || day <= today || day > last ||
		    (s->sent && s->sent_step <= n))
			return false;
		*step_r = (struct renewal_step){ RENEWAL_AUTO, n, day };
		return true;
	}
	/* the next step: the largest s < until */
	for (i = 0; i < rc->schedule_count && rc->schedule[i] >= until; i++)
		;
	if (i == rc->schedule_count)
		return false;
	step = rc->schedule[i];
	day = s->expires - step;
	if (day > last || (s->sent && s->sent_step <= step))
		return false;
	if (step > 0) {
		*step_r = (struct renewal_step){ RENEWAL_REMINDER, step, day };
		return true;
	}
	/* "has expired" may be said early only once it is true */
	if (until > 0 || -step > (int)rc->grace_days)
		return false;
	*step_r = (struct renewal_step){ RENEWAL_EXPIRED, step, day };
	return true;
}

const char *renewal_kind_template(enum renewal_kind kind)
{
	switch (kind) {
	case RENEWAL_REMINDER: return "renewal_reminder";
	case RENEWAL_AUTO: return "renewal_auto";
	case RENEWAL_EXPIRED: return "renewal_expired";
	case RENEWAL_NONE: break;
	}
	return "?";
}

const char *renewal_kind_name(enum renewal_kind kind)
{
	switch (kind) {
	case RENEWAL_REMINDER: return "reminder";
	case RENEWAL_AUTO: return "auto";
	case RENEWAL_EXPIRED: return "expired";
	case RENEWAL_NONE: break;
	}
	return "?";
}

const char *renewals_missing_template(const struct template_set *templates)
{
	static const enum renewal_kind kinds[] = {
		RENEWAL_REMINDER, RENEWAL_AUTO, RENEWAL_EXPIRED,
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!template_exists(templates, renewal_kind_template(kinds[i]), "en"))
			return renewal_kind_template(kinds[i]);
	}
	return NULL;
}

/* ---- zones ---- */

size_t renewals_zone_count(const struct config *config)
{
	return config->region_count + 1;
}

const char *renewals_zone_name(const struct config *config, size_t zone)
{
	return zone < config->region_count ? config->regions[zone].name : "";
}

static const char *zone_tz(const struct config *config, size_t zone)
{
	const char *tz = zone < config->region_count ?
		config->regions[zone].timezone : NULL;

	return tz != NULL && *tz != '\0' ? tz : "UTC";
}

int renewals_zone_today(const struct config *config, size_t zone,
			int64_t now, int64_t *today_r, unsigned *minute_r)
{
	return dates_local(zone_tz(config, zone), now, today_r, minute_r);
}

int64_t renewals_next_send(const struct config *config, int64_t now)
{
	int64_t best = 86400;

	for (size_t z = 0; z < renewals_zone_count(config); z++) {
		const char *tz = zone_tz(config, z);
		int64_t today, at;
		unsigned minute;

		if (dates_local(tz, now, &today, &minute) < 0)
			continue;
		at = dates_instant(tz, minute < config->renewals.send_minute ?
				   today : today + 1, config->renewals.send_minute);
		if (at - now < best)
			best = at - now;
	}
	return best < 1 ? 1 : best;
}

/* ---- a run ---- */

/* One zone as the run sees it. */
struct zone {
	const char *region;     /* NULL: no region */
	const char *team;       /* "Name <addr>" or NULL */
	const char *team_addr;
	const char *language;
	int64_t today;
	char today_str[DATE_BUF];
	bool included;
};

/* A contract with a notice due (or co-termable) on its zone's day. */
struct item {
	const char *id, *email, *name, *company, *product, *serial, *level,
		*language, *renewal_id, *expires_str;
	int64_t expires;
	bool auto_renew;
	bool due;               /* else: listed ahead, co-terming */
	bool done;
	size_t zone;
	struct renewal_step step;
};

struct run {
	const struct config *config;
	struct store *store;
	const struct template_set *templates;
	const struct renewals_options *opt;
	renewals_mail_cb *cb;
	void *cb_ctx;
	struct renewals_stats *stats;
	int64_t now;
	struct zone *zones;
	size_t zone_count;
	size_t none_zone;       /* the zone of contracts without a region */
	size_t default_zone;    /* [renewals] default_region's, or none_zone */

	struct pool *items_pool;/* the items' strings */
	struct item *items;
	size_t count, alloc;

	struct pool *pool;      /* per mail */
	const char **error_r;
};

static size_t zone_of(const struct run *r, const char *region)
{
	const struct region_config *rc;

	if (region == NULL || *region == '\0')
		return r->default_zone;
	rc = config_region(r->config, region);
	/* a region the configuration lost since the import: no team */
	return rc != NULL ? (size_t)(rc - r->config->regions) : r->none_zone;
}

/* Copies the contract's strings into one allocation (a run over a
 * million contracts keeps a quarter of them); an empty optional field
 * becomes NULL.  id and expires are never empty. */
static void item_strings(struct pool *pool, struct item *it,
			 const struct store_contract *c)
{
	const char *src[] = { c->id, c->expires, c->customer_name, c->company,
		c->product, c->serial, c->level, c->language, c->renewal_id };
	const char **dst[] = { &it->id, &it->expires_str, &it->name,
		&it->company, &it->product, &it->serial, &it->level,
		&it->language, &it->renewal_id };
	size_t len[sizeof(src) / sizeof(src[0])], total = 0;
	char *p;

	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		len[i] = src[i] != NULL ? strlen(src[i]) : 0;
		total += len[i] + 1;
	}
	p = pool_alloc(pool, total);    /* zero-filled: the NULs are there */
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		*dst[i] = len[i] > 0 || i < 2 ? p : NULL;
		if (len[i] > 0)
			memcpy(p, src[i], len[i]);
		p += len[i] + 1;
	}
}

static int candidate(void *ctx, const struct store_contract *c)
{
	struct run *r = ctx;
	struct renewal_state st;
	struct renewal_step step;
	struct item *it;
	size_t z;
	bool due;

	r->stats->candidates++;
	if (c->expires == NULL || date_parse(c->expires, &st.expires) < 0)
		return 0;
	z = zone_of(r, c->region);
	if (!r->zones[z].included)
		return 0;
	st.auto_renew = c->auto_renew;
	st.sent = c->notice_sent;
	st.sent_step = c->notice_step;
	due = renewal_due(&r->config->renewals, &st, r->zones[z].today, &step);
	if (!due && !renewal_next(&r->config->renewals, &st, r->zones[z].today, &step))
		return 0;
	if (c->customer_email == NULL || strchr(c->customer_email, '@') == NULL) {
		if (due) {
			r->stats->suppressed++;
			log_warn("renewals: contract %s has no customer address: "
				 "no %s", c->id, renewal_kind_template(step.kind));
		}
		return 0;
	}
	if (r->count == r->alloc) {
		size_t n = r->alloc == 0 ? 1024 : r->alloc * 2;
		struct item *items = realloc(r->items, n * sizeof(*items));

		if (items == NULL)
			fatal("out of memory");
		r->items = items;
		r->alloc = n;
	}
	it = &r->items[r->count++];
	memset(it, 0, sizeof(*it));
	/* rows come by customer: the previous item's address is shared */
	if (r->count > 1 && strcmp(it[-1].email, c->customer_email) == 0)
		it->email = it[-1].email;
	else
		it->email = pool_strdup(r->items_pool, c->customer_email);
	item_strings(r->items_pool, it, c);
	it->expires = st.expires;
	it->auto_renew = c->auto_renew;
	it->due = due;
	it->zone = z;
	it->step = step;
	return 0;
}

/* ---- one mail ---- */

static int fail_store(struct run *r, const char *error)
{
	snprintf(r->stats->error, sizeof(r->stats->error), "%s", error);
	*r->error_r = r->stats->error;
	return -1;
}

static json_t *jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* The template's data: the case's (compose.h: case.*, customer.*,
 * gateway.*, and team.* of the case's region, which is the mail's), the
 * renewal and the list of contracts. */
static json_t *mail_data(const struct run *r, const struct store_case *cs,
			 const struct zone *zn, struct item **items, size_t n)
{
	json_t *root = compose_case_data(r->config, cs, NULL);
	json_t *ren = json_object(), *list = json_array();
	int64_t today = zn->today;

	for (size_t i = 0; i < n; i++) {
		const struct item *it = items[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", jstr(it->id));
		json_object_set_new(o, "product", jstr(it->product));
		json_object_set_new(o, "serial", jstr(it->serial));
		json_object_set_new(o, "renewal_id", jstr(it->renewal_id));
		json_object_set_new(o, "company", jstr(it->company));
		json_object_set_new(o, "level", jstr(it->level));
		json_object_set_new(o, "expires", jstr(it->expires_str));
		json_object_set_new(o, "days", json_integer(it->expires - today));
		json_object_set_new(o, "days_ago", json_integer(today - it->expires));
		json_object_set_new(o, "auto_renew", json_boolean(it->auto_renew));
		json_array_append_new(list, o);
	}
	json_object_set_new(ren, "expires", jstr(items[0]->expires_str));
	json_object_set_new(ren, "days", json_integer(items[0]->expires - today));
	json_object_set_new(ren, "days_ago", json_integer(today - items[0]->expires));
	json_object_set_new(ren, "count", json_integer((json_int_t)n));
	json_object_set_new(ren, "several", json_boolean(n > 1));
	json_object_set_new(ren, "date", json_string(zn->today_str));
	json_object_set_new(root, "renewal", ren);
	json_object_set_new(root, "contracts", list);
	return root;
}

static const char *case_subject(struct pool *pool, struct item **items, size_t n)
{
	if (n == 1)
		return pool_printf(pool, "Renewal: %s %s, expires %s",
				   items[0]->product != NULL ? items[0]->product : "contract",
				   items[0]->id, items[0]->expires_str);
	return pool_printf(pool, "Renewal: %zu contracts, first expiring %s", n,
			   items[0]->expires_str);
}

/* The renewal case of this mail: found by its key, else opened (not in a
 * dry run: then *cs_r is a stand-in numbered 0). */
static int mail_case(struct run *r, const char *key, const struct zone *zn,
		     struct item **items, size_t n, const char *lang,
		     struct store_case **cs_r, bool *new_r, const char **error_r)
{
	struct store_case *cs;
	uint64_t number = 0;
	int found = store_case_by_renewal_key(r->store, key, &number, error_r);

	if (found < 0)
		return -1;
	*new_r = found == 0;
	if (found > 0)
		return store_case_get(r->store, r->pool, number, cs_r, error_r) > 0 ? 0 : -1;
	cs = pool_alloc(r->pool, sizeof(*cs));
	cs->status = CASE_OPEN;
	cs->subject = case_subject(r->pool, items, n);
	cs->requester = items[0]->email;
	cs->requester_name = items[0]->name;
	cs->language = lang;
	cs->region = zn->region;
	cs->created_at = r->now;
	cs->kind = "renewal";
	cs->level = items[0]->level;
	cs->contract = items[0]->id;
	cs->renewal_key = key;
	*cs_r = cs;
	if (r->opt->dry_run)
		return 0;
	if (store_case_create(r->store, cs, &cs->number, error_r) < 0 ||
	    store_participant_add(r->store, cs->number, cs->requester,
				  "requester", error_r) < 0)
		return -1;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;

	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The outgoing message row, so the case shows what it was sent. */
static int record_message(struct run *r, const struct store_case *cs,
			  const struct compose_output *out,
			  const struct template_result *tr, const char *from_addr,
			  const char **error_r)
{
	struct store_message m;
	const char *end = strstr(out->raw, "\r\n\r\n");
	int64_t id;

	memset(&m, 0, sizeof(m));
	m.case_number = cs->number;
	m.direction = MSG_OUT;
	m.message_id = out->message_id;
	m.from_addr = from_addr;
	m.subject = tr->subject;
	m.date = r->now;
	m.has_date = true;
	m.received_at = r->now;
	m.is_auto = true;
	m.auto_reason = "auto-generated";
	m.language = tr->lang;
	m.source = "renewals";
	m.headers = out->raw;
	m.headers_len = end != NULL ? (size_t)(end - out->raw) + 2 : out->raw_len;
	m.text = tr->body;
	m.raw = out->raw;
	m.raw_len = out->raw_len;
	return store_message_add(r->store, &m, &id, error_r);
}

/*
 * Queues (or, in a dry run, renders and tells) one mail listing items, all
 * of one customer, zone and kind.  0: done or skipped (counted), -1 store
 * failure, -2 template failure.
 */
static int mail_send(struct run *r, struct item **items, size_t n)
{
	const struct config *c = r->config;
	const struct zone *zn = &r->zones[items[0]->zone];
	enum renewal_kind kind = items[0]->step.kind;
	const char *tpl = renewal_kind_template(kind), *lang = NULL, *key, *error;
	const char *from_addr = zn->team != NULL ? zn->team_addr : c->smtp.from_addr;
	struct store_case *cs = NULL;
	struct template_result tr;
	struct compose_input in;
	struct compose_output out;
	struct renewals_mail *m;
	const char **ids;
	int *steps;
	int64_t outbox_id = 0;
	bool new_case = false, in_txn = false;
	char *terr = NULL;
	json_t *data;
	int rc;

	pool_clear(r->pool);    /* what the previous mail left */
	qsort(items, n, sizeof(*items), item_cmp);
	for (size_t i = 0; i < n && lang == NULL; i++)
		lang = items[i]->language;
	if (lang == NULL)
		lang = zn->language != NULL ? zn->language : "en";
	key = zn->region != NULL ?
		pool_printf(r->pool, "renewal:%s:%s:%s", items[0]->email,
			    items[0]->expires_str, zn->region) :
		pool_printf(r->pool, "renewal:%s:%s", items[0]->email,
			    items[0]->expires_str);

	rc = store_undeliverable_get(r->store, items[0]->email, &error);
	if (rc < 0)
		return fail_store(r, error);
	if (rc > 0) {
		r->stats->suppressed++;
		log_warn("renewals: no %s to %s: our mail to this address bounced",
			 tpl, items[0]->email);
		return 0;
	}
	/* one transaction per mail: case, outbox row, message row and the
	 * ledger's rows commit together or not at all */
	if (!r->opt->dry_run) {
		if (store_begin(r->store, &error) < 0)
			return fail_store(r, error);
		in_txn = true;
	}
	if (mail_case(r, key, zn, items, n, lang, &cs, &new_case, &error) < 0)
		goto store_failed;

	data = mail_data(r, cs, zn, items, n);
	rc = template_render(r->templates, tpl, lang, data, r->pool, &tr, &terr);
	json_decref(data);
	if (rc < 0) {
		snprintf(r->stats->error, sizeof(r->stats->error), "%s", terr);
		free(terr);
		*r->error_r = r->stats->error;
		if (in_txn)
			store_rollback(r->store);
		return -2;
	}
	memset(&in, 0, sizeof(in));
	in.subject = tr.subject;
	in.cc = tr.cc;
	in.reply_to = tr.reply_to != NULL ? tr.reply_to : zn->team;
	in.body = tr.body;
	in.to = items[0]->email;
	in.to_name = items[0]->name;
	in.case_number = cs->number;
	in.kind = COMPOSE_AUTO_GENERATED;
	in.from = zn->team;
	in.bcc = zn->team_addr;
	if (compose_message(c, r->pool, &in, NULL, r->now, &out, &error) < 0) {
		r->stats->failed++;
		log_warn("renewals: cannot write the %s to %s: %s", tpl,
			 items[0]->email, error);
		if (in_txn)
			store_rollback(r->store);
		return 0;
	}
	if (!r->opt->dry_run) {
		struct store_outbox o;

		memset(&o, 0, sizeof(o));
		o.case_number = cs->number;
		o.kind = tpl;
		o.message_id = out.message_id;
		o.mail_from = c->smtp.bounce_address;
		o.rcpt = out.rcpt;
		o.raw = out.raw;
		o.raw_len = out.raw_len;
		o.created_at = r->now;
		if (store_outbox_add(r->store, &o, &outbox_id, &error) < 0 ||
		    record_message(r, cs, &out, &tr, from_addr, &error) < 0)
			goto store_failed;
		for (size_t i = 0; i < n; i++) {
			struct store_notice nt = {
				.contract = items[i]->id,
				.expires = items[i]->expires_str,
				.step = items[i]->step.step,
				.kind = renewal_kind_name(kind),
				.case_number = cs->number,
				.outbox_id = outbox_id,
				.run_date = zn->today_str,
				.at = r->now,
			};

			rc = store_renewal_notice_add(r->store, &nt, &error);
			if (rc < 0)
				goto store_failed;
			if (rc > 0) {
				/* another run queued it first: this mail
				 * would repeat it */
				log_info("renewals: contract %s step %d was sent "
					 "by another run; mail to %s left out",
					 items[i]->id, items[i]->step.step,
					 items[0]->email);
				r->stats->raced++;
				store_rollback(r->store);
				return 0;
			}
		}
		if (store_commit(r->store, &error) < 0)
			goto store_failed;
		log_info("renewals: case=%" PRIu64 " %s queued (outbox id %" PRId64
			 ", %s) to %s region=%s contracts=%zu", cs->number, tpl,
			 outbox_id, tr.lang, items[0]->email,
			 zn->region != NULL ? zn->region : "-", n);
	}

	/* what to tell, once it is committed */
	m = pool_alloc(r->pool, sizeof(*m));
	ids = pool_alloc(r->pool, n * sizeof(*ids));
	steps = pool_alloc(r->pool, n * sizeof(*steps));
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		ids[i] = items[i]->id;
		steps[i] = items[i]->step.step;
		if (!items[i]->due)
			m->coterm_count++;
	}
	m->to = items[0]->email;
	m->to_name = items[0]->name;
	m->region = zn->region;
	m->from = zn->team != NULL ? zn->team : c->smtp.from;
	m->team_addr = zn->team_addr;
	m->template_name = tpl;
	m->language = tr.lang;
	m->run_date = zn->today_str;
	m->subject = tr.subject;
	m->contracts = ids;
	m->steps = steps;
	m->contract_count = n;
	m->case_number = cs->number;
	m->new_case = new_case;
	m->outbox_id = outbox_id;
	m->message_id = out.message_id;
	m->dry_run = r->opt->dry_run;
	r->stats->by_kind[kind]++;
	r->stats->mails++;
	r->stats->notices += n;
	r->stats->coterm += m->coterm_count;
	if (r->cb != NULL)
		r->cb(r->cb_ctx, m);
	pool_clear(r->pool);
	return 0;

store_failed:
	/* on failure the transaction is still open (store.h) */
	fail_store(r, error);
	if (in_txn)
		store_rollback(r->store);
	pool_clear(r->pool);
	return -1;
}

/* The mails of one customer: items [first, end), in query order. */
static int customer_mails(struct run *r, size_t first, size_t end,
			  struct item ***buf, size_t *buf_alloc)
{
	for (size_t i = first; i < end; i++) {
		struct item *lead = &r->items[i];
		size_t n = 0;
		int ret;

		if (lead->done || !lead->due)
			continue;
		if (end - first > *buf_alloc) {
			*buf_alloc = end - first;
			*buf = realloc(*buf, *buf_alloc * sizeof(**buf));
			if (*buf == NULL)
				fatal("out of memory");
		}
		/* its zone and kind: the due ones and those a few days
		 * ahead, in one mail */
		for (size_t j = i; j < end; j++) {
			struct item *it = &r->items[j];

			if (!it->done && it->zone == lead->zone &&
			    it->step.kind == lead->step.kind) {
				it->done = true;
				(*buf)[n++] = it;
			}
		}
		if ((ret = mail_send(r, *buf, n)) != 0)
			return ret;
		if (r->opt->should_stop != NULL && r->opt->should_stop()) {
			r->stats->stopped = true;
			return 0;
		}
	}
	return 0;
}

static bool zone_wanted(const struct config *c, const struct renewals_options *opt,
			size_t z)
{
	if (opt->zones == NULL)
		return true;
	for (size_t i = 0; i < opt->zone_count; i++) {
		if (str_ieq(opt->zones[i], renewals_zone_name(c, z)))
			return true;
	}
	return false;
}

/* The team's address as the configuration writes it (team_addr is
 * lower-cased, for comparisons): what the customer reads. */
static const char *team_address(struct run *r, const struct region_config *rc)
{
	const char *lt = strrchr(rc->team, '<');

	if (lt == NULL || strchr(lt, '>') == NULL)
		return rc->team_addr;
	return pool_strndup(r->items_pool, lt + 1, strcspn(lt + 1, ">"));
}

static void setup_zones(struct run *r)
{
	const struct config *c = r->config;
	const struct region_config *def = c->renewals.default_region != NULL ?
		config_region(c, c->renewals.default_region) : NULL;

	r->zone_count = renewals_zone_count(c);
	r->zones = calloc(r->zone_count, sizeof(*r->zones));
	if (r->zones == NULL)
		fatal("out of memory");
	r->none_zone = r->zone_count - 1;
	r->default_zone = def != NULL ? (size_t)(def - c->regions) : r->none_zone;
	for (size_t z = 0; z < r->zone_count; z++) {
		struct zone *zn = &r->zones[z];
		unsigned minute;

		if (z < c->region_count) {
			const struct region_config *rc = &c->regions[z];

			zn->region = rc->name;
			zn->team = rc->team;
			zn->team_addr = rc->team != NULL ? team_address(r, rc) : NULL;
			zn->language = rc->language;
		}
		zn->included = zone_wanted(c, r->opt, z);
		if (r->opt->has_date) {
			zn->today = r->opt->date;
		} else if (renewals_zone_today(c, z, r->now, &zn->today, &minute) < 0) {
			log_warn("renewals: region %s: time zone %s unusable; "
				 "using UTC", zn->region != NULL ? zn->region : "-",
				 zone_tz(c, z));
			zn->today = date_of_utc(r->now);
		}
		date_format(zn->today, zn->today_str);
	}
}

int renewals_run(const struct config *config, struct store *store,
		 const struct template_set *templates,
		 const struct renewals_options *opt, renewals_mail_cb *cb,
		 void *ctx, struct renewals_stats *stats_r,
		 const char **error_r)
{
	const struct renewals_config *rc = &config->renewals;
	struct run r;
	struct item **buf = NULL;
	size_t buf_alloc = 0;
	int64_t lo = INT64_MAX, hi = INT64_MIN, ahead;
	char from[DATE_BUF], to[DATE_BUF];
	const char *error;
	int ret = 0;

	memset(stats_r, 0, sizeof(*stats_r));
	memset(&r, 0, sizeof(r));
	r.config = config;
	r.store = store;
	r.templates = templates;
	r.opt = opt;
	r.cb = cb;
	r.cb_ctx = ctx;
	r.stats = stats_r;
	r.now = opt->now != 0 ? opt->now : (int64_t)time(NULL);
	r.error_r = error_r;
	r.items_pool = pool_new(1024 * 1024);
	r.pool = pool_new(64 * 1024);
	setup_zones(&r);

	/* One pass over the contracts whose expiry can matter in any zone
	 * run: from the end of the grace window of the earliest date to the
	 * first step (or auto-renewal notice) plus the co-terming week of
	 * the latest. */
	for (size_t z = 0; z < r.zone_count; z++) {
		if (!r.zones[z].included)
			continue;
		if (r.zones[z].today < lo)
			lo = r.zones[z].today;
		if (r.zones[z].today > hi)
			hi = r.zones[z].today;
	}
	if (lo == INT64_MAX)
		goto out;
	ahead = rc->schedule_count > 0 && rc->schedule[0] > 0 ? rc->schedule[0] : 0;
	if ((int64_t)rc->auto_notice_days > ahead)
		ahead = rc->auto_notice_days;
	date_format(lo - (int64_t)rc->grace_days - 1, from);
	date_format(hi + ahead + (int64_t)rc->coterm_days, to);

	/* Read first, write after: a write transaction opened while the
	 * read is still stepping would work on the read's snapshot, which
	 * fails when another process wrote in between. */
	if (store_renewal_candidates(store, from, to, candidate, &r, &error) < 0) {
		ret = fail_store(&r, error);
		goto out;
	}
	/* A dry run only looks up (cases, bounced addresses): on one
	 * snapshot, rather than a read transaction per look-up. */
	if (opt->dry_run && store_begin_read(store, &error) < 0) {
		ret = fail_store(&r, error);
		goto out;
	}
	for (size_t i = 0; i < r.count && !stats_r->stopped;) {
		size_t end = i + 1;

		while (end < r.count && r.items[end].email == r.items[i].email)
			end++;
		if ((ret = customer_mails(&r, i, end, &buf, &buf_alloc)) != 0)
			break;
		i = end;
	}
	if (opt->dry_run)
		store_rollback(store);  /* nothing was written */
out:
	free(buf);
	free(r.items);
	free(r.zones);
	pool_free(&r.items_pool);
	pool_free(&r.pool);
	return ret;
}
