/*
 * cmd_accounts.c - `supportgw accounts list|test [ACCOUNT...]`: the first
 * thing an operator runs after writing an [imap:NAME] section.  `test`
 * does what the fetcher does up to SELECT, and reports each step, so a
 * wrong port, a refused password or a missing mailbox shows at once.  It
 * changes nothing on the server and does not open the store.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "imap.h"
#include "log.h"

static const char *after_str(const struct imap_account *a, char *buf, size_t size)
{
	switch (a->after) {
	case IMAP_AFTER_SEEN: return "seen";
	case IMAP_AFTER_DELETE: return "delete";
	case IMAP_AFTER_MOVE:
		snprintf(buf, size, "move:%s", a->move_to);
		return buf;
	}
	return "?";
}

static const char *credential_kind(const struct imap_account *a)
{
	if (a->password_file != NULL)
		return "password_file";
	if (a->oauth2_token_command != NULL)
		return "oauth2_token_command";
	return "password";
}

static void print_account(const struct imap_account *a)
{
	char buf[300];

	printf("account %s: %s\n", a->name, a->url);
	printf("  user: %s (%s)\n", a->user, credential_kind(a));
	printf("  after: %s, quarantine mailbox: %s\n", after_str(a, buf, sizeof(buf)),
	       a->quarantine);
}

/* 0 ok, else the exit code for this account. */
static int test_account(const struct imap_account *a, bool protocol_log)
{
	struct imap *imap = imap_new(a, protocol_log);
	struct imap_mailbox box;
	char buf[2048];
	const char *method = NULL;
	int ret = 0, r;

	print_account(a);
	if (imap_connect(imap) < 0) {
		printf("  connection: FAILED: %s\n", imap_error(imap));
		ret = EX_TEMPFAIL;
		goto out;
	}
	printf("  connection: ok, TLS: %s\n", imap_tls_info(imap, buf, sizeof(buf)));
	if (imap_login(imap, &method) < 0) {
		printf("  login: FAILED: %s\n", imap_error(imap));
		ret = imap_failure(imap) == IMAP_FAIL_CONFIG ? EX_USAGE : EX_TEMPFAIL;
		goto out;
	}
	printf("  login: ok (%s)\n", method);
	printf("  capabilities: %s\n", imap_capabilities(imap, buf, sizeof(buf)));
	if (imap_select(imap, a->mailbox, &box) < 0) {
		printf("  mailbox %s: FAILED: %s\n", a->mailbox, imap_error(imap));
		ret = EX_TEMPFAIL;
		goto out;
	}
	printf("  mailbox: %s, UIDVALIDITY %u, UIDNEXT %u\n", a->mailbox,
	       box.uidvalidity, box.uidnext);
	printf("  messages: %u\n", box.exists);
	printf("  IDLE: %s%s\n", imap_has(imap, "IDLE") ? "yes" : "no",
	       imap_has(imap, "IDLE") ? "" : " (new mail is polled every poll_seconds)");
	printf("  MOVE: %s, UIDPLUS: %s\n", imap_has(imap, "MOVE") ? "yes" : "no",
	       imap_has(imap, "UIDPLUS") ? "yes" : "no");
	r = imap_mailbox_exists(imap, a->quarantine);
	printf("  quarantine mailbox %s: %s\n", a->quarantine,
	       r > 0 ? "exists" : r == 0 ? "missing (created when first needed)" :
	       imap_error(imap));
	if (a->after == IMAP_AFTER_MOVE) {
		r = imap_mailbox_exists(imap, a->move_to);
		printf("  move target %s: %s\n", a->move_to,
		       r > 0 ? "exists" : r == 0 ? "missing (created when first needed)" :
		       imap_error(imap));
	}
out:
	printf("  result: %s\n", ret == 0 ? "ok" : "FAILED");
	imap_logout(imap);
	imap_free(&imap);
	return ret;
}

int cmd_accounts(struct cli *cli, int argc, char **argv)
{
	const struct config *c = cli->config;
	bool test;
	int ret = 0;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "test") != 0))
		return cli_usage(cli, "expected 'list' or 'test'");
	test = strcmp(argv[1], "test") == 0;
	if (c->account_count == 0)
		return cli_fail(cli, EX_USAGE, "no [imap:NAME] account in %s",
				c->path != NULL ? c->path : "the configuration "
				"(no file was read: give one with -c)");
	for (int i = 2; i < argc; i++) {
		if (config_account(c, argv[i]) == NULL)
			return cli_usage(cli, "no account '%s' (there is no [imap:%s] "
					 "section)", argv[i], argv[i]);
	}
	if (cli->verbose > 0)
		log_set_level(LOG_LEVEL_DEBUG);
	for (size_t k = 0; k < (argc > 2 ? (size_t)(argc - 2) : c->account_count); k++) {
		const struct imap_account *a = argc > 2 ?
			config_account(c, argv[2 + k]) : &c->accounts[k];
		int r;

		if (k > 0)
			printf("\n");
		if (!test) {
			print_account(a);
			continue;
		}
		fflush(stdout);
		r = test_account(a, cli->verbose > 0);
		fflush(stdout);
		if (r == EX_USAGE || ret == 0)
			ret = r != 0 ? r : ret;
	}
	return ret;
}
