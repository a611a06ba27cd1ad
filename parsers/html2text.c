/*
 * html2text.c - plain text from HTML; see include/html2text.h.
 *
 * libxml2's HTML parser builds the tree (it recovers from anything and
 * decodes entities); we walk it without recursion, so a hostile nesting
 * depth costs no stack, and write the text into a buffer capped at max_len.
 *
 * libxml2 is loaded with dlopen() on the first HTML body, not linked: on
 * Debian it pulls ICU and libstdc++ in, about 2 ms of dynamic loading, and
 * `deliver` runs one process per message while most mail carries a
 * text/plain part and never needs HTML.  Only four entry points are used.
 */
#include "html2text.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <dlfcn.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "pool.h"
#include "strbuf.h"

/* The libxml2 calls this module makes, resolved once. */
struct xml_api {
	htmlDocPtr (*read_memory)(const char *, int, const char *, const char *, int);
	void (*free_doc)(xmlDocPtr);
	xmlChar *(*get_prop)(const xmlNode *, const xmlChar *);
	xmlFreeFunc *free;      /* libxml2's xmlFree is a variable */
};

/* NULL when libxml2 cannot be loaded (a broken installation: the package
 * is a dependency); the HTML then gives no text, the message is kept. */
static const struct xml_api *xml_api(void)
{
	static struct xml_api api;
	static int state;       /* 0 not tried, 1 loaded, -1 failed */
	void *h;

	if (state != 0)
		return state > 0 ? &api : NULL;
	state = -1;
	h = dlopen("libxml2.so.2", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return NULL;
	*(void **)&api.read_memory = dlsym(h, "htmlReadMemory");
	*(void **)&api.free_doc = dlsym(h, "xmlFreeDoc");
	*(void **)&api.get_prop = dlsym(h, "xmlGetProp");
	api.free = dlsym(h, "xmlFree");
	if (api.read_memory == NULL || api.free_doc == NULL ||
	    api.get_prop == NULL || api.free == NULL || *api.free == NULL) {
		dlclose(h);
		return NULL;
	}
	state = 1;
	return &api;
}

enum elem_kind {
	ELEM_INLINE,
	ELEM_SKIP,       /* content dropped */
	ELEM_LINE,       /* starts and ends on its own line */
	ELEM_PARAGRAPH,  /* separated by a blank line */
	ELEM_CELL,       /* separated by a space */
	ELEM_BR,
	ELEM_PRE,
	ELEM_LINK,
};

static const struct {
	const char *name;
	enum elem_kind kind;
} elements[] = {
	{ "a", ELEM_LINK },
	{ "address", ELEM_PARAGRAPH },
	{ "article", ELEM_LINE },
	{ "aside", ELEM_LINE },
	{ "blockquote", ELEM_PARAGRAPH },
	{ "br", ELEM_BR },
	{ "caption", ELEM_LINE },
	{ "center", ELEM_LINE },
	{ "dd", ELEM_LINE },
	{ "div", ELEM_LINE },
	{ "dl", ELEM_PARAGRAPH },
	{ "dt", ELEM_LINE },
	{ "fieldset", ELEM_PARAGRAPH },
	{ "figure", ELEM_PARAGRAPH },
	{ "footer", ELEM_LINE },
	{ "form", ELEM_LINE },
	{ "h1", ELEM_PARAGRAPH },
	{ "h2", ELEM_PARAGRAPH },
	{ "h3", ELEM_PARAGRAPH },
	{ "h4", ELEM_PARAGRAPH },
	{ "h5", ELEM_PARAGRAPH },
	{ "h6", ELEM_PARAGRAPH },
	{ "head", ELEM_SKIP },
	{ "header", ELEM_LINE },
	{ "hr", ELEM_PARAGRAPH },
	{ "li", ELEM_LINE },
	{ "main", ELEM_LINE },
	{ "nav", ELEM_LINE },
	{ "ol", ELEM_PARAGRAPH },
	{ "option", ELEM_LINE },
	{ "p", ELEM_PARAGRAPH },
	{ "pre", ELEM_PRE },
	{ "script", ELEM_SKIP },
	{ "section", ELEM_LINE },
	{ "select", ELEM_SKIP },
	{ "style", ELEM_SKIP },
	{ "table", ELEM_PARAGRAPH },
	{ "td", ELEM_CELL },
	{ "template", ELEM_SKIP },
	{ "th", ELEM_CELL },
	{ "title", ELEM_SKIP },
	{ "tr", ELEM_LINE },
	{ "ul", ELEM_PARAGRAPH },
};

struct h2t {
	struct strbuf out;
	bool full;          /* max_len reached: stop walking */
	int pre;            /* inside <pre>: white space kept */
	int want_nl;        /* line breaks owed before the next text (<= 2) */
	bool want_space;    /* a space owed before the next text */
};

static enum elem_kind elem_kind(const xmlNode *n)
{
	const char *name = (const char *)n->name;
	size_t lo = 0, hi = sizeof(elements) / sizeof(*elements);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, elements[mid].name);

		if (c == 0)
			return elements[mid].kind;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return ELEM_INLINE;
}

/* Appends, cutting at a UTF-8 character boundary when the cap is hit. */
static void put(struct h2t *h, const char *s, size_t n)
{
	if (h->full)
		return;
	if (n > h->out.max - h->out.len) {
		n = h->out.max - h->out.len;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		h->full = true;
	}
	if (n > 0 && strbuf_append(&h->out, s, n) < 0)
		h->full = true;
}

static bool at_line_start(const struct h2t *h)
{
	return h->out.len == 0 || h->out.data[h->out.len - 1] == '\n';
}

/* Pays the line breaks and space owed before new text. */
static void settle(struct h2t *h)
{
	if (h->out.len == 0) {
		h->want_nl = 0;
		h->want_space = false;
		return;
	}
	if (h->want_nl > 0) {
		int have = 0;

		for (size_t i = h->out.len; i > 0 && h->out.data[i - 1] == '\n' && have < 2; i--)
			have++;
		for (; have < h->want_nl; have++)
			put(h, "\n", 1);
		h->want_nl = 0;
		h->want_space = false;
	}
	if (h->want_space && !at_line_start(h))
		put(h, " ", 1);
	h->want_space = false;
}

static bool is_space_at(const char *s, size_t i, size_t len, size_t *skip)
{
	unsigned char c = (unsigned char)s[i];

	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
		*skip = 1;
		return true;
	}
	/* U+00A0: &nbsp; spacing in mail templates collapses like a space. */
	if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0) {
		*skip = 2;
		return true;
	}
	return false;
}

static void text(struct h2t *h, const char *s)
{
	size_t len = strlen(s);
	size_t i = 0;

	if (h->pre > 0) {
		settle(h);
		for (size_t k = 0; k < len; k++)
			if (s[k] != '\r')
				put(h, s + k, 1);
		return;
	}
	while (i < len && !h->full) {
		size_t skip, start = i;

		if (is_space_at(s, i, len, &skip)) {
			h->want_space = true;
			i += skip;
			continue;
		}
		while (i < len && !is_space_at(s, i, len, &skip))
			i++;
		settle(h);
		put(h, s + start, i - start);
	}
}

static void want_lines(struct h2t *h, int n)
{
	if (h->want_nl < n)
		h->want_nl = n;
	h->want_space = false;
}

static bool same_target(const char *label, size_t label_len, const char *href)
{
	size_t hlen;

	if (strncmp(href, "mailto:", 7) == 0)
		href += 7;
	hlen = strlen(href);
	if (hlen > 0 && href[hlen - 1] == '/' &&
	    (label_len == 0 || label[label_len - 1] != '/'))
		hlen--;
	return label_len == hlen && strncasecmp(label, href, hlen) == 0;
}

static void link_end(struct h2t *h, xmlNode *n)
{
	size_t start = (size_t)(uintptr_t)n->_private - 1;
	const struct xml_api *api = xml_api();
	xmlChar *href = api->get_prop(n, (const xmlChar *)"href");
	const char *label, *target;
	size_t label_len;

	if (href == NULL)
		return;
	target = (const char *)href;
	while (*target == ' ' || *target == '\t' || *target == '\n' || *target == '\r')
		target++;
	if (*target == '\0' || *target == '#' ||
	    strncasecmp(target, "javascript:", 11) == 0 || start > h->out.len) {
		(*api->free)(href);
		return;
	}
	label = h->out.data != NULL ? h->out.data + start : "";
	label_len = h->out.len - start;
	while (label_len > 0 && (*label == ' ' || *label == '\n')) {
		label++;
		label_len--;
	}
	while (label_len > 0 && (label[label_len - 1] == ' ' || label[label_len - 1] == '\n'))
		label_len--;
	if (!same_target(label, label_len, target)) {
		size_t tlen = strlen(target);

		while (tlen > 0 && (target[tlen - 1] == ' ' || target[tlen - 1] == '\n' ||
				    target[tlen - 1] == '\r' || target[tlen - 1] == '\t'))
			tlen--;
		if (label_len > 0)
			h->want_space = true;
		settle(h);
		put(h, "<", 1);
		put(h, target, tlen);
		put(h, ">", 1);
	}
	(*api->free)(href);
}

/* Returns whether to descend into the element's children. */
/* What a block element owes the text on both of its edges: a line break
 * (div, li, tr), a blank line (p, h1, table) or a space (td, th). */
static void block_edge(struct h2t *h, enum elem_kind kind)
{
	if (kind == ELEM_LINE)
		want_lines(h, 1);
	else if (kind == ELEM_PARAGRAPH)
		want_lines(h, 2);
	else if (kind == ELEM_CELL)
		h->want_space = true;
}

static bool enter(struct h2t *h, xmlNode *n)
{
	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content != NULL)
			text(h, (const char *)n->content);
		return false;
	case XML_ELEMENT_NODE:
		break;
	default:
		return false;
	}
	switch (elem_kind(n)) {
	case ELEM_SKIP:
		return false;
	case ELEM_LINE:
	case ELEM_PARAGRAPH:
	case ELEM_CELL:
		block_edge(h, elem_kind(n));
		break;
	case ELEM_BR:
		/* A forced break: "a<br>b" is two lines, "<br><br>" a blank
		 * line; at the very start nothing is owed. */
		if (h->out.len > 0 && h->want_nl < 2)
			h->want_nl++;
		h->want_space = false;
		break;
	case ELEM_PRE:
		want_lines(h, 2);
		h->pre++;
		break;
	case ELEM_LINK:
		/* Where the label starts, to compare it with the target. */
		n->_private = (void *)(uintptr_t)(h->out.len + 1);
		break;
	case ELEM_INLINE:
		break;
	}
	return true;
}

static void leave(struct h2t *h, xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	switch (elem_kind(n)) {
	case ELEM_LINE:
	case ELEM_PARAGRAPH:
	case ELEM_CELL:
		block_edge(h, elem_kind(n));
		break;
	case ELEM_PRE:
		h->pre--;
		want_lines(h, 2);
		break;
	case ELEM_LINK:
		link_end(h, n);
		break;
	default:
		break;
	}
}

static void walk(struct h2t *h, xmlDoc *doc)
{
	xmlNode *n = doc->children;

	while (n != NULL && !h->full) {
		if (enter(h, n) && n->children != NULL) {
			n = n->children;
			continue;
		}
		if (n->type == XML_ELEMENT_NODE && n->children == NULL)
			leave(h, n);
		while (n != NULL && n->next == NULL) {
			n = n->parent;
			if (n == NULL || n == (xmlNode *)doc) {
				n = NULL;
				break;
			}
			leave(h, n);
		}
		if (n != NULL)
			n = n->next;
	}
}

char *html_to_text(struct pool *pool, const char *html, size_t len,
		   size_t max_len)
{
	const struct xml_api *api;
	struct h2t h;
	xmlDoc *doc;
	char *res;
	size_t end;

	if (len == 0 || max_len == 0 || (api = xml_api()) == NULL)
		return pool_strdup(pool, "");
	if (len > INT_MAX)
		len = INT_MAX;
	doc = api->read_memory(html, (int)len, NULL, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
			     HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
			     HTML_PARSE_COMPACT);
	if (doc == NULL)
		return pool_strdup(pool, "");
	memset(&h, 0, sizeof(h));
	strbuf_init(&h.out, max_len);
	walk(&h, doc);
	api->free_doc(doc);

	end = h.out.len;
	while (end > 0 && (h.out.data[end - 1] == '\n' || h.out.data[end - 1] == ' '))
		end--;
	res = pool_strndup(pool, strbuf_str(&h.out), end);
	strbuf_deinit(&h.out);
	return res;
}
