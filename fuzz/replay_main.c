/*
 * replay_main.c - runs a libFuzzer target over its seed corpus without
 * libFuzzer, so `make check` (gcc, no clang needed) replays every seed and
 * any crash it once found.  Usage: fuzz_x_replay DIR|FILE...
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path, unsigned *count)
{
	char *data;
	size_t len;
	int err = 0;

	if (read_file(path, 64u << 20, &data, &len, &err) < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(err));
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	(*count)++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, alloc = 0;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: no such corpus\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i], &count) < 0)
				return 1;
			continue;
		}
		dir = opendir(argv[i]);
		if (dir == NULL)
			return 1;
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				names = realloc(names, alloc * sizeof(*names));
				if (names == NULL)
					return 1;
			}
			names[n] = malloc(strlen(argv[i]) + strlen(de->d_name) + 2);
			if (names[n] == NULL)
				return 1;
			snprintf(names[n], strlen(argv[i]) + strlen(de->d_name) + 2,
				 "%s/%s", argv[i], de->d_name);
			n++;
		}
		closedir(dir);
		qsort(names, n, sizeof(*names), compare);
		for (size_t j = 0; j < n; j++) {
			int r = run_file(names[j], &count);

			free(names[j]);
			if (r < 0)
				return 1;
		}
		free(names);
	}
	if (count == 0) {
		fprintf(stderr, "no input replayed\n");
		return 1;
	}
	printf("%u inputs\n", count);
	return 0;
}
