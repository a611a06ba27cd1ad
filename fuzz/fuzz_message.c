/*
 * fuzz_message.c - libFuzzer target for message_parse(), and through it
 * charset_decode_header(), charset_to_utf8() and html_to_text().
 *
 * Each input is parsed twice, with the default limits and with tiny ones
 * (so that every "past the limit" path runs too), each time in a fresh
 * pool that is then freed.  Every string of the result is read, so that a
 * dangling or unterminated one shows under ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "message.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t touch(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

static size_t touch_message(const struct message *msg)
{
	size_t n = 0;

	n += touch(msg->message_id) + touch(msg->subject) + touch(msg->text);
	n += touch(msg->from.name) + touch(msg->from.addr);
	n += touch(msg->reply_to) + touch(msg->return_path) + touch(msg->sender);
	n += touch(msg->content_type) + touch(msg->report_type);
	n += touch(msg->in_reply_to);
	for (size_t i = 0; i < msg->to_count; i++)
		n += touch(msg->to[i].name) + touch(msg->to[i].addr);
	for (size_t i = 0; i < msg->cc_count; i++)
		n += touch(msg->cc[i].name) + touch(msg->cc[i].addr);
	for (size_t i = 0; i < msg->references_count; i++)
		n += touch(msg->references[i]);
	for (size_t i = 0; i < msg->header_count; i++)
		n += touch(msg->headers[i].name) + touch(msg->headers[i].value);
	for (size_t i = 0; i < msg->note_count; i++)
		n += touch(msg->notes[i]);
	for (size_t i = 0; i < msg->attachment_count; i++) {
		const struct msg_attachment *a = &msg->attachments[i];

		n += touch(a->filename) + touch(a->content_type) + touch(a->sha256);
		if (a->size > 0)
			n += a->data[0] + a->data[a->size - 1];
	}
	if (msg->headers_raw_len > 0)
		n += (unsigned char)msg->headers_raw[msg->headers_raw_len - 1];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct message_limits tiny = {
		.max_header_bytes = 64,
		.max_parts = 4,
		.max_depth = 2,
		.max_text_bytes = 16,
	};
	const struct message_limits *limits[] = { NULL, &tiny };
	volatile size_t sink = 0;

	for (size_t i = 0; i < sizeof(limits) / sizeof(*limits); i++) {
		struct pool *pool = pool_new(16384);
		struct message *msg = NULL;
		const char *error = NULL;

		if (message_parse(pool, (const char *)data, size, limits[i], &msg,
				  &error) == 0)
			sink += touch_message(msg);
		else
			sink += touch(error);
		pool_free(&pool);
	}
	(void)sink;
	return 0;
}
