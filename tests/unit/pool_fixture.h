/* A per-test pool as the cmocka state: the tests that parse or convert
 * allocate from it, and it is freed after each test (as the gateway frees
 * a message's pool after its transaction). */
#ifndef SUPPORTGW_TEST_POOL_FIXTURE_H
#define SUPPORTGW_TEST_POOL_FIXTURE_H

#include "pool.h"

static int setup(void **state)
{
	*state = pool_new(16384);
	return 0;
}

static int teardown(void **state)
{
	struct pool *pool = *state;

	pool_free(&pool);
	return 0;
}

#endif
