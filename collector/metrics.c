/*
 * metrics.c — /metrics of ronda-collector (Prometheus text format 0.0.4),
 * read from the same counters as the periodic "stats:" log line. The
 * handler runs on the collector's loop and only copies counters: it never
 * blocks tailing or delivery.
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "collector.h"
#include "ronda/buf.h"
#include "ronda/httpd.h"
#include "ronda/prom.h"

#define METRICS_MAX_REQUEST 8192
#define METRICS_TIMEOUT_MS 10000
#define METRICS_MAX_CONNECTIONS 32

struct ronda_metrics {
	struct ronda_collector *c;
	struct ronda_httpd *httpd;
	uint64_t scrapes;
};

static void
counter(struct ronda_buf *b, const char *name, const char *help, uint64_t v)
{
	ronda_prom_one(b, name, "counter", help, (int64_t)v);
}

static void
gauge(struct ronda_buf *b, const char *name, const char *help, uint64_t v)
{
	ronda_prom_one(b, name, "gauge", help, (int64_t)v);
}

static void
render(struct ronda_metrics *m, struct ronda_buf *b)
{
	struct ronda_collector_stats st;

	ronda_collector_stats(m->c, &st);
	counter(b, "ronda_collector_lines_read_total", "Log lines read from the inputs.",
	    st.tail.lines);
	counter(b, "ronda_collector_bytes_read_total", "Bytes read from the inputs.",
	    st.tail.bytes);
	counter(b, "ronda_collector_events_total",
	    "Lines turned into events and handed to Kafka (forward: events or all).",
	    st.pipe.forwarded);
	counter(b, "ronda_collector_lines_filtered_total",
	    "Lines read but not forwarded (forward: events and nothing matched).",
	    st.pipe.filtered);
	counter(b, "ronda_collector_rule_hits_total", "Lines that matched a detection rule.",
	    st.pipe.rule_hits);
	counter(b, "ronda_collector_parse_errors_total",
	    "Lines the web or auth parser could not read.", st.pipe.parse_errors);
	counter(b, "ronda_collector_lines_untimed_total",
	    "Lines without a time and no earlier timed line of their file: set aside.",
	    st.pipe.untimed);
	counter(b, "ronda_collector_lines_truncated_total",
	    "Lines (and journal entries) longer than max_line, cut and flagged.",
	    st.tail.truncated + st.journal.truncated);
	counter(b, "ronda_collector_aggregate_events_total",
	    "Per-site aggregate (ronda.metrics) events sent.", st.aggregates_sent);
	counter(b, "ronda_collector_kafka_messages_sent_total",
	    "Messages queued to Kafka (events and aggregates).", st.kafka_sent);
	counter(b, "ronda_collector_kafka_messages_confirmed_total",
	    "Messages Kafka confirmed (their lines may be checkpointed).", st.kafka_delivered);
	ronda_prom_family(b, "ronda_collector_kafka_errors_total", "counter",
	    "Kafka errors: failed deliveries (resent) and client errors (broker down, ...).");
	ronda_prom_sample(b, "ronda_collector_kafka_errors_total", "kind", "delivery",
	    (int64_t)st.kafka_retried);
	ronda_prom_sample(b, "ronda_collector_kafka_errors_total", "kind", "client",
	    (int64_t)st.kafka_errors);
	counter(b, "ronda_collector_kafka_queue_full_total",
	    "Produce calls refused because librdkafka's queue was full (reading paused).",
	    st.kafka_full);
	gauge(b, "ronda_collector_kafka_queue_messages",
	    "Messages queued in librdkafka and not yet confirmed.", st.kafka_queue);
	gauge(b, "ronda_collector_files_tailed", "Log files open now.", st.tail.files);
	gauge(b, "ronda_collector_lines_in_flight",
	    "Lines sent and not yet confirmed by Kafka.", st.tail.inflight);
	gauge(b, "ronda_collector_bytes_behind",
	    "Bytes written to the open files and not read yet.", st.tail.behind);
	counter(b, "ronda_collector_rotations_total",
	    "Rotations seen (rename and copytruncate).", st.tail.rotations);
	counter(b, "ronda_collector_checkpoint_errors_total",
	    "Failed checkpoint writes to the state DB.",
	    st.tail.ckpt_errors + st.journal.ckpt_errors);
	counter(b, "ronda_collector_lost_files_total",
	    "Checkpointed files that could not be found again.", st.tail.lost_files);
	counter(b, "ronda_collector_journal_entries_total",
	    "Journal entries read (type: journal inputs).", st.journal.entries);
	gauge(b, "ronda_collector_journal_entries_in_flight",
	    "Journal entries sent and not yet confirmed by Kafka.", st.journal.inflight);
	counter(b, "ronda_collector_journal_cursor_saves_total",
	    "Journal cursors written to the state DB.", st.journal.cursor_saves);
	counter(b, "ronda_collector_journal_cursor_lost_total",
	    "Checkpointed journal entries gone at restart (vacuumed or rotated away).",
	    st.journal.cursor_lost);
	counter(b, "ronda_collector_journal_read_errors_total",
	    "Journal reads that failed (a corrupt file), retried or skipped.",
	    st.journal.read_errors);
	counter(b, "ronda_collector_webroot_files_baselined_total",
	    "Files recorded by the first scan of a web root.", st.webroot.files_baselined);
	counter(b, "ronda_collector_webroot_bytes_hashed_total",
	    "Bytes of web-root files read for their SHA-256.", st.webroot.bytes_hashed);
	counter(b, "ronda_collector_webroot_changes_sent_total",
	    "Web-root file events sent (file_found of first scans included).",
	    st.webroot.changes_sent);
	counter(b, "ronda_collector_webroot_changes_confirmed_total",
	    "Web-root file events Kafka confirmed (their baseline rows written).",
	    st.webroot.changes_confirmed);
	counter(b, "ronda_collector_webroot_marker_events_total",
	    "Web-root file events that carried content markers.", st.webroot.marker_hits);
	counter(b, "ronda_collector_webroot_unreadable_total",
	    "Web-root files or folders that could not be read (compared by metadata).",
	    st.webroot.unreadable);
	counter(b, "ronda_collector_webroot_symlinks_skipped_total",
	    "Symbolic links met in web roots (never followed).", st.webroot.symlinks_skipped);
	counter(b, "ronda_collector_webroot_special_skipped_total",
	    "FIFOs, sockets and devices met in web roots (never opened).",
	    st.webroot.special_skipped);
	counter(b, "ronda_collector_webroot_watch_limit_hits_total",
	    "Folders left unwatched (webroot.max_watches or the kernel's inotify limit).",
	    st.webroot.watch_limit_hits);
	gauge(b, "ronda_collector_webroot_folders_unwatched",
	    "Folders of the last web-root walks without an inotify watch (scan-only).",
	    st.webroot.folders_unwatched);
	gauge(b, "ronda_collector_webroot_watches", "inotify watches on web-root folders.",
	    st.webroot.watches);
	counter(b, "ronda_collector_webroot_scans_total",
	    "Full web-root walks finished (first scans and backstop scans).", st.webroot.scans);
	gauge(b, "ronda_collector_webroot_scan_duration_ms",
	    "Duration of the last full web-root walk.", st.webroot.scan_ms_last);
	counter(b, "ronda_collector_webroot_inotify_overflows_total",
	    "inotify queue overflows (each forces a rescan).", st.webroot.overflows);
	counter(b, "ronda_collector_webroot_checks_dropped_total",
	    "Pending web-root checks past the cap (a rescan instead).",
	    st.webroot.checks_dropped);
	gauge(b, "ronda_collector_webroot_changes_in_flight",
	    "Web-root file events sent and not yet confirmed.", st.webroot.inflight);
	gauge(b, "ronda_collector_webroot_roots_baselined",
	    "Web roots whose first scan finished.", st.webroot.roots_baselined);
	counter(b, "ronda_collector_webroot_db_errors_total",
	    "Failed web-root baseline writes (the change is found again).",
	    st.webroot.db_errors);
	counter(b, "ronda_collector_scrapes_total", "Requests to /metrics answered.",
	    m->scrapes);
}

static void
reply(struct evhttp_request *req, int code, const char *reason, const char *ctype,
    const struct ronda_buf *b)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (b->len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(req), b->data, b->len);
	evhttp_send_reply(req, code, reason, NULL);
}

static void
metrics_on_request(struct evhttp_request *req, void *arg)
{
	struct ronda_metrics *m = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct ronda_buf b;
	size_t plen = uri != NULL ? strcspn(uri, "?#") : 0;

	ronda_buf_init(&b, 1 << 20);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		ronda_buf_puts(&b, "{\"error\":\"method_not_allowed\",\"status\":405,"
		    "\"message\":\"only GET is served\"}\n");
		reply(req, 405, "Method Not Allowed", "application/json; charset=utf-8", &b);
	} else if (plen != 8 || strncmp(uri, "/metrics", 8) != 0) {
		ronda_buf_puts(&b, "{\"error\":\"not_found\",\"status\":404,"
		    "\"message\":\"the collector serves /metrics only\"}\n");
		reply(req, 404, "Not Found", "application/json; charset=utf-8", &b);
	} else {
		m->scrapes++;
		render(m, &b);
		reply(req, 200, "OK", RONDA_PROM_CONTENT_TYPE, &b);
	}
	ronda_buf_release(&b);
}

struct ronda_metrics *
ronda_metrics_new(struct event_base *base, const char *listen, struct ronda_collector *c,
    char *err, size_t errlen)
{
	struct ronda_httpd_limits lim = { METRICS_MAX_REQUEST, METRICS_TIMEOUT_MS,
	    METRICS_MAX_CONNECTIONS, 64 };
	struct ronda_listen_addr a;
	struct ronda_metrics *m;
	char e[200];

	if (ronda_listen_parse(listen, &a, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "metrics: %s", e);
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	m->c = c;
	if ((m->httpd = ronda_httpd_new(base, &a, &lim, metrics_on_request, m, e,
	    sizeof(e))) == NULL) {
		snprintf(err, errlen, "metrics: %s", e);
		free(m);
		return NULL;
	}
	return m;
}

void
ronda_metrics_free(struct ronda_metrics *m)
{
	if (m == NULL)
		return;
	ronda_httpd_free(m->httpd);
	free(m);
}

const char *
ronda_metrics_address(const struct ronda_metrics *m)
{
	return ronda_httpd_address(m->httpd);
}
