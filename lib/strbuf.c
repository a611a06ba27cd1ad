/* strbuf.c - bounded string buffer; see include/strbuf.h. */
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void strbuf_init(struct strbuf *buf, size_t max)
{
	buf->data = NULL;
	buf->len = 0;
	buf->alloc = 0;
	buf->max = max;
}

void strbuf_deinit(struct strbuf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->alloc = 0;
}

void strbuf_reset(struct strbuf *buf)
{
	buf->len = 0;
	if (buf->data != NULL)
		buf->data[0] = '\0';
}

static int grow(struct strbuf *buf, size_t extra)
{
	size_t need, size;
	char *p;

	if (extra > buf->max - buf->len)
		return -1;
	need = buf->len + extra + 1;
	if (need <= buf->alloc)
		return 0;
	size = buf->alloc < 64 ? 64 : buf->alloc;
	while (size < need)
		size = size > SIZE_MAX / 2 ? need : size * 2;
	if (size > buf->max + 1)
		size = buf->max + 1;
	p = realloc(buf->data, size);
	if (p == NULL)
		fatal("out of memory growing a buffer to %zu bytes", size);
	buf->data = p;
	buf->alloc = size;
	return 0;
}

int strbuf_append(struct strbuf *buf, const void *data, size_t len)
{
	if (grow(buf, len) < 0)
		return -1;
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int strbuf_appendstr(struct strbuf *buf, const char *s)
{
	return strbuf_append(buf, s, strlen(s));
}

int strbuf_appendc(struct strbuf *buf, char c)
{
	return strbuf_append(buf, &c, 1);
}

int strbuf_vappendf(struct strbuf *buf, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || grow(buf, (size_t)n) < 0)
		return -1;
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	buf->len += (size_t)n;
	return 0;
}

int strbuf_appendf(struct strbuf *buf, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = strbuf_vappendf(buf, fmt, ap);
	va_end(ap);
	return ret;
}

void strbuf_truncate(struct strbuf *buf, size_t len)
{
	if (len < buf->len) {
		buf->len = len;
		buf->data[len] = '\0';
	}
}

const char *strbuf_str(const struct strbuf *buf)
{
	return buf->data != NULL ? buf->data : "";
}

char *strbuf_detach(struct strbuf *buf)
{
	char *p = buf->data;

	if (p == NULL) {
		p = calloc(1, 1);
		if (p == NULL)
			fatal("out of memory");
	}
	buf->data = NULL;
	buf->len = 0;
	buf->alloc = 0;
	return p;
}
