/*
 * template.h - the mail templates the gateway answers with: one file per
 * language and kind, DIR/<lang>/<name>.mustache (lang: 2-3 lower-case
 * letters; name: [a-z0-9_]+), all read and parsed once at start-up and
 * rendered once per outgoing mail.  Other files in DIR are ignored (a
 * README, an editor's backup).
 *
 * A template file is a small format of its own, not RFC 5322 mail:
 *
 *   Subject: {{case.tag}} {{case.subject}}
 *   Reply-To: ...            (optional)
 *   Cc: ...                  (optional)
 *                            (one blank line)
 *   Dear {{customer.name}},  (the body, up to the end of the file)
 *
 * Header names are case-insensitive; Subject is required, Reply-To and Cc
 * are allowed, nothing else (the composer writes every other header).
 * Each header value and the body are Mustache templates of their own
 * (mustache.h), rendered as plain text (no HTML escaping).  A rendered
 * header value is one line: runs of spaces and control characters (CR and
 * LF included) become one space and the ends are trimmed, so no data can
 * add a header (compose_message() guards again).  Files are UTF-8, at most
 * TEMPLATE_MAX_FILE bytes; a leading byte-order mark is skipped.
 *
 * The variables a template may use are listed once, in template.c (the
 * data compose_case_data() builds; see compose.h); template_check()
 * reports any other name.
 *
 * Ownership: the set belongs to the caller of template_set_load*() and is
 * freed with template_set_free(); it keeps its own copies of everything.
 * template_render() borrows data for the call only and allocates what it
 * returns in out from the pool given.  Nothing here logs: the caller
 * decides what a fallback or a problem deserves.
 * Errors: -1 with a malloc()ed message in *error_r (the caller frees it)
 * that names the file, and the line when there is one:
 * "DIR/fr/ack_new_case.mustache: line 4: unknown header 'From'".
 */
#ifndef SUPPORTGW_TEMPLATE_H
#define SUPPORTGW_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct config;
struct pool;
struct template_set;

/* Larger template files are refused (a template is a short mail). */
#define TEMPLATE_MAX_FILE (64 * 1024)

/* What template_render() hands back (strings from the pool). */
struct template_result {
	const char *lang;       /* the language used */
	bool fell_back;         /* lang was not available: "en" was used */
	const char *subject;    /* one line, trimmed; never NULL */
	const char *cc;         /* NULL when absent or rendered empty */
	const char *reply_to;   /* NULL when absent or rendered empty */
	const char *body;       /* as rendered, LF (or the file's CRLF) lines */
	size_t body_len;
};

/*
 * A problem found in a template: file is the template's path (DIR/lang/
 * name.mustache, also for a file that should exist and does not); line is
 * 0 when the problem is about the whole file.
 */
typedef void template_problem_cb(void *ctx, const char *file, unsigned line,
				 const char *problem);

/* Reads and parses every template under dir; the first broken file makes
 * the whole load fail (the gateway never answers with half a set). */
int template_set_load(const char *dir, struct template_set **set_r,
		      char **error_r) __attribute__((warn_unused_result));
/*
 * The same, for `supportgw templates check`: a broken file is reported
 * through cb and left out of the set, and loading goes on, so that one run
 * shows every problem.  Returns the number of broken files, or -1 (with
 * *error_r) when dir itself cannot be read.
 */
int template_set_load_report(const char *dir, template_problem_cb *cb,
			     void *ctx, struct template_set **set_r,
			     char **error_r) __attribute__((warn_unused_result));
/* Accepts NULL and *set == NULL; sets *set to NULL. */
void template_set_free(struct template_set **set);

/* Template files found (broken ones included) and languages among them. */
void template_set_counts(const struct template_set *set, size_t *templates_r,
			 size_t *languages_r);

/*
 * Renders template name in lang (NULL: "en"; "fr-CA" and "FR" count as
 * "fr"), else in "en": then out->fell_back is set and the caller may log
 * it.  data is the root context (compose_case_data(); NULL acts as {}).
 * Fails when the template is in neither language ("no template NAME
 * (looked in LANG and en)") or its output passes the size caps.
 */
int template_render(const struct template_set *set, const char *name,
		    const char *lang, const json_t *data, struct pool *pool,
		    struct template_result *out, char **error_r)
	__attribute__((warn_unused_result));
/* Whether template_render() would find name for lang (itself or "en"). */
bool template_exists(const struct template_set *set, const char *name,
		     const char *lang);

/*
 * Calls cb for every problem a loaded set has, and returns their count:
 *   - a variable that is not one the gateway provides (outside sections a
 *     name must be a known variable or a prefix of one, like `case`;
 *     inside a section any name may resolve against the section's value,
 *     except one starting with a known object's name such as `case.`,
 *     which is checked like outside: it resolves from the root);
 *   - a template that exists in some language but not in "en", the
 *     fallback of every language;
 *   - a required template (the four answers of a case) missing in "en".
 */
int template_check(const struct template_set *set, template_problem_cb *cb,
		   void *ctx);

/*
 * Where the templates are when no --dir is given: the config's [gateway]
 * templates, else $SUPPORTGW_TEMPLATES, else ./templates when it is a
 * folder, else SUPPORTGW_DATADIR/templates (where `make install` puts
 * them).  The string is the config's, the environment's or static.
 */
const char *template_default_dir(const struct config *c);

#endif
