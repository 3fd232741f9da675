#include "dedupe.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY UINT32_MAX

struct ronda_dedupe {
	struct ronda_dedupe_entry *ring;
	size_t cap;		/* ring slots */
	size_t head;		/* oldest */
	size_t n;
	uint32_t *idx;		/* linear probing over ring positions */
	size_t mask;
	int64_t next_seq;
	int64_t evicted_upto;
	uint64_t evicted_cap;
};

struct ronda_dedupe *
ronda_dedupe_new(size_t cap)
{
	struct ronda_dedupe *d;
	size_t slots = 16;

	if (cap < 16)
		cap = 16;
	if (cap > UINT32_MAX / 4)
		return NULL;
	while (slots < cap * 2)
		slots <<= 1;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->ring = calloc(cap, sizeof(*d->ring));
	d->idx = malloc(slots * sizeof(*d->idx));
	if (d->ring == NULL || d->idx == NULL) {
		ronda_dedupe_free(d);
		return NULL;
	}
	memset(d->idx, 0xff, slots * sizeof(*d->idx));
	d->cap = cap;
	d->mask = slots - 1;
	d->next_seq = 1;
	return d;
}

void
ronda_dedupe_free(struct ronda_dedupe *d)
{
	if (d == NULL)
		return;
	free(d->ring);
	free(d->idx);
	free(d);
}

static size_t
slot_of(const struct ronda_dedupe *d, uint64_t hi)
{
	return (size_t)(hi ^ (hi >> 29)) & d->mask;
}

const struct ronda_dedupe_entry *
ronda_dedupe_find(const struct ronda_dedupe *d, uint64_t hi, uint64_t lo)
{
	for (size_t s = slot_of(d, hi);; s = (s + 1) & d->mask) {
		uint32_t r = d->idx[s];
		if (r == EMPTY)
			return NULL;
		if (d->ring[r].hi == hi && d->ring[r].lo == lo)
			return &d->ring[r];
	}
}

/* Remove ring position r from the index (backward-shift deletion). */
static void
idx_remove(struct ronda_dedupe *d, uint32_t r)
{
	size_t s = slot_of(d, d->ring[r].hi), i, j;

	while (d->idx[s] != r)
		s = (s + 1) & d->mask;
	i = s;
	for (j = (i + 1) & d->mask; d->idx[j] != EMPTY; j = (j + 1) & d->mask) {
		size_t home = slot_of(d, d->ring[d->idx[j]].hi);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i < j) ? (home <= i || home > j) : (home <= i && home > j)) {
			d->idx[i] = d->idx[j];
			i = j;
		}
	}
	d->idx[i] = EMPTY;
}

static void
pop_head(struct ronda_dedupe *d)
{
	idx_remove(d, (uint32_t)d->head);
	d->evicted_upto = d->ring[d->head].seq;
	d->head = (d->head + 1) % d->cap;
	d->n--;
}

static void
push(struct ronda_dedupe *d, const struct ronda_dedupe_entry *e)
{
	size_t r, s;

	if (d->n == d->cap) {
		pop_head(d);
		d->evicted_cap++;
	}
	r = (d->head + d->n) % d->cap;
	d->ring[r] = *e;
	d->n++;
	for (s = slot_of(d, e->hi); d->idx[s] != EMPTY; s = (s + 1) & d->mask)
		;
	d->idx[s] = (uint32_t)r;
}

int64_t
ronda_dedupe_add(struct ronda_dedupe *d, uint64_t hi, uint64_t lo, int64_t ts,
    int32_t part, int64_t off)
{
	struct ronda_dedupe_entry e = { .hi = hi, .lo = lo, .seq = d->next_seq++,
	    .ts = ts, .off = off, .part = part };

	push(d, &e);
	return e.seq;
}

void
ronda_dedupe_restore(struct ronda_dedupe *d, const struct ronda_dedupe_entry *e)
{
	if (ronda_dedupe_find(d, e->hi, e->lo) != NULL)
		return;
	push(d, e);
	if (e->seq >= d->next_seq)
		d->next_seq = e->seq + 1;
	if (d->evicted_upto < e->seq - (int64_t)d->n)
		d->evicted_upto = e->seq - (int64_t)d->n;
}

void
ronda_dedupe_expire(struct ronda_dedupe *d, int64_t cutoff_ts)
{
	while (d->n > 0 && d->ring[d->head].ts < cutoff_ts)
		pop_head(d);
}

int64_t
ronda_dedupe_evicted_upto(const struct ronda_dedupe *d)
{
	return d->evicted_upto;
}

int64_t
ronda_dedupe_next_seq(const struct ronda_dedupe *d)
{
	return d->next_seq;
}

void
ronda_dedupe_each_since(const struct ronda_dedupe *d, int64_t from,
    void (*fn)(void *arg, const struct ronda_dedupe_entry *e), void *arg)
{
	size_t i = d->n;

	/* Walk back from the newest while seq >= from, then forward. */
	while (i > 0 && d->ring[(d->head + i - 1) % d->cap].seq >= from)
		i--;
	for (; i < d->n; i++)
		fn(arg, &d->ring[(d->head + i) % d->cap]);
}

size_t
ronda_dedupe_count(const struct ronda_dedupe *d)
{
	return d->n;
}

uint64_t
ronda_dedupe_evicted_cap(const struct ronda_dedupe *d)
{
	return d->evicted_cap;
}

size_t
ronda_dedupe_bytes(const struct ronda_dedupe *d)
{
	return sizeof(*d) + d->cap * sizeof(*d->ring) + (d->mask + 1) * sizeof(*d->idx);
}
