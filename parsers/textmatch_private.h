/*
 * textmatch_private.h - the PCRE2 plumbing the pattern parsers share
 * (parsers/fingerprint.c, severity.c, contract_keys.c): compiling a pattern with
 * the gateway's flags and a readable error, and matching with the limits
 * that keep a hostile mail or a configured pattern such as "(a+)+b" from
 * backtracking for minutes (past them a pattern simply does not match).
 *
 * Flags: PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS (so \s, \w and case work
 * for "É" and the no-break space French typography puts before a colon)
 * and PCRE2_MATCH_INVALID_UTF (mail text may hold bytes that are not
 * UTF-8: they stop a match instead of failing it).
 *
 * JIT: patterns are JIT compiled once the engine has been used
 * TXM_JIT_AFTER times (a `deliver` process, one message, would pay more
 * for the compilation than it saves; an import or a daemon JITs after a
 * few messages).
 *
 * Ownership: the engine owns its codes; txm_engine_deinit() frees them.
 * Not for two threads at once (the scratch is behind a const pointer).
 */
#ifndef SUPPORTGW_TEXTMATCH_PRIVATE_H
#define SUPPORTGW_TEXTMATCH_PRIVATE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TXM_COMPILE_FLAGS \
	(PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF | \
	 PCRE2_NEVER_BACKSLASH_C)
#define TXM_MATCH_LIMIT 1000000u
#define TXM_DEPTH_LIMIT 1000u
#define TXM_JIT_AFTER 16u

struct txm_engine {
	pcre2_code **codes;
	size_t count;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	/* Scratch, mutable behind the const engine the matchers get. */
	struct txm_state {
		pcre2_match_data *md;
		unsigned uses;
		bool jitted;
	} *state;
};

/* A malloc()ed message (a fixed one if it does not fit in 1 KiB). */
char *txm_error_dup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Compiles regex; what names it in errors ("contract key pattern
 * \"...\"").  groups >= 0: the pattern must have exactly that many capture
 * groups.  NULL and a malloc()ed *error_r on failure. */
pcre2_code *txm_compile(const char *regex, uint32_t extra_flags, int groups,
			const char *what, char **error_r);
/* An engine with room for max_codes codes, none yet. */
void txm_engine_init(struct txm_engine *e, size_t max_codes);
void txm_engine_deinit(struct txm_engine *e);
/* Counts one use (a message) and JIT compiles when it is time. */
void txm_engine_use(const struct txm_engine *e);
/* One match of code in s[0..len) from offset: 1 (the ovector of the
 * engine's match data is filled), 0 for none (or a limit reached). */
int txm_match(const struct txm_engine *e, const pcre2_code *code,
	      const char *s, size_t len, size_t offset);
/* Start and end of group n of the last match; false when unset. */
bool txm_group(const struct txm_engine *e, unsigned n, size_t *start_r,
	       size_t *end_r);
/* The name of the last (*MARK:NAME) on the path of the last match, or
 * NULL. */
const char *txm_mark(const struct txm_engine *e);
/* The offset to search from after a match [start, end): end, or one
 * character on after an empty match. */
size_t txm_next(const char *s, size_t len, size_t start, size_t end);

#endif
