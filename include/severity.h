/*
 * severity.h - the severity of a new case, A to D, from keywords in its
 * subject and text (the vendors' scale: A business down, B a major
 * function broken, C degraded or anything else, D questions and customer
 * service).  Wraps PCRE2 (parsers/textmatch_private.h).
 *
 * Keywords ([severity] A, B, C, D in the configuration; French and English
 * defaults) match:
 *   - in any case, with or without accents, both ways, and in decomposed
 *     form ("arrêt de production" matches "ARRET DE PRODUCTION", "cassé"
 *     matches "casse" and the reverse; "œ" also matches "oe");
 *   - as whole words: "down" is not in "download", "shutdown" nor in a
 *     hyphenated word ("drop-down"); a space or a hyphen in a keyword
 *     matches any run of spaces and hyphens ("hors service" and
 *     "hors-service"); an apostrophe matches ' and ’;
 *   - not after a negation: "not urgent", "pas urgent", "non bloquant",
 *     "rien d'urgent", "it isn't critical", "pas en panne" (a negation
 *     word among the three words before the keyword, with only "very",
 *     "really", "de", "en", "un"... between them) do not count;
 *   - in the text, not in quoted lines ("> ...") nor after a signature
 *     separator line ("-- "): an earlier mail or a signature saying "for
 *     urgent matters call..." is not this customer's problem.
 * The highest severity found wins, in the order A, B, D, C; no keyword at
 * all gives C.
 *
 * Ownership: the matcher copies nothing it is given after
 * severity_matcher_new() returns; free it with severity_matcher_free().
 * Errors: severity_matcher_new() returns -1 with a malloc()ed reason in
 * *error_r (a keyword too long, PCRE2's message).
 */
#ifndef SUPPORTGW_SEVERITY_H
#define SUPPORTGW_SEVERITY_H

#include <stdbool.h>
#include <stddef.h>

struct severity_matcher;

/* The keyword that decided, if any. */
struct severity_hit {
	char severity;         /* 'A'..'D' */
	bool found;            /* a keyword decided (else the default C) */
	bool in_subject;       /* it is in the subject (else the text) */
	size_t offset, len;    /* where, in the subject or the text */
};

/* words[i], counts[i]: the keywords of severity 'A' + i (lower-case or
 * not; spaces inside are kept). */
int severity_matcher_new(const char *const *const words[4],
			 const size_t counts[4],
			 struct severity_matcher **matcher_r, char **error_r)
	__attribute__((warn_unused_result));
void severity_matcher_free(struct severity_matcher **matcher);

/* The severity of a mail: subject (NUL-terminated, may be NULL) and the
 * first text_len bytes of its text (the caller caps it; 16 KiB for new
 * cases).  Returns 'A'..'D'; hit_r (may be NULL) says why. */
char severity_classify(const struct severity_matcher *matcher,
		       const char *subject, const char *text, size_t text_len,
		       struct severity_hit *hit_r);

#endif
