/*
 * charset.h - conversion of any text to UTF-8 (wraps libetpan's charconv,
 * which uses iconv).
 *
 * Declared charsets are honoured; a missing, unknown or lying label (bytes
 * that are not valid in it) falls back to windows-1252, the charset such mail
 * is nearly always really in.  Bytes that are still invalid become U+FFFD.
 * Text is never refused.
 *
 * Ownership: results are allocated from the pool given.
 * Errors: none; *note_r (when not NULL) is set to a short pool-allocated
 * sentence when a fallback was used, else NULL.
 */
#ifndef SUPPORTGW_CHARSET_H
#define SUPPORTGW_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

struct pool;

/* NULL or "" charset: UTF-8 if valid, else windows-1252. */
char *charset_to_utf8(struct pool *pool, const char *charset,
		      const char *data, size_t len, const char **note_r);

/* Decodes a header value: RFC 2047 encoded words (also the broken forms
 * seen in the wild), raw 8-bit bytes (UTF-8 if valid, else windows-1252).
 * Unfolds CRLF/LF + WSP and trims. */
char *charset_decode_header(struct pool *pool, const char *value, size_t len,
			    const char **note_r);

bool utf8_valid(const char *data, size_t len);

#endif
