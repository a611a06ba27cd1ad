/*
 * renewals.h - renewal reminders: which notice each contract is due on a
 * day, co-terming a customer's contracts into one mail, and the run that
 * queues those mails in the outbox (`supportgw renewals run`, and the
 * daemon's renewals worker once a day per region).
 *
 * The schedule ([renewals] schedule, days before expiry, largest first;
 * negative: after) gives each contract step days `expires - s`.  On day D
 * the step that applies is the latest whose day has come (the smallest s
 * with expires - s <= D); it is sent only when no step <= s was sent for
 * that contract and expiry date (the ledger, store_renewal_notice_add), so
 * a missed step is skipped when a later one is due, and a run for an
 * earlier date never sends again.  Steps s > 0 are reminders, sent only
 * before expiry; steps s <= 0 are "recently expired" notices, sent only
 * while D - expires <= grace_days.  An auto-renewing contract gets one
 * notice instead ("will renew on DATE"), from auto_notice_days before
 * expiry until the day before it (ledger step = auto_notice_days).
 *
 * Co-terming: a customer's contracts of one region whose notice of one
 * kind is due on D share one mail, with that customer's contracts of the
 * same region and kind whose next step falls within D+1 .. D+coterm_days-1
 * (they record that step, so they are not sent again alone a few days
 * later).  Every mail belongs to a renewal case, one per customer, region
 * and earliest expiry date in the mail (key
 * "renewal:<email>:<expiry>[:<REGION>]").
 *
 * Each mail is one transaction: its case (found or opened), outbox row,
 * outgoing message row and ledger rows commit together, so a crash (kill
 * -9 included) loses at most the mail in hand, which nothing has sent, and
 * the next run queues it; a mail whose ledger row another run wrote first
 * is rolled back and left out.  The contracts are read first and written
 * after (a write opened while the read still steps would be on the read's
 * snapshot).
 *
 * Ownership: renewals_run() borrows everything; what its callback gets is
 * valid during the call only.
 * Errors: renewals_run() returns 0, or -1 when the store failed
 * (store_error_temporary() tells whether to retry; the mails committed
 * before stay, the one in hand is rolled back), or -2 when a template
 * cannot be rendered (the operator must fix the templates; what was queued
 * before stays queued).  *error_r then points to stats_r->error.  One
 * customer's mail that cannot be composed (a malformed address) is logged,
 * counted and skipped.
 */
#ifndef SUPPORTGW_RENEWALS_H
#define SUPPORTGW_RENEWALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct renewals_config;
struct store;
struct template_set;

enum renewal_kind {
	RENEWAL_NONE = 0,
	RENEWAL_REMINDER,       /* template renewal_reminder: before expiry */
	RENEWAL_AUTO,           /* renewal_auto: will renew, nothing to do */
	RENEWAL_EXPIRED,        /* renewal_expired: recently expired */
};

/* What the ledger says about one contract and its current expiry date. */
struct renewal_state {
	int64_t expires;        /* day number (dates.h) */
	bool auto_renew;
	bool sent;              /* a notice was sent for this expiry date */
	int sent_step;          /* the smallest step sent (when sent) */
};

/* A notice: its kind, the step recorded in the ledger (days before
 * expiry; auto_notice_days for RENEWAL_AUTO) and the step's day. */
struct renewal_step {
	enum renewal_kind kind;
	int step;
	int64_t day;
};

/* The notice due on day `today`: true and *step_r, or false. */
bool renewal_due(const struct renewals_config *rc,
		 const struct renewal_state *s, int64_t today,
		 struct renewal_step *step_r);
/* For co-terming: the contract's next notice, when its day falls within
 * today+1 .. today+coterm_days-1 and it could be sent today already (an
 * "expired" notice only once the contract has expired).  true and
 * *step_r, or false. */
bool renewal_next(const struct renewals_config *rc,
		  const struct renewal_state *s, int64_t today,
		  struct renewal_step *step_r);
/* "renewal_reminder", "renewal_auto", "renewal_expired" ("?" for none). */
const char *renewal_kind_template(enum renewal_kind kind);
/* "reminder", "auto", "expired": the ledger's kind. */
const char *renewal_kind_name(enum renewal_kind kind);

/*
 * Zones: where the run's date comes from.  Zone i < config->region_count
 * is that region (its timezone, team and language); the last zone holds
 * the contracts of no region when there is no [renewals] default_region
 * (UTC, the gateway's From, English).  A contract naming a region the
 * configuration does not know goes there too.
 */
size_t renewals_zone_count(const struct config *config);
/* The region's name, or "" for the last zone. */
const char *renewals_zone_name(const struct config *config, size_t zone);
/* The zone's local date and minute of the day at instant now: 0, or -1
 * when its time zone cannot be used. */
int renewals_zone_today(const struct config *config, size_t zone,
			int64_t now, int64_t *today_r, unsigned *minute_r);
/* Seconds from now until the next send time ([renewals] send_hour) of
 * any zone, at least 1. */
int64_t renewals_next_send(const struct config *config, int64_t now);

struct renewals_options {
	bool has_date;          /* date is the run's date in every zone */
	int64_t date;           /* else: today in each zone's time zone */
	bool dry_run;           /* render and compose, write nothing */
	/* Run these zones only (renewals_zone_name() names, any case; ""
	 * the contracts of no region); NULL: all. */
	const char *const *zones;
	size_t zone_count;
	int64_t now;            /* the clock (0: time()) */
	/* Asked between mails: true stops the run (after committing what
	 * is done).  NULL: never. */
	bool (*should_stop)(void);
};

/* One mail, as queued (or, in a dry run, as it would be). */
struct renewals_mail {
	const char *to;
	const char *to_name;
	const char *region;     /* NULL: no region */
	const char *from;       /* the team ("Name <addr>"), or [smtp] from */
	const char *team_addr;  /* the Bcc, or NULL */
	const char *template_name;
	const char *language;   /* the template's language after fallback */
	const char *run_date;   /* YYYY-MM-DD */
	const char *subject;
	const char *const *contracts;   /* contract ids, by expiry date */
	const int *steps;               /* each one's ledger step */
	size_t contract_count;
	size_t coterm_count;    /* of those, listed ahead of their step */
	uint64_t case_number;   /* 0: a dry run that would open the case */
	bool new_case;
	int64_t outbox_id;      /* 0 in a dry run */
	const char *message_id;
	bool dry_run;
};

typedef void renewals_mail_cb(void *ctx, const struct renewals_mail *mail);

struct renewals_stats {
	size_t candidates;      /* contracts read (expiry within the run's
	                         * widest bounds) */
	size_t mails;           /* queued, or planned in a dry run */
	size_t notices;         /* contracts listed in those mails */
	size_t by_kind[4];      /* mails by enum renewal_kind */
	size_t coterm;          /* of the notices, listed ahead of their day */
	size_t raced;           /* mails left out: another run sent them */
	size_t failed;          /* mails that could not be composed (logged) */
	size_t suppressed;      /* mails not sent: no address, or our mail
	                         * to it bounced (logged) */
	bool stopped;           /* should_stop() ended the run early */
	char error[512];        /* what *error_r points to on failure */
};

int renewals_run(const struct config *config, struct store *store,
		 const struct template_set *templates,
		 const struct renewals_options *opt, renewals_mail_cb *cb,
		 void *ctx, struct renewals_stats *stats_r,
		 const char **error_r) __attribute__((warn_unused_result));

/* The templates a run needs, each at least in "en": NULL, or the first
 * one missing. */
const char *renewals_missing_template(const struct template_set *templates);

#endif
