/*
 * mustache.h - a small Mustache renderer (https://mustache.github.io/ spec
 * modules interpolation, sections, inverted, comments and delimiters) over
 * jansson data.  Written here because Debian packages no C Mustache library.
 *
 * A template is parsed once and rendered many times (one answer per mail).
 * Parsing does no I/O and has limits: sections nest at most
 * MUSTACHE_MAX_DEPTH deep, rendering stops at the output buffer's cap.
 *
 * Deliberate choices where the spec is silent:
 *   - The empty string is falsey (a section over "" is skipped, an inverted
 *     one rendered); numbers, 0 included, are truthy.
 *   - Interpolating an object or an array prints nothing; true and false
 *     print "true" and "false"; null and missing names print nothing.
 *   - Reals print with the fewest digits that read back as the same double
 *     (1.210 -> "1.21"); integers print without decimals.
 *   - Partials ({{> name}}), lambdas and inheritance are not supported:
 *     a partial tag is a parse error.
 *
 * Ownership: the template is owned by the caller of mustache_parse() and
 * freed with mustache_free(); it keeps its own copy of the text.  The data
 * passed to mustache_render() is borrowed for the call only.
 * Errors: fallible functions return 0, or -1 with a malloc()ed message
 * "line N: reason" in *error_r (the caller frees it).  The message names
 * the template, never the data, so it can be shown to an operator.
 */
#ifndef SUPPORTGW_MUSTACHE_H
#define SUPPORTGW_MUSTACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct mustache;
struct strbuf;

/* Deepest nesting of sections (and inverted sections) a template may use. */
#define MUSTACHE_MAX_DEPTH 100

/* Render flags. */
enum {
	/* Plain-text output (mail bodies): {{x}} is not HTML-escaped. */
	MUSTACHE_NO_ESCAPE = 1,
};

/* Parses len bytes of text (LF or CRLF lines, NULs allowed in literal
 * text).  On error *tpl_r is left NULL. */
int mustache_parse(const char *text, size_t len, struct mustache **tpl_r,
		   char **error_r) __attribute__((warn_unused_result));
/* Accepts NULL and *tpl == NULL; sets *tpl to NULL. */
void mustache_free(struct mustache **tpl);

/*
 * Renders with data (any JSON value, usually an object; NULL acts as {}) as
 * the root context, appending to out.  Fails only when the output would
 * pass out's cap; out is then left as it was before the call.
 */
int mustache_render(const struct mustache *tpl, const json_t *data,
		    unsigned flags, struct strbuf *out, char **error_r)
	__attribute__((warn_unused_result));

/*
 * Calls cb, in template order, for the name of every interpolation, section
 * and inverted section tag (not closing tags): the full dotted name as
 * written ("." for the implicit iterator, ".x" for a leading dot), whether
 * the tag sits inside a section (where names may resolve against the
 * section's value instead of the root) and its line.  For checking a
 * template against the list of variables the gateway provides.
 */
typedef void mustache_name_cb(void *ctx, const char *name, bool in_section,
			      unsigned line);
void mustache_names(const struct mustache *tpl, mustache_name_cb *cb,
		    void *ctx);

#endif
