#include "incident.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/timeutil.h"

#define NBUCKETS 65536
/*
 * Ids that may be in the store but not in memory: a fixed Bloom filter
 * (4 MiB, 4 probes; about 2% false positives at 3 million incidents) so a
 * hit for an incident that never existed costs no SQLite lookup. It only
 * ever says "maybe" too often, never "no" wrongly: every id inserted into
 * the table, and every id stored before this process started, is added.
 */
#define BLOOM_WORDS ((1u << 25) / 64)

struct ronda_incidents {
	struct ronda_incidents_config cfg;
	struct ronda_incidents_loader loader;
	ronda_incidents_known_fn known;
	void *known_arg;
	struct ronda_incident *b[NBUCKETS];
	struct ronda_incident *dirty;	/* list through dnext */
	size_t n, ndirty;
	uint64_t clock;			/* counts uses, for inc->touch */
	uint64_t *bloom;		/* BLOOM_WORDS, only with a loader */
};

static const char *const status_names[] = { "open", "closed", "reopened" };

const char *
ronda_incident_status_name(int s)
{
	return s >= 0 && s <= 2 ? status_names[s] : "open";
}

int
ronda_incident_status_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/* The 128 bits of an incident id: a hash of (site, kind, key). */
struct ikey {
	uint64_t a, b;
};

static struct ikey
make_key(const char *site, const char *kind, const char *key)
{
	uint64_t s = ronda_hash64(site, strlen(site) + 1, 0x696e63ULL);
	uint64_t k = ronda_hash64(kind, strlen(kind) + 1, s);
	size_t kl = strlen(key);

	return (struct ikey){ ronda_hash64(key, kl, k),
	    ronda_hash64(key, kl, k ^ 0xc2b2ae3d27d4eb4fULL) };
}

/* The id as text: 32 lowercase hex digits, a first. */
static void
key_hex(struct ikey k, char out[33])
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[i] = hx[(k.a >> (60 - 4 * i)) & 15];
		out[16 + i] = hx[(k.b >> (60 - 4 * i)) & 15];
	}
	out[32] = '\0';
}

/*
 * Back from the text (an id read from the store); 0, or -1 when it is not
 * 32 lowercase hex digits (no id this table made).
 */
static int
key_parse(const char *id, struct ikey *k)
{
	uint64_t w[2] = { 0, 0 };

	for (int i = 0; i < 32; i++) {
		unsigned c = (unsigned char)id[i];
		unsigned v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 16;
		if (v == 16)
			return -1;
		w[i / 16] = w[i / 16] << 4 | v;
	}
	if (id[32] != '\0')
		return -1;
	k->a = w[0];
	k->b = w[1];
	return 0;
}

void
ronda_incident_make_id(char out[33], const char *site, const char *kind, const char *key)
{
	key_hex(make_key(site, kind, key), out);
}

/*
 * A partition's share of an incident (detection as a consumer group): the
 * id of (site, kind, key) mixed with the partition, so the members that
 * hold a pool's partitions each keep their own share and never write one
 * row twice. The campaign stage adds the shares up under the plain id.
 */
static struct ikey
part_key(struct ikey k, int32_t part)
{
	uint64_t m = ronda_hash64(&part, sizeof(part), 0x70617274ULL);

	return (struct ikey){ k.a ^ m, k.b ^ (m * 0x9e3779b97f4a7c15ULL) };
}

void
ronda_incident_make_id_part(char out[33], const char *site, const char *kind,
    const char *key, int32_t part)
{
	key_hex(part_key(make_key(site, kind, key), part), out);
}

/* The table's key of (site, kind, key) as read from part. */
static struct ikey
table_key(const struct ronda_incidents *t, const char *site, const char *kind,
    const char *key, int32_t part)
{
	struct ikey k = make_key(site, kind, key);

	return t->cfg.per_part ? part_key(k, part) : k;
}

struct ronda_incidents *
ronda_incidents_new(const struct ronda_incidents_config *cfg,
    const struct ronda_incidents_loader *loader, ronda_incidents_known_fn known,
    void *known_arg)
{
	struct ronda_incidents *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->cfg = *cfg;
	if (loader != NULL && loader->load != NULL) {
		t->loader = *loader;
		if ((t->bloom = calloc(BLOOM_WORDS, sizeof(*t->bloom))) == NULL) {
			free(t);
			return NULL;
		}
	}
	t->known = known;
	t->known_arg = known_arg;
	return t;
}

static void
free_pending(struct ronda_incident *inc)
{
	struct ronda_incident_evidence *e, *en;
	struct ronda_incident_ind *i, *in;

	for (e = inc->ev_pending; e != NULL; e = en) {
		en = e->next;
		free(e);	/* the line is in the same allocation */
	}
	for (i = inc->ind_pending; i != NULL; i = in) {
		in = i->next;
		free(i);
	}
	inc->ev_pending = NULL;
	inc->ind_pending = NULL;
}

void
ronda_incidents_free(struct ronda_incidents *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct ronda_incident *inc, *nx;
		for (inc = t->b[i]; inc != NULL; inc = nx) {
			nx = inc->hnext;
			free_pending(inc);
			free(inc);
		}
	}
	free(t->bloom);
	free(t);
}

/*
 * Four probes from the id's second word (the first picks the bucket): two
 * 32-bit halves, Kirsch-Mitzenmacher. The id is a hash already.
 */
static void
bloom_probes(struct ikey k, uint32_t out[4])
{
	uint32_t a = (uint32_t)k.b, b = (uint32_t)(k.b >> 32) | 1;

	for (uint32_t i = 0; i < 4; i++)
		out[i] = (a + i * b) & (BLOOM_WORDS * 64 - 1);
}

static void
bloom_add(struct ronda_incidents *t, struct ikey k)
{
	uint32_t p[4];

	if (t->bloom == NULL)
		return;
	bloom_probes(k, p);
	for (int i = 0; i < 4; i++)
		t->bloom[p[i] / 64] |= UINT64_C(1) << (p[i] % 64);
}

static int
bloom_maybe(const struct ronda_incidents *t, struct ikey k)
{
	uint32_t p[4];

	bloom_probes(k, p);
	for (int i = 0; i < 4; i++)
		if (!(t->bloom[p[i] / 64] & (UINT64_C(1) << (p[i] % 64))))
			return 0;
	return 1;
}

/*
 * A stored id that is not 32 lowercase hex digits was not made by
 * ronda_incident_make_id, so no lookup can ask for it: left out.
 */
void
ronda_incidents_note_stored(struct ronda_incidents *t, const char *id)
{
	struct ikey k;

	if (key_parse(id, &k) == 0)
		bloom_add(t, k);
}

/* The bucket: the id's first 16 bits (its first four hex digits). */
static size_t
bucket(struct ikey k)
{
	return (size_t)(k.a >> 48) & (NBUCKETS - 1);
}

static struct ronda_incident *
lookup(struct ronda_incidents *t, struct ikey k)
{
	for (struct ronda_incident *inc = t->b[bucket(k)]; inc != NULL; inc = inc->hnext)
		if (inc->ka == k.a && inc->kb == k.b)
			return inc;
	return NULL;
}

static void
insert(struct ronda_incidents *t, struct ronda_incident *inc)
{
	struct ikey k = { inc->ka, inc->kb };
	size_t b = bucket(k);

	inc->hnext = t->b[b];
	t->b[b] = inc;
	t->n++;
	bloom_add(t, k);
}

/*
 * Set the binary id from the text one. An id this table did not make (see
 * above) gets a hash of its text instead: it stays in the table (the sweep
 * closes it) but no lookup finds it, as none could before.
 */
static void
set_key(struct ronda_incident *inc)
{
	struct ikey k;

	if (key_parse(inc->id, &k) == -1) {
		size_t l = strnlen(inc->id, sizeof(inc->id));
		k.a = ronda_hash64(inc->id, l, 0x666f72ULL);
		k.b = ronda_hash64(inc->id, l, 0x656967ULL);
	}
	inc->ka = k.a;
	inc->kb = k.b;
}

static void
mark_dirty(struct ronda_incidents *t, struct ronda_incident *inc)
{
	if (inc->dirty)
		return;
	inc->dirty = 1;
	inc->dnext = t->dirty;
	t->dirty = inc;
	t->ndirty++;
}

/* In memory, or from the store, or NULL. */
static struct ronda_incident *
get(struct ronda_incidents *t, struct ikey k)
{
	struct ronda_incident *inc = lookup(t, k);
	char id[33];

	if (inc != NULL)
		inc->touch = ++t->clock;
	if (inc != NULL || t->loader.load == NULL || !bloom_maybe(t, k))
		return inc;
	if ((inc = calloc(1, sizeof(*inc))) == NULL)
		return NULL;
	key_hex(k, id);
	if (t->loader.load(t->loader.arg, id, inc) != 1) {
		free(inc);
		return NULL;
	}
	set_key(inc);
	inc->dirty = 0;
	inc->ev_pending = NULL;
	inc->ind_pending = NULL;
	inc->touch = ++t->clock;
	insert(t, inc);
	return inc;
}

/* snprintf(out, n, "%s", v) without the formatting machinery. */
static void
copy_str(char *out, size_t n, const char *v)
{
	size_t l = strlen(v);

	if (l >= n)
		l = n - 1;
	memcpy(out, v, l);
	out[l] = '\0';
}

/*
 * The small sets (IPs, users, rule ids) keep the RONDA_INCIDENT_SET smallest
 * values in byte order, fed only from recorded indicators: the same set
 * whatever order the events came in and whether the incident was rebuilt
 * from the store's indicators table or not.
 */
static void
sorted_add(char *set, size_t width, int *n, const char *v)
{
	int i;

	for (i = 0; i < *n; i++) {
		int c = strcmp(set + (size_t)i * width, v);
		if (c == 0)
			return;
		if (c > 0)
			break;
	}
	if (i == RONDA_INCIDENT_SET)
		return;
	if (*n == RONDA_INCIDENT_SET)
		(*n)--;
	memmove(set + (size_t)(i + 1) * width, set + (size_t)i * width,
	    (size_t)(*n - i) * width);
	copy_str(set + (size_t)i * width, width, v);
	(*n)++;
}

/* Add v to the set its indicator type feeds, if any. */
void
ronda_incident_set_add(struct ronda_incident *inc, const char *type, const char *v)
{
	if (strcmp(type, "ip") == 0)
		sorted_add(&inc->ips[0][0], sizeof(inc->ips[0]), &inc->nips, v);
	else if (strcmp(type, "user") == 0)
		sorted_add(&inc->users[0][0], sizeof(inc->users[0]), &inc->nusers, v);
	else if (strcmp(type, "rule") == 0)
		sorted_add(&inc->rules[0][0], sizeof(inc->rules[0]), &inc->nrules, v);
}

/* Record an indicator once; 1 when it is recorded (now or before), 0 over the cap. */
static int
ind_add(struct ronda_incident *inc, const char *type, const char *value, int64_t ts)
{
	uint64_t h = ronda_hash64(value, strlen(value), ronda_hash64(type, strlen(type), 7));
	struct ronda_incident_ind *ind;
	size_t vl;

	for (int i = 0; i < inc->nind; i++)
		if (inc->indh[i] == h) {
			/*
			 * A pool's hits come from several partitions in any order:
			 * an earlier hit carrying it moves its first_seen back
			 * (queued again; the store keeps the minimum).
			 */
			if (ts >= inc->indts[i])
				return 1;
			inc->indts[i] = ts;
			goto queue;
		}
	if (inc->nind >= RONDA_INCIDENT_IND)
		return 0;
	inc->indts[inc->nind] = ts;
	inc->indh[inc->nind++] = h;
queue:
	/* Only the bytes of value it needs (see incident.h), cut at 255 as before. */
	vl = strlen(value);
	if (vl >= sizeof(ind->value))
		vl = sizeof(ind->value) - 1;
	if ((ind = malloc(offsetof(struct ronda_incident_ind, value) + vl + 1)) == NULL)
		return 1;
	copy_str(ind->type, sizeof(ind->type), type);
	memcpy(ind->value, value, vl);
	ind->value[vl] = '\0';
	ind->ts = ts;
	ind->next = inc->ind_pending;
	inc->ind_pending = ind;
	return 1;
}

static void apply_hit(struct ronda_incidents *t, struct ronda_incident *inc,
    const struct ronda_detect_hit *h, int fresh);

void
ronda_incidents_hit(struct ronda_incidents *t, const struct ronda_detect_hit *h)
{
	struct ikey k = table_key(t, h->site, h->kind, h->key, h->part);
	struct ronda_incident *inc = get(t, k);

	if (inc == NULL) {
		if ((inc = calloc(1, sizeof(*inc))) == NULL)
			return;
		key_hex(k, inc->id);
		inc->ka = k.a;
		inc->kb = k.b;
		copy_str(inc->site, sizeof(inc->site), h->site);
		copy_str(inc->kind, sizeof(inc->kind), h->kind);
		copy_str(inc->key, sizeof(inc->key), h->key);
		inc->first_seen = inc->last_seen = h->ts;
		inc->status = RONDA_INCIDENT_OPEN;
		inc->site_known = t->known != NULL ? t->known(t->known_arg, h->site) : 1;
		inc->touch = ++t->clock;
		insert(t, inc);
		apply_hit(t, inc, h, 1);
		return;
	}
	apply_hit(t, inc, h, 0);
}

/* An existing incident (or one just made, first_seen = last_seen = h->ts) takes h. */
static void
apply_hit(struct ronda_incidents *t, struct ronda_incident *inc, const struct ronda_detect_hit *h,
    int fresh)
{
	/*
	 * A pool's case takes hits from many partitions, in an order a restart
	 * or an import changes: whether one came "after a quiet gap" is not a
	 * fact of the logs, so it is never "reopened" (a hit on a closed one
	 * opens it again, the sweep closes it by its newest hit), and its
	 * partition is that of its newest hit. One source's incident keeps
	 * both as before (its hits come in order).
	 */
	int pooled = strcmp(inc->key, "pool") == 0;
	int newest = fresh || h->ts > inc->last_seen ||
	    (h->ts == inc->last_seen && h->part < inc->part);

	if (fresh) {
		/* Just made: nothing to reopen. */
	} else if (pooled) {
		if (inc->status == RONDA_INCIDENT_CLOSED)
			inc->status = RONDA_INCIDENT_OPEN;
	} else if (h->ts - inc->last_seen > t->cfg.quiet) {
		/* Quiet long enough to have closed, whether or not a sweep saw it. */
		inc->status = RONDA_INCIDENT_REOPENED;
		inc->reopen_count++;
	} else if (inc->status == RONDA_INCIDENT_CLOSED) {
		inc->status = RONDA_INCIDENT_REOPENED;
		inc->reopen_count++;
	}
	if (h->severity > inc->severity)
		inc->severity = h->severity;
	if (h->ts < inc->first_seen)
		inc->first_seen = h->ts;
	if (h->ts > inc->last_seen)
		inc->last_seen = h->ts;
	inc->event_count += h->count;
	if (!pooled || newest)
		inc->part = h->part;
	if (inc->new_from == 0 || h->ts < inc->new_from)
		inc->new_from = h->ts;
	for (int i = 0; i < h->nind; i++)
		if (ind_add(inc, h->ind[i].type, h->ind[i].value, h->ts))
			ronda_incident_set_add(inc, h->ind[i].type, h->ind[i].value);
	if (h->evidence != NULL && inc->nevidence < t->cfg.max_evidence) {
		struct ronda_incident_evidence *e, **pp;
		size_t l = h->evidence_len;
		if (l > (size_t)t->cfg.max_evidence_len)
			l = (size_t)t->cfg.max_evidence_len;
		/* The node and its line in one allocation. */
		if ((e = malloc(sizeof(*e) + l + 1)) != NULL) {
			e->line = (char *)(e + 1);
			e->next = NULL;
			memcpy(e->line, h->evidence, l);
			e->line[l] = '\0';
			e->len = (int)l;
			e->ts = h->ts;
			e->seq = inc->nevidence++;
			/* Keep the pending list in seq order. */
			for (pp = &inc->ev_pending; *pp != NULL; pp = &(*pp)->next)
				;
			*pp = e;
		}
	}
	mark_dirty(t, inc);
}

int
ronda_incidents_active(struct ronda_incidents *t, const char *site, const char *kind,
    const char *key, int64_t ts)
{
	return ronda_incidents_active_in(t, site, kind, key, 0, ts);
}

int
ronda_incidents_active_in(struct ronda_incidents *t, const char *site, const char *kind,
    const char *key, int32_t part, int64_t ts)
{
	struct ronda_incident *inc = get(t, table_key(t, site, kind, key, part));

	return inc != NULL && ts - inc->last_seen <= t->cfg.quiet &&
	    inc->last_seen - ts <= t->cfg.quiet;
}

static void
sink_hit(void *arg, const struct ronda_detect_hit *h)
{
	ronda_incidents_hit(arg, h);
}

/* One lookup: the hit joins an incident still active at its time, else nothing. */
int
ronda_incidents_hit_active(struct ronda_incidents *t, const struct ronda_detect_hit *h)
{
	struct ronda_incident *inc = get(t, table_key(t, h->site, h->kind, h->key, h->part));

	if (inc == NULL || h->ts - inc->last_seen > t->cfg.quiet ||
	    inc->last_seen - h->ts > t->cfg.quiet)
		return 0;
	apply_hit(t, inc, h, 0);
	return 1;
}

static int
sink_hit_active(void *arg, const struct ronda_detect_hit *h)
{
	return ronda_incidents_hit_active(arg, h);
}

struct ronda_detect_sink
ronda_incidents_sink(struct ronda_incidents *t)
{
	return (struct ronda_detect_sink){ .arg = t, .hit = sink_hit,
	    .hit_active = sink_hit_active };
}

void
ronda_incidents_sweep(struct ronda_incidents *t, int64_t (*wm)(void *arg,
    const struct ronda_incident *inc), void *arg)
{
	for (size_t i = 0; i < NBUCKETS; i++)
		for (struct ronda_incident *inc = t->b[i]; inc != NULL; inc = inc->hnext) {
			int64_t w;
			if (inc->status == RONDA_INCIDENT_CLOSED)
				continue;
			/* No clock yet (nothing of its site read since the restart): no verdict. */
			if ((w = wm(arg, inc)) == INT64_MIN)
				continue;
			if (w - inc->last_seen > t->cfg.quiet) {
				inc->status = RONDA_INCIDENT_CLOSED;
				mark_dirty(t, inc);
			}
		}
}

static int
by_touch(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Drop clean incidents for which drop(inc, thr) holds while over the cap. */
static void
trim_pass(struct ronda_incidents *t, int (*drop)(const struct ronda_incident *,
    uint64_t), uint64_t thr)
{
	for (size_t i = 0; i < NBUCKETS && t->n > (size_t)t->cfg.max_memory; i++) {
		struct ronda_incident **pp = &t->b[i];
		while (*pp != NULL && t->n > (size_t)t->cfg.max_memory) {
			struct ronda_incident *inc = *pp;
			if (!inc->dirty && drop(inc, thr)) {
				*pp = inc->hnext;
				free_pending(inc);
				free(inc);
				t->n--;
			} else {
				pp = &inc->hnext;
			}
		}
	}
}

static int
drop_closed(const struct ronda_incident *inc, uint64_t thr)
{
	(void)thr;
	return inc->status == RONDA_INCIDENT_CLOSED;
}

static int
drop_older(const struct ronda_incident *inc, uint64_t thr)
{
	return inc->touch <= thr;
}

/*
 * Drop clean incidents from memory down to the cap: closed ones first, then
 * the least recently used (a busy attacker's incident stays; the long tail's
 * one-hit incidents go). Which ones stay only changes what is read back from
 * the store, never a result.
 */
static void
trim(struct ronda_incidents *t)
{
	uint64_t *v, thr = UINT64_MAX;
	size_t nc = 0, excess;

	trim_pass(t, drop_closed, 0);
	if (t->n <= (size_t)t->cfg.max_memory)
		return;
	excess = t->n - (size_t)t->cfg.max_memory;
	if ((v = malloc(t->n * sizeof(*v))) != NULL) {
		for (size_t i = 0; i < NBUCKETS; i++)
			for (struct ronda_incident *inc = t->b[i]; inc != NULL; inc = inc->hnext)
				if (!inc->dirty && nc < t->n)
					v[nc++] = inc->touch;
		if (nc > 0) {
			qsort(v, nc, sizeof(*v), by_touch);
			thr = v[(excess < nc ? excess : nc) - 1];
		}
		free(v);
	}
	trim_pass(t, drop_older, thr);
}

/* Id order (the binary id compares as its hex text does). */
static int
by_id(const void *a, const void *b)
{
	const struct ronda_incident *x = *(struct ronda_incident *const *)a;
	const struct ronda_incident *y = *(struct ronda_incident *const *)b;

	if (x->ka != y->ka)
		return x->ka < y->ka ? -1 : 1;
	return x->kb < y->kb ? -1 : x->kb > y->kb;
}

/*
 * Put the dirty list in id order: the store's B-trees are keyed by id, and
 * inserting in key order keeps the pages the next insert needs in cache.
 * Without memory for the array the list stays as it is (slower, same result).
 */
static void
sort_dirty(struct ronda_incidents *t)
{
	struct ronda_incident **v, *inc;
	size_t n = 0;

	if (t->ndirty < 2 || (v = malloc(t->ndirty * sizeof(*v))) == NULL)
		return;
	for (inc = t->dirty; inc != NULL && n < t->ndirty; inc = inc->dnext)
		v[n++] = inc;
	qsort(v, n, sizeof(*v), by_id);
	for (size_t i = 0; i < n; i++)
		v[i]->dnext = i + 1 < n ? v[i + 1] : NULL;
	t->dirty = v[0];
	free(v);
}

int
ronda_incidents_flush(struct ronda_incidents *t,
    int (*fn)(void *arg, struct ronda_incident *inc), void *arg)
{
	sort_dirty(t);
	while (t->dirty != NULL) {
		struct ronda_incident *inc = t->dirty;
		if (fn(arg, inc) == -1)
			return -1;
		t->dirty = inc->dnext;
		inc->dnext = NULL;
		inc->dirty = 0;
		t->ndirty--;
		inc->new_from = 0;
		free_pending(inc);
	}
	if (t->n > (size_t)t->cfg.max_memory)
		trim(t);
	return 0;
}

void
ronda_incidents_restore(struct ronda_incidents *t, const struct ronda_incident *src)
{
	struct ronda_incident *inc, probe;

	memcpy(probe.id, src->id, sizeof(probe.id));
	set_key(&probe);
	if (lookup(t, (struct ikey){ probe.ka, probe.kb }) != NULL ||
	    (inc = malloc(sizeof(*inc))) == NULL)
		return;
	*inc = *src;
	inc->ka = probe.ka;
	inc->kb = probe.kb;
	inc->dirty = 0;
	inc->ev_pending = NULL;
	inc->ind_pending = NULL;
	inc->hnext = inc->dnext = NULL;
	insert(t, inc);
}

const struct ronda_incident *
ronda_incidents_find(struct ronda_incidents *t, const char *site, const char *kind,
    const char *key)
{
	return get(t, table_key(t, site, kind, key, 0));
}

void
ronda_incidents_restore_dirty(struct ronda_incidents *t, const struct ronda_incident *src)
{
	struct ronda_incident *inc;
	struct ikey k;

	ronda_incidents_restore(t, src);
	if (key_parse(src->id, &k) == 0 && (inc = lookup(t, k)) != NULL)
		mark_dirty(t, inc);
}

size_t
ronda_incidents_drop_part(struct ronda_incidents *t, int32_t part)
{
	size_t n = 0;

	for (size_t i = 0; i < NBUCKETS; i++) {
		struct ronda_incident **pp = &t->b[i];
		while (*pp != NULL) {
			struct ronda_incident *inc = *pp;
			if (!inc->dirty && inc->part == part) {
				*pp = inc->hnext;
				free_pending(inc);
				free(inc);
				t->n--;
				n++;
			} else {
				pp = &inc->hnext;
			}
		}
	}
	return n;
}

size_t
ronda_incidents_count(const struct ronda_incidents *t)
{
	return t->n;
}

size_t
ronda_incidents_dirty(const struct ronda_incidents *t)
{
	return t->ndirty;
}
