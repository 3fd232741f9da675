/*
 * GeoIP (correlator/geo.h) against databases the test writes itself with
 * scripts/mkmmdb.pl (MaxMind::DB::Writer, Debian's libmaxmind-db-writer-perl,
 * installed by scripts/deps.sh): the GeoLite2-ASN and -Country layouts, both
 * in one file, an IPv4-only tree; then files that must be refused (empty,
 * not a database, cut short, the wrong kind) and the config's geoip section.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cconfig.h"
#include "detect.h"
#include "engine.h"
#include "geo.h"
#include "ronda/config.h"

static char dir[64];
static char err[1024];

/*
 * The networks: Indonesian, Singaporean, US and Chinese attackers, IPv6, a
 * private range (stored with --keep-reserved, so a lookup that reached the
 * database would find it as SG), an organisation with control characters,
 * bidirectional overrides and a length past the cap, and a marker later
 * overwritten with invalid UTF-8 in the file itself.
 */
static const char tsv[] =
    "# cidr\tasn\torg\tcountry\tname\n"
    "36.64.0.0/11\t7713\tPT Telekomunikasi Indonesia\tID\tIndonesia\n"
    "103.10.0.0/16\t64500\tExample Hosting Pte Ltd\tSG\tSingapore\n"
    "103.10.20.0/24\t64501\tExample Inner Net\tsg\n"
    "8.8.8.0/24\t15169\tGOOGLE\tUS\n"
    "45.0.0.0/8\t-\t-\tUS\n"
    "61.0.0.0/8\t4134\t-\tCN\n"
    "2001:4860::/32\t15169\tGOOGLE\tUS\n"
    "2404:c0::/32\t23693\tPT. Telekomunikasi Selular\tID\n"
    "10.0.0.0/8\t64999\tPrivate But Stored\tSG\n"
    "77.0.0.0/8\t64502\t\\x01Evil\\x1b[2J\\u{202E}gnp.exe\\n\\tLtd \\x7f\\u{9b}\\u{200B}"
    "Very Long Name Über Ärger Öffentliche Netze Gesellschaft mit beschränkter Haftung "
    "und noch viel mehr Text bis über die Grenze hinaus ÄÖÜ ÄÖÜ ÄÖÜ ÄÖÜ ÄÖÜ\tDE\n"
    "88.0.0.0/8\t64503\tBADUTF8MARKER__\tFR\n";

static char both[128], asnf[128], ccf[128], v4f[128], emptyf[128], junkf[128], cutf[128],
    nonef[128];

static int
run(const char *args)
{
	const char *src = getenv("RONDA_SRC") != NULL ? getenv("RONDA_SRC") : ".";
	char cmd[1024], log[128], line[512];
	FILE *f;
	int rc;

	snprintf(log, sizeof(log), "%s/mkmmdb.log", dir);
	snprintf(cmd, sizeof(cmd), "perl '%s/scripts/mkmmdb.pl' %s >'%s' 2>&1", src, args, log);
	if ((rc = system(cmd)) == 0)
		return 0;
	fprintf(stderr, "test_geo: failed (%d): %s\n", rc, cmd);
	if ((f = fopen(log, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			fprintf(stderr, "  %s", line);
		fclose(f);
	}
	return -1;
}

static int
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

static void *
read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)len)) != NULL && fread(p, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

static int
group_setup(void **state)
{
	char tsvf[128], args[768], *p, *m;
	size_t n;
	int rc;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ronda-test-geo.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(tsvf, sizeof(tsvf), "%s/nets.tsv", dir);
	snprintf(both, sizeof(both), "%s/both.mmdb", dir);
	snprintf(asnf, sizeof(asnf), "%s/asn.mmdb", dir);
	snprintf(ccf, sizeof(ccf), "%s/country.mmdb", dir);
	snprintf(v4f, sizeof(v4f), "%s/v4.mmdb", dir);
	snprintf(emptyf, sizeof(emptyf), "%s/empty.mmdb", dir);
	snprintf(junkf, sizeof(junkf), "%s/junk.mmdb", dir);
	snprintf(cutf, sizeof(cutf), "%s/cut.mmdb", dir);
	snprintf(nonef, sizeof(nonef), "%s/nothing.mmdb", dir);
	if (write_file(tsvf, tsv, sizeof(tsv) - 1) == -1)
		return -1;
	snprintf(args, sizeof(args), "--keep-reserved '%s' '%s'", tsvf, both);
	if (run(args) == -1)
		return -1;
	snprintf(args, sizeof(args), "--keep-reserved --layout asn '%s' '%s'", tsvf, asnf);
	if (run(args) == -1)
		return -1;
	snprintf(args, sizeof(args), "--keep-reserved --layout country '%s' '%s'", tsvf, ccf);
	if (run(args) == -1)
		return -1;
	/* An IPv4 tree: the IPv6 lines are not for it. */
	if ((p = strdup(tsv)) == NULL)
		return -1;
	m = p;
	for (char *l = p, *nl; *l != '\0'; l = nl) {
		nl = strchr(l, '\n') + 1;
		if (strcspn(l, ":\t") >= strcspn(l, "\t")) {	/* no ':' in the cidr */
			memmove(m, l, (size_t)(nl - l));
			m += nl - l;
		}
	}
	*m = '\0';
	snprintf(tsvf, sizeof(tsvf), "%s/nets4.tsv", dir);
	rc = write_file(tsvf, p, strlen(p));
	free(p);
	snprintf(args, sizeof(args), "--ipv4 --keep-reserved '%s' '%s'", tsvf, v4f);
	if (rc == -1 || run(args) == -1)
		return -1;
	/* The marker becomes invalid UTF-8 of the same length, in the file itself. */
	if ((p = read_file(both, &n)) == NULL ||
	    (m = memmem(p, n, "BADUTF8MARKER__", 15)) == NULL) {
		fprintf(stderr, "test_geo: no marker in %s\n", both);
		free(p);
		return -1;
	}
	memcpy(m, "A\xff" "B\xc0\xaf" "C\xed\xa0\x80" "D\xf4\x90\x80\x80" "\xe2", 15);
	if (write_file(both, p, n) == -1)
		return -1;
	/* Cut short: the first half of a real database (its metadata is at the end). */
	if (write_file(cutf, p, n / 2) == -1)
		return -1;
	free(p);
	if (write_file(emptyf, "", 0) == -1 ||
	    write_file(junkf, "this is not a MaxMind database\n", 31) == -1)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ronda_geo *
open_geo(const char *asn, const char *country, const char *home)
{
	struct ronda_geo_config c = { (char *)asn, (char *)country, (char *)home };
	struct ronda_geo *g = ronda_geo_new(&c, err, sizeof(err));

	if (g == NULL)
		fail_msg("ronda_geo_new: %s", err);
	return g;
}

static int
utf8_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		    (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f)))
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		/* C1 controls (U+0080..U+009F) and U+202E, U+200B */
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			return 0;
		if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xae || p[2] == 0x8b))
			return 0;
		p += n;
	}
	return 1;
}

static void
ipv4_lookup(void **state)
{
	struct ronda_geo *g = open_geo(both, both, NULL);
	struct ronda_geo_info in;

	(void)state;
	assert_int_equal(ronda_geo_lookup_text(g, "36.70.1.2", &in), 1);
	assert_int_equal(in.asn, 7713);
	assert_string_equal(in.org, "PT Telekomunikasi Indonesia");
	assert_string_equal(in.country, "ID");
	assert_int_equal(in.foreign, 0);
	assert_int_equal(in.reserved, 0);
	/* The more specific network wins; a lower-case code is read as upper case. */
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.20.30", &in), 1);
	assert_int_equal(in.asn, 64501);
	assert_string_equal(in.country, "SG");
	assert_int_equal(in.foreign, 1);
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.21.30", &in), 1);
	assert_int_equal(in.asn, 64500);
	assert_string_equal(in.org, "Example Hosting Pte Ltd");
	/* Only a country, only an ASN. */
	assert_int_equal(ronda_geo_lookup_text(g, "45.1.2.3", &in), 1);
	assert_int_equal(in.asn, 0);
	assert_string_equal(in.org, "");
	assert_string_equal(in.country, "US");
	assert_int_equal(ronda_geo_lookup_text(g, "61.1.2.3", &in), 1);
	assert_int_equal(in.asn, 4134);
	assert_string_equal(in.org, "");
	assert_string_equal(in.country, "CN");
	assert_string_equal(ronda_geo_home(g), "ID");
	assert_int_equal(ronda_geo_enabled(g), 1);
	ronda_geo_free(g);
}

static void
ipv6_lookup(void **state)
{
	struct ronda_geo *g = open_geo(both, both, "ID");
	struct ronda_geo_info in;
	unsigned char a[16] = { 0x24, 0x04, 0x00, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	(void)state;
	assert_int_equal(ronda_geo_lookup_text(g, "2001:4860:4860::8888", &in), 1);
	assert_int_equal(in.asn, 15169);
	assert_string_equal(in.org, "GOOGLE");
	assert_string_equal(in.country, "US");
	assert_int_equal(in.foreign, 1);
	/* Binary, as struct ronda_cevent carries it. */
	assert_int_equal(ronda_geo_lookup(g, 6, a, &in), 1);
	assert_int_equal(in.asn, 23693);
	assert_string_equal(in.country, "ID");
	assert_int_equal(in.foreign, 0);
	assert_int_equal(ronda_geo_lookup_text(g, "2a00:1450::1", &in), 0);
	assert_int_equal(in.asn, 0);
	assert_string_equal(in.country, "");
	ronda_geo_free(g);
}

/* ::ffff:a.b.c.d and 64:ff9b::a.b.c.d are a.b.c.d: the same answer, the same cache slot. */
static void
ipv4_mapped(void **state)
{
	struct ronda_geo *g = open_geo(both, both, "ID");
	struct ronda_geo_info in;
	struct ronda_geo_stats st;
	unsigned char a4[16] = { 8, 8, 8, 8 };
	unsigned char m[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 8, 8, 8, 8 };

	(void)state;
	assert_int_equal(ronda_geo_lookup(g, 4, a4, &in), 1);
	assert_int_equal(ronda_geo_lookup(g, 6, m, &in), 1);
	assert_int_equal(in.asn, 15169);
	assert_string_equal(in.country, "US");
	assert_int_equal(ronda_geo_lookup_text(g, "::ffff:8.8.8.8", &in), 1);
	assert_int_equal(ronda_geo_lookup_text(g, "64:ff9b::8.8.8.8", &in), 1);
	assert_int_equal(in.asn, 15169);
	ronda_geo_stats(g, &st);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 3);
	/* A private address behind the mapping is still private. */
	assert_int_equal(ronda_geo_lookup_text(g, "::ffff:10.1.2.3", &in), 0);
	assert_int_equal(in.reserved, 1);
	ronda_geo_free(g);
}

static void
not_found(void **state)
{
	struct ronda_geo *g = open_geo(both, both, "ID");
	struct ronda_geo_info in;
	struct ronda_geo_stats st;
	unsigned char zero[16] = { 0 };

	(void)state;
	memset(&in, 0x55, sizeof(in));
	assert_int_equal(ronda_geo_lookup_text(g, "4.4.4.4", &in), 0);
	assert_int_equal(in.asn, 0);
	assert_string_equal(in.org, "");
	assert_string_equal(in.country, "");
	assert_int_equal(in.foreign, 0);
	assert_int_equal(in.reserved, 0);
	/* Not addresses. */
	assert_int_equal(ronda_geo_lookup_text(g, "", &in), 0);
	assert_int_equal(ronda_geo_lookup_text(g, "8.8.8", &in), 0);
	assert_int_equal(ronda_geo_lookup_text(g, "fe80::1%eth0", &in), 0);
	assert_int_equal(ronda_geo_lookup_text(g, "8.8.8.8 ", &in), 0);
	assert_int_equal(ronda_geo_lookup(g, 0, zero, &in), 0);
	assert_int_equal(ronda_geo_lookup(g, 5, zero, &in), 0);
	ronda_geo_stats(g, &st);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.misses, 1);
	ronda_geo_free(g);
}

/* The database has 10.0.0.0/8 as SG: a private address is never looked up, never foreign. */
static void
private_address(void **state)
{
	static const char *const priv[] = { "10.1.2.3", "192.168.1.1", "172.16.0.1",
		"172.31.255.255", "127.0.0.1", "100.64.0.1", "169.254.1.1", "0.0.0.0",
		"192.0.0.9", "198.18.0.1", "224.0.0.1", "255.255.255.255", "::", "::1",
		"fe80::1", "fd00::1", "fc00::1", "ff02::1", "::10.0.0.1", "100::1", NULL };
	/* Documentation ranges are looked up: the simulator's attackers come from them. */
	static const char *const pub[] = { "172.32.0.1", "100.128.0.1", "11.0.0.1",
		"192.169.0.1", "2001:4860::1", "192.0.2.1", "198.51.100.1", "203.0.113.1",
		"2001:db8::1", NULL };
	static const unsigned char m_pub[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
		8, 8, 8, 8 };
	static const unsigned char m_priv[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
		192, 168, 1, 1 };
	static const unsigned char v4_priv[16] = { 192, 168, 1, 1 };
	struct ronda_geo *g = open_geo(both, both, "ID");
	struct ronda_geo_info in;
	struct ronda_geo_stats st;

	(void)state;
	for (size_t i = 0; priv[i] != NULL; i++) {
		assert_int_equal(ronda_geo_lookup_text(g, priv[i], &in), 0);
		if (!in.reserved || in.foreign || in.asn != 0 || in.country[0] != '\0')
			fail_msg("%s: reserved %d foreign %d asn %u country %s", priv[i],
			    in.reserved, in.foreign, in.asn, in.country);
	}
	ronda_geo_stats(g, &st);
	assert_int_equal(st.misses, 0);
	assert_int_equal(st.reserved, sizeof(priv) / sizeof(priv[0]) - 1);
	for (size_t i = 0; pub[i] != NULL; i++) {
		(void)ronda_geo_lookup_text(g, pub[i], &in);
		if (in.reserved)
			fail_msg("%s taken as reserved", pub[i]);
	}
	ronda_geo_free(g);
	assert_int_equal(ronda_geo_is_reserved(6, m_pub), 0);
	assert_int_equal(ronda_geo_is_reserved(6, m_priv), 1);
	assert_int_equal(ronda_geo_is_reserved(4, v4_priv), 1);
	assert_int_equal(ronda_geo_is_reserved(0, m_pub), 1);
}

/*
 * The second lookup of an address is a cache hit with the same answer; an
 * address pushed out of its slot by thousands of others is asked again and
 * answers the same.
 */
static void
cache_hits(void **state)
{
	struct ronda_geo *g = open_geo(both, both, "ID");
	struct ronda_geo_info a, b, c;
	struct ronda_geo_stats st;
	char ip[32];

	(void)state;
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.1.1", &a), 1);
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.1.1", &b), 1);
	assert_memory_equal(&a, &b, sizeof(a));
	ronda_geo_stats(g, &st);
	assert_int_equal(st.lookups, 2);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 1);
	for (int i = 0; i < 4 * RONDA_GEO_CACHE; i++) {
		snprintf(ip, sizeof(ip), "36.%d.%d.%d", 64 + (i >> 16) % 32, (i >> 8) & 0xff,
		    i & 0xff);
		assert_int_equal(ronda_geo_lookup_text(g, ip, &c), 1);
		assert_int_equal(c.asn, 7713);
	}
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.1.1", &b), 1);
	assert_memory_equal(&a, &b, sizeof(a));
	ronda_geo_stats(g, &st);
	assert_int_equal(st.lookups, 3 + 4 * RONDA_GEO_CACHE);
	assert_int_equal(st.hits + st.misses, st.lookups);
	assert_true(st.misses >= 4 * RONDA_GEO_CACHE);
	ronda_geo_free(g);
}

static void
foreign_vs_home(void **state)
{
	struct ronda_geo *g = open_geo(asnf, ccf, "ID");
	unsigned char id[16] = { 36, 70, 1, 2 }, sg[16] = { 103, 10, 1, 1 };
	unsigned char none[16] = { 4, 4, 4, 4 }, asn_only[16] = { 61, 1, 1, 1 };
	unsigned char priv[16] = { 10, 1, 1, 1 };

	(void)state;
	assert_int_equal(ronda_geo_is_foreign(g, 4, id), 0);
	assert_int_equal(ronda_geo_is_foreign(g, 4, sg), 1);
	assert_int_equal(ronda_geo_is_foreign(g, 4, none), 0);	/* unknown: never foreign */
	assert_int_equal(ronda_geo_is_foreign(g, 4, asn_only), 1);	/* CN */
	assert_int_equal(ronda_geo_is_foreign(g, 4, priv), 0);
	ronda_geo_free(g);
	/* Seen from Singapore. */
	g = open_geo(asnf, ccf, "SG");
	assert_int_equal(ronda_geo_is_foreign(g, 4, id), 1);
	assert_int_equal(ronda_geo_is_foreign(g, 4, sg), 0);
	ronda_geo_free(g);
	/* Without a country database nothing is foreign, whatever the ASN. */
	g = open_geo(asnf, NULL, "ID");
	assert_int_equal(ronda_geo_is_foreign(g, 4, sg), 0);
	ronda_geo_free(g);
}

/* An organisation name goes to JSON, a terminal and HTML: printable, one line, capped. */
static void
org_sanitised(void **state)
{
	struct ronda_geo *g = open_geo(both, NULL, "ID");
	struct ronda_geo_info in;

	(void)state;
	assert_int_equal(ronda_geo_lookup_text(g, "77.1.2.3", &in), 1);
	assert_int_equal(in.asn, 64502);
	assert_true(strlen(in.org) > 60);
	assert_true(strlen(in.org) < RONDA_GEO_ORG_MAX);
	assert_true(utf8_printable(in.org));
	assert_null(strchr(in.org, '\x1b'));
	assert_null(strchr(in.org, '\n'));
	assert_non_null(strstr(in.org, "?Evil?[2J?gnp.exe Ltd ???Very Long Name Über"));
	/* Invalid UTF-8 written into the file: '?' for each bad byte, the rest kept. */
	assert_int_equal(ronda_geo_lookup_text(g, "88.1.2.3", &in), 1);
	assert_string_equal(in.org, "A?B??C???D?????");
	assert_true(utf8_printable(in.org));
	ronda_geo_free(g);
}

static void
clean_text(void **state)
{
	char out[16];
	char big[RONDA_GEO_ORG_MAX];
	char src[400];

	(void)state;
	assert_int_equal(ronda_geo_clean_text(out, sizeof(out), "  a \t\r\n b  ", 11), 3);
	assert_string_equal(out, "a b");
	ronda_geo_clean_text(out, sizeof(out), "x\0y", 3);
	assert_string_equal(out, "x?y");
	/* Overlong '/', a surrogate, past U+10FFFF, a lone continuation byte. */
	ronda_geo_clean_text(out, sizeof(out), "\xc0\xaf" "\xed\xb0\x80" "\xf5\x80" "\x80", 8);
	assert_string_equal(out, "????????");
	/* Cut at a character boundary: "ä" (2 bytes) does not fit after 14 bytes. */
	assert_int_equal(ronda_geo_clean_text(out, sizeof(out), "abcdefghijklmn\xc3\xa4", 16),
	    14);
	assert_string_equal(out, "abcdefghijklmn");
	assert_int_equal(ronda_geo_clean_text(out, 1, "abc", 3), 0);
	assert_string_equal(out, "");
	/* A truncated sequence at the end. */
	ronda_geo_clean_text(out, sizeof(out), "ok\xe2\x82", 4);
	assert_string_equal(out, "ok??");
	/* Bidi override, zero-width space, BOM, C1 CSI, U+FFFF. */
	ronda_geo_clean_text(out, sizeof(out), "\xe2\x80\xae" "\xe2\x80\x8b" "\xef\xbb\xbf"
	    "\xc2\x9b" "\xef\xbf\xbf", 14);
	assert_string_equal(out, "?????");
	/* Valid text of every length stays as it is. */
	ronda_geo_clean_text(out, sizeof(out), "Ünïcødé 日本", strlen("Ünïcødé 日本"));
	assert_string_equal(out, "Ünïcødé 日");
	memset(src, 'x', sizeof(src));
	assert_int_equal(ronda_geo_clean_text(big, sizeof(big), src, sizeof(src)),
	    RONDA_GEO_ORG_MAX - 1);
}

static void
refused(const char *asn, const char *country, const char *want)
{
	struct ronda_geo_config c = { (char *)asn, (char *)country, NULL };
	struct ronda_geo *g = ronda_geo_new(&c, err, sizeof(err));

	if (g != NULL) {
		ronda_geo_free(g);
		fail_msg("%s / %s: opened", asn, country);
	}
	if (strstr(err, want) == NULL)
		fail_msg("%s / %s: said \"%s\", want \"%s\"", asn, country, err, want);
}

static void
corrupt_or_empty_refused(void **state)
{
	char want[256];

	(void)state;
	snprintf(want, sizeof(want), "geoip.asn: cannot open %s: empty file", emptyf);
	refused(emptyf, NULL, want);
	snprintf(want, sizeof(want), "geoip.asn: cannot open %s: not a MaxMind DB", junkf);
	refused(junkf, NULL, want);
	snprintf(want, sizeof(want), "geoip.country: cannot open %s: not a MaxMind DB", cutf);
	refused(NULL, cutf, want);
	snprintf(want, sizeof(want), "geoip.asn: cannot open %s: No such file or directory",
	    nonef);
	refused(nonef, both, want);
	snprintf(want, sizeof(want), "geoip.country: cannot open %s: not a regular file", dir);
	refused(both, dir, want);
	/* The good one is not kept open when the other fails (ASan: no leak). */
	refused(asnf, junkf, "geoip.country: cannot open");
	assert_int_equal(ronda_geo_check_file(junkf, RONDA_GEO_ASN, err, sizeof(err)), -1);
	assert_int_equal(ronda_geo_check_file(both, RONDA_GEO_ASN, err, sizeof(err)), 0);
}

static void
without_fields_refused(void **state)
{
	char want[256];

	(void)state;
	snprintf(want, sizeof(want), "geoip.asn: %s (GeoLite2-Country): its records lack "
	    "autonomous_system_number", ccf);
	refused(ccf, NULL, want);
	snprintf(want, sizeof(want), "geoip.country: %s (GeoLite2-ASN): its records lack "
	    "country.iso_code", asnf);
	refused(NULL, asnf, want);
	/* The same file for both must carry both. */
	refused(asnf, asnf, "its records lack country.iso_code");
	refused(ccf, ccf, "its records lack autonomous_system_number");
	assert_int_equal(ronda_geo_check_file(asnf, RONDA_GEO_ASN, err, sizeof(err)), 0);
	assert_int_equal(ronda_geo_check_file(asnf, RONDA_GEO_COUNTRY, err, sizeof(err)), -1);
	assert_int_equal(ronda_geo_check_file(ccf, RONDA_GEO_COUNTRY, err, sizeof(err)), 0);
}

/* An IPv4-only tree: IPv6 addresses are unknown, not errors. */
static void
ipv4_only_database(void **state)
{
	struct ronda_geo *g = open_geo(v4f, v4f, "ID");
	struct ronda_geo_info in;
	struct ronda_geo_stats st;

	(void)state;
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.20.1", &in), 1);
	assert_int_equal(in.asn, 64501);
	assert_int_equal(ronda_geo_lookup_text(g, "::ffff:103.10.20.1", &in), 1);
	assert_int_equal(in.asn, 64501);
	assert_int_equal(ronda_geo_lookup_text(g, "2001:4860::1", &in), 0);
	ronda_geo_stats(g, &st);
	assert_int_equal(st.errors, 0);
	ronda_geo_free(g);
}

static void
no_databases(void **state)
{
	struct ronda_geo *g = open_geo(NULL, "", NULL);
	struct ronda_geo_info in;
	struct ronda_geo_stats st;

	(void)state;
	assert_int_equal(ronda_geo_enabled(g), 0);
	assert_string_equal(ronda_geo_home(g), "ID");
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.20.1", &in), 0);
	assert_int_equal(in.foreign, 0);
	assert_int_equal(ronda_geo_lookup_text(g, "10.0.0.1", &in), 0);
	assert_int_equal(in.reserved, 1);
	ronda_geo_stats(g, &st);
	assert_int_equal(st.misses, 0);
	ronda_geo_free(g);
	ronda_geo_free(NULL);
}

/* SIGHUP: new databases swap in, in the same object; a failing set changes nothing. */
static void
reload_swaps(void **state)
{
	struct ronda_geo *g = open_geo(asnf, NULL, "ID");
	struct ronda_geo_config c = { ccf, ccf, "SG" };
	struct ronda_geo_info in;

	(void)state;
	assert_int_equal(ronda_geo_lookup_text(g, "36.70.1.2", &in), 1);
	assert_int_equal(in.asn, 7713);
	assert_string_equal(in.country, "");
	/* ccf as the ASN database: refused, the running set answers as before. */
	assert_int_equal(ronda_geo_reload(g, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "geoip.asn:"));
	assert_int_equal(ronda_geo_lookup_text(g, "36.70.1.2", &in), 1);
	assert_int_equal(in.asn, 7713);
	assert_string_equal(ronda_geo_home(g), "ID");
	c.asn = NULL;
	assert_int_equal(ronda_geo_reload(g, &c, err, sizeof(err)), 0);
	assert_string_equal(ronda_geo_home(g), "SG");
	/* The cached answer went with the old databases. */
	assert_int_equal(ronda_geo_lookup_text(g, "36.70.1.2", &in), 1);
	assert_int_equal(in.asn, 0);
	assert_string_equal(in.country, "ID");
	assert_int_equal(in.foreign, 1);
	c.country = NULL;
	c.home_country = "id";
	assert_int_equal(ronda_geo_reload(g, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "geoip.home_country"));
	c.home_country = NULL;
	assert_int_equal(ronda_geo_reload(g, &c, err, sizeof(err)), 0);
	assert_int_equal(ronda_geo_enabled(g), 0);
	ronda_geo_free(g);
}

static int
load_config(const char *geoip, struct ronda_correlator_config *cfg,
    struct ronda_cfg_errors *errs)
{
	char text[1024];

	snprintf(text, sizeof(text), "kafka: {brokers: 127.0.0.1:9}\n"
	    "store: %s/ronda.db\n"
	    "%s", dir, geoip);
	memset(cfg, 0, sizeof(*cfg));
	memset(errs, 0, sizeof(*errs));
	return ronda_correlator_config_load_string("c.yaml", text, cfg, errs);
}

static void
config_bad(const char *geoip, const char *want)
{
	struct ronda_correlator_config cfg;
	struct ronda_cfg_errors errs;
	int found = 0;

	assert_int_equal(load_config(geoip, &cfg, &errs), -1);
	for (size_t i = 0; i < errs.n; i++)
		found |= strstr(errs.v[i], want) != NULL;
	if (!found)
		fail_msg("%s: want \"%s\", got %zu errors, first \"%s\"", geoip, want, errs.n,
		    errs.n > 0 ? errs.v[0] : "");
	ronda_cfg_errors_free(&errs);
	ronda_correlator_config_free(&cfg);
}

static void
config_section(void **state)
{
	struct ronda_correlator_config cfg;
	struct ronda_cfg_errors errs;
	char y[512], want[512];

	(void)state;
	/* Absent: no databases, home ID. */
	assert_int_equal(load_config("", &cfg, &errs), 0);
	assert_null(cfg.geoip.asn);
	assert_null(cfg.geoip.country);
	assert_string_equal(cfg.geoip.home_country, "ID");
	ronda_correlator_config_free(&cfg);
	ronda_cfg_errors_free(&errs);
	/* One file for both; a lower-case home is taken in capitals. */
	snprintf(y, sizeof(y), "geoip:\n  asn: %s\n  country: %s\n  home_country: my\n", both,
	    both);
	assert_int_equal(load_config(y, &cfg, &errs), 0);
	assert_string_equal(cfg.geoip.asn, both);
	assert_string_equal(cfg.geoip.home_country, "MY");
	ronda_correlator_config_free(&cfg);
	ronda_cfg_errors_free(&errs);
	snprintf(y, sizeof(y), "geoip: {asn: %s, country: %s}\n", asnf, ccf);
	assert_int_equal(load_config(y, &cfg, &errs), 0);
	ronda_correlator_config_free(&cfg);
	ronda_cfg_errors_free(&errs);

	snprintf(y, sizeof(y), "geoip:\n  asn: %s\n", nonef);
	snprintf(want, sizeof(want), "c.yaml:4: geoip.asn: cannot open %s: No such file or "
	    "directory", nonef);
	config_bad(y, want);
	snprintf(y, sizeof(y), "geoip:\n  home_country: ID\n  country: %s\n", junkf);
	snprintf(want, sizeof(want), "c.yaml:5: geoip.country: cannot open %s: not a MaxMind "
	    "DB", junkf);
	config_bad(y, want);
	snprintf(y, sizeof(y), "geoip:\n  asn: %s\n", ccf);
	snprintf(want, sizeof(want), "c.yaml:4: geoip.asn: %s (GeoLite2-Country): its records "
	    "lack autonomous_system_number", ccf);
	config_bad(y, want);
	config_bad("geoip:\n  home_country: IDN\n", "c.yaml:4: geoip.home_country: not a "
	    "country code");
	config_bad("geoip:\n  home_country: \"1D\"\n", "geoip.home_country: not a country");
	config_bad("geoip:\n  city: /x.mmdb\n", "c.yaml:4: geoip.city: unknown key");
	config_bad("geoip: /x.mmdb\n", "c.yaml:3: geoip: expected a mapping");
}

/* The engine opens the configured databases and hands out its instance. */
static void
engine_exposes_geo(void **state)
{
	struct ronda_correlator_config cfg, cfg2;
	struct ronda_cfg_errors errs;
	struct ronda_engine *e;
	struct ronda_geo *g;
	struct ronda_geo_info in;
	char y[512];

	(void)state;
	snprintf(y, sizeof(y), "geoip: {asn: %s, country: %s}\n", asnf, ccf);
	assert_int_equal(load_config(y, &cfg, &errs), 0);
	ronda_cfg_errors_free(&errs);
	e = ronda_engine_new(&cfg, err, sizeof(err));
	if (e == NULL)
		fail_msg("ronda_engine_new: %s", err);
	g = ronda_engine_geo(e);
	assert_non_null(g);
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.1.1", &in), 1);
	assert_int_equal(in.asn, 64500);
	assert_int_equal(in.foreign, 1);
	/* A reload without the section: the same instance, no databases. */
	assert_int_equal(load_config("", &cfg2, &errs), 0);
	ronda_cfg_errors_free(&errs);
	assert_int_equal(ronda_engine_reload(e, &cfg2, err, sizeof(err)), 0);
	assert_ptr_equal(ronda_engine_geo(e), g);
	assert_int_equal(ronda_geo_enabled(g), 0);
	assert_int_equal(ronda_geo_lookup_text(g, "103.10.1.1", &in), 0);
	ronda_engine_free(e);
	ronda_correlator_config_free(&cfg2);
	ronda_correlator_config_free(&cfg);
}

/* What a detector's hit says of its address: the ASN, and the country when abroad. */
struct seen {
	int n;
	char ind[RONDA_DETECT_MAX_IND][64];
};

static void
seen_hit(void *arg, const struct ronda_detect_hit *h)
{
	struct seen *s = arg;

	s->n = h->nind;
	for (int i = 0; i < h->nind; i++)
		snprintf(s->ind[i], sizeof(s->ind[i]), "%s=%s", h->ind[i].type, h->ind[i].value);
}

static int
seen_has(const struct seen *s, const char *tv)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->ind[i], tv) == 0)
			return 1;
	return 0;
}

static void
detector_hits_carry_asn_and_abroad(void **state)
{
	struct ronda_geo *g = open_geo(both, both, "ID");
	struct ronda_window *w = ronda_window_new(1000, 1 << 20);
	struct seen s = { 0 };
	struct ronda_detect_sink sink = { &s, seen_hit, NULL };
	struct ronda_detect_config c;
	struct ronda_detect *d;
	struct ronda_cevent ev;
	const char *ips[] = { "61.1.2.3", "36.64.1.2" };

	(void)state;
	ronda_detect_defaults(&c);
	d = ronda_detect_new(&c, w, &sink);
	ronda_detect_set_geo(d, g);
	for (int k = 0; k < 2; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = RONDA_CEVENT_EVENT;
		ev.ts_ms = INT64_C(1795705200000);
		snprintf(ev.site, sizeof(ev.site), "bontangkota.go.id");
		snprintf(ev.ip, sizeof(ev.ip), "%s", ips[k]);
		ev.ip_family = ronda_cevent_parse_ip(ev.ip, strlen(ev.ip), ev.ip_bin);
		snprintf(ev.method, sizeof(ev.method), "GET");
		snprintf(ev.path, sizeof(ev.path), "/wp-content/uploads/alfa.php");
		ev.status = 200;
		ev.nrules = 1;
		snprintf(ev.rule_id[0], sizeof(ev.rule_id[0]), "web.webshell.name");
		snprintf(ev.rule_cat[0], sizeof(ev.rule_cat[0]), "webshell");
		s.n = 0;
		ronda_detect_event(d, &ev, 0, 1, 0);
		assert_true(s.n > 0);
		if (k == 0) {
			assert_true(seen_has(&s, "asn=AS4134"));
			assert_true(seen_has(&s, "foreign=CN"));
		} else {
			/* At home: the operator, never "foreign". */
			assert_true(seen_has(&s, "asn=AS7713"));
			for (int i = 0; i < s.n; i++)
				assert_null(strstr(s.ind[i], "foreign="));
		}
	}
	ronda_detect_free(d);
	ronda_window_free(w);
	ronda_geo_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_lookup),
		cmocka_unit_test(ipv6_lookup),
		cmocka_unit_test(ipv4_mapped),
		cmocka_unit_test(not_found),
		cmocka_unit_test(private_address),
		cmocka_unit_test(cache_hits),
		cmocka_unit_test(foreign_vs_home),
		cmocka_unit_test(org_sanitised),
		cmocka_unit_test(clean_text),
		cmocka_unit_test(corrupt_or_empty_refused),
		cmocka_unit_test(without_fields_refused),
		cmocka_unit_test(ipv4_only_database),
		cmocka_unit_test(no_databases),
		cmocka_unit_test(reload_swaps),
		cmocka_unit_test(config_section),
		cmocka_unit_test(engine_exposes_geo),
		cmocka_unit_test(detector_hits_carry_asn_and_abroad),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
