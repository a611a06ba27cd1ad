/*
 * cmd_outbox.c - `supportgw outbox list|show|retry|flush`: the mail the
 * gateway sends, as the operator sees it.  list, show and retry only read
 * or touch the store; flush talks to the relay, so it runs in supportgw-net
 * (cli->outbox_flush is set there; elsewhere it execs supportgw-net).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "pool.h"
#include "store.h"
#include "util.h"

static const char *status_name(enum outbox_status s)
{
	switch (s) {
	case OUTBOX_QUEUED: return "queued";
	case OUTBOX_SENT: return "sent";
	case OUTBOX_FAILED: return "failed";
	}
	return "?";
}

struct olist {
	const struct cli *cli;
	json_t *array;
};

static int o_row(void *ctx_, const struct store_outbox *o)
{
	struct olist *ctx = ctx_;
	char when[32], num[24];

	if (ctx->array != NULL) {
		json_t *j = json_object();

		json_object_set_new(j, "id", json_integer(o->id));
		json_object_set_new(j, "case", o->case_number != 0 ?
				    json_string(cli_case_str(ctx->cli, o->case_number, num)) :
				    json_null());
		json_object_set_new(j, "kind", cli_json_str(o->kind));
		json_object_set_new(j, "status", json_string(status_name(o->status)));
		json_object_set_new(j, "message_id", cli_json_str(o->message_id));
		json_object_set_new(j, "mail_from", cli_json_str(o->mail_from));
		json_object_set_new(j, "rcpt", cli_json_str(o->rcpt));
		json_object_set_new(j, "attempts", json_integer(o->attempts));
		json_object_set_new(j, "created_at", cli_json_time(o->created_at, true));
		json_object_set_new(j, "next_attempt_at",
				    cli_json_time(o->next_attempt_at, o->status == OUTBOX_QUEUED));
		json_object_set_new(j, "sent_at", cli_json_time(o->sent_at, o->sent_at != 0));
		json_object_set_new(j, "last_error", cli_json_str(o->last_error));
		json_object_set_new(j, "size", json_integer((json_int_t)o->raw_len));
		json_array_append_new(ctx->array, j);
		return 0;
	}
	time_iso8601(o->status == OUTBOX_SENT ? o->sent_at :
		     o->status == OUTBOX_QUEUED ? o->next_attempt_at : o->created_at,
		     when);
	printf("%6" PRId64 "  %-8s %-10s %-20s %3u  %-16s %-30s %s\n", o->id,
	       o->case_number != 0 ? cli_case_str(ctx->cli, o->case_number, num) : "-",
	       status_name(o->status), when, o->attempts, o->kind, o->rcpt,
	       o->last_error != NULL ? o->last_error : "");
	return 0;
}

static int outbox_list(struct cli *cli, int argc, char **argv)
{
	struct olist ol = { cli, NULL };
	struct store *store;
	const char *error;
	int status = -1, ret;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			if (ol.array == NULL)
				ol.array = json_array();
		} else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
			const char *s = argv[++i];

			if (strcmp(s, "queued") == 0)
				status = OUTBOX_QUEUED;
			else if (strcmp(s, "sent") == 0)
				status = OUTBOX_SENT;
			else if (strcmp(s, "failed") == 0)
				status = OUTBOX_FAILED;
			else if (strcmp(s, "all") == 0)
				status = -1;
			else {
				json_decref(ol.array);
				return cli_usage(cli, "--status: '%s' is not queued, "
						 "sent, failed or all", s);
			}
		} else {
			json_decref(ol.array);
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
		}
	}
	if ((ret = cli_open_store(cli, &store)) != 0) {
		json_decref(ol.array);
		return ret;
	}
	if (ol.array == NULL)
		printf("%6s  %-8s %-10s %-20s %3s  %-16s %-30s %s\n", "ID", "CASE",
		       "STATUS", "WHEN", "TRY", "KIND", "TO", "LAST ANSWER");
	if (store_outbox_list(store, status, o_row, &ol, &error) < 0) {
		json_decref(ol.array);
		ret = cli_store_fail(cli, store, error);
	} else if (ol.array != NULL) {
		cli_json_print(ol.array);
	}
	store_close(&store);
	return ret;
}

static int parse_id(struct cli *cli, int argc, char **argv, int64_t *id_r)
{
	uint64_t id;

	if (argc != 3 || parse_uint64(argv[2], INT64_MAX, &id) < 0)
		return cli_usage(cli, "outbox %s takes one numeric ID", argv[1]);
	*id_r = (int64_t)id;
	return 0;
}

/* The exact bytes that were (or will be) sent. */
static int outbox_show(struct cli *cli, int argc, char **argv)
{
	struct store_outbox *o = NULL;
	struct store *store;
	struct pool *pool;
	const char *error;
	int64_t id = 0;
	int ret, r;

	if ((ret = parse_id(cli, argc, argv, &id)) != 0)
		return ret;
	if ((ret = cli_open_store(cli, &store)) != 0)
		return ret;
	pool = pool_new(16 * 1024);
	r = store_outbox_get(store, pool, id, &o, &error);
	if (r < 0)
		ret = cli_store_fail(cli, store, error);
	else if (r == 0)
		ret = cli_fail(cli, EX_NOINPUT, "no outgoing mail %s", argv[2]);
	else
		fwrite(o->raw, 1, o->raw_len, stdout);
	pool_free(&pool);
	store_close(&store);
	return ret;
}

/* A failed mail (a typo fixed on the relay, a mailbox back) goes again. */
static int outbox_retry(struct cli *cli, int argc, char **argv)
{
	struct store *store;
	const char *error;
	int64_t id = 0;
	int ret;

	if ((ret = parse_id(cli, argc, argv, &id)) != 0)
		return ret;
	if ((ret = cli_open_store(cli, &store)) != 0)
		return ret;
	if (store_begin(store, &error) < 0 ||
	    store_outbox_requeue(store, id, (int64_t)time(NULL), &error) < 0 ||
	    store_commit(store, &error) < 0) {
		store_rollback(store);
		ret = store_error_temporary(store) ? cli_store_fail(cli, store, error) :
			cli_fail(cli, EX_NOINPUT, "%s", error);
	} else {
		printf("queued id=%" PRId64 "\n", id);
	}
	store_close(&store);
	return ret;
}

int cmd_outbox(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return outbox_list(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return outbox_show(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "retry") == 0)
		return outbox_retry(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "flush") == 0)
		return cli->outbox_flush != NULL ? cli->outbox_flush(cli, argc, argv) :
			cli_exec_net(cli, argc, argv);
	return cli_usage(cli, "which action? list, show, retry or flush");
}
