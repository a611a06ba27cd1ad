/*
 * cmd_import.c - `supportgw import PATH...`: bulk ingestion from files,
 * folders and Maildirs, batched in transactions of --batch messages (each
 * message a savepoint inside, so one bad message never undoes the others).
 * Files are only read, never moved or deleted; re-running an import skips
 * what is already stored (Message-ID dedupe), which is how an interrupted
 * import is resumed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "ingest.h"
#include "log.h"
#include "msglist.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

struct import_stats {
	uint64_t messages, counts[INGEST_QUARANTINED + 1], unreadable;
};

struct progress {
	bool on;
	size_t total, shown_at;
	int last_pct;
};

static void progress_show(struct progress *p, size_t done, bool last)
{
	int pct, width = 30, fill;

	if (!p->on || p->total == 0)
		return;
	pct = (int)(done * 100 / p->total);
	if (!last && pct == p->last_pct && done - p->shown_at < 500)
		return;
	p->last_pct = pct;
	p->shown_at = done;
	fill = pct * width / 100;
	fprintf(stderr, "\rimport: [%.*s%*s] %3d%% %zu/%zu messages",
		fill, "##############################", width - fill, "",
		pct, done, p->total);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}

static void print_summary(const struct import_stats *s, bool json)
{
	if (json) {
		json_t *o = json_object();

		json_object_set_new(o, "messages", json_integer((json_int_t)s->messages));
		json_object_set_new(o, "new", json_integer((json_int_t)s->counts[INGEST_NEW]));
		json_object_set_new(o, "appended", json_integer((json_int_t)s->counts[INGEST_APPENDED]));
		json_object_set_new(o, "reopened", json_integer((json_int_t)s->counts[INGEST_REOPENED]));
		json_object_set_new(o, "duplicates", json_integer((json_int_t)s->counts[INGEST_DUPLICATE]));
		json_object_set_new(o, "quarantined", json_integer((json_int_t)s->counts[INGEST_QUARANTINED]));
		json_object_set_new(o, "unreadable", json_integer((json_int_t)s->unreadable));
		cli_json_print(o);
		return;
	}
	printf("%" PRIu64 " messages: %" PRIu64 " new cases, %" PRIu64 " appended, %"
	       PRIu64 " reopened, %" PRIu64 " duplicates, %" PRIu64 " quarantined",
	       s->messages, s->counts[INGEST_NEW], s->counts[INGEST_APPENDED],
	       s->counts[INGEST_REOPENED], s->counts[INGEST_DUPLICATE],
	       s->counts[INGEST_QUARANTINED]);
	if (s->unreadable > 0)
		printf(", %" PRIu64 " unreadable", s->unreadable);
	putchar('\n');
}

/* Reads one file and ingests it.  Returns 0, 1 when the file could not be
 * read (counted, import goes on), or -1 on a store failure. */
static int import_file(const struct cli *cli, struct ingest_ctx *ctx,
		       const char *path, struct strbuf *source,
		       struct import_stats *stats, const char **error_r)
{
	struct ingest_result res;
	size_t max = cli->config->max_message_bytes;
	char *data;
	size_t len;
	int err = 0, r;

	strbuf_reset(source);
	if (strbuf_appendf(source, "import:%s", path) < 0)
		strbuf_truncate(source, 0);
	if (read_file(path, max, &data, &len, &err) < 0) {
		if (err != EFBIG) {
			cli_fail(cli, 0, "%s: cannot read: %s", path, strerror(err));
			stats->unreadable++;
			return 1;
		}
		/* Too large to store: record why, the file stays where it is. */
		data = NULL;
		len = 0;
		r = store_quarantine_add(ctx->store, strbuf_str(source),
					 "file larger than max_message_bytes; left in place",
					 "", 0, (int64_t)time(NULL), &res.quarantine_id,
					 error_r);
		if (r < 0)
			return -1;
		stats->messages++;
		stats->counts[INGEST_QUARANTINED]++;
		return 0;
	}
	r = ingest_message(ctx, data, len, strbuf_str(source), &res, error_r);
	free(data);
	if (r < 0)
		return -1;
	stats->messages++;
	stats->counts[res.outcome]++;
	return 0;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	struct import_stats stats;
	struct progress progress = { 0 };
	struct ingest_ctx ctx;
	struct strbuf source;
	struct msglist *lists;
	struct strbuf path;
	size_t total = 0, done = 0, in_batch = 0;
	uint64_t batch = 1000;
	bool json = false, show_progress = true, open_tx = false;
	const char *error = NULL;
	int i = 1, npaths, ret = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--no-progress") == 0) {
			show_progress = false;
		} else if (strcmp(argv[i], "--batch") == 0) {
			if (i + 1 >= argc || parse_uint64(argv[i + 1], 1000000, &batch) < 0 ||
			    batch == 0)
				return cli_usage(cli, "--batch needs a number from 1 to 1000000");
			i++;
		} else {
			return cli_usage(cli, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return cli_usage(cli, "no PATH given (files, folders or Maildirs)");

	/* List everything first: a typo in the last PATH should not be found
	 * after an hour of importing the first. */
	npaths = argc - i;
	lists = calloc((size_t)npaths, sizeof(*lists));
	if (lists == NULL)
		abort();
	strbuf_init(&path, 4 * 8192);
	for (int p = 0; p < npaths; p++) {
		if (msglist_load(argv[i + p], &lists[p]) < 0) {
			ret = cli_fail(cli, EX_NOINPUT, "%s: %s", argv[i + p], strerror(errno));
			goto out_lists;
		}
		total += lists[p].count;
	}
	if ((ret = cli_ingest_open(cli, &ctx, false)) != 0)
		goto out_lists;
	/* Old mail: a staff reply of last year is not sent again. */
	ctx.old_mail = true;

	memset(&stats, 0, sizeof(stats));
	strbuf_init(&source, 8192);
	progress.on = show_progress && isatty(STDERR_FILENO);
	progress.total = total;
	progress.last_pct = -1;
	for (int p = 0; p < npaths && ret == 0; p++) {
		for (size_t j = 0; j < lists[p].count; j++) {
			int r;

			if (!open_tx) {
				if (store_begin(ctx.store, &error) < 0)
					goto store_failed;
				open_tx = true;
			}
			r = import_file(cli, &ctx, msglist_path(&lists[p], j, &path),
					&source, &stats, &error);
			if (r < 0)
				goto store_failed;
			progress_show(&progress, ++done, false);
			if (++in_batch >= batch) {
				open_tx = false;
				in_batch = 0;
				if (store_commit(ctx.store, &error) < 0)
					goto store_failed;
			}
		}
	}
	if (open_tx && store_commit(ctx.store, &error) < 0)
		goto store_failed;
	open_tx = false;
	progress_show(&progress, done, true);
	print_summary(&stats, json);
	if (stats.unreadable > 0)
		ret = EX_NOINPUT;
	goto out;

store_failed:
	if (open_tx)
		store_rollback(ctx.store);
	if (progress.on)
		fputc('\n', stderr);
	ret = cli_fail(cli, EX_TEMPFAIL,
		       "store error: %s; the last batch was not kept, run the same import again to continue (stored messages are skipped)",
		       error != NULL ? error : "unknown");
out:
	strbuf_deinit(&source);
	cli_ingest_close(&ctx);
out_lists:
	for (int p = 0; p < npaths; p++)
		msglist_free(&lists[p]);
	free(lists);
	strbuf_deinit(&path);
	return ret;
}
