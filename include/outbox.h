/*
 * outbox.h - delivers the queued outgoing mail (store.h's outbox) through
 * the [smtp] relay (smtp.h), one reused connection per flush.
 *
 * For each due row, in order: read it, send it, then record the outcome in
 * a transaction of its own before the next one is sent: sent; a retry at
 * now + backoff (1 min doubling to 6 h, with jitter) after a 4xx, a lost
 * connection or a timeout; failed, with the server's answer, after a 5xx
 * or after max_attempts tries.  So after a crash a mail can be sent twice
 * only if the crash fell between the server's 250 and that commit.  Those
 * commits do not wait for the disk (store_set_sync_on_commit): they
 * survive a process crash or kill -9, not a power cut, which could send the
 * last few mails again (never lose one).  When
 * the relay cannot be reached at all, the flush stops at the first mail
 * (which gets its retry) instead of trying every row.
 *
 * Ownership: borrows the config and the store.
 * Errors: outbox_flush() returns 0, or -1 when the store failed (reason
 * logged; store_error_temporary() tells whether to retry).
 */
#ifndef SUPPORTGW_OUTBOX_H
#define SUPPORTGW_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct store;

struct outbox_stats {
	size_t sent, retried, failed;
	bool relay_down;        /* stopped early: the relay is unreachable */
};

/* Sends what is due at now (0: the clock), at most limit mails (0: all). */
int outbox_flush(const struct config *config, struct store *store,
		 int64_t now, size_t limit, bool protocol_log,
		 struct outbox_stats *stats_r) __attribute__((warn_unused_result));

/* Seconds to wait before attempt number `attempts + 1`. */
int64_t outbox_backoff(unsigned attempts);

#endif
