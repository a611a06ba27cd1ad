/*
 * fuzz_severity.c - libFuzzer target for the entitlement parsers of
 * untrusted mail text: severity_classify() (keywords, negations, quoted
 * lines, signatures) and ck_extract() (contract numbers, serials, renewal
 * IDs), on arbitrary bytes: invalid UTF-8, combining accents, backtracking
 * bait for a configured pattern.  The input is split at its first NUL
 * byte into a subject and a text.
 *
 * Properties: the severity is A to D; a hit lies inside the subject or
 * text it names; every key found lies inside the text and is not empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contract_keys.h"
#include "log.h"
#include "severity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few of the defaults of gateway/config.c, with spaces, hyphens,
 * apostrophes and accents; the fuzzer links no gateway code. */
static const char *const a[] = { "urgent", "panne", "down", "hors service",
				 "arrêt de production", "severity a" };
static const char *const b[] = { "broken", "cassé", "doesn't work",
				 "ne fonctionne pas", "crash" };
static const char *const d[] = { "question", "devis", "pre-sales", "œuvre" };
static const char *const patterns[] = {
	"(?:ticket|ref)[ :#-]*([0-9]{3,})\\b",
	"(?:\\w+\\s*)*#([A-Z0-9-]+)$",   /* nested quantifiers: limit bait */
};

struct bounds {
	const char *start;
	size_t len;
};

static int check_key(void *ctx, const char *key, size_t len)
{
	const struct bounds *bd = ctx;

	if (len == 0 || key < bd->start || key + len > bd->start + bd->len)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Built once for the whole run; never freed (the process ends with
	 * the fuzzer). */
	static struct severity_matcher *sev;
	static struct ck_matcher *keys;
	const char *const *words[4] = { a, b, NULL, d };
	const size_t counts[4] = { sizeof(a) / sizeof(a[0]),
				   sizeof(b) / sizeof(b[0]), 0,
				   sizeof(d) / sizeof(d[0]) };
	struct severity_hit hit;
	struct bounds bd;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t subject_len = nul != NULL ? (size_t)(nul - data) : 0;
	char *subject, *text;
	size_t text_len;
	char s;

	if (sev == NULL) {
		char *error = NULL;

		if (severity_matcher_new(words, counts, &sev, &error) < 0 ||
		    ck_matcher_new(true, patterns, sizeof(patterns) / sizeof(patterns[0]),
				   &keys, &error) < 0)
			fatal("fuzz_severity: %s", error);
	}
	subject = malloc(subject_len + 1);
	text_len = nul != NULL ? size - subject_len - 1 : size;
	/* not NUL-terminated: the parsers must respect text_len */
	text = malloc(text_len > 0 ? text_len : 1);
	if (subject == NULL || text == NULL) {
		free(subject);
		free(text);
		return 0;
	}
	memcpy(subject, data, subject_len);
	subject[subject_len] = '\0';
	if (text_len > 0)
		memcpy(text, nul != NULL ? nul + 1 : data, text_len);

	s = severity_classify(sev, subject, text, text_len, &hit);
	if (s < 'A' || s > 'D' || s != hit.severity)
		abort();
	if (hit.found && hit.offset + hit.len > (hit.in_subject ? subject_len : text_len))
		abort();
	bd.start = text;
	bd.len = text_len;
	(void)ck_extract(keys, text, text_len, check_key, &bd);
	bd.start = subject;
	bd.len = subject_len;
	(void)ck_extract(keys, subject, subject_len, check_key, &bd);
	free(subject);
	free(text);
	return 0;
}
