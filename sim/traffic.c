/*
 * traffic.c — every site's ordinary traffic, minute by minute: visitors
 * following the daily rhythm of the site's zone, crawlers, benign 404s,
 * staff logging in, administrators' SSH sessions, cron, stray Internet SSH
 * probes, the SOC's uptime monitor and its scheduled vulnerability sweep.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "vocab.h"

/* Share of the daily peak at a local hour: office hours, lunch, evenings. */
static double
rhythm(unsigned h)
{
	static const double r[24] = { .12, .08, .06, .06, .08, .15, .3, .6, .95, 1, 1,
		.95, .75, .9, 1, .9, .7, .55, .5, .55, .5, .4, .3, .18 };
	return r[h % 24];
}

int
site_status(const struct sim_site *s, int64_t ms, int ok)
{
	if (s->flood_to_ms > 0 && ms >= s->flood_from_ms && ms < s->flood_to_ms)
		return rndn(10) < 7 ? (rndn(2) ? 503 : 504) : ok;
	return ok;
}

static char refbuf[512];

const char *
site_ref(const struct sim_site *s, const char *path)
{
	snprintf(refbuf, sizeof(refbuf), "https://%s%s", s->id, path);
	return refbuf;
}

/*
 * A page's size: its own (a hash of site and URL in [lo, lo + span)), give
 * or take 3% from the draw: a page weighs about the same at every visit, as
 * a real one does (and as the cloaking detector expects of the site).
 */
static unsigned
page_bytes(const struct sim_site *s, const char *url, unsigned lo, unsigned span,
    unsigned draw)
{
	uint32_t h = 2166136261u;
	unsigned base, jit;

	for (const char *p = s->id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = url; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	base = lo + h % span;
	jit = base / 16 + 1;
	return base - base / 32 + draw % jit;
}

/* One page view: the HTML, then (for a browser) a few of its assets. */
static void
page_view(size_t si, int64_t ms, uint32_t ip, const char *ua, int is_browser)
{
	struct sim_site *s = site_at(si);
	char url[512];
	const char *ref = NULL;
	int status = 200;
	unsigned draw = rndn(42000), bytes = 0, r = rndn(100);

	switch (s->kind) {
	case KIND_COMPLAINT:
		if (r < 40)
			snprintf(url, sizeof(url), "%s", PICK(vocab_pengaduan));
		else if (r < 75)
			snprintf(url, sizeof(url), "/pengaduan/detail.php?id=%u", 1000 + rndn(4000));
		else
			snprintf(url, sizeof(url), "/pengaduan/lacak?tiket=ADU-%04d-%06u",
			    start_year, rndn(20000));
		bytes = page_bytes(s, url, 18000, 42000, draw);
		if (s->db_broken_ms > 0 && ms >= s->db_broken_ms) {
			status = 500;
			bytes = 620;
		}
		break;
	case KIND_EKINERJA:
		snprintf(url, sizeof(url), "%s", PICK(vocab_ekinerja));
		bytes = page_bytes(s, url, 9000, 30000, rndn(30000));
		break;
	case KIND_MAIL:
		subst(url, sizeof(url), PICK(vocab_webmail), 1 + rndn(9000));
		bytes = page_bytes(s, url, 3000, 20000, rndn(20000));
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
		bytes = page_bytes(s, url, 18000, 42000, draw);
		if (strcmp(url, "/robots.txt") == 0)
			bytes = 312;
		else if (strcmp(url, "/sitemap.xml") == 0)
			bytes = 4100 + rndn(400);
		if (is_browser && rndn(3) == 0)
			ref = rndn(4) ? "https://www.google.com/" : site_ref(s, "/");
		break;
	}
	/* A planted cloak answers crawlers otherwise (draws nothing). */
	if (!is_browser)
		cloak_answer(si, ms, url, ua, &status, &bytes);
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

/*
 * An official who mistyped the password first, 1-3 times, seconds apart:
 * the form answered again (WordPress, e-Kinerja, the complaint admin), or
 * Roundcube's 401 and dovecot's failure naming the account.
 */
static void
admin_typos(size_t si, int64_t ms, uint32_t ip, const char *ua, const char *user)
{
	struct sim_site *s = site_at(si);
	unsigned n = 1 + rndn(3);
	char ipb[SIM_IP_STR], sess[17];

	ip_str(ip4(ip), ipb);
	for (unsigned i = 0; i < n; i++) {
		int64_t t = ms - (int64_t)(n - i) * (9000 + rndn(12000));

		switch (s->kind) {
		case KIND_EKINERJA:
			web(si, t, ip, "POST", "/ekinerja/login", 200, 3100 + rndn(60),
			    site_ref(s, "/ekinerja/login"), ua);
			break;
		case KIND_COMPLAINT:
			web(si, t, ip, "POST", "/pengaduan/admin/login", 200, 3900 + rndn(60),
			    site_ref(s, "/pengaduan/admin/login"), ua);
			break;
		case KIND_MAIL:
			web(si, t, ip, "POST", "/webmail/?_task=login", 401, 5300 + rndn(40),
			    site_ref(s, "/webmail/"), ua);
			dovecot_session(sess);
			auth(si, t + 400, "dovecot", 0, "imap-login: Disconnected (auth failed, 1 "
			    "attempts in 2 secs): user=<%s>, method=PLAIN, rip=%s, lip=127.0.0.1, "
			    "secured, session=<%s>", user, ipb, sess);
			break;
		default:
			web(si, t, ip, "POST", "/wp-login.php", 200, 7450 + rndn(60),
			    site_ref(s, "/wp-login.php"), ua);
			break;
		}
	}
	if (s->kind == KIND_MAIL) {
		dovecot_session(sess);
		auth(si, ms + 7400, "dovecot", 0, "imap-login: Login: user=<%s>, method=PLAIN, "
		    "rip=%s, lip=127.0.0.1, mpid=%u, secured, session=<%s>", user, ipb,
		    new_pid(s), sess);
	}
}

/* An official logs in to the site's application from ip. */
static void
admin_login_from(size_t si, int64_t ms, uint32_t ip, const char *ua)
{
	struct sim_site *s = site_at(si);

	/* Drawn only when the scenario asks for typos (the bytes stay otherwise). */
	if (s->bg.admin_typos > 0 && s->kind != KIND_SSH &&
	    (int64_t)rndn(100) < s->bg.admin_typos) {
		char user[80];
		const char *dom = strncmp(s->id, "mail.", 5) == 0 ? s->id + 5 : s->id;

		snprintf(user, sizeof(user), "%s@%s", PICK(vocab_officials), dom);
		admin_typos(si, ms, ip, ua, user);
	}
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

/* An official logs in from the office network (or from home). */
static void
admin_login(size_t si, int64_t ms)
{
	uint32_t ip = rndn(3) ? (10u << 24 | 61u << 16 | rndn(4) << 8 | (10 + rndn(200))) :
	    ip_isp();
	const char *ua = PICK(vocab_browser_ua);

	admin_login_from(si, ms, ip, ua);
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
	char ipb[SIM_IP_STR];
	int64_t end = ms + 60000 + rndn(1200000);

	ip_str(ip4(ip), ipb);
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
		const char *cmd = PICK(cmds);

		/* The sudo password mistyped first (drawn only when asked for). */
		if (s->bg.admin_typos > 0 && (int64_t)rndn(100) < s->bg.admin_typos) {
			auth(si, t - 4000, "sudo", spid, "pam_unix(sudo:auth): authentication "
			    "failure; logname=%s uid=%u euid=0 tty=/dev/pts/0 ruser=%s rhost=  "
			    "user=%s", u, uid, u, u);
			auth(si, t - 1000, "sudo", spid, "%8s : 1 incorrect password attempt ; "
			    "TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=%s", u, u, cmd);
		}
		auth(si, t, "sudo", spid, "%8s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; "
		    "COMMAND=%s", u, u, cmd);
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
	const unsigned *n = vocab_ssh_noise[rndn(VOCAB_NSSH_NOISE)];
	uint32_t ip = n[0] << 24 | n[1] << 16 | n[2] << 8 | (1 + rndn(254));
	unsigned pid = new_pid(s), port = 30000 + rndn(35000);
	char ipb[SIM_IP_STR];

	ip_str(ip4(ip), ipb);
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

/*
 * Diskominfo updates every WordPress in the same hour: the admin logs in,
 * updates the core (and its database: /wp-admin/upgrade.php, which rules
 * rightly watch) and the plugins. Benign, and on many sites at once.
 */
int64_t
cms_update(size_t si, int64_t ms)
{
	struct sim_site *s = site_at(si);
	uint32_t ip = 10u << 24 | 61u << 16 | rndn(4) << 8 | (10 + rndn(200));
	const char *ua = PICK(vocab_browser_ua);
	const char *ref = site_ref(s, "/wp-admin/update-core.php");
	char refb[512];
	int64_t t = ms + 15000;

	int64_t upgrade;

	snprintf(refb, sizeof(refb), "%s", ref);
	admin_login_from(si, ms - 20000, ip, ua);
	web(si, t, ip, "GET", "/wp-admin/update-core.php", 200, 38000 + rndn(3000), NULL, ua);
	t += 20000 + rndn(20000);
	web(si, t, ip, "POST", "/wp-admin/update-core.php?action=do-core-upgrade", 200,
	    9800 + rndn(400), refb, ua);
	upgrade = t;
	t += 40000 + rndn(40000);
	if (rndn(3) == 0) {
		web(si, t, ip, "GET", "/wp-admin/upgrade.php?_wp_http_referer=%2Fwp-admin%2F",
		    200, 1900, NULL, ua);
		web(si, t + 3000, ip, "GET", "/wp-admin/upgrade.php?step=1&backto=%2Fwp-admin%2F",
		    200, 1700, NULL, ua);
		t += 6000;
	}
	web(si, t, ip, "GET", "/wp-admin/about.php?updated", 200, 41000 + rndn(2000), refb,
	    ua);
	t += 30000 + rndn(30000);
	web(si, t, ip, "GET", "/wp-admin/plugins.php?plugin_status=upgrade", 200,
	    52000 + rndn(4000), refb, ua);
	for (unsigned i = 0, n = 2 + rndn(5); i < n; i++) {
		t += 4000 + rndn(9000);
		web(si, t, ip, "POST", "/wp-admin/admin-ajax.php", 200, 180 + rndn(300),
		    refb, ua);
	}
	return upgrade;
}

/* The SOC's scheduled sweep: benign, yet every probe is a real attack string. */
void
soc_scan(size_t si, int64_t ms, uint32_t ip)
{
	static const char *ua = "Mozilla/5.0 [en] (X11, U; Greenbone OS 22.04.19)";
	size_t n = vcount(vocab_scan_paths);

	for (size_t i = 0; i < n; i++)
		web(si, ms + (int64_t)i * 700, ip, "GET", vocab_scan_paths[i],
		    strcmp(vocab_scan_paths[i], "/?author=1") == 0 ? 301 : 404, 162, NULL, ua);
}

void
background(size_t si, int64_t t0)
{
	struct sim_site *s = site_at(si);
	const struct sim_background *bg = &s->bg;	/* with the site's own keys */
	double peak = (double)bg->web_rate;
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
	/* The core's files change while the upgrade request runs (a few seconds in). */
	if (bg->cms_update_at.text != NULL && s->kind == KIND_CMS &&
	    t0 == sim_start_ms + bg->cms_update_at.ms - bg->cms_update_at.ms % SIM_SLICE_MS)
		webroot_update_at(si, cms_update(si, t0 + rndn(3600000)) + 6000);
}
