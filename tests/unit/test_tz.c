/*
 * test_tz.c — the Indonesian zones, UTC, a DST zone (transitions from the
 * file and, past 2037, from the POSIX footer), local->UTC across DST
 * changes, and hostile TZif files under a private $TZDIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ronda/timeutil.h"
#include "ronda/tz.h"

static int64_t
T(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	return ronda_timegm(y, mo, d, h, mi, s);
}

static struct ronda_tz *
load(const char *name)
{
	char err[256] = "";
	struct ronda_tz *tz = ronda_tz_new(name, err, sizeof(err));

	if (tz == NULL) {
		print_error("%s: %s\n", name ? name : "(null)", err);
		fail();
	}
	return tz;
}

static void
test_indonesia(void **state)
{
	static const struct { const char *name, *abbr; int32_t off; } z[] = {
		{ "Asia/Jakarta", "WIB", 7 * 3600 },
		{ "Asia/Pontianak", "WIB", 7 * 3600 },
		{ "Asia/Makassar", "WITA", 8 * 3600 },
		{ "Asia/Jayapura", "WIT", 9 * 3600 },
	};
	int64_t t = T(2026, 11, 20, 15, 4, 5);
	(void)state;

	for (size_t k = 0; k < sizeof(z) / sizeof(z[0]); k++) {
		struct ronda_tz *tz = load(z[k].name);
		assert_string_equal(ronda_tz_name(tz), z[k].name);
		assert_int_equal(ronda_tz_offset_at(tz, t), z[k].off);
		assert_string_equal(ronda_tz_abbr_at(tz, t), z[k].abbr);
		/* far past the last transition: the footer ("WIB-7") */
		assert_int_equal(ronda_tz_offset_at(tz, T(2150, 6, 1, 0, 0, 0)), z[k].off);
		assert_string_equal(ronda_tz_abbr_at(tz, T(2150, 6, 1, 0, 0, 0)), z[k].abbr);
		/* 23:04:05 local on 20 Nov -> UTC */
		assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 11, 20, 23, 4, 5)),
		    T(2026, 11, 20, 23, 4, 5) - z[k].off);
		ronda_tz_free(tz);
	}
}

static void
test_jakarta_history(void **state)
{
	struct ronda_tz *tz = load("Asia/Jakarta");
	(void)state;

	/* before WIB became +07 in 1964 Jakarta kept +07:30 */
	assert_int_equal(ronda_tz_offset_at(tz, T(1960, 1, 1, 0, 0, 0)), 7 * 3600 + 1800);
	ronda_tz_free(tz);
}

static void
test_utc_and_null(void **state)
{
	struct ronda_tz *tz = load("UTC");
	(void)state;

	assert_int_equal(ronda_tz_offset_at(tz, T(2026, 7, 1, 0, 0, 0)), 0);
	assert_string_equal(ronda_tz_abbr_at(tz, T(2026, 7, 1, 0, 0, 0)), "UTC");
	assert_int_equal(ronda_tz_local_to_utc(tz, 1234567890), 1234567890);
	ronda_tz_free(tz);

	/* a NULL zone is UTC everywhere */
	assert_int_equal(ronda_tz_offset_at(NULL, 99), 0);
	assert_int_equal(ronda_tz_local_to_utc(NULL, 99), 99);
	ronda_tz_free(NULL);
}

static void
test_localtime(void **state)
{
	char err[256];
	struct ronda_tz *tz;
	(void)state;

	if (access("/etc/localtime", R_OK) != 0)
		skip();
	tz = ronda_tz_new("", err, sizeof(err));
	assert_non_null(tz);
	assert_string_equal(ronda_tz_name(tz), "localtime");
	ronda_tz_free(tz);
	tz = ronda_tz_new(NULL, err, sizeof(err));
	assert_non_null(tz);
	ronda_tz_free(tz);
}

static void
test_berlin_dst(void **state)
{
	struct ronda_tz *tz = load("Europe/Berlin");
	int64_t spring = T(2026, 3, 29, 1, 0, 0), autumn = T(2026, 10, 25, 1, 0, 0);
	(void)state;

	assert_int_equal(ronda_tz_offset_at(tz, spring - 1), 3600);
	assert_string_equal(ronda_tz_abbr_at(tz, spring - 1), "CET");
	assert_int_equal(ronda_tz_offset_at(tz, spring), 7200);
	assert_string_equal(ronda_tz_abbr_at(tz, spring), "CEST");
	assert_int_equal(ronda_tz_offset_at(tz, autumn - 1), 7200);
	assert_int_equal(ronda_tz_offset_at(tz, autumn), 3600);

	/* ordinary local times */
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 1, 15, 12, 0, 0)),
	    T(2026, 1, 15, 11, 0, 0));
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 7, 15, 12, 0, 0)),
	    T(2026, 7, 15, 10, 0, 0));
	/* around the spring gap: 01:59:59 CET, 03:00:00 CEST */
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 3, 29, 1, 59, 59)), spring - 1);
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 3, 29, 3, 0, 0)), spring);
	/* 02:30 does not exist: the earlier offset (+01) */
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 3, 29, 2, 30, 0)),
	    T(2026, 3, 29, 1, 30, 0));
	/* 02:30 on 25 Oct happens twice: the earlier offset (+02), the first one */
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 10, 25, 2, 30, 0)),
	    T(2026, 10, 25, 0, 30, 0));
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2026, 10, 25, 3, 0, 0)),
	    T(2026, 10, 25, 2, 0, 0));
	ronda_tz_free(tz);
}

/* Past the file's last transition the footer "CET-1CEST,M3.5.0,M10.5.0/3" rules. */
static void
test_footer_rules(void **state)
{
	struct ronda_tz *tz = load("Europe/Berlin");
	int64_t spring = T(2100, 3, 28, 1, 0, 0);	/* last Sunday of March 2100 */
	(void)state;

	assert_int_equal(ronda_tz_offset_at(tz, spring - 1), 3600);
	assert_int_equal(ronda_tz_offset_at(tz, spring), 7200);
	assert_string_equal(ronda_tz_abbr_at(tz, spring), "CEST");
	assert_int_equal(ronda_tz_offset_at(tz, T(2100, 7, 15, 0, 0, 0)), 7200);
	assert_int_equal(ronda_tz_offset_at(tz, T(2100, 12, 15, 0, 0, 0)), 3600);
	assert_string_equal(ronda_tz_abbr_at(tz, T(2100, 12, 15, 0, 0, 0)), "CET");
	assert_int_equal(ronda_tz_local_to_utc(tz, T(2100, 7, 15, 12, 0, 0)),
	    T(2100, 7, 15, 10, 0, 0));
	ronda_tz_free(tz);

	/* southern hemisphere: DST spans New Year */
	tz = load("Australia/Sydney");
	assert_int_equal(ronda_tz_offset_at(tz, T(2100, 1, 15, 0, 0, 0)), 11 * 3600);
	assert_string_equal(ronda_tz_abbr_at(tz, T(2100, 1, 15, 0, 0, 0)), "AEDT");
	assert_int_equal(ronda_tz_offset_at(tz, T(2100, 7, 15, 0, 0, 0)), 10 * 3600);
	ronda_tz_free(tz);
}

static void
test_bad_names(void **state)
{
	static const char *bad[] = {
		"Asia/Atlantis", "../../etc/passwd", "/etc/passwd", "Asia/../UTC",
		"Asia", "Asia/Jakarta\n",
	};
	char err[256];
	(void)state;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		err[0] = '\0';
		assert_null(ronda_tz_new(bad[k], err, sizeof(err)));
		assert_true(err[0] != '\0');
	}
	assert_null(ronda_tz_new("Asia/Atlantis", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown time zone"));
}

/* --- hostile and synthetic files under a private TZDIR ---------------------- */

struct tzb {
	unsigned char b[512];
	size_t n;
};

static void
put32(struct tzb *t, uint32_t v)
{
	for (int k = 3; k >= 0; k--)
		t->b[t->n++] = (unsigned char)(v >> (k * 8));
}

static void
put64(struct tzb *t, int64_t v)
{
	put32(t, (uint32_t)((uint64_t)v >> 32));
	put32(t, (uint32_t)v);
}

static void
header(struct tzb *t, char ver, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt)
{
	memcpy(t->b + t->n, "TZif", 4);
	t->n += 4;
	t->b[t->n++] = (unsigned char)ver;
	memset(t->b + t->n, 0, 15);
	t->n += 15;
	put32(t, 0);		/* isutcnt */
	put32(t, 0);		/* isstdcnt */
	put32(t, 0);		/* leapcnt */
	put32(t, timecnt);
	put32(t, typecnt);
	put32(t, charcnt);
}

/* v2 with an empty v1 block, one transition at t=0 to type 1, and a footer */
static void
build_v2(struct tzb *t, const char *footer, unsigned char idx, unsigned char abbr1)
{
	t->n = 0;
	header(t, '2', 0, 0, 0);
	header(t, '2', 1, 2, 8);
	put64(t, 0);
	t->b[t->n++] = idx;
	put32(t, 27000);	/* +07:30 */
	t->b[t->n++] = 0;
	t->b[t->n++] = 0;
	put32(t, 25200);	/* +07 */
	t->b[t->n++] = 0;
	t->b[t->n++] = abbr1;
	memcpy(t->b + t->n, "+0730\0X\0", 8);
	t->n += 8;
	t->b[t->n++] = '\n';
	memcpy(t->b + t->n, footer, strlen(footer));
	t->n += strlen(footer);
	t->b[t->n++] = '\n';
}

static char tzdir[256];

static void
write_zone(const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tzdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static int
setup_tzdir(void **state)
{
	(void)state;
	snprintf(tzdir, sizeof(tzdir), "%s/ronda-tz.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tzdir) == NULL)
		return -1;
	return setenv("TZDIR", tzdir, 1);
}

static int
teardown_tzdir(void **state)
{
	char cmd[600];
	(void)state;
	unsetenv("TZDIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tzdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_synthetic_v2(void **state)
{
	struct tzb t;
	struct ronda_tz *tz;
	(void)state;

	build_v2(&t, "WIB-7", 1, 6);
	write_zone("Good", t.b, t.n);
	tz = load("Good");
	/* before the first transition: type 0 */
	assert_int_equal(ronda_tz_offset_at(tz, -10), 27000);
	assert_string_equal(ronda_tz_abbr_at(tz, -10), "+0730");
	/* after it the footer */
	assert_int_equal(ronda_tz_offset_at(tz, 1000), 25200);
	assert_string_equal(ronda_tz_abbr_at(tz, 1000), "WIB");
	ronda_tz_free(tz);

	/* an unparsable footer falls back to the last transition's type */
	build_v2(&t, "garbage!", 1, 6);
	write_zone("NoFooter", t.b, t.n);
	tz = load("NoFooter");
	assert_int_equal(ronda_tz_offset_at(tz, 1000), 25200);
	assert_string_equal(ronda_tz_abbr_at(tz, 1000), "X");
	ronda_tz_free(tz);

	/* an angle-bracket footer with minutes */
	build_v2(&t, "<+0545>-5:45", 1, 6);
	write_zone("Angle", t.b, t.n);
	tz = load("Angle");
	assert_int_equal(ronda_tz_offset_at(tz, 1000), 5 * 3600 + 45 * 60);
	assert_string_equal(ronda_tz_abbr_at(tz, 1000), "+0545");
	ronda_tz_free(tz);
}

static void
test_hostile_files(void **state)
{
	struct tzb t;
	char err[256];
	(void)state;

	/* type index out of range */
	build_v2(&t, "WIB-7", 2, 6);
	write_zone("BadIdx", t.b, t.n);
	assert_null(ronda_tz_new("BadIdx", err, sizeof(err)));

	/* abbreviation index past the character table */
	build_v2(&t, "WIB-7", 1, 8);
	write_zone("BadAbbr", t.b, t.n);
	assert_null(ronda_tz_new("BadAbbr", err, sizeof(err)));

	/* every truncation of a good file before its footer ("\nWIB-7\n") */
	build_v2(&t, "WIB-7", 1, 6);
	for (size_t n = 0; n < t.n - 7; n++) {
		write_zone("Cut", t.b, n);
		assert_null(ronda_tz_new("Cut", err, sizeof(err)));
	}
	/* a cut inside the footer loads, with the last transition's type */
	write_zone("CutFooter", t.b, t.n - 3);
	{
		struct ronda_tz *tz = load("CutFooter");
		assert_int_equal(ronda_tz_offset_at(tz, 1000), 25200);
		ronda_tz_free(tz);
	}

	/* counts that claim 4 GB of transitions */
	t.n = 0;
	header(&t, '2', 0, 0, 0);
	header(&t, '2', 0xffffffffu, 1, 4);
	write_zone("Huge", t.b, t.n);
	assert_null(ronda_tz_new("Huge", err, sizeof(err)));

	/* no time types at all */
	t.n = 0;
	header(&t, '1', 0, 0, 0);
	write_zone("NoTypes", t.b, t.n);
	assert_null(ronda_tz_new("NoTypes", err, sizeof(err)));

	/* not a TZif file */
	write_zone("Text", "# this is not a zone\n", 21);
	assert_null(ronda_tz_new("Text", err, sizeof(err)));
	assert_non_null(strstr(err, "TZif"));
}

static void
test_from_memory(void **state)
{
	struct tzb t;
	char err[256];
	struct ronda_tz *tz;
	(void)state;

	build_v2(&t, "WITA-8", 1, 6);
	tz = ronda_tz_new_from_tzif("Mem/Zone", t.b, t.n, err, sizeof(err));
	assert_non_null(tz);
	assert_string_equal(ronda_tz_name(tz), "Mem/Zone");
	assert_int_equal(ronda_tz_offset_at(tz, 1000), 8 * 3600);
	assert_string_equal(ronda_tz_abbr_at(tz, 1000), "WITA");
	ronda_tz_free(tz);
	assert_null(ronda_tz_new_from_tzif("x", t.b, 43, err, sizeof(err)));
	assert_null(ronda_tz_new_from_tzif("x", "", 0, err, sizeof(err)));
}

static void
test_v1_only(void **state)
{
	struct tzb t;
	struct ronda_tz *tz;
	(void)state;

	t.n = 0;
	header(&t, '\0', 1, 2, 8);
	put32(&t, 100);
	t.b[t.n++] = 1;
	put32(&t, 0);
	t.b[t.n++] = 0;
	t.b[t.n++] = 0;
	put32(&t, 32400);
	t.b[t.n++] = 0;
	t.b[t.n++] = 4;
	memcpy(t.b + t.n, "LMT\0WIT\0", 8);
	t.n += 8;
	write_zone("V1", t.b, t.n);
	tz = load("V1");
	assert_int_equal(ronda_tz_offset_at(tz, 99), 0);
	assert_string_equal(ronda_tz_abbr_at(tz, 99), "LMT");
	assert_int_equal(ronda_tz_offset_at(tz, 100), 32400);
	assert_string_equal(ronda_tz_abbr_at(tz, 5000000000LL), "WIT");
	ronda_tz_free(tz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indonesia),
		cmocka_unit_test(test_jakarta_history),
		cmocka_unit_test(test_utc_and_null),
		cmocka_unit_test(test_localtime),
		cmocka_unit_test(test_berlin_dst),
		cmocka_unit_test(test_footer_rules),
		cmocka_unit_test(test_bad_names),
	};
	const struct CMUnitTest files[] = {
		cmocka_unit_test(test_synthetic_v2),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_v1_only),
		cmocka_unit_test(test_from_memory),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	return rc + cmocka_run_group_tests(files, setup_tzdir, teardown_tzdir);
}
