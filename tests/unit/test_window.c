/*
 * Window store: out-of-order points, distinct series, per-series caps, the
 * entry and byte caps (least recently updated key evicted, counted), expiry
 * by per-partition event time, and dropping a revoked partition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "window.h"

#define T0 INT64_C(1795705200000)	/* 2026-11-20T12:20:00Z */

static uint64_t
key(int i)
{
	return (uint64_t)i * 0x9e3779b97f4a7c15ULL + 1;
}

static void
out_of_order_points_land_in_order(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);
	struct ronda_window_entry *e;

	(void)state;
	e = ronda_window_get(w, key(1), 1, 0, 1);
	assert_non_null(e);
	/* ssh failures from one IP at +0, +40 s, +10 s (late by 30 s), +20 s. */
	assert_int_equal(ronda_window_add(w, e, T0, 0, 0, 10), 0);
	assert_int_equal(ronda_window_add(w, e, T0 + 40000, 0, 0, 10), 0);
	assert_int_equal(ronda_window_add(w, e, T0 + 10000, 0, 0, 10), 0);
	assert_int_equal(ronda_window_add(w, e, T0 + 20000, 0, 0, 10), 0);
	assert_int_equal(ronda_window_last(e), T0 + 40000);
	assert_int_equal(ronda_window_count(e, T0 + 10000, T0 + 20000), 2);
	/* Closed interval: 20 s apart counts both ends. */
	assert_int_equal(ronda_window_max_in_span(e, 20000), 3);
	assert_int_equal(ronda_window_max_in_span(e, 19999), 2);
	assert_int_equal(ronda_window_max_in_span(e, 40000), 4);
	ronda_window_free(w);
}

static void
series_cap_keeps_newest(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);
	struct ronda_window_entry *e = ronda_window_get(w, key(2), 2, 0, 1);

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(ronda_window_add(w, e, T0 + i * 1000, 0, 0, 5), 0);
	assert_int_equal(ronda_window_count(e, INT64_MIN, INT64_MAX), 5);
	assert_int_equal(ronda_window_count(e, T0, T0 + 2999), 0);
	/* A point older than everything kept does not push a newer one out. */
	assert_int_equal(ronda_window_add(w, e, T0 - 5000, 0, 0, 5), 0);
	assert_int_equal(ronda_window_count(e, INT64_MIN, T0), 0);
	ronda_window_free(w);
}

static void
distinct_series_keeps_each_value_once(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);
	struct ronda_window_entry *e = ronda_window_get(w, key(3), 3, 0, 1);

	(void)state;
	/* user names tried: root, admin, root again later, oracle. */
	ronda_window_add(w, e, T0, 11, 1, 30);
	ronda_window_add(w, e, T0 + 1000, 22, 1, 30);
	ronda_window_add(w, e, T0 + 5000, 11, 1, 30);
	ronda_window_add(w, e, T0 + 6000, 33, 1, 30);
	assert_int_equal(ronda_window_count(e, INT64_MIN, INT64_MAX), 3);
	/* root moved to its newest time. */
	assert_int_equal(ronda_window_count(e, T0, T0 + 999), 0);
	/* An older sighting of a value already newer changes nothing. */
	ronda_window_add(w, e, T0 - 1000, 33, 1, 30);
	assert_int_equal(ronda_window_count(e, INT64_MIN, T0), 0);
	assert_int_equal(ronda_window_sum(e, INT64_MIN, INT64_MAX), 66);
	ronda_window_free(w);
}

/* The entry cap: the least recently updated key goes, and is counted. */
static void
entry_cap_evicts_lru_counted(void **state)
{
	struct ronda_window *w = ronda_window_new(16, 1 << 20);
	struct ronda_window_entry *e;

	(void)state;
	for (int i = 0; i < 16; i++) {
		e = ronda_window_get(w, key(i), (uint64_t)i, 0, 1);
		assert_non_null(e);
		ronda_window_add(w, e, T0 + i, 0, 0, 4);
	}
	assert_int_equal(ronda_window_entries(w), 16);
	assert_int_equal(ronda_window_evicted(w), 0);
	/* Touch key 0: now key 1 is the least recently used. */
	assert_non_null(ronda_window_get(w, key(0), 0, 0, 0));
	for (int i = 16; i < 20; i++)
		assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 1));
	assert_int_equal(ronda_window_entries(w), 16);
	assert_int_equal(ronda_window_evicted(w), 4);
	assert_non_null(ronda_window_get(w, key(0), 0, 0, 0));
	for (int i = 1; i <= 4; i++)
		assert_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 0));
	for (int i = 5; i < 20; i++)
		assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 0));
	ronda_window_free(w);
}

/* The byte cap holds with many keys (a scan from a million addresses). */
static void
byte_cap_bounds_memory(void **state)
{
	const size_t cap = 1 << 20;
	struct ronda_window *w = ronda_window_new(10000000, cap);

	(void)state;
	for (int i = 0; i < 100000; i++) {
		struct ronda_window_entry *e = ronda_window_get(w, key(i), (uint64_t)i,
		    i % 8, 1);
		assert_non_null(e);
		assert_int_equal(ronda_window_add(w, e, T0 + i, (uint64_t)i, 1, 30), 0);
		assert_int_equal(ronda_window_add(w, e, T0 + i + 1, (uint64_t)i + 1, 1, 30), 0);
		assert_true(ronda_window_bytes(w) <= cap + 4096);
	}
	assert_true(ronda_window_evicted(w) > 0);
	assert_int_equal(ronda_window_entries(w) + ronda_window_evicted(w), 100000);
	/* The newest survive. */
	assert_non_null(ronda_window_get(w, key(99999), 99999, 99999 % 8, 0));
	ronda_window_free(w);
}

static int64_t cut[4];

static int64_t
cutoff(void *arg, int32_t part)
{
	(void)arg;
	return cut[part];
}

/* Expiry follows each partition's own event time, not the wall clock. */
static void
expiry_by_partition_event_time(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);

	(void)state;
	for (int i = 0; i < 6; i++) {
		struct ronda_window_entry *e = ronda_window_get(w, key(i), (uint64_t)i,
		    i % 2, 1);
		ronda_window_add(w, e, T0 + i * 60000, 0, 0, 4);
	}
	/* Partition 0 is far ahead; partition 1 has not moved. */
	cut[0] = T0 + 5 * 60000;
	cut[1] = INT64_MIN;
	/* The LRU tail (key 0, partition 0) expires; key 1 (partition 1) stops the walk. */
	assert_int_equal(ronda_window_expire(w, cutoff, NULL), 1);
	assert_null(ronda_window_get(w, key(0), 0, 0, 0));
	assert_non_null(ronda_window_get(w, key(1), 1, 1, 0));
	/* Key 1 was just used; the tail is key 2 (partition 0, expired), then key 3
	 * (partition 1) stops the walk again. */
	assert_int_equal(ronda_window_expire(w, cutoff, NULL), 1);
	assert_null(ronda_window_get(w, key(2), 2, 0, 0));
	/* Partition 1 catches up: keys 3 and 4 go; key 5, exactly at the cutoff, stays. */
	cut[1] = T0 + 5 * 60000;
	assert_int_equal(ronda_window_expire(w, cutoff, NULL), 2);
	assert_null(ronda_window_get(w, key(3), 3, 1, 0));
	assert_null(ronda_window_get(w, key(4), 4, 0, 0));
	assert_non_null(ronda_window_get(w, key(5), 5, 1, 0));
	assert_int_equal(ronda_window_evicted(w), 0);
	ronda_window_free(w);
}

static void
drop_partition(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);

	(void)state;
	for (int i = 0; i < 30; i++)
		ronda_window_get(w, key(i), (uint64_t)i, i % 3, 1);
	ronda_window_drop_part(w, 1);
	assert_int_equal(ronda_window_entries(w), 20);
	for (int i = 0; i < 30; i++)
		if (i % 3 == 1)
			assert_null(ronda_window_get(w, key(i), (uint64_t)i, 1, 0));
		else
			assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, i % 3, 0));
	ronda_window_free(w);
}

static int
odd_part(void *arg, int32_t part)
{
	(void)arg;
	return part % 2 == 1;
}

/* A rebalance revoking many partitions: one walk drops all their keys, bytes too. */
static void
drop_many_partitions(void **state)
{
	struct ronda_window *w = ronda_window_new(100000, 64 << 20);
	size_t bytes0 = ronda_window_bytes(w);

	(void)state;
	for (int i = 0; i < 4000; i++) {
		struct ronda_window_entry *e = ronda_window_get(w, key(i), (uint64_t)i,
		    i % 384, 1);
		assert_non_null(e);
		assert_int_equal(ronda_window_add(w, e, 1795705200000 + i, 0, 0, 10), 0);
	}
	ronda_window_drop_parts(w, odd_part, NULL);
	assert_int_equal(ronda_window_entries(w), 2000);
	for (int i = 0; i < 4000; i++)
		if (i % 384 % 2 == 1)
			assert_null(ronda_window_get(w, key(i), (uint64_t)i, i % 384, 0));
		else
			assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, i % 384, 0));
	for (int i = 0; i < 4000; i += 2)
		ronda_window_drop_part(w, i % 384);
	assert_int_equal(ronda_window_entries(w), 0);
	assert_true(ronda_window_bytes(w) >= bytes0);
	ronda_window_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(out_of_order_points_land_in_order),
		cmocka_unit_test(series_cap_keeps_newest),
		cmocka_unit_test(distinct_series_keeps_each_value_once),
		cmocka_unit_test(entry_cap_evicts_lru_counted),
		cmocka_unit_test(byte_cap_bounds_memory),
		cmocka_unit_test(expiry_by_partition_event_time),
		cmocka_unit_test(drop_partition),
		cmocka_unit_test(drop_many_partitions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
