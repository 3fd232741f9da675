/*
 * geo.h — the autonomous system (number, organisation) and the country of an
 * attacker's address, from MaxMind DB (.mmdb) files read with libmaxminddb.
 *
 * Formats: GeoLite2-ASN and DB-IP "ASN lite" (autonomous_system_number,
 * autonomous_system_organization); GeoLite2-Country/City and DB-IP "Country
 * lite"/"City lite" (country.iso_code, else registered_country.iso_code). One
 * file may hold both sets of fields and serve as both databases. A database
 * is refused at open unless it opens and one of its first records carries
 * the fields it is configured for (a Country file given as the ASN database
 * says so at --check-config, not as "no ASN" for every attacker).
 *
 * Cost: the databases are mmap'ed (MMDB_MODE_MMAP); a 4-way set-associative cache of
 * RONDA_GEO_CACHE answers keyed by the address makes a repeated attacker a
 * hash and a compare. Not-found answers are cached too. Private, loopback,
 * link-local, shared (CGNAT), multicast and other reserved addresses are
 * answered "unknown" without a lookup: never foreign. The documentation
 * ranges (TEST-NET-1..3, 2001:db8::/32) are looked up like any other: the
 * simulator's attackers come from them, and no real database lists them.
 *
 * Threads: no globals; one instance per engine thread. The databases are
 * read-only maps, the cache is the instance's own, so two instances may run
 * on two threads; one instance must not.
 *
 * Replace a database file by rename (geoipupdate does): the map keeps the old
 * file's pages until ronda_geo_reload, and a file truncated in place under a
 * live map would fault on the next lookup.
 */
#ifndef RONDA_GEO_H
#define RONDA_GEO_H

#include <stddef.h>
#include <stdint.h>

#define RONDA_GEO_ORG_MAX	128	/* bytes of an AS organisation kept, NUL included */
#define RONDA_GEO_CACHE		4096	/* answers cached per instance (4-way sets; a power of two) */

/* The config's geoip section (cconfig.h). */
struct ronda_geo_config {
	char *asn;		/* ASN database (.mmdb); NULL or "": none */
	char *country;		/* country database; may be the same file as asn */
	char *home_country;	/* ISO 3166-1 alpha-2 in upper case ("ID"); NULL: "ID" */
};

/* What is known of one address. Zero / "" for what is not. */
struct ronda_geo_info {
	uint32_t asn;			/* 0: unknown */
	char country[3];		/* "SG"; "": unknown */
	unsigned char foreign;		/* country known and not home_country (luar negeri) */
	unsigned char reserved;		/* private/reserved/loopback/...: never looked up */
	char org[RONDA_GEO_ORG_MAX];	/* "Example Hosting Ltd", printable UTF-8; "" unknown */
};

struct ronda_geo_stats {
	uint64_t lookups;	/* every ronda_geo_lookup*() call */
	uint64_t hits;		/* answered from the cache */
	uint64_t misses;	/* went to the databases */
	uint64_t reserved;	/* reserved addresses (no lookup, not cached) */
	uint64_t errors;	/* a database answered with an error (corrupt data): unknown */
};

enum ronda_geo_kind { RONDA_GEO_ASN = 1, RONDA_GEO_COUNTRY = 2 };

struct ronda_geo;

/*
 * Open the databases cfg names (borrowed: the paths are copied). Without any
 * the instance answers "unknown" for every address, cheaply. NULL with a
 * message in err ("geoip.asn: cannot open PATH: reason") when a database
 * does not open or lacks its fields.
 */
struct ronda_geo *ronda_geo_new(const struct ronda_geo_config *cfg, char *err,
    size_t errlen);
void ronda_geo_free(struct ronda_geo *g);

/*
 * SIGHUP: open cfg's databases aside and, only when they all open and carry
 * their fields, close the old ones, take cfg's home_country and empty the
 * cache. -1 with a message in err and nothing changed otherwise. g stays the
 * same object, so pointers to it held elsewhere remain valid.
 */
int ronda_geo_reload(struct ronda_geo *g, const struct ronda_geo_config *cfg, char *err,
    size_t errlen);

/*
 * Whether path opens as a MaxMind DB with the fields of kind (RONDA_GEO_ASN
 * or RONDA_GEO_COUNTRY), for the config check. 0, or -1 with
 * "cannot open PATH: reason" or "PATH: ... lacks ..." in err.
 */
int ronda_geo_check_file(const char *path, int kind, char *err, size_t errlen);

/*
 * Look up an address: family 4 (addr[0..3]) or 6 (addr[0..15]), as struct
 * ronda_cevent has it (ip_family, ip_bin). An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is its IPv4 address. Fills *out (zeroed first); returns 1
 * when the ASN or the country is known, 0 otherwise.
 */
int ronda_geo_lookup(struct ronda_geo *g, int family, const unsigned char addr[16],
    struct ronda_geo_info *out);
/* The same from text ("203.0.113.9", "2001:db8::1"); 0 for what is not an address. */
int ronda_geo_lookup_text(struct ronda_geo *g, const char *ip, struct ronda_geo_info *out);

/* 1 when the address's country is known and is not home_country (luar negeri). */
int ronda_geo_is_foreign(struct ronda_geo *g, int family, const unsigned char addr[16]);

/* 1 when an ASN or a country database is open. */
int ronda_geo_enabled(const struct ronda_geo *g);
/* The home country in use ("ID"). */
const char *ronda_geo_home(const struct ronda_geo *g);
void ronda_geo_stats(const struct ronda_geo *g, struct ronda_geo_stats *st);

/*
 * 1 for an address never looked up: "this network", private, loopback,
 * link-local, CGNAT, IETF protocol (192.0.0/24), 6to4 relay, benchmark,
 * multicast, reserved (IPv4); unspecified, loopback, IPv4-compatible, unique
 * local, link-local, discard, multicast (IPv6); and what is not an address
 * (family not 4 or 6). family and addr
 * as for ronda_geo_lookup: ::ffff:10.0.0.1 is reserved, ::ffff:8.8.8.8 not.
 */
int ronda_geo_is_reserved(int family, const unsigned char addr[16]);

/*
 * Copy the n bytes at s (a string from a database: untrusted) into dst
 * (dstlen >= 1) as printable UTF-8 on one line: invalid or overlong
 * sequences, surrogates, control characters (C0, DEL, C1), bidirectional
 * overrides and zero-width characters become '?' or, for whitespace, one
 * space; leading and trailing spaces go; the text is cut at a character
 * boundary to fit dstlen. HTML or JSON escaping stays the writer's job.
 * Returns strlen(dst).
 */
size_t ronda_geo_clean_text(char *dst, size_t dstlen, const char *s, size_t n);

#endif
