/*
 * Window store: out-of-order points, distinct series, per-series caps, the
 * entry and byte caps (least recently updated key evicted, counted), expiry
 * by per-partition event time, and dropping a revoked partition; the lazy
 * LRU (evicts as an exact one would, near enough), the points kept in the
 * entry before a heap array, and the bytes counted for both.
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
	ronda_window_drop_clock(w, 1);
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
	ronda_window_drop_clocks(w, odd_part, NULL);
	assert_int_equal(ronda_window_entries(w), 2000);
	for (int i = 0; i < 4000; i++)
		if (i % 384 % 2 == 1)
			assert_null(ronda_window_get(w, key(i), (uint64_t)i, i % 384, 0));
		else
			assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, i % 384, 0));
	for (int i = 0; i < 4000; i += 2)
		ronda_window_drop_clock(w, i % 384);
	assert_int_equal(ronda_window_entries(w), 0);
	assert_true(ronda_window_bytes(w) >= bytes0);
	ronda_window_free(w);
}

/*
 * Lazy LRU: a get moves its entry to the head only now and then; an entry
 * used since it was last put there gets a second chance at the tail. A key
 * left alone goes before one of the same age used since.
 */
static void
lazy_lru_evicts_untouched_first(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 64 << 20);

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 1));
	/* Old keys 0..99 used again; 100 new keys evict 100..199. */
	for (int i = 0; i < 100; i++)
		assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 0));
	for (int i = 1000; i < 1100; i++)
		assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 1));
	assert_int_equal(ronda_window_evicted(w), 100);
	/* Keys 1000..1049, just made, used again (not moved: only marked). */
	for (int i = 1000; i < 1050; i++)
		assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 0));
	/* 950 new keys: 200..999, 0..99, then 1050..1099 (as old as 1000..1049,
	 * but not used since) go; 1000..1049 stay (100..199 went before). */
	for (int i = 2000; i < 2950; i++)
		assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 1));
	assert_int_equal(ronda_window_evicted(w), 1050);
	assert_int_equal(ronda_window_entries(w), 1000);
	for (int i = 0; i < 1100; i++)
		if (i >= 1000 && i < 1050)
			assert_non_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 0));
		else
			assert_null(ronda_window_get(w, key(i), (uint64_t)i, 0, 0));
	ronda_window_free(w);
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * As an exact LRU: a key used within the last max_entries - 1 gets is never
 * evicted, whatever the mix (hot keys, a long tail, new keys), and every
 * eviction is counted.
 */
static void
lazy_lru_keeps_recently_used(void **state)
{
	enum { MAX = 300, KEYS = 3000, STEPS = 60000 };
	struct ronda_window *w = ronda_window_new(MAX, 64 << 20);
	int ring[MAX - 1], seen[MAX - 1];	/* the keys of the last MAX - 1 gets */
	size_t made = 0, at = 0, checks = 0;

	(void)state;
	for (int i = 0; i < MAX - 1; i++)
		ring[i] = -1;
	for (int i = 0; i < STEPS; i++) {
		uint64_t r = rnd();
		/* A third hot (30 keys), the rest spread over all keys. */
		int id = r % 3 == 0 ? (int)(r >> 8) % 30 : (int)(r >> 8) % KEYS;
		uint64_t ev = ronda_window_evicted(w);

		if (ronda_window_get(w, key(id), (uint64_t)id, 0, 0) == NULL) {
			assert_non_null(ronda_window_get(w, key(id), (uint64_t)id, 0, 1));
			made++;
			assert_true(ronda_window_entries(w) <= MAX);
		}
		ring[at++ % (MAX - 1)] = id;
		if (ronda_window_evicted(w) == ev || i % 7 != 0)
			continue;
		/* Just evicted: every key of the last MAX - 1 gets is still here
		 * (the lookups are gets too, of the same keys). */
		memcpy(seen, ring, sizeof(seen));
		for (int j = 0; j < MAX - 1; j++)
			if (seen[j] >= 0) {
				assert_non_null(ronda_window_get(w, key(seen[j]),
				    (uint64_t)seen[j], 0, 0));
				ring[at++ % (MAX - 1)] = seen[j];
			}
		checks++;
	}
	assert_true(checks > 1000);
	assert_int_equal(ronda_window_entries(w) + ronda_window_evicted(w), made);
	ronda_window_free(w);
}

/* Points past the few kept in the entry move to the heap in order. */
static void
inline_points_spill_in_order(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);
	struct ronda_window_entry *e = ronda_window_get(w, key(7), 7, 0, 1);
	static const int order[] = { 5, 1, 9, 3, 7, 0, 8, 2, 6, 4, 11, 10 };

	(void)state;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		assert_int_equal(ronda_window_add(w, e, T0 + order[i] * 1000,
		    (uint64_t)order[i] + 1, 0, 10), 0);
		assert_int_equal(ronda_window_count(e, INT64_MIN, INT64_MAX),
		    i + 1 < 10 ? i + 1 : 10);
	}
	/* The 10 newest, 2..11 s, each second once, in order. */
	assert_int_equal(ronda_window_last(e), T0 + 11000);
	assert_int_equal(ronda_window_count(e, INT64_MIN, T0 + 1999), 0);
	for (int s = 2; s <= 11; s++)
		assert_int_equal(ronda_window_count(e, T0 + s * 1000, T0 + s * 1000), 1);
	assert_int_equal(ronda_window_sum(e, INT64_MIN, INT64_MAX), 3 + 4 + 5 + 6 + 7 +
	    8 + 9 + 10 + 11 + 12);
	assert_int_equal(ronda_window_max_in_span(e, 3000), 4);
	assert_int_equal(ronda_window_max_in_span(e, 9000), 10);

	/* A distinct series across the spill: value 1 moves to its newest time. */
	e = ronda_window_get(w, key(8), 8, 0, 1);
	for (int i = 0; i < 5; i++)
		ronda_window_add(w, e, T0 + i * 1000, (uint64_t)i + 1, 1, 30);
	ronda_window_add(w, e, T0 + 9000, 1, 1, 30);
	assert_int_equal(ronda_window_count(e, INT64_MIN, INT64_MAX), 5);
	assert_int_equal(ronda_window_count(e, T0, T0), 0);
	assert_int_equal(ronda_window_last(e), T0 + 9000);
	assert_int_equal(ronda_window_max_in_span(e, 3000), 4);
	ronda_window_free(w);
}

/* The bytes counted cover the entries and every spilled series. */
static void
bytes_follow_allocations(void **state)
{
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);
	size_t b0 = ronda_window_bytes(w), b1, b2;
	struct ronda_window_entry *e;

	(void)state;
	e = ronda_window_get(w, key(1), 1, 3, 1);
	b1 = ronda_window_bytes(w);
	assert_true(b1 >= b0 + 64);
	/* The first points live in the entry. */
	ronda_window_add(w, e, T0, 1, 0, 100);
	ronda_window_add(w, e, T0 + 1, 2, 0, 100);
	assert_int_equal(ronda_window_bytes(w), b1);
	/* Then a heap series, counted as it grows. */
	for (int i = 2; i < 100; i++) {
		size_t before = ronda_window_bytes(w);
		ronda_window_add(w, e, T0 + i, (uint64_t)i, 0, 100);
		assert_true(ronda_window_bytes(w) >= before);
	}
	b2 = ronda_window_bytes(w);
	assert_true(b2 >= b1 + 100 * 16);
	/* Dropping the key gives its series back. */
	ronda_window_drop_clock(w, 3);
	assert_int_equal(ronda_window_entries(w), 0);
	assert_int_equal(ronda_window_bytes(w), b1);
	ronda_window_free(w);
}

/* The byte cap holds with long series too (their heap arrays are counted). */
static void
byte_cap_bounds_spilled_series(void **state)
{
	const size_t cap = 1 << 20;
	struct ronda_window *w = ronda_window_new(10000000, cap);

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct ronda_window_entry *e = ronda_window_get(w, key(i), (uint64_t)i,
		    0, 1);
		assert_non_null(e);
		for (int j = 0; j < 10; j++)
			assert_int_equal(ronda_window_add(w, e, T0 + i + j, 0, 0, 10), 0);
		assert_true(ronda_window_bytes(w) <= cap + 4096);
	}
	assert_true(ronda_window_evicted(w) > 0);
	/* Each key costs more than 10 points' worth: far fewer than 20000 fit. */
	assert_true(ronda_window_entries(w) < cap / (10 * 16));
	assert_int_equal(ronda_window_entries(w) + ronda_window_evicted(w), 20000);
	assert_non_null(ronda_window_get(w, key(19999), 19999, 0, 0));
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
		cmocka_unit_test(lazy_lru_evicts_untouched_first),
		cmocka_unit_test(lazy_lru_keeps_recently_used),
		cmocka_unit_test(inline_points_spill_in_order),
		cmocka_unit_test(bytes_follow_allocations),
		cmocka_unit_test(byte_cap_bounds_spilled_series),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
