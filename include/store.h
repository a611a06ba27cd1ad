/*
 * store.h - the gateway's durable state: cases, messages, participants,
 * attachments, Message-IDs and quarantine.  All SQL lives behind this
 * interface (gateway/store_sqlite.c is the SQLite backend); no other module
 * includes sqlite3.h, so a PostgreSQL backend can be added behind the same
 * calls.
 *
 * SQLite runs in WAL mode with foreign keys on, a busy timeout, and
 * synchronous=FULL, so a committed transaction is on disk when store_commit()
 * returns.  The schema is versioned with PRAGMA user_version and migrated
 * forward by store_open().
 *
 * Transactions: store_begin()/store_commit()/store_rollback() nest; the
 * outermost is a real transaction, inner ones are savepoints, so `import`
 * can batch many messages in one transaction while each message is still
 * undone alone when it fails.
 *
 * Ownership: the store handle belongs to the caller of store_open().  Rows
 * handed to callbacks are borrowed and valid only during the callback; rows
 * returned through *_r pointers are allocated from the pool the caller gives.
 * Strings passed in are copied by the store.
 * Errors: -1 with the reason in *error_r (valid until the next call on the
 * store); store_error_temporary() then tells whether trying again later may
 * succeed (database busy or locked, disk full, I/O error, cannot open), which
 * `deliver` turns into exit 75.  Look-ups return 1 found, 0 not found.
 */
#ifndef SUPPORTGW_STORE_H
#define SUPPORTGW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;
struct store;

enum case_status {
	CASE_OPEN = 0,
	CASE_CLOSED = 1,
};

enum msg_direction {
	MSG_IN = 0,    /* received from a customer or staff member */
	MSG_OUT = 1,   /* sent by the gateway (later issues) */
};

struct store_case {
	uint64_t number;          /* assigned by the store: 1, 2, 3... */
	enum case_status status;
	const char *subject;      /* subject without prefixes and tag */
	const char *requester;    /* address of the person who opened it */
	const char *requester_name;
	const char *language;     /* "fr", "en"... or NULL */
	const char *region;       /* "EMEA", "AMS"... or NULL */
	int64_t created_at;
	int64_t updated_at;
	int64_t closed_at;        /* 0 while open */
	uint64_t linked_to;       /* case this one follows up, or 0 */
	bool unverified;          /* opened by an unverified follow-up */
	unsigned message_count;   /* filled by reads, ignored on create */
	const char *kind;         /* "support" (NULL on create) or "renewal" */
	/* Entitlement (schema 4): severity "A".."D", the contract's level
	 * ("premier", "standard", "ppi", "none"), the first-response target
	 * (0: none) and the contract matched; each NULL/0 when unknown. */
	const char *severity;
	const char *level;
	int64_t due;
	const char *contract;
	/* A renewal case's key (customer and expiry date), NULL otherwise;
	 * unique in the store. */
	const char *renewal_key;
};

struct store_message {
	int64_t id;               /* assigned by the store */
	uint64_t case_number;
	enum msg_direction direction;
	const char *message_id;   /* without brackets; unique in the store */
	const char *from_addr;
	const char *from_name;
	const char *subject;
	int64_t date;             /* Date: header, 0 when has_date is false */
	bool has_date;
	int64_t received_at;
	const char *in_reply_to;  /* or NULL */
	const char *references;   /* space-separated msg-ids, or NULL */
	bool is_auto;
	const char *auto_reason;  /* NULL when !is_auto */
	const char *language;     /* or NULL */
	const char *source;       /* "deliver", "import:PATH", "imap:ACCOUNT" */
	/* Raw header block, headers_len bytes (not NUL-terminated when it
	 * points into raw).  When it is raw itself, as it is for nearly all
	 * mail, the store keeps only the length: the block is stored once. */
	const char *headers;
	size_t headers_len;
	const char *text;         /* decoded body text */
	const char *notes;        /* tolerances applied, one per line, or NULL */
	const void *raw;          /* whole raw message (not read back by lists) */
	size_t raw_len;
};

struct store_attachment {
	const char *filename;
	const char *content_type;
	bool is_inline;
	const void *data;         /* decoded content, stored once per sha256 */
	size_t size;
	const char *sha256;       /* 64 hex digits */
};

struct store_quarantine {
	int64_t id;
	int64_t received_at;
	const char *source;
	const char *reason;
	size_t raw_len;
};

enum outbox_status {
	OUTBOX_QUEUED = 0,
	OUTBOX_SENT = 1,
	OUTBOX_FAILED = 2,
};

/* One outgoing mail. */
struct store_outbox {
	int64_t id;               /* assigned by the store */
	uint64_t case_number;     /* 0 when about no case */
	const char *kind;         /* template: "ack_new_case"... */
	const char *message_id;   /* without brackets; unique */
	const char *mail_from;    /* envelope sender (bounce address) */
	const char *rcpt;         /* envelope recipients, space-separated */
	enum outbox_status status;
	unsigned attempts;
	int64_t created_at;
	int64_t next_attempt_at;
	int64_t sent_at;          /* 0 until sent */
	const char *last_error;   /* the server's answer to the last try */
	const void *raw;          /* the exact bytes (store_outbox_get only) */
	size_t raw_len;
};

/*
 * A support contract or licence (contracts import).  Dates are ISO
 * "YYYY-MM-DD" (or NULL); customer_email is stored lower-case.
 */
struct store_contract {
	const char *id;            /* the contract number, unique */
	const char *customer_email;
	const char *customer_name;
	const char *company;
	const char *product;
	const char *serial;        /* licence key or serial number */
	const char *region;        /* "EMEA", "AMS"... or NULL */
	const char *language;      /* "fr", "en"... or NULL */
	const char *level;         /* "premier", "standard", "ppi", "none" */
	const char *starts;
	const char *expires;
	bool auto_renew;
	const char *renewal_id;
	int64_t updated_at;
	/* Filled by store_renewal_candidates() only: whether a renewal
	 * notice was already sent for this expiry date, and the smallest
	 * schedule step (days before expiry) among those sent. */
	bool notice_sent;
	int notice_step;
};

/* One renewal notice sent (the ledger: at most one per contract, expiry
 * date and step). */
struct store_notice {
	const char *contract;
	const char *expires;
	int step;                  /* days before expiry; negative: after */
	const char *kind;          /* "reminder", "auto", "expired" */
	uint64_t case_number;
	int64_t outbox_id;         /* 0: none (a dry run never writes) */
	const char *run_date;      /* the run's date, YYYY-MM-DD */
	int64_t at;
};

struct store_stats {
	uint64_t cases, open_cases, messages, attachments, blobs, quarantined;
};

/* Opens (creating it and its parent folder, mode 0750, when missing) and
 * migrates the store at path; ":memory:" is a private in-memory store.
 * Returns 0, -1 on a permanent failure (the path is not usable, the file is
 * not a database, its schema is newer than this code), or -2 when trying
 * again later may succeed (permission denied, disk full, I/O error, database
 * busy): `deliver` exits 75 then.  There is no store to ask on failure, so
 * *error_r is kept in a per-thread buffer, valid until the next store_open(). */
int store_open(const char *path, struct store **store_r, const char **error_r)
	__attribute__((warn_unused_result));
void store_close(struct store **store);
bool store_error_temporary(const struct store *store);
/* How long a writer waits for another one (default 5000 ms); for tests. */
void store_set_busy_timeout(struct store *store, int ms);
/*
 * sync = false: this connection's commits stop waiting for the disk
 * (synchronous=NORMAL in WAL mode): still atomic, and kept when the process
 * dies, but the last ones may be lost if the machine loses power.  For the
 * sender, whose commits only record "sent": a lost one means one mail sent
 * again after a power cut, never a lost mail.  Default: true.
 */
int store_set_sync_on_commit(struct store *store, bool sync,
			     const char **error_r) __attribute__((warn_unused_result));

int store_begin(struct store *store, const char **error_r)
	__attribute__((warn_unused_result));
/* A transaction for reading only (BEGIN DEFERRED; nested: a savepoint):
 * many look-ups on one snapshot without taking the write lock or paying
 * each statement's own read transaction (`renewals run --dry-run`).  End
 * it with store_commit() or store_rollback(); do not write in it. */
int store_begin_read(struct store *store, const char **error_r)
	__attribute__((warn_unused_result));
/* On failure the transaction or savepoint is still open: call
 * store_rollback() for it. */
int store_commit(struct store *store, const char **error_r)
	__attribute__((warn_unused_result));
/* Undoes the innermost open transaction or savepoint. */
void store_rollback(struct store *store);

/* Which case holds this Message-ID (in either direction)? */
int store_message_id_case(struct store *store, const char *message_id,
			  uint64_t *case_r, const char **error_r)
	__attribute__((warn_unused_result));

int store_case_get(struct store *store, struct pool *pool, uint64_t number,
		   struct store_case **case_r, const char **error_r)
	__attribute__((warn_unused_result));
/* Uses every field of c but number, status (open), closed_at and
 * message_count; sets *number_r. */
int store_case_create(struct store *store, const struct store_case *c,
		      uint64_t *number_r, const char **error_r)
	__attribute__((warn_unused_result));
/* Sets the status; closed_at becomes when (CASE_CLOSED) or 0 (CASE_OPEN).
 * Returns 0, or -1 (also when the case does not exist: then
 * store_error_temporary() is false and the reason says so). */
int store_case_set_status(struct store *store, uint64_t number,
			  enum case_status status, int64_t when,
			  const char **error_r)
	__attribute__((warn_unused_result));

/* Sets the case's entitlement: severity, level, due (0: none) and
 * contract (NULL clears each).  -1 also when the case does not exist. */
int store_case_set_entitlement(struct store *store, uint64_t number,
			       const char *severity, const char *level,
			       int64_t due, const char *contract,
			       const char **error_r)
	__attribute__((warn_unused_result));
/* The renewal case with this key: 1 (and *number_r), 0 or -1. */
int store_case_by_renewal_key(struct store *store, const char *key,
			      uint64_t *number_r, const char **error_r)
	__attribute__((warn_unused_result));

/* Adds an address to the case's participants (no-op when present).
 * role: "requester", "cc", "staff", "follow-up". */
int store_participant_add(struct store *store, uint64_t number,
			  const char *addr, const char *role,
			  const char **error_r)
	__attribute__((warn_unused_result));
/* The case's participant addresses, pool-allocated, lower-case, in the
 * order they joined, and their roles when roles_r is not NULL. */
int store_participants(struct store *store, struct pool *pool,
		       uint64_t number, const char ***addrs_r,
		       const char ***roles_r, size_t *count_r,
		       const char **error_r)
	__attribute__((warn_unused_result));

/* Adds the message and its Message-ID, and bumps the case's updated_at.
 * Fails (not temporarily) when the Message-ID is already stored; except
 * that an outgoing message (MSG_OUT) may take the Message-ID its outbox
 * row recorded for the same case (store_outbox_add), so the mail the
 * gateway sent is kept with the case too. */
int store_message_add(struct store *store, const struct store_message *m,
		      int64_t *id_r, const char **error_r)
	__attribute__((warn_unused_result));
/* Reads a message's raw text by row into the pool (NUL-terminated, not
 * counted in *len_r): 1, 0 or -1. */
int store_message_raw(struct store *store, struct pool *pool, int64_t id,
		      const void **data_r, size_t *len_r, const char **error_r)
	__attribute__((warn_unused_result));
int store_attachment_add(struct store *store, int64_t message_row,
			 const struct store_attachment *a,
			 const char **error_r)
	__attribute__((warn_unused_result));
/* Reads one attachment's content by hash into the pool: 1, 0 or -1. */
int store_blob_get(struct store *store, struct pool *pool, const char *sha256,
		   const void **data_r, size_t *len_r, const char **error_r)
	__attribute__((warn_unused_result));

/* Keeps bytes that could not be filed, with the reason.  The same bytes
 * (by SHA-256) are kept once: 1 and the existing entry's id when they
 * already were, 0 when added, -1 on error. */
int store_quarantine_add(struct store *store, const char *source,
			 const char *reason, const void *raw, size_t raw_len,
			 int64_t when, int64_t *id_r, const char **error_r)
	__attribute__((warn_unused_result));

/* The raw bytes of one quarantined message, into the pool: 1, 0 or -1. */
int store_quarantine_raw(struct store *store, struct pool *pool, int64_t id,
			 const void **raw_r, size_t *len_r, const char **error_r)
	__attribute__((warn_unused_result));

/* Iterators: the callback returns 0 to go on, non-zero to stop (that value
 * is then returned).  status_filter: -1 all, else an enum case_status. */
typedef int store_case_cb(void *ctx, const struct store_case *c);
typedef int store_message_cb(void *ctx, const struct store_message *m);
typedef int store_attachment_cb(void *ctx, const struct store_attachment *a);
typedef int store_quarantine_cb(void *ctx, const struct store_quarantine *q);
typedef int store_outbox_cb(void *ctx, const struct store_outbox *o);
typedef int store_event_cb(void *ctx, int64_t at, const char *kind,
			   const char *detail);
typedef int store_contract_cb(void *ctx, const struct store_contract *c);
typedef int store_notice_cb(void *ctx, const struct store_notice *n);

int store_cases_list(struct store *store, int status_filter,
		     store_case_cb *cb, void *ctx, const char **error_r)
	__attribute__((warn_unused_result));
/* Messages of a case in the order they were stored; raw is not filled. */
int store_case_messages(struct store *store, uint64_t number,
			store_message_cb *cb, void *ctx, const char **error_r)
	__attribute__((warn_unused_result));
/* Attachments of one message (data not filled). */
int store_message_attachments(struct store *store, int64_t message_row,
			      store_attachment_cb *cb, void *ctx,
			      const char **error_r)
	__attribute__((warn_unused_result));
int store_quarantine_list(struct store *store, store_quarantine_cb *cb,
			  void *ctx, const char **error_r)
	__attribute__((warn_unused_result));

int store_get_stats(struct store *store, struct store_stats *stats_r,
		    const char **error_r) __attribute__((warn_unused_result));

/*
 * Where fetching an IMAP mailbox stands: the UIDVALIDITY last seen and the
 * highest UID whose message is stored and whose `after` action was applied.
 * get: 1 found, 0 never fetched (both set to 0), -1 error.
 * set: inserts or replaces; 0 or -1.
 */
int store_imap_state_get(struct store *store, const char *account,
			 const char *mailbox, uint32_t *uidvalidity_r,
			 uint32_t *last_uid_r, const char **error_r)
	__attribute__((warn_unused_result));
int store_imap_state_set(struct store *store, const char *account,
			 const char *mailbox, uint32_t uidvalidity,
			 uint32_t last_uid, int64_t when, const char **error_r)
	__attribute__((warn_unused_result));

/*
 * Outgoing mail.  store_outbox_add() queues a mail (due at once) and, when
 * it is about a case, records its Message-ID with the case, so replies to
 * it thread by References; call it in the transaction that decided to send.
 * The sender takes the due ids (store_outbox_due), reads each
 * (store_outbox_get, raw filled, pool-allocated), and after each attempt
 * records the outcome in a transaction of its own: mark_sent, mark_retry
 * (attempts + 1, due again at next_at) or mark_failed.  Those fail (not
 * temporarily) when the row is not queued.  requeue: a failed (or queued)
 * mail is due again at now; a sent one is refused.
 * status_filter: -1 all, else an enum outbox_status.
 */
int store_outbox_add(struct store *store, const struct store_outbox *o,
		     int64_t *id_r, const char **error_r)
	__attribute__((warn_unused_result));
int store_outbox_due(struct store *store, struct pool *pool, int64_t now,
		     unsigned limit, int64_t **ids_r, size_t *count_r,
		     const char **error_r) __attribute__((warn_unused_result));
int store_outbox_get(struct store *store, struct pool *pool, int64_t id,
		     struct store_outbox **o_r, const char **error_r)
	__attribute__((warn_unused_result));
int store_outbox_list(struct store *store, int status_filter,
		      store_outbox_cb *cb, void *ctx, const char **error_r)
	__attribute__((warn_unused_result));
int store_outbox_mark_sent(struct store *store, int64_t id, int64_t when,
			   const char **error_r) __attribute__((warn_unused_result));
int store_outbox_mark_retry(struct store *store, int64_t id, int64_t next_at,
			    const char *reason, const char **error_r)
	__attribute__((warn_unused_result));
int store_outbox_mark_failed(struct store *store, int64_t id,
			     const char *reason, const char **error_r)
	__attribute__((warn_unused_result));
int store_outbox_requeue(struct store *store, int64_t id, int64_t now,
			 const char **error_r) __attribute__((warn_unused_result));

/* Automatic answers sent to an address since a time (the rate limit), and
 * counting one more. */
int store_auto_reply_count(struct store *store, const char *address,
			   int64_t since, unsigned *count_r, const char **error_r)
	__attribute__((warn_unused_result));
int store_auto_reply_add(struct store *store, const char *address,
			 int64_t when, const char **error_r)
	__attribute__((warn_unused_result));

/*
 * Case events: what happened to a case besides its messages ("answer
 * suppressed: rate limit", "bounce: 5.1.1 from x@y"...), in order.
 * Undeliverable addresses: where our mail bounced; get: 1 listed, 0 not.
 */
int store_case_event_add(struct store *store, uint64_t number, int64_t at,
			 const char *kind, const char *detail,
			 const char **error_r) __attribute__((warn_unused_result));
int store_case_events(struct store *store, uint64_t number,
		      store_event_cb *cb, void *ctx, const char **error_r)
	__attribute__((warn_unused_result));
int store_undeliverable_add(struct store *store, const char *address,
			    int64_t at, const char *reason, const char **error_r)
	__attribute__((warn_unused_result));
int store_undeliverable_get(struct store *store, const char *address,
			    const char **error_r) __attribute__((warn_unused_result));

/*
 * Contracts.  upsert: inserts or replaces by id (customer_email is
 * lower-cased); *inserted_r (may be NULL) says which.  get: 1, 0, -1.
 * list: by expiry date then id; expires_from/expires_to (inclusive,
 * "YYYY-MM-DD") and region may each be NULL for no bound.
 * by_email: the contracts of one customer address, latest expiry first.
 * by_key: the contracts whose id, serial or renewal_id is key.
 */
int store_contract_upsert(struct store *store, const struct store_contract *c,
			  bool *inserted_r, const char **error_r)
	__attribute__((warn_unused_result));
int store_contract_get(struct store *store, struct pool *pool, const char *id,
		       struct store_contract **c_r, const char **error_r)
	__attribute__((warn_unused_result));
int store_contracts_list(struct store *store, const char *expires_from,
			 const char *expires_to, const char *region,
			 store_contract_cb *cb, void *ctx, const char **error_r)
	__attribute__((warn_unused_result));
int store_contracts_by_email(struct store *store, const char *email,
			     store_contract_cb *cb, void *ctx,
			     const char **error_r)
	__attribute__((warn_unused_result));
int store_contracts_by_key(struct store *store, const char *key,
			   store_contract_cb *cb, void *ctx,
			   const char **error_r)
	__attribute__((warn_unused_result));
int store_contract_count(struct store *store, uint64_t *count_r,
			 const char **error_r) __attribute__((warn_unused_result));

/*
 * Renewals.  candidates: the contracts expiring between the two dates
 * (inclusive), ordered by customer_email, region, expires, id, with
 * notice_sent/notice_step filled.  notice_add: records one notice in the
 * caller's transaction; returns 1 when that contract, expiry date and step
 * was already recorded (nothing written: the caller must not send), 0 when
 * added, -1 on error.  notices: a contract's notices, oldest first.
 */
int store_renewal_candidates(struct store *store, const char *expires_from,
			     const char *expires_to, store_contract_cb *cb,
			     void *ctx, const char **error_r)
	__attribute__((warn_unused_result));
int store_renewal_notice_add(struct store *store, const struct store_notice *n,
			     const char **error_r)
	__attribute__((warn_unused_result));
int store_renewal_notices(struct store *store, const char *contract,
			  store_notice_cb *cb, void *ctx, const char **error_r)
	__attribute__((warn_unused_result));

#endif
