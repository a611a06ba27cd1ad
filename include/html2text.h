/*
 * html2text.h - plain text from HTML (wraps libxml2's HTML parser).
 *
 * Drops script, style and head content; keeps link targets as text
 * ("label <https://...>") when they differ from the label; turns block
 * elements and <br> into line breaks and collapses runs of white space;
 * decodes entities.  Input is UTF-8 (the caller converts first).
 *
 * Ownership: the result is allocated from the pool given.
 * Errors: none: malformed HTML gives whatever text libxml2 recovers, and at
 * worst "".
 */
#ifndef SUPPORTGW_HTML2TEXT_H
#define SUPPORTGW_HTML2TEXT_H

#include <stddef.h>

struct pool;

char *html_to_text(struct pool *pool, const char *html, size_t len,
		   size_t max_len);

#endif
