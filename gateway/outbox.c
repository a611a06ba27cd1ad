/*
 * outbox.c - the sender loop; see include/outbox.h.
 */
#include "outbox.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "pool.h"
#include "smtp.h"
#include "store.h"
#include "util.h"

#define DUE_PER_ROUND 500

int64_t outbox_backoff(unsigned attempts)
{
	/* 1 min, 2, 4 ... capped at 6 h, with jitter: a queue that built up
	 * during an outage does not return in step. */
	return backoff_jitter(60, attempts, 6 * 3600);
}

/* One outcome, committed on its own: the next mail waits for it. */
static int record(struct store *store, const struct store_outbox *o,
		  enum smtp_result r, const char *reply, int64_t now,
		  unsigned max_attempts, struct outbox_stats *st)
{
	const char *error = NULL;
	int ret;

	if (store_begin(store, &error) < 0)
		goto fail;
	switch (r) {
	case SMTP_SENT:
		ret = store_outbox_mark_sent(store, o->id, now, &error);
		st->sent++;
		log_info("outbox id=%" PRId64 " msgid=<%s> to=%s: sent (%s)", o->id,
			 o->message_id, o->rcpt, reply);
		break;
	case SMTP_TEMPORARY:
	case SMTP_UNREACHABLE:
		if (o->attempts + 1 < max_attempts) {
			int64_t next = now + outbox_backoff(o->attempts);

			ret = store_outbox_mark_retry(store, o->id, next, reply, &error);
			st->retried++;
			log_warn("outbox id=%" PRId64 " to=%s: %s; retry %u of %u in "
				 "%" PRId64 " s", o->id, o->rcpt, reply,
				 o->attempts + 2, max_attempts, next - now);
			break;
		}
		/* out of attempts */
		__attribute__((fallthrough));
	default:
		ret = store_outbox_mark_failed(store, o->id, reply, &error);
		st->failed++;
		log_error("outbox id=%" PRId64 " to=%s: failed after %u attempt%s: %s",
			  o->id, o->rcpt, o->attempts + 1,
			  o->attempts == 0 ? "" : "s", reply);
		break;
	}
	if (ret < 0 || store_commit(store, &error) < 0) {
		store_rollback(store);
		goto fail;
	}
	return 0;
fail:
	log_error("outbox id=%" PRId64 ": cannot record the outcome: %s", o->id, error);
	return -1;
}

int outbox_flush(const struct config *config, struct store *store,
		 int64_t now, size_t limit, bool protocol_log,
		 struct outbox_stats *stats_r)
{
	struct pool *pool = pool_new(64 * 1024);
	struct smtp *smtp = NULL;
	const char *error = NULL;
	char *serr = NULL;
	size_t done = 0;
	int ret = 0;
	bool fixed_now = now != 0;

	stats_r->sent = stats_r->retried = stats_r->failed = 0;
	stats_r->relay_down = false;
	/* One commit per mail, before the next is sent: waiting for the disk
	 * each time would cost more than the SMTP dialogue.  A process crash
	 * keeps every commit; only a power cut could send a mail twice. */
	if (store_set_sync_on_commit(store, false, &error) < 0)
		log_warn("outbox: %s", error);
	srandom((unsigned)time(NULL));
	while (ret == 0 && !daemon_stopping() && (limit == 0 || done < limit)) {
		int64_t *ids;
		size_t n;

		pool_clear(pool);
		if (!fixed_now)
			now = (int64_t)time(NULL);
		if (store_outbox_due(store, pool, now, DUE_PER_ROUND, &ids, &n,
				     &error) < 0) {
			log_error("outbox: %s", error);
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		if (smtp == NULL) {
			smtp = smtp_new(&config->smtp, protocol_log, &serr);
			if (smtp == NULL) {
				log_error("outbox: %s", serr);
				free(serr);
				stats_r->relay_down = true;
				break;
			}
		}
		for (size_t i = 0; i < n && ret == 0; i++) {
			struct store_outbox *o = NULL;
			const char *reply = NULL;
			enum smtp_result r;

			if (daemon_stopping() || (limit != 0 && done >= limit))
				break;
			if (store_outbox_get(store, pool, ids[i], &o, &error) <= 0) {
				if (o == NULL && error != NULL) {
					log_error("outbox: %s", error);
					ret = -1;
				}
				continue;
			}
			r = smtp_send(smtp, o->mail_from, o->rcpt, o->raw, o->raw_len,
				      &reply);
			if (!fixed_now)
				now = (int64_t)time(NULL);
			if (record(store, o, r, reply, now, config->smtp.max_attempts,
				   stats_r) < 0)
				ret = -1;
			done++;
			/* Nobody answers: the other mails would fail the same
			 * way; they keep their turn for the next flush. */
			if (r == SMTP_UNREACHABLE) {
				stats_r->relay_down = true;
				goto out;
			}
		}
	}
out:
	smtp_free(&smtp);
	pool_free(&pool);
	return ret;
}
