/*
 * test_event.c — common/event.c's JSON encoding (and the buf.c escaper under
 * it): real web, auth and metric events parse back with cJSON field for
 * field; hostile bytes (quotes, backslashes, controls, ESC, NUL, invalid
 * UTF-8) come out as valid JSON and valid UTF-8 without losing a byte; huge
 * fields meet the buffer cap instead of memory; event ids are deterministic;
 * and the encoder's output matches schemas/event.schema.json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/rules.h"
#include "ronda/timeutil.h"

#define S(lit) RONDA_STR_LIT(lit)

static struct ronda_str
slice(const char *p, size_t n)
{
	return (struct ronda_str){ p, n };
}

/* The slice of line l where needle occurs (it must). */
static struct ronda_str
sub(const char *l, const char *needle)
{
	const char *p = strstr(l, needle);

	assert_non_null(p);
	return slice(p, strlen(needle));
}

/* Follow a dotted path ("http.response.status_code"); keys here hold no dots. */
static const cJSON *
jget(const cJSON *root, const char *path)
{
	char key[64];
	const char *p = path;

	while (root != NULL && *p != '\0') {
		size_t n = strcspn(p, ".");
		assert_true(n < sizeof(key));
		memcpy(key, p, n);
		key[n] = '\0';
		if (cJSON_IsArray(root))
			root = cJSON_GetArrayItem(root, atoi(key));
		else
			root = cJSON_GetObjectItemCaseSensitive(root, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return root;
}

static void
expect_str(const cJSON *root, const char *path, const char *want)
{
	const cJSON *v = jget(root, path);

	if (v == NULL || !cJSON_IsString(v))
		fail_msg("%s: missing or not a string", path);
	if (strcmp(v->valuestring, want) != 0)
		fail_msg("%s = \"%s\", want \"%s\"", path, v->valuestring, want);
}

static void
expect_int(const cJSON *root, const char *path, double want)
{
	const cJSON *v = jget(root, path);

	if (v == NULL || !cJSON_IsNumber(v))
		fail_msg("%s: missing or not a number", path);
	if (v->valuedouble != want)
		fail_msg("%s = %.0f, want %.0f", path, v->valuedouble, want);
}

static void
expect_absent(const cJSON *root, const char *path)
{
	if (jget(root, path) != NULL)
		fail_msg("%s: present, want absent", path);
}

/* The whole output must be valid UTF-8 with no raw control bytes. */
static void
expect_clean_utf8(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t l = ronda_utf8_seq_len(p, n - i);
		if (l == 0)
			fail_msg("invalid UTF-8 at output byte %zu", i);
		if (l == 1 && p[0] < 0x20)
			fail_msg("raw control byte 0x%02x at output byte %zu", p[0], i);
		i += l;
	}
}

/* Encode, check it is clean, parse it back. The caller deletes the result. */
static cJSON *
encode(const struct ronda_event *ev, struct ronda_buf *b)
{
	cJSON *root;

	ronda_buf_reset(b);
	assert_int_equal(ronda_event_to_json(ev, b), 0);
	assert_int_equal(b->len, strlen(b->data));	/* no raw NUL */
	expect_clean_utf8(b->data, b->len);
	root = cJSON_ParseWithLength(b->data, b->len);
	if (root == NULL)
		fail_msg("not JSON: %s", b->data);
	return root;
}

static const char web_line[] =
    "203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /?s=slot+gacor HTTP/1.1\" 200 512 "
    "\"https://www.google.com/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"";

static void
fill_web(struct ronda_event *ev)
{
	const char *l = web_line;

	ronda_event_reset(ev);
	ev->type = RONDA_EVENT_WEB;
	ev->ts_ms = 1795187045000LL + 123;	/* 2026-11-20T15:04:05.123Z */
	ronda_event_make_id(ev->id, "bontangkota.go.id", 2049, 131077, 0x9e3779b97f4a7c15ULL, 1234);
	ev->site = "bontangkota.go.id";
	ev->agency = "Diskominfo Bontang";
	ev->region = "Kalimantan Timur";
	ev->timezone = "Asia/Makassar";
	ev->host_name = "web01.bontangkota.go.id";
	ev->file_path = "/var/log/nginx/access.log";
	ev->offset = 1234;
	ev->dataset = "web.access";
	ev->original = slice(l, sizeof(web_line) - 1);
	ev->client_ip = slice(l, 11);
	ev->remote_user = S("-");
	ev->method = sub(l, "GET");
	ev->url = sub(l, "/?s=slot+gacor");
	ev->path = sub(l, "/");
	ev->query = sub(l, "s=slot+gacor");
	ev->http_version = sub(l, "1.1");
	ev->status = 200;
	ev->bytes = 512;
	ev->referrer = sub(l, "https://www.google.com/");
	ev->user_agent = sub(l, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
	ev->norm_path = S("/");
	ev->norm_query = S("s=slot gacor");
}

static void
test_web_event_round_trip(void **state)
{
	struct ronda_event ev;
	struct ronda_buf b;
	cJSON *j;

	(void)state;
	ronda_buf_init(&b, 0);
	fill_web(&ev);
	j = encode(&ev, &b);
	expect_str(j, "@timestamp", "2026-11-20T15:04:05.123Z");
	expect_str(j, "event.id", ev.id);
	expect_str(j, "event.kind", "event");
	assert_int_equal(cJSON_GetArraySize(jget(j, "event.category")), 1);
	assert_string_equal(cJSON_GetArrayItem(jget(j, "event.category"), 0)->valuestring, "web");
	expect_str(j, "event.dataset", "web.access");
	expect_str(j, "event.original", web_line);
	expect_str(j, "organization.id", "bontangkota.go.id");
	expect_str(j, "organization.name", "Diskominfo Bontang");
	expect_str(j, "host.name", "web01.bontangkota.go.id");
	expect_str(j, "source.ip", "203.0.113.9");
	expect_str(j, "url.original", "/?s=slot+gacor");
	expect_str(j, "url.path", "/");
	expect_str(j, "url.query", "s=slot+gacor");
	expect_str(j, "http.version", "1.1");
	expect_str(j, "http.request.method", "GET");
	expect_str(j, "http.request.referrer", "https://www.google.com/");
	expect_int(j, "http.response.status_code", 200);
	expect_int(j, "http.response.body.bytes", 512);
	expect_str(j, "user_agent.original", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
	expect_str(j, "log.file.path", "/var/log/nginx/access.log");
	expect_int(j, "log.offset", 1234);
	expect_int(j, "ronda.schema", 1);
	expect_str(j, "ronda.site", "bontangkota.go.id");
	expect_str(j, "ronda.region", "Kalimantan Timur");
	expect_str(j, "ronda.timezone", "Asia/Makassar");
	expect_str(j, "ronda.normalized.query", "s=slot gacor");
	/* "-" means absent in a log line: never emitted as a value. */
	expect_absent(j, "user");
	expect_absent(j, "rule");
	expect_absent(j, "event.severity");
	expect_absent(j, "ronda.severity");
	expect_absent(j, "ronda.client");
	expect_absent(j, "process");
	cJSON_Delete(j);

	/* "-" referrer and user agent, zero bytes, no status: members vanish. */
	ev.referrer = S("-");
	ev.user_agent = S("-");
	ev.bytes = 0;
	ev.status = 0;
	j = encode(&ev, &b);
	expect_absent(j, "http.request.referrer");
	expect_absent(j, "user_agent");
	expect_absent(j, "http.response.status_code");
	expect_int(j, "http.response.body.bytes", 0);
	cJSON_Delete(j);

	/* Regression: an empty host name or file path wrote "host":{} and "file":{}. */
	ev.host_name = "";
	ev.file_path = "";
	j = encode(&ev, &b);
	expect_absent(j, "host");
	expect_absent(j, "log");
	cJSON_Delete(j);
	ronda_buf_release(&b);
}

static const char auth_line[] =
    "Nov 20 23:04:05 srv-eperformance sshd[24210]: Failed password for invalid user admin "
    "from 198.51.100.23 port 52144 ssh2";

static void
fill_auth(struct ronda_event *ev)
{
	const char *l = auth_line;

	ronda_event_reset(ev);
	ev->type = RONDA_EVENT_AUTH;
	ev->ts_ms = 1795187045000LL;
	ronda_event_make_id(ev->id, "ekinerja.kaltimprov.go.id", 2049, 77, 1, 4096);
	ev->site = "ekinerja.kaltimprov.go.id";
	ev->file_path = "/var/log/auth.log";
	ev->offset = 4096;
	ev->dataset = "auth.syslog";
	ev->original = slice(l, sizeof(auth_line) - 1);
	ev->log_host = sub(l, "srv-eperformance");
	ev->program = sub(l, "sshd");
	ev->pid = 24210;
	ev->message = slice(strstr(l, "Failed"), strlen(strstr(l, "Failed")));
	ev->action = "ssh_login_failed";
	ev->outcome = "failure";
	ev->user_name = sub(l, "admin");
	ev->source_ip = sub(l, "198.51.100.23");
	ev->source_port = 52144;
	ev->auth_method = "password";
	ev->flags = RONDA_EVENT_TS_GUESSED;
}

static void
test_auth_event_round_trip(void **state)
{
	struct ronda_event ev;
	struct ronda_buf b;
	cJSON *j;

	(void)state;
	ronda_buf_init(&b, 0);
	fill_auth(&ev);
	j = encode(&ev, &b);
	expect_str(j, "event.kind", "event");
	assert_string_equal(cJSON_GetArrayItem(jget(j, "event.category"), 0)->valuestring,
	    "authentication");
	expect_str(j, "event.action", "ssh_login_failed");
	expect_str(j, "event.outcome", "failure");
	expect_str(j, "event.original", auth_line);
	expect_str(j, "observer.hostname", "srv-eperformance");
	expect_str(j, "process.name", "sshd");
	expect_int(j, "process.pid", 24210);
	expect_str(j, "message", strstr(auth_line, "Failed"));
	expect_str(j, "user.name", "admin");
	expect_str(j, "source.ip", "198.51.100.23");
	expect_int(j, "source.port", 52144);
	expect_str(j, "ronda.auth.method", "password");
	assert_true(cJSON_IsTrue(jget(j, "ronda.time_guessed")));
	expect_absent(j, "ronda.parse_error");
	expect_absent(j, "ronda.truncated");
	expect_absent(j, "http");
	expect_absent(j, "url");
	expect_absent(j, "host");
	cJSON_Delete(j);

	/* source_ip wins over client_ip; IPv6 is an address too. */
	ev.client_ip = S("192.0.2.1");
	ev.source_ip = S("2001:db8::17");
	j = encode(&ev, &b);
	expect_str(j, "source.ip", "2001:db8::17");
	cJSON_Delete(j);
	ronda_buf_release(&b);
}

static void
test_metric_event(void **state)
{
	static const char metrics[] =
	    "{\"window_s\":60,\"requests\":1840,\"status\":{\"2xx\":1700,\"4xx\":120,\"5xx\":20},"
	    "\"distinct_ips\":311,\"top\":[{\"ip\":\"203.0.113.9\",\"n\":402}]}";
	struct ronda_event ev;
	struct ronda_buf b;
	cJSON *j;

	(void)state;
	ronda_buf_init(&b, 0);
	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_METRIC;
	ev.ts_ms = 1795187040000LL;
	ronda_event_make_id(ev.id, "samarindakota.go.id", 0, 0, 0, 1795215840);
	ev.site = "samarindakota.go.id";
	ev.dataset = "web.metrics";
	ev.metric_json = slice(metrics, sizeof(metrics) - 1);
	j = encode(&ev, &b);
	expect_str(j, "event.kind", "metric");
	expect_str(j, "@timestamp", "2026-11-20T15:04:00.000Z");
	expect_int(j, "ronda.metrics.requests", 1840);
	expect_int(j, "ronda.metrics.status.5xx", 20);
	expect_str(j, "ronda.metrics.top.0.ip", "203.0.113.9");
	expect_absent(j, "log");
	expect_absent(j, "source");
	cJSON_Delete(j);

	/* Only metric events carry metric_json. */
	fill_web(&ev);
	ev.metric_json = slice(metrics, sizeof(metrics) - 1);
	j = encode(&ev, &b);
	expect_absent(j, "ronda.metrics");
	cJSON_Delete(j);
	ronda_buf_release(&b);
}

static void
test_alert_with_rules(void **state)
{
	struct ronda_event ev;
	struct ronda_buf b;
	const cJSON *ids, *names, *cats;
	cJSON *j;

	(void)state;
	ronda_buf_init(&b, 0);
	fill_web(&ev);
	ev.url = S("/index.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--");
	ev.rules[0] = (struct ronda_event_rule){ "sqli-union-select", "SQL injection: UNION SELECT",
	    "sqli", RONDA_SEV_HIGH };
	ev.rules[1] = (struct ronda_event_rule){ "recon-users-table", "Probe for \"users\" table",
	    "recon", RONDA_SEV_LOW };
	ev.nrules = 2;
	ev.severity = RONDA_SEV_HIGH;
	j = encode(&ev, &b);
	expect_str(j, "event.kind", "alert");
	expect_int(j, "event.severity", 3);
	expect_str(j, "ronda.severity", "high");
	ids = jget(j, "rule.id");
	names = jget(j, "rule.name");
	cats = jget(j, "rule.category");
	assert_int_equal(cJSON_GetArraySize(ids), 2);
	assert_int_equal(cJSON_GetArraySize(names), 2);
	assert_int_equal(cJSON_GetArraySize(cats), 2);
	assert_string_equal(cJSON_GetArrayItem(ids, 0)->valuestring, "sqli-union-select");
	assert_string_equal(cJSON_GetArrayItem(ids, 1)->valuestring, "recon-users-table");
	assert_string_equal(cJSON_GetArrayItem(names, 1)->valuestring, "Probe for \"users\" table");
	assert_string_equal(cJSON_GetArrayItem(cats, 0)->valuestring, "sqli");
	assert_string_equal(cJSON_GetArrayItem(cats, 1)->valuestring, "recon");
	cJSON_Delete(j);

	/* The cap of 16 rules per event fills exactly. */
	for (int i = 0; i < RONDA_EVENT_MAX_RULES; i++)
		ev.rules[i] = (struct ronda_event_rule){ "xss-script-tag", "XSS: <script>", "xss",
		    RONDA_SEV_MEDIUM };
	ev.nrules = RONDA_EVENT_MAX_RULES;
	ev.severity = RONDA_SEV_MEDIUM;
	j = encode(&ev, &b);
	assert_int_equal(cJSON_GetArraySize(jget(j, "rule.id")), RONDA_EVENT_MAX_RULES);
	expect_str(j, "ronda.severity", "medium");
	cJSON_Delete(j);
	ronda_buf_release(&b);
}

/*
 * Attacker-chosen bytes in every slice: each must survive as text. A byte
 * that is not UTF-8 becomes the literal four characters \xHH.
 */
static void
test_hostile_bytes_escaped(void **state)
{
	/* The slice ends before the trailing "\x82\xac": the encoder must not peek past it. */
	static const char hostile[] =
	    "/a\"b\\c\n\r\t\x1b[31mred\x1b[0m\x01\x7f/\xff\xfe/\xc0\xaf/\xed\xa0\x80/caf\xc3\xa9/"
	    "\xf0\x9f\x98\x80/\xe2\x82\xac/\xe2";
	static const char after[] = "\x82\xac";
	char backing[sizeof(hostile) + sizeof(after)];
	size_t n = sizeof(hostile) - 1;
	static const char with_nul[] = "GET /x\0y HTTP/1.1";
	struct ronda_event ev;
	struct ronda_buf b;
	cJSON *j;

	(void)state;
	memcpy(backing, hostile, n);
	memcpy(backing + n, after, sizeof(after));
	ronda_buf_init(&b, 0);
	fill_web(&ev);
	ev.url = slice(backing, n);
	ev.user_agent = slice(backing, n);
	ev.remote_user = slice("ad\"min\\", 7);
	ev.original = slice(with_nul, sizeof(with_nul) - 1);
	j = encode(&ev, &b);
	expect_str(j, "url.original",
	    "/a\"b\\c\n\r\t\x1b[31mred\x1b[0m\x01\x7f/\\xff\\xfe/\\xc0\\xaf/\\xed\\xa0\\x80/"
	    "caf\xc3\xa9/\xf0\x9f\x98\x80/\xe2\x82\xac/\\xe2");
	expect_str(j, "user.name", "ad\"min\\");
	/* JSON text: ESC as \u001b, NUL as \u0000, invalid bytes as \\xHH. */
	assert_non_null(strstr(b.data, "\\u001b[31mred"));
	assert_non_null(strstr(b.data, "\"GET /x\\u0000y HTTP/1.1\""));
	assert_non_null(strstr(b.data, "/\\\\xff\\\\xfe/"));
	assert_non_null(strstr(b.data, "/\\\\xe2\""));
	cJSON_Delete(j);

	/* A client field that is not an IP goes to ronda.client, escaped. */
	ev.client_ip = S("evil\"host\x1b");
	j = encode(&ev, &b);
	expect_absent(j, "source");
	expect_str(j, "ronda.client", "evil\"host\x1b");
	cJSON_Delete(j);

	/*
	 * Regression: the address check stopped at a NUL, so "1.2.3.4\0x"
	 * went out as source.ip (which the schema's pattern refuses).
	 */
	ev.client_ip = slice("1.2.3.4\0x", 9);
	j = encode(&ev, &b);
	expect_absent(j, "source");
	assert_non_null(strstr(b.data, "\"client\":\"1.2.3.4\\u0000x\""));
	cJSON_Delete(j);
	ev.client_ip = slice("::1\0x", 5);
	j = encode(&ev, &b);
	expect_absent(j, "source");
	cJSON_Delete(j);
	/* inet_pton's rules: no leading zeros, four octets of at most 255. */
	{
		static const char *const yes[] = { "0.0.0.0", "1.2.3.4", "255.255.255.255",
		    "10.0.100.9" };
		static const char *const no[] = { "01.2.3.4", "1.2.3.256", "1.2.3", "1.2.3.4.",
		    "1.2.3.4.5", ".1.2.3", "1..2.3", "1.2.3.4 ", "1.2.3.-4", "1.2.3.00" };
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			ev.client_ip = slice(yes[i], strlen(yes[i]));
			j = encode(&ev, &b);
			expect_str(j, "source.ip", yes[i]);
			cJSON_Delete(j);
		}
		for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
			ev.client_ip = slice(no[i], strlen(no[i]));
			j = encode(&ev, &b);
			expect_absent(j, "source");
			expect_str(j, "ronda.client", no[i]);
			cJSON_Delete(j);
		}
	}
	ronda_buf_release(&b);
}

/* Random bytes in every slice, many times: always JSON, always clean UTF-8. */
static void
test_random_bytes_always_valid(void **state)
{
	unsigned char pool[4096];
	struct ronda_event ev;
	struct ronda_buf b;
	uint64_t x = 0x243f6a8885a308d3ULL;

	(void)state;
	ronda_buf_init(&b, 0);
	for (int round = 0; round < 3000; round++) {
		struct ronda_str *f[] = { &ev.original, &ev.url, &ev.path, &ev.query,
		    &ev.user_agent, &ev.referrer, &ev.method, &ev.message, &ev.user_name,
		    &ev.client_ip, &ev.vhost, &ev.program, &ev.norm_path };
		cJSON *j;

		for (size_t i = 0; i < sizeof(pool); i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			/* Bias toward the interesting ranges: controls and high bytes. */
			pool[i] = (unsigned char)((x & 3) == 0 ? (x >> 8) % 0x20 : (x >> 8));
		}
		fill_web(&ev);
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			size_t off = (size_t)((x >> (k * 3)) % 2048), len = (size_t)((x >> k) % 300);
			*f[k] = slice((const char *)pool + off, len);
		}
		j = encode(&ev, &b);
		cJSON_Delete(j);
	}
	ronda_buf_release(&b);
}

/* A 10 MB field fits the default 16 MiB cap; past any cap we get -1, not growth. */
static void
test_huge_fields_meet_the_cap(void **state)
{
	size_t big = 10u * 1024 * 1024;
	char *p = malloc(big);
	struct ronda_event ev;
	struct ronda_buf b;
	cJSON *j;

	(void)state;
	assert_non_null(p);
	memset(p, 'A', big);
	memcpy(p, "GET /", 5);
	ronda_buf_init(&b, 0);
	fill_web(&ev);
	ev.original = slice(p, big);
	j = encode(&ev, &b);
	assert_int_equal(strlen(jget(j, "event.original")->valuestring), big);
	assert_true(b.len > big && b.len <= 16u * 1024 * 1024);
	cJSON_Delete(j);

	/* 10 MB of control bytes is 60 MB of JSON: refused at the cap. */
	memset(p, 0x01, big);
	ronda_buf_reset(&b);
	assert_int_equal(ronda_event_to_json(&ev, &b), -1);
	assert_true(b.overflow);
	assert_true(b.len <= b.max);
	ronda_buf_release(&b);

	/* A small cap (one Kafka message) and a 100 kB line. */
	ronda_buf_init(&b, 64 * 1024);
	memset(p, 'B', 100 * 1024);
	ev.original = slice(p, 100 * 1024);
	assert_int_equal(ronda_event_to_json(&ev, &b), -1);
	assert_true(b.overflow);
	assert_true(b.len <= 64 * 1024);
	ronda_buf_release(&b);
	free(p);
}

/*
 * The escaper tests eight bytes at a time and falls back byte by byte: every
 * byte value at every position of a word (and across the word boundary)
 * must come out as the one-byte-at-a-time rules say.
 */
static void
test_json_escape_every_byte_every_position(void **state)
{
	char in[24], want[64], hex[] = "0123456789abcdef";
	struct ronda_buf b;

	(void)state;
	ronda_buf_init(&b, 0);
	for (int c = 0; c < 256; c++) {
		for (size_t pos = 0; pos < sizeof(in); pos++) {
			size_t o = 0;
			memset(in, 'a', sizeof(in));
			in[pos] = (char)c;
			want[o++] = '"';
			for (size_t i = 0; i < sizeof(in); i++) {
				unsigned char u = (unsigned char)in[i];
				if (u == '"' || u == '\\') {
					want[o++] = '\\';
					want[o++] = (char)u;
				} else if (u == '\n' || u == '\r' || u == '\t') {
					want[o++] = '\\';
					want[o++] = u == '\n' ? 'n' : u == '\r' ? 'r' : 't';
				} else if (u < 0x20 || u == 0x7f) {
					memcpy(want + o, "\\u00", 4);
					o += 4;
					want[o++] = hex[u >> 4];
					want[o++] = hex[u & 15];
				} else if (u >= 0x80) {	/* alone: never valid UTF-8 */
					memcpy(want + o, "\\\\x", 3);
					o += 3;
					want[o++] = hex[u >> 4];
					want[o++] = hex[u & 15];
				} else {
					want[o++] = (char)u;
				}
			}
			want[o++] = '"';
			ronda_buf_reset(&b);
			assert_int_equal(ronda_buf_json_str(&b, in, sizeof(in)), 0);
			assert_int_equal(ronda_json_str_len(in, sizeof(in)), o);
			if (b.len != o || memcmp(b.data, want, o) != 0)
				fail_msg("byte 0x%02x at %zu: got %s", c, pos, b.data);
		}
	}
	ronda_buf_release(&b);
}

/* An event that ends exactly at the buffer's cap fits; one byte less and it is refused. */
static void
test_event_exactly_at_the_cap(void **state)
{
	struct ronda_event ev;
	struct ronda_buf b, c;
	size_t len;

	(void)state;
	fill_web(&ev);
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_event_to_json(&ev, &b), 0);
	len = b.len;
	for (size_t cap = len - 40; cap <= len + 1; cap++) {
		ronda_buf_init(&c, cap);
		if (cap >= len) {
			assert_int_equal(ronda_event_to_json(&ev, &c), 0);
			assert_int_equal(c.len, len);
			assert_memory_equal(c.data, b.data, len);
			assert_int_equal(c.data[len], '\0');
		} else {
			assert_int_equal(ronda_event_to_json(&ev, &c), -1);
			assert_true(c.overflow);
			assert_true(c.len <= cap);
		}
		ronda_buf_release(&c);
	}
	ronda_buf_release(&b);
}

/*
 * The encoder writes an event one of two ways (after one reservation of an
 * upper bound, with the members that repeat from line to line copied from a
 * memo; or piece by piece near the buffer's cap): both must write the same
 * bytes. A cap of exactly the event's length forces the second way. The
 * site, agency, region and file change between events, also in place in
 * the same buffer (a pointer reused for other text must not hit the memo).
 */
static void
test_fast_and_checked_layouts_agree(void **state)
{
	/* Same lengths, other bytes: only the content tells them apart. */
	static const char *const sites[] = { "bontangkota.go.id", "samarindakota.id", "",
	    "site \"q\"\x01 xx.go.id", "bontangkota.go.ix" };
	static const char *const paths[] = { "/var/log/nginx/access.log", "/var/log/a\\b.log",
	    "/var/log/nginx/access.lox" };
	char site_buf[64], path_buf[64], pool[2048];
	struct ronda_event ev;
	struct ronda_buf a, c;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(pool); i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		pool[i] = (char)((x & 7) == 0 ? (x >> 8) % 0x20 : 0x20 + (x >> 8) % 0x5f);
	}
	ronda_buf_init(&a, 0);
	for (int round = 0; round < 2000; round++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		fill_web(&ev);
		snprintf(site_buf, sizeof(site_buf), "%s", sites[x % 5]);
		snprintf(path_buf, sizeof(path_buf), "%s", paths[(x >> 4) % 3]);
		ev.site = site_buf;
		ev.agency = (x >> 8) % 3 == 0 ? NULL : site_buf;
		ev.region = (x >> 10) % 2 ? "Kalimantan Timur" : "";
		ev.timezone = (x >> 11) % 2 ? "Asia/Makassar" : NULL;
		ev.host_name = (x >> 12) % 2 ? "web1" : NULL;
		ev.file_path = (x >> 13) % 4 == 0 ? NULL : path_buf;
		ev.offset = x >> 20;
		ev.user_agent = slice(pool + (x >> 24) % 1024, (x >> 34) % 300);
		ev.original = slice(pool + (x >> 44) % 1024, (x >> 54) % 400);
		ronda_buf_reset(&a);
		assert_int_equal(ronda_event_to_json(&ev, &a), 0);
		ronda_buf_init(&c, a.len);
		assert_int_equal(ronda_event_to_json(&ev, &c), 0);
		if (c.len != a.len || memcmp(c.data, a.data, a.len) != 0)
			fail_msg("round %d:\nfast:    %s\nchecked: %s", round, a.data, c.data);
		ronda_buf_release(&c);
	}
	ronda_buf_release(&a);
}

/* Regression: ronda_buf_putc's fast path wrote past max when the allocation was larger. */
static void
test_buf_putc_respects_cap(void **state)
{
	struct ronda_buf b;
	char fill[1000];

	(void)state;
	memset(fill, 'x', sizeof(fill));
	ronda_buf_init(&b, 1000);
	assert_int_equal(ronda_buf_append(&b, fill, 999), 0);
	assert_int_equal(ronda_buf_putc(&b, 'y'), 0);
	assert_int_equal(b.len, 1000);
	assert_int_equal(ronda_buf_putc(&b, 'z'), -1);
	assert_int_equal(b.len, 1000);
	assert_true(b.overflow);
	/* A JSON string that ends exactly at the cap is refused, not overrun. */
	ronda_buf_reset(&b);
	assert_int_equal(ronda_buf_append(&b, fill, 990), 0);
	assert_int_equal(ronda_buf_json_str(&b, "12345678", 8), 0);	/* exactly 1000 */
	assert_int_equal(b.len, 1000);
	ronda_buf_reset(&b);
	assert_int_equal(ronda_buf_append(&b, fill, 990), 0);
	assert_int_equal(ronda_buf_json_str(&b, "123456789", 9), -1);
	assert_true(b.len <= 1000);
	ronda_buf_release(&b);
}

static void
test_timestamps(void **state)
{
	struct ronda_event ev;
	struct ronda_buf b;
	cJSON *j;

	(void)state;
	ronda_buf_init(&b, 0);
	fill_auth(&ev);
	ev.ts_ms = 0;
	j = encode(&ev, &b);
	expect_str(j, "@timestamp", "1970-01-01T00:00:00.000Z");
	cJSON_Delete(j);
	ev.ts_ms = 951782400999LL;	/* leap day 2000 */
	j = encode(&ev, &b);
	expect_str(j, "@timestamp", "2000-02-29T00:00:00.999Z");
	cJSON_Delete(j);
	ev.ts_ms = -1;
	j = encode(&ev, &b);
	expect_str(j, "@timestamp", "1969-12-31T23:59:59.999Z");
	cJSON_Delete(j);
	ronda_buf_release(&b);
}

static int
is_hex32(const char *s)
{
	if (strlen(s) != RONDA_EVENT_ID_LEN)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static void
test_event_id_deterministic(void **state)
{
	char a[RONDA_EVENT_ID_LEN + 1], b2[RONDA_EVENT_ID_LEN + 1];
	const char *site = "bontangkota.go.id";

	(void)state;
	ronda_event_make_id(a, site, 2049, 131077, 42, 1234);
	ronda_event_make_id(b2, site, 2049, 131077, 42, 1234);
	assert_true(is_hex32(a));
	assert_string_equal(a, b2);

	ronda_event_make_id(b2, site, 2049, 131077, 42, 1235);
	assert_string_not_equal(a, b2);
	ronda_event_make_id(b2, site, 2049, 131078, 42, 1234);
	assert_string_not_equal(a, b2);
	ronda_event_make_id(b2, site, 2050, 131077, 42, 1234);
	assert_string_not_equal(a, b2);
	ronda_event_make_id(b2, site, 2049, 131077, 43, 1234);
	assert_string_not_equal(a, b2);
	ronda_event_make_id(b2, "samarindakota.go.id", 2049, 131077, 42, 1234);
	assert_string_not_equal(a, b2);
	/* Swapping inode and offset must not collide (fields are positional). */
	ronda_event_make_id(a, site, 0, 5, 0, 7);
	ronda_event_make_id(b2, site, 0, 7, 0, 5);
	assert_string_not_equal(a, b2);
}

static int
cmp_id(const void *x, const void *y)
{
	return memcmp(x, y, RONDA_EVENT_ID_LEN);
}

/* 200k consecutive line offsets of one file: 200k distinct ids. */
/*
 * Ids never change between versions: a line resent after an upgrade must be
 * recognised downstream. Pinned values, and the documented construction
 * (ronda_hash64 of the 32-byte little-endian key under the site's seed and
 * that seed ^ a constant) against the optimised one on many inputs.
 */
static void
test_event_id_pinned(void **state)
{
	char id[RONDA_EVENT_ID_LEN + 1], want[RONDA_EVENT_ID_LEN + 1];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	ronda_event_make_id(id, "bontangkota.go.id", 2049, 131077, 42, 1234);
	assert_string_equal(id, "ed4baceb9b69698970c3d6110d253f19");
	ronda_event_make_id(id, "kutaitimurkab.go.id", 0, 0, 0, 0);
	assert_string_equal(id, "513bf584dd1d2fae18c99273cee8a9eb");
	ronda_event_make_id(id, "x", UINT64_MAX, 1, UINT64_C(1) << 63, 216149536);
	assert_string_equal(id, "cf663510be774dce3cea470719652a13");
	for (int round = 0; round < 10000; round++) {
		uint64_t v[4], s, h[2];
		unsigned char key[32];
		const char *site = round % 2 ? "bontangkota.go.id" : "s";

		for (int k = 0; k < 4; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			v[k] = round % 3 ? x : x & 0xffff;
		}
		for (int k = 0; k < 4; k++)
			for (int i = 0; i < 8; i++)
				key[k * 8 + i] = (unsigned char)(v[k] >> (8 * i));
		s = ronda_hash64(site, strlen(site), 0x524f4e4441ULL);
		h[0] = ronda_hash64(key, sizeof(key), s);
		h[1] = ronda_hash64(key, sizeof(key), s ^ 0xa0761d6478bd642fULL);
		snprintf(want, sizeof(want), "%016llx%016llx", (unsigned long long)h[0],
		    (unsigned long long)h[1]);
		ronda_event_make_id(id, site, v[0], v[1], v[2], v[3]);
		assert_string_equal(id, want);
		ronda_event_make_id_seeded(id, ronda_event_id_seed(site), v[0], v[1], v[2], v[3]);
		assert_string_equal(id, want);
	}
}

static void
test_event_ids_distinct_by_offset(void **state)
{
	enum { N = 200000 };
	char (*ids)[RONDA_EVENT_ID_LEN + 1] = malloc(sizeof(*ids) * N);
	uint64_t off = 0;

	(void)state;
	assert_non_null(ids);
	for (int i = 0; i < N; i++) {
		ronda_event_make_id(ids[i], "pn-samarinda.go.id", 2049, 9912, 0xabcdefULL, off);
		off += 140 + (uint64_t)(i % 97);	/* realistic line lengths */
	}
	qsort(ids, N, sizeof(*ids), cmp_id);
	for (int i = 1; i < N; i++)
		if (memcmp(ids[i - 1], ids[i], RONDA_EVENT_ID_LEN) == 0)
			fail_msg("duplicate id %s", ids[i]);
	free(ids);
}

static char *
read_file_src(const char *rel)
{
	const char *src = getenv("RONDA_SRC");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The schema's rule category vocabulary is exactly the one rules.c accepts. */
static void
test_schema_categories_match_rules(void **state)
{
	char *text = read_file_src("schemas/event.schema.json");
	const char *const *cats = ronda_rules_categories();
	const cJSON *en;
	cJSON *schema;
	int n = 0;

	(void)state;
	if (text == NULL)
		fail_msg("schemas/event.schema.json not found (set RONDA_SRC)");
	schema = cJSON_Parse(text);
	assert_non_null(schema);
	en = jget(schema, "$defs.category.enum");
	assert_non_null(en);
	for (n = 0; cats[n] != NULL; n++) {
		int found = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, en)
			if (strcmp(it->valuestring, cats[n]) == 0)
				found = 1;
		if (!found)
			fail_msg("rules.c category \"%s\" missing from the schema", cats[n]);
	}
	assert_int_equal(cJSON_GetArraySize(en), n);
	cJSON_Delete(schema);
	free(text);
}

/*
 * The encoder's own output validates against schemas/event.schema.json
 * (through tests/e2e/check_events.py, jsonschema with format checking).
 */
static void
test_output_matches_schema(void **state)
{
	const char *src = getenv("RONDA_SRC") ? getenv("RONDA_SRC") : ".";
	char path[] = "/tmp/ronda-test-event.XXXXXX", cmd[8192];
	struct ronda_event ev;
	struct ronda_buf b;
	FILE *f;
	int fd, rc;

	(void)state;
	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0)
		skip();
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	ronda_buf_init(&b, 0);
	for (int k = 0; k < 6; k++) {
		if (k == 0 || k == 3) {
			fill_web(&ev);
		} else if (k == 1) {
			fill_auth(&ev);
		} else if (k == 2) {
			ronda_event_reset(&ev);
			ev.type = RONDA_EVENT_METRIC;
			ronda_event_make_id(ev.id, "kutaikartanegarakab.go.id", 0, 0, 0, 60);
			ev.site = "kutaikartanegarakab.go.id";
			ev.metric_json = S("{\"requests\":5}");
		} else if (k == 4) {
			fill_web(&ev);
			ev.rules[0] = (struct ronda_event_rule){ "webshell-known", "Known webshell",
			    "webshell", RONDA_SEV_CRITICAL };
			ev.nrules = 1;
			ev.severity = RONDA_SEV_CRITICAL;
			ev.flags = RONDA_EVENT_TRUNCATED | RONDA_EVENT_PARSE_ERROR;
			ev.url = S("/wp-content/uploads/\xff\x1b/shell.php?cmd=id");
			ev.vhost = S("jdih.bontangkota.go.id");
			ev.vhost_port = 443;
		} else {
			fill_web(&ev);
			ev.client_ip = S("crawler.example.net");
			ev.status = 404;
		}
		if (ev.type != RONDA_EVENT_METRIC) {
			ev.offset = 100000 + (uint64_t)k * 180;
			ronda_event_make_id(ev.id, ev.site, 2049, 131077, 42, ev.offset);
		}
		ronda_buf_reset(&b);
		assert_int_equal(ronda_event_to_json(&ev, &b), 0);
		fprintf(f, "%s\n", b.data);
	}
	fclose(f);
	ronda_buf_release(&b);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/e2e/check_events.py' "
	    "--schema '%s/schemas/event.schema.json' --expect-count 6 '%s'", src, src, path);
	rc = system(cmd);
	unlink(path);
	assert_int_equal(rc, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_web_event_round_trip),
		cmocka_unit_test(test_auth_event_round_trip),
		cmocka_unit_test(test_metric_event),
		cmocka_unit_test(test_alert_with_rules),
		cmocka_unit_test(test_hostile_bytes_escaped),
		cmocka_unit_test(test_random_bytes_always_valid),
		cmocka_unit_test(test_huge_fields_meet_the_cap),
		cmocka_unit_test(test_buf_putc_respects_cap),
		cmocka_unit_test(test_json_escape_every_byte_every_position),
		cmocka_unit_test(test_event_id_pinned),
		cmocka_unit_test(test_event_exactly_at_the_cap),
		cmocka_unit_test(test_fast_and_checked_layouts_agree),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_event_id_deterministic),
		cmocka_unit_test(test_event_ids_distinct_by_offset),
		cmocka_unit_test(test_schema_categories_match_rules),
		cmocka_unit_test(test_output_matches_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
