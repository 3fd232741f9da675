#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <maxminddb.h>

#define PROBE_RECORDS	64	/* data records looked at for the fields */
#define PROBE_STEPS	100000	/* search nodes read at most (a corrupt tree may loop) */
#define PROBE_STACK	512	/* pending nodes: depth 128 needs 129 */

/*
 * The cache: RONDA_GEO_CACHE answers in sets of WAYS, a set's keys in one
 * 64-byte line. Four ways, not one: a thousand busy attackers in 4096
 * direct-mapped slots collide for a fifth of their lookups; in 1024 sets of
 * four, almost never. A miss replaces the set's ways in turn (FIFO).
 */
#define WAYS	4
#define SETS	(RONDA_GEO_CACHE / WAYS)

/* An address as IPv6 (IPv4 as ::ffff:a.b.c.d). 0/0 (::) is never cached: empty. */
struct key {
	uint64_t hi, lo;
};

struct ronda_geo {
	MMDB_s *asn;		/* NULL: no ASN database */
	MMDB_s *cc;		/* NULL: none; == asn when one file serves both */
	char home[3];
	struct key *keys;	/* SETS x WAYS, 64-byte aligned */
	struct ronda_geo_info *info;	/* the answer of keys[i] */
	uint8_t *victim;	/* per set: the way the next miss replaces */
	struct ronda_geo_stats st;
};

static const char *const kind_key[] = { "", "geoip.asn", "geoip.country" };

static int
is_uint_type(const MMDB_entry_data_s *d)
{
	switch (d->type) {
	case MMDB_DATA_TYPE_UINT16:
	case MMDB_DATA_TYPE_UINT32:
	case MMDB_DATA_TYPE_UINT64:
	case MMDB_DATA_TYPE_INT32:
		return 1;
	default:
		return 0;
	}
}

/* Whether the record at e carries the fields of kind (not their values). */
static int
has_fields(MMDB_entry_s e, int kind)
{
	MMDB_entry_data_s d;

	if (kind == RONDA_GEO_ASN)
		return MMDB_get_value(&e, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
		    d.has_data && is_uint_type(&d);
	if (MMDB_get_value(&e, &d, "country", "iso_code", NULL) == MMDB_SUCCESS &&
	    d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING)
		return 1;
	return MMDB_get_value(&e, &d, "registered_country", "iso_code", NULL) ==
	    MMDB_SUCCESS && d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING;
}

/*
 * Walk the search tree from the root, lower addresses first, to the first
 * PROBE_RECORDS data records: 1 when one of them has kind's fields, 0 when
 * none does, -1 when there is no data record at all, -2 when the tree is
 * corrupt. Real databases answer within a few hundred nodes.
 */
static int
probe(const MMDB_s *db, int kind)
{
	uint32_t stack[PROBE_STACK];
	size_t sp = 0, steps = 0;
	int records = 0;

	stack[sp++] = 0;
	while (sp > 0 && steps++ < PROBE_STEPS && records < PROBE_RECORDS) {
		MMDB_search_node_s node;

		if (MMDB_read_node(db, stack[--sp], &node) != MMDB_SUCCESS)
			return -2;
		/* Right first onto the stack, so the left (lower) half is read first. */
		for (int side = 1; side >= 0; side--) {
			uint8_t type = side ? node.right_record_type : node.left_record_type;
			uint64_t rec = side ? node.right_record : node.left_record;
			MMDB_entry_s e = side ? node.right_record_entry : node.left_record_entry;

			if (type == MMDB_RECORD_TYPE_INVALID)
				return -2;
			if (type == MMDB_RECORD_TYPE_SEARCH_NODE && sp < PROBE_STACK)
				stack[sp++] = (uint32_t)rec;
			if (type == MMDB_RECORD_TYPE_DATA) {
				if (has_fields(e, kind))
					return 1;
				records++;
			}
		}
	}
	return records == 0 ? -1 : 0;
}

/* Open path as kinds (a mask of RONDA_GEO_*); NULL with the reason in err. */
static MMDB_s *
db_open(const char *path, int kinds, char *err, size_t errlen)
{
	MMDB_s *db = calloc(1, sizeof(*db));
	struct stat sb;
	int rc;

	if (db == NULL) {
		snprintf(err, errlen, "cannot open %s: out of memory", path);
		return NULL;
	}
	/* stat first: its errno is the real reason, and a folder or an empty file is named. */
	if (stat(path, &sb) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "cannot open %s: not a regular file", path);
		goto fail;
	}
	if (sb.st_size == 0) {
		snprintf(err, errlen, "cannot open %s: empty file, not a MaxMind DB (.mmdb)", path);
		goto fail;
	}
	errno = 0;
	if ((rc = MMDB_open(path, MMDB_MODE_MMAP, db)) != MMDB_SUCCESS) {
		/* MMDB_open has released what it took. */
		if ((rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) && errno != 0)
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		else if (rc == MMDB_OUT_OF_MEMORY_ERROR)
			snprintf(err, errlen, "cannot open %s: %s", path, MMDB_strerror(rc));
		else
			snprintf(err, errlen, "cannot open %s: not a MaxMind DB (.mmdb): %s", path,
			    MMDB_strerror(rc));
		goto fail;
	}
	for (int kind = RONDA_GEO_ASN; kind <= RONDA_GEO_COUNTRY; kind++) {
		if ((kinds & kind) == 0)
			continue;
		switch (probe(db, kind)) {
		case 1:
			continue;
		case 0:
			snprintf(err, errlen, "%s (%s): its records lack %s; expected %s", path,
			    db->metadata.database_type != NULL ? db->metadata.database_type : "?",
			    kind == RONDA_GEO_ASN ? "autonomous_system_number" :
			    "country.iso_code",
			    kind == RONDA_GEO_ASN ? "GeoLite2-ASN or DB-IP ASN lite" :
			    "GeoLite2-Country/City or DB-IP Country/City lite");
			break;
		case -1:
			snprintf(err, errlen, "%s: no records (an empty database)", path);
			break;
		default:
			snprintf(err, errlen, "cannot open %s: corrupt search tree", path);
			break;
		}
		MMDB_close(db);
		goto fail;
	}
	return db;
fail:
	free(db);
	return NULL;
}

static void
db_close(MMDB_s *db)
{
	if (db == NULL)
		return;
	MMDB_close(db);
	free(db);
}

int
ronda_geo_check_file(const char *path, int kind, char *err, size_t errlen)
{
	MMDB_s *db = db_open(path, kind, err, errlen);

	if (db == NULL)
		return -1;
	db_close(db);
	return 0;
}

static int
home_ok(const char *s)
{
	return s != NULL && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'A' && s[1] <= 'Z';
}

int
ronda_geo_reload(struct ronda_geo *g, const struct ronda_geo_config *cfg, char *err,
    size_t errlen)
{
	const char *ap = cfg->asn != NULL && cfg->asn[0] != '\0' ? cfg->asn : NULL;
	const char *cp = cfg->country != NULL && cfg->country[0] != '\0' ? cfg->country : NULL;
	const char *home = cfg->home_country != NULL ? cfg->home_country : "ID";
	int same = ap != NULL && cp != NULL && strcmp(ap, cp) == 0;
	MMDB_s *na = NULL, *nc = NULL;
	char e[400];

	if (!home_ok(home)) {
		snprintf(err, errlen, "geoip.home_country: %s is not two capital letters (ID)",
		    home);
		return -1;
	}
	if (ap != NULL && (na = db_open(ap, RONDA_GEO_ASN | (same ? RONDA_GEO_COUNTRY : 0),
	    e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "%s: %s", kind_key[RONDA_GEO_ASN], e);
		return -1;
	}
	if (same) {
		nc = na;
	} else if (cp != NULL && (nc = db_open(cp, RONDA_GEO_COUNTRY, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "%s: %s", kind_key[RONDA_GEO_COUNTRY], e);
		db_close(na);
		return -1;
	}
	if (g->cc != g->asn)
		db_close(g->cc);
	db_close(g->asn);
	g->asn = na;
	g->cc = nc;
	memcpy(g->home, home, 3);
	memset(g->keys, 0, RONDA_GEO_CACHE * sizeof(*g->keys));
	return 0;
}

struct ronda_geo *
ronda_geo_new(const struct ronda_geo_config *cfg, char *err, size_t errlen)
{
	struct ronda_geo *g = calloc(1, sizeof(*g));

	/* calloc'ed answers are not touched until a database answers into them. */
	if (g == NULL || (g->keys = aligned_alloc(64, RONDA_GEO_CACHE * sizeof(*g->keys))) ==
	    NULL || (g->info = calloc(RONDA_GEO_CACHE, sizeof(*g->info))) == NULL ||
	    (g->victim = calloc(SETS, 1)) == NULL) {
		snprintf(err, errlen, "geoip: out of memory");
		ronda_geo_free(g);
		return NULL;
	}
	memset(g->keys, 0, RONDA_GEO_CACHE * sizeof(*g->keys));
	if (ronda_geo_reload(g, cfg, err, errlen) == -1) {
		ronda_geo_free(g);
		return NULL;
	}
	return g;
}

void
ronda_geo_free(struct ronda_geo *g)
{
	if (g == NULL)
		return;
	if (g->cc != g->asn)
		db_close(g->cc);
	db_close(g->asn);
	free(g->keys);
	free(g->info);
	free(g->victim);
	free(g);
}

int
ronda_geo_enabled(const struct ronda_geo *g)
{
	return g->asn != NULL || g->cc != NULL;
}

const char *
ronda_geo_home(const struct ronda_geo *g)
{
	return g->home;
}

void
ronda_geo_stats(const struct ronda_geo *g, struct ronda_geo_stats *st)
{
	*st = g->st;
}

/*
 * The address to look up: IPv4 as itself; ::ffff:a.b.c.d (IPv4-mapped) and
 * 64:ff9b::a.b.c.d (NAT64, a server behind SIIT-DC sees clients so) as
 * a.b.c.d. Returns the family (4 or 6) or 0.
 */
static int
normalise(int family, const unsigned char a[16], unsigned char out[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	memset(out, 0, 16);
	if (family == 4) {
		memcpy(out, a, 4);
		return 4;
	}
	if (family != 6)
		return 0;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
		memcpy(out, a + 12, 4);
		return 4;
	}
	memcpy(out, a, 16);
	return 6;
}

/*
 * IANA special-purpose registries (RFC 6890 and later), the parts that never
 * name an attacker on the Internet. a is normalised (IPv4-mapped and NAT64
 * addresses already turned into IPv4). The documentation ranges (192.0.2/24,
 * 198.51.100/24, 203.0.113/24, 2001:db8::/32) are looked up: no real
 * database has them, and simulated attacks (tests/scenarios) come from them.
 */
static int
reserved(int family, const unsigned char a[16])
{
	static const unsigned char zero[16];

	if (family == 4) {
		return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64) ||		/* 100.64/10 CGNAT */
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
		    (a[0] == 192 && a[1] == 88 && a[2] == 99) ||	/* 6to4 relay anycast */
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 198 && (a[1] & 0xfe) == 18);		/* 198.18/15 benchmarks */
	}
	if (family != 6)
		return 1;
	if (memcmp(a, zero, 8) == 0)		/* ::/64: unspecified, loopback, v4-compatible */
		return 1;
	return (a[0] & 0xfe) == 0xfc ||					/* fc00::/7 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||			/* fe80::/10 */
	    a[0] == 0xff ||						/* multicast */
	    (a[0] == 0x01 && a[1] == 0x00 && memcmp(a + 2, zero, 6) == 0);	/* 100::/64 */
}

int
ronda_geo_is_reserved(int family, const unsigned char addr[16])
{
	unsigned char a[16];
	int f = normalise(family, addr, a);

	return f == 0 || reserved(f, a);
}

/* The cache key of a normalised address, and its set. */
static inline size_t
key_of(int family, const unsigned char a[16], struct key *k)
{
	unsigned char m[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint64_t h;

	if (family == 4) {
		memcpy(m + 12, a, 4);
		a = m;
	}
	memcpy(&k->hi, a, 8);
	memcpy(&k->lo, a + 8, 8);
	h = k->hi * UINT64_C(0x9e3779b97f4a7c15) ^ k->lo * UINT64_C(0xc2b2ae3d27d4eb4f);
	h ^= h >> 29;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 32;
	return (size_t)(h & (SETS - 1));
}

/* A lookup's own error (corrupt data) is counted; "not in this tree" is not. */
static int
db_find(struct ronda_geo *g, const MMDB_s *db, const struct sockaddr *sa, MMDB_entry_s *e)
{
	MMDB_lookup_result_s r;
	int rc;

	r = MMDB_lookup_sockaddr(db, sa, &rc);
	if (rc != MMDB_SUCCESS) {
		if (rc != MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
			g->st.errors++;
		return 0;
	}
	if (!r.found_entry)
		return 0;
	*e = r.entry;
	return 1;
}

static int
get_checked(struct ronda_geo *g, MMDB_entry_s e, MMDB_entry_data_s *d, const char *k1,
    const char *k2)
{
	int rc = k2 != NULL ? MMDB_get_value(&e, d, k1, k2, NULL) :
	    MMDB_get_value(&e, d, k1, NULL);

	if (rc != MMDB_SUCCESS && rc != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		g->st.errors++;
	return rc == MMDB_SUCCESS && d->has_data;
}

static void
asn_fields(struct ronda_geo *g, MMDB_entry_s e, struct ronda_geo_info *info)
{
	MMDB_entry_data_s d;

	if (get_checked(g, e, &d, "autonomous_system_number", NULL)) {
		if (d.type == MMDB_DATA_TYPE_UINT32)
			info->asn = d.uint32;
		else if (d.type == MMDB_DATA_TYPE_UINT16)
			info->asn = d.uint16;
		else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
			info->asn = (uint32_t)d.uint64;
		else if (d.type == MMDB_DATA_TYPE_INT32 && d.int32 > 0)
			info->asn = (uint32_t)d.int32;
	}
	if (get_checked(g, e, &d, "autonomous_system_organization", NULL) &&
	    d.type == MMDB_DATA_TYPE_UTF8_STRING)
		ronda_geo_clean_text(info->org, sizeof(info->org), d.utf8_string, d.data_size);
}

/* country.iso_code, else registered_country.iso_code (an anycast or satellite range). */
static void
country_fields(struct ronda_geo *g, MMDB_entry_s e, struct ronda_geo_info *info)
{
	MMDB_entry_data_s d;
	char c0, c1;

	if (!(get_checked(g, e, &d, "country", "iso_code") &&
	    d.type == MMDB_DATA_TYPE_UTF8_STRING) &&
	    !(get_checked(g, e, &d, "registered_country", "iso_code") &&
	    d.type == MMDB_DATA_TYPE_UTF8_STRING))
		return;
	if (d.data_size != 2)
		return;
	c0 = (char)(d.utf8_string[0] & ~0x20);
	c1 = (char)(d.utf8_string[1] & ~0x20);
	if (c0 < 'A' || c0 > 'Z' || c1 < 'A' || c1 > 'Z' || (c0 == 'Z' && c1 == 'Z'))
		return;		/* ZZ: "unknown" in some databases */
	info->country[0] = c0;
	info->country[1] = c1;
	info->country[2] = '\0';
	info->foreign = c0 != g->home[0] || c1 != g->home[1];
}

/* Ask the databases about a (normalised, not reserved). */
static void
db_lookup(struct ronda_geo *g, int family, const unsigned char a[16],
    struct ronda_geo_info *info)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	const struct sockaddr *sa;
	MMDB_entry_s e;

	if (family == 4) {
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		memcpy(&s4.sin_addr, a, 4);
		sa = (const struct sockaddr *)&s4;
	} else {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		memcpy(&s6.sin6_addr, a, 16);
		sa = (const struct sockaddr *)&s6;
	}
	if (g->asn != NULL && db_find(g, g->asn, sa, &e)) {
		asn_fields(g, e, info);
		if (g->cc == g->asn)
			country_fields(g, e, info);
	}
	if (g->cc != NULL && g->cc != g->asn && db_find(g, g->cc, sa, &e))
		country_fields(g, e, info);
}

int
ronda_geo_lookup(struct ronda_geo *g, int family, const unsigned char addr[16],
    struct ronda_geo_info *out)
{
	unsigned char a[16];
	struct key k, *ks;
	size_t set, i;
	int f, w, r = 0;

	g->st.lookups++;
	if ((f = normalise(family, addr, a)) == 0 || (r = reserved(f, a)) != 0 ||
	    (g->asn == NULL && g->cc == NULL)) {
		memset(out, 0, sizeof(*out));
		out->reserved = (unsigned char)r;
		g->st.reserved += (uint64_t)r;
		return 0;
	}
	set = key_of(f, a, &k);
	ks = &g->keys[set * WAYS];
	for (w = 0; w < WAYS; w++)
		if (ks[w].hi == k.hi && ks[w].lo == k.lo)
			break;
	if (w < WAYS) {
		g->st.hits++;
		i = set * WAYS + (size_t)w;
	} else {
		g->st.misses++;
		w = g->victim[set];
		g->victim[set] = (uint8_t)((w + 1) & (WAYS - 1));
		i = set * WAYS + (size_t)w;
		memset(&g->info[i], 0, sizeof(g->info[i]));
		db_lookup(g, f, a, &g->info[i]);
		ks[w] = k;
	}
	*out = g->info[i];
	return out->asn != 0 || out->country[0] != '\0';
}

int
ronda_geo_lookup_text(struct ronda_geo *g, const char *ip, struct ronda_geo_info *out)
{
	unsigned char a[16] = { 0 };
	int family = 0;

	if (strchr(ip, ':') != NULL)
		family = inet_pton(AF_INET6, ip, a) == 1 ? 6 : 0;
	else
		family = inet_pton(AF_INET, ip, a) == 1 ? 4 : 0;
	if (family == 0) {
		memset(out, 0, sizeof(*out));
		g->st.lookups++;
		return 0;
	}
	return ronda_geo_lookup(g, family, a, out);
}

int
ronda_geo_is_foreign(struct ronda_geo *g, int family, const unsigned char addr[16])
{
	struct ronda_geo_info info;

	(void)ronda_geo_lookup(g, family, addr, &info);
	return info.foreign;
}

/*
 * One UTF-8 character at s (n bytes left): its code point and length, or
 * -1 for an invalid, overlong or surrogate sequence (length 1: resync on
 * the next byte).
 */
static int32_t
utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need;
	int32_t cp;

	*len = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return -1;
	}
	if (n < need + 1 || s[1] < lo || s[1] > hi)
		return -1;
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*len = need + 1;
	return cp;
}

/* Characters that move, hide or reorder text on a terminal or a page. */
static int
invisible(int32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0xad || cp == 0x61c || cp == 0x180e ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
	    (cp & 0xfffe) == 0xfffe || (cp >= 0xe0000 && cp <= 0xe007f);
}

size_t
ronda_geo_clean_text(char *dst, size_t dstlen, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0, len;
	int space = 0;

	if (dstlen == 0)
		return 0;
	while (i < n) {
		int32_t cp = utf8_next(s + i, n - i, &len);
		const char *put = (const char *)s + i;
		size_t plen = len;

		i += len;
		if (cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || cp == 0xa0 ||
		    cp == 0x2028 || cp == 0x2029) {
			space = o > 0;		/* runs become one; none leads */
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || invisible(cp)) {
			put = "?";
			plen = 1;
		}
		if (o + (size_t)space + plen > dstlen - 1)
			break;			/* cut at a character boundary */
		if (space)
			dst[o++] = ' ';
		space = 0;
		memcpy(dst + o, put, plen);
		o += plen;
	}
	dst[o] = '\0';
	return o;
}
