/*
 * answer.c - the decision to answer and the queued answer; see
 * include/answer.h.
 */
#include "answer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "config.h"
#include "entitle.h"
#include "log.h"
#include "message.h"
#include "pool.h"
#include "store.h"
#include "template.h"
#include "threading.h"
#include "util.h"

/* One of the gateway's own addresses: answering it would talk to
 * ourselves. */
static bool is_ours(const struct config *c, const char *addr)
{
	if ((c->smtp.from_addr != NULL && str_ieq(addr, c->smtp.from_addr)) ||
	    (c->smtp.bounce_address != NULL && str_ieq(addr, c->smtp.bounce_address)))
		return true;
	if (config_addrs_match(&c->addresses, addr))
		return true;
	for (size_t i = 0; i < c->account_count; i++) {
		if (str_ieq(addr, c->accounts[i].user))
			return true;
	}
	return false;
}

/* An X-Loop naming one of our addresses: our own mail came back. */
static bool has_our_loop(const struct config *c, const struct message *msg)
{
	for (size_t i = 0; i < msg->header_count; i++) {
		const char *v = msg->headers[i].value;
		const char *lt;
		char addr[320];

		if (!str_ieq(msg->headers[i].name, "X-Loop") || v == NULL)
			continue;
		lt = strchr(v, '<');
		snprintf(addr, sizeof(addr), "%.*s",
			 (int)(lt != NULL ? strcspn(lt + 1, ">") : strcspn(v, " \t")),
			 lt != NULL ? lt + 1 : v);
		if (is_ours(c, addr))
			return true;
	}
	return false;
}

/* The two checks above, for the relay of staff mail (relay.c): the same
 * rules, not a copy of them. */
bool answer_is_ours(const struct config *c, const char *addr)
{
	return is_ours(c, addr);
}

bool answer_has_our_loop(const struct config *c, const struct message *msg)
{
	return has_our_loop(c, msg);
}

static const char *pick_template(const struct config *c,
				 const struct answer_request *req)
{
	if (req->new_case)
		return req->unverified ? "unverified_follow_up" : "ack_new_case";
	if (req->reopened)
		return "case_reopened";
	return c->ack_follow_up ? "ack_follow_up" : NULL;
}

/* Why no answer may go to this sender, or NULL. */
static const char *refuse(const struct config *c, struct store *store,
			  const struct answer_request *req, struct pool *pool,
			  int *store_error, const char **error_r)
{
	const char *from = req->msg->from.addr;
	unsigned count = 0;
	int r;

	*store_error = 0;
	if (req->auto_reason != NULL)
		return pool_printf(pool, "automatic mail (%s)", req->auto_reason);
	if (from == NULL || strchr(from, '@') == NULL)
		return "the sender has no address";
	if (is_ours(c, from))
		return "the sender is one of the gateway's own addresses";
	if (has_our_loop(c, req->msg))
		return "the mail carries our X-Loop";
	if (threading_is_staff(c, from))
		return "the sender is staff";
	r = store_undeliverable_get(store, from, error_r);
	if (r != 0) {
		*store_error = r < 0;
		return r < 0 ? NULL : "our mail to this address bounced";
	}
	if (c->auto_reply_limit == 0)
		return "automatic answers are off (auto_reply_limit = 0)";
	if (store_auto_reply_count(store, from, req->now - 3600, &count, error_r) < 0) {
		*store_error = 1;
		return NULL;
	}
	if (count >= c->auto_reply_limit)
		return pool_printf(pool, "rate limit: %u automatic answers to %s "
				   "in the last hour (auto_reply_limit = %u)",
				   count, from, c->auto_reply_limit);
	return NULL;
}

/* contract_language: the language of the customer's contract (a known
 * customer's language beats a guess from the text), or NULL. */
static const char *pick_language(const struct config *c,
				 const struct answer_request *req,
				 const struct store_case *cs,
				 const char *contract_language)
{
	const char *setting = req->account_language != NULL ?
		req->account_language : c->language;

	if (setting != NULL && !str_ieq(setting, "auto"))
		return setting;
	if (contract_language != NULL && *contract_language != '\0')
		return contract_language;
	if (req->language != NULL)
		return req->language;
	if (cs != NULL && cs->language != NULL)
		return cs->language;
	return "en";
}

int answer_queue(const struct config *c, struct store *store,
		 const struct template_set *templates, struct pool *pool,
		 const struct answer_request *req, struct answer_result *res,
		 const char **error_r)
{
	const struct message *msg = req->msg;
	struct compose_reply_to reply = {
		msg->subject, msg->has_date ? msg->date : 0,
		msg->message_id_generated ? NULL : msg->message_id,
		(const char *const *)msg->references, msg->references_count,
	};
	struct store_case *cs = NULL;
	struct entitlement ent;
	struct template_result tr;
	struct compose_input in;
	struct compose_output out;
	struct store_outbox o;
	const char *kind, *why, *lang, *cerr = NULL;
	char *terr = NULL;
	int store_error;
	json_t *data;

	memset(res, 0, sizeof(*res));
	kind = pick_template(c, req);
	if (kind == NULL || !c->smtp.configured || templates == NULL)
		return 0;
	why = refuse(c, store, req, pool, &store_error, error_r);
	if (store_error)
		return -1;
	if (why != NULL) {
		res->suppressed = why;
		log_info("case=%" PRIu64 " msgid=%s: no %s: %s", req->case_number,
			 msg->message_id, kind, why);
		return store_case_event_add(store, req->case_number, req->now,
					    "answer suppressed",
					    pool_printf(pool, "%s: %s", kind, why),
					    error_r);
	}
	if (store_case_get(store, pool, req->case_number, &cs, error_r) <= 0)
		return -1;
	/* what the case is entitled to (entitle.h), for the template */
	if (entitle_of_case(c, store, pool, cs, req->now, &ent, error_r) < 0)
		return -1;
	lang = pick_language(c, req, cs, ent.contract != NULL ?
			     ent.contract->language : NULL);
	data = compose_case_data(c, cs, &reply);
	entitle_json_add(c, &ent, data);
	if (template_render(templates, kind, lang, data, pool, &tr, &terr) < 0) {
		json_decref(data);
		/* A template problem must not lose the customer's mail: the
		 * message is stored, the case says what went wrong. */
		log_error("case=%" PRIu64 ": cannot render %s: %s", req->case_number,
			  kind, terr);
		why = pool_printf(pool, "%s: cannot render: %s", kind, terr);
		free(terr);
		res->suppressed = why;
		return store_case_event_add(store, req->case_number, req->now,
					    "answer failed", why, error_r);
	}
	json_decref(data);
	if (tr.fell_back)
		log_info("case=%" PRIu64 ": no %s template in %s: sent in %s",
			 req->case_number, kind, lang, tr.lang);
	memset(&in, 0, sizeof(in));
	in.subject = tr.subject;
	in.cc = tr.cc;
	in.reply_to = tr.reply_to;
	in.body = tr.body;
	in.to = msg->from.addr;
	in.to_name = msg->from.name;
	in.case_number = req->case_number;
	if (compose_message(c, pool, &in, &reply, req->now, &out, &cerr) < 0) {
		why = pool_printf(pool, "%s: %s", kind, cerr);
		res->suppressed = why;
		log_error("case=%" PRIu64 ": cannot compose %s", req->case_number, why);
		return store_case_event_add(store, req->case_number, req->now,
					    "answer failed", why, error_r);
	}
	memset(&o, 0, sizeof(o));
	o.case_number = req->case_number;
	o.kind = kind;
	o.message_id = out.message_id;
	o.mail_from = c->smtp.bounce_address;
	o.rcpt = out.rcpt;
	o.raw = out.raw;
	o.raw_len = out.raw_len;
	o.created_at = req->now;
	if (store_outbox_add(store, &o, &res->outbox_id, error_r) < 0 ||
	    store_auto_reply_add(store, msg->from.addr, req->now, error_r) < 0)
		return -1;
	res->kind = kind;
	log_info("case=%" PRIu64 " msgid=%s: %s queued (outbox id %" PRId64
		 ", %s) to %s", req->case_number, msg->message_id, kind,
		 res->outbox_id, tr.lang, out.rcpt);
	return 0;
}
