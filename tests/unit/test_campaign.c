/*
 * The campaign stage over a real store (schema, alert outbox): linking by a
 * shared indicator within the windows, rarity (common and allowlisted
 * indicators never link, rarer ones weigh more), merging (the older
 * survives, recorded), waves (floor, then the learned baseline), status by
 * event time, alert throttling, and a restart that restores exactly the
 * state an uninterrupted run has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "campaign.h"
#include "incident.h"
#include "store.h"
#include "ronda/event.h"

#define MIN (60LL * 1000)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define T0 INT64_C(1795305600000)	/* 2026-11-22T00:00:00Z */
#define NSITES 10

struct fx {
	char dir[64];
	char path[128];
	struct ronda_store *st;
	sqlite3 *db;
	struct ronda_campaigns *c;
	struct ronda_campaigns_config cfg;
	struct ronda_site_cfg sites[NSITES];
	char site_ids[NSITES][32];
	struct ronda_allow_cfg allow[2];
	char err[512];
};

static const char *
site(int i)
{
	static char s[NSITES][32];

	snprintf(s[i], sizeof(s[i]), "s%d.go.id", i);
	return s[i];
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ronda-test-campaign.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/ronda.db", f->dir);
	if ((f->st = ronda_store_open(f->path, f->err, sizeof(f->err))) == NULL)
		return -1;
	f->db = ronda_store_db(f->st);
	for (int i = 0; i < NSITES; i++) {
		snprintf(f->site_ids[i], sizeof(f->site_ids[i]), "%s", site(i));
		f->sites[i].id = f->site_ids[i];
		f->sites[i].agency = "Diskominfo";
		f->sites[i].region = i < 8 ? "Kalimantan Timur" : "Papua";
		f->sites[i].timezone = "Asia/Makassar";
	}
	f->cfg = (struct ronda_campaigns_config){ .min_sites = 3, .window = HOUR,
	    .link_window = 48 * HOUR, .quiet = 2 * HOUR, .close = 24 * HOUR,
	    .common_share = 50, .wave_floor = 5, .wave_factor = 3, .interval = 15 * MIN,
	    .lateness = 0, .max_incidents = 100000, .lang = RONDA_LANG_EN,
	    .sites = f->sites, .nsites = NSITES };
	f->allow[0] = (struct ronda_allow_cfg){ "ip", "10.61.0.0/16" };
	f->allow[1] = (struct ronda_allow_cfg){ "user_agent", "SOC-scanner/1.0" };
	f->cfg.allow = f->allow;
	f->cfg.nallow = 2;
	*state = f;
	return 0;
}

static void
start(struct fx *f)
{
	f->c = ronda_campaigns_new(&f->cfg);
	assert_non_null(f->c);
	assert_int_equal(ronda_campaigns_restore(f->c, f->db, f->err, sizeof(f->err)), 0);
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ronda_campaigns_free(f->c);
	ronda_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/*
 * One incident update, as the engine hands it over: stored (the restore
 * reads the incidents tables) and queued. Indicators: "type", "value", ...
 * NULL; they are new on the incident at `first`.
 */
static void
inc(struct fx *f, int s, const char *kind, const char *key, int sev, int64_t first,
    int64_t last, ...)
{
	struct ronda_incident x;
	struct ronda_incident_ind *ind = NULL, *n;
	struct ronda_incident_view_ind vi[16];
	struct ronda_incident_view v;
	const char *t;
	va_list ap;
	int nv = 0;

	memset(&x, 0, sizeof(x));
	ronda_incident_make_id(x.id, site(s), kind, key);
	snprintf(x.site, sizeof(x.site), "%s", site(s));
	snprintf(x.kind, sizeof(x.kind), "%s", kind);
	snprintf(x.key, sizeof(x.key), "%s", key);
	x.severity = sev;
	x.first_seen = first;
	x.last_seen = last;
	x.event_count = 1;
	x.site_known = 1;
	va_start(ap, last);
	while ((t = va_arg(ap, const char *)) != NULL) {
		const char *val = va_arg(ap, const char *);
		n = calloc(1, sizeof(*n));
		assert_non_null(n);
		snprintf(n->type, sizeof(n->type), "%s", t);
		snprintf(n->value, sizeof(n->value), "%s", val);
		n->ts = first;
		n->next = ind;
		ind = n;
		ronda_incident_set_add(&x, t, val);
		vi[nv++] = (struct ronda_incident_view_ind){ n->type, n->value, first };
	}
	va_end(ap);
	x.ind_pending = ind;
	assert_int_equal(ronda_store_begin(f->st), 0);
	assert_int_equal(ronda_store_incident_put(f->st, &x), 0);
	assert_int_equal(ronda_store_commit(f->st), 0);
	v = (struct ronda_incident_view){ .id = x.id, .site = x.site, .kind = kind,
	    .severity = sev, .first_seen = first, .last_seen = last, .ind = vi,
	    .nind = (size_t)nv };
	assert_int_equal(ronda_campaigns_add(f->c, &v), 0);
	for (; ind != NULL; ind = n) {
		n = ind->next;
		free(ind);
	}
}

/* An IP-keyed brute force on site s from ip at t (its /24, user root). */
static void
ssh(struct fx *f, int s, const char *ip, int64_t t)
{
	char net[32];
	unsigned a, b, c, d;

	assert_int_equal(sscanf(ip, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	snprintf(net, sizeof(net), "%u.%u.%u.0/24", a, b, c);
	inc(f, s, "ssh_bruteforce", ip, RONDA_SEV_HIGH, t, t + 5 * MIN, "ip", ip, "net", net,
	    "user", "root", NULL);
}

static void
commit(struct fx *f, int64_t now)
{
	assert_int_equal(ronda_store_begin(f->st), 0);
	if (ronda_campaigns_commit(f->c, f->db, now, 1700000000000LL, f->err,
	    sizeof(f->err)) != 0)
		fail_msg("commit: %s", f->err);
	assert_int_equal(ronda_store_commit(f->st), 0);
}

static int64_t
q_int(struct fx *f, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(f->db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(f->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *
q_text(struct fx *f, const char *q)
{
	static char out[4096];
	sqlite3_stmt *st;

	out[0] = '\0';
	if (sqlite3_prepare_v2(f->db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(f->db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

#define LIVE "SELECT count(*) FROM campaigns WHERE status <> 'merged'"

/* ---- linking -------------------------------------------------------------- */

static void
links_by_shared_ip_at_min_sites(void **state)
{
	struct fx *f = *state;

	start(f);
	ssh(f, 0, "203.0.113.7", T0);
	ssh(f, 1, "203.0.113.7", T0 + 10 * MIN);
	commit(f, T0 + 15 * MIN);
	assert_int_equal(q_int(f, LIVE), 0);		/* two sites: not yet */
	ssh(f, 2, "203.0.113.7", T0 + 20 * MIN);
	commit(f, T0 + 25 * MIN);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 3);
	assert_int_equal(q_int(f, "SELECT incident_count FROM campaigns"), 3);
	/* Reported at the event that made it three sites. */
	assert_int_equal(q_int(f, "SELECT reported FROM campaigns"), T0 + 20 * MIN);
	assert_int_equal(q_int(f, "SELECT first_seen FROM campaigns"), T0);
	assert_string_equal(q_text(f, "SELECT kind || '/' || link || '/' || status FROM campaigns"),
	    "bruteforce/indicator/active");
	assert_string_equal(q_text(f, "SELECT title FROM campaigns"),
	    "Login brute force campaign, same attacker — 3 sites, Kalimantan Timur");
	assert_string_equal(q_text(f, "SELECT attacker_ips FROM campaigns"), "[\"203.0.113.7\"]");
	/* Each member says why: the walk's start, then the address that linked. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents WHERE via_type = 'ip'"
	    " AND via_value = '203.0.113.7' AND via_weight > 0"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents"
	    " WHERE via_type = 'founder'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents"), 3);
	assert_int_equal(q_int(f, "SELECT sites FROM campaign_indicators WHERE type = 'ip'"), 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alerts WHERE type = 'campaign_new'"), 1);
	/* A fourth site joins the same campaign, keeping its id. */
	{
		char id[40];
		snprintf(id, sizeof(id), "%s", q_text(f, "SELECT id FROM campaigns"));
		ssh(f, 3, "203.0.113.7", T0 + 30 * MIN);
		commit(f, T0 + 35 * MIN);
		assert_int_equal(q_int(f, LIVE), 1);
		assert_string_equal(q_text(f, "SELECT id FROM campaigns"), id);
		assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 4);
	}
}

/* min_sites must be first hit within `window`; link_window bounds the links. */
static void
sites_within_window_and_link_window(void **state)
{
	struct fx *f = *state;

	start(f);
	ssh(f, 0, "198.51.100.9", T0);
	ssh(f, 1, "198.51.100.9", T0 + 2 * HOUR);
	ssh(f, 2, "198.51.100.9", T0 + 4 * HOUR);
	commit(f, T0 + 4 * HOUR);
	assert_int_equal(q_int(f, LIVE), 0);		/* three sites, but hours apart */
	ssh(f, 3, "198.51.100.9", T0 + 4 * HOUR + 30 * MIN);
	ssh(f, 4, "198.51.100.9", T0 + 4 * HOUR + 50 * MIN);
	commit(f, T0 + 5 * HOUR);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT reported FROM campaigns"), T0 + 4 * HOUR + 50 * MIN);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 5);

	/* Beyond link_window the same IP starts afresh (its old incidents expired). */
	ssh(f, 5, "192.0.2.44", T0 + 5 * HOUR);
	ssh(f, 6, "192.0.2.44", T0 + 5 * HOUR);
	commit(f, T0 + 5 * HOUR);
	ssh(f, 7, "192.0.2.44", T0 + 60 * HOUR);
	commit(f, T0 + 60 * HOUR);
	assert_int_equal(q_int(f, LIVE), 1);
}

/*
 * Rarity: an indicator on more than max(min_sites, 50% of the 10 known
 * sites) = 5 sites never links (here the user name root, on 6); a rarer
 * one weighs more than a commoner one.
 */
static void
common_indicators_never_link(void **state)
{
	struct fx *f = *state;
	char ip[32];

	f->cfg.wave_floor = 100;	/* these would be a wave: only links are tested */
	start(f);
	for (int s = 0; s < 6; s++) {
		snprintf(ip, sizeof(ip), "10%d.0.%d.1", s, s);	/* unrelated networks */
		ssh(f, s, ip, T0 + s * MIN);
	}
	commit(f, T0 + 10 * MIN);
	assert_int_equal(q_int(f, LIVE), 0);
	/* An IP on 3 sites links; one on 4 sites has the lower weight. */
	for (int s = 0; s < 3; s++)
		ssh(f, s, "203.0.113.50", T0 + 20 * MIN + s * MIN);
	for (int s = 3; s < 7; s++)
		inc(f, s, "webshell", "203.0.113.60", RONDA_SEV_HIGH, T0 + 20 * MIN + s * MIN,
		    T0 + 30 * MIN, "ip", "203.0.113.60", "payload", "/up/*.php?cmd=*", NULL);
	commit(f, T0 + 30 * MIN);
	assert_int_equal(q_int(f, LIVE), 2);
	assert_true(q_int(f, "SELECT 1000 * weight FROM campaign_indicators WHERE value ="
	    " '203.0.113.50'") > q_int(f, "SELECT 1000 * weight FROM campaign_indicators"
	    " WHERE value = '203.0.113.60'"));
	/* The common user name is not listed among the campaign's indicators. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_indicators WHERE type = 'user'"),
	    0);
	/*
	 * An IP seen on 6 sites is common: it no longer links strangers of
	 * other families (a scan on site 7 stays out), but the same family on
	 * 6 sites is one actor's fleet: a campaign found by "fleet".
	 */
	for (int s = 0; s < 6; s++)
		inc(f, s, "sqli", "198.51.100.66", RONDA_SEV_HIGH, T0 + 40 * MIN + s * MIN,
		    T0 + 50 * MIN, "ip", "198.51.100.66", NULL);
	inc(f, 7, "scan", "198.51.100.66", RONDA_SEV_LOW, T0 + 41 * MIN, T0 + 50 * MIN,
	    "ip", "198.51.100.66", NULL);
	commit(f, T0 + 50 * MIN);
	assert_int_equal(q_int(f, LIVE), 3);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE link = 'fleet'"), 6);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents i JOIN campaigns c"
	    " ON c.id = i.campaign_id WHERE c.link = 'fleet' AND i.via_type = 'ip'"
	    " AND i.via_value = '198.51.100.66'"), 5);
}

/*
 * The SOC's scanner (allowlisted by CIDR) sweeping every site: no campaign,
 * no wave. An allowlisted agent links nothing, where a rare one would.
 */
static void
allowlisted_scanner_makes_nothing(void **state)
{
	struct fx *f = *state;

	start(f);
	for (int s = 0; s < NSITES; s++) {
		inc(f, s, "lfi", "10.61.0.25", RONDA_SEV_HIGH, T0 + s * MIN, T0 + s * MIN + 30000,
		    "ip", "10.61.0.25", "net", "10.61.0.0/24", "payload", "/index.php?page=*",
		    NULL);
		inc(f, s, "scan", "10.61.0.25", RONDA_SEV_LOW, T0 + s * MIN, T0 + s * MIN + 30000,
		    "ip", "10.61.0.25", "net", "10.61.0.0/24", NULL);
	}
	for (int s = 0; s < 4; s++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "%d.%d.1.1", 100 + s, 50 + s);
		inc(f, s, "sqli", ip, RONDA_SEV_HIGH, T0 + s * MIN, T0 + s * MIN,
		    "ip", ip, "user_agent", "SOC-scanner/1.0", NULL);
	}
	commit(f, T0 + 20 * MIN);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 0);
	/* The same with an agent nobody allowed: one campaign. */
	for (int s = 4; s < 8; s++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "%d.%d.1.1", 100 + s, 50 + s);
		inc(f, s, "sqli", ip, RONDA_SEV_HIGH, T0 + 30 * MIN + s * MIN, T0 + 40 * MIN,
		    "ip", ip, "user_agent", "kaltim-crew/0.3", NULL);
	}
	commit(f, T0 + 40 * MIN);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns"), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 4);
}

/*
 * Triage suppressions (a campaign closed as a false positive) are a second
 * allowlist: while one is in force its indicator links nothing, not even a
 * new incident into the campaign it came from; once it expires (the engine
 * hands over the shorter list) the indicator links again.
 */
static void
suppressed_indicator_stops_linking(void **state)
{
	struct fx *f = *state;
	struct ronda_allow_cfg sup[] = { { "user_agent", "kaltim-crew/0.3" } };

	start(f);
	for (int s = 0; s < 3; s++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "%d.%d.1.1", 100 + s, 50 + s);
		inc(f, s, "sqli", ip, RONDA_SEV_HIGH, T0 + s * MIN, T0 + s * MIN,
		    "ip", ip, "user_agent", "kaltim-crew/0.3", NULL);
	}
	commit(f, T0 + 10 * MIN);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns"), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 3);
	ronda_campaigns_set_suppressions(f->c, sup, 1);
	inc(f, 3, "sqli", "104.54.1.1", RONDA_SEV_HIGH, T0 + 20 * MIN, T0 + 20 * MIN,
	    "ip", "104.54.1.1", "user_agent", "kaltim-crew/0.3", NULL);
	commit(f, T0 + 25 * MIN);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns"), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents"), 3);
	/* Expired: the engine hands over the list without it. */
	ronda_campaigns_set_suppressions(f->c, NULL, 0);
	inc(f, 4, "sqli", "105.55.1.1", RONDA_SEV_HIGH, T0 + 30 * MIN, T0 + 30 * MIN,
	    "ip", "105.55.1.1", "user_agent", "kaltim-crew/0.3", NULL);
	commit(f, T0 + 35 * MIN);
	assert_true(q_int(f, "SELECT max(site_count) FROM campaigns") > 3);
}

/* A network alone (weak) founds nothing: slow-wave's /24 collisions. */
static void
weak_links_found_nothing(void **state)
{
	struct fx *f = *state;

	start(f);
	ssh(f, 0, "45.128.232.10", T0);
	ssh(f, 1, "45.128.232.11", T0 + MIN);
	ssh(f, 2, "45.128.232.12", T0 + 2 * MIN);
	commit(f, T0 + 10 * MIN);
	assert_int_equal(q_int(f, LIVE), 0);
	/* But once a strong link founds a campaign, the network brings its kin. */
	ssh(f, 3, "45.128.232.10", T0 + 3 * MIN);
	ssh(f, 4, "45.128.232.10", T0 + 4 * MIN);
	commit(f, T0 + 10 * MIN);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 5);
}

/* ---- merging -------------------------------------------------------------- */

/*
 * Two reported campaigns of different families that turn out to share an
 * indicator merge: the older keeps its id, the other is marked merged, its
 * incidents move, and the merge is recorded with the indicator.
 */
static void
campaigns_sharing_an_indicator_merge(void **state)
{
	struct fx *f = *state;
	char older[40], newer[40];

	start(f);
	for (int s = 0; s < 3; s++)
		ssh(f, s, "203.0.113.7", T0 + s * MIN);
	commit(f, T0 + 5 * MIN);
	snprintf(older, sizeof(older), "%s", q_text(f, "SELECT id FROM campaigns"));
	for (int s = 4; s < 7; s++)
		inc(f, s, "webshell", "192.0.2.8", RONDA_SEV_CRITICAL, T0 + 30 * MIN + s * MIN,
		    T0 + 40 * MIN, "ip", "192.0.2.8", "webshell", "/wp-content/uploads/r711.php",
		    NULL);
	commit(f, T0 + 40 * MIN);
	assert_int_equal(q_int(f, LIVE), 2);
	snprintf(newer, sizeof(newer), "%s",
	    q_text(f, "SELECT id FROM campaigns WHERE kind = 'webshell'"));
	/* The same shell dropped by the brute forcer's IP on a seventh site. */
	inc(f, 7, "webshell", "203.0.113.7", RONDA_SEV_CRITICAL, T0 + 50 * MIN, T0 + 55 * MIN,
	    "ip", "203.0.113.7", "webshell", "/wp-content/uploads/r711.php", NULL);
	commit(f, T0 + 60 * MIN);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_string_equal(q_text(f, "SELECT id FROM campaigns WHERE status <> 'merged'"), older);
	{
		char q[256];
		snprintf(q, sizeof(q), "SELECT status || ' ' || merged_into FROM campaigns"
		    " WHERE id = '%s'", newer);
		assert_int_equal(strncmp(q_text(f, q), "merged ", 7), 0);
		snprintf(q, sizeof(q), "SELECT into_id || ' ' || type FROM campaign_merges"
		    " WHERE from_id = '%s'", newer);
		assert_int_equal(strncmp(q_text(f, q), older, 32), 0);
		snprintf(q, sizeof(q), "SELECT count(*) FROM campaign_incidents WHERE campaign_id ="
		    " '%s'", older);
		assert_int_equal(q_int(f, q), 7);
	}
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE status <> 'merged'"), 7);
	/* The survivor took the worst family and is critical; the new sites were alerted. */
	assert_string_equal(q_text(f, "SELECT kind || ' ' || severity FROM campaigns WHERE status"
	    " <> 'merged'"), "webshell critical");
}

/*
 * One botnet spread over networks that share no rare indicator shows as
 * campaigns on the same sites at the same time sharing a common one: they
 * merge into one.
 */
static void
one_attack_in_pieces_merges(void **state)
{
	struct fx *f = *state;

	f->cfg.wave_floor = 100;
	start(f);
	/* root on six sites is common: it links no incident. */
	for (int s = 4; s < NSITES; s++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "%d.9.9.9", 100 + s);
		ssh(f, s, ip, T0);
	}
	for (int s = 0; s < 4; s++) {
		ssh(f, s, "203.0.113.7", T0 + s * MIN);
		ssh(f, s, "198.51.100.7", T0 + 10 * MIN + s * MIN);
	}
	commit(f, T0 + 20 * MIN);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_merges"), 1);
	assert_string_equal(q_text(f, "SELECT type || '=' || value FROM campaign_merges"),
	    "user=root");
	assert_int_equal(q_int(f, "SELECT incident_count FROM campaigns WHERE status <>"
	    " 'merged'"), 8);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE status <> 'merged'"), 4);
	/*
	 * A campaign that only brushes it (one site of its three in common)
	 * stays apart: merges must not snowball through common indicators.
	 */
	ssh(f, 3, "192.0.2.99", T0 + 15 * MIN);
	ssh(f, 8, "192.0.2.99", T0 + 15 * MIN);
	ssh(f, 9, "192.0.2.99", T0 + 16 * MIN);
	commit(f, T0 + 20 * MIN);
	assert_int_equal(q_int(f, LIVE), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_merges"), 1);
}

/* ---- waves ---------------------------------------------------------------- */

static void
cms(struct fx *f, int s, int n, int64_t t)
{
	char ip[32], net[32];

	snprintf(ip, sizeof(ip), "%d.%d.%d.9", 11 + s, 20 + n, s);
	snprintf(net, sizeof(net), "%d.%d.%d.0/24", 11 + s, 20 + n, s);
	inc(f, s, "cms_bruteforce", ip, RONDA_SEV_HIGH, t, t + 20 * MIN, "ip", ip, "net", net,
	    NULL);
}

/*
 * A wave takes strangers only: five sites with a cms brute force each from
 * their own addresses make a wave; a sixth whose address also hit a seventh
 * site (an actor of its own, explained) stays out, and so does a site
 * whose attacker only shares the operator (ASN: corroboration, no link).
 */
static void
wave_takes_no_explained_incident(void **state)
{
	struct fx *f = *state;

	start(f);
	for (int s = 0; s < 5; s++)
		cms(f, s, 0, T0 + s * MIN);
	inc(f, 5, "cms_bruteforce", "198.51.100.7", RONDA_SEV_HIGH, T0 + 6 * MIN, T0 + 20 * MIN,
	    "ip", "198.51.100.7", "asn", "AS64500", NULL);
	inc(f, 6, "scan", "198.51.100.7", RONDA_SEV_LOW, T0 + 7 * MIN, T0 + 20 * MIN,
	    "ip", "198.51.100.7", NULL);
	commit(f, T0 + 30 * MIN);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns WHERE link = 'wave'"), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE link = 'wave'"), 5);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents WHERE via_type = 'wave'"
	    " AND via_value = 'cms_bruteforce'"), 5);
	/* Only the operator in common with a wave member: not linked, not a member. */
	inc(f, 8, "ssh_bruteforce", "203.0.113.77", RONDA_SEV_HIGH, T0 + 8 * MIN, T0 + 20 * MIN,
	    "ip", "203.0.113.77", "asn", "AS64500", NULL);
	inc(f, 9, "ssh_bruteforce", "203.0.113.78", RONDA_SEV_HIGH, T0 + 8 * MIN, T0 + 20 * MIN,
	    "ip", "203.0.113.78", "asn", "AS64500", NULL);
	inc(f, 7, "ssh_bruteforce", "203.0.113.79", RONDA_SEV_HIGH, T0 + 8 * MIN, T0 + 20 * MIN,
	    "ip", "203.0.113.79", "asn", "AS64500", NULL);
	commit(f, T0 + 40 * MIN);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents"), 5);
}

/*
 * A slow wave over 45 hours (a site every 5 h), seen the way a SOC imports
 * the sites' logs one after another: the clock is at the end from the first
 * batch on, so the wave made of the first five sites is closed as soon as it
 * is made. The later sites, whose times say they would have joined it while
 * it was open, join it (it reopens): one campaign of ten sites, as the live
 * stream makes (a bug: they made a second wave). A site hit again long after
 * the wave closed starts nothing with it.
 */
static void
wave_imported_site_by_site_is_the_live_wave(void **state)
{
	struct fx *f = *state;
	int64_t end = T0 + 45 * HOUR + 20 * MIN;

	start(f);
	for (int s = 0; s < NSITES; s++) {
		cms(f, s, 0, T0 + s * 5 * HOUR);
		commit(f, end);
	}
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE status <> 'merged'"),
	    NSITES);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_sites"), NSITES);
	/* Closed a day on; three days later the same kind on one site: no rejoin. */
	commit(f, end + 25 * HOUR);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns WHERE status = 'closed'"), 1);
	cms(f, 0, 1, end + 72 * HOUR);
	commit(f, end + 72 * HOUR);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_incidents"), NSITES);
}

/*
 * The same import with a restart after the wave closed: the closed wave is
 * restored (its state row kept while it can be rejoined) and the later
 * sites join it as in the uninterrupted run (test_campaign_crash saw a
 * restarted run with other members).
 */
static void
wave_imported_with_a_restart(void **state)
{
	struct fx *f = *state;
	int64_t end = T0 + 45 * HOUR + 20 * MIN;

	start(f);
	for (int s = 0; s < 5; s++) {
		cms(f, s, 0, T0 + s * 5 * HOUR);
		commit(f, end);
	}
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns WHERE status = 'closed'"), 1);
	ronda_campaigns_free(f->c);
	start(f);
	for (int s = 5; s < NSITES; s++) {
		cms(f, s, 0, T0 + s * 5 * HOUR);
		commit(f, end);
	}
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE status <> 'merged'"),
	    NSITES);
	/* Past rejoining, it leaves memory and its state row goes. */
	commit(f, end + 80 * HOUR);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_state"), 0);
}

/*
 * The later sites of a closed wave arriving in one batch (one site's import
 * bringing several incidents): all rejoin it, not only the first (a bug:
 * the first reopened it, and the rest no longer matched a closed wave).
 */
static void
wave_rejoined_by_a_batch(void **state)
{
	struct fx *f = *state;
	int64_t end = T0 + 45 * HOUR + 20 * MIN;

	start(f);
	for (int s = 0; s < 5; s++) {
		cms(f, s, 0, T0 + s * 5 * HOUR);
		commit(f, end);
	}
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns WHERE status = 'closed'"), 1);
	for (int s = 5; s < NSITES; s++)
		cms(f, s, 0, T0 + s * 5 * HOUR);
	commit(f, end);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE status <> 'merged'"),
	    NSITES);
}

/* The same incidents in time order (live): the same one campaign. */
static void
wave_live_in_time_order(void **state)
{
	struct fx *f = *state;

	start(f);
	for (int s = 0; s < NSITES; s++) {
		cms(f, s, 0, T0 + s * 5 * HOUR);
		commit(f, T0 + s * 5 * HOUR + 20 * MIN);
	}
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE status <> 'merged'"),
	    NSITES);
}

/* No shared indicator, one kind, many sites within link_window: a wave at the floor. */
static void
wave_at_the_floor(void **state)
{
	struct fx *f = *state;

	start(f);
	for (int s = 0; s < 4; s++)
		cms(f, s, 0, T0 + s * 5 * HOUR);
	commit(f, T0 + 16 * HOUR);
	assert_int_equal(q_int(f, LIVE), 0);		/* 4 < wave_floor 5 */
	cms(f, 4, 0, T0 + 20 * HOUR);
	commit(f, T0 + 21 * HOUR);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_string_equal(q_text(f, "SELECT link || ' ' || kind FROM campaigns"),
	    "wave cms_bruteforce");
	assert_int_equal(q_int(f, "SELECT reported FROM campaigns"), T0 + 20 * HOUR);
	/* Later sites of that kind join it. */
	cms(f, 5, 0, T0 + 30 * HOUR);
	commit(f, T0 + 31 * HOUR);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 6);
	/* Its days are kept for the baseline. */
	assert_true(q_int(f, "SELECT count(*) FROM campaign_wave_days") >= 6);
}

/*
 * After 7 days of history the floor gives way to wave_factor x the median
 * daily site count (scaled to link_window): 1 site a day -> 3 x 2 = 6.
 */
static void
wave_baseline_learned(void **state)
{
	struct fx *f = *state;

	f->cfg.wave_floor = 50;		/* no wave while the history builds */
	start(f);
	for (int d = 0; d < 8; d++) {
		cms(f, 8 + d % 2, d, T0 + d * DAY + HOUR);
		commit(f, T0 + d * DAY + 2 * HOUR);
	}
	assert_int_equal(q_int(f, LIVE), 0);
	/* Day 8: with yesterday's site, 5 in link_window: above 3, below 6. */
	for (int s = 0; s < 4; s++)
		cms(f, s, 100, T0 + 8 * DAY + s * HOUR);
	commit(f, T0 + 8 * DAY + 6 * HOUR);
	assert_int_equal(q_int(f, LIVE), 0);
	/* A restart keeps the history (the baseline is in the store). */
	ronda_campaigns_free(f->c);
	start(f);
	cms(f, 4, 100, T0 + 8 * DAY + 7 * HOUR);
	commit(f, T0 + 8 * DAY + 8 * HOUR);
	assert_int_equal(q_int(f, LIVE), 1);
	assert_int_equal(q_int(f, "SELECT reported FROM campaigns"), T0 + 8 * DAY + 7 * HOUR);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns"), 6);
}

/* ---- status and alerts ---------------------------------------------------- */

static void
status_follows_event_time(void **state)
{
	struct fx *f = *state;

	f->cfg.common_share = 100;	/* the IP comes back on more sites */
	start(f);
	for (int s = 0; s < 3; s++)
		ssh(f, s, "203.0.113.7", T0 + s * MIN);
	commit(f, T0 + 10 * MIN);
	assert_string_equal(q_text(f, "SELECT status FROM campaigns"), "active");
	commit(f, T0 + 7 * MIN + 2 * HOUR);		/* last_seen T0 + 7m, quiet 2h */
	assert_string_equal(q_text(f, "SELECT status FROM campaigns"), "quiet");
	ssh(f, 3, "203.0.113.7", T0 + 3 * HOUR);
	commit(f, T0 + 3 * HOUR);
	assert_string_equal(q_text(f, "SELECT status FROM campaigns"), "active");
	commit(f, T0 + 3 * HOUR + 5 * MIN + 24 * HOUR);
	assert_string_equal(q_text(f, "SELECT status FROM campaigns"), "closed");
	/* Its state stays while an incident of its time could still rejoin it. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaign_state"), 1);
	/* The attacker back after the close: a new campaign of the new incidents. */
	for (int s = 5; s < 8; s++)
		ssh(f, s, "203.0.113.7", T0 + 30 * HOUR + s * MIN);
	commit(f, T0 + 30 * HOUR + 10 * MIN);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns"), 2);
	assert_int_equal(q_int(f, "SELECT site_count FROM campaigns WHERE status = 'active'"), 3);
}

/* The throttling story: a report, two held sites, a grew, a held one, a severity rise. */
static void
throttle_story(struct fx *f)
{
	for (int s = 0; s < 3; s++)
		ssh(f, s, "203.0.113.7", T0 + s * MIN);	/* active until T0 + 7m */
	commit(f, T0 + 3 * MIN);
	ssh(f, 3, "203.0.113.7", T0 + 4 * MIN);		/* 2 min after the report: held */
	commit(f, T0 + 5 * MIN);
	ssh(f, 4, "203.0.113.7", T0 + 12 * MIN);	/* 10 min after: held */
	commit(f, T0 + 12 * MIN);
	commit(f, T0 + 7 * MIN + 15 * MIN);		/* the interval passed */
	ssh(f, 5, "203.0.113.7", T0 + 23 * MIN);
	commit(f, T0 + 23 * MIN);
}

/*
 * campaign_new once; campaign_grew at most once per interval (event time),
 * naming every site not alerted yet; campaign_severity when it rises. The
 * ids are the same when the story is decided again (a replay after a crash),
 * so an outbox holding them takes nothing twice.
 */
static void
alerts_throttled(void **state)
{
	struct fx *f = *state;
	char ids[1024];

	start(f);
	throttle_story(f);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alerts WHERE type = 'campaign_new'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alerts WHERE type = 'campaign_grew'"), 1);
	/* The grew alert names the two sites held back, at 5 sites. */
	assert_int_equal(q_int(f, "SELECT json_array_length(json_extract(json, '$.new_sites'))"
	    " FROM alerts WHERE type = 'campaign_grew'"), 2);
	assert_int_equal(q_int(f, "SELECT json_extract(json, '$.site_count') FROM alerts"
	    " WHERE type = 'campaign_grew'"), 5);
	/* Six sites = 2 x min_sites: high -> critical, alerted at once. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM alerts WHERE type ="
	    " 'campaign_severity'"), 1);
	assert_string_equal(q_text(f, "SELECT severity FROM alerts WHERE type ="
	    " 'campaign_severity'"), "critical");
	assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 3);
	snprintf(ids, sizeof(ids), "%s", q_text(f, "SELECT group_concat(id) FROM"
	    " (SELECT id FROM alerts ORDER BY seq)"));
	/* Decided again from nothing but the outbox: no new row, the same ids. */
	ronda_campaigns_free(f->c);
	assert_int_equal(sqlite3_exec(f->db, "DELETE FROM campaigns; DELETE FROM campaign_sites;"
	    " DELETE FROM campaign_incidents; DELETE FROM campaign_state; DELETE FROM"
	    " campaign_meta; DELETE FROM campaign_indicators; DELETE FROM campaign_wave_days;"
	    " DELETE FROM incidents; DELETE FROM indicators;", NULL, NULL, NULL), SQLITE_OK);
	start(f);
	throttle_story(f);
	assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 3);
	assert_string_equal(q_text(f, "SELECT group_concat(id) FROM (SELECT id FROM alerts"
	    " ORDER BY seq)"), ids);
}

/* ---- restore -------------------------------------------------------------- */

struct step {
	int site;
	const char *kind, *ip;
	int64_t t;
};

/* A mixed story: two campaigns, a merge, a wave, growth, quiet. */
static const struct step story[] = {
	{ 0, "ssh_bruteforce", "203.0.113.7", 0 }, { 1, "ssh_bruteforce", "203.0.113.7", 5 },
	{ 2, "ssh_bruteforce", "203.0.113.7", 9 }, { 4, "webshell", "192.0.2.8", 20 },
	{ 5, "webshell", "192.0.2.8", 22 }, { 6, "webshell", "192.0.2.8", 25 },
	{ 7, "webshell", "203.0.113.7", 40 }, { 3, "ssh_bruteforce", "203.0.113.7", 41 },
	{ 0, "cms_bruteforce", "11.1.0.9", 100 }, { 1, "cms_bruteforce", "12.1.0.9", 300 },
	{ 2, "cms_bruteforce", "13.1.0.9", 500 }, { 3, "cms_bruteforce", "14.1.0.9", 700 },
	{ 8, "cms_bruteforce", "15.1.0.9", 900 }, { 9, "cms_bruteforce", "16.1.0.9", 1100 },
	{ 8, "ssh_bruteforce", "203.0.113.7", 1200 }, { 5, "cms_bruteforce", "17.1.0.9", 1300 },
};
#define NSTORY (sizeof(story) / sizeof(story[0]))

static void
play(struct fx *f, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct step *s = &story[i];
		int64_t t = T0 + s->t * MIN;
		if (strcmp(s->kind, "ssh_bruteforce") == 0)
			ssh(f, s->site, s->ip, t);
		else if (strcmp(s->kind, "webshell") == 0)
			inc(f, s->site, s->kind, s->ip, RONDA_SEV_CRITICAL, t, t + MIN, "ip", s->ip,
			    "webshell", "/up/r711.php", NULL);
		else
			inc(f, s->site, s->kind, s->ip, RONDA_SEV_HIGH, t, t + MIN, "ip", s->ip, NULL);
		commit(f, t + MIN);
	}
}

/* Everything the stage wrote, as text, in key order (created excluded). */
static char *
dump(struct fx *f)
{
	static const char *const qs[] = {
		"SELECT id, kind, link, title, severity, status, merged_into, first_seen,"
		" last_seen, reported, site_count, incident_count, attacker_ips FROM campaigns"
		" ORDER BY id",
		"SELECT * FROM campaign_sites ORDER BY 1, 2",
		"SELECT * FROM campaign_incidents ORDER BY 1, 2",
		"SELECT * FROM campaign_indicators ORDER BY 1, 2, 3",
		"SELECT * FROM campaign_merges ORDER BY 1",
		"SELECT * FROM campaign_state ORDER BY 1",
		"SELECT * FROM campaign_meta ORDER BY 1",
		"SELECT * FROM campaign_wave_days ORDER BY 1, 2, 3",
		"SELECT seq, id, type, campaign_id, severity FROM alerts ORDER BY seq",
	};
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(f->db, qs[i], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *t = sqlite3_column_text(st, c);
				size_t l = t != NULL ? strlen((const char *)t) : 0;
				while (len + l + 4 >= cap)
					assert_non_null(out = realloc(out, cap *= 2));
				memcpy(out + len, t != NULL ? (const char *)t : "", l);
				len += l;
				out[len++] = '|';
			}
			out[len++] = '\n';
		}
		sqlite3_finalize(st);
		out[len++] = '#';
	}
	out[len] = '\0';
	return out;
}

/*
 * A restart after every committed batch decides exactly as one run: the
 * same campaigns, members, indicators, merges, state and alerts.
 */
static void
restart_restores_exactly(void **state)
{
	struct fx *f = *state;
	char *a, *b;

	start(f);
	play(f, 0, NSTORY);
	a = dump(f);
	assert_true(q_int(f, "SELECT count(*) FROM campaigns") >= 2);
	assert_true(q_int(f, "SELECT count(*) FROM campaign_merges") >= 1);
	assert_true(q_int(f, "SELECT count(*) FROM campaigns WHERE link = 'wave'") >= 1);
	ronda_campaigns_free(f->c);
	f->c = NULL;
	ronda_store_close(f->st);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", f->path, f->path,
		    f->path);
		assert_int_equal(system(cmd), 0);
	}
	assert_non_null(f->st = ronda_store_open(f->path, f->err, sizeof(f->err)));
	f->db = ronda_store_db(f->st);
	for (size_t i = 0; i < NSTORY; i++) {
		start(f);
		play(f, i, i + 1);
		ronda_campaigns_free(f->c);
		f->c = NULL;
	}
	start(f);
	b = dump(f);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* Over max_incidents the oldest leave memory (counted), and links still work. */
static void
memory_cap_counted(void **state)
{
	struct fx *f = *state;
	struct ronda_campaigns_stats s;

	f->cfg.max_incidents = 1000;
	start(f);
	for (int i = 0; i < 1500; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "100.%d.%d.1", i / 250, i % 250);
		inc(f, i % NSITES, "scan", ip, RONDA_SEV_LOW, T0 + i * 1000, T0 + i * 1000,
		    "ip", ip, NULL);
		if (i % 100 == 99)
			commit(f, T0 + i * 1000);
	}
	ronda_campaigns_stats(f->c, &s);
	assert_true(s.incidents <= 1000);
	assert_int_equal(s.evicted, 500);
	for (int k = 0; k < 3; k++)
		ssh(f, k, "203.0.113.7", T0 + 2000000 + k * 1000);
	commit(f, T0 + 2010000);
	assert_int_equal(q_int(f, "SELECT count(*) FROM campaigns WHERE kind = 'bruteforce'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(links_by_shared_ip_at_min_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(wave_takes_no_explained_incident, setup, teardown),
		cmocka_unit_test_setup_teardown(wave_imported_site_by_site_is_the_live_wave, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(wave_imported_with_a_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(wave_rejoined_by_a_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(wave_live_in_time_order, setup, teardown),
		cmocka_unit_test_setup_teardown(sites_within_window_and_link_window, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(common_indicators_never_link, setup, teardown),
		cmocka_unit_test_setup_teardown(allowlisted_scanner_makes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(suppressed_indicator_stops_linking, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(weak_links_found_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(campaigns_sharing_an_indicator_merge, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(one_attack_in_pieces_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(wave_at_the_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(wave_baseline_learned, setup, teardown),
		cmocka_unit_test_setup_teardown(status_follows_event_time, setup, teardown),
		cmocka_unit_test_setup_teardown(alerts_throttled, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_restores_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(memory_cap_counted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
