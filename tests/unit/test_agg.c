/*
 * test_agg.c — per-site aggregates and heartbeats: minutes that close on
 * event time (a backlog read at once gives the live stream's aggregates),
 * out-of-order lines within the slack, late lines, the bound on open
 * minutes, the idle rule, heartbeats apart from aggregates, the caps on
 * distinct IPs, one id per minute.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "conf.h"

#define MIN 60000LL
#define T0 (1763650800000LL)	/* a minute boundary: 2025-11-20 15:00 UTC */
#define WALL (1795000000000LL)	/* the collector's clock, nowhere near the logs' */
#define SINK_MAX 4096

struct sink {
	char *raw[SINK_MAX];	/* the JSON as emitted */
	cJSON *ev[SINK_MAX];
	int n;
};

static void
on_emit(void *arg, const struct ronda_event *ev)
{
	struct sink *s = arg;
	struct ronda_buf b;

	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_event_to_json(ev, &b), 0);
	assert_true(s->n < SINK_MAX);
	s->raw[s->n] = strdup(b.data);
	s->ev[s->n] = cJSON_Parse(b.data);
	assert_non_null(s->raw[s->n]);
	assert_non_null(s->ev[s->n]);
	s->n++;
	ronda_buf_release(&b);
}

static void
on_heartbeat(void *arg, struct ronda_buf *b)
{
	(void)arg;
	ronda_buf_puts(b, "\"files\":1");
}

static struct ronda_collector_input inputs[2];
static struct ronda_collector_config cfg;

static struct ronda_agg *
new_agg(struct sink *s)
{
	struct ronda_agg_ops ops = { on_emit, on_heartbeat };

	memset(s, 0, sizeof(*s));
	memset(&cfg, 0, sizeof(cfg));
	memset(inputs, 0, sizeof(inputs));
	inputs[0].site_id = "bontangkota.go.id";
	inputs[1].site_id = "samarindakota.go.id";
	cfg.inputs.v = inputs;
	cfg.inputs.n = 2;
	cfg.aggregate_interval = MIN;
	cfg.host_name = "web1";
	cfg.region = "Kalimantan Timur";
	return ronda_agg_new(&cfg, &ops, s);
}

static void
sink_free(struct sink *s)
{
	for (int i = 0; i < s->n; i++) {
		cJSON_Delete(s->ev[i]);
		free(s->raw[i]);
	}
	s->n = 0;
}

static void
add(struct ronda_agg *a, size_t input, int64_t ts, const char *ip, int status,
    const char *path)
{
	struct ronda_event ev;

	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_WEB;
	ev.ts_ms = ts;
	ev.client_ip.p = ip;
	ev.client_ip.n = strlen(ip);
	ev.status = status;
	ev.bytes = 100;
	ev.path.p = path;
	ev.path.n = strlen(path);
	ronda_agg_add(a, input, &ev);
}

static cJSON *
metrics(cJSON *ev)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "ronda"), "metrics");
}

static double
num(cJSON *ev, const char *k)
{
	cJSON *v = cJSON_GetObjectItem(metrics(ev), k);

	assert_non_null(v);
	return v->valuedouble;
}

static const char *
field(cJSON *ev, const char *obj, const char *k)
{
	cJSON *v = obj != NULL ? cJSON_GetObjectItem(cJSON_GetObjectItem(ev, obj), k) :
	    cJSON_GetObjectItem(ev, k);

	assert_non_null(v);
	assert_non_null(v->valuestring);
	return v->valuestring;
}

static int
is_heartbeat(cJSON *ev)
{
	return strcmp(field(ev, "event", "dataset"), "ronda.heartbeat") == 0;
}

static int
count_heartbeats(const struct sink *s)
{
	int n = 0;

	for (int i = 0; i < s->n; i++)
		n += is_heartbeat(s->ev[i]);
	return n;
}

/* The k-th aggregate (heartbeats skipped), NULL past the last. */
static cJSON *
aggregate(const struct sink *s, int k)
{
	for (int i = 0; i < s->n; i++)
		if (!is_heartbeat(s->ev[i]) && k-- == 0)
			return s->ev[i];
	return NULL;
}

static int
count_aggregates(const struct sink *s)
{
	return s->n - count_heartbeats(s);
}

static void
test_minute_closes_when_event_time_passes_its_slack(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	cJSON *m, *top;

	(void)state;
	add(a, 0, T0 + 1000, "203.0.113.9", 200, "/");
	add(a, 0, T0 + 2000, "203.0.113.9", 404, "/wp-login.php");
	add(a, 0, T0 + 3000, "198.51.100.1", 503, "/");
	assert_int_equal(s.n, 0);
	/* The next minute does not close it: lines may still come out of order. */
	add(a, 0, T0 + MIN + 5, "198.51.100.1", 200, "/");
	add(a, 0, T0 + 2 * MIN - 1, "198.51.100.1", 200, "/");
	assert_int_equal(s.n, 0);
	/* A line one interval past the minute's end does. */
	add(a, 0, T0 + 2 * MIN, "198.51.100.1", 200, "/");
	assert_int_equal(s.n, 1);
	assert_int_equal((int)num(s.ev[0], "requests"), 3);
	assert_int_equal((int)num(s.ev[0], "distinct_ips"), 2);
	assert_int_equal((int)num(s.ev[0], "window_s"), 60);
	assert_int_equal((int)num(s.ev[0], "late"), 0);
	m = metrics(s.ev[0]);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "status"), "5xx")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "status"), "4xx")->valueint, 1);
	top = cJSON_GetObjectItem(m, "top_ips");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "ip")->valuestring,
	    "203.0.113.9");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "count")->valueint, 2);
	top = cJSON_GetObjectItem(m, "top_404");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "path")->valuestring,
	    "/wp-login.php");
	assert_string_equal(field(s.ev[0], NULL, "@timestamp"), "2025-11-20T15:00:00.000Z");
	assert_string_equal(field(s.ev[0], "event", "kind"), "metric");
	assert_string_equal(field(s.ev[0], "event", "dataset"), "ronda.aggregate");
	/* Event-time data only: the heartbeat travels apart. */
	assert_null(cJSON_GetObjectItem(m, "heartbeat"));
	ronda_agg_free(a);
	sink_free(&s);
}

static void
test_sites_are_separate(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);

	(void)state;
	add(a, 0, T0, "203.0.113.9", 200, "/");
	add(a, 1, T0, "203.0.113.9", 200, "/");
	add(a, 1, T0 + 1, "203.0.113.10", 200, "/");
	/* One site's time does not close the other's minutes. */
	add(a, 1, T0 + 5 * MIN, "203.0.113.10", 200, "/");
	assert_int_equal(s.n, 1);
	assert_string_equal(field(s.ev[0], "organization", "id"), "samarindakota.go.id");
	ronda_agg_flush(a);
	assert_int_equal(s.n, 3);
	for (int i = 0; i < 2; i++) {
		const char *site = field(s.ev[i], "organization", "id");
		int req = (int)num(s.ev[i], "requests");
		assert_int_equal(req, strcmp(site, "bontangkota.go.id") == 0 ? 1 : 2);
	}
	ronda_agg_free(a);
	sink_free(&s);
}

static void
test_out_of_order_within_slack_lands_in_its_minute(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);

	(void)state;
	add(a, 0, T0 + 59000, "203.0.113.9", 200, "/");
	add(a, 0, T0 + MIN + 10000, "203.0.113.9", 200, "/");
	/* Logged at the end of a slow request, after a line of the next minute. */
	add(a, 0, T0 + 50000, "203.0.113.7", 200, "/");
	add(a, 0, T0 + MIN + 20000, "203.0.113.9", 200, "/");
	add(a, 0, T0 + 40000, "203.0.113.8", 200, "/");
	add(a, 0, T0 + 2 * MIN + 1, "203.0.113.9", 200, "/");
	assert_int_equal(s.n, 1);
	assert_string_equal(field(s.ev[0], NULL, "@timestamp"), "2025-11-20T15:00:00.000Z");
	assert_int_equal((int)num(s.ev[0], "requests"), 3);
	assert_int_equal((int)num(s.ev[0], "distinct_ips"), 3);
	assert_int_equal((int)num(s.ev[0], "late"), 0);
	ronda_agg_flush(a);
	assert_int_equal(s.n, 3);
	assert_int_equal((int)num(s.ev[1], "requests"), 2);
	assert_int_equal((int)num(s.ev[1], "late"), 0);
	assert_int_equal((int)num(s.ev[2], "requests"), 1);
	ronda_agg_free(a);
	sink_free(&s);
}

static void
test_late_lines_are_counted_not_reopened(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	const char *id0, *id1;

	(void)state;
	add(a, 0, T0, "203.0.113.9", 200, "/");
	add(a, 0, T0 + 2 * MIN, "203.0.113.9", 200, "/");	/* closes T0 */
	assert_int_equal(s.n, 1);
	add(a, 0, T0 + 10, "203.0.113.9", 200, "/");	/* late: T0 is closed */
	add(a, 0, T0 + 3 * MIN + 5, "203.0.113.9", 200, "/");
	/* Past the slack, never opened: late too, not a minute of its own. */
	add(a, 0, T0 + MIN + 10, "203.0.113.9", 200, "/");
	ronda_agg_flush(a);
	assert_int_equal(s.n, 3);
	assert_string_equal(field(s.ev[1], NULL, "@timestamp"), "2025-11-20T15:02:00.000Z");
	assert_int_equal((int)num(s.ev[1], "requests"), 3);
	assert_int_equal((int)num(s.ev[1], "late"), 2);
	assert_string_equal(field(s.ev[2], NULL, "@timestamp"), "2025-11-20T15:03:00.000Z");
	assert_int_equal((int)num(s.ev[2], "late"), 0);
	id0 = field(s.ev[0], "event", "id");
	id1 = field(s.ev[1], "event", "id");
	assert_string_not_equal(id0, id1);
	/* After a flush too, a closed minute is never sent again. */
	add(a, 0, T0 + 3 * MIN + 30000, "203.0.113.9", 200, "/");
	ronda_agg_flush(a);
	assert_int_equal(s.n, 4);
	assert_string_equal(field(s.ev[3], NULL, "@timestamp"), "2025-11-20T15:04:00.000Z");
	assert_int_equal((int)num(s.ev[3], "late"), 1);
	ronda_agg_free(a);
	sink_free(&s);
}

/*
 * A log whose times jump about (a clock stepped, a rotated file read after
 * the new one) keeps at most two minutes open, whenever one looks: each new
 * minute closes the ones its time leaves past the slack, and lines older
 * than the open ones are late.
 */
static int64_t
jumpy_time(int i)
{
	/* Forward two minutes, forward two, back four: a minute on every third. */
	return T0 + (i / 3) * MIN + (i % 3 == 0 ? 0 : i % 3 == 1 ? 2 * MIN : 4 * MIN) -
	    (i % 3 == 0 && i > 0 ? MIN : 0) + (i * 7919) % 60000;
}

static void
test_open_minutes_are_bounded(void **state)
{
	static const int prefix[] = { 1, 2, 3, 4, 7, 50, 199, 200 };

	(void)state;
	for (size_t p = 0; p < sizeof(prefix) / sizeof(prefix[0]); p++) {
		struct sink s;
		struct ronda_agg *a = new_agg(&s);
		int sent, late = 0, requests = 0;

		for (int i = 0; i < prefix[p]; i++)
			add(a, 0, jumpy_time(i), "203.0.113.9", 200, "/");
		sent = s.n;
		ronda_agg_flush(a);
		assert_true(s.n - sent <= 2);
		for (int i = 0; i < s.n; i++) {
			requests += (int)num(s.ev[i], "requests");
			late += (int)num(s.ev[i], "late");
		}
		assert_int_equal(requests, prefix[p]);
		if (prefix[p] >= 50)
			assert_true(late > 0);
		/* Every minute is sent once, in order. */
		for (int i = 1; i < s.n; i++)
			assert_true(strcmp(field(s.ev[i - 1], NULL, "@timestamp"),
			    field(s.ev[i], NULL, "@timestamp")) < 0);
		ronda_agg_free(a);
		sink_free(&s);
	}
}

static void
test_idle_site_is_flushed_by_the_wall_clock(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	int64_t mono = 1000000;
	cJSON *ev;

	(void)state;
	ronda_agg_tick(a, WALL, mono);
	add(a, 0, T0 + 1000, "203.0.113.9", 200, "/");
	add(a, 1, T0 + 1000, "203.0.113.9", 200, "/");
	ronda_agg_tick(a, WALL + 1000, mono + 1000);
	/* Site 1 goes on; site 0 falls quiet. */
	for (int sec = 2; sec <= 66; sec++) {
		add(a, 1, T0 + sec * 1000, "203.0.113.9", 200, "/");
		ronda_agg_tick(a, WALL + sec * 1000, mono + sec * 1000);
		if (sec < 66)
			assert_int_equal(count_aggregates(&s), 0);
	}
	/* Quiet for an interval and the grace: its minute is sent. */
	assert_int_equal(count_aggregates(&s), 1);
	ev = aggregate(&s, 0);
	assert_string_equal(field(ev, "organization", "id"), "bontangkota.go.id");
	/* Its time is the minute's, whatever the wall clock says. */
	assert_string_equal(field(ev, NULL, "@timestamp"), "2025-11-20T15:00:00.000Z");
	assert_int_equal((int)num(ev, "requests"), 1);
	/* A straggler of that minute is late; the minute is not sent again. */
	add(a, 0, T0 + 2000, "203.0.113.9", 200, "/");
	ronda_agg_flush(a);
	assert_int_equal(count_aggregates(&s), 4);
	for (int k = 1; k < 4; k++) {
		ev = aggregate(&s, k);
		if (strcmp(field(ev, "organization", "id"), "bontangkota.go.id") != 0)
			continue;
		assert_string_equal(field(ev, NULL, "@timestamp"), "2025-11-20T15:01:00.000Z");
		assert_int_equal((int)num(ev, "late"), 1);
	}
	ronda_agg_free(a);
	sink_free(&s);
}

static void
test_heartbeat_per_wall_interval_apart_from_aggregates(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	int64_t wall = WALL - WALL % MIN + 1000;	/* just into a wall-clock interval */
	cJSON *m, *hb;

	(void)state;
	/* The first tick beats at once, one per site. */
	ronda_agg_tick(a, wall, 5000);
	assert_int_equal(s.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(is_heartbeat(s.ev[i]));
		assert_string_equal(field(s.ev[i], "event", "kind"), "metric");
		m = metrics(s.ev[i]);
		assert_non_null(m);
		assert_null(cJSON_GetObjectItem(m, "requests"));
		assert_null(cJSON_GetObjectItem(m, "status"));
		assert_int_equal((int)num(s.ev[i], "window_s"), 60);
		hb = cJSON_GetObjectItem(m, "heartbeat");
		assert_non_null(cJSON_GetObjectItem(hb, "version"));
		assert_int_equal(cJSON_GetObjectItem(hb, "files")->valueint, 1);
		/* Processing time: the collector's clock, in @timestamp and sent_at. */
		assert_string_equal(field(s.ev[i], NULL, "@timestamp"),
		    cJSON_GetObjectItem(hb, "sent_at")->valuestring);
	}
	assert_string_equal(field(s.ev[0], NULL, "@timestamp"), "2026-11-18T11:06:01.000Z");
	assert_string_not_equal(field(s.ev[0], "event", "id"), field(s.ev[1], "event", "id"));
	/* Not again within the interval. */
	ronda_agg_tick(a, wall + 30000, 35000);
	assert_int_equal(s.n, 2);
	/* Lines never make a heartbeat, however much event time they cover. */
	for (int i = 0; i < 50; i++)
		add(a, 0, wall - 10 * MIN + i * MIN, "203.0.113.9", 200, "/");
	assert_true(s.n > 2);
	assert_int_equal(count_heartbeats(&s), 2);
	/* The next wall-clock interval beats again. */
	ronda_agg_tick(a, wall + MIN, 65000);
	assert_int_equal(count_heartbeats(&s), 4);
	/* A heartbeat and an aggregate of the same site and start never share an id. */
	{
		struct sink s2;
		struct ronda_agg *b = new_agg(&s2);
		add(b, 0, wall - wall % MIN, "203.0.113.9", 200, "/");
		ronda_agg_flush(b);
		ronda_agg_tick(b, wall, 5000);
		assert_int_equal(s2.n, 3);
		assert_false(is_heartbeat(s2.ev[0]));
		assert_true(is_heartbeat(s2.ev[1]));
		assert_string_not_equal(field(s2.ev[0], "event", "id"),
		    field(s2.ev[1], "event", "id"));
		ronda_agg_free(b);
		sink_free(&s2);
	}
	ronda_agg_free(a);
	sink_free(&s);
}

/*
 * The lines of two sites over 20 minutes: a few a second, some logged up
 * to 40 s out of order, a five-minute silence at one site, a burst of 404s.
 */
struct line {
	size_t input;
	int64_t wt;		/* when it was written */
	int64_t ts;		/* its time in the log */
	char ip[32];
	int status;
	const char *path;
};

static size_t
make_lines(struct line *v, size_t max)
{
	static const char *paths[] = { "/", "/wp-login.php", "/.env", "/berita.php" };
	uint64_t r = 0x9e3779b97f4a7c15ULL;
	size_t n = 0;

	for (int64_t t = T0 + 500; t < T0 + 20 * MIN && n < max; t += 700) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		v[n].input = (r >> 40) & 1;
		/* Site 0 is silent from minute 8 to minute 13. */
		if (v[n].input == 0 && t >= T0 + 8 * MIN && t < T0 + 13 * MIN)
			v[n].input = 1;
		v[n].wt = t;
		v[n].ts = t - (int64_t)((r >> 20) % 8 == 0 ? (r >> 8) % 40000 : 0);
		snprintf(v[n].ip, sizeof(v[n].ip), "198.51.100.%u", (unsigned)((r >> 30) % 37));
		v[n].status = (r >> 50) % 5 == 0 ? 404 : (r >> 50) % 23 == 1 ? 503 : 200;
		v[n].path = paths[(r >> 45) % 4];
		n++;
	}
	return n;
}

/* Where the aggregate of site's minute ts is among the events sent, -1 if not. */
static int
position(const struct sink *s, const char *site, const char *ts)
{
	for (int i = 0; i < s->n; i++)
		if (!is_heartbeat(s->ev[i]) &&
		    strcmp(field(s->ev[i], "organization", "id"), site) == 0 &&
		    strcmp(field(s->ev[i], NULL, "@timestamp"), ts) == 0)
			return i;
	return -1;
}

static int
strp_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
test_backlog_gives_the_live_aggregates(void **state)
{
	static struct line lines[4096];
	static struct sink live, backlog;
	static char *sorted_live[SINK_MAX], *sorted_backlog[SINK_MAX];
	struct ronda_agg *a;
	size_t n = make_lines(lines, 4096), k = 0;
	int nlive = 0, j = 0;

	(void)state;
	/*
	 * Live: each line read 2 s after it was written, the timer ticking
	 * every second of wall time (which runs on its own, 2026), then the
	 * stream stops and the idle rule sends what is open.
	 */
	a = new_agg(&live);
	for (int64_t now = T0; now < T0 + 23 * MIN; now += 1000) {
		while (k < n && lines[k].wt + 2000 <= now) {
			add(a, lines[k].input, lines[k].ts, lines[k].ip, lines[k].status,
			    lines[k].path);
			k++;
		}
		ronda_agg_tick(a, WALL + (now - T0), 7000 + (now - T0));
	}
	assert_int_equal(k, n);
	ronda_agg_flush(a);
	ronda_agg_free(a);

	/* Backlog: the same lines read at once, no tick, then the --once flush. */
	a = new_agg(&backlog);
	for (k = 0; k < n; k++)
		add(a, lines[k].input, lines[k].ts, lines[k].ip, lines[k].status,
		    lines[k].path);
	ronda_agg_flush(a);
	ronda_agg_free(a);
	assert_int_equal(count_heartbeats(&backlog), 0);

	/*
	 * The same aggregates, byte for byte. Sites interleave differently (the
	 * idle rule sends a quiet site's minute earlier than the next line
	 * would), so they are compared in a sorted order.
	 */
	nlive = count_aggregates(&live);
	assert_int_equal(nlive, backlog.n);
	assert_true(nlive >= 30);
	for (int i = 0; i < live.n; i++)
		if (!is_heartbeat(live.ev[i]))
			sorted_live[j++] = live.raw[i];
	qsort(sorted_live, (size_t)nlive, sizeof(sorted_live[0]), strp_cmp);
	for (int i = 0; i < backlog.n; i++)
		sorted_backlog[i] = backlog.raw[i];
	qsort(sorted_backlog, (size_t)nlive, sizeof(sorted_backlog[0]), strp_cmp);
	for (int i = 0; i < nlive; i++)
		assert_string_equal(sorted_live[i], sorted_backlog[i]);
	/*
	 * The live run did close site 0's last minute before its silence on
	 * the wall clock (before site 1's 15:10 closed), the backlog on the
	 * next line of site 0 (after it).
	 */
	assert_true(position(&live, "bontangkota.go.id", "2025-11-20T15:07:00.000Z") <
	    position(&live, "samarindakota.go.id", "2025-11-20T15:10:00.000Z"));
	assert_true(position(&backlog, "bontangkota.go.id", "2025-11-20T15:07:00.000Z") >
	    position(&backlog, "samarindakota.go.id", "2025-11-20T15:10:00.000Z"));
	assert_true(count_heartbeats(&live) >= 2 * 23);
	{
		int late = 0, requests = 0;
		for (int i = 0; i < backlog.n; i++) {
			late += (int)num(backlog.ev[i], "late");
			requests += (int)num(backlog.ev[i], "requests");
		}
		assert_int_equal(late, 0);
		assert_int_equal(requests, (int)n);
	}
	sink_free(&live);
	sink_free(&backlog);
}

static void
test_distinct_ips_capped_and_counted(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	char ip[32];
	cJSON *capped;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		add(a, 0, T0 + 5, ip, 200, "/");
	}
	ronda_agg_flush(a);
	assert_int_equal(s.n, 1);
	assert_int_equal((int)num(s.ev[0], "requests"), 20000);
	assert_int_equal((int)num(s.ev[0], "distinct_ips"), 8192);
	capped = cJSON_GetObjectItem(metrics(s.ev[0]), "capped");
	assert_non_null(capped);
	assert_int_equal(cJSON_GetObjectItem(capped, "ips")->valueint, 20000 - 8192);
	assert_true(ronda_agg_capped(a) >= 20000 - 8192);
	/* The table is cleared for the next minute of that slot. */
	add(a, 0, T0 + 3 * MIN, "203.0.113.9", 200, "/");
	ronda_agg_flush(a);
	assert_int_equal(s.n, 2);
	assert_int_equal((int)num(s.ev[1], "distinct_ips"), 1);
	assert_null(cJSON_GetObjectItem(metrics(s.ev[1]), "capped"));
	ronda_agg_free(a);
	sink_free(&s);
}

static void
test_hostile_path_is_escaped(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	cJSON *top;

	(void)state;
	add(a, 0, T0, "203.0.113.9", 404, "/\x1b[2J\"\xff");
	ronda_agg_flush(a);
	assert_int_equal(s.n, 1);
	top = cJSON_GetObjectItem(metrics(s.ev[0]), "top_404");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "path")->valuestring,
	    "/\x1b[2J\"\\xff");
	ronda_agg_free(a);
	sink_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minute_closes_when_event_time_passes_its_slack),
		cmocka_unit_test(test_sites_are_separate),
		cmocka_unit_test(test_out_of_order_within_slack_lands_in_its_minute),
		cmocka_unit_test(test_late_lines_are_counted_not_reopened),
		cmocka_unit_test(test_open_minutes_are_bounded),
		cmocka_unit_test(test_idle_site_is_flushed_by_the_wall_clock),
		cmocka_unit_test(test_heartbeat_per_wall_interval_apart_from_aggregates),
		cmocka_unit_test(test_backlog_gives_the_live_aggregates),
		cmocka_unit_test(test_distinct_ips_capped_and_counted),
		cmocka_unit_test(test_hostile_path_is_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
