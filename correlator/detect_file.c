/*
 * detect_file.c — the defacement itself, as the collector's web-root watch
 * and its access log show it:
 *
 *   webshell_file       a changed file with a webshell marker (critical), or
 *                       a script in an upload folder (high)
 *   gambling_injection  gambling vocabulary, hidden links, cloaking code, an
 *                       injected .htaccess redirect or sitemap (high); names
 *                       the injected domains
 *   defacement          a defacement page (high)
 *   bulk_change         many changed files without a marker and not accepted
 *                       by the operator, in a short span (low: a deploy or a
 *                       CMS update nobody announced)
 *   cloaking            (access log) a search bot answered unlike a browser
 *                       for the same URL, or visitors sent from a search
 *                       result redirected; an address calling itself a
 *                       crawler from outside the crawler's published ranges
 *                       stays an indicator of the case (an attacker checking
 *                       the cloak), a genuine crawler never is
 *
 * Incidents are the site's (key = site): the files are its evidence, and the
 * indicators that link sites into a campaign are the attack's own: the
 * injected domains ("gambling", as a gambling referrer's domain is), the
 * file's hash ("file_hash"), the shell family ("family") and the shell's
 * URL path ("webshell", as a request answered by that shell has).
 */
#include "detect.h"
#include "detect_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bots.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

static uint64_t
hstr(const char *s)
{
	return ronda_hash64(s, strlen(s), 0x66696c65ULL) | 1;
}

/* The marker categories (rules/webroot, one YAML file per family) an incident kind takes. */
enum { K_SHELL, K_UPLOAD, K_GAMBLING, K_DEFACE, K_N };

static int
kind_of_marker(const char *cat)
{
	static const struct {
		const char *cat;
		int k;
	} m[] = {
		{ "webshell", K_SHELL }, { "upload-script", K_UPLOAD },
		{ "gambling", K_GAMBLING }, { "hidden-link", K_GAMBLING },
		{ "cloaking", K_GAMBLING }, { "htaccess-redirect", K_GAMBLING },
		{ "sitemap", K_GAMBLING }, { "defacement", K_DEFACE },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcasecmp(cat, m[i].cat) == 0)
			return m[i].k;
	return -1;
}

/* A link target as the collector wrote it, checked again: it is the sender's word. */
static int
is_hostname(const char *s)
{
	size_t n = strlen(s);

	return n > 3 && n <= 253 && strchr(s, '.') != NULL && s[0] != '.' && s[0] != '-' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

static int
is_sha256(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* "file_created wp-content/uploads/x.php: <excerpt>" (cut to cap). */
static void
evidence(char *out, size_t cap, const struct ronda_cevent *ev)
{
	int n = snprintf(out, cap, "%s %s", ev->action[0] != '\0' ? ev->action : "file_changed",
	    ev->file.relpath[0] != '\0' ? ev->file.relpath : "(unknown)");

	if (n > 0 && (size_t)n < cap && ev->file.excerpt[0] != '\0')
		snprintf(out + n, cap - (size_t)n, ": %s", ev->file.excerpt);
}

static void
file_hit(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part, int k, int sev,
    const char *text, const char *shellpath)
{
	static const char *const kinds[K_N] = { "webshell_file", "webshell_file",
	    "gambling_injection", "defacement" };
	struct ronda_detect_hit h;

	detect_hit_init(d, &h, ev, part, kinds[k], ev->site, sev, 1);
	h.evidence = text;
	h.evidence_len = strlen(text);
	for (int i = 0; i < ev->file.ndom; i++)
		if (is_hostname(ev->file.domains[i]))
			detect_ind_add(&h, "gambling", ev->file.domains[i]);
	if (is_sha256(ev->file.sha256))
		detect_ind_add(&h, "file_hash", ev->file.sha256);
	for (int i = 0; i < ev->file.nfam; i++)
		detect_ind_add(&h, "family", ev->file.families[i]);
	if (shellpath != NULL)
		detect_ind_add(&h, "webshell", shellpath);
	d->sink.hit(d->sink.arg, &h);
}

void
detect_file(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part, int emit,
    int late)
{
	const struct ronda_detect_config *c = &d->cfg;
	int sev[K_N] = { 0 }, any = 0;
	char text[RONDA_CEVENT_PATH_MAX + RONDA_CEVENT_EXCERPT_MAX + 64];
	char shell[RONDA_CEVENT_PATH_MAX + 2];

	for (int i = 0; i < ev->nrules; i++) {
		int k = kind_of_marker(ev->rule_cat[i]);
		if (k < 0)
			continue;
		any = 1;
		/* The markers' own severity, at least what the kind is worth. */
		int s = ev->severity > 0 ? ev->severity : RONDA_SEV_HIGH;
		if (k == K_SHELL)
			s = RONDA_SEV_CRITICAL;
		else if (s < RONDA_SEV_HIGH)
			s = RONDA_SEV_HIGH;
		if (s > sev[k])
			sev[k] = s;
	}
	if (!any) {
		/*
		 * A change with no marker: the operator's own (accepted) is
		 * nothing; many others at once are a note (a deploy, an update).
		 * A deletion counts too: a wiped site is many of them.
		 */
		struct ronda_window_entry *e;
		if (ev->file.accepted || late || ev->file.relpath[0] == '\0')
			return;
		e = detect_series(d, S_FILES, part, "", 0);
		if (e != NULL)
			ronda_window_add(d->w, e, ev->ts_ms, hstr(ev->file.relpath), 1,
			    detect_cap_of(c->file_bulk));
		detect_threshold(d, ev, part, e, "files", "bulk_change", ev->site, RONDA_SEV_LOW,
		    c->file_bulk, c->file_bulk_window, 0, 0, emit);
		return;
	}
	if (!emit)
		return;
	evidence(text, sizeof(text), ev);
	/* A planted shell is reached at its URL: the web side's webshell indicator. */
	snprintf(shell, sizeof(shell), "/%s", ev->file.relpath);
	if (sev[K_SHELL] > 0 || sev[K_UPLOAD] > 0) {
		int k = sev[K_SHELL] > 0 ? K_SHELL : K_UPLOAD;
		file_hit(d, ev, part, k, sev[K_SHELL] > 0 ? sev[K_SHELL] : sev[K_UPLOAD], text,
		    ev->file.relpath[0] != '\0' ? shell : NULL);
	}
	if (sev[K_GAMBLING] > 0)
		file_hit(d, ev, part, K_GAMBLING, sev[K_GAMBLING], text, NULL);
	if (sev[K_DEFACE] > 0)
		file_hit(d, ev, part, K_DEFACE, sev[K_DEFACE], text, NULL);
}

/*
 * A search bot's answer unlike a browser's for the same URL (the collector
 * put the browser's last answer beside it), the way judi cloakers answer:
 * the page to the bot and a redirect to people (2xx against 3xx), a
 * redirect away to the bot only (3xx against 2xx; not 301, a canonical
 * URL), or another page altogether (both 2xx, bodies 2x and 8 KB apart;
 * an empty body, a HEAD or a health check, says nothing). An outage (5xx),
 * a 304 (the bot's copy is current) or a page gone for the bot (4xx) is no
 * cloak: crawlers see those every day.
 */
static int
answers_differ(const struct ronda_cevent *ev)
{
	const struct ronda_cevent_cloak *k = &ev->cloak;
	int bot = ev->status, web = k->browser_status;
	int64_t a, b, lo, hi;

	if (!k->present || web == 0 || bot == 0 || bot >= 500 || web >= 500 || bot == 304 ||
	    web == 304)
		return 0;
	if (bot / 100 == 2 && web / 100 == 3)
		return 1;
	if (bot / 100 == 3 && web / 100 == 2)
		return bot != 301 && bot != 308;
	if (bot / 100 != 2 || web / 100 != 2 || ev->bytes <= 0 || k->browser_bytes <= 0)
		return 0;
	a = ev->bytes;
	b = k->browser_bytes;
	lo = a < b ? a : b;
	hi = a < b ? b : a;
	return hi - lo >= 8192 && lo * 2 <= hi;
}

void
detect_cloak(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part, int emit)
{
	const struct ronda_detect_config *c = &d->cfg;
	struct ronda_window_entry *e;
	int bot = 0, redirect = 0, verdict;

	for (int i = 0; i < ev->nrules; i++) {
		if (strcmp(ev->rule_cat[i], "search-bot") == 0)
			bot = 1;
		else if (strcmp(ev->rule_cat[i], "search-redirect") == 0)
			redirect = 1;
	}
	if (bot && answers_differ(ev)) {
		verdict = ronda_bots_verify(d->bots, ev->ua, ev->ip_family, ev->ip_bin);
		e = detect_series(d, S_CLOAK, part, "", 0);
		if (e != NULL)
			ronda_window_add(d->w, e, ev->ts_ms, hstr(ev->path), 0,
			    detect_cap_of(c->cloak_answers));
		if (e != NULL && emit && (int64_t)ronda_window_max_in_span(e, c->cloak_window) >=
		    c->cloak_answers) {
			struct ronda_detect_hit h;
			detect_hit_init(d, &h, ev, part, "cloaking", ev->site, RONDA_SEV_HIGH, 1);
			/*
			 * A crawler's own address is on every site it crawls: it
			 * links nothing. One that only says it is a crawler is
			 * whoever checks the cloak works.
			 */
			if (verdict != RONDA_BOTS_FAKE)
				detect_drop_requester(&h);
			detect_ind_add(&h, "path", ev->path);
			d->sink.hit(d->sink.arg, &h);
		}
	}
	if (redirect && ev->ip_family != 0) {
		e = detect_series(d, S_CLOAK_REF, part, "", 0);
		if (e != NULL)
			ronda_window_add(d->w, e, ev->ts_ms, hstr(ev->ip), 1,
			    detect_cap_of(c->cloak_referrals));
		if (e != NULL && emit && (int64_t)ronda_window_max_in_span(e, c->cloak_window) >=
		    c->cloak_referrals) {
			struct ronda_detect_hit h;
			detect_hit_init(d, &h, ev, part, "cloaking", ev->site, RONDA_SEV_HIGH, 1);
			detect_drop_requester(&h);	/* the visitor is the victim */
			detect_ind_add(&h, "path", ev->path);
			d->sink.hit(d->sink.arg, &h);
		}
	}
}
