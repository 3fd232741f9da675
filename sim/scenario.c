/*
 * scenario.c — the scenario file: its YAML keys (strict, `file:line: key:
 * message` like every Ronda config), where a scenario NAME is found, and the
 * checks across keys once it is loaded.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

const char *const site_kinds[] = { "cms", "complaint", "ekinerja", "mail", "ssh", NULL };
/* Named with the rules' category vocabulary. */
const char *const attack_kinds[] = { "gambling-spam", "defacement",
	"webshell", "sqli", "brute-force", "cms-login", "scanner", "dos", NULL };

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

const struct ronda_cfg_key scenario_keys[] = {
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

int
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
