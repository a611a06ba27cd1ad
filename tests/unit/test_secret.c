/*
 * Unit tests of gateway/secret.c: where an account's secret comes from
 * (inline password, password_file, oauth2_token_command) and the refusals
 * an operator must see (a file others can read, an empty file, a failing
 * token command).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secret.h"

struct fixture {
	char dir[64];
	char path[128];
	struct secret_source a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_imap_auth.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/pass", f->dir);
	f->a.section = "imap:support";
	f->a.timeout_seconds = 60;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

/* The secret, asserting success. */
static char *secret_ok(const struct secret_source *a)
{
	char *secret = NULL, *error = NULL;

	if (secret_read(a, &secret, &error) < 0)
		fail_msg("imap_secret: %s", error);
	assert_null(error);
	assert_non_null(secret);
	return secret;
}

/* The error, asserting failure. */
static char *secret_err(const struct secret_source *a)
{
	char *secret = NULL, *error = NULL;

	assert_int_equal(secret_read(a, &secret, &error), -1);
	assert_null(secret);
	assert_non_null(error);
	return error;
}

static void test_inline_password(void **state)
{
	struct fixture *f = *state;
	char *s;

	f->a.password = "s3cret ; with spaces";
	s = secret_ok(&f->a);
	assert_string_equal(s, "s3cret ; with spaces");
	secret_free(&s);
	assert_null(s);
}

/* The first line, without its CRLF or LF; the rest of the file ignored. */
static void test_password_file_first_line(void **state)
{
	struct fixture *f = *state;
	char *s;

	write_file(f->path, "hunter2\r\nsecond line\n", 0600);
	f->a.password_file = f->path;
	s = secret_ok(&f->a);
	assert_string_equal(s, "hunter2");
	secret_free(&s);

	/* group-readable is the usual setup: root:supportgw 0640 */
	write_file(f->path, "pw-without-newline", 0640);
	s = secret_ok(&f->a);
	assert_string_equal(s, "pw-without-newline");
	secret_free(&s);
}

static void test_password_file_others_refused(void **state)
{
	struct fixture *f = *state;
	static const mode_t modes[] = { 0644, 0604, 0602, 0666 };
	char *e;

	f->a.password_file = f->path;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_file(f->path, "hunter2\n", modes[i]);
		e = secret_err(&f->a);
		assert_non_null(strstr(e, f->path));
		assert_non_null(strstr(e, "readable or writable by every user"));
		assert_non_null(strstr(e, "chmod 600"));
		/* the error never quotes the password */
		assert_null(strstr(e, "hunter2"));
		free(e);
	}
}

static void test_password_file_missing_or_empty(void **state)
{
	struct fixture *f = *state;
	char *e;

	f->a.password_file = f->path;
	e = secret_err(&f->a);
	assert_non_null(strstr(e, "cannot open"));
	assert_non_null(strstr(e, "[imap:support]"));
	free(e);

	write_file(f->path, "\nhunter2\n", 0600);
	e = secret_err(&f->a);
	assert_non_null(strstr(e, "first line is empty"));
	free(e);

	/* a folder is not a password file */
	f->a.password_file = f->dir;
	e = secret_err(&f->a);
	free(e);
}

static void test_token_command(void **state)
{
	struct fixture *f = *state;
	char *s, *e;

	/* run by /bin/sh -c: arguments and pipes work; first line only */
	f->a.oauth2_token_command = "printf 'ya29.token-value\\nrefresh-junk\\n' | cat";
	s = secret_ok(&f->a);
	assert_string_equal(s, "ya29.token-value");
	secret_free(&s);

	f->a.oauth2_token_command = "echo provider down >&2; exit 3";
	e = secret_err(&f->a);
	assert_non_null(strstr(e, "oauth2_token_command exited with status 3"));
	free(e);

	f->a.oauth2_token_command = "true";
	e = secret_err(&f->a);
	assert_non_null(strstr(e, "printed no token"));
	free(e);

	f->a.oauth2_token_command = "kill -9 $$";
	e = secret_err(&f->a);
	assert_non_null(strstr(e, "killed by a signal"));
	free(e);
}

/* A token service that hangs costs timeout_seconds, not the worker. */
static void test_token_command_timeout(void **state)
{
	struct fixture *f = *state;
	char *e;

	f->a.timeout_seconds = 1;
	f->a.oauth2_token_command = "sleep 30; echo late";
	e = secret_err(&f->a);
	assert_non_null(strstr(e, "did not finish within 1 s"));
	free(e);
}

static void test_no_credential(void **state)
{
	struct fixture *f = *state;
	char *e = secret_err(&f->a);

	assert_non_null(strstr(e, "no password"));
	free(e);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_inline_password),
		T(test_password_file_first_line),
		T(test_password_file_others_refused),
		T(test_password_file_missing_or_empty),
		T(test_token_command),
		T(test_token_command_timeout),
		T(test_no_credential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
