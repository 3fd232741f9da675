/*
 * Web-root changes and cloaking (detect_file.c) on events decoded from the
 * JSON the collector sends (cevent.c's file and cloak members with them),
 * and the crawlers' ranges file (bots.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "bots.h"
#include "cevent.h"
#include "detect.h"
#include "ronda/event.h"
#include "window.h"

struct rec {
	int n;
	char kind[16][32];
	char key[16][80];
	int sev[16];
	int64_t count[16];
	int last_nind;
	char last_ind[RONDA_DETECT_MAX_IND][300];
	char last_evidence[600];
};

static int
rec_find(struct rec *r, const char *kind)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->kind[i], kind) == 0)
			return i;
	return -1;
}

static void
rec_hit(void *arg, const struct ronda_detect_hit *h)
{
	struct rec *r = arg;
	int i = rec_find(r, h->kind);

	if (i < 0) {
		i = r->n++;
		snprintf(r->kind[i], sizeof(r->kind[i]), "%s", h->kind);
		snprintf(r->key[i], sizeof(r->key[i]), "%s", h->key);
	}
	r->count[i] += h->count;
	if (h->severity > r->sev[i])
		r->sev[i] = h->severity;
	r->last_nind = h->nind;
	for (int k = 0; k < h->nind; k++)
		snprintf(r->last_ind[k], sizeof(r->last_ind[k]), "%s=%s", h->ind[k].type,
		    h->ind[k].value);
	snprintf(r->last_evidence, sizeof(r->last_evidence), "%.*s", (int)h->evidence_len,
	    h->evidence != NULL ? h->evidence : "");
}

static int
rec_hit_active(void *arg, const struct ronda_detect_hit *h)
{
	(void)arg;
	(void)h;
	return 0;
}

static int
last_has(const struct rec *r, const char *tv)
{
	for (int k = 0; k < r->last_nind; k++)
		if (strcmp(r->last_ind[k], tv) == 0)
			return 1;
	return 0;
}

static int
last_has_type(const struct rec *r, const char *type)
{
	size_t l = strlen(type);

	for (int k = 0; k < r->last_nind; k++)
		if (strncmp(r->last_ind[k], type, l) == 0 && r->last_ind[k][l] == '=')
			return 1;
	return 0;
}

struct fx {
	struct ronda_window *w;
	struct ronda_detect *d;
	struct ronda_bots *bots;
	struct rec r;
	char tmp[64];
};

static int
setup(void **state)
{
	static struct fx f;
	struct ronda_detect_config c;
	struct ronda_detect_sink s = { &f.r, rec_hit, rec_hit_active };
	char err[256];
	FILE *fp;
	int fd;

	memset(&f, 0, sizeof(f));
	ronda_detect_defaults(&c);
	f.w = ronda_window_new(1000, 1 << 20);
	f.d = ronda_detect_new(&c, f.w, &s);
	snprintf(f.tmp, sizeof(f.tmp), "/tmp/ronda-bots-XXXXXX");
	fd = mkstemp(f.tmp);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fprintf(fp, "# Google and Bing\ngooglebot 66.249.64.0/19\nbingbot 157.55.39.0/24\n"
	    "googlebot 2001:4860:4801:10::/64\n");
	fclose(fp);
	f.bots = ronda_bots_load(f.tmp, err, sizeof(err));
	assert_non_null(f.bots);
	ronda_detect_set_bots(f.d, f.bots);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ronda_detect_free(f->d);
	ronda_window_free(f->w);
	ronda_bots_free(f->bots);
	unlink(f->tmp);
	return 0;
}

#define T0 INT64_C(1795000000000)

/* A file event as the collector sends it; markers "id:category" comma-separated. */
static void
feed_file(struct fx *f, int64_t ts, const char *action, const char *relpath,
    const char *markers, const char *extra, int late)
{
	char json[4096], ids[1024] = "", cats[1024] = "", ts_s[40];
	struct ronda_cevent ev;
	char err[256];
	time_t t = (time_t)(ts / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts_s, sizeof(ts_s), "%Y-%m-%dT%H:%M:%S", &tm);
	if (markers != NULL) {
		char buf[512], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", markers);
		for (char *m = strtok_r(buf, ",", &save); m != NULL; m = strtok_r(NULL, ",", &save)) {
			char *colon = strchr(m, ':');
			*colon = '\0';
			snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s\"%s\"",
			    ids[0] ? "," : "", m);
			snprintf(cats + strlen(cats), sizeof(cats) - strlen(cats), "%s\"%s\"",
			    cats[0] ? "," : "", colon + 1);
		}
	}
	snprintf(json, sizeof(json),
	    "{\"@timestamp\":\"%s.000Z\",\"event\":{\"id\":\"%016llx%016llx\",\"kind\":\"%s\","
	    "\"category\":[\"file\"],\"action\":\"%s\",\"dataset\":\"file.integrity\"},"
	    "\"organization\":{\"id\":\"bontangkota.go.id\"},"
	    "\"file\":{\"path\":\"/var/www/b/%s\",\"hash\":{\"sha256\":"
	    "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}},"
	    "%s%s%s%s%s"
	    "\"ronda\":{\"schema\":1,\"site\":\"bontangkota.go.id\",%s"
	    "\"file\":{\"root\":\"/var/www/b\",\"relpath\":\"%s\"%s}}}",
	    ts_s, (unsigned long long)ts, (unsigned long long)(uintptr_t)relpath,
	    markers != NULL ? "alert" : "event", action, relpath,
	    markers != NULL ? "\"rule\":{\"id\":[" : "", ids, markers != NULL ? "],\"category\":[" : "",
	    cats, markers != NULL ? "]}," : "",
	    markers != NULL ? "\"severity\":\"high\"," : "", relpath, extra != NULL ? extra : "");
	assert_int_equal(ronda_cevent_decode(json, strlen(json), 1 << 20, &ev, err, sizeof(err)),
	    RONDA_CEVENT_OK);
	assert_true(ev.file.present);
	ronda_detect_event(f->d, &ev, 0, 1, late);
}

static void
webshell_file_is_critical_and_linkable(void **state)
{
	struct fx *f = *state;
	int i;

	feed_file(f, T0, "file_created", "wp-content/uploads/2026/11/a.php",
	    "file.webshell.eval-decoded:webshell,file.upload.script:upload-script",
	    ",\"families\":[\"alfa\"],\"excerpts\":[{\"rule\":\"x\",\"text\":\"@eval(base64_decode($_POST[1]))\"}]",
	    0);
	i = rec_find(&f->r, "webshell_file");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], RONDA_SEV_CRITICAL);
	assert_string_equal(f->r.key[i], "bontangkota.go.id");
	assert_true(last_has(&f->r, "file_hash="
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
	assert_true(last_has(&f->r, "family=alfa"));
	assert_true(last_has(&f->r, "webshell=/wp-content/uploads/2026/11/a.php"));
	assert_false(last_has_type(&f->r, "ip"));
	assert_non_null(strstr(f->r.last_evidence, "file_created wp-content/uploads/2026/11/a.php"));
	assert_non_null(strstr(f->r.last_evidence, "eval(base64_decode"));
	assert_int_equal(f->r.n, 1);
}

static void
upload_script_alone_is_high(void **state)
{
	struct fx *f = *state;
	int i;

	feed_file(f, T0, "file_created", "images/logo.php", "file.upload.script:upload-script",
	    NULL, 0);
	i = rec_find(&f->r, "webshell_file");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], RONDA_SEV_HIGH);
}

static void
gambling_injection_names_domains(void **state)
{
	struct fx *f = *state;
	int i;

	feed_file(f, T0, "file_modified", "index.php",
	    "file.cloak.ua-googlebot:cloaking,file.gambling.hidden-links:hidden-link",
	    ",\"domains\":[\"slot88gacor.example\",\"bad domain!\",\"togelmaxwin.example\"]", 0);
	i = rec_find(&f->r, "gambling_injection");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], RONDA_SEV_HIGH);
	assert_true(last_has(&f->r, "gambling=slot88gacor.example"));
	assert_true(last_has(&f->r, "gambling=togelmaxwin.example"));
	assert_false(last_has(&f->r, "gambling=bad domain!"));
	assert_int_equal(rec_find(&f->r, "webshell_file"), -1);
	/* A defacement page is its own kind. */
	feed_file(f, T0 + 1000, "file_modified", "index.html", "file.deface.tagline:defacement",
	    NULL, 0);
	assert_true(rec_find(&f->r, "defacement") >= 0);
}

static void
bulk_change_just_below_and_at(void **state)
{
	struct fx *f = *state;
	char p[64];
	int i;

	for (int k = 0; k < 19; k++) {
		snprintf(p, sizeof(p), "wp-includes/f%d.php", k);
		feed_file(f, T0 + k * 1000, "file_modified", p, NULL, NULL, 0);
	}
	/* The same file again is no new one. */
	feed_file(f, T0 + 30000, "file_modified", "wp-includes/f3.php", NULL, NULL, 0);
	assert_int_equal(f->r.n, 0);
	feed_file(f, T0 + 31000, "file_created", "wp-includes/new.php", NULL, NULL, 0);
	i = rec_find(&f->r, "bulk_change");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], RONDA_SEV_LOW);
}

static void
accepted_changes_count_nothing_but_markers_still_do(void **state)
{
	struct fx *f = *state;
	char p[64];

	for (int k = 0; k < 40; k++) {
		snprintf(p, sizeof(p), "wp-admin/f%d.php", k);
		feed_file(f, T0 + k * 100, "file_modified", p, NULL, ",\"accepted\":true", 0);
	}
	assert_int_equal(f->r.n, 0);
	feed_file(f, T0 + 5000, "file_created", "wp-admin/x.php", "file.webshell.wso:webshell",
	    ",\"accepted\":true", 0);
	assert_true(rec_find(&f->r, "webshell_file") >= 0);
}

static void
late_marker_still_opens(void **state)
{
	struct fx *f = *state;

	/* A shell back-dated (touch -d 2019) arrives behind every window. */
	feed_file(f, T0, "file_created", "wp-content/uploads/x.php", "file.webshell.wso:webshell",
	    NULL, 1);
	assert_true(rec_find(&f->r, "webshell_file") >= 0);
}

static void
feed_web(struct fx *f, int64_t ts, const char *ip, const char *ua, const char *path, int status,
    int64_t bytes, const char *cat, const char *cloak)
{
	char json[2048], ts_s[40];
	struct ronda_cevent ev;
	char err[256];
	time_t t = (time_t)(ts / 1000);
	struct tm tm;
	static unsigned n;

	gmtime_r(&t, &tm);
	strftime(ts_s, sizeof(ts_s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(json, sizeof(json),
	    "{\"@timestamp\":\"%s.000Z\",\"event\":{\"id\":\"c%031u\",\"kind\":\"alert\","
	    "\"category\":[\"web\"],\"dataset\":\"web.access\"},"
	    "\"organization\":{\"id\":\"bontangkota.go.id\"},\"source\":{\"ip\":\"%s\"},"
	    "\"url\":{\"path\":\"%s\"},\"http\":{\"request\":{\"method\":\"GET\"},"
	    "\"response\":{\"status_code\":%d,\"body\":{\"bytes\":%lld}}},"
	    "\"user_agent\":{\"original\":\"%s\"},"
	    "\"rule\":{\"id\":[\"web.cloak.%s\"],\"category\":[\"%s\"]},"
	    "\"ronda\":{\"schema\":1%s%s%s}}",
	    ts_s, ++n, ip, path, status, (long long)bytes, ua, cat, cat,
	    cloak != NULL ? ",\"cloak\":{" : "", cloak != NULL ? cloak : "",
	    cloak != NULL ? "}" : "");
	assert_int_equal(ronda_cevent_decode(json, strlen(json), 1 << 20, &ev, err, sizeof(err)),
	    RONDA_CEVENT_OK);
	ronda_detect_event(f->d, &ev, 0, 1, 0);
}

static const char GBOT[] = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

static void
cloaking_bot_answered_unlike_browser(void **state)
{
	struct fx *f = *state;
	int i;

	/* Same answer: nothing. A small size difference: nothing. */
	feed_web(f, T0, "66.249.66.1", GBOT, "/", 200, 15000, "search-bot",
	    "\"browser_status\":200,\"browser_bytes\":14800,\"browser_age_s\":30");
	feed_web(f, T0 + 1000, "66.249.66.1", GBOT, "/berita", 200, 15000, "search-bot",
	    "\"browser_status\":200,\"browser_bytes\":12000,\"browser_age_s\":30");
	assert_int_equal(f->r.n, 0);
	/* 200 with a big page to the bot, 302 to people: once is not yet a case. */
	feed_web(f, T0 + 2000, "66.249.66.1", GBOT, "/", 200, 48000, "search-bot",
	    "\"browser_status\":302,\"browser_bytes\":0,\"browser_age_s\":10");
	assert_int_equal(f->r.n, 0);
	feed_web(f, T0 + 3000, "66.249.66.2", GBOT, "/profil", 200, 51000, "search-bot",
	    "\"browser_status\":200,\"browser_bytes\":14000,\"browser_age_s\":10");
	i = rec_find(&f->r, "cloaking");
	assert_true(i >= 0);
	assert_int_equal(f->r.sev[i], RONDA_SEV_HIGH);
	assert_string_equal(f->r.key[i], "bontangkota.go.id");
	/* Google's address links nothing. */
	assert_false(last_has_type(&f->r, "ip"));
	/* A "Googlebot" from elsewhere checking the cloak keeps its address. */
	feed_web(f, T0 + 4000, "203.0.113.77", GBOT, "/", 200, 48000, "search-bot",
	    "\"browser_status\":302,\"browser_bytes\":0,\"browser_age_s\":5");
	assert_true(last_has(&f->r, "ip=203.0.113.77"));
}

static void
cloaking_not_for_what_crawlers_see_every_day(void **state)
{
	struct fx *f = *state;
	static const struct {
		int status;
		int64_t bytes;
		const char *browser;
	} same[] = {
		{ 503, 48000, "\"browser_status\":200,\"browser_bytes\":21000" },	/* outage */
		{ 200, 48000, "\"browser_status\":502,\"browser_bytes\":300" },
		{ 304, 0, "\"browser_status\":200,\"browser_bytes\":21000" },	/* not modified */
		{ 404, 9000, "\"browser_status\":200,\"browser_bytes\":21000" },	/* gone */
		{ 301, 0, "\"browser_status\":200,\"browser_bytes\":21000" },	/* canonical */
		{ 200, 45000, "\"browser_status\":200,\"browser_bytes\":0" },	/* HEAD, health check */
		{ 200, 27000, "\"browser_status\":200,\"browser_bytes\":18000" },	/* a busier day */
	};
	char path[32];

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
			snprintf(path, sizeof(path), "/berita/%d-%zu", round, i);
			feed_web(f, T0 + (int64_t)(round * 100 + (int)i) * 1000, "66.249.66.1", GBOT,
			    path, same[i].status, same[i].bytes, "search-bot", same[i].browser);
		}
	assert_int_equal(f->r.n, 0);
	/* The htaccess cloak: bots sent away (302), people served. */
	feed_web(f, T0 + 400000, "66.249.66.1", GBOT, "/a", 302, 0, "search-bot",
	    "\"browser_status\":200,\"browser_bytes\":21000");
	feed_web(f, T0 + 401000, "66.249.66.1", GBOT, "/b", 302, 0, "search-bot",
	    "\"browser_status\":200,\"browser_bytes\":21000");
	assert_true(rec_find(&f->r, "cloaking") >= 0);
}

static void
cloaking_search_referrals_redirected(void **state)
{
	struct fx *f = *state;

	feed_web(f, T0, "36.80.1.1", "Mozilla/5.0", "/", 302, 0, "search-redirect", NULL);
	feed_web(f, T0 + 1000, "36.80.1.1", "Mozilla/5.0", "/", 302, 0, "search-redirect", NULL);
	feed_web(f, T0 + 2000, "36.80.1.2", "Mozilla/5.0", "/", 302, 0, "search-redirect", NULL);
	assert_int_equal(f->r.n, 0);
	feed_web(f, T0 + 3000, "36.80.1.3", "Mozilla/5.0", "/", 302, 0, "search-redirect", NULL);
	assert_true(rec_find(&f->r, "cloaking") >= 0);
	assert_false(last_has_type(&f->r, "ip"));
}

static void
bots_file_verdicts_and_errors(void **state)
{
	struct fx *f = *state;
	unsigned char a[16] = { 0 };
	char err[256], path[64];
	FILE *fp;
	int fd;

	assert_int_equal(ronda_bots_count(f->bots), 3);
	a[0] = 66; a[1] = 249; a[2] = 70; a[3] = 9;
	assert_int_equal(ronda_bots_verify(f->bots, GBOT, 4, a), RONDA_BOTS_GENUINE);
	a[2] = 96;	/* 66.249.96.9: past the /19 */
	assert_int_equal(ronda_bots_verify(f->bots, GBOT, 4, a), RONDA_BOTS_FAKE);
	assert_int_equal(ronda_bots_verify(f->bots, "Mozilla/5.0 (Windows NT 10.0)", 4, a),
	    RONDA_BOTS_UNLISTED);
	/* A word, not a substring: "notgooglebotx" names nothing. */
	assert_int_equal(ronda_bots_verify(f->bots, "notgooglebotx/1.0", 4, a),
	    RONDA_BOTS_UNLISTED);
	a[0] = 157; a[1] = 55; a[2] = 39; a[3] = 200;
	assert_int_equal(ronda_bots_verify(f->bots, "Mozilla/5.0 (compatible; bingbot/2.0)", 4, a),
	    RONDA_BOTS_GENUINE);
	assert_int_equal(ronda_bots_verify(f->bots, GBOT, 4, a), RONDA_BOTS_FAKE);
	memset(a, 0, sizeof(a));
	a[0] = 0x20; a[1] = 0x01; a[2] = 0x48; a[3] = 0x60; a[4] = 0x48; a[5] = 0x01;
	a[6] = 0x00; a[7] = 0x10; a[15] = 1;
	assert_int_equal(ronda_bots_verify(f->bots, GBOT, 6, a), RONDA_BOTS_GENUINE);
	assert_int_equal(ronda_bots_verify(NULL, GBOT, 6, a), RONDA_BOTS_UNLISTED);

	snprintf(path, sizeof(path), "/tmp/ronda-bots-bad-XXXXXX");
	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fprintf(fp, "googlebot 66.249.64.0/19\n\ngooglebot 66.249.64.0/33\n");
	fclose(fp);
	assert_null(ronda_bots_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: not an address range"));
	fp = fopen(path, "w");
	fprintf(fp, "googlebot\n");
	fclose(fp);
	assert_null(ronda_bots_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: expected NAME CIDR"));
	unlink(path);
	assert_null(ronda_bots_load(path, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(webshell_file_is_critical_and_linkable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(upload_script_alone_is_high, setup, teardown),
		cmocka_unit_test_setup_teardown(gambling_injection_names_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(bulk_change_just_below_and_at, setup, teardown),
		cmocka_unit_test_setup_teardown(accepted_changes_count_nothing_but_markers_still_do,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(late_marker_still_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(cloaking_bot_answered_unlike_browser, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(cloaking_not_for_what_crawlers_see_every_day, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(cloaking_search_referrals_redirected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(bots_file_verdicts_and_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
