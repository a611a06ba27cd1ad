/*
 * message_private.h - what the two halves of the message parser share:
 * parsers/message.c (header block, MIME structure, bodies) and
 * parsers/message_fields.c (address, date and Message-ID fields).  Not a
 * public interface: only these two files include it.
 *
 * Everything allocated here comes from the parser's pool, as in message.h.
 */
#ifndef SUPPORTGW_MESSAGE_PRIVATE_H
#define SUPPORTGW_MESSAGE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "message.h"

#define MAX_NOTES 64
#define MAX_PARAMS 64           /* parameters kept per MIME field */
#define MAX_RFC2231_SECTIONS 64 /* continuations "name*0" .. "name*63" */
#define MAX_REFERENCES 1000
#define MAX_DEPTH_CEILING 256   /* whatever the caller asks, the C stack */
#define MAX_FILENAME 255        /* bytes of a name made from a Subject */

enum disposition {
	DISP_NONE,
	DISP_INLINE,
	DISP_ATTACHMENT,
};

struct raw_field {
	const char *name;
	size_t name_len;
	const char *value;      /* raw, folded, not including the line end */
	size_t value_len;
};

struct param {
	char *name;             /* lower-case */
	char *value;            /* unquoted, not yet decoded */
};

struct params {
	struct param v[MAX_PARAMS];
	size_t n;
};

/* The Content-* fields of one entity, raw. */
struct mime_fields {
	struct raw_field type, encoding, disposition;
	bool has_type, has_encoding, has_disposition, has_id;
	bool has_subject;       /* for the Subject of an enclosed message */
	struct raw_field subject;
};

/* What a leaf part is, with its body still encoded. */
struct leaf {
	const char *ctype;
	const char *charset;
	const char *filename;
	enum disposition disposition;
	int encoding;
	bool has_id;
	bool in_alternative;
	const char *body;
	size_t body_len;
};

struct parser {
	struct pool *pool;
	struct message_limits limits;
	struct message *msg;
	size_t notes_alloc;
	struct leaf *leaves;
	size_t leaf_count, leaf_alloc;
	unsigned parts;
};

struct addr_vec {
	struct msg_address *v;
	size_t n, alloc;
};

static inline bool message_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* True when only white space, ';' or a comment follows idx: the end of
 * what libetpan's field parser had to read. */
static inline bool message_rest_is_empty(const char *s, size_t idx, size_t len)
{
	while (idx < len && (message_is_wsp(s[idx]) || s[idx] == ';'))
		idx++;
	return idx >= len || s[idx] == '(';
}

/* Records a tolerance applied (once per distinct sentence, at most
 * MAX_NOTES). */
void message_note(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A field name fit for a note: header names only, never content. */
const char *message_note_name(struct parser *ps, const struct raw_field *f);
/* A field value on one line, trimmed: what libetpan's parsers get. */
char *message_unfold(struct parser *ps, const char *v, size_t len, size_t *len_r);
/* RFC 2047 and raw 8-bit decoding of a value, noting any fallback. */
char *message_decode_header(struct parser *ps, const struct raw_field *f,
			    const char *v, size_t len);

/* parsers/message_fields.c */
void message_parse_addresses(struct parser *ps, const struct raw_field *f,
			     struct addr_vec *av);
const char *message_first_address(struct parser *ps, const struct raw_field *f);
bool message_parse_date(struct parser *ps, const struct raw_field *f, int64_t *t);
size_t message_parse_ids(struct parser *ps, const struct raw_field *f,
			 const char ***ids_r, size_t max);
void message_parse_message_id(struct parser *ps, const struct raw_field *f);

#endif
