/*
 * secret.h - where a password or token comes from: given inline, read from
 * password_file (refused when others may read or write it), or printed by
 * oauth2_token_command (run with /bin/sh -c, first line of its output,
 * killed with what it started after timeout_seconds).  Read at each
 * connection and never kept: a rotated password or a refreshed token is
 * picked up without a reload.  Used by the IMAP accounts and the SMTP relay.
 *
 * Ownership: the source only borrows its strings.  *secret_r is malloc()ed;
 * wipe and free it with secret_free().
 * Errors: -1 with a malloc()ed reason in *error_r (naming the section and
 * the file or command, never the secret), which the caller frees.
 */
#ifndef SUPPORTGW_SECRET_H
#define SUPPORTGW_SECRET_H

struct secret_source {
	const char *section;            /* for messages: "imap:support", "smtp" */
	/* At most one of these is set; none is an error. */
	const char *password;
	const char *password_file;
	const char *oauth2_token_command;
	unsigned timeout_seconds;       /* for the token command */
};

int secret_read(const struct secret_source *source, char **secret_r,
		char **error_r) __attribute__((warn_unused_result));
void secret_free(char **secret);

#endif
