/*
 * contract_keys.h - the contract numbers, serial numbers, licence keys and
 * renewal IDs a customer writes in a mail ("our contract C-2024-0042",
 * "S/N: XK-99812", "numéro de série : 4711-AB", "renewal ID R-77"), found
 * with PCRE2 patterns whose capture group 1 is the key (wraps PCRE2,
 * parsers/textmatch_private.h).
 *
 * Configured patterns ([entitlement] pattern, checked at load by
 * fp_pattern_check()) are tried first, then, unless [entitlement] builtin
 * = no, the built-in one: a label followed by a key holding at least one
 * digit, 1 to 64 letters, digits and "-_./" (starting and ending with a
 * letter or digit), after an optional ":", "#", "=", "is" or "est".
 * Labels, in any case, with or without accents:
 *   contract, contrat, agreement (with "number", "no", "n°", "id",
 *     "ref"...), "numéro / n° / référence de contrat";
 *   serial, serial number, S/N, SN, "numéro / n° de série", licence,
 *     license (key, number, code, id), "clé de licence", product key;
 *   renewal (id, number, ref), renouvellement, "numéro / référence de
 *     renouvellement".
 * A key without a label ("C-2024-0042 is broken") is only found by a
 * configured pattern, e.g. pattern = \b(C-\d{4}-\d{4})\b.
 *
 * Ownership: ck_matcher_new() copies the patterns; free the matcher with
 * ck_matcher_free().  Keys passed to the callback point into the text.
 * Errors: ck_matcher_new() returns -1 with a malloc()ed reason naming the
 * pattern and PCRE2's message.
 */
#ifndef SUPPORTGW_CONTRACT_KEYS_H
#define SUPPORTGW_CONTRACT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct ck_matcher;

int ck_matcher_new(bool builtin_patterns, const char *const *patterns,
		   size_t pattern_count, struct ck_matcher **matcher_r,
		   char **error_r) __attribute__((warn_unused_result));
void ck_matcher_free(struct ck_matcher **matcher);

/* Called for each key found, in the order: patterns, then position;
 * non-zero stops the search (and is returned by ck_extract()). */
typedef int ck_key_cb(void *ctx, const char *key, size_t len);

/* Every key of text[0..len) (UTF-8; invalid bytes stop a match). */
int ck_extract(const struct ck_matcher *matcher, const char *text, size_t len,
	       ck_key_cb *cb, void *ctx);

#endif
