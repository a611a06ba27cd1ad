/*
 * bounce.h - what a delivery status notification (a bounce) says: which of
 * the gateway's own mails bounced (its original Message-IDs), which
 * recipients failed, and why.  A pure function over a parsed message (see
 * message.h); no I/O, no logging, no SQL.
 *
 * Recognised:
 *  - RFC 3464 reports: multipart/report with report-type delivery-status
 *    (or global-delivery-status, RFC 6533), a bare top-level
 *    message/delivery-status, and a delivery-status part anywhere in a mail
 *    from the mail system (null sender, MAILER-DAEMON, postmaster: a report
 *    a relay wrapped in multipart/mixed).
 *    Each message/delivery-status or message/global-delivery-status part is
 *    read as groups of "Name: value" fields (folded lines unfolded)
 *    separated by blank lines; a group with Final-Recipient,
 *    Original-Recipient or Action is a recipient (a second Final-Recipient
 *    without a blank line starts the next one).  The returned original is
 *    a message/rfc822, message/global, text/rfc822-headers or
 *    message/global-headers part; its Message-ID is read with libetpan's
 *    mailimf_msg_id_parse (leniently when that fails, as message.c does).
 *  - Plain-text bounces (qmail, Exim, old Gmail and sendmail): a mail from a
 *    null sender, MAILER-DAEMON or postmaster, or with X-Failed-Recipients,
 *    whose text holds the original after a line such as "--- Below this line
 *    is a copy of the message." or "------ This is a copy of the message,
 *    including all the headers. ------", or that has a bounce subject.  The
 *    failed recipients come from X-Failed-Recipients, else from the text
 *    ("<addr>:" lines of qmail, address lines after "...failed:" of Exim);
 *    best effort.  Delay warnings ("Warning: message delayed", "THIS IS A
 *    WARNING ONLY") are not bounces.
 * Not bounces: read receipts (report-type disposition-notification), abuse
 * reports (feedback-report), and any mail a person wrote.
 *
 * Ownership: every string and array of the report is allocated from the pool
 * passed in (or is static) and lives as long as the pool; msg is only read.
 * Errors: none.  Any input gives a report; what cannot be read is left out.
 * Work is linear in the size of the message; the lists are capped.
 */
#ifndef SUPPORTGW_BOUNCE_H
#define SUPPORTGW_BOUNCE_H

#include <stdbool.h>
#include <stddef.h>

struct message;
struct pool;

#define BOUNCE_MAX_IDS 32          /* original Message-IDs kept at most */
#define BOUNCE_MAX_FAILED 1000     /* failed recipients kept at most */
#define BOUNCE_MAX_DIAGNOSTIC 1000 /* bytes of diagnostic text kept at most */

struct bounce_report {
	/* At least one recipient failed, or a delivery report without any
	 * recipient information returns a message.  False for a report whose
	 * recipients were all delayed, delivered, relayed or expanded, and for
	 * everything that is no bounce.  The other fields are filled whenever
	 * the mail is a delivery report, even when is_bounce is false (a delay
	 * report still names the mail it is about). */
	bool is_bounce;
	/* Message-IDs (no brackets) of the mail that bounced: the Message-ID of
	 * each returned message or header part, then the Original-Message-ID
	 * fields of the report, without duplicates, in that order. */
	const char **original_ids;
	size_t original_id_count;
	/* Addresses of the recipients with Action: failed (Final-Recipient,
	 * else Original-Recipient; the address after "rfc822;"), lower-case,
	 * without duplicates, in order.  A recipient group without Action but
	 * with a 5.x.x Status counts as failed.  A report without recipient
	 * groups, and a plain-text bounce, take X-Failed-Recipients; a
	 * plain-text bounce without it, the addresses its text names. */
	const char **failed;
	size_t failed_count;
	/* Status of the first failed recipient that has one ("5.1.1"), else
	 * NULL.  For a plain-text bounce: the first X.Y.Z code of its
	 * diagnostic text, if any. */
	const char *status;
	/* Diagnostic-Code of the first failed recipient that has one, unfolded,
	 * without its type ("smtp; 550 5.1.1 User unknown" gives "550 5.1.1
	 * User unknown"), valid UTF-8, at most BOUNCE_MAX_DIAGNOSTIC bytes; else
	 * NULL.  For a plain-text bounce: the lines that follow the first
	 * failed address, joined. */
	const char *diagnostic;
};

/* Fills r from msg (allocations from pool).  Never fails: a message that is
 * no bounce gives is_bounce = false and empty lists (arrays NULL, counts
 * 0). */
void bounce_parse(const struct message *msg, struct pool *pool,
		  struct bounce_report *r);

#endif
