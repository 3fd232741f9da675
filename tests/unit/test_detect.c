/* Detectors on hand-made event sequences: every threshold just below and at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "actors.h"
#include "detect.h"
#include "window.h"

struct rec {
	int n;
	char kind[16][32];
	char key[16][80];
	int sev[16];
	int64_t count[16];
	int64_t last_ts[16];
	/* The last hit's indicators, "type=value". */
	int last_nind;
	char last_ind[RONDA_DETECT_MAX_IND][300];
};

static int
rec_find(struct rec *r, const char *kind, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->kind[i], kind) == 0 && strcmp(r->key[i], key) == 0)
			return i;
	return -1;
}

static void
rec_hit(void *arg, const struct ronda_detect_hit *h)
{
	struct rec *r = arg;
	int i = rec_find(r, h->kind, h->key);

	if (i < 0) {
		i = r->n++;
		snprintf(r->kind[i], sizeof(r->kind[i]), "%s", h->kind);
		snprintf(r->key[i], sizeof(r->key[i]), "%s", h->key);
	}
	r->count[i] += h->count;
	if (h->severity > r->sev[i])
		r->sev[i] = h->severity;
	r->last_ts[i] = h->ts;
	r->last_nind = h->nind;
	for (int k = 0; k < h->nind; k++)
		snprintf(r->last_ind[k], sizeof(r->last_ind[k]), "%s=%s", h->ind[k].type,
		    h->ind[k].value);
}

/* The last hit carried indicator "type=value" (1), or a type at all (type only). */
static int
last_has(const struct rec *r, const char *tv)
{
	size_t l = strlen(tv);

	for (int k = 0; k < r->last_nind; k++)
		if (strcmp(r->last_ind[k], tv) == 0 ||
		    (tv[l - 1] == '=' && strncmp(r->last_ind[k], tv, l) == 0))
			return 1;
	return 0;
}

static int
rec_hit_active(void *arg, const struct ronda_detect_hit *h)
{
	if (rec_find(arg, h->kind, h->key) < 0)
		return 0;
	rec_hit(arg, h);
	return 1;
}

struct fx {
	struct ronda_window *w;
	struct ronda_detect *d;
	struct rec r;
};

static int
own_scanner(void *arg, const char *ip)
{
	(void)arg;
	return strcmp(ip, "10.61.0.25") == 0;
}

/* slow: the low level of brute force on (defaults) or off (the burst tests). */
static int
setup_with(void **state, int slow)
{
	static struct fx f;
	struct ronda_detect_config c;
	struct ronda_detect_sink s = { &f.r, rec_hit, rec_hit_active };

	memset(&f, 0, sizeof(f));
	ronda_detect_defaults(&c);
	if (!slow)
		c.slow_attempts = 0;
	f.w = ronda_window_new(1000, 1 << 20);
	f.d = ronda_detect_new(&c, f.w, &s);
	ronda_detect_set_own(f.d, own_scanner, NULL);
	*state = &f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, 0);
}

static int
setup_slow(void **state)
{
	return setup_with(state, 1);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ronda_detect_free(f->d);
	ronda_window_free(f->w);
	return 0;
}

#define T0 INT64_C(1795705200000)

static void
ssh(struct ronda_cevent *ev, const char *ip, const char *user, int ok, int64_t ts)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = RONDA_CEVENT_EVENT;
	ev->ts_ms = ts;
	snprintf(ev->site, sizeof(ev->site), "bontangkota.go.id");
	snprintf(ev->action, sizeof(ev->action), ok ? "ssh_login_succeeded" : "ssh_login_failed");
	ev->outcome = ok ? RONDA_CEVENT_OUT_SUCCESS : RONDA_CEVENT_OUT_FAILURE;
	snprintf(ev->ip, sizeof(ev->ip), "%s", ip);
	ev->ip_family = ronda_cevent_parse_ip(ip, strlen(ip), ev->ip_bin);
	snprintf(ev->user, sizeof(ev->user), "%s", user);
	ev->original_len = (size_t)snprintf(ev->original, sizeof(ev->original),
	    "Nov 20 23:04:05 web01 sshd[4121]: %s password for %s from %s port 52114 ssh2",
	    ok ? "Accepted" : "Failed", user, ip);
}

static void
web(struct ronda_cevent *ev, const char *ip, const char *method, const char *path,
    int status, int64_t ts)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = RONDA_CEVENT_EVENT;
	ev->ts_ms = ts;
	snprintf(ev->site, sizeof(ev->site), "bontangkota.go.id");
	snprintf(ev->ip, sizeof(ev->ip), "%s", ip);
	ev->ip_family = ronda_cevent_parse_ip(ip, strlen(ip), ev->ip_bin);
	snprintf(ev->method, sizeof(ev->method), "%s", method);
	snprintf(ev->path, sizeof(ev->path), "%s", path);
	ev->status = status;
}

static void
bruteforce_just_below_and_at(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int i = 0; i < 9; i++) {
		ssh(&ev, "203.0.113.9", "root", 0, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "pool"), -1);
	ssh(&ev, "203.0.113.9", "root", 0, T0 + 9000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	int i = rec_find(&f->r, "ssh_bruteforce", "pool");
	assert_true(i >= 0);
	assert_int_equal(f->r.count[i], 10);
	assert_int_equal(f->r.sev[i], 3);
}

/*
 * sshd with UseDNS, PAM rhost, postfix: the peer is logged by its host name
 * (source.domain), no address. Ten failures from one name are brute force
 * keyed by that name, and the hit carries it as a "host" indicator.
 */
static void
bruteforce_by_host_name(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int i = 0; i < 10; i++) {
		ssh(&ev, "", "root", 0, T0 + i * 1000);
		snprintf(ev.domain, sizeof(ev.domain), "scan-7.example.net");
		ronda_detect_event(f->d, &ev, 0, 1, 0);
		if (i == 8)
			assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "scan-7.example.net"), -1);
	}
	int i = rec_find(&f->r, "ssh_bruteforce", "scan-7.example.net");
	assert_true(i >= 0);
	assert_int_equal(f->r.count[i], 10);
	assert_true(last_has(&f->r, "host=scan-7.example.net"));
	assert_false(last_has(&f->r, "ip="));
}

static void
bruteforce_window_edge(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	/* 10 failures over 5 min + 1 ms: not within the window. */
	for (int i = 0; i < 10; i++) {
		ssh(&ev, "198.51.100.4", "admin", 0, T0 + (i == 9 ? 300001 : i * 1000));
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "pool"), -1);
	/* Exactly 5 min between first and tenth: inside. */
	ssh(&ev, "198.51.100.4", "admin", 0, T0 + 300000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "ssh_bruteforce", "pool") >= 0);
}

static void
bruteforce_out_of_order(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	/* Delivered newest first (a collector catching up in reverse batches). */
	for (int i = 9; i >= 1; i--) {
		ssh(&ev, "192.0.2.50", "oracle", 0, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "pool"), -1);
	ssh(&ev, "192.0.2.50", "oracle", 0, T0);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "ssh_bruteforce", "pool") >= 0);
}

static void
late_event_skips_windows(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int i = 0; i < 9; i++) {
		ssh(&ev, "192.0.2.77", "git", 0, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	ssh(&ev, "192.0.2.77", "git", 0, T0 + 9000);
	ronda_detect_event(f->d, &ev, 0, 1, 1);	/* late: counted elsewhere, no window */
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "pool"), -1);
}

static void
compromise_just_below_and_at(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int i = 0; i < 4; i++) {
		ssh(&ev, "203.0.113.20", "admin", 0, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	ssh(&ev, "203.0.113.20", "admin", 1, T0 + 5000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(rec_find(&f->r, "compromise", "203.0.113.20"), -1);
	ssh(&ev, "203.0.113.20", "admin", 0, T0 + 6000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	ssh(&ev, "203.0.113.20", "admin", 1, T0 + 7000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	int i = rec_find(&f->r, "compromise", "203.0.113.20");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], 4);
}

static void
compromise_from_same_network(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;
	char ip[32];

	for (int i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", 100 + i);
		ssh(&ev, ip, "admin", 0, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	ssh(&ev, "203.0.113.200", "admin", 1, T0 + 9000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "compromise", "203.0.113.0/24") >= 0);
}

static void
spray_just_below_and_at(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;
	const char *users[] = { "root", "admin", "test", "root", "oracle", "postgres" };

	for (int i = 0; i < 5; i++) {	/* root twice: 4 distinct */
		ssh(&ev, "198.51.100.77", users[i], 0, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	assert_int_equal(rec_find(&f->r, "password_spray", "pool"), -1);
	ssh(&ev, "198.51.100.77", users[5], 0, T0 + 6000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "password_spray", "pool") >= 0);
}

static void
scan_just_below_and_at(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;
	char p[64];

	for (int i = 0; i < 29; i++) {
		snprintf(p, sizeof(p), "/backup/%d.zip", i);
		web(&ev, "192.0.2.99", "GET", p, 404, T0 + i * 100);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
		web(&ev, "192.0.2.99", "GET", "/backup/0.zip", 404, T0 + i * 100 + 1);
		ronda_detect_event(f->d, &ev, 0, 1, 0);	/* repeats do not count */
	}
	assert_int_equal(rec_find(&f->r, "scan", "pool"), -1);
	web(&ev, "192.0.2.99", "GET", "/.env", 404, T0 + 5000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "scan", "pool") >= 0);
}

static void
cms_just_below_and_at(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int i = 0; i < 19; i++) {
		web(&ev, "192.0.2.33", "POST", "/wp-login.php", 200, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	web(&ev, "192.0.2.33", "GET", "/wp-login.php", 200, T0 + 19500);
	ronda_detect_event(f->d, &ev, 0, 1, 0);	/* a GET is not an attempt */
	assert_int_equal(rec_find(&f->r, "cms_bruteforce", "pool"), -1);
	web(&ev, "192.0.2.33", "POST", "/wp-login.php", 200, T0 + 20000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "cms_bruteforce", "pool") >= 0);
}

static void
webshell_escalates_on_200(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	web(&ev, "192.0.2.8", "GET", "/wp-content/uploads/alfa.php", 404, T0);
	ev.nrules = 1;
	snprintf(ev.rule_id[0], sizeof(ev.rule_id[0]), "web-webshell-001");
	snprintf(ev.rule_cat[0], sizeof(ev.rule_cat[0]), "webshell");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	int i = rec_find(&f->r, "webshell", "pool");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], 3);
	ev.status = 200;
	ev.ts_ms = T0 + 1000;
	ronda_detect_event(f->d, &ev, 0, 1, 1);	/* even late: signatures open at once */
	assert_int_equal(f->r.sev[i], 4);
}

static void
sqli_destructive_500_is_critical(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	web(&ev, "192.0.2.9", "GET", "/berita.php", 500, T0);
	snprintf(ev.query, sizeof(ev.query), "id=1;DROP TABLE users--");
	ev.nrules = 1;
	snprintf(ev.rule_id[0], sizeof(ev.rule_id[0]), "web-sqli-001");
	snprintf(ev.rule_cat[0], sizeof(ev.rule_cat[0]), "sqli");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(f->r.sev[rec_find(&f->r, "sqli", "pool")], 4);
}

static void
rule(struct ronda_cevent *ev, const char *id, const char *cat)
{
	snprintf(ev->rule_id[ev->nrules], sizeof(ev->rule_id[0]), "%s", id);
	snprintf(ev->rule_cat[ev->nrules++], sizeof(ev->rule_cat[0]), "%s", cat);
}

/*
 * An injected gambling page served to crawlers and visitors is the site's
 * incident, not one per requester (1,974 incidents from Googlebot & co. on
 * kaltim-wave before): no requester IP, agent or network among its
 * indicators; the page's fingerprint and words are.
 */
static void
gambling_served_page_is_the_sites(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	web(&ev, "66.249.66.141", "GET", "/slot-thailand-super-gacor/", 200, T0);
	snprintf(ev.ua, sizeof(ev.ua), "Mozilla/5.0 (compatible; Googlebot/2.1)");
	rule(&ev, "web.gambling.injected-page-served", "gambling-spam");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	web(&ev, "180.248.82.239", "GET", "/togel-hari-ini/", 200, T0 + 1000);
	snprintf(ev.referrer, sizeof(ev.referrer), "https://maxwin-gacor88.vip/");
	rule(&ev, "web.gambling.injected-page-served", "gambling-spam");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(f->r.n, 1);
	assert_true(rec_find(&f->r, "gambling", "bontangkota.go.id") >= 0);
	assert_false(last_has(&f->r, "ip="));
	assert_false(last_has(&f->r, "net="));
	assert_false(last_has(&f->r, "user_agent="));
	assert_true(last_has(&f->r, "payload=/togel-hari-ini/"));
	assert_true(last_has(&f->r, "gambling=togel"));
	assert_true(last_has(&f->r, "gambling=maxwin-gacor88.vip"));
	/* A visitor a gambling site sent to an ordinary page: the site's too. */
	web(&ev, "180.248.82.240", "GET", "/berita/12", 200, T0 + 2000);
	snprintf(ev.referrer, sizeof(ev.referrer), "https://maxwin-gacor88.vip/");
	rule(&ev, "web.gambling.referrer", "gambling-spam");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(f->r.n, 1);
	assert_false(last_has(&f->r, "payload="));
}

/* Search spam (words in the query) is the spammer's: keyed by IP, no payload. */
static void
gambling_search_spam_is_the_spammers(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	web(&ev, "45.126.186.87", "GET", "/", 200, T0);
	snprintf(ev.query, sizeof(ev.query), "s=slot+gacor+maxwin");
	rule(&ev, "web.gambling.search-spam", "gambling-spam");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "gambling", "pool") >= 0);
	assert_true(last_has(&f->r, "ip=45.126.186.87"));
	assert_true(last_has(&f->r, "net=45.126.186.0/24"));
	assert_true(last_has(&f->r, "gambling=gacor+maxwin+slot"));
	assert_false(last_has(&f->r, "payload="));
}

/* A shell that answered: its path; the payload folds the shell's random name. */
static void
webshell_indicators(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	web(&ev, "192.0.2.101", "GET", "/wp-content/uploads/2026/11/r711.php", 200, T0);
	snprintf(ev.query, sizeof(ev.query), "cmd=id");
	snprintf(ev.ua, sizeof(ev.ua), "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
	rule(&ev, "web.webshell.cmd", "webshell");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(last_has(&f->r, "webshell=/wp-content/uploads/2026/11/r711.php"));
	assert_true(last_has(&f->r, "payload=/wp-content/uploads/0/0/*.php?cmd=*"));
	assert_false(last_has(&f->r, "user_agent="));	/* a browser's */
	/*
	 * A guess that found nothing is no shell path and no payload (the same
	 * 404 probe comes from every scanner); an unusual agent is kept.
	 */
	web(&ev, "192.0.2.101", "GET", "/wp-content/uploads/r711-3.php", 404, T0 + 1000);
	snprintf(ev.ua, sizeof(ev.ua), "kaltim-crew/0.3");
	rule(&ev, "web.webshell.name", "webshell");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_false(last_has(&f->r, "webshell="));
	assert_false(last_has(&f->r, "payload="));
	assert_true(last_has(&f->r, "user_agent=kaltim-crew/0.3"));
	/*
	 * A public exploit's way in (an upload connector, elFinder's cmd=) is
	 * everyone's: a webshell hit there is no fingerprint of one actor.
	 */
	web(&ev, "192.0.2.102", "POST", "/wp-content/plugins/wp-file-manager/lib/php/"
	    "connector.minimal.php", 200, T0 + 2000);
	snprintf(ev.query, sizeof(ev.query), "cmd=upload");
	rule(&ev, "web.upload.file-manager", "file-upload");
	rule(&ev, "web.webshell.command-parameter", "webshell");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_false(last_has(&f->r, "webshell="));
	assert_false(last_has(&f->r, "payload="));
	assert_true(last_has(&f->r, "ip=192.0.2.102"));
}

static void
metric(struct ronda_cevent *ev, int64_t ts, int64_t req, int64_t s5)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = RONDA_CEVENT_METRIC;
	ev->ts_ms = ts;
	snprintf(ev->site, sizeof(ev->site), "bontangkota.go.id");
	ev->m.window_s = 60;
	ev->m.requests = req;
	ev->m.status[2] = req - s5;
	ev->m.status[5] = s5;
}

static void
flood_and_5xx(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int i = 0; i < 10; i++) {
		metric(&ev, T0 + i * 60000, 400, 2);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	metric(&ev, T0 + 10 * 60000, 1999, 2);	/* just below 5 x 400 */
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(rec_find(&f->r, "flood", "bontangkota.go.id"), -1);
	metric(&ev, T0 + 11 * 60000, 2000 + 320, 2);	/* baseline now ~546: below */
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(rec_find(&f->r, "flood", "bontangkota.go.id"), -1);
	metric(&ev, T0 + 12 * 60000, 5000, 49);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "flood", "bontangkota.go.id") >= 0);
	assert_int_equal(rec_find(&f->r, "http_5xx_surge", "bontangkota.go.id"), -1);
	metric(&ev, T0 + 13 * 60000, 100, 49);	/* 49% and 49: below both */
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(rec_find(&f->r, "http_5xx_surge", "bontangkota.go.id"), -1);
	metric(&ev, T0 + 14 * 60000, 100, 50);	/* 50% and 50: at both */
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "http_5xx_surge", "bontangkota.go.id") >= 0);
}

static void
replay_only_rebuilds(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int i = 0; i < 9; i++) {
		ssh(&ev, "203.0.113.66", "root", 0, T0 + i * 1000);
		ronda_detect_event(f->d, &ev, 3, 0, 0);	/* replay: no hits */
	}
	assert_int_equal(f->r.n, 0);
	ssh(&ev, "203.0.113.66", "root", 0, T0 + 9000);
	ronda_detect_event(f->d, &ev, 3, 1, 0);
	assert_int_equal(f->r.count[rec_find(&f->r, "ssh_bruteforce", "pool")], 10);
}

/*
 * Low and slow: 5 failures within an hour (below 10 in 5 minutes) make the
 * pool's brute force low; the burst later makes the same incident high.
 */
static void
slow_bruteforce_is_low_then_high(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;
	int i;

	for (i = 0; i < 4; i++) {
		ssh(&ev, "203.0.113.9", "root", 0, T0 + i * 600000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	assert_int_equal(f->r.n, 0);
	ssh(&ev, "203.0.113.9", "root", 0, T0 + 4 * 600000);	/* 5 in 40 min */
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	i = rec_find(&f->r, "ssh_bruteforce", "pool");
	assert_true(i >= 0);
	assert_int_equal(f->r.count[i], 5);
	assert_int_equal(f->r.sev[i], 1);
	/* A member: each further failure joins, at once. */
	ssh(&ev, "203.0.113.9", "root", 0, T0 + 5 * 600000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(f->r.count[i], 6);
	for (int k = 0; k < 10; k++) {
		ssh(&ev, "203.0.113.9", "root", 0, T0 + 6 * 600000 + k * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	assert_int_equal(f->r.sev[i], 3);
	assert_int_equal(f->r.n, 1);
}

/*
 * One case per (site, kind): a botnet's addresses share the pool incident;
 * an address with a stray failure does not join it; the allowlisted
 * scanner keeps incidents of its own.
 */
static void
pool_is_one_incident(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int k = 0; k < 10; k++) {
		ssh(&ev, "203.0.113.9", "root", 0, T0 + k * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
		ssh(&ev, "61.177.172.60", "root", 0, T0 + k * 1000 + 500);
		ronda_detect_event(f->d, &ev, 1, 1, 0);
	}
	ssh(&ev, "180.248.82.239", "pegawai", 0, T0 + 20000);	/* a mistyped password */
	ronda_detect_event(f->d, &ev, 2, 1, 0);
	for (int k = 0; k < 10; k++) {
		ssh(&ev, "10.61.0.25", "root", 0, T0 + 30000 + k * 1000);
		ronda_detect_event(f->d, &ev, 3, 1, 0);
	}
	assert_int_equal(f->r.n, 2);
	assert_int_equal(f->r.count[rec_find(&f->r, "ssh_bruteforce", "pool")], 20);
	assert_int_equal(f->r.count[rec_find(&f->r, "ssh_bruteforce", "10.61.0.25")], 10);
	/* Signatures pool the same way. */
	web(&ev, "192.0.2.8", "GET", "/wp-content/uploads/alfa.php", 404, T0);
	rule(&ev, "web-webshell-001", "webshell");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	web(&ev, "185.224.128.62", "GET", "/wp-content/uploads/alfa.php", 404, T0 + 1);
	rule(&ev, "web-webshell-001", "webshell");
	ronda_detect_event(f->d, &ev, 1, 1, 0);
	assert_int_equal(f->r.count[rec_find(&f->r, "webshell", "pool")], 2);
	assert_true(last_has(&f->r, "ip=185.224.128.62"));
}

/*
 * A member that went quiet is out: a lone failure long after joins nothing
 * (and 4 failures in an hour stay below the slow level).
 */
static void
pool_member_expires_after_quiet(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;
	int i;

	for (int k = 0; k < 10; k++) {
		ssh(&ev, "203.0.113.9", "root", 0, T0 + k * 1000);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	i = rec_find(&f->r, "ssh_bruteforce", "pool");
	assert_int_equal(f->r.count[i], 10);
	ssh(&ev, "203.0.113.9", "root", 0, T0 + 9000 + 30 * 60000);	/* at quiet: joins */
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(f->r.count[i], 11);
	ssh(&ev, "203.0.113.9", "root", 0, T0 + 9000 + 61 * 60000 + 1);	/* past it */
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(f->r.count[i], 11);
}

static void
on_site(struct ronda_cevent *ev, const char *site)
{
	snprintf(ev->site, sizeof(ev->site), "%s", site);
}

/*
 * Guesses on one other site are not a pool's: an official who mistyped on
 * one portal and logs in on another (or a carrier-grade NAT address shared
 * by many) is no compromise. Only the guessers' memory (fleet_sites sites,
 * below) makes a login elsewhere one. One login seen in two logs (webmail
 * form and IMAP) counts in each log's own series: 3 typos are 3, not 6.
 */
static void
compromise_needs_guessing_here_or_a_fleet(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int k = 0; k < 5; k++) {
		ssh(&ev, "203.0.113.30", "admin", 0, T0 + k * 120000);
		on_site(&ev, "beraukab.go.id");
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	ssh(&ev, "203.0.113.30", "admin", 1, T0 + 15 * 60000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(rec_find(&f->r, "compromise", "203.0.113.30"), -1);
	for (int k = 0; k < 3; k++) {
		web(&ev, "36.85.52.183", "POST", "/webmail/", 401, T0 + k * 15000);
		snprintf(ev.query, sizeof(ev.query), "_task=login");
		rule(&ev, "web.cms.webmail-login", "cms-login");
		ronda_detect_event(f->d, &ev, 0, 1, 0);
		ssh(&ev, "36.85.52.183", "andi.pratama", 0, T0 + k * 15000);
		snprintf(ev.action, sizeof(ev.action), "mail_login_failed");
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	web(&ev, "36.85.52.183", "POST", "/webmail/", 302, T0 + 60000);
	snprintf(ev.query, sizeof(ev.query), "_task=login");
	rule(&ev, "web.cms.webmail-login", "cms-login");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	ssh(&ev, "36.85.52.183", "andi.pratama", 1, T0 + 60000);
	snprintf(ev.action, sizeof(ev.action), "mail_login_succeeded");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_int_equal(rec_find(&f->r, "compromise", "36.85.52.183"), -1);
}

/*
 * A pool guessed on two sites in the morning and logs in on a third in the
 * evening, long after every window: the guessers' memory (actors.c) makes
 * it a compromise. Without it (or after one site only), nothing.
 */
static void
compromise_hours_after_fleet_guessing(void **state)
{
	struct fx *f = *state;
	struct ronda_actors *a = ronda_actors_new();
	struct ronda_cevent ev;
	const char *sites[] = { "beraukab.go.id", "paserkab.go.id" };

	ronda_detect_set_actors(f->d, a);
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 5; k++) {
			ssh(&ev, "203.0.113.40", "admin", 0, T0 + s * 3600000 + k * 600000);
			on_site(&ev, sites[s]);
			ronda_detect_event(f->d, &ev, 0, 1, 0);
		}
	for (int k = 0; k < 5; k++) {
		ssh(&ev, "203.0.113.41", "admin", 0, T0 + k * 600000);
		on_site(&ev, sites[0]);
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	ssh(&ev, "203.0.113.40", "admin", 1, T0 + 9 * 3600000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	ssh(&ev, "203.0.113.41", "admin", 1, T0 + 9 * 3600000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "compromise", "203.0.113.40") >= 0);
	assert_int_equal(rec_find(&f->r, "compromise", "203.0.113.41"), -1);
	ronda_detect_set_actors(f->d, NULL);
	ronda_actors_free(a);
}

/*
 * Web logins: a form post answered 200 failed, a redirect worked. Guesses
 * then a redirect: compromise; an editor's own logins guess nothing.
 */
static void
web_login_success_after_guesses(void **state)
{
	struct fx *f = *state;
	struct ronda_cevent ev;

	for (int k = 0; k < 8; k++) {
		web(&ev, "203.0.113.44", "POST", "/ekinerja/login", 302, T0 + k * 300000);
		rule(&ev, "web.cms.app-login", "cms-login");
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	assert_int_equal(f->r.n, 0);
	for (int k = 0; k < 5; k++) {
		web(&ev, "203.0.113.45", "POST", "/ekinerja/login", 200, T0 + k * 300000);
		rule(&ev, "web.cms.app-login", "cms-login");
		ronda_detect_event(f->d, &ev, 0, 1, 0);
	}
	int i = rec_find(&f->r, "cms_bruteforce", "pool");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], 1);
	web(&ev, "203.0.113.45", "POST", "/ekinerja/login", 302, T0 + 26 * 60000);
	rule(&ev, "web.cms.app-login", "cms-login");
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	i = rec_find(&f->r, "compromise", "203.0.113.45");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bruteforce_just_below_and_at, setup, teardown),
		cmocka_unit_test_setup_teardown(slow_bruteforce_is_low_then_high, setup_slow,
		    teardown),
		cmocka_unit_test_setup_teardown(pool_is_one_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(pool_member_expires_after_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(compromise_needs_guessing_here_or_a_fleet,
		    setup_slow, teardown),
		cmocka_unit_test_setup_teardown(web_login_success_after_guesses, setup_slow,
		    teardown),
		cmocka_unit_test_setup_teardown(compromise_hours_after_fleet_guessing, setup_slow,
		    teardown),
		cmocka_unit_test_setup_teardown(bruteforce_by_host_name, setup, teardown),
		cmocka_unit_test_setup_teardown(bruteforce_window_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(bruteforce_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(late_event_skips_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(compromise_just_below_and_at, setup, teardown),
		cmocka_unit_test_setup_teardown(compromise_from_same_network, setup, teardown),
		cmocka_unit_test_setup_teardown(spray_just_below_and_at, setup, teardown),
		cmocka_unit_test_setup_teardown(scan_just_below_and_at, setup, teardown),
		cmocka_unit_test_setup_teardown(cms_just_below_and_at, setup, teardown),
		cmocka_unit_test_setup_teardown(webshell_escalates_on_200, setup, teardown),
		cmocka_unit_test_setup_teardown(sqli_destructive_500_is_critical, setup, teardown),
		cmocka_unit_test_setup_teardown(gambling_served_page_is_the_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(gambling_search_spam_is_the_spammers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(webshell_indicators, setup, teardown),
		cmocka_unit_test_setup_teardown(flood_and_5xx, setup, teardown),
		cmocka_unit_test_setup_teardown(replay_only_rebuilds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
