/*
 * cmd_outbox_flush.c - `supportgw outbox flush`: sends what is due now
 * through the [smtp] relay, by hand (the daemon's sender loop does the same
 * on its own).  In supportgw-net only (libcurl).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "outbox.h"
#include "store.h"

int cmd_outbox_flush(struct cli *cli, int argc, char **argv)
{
	struct outbox_stats st;
	struct store *store;
	int ret;

	for (int i = 2; i < argc; i++)
		return cli_usage(cli, "unexpected argument '%s'", argv[i]);
	if (!cli->config->smtp.configured)
		return cli_fail(cli, EX_USAGE, "no [smtp] section in %s",
				cli->config->path != NULL ? cli->config->path :
				"the configuration (no file was read: give one with -c)");
	if (log_get_level() == LOG_LEVEL_WARN && cli->verbose == 0)
		log_set_level(LOG_LEVEL_INFO);
	if (cli->verbose > 0)
		log_set_level(LOG_LEVEL_DEBUG);
	if ((ret = cli_open_store(cli, &store)) != 0)
		return ret;
	daemon_signals_init();
	if (outbox_flush(cli->config, store, 0, 0, cli->verbose > 0, &st) < 0)
		ret = store_error_temporary(store) ? EX_TEMPFAIL : EX_SOFTWARE;
	store_close(&store);
	printf("%zu sent, %zu to retry, %zu failed%s\n", st.sent, st.retried,
	       st.failed, st.relay_down ? " (the relay could not be reached)" : "");
	if (ret == 0 && st.relay_down)
		ret = EX_TEMPFAIL;
	return ret;
}
