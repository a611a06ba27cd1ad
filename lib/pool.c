/* pool.c - block arena; see include/pool.h for the contract. */
#include "pool.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define POOL_ALIGN 16

struct pool_block {
	struct pool_block *next;
	size_t size;    /* usable bytes in data */
	size_t used;
	_Alignas(POOL_ALIGN) unsigned char data[];
};

struct pool {
	struct pool_block *blocks;   /* current block first */
	size_t block_size;
};

static struct pool_block *block_new(size_t size)
{
	struct pool_block *b = malloc(sizeof(*b) + size);

	if (b == NULL)
		fatal("out of memory allocating a %zu-byte pool block", size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct pool *pool_new(size_t block_size)
{
	struct pool *pool = calloc(1, sizeof(*pool));

	if (pool == NULL)
		fatal("out of memory allocating a pool");
	pool->block_size = block_size < 256 ? 256 : block_size;
	return pool;
}

static void blocks_free(struct pool_block *b)
{
	while (b != NULL) {
		struct pool_block *next = b->next;
		free(b);
		b = next;
	}
}

void pool_free(struct pool **poolp)
{
	if (poolp == NULL || *poolp == NULL)
		return;
	blocks_free((*poolp)->blocks);
	free(*poolp);
	*poolp = NULL;
}

void pool_clear(struct pool *pool)
{
	/* Keep the first (most recent) block when it has the standard size,
	 * so a pool reused per message does not go back to malloc each time. */
	struct pool_block *keep = pool->blocks;

	if (keep != NULL) {
		blocks_free(keep->next);
		keep->next = NULL;
		if (keep->size != pool->block_size) {
			free(keep);
			keep = NULL;
		} else {
			keep->used = 0;
		}
	}
	pool->blocks = keep;
}

void *pool_alloc(struct pool *pool, size_t size)
{
	struct pool_block *b = pool->blocks;
	size_t need = (size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	void *p;

	if (need < size)
		fatal("pool allocation of %zu bytes overflows", size);
	if (need == 0)
		need = POOL_ALIGN;
	if (b == NULL || b->size - b->used < need) {
		if (need > pool->block_size / 4) {
			/* A large allocation gets a block of its own, put
			 * behind the current one so the current block's free
			 * space is not wasted. */
			struct pool_block *big = block_new(need);

			big->used = need;
			if (b != NULL) {
				big->next = b->next;
				b->next = big;
			} else {
				pool->blocks = big;
			}
			memset(big->data, 0, need);
			return big->data;
		}
		b = block_new(pool->block_size);
		b->next = pool->blocks;
		pool->blocks = b;
	}
	p = b->data + b->used;
	b->used += need;
	memset(p, 0, need);
	return p;
}

void *pool_realloc(struct pool *pool, void *old, size_t old_size, size_t new_size)
{
	void *p;

	if (new_size <= old_size && old != NULL)
		return old;
	p = pool_alloc(pool, new_size);
	if (old != NULL && old_size > 0)
		memcpy(p, old, old_size);
	return p;
}

void *pool_memdup(struct pool *pool, const void *data, size_t len)
{
	char *p = pool_alloc(pool, len + 1);

	if (len > 0)
		memcpy(p, data, len);
	p[len] = '\0';
	return p;
}

char *pool_strndup(struct pool *pool, const char *s, size_t len)
{
	return pool_memdup(pool, s, len);
}

char *pool_strdup(struct pool *pool, const char *s)
{
	if (s == NULL)
		return NULL;
	return pool_memdup(pool, s, strlen(s));
}

char *pool_vprintf(struct pool *pool, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("pool_vprintf: bad format '%s'", fmt);
	p = pool_alloc(pool, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *pool_printf(struct pool *pool, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = pool_vprintf(pool, fmt, ap);
	va_end(ap);
	return p;
}

