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
#define GRACE_MS	5000

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

struct site {
	const char *id;
	int64_t bucket;		/* start of the open bucket (ms), -1 none */
	int64_t last_emit;	/* wall clock of the last metric event */
	int64_t last_closed;	/* start of the last bucket emitted, -1 none */
	uint64_t requests, bytes, late;
	uint64_t status[6];	/* [1]..[5] = 1xx..5xx, [0] other */
	struct table ips;
	struct table paths;
};

struct ronda_agg {
	const struct ronda_collector_config *cfg;
	struct ronda_agg_ops ops;
	void *arg;
	int64_t interval;
	struct site *sites;
	size_t nsites;
	size_t *input_site;	/* input index -> site index */
	struct ronda_buf json;
	uint64_t emitted;
	uint64_t capped;
};

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
			st->bucket = -1;
			st->last_closed = -1;
			if (table_init(&st->ips, IP_CAP, IP_KEY) == -1 ||
			    table_init(&st->paths, PATH_CAP, KEY_MAX) == -1)
				goto fail;
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
		table_free(&a->sites[i].ips);
		table_free(&a->sites[i].paths);
	}
	free(a->sites);
	free(a->input_site);
	ronda_buf_release(&a->json);
	free(a);
}

/* Emit site's open bucket (or a heartbeat-only event when it has none). */
static void
emit_bucket(struct ronda_agg *a, struct site *s, int64_t ts, int64_t now_ms)
{
	struct ronda_buf *b = &a->json;
	struct ronda_event ev;
	uint64_t tag;
	int capped = s->ips.dropped > 0 || s->paths.dropped > 0;

	ronda_buf_reset(b);
	ronda_buf_puts(b, "{\"window_s\":");
	ronda_buf_put_i64(b, a->interval / 1000);
	ronda_buf_puts(b, ",\"requests\":");
	ronda_buf_put_u64(b, s->requests);
	ronda_buf_printf(b, ",\"status\":{\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,"
	    "\"4xx\":%llu,\"5xx\":%llu,\"other\":%llu}",
	    (unsigned long long)s->status[1], (unsigned long long)s->status[2],
	    (unsigned long long)s->status[3], (unsigned long long)s->status[4],
	    (unsigned long long)s->status[5], (unsigned long long)s->status[0]);
	ronda_buf_puts(b, ",\"bytes\":");
	ronda_buf_put_u64(b, s->bytes);
	ronda_buf_puts(b, ",\"distinct_ips\":");
	ronda_buf_put_u64(b, s->ips.n);
	ronda_buf_puts(b, ",\"top_ips\":");
	table_top(&s->ips, "ip", b);
	ronda_buf_puts(b, ",\"top_404\":");
	table_top(&s->paths, "path", b);
	ronda_buf_puts(b, ",\"late\":");
	ronda_buf_put_u64(b, s->late);
	if (capped) {
		ronda_buf_puts(b, ",\"capped\":{\"ips\":");
		ronda_buf_put_u64(b, s->ips.dropped);
		ronda_buf_puts(b, ",\"paths\":");
		ronda_buf_put_u64(b, s->paths.dropped);
		ronda_buf_putc(b, '}');
		a->capped += s->ips.dropped + s->paths.dropped;
	}
	ronda_buf_puts(b, ",\"heartbeat\":{\"version\":\"" RONDA_VERSION "\",\"sent_at\":");
	{
		char t[RONDA_TS_LEN + 1];
		ronda_fmt_utc_ms(t, now_ms);
		ronda_buf_json_str(b, t, RONDA_TS_LEN);
	}
	if (a->ops.heartbeat != NULL) {
		ronda_buf_putc(b, ',');
		a->ops.heartbeat(a->arg, b);
	}
	ronda_buf_puts(b, "}}");

	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_METRIC;
	ev.dataset = "ronda.aggregate";
	ev.ts_ms = ts;
	ev.site = s->id;
	ev.region = a->cfg->region;
	ev.host_name = a->cfg->host_name;
	ev.metric_json.p = b->data;
	ev.metric_json.n = b->len;
	/* One id per (site, collector host, bucket): a resend is a duplicate. */
	tag = ronda_hash64(a->cfg->host_name, strlen(a->cfg->host_name), 0x6167);
	ronda_event_make_id(ev.id, s->id, 0, tag, 0, (uint64_t)ts);
	if (!b->overflow)
		a->ops.emit(a->arg, &ev);
	a->emitted++;

	s->requests = s->bytes = s->late = 0;
	memset(s->status, 0, sizeof(s->status));
	table_clear(&s->ips);
	table_clear(&s->paths);
	s->bucket = -1;
	s->last_closed = ts;
	s->last_emit = now_ms;
}

void
ronda_agg_add(struct ronda_agg *a, size_t idx, const struct ronda_event *ev)
{
	struct site *s;
	int64_t bucket;

	if (ev->type != RONDA_EVENT_WEB || idx >= a->cfg->inputs.n)
		return;
	s = &a->sites[a->input_site[idx]];
	bucket = ev->ts_ms - ((ev->ts_ms % a->interval) + a->interval) % a->interval;
	if (s->bucket >= 0 && bucket > s->bucket)
		emit_bucket(a, s, s->bucket, ronda_now_ms());
	/*
	 * Each bucket start is emitted once (its event id derives from it):
	 * lines of a minute already closed go to the next open bucket as late.
	 */
	if (s->last_closed >= 0 && bucket <= s->last_closed) {
		s->late++;
		bucket = s->last_closed + a->interval;
		if (s->bucket >= 0 && bucket < s->bucket)
			bucket = s->bucket;
	}
	if (s->bucket < 0)
		s->bucket = bucket;
	else if (bucket < s->bucket)
		s->late++;
	s->requests++;
	if (ev->bytes > 0)
		s->bytes += (uint64_t)ev->bytes;
	s->status[ev->status >= 100 && ev->status < 600 ? ev->status / 100 : 0]++;
	if (ev->client_ip.n > 0)
		table_add(&s->ips, ev->client_ip.p, ev->client_ip.n);
	if (ev->status == 404 && ev->path.n > 0)
		table_add(&s->paths, ev->path.p, ev->path.n);
}

void
ronda_agg_tick(struct ronda_agg *a, int64_t now_ms)
{
	for (size_t i = 0; i < a->nsites; i++) {
		struct site *s = &a->sites[i];
		/* A bucket whose minute (plus grace) is over on the wall clock. */
		if (s->bucket >= 0 && now_ms >= s->bucket + a->interval + GRACE_MS &&
		    now_ms - s->last_emit >= a->interval)
			emit_bucket(a, s, s->bucket, now_ms);
		else if (s->bucket < 0 && now_ms - s->last_emit >= a->interval) {
			int64_t hb = now_ms - now_ms % a->interval;
			if (hb <= s->last_closed)
				hb = s->last_closed + a->interval;
			emit_bucket(a, s, hb, now_ms);
		}
	}
}

void
ronda_agg_flush(struct ronda_agg *a, int64_t now_ms)
{
	for (size_t i = 0; i < a->nsites; i++)
		if (a->sites[i].bucket >= 0)
			emit_bucket(a, &a->sites[i], a->sites[i].bucket, now_ms);
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
