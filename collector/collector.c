#include "collector.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agg.h"
#include "ckpt.h"
#include "cloak.h"
#include "conf.h"
#include "journal.h"
#include "marker.h"
#include "metrics.h"
#include "pipeline.h"
#include "ronda/log.h"
#include "ronda/rules.h"
#include "ronda/timeutil.h"
#include "sink.h"
#include "tail.h"
#include "webroot.h"

#define POLL_MS		10
#define PROGRESS_MS	250
#define BATCH_MAX	256		/* events handed to the sink per call */
#define BATCH_BYTES	(256 * 1024)	/* ... or fewer when their JSON reaches this */
#define QUEUE_HIGH	90000		/* stop reading at this many unconfirmed events */
#define JSON_MAX	(4 * 1024 * 1024)	/* an event's JSON at most (less if Kafka says so) */

struct ronda_collector {
	struct event_base *base;
	const struct ronda_collector_config *cfg;
	struct ronda_ckpt *ck;
	struct ronda_tail *tail;
	struct ronda_journal *journal;	/* NULL when no input is a journal */
	struct ronda_webroot *webroot;	/* NULL without webroots */
	struct ronda_markers *markers;	/* the web-root content markers, with webroot */
	struct ronda_sink *sink;
	struct ronda_ruleset *rules;
	struct ronda_agg *agg;
	struct ronda_pipeline *pipe;
	struct event *poll_ev;
	struct event *stats_ev;
	struct event *agg_ev;
	/*
	 * Events on their way to the sink, handed over BATCH_MAX at a time:
	 * their JSON and keys back to back in batch_buf, at the offsets in
	 * batch_off. Flushed when full, on every tail poll (so at the end of
	 * each read pass: no added latency) and on the poll tick. What the sink
	 * refused stays here, in order, and reading waits until it went.
	 */
	struct ronda_buf batch_buf;
	struct ronda_sink_msg batch[BATCH_MAX];
	size_t batch_off[BATCH_MAX][2];	/* payload, key offsets in batch_buf */
	size_t nbatch;
	int batch_stuck;	/* the sink refused some: flush before anything new */
	int once;
	int stopping;
	int progress;		/* draw a progress bar on stderr */
	int64_t last_progress;
	int64_t last_expire;	/* monotonic ms of the last state-DB expiry */
	int64_t now_ms;		/* wall clock, refreshed per poll: never an event's time */
	uint64_t sink_busy;	/* lines held back because the sink was full */
	size_t queued;		/* librdkafka's queue length when last asked */
	size_t since_queued;	/* messages produced since */
	uint64_t metrics_sent;
	uint64_t metrics_dropped;
	struct ronda_metrics *metrics_http;	/* /metrics, when configured */
};

/* ---- sink and tail glue ----------------------------------------------- */

_Static_assert(RONDA_JOURNAL_BUSY == RONDA_TAIL_BUSY &&
    RONDA_JOURNAL_DONE == RONDA_TAIL_DONE && RONDA_JOURNAL_PENDING == RONDA_TAIL_PENDING,
    "journal and tail callbacks answer alike");

static void
collector_on_delivered(void *arg, uint64_t ticket)
{
	struct ronda_collector *c = arg;

	if (RONDA_WEBROOT_IS_TICKET(ticket)) {
		if (c->webroot != NULL)
			ronda_webroot_ack(c->webroot, ticket);
	} else if (ticket & RONDA_JOURNAL_TICKET) {
		if (c->journal != NULL)
			ronda_journal_ack(c->journal, ticket);
	} else if (c->tail != NULL) {
		ronda_tail_ack(c->tail, ticket);
	}
}

/*
 * Hand the batch to the sink. 0 when all of it went, -1 when the sink refused
 * some (full): those stay, in order, for the next flush.
 */
static int
batch_flush(struct ronda_collector *c)
{
	size_t n = c->nbatch, good, kept = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		c->batch[i].payload = c->batch_buf.data + c->batch_off[i][0];
		c->batch[i].key = c->batch_buf.data + c->batch_off[i][1];
	}
	good = c->sink->produce_batch(c->sink, c->batch, n);
	c->since_queued += good;
	if (good == n) {
		c->nbatch = 0;
		c->batch_stuck = 0;
		ronda_buf_reset(&c->batch_buf);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!c->batch[i].refused)
			continue;
		c->batch[kept] = c->batch[i];
		c->batch_off[kept][0] = c->batch_off[i][0];
		c->batch_off[kept][1] = c->batch_off[i][1];
		kept++;
	}
	c->nbatch = kept;
	c->batch_stuck = 1;
	c->sink_busy++;
	return -1;
}

/*
 * Add the event the pipeline just appended to batch_buf at poff, with its
 * key, to the batch; -1 when the key does not fit (the event is dropped
 * from the buffer then).
 */
static int
batch_add(struct ronda_collector *c, size_t poff, struct ronda_str key, uint64_t ticket)
{
	struct ronda_sink_msg *m = &c->batch[c->nbatch];
	size_t koff = c->batch_buf.len;

	if (ronda_buf_append(&c->batch_buf, key.p, key.n) == -1) {
		c->batch_buf.len = poff;
		return -1;
	}
	m->keylen = key.n;
	m->len = koff - poff;
	m->ticket = ticket;
	m->refused = 0;
	c->batch_off[c->nbatch][0] = poff;
	c->batch_off[c->nbatch][1] = koff;
	c->nbatch++;
	return 0;
}

/*
 * One line of a file or entry of the journal through the pipeline into the
 * batch; answers RONDA_TAIL_* (the journal's answers are the same).
 */
static int
collector_emit(struct ronda_collector *c, size_t input,
    const struct ronda_pipeline_line *pl, uint64_t ticket)
{
	struct ronda_str key = RONDA_STR_NULL;
	size_t poff;
	int rc;

	if (c->stopping)
		return RONDA_TAIL_BUSY;
	if (c->batch_stuck && batch_flush(c) == -1)
		return RONDA_TAIL_BUSY;
	/*
	 * The sink may refuse (queue full): check room before the pipeline
	 * runs, so it (and the aggregates) see each line once. librdkafka's
	 * queue length takes a lock: ask every 256 lines and count what was
	 * produced since and what waits in the batch, an upper bound.
	 */
	if (c->since_queued >= 256) {
		c->queued = c->sink->queued(c->sink);
		c->since_queued = 0;
	}
	if (c->queued + c->since_queued + c->nbatch >= QUEUE_HIGH) {
		c->queued = c->sink->queued(c->sink);
		c->since_queued = 0;
		if (c->queued + c->nbatch >= QUEUE_HIGH) {
			c->sink_busy++;
			return RONDA_TAIL_BUSY;	/* the pass ends: its poll flushes the batch */
		}
	}
	/* The event is encoded straight into the batch, after its others. */
	poff = c->batch_buf.len;
	rc = ronda_pipeline_line(c->pipe, input, pl, c->now_ms, 0, &c->batch_buf, &key);
	if (rc <= 0)
		return RONDA_TAIL_DONE;	/* filtered, or an encode error (counted) */
	/*
	 * Refused by the sink later (full despite the check: aggregates share
	 * the queue), the event waits in the batch and reading pauses until it
	 * went; its line stays unconfirmed meanwhile.
	 */
	if (batch_add(c, poff, key, ticket) == -1) {
		/*
		 * Out of memory only (the cap holds a full batch and one more
		 * event of JSON_MAX and its key): keep the line and try it again
		 * later rather than lose it; its aggregates may count it twice.
		 */
		c->sink_busy++;
		return RONDA_TAIL_BUSY;
	}
	if (c->nbatch == BATCH_MAX || c->batch_buf.len >= BATCH_BYTES)
		batch_flush(c);
	return RONDA_TAIL_PENDING;
}

static int
collector_on_line(void *arg, const struct ronda_tail_line *l)
{
	struct ronda_pipeline_line pl;

	pl.p = l->p;
	pl.n = l->n;
	pl.offset = l->offset;
	pl.truncated = (l->flags & RONDA_TAIL_TRUNCATED) != 0;
	pl.path = l->path;
	pl.dev = l->dev;
	pl.ino = l->ino;
	pl.fp = l->fp;
	pl.mtime_ms = l->mtime_ms;
	pl.fields = NULL;
	return collector_emit(arg, l->input, &pl, l->ticket);
}

/*
 * A journal entry: already split into fields, which the pipeline takes as
 * they are; the syslog line written from them is event.original. Its
 * identity (sequence number id and number) stands where a file's (device,
 * inode, fingerprint, offset) does, for a stable event.id.
 */
static int
collector_on_entry(void *arg, const struct ronda_journal_entry *e)
{
	struct ronda_pipeline_fields f;
	struct ronda_pipeline_line pl;

	f.dataset = "auth.journal";
	f.ts_ms = e->ts_ms;
	f.log_host = e->host;
	f.program = e->program;
	f.message = e->message;
	f.pid = e->pid;
	memset(&pl, 0, sizeof(pl));
	pl.p = e->p;
	pl.n = e->n;
	pl.offset = e->seqnum;
	pl.truncated = (e->flags & RONDA_JOURNAL_TRUNCATED) != 0;
	pl.path = e->source;
	pl.dev = e->seqnum_id_hi;
	pl.ino = e->seqnum_id_lo;
	pl.fp = RONDA_JOURNAL_ID_TAG;
	pl.fields = &f;
	return collector_emit(arg, e->input, &pl, e->ticket);
}

/* Between lines and at the end of each read pass: hand over the batch, serve confirmations. */
static void
collector_on_tail_poll(void *arg)
{
	struct ronda_collector *c = arg;

	batch_flush(c);
	c->sink->poll(c->sink);
}

static void
agg_on_emit(void *arg, const struct ronda_event *ev)
{
	struct ronda_collector *c = arg;
	struct ronda_buf b;

	ronda_buf_init(&b, 2 * 1024 * 1024);
	if (ronda_event_to_json(ev, &b) == 0 &&
	    c->sink->produce(c->sink, ev->site, strlen(ev->site), b.data, b.len,
	    RONDA_SINK_NO_TICKET) == 0)
		c->metrics_sent++;
	else
		c->metrics_dropped++;
	ronda_buf_release(&b);
}

static void
agg_on_heartbeat(void *arg, struct ronda_buf *b)
{
	struct ronda_collector *c = arg;
	struct ronda_tail_stats st;

	ronda_tail_stats(c->tail, &st);
	ronda_buf_printf(b, "\"host\":");
	ronda_buf_json_str(b, c->cfg->host_name, strlen(c->cfg->host_name));
	ronda_buf_printf(b, ",\"files\":%zu,\"lag_bytes\":%llu,\"inflight\":%llu,"
	    "\"lines\":%llu", st.files, (unsigned long long)st.behind,
	    (unsigned long long)st.inflight, (unsigned long long)st.lines);
}

/*
 * A web-root event: straight to the sink (they are few; the tailer's batch
 * is for lines). -1 when the sink is full: the watcher holds it and waits.
 */
static int
webroot_on_emit(void *arg, const char *key, size_t keylen, const char *json, size_t len,
    uint64_t ticket)
{
	struct ronda_collector *c = arg;

	if (c->stopping || c->sink->produce(c->sink, key, keylen, json, len, ticket) == -1)
		return -1;
	c->since_queued++;
	return 0;
}

/* ---- timers ----------------------------------------------------------- */

static void
draw_progress(struct ronda_collector *c, int final)
{
	uint64_t done, total;
	int pct, bars;
	char bar[41];

	ronda_tail_progress(c->tail, &done, &total);
	pct = total > 0 ? (int)(done * 100 / total) : 100;
	if (final)
		pct = 100;
	bars = pct * 40 / 100;
	memset(bar, '#', (size_t)bars);
	memset(bar + bars, '.', (size_t)(40 - bars));
	bar[40] = '\0';
	fprintf(stderr, "\r[%s] %3d%%  %llu lines%s", bar, pct,
	    (unsigned long long)ronda_pipeline_stats(c->pipe)->lines,
	    final ? "\n" : "");
	fflush(stderr);
}

static void
collector_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_collector *c = arg;

	(void)fd;
	(void)what;
	c->now_ms = ronda_now_ms();
	c->sink->poll(c->sink);
	batch_flush(c);
	ronda_tail_kick(c->tail);
	if (c->journal != NULL)
		ronda_journal_kick(c->journal);
	ronda_webroot_kick(c->webroot);
	if (c->progress && ronda_mono_ms() - c->last_progress >= PROGRESS_MS) {
		c->last_progress = ronda_mono_ms();
		draw_progress(c, 0);
	}
	if (c->once && ronda_collector_done(c)) {
		ronda_tail_checkpoint(c->tail);
		if (c->journal != NULL)
			ronda_journal_checkpoint(c->journal);
		if (c->progress)
			draw_progress(c, 1);
		event_base_loopbreak(c->base);
	}
}

/*
 * Rows of files read to the end are kept 30 days, then dropped, so the state
 * DB does not grow by one row per rotation forever. Dropping them is safe: a
 * generation is only looked up when it changed after the last checkpoint,
 * and a file finished 30 days ago has not.
 */
#define CKPT_KEEP_MS (INT64_C(30) * 86400 * 1000)
#define CKPT_EXPIRE_EVERY_MS (INT64_C(3600) * 1000)

static void
collector_on_stats(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_collector *c = arg;

	(void)fd;
	(void)what;
	ronda_collector_log_stats(c);
	if (ronda_mono_ms() - c->last_expire >= CKPT_EXPIRE_EVERY_MS) {
		c->last_expire = ronda_mono_ms();
		if (ronda_ckpt_expire(c->ck, ronda_now_ms() - CKPT_KEEP_MS) == -1)
			log_warnx("%s: dropping old file rows failed: %s", c->cfg->state_db,
			    ronda_ckpt_errmsg(c->ck));
	}
}

static void
collector_on_agg(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_collector *c = arg;

	(void)fd;
	(void)what;
	ronda_agg_tick(c->agg, ronda_now_ms(), ronda_mono_ms());
}

void
ronda_collector_log_stats(struct ronda_collector *c)
{
	const struct ronda_pipeline_stats *ps = ronda_pipeline_stats(c->pipe);
	struct ronda_tail_stats ts;
	struct rusage ru;
	uint64_t ch, cm;

	ronda_tail_stats(c->tail, &ts);
	ronda_rules_cache_stats(c->rules, &ch, &cm);
	getrusage(RUSAGE_SELF, &ru);
	log_info("stats: lines %llu, events %llu (rule hits %llu, auth %llu), filtered "
	    "%llu, parse errors %llu, untimed %llu, cut %llu, delivered %llu, kafka "
	    "queue %zu, in flight %llu, behind %llu bytes in %zu files, rotations "
	    "%llu, metrics %llu, rule cache %llu/%llu, max rss %ld KiB, held back %llu",
	    (unsigned long long)ps->lines, (unsigned long long)ps->forwarded,
	    (unsigned long long)ps->rule_hits, (unsigned long long)ps->auth_actions,
	    (unsigned long long)ps->filtered, (unsigned long long)ps->parse_errors,
	    (unsigned long long)ps->untimed, (unsigned long long)ps->truncated,
	    (unsigned long long)c->sink->delivered, c->sink->queued(c->sink),
	    (unsigned long long)ts.inflight, (unsigned long long)ts.behind, ts.files,
	    (unsigned long long)ts.rotations, (unsigned long long)c->metrics_sent,
	    (unsigned long long)ch, (unsigned long long)(ch + cm), ru.ru_maxrss,
	    (unsigned long long)c->sink_busy);
	if (c->journal != NULL) {
		struct ronda_journal_stats js;
		ronda_journal_stats(c->journal, &js);
		log_info("stats: journal: entries %llu, cut %llu, in flight %llu, cursor "
		    "saves %llu, cursor lost %llu, files changed %llu, read errors %llu, "
		    "checkpoint errors %llu", (unsigned long long)js.entries,
		    (unsigned long long)js.truncated, (unsigned long long)js.inflight,
		    (unsigned long long)js.cursor_saves, (unsigned long long)js.cursor_lost,
		    (unsigned long long)js.invalidations, (unsigned long long)js.read_errors,
		    (unsigned long long)js.ckpt_errors);
	}
	{
		const struct ronda_cloak_stats *cs = ronda_pipeline_cloak_stats(c->pipe);
		if (cs != NULL && (cs->bot > 0 || cs->browser > 0))
			log_info("stats: cloak: browser answers %llu, crawler answers %llu, "
			    "compared %llu, urls evicted %llu, sites %llu, out of memory %llu",
			    (unsigned long long)cs->browser, (unsigned long long)cs->bot,
			    (unsigned long long)cs->attached, (unsigned long long)cs->evictions,
			    (unsigned long long)cs->sites, (unsigned long long)cs->nomem);
	}
	if (c->webroot != NULL) {
		struct ronda_webroot_stats ws;
		ronda_webroot_stats(c->webroot, &ws);
		log_info("stats: webroot: roots %llu (baselined %llu), files baselined %llu, "
		    "hashed %llu (%llu bytes), changes sent %llu (confirmed %llu, with markers "
		    "%llu), unreadable %llu, symlinks skipped %llu, watches %llu, watch limit "
		    "hits %llu, folders unwatched %llu, scans %llu (last %llu ms), overflows "
		    "%llu, checks dropped %llu, in flight %llu, db errors %llu",
		    (unsigned long long)ws.roots, (unsigned long long)ws.roots_baselined,
		    (unsigned long long)ws.files_baselined, (unsigned long long)ws.files_hashed,
		    (unsigned long long)ws.bytes_hashed, (unsigned long long)ws.changes_sent,
		    (unsigned long long)ws.changes_confirmed, (unsigned long long)ws.marker_hits,
		    (unsigned long long)ws.unreadable, (unsigned long long)ws.symlinks_skipped,
		    (unsigned long long)ws.watches, (unsigned long long)ws.watch_limit_hits,
		    (unsigned long long)ws.folders_unwatched, (unsigned long long)ws.scans,
		    (unsigned long long)ws.scan_ms_last, (unsigned long long)ws.overflows,
		    (unsigned long long)ws.checks_dropped, (unsigned long long)ws.inflight,
		    (unsigned long long)ws.db_errors);
	}
	if (ronda_log_level() >= RONDA_LOG_DEBUG)
		ronda_tail_log_files(c->tail);
}

void
ronda_collector_stats(struct ronda_collector *c, struct ronda_collector_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pipe = *ronda_pipeline_stats(c->pipe);
	ronda_tail_stats(c->tail, &st->tail);
	if (c->journal != NULL)
		ronda_journal_stats(c->journal, &st->journal);
	ronda_webroot_stats(c->webroot, &st->webroot);
	st->kafka_sent = c->sink->sent;
	st->kafka_delivered = c->sink->delivered;
	st->kafka_retried = c->sink->retried;
	st->kafka_full = c->sink->full;
	st->kafka_errors = c->sink->errors;
	st->kafka_queue = c->sink->queued(c->sink);
	st->aggregates_sent = c->metrics_sent;
}

/* ---- lifecycle -------------------------------------------------------- */

/*
 * The compiled rule databases are cached beside the state DB, in a folder
 * only this user can write (created 0700); NULL when there is none.
 */
static char *
rules_cache_dir(const struct ronda_collector_config *cfg)
{
	char *tmp, *dir = NULL;
	const char *base;

	if (cfg->rules_cache != NULL) {
		if (mkdir(cfg->rules_cache, 0700) == -1 && errno != EEXIST)
			return NULL;
		return strdup(cfg->rules_cache);
	}
	if (cfg->state_db == NULL || strncmp(cfg->state_db, "/dev/", 5) == 0 ||
	    (tmp = strdup(cfg->state_db)) == NULL)
		return NULL;
	base = dirname(tmp);
	if (asprintf(&dir, "%s/rules-cache", base) == -1)
		dir = NULL;
	free(tmp);
	if (dir != NULL && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		free(dir);
		dir = NULL;
	}
	return dir;
}

static struct ronda_ruleset *
load_rules(const struct ronda_collector_config *cfg, char *err, size_t errlen)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_ruleset *rs;
	char *cache = rules_cache_dir(cfg);

	rs = ronda_rules_load_cached(&cfg->rules, cache, &errs);
	free(cache);
	if (rs == NULL) {
		snprintf(err, errlen, "%s%s", errs.n > 0 ? errs.v[0] : "rules: cannot load",
		    errs.n > 1 ? " (and more: run --check-config)" : "");
	}
	ronda_cfg_errors_free(&errs);
	return rs;
}

/*
 * The web-root content markers (webroot.markers, or the shipped ones),
 * compiled databases cached beside the rules'.
 */
static struct ronda_markers *
load_markers(const struct ronda_collector_config *cfg, char *err, size_t errlen)
{
	struct ronda_cfg_errors errs = { 0 };
	char *cache = rules_cache_dir(cfg);
	struct ronda_markers *m = ronda_markers_load_cached(&cfg->webroot.markers, cache,
	    &errs);

	free(cache);

	if (m == NULL)
		snprintf(err, errlen, "%s%s", errs.n > 0 ? errs.v[0] :
		    "webroot.markers: cannot load", errs.n > 1 ?
		    " (and more: run --check-config)" : "");
	ronda_cfg_errors_free(&errs);
	return m;
}

struct ronda_collector *
ronda_collector_new(struct event_base *base, const struct ronda_collector_config *cfg,
    int once, char *err, size_t errlen)
{
	struct ronda_collector *c;
	struct ronda_sink_cb cb;
	struct ronda_tail_ops tops = { collector_on_line, collector_on_tail_poll };
	struct ronda_journal_ops jops = { collector_on_entry, collector_on_tail_poll };
	struct ronda_agg_ops aops = { agg_on_emit, agg_on_heartbeat };
	struct ronda_webroot_ops wops = { webroot_on_emit, NULL };
	struct timeval tv;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->base = base;
	c->cfg = cfg;
	c->once = once;
	c->now_ms = ronda_now_ms();
	c->progress = once && isatty(STDERR_FILENO);
	/*
	 * A full batch, then one more event of JSON_MAX and its key (the site
	 * id or an address, never longer than the event that contains it).
	 */
	ronda_buf_init(&c->batch_buf, BATCH_BYTES + 2 * JSON_MAX + 1024);

	if ((c->rules = load_rules(cfg, err, errlen)) == NULL)
		goto fail;
	if ((c->agg = ronda_agg_new(cfg, &aops, c)) == NULL ||
	    (c->pipe = ronda_pipeline_new(cfg, c->rules, c->agg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((c->ck = ronda_ckpt_open(cfg->state_db, err, errlen)) == NULL)
		goto fail;
	cb.on_delivered = collector_on_delivered;
	cb.arg = c;
	c->sink = ronda_sink_kafka_new(cfg->kafka.brokers, cfg->kafka.topic,
	    &cfg->kafka.properties, &cb, err, errlen);
	if (c->sink == NULL)
		goto fail;
	ronda_pipeline_set_event_max(c->pipe, c->sink->max_message > 0 &&
	    c->sink->max_message < JSON_MAX ? c->sink->max_message : JSON_MAX);
	if ((c->tail = ronda_tail_new(base, cfg, c->ck, &tops, c, once, err,
	    errlen)) == NULL)
		goto fail;
	if (ronda_journal_inputs(cfg) > 0 && (c->journal = ronda_journal_new(base, cfg,
	    c->ck, &jops, c, once, err, errlen)) == NULL)
		goto fail;
	if (cfg->webroots.n > 0) {
		if ((c->markers = load_markers(cfg, err, errlen)) == NULL ||
		    (c->webroot = ronda_webroot_new(base, cfg, c->markers, &wops, c, once, err,
		    errlen)) == NULL)
			goto fail;
		log_info("webroot: watching %zu web roots with %zu content markers",
		    cfg->webroots.n, ronda_markers_count(c->markers));
	}

	c->poll_ev = event_new(base, -1, EV_PERSIST, collector_on_poll, c);
	c->stats_ev = event_new(base, -1, EV_PERSIST, collector_on_stats, c);
	c->agg_ev = event_new(base, -1, EV_PERSIST, collector_on_agg, c);
	if (c->poll_ev == NULL || c->stats_ev == NULL || c->agg_ev == NULL) {
		snprintf(err, errlen, "cannot create timers");
		goto fail;
	}
	tv.tv_sec = 0;
	tv.tv_usec = POLL_MS * 1000;
	event_add(c->poll_ev, &tv);
	tv.tv_sec = cfg->stats_interval / 1000;
	tv.tv_usec = (cfg->stats_interval % 1000) * 1000;
	event_add(c->stats_ev, &tv);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	event_add(c->agg_ev, &tv);
	/*
	 * The first heartbeat at once: a --once import may be done within
	 * the first second, and its sites would never have been heard.
	 */
	ronda_agg_tick(c->agg, ronda_now_ms(), ronda_mono_ms());
	if (cfg->metrics.listen != NULL && cfg->metrics.listen[0] != '\0') {
		if ((c->metrics_http = ronda_metrics_new(base, cfg->metrics.listen, c, err,
		    errlen)) == NULL)
			goto fail;
		log_info("metrics: serving /metrics on %s",
		    ronda_metrics_address(c->metrics_http));
	}
	return c;
fail:
	ronda_collector_free(c, 0);
	return NULL;
}

int
ronda_collector_done(const struct ronda_collector *c)
{
	return ronda_tail_idle(c->tail) && (c->journal == NULL ||
	    ronda_journal_idle(c->journal)) && ronda_webroot_idle(c->webroot) &&
	    c->sink->queued(c->sink) == 0;
}

int
ronda_collector_failed(struct ronda_collector *c, char *err, size_t errlen)
{
	return c->sink->fatal(c->sink, err, errlen);
}

size_t
ronda_collector_free(struct ronda_collector *c, int timeout_ms)
{
	size_t left = 0;
	int64_t deadline;

	if (c == NULL)
		return 0;
	c->stopping = 1;
	ronda_metrics_free(c->metrics_http);
	if (c->poll_ev != NULL)
		event_free(c->poll_ev);
	if (c->stats_ev != NULL)
		event_free(c->stats_ev);
	if (c->agg_ev != NULL)
		event_free(c->agg_ev);
	if (c->sink != NULL) {
		if (c->agg != NULL && c->tail != NULL)
			ronda_agg_flush(c->agg);
		/* Let Kafka confirm what is in flight, so checkpoints move. */
		deadline = ronda_mono_ms() + timeout_ms;
		while (batch_flush(c) == -1 && ronda_mono_ms() < deadline)
			c->sink->flush(c->sink, 100);
		while (c->sink->queued(c->sink) > 0 && ronda_mono_ms() < deadline)
			c->sink->flush(c->sink, 100);
		c->sink->poll(c->sink);
		/* Events the sink never took (it stayed full) are unconfirmed too. */
		left = c->sink->queued(c->sink) + c->nbatch;
	}
	/* Before the sink goes: the rows of what Kafka confirmed are written. */
	ronda_webroot_free(c->webroot);
	c->webroot = NULL;
	ronda_markers_free(c->markers);
	c->markers = NULL;
	ronda_tail_free(c->tail);	/* writes the final checkpoints */
	c->tail = NULL;
	ronda_journal_free(c->journal);	/* and the journal cursors */
	c->journal = NULL;
	if (c->sink != NULL)
		c->sink->free(c->sink);
	ronda_ckpt_free(c->ck);
	ronda_pipeline_free(c->pipe);
	ronda_agg_free(c->agg);
	ronda_rules_free(c->rules);
	ronda_buf_release(&c->batch_buf);
	free(c);
	return left;
}

/* ---- --explain -------------------------------------------------------- */

static int
explain_stream(struct ronda_pipeline *pipe, FILE *fp, const char *name,
    size_t max_line, struct ronda_buf *out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t off = 0, name_fp = ronda_hash64(name, strlen(name), 1);
	int64_t now = ronda_now_ms(), mtime = 0;
	struct stat sb;

	/* As when tailed: the file's time is the year of RFC 3164 lines (a pipe has none). */
	if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode))
		mtime = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;

	while ((n = getline(&line, &cap, fp)) != -1) {
		struct ronda_pipeline_line pl;
		struct ronda_str key;
		size_t len = (size_t)n;

		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		memset(&pl, 0, sizeof(pl));
		pl.p = line;
		pl.n = len > max_line ? max_line : len;
		pl.truncated = len > max_line;
		pl.offset = off;
		pl.path = name;
		pl.fp = name_fp;
		pl.mtime_ms = mtime;
		ronda_buf_reset(out);
		if (ronda_pipeline_line(pipe, 0, &pl, now, 1, out, &key) == 1) {
			fwrite(out->data, 1, out->len, stdout);
		} else {
			/* Could not encode (cap): still one line of output per input line. */
			fputs("{\"ronda\":{\"error\":\"event too large to encode\"}}", stdout);
		}
		fputc('\n', stdout);
		off += (uint64_t)n;
	}
	free(line);
	return ferror(fp) ? -1 : 0;
}

int
ronda_collector_explain(const struct ronda_collector_config *cfg, char *const *paths,
    size_t n, char *err, size_t errlen)
{
	struct ronda_ruleset *rules;
	struct ronda_pipeline *pipe;
	struct ronda_buf out;
	int rc = 0;

	if ((rules = load_rules(cfg, err, errlen)) == NULL)
		return -1;
	if ((pipe = ronda_pipeline_new(cfg, rules, NULL)) == NULL) {
		ronda_rules_free(rules);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ronda_buf_init(&out, 16 * 1024 * 1024);
	if (n == 0) {
		rc = explain_stream(pipe, stdin, "-", (size_t)cfg->max_line, &out);
	} else {
		for (size_t i = 0; i < n && rc == 0; i++) {
			FILE *fp = fopen(paths[i], "r");
			if (fp == NULL) {
				snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
				rc = -1;
				break;
			}
			rc = explain_stream(pipe, fp, paths[i], (size_t)cfg->max_line, &out);
			if (rc == -1)
				snprintf(err, errlen, "%s: read error", paths[i]);
			fclose(fp);
		}
	}
	fflush(stdout);
	ronda_buf_release(&out);
	ronda_pipeline_free(pipe);
	ronda_rules_free(rules);
	return rc;
}

int
ronda_collector_check_rules(const struct ronda_collector_config *cfg,
    struct ronda_cfg_errors *errs)
{
	char *cache = rules_cache_dir(cfg);
	struct ronda_ruleset *rs = ronda_rules_load_cached(&cfg->rules, cache, errs);
	struct ronda_markers *m = NULL;

	/* The web-root markers are part of the configuration too. */
	if (cfg->webroots.n > 0 && (m = ronda_markers_load_cached(&cfg->webroot.markers,
	    cache, errs)) == NULL) {
		free(cache);
		ronda_rules_free(rs);
		return -1;
	}
	free(cache);
	ronda_markers_free(m);
	if (rs == NULL)
		return -1;
	ronda_rules_free(rs);
	return 0;
}
