#include "alertd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "alert_format.h"
#include "ronda/log.h"
#include "ronda/timeutil.h"

#define MAX_SINKS RONDA_ALERTD_MAX_SINKS
/*
 * A digest is tried once its interval has ended and this much more has
 * passed: an alert created just before the end is committed by then (the
 * batch that raised it commits right after). One later still is not lost:
 * it goes out in a digest of its own.
 */
#define DIGEST_GRACE 2000
#define COVERED_PER_RUN 1000	/* digest members marked delivered per run */
#define STR_(x) #x
#define STR(x) STR_(x)
#define TICK_MS 200
#define POLL_MS 5	/* while a polled sink (Kafka) has an alert out */
#define BASE_BACKOFF 1000

struct slot {
	struct ronda_alertd *d;
	struct ronda_alert_sink sink;
	int64_t cursor;		/* highest seq confirmed (or skipped by the start marker) */
	int64_t head;		/* seq being delivered or waiting to retry; 0 none */
	char head_id[33];	/* the alert id, or the digest key */
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
	"SELECT seq, id, json, created, campaign_id FROM alerts WHERE seq > ?"
	" ORDER BY seq LIMIT 1";
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

/* alerts.webhook, the single webhook of old configs, as a json sink named "webhook". */
static void
legacy_webhook(const struct ronda_correlator_config *cfg, struct ronda_alert_sink_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->name = (char *)"webhook";
	c->type = RONDA_SINKCFG_WEBHOOK;
	c->format = RONDA_FORMAT_JSON;
	c->url = cfg->alerts.webhook.url;
	c->timeout = cfg->alerts.webhook.timeout;
	c->headers = cfg->alerts.webhook.headers;
	c->ca_file = cfg->alerts.webhook.ca_file;
	c->ca_dir = cfg->alerts.webhook.ca_dir;
	c->proxy = cfg->alerts.webhook.proxy;
}

static const struct ronda_alert_sink_cfg *
sink_cfg(const struct ronda_correlator_config *cfg, size_t i)
{
	return &((const struct ronda_alert_sink_cfg *)cfg->alerts.sinks.v)[i];
}

size_t
ronda_alertd_sink_names(const struct ronda_correlator_config *cfg, const char **out,
    size_t max)
{
	size_t n = 0;

	if (cfg->alerts.kafka_topic != NULL && cfg->alerts.kafka_topic[0] != '\0' && n < max)
		out[n++] = "kafka";
	if (cfg->alerts.webhook.url != NULL && cfg->alerts.webhook.url[0] != '\0' && n < max)
		out[n++] = "webhook";
	if (cfg->alerts.file != NULL && cfg->alerts.file[0] != '\0' && n < max)
		out[n++] = "file";
	for (size_t i = 0; i < cfg->alerts.sinks.n && n < max; i++)
		out[n++] = sink_cfg(cfg, i)->name;
	return n;
}

int
ronda_alertd_add_configured(struct ronda_alertd *d,
    const struct ronda_correlator_config *cfg, struct event_base *base, char *err,
    size_t errlen)
{
	struct ronda_alert_sink_cfg legacy;
	struct ronda_alert_sink s;

	if (cfg->alerts.kafka_topic != NULL && cfg->alerts.kafka_topic[0] != '\0') {
		if (ronda_alert_kafka_new(&s, cfg->kafka.brokers, &cfg->kafka.properties,
		    cfg->alerts.kafka_topic, err, errlen) == -1 ||
		    ronda_alertd_add(d, &s, err, errlen) == -1)
			return -1;
	}
	if (cfg->alerts.webhook.url != NULL && cfg->alerts.webhook.url[0] != '\0') {
		legacy_webhook(cfg, &legacy);
		if (ronda_alert_webhook_new(&s, base, &legacy, cfg->alerts.language, err,
		    errlen) == -1 || ronda_alertd_add(d, &s, err, errlen) == -1)
			return -1;
	}
	if (cfg->alerts.file != NULL && cfg->alerts.file[0] != '\0') {
		if (ronda_alert_file_new(&s, cfg->alerts.file, err, errlen) == -1 ||
		    ronda_alertd_add(d, &s, err, errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < cfg->alerts.sinks.n; i++) {
		const struct ronda_alert_sink_cfg *c = sink_cfg(cfg, i);
		int lang = c->language == NULL || c->language[0] == '\0' ? cfg->alerts.language :
		    strcmp(c->language, "en") == 0 ? RONDA_LANG_EN : RONDA_LANG_ID;
		int rc = c->type == RONDA_SINKCFG_EMAIL ?
		    ronda_alert_smtp_new(&s, base, c, lang, err, errlen) :
		    ronda_alert_webhook_new(&s, base, c, lang, err, errlen);
		if (rc == -1 || ronda_alertd_add(d, &s, err, errlen) == -1)
			return -1;
		if (c->digest > 0)
			log_info("alert sink %s: a digest per campaign every %" PRId64 " s",
			    c->name, c->digest / 1000);
	}
	return 0;
}

int
ronda_alert_secret(const char *value, const char *file, const char *env, char **out,
    char *err, size_t errlen)
{
	char buf[4097];
	ssize_t n = 0, r;
	int fd;

	*out = NULL;
	if (value != NULL && value[0] != '\0') {
		*out = strdup(value);
	} else if (file != NULL && file[0] != '\0') {
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			return -1;
		}
		while (n < (ssize_t)sizeof(buf) - 1 &&
		    (r = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
			n += r;
		close(fd);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		n = (ssize_t)strlen(buf);
		while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			buf[--n] = '\0';
		if (n == 0) {
			snprintf(err, errlen, "%s: empty", file);
			return -1;
		}
		*out = strdup(buf);
		explicit_bzero(buf, sizeof(buf));
	} else if (env != NULL && env[0] != '\0') {
		const char *v = getenv(env);
		if (v == NULL || v[0] == '\0') {
			snprintf(err, errlen, "environment variable %s is not set", env);
			return -1;
		}
		*out = strdup(v);
	} else {
		*out = strdup("");
	}
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
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

/* The head alert as read from the outbox. */
struct head {
	char *json;
	size_t len;
	int64_t created;
	char campaign[256];
};

/* Load the alert after the cursor as the head (1), none (0), error (-1). */
static int
load_head(struct slot *sl, struct head *h)
{
	struct ronda_alertd *d = sl->d;
	sqlite3_stmt *st = NULL;
	int r, rc = -1;

	h->json = NULL;
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
		const char *c = (const char *)sqlite3_column_text(st, 4);
		if (seq != sl->head) {
			/* A new head: resume its count of tries if an earlier run made some. */
			int hr;
			int64_t a = one_int(d->db, q_head, sl->sink.name, seq, 0, &hr);
			sl->head = seq;
			sl->attempts = hr == 1 ? a : 0;
			sl->next_try = 0;
		}
		snprintf(sl->head_id, sizeof(sl->head_id), "%s", id != NULL ? id : "");
		h->created = sqlite3_column_int64(st, 3);
		snprintf(h->campaign, sizeof(h->campaign), "%s", c != NULL ? c : "");
		h->len = (size_t)sqlite3_column_bytes(st, 2);
		if ((h->json = malloc(h->len + 1)) != NULL) {
			memcpy(h->json, j != NULL ? j : "", h->len);
			h->json[h->len] = '\0';
			rc = 1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- digests ---- */

static const char q_member[] =
	"SELECT digest_seq, start, span FROM alert_digests WHERE sink = ? AND alert_seq = ?";
static const char q_delivered[] =
	"SELECT delivered FROM alert_deliveries WHERE sink = ? AND alert_seq = ?";
/*
 * The digest's members, fixed at its first try: the head and the alerts
 * after it of the same campaign ('' = those without one) created in the
 * same interval and in no digest yet, at most RONDA_DIGEST_MAX.
 */
static const char q_freeze[] =
	"INSERT INTO alert_digests (sink, alert_seq, digest_seq, start, span)"
	" SELECT ?1, seq, ?2, ?3, ?4 FROM alerts WHERE seq >= ?2 AND campaign_id = ?5"
	" AND created >= ?3 AND created < ?3 + ?4 AND NOT EXISTS (SELECT 1 FROM"
	" alert_digests g WHERE g.sink = ?1 AND g.alert_seq = alerts.seq)"
	" ORDER BY seq LIMIT " STR(RONDA_DIGEST_MAX);
static const char q_members[] =
	"SELECT a.id, a.json FROM alert_digests g JOIN alerts a ON a.seq = g.alert_seq"
	" WHERE g.sink = ? AND g.digest_seq = ? ORDER BY a.seq";

static int
freeze(struct slot *sl, int64_t start, int64_t span, const char *campaign)
{
	sqlite3 *db = sl->d->db;
	sqlite3_stmt *st = NULL;
	int ok;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	ok = sqlite3_prepare_v2(db, q_freeze, -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, sl->sink.name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, sl->head);
		sqlite3_bind_int64(st, 3, start);
		sqlite3_bind_int64(st, 4, span);
		sqlite3_bind_text(st, 5, campaign, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (!ok || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* The digest document of the head's members into h->json. 0 / -1. */
static int
build_digest(struct slot *sl, struct head *h, int64_t start, int64_t span)
{
	sqlite3 *db = sl->d->db;
	sqlite3_stmt *st = NULL;
	char *json[RONDA_DIGEST_MAX], key[33];
	size_t n = 0;
	int rc = -1, r;

	if (sqlite3_prepare_v2(db, q_members, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, sl->sink.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sl->head);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && n < RONDA_DIGEST_MAX) {
		const char *j = (const char *)sqlite3_column_text(st, 1);
		if ((json[n] = strdup(j != NULL ? j : "{}")) == NULL)
			goto out;
		n++;
	}
	if (n == 0)
		goto out;
	/* The key: campaign, interval and the first member (the head). */
	ronda_alert_digest_id(key, h->campaign, start, sl->head_id);
	free(h->json);
	if ((h->json = ronda_alert_digest_json(key, h->campaign, start, span,
	    (const char *const *)json, n)) == NULL)
		goto out;
	h->len = strlen(h->json);
	snprintf(sl->head_id, sizeof(sl->head_id), "%s", key);
	rc = 0;
out:
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		free(json[i]);
	return rc;
}

/*
 * A digest sink's head: 1 h->json is now the digest to send; 0 not due yet
 * (next_try set); 2 the head went out in an earlier digest and is now
 * marked delivered; -1 error.
 */
static int
digest_take(struct slot *sl, int64_t now, struct head *h)
{
	struct ronda_alertd *d = sl->d;
	int64_t span = sl->sink.digest, start, dseq;
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (sqlite3_prepare_v2(d->db, q_member, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, sl->sink.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sl->head);
	r = sqlite3_step(st);
	dseq = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	start = r == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	if (r == SQLITE_ROW)
		span = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return -1;
	if (r == SQLITE_ROW && dseq != sl->head) {
		/*
		 * A member of an earlier digest, which the cursor passed: it was
		 * delivered then (the head of a digest is its lowest seq).
		 */
		if (one_int(d->db, q_delivered, sl->sink.name, dseq, 0, &rc) == 0 || rc != 1)
			log_warnx("alert sink %s: alert %" PRId64 " is in digest %" PRId64
			    ", which is not delivered: marking it all the same", sl->sink.name,
			    sl->head, dseq);
		if (put_row(d, sl->sink.name, sl->head, 0, 0, "", now) == -1)
			return -1;
		sl->cursor = sl->head;
		sl->head = 0;
		sl->attempts = 0;
		sl->next_try = 0;
		return 2;
	}
	if (r == SQLITE_DONE) {
		start = h->created - ((h->created % span) + span) % span;
		if (now < start + span + DIGEST_GRACE) {
			sl->next_try = start + span + DIGEST_GRACE;
			return 0;
		}
		if (freeze(sl, start, span, h->campaign) == -1)
			return -1;
	}
	return build_digest(sl, h, start, span) == -1 ? -1 : 1;
}

/* One step for one sink: 1 when it should step again at once (a digest member). */
static int
run_slot(struct slot *sl, int64_t now)
{
	struct ronda_alertd *d = sl->d;
	struct head h = { 0 };
	char err[256];
	int rc;

	if (sl->out || (sl->head != 0 && now < sl->next_try))
		return 0;
	rc = load_head(sl, &h);
	if (rc == -1) {
		if (ronda_ratelimit_ok(&sl->rl, (long)(now / 1000), 10))
			log_warnx("alert outbox: %s", sqlite3_errmsg(d->db));
		return 0;
	}
	if (rc == 0 || now < sl->next_try) {
		free(h.json);
		return 0;
	}
	if (sl->sink.digest > 0) {
		rc = digest_take(sl, now, &h);
		if (rc != 1) {
			free(h.json);
			if (rc == -1 && ronda_ratelimit_ok(&sl->rl, (long)(now / 1000), 10))
				log_warnx("alert sink %s: digest: %s", sl->sink.name,
				    sqlite3_errmsg(d->db));
			return rc == 2;
		}
	}
	err[0] = '\0';
	sl->out = 1;
	sl->in_send = 1;
	rc = sl->sink.send(sl->sink.arg, sl->head_id, h.json, h.len, alertd_on_done, sl,
	    err, sizeof(err));
	sl->in_send = 0;
	free(h.json);
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
	return 0;
}

void
ronda_alertd_run(struct ronda_alertd *d, int64_t now)
{
	/* Never inside someone's transaction: the batch would carry our rows. */
	if (d->stopping || !sqlite3_get_autocommit(d->db))
		return;
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < COVERED_PER_RUN && run_slot(&d->slots[i], now); k++)
			;
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
