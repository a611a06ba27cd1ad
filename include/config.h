/*
 * config.h - the loaded configuration (wraps inih).
 *
 * supportgw reads one INI file: the one given with -c, else the file named by
 * $SUPPORTGW_CONFIG, else ./supportgw.ini when it exists, else built-in
 * defaults.  Unknown sections or keys and malformed values are errors that
 * name the file and line.  Later issues add sections to the key table in
 * gateway/config.c.
 *
 * The loaded config is, with the logger, the only global state; it is passed
 * explicitly to every module that needs it and never changed after loading.
 *
 * Ownership: config_load() hands the config to the caller, who frees it with
 * config_free().  All strings inside belong to the config.
 * Errors: -1 with a malloc()ed "FILE:LINE: reason" in *error_r, which the
 * caller frees; the CLI exits 64 (EX_USAGE) on it.
 */
#ifndef SUPPORTGW_CONFIG_H
#define SUPPORTGW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum follow_up_policy {
	FOLLOW_UP_ANY = 0,
	FOLLOW_UP_DOMAIN,
	FOLLOW_UP_PARTICIPANTS,
};

struct config_list {
	char **items;
	size_t count;
};

/* What happens on the server to a message once it is safely stored. */
enum imap_after {
	IMAP_AFTER_SEEN = 0,        /* add \Seen, leave it in place */
	IMAP_AFTER_MOVE,            /* move to imap_account.move_to */
	IMAP_AFTER_DELETE,          /* \Deleted + (UID) EXPUNGE */
};

/* One [imap:NAME] section: a support address the gateway fetches. */
struct imap_account {
	char *name;                 /* NAME: letters, digits, . _ -; at most 43
	                             * (inih cuts longer section names) */
	char *url;                  /* as written */
	bool tls;                   /* imaps:// (TLS from the first byte) */
	bool starttls;              /* imap:// upgraded with STARTTLS: "required"
	                             * (default) or "no"; unused with imaps:// */
	char *host;
	unsigned port;              /* default 993 (imaps) or 143 (imap) */
	char *mailbox;              /* URL path, %XX-decoded; default "INBOX" */
	char *user;
	/* Exactly one of these three is set. */
	char *password;
	char *password_file;        /* read at connect, never at load (the operator
	                             * of `cases list` may not be able to);
	                             * refused when others can read it */
	char *oauth2_token_command; /* run with /bin/sh -c; first line = token */
	enum imap_after after;
	char *move_to;              /* after = move:MAILBOX; NULL otherwise */
	char *quarantine;           /* mailbox for unparsable mail; default "Quarantine" */
	char *language;             /* default language of the address (2-3
	                             * lower-case letters), or NULL */
	char *region;               /* EMEA | AMS | JP | CN | SG, or NULL */
	unsigned poll_seconds;      /* without IDLE; default 60, 1..86400 */
	unsigned batch_size;        /* messages per UID FETCH; default 200, 1..5000 */
	unsigned timeout_seconds;   /* network timeout; default 60, 1..3600 */
	bool tls_verify;            /* default yes */
	char *tls_ca_file;          /* PEM CAs trusted instead of the system's */
};

enum smtp_tls {
	SMTP_TLS_REQUIRED = 0,      /* smtp:// upgraded with STARTTLS or refused */
	SMTP_TLS_TRY,               /* STARTTLS when offered */
	SMTP_TLS_NO,                /* plain text (a relay on localhost) */
};

/* The [smtp] section: the relay the gateway sends through. */
struct smtp_config {
	bool configured;            /* the file has an [smtp] section */
	char *url;                  /* smtp://host[:port] or smtps://host[:port] */
	enum smtp_tls starttls;     /* smtp:// only; default required */
	char *user;                 /* no AUTH when NULL */
	/* At most one of these three (with user). */
	char *password;
	char *password_file;
	char *oauth2_token_command;
	char *from;                 /* "Example Support <support@example.com>" */
	char *from_addr;            /* its address, lower-case */
	char *bounce_address;       /* MAIL FROM; default from_addr */
	unsigned timeout_seconds;   /* default 30, 1..3600 */
	unsigned max_attempts;      /* then failed; default 12, 1..100 */
	bool tls_verify;            /* default yes */
	char *tls_ca_file;
};

/* Contract levels, in the order of config.entitlement.targets. */
enum contract_level {
	LEVEL_PREMIER = 0,
	LEVEL_STANDARD,
	LEVEL_PPI,                  /* pay per incident */
	LEVEL_NONE,
	LEVEL_COUNT
};

/* Opening hours: days is a bit set, bit 0 Monday .. bit 6 Sunday; open and
 * close in minutes after local midnight (open < close). */
struct business_hours {
	unsigned days;
	unsigned open_min, close_min;
};

/* A first-response target.  minutes of business time (within the
 * region's business_hours) unless around_the_clock; business_days counts
 * whole business days (one = the minutes one business day is open) and is
 * added to minutes.  set: the table has a target for it at all. */
struct response_target {
	bool set;
	bool around_the_clock;
	unsigned minutes;
	unsigned business_days;
};

/* One region: the five built in (EMEA, AMS, JP, CN, SG) and every
 * [region:NAME] section. */
struct region_config {
	char *name;                 /* upper-case: "EMEA" */
	char *team;                 /* "EMEA Renewals <EMEA_renewals@example.com>",
	                             * or NULL (then the gateway's From) */
	char *team_addr;            /* its address, lower-case */
	char *forward_to;           /* where replies to renewal cases go;
	                             * default team_addr */
	char *timezone;             /* IANA name; built-in defaults per region */
	char *language;             /* reminders' language when the contract
	                             * has none, or NULL */
	struct business_hours hours;/* default mon-fri 08:00-20:00 */
};

/* [renewals] */
struct renewals_config {
	int *schedule;              /* days before expiry (negative: after),
	                             * sorted from the earliest step (largest) */
	size_t schedule_count;
	unsigned grace_days;        /* "recently expired" window; default 30 */
	unsigned send_minute;       /* send_hour as minutes after midnight */
	unsigned auto_notice_days;  /* auto-renewing contracts' one notice;
	                             * default 30 */
	unsigned coterm_days;       /* contracts of one customer reaching a step
	                             * within this many days share a mail;
	                             * default 7 */
	char *default_region;       /* for contracts without a region, or NULL */
};

/* [entitlement] and [severity] */
struct entitlement_config {
	bool builtin_patterns;      /* the built-in contract/serial patterns */
	struct config_list patterns;/* PCRE2, group 1 = the number/serial */
	/* [severity] A, B, C, D: keywords (case-insensitive, whole words)
	 * that set the severity of a new case; A first, then B, D, C.  The
	 * default is C. */
	struct config_list severity[4];
	struct response_target targets[LEVEL_COUNT][4];  /* [level][A..D] */
};

struct config {
	char *path;                 /* file read, or NULL for defaults */

	/* [gateway] */
	char *database;
	char *case_prefix;
	unsigned case_digits;
	unsigned reopen_days;
	enum follow_up_policy follow_up_policy;
	struct config_list staff;            /* lower-case addresses, "@domain"s */
	struct config_list public_domains;   /* lower-case domains */
	size_t max_message_bytes;
	char *log_level;
	char *templates_dir;                 /* NULL: see template_default_dir() */
	struct config_list addresses;        /* the gateway's own addresses and
						aliases: never answered */
	char *language;                      /* answers when no account says:
						"auto" (detected) or a code */
	unsigned auto_reply_limit;           /* automatic answers per address
						per hour; 0: none */
	bool ack_follow_up;                  /* acknowledge follow-ups too */

	/* [fingerprint] */
	bool builtin_patterns;
	struct config_list patterns;

	/* [smtp] */
	struct smtp_config smtp;

	/* [imap:NAME] sections, in the order of the file */
	struct imap_account *accounts;
	size_t account_count;

	/* [renewals], [entitlement], [severity], [response] */
	struct renewals_config renewals;
	struct entitlement_config entitlement;
	/* the built-in regions, then [region:NAME] sections */
	struct region_config *regions;
	size_t region_count;
};

/*
 * path: the file to read; NULL means the default search described above.
 * A path given explicitly (or through $SUPPORTGW_CONFIG) must exist.
 */
int config_load(const char *path, struct config **config_r, char **error_r)
	__attribute__((warn_unused_result));
/* A config holding only the built-in defaults. */
struct config *config_defaults(void);
void config_free(struct config **config);

const char *config_policy_name(enum follow_up_policy policy);
/* Whether addr (any case) is in a list of addresses and "@domain"s (the
 * K_ADDRS lists: staff, addresses). */
bool config_addrs_match(const struct config_list *list, const char *addr);
/* The region called name (any case), or NULL. */
const struct region_config *config_region(const struct config *config,
					  const char *name);
/* "premier", "standard", "ppi", "none" (any case) -> the level; -1 when
 * not one of those. */
int config_level_parse(const char *name);
const char *config_level_name(enum contract_level level);
/* The account called name, or NULL. */
const struct imap_account *config_account(const struct config *config,
					  const char *name);

#endif
