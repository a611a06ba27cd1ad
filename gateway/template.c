/* template.c - the mail templates, loaded once, rendered per mail; see
 * include/template.h. */
#include "template.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "charset.h"
#include "config.h"
#include "mustache.h"
#include "pool.h"
#include "strbuf.h"
#include "util.h"

/* Where `make install` puts the templates (the Makefile defines it). */
#ifndef SUPPORTGW_DATADIR
#define SUPPORTGW_DATADIR "/usr/local/share/supportgw"
#endif

/* Output caps: a header value stays far below what any relay accepts even
 * after encoding, and no acknowledgement is a megabyte long; reaching a cap
 * means runaway data, and the mail is better not sent. */
#define MAX_HEADER_OUT (16 * 1024)
#define MAX_BODY_OUT (1024 * 1024)

#define SUFFIX ".mustache"

/*
 * The variables templates may use: what compose_case_data() provides (see
 * compose.h).  The one list `templates check` knows; issues that add data
 * (contracts, renewals) add their names here.
 */
static const char *const variables[] = {
	"case.number",
	"case.tag",
	"case.subject",
	"case.severity",
	"case.due",
	"case.status",
	"customer.name",
	"customer.email",
	"message.subject",
	"message.date",
	"gateway.address",
	"gateway.name",
	/* the regional renewal team of the case's region (config.h) */
	"team.name",
	"team.address",
	"team.region",
	/* renewal reminders (renewals.c): the contracts listed, a list whose
	 * items have id, product, serial, renewal_id, company, level,
	 * expires, days, days_ago and auto_renew (names inside a section are
	 * not checked); the earliest expiry, days until it (negative after)
	 * and since it, how many contracts, whether more than one, the
	 * run's date */
	"contracts",
	"renewal.expires",
	"renewal.days",
	"renewal.days_ago",
	"renewal.count",
	"renewal.several",
	"renewal.date",
	/* entitlement of a new case (entitle.h, answer.c): the due time in
	 * the region's zone, one boolean per variant of the
	 * acknowledgement, and the contract matched */
	"case.due_local",
	"entitlement.active",
	"entitlement.expired",
	"entitlement.recently_expired",
	"entitlement.none",
	"entitlement.level",
	"entitlement.contract",
	"entitlement.product",
	"entitlement.serial",
	"entitlement.expires",
	"entitlement.renewal_id",
	"entitlement.company",
};

/* The answers every case can need: the gateway cannot run without an "en"
 * version of each (every language falls back to it). */
static const char *const required[] = {
	"ack_new_case",
	"ack_follow_up",
	"case_reopened",
	"unverified_follow_up",
};

#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))

enum part_id {
	PART_SUBJECT,
	PART_REPLY_TO,
	PART_CC,
	PART_BODY,
	PART_COUNT,
};

/* The header lines a template may have, and where each goes. */
static const struct {
	const char *name;
	enum part_id part;
} headers[] = {
	{ "Subject", PART_SUBJECT },
	{ "Reply-To", PART_REPLY_TO },
	{ "Cc", PART_CC },
};

/* One separately parsed piece of a template file. */
struct part {
	struct mustache *tpl;   /* NULL: the header is absent */
	unsigned line;          /* the file's line the piece starts on */
};

struct template {
	char lang[4];
	const char *name;
	const char *path;
	bool broken;            /* found but not loadable (load_report only) */
	struct part parts[PART_COUNT];
};

struct template_set {
	struct pool *pool;      /* names, paths and the array */
	const char *dir;
	struct template *items; /* sorted by language, then name */
	size_t count;
	size_t alloc;
	size_t languages;
};

/* A failure while loading one file: the line (0: the whole file) and the
 * reason, in the set's pool. */
struct load_error {
	unsigned line;
	const char *reason;
};

static int load_fail(struct pool *pool, struct load_error *e, unsigned line,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int load_fail(struct pool *pool, struct load_error *e, unsigned line,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	e->line = line;
	e->reason = pool_vprintf(pool, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * mustache.h's errors read "line N: reason", N counted in the piece that was
 * parsed or rendered; the operator needs the line of the file.  Splits such
 * a message into a file line (first_line being the piece's first) and the
 * reason.
 */
static void relocate(const char *msg, unsigned first_line, unsigned *line_r,
		     const char **reason_r)
{
	uint64_t n;
	const char *colon;

	*line_r = first_line;
	*reason_r = msg;
	if (strncmp(msg, "line ", 5) != 0 || (colon = strchr(msg + 5, ':')) == NULL)
		return;
	if (parse_uint64_n(msg + 5, (size_t)(colon - msg - 5), UINT32_MAX, &n) < 0)
		return;
	*line_r = first_line + (unsigned)(n > 0 ? n - 1 : 0);
	*reason_r = colon[1] == ' ' ? colon + 2 : colon + 1;
}

static int parse_part(struct pool *pool, const char *text, size_t len,
		      unsigned line, struct part *part, struct load_error *e)
{
	char *error = NULL;
	const char *reason;
	unsigned at;

	part->line = line;
	if (mustache_parse(text, len, &part->tpl, &error) == 0)
		return 0;
	relocate(error != NULL ? error : "invalid template", line, &at, &reason);
	load_fail(pool, e, at, "%s", reason);
	free(error);
	return -1;
}

/* Text files only: no NUL, valid UTF-8 (a Latin-1 French template would
 * send mojibake to every customer). */
static int check_text(struct pool *pool, const char *data, size_t len,
		      struct load_error *e)
{
	const char *p = data, *end = data + len;
	unsigned line = 1;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);

		if (memchr(p, '\0', n) != NULL)
			return load_fail(pool, e, line, "NUL byte (not a text file)");
		if (!utf8_valid(p, n))
			return load_fail(pool, e, line, "not valid UTF-8 (save the file as UTF-8)");
		p += n + 1;
		line++;
	}
	return 0;
}

static int header_index(const char *name, size_t len)
{
	for (size_t i = 0; i < N_ITEMS(headers); i++) {
		if (strlen(headers[i].name) == len && str_ieqn(name, headers[i].name, len))
			return (int)i;
	}
	return -1;
}

/* Splits the file into header lines, a blank line and the body, and parses
 * each piece. */
static int parse_template(struct pool *pool, struct template *t,
			  const char *data, size_t len, struct load_error *e)
{
	const char *p = data, *end = data + len;
	unsigned line = 1;

	/* Editors on some systems start UTF-8 files with a byte-order mark;
	 * it would hide the first header's name. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (;; line++) {
		const char *eol, *next, *colon, *v, *vend;
		size_t n;
		int h;

		if (p >= end)
			return load_fail(pool, e, line > 1 ? line - 1 : 1,
					 "the headers must end with a blank line, then the body");
		eol = memchr(p, '\n', (size_t)(end - p));
		next = eol != NULL ? eol + 1 : end;
		n = (size_t)((eol != NULL ? eol : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			/* The blank line: the body is the rest, even empty. */
			if (parse_part(pool, next, (size_t)(end - next), line + 1,
				       &t->parts[PART_BODY], e) < 0)
				return -1;
			break;
		}
		if (*p == ' ' || *p == '\t')
			return load_fail(pool, e, line, "a header value must fit on one line "
					 "(continuation lines are not supported)");
		colon = memchr(p, ':', n);
		if (colon == NULL)
			return load_fail(pool, e, line, "expected a 'Name: value' header "
					 "line or the blank line that ends the headers");
		if ((h = header_index(p, (size_t)(colon - p))) < 0)
			return load_fail(pool, e, line, "unknown header '%.*s' (a template "
					 "may set only Subject, Reply-To and Cc)",
					 (int)(colon - p), p);
		if (t->parts[headers[h].part].tpl != NULL)
			return load_fail(pool, e, line, "%s given twice", headers[h].name);
		v = colon + 1;
		vend = p + n;
		while (v < vend && (*v == ' ' || *v == '\t'))
			v++;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		if (v == vend)
			return load_fail(pool, e, line, "empty %s", headers[h].name);
		if (parse_part(pool, v, (size_t)(vend - v), line,
			       &t->parts[headers[h].part], e) < 0)
			return -1;
		p = next;
	}
	if (t->parts[PART_SUBJECT].tpl == NULL)
		return load_fail(pool, e, 1, "no Subject: header (a template starts "
				 "with its header lines, Subject first)");
	return 0;
}

static void template_clear(struct template *t)
{
	for (int i = 0; i < PART_COUNT; i++)
		mustache_free(&t->parts[i].tpl);
}

static int load_file(struct pool *pool, struct template *t,
		     struct load_error *e)
{
	char *data = NULL;
	size_t len;
	int err = 0, ret;

	if (read_file(t->path, TEMPLATE_MAX_FILE, &data, &len, &err) < 0) {
		if (err == EFBIG)
			return load_fail(pool, e, 0, "larger than %d bytes (a template "
					 "is a short mail)", TEMPLATE_MAX_FILE);
		return load_fail(pool, e, 0, "%s", strerror(err));
	}
	ret = check_text(pool, data, len, e);
	if (ret == 0)
		ret = parse_template(pool, t, data, len, e);
	free(data);
	if (ret < 0)
		template_clear(t);
	return ret;
}

static bool is_lang(const char *s)
{
	size_t n = 0;

	while (s[n] >= 'a' && s[n] <= 'z')
		n++;
	return s[n] == '\0' && n >= 2 && n <= 3;
}

/* "NAME.mustache" with NAME in [a-z0-9_]+: the length of NAME, else 0. */
static size_t template_name_len(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
	       s[n] == '_')
		n++;
	return n > 0 && strcmp(s + n, SUFFIX) == 0 ? n : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The entries of path that pass accept() and are folders (want_dir) or
 * regular files (symbolic links followed), sorted: readdir()'s order would
 * make the problems' order differ from one machine to the next.
 */
static int list_dir(struct pool *pool, const char *path, bool want_dir,
		    bool (*accept)(const char *), const char ***names_r,
		    size_t *count_r)
{
	const char **names = NULL;
	size_t count = 0, alloc = 0;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *full;

		if (!accept(de->d_name))
			continue;
		full = pool_printf(pool, "%s/%s", path, de->d_name);
		if (stat(full, &st) < 0 ||
		    (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		if (count == alloc) {
			size_t grow = alloc == 0 ? 16 : alloc * 2;

			names = pool_realloc(pool, names, alloc * sizeof(*names),
					     grow * sizeof(*names));
			alloc = grow;
		}
		names[count++] = pool_strdup(pool, de->d_name);
	}
	closedir(d);
	if (count > 1)
		qsort(names, count, sizeof(*names), cmp_str);
	*names_r = names;
	*count_r = count;
	return 0;
}

static bool accept_template_name(const char *s)
{
	return template_name_len(s) > 0;
}

static struct template *set_add(struct template_set *set, const char *lang,
				const char *file)
{
	struct template *t;

	if (set->count == set->alloc) {
		size_t grow = set->alloc == 0 ? 16 : set->alloc * 2;

		set->items = pool_realloc(set->pool, set->items,
					  set->alloc * sizeof(*set->items),
					  grow * sizeof(*set->items));
		set->alloc = grow;
	}
	t = &set->items[set->count++];
	memset(t, 0, sizeof(*t));
	snprintf(t->lang, sizeof(t->lang), "%s", lang);
	t->name = pool_strndup(set->pool, file, template_name_len(file));
	t->path = pool_printf(set->pool, "%s/%s/%s", set->dir, lang, file);
	return t;
}

int template_set_load_report(const char *dir, template_problem_cb *cb,
			     void *ctx, struct template_set **set_r,
			     char **error_r)
{
	struct template_set *set;
	const char **langs;
	size_t nlangs, dlen = strlen(dir), broken = 0;

	*set_r = NULL;
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		abort();
	set->pool = pool_new(8192);
	/* "templates/" and "templates" name the same files the same way. */
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	set->dir = pool_strndup(set->pool, dir, dlen);
	if (list_dir(set->pool, set->dir, true, is_lang, &langs, &nlangs) < 0) {
		if (error_r != NULL && asprintf(error_r, "%s: %s", set->dir,
						strerror(errno)) < 0)
			abort();
		template_set_free(&set);
		return -1;
	}
	for (size_t l = 0; l < nlangs; l++) {
		const char *ldir = pool_printf(set->pool, "%s/%s", set->dir, langs[l]);
		const char **files;
		size_t nfiles;

		if (list_dir(set->pool, ldir, false, accept_template_name,
			     &files, &nfiles) < 0) {
			cb(ctx, ldir, 0, strerror(errno));
			broken++;
			continue;
		}
		if (nfiles > 0)
			set->languages++;
		for (size_t f = 0; f < nfiles; f++) {
			struct template *t = set_add(set, langs[l], files[f]);
			struct load_error e = { 0, NULL };

			if (load_file(set->pool, t, &e) < 0) {
				t->broken = true;
				cb(ctx, t->path, e.line, e.reason);
				broken++;
			}
		}
	}
	*set_r = set;
	return (int)(broken > INT32_MAX ? INT32_MAX : broken);
}

/* template_set_load() keeps the first problem as its error. */
struct first_problem {
	char *error;
};

static void keep_first(void *ctx, const char *file, unsigned line,
		       const char *problem)
{
	struct first_problem *fp = ctx;
	int r;

	if (fp->error != NULL)
		return;
	if (line > 0)
		r = asprintf(&fp->error, "%s: line %u: %s", file, line, problem);
	else
		r = asprintf(&fp->error, "%s: %s", file, problem);
	if (r < 0)
		abort();
}

int template_set_load(const char *dir, struct template_set **set_r,
		      char **error_r)
{
	struct first_problem fp = { NULL };
	int r = template_set_load_report(dir, keep_first, &fp, set_r, error_r);

	if (r <= 0)
		return r;
	template_set_free(set_r);
	if (error_r != NULL)
		*error_r = fp.error;
	else
		free(fp.error);
	return -1;
}

void template_set_free(struct template_set **set)
{
	if (set == NULL || *set == NULL)
		return;
	for (size_t i = 0; i < (*set)->count; i++)
		template_clear(&(*set)->items[i]);
	pool_free(&(*set)->pool);
	free(*set);
	*set = NULL;
}

void template_set_counts(const struct template_set *set, size_t *templates_r,
			 size_t *languages_r)
{
	*templates_r = set->count;
	*languages_r = set->languages;
}

/* The primary language subtag, lower-cased, into out[4]; false when lang
 * is not a language at all. */
static bool norm_lang(const char *lang, char out[4])
{
	size_t n = 0;

	while (n < 4 && ((lang[n] >= 'a' && lang[n] <= 'z') ||
			 (lang[n] >= 'A' && lang[n] <= 'Z'))) {
		if (n < 3)
			out[n] = (char)(lang[n] | 0x20);
		n++;
	}
	if (n < 2 || n > 3 || (lang[n] != '\0' && lang[n] != '-' && lang[n] != '_'))
		return false;
	out[n] = '\0';
	return true;
}

static const struct template *find(const struct template_set *set,
				   const char *name, const char *lang)
{
	for (size_t i = 0; i < set->count; i++) {
		const struct template *t = &set->items[i];

		if (!t->broken && strcmp(t->lang, lang) == 0 &&
		    strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

/* The template for name in lang, else in en (*fell_back_r set). */
static const struct template *choose(const struct template_set *set,
				     const char *name, const char *lang,
				     bool *fell_back_r)
{
	const struct template *t = NULL;
	char l[4];

	*fell_back_r = false;
	if (lang == NULL || *lang == '\0')
		return find(set, name, "en");
	if (norm_lang(lang, l) && (t = find(set, name, l)) != NULL)
		return t;
	if ((t = find(set, name, "en")) != NULL)
		*fell_back_r = true;
	return t;
}

bool template_exists(const struct template_set *set, const char *name,
		     const char *lang)
{
	bool fell_back;

	return choose(set, name, lang, &fell_back) != NULL;
}

/* A header value is one line: every run of spaces and control characters
 * (CR, LF, TAB, NUL...) becomes one space, and the ends are trimmed. */
static size_t one_line(char *s, size_t len)
{
	size_t w = 0;
	bool gap = false;

	for (size_t r = 0; r < len; r++) {
		unsigned char c = (unsigned char)s[r];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			gap = true;
			continue;
		}
		if (gap && w > 0)
			s[w++] = ' ';
		gap = false;
		s[w++] = (char)c;
	}
	s[w] = '\0';
	return w;
}

static int render_part(const struct template *t, enum part_id id,
		       const json_t *data, struct pool *pool,
		       const char **str_r, size_t *len_r, char **error_r)
{
	const struct part *part = &t->parts[id];
	struct strbuf out;
	char *error = NULL, *s;
	size_t len;

	*str_r = NULL;
	if (len_r != NULL)
		*len_r = 0;
	if (part->tpl == NULL)
		return 0;
	strbuf_init(&out, id == PART_BODY ? MAX_BODY_OUT : MAX_HEADER_OUT);
	if (mustache_render(part->tpl, data, MUSTACHE_NO_ESCAPE, &out, &error) < 0) {
		const char *reason;
		unsigned line;

		relocate(error != NULL ? error : "cannot render", part->line,
			 &line, &reason);
		if (error_r != NULL && asprintf(error_r, "%s: line %u: %s",
						t->path, line, reason) < 0)
			abort();
		free(error);
		strbuf_deinit(&out);
		return -1;
	}
	len = out.len;
	s = pool_memdup(pool, strbuf_str(&out), len);
	strbuf_deinit(&out);
	if (id != PART_BODY) {
		len = one_line(s, len);
		if (len == 0 && id != PART_SUBJECT)
			s = NULL;
	}
	*str_r = s;
	if (len_r != NULL)
		*len_r = len;
	return 0;
}

int template_render(const struct template_set *set, const char *name,
		    const char *lang, const json_t *data, struct pool *pool,
		    struct template_result *out, char **error_r)
{
	const struct template *t;
	bool fell_back;

	memset(out, 0, sizeof(*out));
	t = choose(set, name, lang, &fell_back);
	if (t == NULL) {
		const char *asked = lang != NULL && *lang != '\0' ? lang : "en";

		if (error_r != NULL &&
		    (strcmp(asked, "en") == 0 ?
		     asprintf(error_r, "no template %s (looked in en)", name) :
		     asprintf(error_r, "no template %s (looked in %s and en)",
			      name, asked)) < 0)
			abort();
		return -1;
	}
	out->lang = t->lang;
	out->fell_back = fell_back;
	if (render_part(t, PART_SUBJECT, data, pool, &out->subject, NULL, error_r) < 0 ||
	    render_part(t, PART_CC, data, pool, &out->cc, NULL, error_r) < 0 ||
	    render_part(t, PART_REPLY_TO, data, pool, &out->reply_to, NULL, error_r) < 0 ||
	    render_part(t, PART_BODY, data, pool, &out->body, &out->body_len, error_r) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	/* A body-less template (nothing after the blank line) still renders. */
	if (out->body == NULL)
		out->body = "";
	return 0;
}

/* Is name a known variable, or the object holding some ("case")? */
static bool known(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < N_ITEMS(variables); i++) {
		if (strncmp(variables[i], name, n) == 0 &&
		    (variables[i][n] == '\0' || variables[i][n] == '.'))
			return true;
	}
	return false;
}

/* Does name start with a known object's name ("case.x" -> "case")? */
static bool rooted(const char *name)
{
	size_t n = strcspn(name, ".");

	for (size_t i = 0; i < N_ITEMS(variables); i++) {
		if (strncmp(variables[i], name, n) == 0 && variables[i][n] == '.')
			return true;
	}
	return false;
}

struct check_ctx {
	template_problem_cb *cb;
	void *ctx;
	const struct template *t;
	unsigned first_line;    /* of the piece being checked */
	int problems;
};

static void check_name(void *ctx_, const char *name, bool in_section,
		       unsigned line)
{
	struct check_ctx *cc = ctx_;
	char *msg;

	/*
	 * Inside a section a name may resolve against the section's value
	 * (`{{#case}}{{number}}{{/case}}`).  The known values are strings
	 * and objects without members named like the roots, so a name that
	 * starts with a root resolves from the root whatever the section:
	 * `{{case.dew}}` is a typo there too.
	 */
	if (in_section && !rooted(name))
		return;
	if (known(name))
		return;
	if (asprintf(&msg, "unknown variable '%s'", name) < 0)
		abort();
	cc->cb(cc->ctx, cc->t->path, cc->first_line + (line > 0 ? line - 1 : 0), msg);
	free(msg);
	cc->problems++;
}

static bool in_lang(const struct template_set *set, const char *name,
		    const char *lang)
{
	for (size_t i = 0; i < set->count; i++) {
		/* broken files count: their problem is reported already */
		if (strcmp(set->items[i].lang, lang) == 0 &&
		    strcmp(set->items[i].name, name) == 0)
			return true;
	}
	return false;
}

static bool is_required(const char *name)
{
	for (size_t i = 0; i < N_ITEMS(required); i++) {
		if (strcmp(required[i], name) == 0)
			return true;
	}
	return false;
}

/* A template that should be at DIR/en/NAME.mustache and is not. */
static void report_missing(struct check_ctx *cc, const struct template_set *set,
			   const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report_missing(struct check_ctx *cc, const struct template_set *set,
			   const char *name, const char *fmt, ...)
{
	va_list ap;
	char *file, *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0 ||
	    asprintf(&file, "%s/en/%s" SUFFIX, set->dir, name) < 0)
		abort();
	va_end(ap);
	cc->cb(cc->ctx, file, 0, msg);
	free(file);
	free(msg);
	cc->problems++;
}

int template_check(const struct template_set *set, template_problem_cb *cb,
		   void *ctx)
{
	struct check_ctx cc = { .cb = cb, .ctx = ctx };

	for (size_t i = 0; i < set->count; i++) {
		const struct template *t = &set->items[i];

		if (t->broken)
			continue;
		cc.t = t;
		/* In file order: Subject, Reply-To and Cc lines come before
		 * the body, and each knows its line. */
		for (int p = 0; p < PART_COUNT; p++) {
			if (t->parts[p].tpl == NULL)
				continue;
			cc.first_line = t->parts[p].line;
			mustache_names(t->parts[p].tpl, check_name, &cc);
		}
	}
	/* Every template needs its "en" version: the fallback of all. */
	for (size_t i = 0; i < set->count; i++) {
		const struct template *t = &set->items[i];
		bool first = true;

		if (is_required(t->name) || in_lang(set, t->name, "en"))
			continue;
		/* one report per name, from its first language */
		for (size_t j = 0; j < i; j++)
			if (strcmp(set->items[j].name, t->name) == 0)
				first = false;
		if (first)
			report_missing(&cc, set, t->name, "missing: %s/%s" SUFFIX
				       " exists, and en is the fallback of every "
				       "language", t->lang, t->name);
	}
	for (size_t i = 0; i < N_ITEMS(required); i++) {
		if (!in_lang(set, required[i], "en"))
			report_missing(&cc, set, required[i],
				       "missing: the gateway needs this template");
	}
	return cc.problems;
}

const char *template_default_dir(const struct config *c)
{
	const char *env = getenv("SUPPORTGW_TEMPLATES");
	struct stat st;

	if (c != NULL && c->templates_dir != NULL && *c->templates_dir != '\0')
		return c->templates_dir;
	if (env != NULL && *env != '\0')
		return env;
	if (stat("./templates", &st) == 0 && S_ISDIR(st.st_mode))
		return "./templates";
	return SUPPORTGW_DATADIR "/templates";
}
