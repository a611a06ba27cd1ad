/*
 * message.h - RFC 5322 / MIME message parser (wraps libetpan's mailimf and
 * mailmime; no other module includes libetpan's MIME headers).
 *
 * message_parse() takes the raw bytes (CRLF or LF), does no I/O, no logging
 * and no SQL, and turns them into a struct message whose every string is
 * UTF-8 and NUL-terminated.  Broken mail is degraded, not refused: each
 * tolerance applied is recorded in msg->notes (see parsers/TOLERANCES.md).
 * Only input that is not a mail at all (empty, binary, no header field) is
 * an error.
 *
 * Ownership: everything in the returned message is allocated from the pool
 * passed in and lives until that pool is cleared or freed.  The raw input is
 * borrowed: msg->raw points at the caller's buffer, which must outlive the
 * message.
 * Errors: message_parse() returns 0, or -1 with a reason a person can read in
 * *error_r (a static string or one allocated from the pool).
 */
#ifndef SUPPORTGW_MESSAGE_H
#define SUPPORTGW_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;

struct msg_address {
	const char *name;   /* decoded display name, "" when none */
	const char *addr;   /* addr-spec, lower-cased; "" for "<>" */
};

struct msg_header {
	const char *name;   /* as written */
	const char *value;  /* unfolded, RFC 2047-decoded UTF-8, trimmed */
};

struct msg_attachment {
	const char *filename;      /* decoded (RFC 2047/2231) UTF-8, "" if none */
	const char *content_type;  /* lower-case "type/subtype" */
	bool is_inline;            /* Content-Disposition: inline, or cid image */
	const unsigned char *data; /* decoded content */
	size_t size;               /* decoded size in bytes */
	char sha256[65];           /* hex SHA-256 of the decoded content */
};

struct message_limits {
	size_t max_header_bytes;   /* header block beyond this is ignored */
	unsigned max_parts;        /* MIME parts visited at most */
	unsigned max_depth;        /* MIME nesting depth at most */
	size_t max_text_bytes;     /* body text kept at most */
};

/* Limits used when the caller passes NULL. */
extern const struct message_limits message_default_limits;

struct message {
	const char *raw;          /* borrowed input */
	size_t raw_len;

	/* Message-ID without angle brackets.  When the mail has none, a
	 * stable one derived from the SHA-256 of the raw bytes:
	 * "<64 hex>@supportgw.invalid", with message_id_generated set. */
	const char *message_id;
	bool message_id_generated;

	struct msg_address from;   /* addr "" when there is no From */
	struct msg_address *to;
	size_t to_count;
	struct msg_address *cc;
	size_t cc_count;
	const char *reply_to;      /* address or NULL */
	const char *return_path;   /* NULL if absent, "" for "<>" */
	const char *sender;        /* Sender: address or NULL */

	const char *subject;       /* decoded, unfolded UTF-8; "" if none */
	int64_t date;              /* seconds since the epoch, UTC */
	bool has_date;             /* false when missing or unparsable */

	const char *in_reply_to;   /* first msg-id, brackets removed, or NULL */
	const char **references;   /* msg-ids, brackets removed, in order */
	size_t references_count;

	/* Top-level content type, lower-case "type/subtype", and for
	 * multipart/report its report-type parameter (or NULL). */
	const char *content_type;
	const char *report_type;

	/* Best plain-text body: the first text/plain part that is not an
	 * attachment; else the first text/html converted to text; else "". */
	const char *text;
	bool text_from_html;

	struct msg_attachment *attachments;
	size_t attachment_count;

	/* All top-level header fields in order, for classification and
	 * storage.  headers_raw is the raw header block (borrowed from raw). */
	struct msg_header *headers;
	size_t header_count;
	const char *headers_raw;
	size_t headers_raw_len;

	/* Tolerances applied, one short sentence each (for the log and the
	 * store).  Never contains message content beyond header names and
	 * charset labels. */
	const char **notes;
	size_t note_count;
};

int message_parse(struct pool *pool, const char *data, size_t len,
		  const struct message_limits *limits,
		  struct message **msg_r, const char **error_r)
	__attribute__((warn_unused_result));

/* First top-level header with this name (case-insensitive): its value
 * ("" when empty), or NULL when there is none. */
const char *message_header(const struct message *msg, const char *name);

#endif
