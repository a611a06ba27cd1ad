/*
 * cmd_fetch.c - `supportgw fetch [--once] [ACCOUNT...]` and `supportgw run`.
 *
 * --once fetches each account in turn in this process (cron mode).
 * Otherwise the supervisor (daemon.h) runs one worker process per account,
 * each with its own store connection and IMAP session, held open for the
 * life of the worker (a daemon pays SQLite's open and WAL checkpoint once,
 * not per message).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "fetch.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "store.h"

struct fetch_cli {
	struct cli *cli;
	char **names;           /* accounts asked for; NULL: all */
	size_t name_count;
	bool protocol_log;
	bool outbox;            /* run: one more worker, the sender */
};

/* The sender worker is the last job, when there is an [smtp] relay. */
static bool has_outbox_job(const struct config *config, const struct fetch_cli *f)
{
	return f->outbox && config->smtp.configured;
}

/* The accounts of config that were asked for, as indexes; a name that a
 * reloaded config no longer has is skipped (and logged). */
static const struct imap_account *job_account(const struct config *config,
					      size_t index, const struct fetch_cli *f)
{
	size_t k = 0;

	if (f->names == NULL)
		return index < config->account_count ? &config->accounts[index] : NULL;
	for (size_t i = 0; i < f->name_count; i++) {
		const struct imap_account *a = config_account(config, f->names[i]);

		if (a != NULL && k++ == index)
			return a;
	}
	return NULL;
}

static size_t jobs_count(const struct config *config, void *ctx)
{
	const struct fetch_cli *f = ctx;
	size_t n = 0;

	if (f->names == NULL)
		return config->account_count + has_outbox_job(config, f);
	for (size_t i = 0; i < f->name_count; i++) {
		if (config_account(config, f->names[i]) != NULL)
			n++;
		else
			log_error("account %s is not in the configuration any more",
				  f->names[i]);
	}
	return n;
}

static const char *jobs_name(const struct config *config, size_t index, void *ctx)
{
	const struct imap_account *a = job_account(config, index, ctx);

	return a != NULL ? a->name : has_outbox_job(config, ctx) ? "outbox" : "?";
}

/*
 * The sender: flushes what is due, then looks again every 2 s (10 s while
 * the relay is down; each mail keeps its own backoff in the store).  New
 * answers are committed by the other workers; a look at an indexed query
 * every 2 s costs nothing and needs no signalling between processes.
 */
static int outbox_worker(struct fetch_cli *f, const struct config *config)
{
	struct cli cli = *f->cli;
	struct outbox_stats st;
	struct store *store;
	int ret;

	cli.config = (struct config *)config;
	if ((ret = cli_open_store(&cli, &store)) != 0)
		return ret;
	log_info("outbox: sending through %s", config->smtp.url);
	while (!daemon_stopping()) {
		if (outbox_flush(config, store, 0, 0, f->protocol_log, &st) < 0) {
			daemon_sleep(10000);
			continue;
		}
		daemon_sleep(st.relay_down ? 10000 : 2000);
	}
	store_close(&store);
	return 0;
}

/* What the fetcher borrows: the store, matcher and templates of ic. */
static void env_init(struct fetch_env *env, const struct config *config,
		     const struct ingest_ctx *ic, bool protocol_log)
{
	env->config = config;
	env->store = ic->store;
	env->matcher = ic->matcher;
	env->templates = ic->templates;
	env->protocol_log = protocol_log;
}

/* A worker process: its own store and matcher, one account, until
 * SIGTERM. */
static int jobs_run(const struct config *config, size_t index, void *ctx)
{
	struct fetch_cli *f = ctx;
	const struct imap_account *a = job_account(config, index, f);
	struct cli cli = *f->cli;
	struct ingest_ctx ic;
	struct fetch_env env;
	int ret;

	if (a == NULL)
		return has_outbox_job(config, f) ? outbox_worker(f, config) : EX_SOFTWARE;
	cli.config = (struct config *)config;
	if ((ret = cli_ingest_open(&cli, &ic, true)) != 0)
		return ret;
	env_init(&env, config, &ic, f->protocol_log);
	ret = fetch_forever(&env, a);
	cli_ingest_close(&ic);
	return ret;
}

/* fetch and run print one line per message: at least info level, and
 * -v adds the IMAP dialogue (debug). */
static void set_log(struct fetch_cli *f, bool use_syslog, bool verbose)
{
	if (verbose)
		f->cli->verbose++;
	if (f->cli->verbose > 0) {
		log_set_level(LOG_LEVEL_DEBUG);
		f->protocol_log = true;
	} else if (log_get_level() == LOG_LEVEL_WARN) {
		log_set_level(LOG_LEVEL_INFO);
	}
	if (use_syslog)
		log_use_syslog();
}

static int check_accounts(struct fetch_cli *f)
{
	const struct config *c = f->cli->config;

	if (c->account_count == 0)
		return cli_fail(f->cli, EX_USAGE, "no [imap:NAME] account in %s",
				c->path != NULL ? c->path : "the configuration "
				"(no file was read: give one with -c)");
	for (size_t i = 0; i < f->name_count; i++) {
		if (config_account(c, f->names[i]) == NULL)
			return cli_usage(f->cli, "no account '%s' (there is no "
					 "[imap:%s] section)", f->names[i], f->names[i]);
	}
	return 0;
}

static int supervise(struct fetch_cli *f)
{
	struct daemon_jobs jobs = { jobs_count, jobs_name, jobs_run, f };

	return daemon_supervise(&f->cli->config, &jobs);
}

static int fetch_all_once(struct fetch_cli *f)
{
	const struct config *c = f->cli->config;
	struct ingest_ctx ic;
	struct fetch_env env;
	int ret, worst = 0;
	size_t n = jobs_count(c, f);

	if ((ret = cli_ingest_open(f->cli, &ic, true)) != 0)
		return ret;
	env_init(&env, c, &ic, f->protocol_log);
	daemon_signals_init();
	for (size_t i = 0; i < n && !daemon_stopping(); i++) {
		ret = fetch_once(&env, job_account(c, i, f));
		/* A configuration to fix says more than a server down. */
		if (ret == EX_USAGE || worst == 0)
			worst = ret != 0 ? ret : worst;
	}
	cli_ingest_close(&ic);
	return worst;
}

int cmd_fetch(struct cli *cli, int argc, char **argv)
{
	struct fetch_cli f = { cli, NULL, 0, false, false };
	bool once = false, use_syslog = false, verbose = false;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = true;
		else if (strcmp(argv[i], "--syslog") == 0)
			use_syslog = true;
		else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			return cli_usage(cli, "unknown option '%s'", argv[i]);
	}
	if (i < argc) {
		f.names = argv + i;
		f.name_count = (size_t)(argc - i);
	}
	if ((ret = check_accounts(&f)) != 0)
		return ret;
	set_log(&f, use_syslog, verbose);
	return once ? fetch_all_once(&f) : supervise(&f);
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct fetch_cli f = { cli, NULL, 0, false, true };
	bool use_syslog = false, verbose = false;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--syslog") == 0)
			use_syslog = true;
		else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)
			verbose = true;
		else
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
	}
	/* Mail may come in by `deliver` only: then run just sends. */
	if (cli->config->account_count == 0 && cli->config->smtp.configured)
		ret = 0;
	else if ((ret = check_accounts(&f)) != 0)
		return ret;
	set_log(&f, use_syslog, verbose);
	return supervise(&f);
}
