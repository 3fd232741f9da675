/*
 * Incidents: open on the first hit, close after `quiet` of event time (just
 * below / at), reopen, the evidence and indicator caps, sorted small sets,
 * flush order and failure, the memory cap with the loader behind it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "incident.h"
#include "ronda/event.h"

#define T0 INT64_C(1795705200000)
#define QUIET (30 * 60 * 1000)

static const char line[] = "Nov 20 23:04:05 web01 sshd[4121]: Failed password for invalid "
    "user admin from 203.0.113.77 port 52122 ssh2";

static struct ronda_incidents_config cfg = { .quiet = QUIET, .max_evidence = 3,
    .max_evidence_len = 40, .max_memory = 100 };

static void
mkhit(struct ronda_detect_hit *h, const char *site, const char *kind, const char *ip,
    int64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->site = site;
	h->kind = kind;
	h->key = ip;
	h->severity = RONDA_SEV_HIGH;
	h->ts = ts;
	h->count = 1;
	h->part = 0;
	h->ip = ip;
	h->evidence = line;
	h->evidence_len = sizeof(line) - 1;
	h->ind[h->nind].type = "ip";
	h->ind[h->nind++].value = ip;
	h->ind[h->nind].type = "user";
	h->ind[h->nind++].value = "admin";
}

static int64_t wm_now;

static int64_t
wm(void *arg, const struct ronda_incident *inc)
{
	(void)arg;
	(void)inc;
	return wm_now;
}

static const struct ronda_incident *
find(struct ronda_incidents *t, const char *ip)
{
	return ronda_incidents_find(t, "bontangkota.go.id", "ssh_bruteforce", ip);
}

static void
open_close_reopen_by_event_time(void **state)
{
	struct ronda_incidents *t = ronda_incidents_new(&cfg, NULL, NULL, NULL);
	const struct ronda_incident *inc;
	struct ronda_detect_hit h;

	(void)state;
	mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", "203.0.113.77", T0);
	h.count = 10;
	ronda_incidents_hit(t, &h);
	inc = find(t, "203.0.113.77");
	assert_non_null(inc);
	assert_int_equal(inc->status, RONDA_INCIDENT_OPEN);
	assert_int_equal(inc->event_count, 10);
	assert_int_equal(inc->first_seen, T0);
	assert_int_equal(inc->site_known, 1);

	/* A late hit (older) widens first_seen and keeps it open. */
	mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", "203.0.113.77", T0 - 60000);
	ronda_incidents_hit(t, &h);
	assert_int_equal(inc->first_seen, T0 - 60000);
	assert_int_equal(inc->last_seen, T0);
	assert_int_equal(inc->event_count, 11);

	/*
	 * No clock for its site yet (just restarted, nothing of it read):
	 * no verdict, and no overflow computing INT64_MIN - last_seen.
	 */
	wm_now = INT64_MIN;
	ronda_incidents_sweep(t, wm, NULL);
	assert_int_equal(inc->status, RONDA_INCIDENT_OPEN);
	/* Watermark exactly quiet past the last event: still open. */
	wm_now = T0 + QUIET;
	ronda_incidents_sweep(t, wm, NULL);
	assert_int_equal(inc->status, RONDA_INCIDENT_OPEN);
	/* One millisecond more: closed. */
	wm_now = T0 + QUIET + 1;
	ronda_incidents_sweep(t, wm, NULL);
	assert_int_equal(inc->status, RONDA_INCIDENT_CLOSED);

	/* A hit after it closed reopens it. */
	mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", "203.0.113.77", T0 + QUIET + 5000);
	ronda_incidents_hit(t, &h);
	assert_int_equal(inc->status, RONDA_INCIDENT_REOPENED);
	assert_int_equal(inc->reopen_count, 1);

	/* More than quiet later, no sweep in between (a replay): reopened again. */
	mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", "203.0.113.77",
	    T0 + 2 * QUIET + 5001);
	ronda_incidents_hit(t, &h);
	assert_int_equal(inc->reopen_count, 2);
	/* Exactly quiet later: the same episode. */
	mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", "203.0.113.77",
	    T0 + 3 * QUIET + 5001);
	ronda_incidents_hit(t, &h);
	assert_int_equal(inc->reopen_count, 2);
	assert_true(ronda_incidents_active(t, "bontangkota.go.id", "ssh_bruteforce",
	    "203.0.113.77", T0 + 4 * QUIET + 5001));
	assert_false(ronda_incidents_active(t, "bontangkota.go.id", "ssh_bruteforce",
	    "203.0.113.77", T0 + 4 * QUIET + 5002));
	ronda_incidents_free(t);
}

static int
evidence_len(const struct ronda_incident *inc, int *n)
{
	int total = 0;

	*n = 0;
	for (const struct ronda_incident_evidence *e = inc->ev_pending; e != NULL; e = e->next) {
		assert_int_equal(e->seq, *n);
		(*n)++;
		total += (int)strlen(e->line);
	}
	return total;
}

static void
evidence_capped(void **state)
{
	struct ronda_incidents *t = ronda_incidents_new(&cfg, NULL, NULL, NULL);
	struct ronda_detect_hit h;
	const struct ronda_incident *inc;
	int n;

	(void)state;
	for (int i = 0; i < 5; i++) {
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", "203.0.113.77", T0 + i * 1000);
		ronda_incidents_hit(t, &h);
	}
	inc = find(t, "203.0.113.77");
	assert_int_equal(inc->event_count, 5);
	assert_int_equal(inc->nevidence, 3);
	/* Three lines, each cut to max_evidence_len bytes. */
	assert_int_equal(evidence_len(inc, &n), 3 * 40);
	assert_int_equal(n, 3);
	assert_memory_equal(inc->ev_pending->line, line, 40);
	ronda_incidents_free(t);
}

/* Indicators recorded once, at most RONDA_INCIDENT_IND; the sets keep the smallest. */
static void
indicators_and_sets_capped(void **state)
{
	struct ronda_incidents *t = ronda_incidents_new(&cfg, NULL, NULL, NULL);
	struct ronda_detect_hit h;
	const struct ronda_incident *inc;
	char ip[200][32];
	int n = 0;

	(void)state;
	for (int i = 0; i < 200; i++) {
		/* A distributed brute force keyed by the user name. */
		snprintf(ip[i], sizeof(ip[i]), "198.51.100.%d", 255 - i);
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", "admin", T0 + i);
		h.key = "admin";
		h.ind[0].value = ip[i];
		ronda_incidents_hit(t, &h);
	}
	inc = ronda_incidents_find(t, "bontangkota.go.id", "ssh_bruteforce", "admin");
	assert_non_null(inc);
	assert_int_equal(inc->nind, RONDA_INCIDENT_IND);
	for (const struct ronda_incident_ind *i = inc->ind_pending; i != NULL; i = i->next)
		n++;
	assert_int_equal(n, RONDA_INCIDENT_IND);
	assert_int_equal(inc->nips, RONDA_INCIDENT_SET);
	assert_int_equal(inc->nusers, 1);
	/* The smallest in byte order among the recorded ones (255 down to 96: "100" first). */
	for (int i = 1; i < inc->nips; i++)
		assert_true(strcmp(inc->ips[i - 1], inc->ips[i]) < 0);
	assert_string_equal(inc->ips[0], "198.51.100.100");
	ronda_incidents_free(t);
}

static int nput;
static char put_ids[10][33];
static int fail_at = -1;

static int
put(void *arg, struct ronda_incident *inc)
{
	(void)arg;
	if (nput == fail_at)
		return -1;
	if (nput < 10)
		memcpy(put_ids[nput], inc->id, 33);
	nput++;
	return 0;
}

static void
flush_in_id_order_and_failure(void **state)
{
	struct ronda_incidents *t = ronda_incidents_new(&cfg, NULL, NULL, NULL);
	struct ronda_detect_hit h;
	char ip[6][32];

	(void)state;
	for (int i = 0; i < 6; i++) {
		snprintf(ip[i], sizeof(ip[i]), "203.0.113.%d", i + 1);
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[i], T0);
		ronda_incidents_hit(t, &h);
	}
	assert_int_equal(ronda_incidents_dirty(t), 6);
	/* The store fails on the third: the walk stops, the rest stay dirty. */
	nput = 0;
	fail_at = 2;
	assert_int_equal(ronda_incidents_flush(t, put, NULL), -1);
	assert_int_equal(ronda_incidents_dirty(t), 4);
	fail_at = -1;
	nput = 0;
	assert_int_equal(ronda_incidents_flush(t, put, NULL), 0);
	assert_int_equal(nput, 4);
	assert_int_equal(ronda_incidents_dirty(t), 0);
	for (int i = 1; i < 4; i++)
		assert_true(strcmp(put_ids[i - 1], put_ids[i]) < 0);
	/* Flushed: no pending evidence left to write twice. */
	assert_null(find(t, "203.0.113.1")->ev_pending);
	ronda_incidents_free(t);
}

/* The memory cap: clean incidents leave memory and come back through the loader. */
static struct ronda_incident stored[300];
static int nstored, nloads;

static int
store_put(void *arg, struct ronda_incident *inc)
{
	(void)arg;
	for (int i = 0; i < nstored; i++)
		if (strcmp(stored[i].id, inc->id) == 0) {
			stored[i] = *inc;
			return 0;
		}
	stored[nstored++] = *inc;
	return 0;
}

static int
store_load(void *arg, const char *id, struct ronda_incident *out)
{
	(void)arg;
	nloads++;
	for (int i = 0; i < nstored; i++)
		if (strcmp(stored[i].id, id) == 0) {
			*out = stored[i];
			return 1;
		}
	return 0;
}

static void
memory_cap_and_loader(void **state)
{
	struct ronda_incidents_loader ld = { .arg = NULL, .load = store_load };
	struct ronda_incidents *t = ronda_incidents_new(&cfg, &ld, NULL, NULL);
	struct ronda_detect_hit h;
	char ip[250][32];
	const struct ronda_incident *inc;

	(void)state;
	nstored = nloads = 0;
	for (int i = 0; i < 250; i++) {
		snprintf(ip[i], sizeof(ip[i]), "203.0.%d.%d", i / 200, i % 200 + 1);
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[i], T0 + i);
		ronda_incidents_hit(t, &h);
	}
	/* New incidents never seen before cost no lookup. */
	assert_int_equal(nloads, 0);
	assert_int_equal(ronda_incidents_flush(t, store_put, NULL), 0);
	assert_int_equal(ronda_incidents_count(t), 100);
	assert_int_equal(nstored, 250);
	/* Hit every one again: those dropped from memory come back from the store. */
	for (int i = 0; i < 250; i++) {
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[i], T0 + 1000 + i);
		ronda_incidents_hit(t, &h);
	}
	assert_int_equal(nloads, 150);
	inc = find(t, ip[0]);
	assert_int_equal(inc->event_count, 2);
	assert_int_equal(inc->first_seen, T0);
	/* A never-stored id: no lookup (the filter says no). */
	nloads = 0;
	assert_null(find(t, "192.0.2.1"));
	assert_int_equal(nloads, 0);
	/* An id stored before this process started, noted at startup: looked up. */
	ronda_incident_make_id(stored[nstored].id, "samarindakota.go.id", "scan", "192.0.2.9");
	snprintf(stored[nstored].site, sizeof(stored[0].site), "samarindakota.go.id");
	snprintf(stored[nstored].kind, sizeof(stored[0].kind), "scan");
	snprintf(stored[nstored].key, sizeof(stored[0].key), "192.0.2.9");
	stored[nstored].event_count = 31;
	ronda_incidents_note_stored(t, stored[nstored].id);
	nstored++;
	inc = ronda_incidents_find(t, "samarindakota.go.id", "scan", "192.0.2.9");
	assert_non_null(inc);
	assert_int_equal(inc->event_count, 31);
	assert_int_equal(nloads, 1);
	ronda_incidents_free(t);
}

/* Over the cap, the least recently used go: a busy attacker's incident stays in memory. */
static void
trim_keeps_recently_used(void **state)
{
	struct ronda_incidents_loader ld = { .arg = NULL, .load = store_load };
	struct ronda_incidents *t = ronda_incidents_new(&cfg, &ld, NULL, NULL);
	struct ronda_detect_hit h;
	char ip[250][32];

	(void)state;
	nstored = nloads = 0;
	for (int i = 0; i < 250; i++) {
		snprintf(ip[i], sizeof(ip[i]), "198.51.%d.%d", i / 200, i % 200 + 1);
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[i], T0 + i);
		ronda_incidents_hit(t, &h);
	}
	/* The first 50 keep attacking. */
	for (int i = 0; i < 50; i++) {
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[i], T0 + 500 + i);
		ronda_incidents_hit(t, &h);
	}
	assert_int_equal(ronda_incidents_flush(t, store_put, NULL), 0);
	assert_int_equal(ronda_incidents_count(t), 100);
	/* Kept: the 50 busy ones and the 50 newest of the rest; none read back. */
	for (int i = 0; i < 50; i++) {
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[i], T0 + 900 + i);
		ronda_incidents_hit(t, &h);
		mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[200 + i], T0 + 900 + i);
		ronda_incidents_hit(t, &h);
	}
	assert_int_equal(nloads, 0);
	assert_int_equal(find(t, ip[0])->event_count, 3);
	/* One of the one-hit tail was dropped: it comes back from the store. */
	mkhit(&h, "bontangkota.go.id", "ssh_bruteforce", ip[60], T0 + 1000);
	ronda_incidents_hit(t, &h);
	assert_int_equal(nloads, 1);
	assert_int_equal(find(t, ip[60])->event_count, 2);
	ronda_incidents_free(t);
}

static int
known(void *arg, const char *site)
{
	(void)arg;
	return strcmp(site, "bontangkota.go.id") == 0;
}

static void
unknown_site_flagged_and_ids_stable(void **state)
{
	struct ronda_incidents *t = ronda_incidents_new(&cfg, NULL, known, NULL);
	struct ronda_detect_hit h;
	char a[33], b[33];

	(void)state;
	mkhit(&h, "evil.example", "ssh_bruteforce", "203.0.113.77", T0);
	ronda_incidents_hit(t, &h);
	assert_int_equal(ronda_incidents_find(t, "evil.example", "ssh_bruteforce",
	    "203.0.113.77")->site_known, 0);
	ronda_incident_make_id(a, "bontangkota.go.id", "scan", "203.0.113.77");
	ronda_incident_make_id(b, "bontangkota.go.id", "scan", "203.0.113.77");
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 32);
	ronda_incident_make_id(b, "bontangkota.go.id", "scan", "203.0.113.78");
	assert_string_not_equal(a, b);
	/* The separator matters: ("ab", "c") is not ("a", "bc"). */
	ronda_incident_make_id(a, "ab", "c", "k");
	ronda_incident_make_id(b, "a", "bc", "k");
	assert_string_not_equal(a, b);
	ronda_incidents_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_close_reopen_by_event_time),
		cmocka_unit_test(evidence_capped),
		cmocka_unit_test(indicators_and_sets_capped),
		cmocka_unit_test(flush_in_id_order_and_failure),
		cmocka_unit_test(memory_cap_and_loader),
		cmocka_unit_test(trim_keeps_recently_used),
		cmocka_unit_test(unknown_site_flagged_and_ids_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
