#include "agg.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "hash.h"
#include "ronda/timeutil.h"

#define IP_CAP		8192	/* distinct source IPs counted per bucket */
#define PATH_CAP	1024	/* distinct 404 paths counted per bucket */
#define KEY_MAX		256	/* longest path kept (longer ones are cut) */
#define TOPN		10

/* A minute closes once the site's newest line is this many intervals past its end. */
#define SLACK_INTERVALS	1
/*
 * Minutes open at once per site, each with its own tables. The close rule
 * alone keeps no more open than this: every open minute starts after
 * watermark - slack - interval, and a line of an older minute counts as
 * late. A line of a new minute finds the slots full only when its time
 * leaves the oldest minute past the slack: that one is closed first.
 */
#define OPEN_MAX	(SLACK_INTERVALS + 1)
/* A site with no line for an interval and this long (wall time) has its minutes sent. */
#define IDLE_GRACE_MS	5000
/* Seeds of the id recipes: an aggregate's id never equals a heartbeat's. */
#define ID_TAG_AGGREGATE	0x6167	/* "ag" */
#define ID_TAG_HEARTBEAT	0x6862	/* "hb" */

/* Keys are stored inline (no allocation per line); longer ones are cut. */
#define IP_KEY		48	/* the longest textual IPv6 address fits */

/*
 * Open-addressing table with a hard cap on entries. Probing reads only the
 * compact metadata (the full 64-bit hash, 0 = empty), the key is compared on
 * a hash match; `order` lists the used slots, so reading the top N and
 * clearing cost what was added, not the table's size.
 */
struct meta {
	uint64_t h;
	uint32_t count;
	uint32_t len;
};

struct table {
	struct meta *m;		/* cap slots */
	char *keys;		/* cap * keysz bytes */
	size_t keysz;
	size_t cap;		/* slots, a power of two, 2x max */
	size_t max;
	size_t n;
	uint32_t *order;	/* used slot indexes, n of them */
	uint64_t dropped;
	uint64_t seed;		/* per process: sources cannot choose collisions */
};

struct top_ent {
	uint64_t count;
	const char *key;
	uint32_t len;
};

/* Ties in the top N are ordered by key, so the output is deterministic. */
static int
keycmp(const struct top_ent *a, const struct top_ent *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->key, b->key, n);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static int
table_init(struct table *t, size_t max, size_t keysz)
{
	t->seed = ronda_qhash(&t, sizeof(t), (uint64_t)ronda_mono_ms()) | 1;
	t->max = max;
	t->keysz = keysz;
	t->cap = 16;
	while (t->cap < max * 2)
		t->cap *= 2;
	t->m = calloc(t->cap, sizeof(*t->m));
	t->keys = malloc(t->cap * keysz);
	t->order = calloc(max, sizeof(*t->order));
	return t->m == NULL || t->keys == NULL || t->order == NULL ? -1 : 0;
}

static void
table_clear(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->m[t->order[i]].h = 0;
	t->n = 0;
	t->dropped = 0;
}

static void
table_free(struct table *t)
{
	free(t->m);
	free(t->keys);
	free(t->order);
	t->m = NULL;
	t->keys = NULL;
	t->order = NULL;
}

/* Count key; returns 0, or -1 when the cap dropped it. */
static int
table_add(struct table *t, const char *k, size_t len)
{
	uint64_t h;
	size_t i;

	if (t->m == NULL) {
		t->dropped++;	/* its memory could not be had: all of it is capped */
		return -1;
	}
	if (len > t->keysz)
		len = t->keysz;
	h = ronda_qhash(k, len, t->seed) | 1;
	i = (size_t)h & (t->cap - 1);
	while (t->m[i].h != 0) {
		if (t->m[i].h == h && t->m[i].len == len &&
		    memcmp(t->keys + i * t->keysz, k, len) == 0) {
			t->m[i].count++;
			return 0;
		}
		i = (i + 1) & (t->cap - 1);
	}
	if (t->n >= t->max) {
		t->dropped++;
		return -1;
	}
	memcpy(t->keys + i * t->keysz, k, len);
	t->m[i].h = h;
	t->m[i].len = (uint32_t)len;
	t->m[i].count = 1;
	t->order[t->n++] = (uint32_t)i;
	return 0;
}

/* Append the top N entries by count as [{"<name>":k,"count":n},...]. */
static void
table_top(struct table *t, const char *name, struct ronda_buf *b)
{
	struct top_ent top[TOPN];
	size_t ntop = 0;

	for (size_t o = 0; o < t->n; o++) {
		size_t slot = t->order[o], j;
		struct top_ent e = { t->m[slot].count, t->keys + slot * t->keysz,
		    t->m[slot].len };
		if (ntop == TOPN && e.count <= top[TOPN - 1].count)
			continue;
		j = ntop < TOPN ? ntop++ : TOPN - 1;
		while (j > 0 && (top[j - 1].count < e.count ||
		    (top[j - 1].count == e.count && keycmp(&top[j - 1], &e) > 0))) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = e;
	}
	ronda_buf_putc(b, '[');
	for (size_t i = 0; i < ntop; i++) {
		if (i > 0)
			ronda_buf_putc(b, ',');
		ronda_buf_printf(b, "{\"%s\":", name);
		ronda_buf_json_str(b, top[i].key, top[i].len);
		ronda_buf_puts(b, ",\"count\":");
		ronda_buf_put_u64(b, top[i].count);
		ronda_buf_putc(b, '}');
	}
	ronda_buf_putc(b, ']');
}

/* One minute of a site's lines. */
struct bucket {
	int64_t start;		/* event time (ms) */
	uint64_t requests, bytes, late;
	uint64_t status[6];	/* [1]..[5] = 1xx..5xx, [0] other */
	struct table ips;	/* allocated when the slot is first used, then kept */
	struct table paths;
};

struct site {
	const char *id;
	/*
	 * b[0 .. nopen - 1] are the open minutes, oldest first; the slots after
	 * them are free, with their tables kept for the next minute.
	 */
	struct bucket b[OPEN_MAX];
	size_t nopen;
	size_t cur;		/* the slot the last line went to (most lines share it) */
	int64_t watermark;	/* newest line time, event time; INT64_MIN none */
	int64_t last_closed;	/* start of the newest minute sent; INT64_MIN none */
	uint64_t lines;		/* lines counted (the idle rule watches it move) */
	uint64_t lines_seen;	/* lines at the tick that last saw it move */
	int64_t active_mono;	/* monotonic ms of that tick */
	int64_t hb_slot;	/* wall-clock interval of the last heartbeat; INT64_MIN none */
};

struct ronda_agg {
	const struct ronda_collector_config *cfg;
	struct ronda_agg_ops ops;
	void *arg;
	int64_t interval;
	int64_t slack;
	struct site *sites;
	size_t nsites;
	size_t *input_site;	/* input index -> site index */
	struct ronda_buf json;
	uint64_t tag_aggregate;	/* id parts of the collector host, per kind */
	uint64_t tag_heartbeat;
	uint64_t emitted;
	uint64_t capped;
};

/* Start of the interval that contains t (also for times before 1970). */
static int64_t
interval_start(const struct ronda_agg *a, int64_t t)
{
	return t - ((t % a->interval) + a->interval) % a->interval;
}

struct ronda_agg *
ronda_agg_new(const struct ronda_collector_config *cfg, const struct ronda_agg_ops *ops,
    void *arg)
{
	const struct ronda_collector_input *ins = cfg->inputs.v;
	struct ronda_agg *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->cfg = cfg;
	a->ops = *ops;
	a->arg = arg;
	a->interval = cfg->aggregate_interval;
	a->slack = a->interval * SLACK_INTERVALS;
	a->tag_aggregate = ronda_hash64(cfg->host_name, strlen(cfg->host_name),
	    ID_TAG_AGGREGATE);
	a->tag_heartbeat = ronda_hash64(cfg->host_name, strlen(cfg->host_name),
	    ID_TAG_HEARTBEAT);
	ronda_buf_init(&a->json, 1024 * 1024);
	a->sites = calloc(cfg->inputs.n + 1, sizeof(*a->sites));
	a->input_site = calloc(cfg->inputs.n + 1, sizeof(*a->input_site));
	if (a->sites == NULL || a->input_site == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->inputs.n; i++) {
		size_t s;
		for (s = 0; s < a->nsites; s++)
			if (strcmp(a->sites[s].id, ins[i].site_id) == 0)
				break;
		if (s == a->nsites) {
			struct site *st = &a->sites[a->nsites++];
			st->id = ins[i].site_id;
			st->watermark = INT64_MIN;
			st->last_closed = INT64_MIN;
			st->hb_slot = INT64_MIN;
		}
		a->input_site[i] = s;
	}
	return a;
fail:
	ronda_agg_free(a);
	return NULL;
}

void
ronda_agg_free(struct ronda_agg *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nsites; i++) {
		for (size_t k = 0; k < OPEN_MAX; k++) {
			table_free(&a->sites[i].b[k].ips);
			table_free(&a->sites[i].b[k].paths);
		}
	}
	free(a->sites);
	free(a->input_site);
	ronda_buf_release(&a->json);
	free(a);
}

/* Send bucket k of site s: only what its lines say, nothing of the wall clock. */
static void
emit_bucket(struct ronda_agg *a, struct site *s, struct bucket *k)
{
	struct ronda_buf *b = &a->json;
	struct ronda_event ev;
	int capped = k->ips.dropped > 0 || k->paths.dropped > 0;

	ronda_buf_reset(b);
	ronda_buf_puts(b, "{\"window_s\":");
	ronda_buf_put_i64(b, a->interval / 1000);
	ronda_buf_puts(b, ",\"requests\":");
	ronda_buf_put_u64(b, k->requests);
	ronda_buf_printf(b, ",\"status\":{\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,"
	    "\"4xx\":%llu,\"5xx\":%llu,\"other\":%llu}",
	    (unsigned long long)k->status[1], (unsigned long long)k->status[2],
	    (unsigned long long)k->status[3], (unsigned long long)k->status[4],
	    (unsigned long long)k->status[5], (unsigned long long)k->status[0]);
	ronda_buf_puts(b, ",\"bytes\":");
	ronda_buf_put_u64(b, k->bytes);
	ronda_buf_puts(b, ",\"distinct_ips\":");
	ronda_buf_put_u64(b, k->ips.n);
	ronda_buf_puts(b, ",\"top_ips\":");
	table_top(&k->ips, "ip", b);
	ronda_buf_puts(b, ",\"top_404\":");
	table_top(&k->paths, "path", b);
	ronda_buf_puts(b, ",\"late\":");
	ronda_buf_put_u64(b, k->late);
	if (capped) {
		ronda_buf_puts(b, ",\"capped\":{\"ips\":");
		ronda_buf_put_u64(b, k->ips.dropped);
		ronda_buf_puts(b, ",\"paths\":");
		ronda_buf_put_u64(b, k->paths.dropped);
		ronda_buf_putc(b, '}');
		a->capped += k->ips.dropped + k->paths.dropped;
	}
	ronda_buf_putc(b, '}');

	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_METRIC;
	ev.dataset = "ronda.aggregate";
	ev.ts_ms = k->start;
	ev.site = s->id;
	ev.region = a->cfg->region;
	ev.host_name = a->cfg->host_name;
	ev.metric_json.p = b->data;
	ev.metric_json.n = b->len;
	/* One id per (site, collector host, minute): a resend is a duplicate. */
	ronda_event_make_id(ev.id, s->id, 0, a->tag_aggregate, 0, (uint64_t)k->start);
	if (!b->overflow)
		a->ops.emit(a->arg, &ev);
	a->emitted++;
}

/* Send and close the oldest open minute of s; its slot goes to the free end. */
static void
close_oldest(struct ronda_agg *a, struct site *s)
{
	struct bucket k = s->b[0];

	emit_bucket(a, s, &k);
	s->last_closed = k.start;
	k.requests = k.bytes = k.late = 0;
	memset(k.status, 0, sizeof(k.status));
	table_clear(&k.ips);
	table_clear(&k.paths);
	memmove(&s->b[0], &s->b[1], (s->nopen - 1) * sizeof(s->b[0]));
	s->b[--s->nopen] = k;
	s->cur = 0;
}

/* Open a minute at slot i (the open ones from i on move up one). */
static struct bucket *
open_at(struct site *s, size_t i, int64_t start)
{
	struct bucket k = s->b[s->nopen];

	memmove(&s->b[i + 1], &s->b[i], (s->nopen - i) * sizeof(s->b[0]));
	/* A slot used for the first time gets its tables (kept from then on). */
	if (k.ips.m == NULL && table_init(&k.ips, IP_CAP, IP_KEY) == -1)
		table_free(&k.ips);
	if (k.paths.m == NULL && table_init(&k.paths, PATH_CAP, KEY_MAX) == -1)
		table_free(&k.paths);
	k.start = start;
	s->b[i] = k;
	s->nopen++;
	s->cur = i;
	return &s->b[i];
}

/*
 * The open minute a line of minute start is counted in: its own, opened
 * if need be, or, for a minute already closed (sent, or past the watermark
 * by more than the slack: a minute that had no line in time), or older than
 * every open one while the cap is reached, the oldest open one, as late.
 */
static struct bucket *
bucket_for(struct ronda_agg *a, struct site *s, int64_t start)
{
	struct bucket *k;
	size_t i;

	if (s->cur < s->nopen && s->b[s->cur].start == start)
		return &s->b[s->cur];
	if (start <= s->last_closed || start <= s->watermark - a->slack - a->interval)
		goto late;
	for (i = 0; i < s->nopen && s->b[i].start < start; i++)
		;
	if (i < s->nopen && s->b[i].start == start) {
		s->cur = i;
		return &s->b[i];
	}
	if (s->nopen == OPEN_MAX) {
		if (i == 0)
			goto late;
		close_oldest(a, s);
		i--;
	}
	return open_at(s, i, start);
late:
	k = s->nopen > 0 ? &s->b[0] : open_at(s, 0, s->last_closed + a->interval);
	k->late++;
	return k;
}

void
ronda_agg_add(struct ronda_agg *a, size_t idx, const struct ronda_event *ev)
{
	struct site *s;
	struct bucket *k;

	if (ev->type != RONDA_EVENT_WEB || ev->ts_ms == 0 || idx >= a->cfg->inputs.n)
		return;
	s = &a->sites[a->input_site[idx]];
	s->lines++;
	if (ev->ts_ms > s->watermark)
		s->watermark = ev->ts_ms;
	k = bucket_for(a, s, interval_start(a, ev->ts_ms));
	k->requests++;
	if (ev->bytes > 0)
		k->bytes += (uint64_t)ev->bytes;
	k->status[ev->status >= 100 && ev->status < 600 ? ev->status / 100 : 0]++;
	if (ev->client_ip.n > 0)
		table_add(&k->ips, ev->client_ip.p, ev->client_ip.n);
	if (ev->status == 404 && ev->path.n > 0)
		table_add(&k->paths, ev->path.p, ev->path.n);
	/* The minutes this line's time leaves behind by more than the slack. */
	while (s->nopen > 0 && s->watermark - a->slack - a->interval >= s->b[0].start)
		close_oldest(a, s);
}

/*
 * A heartbeat: the collector is alive, on its own clock. It carries no
 * counts of lines (those are the aggregates'), so nothing the correlator
 * does with event time can be moved by it.
 */
static void
emit_heartbeat(struct ronda_agg *a, struct site *s, int64_t now_ms, int64_t slot)
{
	struct ronda_buf *b = &a->json;
	struct ronda_event ev;
	char t[RONDA_TS_LEN + 1];

	ronda_buf_reset(b);
	ronda_buf_puts(b, "{\"window_s\":");
	ronda_buf_put_i64(b, a->interval / 1000);
	ronda_buf_puts(b, ",\"heartbeat\":{\"version\":\"" RONDA_VERSION "\",\"sent_at\":");
	ronda_fmt_utc_ms(t, now_ms);
	ronda_buf_json_str(b, t, RONDA_TS_LEN);
	if (a->ops.heartbeat != NULL) {
		ronda_buf_putc(b, ',');
		a->ops.heartbeat(a->arg, b);
	}
	ronda_buf_puts(b, "}}");

	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_METRIC;
	ev.dataset = "ronda.heartbeat";
	ev.ts_ms = now_ms;
	ev.site = s->id;
	ev.region = a->cfg->region;
	ev.host_name = a->cfg->host_name;
	ev.metric_json.p = b->data;
	ev.metric_json.n = b->len;
	/* One id per (site, collector host, wall-clock interval). */
	ronda_event_make_id(ev.id, s->id, 0, a->tag_heartbeat, 0, (uint64_t)slot);
	if (!b->overflow)
		a->ops.emit(a->arg, &ev);
}

void
ronda_agg_tick(struct ronda_agg *a, int64_t now_ms, int64_t mono_ms)
{
	int64_t slot = interval_start(a, now_ms);

	for (size_t i = 0; i < a->nsites; i++) {
		struct site *s = &a->sites[i];
		/*
		 * Idle: no line for an interval and the grace period, so no line
		 * will close these minutes soon (a quiet live site). A backlog
		 * being read is never idle: its minutes close on event time
		 * alone, as the live stream's did.
		 */
		if (s->lines != s->lines_seen) {
			s->lines_seen = s->lines;
			s->active_mono = mono_ms;
		} else if (s->nopen > 0 &&
		    mono_ms - s->active_mono >= a->interval + IDLE_GRACE_MS) {
			while (s->nopen > 0)
				close_oldest(a, s);
		}
		/* != rather than >: after the clock is set back, beats go on. */
		if (slot != s->hb_slot) {
			s->hb_slot = slot;
			emit_heartbeat(a, s, now_ms, slot);
		}
	}
}

void
ronda_agg_flush(struct ronda_agg *a)
{
	for (size_t i = 0; i < a->nsites; i++)
		while (a->sites[i].nopen > 0)
			close_oldest(a, &a->sites[i]);
}

uint64_t
ronda_agg_emitted(const struct ronda_agg *a)
{
	return a->emitted;
}

uint64_t
ronda_agg_capped(const struct ronda_agg *a)
{
	return a->capped;
}
