/*
 * cmd_templates.c - `supportgw templates check|render|render-file`: what an
 * operator editing the mail templates needs before the gateway sends them:
 * every problem at once with its file and line, a case's answer exactly as
 * it would be rendered, and the bare renderer (against the Mustache
 * specification's cases).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "compose.h"
#include "config.h"
#include "log.h"
#include "mustache.h"
#include "pool.h"
#include "store.h"
#include "strbuf.h"
#include "template.h"
#include "util.h"

/* render-file: a spec case or a draft, not a mail; generous caps. */
#define RENDER_FILE_MAX_IN (16 * 1024 * 1024)
#define RENDER_FILE_MAX_OUT (64 * 1024 * 1024)

/*
 * argv[*i] is --name VALUE or --name=VALUE: 1 with *value_r (and *i past
 * the value); 0 when it is another argument; -1 when the value is missing.
 */
static int opt_value(int argc, char **argv, int *i, const char *name,
		     const char **value_r)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*value_r = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value_r = argv[++*i];
	return 1;
}

/* The folder to read: --dir, else the configured or default one.  A
 * missing folder is EX_NOINPUT (the operator names a wrong path). */
static int resolve_dir(const struct cli *cli, const char *dir, const char **dir_r)
{
	struct stat st;

	if (dir == NULL)
		dir = template_default_dir(cli->config);
	if (stat(dir, &st) < 0)
		return cli_fail(cli, EX_NOINPUT, "no template folder %s: %s (give "
				"--dir, or set [gateway] templates)", dir,
				strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cli_fail(cli, EX_NOINPUT, "%s is not a folder", dir);
	*dir_r = dir;
	return 0;
}

struct check_out {
	int problems;
};

/* FILE:LINE: problem, the format editors and CI logs jump to. */
static void print_problem(void *ctx, const char *file, unsigned line,
			  const char *problem)
{
	struct check_out *co = ctx;

	if (line > 0)
		printf("%s:%u: %s\n", file, line, problem);
	else
		printf("%s: %s\n", file, problem);
	co->problems++;
}

static int templates_check(struct cli *cli, int argc, char **argv)
{
	struct check_out co = { 0 };
	struct template_set *set = NULL;
	const char *dir = NULL;
	size_t templates, languages;
	char *error = NULL;
	int ret;

	for (int i = 1; i < argc; i++) {
		int r = opt_value(argc, argv, &i, "--dir", &dir);

		if (r < 0)
			return cli_usage(cli, "--dir needs a folder");
		if (r == 0)
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
	}
	if ((ret = resolve_dir(cli, dir, &dir)) != 0)
		return ret;
	if (template_set_load_report(dir, print_problem, &co, &set, &error) < 0) {
		ret = cli_fail(cli, EX_NOINPUT, "%s", error);
		free(error);
		return ret;
	}
	template_check(set, print_problem, &co);
	template_set_counts(set, &templates, &languages);
	template_set_free(&set);
	if (co.problems == 0) {
		printf("%zu templates in %zu languages: ok\n", templates, languages);
		return 0;
	}
	printf("%zu templates in %zu languages: %d problem%s\n", templates,
	       languages, co.problems, co.problems == 1 ? "" : "s");
	return EX_DATAERR;
}

/* The first message of a case: what its acknowledgement answers. */
struct first_msg {
	struct pool *pool;
	struct compose_reply_to reply;
	bool found;
};

static int first_message(void *ctx_, const struct store_message *m)
{
	struct first_msg *ctx = ctx_;
	const char **refs = NULL;
	size_t count = 0;

	ctx->reply.subject = m->subject != NULL ? pool_strdup(ctx->pool, m->subject) : NULL;
	ctx->reply.date = m->has_date ? m->date : 0;
	ctx->reply.message_id = m->message_id != NULL ?
		pool_strdup(ctx->pool, m->message_id) : NULL;
	/* the store keeps References space-separated */
	for (const char *p = m->references; p != NULL && *p != '\0';) {
		size_t n;

		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		refs = pool_realloc(ctx->pool, refs, count * sizeof(*refs),
				    (count + 1) * sizeof(*refs));
		refs[count++] = pool_strndup(ctx->pool, p, n);
		p += n;
	}
	ctx->reply.references = refs;
	ctx->reply.references_count = count;
	ctx->found = true;
	return 1;   /* the first one is enough */
}

static void print_result(const struct template_result *res)
{
	printf("Subject: %s\n", res->subject);
	if (res->cc != NULL)
		printf("Cc: %s\n", res->cc);
	if (res->reply_to != NULL)
		printf("Reply-To: %s\n", res->reply_to);
	putchar('\n');
	fwrite(res->body, 1, res->body_len, stdout);
}

static int templates_render(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *case_arg = NULL, *lang = NULL, *dir = NULL;
	const char *serror;
	struct template_set *set = NULL;
	struct template_result res;
	struct first_msg fm = { 0 };
	struct store *store = NULL;
	struct store_case *c;
	uint64_t number;
	char *error = NULL;
	json_t *data = NULL;
	int ret, r;

	for (int i = 1; i < argc; i++) {
		if ((r = opt_value(argc, argv, &i, "--case", &case_arg)) == 0 &&
		    (r = opt_value(argc, argv, &i, "--lang", &lang)) == 0 &&
		    (r = opt_value(argc, argv, &i, "--dir", &dir)) == 0) {
			if (name != NULL || argv[i][0] == '-')
				return cli_usage(cli, "unexpected argument '%s'", argv[i]);
			name = argv[i];
		}
		if (r < 0)
			return cli_usage(cli, "%s needs a value", argv[i]);
	}
	if (name == NULL || case_arg == NULL)
		return cli_usage(cli, "templates render NAME --case NUMBER");
	if (cli_parse_case_number(case_arg, &number) < 0)
		return cli_usage(cli, "'%s' is not a case number", case_arg);
	if ((ret = resolve_dir(cli, dir, &dir)) != 0)
		return ret;
	if (template_set_load(dir, &set, &error) < 0) {
		ret = cli_fail(cli, EX_DATAERR, "%s", error);
		free(error);
		return ret;
	}
	if ((ret = cli_open_store(cli, &store)) != 0)
		goto out;
	fm.pool = pool_new(16384);
	r = store_case_get(store, fm.pool, number, &c, &serror);
	if (r < 0) {
		ret = cli_store_fail(cli, store, serror);
		goto out;
	}
	if (r == 0) {
		ret = cli_fail(cli, EX_NOINPUT, "no case %s", case_arg);
		goto out;
	}
	if (store_case_messages(store, c->number, first_message, &fm, &serror) < 0) {
		ret = cli_store_fail(cli, store, serror);
		goto out;
	}
	if (lang == NULL)
		lang = c->language;
	data = compose_case_data(cli->config, c, fm.found ? &fm.reply : NULL);
	if (data == NULL) {
		ret = cli_fail(cli, EX_SOFTWARE, "cannot build the data of case %s",
			       case_arg);
		goto out;
	}
	if (template_render(set, name, lang, data, fm.pool, &res, &error) < 0) {
		ret = cli_fail(cli, EX_DATAERR, "%s", error);
		free(error);
		goto out;
	}
	if (res.fell_back)
		log_warn("template=%s lang=%s: no such language, rendered in %s",
			 name, lang, res.lang);
	print_result(&res);
out:
	json_decref(data);
	pool_free(&fm.pool);
	store_close(&store);
	template_set_free(&set);
	return ret;
}

static int templates_render_file(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL, *data_path = NULL;
	struct mustache *tpl = NULL;
	struct strbuf out;
	json_error_t jerr;
	json_t *data;
	unsigned flags = 0;
	char *text = NULL, *error = NULL;
	size_t len;
	int ret = 0, r, err = 0;

	for (int i = 1; i < argc; i++) {
		if ((r = opt_value(argc, argv, &i, "--data", &data_path)) < 0)
			return cli_usage(cli, "--data needs a JSON file");
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--plain") == 0)
			flags |= MUSTACHE_NO_ESCAPE;
		else if (file == NULL && (argv[i][0] != '-' || argv[i][1] == '\0'))
			file = argv[i];
		else
			return cli_usage(cli, "unexpected argument '%s'", argv[i]);
	}
	if (file == NULL || data_path == NULL)
		return cli_usage(cli, "templates render-file FILE --data DATA.json");
	if (read_file(file, RENDER_FILE_MAX_IN, &text, &len, &err) < 0)
		return cli_fail(cli, EX_NOINPUT, "%s: %s", file,
				err == EFBIG ? "too large" : strerror(err));
	/* Any JSON value: the specification's data is not always an object. */
	data = json_load_file(data_path, JSON_DECODE_ANY, &jerr);
	if (data == NULL) {
		free(text);
		if (json_error_code(&jerr) == json_error_cannot_open_file)
			return cli_fail(cli, EX_NOINPUT, "%s", jerr.text);
		return cli_fail(cli, EX_DATAERR, "%s: line %d: %s", data_path,
				jerr.line, jerr.text);
	}
	if (mustache_parse(text, len, &tpl, &error) < 0) {
		ret = cli_fail(cli, EX_DATAERR, "%s: %s", file,
			       error != NULL ? error : "invalid template");
		goto out;
	}
	strbuf_init(&out, RENDER_FILE_MAX_OUT);
	if (mustache_render(tpl, data, flags, &out, &error) < 0)
		ret = cli_fail(cli, EX_DATAERR, "%s: %s", file,
			       error != NULL ? error : "cannot render");
	else
		fwrite(strbuf_str(&out), 1, out.len, stdout);
	strbuf_deinit(&out);
out:
	free(error);
	mustache_free(&tpl);
	json_decref(data);
	free(text);
	return ret;
}

int cmd_templates(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return templates_check(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "render") == 0)
		return templates_render(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "render-file") == 0)
		return templates_render_file(cli, argc - 1, argv + 1);
	return cli_usage(cli, "which action? check, render or render-file");
}
