/*
 * store_contracts.c - contracts and the renewal notices' ledger; the
 * SQLite backend of store.h (see store_sqlite.c for how statements and
 * migrations are kept).
 */
#include "store_private.h"

#include "pool.h"

#include <string.h>

/* Borrowed: the strings point into the statement's current row. */
static void row_contract(sqlite3_stmt *stmt, struct store_contract *c)
{
	memset(c, 0, sizeof(*c));
	c->id = col_text(stmt, 0);
	c->customer_email = col_text(stmt, 1);
	c->customer_name = col_text(stmt, 2);
	c->company = col_text(stmt, 3);
	c->product = col_text(stmt, 4);
	c->serial = col_text(stmt, 5);
	c->region = col_text(stmt, 6);
	c->language = col_text(stmt, 7);
	c->level = col_text(stmt, 8);
	c->starts = col_text(stmt, 9);
	c->expires = col_text(stmt, 10);
	c->auto_renew = sqlite3_column_int(stmt, 11) != 0;
	c->renewal_id = col_text(stmt, 12);
	c->updated_at = sqlite3_column_int64(stmt, 13);
}

int store_contract_upsert(struct store *store, const struct store_contract *c,
			  bool *inserted_r, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_CONTRACT_EXISTS), SQLITE_OK };
	bool exists = false;

	if (check_transaction(store, error_r) < 0)
		return -1;
	/* Only when asked: an import of a million rows pays one look-up less
	 * per row when it does not count. */
	if (inserted_r != NULL) {
		int rc;

		bind_text(&b, 1, c->id);
		rc = b.rc == SQLITE_OK ? sqlite3_step(b.stmt) : b.rc;
		sqlite3_reset(b.stmt);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_fail(store, rc, error_r,
					  "cannot look up contract %s", c->id);
		exists = rc == SQLITE_ROW;
	}
	b = (struct binder){ stmt_lazy(store, ST_CONTRACT_UPSERT), SQLITE_OK };
	bind_text(&b, 1, c->id);
	bind_text(&b, 2, c->customer_email);
	bind_text(&b, 3, c->customer_name);
	bind_text(&b, 4, c->company);
	bind_text(&b, 5, c->product);
	bind_text(&b, 6, c->serial);
	bind_text(&b, 7, c->region);
	bind_text(&b, 8, c->language);
	bind_text(&b, 9, c->level != NULL ? c->level : "none");
	bind_text(&b, 10, c->starts);
	bind_text(&b, 11, c->expires);
	bind_int(&b, 12, c->auto_renew ? 1 : 0);
	bind_text(&b, 13, c->renewal_id);
	bind_int(&b, 14, c->updated_at);
	if (stmt_write(store, &b, error_r, "store a contract") < 0)
		return -1;
	if (inserted_r != NULL)
		*inserted_r = !exists;
	return 0;
}

static const char *dup(struct pool *pool, const char *s)
{
	return s != NULL ? pool_strdup(pool, s) : NULL;
}

int store_contract_get(struct store *store, struct pool *pool, const char *id,
		       struct store_contract **c_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_CONTRACT_GET);
	int rc = sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	int ret = 0;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		struct store_contract row, *c = pool_alloc(pool, sizeof(*c));

		row_contract(stmt, &row);
		*c = row;
		c->id = dup(pool, row.id);
		c->customer_email = dup(pool, row.customer_email);
		c->customer_name = dup(pool, row.customer_name);
		c->company = dup(pool, row.company);
		c->product = dup(pool, row.product);
		c->serial = dup(pool, row.serial);
		c->region = dup(pool, row.region);
		c->language = dup(pool, row.language);
		c->level = dup(pool, row.level);
		c->starts = dup(pool, row.starts);
		c->expires = dup(pool, row.expires);
		c->renewal_id = dup(pool, row.renewal_id);
		*c_r = c;
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r, "cannot read contract %s", id);
	}
	sqlite3_reset(stmt);
	return ret;
}

static int contract_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_contract c;

	row_contract(stmt, &c);
	return it->cb.contracts(it->ctx, &c);
}

static int candidate_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_contract c;

	row_contract(stmt, &c);
	c.notice_sent = sqlite3_column_type(stmt, 14) != SQLITE_NULL;
	c.notice_step = sqlite3_column_int(stmt, 14);
	return it->cb.contracts(it->ctx, &c);
}

/* Binds ?1..?n from texts (NULL binds SQL NULL). */
static int bind_texts(sqlite3_stmt *stmt, const char *const *v, int n)
{
	struct binder b = { stmt, SQLITE_OK };

	for (int i = 0; i < n; i++)
		bind_text(&b, i + 1, v[i]);
	return b.rc;
}

static int list(struct store *store, enum stmt_id id, const char *const *args,
		int nargs, row_cb *row, store_contract_cb *cb, void *ctx,
		const char **error_r)
{
	struct iter it = { .cb.contracts = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, id, &stmt, error_r) < 0)
		return -1;
	return iterate(store, id, stmt, bind_texts(stmt, args, nargs), row,
		       &it, error_r, "contracts");
}

int store_contracts_list(struct store *store, const char *expires_from,
			 const char *expires_to, const char *region,
			 store_contract_cb *cb, void *ctx, const char **error_r)
{
	const char *args[] = { expires_from, expires_to, region };

	return list(store, ST_CONTRACTS_LIST, args, 3, contract_row, cb, ctx,
		    error_r);
}

int store_contracts_by_email(struct store *store, const char *email,
			     store_contract_cb *cb, void *ctx,
			     const char **error_r)
{
	return list(store, ST_CONTRACTS_BY_EMAIL, &email, 1, contract_row, cb,
		    ctx, error_r);
}

int store_contracts_by_key(struct store *store, const char *key,
			   store_contract_cb *cb, void *ctx,
			   const char **error_r)
{
	return list(store, ST_CONTRACTS_BY_KEY, &key, 1, contract_row, cb, ctx,
		    error_r);
}

int store_contract_count(struct store *store, uint64_t *count_r,
			 const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_CONTRACT_COUNT);
	int rc = sqlite3_step(stmt);
	int ret = 0;

	if (rc == SQLITE_ROW)
		*count_r = (uint64_t)sqlite3_column_int64(stmt, 0);
	else
		ret = store_fail(store, rc, error_r, "cannot count contracts");
	sqlite3_reset(stmt);
	return ret;
}

int store_renewal_candidates(struct store *store, const char *expires_from,
			     const char *expires_to, store_contract_cb *cb,
			     void *ctx, const char **error_r)
{
	const char *args[] = { expires_from, expires_to };

	return list(store, ST_RENEWAL_CANDIDATES, args, 2, candidate_row, cb,
		    ctx, error_r);
}

int store_renewal_notice_add(struct store *store, const struct store_notice *n,
			     const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_RENEWAL_NOTICE_ADD), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_text(&b, 1, n->contract);
	bind_text(&b, 2, n->expires);
	bind_int(&b, 3, n->step);
	bind_text(&b, 4, n->kind);
	if (n->case_number != 0)
		bind_int(&b, 5, (int64_t)n->case_number);
	else if (b.rc == SQLITE_OK)
		b.rc = sqlite3_bind_null(b.stmt, 5);
	if (n->outbox_id != 0)
		bind_int(&b, 6, n->outbox_id);
	else if (b.rc == SQLITE_OK)
		b.rc = sqlite3_bind_null(b.stmt, 6);
	bind_text(&b, 7, n->run_date);
	bind_int(&b, 8, n->at);
	if (stmt_write(store, &b, error_r, "record a renewal notice") < 0)
		return -1;
	return sqlite3_changes(store->db) == 0 ? 1 : 0;
}

static int notice_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_notice n = {
		.contract = col_text(stmt, 0),
		.expires = col_text(stmt, 1),
		.step = sqlite3_column_int(stmt, 2),
		.kind = col_text(stmt, 3),
		.case_number = (uint64_t)sqlite3_column_int64(stmt, 4),
		.outbox_id = sqlite3_column_int64(stmt, 5),
		.run_date = col_text(stmt, 6),
		.at = sqlite3_column_int64(stmt, 7),
	};

	return it->cb.notices(it->ctx, &n);
}

int store_renewal_notices(struct store *store, const char *contract,
			  store_notice_cb *cb, void *ctx, const char **error_r)
{
	struct iter it = { .cb.notices = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, ST_RENEWAL_NOTICES, &stmt, error_r) < 0)
		return -1;
	return iterate(store, ST_RENEWAL_NOTICES, stmt,
		       sqlite3_bind_text(stmt, 1, contract, -1, SQLITE_STATIC),
		       notice_row, &it, error_r, "renewal notices");
}
