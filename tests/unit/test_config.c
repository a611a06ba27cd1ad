/* Unit tests of gateway/config.c: defaults, every key, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* The load fails with a message holding needle. */
static void assert_load_err(const char *text, const char *needle)
{
	char *e = load_err(text);

	if (strstr(e, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", e, needle);
	free(e);
}

/* An account section with what validation requires, then more. */
#define ACCOUNT(name, more) \
	"[imap:" name "]\nurl = imaps://imap.example.com\nuser = u\n" \
	"password = p\n" more

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

static void test_imap_all_keys(void **state)
{
	struct config *c = load_ok(
		"[gateway]\n"
		"case_digits = 8\n"
		"[imap:support-fr]\n"
		"url = imap://mail.example.com:1143/Support%20FR/Incoming\n"
		"starttls = no\n"
		"user = support-fr@example.com\n"
		"password_file = /etc/supportgw/fr.password\n"
		"after = move:Done/2026\n"
		"quarantine = Support FR/Broken\n"
		"language = FR\n"
		"region = emea\n"
		"poll_seconds = 86400\n"
		"batch_size = 5000\n"
		"timeout_seconds = 1\n"
		"tls_verify = no\n"
		"tls_ca_file = /etc/ssl/example-ca.pem\n");
	const struct imap_account *a;

	assert_int_equal(c->account_count, 1);
	a = &c->accounts[0];
	assert_string_equal(a->name, "support-fr");
	assert_string_equal(a->url, "imap://mail.example.com:1143/Support%20FR/Incoming");
	assert_false(a->tls);
	assert_false(a->starttls);
	assert_string_equal(a->host, "mail.example.com");
	assert_int_equal(a->port, 1143);
	assert_string_equal(a->mailbox, "Support FR/Incoming");
	assert_string_equal(a->user, "support-fr@example.com");
	assert_null(a->password);
	assert_string_equal(a->password_file, "/etc/supportgw/fr.password");
	assert_null(a->oauth2_token_command);
	assert_int_equal(a->after, IMAP_AFTER_MOVE);
	assert_string_equal(a->move_to, "Done/2026");
	assert_string_equal(a->quarantine, "Support FR/Broken");
	assert_string_equal(a->language, "fr");
	assert_string_equal(a->region, "EMEA");
	assert_int_equal(a->poll_seconds, 86400);
	assert_int_equal(a->batch_size, 5000);
	assert_int_equal(a->timeout_seconds, 1);
	assert_false(a->tls_verify);
	assert_string_equal(a->tls_ca_file, "/etc/ssl/example-ca.pem");
	assert_ptr_equal(config_account(c, "support-fr"), a);
	config_free(&c);

	/* the other credentials, and the other after = values */
	c = load_ok("[imap:a]\nurl = imap://h\nuser = u\n"
		    "oauth2_token_command = /usr/bin/get-token a\nafter = DELETE\n"
		    "starttls = Required\n"
		    "[imap:b]\nurl = imap://h\nuser = u\npassword = s3;cret\n"
		    "after = move:X\nafter = seen\n");
	assert_int_equal(c->account_count, 2);
	assert_string_equal(c->accounts[0].oauth2_token_command, "/usr/bin/get-token a");
	assert_int_equal(c->accounts[0].after, IMAP_AFTER_DELETE);
	assert_true(c->accounts[0].starttls);
	/* ';' without a blank before it is no comment */
	assert_string_equal(c->accounts[1].password, "s3;cret");
	/* a later after = replaces the move, and its mailbox */
	assert_int_equal(c->accounts[1].after, IMAP_AFTER_SEEN);
	assert_null(c->accounts[1].move_to);
	config_free(&c);
}

static void test_imap_defaults(void **state)
{
	struct config *c = load_ok(
		ACCOUNT("tls", "")
		"[imap:plain]\nurl = imap://imap.example.com/\nuser = u\n"
		"password_file = /nonexistent/not/read/at/load\n");
	const struct imap_account *a;

	assert_int_equal(c->account_count, 2);
	a = &c->accounts[0];
	assert_true(a->tls);
	assert_int_equal(a->port, 993);
	assert_string_equal(a->host, "imap.example.com");
	assert_string_equal(a->mailbox, "INBOX");
	assert_true(a->starttls);
	assert_int_equal(a->after, IMAP_AFTER_SEEN);
	assert_null(a->move_to);
	assert_string_equal(a->quarantine, "Quarantine");
	assert_null(a->language);
	assert_null(a->region);
	assert_int_equal(a->poll_seconds, 60);
	assert_int_equal(a->batch_size, 200);
	assert_int_equal(a->timeout_seconds, 60);
	assert_true(a->tls_verify);
	assert_null(a->tls_ca_file);
	a = &c->accounts[1];
	assert_false(a->tls);
	assert_true(a->starttls);
	assert_int_equal(a->port, 143);
	assert_string_equal(a->mailbox, "INBOX");   /* "/" alone */
	config_free(&c);

	/* no [imap:...] section: no accounts */
	c = config_defaults();
	assert_int_equal(c->account_count, 0);
	assert_null(config_account(c, "tls"));
	config_free(&c);
}

static void test_imap_order_and_lookup(void **state)
{
	struct config *c = load_ok(
		ACCOUNT("zeta", "language = de\n")
		"[gateway]\ncase_digits = 6\n"
		ACCOUNT("alpha.2_x-y", "region = jp\n")
		/* a repeated header continues the account, a repeated key
		 * replaces the value */
		"[imap:zeta]\nlanguage = en\nurl = imap://other.example/Box\n");
	const struct imap_account *z, *a;

	assert_int_equal(c->account_count, 2);
	assert_string_equal(c->accounts[0].name, "zeta");
	assert_string_equal(c->accounts[1].name, "alpha.2_x-y");
	z = config_account(c, "zeta");
	a = config_account(c, "alpha.2_x-y");
	assert_ptr_equal(z, &c->accounts[0]);
	assert_ptr_equal(a, &c->accounts[1]);
	assert_string_equal(z->language, "en");
	assert_string_equal(z->url, "imap://other.example/Box");
	assert_string_equal(z->host, "other.example");
	assert_int_equal(z->port, 143);
	assert_false(z->tls);
	assert_string_equal(z->mailbox, "Box");
	assert_string_equal(a->region, "JP");
	assert_int_equal(c->case_digits, 6);
	assert_null(config_account(c, "ZETA"));   /* names are exact */
	assert_null(config_account(c, "nosuch"));
	assert_null(config_account(c, ""));
	assert_null(config_account(c, NULL));
	assert_null(config_account(NULL, "zeta"));
	config_free(&c);
}

static void test_imap_url_forms(void **state)
{
	static const struct {
		const char *url;
		bool tls;
		const char *host;
		unsigned port;
		const char *mailbox;
	} cases[] = {
		{ "imap://h/Support%20FR", false, "h", 143, "Support FR" },
		{ "IMAPS://H.Example.COM:10993/%c3%a9t%C3%A9%2f%25", true,
		  "H.Example.COM", 10993, "\xc3\xa9t\xc3\xa9/%" },
		{ "imaps://[2001:db8::1]/INBOX.Support", true, "2001:db8::1", 993,
		  "INBOX.Support" },
		{ "imap://[::1]:65535", false, "::1", 65535, "INBOX" },
		{ "imap://127.0.0.1:1", false, "127.0.0.1", 1, "INBOX" },
		{ "imap://h:0143/a/b", false, "h", 143, "a/b" },
		{ "imap://h/Raw Space", false, "h", 143, "Raw Space" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct config *c;
		const struct imap_account *a;

		snprintf(text, sizeof(text),
			 "[imap:x]\nurl = %s\nuser = u\npassword = p\n", cases[i].url);
		c = load_ok(text);
		a = config_account(c, "x");
		assert_non_null(a);
		assert_string_equal(a->url, cases[i].url);
		assert_int_equal(a->tls, cases[i].tls);
		assert_string_equal(a->host, cases[i].host);
		assert_int_equal(a->port, cases[i].port);
		assert_string_equal(a->mailbox, cases[i].mailbox);
		config_free(&c);
	}
}

/* Errors of one key carry the line of that key. */
static void test_imap_key_errors(void **state)
{
	/* scheme */
	assert_load_err("[imap:x]\nurl = pop3://h\n", ":2: url: 'pop3://h' is not imap://");
	assert_load_err("[imap:x]\nuser = u\nurl = https://h/\n", ":3: url:");
	assert_load_err("[imap:x]\nurl = imap:/h\n", ":2: url:");
	assert_load_err("[imap:x]\nurl = imap\n", ":2: url:");
	/* host */
	assert_load_err("[imap:x]\nurl = imap://\n", ":2: url: 'imap://' has no host");
	assert_load_err("[imap:x]\nurl = imap://:143/\n", ":2: url: 'imap://:143/' has no host");
	assert_load_err("[imap:x]\nurl = imap://h?x/\n", ":2: url: 'imap://h?x/' has a bad host");
	assert_load_err("[imap:x]\nurl = imap://[]/\n", ":2: url: 'imap://[]/' has a bad IPv6 host");
	assert_load_err("[imap:x]\nurl = imap://[::1/\n", ":2: url: 'imap://[::1/' has a bad IPv6 host");
	assert_load_err("[imap:x]\nurl = imap://[h]/\n", ":2: url: 'imap://[h]/' has a bad IPv6 host");
	/* port */
	assert_load_err("[imap:x]\nurl = imap://h:0/\n", ":2: url: 'imap://h:0/' has a bad port (a whole number from 1 to 65535)");
	assert_load_err("[imap:x]\nurl = imaps://h:70000\n", ":2: url: 'imaps://h:70000' has a bad port");
	assert_load_err("[imap:x]\nurl = imap://h:x/\n", ":2: url: 'imap://h:x/' has a bad port");
	assert_load_err("[imap:x]\nurl = imap://h:/\n", ":2: url: 'imap://h:/' has a bad port");
	assert_load_err("[imap:x]\nurl = imap://h:-1/\n", ":2: url: 'imap://h:-1/' has a bad port");
	assert_load_err("[imap:x]\nurl = imap://[::1]x/\n", ":2: url: 'imap://[::1]x/' has a bad port");
	/* user@ */
	assert_load_err("[imap:x]\nurl = imap://bob@h/\n", ":2: url: 'imap://bob@h/' holds a user: put the user in 'user ='");
	assert_load_err("[imap:x]\nurl = imaps://bob:pw@h\n", ":2: url: 'imaps://bob:pw@h' holds a user: put the user in 'user ='");
	/* mailbox escapes */
	assert_load_err("[imap:x]\nurl = imap://h/a%2\n", ":2: url: 'imap://h/a%2' has a bad mailbox");
	assert_load_err("[imap:x]\nurl = imap://h/a%zz\n", ":2: url: 'imap://h/a%zz' has a bad mailbox");
	assert_load_err("[imap:x]\nurl = imap://h/a%00b\n", ":2: url: 'imap://h/a%00b' has a bad mailbox");
	assert_load_err("[imap:x]\nurl = imap://h/a%0d%0aX\n", ":2: url: 'imap://h/a%0d%0aX' has a bad mailbox");
	assert_load_err("[imap:x]\nurl = imap://h/a%0A\n", ":2: url: 'imap://h/a%0A' has a bad mailbox");
	/* starttls, after, language, region */
	assert_load_err("[imap:x]\nstarttls = yes\n", ":2: starttls: 'yes' is not required or no");
	assert_load_err("[imap:x]\nafter = keep\n", ":2: after: 'keep' is not seen, delete or move:MAILBOX");
	assert_load_err("[imap:x]\nafter = move:\n", ":2: after: 'move:' is not seen, delete or move:MAILBOX");
	assert_load_err("[imap:x]\nafter = move\n", ":2: after: 'move' is not");
	assert_load_err("[imap:x]\nlanguage = french\n", ":2: language: 'french' is not auto or a 2 or 3 letter language code");
	assert_load_err("[imap:x]\nlanguage = f\n", ":2: language: 'f' is not");
	assert_load_err("[imap:x]\nlanguage = f1\n", ":2: language: 'f1' is not");
	assert_load_err("[imap:x]\nlanguage = fr-FR\n", ":2: language: 'fr-FR' is not");
	assert_load_err("[imap:x]\nurl = imap://h\nuser = u\npassword = p\nregion = EU\n", "[imap:x]: region 'EU' is not EMEA, AMS, JP, CN, SG or a [region:NAME] section");
	/* numbers and booleans */
	assert_load_err("[imap:x]\nbatch_size = 0\n", ":2: batch_size: '0' is not a whole number from 1 to 5000");
	assert_load_err("[imap:x]\nbatch_size = 5001\n", ":2: batch_size: '5001' is not");
	assert_load_err("[imap:x]\npoll_seconds = 0\n", ":2: poll_seconds: '0' is not a whole number from 1 to 86400");
	assert_load_err("[imap:x]\npoll_seconds = 86401\n", ":2: poll_seconds");
	assert_load_err("[imap:x]\ntimeout_seconds = 3601\n", ":2: timeout_seconds: '3601' is not a whole number from 1 to 3600");
	assert_load_err("[imap:x]\ntls_verify = maybe\n", ":2: tls_verify: 'maybe' is not yes or no");
	/* strings may not be empty */
	assert_load_err("[imap:x]\nuser =\n", ":2: user: empty value");
	assert_load_err("[imap:x]\npassword = \n", ":2: password: empty value");
	assert_load_err("[imap:x]\npassword_file =\n", ":2: password_file: empty value");
	assert_load_err("[imap:x]\noauth2_token_command =\n", ":2: oauth2_token_command: empty value");
	assert_load_err("[imap:x]\nquarantine =\n", ":2: quarantine: empty value");
	assert_load_err("[imap:x]\ntls_ca_file =\n", ":2: tls_ca_file: empty value");
	/* names and keys */
	assert_load_err("[gateway]\ncase_digits = 8\n[imap:support fr]\nuser = u\n",
			":4: invalid account name 'support fr' in [imap:support fr] (letters, digits, . _ - only)");
	assert_load_err("[imap:]\nuser = u\n", ":2: invalid account name '' in [imap:]");
	assert_load_err("[imap:a/b]\nuser = u\n", ":2: invalid account name 'a/b' in [imap:a/b]");
	assert_load_err("[imap:caf\xc3\xa9]\nuser = u\n", ":2: invalid account name");
	assert_load_err("[imap:x]\nurl = imap://h\nhost = h\n", ":3: unknown key 'host' in [imap:x]");
	assert_load_err("[imap:x]\npattern = x(\\d+)\n", ":2: unknown key 'pattern' in [imap:x]");
	assert_load_err("[imap]\nuser = u\n", ":2: unknown section [imap]");
	/* the first error wins, even before the account checks */
	assert_load_err("[imap:x]\nuser = u\nregion = mo/on\nbatch_size = 0\n",
			":3: region: 'mo/on' is not a region name");
}

static void test_imap_name_length(void **state)
{
	char text[256], name[80];
	struct config *c;

	/* 43 characters fit */
	memset(name, 'n', 43);
	name[43] = '\0';
	snprintf(text, sizeof(text), ACCOUNT("%s", ""), name);
	c = load_ok(text);
	assert_non_null(config_account(c, name));
	config_free(&c);

	/* inih cuts longer section names: refused, not merged */
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), ACCOUNT("%s", ""), name);
	assert_load_err(text, ":2: invalid account name 'nnnnn");
	assert_load_err(text, "(at most 43 characters)");
}

/* What needs the whole account has no line: the error names the section. */
static void test_imap_account_errors(void **state)
{
	char *e, *colon;

	e = load_err("[imap:a]\nurl = imap://h\nuser = u\npassword = p\n"
		     "[imap:b]\nuser = u\npassword = p\n");
	assert_non_null(strstr(e, ": [imap:b]: url is required"));
	/* FILE: reason, no :LINE: */
	assert_true(strncmp(e, "/tmp/sgw-config-", 16) == 0);
	colon = strchr(e, ':');
	assert_non_null(colon);
	assert_string_equal(colon, ": [imap:b]: url is required (imap://host[:port][/mailbox] or imaps://...)");
	free(e);

	assert_load_err("[imap:a]\nurl = imap://h\npassword = p\n", ": [imap:a]: user is required");
	assert_load_err("[imap:a]\nurl = imap://h\nuser = u\n",
			": [imap:a]: set exactly one of password, password_file, oauth2_token_command");
	assert_load_err("[imap:a]\nurl = imap://h\nuser = u\npassword = p\npassword_file = f\n",
			": [imap:a]: set exactly one of password, password_file, oauth2_token_command");
	assert_load_err("[imap:a]\nurl = imap://h\nuser = u\npassword_file = f\n"
			"oauth2_token_command = c\n",
			": [imap:a]: set exactly one of");
	assert_load_err("[imap:a]\nurl = imap://h\nuser = u\npassword = p\npassword_file = f\n"
			"oauth2_token_command = c\n",
			": [imap:a]: set exactly one of");
	/* moving into the fetched mailbox would fetch it again forever */
	assert_load_err(ACCOUNT("a", "after = move:inbox\n"),
			": [imap:a]: after = move: names the mailbox the url fetches");
	assert_load_err("[imap:a]\nurl = imap://h/Support\nuser = u\npassword = p\n"
			"quarantine = Support\n",
			": [imap:a]: quarantine names the mailbox the url fetches");
}

/* config/supportgw.ini loads, and so do its commented-out [imap:...]
 * examples once their "; " is removed (the tests run from the top folder). */
static void test_example_file(void **state)
{
	FILE *f = fopen("config/supportgw.ini", "r");
	char line[512], *text = NULL;
	size_t len = 0, n_sections = 0;
	bool in_imap = false;
	struct config *c = NULL;
	char *err = NULL;

	assert_non_null(f);
	assert_int_equal(config_load("config/supportgw.ini", &c, &err), 0);
	assert_int_equal(c->account_count, 0);
	config_free(&c);

	while (fgets(line, sizeof(line), f) != NULL) {
		const char *keep = line;
		size_t key = strspn(line + 2, "abcdefghijklmnopqrstuvwxyz0123456789_");

		if (strncmp(line, "; [imap:", 8) == 0) {
			in_imap = true;
			n_sections++;
			keep = line + 2;
		} else if (in_imap && strncmp(line, "; ", 2) == 0 && key > 0 &&
			   strncmp(line + 2 + key, " = ", 3) == 0) {
			keep = line + 2;
		}
		text = realloc(text, len + strlen(keep) + 1);
		assert_non_null(text);
		memcpy(text + len, keep, strlen(keep) + 1);
		len += strlen(keep);
	}
	fclose(f);
	assert_int_equal(n_sections, 2);
	c = load_ok(text);
	free(text);
	assert_int_equal(c->account_count, 2);
	assert_non_null(config_account(c, "support-fr"));
	assert_non_null(config_account(c, "support-en"));
	assert_non_null(config_account(c, "support-en")->oauth2_token_command);
	config_free(&c);
}

/* ---- issue 5: [renewals], [region:NAME], [severity], [response] ---- */

static void test_renewals_defaults(void **state)
{
	struct config *c = config_defaults();
	static const int want[] = { 90, 60, 30, 7, 0, -15 };
	const struct region_config *r;

	assert_int_equal(c->renewals.schedule_count, 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(c->renewals.schedule[i], want[i]);
	assert_int_equal(c->renewals.grace_days, 30);
	assert_int_equal(c->renewals.send_minute, 480);
	assert_int_equal(c->renewals.auto_notice_days, 30);
	assert_int_equal(c->renewals.coterm_days, 7);
	assert_int_equal(c->region_count, 5);
	r = config_region(c, "emea");
	assert_non_null(r);
	assert_string_equal(r->name, "EMEA");
	assert_string_equal(r->timezone, "Europe/Paris");
	assert_null(r->team);
	assert_int_equal(r->hours.days, 0x1f);
	assert_int_equal(r->hours.open_min, 480);
	assert_int_equal(r->hours.close_min, 1200);
	assert_string_equal(config_region(c, "JP")->timezone, "Asia/Tokyo");
	assert_null(config_region(c, "EU"));
	/* premier A: one hour around the clock; standard: one business day */
	assert_true(c->entitlement.targets[LEVEL_PREMIER][0].set);
	assert_true(c->entitlement.targets[LEVEL_PREMIER][0].around_the_clock);
	assert_int_equal(c->entitlement.targets[LEVEL_PREMIER][0].minutes, 60);
	assert_int_equal(c->entitlement.targets[LEVEL_STANDARD][2].business_days, 1);
	assert_false(c->entitlement.targets[LEVEL_STANDARD][2].around_the_clock);
	assert_false(c->entitlement.targets[LEVEL_NONE][0].set);
	assert_true(c->entitlement.severity[0].count > 5);
	assert_int_equal(c->entitlement.severity[2].count, 0);
	assert_int_equal(config_level_parse("Premier"), LEVEL_PREMIER);
	assert_int_equal(config_level_parse("ppi"), LEVEL_PPI);
	assert_int_equal(config_level_parse("gold"), -1);
	assert_string_equal(config_level_name(LEVEL_STANDARD), "standard");
	config_free(&c);
}

static void test_renewals_keys(void **state)
{
	struct config *c = load_ok(
		"[renewals]\nschedule = -15, 7,90 ,0\ngrace_days = 10\n"
		"send_hour = 7:30\nauto_renew_notice_days = 45\ncoterm_days = 3\n"
		"default_region = emea\n"
		"[region:EMEA]\nteam = EMEA Renewals <EMEA_renewals@Example.com>\n"
		"timezone = Europe/Paris\nlanguage = fr\n"
		"[region:latam]\nteam = latam@example.com\nforward_to = deals@example.com\n"
		"timezone = America/Sao_Paulo\nbusiness_hours = mon,wed-fri 09:00-17:30\n"
		"[severity]\nA = Outage, tout est cassé\nD = devis\n"
		"[response]\npremier = A 30m 24x7, B 1h30m, C 2bd\nnone = D 5bd\n"
		ACCOUNT("x", "region = LATAM\n"));
	const struct region_config *r;

	assert_int_equal(c->renewals.schedule_count, 4);
	assert_int_equal(c->renewals.schedule[0], 90);
	assert_int_equal(c->renewals.schedule[3], -15);
	assert_int_equal(c->renewals.grace_days, 10);
	assert_int_equal(c->renewals.send_minute, 450);
	assert_int_equal(c->renewals.auto_notice_days, 45);
	assert_int_equal(c->renewals.coterm_days, 3);
	assert_string_equal(c->renewals.default_region, "EMEA");
	r = config_region(c, "EMEA");
	assert_string_equal(r->team, "EMEA Renewals <EMEA_renewals@Example.com>");
	assert_string_equal(r->team_addr, "emea_renewals@example.com");
	assert_string_equal(r->forward_to, "emea_renewals@example.com");
	assert_string_equal(r->language, "fr");
	r = config_region(c, "LATAM");
	assert_non_null(r);
	assert_string_equal(r->forward_to, "deals@example.com");
	assert_string_equal(r->timezone, "America/Sao_Paulo");
	assert_int_equal(r->hours.days, 0x1d);
	assert_int_equal(r->hours.open_min, 540);
	assert_int_equal(r->hours.close_min, 1050);
	assert_int_equal(c->region_count, 6);
	assert_string_equal(c->accounts[0].region, "LATAM");
	/* the file's keyword list replaces the built-in one */
	assert_int_equal(c->entitlement.severity[0].count, 2);
	assert_string_equal(c->entitlement.severity[0].items[0], "outage");
	assert_string_equal(c->entitlement.severity[0].items[1], "tout est cassé");
	assert_int_equal(c->entitlement.severity[3].count, 1);
	assert_true(c->entitlement.severity[1].count > 3);  /* untouched */
	assert_int_equal(c->entitlement.targets[LEVEL_PREMIER][0].minutes, 30);
	assert_int_equal(c->entitlement.targets[LEVEL_PREMIER][1].minutes, 90);
	assert_false(c->entitlement.targets[LEVEL_PREMIER][1].around_the_clock);
	assert_int_equal(c->entitlement.targets[LEVEL_PREMIER][2].business_days, 2);
	assert_false(c->entitlement.targets[LEVEL_PREMIER][3].set);
	assert_true(c->entitlement.targets[LEVEL_NONE][3].set);
	assert_int_equal(c->entitlement.targets[LEVEL_NONE][3].business_days, 5);
	/* untouched rows keep their defaults */
	assert_int_equal(c->entitlement.targets[LEVEL_STANDARD][0].business_days, 1);
	config_free(&c);
}

static void test_renewals_errors(void **state)
{
	assert_load_err("[renewals]\nschedule = 90,sixty\n",
			":2: schedule: '90,sixty': expected whole numbers");
	assert_load_err("[renewals]\nschedule = 30,30\n", "a day is listed twice");
	assert_load_err("[renewals]\nschedule = \n", ":2: schedule");
	assert_load_err("[renewals]\nsend_hour = 25:00\n",
			":2: send_hour: '25:00' is not a time of day HH:MM");
	assert_load_err("[renewals]\nsend_hour = 8h\n", "send_hour: '8h'");
	assert_load_err("[renewals]\ndefault_region = MARS\n",
			"default_region 'MARS' is not EMEA, AMS, JP, CN, SG or a [region:NAME] section");
	assert_load_err("[renewals]\ncoterm_days = 0\n", "coterm_days: '0' is not a whole number from 1");
	assert_load_err("[renewals]\nfrequency = 1\n", "unknown key 'frequency' in [renewals]");
	assert_load_err("[region:EMEA]\nteam = nobody\n",
			":2: team: 'nobody' has no address");
	assert_load_err("[region:EMEA]\ntimezone = Europe/Atlantis\n",
			"timezone: 'Europe/Atlantis' is not a time zone this machine knows");
	assert_load_err("[region:EMEA]\ntimezone = ../etc/passwd\n", "is not a time zone");
	assert_load_err("[region:EMEA]\nbusiness_hours = weekdays 8-20\n",
			"business_hours: 'weekdays 8-20': expected days and hours");
	assert_load_err("[region:EMEA]\nbusiness_hours = mon-fri 20:00-08:00\n",
			"the closing time must be after the opening time");
	assert_load_err("[region:EMEA]\nlanguage = french\n", "language: 'french'");
	assert_load_err("[region:EMEA]\ncolour = blue\n", "unknown key 'colour' in [region:EMEA]");
	assert_load_err("[region:EU ROPE]\nteam = a@b.c\n", "invalid region name 'EU ROPE'");
	assert_load_err("[response]\npremier = A soon\n", ":2: premier: 'A soon': expected severities");
	assert_load_err("[response]\nstandard = E 1h\n", "expected severities");
	assert_load_err("[response]\nstandard = A 1h, A 2h\n", "a severity is listed twice");
	assert_load_err("[response]\npremier = A 1bd 24x7\n", "24x7 targets are in minutes or hours");
	assert_load_err("[response]\ngold = A 1h\n", "unknown key 'gold' in [response]");
	assert_load_err("[entitlement]\npattern = ([unclosed\n", ":2: pattern:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_errors_name_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_env_and_default_search),
		cmocka_unit_test(test_imap_all_keys),
		cmocka_unit_test(test_imap_defaults),
		cmocka_unit_test(test_imap_order_and_lookup),
		cmocka_unit_test(test_imap_url_forms),
		cmocka_unit_test(test_imap_key_errors),
		cmocka_unit_test(test_imap_name_length),
		cmocka_unit_test(test_imap_account_errors),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_renewals_defaults),
		cmocka_unit_test(test_renewals_keys),
		cmocka_unit_test(test_renewals_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
