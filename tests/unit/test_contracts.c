/*
 * test_contracts.c - the contracts file's header and row checks
 * (gateway/contracts.c) on CSV read from memory with the built-in config:
 * what each column accepts and normalises, and the exact report of what it
 * refuses.  The command around it is tested end to end in
 * tests/e2e/contracts.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "contracts.h"
#include "csv.h"
#include "store.h"
#include "strbuf.h"

struct fixture {
	struct config *config;
	struct strbuf errors;      /* "LINE: what\n" per report */
	struct csv_reader *reader;
	struct contracts_file *file;
};

static void on_error(void *ctx, uint64_t line, const char *what)
{
	struct fixture *f = ctx;

	assert_int_equal(strbuf_appendf(&f->errors, "%llu: %s\n",
					(unsigned long long)line, what), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->config = config_defaults();
	strbuf_init(&f->errors, 1 << 20);
	f->file = contracts_file_new(f->config, on_error, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	contracts_file_free(&f->file);
	assert_null(f->file);
	contracts_file_free(&f->file);
	csv_reader_free(&f->reader);
	strbuf_deinit(&f->errors);
	config_free(&f->config);
	free(f);
	return 0;
}

/* Reads the header of text; 0 or -1. */
static int start(struct fixture *f, const char *text)
{
	struct csv_record rec;
	const char *error;

	f->reader = csv_reader_new_mem(text, strlen(text), 0, NULL);
	assert_int_equal(csv_read(f->reader, &rec, &error), 1);
	return contracts_header(f->file, &rec);
}

/* The next row's result: 1, 0 or -1 (a CSV error is -2). */
static int row(struct fixture *f, struct store_contract *c)
{
	struct csv_record rec;
	const char *error;
	int rc = csv_read(f->reader, &rec, &error);

	assert_int_not_equal(rc, 0);
	if (rc < 0)
		return -2;
	return contracts_row(f->file, &rec, c);
}

static void expect_errors(struct fixture *f, const char *want)
{
	assert_string_equal(strbuf_str(&f->errors), want);
	strbuf_reset(&f->errors);
}

static void test_every_column_normalised(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;

	assert_int_equal(start(f,
		" Contract ,CUSTOMER_EMAIL,customer_name,company,product,serial,"
		"Region,language,level,starts,expires,auto_renew,renewal_id\r\n"
		" C1 , Jean@Example.FR ,Jean Dupont,\"ACME\nEurope\",Gateway,SN-1,"
		"emea,FR,Premier,2025-02-28,2026-02-28,YES,R-1\r\n"), 0);
	assert_int_equal(row(f, &c), 1);
	assert_string_equal(c.id, "C1");                  /* trimmed */
	assert_string_equal(c.customer_email, "Jean@Example.FR"); /* the store lower-cases */
	assert_string_equal(c.customer_name, "Jean Dupont");
	assert_string_equal(c.company, "ACME\nEurope");   /* a line break in free text */
	assert_string_equal(c.product, "Gateway");
	assert_string_equal(c.serial, "SN-1");
	assert_string_equal(c.region, "EMEA");            /* the configured spelling */
	assert_string_equal(c.language, "fr");
	assert_string_equal(c.level, "premier");
	assert_string_equal(c.starts, "2025-02-28");
	assert_string_equal(c.expires, "2026-02-28");
	assert_true(c.auto_renew);
	assert_string_equal(c.renewal_id, "R-1");
	assert_int_equal(c.updated_at, 0);
	expect_errors(f, "");
}

static void test_only_contract_is_required(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;

	assert_int_equal(start(f, "contract\nC1\n\n  \nC2"), 0);
	assert_int_equal(row(f, &c), 1);
	assert_string_equal(c.id, "C1");
	assert_null(c.customer_email);
	assert_null(c.region);
	assert_null(c.expires);
	assert_string_equal(c.level, "none");
	assert_false(c.auto_renew);
	/* blank lines are nothing, not rows */
	assert_int_equal(row(f, &c), 0);
	assert_int_equal(row(f, &c), 0);
	assert_int_equal(row(f, &c), 1);
	assert_string_equal(c.id, "C2");
	expect_errors(f, "");
}

static void test_empty_values_are_not_given(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;

	assert_int_equal(start(f, "contract,customer_email,region,level,auto_renew,starts\n"
			       "C1, ,,,,\n"), 0);
	assert_int_equal(row(f, &c), 1);
	assert_null(c.customer_email);
	assert_null(c.region);
	assert_null(c.starts);
	assert_string_equal(c.level, "none");
	assert_false(c.auto_renew);
}

static void test_header_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(start(f, "contract,Expiry,region,REGION,\n"), -1);
	expect_errors(f,
		"1: unknown column 'Expiry' (columns: contract, customer_email, customer_name, company, product, serial, region, language, level, starts, expires, auto_renew, renewal_id)\n"
		"1: column 'region' appears twice (columns 3 and 4)\n"
		"1: column 5 of the header has no name (columns: contract, customer_email, customer_name, company, product, serial, region, language, level, starts, expires, auto_renew, renewal_id)\n");
}

static void test_header_without_contract(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(start(f, "customer_email,region\n"), -1);
	expect_errors(f, "1: no 'contract' column: it is required (columns: contract, customer_email, customer_name, company, product, serial, region, language, level, starts, expires, auto_renew, renewal_id)\n");
}

static void test_addresses(void **state)
{
	static const char *const good[] = {
		"a@example.com", "first.last+tag@sub.example.co.jp", "x_y-z@a-b.c",
		"o'brien@example.ie", "j\xc3\xa9r\xc3\xb4me@exemple.fr",
	};
	static const char *const bad[] = {
		"plain", "@example.com", "a@", "a@b@example.com", "a@localhost",
		"a b@example.com", "a@exa mple.com", "<a@example.com>",
		"a@example..com", "a@.example.com", "a@example.com.", ".a@example.com",
		"a.@example.com", "a..b@example.com", "a@exam_ple.com",
		"\"a\"@example.com", "a@[192.0.2.1]", "Jean <a@example.com>",
	};
	struct fixture *f = *state;
	struct store_contract c;
	struct strbuf in;

	strbuf_init(&in, 8192);
	assert_int_equal(strbuf_appendstr(&in, "contract,customer_email\n"), 0);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(strbuf_appendf(&in, "G%zu,\"%s\"\n", i, good[i]), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		/* quoted as RFC 4180 says: the quotes inside doubled */
		assert_int_equal(strbuf_appendf(&in, "B%zu,\"", i), 0);
		for (const char *p = bad[i]; *p != '\0'; p++)
			assert_int_equal(strbuf_appendstr(&in, *p == '"' ? "\"\"" : (char[]){ *p, 0 }), 0);
		assert_int_equal(strbuf_appendstr(&in, "\"\n"), 0);
	}
	assert_int_equal(start(f, strbuf_str(&in)), 0);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		assert_int_equal(row(f, &c), 1);
		assert_string_equal(c.customer_email, good[i]);
	}
	expect_errors(f, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char want[256];

		assert_int_equal(row(f, &c), -1);
		snprintf(want, sizeof(want), "%zu: customer_email: not an email address: '%s'\n",
			 i + 2 + sizeof(good) / sizeof(*good), bad[i]);
		expect_errors(f, want);
	}
	/* the reader is not kept: in points into the buffer */
	csv_reader_free(&f->reader);
	strbuf_deinit(&in);
}

static void test_levels_languages_booleans(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;

	assert_int_equal(start(f, "contract,level,language,auto_renew\n"
			       "C1,STANDARD,en,true\nC2,ppi,deu,1\nC3,None,EN,No\n"
			       "C4,false,0,False\n"
			       "C5,gold,e,ja\n"
			       "C6,premium,f1,2\n"), 0);
	assert_int_equal(row(f, &c), 1);
	assert_string_equal(c.level, "standard");
	assert_true(c.auto_renew);
	assert_int_equal(row(f, &c), 1);
	assert_string_equal(c.level, "ppi");
	assert_string_equal(c.language, "deu");
	assert_true(c.auto_renew);
	assert_int_equal(row(f, &c), 1);
	assert_string_equal(c.level, "none");
	assert_string_equal(c.language, "en");
	assert_false(c.auto_renew);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), -1);
	expect_errors(f,
		"5: language: not a language code: '0' (2 or 3 letters, such as fr or en)\n"
		"5: level: unknown level 'false' (premier, standard, ppi or none)\n"
		"6: language: not a language code: 'e' (2 or 3 letters, such as fr or en)\n"
		"6: level: unknown level 'gold' (premier, standard, ppi or none)\n"
		"6: auto_renew: not yes or no: 'ja' (yes, no, true, false, 1 or 0)\n"
		"7: language: not a language code: 'f1' (2 or 3 letters, such as fr or en)\n"
		"7: level: unknown level 'premium' (premier, standard, ppi or none)\n"
		"7: auto_renew: not yes or no: '2' (yes, no, true, false, 1 or 0)\n");
}

static void test_dates(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;

	assert_int_equal(start(f, "contract,starts,expires\n"
			       "C1,2024-02-29,2025-02-28\n"
			       "C2,2026-01-01,2026-01-01\n"
			       "C3,2025-02-29,2025-02-30\n"
			       "C4,2025-1-01,01/02/2025\n"
			       "C5,2026-01-02,2026-01-01\n"
			       "C6,,2026-01-01\n"), 0);
	assert_int_equal(row(f, &c), 1);     /* a leap day */
	assert_int_equal(row(f, &c), 1);     /* starts on the day it expires */
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), 1);
	assert_null(c.starts);
	expect_errors(f,
		"4: starts: not a date: '2025-02-29' (YYYY-MM-DD, a day that exists)\n"
		"4: expires: not a date: '2025-02-30' (YYYY-MM-DD, a day that exists)\n"
		"5: starts: not a date: '2025-1-01' (YYYY-MM-DD, a day that exists)\n"
		"5: expires: not a date: '01/02/2025' (YYYY-MM-DD, a day that exists)\n"
		"6: starts: '2026-01-02' is after expires '2026-01-01'\n");
}

static void test_regions(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;

	assert_int_equal(start(f, "contract,region\nC1,ams\nC2,Sg\nC3,cn\nC4,jp\nC5,APAC\n"), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(row(f, &c), 1);
	assert_string_equal(c.region, "JP");
	assert_int_equal(row(f, &c), -1);
	expect_errors(f, "6: region: unknown region 'APAC' (known: EMEA, AMS, JP, CN, SG)\n");
}

static void test_ids_and_text(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;
	struct strbuf in;
	char longid[CONTRACTS_MAX_ID + 2];

	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	strbuf_init(&in, 1 << 16);
	assert_int_equal(strbuf_appendf(&in,
		"contract,customer_name,company,serial,renewal_id\n"
		"%.*s,n,c,s,r\n"            /* 128 bytes: fine */
		"%s,n,c,s,r\n"              /* 129: too long */
		"\"C\x01\",\"a\tb\",\"x\ty\",\"S\nN\",\"R\x7f\"\n",
		CONTRACTS_MAX_ID, longid, longid), 0);
	assert_int_equal(start(f, strbuf_str(&in)), 0);
	assert_int_equal(row(f, &c), 1);
	assert_int_equal(strlen(c.id), CONTRACTS_MAX_ID);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), -1);
	expect_errors(f,
		"3: contract: longer than 128 bytes: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'\n"
		"4: contract: control character in 'C\\x01'\n"
		"4: customer_name: control character in 'a\\x09b'\n"
		"4: serial: control character in 'S\\x0AN'\n"
		"4: renewal_id: control character in 'R\\x7F'\n");
	csv_reader_free(&f->reader);
	strbuf_deinit(&in);
}

static void test_duplicates_name_the_first_line(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;
	struct strbuf in;

	/* enough ids to make the table grow several times */
	strbuf_init(&in, 1 << 20);
	assert_int_equal(strbuf_appendstr(&in, "contract,region\n"), 0);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(strbuf_appendf(&in, "C%d,EMEA\n", i), 0);
	assert_int_equal(strbuf_appendstr(&in, "C4321,EMEA\nc4321,EMEA\n\"C0\nx\",EMEA\nC0,MARS\n"), 0);
	assert_int_equal(start(f, strbuf_str(&in)), 0);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(row(f, &c), 1);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), 1);     /* ids are exact: another contract */
	assert_int_equal(row(f, &c), -1);    /* a control character, not C0 */
	assert_int_equal(row(f, &c), -1);    /* duplicate and a bad region: both said */
	expect_errors(f,
		"5002: contract: duplicate 'C4321', first on line 4323\n"
		"5004: contract: control character in 'C0\\x0Ax'\n"
		"5006: contract: duplicate 'C0', first on line 2\n"
		"5006: region: unknown region 'MARS' (known: EMEA, AMS, JP, CN, SG)\n");
	csv_reader_free(&f->reader);
	strbuf_deinit(&in);
}

static void test_wrong_number_of_fields(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;

	assert_int_equal(start(f, "contract,region\nC1\nC2,EMEA,x\nC3,EMEA\n"), 0);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), -1);
	assert_int_equal(row(f, &c), 1);
	expect_errors(f, "2: 1 field, but the header has 2\n"
		      "3: 3 fields, but the header has 2\n");
}

static void test_long_values_are_clipped_in_messages(void **state)
{
	struct fixture *f = *state;
	struct store_contract c;
	struct strbuf in;

	strbuf_init(&in, 1 << 16);
	assert_int_equal(strbuf_appendstr(&in, "contract,region\nC1,"), 0);
	/* 30 two-byte characters then more: the cut falls between two */
	for (int i = 0; i < 40; i++)
		assert_int_equal(strbuf_appendstr(&in, "\xc3\xa9"), 0);
	assert_int_equal(strbuf_appendstr(&in, "\n"), 0);
	assert_int_equal(start(f, strbuf_str(&in)), 0);
	assert_int_equal(row(f, &c), -1);
	assert_non_null(strstr(strbuf_str(&f->errors),
			       "region: unknown region '\xc3\xa9\xc3\xa9"));
	assert_non_null(strstr(strbuf_str(&f->errors), "\xc3\xa9...' (known:"));
	csv_reader_free(&f->reader);
	strbuf_deinit(&in);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_column_normalised),
		T(test_only_contract_is_required),
		T(test_empty_values_are_not_given),
		T(test_header_errors),
		T(test_header_without_contract),
		T(test_addresses),
		T(test_levels_languages_booleans),
		T(test_dates),
		T(test_regions),
		T(test_ids_and_text),
		T(test_duplicates_name_the_first_line),
		T(test_wrong_number_of_fields),
		T(test_long_values_are_clipped_in_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
