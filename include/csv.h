/*
 * csv.h - streaming reader of RFC 4180 CSV (the contracts file).
 *
 * What it reads: records of comma-separated fields ending in CRLF, LF or a
 * lone CR (old Mac exports); a field in double quotes may hold commas,
 * line breaks and doubled quotes ("" for one "); a UTF-8 byte order mark
 * at the start is skipped; the last record may lack its line end.  Every
 * field must be valid UTF-8 (the quotes and line ends excepted, fields are
 * handed over byte for byte: spaces are kept, a quoted line break stays as
 * it was written).  A blank line is a record of one empty field; what it
 * means is the caller's business.
 *
 * Errors, each with the physical line it was found on (1 = first line):
 * a quote inside an unquoted field, characters after a closing quote, a
 * NUL byte, invalid UTF-8, a field longer than max_field bytes, more than
 * max_fields fields, a quoted field still open at the end of the input,
 * and read errors.  All but the last two spoil only their own record: the
 * reader parses on to the end of it (quotes honoured as usual, so it
 * resynchronises where a careful human would) and the next call returns
 * the next record; only the record's first error is reported.  A quoted
 * field open at the end and a read error end the input.
 *
 * Input comes through a read function into one buffer of CSV_BUFFER bytes
 * (no per-byte stdio); csv_reader_new_fd/_mem are the usual sources.  This
 * is where the reader departs from the (data, len) parsers of mail: a
 * contracts file of a million rows is 150 MB, which need not sit in memory
 * at once; the parsing itself does no I/O and sees only the buffer.  No
 * global state: readers are independent.
 *
 * Ownership: the reader belongs to its creator (csv_reader_free).  A
 * record's fields are the reader's: valid, and writable in place by the
 * caller (e.g. to trim them), until the next csv_read() or
 * csv_reader_free().  The memory given to csv_reader_new_mem is borrowed
 * and must outlive the reader; a file descriptor is not closed.
 * Errors: csv_read() returns 1 (a record), 0 (end of input) or -1 with the
 * reason in *error_r (the reader's; valid until the next call) and its
 * line in csv_reader_error_line().
 */
#ifndef SUPPORTGW_CSV_H
#define SUPPORTGW_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CSV_BUFFER (1024 * 1024)
#define CSV_MAX_FIELD_DEFAULT (64 * 1024)
#define CSV_MAX_FIELDS_DEFAULT 256

struct csv_reader;

struct csv_limits {
	size_t max_field;     /* bytes of one field; 0: CSV_MAX_FIELD_DEFAULT */
	size_t max_fields;    /* fields of one record; 0: CSV_MAX_FIELDS_DEFAULT */
};

struct csv_record {
	size_t count;         /* fields, at least 1 */
	char **fields;        /* NUL-terminated (a NUL is never inside) */
	size_t *lens;         /* their lengths in bytes */
	uint64_t line;        /* the physical line the record starts on */
};

/* Reads up to size bytes into buf: the count, 0 at the end, or -1 with
 * errno set. */
typedef ssize_t csv_read_fn(void *ctx, void *buf, size_t size);

/* limits may be NULL (the defaults). */
struct csv_reader *csv_reader_new(csv_read_fn *read, void *ctx,
				  const struct csv_limits *limits);
/* Reads the descriptor (EINTR retried). */
struct csv_reader *csv_reader_new_fd(int fd, const struct csv_limits *limits);
/* Reads len bytes of memory, handed over at most chunk bytes at a time
 * (0: all at once); tests use small chunks to cut records anywhere. */
struct csv_reader *csv_reader_new_mem(const void *data, size_t len,
				      size_t chunk,
				      const struct csv_limits *limits);
void csv_reader_free(struct csv_reader **reader);

int csv_read(struct csv_reader *reader, struct csv_record *record_r,
	     const char **error_r) __attribute__((warn_unused_result));
/* The line of the last error csv_read() returned. */
uint64_t csv_reader_error_line(const struct csv_reader *reader);
/* Whether the input ended on a read error (not on bad data): what was
 * read before it may be only part of the file. */
bool csv_reader_read_failed(const struct csv_reader *reader);
/* Bytes consumed so far (for a progress bar). */
uint64_t csv_reader_offset(const struct csv_reader *reader);

#endif
