/*
 * test_contracts_store.c - the contract and renewal-notice calls of the
 * store (gateway/store_contracts.c) through store.h, on ":memory:" stores:
 * upsert (insert, update, what is normalised), get, the list filters and
 * orders, by_email, by_key, count, and the renewal ledger as
 * store_renewal_candidates() reports it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "store.h"
#include "strbuf.h"

struct fixture {
	struct store *store;
	struct pool *pool;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;

	assert_non_null(f);
	assert_int_equal(store_open(":memory:", &f->store, &error), 0);
	f->pool = pool_new(4096);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(&f->store);
	assert_null(f->store);
	pool_free(&f->pool);
	free(f);
	return 0;
}

/* A contract with every field set from id, email, region, expires. */
static struct store_contract contract(const char *id, const char *email,
				      const char *region, const char *expires)
{
	return (struct store_contract){
		.id = id, .customer_email = email, .customer_name = "Hélène Dupré",
		.company = "Dupont, Fils & Cie", .product = "Gateway Pro",
		.serial = NULL, .region = region, .language = "fr",
		.level = "standard", .starts = "2025-01-01", .expires = expires,
		.auto_renew = false, .renewal_id = NULL, .updated_at = 1000,
	};
}

static void upsert(struct fixture *f, const struct store_contract *c,
		   bool want_inserted)
{
	const char *error = NULL;
	bool inserted = !want_inserted;

	assert_int_equal(store_contract_upsert(f->store, c, &inserted, &error), 0);
	assert_int_equal(inserted, want_inserted);
}

/* Collects the ids an iterator returns, space-separated. */
static int collect(void *ctx, const struct store_contract *c)
{
	struct strbuf *b = ctx;

	assert_int_equal(strbuf_appendf(b, "%s%s", b->len > 0 ? " " : "", c->id), 0);
	return 0;
}

static char *list(struct fixture *f, const char *from, const char *to,
		  const char *region)
{
	struct strbuf b;
	const char *error = NULL;

	strbuf_init(&b, 4096);
	assert_int_equal(store_contracts_list(f->store, from, to, region,
					      collect, &b, &error), 0);
	return strbuf_detach(&b);
}

#define assert_ids(expr, want) do { \
		char *got_ = (expr); \
		assert_string_equal(got_, want); \
		free(got_); \
	} while (0)

static void test_upsert_inserts_then_updates(void **state)
{
	struct fixture *f = *state;
	struct store_contract c = contract("C1", "Jean.Dupont@Example.COM", "EMEA", "2026-03-31");
	struct store_contract *got;
	const char *error = NULL;
	uint64_t n = 99;

	assert_int_equal(store_contract_count(f->store, &n, &error), 0);
	assert_int_equal(n, 0);
	c.serial = "SN-1";
	c.renewal_id = "R-0000001";
	c.auto_renew = true;
	upsert(f, &c, true);
	assert_int_equal(store_contract_get(f->store, f->pool, "C1", &got, &error), 1);
	assert_string_equal(got->id, "C1");
	/* addresses are kept lower-case: they are looked up by the sender */
	assert_string_equal(got->customer_email, "jean.dupont@example.com");
	assert_string_equal(got->customer_name, "Hélène Dupré");
	assert_string_equal(got->company, "Dupont, Fils & Cie");
	assert_string_equal(got->product, "Gateway Pro");
	assert_string_equal(got->serial, "SN-1");
	assert_string_equal(got->region, "EMEA");
	assert_string_equal(got->language, "fr");
	assert_string_equal(got->level, "standard");
	assert_string_equal(got->starts, "2025-01-01");
	assert_string_equal(got->expires, "2026-03-31");
	assert_true(got->auto_renew);
	assert_string_equal(got->renewal_id, "R-0000001");
	assert_int_equal(got->updated_at, 1000);

	/* the same id again replaces every field, NULLs included */
	c = contract("C1", "other@example.org", "AMS", "2027-03-31");
	c.customer_name = NULL;
	c.level = NULL;
	c.updated_at = 2000;
	upsert(f, &c, false);
	assert_int_equal(store_contract_count(f->store, &n, &error), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_contract_get(f->store, f->pool, "C1", &got, &error), 1);
	assert_string_equal(got->customer_email, "other@example.org");
	assert_null(got->customer_name);
	assert_null(got->serial);
	assert_null(got->renewal_id);
	assert_false(got->auto_renew);
	assert_string_equal(got->region, "AMS");
	assert_string_equal(got->expires, "2027-03-31");
	/* no level is level none */
	assert_string_equal(got->level, "none");
	assert_int_equal(got->updated_at, 2000);

	/* inserted_r may be NULL */
	c = contract("C2", NULL, NULL, NULL);
	assert_int_equal(store_contract_upsert(f->store, &c, NULL, &error), 0);
	assert_int_equal(store_contract_count(f->store, &n, &error), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_contract_get(f->store, f->pool, "C2", &got, &error), 1);
	assert_null(got->customer_email);
	assert_null(got->region);
	assert_null(got->expires);
}

static void test_get_unknown_and_case_sensitive_id(void **state)
{
	struct fixture *f = *state;
	struct store_contract c = contract("C-abc", "a@example.com", "EMEA", "2026-01-01");
	struct store_contract *got = NULL;
	const char *error = NULL;

	upsert(f, &c, true);
	assert_int_equal(store_contract_get(f->store, f->pool, "C-none", &got, &error), 0);
	assert_null(got);
	/* ids are exact: a customer's "C-ABC" is another contract */
	assert_int_equal(store_contract_get(f->store, f->pool, "C-ABC", &got, &error), 0);
}

static void test_upsert_in_a_rolled_back_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_contract c = contract("C1", "a@example.com", "EMEA", "2026-01-01");
	const char *error = NULL;
	uint64_t n = 99;

	assert_int_equal(store_begin(f->store, &error), 0);
	upsert(f, &c, true);
	store_rollback(f->store);
	assert_int_equal(store_contract_count(f->store, &n, &error), 0);
	assert_int_equal(n, 0);
}

static void fill(struct fixture *f)
{
	struct store_contract c;

	c = contract("C3", "b@example.com", "JP", "2026-02-01");
	upsert(f, &c, true);
	c = contract("C1", "a@example.com", "EMEA", "2026-01-15");
	c.serial = "SN-AAA";
	upsert(f, &c, true);
	c = contract("C2", "A@Example.com", "EMEA", "2026-03-01");
	c.renewal_id = "R-1";
	upsert(f, &c, true);
	c = contract("C4", "c@example.com", "EMEA", "2026-01-15");
	c.serial = "R-1";         /* a serial that is another's renewal id */
	upsert(f, &c, true);
	c = contract("C5", "c@example.com", NULL, NULL);
	upsert(f, &c, true);
}

static void test_list_orders_and_filters(void **state)
{
	struct fixture *f = *state;

	fill(f);
	/* by expiry date, then id; no expiry sorts first (NULL) */
	assert_ids(list(f, NULL, NULL, NULL), "C5 C1 C4 C3 C2");
	/* bounds are inclusive and leave out contracts without a date */
	assert_ids(list(f, "2026-01-15", NULL, NULL), "C1 C4 C3 C2");
	assert_ids(list(f, NULL, "2026-02-01", NULL), "C1 C4 C3");
	assert_ids(list(f, "2026-01-16", "2026-02-28", NULL), "C3");
	assert_ids(list(f, "2026-01-15", "2026-01-15", NULL), "C1 C4");
	assert_ids(list(f, "2027-01-01", NULL, NULL), "");
	assert_ids(list(f, NULL, NULL, "EMEA"), "C1 C4 C2");
	assert_ids(list(f, NULL, NULL, "JP"), "C3");
	assert_ids(list(f, NULL, NULL, "SG"), "");
	assert_ids(list(f, "2026-01-01", "2026-02-15", "EMEA"), "C1 C4");
}

static int stop_at_first(void *ctx, const struct store_contract *c)
{
	(*(int *)ctx)++;
	return 7;
}

static void test_list_callback_stops(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	int calls = 0;

	fill(f);
	assert_int_equal(store_contracts_list(f->store, NULL, NULL, NULL,
					      stop_at_first, &calls, &error), 7);
	assert_int_equal(calls, 1);
}

static void test_by_email(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	struct strbuf b;

	fill(f);
	strbuf_init(&b, 4096);
	/* any case; latest expiry first */
	assert_int_equal(store_contracts_by_email(f->store, "A@EXAMPLE.COM", collect,
						  &b, &error), 0);
	assert_string_equal(strbuf_str(&b), "C2 C1");
	strbuf_reset(&b);
	assert_int_equal(store_contracts_by_email(f->store, "nobody@example.com",
						  collect, &b, &error), 0);
	assert_string_equal(strbuf_str(&b), "");
	strbuf_deinit(&b);
}

static char *by_key(struct fixture *f, const char *key)
{
	struct strbuf b;
	const char *error = NULL;

	strbuf_init(&b, 4096);
	assert_int_equal(store_contracts_by_key(f->store, key, collect, &b, &error), 0);
	return strbuf_detach(&b);
}

static void test_by_key_matches_id_serial_renewal_id(void **state)
{
	struct fixture *f = *state;

	fill(f);
	assert_ids(by_key(f, "C3"), "C3");
	assert_ids(by_key(f, "SN-AAA"), "C1");
	/* R-1 is C2's renewal id and C4's serial: both */
	char *got = by_key(f, "R-1");
	assert_true(strcmp(got, "C2 C4") == 0 || strcmp(got, "C4 C2") == 0);
	free(got);
	assert_ids(by_key(f, "unknown"), "");
	assert_ids(by_key(f, "sn-aaa"), "");
}

/* ---- renewals ---------------------------------------------------------------- */

static int collect_candidate(void *ctx, const struct store_contract *c)
{
	struct strbuf *b = ctx;

	if (c->notice_sent)
		assert_int_equal(strbuf_appendf(b, "%s%s/%d", b->len > 0 ? " " : "",
						 c->id, c->notice_step), 0);
	else
		assert_int_equal(strbuf_appendf(b, "%s%s/-", b->len > 0 ? " " : "",
						 c->id), 0);
	return 0;
}

static char *candidates(struct fixture *f, const char *from, const char *to)
{
	struct strbuf b;
	const char *error = NULL;

	strbuf_init(&b, 4096);
	assert_int_equal(store_renewal_candidates(f->store, from, to,
						  collect_candidate, &b, &error), 0);
	return strbuf_detach(&b);
}

static int notice_add(struct fixture *f, const char *contract,
		      const char *expires, int step)
{
	struct store_notice n = {
		.contract = contract, .expires = expires, .step = step,
		.kind = "reminder", .run_date = "2025-11-01", .at = 5000 - step,
	};
	const char *error = NULL;

	return store_renewal_notice_add(f->store, &n, &error);
}

static void test_renewal_candidates_order_and_notices(void **state)
{
	struct fixture *f = *state;

	fill(f);
	/* by customer, region, expiry, id; the range is inclusive */
	assert_ids(candidates(f, "2026-01-01", "2026-12-31"),
		   "C1/- C2/- C3/- C4/-");
	assert_ids(candidates(f, "2026-01-16", "2026-03-01"), "C2/- C3/-");

	assert_int_equal(notice_add(f, "C1", "2026-01-15", 60), 0);
	assert_ids(candidates(f, "2026-01-01", "2026-01-31"), "C1/60 C4/-");
	/* the step shown is the smallest sent: the latest in the series */
	assert_int_equal(notice_add(f, "C1", "2026-01-15", 30), 0);
	assert_int_equal(notice_add(f, "C1", "2026-01-15", 90), 0);
	assert_ids(candidates(f, "2026-01-01", "2026-01-31"), "C1/30 C4/-");
	/* after expiry: negative steps */
	assert_int_equal(notice_add(f, "C4", "2026-01-15", -15), 0);
	assert_ids(candidates(f, "2026-01-01", "2026-01-31"), "C1/30 C4/-15");
}

static void test_renewal_notice_once_per_step(void **state)
{
	struct fixture *f = *state;

	fill(f);
	assert_int_equal(notice_add(f, "C3", "2026-02-01", 30), 0);
	/* a repeat writes nothing and says so: the caller must not send */
	assert_int_equal(notice_add(f, "C3", "2026-02-01", 30), 1);
	assert_int_equal(notice_add(f, "C3", "2026-02-01", 30), 1);
	/* another step or another expiry date is another notice */
	assert_int_equal(notice_add(f, "C3", "2026-02-01", 7), 0);
	assert_int_equal(notice_add(f, "C3", "2027-02-01", 30), 0);
}

static void test_renewed_contract_starts_a_new_series(void **state)
{
	struct fixture *f = *state;
	struct store_contract c = contract("C9", "r@example.com", "SG", "2026-01-10");

	upsert(f, &c, true);
	assert_int_equal(notice_add(f, "C9", "2026-01-10", 7), 0);
	assert_ids(candidates(f, "2026-01-01", "2027-12-31"), "C9/7");
	/* the customer renewed: a new expiry date, no notice for it yet */
	c.expires = "2027-01-10";
	upsert(f, &c, false);
	assert_ids(candidates(f, "2026-01-01", "2027-12-31"), "C9/-");
}

static int collect_notice(void *ctx, const struct store_notice *n)
{
	struct strbuf *b = ctx;

	assert_int_equal(strbuf_appendf(b, "%s%s@%s:%d:%s:%s", b->len > 0 ? " " : "",
					n->contract, n->expires, n->step, n->kind,
					n->run_date), 0);
	return 0;
}

static void test_renewal_notices_oldest_first(void **state)
{
	struct fixture *f = *state;
	struct strbuf b;
	const char *error = NULL;

	fill(f);
	/* notice_add's at is 5000 - step: 90 is the oldest */
	assert_int_equal(notice_add(f, "C1", "2026-01-15", 30), 0);
	assert_int_equal(notice_add(f, "C1", "2026-01-15", 90), 0);
	assert_int_equal(notice_add(f, "C2", "2026-03-01", 60), 0);
	strbuf_init(&b, 4096);
	assert_int_equal(store_renewal_notices(f->store, "C1", collect_notice, &b, &error), 0);
	assert_string_equal(strbuf_str(&b),
			    "C1@2026-01-15:90:reminder:2025-11-01 C1@2026-01-15:30:reminder:2025-11-01");
	strbuf_reset(&b);
	assert_int_equal(store_renewal_notices(f->store, "C5", collect_notice, &b, &error), 0);
	assert_string_equal(strbuf_str(&b), "");
	strbuf_deinit(&b);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_upsert_inserts_then_updates),
		T(test_get_unknown_and_case_sensitive_id),
		T(test_upsert_in_a_rolled_back_transaction),
		T(test_list_orders_and_filters),
		T(test_list_callback_stops),
		T(test_by_email),
		T(test_by_key_matches_id_serial_renewal_id),
		T(test_renewal_candidates_order_and_notices),
		T(test_renewal_notice_once_per_step),
		T(test_renewed_contract_starts_a_new_series),
		T(test_renewal_notices_oldest_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
