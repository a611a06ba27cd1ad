/*
 * store_cases.c - cases, participants, messages, attachments, quarantine, case events and undeliverable addresses; the SQLite backend of store.h
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

/* ---- cases ---- */

/* Borrowed: the strings point into the statement's current row. */
static void row_case(sqlite3_stmt *stmt, struct store_case *c)
{
	memset(c, 0, sizeof(*c));
	c->number = (uint64_t)sqlite3_column_int64(stmt, 0);
	c->status = sqlite3_column_int(stmt, 1) == CASE_CLOSED ?
		CASE_CLOSED : CASE_OPEN;
	c->subject = col_text(stmt, 2);
	c->requester = col_text(stmt, 3);
	c->requester_name = col_text(stmt, 4);
	c->language = col_text(stmt, 5);
	c->created_at = sqlite3_column_int64(stmt, 6);
	c->updated_at = sqlite3_column_int64(stmt, 7);
	c->closed_at = sqlite3_column_int64(stmt, 8);   /* NULL -> 0 */
	c->linked_to = (uint64_t)sqlite3_column_int64(stmt, 9);
	c->unverified = sqlite3_column_int(stmt, 10) != 0;
	c->message_count = (unsigned)sqlite3_column_int64(stmt, 11);
	c->region = col_text(stmt, 12);
	c->kind = col_text(stmt, 13);
	c->severity = col_text(stmt, 14);
	c->level = col_text(stmt, 15);
	c->due = sqlite3_column_int64(stmt, 16);         /* NULL -> 0 */
	c->contract = col_text(stmt, 17);
	c->renewal_key = col_text(stmt, 18);
}

int store_message_id_case(struct store *store, const char *message_id,
			  uint64_t *case_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_MSGID_CASE);
	struct binder b = { stmt, SQLITE_OK };
	int rc, ret = 0;

	bind_text(&b, 1, message_id);
	rc = b.rc == SQLITE_OK ? sqlite3_step(stmt) : b.rc;
	if (rc == SQLITE_ROW) {
		*case_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r,
				 "cannot look up a Message-ID");
	}
	sqlite3_reset(stmt);
	return ret;
}

int store_case_get(struct store *store, struct pool *pool, uint64_t number,
		   struct store_case **case_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_CASE_GET);
	struct store_case *c;
	int rc, ret = 0;

	*case_r = NULL;
	rc = sqlite3_bind_int64(stmt, 1, (sqlite3_int64)number);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		c = pool_alloc(pool, sizeof(*c));
		row_case(stmt, c);
		c->subject = pool_strdup(pool, c->subject);
		c->requester = pool_strdup(pool, c->requester);
		c->requester_name = pool_strdup(pool, c->requester_name);
		c->language = pool_strdup(pool, c->language);
		c->region = pool_strdup(pool, c->region);
		/* schema 4's columns too: sqlite3's strings die at the reset */
		c->kind = pool_strdup(pool, c->kind);
		c->severity = pool_strdup(pool, c->severity);
		c->level = pool_strdup(pool, c->level);
		c->contract = pool_strdup(pool, c->contract);
		c->renewal_key = pool_strdup(pool, c->renewal_key);
		*case_r = c;
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r, "cannot read case %llu",
				 (unsigned long long)number);
	}
	sqlite3_reset(stmt);
	return ret;
}

int store_case_create(struct store *store, const struct store_case *c,
		      uint64_t *number_r, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_CASE_CREATE), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_text(&b, 1, c->subject);
	bind_text(&b, 2, c->requester);
	bind_text(&b, 3, c->requester_name);
	bind_text(&b, 4, c->language);
	bind_int(&b, 5, c->created_at);
	bind_int(&b, 6, c->updated_at != 0 ? c->updated_at : c->created_at);
	if (c->linked_to != 0)
		bind_int(&b, 7, (int64_t)c->linked_to);
	else if (b.rc == SQLITE_OK)
		b.rc = sqlite3_bind_null(b.stmt, 7);
	bind_int(&b, 8, c->unverified ? 1 : 0);
	bind_text(&b, 9, c->region);
	bind_text(&b, 10, c->kind);
	bind_text(&b, 11, c->severity);
	bind_text(&b, 12, c->level);
	if (c->due != 0)
		bind_int(&b, 13, c->due);
	else if (b.rc == SQLITE_OK)
		b.rc = sqlite3_bind_null(b.stmt, 13);
	bind_text(&b, 14, c->contract);
	bind_text(&b, 15, c->renewal_key);
	if (stmt_write(store, &b, error_r, "create a case") < 0)
		return -1;
	*number_r = (uint64_t)sqlite3_last_insert_rowid(store->db);
	return 0;
}

int store_case_set_entitlement(struct store *store, uint64_t number,
			       const char *severity, const char *level,
			       int64_t due, const char *contract,
			       const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_CASE_SET_ENTITLEMENT), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, (int64_t)number);
	bind_text(&b, 2, severity);
	bind_text(&b, 3, level);
	if (due != 0)
		bind_int(&b, 4, due);
	else if (b.rc == SQLITE_OK)
		b.rc = sqlite3_bind_null(b.stmt, 4);
	bind_text(&b, 5, contract);
	if (stmt_write(store, &b, error_r, "set the case's entitlement") < 0)
		return -1;
	if (sqlite3_changes(store->db) == 0) {
		return store_fail(store, SQLITE_OK, error_r, "no case %llu",
				  (unsigned long long)number);
	}
	return 0;
}

int store_case_by_renewal_key(struct store *store, const char *key,
			      uint64_t *number_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_CASE_BY_RENEWAL_KEY);
	int rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	int ret = 0;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*number_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r, "cannot look up a renewal case");
	}
	sqlite3_reset(stmt);
	return ret;
}

int store_case_set_status(struct store *store, uint64_t number,
			  enum case_status status, int64_t when,
			  const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_CASE_SET_STATUS), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, (int64_t)number);
	bind_int(&b, 2, status == CASE_CLOSED ? CASE_CLOSED : CASE_OPEN);
	if (status == CASE_CLOSED)
		bind_int(&b, 3, when);
	else if (b.rc == SQLITE_OK)
		b.rc = sqlite3_bind_null(b.stmt, 3);
	if (stmt_write(store, &b, error_r, "set a case's status") < 0)
		return -1;
	if (sqlite3_changes(store->db) == 0) {
		return store_fail(store, SQLITE_OK, error_r, "no case %llu",
				  (unsigned long long)number);
	}
	return 0;
}

/* ---- participants ---- */

int store_participant_add(struct store *store, uint64_t number,
			  const char *addr, const char *role,
			  const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_PART_ADD), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, (int64_t)number);
	bind_text(&b, 2, addr);
	bind_text(&b, 3, role);
	return stmt_write(store, &b, error_r, "add a participant");
}

int store_participants(struct store *store, struct pool *pool,
		       uint64_t number, const char ***addrs_r,
		       const char ***roles_r, size_t *count_r,
		       const char **error_r)
{
	sqlite3_stmt *stmt;
	const char **addrs = NULL, **roles = NULL;
	size_t count = 0, alloc = 0;
	int rc, ret = 0;

	if (stmt_get(store, ST_PARTS, &stmt, error_r) < 0)
		return -1;
	rc = sqlite3_bind_int64(stmt, 1, (sqlite3_int64)number);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == alloc) {
			size_t n = alloc == 0 ? 8 : alloc * 2;

			addrs = pool_realloc(pool, addrs, alloc * sizeof(*addrs),
					     n * sizeof(*addrs));
			roles = pool_realloc(pool, roles, alloc * sizeof(*roles),
					     n * sizeof(*roles));
			alloc = n;
		}
		roles[count] = pool_strdup(pool, col_text(stmt, 1));
		addrs[count++] = pool_strdup(pool, col_text(stmt, 0));
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r,
				 "cannot read the participants of case %llu",
				 (unsigned long long)number);
		count = 0;
	}
	stmt_put(store, ST_PARTS, stmt);
	if (roles_r != NULL)
		*roles_r = roles;
	*addrs_r = addrs;
	*count_r = count;
	return ret;
}

/* ---- messages, attachments, blobs ---- */

static int message_add(struct store *store, const struct store_message *m,
		       int64_t *id_r, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_MSG_ADD), SQLITE_OK };
	int64_t id;
	int rc;

	bind_int(&b, 1, (int64_t)m->case_number);
	bind_int(&b, 2, m->direction == MSG_OUT ? MSG_OUT : MSG_IN);
	bind_text(&b, 3, m->message_id);
	bind_text(&b, 4, m->from_addr);
	bind_text(&b, 5, m->from_name);
	bind_text(&b, 6, m->subject);
	bind_int(&b, 7, m->has_date ? m->date : 0);
	bind_int(&b, 8, m->has_date ? 1 : 0);
	bind_int(&b, 9, m->received_at);
	bind_text(&b, 10, m->in_reply_to);
	bind_text(&b, 11, m->references);
	bind_int(&b, 12, m->is_auto ? 1 : 0);
	bind_text(&b, 13, m->auto_reason);
	bind_text(&b, 14, m->language);
	bind_text(&b, 15, m->source);
	if (m->headers != NULL && m->headers == m->raw &&
	    m->headers_len <= m->raw_len) {
		bind_text(&b, 16, NULL);
		bind_int(&b, 20, (int64_t)m->headers_len);
	} else {
		bind_text_len(&b, 16, m->headers, m->headers_len);
		bind_int(&b, 20, 0);
	}
	bind_text(&b, 17, m->text);
	bind_text(&b, 18, m->notes);
	bind_blob(&b, 19, m->raw, m->raw_len);
	if (stmt_write(store, &b, error_r, "add a message") < 0)
		return -1;
	id = sqlite3_last_insert_rowid(store->db);

	/* An outgoing mail's Message-ID was recorded when it was queued:
	 * give it its row. */
	if (m->direction == MSG_OUT) {
		b = (struct binder){ stmt_lazy(store, ST_MSGID_LINK), SQLITE_OK };
		bind_text(&b, 1, m->message_id);
		bind_int(&b, 2, (int64_t)m->case_number);
		bind_int(&b, 3, id);
		if (stmt_write(store, &b, error_r, "link a Message-ID") < 0)
			return -1;
		if (sqlite3_changes(store->db) == 1)
			goto touch;
	}
	/* The primary key is the duplicate check. */
	b = (struct binder){ stmt_lazy(store, ST_MSGID_ADD), SQLITE_OK };
	bind_text(&b, 1, m->message_id);
	bind_int(&b, 2, (int64_t)m->case_number);
	bind_int(&b, 3, id);
	rc = b.rc == SQLITE_OK ? sqlite3_step(b.stmt) : b.rc;
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		store_fail(store, SQLITE_OK, error_r,
			   "Message-ID <%s> is already stored", m->message_id);
	} else if (rc != SQLITE_DONE) {
		store_fail(store, rc, error_r, "cannot add a Message-ID");
	}
	sqlite3_reset(b.stmt);
	if (rc != SQLITE_DONE)
		return -1;
touch:
	b = (struct binder){ stmt_lazy(store, ST_CASE_TOUCH), SQLITE_OK };
	bind_int(&b, 1, (int64_t)m->case_number);
	bind_int(&b, 2, m->received_at);
	if (stmt_write(store, &b, error_r, "update the case") < 0)
		return -1;
	*id_r = id;
	return 0;
}

int store_message_add(struct store *store, const struct store_message *m,
		      int64_t *id_r, const char **error_r)
{
	if (m->message_id == NULL) {
		return store_fail(store, SQLITE_OK, error_r,
				  "message without a Message-ID");
	}
	/* Three statements, one change: a duplicate leaves nothing behind
	 * even when the caller goes on with its transaction. */
	if (store_begin(store, error_r) < 0)
		return -1;
	if (message_add(store, m, id_r, error_r) < 0) {
		store_rollback(store);
		return -1;
	}
	if (store_commit(store, error_r) < 0) {
		store_rollback(store);
		return -1;
	}
	return 0;
}

/* One blob column of one row, copied into the pool: 1, 0 or -1. */
static int read_raw(struct store *store, enum stmt_id id_stmt,
		    struct pool *pool, int64_t id, const void **data_r,
		    size_t *len_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, id_stmt);
	int rc, ret = 0;

	*data_r = NULL;
	*len_r = 0;
	rc = sqlite3_bind_int64(stmt, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(stmt, 0);
		size_t len = (size_t)sqlite3_column_bytes(stmt, 0);

		*data_r = pool_memdup(pool, p != NULL ? p : "", len);
		*len_r = len;
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r, "cannot read %s %lld",
				 id_stmt == ST_MSG_RAW ? "message" :
				 "quarantined message", (long long)id);
	}
	sqlite3_reset(stmt);
	return ret;
}

int store_message_raw(struct store *store, struct pool *pool, int64_t id,
		      const void **data_r, size_t *len_r, const char **error_r)
{
	return read_raw(store, ST_MSG_RAW, pool, id, data_r, len_r, error_r);
}

int store_quarantine_raw(struct store *store, struct pool *pool, int64_t id,
			 const void **raw_r, size_t *len_r, const char **error_r)
{
	return read_raw(store, ST_QUAR_RAW, pool, id, raw_r, len_r, error_r);
}

static bool sha256_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return i == SHA256_HEX_LEN;
}

/*
 * Not wrapped in a savepoint: if the attachment row fails after the blob was
 * added, the blob is only an unreferenced copy of content, and the caller's
 * transaction normally undoes both anyway.
 */
int store_attachment_add(struct store *store, int64_t message_row,
			 const struct store_attachment *a,
			 const char **error_r)
{
	char hash[SHA256_HEX_LEN + 1];
	const char *sha = a->sha256;
	struct binder b = { stmt_lazy(store, ST_BLOB_ADD), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	if (sha == NULL) {
		sha256_hex(a->size > 0 ? a->data : "", a->size, hash);
		sha = hash;
	} else if (!sha256_valid(sha)) {
		return store_fail(store, SQLITE_OK, error_r,
				  "attachment hash is not 64 lower-case hex digits");
	}
	bind_text(&b, 1, sha);
	bind_int(&b, 2, (int64_t)a->size);
	bind_blob(&b, 3, a->data, a->size);
	if (stmt_write(store, &b, error_r, "store an attachment's content") < 0)
		return -1;

	b = (struct binder){ stmt_lazy(store, ST_ATT_ADD), SQLITE_OK };
	bind_int(&b, 1, message_row);
	bind_text(&b, 2, a->filename);
	bind_text(&b, 3, a->content_type);
	bind_int(&b, 4, a->is_inline ? 1 : 0);
	bind_int(&b, 5, (int64_t)a->size);
	bind_text(&b, 6, sha);
	return stmt_write(store, &b, error_r, "add an attachment");
}

int store_blob_get(struct store *store, struct pool *pool, const char *sha256,
		   const void **data_r, size_t *len_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_BLOB_GET);
	struct binder b = { stmt, SQLITE_OK };
	int rc, ret = 0;

	*data_r = NULL;
	*len_r = 0;
	bind_text(&b, 1, sha256);
	rc = b.rc == SQLITE_OK ? sqlite3_step(stmt) : b.rc;
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(stmt, 0);
		size_t len = (size_t)sqlite3_column_bytes(stmt, 0);

		*data_r = pool_memdup(pool, p != NULL ? p : "", len);
		*len_r = len;
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(store, rc, error_r, "cannot read a blob");
	}
	sqlite3_reset(stmt);
	return ret;
}

/* ---- quarantine ---- */

int store_quarantine_add(struct store *store, const char *source,
			 const char *reason, const void *raw, size_t raw_len,
			 int64_t when, int64_t *id_r, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_QUAR_ADD), SQLITE_OK };
	char sha[SHA256_HEX_LEN + 1];
	sqlite3_stmt *stmt;
	int rc, ret;

	if (check_transaction(store, error_r) < 0)
		return -1;
	if (raw_len > 0)
		sha256_hex(raw, raw_len, sha);
	bind_int(&b, 1, when);
	bind_text(&b, 2, source);
	bind_text(&b, 3, reason);
	bind_blob(&b, 4, raw, raw_len);
	bind_int(&b, 5, (int64_t)raw_len);
	bind_text(&b, 6, raw_len > 0 ? sha : NULL);
	if (stmt_write(store, &b, error_r, "quarantine a message") < 0)
		return -1;
	if (sqlite3_changes(store->db) > 0) {
		if (id_r != NULL)
			*id_r = sqlite3_last_insert_rowid(store->db);
		return 0;
	}
	/* The same bytes are already kept: hand back their entry. */
	stmt = stmt_lazy(store, ST_QUAR_BY_SHA);
	rc = sqlite3_bind_text(stmt, 1, sha, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (id_r != NULL)
			*id_r = sqlite3_column_int64(stmt, 0);
		ret = 1;
	} else {
		ret = store_fail(store, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
				 error_r, "cannot find a quarantined message");
	}
	sqlite3_reset(stmt);
	return ret;
}

/* ---- iterators ---- */



static int case_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_case c;

	row_case(stmt, &c);
	return it->cb.cases(it->ctx, &c);
}

int store_cases_list(struct store *store, int status_filter,
		     store_case_cb *cb, void *ctx, const char **error_r)
{
	struct iter it = { .cb.cases = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, ST_CASES_LIST, &stmt, error_r) < 0)
		return -1;
	return iterate(store, ST_CASES_LIST, stmt,
		       sqlite3_bind_int(stmt, 1, status_filter < 0 ? -1 :
					status_filter),
		       case_row, &it, error_r, "cases");
}

static int message_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_message m;

	memset(&m, 0, sizeof(m));
	m.id = sqlite3_column_int64(stmt, 0);
	m.case_number = (uint64_t)sqlite3_column_int64(stmt, 1);
	m.direction = sqlite3_column_int(stmt, 2) == MSG_OUT ? MSG_OUT : MSG_IN;
	m.message_id = col_text(stmt, 3);
	m.from_addr = col_text(stmt, 4);
	m.from_name = col_text(stmt, 5);
	m.subject = col_text(stmt, 6);
	m.date = sqlite3_column_int64(stmt, 7);
	m.has_date = sqlite3_column_int(stmt, 8) != 0;
	m.received_at = sqlite3_column_int64(stmt, 9);
	m.in_reply_to = col_text(stmt, 10);
	m.references = col_text(stmt, 11);
	m.is_auto = sqlite3_column_int(stmt, 12) != 0;
	m.auto_reason = col_text(stmt, 13);
	m.language = col_text(stmt, 14);
	m.source = col_text(stmt, 15);
	m.headers = col_text(stmt, 16);
	m.headers_len = (size_t)sqlite3_column_bytes(stmt, 16);
	m.text = col_text(stmt, 17);
	m.notes = col_text(stmt, 18);
	return it->cb.messages(it->ctx, &m);
}

int store_case_messages(struct store *store, uint64_t number,
			store_message_cb *cb, void *ctx, const char **error_r)
{
	struct iter it = { .cb.messages = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, ST_CASE_MESSAGES, &stmt, error_r) < 0)
		return -1;
	return iterate(store, ST_CASE_MESSAGES, stmt,
		       sqlite3_bind_int64(stmt, 1, (sqlite3_int64)number),
		       message_row, &it, error_r, "messages");
}

static int attachment_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_attachment a;

	memset(&a, 0, sizeof(a));
	a.filename = col_text(stmt, 0);
	a.content_type = col_text(stmt, 1);
	a.is_inline = sqlite3_column_int(stmt, 2) != 0;
	a.size = (size_t)sqlite3_column_int64(stmt, 3);
	a.sha256 = col_text(stmt, 4);
	return it->cb.attachments(it->ctx, &a);
}

int store_message_attachments(struct store *store, int64_t message_row_id,
			      store_attachment_cb *cb, void *ctx,
			      const char **error_r)
{
	struct iter it = { .cb.attachments = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, ST_MSG_ATTS, &stmt, error_r) < 0)
		return -1;
	return iterate(store, ST_MSG_ATTS, stmt,
		       sqlite3_bind_int64(stmt, 1, message_row_id),
		       attachment_row, &it, error_r, "attachments");
}

static int quarantine_row(sqlite3_stmt *stmt, const struct iter *it)
{
	struct store_quarantine q;

	memset(&q, 0, sizeof(q));
	q.id = sqlite3_column_int64(stmt, 0);
	q.received_at = sqlite3_column_int64(stmt, 1);
	q.source = col_text(stmt, 2);
	q.reason = col_text(stmt, 3);
	q.raw_len = (size_t)sqlite3_column_int64(stmt, 4);
	return it->cb.quarantine(it->ctx, &q);
}

int store_quarantine_list(struct store *store, store_quarantine_cb *cb,
			  void *ctx, const char **error_r)
{
	struct iter it = { .cb.quarantine = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, ST_QUAR_LIST, &stmt, error_r) < 0)
		return -1;
	return iterate(store, ST_QUAR_LIST, stmt, SQLITE_OK, quarantine_row,
		       &it, error_r, "the quarantine");
}

int store_get_stats(struct store *store, struct store_stats *stats_r,
		    const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_STATS);
	int rc = sqlite3_step(stmt);
	int ret = 0;

	memset(stats_r, 0, sizeof(*stats_r));
	if (rc == SQLITE_ROW) {
		stats_r->cases = (uint64_t)sqlite3_column_int64(stmt, 0);
		stats_r->open_cases = (uint64_t)sqlite3_column_int64(stmt, 1);
		stats_r->messages = (uint64_t)sqlite3_column_int64(stmt, 2);
		stats_r->attachments = (uint64_t)sqlite3_column_int64(stmt, 3);
		stats_r->blobs = (uint64_t)sqlite3_column_int64(stmt, 4);
		stats_r->quarantined = (uint64_t)sqlite3_column_int64(stmt, 5);
	} else {
		ret = store_fail(store, rc, error_r, "cannot count");
	}
	sqlite3_reset(stmt);
	return ret;
}


/* ---- case events, undeliverable addresses ---- */

int store_case_event_add(struct store *store, uint64_t number, int64_t at,
			 const char *kind, const char *detail,
			 const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_EVENT_ADD), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_int(&b, 1, (int64_t)number);
	bind_int(&b, 2, at);
	bind_text(&b, 3, kind);
	bind_text(&b, 4, detail);
	return stmt_write(store, &b, error_r, "record a case event");
}

static int event_row(sqlite3_stmt *stmt, const struct iter *it)
{
	return it->cb.events(it->ctx, sqlite3_column_int64(stmt, 0),
			     col_text(stmt, 1), col_text(stmt, 2));
}

int store_case_events(struct store *store, uint64_t number,
		      store_event_cb *cb, void *ctx, const char **error_r)
{
	struct iter it = { .cb.events = cb, .ctx = ctx };
	sqlite3_stmt *stmt;

	if (stmt_get(store, ST_EVENTS, &stmt, error_r) < 0)
		return -1;
	return iterate(store, ST_EVENTS, stmt,
		       sqlite3_bind_int64(stmt, 1, (int64_t)number),
		       event_row, &it, error_r, "case events");
}

int store_undeliverable_add(struct store *store, const char *address,
			    int64_t at, const char *reason, const char **error_r)
{
	struct binder b = { stmt_lazy(store, ST_UNDELIV_ADD), SQLITE_OK };

	if (check_transaction(store, error_r) < 0)
		return -1;
	bind_text(&b, 1, address);
	bind_int(&b, 2, at);
	bind_text(&b, 3, reason);
	return stmt_write(store, &b, error_r, "mark an address undeliverable");
}

int store_undeliverable_get(struct store *store, const char *address,
			    const char **error_r)
{
	sqlite3_stmt *stmt = stmt_lazy(store, ST_UNDELIV_GET);
	struct binder b = { stmt, SQLITE_OK };
	int rc, ret = 0;

	bind_text(&b, 1, address);
	rc = b.rc == SQLITE_OK ? sqlite3_step(stmt) : b.rc;
	if (rc == SQLITE_ROW)
		ret = 1;
	else if (rc != SQLITE_DONE)
		ret = store_fail(store, rc, error_r, "cannot look up an address");
	sqlite3_reset(stmt);
	return ret;
}
