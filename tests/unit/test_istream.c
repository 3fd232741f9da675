/*
 * The incident stream between the stages (istream.h) and the campaign
 * stage's sum of shares (shares.h): records round-trip (a share with its
 * evidence and indicators, a position with "no watermark", a site), bad
 * records are refused with a reason, a guesser's sites, per-partition share ids, and a pool's
 * shares from two partitions summed in a store, a replayed older share
 * ignored, evidence kept apart by partition.
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

#include "incident.h"
#include "istream.h"
#include "shares.h"

#define T0 INT64_C(1795705200000)

/* A share of a pool's incident at part with events n, evidence line ev. */
static void
mkshare(struct ronda_incident *inc, int32_t part, int64_t n, int64_t first, int64_t last,
    int sev, const char *ip, const char *ev)
{
	struct ronda_incident_evidence *e;
	struct ronda_incident_ind *i;

	memset(inc, 0, sizeof(*inc));
	ronda_incident_make_id_part(inc->id, "kukarkab.go.id", "ssh_bruteforce", "pool", part);
	snprintf(inc->site, sizeof(inc->site), "kukarkab.go.id");
	snprintf(inc->kind, sizeof(inc->kind), "ssh_bruteforce");
	snprintf(inc->key, sizeof(inc->key), "pool");
	inc->part = part;
	inc->event_count = n;
	inc->first_seen = first;
	inc->last_seen = last;
	inc->severity = sev;
	inc->status = RONDA_INCIDENT_OPEN;
	inc->site_known = 1;
	ronda_incident_set_add(inc, "ip", ip);
	e = calloc(1, sizeof(*e) + strlen(ev) + 1);
	e->line = (char *)(e + 1);
	memcpy(e->line, ev, strlen(ev) + 1);
	e->len = (int)strlen(ev);
	e->seq = 0;
	e->ts = first;
	inc->ev_pending = e;
	inc->nevidence = 1;
	i = calloc(1, sizeof(*i));
	snprintf(i->type, sizeof(i->type), "ip");
	snprintf(i->value, sizeof(i->value), "%s", ip);
	i->ts = first;
	inc->ind_pending = i;
	inc->nind = 1;
}

static void
share_round_trip(void **state)
{
	struct ronda_incident inc;
	struct ronda_istream_rec r;
	char *out, key[512], err[128], id[33];
	size_t len;

	(void)state;
	/* Evidence is attacker text: control bytes and quotes survive as they were. */
	mkshare(&inc, 7, 12, T0, T0 + 5000, 3, "203.0.113.9",
	    "Failed password for \"\x1b[2J\" from 203.0.113.9");
	assert_int_equal(ronda_istream_share(&inc, 4242, T0 + 9000, &out, &len, key, sizeof(key)), 0);
	ronda_incident_make_id(id, "kukarkab.go.id", "ssh_bruteforce", "pool");
	assert_string_equal(key, inc.id);	/* compaction keeps each partition's share */
	assert_int_equal(ronda_istream_decode(out, len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.type, RONDA_ISTREAM_SHARE);
	assert_string_equal(r.id, id);
	assert_string_equal(r.inc.id, inc.id);
	assert_string_not_equal(r.inc.id, id);	/* a share's id is its partition's */
	assert_int_equal(r.version, 4242);
	assert_int_equal(r.clock, T0 + 9000);
	assert_int_equal(r.inc.part, 7);
	assert_int_equal(r.inc.event_count, 12);
	assert_int_equal(r.inc.first_seen, T0);
	assert_int_equal(r.inc.last_seen, T0 + 5000);
	assert_int_equal(r.inc.severity, 3);
	assert_int_equal(r.inc.nips, 1);
	assert_string_equal(r.inc.ips[0], "203.0.113.9");
	assert_non_null(r.inc.ev_pending);
	assert_string_equal(r.inc.ev_pending->line, inc.ev_pending->line);
	assert_non_null(r.inc.ind_pending);
	assert_string_equal(r.inc.ind_pending->value, "203.0.113.9");
	ronda_istream_rec_clear(&r);
	free(out);
	ronda_shares_out_clear(&inc);
}

static void
position_and_site(void **state)
{
	struct ronda_store_offset o = { .part = 3, .next_offset = 1000, .watermark = INT64_MIN,
	    .replay_offset = 744, .replay_wm = T0 };
	struct ronda_store_site s = { .id = "bontangkota.go.id", .known = 1,
	    .last_event = T0, .last_heard = T0 + 1, .late = 2, .events_heard = T0 + 3 };
	struct ronda_istream_rec r;
	char *out, key[512], err[128];
	size_t len;

	(void)state;
	assert_int_equal(ronda_istream_position("ronda.events", &o, &out, &len, key,
	    sizeof(key)), 0);
	assert_string_equal(key, "position/ronda.events/3");
	assert_int_equal(ronda_istream_decode(out, len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.type, RONDA_ISTREAM_POSITION);
	assert_string_equal(r.topic, "ronda.events");
	assert_int_equal(r.off.part, 3);
	assert_int_equal(r.off.next_offset, 1000);
	assert_int_equal(r.off.replay_offset, 744);
	assert_true(r.off.watermark == INT64_MIN);	/* "none" survives */
	assert_int_equal(r.off.replay_wm, T0);
	free(out);
	assert_int_equal(ronda_istream_site(&s, 5, &out, &len, key, sizeof(key)), 0);
	assert_int_equal(ronda_istream_decode(out, len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.type, RONDA_ISTREAM_SITE);
	assert_string_equal(r.site.id, "bontangkota.go.id");
	assert_int_equal(r.part, 5);
	assert_int_equal(r.site.last_event, T0);
	assert_int_equal(r.site.late, 2);
	free(out);
	assert_int_equal(ronda_istream_guesser("203.0.113.7", "00000000000000ab:1:2", T0, &out,
	    &len, key, sizeof(key)), 0);
	assert_string_equal(key, "guesser/203.0.113.7");
	assert_int_equal(ronda_istream_decode(out, len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.type, RONDA_ISTREAM_GUESSER);
	assert_string_equal(r.ip, "203.0.113.7");
	assert_string_equal(r.sites, "00000000000000ab:1:2");
	assert_int_equal(r.last, T0);
	free(out);
}

static void
bad_records_refused(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"v\":2,\"type\":\"share\"}", "{\"v\":1}",
		"{\"v\":1,\"type\":\"nope\"}",
		"{\"v\":1,\"type\":\"share\",\"id\":\"x\"}",
		"{\"v\":1,\"type\":\"position\",\"topic\":\"t\",\"part\":-1,\"next\":1,"
		"\"watermark\":1,\"replay\":1,\"replay_wm\":1}",
		"{\"v\":1,\"type\":\"site\",\"site\":7,\"part\":0}",
	};
	struct ronda_istream_rec r;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ronda_istream_decode(bad[i], strlen(bad[i]), &r, err,
		    sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

/* Decode what a member wrote and apply it to the store as stage 2 does. */
static int
apply(struct ronda_shares *db, struct ronda_incident *share, int64_t version,
    struct ronda_incident *sum)
{
	struct ronda_istream_rec r;
	char *out, key[512], err[128];
	size_t len;
	int rc;

	assert_int_equal(ronda_istream_share(share, version, T0, &out, &len, key, sizeof(key)), 0);
	assert_int_equal(ronda_istream_decode(out, len, &r, err, sizeof(err)), 0);
	rc = ronda_shares_apply(db, &r, sum, err, sizeof(err));
	assert_int_not_equal(rc, -1);
	ronda_istream_rec_clear(&r);
	free(out);
	return rc;
}

static void
pool_shares_summed(void **state)
{
	struct ronda_incident a, b, sum;
	struct ronda_shares *sh;
	sqlite3 *db;
	char err[128], id[33];

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_non_null(sh = ronda_shares_new(db, err, sizeof(err)));
	ronda_incident_make_id(id, "kukarkab.go.id", "ssh_bruteforce", "pool");
	mkshare(&a, 1, 10, T0 + 1000, T0 + 4000, 2, "203.0.113.1", "line a");
	mkshare(&b, 2, 5, T0, T0 + 3000, 3, "203.0.113.2", "line b");
	assert_int_equal(apply(sh, &a, 100, &sum), 1);
	assert_string_equal(sum.id, id);
	assert_int_equal(sum.event_count, 10);
	ronda_shares_out_clear(&sum);
	assert_int_equal(apply(sh, &b, 50, &sum), 1);
	/* The sum: events added, the extremes of time, the highest severity, both addresses. */
	assert_int_equal(sum.event_count, 15);
	assert_int_equal(sum.first_seen, T0);
	assert_int_equal(sum.last_seen, T0 + 4000);
	assert_int_equal(sum.severity, 3);
	assert_int_equal(sum.nips, 2);
	assert_int_equal(sum.part, 1);		/* the share with the newest hit */
	/* b's evidence line is numbered in partition 2's range: no clash with a's. */
	assert_non_null(sum.ev_pending);
	assert_int_equal(sum.ev_pending->seq, 2 * 100000);
	ronda_shares_out_clear(&sum);
	/* A replayed older version of a changes nothing; the same version is taken again. */
	a.event_count = 7;
	assert_int_equal(apply(sh, &a, 99, &sum), 0);
	assert_int_equal(apply(sh, &a, 100, &sum), 1);
	assert_int_equal(sum.event_count, 12);
	ronda_shares_out_clear(&sum);
	/* A newer one of a, closed: still open while b's share is. */
	a.event_count = 20;
	a.status = RONDA_INCIDENT_CLOSED;
	assert_int_equal(apply(sh, &a, 300, &sum), 1);
	assert_int_equal(sum.event_count, 25);
	assert_int_equal(sum.status, RONDA_INCIDENT_OPEN);
	ronda_shares_out_clear(&sum);
	b.status = RONDA_INCIDENT_CLOSED;
	assert_int_equal(apply(sh, &b, 60, &sum), 1);
	assert_int_equal(sum.status, RONDA_INCIDENT_CLOSED);
	ronda_shares_out_clear(&sum);
	ronda_shares_out_clear(&a);
	ronda_shares_out_clear(&b);
	ronda_shares_free(sh);
	sqlite3_close(db);
}

static int
flushed(void *arg, struct ronda_incident *inc)
{
	(void)arg;
	(void)inc;
	return 0;
}

/* A per-partition table keeps one share per partition of one (site, kind, key). */
static void
per_part_table(void **state)
{
	struct ronda_incidents_config cfg = { .quiet = 60000, .max_evidence = 3,
	    .max_evidence_len = 80, .max_memory = 100, .per_part = 1 };
	struct ronda_incidents *t = ronda_incidents_new(&cfg, NULL, NULL, NULL);
	struct ronda_detect_hit h;
	char id1[33], id2[33];

	(void)state;
	memset(&h, 0, sizeof(h));
	h.site = "kukarkab.go.id";
	h.kind = "ssh_bruteforce";
	h.key = "pool";
	h.severity = 2;
	h.ts = T0;
	h.count = 1;
	h.part = 1;
	ronda_incidents_hit(t, &h);
	h.part = 2;
	ronda_incidents_hit(t, &h);
	ronda_incidents_hit(t, &h);
	assert_int_equal(ronda_incidents_count(t), 2);
	assert_true(ronda_incidents_active_in(t, h.site, h.kind, h.key, 2, T0));
	assert_false(ronda_incidents_active_in(t, h.site, h.kind, h.key, 3, T0));
	ronda_incident_make_id_part(id1, h.site, h.kind, h.key, 1);
	ronda_incident_make_id_part(id2, h.site, h.kind, h.key, 2);
	assert_string_not_equal(id1, id2);
	/* Partition 1 revoked: only flushed (clean) shares are dropped, its own only. */
	assert_int_equal(ronda_incidents_drop_part(t, 1), 0);
	assert_int_equal(ronda_incidents_flush(t, flushed, NULL), 0);
	assert_int_equal(ronda_incidents_drop_part(t, 1), 1);
	assert_int_equal(ronda_incidents_count(t), 1);
	assert_true(ronda_incidents_active_in(t, h.site, h.kind, h.key, 2, T0));
	ronda_incidents_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(share_round_trip),
		cmocka_unit_test(position_and_site),
		cmocka_unit_test(bad_records_refused),
		cmocka_unit_test(pool_shares_summed),
		cmocka_unit_test(per_part_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
