/* Unit tests of gateway/config.c: defaults, every key, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char *write_ini(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/sgw-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static struct config *load_ok(const char *text)
{
	struct config *c = NULL;
	char *err = NULL;
	char *path = write_ini(text);

	if (config_load(path, &c, &err) < 0)
		fail_msg("config_load: %s", err);
	unlink(path);
	return c;
}

static char *load_err(const char *text)
{
	struct config *c = NULL;
	char *err = NULL;
	char *path = write_ini(text);

	assert_int_equal(config_load(path, &c, &err), -1);
	assert_null(c);
	assert_non_null(err);
	unlink(path);
	return err;
}

static void test_defaults(void **state)
{
	struct config *c = config_defaults();

	assert_string_equal(c->database, "var/supportgw.db");
	assert_string_equal(c->case_prefix, "Case");
	assert_int_equal(c->case_digits, 8);
	assert_int_equal(c->reopen_days, 30);
	assert_int_equal(c->follow_up_policy, FOLLOW_UP_DOMAIN);
	assert_int_equal(c->max_message_bytes, 26214400);
	assert_true(c->builtin_patterns);
	assert_true(c->public_domains.count > 10);
	config_free(&c);
	assert_null(c);
	config_free(&c);   /* NULL is fine */
}

static void test_all_keys(void **state)
{
	struct config *c = load_ok(
		"; comment\n"
		"[gateway]\n"
		"database = /tmp/x/y.db   ; inline comment\n"
		"case_prefix = Dossier\n"
		"case_digits = 6\n"
		"reopen_days = 14\n"
		"follow_up_policy = participants\n"
		"staff = Agent@Vendor.example, @Support.Vendor.example\n"
		"max_message_bytes = 10M\n"
		"public_domains = mail.example\n"
		"public_domains = other.example\n"
		"log_level = debug\n"
		"[fingerprint]\n"
		"builtin = no\n"
		"pattern = Ticket#(\\d+)\n"
		"pattern = REQ-(\\d+)\n");

	assert_string_equal(c->database, "/tmp/x/y.db");
	assert_string_equal(c->case_prefix, "Dossier");
	assert_int_equal(c->case_digits, 6);
	assert_int_equal(c->reopen_days, 14);
	assert_int_equal(c->follow_up_policy, FOLLOW_UP_PARTICIPANTS);
	assert_int_equal(c->staff.count, 2);
	assert_string_equal(c->staff.items[0], "agent@vendor.example");
	assert_string_equal(c->staff.items[1], "@support.vendor.example");
	assert_int_equal(c->max_message_bytes, 10 * 1024 * 1024);
	/* a list set in the file replaces the defaults, then appends */
	assert_int_equal(c->public_domains.count, 2);
	assert_string_equal(c->public_domains.items[1], "other.example");
	assert_string_equal(c->log_level, "debug");
	assert_false(c->builtin_patterns);
	assert_int_equal(c->patterns.count, 2);
	assert_string_equal(c->patterns.items[1], "REQ-(\\d+)");
	config_free(&c);
}

static void test_errors_name_line(void **state)
{
	char *e;

	e = load_err("[gateway]\ncase_digits = 8\nfoo = bar\n");
	assert_non_null(strstr(e, ":3: unknown key 'foo' in [gateway]"));
	free(e);
	e = load_err("[nosuch]\nx = 1\n");
	assert_non_null(strstr(e, ":2: unknown section [nosuch]"));
	free(e);
	e = load_err("[gateway]\ncase_digits = 0\n");
	assert_non_null(strstr(e, ":2: case_digits"));
	free(e);
	e = load_err("[gateway]\ncase_digits = 8x\n");
	assert_non_null(strstr(e, ":2: case_digits"));
	free(e);
	e = load_err("[gateway]\nreopen_days = -1\n");
	assert_non_null(strstr(e, ":2: reopen_days"));
	free(e);
	e = load_err("[gateway]\nfollow_up_policy = maybe\n");
	assert_non_null(strstr(e, "follow_up_policy"));
	free(e);
	e = load_err("[gateway]\nstaff = not-an-address\n");
	assert_non_null(strstr(e, ":2: staff"));
	free(e);
	e = load_err("[gateway]\nmax_message_bytes = 12Q\n");
	assert_non_null(strstr(e, "max_message_bytes"));
	free(e);
	e = load_err("[gateway]\nthis line has no equals sign\n");
	assert_non_null(strstr(e, ":2: syntax error"));
	free(e);
	e = load_err("[fingerprint]\npattern = (a)(b)\n");
	assert_non_null(strstr(e, ":2: pattern"));
	free(e);
	e = load_err("[fingerprint]\nbuiltin = perhaps\n");
	assert_non_null(strstr(e, "builtin"));
	free(e);
	e = load_err("[gateway]\ncase_prefix = Ca]se\n");
	assert_non_null(strstr(e, "case_prefix"));
	free(e);
	e = load_err("[gateway]\nlog_level = loud\n");
	assert_non_null(strstr(e, "log_level"));
	free(e);
}

static void test_missing_file(void **state)
{
	struct config *c = NULL;
	char *err = NULL;

	assert_int_equal(config_load("/nonexistent/supportgw.ini", &c, &err), -1);
	assert_non_null(strstr(err, "/nonexistent/supportgw.ini: cannot read"));
	free(err);
}

static void test_env_and_default_search(void **state)
{
	struct config *c = NULL;
	char *err = NULL;
	char *path = write_ini("[gateway]\ncase_digits = 5\n");
	char cwd[4096], dir[] = "/tmp/sgw-cwd-XXXXXX";

	setenv("SUPPORTGW_CONFIG", path, 1);
	assert_int_equal(config_load(NULL, &c, &err), 0);
	assert_int_equal(c->case_digits, 5);
	config_free(&c);
	unsetenv("SUPPORTGW_CONFIG");
	unlink(path);

	/* no -c, no env, no ./supportgw.ini: built-in defaults */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(config_load(NULL, &c, &err), 0);
	assert_null(c->path);
	assert_int_equal(c->case_digits, 8);
	config_free(&c);
	assert_int_equal(chdir(cwd), 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_errors_name_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_env_and_default_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
