/*
 * Indicator values: the payload fingerprint folds what varies between two
 * requests of one attack and keeps what they share; gambling words and
 * domains; which user agents are everyone's; networks and CIDR matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "indicator.h"

static const char *
payload(const char *path, const char *query)
{
	static char out[256];

	(void)ronda_indicator_payload(path, query, out, sizeof(out));
	return out;
}

static void
payload_folds_random_names_and_values(void **state)
{
	(void)state;
	/* The example: one fingerprint for both. */
	assert_string_equal(payload("/upload/x8f2.php", "cmd=id"), "/upload/*.php?cmd=*");
	assert_string_equal(payload("/upload/k2a9.php", "cmd=ls"), "/upload/*.php?cmd=*");
	assert_string_equal(payload("/wp-content/uploads/2026/11/r711.php", ""),
	    "/wp-content/uploads/0/0/*.php");
	/* Hashes, long random runs, mixed-case base64-like tokens. */
	assert_string_equal(payload("/cache/d41d8cd98f00b204e9800998ecf8427e.js", NULL),
	    "/cache/*.js");
	assert_string_equal(payload("/s/aGVsbG9Xb3JsZEZvbw/x", NULL), "/s/*/x");
	assert_string_equal(payload("/files/abcdefghijklmnopqrstuvwxyz.txt", NULL),
	    "/files/*.txt");
	/* Words stay, lower case; separators stay. */
	assert_string_equal(payload("/Wp-Admin/admin-ajax.php", NULL), "/wp-admin/admin-ajax.php");
	assert_string_equal(payload("/slot-thailand-super-gacor/", NULL),
	    "/slot-thailand-super-gacor/");
	assert_string_equal(payload("/bocoran-rtp-slot-malam-ini-f694.html", NULL),
	    "/bocoran-rtp-slot-malam-ini-*.html");
}

static void
payload_query_names_sorted_and_unique(void **state)
{
	(void)state;
	assert_string_equal(payload("/index.php", "page=1&id=2&page=3&flag"),
	    "/index.php?flag&id=*&page=*");
	assert_string_equal(payload("/index.php", "b=1;a=2"), "/index.php?a=*&b=*");
	/* Different parameters, different fingerprints. */
	{
		char a[64];
		snprintf(a, sizeof(a), "%s", payload("/index.php", "id=1"));
		assert_string_not_equal(a, payload("/index.php", "page=1"));
	}
	/* Parameter names with numbers fold too. */
	assert_string_equal(payload("/x", "p1=a&p2=b"), "/x?*=*");
	assert_int_equal(ronda_indicator_payload("", "a=1", (char[8]){0}, 8), 0);
	assert_int_equal(ronda_indicator_payload(NULL, NULL, (char[8]){0}, 8), 0);
}

static void
payload_hostile_bytes_and_caps(void **state)
{
	char out[32], big[4096];
	size_t n;

	(void)state;
	/* Control and non-ASCII bytes never reach the value. */
	n = ronda_indicator_payload("/a\x01\x1b[31mb/\xc3\xa9t\xe9", NULL, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	for (size_t i = 0; i < n; i++)
		assert_true(out[i] >= 0x20 && out[i] < 0x7f);
	/* Cut at a token boundary, within the buffer and RONDA_INDICATOR_MAX. */
	n = ronda_indicator_payload("/aaaa/bbbb/cccc/dddd/eeee/ffff/gggg/hhhh", NULL, out,
	    sizeof(out));
	assert_true(n < sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "/aaaa/bbbb/cccc/dddd/eeee/ffff/");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	for (size_t i = 1; i < sizeof(big) - 1; i += 7)
		big[i] = '/';
	{
		char o2[512];
		n = ronda_indicator_payload(big, big, o2, sizeof(o2));
		assert_true(n <= RONDA_INDICATOR_MAX);
		assert_int_equal(n, strlen(o2));
	}
	/* A zero-sized buffer is left alone. */
	assert_int_equal(ronda_indicator_payload("/a", NULL, out, 0), 0);
}

static void
gambling_words_sets(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(ronda_indicator_gambling_words("/slot-gacor-maxwin-hari-ini/", NULL,
	    out, sizeof(out)), 3);
	assert_string_equal(out, "gacor+maxwin+slot");
	/* Order, case and joined words do not matter; path and query both count. */
	assert_int_equal(ronda_indicator_gambling_words("/MAXWIN/slotGACOR88", NULL, out,
	    sizeof(out)), 3);
	assert_string_equal(out, "gacor+maxwin+slot");
	assert_int_equal(ronda_indicator_gambling_words("/", "s=togel+hari+ini+hk", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "togel");
	/* Three-letter stems only at a word's start: no "rtp" inside other words. */
	assert_int_equal(ronda_indicator_gambling_words("/shirtpocket", NULL, out,
	    sizeof(out)), 0);
	assert_int_equal(ronda_indicator_gambling_words("/rtp-live", NULL, out, sizeof(out)), 1);
	assert_int_equal(ronda_indicator_gambling_words("/berita/2026/11/rapat", "page=2", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void
gambling_domain_of_referrer(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(ronda_indicator_gambling_domain("https://maxwin-gacor88.vip/", out,
	    sizeof(out)), strlen("maxwin-gacor88.vip"));
	assert_string_equal(out, "maxwin-gacor88.vip");
	assert_true(ronda_indicator_gambling_domain("http://WWW.Slot777.example:8080/x?y", out,
	    sizeof(out)) > 0);
	assert_string_equal(out, "slot777.example");
	/* Not gambling, official hosts, odd shapes. */
	assert_int_equal(ronda_indicator_gambling_domain("https://www.google.com/", out,
	    sizeof(out)), 0);
	assert_int_equal(ronda_indicator_gambling_domain("https://satgas-judi.polri.go.id/",
	    out, sizeof(out)), 0);
	assert_int_equal(ronda_indicator_gambling_domain("https://user@slot.example/", out,
	    sizeof(out)), 0);
	assert_int_equal(ronda_indicator_gambling_domain("-", out, sizeof(out)), 0);
	assert_int_equal(ronda_indicator_gambling_domain("", out, sizeof(out)), 0);
	assert_int_equal(ronda_indicator_gambling_domain(NULL, out, sizeof(out)), 0);
}

static void
user_agents_everyone_has(void **state)
{
	(void)state;
	assert_true(ronda_indicator_ua_common(NULL));
	assert_true(ronda_indicator_ua_common(""));
	assert_true(ronda_indicator_ua_common("-"));
	assert_true(ronda_indicator_ua_common("Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"));
	assert_true(ronda_indicator_ua_common("Googlebot/2.1 (+http://www.google.com/bot.html)"));
	assert_true(ronda_indicator_ua_common("facebookexternalhit/1.1"));
	assert_true(ronda_indicator_ua_common("curl/8.5.0"));
	assert_true(ronda_indicator_ua_common("python-requests/2.31.0"));
	assert_true(ronda_indicator_ua_common("Go-http-client/1.1"));
	assert_true(ronda_indicator_ua_common("Nuclei - Open-source project (github.com/"
	    "projectdiscovery/nuclei)"));
	assert_true(ronda_indicator_ua_common("sqlmap/1.8#stable (https://sqlmap.org)"));
	assert_true(ronda_indicator_ua_common("Greenbone OS 22.04"));
	/* What a crew writes itself is an indicator. */
	assert_false(ronda_indicator_ua_common("x-Kaltim-Crew/0.3"));
	assert_false(ronda_indicator_ua_common("jancokshell v2"));
}

static void
networks_and_cidr(void **state)
{
	unsigned char v4[16] = { 203, 0, 113, 77 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12,
	    0x34, 0x56, 0x78 };
	char out[64];

	(void)state;
	ronda_indicator_net(4, v4, out, sizeof(out));
	assert_string_equal(out, "203.0.113.0/24");
	ronda_indicator_net(6, v6, out, sizeof(out));
	assert_string_equal(out, "2001:db8:1234::/48");
	ronda_indicator_net(0, v4, out, sizeof(out));
	assert_string_equal(out, "");
	/* The same text snprintf made, for many addresses, and cut the same way. */
	for (unsigned i = 0; i < 20000; i++) {
		unsigned char a[16];
		char want[64];
		for (int k = 0; k < 16; k++)
			a[k] = (unsigned char)((i * 2654435761u) >> (k % 4 * 8)) ^ (unsigned char)(k * 37);
		if (i % 7 == 0)
			memset(a, 0, 6);
		snprintf(want, sizeof(want), "%u.%u.%u.0/24", a[0], a[1], a[2]);
		ronda_indicator_net(4, a, out, sizeof(out));
		assert_string_equal(out, want);
		snprintf(want, sizeof(want), "%x:%x:%x::/48", a[0] << 8 | a[1], a[2] << 8 | a[3],
		    a[4] << 8 | a[5]);
		ronda_indicator_net(6, a, out, sizeof(out));
		assert_string_equal(out, want);
		ronda_indicator_net(6, a, out, 8);
		want[7] = '\0';
		assert_string_equal(out, want);
		/* The /64 the detectors key networks by. */
		snprintf(want, sizeof(want), "%x:%x:%x:%x::/64", a[0] << 8 | a[1], a[2] << 8 | a[3],
		    a[4] << 8 | a[5], a[6] << 8 | a[7]);
		assert_int_equal(ronda_indicator_prefix(6, a, 4, out), strlen(want));
		assert_string_equal(out, want);
	}

	assert_true(ronda_indicator_ip_in("10.61.0.25", "10.61.0.25"));
	assert_true(ronda_indicator_ip_in("10.61.0.25", "10.61.0.0/16"));
	assert_true(ronda_indicator_ip_in("10.61.200.1", "10.61.0.0/16"));
	assert_false(ronda_indicator_ip_in("10.62.0.1", "10.61.0.0/16"));
	assert_true(ronda_indicator_ip_in("1.2.3.4", "0.0.0.0/0"));
	assert_true(ronda_indicator_ip_in("2001:db8::1", "2001:db8::/32"));
	assert_false(ronda_indicator_ip_in("2001:db9::1", "2001:db8::/32"));
	/* Families do not mix; bad prefixes and addresses match nothing. */
	assert_false(ronda_indicator_ip_in("10.61.0.25", "::/0"));
	assert_false(ronda_indicator_ip_in("10.61.0.25", "10.61.0.0/33"));
	assert_false(ronda_indicator_ip_in("10.61.0.25", "10.61.0.0/"));
	assert_false(ronda_indicator_ip_in("10.61.0.25", "10.61.0.0/16x"));
	assert_false(ronda_indicator_ip_in("not-an-ip", "10.61.0.0/16"));
	assert_false(ronda_indicator_ip_in(NULL, "10.61.0.0/16"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(payload_folds_random_names_and_values),
		cmocka_unit_test(payload_query_names_sorted_and_unique),
		cmocka_unit_test(payload_hostile_bytes_and_caps),
		cmocka_unit_test(gambling_words_sets),
		cmocka_unit_test(gambling_domain_of_referrer),
		cmocka_unit_test(user_agents_everyone_has),
		cmocka_unit_test(networks_and_cidr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
