/*
 * relay.h - staff working a case from their own mail client, and the
 * customers' replies on renewal cases passed on to the regional team.
 *
 * ingest_message() calls relay_message() for each message it files, after
 * the message is stored and before the answer, in the message's
 * transaction: a command applied, a mail queued and its record as an
 * outgoing message commit with the message, or nothing does.
 *
 * Staff mail (threading_is_staff) filed into a case that already existed
 * (by fingerprint or References):
 *   - Commands: lines alone at the top of the body, after blank lines:
 *     "#close", "#severity A|B|C|D", "#level premier|standard|ppi|none";
 *     any case, spaces around, several (blank lines between them allowed).
 *     They change the case instead of being relayed; each is a case event
 *     naming the staff address.  #severity and #level recompute the
 *     first-response target from the case's creation (entitle_due).  A bad
 *     command ("#severity Z", "#close now") makes the whole mail a no-op:
 *     nothing of it is applied, nothing relayed, and the refusal is a case
 *     event with the reason (a typo must not reach the customer).  A line
 *     starting with "#" that is not one of the three words is ordinary text
 *     and ends the commands.
 *   - The rest is relayed, unless nothing is left but blank lines, the
 *     signature (from a "-- " line on; "--" alone too) and quoted text
 *     (lines starting with ">", and the "On ..., X wrote:" line just above
 *     them): a command-only mail is not relayed at all.
 *   - The relay: To the case's requester, Cc its participants of role "cc"
 *     -- never staff, the gateway's own addresses, nor an address our mail
 *     bounced from; From the gateway ([smtp] from); Subject the case's with
 *     the tag once; the body as the staff member wrote it (signature and
 *     quotes kept; only the command lines and the blank lines after them
 *     dropped); the attachments along; In-Reply-To/References the staff
 *     mail's own chain, else the case's last customer message; no
 *     Auto-Submitted (a person's words), X-Loop still.  Queued in the
 *     outbox (kind "staff_reply") and recorded as an outgoing message of
 *     the case (its attachments too).
 *   - Without [smtp] the commands still apply; the relay is skipped, and
 *     that is a case event.
 *   - Staff mail that opened a case (new, or linked to an old closed one)
 *     is only stored: no command, no relay.
 *
 * A customer's mail (not staff) filed into a renewal case (kind "renewal")
 * is forwarded to its region's forward_to (default: the region's team):
 * From the gateway, Reply-To the customer, Subject the case's with the tag,
 * a short "From: / Date: / Subject:" block then the customer's text, the
 * attachments along; queued (kind "renewal_forward") and recorded as an
 * outgoing message.  A region without a team records an event instead.
 *
 * Never relayed nor forwarded, and no command applied: automatic mail,
 * mail from one of the gateway's own addresses or carrying our X-Loop
 * (answer_is_ours / answer_has_our_loop: the rules of the answers).
 *
 * Ownership: borrows everything; strings in results live in the pool.
 * Errors: -1 when the store failed (the caller rolls back), with the
 * reason in *error_r.  A mail not passed on is a success.
 */
#ifndef SUPPORTGW_RELAY_H
#define SUPPORTGW_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct message;
struct pool;
struct store;

enum relay_command_kind {
	RELAY_CLOSE = 0,
	RELAY_SEVERITY,
	RELAY_LEVEL,
};

struct relay_command {
	enum relay_command_kind kind;
	const char *value;      /* "B", "premier" (normalised); NULL for
	                         * #close and for a bad value */
	const char *line;       /* the line as written, trimmed */
	const char *error;      /* why it cannot apply, or NULL */
};

/* A staff mail's body read for commands: no I/O, for tests too. */
struct relay_text {
	struct relay_command *commands;
	size_t command_count;
	size_t bad_count;       /* commands with an error */
	const char *body;       /* the text after the command lines (the
	                         * whole text when there are none) */
	bool has_words;         /* body holds more than blank lines, the
	                         * signature and quoted text */
};

void relay_parse(struct pool *pool, const char *text, struct relay_text *out);

struct relay_request {
	const struct message *msg;
	uint64_t case_number;
	bool existing_case;     /* filed into a case that existed before
	                         * (appended or reopened), not one it opened */
	const char *auto_reason;   /* NULL: written by a person */
	int64_t now;
};

struct relay_result {
	const char *commands;   /* applied, "close,severity=B", or NULL */
	const char *relayed;    /* queued: "staff_reply" or
	                         * "renewal_forward", or NULL */
	int64_t outbox_id;
	const char *not_relayed;/* why a staff mail or a reply on a renewal
	                         * case was not passed on, or NULL */
};

int relay_message(const struct config *config, struct store *store,
		  struct pool *pool, const struct relay_request *req,
		  struct relay_result *res, const char **error_r)
	__attribute__((warn_unused_result));

#endif
