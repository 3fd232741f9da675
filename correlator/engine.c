#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "alert.h"
#include "actors.h"
#include "bots.h"
#include "campaign.h"
#include "dedupe.h"
#include "detect.h"
#include "geo.h"
#include "incident.h"
#include "indicator.h"
#include "istream.h"
#include "shares.h"
#include "store.h"
#include "triage.h"
#include "window.h"
#include "ronda/timeutil.h"

#define MAX_PARTS 4096
#define SEG_EVENTS 256		/* events per replay segment */
#define MAX_SEGS 4096		/* segments per partition (then the oldest merge away) */
#define MAX_SITES 65536		/* sites tracked for heartbeats */
#define ENGINE_SUP_MS 5000	/* suppressions read at most this often */
#define MAX_STREAMS (1 << 20)	/* event streams with a clock (then the partition's) */
#define WM_NONE INT64_MIN
#define STREAM_LAG_MAX (INT64_C(86400) * 1000)	/* a stream this far behind its partition is gone */

/*
 * Replay segments: a run of offsets with the watermark at its start and the
 * newest event time in it. A segment is dead once its newest event is older
 * than anything a window still looks at; the replay offset is the start of
 * the oldest live segment.
 */
struct seg {
	int64_t first_offset;
	int64_t wm_at_start;
	int64_t max_ts;
	int n;
};

/*
 * An event stream: the events of one site's dataset (web.access,
 * auth.syslog, ronda.aggregate) from one sending host, in one partition.
 * One collector writes it from one file in order and Kafka keeps the order
 * within a partition, so its watermark judges lateness exactly: another
 * site's import of last week, or the same site's other file read at
 * another pace, is not "late" against it (docs/correlator.md, "Clocks").
 * Window keys expire by the clock of the stream that last wrote them.
 * Indexes are stable (window entries hold them); slots are never freed,
 * a revoked partition's streams only forget their watermark.
 */
struct stream {
	uint64_t key;		/* hash of (site, host, dataset), odd; even: see site_key */
	int32_t part;
	int32_t site_clock;	/* the (partition, site) entry it feeds, -1 none */
	int64_t wm;		/* newest event time (WM_NONE: none since assignment) */
};

struct part {
	int assigned;
	int32_t fallback;	/* its stream when the stream table is full */
	int64_t committed;	/* next offset stored at assignment */
	int64_t next;		/* next offset to apply (live) */
	int64_t expect;		/* next offset expected from Kafka (gap detection) */
	int64_t wm;
	int64_t stored_wm;	/* the watermark stored at assignment (WM_NONE: none) */
	int seen;		/* a message arrived since the assignment */
	struct seg *segs;	/* ring of MAX_SEGS */
	size_t shead, sn;
};

/*
 * A site's two clocks, apart: `clock` is event time (the newest time its
 * logs wrote, leaving out a jump of more than max_future until a second
 * event confirms it); last_heard and
 * events_heard are processing time (this correlator's clock when its
 * collector's heartbeat, and its last event, arrived): liveness only.
 */
struct site {
	char *id;
	int known;
	const struct ronda_strlist *hosts;	/* the config's; empty = any sender */
	int64_t clock;		/* newest confirmed event time, WM_NONE none */
	int64_t ahead;		/* an unconfirmed jump's time, WM_NONE none */
	int64_t last_heard;	/* processing time, 0 never */
	int64_t events_heard;	/* processing time, 0 never */
	int64_t late;		/* events too late for their stream's windows */
	int silent;		/* a silent_site incident raised for this silence */
	int32_t hb_part;	/* partition of its last heartbeat (stage detect) */
	int heard;		/* an event of it applied since the last commit */
	int dirty;		/* its row changed since the last commit */
	struct site *next;
};

/* Stage 2: a share read from the incident stream, applied at the commit. */
struct share_q {
	struct ronda_istream_rec rec;
	struct share_q *next;
};

struct ronda_engine {
	const struct ronda_correlator_config *cfg;
	int stage;			/* enum ronda_stage */
	const char *topic;		/* what it consumes */
	struct ronda_engine_emit emit;	/* stage detect: the incident stream */
	struct share_q *sq, **sq_tail;	/* stage campaigns: shares of the batch */
	struct ronda_shares *shares;	/* stage campaigns: their sums (shares.h) */
	const struct ronda_allow_cfg *allow;	/* the running allowlist (reload moves it) */
	size_t nallow;
	struct ronda_store *store;
	struct ronda_dedupe *dd;
	struct ronda_window *win;
	struct ronda_detect *det;
	struct ronda_incidents *inc;
	struct ronda_campaigns *camp;	/* the campaign stage, fed at each commit */
	struct ronda_geo *geo;		/* ASN and country of addresses (geo.h) */
	struct ronda_bots *bots;	/* crawlers' ranges (bots.h), or NULL */
	struct ronda_actors *actors;	/* addresses that guessed logins (actors.h) */
	int64_t guess_pruned;		/* newest clock at the last prune of them */
	struct part *parts;
	int64_t cnt[RONDA_CNT_N];
	int64_t pending;
	int64_t dd_persisted;	/* next dedupe seq to write */
	int64_t horizon;	/* longest window + lateness */
	int64_t base_wevict, base_devict;	/* eviction counters stored before this run */
	struct stream *streams;	/* by clock id */
	uint32_t *sidx;		/* open addressing: clock id + 1, 0 empty */
	size_t nstreams, capstreams, sidx_mask;
	int64_t now_wall;	/* processing time of the current commit (liveness only) */
	int64_t *floor;		/* MAX_PARTS: scratch of the commit (part_floors) */
	int commit_failed;	/* memory is ahead of the store: no commit may follow */
	/* Triage suppressions, as the campaign stage has them (triage.h). */
	struct ronda_allow_cfg *sup;
	size_t nsup;
	int64_t sup_expiry;	/* wall clock the earliest of them ends */
	int64_t sup_read;	/* wall clock they were read */
	int64_t sup_dv;		/* PRAGMA data_version then */
	struct site *sites[4096];
	size_t nsites;
	struct ronda_cevent ev;	/* scratch */
};

static const char *const cnt_names[RONDA_CNT_N] = {
	"events", "duplicates", "rejected_not_json", "rejected_schema",
	"rejected_too_large", "late", "clamped_future", "offset_gaps",
	"window_evicted", "dedupe_evicted", "unknown_site_events", "dlq", "batches",
	"metric_events", "site_host_mismatch", "heartbeats", "stream_overflow",
};

const char *
ronda_engine_counter_name(int c)
{
	return c >= 0 && c < RONDA_CNT_N ? cnt_names[c] : "unknown";
}

static size_t
site_bucket(const char *id)
{
	return (size_t)ronda_hash64(id, strlen(id), 0x73697465ULL) & 4095;
}

static struct site *
site_get(struct ronda_engine *e, const char *id, int create)
{
	struct site *s;
	size_t b = site_bucket(id);

	for (s = e->sites[b]; s != NULL; s = s->next)
		if (strcmp(s->id, id) == 0)
			return s;
	if (!create || e->nsites >= MAX_SITES)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->id = strdup(id)) == NULL) {
		free(s);
		return NULL;
	}
	s->clock = s->ahead = WM_NONE;
	s->next = e->sites[b];
	e->sites[b] = s;
	e->nsites++;
	return s;
}

static int
site_known(void *arg, const char *id)
{
	struct site *s = site_get(arg, id, 0);

	return s != NULL && s->known;
}

/* ---- streams ------------------------------------------------------------ */

static uint64_t
stream_key(const struct ronda_cevent *ev)
{
	uint64_t h = ronda_hash64(ev->site, strlen(ev->site), 0x73747265ULL);

	h = ronda_hash64(ev->host, strlen(ev->host), h);
	return ronda_hash64(ev->dataset, strlen(ev->dataset), h) | 1;
}

static size_t
stream_slot(uint64_t key, int32_t part, size_t mask)
{
	return (size_t)((key ^ ((uint64_t)(uint32_t)part * 0x9e3779b97f4a7c15ULL)) >> 7) & mask;
}

static int
streams_grow(struct ronda_engine *e)
{
	size_t ncap = e->sidx_mask ? (e->sidx_mask + 1) * 2 : 1024;
	uint32_t *ni = calloc(ncap, sizeof(*ni));

	if (ni == NULL)
		return -1;
	for (size_t i = 0; i < e->nstreams; i++) {
		const struct stream *st = &e->streams[i];
		size_t k = stream_slot(st->key, st->part, ncap - 1);
		while (ni[k] != 0)
			k = (k + 1) & (ncap - 1);
		ni[k] = (uint32_t)i + 1;
	}
	free(e->sidx);
	e->sidx = ni;
	e->sidx_mask = ncap - 1;
	return 0;
}

/*
 * The key of a site's entry within a partition: the newest event time of
 * all its streams there, by which its incidents there close (the sweep).
 * It is partition-local, so the order in which the consumer interleaves
 * partitions (a restart, a rebalance) changes no verdict. Even, and never 2
 * (a partition's fallback stream).
 */
static uint64_t
site_key(const char *site)
{
	return ronda_hash64(site, strlen(site), 0x70737465ULL) << 2 | 4;
}

#define FALLBACK_KEY 2		/* a partition's fallback stream: no event hashes to it */

/* The clock id of (part, key), or -1 when there is none. */
static int32_t
stream_lookup(const struct ronda_engine *e, int32_t part, uint64_t key)
{
	if (e->sidx == NULL)
		return -1;
	for (size_t k = stream_slot(key, part, e->sidx_mask); e->sidx[k] != 0;
	    k = (k + 1) & e->sidx_mask) {
		const struct stream *st = &e->streams[e->sidx[k] - 1];
		if (st->key == key && st->part == part)
			return (int32_t)(e->sidx[k] - 1);
	}
	return -1;
}

/*
 * The clock id of (part, key), created at WM_NONE; -1 when the table is
 * full (the fallback streams have room of their own past MAX_STREAMS).
 */
static int32_t
stream_find(struct ronda_engine *e, int32_t part, uint64_t key)
{
	size_t k;
	struct stream *st;
	int32_t id;

	if ((id = stream_lookup(e, part, key)) >= 0)
		return id;
	if (e->nstreams >= MAX_STREAMS + (key == FALLBACK_KEY ? MAX_PARTS : 0))
		return -1;
	if ((e->nstreams + 1) * 2 > (e->sidx_mask + 1) && streams_grow(e) == -1)
		return -1;
	if (e->nstreams == e->capstreams) {
		size_t nc = e->capstreams ? e->capstreams * 2 : 1024;
		struct stream *ns = realloc(e->streams, nc * sizeof(*ns));
		if (ns == NULL)
			return -1;
		e->streams = ns;
		e->capstreams = nc;
	}
	st = &e->streams[e->nstreams];
	st->key = key;
	st->part = part;
	st->site_clock = -1;
	st->wm = WM_NONE;
	for (k = stream_slot(key, part, e->sidx_mask); e->sidx[k] != 0;
	    k = (k + 1) & e->sidx_mask)
		;
	e->sidx[k] = (uint32_t)e->nstreams + 1;
	return (int32_t)e->nstreams++;
}

/* The event's stream in part; past MAX_STREAMS the partition's own (counted). */
static int32_t
stream_of(struct ronda_engine *e, int32_t part, const struct ronda_cevent *ev)
{
	int32_t id = stream_find(e, part, stream_key(ev));

	if (id >= 0) {
		if (e->streams[id].site_clock < 0) {
			int32_t sc = stream_find(e, part, site_key(ev->site));
			e->streams[id].site_clock = sc >= 0 ? sc : id;
		}
		return id;
	}
	e->cnt[RONDA_CNT_STREAM_OVERFLOW]++;
	return e->parts[part].fallback;
}

/*
 * The site's event clock. A time more than max_future past it is a jump:
 * a site quiet all night, or a line that lies about its time (a skewed
 * sender, a forged syslog header). The first such event is counted and
 * leaves the clock alone; a second past the old clock confirms the jump,
 * to the earlier of the two. Within max_future the clock follows at once.
 */
static void
site_clock_note(struct ronda_engine *e, struct site *s, int64_t ts, int count)
{
	int64_t mf = e->cfg->windows.max_future;

	if (s->clock == WM_NONE || (ts > s->clock && ts <= s->clock + mf)) {
		s->clock = ts;
		s->ahead = WM_NONE;
	} else if (ts > s->clock + mf) {
		if (s->ahead != WM_NONE) {
			s->clock = ts < s->ahead ? ts : s->ahead;
			s->ahead = WM_NONE;
		} else {
			s->ahead = ts;
			if (count)
				e->cnt[RONDA_CNT_FUTURE]++;
		}
	}
	s->dirty = 1;
}

static int
load_incident(void *arg, const char *id, struct ronda_incident *out)
{
	struct ronda_engine *e = arg;

	return ronda_store_incident_get(e->store, id, out) == 1;
}

/* The campaign stage's configuration, from the correlator's. */
static int64_t
data_version(struct ronda_engine *e)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(ronda_store_db(e->store), "PRAGMA data_version", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The analysts' suppressions, read again when another connection (the
 * API's triage writer) committed since the last read or the earliest one
 * expired, at most every ENGINE_SUP_MS of processing time: a read is a
 * small query and a pass over the indicators held. A failed read keeps
 * the list in force and is tried at the next commit.
 */
static void
suppressions_refresh(struct ronda_engine *e, int64_t now, int force)
{
	struct ronda_allow_cfg *v;
	int64_t dv, expiry;
	size_t n;

	if (e->camp == NULL || (!force && now - e->sup_read < ENGINE_SUP_MS))
		return;
	dv = data_version(e);
	if (!force && dv == e->sup_dv && now < e->sup_expiry)
		return;
	if (ronda_triage_suppressions_load(ronda_store_db(e->store), now, &v, &n, &expiry) == -1)
		return;
	ronda_campaigns_set_suppressions(e->camp, v, n);
	ronda_triage_suppressions_free(e->sup, e->nsup);
	e->sup = v;
	e->nsup = n;
	e->sup_expiry = expiry;
	e->sup_read = now;
	e->sup_dv = dv;
}

static struct ronda_campaigns *
campaigns_new(const struct ronda_correlator_config *cfg)
{
	struct ronda_campaigns_config cc = {
		.min_sites = cfg->campaigns.min_sites,
		.window = cfg->campaigns.window,
		.link_window = cfg->campaigns.link_window,
		.dormancy = cfg->campaigns.dormancy,
		.quiet = cfg->campaigns.quiet,
		.close = cfg->campaigns.close,
		.common_share = cfg->campaigns.common_share,
		.wave_floor = cfg->campaigns.wave_floor,
		.wave_factor = cfg->campaigns.wave_factor,
		.interval = cfg->alerts.interval,
		.lateness = cfg->windows.allowed_lateness,
		.max_incidents = cfg->campaigns.max_incidents,
		.lang = cfg->alerts.language,
		.allow = cfg->campaigns.allowlist.v,
		.nallow = cfg->campaigns.allowlist.n,
		.sites = cfg->sites.v,
		.nsites = cfg->sites.n,
	};

	return ronda_campaigns_new(&cc);
}

static void
restore_incident(void *arg, const struct ronda_incident *inc)
{
	ronda_incidents_restore(arg, inc);
}

static void
note_incident(void *arg, const char *id)
{
	ronda_incidents_note_stored(arg, id);
}

/* A stored site row: its clocks and counts go on where they were. */
static void
restore_site(void *arg, const struct ronda_store_site *row)
{
	struct site *s = site_get(arg, row->id, 1);

	if (s == NULL)
		return;
	if (row->last_event != 0 && row->last_event != WM_NONE)
		s->clock = row->last_event;
	s->last_heard = row->last_heard;
	s->events_heard = row->events_heard;
	s->late = row->late;
}

static void
restore_guesser(void *arg, const char *ip, const char *sites)
{
	struct ronda_actor_site s[RONDA_ACTORS_SITES];
	int n = ronda_actors_parse(sites, s, RONDA_ACTORS_SITES);

	ronda_actors_restore(arg, ip, s, n);
}

static int emit_put(struct ronda_engine *e, int rc, char *payload, size_t len,
    const char *key);

static int
guesser_put(void *arg, const char *ip, const struct ronda_actor_site *sites, int n,
    int64_t last)
{
	struct ronda_engine *e = arg;
	char text[RONDA_ACTORS_SITES * 64];

	ronda_actors_format(text, sizeof(text), sites, n);
	if (ronda_store_guesser_put(e->store, ip, text, last) == -1)
		return -1;
	if (e->stage == RONDA_STAGE_DETECT) {
		char *out = NULL, key[512];
		size_t len = 0;
		int rc = ronda_istream_guesser(ip, text, last, &out, &len, key, sizeof(key));
		return emit_put(e, rc, out, len, key);
	}
	return 0;
}

/*
 * An address the allowlist names (ip or net) keeps incidents of its own:
 * the SOC's scanner is not pooled with the attackers of a site.
 */
static int
own_source(void *arg, const char *ip)
{
	const struct ronda_engine *e = arg;

	return ronda_allow_has_ip(e->allow, e->nallow, ip);
}

struct ronda_engine *
ronda_engine_new(const struct ronda_correlator_config *cfg, char *err, size_t errlen)
{
	struct ronda_engine *e = calloc(1, sizeof(*e));
	struct ronda_incidents_config icfg;
	struct ronda_incidents_loader loader;
	struct ronda_detect_sink sink;
	const struct ronda_site_cfg *sc = cfg->sites.v;

	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->cfg = cfg;
	e->stage = cfg->stage;
	e->topic = cfg->stage == RONDA_STAGE_CAMPAIGNS ? cfg->kafka.incidents_topic :
	    cfg->kafka.topic;
	e->sq_tail = &e->sq;
	e->horizon = ronda_detect_horizon(&cfg->detectors) + cfg->windows.allowed_lateness;
	if ((e->geo = ronda_geo_new(&cfg->geoip, err, errlen)) == NULL)
		goto fail;
	if (cfg->bots.ranges != NULL && cfg->bots.ranges[0] != '\0' &&
	    (e->bots = ronda_bots_load(cfg->bots.ranges, err, errlen)) == NULL)
		goto fail;
	if ((e->store = ronda_store_open(cfg->store, err, errlen)) == NULL)
		goto fail;
	/* The operator's bound: a commit past it fails as on a full disk. */
	if (cfg->store_max_size > 0) {
		int64_t ps = ronda_store_page_size(e->store);
		if (ps <= 0 || ronda_store_set_max_pages(e->store,
		    cfg->store_max_size / ps > 0 ? cfg->store_max_size / ps : 1) == -1)
			goto storefail;
	}
	e->parts = calloc(MAX_PARTS, sizeof(*e->parts));
	e->floor = calloc(MAX_PARTS, sizeof(*e->floor));
	e->dd = ronda_dedupe_new((size_t)cfg->dedupe.max_ids);
	e->win = ronda_window_new((size_t)cfg->windows.max_entries,
	    (size_t)cfg->windows.max_bytes);
	if (e->parts == NULL || e->floor == NULL || e->dd == NULL || e->win == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (ronda_store_begin(e->store) == -1)
		goto storefail;
	for (size_t i = 0; i < cfg->sites.n; i++) {
		struct site *s = site_get(e, sc[i].id, 1);
		if (s != NULL) {
			s->known = 1;
			s->hosts = &sc[i].hosts;
		}
		if (ronda_store_site_info_put(e->store, sc[i].id, sc[i].agency, sc[i].region,
		    sc[i].timezone) == -1) {
			ronda_store_rollback(e->store);
			goto storefail;
		}
	}
	if (ronda_store_site_each(e->store, restore_site, e) == -1 ||
	    ronda_store_setting_put(e->store, "silent_after_ms",
	    cfg->detectors.silent_after) == -1 ||
	    ronda_store_allowlist_clear(e->store) == -1) {
		ronda_store_rollback(e->store);
		goto storefail;
	}
	for (size_t i = 0; i < cfg->campaigns.allowlist.n; i++) {
		const struct ronda_allow_cfg *a =
		    &((const struct ronda_allow_cfg *)cfg->campaigns.allowlist.v)[i];
		if (a->type != NULL && a->value != NULL &&
		    ronda_store_allowlist_put(e->store, a->type, a->value) == -1) {
			ronda_store_rollback(e->store);
			goto storefail;
		}
	}
	if (ronda_store_commit(e->store) == -1)
		goto storefail;
	icfg = (struct ronda_incidents_config){ .quiet = cfg->detectors.quiet,
	    .max_evidence = cfg->incidents.max_evidence,
	    .max_evidence_len = cfg->incidents.max_evidence_len,
	    .max_memory = cfg->incidents.max_memory,
	    .per_part = cfg->stage == RONDA_STAGE_DETECT };
	loader = (struct ronda_incidents_loader){ .arg = e, .load = load_incident };
	if ((e->inc = ronda_incidents_new(&icfg, &loader, site_known, e)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	sink = ronda_incidents_sink(e->inc);
	if ((e->det = ronda_detect_new(&cfg->detectors, e->win, &sink)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	e->allow = cfg->campaigns.allowlist.v;
	e->nallow = cfg->campaigns.allowlist.n;
	ronda_detect_set_own(e->det, own_source, e);
	/* Always: a reload may open databases where there were none (no files: ~20 ns). */
	ronda_detect_set_geo(e->det, e->geo);
	ronda_detect_set_bots(e->det, e->bots);
	if ((e->actors = ronda_actors_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ronda_detect_set_actors(e->det, e->actors);
	if (ronda_store_guesser_each(e->store, restore_guesser, e->actors) == -1) {
		snprintf(err, errlen, "%s", ronda_store_errmsg(e->store));
		goto fail;
	}
	/*
	 * Stage detect: a partition's open incidents come from the incident
	 * stream when it is assigned (ronda_engine_assign_from), not from
	 * what this member stored when it last held it.
	 */
	if (ronda_store_dedupe_load(e->store, e->dd, (size_t)cfg->dedupe.max_ids) == -1 ||
	    ronda_store_incident_each_id(e->store, note_incident, e->inc) == -1 ||
	    (e->stage == RONDA_STAGE_ALL &&
	    ronda_store_incident_each_active(e->store, restore_incident, e->inc) == -1)) {
		snprintf(err, errlen, "%s", ronda_store_errmsg(e->store));
		goto fail;
	}
	if (e->stage == RONDA_STAGE_CAMPAIGNS &&
	    (e->shares = ronda_shares_new(ronda_store_db(e->store), err, errlen)) == NULL)
		goto fail;
	if (e->stage == RONDA_STAGE_DETECT)
		goto nocamp;
	if ((e->camp = campaigns_new(cfg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* Before the restore: the indicators it brings back are judged against them. */
	suppressions_refresh(e, ronda_now_ms(), 1);
	if (ronda_campaigns_restore(e->camp, ronda_store_db(e->store), err, errlen) == -1)
		goto fail;
nocamp:
	e->dd_persisted = ronda_dedupe_next_seq(e->dd);
	for (int c = 0; c < RONDA_CNT_N; c++)
		e->cnt[c] = ronda_store_counter_get(e->store, cnt_names[c]);
	e->base_wevict = e->cnt[RONDA_CNT_WINDOW_EVICTED];
	e->base_devict = e->cnt[RONDA_CNT_DEDUPE_EVICTED];
	return e;
storefail:
	snprintf(err, errlen, "%s: %s", cfg->store, ronda_store_errmsg(e->store));
fail:
	ronda_engine_free(e);
	return NULL;
}

int
ronda_engine_reload(struct ronda_engine *e, const struct ronda_correlator_config *cfg,
    char *err, size_t errlen)
{
	const struct ronda_site_cfg *sc = cfg->sites.v;
	const struct ronda_allow_cfg *al = cfg->campaigns.allowlist.v;
	struct ronda_bots *nbots = NULL;

	if (e->commit_failed) {
		snprintf(err, errlen, "the store is behind memory (a commit failed)");
		return -1;
	}
	/*
	 * GeoIP before the store: the new databases open aside and replace the
	 * old only when all open. They hold no state, so a store refusal below
	 * that keeps them is harmless.
	 */
	if (ronda_geo_reload(e->geo, &cfg->geoip, err, errlen) == -1)
		return -1;
	/* The crawlers' ranges read aside, swapped in with the rest. */
	if (cfg->bots.ranges != NULL && cfg->bots.ranges[0] != '\0' &&
	    (nbots = ronda_bots_load(cfg->bots.ranges, err, errlen)) == NULL)
		return -1;
	/* The store first: when it refuses, nothing in memory has changed. */
	if (ronda_store_begin(e->store) == -1)
		goto storefail;
	for (size_t i = 0; i < cfg->sites.n; i++)
		if (ronda_store_site_info_put(e->store, sc[i].id, sc[i].agency, sc[i].region,
		    sc[i].timezone) == -1)
			goto rollback;
	if (ronda_store_allowlist_clear(e->store) == -1)
		goto rollback;
	for (size_t i = 0; i < cfg->campaigns.allowlist.n; i++)
		if (al[i].type != NULL && al[i].value != NULL &&
		    ronda_store_allowlist_put(e->store, al[i].type, al[i].value) == -1)
			goto rollback;
	if (ronda_store_commit(e->store) == -1)
		goto storefail;
	/* A site dropped from the list is unknown again; its state stays. */
	for (size_t b = 0; b < 4096; b++)
		for (struct site *s = e->sites[b]; s != NULL; s = s->next) {
			s->known = 0;
			s->hosts = NULL;
		}
	for (size_t i = 0; i < cfg->sites.n; i++) {
		struct site *s = site_get(e, sc[i].id, 1);
		if (s != NULL) {
			s->known = 1;
			s->hosts = &sc[i].hosts;
		}
	}
	if (e->camp != NULL)
		ronda_campaigns_reload(e->camp, al, cfg->campaigns.allowlist.n, sc, cfg->sites.n);
	e->allow = al;
	e->nallow = cfg->campaigns.allowlist.n;
	ronda_bots_free(e->bots);
	e->bots = nbots;
	ronda_detect_set_bots(e->det, nbots);
	return 0;
rollback:
	ronda_store_rollback(e->store);
storefail:
	ronda_bots_free(nbots);
	snprintf(err, errlen, "store: %s", ronda_store_errmsg(e->store));
	return -1;
}

void
ronda_engine_free(struct ronda_engine *e)
{
	if (e == NULL)
		return;
	ronda_detect_free(e->det);
	ronda_campaigns_free(e->camp);
	ronda_shares_free(e->shares);
	while (e->sq != NULL) {
		struct share_q *q = e->sq;
		e->sq = q->next;
		ronda_istream_rec_clear(&q->rec);
		free(q);
	}
	ronda_geo_free(e->geo);
	ronda_bots_free(e->bots);
	ronda_actors_free(e->actors);
	ronda_triage_suppressions_free(e->sup, e->nsup);
	ronda_incidents_free(e->inc);
	ronda_window_free(e->win);
	ronda_dedupe_free(e->dd);
	if (e->parts != NULL)
		for (int i = 0; i < MAX_PARTS; i++)
			free(e->parts[i].segs);
	free(e->parts);
	free(e->floor);
	free(e->streams);
	free(e->sidx);
	for (size_t b = 0; b < 4096; b++) {
		struct site *s, *nx;
		for (s = e->sites[b]; s != NULL; s = nx) {
			nx = s->next;
			free(s->id);
			free(s);
		}
	}
	ronda_store_close(e->store);
	free(e);
}

static void silent_hit(struct ronda_engine *e, struct site *s, int64_t at);

static struct seg *
seg_at(struct part *p, size_t i)
{
	return &p->segs[(p->shead + i) % MAX_SEGS];
}

int64_t
ronda_engine_assign(struct ronda_engine *e, int32_t part)
{
	struct ronda_store_offset o;
	struct part *p;
	int rc;

	if (part < 0 || part >= MAX_PARTS)
		return -1;
	p = &e->parts[part];
	free(p->segs);
	memset(p, 0, sizeof(*p));
	p->segs = calloc(MAX_SEGS, sizeof(*p->segs));
	p->assigned = 1;
	p->wm = p->stored_wm = WM_NONE;
	/* Its fallback stream (the table full): a key no event hashes to (even). */
	p->fallback = stream_find(e, part, FALLBACK_KEY);
	if (p->fallback < 0)
		p->fallback = 0;
	rc = ronda_store_offset_get(e->store, e->topic, part, &o);
	if (rc != 1) {
		p->committed = p->next = p->expect = 0;
		return -1;
	}
	p->committed = p->next = o.next_offset;
	p->expect = o.replay_offset;
	p->wm = o.replay_wm;
	p->stored_wm = o.watermark;
	return o.replay_offset;
}

void
ronda_engine_revoke(struct ronda_engine *e, int32_t part)
{
	ronda_engine_revoke_many(e, &part, 1);
}

struct revoking {
	const struct ronda_engine *e;
	const unsigned char *mask;
};

static int
clock_revoking(void *arg, int32_t clock)
{
	const struct revoking *r = arg;

	return clock >= 0 && (size_t)clock < r->e->nstreams &&
	    r->mask[r->e->streams[clock].part];
}

/*
 * Revoked partitions' window keys go, and their streams forget their
 * watermarks (the slots stay: window entries name streams by index).
 */
void
ronda_engine_revoke_many(struct ronda_engine *e, const int32_t *parts, size_t n)
{
	unsigned char mask[MAX_PARTS];
	struct revoking r = { e, mask };

	memset(mask, 0, sizeof(mask));
	for (size_t i = 0; i < n; i++)
		if (parts[i] >= 0 && parts[i] < MAX_PARTS)
			mask[parts[i]] = 1;
	ronda_window_drop_clocks(e->win, clock_revoking, &r);
	for (size_t i = 0; i < e->nstreams; i++)
		if (mask[e->streams[i].part])
			e->streams[i].wm = WM_NONE;
	for (int32_t p = 0; p < MAX_PARTS; p++)
		if (mask[p]) {
			free(e->parts[p].segs);
			memset(&e->parts[p], 0, sizeof(e->parts[p]));
			/* Stage detect: the new owner takes them from the stream. */
			if (e->stage == RONDA_STAGE_DETECT)
				(void)ronda_incidents_drop_part(e->inc, p);
		}
	if (e->stage == RONDA_STAGE_DETECT)
		for (size_t b = 0; b < 4096; b++)
			for (struct site *s = e->sites[b]; s != NULL; s = s->next)
				if (s->last_heard > 0 && s->hb_part >= 0 && s->hb_part < MAX_PARTS &&
				    mask[s->hb_part])
					s->last_heard = 0;	/* its heartbeats: another member's */
}

int64_t
ronda_engine_assign_from(struct ronda_engine *e, int32_t part,
    const struct ronda_store_offset *o, const struct ronda_incident *const *shares, size_t n)
{
	struct part *p;

	if (part < 0 || part >= MAX_PARTS)
		return -1;
	(void)ronda_engine_assign(e, part);
	p = &e->parts[part];
	(void)ronda_incidents_drop_part(e->inc, part);
	/*
	 * Every share kept for the loader (a closed one hit again is read
	 * back), the open ones in memory and written again at the next commit
	 * (to the stream too: the stage that sums them takes the same or a
	 * newer version).
	 */
	if (ronda_store_begin(e->store) == 0) {
		for (size_t i = 0; i < n; i++)
			if (ronda_store_incident_put(e->store, shares[i]) == 0)
				ronda_incidents_note_stored(e->inc, shares[i]->id);
		(void)ronda_store_commit(e->store);
	}
	for (size_t i = 0; i < n; i++)
		if (shares[i]->status != RONDA_INCIDENT_CLOSED)
			ronda_incidents_restore_dirty(e->inc, shares[i]);
	if (o == NULL) {
		p->committed = p->next = p->expect = 0;
		p->wm = p->stored_wm = WM_NONE;
		return -1;
	}
	p->committed = p->next = o->next_offset;
	p->expect = o->replay_offset;
	p->wm = o->replay_wm;
	p->stored_wm = o->watermark;
	return o->replay_offset;
}

void
ronda_engine_set_emit(struct ronda_engine *e, const struct ronda_engine_emit *emit)
{
	e->emit = *emit;
}

const char *
ronda_engine_topic(const struct ronda_engine *e)
{
	return e->topic;
}

void
ronda_engine_restore_guesser(struct ronda_engine *e, const char *ip, const char *sites)
{
	restore_guesser(e->actors, ip, sites);
}

int64_t
ronda_engine_next(const struct ronda_engine *e, int32_t part)
{
	if (part < 0 || part >= MAX_PARTS || !e->parts[part].assigned)
		return -1;
	return e->parts[part].next > e->parts[part].committed ? e->parts[part].next :
	    e->parts[part].committed;
}

int64_t
ronda_engine_committed(const struct ronda_engine *e, int32_t part)
{
	if (part < 0 || part >= MAX_PARTS || !e->parts[part].assigned)
		return -1;
	return e->parts[part].committed;
}

/* Host names compare without case (DNS); a cut name matches nothing. */
static int
host_listed(const struct ronda_strlist *hosts, const struct ronda_cevent *ev)
{
	if (ev->host_cut || ev->host[0] == '\0')
		return 0;
	for (size_t i = 0; i < hosts->n; i++)
		if (strcasecmp(hosts->v[i], ev->host) == 0)
			return 1;
	return 0;
}

/* The site lists its collectors' hosts and ev's sender is not one of them. */
static int
host_unlisted(const struct site *s, const struct ronda_cevent *ev)
{
	return s->hosts != NULL && s->hosts->n > 0 && !host_listed(s->hosts, ev);
}

static void
seg_note(struct part *p, int64_t offset, int64_t wm_before, int64_t ts)
{
	struct seg *s;

	if (p->segs == NULL)
		return;
	if (p->sn == 0 || seg_at(p, p->sn - 1)->n >= SEG_EVENTS) {
		if (p->sn == MAX_SEGS) {
			/* Full: merge the two oldest (replay starts earlier: safe). */
			struct seg *a = seg_at(p, 0), *b = seg_at(p, 1);
			b->first_offset = a->first_offset;
			b->wm_at_start = a->wm_at_start;
			if (a->max_ts > b->max_ts)
				b->max_ts = a->max_ts;
			p->shead = (p->shead + 1) % MAX_SEGS;
			p->sn--;
		}
		s = seg_at(p, p->sn++);
		s->first_offset = offset;
		s->wm_at_start = wm_before;
		s->max_ts = ts;
		s->n = 0;
	}
	s = seg_at(p, p->sn - 1);
	if (ts > s->max_ts)
		s->max_ts = ts;
	s->n++;
}

/*
 * Stage campaigns: one record of the incident stream. Shares wait for the
 * commit (they read and write the store); a site's clocks join its row at
 * once (the newest of what the members report); positions are for stage 1.
 */
static int
process_record(struct ronda_engine *e, struct part *p, int64_t offset, const char *payload,
    size_t len, int *reason, char *err, size_t errlen)
{
	struct share_q *q;
	struct site *s;

	if (offset < p->committed)
		return RONDA_ENGINE_REPLAYED;
	p->seen = 1;
	p->expect = p->next = offset + 1;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    ronda_istream_decode(payload, len, &q->rec, err, errlen) == -1) {
		free(q);
		*reason = RONDA_CEVENT_REJ_SCHEMA;
		e->cnt[RONDA_CNT_SCHEMA]++;
		return RONDA_ENGINE_REJECTED;
	}
	e->pending++;
	e->cnt[RONDA_CNT_EVENTS]++;
	if (q->rec.type == RONDA_ISTREAM_SHARE) {
		*e->sq_tail = q;
		e->sq_tail = &q->next;
		return RONDA_ENGINE_APPLIED;
	} else if (q->rec.type == RONDA_ISTREAM_SITE &&
	    (s = site_get(e, q->rec.site_id, 1)) != NULL) {
		const struct ronda_store_site *r = &q->rec.site;
		if (r->last_event > 0 && (s->clock == WM_NONE || r->last_event > s->clock))
			s->clock = r->last_event;
		if (r->last_heard > s->last_heard)
			s->last_heard = r->last_heard;
		if (r->events_heard > s->events_heard)
			s->events_heard = r->events_heard;
		if (r->late > s->late)
			s->late = r->late;
		s->dirty = 1;
	}
	ronda_istream_rec_clear(&q->rec);
	free(q);
	return RONDA_ENGINE_APPLIED;
}

int
ronda_engine_process(struct ronda_engine *e, int32_t part, int64_t offset,
    const char *payload, size_t len, int *reason, char *err, size_t errlen)
{
	struct ronda_cevent *ev = &e->ev;
	const struct ronda_dedupe_entry *de;
	struct part *p;
	struct site *s;
	struct stream *st;
	int replay, rej, late = 0;
	int32_t clock;
	int64_t wm_before;

	*reason = 0;
	if (part < 0 || part >= MAX_PARTS) {
		snprintf(err, errlen, "partition %d out of range", part);
		*reason = RONDA_CEVENT_REJ_SCHEMA;
		return RONDA_ENGINE_REJECTED;
	}
	p = &e->parts[part];
	if (!p->assigned)
		ronda_engine_assign(e, part);
	if (e->stage == RONDA_STAGE_CAMPAIGNS)
		return process_record(e, p, offset, payload, len, reason, err, errlen);
	replay = offset < p->committed;
	p->seen = 1;
	/* Offsets the broker no longer has (retention) or skipped: counted, never hidden. */
	if (offset > p->expect && !replay && p->expect >= p->committed)
		e->cnt[RONDA_CNT_GAP] += offset - p->expect;
	p->expect = offset + 1;

	rej = ronda_cevent_decode(payload, len, (size_t)e->cfg->kafka.max_message, ev, err,
	    errlen);
	if (rej != RONDA_CEVENT_OK) {
		if (replay)
			return RONDA_ENGINE_REPLAYED;
		p->next = offset + 1;
		e->pending++;
		*reason = rej;
		e->cnt[rej == RONDA_CEVENT_REJ_TOO_LARGE ? RONDA_CNT_TOO_LARGE :
		    rej == RONDA_CEVENT_REJ_NOT_JSON ? RONDA_CNT_NOT_JSON : RONDA_CNT_SCHEMA]++;
		return RONDA_ENGINE_REJECTED;
	}

	de = ronda_dedupe_find(e->dd, ev->id_hi, ev->id_lo);
	if (de != NULL && !(replay && de->part == part && de->off == offset)) {
		if (replay)
			return RONDA_ENGINE_REPLAYED;
		p->next = offset + 1;
		e->pending++;
		e->cnt[RONDA_CNT_DUPLICATES]++;
		return RONDA_ENGINE_DUPLICATE;
	}

	/*
	 * A heartbeat (dataset ronda.heartbeat, or an older collector's
	 * metric event without requests) says the collector is alive: it is
	 * processing time, stamped by this correlator's clock on arrival, and
	 * never moves an event clock (docs/correlator.md, "Clocks").
	 */
	if (ev->kind == RONDA_CEVENT_METRIC && ev->m.heartbeat && ev->m.requests == 0) {
		if (replay)
			return RONDA_ENGINE_REPLAYED;
		if (de == NULL)
			ronda_dedupe_add(e->dd, ev->id_hi, ev->id_lo, ev->ts_ms, part, offset);
		/*
		 * A site that lists its collectors' hosts is kept alive by
		 * those alone: another sender's heartbeat is counted, and
		 * cannot hide a silent collector.
		 */
		if ((s = site_get(e, ev->site, 1)) != NULL) {
			if (host_unlisted(s, ev)) {
				e->cnt[RONDA_CNT_HOST_MISMATCH]++;
			} else {
				s->hb_part = part;
				s->last_heard = ronda_now_ms();
				s->silent = 0;
				s->dirty = 1;
			}
		}
		if (s == NULL || !s->known)
			e->cnt[RONDA_CNT_UNKNOWN_SITE]++;
		e->cnt[RONDA_CNT_HEARTBEATS]++;
		e->cnt[RONDA_CNT_METRICS]++;
		e->cnt[RONDA_CNT_EVENTS]++;
		p->next = offset + 1;
		e->pending++;
		return RONDA_ENGINE_APPLIED;
	}

	/*
	 * Event time: lateness is judged against the event's own stream
	 * (partition, site, host, dataset), which one collector writes in
	 * order, so one site's import of last week is not late against
	 * another's live stream. The partition's newest time serves only the
	 * replay segments.
	 */
	s = site_get(e, ev->site, 1);
	clock = stream_of(e, part, ev);
	st = &e->streams[clock];
	if (st->wm != WM_NONE && ev->ts_ms < st->wm - e->cfg->windows.allowed_lateness) {
		late = 1;
		if (!replay) {
			e->cnt[RONDA_CNT_LATE]++;
			if (s != NULL) {
				s->late++;
				s->dirty = 1;
			}
		}
	}
	if (de == NULL && !replay)
		ronda_dedupe_add(e->dd, ev->id_hi, ev->id_lo, ev->ts_ms, part, offset);
	if (st->wm == WM_NONE || ev->ts_ms > st->wm)
		st->wm = ev->ts_ms;
	if (st->site_clock >= 0) {
		struct stream *sc = &e->streams[st->site_clock];
		if (sc->wm == WM_NONE || ev->ts_ms > sc->wm)
			sc->wm = ev->ts_ms;
	}
	wm_before = p->wm;
	if (p->wm == WM_NONE || ev->ts_ms > p->wm)
		p->wm = ev->ts_ms;
	seg_note(p, offset, wm_before, ev->ts_ms);

	/*
	 * A configured site that lists its collectors' hosts: an event from any
	 * other host.name is applied, counted, and its incidents carry the
	 * sender as an "unlisted_host" indicator (a misconfigured collector, or
	 * one claiming a site that is not its own; host.name is the sender's
	 * claim, see docs/security.md).
	 */
	if (s != NULL)
		ev->host_unlisted = host_unlisted(s, ev);
	ronda_detect_event_on(e->det, ev, part, clock, !replay, late);

	if (s != NULL) {
		site_clock_note(e, s, ev->ts_ms, !replay);
		/* An old collector's aggregate carries its heartbeat too. */
		if (!replay && ev->kind == RONDA_CEVENT_METRIC && ev->m.heartbeat) {
			s->last_heard = ronda_now_ms();
			s->silent = 0;
		}
		if (!replay)
			s->heard = 1;
	}
	if (replay)
		return RONDA_ENGINE_REPLAYED;
	if (s == NULL || !s->known)
		e->cnt[RONDA_CNT_UNKNOWN_SITE]++;
	if (ev->host_unlisted)
		e->cnt[RONDA_CNT_HOST_MISMATCH]++;
	if (ev->kind == RONDA_CEVENT_METRIC)
		e->cnt[RONDA_CNT_METRICS]++;
	e->cnt[RONDA_CNT_EVENTS]++;
	p->next = offset + 1;
	e->pending++;
	return RONDA_ENGINE_APPLIED;
}

void
ronda_engine_count(struct ronda_engine *e, int counter, int64_t n)
{
	if (counter >= 0 && counter < RONDA_CNT_N)
		e->cnt[counter] += n;
}

int64_t
ronda_engine_pending(const struct ronda_engine *e)
{
	return e->pending;
}

/* Window keys expire by their stream's watermark, past the longest window. */
static int64_t
stream_cutoff(void *arg, int32_t clock)
{
	struct ronda_engine *e = arg;
	int64_t wm;

	if (clock < 0 || (size_t)clock >= e->nstreams)
		return WM_NONE;
	wm = e->streams[clock].wm;
	return wm == WM_NONE ? WM_NONE : wm - e->horizon;
}

/*
 * The clock an incident's quiet period is judged by: the newest event time
 * of its site in the partition of its last hit (partition-local, so a
 * restart's interleaving of partitions decides the same); for silent_site
 * (about hearing, not about the logs) the correlator's own, and no verdict
 * while the silence lasts.
 */
static int64_t
incident_clock(void *arg, const struct ronda_incident *inc)
{
	struct ronda_engine *e = arg;
	struct site *s;
	int32_t id;

	if (strcmp(inc->kind, "silent_site") == 0) {
		s = site_get(e, inc->site, 0);
		return s == NULL || s->silent ? WM_NONE : e->now_wall;
	}
	id = stream_lookup(e, inc->part, site_key(inc->site));
	return id < 0 ? WM_NONE : e->streams[id].wm;
}

/*
 * Hand a written incident to the campaign stage: what it is now and the
 * indicators new since its last write (its pending ones).
 */
static int
campaign_feed(struct ronda_engine *e, const struct ronda_incident *inc)
{
	struct ronda_incident_view_ind ind[RONDA_INCIDENT_IND];
	struct ronda_incident_view v = { .id = inc->id, .site = inc->site, .kind = inc->kind,
	    .severity = inc->severity, .first_seen = inc->first_seen,
	    .last_seen = inc->last_seen, .new_from = inc->new_from, .ind = ind };

	for (const struct ronda_incident_ind *i = inc->ind_pending;
	    i != NULL && v.nind < RONDA_INCIDENT_IND; i = i->next)
		ind[v.nind++] = (struct ronda_incident_view_ind){ i->type, i->value, i->ts };
	return ronda_campaigns_add(e->camp, &v);
}

static int64_t newest_clock(const struct ronda_engine *e);

/* Stage detect: a record to the incident stream. */
static int
emit_put(struct ronda_engine *e, int rc, char *payload, size_t len, const char *key)
{
	if (rc == -1)
		return -1;
	rc = e->emit.put != NULL ? e->emit.put(e->emit.arg, key, payload, len) : 0;
	free(payload);
	return rc;
}

/*
 * An incident written in the batch, and its alert when it is critical (the
 * outbox row commits or rolls back with the incident); stage detect: its
 * share to the stream instead.
 */
static int
inc_put(void *arg, struct ronda_incident *inc)
{
	struct ronda_engine *e = arg;
	char err[256];

	if (ronda_store_incident_put(e->store, inc) == -1)
		return -1;
	if (e->stage == RONDA_STAGE_DETECT) {
		/* Its share goes to the stream; alerts and campaigns are stage 2's. */
		char *out = NULL, key[512];
		size_t len = 0;
		int64_t version = inc->part >= 0 && inc->part < MAX_PARTS ?
		    e->parts[inc->part].next : 0;
		int rc = ronda_istream_share(inc, version, newest_clock(e), &out, &len, key,
		    sizeof(key));
		return emit_put(e, rc, out, len, key);
	}
	if (ronda_alert_incident(ronda_store_db(e->store), inc, e->cfg->alerts.language,
	    ronda_now_ms(), err, sizeof(err)) == -1)
		return -1;
	return campaign_feed(e, inc);
}

/*
 * The campaign stage's clock: the newest confirmed event time of any site
 * (a line that lies about its time moves no site clock, see
 * site_clock_note).
 */
static int64_t
newest_clock(const struct ronda_engine *e)
{
	int64_t wm = WM_NONE;

	for (size_t b = 0; b < 4096; b++)
		for (const struct site *s = e->sites[b]; s != NULL; s = s->next)
			if (s->clock != WM_NONE && s->clock > wm)
				wm = s->clock;
	return wm;
}

static void
silent_hit(struct ronda_engine *e, struct site *s, int64_t at)
{
	struct ronda_detect_hit h;

	if (ronda_incidents_active_in(e->inc, s->id, "silent_site", s->id,
	    e->stage == RONDA_STAGE_DETECT ? s->hb_part : 0, at))
		return;
	memset(&h, 0, sizeof(h));
	h.site = s->id;
	h.kind = "silent_site";
	h.key = s->id;
	h.severity = 2;
	h.ts = at;
	h.count = 1;
	h.part = e->stage == RONDA_STAGE_DETECT ? s->hb_part : 0;
	ronda_incidents_hit(e->inc, &h);
}

/* Heard once, and not for silent_after of the correlator's clock. */
static int
site_silent(const struct ronda_engine *e, const struct site *s, int64_t now)
{
	return s->last_heard > 0 && !s->silent &&
	    now - s->last_heard > e->cfg->detectors.silent_after;
}

/*
 * Silent sites: a collector heard from and then not for silent_after, on
 * this correlator's clock (processing time: liveness is about hearing, not
 * about what the logs say). The incident is stamped with the moment the
 * silence passed silent_after, so a restart that finds the same silence
 * finds the same incident.
 */
static void
silent_sites(struct ronda_engine *e, int64_t now)
{
	for (size_t b = 0; b < 4096; b++)
		for (struct site *s = e->sites[b]; s != NULL; s = s->next)
			if (site_silent(e, s, now)) {
				silent_hit(e, s, s->last_heard + e->cfg->detectors.silent_after);
				s->silent = 1;
				s->dirty = 1;
			}
}

int
ronda_engine_liveness_due(struct ronda_engine *e, int64_t now)
{
	if (e->stage == RONDA_STAGE_CAMPAIGNS)
		return 0;
	for (size_t b = 0; b < 4096; b++)
		for (struct site *s = e->sites[b]; s != NULL; s = s->next)
			if (site_silent(e, s, now))
				return 1;
	return 0;
}

/*
 * Per partition, the event time its replay must reach back from: the
 * oldest watermark among its streams within STREAM_LAG_MAX of its newest
 * (WM_NONE: nothing read). floor holds MAX_PARTS entries.
 */
static void
part_floors(const struct ronda_engine *e, int64_t *floor)
{
	for (int32_t i = 0; i < MAX_PARTS; i++)
		floor[i] = e->parts[i].wm;
	for (size_t k = 0; k < e->nstreams; k++) {
		const struct stream *st = &e->streams[k];
		int64_t pw = e->parts[st->part].wm;
		if (!(st->key & 1) || st->wm == WM_NONE || pw == WM_NONE ||
		    st->wm < pw - STREAM_LAG_MAX)
			continue;
		if (st->wm < floor[st->part])
			floor[st->part] = st->wm;
	}
}

/*
 * Stage campaigns: the batch's shares into incident_shares, and each
 * incident they sum to through inc_put (its row, evidence, indicators,
 * alert and campaign), in the batch's transaction.
 */
static int
shares_apply(struct ronda_engine *e)
{
	char err[256];
	int rc = 0;

	while (e->sq != NULL) {
		struct share_q *q = e->sq;
		struct ronda_incident inc;
		int r = 0;
		e->sq = q->next;
		if (rc == 0) {
			r = ronda_shares_apply(e->shares, &q->rec, &inc, err, sizeof(err));
			if (r == -1)
				rc = -1;
			else if (r == 1 && inc_put(e, &inc) == -1)
				rc = -1;
			if (r == 1)
				ronda_shares_out_clear(&inc);
			if (r == 0)
				e->cnt[RONDA_CNT_DUPLICATES]++;
		}
		ronda_istream_rec_clear(&q->rec);
		free(q);
	}
	e->sq_tail = &e->sq;
	return rc;
}

int
ronda_engine_commit(struct ronda_engine *e, char *err, size_t errlen)
{
	const char *topic = e->topic;
	int64_t *floor = e->floor, nc;

	/*
	 * A failed commit rolled the store back, but the incidents, campaigns
	 * and dedupe set in memory had already moved on. A later commit (the
	 * revoke on the way out, a retry) would store offsets past events whose
	 * effects are lost (a bug test_fault_store_full exposed: a full store,
	 * then a smaller commit that fitted). Only a restart, which rebuilds the
	 * state from the store and replays from its offsets, may write again.
	 */
	if (e->commit_failed) {
		snprintf(err, errlen, "an earlier commit failed: restart to recover");
		return -1;
	}
	e->cnt[RONDA_CNT_WINDOW_EVICTED] = e->base_wevict +
	    (int64_t)ronda_window_evicted(e->win);
	e->cnt[RONDA_CNT_DEDUPE_EVICTED] = e->base_devict +
	    (int64_t)ronda_dedupe_evicted_cap(e->dd);
	e->now_wall = ronda_now_ms();
	ronda_window_expire(e->win, stream_cutoff, e);
	/* Stage campaigns: silences are found by the member that hears the site. */
	if (e->stage != RONDA_STAGE_CAMPAIGNS)
		silent_sites(e, e->now_wall);
	ronda_incidents_sweep(e->inc, incident_clock, e);
	e->cnt[RONDA_CNT_BATCHES]++;
	suppressions_refresh(e, e->now_wall, 0);
	if (ronda_store_begin(e->store) == -1)
		goto fail;
	if (ronda_store_dedupe_append(e->store, e->dd, e->dd_persisted) == -1 ||
	    ronda_store_dedupe_prune(e->store, ronda_dedupe_evicted_upto(e->dd)) == -1 ||
	    ronda_incidents_flush(e->inc, inc_put, e) == -1 ||
	    shares_apply(e) == -1)
		goto fail_tx;
	nc = newest_clock(e);
	if (e->camp != NULL && ronda_campaigns_commit(e->camp, ronda_store_db(e->store), nc,
	    e->now_wall, err, errlen) == -1) {
		ronda_store_rollback(e->store);
		e->commit_failed = 1;
		return -1;
	}
	part_floors(e, floor);
	for (int32_t i = 0; i < MAX_PARTS; i++) {
		struct part *p = &e->parts[i];
		struct ronda_store_offset o;
		/*
		 * A partition with nothing read since its assignment keeps its
		 * stored row: writing it would move its replay offset up to the
		 * next offset and lose the events its windows still need (a bug
		 * test_fault_store_full exposed: a restart that committed before
		 * every partition's replay had begun).
		 */
		if (!p->assigned || p->next == 0 || !p->seen)
			continue;
		/*
		 * Drop segments no window can still need: older than the horizon
		 * behind the slowest stream of the partition that still moves
		 * (a stream behind the partition's newest time keeps the events
		 * its windows need; one more than STREAM_LAG_MAX behind, a site
		 * gone quiet, is let go, else it would pin the replay forever).
		 */
		while (p->sn > 1 && floor[i] != WM_NONE &&
		    seg_at(p, 0)->max_ts < floor[i] - e->horizon) {
			p->shead = (p->shead + 1) % MAX_SEGS;
			p->sn--;
		}
		o.part = i;
		o.next_offset = p->next;
		/* Mid-replay the live watermark is still behind the stored one. */
		o.watermark = p->stored_wm != WM_NONE &&
		    (p->wm == WM_NONE || p->stored_wm > p->wm) ? p->stored_wm : p->wm;
		if (p->sn > 0) {
			o.replay_offset = seg_at(p, 0)->first_offset;
			o.replay_wm = seg_at(p, 0)->wm_at_start;
		} else {
			o.replay_offset = p->next;
			o.replay_wm = p->wm;
		}
		if (o.replay_offset > o.next_offset)
			o.replay_offset = o.next_offset;
		if (ronda_store_offset_put(e->store, topic, &o) == -1)
			goto fail_tx;
		if (e->stage == RONDA_STAGE_DETECT) {
			char *out = NULL, key[512];
			size_t len = 0;
			int rc = ronda_istream_position(topic, &o, &out, &len, key, sizeof(key));
			if (emit_put(e, rc, out, len, key) == -1)
				goto fail_tx;
		}
	}
	for (int c = 0; c < RONDA_CNT_N; c++)
		if (ronda_store_counter_put(e->store, cnt_names[c], e->cnt[c]) == -1)
			goto fail_tx;
	/*
	 * Guessers: written with the batch; forgotten a week past fleet_window
	 * behind the newest clock (the margin keeps an import of older logs of
	 * another site from finding them gone).
	 */
	if (ronda_actors_flush(e->actors, guesser_put, e) == -1)
		goto fail_tx;
	/* Once per hour of event time: the DELETE reads the whole table. */
	if (nc != WM_NONE && nc - e->guess_pruned >= 3600000LL) {
		int64_t before = nc - e->cfg->detectors.fleet_window - 7 * 86400000LL;
		ronda_actors_prune(e->actors, before);
		if (ronda_store_guesser_prune(e->store, before) == -1)
			goto fail_tx;
		e->guess_pruned = nc;
	}
	for (size_t b = 0; b < 4096; b++)
		for (struct site *s = e->sites[b]; s != NULL; s = s->next) {
			struct ronda_store_site row;
			if (s->heard) {
				s->events_heard = e->now_wall;
				s->dirty = 1;
			}
			if (!s->dirty || (s->clock == WM_NONE && s->last_heard == 0))
				continue;
			row = (struct ronda_store_site){ .id = s->id, .known = s->known,
			    .last_event = s->clock == WM_NONE ? 0 : s->clock,
			    .last_heard = s->last_heard, .late = s->late,
			    .events_heard = s->events_heard };
			if (ronda_store_site_put(e->store, &row) == -1)
				goto fail_tx;
			if (e->stage == RONDA_STAGE_DETECT) {
				char *out = NULL, key[512];
				size_t len = 0;
				int rc = ronda_istream_site(&row, s->hb_part, &out, &len, key,
				    sizeof(key));
				if (emit_put(e, rc, out, len, key) == -1)
					goto fail_tx;
			}
		}
	/* The stream first: a crash after it replays into the same records. */
	if (e->stage == RONDA_STAGE_DETECT && e->emit.flush != NULL &&
	    e->emit.flush(e->emit.arg, err, errlen) == -1) {
		ronda_store_rollback(e->store);
		e->commit_failed = 1;
		return -1;
	}
	if (ronda_store_commit(e->store) == -1)
		goto fail_tx;
	ronda_actors_flushed(e->actors);
	e->dd_persisted = ronda_dedupe_next_seq(e->dd);
	for (size_t b = 0; b < 4096; b++)
		for (struct site *s = e->sites[b]; s != NULL; s = s->next)
			s->heard = s->dirty = 0;
	for (int32_t i = 0; i < MAX_PARTS; i++)
		if (e->parts[i].assigned)
			e->parts[i].committed = e->parts[i].next > e->parts[i].committed ?
			    e->parts[i].next : e->parts[i].committed;
	e->pending = 0;
	return 0;
fail_tx:
	snprintf(err, errlen, "%s", ronda_store_errmsg(e->store));
	ronda_store_rollback(e->store);
	e->commit_failed = 1;
	return -1;
fail:
	snprintf(err, errlen, "%s", ronda_store_errmsg(e->store));
	e->commit_failed = 1;
	return -1;
}

int64_t
ronda_engine_counter(const struct ronda_engine *e, int c)
{
	return c >= 0 && c < RONDA_CNT_N ? e->cnt[c] : 0;
}

struct sqlite3 *
ronda_engine_db(struct ronda_engine *e)
{
	return ronda_store_db(e->store);
}

struct ronda_geo *
ronda_engine_geo(struct ronda_engine *e)
{
	return e->geo;
}

void
ronda_engine_window_stats(const struct ronda_engine *e, size_t *entries, size_t *bytes)
{
	*entries = ronda_window_entries(e->win);
	*bytes = ronda_window_bytes(e->win);
}
