/*
 * smtp.h - sends finished messages through the [smtp] relay with libcurl:
 * TLS (smtps://, or STARTTLS required/try/no) with certificate checks on by
 * default, AUTH with a password or an XOAUTH2 bearer token, and one
 * connection reused for every mail of a flush (libcurl keeps it open
 * between transfers on the same handle).  Lives in supportgw-net only: libcurl
 * brings GnuTLS, which `deliver` must not load.
 *
 * The caller decides what a result means for the outbox: SMTP_SENT once the
 * server said 250 to the data; SMTP_TEMPORARY for a 4xx, a lost or refused
 * connection or a timeout (retry later); SMTP_PERMANENT for a 5xx (the
 * mail will never be accepted as it is).
 *
 * Ownership: smtp_new() borrows the config (it must outlive the handle)
 * and hands the handle to the caller (smtp_free()).  *reply_r points into
 * the handle, valid until the next call.
 * Errors: smtp_new() returns NULL with a malloc()ed reason in *error_r when
 * the credentials cannot be read.
 */
#ifndef SUPPORTGW_SMTP_H
#define SUPPORTGW_SMTP_H

#include <stdbool.h>
#include <stddef.h>

struct smtp;
struct smtp_config;

enum smtp_result {
	SMTP_SENT = 0,
	SMTP_TEMPORARY,      /* 4xx, or lost in the middle: retry later */
	SMTP_UNREACHABLE,    /* no connection, or the relay refused to talk
				(TLS, AUTH): retry later, and the other mails
				would fare no better now */
	SMTP_PERMANENT,      /* 5xx to this mail: give up */
};

/* protocol_log: libcurl's dialogue at debug level (AUTH lines hidden). */
struct smtp *smtp_new(const struct smtp_config *config, bool protocol_log,
		      char **error_r);
void smtp_free(struct smtp **smtp);

/*
 * Sends raw (len bytes, CRLF line ends, dot-stuffing done by libcurl) with
 * MAIL FROM mail_from to every address of rcpts (space-separated).
 * *reply_r: the server's last answer or what went wrong, for the log and
 * the outbox row.
 */
enum smtp_result smtp_send(struct smtp *smtp, const char *mail_from,
			   const char *rcpts, const void *raw, size_t len,
			   const char **reply_r);

#endif
