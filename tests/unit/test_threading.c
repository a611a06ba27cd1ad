/* Unit tests of the anti-hijack rules (gateway/threading.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "threading.h"

static struct config *cfg(enum follow_up_policy p)
{
	struct config *c = config_defaults();
	static char *staff[] = { "@support.vendor.example", "boss@vendor.example" };

	c->follow_up_policy = p;
	c->staff.items = malloc(sizeof(staff));
	for (size_t i = 0; i < 2; i++)
		c->staff.items[i] = strdup(staff[i]);
	c->staff.count = 2;
	return c;
}

static const char *const parts[] = { "alice@acme.example", "carol@gmail.com",
				     "agent@support.vendor.example" };

static void test_staff(void **state)
{
	struct config *c = cfg(FOLLOW_UP_DOMAIN);

	assert_true(threading_is_staff(c, "agent@support.vendor.example"));
	assert_true(threading_is_staff(c, "boss@vendor.example"));
	assert_false(threading_is_staff(c, "other@vendor.example"));
	assert_false(threading_is_staff(c, "agent@evil-support.vendor.example"));
	assert_false(threading_is_staff(c, ""));
	config_free(&c);
}

static void test_domain_policy(void **state)
{
	struct config *c = cfg(FOLLOW_UP_DOMAIN);

	assert_true(threading_may_follow_up(c, "alice@acme.example", parts, 3));
	assert_true(threading_may_follow_up(c, "bob@acme.example", parts, 3));
	assert_true(threading_may_follow_up(c, "Bob@ACME.example", parts, 3));
	assert_true(threading_may_follow_up(c, "agent2@support.vendor.example", parts, 3));
	assert_true(threading_may_follow_up(c, "carol@gmail.com", parts, 3));
	/* public provider: only the exact address */
	assert_false(threading_may_follow_up(c, "dave@gmail.com", parts, 3));
	assert_false(threading_may_follow_up(c, "mallory@evil.example", parts, 3));
	/* a sub-domain is another domain */
	assert_false(threading_may_follow_up(c, "x@mail.acme.example", parts, 3));
	assert_false(threading_may_follow_up(c, "", parts, 3));
	assert_false(threading_may_follow_up(c, "nobody", parts, 3));
	config_free(&c);
}

static void test_participants_policy(void **state)
{
	struct config *c = cfg(FOLLOW_UP_PARTICIPANTS);

	assert_true(threading_may_follow_up(c, "alice@acme.example", parts, 3));
	assert_false(threading_may_follow_up(c, "bob@acme.example", parts, 3));
	assert_true(threading_may_follow_up(c, "boss@vendor.example", parts, 3));
	config_free(&c);
}

static void test_any_policy(void **state)
{
	struct config *c = cfg(FOLLOW_UP_ANY);

	assert_true(threading_may_follow_up(c, "mallory@evil.example", parts, 3));
	assert_true(threading_may_follow_up(c, "", NULL, 0));
	config_free(&c);
}

static void test_public_domains(void **state)
{
	struct config *c = cfg(FOLLOW_UP_DOMAIN);

	assert_true(threading_is_public_domain(c, "gmail.com"));
	assert_true(threading_is_public_domain(c, "ORANGE.FR"));
	assert_true(threading_is_public_domain(c, "gmx.de"));
	assert_false(threading_is_public_domain(c, "acme.example"));
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_staff),
		cmocka_unit_test(test_domain_policy),
		cmocka_unit_test(test_participants_policy),
		cmocka_unit_test(test_any_policy),
		cmocka_unit_test(test_public_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
