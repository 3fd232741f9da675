/*
 * The HTTP API's small parts: the strict query-string parser (api_qs.c),
 * listen addresses (listen.c), Prometheus text (prom.c), the per-site
 * series of /metrics (api_metrics.c) and the api config checks (cconfig.c:
 * non-loopback needs tokens, file:line: key errors).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "api.h"
#include "api_qs.h"
#include "cconfig.h"
#include "ronda/listen.h"
#include "ronda/prom.h"
#include "ronda/timeutil.h"
#include "store.h"

static int
parse(const char *s, struct ronda_api_qs *q, char *err, size_t errlen)
{
	return ronda_api_qs_parse(s, strlen(s), q, err, errlen);
}

static void
qs_decodes_names_and_values(void **state)
{
	struct ronda_api_qs q;
	char err[300];

	(void)state;
	assert_int_equal(parse("since=24h&site=bontangkota.go.id&limit=100", &q, err,
	    sizeof(err)), 0);
	assert_int_equal(q.n, 3);
	assert_string_equal(ronda_api_qs_get(&q, "since"), "24h");
	assert_string_equal(ronda_api_qs_get(&q, "site"), "bontangkota.go.id");
	assert_null(ronda_api_qs_get(&q, "kind"));
	/* %XX in either case, '+' is a space, UTF-8 passes, empty pieces skip. */
	assert_int_equal(parse("&&until=2026-11-16T08%3a00%2B08%3A00&&agency=Kota+Bontang"
	    "&q=caf%C3%A9&", &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 3);
	assert_string_equal(ronda_api_qs_get(&q, "until"), "2026-11-16T08:00+08:00");
	assert_string_equal(ronda_api_qs_get(&q, "agency"), "Kota Bontang");
	assert_string_equal(ronda_api_qs_get(&q, "q"), "caf\xc3\xa9");
	/* An empty value is a value (the caller decides whether it fits). */
	assert_int_equal(parse("site=", &q, err, sizeof(err)), 0);
	assert_string_equal(ronda_api_qs_get(&q, "site"), "");
	assert_int_equal(parse("", &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 0);
	/* The length given is honoured: nothing past it is read. */
	assert_int_equal(ronda_api_qs_parse("limit=5&junk=%", 7, &q, err, sizeof(err)), 0);
	assert_string_equal(ronda_api_qs_get(&q, "limit"), "5");
}

static void
qs_refuses_what_it_does_not_understand(void **state)
{
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "site=%zz", "bad percent-encoding in 'site=%zz'" },
		{ "site=%4", "bad percent-encoding" },
		{ "site=abc%", "bad percent-encoding" },
		{ "site=a%00b", "site: value with a control character or invalid UTF-8" },
		{ "site=%1b%5b2J", "control character" },
		{ "site=%7f", "control character" },
		{ "site=%ff%fe", "invalid UTF-8" },
		{ "site=%c0%af", "invalid UTF-8" },		/* overlong '/' */
		{ "limit=5&limit=6", "query parameter 'limit' given twice" },
		{ "limit", "query parameter 'limit' has no value" },
		{ "SINCE=24h", "bad query parameter name" },
		{ "=5", "bad query parameter name" },
		{ "si%00ce=1", "bad query parameter name" },
		{ "a_very_long_parameter_name_over_31=1", "bad query parameter name" },
	};
	struct ronda_api_qs q;
	char err[300], in[400];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		assert_int_equal(parse(bad[i].in, &q, err, sizeof(err)), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("%s: said '%s', want '%s'", bad[i].in, err, bad[i].msg);
	}
	/* Too long a value, too many pieces. */
	memset(in, 'a', sizeof(in));
	memcpy(in, "site=", 5);
	in[5 + RONDA_API_QS_MAX_VALUE + 1] = '\0';
	assert_int_equal(parse(in, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "site: value longer than 256 bytes"));
	in[5 + RONDA_API_QS_MAX_VALUE] = '\0';
	assert_int_equal(parse(in, &q, err, sizeof(err)), 0);
	in[0] = '\0';
	for (int i = 0; i <= RONDA_API_QS_MAX_PARAMS; i++)
		snprintf(in + strlen(in), sizeof(in) - strlen(in), "%sp%d=1", i ? "&" : "", i);
	assert_int_equal(parse(in, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 16 query parameters"));
	/* The input is quoted as printable ASCII only. */
	assert_int_equal(parse("x\x1b[2J\xff=%zz", &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'x\\x1b[2J\\xff=%zz'"));
	for (const char *p = err; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

static void
qs_checks_names_and_encodes(void **state)
{
	static const char *const allowed[] = { "since", "limit", NULL };
	static const char *const none[] = { NULL };
	struct ronda_api_qs q;
	char err[300], out[64];

	(void)state;
	assert_int_equal(parse("since=1h&limit=5", &q, err, sizeof(err)), 0);
	assert_int_equal(ronda_api_qs_check(&q, allowed, err, sizeof(err)), 0);
	assert_int_equal(parse("since=1h&colour=blue", &q, err, sizeof(err)), 0);
	assert_int_equal(ronda_api_qs_check(&q, allowed, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown parameter 'colour' (expected: since, limit)");
	assert_int_equal(ronda_api_qs_check(&q, none, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown parameter 'since' (this path takes none)");

	strcpy(out, "/x?site=");
	assert_int_equal(ronda_api_qs_encode(out, sizeof(out), "a b&c=d/\xc3\xa9~"), 0);
	assert_string_equal(out, "/x?site=a%20b%26c%3Dd%2F%C3%A9~");
	assert_int_equal(parse(strchr(out, '?') + 1, &q, err, sizeof(err)), 0);
	assert_string_equal(ronda_api_qs_get(&q, "site"), "a b&c=d/\xc3\xa9~");
	strcpy(out, "0123456789");
	assert_int_equal(ronda_api_qs_encode(out, 12, "ab"), -1);	/* no room */
	assert_int_equal(ronda_api_qs_encode(out, 13, "ab"), 0);
	assert_string_equal(out, "0123456789ab");
}

static void
listen_parses_host_port(void **state)
{
	struct ronda_listen_addr a;
	char err[200], s[80];

	(void)state;
	assert_int_equal(ronda_listen_parse("127.0.0.1:8470", &a, err, sizeof(err)), 0);
	assert_true(ronda_listen_is_loopback(&a));
	ronda_listen_format(&a, s, sizeof(s));
	assert_string_equal(s, "127.0.0.1:8470");
	assert_int_equal(ronda_listen_parse("[::1]:8470", &a, err, sizeof(err)), 0);
	assert_true(ronda_listen_is_loopback(&a));
	ronda_listen_format(&a, s, sizeof(s));
	assert_string_equal(s, "[::1]:8470");
	assert_int_equal(ronda_listen_parse("localhost:0", &a, err, sizeof(err)), 0);
	ronda_listen_format(&a, s, sizeof(s));
	assert_string_equal(s, "127.0.0.1:0");
	assert_int_equal(ronda_listen_parse("127.9.9.9:1", &a, err, sizeof(err)), 0);
	assert_true(ronda_listen_is_loopback(&a));
	assert_int_equal(ronda_listen_parse("[::ffff:127.0.0.1]:1", &a, err, sizeof(err)), 0);
	assert_true(ronda_listen_is_loopback(&a));
	assert_int_equal(ronda_listen_parse("0.0.0.0:8470", &a, err, sizeof(err)), 0);
	assert_false(ronda_listen_is_loopback(&a));
	assert_int_equal(ronda_listen_parse("[::]:8470", &a, err, sizeof(err)), 0);
	assert_false(ronda_listen_is_loopback(&a));
	assert_int_equal(ronda_listen_parse("10.20.30.40:65535", &a, err, sizeof(err)), 0);
	assert_false(ronda_listen_is_loopback(&a));
	assert_int_equal(ronda_listen_parse("[::ffff:10.0.0.1]:1", &a, err, sizeof(err)), 0);
	assert_false(ronda_listen_is_loopback(&a));

	assert_int_equal(ronda_listen_parse("127.0.0.1", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected HOST:PORT"));
	assert_int_equal(ronda_listen_parse("127.0.0.1:65536", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "port must be 0..65535"));
	assert_int_equal(ronda_listen_parse("127.0.0.1:", &a, err, sizeof(err)), -1);
	assert_int_equal(ronda_listen_parse("127.0.0.1:-1", &a, err, sizeof(err)), -1);
	assert_int_equal(ronda_listen_parse("127.0.0.1:99999999999", &a, err, sizeof(err)), -1);
	assert_int_equal(ronda_listen_parse("::1:8470", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in brackets"));
	assert_int_equal(ronda_listen_parse("[::1]", &a, err, sizeof(err)), -1);
	assert_int_equal(ronda_listen_parse("[::1:8470", &a, err, sizeof(err)), -1);
	assert_int_equal(ronda_listen_parse("[127.0.0.1]:80", &a, err, sizeof(err)), -1);
	assert_int_equal(ronda_listen_parse("example.org:80", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "numeric address or localhost"));
	assert_int_equal(ronda_listen_parse("", &a, err, sizeof(err)), -1);
	assert_int_equal(ronda_listen_parse(":80", &a, err, sizeof(err)), -1);
}

static void
prom_writes_text_format(void **state)
{
	struct ronda_buf b;

	(void)state;
	ronda_buf_init(&b, 0);
	ronda_prom_one(&b, "ronda_x_total", "counter", "Things.", 42);
	ronda_prom_family(&b, "ronda_pending", "gauge", "Per sink.");
	ronda_prom_sample(&b, "ronda_pending", "sink", "we\"b\\hook\nx", -3);
	ronda_prom_sample_f(&b, "ronda_ts_seconds", NULL, NULL, 1795705200.5);
	assert_string_equal(b.data,
	    "# HELP ronda_x_total Things.\n# TYPE ronda_x_total counter\nronda_x_total 42\n"
	    "# HELP ronda_pending Per sink.\n# TYPE ronda_pending gauge\n"
	    "ronda_pending{sink=\"we\\\"b\\\\hook\\nx\"} -3\n"
	    "ronda_ts_seconds 1795705200.5\n");
	ronda_buf_release(&b);
}

/* The value of the sample line that starts with prefix, or -1 when absent. */
static double
sample(const char *text, const char *prefix)
{
	const char *p = text;

	while ((p = strstr(p, prefix)) != NULL) {
		if (p == text || p[-1] == '\n')
			return strtod(p + strlen(prefix), NULL);
		p++;
	}
	return -1;
}

/*
 * Per site: its late events (a counter from the store) and the seconds since
 * its collector was last heard (processing time, this scrape's clock), the
 * site id escaped for a label (the sender's claim: quotes, backslashes,
 * controls, bytes that are not UTF-8). A site never heard has no age.
 */
static void
metrics_per_site(void **state)
{
	struct ronda_api_stats st;
	struct ronda_buf b;
	sqlite3 *db;
	char *sql;
	int64_t now = ronda_now_ms();
	double age;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, ronda_store_ddl(), NULL, NULL, NULL), SQLITE_OK);
	sql = sqlite3_mprintf("INSERT INTO sites (id, known, last_event, last_heartbeat, late,"
	    " events_heard) VALUES ('a.go.id', 1, 1794787200000, %lld, 12, %lld),"
	    " ('b.go.id', 1, 1794787200000, 0, 0, 0),"
	    " ('x\"y\\z' || char(10) || 'w' || char(27) || '[2J' || CAST(X'ff' AS TEXT),"
	    " 0, 0, %lld, 3, 0)",
	    (long long)(now - 90000), (long long)now, (long long)now);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_api_metrics_write(&b, &st, db, NULL), 0);
	assert_non_null(strstr(b.data, "# TYPE ronda_site_late_events_total counter\n"));
	assert_int_equal(sample(b.data, "ronda_site_late_events_total{site=\"a.go.id\"} "), 12);
	assert_int_equal(sample(b.data, "ronda_site_late_events_total{site=\"b.go.id\"} "), 0);
	assert_int_equal(sample(b.data, "ronda_site_late_events_total{site="
	    "\"x\\\"y\\\\z\\nw\\\\x1b[2J\\\\xff\"} "), 3);
	age = sample(b.data, "ronda_site_heard_age_seconds{site=\"a.go.id\"} ");
	assert_true(age >= 90 && age < 120);
	assert_true(sample(b.data, "ronda_site_heard_age_seconds{site=\"b.go.id\"} ") < 0);
	assert_int_equal(sample(b.data, "ronda_site_series_omitted "), 0);
	/* Known sites come first; neither family's samples are split. */
	assert_true(strstr(b.data, "ronda_site_late_events_total{site=\"b.go.id\"}") <
	    strstr(b.data, "ronda_site_late_events_total{site=\"x"));
	assert_true(strstr(b.data, "ronda_site_late_events_total{site=\"x") <
	    strstr(b.data, "# TYPE ronda_site_heard_age_seconds"));
	ronda_buf_release(&b);
	sqlite3_close(db);
}

/* Load an api section; returns the errors joined by '|'. */
static void
load_api(const char *api, int want_rc, const char *want)
{
	struct ronda_correlator_config cfg;
	struct ronda_cfg_errors errs = { 0 };
	char text[1024], all[2048] = "";
	int rc;

	snprintf(text, sizeof(text), "store: /tmp/x.db\n%s\n", api);
	memset(&cfg, 0, sizeof(cfg));
	rc = ronda_correlator_config_load_string("c.yaml", text, &cfg, &errs);
	for (size_t i = 0; i < errs.n; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s|", errs.v[i]);
	if (rc != want_rc || (want != NULL && strstr(all, want) == NULL))
		fail_msg("%s: rc %d, errors '%s', want %d '%s'", api, rc, all, want_rc,
		    want ? want : "");
	ronda_cfg_errors_free(&errs);
	ronda_correlator_config_free(&cfg);
}

static void
config_api_section(void **state)
{
	(void)state;
	load_api("api: {}", 0, NULL);
	load_api("api: {listen: \"127.0.0.1:8470\"}", 0, NULL);
	load_api("api: {listen: \"[::1]:8470\"}", 0, NULL);
	load_api("api: {listen: \"0.0.0.0:8470\", tokens: [\"0123456789abcdef0123\"]}", 0, NULL);
	load_api("api:\n  listen: \"0.0.0.0:8470\"", -1,
	    "c.yaml:3: api.listen: 0.0.0.0:8470 is not a loopback address: refusing to "
	    "serve it without api.tokens");
	load_api("api: {listen: \"192.0.2.7:80\", tokens: []}", -1, "api.listen: 192.0.2.7:80");
	load_api("api:\n  tokens: [x]\n  listen: \"127.0.0.1:8470\"", -1,
	    "api.tokens: token 1 is not 16..256 characters");
	load_api("api:\n  listen: \"localhost\"", -1,
	    "c.yaml:3: api.listen: \"localhost\": expected HOST:PORT");
	load_api("api: {listen: \"127.0.0.1:8470\", tokens: [\"abcdefghijklmnop==\", "
	    "\"0123456789abcdef-._~+/\"]}", 0, NULL);
	load_api("api: {listen: \"127.0.0.1:8470\", tokens: [\"abcdefghijklmnop=x\"]}", -1,
	    "token 1");
	load_api("api: {max_connections: 0}", -1, "api.max_connections");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qs_decodes_names_and_values),
		cmocka_unit_test(qs_refuses_what_it_does_not_understand),
		cmocka_unit_test(qs_checks_names_and_encodes),
		cmocka_unit_test(listen_parses_host_port),
		cmocka_unit_test(prom_writes_text_format),
		cmocka_unit_test(metrics_per_site),
		cmocka_unit_test(config_api_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
