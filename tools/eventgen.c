/*
 * ronda-eventgen — deterministic classified events, as the collectors send
 * them, for the correlator's tests and benchmarks. Writes "key<TAB>json"
 * lines (kcat -K '\t'); the key is the source IP as in production.
 *
 *   ronda-eventgen --events 100000 --sites 50 --ips 5000 --seed 1
 *   ronda-eventgen --scenario bruteforce-success --ip 203.0.113.77
 *   ronda-eventgen --scenario distinct-ips --events 1000000 --sites 300
 *
 * The same arguments always give the same bytes, so two runs can be
 * compared event for event.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char sitebuf[64];

static const char *
site_name(unsigned i)
{
	static const char *const names[] = { "bontangkota", "samarindakota",
	    "balikpapan", "kutaikartanegarakab", "beraukab", "paserkab", "malinau",
	    "nunukankab", "tarakankota", "kaltimprov" };
	snprintf(sitebuf, sizeof(sitebuf), "%s%u.go.id", names[i % 10], i / 10);
	return sitebuf;
}

static void
ip_of(uint64_t i, char *out, size_t n)
{
	/* Spread over documentation and public-looking ranges, deterministic. */
	snprintf(out, n, "%u.%u.%u.%u", (unsigned)(11 + (i >> 24) % 200),
	    (unsigned)((i >> 16) & 255), (unsigned)((i >> 8) & 255), (unsigned)(i & 255));
}

static void
emit(struct ronda_event *ev, const char *key)
{
	struct ronda_buf b;

	ronda_buf_init(&b, 1 << 20);
	if (ronda_event_to_json(ev, &b) == 0)
		printf("%s\t%s\n", key, b.data);
	ronda_buf_release(&b);
}

static void
base(struct ronda_event *ev, const char *site, int64_t ts, uint64_t seq, int type)
{
	ronda_event_reset(ev);
	ev->type = type;
	ev->ts_ms = ts;
	ev->site = site;
	ev->agency = "Diskominfo";
	ev->region = "Kalimantan Timur";
	ev->timezone = "Asia/Makassar";
	ev->host_name = "web01";
	ev->file_path = type == RONDA_EVENT_AUTH ? "/var/log/auth.log" :
	    "/var/log/nginx/access.log";
	ev->offset = seq * 180;
	ev->dataset = type == RONDA_EVENT_AUTH ? "auth.syslog" : "web.access";
	ronda_event_make_id(ev->id, site, 2049, 131000 + seq % 7, 0xabcdef, seq * 180);
}

static char line[2048];
static char pathbuf[256], querybuf[256];

static void
ssh_event(struct ronda_event *ev, const char *ip, const char *user, int ok)
{
	snprintf(line, sizeof(line), "Nov 20 23:04:05 web01 sshd[4121]: %s password for %s%s "
	    "from %s port 52%03d ssh2", ok ? "Accepted" : "Failed", ok ? "" : "invalid user ",
	    user, ip, (int)(rnd() % 1000));
	ev->original = (struct ronda_str){ line, strlen(line) };
	ev->action = ok ? "ssh_login_succeeded" : "ssh_login_failed";
	ev->outcome = ok ? "success" : "failure";
	ev->user_name = (struct ronda_str){ user, strlen(user) };
	ev->source_ip = (struct ronda_str){ ip, strlen(ip) };
	ev->program = RONDA_STR_LIT("sshd");
	ev->pid = 4121;
	ev->auth_method = "password";
}

static void
web_event(struct ronda_event *ev, const char *ip, const char *method, const char *path,
    const char *query, int status)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s", path);
	snprintf(querybuf, sizeof(querybuf), "%s", query);
	snprintf(line, sizeof(line), "%s - - [20/Nov/2026:23:04:05 +0800] \"%s %s%s%s "
	    "HTTP/1.1\" %d %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/119.0 Safari/537.36\"", ip, method, path,
	    query[0] ? "?" : "", query, status, (int)(rnd() % 20000));
	ev->original = (struct ronda_str){ line, strlen(line) };
	ev->client_ip = (struct ronda_str){ ip, strlen(ip) };
	ev->method = (struct ronda_str){ method, strlen(method) };
	ev->url = (struct ronda_str){ pathbuf, strlen(pathbuf) };
	ev->path = (struct ronda_str){ pathbuf, strlen(pathbuf) };
	ev->query = (struct ronda_str){ querybuf, strlen(querybuf) };
	ev->http_version = RONDA_STR_LIT("1.1");
	ev->status = status;
	ev->bytes = 512;
	ev->user_agent = RONDA_STR_LIT("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/119.0 Safari/537.36");
}

static void
rule(struct ronda_event *ev, const char *id, const char *cat, int sev)
{
	ev->rules[ev->nrules++] = (struct ronda_event_rule){ id, id, cat, sev };
	if (sev > ev->severity)
		ev->severity = sev;
}

static const char *const users[] = { "root", "admin", "oracle", "test", "ubuntu",
    "postgres", "git", "deploy", "user", "ftpuser", "guest", "support" };

/* One attacker working through a password list, then getting in. */
static void
scenario_bruteforce(const char *site, const char *ip, int64_t t0, int failures)
{
	struct ronda_event ev;

	for (int i = 0; i < failures; i++) {
		base(&ev, site, t0 + i * 2000, (uint64_t)i, RONDA_EVENT_AUTH);
		ssh_event(&ev, ip, "admin", 0);
		emit(&ev, ip);
	}
	base(&ev, site, t0 + failures * 2000 + 1000, (uint64_t)failures, RONDA_EVENT_AUTH);
	ssh_event(&ev, ip, "admin", 1);
	emit(&ev, ip);
}

/*
 * The previous default stream (before realistic actors): signature hits from
 * thinly spread IPs on random sites, about one event in five opening a new
 * incident. Kept as a worst case for the store.
 */
static void
thin(uint64_t n, unsigned nsites, uint64_t nips, int64_t t0, int64_t rate)
{
	struct ronda_event ev;
	char ip[48], mbody[512];
	int64_t minute = -1;

	for (uint64_t i = 0; i < n; i++) {
		int64_t ts = t0 + (int64_t)(i * 1000 / (uint64_t)rate);
		uint64_t r = rnd();
		const char *site;
		uint64_t who = (r >> 8) % nips;
		unsigned pick = (unsigned)(r % 100);

		/* One aggregate per site per minute of event time. */
		if (ts / 60000 != minute) {
			minute = ts / 60000;
			for (unsigned s = 0; s < nsites && s < 200; s++) {
				int64_t req = 500 + (int64_t)(rnd() % 100);
				site = site_name(s);
				base(&ev, site, minute * 60000, (uint64_t)minute * 1000 + s + (1ULL << 40),
				    RONDA_EVENT_METRIC);
				ev.dataset = "web.metrics";
				snprintf(mbody, sizeof(mbody), "{\"window_s\":60,\"requests\":%" PRId64
				    ",\"status\":{\"2xx\":%" PRId64 ",\"3xx\":10,\"4xx\":20,\"5xx\":3},"
				    "\"bytes\":%" PRId64 ",\"distinct_ips\":40,\"top_ips\":[{\"ip\":"
				    "\"198.51.100.7\",\"count\":50}],\"heartbeat\":{\"lines\":%" PRId64
				    "}}", req, req - 33, req * 900, req);
				ev.metric_json = (struct ronda_str){ mbody, strlen(mbody) };
				emit(&ev, site);
			}
		}
		/*
		 * Half the events come from a few busy attackers (5% of the IPs),
		 * each working mostly one site; the rest are spread thin.
		 */
		if ((r >> 60) & 1) {
			who = who % (nips / 20 + 1);
			site = site_name((unsigned)(who % nsites));
		} else {
			site = site_name((unsigned)((r >> 40) % nsites));
		}
		ip_of(who * 2654435761u + 7, ip, sizeof(ip));
		if (pick < 35) {
			base(&ev, site, ts, i, RONDA_EVENT_AUTH);
			ssh_event(&ev, ip, users[(r >> 20) % 12], 0);
		} else if (pick < 37) {
			base(&ev, site, ts, i, RONDA_EVENT_AUTH);
			ssh_event(&ev, ip, users[(r >> 20) % 12], 1);
		} else if (pick < 65) {
			char p[64];
			snprintf(p, sizeof(p), "/%s/%u.php", (r >> 30) & 1 ? "wp-content" : "admin",
			    (unsigned)((r >> 33) % 500));
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "GET", p, "", 404);
		} else if (pick < 72) {
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "POST", "/wp-login.php", "", 200);
		} else if (pick < 80) {
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "GET", "/wp-content/uploads/2024/alfa.php", "cmd=id",
			    (r >> 44) & 1 ? 200 : 404);
			rule(&ev, "web-webshell-001", "webshell", RONDA_SEV_HIGH);
		} else if (pick < 88) {
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "GET", "/berita/detail.php",
			    "id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--", 200);
			rule(&ev, "web-sqli-003", "sqli", RONDA_SEV_HIGH);
		} else if (pick < 92) {
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "GET", "/index.php", "page=../../../../etc/passwd", 200);
			rule(&ev, "web-lfi-001", "lfi", RONDA_SEV_HIGH);
		} else if (pick < 95) {
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "GET", "/", "s=slot+gacor+maxwin", 200);
			rule(&ev, "web-gambling-002", "gambling", RONDA_SEV_MEDIUM);
		} else {
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "GET", "/berita/2026/11/pengumuman.html", "", 200);
		}
		emit(&ev, ip);
	}
}

/* One metric event (the per-site per-minute aggregate) for every site. */
static void
metrics(unsigned nsites, int64_t minute)
{
	struct ronda_event ev;
	char mbody[512];

	for (unsigned s = 0; s < nsites; s++) {
		int64_t req = 500 + (int64_t)(rnd() % 100);
		const char *site = site_name(s);
		base(&ev, site, minute * 60000, (uint64_t)minute * 1000 + s + (1ULL << 40),
		    RONDA_EVENT_METRIC);
		ev.dataset = "web.metrics";
		snprintf(mbody, sizeof(mbody), "{\"window_s\":60,\"requests\":%" PRId64
		    ",\"status\":{\"2xx\":%" PRId64 ",\"3xx\":10,\"4xx\":20,\"5xx\":3},"
		    "\"bytes\":%" PRId64 ",\"distinct_ips\":40,\"top_ips\":[{\"ip\":"
		    "\"198.51.100.7\",\"count\":50}],\"heartbeat\":{\"lines\":%" PRId64
		    "}}", req, req - 33, req * 900, req);
		ev.metric_json = (struct ronda_str){ mbody, strlen(mbody) };
		emit(&ev, site);
	}
}

/* An index in [0, n) skewed toward 0 (a few actors are much busier). */
static uint64_t
skewed(uint64_t n)
{
	uint64_t a = rnd() % n, b = rnd() % n;

	return a < b ? a : b;
}

/* Actor pools: disjoint IP ranges, so "distinct IPs" adds up. */
enum { POOL_BOT, POOL_CMS, POOL_SCAN, POOL_ATTACK, POOL_TAIL };

static void
actor_ip(int pool, uint64_t i, char *out, size_t n)
{
	ip_of(((uint64_t)pool << 26) + (i * 2654435761u & ((1u << 26) - 1)) + 7, out, n);
}

/* Site k (of few) of an actor's target list: a fixed, actor-specific spread. */
static const char *
target(uint64_t actor, unsigned k, unsigned nsites, unsigned salt)
{
	return site_name((unsigned)((actor * 7919u + salt + (uint64_t)k * 104729u) % nsites));
}

static const char *const probes[] = { "/.env", "/wp-config.php.bak", "/phpmyadmin/",
    "/admin/", "/backup.zip", "/.git/config", "/vendor/phpunit/phpunit/src/Util/PHP/"
    "eval-stdin.php", "/wp-content/plugins/revslider/", "/cgi-bin/", "/server-status" };

/* A web request with one signature hit of a kind the collectors' rules emit. */
static void
attack_event(struct ronda_event *ev, const char *site, int64_t ts, uint64_t i,
    const char *ip, unsigned which, int ok)
{
	base(ev, site, ts, i, RONDA_EVENT_WEB);
	switch (which % 5) {
	case 0:
		web_event(ev, ip, "GET", "/wp-content/uploads/2024/alfa.php", "cmd=id",
		    ok ? 200 : 404);
		rule(ev, "web-webshell-001", "webshell", RONDA_SEV_HIGH);
		break;
	case 1:
		web_event(ev, ip, "GET", "/berita/detail.php",
		    "id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--", 200);
		rule(ev, "web-sqli-003", "sqli", RONDA_SEV_HIGH);
		break;
	case 2:
		web_event(ev, ip, "GET", "/index.php", "page=../../../../etc/passwd", 200);
		rule(ev, "web-lfi-001", "lfi", RONDA_SEV_HIGH);
		break;
	case 3:
		web_event(ev, ip, "POST", "/index.php", "s=slot+gacor+maxwin", 200);
		rule(ev, "web-gambling-002", "gambling", RONDA_SEV_MEDIUM);
		break;
	default:
		web_event(ev, ip, "GET", "/index.php",
		    "s=/Index/\\think\\app/invokefunction&function=call_user_func_array", 404);
		rule(ev, "web-rce-004", "rce", RONDA_SEV_HIGH);
		break;
	}
}

/*
 * What collectors with `forward: events` send from a province: one metric
 * per site per minute, and only security-relevant lines, from actors that
 * behave the way they do in real logs:
 *   38%  ssh password guessing from a botnet (nips/100 IPs), each bot
 *        hammering its own list of 4..16 servers; one bot line in 400 is a
 *        success (after failures: a compromise);
 *    7%  CMS login floods (POST /wp-login.php, /xmlrpc.php) from nips/100 IPs;
 *   25%  web scanners (nips/100 IPs) probing 1..4 sites for many paths (404),
 *        one probe in ten tripping a signature (webshell, LFI, ...);
 *   15%  attackers (nips/200 IPs) working 1..3 sites with many signature hits
 *        (SQLi, LFI, webshells, gambling spam, RCE);
 *   15%  a long tail of IPs drawn from a pool of nips, most seen once: a
 *        stray 404, an ssh failure, and one in six a single signature probe.
 * Busy actors are skewed (a few do most of the work). The counts that
 * matter for the correlator (sites, distinct IPs, incidents) are printed by
 * tools/bench_correlator.sh.
 */
static void
mixed(uint64_t n, unsigned nsites, uint64_t nips, int64_t t0, int64_t rate)
{
	struct ronda_event ev;
	char ip[48], p[96];
	int64_t minute = -1;
	uint64_t nbots = nips / 100 + 1, ncms = nips / 100 + 1, nscan = nips / 100 + 1;
	uint64_t natk = nips / 200 + 1;

	for (uint64_t i = 0; i < n; i++) {
		int64_t ts = t0 + (int64_t)(i * 1000 / (uint64_t)rate);
		unsigned pick = (unsigned)(rnd() % 100);
		const char *site;
		uint64_t a;

		if (ts / 60000 != minute) {
			minute = ts / 60000;
			metrics(nsites, minute);
		}
		if (pick < 38) {
			a = skewed(nbots);
			actor_ip(POOL_BOT, a, ip, sizeof(ip));
			site = target(a, (unsigned)(rnd() % (4 + a % 13)), nsites, 1);
			base(&ev, site, ts, i, RONDA_EVENT_AUTH);
			ssh_event(&ev, ip, users[(a + rnd() % 4) % 12], rnd() % 400 == 0);
		} else if (pick < 45) {
			a = skewed(ncms);
			actor_ip(POOL_CMS, a, ip, sizeof(ip));
			site = target(a, (unsigned)(rnd() % 3), nsites, 2);
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "POST", a & 1 ? "/xmlrpc.php" : "/wp-login.php", "",
			    200);
		} else if (pick < 70) {
			a = skewed(nscan);
			actor_ip(POOL_SCAN, a, ip, sizeof(ip));
			site = target(a, (unsigned)(rnd() % (1 + a % 4)), nsites, 3);
			if (rnd() % 10 == 0) {
				attack_event(&ev, site, ts, i, ip, (unsigned)(a + rnd() % 2), 0);
			} else {
				uint64_t r = rnd();
				if (r & 1)
					snprintf(p, sizeof(p), "%s", probes[(r >> 1) % 10]);
				else
					snprintf(p, sizeof(p), "/%s/%u.php", (r >> 8) & 1 ?
					    "wp-content" : "admin", (unsigned)((r >> 9) % 500));
				base(&ev, site, ts, i, RONDA_EVENT_WEB);
				web_event(&ev, ip, "GET", p, "", 404);
			}
		} else if (pick < 85) {
			a = skewed(natk);
			actor_ip(POOL_ATTACK, a, ip, sizeof(ip));
			site = target(a, (unsigned)(rnd() % (1 + a % 3)), nsites, 4);
			attack_event(&ev, site, ts, i, ip, (unsigned)(a + rnd() % 2),
			    rnd() % 4 == 0);
		} else {
			unsigned what = (unsigned)(rnd() % 6);
			a = rnd() % nips;
			actor_ip(POOL_TAIL, a, ip, sizeof(ip));
			site = site_name((unsigned)(rnd() % nsites));
			if (what == 0) {
				attack_event(&ev, site, ts, i, ip, (unsigned)rnd(), 0);
			} else if (what < 3) {
				base(&ev, site, ts, i, RONDA_EVENT_AUTH);
				ssh_event(&ev, ip, users[rnd() % 12], 0);
			} else {
				base(&ev, site, ts, i, RONDA_EVENT_WEB);
				web_event(&ev, ip, "GET", probes[rnd() % 10], "", 404);
			}
		}
		emit(&ev, ip);
	}
}

/*
 * Every event from a new source IP (a botnet spread thin, the worst case
 * for window memory): ssh failures and 404 probes alternate, so each IP
 * lands in the brute-force, spray, compromise and scan windows.
 */
static void
distinct_ips(uint64_t n, unsigned nsites, int64_t t0, int64_t rate)
{
	struct ronda_event ev;
	char ip[48], p[64];

	for (uint64_t i = 0; i < n; i++) {
		int64_t ts = t0 + (int64_t)(i * 1000 / (uint64_t)rate);
		const char *site = site_name((unsigned)(i % nsites));
		uint64_t r = rnd();

		ip_of(i * 2654435761u % (UINT64_C(200) << 24) + 7, ip, sizeof(ip));
		if (i % 2 == 0) {
			base(&ev, site, ts, i, RONDA_EVENT_AUTH);
			ssh_event(&ev, ip, users[(r >> 20) % 12], 0);
		} else {
			snprintf(p, sizeof(p), "/%s/%u.php", (r >> 30) & 1 ? "wp-content" : "admin",
			    (unsigned)((r >> 33) % 500));
			base(&ev, site, ts, i, RONDA_EVENT_WEB);
			web_event(&ev, ip, "GET", p, "", 404);
		}
		emit(&ev, ip);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "sites", required_argument, NULL, 's' },
		{ "ips", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 'S' },
		{ "start", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "scenario", required_argument, NULL, 'x' },
		{ "ip", required_argument, NULL, 'a' },
		{ "site", required_argument, NULL, 'o' },
		{ "failures", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t n = 1000, nips = 1000, seed = 1;
	unsigned nsites = 10;
	int64_t t0 = INT64_C(1795705200000), rate = 200;	/* 2026-11-20T12:20:00Z */
	const char *scenario = "mixed", *ip = "203.0.113.77", *site = "bontangkota.go.id";
	int failures = 12, ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 's': nsites = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'i': nips = strtoull(optarg, NULL, 10); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 't': t0 = strtoll(optarg, NULL, 10); break;
		case 'r': rate = strtoll(optarg, NULL, 10); break;
		case 'x': scenario = optarg; break;
		case 'a': ip = optarg; break;
		case 'o': site = optarg; break;
		case 'f': failures = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: ronda-eventgen [--events N] [--sites N] [--ips N] "
			    "[--seed N] [--start MS] [--rate EV/S] [--scenario mixed|"
			    "bruteforce-success|distinct-ips|thin] [--ip IP] [--site ID] [--failures N]\n");
			return 2;
		}
	}
	if (nsites == 0 || nips == 0 || rate <= 0)
		return 2;
	rng ^= seed * 0x9e3779b97f4a7c15ULL;
	if (strcmp(scenario, "bruteforce-success") == 0)
		scenario_bruteforce(site, ip, t0, failures);
	else if (strcmp(scenario, "distinct-ips") == 0)
		distinct_ips(n, nsites, t0, rate);
	else if (strcmp(scenario, "thin") == 0)
		thin(n, nsites, nips, t0, rate);
	else
		mixed(n, nsites, nips, t0, rate);
	return fflush(stdout) == 0 ? 0 : 1;
}
