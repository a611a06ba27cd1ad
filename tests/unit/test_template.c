/* test_template.c - gateway/template.c: loading a template folder (what
 * is read, what is ignored, every load error with its file and line),
 * rendering with the fallback to en and the one-line header guard,
 * template_check(), and the repository's own templates/. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "pool.h"
#include "template.h"

#include "pool_fixture.h"

#define GOOD_EN \
	"Subject: {{case.tag}} {{case.subject}}\n" \
	"cc: {{#customer.email}}team@vendor.example{{/customer.email}}\n" \
	"REPLY-TO: help@vendor.example\n" \
	"\n" \
	"Dear {{customer.name}},\n" \
	"{{#case.due}}\n" \
	"Due: {{case.due}}\n" \
	"{{/case.due}}\n" \
	"Bye\n"

#define GOOD_FR \
	"Subject: {{case.tag}} {{case.subject}}\n" \
	"\n" \
	"Bonjour {{customer.name}},\n"

/* ---- a scratch folder per test ---- */

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_dir(void)
{
	char *dir = strdup("/tmp/sgw-template-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Writes len bytes to DIR/rel, creating DIR/<first component>. */
static void put_n(const char *dir, const char *rel, const char *text,
		  size_t len)
{
	char path[512];
	const char *slash = strchr(rel, '/');
	FILE *f;

	if (slash != NULL) {
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(slash - rel), rel);
		mkdir(path, 0700);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put(const char *dir, const char *rel, const char *text)
{
	put_n(dir, rel, text, strlen(text));
}

static struct template_set *load_ok(const char *dir)
{
	struct template_set *set = NULL;
	char *error = NULL;

	if (template_set_load(dir, &set, &error) < 0)
		fail_msg("template_set_load: %s", error);
	assert_non_null(set);
	return set;
}

/* Loading a folder whose only template is en/t.mustache = text fails with
 * an error holding "DIR/en/t.mustache: " followed by want. */
static void assert_load_error(const char *text, size_t len, const char *want)
{
	struct template_set *set = NULL;
	char *dir = make_dir(), *error = NULL, *expected;

	put_n(dir, "en/t.mustache", text, len);
	assert_int_equal(template_set_load(dir, &set, &error), -1);
	assert_null(set);
	assert_non_null(error);
	assert_true(asprintf(&expected, "%s/en/t.mustache: %s", dir, want) > 0);
	if (strncmp(error, expected, strlen(expected)) != 0)
		fail_msg("error '%s' does not start with '%s'", error, expected);
	free(expected);
	free(error);
	rm_tree(dir);
	free(dir);
}

#define LOAD_ERROR(text, want) assert_load_error(text, sizeof(text) - 1, want)

static json_t *sample_data(const char *subject)
{
	json_t *d = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s}, "
			      "s:{s:s, s:s}, s:{s:s, s:s}}",
			      "case", "number", "00000042", "tag", "[Case #00000042]",
			      "subject", subject, "status", "open",
			      "due", "2026-11-23T12:00:00Z",
			      "customer", "name", "Ana Lima", "email", "ana@cust.example",
			      "message", "subject", subject, "date", "2026-11-22T10:00:00Z",
			      "gateway", "address", "support@vendor.example",
			      "name", "Vendor Support");

	assert_non_null(d);
	return d;
}

/* ---- loading ---- */

static void test_load_and_render(void **state)
{
	struct pool *pool = *state;
	char *dir = make_dir(), *error = NULL;
	struct template_set *set;
	struct template_result r;
	json_t *data = sample_data("Licence server down");
	size_t templates, languages;

	put(dir, "en/ack_new_case.mustache", GOOD_EN);
	put(dir, "fr/ack_new_case.mustache", GOOD_FR);
	/* Not templates: ignored, even when their content is broken. */
	put(dir, "README.md", "From: nobody\n");
	put(dir, "en/README", "{{#broken");
	put(dir, "en/Upper.mustache", "{{#broken");
	put(dir, "en/dash-name.mustache", "{{#broken");
	put(dir, "en/ack_new_case.mustache~", "{{#broken");
	put(dir, "en/.ack_new_case.mustache.swp", "{{#broken");
	put(dir, "english/ack_new_case.mustache", "{{#broken");
	put(dir, "EN/ack_new_case.mustache", "{{#broken");
	put(dir, "de.mustache", "{{#broken");
	set = load_ok(dir);
	template_set_counts(set, &templates, &languages);
	assert_int_equal(templates, 2);
	assert_int_equal(languages, 2);

	assert_int_equal(template_render(set, "ack_new_case", "fr", data, pool,
					 &r, &error), 0);
	assert_string_equal(r.lang, "fr");
	assert_false(r.fell_back);
	assert_string_equal(r.subject, "[Case #00000042] Licence server down");
	assert_null(r.cc);
	assert_null(r.reply_to);
	assert_string_equal(r.body, "Bonjour Ana Lima,\n");
	assert_int_equal(r.body_len, strlen(r.body));

	/* No German version: en, and the caller is told. */
	assert_int_equal(template_render(set, "ack_new_case", "de", data, pool,
					 &r, &error), 0);
	assert_string_equal(r.lang, "en");
	assert_true(r.fell_back);
	assert_string_equal(r.cc, "team@vendor.example");
	assert_string_equal(r.reply_to, "help@vendor.example");
	/* plain text: nothing escaped; standalone section lines vanish */
	assert_string_equal(r.body, "Dear Ana Lima,\nDue: 2026-11-23T12:00:00Z\nBye\n");

	/* A region or capitals still name the language; NULL is en. */
	assert_int_equal(template_render(set, "ack_new_case", "FR-ca", data, pool,
					 &r, &error), 0);
	assert_string_equal(r.lang, "fr");
	assert_false(r.fell_back);
	assert_int_equal(template_render(set, "ack_new_case", NULL, data, pool,
					 &r, &error), 0);
	assert_string_equal(r.lang, "en");
	assert_false(r.fell_back);

	assert_int_equal(template_render(set, "nope", "de", data, pool, &r, &error), -1);
	assert_string_equal(error, "no template nope (looked in de and en)");
	free(error);
	assert_int_equal(template_render(set, "nope", NULL, data, pool, &r, &error), -1);
	assert_string_equal(error, "no template nope (looked in en)");
	free(error);

	assert_true(template_exists(set, "ack_new_case", "fr"));
	assert_true(template_exists(set, "ack_new_case", "de"));
	assert_true(template_exists(set, "ack_new_case", NULL));
	assert_false(template_exists(set, "case_reopened", "fr"));

	json_decref(data);
	template_set_free(&set);
	assert_null(set);
	template_set_free(&set);
	rm_tree(dir);
	free(dir);
}

/* A template only in French: no en fallback, so de finds nothing. */
static void test_no_fallback(void **state)
{
	struct pool *pool = *state;
	char *dir = make_dir(), *error = NULL;
	struct template_set *set;
	struct template_result r;

	put(dir, "fr/only_fr.mustache", GOOD_FR);
	set = load_ok(dir);
	assert_int_equal(template_render(set, "only_fr", "fr", NULL, pool, &r, &error), 0);
	assert_string_equal(r.subject, "");
	assert_int_equal(template_render(set, "only_fr", "de", NULL, pool, &r, &error), -1);
	assert_string_equal(error, "no template only_fr (looked in de and en)");
	free(error);
	assert_false(template_exists(set, "only_fr", "de"));
	template_set_free(&set);
	rm_tree(dir);
	free(dir);
}

static void test_load_errors(void **state)
{
	char big[TEMPLATE_MAX_FILE + 100];

	/* Mustache errors carry the line of the file, not of the piece. */
	LOAD_ERROR("Subject: x\n\nHello\n{{#a}}\nb\n",
			  "line 4: section \"a\" is not closed");
	LOAD_ERROR("Subject: ok\nCc: {{customer.email\n\nx\n",
			  "line 2: unclosed tag");
	LOAD_ERROR("Subject: x\n\n{{> partial}}\n",
			  "line 3: partials are not supported");
	LOAD_ERROR("Subject: x\nFrom: evil@example.com\n\nbody\n",
			  "line 2: unknown header 'From'");
	LOAD_ERROR("Cc: a@example.com\n\nbody\n",
			  "line 1: no Subject: header");
	LOAD_ERROR("\nbody only\n", "line 1: no Subject: header");
	LOAD_ERROR("Subject: a\nsubject: b\n\nx\n",
			  "line 2: Subject given twice");
	LOAD_ERROR("Subject: a\nReply-To:   \n\nx\n",
			  "line 2: empty Reply-To");
	LOAD_ERROR("Subject: a\n  continued\n\nx\n",
			  "line 2: a header value must fit on one line");
	LOAD_ERROR("Subject: a\nHello there\n",
			  "line 2: expected a 'Name: value' header line");
	LOAD_ERROR("Subject: a\nCc: b\n",
			  "line 2: the headers must end with a blank line");
	LOAD_ERROR("Subject: a\n\nCaf\xe9\n",
			  "line 3: not valid UTF-8");
	LOAD_ERROR("Subject: a\n\nx\0y\n", "line 3: NUL byte");
	memset(big, 'x', sizeof(big));
	memcpy(big, "Subject: big\n\n", 14);
	assert_load_error(big, sizeof(big), "larger than 65536 bytes");
}

/* What editors do to files: CRLF lines, a byte-order mark. */
static void test_crlf_and_bom(void **state)
{
	struct pool *pool = *state;
	char *dir = make_dir(), *error = NULL;
	struct template_set *set;
	struct template_result r;
	json_t *data = sample_data("S");

	put(dir, "en/win.mustache", "\xef\xbb\xbfSubject: {{case.tag}}\r\n"
	    "Cc: x@example.com\r\n\r\nHi {{customer.name}}\r\n");
	set = load_ok(dir);
	assert_int_equal(template_render(set, "win", "en", data, pool, &r, &error), 0);
	assert_string_equal(r.subject, "[Case #00000042]");
	assert_string_equal(r.cc, "x@example.com");
	assert_string_equal(r.body, "Hi Ana Lima\r\n");
	json_decref(data);
	template_set_free(&set);
	rm_tree(dir);
	free(dir);
}

struct problems {
	int count;
	char text[16][512];
};

static void collect(void *ctx, const char *file, unsigned line,
		    const char *problem)
{
	struct problems *p = ctx;
	const char *base = strstr(file, "/sgw-template-");

	/* keep the part after the scratch folder: "en/x.mustache" */
	if (base != NULL && (base = strchr(base + 1, '/')) != NULL)
		file = base + 1;
	if (p->count < 16)
		snprintf(p->text[p->count], sizeof(p->text[0]), "%s:%u: %s",
			 file, line, problem);
	p->count++;
}

static void assert_problem(const struct problems *p, const char *want)
{
	for (int i = 0; i < p->count && i < 16; i++) {
		if (strncmp(p->text[i], want, strlen(want)) == 0)
			return;
	}
	for (int i = 0; i < p->count && i < 16; i++)
		print_error("  problem: %s\n", p->text[i]);
	fail_msg("no problem starting with '%s'", want);
}

/* The report mode goes on after a broken file and reports each. */
static void test_load_report(void **state)
{
	struct pool *pool = *state;
	struct problems p = { 0 };
	struct template_set *set = NULL;
	struct template_result r;
	char *dir = make_dir(), *error = NULL;
	size_t templates, languages;

	put(dir, "en/good.mustache", GOOD_FR);
	put(dir, "en/bad1.mustache", "Subject: x\n\n{{#a}}\n");
	put(dir, "fr/bad2.mustache", "X-Priority: 1\n\nx\n");
	assert_int_equal(template_set_load_report(dir, collect, &p, &set, &error), 2);
	assert_int_equal(p.count, 2);
	assert_problem(&p, "en/bad1.mustache:3: section \"a\" is not closed");
	assert_problem(&p, "fr/bad2.mustache:1: unknown header 'X-Priority'");
	template_set_counts(set, &templates, &languages);
	assert_int_equal(templates, 3);
	assert_int_equal(languages, 2);
	assert_int_equal(template_render(set, "good", "en", NULL, pool, &r, &error), 0);
	/* a broken template is not rendered, and the en fallback is used */
	assert_int_equal(template_render(set, "bad1", "en", NULL, pool, &r, &error), -1);
	free(error);
	/* a broken file still counts as present (bad1 is not "missing" in
	 * en); bad2 has no en version, and the required four are absent */
	memset(&p, 0, sizeof(p));
	assert_int_equal(template_check(set, collect, &p), 5);
	assert_problem(&p, "en/bad2.mustache:0: missing");
	assert_problem(&p, "en/ack_new_case.mustache:0: missing");
	template_set_free(&set);

	assert_int_equal(template_set_load_report("/nonexistent/templates", collect,
						  &p, &set, &error), -1);
	assert_null(set);
	assert_string_equal(error, "/nonexistent/templates: No such file or directory");
	free(error);
	rm_tree(dir);
	free(dir);
}

/* No data can add a header: CR, LF and other controls in a rendered
 * header value become one space. */
static void test_header_injection(void **state)
{
	struct pool *pool = *state;
	char *dir = make_dir(), *error = NULL;
	struct template_set *set;
	struct template_result r;
	json_t *data = sample_data("hi\r\nBcc: evil@attacker.example\n\tx");

	json_object_set_new(json_object_get(data, "customer"), "email",
			    json_string("\r\n"));
	put(dir, "en/t.mustache", "Subject:   {{case.tag}} {{case.subject}}  \n"
	    "Reply-To: {{customer.email}}\n\n{{case.subject}}\n");
	set = load_ok(dir);
	assert_int_equal(template_render(set, "t", "en", data, pool, &r, &error), 0);
	assert_null(strpbrk(r.subject, "\r\n\t"));
	assert_string_equal(r.subject,
			    "[Case #00000042] hi Bcc: evil@attacker.example x");
	/* a value that renders to nothing but controls is no header */
	assert_null(r.reply_to);
	/* the body is text: it keeps its lines */
	assert_string_equal(r.body, "hi\r\nBcc: evil@attacker.example\n\tx\n");
	json_decref(data);
	template_set_free(&set);
	rm_tree(dir);
	free(dir);
}

/* Output past the caps fails with the file and line, never half a mail. */
static void test_render_cap(void **state)
{
	struct pool *pool = *state;
	char *dir = make_dir(), *error = NULL, *huge, *expected;
	struct template_set *set;
	struct template_result r;
	json_t *data;
	size_t n = 2 * 1024 * 1024;

	huge = malloc(n + 1);
	assert_non_null(huge);
	memset(huge, 'a', n);
	huge[n] = '\0';
	data = json_pack("{s:s}", "x", huge);
	put(dir, "en/t.mustache", "Subject: s\n\nline\n{{x}}\n");
	set = load_ok(dir);
	assert_int_equal(template_render(set, "t", "en", data, pool, &r, &error), -1);
	assert_true(asprintf(&expected, "%s/en/t.mustache: line 4: output larger than",
			     dir) > 0);
	if (strncmp(error, expected, strlen(expected)) != 0)
		fail_msg("'%s' does not start with '%s'", error, expected);
	assert_null(r.subject);
	free(expected);
	free(error);
	json_decref(data);
	free(huge);
	template_set_free(&set);
	rm_tree(dir);
	free(dir);
}

/* ---- checking ---- */

static void test_check(void **state)
{
	struct problems p = { 0 };
	struct template_set *set;
	char *dir = make_dir();
	static const char *const req[] = {
		"ack_new_case", "ack_follow_up", "case_reopened",
		"unverified_follow_up",
	};

	for (size_t i = 0; i < 4; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "en/%s.mustache", req[i]);
		put(dir, rel, GOOD_EN);
	}
	put(dir, "en/vars.mustache",
	    "Subject: {{case.tag}} {{case.subjet}}\n"                /* 1 */
	    "Cc: {{customer}}\n"                                     /* 2 */
	    "\n"
	    "{{#case}}{{number}} {{anything.goes}}{{/case}}\n"       /* 4 */
	    "{{#case.due}}{{case.dew}}{{.}}{{/case.due}}\n"          /* 5 */
	    "{{^cas}}x{{/cas}}\n"                                    /* 6 */
	    "{{gateway.name.first}} {{.}} {{! comment }}\n"          /* 7 */
	    "{{=<% %>=}}<% message.date %> <% mesage.date %>\n");    /* 8 */
	put(dir, "fr/ack_new_case.mustache", GOOD_FR);
	put(dir, "fr/renewal.mustache", GOOD_FR);
	put(dir, "de/renewal.mustache", GOOD_FR);
	set = load_ok(dir);
	assert_int_equal(template_check(set, collect, &p), 7);
	assert_problem(&p, "en/vars.mustache:1: unknown variable 'case.subjet'");
	assert_problem(&p, "en/vars.mustache:5: unknown variable 'case.dew'");
	assert_problem(&p, "en/vars.mustache:6: unknown variable 'cas'");
	assert_problem(&p, "en/vars.mustache:7: unknown variable 'gateway.name.first'");
	assert_problem(&p, "en/vars.mustache:7: unknown variable '.'");
	assert_problem(&p, "en/vars.mustache:8: unknown variable 'mesage.date'");
	/* one report per name, from the first language holding it */
	assert_problem(&p, "en/renewal.mustache:0: missing: de/renewal.mustache exists");
	template_set_free(&set);

	/* An empty folder lacks the four answers. */
	rm_tree(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	memset(&p, 0, sizeof(p));
	set = load_ok(dir);
	assert_int_equal(template_check(set, collect, &p), 4);
	assert_problem(&p, "en/unverified_follow_up.mustache:0: missing: the gateway needs");
	template_set_free(&set);
	rm_tree(dir);
	free(dir);
}

/* ---- the repository's templates (run from the checkout's root) ---- */

static void test_repo_templates(void **state)
{
	struct pool *pool = *state;
	struct problems p = { 0 };
	struct template_set *set = load_ok("templates");
	static const char *const names[] = {
		"ack_new_case", "ack_follow_up", "case_reopened",
		"unverified_follow_up",
	};
	static const char *const langs[] = { "en", "fr" };
	json_t *data = sample_data("VPN drops every hour");
	size_t templates, languages;

	if (template_check(set, collect, &p) != 0) {
		for (int i = 0; i < p.count && i < 16; i++)
			print_error("  %s\n", p.text[i]);
		fail_msg("templates/ has %d problems", p.count);
	}
	template_set_counts(set, &templates, &languages);
	assert_true(templates >= 8);
	assert_true(languages >= 2);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (size_t l = 0; l < 2; l++) {
			struct template_result r;
			char *error = NULL;

			if (template_render(set, names[i], langs[l], data, pool,
					    &r, &error) < 0)
				fail_msg("%s/%s: %s", langs[l], names[i], error);
			assert_string_equal(r.lang, langs[l]);
			assert_false(r.fell_back);
			assert_string_equal(r.subject,
					    "[Case #00000042] VPN drops every hour");
			assert_non_null(strstr(r.body, "00000042"));
			assert_non_null(strstr(r.body, l == 0 ? "Dear Ana Lima," :
					       "Bonjour Ana Lima,"));
			assert_non_null(strstr(r.body, "Vendor Support\n"
					       "support@vendor.example\n"));
			assert_null(strstr(r.body, "{{"));
		}
	}
	json_decref(data);
	template_set_free(&set);
}

static void test_default_dir(void **state)
{
	struct config *c = config_defaults();
	char *saved = getenv("SUPPORTGW_TEMPLATES") != NULL ?
		strdup(getenv("SUPPORTGW_TEMPLATES")) : NULL;

	unsetenv("SUPPORTGW_TEMPLATES");
	/* the tests run from the checkout, which has ./templates */
	assert_string_equal(template_default_dir(c), "./templates");
	assert_string_equal(template_default_dir(NULL), "./templates");
	setenv("SUPPORTGW_TEMPLATES", "/srv/tpl", 1);
	assert_string_equal(template_default_dir(c), "/srv/tpl");
	free(c->templates_dir);
	c->templates_dir = strdup("/etc/supportgw/templates");
	assert_string_equal(template_default_dir(c), "/etc/supportgw/templates");
	if (saved != NULL)
		setenv("SUPPORTGW_TEMPLATES", saved, 1);
	else
		unsetenv("SUPPORTGW_TEMPLATES");
	free(saved);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_and_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fallback, setup, teardown),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test_setup_teardown(test_crlf_and_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_cap, setup, teardown),
		cmocka_unit_test(test_check),
		cmocka_unit_test_setup_teardown(test_repo_templates, setup, teardown),
		cmocka_unit_test(test_default_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
