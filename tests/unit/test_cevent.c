/* The correlator's event decoder: real collector output, and hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cevent.h"
#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

static struct ronda_cevent ev;
static char err[200];

static int
dec(const char *s)
{
	return ronda_cevent_decode(s, strlen(s), 1 << 20, &ev, err, sizeof(err));
}

/* Round trip through the collector's encoder (common/event.c). */
static void
decodes_collector_json(void **state)
{
	struct ronda_event e;
	struct ronda_buf b;
	const char *line = "203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET "
	    "/wp-content/uploads/alfa.php?cmd=id HTTP/1.1\" 200 512 \"-\" \"curl/8.4\"";

	(void)state;
	ronda_event_reset(&e);
	e.type = RONDA_EVENT_WEB;
	e.ts_ms = INT64_C(1795705445000);
	e.site = "bontangkota.go.id";
	e.original = (struct ronda_str){ line, strlen(line) };
	e.client_ip = RONDA_STR_LIT("203.0.113.9");
	e.method = RONDA_STR_LIT("GET");
	e.path = RONDA_STR_LIT("/wp-content/uploads/alfa.php");
	e.query = RONDA_STR_LIT("cmd=id");
	e.status = 200;
	e.user_agent = RONDA_STR_LIT("curl/8.4");
	e.rules[0] = (struct ronda_event_rule){ "web-webshell-001", "Webshell", "webshell", 3 };
	e.nrules = 1;
	e.severity = 3;
	ronda_event_make_id(e.id, e.site, 1, 2, 3, 4);
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_event_to_json(&e, &b), 0);
	assert_int_equal(ronda_cevent_decode(b.data, b.len, 1 << 20, &ev, err, sizeof(err)),
	    RONDA_CEVENT_OK);
	assert_string_equal(ev.id, e.id);
	assert_int_equal(ev.ts_ms, e.ts_ms);
	assert_int_equal(ev.kind, RONDA_CEVENT_ALERT);
	assert_string_equal(ev.site, "bontangkota.go.id");
	assert_string_equal(ev.ip, "203.0.113.9");
	assert_int_equal(ev.ip_family, 4);
	assert_string_equal(ev.path, "/wp-content/uploads/alfa.php");
	assert_string_equal(ev.query, "cmd=id");
	assert_int_equal(ev.status, 200);
	assert_int_equal(ev.nrules, 1);
	assert_string_equal(ev.rule_id[0], "web-webshell-001");
	assert_string_equal(ev.rule_cat[0], "webshell");
	assert_int_equal(ev.severity, 3);
	assert_string_equal(ev.original, line);
	ronda_buf_release(&b);
}

static void
metric_event(void **state)
{
	(void)state;
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:00.000Z\",\"event\":{\"id\":"
	    "\"m1\",\"kind\":\"metric\"},\"organization\":{\"id\":\"a.go.id\"},\"ronda\":{"
	    "\"metrics\":{\"window_s\":60,\"requests\":1200,\"status\":{\"2xx\":1000,\"3xx\":50,"
	    "\"4xx\":100,\"5xx\":50},\"bytes\":9000,\"distinct_ips\":33,\"top_ips\":[{\"ip\":"
	    "\"198.51.100.7\",\"count\":80}],\"heartbeat\":{\"lines\":1200}}}}"), RONDA_CEVENT_OK);
	assert_int_equal(ev.m.requests, 1200);
	assert_int_equal(ev.m.status[5], 50);
	assert_int_equal(ev.m.heartbeat, 1);
	/* A metric without its body is a schema error. */
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:00Z\",\"event\":{\"id\":\"m2\","
	    "\"kind\":\"metric\"},\"organization\":{\"id\":\"a.go.id\"}}"), RONDA_CEVENT_REJ_SCHEMA);
}

static void
rejects(void **state)
{
	(void)state;
	assert_int_equal(dec(""), RONDA_CEVENT_REJ_NOT_JSON);
	assert_int_equal(dec("\x01\xff garbage"), RONDA_CEVENT_REJ_NOT_JSON);
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"id\":\"a"),
	    RONDA_CEVENT_REJ_NOT_JSON);
	assert_int_equal(dec("{} {}"), RONDA_CEVENT_REJ_NOT_JSON);
	assert_int_equal(dec("[1,2]"), RONDA_CEVENT_REJ_SCHEMA);
	assert_int_equal(dec("{\"@timestamp\":\"yesterday\",\"event\":{\"id\":\"a\",\"kind\":"
	    "\"event\"},\"organization\":{\"id\":\"s\"}}"), RONDA_CEVENT_REJ_SCHEMA);
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"id\":\"a\","
	    "\"kind\":\"event\"},\"organization\":{\"id\":\"s\"},\"source\":{\"ip\":\"1.2.3.999\"}}"),
	    RONDA_CEVENT_REJ_SCHEMA);
	/* source.domain: a host name, or a schema error. */
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"id\":\"a\","
	    "\"kind\":\"event\"},\"organization\":{\"id\":\"s\"},\"source\":{\"domain\":"
	    "\"<script>\"}}"), RONDA_CEVENT_REJ_SCHEMA);
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"id\":\"a\","
	    "\"kind\":\"event\"},\"organization\":{\"id\":\"s\"},\"source\":{\"domain\":"
	    "\"scan-7.example.net\",\"port\":22}}"), RONDA_CEVENT_OK);
	assert_string_equal(ev.domain, "scan-7.example.net");
	assert_string_equal(ev.ip, "");
	assert_int_equal(ev.ip_family, 0);
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"id\":\"a\","
	    "\"kind\":\"event\"},\"organization\":{\"id\":\"s\"},\"http\":{\"response\":"
	    "{\"status_code\":\"200\"}}}"), RONDA_CEVENT_REJ_SCHEMA);
	assert_int_equal(ronda_cevent_decode("{}", 2, 1, &ev, err, sizeof(err)),
	    RONDA_CEVENT_REJ_TOO_LARGE);
}

static void
deep_nesting_is_bounded(void **state)
{
	static char buf[200001];

	(void)state;
	memset(buf, '[', 100000);
	memset(buf + 100000, ']', 100000);
	assert_int_equal(ronda_cevent_decode(buf, 200000, 1 << 20, &ev, err, sizeof(err)),
	    RONDA_CEVENT_REJ_NOT_JSON);
}

static void
escapes_and_cuts(void **state)
{
	static char big[4096];
	int n;

	(void)state;
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05+08:00\",\"event\":{\"id\":"
	    "\"a\",\"kind\":\"event\",\"original\":\"ok\\u0000\\ud83d\\ude00\\\"\"},"
	    "\"organization\":{\"id\":\"s\"},\"user\":{\"name\":\"r\\u00f6ot\"}}"), RONDA_CEVENT_OK);
	assert_string_equal(ev.original, "ok\xf0\x9f\x98\x80\"");
	assert_string_equal(ev.user, "r\xc3\xb6ot");
	assert_int_equal(ev.ts_ms, ronda_timegm(2026, 11, 20, 7, 4, 5) * 1000);
	/* A long original is cut at the cap on a character boundary. */
	n = snprintf(big, sizeof(big), "{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{"
	    "\"id\":\"a\",\"kind\":\"event\",\"original\":\"");
	for (int i = 0; i < 1000; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "\xc3\xa9");
	snprintf(big + n, sizeof(big) - (size_t)n, "\"},\"organization\":{\"id\":\"s\"}}");
	assert_int_equal(dec(big), RONDA_CEVENT_OK);
	assert_int_equal(ev.original_cut, 1);
	assert_int_equal(ev.original_len, RONDA_CEVENT_ORIG_MAX);
}

/* host.name, the sender's claim the engine checks against its site's hosts. */
static void
host_name(void **state)
{
	static char big[1024];
	struct ronda_event e;
	struct ronda_buf b;
	int n;

	(void)state;
	ronda_event_reset(&e);
	e.type = RONDA_EVENT_WEB;
	e.ts_ms = INT64_C(1795705445000);
	e.site = "bontangkota.go.id";
	e.host_name = "web-prov01";
	ronda_event_make_id(e.id, e.site, 1, 2, 3, 4);
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_event_to_json(&e, &b), 0);
	assert_int_equal(ronda_cevent_decode(b.data, b.len, 1 << 20, &ev, err, sizeof(err)),
	    RONDA_CEVENT_OK);
	assert_string_equal(ev.host, "web-prov01");
	assert_int_equal(ev.host_cut, 0);
	assert_int_equal(ev.host_unlisted, 0);
	ronda_buf_release(&b);
	/* Absent: empty (the previous message's host does not linger). */
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"id\":\"a\","
	    "\"kind\":\"event\"},\"organization\":{\"id\":\"s\"}}"), RONDA_CEVENT_OK);
	assert_string_equal(ev.host, "");
	/* Not a string: the schema says it is one. */
	assert_int_equal(dec("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"id\":\"a\","
	    "\"kind\":\"event\"},\"organization\":{\"id\":\"s\"},\"host\":{\"name\":7}}"),
	    RONDA_CEVENT_REJ_SCHEMA);
	/* Longer than kept: cut, and marked so (it can match no listed host). */
	n = snprintf(big, sizeof(big), "{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{"
	    "\"id\":\"a\",\"kind\":\"event\"},\"organization\":{\"id\":\"s\"},\"host\":{"
	    "\"name\":\"");
	for (int i = 0; i < 300; i++)
		big[n++] = 'h';
	snprintf(big + n, sizeof(big) - (size_t)n, "\"}}");
	assert_int_equal(dec(big), RONDA_CEVENT_OK);
	assert_int_equal(ev.host_cut, 1);
	assert_int_equal(strlen(ev.host), RONDA_CEVENT_HOST_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_collector_json),
		cmocka_unit_test(metric_event),
		cmocka_unit_test(rejects),
		cmocka_unit_test(deep_nesting_is_bounded),
		cmocka_unit_test(escapes_and_cuts),
		cmocka_unit_test(host_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
