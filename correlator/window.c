#include "window.h"

#include <stdlib.h>
#include <string.h>

struct wpt {
	int64_t ts;
	uint64_t h;
};

struct ronda_window_entry {
	uint64_t hi, lo;
	struct ronda_window_entry *prev, *next;	/* LRU: head = newest */
	struct wpt *pts;
	uint32_t n, cap;
	int32_t part;
};

struct ronda_window {
	struct ronda_window_entry **slots;	/* linear probing on hi */
	size_t mask;
	size_t n;
	size_t max_entries, max_bytes, bytes;
	struct ronda_window_entry *head, *tail;
	uint64_t evicted;
};

#define ENTRY_BYTES(cap) (sizeof(struct ronda_window_entry) + 16 + \
	((cap) > 0 ? (cap) * sizeof(struct wpt) + 16 : 0))

struct ronda_window *
ronda_window_new(size_t max_entries, size_t max_bytes)
{
	struct ronda_window *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->mask = 1023;
	if ((w->slots = calloc(w->mask + 1, sizeof(*w->slots))) == NULL) {
		free(w);
		return NULL;
	}
	w->max_entries = max_entries < 16 ? 16 : max_entries;
	w->max_bytes = max_bytes < 65536 ? 65536 : max_bytes;
	w->bytes = (w->mask + 1) * sizeof(*w->slots);
	return w;
}

void
ronda_window_free(struct ronda_window *w)
{
	struct ronda_window_entry *e, *nx;

	if (w == NULL)
		return;
	for (e = w->head; e != NULL; e = nx) {
		nx = e->next;
		free(e->pts);
		free(e);
	}
	free(w->slots);
	free(w);
}

static size_t
home(const struct ronda_window *w, uint64_t hi)
{
	return (size_t)(hi ^ (hi >> 31)) & w->mask;
}

static void
lru_unlink(struct ronda_window *w, struct ronda_window_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		w->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		w->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct ronda_window *w, struct ronda_window_entry *e)
{
	e->prev = NULL;
	e->next = w->head;
	if (w->head != NULL)
		w->head->prev = e;
	w->head = e;
	if (w->tail == NULL)
		w->tail = e;
}

static void
slot_remove(struct ronda_window *w, struct ronda_window_entry *e)
{
	size_t i = home(w, e->hi), j;

	while (w->slots[i] != e)
		i = (i + 1) & w->mask;
	for (j = (i + 1) & w->mask; w->slots[j] != NULL; j = (j + 1) & w->mask) {
		size_t h = home(w, w->slots[j]->hi);
		if ((i < j) ? (h <= i || h > j) : (h <= i && h > j)) {
			w->slots[i] = w->slots[j];
			i = j;
		}
	}
	w->slots[i] = NULL;
}

static void
entry_remove(struct ronda_window *w, struct ronda_window_entry *e)
{
	slot_remove(w, e);
	lru_unlink(w, e);
	w->bytes -= ENTRY_BYTES(e->cap);
	w->n--;
	free(e->pts);
	free(e);
}

static int
grow(struct ronda_window *w)
{
	size_t nmask = w->mask * 2 + 1;
	struct ronda_window_entry **ns = calloc(nmask + 1, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (size_t i = 0; i <= w->mask; i++) {
		struct ronda_window_entry *e = w->slots[i];
		size_t s;
		if (e == NULL)
			continue;
		for (s = (size_t)(e->hi ^ (e->hi >> 31)) & nmask; ns[s] != NULL;
		    s = (s + 1) & nmask)
			;
		ns[s] = e;
	}
	w->bytes += (nmask - w->mask) * sizeof(*ns);
	free(w->slots);
	w->slots = ns;
	w->mask = nmask;
	return 0;
}

struct ronda_window_entry *
ronda_window_get(struct ronda_window *w, uint64_t hi, uint64_t lo, int32_t part,
    int create)
{
	struct ronda_window_entry *e;
	size_t s;

	for (s = home(w, hi); (e = w->slots[s]) != NULL; s = (s + 1) & w->mask) {
		if (e->hi == hi && e->lo == lo) {
			if (w->head != e) {
				lru_unlink(w, e);
				lru_push(w, e);
			}
			return e;
		}
	}
	if (!create)
		return NULL;
	/* Make room: the least recently updated keys go first. */
	while (w->tail != NULL && (w->n >= w->max_entries ||
	    w->bytes + ENTRY_BYTES(4) > w->max_bytes)) {
		entry_remove(w, w->tail);
		w->evicted++;
	}
	if ((w->n + 1) * 2 > w->mask + 1 && grow(w) == -1)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->hi = hi;
	e->lo = lo;
	e->part = part;
	for (s = home(w, hi); w->slots[s] != NULL; s = (s + 1) & w->mask)
		;
	w->slots[s] = e;
	lru_push(w, e);
	w->n++;
	w->bytes += ENTRY_BYTES(0);
	return e;
}

int
ronda_window_add(struct ronda_window *w, struct ronda_window_entry *e, int64_t ts,
    uint64_t h, int distinct, size_t maxn)
{
	uint32_t i;

	if (maxn < 1)
		maxn = 1;
	if (distinct) {
		for (i = 0; i < e->n; i++)
			if (e->pts[i].h == h)
				break;
		if (i < e->n) {
			if (e->pts[i].ts >= ts)
				return 0;
			memmove(&e->pts[i], &e->pts[i + 1], (e->n - i - 1) * sizeof(*e->pts));
			e->n--;
		}
	}
	if (e->n >= maxn) {
		/* Full: the new point only counts if it is newer than the oldest. */
		if (ts <= e->pts[0].ts)
			return 0;
		memmove(&e->pts[0], &e->pts[1], (e->n - 1) * sizeof(*e->pts));
		e->n--;
	}
	if (e->n == e->cap) {
		uint32_t ncap = e->cap == 0 ? 2 : e->cap * 2;
		struct wpt *np;
		if (ncap > maxn)
			ncap = (uint32_t)maxn;
		if (ncap <= e->n)
			ncap = e->n + 1;
		if ((np = realloc(e->pts, ncap * sizeof(*np))) == NULL)
			return -1;
		w->bytes += ENTRY_BYTES(ncap) - ENTRY_BYTES(e->cap);
		e->pts = np;
		e->cap = ncap;
	}
	/* Insert sorted; events mostly arrive in order, so search from the end. */
	for (i = e->n; i > 0 && e->pts[i - 1].ts > ts; i--)
		;
	memmove(&e->pts[i + 1], &e->pts[i], (e->n - i) * sizeof(*e->pts));
	e->pts[i].ts = ts;
	e->pts[i].h = h;
	e->n++;
	return 0;
}

size_t
ronda_window_count(const struct ronda_window_entry *e, int64_t from, int64_t to)
{
	size_t c = 0;

	for (uint32_t i = 0; i < e->n; i++)
		if (e->pts[i].ts >= from && e->pts[i].ts <= to)
			c++;
	return c;
}

int64_t
ronda_window_sum(const struct ronda_window_entry *e, int64_t from, int64_t to)
{
	int64_t s = 0;

	for (uint32_t i = 0; i < e->n; i++)
		if (e->pts[i].ts >= from && e->pts[i].ts <= to)
			s += (int64_t)e->pts[i].h;
	return s;
}

size_t
ronda_window_max_in_span(const struct ronda_window_entry *e, int64_t span)
{
	size_t best = 0;
	uint32_t i = 0;

	for (uint32_t j = 0; j < e->n; j++) {
		while (e->pts[j].ts - e->pts[i].ts > span)
			i++;
		if (j - i + 1 > best)
			best = j - i + 1;
	}
	return best;
}

int64_t
ronda_window_last(const struct ronda_window_entry *e)
{
	return e->n > 0 ? e->pts[e->n - 1].ts : INT64_MIN;
}

size_t
ronda_window_expire(struct ronda_window *w, int64_t (*cutoff)(void *arg, int32_t part),
    void *arg)
{
	size_t n = 0;

	while (w->tail != NULL && ronda_window_last(w->tail) < cutoff(arg, w->tail->part)) {
		entry_remove(w, w->tail);
		n++;
	}
	return n;
}

void
ronda_window_drop_part(struct ronda_window *w, int32_t part)
{
	struct ronda_window_entry *e, *nx;

	for (e = w->head; e != NULL; e = nx) {
		nx = e->next;
		if (e->part == part)
			entry_remove(w, e);
	}
}

void
ronda_window_drop_parts(struct ronda_window *w, int (*dropped)(void *arg, int32_t part),
    void *arg)
{
	struct ronda_window_entry *e, *nx;

	for (e = w->head; e != NULL; e = nx) {
		nx = e->next;
		if (dropped(arg, e->part))
			entry_remove(w, e);
	}
}

size_t
ronda_window_entries(const struct ronda_window *w)
{
	return w->n;
}

size_t
ronda_window_bytes(const struct ronda_window *w)
{
	return w->bytes;
}

uint64_t
ronda_window_evicted(const struct ronda_window *w)
{
	return w->evicted;
}
