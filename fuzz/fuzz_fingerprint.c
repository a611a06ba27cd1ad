/*
 * fuzz_fingerprint.c - libFuzzer target for the subject -> case number path:
 * fp_extract() and fp_subject_base() on arbitrary bytes (invalid UTF-8,
 * backtracking bait), with a configured pattern beside the built-ins.
 *
 * Besides "no crash, no hang", it checks two properties: a number found is
 * in range, and a tag formatted for that number extracts to it again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "log.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
	"(?:ticket|ref)[ :#-]*([0-9]{3,})\\b",
	"(?:\\w+\\s*)*#([0-9]+)$", /* nested quantifiers: limit bait */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Built once for the whole run, as the daemon does at config load;
	 * never freed (the process ends with the fuzzer). */
	static struct fp_matcher *matcher;
	struct strbuf buf, tag;
	const char *base;
	char *subject;
	uint64_t number;

	if (matcher == NULL) {
		char *error = NULL;

		if (fp_matcher_new("Case", true, patterns,
				   sizeof(patterns) / sizeof(patterns[0]),
				   &matcher, &error) < 0)
			fatal("fuzz_fingerprint: %s", error);
	}
	subject = malloc(size + 1);
	if (subject == NULL)
		return 0;
	memcpy(subject, data, size);
	subject[size] = '\0';

	if (fp_extract(matcher, subject, &number) == 1) {
		uint64_t again = 0;

		if (number == 0 || number > FP_MAX_NUMBER)
			abort();
		strbuf_init(&tag, 64);
		if (fp_format_tag("Case", 8, number, &tag) < 0 ||
		    fp_extract(matcher, strbuf_str(&tag), &again) != 1 ||
		    again != number)
			abort();
		strbuf_deinit(&tag);
	}

	strbuf_init(&buf, 4096);
	base = fp_subject_base(matcher, subject, &buf);
	/* Either a suffix of the subject or the buffer's content. */
	if (base != strbuf_str(&buf) &&
	    (base < subject || base > subject + strlen(subject)))
		abort();
	(void)strlen(base);
	strbuf_deinit(&buf);
	free(subject);
	return 0;
}
