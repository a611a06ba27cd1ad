/*
 * contracts.c - the contracts file's header and rows; see include/contracts.h.
 */
#include "contracts.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "csv.h"
#include "dates.h"
#include "log.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

enum column {
	COL_CONTRACT, COL_EMAIL, COL_NAME, COL_COMPANY, COL_PRODUCT,
	COL_SERIAL, COL_REGION, COL_LANGUAGE, COL_LEVEL, COL_STARTS,
	COL_EXPIRES, COL_AUTO_RENEW, COL_RENEWAL_ID, COL_COUNT
};

static const char *const column_names[COL_COUNT] = {
	"contract", "customer_email", "customer_name", "company", "product",
	"serial", "region", "language", "level", "starts", "expires",
	"auto_renew", "renewal_id",
};

/* Contract ids seen so far: open addressing over indexes into entries,
 * the ids themselves in one growing block, so a million rows cost three
 * allocations that double, not a million. */
struct seen_entry {
	size_t off;          /* into ids */
	uint64_t line;
	uint32_t hash, len;
};

struct contracts_file {
	const struct config *config;
	contracts_error_fn *error;
	void *ctx;
	int col[COL_COUNT];          /* field index of each column, or -1 */
	size_t ncols;                /* fields of the header */
	struct strbuf msg;           /* the sentence being reported */
	struct strbuf regions;       /* "EMEA, AMS, ..." for messages */

	char *ids;
	size_t ids_len, ids_alloc;
	struct seen_entry *entries;
	size_t nentries, entries_alloc;
	uint32_t *slots;             /* entry index + 1; 0 = empty */
	size_t nslots;
};

const char *contracts_columns(void)
{
	return "contract, customer_email, customer_name, company, product, "
	       "serial, region, language, level, starts, expires, auto_renew, "
	       "renewal_id";
}

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (q == NULL)
		fatal("contracts: out of memory (%zu bytes)", size);
	return q;
}

struct contracts_file *contracts_file_new(const struct config *config,
					  contracts_error_fn *error, void *ctx)
{
	struct contracts_file *f = xrealloc(NULL, sizeof(*f));

	memset(f, 0, sizeof(*f));
	f->config = config;
	f->error = error;
	f->ctx = ctx;
	for (int i = 0; i < COL_COUNT; i++)
		f->col[i] = -1;
	strbuf_init(&f->msg, 4096);
	strbuf_init(&f->regions, 4096);
	for (size_t i = 0; i < config->region_count; i++) {
		if (strbuf_appendf(&f->regions, "%s%s", i > 0 ? ", " : "",
				   config->regions[i].name) < 0)
			break;
	}
	return f;
}

void contracts_file_free(struct contracts_file **fp)
{
	struct contracts_file *f = *fp;

	if (f == NULL)
		return;
	strbuf_deinit(&f->msg);
	strbuf_deinit(&f->regions);
	free(f->ids);
	free(f->entries);
	free(f->slots);
	free(f);
	*fp = NULL;
}

/* ---- reporting ------------------------------------------------------------ */

/* Appends 'value' for a message: at most 60 bytes (cut on a character
 * boundary, then "..."), control characters as \xNN, so that a hostile or
 * binary value cannot garble the terminal or the line structure. */
static void append_value(struct strbuf *b, const char *v)
{
	size_t n = 0;
	int rc = strbuf_appendc(b, '\'');

	for (; v[n] != '\0' && rc == 0; n++) {
		unsigned char c = (unsigned char)v[n];

		if (n >= 60 && (c & 0xc0) != 0x80) {
			rc = strbuf_appendstr(b, "...");
			break;
		}
		if (c < 0x20 || c == 0x7f)
			rc = strbuf_appendf(b, "\\x%02X", c);
		else
			rc = strbuf_appendc(b, (char)c);
	}
	if (rc == 0)
		rc = strbuf_appendc(b, '\'');
	(void)rc;   /* the cap only shortens a message */
}

/* report(f, line, "column: problem %v (hint)", value): %v is the value
 * quoted as above; other text is literal. */
static void report(struct contracts_file *f, uint64_t line, const char *fmt,
		   const char *value)
{
	const char *v = strstr(fmt, "%v");

	strbuf_reset(&f->msg);
	if (v == NULL) {
		if (strbuf_appendstr(&f->msg, fmt) < 0)
			strbuf_reset(&f->msg);
	} else {
		if (strbuf_append(&f->msg, fmt, (size_t)(v - fmt)) < 0)
			strbuf_reset(&f->msg);
		append_value(&f->msg, value);
		if (strbuf_appendstr(&f->msg, v + 2) < 0)
			strbuf_reset(&f->msg);
	}
	f->error(f->ctx, line, strbuf_str(&f->msg));
}

static void reportf(struct contracts_file *f, uint64_t line, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static void reportf(struct contracts_file *f, uint64_t line, const char *fmt,
		    ...)
{
	va_list ap;
	int rc;

	strbuf_reset(&f->msg);
	va_start(ap, fmt);
	rc = strbuf_vappendf(&f->msg, fmt, ap);
	va_end(ap);
	(void)rc;
	f->error(f->ctx, line, strbuf_str(&f->msg));
}

/* ---- header ---------------------------------------------------------------- */

/* Trims spaces, tabs and line breaks around s in place. */
static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	s[n] = '\0';
	return s;
}

int contracts_header(struct contracts_file *f, struct csv_record *rec)
{
	bool bad = false;

	f->ncols = rec->count;
	for (size_t i = 0; i < rec->count; i++) {
		char *name = trim(rec->fields[i]);
		int c;

		for (c = 0; c < COL_COUNT; c++) {
			if (str_ieq(name, column_names[c]))
				break;
		}
		if (*name == '\0') {
			reportf(f, rec->line, "column %zu of the header has no name (columns: %s)",
				i + 1, contracts_columns());
			bad = true;
		} else if (c == COL_COUNT) {
			char fmt[512];

			snprintf(fmt, sizeof(fmt), "unknown column %%v (columns: %s)",
				 contracts_columns());
			report(f, rec->line, fmt, name);
			bad = true;
		} else if (f->col[c] >= 0) {
			reportf(f, rec->line, "column '%s' appears twice (columns %d and %zu)",
				column_names[c], f->col[c] + 1, i + 1);
			bad = true;
		} else {
			f->col[c] = (int)i;
		}
	}
	if (!bad && f->col[COL_CONTRACT] < 0) {
		reportf(f, rec->line, "no 'contract' column: it is required (columns: %s)",
			contracts_columns());
		bad = true;
	}
	return bad ? -1 : 0;
}

/* ---- the ids seen (duplicates) -------------------------------------------- */

static uint32_t hash_id(const char *s, size_t len)
{
	/* FNV-1a */
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void seen_grow(struct contracts_file *f)
{
	size_t n = f->nslots == 0 ? 1024 : f->nslots * 2;
	uint32_t *slots = xrealloc(NULL, n * sizeof(*slots));

	memset(slots, 0, n * sizeof(*slots));
	for (size_t e = 0; e < f->nentries; e++) {
		size_t i = f->entries[e].hash & (n - 1);

		while (slots[i] != 0)
			i = (i + 1) & (n - 1);
		slots[i] = (uint32_t)(e + 1);
	}
	free(f->slots);
	f->slots = slots;
	f->nslots = n;
}

/* 0 when id is new (now remembered with its line), else the line of the
 * row that had it first. */
static uint64_t seen_add(struct contracts_file *f, const char *id,
			 uint64_t line)
{
	size_t len = strlen(id), i;
	uint32_t h = hash_id(id, len);
	struct seen_entry *e;

	/* at most half full: probes stay short */
	if ((f->nentries + 1) * 2 > f->nslots)
		seen_grow(f);
	for (i = h & (f->nslots - 1); f->slots[i] != 0; i = (i + 1) & (f->nslots - 1)) {
		e = &f->entries[f->slots[i] - 1];
		if (e->hash == h && e->len == len &&
		    memcmp(f->ids + e->off, id, len) == 0)
			return e->line;
	}
	if (f->nentries == UINT32_MAX - 1)
		fatal("contracts: more than %u rows", UINT32_MAX - 1);
	if (f->nentries == f->entries_alloc) {
		f->entries_alloc = f->entries_alloc == 0 ? 1024 : f->entries_alloc * 2;
		f->entries = xrealloc(f->entries, f->entries_alloc * sizeof(*f->entries));
	}
	if (f->ids_len + len > f->ids_alloc) {
		f->ids_alloc = f->ids_alloc == 0 ? 65536 : f->ids_alloc;
		while (f->ids_len + len > f->ids_alloc)
			f->ids_alloc *= 2;
		f->ids = xrealloc(f->ids, f->ids_alloc);
	}
	memcpy(f->ids + f->ids_len, id, len);
	f->entries[f->nentries] = (struct seen_entry){
		.off = f->ids_len, .line = line, .hash = h, .len = (uint32_t)len,
	};
	f->ids_len += len;
	f->slots[i] = (uint32_t)(++f->nentries);
	return 0;
}

/* ---- row checks ---------------------------------------------------------- */

static bool has_control(const char *s, bool allow_breaks)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (allow_breaks && (c == '\t' || c == '\n' || c == '\r'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/* A plausible addr-spec (RFC 5322 3.4.1, without quoted local parts or
 * domain literals, which no contract system exports; RFC 6531 UTF-8
 * allowed): one @, a local part of atext and dots, a domain of two or more
 * labels of letters, digits and hyphens. */
static bool plausible_address(const char *a)
{
	const char *at = strchr(a, '@'), *p;
	size_t labels = 0, label_len = 0;

	if (at == NULL || at == a || strchr(at + 1, '@') != NULL ||
	    strlen(a) > 254)
		return false;
	for (p = a; p < at; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || strchr("\"(),:;<>[\\]", c) != NULL)
			return false;
		if (c == '.' && (p == a || p + 1 == at || p[1] == '.'))
			return false;
	}
	for (p = at + 1;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.' || c == '\0') {
			if (label_len == 0)
				return false;
			labels++;
			label_len = 0;
			if (c == '\0')
				break;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c >= 0x80))
			return false;
		label_len++;
	}
	return labels >= 2;
}

static bool language_code(char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			s[i] = (char)(c - 'A' + 'a');
		else if (c < 'a' || c > 'z')
			return false;
	}
	return true;
}

/* yes/no/true/false/1/0 (any case) -> 1 or 0; -1 otherwise. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };

	for (size_t i = 0; i < 3; i++) {
		if (str_ieq(s, yes[i]))
			return 1;
		if (str_ieq(s, no[i]))
			return 0;
	}
	return -1;
}

/* The trimmed value of a column, NULL when the file has no such column or
 * the value is empty. */
static char *value(const struct contracts_file *f, struct csv_record *rec,
		   enum column c)
{
	char *v;

	if (f->col[c] < 0)
		return NULL;
	v = trim(rec->fields[f->col[c]]);
	return *v != '\0' ? v : NULL;
}

/* An identifier-like text: no control characters, at most max bytes. */
static bool check_id(struct contracts_file *f, uint64_t line, enum column c,
		     const char *v, size_t max)
{
	char fmt[96];

	if (v == NULL)
		return true;
	if (has_control(v, false)) {
		snprintf(fmt, sizeof(fmt), "%s: control character in %%v", column_names[c]);
		report(f, line, fmt, v);
		return false;
	}
	if (strlen(v) > max) {
		snprintf(fmt, sizeof(fmt), "%s: longer than %zu bytes: %%v",
			 column_names[c], max);
		report(f, line, fmt, v);
		return false;
	}
	return true;
}

/* Free text: line breaks and tabs allowed where allow_breaks. */
static bool check_text(struct contracts_file *f, uint64_t line, enum column c,
		       const char *v, bool allow_breaks)
{
	char fmt[96];

	if (v == NULL)
		return true;
	if (has_control(v, allow_breaks)) {
		snprintf(fmt, sizeof(fmt), "%s: control character in %%v", column_names[c]);
		report(f, line, fmt, v);
		return false;
	}
	if (strlen(v) > CONTRACTS_MAX_TEXT) {
		snprintf(fmt, sizeof(fmt), "%s: longer than %d bytes: %%v",
			 column_names[c], CONTRACTS_MAX_TEXT);
		report(f, line, fmt, v);
		return false;
	}
	return true;
}

static bool check_date(struct contracts_file *f, uint64_t line, enum column c,
		       const char *v, int64_t *days_r)
{
	char fmt[96];

	if (v == NULL)
		return true;
	if (date_parse(v, days_r) < 0) {
		snprintf(fmt, sizeof(fmt), "%s: not a date: %%v (YYYY-MM-DD, a day that exists)",
			 column_names[c]);
		report(f, line, fmt, v);
		return false;
	}
	return true;
}

static bool blank(const struct csv_record *rec)
{
	return rec->count == 1 && rec->fields[0][strspn(rec->fields[0], " \t")] == '\0';
}

int contracts_row(struct contracts_file *f, struct csv_record *rec,
		  struct store_contract *c)
{
	uint64_t line = rec->line, first;
	int64_t starts = 0, expires = 0;
	bool ok = true, have_starts, have_expires;
	char *v;

	if (blank(rec))
		return 0;
	if (rec->count != f->ncols) {
		reportf(f, line, "%zu field%s, but the header has %zu",
			rec->count, rec->count == 1 ? "" : "s", f->ncols);
		return -1;
	}
	memset(c, 0, sizeof(*c));

	c->id = v = value(f, rec, COL_CONTRACT);
	if (v == NULL) {
		report(f, line, "contract: missing (every row needs a contract id)", NULL);
		ok = false;
	} else if (!check_id(f, line, COL_CONTRACT, v, CONTRACTS_MAX_ID)) {
		ok = false;
	} else if ((first = seen_add(f, v, line)) != 0) {
		char fmt[96];

		snprintf(fmt, sizeof(fmt), "contract: duplicate %%v, first on line %llu",
			 (unsigned long long)first);
		report(f, line, fmt, v);
		ok = false;
	}

	c->customer_email = v = value(f, rec, COL_EMAIL);
	if (v != NULL && !plausible_address(v)) {
		report(f, line, "customer_email: not an email address: %v", v);
		ok = false;
	}
	c->customer_name = value(f, rec, COL_NAME);
	ok &= check_text(f, line, COL_NAME, c->customer_name, false);
	c->company = value(f, rec, COL_COMPANY);
	ok &= check_text(f, line, COL_COMPANY, c->company, true);
	c->product = value(f, rec, COL_PRODUCT);
	ok &= check_text(f, line, COL_PRODUCT, c->product, true);
	c->serial = value(f, rec, COL_SERIAL);
	ok &= check_id(f, line, COL_SERIAL, c->serial, CONTRACTS_MAX_SERIAL);
	c->renewal_id = value(f, rec, COL_RENEWAL_ID);
	ok &= check_id(f, line, COL_RENEWAL_ID, c->renewal_id, CONTRACTS_MAX_ID);

	if ((v = value(f, rec, COL_REGION)) != NULL) {
		const struct region_config *r = config_region(f->config, v);

		if (r == NULL) {
			char fmt[4200];

			snprintf(fmt, sizeof(fmt), "region: unknown region %%v (known: %s)",
				 strbuf_str(&f->regions));
			report(f, line, fmt, v);
			ok = false;
		} else {
			c->region = r->name;     /* the configured spelling */
		}
	}
	if ((v = value(f, rec, COL_LANGUAGE)) != NULL) {
		if (!language_code(v)) {
			report(f, line, "language: not a language code: %v (2 or 3 letters, such as fr or en)", v);
			ok = false;
		}
		c->language = v;
	}
	c->level = config_level_name(LEVEL_NONE);
	if ((v = value(f, rec, COL_LEVEL)) != NULL) {
		int level = config_level_parse(v);

		if (level < 0) {
			report(f, line, "level: unknown level %v (premier, standard, ppi or none)", v);
			ok = false;
		} else {
			c->level = config_level_name((enum contract_level)level);
		}
	}
	c->starts = value(f, rec, COL_STARTS);
	have_starts = c->starts != NULL &&
		check_date(f, line, COL_STARTS, c->starts, &starts);
	ok &= c->starts == NULL || have_starts;
	c->expires = value(f, rec, COL_EXPIRES);
	have_expires = c->expires != NULL &&
		check_date(f, line, COL_EXPIRES, c->expires, &expires);
	ok &= c->expires == NULL || have_expires;
	if (have_starts && have_expires && starts > expires) {
		char fmt[96];

		snprintf(fmt, sizeof(fmt), "starts: %%v is after expires '%s'", c->expires);
		report(f, line, fmt, c->starts);
		ok = false;
	}
	if ((v = value(f, rec, COL_AUTO_RENEW)) != NULL) {
		int b = parse_bool(v);

		if (b < 0) {
			report(f, line, "auto_renew: not yes or no: %v (yes, no, true, false, 1 or 0)", v);
			ok = false;
		}
		c->auto_renew = b == 1;
	}
	return ok ? 1 : -1;
}
