/*
 * cmd_renewals.c - `supportgw renewals run [--date YYYY-MM-DD] [--dry-run]
 * [--region R]... [--json]`: queues the renewal reminders that are due
 * (renewals.h); the sender (`outbox flush`, or the daemon's) sends them.
 * One line per mail, then a summary.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "dates.h"
#include "renewals.h"
#include "store.h"
#include "template.h"

struct out {
	const struct cli *cli;
	json_t *mails;          /* --json: the mails, else NULL */
};

static void print_mail(void *ctx, const struct renewals_mail *m)
{
	struct out *o = ctx;
	char num[24];

	if (o->mails != NULL) {
		json_t *j = json_object(), *list = json_array();

		for (size_t i = 0; i < m->contract_count; i++) {
			json_t *c = json_object();

			json_object_set_new(c, "id", cli_json_str(m->contracts[i]));
			json_object_set_new(c, "step", json_integer(m->steps[i]));
			json_array_append_new(list, c);
		}
		json_object_set_new(j, "to", cli_json_str(m->to));
		json_object_set_new(j, "name", cli_json_str(m->to_name));
		json_object_set_new(j, "region", cli_json_str(m->region));
		json_object_set_new(j, "from", cli_json_str(m->from));
		json_object_set_new(j, "team", cli_json_str(m->team_addr));
		json_object_set_new(j, "template", cli_json_str(m->template_name));
		json_object_set_new(j, "language", cli_json_str(m->language));
		json_object_set_new(j, "date", cli_json_str(m->run_date));
		json_object_set_new(j, "subject", cli_json_str(m->subject));
		json_object_set_new(j, "case", m->case_number != 0 ?
				    json_string(cli_case_str(o->cli, m->case_number, num)) :
				    json_null());
		json_object_set_new(j, "new_case", json_boolean(m->new_case));
		json_object_set_new(j, "outbox_id", m->outbox_id != 0 ?
				    json_integer(m->outbox_id) : json_null());
		json_object_set_new(j, "message_id", cli_json_str(m->message_id));
		json_object_set_new(j, "contracts", list);
		json_array_append_new(o->mails, j);
		return;
	}
	printf("%s case=%s new_case=%s to=%s region=%s team=%s template=%s lang=%s date=%s contracts=",
	       m->dry_run ? "would queue" : "queued",
	       m->case_number != 0 ? cli_case_str(o->cli, m->case_number, num) : "-",
	       m->new_case ? "yes" : "no", m->to,
	       m->region != NULL ? m->region : "-",
	       m->team_addr != NULL ? m->team_addr : "-", m->template_name,
	       m->language, m->run_date);
	for (size_t i = 0; i < m->contract_count; i++)
		printf("%s%s", i > 0 ? "," : "", m->contracts[i]);
	putchar('\n');
}

static void print_summary(const struct renewals_stats *st, bool dry_run,
			  json_t *root)
{
	if (root != NULL) {
		json_t *s = json_object();

		json_object_set_new(s, "mails", json_integer((json_int_t)st->mails));
		json_object_set_new(s, "reminders", json_integer((json_int_t)st->by_kind[RENEWAL_REMINDER]));
		json_object_set_new(s, "auto_renewal", json_integer((json_int_t)st->by_kind[RENEWAL_AUTO]));
		json_object_set_new(s, "expired", json_integer((json_int_t)st->by_kind[RENEWAL_EXPIRED]));
		json_object_set_new(s, "contracts", json_integer((json_int_t)st->notices));
		json_object_set_new(s, "coterm", json_integer((json_int_t)st->coterm));
		json_object_set_new(s, "candidates", json_integer((json_int_t)st->candidates));
		json_object_set_new(s, "raced", json_integer((json_int_t)st->raced));
		json_object_set_new(s, "failed", json_integer((json_int_t)st->failed));
		json_object_set_new(s, "suppressed", json_integer((json_int_t)st->suppressed));
		json_object_set_new(root, "summary", s);
		cli_json_print(root);
		return;
	}
	printf("%zu mails %s (%zu reminders, %zu auto-renewal notices, %zu expired "
	       "notices) for %zu contracts, %zu of them co-termed ahead of their "
	       "day; %zu contracts looked at",
	       st->mails, dry_run ? "would be queued (dry run: nothing written)" :
	       "queued", st->by_kind[RENEWAL_REMINDER], st->by_kind[RENEWAL_AUTO],
	       st->by_kind[RENEWAL_EXPIRED], st->notices, st->coterm,
	       st->candidates);
	if (st->raced > 0)
		printf("; %zu left out (another run queued them)", st->raced);
	if (st->failed > 0)
		printf("; %zu could not be written (see the log)", st->failed);
	if (st->suppressed > 0)
		printf("; %zu not sent: no address, or our mail to it bounced",
		       st->suppressed);
	printf("\n");
}

static int renewals_cmd_run(struct cli *cli, int argc, char **argv)
{
	const struct config *c = cli->config;
	struct renewals_options opt = { 0 };
	struct renewals_stats st;
	struct template_set *set = NULL;
	struct store *store = NULL;
	struct out o = { cli, NULL };
	const char **zones = NULL, *missing, *error = NULL;
	json_t *root = NULL;
	bool json = false;
	char *terr = NULL;
	int ret = 0, r;

	zones = calloc((size_t)argc, sizeof(*zones));
	if (zones == NULL)
		return cli_fail(cli, EX_SOFTWARE, "out of memory");
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			opt.dry_run = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc) {
			if (date_parse(argv[++i], &opt.date) < 0) {
				ret = cli_usage(cli, "--date: '%s' is not a date "
						"(YYYY-MM-DD)", argv[i]);
				goto out;
			}
			opt.has_date = true;
		} else if (strcmp(argv[i], "--region") == 0 && i + 1 < argc) {
			const struct region_config *rc = config_region(c, argv[++i]);

			if (rc == NULL && strcmp(argv[i], "none") != 0) {
				ret = cli_usage(cli, "--region: no region '%s' (EMEA, "
						"AMS, JP, CN, SG, a [region:NAME] "
						"section, or none)", argv[i]);
				goto out;
			}
			zones[opt.zone_count++] = rc != NULL ? rc->name : "";
			opt.zones = zones;
		} else {
			ret = cli_usage(cli, "unexpected argument '%s'", argv[i]);
			goto out;
		}
	}
	if (!c->smtp.configured && !opt.dry_run) {
		ret = cli_fail(cli, EX_USAGE, "no [smtp] section in %s: reminders "
			       "are queued for the relay it names and sent from "
			       "its addresses; add one, or look with --dry-run",
			       c->path != NULL ? c->path :
			       "the configuration (no file was read: give one with -c)");
		goto out;
	}
	if (template_set_load(template_default_dir(c), &set, &terr) < 0) {
		ret = cli_fail(cli, EX_DATAERR, "templates: %s", terr);
		goto out;
	}
	if ((missing = renewals_missing_template(set)) != NULL) {
		ret = cli_fail(cli, EX_DATAERR, "templates: no %s in %s/en",
			       missing, template_default_dir(c));
		goto out;
	}
	if ((ret = cli_open_store(cli, &store)) != 0)
		goto out;
	if (json) {
		root = json_object();
		o.mails = json_array();
		json_object_set_new(root, "dry_run", json_boolean(opt.dry_run));
		json_object_set(root, "mails", o.mails);
	}
	r = renewals_run(c, store, set, &opt, print_mail, &o, &st, &error);
	if (r == -1)
		ret = cli_store_fail(cli, store, error);
	else if (r == -2)
		ret = cli_fail(cli, EX_DATAERR, "template: %s", error);
	/* what was queued before a failure stays queued: say so */
	print_summary(&st, opt.dry_run, root);
	root = NULL;
out:
	json_decref(o.mails);
	json_decref(root);
	free(terr);
	free(zones);
	template_set_free(&set);
	store_close(&store);
	return ret;
}

int cmd_renewals(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return renewals_cmd_run(cli, argc, argv);
	return cli_usage(cli, "which action? run");
}
