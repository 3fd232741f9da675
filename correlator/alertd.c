#include "alertd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "ronda/log.h"
#include "ronda/timeutil.h"

#define MAX_SINKS 8
#define TICK_MS 200
#define POLL_MS 5	/* while a polled sink (Kafka) has an alert out */
#define BASE_BACKOFF 1000

struct slot {
	struct ronda_alertd *d;
	struct ronda_alert_sink sink;
	int64_t cursor;		/* highest seq confirmed (or skipped by the start marker) */
	int64_t head;		/* seq being delivered or waiting to retry; 0 none */
	char head_id[33];
	int64_t attempts;	/* tries of head so far */
	int64_t next_try;	/* wall clock ms */
	int out;		/* a send is out: waiting for done */
	int in_send;		/* inside sink.send: a done now is kept for later */
	int has_result;
	int res_ok, res_permanent;
	int64_t res_retry_after;
	char res_err[256];
	char last_logged[256];	/* the failure logged last */
	int64_t delivered, failures;
	struct ronda_ratelimit rl;
};

struct ronda_alertd {
	sqlite3 *db;
	int64_t max_backoff;
	struct slot slots[MAX_SINKS];
	size_t n;
	struct event *tick;
	struct event *kick;	/* run again at once (a confirmation) or soon (POLL_MS) */
	int stopping;
	int64_t (*clock)(void);	/* wall clock ms (tests set their own) */
};

static const char q_next[] =
	"SELECT seq, id, json FROM alerts WHERE seq > ? ORDER BY seq LIMIT 1";
static const char q_put[] =
	"INSERT OR REPLACE INTO alert_deliveries"
	" (alert_seq, sink, attempts, next_try, last_error, delivered) VALUES (?, ?, ?, ?, ?, ?)";
static const char q_cursor[] =
	"SELECT alert_seq FROM alert_deliveries WHERE sink = ? AND delivered <> 0"
	" ORDER BY alert_seq DESC LIMIT 1";
static const char q_head[] =
	"SELECT attempts FROM alert_deliveries WHERE sink = ? AND alert_seq = ?";
static const char q_max[] = "SELECT coalesce(max(seq), 0) FROM alerts";

int64_t
ronda_alertd_backoff(int attempts, int64_t max_backoff)
{
	int64_t w = BASE_BACKOFF;

	for (int i = 1; i < attempts && w < max_backoff; i++)
		w *= 2;
	return w < max_backoff ? w : max_backoff;
}

static int64_t
one_int(sqlite3 *db, const char *sql, const char *s1, int64_t i2, int64_t dflt, int *rc)
{
	sqlite3_stmt *st = NULL;
	int64_t v = dflt;
	int r;

	*rc = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (s1 != NULL)
		sqlite3_bind_text(st, 1, s1, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, i2);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		*rc = 1;
	} else if (r == SQLITE_DONE) {
		*rc = 0;
	}
	sqlite3_finalize(st);
	return v;
}

static int
put_row(struct ronda_alertd *d, const char *sink, int64_t seq, int64_t attempts,
    int64_t next_try, const char *error, int64_t delivered)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(d->db, q_put, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, sink, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, attempts);
	sqlite3_bind_int64(st, 4, next_try);
	sqlite3_bind_text(st, 5, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, delivered);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

struct ronda_alertd *
ronda_alertd_new(struct sqlite3 *db, int64_t max_backoff, char *err, size_t errlen)
{
	struct ronda_alertd *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->db = db;
	d->clock = ronda_now_ms;
	d->max_backoff = max_backoff >= BASE_BACKOFF ? max_backoff : BASE_BACKOFF;
	return d;
}

int
ronda_alertd_add(struct ronda_alertd *d, const struct ronda_alert_sink *s, char *err,
    size_t errlen)
{
	struct slot *sl;
	int rc;
	int64_t v;

	if (d->n == MAX_SINKS) {
		snprintf(err, errlen, "too many alert sinks");
		goto fail;
	}
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->slots[i].sink.name, s->name) == 0) {
			snprintf(err, errlen, "alert sink %s twice", s->name);
			goto fail;
		}
	sl = &d->slots[d->n];
	memset(sl, 0, sizeof(*sl));
	sl->d = d;
	sl->sink = *s;
	v = one_int(d->db, q_cursor, s->name, 0, 0, &rc);
	if (rc == -1)
		goto dberr;
	if (rc == 0) {
		/*
		 * First time this sink is configured: it starts with the next
		 * alert, not with the whole history (a chat bridge added a month
		 * later should not get a month of alerts). The marker is written
		 * before anything is consumed, so no alert raised from now on
		 * can fall before it.
		 */
		v = one_int(d->db, q_max, NULL, 0, 0, &rc);
		if (rc != 1 || put_row(d, s->name, v, 0, 0,
		    "sink configured: starts after this alert", -1) == -1)
			goto dberr;
		if (v > 0)
			log_info("alert sink %s is new: it starts after alert %" PRId64
			    " (earlier alerts are not sent to it)", s->name, v);
	}
	sl->cursor = v;
	d->n++;
	log_info("alert sink %s: %" PRId64 " alerts pending", s->name,
	    ronda_alertd_pending(d, s->name));
	return 0;
dberr:
	snprintf(err, errlen, "alert sink %s: %s", s->name, sqlite3_errmsg(d->db));
fail:
	if (s->free != NULL)
		s->free(s->arg);
	return -1;
}

int
ronda_alertd_add_configured(struct ronda_alertd *d,
    const struct ronda_correlator_config *cfg, struct event_base *base, char *err,
    size_t errlen)
{
	struct ronda_alert_sink s;

	if (cfg->alerts.kafka_topic != NULL && cfg->alerts.kafka_topic[0] != '\0') {
		if (ronda_alert_kafka_new(&s, cfg->kafka.brokers, &cfg->kafka.properties,
		    cfg->alerts.kafka_topic, err, errlen) == -1 ||
		    ronda_alertd_add(d, &s, err, errlen) == -1)
			return -1;
	}
	if (cfg->alerts.webhook.url != NULL && cfg->alerts.webhook.url[0] != '\0') {
		if (ronda_alert_webhook_new(&s, base, cfg->alerts.webhook.url,
		    cfg->alerts.webhook.timeout, &cfg->alerts.webhook.headers, err,
		    errlen) == -1 || ronda_alertd_add(d, &s, err, errlen) == -1)
			return -1;
	}
	if (cfg->alerts.file != NULL && cfg->alerts.file[0] != '\0') {
		if (ronda_alert_file_new(&s, cfg->alerts.file, err, errlen) == -1 ||
		    ronda_alertd_add(d, &s, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static void
kick(struct ronda_alertd *d)
{
	if (d->kick != NULL && !d->stopping)
		event_active(d->kick, EV_TIMEOUT, 0);
}

/*
 * The sink's answer for the head alert: recorded, then the next alert (or
 * the retry) is left to the next run.
 */
static void
settle(struct slot *sl, int64_t now)
{
	struct ronda_alertd *d = sl->d;
	const char *name = sl->sink.name;
	int64_t wait;

	sl->has_result = 0;
	sl->out = 0;
	sl->attempts++;
	if (sl->res_ok) {
		/*
		 * Confirmed by the sink. A crash before this row is committed
		 * sends the alert again at the next start (at least once).
		 */
		if (put_row(d, name, sl->head, sl->attempts, 0, "", now) == -1)
			log_warnx("alert %s to %s: delivered, but not recorded (%s): it will be"
			    " sent again after a restart", sl->head_id, name, sqlite3_errmsg(d->db));
		if (sl->attempts > 1)
			log_info("alert %s delivered to %s after %" PRId64 " attempts",
			    sl->head_id, name, sl->attempts);
		sl->delivered++;
		sl->cursor = sl->head;
		sl->head = 0;
		sl->attempts = 0;
		sl->next_try = 0;
		kick(d);
		return;
	}
	sl->failures++;
	wait = ronda_alertd_backoff((int)(sl->attempts > 60 ? 60 : sl->attempts),
	    d->max_backoff);
	if (sl->res_retry_after > wait)
		wait = sl->res_retry_after < d->max_backoff ? sl->res_retry_after :
		    d->max_backoff;
	sl->next_try = now + wait;
	if (put_row(d, name, sl->head, sl->attempts, sl->next_try, sl->res_err, 0) == -1)
		log_warnx("alert %s to %s: recording the failure: %s", sl->head_id, name,
		    sqlite3_errmsg(d->db));
	/* A new reason is always logged; the same one again at most every 10 s. */
	if (strcmp(sl->res_err, sl->last_logged) != 0)
		sl->rl.last = 0;
	if (ronda_ratelimit_ok(&sl->rl, (long)(now / 1000), 10)) {
		snprintf(sl->last_logged, sizeof(sl->last_logged), "%s", sl->res_err);
		char more[48] = "";
		if (sl->rl.suppressed > 0)
			snprintf(more, sizeof(more), "; %lu like it not logged",
			    sl->rl.suppressed);
		log_warnx("alert %s to %s: %s%s (attempt %" PRId64 ", next in %" PRId64
		    " ms%s)", sl->head_id, name, sl->res_permanent ?
		    "refused, will keep retrying: " : "", sl->res_err, sl->attempts, wait, more);
		sl->rl.suppressed = 0;
	}
}

static void
alertd_on_done(void *ctx, const struct ronda_alert_result *r)
{
	struct slot *sl = ctx;

	sl->has_result = 1;
	sl->res_ok = r->ok;
	sl->res_permanent = r->permanent;
	sl->res_retry_after = r->retry_after;
	snprintf(sl->res_err, sizeof(sl->res_err), "%s", r->ok ? "" :
	    r->err != NULL ? r->err : "failed");
	if (!sl->in_send)
		settle(sl, sl->d->clock());
}

/* Load the alert after the cursor as the head (1), none (0), error (-1). */
static int
load_head(struct slot *sl, char **json, size_t *len)
{
	struct ronda_alertd *d = sl->d;
	sqlite3_stmt *st = NULL;
	int r, rc = -1;

	*json = NULL;
	if (sqlite3_prepare_v2(d->db, q_next, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, sl->cursor);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = 0;
	} else if (r == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		const char *id = (const char *)sqlite3_column_text(st, 1);
		const char *j = (const char *)sqlite3_column_text(st, 2);
		if (seq != sl->head) {
			/* A new head: resume its count of tries if an earlier run made some. */
			int hr;
			int64_t a = one_int(d->db, q_head, sl->sink.name, seq, 0, &hr);
			sl->head = seq;
			sl->attempts = hr == 1 ? a : 0;
			sl->next_try = 0;
		}
		snprintf(sl->head_id, sizeof(sl->head_id), "%s", id != NULL ? id : "");
		*len = (size_t)sqlite3_column_bytes(st, 2);
		if ((*json = malloc(*len + 1)) != NULL) {
			memcpy(*json, j != NULL ? j : "", *len);
			(*json)[*len] = '\0';
			rc = 1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

void
ronda_alertd_run(struct ronda_alertd *d, int64_t now)
{
	/* Never inside someone's transaction: the batch would carry our rows. */
	if (d->stopping || !sqlite3_get_autocommit(d->db))
		return;
	for (size_t i = 0; i < d->n; i++) {
		struct slot *sl = &d->slots[i];
		char *json = NULL, err[256];
		size_t len = 0;
		int rc;

		if (sl->out || (sl->head != 0 && now < sl->next_try))
			continue;
		rc = load_head(sl, &json, &len);
		if (rc == -1) {
			if (ronda_ratelimit_ok(&sl->rl, (long)(now / 1000), 10))
				log_warnx("alert outbox: %s", sqlite3_errmsg(d->db));
			continue;
		}
		if (rc == 0 || now < sl->next_try) {
			free(json);
			continue;
		}
		err[0] = '\0';
		sl->out = 1;
		sl->in_send = 1;
		rc = sl->sink.send(sl->sink.arg, sl->head_id, json, len, alertd_on_done, sl,
		    err, sizeof(err));
		sl->in_send = 0;
		free(json);
		if (rc == RONDA_SINK_DONE || rc == RONDA_SINK_FAILED) {
			sl->has_result = 1;
			sl->res_ok = rc == RONDA_SINK_DONE;
			sl->res_permanent = 0;
			sl->res_retry_after = 0;
			snprintf(sl->res_err, sizeof(sl->res_err), "%s", err[0] != '\0' ? err :
			    "failed");
		}
		if (sl->has_result)
			settle(sl, now);
	}
}

static void
alertd_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_alertd *d = arg;
	int polled_out = 0;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < d->n; i++)
		if (d->slots[i].sink.poll != NULL)
			d->slots[i].sink.poll(d->slots[i].sink.arg);
	ronda_alertd_run(d, d->clock());
	/*
	 * A Kafka delivery report is only seen when polled: poll again soon
	 * while one is awaited, so a burst of alerts is not one per tick.
	 */
	for (size_t i = 0; i < d->n; i++)
		if (d->slots[i].out && d->slots[i].sink.poll != NULL)
			polled_out = 1;
	if (polled_out && !d->stopping && !evtimer_pending(d->kick, NULL)) {
		struct timeval tv = { 0, POLL_MS * 1000 };
		evtimer_add(d->kick, &tv);
	}
}

int
ronda_alertd_attach(struct ronda_alertd *d, struct event_base *base)
{
	struct timeval tv = { 0, TICK_MS * 1000 };

	d->tick = event_new(base, -1, EV_PERSIST, alertd_on_tick, d);
	d->kick = evtimer_new(base, alertd_on_tick, d);
	if (d->tick == NULL || d->kick == NULL || event_add(d->tick, &tv) == -1)
		return -1;
	event_active(d->kick, EV_TIMEOUT, 0);
	return 0;
}

void
ronda_alertd_free(struct ronda_alertd *d, int ms)
{
	if (d == NULL)
		return;
	d->stopping = 1;
	if (d->tick != NULL)
		event_free(d->tick);
	if (d->kick != NULL)
		event_free(d->kick);
	for (size_t i = 0; i < d->n; i++) {
		struct slot *sl = &d->slots[i];
		/* A confirmation that arrives while draining is still recorded. */
		if (sl->out && sl->sink.drain != NULL)
			sl->sink.drain(sl->sink.arg, ms);
		if (sl->out)
			log_info("alert %s to %s: not confirmed at shutdown; sent again at the"
			    " next start", sl->head_id, sl->sink.name);
		if (sl->sink.free != NULL)
			sl->sink.free(sl->sink.arg);
	}
	free(d);
}

void
ronda_alertd_set_clock(struct ronda_alertd *d, int64_t (*clock)(void))
{
	d->clock = clock != NULL ? clock : ronda_now_ms;
}

int64_t
ronda_alertd_pending_db(struct sqlite3 *db, const char *sink)
{
	int rc;
	int64_t v = one_int(db, RONDA_ALERTD_PENDING_SQL, sink, 0, -1, &rc);

	return rc == 1 ? v : -1;
}

int64_t
ronda_alertd_pending(struct ronda_alertd *d, const char *sink)
{
	return ronda_alertd_pending_db(d->db, sink);
}

int
ronda_alertd_stats(struct ronda_alertd *d, const char *sink,
    struct ronda_alertd_stats *out)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->slots[i].sink.name, sink) == 0) {
			out->delivered = d->slots[i].delivered;
			out->failures = d->slots[i].failures;
			out->head_attempts = d->slots[i].attempts;
			return 0;
		}
	return -1;
}
