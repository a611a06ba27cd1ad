/*
 * msglist.h - the message files a PATH names, in processing order: a
 * Maildir (a folder with cur/ or new/) gives the files of cur/ and new/
 * sorted by file name (arrival order: Maildir names start with the delivery
 * time); another folder gives its regular files sorted by name; a file
 * gives itself.  Dot files are skipped.
 *
 * The list keeps names compactly (one buffer, about 30 bytes a message) so
 * that listing a large Maildir costs little memory; msglist_path() builds a
 * whole path on demand.
 *
 * Ownership: the list owns its memory; msglist_free() releases it.  The
 * string msglist_path() returns lives in the caller's strbuf.
 * Errors: msglist_load() returns 0, or -1 with errno set.
 */
#ifndef SUPPORTGW_MSGLIST_H
#define SUPPORTGW_MSGLIST_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

struct msglist {
	char *dir;          /* the PATH given */
	char *names;        /* NUL-terminated names relative to dir */
	size_t names_len, names_alloc;
	uint32_t *offsets;  /* into names, in processing order */
	size_t count, alloc;
	int single;         /* PATH is a file: names holds nothing */
};

int msglist_load(const char *path, struct msglist *list_r)
	__attribute__((warn_unused_result));
/* The path of message i: "dir/name" (or PATH itself for a file). */
const char *msglist_path(const struct msglist *list, size_t i,
			 struct strbuf *buf);
void msglist_free(struct msglist *list);

#endif
