/*
 * classify.h - what kind of mail this is: automatic or written by a person,
 * and in which language.  Pure functions over a parsed message; no I/O.
 *
 * Ownership: returned strings are static.
 * Errors: none.
 */
#ifndef SUPPORTGW_CLASSIFY_H
#define SUPPORTGW_CLASSIFY_H

struct message;

/*
 * NULL when the mail looks written by a person, else the reason, one of:
 * "auto-submitted" (Auto-Submitted other than "no", RFC 3834),
 * "precedence" (Precedence: bulk, junk or list),
 * "list" (List-Id or List-Unsubscribe, RFC 2369/2919),
 * "bounce" (multipart/report delivery-status or disposition-notification,
 *           RFC 3464/8098),
 * "autoreply-header" (X-Autoreply, X-Autorespond, X-Auto-Response-Suppress),
 * "null-sender" (Return-Path: <>),
 * "mailer-daemon" (From MAILER-DAEMON@ or postmaster@).
 * Checked in that order; the first that holds is returned.
 */
const char *classify_auto(const struct message *msg);

/*
 * A cheap guess of the language of a text by counting frequent short words:
 * "fr", "en", "de", "es", "it", "nl", or NULL when the text is too short or
 * no language clearly leads.
 */
const char *classify_language(const char *text);

#endif
