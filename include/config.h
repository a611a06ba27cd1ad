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

	/* [fingerprint] */
	bool builtin_patterns;
	struct config_list patterns;
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

#endif
