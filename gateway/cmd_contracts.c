/*
 * cmd_contracts.c - `supportgw contracts import|list|show`: the customers'
 * support contracts and licences, loaded from their CSV export (csv.h reads
 * it, contracts.h checks each row) and shown to operators and scripts.
 *
 * import is one transaction: all or nothing by default (every problem is
 * listed, then nothing is kept), or with --skip-invalid the valid rows.  Its
 * cost is the upsert; checking a row allocates nothing (fields are checked
 * in the CSV reader's buffer), and the inserted/updated split comes from
 * counting the table before and after (a file never upserts one id twice:
 * a second row with the same id is an error), instead of one look-up per
 * row (store_contract_upsert's inserted_r: measured on a million rows, 24 s
 * instead of 22 s for inserts, 31 s instead of 27 s for updates).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "contracts.h"
#include "csv.h"
#include "dates.h"
#include "pool.h"
#include "store.h"
#include "util.h"

/* ---- import ----------------------------------------------------------------- */

/* A progress line on a terminal: by bytes when the size is known (a
 * file), else a count of rows (a pipe).  Redrawn every 16384 rows. */
struct progress {
	bool on, shown;
	uint64_t total;
};

static void progress_show(struct progress *p, const struct csv_reader *r,
			  uint64_t rows)
{
	enum { WIDTH = 30 };

	if (!p->on)
		return;
	p->shown = true;
	if (p->total > 0) {
		uint64_t done = csv_reader_offset(r);
		int pct = (int)(done >= p->total ? 100 : done * 100 / p->total);
		int fill = pct * WIDTH / 100;

		fprintf(stderr, "\rcontracts import: [%.*s%*s] %3d%% %" PRIu64 " rows",
			fill, "##############################", WIDTH - fill, "",
			pct, rows);
	} else {
		fprintf(stderr, "\rcontracts import: %" PRIu64 " rows", rows);
	}
	fflush(stderr);
}

/* Clears the progress line (before an error message, and at the end). */
static void progress_clear(struct progress *p)
{
	if (p->on && p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = false;
	}
}

struct import {
	const char *name;        /* for messages: the path, or "stdin" */
	struct progress progress;
	uint64_t invalid;
};

/* contracts.h's error callback, and the CSV reader's errors: FILE:LINE. */
static void import_error(void *ctx, uint64_t line, const char *what)
{
	struct import *im = ctx;

	progress_clear(&im->progress);
	fprintf(stderr, "%s:%" PRIu64 ": %s\n", im->name, line, what);
}

static int open_input(struct cli *cli, const char *path, int *fd_r,
		      uint64_t *size_r)
{
	struct stat st = { 0 };
	int fd = 0;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_fail(cli, errno == ENOENT || errno == EACCES ||
					errno == ENOTDIR ? EX_NOINPUT : EX_IOERR,
					"cannot open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		/* st stays zeroed when fstat() fails */
		int err = S_ISDIR(st.st_mode) ? EISDIR : errno;

		if (fd != 0)
			close(fd);
		return cli_fail(cli, EX_NOINPUT, "cannot read %s: %s", path,
				strerror(err));
	}
	*size_r = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	*fd_r = fd;
	return 0;
}

static int contracts_import(struct cli *cli, int argc, char **argv)
{
	struct import im = { 0 };
	struct csv_reader *reader = NULL;
	struct contracts_file *file = NULL;
	struct store *store = NULL;
	struct csv_record rec;
	struct store_contract c;
	const char *path = NULL, *error = NULL;
	bool skip_invalid = false, show_progress = true, open_tx = false;
	uint64_t rows = 0, stored = 0, before = 0, after = 0, size = 0;
	int64_t now = (int64_t)time(NULL);
	int fd = -1, ret, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--skip-invalid") == 0)
			skip_invalid = true;
		else if (strcmp(argv[i], "--no-progress") == 0)
			show_progress = false;
		else if (strcmp(argv[i], "--") == 0 && i + 2 == argc && path == NULL)
			path = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage(cli, "unknown option '%s'", argv[i]);
		else if (path == NULL)
			path = argv[i];
		else
			return cli_usage(cli, "one FILE.csv at a time ('%s' is one too many)",
					 argv[i]);
	}
	if (path == NULL)
		return cli_usage(cli, "no FILE.csv given ('-' reads standard input)");
	im.name = strcmp(path, "-") == 0 ? "stdin" : path;
	if ((ret = open_input(cli, path, &fd, &size)) != 0)
		return ret;
	if ((ret = cli_open_store(cli, &store)) != 0)
		goto out;

	im.progress.on = show_progress && isatty(STDERR_FILENO);
	im.progress.total = size;
	reader = csv_reader_new_fd(fd, NULL);
	file = contracts_file_new(cli->config, import_error, &im);

	if (store_begin(store, &error) < 0)
		goto store_failed;
	open_tx = true;
	/* the count inside the transaction: BEGIN IMMEDIATE keeps writers out */
	if (store_contract_count(store, &before, &error) < 0)
		goto store_failed;

	r = csv_read(reader, &rec, &error);
	if (r == 0) {
		import_error(&im, 1, "no header row: the file is empty");
		ret = EX_DATAERR;
		goto out;
	}
	if (r < 0 && csv_reader_read_failed(reader)) {
		ret = cli_fail(cli, EX_IOERR, "%s:%" PRIu64 ": %s; nothing imported",
			       im.name, csv_reader_error_line(reader), error);
		goto out;
	}
	if (r < 0 || contracts_header(file, &rec) < 0) {
		if (r < 0)
			import_error(&im, csv_reader_error_line(reader), error);
		ret = cli_fail(cli, EX_DATAERR, "%s: the header row is not valid; nothing imported",
			       im.name);
		goto out;
	}
	for (;;) {
		r = csv_read(reader, &rec, &error);
		if (r == 0)
			break;
		if (r < 0 && csv_reader_read_failed(reader)) {
			/* Not bad data but a file we could not read to its
			 * end: keep nothing, whatever --skip-invalid says. */
			progress_clear(&im.progress);
			ret = cli_fail(cli, EX_IOERR, "%s:%" PRIu64 ": %s; nothing imported",
				       im.name, csv_reader_error_line(reader), error);
			goto out;
		}
		if (r < 0) {
			import_error(&im, csv_reader_error_line(reader), error);
			rows++;
			im.invalid++;
			continue;
		}
		r = contracts_row(file, &rec, &c);
		if (r == 0)
			continue;     /* blank line */
		rows++;
		if (r < 0) {
			im.invalid++;
		} else if (im.invalid == 0 || skip_invalid) {
			/* All or nothing: after the first bad row nothing
			 * will be kept, so only checking goes on. */
			c.updated_at = now;
			if (store_contract_upsert(store, &c, NULL, &error) < 0)
				goto store_failed;
			stored++;
		}
		if ((rows & 16383) == 0)
			progress_show(&im.progress, reader, rows);
	}
	progress_clear(&im.progress);

	if (im.invalid > 0 && !skip_invalid) {
		ret = cli_fail(cli, EX_DATAERR,
			       "%s: %" PRIu64 " invalid row%s of %" PRIu64 "; nothing imported (--skip-invalid imports the valid rows)",
			       im.name, im.invalid, im.invalid == 1 ? "" : "s", rows);
		goto out;
	}
	if (store_contract_count(store, &after, &error) < 0 ||
	    store_commit(store, &error) < 0)
		goto store_failed;
	open_tx = false;
	printf("%s: %" PRIu64 " rows read, %" PRIu64 " inserted, %" PRIu64
	       " updated, %" PRIu64 " skipped\n", im.name, rows, after - before,
	       stored - (after - before), im.invalid);
	ret = 0;
	goto out;

store_failed:
	progress_clear(&im.progress);
	ret = cli_store_fail(cli, store, error != NULL ? error : "store error");
	if (open_tx)
		fprintf(stderr, "supportgw: %s: nothing imported\n", cli->command);
out:
	if (open_tx)
		store_rollback(store);
	contracts_file_free(&file);
	csv_reader_free(&reader);
	store_close(&store);
	if (fd > 0)
		close(fd);
	return ret;
}

/* ---- list and show ------------------------------------------------------- */

static int64_t today(void)
{
	return date_of_utc((int64_t)time(NULL));
}

static json_t *contract_json(const struct store_contract *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "contract", cli_json_str(c->id));
	json_object_set_new(o, "customer_email", cli_json_str(c->customer_email));
	json_object_set_new(o, "customer_name", cli_json_str(c->customer_name));
	json_object_set_new(o, "company", cli_json_str(c->company));
	json_object_set_new(o, "product", cli_json_str(c->product));
	json_object_set_new(o, "serial", cli_json_str(c->serial));
	json_object_set_new(o, "region", cli_json_str(c->region));
	json_object_set_new(o, "language", cli_json_str(c->language));
	json_object_set_new(o, "level", cli_json_str(c->level));
	json_object_set_new(o, "starts", cli_json_str(c->starts));
	json_object_set_new(o, "expires", cli_json_str(c->expires));
	json_object_set_new(o, "auto_renew", json_boolean(c->auto_renew));
	json_object_set_new(o, "renewal_id", cli_json_str(c->renewal_id));
	json_object_set_new(o, "updated_at", cli_json_time(c->updated_at, true));
	return o;
}

/* Cuts s to at most max characters (UTF-8 aware, line breaks shown as
 * spaces) into buf, with "…" when cut. */
static const char *clip(const char *s, size_t max, char *buf, size_t size)
{
	size_t cols = 0, i = 0, o = 0;

	if (s == NULL)
		s = "-";
	while (s[i] != '\0') {
		size_t n = 1;

		if (((unsigned char)s[i] & 0xc0) == 0xc0)
			while ((s[i + n] & 0xc0) == 0x80)
				n++;
		if (cols + 1 > max || o + n + 4 >= size) {
			memcpy(buf + o, "\xe2\x80\xa6", 3);
			o += 3;
			break;
		}
		if (n == 1 && (unsigned char)s[i] < 0x20)
			buf[o] = ' ';
		else
			memcpy(buf + o, s + i, n);
		o += n;
		i += n;
		cols++;
	}
	buf[o] = '\0';
	return buf;
}

/* Pads a clipped UTF-8 string to width characters. */
static void print_col(const char *s, size_t width)
{
	size_t cols = 0;

	for (const char *p = s; *p != '\0'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			cols++;
	fputs(s, stdout);
	for (; cols < width; cols++)
		putchar(' ');
	putchar(' ');
}

struct list_ctx {
	bool json;
	uint64_t count;
};

static int list_row(void *ctx_, const struct store_contract *c)
{
	struct list_ctx *ctx = ctx_;
	char buf[256];

	if (ctx->json) {
		json_t *o = contract_json(c);

		/* One object a line, streamed: a million contracts must not
		 * be built in memory first. */
		fputs(ctx->count == 0 ? "[\n  " : ",\n  ", stdout);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	} else {
		print_col(clip(c->id, 16, buf, sizeof(buf)), 16);
		print_col(clip(c->customer_email, 32, buf, sizeof(buf)), 32);
		print_col(clip(c->region, 6, buf, sizeof(buf)), 6);
		print_col(clip(c->level, 8, buf, sizeof(buf)), 8);
		print_col(clip(c->expires, 10, buf, sizeof(buf)), 10);
		print_col(c->auto_renew ? "yes" : "no", 4);
		fputs(clip(c->product, 40, buf, sizeof(buf)), stdout);
		putchar('\n');
	}
	ctx->count++;
	return 0;
}

static int contracts_list(struct cli *cli, int argc, char **argv)
{
	struct store *store;
	struct list_ctx lc = { 0 };
	const char *error, *region = NULL, *from = NULL, *to = NULL;
	char from_buf[DATE_BUF], to_buf[DATE_BUF];
	uint64_t days = 0;
	bool expiring = false;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			lc.json = true;
		} else if (strcmp(argv[i], "--expiring") == 0) {
			if (i + 1 >= argc || parse_uint64(argv[i + 1], 100000, &days) < 0)
				return cli_usage(cli, "--expiring needs a number of days (0 to 100000)");
			expiring = true;
			i++;
		} else if (strcmp(argv[i], "--region") == 0) {
			const struct region_config *r;

			if (i + 1 >= argc)
				return cli_usage(cli, "--region needs a region name");
			r = config_region(cli->config, argv[++i]);
			if (r == NULL) {
				fprintf(stderr, "supportgw: %s: unknown region '%s' (known: ",
					cli->command, argv[i]);
				for (size_t k = 0; k < cli->config->region_count; k++)
					fprintf(stderr, "%s%s", k > 0 ? ", " : "",
						cli->config->regions[k].name);
				fputs(")\n", stderr);
				return EX_USAGE;
			}
			region = r->name;
		} else {
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
		}
	}
	if (expiring) {
		/* from today (UTC) to today + DAYS, both included */
		int64_t t = today();

		from = date_format(t, from_buf);
		to = date_format(t + (int64_t)days, to_buf);
	}
	if ((ret = cli_open_store(cli, &store)) != 0)
		return ret;
	if (!lc.json) {
		print_col("CONTRACT", 16);
		print_col("CUSTOMER", 32);
		print_col("REGION", 6);
		print_col("LEVEL", 8);
		print_col("EXPIRES", 10);
		print_col("AUTO", 4);
		puts("PRODUCT");
	}
	if (store_contracts_list(store, from, to, region, list_row, &lc, &error) < 0) {
		if (lc.json && lc.count > 0)
			puts("\n]");
		ret = cli_store_fail(cli, store, error);
	} else if (lc.json) {
		puts(lc.count == 0 ? "[]" : "\n]");
	}
	store_close(&store);
	return ret;
}

struct show_ctx {
	const struct cli *cli;
	json_t *notices;         /* NULL: text */
	unsigned count;
};

static int show_notice(void *ctx_, const struct store_notice *n)
{
	struct show_ctx *ctx = ctx_;
	char num[24], when[32];

	if (ctx->notices != NULL) {
		json_t *o = json_object();

		json_object_set_new(o, "expires", cli_json_str(n->expires));
		json_object_set_new(o, "step", json_integer(n->step));
		json_object_set_new(o, "kind", cli_json_str(n->kind));
		json_object_set_new(o, "case", n->case_number != 0 ?
				    json_string(cli_case_str(ctx->cli, n->case_number, num)) :
				    json_null());
		json_object_set_new(o, "outbox_id", n->outbox_id != 0 ?
				    json_integer(n->outbox_id) : json_null());
		json_object_set_new(o, "run_date", cli_json_str(n->run_date));
		json_object_set_new(o, "at", cli_json_time(n->at, true));
		json_array_append_new(ctx->notices, o);
	} else {
		if (ctx->count == 0)
			printf("\n%-20s %-10s %5s  %-9s %-10s %s\n", "SENT", "EXPIRES",
			       "STEP", "KIND", "CASE", "RUN DATE");
		time_iso8601(n->at, when);
		printf("%-20s %-10s %5d  %-9s %-10s %s\n", when,
		       n->expires != NULL ? n->expires : "-", n->step,
		       n->kind != NULL ? n->kind : "-",
		       n->case_number != 0 ? cli_case_str(ctx->cli, n->case_number, num) : "-",
		       n->run_date != NULL ? n->run_date : "-");
	}
	ctx->count++;
	return 0;
}

/* Finds a contract by id, else by serial or renewal id when exactly one
 * contract has it (what a customer quotes is often the serial). */
struct key_ctx {
	struct pool *pool;
	char *id;
	unsigned count;
};

static int key_row(void *ctx_, const struct store_contract *c)
{
	struct key_ctx *k = ctx_;

	if (k->count++ == 0)
		k->id = pool_strdup(k->pool, c->id);
	return 0;
}

static int contracts_show(struct cli *cli, int argc, char **argv)
{
	struct store *store;
	struct pool *pool;
	struct store_contract *c = NULL;
	struct show_ctx sc = { .cli = cli };
	const char *id = NULL, *error;
	bool json = false;
	int ret, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (id == NULL && (argv[i][0] != '-' || argv[i][1] == '\0'))
			id = argv[i];
		else
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
	}
	if (id == NULL)
		return cli_usage(cli, "which contract? contracts show ID");
	if ((ret = cli_open_store(cli, &store)) != 0)
		return ret;
	pool = pool_new(4096);
	r = store_contract_get(store, pool, id, &c, &error);
	if (r == 0) {
		struct key_ctx k = { .pool = pool };

		if (store_contracts_by_key(store, id, key_row, &k, &error) < 0)
			r = -1;
		else if (k.count == 1)
			r = store_contract_get(store, pool, k.id, &c, &error);
		else if (k.count > 1) {
			ret = cli_fail(cli, EX_DATAERR, "%u contracts have the serial or renewal id '%s'; give the contract id",
				       k.count, id);
			goto out;
		}
	}
	if (r < 0) {
		ret = cli_store_fail(cli, store, error);
		goto out;
	}
	if (r == 0) {
		ret = cli_fail(cli, EX_NOINPUT, "no contract '%s'", id);
		goto out;
	}

	if (json) {
		json_t *o = contract_json(c);
		int64_t exp;

		json_object_set_new(o, "days_to_expiry",
				    c->expires != NULL && date_parse(c->expires, &exp) == 0 ?
				    json_integer(exp - today()) : json_null());
		sc.notices = json_array();
		json_object_set_new(o, "notices", sc.notices);
		if (store_renewal_notices(store, c->id, show_notice, &sc, &error) < 0) {
			json_decref(o);
			ret = cli_store_fail(cli, store, error);
			goto out;
		}
		cli_json_print(o);
		goto out;
	}

	{
		char when[32], ago[64] = "";
		int64_t exp;

		if (c->expires != NULL && date_parse(c->expires, &exp) == 0) {
			int64_t d = exp - today();

			if (d > 0)
				snprintf(ago, sizeof(ago), " (in %" PRId64 " day%s)", d, d == 1 ? "" : "s");
			else if (d == 0)
				snprintf(ago, sizeof(ago), " (today)");
			else
				snprintf(ago, sizeof(ago), " (expired %" PRId64 " day%s ago)",
					 -d, d == -1 ? "" : "s");
		}
		time_iso8601(c->updated_at, when);
#define FIELD(label, v) printf("%-15s %s\n", label, (v) != NULL ? (v) : "-")
		FIELD("contract", c->id);
		FIELD("customer_email", c->customer_email);
		FIELD("customer_name", c->customer_name);
		FIELD("company", c->company);
		FIELD("product", c->product);
		FIELD("serial", c->serial);
		FIELD("region", c->region);
		FIELD("language", c->language);
		FIELD("level", c->level);
		FIELD("starts", c->starts);
		printf("%-15s %s%s\n", "expires", c->expires != NULL ? c->expires : "-", ago);
		FIELD("auto_renew", c->auto_renew ? "yes" : "no");
		FIELD("renewal_id", c->renewal_id);
		FIELD("updated_at", when);
#undef FIELD
	}
	if (store_renewal_notices(store, c->id, show_notice, &sc, &error) < 0) {
		ret = cli_store_fail(cli, store, error);
		goto out;
	}
	if (sc.count == 0)
		printf("\nno renewal notice sent\n");
out:
	pool_free(&pool);
	store_close(&store);
	return ret;
}

int cmd_contracts(struct cli *cli, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc < 2)
		return cli_usage(cli, "which action? import, list or show");
	/* messages say which action: "supportgw: contracts import: ..." */
	if (strcmp(sub, "import") == 0) {
		cli->command = "contracts import";
		return contracts_import(cli, argc - 1, argv + 1);
	}
	if (strcmp(sub, "list") == 0) {
		cli->command = "contracts list";
		return contracts_list(cli, argc - 1, argv + 1);
	}
	if (strcmp(sub, "show") == 0) {
		cli->command = "contracts show";
		return contracts_show(cli, argc - 1, argv + 1);
	}
	return cli_usage(cli, "unknown action '%s' (import, list, show)", sub);
}
