/*
 * test_store.c - the SQLite store (gateway/store_sqlite.c) through store.h
 * only: files under a mkdtemp() folder and ":memory:" stores.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *store;
	struct pool *pool;
};

static int setup_memory(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;

	assert_non_null(f);
	assert_int_equal(store_open(":memory:", &f->store, &error), 0);
	f->pool = pool_new(4096);
	*state = f;
	return 0;
}

/* A fresh folder; f->path names a database inside it, not yet opened. */
static int setup_dir(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	f->pool = pool_new(4096);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(&f->store);
	pool_free(&f->pool);
	if (f->dir[0] != '\0')
		nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct store *open_path(const char *path)
{
	struct store *store = NULL;
	const char *error = NULL;
	int r = store_open(path, &store, &error);

	if (r != 0)
		fail_msg("store_open(%s): %d %s", path, r, error);
	return store;
}

static uint64_t add_case(struct store *store, const char *subject, int64_t when)
{
	struct store_case c = {
		.subject = subject,
		.requester = "alice@example.com",
		.requester_name = "Alice",
		.created_at = when,
		.updated_at = when,
	};
	const char *error = NULL;
	uint64_t number = 0;

	if (store_case_create(store, &c, &number, &error) < 0)
		fail_msg("store_case_create: %s", error);
	return number;
}

static struct store_message base_message(uint64_t number, const char *msgid,
					 int64_t when)
{
	static const char raw[] = "From: a@example.com\r\n\r\nhello\r\n";
	struct store_message m = {
		.case_number = number,
		.direction = MSG_IN,
		.message_id = msgid,
		.from_addr = "alice@example.com",
		.from_name = "Alice",
		.subject = "Help",
		.received_at = when,
		.source = "deliver",
		/* the header block is the start of raw: kept by length */
		.headers = raw,
		.headers_len = sizeof("From: a@example.com\r\n") - 1,
		.text = "hello",
		.raw = raw,
		.raw_len = sizeof(raw) - 1,
	};
	return m;
}

static int64_t add_message(struct store *store, uint64_t number,
			   const char *msgid, int64_t when)
{
	struct store_message m = base_message(number, msgid, when);
	const char *error = NULL;
	int64_t id = 0;

	if (store_message_add(store, &m, &id, &error) < 0)
		fail_msg("store_message_add: %s", error);
	return id;
}

static struct store_stats stats(struct store *store)
{
	struct store_stats st;
	const char *error = NULL;

	if (store_get_stats(store, &st, &error) < 0)
		fail_msg("store_get_stats: %s", error);
	return st;
}

/* The database header (https://sqlite.org/fileformat.html#the_database_header)
 * read straight from the file, so the tests need no sqlite3.h. */
static void read_header(const char *path, unsigned char hdr[100])
{
	FILE *fp = fopen(path, "rb");

	assert_non_null(fp);
	assert_int_equal(fread(hdr, 1, 100, fp), 100);
	fclose(fp);
}

static uint32_t header_user_version(const char *path)
{
	unsigned char h[100];

	read_header(path, h);
	return (uint32_t)h[60] << 24 | (uint32_t)h[61] << 16 |
		(uint32_t)h[62] << 8 | h[63];
}

static void header_set_user_version(const char *path, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
	FILE *fp = fopen(path, "r+b");

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 60, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, 4, fp), 4);
	assert_int_equal(fclose(fp), 0);
}

/* ---- open, migrate, reopen ---- */

static void test_open_memory_is_empty(void **state)
{
	struct fixture *f = *state;
	struct store_stats st = stats(f->store);

	assert_int_equal(st.cases, 0);
	assert_int_equal(st.messages, 0);
	assert_int_equal(st.quarantined, 0);
	assert_false(store_error_temporary(f->store));
}

static void test_open_creates_parent_folders(void **state)
{
	struct fixture *f = *state;
	char sub[128], path[192];
	unsigned char h[100];
	struct stat st;

	umask(022);
	snprintf(sub, sizeof(sub), "%s/a/b", f->dir);
	snprintf(path, sizeof(path), "%s/store.db", sub);
	f->store = open_path(path);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);
	store_close(&f->store);
	assert_null(f->store);

	read_header(path, h);
	/* file format read/write versions 2 = WAL */
	assert_int_equal(h[18], 2);
	assert_int_equal(h[19], 2);
	assert_int_equal(header_user_version(path), 4);
}

static void test_reopen_keeps_data_and_version(void **state)
{
	struct fixture *f = *state;
	struct store_case *c = NULL;
	const char *error = NULL;
	uint64_t number;

	f->store = open_path(f->path);
	number = add_case(f->store, "Printer on fire", 1000);
	add_message(f->store, number, "m1@example.com", 1001);
	store_close(&f->store);
	assert_int_equal(header_user_version(f->path), 4);

	f->store = open_path(f->path);
	assert_int_equal(store_case_get(f->store, f->pool, number, &c, &error), 1);
	assert_string_equal(c->subject, "Printer on fire");
	assert_int_equal(c->message_count, 1);
	assert_int_equal(c->updated_at, 1001);
	/* numbering goes on after a reopen */
	assert_int_equal(add_case(f->store, "second", 2000), number + 1);
	store_close(&f->store);
	assert_int_equal(header_user_version(f->path), 4);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;

	f->store = open_path(f->path);
	store_close(&f->store);
	header_set_user_version(f->path, 5);
	assert_int_equal(store_open(f->path, &f->store, &error), -1);
	assert_null(f->store);
	assert_non_null(error);
	assert_non_null(strstr(error, "newer"));

	/* and it was not touched: the code's version still opens it */
	header_set_user_version(f->path, 4);
	f->store = open_path(f->path);
}

static void test_parent_is_a_file_is_permanent(void **state)
{
	struct fixture *f = *state;
	char file[128], path[192];
	const char *error = NULL;
	FILE *fp;

	snprintf(file, sizeof(file), "%s/file.txt", f->dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/db", file);
	assert_int_equal(store_open(path, &f->store, &error), -1);
	assert_null(f->store);
	assert_non_null(error);
	assert_non_null(strstr(error, file));

	snprintf(path, sizeof(path), "%s/sub/db", file);
	error = NULL;
	assert_int_equal(store_open(path, &f->store, &error), -1);
	assert_non_null(error);
}

/* sysfs refuses new folders (EPERM, or EACCES for a user): a stand-in for
 * an unwritable mail folder that works even as root. */
static void test_unwritable_folder_is_temporary(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	struct stat st;

	if (stat("/sys/kernel", &st) < 0)
		skip();
	assert_int_equal(store_open("/sys/supportgw-test/store.db", &f->store,
				    &error), -2);
	assert_null(f->store);
	assert_non_null(error);
	assert_non_null(strstr(error, "/sys/supportgw-test"));
}

static void test_path_is_a_folder_is_permanent(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;

	assert_int_equal(store_open(f->dir, &f->store, &error), -1);
	assert_null(f->store);
	assert_non_null(strstr(error, "folder"));
}

static void test_not_a_database_is_permanent(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	FILE *fp = fopen(f->path, "w");
	char junk[4096];

	assert_non_null(fp);
	memset(junk, 'x', sizeof(junk));
	assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	fclose(fp);
	assert_int_equal(store_open(f->path, &f->store, &error), -1);
	assert_null(f->store);
	assert_non_null(error);
}

/* ---- cases ---- */

static void test_case_numbers_are_a_sequence(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add_case(f->store, "one", 1), 1);
	assert_int_equal(add_case(f->store, "two", 2), 2);
	assert_int_equal(add_case(f->store, "three", 3), 3);
}

static void test_case_fields_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_case in = {
		.subject = "Ünïcödé 日本語 'quoted'; DROP TABLE cases; --",
		.requester = "bob@example.org",
		.requester_name = NULL,
		.language = NULL,
		.created_at = 1700000000,
		.updated_at = 1700000001,
		.linked_to = 0,
		.unverified = true,
	};
	struct store_case *c = NULL;
	const char *error = NULL;
	uint64_t first, second;

	assert_int_equal(store_case_create(f->store, &in, &first, &error), 0);
	in.linked_to = first;
	in.language = "fr";
	in.region = "EMEA";
	in.requester_name = "Bob";
	in.unverified = false;
	assert_int_equal(store_case_create(f->store, &in, &second, &error), 0);

	assert_int_equal(store_case_get(f->store, f->pool, first, &c, &error), 1);
	assert_int_equal(c->number, first);
	assert_int_equal(c->status, CASE_OPEN);
	assert_string_equal(c->subject, in.subject);
	assert_string_equal(c->requester, "bob@example.org");
	assert_null(c->requester_name);
	assert_null(c->language);
	assert_null(c->region);
	assert_int_equal(c->created_at, 1700000000);
	assert_int_equal(c->updated_at, 1700000001);
	assert_int_equal(c->closed_at, 0);
	assert_int_equal(c->linked_to, 0);
	assert_true(c->unverified);
	assert_int_equal(c->message_count, 0);

	assert_int_equal(store_case_get(f->store, f->pool, second, &c, &error), 1);
	assert_int_equal(c->linked_to, first);
	assert_string_equal(c->language, "fr");
	assert_string_equal(c->region, "EMEA");
	assert_string_equal(c->requester_name, "Bob");
	assert_false(c->unverified);
}

static void test_case_link_to_unknown_case_rejected(void **state)
{
	struct fixture *f = *state;
	struct store_case in = { .subject = "x", .created_at = 1, .linked_to = 99 };
	const char *error = NULL;
	uint64_t number = 0;

	assert_int_equal(store_case_create(f->store, &in, &number, &error), -1);
	assert_non_null(error);
	assert_false(store_error_temporary(f->store));
}

static void test_case_get_unknown(void **state)
{
	struct fixture *f = *state;
	struct store_case *c = (void *)1;
	const char *error = NULL;

	add_case(f->store, "one", 1);
	assert_int_equal(store_case_get(f->store, f->pool, 2, &c, &error), 0);
	assert_null(c);
}

static void test_set_status_sets_closed_at(void **state)
{
	struct fixture *f = *state;
	struct store_case *c = NULL;
	const char *error = NULL;
	uint64_t n = add_case(f->store, "one", 10);

	assert_int_equal(store_case_set_status(f->store, n, CASE_CLOSED, 500,
					       &error), 0);
	assert_int_equal(store_case_get(f->store, f->pool, n, &c, &error), 1);
	assert_int_equal(c->status, CASE_CLOSED);
	assert_int_equal(c->closed_at, 500);
	assert_int_equal(stats(f->store).open_cases, 0);

	assert_int_equal(store_case_set_status(f->store, n, CASE_OPEN, 600,
					       &error), 0);
	assert_int_equal(store_case_get(f->store, f->pool, n, &c, &error), 1);
	assert_int_equal(c->status, CASE_OPEN);
	assert_int_equal(c->closed_at, 0);
	assert_int_equal(stats(f->store).open_cases, 1);
}

static void test_set_status_unknown_case(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;

	add_case(f->store, "one", 10);
	assert_int_equal(store_case_set_status(f->store, 42, CASE_CLOSED, 1,
					       &error), -1);
	assert_non_null(error);
	assert_string_equal(error, "no case 42");
	assert_false(store_error_temporary(f->store));
}

struct list_ctx {
	uint64_t numbers[16];
	unsigned counts[16];
	size_t n;
	int stop_at;   /* return 7 at this row (1-based), 0 = never */
};

static int collect_case(void *ctx, const struct store_case *c)
{
	struct list_ctx *l = ctx;

	assert_true(l->n < 16);
	l->counts[l->n] = c->message_count;
	l->numbers[l->n++] = c->number;
	return l->stop_at != 0 && (int)l->n == l->stop_at ? 7 : 0;
}

static void test_cases_list_filter_order_stop(void **state)
{
	struct fixture *f = *state;
	struct list_ctx l;
	const char *error = NULL;

	for (int i = 0; i < 5; i++)
		add_case(f->store, "c", 100 - i);
	add_message(f->store, 3, "a@x", 200);
	add_message(f->store, 3, "b@x", 201);
	assert_int_equal(store_case_set_status(f->store, 2, CASE_CLOSED, 1, &error), 0);
	assert_int_equal(store_case_set_status(f->store, 4, CASE_CLOSED, 1, &error), 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_cases_list(f->store, -1, collect_case, &l, &error), 0);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(l.numbers[i], i + 1);
	assert_int_equal(l.counts[2], 2);
	assert_int_equal(l.counts[0], 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_cases_list(f->store, CASE_OPEN, collect_case, &l, &error), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.numbers[0], 1);
	assert_int_equal(l.numbers[1], 3);
	assert_int_equal(l.numbers[2], 5);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_cases_list(f->store, CASE_CLOSED, collect_case, &l, &error), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.numbers[1], 4);

	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	assert_int_equal(store_cases_list(f->store, -1, collect_case, &l, &error), 7);
	assert_int_equal(l.n, 2);
	/* the statement was reset: a new listing starts from the top */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_cases_list(f->store, -1, collect_case, &l, &error), 0);
	assert_int_equal(l.n, 5);
}

struct nested_ctx {
	struct store *store;
	size_t outer, inner;
};

static int count_inner(void *ctx, const struct store_case *c)
{
	((struct nested_ctx *)ctx)->inner++;
	return 0;
}

static int list_again(void *ctx, const struct store_case *c)
{
	struct nested_ctx *n = ctx;
	const char *error = NULL;
	uint64_t number = c->number;

	n->outer++;
	assert_int_equal(store_cases_list(n->store, -1, count_inner, n, &error), 0);
	/* the outer row is still ours after the inner listing */
	assert_int_equal(c->number, number);
	return 0;
}

static void test_iterator_is_reentrant(void **state)
{
	struct fixture *f = *state;
	struct nested_ctx n = { .store = f->store };
	const char *error = NULL;

	for (int i = 0; i < 3; i++)
		add_case(f->store, "c", i);
	assert_int_equal(store_cases_list(f->store, -1, list_again, &n, &error), 0);
	assert_int_equal(n.outer, 3);
	assert_int_equal(n.inner, 9);
}

/* ---- transactions ---- */

static void test_nested_rollback_keeps_outer_work(void **state)
{
	struct fixture *f = *state;
	struct store_case *c = NULL;
	const char *error = NULL;

	assert_int_equal(store_begin(f->store, &error), 0);
	add_case(f->store, "kept", 1);
	assert_int_equal(store_begin(f->store, &error), 0);
	add_case(f->store, "undone", 2);
	add_message(f->store, 2, "undone@x", 2);
	store_rollback(f->store);
	assert_int_equal(store_begin(f->store, &error), 0);
	add_case(f->store, "also kept", 3);
	assert_int_equal(store_commit(f->store, &error), 0);
	assert_int_equal(store_commit(f->store, &error), 0);

	assert_int_equal(stats(f->store).cases, 2);
	assert_int_equal(stats(f->store).messages, 0);
	assert_int_equal(store_case_get(f->store, f->pool, 1, &c, &error), 1);
	assert_string_equal(c->subject, "kept");
	/* a rolled-back number may be handed out again: 2 is "also kept" */
	assert_int_equal(store_case_get(f->store, f->pool, 2, &c, &error), 1);
	assert_string_equal(c->subject, "also kept");
	uint64_t dummy;
	assert_int_equal(store_message_id_case(f->store, "undone@x", &dummy, &error), 0);
}

static void test_outer_rollback_undoes_everything(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;

	add_case(f->store, "before", 1);
	assert_int_equal(store_begin(f->store, &error), 0);
	add_case(f->store, "a", 2);
	assert_int_equal(store_begin(f->store, &error), 0);
	add_case(f->store, "b", 3);
	assert_int_equal(store_commit(f->store, &error), 0);
	store_rollback(f->store);
	assert_int_equal(stats(f->store).cases, 1);
	/* and the store is usable afterwards, outside any transaction */
	add_case(f->store, "after", 4);
	assert_int_equal(stats(f->store).cases, 2);
}

static void test_commit_visible_to_other_handle(void **state)
{
	struct fixture *f = *state;
	struct store *other;
	struct store_case *c = NULL;
	const char *error = NULL;

	f->store = open_path(f->path);
	other = open_path(f->path);
	assert_int_equal(store_begin(f->store, &error), 0);
	add_case(f->store, "one", 1);
	/* not visible before the commit */
	assert_int_equal(store_case_get(other, f->pool, 1, &c, &error), 0);
	assert_int_equal(store_commit(f->store, &error), 0);
	assert_int_equal(store_case_get(other, f->pool, 1, &c, &error), 1);
	assert_string_equal(c->subject, "one");
	store_close(&other);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void test_busy_writer_is_temporary(void **state)
{
	struct fixture *f = *state;
	struct store *other;
	const char *error = NULL;
	double start, elapsed;

	f->store = open_path(f->path);
	assert_int_equal(store_begin(f->store, &error), 0);
	add_case(f->store, "held", 1);
	/* opening does not need the write lock once the schema is current */
	other = open_path(f->path);
	store_set_busy_timeout(other, 50);

	start = now_ms();
	assert_int_equal(store_begin(other, &error), -1);
	elapsed = now_ms() - start;
	assert_true(store_error_temporary(other));
	assert_non_null(error);
	assert_non_null(strstr(error, "locked"));
	assert_true(elapsed >= 40 && elapsed < 2000);

	assert_int_equal(store_commit(f->store, &error), 0);
	assert_int_equal(store_begin(other, &error), 0);
	assert_int_equal(add_case(other, "next", 2), 2);
	assert_int_equal(store_commit(other, &error), 0);
	store_close(&other);
}

/* ---- messages ---- */

static void test_duplicate_message_id_rejected(void **state)
{
	struct fixture *f = *state;
	struct store_message m;
	const char *error = NULL;
	int64_t id;
	uint64_t n = add_case(f->store, "one", 1), found = 0;

	add_message(f->store, n, "dup@example.com", 2);
	m = base_message(n, "dup@example.com", 3);
	assert_int_equal(store_message_add(f->store, &m, &id, &error), -1);
	assert_false(store_error_temporary(f->store));
	assert_non_null(strstr(error, "dup@example.com"));
	assert_int_equal(stats(f->store).messages, 1);

	/* inside a transaction the failure undoes only itself */
	assert_int_equal(store_begin(f->store, &error), 0);
	add_message(f->store, n, "new@example.com", 4);
	assert_int_equal(store_message_add(f->store, &m, &id, &error), -1);
	assert_false(store_error_temporary(f->store));
	assert_int_equal(store_commit(f->store, &error), 0);
	assert_int_equal(stats(f->store).messages, 2);
	assert_int_equal(store_message_id_case(f->store, "new@example.com",
					       &found, &error), 1);
	assert_int_equal(found, n);
}

static void test_message_id_case_both_directions(void **state)
{
	struct fixture *f = *state;
	struct store_message m;
	const char *error = NULL;
	uint64_t a = add_case(f->store, "a", 1), b = add_case(f->store, "b", 1);
	uint64_t found = 0;
	int64_t id;

	add_message(f->store, a, "in@customer.example", 2);
	m = base_message(b, "out@gateway.example", 3);
	m.direction = MSG_OUT;
	assert_int_equal(store_message_add(f->store, &m, &id, &error), 0);

	assert_int_equal(store_message_id_case(f->store, "in@customer.example",
					       &found, &error), 1);
	assert_int_equal(found, a);
	assert_int_equal(store_message_id_case(f->store, "out@gateway.example",
					       &found, &error), 1);
	assert_int_equal(found, b);
	found = 77;
	assert_int_equal(store_message_id_case(f->store, "nobody@example",
					       &found, &error), 0);
	assert_int_equal(found, 77);
	/* exact match: case and brackets matter */
	assert_int_equal(store_message_id_case(f->store, "IN@customer.example",
					       &found, &error), 0);
}

struct msgs_ctx {
	struct pool *pool;
	struct store_message m[8];
	size_t n;
};

static const char *dup_or_null(struct pool *pool, const char *s)
{
	return s == NULL ? NULL : pool_strdup(pool, s);
}

static int collect_message(void *ctx, const struct store_message *m)
{
	struct msgs_ctx *c = ctx;
	struct store_message *o = &c->m[c->n++];

	*o = *m;
	o->message_id = dup_or_null(c->pool, m->message_id);
	o->from_addr = dup_or_null(c->pool, m->from_addr);
	o->from_name = dup_or_null(c->pool, m->from_name);
	o->subject = dup_or_null(c->pool, m->subject);
	o->in_reply_to = dup_or_null(c->pool, m->in_reply_to);
	o->references = dup_or_null(c->pool, m->references);
	o->auto_reason = dup_or_null(c->pool, m->auto_reason);
	o->language = dup_or_null(c->pool, m->language);
	o->source = dup_or_null(c->pool, m->source);
	o->headers = dup_or_null(c->pool, m->headers);
	o->headers_len = m->headers_len;
	o->text = dup_or_null(c->pool, m->text);
	o->notes = dup_or_null(c->pool, m->notes);
	return 0;
}

static void test_message_fields_round_trip(void **state)
{
	struct fixture *f = *state;
	static const char raw[] = "From: x\r\n\r\nbinary\0zero\0\r\n";
	struct msgs_ctx ctx = { .pool = f->pool };
	struct store_message full;
	const char *error = NULL;
	const void *data = NULL;
	size_t len = 0;
	int64_t id1, id2, id3;
	uint64_t n = add_case(f->store, "one", 1);

	id1 = add_message(f->store, n, "first@x", 10);
	full = base_message(n, "second@x", 20);
	full.direction = MSG_OUT;
	full.from_name = "Zoë Ünïcode";
	full.subject = "Re: 日本語 \"quoted\" 'x'";
	full.date = 1699999999;
	full.has_date = true;
	full.in_reply_to = "first@x";
	full.references = "zero@x first@x";
	full.is_auto = true;
	full.auto_reason = "auto-submitted";
	full.language = "ja";
	full.source = "import:/var/mail/x";
	full.notes = "bare LF\nbad charset";
	/* a header block that is not the start of raw: kept as text */
	full.headers = "X-Full: yes\r\nFrom: z@x\r\n";
	full.headers_len = strlen(full.headers);
	full.raw = raw;
	full.raw_len = sizeof(raw) - 1;
	assert_int_equal(store_message_add(f->store, &full, &id2, &error), 0);
	id3 = add_message(f->store, n, "third@x", 5);
	assert_true(id1 < id2 && id2 < id3);

	assert_int_equal(store_case_messages(f->store, n, collect_message, &ctx,
					     &error), 0);
	assert_int_equal(ctx.n, 3);
	assert_string_equal(ctx.m[0].message_id, "first@x");
	assert_string_equal(ctx.m[2].message_id, "third@x");

	/* NULLs stay NULL */
	assert_int_equal(ctx.m[0].id, id1);
	assert_int_equal(ctx.m[0].direction, MSG_IN);
	assert_null(ctx.m[0].in_reply_to);
	assert_null(ctx.m[0].references);
	assert_null(ctx.m[0].auto_reason);
	assert_null(ctx.m[0].language);
	assert_null(ctx.m[0].notes);
	assert_false(ctx.m[0].has_date);
	assert_int_equal(ctx.m[0].date, 0);
	assert_false(ctx.m[0].is_auto);

	struct store_message *m = &ctx.m[1];
	assert_int_equal(m->id, id2);
	assert_int_equal(m->case_number, n);
	assert_int_equal(m->direction, MSG_OUT);
	assert_string_equal(m->message_id, "second@x");
	assert_string_equal(m->from_addr, "alice@example.com");
	assert_string_equal(m->from_name, full.from_name);
	assert_string_equal(m->subject, full.subject);
	assert_int_equal(m->date, 1699999999);
	assert_true(m->has_date);
	assert_int_equal(m->received_at, 20);
	assert_string_equal(m->in_reply_to, "first@x");
	assert_string_equal(m->references, "zero@x first@x");
	assert_true(m->is_auto);
	assert_string_equal(m->auto_reason, "auto-submitted");
	assert_string_equal(m->language, "ja");
	assert_string_equal(m->source, "import:/var/mail/x");
	assert_string_equal(m->headers, full.headers);
	assert_int_equal(m->headers_len, full.headers_len);
	/* and the block kept as a length into raw comes back whole */
	assert_string_equal(ctx.m[0].headers, "From: a@example.com\r\n");
	assert_int_equal(ctx.m[0].headers_len, 21);
	assert_string_equal(m->text, "hello");
	assert_string_equal(m->notes, "bare LF\nbad charset");
	assert_null(m->raw);
	assert_int_equal(m->raw_len, 0);

	/* raw keeps its NULs */
	assert_int_equal(store_message_raw(f->store, f->pool, id2, &data, &len,
					   &error), 1);
	assert_int_equal(len, sizeof(raw) - 1);
	assert_memory_equal(data, raw, len);
	assert_int_equal(store_message_raw(f->store, f->pool, id3 + 1, &data,
					   &len, &error), 0);
	assert_null(data);
}

static void test_message_add_bumps_updated_at(void **state)
{
	struct fixture *f = *state;
	struct store_case *c = NULL;
	const char *error = NULL;
	uint64_t n = add_case(f->store, "one", 100);

	add_message(f->store, n, "a@x", 150);
	assert_int_equal(store_case_get(f->store, f->pool, n, &c, &error), 1);
	assert_int_equal(c->updated_at, 150);
	assert_int_equal(c->created_at, 100);
	/* an older message (import of old mail) does not move it back */
	add_message(f->store, n, "b@x", 120);
	assert_int_equal(store_case_get(f->store, f->pool, n, &c, &error), 1);
	assert_int_equal(c->updated_at, 150);
	assert_int_equal(c->message_count, 2);
}

static void test_message_for_unknown_case_rejected(void **state)
{
	struct fixture *f = *state;
	struct store_message m = base_message(5, "orphan@x", 1);
	const char *error = NULL;
	uint64_t found;
	int64_t id;

	assert_int_equal(store_message_add(f->store, &m, &id, &error), -1);
	assert_non_null(error);
	assert_false(store_error_temporary(f->store));
	assert_int_equal(stats(f->store).messages, 0);
	assert_int_equal(store_message_id_case(f->store, "orphan@x", &found,
					       &error), 0);
}

/* ---- participants ---- */

static void test_participants_unique_lower_case(void **state)
{
	struct fixture *f = *state;
	const char **addrs = NULL;
	const char *error = NULL;
	size_t count = 0;
	uint64_t n = add_case(f->store, "one", 1), other = add_case(f->store, "two", 1);

	assert_int_equal(store_participant_add(f->store, n, "Alice@Example.COM",
					       "requester", &error), 0);
	assert_int_equal(store_participant_add(f->store, n, "alice@example.com",
					       "cc", &error), 0);
	assert_int_equal(store_participant_add(f->store, n, "bob@example.org",
					       "cc", &error), 0);
	assert_int_equal(store_participant_add(f->store, other, "alice@example.com",
					       "requester", &error), 0);

	assert_int_equal(store_participants(f->store, f->pool, n, &addrs, NULL, &count,
					    &error), 0);
	assert_int_equal(count, 2);
	assert_string_equal(addrs[0], "alice@example.com");
	assert_string_equal(addrs[1], "bob@example.org");

	assert_int_equal(store_participants(f->store, f->pool, 99, &addrs, NULL, &count,
					    &error), 0);
	assert_int_equal(count, 0);

	assert_int_equal(store_participant_add(f->store, 99, "x@y", "cc", &error), -1);
	assert_false(store_error_temporary(f->store));
}

/* ---- attachments and blobs ---- */

struct atts_ctx {
	char names[4][32];
	char sha[4][SHA256_HEX_LEN + 1];
	size_t sizes[4];
	bool inline_[4];
	bool data_null;
	size_t n;
};

static int collect_attachment(void *ctx, const struct store_attachment *a)
{
	struct atts_ctx *c = ctx;

	snprintf(c->names[c->n], sizeof(c->names[0]), "%s", a->filename);
	snprintf(c->sha[c->n], sizeof(c->sha[0]), "%s", a->sha256);
	c->sizes[c->n] = a->size;
	c->inline_[c->n] = a->is_inline;
	c->data_null = c->data_null && a->data == NULL;
	c->n++;
	return 0;
}

static void test_blobs_deduplicated_by_hash(void **state)
{
	struct fixture *f = *state;
	static const unsigned char pdf[] = "%PDF-1.4\0\x01\x02 binary\0";
	char sha[SHA256_HEX_LEN + 1], sha2[SHA256_HEX_LEN + 1];
	struct store_attachment a = {
		.filename = "invoice.pdf",
		.content_type = "application/pdf",
		.data = pdf,
		.size = sizeof(pdf),
		.sha256 = sha,
	};
	struct atts_ctx ctx = { .data_null = true };
	const char *error = NULL;
	const void *data = NULL;
	size_t len = 0;
	uint64_t n = add_case(f->store, "one", 1);
	int64_t m1 = add_message(f->store, n, "a@x", 1);
	int64_t m2 = add_message(f->store, n, "b@x", 2);
	struct store_stats st;

	sha256_hex(pdf, sizeof(pdf), sha);
	assert_int_equal(store_attachment_add(f->store, m1, &a, &error), 0);
	a.filename = "copy.pdf";
	a.is_inline = true;
	assert_int_equal(store_attachment_add(f->store, m1, &a, &error), 0);
	assert_int_equal(store_attachment_add(f->store, m2, &a, &error), 0);
	/* no hash given: the store computes it, and dedupes on it */
	a.sha256 = NULL;
	assert_int_equal(store_attachment_add(f->store, m2, &a, &error), 0);
	/* a different content, empty */
	a.data = NULL;
	a.size = 0;
	a.filename = "empty.txt";
	assert_int_equal(store_attachment_add(f->store, m2, &a, &error), 0);

	st = stats(f->store);
	assert_int_equal(st.attachments, 5);
	assert_int_equal(st.blobs, 2);

	assert_int_equal(store_message_attachments(f->store, m1, collect_attachment,
						   &ctx, &error), 0);
	assert_int_equal(ctx.n, 2);
	assert_string_equal(ctx.names[0], "invoice.pdf");
	assert_string_equal(ctx.names[1], "copy.pdf");
	assert_false(ctx.inline_[0]);
	assert_true(ctx.inline_[1]);
	assert_int_equal(ctx.sizes[0], sizeof(pdf));
	assert_string_equal(ctx.sha[0], sha);
	assert_true(ctx.data_null);

	assert_int_equal(store_blob_get(f->store, f->pool, sha, &data, &len,
					&error), 1);
	assert_int_equal(len, sizeof(pdf));
	assert_memory_equal(data, pdf, len);

	sha256_hex("", 0, sha2);
	assert_int_equal(store_blob_get(f->store, f->pool, sha2, &data, &len,
					&error), 1);
	assert_int_equal(len, 0);
	assert_non_null(data);

	memset(sha2, 'a', SHA256_HEX_LEN);
	assert_int_equal(store_blob_get(f->store, f->pool, sha2, &data, &len,
					&error), 0);
	assert_null(data);
}

static void test_attachment_bad_hash_or_message_rejected(void **state)
{
	struct fixture *f = *state;
	struct store_attachment a = {
		.filename = "x", .data = "abc", .size = 3,
		.sha256 = "not-a-hash",
	};
	const char *error = NULL;
	uint64_t n = add_case(f->store, "one", 1);
	int64_t m = add_message(f->store, n, "a@x", 1);

	assert_int_equal(store_attachment_add(f->store, m, &a, &error), -1);
	assert_false(store_error_temporary(f->store));
	a.sha256 = NULL;
	assert_int_equal(store_attachment_add(f->store, m + 100, &a, &error), -1);
	assert_false(store_error_temporary(f->store));
	assert_int_equal(stats(f->store).attachments, 0);
}

/* ---- quarantine ---- */

struct quar_ctx {
	int64_t ids[4];
	int64_t when[4];
	char reason[4][64];
	char source[4][64];
	size_t raw_len[4];
	size_t n;
	bool stop;
};

static int collect_quarantine(void *ctx, const struct store_quarantine *q)
{
	struct quar_ctx *c = ctx;

	c->ids[c->n] = q->id;
	c->when[c->n] = q->received_at;
	snprintf(c->reason[c->n], sizeof(c->reason[0]), "%s", q->reason);
	snprintf(c->source[c->n], sizeof(c->source[0]), "%s", q->source);
	c->raw_len[c->n] = q->raw_len;
	c->n++;
	return c->stop ? -5 : 0;
}

static void test_quarantine_add_and_list(void **state)
{
	struct fixture *f = *state;
	static const char raw[] = "garbage\0with\0nuls";
	struct quar_ctx ctx;
	const char *error = NULL;
	int64_t id1 = 0, id2 = 0;

	assert_int_equal(store_quarantine_add(f->store, "deliver", "too big",
					      raw, sizeof(raw) - 1, 100, &id1,
					      &error), 0);
	assert_int_equal(store_quarantine_add(f->store, "imap:support",
					      "no From", "", 0, 200, &id2,
					      &error), 0);
	assert_true(id2 > id1);
	/* the same bytes again (an import run twice, an MTA retrying): kept
	 * once, the first entry's id handed back */
	{
		int64_t id3 = 0;

		assert_int_equal(store_quarantine_add(f->store, "import:x", "again",
						      raw, sizeof(raw) - 1, 300,
						      &id3, &error), 1);
		assert_int_equal(id3, id1);
	}

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_quarantine_list(f->store, collect_quarantine,
					       &ctx, &error), 0);
	assert_int_equal(ctx.n, 2);
	assert_int_equal(ctx.ids[0], id1);
	assert_int_equal(ctx.when[0], 100);
	assert_string_equal(ctx.reason[0], "too big");
	assert_string_equal(ctx.source[0], "deliver");
	assert_int_equal(ctx.raw_len[0], sizeof(raw) - 1);
	assert_int_equal(ctx.ids[1], id2);
	assert_string_equal(ctx.source[1], "imap:support");
	assert_int_equal(ctx.raw_len[1], 0);

	/* the raw bytes come back whole, NULs and all */
	{
		const void *data = NULL;
		size_t len = 0;

		assert_int_equal(store_quarantine_raw(f->store, f->pool, id1,
						      &data, &len, &error), 1);
		assert_int_equal(len, sizeof(raw) - 1);
		assert_memory_equal(data, raw, len);
		assert_int_equal(store_quarantine_raw(f->store, f->pool, id2,
						      &data, &len, &error), 1);
		assert_int_equal(len, 0);
		assert_int_equal(store_quarantine_raw(f->store, f->pool, id2 + 1,
						      &data, &len, &error), 0);
		assert_null(data);
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.stop = true;
	assert_int_equal(store_quarantine_list(f->store, collect_quarantine,
					       &ctx, &error), -5);
	assert_int_equal(ctx.n, 1);
	assert_int_equal(stats(f->store).quarantined, 2);
}

/* ---- stats ---- */

static void test_stats_counts(void **state)
{
	struct fixture *f = *state;
	struct store_attachment a = { .filename = "x", .data = "abc", .size = 3 };
	const char *error = NULL;
	struct store_stats st;
	uint64_t n1 = add_case(f->store, "one", 1);
	uint64_t n2 = add_case(f->store, "two", 1);
	int64_t m;

	add_case(f->store, "three", 1);
	m = add_message(f->store, n1, "a@x", 1);
	add_message(f->store, n2, "b@x", 1);
	add_message(f->store, n2, "c@x", 1);
	assert_int_equal(store_attachment_add(f->store, m, &a, &error), 0);
	assert_int_equal(store_case_set_status(f->store, n2, CASE_CLOSED, 5, &error), 0);
	assert_int_equal(store_quarantine_add(f->store, "deliver", "bad", "x", 1,
					      1, NULL, &error), 0);

	st = stats(f->store);
	assert_int_equal(st.cases, 3);
	assert_int_equal(st.open_cases, 2);
	assert_int_equal(st.messages, 3);
	assert_int_equal(st.attachments, 1);
	assert_int_equal(st.blobs, 1);
	assert_int_equal(st.quarantined, 1);
}

/* Per account and mailbox; a later set replaces, others are untouched. */
static void test_imap_state(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	uint32_t validity = 9, last = 9;

	assert_int_equal(store_imap_state_get(f->store, "fr", "INBOX", &validity,
					      &last, &error), 0);
	assert_int_equal(validity, 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_imap_state_set(f->store, "fr", "INBOX", 77, 10, 1,
					      &error), 0);
	assert_int_equal(store_imap_state_set(f->store, "fr", "Other", 5, 3, 1,
					      &error), 0);
	assert_int_equal(store_imap_state_set(f->store, "en", "INBOX", 4000000000u,
					      4000000001u, 1, &error), 0);
	assert_int_equal(store_imap_state_set(f->store, "fr", "INBOX", 78, 2, 2,
					      &error), 0);
	assert_int_equal(store_imap_state_get(f->store, "fr", "INBOX", &validity,
					      &last, &error), 1);
	assert_int_equal(validity, 78);
	assert_int_equal(last, 2);
	assert_int_equal(store_imap_state_get(f->store, "fr", "Other", &validity,
					      &last, &error), 1);
	assert_int_equal(validity, 5);
	assert_int_equal(last, 3);
	/* UIDs are unsigned 32-bit: the top of the range survives. */
	assert_int_equal(store_imap_state_get(f->store, "en", "INBOX", &validity,
					      &last, &error), 1);
	assert_int_equal(validity, 4000000000u);
	assert_int_equal(last, 4000000001u);
}

/* A state recorded inside a transaction that is rolled back is gone: the
 * fetcher relies on the last UID moving only with what was committed. */
static void test_imap_state_rolls_back(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	uint32_t validity, last;

	assert_int_equal(store_imap_state_set(f->store, "a", "INBOX", 1, 5, 1,
					      &error), 0);
	assert_int_equal(store_begin(f->store, &error), 0);
	assert_int_equal(store_imap_state_set(f->store, "a", "INBOX", 1, 50, 1,
					      &error), 0);
	store_rollback(f->store);
	assert_int_equal(store_imap_state_get(f->store, "a", "INBOX", &validity,
					      &last, &error), 1);
	assert_int_equal(last, 5);
}

static int64_t queue_mail(struct store *store, uint64_t number,
			  const char *msgid, int64_t when)
{
	struct store_outbox o = {
		.case_number = number, .kind = "ack_new_case",
		.message_id = msgid, .mail_from = "bounces@support.example",
		.rcpt = "alice@example.com", .raw = "Subject: x\r\n\r\nbody\r\n",
		.raw_len = 21, .created_at = when,
	};
	const char *error = NULL;
	int64_t id = 0;

	if (store_outbox_add(store, &o, &id, &error) < 0)
		fail_msg("store_outbox_add: %s", error);
	return id;
}

static int count_outbox(void *ctx, const struct store_outbox *o)
{
	(*(unsigned *)ctx)++;
	assert_string_equal(o->kind, "ack_new_case");
	return 0;
}

/* The life of an outgoing mail: queued, due, retried, sent or failed;
 * its Message-ID threads replies into the case. */
static void test_outbox_life(void **state)
{
	struct fixture *f = *state;
	uint64_t n = add_case(f->store, "one", 100);
	int64_t a = queue_mail(f->store, n, "ack-1@gw", 100);
	int64_t b = queue_mail(f->store, n, "ack-2@gw", 100);
	int64_t c = queue_mail(f->store, 0, "notice@gw", 100);
	struct store_outbox *o = NULL;
	const char *error = NULL;
	int64_t *ids;
	size_t count;
	uint64_t found = 0;
	unsigned listed = 0;

	assert_int_equal(store_message_id_case(f->store, "ack-1@gw", &found, &error), 1);
	assert_int_equal(found, n);
	assert_int_equal(store_message_id_case(f->store, "notice@gw", &found, &error), 0);

	assert_int_equal(store_outbox_due(f->store, f->pool, 100, 10, &ids, &count, &error), 0);
	assert_int_equal(count, 3);
	assert_int_equal(ids[0], a);
	assert_int_equal(store_outbox_due(f->store, f->pool, 100, 2, &ids, &count, &error), 0);
	assert_int_equal(count, 2);

	assert_int_equal(store_outbox_get(f->store, f->pool, a, &o, &error), 1);
	assert_int_equal(o->raw_len, 21);
	assert_memory_equal(o->raw, "Subject: x\r\n\r\nbody\r\n", 21);
	assert_string_equal(o->rcpt, "alice@example.com");
	assert_int_equal(o->status, OUTBOX_QUEUED);

	assert_int_equal(store_outbox_mark_sent(f->store, a, 101, &error), 0);
	assert_int_equal(store_outbox_mark_retry(f->store, b, 160, "451 busy", &error), 0);
	assert_int_equal(store_outbox_mark_failed(f->store, c, "550 no such user", &error), 0);
	/* once sent, nothing more happens to it */
	assert_int_equal(store_outbox_mark_sent(f->store, a, 102, &error), -1);
	assert_false(store_error_temporary(f->store));
	assert_int_equal(store_outbox_requeue(f->store, a, 103, &error), -1);

	/* b is not due before 160 */
	assert_int_equal(store_outbox_due(f->store, f->pool, 159, 10, &ids, &count, &error), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_outbox_due(f->store, f->pool, 160, 10, &ids, &count, &error), 0);
	assert_int_equal(count, 1);
	assert_int_equal(ids[0], b);
	assert_int_equal(store_outbox_get(f->store, f->pool, b, &o, &error), 1);
	assert_int_equal(o->attempts, 1);
	assert_string_equal(o->last_error, "451 busy");

	assert_int_equal(store_outbox_get(f->store, f->pool, c, &o, &error), 1);
	assert_int_equal(o->status, OUTBOX_FAILED);
	assert_int_equal(store_outbox_requeue(f->store, c, 200, &error), 0);
	assert_int_equal(store_outbox_due(f->store, f->pool, 200, 10, &ids, &count, &error), 0);
	assert_int_equal(count, 2);

	assert_int_equal(store_outbox_list(f->store, OUTBOX_SENT, count_outbox,
					   &listed, &error), 0);
	assert_int_equal(listed, 1);
	listed = 0;
	assert_int_equal(store_outbox_list(f->store, -1, count_outbox, &listed, &error), 0);
	assert_int_equal(listed, 3);
	assert_int_equal(store_outbox_get(f->store, f->pool, 999, &o, &error), 0);
}

static void test_outbox_message_id_unique(void **state)
{
	struct fixture *f = *state;
	uint64_t n = add_case(f->store, "one", 100);
	struct store_outbox o = {
		.case_number = n, .kind = "ack_new_case", .message_id = "same@gw",
		.mail_from = "b@x", .rcpt = "a@x", .raw = "x", .raw_len = 1,
	};
	const char *error = NULL;

	assert_int_equal(store_outbox_add(f->store, &o, NULL, &error), 0);
	assert_int_equal(store_outbox_add(f->store, &o, NULL, &error), -1);
}

static void test_auto_reply_counts(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	unsigned count = 9;

	assert_int_equal(store_auto_reply_count(f->store, "a@x", 0, &count, &error), 0);
	assert_int_equal(count, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_auto_reply_add(f->store, "A@X", 100 + i, &error), 0);
	assert_int_equal(store_auto_reply_add(f->store, "b@x", 100, &error), 0);
	assert_int_equal(store_auto_reply_count(f->store, "a@x", 0, &count, &error), 0);
	assert_int_equal(count, 3);
	assert_int_equal(store_auto_reply_count(f->store, "a@X", 101, &count, &error), 0);
	assert_int_equal(count, 2);
}

#define MEM(t) cmocka_unit_test_setup_teardown(t, setup_memory, teardown)
#define DIR(t) cmocka_unit_test_setup_teardown(t, setup_dir, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		MEM(test_open_memory_is_empty),
		DIR(test_open_creates_parent_folders),
		DIR(test_reopen_keeps_data_and_version),
		DIR(test_newer_schema_refused),
		DIR(test_parent_is_a_file_is_permanent),
		DIR(test_path_is_a_folder_is_permanent),
		DIR(test_unwritable_folder_is_temporary),
		DIR(test_not_a_database_is_permanent),
		MEM(test_case_numbers_are_a_sequence),
		MEM(test_case_fields_round_trip),
		MEM(test_case_link_to_unknown_case_rejected),
		MEM(test_case_get_unknown),
		MEM(test_set_status_sets_closed_at),
		MEM(test_set_status_unknown_case),
		MEM(test_cases_list_filter_order_stop),
		MEM(test_iterator_is_reentrant),
		MEM(test_nested_rollback_keeps_outer_work),
		MEM(test_outer_rollback_undoes_everything),
		DIR(test_commit_visible_to_other_handle),
		DIR(test_busy_writer_is_temporary),
		MEM(test_duplicate_message_id_rejected),
		MEM(test_message_id_case_both_directions),
		MEM(test_message_fields_round_trip),
		MEM(test_message_add_bumps_updated_at),
		MEM(test_message_for_unknown_case_rejected),
		MEM(test_participants_unique_lower_case),
		MEM(test_blobs_deduplicated_by_hash),
		MEM(test_attachment_bad_hash_or_message_rejected),
		MEM(test_quarantine_add_and_list),
		MEM(test_stats_counts),
		MEM(test_imap_state),
		MEM(test_imap_state_rolls_back),
		MEM(test_outbox_life),
		MEM(test_outbox_message_id_unique),
		MEM(test_auto_reply_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
