/*
 * compose.c - template data and the finished outgoing message; see
 * include/compose.h.
 *
 * Encodings come from the libraries: RFC 2047 encoded words are base64
 * from nettle in "=?UTF-8?B?...?=" words cut at character boundaries, and
 * the body's quoted-printable is libetpan's writer.  What is written here
 * is the choice of headers and the guard that no value can add one.
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
 * folding whitespace.
 */
static int append_encoded(struct strbuf *b, const char *s)
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
		if (strbuf_appendf(b, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", enc) < 0)
			return -1;
		first = false;
		p += n;
	}
	return 0;
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

/* Appends the body with CRLF line ends, quoted-printable when needed. */
static int append_body(struct strbuf *b, const char *body, bool qp)
{
	struct strbuf text;
	int col = 0, ret = 0;

	/* LF and CRLF in, CRLF out */
	strbuf_init(&text, MAX_MESSAGE);
	for (const char *p = body; *p != '\0' && ret == 0; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n')
			ret = strbuf_append(&text, "\r\n", 2);
		else
			ret = strbuf_appendc(&text, *p);
	}
	if (ret == 0 && (text.len < 2 || memcmp(strbuf_str(&text) + text.len - 2, "\r\n", 2) != 0))
		ret = strbuf_append(&text, "\r\n", 2);
	if (ret == 0 && !qp)
		ret = strbuf_append(b, strbuf_str(&text), text.len);
	else if (ret == 0 &&
		 mailmime_quoted_printable_write_driver(write_strbuf, b, &col, 1,
							 strbuf_str(&text), text.len) != 0)
		ret = -1;
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
	bool qp;
	int r = 0;

	*error_r = NULL;
	memset(out, 0, sizeof(*out));
	if (strchr(to, '@') == NULL || strpbrk(to, " <>\"") != NULL) {
		*error_r = "the recipient is not an address";
		return -1;
	}
	strbuf_init(&b, MAX_MESSAGE);
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
		const char *rt = one_line(pool, in->reply_to);

		if (strchr(rt, '@') == NULL) {
			*error_r = "the template's Reply-To: has no address";
			r = -1;
			goto out;
		}
		r |= append_header(&b, "Reply-To", rt);
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
	r |= strbuf_appendstr(&b, "MIME-Version: 1.0\r\n"
			      "Content-Type: text/plain; charset=utf-8\r\n");
	r |= strbuf_appendf(&b, "Content-Transfer-Encoding: %s\r\n\r\n",
			    qp ? "quoted-printable" : "7bit");
	if (r == 0)
		r = append_body(&b, in->body, qp);
	if (r != 0) {
		*error_r = "the message is too large";
		r = -1;
		goto out;
	}
	out->message_id = pool_strdup(pool, msgid);
	out->raw_len = b.len;
	out->raw = pool_strndup(pool, strbuf_str(&b), b.len);
	out->rcpt = pool_strdup(pool, strbuf_str(&rcpt));
out:
	strbuf_deinit(&b);
	strbuf_deinit(&cc);
	strbuf_deinit(&rcpt);
	return r;
}
