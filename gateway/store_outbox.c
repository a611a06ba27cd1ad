/*
 * store_outbox.c - IMAP fetch state, the outbox and the automatic answers' rate limit; the SQLite backend of store.h
 * (see store_sqlite.c for how statements and migrations are kept).
 */
#include "store_private.h"

#include "log.h"
#include "pool.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- IMAP fetch state ---- */

int store_imap_state_get(struct store *store, const char *account,
			 const char *mailbox, uint32_t *uidvalidity_r,
			 uint32_t *last_uid_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_IMAP_GET);
	struct binder b = { stmt, SQLITE_OK };
	int rc, ret = 0;

	*uidvalidity_r = 0;
	*last_uid_r = 0;
	bind_text(&b, 1, account);
	bind_text(&b, 2, mailbox);
	rc = b.rc == SQLITE_OK ? sqlite3_step(stmt) : b.rc;
	if (rc == SQLITE_ROW) {
		*uidvalidity_r = (uint32_t)sqlite3_column_int64(stmt, 0);
		*last_uid_r = (uint32_t)sqlite3_column_int64(stmt, 1);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r,
				 "cannot read the IMAP state of %s", account);
	}
	sqlite3_reset(stmt);
	return ret;
}

int store_imap_state_set(struct store *store, const char *account,
			 const char *mailbox, uint32_t uidvalidity,
			 uint32_t last_uid, int64_t when, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_IMAP_SET), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_text(&b, 1, account);
	bind_text(&b, 2, mailbox);
	bind_int(&b, 3, uidvalidity);
	bind_int(&b, 4, last_uid);
	bind_int(&b, 5, when);
	return stmt_write(store, &b, error_r, "record the IMAP state");
}

/* ---- outbox ---- */

int store_outbox_add(struct store *store, const struct store_outbox *o,
		     int64_t *id_r, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_OUT_ADD), SQLITE_OK };
	int64_t id;

	if (check_transaction(store, error_r) < 0)
		return -1;
	if (o->case_number != 0)
		bind_int(&b, 1, (int64_t)o->case_number);
	else if (b.rc == SQLITE_OK)
		b.rc = sqlite3_bind_null(b.stmt, 1);
	bind_text(&b, 2, o->kind);
	bind_text(&b, 3, o->message_id);
	bind_text(&b, 4, o->mail_from);
	bind_text(&b, 5, o->rcpt);
	bind_blob(&b, 6, o->raw, o->raw_len);
	bind_int(&b, 7, o->created_at);
	if (stmt_write(store, &b, error_r, "queue an outgoing mail") < 0)
		return -1;
	id = sqlite3_last_insert_rowid(store->db);
	if (id_r != NULL)
		*id_r = id;
	/* Replies to it name its Message-ID: they thread into the case even
	 * when the customer edits the subject. */
	if (o->case_number != 0) {
		struct binder m = { stmt_lazy(store, ST_MSGID_ADD), SQLITE_OK };

		bind_text(&m, 1, o->message_id);
		bind_int(&m, 2, (int64_t)o->case_number);
		if (m.rc == SQLITE_OK)
			m.rc = sqlite3_bind_null(m.stmt, 3);
		if (stmt_write(store, &m, error_r, "record an outgoing Message-ID") < 0)
			return -1;
	}
	return 0;
}

int store_outbox_due(struct store *store, struct pool *pool, int64_t now,
		     unsigned limit, int64_t **ids_r, size_t *count_r,
		     const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_OUT_DUE);
	int64_t *ids = pool_alloc(pool, (limit > 0 ? limit : 1) * sizeof(*ids));
	size_t n = 0;
	int rc;

	*ids_r = ids;
	*count_r = 0;
	rc = sqlite3_bind_int64(stmt, 1, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 2, limit);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n < limit)
			ids[n++] = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_OK)
		return store_fail(store, rc, error_r, "cannot list the outbox");
	*count_r = n;
	return 0;
}

static void row_outbox(sqlite3_stmt *stmt, struct store_outbox *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(stmt, 0);
	o->case_number = (uint64_t)sqlite3_column_int64(stmt, 1);
	o->kind = col_text(stmt, 2);
	o->message_id = col_text(stmt, 3);
	o->mail_from = col_text(stmt, 4);
	o->rcpt = col_text(stmt, 5);
	switch (sqlite3_column_int(stmt, 6)) {
	case 1: o->status = OUTBOX_SENT; break;
	case 2: o->status = OUTBOX_FAILED; break;
	default: o->status = OUTBOX_QUEUED; break;
	}
	o->attempts = (unsigned)sqlite3_column_int64(stmt, 7);
	o->created_at = sqlite3_column_int64(stmt, 8);
	o->next_attempt_at = sqlite3_column_int64(stmt, 9);
	o->sent_at = sqlite3_column_int64(stmt, 10);
	o->last_error = col_text(stmt, 11);
	o->raw_len = (size_t)sqlite3_column_int64(stmt, 12);
}

int store_outbox_get(struct store *store, struct pool *pool, int64_t id,
		     struct store_outbox **o_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_OUT_GET);
	struct store_outbox *o;
	int rc, ret = 0;

	*o_r = NULL;
	rc = sqlite3_bind_int64(stmt, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const void *raw = sqlite3_column_blob(stmt, 13);
		char *copy;

		o = pool_alloc(pool, sizeof(*o));
		row_outbox(stmt, o);
		o->kind = pool_strdup(pool, o->kind);
		o->message_id = pool_strdup(pool, o->message_id);
		o->mail_from = pool_strdup(pool, o->mail_from);
		o->rcpt = pool_strdup(pool, o->rcpt);
		o->last_error = pool_strdup(pool, o->last_error);
		copy = pool_alloc(pool, o->raw_len + 1);
		if (o->raw_len > 0)
			memcpy(copy, raw, o->raw_len);
		o->raw = copy;
		*o_r = o;
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r, "cannot read outgoing mail %lld",
				 (long long)id);
	}
	sqlite3_reset(stmt);
	return ret;
}

static int outbox_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_outbox o;

	row_outbox(stmt, &o);
	return it->cb.outbox(it->ctx, &o);
}

int store_outbox_list(struct store *store, int status_filter,
		      store_outbox_cb *cb, void *ctx, const char **error_r)
{
	struct iter it = { .cb.outbox = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, ST_OUT_LIST, &stmt, error_r) < 0)
		return -1;
	return iterate(store, ST_OUT_LIST, stmt,
		       sqlite3_bind_int(stmt, 1, status_filter < 0 ? -1 : status_filter),
		       outbox_row, &it, error_r, "the outbox");
}

/* One UPDATE of a queued row; -1 also when the row is not queued (then
 * not temporary). */
static int outbox_update(struct store *store, struct binder *b,
			 const char **error_r, const char *what, int64_t id)
{
	if (stmt_write(store, b, error_r, what) < 0)
		return -1;
	if (sqlite3_changes(store->db) == 0)
		return store_fail(store, SQLITE_OK, error_r,
				  "outgoing mail %lld is not queued", (long long)id);
	return 0;
}

int store_outbox_mark_sent(struct store *store, int64_t id, int64_t when,
			   const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_OUT_SENT), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, id);
	bind_int(&b, 2, when);
	return outbox_update(store, &b, error_r, "mark a mail sent", id);
}

int store_outbox_mark_retry(struct store *store, int64_t id, int64_t next_at,
			    const char *reason, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_OUT_RETRY), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, id);
	bind_int(&b, 2, next_at);
	bind_text(&b, 3, reason);
	return outbox_update(store, &b, error_r, "schedule a retry", id);
}

int store_outbox_mark_failed(struct store *store, int64_t id,
			     const char *reason, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_OUT_FAILED), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, id);
	bind_text(&b, 2, reason);
	return outbox_update(store, &b, error_r, "mark a mail failed", id);
}

int store_outbox_requeue(struct store *store, int64_t id, int64_t now,
			 const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_OUT_REQUEUE), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, id);
	bind_int(&b, 2, now);
	if (stmt_write(store, &b, error_r, "queue a mail again") < 0)
		return -1;
	if (sqlite3_changes(store->db) == 0)
		return store_fail(store, SQLITE_OK, error_r, "no queued or failed "
				  "mail %lld (a sent mail is not sent again)",
				  (long long)id);
	return 0;
}

/* ---- automatic answers per address ---- */

int store_auto_reply_count(struct store *store, const char *address,
			   int64_t since, unsigned *count_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_AUTO_COUNT);
	struct binder b = { stmt, SQLITE_OK };
	int rc;

	*count_r = 0;
	bind_text(&b, 1, address);
	bind_int(&b, 2, since);
	rc = b.rc == SQLITE_OK ? sqlite3_step(stmt) : b.rc;
	if (rc == SQLITE_ROW)
		*count_r = (unsigned)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_fail(store, rc, error_r, "cannot count automatic answers");
	return 0;
}

int store_auto_reply_add(struct store *store, const char *address,
			 int64_t when, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_AUTO_ADD), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_text(&b, 1, address);
	bind_int(&b, 2, when);
	return stmt_write(store, &b, error_r, "count an automatic answer");
}
