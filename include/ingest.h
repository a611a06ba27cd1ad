/*
 * ingest.h - what the gateway does with one incoming message once it has the
 * bytes: parse, recognise automatic mail, find its case (fingerprint, then
 * In-Reply-To/References, else a new case), apply the reopen and anti-hijack
 * rules, and store the case change, the message, its participants and
 * attachments in ONE transaction (a savepoint when the caller already holds
 * a transaction, as `import` does for batches).  Mail that cannot be parsed
 * is quarantined with the reason, in the same way, never dropped.  In the
 * same transaction too: staff commands, the relay of staff answers and the
 * forward of replies on renewal cases (relay.h; not for old_mail), then
 * the answer (answer.h).
 *
 * Used by `deliver`, `import` and (later) the IMAP fetcher: each calls
 * ingest_message() and only tells its source (exit code, IMAP flag) after the
 * outer transaction is committed.
 *
 * Ownership: the context borrows the config, store and matcher; the result's
 * strings live in ctx->pool, which ingest_message() clears at its start, so
 * they are valid until the next call.
 * Errors: -1 when the store failed (nothing of the message was kept; the
 * reason is in *error_r; store_error_temporary() says whether to retry).
 * A message that is quarantined or a duplicate is a success (0).
 */
#ifndef SUPPORTGW_INGEST_H
#define SUPPORTGW_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct entitle;
struct fp_matcher;
struct message;
struct pool;
struct store;

struct ingest_ctx {
	const struct config *config;
	struct store *store;
	const struct fp_matcher *matcher;
	struct pool *pool;      /* per-message; cleared by each call */
	int64_t now;            /* 0: the clock, read per message */
	/* Defaults of the address the mail came through (IMAP account):
	 * language when the text gives none, region of new cases; or NULL. */
	const char *default_language;
	const char *default_region;
	/* Answers (answer.h): queued in the message's transaction when
	 * templates is set.  `import` leaves it NULL: old mail is never
	 * answered.  answer_language: the account's `language` setting. */
	const struct template_set *templates;
	const char *answer_language;
	/* Entitlement (entitle.h): the contract, severity and first-response
	 * target of new cases; NULL: not looked at. */
	const struct entitle *entitle;
	/* Mail from the past (`import`): filed only; no staff command is
	 * applied, nothing relayed or forwarded (relay.h). */
	bool old_mail;
};

enum ingest_outcome {
	INGEST_NEW = 0,         /* opened a case (maybe linked_to another) */
	INGEST_APPENDED,        /* added to an open (or, if auto, closed) case */
	INGEST_REOPENED,        /* added to a recently closed case, reopened */
	INGEST_DUPLICATE,       /* Message-ID already stored: nothing done */
	INGEST_QUARANTINED,     /* not a mail: kept in quarantine */
};

struct ingest_result {
	enum ingest_outcome outcome;
	uint64_t case_number;   /* 0 when quarantined */
	uint64_t linked_to;     /* INGEST_NEW following up another case */
	bool unverified;        /* follow-up refused by the anti-hijack rule */
	const char *message_id;
	const char *auto_reason;   /* NULL when written by a person */
	int64_t quarantine_id;
	const char *reason;     /* why quarantined */
	const char *answer;     /* template queued in the outbox, or NULL */
	const char *suppressed; /* why no answer went out, or NULL */
	/* Staff mail and replies on renewal cases (relay.h): the commands
	 * applied ("close,severity=B"), the mail queued ("staff_reply",
	 * "renewal_forward"), or why such a mail was not passed on; NULL
	 * each when none. */
	const char *commands;
	const char *relayed;
	const char *not_relayed;
};

int ingest_message(struct ingest_ctx *ctx, const char *data, size_t len,
		   const char *source, struct ingest_result *result_r,
		   const char **error_r) __attribute__((warn_unused_result));

const char *ingest_outcome_name(enum ingest_outcome outcome);
/* What the message set off besides its filing, for the one line each
 * caller prints or logs: " answer=K commands=C relayed=K
 * not_relayed=\"why\"" (each only when it happened; "" when none), from
 * the pool (use ctx->pool: valid until the next message). */
const char *ingest_result_effects(struct pool *pool,
				  const struct ingest_result *res);
/* Stores the message's attachments (decoded, each blob once) under its
 * row: the message filed, or the outgoing copy that carries them on. */
int ingest_store_attachments(struct store *store, int64_t row,
			     const struct message *msg, const char **error_r)
	__attribute__((warn_unused_result));

#endif
