/*
 * compose.h - the gateway's outgoing mail: the data a template sees, and
 * the finished RFC 5322 message around a rendered template.
 *
 * compose_case_data() builds the JSON object templates are rendered
 * against (the variables `supportgw templates check` accepts):
 *   case.number      "00012345"
 *   case.tag         "[Case #00012345]"
 *   case.subject     the case's subject, without prefixes and tag
 *   case.severity    "A".."D" when known (entitle.h), else absent
 *   case.due         first-response target, ISO 8601 UTC, when known
 *   case.due_local   the same in the case region's zone: "2026-11-23
 *                    09:00 Europe/Paris" (UTC without a region)
 *   case.status      "open" / "closed"
 *   customer.name    the requester's display name, else the address
 *   customer.email   the requester's address
 *   message.subject  the subject of the customer's mail being answered
 *   message.date     its Date:, ISO 8601 UTC
 *   gateway.address  the From address of the gateway
 *   gateway.name     the display name of From ("Example Support")
 *   team.name, team.address, team.region   the case region's team
 *                    ([region:NAME] team; the gateway's From when the
 *                    case has no region or the region no team)
 * and answer.c adds entitlement.* (entitle_json_add(): the active /
 * expired / recently_expired / none sections, level, contract, product,
 * serial, expires, renewal_id, company), with team.* and case.due_local
 * of the contract's region.
 *
 * compose_message() wraps a rendered template into the bytes to send:
 * From (the [smtp] from), To, Cc and Reply-To (from the template), Subject
 * (the template's, with the case tag exactly once and no Re: growth; RFC
 * 2047 encoded when not ASCII), Date, a new Message-ID, In-Reply-To and
 * References to the customer's mail, Auto-Submitted by the kind of mail
 * (auto-replied, auto-generated, none for a relayed person's mail); Bcc
 * addresses go to the envelope only;
 * X-Loop: <gateway address>, MIME-Version, and a UTF-8 text/plain body,
 * quoted-printable when it is not 7-bit or has long lines (libetpan's
 * encoders); with attachments, multipart/mixed built and written by
 * libetpan's MIME writer (text part first, then each file in base64).
 * Reply-To may be "Name <addr>": the name is encoded like To's.
 * Header values never carry CR or LF: a value with them is cut
 * at the first one, so no data can add a header.
 *
 * Ownership: results are allocated from the pool given, or (json) owned by
 * the caller (json_decref).
 * Errors: compose_message() returns -1 with a reason in *error_r (pool
 * string) when the template's headers are unusable.
 */
#ifndef SUPPORTGW_COMPOSE_H
#define SUPPORTGW_COMPOSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct pool;
struct store_case;

/* The customer's mail being answered (or NULL): subject, date, ids. */
struct compose_reply_to {
	const char *subject;
	int64_t date;                 /* 0: unknown */
	const char *message_id;       /* without brackets */
	const char *const *references;
	size_t references_count;
};

json_t *compose_case_data(const struct config *config,
			  const struct store_case *c,
			  const struct compose_reply_to *msg);
/* The team.* object above for a region (NULL or unknown: the gateway's
 * From, region null). */
json_t *compose_team_data(const struct config *config, const char *region);

/* What kind of mail it is, for Auto-Submitted (RFC 3834). */
enum compose_kind {
	COMPOSE_AUTO_REPLY = 0,       /* an answer to a mail: auto-replied */
	COMPOSE_AUTO_GENERATED,       /* a notice no mail caused (renewal
	                               * reminders): auto-generated */
	COMPOSE_RELAY,                /* a person's words passed on (staff
	                               * answers, forwards to a team): no
	                               * Auto-Submitted, X-Loop still */
};

/* A file sent along with a mail. */
struct compose_attachment {
	const char *filename;         /* "" or NULL: none */
	const char *content_type;     /* "type/subtype"; NULL or unusable:
	                               * application/octet-stream */
	bool is_inline;               /* Content-Disposition: inline */
	const void *data;
	size_t size;
};

/* A rendered template: header lines and body (see template.h). */
struct compose_input {
	const char *subject;          /* from the template's Subject: */
	const char *cc;               /* template Cc:, or NULL */
	const char *reply_to;         /* template Reply-To:, or NULL */
	const char *body;             /* UTF-8 text, LF or CRLF lines */
	const char *to;               /* the recipient address */
	const char *to_name;          /* or NULL */
	uint64_t case_number;         /* for the tag; 0: none */
	enum compose_kind kind;
	const char *from;             /* "Name <addr>" instead of [smtp] from
	                               * (a regional team), or NULL */
	const char *bcc;              /* comma-separated addresses added to
	                               * the envelope only, or NULL */
	/* Files sent along (a staff member's attachments): with any, the
	 * mail is multipart/mixed, the text first, each file base64 with its
	 * name (RFC 2047-encoded when not ASCII).  Borrowed for the call. */
	const struct compose_attachment *attachments;
	size_t attachment_count;
};

struct compose_output {
	const char *message_id;       /* generated, without brackets */
	const char *raw;              /* the whole message, CRLF lines */
	size_t raw_len;
	const char *rcpt;             /* envelope: To and Cc addresses */
	const char *subject;          /* the Subject written (decoded) */
	size_t header_len;            /* bytes of raw up to and with the
	                               * blank line ending the header */
};

int compose_message(const struct config *config, struct pool *pool,
		    const struct compose_input *in,
		    const struct compose_reply_to *reply_to, int64_t now,
		    struct compose_output *out, const char **error_r)
	__attribute__((warn_unused_result));

#endif
