/*
 * answer.h - whether the gateway answers a message it has just filed, and
 * if so the answer queued in the outbox, in the same transaction as the
 * case (so a crash can neither lose it nor queue it twice).
 *
 * Which answer: a new case gets ack_new_case; a case opened for an
 * unverified follow-up gets unverified_follow_up; a reopened case gets
 * case_reopened; a follow-up gets ack_follow_up only with [gateway]
 * ack_follow_up = yes.
 *
 * Never to a machine, nor to ourselves (answer.c, in this order): no answer
 * to mail classified automatic (Auto-Submitted, lists, bounces,
 * out-of-office...), to a sender without an address, to the gateway's own
 * addresses ([smtp] from, bounce_address, [gateway] addresses, the IMAP
 * accounts' users), to mail carrying our X-Loop, to staff, to an address
 * our mail bounced from, nor more than auto_reply_limit times an hour to
 * one address (counted in the store: a restart does not reset it).  A
 * suppressed answer is recorded on the case with the reason.
 *
 * Language: the account's `language` (or [gateway] language) when it is a
 * code; with "auto", the language of the case's contract (a known
 * customer's, entitle.h), else the one detected in the mail (or the
 * case's);
 * the template set falls back to en, which is logged.
 *
 * Ownership: borrows everything; strings in the result live in the pool.
 * Errors: -1 when the store failed (the caller rolls back), with the reason
 * in *error_r.  Not answering is a success.
 */
#ifndef SUPPORTGW_ANSWER_H
#define SUPPORTGW_ANSWER_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct message;
struct pool;
struct store;
struct template_set;

struct answer_request {
	const struct message *msg;
	uint64_t case_number;
	bool new_case;
	bool reopened;
	bool unverified;
	const char *auto_reason;       /* NULL: written by a person */
	const char *language;          /* detected, or NULL */
	const char *account_language;  /* the account's setting, or NULL */
	int64_t now;
};

struct answer_result {
	const char *kind;              /* template queued, or NULL */
	int64_t outbox_id;
	const char *suppressed;        /* why nothing was queued, or NULL */
};

/* One of the gateway's own addresses ([smtp] from, bounce_address,
 * [gateway] addresses, the IMAP accounts' users), any case. */
bool answer_is_ours(const struct config *config, const char *addr);
/* The message carries an X-Loop naming one of those: our mail came back. */
bool answer_has_our_loop(const struct config *config,
			 const struct message *msg);

int answer_queue(const struct config *config, struct store *store,
		 const struct template_set *templates, struct pool *pool,
		 const struct answer_request *req, struct answer_result *res,
		 const char **error_r) __attribute__((warn_unused_result));

#endif
