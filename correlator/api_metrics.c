/*
 * api_metrics.c — /metrics of the correlator in Prometheus text format: the
 * counters the consumer thread published with its last batch commit (so they
 * equal the store's `counters` table), its live gauges (lag, window state),
 * and gauges counted in the store by the API thread's read-only connection
 * (open incidents, active campaigns, alerts pending per sink, and per site
 * its late events and how long since its collector was heard).
 */
#include "api.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "alertd.h"
#include "ronda/buf.h"
#include "ronda/prom.h"
#include "ronda/timeutil.h"

/*
 * Sites given series of their own per scrape: the sites table grows with
 * every organization.id heard (the engine caps it far higher), and each
 * site costs a series in every scrape. Known sites first; the rest is
 * counted in ronda_site_series_omitted.
 */
#define METRICS_SITES_MAX 1000

struct counter_family {
	int cnt;
	const char *name;
	const char *help;
};

static const struct counter_family counters[] = {
	{ RONDA_CNT_EVENTS, "ronda_events_consumed_total",
	  "Events applied to the store (duplicates and rejected messages not included)." },
	{ RONDA_CNT_DUPLICATES, "ronda_duplicates_dropped_total",
	  "Events dropped because their event.id was already seen." },
	{ RONDA_CNT_DLQ, "ronda_dlq_messages_total",
	  "Rejected messages copied to the dead-letter topic." },
	{ RONDA_CNT_LATE, "ronda_late_events_total",
	  "Events older than their stream's newest event time minus allowed_lateness." },
	{ RONDA_CNT_FUTURE, "ronda_future_events_clamped_total",
	  "Events more than max_future ahead of their site's clock, held out of it until a second confirms." },
	{ RONDA_CNT_GAP, "ronda_offset_gaps_total",
	  "Offsets skipped by the broker (e.g. retention dropped unread messages)." },
	{ RONDA_CNT_WINDOW_EVICTED, "ronda_window_evictions_total",
	  "Window entries evicted by the windows.max_entries/max_bytes caps." },
	{ RONDA_CNT_DEDUPE_EVICTED, "ronda_dedupe_evictions_total",
	  "Event ids forgotten early by the dedupe.max_ids cap." },
	{ RONDA_CNT_UNKNOWN_SITE, "ronda_unknown_site_events_total",
	  "Events from sites not in the sites list." },
	{ RONDA_CNT_HOST_MISMATCH, "ronda_site_host_mismatch_total",
	  "Events whose host.name is not among their site's configured hosts." },
	{ RONDA_CNT_METRICS, "ronda_metric_events_total",
	  "Per-site aggregate (ronda.metrics) events applied." },
	{ RONDA_CNT_BATCHES, "ronda_batches_total",
	  "Batches committed to the store (each with its Kafka offsets)." },
};

/* count(*) of sql with an optional text parameter; -1 on error. */
static int64_t
count(sqlite3 *db, const char *sql, const char *param)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (param != NULL && sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	return n;
}

/*
 * A site id as a label value: prom.c escapes backslash, quote and newline;
 * an id is the sender's claim, so other control characters and bytes that
 * are not UTF-8 (the format wants UTF-8) become the text \xHH here.
 */
static void
label_value(char *out, size_t outlen, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0;

	while (i < n && o + 5 < outlen) {
		size_t l = p[i] < 0x80 ? 1 : ronda_utf8_seq_len(p + i, n - i);
		if (l == 0 || (l == 1 && ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f))) {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (o + l >= outlen)
			break;
		memcpy(out + o, p + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
}

/*
 * Per site, from the store: its late events (event time: too late for its
 * stream's windows) and the seconds since the correlator last heard its
 * collector (processing time, this scrape's clock; absent for a site never
 * heard). 0 / -1.
 */
static int
site_metrics(struct ronda_buf *b, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	char label[4 * 256 + 8];
	int64_t now = ronda_now_ms(), total, shown = 0;
	int rc = -1, step;

	total = count(db, "SELECT count(*) FROM sites", NULL);
	if (total < 0 || sqlite3_prepare_v2(db, "SELECT id, late, last_heartbeat FROM sites"
	    " ORDER BY known DESC, late DESC, id LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int(st, 1, METRICS_SITES_MAX);
	ronda_prom_family(b, "ronda_site_late_events_total", "counter",
	    "Events of the site too late for their stream's windows, from the store.");
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		label_value(label, sizeof(label), id != NULL ? id : "");
		ronda_prom_sample(b, "ronda_site_late_events_total", "site", label,
		    sqlite3_column_int64(st, 1));
		shown++;
	}
	if (step != SQLITE_DONE)
		goto out;
	sqlite3_reset(st);
	ronda_prom_family(b, "ronda_site_heard_age_seconds", "gauge",
	    "Seconds since the correlator last heard the site's collector (its own clock).");
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		int64_t heard = sqlite3_column_int64(st, 2);
		if (heard <= 0)
			continue;
		label_value(label, sizeof(label), id != NULL ? id : "");
		ronda_prom_sample_f(b, "ronda_site_heard_age_seconds", "site", label,
		    now > heard ? (double)(now - heard) / 1000.0 : 0.0);
	}
	if (step != SQLITE_DONE)
		goto out;
	ronda_prom_one(b, "ronda_site_series_omitted", "gauge",
	    "Sites left out of the per-site series (over the per-scrape cap).",
	    total > shown ? total - shown : 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
ronda_api_metrics_write(struct ronda_buf *b, const struct ronda_api_stats *st,
    sqlite3 *db, const char *const *sinks)
{
	int64_t open_inc, active_camp, pending;
	int rc = 0;

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		ronda_prom_one(b, counters[i].name, "counter", counters[i].help,
		    st->counters[counters[i].cnt]);
	ronda_prom_family(b, "ronda_events_rejected_total", "counter",
	    "Messages rejected before processing, by reason.");
	ronda_prom_sample(b, "ronda_events_rejected_total", "reason", "not_json",
	    st->counters[RONDA_CNT_NOT_JSON]);
	ronda_prom_sample(b, "ronda_events_rejected_total", "reason", "schema",
	    st->counters[RONDA_CNT_SCHEMA]);
	ronda_prom_sample(b, "ronda_events_rejected_total", "reason", "too_large",
	    st->counters[RONDA_CNT_TOO_LARGE]);
	ronda_prom_one(b, "ronda_window_entries", "gauge",
	    "Keys held in the detectors' sliding windows.", st->window_entries);
	ronda_prom_one(b, "ronda_window_bytes", "gauge",
	    "Memory held by the window state.", st->window_bytes);
	ronda_prom_one(b, "ronda_consumer_partitions", "gauge",
	    "Partitions assigned to this correlator.", st->partitions);
	if (st->lag >= 0)
		ronda_prom_one(b, "ronda_consumer_lag_messages", "gauge",
		    "Messages between the consumer's position and the high watermarks "
		    "(absent while unknown).", st->lag);
	ronda_prom_one(b, "ronda_commits_total", "counter",
	    "Batch commits by this process.", st->commits);
	ronda_prom_family(b, "ronda_last_commit_timestamp_seconds", "gauge",
	    "Wall clock of the last batch commit by this process (0 none yet).");
	ronda_prom_sample_f(b, "ronda_last_commit_timestamp_seconds", NULL, NULL,
	    (double)st->last_commit / 1000.0);

	open_inc = count(db, "SELECT count(*) FROM incidents WHERE status != 'closed'", NULL);
	active_camp = count(db, "SELECT count(*) FROM campaigns WHERE status = 'active'",
	    NULL);
	if (open_inc >= 0)
		ronda_prom_one(b, "ronda_incidents_open", "gauge",
		    "Incidents not closed (open or reopened), from the store.", open_inc);
	if (active_camp >= 0)
		ronda_prom_one(b, "ronda_campaigns_active", "gauge",
		    "Campaigns with status active, from the store.", active_camp);
	if (open_inc < 0 || active_camp < 0 || site_metrics(b, db) == -1)
		rc = -1;
	ronda_prom_family(b, "ronda_alerts_pending", "gauge",
	    "Alerts in the outbox after the last one this sink confirmed.");
	for (size_t i = 0; sinks != NULL && sinks[i] != NULL; i++) {
		/* The dispatcher's own count: a sink added later starts at its marker. */
		pending = count(db, RONDA_ALERTD_PENDING_SQL, sinks[i]);
		if (pending < 0)
			rc = -1;
		else
			ronda_prom_sample(b, "ronda_alerts_pending", "sink", sinks[i], pending);
	}
	return rc;
}
