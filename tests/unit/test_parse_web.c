/*
 * test_parse_web.c — access-log lines as nginx and Apache write them, the
 * broken ones real servers write too, and hostile ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ronda/event.h"
#include "ronda/parse.h"
#include "ronda/timeutil.h"

#define S(lit) lit, sizeof(lit) - 1

static void
str_eq(struct ronda_str s, const char *want, const char *what)
{
	size_t wn = want ? strlen(want) : 0;

	if (s.n != wn || (wn && memcmp(s.p, want, wn) != 0)) {
		print_error("%s: got \"%.*s\" (%zu), want \"%s\"\n", what, (int)s.n,
		    s.p ? s.p : "", s.n, want ? want : "(absent)");
		fail();
	}
}
#define STR_EQ(ev, field, want) str_eq((ev).field, (want), #field)

static int64_t
utc_ms(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	return ronda_timegm(y, mo, d, h, mi, s) * 1000;
}

static int
parse(struct ronda_event *ev, const char *l, size_t n, enum ronda_web_format f)
{
	ronda_event_reset(ev);
	return ronda_parse_web(ev, l, n, f);
}

static void
test_nginx_combined(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /index.php?s=slot+gacor+hari+ini HTTP/1.1\" 200 5120 "
	    "\"https://www.google.com/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\""),
	    RONDA_WEB_COMBINED), 0);
	assert_int_equal(ev.type, RONDA_EVENT_WEB);
	assert_int_equal(ev.flags & RONDA_EVENT_PARSE_ERROR, 0);
	STR_EQ(ev, client_ip, "203.0.113.9");
	STR_EQ(ev, remote_user, NULL);
	assert_int_equal(ev.ts_ms, utc_ms(2026, 11, 20, 15, 4, 5));
	STR_EQ(ev, method, "GET");
	STR_EQ(ev, url, "/index.php?s=slot+gacor+hari+ini");
	STR_EQ(ev, path, "/index.php");
	STR_EQ(ev, query, "s=slot+gacor+hari+ini");
	STR_EQ(ev, http_version, "1.1");
	assert_int_equal(ev.status, 200);
	assert_int_equal(ev.bytes, 5120);
	STR_EQ(ev, referrer, "https://www.google.com/");
	STR_EQ(ev, user_agent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36");
	STR_EQ(ev, vhost, NULL);
}

static void
test_apache_combined_user_and_negative_offset(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("198.51.100.23 - operator [01/Mar/2026:00:30:00 -0300] "
	    "\"POST /wp-login.php HTTP/1.0\" 302 - \"-\" \"WordPress/6.4; https://x.example\""),
	    RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, remote_user, "operator");
	/* 00:30 at -03:00 is 03:30 UTC the same day */
	assert_int_equal(ev.ts_ms, utc_ms(2026, 3, 1, 3, 30, 0));
	STR_EQ(ev, method, "POST");
	STR_EQ(ev, path, "/wp-login.php");
	STR_EQ(ev, query, NULL);
	STR_EQ(ev, http_version, "1.0");
	assert_int_equal(ev.status, 302);
	assert_int_equal(ev.bytes, -1);
	STR_EQ(ev, referrer, NULL);
	STR_EQ(ev, user_agent, "WordPress/6.4; https://x.example");
}

static void
test_offset_crosses_day_and_year(void **state)
{
	struct ronda_event ev;
	(void)state;

	/* 05:00 WIT (+0900) on New Year's Day is 20:00 UTC on New Year's Eve */
	assert_int_equal(parse(&ev, S("192.0.2.44 - - [01/Jan/2027:05:00:00 +0900] "
	    "\"GET / HTTP/1.1\" 200 612 \"-\" \"curl/7.88.1\""), RONDA_WEB_COMBINED), 0);
	assert_int_equal(ev.ts_ms, utc_ms(2026, 12, 31, 20, 0, 0));
}

static void
test_odd_remote_users(void **state)
{
	struct ronda_event ev;
	(void)state;

	/* Basic-auth user names are whatever the client sent */
	assert_int_equal(parse(&ev, S("192.0.2.7 - admin user [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /admin/ HTTP/1.1\" 401 381 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, remote_user, "admin user");
	assert_int_equal(parse(&ev, S("192.0.2.7 - a[b] [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /admin/ HTTP/1.1\" 401 381 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, remote_user, "a[b]");
	assert_int_equal(ev.status, 401);
}

static void
test_common_format(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("192.0.2.4 - bob [20/Nov/2026:23:04:05 +0000] "
	    "\"GET /apache_pb.gif HTTP/1.0\" 200 2326"), RONDA_WEB_COMMON), 0);
	STR_EQ(ev, client_ip, "192.0.2.4");
	STR_EQ(ev, remote_user, "bob");
	STR_EQ(ev, url, "/apache_pb.gif");
	assert_int_equal(ev.status, 200);
	assert_int_equal(ev.bytes, 2326);
	STR_EQ(ev, user_agent, NULL);

	/* a common line in a log configured as combined is still read */
	assert_int_equal(parse(&ev, S("192.0.2.4 - - [20/Nov/2026:23:04:05 +0000] "
	    "\"GET / HTTP/1.0\" 304 0"), RONDA_WEB_COMBINED), 0);
	assert_int_equal(ev.status, 304);
	assert_int_equal(ev.bytes, 0);
}

static void
test_vhost_combined(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("www.bontangkota.go.id:443 203.0.113.9 - - "
	    "[20/Nov/2026:23:04:05 +0800] \"GET /wp-content/plugins/x/shell.php?cmd=id "
	    "HTTP/1.1\" 200 14 \"-\" \"python-requests/2.31.0\""),
	    RONDA_WEB_VHOST_COMBINED), 0);
	STR_EQ(ev, vhost, "www.bontangkota.go.id");
	assert_int_equal(ev.vhost_port, 443);
	STR_EQ(ev, client_ip, "203.0.113.9");
	STR_EQ(ev, path, "/wp-content/plugins/x/shell.php");
	STR_EQ(ev, query, "cmd=id");
	STR_EQ(ev, user_agent, "python-requests/2.31.0");

	/* Apache's default vhost when no ServerName matched; port after the last ':' */
	assert_int_equal(parse(&ev, S("[2001:db8::5]:80 2001:db8::77 - - "
	    "[20/Nov/2026:23:04:05 +0800] \"GET / HTTP/1.1\" 200 10 \"-\" \"-\""),
	    RONDA_WEB_VHOST_COMBINED), 0);
	STR_EQ(ev, vhost, "[2001:db8::5]");
	assert_int_equal(ev.vhost_port, 80);
	STR_EQ(ev, client_ip, "2001:db8::77");
	STR_EQ(ev, user_agent, NULL);
}

static void
test_extra_trailing_fields(void **state)
{
	struct ronda_event ev;
	(void)state;

	/* nginx: combined + "$http_x_forwarded_for" $request_time */
	assert_int_equal(parse(&ev, S("10.10.0.5 - - [20/Nov/2026:23:04:05 +0700] "
	    "\"GET /api/v1/pengaduan HTTP/1.1\" 200 931 \"-\" \"okhttp/4.9.3\" "
	    "\"36.80.1.2, 10.10.0.1\" 0.031"), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, user_agent, "okhttp/4.9.3");
	assert_int_equal(ev.bytes, 931);
	assert_int_equal(ev.ts_ms, utc_ms(2026, 11, 20, 16, 4, 5));

	/* Apache: combined + %D */
	assert_int_equal(parse(&ev, S("10.10.0.5 - - [20/Nov/2026:23:04:05 +0700] "
	    "\"GET / HTTP/1.1\" 200 931 \"-\" \"Mozilla/5.0\" 1234"),
	    RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, user_agent, "Mozilla/5.0");
}

static void
test_ipv6_client(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("2001:db8:85a3::8a2e:370:7334 - - "
	    "[20/Nov/2026:23:04:05 +0800] \"GET /.env HTTP/1.1\" 404 153 \"-\" "
	    "\"Mozilla/5.0 (compatible; Nimbostratus-Bot/v1.3.2)\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, client_ip, "2001:db8:85a3::8a2e:370:7334");
	STR_EQ(ev, path, "/.env");
	assert_int_equal(ev.status, 404);
}

static void
test_nginx_400_dash_request(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("45.148.10.11 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"-\" 400 0 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	assert_int_equal(ev.flags & RONDA_EVENT_PARSE_ERROR, 0);
	STR_EQ(ev, method, NULL);
	STR_EQ(ev, url, NULL);
	assert_int_equal(ev.status, 400);
	assert_int_equal(ev.bytes, 0);
}

static void
test_tls_handshake_on_port_80(void **state)
{
	struct ronda_event ev;
	(void)state;

	/* nginx escapes the ClientHello bytes as \xHH */
	assert_int_equal(parse(&ev, S("162.142.125.7 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"\\x16\\x03\\x01\\x00\\xF4\\x01\\x00\\x00\\xF0\\x03\\x03\\xB1~\\xE2\" 400 157 "
	    "\"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, method, NULL);
	STR_EQ(ev, url, NULL);
	STR_EQ(ev, http_version, NULL);
	assert_int_equal(ev.status, 400);
	assert_int_equal(ev.bytes, 157);

	/* an SSH banner sent to the web port */
	assert_int_equal(parse(&ev, S("162.142.125.7 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"SSH-2.0-Go\" 400 157 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, method, NULL);
	assert_int_equal(ev.status, 400);
}

static void
test_apache_escaped_quotes(void **state)
{
	struct ronda_event ev;
	(void)state;

	/*
	 * Apache writes the attacker's quote as \" : the request must not end at
	 * the escaped `\" 200 1 ` the attacker put there to spoof the status.
	 */
	assert_int_equal(parse(&ev, S("192.0.2.66 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /?q=\\\" 200 1 \\\"x\\\" \\\"y HTTP/1.1\" 403 199 \"-\" "
	    "\"sqlmap/1.7 \\\"stable\\\"\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, method, "GET");
	STR_EQ(ev, url, "/?q=\\\" 200 1 \\\"x\\\" \\\"y");
	STR_EQ(ev, query, "q=\\\" 200 1 \\\"x\\\" \\\"y");
	STR_EQ(ev, http_version, "1.1");
	assert_int_equal(ev.status, 403);
	assert_int_equal(ev.bytes, 199);
	STR_EQ(ev, user_agent, "sqlmap/1.7 \\\"stable\\\"");

	/* an escaped backslash right before the closing quote */
	assert_int_equal(parse(&ev, S("192.0.2.66 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /a\\\\\" 404 1 \"-\" \"ua\\\\\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, url, "/a\\\\");
	assert_int_equal(ev.status, 404);
	STR_EQ(ev, user_agent, "ua\\\\");
}

static void
test_nginx_x22_escapes(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("192.0.2.66 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /search?q=1\\x22+OR+\\x221\\x22=\\x221 HTTP/1.1\" 200 4410 \"-\" "
	    "\"Mozilla/5.0\\x22><script>\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, query, "q=1\\x22+OR+\\x221\\x22=\\x221");
	assert_int_equal(ev.status, 200);
	STR_EQ(ev, user_agent, "Mozilla/5.0\\x22><script>");
}

static void
test_raw_quotes_in_broken_log(void **state)
{
	struct ronda_event ev;
	(void)state;

	/* a logger that does not escape: split at the `" NNN ` after the request */
	assert_int_equal(parse(&ev, S("192.0.2.3 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /?id=1\" or \"1\"=\"1 HTTP/1.1\" 200 33 \"-\" \"Mozilla\""),
	    RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, url, "/?id=1\" or \"1\"=\"1");
	STR_EQ(ev, http_version, "1.1");
	assert_int_equal(ev.status, 200);
	assert_int_equal(ev.bytes, 33);
	STR_EQ(ev, user_agent, "Mozilla");

	/* and one that writes a raw backslash before the closing quote */
	assert_int_equal(parse(&ev, S("192.0.2.3 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /x\\\" 500 7 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, url, "/x\\");
	assert_int_equal(ev.status, 500);
}

static void
test_url_split(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("192.0.2.5 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /berita/detail?id=42&lang=id#komentar HTTP/1.1\" 200 1 \"-\" \"-\""),
	    RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, url, "/berita/detail?id=42&lang=id#komentar");
	STR_EQ(ev, path, "/berita/detail");
	STR_EQ(ev, query, "id=42&lang=id");

	/* a '?' inside the fragment is not a query */
	assert_int_equal(parse(&ev, S("192.0.2.5 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /a#b?c HTTP/1.1\" 200 1 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, path, "/a");
	STR_EQ(ev, query, NULL);

	/* empty query after '?' */
	assert_int_equal(parse(&ev, S("192.0.2.5 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /a? HTTP/1.1\" 200 1 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, path, "/a");
	STR_EQ(ev, query, NULL);

	/* absolute-form target of an open-proxy probe */
	assert_int_equal(parse(&ev, S("192.0.2.5 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET http://api.ipify.org/?format=json HTTP/1.1\" 404 1 \"-\" \"-\""),
	    RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, url, "http://api.ipify.org/?format=json");
	STR_EQ(ev, path, "/");
	STR_EQ(ev, query, "format=json");

	/* CONNECT has an authority, not a path */
	assert_int_equal(parse(&ev, S("192.0.2.5 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"CONNECT www.google.com:443 HTTP/1.1\" 400 150 \"-\" \"-\""),
	    RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, method, "CONNECT");
	STR_EQ(ev, url, "www.google.com:443");

	/* HTTP/0.9: no version */
	assert_int_equal(parse(&ev, S("192.0.2.5 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /\" 200 1 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, method, "GET");
	STR_EQ(ev, url, "/");
	STR_EQ(ev, http_version, NULL);

	/* a space inside the target of a broken client */
	assert_int_equal(parse(&ev, S("192.0.2.5 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /a b.php HTTP/1.1\" 400 1 \"-\" \"-\""), RONDA_WEB_COMBINED), 0);
	STR_EQ(ev, url, "/a b.php");
	STR_EQ(ev, http_version, "1.1");
}

static void
test_missing_fields_are_errors(void **state)
{
	struct ronda_event ev;
	static const char *bad[] = {
		"",
		"203.0.113.9",
		"203.0.113.9 - - ",
		"203.0.113.9 - - [20/Nov/2026:23:04:05 +0800]",
		"203.0.113.9 - - [20/Nov/2026:23:04:05] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"",
		"203.0.113.9 - - [20/Foo/2026:23:04:05 +0800] \"GET / HTTP/1.1\" 200 1",
		"203.0.113.9 - - [32/Nov/2026:23:04:05 +0800] \"GET / HTTP/1.1\" 200 1",
		"203.0.113.9 - - [20/Nov/2026:24:04:05 +0800] \"GET / HTTP/1.1\" 200 1",
		"203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] GET / HTTP/1.1 200 1",
		"203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET / HTTP/1.1\" 200 abc",
		"203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET / HTTP/1.1\" 200 1 \"-\" \"Mozi",
		"203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET / HTTP/1.1\" 200 1 - -",
	};
	(void)state;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int rc = parse(&ev, bad[k], strlen(bad[k]), RONDA_WEB_COMBINED);
		if (rc != -1 || !(ev.flags & RONDA_EVENT_PARSE_ERROR)) {
			print_error("accepted: %s\n", bad[k]);
			fail();
		}
	}
	/* a truncated request keeps what it could read */
	assert_int_equal(parse(&ev, S("203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /wp-admin/admin-ajax.php?action=revslider"), RONDA_WEB_COMBINED), -1);
	STR_EQ(ev, client_ip, "203.0.113.9");
	assert_int_equal(ev.ts_ms, utc_ms(2026, 11, 20, 15, 4, 5));
	STR_EQ(ev, method, "GET");
	STR_EQ(ev, path, "/wp-admin/admin-ajax.php");
	assert_int_equal(ev.status, 0);
}

static void
test_crlf_and_nul(void **state)
{
	struct ronda_event ev;
	static const char line[] = "192.0.2.8 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /a\0b HTTP/1.1\" 200 1 \"-\" \"x\0y\"\r";
	(void)state;

	assert_int_equal(parse(&ev, line, sizeof(line) - 1, RONDA_WEB_COMBINED), 0);
	assert_int_equal(ev.url.n, 4);
	assert_memory_equal(ev.url.p, "/a\0b", 4);
	assert_int_equal(ev.user_agent.n, 3);
	assert_memory_equal(ev.user_agent.p, "x\0y", 3);
}

static void
test_never_reads_past_len(void **state)
{
	static const char full[] = "192.0.2.8 - - [20/Nov/2026:23:04:05 +0800] "
	    "\"GET /x?y HTTP/1.1\" 200 1234 \"http://r/\" \"Mozilla/5.0\"";
	struct ronda_event ev;
	(void)state;

	/* every prefix, copied into an exact-size heap block (ASan checks the end) */
	for (size_t n = 0; n < sizeof(full) - 1; n++) {
		char *p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, full, n);
		for (int f = 0; f < 3; f++)
			(void)parse(&ev, p, n, (enum ronda_web_format)f);
		free(p);
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 10 MB lines of the shapes that would make a naive scanner quadratic. */
static void
test_huge_lines_linear(void **state)
{
	const size_t n = 10 * 1024 * 1024;
	static const char head[] = "192.0.2.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /";
	char *l = malloc(n);
	struct ronda_event ev;
	double t0, worst = 0;
	(void)state;

	assert_non_null(l);
	for (int shape = 0; shape < 4; shape++) {
		memcpy(l, head, sizeof(head) - 1);
		for (size_t k = sizeof(head) - 1; k < n; k++) {
			switch (shape) {
			case 0: l[k] = '"'; break;			/* quotes, none closing */
			case 1: l[k] = (k & 1) ? '"' : '\\'; break;	/* escaped quotes */
			case 2: l[k] = (k % 3 == 0) ? '"' : ' '; break;	/* `" ` pairs */
			default: l[k] = 'a'; break;			/* no newline, no quote */
			}
		}
		t0 = now_s();
		assert_int_equal(parse(&ev, l, n, RONDA_WEB_COMBINED), -1);
		STR_EQ(ev, client_ip, "192.0.2.9");
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
	}
	/* the same with a valid tail: the request is 10 MB long */
	memset(l, 'a', n);
	memcpy(l, head, sizeof(head) - 1);
	memcpy(l + n - 20, "\" 414 0 \"-\" \"-\"", 15);
	l[n - 5] = '\0';	/* an embedded NUL after the line (len excludes it) */
	assert_int_equal(parse(&ev, l, n - 5, RONDA_WEB_COMBINED), 0);
	assert_int_equal(ev.status, 414);
	print_message("      10 MB hostile lines: worst %.3f s\n", worst);
	free(l);
}

/* Informational throughput on typical lines (no assertion on time). */
static void
test_throughput(void **state)
{
	static const char *lines[] = {
		"203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /index.php?s=slot+gacor HTTP/1.1\" 200 5120 \"https://www.google.com/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\"",
		"36.72.214.10 - - [20/Nov/2026:23:04:06 +0800] \"GET /assets/css/app.min.css?v=3.2 HTTP/2.0\" 200 48211 \"https://dinas.example.go.id/\" \"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1\"",
		"114.125.4.77 - - [20/Nov/2026:23:04:06 +0800] \"POST /api/v1/laporan HTTP/1.1\" 201 87 \"-\" \"okhttp/4.9.3\"",
		"45.148.10.11 - - [20/Nov/2026:23:04:07 +0800] \"GET /.env HTTP/1.1\" 404 153 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
	};
	size_t lens[4];
	struct ronda_event ev;
	const long iters = 500000;
	double t0, dt;
	long ok = 0;
	(void)state;

	for (int k = 0; k < 4; k++)
		lens[k] = strlen(lines[k]);
	ronda_event_reset(&ev);
	t0 = now_s();
	for (long it = 0; it < iters; it++)
		for (int k = 0; k < 4; k++)
			ok += ronda_parse_web(&ev, lines[k], lens[k], RONDA_WEB_COMBINED) == 0;
	dt = now_s() - t0;
	assert_int_equal(ok, iters * 4);
	print_message("      parse_web: %.2f M lines/s (%.0f ns/line, one core)\n",
	    iters * 4 / dt / 1e6, dt * 1e9 / (iters * 4));
}

static void
test_format_names(void **state)
{
	(void)state;
	assert_int_equal(ronda_web_format_parse("combined"), RONDA_WEB_COMBINED);
	assert_int_equal(ronda_web_format_parse("common"), RONDA_WEB_COMMON);
	assert_int_equal(ronda_web_format_parse("vhost_combined"), RONDA_WEB_VHOST_COMBINED);
	assert_int_equal(ronda_web_format_parse("json"), -1);
	assert_int_equal(ronda_web_format_parse(""), -1);
	assert_int_equal(ronda_web_format_parse(NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nginx_combined),
		cmocka_unit_test(test_apache_combined_user_and_negative_offset),
		cmocka_unit_test(test_offset_crosses_day_and_year),
		cmocka_unit_test(test_odd_remote_users),
		cmocka_unit_test(test_common_format),
		cmocka_unit_test(test_vhost_combined),
		cmocka_unit_test(test_extra_trailing_fields),
		cmocka_unit_test(test_ipv6_client),
		cmocka_unit_test(test_nginx_400_dash_request),
		cmocka_unit_test(test_tls_handshake_on_port_80),
		cmocka_unit_test(test_apache_escaped_quotes),
		cmocka_unit_test(test_nginx_x22_escapes),
		cmocka_unit_test(test_raw_quotes_in_broken_log),
		cmocka_unit_test(test_url_split),
		cmocka_unit_test(test_missing_fields_are_errors),
		cmocka_unit_test(test_crlf_and_nul),
		cmocka_unit_test(test_never_reads_past_len),
		cmocka_unit_test(test_huge_lines_linear),
		cmocka_unit_test(test_throughput),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
