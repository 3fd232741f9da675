/* actors.c: addresses that guessed logins, per site, kept past the windows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "actors.h"

#define H 3600000LL

static void
sites_within_span(void **state)
{
	struct ronda_actors *a = ronda_actors_new();

	(void)state;
	ronda_actors_note(a, "203.0.113.9", 11, 10 * H);
	ronda_actors_note(a, "203.0.113.9", 11, 11 * H);
	ronda_actors_note(a, "203.0.113.9", 22, 12 * H);
	assert_int_equal(ronda_actors_sites(a, "203.0.113.9", 0, 13 * H), 2);
	/* Only what overlaps [since, until]: a guess after the login does not count. */
	assert_int_equal(ronda_actors_sites(a, "203.0.113.9", 0, 11 * H), 1);
	assert_int_equal(ronda_actors_sites(a, "203.0.113.9", 11 * H + 1, 20 * H), 1);
	assert_int_equal(ronda_actors_sites(a, "198.51.100.1", 0, 20 * H), 0);
	assert_int_equal(ronda_actors_count(a), 1);
	ronda_actors_free(a);
}

/* Each address keeps its RONDA_ACTORS_SITES newest sites. */
static void
newest_sites_kept(void **state)
{
	struct ronda_actors *a = ronda_actors_new();

	(void)state;
	for (int s = 1; s <= RONDA_ACTORS_SITES + 2; s++)
		ronda_actors_note(a, "2001:db8::7", (uint64_t)s, s * H);
	assert_int_equal(ronda_actors_sites(a, "2001:db8::7", 0, 100 * H), RONDA_ACTORS_SITES);
	assert_int_equal(ronda_actors_sites(a, "2001:db8::7", 0, 2 * H), 0);
	ronda_actors_free(a);
}

static int nput;
static char lastip[64], lasttext[512];

static int
put(void *arg, const char *ip, const struct ronda_actor_site *sites, int n, int64_t last)
{
	(void)arg;
	nput++;
	snprintf(lastip, sizeof(lastip), "%s", ip);
	ronda_actors_format(lasttext, sizeof(lasttext), sites, n);
	assert_int_equal(last, 12 * H);
	return 0;
}

/* Flushed only when changed; the text form reads back to the same answers. */
static void
flush_restore_prune(void **state)
{
	struct ronda_actors *a = ronda_actors_new(), *b = ronda_actors_new();
	struct ronda_actor_site s[RONDA_ACTORS_SITES];
	int n;

	(void)state;
	ronda_actors_note(a, "203.0.113.9", 11, 10 * H);
	ronda_actors_note(a, "203.0.113.9", 22, 12 * H);
	nput = 0;
	assert_int_equal(ronda_actors_flush(a, put, NULL), 0);
	assert_int_equal(nput, 1);
	ronda_actors_flushed(a);
	nput = 0;
	assert_int_equal(ronda_actors_flush(a, put, NULL), 0);
	assert_int_equal(nput, 0);
	n = ronda_actors_parse(lasttext, s, RONDA_ACTORS_SITES);
	assert_int_equal(n, 2);
	ronda_actors_restore(b, lastip, s, n);
	assert_int_equal(ronda_actors_sites(b, "203.0.113.9", 0, 13 * H), 2);
	assert_int_equal(ronda_actors_prune(b, 12 * H), 0);
	assert_int_equal(ronda_actors_prune(b, 12 * H + 1), 1);
	assert_int_equal(ronda_actors_count(b), 0);
	ronda_actors_free(a);
	ronda_actors_free(b);
}

/* The stored text is not trusted: damage gives fewer sites, never a crash. */
static void
parse_hostile(void **state)
{
	struct ronda_actor_site s[RONDA_ACTORS_SITES];
	const char *bad[] = { "", ":", "zz:1:2", "0:1:2", "b:2:1", "b:1", "b:1:2x",
	    "b:-9223372036854775808:9223372036854775807,", "ffffffffffffffffffff:1:2",
	    "b:1:2,c:3:4,d:5:6,e:7:8,f:9:10" };

	(void)state;
	assert_int_equal(ronda_actors_parse(bad[0], s, RONDA_ACTORS_SITES), 0);
	assert_int_equal(ronda_actors_parse(bad[1], s, RONDA_ACTORS_SITES), 0);
	assert_int_equal(ronda_actors_parse(bad[2], s, RONDA_ACTORS_SITES), 0);
	assert_int_equal(ronda_actors_parse(bad[3], s, RONDA_ACTORS_SITES), 0);
	assert_int_equal(ronda_actors_parse(bad[4], s, RONDA_ACTORS_SITES), 0);
	assert_int_equal(ronda_actors_parse(bad[5], s, RONDA_ACTORS_SITES), 0);
	assert_int_equal(ronda_actors_parse(bad[6], s, RONDA_ACTORS_SITES), 0);
	assert_int_equal(ronda_actors_parse(bad[7], s, RONDA_ACTORS_SITES), 1);
	assert_true(ronda_actors_parse(bad[8], s, RONDA_ACTORS_SITES) <= 1);
	assert_int_equal(ronda_actors_parse(bad[9], s, RONDA_ACTORS_SITES), RONDA_ACTORS_SITES);
	assert_int_equal(ronda_actors_parse(NULL, s, RONDA_ACTORS_SITES), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sites_within_span),
		cmocka_unit_test(newest_sites_kept),
		cmocka_unit_test(flush_restore_prune),
		cmocka_unit_test(parse_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
