/*
 * cmd_deliver.c - `supportgw deliver`: the MTA pipe mode.  One message on
 * standard input; the exit code is the MTA's instruction (sysexits.h):
 *   0  stored and committed to disk (or already stored),
 *   65 not a mail (kept in quarantine) or too large: the MTA bounces,
 *   75 anything the operator can fix (store busy, unwritable, broken
 *      config): the MTA keeps the mail queued and retries.
 * Exit 0 is only returned after the transaction is durable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ingest.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

int cmd_deliver(struct cli *cli, int argc, char **argv)
{
	struct ingest_ctx ctx;
	struct ingest_result res;
	struct strbuf source;
	const char *account = NULL, *error;
	char *data;
	size_t len;
	int err = 0, ret;
	char num[24], linked[24];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--account") == 0 && i + 1 < argc)
			account = argv[++i];
		else if (strncmp(argv[i], "--account=", 10) == 0)
			account = argv[i] + 10;
		else if (strcmp(argv[i], "--account") == 0)
			return cli_usage(cli, "--account needs a NAME");
		else
			return cli_usage(cli, "unexpected argument '%s' (the message is read from standard input)",
					 argv[i]);
	}
	if (account != NULL && (*account == '\0' || strlen(account) > 200))
		return cli_usage(cli, "--account NAME must be 1 to 200 characters");

	if (read_stream(stdin, cli->config->max_message_bytes, &data, &len, &err) < 0) {
		if (err == EFBIG)
			return cli_fail(cli, EX_DATAERR,
					"message larger than max_message_bytes (%zu bytes); not accepted",
					cli->config->max_message_bytes);
		return cli_fail(cli, EX_TEMPFAIL, "cannot read standard input: %s",
				strerror(err));
	}
	if ((ret = cli_ingest_open(cli, &ctx, true)) != 0) {
		free(data);
		/* Whatever stops the store now (busy, unwritable folder,
		 * newer schema) is the operator's to fix: keep the mail. */
		return ret == EX_CONFIG || ret == EX_UNAVAILABLE ? EX_TEMPFAIL : ret;
	}
	strbuf_init(&source, 256);
	if (strbuf_appendf(&source, "deliver%s%s", account != NULL ? ":" : "",
			   account != NULL ? account : "") < 0)
		abort();
	if (ingest_message(&ctx, data, len, strbuf_str(&source), &res, &error) < 0) {
		ret = cli_fail(cli, EX_TEMPFAIL, "could not store the message (%s): %s; the MTA should retry",
			       store_error_temporary(ctx.store) ? "temporary" : "store error",
			       error);
		goto out;
	}
	switch (res.outcome) {
	case INGEST_QUARANTINED:
		printf("quarantined id=%" PRId64 " reason=\"%s\"\n",
		       res.quarantine_id, res.reason);
		ret = cli_fail(cli, EX_DATAERR, "not a mail (%s); kept in quarantine as #%" PRId64,
			       res.reason, res.quarantine_id);
		break;
	default:
		printf("%s case=%s message_id=<%s>%s%s%s%s%s%s\n",
		       ingest_outcome_name(res.outcome),
		       cli_case_str(cli, res.case_number, num), res.message_id,
		       res.linked_to != 0 ? " linked_to=" : "",
		       res.linked_to != 0 ? cli_case_str(cli, res.linked_to, linked) : "",
		       res.unverified ? " unverified" : "",
		       res.auto_reason != NULL ? " auto=" : "",
		       res.auto_reason != NULL ? res.auto_reason : "",
		       ingest_result_effects(ctx.pool, &res));
		ret = 0;
		break;
	}
out:
	strbuf_deinit(&source);
	cli_ingest_close(&ctx);
	free(data);
	return ret;
}
