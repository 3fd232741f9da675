/*
 * test_pipeline.c — the time of a line: its own; else the previous timed
 * line's of the same file (time_guessed); else set aside and counted, never
 * the wall clock. The year of RFC 3164 lines follows the file's time.
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

#include "agg.h"
#include "conf.h"
#include "pipeline.h"
#include "ronda/rules.h"
#include "ronda/timeutil.h"

#define MIN 60000LL
#define WALL (1795000000000LL)	/* the collector's clock: never an event's time */

static struct ronda_collector_input inputs[2];
static struct ronda_collector_config cfg;

struct aggs {
	int n;
	int64_t ts[16];
	int requests[16];
};

static void
on_emit(void *arg, const struct ronda_event *ev)
{
	struct aggs *s = arg;
	cJSON *j, *m;
	struct ronda_buf b;

	if (strcmp(ev->dataset, "ronda.aggregate") != 0)
		return;
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_event_to_json(ev, &b), 0);
	j = cJSON_Parse(b.data);
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ronda"), "metrics");
	assert_true(s->n < 16);
	s->ts[s->n] = ev->ts_ms;
	s->requests[s->n] = cJSON_GetObjectItem(m, "requests")->valueint;
	s->n++;
	cJSON_Delete(j);
	ronda_buf_release(&b);
}

struct fixture {
	struct ronda_pipeline *p;
	struct ronda_agg *agg;
	struct aggs aggs;
	struct ronda_buf out;
	cJSON *last;		/* the last event encoded */
	struct ronda_ruleset *rules;	/* decoders only */
};

/* The one auth decoder these tests need: sshd's failed password. */
static const char decoders[] =
    "decoders:\n"
    "  - id: t.sshd-failed\n"
    "    programs: [sshd]\n"
    "    action: ssh_login_failed\n"
    "    outcome: failure\n"
    "    pattern: '^Failed (?P<method>\\S+) for (?:invalid user )?(?P<user>.*) from "
    "(?P<src>\\S+) port (?P<port>\\d+)(?: ssh2)?$'\n"
    "    tests:\n"
    "      match: ['Nov 18 10:00:00 web01 sshd[9]: Failed password for root from "
    "198.51.100.7 port 22 ssh2']\n";

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ronda_agg_ops ops = { on_emit, NULL };

	assert_non_null(f);
	memset(inputs, 0, sizeof(inputs));
	memset(&cfg, 0, sizeof(cfg));
	inputs[0].type = RONDA_INPUT_WEB;
	inputs[0].site_id = "bontangkota.go.id";
	inputs[1].type = RONDA_INPUT_AUTH;
	inputs[1].site_id = "bontangkota.go.id";
	cfg.inputs.v = inputs;
	cfg.inputs.n = 2;
	cfg.aggregate_interval = MIN;
	cfg.host_name = "web1";
	cfg.forward = RONDA_FORWARD_EVENTS;
	f->agg = ronda_agg_new(&cfg, &ops, &f->aggs);
	{
		struct ronda_cfg_errors errs = { 0 };
		f->rules = ronda_rules_load_string("decoders.yaml", decoders,
		    sizeof(decoders) - 1, &errs);
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		ronda_cfg_errors_free(&errs);
		assert_non_null(f->rules);
	}
	f->p = ronda_pipeline_new(&cfg, f->rules, f->agg);
	assert_non_null(f->agg);
	assert_non_null(f->p);
	ronda_buf_init(&f->out, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	cJSON_Delete(f->last);
	ronda_pipeline_free(f->p);
	ronda_rules_free(f->rules);
	ronda_agg_free(f->agg);
	ronda_buf_release(&f->out);
	free(f);
	return 0;
}

/* Feed one line of input idx from file ino; returns what the pipeline did. */
static int
line(struct fixture *f, size_t idx, uint64_t ino, const char *text, int64_t mtime,
    int force)
{
	struct ronda_pipeline_line l;
	struct ronda_str key;
	int rc;

	memset(&l, 0, sizeof(l));
	l.p = text;
	l.n = strlen(text);
	l.path = "/var/log/x";
	l.dev = 8;
	l.ino = ino;
	l.fp = ino * 31;
	l.mtime_ms = mtime;
	ronda_buf_reset(&f->out);
	rc = ronda_pipeline_line(f->p, idx, &l, WALL, force, &f->out, &key);
	cJSON_Delete(f->last);
	f->last = rc == 1 ? cJSON_Parse(f->out.data) : NULL;
	if (rc == 1)
		assert_non_null(f->last);
	return rc;
}

static int
guessed(const cJSON *ev)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "ronda"),
	    "time_guessed"));
}

#define WEB(t) "203.0.113.9 - - [" t " +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\""

/* 2025-11-20 15:00:10 UTC */
#define T1 (1763650810000LL)

static void
test_untimed_line_takes_the_previous_line_time(void **state)
{
	struct fixture *f = *state;
	const struct ronda_event *ev;

	assert_int_equal(line(f, 0, 100, WEB("20/Nov/2025:15:00:10"), 0, 0), 0);
	/* Garbage: a parse error, so forwarded, at the time of the line before it. */
	assert_int_equal(line(f, 0, 100, "\x16\x03\x01 garbage", 0, 0), 1);
	ev = ronda_pipeline_event(f->p);
	assert_int_equal(ev->ts_ms, T1);
	assert_true(ev->flags & RONDA_EVENT_TS_GUESSED);
	assert_true(guessed(f->last));
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2025-11-20T15:00:10.000Z");
	assert_int_equal(ronda_pipeline_stats(f->p)->untimed, 0);
	/* Both went into the aggregate of their minute; no wall clock anywhere. */
	ronda_agg_flush(f->agg);
	assert_int_equal(f->aggs.n, 1);
	assert_int_equal(f->aggs.ts[0], T1 - 10000);
	assert_int_equal(f->aggs.requests[0], 2);
}

static void
test_untimed_first_line_is_set_aside(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(line(f, 0, 100, "garbage before any time", 0, 0), 0);
	assert_int_equal(ronda_pipeline_stats(f->p)->untimed, 1);
	assert_int_equal(ronda_pipeline_stats(f->p)->forwarded, 0);
	assert_int_equal(ronda_pipeline_stats(f->p)->filtered, 0);
	/* Another file of the same input knows no time for it either. */
	assert_int_equal(line(f, 0, 100, WEB("20/Nov/2025:15:00:10"), 0, 0), 0);
	assert_int_equal(line(f, 0, 200, "garbage of another file", 0, 0), 0);
	assert_int_equal(ronda_pipeline_stats(f->p)->untimed, 2);
	/* Not aggregated: only the timed line counts. */
	ronda_agg_flush(f->agg);
	assert_int_equal(f->aggs.n, 1);
	assert_int_equal(f->aggs.requests[0], 1);
	/* --explain (force) still shows it, with no time rather than today's. */
	assert_int_equal(line(f, 0, 300, "garbage explained", 0, 1), 1);
	assert_true(guessed(f->last));
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "1970-01-01T00:00:00.000Z");
	assert_int_equal(ronda_pipeline_stats(f->p)->untimed, 3);
}

/*
 * A backlog of a glob input reads its files in turns (access.log.1, then
 * access.log, then access.log.1 again): a line without a time takes its own
 * file's last time, not the other file's.
 */
static void
test_untimed_line_follows_its_own_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(line(f, 0, 1, WEB("19/Nov/2025:06:00:00"), 0, 0), 0);
	assert_int_equal(line(f, 0, 2, WEB("20/Nov/2025:15:00:10"), 0, 0), 0);
	for (uint64_t ino = 3; ino < 5; ino++)	/* four files: all remembered */
		assert_int_equal(line(f, 0, ino, WEB("20/Nov/2025:16:00:00"), 0, 0), 0);
	assert_int_equal(line(f, 0, 1, "garbage", 0, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2025-11-19T06:00:00.000Z");
	assert_int_equal(line(f, 0, 2, "garbage", 0, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2025-11-20T15:00:10.000Z");
	/* Inputs apart: the auth input has no time yet. */
	assert_int_equal(line(f, 1, 2, "garbage", 0, 0), 0);
	assert_int_equal(ronda_pipeline_stats(f->p)->untimed, 1);
}

/*
 * Ten ssh failures with a line without a time in the middle: the line
 * keeps the time of the failure before it, so time does not jump (it used
 * to take the wall clock, and the failures after it came late).
 */
static void
test_garbage_in_bruteforce_keeps_time(void **state)
{
	struct fixture *f = *state;
	char buf[256];
	int64_t prev = 0;
	int64_t mtime = 1795000000000LL;	/* the file was last written in Nov 2026 */

	for (int i = 0; i < 11; i++) {
		const struct ronda_event *ev;
		if (i == 5) {
			assert_int_equal(line(f, 1, 7, "\x01\x02 not syslog", mtime, 0), 1);
		} else {
			snprintf(buf, sizeof(buf), "Nov 18 10:00:%02d web01 sshd[9]: Failed "
			    "password for root from 198.51.100.7 port 22 ssh2", i);
			assert_int_equal(line(f, 1, 7, buf, mtime, 0), 1);
		}
		ev = ronda_pipeline_event(f->p);
		assert_true(ev->ts_ms >= prev);
		assert_true(ev->ts_ms < mtime);
		prev = ev->ts_ms;
	}
	assert_int_equal(ronda_pipeline_stats(f->p)->untimed, 0);
	assert_int_equal(ronda_pipeline_stats(f->p)->parse_errors, 1);
}

static void
test_syslog_year_from_file_time(void **state)
{
	struct fixture *f = *state;
	static const char l[] = "Jun  5 08:00:01 web01 sshd[1]: Failed password for "
	    "root from 198.51.100.7 port 22 ssh2";

	/* A file last written on 5 June 2028, read today. */
	assert_int_equal(line(f, 1, 7, l, ronda_timegm(2028, 6, 5, 8, 30, 0) * 1000, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2028-06-05T08:00:01.000Z");
	/* One last written in April 2025: the June before it. */
	assert_int_equal(line(f, 1, 8, l, ronda_timegm(2025, 4, 1, 0, 0, 0) * 1000, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2024-06-05T08:00:01.000Z");
	/* No file time (a pipe): the wall clock's year (18 Nov 2026) is all there is. */
	assert_int_equal(line(f, 1, 9, l, 0, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2026-06-05T08:00:01.000Z");
}

/*
 * Once a file has given a year, its own newest time is the reference: a
 * moment when its mtime is today's (a replay stamps the file with the log's
 * time after each write; between the two the write's stamp shows) does not
 * move its lines a year, nor does one forged line of another month.
 */
static void
test_syslog_year_follows_the_file_lines(void **state)
{
	struct fixture *f = *state;
	int64_t apr2025 = ronda_timegm(2025, 4, 1, 0, 10, 0) * 1000;
	int64_t today = ronda_timegm(2026, 12, 5, 19, 0, 0) * 1000;

	assert_int_equal(line(f, 1, 7, "Apr  1 00:00:01 web01 sshd[1]: Failed password for "
	    "root from 198.51.100.7 port 22 ssh2", apr2025, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2025-04-01T00:00:01.000Z");
	assert_int_equal(line(f, 1, 7, "Apr  1 00:00:02 web01 sshd[1]: Failed password for "
	    "root from 198.51.100.7 port 22 ssh2", today, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2025-04-01T00:00:02.000Z");
	/* A forged line of December: last year's; the next line stays in 2025. */
	assert_int_equal(line(f, 1, 7, "Dec 30 00:00:00 web01 sshd[1]: Failed password for "
	    "root from 198.51.100.7 port 22 ssh2", today, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2024-12-30T00:00:00.000Z");
	assert_int_equal(line(f, 1, 7, "Apr  1 00:00:03 web01 sshd[1]: Failed password for "
	    "root from 198.51.100.7 port 22 ssh2", today, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2025-04-01T00:00:03.000Z");
}

/*
 * A file being written as it is read (its mtime is now) gives its first
 * line the year of the site's web log, which carries one: a replay of 2025
 * read in 2026 (WALL is 18 Nov 2026) keeps 2025 though the replay's stamp
 * lost the race with its write. An old file's mtime still wins.
 */
static void
test_syslog_year_of_a_live_file_from_the_web_log(void **state)
{
	struct fixture *f = *state;
	static const char l[] = "Apr  1 00:00:01 web01 sshd[1]: Failed password for "
	    "root from 198.51.100.7 port 22 ssh2";

	assert_int_equal(line(f, 0, 3, "198.51.100.7 - - [01/Apr/2025:00:00:00 +0000] "
	    "\"GET / HTTP/1.1\" 200 10 \"-\" \"x\"", WALL, 1), 1);
	assert_int_equal(line(f, 1, 7, l, WALL - 2000, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2025-04-01T00:00:01.000Z");
	/* A file last written in June 2024: its own mtime. */
	assert_int_equal(line(f, 1, 8, l, ronda_timegm(2024, 6, 1, 0, 0, 0) * 1000, 0), 1);
	assert_string_equal(cJSON_GetObjectItem(f->last, "@timestamp")->valuestring,
	    "2024-04-01T00:00:01.000Z");
}

/*
 * A journal entry comes split into fields: taken as given, never parsed
 * from the line. Its time is exact even where the line's text would infer
 * another year (a December entry read from a file written in January), the
 * message keeps its NUL, and its id follows the identity it was given.
 */
static void
test_journal_fields_taken_as_given(void **state)
{
	static const char text[] = "2025-12-31T23:59:59.999999+00:00 web01 sshd[7]: "
	    "a\0b";
	struct fixture *f = *state;
	struct ronda_pipeline_fields jf;
	struct ronda_pipeline_line l;
	struct ronda_str key;
	char id[RONDA_EVENT_ID_LEN + 1];
	const struct ronda_event *ev;

	memset(&l, 0, sizeof(l));
	l.p = text;
	l.n = sizeof(text) - 1;
	l.path = "/var/log/journal";
	l.dev = 0x1111;
	l.ino = 0x2222;
	l.fp = 0x6a6f75726e616c;
	l.offset = 42;
	l.mtime_ms = WALL;
	jf.dataset = "auth.journal";
	jf.ts_ms = 1767225599999LL;	/* 2025-12-31T23:59:59.999Z */
	jf.log_host = (struct ronda_str){ text + 33, 5 };
	jf.program = (struct ronda_str){ text + 39, 4 };
	jf.pid = 7;
	jf.message = (struct ronda_str){ text + 48, 3 };
	l.fields = &jf;
	ronda_buf_reset(&f->out);
	assert_int_equal(ronda_pipeline_line(f->p, 1, &l, WALL, 1, &f->out, &key), 1);
	ev = ronda_pipeline_event(f->p);
	assert_int_equal(ev->ts_ms, jf.ts_ms);
	assert_string_equal(ev->dataset, "auth.journal");
	assert_int_equal(ev->message.n, 3);
	assert_memory_equal(ev->message.p, "a\0b", 3);
	assert_int_equal(ev->pid, 7);
	assert_false(ev->flags & (RONDA_EVENT_PARSE_ERROR | RONDA_EVENT_TS_GUESSED));
	assert_int_equal(ronda_pipeline_stats(f->p)->parse_errors, 0);
	memcpy(id, ev->id, sizeof(id));
	/* The same entry again: the same id; the next one: another. */
	ronda_buf_reset(&f->out);
	assert_int_equal(ronda_pipeline_line(f->p, 1, &l, WALL + MIN, 1, &f->out, &key), 1);
	assert_string_equal(ronda_pipeline_event(f->p)->id, id);
	l.offset = 43;
	ronda_buf_reset(&f->out);
	assert_int_equal(ronda_pipeline_line(f->p, 1, &l, WALL, 1, &f->out, &key), 1);
	assert_string_not_equal(ronda_pipeline_event(f->p)->id, id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_journal_fields_taken_as_given, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_untimed_line_takes_the_previous_line_time,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_untimed_first_line_is_set_aside, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_untimed_line_follows_its_own_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage_in_bruteforce_keeps_time, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syslog_year_of_a_live_file_from_the_web_log,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_year_follows_the_file_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syslog_year_from_file_time, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
