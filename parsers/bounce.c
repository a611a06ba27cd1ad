/*
 * bounce.c - what a delivery status notification says; see include/bounce.h.
 *
 * Works on what message_parse() made of the mail: the MIME parts are its
 * attachments (a message/rfc822 part is one attachment, never walked into),
 * the text of a plain-text bounce is msg->text (UTF-8, LF line ends).
 *
 * The message/delivery-status body (RFC 3464 section 2) is a "Name: value"
 * syntax with folding, in groups separated by blank lines; it is no RFC 5322
 * header (no structured field of it is an RFC 5322 one), so a small line
 * reader splits it.  Message-IDs, of the returned message and of
 * Original-Message-ID fields, go to libetpan's mailimf_msg_id_parse with
 * the same lenient fallback as parsers/message_fields.c.
 *
 * Every loop is over lines or bytes of the input once; the lists are capped
 * (BOUNCE_MAX_*), so a hostile report with 100,000 recipients costs one pass
 * and the look-ups for duplicates stay bounded.
 */
#include "bounce.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libetpan/mailimf.h>

#include "charset.h"
#include "message.h"
#include "pool.h"
#include "util.h"

/* Bytes of a plain-text bounce searched for the separator before the
 * returned message, for failed addresses and for delay wording.  Bounce
 * texts are a few lines; the returned message after them can be large. */
#define SCAN_MAX (64u * 1024u)
/* Longest address and Message-ID taken (RFC 5321 path, RFC 5322 line). */
#define ADDR_MAX 320u
#define ID_MAX 998u

struct state {
	struct pool *pool;
	const struct message *msg;
	struct bounce_report *r;
	size_t ids_alloc, failed_alloc;
	bool saw_recipient;     /* a delivery-status group names a recipient */
	bool any_failed;        /* one says Action: failed */
};

/* ---- small helpers ---------------------------------------------------- */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ctype_is(const char *ct, const char *a, const char *b)
{
	return ct != NULL && (str_ieq(ct, a) || (b != NULL && str_ieq(ct, b)));
}

static bool is_status_part(const char *ct)
{
	return ctype_is(ct, "message/delivery-status", "message/global-delivery-status");
}

static bool is_returned_part(const char *ct)
{
	return ctype_is(ct, "message/rfc822", "message/global") ||
	       ctype_is(ct, "text/rfc822-headers", "message/global-headers");
}

/* Case-insensitive search of the ASCII needle in [hay, hay + len). */
static const char *ci_find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0 || len < n)
		return NULL;
	for (size_t i = 0; i + n <= len; i++) {
		if ((hay[i] | 0x20) == (needle[0] | 0x20) && str_ieqn(hay + i, needle, n))
			return hay + i;
	}
	return NULL;
}

/* Cut point of s at most max bytes long that does not split a UTF-8
 * sequence (s valid UTF-8, len > max). */
static size_t utf8_cut(const char *s, size_t max)
{
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* s (pool-owned, n bytes) as valid UTF-8 of at most max bytes, or NULL
 * when empty. */
static const char *utf8_text(struct pool *pool, char *s, size_t n, size_t max)
{
	if (!utf8_valid(s, n)) {
		s = charset_to_utf8(pool, NULL, s, n, NULL);
		n = strlen(s);
	}
	if (n > max) {
		n = utf8_cut(s, max);
		s[n] = '\0';
	}
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return n > 0 ? s : NULL;
}

/*
 * A field value on one line: each line break, with the white space around
 * it, becomes one space; other control characters become spaces; trimmed.
 * At most max bytes are kept, cut before a UTF-8 continuation byte.
 */
static char *unfold(struct pool *pool, const char *v, size_t len, size_t max,
		    size_t *len_r)
{
	char *out = pool_alloc(pool, (len < max ? len : max) + 1);
	size_t n = 0, i;

	for (i = 0; i < len && n < max; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r' || c == '\n') {
			while (n > 0 && out[n - 1] == ' ')
				n--;
			while (i + 1 < len && (is_wsp(v[i + 1]) || v[i + 1] == '\r' ||
					       v[i + 1] == '\n'))
				i++;
			if (n > 0)
				out[n++] = ' ';
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ' && n == 0)
			continue;
		out[n++] = (char)c;
	}
	if (i < len && ((unsigned char)v[i] & 0xC0) == 0x80) {
		/* Cut inside a sequence: drop its first bytes too. */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0xC0)
			n--;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	*len_r = n;
	return out;
}

/* ---- lists ------------------------------------------------------------ */

static void push_id(struct state *st, const char *id)
{
	struct bounce_report *r = st->r;

	if (id == NULL || r->original_id_count >= BOUNCE_MAX_IDS)
		return;
	for (size_t i = 0; i < r->original_id_count; i++)
		if (strcmp(r->original_ids[i], id) == 0)
			return;
	if (r->original_id_count == st->ids_alloc) {
		size_t n = st->ids_alloc ? st->ids_alloc * 2 : 4;

		r->original_ids = pool_realloc(st->pool, r->original_ids,
					       st->ids_alloc * sizeof(*r->original_ids),
					       n * sizeof(*r->original_ids));
		st->ids_alloc = n;
	}
	r->original_ids[r->original_id_count++] = id;
}

static void push_failed(struct state *st, const char *addr)
{
	struct bounce_report *r = st->r;

	if (addr == NULL || r->failed_count >= BOUNCE_MAX_FAILED)
		return;
	for (size_t i = 0; i < r->failed_count; i++)
		if (strcmp(r->failed[i], addr) == 0)
			return;
	if (r->failed_count == st->failed_alloc) {
		size_t n = st->failed_alloc ? st->failed_alloc * 2 : 4;

		r->failed = pool_realloc(st->pool, r->failed,
					 st->failed_alloc * sizeof(*r->failed),
					 n * sizeof(*r->failed));
		st->failed_alloc = n;
	}
	r->failed[r->failed_count++] = addr;
}

/* ---- values ----------------------------------------------------------- */

/* An addr-spec as found in a report: "local@domain", no white space, no
 * brackets; returns it lower-case from the pool, or NULL. */
static const char *make_addr(struct pool *pool, const char *s, size_t len)
{
	const char *at;
	char *a;

	if (len < 3 || len > ADDR_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f ||
		    strchr("<>(),;:\"[]\\", s[i]) != NULL)
			return NULL;
	at = memchr(s, '@', len);
	if (at == NULL || at == s || at == s + len - 1 || !utf8_valid(s, len))
		return NULL;
	a = pool_strndup(pool, s, len);
	return str_lower(a);
}

/* "rfc822; <User@Example.com>" (or "utf-8;", or a bare address): the
 * address part, lower-case, or NULL. */
static const char *recipient_addr(struct pool *pool, const char *v, size_t len)
{
	size_t n, b = 0, e;
	char *s = unfold(pool, v, len, ADDR_MAX * 2, &n);
	const char *semi = memchr(s, ';', n);

	if (semi != NULL)
		b = (size_t)(semi - s) + 1;
	while (b < n && is_wsp(s[b]))
		b++;
	if (b < n && s[b] == '<') {
		const char *gt = memchr(s + b, '>', n - b);

		if (gt == NULL)
			return NULL;
		b++;
		e = (size_t)(gt - s);
	} else {
		e = b;
		while (e < n && !is_wsp(s[e]) && s[e] != '(')
			e++;
	}
	return make_addr(pool, s + b, e - b);
}

static bool id_ok(const char *id, size_t len)
{
	if (len == 0 || len > ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)id[i] <= ' ' || id[i] == 0x7f || id[i] == '<' ||
		    id[i] == '>')
			return false;
	return utf8_valid(id, len);
}

/* The msg-id of a Message-ID or Original-Message-ID value, brackets
 * removed, or NULL: mailimf_msg_id_parse, else (Lotus Notes' "000000B9")
 * the first word without brackets, as parsers/message_fields.c does. */
static const char *parse_id(struct pool *pool, const char *v, size_t len)
{
	size_t n, idx = 0, b = 0, e;
	char *s = unfold(pool, v, len, ID_MAX + 2, &n);
	char *id = NULL;
	const char *res = NULL;

	if (mailimf_msg_id_parse(s, n, &idx, &id) == MAILIMF_NO_ERROR) {
		if (id != NULL && id_ok(id, strlen(id)))
			res = pool_strdup(pool, id);
		mailimf_msg_id_free(id);
		if (res != NULL)
			return res;
	}
	while (b < n && (is_wsp(s[b]) || s[b] == '<'))
		b++;
	e = b;
	while (e < n && !is_wsp(s[e]) && s[e] != '>')
		e++;
	if (!id_ok(s + b, e - b))
		return NULL;
	return pool_strndup(pool, s + b, e - b);
}

/* First token of a value (up to white space, ';' or '('), unfolded. */
static const char *first_token(struct pool *pool, const char *v, size_t len,
			       size_t *len_r)
{
	size_t n, e = 0;
	char *s = unfold(pool, v, len, 64, &n);

	while (e < n && !is_wsp(s[e]) && s[e] != ';' && s[e] != '(')
		e++;
	s[e] = '\0';
	*len_r = e;
	return s;
}

/* "5.1.1" at s (class.subject.detail, RFC 3463), its length or 0. */
static size_t status_code_len(const char *s, size_t len)
{
	size_t i = 1, k;

	if (len < 5 || !is_digit(s[0]) || s[1] != '.')
		return 0;
	for (int part = 0; part < 2; part++) {
		i++;
		for (k = 0; k < 3 && i < len && is_digit(s[i]); k++)
			i++;
		if (k == 0)
			return 0;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
		}
	}
	if (i < len && is_digit(s[i]))
		return 0;
	return i;
}

static const char *parse_status(struct pool *pool, const char *v, size_t len)
{
	size_t n;
	const char *t = first_token(pool, v, len, &n);

	return n > 0 && status_code_len(t, n) == n ? t : NULL;
}

/* The first 4.x.x or 5.x.x code in text, or NULL. */
static const char *find_status(struct pool *pool, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t n;

		if ((s[i] != '4' && s[i] != '5') ||
		    (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.')))
			continue;
		n = status_code_len(s + i, len - i);
		if (n == 0)
			continue;
		/* "5.1.1." ends a sentence; "5.1.1.3" is an address. */
		if (i + n + 1 < len && s[i + n] == '.' && is_digit(s[i + n + 1]))
			continue;
		return pool_strndup(pool, s + i, n);
	}
	return NULL;
}

/* Diagnostic-Code: "smtp; 550 5.1.1 User unknown": the text after the
 * diagnostic type. */
static const char *parse_diagnostic(struct pool *pool, const char *v, size_t len)
{
	size_t n, t = 0;
	char *s = unfold(pool, v, len, BOUNCE_MAX_DIAGNOSTIC + 64, &n);

	while (t < n && t <= 32 && (is_digit(s[t]) || ((s[t] | 0x20) >= 'a' &&
		(s[t] | 0x20) <= 'z') || s[t] == '-' || s[t] == '_' || s[t] == '.'))
		t++;
	if (t > 0 && t < n && s[t] == ';') {
		t++;
		while (t < n && s[t] == ' ')
			t++;
		s += t;
		n -= t;
	}
	return utf8_text(pool, s, n, BOUNCE_MAX_DIAGNOSTIC);
}

/* ---- "Name: value" blocks --------------------------------------------- */

struct line {
	const char *p;
	size_t len;             /* without the line end */
};

static bool next_line(const char *data, size_t len, size_t *pos, struct line *l)
{
	size_t start = *pos, end;
	const char *eol;

	if (start >= len)
		return false;
	eol = memchr(data + start, '\n', len - start);
	end = eol != NULL ? (size_t)(eol - data) : len;
	*pos = eol != NULL ? end + 1 : len;
	if (end > start && data[end - 1] == '\r')
		end--;
	l->p = data + start;
	l->len = end - start;
	return true;
}

static bool line_blank(const struct line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!is_wsp(l->p[i]) && l->p[i] != '\r')
			return false;
	return true;
}

struct field {
	const char *name;
	size_t name_len;
	const char *value;      /* raw, folded */
	size_t value_len;
};

static bool field_is(const struct field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && str_ieqn(f->name, name, n);
}

/* Length of "name" when the line is "name:" (white space allowed before
 * the colon), else 0. */
static size_t field_name_len(const struct line *l, size_t *colon_r)
{
	size_t n = 0, k;

	while (n < l->len && (unsigned char)l->p[n] > ' ' &&
	       (unsigned char)l->p[n] < 0x7f && l->p[n] != ':')
		n++;
	k = n;
	while (k < l->len && is_wsp(l->p[k]))
		k++;
	if (n == 0 || k >= l->len || l->p[k] != ':')
		return 0;
	*colon_r = k;
	return n;
}

/*
 * The next field of the block at *pos: a "name:" line with the continuation
 * lines (starting with white space) after it.  False at a blank line (which
 * is consumed: *pos is then the next block) or at the end.  A line that is
 * neither field nor continuation is skipped.
 */
static bool next_field(const char *data, size_t len, size_t *pos, struct field *f)
{
	struct line l;
	size_t colon, n;

	for (;;) {
		if (!next_line(data, len, pos, &l) || line_blank(&l))
			return false;
		if (is_wsp(l.p[0]))
			continue;       /* a continuation of nothing */
		n = field_name_len(&l, &colon);
		if (n == 0)
			continue;
		f->name = l.p;
		f->name_len = n;
		f->value = l.p + colon + 1;
		f->value_len = l.len - colon - 1;
		for (;;) {
			struct line c;
			size_t p2 = *pos;

			if (!next_line(data, len, &p2, &c) || c.len == 0 ||
			    !is_wsp(c.p[0]) || line_blank(&c))
				break;
			f->value_len = (size_t)(c.p + c.len - f->value);
			*pos = p2;
		}
		return true;
	}
}

/* ---- the returned message --------------------------------------------- */

/*
 * Reads the header block at the start of a returned message (or of its
 * header part): its Message-ID goes to the list.  Returns whether there was
 * a header block at all: after blank lines and an mbox "From " line, the
 * first line must be a field.  Further lines that are neither field nor
 * continuation are skipped up to the blank line that ends the block:
 * copies whose continuation lines lost their indentation (otrs/Test10's
 * "Received: by ...\nid AB35D32CDC7; ...") still give their Message-ID.
 */
static bool read_returned(struct state *st, const char *data, size_t len)
{
	struct field f;
	struct line l;
	size_t pos = 0, save, colon;

	if (data == NULL)
		return false;
	for (;;) {              /* blank lines before the header */
		save = pos;
		if (!next_line(data, len, &pos, &l))
			return false;
		if (!line_blank(&l))
			break;
	}
	if (l.len > 5 && memcmp(l.p, "From ", 5) == 0) {
		save = pos;     /* mbox line */
		if (!next_line(data, len, &pos, &l))
			return false;
	}
	if (field_name_len(&l, &colon) == 0)
		return false;
	pos = save;
	while (next_field(data, len, &pos, &f)) {
		if (field_is(&f, "message-id")) {
			push_id(st, parse_id(st->pool, f.value, f.value_len));
			break;
		}
	}
	return true;
}

/* ---- message/delivery-status ------------------------------------------ */

struct recipient {
	struct field final, original, action, status, diagnostic;
	bool has_final, has_original, has_action, has_status, has_diagnostic;
};

static void recipient_end(struct state *st, struct recipient *rc)
{
	struct bounce_report *r = st->r;
	bool failed;

	if (!rc->has_final && !rc->has_original && !rc->has_action)
		goto done;      /* the per-message fields */
	st->saw_recipient = true;
	if (rc->has_action) {
		size_t n;
		const char *a = first_token(st->pool, rc->action.value,
					    rc->action.value_len, &n);

		failed = str_ieq(a, "failed");
	} else {
		/* RFC 3464 requires Action; without it a permanent
		 * Status says enough. */
		size_t n;
		const char *s = rc->has_status ? first_token(st->pool, rc->status.value,
							   rc->status.value_len, &n) : "";

		failed = s[0] == '5';
	}
	if (!failed)
		goto done;
	st->any_failed = true;
	{
		const char *addr = NULL;

		if (rc->has_final)
			addr = recipient_addr(st->pool, rc->final.value, rc->final.value_len);
		if (addr == NULL && rc->has_original)
			addr = recipient_addr(st->pool, rc->original.value,
					      rc->original.value_len);
		push_failed(st, addr);
	}
	if (r->status == NULL && rc->has_status)
		r->status = parse_status(st->pool, rc->status.value, rc->status.value_len);
	if (r->diagnostic == NULL && rc->has_diagnostic)
		r->diagnostic = parse_diagnostic(st->pool, rc->diagnostic.value,
						 rc->diagnostic.value_len);
done:
	memset(rc, 0, sizeof(*rc));
}

/*
 * The groups of a delivery-status body.  Any group naming a recipient is
 * one (the per-message group has none); a group holding a second
 * Final-Recipient, or a recipient field after an Action, is taken as the
 * next recipient whose blank line is missing.
 */
static void read_status(struct state *st, const char *data, size_t len)
{
	struct recipient rc;
	struct field f;
	size_t pos = 0;

	if (data == NULL)
		return;
	memset(&rc, 0, sizeof(rc));
	while (pos < len) {
		while (next_field(data, len, &pos, &f)) {
			switch (f.name[0] | 0x20) {
			case 'f':
				if (field_is(&f, "final-recipient")) {
					if (rc.has_final || rc.has_action)
						recipient_end(st, &rc);
					rc.final = f;
					rc.has_final = true;
				}
				break;
			case 'o':
				if (field_is(&f, "original-recipient")) {
					if (rc.has_original || rc.has_action)
						recipient_end(st, &rc);
					rc.original = f;
					rc.has_original = true;
				} else if (field_is(&f, "original-message-id")) {
					push_id(st, parse_id(st->pool, f.value, f.value_len));
				}
				break;
			case 'x':
				if (field_is(&f, "x-original-message-id"))
					push_id(st, parse_id(st->pool, f.value, f.value_len));
				break;
			case 'a':
				if (field_is(&f, "action")) {
					if (rc.has_action)
						recipient_end(st, &rc);
					rc.action = f;
					rc.has_action = true;
				}
				break;
			case 's':
				if (!rc.has_status && field_is(&f, "status")) {
					rc.status = f;
					rc.has_status = true;
				}
				break;
			case 'd':
				if (!rc.has_diagnostic && field_is(&f, "diagnostic-code")) {
					rc.diagnostic = f;
					rc.has_diagnostic = true;
				}
				break;
			default:
				break;
			}
		}
		recipient_end(st, &rc);
	}
}

/* ---- what kind of mail ------------------------------------------------ */

/* X-Failed-Recipients (Exim, Gmail): "a@b, <c@d>". */
static void failed_header(struct state *st)
{
	const struct message *msg = st->msg;

	for (size_t i = 0; i < msg->header_count; i++) {
		const struct msg_header *h = &msg->headers[i];
		const char *v = h->value;

		if (h->name == NULL || v == NULL || !str_ieq(h->name, "x-failed-recipients"))
			continue;
		while (*v != '\0') {
			size_t n = strcspn(v, ","), b = 0, e = n;
			const char *lt = memchr(v, '<', n), *gt;

			if (lt != NULL && (gt = memchr(lt, '>', n - (size_t)(lt - v))) != NULL) {
				b = (size_t)(lt - v) + 1;
				e = (size_t)(gt - v);
			}
			while (b < e && is_wsp(v[b]))
				b++;
			while (e > b && is_wsp(v[e - 1]))
				e--;
			push_failed(st, make_addr(st->pool, v + b, e - b));
			v += n;
			if (*v == ',')
				v++;
		}
	}
}

static bool has_status_part(const struct message *msg)
{
	for (size_t i = 0; i < msg->attachment_count; i++)
		if (is_status_part(msg->attachments[i].content_type))
			return true;
	return false;
}

/* Sent by the mail system: RFC 5321 4.5.5 null sender, MAILER-DAEMON or
 * postmaster, or Exim's X-Failed-Recipients. */
static bool from_mail_system(const struct message *msg)
{
	const char *addr = msg->from.addr;

	if (msg->return_path != NULL && msg->return_path[0] == '\0')
		return true;
	if (addr != NULL) {
		const char *at = strchr(addr, '@');
		size_t n = at != NULL ? (size_t)(at - addr) : strlen(addr);

		if ((n == 13 && (str_ieqn(addr, "mailer-daemon", n) ||
				 str_ieqn(addr, "mailer_daemon", n))) ||
		    (n == 11 && str_ieqn(addr, "mail-daemon", n)) ||
		    (n == 10 && str_ieqn(addr, "postmaster", n)))
			return true;
	}
	return message_header(msg, "X-Failed-Recipients") != NULL;
}

/* Lines before the returned copy in plain-text bounces. */
static const char *const separators[] = {
	"Below this line is a copy of the message",     /* qmail */
	"Enclosed are the original headers of the message", /* qmail */
	"This is a copy of the message",                /* Exim: also "...'s headers" */
	"----- Original message -----",                 /* old Gmail */
	"Original message follows",                     /* sendmail, others */
	"Unsent message follows",                       /* sendmail */
	"Undelivered message follows",
};

static const char *const bounce_subjects[] = {
	"undeliver", "returned mail", "failure notice", "delivery status notification",
	"delivery failure", "delivery failed", "delivery has failed",
	"could not be delivered", "mail delivery", "nicht zustellbar",
	"unzustellbar", "non remis", "non distribuable", "onbestelbaar",
	"non recapitabile",
};

static const char *const delay_texts[] = {
	"this is a warning only", "not yet been delivered", "will be retried",
	"will keep trying", "delivery has been delayed", "delivery delayed",
};

static bool any_in(const char *s, size_t len, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ci_find(s, len, words[i]) != NULL)
			return true;
	return false;
}

/* Where the line holding the earliest separator starts (*after_r: where
 * the next line starts), or false. */
static bool find_separator(const char *text, size_t len, size_t *start_r,
			   size_t *after_r)
{
	const char *best = NULL, *eol;

	for (size_t i = 0; i < sizeof(separators) / sizeof(separators[0]); i++) {
		size_t lim = len;
		const char *p;

		/* Only a match starting before the best so far counts. */
		if (best != NULL && (size_t)(best - text) + strlen(separators[i]) < len)
			lim = (size_t)(best - text) + strlen(separators[i]);
		p = ci_find(text, lim, separators[i]);

		if (p != NULL && (best == NULL || p < best))
			best = p;
	}
	if (best == NULL)
		return false;
	while (best > text && best[-1] != '\n')
		best--;
	*start_r = (size_t)(best - text);
	eol = memchr(best, '\n', len - *start_r);
	*after_r = eol != NULL ? (size_t)(eol - text) + 1 : len;
	return true;
}

/* A line naming a failed address: "<a@b>:" (qmail) anywhere, or, after a
 * line saying what failed, a line that is an address alone ("  a@b",
 * "<a@b>", "a@b (reason)") as Exim, Gmail and sendmail write them. */
static const char *line_address(struct pool *pool, const char *p, size_t len,
				bool armed)
{
	size_t b = 0, e;
	bool bracket;

	while (b < len && is_wsp(p[b]))
		b++;
	while (len > b && (is_wsp(p[len - 1]) || p[len - 1] == '\r'))
		len--;
	bracket = b < len && p[b] == '<';
	if (bracket) {
		const char *gt = memchr(p + b, '>', len - b);

		if (gt == NULL)
			return NULL;
		e = (size_t)(gt - p) + 1;
		if (!armed && !(e + 1 == len && p[e] == ':'))
			return NULL;
	} else {
		if (!armed)
			return NULL;
		e = b;
		while (e < len && !is_wsp(p[e]))
			e++;
	}
	/* After the address: nothing, ":" or a "(comment)". */
	{
		size_t k = e;

		if (k < len && p[k] == ':')
			k++;
		while (k < len && is_wsp(p[k]))
			k++;
		if (k < len && p[k] != '(')
			return NULL;
	}
	if (bracket)
		return make_addr(pool, p + b + 1, e - b - 2);
	if (e > b && p[e - 1] == ':')
		e--;
	return make_addr(pool, p + b, e - b);
}

static bool trigger_line(const char *p, size_t len)
{
	return ci_find(p, len, "failed") != NULL ||
	       ci_find(p, len, "following address") != NULL ||
	       ci_find(p, len, "following recipient") != NULL ||
	       ci_find(p, len, "fatal error") != NULL ||
	       ci_find(p, len, "could not be delivered to") != NULL;
}

/*
 * The failed addresses of a plain-text bounce (pushed only when take is
 * set: X-Failed-Recipients, when present, is the better source) and the
 * diagnostic: the lines after the first address up to a blank line.
 */
static void scan_text(struct state *st, const char *text, size_t len, bool take)
{
	char diag[BOUNCE_MAX_DIAGNOSTIC + 1];
	size_t dlen = 0, pos = 0;
	bool armed = false, collecting = false, collected = false;
	struct line l;

	while (next_line(text, len, &pos, &l)) {
		const char *addr;
		size_t b = 0, e = l.len;

		if (line_blank(&l)) {
			if (collecting)
				collected = true;
			collecting = false;
			continue;
		}
		addr = line_address(st->pool, l.p, l.len, armed);
		if (addr != NULL) {
			if (take)
				push_failed(st, addr);
			if (!collected && !collecting)
				collecting = true;
			else if (collecting) {
				collecting = false;
				collected = true;
			}
			continue;
		}
		if (collecting) {
			while (b < e && is_wsp(l.p[b]))
				b++;
			while (e > b && is_wsp(l.p[e - 1]))
				e--;
			if (dlen > 0 && dlen < BOUNCE_MAX_DIAGNOSTIC)
				diag[dlen++] = ' ';
			if (e - b > BOUNCE_MAX_DIAGNOSTIC - dlen) {
				e = b + utf8_cut(l.p + b, BOUNCE_MAX_DIAGNOSTIC - dlen);
				collecting = false;
				collected = true;
			}
			memcpy(diag + dlen, l.p + b, e - b);
			dlen += e - b;
		}
		if (trigger_line(l.p, l.len)) {
			/* "Delivery failed 10 attempts: info@example.net" */
			const char *colon = NULL;

			for (size_t i = l.len; i > 0 && colon == NULL; i--)
				if (l.p[i - 1] == ':')
					colon = l.p + i - 1;
			if (colon != NULL && colon + 1 < l.p + l.len && is_wsp(colon[1])) {
				addr = line_address(st->pool, colon + 1,
						    (size_t)(l.p + l.len - colon - 1), true);
				if (addr != NULL && take)
					push_failed(st, addr);
			}
			armed = true;
		}
	}
	if (dlen > 0 && st->r->diagnostic == NULL) {
		char *d = pool_strndup(st->pool, diag, dlen);

		for (size_t i = 0; i < dlen; i++)
			if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f)
				d[i] = ' ';
		st->r->diagnostic = utf8_text(st->pool, d, dlen, BOUNCE_MAX_DIAGNOSTIC);
	}
}

/* ---- the two readings ------------------------------------------------- */

static size_t read_returned_parts(struct state *st)
{
	const struct message *msg = st->msg;
	size_t n = 0;

	for (size_t i = 0; i < msg->attachment_count; i++) {
		const struct msg_attachment *a = &msg->attachments[i];

		if (!is_returned_part(a->content_type))
			continue;
		n++;
		(void)read_returned(st, (const char *)a->data, a->data != NULL ? a->size : 0);
	}
	return n;
}

static void read_report(struct state *st)
{
	const struct message *msg = st->msg;
	size_t returned = read_returned_parts(st);

	for (size_t i = 0; i < msg->attachment_count; i++) {
		const struct msg_attachment *a = &msg->attachments[i];

		if (is_status_part(a->content_type))
			read_status(st, (const char *)a->data, a->data != NULL ? a->size : 0);
	}
	if (!st->saw_recipient)
		failed_header(st);
	st->r->is_bounce = st->any_failed || st->r->failed_count > 0 ||
			   (!st->saw_recipient && returned > 0);
}

static void read_plain(struct state *st)
{
	const struct message *msg = st->msg;
	const char *text = msg->text != NULL ? msg->text : "";
	const char *subject = msg->subject != NULL ? msg->subject : "";
	size_t tlen = strlen(text), scan = tlen < SCAN_MAX ? tlen : SCAN_MAX;
	size_t slen = strlen(subject), sep = 0, after = 0, returned;
	bool has_sep = find_separator(text, scan, &sep, &after);
	bool xfr = message_header(msg, "X-Failed-Recipients") != NULL;

	if (!has_sep && !xfr &&
	    !any_in(subject, slen, bounce_subjects,
		    sizeof(bounce_subjects) / sizeof(bounce_subjects[0])))
		return;
	/* Delay warnings; Exim writes X-Failed-Recipients only on failure. */
	if (!xfr && (ci_find(subject, slen, "delay") != NULL ||
		     str_ieqn(subject, "warning:", 8) ||
		     any_in(text, has_sep ? sep : scan, delay_texts,
			    sizeof(delay_texts) / sizeof(delay_texts[0]))))
		return;
	returned = read_returned_parts(st);
	if (returned == 0 && has_sep && read_returned(st, text + after, tlen - after))
		returned++;
	failed_header(st);
	scan_text(st, text, has_sep ? sep : scan, st->r->failed_count == 0);
	if (st->r->diagnostic != NULL)
		st->r->status = find_status(st->pool, st->r->diagnostic,
					    strlen(st->r->diagnostic));
	if (st->r->status == NULL)
		st->r->status = find_status(st->pool, text, has_sep ? sep : scan);
	st->r->is_bounce = st->r->failed_count > 0 || returned > 0;
	if (!st->r->is_bounce) {
		st->r->status = NULL;
		st->r->diagnostic = NULL;
	}
}

void bounce_parse(const struct message *msg, struct pool *pool,
		  struct bounce_report *r)
{
	struct state st;
	bool report = false;

	memset(r, 0, sizeof(*r));
	if (msg == NULL || pool == NULL)
		return;
	memset(&st, 0, sizeof(st));
	st.pool = pool;
	st.msg = msg;
	st.r = r;
	if (is_status_part(msg->content_type)) {
		report = true;          /* a bare report (flanker's delayed-broken) */
	} else if (ctype_is(msg->content_type, "multipart/report", NULL)) {
		const char *rt = msg->report_type;

		/* Read receipts and abuse reports return a message too. */
		report = ctype_is(rt, "delivery-status", "global-delivery-status") ||
			 has_status_part(msg);
		if (!report)
			return;
	} else if (from_mail_system(msg) && has_status_part(msg)) {
		report = true;          /* a report wrapped in another multipart */
	}
	if (report)
		read_report(&st);
	else if (from_mail_system(msg))
		read_plain(&st);
}
