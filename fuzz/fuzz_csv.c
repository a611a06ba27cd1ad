/*
 * fuzz_csv.c - libFuzzer target for the CSV reader (parsers/csv.c), the
 * parser of the contracts file a customer's export hands us.  The input is
 * read whole and again a few bytes at a time (chunk size from its first
 * byte), with small limits so that the field and field-count limits are
 * reached too.  Both reads must agree record for record, error for error;
 * every field handed out must be valid UTF-8, NUL-terminated at its length,
 * with no NUL inside; lines never go backwards.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "csv.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const uint8_t *data, size_t size, size_t chunk)
{
	static const struct csv_limits limits = { .max_field = 300, .max_fields = 40 };
	struct csv_reader *r = csv_reader_new_mem(data, size, chunk, &limits);
	struct csv_record rec;
	struct strbuf b;
	const char *error;
	uint64_t last_line = 0;
	int rc;

	strbuf_init(&b, (size_t)1 << 30);
	while ((rc = csv_read(r, &rec, &error)) != 0) {
		if (rc < 0) {
			if (strbuf_appendf(&b, "E%llu %s\n",
					   (unsigned long long)csv_reader_error_line(r), error) < 0)
				abort();
			continue;
		}
		if (rec.line < last_line || rec.count == 0 || rec.count > 40)
			abort();
		last_line = rec.line;
		if (strbuf_appendf(&b, "R%llu", (unsigned long long)rec.line) < 0)
			abort();
		for (size_t i = 0; i < rec.count; i++) {
			if (strlen(rec.fields[i]) != rec.lens[i] || rec.lens[i] > 300 ||
			    !utf8_valid(rec.fields[i], rec.lens[i]))
				abort();
			if (strbuf_appendf(&b, " %zu:", rec.lens[i]) < 0 ||
			    strbuf_append(&b, rec.fields[i], rec.lens[i]) < 0)
				abort();
		}
		if (strbuf_appendc(&b, '\n') < 0)
			abort();
	}
	if (csv_reader_offset(r) != size)
		abort();
	csv_reader_free(&r);
	return strbuf_detach(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole = dump(data, size, 0);
	char *pieces = dump(data, size, size > 0 ? data[0] % 7 + 1 : 1);

	if (strcmp(whole, pieces) != 0)
		abort();
	free(whole);
	free(pieces);
	return 0;
}
