/*
 * attacks.c — the planted attacks: each resolved once into a plan (the sites
 * it hits, each site's window, the attacker addresses, a payload token), then
 * its lines added slice by slice, shaped like what the real tools and
 * intruders leave in nginx and sshd logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "vocab.h"

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

void
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

int
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
