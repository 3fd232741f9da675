/*
 * Dedupe set: event ids as the collectors make them, the cap (oldest out,
 * counted), the event-time horizon (not counted as cap evictions), fixed
 * memory, the FIFO walk the store persists, and a restore.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cevent.h"
#include "dedupe.h"

#define T0 INT64_C(1795705200000)

static void
idh(int i, uint64_t *hi, uint64_t *lo)
{
	char id[64];
	int n = snprintf(id, sizeof(id), "bontangkota.go.id:2049:131004:%d", i * 180);

	ronda_cevent_id_hash(id, (size_t)n, hi, lo);
}

static void
finds_what_was_added(void **state)
{
	struct ronda_dedupe *d = ronda_dedupe_new(1000);
	const struct ronda_dedupe_entry *e;
	uint64_t hi, lo;

	(void)state;
	for (int i = 0; i < 500; i++) {
		idh(i, &hi, &lo);
		assert_null(ronda_dedupe_find(d, hi, lo));
		assert_int_equal(ronda_dedupe_add(d, hi, lo, T0 + i, i % 4, i / 4), i + 1);
	}
	idh(123, &hi, &lo);
	e = ronda_dedupe_find(d, hi, lo);
	assert_non_null(e);
	assert_int_equal(e->part, 3);
	assert_int_equal(e->off, 30);
	assert_int_equal(e->seq, 124);
	/* Same hi, other lo: a different id. */
	assert_null(ronda_dedupe_find(d, hi, lo ^ 1));
	assert_int_equal(ronda_dedupe_count(d), 500);
	ronda_dedupe_free(d);
}

static void
cap_evicts_oldest_counted(void **state)
{
	struct ronda_dedupe *d = ronda_dedupe_new(16);
	size_t bytes = ronda_dedupe_bytes(d);
	uint64_t hi, lo;

	(void)state;
	for (int i = 0; i < 20; i++) {
		idh(i, &hi, &lo);
		ronda_dedupe_add(d, hi, lo, T0 + i, 0, i);
	}
	assert_int_equal(ronda_dedupe_count(d), 16);
	assert_int_equal(ronda_dedupe_evicted_cap(d), 4);
	assert_int_equal(ronda_dedupe_evicted_upto(d), 4);
	for (int i = 0; i < 20; i++) {
		idh(i, &hi, &lo);
		if (i < 4)
			assert_null(ronda_dedupe_find(d, hi, lo));
		else
			assert_non_null(ronda_dedupe_find(d, hi, lo));
	}
	/* A million more ids: memory does not grow. */
	for (int i = 20; i < 1000000; i++) {
		idh(i, &hi, &lo);
		ronda_dedupe_add(d, hi, lo, T0 + i, 0, i);
	}
	assert_int_equal(ronda_dedupe_bytes(d), bytes);
	assert_int_equal(ronda_dedupe_count(d), 16);
	assert_int_equal(ronda_dedupe_evicted_cap(d), 1000000 - 16);
	ronda_dedupe_free(d);
}

/* The horizon: ids older than the cutoff leave, newer stay; not cap evictions. */
static void
horizon_expires_by_event_time(void **state)
{
	struct ronda_dedupe *d = ronda_dedupe_new(100);
	uint64_t hi, lo;

	(void)state;
	for (int i = 0; i < 10; i++) {
		idh(i, &hi, &lo);
		ronda_dedupe_add(d, hi, lo, T0 + i * 3600 * 1000, 0, i);
	}
	/* 24 h horizon at T0 + 27 h: the ids at 0, 1, 2 h are older than 3 h. */
	ronda_dedupe_expire(d, T0 + 3 * 3600 * 1000);
	assert_int_equal(ronda_dedupe_count(d), 7);
	assert_int_equal(ronda_dedupe_evicted_cap(d), 0);
	assert_int_equal(ronda_dedupe_evicted_upto(d), 3);
	idh(2, &hi, &lo);
	assert_null(ronda_dedupe_find(d, hi, lo));
	/* Exactly at the cutoff stays. */
	idh(3, &hi, &lo);
	assert_non_null(ronda_dedupe_find(d, hi, lo));
	/* FIFO order: a late (older) id behind a newer one waits for it. */
	idh(100, &hi, &lo);
	ronda_dedupe_add(d, hi, lo, T0, 0, 100);
	ronda_dedupe_expire(d, T0 + 5 * 3600 * 1000);
	assert_int_equal(ronda_dedupe_count(d), 6);
	assert_non_null(ronda_dedupe_find(d, hi, lo));
	ronda_dedupe_expire(d, INT64_MAX);
	assert_int_equal(ronda_dedupe_count(d), 0);
	assert_null(ronda_dedupe_find(d, hi, lo));
	ronda_dedupe_free(d);
}

struct walk {
	int n;
	int64_t first, last;
};

static void
walk_fn(void *arg, const struct ronda_dedupe_entry *e)
{
	struct walk *w = arg;

	if (w->n++ == 0)
		w->first = e->seq;
	assert_true(e->seq > w->last);
	w->last = e->seq;
}

static void
each_since_and_restore(void **state)
{
	struct ronda_dedupe *d = ronda_dedupe_new(50), *r = ronda_dedupe_new(50);
	struct walk w = { 0, 0, 0 };
	uint64_t hi, lo;

	(void)state;
	for (int i = 0; i < 80; i++) {
		idh(i, &hi, &lo);
		ronda_dedupe_add(d, hi, lo, T0 + i, 1, 1000 + i);
	}
	/* Only what is still in the set, from seq 70 on. */
	ronda_dedupe_each_since(d, 70, walk_fn, &w);
	assert_int_equal(w.n, 11);
	assert_int_equal(w.first, 70);
	assert_int_equal(w.last, 80);
	/* From before the oldest kept: the whole set (31..80). */
	memset(&w, 0, sizeof(w));
	ronda_dedupe_each_since(d, 1, walk_fn, &w);
	assert_int_equal(w.n, 50);
	assert_int_equal(w.first, 31);

	/* A restart restores the FIFO as stored: same members, same next seq. */
	for (int i = 30; i < 80; i++) {
		struct ronda_dedupe_entry e;
		idh(i, &e.hi, &e.lo);
		e.seq = i + 1;
		e.ts = T0 + i;
		e.part = 1;
		e.off = 1000 + i;
		ronda_dedupe_restore(r, &e);
	}
	assert_int_equal(ronda_dedupe_count(r), 50);
	assert_int_equal(ronda_dedupe_next_seq(r), ronda_dedupe_next_seq(d));
	idh(79, &hi, &lo);
	assert_int_equal(ronda_dedupe_find(r, hi, lo)->off, 1079);
	ronda_dedupe_free(d);
	ronda_dedupe_free(r);
}

/* Many ids on the same home slot: deletion keeps every other findable. */
static void
collisions_survive_eviction(void **state)
{
	struct ronda_dedupe *d = ronda_dedupe_new(64);

	(void)state;
	for (uint64_t i = 0; i < 200; i++)
		ronda_dedupe_add(d, 0x1000, i, T0, 0, (int64_t)i);
	for (uint64_t i = 0; i < 200; i++)
		if (i < 136)
			assert_null(ronda_dedupe_find(d, 0x1000, i));
		else
			assert_non_null(ronda_dedupe_find(d, 0x1000, i));
	ronda_dedupe_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_what_was_added),
		cmocka_unit_test(cap_evicts_oldest_counted),
		cmocka_unit_test(horizon_expires_by_event_time),
		cmocka_unit_test(each_since_and_restore),
		cmocka_unit_test(collisions_survive_eviction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
