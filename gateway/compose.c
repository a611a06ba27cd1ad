/*
 * compose.c - template data and the finished outgoing message; see
 * include/compose.h.
 *
 * Encodings come from the libraries: RFC 2047 encoded words are base64
 * from nettle in "=?UTF-8?B?...?=" words cut at character boundaries, and
 * the body's quoted-printable is libetpan's writer, and a mail with files
 * is a multipart/mixed tree built and written (base64 included) by
 * libetpan's MIME API.  What is written here is the choice of headers and
 * the guard that no value can add one.
 */
#include "compose.h"

#include <inttypes.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "config.h"
#include "fingerprint.h"
#include "log.h"
#include "pool.h"
#include "sla.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

#define MAX_REFERENCES 20
#define MAX_MESSAGE (1u << 20)

/* The case tag as the fingerprint module writes it, so that it reads it
 * back; NULL only if the prefix is absurdly long. */
static const char *case_tag(const struct config *c, struct pool *pool,
			    uint64_t n)
{
	struct strbuf b;
	const char *tag = NULL;

	strbuf_init(&b, 256);
	if (fp_format_tag(c->case_prefix, c->case_digits, n, &b) == 0)
		tag = pool_strdup(pool, strbuf_str(&b));
	strbuf_deinit(&b);
	return tag;
}

static json_t *jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* The display name of "Name <addr>" without quotes, or NULL when there
 * is none. */
static json_t *display_name(const char *mailbox)
{
	const char *lt = mailbox != NULL ? strchr(mailbox, '<') : NULL;
	size_t start = 0, n;

	if (lt == NULL)
		return NULL;
	n = (size_t)(lt - mailbox);
	while (start < n && (mailbox[start] == ' ' || mailbox[start] == '"'))
		start++;
	while (n > start && (mailbox[n - 1] == ' ' || mailbox[n - 1] == '"'))
		n--;
	return n > start ? json_stringn(mailbox + start, n - start) : NULL;
}

json_t *compose_team_data(const struct config *config, const char *region)
{
	const struct region_config *r = config_region(config, region);
	const struct smtp_config *s = &config->smtp;
	json_t *team = json_object(), *name;

	/* a region without a team: the gateway's own From */
	if (r != NULL && r->team != NULL) {
		name = display_name(r->team);
		json_object_set_new(team, "address", jstr(r->team_addr));
	} else {
		name = display_name(s->from);
		json_object_set_new(team, "address", jstr(s->from_addr));
	}
	json_object_set_new(team, "name", name != NULL ? name :
			    json_copy(json_object_get(team, "address")));
	json_object_set_new(team, "region", jstr(r != NULL ? r->name : NULL));
	return team;
}

json_t *compose_case_data(const struct config *config,
			  const struct store_case *c,
			  const struct compose_reply_to *msg)
{
	json_t *root = json_object(), *jc = json_object(), *cu = json_object(),
		*m = json_object(), *gw = json_object();
	char when[32];
	const struct smtp_config *s = &config->smtp;

	if (c != NULL) {
		struct strbuf b;

		strbuf_init(&b, 256);
		if (fp_format_number(config->case_digits, c->number, &b) == 0)
			json_object_set_new(jc, "number", json_string(strbuf_str(&b)));
		strbuf_reset(&b);
		if (fp_format_tag(config->case_prefix, config->case_digits,
				  c->number, &b) == 0)
			json_object_set_new(jc, "tag", json_string(strbuf_str(&b)));
		strbuf_deinit(&b);
		json_object_set_new(jc, "subject", jstr(c->subject));
		json_object_set_new(jc, "status", json_string(
			c->status == CASE_CLOSED ? "closed" : "open"));
		/* entitlement (entitle.h): absent when not known */
		if (c->severity != NULL)
			json_object_set_new(jc, "severity", jstr(c->severity));
		if (c->due != 0) {
			const struct region_config *r = config_region(config, c->region);
			char local[96];

			time_iso8601(c->due, when);
			json_object_set_new(jc, "due", json_string(when));
			json_object_set_new(jc, "due_local", json_string(
				sla_format_local(c->due, r != NULL ? r->timezone : "UTC",
						 local, sizeof(local))));
		}
		json_object_set_new(cu, "email", jstr(c->requester));
		json_object_set_new(cu, "name", jstr(c->requester_name != NULL &&
			*c->requester_name != '\0' ? c->requester_name : c->requester));
	}
	if (msg != NULL) {
		json_object_set_new(m, "subject", jstr(msg->subject));
		if (msg->date != 0) {
			time_iso8601(msg->date, when);
			json_object_set_new(m, "date", json_string(when));
		}
	}
	json_object_set_new(gw, "address", jstr(s->from_addr));
	/* the display name of From, without quotes */
	if (s->from != NULL && strchr(s->from, '<') != NULL) {
		size_t n = (size_t)(strchr(s->from, '<') - s->from);

		while (n > 0 && (s->from[n - 1] == ' ' || s->from[n - 1] == '"'))
			n--;
		json_object_set_new(gw, "name", json_stringn(s->from +
			(s->from[0] == '"'), n - (s->from[0] == '"' && n > 0)));
	} else {
		json_object_set_new(gw, "name", jstr(s->from_addr));
	}
	json_object_set_new(root, "case", jc);
	json_object_set_new(root, "customer", cu);
	json_object_set_new(root, "message", m);
	json_object_set_new(root, "gateway", gw);
	json_object_set_new(root, "team", compose_team_data(config,
		c != NULL ? c->region : NULL));
	return root;
}

/* ---- header values ---- */

static bool is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
	}
	return true;
}

/* A value cut at its first CR or LF, trimmed: no data can start a new
 * header line. */
static const char *one_line(struct pool *pool, const char *s)
{
	size_t n = strcspn(s, "\r\n");

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	return pool_strndup(pool, s, n);
}

/* Length of the UTF-8 character at s (1 for a stray byte). */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0xc0)
		return 1;
	if (s[0] < 0xe0)
		return s[1] != 0 ? 2 : 1;
	if (s[0] < 0xf0)
		return s[1] != 0 && s[2] != 0 ? 3 : 1;
	return s[1] != 0 && s[2] != 0 && s[3] != 0 ? 4 : 1;
}

/*
 * Appends s as RFC 2047 encoded words, each at most 75 characters
 * (45 bytes of text -> 60 of base64), cut between characters, joined by
 * sep: folding whitespace in a header, a space inside a parameter value
 * (which libetpan's writer folds itself).
 */
static int append_encoded_sep(struct strbuf *b, const char *s, const char *sep)
{
	const unsigned char *p = (const unsigned char *)s;
	bool first = true;

	while (*p != '\0') {
		size_t n = 0;
		char enc[BASE64_ENCODE_RAW_LENGTH(48) + 1];

		while (p[n] != '\0' && n + utf8_len(p + n) <= 45)
			n += utf8_len(p + n);
		if (n == 0)
			n = utf8_len(p);
		base64_encode_raw(enc, n, p);
		enc[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
		if (strbuf_appendf(b, "%s=?UTF-8?B?%s?=", first ? "" : sep, enc) < 0)
			return -1;
		first = false;
		p += n;
	}
	return 0;
}

static int append_encoded(struct strbuf *b, const char *s)
{
	return append_encoded_sep(b, s, "\r\n ");
}

/* "Name <addr>" with the name encoded or quoted as needed. */
static int append_mailbox(struct strbuf *b, const char *name, const char *addr)
{
	if (name == NULL || *name == '\0' || strcmp(name, addr) == 0)
		return strbuf_appendf(b, "<%s>", addr);
	if (!is_ascii(name)) {
		if (append_encoded(b, name) < 0)
			return -1;
	} else if (strpbrk(name, "()<>[]:;@\\,.\"") != NULL) {
		if (strbuf_appendc(b, '"') < 0)
			return -1;
		for (const char *p = name; *p != '\0'; p++) {
			if ((*p == '"' || *p == '\\') && strbuf_appendc(b, '\\') < 0)
				return -1;
			if (strbuf_appendc(b, *p) < 0)
				return -1;
		}
		if (strbuf_appendc(b, '"') < 0)
			return -1;
	} else if (strbuf_appendstr(b, name) < 0) {
		return -1;
	}
	return strbuf_appendf(b, " <%s>", addr);
}

static int append_header(struct strbuf *b, const char *name, const char *value)
{
	if (strbuf_appendf(b, "%s: ", name) < 0)
		return -1;
	if (is_ascii(value)) {
		if (strbuf_appendstr(b, value) < 0)
			return -1;
	} else if (append_encoded(b, value) < 0) {
		return -1;
	}
	return strbuf_append(b, "\r\n", 2);
}

/* ---- subject ---- */

/* Reply and forward prefixes a subject may start with ("Re: AW: TR:"). */
static size_t reply_prefix_len(const char *s)
{
	static const char *const prefixes[] = {
		"re", "aw", "tr", "fw", "fwd", "wg", "sv", "antw", "ref", "réf",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (str_ieqn(s, prefixes[i], n) && s[n] == ':')
			return n + 1 + strspn(s + n + 1, " \t");
	}
	return 0;
}

/*
 * The subject to send: no reply prefixes (an acknowledgement is not a
 * reply chain), and the case tag exactly once, at the start when the
 * template forgot it.
 */
static const char *final_subject(const struct config *config, struct pool *pool,
				 const char *subject, uint64_t number)
{
	struct strbuf b;
	const char *p = subject, *hit, *tag;
	size_t n, tag_len;
	bool seen = false;
	char *out;

	while ((n = reply_prefix_len(p)) > 0)
		p += n;
	if (number == 0 || (tag = case_tag(config, pool, number)) == NULL)
		return pool_strdup(pool, p);
	tag_len = strlen(tag);
	strbuf_init(&b, 4096);
	while ((hit = strstr(p, tag)) != NULL) {
		/* keep the first tag, drop the others (and a space after) */
		if (strbuf_append(&b, p, (size_t)(hit - p)) < 0)
			break;
		if (!seen && strbuf_append(&b, tag, tag_len) < 0)
			break;
		p = hit + tag_len;
		if (seen && *p == ' ')
			p++;
		seen = true;
	}
	if (strbuf_appendstr(&b, p) < 0 && b.len == 0)
		strbuf_reset(&b);
	if (!seen) {
		const char *rest = strbuf_str(&b);

		out = pool_printf(pool, "%s%s%s", tag, *rest != '\0' ? " " : "", rest);
	} else {
		out = pool_strdup(pool, strbuf_str(&b));
	}
	strbuf_deinit(&b);
	return out;
}

/* ---- addresses of Cc ---- */

/* Appends the addresses of a comma-separated list to the envelope and the
 * header; an item without "@" is refused. */
static int add_cc(struct pool *pool, const char *list, struct strbuf *header,
		  struct strbuf *rcpt, const char **error_r)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		const char *item = one_line(pool, pool_strndup(pool, p, n));
		const char *lt = strchr(item, '<'), *gt;
		const char *addr = item;

		if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
			addr = pool_strndup(pool, lt + 1, (size_t)(gt - lt - 1));
		if (*item != '\0') {
			if (strchr(addr, '@') == NULL || strpbrk(addr, " <>\"") != NULL) {
				*error_r = "the template's Cc: is not a list of addresses";
				return -1;
			}
			if ((header->len > 0 && strbuf_append(header, ", ", 2) < 0) ||
			    strbuf_appendf(header, "<%s>", addr) < 0 ||
			    strbuf_appendf(rcpt, " %s", addr) < 0) {
				*error_r = "Cc: too long";
				return -1;
			}
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- body ---- */

/* Bcc: the envelope only; no header says who else got it. */
static int add_bcc(struct pool *pool, const char *list, struct strbuf *rcpt,
		   const char **error_r)
{
	struct strbuf unused;
	int r;

	strbuf_init(&unused, 8192);
	r = add_cc(pool, list, &unused, rcpt, error_r);
	strbuf_deinit(&unused);
	return r;
}

static int write_strbuf(void *ctx, const char *data, size_t len)
{
	if (strbuf_append(ctx, data, len) < 0)
		return 0;
	return len > 0 ? (int)len : 1;
}

/* 7bit is enough for ASCII text with short lines. */
static bool needs_qp(const char *body)
{
	size_t col = 0;

	for (const char *p = body; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80 || (*p < 0x20 && *p != '\n' &&
						  *p != '\r' && *p != '\t'))
			return true;
		col = *p == '\n' ? 0 : col + 1;
		if (col > 76)
			return true;
	}
	return false;
}

/* The body with CRLF line ends (LF and CRLF in), ending with one; text
 * is initialised here, the caller deinits it. */
static int crlf_text(const char *body, struct strbuf *text)
{
	int ret = 0;

	strbuf_init(text, MAX_MESSAGE);
	for (const char *p = body; *p != '\0' && ret == 0; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n')
			ret = strbuf_append(text, "\r\n", 2);
		else
			ret = strbuf_appendc(text, *p);
	}
	if (ret == 0 && (text->len < 2 || memcmp(strbuf_str(text) + text->len - 2, "\r\n", 2) != 0))
		ret = strbuf_append(text, "\r\n", 2);
	return ret;
}

/*
 * Appends CRLF text (crlf_text) quoted-printable, one line at a time
 * through libetpan's encoder.  Line by line because libetpan 1.9.4 writes
 * a space or tab before a line break twice ("-- " came out as "-- =20",
 * read back as "--  "): here the line goes without its break, so its last
 * space stays literal, and a soft break ("=") after it keeps it from being
 * trailing whitespace (RFC 2045 6.7 rule 3) before the real break.
 */
static int append_qp(struct strbuf *b, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		size_t n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
		int col = 0;

		if (n > 0 && mailmime_quoted_printable_write_driver(write_strbuf, b,
								     &col, 1, p, n) != 0)
			return -1;
		if (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t') &&
		    strbuf_append(b, "=\r\n", 3) < 0)
			return -1;
		if (eol == NULL)
			break;
		if (strbuf_append(b, "\r\n", 2) < 0)
			return -1;
		p = eol + 2;
	}
	return 0;
}

/* Appends the body with CRLF line ends, quoted-printable when needed. */
static int append_body(struct strbuf *b, const char *body, bool qp)
{
	struct strbuf text;
	int ret;

	ret = crlf_text(body, &text);
	if (ret == 0 && !qp)
		ret = strbuf_append(b, strbuf_str(&text), text.len);
	else if (ret == 0)
		ret = append_qp(b, strbuf_str(&text), text.len);
	strbuf_deinit(&text);
	return ret;
}

static const char *domain_of(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : "supportgw.invalid";
}

static void random_hex(char *buf, size_t bytes)
{
	unsigned char r[16];

	if (bytes > sizeof(r))
		bytes = sizeof(r);
	if (getrandom(r, bytes, 0) != (ssize_t)bytes) {
		/* never expected; the time and case keep ids distinct anyway */
		for (size_t i = 0; i < bytes; i++)
			r[i] = (unsigned char)random();
	}
	for (size_t i = 0; i < bytes; i++)
		snprintf(buf + 2 * i, 3, "%02x", r[i]);
}

/* ---- multipart/mixed: libetpan builds the parts and writes them ---- */

/*
 * A file name as the parameter value libetpan writes (it quotes and folds
 * it): controls become spaces; a name that is not ASCII becomes RFC 2047
 * encoded words, which mail clients read in file names (RFC 2231's form
 * would need an unquoted value, which libetpan's writer does not write).
 * malloc()ed, as libetpan frees it with the part; NULL: no name.
 */
static char *param_filename(const char *name)
{
	struct strbuf clean, b;
	int r = 0;

	if (name == NULL || *name == '\0')
		return NULL;
	strbuf_init(&clean, 1024);
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0' && r == 0; p++)
		r = strbuf_appendc(&clean, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
	strbuf_init(&b, 4096);
	if (r == 0)
		r = is_ascii(strbuf_str(&clean)) ?
			strbuf_appendstr(&b, strbuf_str(&clean)) :
			append_encoded_sep(&b, strbuf_str(&clean), " ");
	strbuf_deinit(&clean);
	if (r < 0) {
		strbuf_deinit(&b);
		return NULL;   /* a name of kilobytes: sent without one */
	}
	return strbuf_detach(&b);
}

/* A leaf's Content-Type: the file's own when libetpan reads it as a
 * discrete type; a message/rfc822 or multipart attached would be written
 * as a container, so those go as plain bytes. */
static struct mailmime_content *leaf_content(const char *ctype)
{
	struct mailmime_content *c = NULL;

	if (ctype != NULL && strlen(ctype) < 200 && strpbrk(ctype, ";\"\r\n") == NULL)
		c = mailmime_content_new_with_str(ctype);
	if (c != NULL && c->ct_type->tp_type != MAILMIME_TYPE_DISCRETE_TYPE) {
		mailmime_content_free(c);
		c = NULL;
	}
	return c != NULL ? c : mailmime_content_new_with_str("application/octet-stream");
}

/* A leaf holding data (borrowed until the tree is written and freed);
 * encoded: the data is already in its transfer encoding (the text, see
 * append_qp), else libetpan encodes it as the fields say. */
static struct mailmime *leaf_new(struct mailmime_content *content,
				 struct mailmime_fields *fields,
				 const void *data, size_t size, bool encoded)
{
	struct mailmime *m;

	if (content == NULL || fields == NULL) {
		if (content != NULL)
			mailmime_content_free(content);
		if (fields != NULL)
			mailmime_fields_free(fields);
		return NULL;
	}
	m = mailmime_new_empty(content, fields);
	if (m == NULL) {
		mailmime_content_free(content);
		mailmime_fields_free(fields);
		return NULL;
	}
	if (encoded) {
		m->mm_data.mm_single = mailmime_data_new(MAILMIME_DATA_TEXT,
			mailmime_transfer_encoding_get(fields), 1, data, size, NULL);
		if (m->mm_data.mm_single == NULL) {
			mailmime_free(m);
			return NULL;
		}
	} else if (mailmime_set_body_text(m, (char *)data, size) != MAILIMF_NO_ERROR) {
		mailmime_free(m);
		return NULL;
	}
	return m;
}

/*
 * Our own boundary instead of libetpan's (time, random() and pid): 128
 * random bits after "=_", which quoted-printable and base64 never write,
 * so no part can contain it.
 */
static int set_boundary(struct mailmime *mp)
{
	char rnd[33], *v;

	random_hex(rnd, 16);
	for (clistiter *cur = clist_begin(mp->mm_content_type->ct_parameters);
	     cur != NULL; cur = clist_next(cur)) {
		struct mailmime_parameter *p = clist_content(cur);

		if (str_ieq(p->pa_name, "boundary")) {
			v = malloc(48);
			if (v == NULL)
				return -1;
			snprintf(v, 48, "=_supportgw_%s", rnd);
			free(p->pa_value);
			p->pa_value = v;
			return 0;
		}
	}
	return -1;
}

/* Appends Content-Type: multipart/mixed, the blank line and the parts:
 * the text, then each file in base64. */
static int append_multipart(struct strbuf *b, const struct compose_input *in,
			    bool qp, size_t *header_len_r)
{
	struct mailmime *root = NULL, *part;
	struct strbuf text, enc;
	MMAPString *ms = NULL;
	int col = 0, ret = -1;

	strbuf_init(&enc, 4 * MAX_MESSAGE);
	if (crlf_text(in->body, &text) < 0 ||
	    (qp && append_qp(&enc, strbuf_str(&text), text.len) < 0))
		goto out;
	root = mailmime_multiple_new("multipart/mixed");
	if (root == NULL || set_boundary(root) < 0)
		goto out;
	part = leaf_new(mailmime_content_new_with_str("text/plain; charset=utf-8"),
			mailmime_fields_new_encoding(qp ? MAILMIME_MECHANISM_QUOTED_PRINTABLE :
						     MAILMIME_MECHANISM_7BIT),
			qp ? strbuf_str(&enc) : strbuf_str(&text), qp ? enc.len : text.len,
			true);
	if (part == NULL)
		goto out;
	if (mailmime_smart_add_part(root, part) != MAILIMF_NO_ERROR) {
		mailmime_free(part);
		goto out;
	}
	for (size_t i = 0; i < in->attachment_count; i++) {
		const struct compose_attachment *a = &in->attachments[i];
		char *name = param_filename(a->filename);
		struct mailmime_fields *fields = mailmime_fields_new_filename(
			a->is_inline ? MAILMIME_DISPOSITION_TYPE_INLINE :
			MAILMIME_DISPOSITION_TYPE_ATTACHMENT, name,
			MAILMIME_MECHANISM_BASE64);

		if (fields == NULL) {
			free(name);
			goto out;
		}
		part = leaf_new(leaf_content(a->content_type), fields,
				a->size > 0 ? a->data : "", a->size, false);
		if (part == NULL)
			goto out;
		if (mailmime_smart_add_part(root, part) != MAILIMF_NO_ERROR) {
			mailmime_free(part);
			goto out;
		}
	}
	ms = mmap_string_new("");
	if (ms == NULL ||
	    mailmime_content_write_mem(ms, &col, root->mm_content_type) != MAILIMF_NO_ERROR ||
	    mmap_string_append(ms, "\r\n") == NULL)
		goto out;
	*header_len_r = b->len + ms->len;
	col = 0;
	if (mailmime_write_mem(ms, &col, root) != MAILIMF_NO_ERROR)
		goto out;
	ret = strbuf_append(b, ms->str, ms->len);
out:
	if (ms != NULL)
		mmap_string_free(ms);
	if (root != NULL)
		mailmime_free(root);
	strbuf_deinit(&text);
	strbuf_deinit(&enc);
	return ret;
}

/*
 * "Name <addr>" (the name maybe quoted) into its parts; false when s is
 * not of that form.
 */
static bool split_mailbox(struct pool *pool, const char *s, const char **name_r,
			  const char **addr_r)
{
	const char *lt = strrchr(s, '<'), *gt;
	size_t n;

	if (lt == NULL || (gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
		return false;
	n = (size_t)(lt - s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		*name_r = pool_strndup(pool, s + 1, n - 2);
	else
		*name_r = pool_strndup(pool, s, n);
	*addr_r = pool_strndup(pool, lt + 1, (size_t)(gt - lt - 1));
	return true;
}

int compose_message(const struct config *config, struct pool *pool,
		    const struct compose_input *in,
		    const struct compose_reply_to *reply, int64_t now,
		    struct compose_output *out, const char **error_r)
{
	const struct smtp_config *s = &config->smtp;
	struct strbuf b, cc, rcpt;
	char date[64], rnd[33], msgid[256];
	const char *subject, *to = one_line(pool, in->to);
	time_t t = (time_t)now;
	struct tm tm;
	size_t cap = MAX_MESSAGE, header_len = 0;
	bool qp;
	int r = 0;

	*error_r = NULL;
	memset(out, 0, sizeof(*out));
	if (strchr(to, '@') == NULL || strpbrk(to, " <>\"") != NULL) {
		*error_r = "the recipient is not an address";
		return -1;
	}
	/* Files travel in base64: 4/3 of their size plus line ends, and the
	 * headers of each part. */
	for (size_t i = 0; i < in->attachment_count; i++) {
		if (in->attachments[i].size > (SIZE_MAX - cap) / 2 - 4096) {
			*error_r = "the attachments are too large";
			return -1;
		}
		cap += 2 * in->attachments[i].size + 4096;
	}
	strbuf_init(&b, cap);
	strbuf_init(&cc, 8192);
	strbuf_init(&rcpt, 8192);
	if (strbuf_appendstr(&rcpt, to) < 0 ||
	    (in->cc != NULL && add_cc(pool, in->cc, &cc, &rcpt, error_r) < 0) ||
	    (in->bcc != NULL && add_bcc(pool, in->bcc, &rcpt, error_r) < 0)) {
		if (*error_r == NULL)
			*error_r = "too many recipients";
		r = -1;
		goto out;
	}
	subject = final_subject(config, pool, one_line(pool, in->subject),
				in->case_number);
	gmtime_r(&t, &tm);
	/* RFC 5322 date in English whatever the locale */
	{
		static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
			"Thu", "Fri", "Sat" };
		static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
			"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

		snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000",
			 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	random_hex(rnd, 8);
	snprintf(msgid, sizeof(msgid), "%" PRId64 ".%" PRIu64 ".%s@%s", now,
		 in->case_number, rnd, domain_of(s->from_addr));
	qp = needs_qp(in->body);

	/* From: the configured one (or the team's); its name may need
	 * encoding */
	{
		const char *from = in->from != NULL ? one_line(pool, in->from) : s->from;
		const char *lt = from != NULL ? strrchr(from, '<') : NULL;
		const char *name = NULL, *addr = s->from_addr;

		if (lt != NULL) {
			size_t n = (size_t)(lt - from);

			while (n > 0 && from[n - 1] == ' ')
				n--;
			name = pool_strndup(pool, from, n);
			if (name[0] == '"' && n >= 2 && name[n - 1] == '"')
				name = pool_strndup(pool, name + 1, n - 2);
		}
		if (in->from != NULL) {
			addr = lt != NULL ? pool_strndup(pool, lt + 1, strcspn(lt + 1, ">")) : from;
			if (strchr(addr, '@') == NULL || strpbrk(addr, " <>\"") != NULL) {
				*error_r = "the sender is not an address";
				r = -1;
				goto out;
			}
		}
		r |= strbuf_appendstr(&b, "From: ");
		r |= append_mailbox(&b, name, addr != NULL ? addr :
				    "support@supportgw.invalid");
		r |= strbuf_append(&b, "\r\n", 2);
	}
	r |= strbuf_appendstr(&b, "To: ");
	r |= append_mailbox(&b, in->to_name != NULL ? one_line(pool, in->to_name) : NULL, to);
	r |= strbuf_append(&b, "\r\n", 2);
	if (cc.len > 0)
		r |= strbuf_appendf(&b, "Cc: %s\r\n", strbuf_str(&cc));
	if (in->reply_to != NULL && *in->reply_to != '\0') {
		const char *rt = one_line(pool, in->reply_to), *rname, *raddr;

		if (strchr(rt, '@') == NULL) {
			*error_r = "the template's Reply-To: has no address";
			r = -1;
			goto out;
		}
		/* A person's name may need encoding, the address never. */
		if (split_mailbox(pool, rt, &rname, &raddr) &&
		    strchr(raddr, '@') != NULL && strpbrk(raddr, " <>\"") == NULL) {
			r |= strbuf_appendstr(&b, "Reply-To: ");
			r |= append_mailbox(&b, rname, raddr);
			r |= strbuf_append(&b, "\r\n", 2);
		} else {
			r |= append_header(&b, "Reply-To", rt);
		}
	}
	r |= append_header(&b, "Subject", subject);
	r |= strbuf_appendf(&b, "Date: %s\r\n", date);
	r |= strbuf_appendf(&b, "Message-ID: <%s>\r\n", msgid);
	if (reply != NULL && reply->message_id != NULL) {
		size_t first = reply->references_count > MAX_REFERENCES - 1 ?
			reply->references_count - (MAX_REFERENCES - 1) : 0;

		r |= strbuf_appendf(&b, "In-Reply-To: <%s>\r\n", one_line(pool, reply->message_id));
		r |= strbuf_appendstr(&b, "References:");
		for (size_t i = first; i < reply->references_count; i++)
			r |= strbuf_appendf(&b, "%s<%s>", i == first ? " " : "\r\n ",
					    one_line(pool, reply->references[i]));
		r |= strbuf_appendf(&b, "%s<%s>\r\n", reply->references_count > first ?
				    "\r\n " : " ", one_line(pool, reply->message_id));
	}
	/* RFC 3834: an automatic answer says so, and what loops back is
	 * recognised by the X-Loop it carries. */
	if (in->kind == COMPOSE_AUTO_REPLY)
		r |= strbuf_appendstr(&b, "Auto-Submitted: auto-replied\r\n");
	else if (in->kind == COMPOSE_AUTO_GENERATED)
		r |= strbuf_appendstr(&b, "Auto-Submitted: auto-generated\r\n");
	r |= strbuf_appendf(&b, "X-Loop: %s\r\n", s->from_addr != NULL ?
			    s->from_addr : "supportgw");
	r |= strbuf_appendstr(&b, "MIME-Version: 1.0\r\n");
	if (in->attachment_count > 0) {
		if (r == 0)
			r = append_multipart(&b, in, qp, &header_len);
	} else {
		r |= strbuf_appendf(&b, "Content-Type: text/plain; charset=utf-8\r\n"
				    "Content-Transfer-Encoding: %s\r\n\r\n",
				    qp ? "quoted-printable" : "7bit");
		header_len = b.len;
		if (r == 0)
			r = append_body(&b, in->body, qp);
	}
	if (r != 0) {
		*error_r = "the message is too large";
		r = -1;
		goto out;
	}
	out->message_id = pool_strdup(pool, msgid);
	out->raw_len = b.len;
	out->raw = pool_strndup(pool, strbuf_str(&b), b.len);
	out->rcpt = pool_strdup(pool, strbuf_str(&rcpt));
	out->subject = subject;
	out->header_len = header_len;
out:
	strbuf_deinit(&b);
	strbuf_deinit(&cc);
	strbuf_deinit(&rcpt);
	return r;
}
