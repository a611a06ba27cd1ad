/* msglist.c - listing files, folders and Maildirs; see include/msglist.h. */
#include "msglist.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "strbuf.h"

/* Paths longer than this are not file names anyone gave us. */
#define MSGLIST_PATH_MAX 8192

static void add_name(struct msglist *l, const char *prefix, const char *name)
{
	size_t plen = strlen(prefix), nlen = strlen(name);
	size_t need = l->names_len + plen + nlen + 1;

	if (need > UINT32_MAX)
		fatal("message list larger than 4 GiB of names");
	if (need > l->names_alloc) {
		size_t na = l->names_alloc != 0 ? l->names_alloc * 2 : 65536;

		while (na < need)
			na *= 2;
		l->names = realloc(l->names, na);
		if (l->names == NULL)
			fatal("out of memory listing messages");
		l->names_alloc = na;
	}
	if (l->count == l->alloc) {
		l->alloc = l->alloc != 0 ? l->alloc * 2 : 1024;
		l->offsets = realloc(l->offsets, l->alloc * sizeof(*l->offsets));
		if (l->offsets == NULL)
			fatal("out of memory listing messages");
	}
	l->offsets[l->count++] = (uint32_t)l->names_len;
	memcpy(l->names + l->names_len, prefix, plen);
	memcpy(l->names + l->names_len + plen, name, nlen + 1);
	l->names_len = need;
}

/* True when dir/name exists and is of the file type in mode (S_IFREG...). */
static bool is_type(const char *dir, const char *name, mode_t type)
{
	struct strbuf b;
	struct stat st;
	bool ret;

	strbuf_init(&b, MSGLIST_PATH_MAX);
	ret = strbuf_appendf(&b, "%s/%s", dir, name) == 0 &&
		stat(strbuf_str(&b), &st) == 0 && (st.st_mode & S_IFMT) == type;
	strbuf_deinit(&b);
	return ret;
}

/* Adds the regular files of dir/sub, named "sub/NAME" (or "NAME"). */
static int add_dir(struct msglist *l, const char *sub)
{
	struct strbuf path, prefix;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	strbuf_init(&path, MSGLIST_PATH_MAX);
	strbuf_init(&prefix, MSGLIST_PATH_MAX);
	if (strbuf_appendf(&path, "%s%s%s", l->dir, *sub != '\0' ? "/" : "", sub) < 0 ||
	    strbuf_appendf(&prefix, "%s%s", sub, *sub != '\0' ? "/" : "") < 0) {
		errno = ENAMETOOLONG;
		ret = -1;
		goto out;
	}
	d = opendir(strbuf_str(&path));
	if (d == NULL) {
		ret = -1;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_REG ||
		    ((de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) &&
		     is_type(strbuf_str(&path), de->d_name, S_IFREG)))
			add_name(l, strbuf_str(&prefix), de->d_name);
	}
	closedir(d);
out:
	strbuf_deinit(&path);
	strbuf_deinit(&prefix);
	return ret;
}

static bool has_dir(const char *dir, const char *sub)
{
	return is_type(dir, sub, S_IFDIR);
}

/* Maildir: by file name only, so cur/ and new/ interleave in arrival
 * order; "cur/" and "new/" are both four bytes. */
static int cmp_maildir(const void *a, const void *b, void *ctx)
{
	const char *names = ctx;
	const char *x = names + *(const uint32_t *)a;
	const char *y = names + *(const uint32_t *)b;
	int r = strcmp(x + 4, y + 4);

	return r != 0 ? r : strcmp(x, y);
}

static int cmp_plain(const void *a, const void *b, void *ctx)
{
	const char *names = ctx;

	return strcmp(names + *(const uint32_t *)a, names + *(const uint32_t *)b);
}

int msglist_load(const char *path, struct msglist *l)
{
	struct stat st;

	memset(l, 0, sizeof(*l));
	if (stat(path, &st) < 0)
		return -1;
	l->dir = strdup(path);
	if (l->dir == NULL)
		fatal("out of memory");
	if (!S_ISDIR(st.st_mode)) {
		l->single = 1;
		l->count = 1;
		return 0;
	}
	if (has_dir(path, "cur") || has_dir(path, "new")) {
		if ((has_dir(path, "cur") && add_dir(l, "cur") < 0) ||
		    (has_dir(path, "new") && add_dir(l, "new") < 0))
			goto fail;
		qsort_r(l->offsets, l->count, sizeof(*l->offsets), cmp_maildir, l->names);
	} else {
		if (add_dir(l, "") < 0)
			goto fail;
		qsort_r(l->offsets, l->count, sizeof(*l->offsets), cmp_plain, l->names);
	}
	return 0;
fail: {
		int e = errno;

		msglist_free(l);
		errno = e;
		return -1;
	}
}

const char *msglist_path(const struct msglist *l, size_t i, struct strbuf *buf)
{
	strbuf_reset(buf);
	if (l->single) {
		if (strbuf_appendstr(buf, l->dir) < 0)
			return l->dir;
	} else if (strbuf_appendf(buf, "%s/%s", l->dir, l->names + l->offsets[i]) < 0) {
		/* cannot happen with the caller's cap above MSGLIST_PATH_MAX
		 * * 2; an empty path then fails to open, clearly */
		strbuf_reset(buf);
	}
	return strbuf_str(buf);
}

void msglist_free(struct msglist *l)
{
	free(l->dir);
	free(l->names);
	free(l->offsets);
	memset(l, 0, sizeof(*l));
}
