/*
 * store_sqlite.c - the SQLite backend of store.h: opening, migrations, the
 * statements and transactions.  Only gateway/store_*.c include sqlite3.h
 * (through store_private.h); the areas live in store_cases.c,
 * store_outbox.c and store_contracts.c.
 *
 * Every statement is prepared on first use and kept (SQLITE_PREPARE_PERSISTENT) from
 * the table below and takes bound parameters only; SQL is never built from
 * data.  The schema is the array of migrations: the database's
 * PRAGMA user_version says how many of them it has seen, store_open() runs the
 * rest in one transaction, and a database that has seen more is refused.
 */
#include "store_private.h"

#include "log.h"
#include "pool.h"
#include "util.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <sqlite3.h>

#define STORE_BUSY_TIMEOUT_MS 5000

/*
 * Migration N+1 takes a database from user_version N to N+1.  Append; never
 * edit a released entry.  Tables are STRICT so a caller's type mistake fails
 * instead of storing a surprise.
 */
static const char *const migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE cases ("
	" number INTEGER PRIMARY KEY AUTOINCREMENT,"
	" status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1)),"
	" subject TEXT,"
	" requester TEXT,"
	" requester_name TEXT,"
	" language TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" closed_at INTEGER,"
	" linked_to INTEGER REFERENCES cases (number),"
	" unverified INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX cases_status_updated ON cases (status, updated_at);"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" case_number INTEGER NOT NULL REFERENCES cases (number),"
	" direction INTEGER NOT NULL CHECK (direction IN (0, 1)),"
	" message_id TEXT NOT NULL,"
	" from_addr TEXT,"
	" from_name TEXT,"
	" subject TEXT,"
	" date INTEGER,"
	" has_date INTEGER NOT NULL,"
	" received_at INTEGER NOT NULL,"
	" in_reply_to TEXT,"
	" \"references\" TEXT,"
	" is_auto INTEGER NOT NULL,"
	" auto_reason TEXT,"
	" language TEXT,"
	" source TEXT,"
	/* headers: NULL when the header block is the first headers_len
	 * bytes of raw, as it nearly always is (kept once, not twice) */
	" headers TEXT,"
	" headers_len INTEGER,"
	" text TEXT,"
	" notes TEXT,"
	" raw BLOB NOT NULL"
	") STRICT;"
	/* the rowid (id) is implicitly the last key column: insertion order */
	"CREATE INDEX messages_case ON messages (case_number);"
	"CREATE TABLE message_ids ("
	" message_id TEXT PRIMARY KEY,"
	" case_number INTEGER NOT NULL REFERENCES cases (number),"
	" message_row INTEGER REFERENCES messages (id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE participants ("
	" case_number INTEGER NOT NULL REFERENCES cases (number),"
	" address TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" UNIQUE (case_number, address)"
	") STRICT;"
	/* blobs keep their rowid: WITHOUT ROWID suits small rows only */
	"CREATE TABLE blobs ("
	" sha256 TEXT PRIMARY KEY,"
	" size INTEGER NOT NULL,"
	" data BLOB NOT NULL"
	") STRICT;"
	"CREATE TABLE attachments ("
	" id INTEGER PRIMARY KEY,"
	" message_row INTEGER NOT NULL REFERENCES messages (id),"
	" filename TEXT,"
	" content_type TEXT,"
	" is_inline INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL REFERENCES blobs (sha256)"
	") STRICT;"
	"CREATE INDEX attachments_message ON attachments (message_row);"
	"CREATE TABLE quarantine ("
	" id INTEGER PRIMARY KEY,"
	" received_at INTEGER NOT NULL,"
	" source TEXT,"
	" reason TEXT,"
	" raw BLOB NOT NULL,"
	" raw_len INTEGER NOT NULL,"
	/* SHA-256 of raw, so the same bytes are kept once (an import run
	 * again, an MTA retrying); NULL when there are no bytes to keep */
	" sha256 TEXT"
	") STRICT;"
	"CREATE UNIQUE INDEX quarantine_sha256 ON quarantine (sha256)"
	" WHERE sha256 IS NOT NULL;",
	/* 2: IMAP fetching.  Per account and mailbox, the UIDVALIDITY seen
	 * and the highest UID whose message is stored and whose `after`
	 * action was applied; a case's region (the address's default). */
	"CREATE TABLE imap_state ("
	" account TEXT NOT NULL,"
	" mailbox TEXT NOT NULL,"
	" uidvalidity INTEGER NOT NULL,"
	" last_uid INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (account, mailbox)"
	") STRICT, WITHOUT ROWID;"
	"ALTER TABLE cases ADD COLUMN region TEXT;",
	/* 3: outgoing mail.  One row per mail, written in the transaction
	 * that decided to send it; the sender marks it sent (or schedules a
	 * retry, or gives up) in a transaction of its own after each attempt.
	 * auto_replies counts automatic answers per address for the rate
	 * limit, in the store so a restart does not reset it. */
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" case_number INTEGER REFERENCES cases (number),"
	" kind TEXT NOT NULL,"
	" message_id TEXT NOT NULL UNIQUE,"
	" mail_from TEXT NOT NULL,"
	" rcpt TEXT NOT NULL,"
	" raw BLOB NOT NULL,"
	" status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" next_attempt_at INTEGER NOT NULL,"
	" sent_at INTEGER,"
	" last_error TEXT"
	") STRICT;"
	"CREATE INDEX outbox_due ON outbox (status, next_attempt_at);"
	"CREATE TABLE auto_replies ("
	" address TEXT NOT NULL,"
	" sent_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX auto_replies_address ON auto_replies (address, sent_at);"
	/* What happened to a case besides its messages: an answer suppressed
	 * (and why), a bounce of one of our mails... */
	"CREATE TABLE case_events ("
	" id INTEGER PRIMARY KEY,"
	" case_number INTEGER NOT NULL REFERENCES cases (number),"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" detail TEXT"
	") STRICT;"
	"CREATE INDEX case_events_case ON case_events (case_number);"
	/* Addresses our mail bounced from: not written to again. */
	"CREATE TABLE undeliverable ("
	" address TEXT PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" reason TEXT"
	") STRICT, WITHOUT ROWID;",
	/* 4: contracts and renewals.  A contract row per support contract or
	 * licence (upserted by id from the customer's CSV); dates are ISO
	 * "YYYY-MM-DD" text, which sorts as it compares.  renewal_notices is
	 * the ledger of reminders: one row per contract, expiry date and
	 * schedule step, written in the transaction that queued the mail, so
	 * no step is ever sent twice.  Cases learn their kind (support or
	 * renewal), entitlement (severity A-D, level, first-response due
	 * time, contract) and, for renewal cases, the key that finds them
	 * again (customer and expiry date). */
	"CREATE TABLE contracts ("
	" id TEXT PRIMARY KEY,"
	" customer_email TEXT,"
	" customer_name TEXT,"
	" company TEXT,"
	" product TEXT,"
	" serial TEXT,"
	" region TEXT,"
	" language TEXT,"
	" level TEXT NOT NULL DEFAULT 'none',"
	" starts TEXT,"
	" expires TEXT,"
	" auto_renew INTEGER NOT NULL DEFAULT 0,"
	" renewal_id TEXT,"
	" updated_at INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX contracts_email ON contracts (customer_email);"
	"CREATE INDEX contracts_serial ON contracts (serial)"
	" WHERE serial IS NOT NULL;"
	"CREATE INDEX contracts_renewal_id ON contracts (renewal_id)"
	" WHERE renewal_id IS NOT NULL;"
	"CREATE INDEX contracts_expires ON contracts (expires);"
	"CREATE TABLE renewal_notices ("
	" contract TEXT NOT NULL,"
	" expires TEXT NOT NULL,"
	" step INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" case_number INTEGER REFERENCES cases (number),"
	" outbox_id INTEGER,"
	" run_date TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (contract, expires, step)"
	") STRICT, WITHOUT ROWID;"
	"ALTER TABLE cases ADD COLUMN kind TEXT NOT NULL DEFAULT 'support';"
	"ALTER TABLE cases ADD COLUMN severity TEXT;"
	"ALTER TABLE cases ADD COLUMN level TEXT;"
	"ALTER TABLE cases ADD COLUMN due INTEGER;"
	"ALTER TABLE cases ADD COLUMN contract TEXT;"
	"ALTER TABLE cases ADD COLUMN renewal_key TEXT;"
	"CREATE UNIQUE INDEX cases_renewal_key ON cases (renewal_key)"
	" WHERE renewal_key IS NOT NULL;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define CASE_COLUMNS \
	"c.number, c.status, c.subject, c.requester, c.requester_name," \
	" c.language, c.created_at, c.updated_at, c.closed_at, c.linked_to," \
	" c.unverified," \
	" (SELECT count(*) FROM messages m WHERE m.case_number = c.number)," \
	" c.region, c.kind, c.severity, c.level, c.due, c.contract," \
	" c.renewal_key"

#define CONTRACT_COLUMNS \
	"id, customer_email, customer_name, company, product, serial, region," \
	" language, level, starts, expires, auto_renew, renewal_id, updated_at"

#define OUTBOX_COLUMNS \
	"id, case_number, kind, message_id, mail_from, rcpt, status," \
	" attempts, created_at, next_attempt_at, sent_at, last_error, length(raw)"


const char *const stmt_sql[ST_COUNT] = {
	/* IMMEDIATE: a busy database shows here, and two writers never
	 * deadlock trying to upgrade a read transaction. */
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	/* a snapshot for many reads, taking no write lock */
	[ST_BEGIN_READ] = "BEGIN DEFERRED",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* One name serves every depth: SQLite's RELEASE and ROLLBACK TO act on
	 * the most recent savepoint of that name, which is the innermost. */
	[ST_SAVEPOINT] = "SAVEPOINT s",
	[ST_RELEASE] = "RELEASE s",
	[ST_ROLLBACK_TO] = "ROLLBACK TO s",
	[ST_MSGID_CASE] =
		"SELECT case_number FROM message_ids WHERE message_id = ?1",
	[ST_CASE_GET] =
		"SELECT " CASE_COLUMNS " FROM cases c WHERE c.number = ?1",
	[ST_CASE_CREATE] =
		"INSERT INTO cases (status, subject, requester, requester_name,"
		" language, created_at, updated_at, closed_at, linked_to,"
		" unverified, region, kind, severity, level, due, contract,"
		" renewal_key)"
		" VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9,"
		" ifnull(?10, 'support'), ?11, ?12, ?13, ?14, ?15)",
	[ST_CASE_SET_ENTITLEMENT] =
		"UPDATE cases SET severity = ?2, level = ?3, due = ?4,"
		" contract = ?5 WHERE number = ?1",
	[ST_CASE_BY_RENEWAL_KEY] =
		"SELECT number FROM cases WHERE renewal_key = ?1",
	[ST_CASE_SET_STATUS] =
		"UPDATE cases SET status = ?2, closed_at = ?3 WHERE number = ?1",
	/* Only forward: importing old mail must not make a case look older. */
	[ST_CASE_TOUCH] =
		"UPDATE cases SET updated_at = ?2"
		" WHERE number = ?1 AND updated_at < ?2",
	[ST_PART_ADD] =
		"INSERT INTO participants (case_number, address, role)"
		" VALUES (?1, lower(?2), ?3)"
		" ON CONFLICT (case_number, address) DO NOTHING",
	[ST_PARTS] =
		"SELECT address, role FROM participants WHERE case_number = ?1"
		" ORDER BY rowid",
	[ST_MSG_ADD] =
		"INSERT INTO messages (case_number, direction, message_id,"
		" from_addr, from_name, subject, date, has_date, received_at,"
		" in_reply_to, \"references\", is_auto, auto_reason, language,"
		" source, headers, text, notes, raw, headers_len) VALUES (?1, ?2,"
		" ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20)",
	[ST_MSGID_ADD] =
		"INSERT INTO message_ids (message_id, case_number, message_row)"
		" VALUES (?1, ?2, ?3)",
	/* An outgoing mail recorded as a message: its Message-ID is already
	 * there (store_outbox_add), without a row. */
	[ST_MSGID_LINK] =
		"UPDATE message_ids SET message_row = ?3 WHERE message_id = ?1"
		" AND case_number = ?2 AND message_row IS NULL",
	[ST_MSG_RAW] = "SELECT raw FROM messages WHERE id = ?1",
	[ST_QUAR_RAW] = "SELECT raw FROM quarantine WHERE id = ?1",
	[ST_BLOB_ADD] =
		"INSERT INTO blobs (sha256, size, data) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (sha256) DO NOTHING",
	[ST_ATT_ADD] =
		"INSERT INTO attachments (message_row, filename, content_type,"
		" is_inline, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_BLOB_GET] = "SELECT data FROM blobs WHERE sha256 = ?1",
	[ST_QUAR_ADD] =
		"INSERT INTO quarantine (received_at, source, reason, raw, raw_len,"
		" sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT (sha256) WHERE sha256 IS NOT NULL DO NOTHING",
	[ST_QUAR_BY_SHA] = "SELECT id FROM quarantine WHERE sha256 = ?1",
	[ST_CASES_LIST] =
		"SELECT " CASE_COLUMNS " FROM cases c"
		" WHERE ?1 < 0 OR c.status = ?1 ORDER BY c.number",
	[ST_CASE_MESSAGES] =
		"SELECT id, case_number, direction, message_id, from_addr,"
		" from_name, subject, date, has_date, received_at, in_reply_to,"
		" \"references\", is_auto, auto_reason, language, source,"
		" ifnull(headers, CASE WHEN headers_len > 0 THEN"
		" CAST(substr(raw, 1, headers_len) AS TEXT) END),"
		" text, notes FROM messages WHERE case_number = ?1 ORDER BY id",
	[ST_MSG_ATTS] =
		"SELECT filename, content_type, is_inline, size, sha256"
		" FROM attachments WHERE message_row = ?1 ORDER BY id",
	[ST_QUAR_LIST] =
		"SELECT id, received_at, source, reason, raw_len FROM quarantine"
		" ORDER BY id",
	[ST_STATS] =
		"SELECT (SELECT count(*) FROM cases),"
		" (SELECT count(*) FROM cases WHERE status = 0),"
		" (SELECT count(*) FROM messages),"
		" (SELECT count(*) FROM attachments),"
		" (SELECT count(*) FROM blobs),"
		" (SELECT count(*) FROM quarantine)",
	[ST_IMAP_GET] =
		"SELECT uidvalidity, last_uid FROM imap_state"
		" WHERE account = ?1 AND mailbox = ?2",
	[ST_IMAP_SET] =
		"INSERT INTO imap_state (account, mailbox, uidvalidity, last_uid,"
		" updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (account, mailbox) DO UPDATE SET"
		" uidvalidity = excluded.uidvalidity,"
		" last_uid = excluded.last_uid, updated_at = excluded.updated_at",
	[ST_OUT_ADD] =
		"INSERT INTO outbox (case_number, kind, message_id, mail_from,"
		" rcpt, raw, status, attempts, created_at, next_attempt_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7, ?7)",
	[ST_OUT_DUE] =
		"SELECT id FROM outbox WHERE status = 0 AND next_attempt_at <= ?1"
		" ORDER BY next_attempt_at, id LIMIT ?2",
	[ST_OUT_GET] =
		"SELECT " OUTBOX_COLUMNS ", raw FROM outbox WHERE id = ?1",
	[ST_OUT_LIST] =
		"SELECT " OUTBOX_COLUMNS " FROM outbox"
		" WHERE ?1 < 0 OR status = ?1 ORDER BY id",
	[ST_OUT_SENT] =
		"UPDATE outbox SET status = 1, sent_at = ?2, attempts = attempts + 1,"
		" last_error = NULL WHERE id = ?1 AND status = 0",
	[ST_OUT_RETRY] =
		"UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2,"
		" last_error = ?3 WHERE id = ?1 AND status = 0",
	[ST_OUT_FAILED] =
		"UPDATE outbox SET status = 2, attempts = attempts + 1,"
		" last_error = ?2 WHERE id = ?1 AND status = 0",
	[ST_OUT_REQUEUE] =
		"UPDATE outbox SET status = 0, next_attempt_at = ?2"
		" WHERE id = ?1 AND status <> 1",
	[ST_AUTO_COUNT] =
		"SELECT count(*) FROM auto_replies WHERE address = lower(?1)"
		" AND sent_at >= ?2",
	[ST_AUTO_ADD] =
		"INSERT INTO auto_replies (address, sent_at) VALUES (lower(?1), ?2)",
	[ST_EVENT_ADD] =
		"INSERT INTO case_events (case_number, at, kind, detail)"
		" VALUES (?1, ?2, ?3, ?4)",
	[ST_EVENTS] =
		"SELECT at, kind, detail FROM case_events WHERE case_number = ?1"
		" ORDER BY id",
	[ST_UNDELIV_ADD] =
		"INSERT INTO undeliverable (address, at, reason)"
		" VALUES (lower(?1), ?2, ?3) ON CONFLICT (address) DO UPDATE SET"
		" at = excluded.at, reason = excluded.reason",
	[ST_UNDELIV_GET] =
		"SELECT reason FROM undeliverable WHERE address = lower(?1)",
	[ST_CONTRACT_UPSERT] =
		"INSERT INTO contracts (id, customer_email, customer_name, company,"
		" product, serial, region, language, level, starts, expires,"
		" auto_renew, renewal_id, updated_at) VALUES (?1, lower(?2), ?3,"
		" ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
		" ON CONFLICT (id) DO UPDATE SET"
		" customer_email = excluded.customer_email,"
		" customer_name = excluded.customer_name,"
		" company = excluded.company, product = excluded.product,"
		" serial = excluded.serial, region = excluded.region,"
		" language = excluded.language, level = excluded.level,"
		" starts = excluded.starts, expires = excluded.expires,"
		" auto_renew = excluded.auto_renew,"
		" renewal_id = excluded.renewal_id,"
		" updated_at = excluded.updated_at",
	[ST_CONTRACT_EXISTS] = "SELECT 1 FROM contracts WHERE id = ?1",
	[ST_CONTRACT_GET] =
		"SELECT " CONTRACT_COLUMNS " FROM contracts WHERE id = ?1",
	/* ?1/?2: expiry bounds or NULL; ?3: region or NULL */
	[ST_CONTRACTS_LIST] =
		"SELECT " CONTRACT_COLUMNS " FROM contracts"
		" WHERE (?1 IS NULL OR expires >= ?1)"
		" AND (?2 IS NULL OR expires <= ?2)"
		" AND (?3 IS NULL OR region = ?3)"
		" ORDER BY expires, id",
	[ST_CONTRACTS_BY_EMAIL] =
		"SELECT " CONTRACT_COLUMNS " FROM contracts"
		" WHERE customer_email = lower(?1) ORDER BY expires DESC, id",
	[ST_CONTRACTS_BY_KEY] =
		"SELECT " CONTRACT_COLUMNS " FROM contracts WHERE id = ?1"
		" UNION SELECT " CONTRACT_COLUMNS " FROM contracts WHERE serial = ?1"
		" UNION SELECT " CONTRACT_COLUMNS " FROM contracts"
		" WHERE renewal_id = ?1",
	[ST_CONTRACT_COUNT] = "SELECT count(*) FROM contracts",
	/* The contracts a renewals run looks at, grouped by customer and
	 * region, with the earliest step (fewest days before expiry) already
	 * sent for their current expiry date, or NULL. */
	[ST_RENEWAL_CANDIDATES] =
		"SELECT " CONTRACT_COLUMNS ", (SELECT min(n.step) FROM"
		" renewal_notices n WHERE n.contract = c.id AND"
		" n.expires = c.expires) FROM contracts c"
		" WHERE c.expires >= ?1 AND c.expires <= ?2"
		" ORDER BY c.customer_email, c.region, c.expires, c.id",
	[ST_RENEWAL_NOTICE_ADD] =
		"INSERT INTO renewal_notices (contract, expires, step, kind,"
		" case_number, outbox_id, run_date, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT DO NOTHING",
	[ST_RENEWAL_NOTICES] =
		"SELECT contract, expires, step, kind, case_number, outbox_id,"
		" run_date, at FROM renewal_notices WHERE contract = ?1"
		" ORDER BY at, step DESC",
};


/*
 * store_open() has no store to keep its reason in when it fails, so it is
 * kept here: the one piece of static state in the store (per thread, like
 * strerror's buffer).
 */
static _Thread_local char open_error[1024];

static bool rc_temporary(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
		return true;
	default:
		return false;
	}
}

static bool errno_temporary(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOSPC:
	case EDQUOT:
	case EIO:
	case ENOMEM:
	case EAGAIN:
	case EINTR:
	case EMFILE:
	case ENFILE:
		return true;
	default:
		return false;
	}
}

/* Sets the store's error from the reason and, when rc is an SQLite error,
 * the database's own message.  Returns -1. */
int store_fail(struct store *store, int rc, const char **error_r,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int store_fail(struct store *store, int rc, const char **error_r,
		      const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(store->error, sizeof(store->error), fmt, ap);
	va_end(ap);
	if (rc != SQLITE_OK && n >= 0 && (size_t)n < sizeof(store->error)) {
		snprintf(store->error + n, sizeof(store->error) - (size_t)n,
			 ": %s", sqlite3_errmsg(store->db));
	}
	store->temporary = rc != SQLITE_OK && rc_temporary(rc);
	if (error_r != NULL)
		*error_r = store->error;
	return -1;
}

bool store_error_temporary(const struct store *store)
{
	return store->temporary;
}

void store_set_busy_timeout(struct store *store, int ms)
{
	sqlite3_busy_timeout(store->db, ms);
}



/*
 * The statement for id, prepared on first use and kept: `deliver` runs one
 * process per message and needs a handful of the statements, so preparing
 * them all at open cost more than its whole transaction.  NULL (the reason
 * logged and set on the store) when SQLite refuses it; SQLite's calls take
 * a NULL statement as a misuse error, so callers need no special case.
 */
sqlite3_stmt *stmt_lazy(struct store *store, enum stmt_id id)
{
	int rc;

	if (store->stmts[id] != NULL)
		return store->stmts[id];
	rc = sqlite3_prepare_v3(store->db, stmt_sql[id], -1,
				SQLITE_PREPARE_PERSISTENT, &store->stmts[id], NULL);
	if (rc != SQLITE_OK) {
		store_fail(store, rc, NULL, "cannot prepare \"%s\"", stmt_sql[id]);
		store->stmts[id] = NULL;
	}
	return store->stmts[id];
}

/*
 * A cached statement, or a fresh one when the cached one is in the middle of
 * an iteration (a callback calling the same iterator again).  Hand it back
 * with stmt_put().
 */
int stmt_get(struct store *store, enum stmt_id id,
		    sqlite3_stmt **stmt_r, const char **error_r)
{
	int rc;

	if (!sqlite3_stmt_busy(stmt_lazy(store, id))) {
		*stmt_r = store->stmts[id];
		return *stmt_r != NULL ? 0 : -1;
	}
	rc = sqlite3_prepare_v2(store->db, stmt_sql[id], -1, stmt_r, NULL);
	if (rc != SQLITE_OK)
		return store_fail(store, rc, error_r, "cannot prepare statement");
	return 0;
}

void stmt_put(struct store *store, enum stmt_id id, sqlite3_stmt *stmt)
{
	if (stmt == store->stmts[id]) {
		sqlite3_reset(stmt);
	} else {
		sqlite3_finalize(stmt);
	}
}

/* Runs a statement that returns no row; returns an SQLite code. */
int stmt_run(struct store *store, enum stmt_id id)
{
	sqlite3_stmt *stmt = stmt_lazy(store, id);
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Steps a bound write statement; 0, or -1 with the error set. */
int stmt_write(struct store *store, struct binder *b,
		      const char **error_r, const char *what)
{
	int rc = b->rc;

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(b->stmt);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		store_fail(store, rc, error_r, "cannot %s", what);
	sqlite3_reset(b->stmt);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * SQLite rolls a whole transaction back by itself on some errors (disk full,
 * I/O error, out of memory).  A savepoint begun after that would silently
 * start a new, separately committed transaction, so refuse to go on until the
 * caller has rolled back to depth 0.
 */
int check_transaction(struct store *store, const char **error_r)
{
	if (store->depth == 0 || !sqlite3_get_autocommit(store->db))
		return 0;
	store_fail(store, SQLITE_OK, error_r,
		   "the transaction was rolled back after an earlier error");
	store->temporary = true;
	return -1;
}

int store_begin(struct store *store, const char **error_r)
{
	int rc;

	if (check_transaction(store, error_r) < 0)
		return -1;
	rc = stmt_run(store, store->depth == 0 ? ST_BEGIN : ST_SAVEPOINT);
	if (rc != SQLITE_OK) {
		return store_fail(store, rc, error_r,
				  "cannot begin a transaction (depth %u)",
				  store->depth);
	}
	store->depth++;
	return 0;
}

int store_begin_read(struct store *store, const char **error_r)
{
	int rc;

	if (check_transaction(store, error_r) < 0)
		return -1;
	rc = stmt_run(store, store->depth == 0 ? ST_BEGIN_READ : ST_SAVEPOINT);
	if (rc != SQLITE_OK) {
		return store_fail(store, rc, error_r,
				  "cannot begin a read transaction (depth %u)",
				  store->depth);
	}
	store->depth++;
	return 0;
}

int store_commit(struct store *store, const char **error_r)
{
	int rc;

	assert(store->depth > 0);
	if (check_transaction(store, error_r) < 0)
		return -1;
	rc = stmt_run(store, store->depth == 1 ? ST_COMMIT : ST_RELEASE);
	if (rc != SQLITE_OK) {
		return store_fail(store, rc, error_r,
				  "cannot commit (depth %u)", store->depth);
	}
	store->depth--;
	return 0;
}

/* Leaves store->error alone: it still explains why the caller rolls back. */
void store_rollback(struct store *store)
{
	int rc = SQLITE_OK;

	assert(store->depth > 0);
	if (sqlite3_get_autocommit(store->db)) {
		/* already undone by SQLite itself (see check_transaction) */
	} else if (store->depth == 1) {
		rc = stmt_run(store, ST_ROLLBACK);
	} else {
		rc = stmt_run(store, ST_ROLLBACK_TO);
		if (rc == SQLITE_OK)
			rc = stmt_run(store, ST_RELEASE);
	}
	if (rc != SQLITE_OK) {
		log_error("store: rollback at depth %u failed: %s",
			  store->depth, sqlite3_errmsg(store->db));
	}
	store->depth--;
}

/* ---- opening, pragmas and migrations ---- */

static int open_fail(int temporary, const char **error_r,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int open_fail(int temporary, const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(open_error, sizeof(open_error), fmt, ap);
	va_end(ap);
	*error_r = open_error;
	return temporary ? -2 : -1;
}

/* mkdir -p of path's folder (mode 0750).  0, or -1 with errno set. */
static int make_parent_dirs(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t len;
	char *dir;
	int ret = 0;

	if (slash == NULL || slash == path)
		return 0;
	len = (size_t)(slash - path);
	dir = malloc(len + 1);
	if (dir == NULL)
		fatal("out of memory");
	memcpy(dir, path, len);
	dir[len] = '\0';
	for (char *p = dir + 1; ret == 0; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			ret = -1;
		*p = c;
		if (c == '\0')
			break;
	}
	/* EEXIST also covers a file of that name */
	if (ret == 0 && stat(dir, &st) < 0)
		ret = -1;
	if (ret == 0 && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		ret = -1;
	}
	free(dir);
	return ret;
}

int exec_sql(struct store *store, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		store_fail(store, SQLITE_OK, NULL, "cannot %s: %s", what,
			   msg != NULL ? msg : sqlite3_errstr(rc));
		store->temporary = rc_temporary(rc);
	}
	sqlite3_free(msg);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Runs a single-row pragma and returns its first column as an integer or,
 * with text_r, copies it as text. */
static int pragma_get(struct store *store, const char *sql, int *value_r,
		      char *text_r, size_t text_size)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			if (value_r != NULL)
				*value_r = sqlite3_column_int(stmt, 0);
			if (text_r != NULL) {
				const char *t = col_text(stmt, 0);

				snprintf(text_r, text_size, "%s",
					 t != NULL ? t : "");
			}
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_ERROR;
		}
	}
	if (rc != SQLITE_OK)
		store_fail(store, rc, NULL, "cannot run \"%s\"", sql);
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK ? 0 : -1;
}

static int schema_migrate(struct store *store, const char *path)
{
	int version, from;
	char sql[64];

	if (pragma_get(store, "PRAGMA user_version", &version, NULL, 0) < 0)
		return -1;
	if (version == SCHEMA_VERSION)
		return 0;
	if (version < SCHEMA_VERSION) {
		if (exec_sql(store, "BEGIN IMMEDIATE", "begin the migration") < 0)
			return -1;
		/* another process may have migrated it meanwhile */
		if (pragma_get(store, "PRAGMA user_version", &version, NULL, 0) < 0)
			goto rollback;
	}
	if (version > SCHEMA_VERSION || version < 0) {
		store_fail(store, SQLITE_OK, NULL,
			   "%s has schema version %d, newer than this supportgw "
			   "knows (%d): use a newer supportgw",
			   path, version, SCHEMA_VERSION);
		goto rollback;
	}
	from = version;
	for (; version < SCHEMA_VERSION; version++) {
		if (exec_sql(store, migrations[version], "migrate the schema") < 0)
			goto rollback;
		/* not user data: the version is a number from this file */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		if (exec_sql(store, sql, "set the schema version") < 0)
			goto rollback;
	}
	if (exec_sql(store, "COMMIT", "commit the migration") < 0)
		goto rollback;
	if (from > 0)
		log_info("store: %s migrated from schema %d to %d", path, from,
			 SCHEMA_VERSION);
	return 0;
rollback:
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int store_setup(struct store *store, const char *path, bool memory)
{
	char mode[32];

	sqlite3_extended_result_codes(store->db, 1);
	sqlite3_busy_timeout(store->db, STORE_BUSY_TIMEOUT_MS);
	if (exec_sql(store,
		     "PRAGMA foreign_keys = ON;"
		     "PRAGMA synchronous = FULL;"
		     "PRAGMA temp_store = MEMORY;"
		     /* 8 MiB of page cache, allocated only as pages are
		      * read, so a short `deliver` does not pay for it; the
		      * hot pages of an import (index leaves, the case rows
		      * being appended to) fit, and import's peak RSS stays
		      * far below its 64 MiB budget (32 MiB gave no speed) */
		     "PRAGMA cache_size = -8192;",
		     "set the connection's pragmas") < 0)
		return -1;
	if (!memory) {
		/*
		 * page_size only matters when the file is created: 8 KiB pages
		 * hold a typical message (4 KiB raw + text + headers) with
		 * less overflow-page waste, and the larger WAL between
		 * checkpoints (10000 pages) lets import batches rewrite hot
		 * index pages without checkpointing every version.  Together
		 * they made an import of 100k-300k messages ~1.3-1.8x faster
		 * on ext4 (synchronous=FULL, 1000 messages per transaction).
		 */
		if (exec_sql(store,
			     "PRAGMA page_size = 8192;"
			     "PRAGMA wal_autocheckpoint = 10000;"
			     "PRAGMA journal_size_limit = 134217728;",
			     "set the file's pragmas") < 0)
			return -1;
		/*
		 * Closing the last connection checkpoints the WAL and removes
		 * it (two more fsyncs per `deliver`).  Keeping it instead
		 * (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE) is worse for one process
		 * per message: the WAL index lives in shared memory that goes
		 * with the last connection, so every process would re-read the
		 * whole WAL to rebuild it, and re-checkpoint frames already
		 * copied, the WAL never restarting (measured: 20 MB re-read per
		 * message after 300 messages).
		 */
		/*
		 * Persistent in the file, so usually already set.  Setting it
		 * needs an exclusive lock that SQLite does not wait for (the
		 * busy handler is not used), so processes racing to open a new
		 * store retry here instead of failing: found by four
		 * concurrent `deliver` loops on a fresh store.
		 */
		if (pragma_get(store, "PRAGMA journal_mode", NULL, mode,
			       sizeof(mode)) < 0)
			return -1;
		for (int waited = 0; strcmp(mode, "wal") != 0; waited += 10) {
			int rc = sqlite3_exec(store->db, "PRAGMA journal_mode = WAL",
					      NULL, NULL, NULL);

			if (rc == SQLITE_OK) {
				if (pragma_get(store, "PRAGMA journal_mode", NULL,
					       mode, sizeof(mode)) < 0)
					return -1;
				break;
			}
			if ((rc & 0xff) != SQLITE_BUSY || waited >= STORE_BUSY_TIMEOUT_MS)
				return store_fail(store, rc, NULL,
						  "cannot switch %s to WAL mode", path);
			sqlite3_sleep(10);
		}
		if (strcmp(mode, "wal") != 0) {
			log_warn("store: %s: journal mode is %s, not wal "
				 "(file system without shared memory?)",
				 path, mode);
		}
	}
	if (schema_migrate(store, path) < 0)
		return -1;
	return 0;
}

int store_open(const char *path, struct store **store_r, const char **error_r)
{
	bool memory = strcmp(path, ":memory:") == 0;
	struct store *store;
	struct stat st;
	int rc;

	*store_r = NULL;
	if (!memory) {
		if (make_parent_dirs(path) < 0) {
			int e = errno;

			return open_fail(errno_temporary(e), error_r,
					 "cannot create the folder of %s: %s",
					 path, strerror(e));
		}
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			return open_fail(false, error_r,
					 "%s is a folder, not a database", path);
		}
	}
	/* SQLite's memory statistics take a global mutex on every
	 * allocation (3% of an import); nothing reads them.  Only possible
	 * before SQLite initialises: later calls fail harmlessly. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	store = calloc(1, sizeof(*store));
	if (store == NULL)
		fatal("out of memory");
	rc = sqlite3_open_v2(path, &store->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		if (store->db == NULL)
			fatal("out of memory");
		store_fail(store, rc, NULL, "cannot open %s", path);
	} else if (store_setup(store, path, memory) < 0) {
		rc = -1;
	}
	if (rc != SQLITE_OK) {
		int ret = open_fail(store->temporary, error_r, "%s",
				    store->error);

		store_close(&store);
		return ret;
	}
	*store_r = store;
	return 0;
}

void store_close(struct store **_store)
{
	struct store *store = *_store;

	if (store == NULL)
		return;
	*_store = NULL;
	if (store->depth > 0 && !sqlite3_get_autocommit(store->db)) {
		log_warn("store: closed with a transaction open: rolled back");
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(store->stmts[i]);
	if (sqlite3_close(store->db) != SQLITE_OK)
		log_error("store: close failed: %s", sqlite3_errmsg(store->db));
	free(store);
}

/*
 * Steps a bound statement, calling row() for each row, until the end, an
 * error (-1) or a non-zero return from the caller's callback (returned).
 */
int iterate(struct store *store, enum stmt_id id, sqlite3_stmt *stmt,
		   int rc, row_cb *row, const struct iter *it,
		   const char **error_r, const char *what)
{
	int ret = 0;

	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ret = row(stmt, it);
		if (ret != 0)
			break;
		rc = SQLITE_OK;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store_fail(store, rc, error_r, "cannot list %s", what);
	stmt_put(store, id, stmt);
	return ret;
}

/* ---- durability of this connection's commits ---- */

int store_set_sync_on_commit(struct store *store, bool sync,
			     const char **error_r)
{
	if (exec_sql(store, sync ? "PRAGMA synchronous = FULL" :
		     "PRAGMA synchronous = NORMAL", "set synchronous") < 0) {
		*error_r = store->error;
		return -1;
	}
	return 0;
}
