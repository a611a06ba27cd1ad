/*
 * fetch.h - brings one IMAP account's new mail into the store, safely.
 *
 * For each batch of new UIDs (at most batch_size messages and 16 MiB):
 *   1. UID FETCH BODY.PEEK[] (headers only for messages over
 *      max_message_bytes, which are quarantined by size);
 *   2. ingest every message in ONE store transaction, and commit;
 *   3. copy the quarantined ones to the account's quarantine mailbox;
 *   4. apply `after` (\Seen, move, delete) to exactly the UIDs stored;
 *   5. record the highest UID done (imap_state).
 * A crash anywhere re-reads the batch on the next start: the store
 * recognises each message by its Message-ID (quarantined bytes by their
 * SHA-256), so nothing is lost and nothing is filed twice.  A changed
 * UIDVALIDITY re-reads the whole mailbox the same way.
 *
 * Ownership: borrows the config, account, store and matcher.
 * Errors: the functions return an exit code: 0, EX_TEMPFAIL (server
 * unreachable, login refused, store busy: try again), EX_USAGE (the
 * account's configuration must be fixed: unsafe password file...).  The
 * reason has been logged.
 */
#ifndef SUPPORTGW_FETCH_H
#define SUPPORTGW_FETCH_H

#include <stdbool.h>

struct config;
struct entitle;
struct fp_matcher;
struct imap_account;
struct store;
struct template_set;

struct fetch_env {
	const struct config *config;
	struct store *store;
	const struct fp_matcher *matcher;
	const struct template_set *templates;   /* answers, or NULL */
	const struct entitle *entitle;          /* of new cases, or NULL */
	bool protocol_log;      /* log the IMAP dialogue (debug level) */
};

/* Fetches what is there now, applies `after`, logs out. */
int fetch_once(const struct fetch_env *env, const struct imap_account *account);

/*
 * Stays connected until daemon_stopping(): fetches, then waits with IDLE
 * (renewed every 25 minutes) or polls every poll_seconds.  Reconnects with
 * exponential backoff (1 s doubling to 5 min, with jitter), logging a lost
 * connection once per outage and the reconnection when it comes back.
 * Returns 0 when stopped.
 */
int fetch_forever(const struct fetch_env *env, const struct imap_account *account);

#endif
