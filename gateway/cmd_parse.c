/*
 * cmd_parse.c - `supportgw parse`: shows what the gateway sees in a message,
 * with no database.  `--fingerprints` is the fast scan used by operators
 * (and by `make bench`) to list the case number of every message of a
 * Maildir.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "config.h"
#include "fingerprint.h"
#include "message.h"
#include "msglist.h"
#include "pool.h"
#include "strbuf.h"
#include "util.h"

static json_t *addresses_json(const struct msg_address *a, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		if (*a[i].addr != '\0')
			json_array_append_new(arr, cli_json_str(a[i].addr));
	}
	return arr;
}

static json_t *message_json(const struct cli *cli, const struct fp_matcher *fp,
			    const struct message *m)
{
	json_t *o = json_object(), *refs = json_array(), *atts = json_array();
	json_t *notes = json_array();
	const char *auto_reason = classify_auto(m);
	uint64_t number;
	char numbuf[24];

	json_object_set_new(o, "message_id", cli_json_str(m->message_id));
	json_object_set_new(o, "message_id_generated", json_boolean(m->message_id_generated));
	json_object_set_new(o, "from", *m->from.addr != '\0' ?
			    cli_json_str(m->from.addr) : json_null());
	json_object_set_new(o, "from_name", cli_json_str(m->from.name));
	json_object_set_new(o, "to", addresses_json(m->to, m->to_count));
	json_object_set_new(o, "cc", addresses_json(m->cc, m->cc_count));
	json_object_set_new(o, "reply_to", cli_json_str(m->reply_to));
	json_object_set_new(o, "subject", cli_json_str(m->subject));
	json_object_set_new(o, "date", cli_json_time(m->date, m->has_date));
	json_object_set_new(o, "in_reply_to", cli_json_str(m->in_reply_to));
	for (size_t i = 0; i < m->references_count; i++)
		json_array_append_new(refs, cli_json_str(m->references[i]));
	json_object_set_new(o, "references", refs);
	json_object_set_new(o, "fingerprint",
			    fp_extract(fp, m->subject, &number) == 1 ?
			    json_string(cli_case_str(cli, number, numbuf)) :
			    json_null());
	json_object_set_new(o, "auto", json_boolean(auto_reason != NULL));
	json_object_set_new(o, "auto_reason", cli_json_str(auto_reason));
	json_object_set_new(o, "language", cli_json_str(classify_language(m->text)));
	json_object_set_new(o, "content_type", cli_json_str(m->content_type));
	json_object_set_new(o, "text", cli_json_str(m->text));
	for (size_t i = 0; i < m->attachment_count; i++) {
		const struct msg_attachment *a = &m->attachments[i];
		json_t *j = json_object();

		json_object_set_new(j, "filename", cli_json_str(a->filename));
		json_object_set_new(j, "content_type", cli_json_str(a->content_type));
		json_object_set_new(j, "size", json_integer((json_int_t)a->size));
		json_object_set_new(j, "inline", json_boolean(a->is_inline));
		json_object_set_new(j, "sha256", json_string(a->sha256));
		json_array_append_new(atts, j);
	}
	json_object_set_new(o, "attachments", atts);
	for (size_t i = 0; i < m->note_count; i++)
		json_array_append_new(notes, cli_json_str(m->notes[i]));
	json_object_set_new(o, "notes", notes);
	return o;
}

/* Reads and parses one file; returns 0 or an exit code (reason printed). */
static int parse_one(const struct cli *cli, const char *path, struct pool *pool,
		     char **data_r, struct message **msg_r)
{
	size_t len;
	int err = 0;
	const char *error;

	*data_r = NULL;
	if (read_file(path, cli->config->max_message_bytes, data_r, &len, &err) < 0) {
		if (err == EFBIG)
			return cli_fail(cli, EX_DATAERR, "%s: larger than max_message_bytes (%zu)",
					path, cli->config->max_message_bytes);
		return cli_fail(cli, EX_NOINPUT, "%s: cannot read: %s", path, strerror(err));
	}
	if (message_parse(pool, *data_r, len, NULL, msg_r, &error) < 0)
		return cli_fail(cli, EX_DATAERR, "%s: %s%s",
				strcmp(path, "-") == 0 ? "stdin" : path,
				strncmp(error, "not a mail", 10) == 0 ? "" : "not a mail: ",
				error);
	return 0;
}

static int fingerprints(const struct cli *cli, const struct fp_matcher *fp,
			int argc, char **argv)
{
	struct pool *pool = pool_new(64 * 1024);
	struct strbuf path;
	int ret = 0;

	strbuf_init(&path, 4 * 8192);
	for (int i = 0; i < argc; i++) {
		struct msglist list;
		bool is_stdin = strcmp(argv[i], "-") == 0;
		size_t count = 1;

		if (!is_stdin) {
			if (msglist_load(argv[i], &list) < 0) {
				ret = cli_fail(cli, EX_NOINPUT, "%s: %s", argv[i], strerror(errno));
				continue;
			}
			count = list.count;
		}
		for (size_t j = 0; j < count; j++) {
			const char *name = is_stdin ? "-" : msglist_path(&list, j, &path);
			struct message *m;
			char *data;
			uint64_t number;
			char numbuf[24];
			int r;

			pool_clear(pool);
			r = parse_one(cli, name, pool, &data, &m);
			if (r != 0) {
				ret = ret != 0 ? ret : r;
				free(data);
				continue;
			}
			printf("%s\t%s\n", name,
			       fp_extract(fp, m->subject, &number) == 1 ?
			       cli_case_str(cli, number, numbuf) : "-");
			free(data);
		}
		if (!is_stdin)
			msglist_free(&list);
	}
	strbuf_deinit(&path);
	pool_free(&pool);
	return ret;
}

int cmd_parse(struct cli *cli, int argc, char **argv)
{
	struct fp_matcher *fp = NULL;
	struct pool *pool;
	bool only_fp = false;
	int i = 1, ret = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--fingerprints") == 0)
			only_fp = true;
		else
			return cli_usage(cli, "unknown option '%s'", argv[i]);
	}
	if (i >= argc)
		return cli_usage(cli, "no FILE given (use - for standard input)");
	if ((ret = cli_open_matcher(cli, &fp)) != 0)
		return ret;
	if (only_fp) {
		ret = fingerprints(cli, fp, argc - i, argv + i);
		fp_matcher_free(&fp);
		return ret;
	}
	pool = pool_new(64 * 1024);
	for (; i < argc; i++) {
		struct message *m;
		char *data;
		int r;

		pool_clear(pool);
		r = parse_one(cli, argv[i], pool, &data, &m);
		if (r == 0)
			cli_json_print(message_json(cli, fp, m));
		else if (ret == 0)
			ret = r;
		free(data);
	}
	pool_free(&pool);
	fp_matcher_free(&fp);
	return ret;
}
