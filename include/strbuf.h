/*
 * strbuf.h - bounded, growable string buffer (curl's dynbuf).
 *
 * A strbuf is embedded by its user (strbuf_init/strbuf_deinit).  Its data is
 * always NUL-terminated.  Each buffer has a size cap chosen for its use:
 * appends that would take it past the cap fail with -1 and leave the buffer
 * as it was, so a hostile input cannot make the gateway allocate without
 * bound.
 *
 * Ownership: the buffer owns its data until strbuf_detach(), after which the
 * caller owns it and must free() it.
 * Errors: appends return 0, or -1 when the cap would be passed.  Allocation
 * failure is fatal.
 */
#ifndef SUPPORTGW_STRBUF_H
#define SUPPORTGW_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data;     /* NULL until the first append; use strbuf_str() */
	size_t len;     /* bytes used, not counting the NUL */
	size_t alloc;   /* bytes allocated */
	size_t max;     /* cap on len */
};

void strbuf_init(struct strbuf *buf, size_t max);
void strbuf_deinit(struct strbuf *buf);
/* Empties the buffer, keeping its allocation. */
void strbuf_reset(struct strbuf *buf);

int strbuf_append(struct strbuf *buf, const void *data, size_t len)
	__attribute__((warn_unused_result));
int strbuf_appendstr(struct strbuf *buf, const char *s)
	__attribute__((warn_unused_result));
int strbuf_appendc(struct strbuf *buf, char c)
	__attribute__((warn_unused_result));
int strbuf_appendf(struct strbuf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), warn_unused_result));
int strbuf_vappendf(struct strbuf *buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), warn_unused_result));
/* Shortens the content to len bytes (len <= buf->len). */
void strbuf_truncate(struct strbuf *buf, size_t len);

/* Never NULL: "" for an empty buffer.  Valid until the next change. */
const char *strbuf_str(const struct strbuf *buf);
/* Hands the data (never NULL) to the caller and empties the buffer. */
char *strbuf_detach(struct strbuf *buf);

#endif
