/*
 * util.h - small checked helpers shared by every module: number parsing (the
 * only place strings become numbers; atoi/strtol are not used elsewhere),
 * whole-file reading with a size cap, SHA-256, ASCII case helpers and
 * address helpers.
 *
 * Ownership: read_file_* hand a malloc()ed buffer to the caller (free()).
 * Errors: -1 with a static or pool-free message in *error_r, 0 on success.
 */
#ifndef SUPPORTGW_UTIL_H
#define SUPPORTGW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SHA256_HEX_LEN 64

/* Whole decimal string (no sign, no spaces) in [0, max]. */
int parse_uint64(const char *s, uint64_t max, uint64_t *value_r)
	__attribute__((warn_unused_result));
/* Same for a counted string (not NUL-terminated). */
int parse_uint64_n(const char *s, size_t len, uint64_t max, uint64_t *value_r)
	__attribute__((warn_unused_result));

/*
 * Reads a whole file ("-" = stdin) of at most max bytes.  On failure
 * *errno_r (when not NULL) holds the errno, or EFBIG when the file is larger
 * than max.  The buffer is NUL-terminated (not counted in *len_r).
 */
int read_file(const char *path, size_t max, char **data_r, size_t *len_r,
	      int *errno_r) __attribute__((warn_unused_result));
int read_stream(FILE *f, size_t max, char **data_r, size_t *len_r,
		int *errno_r) __attribute__((warn_unused_result));

/* out must hold SHA256_HEX_LEN + 1 bytes. */
void sha256_hex(const void *data, size_t len, char *out);

bool str_ieq(const char *a, const char *b);
bool str_ieqn(const char *a, const char *b, size_t n);
/* ASCII lower-casing in place; returns s. */
char *str_lower(char *s);
/* ASCII upper-case in place; returns s. */
char *str_upper(char *s);
/* Pointer to the domain of an address ("" when it has no '@'). */
const char *addr_domain(const char *addr);

/* ISO 8601 UTC "2026-11-22T12:06:03Z"; out must hold 21 bytes. */
void time_iso8601(int64_t t, char *out);

/* Microseconds on the monotonic clock: for timeouts and durations, which a
 * change of the wall clock must not stretch or cut. */
int64_t clock_monotonic_us(void);

/*
 * A retry delay with jitter: d = base doubled step times, at most max,
 * and the result drawn from [d/2, d] so that many clients cut off by one
 * outage do not come back in step.  Units are the caller's.
 */
int64_t backoff_jitter(int64_t base, unsigned step, int64_t max);

#endif
