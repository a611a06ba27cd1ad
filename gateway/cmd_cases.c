/*
 * cmd_cases.c - `supportgw cases list|show|close|reopen`: what an operator
 * or a script sees of the cases, as a table or as JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "pool.h"
#include "sla.h"
#include "store.h"
#include "util.h"

static const char *status_name(enum case_status s)
{
	return s == CASE_CLOSED ? "closed" : "open";
}

static json_t *case_json(const struct cli *cli, const struct store_case *c)
{
	json_t *o = json_object();
	char num[24];

	json_object_set_new(o, "number", json_string(cli_case_str(cli, c->number, num)));
	json_object_set_new(o, "status", json_string(status_name(c->status)));
	json_object_set_new(o, "subject", cli_json_str(c->subject));
	json_object_set_new(o, "requester", cli_json_str(c->requester));
	json_object_set_new(o, "requester_name", cli_json_str(c->requester_name));
	json_object_set_new(o, "language", cli_json_str(c->language));
	json_object_set_new(o, "region", cli_json_str(c->region));
	json_object_set_new(o, "created_at", cli_json_time(c->created_at, true));
	json_object_set_new(o, "updated_at", cli_json_time(c->updated_at, true));
	json_object_set_new(o, "closed_at", cli_json_time(c->closed_at, c->closed_at != 0));
	json_object_set_new(o, "linked_to", c->linked_to != 0 ?
			    json_string(cli_case_str(cli, c->linked_to, num)) : json_null());
	json_object_set_new(o, "unverified", json_boolean(c->unverified));
	json_object_set_new(o, "messages", json_integer(c->message_count));
	/* entitlement (entitle.h): null when not known */
	json_object_set_new(o, "kind", json_string(c->kind != NULL ? c->kind : "support"));
	json_object_set_new(o, "severity", cli_json_str(c->severity));
	json_object_set_new(o, "level", cli_json_str(c->level));
	json_object_set_new(o, "due", cli_json_time(c->due, c->due != 0));
	json_object_set_new(o, "contract", cli_json_str(c->contract));
	return o;
}

struct list_ctx {
	const struct cli *cli;
	json_t *array;   /* NULL: table output */
};

/* Cuts s to at most max display columns (UTF-8 aware) into buf. */
static const char *clip(const char *s, size_t max, char *buf, size_t size)
{
	size_t cols = 0, i = 0;

	if (s == NULL)
		s = "";
	while (s[i] != '\0' && i + 4 < size) {
		size_t n = 1;

		if (((unsigned char)s[i] & 0xc0) == 0xc0)
			while ((s[i + n] & 0xc0) == 0x80)
				n++;
		if (cols + 1 > max || i + n + 4 >= size)
			break;
		memcpy(buf + i, s + i, n);
		i += n;
		cols++;
	}
	buf[i] = '\0';
	if (s[i] != '\0' && i >= 3) {
		/* mark the cut with an ellipsis */
		memcpy(buf + i, "\xe2\x80\xa6", 4);
	}
	return buf;
}

static int list_row(void *ctx_, const struct store_case *c)
{
	struct list_ctx *ctx = ctx_;
	char num[24], when[32], due[32], from[128], subject[256];

	if (ctx->array != NULL) {
		json_array_append_new(ctx->array, case_json(ctx->cli, c));
		return 0;
	}
	time_iso8601(c->updated_at, when);
	if (c->due != 0)
		time_iso8601(c->due, due);
	else
		snprintf(due, sizeof(due), "-");
	printf("%-10s %-6s %-20s %4u  %-4s %-3s %-20s %-28s %s%s\n",
	       cli_case_str(ctx->cli, c->number, num), status_name(c->status),
	       when, c->message_count, c->language != NULL ? c->language : "-",
	       c->severity != NULL ? c->severity : "-", due,
	       clip(c->requester, 28, from, sizeof(from)),
	       c->unverified ? "(unverified) " : "",
	       clip(c->subject, 60, subject, sizeof(subject)));
	return 0;
}

static int cases_list(struct cli *cli, int argc, char **argv)
{
	struct store *store;
	struct list_ctx lc = { .cli = cli };
	const char *error;
	int filter = CASE_OPEN, ret;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--status") == 0 ||
			   strncmp(argv[i], "--status=", 9) == 0) {
			const char *v = argv[i][8] == '=' ? argv[i] + 9 :
				i + 1 < argc ? argv[++i] : "";

			if (strcmp(v, "open") == 0)
				filter = CASE_OPEN;
			else if (strcmp(v, "closed") == 0)
				filter = CASE_CLOSED;
			else if (strcmp(v, "all") == 0)
				filter = -1;
			else
				return cli_usage(cli, "--status takes open, closed or all, not '%s'", v);
		} else {
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
		}
	}
	if ((ret = cli_open_store(cli, &store)) != 0)
		return ret;
	if (json)
		lc.array = json_array();
	else
		printf("%-10s %-6s %-20s %4s  %-4s %-3s %-20s %-28s %s\n", "CASE",
		       "STATUS", "UPDATED", "MSGS", "LANG", "SEV", "DUE (UTC)",
		       "REQUESTER", "SUBJECT");
	if (store_cases_list(store, filter, list_row, &lc, &error) < 0) {
		ret = cli_store_fail(cli, store, error);
		json_decref(lc.array);
	} else if (json) {
		cli_json_print(lc.array);
	}
	store_close(&store);
	return ret;
}

struct show_ctx {
	const struct cli *cli;
	struct store *store;
	json_t *messages;
	json_t *attachments;   /* of the message being shown */
	bool json;
};

static int show_attachment(void *ctx_, const struct store_attachment *a)
{
	struct show_ctx *ctx = ctx_;

	if (ctx->json) {
		json_t *o = json_object();

		json_object_set_new(o, "filename", cli_json_str(a->filename));
		json_object_set_new(o, "content_type", cli_json_str(a->content_type));
		json_object_set_new(o, "size", json_integer((json_int_t)a->size));
		json_object_set_new(o, "sha256", cli_json_str(a->sha256));
		json_array_append_new(ctx->attachments, o);
	} else {
		printf("    attachment: %s (%s, %zu bytes)\n",
		       *a->filename != '\0' ? a->filename : "(no name)",
		       a->content_type, a->size);
	}
	return 0;
}

static int show_message(void *ctx_, const struct store_message *m)
{
	struct show_ctx *ctx = ctx_;
	const char *error;
	char when[32];

	if (ctx->json) {
		json_t *o = json_object();

		json_object_set_new(o, "direction", json_string(m->direction == MSG_OUT ? "out" : "in"));
		json_object_set_new(o, "from", cli_json_str(m->from_addr));
		json_object_set_new(o, "from_name", cli_json_str(m->from_name));
		json_object_set_new(o, "subject", cli_json_str(m->subject));
		json_object_set_new(o, "date", cli_json_time(m->date, m->has_date));
		json_object_set_new(o, "received_at", cli_json_time(m->received_at, true));
		json_object_set_new(o, "message_id", cli_json_str(m->message_id));
		json_object_set_new(o, "auto", json_boolean(m->is_auto));
		json_object_set_new(o, "auto_reason", cli_json_str(m->auto_reason));
		json_object_set_new(o, "language", cli_json_str(m->language));
		json_object_set_new(o, "source", cli_json_str(m->source));
		json_object_set_new(o, "text", cli_json_str(m->text));
		ctx->attachments = json_array();
		json_object_set_new(o, "attachments", ctx->attachments);
		json_array_append_new(ctx->messages, o);
	} else {
		time_iso8601(m->has_date ? m->date : m->received_at, when);
		printf("\n  %s %s  %s <%s>\n    Subject: %s\n    Message-ID: <%s>\n",
		       m->direction == MSG_OUT ? "sent" : "received", when,
		       m->from_name != NULL ? m->from_name : "",
		       m->from_addr != NULL ? m->from_addr : "",
		       m->subject != NULL ? m->subject : "", m->message_id);
		if (m->is_auto)
			printf("    Automatic: %s\n", m->auto_reason);
	}
	return store_message_attachments(ctx->store, m->id, show_attachment, ctx, &error) < 0 ? -1 : 0;
}

static int lookup_case(struct cli *cli, struct store *store, struct pool *pool,
		       const char *arg, struct store_case **c_r)
{
	uint64_t number;
	const char *error;
	int r;

	if (cli_parse_case_number(arg, &number) < 0)
		return cli_usage(cli, "'%s' is not a case number", arg);
	r = store_case_get(store, pool, number, c_r, &error);
	if (r < 0)
		return cli_store_fail(cli, store, error);
	if (r == 0)
		return cli_fail(cli, EX_NOINPUT, "no case %s", arg);
	return 0;
}

/* What happened besides the messages: answers suppressed, bounces. */
static int event_text(void *ctx, int64_t at, const char *kind, const char *detail)
{
	char when[32];

	(void)ctx;
	time_iso8601(at, when);
	printf("\n  %s  %s: %s\n", when, kind, detail != NULL ? detail : "");
	return 0;
}

static int event_json(void *ctx, int64_t at, const char *kind, const char *detail)
{
	json_t *e = json_object();

	json_object_set_new(e, "at", cli_json_time(at, true));
	json_object_set_new(e, "kind", cli_json_str(kind));
	json_object_set_new(e, "detail", cli_json_str(detail));
	json_array_append_new(ctx, e);
	return 0;
}

static int cases_show(struct cli *cli, int argc, char **argv)
{
	struct show_ctx sc = { .cli = cli };
	struct store_case *c;
	struct pool *pool;
	const char *arg = NULL, *error;
	json_t *o = NULL;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			sc.json = true;
		else if (arg == NULL && argv[i][0] != '-')
			arg = argv[i];
		else
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
	}
	if (arg == NULL)
		return cli_usage(cli, "which case? (cases show NUMBER)");
	if ((ret = cli_open_store(cli, &sc.store)) != 0)
		return ret;
	pool = pool_new(4096);
	if ((ret = lookup_case(cli, sc.store, pool, arg, &c)) != 0)
		goto out;
	if (sc.json) {
		const char **parts;
		size_t count;
		json_t *pa = json_array();

		o = case_json(cli, c);
		if (store_participants(sc.store, pool, c->number, &parts, NULL, &count, &error) < 0) {
			json_decref(pa);
			goto store_error;
		}
		for (size_t i = 0; i < count; i++)
			json_array_append_new(pa, cli_json_str(parts[i]));
		json_object_set_new(o, "participants", pa);
		sc.messages = json_array();
		json_object_set_new(o, "messages", sc.messages);
	} else {
		char num[24], linked[24], created[32];

		time_iso8601(c->created_at, created);
		printf("Case %s  [%s]%s\n  Subject:   %s\n  Requester: %s%s%s%s\n  Opened:    %s\n",
		       cli_case_str(cli, c->number, num), status_name(c->status),
		       c->unverified ? "  (unverified follow-up)" : "",
		       c->subject, c->requester_name != NULL ? c->requester_name : "",
		       c->requester_name != NULL && *c->requester_name ? " <" : "",
		       c->requester,
		       c->requester_name != NULL && *c->requester_name ? ">" : "",
		       created);
		if (c->language != NULL)
			printf("  Language:  %s\n", c->language);
		if (c->region != NULL)
			printf("  Region:    %s\n", c->region);
		if (c->linked_to != 0)
			printf("  Follows:   case %s\n", cli_case_str(cli, c->linked_to, linked));
		if (c->kind != NULL && strcmp(c->kind, "support") != 0)
			printf("  Kind:      %s\n", c->kind);
		if (c->severity != NULL)
			printf("  Severity:  %s\n", c->severity);
		if (c->level != NULL)
			printf("  Level:     %s\n", c->level);
		if (c->contract != NULL)
			printf("  Contract:  %s\n", c->contract);
		if (c->due != 0) {
			const struct region_config *r = config_region(cli->config, c->region);
			char due[32], local[96];

			time_iso8601(c->due, due);
			printf("  Due:       %s (%s)\n", due, sla_format_local(c->due,
			       r != NULL ? r->timezone : "UTC", local, sizeof(local)));
		}
		printf("  Messages:  %u\n", c->message_count);
	}
	if (store_case_messages(sc.store, c->number, show_message, &sc, &error) < 0)
		goto store_error;
	if (o != NULL) {
		json_t *ev = json_array();

		json_object_set_new(o, "events", ev);
		if (store_case_events(sc.store, c->number, event_json, ev, &error) < 0)
			goto store_error;
		cli_json_print(o);
	} else if (store_case_events(sc.store, c->number, event_text, NULL,
				     &error) < 0) {
		goto store_error;
	}
	goto out;
store_error:
	json_decref(o);
	ret = cli_store_fail(cli, sc.store, error);
out:
	pool_free(&pool);
	store_close(&sc.store);
	return ret;
}

static int cases_set(struct cli *cli, int argc, char **argv, enum case_status to)
{
	struct store *store;
	struct store_case *c;
	struct pool *pool;
	const char *error;
	char num[24];
	int ret;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(cli, "expected exactly one case NUMBER");
	if ((ret = cli_open_store(cli, &store)) != 0)
		return ret;
	pool = pool_new(4096);
	if ((ret = lookup_case(cli, store, pool, argv[1], &c)) != 0)
		goto out;
	if (c->status == to) {
		printf("case %s is already %s\n", cli_case_str(cli, c->number, num),
		       status_name(to));
		goto out;
	}
	if (store_case_set_status(store, c->number, to, (int64_t)time(NULL), &error) < 0) {
		ret = cli_store_fail(cli, store, error);
		goto out;
	}
	printf("case %s %s\n", cli_case_str(cli, c->number, num),
	       to == CASE_CLOSED ? "closed" : "reopened");
out:
	pool_free(&pool);
	store_close(&store);
	return ret;
}

int cmd_cases(struct cli *cli, int argc, char **argv)
{
	static const char *const subs[] = { "list", "show", "close", "reopen" };
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc < 2)
		return cli_usage(cli, "which action? list, show, close or reopen");
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(sub, subs[i]) != 0)
			continue;
		switch (i) {
		case 0: return cases_list(cli, argc - 1, argv + 1);
		case 1: return cases_show(cli, argc - 1, argv + 1);
		case 2: return cases_set(cli, argc - 1, argv + 1, CASE_CLOSED);
		default: return cases_set(cli, argc - 1, argv + 1, CASE_OPEN);
		}
	}
	return cli_usage(cli, "unknown action '%s' (list, show, close, reopen)", sub);
}
