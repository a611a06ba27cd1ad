/*
 * fuzz_header.c - libFuzzer target for the encoded-header decoder
 * (charset_decode_header: RFC 2047 words, broken ones, raw 8-bit bytes) and
 * the body charset conversion (charset_to_utf8) on the same bytes, with the
 * first line as the declared charset label.  Every result must be valid
 * UTF-8 and NUL-terminated: that is the contract the rest of the gateway
 * (JSON output, SQLite TEXT, PCRE2 with UTF) relies on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_new(4096);
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	const char *note = NULL;
	char *label, *out;

	out = charset_decode_header(pool, in, size, &note);
	if (!utf8_valid(out, strlen(out)))
		abort();
	/* "label\nbody": the label as a Content-Type charset parameter. */
	label = nl != NULL ? pool_strndup(pool, in, (size_t)(nl - in)) : NULL;
	out = charset_to_utf8(pool, label, nl != NULL ? nl + 1 : in,
			      nl != NULL ? size - (size_t)(nl + 1 - in) : size,
			      &note);
	if (!utf8_valid(out, strlen(out)))
		abort();
	pool_free(&pool);
	return 0;
}
