/*
 * scenario.c — the scenario file: its YAML keys (strict, `file:line: key:
 * message` like every Ronda config), where a scenario NAME is found, and the
 * checks across keys once it is loaded.
 *
 * Durations ("90m", "18h30m", "2d6h", "1h30m15s") and rates ("6", "0.5",
 * "1/5m") are strings the keys' checks parse, so that they can say more than
 * the common loader's one-unit durations and integers.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ronda/timeutil.h"
#include "sim.h"

const char *const site_kinds[] = { "cms", "complaint", "ekinerja", "mail", "ssh", NULL };
/* Named with the rules' category vocabulary. */
const char *const attack_kinds[] = { "gambling-spam", "defacement",
	"webshell", "sqli", "brute-force", "cms-login", "scanner", "dos",
	"webshell-file", "gambling-injection", "defacement-file", "cms-update", NULL };
const char *const paces[] = { "random", "steady", NULL };
const char *const obfuscations[] = { "random", "plain", "obfuscated", NULL };
const char *const injects[] = { "cloaker", "links", "htaccess", "sitemap", NULL };

#define BG(f) offsetof(struct sim_background, f)
#define SB(f) offsetof(struct sim_site_background, f)
#define ST(f) offsetof(struct sim_site, f)
#define AT(f) offsetof(struct sim_attack, f)
#define GE(f) offsetof(struct sim_geo, f)
#define SC(f) offsetof(struct sim_scenario, f)

#define DAY_MS 86400000LL

/* ---- values ------------------------------------------------------------------- */

int
sim_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
		{ "ms", 1 } };
	int last = -1;
	int64_t sum = 0;
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	/* A bare number is seconds, as in every Ronda config. */
	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '\0') {
		if (errno != 0 || !(v >= 0) || v * 1000 > (double)INT64_MAX / 4)
			return -1;
		*ms = (int64_t)(v * 1000);
		return 0;
	}
	/* Otherwise parts of number and unit, each unit smaller than the one before. */
	while (*s != '\0') {
		int u;
		size_t ul;

		if (!(*s >= '0' && *s <= '9') && *s != '.')
			return -1;
		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno != 0 || !(v >= 0))
			return -1;
		for (u = 0; u < (int)(sizeof(units) / sizeof(units[0])); u++) {
			ul = strlen(units[u].unit);
			/* "m" must not take the "m" of "ms". */
			if (strncmp(end, units[u].unit, ul) == 0 &&
			    !(u == 2 && end[1] == 's'))
				break;
		}
		if (u == (int)(sizeof(units) / sizeof(units[0])) || u <= last)
			return -1;
		ul = strlen(units[u].unit);
		if (v * units[u].mult > (double)INT64_MAX / 4)
			return -1;
		sum += (int64_t)(v * units[u].mult);
		if (sum > INT64_MAX / 4)
			return -1;
		last = u;
		s = end + ul;
	}
	*ms = sum;
	return 0;
}

int
sim_parse_rate(const char *s, double *per_min)
{
	char *end;
	double n;
	int64_t per = 60000;

	errno = 0;
	n = strtod(s, &end);
	if (end == s || errno != 0 || !(n > 0) || n > 100000)
		return -1;
	if (*end == '/') {
		const char *d = end + 1;
		char tmp[64];

		/* "1/h": a unit alone is one of it. */
		if (*d >= 'a' && *d <= 'z') {
			snprintf(tmp, sizeof(tmp), "1%s", d);
			d = tmp;
		}
		if (sim_parse_duration(d, &per) == -1 || per < 1000)
			return -1;
	} else if (*end != '\0') {
		return -1;
	}
	*per_min = n * 60000.0 / (double)per;
	if (!(*per_min > 0) || *per_min > 100000)
		return -1;
	return 0;
}

static void kerr(struct ronda_cfg_ctx *ctx, int line, const char *path, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* An error about key of the entry at path. */
static void
kerr(struct ronda_cfg_ctx *ctx, int line, const char *path, const char *key,
    const char *fmt, ...)
{
	char kp[300], msg[512];
	va_list ap;

	snprintf(kp, sizeof(kp), "%s.%s", path, key);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ronda_cfg_error(ctx, line, kp, "%s", msg);
}

/* ---- the keys' checks --------------------------------------------------------------- */

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

static void
dur_range(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path,
    int64_t min, int64_t max, const char *range)
{
	struct sim_dur *d = field;

	if (sim_parse_duration(d->text, &d->ms) == -1)
		ronda_cfg_error(ctx, line, path, "expected a duration (e.g. 90m, 2h, 18h30m, "
		    "2d6h), got \"%s\"", d->text);
	else if (d->ms < min || d->ms > max)
		ronda_cfg_error(ctx, line, path, "%s is out of range (%s)", d->text, range);
}

static void
dur_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	dur_range(ctx, field, line, path, 0, 365 * DAY_MS, "0 to 365d");
}

static void
dur_check_1m(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	dur_range(ctx, field, line, path, 60000, 365 * DAY_MS, "1m to 365d");
}

static void
dur_check_scenario(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	dur_range(ctx, field, line, path, 60000, 31 * DAY_MS, "1m to 31d");
}

static void
rate_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	struct sim_rate *r = field;

	r->set = 1;
	if (sim_parse_rate(r->text, &r->per_min) == -1)
		ronda_cfg_error(ctx, line, path, "expected a rate per minute above 0 and up to "
		    "100000 (e.g. 6, 0.5, 1/5m, 2/h), got \"%s\"", r->text);
}

static void
start_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const char *s = *(char **)field;
	int64_t ms;

	if (s != NULL && ronda_parse_rfc3339(s, strlen(s), &ms) == -1)
		ronda_cfg_error(ctx, line, path, "\"%s\" is not an RFC 3339 time (e.g. "
		    "2026-11-16T00:00:00Z)", s);
}

static void
opt_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	(void)ctx;
	(void)line;
	(void)path;
	((struct sim_opt *)field)->set = 1;
}

/* A field of geo.tsv: no tab, no line break. */
static int
tsv_safe(const char *s)
{
	return s == NULL || strpbrk(s, "\t\r\n") == NULL;
}

static int
country_ok(const char *c)
{
	return c == NULL || (strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' &&
	    c[1] <= 'Z');
}

static void
geo_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	struct sim_geo *g = obj;
	struct sim_net net;

	if (g->net != NULL && parse_net(g->net, &net) == -1)
		kerr(ctx, line, path, "net", "\"%s\" is not a CIDR", g->net);
	if (!country_ok(g->country))
		kerr(ctx, line, path, "country", "\"%s\" is not an ISO 3166 alpha-2 "
		    "code (e.g. NL, US)", g->country);
	if (!tsv_safe(g->org) || (g->org != NULL && g->org[0] == '\0'))
		kerr(ctx, line, path, "org", "empty, or holds a tab or line break");
}

static void
site_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	struct sim_site *s = obj;

	s->line = line;
	if (s->web_rate > 0 && s->bgo.web_rate.set)
		kerr(ctx, line, path, "web_rate", "give web_rate or background.web_rate, not "
		    "both");
	if (s->blank_for.text != NULL && s->blank_at.text == NULL)
		kerr(ctx, line, path, "blank_for", "needs blank_at");
}

/*
 * Checks within one attack entry (those across entries: check_scenario()).
 * The string lists are checked here too: the loader runs no check of a
 * list key.
 */
static void
attack_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	struct sim_attack *a = obj;
	int64_t every, jitter, dur;
	int login = a->kind == ATK_CMS_LOGIN || a->kind == ATK_BRUTE;

	a->line = line;
	/* A core update is the admin's, from the office: no attacker network. */
	if (a->networks.n == 0 && a->kind != ATK_CMS_UPDATE)
		kerr(ctx, line, path, "networks", "required key is missing");
	for (size_t i = 0; i < a->inject.n; i++) {
		int known = 0;

		for (int j = 0; injects[j] != NULL && !known; j++)
			known = strcmp(a->inject.v[i], injects[j]) == 0;
		if (!known)
			kerr(ctx, line, path, "inject", "\"%s\" is not cloaker, links, htaccess "
			    "or sitemap", a->inject.v[i]);
	}
	if (a->inject.n > 0 && a->kind != ATK_GAMBLING_INJECT)
		kerr(ctx, line, path, "inject", "only for kind gambling-injection");
	if (a->obfuscation != OBF_RANDOM && a->kind != ATK_WEBSHELL_FILE)
		kerr(ctx, line, path, "obfuscation", "only for kind webshell-file");
	if (a->family != NULL && (a->kind != ATK_WEBSHELL_FILE ||
	    (strcmp(a->family, "wso") != 0 && strcmp(a->family, "alfa") != 0 &&
	    strcmp(a->family, "b374k") != 0)))
		kerr(ctx, line, path, "family", "wso, alfa or b374k, and only for kind "
		    "webshell-file");
	for (size_t i = 0; i < a->networks.n; i++) {
		struct sim_net net;

		if (parse_net(a->networks.v[i], &net) == -1)
			kerr(ctx, line, path, "networks", "\"%s\" is not a CIDR (a.b.c.d/8..32 or "
			    "an IPv6 prefix /16..128)", a->networks.v[i]);
	}
	for (size_t i = 0; i < a->starts.n; i++) {
		int64_t ms;

		if (sim_parse_duration(a->starts.v[i], &ms) == -1 || ms > 365 * DAY_MS)
			kerr(ctx, line, path, "starts", "\"%s\" is not a duration (e.g. 90m, 2h, "
			    "18h30m, 2d6h)", a->starts.v[i]);
	}
	/* Defaults are not parsed by a check: their text is fixed here. */
	if (sim_parse_duration(a->duration.text, &dur) == -1 ||
	    sim_parse_duration(a->every.text ? a->every.text : "0", &every) == -1 ||
	    sim_parse_duration(a->jitter.text ? a->jitter.text : "0", &jitter) == -1)
		return;		/* reported by the key */
	if (a->sessions > 1 && a->every.text == NULL)
		kerr(ctx, line, path, "sessions", "%lld sessions need every (the time "
		    "between their starts)", (long long)a->sessions);
	else if (a->sessions > 1 && every < dur + jitter)
		kerr(ctx, line, path, "every", "%s is shorter than duration plus "
		    "jitter (sessions would overlap)", a->every.text);
	if (a->sessions <= 1 && (a->every.text != NULL || a->jitter.text != NULL))
		kerr(ctx, line, path, a->every.text != NULL ? "every" : "jitter", "needs "
		    "sessions above 1");
	if (a->starts.n > 0 && (a->stagger.text != NULL || a->start.text != NULL))
		kerr(ctx, line, path, "starts", "give starts, or start and stagger, "
		    "not both");
	if (a->payload != NULL && a->kind != ATK_SQLI)
		kerr(ctx, line, path, "payload", "only for kind sqli");
	if (a->payload != NULL && (a->payload[0] != '/' || strlen(a->payload) > 400 ||
	    strpbrk(a->payload, " \t\r\n\"") != NULL))
		kerr(ctx, line, path, "payload", "a request target: starts with '/', "
		    "URL-encoded (no space or quote), at most 400 bytes");
	if (a->shell != NULL && a->kind != ATK_WEBSHELL && a->kind != ATK_WEBSHELL_FILE)
		kerr(ctx, line, path, "shell", "only for kinds webshell and webshell-file");
	if (a->shell != NULL && (a->shell[0] == '\0' || strpbrk(a->shell,
	    "/ \t\r\n\"?#%") != NULL))
		kerr(ctx, line, path, "shell", "a file name (no '/', space, quote, "
		    "'?', '#' or '%%')");
	if (a->domain != NULL && a->kind != ATK_GAMBLING && a->kind != ATK_GAMBLING_INJECT)
		kerr(ctx, line, path, "domain", "only for kinds gambling-spam and "
		    "gambling-injection");
	if (a->domain != NULL && (strncmp(a->domain, "http", 4) != 0 ||
	    strpbrk(a->domain, " \t\r\n\"'<>\\") != NULL || strlen(a->domain) > 200))
		kerr(ctx, line, path, "domain", "a URL (https://...)");
	if (a->user_agent != NULL && (a->user_agent[0] == '\0' ||
	    strpbrk(a->user_agent, "\"\r\n") != NULL))
		kerr(ctx, line, path, "user_agent", "empty, or holds a quote or "
		    "line break");
	if (a->success_site != NULL && !login)
		kerr(ctx, line, path, "success_site", "only for brute-force and "
		    "cms-login");
	if (a->users > 0 && a->kind != ATK_CMS_LOGIN)
		kerr(ctx, line, path, "users", "only for cms-login");
	if (a->spread > 0 && a->shared)
		kerr(ctx, line, path, "spread", "only with shared: false");
	if (a->distractor && a->campaign != NULL)
		kerr(ctx, line, path, "distractor", "a distractor is no campaign's "
		    "(drop campaign)");
	if (a->campaign != NULL && a->campaign[0] == '\0')
		kerr(ctx, line, path, "campaign", "empty");
	if (!country_ok(a->country))
		kerr(ctx, line, path, "country", "\"%s\" is not an ISO 3166 alpha-2 "
		    "code (e.g. NL, US)", a->country);
	if (!tsv_safe(a->org) || (a->org != NULL && a->org[0] == '\0'))
		kerr(ctx, line, path, "org", "empty, or holds a tab or line break");
	for (size_t i = 0; i < a->geo.n; i++) {
		const struct sim_geo *g = &((struct sim_geo *)a->geo.v)[i];
		struct sim_net gn, an;
		int found = 0;

		if (parse_net(g->net, &gn) == -1)
			continue;
		for (size_t j = 0; j < a->networks.n && !found; j++)
			found = parse_net(a->networks.v[j], &an) == 0 && an.v6 == gn.v6 &&
			    an.bits == gn.bits && an.base.hi == gn.base.hi &&
			    an.base.lo == gn.base.lo;
		if (!found) {
			char key[32];

			snprintf(key, sizeof(key), "geo[%zu].net", i);
			kerr(ctx, line, path, key, "%s is not one of the attack's networks",
			    g->net);
		}
	}
}

/* ---- the keys ----------------------------------------------------------------------- */

#define END_KEYS { NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }

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
	{ "soc_scanner_at", RONDA_CFG_STR, "1h", 0, 0, BG(soc_scanner_at),
	  "when it sweeps every site (after the start)", 0, NULL, NULL, 0, dur_check },
	{ "admin_typos", RONDA_CFG_INT, "0", 0, 100, BG(admin_typos),
	  "percent of admin logins after 1-3 mistyped passwords", 0, NULL, NULL, 0, NULL },
	{ "cms_update_at", RONDA_CFG_STR, NULL, 0, 0, BG(cms_update_at),
	  "every CMS site updates WordPress within the hour after this", 0, NULL, NULL, 0,
	  dur_check },
	END_KEYS
};

/* The same keys for one site, each overriding the background's when given. */
static const struct ronda_cfg_key site_background_keys[] = {
	{ "web_rate", RONDA_CFG_INT, NULL, 0, 1000000, SB(web_rate),
	  "web requests per hour at the daily peak", 0, NULL, NULL, 0, opt_check },
	{ "crawler_pct", RONDA_CFG_INT, NULL, 0, 100, SB(crawler_pct),
	  "percent of requests from crawlers", 0, NULL, NULL, 0, opt_check },
	{ "notfound_pct", RONDA_CFG_INT, NULL, 0, 100, SB(notfound_pct),
	  "percent of benign 404s", 0, NULL, NULL, 0, opt_check },
	{ "admin_logins", RONDA_CFG_INT, NULL, 0, 100000, SB(admin_logins),
	  "legitimate admin logins per day", 0, NULL, NULL, 0, opt_check },
	{ "ssh_logins", RONDA_CFG_INT, NULL, 0, 100000, SB(ssh_logins),
	  "administrators' SSH sessions per day", 0, NULL, NULL, 0, opt_check },
	{ "ssh_noise", RONDA_CFG_INT, NULL, 0, 100000, SB(ssh_noise),
	  "stray Internet SSH probes per hour", 0, NULL, NULL, 0, opt_check },
	{ "admin_typos", RONDA_CFG_INT, NULL, 0, 100, SB(admin_typos),
	  "percent of admin logins after mistyped passwords", 0, NULL, NULL, 0, opt_check },
	END_KEYS
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
	{ "background", RONDA_CFG_SECTION, NULL, 0, 0, ST(bgo),
	  "this site's own background keys", 0, NULL, site_background_keys, 0, NULL },
	{ "blank_at", RONDA_CFG_STR, NULL, 0, 0, ST(blank_at),
	  "the site stops logging this long after the start", 0, NULL, NULL, 0, dur_check },
	{ "blank_for", RONDA_CFG_STR, NULL, 0, 0, ST(blank_for),
	  "... for this long (default: to the end)", 0, NULL, NULL, 0, dur_check_1m },
	END_KEYS
};

static const struct ronda_cfg_key geo_keys[] = {
	{ "net", RONDA_CFG_STR, NULL, 0, 0, GE(net), "one of the attack's networks",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "asn", RONDA_CFG_INT, NULL, 1, 4294967295LL, GE(asn), "autonomous system number",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "org", RONDA_CFG_STR, NULL, 0, 0, GE(org), "the AS's organization",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "country", RONDA_CFG_STR, NULL, 0, 0, GE(country), "ISO 3166 alpha-2",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	END_KEYS
};

static const struct ronda_cfg_key attack_keys[] = {
	{ "name", RONDA_CFG_STR, NULL, 0, 0, AT(name), "campaign name",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "kind", RONDA_CFG_ENUM, NULL, 0, 0, AT(kind), "what the attack is",
	  RONDA_CFG_REQUIRED, attack_kinds, NULL, 0, NULL },
	{ "sites", RONDA_CFG_STRLIST, NULL, 0, 0, AT(sites),
	  "site ids, all, or kind:<site kind>", RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "start", RONDA_CFG_STR, NULL, 0, 0, AT(start), "after the scenario start",
	  0, NULL, NULL, 0, dur_check },
	{ "duration", RONDA_CFG_STR, "30m", 0, 0, AT(duration),
	  "how long each site is hit (per session)", 0, NULL, NULL, 0, dur_check_1m },
	{ "stagger", RONDA_CFG_STR, NULL, 0, 0, AT(stagger),
	  "sites start at random within this window", 0, NULL, NULL, 0, dur_check },
	{ "starts", RONDA_CFG_STRLIST, NULL, 0, 0, AT(starts),
	  "or each site's start, in the order sites selects them", 0, NULL, NULL, 0,
	  NULL },
	{ "sessions", RONDA_CFG_INT, "1", 1, SIM_MAX_SESSIONS, AT(sessions),
	  "windows per site (the actor comes back)", 0, NULL, NULL, 0, NULL },
	{ "every", RONDA_CFG_STR, NULL, 0, 0, AT(every),
	  "time between the starts of a site's sessions", 0, NULL, NULL, 0, dur_check_1m },
	{ "jitter", RONDA_CFG_STR, NULL, 0, 0, AT(jitter),
	  "each later session starts up to this much later", 0, NULL, NULL, 0, dur_check },
	{ "turn", RONDA_CFG_STR, NULL, 0, 0, AT(turn),
	  "each address works a site at most this long at a time", 0, NULL, NULL, 0,
	  dur_check_1m },
	{ "users", RONDA_CFG_INT, "0", 0, SIM_ACCOUNTS, AT(users),
	  "cms-login: accounts each address tries per turn (0: any)", 0, NULL, NULL, 0,
	  NULL },
	{ "pace", RONDA_CFG_ENUM, "random", 0, 0, AT(pace),
	  "random (Poisson) or steady (evenly spaced)", 0, paces, NULL, 0, NULL },
	{ "networks", RONDA_CFG_STRLIST, NULL, 0, 0, AT(networks),
	  "CIDRs the attackers come from (required but for cms-update)", 0, NULL, NULL, 0,
	  NULL },
	{ "ips", RONDA_CFG_INT, "1", 1, SIM_MAX_ATTACK_IPS, AT(ips), "attacker IPs", 0,
	  NULL, NULL, 0, NULL },
	{ "shared", RONDA_CFG_BOOL, "true", 0, 0, AT(shared),
	  "same IPs on every site (false: a slow wave with no shared attacker)", 0,
	  NULL, NULL, 0, NULL },
	{ "spread", RONDA_CFG_INT, "0", 0, 32, AT(spread),
	  "shared: false: each site's addresses in a /N (IPv6: /N+32) of its own", 0,
	  NULL, NULL, 0, NULL },
	{ "rate", RONDA_CFG_STR, "10", 0, 0, AT(rate),
	  "attack requests per minute per site (6, 0.5, 1/5m)", 0, NULL, NULL, 0,
	  rate_check },
	{ "success_site", RONDA_CFG_STR, NULL, 0, 0, AT(success_site),
	  "brute-force / cms-login: the site where it finally succeeds", 0, NULL, NULL,
	  0, NULL },
	{ "campaign", RONDA_CFG_STR, NULL, 0, 0, AT(campaign),
	  "the planted campaign it belongs to (default: its own name)", 0, NULL, NULL, 0,
	  NULL },
	{ "distractor", RONDA_CFG_BOOL, "false", 0, 0, AT(distractor),
	  "an unrelated single-site attack no campaign may absorb", 0, NULL, NULL, 0,
	  NULL },
	{ "user_agent", RONDA_CFG_STR, NULL, 0, 0, AT(user_agent),
	  "the attacker's fixed user agent", 0, NULL, NULL, 0, NULL },
	{ "payload", RONDA_CFG_STR, NULL, 0, 0, AT(payload),
	  "sqli: the request target sent to every site", 0, NULL, NULL, 0, NULL },
	{ "shell", RONDA_CFG_STR, NULL, 0, 0, AT(shell),
	  "webshell: the shell's file name", 0, NULL, NULL, 0, NULL },
	{ "domain", RONDA_CFG_STR, NULL, 0, 0, AT(domain),
	  "gambling-spam / -injection: the site the injected pages promote", 0, NULL, NULL,
	  0, NULL },
	{ "inject", RONDA_CFG_STRLIST, NULL, 0, 0, AT(inject),
	  "gambling-injection: cloaker, links, htaccess, sitemap (default cloaker, links)",
	  0, NULL, NULL, 0, NULL },
	{ "obfuscation", RONDA_CFG_ENUM, "random", 0, 0, AT(obfuscation),
	  "webshell-file: random, plain or obfuscated", 0, obfuscations, NULL, 0, NULL },
	{ "family", RONDA_CFG_STR, NULL, 0, 0, AT(family),
	  "webshell-file: wso, alfa or b374k (default: drawn)", 0, NULL, NULL, 0, NULL },
	{ "asn", RONDA_CFG_INT, "0", 0, 4294967295LL, AT(asn),
	  "geo.tsv: every network's AS number (0: a default)", 0, NULL, NULL, 0, NULL },
	{ "org", RONDA_CFG_STR, NULL, 0, 0, AT(org), "geo.tsv: the AS's organization", 0,
	  NULL, NULL, 0, NULL },
	{ "country", RONDA_CFG_STR, NULL, 0, 0, AT(country),
	  "geo.tsv: ISO 3166 alpha-2 code", 0, NULL, NULL, 0, NULL },
	{ "geo", RONDA_CFG_LIST, NULL, 0, 0, AT(geo), "geo.tsv per network", 0, NULL,
	  geo_keys, sizeof(struct sim_geo), geo_check },
	END_KEYS
};

const struct ronda_cfg_key scenario_keys[] = {
	{ "name", RONDA_CFG_STR, NULL, 0, 0, SC(name), "scenario name",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "description", RONDA_CFG_STR, NULL, 0, 0, SC(description), "what it shows",
	  0, NULL, NULL, 0, NULL },
	{ "start", RONDA_CFG_STR, NULL, 0, 0, SC(start),
	  "simulated start, RFC 3339 (--start wins)", 0, NULL, NULL, 0, start_check },
	{ "duration", RONDA_CFG_STR, "6h", 0, 0, SC(duration), "simulated time", 0,
	  NULL, NULL, 0, dur_check_scenario },
	{ "background", RONDA_CFG_SECTION, NULL, 0, 0, SC(bg), "traffic of every site",
	  0, NULL, background_keys, 0, NULL },
	{ "sites", RONDA_CFG_LIST, NULL, 0, 0, SC(sites), "the sites",
	  RONDA_CFG_REQUIRED, NULL, site_keys, sizeof(struct sim_site), site_check },
	{ "attacks", RONDA_CFG_LIST, NULL, 0, 0, SC(attacks), "planted attacks", 0,
	  NULL, attack_keys, sizeof(struct sim_attack), attack_check },
	END_KEYS
};

/* ---- scenario files ---------------------------------------------------------------- */

/*
 * A NAME is looked up as tests/scenarios/NAME.yaml of the source tree the
 * program was built in (build/bin/ or build/san/bin/), then in
 * $PREFIX/share/ronda/scenarios; anything with a '/' or ending in .yaml is
 * a file path.
 */
int
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

/* A duration key's value: as the file gave it (parsed by its check) or its default. */
static void
resolve_dur(struct sim_dur *d)
{
	if (d->text != NULL && sim_parse_duration(d->text, &d->ms) == -1)
		d->ms = 0;	/* not reached: the key's check refused it */
}

static struct sim_attack *
attack_at(size_t i)
{
	return &((struct sim_attack *)scn->attacks.v)[i];
}

static void addf(struct ronda_cfg_errors *errs, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One error after loading, as the loader writes them: "file:line: key: message". */
static void
addf(struct ronda_cfg_errors *errs, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ronda_cfg_errors_addf(errs, "%s:%d: %s", file, line, msg);
}

int
check_scenario(const char *file, struct ronda_cfg_errors *errs)
{
	size_t before = errs->n;
	struct sim_net net;

	resolve_dur(&scn->duration);
	resolve_dur(&scn->bg.soc_scanner_at);
	resolve_dur(&scn->bg.cms_update_at);
	if (scn->sites.n > SIM_MAX_SITES)
		addf(errs, file, 1, "sites: %zu sites (at most %d)", scn->sites.n,
		    SIM_MAX_SITES);
	for (size_t i = 0; i < scn->sites.n; i++) {
		struct sim_site *s = site_at(i);
		const struct sim_site_background *o = &s->bgo;

		if (s->id[0] == '\0' || strchr(s->id, '/') != NULL || s->id[0] == '.')
			addf(errs, file, s->line, "sites[%zu].id: \"%s\" is not a usable folder "
			    "name", i, s->id);
		for (size_t j = 0; j < i; j++)
			if (strcmp(site_at(j)->id, s->id) == 0)
				addf(errs, file, s->line, "sites[%zu].id: \"%s\" listed twice", i,
				    s->id);
		resolve_dur(&s->blank_at);
		resolve_dur(&s->blank_for);
		/* The background with the site's own keys. */
		s->bg = scn->bg;
		s->bg.soc_scanner = NULL;	/* borrowed: the scenario's */
		if (s->web_rate > 0)
			s->bg.web_rate = s->web_rate;
		if (o->web_rate.set)
			s->bg.web_rate = o->web_rate.v;
		if (o->crawler_pct.set)
			s->bg.crawler_pct = o->crawler_pct.v;
		if (o->notfound_pct.set)
			s->bg.notfound_pct = o->notfound_pct.v;
		if (o->admin_logins.set)
			s->bg.admin_logins = o->admin_logins.v;
		if (o->ssh_logins.set)
			s->bg.ssh_logins = o->ssh_logins.v;
		if (o->ssh_noise.set)
			s->bg.ssh_noise = o->ssh_noise.v;
		if (o->admin_typos.set)
			s->bg.admin_typos = o->admin_typos.v;
		if (s->bg.crawler_pct + s->bg.notfound_pct > 100)
			addf(errs, file, s->line, "sites[%zu].background: crawler_pct and "
			    "notfound_pct add up to more than 100", i);
		if (s->blank_at.text != NULL && s->blank_at.ms >= scn->duration.ms)
			addf(errs, file, s->line, "sites[%zu].blank_at: %s is not before the end "
			    "(duration %s)", i, s->blank_at.text, scn->duration.text);
	}
	if (scn->bg.crawler_pct + scn->bg.notfound_pct > 100)
		addf(errs, file, 1, "background: crawler_pct and notfound_pct add up to more "
		    "than 100");
	if (scn->bg.soc_scanner != NULL && (parse_net(scn->bg.soc_scanner, &net) == -1 ||
	    net.v6 || net.bits != 32))
		addf(errs, file, 1, "background.soc_scanner: \"%s\" is not an IPv4 address",
		    scn->bg.soc_scanner);
	for (size_t i = 0; i < scn->attacks.n; i++) {
		struct sim_attack *a = attack_at(i);

		resolve_dur(&a->start);
		resolve_dur(&a->duration);
		resolve_dur(&a->stagger);
		resolve_dur(&a->every);
		resolve_dur(&a->jitter);
		resolve_dur(&a->turn);
		if (a->rate.text != NULL && sim_parse_rate(a->rate.text, &a->rate.per_min) == -1)
			a->rate.per_min = 0;	/* not reached: the key's check refused it */
		for (size_t j = 0; j < i; j++)
			if (strcmp(attack_at(j)->name, a->name) == 0)
				addf(errs, file, a->line, "attacks[%zu].name: \"%s\" is the name of "
				    "attacks[%zu] too", i, a->name, j);
		/* A campaign joins attacks of one actor; a distractor joins none. */
		for (size_t j = 0; j < scn->attacks.n && a->campaign != NULL; j++) {
			struct sim_attack *b = attack_at(j);

			if (j != i && b->distractor && strcmp(b->name, a->campaign) == 0)
				addf(errs, file, a->line, "attacks[%zu].campaign: \"%s\" is a "
				    "distractor", i, a->campaign);
		}
		/* One owner per network in geo.tsv. */
		for (size_t j = 0; j < i; j++) {
			struct sim_attack *b = attack_at(j);

			for (size_t x = 0; x < a->networks.n; x++) {
				struct sim_geo ga, gb;

				for (size_t y = 0; y < b->networks.n; y++) {
					if (strcmp(a->networks.v[x], b->networks.v[y]) != 0)
						continue;
					if (attack_geo(a, a->networks.v[x], &ga) == 1 &&
					    attack_geo(b, b->networks.v[y], &gb) == 1 &&
					    (ga.asn != gb.asn || strcmp(ga.org, gb.org) != 0 ||
					    strcmp(ga.country, gb.country) != 0))
						addf(errs, file, a->line, "attacks[%zu]: network %s is "
						    "AS%lld in attacks[%zu] and AS%lld here", i,
						    a->networks.v[x], (long long)gb.asn, j,
						    (long long)ga.asn);
				}
			}
		}
	}
	return errs->n > before ? -1 : 0;
}
