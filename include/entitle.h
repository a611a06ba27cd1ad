/*
 * entitle.h - what a new case is entitled to: the customer's contract, the
 * severity of the problem, and when the first answer is due.
 *
 * Matching: the contracts of the sender's address (store_contracts_by_email)
 * and those whose number, serial or renewal ID is written in the subject
 * or the first 16 KiB of the text (contract_keys.h; at most
 * ENTITLE_MAX_KEYS distinct keys are looked up, each as written and in
 * upper case).  A key names a contract whoever writes it: "found by" in
 * the case's event says which way it was found, for staff to check.
 *
 * The best contract: an active one over an expired one; among active ones
 * the best level (premier > standard > ppi > none), then the latest
 * expiry (none = never); among expired ones the most recently expired;
 * then the smallest contract id.  Active: no expiry date, or it is today
 * or later in the contract's region's time zone (the starting date is not
 * looked at: a contract in the file is support bought).  Recently
 * expired: expired at most [renewals] grace_days days ago.
 *
 * The level for the response target is the contract's while it is active,
 * else "none" (an expired contract gives no target; the case is still
 * opened and answered).  The severity comes from severity.h.  The region
 * is the contract's, else region_hint (the account's); its business hours
 * and time zone give the due time (sla.h) of [response] LEVEL's target
 * for the severity; no region: UTC, Monday-Friday 08:00-20:00.
 *
 * Ownership: entitle_new() borrows the config (it must outlive the
 * object); results of entitle_case() and entitle_of_case() live in the
 * pool given; json values belong to the caller.
 * Errors: entitle_new() returns -1 with a malloc()ed reason (a pattern or
 * keyword that does not compile); entitle_case() and entitle_of_case()
 * return -1 when the store failed, with its reason in *error_r.
 */
#ifndef SUPPORTGW_ENTITLE_H
#define SUPPORTGW_ENTITLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct entitle;
struct message;
struct pool;
struct store;
struct store_case;
struct store_contract;

/* Keys looked up per mail, and bytes of the text read. */
#define ENTITLE_MAX_KEYS 20
#define ENTITLE_TEXT_MAX 16384

enum entitle_status {
	ENTITLE_NONE = 0,       /* no contract found */
	ENTITLE_ACTIVE,
	ENTITLE_EXPIRED,
};

struct entitlement {
	bool known;             /* false: never computed (entitle_of_case()
				 * of a case opened without it) */
	enum entitle_status status;
	bool recently_expired;  /* expired within grace_days */
	const struct store_contract *contract;  /* the one picked, or NULL */
	enum contract_level level;   /* of the target: the contract's while
				      * active, else LEVEL_NONE */
	char severity[2];       /* "A".."D" */
	const char *region;     /* the config's region name, or NULL */
	int64_t due;            /* first-response target; 0: none */
	const char *found_by;   /* "the sender's address", "\"C-1\" in the
				 * mail", or NULL */
	const char *severity_why;  /* "\"panne\" in the subject", "no
				    * keyword" */
	unsigned keys;          /* distinct keys looked up */
};

int entitle_new(const struct config *config, struct entitle **entitle_r,
		char **error_r) __attribute__((warn_unused_result));
void entitle_free(struct entitle **entitle);

/* The entitlement of a new case for msg, at now. */
int entitle_case(const struct entitle *entitle, struct store *store,
		 struct pool *pool, const struct message *msg,
		 const char *region_hint, int64_t now, struct entitlement *out,
		 const char **error_r) __attribute__((warn_unused_result));

/* The entitlement a stored case was given (its severity, level, due,
 * contract), with the contract read again and its status as of now; not
 * known when the case has no level. */
int entitle_of_case(const struct config *config, struct store *store,
		    struct pool *pool, const struct store_case *c, int64_t now,
		    struct entitlement *out, const char **error_r)
	__attribute__((warn_unused_result));

/* The first-response due time of a case of this level ("premier"...) and
 * severity ("A".."D"), opened at from, in the region's business hours
 * (NULL: UTC, Monday-Friday 08:00-20:00).  0: no target (the table has
 * none, or the level or severity is not one). */
int64_t entitle_due(const struct config *config, const char *level,
		    const char *severity, const char *region, int64_t from);

/* One line for the case's "entitlement" event (pool string). */
const char *entitle_summary(const struct config *config, struct pool *pool,
			    const struct entitlement *e);

/* The "entitlement" object of the template data below (new reference). */
json_t *entitle_json(const struct config *config, const struct entitlement *e);

/*
 * Template data: sets data.entitlement = { active, expired,
 * recently_expired, none (booleans), level (the contract's, else "none"),
 * contract, product, serial, expires, renewal_id, company }, and when the
 * entitlement has a region, data.team = { name, address, region } of that
 * region and data.case.due_local in its zone.  Nothing when not known.
 */
void entitle_json_add(const struct config *config,
		      const struct entitlement *e, json_t *data);

#endif
