/*
 * cmd_fetch.c - `supportgw fetch [--once] [ACCOUNT...]` and `supportgw run`.
 *
 * --once fetches each account in turn in this process (cron mode).
 * Otherwise the supervisor (daemon.h) runs one worker process per account,
 * each with its own store connection and IMAP session, held open for the
 * life of the worker (a daemon pays SQLite's open and WAL checkpoint once,
 * not per message).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "fetch.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "renewals.h"
#include "store.h"
#include "template.h"

struct fetch_cli {
	struct cli *cli;
	char **names;           /* accounts asked for; NULL: all */
	size_t name_count;
	bool protocol_log;
	bool outbox;            /* run: one more worker, the sender */
};

/* The sender and the renewal reminders are the last two jobs, when there
 * is an [smtp] relay (reminders are queued for it). */
static bool has_outbox_job(const struct config *config, const struct fetch_cli *f)
{
	return f->outbox && config->smtp.configured;
}

/* Which of those two job index is (SIZE_MAX: an account's). */
static size_t extra_job(const struct config *config, size_t index,
			const struct fetch_cli *f)
{
	if (f->names != NULL || !has_outbox_job(config, f) ||
	    index < config->account_count)
		return SIZE_MAX;
	return index - config->account_count;
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
		return config->account_count + 2 * has_outbox_job(config, f);
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
	size_t extra = extra_job(config, index, ctx);

	return a != NULL ? a->name : extra == 0 ? "outbox" :
		extra == 1 ? "renewals" : "?";
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

static bool renewals_stopping(void)
{
	return daemon_stopping();
}

/*
 * The renewal reminders: at start, then each day at [renewals] send_hour
 * in each region's time zone, runs the regions whose send time has passed
 * on their local date and that have not run for it yet.  The ledger makes
 * a repeat harmless (a restarted worker runs today's regions again and
 * queues nothing twice), and a worker started late catches the day up.  It
 * only queues: the sender worker sends.  It wakes at the next send time,
 * at least hourly (a clock that jumps is seen within the hour).
 */
static int renewals_worker(struct fetch_cli *f, const struct config *config)
{
	struct cli cli = *f->cli;
	struct template_set *set = NULL;
	struct store *store = NULL;
	size_t n = renewals_zone_count(config);
	int64_t *done = calloc(n, sizeof(*done)), *today = calloc(n, sizeof(*today));
	const char **zones = calloc(n, sizeof(*zones)), *missing, *err;
	char *terr = NULL;
	int ret = 0;

	cli.config = (struct config *)config;
	if (done == NULL || today == NULL || zones == NULL)
		fatal("out of memory");
	if (template_set_load(template_default_dir(config), &set, &terr) < 0 ||
	    (missing = renewals_missing_template(set)) != NULL) {
		log_error("renewals: templates: %s", terr != NULL ? terr :
			  "the renewal_reminder, renewal_auto and renewal_expired "
			  "templates are needed in en");
		ret = EX_CONFIG;
		goto out;
	}
	if ((ret = cli_open_store(&cli, &store)) != 0)
		goto out;
	for (size_t z = 0; z < n; z++)
		done[z] = INT64_MIN;
	while (!daemon_stopping()) {
		struct renewals_options opt = { 0 };
		struct renewals_stats st;
		int64_t now = (int64_t)time(NULL), wait;
		size_t k = 0;
		unsigned minute;
		int r;

		for (size_t z = 0; z < n; z++) {
			if (renewals_zone_today(config, z, now, &today[z], &minute) == 0 &&
			    minute >= config->renewals.send_minute && done[z] != today[z])
				zones[k++] = renewals_zone_name(config, z);
		}
		if (k > 0) {
			opt.zones = zones;
			opt.zone_count = k;
			opt.now = now;
			opt.should_stop = renewals_stopping;
			r = renewals_run(config, store, set, &opt, NULL, NULL, &st, &err);
			if (r == -1) {
				/* busy or broken store: the ledger keeps the
				 * place, try again in a minute */
				log_error("renewals: %s; trying again in 60 s", err);
				daemon_sleep(60000);
				continue;
			}
			if (r == -2)
				log_error("renewals: %s (fix the template: the "
					  "regions' reminders wait for tomorrow)", err);
			log_info("renewals: %zu region%s run: %zu mails queued for %zu "
				 "contracts", k, k > 1 ? "s" : "", st.mails, st.notices);
			for (size_t z = 0; z < n && !st.stopped; z++) {
				for (size_t i = 0; i < k; i++) {
					if (zones[i] == renewals_zone_name(config, z))
						done[z] = today[z];
				}
			}
			continue;
		}
		wait = renewals_next_send(config, now);
		daemon_sleep((int)(wait > 3600 ? 3600 : wait) * 1000);
	}
out:
	free(terr);
	free(done);
	free(today);
	free(zones);
	template_set_free(&set);
	store_close(&store);
	return ret;
}

/* What the fetcher borrows: the store, matcher, templates and entitlement
 * of ic. */
static void env_init(struct fetch_env *env, const struct config *config,
		     const struct ingest_ctx *ic, bool protocol_log)
{
	env->config = config;
	env->store = ic->store;
	env->matcher = ic->matcher;
	env->templates = ic->templates;
	env->entitle = ic->entitle;
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

	if (a == NULL) {
		size_t extra = extra_job(config, index, f);

		return extra == 0 ? outbox_worker(f, config) :
			extra == 1 ? renewals_worker(f, config) : EX_SOFTWARE;
	}
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
