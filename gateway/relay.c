/*
 * relay.c - staff commands and relays, forwards of replies on renewal
 * cases; see include/relay.h.
 */
#include "relay.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "compose.h"
#include "config.h"
#include "entitle.h"
#include "ingest.h"
#include "log.h"
#include "message.h"
#include "pool.h"
#include "store.h"
#include "strbuf.h"
#include "threading.h"
#include "util.h"

/* ---- reading the body ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The line starting at p: its end (at '\n' or the NUL) and the next. */
static const char *line_end(const char *p, const char **next_r)
{
	const char *nl = strchr(p, '\n');

	if (nl == NULL) {
		nl = p + strlen(p);
		*next_r = nl;
	} else {
		*next_r = nl + 1;
	}
	return nl;
}

/* [*s, *e) without the spaces around. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

static bool blank(const char *s, const char *e)
{
	trim(&s, &e);
	return s == e;
}

static bool word_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && str_ieqn(s, word, n);
}

/*
 * A command line ("#close", "#severity b", "#level Premier"): true with
 * *cmd filled (maybe with an error); false for anything else, which is
 * ordinary text.
 */
static bool parse_command(struct pool *pool, const char *s, const char *e,
			  struct relay_command *cmd)
{
	const char *w, *we, *arg;
	size_t n;

	trim(&s, &e);
	if (s == e || *s != '#')
		return false;
	w = s + 1;
	for (we = w; we < e && !is_space(*we); we++)
		;
	n = (size_t)(we - w);
	memset(cmd, 0, sizeof(*cmd));
	if (word_is(w, n, "close"))
		cmd->kind = RELAY_CLOSE;
	else if (word_is(w, n, "severity"))
		cmd->kind = RELAY_SEVERITY;
	else if (word_is(w, n, "level"))
		cmd->kind = RELAY_LEVEL;
	else
		return false;
	cmd->line = pool_strndup(pool, s, (size_t)(e - s));
	arg = we;
	while (arg < e && is_space(*arg))
		arg++;
	n = (size_t)(e - arg);
	switch (cmd->kind) {
	case RELAY_CLOSE:
		if (n != 0)
			cmd->error = "#close takes no value";
		break;
	case RELAY_SEVERITY:
		if (n == 1 && ((*arg >= 'A' && *arg <= 'D') || (*arg >= 'a' && *arg <= 'd')))
			cmd->value = pool_printf(pool, "%c", *arg & ~0x20);
		else
			cmd->error = "the severity is A, B, C or D";
		break;
	case RELAY_LEVEL: {
		int level = n > 0 && n < 32 ?
			config_level_parse(pool_strndup(pool, arg, n)) : -1;

		if (level >= 0)
			cmd->value = config_level_name((enum contract_level)level);
		else
			cmd->error = "the level is premier, standard, ppi or none";
		break;
	}
	}
	return true;
}

/* The line ends with ':' and the next non-blank line is quoted: "On Mon,
 * 16 Nov 2026, John wrote:" belongs to the quote. */
static bool quote_header(const char *s, const char *e, const char *next)
{
	const char *ne;

	trim(&s, &e);
	if (s == e || e[-1] != ':')
		return false;
	while (*next != '\0') {
		const char *after;

		ne = line_end(next, &after);
		if (!blank(next, ne)) {
			while (next < ne && is_space(*next))
				next++;
			return *next == '>';
		}
		next = after;
	}
	return false;
}

/* Anything but blank lines, the signature and quoted text? */
static bool has_words(const char *p)
{
	while (*p != '\0') {
		const char *next, *e = line_end(p, &next), *s = p;

		/* RFC 3676 4.3: "-- " starts the signature; some clients drop
		 * the space. */
		if ((e - s == 3 && memcmp(s, "-- ", 3) == 0) ||
		    (e - s == 4 && memcmp(s, "-- \r", 4) == 0) ||
		    (e - s == 2 && memcmp(s, "--", 2) == 0) ||
		    (e - s == 3 && memcmp(s, "--\r", 3) == 0))
			return false;
		trim(&s, &e);
		if (s < e && *s != '>' && !quote_header(s, e, next))
			return true;
		p = next;
	}
	return false;
}

void relay_parse(struct pool *pool, const char *text, struct relay_text *out)
{
	const char *p = text, *body = NULL;
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	while (*p != '\0') {
		const char *next, *e = line_end(p, &next);
		struct relay_command cmd;

		if (blank(p, e)) {
			p = next;
			continue;
		}
		if (!parse_command(pool, p, e, &cmd))
			break;
		if (out->command_count == alloc) {
			size_t n = alloc == 0 ? 4 : 2 * alloc;

			out->commands = pool_realloc(pool, out->commands,
						     alloc * sizeof(cmd), n * sizeof(cmd));
			alloc = n;
		}
		out->commands[out->command_count++] = cmd;
		if (cmd.error != NULL)
			out->bad_count++;
		p = next;
		body = p;
	}
	/* Without commands the text stays exactly as written, its leading
	 * blank lines too; after them, from the first line of text. */
	if (out->command_count == 0)
		body = text;
	else
		body = p;
	out->body = body;
	out->has_words = has_words(body);
}

/* ---- helpers ---- */

/* The display name of a "Name <addr>" (unquoted), or NULL. */
static const char *mailbox_name(struct pool *pool, const char *mbox)
{
	const char *lt = mbox != NULL ? strrchr(mbox, '<') : NULL;
	size_t n;

	if (lt == NULL)
		return NULL;
	n = (size_t)(lt - mbox);
	while (n > 0 && mbox[n - 1] == ' ')
		n--;
	if (n >= 2 && mbox[0] == '"' && mbox[n - 1] == '"')
		return pool_strndup(pool, mbox + 1, n - 2);
	return n > 0 ? pool_strndup(pool, mbox, n) : NULL;
}

/* The address of "Name <addr>" or of a bare address, lower-case. */
static const char *mailbox_addr(struct pool *pool, const char *mbox)
{
	const char *lt = strrchr(mbox, '<'), *s, *e;

	if (lt != NULL) {
		s = lt + 1;
		e = s + strcspn(s, ">");
	} else {
		s = mbox;
		e = mbox + strlen(mbox);
	}
	trim(&s, &e);
	return str_lower(pool_strndup(pool, s, (size_t)(e - s)));
}

static int event(struct store *store, const struct relay_request *req,
		 const char *kind, const char *detail, const char **error_r)
{
	return store_case_event_add(store, req->case_number, req->now, kind,
				    detail, error_r);
}

/* Appends item to a list separated by sep; past the cap the list is cut,
 * which is never an error (a summary, a References chain). */
static void list_add(struct strbuf *b, char sep, const char *item)
{
	size_t len = b->len;

	if ((len > 0 && strbuf_appendc(b, sep) < 0) ||
	    strbuf_appendstr(b, item) < 0)
		strbuf_truncate(b, len);
}

static const char *join_refs(struct pool *pool, const char *const *refs,
			     size_t n, const char *last)
{
	struct strbuf b;
	const char *out;

	strbuf_init(&b, 65536);
	for (size_t i = 0; i < n; i++)
		list_add(&b, ' ', refs[i]);
	if (last != NULL)
		list_add(&b, ' ', last);
	out = b.len > 0 ? pool_strdup(pool, strbuf_str(&b)) : NULL;
	strbuf_deinit(&b);
	return out;
}

/* Splits a space-separated list of Message-IDs into the pool. */
static void split_refs(struct pool *pool, const char *list,
		       const char ***refs_r, size_t *count_r)
{
	const char **refs = NULL;
	size_t n = 0, alloc = 0;

	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		if (n == alloc) {
			size_t na = alloc == 0 ? 8 : 2 * alloc;

			refs = pool_realloc(pool, refs, alloc * sizeof(*refs),
					    na * sizeof(*refs));
			alloc = na;
		}
		refs[n++] = pool_strndup(pool, p, len);
		p += len;
	}
	*refs_r = refs;
	*count_r = n;
}

/* Message-IDs the parser made up for mail without one: nobody else knows
 * them, so they thread nothing. */
static bool made_up_id(const char *id)
{
	size_t n = strlen(id), m = strlen("@supportgw.invalid");

	return n >= m && str_ieq(id + n - m, "@supportgw.invalid");
}

/* ---- what the relay answers ---- */

struct last_in {
	const struct config *config;
	struct pool *pool;
	const char *skip;           /* the staff mail itself */
	const char *message_id;
	const char *references;
};

/* The case's last message from a customer (in, by a person, not staff). */
static int last_customer(void *ctx_, const struct store_message *m)
{
	struct last_in *ctx = ctx_;

	if (m->direction != MSG_IN || m->is_auto || m->from_addr == NULL ||
	    threading_is_staff(ctx->config, m->from_addr) ||
	    made_up_id(m->message_id) || strcmp(m->message_id, ctx->skip) == 0)
		return 0;
	ctx->message_id = pool_strdup(ctx->pool, m->message_id);
	ctx->references = m->references != NULL ?
		pool_strdup(ctx->pool, m->references) : NULL;
	return 0;
}

/* In-Reply-To and References of the relay: the staff mail's own chain
 * (what the staff member answered), else the case's last customer
 * message. */
static int thread_reply(const struct config *config, struct store *store,
			struct pool *pool, const struct relay_request *req,
			struct compose_reply_to *reply, const char **error_r)
{
	const struct message *msg = req->msg;
	size_t n = msg->references_count;

	memset(reply, 0, sizeof(*reply));
	reply->subject = msg->subject;
	reply->date = msg->has_date ? msg->date : 0;
	if (msg->in_reply_to != NULL || n > 0) {
		const char *last = n > 0 ? msg->references[n - 1] : NULL;
		const char *irt = msg->in_reply_to != NULL ? msg->in_reply_to : last;

		reply->message_id = irt;
		reply->references = (const char *const *)msg->references;
		reply->references_count = last != NULL && strcmp(last, irt) == 0 ? n - 1 : n;
	} else {
		struct last_in li = { config, pool, msg->message_id, NULL, NULL };
		const char **refs;
		size_t count;

		if (store_case_messages(store, req->case_number, last_customer,
					&li, error_r) < 0)
			return -1;
		if (li.message_id == NULL)
			return 0;
		split_refs(pool, li.references, &refs, &count);
		reply->message_id = li.message_id;
		reply->references = refs;
		reply->references_count = count;
	}
	return 0;
}

/* The staff mail's files, as compose_message() takes them. */
static struct compose_attachment *attachments_of(struct pool *pool,
						 const struct message *msg)
{
	struct compose_attachment *a;

	if (msg->attachment_count == 0)
		return NULL;
	a = pool_alloc(pool, msg->attachment_count * sizeof(*a));
	for (size_t i = 0; i < msg->attachment_count; i++) {
		a[i].filename = msg->attachments[i].filename;
		a[i].content_type = msg->attachments[i].content_type;
		a[i].is_inline = msg->attachments[i].is_inline;
		a[i].data = msg->attachments[i].data;
		a[i].size = msg->attachments[i].size;
	}
	return a;
}

/*
 * Composes, queues and records one mail passed on: the outbox row and the
 * outgoing message (with the files) in the caller's transaction.  A mail
 * that cannot be composed is a case event, not an error.
 */
static int pass_on(const struct config *config, struct store *store,
		   struct pool *pool, const struct relay_request *req,
		   const struct store_case *c, struct compose_input *in,
		   const struct compose_reply_to *reply, const char *kind,
		   const char *source, struct relay_result *res,
		   const char **error_r)
{
	const struct message *msg = req->msg;
	struct compose_output out;
	struct store_outbox o;
	struct store_message m;
	const char *cerr = NULL;
	int64_t row;

	in->kind = COMPOSE_RELAY;
	in->case_number = req->case_number;
	in->attachments = attachments_of(pool, msg);
	in->attachment_count = msg->attachment_count;
	if (compose_message(config, pool, in, reply, req->now, &out, &cerr) < 0) {
		const char *why = pool_printf(pool, "%s from %s: cannot compose: %s",
					      kind, msg->from.addr, cerr);

		log_error("case=%" PRIu64 " msgid=%s: %s", req->case_number,
			  msg->message_id, why);
		res->not_relayed = why;
		return event(store, req, "relay failed", why, error_r);
	}
	memset(&o, 0, sizeof(o));
	o.case_number = req->case_number;
	o.kind = kind;
	o.message_id = out.message_id;
	o.mail_from = config->smtp.bounce_address != NULL ?
		config->smtp.bounce_address : config->smtp.from_addr;
	o.rcpt = out.rcpt;
	o.raw = out.raw;
	o.raw_len = out.raw_len;
	o.created_at = req->now;
	if (store_outbox_add(store, &o, &res->outbox_id, error_r) < 0)
		return -1;

	/* The mail sent is part of the case: `cases show` lists it. */
	memset(&m, 0, sizeof(m));
	m.case_number = req->case_number;
	m.direction = MSG_OUT;
	m.message_id = out.message_id;
	m.from_addr = config->smtp.from_addr;
	m.from_name = mailbox_name(pool, config->smtp.from);
	m.subject = out.subject;
	m.date = req->now;
	m.has_date = true;
	m.received_at = req->now;
	m.in_reply_to = reply->message_id;
	m.references = join_refs(pool, reply->references,
				 reply->references_count, reply->message_id);
	m.language = c->language;
	m.source = source;
	m.headers = out.raw;
	m.headers_len = out.header_len;
	m.text = in->body;
	m.raw = out.raw;
	m.raw_len = out.raw_len;
	if (store_message_add(store, &m, &row, error_r) < 0)
		return -1;
	if (ingest_store_attachments(store, row, msg, error_r) < 0)
		return -1;
	res->relayed = kind;
	log_info("case=%" PRIu64 " msgid=%s: %s from %s queued (outbox id %"
		 PRId64 ") to %s", req->case_number, msg->message_id, kind,
		 msg->from.addr, res->outbox_id, out.rcpt);
	return 0;
}

/* ---- staff mail ---- */

/* May the relay write to addr?  0 no, 1 yes, -1 store error. */
static int deliverable(const struct config *config, struct store *store,
		       const char *addr, const char **error_r)
{
	int r;

	if (addr == NULL || strchr(addr, '@') == NULL ||
	    strpbrk(addr, " <>\",") != NULL ||
	    threading_is_staff(config, addr) || answer_is_ours(config, addr))
		return 0;
	r = store_undeliverable_get(store, addr, error_r);
	return r < 0 ? -1 : r == 0;
}

/* To: the requester, else the first cc left; Cc: the other cc. */
static int recipients(const struct config *config, struct store *store,
		      struct pool *pool, const struct store_case *c,
		      const char **to_r, const char **to_name_r,
		      const char **cc_r, const char **error_r)
{
	const char **addrs, **roles;
	size_t count;
	struct strbuf cc;
	int r;

	*to_r = *to_name_r = *cc_r = NULL;
	if (store_participants(store, pool, c->number, &addrs, &roles, &count,
			       error_r) < 0)
		return -1;
	r = deliverable(config, store, c->requester, error_r);
	if (r < 0)
		return -1;
	if (r == 1) {
		*to_r = pool_strdup(pool, c->requester);
		*to_name_r = c->requester_name != NULL && *c->requester_name != '\0' ?
			c->requester_name : NULL;
	}
	strbuf_init(&cc, 65536);
	for (size_t i = 0; i < count; i++) {
		if (roles == NULL || roles[i] == NULL || strcmp(roles[i], "cc") != 0 ||
		    (*to_r != NULL && str_ieq(addrs[i], *to_r)))
			continue;
		r = deliverable(config, store, addrs[i], error_r);
		if (r < 0) {
			strbuf_deinit(&cc);
			return -1;
		}
		if (r == 0)
			continue;
		if (*to_r == NULL) {
			*to_r = addrs[i];
			continue;
		}
		if ((cc.len > 0 && strbuf_append(&cc, ", ", 2) < 0) ||
		    strbuf_appendstr(&cc, addrs[i]) < 0)
			break;   /* thousands of cc: the first ones get it */
	}
	if (cc.len > 0)
		*cc_r = pool_strdup(pool, strbuf_str(&cc));
	strbuf_deinit(&cc);
	return 0;
}

/* Applies the (valid) commands in order; each is a case event. */
static int apply_commands(const struct config *config, struct store *store,
			  struct pool *pool, const struct relay_request *req,
			  struct store_case *c, const struct relay_text *t,
			  struct relay_result *res, const char **error_r)
{
	const char *from = req->msg->from.addr;
	struct strbuf done;
	int ret = 0;

	strbuf_init(&done, 4096);
	for (size_t i = 0; i < t->command_count && ret == 0; i++) {
		const struct relay_command *cmd = &t->commands[i];
		const char *detail, *was;
		char due[32] = "none";
		int64_t at;

		if (cmd->kind == RELAY_CLOSE) {
			ret = store_case_set_status(store, c->number, CASE_CLOSED,
						    req->now, error_r);
			if (ret < 0)
				break;
			c->status = CASE_CLOSED;
			c->closed_at = req->now;
			detail = pool_printf(pool, "#close by %s", from);
			list_add(&done, ',', "close");
		} else {
			bool sev = cmd->kind == RELAY_SEVERITY;

			was = sev ? c->severity : c->level;
			if (sev)
				c->severity = cmd->value;
			else
				c->level = cmd->value;
			/* The target counts from the case's opening, as it
			 * would have with this entitlement from the start. */
			at = entitle_due(config, c->level, c->severity, c->region,
					 c->created_at);
			c->due = at;
			if (at != 0)
				time_iso8601(at, due);
			ret = store_case_set_entitlement(store, c->number, c->severity,
							 c->level, c->due, c->contract,
							 error_r);
			if (ret < 0)
				break;
			detail = pool_printf(pool, "#%s %s by %s (was %s; due %s)",
					     sev ? "severity" : "level", cmd->value,
					     from, was != NULL ? was : "none", due);
			list_add(&done, ',', pool_printf(pool, "%s=%s",
						    sev ? "severity" : "level", cmd->value));
		}
		log_info("case=%" PRIu64 " msgid=%s: staff command: %s",
			 c->number, req->msg->message_id, detail);
		ret = event(store, req, "staff command", detail, error_r);
	}
	if (ret == 0 && done.len > 0)
		res->commands = pool_strdup(pool, strbuf_str(&done));
	strbuf_deinit(&done);
	return ret;
}

static int staff_mail(const struct config *config, struct store *store,
		      struct pool *pool, const struct relay_request *req,
		      struct store_case *c, struct relay_result *res,
		      const char **error_r)
{
	const struct message *msg = req->msg;
	const char *from = msg->from.addr;
	struct compose_reply_to reply;
	struct compose_input in;
	struct relay_text t;

	relay_parse(pool, msg->text != NULL ? msg->text : "", &t);
	if (t.bad_count > 0) {
		/* All or nothing: the staff member fixes the mail and sends
		 * it again, rather than guessing which half went through. */
		for (size_t i = 0; i < t.command_count; i++) {
			const struct relay_command *cmd = &t.commands[i];

			if (cmd->error == NULL)
				continue;
			log_warn("case=%" PRIu64 " msgid=%s: staff command '%s' from %s refused: %s",
				 c->number, msg->message_id, cmd->line, from, cmd->error);
			if (event(store, req, "staff command refused",
				  pool_printf(pool, "%s by %s: %s; nothing of this mail was applied or relayed",
					      cmd->line, from, cmd->error), error_r) < 0)
				return -1;
		}
		res->not_relayed = "a staff command is wrong: nothing applied or relayed";
		return 0;
	}
	if (apply_commands(config, store, pool, req, c, &t, res, error_r) < 0)
		return -1;
	if (!t.has_words) {
		if (t.command_count > 0) {
			res->not_relayed = "commands only";
			return 0;
		}
		res->not_relayed = "nothing to relay: only quoted text and signature";
		return event(store, req, "relay skipped",
			     pool_printf(pool, "staff mail from %s: %s", from,
					 res->not_relayed), error_r);
	}
	if (!config->smtp.configured) {
		res->not_relayed = "no [smtp] section: nothing is sent";
		log_warn("case=%" PRIu64 " msgid=%s: staff reply from %s not relayed: %s",
			 c->number, msg->message_id, from, res->not_relayed);
		return event(store, req, "relay skipped",
			     pool_printf(pool, "staff reply from %s: %s", from,
					 res->not_relayed), error_r);
	}
	memset(&in, 0, sizeof(in));
	if (recipients(config, store, pool, c, &in.to, &in.to_name, &in.cc,
		       error_r) < 0)
		return -1;
	if (in.to == NULL) {
		res->not_relayed = "no recipient: the requester and cc participants are staff, the gateway's own or undeliverable";
		log_warn("case=%" PRIu64 " msgid=%s: staff reply from %s not relayed: %s",
			 c->number, msg->message_id, from, res->not_relayed);
		return event(store, req, "relay skipped",
			     pool_printf(pool, "staff reply from %s: %s", from,
					 res->not_relayed), error_r);
	}
	if (thread_reply(config, store, pool, req, &reply, error_r) < 0)
		return -1;
	in.subject = c->subject != NULL ? c->subject : "";
	in.body = t.body;
	return pass_on(config, store, pool, req, c, &in, &reply, "staff_reply",
		       pool_printf(pool, "relay:%s", from), res, error_r);
}

/* ---- renewal cases ---- */

static int renewal_reply(const struct config *config, struct store *store,
			 struct pool *pool, const struct relay_request *req,
			 const struct store_case *c, struct relay_result *res,
			 const char **error_r)
{
	const struct message *msg = req->msg;
	const struct region_config *region = config_region(config, c->region);
	struct compose_reply_to reply;
	struct compose_input in;
	const char *to, *name = msg->from.name;
	char when[32];

	if (region == NULL || region->forward_to == NULL) {
		res->not_relayed = pool_printf(pool, "region %s has no team (team or forward_to in [region:%s])",
					       c->region != NULL ? c->region : "(none)",
					       c->region != NULL ? c->region : "NAME");
		log_warn("case=%" PRIu64 " msgid=%s: reply from %s on a renewal case not forwarded: %s",
			 c->number, msg->message_id, msg->from.addr, res->not_relayed);
		return event(store, req, "forward skipped",
			     pool_printf(pool, "reply from %s: %s", msg->from.addr,
					 res->not_relayed), error_r);
	}
	if (!config->smtp.configured) {
		res->not_relayed = "no [smtp] section: nothing is sent";
		return event(store, req, "forward skipped",
			     pool_printf(pool, "reply from %s: %s", msg->from.addr,
					 res->not_relayed), error_r);
	}
	to = mailbox_addr(pool, region->forward_to);
	if (str_ieq(to, msg->from.addr)) {
		/* The team writing into its own case is no customer reply. */
		res->not_relayed = "the sender is the region's team";
		return 0;
	}
	memset(&in, 0, sizeof(in));
	in.to = to;
	in.to_name = mailbox_name(pool, region->forward_to);
	if (in.to_name == NULL && region->team_addr != NULL &&
	    str_ieq(to, region->team_addr))
		in.to_name = mailbox_name(pool, region->team);
	/* The team answers the customer directly. */
	in.reply_to = name != NULL && *name != '\0' && strpbrk(name, "<>") == NULL ?
		pool_printf(pool, "%s <%s>", name, msg->from.addr) : msg->from.addr;
	time_iso8601(msg->has_date ? msg->date : req->now, when);
	in.body = pool_printf(pool, "From: %s%s%s%s\nDate: %s\nSubject: %s\n\n%s",
			      name != NULL && *name != '\0' ? name : "",
			      name != NULL && *name != '\0' ? " <" : "",
			      msg->from.addr,
			      name != NULL && *name != '\0' ? ">" : "",
			      when, msg->subject != NULL ? msg->subject : "",
			      msg->text != NULL ? msg->text : "");
	in.subject = c->subject != NULL ? c->subject : "";
	memset(&reply, 0, sizeof(reply));
	reply.subject = msg->subject;
	reply.date = msg->has_date ? msg->date : 0;
	if (!msg->message_id_generated) {
		reply.message_id = msg->message_id;
		reply.references = (const char *const *)msg->references;
		reply.references_count = msg->references_count;
	}
	return pass_on(config, store, pool, req, c, &in, &reply, "renewal_forward",
		       pool_printf(pool, "forward:%s", region->name), res, error_r);
}

/* ---- the entry point ---- */

int relay_message(const struct config *config, struct store *store,
		  struct pool *pool, const struct relay_request *req,
		  struct relay_result *res, const char **error_r)
{
	const struct message *msg = req->msg;
	const char *from = msg->from.addr, *why = NULL;
	struct store_case *c = NULL;
	bool staff, renewal;
	int r;

	memset(res, 0, sizeof(*res));
	if (!req->existing_case || req->case_number == 0 || from == NULL ||
	    *from == '\0')
		return 0;
	staff = threading_is_staff(config, from);
	r = store_case_get(store, pool, req->case_number, &c, error_r);
	if (r <= 0)
		return r;   /* the case was just written: 0 cannot happen */
	renewal = c->kind != NULL && strcmp(c->kind, "renewal") == 0;
	if (!staff && !renewal)
		return 0;
	/* Machines and our own mail coming back: never passed on, never a
	 * command (an out-of-office quoting "#close" must not close). */
	if (req->auto_reason != NULL)
		why = pool_printf(pool, "automatic mail (%s)", req->auto_reason);
	else if (answer_is_ours(config, from))
		why = "from one of the gateway's own addresses";
	else if (answer_has_our_loop(config, msg))
		why = "the mail carries our X-Loop";
	if (why != NULL) {
		res->not_relayed = why;
		log_info("case=%" PRIu64 " msgid=%s: %s from %s not passed on: %s",
			 c->number, msg->message_id, staff ? "staff mail" : "reply",
			 from, why);
		return 0;
	}
	if (staff)
		return staff_mail(config, store, pool, req, c, res, error_r);
	return renewal_reply(config, store, pool, req, c, res, error_r);
}
