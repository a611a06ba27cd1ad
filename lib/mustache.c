/* mustache.c - Mustache templates over jansson data; see include/mustache.h.
 *
 * The parser turns the text into a flat array of nodes; a section node
 * records where its body ends, so rendering is a walk over index ranges
 * with no tree to build or free.  Everything a template holds lives in one
 * pool, freed at once by mustache_free().
 */
#include "mustache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "strbuf.h"

/* Long enough for any delimiter people use ("<%", "[[", "@"). */
#define DELIM_MAX 8
/* Names quoted in error messages are cut to this many bytes. */
#define SHOWN(len) ((int)((len) < 60 ? (len) : 60))

enum node_type {
	NODE_TEXT,
	NODE_VAR,       /* {{x}}: escaped unless MUSTACHE_NO_ESCAPE */
	NODE_RAW,       /* {{{x}}} and {{&x}} */
	NODE_SECTION,   /* {{#x}} */
	NODE_INVERTED,  /* {{^x}} */
};

struct node {
	enum node_type type;
	unsigned line;
	/* NODE_TEXT: the bytes (len of them, not NUL-terminated).  Others:
	 * the name as written, NUL-terminated. */
	const char *str;
	size_t len;
	/* The name split on dots, each part NUL-terminated, one after the
	 * other; nparts is 0 for the implicit iterator ".". */
	const char *parts;
	unsigned nparts;
	bool leading_dot;       /* ".x": resolve in the top context only */
	size_t end;             /* sections: index of the node after the body */
};

struct mustache {
	struct pool *pool;
	struct node *nodes;
	size_t count, alloc;
};

struct parser {
	struct mustache *tpl;
	const char *text;       /* the template's own copy */
	size_t len;
	size_t text_start;      /* start of literal text not yet in a node */
	size_t line_pos;        /* line_pos is on line number line */
	unsigned line;
	char open[DELIM_MAX + 1];
	char close[DELIM_MAX + 1];
	size_t open_len, close_len;
	size_t sections[MUSTACHE_MAX_DEPTH];    /* open sections' nodes */
	size_t depth;
};

static void set_error(char **error_r, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(char **error_r, unsigned line, const char *fmt, ...)
{
	struct strbuf buf;
	va_list ap;
	int ret;

	/* Quoted names are cut (SHOWN), so the cap is never reached. */
	strbuf_init(&buf, 1024);
	va_start(ap, fmt);
	ret = strbuf_appendf(&buf, "line %u: ", line);
	if (ret == 0)
		ret = strbuf_vappendf(&buf, fmt, ap);
	va_end(ap);
	*error_r = strbuf_detach(&buf);
}

/* The line number of pos; positions asked for never go backwards. */
static unsigned line_at(struct parser *p, size_t pos)
{
	for (; p->line_pos < pos; p->line_pos++) {
		if (p->text[p->line_pos] == '\n')
			p->line++;
	}
	return p->line;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct node *node_add(struct parser *p, enum node_type type,
			     unsigned line)
{
	struct mustache *tpl = p->tpl;
	struct node *n;

	if (tpl->count == tpl->alloc) {
		size_t alloc = tpl->alloc < 16 ? 16 : tpl->alloc * 2;

		tpl->nodes = pool_realloc(tpl->pool, tpl->nodes,
					  tpl->alloc * sizeof(*n),
					  alloc * sizeof(*n));
		tpl->alloc = alloc;
	}
	n = &tpl->nodes[tpl->count++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = line;
	return n;
}

static void text_add(struct parser *p, size_t end, unsigned line)
{
	struct node *n;

	if (end <= p->text_start)
		return;
	n = node_add(p, NODE_TEXT, line);
	n->str = p->text + p->text_start;
	n->len = end - p->text_start;
}

/* Fills the name fields of n from the tag content name (trimmed). */
static int name_set(struct parser *p, struct node *n, const char *name,
		    size_t len, char **error_r)
{
	char *parts;
	size_t i;

	n->str = pool_strndup(p->tpl->pool, name, len);
	if (len == 1 && name[0] == '.')
		return 0;
	if (name[0] == '.') {
		n->leading_dot = true;
		name++;
		len--;
	}
	parts = pool_strndup(p->tpl->pool, name, len);
	n->nparts = 1;
	for (i = 0; i < len; i++) {
		if (is_space(parts[i]) || parts[i] == '\0')
			goto bad;
		if (parts[i] != '.')
			continue;
		/* No empty part: "a..b", "a.", "..". */
		if (i == 0 || i + 1 == len || parts[i - 1] == '\0')
			goto bad;
		parts[i] = '\0';
		n->nparts++;
	}
	n->parts = parts;
	return 0;
bad:
	set_error(error_r, n->line, "bad name \"%.*s\"",
		  SHOWN(strlen(n->str)), n->str);
	return -1;
}

/* "{{=<% %>=}}": two delimiters without whitespace, separated by some. */
static int delimiters_set(struct parser *p, const char *s, size_t len,
			  unsigned line, char **error_r)
{
	size_t a = 0, b, c;

	while (a < len && !is_space(s[a]))
		a++;
	for (b = a; b < len && is_space(s[b]); b++)
		;
	for (c = b; c < len && !is_space(s[c]); c++)
		;
	if (a == 0 || a > DELIM_MAX || b == a || c == b || c != len ||
	    c - b > DELIM_MAX) {
		set_error(error_r, line, "bad delimiters \"%.*s\"",
			  SHOWN(len), s);
		return -1;
	}
	memcpy(p->open, s, a);
	p->open[a] = '\0';
	p->open_len = a;
	memcpy(p->close, s + b, c - b);
	p->close[c - b] = '\0';
	p->close_len = c - b;
	return 0;
}

/*
 * Spec "Standalone": a section, inverted, closing, comment or delimiter
 * tag alone on its line (but for spaces and tabs) takes the whole line with
 * it, newline included, so control tags leave no blank lines in the output.
 * Returns the end of that line (after its LF or CRLF), or 0 when the tag
 * does not stand alone; *line_start_r is where its indentation begins.
 */
static size_t standalone_end(const struct parser *p, size_t tag_start,
			     size_t tag_end, size_t *line_start_r)
{
	size_t start = tag_start, end = tag_end;

	while (start > 0 && (p->text[start - 1] == ' ' ||
			     p->text[start - 1] == '\t'))
		start--;
	if (start > 0 && p->text[start - 1] != '\n')
		return 0;
	while (end < p->len && (p->text[end] == ' ' || p->text[end] == '\t'))
		end++;
	if (end < p->len && p->text[end] == '\r' && end + 1 < p->len &&
	    p->text[end + 1] == '\n')
		end++;
	if (end < p->len) {
		if (p->text[end] != '\n')
			return 0;
		end++;
	}
	*line_start_r = start;
	return end;
}

/* Parses the tag at tag_start; returns where parsing resumes, 0 on error. */
static size_t tag_parse(struct parser *p, size_t tag_start, char **error_r)
{
	unsigned text_line = line_at(p, p->text_start);
	unsigned line = line_at(p, tag_start);
	size_t pos = tag_start + p->open_len, end_len, tag_end, line_start;
	size_t resume, clen;
	char sigil = pos < p->len ? p->text[pos] : '\0';
	char end_seq[DELIM_MAX + 2];
	const char *content, *found;
	struct node *n;

	if (sigil == '\0' || strchr("{&#^/!=>", sigil) == NULL)
		sigil = '\0';
	else
		pos++;
	/* A triple mustache ends with "}" and the closing delimiter, a
	 * delimiter change with "=" and it. */
	end_len = 0;
	if (sigil == '{' || sigil == '=')
		end_seq[end_len++] = sigil == '{' ? '}' : '=';
	memcpy(end_seq + end_len, p->close, p->close_len + 1);
	end_len += p->close_len;
	found = memmem(p->text + pos, p->len - pos, end_seq, end_len);
	if (found == NULL) {
		if (end_len > p->close_len &&
		    memmem(p->text + pos, p->len - pos, p->close,
			   p->close_len) != NULL)
			set_error(error_r, line, "%s not closed by \"%s\"",
				  sigil == '{' ? "triple mustache" :
				  "delimiter change", end_seq);
		else
			set_error(error_r, line, "unclosed tag");
		return 0;
	}
	content = p->text + pos;
	clen = (size_t)(found - content);
	tag_end = (size_t)(found - p->text) + end_len;
	while (clen > 0 && is_space(content[0])) {
		content++;
		clen--;
	}
	while (clen > 0 && is_space(content[clen - 1]))
		clen--;
	if (clen == 0 && sigil != '!' && sigil != '=') {
		set_error(error_r, line, "empty tag name");
		return 0;
	}
	if (sigil == '>') {
		set_error(error_r, line, "partials are not supported");
		return 0;
	}

	resume = tag_end;
	line_start = tag_start;
	if (sigil != '\0' && strchr("#^/!=", sigil) != NULL) {
		size_t eol = standalone_end(p, tag_start, tag_end, &line_start);

		if (eol > 0)
			resume = eol;
		else
			line_start = tag_start;
	}
	text_add(p, line_start, text_line);
	p->text_start = resume;

	switch (sigil) {
	case '!':
		return resume;
	case '=':
		return delimiters_set(p, content, clen, line, error_r) < 0 ?
			0 : resume;
	case '/':
		if (p->depth == 0) {
			set_error(error_r, line,
				  "\"/%.*s\" closes no open section",
				  SHOWN(clen), content);
			return 0;
		}
		n = &p->tpl->nodes[p->sections[p->depth - 1]];
		if (strlen(n->str) != clen ||
		    memcmp(n->str, content, clen) != 0) {
			set_error(error_r, line,
				  "\"/%.*s\" closes section \"%.*s\" opened on line %u",
				  SHOWN(clen), content, SHOWN(strlen(n->str)),
				  n->str, n->line);
			return 0;
		}
		n->end = p->tpl->count;
		p->depth--;
		return resume;
	case '#':
	case '^':
		if (p->depth == MUSTACHE_MAX_DEPTH) {
			set_error(error_r, line,
				  "sections nested deeper than %d",
				  MUSTACHE_MAX_DEPTH);
			return 0;
		}
		n = node_add(p, sigil == '#' ? NODE_SECTION : NODE_INVERTED,
			     line);
		p->sections[p->depth++] = p->tpl->count - 1;
		break;
	case '{':
	case '&':
		n = node_add(p, NODE_RAW, line);
		break;
	default:
		n = node_add(p, NODE_VAR, line);
		break;
	}
	return name_set(p, n, content, clen, error_r) < 0 ? 0 : resume;
}

int mustache_parse(const char *text, size_t len, struct mustache **tpl_r,
		   char **error_r)
{
	struct mustache *tpl;
	struct pool *pool = pool_new(4096);
	struct parser p;
	const char *tag;
	size_t pos = 0;

	tpl = pool_alloc(pool, sizeof(*tpl));
	tpl->pool = pool;
	memset(&p, 0, sizeof(p));
	p.tpl = tpl;
	p.text = pool_memdup(pool, text, len);
	p.len = len;
	p.line = 1;
	memcpy(p.open, "{{", 3);
	memcpy(p.close, "}}", 3);
	p.open_len = p.close_len = 2;

	*tpl_r = NULL;
	while ((tag = memmem(p.text + pos, len - pos, p.open,
			     p.open_len)) != NULL) {
		/* A tag always ends past its start, so 0 means failure. */
		pos = tag_parse(&p, (size_t)(tag - p.text), error_r);
		if (pos == 0) {
			pool_free(&pool);
			return -1;
		}
	}
	text_add(&p, len, line_at(&p, p.text_start));
	if (p.depth > 0) {
		const struct node *n = &tpl->nodes[p.sections[p.depth - 1]];

		set_error(error_r, n->line, "section \"%s\" is not closed",
			  n->str);
		pool_free(&pool);
		return -1;
	}
	*tpl_r = tpl;
	return 0;
}

void mustache_free(struct mustache **tpl)
{
	struct pool *pool;

	if (tpl == NULL || *tpl == NULL)
		return;
	pool = (*tpl)->pool;
	pool_free(&pool);
	*tpl = NULL;
}

struct render {
	const struct mustache *tpl;
	struct strbuf *out;
	bool escape;
	const json_t *stack[MUSTACHE_MAX_DEPTH + 1];
	size_t depth;
	unsigned error_line;
};

/*
 * Spec name resolution: the first part is looked up from the innermost
 * context outwards, the following parts only inside what the previous one
 * found, so a broken chain yields nothing rather than an outer value.
 */
static const json_t *resolve(const struct render *r, const struct node *n)
{
	const json_t *top = r->stack[r->depth - 1], *v = NULL;
	const char *part = n->parts;
	size_t i;

	if (n->nparts == 0)
		return top;
	if (n->leading_dot) {
		v = json_object_get(top, part);
	} else {
		for (i = r->depth; i-- > 0 && v == NULL;)
			v = json_object_get(r->stack[i], part);
	}
	for (i = 1; i < n->nparts && v != NULL; i++) {
		part += strlen(part) + 1;
		v = json_object_get(v, part);
	}
	return v;
}

static bool truthy(const json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	return true;
}

/* Spec escapes these four only (not '). */
static int append_escaped(struct strbuf *out, const char *s, size_t len)
{
	size_t i, run = 0;
	const char *entity;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		default: continue;
		}
		if (strbuf_append(out, s + run, i - run) < 0 ||
		    strbuf_appendstr(out, entity) < 0)
			return -1;
		run = i + 1;
	}
	return strbuf_append(out, s + run, len - run);
}

/* The shortest "%g" that reads back as d: 1.210 -> "1.21", not the
 * "1.2100000000000000" of "%.17g".  The gateway keeps the C locale, so
 * the decimal point is a point. */
static void format_real(double d, char *buf, size_t size)
{
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
	snprintf(buf, size, "%.17g", d);
}

static int append_value(const struct render *r, const json_t *v, bool escape)
{
	char num[40];

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			return append_escaped(r->out, json_string_value(v),
					      json_string_length(v));
		return strbuf_append(r->out, json_string_value(v),
				     json_string_length(v));
	case JSON_INTEGER:
		return strbuf_appendf(r->out, "%" JSON_INTEGER_FORMAT,
				      json_integer_value(v));
	case JSON_REAL:
		format_real(json_real_value(v), num, sizeof(num));
		return strbuf_appendstr(r->out, num);
	case JSON_TRUE:
		return strbuf_appendstr(r->out, "true");
	case JSON_FALSE:
		return strbuf_appendstr(r->out, "false");
	default:
		/* null prints nothing; objects and arrays have no text. */
		return 0;
	}
}

static int render_range(struct render *r, size_t from, size_t to)
{
	const struct node *nodes = r->tpl->nodes;
	const json_t *v;
	size_t i = from, k, count;
	int ret;

	while (i < to) {
		const struct node *n = &nodes[i];

		ret = 0;
		switch (n->type) {
		case NODE_TEXT:
			ret = strbuf_append(r->out, n->str, n->len);
			break;
		case NODE_VAR:
		case NODE_RAW:
			v = resolve(r, n);
			if (v != NULL)
				ret = append_value(r, v, n->type == NODE_VAR &&
						   r->escape);
			break;
		case NODE_SECTION:
			v = resolve(r, n);
			if (!truthy(v))
				break;
			/* Spec: a list renders the body once per element,
			 * anything else truthy once, each pushed on the
			 * context stack.  The parser's depth limit keeps
			 * the push inside the stack. */
			count = json_is_array(v) ? json_array_size(v) : 1;
			for (k = 0; ret == 0 && k < count; k++) {
				r->stack[r->depth++] = json_is_array(v) ?
					json_array_get(v, k) : v;
				ret = render_range(r, i + 1, n->end);
				r->depth--;
			}
			break;
		case NODE_INVERTED:
			if (!truthy(resolve(r, n)))
				ret = render_range(r, i + 1, n->end);
			break;
		}
		if (ret < 0) {
			if (r->error_line == 0)
				r->error_line = n->line;
			return -1;
		}
		i = n->type == NODE_SECTION || n->type == NODE_INVERTED ?
			n->end : i + 1;
	}
	return 0;
}

int mustache_render(const struct mustache *tpl, const json_t *data,
		    unsigned flags, struct strbuf *out, char **error_r)
{
	struct render r;
	size_t start = out->len;

	memset(&r, 0, sizeof(r));
	r.tpl = tpl;
	r.out = out;
	r.escape = (flags & MUSTACHE_NO_ESCAPE) == 0;
	r.stack[0] = data;
	r.depth = 1;
	if (render_range(&r, 0, tpl->count) < 0) {
		strbuf_truncate(out, start);
		set_error(error_r, r.error_line,
			  "output larger than %zu bytes", out->max);
		return -1;
	}
	return 0;
}

void mustache_names(const struct mustache *tpl, mustache_name_cb *cb,
		    void *ctx)
{
	size_t ends[MUSTACHE_MAX_DEPTH], depth = 0, i;

	for (i = 0; i < tpl->count; i++) {
		const struct node *n = &tpl->nodes[i];

		while (depth > 0 && ends[depth - 1] <= i)
			depth--;
		if (n->type == NODE_TEXT)
			continue;
		cb(ctx, n->str, depth > 0, n->line);
		if (n->type == NODE_SECTION || n->type == NODE_INVERTED)
			ends[depth++] = n->end;
	}
}
