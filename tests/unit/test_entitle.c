/*
 * Unit tests of gateway/entitle.c (and the contract-key patterns of
 * parsers/contract_keys.c) around an in-memory store: contracts found by
 * the sender's address, by a contract number in the subject, by a serial
 * or renewal ID in the text, in any case; the best of several; active,
 * expired (recently or not, in the contract's time zone) and none; the
 * region; the due time; entitle_due() as the staff commands call it; the
 * case read back; the event line and the template data.
 */
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

#include "compose.h"
#include "config.h"
#include "contract_keys.h"
#include "dates.h"
#include "entitle.h"
#include "fingerprint.h"
#include "ingest.h"
#include "message.h"
#include "pool.h"
#include "store.h"
#include "util.h"

static int64_t utc(int y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
	return date_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

/* Sunday 2026-11-22 02:00 UTC: 03:00 in Paris, 21:00 on Saturday in New
 * York. */
#define NOW utc(2026, 11, 22, 2, 0)

struct fixture {
	struct config *config;
	struct store *store;
	struct entitle *entitle;
	struct pool *pool;
};

static void contract(struct fixture *f, const char *id, const char *email,
		     const char *level, const char *expires, const char *region,
		     const char *serial, const char *renewal_id)
{
	struct store_contract c = {
		.id = id, .customer_email = email, .customer_name = "Customer",
		.company = "Acme SA", .product = "Widget Server", .serial = serial,
		.region = region, .language = "fr", .level = level,
		.starts = "2024-01-01", .expires = expires,
		.renewal_id = renewal_id, .updated_at = 1,
	};
	const char *err;

	if (store_contract_upsert(f->store, &c, NULL, &err) < 0)
		fail_msg("store_contract_upsert: %s", err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *serr;
	char *err = NULL;

	f->config = config_defaults();
	assert_int_equal(store_open(":memory:", &f->store, &serr), 0);
	if (entitle_new(f->config, &f->entitle, &err) < 0)
		fail_msg("entitle_new: %s", err);
	f->pool = pool_new(65536);
	contract(f, "C-100", "alice@acme.example", "premier", "2027-12-31", "EMEA",
		 "SN-100-A", "R-100");
	contract(f, "C-200", "zed@partner.example", "standard", "2027-06-30", "AMS",
		 "XK-99812", NULL);
	contract(f, "C-300", "zed@partner.example", "ppi", "2027-06-30", "JP",
		 NULL, "R-77");
	/* carol: expired premier, two active standard, one active ppi */
	contract(f, "C-401", "carol@acme.example", "premier", "2025-12-31", "EMEA", NULL, NULL);
	contract(f, "C-402", "carol@acme.example", "standard", "2027-01-31", "EMEA", NULL, NULL);
	contract(f, "C-403", "carol@acme.example", "standard", "2027-06-30", "EMEA", NULL, NULL);
	contract(f, "C-404", "carol@acme.example", "ppi", "2028-12-31", "EMEA", NULL, NULL);
	/* dave: expired three weeks ago; erin: expired long ago, twice */
	contract(f, "C-500", "dave@acme.example", "premier", "2026-11-01", "EMEA", NULL, "R-500");
	contract(f, "C-601", "erin@acme.example", "standard", "2025-03-31", "AMS", NULL, NULL);
	contract(f, "C-602", "erin@acme.example", "premier", "2024-03-31", "AMS", NULL, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	entitle_free(&f->entitle);
	assert_null(f->entitle);
	store_close(&f->store);
	pool_free(&f->pool);
	config_free(&f->config);
	free(f);
	return 0;
}

/* The entitlement of a new case from `from` with this subject and text. */
static struct entitlement ent(struct fixture *f, const char *from,
			      const char *subject, const char *text,
			      const char *hint, int64_t now)
{
	struct entitlement e;
	struct message *msg;
	const char *err;
	char *raw = pool_printf(f->pool, "From: %s\nTo: support@vendor.example\n"
				"Subject: %s\nMessage-ID: <%lld@x>\n"
				"Content-Type: text/plain; charset=utf-8\n\n%s\n",
				from, subject, (long long)now, text);

	if (message_parse(f->pool, raw, strlen(raw), NULL, &msg, &err) < 0)
		fail_msg("message_parse: %s", err);
	if (entitle_case(f->entitle, f->store, f->pool, msg, hint, now, &e, &err) < 0)
		fail_msg("entitle_case: %s", err);
	assert_true(e.known);
	return e;
}

static void assert_contract(const struct entitlement *e, const char *id)
{
	if (id == NULL) {
		assert_null(e->contract);
		return;
	}
	assert_non_null(e->contract);
	assert_string_equal(e->contract->id, id);
}

static void test_by_address(void **state)
{
	struct fixture *f = *state;
	struct entitlement e = ent(f, "Alice <Alice@ACME.example>", "Serveur en panne",
				   "Plus rien ne répond.", NULL, NOW);

	assert_int_equal(e.status, ENTITLE_ACTIVE);
	assert_contract(&e, "C-100");
	assert_string_equal(e.contract->company, "Acme SA");
	assert_string_equal(e.found_by, "the sender's address");
	assert_int_equal(e.level, LEVEL_PREMIER);
	assert_string_equal(e.severity, "A");
	assert_string_equal(e.region, "EMEA");
	/* premier A: 1h around the clock, Sunday 03:00 Paris -> 04:00 */
	assert_int_equal(e.due, NOW + 3600);
	assert_string_equal(e.severity_why, "\"panne\" in the subject");
}

static void test_by_contract_number(void **state)
{
	struct fixture *f = *state;
	struct entitlement e;

	/* a stranger names C-200 (standard, AMS): 1bd in New York's hours,
	 * from Monday 08:00 EST -> Monday 20:00 EST (01:00 UTC Tuesday) */
	e = ent(f, "bob@other.example", "Contract C-200: export broken", "", "EMEA", NOW);
	assert_int_equal(e.status, ENTITLE_ACTIVE);
	assert_contract(&e, "C-200");
	assert_string_equal(e.found_by, "\"C-200\" in the mail");
	assert_int_equal(e.level, LEVEL_STANDARD);
	assert_string_equal(e.severity, "B");
	assert_string_equal(e.region, "AMS");      /* the contract's, not the hint */
	assert_int_equal(e.due, utc(2026, 11, 24, 1, 0));
	assert_int_equal(e.keys, 1);
	/* written in lower case, in French */
	e = ent(f, "bob@other.example", "Question sur notre contrat n° c-200", "", NULL, NOW);
	assert_contract(&e, "C-200");
	assert_string_equal(e.severity, "D");
	/* 1bd too for D under standard */
	assert_int_equal(e.due, utc(2026, 11, 24, 1, 0));
}

static void test_by_serial_and_renewal_id(void **state)
{
	struct fixture *f = *state;
	struct entitlement e;

	e = ent(f, "bob@other.example", "Help", "Bonjour,\nnuméro de série : XK-99812.\nMerci",
		NULL, NOW);
	assert_contract(&e, "C-200");
	assert_string_equal(e.found_by, "\"XK-99812\" in the mail");
	e = ent(f, "bob@other.example", "Help", "Our renewal ID is R-77, thanks.", NULL, NOW);
	assert_contract(&e, "C-300");
	assert_int_equal(e.level, LEVEL_PPI);
	assert_string_equal(e.region, "JP");
	e = ent(f, "bob@other.example", "S/N: sn-100-a", "", NULL, NOW);
	assert_contract(&e, "C-100");
	/* a key that names nothing, then one that does */
	e = ent(f, "bob@other.example", "Contract C-999", "licence key SN-100-A", NULL, NOW);
	assert_contract(&e, "C-100");
	assert_int_equal(e.keys, 2);
}

static void test_best_pick(void **state)
{
	struct fixture *f = *state;
	struct entitlement e;

	/* active over expired (C-401 premier expired), standard over ppi
	 * (C-404 later), then the latest expiry (C-403 over C-402) */
	e = ent(f, "carol@acme.example", "Slow report", "", NULL, NOW);
	assert_contract(&e, "C-403");
	assert_int_equal(e.level, LEVEL_STANDARD);
	assert_string_equal(e.severity, "C");
	/* naming the expired premier contract does not make it active; a
	 * better active one named wins over the sender's */
	e = ent(f, "carol@acme.example", "About contract C-401", "", NULL, NOW);
	assert_contract(&e, "C-403");
	e = ent(f, "carol@acme.example", "About contract C-100", "", NULL, NOW);
	assert_contract(&e, "C-100");
	assert_string_equal(e.found_by, "\"C-100\" in the mail");
	/* among expired ones, the most recently expired */
	e = ent(f, "erin@acme.example", "Hello", "", NULL, NOW);
	assert_int_equal(e.status, ENTITLE_EXPIRED);
	assert_contract(&e, "C-601");
}

static void test_expired_and_none(void **state)
{
	struct fixture *f = *state;
	struct entitlement e;

	/* expired three weeks ago: recently (grace_days 30), no target */
	e = ent(f, "dave@acme.example", "URGENT", "", NULL, NOW);
	assert_int_equal(e.status, ENTITLE_EXPIRED);
	assert_true(e.recently_expired);
	assert_contract(&e, "C-500");
	assert_int_equal(e.level, LEVEL_NONE);
	assert_string_equal(e.severity, "A");
	assert_int_equal(e.due, 0);
	assert_string_equal(e.region, "EMEA");
	/* long ago: not recently */
	e = ent(f, "erin@acme.example", "Hello", "", NULL, NOW);
	assert_false(e.recently_expired);
	/* the grace window's last day, and the day after */
	e = ent(f, "dave@acme.example", "x", "", NULL, utc(2026, 12, 1, 12, 0));
	assert_true(e.recently_expired);
	e = ent(f, "dave@acme.example", "x", "", NULL, utc(2026, 12, 2, 12, 0));
	assert_false(e.recently_expired);
	/* nobody known, nothing named: none, the hint's region */
	e = ent(f, "nobody@nowhere.example", "Question", "Hello", "sg", NOW);
	assert_int_equal(e.status, ENTITLE_NONE);
	assert_contract(&e, NULL);
	assert_int_equal(e.level, LEVEL_NONE);
	assert_int_equal(e.due, 0);
	assert_string_equal(e.region, "SG");
	assert_null(e.found_by);
	e = ent(f, "nobody@nowhere.example", "Question", "Hello", NULL, NOW);
	assert_null(e.region);
	e = ent(f, "nobody@nowhere.example", "Question", "Hello", "MARS", NOW);
	assert_null(e.region);
}

/* "Expired" is a question of the local date in the contract's region. */
static void test_expiry_in_local_time(void **state)
{
	struct fixture *f = *state;
	/* 23:30 UTC on 2026-11-22: already the 23rd in Tokyo, still the
	 * 22nd in New York */
	int64_t t = utc(2026, 11, 22, 23, 30);
	struct entitlement e;

	contract(f, "C-700", "jp@acme.example", "standard", "2026-11-22", "JP", NULL, NULL);
	contract(f, "C-701", "ny@acme.example", "standard", "2026-11-22", "AMS", NULL, NULL);
	e = ent(f, "jp@acme.example", "x", "", NULL, t);
	assert_int_equal(e.status, ENTITLE_EXPIRED);
	e = ent(f, "ny@acme.example", "x", "", NULL, t);
	assert_int_equal(e.status, ENTITLE_ACTIVE);
	/* the expiry day itself is covered */
	e = ent(f, "jp@acme.example", "x", "", NULL, utc(2026, 11, 22, 14, 0));
	assert_int_equal(e.status, ENTITLE_ACTIVE);
}

static void test_due_times(void **state)
{
	struct fixture *f = *state;
	/* Friday 2026-11-20 19:30 Paris (18:30 UTC) */
	int64_t fri = utc(2026, 11, 20, 18, 30);
	struct entitlement e;

	/* premier B: 4h of business time -> Monday 11:30 Paris */
	e = ent(f, "alice@acme.example", "Export broken", "", NULL, fri);
	assert_string_equal(e.severity, "B");
	assert_int_equal(e.due, utc(2026, 11, 23, 10, 30));
	assert_int_equal(e.due, entitle_due(f->config, "premier", "B", "EMEA", fri));
	/* premier D: 2bd -> Tuesday 19:30 */
	e = ent(f, "alice@acme.example", "Invoice question", "", NULL, fri);
	assert_string_equal(e.severity, "D");
	assert_int_equal(e.due, utc(2026, 11, 24, 18, 30));
}

/* As the staff commands call it (#severity, #level). */
static void test_entitle_due(void **state)
{
	struct fixture *f = *state;
	int64_t fri = utc(2026, 11, 20, 18, 30);

	assert_int_equal(entitle_due(f->config, "premier", "A", NULL, fri), fri + 3600);
	assert_int_equal(entitle_due(f->config, "PREMIER", "a", "emea", fri), fri + 3600);
	/* standard C, 1bd: 30 minutes on Friday, 690 on Monday */
	assert_int_equal(entitle_due(f->config, "standard", "C", "EMEA", fri),
			 utc(2026, 11, 23, 18, 30));
	/* no region: UTC, Monday-Friday 08:00-20:00; from Friday 19:15
	 * UTC (20:15 in Paris, closed): 4h end Monday 11:15 UTC, or 12:00
	 * in Paris */
	assert_int_equal(entitle_due(f->config, "premier", "B", NULL, utc(2026, 11, 20, 19, 15)),
			 utc(2026, 11, 23, 11, 15));
	assert_int_equal(entitle_due(f->config, "premier", "B", "EMEA", utc(2026, 11, 20, 19, 15)),
			 utc(2026, 11, 23, 11, 0));
	assert_int_equal(entitle_due(f->config, "none", "A", "EMEA", fri), 0);
	assert_int_equal(entitle_due(f->config, "gold", "A", "EMEA", fri), 0);
	assert_int_equal(entitle_due(f->config, "premier", "E", "EMEA", fri), 0);
	assert_int_equal(entitle_due(f->config, "premier", "AB", "EMEA", fri), 0);
	assert_int_equal(entitle_due(f->config, "premier", "", "EMEA", fri), 0);
	assert_int_equal(entitle_due(f->config, NULL, "A", "EMEA", fri), 0);
	assert_int_equal(entitle_due(f->config, "premier", NULL, "EMEA", fri), 0);
}

/* The case as stored, read back for the acknowledgement. */
static void test_of_case(void **state)
{
	struct fixture *f = *state;
	struct entitlement e = ent(f, "dave@acme.example", "URGENT", "", "AMS", NOW), back;
	struct store_case c, *got;
	uint64_t number;
	const char *err;

	memset(&c, 0, sizeof(c));
	c.subject = "URGENT";
	c.requester = "dave@acme.example";
	c.region = "AMS";           /* the account's, kept */
	c.severity = e.severity;
	c.level = config_level_name(e.level);
	c.due = e.due;
	c.contract = e.contract->id;
	c.created_at = c.updated_at = NOW;
	assert_int_equal(store_case_create(f->store, &c, &number, &err), 0);
	assert_int_equal(store_case_get(f->store, f->pool, number, &got, &err), 1);
	assert_int_equal(entitle_of_case(f->config, f->store, f->pool, got, NOW, &back, &err), 0);
	assert_true(back.known);
	assert_int_equal(back.status, ENTITLE_EXPIRED);
	assert_true(back.recently_expired);
	assert_contract(&back, "C-500");
	assert_string_equal(back.severity, "A");
	assert_string_equal(back.region, "EMEA");  /* the contract's */
	/* a case without entitlement */
	got->level = NULL;
	assert_int_equal(entitle_of_case(f->config, f->store, f->pool, got, NOW, &back, &err), 0);
	assert_false(back.known);
	/* a level and no contract: none */
	got->level = "none";
	got->contract = NULL;
	got->region = "jp";
	assert_int_equal(entitle_of_case(f->config, f->store, f->pool, got, NOW, &back, &err), 0);
	assert_true(back.known);
	assert_int_equal(back.status, ENTITLE_NONE);
	assert_string_equal(back.region, "JP");
}

static void test_summary_and_json(void **state)
{
	struct fixture *f = *state;
	struct entitlement e = ent(f, "alice@acme.example", "Serveur en panne", "", NULL, NOW);
	const char *line = entitle_summary(f->config, f->pool, &e);
	json_t *data = json_pack("{s:{s:s}}", "case", "number", "00000001"), *en;

	assert_string_equal(line, "active premier contract C-100 (Acme SA), expires 2027-12-31, "
			    "found by the sender's address; severity A (\"panne\" in the subject); "
			    "first response due 2026-11-22T03:00:00Z (premier 1h 24x7, EMEA)");
	entitle_json_add(f->config, &e, data);
	en = json_object_get(data, "entitlement");
	assert_true(json_is_true(json_object_get(en, "active")));
	assert_true(json_is_false(json_object_get(en, "expired")));
	assert_true(json_is_false(json_object_get(en, "none")));
	assert_string_equal(json_string_value(json_object_get(en, "level")), "premier");
	assert_string_equal(json_string_value(json_object_get(en, "contract")), "C-100");
	assert_string_equal(json_string_value(json_object_get(en, "serial")), "SN-100-A");
	assert_string_equal(json_string_value(json_object_get(en, "renewal_id")), "R-100");
	assert_string_equal(json_string_value(json_object_get(en, "expires")), "2027-12-31");
	assert_string_equal(json_string_value(json_object_get(en, "product")), "Widget Server");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(data, "case"), "due_local")), "2026-11-22 04:00 Europe/Paris");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(data, "team"), "region")), "EMEA");
	json_decref(data);

	e = ent(f, "dave@acme.example", "Devis", "", NULL, NOW);
	line = entitle_summary(f->config, f->pool, &e);
	assert_string_equal(line, "support expired on 2026-11-01 (premier contract C-500, recently), "
			    "found by the sender's address; severity D (\"Devis\" in the subject); "
			    "no response target (level none)");
	en = entitle_json(f->config, &e);
	assert_true(json_is_true(json_object_get(en, "expired")));
	assert_true(json_is_true(json_object_get(en, "recently_expired")));
	assert_string_equal(json_string_value(json_object_get(en, "level")), "premier");
	json_decref(en);

	e = ent(f, "nobody@nowhere.example", "Hello", "contract X-1", NULL, NOW);
	line = entitle_summary(f->config, f->pool, &e);
	assert_string_equal(line, "no contract found (the sender's address and 1 key looked up); "
			    "severity C (no keyword); no response target (level none)");
	data = json_object();
	entitle_json_add(f->config, &e, data);
	en = json_object_get(data, "entitlement");
	assert_true(json_is_true(json_object_get(en, "none")));
	assert_true(json_is_null(json_object_get(en, "contract")));
	assert_null(json_object_get(data, "team"));   /* no region */
	json_decref(data);
}

/* ---- the keys in a text ---- */

struct keys {
	char found[16][80];
	size_t count;
};

static int collect(void *ctx, const char *key, size_t len)
{
	struct keys *k = ctx;

	if (k->count == 16)
		return 1;
	snprintf(k->found[k->count++], sizeof(k->found[0]), "%.*s", (int)len, key);
	return 0;
}

static void expect_keys(const struct ck_matcher *m, const char *text,
			const char *want)
{
	struct keys k;
	char got[1024] = "";

	memset(&k, 0, sizeof(k));
	assert_int_equal(ck_extract(m, text, strlen(text), collect, &k), 0);
	for (size_t i = 0; i < k.count; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i > 0 ? " " : "", k.found[i]);
	if (strcmp(got, want) != 0)
		fail_msg("\"%s\": [%s], want [%s]", text, got, want);
}

static void test_key_patterns(void **state)
{
	struct ck_matcher *m = NULL;
	char *err = NULL;
	static const char *const mine[] = { "\\b(ACME-\\d{4})\\b" };

	(void)state;
	assert_int_equal(ck_matcher_new(true, NULL, 0, &m, &err), 0);
	expect_keys(m, "Contract C-2024-0042 broken", "C-2024-0042");
	expect_keys(m, "our contract number is 12345.", "12345");
	expect_keys(m, "Contract no. AB12, contract #ZZ-9", "AB12 ZZ-9");
	expect_keys(m, "Contrat n° 2024/001 ; contrat nº7", "2024/001 7");
	expect_keys(m, "numéro de contrat : C-1", "C-1");
	expect_keys(m, "Numero de contrat: C-2", "C-2");
	expect_keys(m, "agreement ID 55-X", "55-X");
	expect_keys(m, "S/N: XK-99812, SN 4711", "XK-99812 4711");
	expect_keys(m, "serial number 00A1", "00A1");
	expect_keys(m, "N° de série : 4711-AB", "4711-AB");
	expect_keys(m, "licence key ABCD-1234-EFGH", "ABCD-1234-EFGH");
	expect_keys(m, "License: LK1", "LK1");
	expect_keys(m, "clé de licence Q9", "Q9");
	expect_keys(m, "renewal ID R-77 and renouvellement REN/2025/1", "R-77 REN/2025/1");
	expect_keys(m, "numéro de renouvellement 8812", "8812");
	/* keys must hold a digit; labels are words */
	expect_keys(m, "our contract expired last week", "");
	expect_keys(m, "licence key attached", "");
	expect_keys(m, "contracts are renewed yearly", "");
	expect_keys(m, "SNCF 2024", "");
	expect_keys(m, "subcontract 12", "");
	expect_keys(m, "C-2024-0042 is broken", "");
	/* a key ends on a letter or digit, and at 64 characters */
	expect_keys(m, "contract C-1.", "C-1");
	expect_keys(m, "contract 1234567890123456789012345678901234567890123456789012345678901234567890",
		    "1234567890123456789012345678901234567890123456789012345678901234");
	ck_matcher_free(&m);
	assert_null(m);

	/* configured first, then the built-in; or only the configured */
	assert_int_equal(ck_matcher_new(true, mine, 1, &m, &err), 0);
	expect_keys(m, "contract C-1 for ACME-2024", "ACME-2024 C-1");
	ck_matcher_free(&m);
	assert_int_equal(ck_matcher_new(false, mine, 1, &m, &err), 0);
	expect_keys(m, "contract C-1 for ACME-2024", "ACME-2024");
	ck_matcher_free(&m);
	/* a pattern with two groups */
	static const char *const two[] = { "(a)(b)" };
	assert_int_equal(ck_matcher_new(true, two, 1, &m, &err), -1);
	assert_null(m);
	assert_non_null(strstr(err, "capture groups"));
	free(err);
}

/* At most ENTITLE_MAX_KEYS distinct keys are looked up. */
static void test_key_cap(void **state)
{
	struct fixture *f = *state;
	char text[4096] = "";
	struct entitlement e;

	for (int i = 0; i < 30; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "contract X-%d, contract x-%d\n", i, i);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "contract C-100\n");
	e = ent(f, "bob@other.example", "Many", text, NULL, NOW);
	assert_int_equal(e.keys, ENTITLE_MAX_KEYS);
	assert_contract(&e, NULL);   /* C-100 came too late */
}


/* ---- wiring: ingest_message() on new cases only ---- */

struct events {
	unsigned count;
	char last[512];
};

static int event_cb(void *ctx, int64_t at, const char *kind, const char *detail)
{
	struct events *ev = ctx;

	(void)at;
	if (strcmp(kind, "entitlement") == 0) {
		ev->count++;
		snprintf(ev->last, sizeof(ev->last), "%s", detail != NULL ? detail : "");
	}
	return 0;
}

static struct ingest_result ingest(struct ingest_ctx *ctx, const char *from,
				   const char *subject, const char *id,
				   const char *extra)
{
	struct ingest_result res;
	const char *err;
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "From: %s\nTo: support@vendor.example\n"
			 "Subject: %s\nMessage-ID: <%s>\n%s\nHello.\n",
			 from, subject, id, extra);

	if (ingest_message(ctx, buf, (size_t)n, "test", &res, &err) < 0)
		fail_msg("ingest_message: %s", err);
	return res;
}

static struct store_case *get_case(struct fixture *f, uint64_t number,
				   struct events *ev)
{
	struct store_case *c;
	const char *err;

	assert_int_equal(store_case_get(f->store, f->pool, number, &c, &err), 1);
	memset(ev, 0, sizeof(*ev));
	assert_int_equal(store_case_events(f->store, number, event_cb, ev, &err), 0);
	return c;
}

static void test_ingest_new_cases(void **state)
{
	struct fixture *f = *state;
	struct fp_matcher *matcher = NULL;
	struct ingest_ctx ctx;
	struct ingest_result r;
	struct store_case *c;
	struct events ev;
	char *err = NULL;
	/* Friday 2026-11-20 19:30 Paris */
	int64_t fri = utc(2026, 11, 20, 18, 30);

	assert_int_equal(fp_matcher_new("Case", true, NULL, 0, &matcher, &err), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.config = f->config;
	ctx.store = f->store;
	ctx.matcher = matcher;
	ctx.pool = pool_new(65536);
	ctx.now = fri;
	ctx.entitle = f->entitle;

	/* a new case: severity, level, contract, due, region, one event */
	r = ingest(&ctx, "alice@acme.example", "Export broken", "n1@x", "");
	assert_int_equal(r.outcome, INGEST_NEW);
	c = get_case(f, r.case_number, &ev);
	assert_string_equal(c->severity, "B");
	assert_string_equal(c->level, "premier");
	assert_string_equal(c->contract, "C-100");
	assert_string_equal(c->region, "EMEA");
	assert_int_equal(c->due, utc(2026, 11, 23, 10, 30));
	assert_int_equal(ev.count, 1);
	assert_non_null(strstr(ev.last, "active premier contract C-100"));

	/* a follow-up changes none of it and adds no event */
	ctx.now = fri + 60;
	r = ingest(&ctx, "alice@acme.example", "Re: [Case #1] Export broken -- URGENT",
		   "n2@x", "");
	assert_int_equal(r.outcome, INGEST_APPENDED);
	c = get_case(f, 1, &ev);
	assert_string_equal(c->severity, "B");
	assert_int_equal(ev.count, 1);

	/* the account's region is kept; the target follows the contract's */
	ctx.default_region = "AMS";
	r = ingest(&ctx, "alice@acme.example", "Export broken again", "n3@x", "");
	c = get_case(f, r.case_number, &ev);
	assert_string_equal(c->region, "AMS");
	assert_int_equal(c->due, utc(2026, 11, 23, 10, 30) + 60);   /* opened a minute later */

	/* automatic mail: severity and contract, no due */
	r = ingest(&ctx, "alice@acme.example", "Server down", "n4@x",
		   "Auto-Submitted: auto-generated\n");
	c = get_case(f, r.case_number, &ev);
	assert_string_equal(c->severity, "A");
	assert_int_equal(c->due, 0);
	assert_non_null(strstr(ev.last, "automatic mail (auto-submitted"));

	/* nobody known: level none, no due, the account's region */
	r = ingest(&ctx, "nobody@nowhere.example", "Hello", "n5@x", "");
	c = get_case(f, r.case_number, &ev);
	assert_string_equal(c->level, "none");
	assert_null(c->contract);
	assert_int_equal(c->due, 0);
	assert_string_equal(c->region, "AMS");

	/* without the entitlement object nothing is computed */
	ctx.entitle = NULL;
	r = ingest(&ctx, "alice@acme.example", "Printer broken", "n6@x", "");
	c = get_case(f, r.case_number, &ev);
	assert_null(c->severity);
	assert_null(c->level);
	assert_int_equal(ev.count, 0);

	pool_free(&ctx.pool);
	fp_matcher_free(&matcher);
}

/* compose_case_data()'s part: case.severity, case.due, case.due_local in
 * the case region's zone, team.* of the region (else the gateway). */
static void test_case_data(void **state)
{
	struct config *c = NULL;
	struct store_case cs;
	char path[] = "/tmp/sgw-entitle-XXXXXX", *err = NULL;
	const char *ini = "[smtp]\nurl = smtp://127.0.0.1:1\nstarttls = no\n"
			  "from = Example Support <support@vendor.example>\n"
			  "[region:EMEA]\nteam = \"EMEA Renewals\" <EMEA_renewals@Vendor.example>\n";
	int fd = mkstemp(path);
	json_t *d, *team, *jc;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
	close(fd);
	if (config_load(path, &c, &err) < 0)
		fail_msg("config_load: %s", err);
	unlink(path);
	memset(&cs, 0, sizeof(cs));
	cs.number = 7;
	cs.subject = "x";
	cs.requester = "a@b.example";
	cs.severity = "B";
	cs.due = utc(2026, 11, 23, 8, 0);
	cs.region = "emea";
	d = compose_case_data(c, &cs, NULL);
	jc = json_object_get(d, "case");
	team = json_object_get(d, "team");
	assert_string_equal(json_string_value(json_object_get(jc, "severity")), "B");
	assert_string_equal(json_string_value(json_object_get(jc, "due")), "2026-11-23T08:00:00Z");
	assert_string_equal(json_string_value(json_object_get(jc, "due_local")),
			    "2026-11-23 09:00 Europe/Paris");
	assert_string_equal(json_string_value(json_object_get(team, "name")), "EMEA Renewals");
	assert_string_equal(json_string_value(json_object_get(team, "address")),
			    "emea_renewals@vendor.example");
	assert_string_equal(json_string_value(json_object_get(team, "region")), "EMEA");
	json_decref(d);
	/* a region without a team, no region: the gateway; no due, no
	 * severity: absent */
	cs.region = "AMS";
	cs.due = 0;
	cs.severity = NULL;
	d = compose_case_data(c, &cs, NULL);
	team = json_object_get(d, "team");
	assert_string_equal(json_string_value(json_object_get(team, "name")), "Example Support");
	assert_string_equal(json_string_value(json_object_get(team, "address")), "support@vendor.example");
	assert_string_equal(json_string_value(json_object_get(team, "region")), "AMS");
	assert_null(json_object_get(json_object_get(d, "case"), "due"));
	assert_null(json_object_get(json_object_get(d, "case"), "due_local"));
	assert_null(json_object_get(json_object_get(d, "case"), "severity"));
	json_decref(d);
	cs.region = NULL;
	cs.due = utc(2026, 11, 23, 8, 0);
	d = compose_case_data(c, &cs, NULL);
	assert_true(json_is_null(json_object_get(json_object_get(d, "team"), "region")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "case"), "due_local")),
			    "2026-11-23 08:00 UTC");
	json_decref(d);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_by_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_contract_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_serial_and_renewal_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_best_pick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_and_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_in_local_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_due_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entitle_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_of_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_and_json, setup, teardown),
		cmocka_unit_test(test_key_patterns),
		cmocka_unit_test_setup_teardown(test_key_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_new_cases, setup, teardown),
		cmocka_unit_test(test_case_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
