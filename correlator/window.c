#include "window.h"

#include <stdlib.h>
#include <string.h>

/*
 * Layout, chosen for the cache (window lookups are one per series per event):
 *
 * - Entries live in chunks of CHUNK entries (a slab), named by a 32-bit index;
 *   the LRU links are indices. A chunk never moves, so an entry's address is
 *   stable until it is removed.
 * - A slot of the open-addressing table is 64 bits: the low 32 bits of the
 *   key's mixed hash (which also give its home slot) and the entry's index
 *   + 1 (0: empty). A probe compares the hash bits in the table and reads an
 *   entry only when they match; growing and deleting never read entries.
 * - The first INLINE points sit in the entry; a longer series spills to one
 *   heap array.
 */

#define INLINE		2
#define CHUNK_SHIFT	8
#define CHUNK		(1u << CHUNK_SHIFT)
#define NIL		UINT32_MAX
#define MAXN		UINT16_MAX
/* Lazy LRU: an entry moves to the head at most once per this many gets. */
#define LAZY_FLOOR	64

struct wpt {
	int64_t ts;
	uint64_t h;
};

struct ronda_window_entry {
	uint64_t hi, lo;
	uint32_t prev, next;	/* LRU: head = newest; next is the free list too */
	uint32_t stamp;		/* w->tick when last put at the head */
	int32_t clock;		/* the caller's clock its expiry follows (an event stream) */
	uint16_t n, cap;	/* cap <= INLINE: the points are in u.in */
	uint8_t ref;		/* used since put at the head */
	union {
		struct wpt in[INLINE];
		struct wpt *heap;
	} u;
};

struct ronda_window {
	uint64_t *slots;	/* linear probing: hash32 << 32 | (index + 1) */
	size_t mask;
	size_t n;
	size_t max_entries, max_bytes, bytes;
	struct ronda_window_entry **chunks;
	size_t nchunks, chunks_cap;
	uint32_t free;		/* free list of entries (through next) */
	size_t heap;		/* bytes of the heap arrays (in bytes too) */
	uint32_t head, tail;
	uint32_t tick;
	uint64_t evicted;
};

/* What a spilled series allocates (malloc's header counted). */
#define HEAP_BYTES(cap) ((cap) > INLINE ? (size_t)(cap) * sizeof(struct wpt) + 16 : 0)
#define CHUNK_BYTES (CHUNK * sizeof(struct ronda_window_entry) + 16)

static inline struct ronda_window_entry *
at(const struct ronda_window *w, uint32_t i)
{
	return &w->chunks[i >> CHUNK_SHIFT][i & (CHUNK - 1)];
}

static inline struct wpt *
pts(struct ronda_window_entry *e)
{
	return e->cap > INLINE ? e->u.heap : e->u.in;
}

static inline const struct wpt *
cpts(const struct ronda_window_entry *e)
{
	return e->cap > INLINE ? e->u.heap : e->u.in;
}

static inline uint32_t
hash32(uint64_t hi)
{
	return (uint32_t)(hi ^ (hi >> 31));
}

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
	if (w->max_entries > (size_t)1 << 31)
		w->max_entries = (size_t)1 << 31;
	w->max_bytes = max_bytes < 65536 ? 65536 : max_bytes;
	w->bytes = (w->mask + 1) * sizeof(*w->slots);
	w->free = w->head = w->tail = NIL;
	return w;
}

void
ronda_window_free(struct ronda_window *w)
{
	if (w == NULL)
		return;
	for (uint32_t i = w->head; i != NIL; i = at(w, i)->next) {
		struct ronda_window_entry *e = at(w, i);
		if (e->cap > INLINE)
			free(e->u.heap);
	}
	for (size_t c = 0; c < w->nchunks; c++)
		free(w->chunks[c]);
	free(w->chunks);
	free(w->slots);
	free(w);
}

static void
lru_unlink(struct ronda_window *w, struct ronda_window_entry *e)
{
	if (e->prev != NIL)
		at(w, e->prev)->next = e->next;
	else
		w->head = e->next;
	if (e->next != NIL)
		at(w, e->next)->prev = e->prev;
	else
		w->tail = e->prev;
	e->prev = e->next = NIL;
}

static void
lru_push(struct ronda_window *w, struct ronda_window_entry *e, uint32_t idx)
{
	e->prev = NIL;
	e->next = w->head;
	if (w->head != NIL)
		at(w, w->head)->prev = idx;
	w->head = idx;
	if (w->tail == NIL)
		w->tail = idx;
	e->stamp = w->tick;
	e->ref = 0;
}

static void
slot_remove(struct ronda_window *w, uint32_t idx, uint64_t hi)
{
	size_t i = hash32(hi) & w->mask, j;

	while ((uint32_t)w->slots[i] != idx + 1)
		i = (i + 1) & w->mask;
	for (j = (i + 1) & w->mask; w->slots[j] != 0; j = (j + 1) & w->mask) {
		size_t h = (size_t)(w->slots[j] >> 32) & w->mask;
		if ((i < j) ? (h <= i || h > j) : (h <= i && h > j)) {
			w->slots[i] = w->slots[j];
			i = j;
		}
	}
	w->slots[i] = 0;
}

static void
entry_remove(struct ronda_window *w, uint32_t idx)
{
	struct ronda_window_entry *e = at(w, idx);

	slot_remove(w, idx, e->hi);
	lru_unlink(w, e);
	if (e->cap > INLINE)
		free(e->u.heap);
	w->bytes -= HEAP_BYTES(e->cap);
	w->heap -= HEAP_BYTES(e->cap);
	e->cap = 0;
	e->next = w->free;
	w->free = idx;
	w->n--;
}

/*
 * The entry to evict. Lazy LRU (see ronda_window_get) leaves an entry used
 * since it was put at the head where it was, with ref set; at the tail such
 * an entry gets a second chance (back to the head, ref cleared) instead of
 * going. So the entry evicted has not been used since it was last put at
 * the head, and every other entry was put there later: it is the least
 * recently used one, except that an entry used within "lazy" gets of being
 * put at the head counts, once it reaches the tail, as used then (it may
 * outlive a few keys used after it). Like an exact LRU, a key used within
 * the last max_entries - 1 gets is never evicted. One entry goes per call:
 * the evicted counter is unchanged by the approximation.
 */
static uint32_t
lru_victim(struct ronda_window *w)
{
	uint32_t t;

	while ((t = w->tail) != NIL) {
		struct ronda_window_entry *e = at(w, t);
		if (!e->ref)
			return t;
		lru_unlink(w, e);
		w->tick++;
		lru_push(w, e, t);
	}
	return NIL;
}

static int
grow(struct ronda_window *w)
{
	size_t nmask = w->mask * 2 + 1;
	uint64_t *ns = calloc(nmask + 1, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (size_t i = 0; i <= w->mask; i++) {
		uint64_t v = w->slots[i];
		size_t s;
		if (v == 0)
			continue;
		for (s = (size_t)(v >> 32) & nmask; ns[s] != 0; s = (s + 1) & nmask)
			;
		ns[s] = v;
	}
	w->bytes += (nmask - w->mask) * sizeof(*ns);
	free(w->slots);
	w->slots = ns;
	w->mask = nmask;
	return 0;
}

/* A free entry: from the free list, else a new chunk. NIL on ENOMEM. */
static uint32_t
entry_alloc(struct ronda_window *w)
{
	uint32_t idx;

	if (w->free == NIL) {
		struct ronda_window_entry *c;
		uint32_t base;
		if (w->nchunks == w->chunks_cap) {
			size_t ncap = w->chunks_cap == 0 ? 16 : w->chunks_cap * 2;
			struct ronda_window_entry **nc = realloc(w->chunks, ncap * sizeof(*nc));
			if (nc == NULL)
				return NIL;
			w->bytes += (ncap - w->chunks_cap) * sizeof(*nc);
			w->chunks = nc;
			w->chunks_cap = ncap;
		}
		if ((c = malloc(CHUNK * sizeof(*c))) == NULL)
			return NIL;
		base = (uint32_t)(w->nchunks << CHUNK_SHIFT);
		w->chunks[w->nchunks++] = c;
		w->bytes += CHUNK_BYTES;
		for (uint32_t k = CHUNK; k-- > 0;) {
			c[k].next = w->free;
			w->free = base + k;
		}
	}
	idx = w->free;
	w->free = at(w, idx)->next;
	return idx;
}

/*
 * Lazy LRU: a get moves its entry to the head of the LRU list only when
 * more than max(n / 8, LAZY_FLOOR) gets happened since the entry was last
 * put there; otherwise it only sets ref (a relink writes the entries before
 * and after it and the head: up to three more cache misses per get, and most
 * keys are used in bursts). Eviction and expiry honour ref (lru_victim,
 * ronda_window_expire). The tick is 32 bits: an entry left alone for 2^32
 * gets may look recent when used again, and is then only marked (ref).
 */
void
ronda_window_prefetch(const struct ronda_window *w, uint64_t hi)
{
	__builtin_prefetch(&w->slots[hash32(hi) & w->mask]);
}

struct ronda_window_entry *
ronda_window_get(struct ronda_window *w, uint64_t hi, uint64_t lo, int32_t clock,
    int create)
{
	struct ronda_window_entry *e;
	uint32_t h32 = hash32(hi), idx, lazy;
	uint64_t v;
	size_t s;

	w->tick++;
	for (s = h32 & w->mask; (v = w->slots[s]) != 0; s = (s + 1) & w->mask) {
		if ((uint32_t)(v >> 32) != h32)
			continue;
		idx = (uint32_t)v - 1;
		e = at(w, idx);
		if (e->hi == hi && e->lo == lo) {
			/*
			 * The newest writer's clock: two streams can feed one
			 * key (two collectors of a site), and the key lives as
			 * long as the one that last added to it.
			 */
			if (create)
				e->clock = clock;
			lazy = (uint32_t)(w->n >> 3);
			if (lazy < LAZY_FLOOR)
				lazy = LAZY_FLOOR;
			if (w->tick - e->stamp > lazy) {
				if (w->head != idx) {
					lru_unlink(w, e);
					lru_push(w, e, idx);
				} else {
					e->stamp = w->tick;
					e->ref = 0;
				}
			} else if (!e->ref) {
				e->ref = 1;
			}
			/* The caller adds or counts next: start loading the series. */
			if (e->cap > INLINE && e->n > 0) {
				__builtin_prefetch(e->u.heap);
				__builtin_prefetch(&e->u.heap[e->n - 1]);
			}
			return e;
		}
	}
	if (!create)
		return NULL;
	/*
	 * Make room: the least recently updated keys go first. w->bytes counts
	 * what is allocated: whole chunks (free entries included) and the heap
	 * arrays. A new key takes a free entry, else a new chunk, and keeps
	 * room for a short heap series. Evicting a key with only inline points
	 * frees no bytes but an entry (taken next); when no key has a heap
	 * array, evicting more cannot help the byte cap.
	 */
	for (;;) {
		size_t need = (w->free == NIL ? CHUNK_BYTES : 0) + HEAP_BYTES(4);
		uint32_t t;
		if (w->n < w->max_entries && (w->bytes + need <= w->max_bytes ||
		    (w->free != NIL && w->heap == 0)))
			break;
		if ((t = lru_victim(w)) == NIL)
			break;
		entry_remove(w, t);
		w->evicted++;
	}
	if ((w->n + 1) * 2 > w->mask + 1 && grow(w) == -1)
		return NULL;
	if ((idx = entry_alloc(w)) == NIL)
		return NULL;
	e = at(w, idx);
	memset(e, 0, sizeof(*e));
	e->hi = hi;
	e->lo = lo;
	e->clock = clock;
	e->cap = INLINE;
	for (s = h32 & w->mask; w->slots[s] != 0; s = (s + 1) & w->mask)
		;
	w->slots[s] = (uint64_t)h32 << 32 | (idx + 1);
	lru_push(w, e, idx);
	w->n++;
	return e;
}

int
ronda_window_add(struct ronda_window *w, struct ronda_window_entry *e, int64_t ts,
    uint64_t h, int distinct, size_t maxn)
{
	struct wpt *p = pts(e);
	uint32_t i;

	if (maxn < 1)
		maxn = 1;
	if (maxn > MAXN)
		maxn = MAXN;
	if (distinct) {
		for (i = 0; i < e->n; i++)
			if (p[i].h == h)
				break;
		if (i < e->n) {
			if (p[i].ts >= ts)
				return 0;
			memmove(&p[i], &p[i + 1], (e->n - i - 1) * sizeof(*p));
			e->n--;
		}
	}
	if (e->n >= maxn) {
		/* Full: the new point only counts if it is newer than the oldest. */
		if (ts <= p[0].ts)
			return 0;
		memmove(&p[0], &p[1], (e->n - 1) * sizeof(*p));
		e->n--;
	}
	if (e->n == e->cap) {
		size_t ncap = (size_t)e->cap * 2;
		struct wpt *np;
		if (ncap > maxn)
			ncap = maxn;
		if (ncap <= e->n)
			ncap = (size_t)e->n + 1;
		if (e->cap > INLINE) {
			if ((np = realloc(e->u.heap, ncap * sizeof(*np))) == NULL)
				return -1;
		} else {
			/* Spill: the inline points move to the heap. */
			if ((np = malloc(ncap * sizeof(*np))) == NULL)
				return -1;
			memcpy(np, e->u.in, (size_t)e->n * sizeof(*np));
		}
		w->bytes += HEAP_BYTES(ncap) - HEAP_BYTES(e->cap);
		w->heap += HEAP_BYTES(ncap) - HEAP_BYTES(e->cap);
		e->u.heap = p = np;
		e->cap = (uint16_t)ncap;
	}
	/* Insert sorted; events mostly arrive in order, so search from the end. */
	for (i = e->n; i > 0 && p[i - 1].ts > ts; i--)
		;
	memmove(&p[i + 1], &p[i], (e->n - i) * sizeof(*p));
	p[i].ts = ts;
	p[i].h = h;
	e->n++;
	return 0;
}

size_t
ronda_window_count(const struct ronda_window_entry *e, int64_t from, int64_t to)
{
	const struct wpt *p = cpts(e);
	size_t c = 0;

	for (uint32_t i = 0; i < e->n; i++)
		if (p[i].ts >= from && p[i].ts <= to)
			c++;
	return c;
}

int64_t
ronda_window_sum(const struct ronda_window_entry *e, int64_t from, int64_t to)
{
	const struct wpt *p = cpts(e);
	int64_t s = 0;

	for (uint32_t i = 0; i < e->n; i++)
		if (p[i].ts >= from && p[i].ts <= to)
			s += (int64_t)p[i].h;
	return s;
}

size_t
ronda_window_max_in_span(const struct ronda_window_entry *e, int64_t span)
{
	const struct wpt *p = cpts(e);
	size_t best = 0;
	uint32_t i = 0;

	for (uint32_t j = 0; j < e->n; j++) {
		while (p[j].ts - p[i].ts > span)
			i++;
		if (j - i + 1 > best)
			best = j - i + 1;
	}
	return best;
}

int64_t
ronda_window_last(const struct ronda_window_entry *e)
{
	return e->n > 0 ? cpts(e)[e->n - 1].ts : INT64_MIN;
}

size_t
ronda_window_expire(struct ronda_window *w, int64_t (*cutoff)(void *arg, int32_t clock),
    void *arg)
{
	size_t n = 0;
	uint32_t t;

	/* An expired entry goes even if used lately (all its points are old). */
	while ((t = w->tail) != NIL) {
		struct ronda_window_entry *e = at(w, t);
		if (ronda_window_last(e) < cutoff(arg, e->clock)) {
			entry_remove(w, t);
			n++;
		} else if (e->ref) {
			lru_unlink(w, e);
			w->tick++;
			lru_push(w, e, t);
		} else {
			break;
		}
	}
	return n;
}

void
ronda_window_drop_clock(struct ronda_window *w, int32_t clock)
{
	uint32_t i, nx;

	for (i = w->head; i != NIL; i = nx) {
		nx = at(w, i)->next;
		if (at(w, i)->clock == clock)
			entry_remove(w, i);
	}
}

void
ronda_window_drop_clocks(struct ronda_window *w, int (*dropped)(void *arg, int32_t clock),
    void *arg)
{
	uint32_t i, nx;

	for (i = w->head; i != NIL; i = nx) {
		nx = at(w, i)->next;
		if (dropped(arg, at(w, i)->clock))
			entry_remove(w, i);
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
