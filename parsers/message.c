/*
 * message.c - RFC 5322 / MIME message parser; see include/message.h.
 * The address, date and Message-ID fields are read in message_fields.c
 * (shared definitions in message_private.h).
 *
 * Shape: the header block is split into fields here (a field is a line
 * "name:" plus its continuation lines, which needs no grammar), and each
 * field that matters goes to libetpan's own parser for it:
 * mailimf_address_list_parse, mailimf_date_time_parse, mailimf_msg_id_parse,
 * mailmime_content_parse, mailmime_disposition_parse, mailmime_encoding_parse;
 * bodies are decoded by mailmime_part_parse.  The MIME tree is walked here
 * rather than by mailmime_parse(), because mailmime_parse() recurses without
 * a depth limit (a hostile nesting overflows the stack: libetpan 1.9.4
 * segfaults on 1.4 MB of 50,000 nested "Content-Type: message/rfc822"
 * headers, tests/e2e/mutate.py makes that input), parses every
 * enclosed message/rfc822 in full, and has no part limit; walking ourselves
 * gives each limit of struct message_limits a single place to bite.
 *
 * Every libetpan result is copied into the pool and freed before returning.
 * Every deliberate tolerance of broken mail is listed in
 * parsers/TOLERANCES.md and recorded as a note on the message.
 */
#include "message.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailimf.h>
#include <libetpan/mailmime.h>

#include "charset.h"
#include "html2text.h"
#include "message_private.h"
#include "pool.h"
#include "util.h"

const struct message_limits message_default_limits = {
	.max_header_bytes = 1024 * 1024,
	.max_parts = 1000,
	.max_depth = 32,
	.max_text_bytes = 4 * 1024 * 1024,
};

/* ---- notes ------------------------------------------------------------ */

void message_note(struct parser *ps, const char *fmt, ...)
{
	struct message *msg = ps->msg;
	char note[256];
	va_list ap;

	if (msg->note_count >= MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	/* The same tolerance on many parts or fields is one note. */
	for (size_t i = 0; i < msg->note_count; i++)
		if (strcmp(msg->notes[i], note) == 0)
			return;
	if (msg->note_count == ps->notes_alloc) {
		size_t n = ps->notes_alloc ? ps->notes_alloc * 2 : 8;

		msg->notes = pool_realloc(ps->pool, msg->notes,
					  ps->notes_alloc * sizeof(*msg->notes),
					  n * sizeof(*msg->notes));
		ps->notes_alloc = n;
	}
	msg->notes[msg->note_count++] = pool_strdup(ps->pool, note);
}

/* A field name fit for a note: header names only, never content. */
const char *message_note_name(struct parser *ps, const struct raw_field *f)
{
	return pool_strndup(ps->pool, f->name, f->name_len > 40 ? 40 : f->name_len);
}

/* ---- small string helpers --------------------------------------------- */

/* A field value on one line (CR and LF become spaces) and trimmed: the
 * form libetpan's field parsers get, whatever the line ends were. */
char *message_unfold(struct parser *ps, const char *v, size_t len, size_t *len_r)
{
	size_t b = 0, e = len;
	char *s;

	while (b < e && (message_is_wsp(v[b]) || v[b] == '\r' || v[b] == '\n'))
		b++;
	while (e > b && (message_is_wsp(v[e - 1]) || v[e - 1] == '\r' || v[e - 1] == '\n'))
		e--;
	s = pool_strndup(ps->pool, v + b, e - b);
	for (size_t i = 0; i < e - b; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			s[i] = ' ';
	*len_r = e - b;
	return s;
}

char *message_decode_header(struct parser *ps, const struct raw_field *f,
			   const char *v, size_t len)
{
	const char *note = NULL;
	char *res = charset_decode_header(ps->pool, v, len, &note);

	if (note != NULL)
		message_note(ps, "%s: %s", message_note_name(ps, f), note);
	return res;
}

/* ---- header block ----------------------------------------------------- */

typedef void field_fn(struct parser *ps, void *ctx, const struct raw_field *f);

static bool is_name_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != ':';
}

/* Length of "name:" (with optional white space before the colon) at the
 * start of the line [p, end), or 0 when the line is not a field. */
static size_t field_name_len(const char *p, const char *end, size_t *colon_r)
{
	size_t n = 0, k;

	while (p + n < end && is_name_char((unsigned char)p[n]))
		n++;
	k = n;
	while (p + k < end && message_is_wsp(p[k]))
		k++;
	if (n == 0 || p + k >= end || p[k] != ':')
		return 0;
	*colon_r = k;
	return n;
}

/*
 * Reads the header block at data: calls fn for each field, in order.  The
 * block ends at the first empty line, or (tolerance) at the first line that
 * is neither a field nor a continuation, which then starts the body.  Fields
 * starting past max_bytes are read over but not reported.  Returns where
 * the body starts; *hdr_len_r is the length of the block.
 */
static size_t header_scan(struct parser *ps, const char *data, size_t len,
			  field_fn *fn, void *ctx, size_t *hdr_len_r,
			  bool *nonfield_r, bool *truncated_r)
{
	struct raw_field f;
	bool open = false;
	size_t pos = 0;

	*nonfield_r = false;
	*truncated_r = false;
	while (pos < len) {
		const char *eol = memchr(data + pos, '\n', len - pos);
		size_t line_end = eol != NULL ? (size_t)(eol - data) : len;
		size_t next = eol != NULL ? line_end + 1 : len;
		size_t content_end = line_end;
		size_t name_len, colon;

		if (content_end > pos && data[content_end - 1] == '\r')
			content_end--;
		if (content_end == pos) {
			if (open)
				fn(ps, ctx, &f);
			*hdr_len_r = pos;
			return next;
		}
		if (message_is_wsp(data[pos])) {
			if (open)
				f.value_len = (size_t)(data + content_end - f.value);
			pos = next;
			continue;
		}
		name_len = field_name_len(data + pos, data + content_end, &colon);
		if (name_len == 0) {
			if (open)
				fn(ps, ctx, &f);
			*nonfield_r = true;
			*hdr_len_r = pos;
			return pos;
		}
		if (open)
			fn(ps, ctx, &f);
		open = false;
		if (pos < ps->limits.max_header_bytes) {
			f.name = data + pos;
			f.name_len = name_len;
			f.value = data + pos + colon + 1;
			f.value_len = content_end - (pos + colon + 1);
			open = true;
		} else {
			*truncated_r = true;
		}
		pos = next;
	}
	if (open)
		fn(ps, ctx, &f);
	*hdr_len_r = len;
	return len;
}

static bool name_is(const struct raw_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

static void mime_field_cb(struct parser *ps, void *ctx, const struct raw_field *f)
{
	struct mime_fields *mf = ctx;

	if (f->name_len < 7 || (f->name[0] | 0x20) != 'c') {
		if (!mf->has_subject && name_is(f, "subject")) {
			mf->subject = *f;
			mf->has_subject = true;
		}
		return;
	}
	if (!mf->has_type && name_is(f, "content-type")) {
		mf->type = *f;
		mf->has_type = true;
	} else if (!mf->has_encoding && name_is(f, "content-transfer-encoding")) {
		mf->encoding = *f;
		mf->has_encoding = true;
	} else if (!mf->has_disposition && name_is(f, "content-disposition")) {
		mf->disposition = *f;
		mf->has_disposition = true;
	} else if (name_is(f, "content-id")) {
		mf->has_id = true;
	}
}

/* ---- MIME parameters (RFC 2045, RFC 2231) ----------------------------- */

static void params_add(struct parser *ps, struct params *pp, const char *name,
		       size_t name_len, const char *value, size_t value_len)
{
	if (pp->n == MAX_PARAMS || name_len == 0)
		return;
	pp->v[pp->n].name = str_lower(pool_strndup(ps->pool, name, name_len));
	pp->v[pp->n].value = pool_strndup(ps->pool, value, value_len);
	pp->n++;
}

/* Tolerant reading of "; name=value; name="quoted value"" for fields that
 * libetpan gave up on: unquoted values with spaces, a missing closing
 * quote, empty parameters. */
static void params_salvage(struct parser *ps, const char *s, size_t len,
			   struct params *pp)
{
	size_t i = 0;

	pp->n = 0;
	while (i < len) {
		size_t nb, ne, vb, ve;

		while (i < len && (message_is_wsp(s[i]) || s[i] == ';'))
			i++;
		nb = i;
		while (i < len && s[i] != '=' && s[i] != ';')
			i++;
		ne = i;
		while (ne > nb && message_is_wsp(s[ne - 1]))
			ne--;
		if (i >= len || s[i] != '=')
			continue;
		i++;
		while (i < len && message_is_wsp(s[i]))
			i++;
		if (i < len && s[i] == '"') {
			char *v = pool_alloc(ps->pool, len - i + 1);
			size_t n = 0;

			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				v[n++] = s[i];
			}
			if (i < len)
				i++;
			params_add(ps, pp, s + nb, ne - nb, v, n);
			continue;
		}
		vb = i;
		while (i < len && s[i] != ';')
			i++;
		ve = i;
		while (ve > vb && message_is_wsp(s[ve - 1]))
			ve--;
		params_add(ps, pp, s + nb, ne - nb, s + vb, ve - vb);
	}
}

static const char *param_raw(const struct params *pp, const char *name)
{
	for (size_t i = 0; i < pp->n; i++)
		if (strcmp(pp->v[i].name, name) == 0)
			return pp->v[i].value;
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 2231 section 4: %XX octets; a stray '%' is kept as it is. */
static size_t percent_decode(const char *s, char *out)
{
	size_t n = 0;

	for (size_t i = 0; s[i] != '\0'; i++) {
		int hi, lo;

		if (s[i] == '%' && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	return n;
}

/*
 * The decoded UTF-8 value of a parameter, or NULL: RFC 2231 forms first
 * ("name*", "name*0*", "name*1", ... with charset'language'), then the
 * plain one, whose RFC 2047 words (Outlook's filename="=?utf-8?B?...?=",
 * not allowed but everywhere) and raw 8-bit bytes are decoded too.
 */
static const char *param_get(struct parser *ps, const struct params *pp,
			     const char *name)
{
	const char *sect[MAX_RFC2231_SECTIONS] = { NULL };
	bool ext[MAX_RFC2231_SECTIONS] = { false };
	size_t nlen = strlen(name), total = 0, count = 0, n = 0;
	const char *charset = NULL, *note = NULL, *plain;
	char *bytes, *res;

	for (size_t i = 0; i < pp->n; i++) {
		const char *pn = pp->v[i].name;
		uint64_t idx = 0;
		size_t k;

		if (strncmp(pn, name, nlen) != 0 || pn[nlen] != '*')
			continue;
		pn += nlen + 1;
		if (*pn == '\0') {              /* name*=charset'lang'value */
			if (sect[0] == NULL) {
				sect[0] = pp->v[i].value;
				ext[0] = true;
				count++;
			}
			continue;
		}
		k = 0;
		while (pn[k] >= '0' && pn[k] <= '9')
			k++;
		if (k == 0 || parse_uint64_n(pn, k, MAX_RFC2231_SECTIONS - 1, &idx) < 0 ||
		    (pn[k] != '\0' && strcmp(pn + k, "*") != 0) || sect[idx] != NULL)
			continue;
		sect[idx] = pp->v[i].value;
		ext[idx] = pn[k] == '*';
		count++;
	}
	if (count == 0) {
		plain = param_raw(pp, name);
		if (plain == NULL)
			return NULL;
		res = charset_decode_header(ps->pool, plain, strlen(plain), &note);
		if (note != NULL)
			message_note(ps, "parameter %s: %s", name, note);
		return res;
	}
	for (size_t i = 0; i < MAX_RFC2231_SECTIONS && sect[i] != NULL; i++)
		total += strlen(sect[i]);
	bytes = pool_alloc(ps->pool, total + 1);
	for (size_t i = 0; i < MAX_RFC2231_SECTIONS && sect[i] != NULL; i++) {
		const char *v = sect[i];

		if (i == 0 && ext[0]) {
			const char *q1 = strchr(v, '\''), *q2;

			if (q1 != NULL && (q2 = strchr(q1 + 1, '\'')) != NULL) {
				charset = pool_strndup(ps->pool, v, (size_t)(q1 - v));
				v = q2 + 1;
			}
		}
		if (ext[i]) {
			n += percent_decode(v, bytes + n);
		} else {
			memcpy(bytes + n, v, strlen(v));
			n += strlen(v);
		}
	}
	bytes[n] = '\0';
	if (charset != NULL && charset[0] != '\0')
		res = charset_to_utf8(ps->pool, charset, bytes, n, &note);
	else
		res = charset_decode_header(ps->pool, bytes, n, &note);
	if (note != NULL)
		message_note(ps, "parameter %s: %s", name, note);
	return res;
}

/* ---- Content-Type, -Disposition, -Transfer-Encoding ------------------- */

static bool is_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static const char *mime_type_name(const struct mailmime_type *t)
{
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		const struct mailmime_discrete_type *d = t->tp_data.tp_discrete_type;

		switch (d->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT: return "text";
		case MAILMIME_DISCRETE_TYPE_IMAGE: return "image";
		case MAILMIME_DISCRETE_TYPE_AUDIO: return "audio";
		case MAILMIME_DISCRETE_TYPE_VIDEO: return "video";
		case MAILMIME_DISCRETE_TYPE_APPLICATION: return "application";
		default: return d->dt_extension;
		}
	}
	if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
		const struct mailmime_composite_type *c = t->tp_data.tp_composite_type;

		switch (c->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE: return "message";
		case MAILMIME_COMPOSITE_TYPE_MULTIPART: return "multipart";
		default: return c->ct_token;
		}
	}
	return NULL;
}

/* Where the parameters start: the first ';' outside quotes, or len. */
static size_t params_start(const char *s, size_t len)
{
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == ';' && !quoted)
			return i;
	}
	return len;
}

static bool ctype_valid(const char *ct)
{
	const char *slash = strchr(ct, '/');

	if (slash == NULL || slash == ct || slash[1] == '\0')
		return false;
	for (const char *p = ct; *p != '\0'; p++)
		if (p != slash && !is_token_char((unsigned char)*p))
			return false;
	return true;
}

/* Returns the lower-case "type/subtype" (NULL when unusable) and fills
 * the parameters. */
static const char *parse_content_type(struct parser *ps,
				      const struct raw_field *f,
				      struct params *pp)
{
	struct mailmime_content *content = NULL;
	const char *type, *ct = NULL;
	size_t len, idx = 0, pstart;
	char *v = message_unfold(ps, f->value, f->value_len, &len);

	pp->n = 0;
	pstart = params_start(v, len);
	if (mailmime_content_parse(v, len, &idx, &content) == MAILIMF_NO_ERROR) {
		type = mime_type_name(content->ct_type);
		if (type != NULL && content->ct_subtype != NULL) {
			/* "Content-Type: text" (old mailers): libetpan says
			 * text/unknown. */
			if (memchr(v, '/', pstart) == NULL && strcasecmp(type, "text") == 0)
				ct = "text/plain";
			else
				ct = str_lower(pool_printf(ps->pool, "%s/%s", type,
							   content->ct_subtype));
		}
		for (clistiter *it = clist_begin(content->ct_parameters); it != NULL;
		     it = clist_next(it)) {
			const struct mailmime_parameter *p = clist_content(it);

			params_add(ps, pp, p->pa_name, strlen(p->pa_name),
				   p->pa_value, strlen(p->pa_value));
		}
		mailmime_content_free(content);
		if (!message_rest_is_empty(v, idx, len)) {
			params_salvage(ps, v + pstart, len - pstart, pp);
			message_note(ps, "%s: broken parameters read leniently",
				 message_note_name(ps, f));
		}
	} else {
		size_t e = pstart;

		while (e > 0 && message_is_wsp(v[e - 1]))
			e--;
		ct = str_lower(pool_strndup(ps->pool, v, e));
		params_salvage(ps, v + pstart, len - pstart, pp);
		message_note(ps, "%s: unparsable, read leniently", message_note_name(ps, f));
	}
	if (ct != NULL && !ctype_valid(ct)) {
		message_note(ps, "%s: invalid media type ignored", message_note_name(ps, f));
		ct = NULL;
	}
	return ct;
}

static enum disposition parse_disposition(struct parser *ps,
					  const struct raw_field *f,
					  struct params *pp)
{
	struct mailmime_disposition *d = NULL;
	enum disposition res = DISP_NONE;
	size_t len, idx = 0, pstart;
	char *v = message_unfold(ps, f->value, f->value_len, &len);

	pp->n = 0;
	pstart = params_start(v, len);
	if (mailmime_disposition_parse(v, len, &idx, &d) == MAILIMF_NO_ERROR) {
		if (d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_INLINE)
			res = DISP_INLINE;
		else if (d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
			res = DISP_ATTACHMENT;
		for (clistiter *it = clist_begin(d->dsp_parms); it != NULL;
		     it = clist_next(it)) {
			const struct mailmime_disposition_parm *p = clist_content(it);

			if (p->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME)
				params_add(ps, pp, "filename", 8, p->pa_data.pa_filename,
					   strlen(p->pa_data.pa_filename));
			else if (p->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER)
				params_add(ps, pp, p->pa_data.pa_parameter->pa_name,
					   strlen(p->pa_data.pa_parameter->pa_name),
					   p->pa_data.pa_parameter->pa_value,
					   strlen(p->pa_data.pa_parameter->pa_value));
		}
		mailmime_disposition_free(d);
		if (!message_rest_is_empty(v, idx, len)) {
			params_salvage(ps, v + pstart, len - pstart, pp);
			message_note(ps, "%s: broken parameters read leniently",
				 message_note_name(ps, f));
		}
		return res;
	}
	/* "Content-Disposition: filename=x.pdf" and other inventions. */
	if (strncasecmp(v, "inline", 6) == 0)
		res = DISP_INLINE;
	else if (strncasecmp(v, "attachment", 10) == 0)
		res = DISP_ATTACHMENT;
	params_salvage(ps, pstart < len ? v + pstart : v, pstart < len ? len - pstart : len, pp);
	message_note(ps, "%s: unparsable, read leniently", message_note_name(ps, f));
	return res;
}

static int parse_encoding(struct parser *ps, const struct raw_field *f)
{
	struct mailmime_mechanism *m = NULL;
	size_t len, idx = 0;
	char *v = message_unfold(ps, f->value, f->value_len, &len);
	int enc = MAILMIME_MECHANISM_8BIT;

	if (mailmime_encoding_parse(v, len, &idx, &m) == MAILIMF_NO_ERROR) {
		enc = m->enc_type;
		mailmime_mechanism_free(m);
	}
	if (enc == MAILMIME_MECHANISM_TOKEN || enc == MAILMIME_MECHANISM_ERROR) {
		/* "8-bit", "7-bit", "none": read as it is. */
		message_note(ps, "%s: unknown encoding, body taken as it is",
			 message_note_name(ps, f));
		enc = MAILMIME_MECHANISM_8BIT;
	}
	return enc;
}

/* Decoded body of a leaf.  7bit/8bit/binary bodies are borrowed from the
 * raw message; base64 and quoted-printable ones decoded into the pool. */
static void decode_body(struct parser *ps, const struct leaf *lf,
			const char **data_r, size_t *len_r)
{
	const char *body = lf->body;
	size_t len = lf->body_len, idx = 0, rlen = 0;
	char *res = NULL;

	*data_r = lf->body;
	*len_r = lf->body_len;
	if (lf->encoding != MAILMIME_MECHANISM_BASE64 &&
	    lf->encoding != MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		return;
	/* libetpan 1.9.4's quoted-printable decoder reads one byte past the
	 * end of a body ending in "=X" (found by fuzz/fuzz_message.c): give
	 * it the body without that invalid '='. */
	if (lf->encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE && len >= 2 &&
	    body[len - 2] == '=' && body[len - 1] != '\r' && body[len - 1] != '\n') {
		char *copy = pool_memdup(ps->pool, body, len);

		copy[len - 2] = copy[len - 1];
		body = copy;
		len--;
	}
	if (mailmime_part_parse(body, len, &idx, lf->encoding,
				&res, &rlen) != MAILIMF_NO_ERROR) {
		message_note(ps, "undecodable part body taken as it is");
		return;
	}
	*data_r = pool_memdup(ps->pool, res, rlen);
	*len_r = rlen;
	mailmime_decoded_part_free(res);
}

/* ---- MIME tree -------------------------------------------------------- */

struct entity {
	const char *ctype;          /* NULL: the default */
	struct params ct_params;
	enum disposition disposition;
	struct params cd_params;
	int encoding;
	bool has_id;
};

static void entity_read(struct parser *ps, const struct mime_fields *mf,
			const char *default_type, struct entity *e)
{
	e->ctype = NULL;
	e->ct_params.n = 0;
	e->cd_params.n = 0;
	e->disposition = DISP_NONE;
	e->encoding = MAILMIME_MECHANISM_7BIT;
	e->has_id = mf->has_id;
	if (mf->has_type)
		e->ctype = parse_content_type(ps, &mf->type, &e->ct_params);
	if (e->ctype == NULL) {
		/* "Content-Type: ; name=x.jpg" (spam kits): a named part of
		 * unknown type is data, not text. */
		if (mf->has_type && (param_raw(&e->ct_params, "name") != NULL ||
				     param_raw(&e->ct_params, "name*") != NULL))
			e->ctype = "application/octet-stream";
		else
			e->ctype = default_type;
	}
	if (mf->has_disposition)
		e->disposition = parse_disposition(ps, &mf->disposition, &e->cd_params);
	if (mf->has_encoding)
		e->encoding = parse_encoding(ps, &mf->encoding);
}

static void add_leaf(struct parser *ps, const struct entity *e, const char *ctype,
		     const char *body, size_t len, bool in_alternative)
{
	struct leaf *lf;
	const char *name;

	if (ps->leaf_count == ps->leaf_alloc) {
		size_t n = ps->leaf_alloc ? ps->leaf_alloc * 2 : 8;

		ps->leaves = pool_realloc(ps->pool, ps->leaves,
					  ps->leaf_alloc * sizeof(*ps->leaves),
					  n * sizeof(*ps->leaves));
		ps->leaf_alloc = n;
	}
	lf = &ps->leaves[ps->leaf_count++];
	lf->ctype = ctype;
	lf->charset = param_raw(&e->ct_params, "charset");
	name = param_get(ps, &e->cd_params, "filename");
	if (name == NULL || name[0] == '\0')
		name = param_get(ps, &e->ct_params, "name");
	lf->filename = name != NULL ? name : "";
	lf->disposition = e->disposition;
	lf->encoding = e->encoding;
	lf->has_id = e->has_id;
	lf->in_alternative = in_alternative;
	lf->body = body;
	lf->body_len = len;
}

static void walk(struct parser *ps, const struct entity *e, const char *body,
		 size_t len, unsigned depth, bool in_alternative);

/* Is the line at p (up to end) "--boundary" or "--boundary--"?  Returns
 * 0 (no), 1 (delimiter) or 2 (close delimiter). */
static int delimiter_kind(const char *p, const char *end, const char *b, size_t blen)
{
	const char *q;

	if (end - p < (ptrdiff_t)(blen + 2) || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, b, blen) != 0)
		return 0;
	q = p + 2 + blen;
	if (end - q >= 2 && q[0] == '-' && q[1] == '-')
		return 2;
	while (q < end && (message_is_wsp(*q) || *q == '\r'))
		q++;
	return q == end || *q == '\n' ? 1 : 0;
}

/* Returns false once the part limit is reached: stop splitting. */
static bool walk_part(struct parser *ps, const char *p, size_t len,
		      const char *default_type, unsigned depth, bool in_alternative)
{
	struct mime_fields mf;
	struct entity e;
	size_t hdr_len, body;
	bool nonfield, truncated;

	if (ps->parts >= ps->limits.max_parts) {
		message_note(ps, "more than %u MIME parts: the rest ignored",
			 ps->limits.max_parts);
		return false;
	}
	memset(&mf, 0, sizeof(mf));
	body = header_scan(ps, p, len, mime_field_cb, &mf, &hdr_len, &nonfield,
			   &truncated);
	if (nonfield && hdr_len > 0)
		message_note(ps, "MIME part header ended by a line that is not a field");
	if (truncated)
		message_note(ps, "MIME part header longer than %zu bytes cut",
			 ps->limits.max_header_bytes);
	entity_read(ps, &mf, default_type, &e);
	walk(ps, &e, p + body, len - body, depth, in_alternative);
	return true;
}

static void walk_multipart(struct parser *ps, const struct entity *e,
			   const char *body, size_t len, unsigned depth)
{
	const char *boundary = param_raw(&e->ct_params, "boundary");
	const char *child_type = strcmp(e->ctype, "multipart/digest") == 0 ?
		"message/rfc822" : "text/plain";
	bool alternative = strcmp(e->ctype, "multipart/alternative") == 0;
	const char *end = body + len, *p = body, *part = NULL;
	size_t blen;
	bool closed = false;

	if (boundary == NULL || boundary[0] == '\0') {
		message_note(ps, "multipart without boundary read as text");
		add_leaf(ps, e, "text/plain", body, len, false);
		return;
	}
	if (depth >= ps->limits.max_depth) {
		message_note(ps, "MIME parts nested deeper than %u levels ignored",
			 ps->limits.max_depth);
		return;
	}
	blen = strlen(boundary);
	while (p < end && !closed) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol != NULL ? eol + 1 : end;
		int kind = p[0] == '-' ? delimiter_kind(p, eol != NULL ? eol : end,
							boundary, blen) : 0;

		if (kind != 0) {
			if (part != NULL) {
				/* RFC 2046 5.1.1: the line break before a
				 * delimiter belongs to the delimiter. */
				const char *pe = p;

				if (pe > part && pe[-1] == '\n')
					pe--;
				if (pe > part && pe[-1] == '\r')
					pe--;
				if (!walk_part(ps, part, (size_t)(pe - part), child_type,
					       depth + 1, alternative))
					return;
			}
			part = next;
			closed = kind == 2;
		}
		p = next;
	}
	if (part == NULL) {
		/* A "multipart" whose body has no boundary line at all. */
		message_note(ps, "multipart without any boundary line read as text");
		add_leaf(ps, e, "text/plain", body, len, false);
		return;
	}
	if (!closed) {
		message_note(ps, "multipart without closing boundary");
		(void)walk_part(ps, part, (size_t)(end - part), child_type,
				depth + 1, alternative);
	}
}

static void walk(struct parser *ps, const struct entity *e, const char *body,
		 size_t len, unsigned depth, bool in_alternative)
{
	if (ps->parts >= ps->limits.max_parts) {
		message_note(ps, "more than %u MIME parts: the rest ignored",
			 ps->limits.max_parts);
		return;
	}
	ps->parts++;
	if (strncmp(e->ctype, "multipart/", 10) == 0)
		walk_multipart(ps, e, body, len, depth);
	else
		add_leaf(ps, e, e->ctype, body, len, in_alternative);
}

/* ---- body and attachments --------------------------------------------- */

static bool is_rfc822(const char *ctype)
{
	return strcmp(ctype, "message/rfc822") == 0 ||
	       strcmp(ctype, "message/global") == 0;
}

static bool body_candidate(const struct leaf *lf, const char *ctype)
{
	if (strcmp(lf->ctype, ctype) != 0 || lf->disposition == DISP_ATTACHMENT)
		return false;
	return lf->filename[0] == '\0' || lf->disposition == DISP_INLINE;
}

/* CRLF and lone CR become LF, in place. */
static size_t normalise_newlines(char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r') {
			s[w++] = '\n';
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else {
			s[w++] = s[i];
		}
	}
	s[w] = '\0';
	return w;
}

static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static char *leaf_text(struct parser *ps, const struct leaf *lf, bool html)
{
	const char *data, *note = NULL;
	size_t len, max = ps->limits.max_text_bytes;
	char *text;

	decode_body(ps, lf, &data, &len);
	text = charset_to_utf8(ps->pool, lf->charset, data, len, &note);
	if (note != NULL)
		message_note(ps, "body: %s", note);
	len = normalise_newlines(text, strlen(text));
	if (html) {
		/* Markup is mostly not text: parse at most twice the text
		 * kept, so a 50 MB page cannot take seconds. */
		if (max <= SIZE_MAX / 2 && len > max * 2) {
			len = utf8_cut(text, len, max * 2);
			message_note(ps, "HTML body longer than %zu bytes cut", max * 2);
		}
		text = html_to_text(ps->pool, text, len, max);
		len = strlen(text);
		if (len + 16 >= max)
			message_note(ps, "body text longer than %zu bytes cut", max);
		return text;
	}
	if (len > max) {
		text[utf8_cut(text, len, max)] = '\0';
		message_note(ps, "body text longer than %zu bytes cut", max);
	}
	return text;
}

static bool blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!message_is_wsp(*s) && *s != '\n')
			return false;
	return true;
}

static void subject_cb(struct parser *ps, void *ctx, const struct raw_field *f)
{
	struct mime_fields *mf = ctx;

	if (!mf->has_subject && name_is(f, "subject")) {
		mf->subject = *f;
		mf->has_subject = true;
	}
}

static bool line_is_blank(const char *p, const char *end, const char **next_r)
{
	const char *q = p;

	while (q < end && (message_is_wsp(*q) || *q == '\r'))
		q++;
	if (q < end && *q != '\n')
		return false;
	*next_r = q < end ? q + 1 : end;
	return true;
}

/* Where the header starts: blank lines (saved mail) and an mbox "From "
 * line (mbox files, Yahoo's ARF reports) are skipped.  *blank_r tells
 * whether blank lines were. */
static const char *header_start(const char *p, const char *end, bool *blank_r)
{
	const char *next;

	*blank_r = false;
	while (p < end && line_is_blank(p, end, &next)) {
		p = next;
		*blank_r = true;
	}
	if (end - p > 5 && memcmp(p, "From ", 5) == 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		p = eol != NULL ? eol + 1 : end;
	}
	return p;
}

/* "<Subject>.eml" for an enclosed message that has no file name. */
static const char *enclosed_name(struct parser *ps, const char *data, size_t len)
{
	struct mime_fields mf;
	size_t hdr_len, n;
	bool nonfield, truncated;
	const char *start = header_start(data, data + len, &nonfield);
	char *subject;

	memset(&mf, 0, sizeof(mf));
	header_scan(ps, start, (size_t)(data + len - start), subject_cb, &mf,
		    &hdr_len, &nonfield, &truncated);
	if (!mf.has_subject)
		return "message.eml";
	subject = charset_decode_header(ps->pool, mf.subject.value,
					mf.subject.value_len, NULL);
	if (subject[0] == '\0')
		return "message.eml";
	n = utf8_cut(subject, strlen(subject), MAX_FILENAME - 4);
	subject[n] = '\0';
	for (char *p = subject; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			*p = '_';
	return pool_printf(ps->pool, "%s.eml", subject);
}

static void finish_parts(struct parser *ps)
{
	struct message *msg = ps->msg;
	size_t plain = SIZE_MAX, html = SIZE_MAX, body = SIZE_MAX;

	for (size_t i = 0; i < ps->leaf_count; i++) {
		if (plain == SIZE_MAX && body_candidate(&ps->leaves[i], "text/plain"))
			plain = i;
		if (html == SIZE_MAX && body_candidate(&ps->leaves[i], "text/html"))
			html = i;
	}
	msg->text = "";
	if (plain != SIZE_MAX) {
		msg->text = leaf_text(ps, &ps->leaves[plain], false);
		body = plain;
	}
	/* An empty text/plain beside real HTML (some bulk mailers). */
	if (html != SIZE_MAX && (plain == SIZE_MAX || blank(msg->text))) {
		msg->text = leaf_text(ps, &ps->leaves[html], true);
		msg->text_from_html = true;
		body = html;
	}

	msg->attachments = pool_alloc(ps->pool, (ps->leaf_count + 1) *
				      sizeof(*msg->attachments));
	for (size_t i = 0; i < ps->leaf_count; i++) {
		const struct leaf *lf = &ps->leaves[i];
		struct msg_attachment *a;
		const char *data;
		size_t len;

		if (i == body)
			continue;
		/* The other renderings of the body are not attachments. */
		if (lf->in_alternative && strncmp(lf->ctype, "text/", 5) == 0 &&
		    lf->disposition != DISP_ATTACHMENT)
			continue;
		a = &msg->attachments[msg->attachment_count++];
		decode_body(ps, lf, &data, &len);
		a->content_type = lf->ctype;
		a->filename = lf->filename;
		if (a->filename[0] == '\0' && is_rfc822(lf->ctype))
			a->filename = enclosed_name(ps, data, len);
		a->is_inline = lf->disposition == DISP_INLINE ||
			(lf->has_id && strncmp(lf->ctype, "image/", 6) == 0);
		a->data = (const unsigned char *)data;
		a->size = len;
		sha256_hex(data, len, a->sha256);
	}
}

/* ---- top-level header ------------------------------------------------- */

struct top {
	struct raw_field *fields;
	size_t n, alloc;
};

static void top_field_cb(struct parser *ps, void *ctx, const struct raw_field *f)
{
	struct top *t = ctx;

	if (t->n == t->alloc) {
		size_t n = t->alloc ? t->alloc * 2 : 32;

		t->fields = pool_realloc(ps->pool, t->fields, t->alloc * sizeof(*t->fields),
					 n * sizeof(*t->fields));
		t->alloc = n;
	}
	t->fields[t->n++] = *f;
}

static void process_headers(struct parser *ps, const struct top *t,
			    struct mime_fields *mf)
{
	struct message *msg = ps->msg;
	const struct raw_field *from = NULL, *date = NULL, *msgid = NULL,
		*reply_to = NULL, *sender = NULL, *return_path = NULL,
		*in_reply_to = NULL, *references = NULL;
	struct addr_vec to = { NULL, 0, 0 }, cc = { NULL, 0, 0 };

	msg->headers = pool_alloc(ps->pool, (t->n + 1) * sizeof(*msg->headers));
	for (size_t i = 0; i < t->n; i++) {
		const struct raw_field *f = &t->fields[i];
		struct msg_header *h = &msg->headers[msg->header_count++];

		h->name = pool_strndup(ps->pool, f->name, f->name_len);
		h->value = message_decode_header(ps, f, f->value, f->value_len);
		mime_field_cb(ps, mf, f);
		switch (f->name[0] | 0x20) {
		case 'f':
			if (from == NULL && name_is(f, "from"))
				from = f;
			break;
		case 't':
			if (name_is(f, "to"))
				message_parse_addresses(ps, f, &to);
			break;
		case 'c':
			if (name_is(f, "cc"))
				message_parse_addresses(ps, f, &cc);
			break;
		case 'd':
			if (date == NULL && name_is(f, "date"))
				date = f;
			break;
		case 'm':
			if (msgid == NULL && name_is(f, "message-id"))
				msgid = f;
			break;
		case 'r':
			if (reply_to == NULL && name_is(f, "reply-to"))
				reply_to = f;
			else if (return_path == NULL && name_is(f, "return-path"))
				return_path = f;
			else if (references == NULL && name_is(f, "references"))
				references = f;
			break;
		case 's':
			if (sender == NULL && name_is(f, "sender"))
				sender = f;
			else if (msg->subject == NULL && name_is(f, "subject"))
				msg->subject = h->value;
			break;
		case 'i':
			if (in_reply_to == NULL && name_is(f, "in-reply-to"))
				in_reply_to = f;
			break;
		default:
			break;
		}
	}
	if (msg->subject == NULL)
		msg->subject = "";

	msg->from.name = "";
	msg->from.addr = "";
	if (from != NULL) {
		struct addr_vec av = { NULL, 0, 0 };

		message_parse_addresses(ps, from, &av);
		if (av.n > 0)
			msg->from = av.v[0];
		else
			message_note(ps, "From: no address found");
	}
	msg->to = to.v;
	msg->to_count = to.n;
	msg->cc = cc.v;
	msg->cc_count = cc.n;
	if (reply_to != NULL)
		msg->reply_to = message_first_address(ps, reply_to);
	if (sender != NULL)
		msg->sender = message_first_address(ps, sender);
	if (return_path != NULL) {
		size_t len;
		char *v = message_unfold(ps, return_path->value, return_path->value_len, &len);
		size_t w = 0;

		for (size_t i = 0; i < len; i++)
			if (!message_is_wsp(v[i]))
				v[w++] = v[i];
		v[w] = '\0';
		msg->return_path = strcmp(v, "<>") == 0 ? "" :
			message_first_address(ps, return_path);
	}
	if (date != NULL) {
		msg->has_date = message_parse_date(ps, date, &msg->date);
		if (!msg->has_date)
			message_note(ps, "Date: unparsable, ignored");
	}
	if (msgid != NULL)
		message_parse_message_id(ps, msgid);
	if (in_reply_to != NULL) {
		const char **ids;

		if (message_parse_ids(ps, in_reply_to, &ids, 1) > 0)
			msg->in_reply_to = ids[0];
	}
	if (references != NULL) {
		const char **ids;
		size_t n = message_parse_ids(ps, references, &ids, SIZE_MAX);

		if (n > MAX_REFERENCES) {
			/* Keep the root and the most recent ones. */
			memmove(ids + 1, ids + n - (MAX_REFERENCES - 1),
				(MAX_REFERENCES - 1) * sizeof(*ids));
			n = MAX_REFERENCES;
			message_note(ps, "References: more than %d ids, middle ones dropped",
				 MAX_REFERENCES);
		}
		msg->references = ids;
		msg->references_count = n;
	}
}

/* ---- entry points ----------------------------------------------------- */

int message_parse(struct pool *pool, const char *data, size_t len,
		  const struct message_limits *limits,
		  struct message **msg_r, const char **error_r)
{
	struct parser ps;
	struct message *msg;
	struct top top = { NULL, 0, 0 };
	struct mime_fields mf;
	struct entity e;
	const char *p = data, *end = data + len;
	const char *eol;
	size_t colon, hdr_len, body;
	bool nonfield, truncated, skipped = false;

	*msg_r = NULL;
	if (data == NULL || len == 0) {
		*error_r = "empty message";
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.pool = pool;
	ps.limits = limits != NULL ? *limits : message_default_limits;
	/* A zero limit means the default, not "nothing". */
	if (ps.limits.max_header_bytes == 0)
		ps.limits.max_header_bytes = message_default_limits.max_header_bytes;
	if (ps.limits.max_parts == 0)
		ps.limits.max_parts = message_default_limits.max_parts;
	if (ps.limits.max_depth == 0)
		ps.limits.max_depth = message_default_limits.max_depth;
	if (ps.limits.max_depth > MAX_DEPTH_CEILING)
		ps.limits.max_depth = MAX_DEPTH_CEILING;
	if (ps.limits.max_text_bytes == 0)
		ps.limits.max_text_bytes = message_default_limits.max_text_bytes;

	p = header_start(p, end, &skipped);
	if (p == end) {
		*error_r = "not a mail message: no header";
		return -1;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	if (field_name_len(p, eol != NULL ? eol : end, &colon) == 0) {
		*error_r = "not a mail message: it does not start with a header field";
		return -1;
	}

	msg = pool_alloc(pool, sizeof(*msg));
	ps.msg = msg;
	msg->raw = data;
	msg->raw_len = len;
	body = (size_t)(p - data) + header_scan(&ps, p, (size_t)(end - p), top_field_cb,
					       &top, &hdr_len, &nonfield, &truncated);
	if (memchr(p, '\0', hdr_len) != NULL) {
		*error_r = "not a mail message: binary data in the header";
		return -1;
	}
	msg->headers_raw = p;
	msg->headers_raw_len = hdr_len;
	if (skipped)
		message_note(&ps, "blank lines before the header skipped");
	if (nonfield)
		message_note(&ps, "header ended by a line that is not a field");
	if (truncated)
		message_note(&ps, "header longer than %zu bytes: the rest ignored",
			 ps.limits.max_header_bytes);

	memset(&mf, 0, sizeof(mf));
	process_headers(&ps, &top, &mf);
	if (msg->message_id == NULL) {
		char hex[SHA256_HEX_LEN + 1];

		sha256_hex(data, len, hex);
		msg->message_id = pool_printf(pool, "%s@supportgw.invalid", hex);
		msg->message_id_generated = true;
	}

	entity_read(&ps, &mf, "text/plain", &e);
	msg->content_type = e.ctype;
	if (strcmp(e.ctype, "multipart/report") == 0) {
		const char *rt = param_raw(&e.ct_params, "report-type");

		if (rt != NULL)
			msg->report_type = str_lower(pool_strdup(pool, rt));
	}
	walk(&ps, &e, data + body, len - body, 0, false);
	finish_parts(&ps);
	*msg_r = msg;
	return 0;
}

const char *message_header(const struct message *msg, const char *name)
{
	/* Also for messages built by hand (classify, bounce tests): a field
	 * without a name is skipped, one without a value reads as empty. */
	for (size_t i = 0; i < msg->header_count; i++) {
		const struct msg_header *h = &msg->headers[i];

		if (h->name != NULL && str_ieq(h->name, name))
			return h->value != NULL ? h->value : "";
	}
	return NULL;
}
