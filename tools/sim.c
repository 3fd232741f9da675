/*
 * ronda-sim — web and auth logs of many government sites, with attack waves
 * planted in them, and the ground truth of what was planted.
 *
 *   ronda-sim                                  kaltim-wave into ./sim-out, at once
 *   ronda-sim --scenario quiet-day --out /tmp/q --seed 7 --fast
 *   ronda-sim --out /tmp/demo --speed 360      6 simulated hours in one minute
 *
 * A scenario (YAML, tests/scenarios/NAME.yaml) names the sites, their
 * background traffic and the attacks. For each site the tool writes
 * OUT/<site>/access.log (nginx combined, the site's UTC offset),
 * OUT/<site>/auth.log (RFC 3164 syslog in the site's local time, as rsyslog
 * writes it: no year, no zone) and OUT/<site>/collector.yaml (a config that
 * tails both from the beginning); and OUT/truth.json: every planted campaign
 * (one attack on two sites or more) and single-site incident.
 *
 * Time runs in one-minute slices: every site's background and every active
 * attack add their lines for the minute into one buffer, which is sorted by
 * time and written out (at once with --fast, or each line when its time
 * comes, scaled by --speed). Memory is one minute of lines, capped.
 *
 * Determinism: one PRNG seeded from --seed, consumed in a fixed order (slice,
 * site, source), and every file written in time order: the same scenario,
 * seed and start give the same bytes. Nothing depends on the wall clock:
 * another --start (at the same UTC time of day) gives the same lines with
 * other dates.
 *
 * Each log's modification time follows the simulated clock, as a real
 * server's would: the scenario start when the file is created, then the
 * time of the last line written (after each write with --speed, at the end
 * with --fast). A collector takes the year of an RFC 3164 line (which has
 * none) from its file's mtime, so logs simulated at another date than today
 * read with their own year.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "ronda/buf.h"
#include "ronda/config.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"
#include "ronda/tz.h"

#include "sim_vocab.h"

#define SIM_DEFAULT_START "2026-11-16T00:00:00Z"	/* a Monday, 08:00 WITA */
#define SIM_MAX_SITES 1000
#define SIM_MAX_ATTACK_IPS 4096
#define SIM_SLICE_MS 60000
#define SIM_SLICE_MAX_BYTES (64u << 20)	/* one minute of lines, all sites */
#define SIM_SLICE_MAX_LINES (512u * 1024)
#define SIM_LINE_MAX 2048
#define SIM_LOG_BUF (16u << 10)	/* per log file: flushed by us, never by stdio */

/* ---- scenario ----------------------------------------------------------- */

enum site_kind { KIND_CMS, KIND_COMPLAINT, KIND_EKINERJA, KIND_MAIL, KIND_SSH };
static const char *const site_kinds[] = { "cms", "complaint", "ekinerja", "mail",
	"ssh", NULL };

enum attack_kind {
	ATK_GAMBLING, ATK_DEFACE, ATK_WEBSHELL, ATK_SQLI, ATK_BRUTE, ATK_CMS_LOGIN,
	ATK_SCANNER, ATK_DOS
};
/* Named with the rules' category vocabulary. */
static const char *const attack_kinds[] = { "gambling-spam", "defacement",
	"webshell", "sqli", "brute-force", "cms-login", "scanner", "dos", NULL };

struct sim_background {
	int64_t web_rate;	/* requests per hour at the daily peak */
	int64_t crawler_pct;	/* share of requests from search-engine crawlers */
	int64_t notfound_pct;	/* share of benign 404s */
	int64_t admin_logins;	/* legitimate CMS / e-Kinerja admin logins per day */
	int64_t ssh_logins;	/* administrators' SSH sessions per day */
	int64_t ssh_noise;	/* stray Internet SSH probes per hour */
	char *soc_scanner;	/* the SOC's own vulnerability scanner (IP), or none */
	int64_t soc_scanner_at;	/* ms after the start */
};

/*
 * One log file. Its buffer is flushed by log_flush() only (before it would
 * fill, and before each pause with --speed), which then sets the file's
 * mtime to its last line: stdio never writes on its own, so the mtime is
 * the wall clock only between a write and the futimens() right after it.
 */
enum { F_WEB, F_AUTH, F_NLOGS };

struct sim_log {
	FILE *f;
	char *buf;		/* its stdio buffer, SIM_LOG_BUF bytes */
	size_t pending;		/* bytes written to f and not yet flushed */
	int64_t last_ms;	/* time of its last line written, 0 none */
};

struct sim_site {
	char *id;
	char *agency;
	char *region;
	char *timezone;
	char *host;
	int kind;
	int64_t web_rate;	/* 0: the background's */

	/* Resolved at run time. */
	struct ronda_tz *tz;
	struct sim_log log[F_NLOGS];	/* access.log, auth.log */
	int64_t db_broken_ms;	/* complaint DB destroyed at (0: never) */
	int64_t flood_from_ms, flood_to_ms;	/* 5xx while flooded */
	unsigned next_pid;
	unsigned session;
};

struct sim_attack {
	char *name;
	int kind;
	struct ronda_strlist sites;	/* ids, "all" or "kind:<site kind>" */
	int64_t start;		/* ms after the scenario start */
	int64_t duration;	/* per site */
	int64_t stagger;	/* each site starts within [start, start+stagger) */
	struct ronda_strlist networks;	/* CIDRs attackers come from */
	int64_t ips;		/* attacker IPs (shared) or per site */
	int shared;		/* the same IPs everywhere, or fresh ones per site */
	int64_t rate;		/* attack requests per minute per site */
	char *success_site;	/* brute-force / cms-login: where it finally works */

	/* Resolved plan. */
	size_t n;		/* sites hit */
	size_t *site;		/* index into the scenario's sites */
	int64_t *from, *to;	/* absolute ms per site */
	uint32_t *ip;		/* n * nip (per site) or nip (shared) */
	size_t nip;
	char token[16];		/* payload fingerprint: shell name, team */
};

struct sim_scenario {
	char *name;
	char *description;
	int64_t duration;
	struct sim_background bg;
	struct ronda_cfg_array sites;	/* struct sim_site */
	struct ronda_cfg_array attacks;	/* struct sim_attack */
};

#define BG(f) offsetof(struct sim_background, f)
#define ST(f) offsetof(struct sim_site, f)
#define AT(f) offsetof(struct sim_attack, f)
#define SC(f) offsetof(struct sim_scenario, f)

static void
tz_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const char *name = *(char **)field;
	struct ronda_tz *tz;
	char err[256];

	if (name == NULL)
		return;
	if ((tz = ronda_tz_new(name, err, sizeof(err))) == NULL)
		ronda_cfg_error(ctx, line, path, "%s", err);
	ronda_tz_free(tz);
}

static int parse_cidr(const char *s, uint32_t *base, unsigned *bits);

static void
networks_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const struct ronda_strlist *l = field;
	uint32_t b;
	unsigned bits;

	for (size_t i = 0; i < l->n; i++)
		if (parse_cidr(l->v[i], &b, &bits) == -1)
			ronda_cfg_error(ctx, line, path, "\"%s\" is not an IPv4 CIDR "
			    "(a.b.c.d/8..32)", l->v[i]);
}

static const struct ronda_cfg_key background_keys[] = {
	{ "web_rate", RONDA_CFG_INT, "1200", 0, 1000000, BG(web_rate),
	  "web requests per hour at the daily peak", 0, NULL, NULL, 0, NULL },
	{ "crawler_pct", RONDA_CFG_INT, "12", 0, 100, BG(crawler_pct),
	  "percent of requests from crawlers", 0, NULL, NULL, 0, NULL },
	{ "notfound_pct", RONDA_CFG_INT, "2", 0, 100, BG(notfound_pct),
	  "percent of benign 404s", 0, NULL, NULL, 0, NULL },
	{ "admin_logins", RONDA_CFG_INT, "6", 0, 100000, BG(admin_logins),
	  "legitimate admin logins per day per site", 0, NULL, NULL, 0, NULL },
	{ "ssh_logins", RONDA_CFG_INT, "6", 0, 100000, BG(ssh_logins),
	  "administrators' SSH sessions per day per site", 0, NULL, NULL, 0, NULL },
	{ "ssh_noise", RONDA_CFG_INT, "2", 0, 100000, BG(ssh_noise),
	  "stray Internet SSH probes per hour per site", 0, NULL, NULL, 0, NULL },
	{ "soc_scanner", RONDA_CFG_STR, NULL, 0, 0, BG(soc_scanner),
	  "IP of the SOC's own vulnerability scanner", 0, NULL, NULL, 0, NULL },
	{ "soc_scanner_at", RONDA_CFG_DURATION, "1h", 0, 0, BG(soc_scanner_at),
	  "when it sweeps every site (after the start)", 0, NULL, NULL, 0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key site_keys[] = {
	{ "id", RONDA_CFG_STR, NULL, 0, 0, ST(id), "site id (domain)",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "agency", RONDA_CFG_STR, NULL, 0, 0, ST(agency), "agency name", 0, NULL,
	  NULL, 0, NULL },
	{ "region", RONDA_CFG_STR, "Kalimantan Timur", 0, 0, ST(region), "region", 0,
	  NULL, NULL, 0, NULL },
	{ "timezone", RONDA_CFG_STR, "Asia/Makassar", 0, 0, ST(timezone), "IANA zone",
	  0, NULL, NULL, 0, tz_check },
	{ "host", RONDA_CFG_STR, "web01", 0, 0, ST(host), "syslog host name", 0, NULL,
	  NULL, 0, NULL },
	{ "kind", RONDA_CFG_ENUM, "cms", 0, 0, ST(kind),
	  "cms, complaint, ekinerja, mail or ssh", 0, site_kinds, NULL, 0, NULL },
	{ "web_rate", RONDA_CFG_INT, "0", 0, 1000000, ST(web_rate),
	  "requests per hour at the peak (0: background's)", 0, NULL, NULL, 0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key attack_keys[] = {
	{ "name", RONDA_CFG_STR, NULL, 0, 0, AT(name), "campaign name",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "kind", RONDA_CFG_ENUM, NULL, 0, 0, AT(kind), "what the attack is",
	  RONDA_CFG_REQUIRED, attack_kinds, NULL, 0, NULL },
	{ "sites", RONDA_CFG_STRLIST, NULL, 0, 0, AT(sites),
	  "site ids, all, or kind:<site kind>", RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "start", RONDA_CFG_DURATION, "0", 0, 0, AT(start), "after the scenario start",
	  0, NULL, NULL, 0, NULL },
	{ "duration", RONDA_CFG_DURATION, "30m", 60000, 0, AT(duration),
	  "how long each site is hit", 0, NULL, NULL, 0, NULL },
	{ "stagger", RONDA_CFG_DURATION, "0", 0, 0, AT(stagger),
	  "sites start at random within this window", 0, NULL, NULL, 0, NULL },
	{ "networks", RONDA_CFG_STRLIST, NULL, 0, 0, AT(networks),
	  "CIDRs the attackers come from", RONDA_CFG_REQUIRED, NULL, NULL, 0,
	  networks_check },
	{ "ips", RONDA_CFG_INT, "1", 1, 256, AT(ips), "attacker IPs", 0, NULL, NULL, 0,
	  NULL },
	{ "shared", RONDA_CFG_BOOL, "true", 0, 0, AT(shared),
	  "same IPs on every site (false: a slow wave with no shared attacker)", 0,
	  NULL, NULL, 0, NULL },
	{ "rate", RONDA_CFG_INT, "10", 1, 100000, AT(rate),
	  "attack requests per minute per site", 0, NULL, NULL, 0, NULL },
	{ "success_site", RONDA_CFG_STR, NULL, 0, 0, AT(success_site),
	  "brute-force / cms-login: the site where it finally succeeds", 0, NULL, NULL,
	  0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key scenario_keys[] = {
	{ "name", RONDA_CFG_STR, NULL, 0, 0, SC(name), "scenario name",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "description", RONDA_CFG_STR, NULL, 0, 0, SC(description), "what it shows",
	  0, NULL, NULL, 0, NULL },
	{ "duration", RONDA_CFG_DURATION, "6h", 60000, 31LL * 86400000, SC(duration),
	  "simulated time", 0, NULL, NULL, 0, NULL },
	{ "background", RONDA_CFG_SECTION, NULL, 0, 0, SC(bg), "traffic of every site",
	  0, NULL, background_keys, 0, NULL },
	{ "sites", RONDA_CFG_LIST, NULL, 0, 0, SC(sites), "the sites",
	  RONDA_CFG_REQUIRED, NULL, site_keys, sizeof(struct sim_site), NULL },
	{ "attacks", RONDA_CFG_LIST, NULL, 0, 0, SC(attacks), "planted attacks", 0,
	  NULL, attack_keys, sizeof(struct sim_attack), NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

/* ---- randomness --------------------------------------------------------- */

static uint64_t rng_state;

/* splitmix64: tiny, good enough, and the same on every platform. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
rndn(unsigned n)
{
	return n == 0 ? 0 : (unsigned)(rnd() % n);
}

static double
rndf(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static unsigned
poisson(double mean)
{
	if (mean <= 0)
		return 0;
	if (mean < 30) {
		double l = exp(-mean), p = 1;
		unsigned k = 0;

		do {
			k++;
			p *= rndf();
		} while (p > l && k < 1000);
		return k - 1;
	} else {
		/* Box-Muller; the normal approximation is fine this far from 0. */
		double u1 = rndf() + 1e-12, u2 = rndf();
		double g = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		double v = mean + sqrt(mean) * g;
		return v < 0 ? 0 : (unsigned)(v + 0.5);
	}
}

static size_t
vcount(const char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

#define PICK(v) ((v)[rndn((unsigned)vcount(v))])

/* ---- IPs ------------------------------------------------------------------ */

static int
parse_cidr(const char *s, uint32_t *base, unsigned *bits)
{
	unsigned a, b, c, d, n = 32;
	int used = 0;

	if (s == NULL)
		return -1;
	if (sscanf(s, "%u.%u.%u.%u%n", &a, &b, &c, &d, &used) != 4)
		return -1;
	if (s[used] == '/') {
		char *end;
		unsigned long v = strtoul(s + used + 1, &end, 10);

		if (*end != '\0' || v < 8 || v > 32)
			return -1;
		n = (unsigned)v;
	} else if (s[used] != '\0') {
		return -1;
	}
	if (a > 255 || b > 255 || c > 255 || d > 255)
		return -1;
	*base = (a << 24 | b << 16 | c << 8 | d);
	if (n < 32)
		*base &= ~((1u << (32 - n)) - 1);
	*bits = n;
	return 0;
}

static void
ip_str(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
	    ip & 255);
}

/* A host address in one of the networks, never .0 or .255. */
static uint32_t
ip_in(const struct ronda_strlist *nets)
{
	uint32_t base, ip;
	unsigned bits;

	parse_cidr(nets->v[rndn((unsigned)nets->n)], &base, &bits);
	if (bits >= 31)
		return base;
	do {
		ip = base | (uint32_t)(rnd() & ((1u << (32 - bits)) - 1));
	} while ((ip & 255) == 0 || (ip & 255) == 255);
	return ip;
}

static uint32_t
ip_isp(void)
{
	const unsigned *p = vocab_isp16[rndn(VOCAB_NISP16)];

	return p[0] << 24 | p[1] << 16 | rndn(256) << 8 | (1 + rndn(254));
}

/* ---- the per-minute line buffer -------------------------------------------- */


struct sline {
	int64_t ms;
	uint32_t seq;		/* creation order: a stable tie-break */
	uint16_t site;
	uint8_t file;
	uint32_t off, len;
};

static struct {
	struct sline *v;
	size_t n, cap;
	char *text;
	size_t used, tcap;
	uint64_t dropped;	/* lines the slice caps refused */
	uint32_t seq;
} slice;

static int64_t sim_start_ms, sim_end_ms;
static int start_year;		/* the UTC year of --start (complaint tickets) */
static struct sim_scenario *scn;

static void
add_line(size_t site, int file, int64_t ms, const char *text, size_t len)
{
	struct sline *l;

	if (ms < sim_start_ms || ms >= sim_end_ms)
		return;
	if (slice.n == slice.cap) {
		size_t nc = slice.cap ? slice.cap * 2 : 4096;
		struct sline *nv;

		if (nc > SIM_SLICE_MAX_LINES ||
		    (nv = realloc(slice.v, nc * sizeof(*nv))) == NULL) {
			slice.dropped++;
			return;
		}
		slice.v = nv;
		slice.cap = nc;
	}
	if (slice.used + len + 1 > slice.tcap) {
		size_t nc = slice.tcap ? slice.tcap * 2 : (1u << 20);
		char *nt;

		while (nc < slice.used + len + 1)
			nc *= 2;
		if (nc > SIM_SLICE_MAX_BYTES || (nt = realloc(slice.text, nc)) == NULL) {
			slice.dropped++;
			return;
		}
		slice.text = nt;
		slice.tcap = nc;
	}
	memcpy(slice.text + slice.used, text, len);
	slice.text[slice.used + len] = '\n';
	l = &slice.v[slice.n++];
	l->ms = ms;
	l->seq = slice.seq++;
	l->site = (uint16_t)site;
	l->file = (uint8_t)file;
	l->off = (uint32_t)slice.used;
	l->len = (uint32_t)len + 1;
	slice.used += len + 1;
}

static int
sline_cmp(const void *a, const void *b)
{
	const struct sline *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- line formats ---------------------------------------------------------- */

static struct sim_site *
site_at(size_t i)
{
	return &((struct sim_site *)scn->sites.v)[i];
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* The site's local civil time at UTC ms. */
static void
local_civil(const struct sim_site *s, int64_t ms, int32_t *off, int64_t *y,
    unsigned *mo, unsigned *d, unsigned *h, unsigned *mi, unsigned *sec)
{
	int64_t t = ms / 1000, days, rem;

	*off = ronda_tz_offset_at(s->tz, t);
	t += *off;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	rem = t - days * 86400;
	ronda_civil_from_days(days, y, mo, d);
	*h = (unsigned)(rem / 3600);
	*mi = (unsigned)(rem / 60 % 60);
	*sec = (unsigned)(rem % 60);
}

static unsigned
local_hour(const struct sim_site *s, int64_t ms)
{
	int32_t off;
	int64_t y;
	unsigned mo, d, h, mi, sec;

	local_civil(s, ms, &off, &y, &mo, &d, &h, &mi, &sec);
	return h;
}

/*
 * nginx "combined":
 * 36.68.12.7 - - [16/Nov/2026:08:00:01 +0800] "GET /berita/x HTTP/1.1" 200 5120 "-" "Mozilla/5.0 ..."
 */
static void
web(size_t site, int64_t ms, uint32_t ip, const char *method, const char *url,
    int status, unsigned bytes, const char *ref, const char *ua)
{
	struct sim_site *s = site_at(site);
	char line[SIM_LINE_MAX], ipb[16];
	int32_t off;
	int64_t y;
	unsigned mo, d, h, mi, sec;
	int n;

	local_civil(s, ms, &off, &y, &mo, &d, &h, &mi, &sec);
	ip_str(ip, ipb);
	n = snprintf(line, sizeof(line), "%s - - [%02u/%s/%04" PRId64 ":%02u:%02u:%02u "
	    "%c%02d%02d] \"%s %s HTTP/1.1\" %d %u \"%s\" \"%s\"", ipb, d, months[mo - 1],
	    y, h, mi, sec, off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60,
	    method, url, status, bytes, ref ? ref : "-", ua);
	if (n > 0 && (size_t)n < sizeof(line))
		add_line(site, F_WEB, ms, line, (size_t)n);
}

/* rsyslog's traditional file format: "Nov 16 08:00:01 web01 sshd[1234]: msg". */
static void
auth(size_t site, int64_t ms, const char *prog, unsigned pid, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
auth(size_t site, int64_t ms, const char *prog, unsigned pid, const char *fmt, ...)
{
	struct sim_site *s = site_at(site);
	char line[SIM_LINE_MAX];
	int32_t off;
	int64_t y;
	unsigned mo, d, h, mi, sec;
	int n, m;
	va_list ap;

	local_civil(s, ms, &off, &y, &mo, &d, &h, &mi, &sec);
	n = snprintf(line, sizeof(line), "%s %2u %02u:%02u:%02u %s %s[%u]: ",
	    months[mo - 1], d, h, mi, sec, s->host, prog, pid);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m > 0 && (size_t)(n + m) < sizeof(line))
		add_line(site, F_AUTH, ms, line, (size_t)(n + m));
}

static unsigned
new_pid(struct sim_site *s)
{
	s->next_pid += 1 + rndn(40);
	if (s->next_pid > 4000000)
		s->next_pid = 1000;
	return s->next_pid;
}

/* Replace %u with id and %d with a sqlmap-like random number. */
static void
subst(char *out, size_t n, const char *tmpl, unsigned id)
{
	size_t o = 0;
	unsigned r = 1000 + rndn(9000);

	for (const char *p = tmpl; *p != '\0' && o + 12 < n; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			o += (size_t)snprintf(out + o, n - o, "%u", id);
			p++;
		} else if (p[0] == '%' && p[1] == 'd') {
			o += (size_t)snprintf(out + o, n - o, "%u", r);
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static const char *
browser(void)
{
	return PICK(vocab_browser_ua);
}

/* ---- background ------------------------------------------------------------ */

/* Share of the daily peak at a local hour: office hours, lunch, evenings. */
static double
rhythm(unsigned h)
{
	static const double r[24] = { .12, .08, .06, .06, .08, .15, .3, .6, .95, 1, 1,
		.95, .75, .9, 1, .9, .7, .55, .5, .55, .5, .4, .3, .18 };
	return r[h % 24];
}

static int
site_status(const struct sim_site *s, int64_t ms, int ok)
{
	if (s->flood_to_ms > 0 && ms >= s->flood_from_ms && ms < s->flood_to_ms)
		return rndn(10) < 7 ? (rndn(2) ? 503 : 504) : ok;
	return ok;
}

static char refbuf[512];

static const char *
site_ref(const struct sim_site *s, const char *path)
{
	snprintf(refbuf, sizeof(refbuf), "https://%s%s", s->id, path);
	return refbuf;
}

/* One page view: the HTML, then (for a browser) a few of its assets. */
static void
page_view(size_t si, int64_t ms, uint32_t ip, const char *ua, int is_browser)
{
	struct sim_site *s = site_at(si);
	char url[512];
	const char *ref = NULL;
	int status = 200;
	unsigned bytes = 18000 + rndn(42000), r = rndn(100);

	switch (s->kind) {
	case KIND_COMPLAINT:
		if (r < 40)
			snprintf(url, sizeof(url), "%s", PICK(vocab_pengaduan));
		else if (r < 75)
			snprintf(url, sizeof(url), "/pengaduan/detail.php?id=%u", 1000 + rndn(4000));
		else
			snprintf(url, sizeof(url), "/pengaduan/lacak?tiket=ADU-%04d-%06u",
			    start_year, rndn(20000));
		if (s->db_broken_ms > 0 && ms >= s->db_broken_ms) {
			status = 500;
			bytes = 620;
		}
		break;
	case KIND_EKINERJA:
		snprintf(url, sizeof(url), "%s", PICK(vocab_ekinerja));
		bytes = 9000 + rndn(30000);
		break;
	case KIND_MAIL:
		subst(url, sizeof(url), PICK(vocab_webmail), 1 + rndn(9000));
		bytes = 3000 + rndn(20000);
		break;
	case KIND_SSH:
		snprintf(url, sizeof(url), "/");
		bytes = 612;
		break;
	default:
		if (r < 12)
			snprintf(url, sizeof(url), "/");
		else if (r < 50)
			snprintf(url, sizeof(url), "/berita/%s/", PICK(vocab_berita));
		else if (r < 62)
			snprintf(url, sizeof(url), "/pengumuman/%s/", PICK(vocab_pengumuman));
		else if (r < 85)
			snprintf(url, sizeof(url), "%s", PICK(vocab_layanan));
		else if (r < 90)
			snprintf(url, sizeof(url), "/?s=%s", PICK(vocab_search));
		else if (r < 94)
			snprintf(url, sizeof(url), "/feed/");
		else if (r < 97 && !is_browser)
			snprintf(url, sizeof(url), "/sitemap.xml");
		else if (!is_browser)
			snprintf(url, sizeof(url), "/robots.txt");
		else
			snprintf(url, sizeof(url), "/galeri/foto");
		if (strcmp(url, "/robots.txt") == 0)
			bytes = 312;
		else if (strcmp(url, "/sitemap.xml") == 0)
			bytes = 4100 + rndn(400);
		if (is_browser && rndn(3) == 0)
			ref = rndn(4) ? "https://www.google.com/" : site_ref(s, "/");
		break;
	}
	web(si, ms, ip, "GET", url, site_status(s, ms, status), bytes, ref, ua);
	if (!is_browser || s->kind != KIND_CMS)
		return;
	snprintf(url, sizeof(url), "%s", site_ref(s, url));
	for (unsigned i = 0, n = rndn(4); i < n; i++) {
		const char *a = PICK(vocab_assets);

		web(si, ms + 150 + 120 * i + rndn(100), ip, "GET", a,
		    rndn(5) ? 200 : 304, 2000 + rndn(90000), url, ua);
	}
}

static void
admin_login(size_t si, int64_t ms)
{
	struct sim_site *s = site_at(si);
	uint32_t ip = rndn(3) ? (10u << 24 | 61u << 16 | rndn(4) << 8 | (10 + rndn(200))) :
	    ip_isp();
	const char *ua = PICK(vocab_browser_ua);

	switch (s->kind) {
	case KIND_EKINERJA:
		web(si, ms, ip, "GET", "/ekinerja/login", 200, 4200, NULL, ua);
		web(si, ms + 9000, ip, "POST", "/ekinerja/login", 302, 0,
		    site_ref(s, "/ekinerja/login"), ua);
		web(si, ms + 9400, ip, "GET", "/ekinerja/dashboard", 200, 22000,
		    site_ref(s, "/ekinerja/login"), ua);
		break;
	case KIND_COMPLAINT:
		web(si, ms, ip, "GET", "/pengaduan/admin/login", 200, 3900, NULL, ua);
		web(si, ms + 8000, ip, "POST", "/pengaduan/admin/login", 302, 0,
		    site_ref(s, "/pengaduan/admin/login"), ua);
		web(si, ms + 8300, ip, "GET", "/pengaduan/admin/", 200, 15000,
		    site_ref(s, "/pengaduan/admin/login"), ua);
		break;
	case KIND_MAIL:
		web(si, ms, ip, "GET", "/webmail/", 200, 5200, NULL, ua);
		web(si, ms + 7000, ip, "POST", "/webmail/?_task=login", 302, 0,
		    site_ref(s, "/webmail/"), ua);
		break;
	case KIND_SSH:
		break;
	default:
		web(si, ms, ip, "GET", "/wp-login.php", 200, 7300, NULL, ua);
		web(si, ms + 11000, ip, "POST", "/wp-login.php", 302, 0,
		    site_ref(s, "/wp-login.php"), ua);
		web(si, ms + 11500, ip, "GET", "/wp-admin/", 200, 51000,
		    site_ref(s, "/wp-login.php"), ua);
		web(si, ms + 60000 + rndn(300000), ip, "POST", "/wp-admin/admin-ajax.php",
		    200, 47, site_ref(s, "/wp-admin/"), ua);
		break;
	}
}

static void
ssh_session(size_t si, int64_t ms)
{
	struct sim_site *s = site_at(si);
	static const char *const users[] = { "deploy", "adminweb", "diskominfo", NULL };
	const char *u = PICK(users);
	unsigned pid = new_pid(s), port = 40000 + rndn(25000), uid = 1000 + rndn(3);
	unsigned sess = ++s->session;
	uint32_t ip = 10u << 24 | 61u << 16 | 1u << 8 | (5 + rndn(20));
	char ipb[16];
	int64_t end = ms + 60000 + rndn(1200000);

	ip_str(ip, ipb);
	auth(si, ms, "sshd", pid, "Accepted publickey for %s from %s port %u ssh2: "
	    "ED25519 SHA256:q8Zx1vY0mNf3kPc7uR2dWb6hLs9tGa4eJo5iXy%02u", u, ipb, port, uid % 100);
	auth(si, ms, "sshd", pid, "pam_unix(sshd:session): session opened for user %s"
	    "(uid=%u) by (uid=0)", u, uid);
	auth(si, ms + 30, "systemd-logind", 612, "New session %u of user %s.", sess, u);
	if (rndn(2)) {
		static const char *const cmds[] = { "/usr/bin/systemctl reload nginx",
			"/usr/bin/systemctl restart php8.2-fpm", "/usr/bin/tail -n 100 /var/log/nginx/error.log",
			"/usr/bin/apt-get update", "/usr/sbin/nginx -t", NULL };
		int64_t t = ms + 20000 + rndn(40000);
		unsigned spid = new_pid(s);

		auth(si, t, "sudo", spid, "%8s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; "
		    "COMMAND=%s", u, u, PICK(cmds));
		auth(si, t, "sudo", spid, "pam_unix(sudo:session): session opened for user "
		    "root(uid=0) by %s(uid=%u)", u, uid);
		auth(si, t + 900, "sudo", spid, "pam_unix(sudo:session): session closed for "
		    "user root");
	}
	auth(si, end, "sshd", pid, "Received disconnect from %s port %u:11: disconnected "
	    "by user", ipb, port);
	auth(si, end, "sshd", pid, "Disconnected from user %s %s port %u", u, ipb, port);
	auth(si, end, "sshd", pid, "pam_unix(sshd:session): session closed for user %s", u);
	auth(si, end + 20, "systemd-logind", 612, "Session %u logged out. Waiting for "
	    "processes to exit.", sess);
}

/* The Internet's constant background: one stray probe, not an attack on us. */
static void
ssh_noise(size_t si, int64_t ms)
{
	struct sim_site *s = site_at(si);
	/* Hosting ranges seen everywhere; disjoint from the scenarios' attack pools. */
	static const unsigned nets[][3] = { { 167, 94, 138 }, { 162, 142, 125 },
		{ 64, 62, 197 }, { 147, 185, 132 }, { 206, 168, 34 } };
	const unsigned *n = nets[rndn(5)];
	uint32_t ip = n[0] << 24 | n[1] << 16 | n[2] << 8 | (1 + rndn(254));
	unsigned pid = new_pid(s), port = 30000 + rndn(35000);
	char ipb[16];

	ip_str(ip, ipb);
	switch (rndn(3)) {
	case 0:
		auth(si, ms, "sshd", pid, "Connection closed by %s port %u [preauth]", ipb, port);
		break;
	case 1:
		auth(si, ms, "sshd", pid, "error: kex_exchange_identification: Connection "
		    "closed by remote host");
		auth(si, ms, "sshd", pid, "Connection closed by %s port %u", ipb, port);
		break;
	default:
		auth(si, ms, "sshd", pid, "Invalid user test from %s port %u", ipb, port);
		auth(si, ms + 400, "sshd", pid, "Received disconnect from %s port %u:11: Bye "
		    "Bye [preauth]", ipb, port);
		auth(si, ms + 400, "sshd", pid, "Disconnected from invalid user test %s port "
		    "%u [preauth]", ipb, port);
		break;
	}
}

static void
cron(size_t si, int64_t ms)
{
	struct sim_site *s = site_at(si);
	unsigned pid = new_pid(s);

	auth(si, ms, "CRON", pid, "pam_unix(cron:session): session opened for user root"
	    "(uid=0) by (uid=0)");
	auth(si, ms + 1000 + rndn(3000), "CRON", pid, "pam_unix(cron:session): session "
	    "closed for user root");
}

/* The SOC's scheduled sweep: benign, yet every probe is a real attack string. */
static void
soc_scan(size_t si, int64_t ms, uint32_t ip)
{
	static const char *ua = "Mozilla/5.0 [en] (X11, U; Greenbone OS 22.04.19)";
	size_t n = vcount(vocab_scan_paths);

	for (size_t i = 0; i < n; i++)
		web(si, ms + (int64_t)i * 700, ip, "GET", vocab_scan_paths[i],
		    strcmp(vocab_scan_paths[i], "/?author=1") == 0 ? 301 : 404, 162, NULL, ua);
}

static void
background(size_t si, int64_t t0)
{
	struct sim_site *s = site_at(si);
	struct sim_background *bg = &scn->bg;
	double peak = (double)(s->web_rate > 0 ? s->web_rate : bg->web_rate);
	unsigned h = local_hour(s, t0), n, mi;
	int64_t local_min;
	int32_t off = ronda_tz_offset_at(s->tz, t0 / 1000);

	if (s->kind == KIND_SSH)
		peak /= 20;
	/* Page views (a view is 1-4 requests: count views, not requests). */
	n = poisson(peak / 60.0 * rhythm(h) / 2.0);
	for (unsigned i = 0; i < n; i++) {
		int64_t ms = t0 + rndn(SIM_SLICE_MS);
		unsigned r = rndn(100);

		if (r < bg->crawler_pct) {
			const struct vocab_crawler *c = &vocab_crawlers[rndn(6)];
			uint32_t ip = c->a << 24 | c->b << 16 | c->c << 8 | (1 + rndn(254));

			page_view(si, ms, ip, c->ua, 0);
		} else if (r < bg->crawler_pct + bg->notfound_pct) {
			web(si, ms, ip_isp(), "GET", PICK(vocab_missing), 404, 162, NULL,
			    browser());
		} else {
			page_view(si, ms, ip_isp(), browser(), 1);
		}
	}
	/* The SOC's uptime monitor, every 5 minutes. */
	local_min = (t0 + (int64_t)off * 1000) / 60000;
	mi = (unsigned)(local_min % 60);
	if (mi % 5 == 0)
		web(si, t0 + 1000 + (int64_t)(si % 50) * 100, 10u << 24 | 61u << 16 | 9,
		    "HEAD", "/", site_status(s, t0, 200), 0, NULL,
		    "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)");
	if (mi == 9 || mi == 39)
		cron(si, t0 + rndn(2000));
	if (rndf() < (double)bg->admin_logins / 1440.0 * rhythm(h) * 2.2)
		admin_login(si, t0 + rndn(SIM_SLICE_MS));
	if (rndf() < (double)bg->ssh_logins / 1440.0 * rhythm(h) * 2.2)
		ssh_session(si, t0 + rndn(SIM_SLICE_MS));
	if (rndf() < (double)bg->ssh_noise / 60.0)
		ssh_noise(si, t0 + rndn(SIM_SLICE_MS));
}

/* ---- attacks --------------------------------------------------------------- */

static uint32_t
attacker(const struct sim_attack *a, size_t k)
{
	if (a->shared)
		return a->ip[rndn((unsigned)a->nip)];
	return a->ip[k * a->nip + rndn((unsigned)a->nip)];
}

/*
 * Password guessers work in turns: a botnet's hosts take a server one or two
 * at a time, for about ten minutes each, hammering it (tens of attempts)
 * before the next takes over, and each site sees its own order. So each IP
 * both crosses the per-site thresholds and turns up on many sites.
 */
static uint32_t
attacker_in_turn(const struct sim_attack *a, size_t k, int64_t ms, int second)
{
	size_t turn = (size_t)((ms - sim_start_ms) / 600000) + k * 7 + (second ? 1 : 0);
	size_t i = turn % a->nip;

	return a->shared ? a->ip[i] : a->ip[k * a->nip + i];
}

static char upload_dir[32];	/* "/wp-content/uploads/2026/11" of the start */

static void
atk_gambling(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	struct sim_site *s = site_at(si);
	char url[512];
	uint32_t ip = attacker(a, k);

	if (p < 0.45) {
		/* Search spam: the site's search page becomes an SEO doorway. */
		static const char *const fmt[] = { "/?s=%s", "/search?q=%s", "/berita/?s=%s" };

		snprintf(url, sizeof(url), fmt[rndn(3)], PICK(vocab_judol_search));
		web(si, ms, ip, "GET", url, 200, 14000 + rndn(4000), NULL, browser());
		return;
	}
	if (p < 0.5) {
		/* Pages injected through a stolen editor account. */
		web(si, ms, ip, "POST", "/wp-login.php", 302, 0, site_ref(s, "/wp-login.php"),
		    browser());
		snprintf(url, sizeof(url), "/wp-admin/post.php?post=%u&action=edit",
		    4000 + rndn(900));
		web(si, ms + 4000, ip, "POST", "/wp-admin/post.php", 302, 0,
		    site_ref(s, url), browser());
		return;
	}
	/* Crawlers (and referred visitors) follow the injected pages. */
	switch (rndn(4)) {
	case 0:
		snprintf(url, sizeof(url), "/%s/", PICK(vocab_judol_page));
		web(si, ms, ip, "GET", url, 200, 31000 + rndn(5000), NULL, browser());
		break;
	case 1: {
		const struct vocab_crawler *c = &vocab_crawlers[rndn(3)];
		uint32_t cip = c->a << 24 | c->b << 16 | c->c << 8 | (1 + rndn(254));

		snprintf(url, sizeof(url), "%s/%s-%s.html", upload_dir,
		    PICK(vocab_judol_page), a->token);
		web(si, ms, cip, "GET", url, 200, 29000 + rndn(5000), NULL, c->ua);
		break;
	}
	case 2: {
		const struct vocab_crawler *c = &vocab_crawlers[rndn(3)];
		uint32_t cip = c->a << 24 | c->b << 16 | c->c << 8 | (1 + rndn(254));

		snprintf(url, sizeof(url), "/%s/", PICK(vocab_judol_page));
		web(si, ms, cip, "GET", url, 200, 31000 + rndn(5000), NULL, c->ua);
		break;
	}
	default:
		snprintf(url, sizeof(url), "/%s/", PICK(vocab_judol_page));
		web(si, ms, ip_isp(), "GET", url, 200, 31000 + rndn(5000),
		    PICK(vocab_judol_domain), browser());
		break;
	}
}

static void
atk_webshell(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	static const char *ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36";
	char url[512], shell[128];
	uint32_t ip = attacker(a, k);

	snprintf(shell, sizeof(shell), "%s/%s.php", upload_dir, a->token);
	if (p < 0.1) {
		/* The hole: wp-file-manager's connector (CVE-2020-25213). */
		if (rndn(3) == 0)
			web(si, ms, ip, "GET", "/wp-content/plugins/wp-file-manager/readme.txt",
			    200, 4120, NULL, ua);
		else
			web(si, ms, ip, "POST", "/wp-content/plugins/wp-file-manager/lib/php/"
			    "connector.minimal.php", 200, 380, NULL, ua);
		return;
	}
	switch (rndn(5)) {
	case 0:
		web(si, ms, ip, "GET", shell, 200, 1240 + rndn(200), NULL, ua);
		break;
	case 1:
	case 2:
		snprintf(url, sizeof(url), "%s?cmd=%s", shell, PICK(vocab_shell_cmds));
		web(si, ms, ip, "GET", url, 200, 60 + rndn(3000), NULL, ua);
		break;
	case 3:
		snprintf(url, sizeof(url), "%s?a=FilesMan&c=/var/www/html", shell);
		web(si, ms, ip, "POST", url, 200, 9000 + rndn(4000), NULL, ua);
		break;
	default:
		snprintf(url, sizeof(url), "/wp-content/uploads/%s-%u.php", a->token,
		    rndn(10));
		web(si, ms, ip, "GET", url, 404, 162, NULL, ua);
		break;
	}
}

static void
atk_sqli(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	struct sim_site *s = site_at(si);
	static const char *ua = "sqlmap/1.7.2#stable (https://sqlmap.org)";
	char q[512], url[600];
	unsigned id = 1000 + (unsigned)(k * 37 % 3000);
	const char *path = s->kind == KIND_COMPLAINT ? "/pengaduan/detail.php" :
	    "/berita.php";
	int status;

	if (p < 0.85 || p >= 0.9) {
		subst(q, sizeof(q), PICK(vocab_sqli_probe), id);
		status = rndn(4) == 0 ? 500 : 200;
	} else {
		/* The end: destructive statements, and the portal is broken after. */
		subst(q, sizeof(q), PICK(vocab_sqli_destroy), id);
		status = 200;
		if (s->db_broken_ms == 0)
			s->db_broken_ms = ms + 1000;
	}
	if (s->db_broken_ms > 0 && ms > s->db_broken_ms)
		status = 500;
	snprintf(url, sizeof(url), "%s?id=%s", path, q);
	web(si, ms, attacker(a, k), "GET", url, status, status == 500 ? 620 :
	    8000 + rndn(9000), NULL, ua);
}

static void
atk_deface(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	char url[256], ref[256];
	uint32_t ip = attacker(a, k);
	const char *ua = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";

	if (p < 0.3) {
		/* KCFinder left open under the theme: browse, then upload. */
		if (rndn(2))
			web(si, ms, ip, "GET", "/assets/kcfinder/browse.php?type=files", 200,
			    6100, NULL, ua);
		else
			web(si, ms, ip, "POST", "/assets/kcfinder/upload.php", 200, 210, NULL, ua);
		return;
	}
	snprintf(url, sizeof(url), "/assets/kcfinder/upload/files/hacked-by-%s.html",
	    a->token);
	if (p < 0.6 || rndn(2)) {
		web(si, ms, ip, "GET", url, 200, 2300, NULL, ua);
		return;
	}
	/* The defacer reports the page; archive visitors follow. */
	snprintf(ref, sizeof(ref), "http://www.zone-h.org/mirror/id/%u", 41000000 + rndn(90000));
	web(si, ms, ip_isp(), "GET", url, 200, 2300, ref, browser());
}

static void
atk_scanner(const struct sim_attack *a, size_t k, size_t si, int64_t ms)
{
	const char *path = PICK(vocab_scan_paths);

	web(si, ms, attacker(a, k), "GET", path, 404, 162, NULL,
	    vocab_scan_ua[k % vcount(vocab_scan_ua)]);
}

static void
atk_cms_login(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p,
    int succeed)
{
	struct sim_site *s = site_at(si);
	uint32_t ip = attacker_in_turn(a, k, ms, !succeed && rndn(3) == 0);

	if (succeed && p > 0.97) {
		web(si, ms, ip, "POST", "/wp-login.php", 302, 0, site_ref(s, "/wp-login.php"),
		    browser());
		web(si, ms + 700, ip, "GET", "/wp-admin/", 200, 51000,
		    site_ref(s, "/wp-login.php"), browser());
		return;
	}
	if (rndn(4) == 0)
		web(si, ms, ip, "POST", "/xmlrpc.php", 200, 403 + rndn(8), NULL,
		    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/119.0");
	else
		web(si, ms, ip, "POST", "/wp-login.php", 200, 7450 + rndn(60),
		    site_ref(s, "/wp-login.php"), browser());
}

static void
atk_dos(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	char url[64];
	int status = 200;

	if (p > 0.15)
		status = rndn(10) < 8 ? (rndn(3) ? 503 : 504) : 200;
	if (rndn(2))
		snprintf(url, sizeof(url), "/?%u", (unsigned)rnd());
	else
		snprintf(url, sizeof(url), "/");
	web(si, ms, attacker(a, k), "GET", url, status, status == 200 ? 48000 : 197,
	    NULL, browser());
}

/* One botnet connection: a guess or three, then the disconnect. */
static void
atk_brute(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p,
    int succeed)
{
	struct sim_site *s = site_at(si);
	uint32_t ip = attacker_in_turn(a, k, ms, !succeed && rndn(3) == 0);
	unsigned pid = new_pid(s), port = 30000 + rndn(35000);
	const char *u = PICK(vocab_ssh_users);
	int root = strcmp(u, "root") == 0;
	char ipb[16];

	ip_str(ip, ipb);
	if (succeed && p > 0.97) {
		/* The one guess that worked, and what the intruder does next. */
		auth(si, ms, "sshd", pid, "Accepted password for operator from %s port %u ssh2",
		    ipb, port);
		auth(si, ms, "sshd", pid, "pam_unix(sshd:session): session opened for user "
		    "operator(uid=1003) by (uid=0)");
		auth(si, ms + 40, "systemd-logind", 612, "New session %u of user operator.",
		    ++s->session);
		pid = new_pid(s);
		auth(si, ms + 25000, "sudo", pid, "operator : TTY=pts/1 ; PWD=/home/operator ; "
		    "USER=root ; COMMAND=/bin/bash");
		auth(si, ms + 25000, "sudo", pid, "pam_unix(sudo:session): session opened for "
		    "user root(uid=0) by operator(uid=1003)");
		return;
	}
	if (!root)
		auth(si, ms, "sshd", pid, "Invalid user %s from %s port %u", u, ipb, port);
	auth(si, ms + 1200, "sshd", pid, "pam_unix(sshd:auth): authentication failure; "
	    "logname= uid=0 euid=0 tty=ssh ruser= rhost=%s%s", ipb, root ? "  user=root" : "");
	auth(si, ms + 2100, "sshd", pid, "Failed password for %s%s from %s port %u ssh2",
	    root ? "" : "invalid user ", u, ipb, port);
	if (root && rndn(3) == 0) {
		auth(si, ms + 4000, "sshd", pid, "Failed password for root from %s port %u ssh2",
		    ipb, port);
		auth(si, ms + 6000, "sshd", pid, "Failed password for root from %s port %u ssh2",
		    ipb, port);
		auth(si, ms + 6100, "sshd", pid, "error: maximum authentication attempts "
		    "exceeded for root from %s port %u ssh2 [preauth]", ipb, port);
		auth(si, ms + 6100, "sshd", pid, "Disconnecting authenticating user root %s "
		    "port %u: Too many authentication failures [preauth]", ipb, port);
		return;
	}
	auth(si, ms + 2500, "sshd", pid, "Received disconnect from %s port %u:11: Bye Bye "
	    "[preauth]", ipb, port);
	if (root)
		auth(si, ms + 2500, "sshd", pid, "Disconnected from authenticating user root "
		    "%s port %u [preauth]", ipb, port);
	else
		auth(si, ms + 2500, "sshd", pid, "Disconnected from invalid user %s %s port %u "
		    "[preauth]", u, ipb, port);
}

static void
attack_slice(struct sim_attack *a, int64_t t0)
{
	for (size_t k = 0; k < a->n; k++) {
		size_t si = a->site[k];
		int64_t from = a->from[k], to = a->to[k];
		int64_t lo = t0 > from ? t0 : from, hi = t0 + SIM_SLICE_MS < to ?
		    t0 + SIM_SLICE_MS : to;
		int succeed = a->success_site != NULL &&
		    strcmp(a->success_site, site_at(si)->id) == 0;
		unsigned n;

		if (lo >= hi)
			continue;
		n = poisson((double)a->rate * (double)(hi - lo) / SIM_SLICE_MS);
		for (unsigned i = 0; i < n; i++) {
			int64_t ms = lo + (int64_t)rndn((unsigned)(hi - lo));
			double p = (double)(ms - from) / (double)(to - from);

			switch (a->kind) {
			case ATK_GAMBLING: atk_gambling(a, k, si, ms, p); break;
			case ATK_WEBSHELL: atk_webshell(a, k, si, ms, p); break;
			case ATK_SQLI: atk_sqli(a, k, si, ms, p); break;
			case ATK_DEFACE: atk_deface(a, k, si, ms, p); break;
			case ATK_SCANNER: atk_scanner(a, k, si, ms); break;
			case ATK_CMS_LOGIN: atk_cms_login(a, k, si, ms, p, 0); break;
			case ATK_DOS: atk_dos(a, k, si, ms, p); break;
			case ATK_BRUTE: atk_brute(a, k, si, ms, p, 0); break;
			}
		}
		/* The single success lands once, near the end of that site's window. */
		if (succeed && (a->kind == ATK_BRUTE || a->kind == ATK_CMS_LOGIN)) {
			int64_t at = from + (to - from) * 98 / 100;

			if (at >= t0 && at < t0 + SIM_SLICE_MS) {
				if (a->kind == ATK_BRUTE)
					atk_brute(a, k, si, at, 0.99, 1);
				else
					atk_cms_login(a, k, si, at, 0.99, 1);
			}
		}
	}
}

/* ---- plan and truth ----------------------------------------------------------- */

static int
select_sites(struct sim_attack *a, char *err, size_t errlen)
{
	size_t ns = scn->sites.n;

	if ((a->site = calloc(ns, sizeof(*a->site))) == NULL)
		goto nomem;
	for (size_t i = 0; i < ns; i++) {
		const struct sim_site *s = site_at(i);
		int in = 0;

		for (size_t j = 0; j < a->sites.n && !in; j++) {
			const char *sel = a->sites.v[j];

			if (strcmp(sel, "all") == 0 || strcmp(sel, s->id) == 0)
				in = 1;
			else if (strncmp(sel, "kind:", 5) == 0 &&
			    strcmp(sel + 5, site_kinds[s->kind]) == 0)
				in = 1;
		}
		if (in)
			a->site[a->n++] = i;
	}
	for (size_t j = 0; j < a->sites.n; j++) {
		const char *sel = a->sites.v[j];
		int found = strcmp(sel, "all") == 0 || strncmp(sel, "kind:", 5) == 0;

		for (size_t i = 0; i < ns && !found; i++)
			found = strcmp(sel, site_at(i)->id) == 0;
		if (!found) {
			snprintf(err, errlen, "attack %s: no site \"%s\"", a->name, sel);
			return -1;
		}
	}
	if (a->n == 0) {
		snprintf(err, errlen, "attack %s: selects no site", a->name);
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int
plan_attack(struct sim_attack *a, char *err, size_t errlen)
{
	size_t total;

	if (select_sites(a, err, errlen) == -1)
		return -1;
	a->from = calloc(a->n, sizeof(int64_t));
	a->to = calloc(a->n, sizeof(int64_t));
	a->nip = (size_t)a->ips;
	total = a->shared ? a->nip : a->nip * a->n;
	if (total > SIM_MAX_ATTACK_IPS) {
		snprintf(err, errlen, "attack %s: %zu attacker IPs (at most %d)", a->name,
		    total, SIM_MAX_ATTACK_IPS);
		return -1;
	}
	a->ip = calloc(total, sizeof(uint32_t));
	if (a->from == NULL || a->to == NULL || a->ip == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < total; i++) {
		int dup;
		unsigned tries = 0;

		do {
			a->ip[i] = ip_in(&a->networks);
			dup = 0;
			for (size_t j = 0; j < i && !dup; j++)
				dup = a->ip[j] == a->ip[i];
		} while (dup && ++tries < 64);
	}
	for (size_t k = 0; k < a->n; k++) {
		a->from[k] = sim_start_ms + a->start +
		    (a->stagger > 0 ? (int64_t)(rnd() % (uint64_t)a->stagger) : 0);
		a->from[k] -= a->from[k] % 1000;
		a->to[k] = a->from[k] + a->duration;
		if (a->kind == ATK_DOS) {
			/* The site gives up after the first minutes: 5xx for everyone. */
			site_at(a->site[k])->flood_from_ms = a->from[k] + a->duration * 15 / 100;
			site_at(a->site[k])->flood_to_ms = a->to[k];
		}
	}
	snprintf(a->token, sizeof(a->token), "%c%x%x%x", 'a' + rndn(26), rndn(16),
	    rndn(16), rndn(16));
	if (a->kind == ATK_DEFACE)
		snprintf(a->token, sizeof(a->token), "%s", PICK(vocab_deface_teams));
	return 0;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_time(FILE *f, int64_t ms)
{
	char ts[RONDA_TS_LEN + 1];

	ronda_fmt_utc_ms(ts, ms - ms % 1000);
	/* RFC 3339 in whole seconds: "2026-11-16T00:00:00Z". */
	fprintf(f, "\"%.19sZ\"", ts);
}

/* The attacker IPs of the whole attack, or of its k-th site only. */
static void
json_ips(FILE *f, const struct sim_attack *a, size_t k, int all)
{
	char ipb[16];
	size_t from = 0, n = a->nip;

	if (!a->shared && all)
		n = a->nip * a->n;
	else if (!a->shared)
		from = k * a->nip;
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		ip_str(a->ip[from + i], ipb);
		fprintf(f, "%s\"%s\"", i ? "," : "", ipb);
	}
	fputc(']', f);
}

/*
 * truth.json is written before any line, so a live demo can read it while
 * the logs are still being written. Windows are the planned ones: every
 * planted line of an attack falls inside its window (its one success too).
 */
static int
write_truth(const char *dir, uint64_t seed, char *err, size_t errlen)
{
	struct sim_attack *atk = scn->attacks.v;
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int first;

	snprintf(path, sizeof(path), "%s/truth.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"scenario\":");
	json_str(f, scn->name);
	fprintf(f, ",\"seed\":%" PRIu64 ",\"start\":", seed);
	json_time(f, sim_start_ms);
	fprintf(f, ",\"end\":");
	json_time(f, sim_end_ms);
	fprintf(f, ",\n\"campaigns\":[");
	first = 1;
	for (size_t i = 0; i < scn->attacks.n; i++) {
		struct sim_attack *a = &atk[i];
		int64_t lo = INT64_MAX, hi = 0;

		if (a->n < 2)
			continue;
		for (size_t k = 0; k < a->n; k++) {
			lo = a->from[k] < lo ? a->from[k] : lo;
			hi = a->to[k] > hi ? a->to[k] : hi;
		}
		fprintf(f, "%s\n {\"name\":", first ? "" : ",");
		json_str(f, a->name);
		fprintf(f, ",\"kind\":\"%s\",\"shared_attacker\":%s,\"sites\":[",
		    attack_kinds[a->kind], a->shared ? "true" : "false");
		for (size_t k = 0; k < a->n; k++) {
			fprintf(f, "%s", k ? "," : "");
			json_str(f, site_at(a->site[k])->id);
		}
		fprintf(f, "],\"attacker_ips\":");
		json_ips(f, a, 0, 1);
		fprintf(f, ",\"start\":");
		json_time(f, lo);
		fprintf(f, ",\"end\":");
		json_time(f, hi > sim_end_ms ? sim_end_ms : hi);
		if (a->success_site != NULL) {
			fprintf(f, ",\"success_site\":");
			json_str(f, a->success_site);
		}
		fprintf(f, ",\"windows\":{");
		for (size_t k = 0; k < a->n; k++) {
			fprintf(f, "%s", k ? "," : "");
			json_str(f, site_at(a->site[k])->id);
			fprintf(f, ":[");
			json_time(f, a->from[k]);
			fputc(',', f);
			json_time(f, a->to[k] > sim_end_ms ? sim_end_ms : a->to[k]);
			fputc(']', f);
		}
		fprintf(f, "}}");
		first = 0;
	}
	fprintf(f, "],\n\"incidents\":[");
	first = 1;
	for (size_t i = 0; i < scn->attacks.n; i++) {
		struct sim_attack *a = &atk[i];

		if (a->n != 1)
			continue;
		fprintf(f, "%s\n {\"name\":", first ? "" : ",");
		json_str(f, a->name);
		fprintf(f, ",\"site\":");
		json_str(f, site_at(a->site[0])->id);
		fprintf(f, ",\"kind\":\"%s\",\"attacker_ips\":", attack_kinds[a->kind]);
		json_ips(f, a, 0, 0);
		fprintf(f, ",\"start\":");
		json_time(f, a->from[0]);
		fprintf(f, ",\"end\":");
		json_time(f, a->to[0] > sim_end_ms ? sim_end_ms : a->to[0]);
		fprintf(f, "}");
		first = 0;
	}
	fprintf(f, "],\n\"benign\":[");
	if (scn->bg.soc_scanner != NULL) {
		fprintf(f, "\n {\"name\":\"soc-vulnerability-scanner\",\"kind\":\"scanner\","
		    "\"ips\":[");
		json_str(f, scn->bg.soc_scanner);
		fprintf(f, "],\"start\":");
		json_time(f, sim_start_ms + scn->bg.soc_scanner_at);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * clock.json: where simulated time meets the wall clock, for `score`'s time
 * to alert. The lines are paced on the monotonic clock from wall0; the Unix
 * time read next to it anchors that pace to the alerts' `created` (the
 * correlator's wall clock, the same machine). A line is due at
 * wall_start + (t - sim_start) / speed and written then or (when the
 * machine lags) a little later, so a latency measured from it errs long.
 */
static int
write_clock(const char *dir, double speed, int64_t wall0, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int64_t unix0 = ronda_now_ms() - (ronda_mono_ms() - wall0);
	FILE *f;

	snprintf(path, sizeof(path), "%s/clock.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"sim_start\":%" PRId64 ",\"wall_start\":%" PRId64 ",\"speed\":%.17g,"
	    "\"sim_start_utc\":", sim_start_ms, unix0, speed);
	json_time(f, sim_start_ms);
	fprintf(f, ",\"wall_start_utc\":");
	json_time(f, unix0);
	fprintf(f, "}\n");
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- output files -------------------------------------------------------------- */

static void
yaml_str(FILE *f, const char *s)
{
	json_str(f, s);	/* a JSON string is a valid YAML double-quoted scalar */
}

static int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Set a log's modification (and access) time to simulated time ms. Every
 * write sets it to the wall clock, so this follows each flush; a reader
 * that stats the file between the write and this call sees the wall clock
 * for that moment (the lines stay the same: only an RFC 3164 year guessed
 * from it could differ, and only when the simulated year is not this one).
 */
static int
stamp_file(FILE *f, int64_t ms)
{
	struct timespec ts[2];

	ts[0].tv_sec = (time_t)(ms / 1000);
	ts[0].tv_nsec = (long)(ms % 1000) * 1000000L;
	ts[1] = ts[0];
	return futimens(fileno(f), ts);
}

/*
 * Create a log, dated the scenario start (a collector may stat it before
 * its first line). Returns 0, or -1 with errno set.
 */
static int
log_open(struct sim_log *g, const char *path)
{
	if ((g->buf = malloc(SIM_LOG_BUF)) == NULL || (g->f = fopen(path, "w")) == NULL)
		return -1;
	if (setvbuf(g->f, g->buf, _IOFBF, SIM_LOG_BUF) != 0) {
		errno = EINVAL;
		return -1;
	}
	return stamp_file(g->f, sim_start_ms);
}

/* Write out what g buffers and date the file by its last line. */
static int
log_flush(struct sim_log *g)
{
	if (g->pending == 0)
		return 0;
	g->pending = 0;
	if (fflush(g->f) != 0 || stamp_file(g->f, g->last_ms) == -1)
		return -1;
	return 0;
}

static int
open_site(size_t si, const char *dir, const char *state_dir, const char *brokers,
    char *err, size_t errlen)
{
	struct sim_site *s = site_at(si);
	char sd[PATH_MAX], p[PATH_MAX + 64];
	FILE *f;

	snprintf(sd, sizeof(sd), "%s/%s", dir, s->id);
	if (mkdir_p(sd) == -1) {
		snprintf(err, errlen, "%s: %s", sd, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof(p), "%s/access.log", sd);
	if (log_open(&s->log[F_WEB], p) == -1)
		goto fail;
	snprintf(p, sizeof(p), "%s/auth.log", sd);
	if (log_open(&s->log[F_AUTH], p) == -1)
		goto fail;
	snprintf(p, sizeof(p), "%s/collector.yaml", sd);
	if ((f = fopen(p, "w")) == NULL)
		goto fail;
	fprintf(f, "# Written by ronda-sim (scenario %s): tails this site's simulated "
	    "logs.\nsite: ", scn->name);
	yaml_str(f, s->id);
	if (s->agency != NULL) {
		fprintf(f, "\nagency: ");
		yaml_str(f, s->agency);
	}
	fprintf(f, "\nregion: ");
	yaml_str(f, s->region);
	fprintf(f, "\ntimezone: ");
	yaml_str(f, s->timezone);
	fprintf(f, "\nhost_name: ");
	yaml_str(f, s->host);
	if (state_dir != NULL)
		snprintf(p, sizeof(p), "%s/%s.db", state_dir, s->id);
	else
		snprintf(p, sizeof(p), "%s/collector.db", sd);
	fprintf(f, "\nstate_db: ");
	yaml_str(f, p);
	fprintf(f, "\nkafka:\n  brokers: ");
	yaml_str(f, brokers);
	fprintf(f, "\nforward: events\ninputs:\n  - path: ");
	snprintf(p, sizeof(p), "%s/access.log", sd);
	yaml_str(f, p);
	fprintf(f, "\n    type: web\n    format: combined\n    start_at: beginning\n"
	    "  - path: ");
	snprintf(p, sizeof(p), "%s/auth.log", sd);
	yaml_str(f, p);
	fprintf(f, "\n    type: auth\n    format: syslog\n    start_at: beginning\n");
	if (fclose(f) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", p, strerror(errno));
	return -1;
}

/*
 * log_flush() every log with lines pending: before each pause with --speed
 * (so at most once per pause per file), and at the end. Returns -1 on a
 * write error.
 */
static int
flush_dirty(void)
{
	int rc = 0;

	for (size_t i = 0; i < scn->sites.n; i++)
		for (int k = 0; k < F_NLOGS; k++)
			if (log_flush(&site_at(i)->log[k]) == -1)
				rc = -1;
	return rc;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	if (ms > 1000)
		ms = 1000;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static volatile sig_atomic_t stop_requested;

/*
 * Keep the lines from first on (dated at or after the slice's end: a
 * session's logout, a page's last asset) for a later slice, so that each
 * file is written in time order.
 */
static int
carry_over(size_t first)
{
	size_t keep = slice.n - first, used = 0;
	char *nt;

	if (keep == 0) {
		slice.n = 0;
		slice.used = 0;
		return 0;
	}
	if ((nt = malloc(slice.tcap)) == NULL)
		return -1;
	for (size_t i = 0; i < keep; i++) {
		struct sline *l = &slice.v[first + i];

		memcpy(nt + used, slice.text + l->off, l->len);
		l->off = (uint32_t)used;
		used += l->len;
		slice.v[i] = *l;
	}
	free(slice.text);
	slice.text = nt;
	slice.used = used;
	slice.n = keep;
	return 0;
}

/*
 * Write the slice's lines dated before cutoff, in time order; with speed > 0
 * each line waits for its time (scaled).
 */
static int
write_slice(int64_t cutoff, double speed, int64_t wall0, uint64_t *lines,
    uint64_t *bytes)
{
	size_t i;

	qsort(slice.v, slice.n, sizeof(*slice.v), sline_cmp);
	for (i = 0; i < slice.n && slice.v[i].ms < cutoff && !stop_requested; i++) {
		const struct sline *l = &slice.v[i];
		struct sim_log *g = &site_at(l->site)->log[l->file];

		if (speed > 0) {
			int64_t due = wall0 + (int64_t)((double)(l->ms - sim_start_ms) / speed);
			int64_t now;

			while (!stop_requested && (now = ronda_mono_ms()) < due) {
				if (flush_dirty() == -1)
					return -1;
				sleep_ms(due - now);
			}
		}
		if (g->pending + l->len >= SIM_LOG_BUF && log_flush(g) == -1)
			return -1;
		if (fwrite(slice.text + l->off, 1, l->len, g->f) != l->len)
			return -1;
		g->pending += l->len;
		g->last_ms = l->ms;
		(*lines)++;
		*bytes += l->len;
	}
	return carry_over(i);
}

/* ---- scenario files ---------------------------------------------------------------- */

/*
 * A NAME is looked up as tests/scenarios/NAME.yaml of the source tree the
 * program was built in (build/bin/ or build/san/bin/), then in
 * $PREFIX/share/ronda/scenarios; anything with a '/' or ending in .yaml is
 * a file path.
 */
static int
find_scenario(const char *name, char *out, size_t outlen)
{
	static const char *const rel[] = { "/../../tests/scenarios/",
		"/../../../tests/scenarios/", NULL };
	char exe[PATH_MAX];
	struct stat sb;
	ssize_t n;
	size_t nl = strlen(name);

	if (strchr(name, '/') != NULL || (nl > 5 && strcmp(name + nl - 5, ".yaml") == 0)) {
		snprintf(out, outlen, "%s", name);
		return 0;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if (strrchr(exe, '/') != NULL)
			*strrchr(exe, '/') = '\0';
		for (int i = 0; rel[i] != NULL; i++) {
			char cand[PATH_MAX * 2], *real;

			snprintf(cand, sizeof(cand), "%s%s%s.yaml", exe, rel[i], name);
			if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    (real = realpath(cand, NULL)) != NULL) {
				snprintf(out, outlen, "%s", real);
				free(real);
				return 0;
			}
		}
	}
	snprintf(out, outlen, "%s/scenarios/%s.yaml", RONDA_DATADIR, name);
	if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode))
		return 0;
	return -1;
}

static int
check_scenario(char *err, size_t errlen)
{
	uint32_t b;
	unsigned bits;

	if (scn->sites.n > SIM_MAX_SITES) {
		snprintf(err, errlen, "%zu sites (at most %d)", scn->sites.n, SIM_MAX_SITES);
		return -1;
	}
	for (size_t i = 0; i < scn->sites.n; i++) {
		struct sim_site *s = site_at(i);

		if (s->id[0] == '\0' || strchr(s->id, '/') != NULL || s->id[0] == '.') {
			snprintf(err, errlen, "site \"%s\": not a usable folder name", s->id);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(site_at(j)->id, s->id) == 0) {
				snprintf(err, errlen, "site \"%s\" listed twice", s->id);
				return -1;
			}
	}
	if (scn->bg.soc_scanner != NULL && (parse_cidr(scn->bg.soc_scanner, &b, &bits) ==
	    -1 || bits != 32)) {
		snprintf(err, errlen, "background.soc_scanner: \"%s\" is not an IPv4 address",
		    scn->bg.soc_scanner);
		return -1;
	}
	return 0;
}

/* ---- score: what the correlator found against the truth ------------------------- */

/*
 * `ronda-sim score --truth DIR/truth.json --store ronda.db [--clock DIR/clock.json]`
 * matches the campaigns in the store (status not merged, reported: they
 * reached min_sites) to the planted ones of truth.json, and the incidents to
 * the planted single-site incidents.
 *
 * A found campaign F and a planted campaign P share a site when both list
 * it and F's time on that site (campaign_sites first/last seen) overlaps P's
 * window there, widened by SCORE_BEFORE before and SCORE_AFTER after
 * (consequences trail an attack: crawlers follow injected pages, the last
 * brute-force incident closes late). F belongs to the P of a compatible kind
 * family with which it shares the most sites, if those are more than half
 * of F's sites; otherwise F is made of noise. A planted campaign's share is
 * that of its best single campaign (the SOC should see one wave, not
 * pieces); the union over its campaigns is printed too.
 *
 * Time to first alert (with --clock, written by `ronda-sim --speed`): the
 * first alert (outbox `created`, wall clock) of P's campaigns or of those
 * merged into them, minus the wall time the line dated at the earliest
 * `reported` of them (the event that put the campaign over min_sites) was
 * due: wall_start + (reported - sim_start) / speed. That line reaches Kafka
 * after it is written, so the figure errs long.
 */
#define SCORE_BEFORE (10 * 60000LL)
#define SCORE_AFTER (2 * 3600000LL)
#define SCORE_MAX_ITEMS 100000

struct sc_planted {
	char *name, *kind;
	char **site;
	int64_t *from, *to;
	size_t nsite;
	/* results */
	size_t best, uni;	/* sites found: best single campaign, union */
	int best_f;		/* index of the best campaign, -1 none */
	unsigned char *hit;	/* per site: some campaign found it */
	int64_t reported, first_alert;	/* 0 none */
	double latency_s;	/* < 0: unknown */
};

struct sc_fsite {
	char *id;
	int64_t first, last;
};

struct sc_found {
	char *id, *kind, *severity, *title;
	char *members;		/* its incidents' kinds, comma-separated */
	int64_t first_seen, last_seen, reported;
	struct sc_fsite *site;
	size_t nsite, sitecap;
	int planted;		/* index, -1: noise */
	size_t shared;		/* sites shared with that planted campaign */
};

struct sc_incident {
	char *name, *site, *kind;
	int64_t from, to;
	int found;
	char *found_kind;	/* the store's incident kind that matched */
};

struct sc_merged {
	char *id, *into;
	int64_t reported;
};

struct score {
	char *scenario;
	int64_t seed;
	struct sc_planted *p;
	size_t np;
	struct sc_found *f;
	size_t nf;
	struct sc_incident *inc;
	size_t ninc;
	struct sc_merged *m;
	size_t nm;
	int have_clock;
	double sim_start, wall_start, speed;
	int max_sev;		/* worst severity of a reported campaign */
};

/*
 * Kind families: a planted kind (sim vocabulary) and the words that name it
 * in the correlator's incident and campaign kinds (ssh_bruteforce,
 * cms_bruteforce, gambling, webshell, http_5xx_surge, ...).
 */
static const struct {
	const char *planted;
	const char *words[8];
	const char *unless;	/* a kind naming this is another family's */
} score_families[] = {
	{ "gambling-spam", { "gambl", "judi", "spam", NULL }, NULL },
	{ "brute-force", { "brute", "ssh", "spray", "compromise", "password", "auth", NULL },
	  "cms" },
	{ "webshell", { "webshell", "shell", "upload", NULL }, NULL },
	{ "sqli", { "sql", NULL }, NULL },
	{ "cms-login", { "cms", "stuffing", "credential", "wordpress", NULL }, NULL },
	{ "scanner", { "scan", "probe", NULL }, NULL },
	{ "defacement", { "deface", "webshell", "upload", NULL }, NULL },
	{ "dos", { "flood", "5xx", "dos", "surge", NULL }, NULL },
};

static int
kind_compatible(const char *planted, const char *found)
{
	char low[128];
	size_t i;

	for (i = 0; found[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)((found[i] >= 'A' && found[i] <= 'Z') ? found[i] + 32 :
		    found[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(score_families) / sizeof(score_families[0]); i++) {
		if (strcmp(score_families[i].planted, planted) != 0)
			continue;
		if (score_families[i].unless != NULL &&
		    strstr(low, score_families[i].unless) != NULL)
			return 0;
		for (const char *const *w = score_families[i].words; *w != NULL; w++)
			if (strstr(low, *w) != NULL)
				return 1;
		return 0;
	}
	return strcmp(planted, low) == 0;
}

/*
 * A campaign's family is its highest-ranked member's, so a gambling wave
 * with one webshell incident may be filed as webshell: the campaign is
 * compatible when its kind or any member incident's kind is.
 */
static int
found_compatible(const char *planted, const struct sc_found *f)
{
	char kind[128];

	if (kind_compatible(planted, f->kind))
		return 1;
	for (const char *p = f->members, *e; *p != '\0'; p = *e ? e + 1 : e) {
		size_t n;

		e = strchr(p, ',');
		e = e != NULL ? e : p + strlen(p);
		n = (size_t)(e - p) < sizeof(kind) - 1 ? (size_t)(e - p) : sizeof(kind) - 1;
		memcpy(kind, p, n);
		kind[n] = '\0';
		if (kind_compatible(planted, kind))
			return 1;
	}
	return 0;
}

static int
overlaps(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	return a0 <= b1 + SCORE_AFTER && a1 >= b0 - SCORE_BEFORE;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s != NULL ? s : "");

	if (d == NULL) {
		fprintf(stderr, "ronda-sim score: out of memory\n");
		exit(2);
	}
	return d;
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (p == NULL) {
		fprintf(stderr, "ronda-sim score: out of memory\n");
		exit(2);
	}
	return p;
}

static void *
xgrow(void *v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return v;
	if (n >= SCORE_MAX_ITEMS) {
		fprintf(stderr, "ronda-sim score: more than %d rows\n", SCORE_MAX_ITEMS);
		exit(2);
	}
	*cap = *cap ? *cap * 2 : 16;
	if ((v = realloc(v, *cap * sz)) == NULL) {
		fprintf(stderr, "ronda-sim score: out of memory\n");
		exit(2);
	}
	memset((char *)v + n * sz, 0, (*cap - n) * sz);
	return v;
}

/* ---- truth.json and clock.json ---- */

static cJSON *
read_json(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	cJSON *j = NULL;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (len + 65536 > cap) {
			char *nt;

			cap = cap ? cap * 2 : 65536;
			if (cap > (64u << 20) || (nt = realloc(text, cap + 1)) == NULL) {
				snprintf(err, errlen, "%s: too large", path);
				goto done;
			}
			text = nt;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	text[len] = '\0';
	if ((j = cJSON_ParseWithLength(text, len)) == NULL)
		snprintf(err, errlen, "%s: not JSON (near byte %zu)", path,
		    cJSON_GetErrorPtr() ? (size_t)(cJSON_GetErrorPtr() - text) : (size_t)0);
done:
	fclose(f);
	free(text);
	return j;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
jtime(const cJSON *o, const char *key, int64_t *ms)
{
	const char *s = jstr(o, key);

	return s == NULL ? -1 : ronda_parse_rfc3339(s, strlen(s), ms);
}

static int
load_truth(struct score *sc, const char *path, char *err, size_t errlen)
{
	cJSON *j, *arr, *it;
	size_t i;
	int rc = -1;

	if ((j = read_json(path, err, errlen)) == NULL)
		return -1;
	sc->scenario = xstrdup(jstr(j, "scenario") ? jstr(j, "scenario") : "?");
	it = cJSON_GetObjectItemCaseSensitive(j, "seed");
	sc->seed = cJSON_IsNumber(it) ? (int64_t)it->valuedouble : -1;
	arr = cJSON_GetObjectItemCaseSensitive(j, "campaigns");
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s: campaigns: not an array", path);
		goto done;
	}
	sc->np = (size_t)cJSON_GetArraySize(arr);
	sc->p = xcalloc(sc->np, sizeof(*sc->p));
	i = 0;
	cJSON_ArrayForEach(it, arr) {
		struct sc_planted *p = &sc->p[i];
		const cJSON *sites = cJSON_GetObjectItemCaseSensitive(it, "sites");
		const cJSON *win = cJSON_GetObjectItemCaseSensitive(it, "windows");
		const cJSON *s;
		int64_t start, end;
		size_t k = 0;

		if (jstr(it, "name") == NULL || jstr(it, "kind") == NULL ||
		    !cJSON_IsArray(sites) || jtime(it, "start", &start) == -1 ||
		    jtime(it, "end", &end) == -1) {
			snprintf(err, errlen, "%s: campaigns[%zu]: needs name, kind, sites, "
			    "start and end", path, i);
			goto done;
		}
		p->name = xstrdup(jstr(it, "name"));
		p->kind = xstrdup(jstr(it, "kind"));
		p->nsite = (size_t)cJSON_GetArraySize(sites);
		p->site = xcalloc(p->nsite, sizeof(char *));
		p->from = xcalloc(p->nsite, sizeof(int64_t));
		p->to = xcalloc(p->nsite, sizeof(int64_t));
		p->hit = xcalloc(p->nsite, 1);
		p->best_f = -1;
		p->latency_s = -1;
		cJSON_ArrayForEach(s, sites) {
			const cJSON *w;

			if (!cJSON_IsString(s)) {
				snprintf(err, errlen, "%s: campaigns[%zu].sites[%zu]: not a string",
				    path, i, k);
				goto done;
			}
			p->site[k] = xstrdup(s->valuestring);
			/* The site's own window when truth.json has it. */
			p->from[k] = start;
			p->to[k] = end;
			w = cJSON_GetObjectItemCaseSensitive(win, s->valuestring);
			if (cJSON_IsArray(w) && cJSON_GetArraySize(w) == 2 &&
			    cJSON_IsString(cJSON_GetArrayItem(w, 0)) &&
			    cJSON_IsString(cJSON_GetArrayItem(w, 1))) {
				const char *a = cJSON_GetArrayItem(w, 0)->valuestring;
				const char *b = cJSON_GetArrayItem(w, 1)->valuestring;
				int64_t ta, tb;

				if (ronda_parse_rfc3339(a, strlen(a), &ta) == 0 &&
				    ronda_parse_rfc3339(b, strlen(b), &tb) == 0) {
					p->from[k] = ta;
					p->to[k] = tb;
				}
			}
			k++;
		}
		i++;
	}
	arr = cJSON_GetObjectItemCaseSensitive(j, "incidents");
	if (arr != NULL && !cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s: incidents: not an array", path);
		goto done;
	}
	sc->ninc = (size_t)cJSON_GetArraySize(arr);
	sc->inc = xcalloc(sc->ninc, sizeof(*sc->inc));
	i = 0;
	cJSON_ArrayForEach(it, arr) {
		struct sc_incident *in = &sc->inc[i];

		if (jstr(it, "site") == NULL || jstr(it, "kind") == NULL ||
		    jtime(it, "start", &in->from) == -1 || jtime(it, "end", &in->to) == -1) {
			snprintf(err, errlen, "%s: incidents[%zu]: needs site, kind, start and "
			    "end", path, i);
			goto done;
		}
		in->name = xstrdup(jstr(it, "name") ? jstr(it, "name") : jstr(it, "kind"));
		in->site = xstrdup(jstr(it, "site"));
		in->kind = xstrdup(jstr(it, "kind"));
		i++;
	}
	rc = 0;
done:
	cJSON_Delete(j);
	return rc;
}

static int
load_clock(struct score *sc, const char *path, char *err, size_t errlen)
{
	cJSON *j = read_json(path, err, errlen);
	const cJSON *a, *b, *c;
	int rc = -1;

	if (j == NULL)
		return -1;
	a = cJSON_GetObjectItemCaseSensitive(j, "sim_start");
	b = cJSON_GetObjectItemCaseSensitive(j, "wall_start");
	c = cJSON_GetObjectItemCaseSensitive(j, "speed");
	if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || !cJSON_IsNumber(c) ||
	    !(c->valuedouble > 0)) {
		snprintf(err, errlen, "%s: needs numbers sim_start, wall_start and speed > 0",
		    path);
	} else {
		sc->sim_start = a->valuedouble;
		sc->wall_start = b->valuedouble;
		sc->speed = c->valuedouble;
		sc->have_clock = 1;
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

/* ---- the store ---- */

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
load_store(struct score *sc, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL, *ss = NULL, *sk = NULL;
	size_t cap = 0;
	int rc = -1, r;

	if (prepare(db, "SELECT id, kind, severity, title, first_seen, last_seen, "
	    "reported FROM campaigns WHERE status != 'merged' AND reported > 0 "
	    "ORDER BY reported, id", &st, err, errlen) == -1 ||
	    prepare(db, "SELECT site, first_seen, last_seen FROM campaign_sites "
	    "WHERE campaign_id = ? ORDER BY first_seen, site", &ss, err, errlen) == -1 ||
	    prepare(db, "SELECT group_concat(kind, ',') FROM (SELECT DISTINCT i.kind FROM "
	    "campaign_incidents ci JOIN incidents i ON i.id = ci.incident_id WHERE "
	    "ci.campaign_id = ?)", &sk, err, errlen) == -1)
		goto done;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct sc_found *f;
		int sev;

		sc->f = xgrow(sc->f, &cap, sc->nf, sizeof(*sc->f));
		f = &sc->f[sc->nf++];
		f->id = xstrdup(col_text(st, 0));
		f->kind = xstrdup(col_text(st, 1));
		f->severity = xstrdup(col_text(st, 2));
		f->title = xstrdup(col_text(st, 3));
		f->first_seen = sqlite3_column_int64(st, 4);
		f->last_seen = sqlite3_column_int64(st, 5);
		f->reported = sqlite3_column_int64(st, 6);
		f->planted = -1;
		if ((sev = ronda_severity_parse(f->severity)) > sc->max_sev)
			sc->max_sev = sev;
		sqlite3_reset(ss);
		sqlite3_bind_text(ss, 1, f->id, -1, SQLITE_STATIC);
		while ((r = sqlite3_step(ss)) == SQLITE_ROW) {
			struct sc_fsite *fs;

			f->site = xgrow(f->site, &f->sitecap, f->nsite, sizeof(*f->site));
			fs = &f->site[f->nsite++];
			fs->id = xstrdup(col_text(ss, 0));
			fs->first = sqlite3_column_int64(ss, 1);
			fs->last = sqlite3_column_int64(ss, 2);
			/* A site without times (0): the campaign's span. */
			if (fs->first <= 0)
				fs->first = f->first_seen;
			if (fs->last <= 0)
				fs->last = f->last_seen;
		}
		if (r != SQLITE_DONE)
			break;
		sqlite3_reset(sk);
		sqlite3_bind_text(sk, 1, f->id, -1, SQLITE_STATIC);
		if ((r = sqlite3_step(sk)) != SQLITE_ROW)
			break;
		f->members = xstrdup(col_text(sk, 0));
		r = SQLITE_DONE;
	}
	if (r != SQLITE_DONE) {
		snprintf(err, errlen, "campaigns: %s", sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	cap = 0;
	if (prepare(db, "SELECT id, merged_into, reported FROM campaigns WHERE status = "
	    "'merged'", &st, err, errlen) == -1)
		goto done;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		sc->m = xgrow(sc->m, &cap, sc->nm, sizeof(*sc->m));
		sc->m[sc->nm].id = xstrdup(col_text(st, 0));
		sc->m[sc->nm].into = xstrdup(col_text(st, 1));
		sc->m[sc->nm].reported = sqlite3_column_int64(st, 2);
		sc->nm++;
	}
	if (r != SQLITE_DONE) {
		snprintf(err, errlen, "campaigns: %s", sqlite3_errmsg(db));
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(ss);
	sqlite3_finalize(sk);
	return rc;
}

/* The surviving campaign a merged id ended in (itself when not merged). */
static const char *
merge_root(const struct score *sc, const char *id)
{
	for (int hops = 0; hops < 64; hops++) {
		size_t i;

		for (i = 0; i < sc->nm; i++)
			if (strcmp(sc->m[i].id, id) == 0)
				break;
		if (i == sc->nm || sc->m[i].into[0] == '\0')
			return id;
		id = sc->m[i].into;
	}
	return id;
}

static int
found_index(const struct score *sc, const char *id)
{
	for (size_t i = 0; i < sc->nf; i++)
		if (strcmp(sc->f[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* ---- matching ---- */

static size_t
shared_sites(const struct sc_found *f, const struct sc_planted *p, unsigned char *mark)
{
	size_t n = 0;

	for (size_t k = 0; k < p->nsite; k++) {
		for (size_t j = 0; j < f->nsite; j++) {
			if (strcmp(f->site[j].id, p->site[k]) != 0)
				continue;
			if (overlaps(f->site[j].first, f->site[j].last, p->from[k], p->to[k])) {
				n++;
				if (mark != NULL)
					mark[k] = 1;
			}
			break;
		}
	}
	return n;
}

static void
match_campaigns(struct score *sc)
{
	for (size_t i = 0; i < sc->nf; i++) {
		struct sc_found *f = &sc->f[i];
		size_t best = 0;

		for (size_t k = 0; k < sc->np; k++) {
			size_t n;

			if (!found_compatible(sc->p[k].kind, f))
				continue;
			n = shared_sites(f, &sc->p[k], NULL);
			if (n > best) {
				best = n;
				f->planted = (int)k;
			}
		}
		/* Most of its sites must be the planted campaign's. */
		if (best == 0 || best * 2 <= f->nsite) {
			f->planted = -1;
			best = 0;
		}
		f->shared = best;
	}
	for (size_t k = 0; k < sc->np; k++) {
		struct sc_planted *p = &sc->p[k];

		for (size_t i = 0; i < sc->nf; i++) {
			if (sc->f[i].planted != (int)k)
				continue;
			shared_sites(&sc->f[i], p, p->hit);
			if (sc->f[i].shared > p->best) {
				p->best = sc->f[i].shared;
				p->best_f = (int)i;
			}
			if (p->reported == 0 || sc->f[i].reported < p->reported)
				p->reported = sc->f[i].reported;
		}
		for (size_t s = 0; s < p->nsite; s++)
			p->uni += p->hit[s];
	}
}

static void
match_alerts(struct score *sc, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	/* Campaigns merged into a planted one's: their report counts too. */
	for (size_t i = 0; i < sc->nm; i++) {
		int fi = found_index(sc, merge_root(sc, sc->m[i].id));
		struct sc_planted *p;

		if (fi < 0 || sc->f[fi].planted < 0 || sc->m[i].reported <= 0)
			continue;
		p = &sc->p[sc->f[fi].planted];
		if (sc->m[i].reported < p->reported)
			p->reported = sc->m[i].reported;
	}
	if (sqlite3_prepare_v2(db, "SELECT campaign_id, min(created) FROM alerts WHERE "
	    "campaign_id != '' GROUP BY campaign_id", -1, &st, NULL) != SQLITE_OK)
		return;		/* no outbox yet: no alert times */
	while (sqlite3_step(st) == SQLITE_ROW) {
		int fi = found_index(sc, merge_root(sc, col_text(st, 0)));
		int64_t created = sqlite3_column_int64(st, 1);
		struct sc_planted *p;

		if (fi < 0 || sc->f[fi].planted < 0)
			continue;
		p = &sc->p[sc->f[fi].planted];
		if (p->first_alert == 0 || created < p->first_alert)
			p->first_alert = created;
	}
	sqlite3_finalize(st);
	if (!sc->have_clock)
		return;
	for (size_t k = 0; k < sc->np; k++) {
		struct sc_planted *p = &sc->p[k];
		double due;

		if (p->reported <= 0 || p->first_alert <= 0)
			continue;
		due = sc->wall_start + ((double)p->reported - sc->sim_start) / sc->speed;
		p->latency_s = ((double)p->first_alert - due) / 1000.0;
		if (p->latency_s < 0)
			p->latency_s = 0;	/* within the second the event time drops */
	}
}

static int
match_incidents(struct score *sc, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (prepare(db, "SELECT kind FROM incidents WHERE site = ? AND first_seen <= ? "
	    "AND last_seen >= ? ORDER BY first_seen", &st, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < sc->ninc; i++) {
		struct sc_incident *in = &sc->inc[i];

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, in->site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, in->to + SCORE_AFTER);
		sqlite3_bind_int64(st, 3, in->from - SCORE_BEFORE);
		while (sqlite3_step(st) == SQLITE_ROW)
			if (kind_compatible(in->kind, col_text(st, 0))) {
				in->found = 1;
				in->found_kind = xstrdup(col_text(st, 0));
				break;
			}
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- report ---- */

struct score_limits {
	double min_recall;	/* every planted campaign: share of sites (< 0: off) */
	long max_noise;		/* campaigns made of noise (< 0: off) */
	double max_latency;	/* seconds to first alert (< 0: off) */
	double min_incident_recall;
	int noise_below;	/* noise campaigns below this severity (0: off) */
};

struct score_totals {
	size_t matched_f, found_p, noise, fsites, fsites_ok, psites, psites_ok, inc_found;
	int max_noise_sev;
};

static void
totals(const struct score *sc, struct score_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sc->nf; i++) {
		t->fsites += sc->f[i].nsite;
		if (sc->f[i].planted >= 0) {
			t->matched_f++;
			t->fsites_ok += sc->f[i].shared;
		} else {
			int sev = ronda_severity_parse(sc->f[i].severity);

			t->noise++;
			if (sev > t->max_noise_sev)
				t->max_noise_sev = sev;
		}
	}
	for (size_t k = 0; k < sc->np; k++) {
		t->found_p += sc->p[k].best > 0;
		t->psites += sc->p[k].nsite;
		t->psites_ok += sc->p[k].uni;
	}
	for (size_t i = 0; i < sc->ninc; i++)
		t->inc_found += sc->inc[i].found;
}

static double
ratio_of(size_t a, size_t b)
{
	return b == 0 ? -1 : (double)a / (double)b;
}

/* Check the limits; each miss is one line in fails. Returns the misses. */
static int
check_limits(const struct score *sc, const struct score_totals *t,
    const struct score_limits *lim, struct ronda_buf *fails)
{
	int n = 0;

	for (size_t k = 0; k < sc->np; k++) {
		const struct sc_planted *p = &sc->p[k];

		if (lim->min_recall >= 0 &&
		    (double)p->best < lim->min_recall * (double)p->nsite - 1e-9) {
			ronda_buf_printf(fails, "planted campaign %s: %zu of %zu sites found in "
			    "one campaign (at least %.0f%% wanted)\n", p->name, p->best,
			    p->nsite, lim->min_recall * 100);
			n++;
		}
		if (lim->max_latency >= 0 && p->best > 0) {
			if (!sc->have_clock) {
				ronda_buf_printf(fails, "planted campaign %s: time to alert needs "
				    "--clock\n", p->name);
				n++;
			} else if (p->first_alert <= 0) {
				ronda_buf_printf(fails, "planted campaign %s: found, but no alert "
				    "was raised\n", p->name);
				n++;
			} else if (p->latency_s > lim->max_latency) {
				ronda_buf_printf(fails, "planted campaign %s: first alert %.1f s "
				    "after the deciding line (at most %.1f s)\n", p->name,
				    p->latency_s, lim->max_latency);
				n++;
			}
		}
	}
	if (lim->max_noise >= 0 && t->noise > (size_t)lim->max_noise) {
		ronda_buf_printf(fails, "%zu campaigns made of noise (at most %ld)\n", t->noise,
		    lim->max_noise);
		n++;
	}
	if (lim->noise_below > 0 && t->max_noise_sev >= lim->noise_below) {
		ronda_buf_printf(fails, "a campaign made of noise has severity %s (all must "
		    "be below %s)\n", ronda_severity_name(t->max_noise_sev),
		    ronda_severity_name(lim->noise_below));
		n++;
	}
	if (lim->min_incident_recall >= 0 && sc->ninc > 0 &&
	    (double)t->inc_found < lim->min_incident_recall * (double)sc->ninc - 1e-9) {
		ronda_buf_printf(fails, "planted incidents: %zu of %zu found (at least %.0f%% "
		    "wanted)\n", t->inc_found, sc->ninc, lim->min_incident_recall * 100);
		n++;
	}
	return n;
}

/* Attacker-influenced text (titles, kinds, site ids) for a terminal. */
static const char *
term(struct ronda_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	ronda_buf_reset(b);
	ronda_buf_term_str(b, s, n > max ? max : n);
	if (n > max)
		ronda_buf_puts(b, "...");
	return b->len ? b->data : "";
}

static void
print_ratio(FILE *f, const char *label, double r)
{
	if (r < 0)
		fprintf(f, "  %s  -   ", label);
	else
		fprintf(f, "  %s %.2f", label, r);
}

static void
report_text(FILE *o, const struct score *sc, const struct score_totals *t,
    const char *fails, int nfail)
{
	struct ronda_buf b, b2, b3;
	char ts[RONDA_TS_LEN + 1];

	ronda_buf_init(&b, 4096);
	ronda_buf_init(&b2, 4096);
	ronda_buf_init(&b3, 4096);
	fprintf(o, "score: %s (seed %" PRId64 ")\n", term(&b, sc->scenario, 64), sc->seed);
	fprintf(o, "campaigns:       planted %zu, found %zu (%zu match a planted one, %zu "
	    "made of noise)\n                ", sc->np, sc->nf, t->matched_f, t->noise);
	print_ratio(o, "precision", ratio_of(t->matched_f, sc->nf));
	print_ratio(o, "recall", ratio_of(t->found_p, sc->np));
	fprintf(o, "\ncampaign sites:  %zu of %zu planted site hits found, %zu of %zu found "
	    "sites planted\n                ", t->psites_ok, t->psites, t->fsites_ok,
	    t->fsites);
	print_ratio(o, "precision", ratio_of(t->fsites_ok, t->fsites));
	print_ratio(o, "recall", ratio_of(t->psites_ok, t->psites));
	fprintf(o, "\n");
	if (sc->np > 0) {
		fprintf(o, "  %-24s %-14s %5s %5s %6s %6s  %s\n", "planted campaign", "kind",
		    "sites", "found", "share", "union", "first alert after the deciding line");
		for (size_t k = 0; k < sc->np; k++) {
			const struct sc_planted *p = &sc->p[k];
			char lat[64];
			int first = 1;

			if (p->best == 0)
				snprintf(lat, sizeof(lat), "not found");
			else if (p->first_alert <= 0)
				snprintf(lat, sizeof(lat), "no alert");
			else if (!sc->have_clock)
				snprintf(lat, sizeof(lat), "alerted (no clock.json: --fast run)");
			else
				snprintf(lat, sizeof(lat), "%.1f s", p->latency_s);
			fprintf(o, "  %-24s %-14s %5zu %5zu %5.0f%% %5.0f%%  %s\n",
			    term(&b, p->name, 24), term(&b2, p->kind, 14), p->nsite, p->best,
			    100.0 * (double)p->best / (double)(p->nsite ? p->nsite : 1),
			    100.0 * (double)p->uni / (double)(p->nsite ? p->nsite : 1), lat);
			for (size_t s = 0; s < p->nsite; s++) {
				if (p->hit[s])
					continue;
				fprintf(o, "%s%s", first ? "      missing: " : ", ",
				    term(&b, p->site[s], 64));
				first = 0;
			}
			if (!first)
				fprintf(o, "\n");
			if (p->best_f >= 0)
				fprintf(o, "      as %s: %s\n", term(&b, sc->f[p->best_f].id, 40),
				    term(&b2, sc->f[p->best_f].title, 100));
		}
	}
	if (t->noise > 0) {
		fprintf(o, "  campaigns made of noise (no planted campaign matches):\n");
		for (size_t i = 0; i < sc->nf; i++) {
			const struct sc_found *f = &sc->f[i];

			if (f->planted >= 0)
				continue;
			ronda_fmt_utc_ms(ts, f->reported);
			fprintf(o, "    %s %-12s %-8s %3zu sites, reported %.19sZ: ",
			    term(&b, f->id, 40), term(&b2, f->kind, 12),
			    ronda_severity_name(ronda_severity_parse(f->severity)), f->nsite, ts);
			fprintf(o, "%s\n", term(&b, f->title, 120));
		}
	}
	fprintf(o, "incidents:       planted %zu, found %zu", sc->ninc, t->inc_found);
	print_ratio(o, "recall", ratio_of(t->inc_found, sc->ninc));
	fprintf(o, "\n");
	for (size_t i = 0; i < sc->ninc; i++) {
		const struct sc_incident *in = &sc->inc[i];

		fprintf(o, "  %-24s %-14s %-32s ", term(&b, in->name, 24),
		    term(&b2, in->kind, 14), term(&b3, in->site, 64));
		fprintf(o, "%s%s\n", in->found ? "found as " : "NOT FOUND",
		    in->found ? term(&b, in->found_kind, 32) : "");
	}
	if (nfail == 0)
		fprintf(o, "result: ok\n");
	else
		fprintf(o, "result: %d threshold%s missed\n%s", nfail, nfail > 1 ? "s" : "",
		    fails);
	ronda_buf_release(&b);
	ronda_buf_release(&b2);
	ronda_buf_release(&b3);
}

static void
jnum(struct ronda_buf *b, double v)
{
	if (v < 0)
		ronda_buf_puts(b, "null");
	else
		ronda_buf_printf(b, "%.4g", v);
}

static void
jkey(struct ronda_buf *b, const char *k, const char *v)
{
	ronda_buf_printf(b, "\"%s\":", k);
	ronda_buf_json_str(b, v, strlen(v));
}

static void
report_json(FILE *o, const struct score *sc, const struct score_totals *t,
    const char *fails, int nfail)
{
	struct ronda_buf b;
	char ts[RONDA_TS_LEN + 1];

	ronda_buf_init(&b, 64u << 20);
	ronda_buf_putc(&b, '{');
	jkey(&b, "scenario", sc->scenario);
	ronda_buf_printf(&b, ",\"seed\":%" PRId64 ",\"campaigns\":{\"planted\":%zu,"
	    "\"found\":%zu,\"matched\":%zu,\"noise\":%zu,\"precision\":", sc->seed, sc->np,
	    sc->nf, t->matched_f, t->noise);
	jnum(&b, ratio_of(t->matched_f, sc->nf));
	ronda_buf_puts(&b, ",\"recall\":");
	jnum(&b, ratio_of(t->found_p, sc->np));
	ronda_buf_printf(&b, "},\"campaign_sites\":{\"planted\":%zu,\"planted_found\":%zu,"
	    "\"found\":%zu,\"found_planted\":%zu,\"precision\":", t->psites, t->psites_ok,
	    t->fsites, t->fsites_ok);
	jnum(&b, ratio_of(t->fsites_ok, t->fsites));
	ronda_buf_puts(&b, ",\"recall\":");
	jnum(&b, ratio_of(t->psites_ok, t->psites));
	ronda_buf_puts(&b, "},\"planted\":[");
	for (size_t k = 0; k < sc->np; k++) {
		const struct sc_planted *p = &sc->p[k];
		int first = 1;

		ronda_buf_puts(&b, k ? ",{" : "{");
		jkey(&b, "name", p->name);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", p->kind);
		ronda_buf_printf(&b, ",\"sites\":%zu,\"found_sites\":%zu,\"union_sites\":%zu,"
		    "\"share\":", p->nsite, p->best, p->uni);
		jnum(&b, ratio_of(p->best, p->nsite));
		ronda_buf_puts(&b, ",\"campaign\":");
		if (p->best_f >= 0)
			ronda_buf_json_str(&b, sc->f[p->best_f].id, strlen(sc->f[p->best_f].id));
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"missing\":[");
		for (size_t s = 0; s < p->nsite; s++) {
			if (p->hit[s])
				continue;
			if (!first)
				ronda_buf_putc(&b, ',');
			ronda_buf_json_str(&b, p->site[s], strlen(p->site[s]));
			first = 0;
		}
		ronda_buf_puts(&b, "],\"reported\":");
		if (p->reported > 0) {
			ronda_fmt_utc_ms(ts, p->reported);
			ronda_buf_printf(&b, "\"%s\"", ts);
		} else {
			ronda_buf_puts(&b, "null");
		}
		ronda_buf_puts(&b, ",\"first_alert_ms\":");
		if (p->first_alert > 0)
			ronda_buf_put_i64(&b, p->first_alert);
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"latency_s\":");
		jnum(&b, p->latency_s);
		ronda_buf_putc(&b, '}');
	}
	ronda_buf_puts(&b, "],\"noise\":[");
	for (size_t i = 0, first = 1; i < sc->nf; i++) {
		const struct sc_found *f = &sc->f[i];

		if (f->planted >= 0)
			continue;
		ronda_buf_puts(&b, first ? "{" : ",{");
		first = 0;
		jkey(&b, "id", f->id);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", f->kind);
		ronda_buf_putc(&b, ',');
		jkey(&b, "severity", f->severity);
		ronda_buf_putc(&b, ',');
		jkey(&b, "title", f->title);
		ronda_buf_puts(&b, ",\"sites\":[");
		for (size_t s = 0; s < f->nsite; s++) {
			if (s)
				ronda_buf_putc(&b, ',');
			ronda_buf_json_str(&b, f->site[s].id, strlen(f->site[s].id));
		}
		ronda_buf_puts(&b, "]}");
	}
	ronda_buf_printf(&b, "],\"max_severity\":\"%s\",\"incidents\":{\"planted\":%zu,"
	    "\"found\":%zu,\"recall\":", ronda_severity_name(sc->max_sev), sc->ninc,
	    t->inc_found);
	jnum(&b, ratio_of(t->inc_found, sc->ninc));
	ronda_buf_puts(&b, ",\"missed\":[");
	for (size_t i = 0, first = 1; i < sc->ninc; i++) {
		if (sc->inc[i].found)
			continue;
		if (!first)
			ronda_buf_putc(&b, ',');
		ronda_buf_json_str(&b, sc->inc[i].name, strlen(sc->inc[i].name));
		first = 0;
	}
	ronda_buf_printf(&b, "]},\"ok\":%s,\"failures\":[", nfail ? "false" : "true");
	for (const char *p = fails, *nl; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (p != fails)
			ronda_buf_putc(&b, ',');
		ronda_buf_json_str(&b, p, (size_t)(nl - p));
	}
	ronda_buf_puts(&b, "]}\n");
	fwrite(b.data, 1, b.len, o);
	ronda_buf_release(&b);
}

static void
score_free(struct score *sc)
{
	for (size_t k = 0; k < sc->np; k++) {
		for (size_t s = 0; s < sc->p[k].nsite; s++)
			free(sc->p[k].site[s]);
		free(sc->p[k].site);
		free(sc->p[k].from);
		free(sc->p[k].to);
		free(sc->p[k].hit);
		free(sc->p[k].name);
		free(sc->p[k].kind);
	}
	for (size_t i = 0; i < sc->nf; i++) {
		for (size_t s = 0; s < sc->f[i].nsite; s++)
			free(sc->f[i].site[s].id);
		free(sc->f[i].site);
		free(sc->f[i].id);
		free(sc->f[i].kind);
		free(sc->f[i].severity);
		free(sc->f[i].title);
		free(sc->f[i].members);
	}
	for (size_t i = 0; i < sc->ninc; i++) {
		free(sc->inc[i].name);
		free(sc->inc[i].site);
		free(sc->inc[i].kind);
		free(sc->inc[i].found_kind);
	}
	for (size_t i = 0; i < sc->nm; i++) {
		free(sc->m[i].id);
		free(sc->m[i].into);
	}
	free(sc->p);
	free(sc->f);
	free(sc->inc);
	free(sc->m);
	free(sc->scenario);
}

static void
score_usage(FILE *f)
{
	fprintf(f,
	    "usage: ronda-sim score --truth DIR/truth.json --store ronda.db [--clock DIR/clock.json]\n"
	    "                       [--json] [--min-recall R] [--max-noise N] [--max-latency S]\n"
	    "                       [--noise-below SEVERITY] [--min-incident-recall R]\n"
	    "  --truth F      what ronda-sim planted\n"
	    "  --store F      the correlator's SQLite store (read only)\n"
	    "  --clock F      clock.json of a --speed run: time from the deciding line to the alert\n"
	    "  --json         one JSON object instead of the table\n"
	    "  --min-recall R          every planted campaign found with >= R of its sites (0..1)\n"
	    "                          in one campaign\n"
	    "  --max-noise N           at most N campaigns made of noise\n"
	    "  --max-latency S         every planted campaign alerted within S seconds (needs --clock)\n"
	    "  --noise-below SEV       every campaign made of noise below SEV (low, medium, high, critical)\n"
	    "  --min-incident-recall R planted single-site incidents found (0..1)\n"
	    "Exit 0 when every given threshold holds, 1 when one is missed, 2 on bad input.\n");
}

static int
parse_fraction(const char *opt, const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0) || v > max) {
		fprintf(stderr, "ronda-sim score: %s: \"%s\" is not a number in 0..%g\n", opt,
		    s, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
score_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "truth", required_argument, NULL, 't' },
		{ "store", required_argument, NULL, 's' },
		{ "clock", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "min-recall", required_argument, NULL, 'r' },
		{ "max-noise", required_argument, NULL, 'n' },
		{ "max-latency", required_argument, NULL, 'l' },
		{ "noise-below", required_argument, NULL, 'b' },
		{ "min-incident-recall", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct score_limits lim = { -1, -1, -1, -1, 0 };
	struct score_totals t;
	struct score sc;
	struct ronda_buf fails;
	const char *truth = NULL, *store = NULL, *clock = NULL;
	char err[PATH_MAX + 256], uri[PATH_MAX + 64];
	sqlite3 *db = NULL;
	int ch, json = 0, rc = 2, nfail;
	double v;

	memset(&sc, 0, sizeof(sc));
	ronda_buf_init(&fails, 1u << 20);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't': truth = optarg; break;
		case 's': store = optarg; break;
		case 'c': clock = optarg; break;
		case 'j': json = 1; break;
		case 'r':
			if (parse_fraction("--min-recall", optarg, 1, &lim.min_recall) == -1)
				goto done;
			break;
		case 'i':
			if (parse_fraction("--min-incident-recall", optarg, 1,
			    &lim.min_incident_recall) == -1)
				goto done;
			break;
		case 'n':
			if (parse_fraction("--max-noise", optarg, 1e9, &v) == -1)
				goto done;
			lim.max_noise = (long)v;
			break;
		case 'l':
			if (parse_fraction("--max-latency", optarg, 1e9, &lim.max_latency) == -1)
				goto done;
			break;
		case 'b':
			if ((lim.noise_below = ronda_severity_parse(optarg)) <= 0) {
				fprintf(stderr, "ronda-sim score: --noise-below: \"%s\" is not low, "
				    "medium, high or critical\n", optarg);
				goto done;
			}
			break;
		case 'h': score_usage(stdout); rc = 0; goto done;
		default: score_usage(stderr); goto done;
		}
	}
	if (optind != argc || truth == NULL || store == NULL) {
		score_usage(stderr);
		goto done;
	}
	if (load_truth(&sc, truth, err, sizeof(err)) == -1 ||
	    (clock != NULL && load_clock(&sc, clock, err, sizeof(err)) == -1)) {
		fprintf(stderr, "ronda-sim score: %s\n", err);
		goto done;
	}
	/* Read only, and never create: a mistyped path is an error. */
	snprintf(uri, sizeof(uri), "file:%s?mode=ro", store);
	if (access(store, R_OK) == -1) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, strerror(errno));
		goto done;
	}
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_busy_timeout(db, 10000);
	if (load_store(&sc, db, err, sizeof(err)) == -1 ||
	    match_incidents(&sc, db, err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, err);
		goto done;
	}
	match_campaigns(&sc);
	match_alerts(&sc, db);
	totals(&sc, &t);
	nfail = check_limits(&sc, &t, &lim, &fails);
	if (json)
		report_json(stdout, &sc, &t, fails.len ? fails.data : "", nfail);
	else
		report_text(stdout, &sc, &t, fails.len ? fails.data : "", nfail);
	rc = nfail ? 1 : 0;
done:
	sqlite3_close(db);
	score_free(&sc);
	ronda_buf_release(&fails);
	return rc;
}

/* ---- main ------------------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ronda-sim score --truth DIR/truth.json --store ronda.db [...]   (score --help)\n"
	    "       ronda-sim [--scenario NAME|FILE] [--out DIR] [--seed N] [--fast | --speed X]\n"
	    "                 [--start RFC3339] [--kafka BROKERS] [--state-dir DIR] [--hold FILE]\n"
	    "  --scenario S   kaltim-wave (default), quiet-day, slow-wave, single-site, or a YAML file\n"
	    "  --out DIR      output folder (default ./sim-out): DIR/<site>/{access,auth}.log,\n"
	    "                 DIR/<site>/collector.yaml, DIR/truth.json\n"
	    "  --seed N       the same seed writes the same bytes (default 1)\n"
	    "  --fast         write everything at once (default)\n"
	    "  --speed X      write each line when its time comes, X times faster than real time\n"
	    "  --start T      simulated start, RFC 3339 (default " SIM_DEFAULT_START "); the\n"
	    "                 logs' modification times follow the simulated clock\n"
	    "  --kafka B      brokers for the collector configs (default 127.0.0.1:9092)\n"
	    "  --state-dir D  the collectors' state DBs go to D/<site>.db (default DIR/<site>/)\n"
	    "  --hold FILE    after truth.json and the configs, wait until FILE exists before\n"
	    "                 the first line (lets a pipeline start on the configs first)\n"
	    "\n"
	    "With --speed, DIR/clock.json maps simulated time to the wall clock:\n"
	    "{\"sim_start\": ms, \"wall_start\": ms, \"speed\": X}: a line dated t is due at\n"
	    "wall_start + (t - sim_start) / speed (Unix ms; written when the clock starts).\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 'S' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "fast", no_argument, NULL, 'f' },
		{ "speed", required_argument, NULL, 'x' },
		{ "start", required_argument, NULL, 't' },
		{ "kafka", required_argument, NULL, 'k' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *scenario = "kaltim-wave", *out = "sim-out", *start = SIM_DEFAULT_START;
	const char *brokers = "127.0.0.1:9092", *state_dir_arg = NULL, *hold = NULL;
	char path[PATH_MAX], dir[PATH_MAX], state_dir[PATH_MAX], err[512], *end;
	struct ronda_cfg_errors errs = { 0 };
	struct sim_scenario sc;
	uint64_t seed = 1, lines = 0, bytes = 0;
	double speed = 0;
	int ch, rc = 1, fast = 0;
	int64_t wall0, t0_mono = ronda_mono_ms();

	if (argc > 1 && strcmp(argv[1], "score") == 0)
		return score_main(argc - 1, argv + 1);
	memset(&sc, 0, sizeof(sc));
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'S': scenario = optarg; break;
		case 'o': out = optarg; break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg) {
				fprintf(stderr, "ronda-sim: --seed: \"%s\" is not a number\n", optarg);
				return 2;
			}
			break;
		case 'f': fast = 1; break;
		case 'x':
			speed = strtod(optarg, &end);
			if (*end != '\0' || !(speed > 0) || speed > 1e9) {
				fprintf(stderr, "ronda-sim: --speed: \"%s\" is not a positive factor\n",
				    optarg);
				return 2;
			}
			break;
		case 't': start = optarg; break;
		case 'k': brokers = optarg; break;
		case 'd': state_dir_arg = optarg; break;
		case 'H': hold = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (fast && speed > 0)) {
		usage(stderr);
		return 2;
	}
	if (ronda_parse_rfc3339(start, strlen(start), &sim_start_ms) == -1) {
		fprintf(stderr, "ronda-sim: --start: \"%s\" is not an RFC 3339 time\n", start);
		return 2;
	}
	sim_start_ms -= sim_start_ms % 60000;
	if (find_scenario(scenario, path, sizeof(path)) == -1) {
		fprintf(stderr, "ronda-sim: scenario \"%s\" not found (tests/scenarios/ of the "
		    "source tree, or " RONDA_DATADIR "/scenarios)\n", scenario);
		return 2;
	}
	scn = &sc;
	if (ronda_cfg_load(path, scenario_keys, &sc, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		rc = 2;
		goto done;
	}
	if (check_scenario(err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim: %s: %s\n", path, err);
		rc = 2;
		goto done;
	}
	sim_end_ms = sim_start_ms + sc.duration;
	rng_state = seed * 0x2545f4914f6cdd1dULL + 0x5851f42d4c957f2dULL;
	{
		int64_t y;
		unsigned mo, d;

		ronda_civil_from_days(sim_start_ms / 86400000, &y, &mo, &d);
		snprintf(upload_dir, sizeof(upload_dir), "/wp-content/uploads/%04d/%02u",
		    (int)y, mo);
		start_year = (int)y;
	}
	for (size_t i = 0; i < sc.attacks.n; i++)
		if (plan_attack(&((struct sim_attack *)sc.attacks.v)[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "ronda-sim: %s: %s\n", path, err);
			rc = 2;
			goto done;
		}
	if (mkdir_p(out) == -1 || realpath(out, dir) == NULL) {
		fprintf(stderr, "ronda-sim: %s: %s\n", out, strerror(errno));
		goto done;
	}
	if (state_dir_arg != NULL && (mkdir_p(state_dir_arg) == -1 ||
	    realpath(state_dir_arg, state_dir) == NULL)) {
		fprintf(stderr, "ronda-sim: %s: %s\n", state_dir_arg, strerror(errno));
		goto done;
	}
	for (size_t i = 0; i < sc.sites.n; i++) {
		struct sim_site *s = site_at(i);

		if ((s->tz = ronda_tz_new(s->timezone, err, sizeof(err))) == NULL ||
		    open_site(i, dir, state_dir_arg ? state_dir : NULL, brokers, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "ronda-sim: %s\n", err);
			goto done;
		}
		s->next_pid = 1000 + rndn(20000);
		s->session = rndn(900);
	}
	if (write_truth(dir, seed, err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim: %s\n", err);
		goto done;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (hold != NULL) {
		struct stat hsb;

		while (!stop_requested && stat(hold, &hsb) == -1)
			sleep_ms(20);
	}
	wall0 = ronda_mono_ms();
	if (speed > 0 && write_clock(dir, speed, wall0, err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim: %s\n", err);
		goto done;
	}
	for (int64_t t = sim_start_ms; t < sim_end_ms && !stop_requested; t += SIM_SLICE_MS) {
		for (size_t i = 0; i < sc.sites.n; i++) {
			background(i, t);
			if (sc.bg.soc_scanner != NULL &&
			    t == sim_start_ms + sc.bg.soc_scanner_at - sc.bg.soc_scanner_at % SIM_SLICE_MS) {
				uint32_t ip;
				unsigned bits;

				parse_cidr(sc.bg.soc_scanner, &ip, &bits);
				soc_scan(i, t + (int64_t)i * 300, ip);
			}
		}
		for (size_t a = 0; a < sc.attacks.n; a++)
			attack_slice(&((struct sim_attack *)sc.attacks.v)[a], t);
		if (write_slice(t + SIM_SLICE_MS, speed, wall0, &lines, &bytes) == -1) {
			fprintf(stderr, "ronda-sim: write: %s\n", strerror(errno));
			goto done;
		}
	}
	if (flush_dirty() == -1) {
		fprintf(stderr, "ronda-sim: write: %s\n", strerror(errno));
		goto done;
	}
	rc = 0;
	fprintf(stderr, "ronda-sim: %s: %zu sites, %" PRIu64 " lines, %" PRIu64 " bytes in "
	    "%.1f s%s\n", sc.name, sc.sites.n, lines, bytes,
	    (double)(ronda_mono_ms() - t0_mono) / 1000.0,
	    stop_requested ? " (interrupted)" : "");
	if (slice.dropped > 0)
		fprintf(stderr, "ronda-sim: %" PRIu64 " lines over the per-minute cap were "
		    "dropped\n", slice.dropped);
done:
	for (size_t i = 0; i < sc.sites.n && sc.sites.v != NULL; i++) {
		struct sim_site *s = site_at(i);

		for (int k = 0; k < F_NLOGS; k++) {
			if (s->log[k].f != NULL && fclose(s->log[k].f) != 0)
				rc = 1;
			free(s->log[k].buf);
		}
		ronda_tz_free(s->tz);
	}
	for (size_t i = 0; i < sc.attacks.n; i++) {
		struct sim_attack *a = &((struct sim_attack *)sc.attacks.v)[i];

		free(a->site);
		free(a->from);
		free(a->to);
		free(a->ip);
	}
	ronda_cfg_free(scenario_keys, &sc);
	ronda_cfg_errors_free(&errs);
	free(slice.v);
	free(slice.text);
	return rc;
}
