/* Detectors on hand-made event sequences: every threshold just below and at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "detect.h"
#include "window.h"

struct rec {
	int n;
	char kind[16][32];
	char key[16][80];
	int sev[16];
	int64_t count[16];
	int64_t last_ts[16];
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
}

static int
rec_active(void *arg, const char *site, const char *kind, const char *key, int64_t ts)
{
	(void)site;
	(void)ts;
	return rec_find(arg, kind, key) >= 0;
}

struct fx {
	struct ronda_window *w;
	struct ronda_detect *d;
	struct rec r;
};

static int
setup(void **state)
{
	static struct fx f;
	struct ronda_detect_config c;
	struct ronda_detect_sink s = { &f.r, rec_hit, rec_active };

	memset(&f, 0, sizeof(f));
	ronda_detect_defaults(&c);
	f.w = ronda_window_new(1000, 1 << 20);
	f.d = ronda_detect_new(&c, f.w, &s);
	*state = &f;
	return 0;
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
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "203.0.113.9"), -1);
	ssh(&ev, "203.0.113.9", "root", 0, T0 + 9000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	int i = rec_find(&f->r, "ssh_bruteforce", "203.0.113.9");
	assert_true(i >= 0);
	assert_int_equal(f->r.count[i], 10);
	assert_int_equal(f->r.sev[i], 3);
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
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "198.51.100.4"), -1);
	/* Exactly 5 min between first and tenth: inside. */
	ssh(&ev, "198.51.100.4", "admin", 0, T0 + 300000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "ssh_bruteforce", "198.51.100.4") >= 0);
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
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "192.0.2.50"), -1);
	ssh(&ev, "192.0.2.50", "oracle", 0, T0);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "ssh_bruteforce", "192.0.2.50") >= 0);
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
	assert_int_equal(rec_find(&f->r, "ssh_bruteforce", "192.0.2.77"), -1);
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
	assert_int_equal(rec_find(&f->r, "password_spray", "198.51.100.77"), -1);
	ssh(&ev, "198.51.100.77", users[5], 0, T0 + 6000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "password_spray", "198.51.100.77") >= 0);
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
	assert_int_equal(rec_find(&f->r, "scan", "192.0.2.99"), -1);
	web(&ev, "192.0.2.99", "GET", "/.env", 404, T0 + 5000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "scan", "192.0.2.99") >= 0);
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
	assert_int_equal(rec_find(&f->r, "cms_bruteforce", "192.0.2.33"), -1);
	web(&ev, "192.0.2.33", "POST", "/wp-login.php", 200, T0 + 20000);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
	assert_true(rec_find(&f->r, "cms_bruteforce", "192.0.2.33") >= 0);
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
	int i = rec_find(&f->r, "webshell", "192.0.2.8");
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
	assert_int_equal(f->r.sev[rec_find(&f->r, "sqli", "192.0.2.9")], 4);
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
	assert_int_equal(f->r.count[rec_find(&f->r, "ssh_bruteforce", "203.0.113.66")], 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bruteforce_just_below_and_at, setup, teardown),
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
		cmocka_unit_test_setup_teardown(flood_and_5xx, setup, teardown),
		cmocka_unit_test_setup_teardown(replay_only_rebuilds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
