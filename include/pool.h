/*
 * pool.h - per-message memory arena.
 *
 * One pool per message (Dovecot's per-message pool): the parsed message, its
 * decoded headers, converted text, attachments' metadata and anything derived
 * from it are allocated here and released together by pool_free() once the
 * message's transaction is over.  Nothing allocated from a pool is freed on
 * its own.
 *
 * Ownership: the caller of pool_new() owns the pool.  Every pointer returned
 * by pool_* functions belongs to the pool and is valid until pool_clear() or
 * pool_free().
 * Errors: allocation failure is fatal (logged, then abort): a gateway that
 * cannot allocate a few kilobytes cannot do anything useful with the mail.
 */
#ifndef SUPPORTGW_POOL_H
#define SUPPORTGW_POOL_H

#include <stdarg.h>
#include <stddef.h>

struct pool;

struct pool *pool_new(size_t block_size);
void pool_free(struct pool **pool);
/* Releases everything allocated so far; the pool can be reused. */
void pool_clear(struct pool *pool);

/* Zero-filled, aligned for any type. */
void *pool_alloc(struct pool *pool, size_t size);
/* Grows an array allocated from the pool (old contents copied). */
void *pool_realloc(struct pool *pool, void *old, size_t old_size, size_t new_size);
char *pool_strdup(struct pool *pool, const char *s);
char *pool_strndup(struct pool *pool, const char *s, size_t len);
/* Copies len bytes and appends a NUL (data may contain NULs). */
void *pool_memdup(struct pool *pool, const void *data, size_t len);
char *pool_printf(struct pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *pool_vprintf(struct pool *pool, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
