/*
 * cmd_quarantine.c - `supportgw quarantine list|show`: the messages the
 * gateway could not file, kept with the reason, so an operator can look at
 * them and feed them back (`quarantine show ID | supportgw deliver`).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pool.h"
#include "store.h"
#include "util.h"

struct qlist {
	json_t *array;
};

static int q_row(void *ctx_, const struct store_quarantine *q)
{
	struct qlist *ctx = ctx_;
	char when[32];

	if (ctx->array != NULL) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(q->id));
		json_object_set_new(o, "received_at", cli_json_time(q->received_at, true));
		json_object_set_new(o, "source", cli_json_str(q->source));
		json_object_set_new(o, "reason", cli_json_str(q->reason));
		json_object_set_new(o, "size", json_integer((json_int_t)q->raw_len));
		json_array_append_new(ctx->array, o);
		return 0;
	}
	time_iso8601(q->received_at, when);
	printf("%6" PRId64 "  %s  %9zu  %-30s %s\n", q->id, when, q->raw_len,
	       q->source, q->reason);
	return 0;
}

int cmd_quarantine(struct cli *cli, int argc, char **argv)
{
	struct store *store;
	const char *error;
	int ret;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		struct qlist ql = { NULL };

		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				ql.array = json_array();
			else
				return cli_usage(cli, "unexpected argument '%s'", argv[i]);
		}
		if ((ret = cli_open_store(cli, &store)) != 0) {
			json_decref(ql.array);
			return ret;
		}
		if (ql.array == NULL)
			printf("%6s  %-20s  %9s  %-30s %s\n", "ID", "RECEIVED", "BYTES",
			       "SOURCE", "REASON");
		if (store_quarantine_list(store, q_row, &ql, &error) < 0) {
			json_decref(ql.array);
			ret = cli_store_fail(cli, store, error);
		} else if (ql.array != NULL) {
			cli_json_print(ql.array);
		}
		store_close(&store);
		return ret;
	}
	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		struct pool *pool;
		const void *raw;
		size_t len;
		uint64_t id;
		int r;

		if (argc != 3 || parse_uint64(argv[2], INT64_MAX, &id) < 0)
			return cli_usage(cli, "quarantine show takes one numeric ID");
		if ((ret = cli_open_store(cli, &store)) != 0)
			return ret;
		pool = pool_new(4096);
		r = store_quarantine_raw(store, pool, (int64_t)id, &raw, &len, &error);
		if (r < 0)
			ret = cli_store_fail(cli, store, error);
		else if (r == 0)
			ret = cli_fail(cli, EX_NOINPUT, "no quarantined message %s", argv[2]);
		else
			fwrite(raw, 1, len, stdout);
		pool_free(&pool);
		store_close(&store);
		return ret;
	}
	return cli_usage(cli, "which action? list or show");
}
