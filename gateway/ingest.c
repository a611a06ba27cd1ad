/*
 * ingest.c - one incoming message from bytes to a committed case change;
 * see include/ingest.h.
 *
 * The decision (which case, reopen or not, verified or not) is made first
 * with look-ups only; the writes follow, all inside one savepoint, so a
 * failure leaves nothing half-stored.
 */
#include "ingest.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "bounce.h"
#include "classify.h"
#include "config.h"
#include "entitle.h"
#include "fingerprint.h"
#include "log.h"
#include "message.h"
#include "pool.h"
#include "relay.h"
#include "store.h"
#include "strbuf.h"
#include "threading.h"
#include "util.h"

const char *ingest_outcome_name(enum ingest_outcome outcome)
{
	switch (outcome) {
	case INGEST_NEW: return "new";
	case INGEST_APPENDED: return "appended";
	case INGEST_REOPENED: return "reopened";
	case INGEST_DUPLICATE: return "duplicate";
	case INGEST_QUARANTINED: return "quarantined";
	}
	return "?";
}

struct decision {
	uint64_t target;        /* existing case to append to, or 0 */
	uint64_t linked_to;     /* new case follows up this one */
	bool unverified;
	bool reopen;
};

static int quarantine(struct ingest_ctx *ctx, const char *data, size_t len,
		      const char *source, const char *reason, int64_t now,
		      struct ingest_result *res, const char **error_r)
{
	int r = store_quarantine_add(ctx->store, source, reason, data, len, now,
				     &res->quarantine_id, error_r);

	if (r < 0)
		return -1;
	res->outcome = INGEST_QUARANTINED;
	res->reason = reason;
	log_warn("source=%s quarantine=%" PRId64 " reason=\"%s\": %s",
		 source, res->quarantine_id, reason,
		 r == 1 ? "already kept in quarantine" : "message kept in quarantine");
	return 0;
}

/* Case named by In-Reply-To, else by References from the newest back. */
static int case_by_references(struct ingest_ctx *ctx, const struct message *msg,
			      uint64_t *case_r, const char **error_r)
{
	int r;

	if (msg->in_reply_to != NULL) {
		r = store_message_id_case(ctx->store, msg->in_reply_to, case_r, error_r);
		if (r != 0)
			return r;
	}
	for (size_t i = msg->references_count; i-- > 0;) {
		r = store_message_id_case(ctx->store, msg->references[i], case_r, error_r);
		if (r != 0)
			return r;
	}
	return 0;
}

static int decide(struct ingest_ctx *ctx, const struct message *msg,
		  const char *auto_reason, int64_t now, struct decision *d,
		  const char **error_r)
{
	const struct config *cfg = ctx->config;
	struct store_case *c = NULL;
	uint64_t number;
	bool by_fingerprint = false;
	int r;

	memset(d, 0, sizeof(*d));
	if (fp_extract(ctx->matcher, msg->subject, &number) == 1) {
		r = store_case_get(ctx->store, ctx->pool, number, &c, error_r);
		if (r < 0)
			return -1;
		if (r == 1)
			by_fingerprint = true;
		else
			log_info("msgid=%s fingerprint=%" PRIu64 ": names no case, ignored",
				 msg->message_id, number);
	}
	if (c == NULL) {
		r = case_by_references(ctx, msg, &number, error_r);
		if (r < 0)
			return -1;
		if (r == 1 &&
		    store_case_get(ctx->store, ctx->pool, number, &c, error_r) < 0)
			return -1;
	}
	if (c == NULL)
		return 0;   /* a new case */

	if (by_fingerprint) {
		const char **parts;
		size_t count;

		if (store_participants(ctx->store, ctx->pool, c->number, &parts,
				       NULL, &count, error_r) < 0)
			return -1;
		if (!threading_may_follow_up(cfg, msg->from.addr, parts, count)) {
			log_warn("msgid=%s case=%" PRIu64 " from=%s: sender may not follow up (policy %s); opening an unverified linked case",
				 msg->message_id, c->number, msg->from.addr,
				 config_policy_name(cfg->follow_up_policy));
			d->linked_to = c->number;
			d->unverified = true;
			return 0;
		}
	}
	if (c->status == CASE_CLOSED) {
		/* An out-of-office or a bounce must not wake a closed case. */
		if (auto_reason != NULL) {
			d->target = c->number;
			return 0;
		}
		if (now - c->closed_at < (int64_t)cfg->reopen_days * 86400) {
			d->target = c->number;
			d->reopen = true;
		} else {
			d->linked_to = c->number;
		}
		return 0;
	}
	d->target = c->number;
	return 0;
}

static int add_participants(struct ingest_ctx *ctx, const struct message *msg,
			    uint64_t number, bool opening, bool sender_only,
			    const char **error_r)
{
	const struct config *cfg = ctx->config;
	const char *addr = msg->from.addr;

	if (*addr != '\0') {
		const char *role = threading_is_staff(cfg, addr) ? "staff" :
			opening ? "requester" : "follow-up";

		if (store_participant_add(ctx->store, number, addr, role, error_r) < 0)
			return -1;
	}
	if (sender_only)
		return 0;
	/* People the customer copied are in the conversation too. */
	for (size_t i = 0; i < msg->cc_count; i++) {
		addr = msg->cc[i].addr;
		if (*addr == '\0')
			continue;
		if (store_participant_add(ctx->store, number, addr,
					  threading_is_staff(cfg, addr) ? "staff" : "cc",
					  error_r) < 0)
			return -1;
	}
	return 0;
}

static char *join(struct pool *pool, const char *const *items, size_t count,
		  char sep)
{
	size_t len = 0, off = 0;
	char *out;

	if (count == 0)
		return NULL;
	for (size_t i = 0; i < count; i++)
		len += strlen(items[i]) + 1;
	out = pool_alloc(pool, len);
	for (size_t i = 0; i < count; i++) {
		size_t l = strlen(items[i]);

		memcpy(out + off, items[i], l);
		off += l;
		out[off++] = sep;
	}
	out[off - 1] = '\0';
	return out;
}

const char *ingest_result_effects(struct pool *pool,
				  const struct ingest_result *res)
{
	return pool_printf(pool, "%s%s%s%s%s%s%s%s%s",
			   res->answer != NULL ? " answer=" : "",
			   res->answer != NULL ? res->answer : "",
			   res->commands != NULL ? " commands=" : "",
			   res->commands != NULL ? res->commands : "",
			   res->relayed != NULL ? " relayed=" : "",
			   res->relayed != NULL ? res->relayed : "",
			   res->not_relayed != NULL ? " not_relayed=\"" : "",
			   res->not_relayed != NULL ? res->not_relayed : "",
			   res->not_relayed != NULL ? "\"" : "");
}

int ingest_store_attachments(struct store *store, int64_t row,
			     const struct message *msg, const char **error_r)
{
	for (size_t i = 0; i < msg->attachment_count; i++) {
		const struct msg_attachment *a = &msg->attachments[i];
		struct store_attachment sa = {
			.filename = a->filename,
			.content_type = a->content_type,
			.is_inline = a->is_inline,
			.data = a->data,
			.size = a->size,
			.sha256 = a->sha256,
		};

		if (store_attachment_add(store, row, &sa, error_r) < 0)
			return -1;
	}
	return 0;
}

static int store_parsed(struct ingest_ctx *ctx, const struct message *msg,
			const char *source, const char *auto_reason,
			const char *language, const struct decision *d,
			int64_t now, struct ingest_result *res,
			const char **error_r)
{
	struct store_message m;
	uint64_t number = d->target;
	int64_t row;

	if (number == 0) {
		struct store_case c;
		struct entitlement ent;
		struct strbuf buf;
		const char *base;
		int r;

		strbuf_init(&buf, 65536);
		base = fp_subject_base(ctx->matcher, msg->subject, &buf);
		memset(&c, 0, sizeof(c));
		c.subject = pool_strdup(ctx->pool, base);
		strbuf_deinit(&buf);
		c.requester = msg->from.addr;
		c.requester_name = msg->from.name;
		c.language = language;
		c.region = ctx->default_region;
		c.created_at = now;
		c.updated_at = now;
		c.linked_to = d->linked_to;
		c.unverified = d->unverified;
		if (ctx->entitle != NULL) {
			if (entitle_case(ctx->entitle, ctx->store, ctx->pool, msg,
					 ctx->default_region, now, &ent, error_r) < 0)
				return -1;
			c.severity = ent.severity;
			c.level = config_level_name(ent.level);
			/* nobody waits for an answer to a machine */
			c.due = auto_reason == NULL ? ent.due : 0;
			c.contract = ent.contract != NULL ? ent.contract->id : NULL;
			if (c.region == NULL)
				c.region = ent.region;
		}
		r = store_case_create(ctx->store, &c, &number, error_r);
		if (r < 0)
			return -1;
		if (ctx->entitle != NULL) {
			const char *line = entitle_summary(ctx->config, ctx->pool, &ent);

			if (c.due != ent.due)
				line = pool_printf(ctx->pool, "%s; automatic mail (%s): "
						   "no target kept", line, auto_reason);
			if (store_case_event_add(ctx->store, number, now, "entitlement",
						 line, error_r) < 0)
				return -1;
		}
		res->outcome = INGEST_NEW;
	} else if (d->reopen) {
		if (store_case_set_status(ctx->store, number, CASE_OPEN, now, error_r) < 0)
			return -1;
		res->outcome = INGEST_REOPENED;
	} else {
		res->outcome = INGEST_APPENDED;
	}
	res->case_number = number;
	res->linked_to = d->linked_to;
	res->unverified = d->unverified;

	if (add_participants(ctx, msg, number, d->target == 0, d->unverified,
			     error_r) < 0)
		return -1;

	memset(&m, 0, sizeof(m));
	m.case_number = number;
	m.direction = MSG_IN;
	m.message_id = msg->message_id;
	m.from_addr = msg->from.addr;
	m.from_name = msg->from.name;
	m.subject = msg->subject;
	m.date = msg->has_date ? msg->date : 0;
	m.has_date = msg->has_date;
	m.received_at = now;
	m.in_reply_to = msg->in_reply_to;
	m.references = join(ctx->pool, msg->references, msg->references_count, ' ');
	m.is_auto = auto_reason != NULL;
	m.auto_reason = auto_reason;
	m.language = language;
	m.source = source;
	m.headers = msg->headers_raw;   /* borrowed: usually raw itself */
	m.headers_len = msg->headers_raw_len;
	m.text = msg->text;
	m.notes = join(ctx->pool, msg->notes, msg->note_count, '\n');
	m.raw = msg->raw;
	m.raw_len = msg->raw_len;
	if (store_message_add(ctx->store, &m, &row, error_r) < 0)
		return -1;
	if (ingest_store_attachments(ctx->store, row, msg, error_r) < 0)
		return -1;
	return 0;
}

/* The bounce on its case, and the addresses that bounced: the gateway
 * does not write to them again (answer.h). */
static int record_bounce(struct ingest_ctx *ctx, const struct bounce_report *b,
			 uint64_t number, int64_t now, const char **error_r)
{
	const char *detail = pool_printf(ctx->pool, "%s%s%s%s%s",
		b->failed_count > 0 ? b->failed[0] : "delivery failed",
		b->status != NULL ? ": " : "", b->status != NULL ? b->status : "",
		b->diagnostic != NULL ? " " : "",
		b->diagnostic != NULL ? b->diagnostic : "");

	log_info("case=%" PRIu64 ": bounce of our mail: %s", number, detail);
	if (store_case_event_add(ctx->store, number, now, "bounce", detail,
				 error_r) < 0)
		return -1;
	for (size_t i = 0; i < b->failed_count; i++) {
		if (store_undeliverable_add(ctx->store, b->failed[i], now, detail,
					    error_r) < 0)
			return -1;
	}
	return 0;
}

int ingest_message(struct ingest_ctx *ctx, const char *data, size_t len,
		   const char *source, struct ingest_result *res,
		   const char **error_r)
{
	struct message *msg;
	struct decision d;
	struct bounce_report bounce;
	uint64_t bounce_case = 0;
	const char *perr, *auto_reason, *language;
	int64_t now = ctx->now != 0 ? ctx->now : (int64_t)time(NULL);
	uint64_t dup_case;
	int r;

	pool_clear(ctx->pool);
	memset(res, 0, sizeof(*res));
	if (store_begin(ctx->store, error_r) < 0)
		return -1;

	if (len > ctx->config->max_message_bytes) {
		const char *reason = pool_printf(ctx->pool,
			"message of %zu bytes exceeds max_message_bytes (%zu)",
			len, ctx->config->max_message_bytes);

		if (quarantine(ctx, data, len, source, reason, now, res, error_r) < 0)
			goto fail;
		goto commit;
	}
	if (message_parse(ctx->pool, data, len, NULL, &msg, &perr) < 0) {
		if (quarantine(ctx, data, len, source, perr, now, res, error_r) < 0)
			goto fail;
		goto commit;
	}
	res->message_id = msg->message_id;

	r = store_message_id_case(ctx->store, msg->message_id, &dup_case, error_r);
	if (r < 0)
		goto fail;
	if (r == 1) {
		store_rollback(ctx->store);
		res->outcome = INGEST_DUPLICATE;
		res->case_number = dup_case;
		log_debug("source=%s msgid=%s case=%" PRIu64 ": duplicate, already stored",
			 source, msg->message_id, dup_case);
		return 0;
	}

	/* Tolerances applied (a lying charset read as windows-1252, a broken
	 * address list...): in the log for the operator, and stored. */
	for (size_t i = 0; i < msg->note_count; i++)
		log_info("source=%s msgid=%s note: %s", source, msg->message_id,
			 msg->notes[i]);
	auto_reason = classify_auto(msg);
	language = classify_language(msg->text);
	/* The address it came through says more than a guess from nothing. */
	if (language == NULL)
		language = ctx->default_language;
	res->auto_reason = auto_reason;
	if (decide(ctx, msg, auto_reason, now, &d, error_r) < 0)
		goto fail;
	/* A bounce of one of our mails belongs to that mail's case (its
	 * subject is the MTA's, its References rarely ours): found by the
	 * original Message-ID inside the report. */
	bounce_parse(msg, ctx->pool, &bounce);
	if (bounce.is_bounce) {
		for (size_t i = 0; i < bounce.original_id_count && bounce_case == 0; i++) {
			r = store_message_id_case(ctx->store, bounce.original_ids[i],
						  &bounce_case, error_r);
			if (r < 0)
				goto fail;
			if (r == 0)
				bounce_case = 0;
		}
		if (bounce_case != 0) {
			memset(&d, 0, sizeof(d));
			d.target = bounce_case;
		}
	}
	if (store_parsed(ctx, msg, source, auto_reason, language, &d, now, res,
			 error_r) < 0)
		goto fail;
	if (bounce_case != 0 && record_bounce(ctx, &bounce, bounce_case, now,
					      error_r) < 0)
		goto fail;
	/* Staff commands and relays, forwards of replies on renewal cases:
	 * in this transaction, before the answer (relay.h). */
	if (!ctx->old_mail) {
		struct relay_request rq = {
			.msg = msg, .case_number = res->case_number,
			.existing_case = res->outcome == INGEST_APPENDED ||
				res->outcome == INGEST_REOPENED,
			.auto_reason = auto_reason, .now = now,
		};
		struct relay_result rr;

		if (relay_message(ctx->config, ctx->store, ctx->pool, &rq, &rr,
				  error_r) < 0)
			goto fail;
		res->commands = rr.commands;
		res->relayed = rr.relayed;
		res->not_relayed = rr.not_relayed;
	}
	if (ctx->templates != NULL) {
		struct answer_request req = {
			.msg = msg, .case_number = res->case_number,
			.new_case = res->outcome == INGEST_NEW,
			.reopened = res->outcome == INGEST_REOPENED,
			.unverified = res->unverified, .auto_reason = auto_reason,
			.language = language,
			.account_language = ctx->answer_language, .now = now,
		};
		struct answer_result ar;

		if (answer_queue(ctx->config, ctx->store, ctx->templates, ctx->pool,
				 &req, &ar, error_r) < 0)
			goto fail;
		res->answer = ar.kind;
		res->suppressed = ar.suppressed;
	}
	/* debug: each caller logs the outcome with what it knows (IMAP UID,
	 * file name) or prints it. */
	log_debug("source=%s msgid=%s case=%" PRIu64 " outcome=%s%s%s",
		 source, msg->message_id, res->case_number,
		 ingest_outcome_name(res->outcome),
		 auto_reason != NULL ? " auto=" : "",
		 auto_reason != NULL ? auto_reason : "");
commit:
	if (store_commit(ctx->store, error_r) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(ctx->store);
	return -1;
}
