/*
 * fingerprint.h - finds the case number (the fingerprint) in a subject
 * (wraps PCRE2; patterns compiled once, with JIT and match/depth limits so a
 * hostile subject cannot backtrack forever).
 *
 * Built-in patterns recognise the gateway's own tag "[<prefix> #00012345]" in
 * any case and spacing, and "<prefix> 00012345", "Case 00012345",
 * "Dossier 00012345", "Dossier n° 00012345".  Operators add their own
 * patterns (each with exactly one capture group: the number).  Patterns are
 * tried in order: built-in tag first, then configured ones, then the looser
 * built-in ones; the first match wins.
 *
 * Ownership: the matcher is owned by the caller of fp_matcher_new() and freed
 * with fp_matcher_free().
 * Errors: fp_matcher_new() returns -1 with a malloc()ed reason in *error_r
 * (the caller frees it) naming the bad pattern and PCRE2's message.
 */
#ifndef SUPPORTGW_FINGERPRINT_H
#define SUPPORTGW_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_matcher;
struct strbuf;

/* Case numbers above this are not case numbers. */
#define FP_MAX_NUMBER UINT64_C(999999999999)

int fp_matcher_new(const char *case_prefix, bool builtin_patterns,
		   const char *const *patterns, size_t pattern_count,
		   struct fp_matcher **matcher_r, char **error_r)
	__attribute__((warn_unused_result));
void fp_matcher_free(struct fp_matcher **matcher);

/* Checks a pattern alone (for config validation): 0 or -1 + malloc()ed
 * *error_r. */
int fp_pattern_check(const char *pattern, char **error_r)
	__attribute__((warn_unused_result));

/* 1 and *number_r when the subject (UTF-8) holds a case number, else 0. */
int fp_extract(const struct fp_matcher *matcher, const char *subject,
	       uint64_t *number_r);

/*
 * The subject without leading reply/forward prefixes and tags, in any number
 * and mix: "Re:", "RE :", "Fwd:", "FW:", "TR:", "Réf. :", "AW:", "WG:",
 * "SV:", "VS:", "RV:", "Antw:", "[EXT]", "Re[2]:"... and without this
 * gateway's own "[<prefix> #N]" tag.  Returns a pointer into subject
 * (prefixes only) or, when a tag had to be cut from the middle, writes the
 * result to buf and returns strbuf_str(buf).
 */
const char *fp_subject_base(const struct fp_matcher *matcher,
			    const char *subject, struct strbuf *buf);

/* Appends "[<prefix> #<number zero-padded to digits>]" to buf. */
int fp_format_tag(const char *case_prefix, unsigned digits, uint64_t number,
		  struct strbuf *buf) __attribute__((warn_unused_result));
/* Appends the number zero-padded to digits. */
int fp_format_number(unsigned digits, uint64_t number, struct strbuf *buf)
	__attribute__((warn_unused_result));

#endif
