/*
 * fingerprint.c - case number in a subject; see include/fingerprint.h.
 *
 * Every pattern is compiled once (textmatch_private.h's txm_compile(), the
 * flags the pattern parsers share) in fp_matcher_new() with PCRE2_UTF |
 * PCRE2_UCP | PCRE2_CASELESS and
 * PCRE2_MATCH_INVALID_UTF (subjects come from mail and may hold bytes that
 * are not UTF-8: with this option they act as barriers instead of making
 * pcre2_match() fail), and JIT compiled once the matcher has been used a
 * few hundred times (JIT-compiling every pattern costs more than matching
 * the one subject of a `deliver` process).  One match context carries the
 * match and depth limits, so a configured pattern such as "(a+)+b" cannot
 * make a hostile subject backtrack for minutes: past the limit the pattern
 * simply does not match.
 *
 * Thread safety: the matcher keeps its match data (scratch) behind its
 * pointer, so fp_extract() and fp_subject_base() take a const matcher but
 * must not be called on the same matcher from two threads at once.
 */
#include "fingerprint.h"

#include "textmatch_private.h"   /* pcre2.h, txm_compile() */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"
#include "util.h"

/* Enough for any subject: a built-in pattern needs a few hundred steps per
 * start position; a hostile configured one stops here instead of spinning. */
#define FP_MATCH_LIMIT 200000u
/* Only the interpreter (no JIT) uses the depth limit. */
#define FP_DEPTH_LIMIT 1000u
#define FP_JIT_STACK_START (32u * 1024u)
#define FP_JIT_STACK_MAX (512u * 1024u)
/* Quoted prefixes stay small. */
#define FP_REGEX_MAX 4096u
/* Widest zero padding fp_format_* honour (a uint64 has 20 digits). */
#define FP_DIGITS_MAX 32u

/*
 * Reply and forward prefixes mail clients put before a subject, by
 * language: Re/Fwd/Fw (English), TR and Réf. (French Outlook), AW and WG
 * (German), SV (Scandinavian), VS and VL (Finnish), RV (Spanish), Antw and
 * Doorst (Dutch), RES and ENC (Portuguese), Odp (Polish), Rif (Italian), YNT
 * (Turkish), and the Chinese forms.  Italian Outlook's bare "R:" and "I:"
 * are left out on purpose: real subjects start with "I: " too often.  Each
 * may carry a count ("Re[2]:", "Re(2):", "Re^2:") and spaces before the
 * colon ("RE :", French typography puts a no-break space there), which
 * PCRE2's \s matches in UCP mode.
 */
#define FP_REPLY_PREFIX \
	"(?:re|aw|antw|sv|vs|vl|wg|fwd?|tr|r[e\\x{e9}]f\\.?|rv|res|enc|odp|" \
	"rif|doorst|ynt|\\x{56de}\\x{590d}|\\x{56de}\\x{8986}|" \
	"\\x{8f6c}\\x{53d1}|\\x{7b54}\\x{590d})" \
	"\\s*(?:\\[[0-9]+\\]|\\([0-9]+\\)|\\^[0-9]+)?\\s*[:\\x{ff1a}]"
/* Tags mail gateways put before external mail: "[EXT]", "[External]". */
#define FP_EXTERNAL_TAG "\\[\\s*ext(?:ernal|erne?)?\\s*\\]"

struct fp_matcher {
	/* Tried in this order by fp_extract(): built-in tag, configured
	 * patterns, loose built-ins.  Each has exactly one capture group. */
	pcre2_code **codes;
	size_t code_count;
	/* The gateway's own tag, kept even without built-in patterns, for
	 * fp_subject_base(). */
	pcre2_code *tag;
	/* One leading prefix or tag, compiled anchored. */
	pcre2_code *prefix;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	/* Scratch: mutable behind the const pointer fp_extract() gets. */
	pcre2_match_data *md;
	struct fp_jit_state {
		unsigned matches;   /* pcre2_match() calls so far */
		bool done;          /* patterns JIT compiled */
	} *jit;
};

/* JIT compile after this many matches: an import JITs after a few dozen
 * messages, a one-message `deliver` never pays for it. */
#define FP_JIT_AFTER 256u

/*
 * Compiles one pattern.  what names it in errors: 'case number pattern
 * "..."' for a configured one, 'case prefix "..."' for a built-in one (which
 * only fails on a prefix that is not UTF-8).  When want_one_group is set the
 * pattern must have exactly one capture group.
 */
static pcre2_code *compile(const char *regex, const char *what,
			   bool want_one_group, uint32_t extra_flags,
			   char **error_r)
{
	return txm_compile(regex, extra_flags, want_one_group ? 1 : -1, what,
			   error_r);
}

static const char *what_configured(const char *pattern, char *buf, size_t size)
{
	snprintf(buf, size, "case number pattern \"%.200s\"", pattern);
	return buf;
}

int fp_pattern_check(const char *pattern, char **error_r)
{
	char what[256];
	pcre2_code *code;

	code = compile(pattern, what_configured(pattern, what, sizeof(what)),
		       true, 0, error_r);
	if (code == NULL)
		return -1;
	pcre2_code_free(code);
	return 0;
}

/*
 * Appends the case prefix as a regex matching it literally: ASCII
 * punctuation is backslash-escaped (PCRE2 reads "\" + non-alphanumeric as
 * the character itself; \Q...\E would break on a prefix holding "\E"), and
 * runs of white space match any white space ("Support  Case").
 */
static int append_quoted(struct strbuf *re, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		int r;

		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			while (p[1] == ' ' || p[1] == '\t' || p[1] == '\r' ||
			       p[1] == '\n')
				p++;
			r = strbuf_appendstr(re, "\\s+");
		} else if (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
			   (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
			r = strbuf_appendc(re, (char)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			r = strbuf_appendf(re, "\\x{%x}", *p);
		} else {
			r = strbuf_appendf(re, "\\%c", *p);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/* "[<prefix> #00012345]" in any case and spacing; "#" may be left out. */
static int build_tag_regex(struct strbuf *re, const char *prefix)
{
	if (strbuf_appendstr(re, "\\[\\s*") < 0 || append_quoted(re, prefix) < 0 ||
	    strbuf_appendstr(re, "\\s*#?\\s*([0-9]+)\\s*\\]") < 0)
		return -1;
	return 0;
}

/*
 * The loose forms, one pattern with a branch reset so that both branches
 * fill group 1 and the leftmost one wins: "<prefix> 00012345",
 * "Case #00012345", "Dossier 00012345", "Dossier n° 00012345",
 * "dossier no 00012345", "Dossier nº 12345", "Dossier N°00012345".  They
 * need four digits ("case 1 of 3" is not a case) and a number that is a
 * whole word, so "Case 5003000000D8cuI" (a Salesforce id) is not one.
 * (?<!\w) rather than \b before the word, since a prefix may start with
 * punctuation.
 */
static int build_loose_regex(struct strbuf *re, const char *prefix)
{
	if (strbuf_appendstr(re, "(?|(?<!\\w)(?:") < 0 ||
	    append_quoted(re, prefix) < 0 ||
	    strbuf_appendstr(re,
		"|case)\\s*#?\\s*([0-9]{4,})\\b"
		"|(?<!\\w)dossier\\s*"
		"(?:n\\s*[\\x{b0}\\x{ba}\\x{2da}]|no\\b\\.?|n\\.|num(?:[e\\x{e9}]ro)?\\b\\.?)?"
		"\\s*#?\\s*([0-9]{4,})\\b)") < 0)
		return -1;
	return 0;
}

/* One leading reply/forward prefix, "[EXT]" tag or our own tag. */
static int build_prefix_regex(struct strbuf *re, const char *prefix)
{
	if (strbuf_appendstr(re, "\\s*(?:" FP_REPLY_PREFIX "|" FP_EXTERNAL_TAG
			     "|\\[\\s*") < 0 ||
	    append_quoted(re, prefix) < 0 ||
	    strbuf_appendstr(re, "\\s*#?\\s*[0-9]+\\s*\\])") < 0)
		return -1;
	return 0;
}

void fp_matcher_free(struct fp_matcher **matcher)
{
	struct fp_matcher *m = matcher != NULL ? *matcher : NULL;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->code_count; i++) {
		if (m->codes[i] != m->tag)
			pcre2_code_free(m->codes[i]);
	}
	free(m->codes);
	pcre2_code_free(m->tag);
	pcre2_code_free(m->prefix);
	pcre2_match_data_free(m->md);
	free(m->jit);
	pcre2_match_context_free(m->mctx);
	pcre2_jit_stack_free(m->jit_stack);
	free(m);
	*matcher = NULL;
}

/*
 * Compiles the built-in regex build_* left in re (built < 0: it did not fit)
 * and empties re.  A built-in only fails to compile when the prefix is not
 * valid UTF-8.
 */
static pcre2_code *compile_builtin(struct strbuf *re, int built,
				   const char *case_prefix, uint32_t flags,
				   bool one_group, char **error_r)
{
	char what[256];
	pcre2_code *code = NULL;

	snprintf(what, sizeof(what), "case prefix \"%.200s\"", case_prefix);
	if (built < 0)
		*error_r = txm_error_dup("%s: too long", what);
	else
		code = compile(strbuf_str(re), what, one_group, flags, error_r);
	strbuf_reset(re);
	return code;
}

int fp_matcher_new(const char *case_prefix, bool builtin_patterns,
		   const char *const *patterns, size_t pattern_count,
		   struct fp_matcher **matcher_r, char **error_r)
{
	struct fp_matcher *m;
	struct strbuf re;

	*matcher_r = NULL;
	/* An empty prefix would make "[12345]" and any 4-digit number a
	 * case number. */
	if (case_prefix == NULL || case_prefix[0] == '\0') {
		*error_r = txm_error_dup("case prefix must not be empty");
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		fatal("out of memory");
	m->codes = calloc(pattern_count + 2, sizeof(*m->codes));
	if (m->codes == NULL)
		fatal("out of memory");
	strbuf_init(&re, FP_REGEX_MAX);

	m->tag = compile_builtin(&re, build_tag_regex(&re, case_prefix),
				 case_prefix, 0, true, error_r);
	if (m->tag == NULL)
		goto fail;
	/* Matched at a given offset, anchored there. */
	m->prefix = compile_builtin(&re, build_prefix_regex(&re, case_prefix),
				    case_prefix, PCRE2_ANCHORED, false, error_r);
	if (m->prefix == NULL)
		goto fail;
	if (builtin_patterns)
		m->codes[m->code_count++] = m->tag;
	for (size_t i = 0; i < pattern_count; i++) {
		char what[256];
		pcre2_code *code;

		code = compile(patterns[i],
			       what_configured(patterns[i], what, sizeof(what)),
			       true, 0, error_r);
		if (code == NULL)
			goto fail;
		m->codes[m->code_count++] = code;
	}
	if (builtin_patterns) {
		pcre2_code *loose;

		loose = compile_builtin(&re, build_loose_regex(&re, case_prefix),
					case_prefix, 0, true, error_r);
		if (loose == NULL)
			goto fail;
		m->codes[m->code_count++] = loose;
	}
	strbuf_deinit(&re);

	m->mctx = pcre2_match_context_create(NULL);
	m->md = pcre2_match_data_create(2, NULL);
	m->jit = calloc(1, sizeof(*m->jit));
	if (m->jit == NULL)
		fatal("out of memory");
	m->jit_stack = pcre2_jit_stack_create(FP_JIT_STACK_START,
					      FP_JIT_STACK_MAX, NULL);
	if (m->mctx == NULL || m->md == NULL || m->jit_stack == NULL)
		fatal("out of memory creating PCRE2 match data");
	pcre2_set_match_limit(m->mctx, FP_MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, FP_DEPTH_LIMIT);
	pcre2_jit_stack_assign(m->mctx, NULL, m->jit_stack);
	*matcher_r = m;
	return 0;

fail:
	strbuf_deinit(&re);
	fp_matcher_free(&m);
	return -1;
}

static void jit_all(const struct fp_matcher *m)
{
	/* A JIT failure (no JIT on this CPU, out of executable memory) is not
	 * an error: pcre2_match() falls back to the interpreter. */
	for (size_t i = 0; i < m->code_count; i++)
		(void)pcre2_jit_compile(m->codes[i], PCRE2_JIT_COMPLETE);
	if (m->tag != NULL)
		(void)pcre2_jit_compile(m->tag, PCRE2_JIT_COMPLETE);
	if (m->prefix != NULL)
		(void)pcre2_jit_compile(m->prefix, PCRE2_JIT_COMPLETE);
	m->jit->done = true;
}

/* 0 or 1 when a match was found (offsets in md), -1 for none. */
static int match_at(const struct fp_matcher *m, const pcre2_code *code,
		    const char *subject, size_t len, size_t offset)
{
	int rc;

	if (!m->jit->done && ++m->jit->matches > FP_JIT_AFTER)
		jit_all(m);
	rc = pcre2_match(code, (PCRE2_SPTR)subject, len, offset, 0, m->md,
			     m->mctx);

	/* No match, and also the match limit or the JIT stack running out on
	 * a hostile subject: treated alike, the pattern does not match. */
	return rc > 0 ? 1 : -1;
}

/* Next start offset after a match ending at end (begin for an empty one):
 * past the match, or one whole character on when it was empty. */
static size_t next_offset(const char *subject, size_t len, size_t begin,
			  size_t end)
{
	if (end > begin)
		return end;
	end++;
	while (end < len && ((unsigned char)subject[end] & 0xc0) == 0x80)
		end++;
	return end;
}

int fp_extract(const struct fp_matcher *matcher, const char *subject,
	       uint64_t *number_r)
{
	size_t len;

	assert(matcher != NULL);
	if (subject == NULL)
		return 0;
	len = strlen(subject);
	for (size_t i = 0; i < matcher->code_count; i++) {
		size_t offset = 0;

		while (offset <= len &&
		       match_at(matcher, matcher->codes[i], subject, len, offset) > 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(matcher->md);
			uint64_t n;

			/* An unset group (a configured "(a)|b") or one that
			 * is not a plain number in range is skipped. */
			if (ov[2] != PCRE2_UNSET && ov[3] >= ov[2] &&
			    parse_uint64_n(subject + ov[2], ov[3] - ov[2],
					   FP_MAX_NUMBER, &n) == 0 && n != 0) {
				*number_r = n;
				return 1;
			}
			offset = next_offset(subject, len, ov[0], ov[1]);
		}
	}
	return 0;
}

/* White space around a subject part: ASCII and U+00A0 (no-break space). */
static size_t space_len(const char *s, size_t len)
{
	if (len >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' ||
			 s[0] == '\n' || s[0] == '\v' || s[0] == '\f'))
		return 1;
	if (len >= 2 && (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return 2;
	return 0;
}

static size_t trailing_space_len(const char *s, size_t len)
{
	if (len >= 1 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
			 s[len - 1] == '\r' || s[len - 1] == '\n' ||
			 s[len - 1] == '\v' || s[len - 1] == '\f'))
		return 1;
	if (len >= 2 && (unsigned char)s[len - 2] == 0xc2 &&
	    (unsigned char)s[len - 1] == 0xa0)
		return 2;
	return 0;
}

static void trim(const char **s, size_t *len)
{
	size_t n;

	while ((n = space_len(*s, *len)) > 0) {
		*s += n;
		*len -= n;
	}
	while ((n = trailing_space_len(*s, *len)) > 0)
		*len -= n;
}

/* Appends a trimmed part, one space after what is already there. */
static int append_part(struct strbuf *buf, const char *s, size_t len)
{
	trim(&s, &len);
	if (len == 0)
		return 0;
	if (buf->len > 0 && strbuf_appendc(buf, ' ') < 0)
		return -1;
	return strbuf_append(buf, s, len);
}

const char *fp_subject_base(const struct fp_matcher *matcher,
			    const char *subject, struct strbuf *buf)
{
	const struct fp_matcher *m = matcher;
	size_t len, offset = 0, part;
	const char *rest;
	bool tagged = false;

	assert(m != NULL);
	if (subject == NULL)
		return "";
	len = strlen(subject);
	/* Leading prefixes, one anchored match at a time (a loop rather than
	 * one "(...)+" so that a subject of thousands of "Re:" needs no
	 * backtracking stack). */
	while (offset < len && match_at(m, m->prefix, subject, len, offset) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);

		/* PCRE2 10.42's interpreter (used when JIT is unavailable)
		 * with PCRE2_MATCH_INVALID_UTF lets an anchored match start
		 * after an invalid byte: "\xffRe: x" would lose its "\xff". */
		if (ov[0] != offset || ov[1] <= offset)
			break;
		offset = ov[1];
	}
	rest = subject + offset;
	len -= offset;
	{
		size_t n;

		while ((n = space_len(rest, len)) > 0) {
			rest += n;
			len -= n;
		}
	}

	/* Our tag anywhere else: cut it and join the parts with one space. */
	strbuf_reset(buf);
	part = 0;
	offset = 0;
	while (offset < len && match_at(m, m->tag, rest, len, offset) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);

		if (append_part(buf, rest + part, ov[0] - part) < 0)
			goto too_long;
		tagged = true;
		part = ov[1];
		offset = next_offset(rest, len, ov[0], ov[1]);
	}
	if (!tagged) {
		if (trailing_space_len(rest, len) == 0)
			return rest;
		trim(&rest, &len);
		if (strbuf_append(buf, rest, len) < 0)
			goto too_long;
		return strbuf_str(buf);
	}
	if (append_part(buf, rest + part, len - part) < 0)
		goto too_long;
	return strbuf_str(buf);

too_long:
	/* The buffer's cap is smaller than the subject: the prefixes at
	 * least are gone. */
	strbuf_reset(buf);
	return rest;
}

int fp_format_number(unsigned digits, uint64_t number, struct strbuf *buf)
{
	if (digits > FP_DIGITS_MAX)
		digits = FP_DIGITS_MAX;
	return strbuf_appendf(buf, "%0*" PRIu64, (int)digits, number);
}

int fp_format_tag(const char *case_prefix, unsigned digits, uint64_t number,
		  struct strbuf *buf)
{
	if (digits > FP_DIGITS_MAX)
		digits = FP_DIGITS_MAX;
	return strbuf_appendf(buf, "[%s #%0*" PRIu64 "]", case_prefix,
			      (int)digits, number);
}
