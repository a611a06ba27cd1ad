/* cli.c - helpers shared by the commands; see include/cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "entitle.h"
#include "fingerprint.h"
#include "ingest.h"
#include "pool.h"
#include "log.h"
#include "store.h"
#include "template.h"
#include "strbuf.h"
#include "util.h"

static void vfail(const struct cli *cli, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "supportgw: %s%s%s\n",
		cli != NULL && cli->command != NULL ? cli->command : "",
		cli != NULL && cli->command != NULL ? ": " : "", line);
}

int cli_fail(const struct cli *cli, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(cli, fmt, ap);
	va_end(ap);
	return code;
}

int cli_usage(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(cli, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'supportgw %s --help'.\n",
		cli != NULL && cli->command != NULL ? cli->command : "");
	return EX_USAGE;
}

bool cli_wants_help(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_print_help(name);
			return true;
		}
	}
	return false;
}

int cli_open_store(const struct cli *cli, struct store **store_r)
{
	const char *error;
	int r = store_open(cli->config->database, store_r, &error);

	if (r == 0)
		return 0;
	return cli_fail(cli, r == -2 ? EX_TEMPFAIL : EX_UNAVAILABLE,
			"cannot open the store %s: %s", cli->config->database, error);
}

int cli_store_fail(const struct cli *cli, const struct store *store,
		   const char *error)
{
	return cli_fail(cli, store_error_temporary(store) ? EX_TEMPFAIL : EX_SOFTWARE,
			"%s", error);
}

int cli_open_matcher(const struct cli *cli, struct fp_matcher **matcher_r)
{
	const struct config *c = cli->config;
	char *error = NULL;

	if (fp_matcher_new(c->case_prefix, c->builtin_patterns,
			   (const char *const *)c->patterns.items,
			   c->patterns.count, matcher_r, &error) < 0) {
		cli_fail(cli, EX_CONFIG, "fingerprint patterns: %s",
			 error != NULL ? error : "invalid");
		free(error);
		return EX_CONFIG;
	}
	return 0;
}

int cli_ingest_open(const struct cli *cli, struct ingest_ctx *ctx, bool answer)
{
	struct fp_matcher *matcher = NULL;
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	/* Answers need the relay and the templates; the templates are
	 * checked now, before any mail is taken. */
	if (answer && cli->config->smtp.configured) {
		struct template_set *set = NULL;
		const char *dir = template_default_dir(cli->config);
		char *error = NULL;

		if (template_set_load(dir, &set, &error) < 0) {
			ret = cli_fail(cli, EX_CONFIG, "templates: %s", error);
			free(error);
			return ret;
		}
		ctx->templates = set;
	}
	if ((ret = cli_open_matcher(cli, &matcher)) != 0) {
		cli_ingest_close(ctx);
		return ret;
	}
	/* Entitlement of new cases (contract, severity, due time): for live
	 * mail only; `import` files old mail, which nobody answers now. */
	if (answer) {
		struct entitle *entitle = NULL;
		char *error = NULL;

		if (entitle_new(cli->config, &entitle, &error) < 0) {
			ret = cli_fail(cli, EX_CONFIG, "entitlement: %s",
				       error != NULL ? error : "invalid");
			free(error);
			fp_matcher_free(&matcher);
			cli_ingest_close(ctx);
			return ret;
		}
		ctx->entitle = entitle;
	}
	if ((ret = cli_open_store(cli, &ctx->store)) != 0) {
		fp_matcher_free(&matcher);
		cli_ingest_close(ctx);
		return ret;
	}
	ctx->config = cli->config;
	ctx->matcher = matcher;
	ctx->pool = pool_new(256 * 1024);
	return 0;
}

void cli_ingest_close(struct ingest_ctx *ctx)
{
	struct fp_matcher *matcher = (struct fp_matcher *)ctx->matcher;
	struct template_set *set = (struct template_set *)ctx->templates;
	struct entitle *entitle = (struct entitle *)ctx->entitle;

	template_set_free(&set);
	ctx->templates = NULL;
	entitle_free(&entitle);
	ctx->entitle = NULL;
	fp_matcher_free(&matcher);
	ctx->matcher = NULL;
	store_close(&ctx->store);
	pool_free(&ctx->pool);
}

int cli_parse_case_number(const char *s, uint64_t *number_r)
{
	const char *p = s;
	size_t len;

	/* Accept what people paste: "12", "#12", "Case #12", "[Case #12]". */
	if (*p == '[')
		p++;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	p += strspn(p, " ");
	if (*p == '#')
		p++;
	len = strspn(p, "0123456789");
	if (len == 0 || strcmp(p + len, s[0] == '[' ? "]" : "") != 0)
		return -1;
	if (parse_uint64_n(p, len, FP_MAX_NUMBER, number_r) < 0 || *number_r == 0)
		return -1;
	return 0;
}

const char *cli_case_str(const struct cli *cli, uint64_t number, char *buf)
{
	snprintf(buf, 24, "%0*llu", (int)cli->config->case_digits,
		 (unsigned long long)number);
	return buf;
}

void cli_json_print(json_t *value)
{
	json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(value);
}

json_t *cli_json_time(int64_t t, bool has)
{
	char buf[32];

	if (!has)
		return json_null();
	time_iso8601(t, buf);
	return json_string(buf);
}

json_t *cli_json_str(const char *s)
{
	/* json_string() refuses invalid UTF-8; the parser guarantees UTF-8,
	 * but a NULL must still become null. */
	json_t *v;

	if (s == NULL)
		return json_null();
	v = json_string(s);
	return v != NULL ? v : json_string("\xef\xbf\xbd");
}

int cli_exec_net(struct cli *cli, int argc, char **argv)
{
	char self[4096], path[4096 + 32];
	const char *tried[2];
	ssize_t n;
	size_t count = 0;

	/* Beside this program first: a build tree, or a copy of both. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/supportgw-net", self);
			if (access(path, X_OK) == 0) {
				execv(path, cli->argv);
				log_warn("cannot run %s: %s", path, strerror(errno));
			}
			tried[count++] = path;
		}
	}
	execv(SUPPORTGW_LIBEXECDIR "/supportgw-net", cli->argv);
	tried[count++] = SUPPORTGW_LIBEXECDIR "/supportgw-net";
	return cli_fail(cli, EX_UNAVAILABLE,
			"the network commands are in supportgw-net, not found "
			"(looked for %s%s%s); was it installed?", tried[0],
			count > 1 ? " and " : "", count > 1 ? tried[1] : "");
}
