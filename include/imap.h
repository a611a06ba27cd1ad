/*
 * imap.h - one IMAP connection for one [imap:NAME] account, over libetpan's
 * mailimap: connect (TLS, STARTTLS, certificate check), log in (LOGIN,
 * AUTHENTICATE PLAIN, XOAUTH2), select, fetch by UID, copy, move, flag,
 * expunge and IDLE.  The fetcher (fetch.h) decides what to do; this module
 * only speaks the protocol.  Lives in supportgw-net only.
 *
 * Ownership: imap_new() hands the session to the caller (imap_free()); it
 * borrows the account, which must outlive it.  Data handed to callbacks is
 * valid only during the callback.  Arrays returned through *_r are malloc()ed
 * and freed by the caller.
 * Errors: -1, with imap_error() saying what happened (valid until the next
 * call) and imap_failure() what kind of failure it was, which decides what
 * the caller does: reconnect later, give up on the account, or carry on.
 * Credentials never appear in errors or in the protocol log.
 */
#ifndef SUPPORTGW_IMAP_H
#define SUPPORTGW_IMAP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct imap;
struct imap_account;

enum imap_failure {
	IMAP_FAIL_NONE = 0,
	IMAP_FAIL_NET,      /* cannot connect, lost, timed out, TLS failed:
			       try again later on a new connection */
	IMAP_FAIL_AUTH,     /* credentials refused, or the token command
			       failed */
	IMAP_FAIL_TLS,      /* certificate untrusted, no STARTTLS offered:
			       the server or tls_ca_file must change */
	IMAP_FAIL_CONFIG,   /* the account's own settings: password_file
			       unreadable or readable by others */
	IMAP_FAIL_REFUSED,  /* the server answered NO/BAD to one command; the
			       connection is still usable */
};

struct imap_mailbox {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t exists;
};

/* One message's UID and size, from imap_list_new(). */
struct imap_uid {
	uint32_t uid;
	uint32_t size;
};

/* protocol_log: log the dialogue at debug level (credentials hidden). */
struct imap *imap_new(const struct imap_account *account, bool protocol_log);
void imap_free(struct imap **imap);

const char *imap_error(const struct imap *imap);
enum imap_failure imap_failure(const struct imap *imap);

/* Connects, sets up TLS as configured (checking the certificate when
 * tls_verify is on) and reads the capabilities. */
int imap_connect(struct imap *imap) __attribute__((warn_unused_result));
/* Logs in with the account's credentials (password, password_file or
 * oauth2_token_command); *method_r names the method used. */
int imap_login(struct imap *imap, const char **method_r)
	__attribute__((warn_unused_result));
/* Sends LOGOUT (best effort) and closes the connection. */
void imap_logout(struct imap *imap);

/* Capability check, e.g. "IDLE", "MOVE", "UIDPLUS". */
bool imap_has(struct imap *imap, const char *capability);
/* The capabilities, space-separated, into buf. */
const char *imap_capabilities(struct imap *imap, char *buf, size_t size);
/* A TLS description ("TLS1.3 ...") or "none". */
const char *imap_tls_info(struct imap *imap, char *buf, size_t size);

int imap_select(struct imap *imap, const char *mailbox,
		struct imap_mailbox *info_r) __attribute__((warn_unused_result));
/* The selected mailbox's message count as the server last told it
 * (EXISTS, also in answers to other commands). */
uint32_t imap_exists(const struct imap *imap);
/* Creates a mailbox unless it exists: 1 created, 0 existed, -1 error. */
int imap_ensure_mailbox(struct imap *imap, const char *mailbox)
	__attribute__((warn_unused_result));
/* 1 the mailbox exists, 0 not, -1 error. */
int imap_mailbox_exists(struct imap *imap, const char *mailbox)
	__attribute__((warn_unused_result));

/* The UIDs (and sizes) of the selected mailbox's messages above after_uid,
 * in ascending order. */
int imap_list_new(struct imap *imap, uint32_t after_uid,
		  struct imap_uid **uids_r, size_t *count_r)
	__attribute__((warn_unused_result));

/* Called once per fetched message, in UID order; non-zero stops. */
typedef int imap_message_cb(void *ctx, uint32_t uid, const char *data,
			    size_t len);
/* Fetches the messages (BODY.PEEK[], or BODY.PEEK[HEADER] when
 * headers_only) of the given UIDs in one UID FETCH.  A UID the server no
 * longer has (expunged meanwhile) is simply absent. */
int imap_fetch(struct imap *imap, const uint32_t *uids, size_t count,
	       bool headers_only, imap_message_cb *cb, void *ctx)
	__attribute__((warn_unused_result));

/* UID COPY to mailbox. */
int imap_copy(struct imap *imap, const uint32_t *uids, size_t count,
	      const char *mailbox) __attribute__((warn_unused_result));
/* Adds \Seen. */
int imap_mark_seen(struct imap *imap, const uint32_t *uids, size_t count)
	__attribute__((warn_unused_result));
/* Adds \Deleted and expunges them: UID EXPUNGE with UIDPLUS, else
 * EXPUNGE (which also removes other messages flagged \Deleted). */
int imap_delete(struct imap *imap, const uint32_t *uids, size_t count)
	__attribute__((warn_unused_result));
/* UID MOVE with MOVE, else copy then delete. */
int imap_move(struct imap *imap, const uint32_t *uids, size_t count,
	      const char *mailbox) __attribute__((warn_unused_result));

/*
 * Waits for news on the selected mailbox: IDLE when the server has it,
 * else just waits.  Returns when the server says something (1), after
 * timeout_ms (0), or when stop_fd becomes readable or a signal arrives
 * (2; stop_fd is not read), or -1 on error.  IDLE is ended with DONE
 * before returning.  sigmask: the signal mask while waiting (ppoll), so
 * signals blocked during the work get in; NULL keeps the current one.
 */
int imap_wait(struct imap *imap, int stop_fd, int timeout_ms,
	      const sigset_t *sigmask)
	__attribute__((warn_unused_result));

#endif
