/*
 * test_normalize.c — the request normaliser against the evasions attackers
 * use to slip past signature rules: multiple encoding, IIS %u, overlong
 * UTF-8, case games, comment and white-space tricks, traversal spellings,
 * NUL injection, HTML entities. Plus its limits: cap, linear time, speed.
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

#include "ronda/buf.h"
#include "ronda/normalize.h"

#define P RONDA_NORM_PATH
#define Q RONDA_NORM_QUERY
#define L RONDA_NORM_LOWER

/*
 * Normalise in[0..n) from an exact-size heap copy (no NUL after it, so ASan
 * catches any read past the end) and return the result as a C string.
 */
static const char *
norm_n(const char *in, size_t n, unsigned flags)
{
	static struct ronda_buf out;
	static char res[8192];
	char *copy = malloc(n ? n : 1);

	assert_non_null(copy);
	memcpy(copy, in, n);
	ronda_buf_init(&out, 0);
	assert_int_equal(ronda_normalize(copy, n, flags, &out), 0);
	assert_true(out.len <= n);
	assert_true(out.len < sizeof(res));
	memcpy(res, out.data, out.len);
	res[out.len] = '\0';
	ronda_buf_release(&out);
	free(copy);
	return res;
}

static const char *
norm(const char *in, unsigned flags)
{
	return norm_n(in, strlen(in), flags);
}

static void
test_plain_path_unchanged(void **state)
{
	(void)state;
	assert_string_equal(norm("/index.php", P | L), "/index.php");
	assert_string_equal(norm("/wp-content/themes/x/style.css", P | L),
	    "/wp-content/themes/x/style.css");
	assert_string_equal(norm("id=42&page=3", Q | L), "id=42&page=3");
	assert_string_equal(norm("", P | Q | L), "");
	/* No flags: decoding only, case and '+' kept. */
	assert_string_equal(norm("/A+B/", 0), "/A+B/");
}

static void
test_double_and_triple_encoding(void **state)
{
	(void)state;
	assert_string_equal(norm("%2e%2e%2f", 0), "../");
	assert_string_equal(norm("%252e%252e%252f", 0), "../");
	assert_string_equal(norm("%25252e%25252e%25252f", 0), "../");
	assert_string_equal(norm("/%252e%252e/%252e%252e/etc/passwd", P),
	    "/etc/passwd");
	assert_string_equal(norm("id=1%2527%2520OR%25201=1", Q), "id=1' OR 1=1");
	/* Upper-case hex digits decode the same. */
	assert_string_equal(norm("%2E%2E%2F", 0), "../");
}

static void
test_decoding_rounds_are_bounded(void **state)
{
	(void)state;
	/* Seven levels of encoding: four rounds peel four, the rest stays. */
	assert_string_equal(norm("%2525252525252e", 0), "%25252e");
	/* %25 repeated decodes one layer per round and stops. */
	assert_string_equal(norm("%25%25%25%25", 0), "%%%%");
}

static void
test_iis_percent_u(void **state)
{
	(void)state;
	assert_string_equal(norm("%u002e%u002e%u002f", 0), "../");
	assert_string_equal(norm("/scripts/%u002e%u002e/%u002e%u002e/winnt", P),
	    "/winnt");
	/* Full-width forms map to ASCII as IIS's best fit does. */
	assert_string_equal(norm("%uff1cscript%uff1e", 0), "<script>");
	assert_string_equal(norm("%UFF0E%uff0e%uFF0F", 0), "../");
	/* A non-ASCII code point becomes UTF-8. */
	assert_string_equal(norm("%u00e9", 0), "\xc3\xa9");
	assert_string_equal(norm("%u2215", 0), "\xe2\x88\x95");
	/* Short, non-hex and surrogate forms are not decoded. */
	assert_string_equal(norm("%u12", 0), "%u12");
	assert_string_equal(norm("%u12zz", 0), "%u12zz");
	assert_string_equal(norm("%ud800", 0), "%ud800");
}

static void
test_invalid_escapes_left_alone(void **state)
{
	(void)state;
	assert_string_equal(norm("100%", 0), "100%");
	assert_string_equal(norm("%zz%4", 0), "%zz%4");
	assert_string_equal(norm("%", 0), "%");
	assert_string_equal(norm("%%41", 0), "%A");
	assert_string_equal(norm("discount=50%off", Q), "discount=50%off");
}

static void
test_overlong_utf8(void **state)
{
	(void)state;
	assert_string_equal(norm("%c0%ae%c0%ae%c0%af", 0), "../");
	assert_string_equal(norm("/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", P),
	    "/etc/passwd");
	/* Raw overlong bytes, not percent-encoded. */
	assert_string_equal(norm("\xc0\xae\xc0\xae\xc0\xaf", 0), "../");
	/* Three-, four-byte and the old five- and six-byte forms. */
	assert_string_equal(norm("%e0%80%ae", 0), ".");
	assert_string_equal(norm("%f0%80%80%ae", 0), ".");
	assert_string_equal(norm("%f8%80%80%80%ae", 0), ".");
	assert_string_equal(norm("%fc%80%80%80%80%af", 0), "/");
	/* IIS 4/5's lax decoder: %c1%1c and %c1%9c are a backslash. */
	assert_string_equal(norm("..%c1%1c..%c1%9cwinnt", 0), "..\\..\\winnt");
	assert_string_equal(norm("/scripts/..%c1%1c../winnt/system32/cmd.exe", P),
	    "/winnt/system32/cmd.exe");
	/* Double-encoded overlong. */
	assert_string_equal(norm("%25c0%25ae%25c0%25ae%25c0%25af", 0), "../");
	/* Real UTF-8 is not touched. */
	assert_string_equal(norm("/berita/caf%c3%a9", P), "/berita/caf\xc3\xa9");
	assert_string_equal(norm("kota=\xe2\x82\xac", Q), "kota=\xe2\x82\xac");
}

static void
test_mixed_case(void **state)
{
	(void)state;
	assert_string_equal(norm("id=1 UnIoN SeLeCt 1,2,3", Q | L),
	    "id=1 union select 1,2,3");
	assert_string_equal(norm("%3CScRiPt%3E", Q | L), "<script>");
	/* Case folding happens after decoding: %55 is 'U'. */
	assert_string_equal(norm("%55NION", L), "union");
	assert_string_equal(norm("/WP-LOGIN.PHP", P | L), "/wp-login.php");
	/* Without the flag, case is kept. */
	assert_string_equal(norm("UnIoN", Q), "UnIoN");
}

static void
test_comment_and_whitespace_tricks(void **state)
{
	(void)state;
	assert_string_equal(norm("id=1/**/UNION/**/SELECT/**/1", Q | L),
	    "id=1 union select 1");
	assert_string_equal(norm("id=1 UNION/*random*/SELECT 1", Q | L),
	    "id=1 union select 1");
	/* MySQL's executable comment keeps its body. */
	assert_string_equal(norm("id=1 /*!50000UNION*/ /*!SELECT*/ 1", Q | L),
	    "id=1 union select 1");
	assert_string_equal(norm("id=1%0aUNION%09%09SELECT%0d%0a1", Q | L),
	    "id=1 union select 1");
	assert_string_equal(norm("id=1+UNION++SELECT+1", Q | L),
	    "id=1 union select 1");
	assert_string_equal(norm("id=1%20%20%20union%0b%0cselect", Q),
	    "id=1 union select");
	/* An unclosed comment is not a comment. */
	assert_string_equal(norm("a/*b", Q), "a/*b");
	/* Comments are a query thing: a path keeps its star. */
	assert_string_equal(norm("/a/*/b", 0), "/a/*/b");
}

static void
test_path_traversal(void **state)
{
	(void)state;
	assert_string_equal(norm("/a/./b//c/../d", P), "/a/b/d");
	assert_string_equal(norm("/../../../etc/passwd", P), "/etc/passwd");
	assert_string_equal(norm("/..%2f..%2fetc/passwd", P), "/etc/passwd");
	assert_string_equal(norm("/static/..%2f..%2f..%2fetc/passwd", P),
	    "/etc/passwd");
	assert_string_equal(norm("/%2e%2e%5c%2e%2e%5cwindows%5cwin.ini", P),
	    "/windows/win.ini");
	assert_string_equal(norm("\\..\\..\\boot.ini", P), "/boot.ini");
	assert_string_equal(norm("/a/b/..", P), "/a/");
	assert_string_equal(norm("/a/b/.", P), "/a/b/");
	assert_string_equal(norm("//", P), "/");
	assert_string_equal(norm("/", P), "/");
	/*
	 * "....//" defeats filters that strip "../" once. To the file system
	 * "...." is an ordinary name, so it stays (and rules can see it); the
	 * doubled slashes go.
	 */
	assert_string_equal(norm("/images/....//....//etc/passwd", P),
	    "/images/..../..../etc/passwd");
	assert_string_equal(norm("....//....//etc/passwd", P),
	    "..../..../etc/passwd");
	/* A relative path keeps the ".." it cannot pop. */
	assert_string_equal(norm("../../etc/passwd", P), "../../etc/passwd");
	assert_string_equal(norm("a/../../b", P), "../b");
	assert_string_equal(norm("./a", P), "a");
	assert_string_equal(norm("..", P), "..");
	/* Queries are not paths: the traversal stays visible to LFI rules. */
	assert_string_equal(norm("file=..%2f..%2fetc%2fpasswd", Q),
	    "file=../../etc/passwd");
}

static void
test_nul_and_control_injection(void **state)
{
	(void)state;
	assert_string_equal(norm("/uploads/shell.php%00.jpg", P),
	    "/uploads/shell.php .jpg");
	assert_string_equal(norm_n("/shell.php\0.jpg", 15, P), "/shell.php .jpg");
	assert_string_equal(norm("a%01%02%7fb", 0), "a b");
	assert_string_equal(norm("a%2500b", 0), "a b");
	assert_string_equal(norm("x&#0;y", 0), "x y");
}

static void
test_html_entities(void **state)
{
	(void)state;
	assert_string_equal(norm("q=&lt;script&gt;alert(1)&lt;/script&gt;", Q),
	    "q=<script>alert(1)</script>");
	assert_string_equal(norm("q=&#60;script&#62;", Q), "q=<script>");
	assert_string_equal(norm("q=&#x3C;script&#x3e;", Q), "q=<script>");
	assert_string_equal(norm("q=&#60script&#62", Q), "q=<script>");
	assert_string_equal(norm("q=&lt;svg onload=1&gt", Q), "q=<svg onload=1>");
	assert_string_equal(norm("q=&#0000060;", Q), "q=<");
	assert_string_equal(norm("&quot;&apos;&amp;", Q), "\"'&");
	assert_string_equal(norm("&LT;&Gt;", Q), "<>");
	/* Encoded twice: &amp;lt; and %26lt%3b. */
	assert_string_equal(norm("&amp;lt;", Q), "<");
	assert_string_equal(norm("%26lt%3bscript%26gt%3b", Q), "<script>");
	assert_string_equal(norm("%26%2360%3b", Q), "<");
	/* Non-ASCII code points become UTF-8. */
	assert_string_equal(norm("&#233;", Q), "\xc3\xa9");
	/* Out of range, surrogates, unknown names: left as they are. */
	assert_string_equal(norm("&#x110000;&#xd800;&foo;&#;&#x;", Q),
	    "&#x110000;&#xd800;&foo;&#;&#x;");
	assert_string_equal(norm("a=1&b=2", Q), "a=1&b=2");
}

static void
test_plus_in_query_vs_path(void **state)
{
	(void)state;
	assert_string_equal(norm("s=slot+gacor+hari+ini", Q),
	    "s=slot gacor hari ini");
	assert_string_equal(norm("/c++/a+b.html", P), "/c++/a+b.html");
	/* An encoded plus is a literal plus to the application. */
	assert_string_equal(norm("q=c%2B%2B", Q), "q=c++");
	assert_string_equal(norm("q=1%2b1", Q | L), "q=1+1");
}

static void
test_cap_is_honoured(void **state)
{
	struct ronda_buf out;
	char in[100];

	(void)state;
	memset(in, 'a', sizeof(in));
	ronda_buf_init(&out, 16);
	assert_int_equal(ronda_normalize(in, sizeof(in), P, &out), -1);
	assert_true(out.len <= 16);
	assert_true(out.overflow);
	assert_int_equal(out.len, 16);
	/* The same buffer works again for an input that fits. */
	assert_int_equal(ronda_normalize("/a/../b", 7, P, &out), 0);
	assert_string_equal(out.data, "/b");
	assert_int_equal(out.overflow, 0);
	ronda_buf_release(&out);
}

/* Cheap deterministic generator for the property test. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random strings built from the tokens evasions are made of. Whatever comes
 * in: the output is never longer than the input, has no control bytes and
 * no runs of spaces, no upper case with L, and no "//", "/./", "/../" or
 * backslash with P.
 */
static void
test_invariants_random(void **state)
{
	static const char *tok[] = {
		"%", "%2", "%25", "%2e", "%2f", "%5c", "%c0", "%ae", "%af", "%u",
		"%u002e", "%uff0f", "&", "&#", "&#x", "&lt", ";", "&amp;", "/",
		"\\", ".", "..", "+", " ", "\t", "A", "z", "/*", "*/", "/*!", "\xc0",
		"\xe0\x80", "0", "9", "f", "#",
	};
	struct ronda_buf out;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char in[256];

	(void)state;
	ronda_buf_init(&out, 0);
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 0;
		unsigned flags = (unsigned)(rng_next(&seed) & 7);
		int ntok = (int)(rng_next(&seed) % 24);

		for (int t = 0; t < ntok; t++) {
			const char *s = tok[rng_next(&seed) % (sizeof(tok) / sizeof(tok[0]))];
			size_t sl = strlen(s);

			if (n + sl > sizeof(in))
				break;
			memcpy(in + n, s, sl);
			n += sl;
		}
		assert_int_equal(ronda_normalize(in, n, flags, &out), 0);
		assert_true(out.len <= n);
		for (size_t i = 0; i < out.len; i++) {
			unsigned char c = (unsigned char)out.data[i];

			assert_false(c < 0x20 || c == 0x7f);
			if (i > 0)
				assert_false(c == ' ' && out.data[i - 1] == ' ');
			if (flags & L)
				assert_false(c >= 'A' && c <= 'Z');
			if (flags & P)
				assert_false(c == '\\');
		}
		if (flags & P) {
			assert_null(memmem(out.data, out.len, "//", 2));
			assert_null(memmem(out.data, out.len, "/./", 3));
			/* A relative path keeps the ".." it cannot pop. */
			if (out.len > 0 && out.data[0] == '/')
				assert_null(memmem(out.data, out.len, "/../", 4));
		}
	}
	ronda_buf_release(&out);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pathological 1 MiB inputs finish in linear time. */
static void
test_linear_time(void **state)
{
	static const char *pat[] = {
		"%25", "/*", "&#", "&#x0000", "/..", "//", "%u", "\xc0",
		"/*!", "a/", "%c0%", "../", "&amp",
	};
	const size_t n = 1u << 20;
	struct ronda_buf out;
	char *in = malloc(n);

	(void)state;
	assert_non_null(in);
	ronda_buf_init(&out, 0);
	for (size_t k = 0; k < sizeof(pat) / sizeof(pat[0]); k++) {
		size_t pl = strlen(pat[k]);
		double t0;

		for (size_t i = 0; i < n; i++)
			in[i] = pat[k][i % pl];
		t0 = now_s();
		assert_int_equal(ronda_normalize(in, n, P | Q | L, &out), 0);
		assert_int_equal(ronda_normalize(in, n, Q | L, &out), 0);
		/* Quadratic would be hours; linear is milliseconds. */
		assert_true(now_s() - t0 < 5.0);
	}
	free(in);
	ronda_buf_release(&out);
}

/*
 * Throughput on typical request paths (fast path and decoding path). The
 * figure is printed; the floor asserted is far below the target so a busy
 * shared machine does not make the test flaky.
 */
static void
test_throughput(void **state)
{
	static const char plain[] = "/wp-content/themes/twentytwenty/assets/js/index.js?ver=1.0";
	static const char coded[] = "/index.php?option=com_content&view=article&id=42%20AND%201=1";
	struct ronda_buf out;
	const int iters = 2000000;
	double t0, t1, t2;

	(void)state;
	ronda_buf_init(&out, 0);
	t0 = now_s();
	for (int i = 0; i < iters; i++)
		ronda_normalize(plain, sizeof(plain) - 1, P | L, &out);
	t1 = now_s();
	for (int i = 0; i < iters; i++)
		ronda_normalize(coded, sizeof(coded) - 1, Q | L, &out);
	t2 = now_s();
	print_message("normalize: %.1fM/s plain %zu-byte path, %.1fM/s encoded\n",
	    iters / (t1 - t0) / 1e6, sizeof(plain) - 1, iters / (t2 - t1) / 1e6);
#if !defined(__SANITIZE_ADDRESS__)
	assert_true(iters / (t1 - t0) > 500000.0);
#endif
	ronda_buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_path_unchanged),
		cmocka_unit_test(test_double_and_triple_encoding),
		cmocka_unit_test(test_decoding_rounds_are_bounded),
		cmocka_unit_test(test_iis_percent_u),
		cmocka_unit_test(test_invalid_escapes_left_alone),
		cmocka_unit_test(test_overlong_utf8),
		cmocka_unit_test(test_mixed_case),
		cmocka_unit_test(test_comment_and_whitespace_tricks),
		cmocka_unit_test(test_path_traversal),
		cmocka_unit_test(test_nul_and_control_injection),
		cmocka_unit_test(test_html_entities),
		cmocka_unit_test(test_plus_in_query_vs_path),
		cmocka_unit_test(test_cap_is_honoured),
		cmocka_unit_test(test_invariants_random),
		cmocka_unit_test(test_linear_time),
		cmocka_unit_test(test_throughput),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
