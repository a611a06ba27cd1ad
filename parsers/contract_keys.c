/*
 * contract_keys.c - contract numbers, serials and renewal IDs in a mail;
 * see include/contract_keys.h.
 */
#include "contract_keys.h"

#include "textmatch_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Accented letters written out, so "numéro" and "numero" both match. */
#define E_ "[e\\x{e9}]"
#define DEG "n\\s?[\\x{b0}\\x{ba}]"          /* n° nº */
#define NUMERO "num" E_ "ro"
#define REFERENCE "r" E_ "f" E_ "rence"

/*
 * One pattern, capture group 1 the key.  The label must start a word; the
 * key follows after spaces and at most a few of ":", "#", "=", "is",
 * "est", must hold a digit (so "contract expired" or "licence key
 * attached" find nothing) and end with a letter or digit (not the full
 * stop of the sentence).
 */
static const char builtin_pattern[] =
	"(?<![\\p{L}\\p{N}])(?:"
	/* contract */
	"(?:contra(?:ct|t)s?|agreement)"
	"(?:\\s*(?:number|" NUMERO "|nr|no|id|ref|" REFERENCE "|reference)\\b\\.?"
	"|\\s*" DEG ")?"
	"|(?:" NUMERO "|" DEG "|no\\.?|" REFERENCE "|reference|r" E_ "f\\.?)"
	"\\s*(?:de|du|of)\\s+(?:contrat|contract)"
	/* serial, licence */
	"|serial(?:\\s*(?:number|no|nr|key)\\b\\.?|\\s*" DEG ")?"
	"|s/n|sn"
	"|(?:" NUMERO "|" DEG "|no\\.?)\\s*de\\s+s" E_ "rie"
	"|licen[cs]e(?:\\s*(?:key|number|no|nr|id|code)\\b\\.?)?"
	"|cl" E_ "s?\\s+(?:de\\s+)?licence"
	"|product\\s+key|cl" E_ "\\s+(?:de\\s+)?produit"
	/* renewal */
	"|renewal(?:\\s*(?:id|number|no|nr|ref|reference)\\b\\.?)?"
	"|renouvellement(?:\\s*(?:" NUMERO "|no|r" E_ "f(?:" E_ "rence)?|id)\\b\\.?"
	"|\\s*" DEG ")?"
	"|(?:" NUMERO "|" DEG "|" REFERENCE "|id)\\s*(?:de\\s+)?renouvellement"
	")(?!\\p{L})"
	"(?:\\s*(?:[:#=]|\\bis\\b|\\best\\b)){0,3}\\s*"
	"((?=[A-Za-z0-9_./\\-]*[0-9])[A-Za-z0-9](?:[A-Za-z0-9_./\\-]{0,62}[A-Za-z0-9])?)";

struct ck_matcher {
	struct txm_engine engine;
};

int ck_matcher_new(bool builtin_patterns, const char *const *patterns,
		   size_t pattern_count, struct ck_matcher **matcher_r,
		   char **error_r)
{
	struct ck_matcher *m = calloc(1, sizeof(*m));

	*matcher_r = NULL;
	if (m == NULL)
		fatal("out of memory");
	txm_engine_init(&m->engine, pattern_count + 1);
	for (size_t i = 0; i < pattern_count; i++) {
		char what[256];
		pcre2_code *code;

		snprintf(what, sizeof(what), "contract key pattern \"%.200s\"",
			 patterns[i]);
		code = txm_compile(patterns[i], 0, 1, what, error_r);
		if (code == NULL) {
			ck_matcher_free(&m);
			return -1;
		}
		m->engine.codes[m->engine.count++] = code;
	}
	if (builtin_patterns) {
		pcre2_code *code = txm_compile(builtin_pattern, 0, 1,
					       "built-in contract key pattern",
					       error_r);

		if (code == NULL) {
			ck_matcher_free(&m);
			return -1;
		}
		m->engine.codes[m->engine.count++] = code;
	}
	*matcher_r = m;
	return 0;
}

void ck_matcher_free(struct ck_matcher **matcher)
{
	struct ck_matcher *m = matcher != NULL ? *matcher : NULL;

	if (m == NULL)
		return;
	txm_engine_deinit(&m->engine);
	free(m);
	*matcher = NULL;
}

int ck_extract(const struct ck_matcher *m, const char *text, size_t len,
	       ck_key_cb *cb, void *ctx)
{
	const struct txm_engine *e = &m->engine;

	if (text == NULL)
		return 0;
	txm_engine_use(e);
	for (size_t i = 0; i < e->count; i++) {
		size_t off = 0;

		while (txm_match(e, e->codes[i], text, len, off) == 1) {
			size_t ms, me, ks, ke;
			int r;

			if (!txm_group(e, 0, &ms, &me))
				break;
			off = txm_next(text, len, ms, me);
			if (!txm_group(e, 1, &ks, &ke) || ke <= ks)
				continue;
			if ((r = cb(ctx, text + ks, ke - ks)) != 0)
				return r;
		}
	}
	return 0;
}
