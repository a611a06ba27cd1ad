/*
 * fetch.c - one IMAP account's mail into the store; see include/fetch.h.
 *
 * The order of effects is the whole point of this file: nothing is done to
 * a message on the server (flag, copy, move, delete) before the transaction
 * that stored it has committed, and the recorded UID moves forward only
 * after that.  Everything else (reconnecting, IDLE) is plumbing around it.
 */
#include "fetch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "imap.h"
#include "ingest.h"
#include "log.h"
#include "pool.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

/* A batch holds at most this many bytes of messages: libetpan keeps a
 * whole UID FETCH answer in memory, parsed, so the batch bounds RSS. */
#define BATCH_BYTES (16u << 20)
/* RFC 2177: a client should re-issue IDLE at least every 29 minutes. */
#define IDLE_RENEW_MS (25 * 60 * 1000)
#define BACKOFF_MAX_S 300

struct session {
	const struct fetch_env *env;
	const struct imap_account *account;
	struct imap *imap;
	struct ingest_ctx ingest;
	struct imap_mailbox box;
	uint32_t last_uid;          /* highest UID done */
	uint32_t exists_mark;       /* EXISTS when the last listing started */
	bool quarantine_ready;      /* quarantine mailbox exists */
	bool move_ready;            /* move target exists */
	char source[300];           /* "imap:NAME" */
	/* per batch */
	uint32_t *done;             /* stored (or duplicate): `after` applies */
	size_t done_count;
	uint32_t *quarantined;      /* also copied to the quarantine mailbox */
	size_t quarantined_count;
	size_t stored, duplicates, quarantines;
	int64_t ingest_us;          /* this batch's time in ingest */
};


enum outcome { OK = 0, FAIL_IMAP, FAIL_STORE };

static const char *case_str(const struct session *s, uint64_t number,
			    char *buf, size_t size)
{
	if (number == 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%0*" PRIu64, (int)s->env->config->case_digits,
			 number);
	return buf;
}

/* The server refused one command: worth a warning, the session goes on.
 * Anything else ends the session. */
static int imap_step_failed(struct session *s, const char *what)
{
	if (imap_failure(s->imap) == IMAP_FAIL_REFUSED) {
		log_warn("account=%s %s: %s", s->account->name, what,
			 imap_error(s->imap));
		return 0;
	}
	return -1;
}

static int on_message(void *ctx, uint32_t uid, const char *data, size_t len)
{
	struct session *s = ctx;
	struct ingest_result res;
	const char *error = NULL;
	int64_t t0 = clock_monotonic_us();
	char num[32];

	if (ingest_message(&s->ingest, data, len, s->source, &res, &error) < 0) {
		log_error("account=%s uid=%u: cannot store: %s", s->account->name,
			  uid, error);
		return FAIL_STORE;
	}
	s->ingest_us += clock_monotonic_us() - t0;
	log_info("account=%s uid=%u msgid=%s%s%s case=%s action=%s%s%s%s",
		 s->account->name, uid, res.message_id != NULL ? "<" : "",
		 res.message_id != NULL ? res.message_id : "-",
		 res.message_id != NULL ? ">" : "",
		 case_str(s, res.case_number, num, sizeof(num)),
		 ingest_outcome_name(res.outcome),
		 res.outcome == INGEST_QUARANTINED ? " reason=" : "",
		 res.outcome == INGEST_QUARANTINED && res.reason != NULL ?
		 res.reason : "",
		 ingest_result_effects(s->ingest.pool, &res));
	s->done[s->done_count++] = uid;
	if (res.outcome == INGEST_QUARANTINED) {
		s->quarantined[s->quarantined_count++] = uid;
		s->quarantines++;
	} else if (res.outcome == INGEST_DUPLICATE) {
		s->duplicates++;
	} else {
		s->stored++;
	}
	return OK;
}

struct oversize {
	struct session *s;
	const struct imap_uid *uids;
	size_t count;
};

/* Headers of a message too big to download: kept in quarantine with the
 * size, so the operator sees who sent what and can fetch it by hand. */
static int on_oversize(void *ctx, uint32_t uid, const char *data, size_t len)
{
	struct oversize *o = ctx;
	struct session *s = o->s;
	const char *error = NULL;
	char reason[200];
	uint32_t size = 0;
	int64_t id = 0;

	for (size_t i = 0; i < o->count; i++) {
		if (o->uids[i].uid == uid)
			size = o->uids[i].size;
	}
	snprintf(reason, sizeof(reason), "message of %" PRIu32 " bytes is over "
		 "max_message_bytes (%zu): only its header was downloaded",
		 size, s->env->config->max_message_bytes);
	if (store_quarantine_add(s->ingest.store, s->source, reason, data, len,
				 (int64_t)time(NULL), &id, &error) < 0) {
		log_error("account=%s uid=%u: cannot quarantine: %s",
			  s->account->name, uid, error);
		return FAIL_STORE;
	}
	log_info("account=%s uid=%u msgid=- case=- action=quarantined "
		 "reason=%s (quarantine id %" PRId64 ")", s->account->name, uid,
		 reason, id);
	s->done[s->done_count++] = uid;
	s->quarantined[s->quarantined_count++] = uid;
	s->quarantines++;
	return OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Steps 3 and 4 for the batch just committed. */
static int apply_after(struct session *s)
{
	const struct imap_account *a = s->account;
	uint32_t *ok = s->done;
	size_t n = s->done_count;

	if (s->quarantined_count > 0) {
		int r = 0;

		if (!s->quarantine_ready) {
			r = imap_ensure_mailbox(s->imap, a->quarantine);
			if (r == 1)
				log_info("account=%s created mailbox %s", a->name,
					 a->quarantine);
			s->quarantine_ready = r >= 0;
		}
		if (r >= 0)
			r = imap_copy(s->imap, s->quarantined, s->quarantined_count,
				      a->quarantine);
		if (r < 0) {
			if (imap_step_failed(s, "copy to the quarantine mailbox") < 0)
				return -1;
			/* Not copied: leave those messages where they are
			 * rather than flag or move them out of sight. */
			size_t k = 0;

			qsort(s->quarantined, s->quarantined_count,
			      sizeof(uint32_t), cmp_u32);
			for (size_t i = 0; i < n; i++) {
				if (bsearch(&ok[i], s->quarantined, s->quarantined_count,
					    sizeof(uint32_t), cmp_u32) == NULL)
					ok[k++] = ok[i];
			}
			n = k;
		}
	}
	if (n == 0)
		return 0;
	switch (a->after) {
	case IMAP_AFTER_SEEN:
		if (imap_mark_seen(s->imap, ok, n) < 0)
			return imap_step_failed(s, "after = seen");
		break;
	case IMAP_AFTER_DELETE:
		if (imap_delete(s->imap, ok, n) < 0)
			return imap_step_failed(s, "after = delete");
		break;
	case IMAP_AFTER_MOVE:
		if (!s->move_ready) {
			int r = imap_ensure_mailbox(s->imap, a->move_to);

			if (r < 0)
				return imap_step_failed(s, "create the move target");
			if (r == 1)
				log_info("account=%s created mailbox %s", a->name,
					 a->move_to);
			s->move_ready = true;
		}
		if (imap_move(s->imap, ok, n, a->move_to) < 0)
			return imap_step_failed(s, "after = move");
		break;
	}
	return 0;
}

static int record_state(struct session *s, uint32_t last_uid)
{
	const char *error = NULL;

	if (store_imap_state_set(s->ingest.store, s->account->name,
				 s->account->mailbox, s->box.uidvalidity, last_uid,
				 (int64_t)time(NULL), &error) < 0) {
		log_error("account=%s: cannot record the last UID: %s",
			  s->account->name, error);
		return FAIL_STORE;
	}
	s->last_uid = last_uid;
	return OK;
}

/*
 * One batch: uids[0..count) in ascending order.  Returns OK, FAIL_IMAP or
 * FAIL_STORE.
 */
static int run_batch(struct session *s, const struct imap_uid *uids, size_t count)
{
	size_t max = s->env->config->max_message_bytes;
	uint32_t *normal = calloc(count, sizeof(uint32_t));
	uint32_t *big = calloc(count, sizeof(uint32_t));
	size_t n_normal = 0, n_big = 0;
	const char *error = NULL;
	struct oversize o = { s, uids, count };
	int64_t t0 = clock_monotonic_us(), t_fetched, t_committed, t_after;
	int r;

	s->done = calloc(count, sizeof(uint32_t));
	s->quarantined = calloc(count, sizeof(uint32_t));
	if (normal == NULL || big == NULL || s->done == NULL || s->quarantined == NULL)
		fatal("out of memory");
	s->done_count = s->quarantined_count = 0;
	s->ingest_us = 0;
	for (size_t i = 0; i < count; i++) {
		if (uids[i].size > max)
			big[n_big++] = uids[i].uid;
		else
			normal[n_normal++] = uids[i].uid;
	}
	if (store_begin(s->ingest.store, &error) < 0) {
		log_error("account=%s: cannot start a transaction: %s",
			  s->account->name, error);
		r = FAIL_STORE;
		goto out;
	}
	r = imap_fetch(s->imap, normal, n_normal, false, on_message, s);
	if (r == 0)
		r = imap_fetch(s->imap, big, n_big, true, on_oversize, &o);
	if (r < 0)
		r = FAIL_IMAP;
	if (r != OK) {
		store_rollback(s->ingest.store);
		goto out;
	}
	t_fetched = clock_monotonic_us();
	if (store_commit(s->ingest.store, &error) < 0) {
		log_error("account=%s: cannot commit: %s", s->account->name, error);
		store_rollback(s->ingest.store);
		r = FAIL_STORE;
		goto out;
	}
	t_committed = clock_monotonic_us();
	/* Committed: now, and only now, the server may be told. */
	if (apply_after(s) < 0) {
		r = FAIL_IMAP;
		goto out;
	}
	t_after = clock_monotonic_us();
	r = record_state(s, uids[count - 1].uid);
	/* Where a batch's time goes, for whoever tunes batch_size. */
	log_debug("account=%s batch of %zu up to UID %u: fetch %lld ms, ingest "
		  "%lld ms, commit %lld ms, after %lld ms, state %lld ms",
		  s->account->name, count, uids[count - 1].uid,
		  (long long)(t_fetched - t0 - s->ingest_us) / 1000,
		  (long long)s->ingest_us / 1000,
		  (long long)(t_committed - t_fetched) / 1000,
		  (long long)(t_after - t_committed) / 1000,
		  (long long)(clock_monotonic_us() - t_after) / 1000);
out:
	free(normal);
	free(big);
	free(s->done);
	free(s->quarantined);
	s->done = s->quarantined = NULL;
	return r;
}

/* Everything new in the selected mailbox, batch by batch. */
static int fetch_new(struct session *s)
{
	const struct imap_account *a = s->account;
	struct imap_uid *uids = NULL;
	size_t count = 0, i = 0;
	int r = OK;

	s->exists_mark = imap_exists(s->imap);
	if (imap_list_new(s->imap, s->last_uid, &uids, &count) < 0)
		return FAIL_IMAP;
	if (count > 0)
		log_debug("account=%s: %zu new message%s after UID %u", a->name,
			  count, count == 1 ? "" : "s", s->last_uid);
	while (i < count && r == OK) {
		size_t j = i, bytes = 0;

		/* Over-size messages cost only their header. */
		while (j < count && j - i < a->batch_size) {
			size_t sz = uids[j].size > s->env->config->max_message_bytes ?
				0 : uids[j].size;

			if (j > i && bytes + sz > BATCH_BYTES)
				break;
			bytes += sz;
			j++;
		}
		r = run_batch(s, uids + i, j - i);
		i = j;
		/* SIGTERM: the batch in hand is finished; stop here. */
		if (daemon_stopping())
			break;
	}
	free(uids);
	return r;
}

static void session_deinit(struct session *s)
{
	if (s->imap != NULL)
		imap_logout(s->imap);
}

/*
 * Connects, logs in and selects; reads the recorded state.  On a new
 * UIDVALIDITY the recorded UIDs mean nothing any more: start from 0.
 */
static int session_open(struct session *s)
{
	const struct imap_account *a = s->account;
	const char *method = NULL, *error = NULL;
	uint32_t validity = 0, last = 0;
	int r;

	s->quarantine_ready = s->move_ready = false;
	if (imap_connect(s->imap) < 0 || imap_login(s->imap, &method) < 0 ||
	    imap_select(s->imap, a->mailbox, &s->box) < 0)
		return FAIL_IMAP;
	log_debug("account=%s: logged in (%s), %s: %u messages, UIDVALIDITY %u",
		  a->name, method, a->mailbox, s->box.exists, s->box.uidvalidity);
	r = store_imap_state_get(s->ingest.store, a->name, a->mailbox, &validity,
				 &last, &error);
	if (r < 0) {
		log_error("account=%s: %s", a->name, error);
		return FAIL_STORE;
	}
	if (r == 1 && validity != s->box.uidvalidity) {
		log_warn("account=%s: UIDVALIDITY of %s changed from %u to %u: "
			 "reading the whole mailbox again (messages already "
			 "stored are recognised by their Message-ID)", a->name,
			 a->mailbox, validity, s->box.uidvalidity);
		last = 0;
	}
	s->last_uid = last;
	if (r == 0 || validity != s->box.uidvalidity)
		return record_state(s, last);
	return OK;
}

static void session_init(struct session *s, const struct fetch_env *env,
			 const struct imap_account *account, struct imap *imap)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	s->account = account;
	s->imap = imap;
	s->ingest.config = env->config;
	s->ingest.store = env->store;
	s->ingest.matcher = env->matcher;
	s->ingest.default_language = account->language;
	s->ingest.default_region = account->region;
	s->ingest.templates = env->templates;
	s->ingest.entitle = env->entitle;
	s->ingest.answer_language = account->language;
	snprintf(s->source, sizeof(s->source), "imap:%s", account->name);
}

/* Exit code for a failed --once run. */
static int failure_code(struct session *s, int r)
{
	if (r == FAIL_STORE)
		return EX_TEMPFAIL;
	switch (imap_failure(s->imap)) {
	case IMAP_FAIL_CONFIG:
		return EX_USAGE;
	default:
		return EX_TEMPFAIL;
	}
}

int fetch_once(const struct fetch_env *env, const struct imap_account *account)
{
	struct imap *imap = imap_new(account, env->protocol_log);
	struct session s;
	int r, ret = 0;

	session_init(&s, env, account, imap);
	s.ingest.pool = pool_new(256 * 1024);
	r = session_open(&s);
	if (r == OK)
		r = fetch_new(&s);
	if (r != OK) {
		ret = failure_code(&s, r);
		if (r == FAIL_IMAP)
			log_error("account=%s: %s", account->name, imap_error(imap));
	} else {
		log_info("account=%s: done: %zu stored, %zu already stored, "
			 "%zu quarantined", account->name, s.stored, s.duplicates,
			 s.quarantines);
	}
	session_deinit(&s);
	imap_free(&imap);
	pool_free(&s.ingest.pool);
	return ret;
}

int fetch_forever(const struct fetch_env *env, const struct imap_account *account)
{
	struct imap *imap = imap_new(account, env->protocol_log);
	int stop_fd = daemon_signal_fd();
	unsigned step = 0;
	time_t outage_since = 0;
	struct session s;

	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	session_init(&s, env, account, imap);
	s.ingest.pool = pool_new(256 * 1024);
	while (!daemon_stopping()) {
		int r = session_open(&s);

		if (r == OK) {
			if (outage_since != 0)
				log_info("account=%s: connected again after %ld s",
					 account->name, (long)(time(NULL) - outage_since));
			else
				log_info("account=%s: connected, watching %s (%s)",
					 account->name, account->mailbox,
					 imap_has(imap, "IDLE") ? "IDLE" : "polling");
			outage_since = 0;
			step = 0;
		}
		while (r == OK && !daemon_stopping()) {
			int w;

			r = fetch_new(&s);
			if (r != OK || daemon_stopping())
				break;
			/* The server may have announced new mail in its answer
			 * to one of our commands (UID STORE, MOVE, or the listing
			 * itself) instead of in IDLE, and it says it once: list
			 * again before idling whenever the count moved. */
			if (imap_exists(imap) != s.exists_mark)
				continue;
			w = imap_wait(imap, stop_fd, imap_has(imap, "IDLE") ?
				      IDLE_RENEW_MS : (int)account->poll_seconds * 1000,
				      daemon_wait_mask());
			if (w < 0)
				r = FAIL_IMAP;
			else if (w == 2)
				daemon_signals_drain();
		}
		session_deinit(&s);
		if (daemon_stopping())
			break;
		/* Once per outage, not once per try. */
		if (outage_since == 0) {
			outage_since = time(NULL);
			if (r == FAIL_STORE)
				log_error("account=%s: store failure; retrying "
					  "with backoff", account->name);
			else if (imap_failure(imap) == IMAP_FAIL_NET)
				log_warn("account=%s: connection lost: %s; "
					 "reconnecting with backoff", account->name,
					 imap_error(imap));
			else
				log_error("account=%s: %s; retrying with backoff",
					  account->name, imap_error(imap));
		} else {
			log_debug("account=%s: still failing: %s", account->name,
				  r == FAIL_STORE ? "store" : imap_error(imap));
		}
		/* 1 s doubling to 5 min, with jitter */
		daemon_sleep((int)backoff_jitter(1000, step, BACKOFF_MAX_S * 1000));
		if (step < 9)
			step++;
	}
	imap_free(&imap);
	pool_free(&s.ingest.pool);
	return 0;
}
