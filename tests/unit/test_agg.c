/*
 * test_agg.c — per-site aggregates: event-time minute buckets, late lines,
 * heartbeats of quiet sites, the caps on distinct IPs, one id per bucket.
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
#define T0 (1763650800000LL)	/* a minute boundary */

struct sink {
	cJSON *ev[64];
	int n;
};

static void
on_emit(void *arg, const struct ronda_event *ev)
{
	struct sink *s = arg;
	struct ronda_buf b;

	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_event_to_json(ev, &b), 0);
	assert_true(s->n < 64);
	s->ev[s->n] = cJSON_Parse(b.data);
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
	for (int i = 0; i < s->n; i++)
		cJSON_Delete(s->ev[i]);
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

static double
num(cJSON *ev, const char *k)
{
	cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "ronda"), "metrics");
	cJSON *v = cJSON_GetObjectItem(m, k);

	assert_non_null(v);
	return v->valuedouble;
}

static void
test_bucket_closes_on_next_minute(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	cJSON *m, *top;

	(void)state;
	add(a, 0, T0 + 1000, "203.0.113.9", 200, "/");
	add(a, 0, T0 + 2000, "203.0.113.9", 404, "/wp-login.php");
	add(a, 0, T0 + 3000, "198.51.100.1", 503, "/");
	assert_int_equal(s.n, 0);
	add(a, 0, T0 + MIN + 5, "198.51.100.1", 200, "/");
	assert_int_equal(s.n, 1);
	assert_int_equal((int)num(s.ev[0], "requests"), 3);
	assert_int_equal((int)num(s.ev[0], "distinct_ips"), 2);
	assert_int_equal((int)num(s.ev[0], "window_s"), 60);
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[0], "ronda"), "metrics");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "status"), "5xx")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "status"), "4xx")->valueint, 1);
	top = cJSON_GetObjectItem(m, "top_ips");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "ip")->valuestring,
	    "203.0.113.9");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "count")->valueint, 2);
	top = cJSON_GetObjectItem(m, "top_404");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "path")->valuestring,
	    "/wp-login.php");
	assert_string_equal(cJSON_GetObjectItem(s.ev[0], "@timestamp")->valuestring,
	    "2025-11-20T15:00:00.000Z");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[0], "event"),
	    "kind")->valuestring, "metric");
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
	ronda_agg_flush(a, T0 + 2 * MIN);
	assert_int_equal(s.n, 2);
	for (int i = 0; i < 2; i++) {
		const char *site = cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[i],
		    "organization"), "id")->valuestring;
		int req = (int)num(s.ev[i], "requests");
		assert_int_equal(req, strcmp(site, "bontangkota.go.id") == 0 ? 1 : 2);
	}
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
	add(a, 0, T0 + MIN, "203.0.113.9", 200, "/");	/* closes T0 */
	add(a, 0, T0 + 10, "203.0.113.9", 200, "/");	/* late: T0 is closed */
	ronda_agg_flush(a, T0 + 3 * MIN);
	assert_int_equal(s.n, 2);
	assert_int_equal((int)num(s.ev[1], "requests"), 2);
	assert_int_equal((int)num(s.ev[1], "late"), 1);
	id0 = cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[0], "event"), "id")->valuestring;
	id1 = cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[1], "event"), "id")->valuestring;
	assert_string_not_equal(id0, id1);
	ronda_agg_free(a);
	sink_free(&s);
}

static void
test_quiet_site_sends_heartbeat(void **state)
{
	struct sink s;
	struct ronda_agg *a = new_agg(&s);
	cJSON *hb;

	(void)state;
	ronda_agg_tick(a, T0 + MIN + 1);
	assert_int_equal(s.n, 2);	/* one per site, no traffic */
	assert_int_equal((int)num(s.ev[0], "requests"), 0);
	hb = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[0], "ronda"),
	    "metrics"), "heartbeat");
	assert_non_null(cJSON_GetObjectItem(hb, "version"));
	assert_int_equal(cJSON_GetObjectItem(hb, "files")->valueint, 1);
	/* Not again before another interval has passed. */
	ronda_agg_tick(a, T0 + MIN + 30000);
	assert_int_equal(s.n, 2);
	ronda_agg_tick(a, T0 + 2 * MIN + 2);
	assert_int_equal(s.n, 4);
	ronda_agg_free(a);
	sink_free(&s);
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
	ronda_agg_flush(a, T0 + 2 * MIN);
	assert_int_equal(s.n, 1);
	assert_int_equal((int)num(s.ev[0], "requests"), 20000);
	assert_int_equal((int)num(s.ev[0], "distinct_ips"), 8192);
	capped = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[0], "ronda"),
	    "metrics"), "capped");
	assert_non_null(capped);
	assert_int_equal(cJSON_GetObjectItem(capped, "ips")->valueint, 20000 - 8192);
	assert_true(ronda_agg_capped(a) >= 20000 - 8192);
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
	ronda_agg_flush(a, T0 + MIN);
	assert_int_equal(s.n, 1);
	top = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s.ev[0], "ronda"),
	    "metrics"), "top_404");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "path")->valuestring,
	    "/\x1b[2J\"\\xff");
	ronda_agg_free(a);
	sink_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_closes_on_next_minute),
		cmocka_unit_test(test_sites_are_separate),
		cmocka_unit_test(test_late_lines_are_counted_not_reopened),
		cmocka_unit_test(test_quiet_site_sends_heartbeat),
		cmocka_unit_test(test_distinct_ips_capped_and_counted),
		cmocka_unit_test(test_hostile_path_is_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
