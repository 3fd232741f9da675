/*
 * attacks.c — the planted attacks: each resolved once into a plan (the sites
 * it hits, each site's sessions, the attacker addresses and their turns, a
 * payload token), then its lines added slice by slice, shaped like what the
 * real tools and intruders leave in nginx and sshd (and dovecot) logs.
 *
 * Determinism: a plan draws from the one PRNG in scenario order, and every
 * new key draws only when given, so a scenario without them gives the bytes
 * it always gave. The kinds that change a web root (webshell-file,
 * gambling-injection, defacement-file, cms-update) draw from a stream of
 * their own, seeded from --seed and their name, swapped into rng_state while
 * they plan or write: adding one to a scenario leaves every other line as it
 * was (it only adds its own, and a cloaked site's answers to crawlers).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "vocab.h"

static struct sim_ip
addr_of(const struct sim_attack *a, size_t k, size_t i)
{
	return a->shared ? a->ip[i] : a->ip[k * a->nip + i];
}

/*
 * turn: the address whose turn it is at site k. Turns are a->turn long,
 * each site's shifted by its phase; the pool's addresses take them in one
 * shuffled order, each site starting elsewhere in it (a shared pool spread
 * evenly over the sites), so an address works one site at a time and comes
 * back after the rest of the pool had its turn.
 */
static size_t
turn_slot(const struct sim_attack *a, size_t k, int64_t ms, int64_t *turn_no)
{
	int64_t t = (ms - sim_start_ms + a->turn_phase[k]) / a->turn.ms;
	size_t stride = a->shared && a->n <= a->nip ? a->nip / a->n : 1;

	if (turn_no != NULL)
		*turn_no = t;
	return a->turn_order[(size_t)(((uint64_t)t + k * stride) % a->nip)];
}

static struct sim_ip
attacker(const struct sim_attack *a, size_t k, int64_t ms)
{
	if (a->turn.ms > 0)
		return addr_of(a, k, turn_slot(a, k, ms, NULL));
	if (a->shared)
		return a->ip[rndn((unsigned)a->nip)];
	return a->ip[k * a->nip + rndn((unsigned)a->nip)];
}

/*
 * Password guessers work in turns: a botnet's hosts take a server one or two
 * at a time, for about ten minutes each, hammering it (tens of attempts)
 * before the next takes over, and each site sees its own order. So each IP
 * both crosses the per-site thresholds and turns up on many sites. With
 * turn: set, one address at a time, as long as it says.
 */
static struct sim_ip
attacker_in_turn(const struct sim_attack *a, size_t k, int64_t ms, int second)
{
	size_t turn, i;

	if (a->turn.ms > 0)
		return addr_of(a, k, turn_slot(a, k, ms, NULL));
	turn = (size_t)((ms - sim_start_ms) / 600000) + k * 7 + (second ? 1 : 0);
	i = turn % a->nip;
	return a->shared ? a->ip[i] : a->ip[k * a->nip + i];
}

/* The agent of a request the attacker sends: its own (user_agent:) or the tool's. */
static const char *
ua_or(const struct sim_attack *a, const char *tool)
{
	return a->user_agent != NULL ? a->user_agent : tool;
}

static const char *
ua_browser(const struct sim_attack *a)
{
	return a->user_agent != NULL ? a->user_agent : browser();
}

static const char *
judol_domain(const struct sim_attack *a)
{
	return a->domain != NULL ? a->domain : PICK(vocab_judol_domain);
}

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * payload: with "{id}" the record id, "{n}" a random number (a "%u" would
 * clash with URL escapes such as %2C).
 */
static void
fill_payload(char *out, size_t n, const char *tmpl, unsigned id)
{
	size_t o = 0;

	for (const char *p = tmpl; *p != '\0' && o + 12 < n; p++) {
		if (strncmp(p, "{id}", 4) == 0) {
			o += (size_t)snprintf(out + o, n - o, "%u", id);
			p += 3;
		} else if (strncmp(p, "{n}", 3) == 0) {
			o += (size_t)snprintf(out + o, n - o, "%u", 1000 + rndn(9000));
			p += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static void
atk_gambling(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	struct sim_site *s = site_at(si);
	char url[512];
	struct sim_ip ip = attacker(a, k, ms);

	if (p < 0.45) {
		/* Search spam: the site's search page becomes an SEO doorway. */
		static const char *const fmt[] = { "/?s=%s", "/search?q=%s", "/berita/?s=%s" };

		snprintf(url, sizeof(url), fmt[rndn(3)], PICK(vocab_judol_search));
		web_ip(si, ms, ip, "GET", url, 200, 14000 + rndn(4000), NULL, ua_browser(a));
		return;
	}
	if (p < 0.5) {
		/* Pages injected through a stolen editor account. */
		web_ip(si, ms, ip, "POST", "/wp-login.php", 302, 0,
		    site_ref(s, "/wp-login.php"), ua_browser(a));
		snprintf(url, sizeof(url), "/wp-admin/post.php?post=%u&action=edit",
		    4000 + rndn(900));
		web_ip(si, ms + 4000, ip, "POST", "/wp-admin/post.php", 302, 0,
		    site_ref(s, url), ua_browser(a));
		return;
	}
	/* Crawlers (and referred visitors) follow the injected pages. */
	switch (rndn(4)) {
	case 0:
		snprintf(url, sizeof(url), "/%s/", PICK(vocab_judol_page));
		web_ip(si, ms, ip, "GET", url, 200, 31000 + rndn(5000), NULL, ua_browser(a));
		break;
	case 1: {
		const struct vocab_crawler *c = &vocab_crawlers[rndn(3)];
		uint32_t cip = c->a << 24 | c->b << 16 | c->c << 8 | (1 + rndn(254));
		unsigned bytes;
		int status = 200;

		snprintf(url, sizeof(url), "%s/%s-%s.html", upload_dir,
		    PICK(vocab_judol_page), a->token);
		bytes = 29000 + rndn(5000);
		/* A cloak planted in the web root answers crawlers (draws nothing). */
		cloak_answer(si, ms, url, c->ua, &status, &bytes);
		web(si, ms, cip, "GET", url, status, bytes, NULL, c->ua);
		break;
	}
	case 2: {
		const struct vocab_crawler *c = &vocab_crawlers[rndn(3)];
		uint32_t cip = c->a << 24 | c->b << 16 | c->c << 8 | (1 + rndn(254));
		unsigned bytes;
		int status = 200;

		snprintf(url, sizeof(url), "/%s/", PICK(vocab_judol_page));
		bytes = 31000 + rndn(5000);
		cloak_answer(si, ms, url, c->ua, &status, &bytes);
		web(si, ms, cip, "GET", url, status, bytes, NULL, c->ua);
		break;
	}
	default:
		snprintf(url, sizeof(url), "/%s/", PICK(vocab_judol_page));
		web(si, ms, ip_isp(), "GET", url, 200, 31000 + rndn(5000),
		    judol_domain(a), browser());
		break;
	}
}

static void
atk_webshell(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	static const char *tool_ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36";
	const char *ua = ua_or(a, tool_ua);
	char url[512], shell[128];
	struct sim_ip ip = attacker(a, k, ms);

	if (a->shell != NULL)
		snprintf(shell, sizeof(shell), "%s/%s", upload_dir, a->shell);
	else
		snprintf(shell, sizeof(shell), "%s/%s.php", upload_dir, a->token);
	if (p < 0.1) {
		/* The hole: wp-file-manager's connector (CVE-2020-25213). */
		if (rndn(3) == 0)
			web_ip(si, ms, ip, "GET", "/wp-content/plugins/wp-file-manager/readme.txt",
			    200, 4120, NULL, ua);
		else
			web_ip(si, ms, ip, "POST", "/wp-content/plugins/wp-file-manager/lib/php/"
			    "connector.minimal.php", 200, 380, NULL, ua);
		return;
	}
	switch (rndn(5)) {
	case 0:
		web_ip(si, ms, ip, "GET", shell, 200, 1240 + rndn(200), NULL, ua);
		break;
	case 1:
	case 2:
		snprintf(url, sizeof(url), "%s?cmd=%s", shell, PICK(vocab_shell_cmds));
		web_ip(si, ms, ip, "GET", url, 200, 60 + rndn(3000), NULL, ua);
		break;
	case 3:
		snprintf(url, sizeof(url), "%s?a=FilesMan&c=/var/www/html", shell);
		web_ip(si, ms, ip, "POST", url, 200, 9000 + rndn(4000), NULL, ua);
		break;
	default:
		snprintf(url, sizeof(url), "/wp-content/uploads/%s-%u.php", a->token,
		    rndn(10));
		web_ip(si, ms, ip, "GET", url, 404, 162, NULL, ua);
		break;
	}
}

static void
atk_sqli(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	struct sim_site *s = site_at(si);
	static const char *tool_ua = "sqlmap/1.7.2#stable (https://sqlmap.org)";
	const char *ua = ua_or(a, tool_ua);
	char q[512], url[600];
	unsigned id = 1000 + (unsigned)(k * 37 % 3000);
	const char *path = s->kind == KIND_COMPLAINT ? "/pengaduan/detail.php" :
	    "/berita.php";
	int status;

	if (a->payload != NULL) {
		/* One exploit replayed against every site: the same target each time. */
		fill_payload(url, sizeof(url), a->payload, id);
		status = rndn(5) == 0 ? 500 : 200;
		web_ip(si, ms, attacker(a, k, ms), "GET", url, status, status == 500 ? 620 :
		    8000 + rndn(9000), NULL, ua);
		return;
	}
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
	web_ip(si, ms, attacker(a, k, ms), "GET", url, status, status == 500 ? 620 :
	    8000 + rndn(9000), NULL, ua);
}

static void
atk_deface(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
	char url[256], ref[256];
	struct sim_ip ip = attacker(a, k, ms);
	const char *ua = ua_or(a, "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 "
	    "Firefox/115.0");

	if (p < 0.3) {
		/* KCFinder left open under the theme: browse, then upload. */
		if (rndn(2))
			web_ip(si, ms, ip, "GET", "/assets/kcfinder/browse.php?type=files", 200,
			    6100, NULL, ua);
		else
			web_ip(si, ms, ip, "POST", "/assets/kcfinder/upload.php", 200, 210, NULL, ua);
		return;
	}
	snprintf(url, sizeof(url), "/assets/kcfinder/upload/files/hacked-by-%s.html",
	    a->token);
	if (p < 0.6 || rndn(2)) {
		web_ip(si, ms, ip, "GET", url, 200, 2300, NULL, ua);
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

	web_ip(si, ms, attacker(a, k, ms), "GET", path, 404, 162, NULL,
	    ua_or(a, vocab_scan_ua[k % vcount(vocab_scan_ua)]));
}

/*
 * The account a login guess tries on site k: one of the site's
 * SIM_ACCOUNTS; with users: N, an address keeps to N of them per turn (a
 * sprayer stays under "distinct users per address" thresholds).
 */
static const char *
account(const struct sim_attack *a, size_t k, int64_t ms)
{
	int64_t t;
	size_t first;

	if (a->users == 0)
		return a->acct[k * SIM_ACCOUNTS + rndn(SIM_ACCOUNTS)];
	if (a->turn.ms > 0)
		turn_slot(a, k, ms, &t);
	else
		t = (ms - sim_start_ms) / 600000;
	first = (size_t)(mix64(a->salt ^ (uint64_t)t ^ (uint64_t)k << 48) % SIM_ACCOUNTS);
	return a->acct[k * SIM_ACCOUNTS + (first + rndn((unsigned)a->users)) % SIM_ACCOUNTS];
}

/*
 * Roundcube in front of dovecot on the mail server: a failed login is
 * answered 401 with the form again; dovecot trusts the webmail's forwarded
 * client address (login_trusted_networks), so its line names the attacker
 * and the account. Dovecot logs with syslog_facility = auth, so its lines
 * are in auth.log with sshd's.
 */
static void
login_webmail(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p,
    int succeed)
{
	struct sim_site *s = site_at(si);
	struct sim_ip ip = attacker_in_turn(a, k, ms, !succeed && rndn(3) == 0);
	const char *user = account(a, k, ms), *ua = ua_browser(a);
	char ipb[SIM_IP_STR], sess[17];

	ip_str(ip, ipb);
	dovecot_session(sess);
	if (succeed && p > 0.97) {
		web_ip(si, ms, ip, "POST", "/webmail/?_task=login", 302, 0,
		    site_ref(s, "/webmail/"), ua);
		web_ip(si, ms + 600, ip, "GET", "/webmail/?_task=mail&_mbox=INBOX", 200, 14800,
		    site_ref(s, "/webmail/"), ua);
		auth(si, ms, "dovecot", 0, "imap-login: Login: user=<%s>, method=PLAIN, "
		    "rip=%s, lip=127.0.0.1, mpid=%u, secured, session=<%s>", user, ipb,
		    new_pid(s), sess);
		return;
	}
	web_ip(si, ms, ip, "POST", "/webmail/?_task=login", 401, 5300 + rndn(40),
	    site_ref(s, "/webmail/"), ua);
	auth(si, ms + 300 + rndn(1500), "dovecot", 0, "imap-login: Disconnected (auth "
	    "failed, 1 attempts in 2 secs): user=<%s>, method=PLAIN, rip=%s, "
	    "lip=127.0.0.1, secured, session=<%s>", user, ipb, sess);
}

/*
 * A regional application's own login form (e-Kinerja, the complaint
 * portal's admin): a failed post is answered 200 with the form again, a
 * good one 302 to the dashboard. The account (an NIP for e-Kinerja) is in
 * the post's body: no log shows it.
 */
static void
login_form(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p,
    int succeed, const char *form, const char *home, unsigned form_bytes)
{
	struct sim_site *s = site_at(si);
	struct sim_ip ip = attacker_in_turn(a, k, ms, !succeed && rndn(3) == 0);
	const char *ua = ua_browser(a);

	if (succeed && p > 0.97) {
		web_ip(si, ms, ip, "POST", form, 302, 0, site_ref(s, form), ua);
		web_ip(si, ms + 500, ip, "GET", home, 200, 22000, site_ref(s, form), ua);
		return;
	}
	/* The form's CSRF token, fetched again now and then. */
	if (rndn(3) == 0)
		web_ip(si, ms - 1500, ip, "GET", form, 200, form_bytes + 900, NULL, ua);
	web_ip(si, ms, ip, "POST", form, 200, form_bytes + rndn(60), site_ref(s, form), ua);
}

/* One password guess against the site's login: WordPress, e-Kinerja, complaint admin, webmail. */
static void
atk_cms_login(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p,
    int succeed)
{
	struct sim_site *s = site_at(si);
	struct sim_ip ip;

	switch (s->kind) {
	case KIND_MAIL:
		login_webmail(a, k, si, ms, p, succeed);
		return;
	case KIND_EKINERJA:
		login_form(a, k, si, ms, p, succeed, "/ekinerja/login", "/ekinerja/dashboard",
		    3100);
		return;
	case KIND_COMPLAINT:
		login_form(a, k, si, ms, p, succeed, "/pengaduan/admin/login",
		    "/pengaduan/admin/", 3900);
		return;
	default:
		break;
	}
	ip = attacker_in_turn(a, k, ms, !succeed && rndn(3) == 0);
	if (succeed && p > 0.97) {
		web_ip(si, ms, ip, "POST", "/wp-login.php", 302, 0,
		    site_ref(s, "/wp-login.php"), ua_browser(a));
		web_ip(si, ms + 700, ip, "GET", "/wp-admin/", 200, 51000,
		    site_ref(s, "/wp-login.php"), ua_browser(a));
		return;
	}
	if (rndn(4) == 0)
		web_ip(si, ms, ip, "POST", "/xmlrpc.php", 200, 403 + rndn(8), NULL,
		    ua_or(a, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) "
		    "Gecko/20100101 Firefox/119.0"));
	else
		web_ip(si, ms, ip, "POST", "/wp-login.php", 200, 7450 + rndn(60),
		    site_ref(s, "/wp-login.php"), ua_browser(a));
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
	web_ip(si, ms, attacker(a, k, ms), "GET", url, status, status == 200 ? 48000 : 197,
	    NULL, ua_browser(a));
}

/* One botnet connection: a guess or three, then the disconnect. */
static void
atk_brute(const struct sim_attack *a, size_t k, size_t si, int64_t ms, double p,
    int succeed)
{
	struct sim_site *s = site_at(si);
	struct sim_ip ip = attacker_in_turn(a, k, ms, !succeed && rndn(3) == 0);
	unsigned pid = new_pid(s), port = 30000 + rndn(35000);
	const char *u = PICK(vocab_ssh_users);
	int root = strcmp(u, "root") == 0;
	char ipb[SIM_IP_STR];

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
atk_one(struct sim_attack *a, size_t k, size_t si, int64_t ms, double p)
{
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

/*
 * pace: steady: one request in each cell of 1/rate, at a point of the cell
 * that a hash of (attack, site, session, cell) gives, so that a cell split
 * between two slices is neither lost nor doubled; any five minutes at one a
 * minute hold at most six.
 */
static void
steady(struct sim_attack *a, size_t k, size_t j, int64_t from, int64_t to, int64_t lo,
    int64_t hi, int64_t span_from, int64_t span_to)
{
	double cell = 60000.0 / a->rate.per_min;
	int64_t first = (int64_t)floor((double)(lo - from) / cell) - 1;
	int64_t last = (int64_t)ceil((double)(hi - from) / cell);

	for (int64_t c = first < 0 ? 0 : first; c <= last; c++) {
		uint64_t h = mix64(a->salt ^ (uint64_t)k << 40 ^ (uint64_t)j << 20 ^ (uint64_t)c);
		double u = (double)(h >> 11) / 9007199254740992.0;
		int64_t ms = from + (int64_t)(((double)c + u) * cell);

		if (ms < lo || ms >= hi || ms >= to)
			continue;
		atk_one(a, k, a->site[k], ms, (double)(ms - span_from) /
		    (double)(span_to - span_from));
	}
}

/* The file kinds' lines: a cloaked site's traffic, a core update's admin. */
static void
file_slice(struct sim_attack *a, int64_t t0)
{
	uint64_t saved = rng_state;

	rng_state = a->rng;
	if (a->kind == ATK_GAMBLING_INJECT)
		cloak_slice(a, t0);
	for (size_t k = 0; a->kind == ATK_CMS_UPDATE && k < a->n; k++) {
		/* The admin's session starts a minute before the files change. */
		int64_t at = a->from[k * a->nsess] - 60000;

		if (at < sim_start_ms)
			at = sim_start_ms;
		if (at >= t0 && at < t0 + SIM_SLICE_MS)
			cms_update(a->site[k], at);
	}
	a->rng = rng_state;
	rng_state = saved;
}

void
attack_slice(struct sim_attack *a, int64_t t0)
{
	if (atk_is_file(a->kind)) {
		file_slice(a, t0);
		return;
	}
	for (size_t k = 0; k < a->n; k++) {
		size_t si = a->site[k], ns = a->nsess;
		int64_t span_from = a->from[k * ns], span_to = a->to[k * ns + ns - 1];
		int succeed = a->success_site != NULL &&
		    strcmp(a->success_site, site_at(si)->id) == 0;

		for (size_t j = 0; j < ns; j++) {
			int64_t from = a->from[k * ns + j], to = a->to[k * ns + j];
			int64_t lo = t0 > from ? t0 : from, hi = t0 + SIM_SLICE_MS < to ?
			    t0 + SIM_SLICE_MS : to;
			unsigned n;

			if (lo >= hi)
				continue;
			if (a->pace == PACE_STEADY) {
				steady(a, k, j, from, to, lo, hi, span_from, span_to);
				continue;
			}
			n = poisson(a->rate.per_min * (double)(hi - lo) / SIM_SLICE_MS);
			for (unsigned i = 0; i < n; i++) {
				int64_t ms = lo + (int64_t)rndn((unsigned)(hi - lo));

				atk_one(a, k, si, ms, (double)(ms - span_from) /
				    (double)(span_to - span_from));
			}
		}
		/* The single success lands once, near the end of that site's last session. */
		if (succeed && (a->kind == ATK_BRUTE || a->kind == ATK_CMS_LOGIN)) {
			int64_t from = a->from[k * ns + ns - 1], to = a->to[k * ns + ns - 1];
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

/* ---- the plan ----------------------------------------------------------------- */

/* Its index in the scenario, for messages. */
static size_t
attack_index(const struct sim_attack *a)
{
	return (size_t)(a - (const struct sim_attack *)scn->attacks.v);
}

static int
select_sites(struct sim_attack *a, const char *file, char *err, size_t errlen)
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
			snprintf(err, errlen, "%s:%d: attacks[%zu].sites: no site \"%s\"", file,
			    a->line, attack_index(a), sel);
			return -1;
		}
	}
	if (a->n == 0) {
		snprintf(err, errlen, "%s:%d: attacks[%zu].sites: selects no site", file, a->line,
		    attack_index(a));
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* What a plan needs that the keys alone could not check (they need the sites). */
static int
check_plan(struct sim_attack *a, const char *file, char *err, size_t errlen)
{
	int found = a->success_site == NULL;

	for (size_t k = 0; k < a->n; k++) {
		const struct sim_site *s = site_at(a->site[k]);

		if (a->kind == ATK_CMS_LOGIN && s->kind == KIND_SSH) {
			snprintf(err, errlen, "%s:%d: attacks[%zu].sites: %s is an SSH bastion, "
			    "it has no login form (kind brute-force guesses SSH)", file, a->line,
			    attack_index(a), s->id);
			return -1;
		}
		if (a->success_site != NULL && strcmp(a->success_site, s->id) == 0)
			found = 1;
	}
	if (!found) {
		snprintf(err, errlen, "%s:%d: attacks[%zu].success_site: %s is not one of "
		    "its sites", file, a->line, attack_index(a), a->success_site);
		return -1;
	}
	if (a->starts.n > 0 && a->starts.n != a->n) {
		snprintf(err, errlen, "%s:%d: attacks[%zu].starts: %zu starts for %zu sites",
		    file, a->line, attack_index(a), a->starts.n, a->n);
		return -1;
	}
	if (a->distractor && a->n != 1) {
		snprintf(err, errlen, "%s:%d: attacks[%zu].distractor: a distractor hits one "
		    "site (it selects %zu)", file, a->line, attack_index(a), a->n);
		return -1;
	}
	if (a->kind == ATK_DOS && a->sessions > 1) {
		snprintf(err, errlen, "%s:%d: attacks[%zu].sessions: a flood has one window "
		    "per site", file, a->line, attack_index(a));
		return -1;
	}
	if (atk_is_file(a->kind) && a->sessions > 1) {
		snprintf(err, errlen, "%s:%d: attacks[%zu].sessions: %s changes a web root "
		    "once per site", file, a->line, attack_index(a), attack_kinds[a->kind]);
		return -1;
	}
	for (size_t k = 0; atk_is_file(a->kind) && k < a->n; k++) {
		const struct sim_site *s = site_at(a->site[k]);

		if (s->kind == KIND_SSH || (a->kind == ATK_CMS_UPDATE && s->kind != KIND_CMS)) {
			snprintf(err, errlen, "%s:%d: attacks[%zu].sites: %s is a %s site: %s",
			    file, a->line, attack_index(a), s->id, site_kinds[s->kind],
			    a->kind == ATK_CMS_UPDATE ? "cms-update updates WordPress (kind cms)" :
			    "its web root is a static page, with no script to plant in");
			return -1;
		}
	}
	return 0;
}

/* Login attacks on mail sites: the accounts they try, officials' names and NIPs. */
static void
plan_accounts(struct sim_attack *a)
{
	for (size_t k = 0; k < a->n; k++) {
		const char *id = site_at(a->site[k])->id;
		const char *dom = strncmp(id, "mail.", 5) == 0 ? id + 5 : id;

		for (size_t i = 0; i < SIM_ACCOUNTS; i++) {
			char *u = a->acct[k * SIM_ACCOUNTS + i];

			if (i < 2) {
				/*
				 * An NIP: birth date, civil-service start (year and
				 * month), sex, sequence: 198503152010011002.
				 */
				unsigned by = 1965 + rndn(31), bm = 1 + rndn(12), bd = 1 + rndn(28);
				unsigned ty = by + 22 + rndn(9), tm = rndn(2) ? 1 : 3;

				snprintf(u, 48, "%u%02u%02u%u%02u%u%03u@%s", by, bm, bd, ty, tm,
				    1 + rndn(2), 1 + rndn(4), dom);
			} else {
				snprintf(u, 48, "%s@%s", PICK(vocab_officials), dom);
			}
		}
	}
}

static int
plan_one(struct sim_attack *a, const char *file, char *err, size_t errlen)
{
	size_t total, ns;
	int mail = 0;

	if (select_sites(a, file, err, errlen) == -1 || check_plan(a, file, err, errlen) == -1)
		return -1;
	ns = a->nsess = (size_t)a->sessions;
	a->from = calloc(a->n * ns, sizeof(int64_t));
	a->to = calloc(a->n * ns, sizeof(int64_t));
	a->nip = a->networks.n > 0 ? (size_t)a->ips : 0;
	total = a->shared ? a->nip : a->nip * a->n;
	if (total > SIM_MAX_ATTACK_IPS) {
		snprintf(err, errlen, "%s:%d: attacks[%zu].ips: %zu attacker IPs (at most %d)",
		    file, a->line, attack_index(a), total, SIM_MAX_ATTACK_IPS);
		return -1;
	}
	a->ip = calloc(total ? total : 1, sizeof(*a->ip));
	if (a->from == NULL || a->to == NULL || a->ip == NULL)
		goto nomem;
	if (total > 0 && draw_addresses(&a->networks, a->shared ? 1 : a->n, a->nip,
	    (unsigned)a->spread, a->ip, err, errlen) == -1) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s:%d: attacks[%zu].%s", file, a->line, attack_index(a),
		    why);
		return -1;
	}
	for (size_t k = 0; k < a->n; k++) {
		int64_t *from = &a->from[k * ns], *to = &a->to[k * ns];

		if (a->starts.n > 0) {
			int64_t at = 0;

			sim_parse_duration(a->starts.v[k], &at);
			from[0] = sim_start_ms + at;
		} else {
			from[0] = sim_start_ms + a->start.ms + (a->stagger.ms > 0 ?
			    (int64_t)(rnd() % (uint64_t)a->stagger.ms) : 0);
		}
		from[0] -= from[0] % 1000;
		to[0] = from[0] + a->duration.ms;
		for (size_t j = 1; j < ns; j++) {
			from[j] = from[0] + (int64_t)j * a->every.ms + (a->jitter.ms > 0 ?
			    (int64_t)(rnd() % (uint64_t)a->jitter.ms) : 0);
			from[j] -= from[j] % 1000;
			to[j] = from[j] + a->duration.ms;
		}
		if (a->kind == ATK_DOS) {
			/* The site gives up after the first minutes: 5xx for everyone. */
			site_at(a->site[k])->flood_from_ms = from[0] + a->duration.ms * 15 / 100;
			site_at(a->site[k])->flood_to_ms = to[0];
		}
		mail |= site_at(a->site[k])->kind == KIND_MAIL;
	}
	snprintf(a->token, sizeof(a->token), "%c%x%x%x", 'a' + rndn(26), rndn(16),
	    rndn(16), rndn(16));
	if (a->kind == ATK_DEFACE)
		snprintf(a->token, sizeof(a->token), "%s", PICK(vocab_deface_teams));
	/* What the new keys need, drawn only when they are given. */
	if (a->turn.ms > 0) {
		a->turn_order = calloc(a->nip, sizeof(*a->turn_order));
		a->turn_phase = calloc(a->n, sizeof(*a->turn_phase));
		if (a->turn_order == NULL || a->turn_phase == NULL)
			goto nomem;
		for (size_t i = 0; i < a->nip; i++)
			a->turn_order[i] = i;
		for (size_t i = a->nip; i > 1; i--) {
			size_t j = (size_t)(rnd() % i), t = a->turn_order[i - 1];

			a->turn_order[i - 1] = a->turn_order[j];
			a->turn_order[j] = t;
		}
		for (size_t k = 0; k < a->n; k++)
			a->turn_phase[k] = (int64_t)(rnd() % (uint64_t)a->turn.ms);
	}
	if (a->pace == PACE_STEADY || a->users > 0)
		a->salt = rnd();
	if (a->kind == ATK_CMS_LOGIN && mail) {
		if ((a->acct = calloc(a->n * SIM_ACCOUNTS, sizeof(*a->acct))) == NULL)
			goto nomem;
		plan_accounts(a);
	}
	if (atk_is_file(a->kind) && webroot_plan(a, err, errlen) == -1) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s:%d: attacks[%zu]: %s", file, a->line, attack_index(a),
		    why);
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

int
plan_attack(struct sim_attack *a, const char *file, char *err, size_t errlen)
{
	uint64_t saved;
	int rc;

	if (!atk_is_file(a->kind))
		return plan_one(a, file, err, errlen);
	/* Its own stream: the scenario's other lines stay what they were. */
	saved = rng_state;
	rng_state = mix64(sim_seed * 0x9e3779b97f4a7c15ULL ^ fnv1a(a->name)) ^
	    0x6a09e667f3bcc908ULL;
	rc = plan_one(a, file, err, errlen);
	a->rng = rng_state;
	rng_state = saved;
	return rc;
}

void
attack_free(struct sim_attack *a)
{
	free(a->site);
	free(a->from);
	free(a->to);
	free(a->ip);
	free(a->turn_order);
	free(a->turn_phase);
	free(a->acct);
	webroot_plan_free(a);
}
