/*
 * textmatch.c - PCRE2 compile and match helpers of the entitlement
 * parsers; see textmatch_private.h.
 */
#include "textmatch_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "strbuf.h"

#define TXM_JIT_STACK_START (32u * 1024u)
#define TXM_JIT_STACK_MAX (512u * 1024u)
#define TXM_ERROR_MAX 1024u

char *txm_error_dup(const char *fmt, ...)
{
	struct strbuf buf;
	va_list ap;
	int r;

	strbuf_init(&buf, TXM_ERROR_MAX);
	va_start(ap, fmt);
	r = strbuf_vappendf(&buf, fmt, ap);
	va_end(ap);
	if (r < 0) {
		strbuf_reset(&buf);
		if (strbuf_appendstr(&buf, "invalid pattern") < 0)
			fatal("error message does not fit");
	}
	return strbuf_detach(&buf);
}

pcre2_code *txm_compile(const char *regex, uint32_t extra_flags, int groups,
			const char *what, char **error_r)
{
	pcre2_code *code;
	int errcode;
	PCRE2_SIZE erroffset;
	uint32_t n = 0;

	code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED,
			     TXM_COMPILE_FLAGS | extra_flags, &errcode,
			     &erroffset, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		*error_r = txm_error_dup("%s: %s at offset %zu", what,
				     (const char *)msg, (size_t)erroffset);
		return NULL;
	}
	if (groups >= 0) {
		if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n) != 0)
			n = 0;
		if (n != (uint32_t)groups) {
			*error_r = txm_error_dup("%s: has %u capture groups, needs "
					     "exactly %d; use (?:...) for the others",
					     what, n, groups);
			pcre2_code_free(code);
			return NULL;
		}
	}
	return code;
}

void txm_engine_init(struct txm_engine *e, size_t max_codes)
{
	e->codes = calloc(max_codes > 0 ? max_codes : 1, sizeof(*e->codes));
	e->count = 0;
	e->mctx = pcre2_match_context_create(NULL);
	e->jit_stack = pcre2_jit_stack_create(TXM_JIT_STACK_START,
					      TXM_JIT_STACK_MAX, NULL);
	e->state = calloc(1, sizeof(*e->state));
	if (e->codes == NULL || e->mctx == NULL || e->jit_stack == NULL ||
	    e->state == NULL)
		fatal("out of memory creating PCRE2 match data");
	/* groups: the severity pattern has five (0 and one per level) */
	e->state->md = pcre2_match_data_create(8, NULL);
	if (e->state->md == NULL)
		fatal("out of memory creating PCRE2 match data");
	pcre2_set_match_limit(e->mctx, TXM_MATCH_LIMIT);
	pcre2_set_depth_limit(e->mctx, TXM_DEPTH_LIMIT);
	pcre2_jit_stack_assign(e->mctx, NULL, e->jit_stack);
}

void txm_engine_deinit(struct txm_engine *e)
{
	if (e->codes != NULL) {
		for (size_t i = 0; i < e->count; i++)
			pcre2_code_free(e->codes[i]);
	}
	free(e->codes);
	e->codes = NULL;
	e->count = 0;
	if (e->state != NULL)
		pcre2_match_data_free(e->state->md);
	free(e->state);
	e->state = NULL;
	pcre2_match_context_free(e->mctx);
	e->mctx = NULL;
	pcre2_jit_stack_free(e->jit_stack);
	e->jit_stack = NULL;
}

void txm_engine_use(const struct txm_engine *e)
{
	if (e->state->jitted || ++e->state->uses <= TXM_JIT_AFTER)
		return;
	/* A JIT failure (no JIT on this CPU, no executable memory) is not
	 * an error: pcre2_match() falls back to the interpreter. */
	for (size_t i = 0; i < e->count; i++)
		(void)pcre2_jit_compile(e->codes[i], PCRE2_JIT_COMPLETE);
	e->state->jitted = true;
}

int txm_match(const struct txm_engine *e, const pcre2_code *code,
	      const char *s, size_t len, size_t offset)
{
	int rc;

	if (offset > len)
		return 0;
	rc = pcre2_match(code, (PCRE2_SPTR)s, len, offset, 0, e->state->md,
			 e->mctx);
	/* No match, and also a limit reached on hostile text: treated
	 * alike, the pattern does not match. */
	return rc > 0 ? 1 : 0;
}

bool txm_group(const struct txm_engine *e, unsigned n, size_t *start_r,
	       size_t *end_r)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->state->md);

	if (n >= pcre2_get_ovector_count(e->state->md) ||
	    ov[2 * n] == PCRE2_UNSET)
		return false;
	*start_r = ov[2 * n];
	*end_r = ov[2 * n + 1];
	return true;
}

const char *txm_mark(const struct txm_engine *e)
{
	return (const char *)pcre2_get_mark(e->state->md);
}

size_t txm_next(const char *s, size_t len, size_t start, size_t end)
{
	if (end > start)
		return end;
	end++;
	while (end < len && ((unsigned char)s[end] & 0xc0) == 0x80)
		end++;
	return end;
}
