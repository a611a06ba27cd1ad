/*
 * csv.c - streaming RFC 4180 reader; see include/csv.h.
 *
 * One record is parsed per csv_read() call by a small state machine whose
 * state lives in locals: a record may straddle any number of buffer refills,
 * but never two calls.  Ordinary bytes are copied in runs (a table lookup
 * per byte, one memcpy per run), so a million rows of 200 bytes take well
 * under a second.  Field bytes are gathered into one growable record
 * buffer, each field NUL-terminated there; the field pointers are set once
 * the record is complete, since the buffer may move while it grows.
 */
#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "charset.h"
#include "log.h"

/* Bytes that end a run: of an unquoted field, of a quoted one. */
static const unsigned char special_plain[256] = {
	[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1, [0] = 1,
};
static const unsigned char special_quoted[256] = {
	['"'] = 1, ['\n'] = 1, ['\r'] = 1, [0] = 1,
};

struct csv_reader {
	csv_read_fn *read;
	void *ctx;
	/* csv_reader_new_fd / _mem sources */
	int fd;
	const unsigned char *mem;
	size_t mem_len, mem_pos, chunk;

	unsigned char *buf;
	size_t pos, end;
	unsigned char last_byte;   /* the byte before buf[0] */
	uint64_t consumed;         /* bytes before buf[0] */
	bool eof, started, finished, skip_lf, read_failed;
	uint64_t line;             /* physical line of buf[pos] */
	struct csv_limits limits;

	/* the record being built */
	char *data;
	size_t len, alloc;
	size_t *offs, *lens;
	uint64_t *field_lines;
	char **fields;
	size_t count, fields_alloc;
	bool skip_field, skip_rest;

	char error[256];
	uint64_t error_line;
	bool have_error;
};

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (q == NULL)
		fatal("csv: out of memory (%zu bytes)", size);
	return q;
}

/* Records the record's first error (later ones are consequences, mostly). */
static void __attribute__((format(printf, 3, 4)))
rec_error(struct csv_reader *r, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	if (r->have_error)
		return;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->error_line = line;
	r->have_error = true;
}

/* Reads more input at buf + end: 1, 0 at the end, -1 on a read error. */
static int read_more(struct csv_reader *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	n = r->read(r->ctx, r->buf + r->end, CSV_BUFFER - r->end);
	if (n < 0) {
		r->read_failed = true;
		r->have_error = false;
		rec_error(r, r->line, "read error: %s", strerror(errno));
		r->eof = true;
		return -1;
	}
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

/* The buffer is used up: starts it over with new input. */
static int refill(struct csv_reader *r)
{
	if (r->end > 0)
		r->last_byte = r->buf[r->end - 1];
	r->consumed += r->end;
	r->pos = r->end = 0;
	return read_more(r);
}

static void grow_data(struct csv_reader *r, size_t n)
{
	size_t want = r->len + n + 1;

	if (want <= r->alloc)
		return;
	r->alloc = r->alloc < 4096 ? 4096 : r->alloc;
	while (r->alloc < want)
		r->alloc *= 2;
	r->data = xrealloc(r->data, r->alloc);
}

/* Appends bytes to the current field, within the limits. */
static void put(struct csv_reader *r, const void *s, size_t n)
{
	size_t flen;

	if (r->skip_field || r->skip_rest)
		return;
	flen = r->len - r->offs[r->count];
	if (n > r->limits.max_field - flen) {
		rec_error(r, r->line, "field %zu is longer than %zu bytes",
			  r->count + 1, r->limits.max_field);
		r->skip_field = true;
		return;
	}
	grow_data(r, n);
	memcpy(r->data + r->len, s, n);
	r->len += n;
}

static void begin_field(struct csv_reader *r)
{
	r->skip_field = false;
	if (r->skip_rest)
		return;
	if (r->count == r->limits.max_fields) {
		rec_error(r, r->line, "more than %zu fields", r->limits.max_fields);
		r->skip_rest = true;
		return;
	}
	if (r->count == r->fields_alloc) {
		r->fields_alloc = r->fields_alloc == 0 ? 16 : r->fields_alloc * 2;
		r->offs = xrealloc(r->offs, r->fields_alloc * sizeof(*r->offs));
		r->lens = xrealloc(r->lens, r->fields_alloc * sizeof(*r->lens));
		r->fields = xrealloc(r->fields, r->fields_alloc * sizeof(*r->fields));
		r->field_lines = xrealloc(r->field_lines,
					  r->fields_alloc * sizeof(*r->field_lines));
	}
	r->offs[r->count] = r->len;
	r->field_lines[r->count] = r->line;
}

/* The line of the first invalid UTF-8 in a field that starts on line:
 * line breaks are ASCII, so no valid sequence spans one and each line of
 * the field can be checked alone. */
static uint64_t bad_utf8_line(const char *s, size_t len, uint64_t line)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n' && s[i] != '\r')
			continue;
		if (!utf8_valid(s + start, i - start))
			return line;
		if (i < len && (s[i] == '\r' || i == 0 || s[i - 1] != '\r'))
			line++;
		start = i + 1;
	}
	return line;
}

static void end_field(struct csv_reader *r)
{
	size_t off, flen;

	if (r->skip_rest)
		return;
	off = r->offs[r->count];
	flen = r->len - off;
	r->lens[r->count] = flen;
	if (!r->have_error && !utf8_valid(r->data + off, flen))
		rec_error(r, bad_utf8_line(r->data + off, flen,
					   r->field_lines[r->count]),
			  "invalid UTF-8 in field %zu", r->count + 1);
	grow_data(r, 0);
	r->data[r->len++] = '\0';
	r->count++;
}

/* At the very start: skips a UTF-8 byte order mark, which may come in
 * pieces from a source that hands out a few bytes at a time. */
static int skip_bom(struct csv_reader *r)
{
	static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
	int rc = 1;

	while (r->end < 3 && rc > 0)
		rc = read_more(r);
	if (rc < 0)
		return -1;
	if (r->end >= 3 && memcmp(r->buf, bom, 3) == 0)
		r->pos = 3;
	return 0;
}

static unsigned char prev_byte(const struct csv_reader *r)
{
	return r->pos > 0 ? r->buf[r->pos - 1] : r->last_byte;
}

enum state { FIELD_START, PLAIN, QUOTED, AFTER_QUOTE };

int csv_read(struct csv_reader *r, struct csv_record *rec, const char **error_r)
{
	enum state state = FIELD_START;
	uint64_t quote_line = 0;
	const unsigned char *p, *e, *s;

	if (r->finished)
		return 0;
	r->have_error = false;
	if (!r->started) {
		r->started = true;
		if (skip_bom(r) < 0)
			goto fatal;
	}
	/* The LF of a CRLF whose CR ended the previous record. */
	if (r->skip_lf) {
		if (r->pos == r->end && refill(r) < 0)
			goto fatal;
		if (r->pos < r->end && r->buf[r->pos] == '\n')
			r->pos++;
		r->skip_lf = false;
	}
	if (r->pos == r->end) {
		int rc = refill(r);

		if (rc < 0)
			goto fatal;
		if (rc == 0) {
			r->finished = true;
			return 0;
		}
	}

	r->len = 0;
	r->count = 0;
	r->skip_field = r->skip_rest = false;
	rec->line = r->line;
	for (;;) {
		if (r->pos == r->end) {
			int rc = refill(r);

			if (rc < 0)
				goto fatal;
			if (rc == 0)
				break;
		}
		switch (state) {
		case FIELD_START:
			begin_field(r);
			if (r->buf[r->pos] == '"') {
				r->pos++;
				quote_line = r->line;
				state = QUOTED;
			} else {
				state = PLAIN;
			}
			break;
		case PLAIN:
			s = p = r->buf + r->pos;
			e = r->buf + r->end;
			while (p < e && !special_plain[*p])
				p++;
			if (p > s)
				put(r, s, (size_t)(p - s));
			r->pos = (size_t)(p - r->buf);
			if (p == e)
				break;
			r->pos++;
			switch (*p) {
			case ',':
				end_field(r);
				state = FIELD_START;
				break;
			case '\n':
				end_field(r);
				r->line++;
				goto done;
			case '\r':
				end_field(r);
				r->line++;
				r->skip_lf = true;
				goto done;
			case '"':
				rec_error(r, r->line,
					  "quote in the middle of unquoted field %zu (quote the whole field and double the quote: \"a\"\"b\")",
					  r->count + 1);
				put(r, "\"", 1);
				break;
			default:
				rec_error(r, r->line, "NUL byte in field %zu",
					  r->count + 1);
				break;
			}
			break;
		case QUOTED:
			s = p = r->buf + r->pos;
			e = r->buf + r->end;
			while (p < e && !special_quoted[*p])
				p++;
			if (p > s)
				put(r, s, (size_t)(p - s));
			r->pos = (size_t)(p - r->buf);
			if (p == e)
				break;
			switch (*p) {
			case '"':
				state = AFTER_QUOTE;
				break;
			case '\n':
				/* A quoted line break is kept as written;
				 * CRLF counts as one line. */
				if (prev_byte(r) != '\r')
					r->line++;
				put(r, p, 1);
				break;
			case '\r':
				r->line++;
				put(r, p, 1);
				break;
			default:
				rec_error(r, r->line, "NUL byte in field %zu",
					  r->count + 1);
				break;
			}
			r->pos++;
			break;
		case AFTER_QUOTE:
			switch (r->buf[r->pos]) {
			case '"':
				/* "" inside quotes: one quote */
				put(r, "\"", 1);
				r->pos++;
				state = QUOTED;
				break;
			case ',':
				r->pos++;
				end_field(r);
				state = FIELD_START;
				break;
			case '\n':
				r->pos++;
				end_field(r);
				r->line++;
				goto done;
			case '\r':
				r->pos++;
				end_field(r);
				r->line++;
				r->skip_lf = true;
				goto done;
			default:
				/* Read on as if unquoted, to the next comma
				 * or line end: where the record must end. */
				rec_error(r, r->line,
					  "characters after the closing quote of field %zu",
					  r->count + 1);
				state = PLAIN;
				break;
			}
			break;
		}
	}

	/* End of input inside the record: its last line had no line end. */
	if (state == QUOTED) {
		r->have_error = false;
		rec_error(r, quote_line,
			  "quoted field %zu is never closed (its quote opens on line %llu; the input ends inside it)",
			  r->count + 1, (unsigned long long)quote_line);
		r->finished = true;
		*error_r = r->error;
		return -1;
	}
	if (state == FIELD_START)
		begin_field(r);      /* "a,b," ends with an empty field */
	end_field(r);

done:
	for (size_t i = 0; i < r->count; i++)
		r->fields[i] = r->data + r->offs[i];
	rec->count = r->count;
	rec->fields = r->fields;
	rec->lens = r->lens;
	if (r->have_error) {
		*error_r = r->error;
		return -1;
	}
	return 1;

fatal:
	r->finished = true;
	*error_r = r->error;
	return -1;
}

uint64_t csv_reader_error_line(const struct csv_reader *r)
{
	return r->error_line;
}

bool csv_reader_read_failed(const struct csv_reader *r)
{
	return r->read_failed;
}

uint64_t csv_reader_offset(const struct csv_reader *r)
{
	return r->consumed + r->pos;
}

struct csv_reader *csv_reader_new(csv_read_fn *read, void *ctx,
				  const struct csv_limits *limits)
{
	struct csv_reader *r = xrealloc(NULL, sizeof(*r));

	memset(r, 0, sizeof(*r));
	r->read = read;
	r->ctx = ctx;
	r->fd = -1;
	r->line = 1;
	r->buf = xrealloc(NULL, CSV_BUFFER);
	if (limits != NULL)
		r->limits = *limits;
	if (r->limits.max_field == 0)
		r->limits.max_field = CSV_MAX_FIELD_DEFAULT;
	if (r->limits.max_fields == 0)
		r->limits.max_fields = CSV_MAX_FIELDS_DEFAULT;
	return r;
}

static ssize_t read_fd(void *ctx, void *buf, size_t size)
{
	struct csv_reader *r = ctx;
	ssize_t n;

	do {
		n = read(r->fd, buf, size);
	} while (n < 0 && errno == EINTR);
	return n;
}

struct csv_reader *csv_reader_new_fd(int fd, const struct csv_limits *limits)
{
	struct csv_reader *r = csv_reader_new(read_fd, NULL, limits);

	r->ctx = r;
	r->fd = fd;
	return r;
}

static ssize_t read_mem(void *ctx, void *buf, size_t size)
{
	struct csv_reader *r = ctx;
	size_t n = r->mem_len - r->mem_pos;

	if (n > size)
		n = size;
	if (r->chunk != 0 && n > r->chunk)
		n = r->chunk;
	if (n > 0)
		memcpy(buf, r->mem + r->mem_pos, n);
	r->mem_pos += n;
	return (ssize_t)n;
}

struct csv_reader *csv_reader_new_mem(const void *data, size_t len,
				      size_t chunk,
				      const struct csv_limits *limits)
{
	struct csv_reader *r = csv_reader_new(read_mem, NULL, limits);

	r->ctx = r;
	r->mem = data;
	r->mem_len = len;
	r->chunk = chunk;
	return r;
}

void csv_reader_free(struct csv_reader **rp)
{
	struct csv_reader *r = *rp;

	if (r == NULL)
		return;
	free(r->buf);
	free(r->data);
	free(r->offs);
	free(r->lens);
	free(r->fields);
	free(r->field_lines);
	free(r);
	*rp = NULL;
}
