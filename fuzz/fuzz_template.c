/*
 * fuzz_template.c - libFuzzer target for the Mustache renderer: any bytes
 * as a template, parsed and (when valid) rendered against a fixed data set
 * that has every kind of value (strings with markup, numbers, booleans,
 * null, nested objects, lists), escaped and plain, into a capped buffer.
 *
 * Besides "no crash, no hang", it checks that a failed render leaves the
 * output as it was, and that rendering twice gives the same bytes (a
 * parsed template is read-only).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "mustache.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char data_json[] =
	"{\"case\": {\"number\": \"00000042\", \"tag\": \"[Case #00000042]\","
	" \"subject\": \"<b>&\\\"quoted\\\"\"}, \"n\": 1.5, \"zero\": 0,"
	" \"t\": true, \"f\": false, \"nil\": null, \"empty\": \"\","
	" \"list\": [1, \"two\", {\"x\": \"three\"}, [], null],"
	" \"deep\": {\"a\": {\"b\": {\"c\": \"d\"}}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *root;
	struct mustache *tpl = NULL;
	struct strbuf a, b;
	char *error = NULL;

	if (root == NULL) {
		json_error_t je;

		root = json_loads(data_json, 0, &je);
		if (root == NULL)
			fatal("fuzz_template: %s", je.text);
	}
	if (mustache_parse((const char *)data, size, &tpl, &error) < 0) {
		free(error);
		return 0;
	}
	for (unsigned flags = 0; flags <= MUSTACHE_NO_ESCAPE; flags++) {
		int ra, rb;

		/* a small cap: the renderer must stop there, not overflow */
		strbuf_init(&a, 4096);
		strbuf_init(&b, 4096);
		if (strbuf_appendstr(&a, "pre") < 0 || strbuf_appendstr(&b, "pre") < 0)
			abort();
		ra = mustache_render(tpl, root, flags, &a, &error);
		if (ra < 0) {
			free(error);
			error = NULL;
			if (a.len != 3)
				abort();   /* left as it was */
		}
		rb = mustache_render(tpl, root, flags, &b, &error);
		free(error);
		error = NULL;
		if (ra != rb || a.len != b.len ||
		    memcmp(strbuf_str(&a), strbuf_str(&b), a.len) != 0)
			abort();   /* rendering is deterministic */
		strbuf_deinit(&a);
		strbuf_deinit(&b);
	}
	mustache_free(&tpl);
	return 0;
}
