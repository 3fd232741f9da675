#include "cloak.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hash.h"

/*
 * Per site: a hash table of URLs (chained through entry indexes, one
 * bucket array sized for the cap) threaded on a doubly linked LRU list.
 * Entries are allocated in doubling steps up to the cap, so a quiet site
 * costs a few KB; at the cap the least recently seen URL is reused.
 * An entry is 56 bytes: 4,096 URLs are 224 KB plus 16 KB of buckets.
 */
#define NIL		UINT32_MAX
#define FIRST_ALLOC	64
#define CAP_MAX		(1u << 24)
#define UA_SLOTS	1024	/* User-Agents whose class is remembered (a power of two) */

struct answer {
	int64_t ts_ms;
	int64_t bytes;		/* -1 unknown */
};

struct centry {
	uint64_t h;		/* keyed hash of the path and query */
	struct answer web, bot;
	uint32_t newer, older;	/* LRU list, NIL at the ends */
	uint32_t next;		/* hash chain */
	uint16_t web_status, bot_status;	/* 0: no such answer yet */
};

struct site_table {
	struct centry *e;
	uint32_t n, nalloc;	/* entries in use, allocated */
	uint32_t *bucket;	/* chain heads */
	uint32_t mask;		/* buckets - 1 (a power of two) */
	uint32_t mru, lru;
};

/*
 * A User-Agent's class, remembered: a site sees a few hundred agents, and
 * reading one costs more than hashing it. Keyed by the seeded hash and the
 * length, not the bytes: a collision (1 in 2^64, not choosable) would only
 * misfile one agent.
 */
struct ua_slot {
	uint64_t h;
	uint32_t n;		/* the agent's length + 1; 0: a free slot */
	uint32_t browser;
};

struct ronda_cloak {
	struct ua_slot ua[UA_SLOTS];
	struct site_table **t;	/* per slot, NULL until its first answer */
	size_t nsites;
	uint32_t cap;
	uint64_t seed;
	struct ronda_cloak_stats st;
};

struct ronda_cloak *
ronda_cloak_new(size_t nsites, size_t cap, uint64_t seed)
{
	struct ronda_cloak *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->t = calloc(nsites > 0 ? nsites : 1, sizeof(*c->t))) == NULL) {
		free(c);
		return NULL;
	}
	c->nsites = nsites;
	if (cap == 0)
		cap = RONDA_CLOAK_CAP;
	c->cap = cap > CAP_MAX ? CAP_MAX : (uint32_t)cap;
	if (seed == 0 && getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = ronda_qhash(&c, sizeof(c), (uint64_t)time(NULL));
	c->seed = seed;
	return c;
}

static void
table_free(struct site_table *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t->bucket);
	free(t);
}

void
ronda_cloak_free(struct ronda_cloak *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsites; i++)
		table_free(c->t[i]);
	free(c->t);
	free(c);
}

const struct ronda_cloak_stats *
ronda_cloak_stats(const struct ronda_cloak *c)
{
	return c != NULL ? &c->st : NULL;
}

static struct site_table *
table_new(uint32_t cap)
{
	struct site_table *t;
	uint32_t nb = 16;

	while (nb < cap)
		nb <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->bucket = malloc(nb * sizeof(*t->bucket))) == NULL) {
		free(t);
		return NULL;
	}
	memset(t->bucket, 0xff, nb * sizeof(*t->bucket));	/* NIL */
	t->mask = nb - 1;
	t->mru = t->lru = NIL;
	return t;
}

static void
lru_unlink(struct site_table *t, uint32_t i)
{
	struct centry *e = &t->e[i];

	if (e->newer != NIL)
		t->e[e->newer].older = e->older;
	else
		t->mru = e->older;
	if (e->older != NIL)
		t->e[e->older].newer = e->newer;
	else
		t->lru = e->newer;
}

static void
lru_push(struct site_table *t, uint32_t i)
{
	struct centry *e = &t->e[i];

	e->newer = NIL;
	e->older = t->mru;
	if (t->mru != NIL)
		t->e[t->mru].newer = i;
	else
		t->lru = i;
	t->mru = i;
}

static uint32_t *
bucket_of(struct site_table *t, uint64_t h)
{
	/* The hash's high bits: its low bits also pick nothing else. */
	return &t->bucket[(uint32_t)(h >> 32) & t->mask];
}

static uint32_t
find(struct site_table *t, uint64_t h)
{
	for (uint32_t i = *bucket_of(t, h); i != NIL; i = t->e[i].next)
		if (t->e[i].h == h)
			return i;
	return NIL;
}

/*
 * The entry of URL hash h, most recently seen now; a new one (empty
 * answers) when create is set, reusing the least recently seen at the cap.
 * NIL when absent and not created, or out of memory.
 */
static uint32_t
entry_for(struct ronda_cloak *c, struct site_table *t, uint64_t h, int create)
{
	uint32_t i = find(t, h), *b;
	struct centry *e;

	if (i != NIL) {
		if (t->mru != i) {
			lru_unlink(t, i);
			lru_push(t, i);
		}
		return i;
	}
	if (!create)
		return NIL;
	if (t->n < c->cap) {
		if (t->n == t->nalloc) {
			uint32_t na = t->nalloc == 0 ? FIRST_ALLOC : t->nalloc * 2;
			struct centry *ne;

			if (na > c->cap)
				na = c->cap;
			if ((ne = realloc(t->e, (size_t)na * sizeof(*ne))) == NULL) {
				c->st.nomem++;
				return NIL;
			}
			t->e = ne;
			t->nalloc = na;
		}
		i = t->n++;
	} else {
		uint32_t *pp;

		i = t->lru;
		lru_unlink(t, i);
		for (pp = bucket_of(t, t->e[i].h); *pp != i; pp = &t->e[*pp].next)
			;
		*pp = t->e[i].next;
		c->st.evictions++;
	}
	e = &t->e[i];
	memset(e, 0, sizeof(*e));
	e->h = h;
	b = bucket_of(t, h);
	e->next = *b;
	*b = i;
	lru_push(t, i);
	return i;
}

/* ---- what a line is ------------------------------------------------- */

static int
has_bot_rule(const struct ronda_event *ev)
{
	for (int i = 0; i < ev->nrules; i++)
		if (ev->rules[i].category != NULL &&
		    strcmp(ev->rules[i].category, RONDA_CLOAK_CATEGORY) == 0)
			return 1;
	return 0;
}

/* ASCII letters compared without case: c | 0x20 is lower case for letters only. */
static int
word_at(const unsigned char *p, size_t n, size_t i, const char *w, size_t wl)
{
	if (n - i < wl)
		return 0;
	for (size_t k = 1; k < wl; k++)
		if ((p[i + k] | 0x20) != (unsigned char)w[k])
			return 0;
	return 1;
}

/*
 * A browser's User-Agent: "Mozilla/..." (checked by the caller) naming no
 * bot, spider, crawler, fetcher, previewer, headless browser, Google agent
 * or URL (crawlers give their home page: "+http://..."). Only letters are
 * compared, so | 0x20 folds case exactly.
 */
static int
ua_reads_as_browser(const unsigned char *p, size_t n)
{
	for (size_t i = 8; i + 3 <= n; i++) {
		switch (p[i] | 0x20) {
		case 'b':
			if (word_at(p, n, i, "bot", 3))
				return 0;
			break;
		case 's':
			if (word_at(p, n, i, "spider", 6) || word_at(p, n, i, "slurp", 5))
				return 0;
			break;
		case 'c':
			if (word_at(p, n, i, "crawl", 5))
				return 0;
			break;
		case 'h':
			if (word_at(p, n, i, "http", 4) || word_at(p, n, i, "headless", 8))
				return 0;
			break;
		case 'g':
			if (word_at(p, n, i, "google", 6))
				return 0;
			break;
		case 'f':
			if (word_at(p, n, i, "fetch", 5))
				return 0;
			break;
		case 'p':
			if (word_at(p, n, i, "preview", 7))
				return 0;
			break;
		default:
			break;
		}
	}
	return 1;
}

static int
ua_is_browser(struct ronda_cloak *c, struct ronda_str ua)
{
	struct ua_slot *s;
	uint64_t h;

	if (ua.n < 8 || memcmp(ua.p, "Mozilla/", 8) != 0)
		return 0;
	h = ronda_qhash(ua.p, ua.n, c->seed ^ QHASH_K1);
	s = &c->ua[h & (UA_SLOTS - 1)];
	if (s->h != h || s->n != (uint32_t)ua.n + 1) {
		s->h = h;
		s->n = (uint32_t)ua.n + 1;
		s->browser = (uint32_t)ua_reads_as_browser((const unsigned char *)ua.p, ua.n);
	}
	return (int)s->browser;
}

/* 1 GET, 2 HEAD, 0 anything else (a page is compared on what reading it gives). */
static int
read_method(struct ronda_str m)
{
	if (m.n == 3 && memcmp(m.p, "GET", 3) == 0)
		return 1;
	if (m.n == 4 && memcmp(m.p, "HEAD", 4) == 0)
		return 2;
	return 0;
}

/*
 * A static asset by its extension: cloakers swap pages, not style sheets,
 * and a page's dozens of assets would push its pages out of the table. The
 * extension (2 to 5 bytes after the last '.', lower case) is packed into
 * one word with its length: a handful of compares, no calls (every .php
 * page goes through the whole list).
 */
#define EXT(n, w) (((uint64_t)(n) << 56) | (w))
#define E2(a, b) EXT(2, (uint64_t)(a) << 8 | (uint64_t)(b))
#define E3(a, b, c) EXT(3, (uint64_t)(a) << 16 | (uint64_t)(b) << 8 | (uint64_t)(c))
#define E4(a, b, c, d) EXT(4, (uint64_t)(a) << 24 | (uint64_t)(b) << 16 | \
    (uint64_t)(c) << 8 | (uint64_t)(d))
#define E5(a, b, c, d, e) EXT(5, (uint64_t)(a) << 32 | (uint64_t)(b) << 24 | \
    (uint64_t)(c) << 16 | (uint64_t)(d) << 8 | (uint64_t)(e))

static const uint64_t asset_ext[] = {
	E3('c', 's', 's'), E2('j', 's'), E3('m', 'j', 's'), E3('m', 'a', 'p'),
	E3('p', 'n', 'g'), E3('j', 'p', 'g'), E4('j', 'p', 'e', 'g'), E3('g', 'i', 'f'),
	E3('s', 'v', 'g'), E3('i', 'c', 'o'), E4('w', 'e', 'b', 'p'), E4('a', 'v', 'i', 'f'),
	E3('b', 'm', 'p'), E4('w', 'o', 'f', 'f'), E5('w', 'o', 'f', 'f', '2'),
	E3('t', 't', 'f'), E3('o', 't', 'f'), E3('e', 'o', 't'), E3('m', 'p', '4'),
	E4('w', 'e', 'b', 'm'), E3('m', 'p', '3'),
};

static int
is_asset(struct ronda_str path)
{
	const unsigned char *p = (const unsigned char *)path.p;
	size_t n = path.n, len;
	uint64_t w = 0;

	/* The last '.' within the last 6 bytes, after the last '/'. */
	for (len = 0; len < 6 && len < n; len++) {
		unsigned char ch = p[n - 1 - len];
		if (ch == '/')
			return 0;
		if (ch == '.')
			break;
	}
	if (len < 2 || len > 5 || len >= n || p[n - 1 - len] != '.')
		return 0;
	for (size_t k = n - len; k < n; k++)
		w = w << 8 | (p[k] >= 'A' && p[k] <= 'Z' ? p[k] + 32u : p[k]);
	w = EXT(len, w);
	for (size_t x = 0; x < sizeof(asset_ext) / sizeof(asset_ext[0]); x++)
		if (asset_ext[x] == w)
			return 1;
	return 0;
}

static uint64_t
url_hash(const struct ronda_cloak *c, const struct ronda_event *ev)
{
	uint64_t h = ronda_qhash(ev->path.p, ev->path.n, c->seed);

	/* The parser splits at the first '?': a path never holds one. */
	if (ev->query.n > 0)
		h = ronda_qhash(ev->query.p, ev->query.n, h ^ QHASH_K2);
	return h;
}

/* Keep ev's answer in a / *status unless the one kept is newer in event time. */
static void
answer_put(struct answer *a, uint16_t *status, const struct ronda_event *ev, int head)
{
	if (*status != 0 && ev->ts_ms < a->ts_ms)
		return;
	*status = (uint16_t)ev->status;
	a->ts_ms = ev->ts_ms;
	a->bytes = head ? -1 : ev->bytes;
}

/*
 * An answer this long before the bot line is compared. One later in event
 * time (files of a site read out of order) is not: the age is a duration.
 */
static int
within_age(int64_t d)
{
	return d >= 0 && d <= RONDA_CLOAK_MAX_AGE_MS;
}

void
ronda_cloak_line(struct ronda_cloak *c, size_t site, struct ronda_event *ev)
{
	struct site_table *t;
	struct centry *e;
	int method, bot;
	uint32_t i;

	if (c == NULL || site >= c->nsites || ev->type != RONDA_EVENT_WEB ||
	    ev->ts_ms == 0 || ev->status < 100 || ev->status > 999 || ev->status == 304 ||
	    ev->status == 206 || ev->path.n == 0)
		return;
	if ((method = read_method(ev->method)) == 0 || is_asset(ev->path))
		return;
	bot = has_bot_rule(ev);
	if (!bot && !ua_is_browser(c, ev->user_agent))
		return;
	if ((t = c->t[site]) == NULL) {
		if ((t = c->t[site] = table_new(c->cap)) == NULL) {
			c->st.nomem++;
			return;
		}
		c->st.sites++;
	}
	/*
	 * A 4xx answer updates a URL already known but never adds one: a
	 * scanner's thousands of 404s would otherwise push the site's pages out.
	 */
	i = entry_for(c, t, url_hash(c, ev), ev->status < 400 || ev->status >= 500);
	if (i == NIL)
		return;
	e = &t->e[i];
	if (!bot) {
		answer_put(&e->web, &e->web_status, ev, method == 2);
		c->st.browser++;
		return;
	}
	if (e->web_status != 0 && within_age(ev->ts_ms - e->web.ts_ms)) {
		struct ronda_event_cloak *ck = &ev->cloak;

		/* Sizes compare GET with GET: a HEAD line's own size is no body's. */
		ck->set = 1;
		ck->browser_status = e->web_status;
		ck->browser_bytes = method == 2 ? -1 : e->web.bytes;
		ck->browser_age_s = (ev->ts_ms - e->web.ts_ms) / 1000;
		if (e->bot_status != 0 && within_age(ev->ts_ms - e->bot.ts_ms)) {
			ck->bot_status = e->bot_status;
			ck->bot_bytes = method == 2 ? -1 : e->bot.bytes;
			ck->bot_age_s = (ev->ts_ms - e->bot.ts_ms) / 1000;
		}
		c->st.attached++;
	}
	answer_put(&e->bot, &e->bot_status, ev, method == 2);
	c->st.bot++;
}

int
ronda_cloak_worth_sending(const struct ronda_event *ev)
{
	const struct ronda_event_cloak *k = &ev->cloak;
	int bot = ev->status, web = k->browser_status;
	int64_t lo, hi;

	if (!k->set || bot == 0 || web == 0 || bot >= 500 || web >= 500)
		return 0;
	if (bot / 100 == 2 && web / 100 == 3)
		return 1;
	if (bot / 100 == 3 && web / 100 == 2)
		return bot != 301 && bot != 308;
	if (bot / 100 != 2 || web / 100 != 2 || ev->bytes <= 0 || k->browser_bytes <= 0)
		return 0;
	lo = ev->bytes < k->browser_bytes ? ev->bytes : k->browser_bytes;
	hi = ev->bytes < k->browser_bytes ? k->browser_bytes : ev->bytes;
	return hi - lo >= 8192 && lo * 2 <= hi;
}
