/*
 * charset.c - any text to UTF-8; see include/charset.h for the contract.
 *
 * Conversion goes through iconv (the library libetpan's charconv wraps; we
 * call it directly because charconv silently turns invalid bytes into '?',
 * which hides the lying labels we must detect).  RFC 2047 encoded words are
 * found by a tolerant scanner here, but their B and Q payloads are decoded
 * by libetpan's mailmime_base64_body_parse / mailmime_quoted_printable_body_
 * parse: no base64 or quoted-printable code is written in this project.
 * mailmime_encoded_phrase_parse itself is not used: it refuses the whole
 * header when one word does not convert, and cannot report which label lied.
 *
 * Every deliberate tolerance is listed in parsers/TOLERANCES.md.
 */
#include "charset.h"

#include <errno.h>
#include <stdarg.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailmime_content.h>
#include <libetpan/mailmime_types.h>

#include "log.h"
#include "pool.h"
#include "util.h"

#define REPLACEMENT "\xEF\xBF\xBD"      /* U+FFFD in UTF-8 */
#define REPLACEMENT_LEN 3
#define FALLBACK_CHARSET "WINDOWS-1252"
#define LABEL_MAX 40                    /* longest charset label honoured */
#define EW_CHARSET_MAX 64               /* longest charset in an encoded word */

enum charset_kind {
	CHARSET_NONE,       /* no label */
	CHARSET_UTF8,
	CHARSET_ASCII,
	CHARSET_CP1252,     /* windows-1252 and the ISO-8859-1 it extends */
	CHARSET_WIDE,       /* UTF-16/32: never second-guessed */
	CHARSET_OTHER,      /* handed to iconv under name */
	CHARSET_INVALID,    /* a label no charset can have */
};

struct charset_label {
	enum charset_kind kind;
	char name[LABEL_MAX + 1];   /* iconv name for CHARSET_OTHER/WIDE */
	char shown[LABEL_MAX + 1];  /* sanitised label for notes */
};

/* Labels seen in real mail that iconv does not know, or that name a subset
 * of what the sender really used (WHATWG Encoding Standard mappings). */
static const struct {
	const char *label;
	const char *iconv_name;
} charset_aliases[] = {
	{ "gb2312", "GB18030" },
	{ "gb_2312-80", "GB18030" },
	{ "euc-cn", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "gbk", "GB18030" },
	{ "cp936", "GB18030" },
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601", "CP949" },
	{ "euc-kr", "CP949" },
	{ "korean", "CP949" },
	{ "shift_jis", "CP932" },
	{ "shift-jis", "CP932" },
	{ "sjis", "CP932" },
	{ "x-sjis", "CP932" },
	{ "ms_kanji", "CP932" },
	{ "windows-31j", "CP932" },
	{ "iso-2022-jp", "ISO-2022-JP-2" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-8859-8-e", "ISO-8859-8" },
	{ "iso-8859-6-i", "ISO-8859-6" },
	{ "windows-874", "CP874" },
	{ "tis-620", "CP874" },
	{ "big5", "BIG5-HKSCS" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "unicode-1-1-utf-7", "UTF-7" },
};

static const char *const cp1252_labels[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1",
	"cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252",
	"iso-8859-1:1987", "iso_8859-1:1987", "us-ascii8",
};

static const char *const ascii_labels[] = {
	"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "7bit",
	"iso-ir-6", "cp367", "ibm367",
};

/* ---- UTF-8 validation ---------------------------------------------- */

/* Length of the valid UTF-8 sequence starting with a byte >= 0x80 at
 * s[i], or 0 (RFC 3629: no overlongs, surrogates or values past U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t i, size_t len)
{
	unsigned char c = s[i];
	size_t n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (len - i < n)
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((s[i + k] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0) ||
	    (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90))
		return 0;
	return n;
}

bool utf8_valid(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0;

	while (i < len) {
		size_t n;

		if (s[i] < 0x80) {
			/* ASCII runs are the common case: skip them 8 at a time. */
			while (i + 8 <= len) {
				uint64_t w;

				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ull)
					break;
				i += 8;
			}
			while (i < len && s[i] < 0x80)
				i++;
			continue;
		}
		if ((n = utf8_seq(s, i, len)) == 0)
			return false;
		i += n;
	}
	return true;
}

static bool has_8bit(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] >= 0x80)
			return true;
	return false;
}

static size_t count_8bit(const char *data, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += (unsigned char)data[i] >= 0x80;
	return n;
}

/* ---- labels ----------------------------------------------------------- */

static bool label_in(const char *label, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(label, list[i]) == 0)
			return true;
	return false;
}

static void label_classify(const char *charset, struct charset_label *out)
{
	char buf[LABEL_MAX + 1];
	size_t len = 0;
	const char *p = charset;

	out->kind = CHARSET_NONE;
	out->name[0] = '\0';
	out->shown[0] = '\0';
	if (p == NULL)
		return;
	while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
		p++;
	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		/* RFC 2231 section 5: "charset*language" in encoded words. */
		if (c == '*' || c == '"' || c == '\'' || c == ';' ||
		    c == ' ' || c == '\t')
			break;
		if (len == LABEL_MAX) {
			out->kind = CHARSET_INVALID;
			memcpy(out->shown, "(overlong label)", 17);
			return;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':' || c == '+' || c == '(' || c == ')')) {
			out->kind = CHARSET_INVALID;
			memcpy(out->shown, "(invalid label)", 16);
			return;
		}
		buf[len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[len] = '\0';
	if (len == 0)
		return;
	memcpy(out->shown, buf, len + 1);

	if (strcmp(buf, "utf-8") == 0 || strcmp(buf, "utf8") == 0 ||
	    strcmp(buf, "x-utf-8") == 0) {
		out->kind = CHARSET_UTF8;
		return;
	}
	if (label_in(buf, ascii_labels, sizeof(ascii_labels) / sizeof(*ascii_labels))) {
		out->kind = CHARSET_ASCII;
		return;
	}
	if (label_in(buf, cp1252_labels, sizeof(cp1252_labels) / sizeof(*cp1252_labels))) {
		out->kind = CHARSET_CP1252;
		return;
	}
	out->kind = CHARSET_OTHER;
	for (size_t i = 0; i < sizeof(charset_aliases) / sizeof(*charset_aliases); i++) {
		if (strcmp(buf, charset_aliases[i].label) == 0) {
			size_t n = strlen(charset_aliases[i].iconv_name);

			memcpy(out->name, charset_aliases[i].iconv_name, n + 1);
			return;
		}
	}
	memcpy(out->name, buf, len + 1);
	if (strncmp(buf, "utf-16", 6) == 0 || strncmp(buf, "utf-32", 6) == 0 ||
	    strncmp(buf, "ucs-2", 5) == 0 || strncmp(buf, "ucs-4", 5) == 0)
		out->kind = CHARSET_WIDE;
}

/* ---- iconv ------------------------------------------------------------ */

struct outbuf {
	char *data;
	size_t len;
	size_t alloc;
};

static void outbuf_reserve(struct outbuf *out, size_t extra)
{
	size_t size;
	char *p;

	if (out->alloc - out->len >= extra)
		return;
	size = out->alloc < 256 ? 256 : out->alloc;
	while (size - out->len < extra)
		size *= 2;
	p = realloc(out->data, size);
	if (p == NULL)
		fatal("out of memory converting %zu bytes of text", size);
	out->data = p;
	out->alloc = size;
}

static void outbuf_append(struct outbuf *out, const char *data, size_t len)
{
	if (len == 0)
		return;
	outbuf_reserve(out, len);
	memcpy(out->data + out->len, data, len);
	out->len += len;
}

/* Converts with an open descriptor; every invalid or truncated input
 * sequence becomes U+FFFD.  Returns how many were replaced. */
static size_t iconv_run(iconv_t cd, const char *data, size_t len,
			struct outbuf *out)
{
	char *in = (char *)data;
	size_t inleft = len;
	size_t bad = 0;

	outbuf_reserve(out, len + len / 2 + 16);
	for (;;) {
		char *op = out->data + out->len;
		size_t oleft = out->alloc - out->len;
		size_t r = iconv(cd, inleft > 0 ? &in : NULL, &inleft, &op, &oleft);

		out->len = (size_t)(op - out->data);
		if (r != (size_t)-1) {
			if (inleft == 0) {
				/* Flush the shift state (ISO-2022-JP). */
				op = out->data + out->len;
				oleft = out->alloc - out->len;
				if (iconv(cd, NULL, NULL, &op, &oleft) == (size_t)-1 &&
				    errno == E2BIG) {
					outbuf_reserve(out, 64);
					continue;
				}
				out->len = (size_t)(op - out->data);
				break;
			}
			continue;
		}
		if (errno == E2BIG) {
			outbuf_reserve(out, inleft * 2 + 64);
		} else if (errno == EILSEQ) {
			outbuf_append(out, REPLACEMENT, REPLACEMENT_LEN);
			in++;
			inleft--;
			bad++;
		} else {
			/* EINVAL: the text ends inside a sequence. */
			outbuf_append(out, REPLACEMENT, REPLACEMENT_LEN);
			bad++;
			break;
		}
	}
	return bad;
}

/* Returns -1 when iconv does not know the charset. */
static int iconv_convert(const char *name, const char *data, size_t len,
			 struct outbuf *out, size_t *bad_r)
{
	iconv_t cd = iconv_open("UTF-8", name);

	if (cd == (iconv_t)-1)
		return -1;
	*bad_r = iconv_run(cd, data, len, out);
	iconv_close(cd);
	return 0;
}

/* windows-1252 never fails: its five undefined bytes become U+FFFD. */
static void convert_cp1252(const char *data, size_t len, struct outbuf *out)
{
	size_t bad;

	if (iconv_convert(FALLBACK_CHARSET, data, len, out, &bad) < 0)
		fatal("iconv has no %s converter", FALLBACK_CHARSET);
}

/* Pool copy of converted text; NUL bytes (UTF-16 text, broken mail)
 * become U+FFFD so that the result is an ordinary C string. */
static char *pool_text(struct pool *pool, const char *data, size_t len)
{
	size_t nuls = 0;
	char *res, *w;

	if (memchr(data, '\0', len) == NULL)
		return pool_strndup(pool, data, len);
	for (size_t i = 0; i < len; i++)
		nuls += data[i] == '\0';
	res = pool_alloc(pool, len + nuls * (REPLACEMENT_LEN - 1) + 1);
	w = res;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\0') {
			memcpy(w, REPLACEMENT, REPLACEMENT_LEN);
			w += REPLACEMENT_LEN;
		} else {
			*w++ = data[i];
		}
	}
	*w = '\0';
	return res;
}

/*
 * Pool copy of iconv's output, made valid UTF-8: glibc converts some
 * impossible input (a UCS-4 label on bytes that are not, giving code points
 * past U+10FFFF or surrogates) into byte sequences that are not UTF-8.
 * Found by fuzz/fuzz_header.c; every caller relies on valid UTF-8.
 */
static char *pool_text_valid(struct pool *pool, const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	char *res, *w;

	if (utf8_valid(data, len))
		return pool_text(pool, data, len);
	res = pool_alloc(pool, len * REPLACEMENT_LEN + 1);
	w = res;
	for (size_t i = 0; i < len;) {
		size_t n = s[i] == 0 ? 0 : s[i] < 0x80 ? 1 : utf8_seq(s, i, len);

		if (n == 0) {
			memcpy(w, REPLACEMENT, REPLACEMENT_LEN);
			w += REPLACEMENT_LEN;
			i++;
		} else {
			memcpy(w, s + i, n);
			w += n;
			i += n;
		}
	}
	*w = '\0';
	return res;
}

static void set_note(struct pool *pool, const char **note_r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_note(struct pool *pool, const char **note_r, const char *fmt, ...)
{
	va_list ap;

	if (note_r == NULL || *note_r != NULL)
		return;
	va_start(ap, fmt);
	*note_r = pool_vprintf(pool, fmt, ap);
	va_end(ap);
}

/* Declared conversion kept although it replaced some bytes?  Yes when only
 * a few of the 8-bit bytes were bad (a truncated character in otherwise
 * good text); no when most were (the label lies). */
static bool keep_declared(size_t bad, const char *data, size_t len)
{
	size_t n8 = count_8bit(data, len);

	/* 7-bit charsets (ISO-2022-JP, UTF-7): judge by length.  Real case:
	 * a NEC row-13 character (circled digits) in an ISO-2022-JP file
	 * name, which glibc's ISO-2022-JP converters refuse. */
	if (n8 == 0)
		return bad * 8 <= len;
	return bad * 4 <= n8;
}

/* Text whose label is missing, unknown or lying: UTF-8 when the bytes are
 * valid UTF-8 (returns NULL, caller copies), else windows-1252 into out. */
static const char *fallback(const char *data, size_t len, struct outbuf *out)
{
	out->len = 0;
	if (utf8_valid(data, len))
		return "UTF-8";
	convert_cp1252(data, len, out);
	return "windows-1252";
}

char *charset_to_utf8(struct pool *pool, const char *charset,
		      const char *data, size_t len, const char **note_r)
{
	struct charset_label label;
	struct outbuf out = { NULL, 0, 0 };
	const char *used = NULL;
	size_t bad = 0;
	char *res;

	if (note_r != NULL)
		*note_r = NULL;
	if (len == 0)
		return pool_strdup(pool, "");
	label_classify(charset, &label);

	switch (label.kind) {
	case CHARSET_NONE:
	case CHARSET_UTF8:
	case CHARSET_ASCII:
		if (utf8_valid(data, len)) {
			if (label.kind == CHARSET_ASCII && has_8bit(data, len))
				set_note(pool, note_r, "8-bit text labelled %s read as UTF-8",
					 label.shown);
			return pool_text(pool, data, len);
		}
		if (label.kind == CHARSET_UTF8 &&
		    iconv_convert("UTF-8", data, len, &out, &bad) == 0 &&
		    keep_declared(bad, data, len)) {
			set_note(pool, note_r, "invalid bytes in %s text replaced",
				 label.shown);
			break;
		}
		used = fallback(data, len, &out);
		if (label.kind == CHARSET_NONE)
			set_note(pool, note_r, "unlabelled 8-bit text read as %s", used);
		else
			set_note(pool, note_r, "text labelled %s is not: read as %s",
				 label.shown, used);
		break;

	case CHARSET_CP1252:
		/* Webmail and forwarding tools label UTF-8 text as Latin-1;
		 * valid multi-byte UTF-8 is next to impossible in real
		 * Latin-1 text ("Ã©" pairs), so believe the bytes. */
		if (has_8bit(data, len) && utf8_valid(data, len)) {
			set_note(pool, note_r, "UTF-8 text labelled %s read as UTF-8",
				 label.shown);
			return pool_text(pool, data, len);
		}
		convert_cp1252(data, len, &out);
		break;

	case CHARSET_WIDE:
	case CHARSET_OTHER:
		if (iconv_convert(label.name, data, len, &out, &bad) < 0) {
			used = fallback(data, len, &out);
			set_note(pool, note_r, "unknown charset %s: text read as %s",
				 label.shown, used);
			break;
		}
		if (bad == 0)
			break;
		if (label.kind == CHARSET_WIDE || keep_declared(bad, data, len)) {
			set_note(pool, note_r, "invalid bytes in %s text replaced",
				 label.shown);
			break;
		}
		used = fallback(data, len, &out);
		set_note(pool, note_r, "text labelled %s is not: read as %s",
			 label.shown, used);
		break;

	case CHARSET_INVALID:
		used = fallback(data, len, &out);
		set_note(pool, note_r, "unusable charset label %s: text read as %s",
			 label.shown, used);
		break;
	}
	if (used != NULL && strcmp(used, "UTF-8") == 0) {
		free(out.data);
		return pool_text(pool, data, len);
	}
	res = pool_text_valid(pool, out.data != NULL ? out.data : "", out.len);
	free(out.data);
	return res;
}

/* ---- RFC 2047 header decoding ----------------------------------------- */

struct hdr_decoder {
	struct pool *pool;
	struct outbuf out;          /* UTF-8 result */
	struct outbuf ew;           /* decoded bytes of adjacent words */
	char ew_charset[EW_CHARSET_MAX + 1];
	const char **note_r;
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void note_once(struct hdr_decoder *d, const char *note)
{
	if (d->note_r != NULL && *d->note_r == NULL && note != NULL)
		*d->note_r = note;
}

/*
 * Raw header bytes that are not all valid UTF-8: valid UTF-8 sequences are
 * kept and every other byte is read as windows-1252, so that a header
 * mixing both (a Latin-1 "Re: Gr\xfc\xdfe" prefixed to a UTF-8 subject by
 * an old gateway) loses nothing.  In otherwise valid UTF-8, a sequence cut
 * by the end of the text (file names cut at a byte limit by Yahoo Mail)
 * becomes U+FFFD.  Returns whether any byte was read as windows-1252.
 */
static bool mixed_to_utf8(const char *data, size_t len, struct outbuf *out)
{
	const unsigned char *s = (const unsigned char *)data;
	iconv_t cd = (iconv_t)-1;
	bool latin = false, utf8 = false;
	size_t i = 0;

	while (i < len) {
		size_t run = i, n;

		while (run < len) {
			if (s[run] < 0x80) {
				run++;
			} else if ((n = utf8_seq(s, run, len)) > 0) {
				run += n;
				utf8 = true;
			} else {
				break;
			}
		}
		outbuf_append(out, data + i, run - i);
		if (run == len)
			break;
		i = run;
		n = 1;
		while (i + n < len && n < 4 && (s[i + n] & 0xC0) == 0x80)
			n++;
		/* Cut only if all before it was UTF-8: "caf\xe9" is Latin-1. */
		if (s[i] >= 0xC2 && s[i] <= 0xF4 && i + n == len && utf8 && !latin) {
			outbuf_append(out, REPLACEMENT, REPLACEMENT_LEN);
			break;
		}
		/* The whole run of non-UTF-8 bytes in one conversion. */
		run = i + 1;
		while (run < len && s[run] >= 0x80 && utf8_seq(s, run, len) == 0)
			run++;
		if (cd == (iconv_t)-1 && (cd = iconv_open("UTF-8", FALLBACK_CHARSET)) == (iconv_t)-1)
			fatal("iconv has no %s converter", FALLBACK_CHARSET);
		iconv_run(cd, data + i, run - i, out);
		latin = true;
		i = run;
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return latin;
}

/* Adds raw header text: unfolded (RFC 5322 section 2.2.3), and its 8-bit
 * bytes taken as UTF-8 when valid, else as windows-1252 (RFC 6532 allows
 * UTF-8; the rest is old mailers writing Latin-1 straight into headers). */
static void add_text(struct hdr_decoder *d, const char *p, size_t len)
{
	size_t start = d->out.len;
	bool eightbit = false;

	outbuf_reserve(&d->out, len);
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\r' || c == '\n') {
			/* A fold: the line break and the white space around
			 * it become one space. */
			while (i + 1 < len && is_wsp(p[i + 1]))
				i++;
			if (d->out.len > start && d->out.data[d->out.len - 1] == ' ')
				continue;
			c = ' ';
		} else if (c == '\t') {
			c = ' ';
		}
		eightbit |= (unsigned char)c >= 0x80;
		d->out.data[d->out.len++] = c;
	}
	if (eightbit && !utf8_valid(d->out.data + start, d->out.len - start)) {
		size_t n = d->out.len - start;
		char *raw = pool_memdup(d->pool, d->out.data + start, n);

		d->out.len = start;
		if (mixed_to_utf8(raw, n, &d->out))
			note_once(d, "raw 8-bit bytes in a header read as windows-1252");
		else
			note_once(d, "truncated UTF-8 character in a header replaced");
	}
}

static void flush_words(struct hdr_decoder *d)
{
	const char *note = NULL;
	char *conv;

	if (d->ew_charset[0] == '\0')
		return;
	conv = charset_to_utf8(d->pool, d->ew_charset, d->ew.data != NULL ? d->ew.data : "",
			       d->ew.len, &note);
	outbuf_append(&d->out, conv, strlen(conv));
	note_once(d, note);
	d->ew.len = 0;
	d->ew_charset[0] = '\0';
}

/*
 * Recognises "=?charset?B|Q?payload?=" at p[0].  Tolerant: the payload may
 * contain folds (broken mailers fold inside a word) and, for Q, raw spaces.
 * *close is the position of the next "?=" at or after the payload start
 * (cached across calls so that a hostile value cannot make the scan
 * quadratic); SIZE_MAX when there is none.
 */
static bool parse_word(const char *v, size_t len, size_t at, size_t *close,
		       size_t *end_r, char *charset, char *enc_r,
		       size_t *payload_r)
{
	size_t i = at + 2, cs = 0;

	while (i < len && v[i] != '?') {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c >= 0x7f || cs == EW_CHARSET_MAX)
			return false;
		charset[cs++] = (char)c;
		i++;
	}
	charset[cs] = '\0';
	if (cs == 0 || i + 2 >= len || v[i + 2] != '?')
		return false;
	*enc_r = (char)(v[i + 1] | 0x20);
	if (*enc_r != 'b' && *enc_r != 'q')
		return false;
	i += 3;
	*payload_r = i;
	if (*close == SIZE_MAX)
		return false;
	if (*close < i) {
		const char *q = NULL;

		for (size_t k = i; k + 1 < len; k++) {
			if (v[k] == '?' && v[k + 1] == '=') {
				q = v + k;
				break;
			}
		}
		if (q == NULL) {
			*close = SIZE_MAX;
			return false;
		}
		*close = (size_t)(q - v);
	}
	*end_r = *close + 2;
	return true;
}

static void decode_word(struct hdr_decoder *d, const char *v, size_t start,
			size_t end, char enc)
{
	char *payload = pool_alloc(d->pool, end - start + 1);
	size_t n = 0, idx = 0, dlen = 0;
	char *decoded = NULL;
	int r;

	for (size_t i = start; i < end; i++) {
		if (v[i] == '\r' || v[i] == '\n') {
			while (i + 1 < end && (v[i + 1] == ' ' || v[i + 1] == '\t'))
				i++;
			continue;
		}
		payload[n++] = v[i];
	}
	/* libetpan 1.9.4's quoted-printable decoder reads one byte past a
	 * text ending in "=X": drop that invalid '='. */
	if (enc == 'q' && n >= 2 && payload[n - 2] == '=') {
		payload[n - 2] = payload[n - 1];
		n--;
	}
	if (enc == 'b')
		r = mailmime_base64_body_parse(payload, n, &idx, &decoded, &dlen);
	else
		r = mailmime_quoted_printable_body_parse(payload, n, &idx,
							 &decoded, &dlen, 1);
	if (r != MAILIMF_NO_ERROR)
		return;
	outbuf_append(&d->ew, decoded, dlen);
	mailmime_decoded_part_free(decoded);
}

static char *finish(struct hdr_decoder *d)
{
	size_t b = 0, e = d->out.len;
	char *res;

	/* Decoded words may carry CR, LF or other controls (=0A in a Q
	 * word): a header value is one line. */
	for (size_t i = 0; i < d->out.len; i++) {
		unsigned char c = (unsigned char)d->out.data[i];

		if (c < 0x20 || c == 0x7f)
			d->out.data[i] = ' ';
	}
	while (b < e && d->out.data[b] == ' ')
		b++;
	while (e > b && d->out.data[e - 1] == ' ')
		e--;
	res = pool_strndup(d->pool, d->out.data != NULL ? d->out.data + b : "", e - b);
	free(d->out.data);
	free(d->ew.data);
	return res;
}

char *charset_decode_header(struct pool *pool, const char *value, size_t len,
			    const char **note_r)
{
	struct hdr_decoder d;
	size_t i = 0, text_start = 0, close = 0;
	bool simple = true;
	bool last_word = false;      /* previous token was an encoded word */

	if (note_r != NULL)
		*note_r = NULL;

	/* Fast path, most header fields: ASCII without encoded words. */
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)value[k];

		if (c >= 0x80 || c == 0x7f ||
		    (c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    (c == '=' && k + 1 < len && value[k + 1] == '?')) {
			simple = false;
			break;
		}
	}
	if (simple) {
		char *res = pool_alloc(pool, len + 1);
		size_t n = 0;

		for (size_t k = 0; k < len; k++) {
			char c = value[k];

			if (c == '\r' || c == '\n') {
				/* A fold: one space, as in add_text(). */
				while (k + 1 < len && is_wsp(value[k + 1]))
					k++;
				if (n > 0 && res[n - 1] == ' ')
					continue;
				c = ' ';
			} else if (c == '\t') {
				c = ' ';
			}
			if (c == ' ' && n == 0)
				continue;
			res[n++] = c;
		}
		while (n > 0 && res[n - 1] == ' ')
			n--;
		res[n] = '\0';
		return res;
	}

	memset(&d, 0, sizeof(d));
	d.pool = pool;
	d.note_r = note_r;
	while (i < len) {
		char charset[EW_CHARSET_MAX + 1];
		size_t end, payload;
		char enc;

		if (value[i] != '=' || i + 1 >= len || value[i + 1] != '?' ||
		    !parse_word(value, len, i, &close, &end, charset, &enc, &payload)) {
			i++;
			continue;
		}
		/* RFC 2047 section 6.2: white space between adjacent encoded
		 * words is dropped.  Text glued to a word without the white
		 * space the RFC requires is still decoded. */
		if (last_word) {
			bool only_space = true;

			for (size_t k = text_start; k < i; k++)
				if (!is_wsp(value[k]))
					only_space = false;
			if (!only_space) {
				flush_words(&d);
				add_text(&d, value + text_start, i - text_start);
			}
		} else {
			add_text(&d, value + text_start, i - text_start);
		}
		/* Adjacent words in one charset are joined before conversion:
		 * mailers split multi-byte characters across words. */
		if (d.ew_charset[0] != '\0' && strcasecmp(d.ew_charset, charset) != 0)
			flush_words(&d);
		if (d.ew_charset[0] == '\0')
			memcpy(d.ew_charset, charset, strlen(charset) + 1);
		decode_word(&d, value, payload, end - 2, enc);
		last_word = true;
		i = end;
		text_start = end;
	}
	flush_words(&d);
	add_text(&d, value + text_start, len - text_start);
	return finish(&d);
}
