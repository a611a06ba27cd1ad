/*
 * cli.h - what the command implementations share: the command table type,
 * exit codes (sysexits.h), opening the store and the fingerprint matcher
 * from the loaded config, case-number parsing, Maildir listing and JSON
 * printing.  main.c only dispatches the table (git / smtpctl style).
 *
 * Ownership: struct cli is owned by main(); commands borrow it.  Handles
 * returned through *_r belong to the caller (store_close, fp_matcher_free).
 * Errors: functions returning an int exit code print the reason to stderr
 * as "supportgw: COMMAND: reason" and return the sysexits code to exit with;
 * 0 means success.
 */
#ifndef SUPPORTGW_CLI_H
#define SUPPORTGW_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sysexits.h>

struct config;
struct fp_matcher;
struct ingest_ctx;
struct store;

struct cli {
	struct config *config;
	const char *command;   /* for messages: "import", "cases list"... */
	char **argv;           /* main()'s, for cli_exec_net() */
	int verbose;           /* how many -v were given */
	/* `outbox flush`: set in supportgw-net; NULL execs it. */
	int (*outbox_flush)(struct cli *cli, int argc, char **argv);
};

typedef int cli_command_fn(struct cli *cli, int argc, char **argv);

struct cli_command {
	const char *name;
	cli_command_fn *run;
	const char *usage;     /* "parse [--fingerprints] FILE|MAILDIR..." */
	const char *summary;   /* one line for --help */
	const char *help;      /* the options, for COMMAND --help */
};

int cmd_parse(struct cli *cli, int argc, char **argv);
int cmd_deliver(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_cases(struct cli *cli, int argc, char **argv);
int cmd_quarantine(struct cli *cli, int argc, char **argv);
int cmd_outbox(struct cli *cli, int argc, char **argv);
int cmd_templates(struct cli *cli, int argc, char **argv);
int cmd_contracts(struct cli *cli, int argc, char **argv);
int cmd_renewals(struct cli *cli, int argc, char **argv);
/* In supportgw-net only (gateway/cmd_fetch.c, cmd_accounts.c,
 * cmd_outbox_flush.c). */
int cmd_outbox_flush(struct cli *cli, int argc, char **argv);
int cmd_fetch(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_accounts(struct cli *cli, int argc, char **argv);
/* In supportgw: execs supportgw-net with main()'s arguments (beside this
 * program's file, else in SUPPORTGW_LIBEXECDIR).  Returns only on failure,
 * with EX_UNAVAILABLE. */
int cli_exec_net(struct cli *cli, int argc, char **argv);

/* Prints "supportgw: CMD: reason" to stderr; returns code. */
int cli_fail(const struct cli *cli, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A usage error: the reason and a pointer to --help; returns EX_USAGE. */
int cli_usage(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the command's help (from the table) to stdout. */
void cli_print_help(const char *name);
/* True when argv[1..] asks for --help / -h (then help has been printed). */
bool cli_wants_help(const char *name, int argc, char **argv);

int cli_open_store(const struct cli *cli, struct store **store_r);
/* A failed store call: prints the reason, returns EX_TEMPFAIL when trying
 * again later may work (busy, locked, disk full), else EX_SOFTWARE. */
int cli_store_fail(const struct cli *cli, const struct store *store,
		   const char *error);
int cli_open_matcher(const struct cli *cli, struct fp_matcher **matcher_r);

/* Opens the store, the matcher and a message pool into ctx (borrowing the
 * config), and with answer (deliver, fetch; not import) and an [smtp]
 * section the templates, so new cases are acknowledged;
 * cli_ingest_close() releases them.  Returns 0 or an exit code (EX_CONFIG
 * for templates that do not load). */
int cli_ingest_open(const struct cli *cli, struct ingest_ctx *ctx, bool answer);
void cli_ingest_close(struct ingest_ctx *ctx);

/* "12", "00000012", "#12", "[Case #00000012]" -> 12; -1 when not one. */
int cli_parse_case_number(const char *s, uint64_t *number_r);
/* Zero-padded case number into a caller buffer of at least 24 bytes. */
const char *cli_case_str(const struct cli *cli, uint64_t number, char *buf);

/* Dumps a JSON value to stdout (indented, UTF-8) and frees it. */
void cli_json_print(json_t *value);
/* ISO 8601 UTC string, or JSON null when t is 0 / has is false. */
json_t *cli_json_time(int64_t t, bool has);
/* JSON string or null. */
json_t *cli_json_str(const char *s);

#endif
