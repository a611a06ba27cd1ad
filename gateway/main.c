/*
 * main.c - supportgw's entry point: global options, then one command from
 * the table below (git / smtpctl style).  Each command lives in its own
 * gateway/cmd_*.c and shares modules with the daemon and the tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "log.h"

/* The network commands run in supportgw-net (see the Makefile): this
 * program execs it with the same arguments. */
#ifdef SUPPORTGW_NET
#define NET_CMD(fn) fn
#else
#define NET_CMD(fn) cli_exec_net
#endif

static const struct cli_command commands[] = {
	{ "parse", cmd_parse, "parse [--fingerprints] FILE|-|MAILDIR...",
	  "parse messages and print what the gateway sees, as JSON",
	  "  Prints one JSON object per FILE (- reads standard input): addresses,\n"
	  "  decoded subject, date, threading headers, fingerprint, automatic-mail\n"
	  "  verdict, language, body text and attachments.  No database is used.\n"
	  "  --fingerprints  print only \"PATH<TAB>CASE-NUMBER\" (or -) per message,\n"
	  "                  for files, folders and Maildirs\n"
	  "  Exit: 0 ok, 65 not a mail, 66 cannot read a file.\n" },
	{ "deliver", cmd_deliver, "deliver [--account NAME]",
	  "store one message read from standard input (MTA pipe mode)",
	  "  Reads one message on standard input and files it into its case.\n"
	  "  --account NAME  record the message as received through NAME\n"
	  "  Prints one line: new|appended|reopened|duplicate|quarantined ...\n"
	  "  Exit: 0 stored (or already stored), 65 not a mail (kept in\n"
	  "  quarantine) or larger than max_message_bytes, 75 the store is busy,\n"
	  "  unwritable or misconfigured: the MTA keeps the mail and retries.\n" },
	{ "import", cmd_import, "import [--json] [--batch N] [--no-progress] PATH...",
	  "store messages from files, folders and Maildirs",
	  "  Processes each PATH in the order given; a Maildir's cur/ and new/ in\n"
	  "  file-name (arrival) order.  Messages already stored are skipped, so an\n"
	  "  interrupted import can simply be run again.\n"
	  "  --json          print the summary as JSON\n"
	  "  --batch N       messages per transaction (default 1000)\n"
	  "  --no-progress   no progress bar, even on a terminal\n"
	  "  Exit: 0 done, 66 a PATH is missing or a file unreadable, 75 store busy\n"
	  "  or unwritable (what was committed stays; run again to continue).\n" },
	{ "cases", cmd_cases, "cases list|show|close|reopen ...",
	  "list, show, close and reopen cases",
	  "  cases list [--status open|closed|all] [--json]\n"
	  "  cases show NUMBER [--json]     the case and its messages\n"
	  "  cases close NUMBER\n"
	  "  cases reopen NUMBER\n"
	  "  NUMBER may be written 12, 00000012, #12 or [Case #00000012].\n"
	  "  Exit: 0 ok, 64 usage, 66 no such case, 75 store busy.\n" },
	{ "quarantine", cmd_quarantine, "quarantine list|show ...",
	  "messages that could not be filed, with the reason",
	  "  quarantine list [--json]\n"
	  "  quarantine show ID             the raw message, as received\n"
	  "  Exit: 0 ok, 64 usage, 66 no such entry, 75 store busy.\n" },
	{ "outbox", cmd_outbox, "outbox list|show|retry|flush ...",
	  "the mail the gateway sends: queued, sent, failed",
	  "  outbox list [--status queued|sent|failed|all] [--json]\n"
	  "  outbox show ID       the exact bytes sent (or to be sent)\n"
	  "  outbox retry ID      send a failed mail again\n"
	  "  outbox flush         send what is due now through [smtp]\n"
	  "  Exit: 0 ok, 64 usage, 66 no such mail, 75 store busy or relay\n"
	  "  unreachable (flush: the mails keep their place).\n" },
	{ "templates", cmd_templates, "templates check|render|render-file ...",
	  "check the mail templates and show what they render",
	  "  templates check [--dir DIR]    every problem as FILE:LINE: problem\n"
	  "  templates render NAME --case NUMBER [--lang L] [--dir DIR]\n"
	  "                                 the mail NAME would be for the case\n"
	  "                                 (language: --lang, else the case's;\n"
	  "                                 en when the template has no such one)\n"
	  "  templates render-file FILE --data DATA.json [--plain]\n"
	  "                                 FILE as one Mustache template over\n"
	  "                                 the JSON in DATA.json, HTML-escaped\n"
	  "                                 as the specification says unless --plain\n"
	  "  DIR: [gateway] templates, else $SUPPORTGW_TEMPLATES, else ./templates,\n"
	  "  else the installed ones.\n"
	  "  Exit: 0 ok, 64 usage, 65 a template or the data is broken, 66 no such\n"
	  "  folder, file or case, 75 store busy.\n" },
	{ "contracts", cmd_contracts, "contracts import|list|show ...",
	  "support contracts and licences: import the CSV, list, show",
	  "  contracts import [--skip-invalid] [--no-progress] FILE.csv\n"
	  "                 upsert by contract id; all or nothing unless\n"
	  "                 --skip-invalid; every bad row as FILE:LINE: reason;\n"
	  "                 FILE '-' is standard input\n"
	  "  contracts list [--expiring DAYS] [--region R] [--json]\n"
	  "                 --expiring: from today to today + DAYS (UTC)\n"
	  "  contracts show ID [--json]   the contract (ID, serial or renewal\n"
	  "                 id), days to expiry and the renewal notices sent\n"
	  "  Exit: 0 ok, 64 usage, 65 invalid rows (nothing imported without\n"
	  "  --skip-invalid), 66 no such file or contract, 74 read error,\n"
	  "  75 store busy.\n" },
	{ "renewals", cmd_renewals, "renewals run [--date YYYY-MM-DD] [--dry-run] [--region R]... [--json]",
	  "queue the renewal reminders that are due",
	  "  renewals run [--date YYYY-MM-DD] [--dry-run] [--region R]... [--json]\n"
	  "                 for each contract, the [renewals] schedule step whose\n"
	  "                 day has come, once ever; co-terming contracts of a\n"
	  "                 customer share one mail; --date: the run's date (default\n"
	  "                 today in each region's time zone); --dry-run: show,\n"
	  "                 queue nothing; --region: only R (repeatable; none: the\n"
	  "                 contracts of no region)\n"
	  "  One line per mail, then a summary.  The mails are queued: `outbox\n"
	  "  flush` or the daemon's sender sends them.\n"
	  "  Exit: 0 ok, 64 usage or no [smtp] (without --dry-run), 65 a template\n"
	  "  is broken, 75 store busy.\n" },
	{ "fetch", NET_CMD(cmd_fetch), "fetch [--once] [--syslog] [ACCOUNT...]",
	  "fetch mail from the [imap:NAME] accounts",
	  "  Fetches new mail from each ACCOUNT (default: all), files it into its\n"
	  "  case, then applies the account's `after` action on the server.\n"
	  "  --once     fetch what is there and exit (cron mode)\n"
	  "  (default)  stay connected: IDLE, or poll every poll_seconds when the\n"
	  "             server has no IDLE; reconnect with backoff when cut off\n"
	  "  --syslog   log to syslog (facility mail) instead of stderr\n"
	  "  One log line per message: account= uid= msgid= case= action=.\n"
	  "  -v before the command adds the IMAP dialogue (without credentials).\n"
	  "  Exit: 0 done (or stopped by SIGTERM/SIGINT), 64 configuration,\n"
	  "  75 a server could not be reached or refused the login (--once).\n" },
	{ "run", NET_CMD(cmd_run), "run [--syslog]",
	  "the daemon: every account in its own connection",
	  "  Runs one worker process per [imap:NAME] account and, with [smtp], the\n"
	  "  sender (flushes the outbox every 2 s) and the renewal reminders\n"
	  "  (each region's at [renewals] send_hour in its time zone, and at\n"
	  "  start for those whose hour has passed), restarting any that dies.\n"
	  "  SIGTERM, SIGINT  finish the message in hand, exit 0 within 5 s\n"
	  "  SIGHUP           reload the configuration (kept when invalid)\n"
	  "  --syslog         log to syslog (facility mail) instead of stderr\n"
	  "  Exit: 0 stopped by a signal, 64 configuration.\n" },
	{ "accounts", NET_CMD(cmd_accounts), "accounts list|test [ACCOUNT...]",
	  "check the IMAP accounts: connect, log in, look at the mailbox",
	  "  accounts list             the configured accounts\n"
	  "  accounts test [ACCOUNT]   connect, authenticate, select the mailbox\n"
	  "                            and print capabilities, message count, IDLE\n"
	  "  Exit: 0 ok, 64 unknown account or configuration, 75 an account could\n"
	  "  not be reached or refused the login.\n" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: supportgw [-c FILE] [-v|-q] COMMAND [ARGS...]\n"
		"       supportgw COMMAND --help | --help | --version\n"
		"\n"
		"An email-driven support gateway: files each message into its case.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE  configuration (default: $SUPPORTGW_CONFIG,\n"
		"                     else ./supportgw.ini, else built-in defaults)\n"
		"  -v, --verbose      more log output (repeat for debug)\n"
		"  -q, --quiet        errors only\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nExit codes: 0 ok, 64 usage or configuration, 65 bad data, "
		"66 no input,\n75 temporary failure (retry later).\n");
}

void cli_print_help(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			printf("Usage: supportgw [-c FILE] %s\n\n%s.\n\n%s",
			       commands[i].usage, commands[i].summary,
			       commands[i].help);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	const struct cli_command *cmd = NULL;
	struct cli cli = { 0 };
	enum log_level level;
	int verbose = 0, quiet = 0, i, ret;
	char *error = NULL;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc)
				return cli_usage(NULL, "%s needs a FILE", a);
			config_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			config_path = a + 9;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			verbose++;
		} else if (strcmp(a, "-vv") == 0) {
			verbose += 2;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("supportgw %s\n", SUPPORTGW_VERSION);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "supportgw: unknown option '%s'\n", a);
			usage(stderr);
			return EX_USAGE;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "supportgw: no command given\n");
		usage(stderr);
		return EX_USAGE;
	}
	for (size_t c = 0; c < N_COMMANDS; c++) {
		if (strcmp(commands[c].name, argv[i]) == 0)
			cmd = &commands[c];
	}
	if (cmd == NULL) {
		fprintf(stderr, "supportgw: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return EX_USAGE;
	}
	cli.command = cmd->name;
	cli.argv = argv;
	cli.verbose = quiet ? 0 : verbose;
#ifdef SUPPORTGW_NET
	cli.outbox_flush = cmd_outbox_flush;
#endif
	if (cli_wants_help(cmd->name, argc - i, argv + i))
		return 0;

	if (config_load(config_path, &cli.config, &error) < 0) {
		/* deliver never makes the MTA bounce a customer's mail over an
		 * operator's typo: the mail waits in the MTA's queue. */
		ret = cli_fail(&cli, strcmp(cmd->name, "deliver") == 0 ?
			       EX_TEMPFAIL : EX_USAGE, "configuration: %s", error);
		free(error);
		return ret;
	}
	if (log_level_parse(cli.config->log_level, &level) < 0)
		level = LOG_LEVEL_WARN;
	if (quiet)
		level = LOG_LEVEL_ERROR;
	else if (verbose > 0)
		level = level + verbose > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG :
			(enum log_level)(level + verbose);
	log_set_level(level);

	ret = cmd->run(&cli, argc - i, argv + i);
	config_free(&cli.config);
	fflush(stdout);
	if (ferror(stdout) && ret == 0)
		ret = EX_IOERR;
	return ret;
}
