/*
 * The engine's offsets across restarts: what a commit stores for each
 * partition, and that windows rebuilt by replay see every event they held
 * before the restart. Real store files in a temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cconfig.h"
#include "engine.h"
#include "ronda/config.h"

struct fx {
	char dir[64];
	char path[96];
	struct ronda_correlator_config cfg;
	struct ronda_engine *e;
	char err[512];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ronda_cfg_errors errs;
	char text[1024];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ronda-test-engine.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/ronda.db", f->dir);
	snprintf(text, sizeof(text),
	    "kafka: {brokers: 127.0.0.1:9, topic: ronda.events, group: g}\n"
	    "store: %s\n"
	    "sites:\n"
	    "  - id: bontangkota.go.id\n"
	    "    agency: Diskominfo Bontang\n"
	    "  - id: samarinda.go.id\n"
	    "    agency: Diskominfo Samarinda\n"
	    "detectors: {bruteforce_failures: 5, bruteforce_window: 5m}\n"
	    "alerts: {kafka_topic: \"\"}\n", f->path);
	memset(&errs, 0, sizeof(errs));
	if (ronda_correlator_config_load_string("engine.yaml", text, &f->cfg, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		ronda_cfg_errors_free(&errs);
		return -1;
	}
	ronda_cfg_errors_free(&errs);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ronda_engine_free(f->e);
	ronda_correlator_config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
start(struct fx *f)
{
	ronda_engine_free(f->e);
	f->e = ronda_engine_new(&f->cfg, f->err, sizeof(f->err));
	assert_non_null(f->e);
}

/* An ssh failure at site from ip, seconds after 15:00:00 (may be negative), unique id n. */
static int
feed_site(struct fx *f, int32_t part, int64_t offset, const char *site, const char *ip,
    int sec, int n)
{
	char ev[1024];
	int len, reason, t = 15 * 3600 + sec;

	len = snprintf(ev, sizeof(ev),
	    "{\"@timestamp\":\"2026-11-%02dT%02d:%02d:%02d.000Z\","
	    "\"event\":{\"id\":\"%032x\",\"kind\":\"event\",\"category\":[\"authentication\"],"
	    "\"dataset\":\"auth.syslog\",\"action\":\"ssh_login_failed\",\"outcome\":\"failure\","
	    "\"original\":\"sshd: Failed password for root from %s port 22 ssh2\"},"
	    "\"organization\":{\"id\":\"%s\"},\"host\":{\"name\":\"web01\"},"
	    "\"source\":{\"ip\":\"%s\"},\"user\":{\"name\":\"root\"},"
	    "\"log\":{\"file\":{\"path\":\"/var/log/auth.log\"},\"offset\":%d},"
	    "\"ronda\":{\"schema\":1,\"site\":\"%s\"}}",
	    26 + t / 86400, t / 3600 % 24, t / 60 % 60, t % 60, (unsigned)(part * 100000 + n), ip,
	    site, ip, n * 100, site);
	return ronda_engine_process(f->e, part, offset, ev, (size_t)len, &reason, f->err,
	    sizeof(f->err));
}

static int
feed(struct fx *f, int32_t part, int64_t offset, const char *ip, int sec, int n)
{
	return feed_site(f, part, offset, "bontangkota.go.id", ip, sec, n);
}

/* A collector heartbeat stamped with its (wall) clock at ts, unique id n. */
static int
feed_heartbeat(struct fx *f, int32_t part, int64_t offset, const char *site, const char *ts,
    int n)
{
	char ev[1024];
	int len, reason;

	len = snprintf(ev, sizeof(ev),
	    "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"hb%030x\",\"kind\":\"metric\","
	    "\"dataset\":\"ronda.heartbeat\"},\"organization\":{\"id\":\"%s\"},"
	    "\"host\":{\"name\":\"web01\"},\"ronda\":{\"schema\":1,\"site\":\"%s\","
	    "\"metrics\":{\"window_s\":60,\"heartbeat\":{\"version\":\"0\",\"sent_at\":\"%s\"}}}}",
	    ts, (unsigned)n, site, site, ts);
	return ronda_engine_process(f->e, part, offset, ev, (size_t)len, &reason, f->err,
	    sizeof(f->err));
}

static int64_t
q1(struct fx *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
commit(struct fx *f)
{
	int rc = ronda_engine_commit(f->e, f->err, sizeof(f->err));

	if (rc != 0)
		fail_msg("commit: %s", f->err);
}

/*
 * Three failures on partition 1 (below the threshold of 5) are committed.
 * A restart then commits while partition 1 has not been read yet (only
 * partition 0 moved): partition 1's row must stay as it was, its replay
 * offset still at the first failure. A third run replays the three and
 * gets two more: the brute force opens with all five events.
 */
static void
test_unread_partition_keeps_its_replay_offset(void **state)
{
	struct fx *f = *state;

	start(f);
	assert_int_equal(ronda_engine_assign(f->e, 0), -1);
	assert_int_equal(ronda_engine_assign(f->e, 1), -1);
	assert_int_equal(feed(f, 0, 0, "192.0.2.9", 0, 0), RONDA_ENGINE_APPLIED);
	for (int i = 0; i < 3; i++)
		assert_int_equal(feed(f, 1, i, "203.0.113.77", 10 + i, 1 + i),
		    RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT next_offset FROM offsets WHERE part = 1"), 3);
	assert_int_equal(q1(f, "SELECT replay_offset FROM offsets WHERE part = 1"), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM incidents"), 0);

	/* Run 2: partition 0 replays its one event and gets a new one; 1 stays unread. */
	start(f);
	assert_int_equal(ronda_engine_assign(f->e, 0), 0);
	assert_int_equal(ronda_engine_assign(f->e, 1), 0);
	assert_int_equal(feed(f, 0, 0, "192.0.2.9", 0, 0), RONDA_ENGINE_REPLAYED);
	assert_int_equal(feed(f, 0, 1, "192.0.2.9", 20, 10), RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT next_offset FROM offsets WHERE part = 0"), 2);
	assert_int_equal(q1(f, "SELECT next_offset FROM offsets WHERE part = 1"), 3);
	assert_int_equal(q1(f, "SELECT replay_offset FROM offsets WHERE part = 1"), 0);

	/* Run 3: partition 1 replays its three failures, then two more arrive. */
	start(f);
	assert_int_equal(ronda_engine_assign(f->e, 1), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(feed(f, 1, i, "203.0.113.77", 10 + i, 1 + i),
		    RONDA_ENGINE_REPLAYED);
	assert_int_equal(feed(f, 1, 3, "203.0.113.77", 30, 4), RONDA_ENGINE_APPLIED);
	assert_int_equal(feed(f, 1, 4, "203.0.113.77", 31, 5), RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT count(*) FROM incidents WHERE kind = 'ssh_bruteforce'"), 1);
	assert_int_equal(q1(f, "SELECT event_count FROM incidents WHERE kind = 'ssh_bruteforce'"),
	    5);
}

/*
 * Mid-replay, the live watermark is behind what was stored: a commit then
 * must not move the stored watermark back, and the replay offset stays at
 * the first event still in a window.
 */
static void
test_mid_replay_commit_keeps_watermark(void **state)
{
	struct fx *f = *state;
	int64_t wm;

	start(f);
	ronda_engine_assign(f->e, 2);
	for (int i = 0; i < 4; i++)
		assert_int_equal(feed(f, 2, i, "198.51.100.4", 60 * i, 1 + i),
		    RONDA_ENGINE_APPLIED);
	commit(f);
	wm = q1(f, "SELECT watermark FROM offsets WHERE part = 2");
	assert_true(wm > 0);

	start(f);
	assert_int_equal(ronda_engine_assign(f->e, 2), 0);
	assert_int_equal(feed(f, 2, 0, "198.51.100.4", 0, 1), RONDA_ENGINE_REPLAYED);
	commit(f);
	assert_int_equal(q1(f, "SELECT watermark FROM offsets WHERE part = 2"), wm);
	assert_int_equal(q1(f, "SELECT replay_offset FROM offsets WHERE part = 2"), 0);
	assert_int_equal(q1(f, "SELECT next_offset FROM offsets WHERE part = 2"), 4);
}

#define T1500 INT64_C(1795705200000)	/* 2026-11-26T15:00:00Z */

/*
 * A site's event clock: an event more than max_future (1 h) past it is held
 * out (counted) until a second event confirms the jump, so one line that
 * lies about its time moves nothing; a quiet night followed by morning
 * traffic does move it. A quiet partition is not "the future" either.
 */
static void
test_site_clock_jump_needs_a_second_event(void **state)
{
	struct fx *f = *state;

	start(f);
	ronda_engine_assign(f->e, 0);
	ronda_engine_assign(f->e, 1);
	assert_int_equal(feed(f, 1, 0, "203.0.113.8", 0, 1), RONDA_ENGINE_APPLIED);
	for (int i = 0; i < 3; i++)
		assert_int_equal(feed(f, 0, i, "192.0.2.9", 3000 * i, 10 + i),
		    RONDA_ENGINE_APPLIED);
	/* 1 h 41 min after partition 1's last event, 100 s after the site's clock. */
	assert_int_equal(feed(f, 1, 1, "203.0.113.8", 6100, 2), RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'clamped_future'"), 0);
	assert_int_equal(q1(f, "SELECT last_event FROM sites"), T1500 + 6100 * 1000);
	/* A lone line 2 h ahead: counted, the clock stays. */
	assert_int_equal(feed(f, 1, 2, "203.0.113.8", 6100 + 7200, 3), RONDA_ENGINE_APPLIED);
	assert_int_equal(feed(f, 0, 3, "192.0.2.9", 6200, 13), RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'clamped_future'"), 1);
	assert_int_equal(q1(f, "SELECT last_event FROM sites"), T1500 + 6200 * 1000);
	/* Morning after a quiet night: the second event confirms, at the earlier. */
	assert_int_equal(feed(f, 0, 4, "192.0.2.9", 6200 + 9 * 3600, 14), RONDA_ENGINE_APPLIED);
	assert_int_equal(feed(f, 1, 3, "203.0.113.8", 6200 + 9 * 3600 + 5, 4),
	    RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'clamped_future'"), 2);
	assert_int_equal(q1(f, "SELECT last_event FROM sites"),
	    T1500 + (6200 + 9 * 3600) * 1000);
	/* Nothing here was late: each stream kept its own order. */
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'late'"), 0);
}

/*
 * Lateness follows each site's own stream: a site's import of the morning,
 * read after another site streamed the afternoon into the same partition,
 * is not late, and its brute force is found (a bug: per-partition
 * watermarks made it all late and found nothing).
 */
static void
test_import_of_another_site_is_not_late(void **state)
{
	struct fx *f = *state;

	start(f);
	ronda_engine_assign(f->e, 0);
	for (int i = 0; i < 30; i++)
		assert_int_equal(feed(f, 0, i, "192.0.2.10", 120 * i, 100 + i),
		    RONDA_ENGINE_APPLIED);
	for (int i = 0; i < 5; i++)
		assert_int_equal(feed_site(f, 0, 30 + i, "samarinda.go.id", "198.51.100.77",
		    -5 * 3600 + 20 * i, 200 + i), RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'late'"), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM incidents WHERE site = 'samarinda.go.id'"
	    " AND kind = 'ssh_bruteforce' AND event_count = 5"), 1);
	/* Within one stream, a line older than allowed_lateness still is late. */
	assert_int_equal(feed_site(f, 0, 35, "samarinda.go.id", "198.51.100.77",
	    -5 * 3600 - 3600, 205), RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'late'"), 1);
	assert_int_equal(q1(f, "SELECT late FROM sites WHERE id = 'samarinda.go.id'"), 1);
}

/*
 * A heartbeat is processing time: its stamp (a collector clock years
 * ahead) moves no event clock, makes nothing late or "future", and the
 * site's last_heartbeat is this correlator's clock on arrival.
 */
static void
test_heartbeat_moves_no_event_clock(void **state)
{
	struct fx *f = *state;
	int64_t heard;

	start(f);
	ronda_engine_assign(f->e, 0);
	assert_int_equal(feed_heartbeat(f, 0, 0, "bontangkota.go.id", "2030-01-01T00:00:00.000Z",
	    1), RONDA_ENGINE_APPLIED);
	for (int i = 0; i < 5; i++)
		assert_int_equal(feed(f, 0, 1 + i, "203.0.113.50", 10 * i, 300 + i),
		    RONDA_ENGINE_APPLIED);
	assert_int_equal(feed_heartbeat(f, 0, 6, "bontangkota.go.id", "2001-01-01T00:00:00.000Z",
	    2), RONDA_ENGINE_APPLIED);
	commit(f);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'late'"), 0);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'clamped_future'"), 0);
	assert_int_equal(q1(f, "SELECT value FROM counters WHERE name = 'heartbeats'"), 2);
	assert_int_equal(q1(f, "SELECT count(*) FROM incidents WHERE kind = 'ssh_bruteforce'"
	    " AND event_count = 5"), 1);
	assert_int_equal(q1(f, "SELECT last_event FROM sites"), T1500 + 40 * 1000);
	heard = q1(f, "SELECT last_heartbeat FROM sites");
	/* The correlator's clock: after 2026-12-01, before 2030. */
	assert_true(heard > INT64_C(1796083200000) && heard < INT64_C(1893456000000));
	assert_int_equal(q1(f, "SELECT value FROM settings WHERE name = 'silent_after_ms'"),
	    15 * 60 * 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unread_partition_keeps_its_replay_offset,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mid_replay_commit_keeps_watermark, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_site_clock_jump_needs_a_second_event, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_of_another_site_is_not_late, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat_moves_no_event_clock, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
