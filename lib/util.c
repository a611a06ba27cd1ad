/* util.c - checked helpers; see include/util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

int parse_uint64_n(const char *s, size_t len, uint64_t max, uint64_t *value_r)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*value_r = v;
	return 0;
}

int parse_uint64(const char *s, uint64_t max, uint64_t *value_r)
{
	return parse_uint64_n(s, strlen(s), max, value_r);
}

int read_stream(FILE *f, size_t max, char **data_r, size_t *len_r, int *errno_r)
{
	size_t alloc = 65536, len = 0;
	char *data = malloc(alloc);

	if (data == NULL)
		fatal("out of memory");
	for (;;) {
		size_t n;

		if (alloc - len < 2) {
			size_t na = alloc * 2;
			char *p;

			if (alloc > max + 1) {
				free(data);
				if (errno_r != NULL)
					*errno_r = EFBIG;
				return -1;
			}
			p = realloc(data, na);
			if (p == NULL)
				fatal("out of memory reading %zu bytes", na);
			data = p;
			alloc = na;
		}
		n = fread(data + len, 1, alloc - len - 1, f);
		len += n;
		if (len > max) {
			free(data);
			if (errno_r != NULL)
				*errno_r = EFBIG;
			return -1;
		}
		if (n == 0) {
			if (ferror(f)) {
				int e = errno;

				free(data);
				if (errno_r != NULL)
					*errno_r = e != 0 ? e : EIO;
				return -1;
			}
			break;
		}
	}
	data[len] = '\0';
	*data_r = data;
	*len_r = len;
	return 0;
}


int read_file(const char *path, size_t max, char **data_r, size_t *len_r, int *errno_r)
{
	struct stat st;
	size_t size, len = 0;
	char *data;
	int fd, e;

	if (strcmp(path, "-") == 0)
		return read_stream(stdin, max, data_r, len_r, errno_r);
	/* open/read rather than stdio: an import reads tens of thousands of
	 * small files, and stdio's own fstat and EOF probe doubled the
	 * system calls per message. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail_fd;
	if (!S_ISREG(st.st_mode)) {
		FILE *f = fdopen(fd, "rb");
		int ret;

		if (f == NULL)
			goto fail_fd;
		ret = read_stream(f, max, data_r, len_r, errno_r);
		fclose(f);
		return ret;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		if (errno_r != NULL)
			*errno_r = EFBIG;
		return -1;
	}
	size = (size_t)st.st_size;
	data = malloc(size + 1);
	if (data == NULL)
		fatal("out of memory reading %zu bytes", size);
	while (len < size) {
		ssize_t n = read(fd, data + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			free(data);
			close(fd);
			errno = e;
			goto fail;
		}
		if (n == 0)
			break;  /* the file shrank: take what is there */
		len += (size_t)n;
	}
	close(fd);
	data[len] = '\0';
	*data_r = data;
	*len_r = len;
	return 0;
fail_fd:
	e = errno;
	close(fd);
	errno = e;
fail:
	if (errno_r != NULL)
		*errno_r = errno;
	return -1;
}

void sha256_hex(const void *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	unsigned char digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++) {
		out[i * 2] = hex[digest[i] >> 4];
		out[i * 2 + 1] = hex[digest[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool str_ieqn(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
		if (a[i] == '\0')
			return true;
	}
	return true;
}

bool str_ieq(const char *a, const char *b)
{
	for (;; a++, b++) {
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
		if (*a == '\0')
			return true;
	}
}

char *str_lower(char *s)
{
	for (char *p = s; *p != '\0'; p++)
		*p = (char)lower((unsigned char)*p);
	return s;
}

char *str_upper(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	}
	return s;
}

const char *addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

void time_iso8601(int64_t t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		memcpy(out, "1970-01-01T00:00:00Z", 21);
}

int64_t clock_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t backoff_jitter(int64_t base, unsigned step, int64_t max)
{
	int64_t d = base;

	while (step-- > 0 && d < max)
		d *= 2;
	if (d > max)
		d = max;
	return d / 2 + (int64_t)(random() % (d - d / 2 + 1));
}
