/*
 * test_cloak.c — what a site answered browsers, put on its search-bot lines
 * (ronda.cloak): the comparison itself, event-time ages, the per-site
 * tables, the per-site cap and its evictions, hostile paths, and the object
 * as the pipeline encodes it (and as schemas/event.schema.json describes it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cloak.h"
#include "conf.h"
#include "pipeline.h"
#include "ronda/event.h"
#include "ronda/parse.h"
#include "ronda/rules.h"

#define BROWSER "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " \
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
#define PHONE "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 " \
    "(KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36"
#define GOOGLEBOT "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
#define AHREFS "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"

/* 2026-11-20 15:00:00 UTC: every line's time is T0 plus its offset (s). */
#define T0 INT64_C(1795186800)
#define DAY 86400

/* Line texts outlive their events' slices: one buffer per event in flight. */
static char texts[4][256 * 1024];
static int text_next;

/* A combined-format line at T0 + off seconds. */
static const char *
mkline(int64_t off, const char *method, const char *url, int status, long bytes,
    const char *ua)
{
	char *b = texts[text_next++ % 4], ts[64];
	time_t t = (time_t)(T0 + off);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	snprintf(b, sizeof(texts[0]), "203.0.113.9 - - [%s] \"%s %s HTTP/1.1\" %d %ld \"-\" \"%s\"",
	    ts, method, url, status, bytes, ua);
	return b;
}

/* Parse line into ev; bot: as if a search-bot rule matched it. */
static void
mkevent(struct ronda_event *ev, const char *line, int bot)
{
	ronda_event_reset(ev);
	ev->type = RONDA_EVENT_WEB;
	assert_int_equal(ronda_parse_web(ev, line, strlen(line), RONDA_WEB_COMBINED), 0);
	if (bot) {
		/* Behind a rule of higher severity: the category is what counts. */
		ev->rules[0] = (struct ronda_event_rule){ "web.sqli.x", "x", "sqli", 3 };
		ev->rules[1] = (struct ronda_event_rule){ "t.bot", "bot", "search-bot", 1 };
		ev->nrules = 2;
	}
}

/* Feed a browser line (GET) of site. */
static void
browser(struct ronda_cloak *c, size_t site, int64_t off, const char *url, int status,
    long bytes)
{
	struct ronda_event ev;

	mkevent(&ev, mkline(off, "GET", url, status, bytes, BROWSER), 0);
	ronda_cloak_line(c, site, &ev);
	assert_int_equal(ev.cloak.set, 0);	/* only bot lines carry it */
}

/* Feed a bot line (GET) of site; *ck gets what it carries. */
static void
bot(struct ronda_cloak *c, size_t site, int64_t off, const char *url, int status,
    long bytes, struct ronda_event_cloak *ck)
{
	struct ronda_event ev;

	mkevent(&ev, mkline(off, "GET", url, status, bytes, GOOGLEBOT), 1);
	ronda_cloak_line(c, site, &ev);
	*ck = ev.cloak;
}

static void
test_bot_line_gets_the_browser_answer(void **state)
{
	struct ronda_cloak *c = ronda_cloak_new(1, 0, 7);
	struct ronda_event_cloak ck;

	(void)state;
	assert_non_null(c);
	/* A path no browser asked for: nothing to compare. */
	bot(c, 0, 0, "/profil", 200, 5000, &ck);
	assert_int_equal(ck.set, 0);
	browser(c, 0, 10, "/berita/banjir", 200, 9120);
	bot(c, 0, 255, "/berita/banjir", 200, 38211, &ck);
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_status, 200);
	assert_int_equal(ck.browser_bytes, 9120);
	assert_int_equal(ck.browser_age_s, 245);
	assert_int_equal(ck.bot_status, 0);	/* the first bot answer for this URL */
	/* The query is part of the URL: another page. */
	bot(c, 0, 260, "/berita/banjir?page=2", 200, 38211, &ck);
	assert_int_equal(ck.set, 0);
	/* A redirect for browsers (the cloaker's landing page) is an answer too. */
	browser(c, 0, 300, "/", 302, 0);
	bot(c, 0, 900, "/", 200, 41000, &ck);
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_status, 302);
	assert_int_equal(ck.browser_bytes, 0);
	assert_int_equal(ck.browser_age_s, 600);
	assert_int_equal(ronda_cloak_stats(c)->attached, 2);
	assert_int_equal(ronda_cloak_stats(c)->browser, 2);
	assert_int_equal(ronda_cloak_stats(c)->bot, 4);
	assert_int_equal(ronda_cloak_stats(c)->sites, 1);
	ronda_cloak_free(c);
}

/*
 * A bot line that came before any browser line is compared when the next
 * bot line comes: that one carries the browser answer and the earlier bot
 * answer (bot_*).
 */
static void
test_earlier_bot_answer_travels_with_the_next_bot_line(void **state)
{
	struct ronda_cloak *c = ronda_cloak_new(1, 0, 7);
	struct ronda_event_cloak ck;

	(void)state;
	bot(c, 0, 0, "/index.php", 200, 38211, &ck);
	assert_int_equal(ck.set, 0);
	browser(c, 0, 60, "/index.php", 200, 9000);
	bot(c, 0, 3600, "/index.php", 200, 38300, &ck);
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_status, 200);
	assert_int_equal(ck.browser_bytes, 9000);
	assert_int_equal(ck.browser_age_s, 3540);
	assert_int_equal(ck.bot_status, 200);
	assert_int_equal(ck.bot_bytes, 38211);
	assert_int_equal(ck.bot_age_s, 3600);
	/* The next one sees the one before it. */
	bot(c, 0, 3700, "/index.php", 200, 38400, &ck);
	assert_int_equal(ck.bot_bytes, 38300);
	assert_int_equal(ck.bot_age_s, 100);
	ronda_cloak_free(c);
}

/* Ages are event time: 0 to a day; the newest answer is kept. */
static void
test_age_is_event_time_and_capped_at_a_day(void **state)
{
	struct ronda_cloak *c = ronda_cloak_new(1, 0, 7);
	struct ronda_event_cloak ck;

	(void)state;
	browser(c, 0, 0, "/a", 200, 100);
	bot(c, 0, DAY, "/a", 200, 100, &ck);	/* exactly a day */
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_age_s, DAY);
	browser(c, 0, 0, "/b", 200, 100);
	bot(c, 0, DAY + 1, "/b", 200, 100, &ck);	/* a second more */
	assert_int_equal(ck.set, 0);
	/* The browser line later in event time (files read out of order): not compared. */
	browser(c, 0, 5000, "/c", 200, 700);
	bot(c, 0, 4000, "/c", 200, 900, &ck);
	assert_int_equal(ck.set, 0);
	/* An older answer read later does not replace the newer one. */
	browser(c, 0, 100, "/c", 500, 10);
	bot(c, 0, 6000, "/c", 200, 900, &ck);
	assert_int_equal(ck.browser_status, 200);
	assert_int_equal(ck.browser_bytes, 700);
	assert_int_equal(ck.browser_age_s, 1000);
	/* The previous bot answer too: the newest (4000), not the last read. */
	assert_int_equal(ck.bot_age_s, 2000);
	/* Milliseconds of event time are kept: 1.5 s reads as 1. */
	{
		struct ronda_event ev;
		browser(c, 0, 7000, "/d", 200, 1);
		mkevent(&ev, mkline(7001, "GET", "/d", 200, 1, GOOGLEBOT), 1);
		ev.ts_ms += 500;
		ronda_cloak_line(c, 0, &ev);
		assert_int_equal(ev.cloak.browser_age_s, 1);
	}
	ronda_cloak_free(c);
}

/* Sites are separate tables; a slot out of range is ignored. */
static void
test_sites_are_separate(void **state)
{
	struct ronda_cloak *c = ronda_cloak_new(3, 0, 7);
	struct ronda_event_cloak ck;
	struct ronda_event ev;

	(void)state;
	browser(c, 0, 0, "/", 200, 1000);
	bot(c, 1, 10, "/", 200, 5000, &ck);
	assert_int_equal(ck.set, 0);
	browser(c, 1, 20, "/", 302, 0);
	bot(c, 1, 30, "/", 200, 5000, &ck);
	assert_int_equal(ck.browser_status, 302);
	bot(c, 0, 40, "/", 200, 5000, &ck);
	assert_int_equal(ck.browser_status, 200);
	assert_int_equal(ck.browser_bytes, 1000);
	assert_int_equal(ronda_cloak_stats(c)->sites, 2);	/* slot 2 never allocated */
	mkevent(&ev, mkline(50, "GET", "/", 200, 1, GOOGLEBOT), 1);
	ronda_cloak_line(c, 3, &ev);
	ronda_cloak_line(NULL, 0, &ev);
	assert_int_equal(ev.cloak.set, 0);
	ronda_cloak_free(c);
	ronda_cloak_free(NULL);
}

/* The cap: least recently seen URLs go first, each counted. */
static void
test_cap_evicts_least_recently_seen(void **state)
{
	struct ronda_cloak *c = ronda_cloak_new(1, 4, 7);
	struct ronda_event_cloak ck;
	char url[64];

	(void)state;
	for (int i = 1; i <= 4; i++) {
		snprintf(url, sizeof(url), "/p%d", i);
		browser(c, 0, i, url, 200, 100 * i);
	}
	assert_int_equal(ronda_cloak_stats(c)->evictions, 0);
	browser(c, 0, 10, "/p1", 200, 111);	/* /p1 seen again: /p2 is now the oldest */
	browser(c, 0, 11, "/p5", 200, 500);
	assert_int_equal(ronda_cloak_stats(c)->evictions, 1);
	bot(c, 0, 20, "/p2", 200, 1, &ck);	/* gone; the bot line takes its place... */
	assert_int_equal(ck.set, 0);
	assert_int_equal(ronda_cloak_stats(c)->evictions, 2);	/* ...pushing /p3 out */
	bot(c, 0, 21, "/p3", 200, 1, &ck);
	assert_int_equal(ck.set, 0);
	assert_int_equal(ronda_cloak_stats(c)->evictions, 3);	/* and /p4 */
	bot(c, 0, 22, "/p1", 200, 1, &ck);
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_bytes, 111);
	bot(c, 0, 23, "/p5", 200, 1, &ck);
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_bytes, 500);
	/* Thousands more: the table stays at its cap, every push-out counted. */
	for (int i = 0; i < 5000; i++) {
		snprintf(url, sizeof(url), "/q%d", i);
		browser(c, 0, 100 + i, url, 200, i);
	}
	assert_int_equal(ronda_cloak_stats(c)->evictions, 3 + 5000);
	bot(c, 0, 6000, "/q4999", 200, 1, &ck);
	assert_int_equal(ck.browser_bytes, 4999);
	bot(c, 0, 6000, "/q4995", 200, 1, &ck);
	assert_int_equal(ck.set, 0);
	ronda_cloak_free(c);
}

/* What is not an answer to compare, and what a 4xx may do. */
static void
test_what_is_recorded(void **state)
{
	struct ronda_cloak *c = ronda_cloak_new(1, 0, 7);
	struct ronda_event_cloak ck;
	struct ronda_event ev;
	static const struct {
		const char *method, *url, *ua;
		int status;
	} ignored[] = {
		{ "POST", "/x1", BROWSER, 200 },	/* not a read */
		{ "GET", "/x2", BROWSER, 304 },		/* not modified: says nothing of the page */
		{ "GET", "/x3", BROWSER, 206 },		/* a part */
		{ "GET", "/x4.css", BROWSER, 200 },	/* assets are not cloaked */
		{ "GET", "/x5.JPG", BROWSER, 200 },
		{ "GET", "/x6", AHREFS, 200 },		/* another crawler is not a browser */
		{ "GET", "/x7", "curl/8.4.0", 200 },
		{ "GET", "/x8", "-", 200 },
		{ "GET", "/x9", "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0 Safari/537.36", 200 },
		{ "GET", "/x10", "Mozilla/5.0 (compatible; Google-Site-Verification/1.0)", 200 },
		{ "GET", "/x11", "Mozilla/5.0 (compatible; SemrushBOT/7~bl; +http://www.semrush.com/bot.html)", 200 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		mkevent(&ev, mkline(0, ignored[i].method, ignored[i].url, ignored[i].status, 100,
		    ignored[i].ua), 0);
		ronda_cloak_line(c, 0, &ev);
		mkevent(&ev, mkline(10, "GET", ignored[i].url, 200, 100, GOOGLEBOT), 1);
		ronda_cloak_line(c, 0, &ev);
		if (ev.cloak.set)
			fail_msg("recorded as a browser answer: %s %s %d %s", ignored[i].method,
			    ignored[i].url, ignored[i].status, ignored[i].ua);
	}
	assert_int_equal(ronda_cloak_stats(c)->browser, 0);
	/* A bot's 304 is neither compared nor kept. */
	browser(c, 0, 0, "/y", 200, 100);
	mkevent(&ev, mkline(5, "GET", "/y", 304, 0, GOOGLEBOT), 1);
	ronda_cloak_line(c, 0, &ev);
	assert_int_equal(ev.cloak.set, 0);
	/* A phone is a browser; HEAD gives a status, no size. */
	mkevent(&ev, mkline(20, "HEAD", "/y", 200, 0, PHONE), 0);
	ronda_cloak_line(c, 0, &ev);
	bot(c, 0, 30, "/y", 200, 100, &ck);
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_status, 200);
	assert_int_equal(ck.browser_bytes, -1);
	assert_int_equal(ck.bot_status, 0);	/* the 304 was not kept */
	/* A 404 never adds a URL (a scanner's thousands would flush the pages)... */
	browser(c, 0, 40, "/z", 404, 150);
	bot(c, 0, 50, "/z", 200, 38000, &ck);
	assert_int_equal(ck.set, 0);
	/* ...but updates one already known. */
	browser(c, 0, 60, "/z", 404, 150);
	bot(c, 0, 70, "/z", 200, 38000, &ck);
	assert_int_equal(ck.set, 1);
	assert_int_equal(ck.browser_status, 404);
	bot(c, 0, 80, "/nope", 404, 150, &ck);	/* a bot's 404 adds none either */
	browser(c, 0, 90, "/nope", 200, 150);
	assert_int_equal(ronda_cloak_stats(c)->evictions, 0);
	ronda_cloak_free(c);
}

/*
 * Hostile paths: long, NUL bytes, near-identical; the key is hashed, never
 * kept, so memory does not grow with the path; distinct paths stay
 * distinct. The outcome does not depend on the seed.
 */
static void
run_hostile(uint64_t seed, char *out, size_t outlen)
{
	static char path[200 * 1024];
	struct ronda_cloak *c = ronda_cloak_new(1, 64, seed);
	struct ronda_event ev;
	size_t o = 0;

	assert_non_null(c);
	for (int round = 0; round < 2; round++) {
		/* Browsers 0..99, then bots 99..0: the newest answers are asked first. */
		for (int k = 0; k < 100; k++) {
			int i = round == 0 ? k : 99 - k;
			size_t n = (size_t)(i % 3 == 0 ? 150000 : 1 + i * 7);
			ronda_event_reset(&ev);
			ev.type = RONDA_EVENT_WEB;
			memset(path, 'a', n);
			path[0] = '/';
			path[n - 1] = (char)i;	/* the last byte tells them apart, NUL included */
			if (i % 5 == 0 && n > 2)
				path[n / 2] = '\0';
			ev.path = (struct ronda_str){ path, n };
			ev.method = RONDA_STR_LIT("GET");
			ev.user_agent = round == 0 ? RONDA_STR_LIT(BROWSER) : RONDA_STR_LIT(GOOGLEBOT);
			ev.status = 200;
			ev.bytes = i;
			ev.ts_ms = (T0 + round * 100 + i) * 1000;
			if (round == 1) {
				ev.rules[0] = (struct ronda_event_rule){ "t.bot", "bot", "search-bot", 1 };
				ev.nrules = 1;
			}
			ronda_cloak_line(c, 0, &ev);
			if (round == 1)
				o += (size_t)snprintf(out + o, outlen - o, "%d:%d,%lld ", i, ev.cloak.set,
				    (long long)(ev.cloak.set ? ev.cloak.browser_bytes : -2));
		}
	}
	/*
	 * 64 kept of 100: the browser answers of 36..99 find their bot lines;
	 * the bot lines of 35..0 find none and take places (36 more out).
	 */
	assert_int_equal(ronda_cloak_stats(c)->evictions, 36 + 36);
	ronda_cloak_free(c);
}

static void
test_hostile_paths(void **state)
{
	static char a[8192], b[8192];

	(void)state;
	run_hostile(1, a, sizeof(a));
	run_hostile(0x123456789abcdefULL, b, sizeof(b));
	assert_string_equal(a, b);
	/* Each path found its own answer (bytes = its number), or none. */
	assert_non_null(strstr(a, "99:1,99 "));
	assert_non_null(strstr(a, "72:1,72 "));
	assert_non_null(strstr(a, "36:1,36 "));
	assert_non_null(strstr(a, "35:0,-2 "));
	assert_non_null(strstr(a, " 0:0,-2 "));
	for (int i = 36; i < 100; i++) {
		char want[32];
		snprintf(want, sizeof(want), " %d:1,%d ", i, i);
		if (strstr(a, want) == NULL && !(i == 99 && strncmp(a, want + 1, strlen(want) - 1) == 0))
			fail_msg("path %d lost its answer: %s", i, a);
	}
}

/*
 * ronda.cloak as the encoder writes it, both ways: after reserving an upper
 * bound (every number at its longest must fit it), and piece by piece at
 * the buffer's cap (a cap of exactly the length forces that way), the same
 * bytes; a byte less is refused.
 */
static void
test_encoded_both_ways(void **state)
{
	struct ronda_event ev;
	struct ronda_buf b, c;
	cJSON *j;

	(void)state;
	mkevent(&ev, mkline(0, "GET", "/", 200, 5, GOOGLEBOT), 1);
	ev.site = "bontangkota.go.id";
	ev.cloak = (struct ronda_event_cloak){ 1, 999, INT64_MAX, INT64_MAX, 999, INT64_MAX,
	    INT64_MIN };
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_event_to_json(&ev, &b), 0);
	assert_non_null(strstr(b.data, "\"cloak\":{\"browser_status\":999,"
	    "\"browser_bytes\":9223372036854775807,\"browser_age_s\":9223372036854775807,"
	    "\"bot_status\":999,\"bot_bytes\":9223372036854775807,"
	    "\"bot_age_s\":-9223372036854775808}"));
	for (size_t cap = b.len - 1; cap <= b.len; cap++) {
		ronda_buf_init(&c, cap);
		if (cap == b.len) {
			assert_int_equal(ronda_event_to_json(&ev, &c), 0);
			assert_int_equal(c.len, b.len);
			assert_memory_equal(c.data, b.data, b.len);
		} else {
			assert_int_equal(ronda_event_to_json(&ev, &c), -1);
		}
		ronda_buf_release(&c);
	}
	/* Unknown sizes stay out; so does the bot part without a bot answer. */
	ev.cloak = (struct ronda_event_cloak){ 1, 302, -1, 0, 0, 0, 0 };
	ronda_buf_reset(&b);
	assert_int_equal(ronda_event_to_json(&ev, &b), 0);
	assert_non_null(j = cJSON_Parse(b.data));
	{
		char *o = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ronda"),
		    "cloak"));
		assert_non_null(o);
		assert_string_equal(o, "{\"browser_status\":302,\"browser_age_s\":0}");
		free(o);
	}
	cJSON_Delete(j);
	/* No object at all on a line without one. */
	ev.cloak.set = 0;
	ronda_buf_reset(&b);
	assert_int_equal(ronda_event_to_json(&ev, &b), 0);
	assert_null(strstr(b.data, "cloak"));
	ronda_buf_release(&b);
}

/* ---- through the pipeline, with the shipped rules -------------------- */

static struct ronda_collector_input inputs[3];
static struct ronda_collector_config cfg;

static struct ronda_ruleset *
load_cloaking_rules(void)
{
	struct ronda_cfg_errors errs = { 0 };
	const char *src = getenv("RONDA_SRC");
	char path[1024];
	char *v[1] = { path };
	struct ronda_strlist paths = { v, 1 };
	struct ronda_ruleset *rs;

	snprintf(path, sizeof(path), "%s/rules/web-cloaking.yaml", src ? src : ".");
	rs = ronda_rules_load(&paths, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	ronda_cfg_errors_free(&errs);
	return rs;
}

static int
feed(struct ronda_pipeline *p, size_t idx, uint64_t off, const char *text,
    struct ronda_buf *out, cJSON **ev)
{
	struct ronda_pipeline_line l;
	struct ronda_str key;
	int rc;

	memset(&l, 0, sizeof(l));
	l.p = text;
	l.n = strlen(text);
	l.path = "/var/log/nginx/access.log";
	l.dev = 8;
	l.ino = 100 + idx;
	l.fp = 7;
	l.offset = off;
	ronda_buf_reset(out);
	rc = ronda_pipeline_line(p, idx, &l, INT64_C(1795000000000), 0, out, &key);
	*ev = rc == 1 ? cJSON_Parse(out->data) : NULL;
	return rc;
}

static const cJSON *
jpath(const cJSON *j, const char *a, const char *b, const char *c)
{
	j = cJSON_GetObjectItem(j, a);
	if (b != NULL)
		j = cJSON_GetObjectItem(j, b);
	if (c != NULL)
		j = cJSON_GetObjectItem(j, c);
	return j;
}

static void
test_pipeline_puts_ronda_cloak_on_bot_lines(void **state)
{
	struct ronda_ruleset *rs = load_cloaking_rules();
	struct ronda_pipeline *p;
	struct ronda_buf out;
	char evpath[] = "/tmp/ronda-test-cloak.XXXXXX";
	FILE *f;
	cJSON *j;
	int fd;

	(void)state;
	assert_non_null(rs);
	memset(inputs, 0, sizeof(inputs));
	memset(&cfg, 0, sizeof(cfg));
	/* Two sites; the third input is another file of the first site. */
	inputs[0].type = inputs[1].type = inputs[2].type = RONDA_INPUT_WEB;
	inputs[0].web_format = inputs[1].web_format = inputs[2].web_format = RONDA_WEB_COMBINED;
	inputs[0].site_id = inputs[2].site_id = "bontangkota.go.id";
	inputs[1].site_id = "kutaitimurkab.go.id";
	cfg.inputs.v = inputs;
	cfg.inputs.n = 3;
	cfg.host_name = "web1";
	cfg.forward = RONDA_FORWARD_EVENTS;
	assert_non_null(p = ronda_pipeline_new(&cfg, rs, NULL));
	ronda_buf_init(&out, 0);
	assert_true((fd = mkstemp(evpath)) != -1);
	assert_non_null(f = fdopen(fd, "w"));

	/* A browser line: no rule, not forwarded, but remembered. */
	assert_int_equal(feed(p, 0, 0, mkline(0, "GET", "/berita/banjir", 200, 9120, BROWSER),
	    &out, &j), 0);
	/* Googlebot on the same site, through its other file. */
	assert_int_equal(feed(p, 2, 0, mkline(245, "GET", "/berita/banjir", 200, 38211,
	    GOOGLEBOT), &out, &j), 1);
	assert_non_null(j);
	fprintf(f, "%s\n", out.data);
	assert_string_equal(cJSON_GetArrayItem(jpath(j, "rule", "category", NULL), 0)->valuestring,
	    "search-bot");
	assert_string_equal(jpath(j, "ronda", "severity", NULL)->valuestring, "low");
	assert_int_equal(jpath(j, "ronda", "cloak", "browser_status")->valueint, 200);
	assert_int_equal(jpath(j, "ronda", "cloak", "browser_bytes")->valueint, 9120);
	assert_int_equal(jpath(j, "ronda", "cloak", "browser_age_s")->valueint, 245);
	assert_null(jpath(j, "ronda", "cloak", "bot_status"));
	cJSON_Delete(j);
	/*
	 * The other site knows nothing of that URL: nothing to compare, so the
	 * crawler's line stays home (the aggregates count it); so does one
	 * answered like the browser was.
	 */
	assert_int_equal(feed(p, 1, 0, mkline(300, "GET", "/berita/banjir", 200, 38211,
	    GOOGLEBOT), &out, &j), 0);
	assert_int_equal(feed(p, 0, 0, mkline(310, "GET", "/profil", 200, 21000, BROWSER), &out,
	    &j), 0);
	assert_int_equal(feed(p, 0, 0, mkline(320, "GET", "/profil", 200, 22500, GOOGLEBOT), &out,
	    &j), 0);
	assert_int_equal(feed(p, 0, 0, mkline(330, "GET", "/profil", 503, 900, GOOGLEBOT), &out,
	    &j), 0);
	/* A search referral redirected: forwarded by its own rule, no comparison. */
	{
		char line[512];
		snprintf(line, sizeof(line), "114.125.10.7 - - [20/Nov/2026:15:10:00 +0000] "
		    "\"GET / HTTP/1.1\" 302 0 \"https://www.google.co.id/\" \"%s\"", PHONE);
		assert_int_equal(feed(p, 0, 500, line, &out, &j), 1);
		fprintf(f, "%s\n", out.data);
		assert_string_equal(cJSON_GetArrayItem(jpath(j, "rule", "id", NULL), 0)->valuestring,
		    "web.cloak.search-referral-redirect");
		assert_null(jpath(j, "ronda", "cloak", NULL));
		cJSON_Delete(j);
	}
	/* Googlebot on "/" now sees the browser's 302, and later its own earlier answer. */
	assert_int_equal(feed(p, 0, 700, mkline(1200, "GET", "/", 200, 41000, GOOGLEBOT), &out,
	    &j), 1);
	fprintf(f, "%s\n", out.data);
	assert_int_equal(jpath(j, "ronda", "cloak", "browser_status")->valueint, 302);
	assert_int_equal(jpath(j, "ronda", "cloak", "browser_age_s")->valueint, 600);
	cJSON_Delete(j);
	assert_int_equal(feed(p, 0, 900, mkline(1300, "HEAD", "/", 200, 0, GOOGLEBOT), &out,
	    &j), 1);
	fprintf(f, "%s\n", out.data);
	assert_int_equal(jpath(j, "ronda", "cloak", "bot_status")->valueint, 200);
	assert_int_equal(jpath(j, "ronda", "cloak", "bot_age_s")->valueint, 100);
	/* A HEAD line's size is no body's: no sizes to compare it with. */
	assert_null(jpath(j, "ronda", "cloak", "bot_bytes"));
	assert_null(jpath(j, "ronda", "cloak", "browser_bytes"));
	assert_int_equal(jpath(j, "ronda", "cloak", "browser_status")->valueint, 302);
	cJSON_Delete(j);
	fclose(f);

	/* /berita/banjir, / twice, /profil twice (those two not sent). */
	assert_int_equal(ronda_pipeline_cloak_stats(p)->attached, 5);
	assert_int_equal(ronda_pipeline_cloak_stats(p)->browser, 3);
	assert_int_equal(ronda_pipeline_cloak_stats(p)->sites, 2);

	/* The events as encoded validate against schemas/event.schema.json. */
	if (access("/usr/bin/python3", X_OK) == 0 &&
	    system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") == 0) {
		const char *src = getenv("RONDA_SRC") ? getenv("RONDA_SRC") : ".";
		char cmd[4096];
		snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/e2e/check_events.py' "
		    "--full --schema '%s/schemas/event.schema.json' --expect-count 4 '%s'", src, src,
		    evpath);
		assert_int_equal(system(cmd), 0);
	}
	unlink(evpath);
	ronda_buf_release(&out);
	ronda_pipeline_free(p);
	ronda_rules_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bot_line_gets_the_browser_answer),
		cmocka_unit_test(test_earlier_bot_answer_travels_with_the_next_bot_line),
		cmocka_unit_test(test_age_is_event_time_and_capped_at_a_day),
		cmocka_unit_test(test_sites_are_separate),
		cmocka_unit_test(test_cap_evicts_least_recently_seen),
		cmocka_unit_test(test_what_is_recorded),
		cmocka_unit_test(test_hostile_paths),
		cmocka_unit_test(test_encoded_both_ways),
		cmocka_unit_test(test_pipeline_puts_ronda_cloak_on_bot_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
