#include "detect.h"
#include "detect_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actors.h"
#include "geo.h"
#include "indicator.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

/* The key of an incident of many sources: the pool of a site and kind. */
static const char POOL[] = "pool";

void
ronda_detect_defaults(struct ronda_detect_config *c)
{
	c->bf_failures = 10;
	c->bf_window = 5 * 60 * 1000;
	c->spray_users = 5;
	c->spray_window = 10 * 60 * 1000;
	c->compromise_failures = 5;
	c->compromise_window = 30 * 60 * 1000;
	c->cms_attempts = 20;
	c->cms_window = 5 * 60 * 1000;
	c->file_bulk = 20;
	c->file_bulk_window = 10 * 60 * 1000;
	c->cloak_answers = 2;
	c->cloak_referrals = 3;
	c->cloak_window = 60 * 60 * 1000;
	c->slow_attempts = 5;
	c->slow_window = 60 * 60 * 1000;
	c->fleet_sites = 2;
	c->fleet_window = 24 * 60 * 60 * 1000;
	c->scan_paths = 30;
	c->scan_window = 5 * 60 * 1000;
	c->flood_factor = 5;
	c->flood_min_requests = 1000;
	c->flood_baseline = 30 * 60 * 1000;
	c->surge_5xx_pct = 50;
	c->surge_5xx_min = 50;
	c->silent_after = 15 * 60 * 1000;
	c->quiet = 30 * 60 * 1000;
}

int64_t
ronda_detect_horizon(const struct ronda_detect_config *c)
{
	int64_t h = c->bf_window;

	if (c->spray_window > h)
		h = c->spray_window;
	if (c->compromise_window > h)
		h = c->compromise_window;
	if (c->cms_window > h)
		h = c->cms_window;
	if (c->scan_window > h)
		h = c->scan_window;
	if (c->slow_window > h)
		h = c->slow_window;
	if (c->file_bulk_window > h)
		h = c->file_bulk_window;
	if (c->cloak_window > h)
		h = c->cloak_window;
	/* A source stays in its incident's pool while it is active (quiet). */
	if (c->quiet > h)
		h = c->quiet;
	if (c->flood_baseline + 60000 > h)
		h = c->flood_baseline + 60000;
	return h;
}

struct ronda_detect *
ronda_detect_new(const struct ronda_detect_config *cfg, struct ronda_window *w,
    const struct ronda_detect_sink *sink)
{
	struct ronda_detect *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	d->w = w;
	d->sink = *sink;
	return d;
}

void
ronda_detect_free(struct ronda_detect *d)
{
	free(d);
}

void
ronda_detect_set_geo(struct ronda_detect *d, struct ronda_geo *geo)
{
	d->geo = geo;
}

void
ronda_detect_set_actors(struct ronda_detect *d, struct ronda_actors *actors)
{
	d->actors = actors;
}

void
ronda_detect_set_bots(struct ronda_detect *d, const struct ronda_bots *bots)
{
	d->bots = bots;
}

void
ronda_detect_set_own(struct ronda_detect *d, int (*own)(void *arg, const char *ip), void *arg)
{
	d->own = own;
	d->own_arg = arg;
}

/*
 * The incident key of a source's hits of a kind that pools its sources: one
 * case per (site, kind) however many addresses a botnet uses, except an
 * address the allowlist names (the SOC's scanner is its own case).
 */
static const char *
pool_key(const struct ronda_detect *d, const struct ronda_cevent *ev)
{
	if (ev->ip[0] == '\0')
		return POOL;
	if (d->own != NULL && d->own(d->own_arg, ev->ip))
		return ev->ip;
	return POOL;
}

static const struct {
	const char *cat;	/* rule.category, or a prefix of it */
	const char *kind;
} cat_kinds[] = {
	{ "webshell", "webshell" },
	{ "sqli", "sqli" }, { "sql_injection", "sqli" }, { "sql", "sqli" },
	{ "lfi", "lfi" }, { "path_traversal", "lfi" }, { "traversal", "lfi" },
	{ "rfi", "rce" }, { "rce", "rce" }, { "command_injection", "rce" },
	{ "gambling", "gambling" }, { "judi", "gambling" }, { "spam", "gambling" },
	{ "defacement", "defacement" }, { "deface", "defacement" },
};

const char *
ronda_detect_kind_of_category(const char *category)
{
	for (size_t i = 0; i < sizeof(cat_kinds) / sizeof(cat_kinds[0]); i++)
		if (strncasecmp(category, cat_kinds[i].cat, strlen(cat_kinds[i].cat)) == 0)
			return cat_kinds[i].kind;
	return NULL;
}

static struct skey
series_key_in(uint64_t hsite, enum series s, int32_t part, const char *subj, size_t subjlen)
{
	uint64_t seed = ((uint64_t)s << 32) ^ (uint32_t)part;
	uint64_t hs = ronda_hash64(&seed, sizeof(seed), hsite);

	return (struct skey){ ronda_hash64(subj, subjlen, hs),
	    ronda_hash64(subj, subjlen, hs ^ 0x5bd1e9955bd1e995ULL) };
}

static struct skey
series_key(const struct ronda_detect *d, enum series s, int32_t part, const char *subj,
    size_t subjlen)
{
	return series_key_in(d->hsite, s, part, subj, subjlen);
}

/* Key computed and its slot prefetched: the lookup comes later. */
static struct skey
series_pre(const struct ronda_detect *d, enum series s, int32_t part, const char *subj,
    size_t subjlen)
{
	struct skey k = series_key(d, s, part, subj, subjlen);

	ronda_window_prefetch(d->w, k.hi);
	return k;
}

static struct ronda_window_entry *
series_at(struct ronda_detect *d, struct skey k, int32_t part)
{
	(void)part;
	return ronda_window_get(d->w, k.hi, k.lo, d->clock, 1);
}

struct ronda_window_entry *
detect_series(struct ronda_detect *d, enum series s, int32_t part, const char *subj,
    size_t subjlen)
{
	return series_at(d, series_key(d, s, part, subj, subjlen), part);
}

static uint64_t
hstr(const char *s)
{
	return ronda_hash64(s, strlen(s), 0x75736572ULL) | 1;
}

void
detect_hit_init(struct ronda_detect *d, struct ronda_detect_hit *h, const struct ronda_cevent *ev,
    int32_t part, const char *kind, const char *key, int sev, int64_t count)
{
	static const char *rid[RONDA_CEVENT_RULES];

	/*
	 * The scalars and the list; the value buffers (net, payload, gambling)
	 * are only read through ind[] once written, so they are not cleared.
	 */
	memset(h, 0, offsetof(struct ronda_detect_hit, ind));
	h->net[0] = h->payload[0] = h->gwords[0] = h->gdomain[0] = '\0';
	h->asn[0] = h->country[0] = '\0';
	h->site = ev->site;
	h->kind = kind;
	h->key = key;
	h->severity = sev;
	h->ts = ev->ts_ms;
	h->count = count;
	h->part = part;
	h->ip = ev->ip[0] ? ev->ip : NULL;
	h->user = ev->user[0] ? ev->user : NULL;
	for (int i = 0; i < ev->nrules; i++)
		rid[i] = ev->rule_id[i];
	h->nrules = ev->nrules;
	h->rule_ids = rid;
	if (ev->original_len > 0) {
		h->evidence = ev->original;
		h->evidence_len = ev->original_len;
	}
	if (h->ip != NULL) {
		h->ind[h->nind].type = "ip";
		h->ind[h->nind++].value = h->ip;
		ronda_indicator_net(ev->ip_family, ev->ip_bin, h->net, sizeof(h->net));
		h->ind[h->nind].type = "net";
		h->ind[h->nind++].value = h->net;
		/* Its network operator and country (geo.c: a cached look-up). */
		if (d->geo != NULL) {
			struct ronda_geo_info gi;
			if (ronda_geo_lookup(d->geo, ev->ip_family, ev->ip_bin, &gi)) {
				if (gi.asn != 0) {
					snprintf(h->asn, sizeof(h->asn), "AS%u", (unsigned)gi.asn);
					h->ind[h->nind].type = "asn";
					h->ind[h->nind++].value = h->asn;
				}
				/* From abroad (luar negeri): the country, never home. */
				if (gi.foreign) {
					memcpy(h->country, gi.country, sizeof(gi.country));
					h->ind[h->nind].type = "foreign";
					h->ind[h->nind++].value = h->country;
				}
			}
		}
	} else if (ev->domain[0] != '\0') {
		h->ind[h->nind].type = "host";
		h->ind[h->nind++].value = ev->domain;
	}
	if (h->user != NULL) {
		h->ind[h->nind].type = "user";
		h->ind[h->nind++].value = h->user;
	}
	/* A browser's or a crawler's agent is on every site: it tells nothing. */
	if (ev->ua[0] != '\0' && !ronda_indicator_ua_common(ev->ua)) {
		h->ind[h->nind].type = "user_agent";
		h->ind[h->nind++].value = ev->ua;
	}
	/* Sent by a collector host its site does not list (engine.c). */
	if (ev->host_unlisted) {
		h->ind[h->nind].type = "unlisted_host";
		h->ind[h->nind++].value = ev->host[0] != '\0' ? ev->host : "(none)";
	}
	/* Room is kept for the signature indicators (path, payload, webshell, gambling x2). */
	for (int i = 0; i < ev->nrules && h->nind < RONDA_DETECT_MAX_IND - 5; i++) {
		h->ind[h->nind].type = "rule";
		h->ind[h->nind++].value = ev->rule_id[i];
	}
}

void
detect_ind_add(struct ronda_detect_hit *h, const char *type, const char *value)
{
	if (h->nind < RONDA_DETECT_MAX_IND && value != NULL && value[0] != '\0') {
		h->ind[h->nind].type = type;
		h->ind[h->nind++].value = value;
	}
}

/*
 * "a.b.c.0/24" or the /64 of an IPv6 address ("%x:%x:%x:%x::/64"), for
 * network-level keys; its length. out holds at least 48 bytes.
 */
static size_t
net_of(const struct ronda_cevent *ev, char *out)
{
	return ronda_indicator_prefix(ev->ip_family, ev->ip_bin, 4, out);
}

/*
 * A threshold detector over one source's series e (subj names the source:
 * "ssh|203.0.113.9", an IP, a user): the source joins incident (site, kind,
 * key) when e holds `need` points within `span` (severity sev), or `slow`
 * points within `slow_span` (low; slow 0: no such level). Once it has
 * joined, each further event of it within `quiet` of a joined one joins too.
 * Membership is a series of the window store (S_MEMBER of kind and source),
 * not the incident: a pooled incident takes hits of many sources, possibly
 * from several partitions, and a replay (emit 0) rebuilds membership exactly
 * as it rebuilds the counts.
 */
void
detect_threshold(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    struct ronda_window_entry *e, const char *subj, const char *kind, const char *key,
    int sev, int64_t need, int64_t span, int64_t slow, int64_t slow_span, int emit)
{
	struct ronda_detect_hit h;
	struct ronda_window_entry *m;
	struct skey mk;
	char mb[32 + 1 + 320];
	size_t kl = strlen(kind), sl = strlen(subj), got;
	int level = 0, joined;

	if (e == NULL)
		return;
	if (kl > 32)
		kl = 32;
	if (sl > sizeof(mb) - 33)
		sl = sizeof(mb) - 33;
	memcpy(mb, kind, kl);
	mb[kl] = '|';
	memcpy(mb + kl + 1, subj, sl);
	mk = series_key(d, S_MEMBER, part, mb, kl + 1 + sl);
	m = ronda_window_get(d->w, mk.hi, mk.lo, d->clock, 0);
	joined = m != NULL && ronda_window_count(m, ev->ts_ms - d->cfg.quiet,
	    ev->ts_ms + d->cfg.quiet) > 0;
	/*
	 * A distinct series holds each value once at its newest time, so the
	 * same span count gives distinct values (user names, paths) in a span.
	 */
	got = ronda_window_max_in_span(e, span);
	if ((int64_t)got >= need) {
		level = sev;
	} else if (slow > 0) {
		got = ronda_window_max_in_span(e, slow_span);
		if ((int64_t)got >= slow)
			level = RONDA_SEV_LOW;
	}
	if (!joined && level == 0)
		return;
	if ((m = ronda_window_get(d->w, mk.hi, mk.lo, d->clock, 1)) != NULL)
		ronda_window_add(d->w, m, ev->ts_ms, 0, 0, 4);
	/* A guesser, remembered past the windows (a replay notes it again: no change). */
	if (d->actors != NULL && ev->ip_family != 0 && strcmp(kind, "scan") != 0)
		ronda_actors_note(d->actors, ev->ip, d->hsite | 1, ev->ts_ms);
	if (!emit)
		return;
	detect_hit_init(d, &h, ev, part, kind, key, level != 0 ? level : RONDA_SEV_LOW,
	    joined ? 1 : (int64_t)got);
	d->sink.hit(d->sink.arg, &h);
}

size_t
detect_cap_of(int64_t need)
{
	return need < 1 ? 1 : need > 4096 ? 4096 : (size_t)need;
}

static int
is_auth_failure(const struct ronda_cevent *ev)
{
	return ev->outcome == RONDA_CEVENT_OUT_FAILURE && ev->action[0] != '\0';
}

static int
is_auth_success(const struct ronda_cevent *ev)
{
	return ev->outcome == RONDA_CEVENT_OUT_SUCCESS && ev->action[0] != '\0' &&
	    strcmp(ev->action, "sudo_command") != 0;
}

/* "ssh_login_failed" -> "ssh"; pam and dropbear failures count as ssh. Its length. */
static size_t
service_of(const char *action, char *out, size_t n)
{
	size_t l = strcspn(action, "_");

	if (l == 0 || l >= n)
		l = 0;
	memcpy(out, action, l);
	out[l] = '\0';
	if (strcmp(out, "pam") == 0 || strcmp(out, "dropbear") == 0 || l == 0) {
		memcpy(out, "ssh", 4);
		l = 3;
	}
	return l;
}

/*
 * A success after failures: of the same IP on this site (`site_fails`
 * counted by the caller), of an address that guessed on fleet_sites sites
 * within fleet_window (a pool that guesses across the province and logs in
 * where a password works), or of its network on this site (net_series; 0:
 * none). Critical, keyed by the IP or the network. One login seen in two
 * logs (a webmail form and the IMAP server behind it) counts in each log's
 * own series, never twice in one.
 */
static void
compromise(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    int64_t site_fails, enum series net_series)
{
	const struct ronda_detect_config *c = &d->cfg;
	struct ronda_detect_hit h;
	struct ronda_window_entry *e;
	int64_t n;
	const char *key = NULL;
	char net[64];

	if (site_fails >= c->compromise_failures) {
		key = ev->ip;
	} else {
		if (d->actors != NULL && c->fleet_sites > 0 &&
		    ronda_actors_sites(d->actors, ev->ip, ev->ts_ms - c->fleet_window,
		    ev->ts_ms) >= c->fleet_sites) {
			/* It guessed on several sites today: the pool found a password. */
			key = ev->ip;
		} else if (net_series != 0) {
			size_t netlen = net_of(ev, net);
			e = detect_series(d, net_series, part, net, netlen);
			n = e != NULL ? (int64_t)ronda_window_count(e,
			    ev->ts_ms - c->compromise_window, ev->ts_ms) : 0;
			if (n >= c->compromise_failures)
				key = net;
		}
	}
	if (key != NULL) {
		detect_hit_init(d, &h, ev, part, "compromise", key, RONDA_SEV_CRITICAL, 1);
		d->sink.hit(d->sink.arg, &h);
	}
}

static void
auth_detect(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part, int emit)
{
	const struct ronda_detect_config *c = &d->cfg;
	char svc[16], kind[32], net[64];
	size_t netlen;
	struct ronda_window_entry *e;
	size_t capn = detect_cap_of(c->bf_failures > c->compromise_failures ? c->bf_failures :
	    c->compromise_failures);

	if (is_auth_failure(ev)) {
		/* kind = svc "_bruteforce", subj = svc "|" ip: both fit (16 + 11, 16 + 48). */
		size_t sl = service_of(ev->action, svc, sizeof(svc));
		memcpy(kind, svc, sl);
		memcpy(kind + sl, "_bruteforce", sizeof("_bruteforce"));
		if (ev->ip_family != 0) {
			char subj[80];
			size_t il = strlen(ev->ip), sn = sl + 1 + il;
			const char *key = pool_key(d, ev);
			struct skey kf, ka, kn, ks = { 0, 0 };
			memcpy(subj, svc, sl);
			subj[sl] = '|';
			memcpy(subj + sl + 1, ev->ip, il + 1);
			netlen = net_of(ev, net);
			/* Four series of one failure: their slots load together. */
			kf = series_pre(d, S_FAIL_IP, part, subj, sn);
			ka = series_pre(d, S_FAIL_ANY_IP, part, ev->ip, il);
			kn = series_pre(d, S_FAIL_NET, part, net, netlen);
			if (ev->user[0] != '\0')
				ks = series_pre(d, S_SPRAY, part, ev->ip, il);
			e = series_at(d, kf, part);
			if (e != NULL)
				ronda_window_add(d->w, e, ev->ts_ms, 0, 0, detect_cap_of(c->bf_failures));
			detect_threshold(d, ev, part, e, subj, kind, key, RONDA_SEV_HIGH,
			    c->bf_failures, c->bf_window, c->slow_attempts, c->slow_window, emit);
			e = series_at(d, ka, part);
			if (e != NULL)
				ronda_window_add(d->w, e, ev->ts_ms, 0, 0, capn);
			e = series_at(d, kn, part);
			if (e != NULL)
				ronda_window_add(d->w, e, ev->ts_ms, 0, 0, capn);
			if (ev->user[0] != '\0') {
				e = series_at(d, ks, part);
				if (e != NULL)
					ronda_window_add(d->w, e, ev->ts_ms, hstr(ev->user), 1,
					    detect_cap_of(c->spray_users));
				detect_threshold(d, ev, part, e, ev->ip, "password_spray", key,
				    RONDA_SEV_HIGH, c->spray_users, c->spray_window, 0, 0, emit);
			}
		} else if (ev->domain[0] != '\0') {
			/*
			 * sshd with UseDNS, PAM rhost, postfix: the peer logged by its
			 * reverse DNS name, which stands for the address.
			 */
			char subj[16 + 1 + sizeof(ev->domain)];
			size_t dl = strlen(ev->domain);
			memcpy(subj, svc, sl);
			subj[sl] = '|';
			memcpy(subj + sl + 1, ev->domain, dl + 1);
			e = detect_series(d, S_FAIL_IP, part, subj, sl + 1 + dl);
			if (e != NULL)
				ronda_window_add(d->w, e, ev->ts_ms, 0, 0, detect_cap_of(c->bf_failures));
			detect_threshold(d, ev, part, e, subj, kind, ev->domain, RONDA_SEV_HIGH,
			    c->bf_failures, c->bf_window, c->slow_attempts, c->slow_window, emit);
		} else if (ev->user[0] != '\0') {
			/* sudo/su: a local account guessed at, no network source. */
			e = detect_series(d, S_FAIL_USER, part, ev->user, strlen(ev->user));
			if (e != NULL)
				ronda_window_add(d->w, e, ev->ts_ms, 0, 0, detect_cap_of(c->bf_failures));
			detect_threshold(d, ev, part, e, ev->user, kind, ev->user, RONDA_SEV_HIGH,
			    c->bf_failures, c->bf_window, 0, 0, emit);
		}
		return;
	}
	if (is_auth_success(ev) && ev->ip_family != 0 && emit) {
		int64_t n;

		e = detect_series(d, S_FAIL_ANY_IP, part, ev->ip, strlen(ev->ip));
		n = e != NULL ? (int64_t)ronda_window_count(e,
		    ev->ts_ms - c->compromise_window, ev->ts_ms) : 0;
		compromise(d, ev, part, n, S_FAIL_NET);
	}
}

/*
 * A login form post: a rule of category cms-login (rules/web-cms.yaml says
 * which paths are login forms) or one of the usual CMS paths.
 */
static int
is_cms_login(const struct ronda_cevent *ev)
{
	static const char *const paths[] = {
		"/wp-login.php", "/xmlrpc.php", "/administrator/index.php",
		"/administrator/", "/user/login", "/admin/login", "/admin/login.php",
		"/login.php", "/auth/login", "/index.php/login",
	};

	if (strcasecmp(ev->method, "POST") != 0)
		return 0;
	for (int i = 0; i < ev->nrules; i++)
		if (strcmp(ev->rule_cat[i], "cms-login") == 0)
			return 1;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strcasecmp(ev->path, paths[i]) == 0)
			return 1;
	return 0;
}

/* Destructive SQL in the request: a 500 after it suggests it ran. */
static int
destructive_sql(const struct ronda_cevent *ev)
{
	static const char *const words[] = { "drop", "delete", "truncate", "update",
	    "insert", "alter", "shutdown" };
	const char *fields[] = { ev->query, ev->path };

	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcasestr(fields[f], words[i]) != NULL)
				return 1;
	return 0;
}

/*
 * Gambling: when the words are in the path (the site serves, or is asked
 * for, an injected page) or only a gambling referrer brought the visitor,
 * the incident is the site's and the requester (a crawler, a visitor) is no
 * indicator; search spam (words in the query) is the spammer's, by IP.
 */
static int
gambling_site_keyed(const struct ronda_cevent *ev, int *in_path)
{
	char tmp[RONDA_DETECT_VALUE_MAX];
	int in_query = ronda_indicator_gambling_words(NULL, ev->query, tmp, sizeof(tmp)) > 0;

	*in_path = ronda_indicator_gambling_words(ev->path, NULL, tmp, sizeof(tmp)) > 0;
	return *in_path || (!in_query &&
	    ronda_indicator_gambling_domain(ev->referrer, tmp, sizeof(tmp)) > 0);
}

/* Keep only the rule indicators: the requester is not the attacker. */
void
detect_drop_requester(struct ronda_detect_hit *h)
{
	int n = 0;

	for (int i = 0; i < h->nind; i++)
		if (strcmp(h->ind[i].type, "rule") == 0)
			h->ind[n++] = h->ind[i];
	h->nind = n;
	h->ip = NULL;
	h->user = NULL;
}

/* Signatures: one hit per incident kind, whatever the number of rules. */
static void
signatures(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part)
{
	struct ronda_detect_hit h;
	const char *done[RONDA_CEVENT_RULES];
	int ndone = 0, entry = 0;
	const char *key = pool_key(d, ev);

	/*
	 * An upload connector or file manager (a public exploit's way in, e.g.
	 * wp-file-manager's connector.minimal.php?cmd=upload) is every
	 * attacker's entry point: no fingerprint of one actor. The shell it
	 * drops is.
	 */
	for (int i = 0; i < ev->nrules; i++)
		if (strcmp(ev->rule_cat[i], "file-upload") == 0)
			entry = 1;

	for (int i = 0; i < ev->nrules; i++) {
		const char *kind = ronda_detect_kind_of_category(ev->rule_cat[i]);
		int sev = ev->severity > RONDA_SEV_HIGH ? ev->severity : RONDA_SEV_HIGH;
		int seen = 0, gambling, site_keyed = 0, in_path = 0, ok2xx = ev->status >= 200 &&
		    ev->status < 300;

		if (kind == NULL)
			continue;
		for (int k = 0; k < ndone; k++)
			if (strcmp(done[k], kind) == 0)
				seen = 1;
		if (seen)
			continue;
		done[ndone++] = kind;
		if (strcmp(kind, "webshell") == 0 && ev->status == 200)
			sev = RONDA_SEV_CRITICAL;	/* the shell answered */
		if (strcmp(kind, "sqli") == 0 && ev->status == 500 && destructive_sql(ev))
			sev = RONDA_SEV_CRITICAL;
		if (strcmp(kind, "defacement") == 0 && ok2xx &&
		    (strcasecmp(ev->method, "PUT") == 0 || strcasecmp(ev->method, "POST") == 0))
			sev = RONDA_SEV_CRITICAL;
		gambling = strcmp(kind, "gambling") == 0;
		if (gambling)
			site_keyed = gambling_site_keyed(ev, &in_path);
		detect_hit_init(d, &h, ev, part, kind, site_keyed ? ev->site : key, sev, 1);
		if (site_keyed)
			detect_drop_requester(&h);
		detect_ind_add(&h, "path", ev->path);
		/*
		 * The payload fingerprint where the request is the attack and its
		 * target exists (a 4xx is a probe every scanner on the Internet
		 * sends: it would link strangers); for gambling only the injected
		 * page (the search page is everyone's).
		 */
		if ((ev->status < 400 || ev->status >= 500) && (!gambling || in_path) && !entry) {
			if (ronda_indicator_payload(ev->path, gambling ? NULL : ev->query, h.payload,
			    sizeof(h.payload)) > 0)
				detect_ind_add(&h, "payload", h.payload);
		}
		if (strcmp(kind, "webshell") == 0 && ok2xx && !entry)
			detect_ind_add(&h, "webshell", ev->path);
		if (gambling) {
			if (ronda_indicator_gambling_words(ev->path, ev->query, h.gwords,
			    sizeof(h.gwords)) > 0)
				detect_ind_add(&h, "gambling", h.gwords);
			if (ronda_indicator_gambling_domain(ev->referrer, h.gdomain,
			    sizeof(h.gdomain)) > 0)
				detect_ind_add(&h, "gambling", h.gdomain);
		}
		d->sink.hit(d->sink.arg, &h);
	}
}

static void
web_detect(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part, int emit)
{
	const struct ronda_detect_config *c = &d->cfg;
	struct ronda_window_entry *e;

	if (ev->ip_family == 0) {
		if (emit)
			signatures(d, ev, part);
		return;
	}
	if (is_cms_login(ev)) {
		/* A redirect answers a login that worked; the form again, one that failed. */
		int ok = ev->status >= 300 && ev->status < 400;
		size_t il = strlen(ev->ip);
		if (ok && emit) {
			/* The form's own failures (the IMAP server behind a webmail has its own). */
			e = detect_series(d, S_CMS, part, ev->ip, il);
			compromise(d, ev, part, e != NULL ? (int64_t)ronda_window_count(e,
			    ev->ts_ms - c->compromise_window, ev->ts_ms) : 0, 0);
		}
		/* Guesses only: an editor who logs in five times an hour guessed nothing. */
		e = detect_series(d, S_CMS, part, ev->ip, il);
		if (e != NULL && !ok)
			ronda_window_add(d->w, e, ev->ts_ms, 0, 0, detect_cap_of(c->cms_attempts));
		detect_threshold(d, ev, part, e, ev->ip, "cms_bruteforce", pool_key(d, ev),
		    RONDA_SEV_HIGH, c->cms_attempts, c->cms_window, c->slow_attempts,
		    c->slow_window, emit);
	}
	if (ev->status == 404 && ev->path[0] != '\0') {
		e = detect_series(d, S_SCAN, part, ev->ip, strlen(ev->ip));
		if (e != NULL)
			ronda_window_add(d->w, e, ev->ts_ms, hstr(ev->path), 1,
			    detect_cap_of(c->scan_paths));
		detect_threshold(d, ev, part, e, ev->ip, "scan", pool_key(d, ev), RONDA_SEV_LOW,
		    c->scan_paths, c->scan_window, 0, 0, emit);
	}
	if (emit)
		signatures(d, ev, part);
	for (int i = 0; i < ev->nrules; i++)
		if (strncmp(ev->rule_cat[i], "search-", 7) == 0) {
			detect_cloak(d, ev, part, emit);
			break;
		}
}

static void
metric_detect(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    int emit)
{
	const struct ronda_detect_config *c = &d->cfg;
	const struct ronda_cevent_metrics *m = &ev->m;
	struct ronda_window_entry *e;
	struct ronda_detect_hit h;
	int64_t base = -1;
	size_t cap = (size_t)(c->flood_baseline / 60000) + 2;

	/* Requests per minute into the site's series; the baseline is their mean. */
	e = detect_series(d, S_REQS, part, "", 0);
	if (e != NULL) {
		int64_t sum = 0, n = 0;
		n = (int64_t)ronda_window_count(e, ev->ts_ms - c->flood_baseline,
		    ev->ts_ms - 1);
		if (n >= 5) {
			sum = ronda_window_sum(e, ev->ts_ms - c->flood_baseline, ev->ts_ms - 1);
			base = sum / n;
		}
		ronda_window_add(d->w, e, ev->ts_ms, (uint64_t)m->requests, 0,
		    cap > 4096 ? 4096 : cap);
	}
	if (!emit)
		return;
	if (base >= 0 && m->requests >= c->flood_min_requests &&
	    m->requests >= c->flood_factor * (base > 0 ? base : 1)) {
		detect_hit_init(d, &h, ev, part, "flood", ev->site, RONDA_SEV_HIGH, m->requests);
		d->sink.hit(d->sink.arg, &h);
	}
	if (m->status[5] >= c->surge_5xx_min && m->requests > 0 &&
	    m->status[5] * 100 >= c->surge_5xx_pct * m->requests) {
		detect_hit_init(d, &h, ev, part, "http_5xx_surge", ev->site, RONDA_SEV_HIGH,
		    m->status[5]);
		d->sink.hit(d->sink.arg, &h);
	}
}

void
ronda_detect_event(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    int emit, int late)
{
	ronda_detect_event_on(d, ev, part, part, emit, late);
}

void
ronda_detect_event_on(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    int32_t clock, int emit, int late)
{
	d->clock = clock;
	d->hsite = ronda_hash64(ev->site, strlen(ev->site), 0x73697465ULL);
	/* A web-root change (its action is no login's). */
	if (ev->file.present || strcmp(ev->dataset, "file.integrity") == 0) {
		detect_file(d, ev, part, emit, late);
		return;
	}
	if (late) {
		if (emit && ev->kind != RONDA_CEVENT_METRIC && ev->action[0] == '\0')
			signatures(d, ev, part);
		return;
	}
	switch (ev->kind) {
	case RONDA_CEVENT_METRIC:
		metric_detect(d, ev, part, emit);
		break;
	default:
		if (ev->action[0] != '\0')
			auth_detect(d, ev, part, emit);
		else
			web_detect(d, ev, part, emit);
		break;
	}
}
