/*
 * store_private.h - what the SQLite backend's files share (store_sqlite.c:
 * opening, migrations, statements, transactions; store_cases.c: cases,
 * messages, quarantine, events; store_outbox.c: IMAP state, outbox,
 * answers' rate limit; store_contracts.c: contracts and renewals).  Not a
 * public header: nothing outside gateway/store_*.c includes it.
 */
#ifndef SUPPORTGW_STORE_PRIVATE_H
#define SUPPORTGW_STORE_PRIVATE_H

#include "store.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

enum stmt_id {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_MSGID_CASE,
	ST_CASE_GET,
	ST_CASE_CREATE,
	ST_CASE_SET_STATUS,
	ST_CASE_SET_ENTITLEMENT,
	ST_CASE_BY_RENEWAL_KEY,
	ST_CASE_TOUCH,
	ST_PART_ADD,
	ST_PARTS,
	ST_MSG_ADD,
	ST_MSGID_ADD,
	ST_MSGID_LINK,
	ST_MSG_RAW,
	ST_QUAR_RAW,
	ST_BLOB_ADD,
	ST_ATT_ADD,
	ST_BLOB_GET,
	ST_QUAR_ADD,
	ST_QUAR_BY_SHA,
	ST_CASES_LIST,
	ST_CASE_MESSAGES,
	ST_MSG_ATTS,
	ST_QUAR_LIST,
	ST_STATS,
	ST_IMAP_GET,
	ST_IMAP_SET,
	ST_OUT_ADD,
	ST_OUT_DUE,
	ST_OUT_GET,
	ST_OUT_LIST,
	ST_OUT_SENT,
	ST_OUT_RETRY,
	ST_OUT_FAILED,
	ST_OUT_REQUEUE,
	ST_AUTO_COUNT,
	ST_AUTO_ADD,
	ST_EVENT_ADD,
	ST_EVENTS,
	ST_UNDELIV_ADD,
	ST_UNDELIV_GET,
	ST_CONTRACT_UPSERT,
	ST_CONTRACT_EXISTS,
	ST_CONTRACT_GET,
	ST_CONTRACTS_LIST,
	ST_CONTRACTS_BY_EMAIL,
	ST_CONTRACTS_BY_KEY,
	ST_CONTRACT_COUNT,
	ST_RENEWAL_CANDIDATES,
	ST_RENEWAL_NOTICE_ADD,
	ST_RENEWAL_NOTICES,
	ST_COUNT
};

/* The SQL of each statement (store_sqlite.c). */
extern const char *const stmt_sql[ST_COUNT];

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[ST_COUNT];
	unsigned depth;          /* open transaction + savepoints */
	bool temporary;          /* of the last error */
	char error[1024];
};

/* Binding: the first failure sticks, so a run of binds is checked once. */
struct binder {
	sqlite3_stmt *stmt;
	int rc;
};

static inline void bind_int(struct binder *b, int i, int64_t v)
{
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_int64(b->stmt, i, v);
}

/* NULL binds as SQL NULL and comes back as NULL. */
static inline void bind_text(struct binder *b, int i, const char *s)
{
	if (b->rc != SQLITE_OK)
		return;
	if (s == NULL)
		b->rc = sqlite3_bind_null(b->stmt, i);
	else
		b->rc = sqlite3_bind_text(b->stmt, i, s, -1, SQLITE_STATIC);
}

/* Counted text (may point into a larger buffer); NULL binds SQL NULL. */
static inline void bind_text_len(struct binder *b, int i, const char *s, size_t len)
{
	if (b->rc != SQLITE_OK)
		return;
	if (s == NULL)
		b->rc = sqlite3_bind_null(b->stmt, i);
	else
		b->rc = sqlite3_bind_text64(b->stmt, i, s, len, SQLITE_STATIC,
					    SQLITE_UTF8);
}

/* Always a blob, never NULL, even when empty (SQLite binds a NULL pointer as
 * SQL NULL); may hold NULs.  STATIC: the step happens before we return. */
static inline void bind_blob(struct binder *b, int i, const void *data, size_t len)
{
	assert(data != NULL || len == 0);
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_blob64(b->stmt, i, len > 0 ? data : "",
					    len, SQLITE_STATIC);
}

static inline const char *col_text(sqlite3_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt, i);
}

/* The caller's callback and its context, for the row readers below. */
struct iter {
	union {
		store_case_cb *cases;
		store_message_cb *messages;
		store_attachment_cb *attachments;
		store_quarantine_cb *quarantine;
		store_outbox_cb *outbox;
		store_event_cb *events;
		store_contract_cb *contracts;
		store_notice_cb *notices;
	} cb;
	void *ctx;
};

typedef int row_cb(sqlite3_stmt *stmt, const struct iter *it);

/* Sets the store's error from the reason and, when rc is an SQLite error,
 * the database's own message.  Returns -1. */
int store_fail(struct store *store, int rc, const char **error_r,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The kept statement for id, prepared on first use (NULL on failure, set
 * on the store). */
sqlite3_stmt *stmt_lazy(struct store *store, enum stmt_id id);
/* A statement to iterate with (a fresh one when the kept one is busy);
 * hand it back with stmt_put(). */
int stmt_get(struct store *store, enum stmt_id id, sqlite3_stmt **stmt_r,
	     const char **error_r);
void stmt_put(struct store *store, enum stmt_id id, sqlite3_stmt *stmt);
/* Runs a statement that returns no row; returns an SQLite code. */
int stmt_run(struct store *store, enum stmt_id id);
/* Steps a bound write statement; 0, or -1 with the error set. */
int stmt_write(struct store *store, struct binder *b, const char **error_r,
	       const char *what);
/* Refuses to go on inside a transaction SQLite already rolled back. */
int check_transaction(struct store *store, const char **error_r);
int exec_sql(struct store *store, const char *sql, const char *what);
/* Steps a bound statement, calling row() per row (see store_sqlite.c). */
int iterate(struct store *store, enum stmt_id id, sqlite3_stmt *stmt,
	    int rc, row_cb *row, const struct iter *it,
	    const char **error_r, const char *what);

#endif
