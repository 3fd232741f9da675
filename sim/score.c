/*
 * score.c — `ronda-sim score`: what the correlator found (its store, read
 * only) against what ronda-sim planted (truth.json): the options, the
 * thresholds, and the report as a table or JSON. How found and planted are
 * matched: score.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"
#include "score.h"
#include "sim.h"

/* ---- report ---- */

struct score_limits {
	double min_recall;	/* every planted campaign: share of sites (< 0: off) */
	long max_noise;		/* campaigns made of noise (< 0: off) */
	double max_latency;	/* seconds to first alert (< 0: off) */
	double min_incident_recall;
	int noise_below;	/* noise campaigns below this severity (0: off) */
	long max_absorbed;	/* sites absorbed per planted campaign (< 0: off) */
	long max_incidents;	/* incidents in the store (< 0: off) */
	int require_files;	/* web-root plants, file campaigns and incidents held too */
};

struct score_totals {
	size_t matched_f, found_p, noise, fsites, fsites_ok, psites, psites_ok, inc_found;
	size_t inc_held, inc_held_found;	/* planted incidents held to the recall */
	size_t fp_found;	/* web-root plants found */
	int max_noise_sev;
	size_t max_absorbed;	/* the most sites a planted campaign's campaigns absorbed */
	int max_absorbed_p;	/* that planted campaign, -1 none */
};

static void
totals(const struct score *sc, const struct score_limits *lim, struct score_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sc->nf; i++) {
		t->fsites += sc->f[i].nsite;
		if (sc->f[i].planted >= 0) {
			t->matched_f++;
			t->fsites_ok += sc->f[i].shared;
		} else {
			int sev = ronda_severity_parse(sc->f[i].severity);

			t->noise++;
			if (sev > t->max_noise_sev)
				t->max_noise_sev = sev;
		}
	}
	t->max_absorbed_p = -1;
	for (size_t k = 0; k < sc->np; k++) {
		t->found_p += sc->p[k].best > 0;
		t->psites += sc->p[k].nsite;
		t->psites_ok += sc->p[k].uni;
		if (sc->p[k].nabsorbed > t->max_absorbed ||
		    (t->max_absorbed_p < 0 && sc->p[k].found_sites > 0)) {
			t->max_absorbed = sc->p[k].nabsorbed;
			t->max_absorbed_p = (int)k;
		}
	}
	for (size_t i = 0; i < sc->ninc; i++) {
		t->inc_found += sc->inc[i].found;
		if (sc->inc[i].files && !lim->require_files)
			continue;
		t->inc_held++;
		t->inc_held_found += sc->inc[i].found;
	}
	for (size_t i = 0; i < sc->nfp; i++)
		t->fp_found += sc->fp[i].found;
}

static double
ratio_of(size_t a, size_t b)
{
	return b == 0 ? -1 : (double)a / (double)b;
}

/* Check the limits; each miss is one line in fails. Returns the misses. */
static int
check_limits(const struct score *sc, const struct score_totals *t,
    const struct score_limits *lim, struct ronda_buf *fails)
{
	int n = 0;

	for (size_t k = 0; k < sc->np; k++) {
		const struct sc_planted *p = &sc->p[k];
		/* A campaign of web-root attacks only: held with --require-files (all sites). */
		double want = p->files && !lim->require_files ? -1 : p->files &&
		    lim->min_recall < 0 ? 1 : lim->min_recall;

		if (want >= 0 && (double)p->best < want * (double)p->nsite - 1e-9) {
			ronda_buf_printf(fails, "planted campaign %s: %zu of %zu sites found in "
			    "one campaign (at least %.0f%% wanted)\n", p->name, p->best,
			    p->nsite, want * 100);
			n++;
		}
		if (lim->max_absorbed >= 0 && p->nabsorbed > (size_t)lim->max_absorbed) {
			ronda_buf_printf(fails, "planted campaign %s: %zu sites absorbed (at most "
			    "%ld):", p->name, p->nabsorbed, lim->max_absorbed);
			for (size_t s = 0; s < p->nabsorbed; s++)
				ronda_buf_printf(fails, "%s %s", s ? "," : "", p->absorbed[s]);
			ronda_buf_putc(fails, '\n');
			n++;
		}
		if (lim->max_latency >= 0 && p->best > 0) {
			if (!sc->have_clock) {
				ronda_buf_printf(fails, "planted campaign %s: time to alert needs "
				    "--clock\n", p->name);
				n++;
			} else if (p->first_alert <= 0) {
				ronda_buf_printf(fails, "planted campaign %s: found, but no alert "
				    "was raised\n", p->name);
				n++;
			} else if (p->latency_s > lim->max_latency) {
				ronda_buf_printf(fails, "planted campaign %s: first alert %.1f s "
				    "after the deciding line (at most %.1f s)\n", p->name,
				    p->latency_s, lim->max_latency);
				n++;
			}
		}
	}
	if (lim->max_noise >= 0 && t->noise > (size_t)lim->max_noise) {
		ronda_buf_printf(fails, "%zu campaigns made of noise (at most %ld)\n", t->noise,
		    lim->max_noise);
		n++;
	}
	if (lim->noise_below > 0 && t->max_noise_sev >= lim->noise_below) {
		ronda_buf_printf(fails, "a campaign made of noise has severity %s (all must "
		    "be below %s)\n", ronda_severity_name(t->max_noise_sev),
		    ronda_severity_name(lim->noise_below));
		n++;
	}
	if (lim->max_incidents >= 0 && sc->store_incidents > lim->max_incidents) {
		ronda_buf_printf(fails, "%ld incidents in the store (at most %ld)\n",
		    sc->store_incidents, lim->max_incidents);
		n++;
	}
	if (lim->min_incident_recall >= 0 && t->inc_held > 0 &&
	    (double)t->inc_held_found < lim->min_incident_recall * (double)t->inc_held - 1e-9) {
		ronda_buf_printf(fails, "planted incidents: %zu of %zu found (at least %.0f%% "
		    "wanted)\n", t->inc_held_found, t->inc_held, lim->min_incident_recall * 100);
		n++;
	}
	for (size_t i = 0; lim->require_files && i < sc->nfp; i++) {
		const struct sc_plant *fp = &sc->fp[i];

		if (fp->found)
			continue;
		ronda_buf_printf(fails, "web-root plant %s: no %s incident on %s\n", fp->name,
		    fp->kind, fp->site);
		n++;
	}
	/* A core update is benign: nothing above low, whatever the options. */
	for (size_t i = 0; i < sc->nup; i++) {
		const struct sc_update *u = &sc->up[i];

		if (u->above_low == 0)
			continue;
		ronda_buf_printf(fails, "core update %s on %s: %ld incident%s above low (worst "
		    "%s %s)\n", u->name, u->site, u->above_low, u->above_low > 1 ? "s" : "",
		    ronda_severity_name(u->worst), u->worst_kind ? u->worst_kind : "?");
		n++;
	}
	return n;
}

/* Attacker-influenced text (titles, kinds, site ids) for a terminal. */
static const char *
term(struct ronda_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	ronda_buf_reset(b);
	ronda_buf_term_str(b, s, n > max ? max : n);
	if (n > max)
		ronda_buf_puts(b, "...");
	return b->len ? b->data : "";
}

static void
print_ratio(FILE *f, const char *label, double r)
{
	if (r < 0)
		fprintf(f, "  %s  -   ", label);
	else
		fprintf(f, "  %s %.2f", label, r);
}

/* "via payload /x.php (5), wave gambling (1)": why its incidents are members. */
static void
report_via(FILE *o, const struct sc_found *f, const char *lead, struct ronda_buf *b)
{
	for (size_t v = 0; v < f->nvia; v++) {
		fprintf(o, "%s%s", v ? ", " : lead, term(b, f->via[v].type[0] ?
		    f->via[v].type : "-", 24));
		if (f->via[v].value[0] != '\0')
			fprintf(o, " %s", term(b, f->via[v].value, 60));
		fprintf(o, " (%ld)", f->via[v].n);
	}
	if (f->nvia > 0)
		fprintf(o, "\n");
}

/* "as c-1 (link indicator, 8 sites): title", then why its members are. */
static void
report_found(FILE *o, const struct sc_found *f, struct ronda_buf *b, struct ronda_buf *b2)
{
	fprintf(o, "      as %s (link %s, %zu sites): ", term(b, f->id, 40),
	    f->link[0] ? term(b2, f->link, 16) : "-", f->nsite);
	fprintf(o, "%s\n", term(b, f->title, 100));
	report_via(o, f, "        via: ", b);
}

static void
report_text(FILE *o, const struct score *sc, const struct score_totals *t,
    const char *fails, int nfail)
{
	struct ronda_buf b, b2, b3;
	char ts[RONDA_TS_LEN + 1];

	ronda_buf_init(&b, 4096);
	ronda_buf_init(&b2, 4096);
	ronda_buf_init(&b3, 4096);
	fprintf(o, "score: %s (seed %" PRId64 ")\n", term(&b, sc->scenario, 64), sc->seed);
	fprintf(o, "campaigns:       planted %zu, found %zu (%zu match a planted one, %zu "
	    "made of noise)\n                ", sc->np, sc->nf, t->matched_f, t->noise);
	print_ratio(o, "precision", ratio_of(t->matched_f, sc->nf));
	print_ratio(o, "recall", ratio_of(t->found_p, sc->np));
	fprintf(o, "\ncampaign sites:  %zu of %zu planted site hits found, %zu of %zu found "
	    "sites planted\n                ", t->psites_ok, t->psites, t->fsites_ok,
	    t->fsites);
	print_ratio(o, "precision", ratio_of(t->fsites_ok, t->fsites));
	print_ratio(o, "recall", ratio_of(t->psites_ok, t->psites));
	fprintf(o, "\n");
	if (t->max_absorbed_p >= 0)
		fprintf(o, "absorbed sites:  at most %zu per planted campaign (%s)\n",
		    t->max_absorbed, term(&b, sc->p[t->max_absorbed_p].name, 64));
	if (sc->np > 0) {
		fprintf(o, "  %-24s %-14s %5s %5s %6s %6s  %s\n", "planted campaign", "kind",
		    "sites", "found", "share", "union", "first alert after the deciding line");
		for (size_t k = 0; k < sc->np; k++) {
			const struct sc_planted *p = &sc->p[k];
			char lat[64];
			int first = 1;

			if (p->best == 0)
				snprintf(lat, sizeof(lat), "not found");
			else if (p->first_alert <= 0)
				snprintf(lat, sizeof(lat), "no alert");
			else if (!sc->have_clock)
				snprintf(lat, sizeof(lat), "alerted (no clock.json: --fast run)");
			else
				snprintf(lat, sizeof(lat), "%.1f s", p->latency_s);
			ronda_buf_reset(&b3);
			for (size_t x = 0; x < p->nkinds; x++)
				ronda_buf_printf(&b3, "%s%s", x ? "+" : "", p->kinds[x]);
			fprintf(o, "  %-24s %-14s %5zu %5zu %5.0f%% %5.0f%%  %s\n",
			    term(&b, p->name, 24), term(&b2, b3.data, 14), p->nsite, p->best,
			    100.0 * (double)p->best / (double)(p->nsite ? p->nsite : 1),
			    100.0 * (double)p->uni / (double)(p->nsite ? p->nsite : 1), lat);
			for (size_t s = 0; s < p->nsite; s++) {
				if (p->hit[s])
					continue;
				fprintf(o, "%s%s", first ? "      missing: " : ", ",
				    term(&b, p->site[s], 64));
				first = 0;
			}
			if (!first)
				fprintf(o, "\n");
			/* Its campaigns (the best first), the path that found each, and why. */
			if (p->best_f >= 0)
				report_found(o, &sc->f[p->best_f], &b, &b2);
			for (size_t i = 0; i < sc->nf; i++)
				if (sc->f[i].planted == (int)k && (int)i != p->best_f)
					report_found(o, &sc->f[i], &b, &b2);
			if (p->found_sites > 0) {
				fprintf(o, "      site precision %.2f: %zu of %zu sites planted",
				    (double)(p->found_sites - p->nabsorbed) / (double)p->found_sites,
				    p->found_sites - p->nabsorbed, p->found_sites);
				for (size_t x = 0; x < p->nabsorbed; x++) {
					const struct sc_incident *d = score_distractor_at(sc,
					    p->absorbed[x]);

					fprintf(o, "%s%s", x ? ", " : "; absorbed: ",
					    term(&b, p->absorbed[x], 64));
					if (d != NULL)
						fprintf(o, " (distractor %s)", term(&b, d->name, 40));
				}
				fprintf(o, "\n");
			}
		}
	}
	if (t->noise > 0) {
		fprintf(o, "  campaigns made of noise (no planted campaign matches):\n");
		for (size_t i = 0; i < sc->nf; i++) {
			const struct sc_found *f = &sc->f[i];

			if (f->planted >= 0)
				continue;
			ronda_fmt_utc_ms(ts, f->reported);
			fprintf(o, "    %s %-12s %-8s %3zu sites, reported %.19sZ, link %s: ",
			    term(&b, f->id, 40), term(&b2, f->kind, 12),
			    ronda_severity_name(ronda_severity_parse(f->severity)), f->nsite, ts,
			    f->link[0] ? term(&b3, f->link, 16) : "-");
			fprintf(o, "%s\n", term(&b, f->title, 120));
			report_via(o, f, "      via: ", &b);
		}
	}
	fprintf(o, "incidents:       planted %zu, found %zu", sc->ninc, t->inc_found);
	print_ratio(o, "recall", ratio_of(t->inc_found, sc->ninc));
	fprintf(o, "\n");
	for (size_t i = 0; i < sc->ninc; i++) {
		const struct sc_incident *in = &sc->inc[i];

		fprintf(o, "  %-24s %-14s %-32s ", term(&b, in->name, 24),
		    term(&b2, in->kind, 14), term(&b3, in->site, 64));
		fprintf(o, "%s%s%s\n", in->found ? "found as " : "NOT FOUND",
		    in->found ? term(&b, in->found_kind, 32) : "", in->distractor ?
		    " (distractor)" : "");
	}
	if (sc->nfp > 0) {
		fprintf(o, "web-root plants: planted %zu, found %zu", sc->nfp, t->fp_found);
		print_ratio(o, "recall", ratio_of(t->fp_found, sc->nfp));
		fprintf(o, "\n");
	}
	for (size_t i = 0; i < sc->nfp; i++) {
		const struct sc_plant *fp = &sc->fp[i];

		fprintf(o, "  %-24s %-18s %-32s ", term(&b, fp->name, 24), term(&b2, fp->kind, 18),
		    term(&b3, fp->site, 64));
		if (fp->found)
			fprintf(o, "found (%s)\n", term(&b, fp->found_severity, 16));
		else
			fprintf(o, "NOT FOUND\n");
	}
	if (sc->nup > 0)
		fprintf(o, "core updates:    %zu (benign: nothing above low)\n", sc->nup);
	for (size_t i = 0; i < sc->nup; i++) {
		const struct sc_update *u = &sc->up[i];

		fprintf(o, "  %-24s %-32s %ld incident%s", term(&b, u->name, 24),
		    term(&b2, u->site, 64), u->incidents, u->incidents == 1 ? "" : "s");
		if (u->incidents > 0)
			fprintf(o, ", worst %s %s", ronda_severity_name(u->worst),
			    term(&b, u->worst_kind ? u->worst_kind : "?", 32));
		fprintf(o, "%s\n", u->above_low > 0 ? "  ABOVE LOW" : "");
	}
	fprintf(o, "store incidents: %ld (of planted attacks %ld, the SOC scanner %ld, ",
	    sc->store_incidents, sc->inc_attributed, sc->inc_benign);
	if (sc->nfp > 0 || sc->nup > 0)
		fprintf(o, "web-root plants %ld, core updates %ld, ", sc->inc_files,
		    sc->inc_updates);
	fprintf(o, "neither %ld", sc->inc_other);
	for (size_t i = 0; i < sc->nother; i++)
		fprintf(o, "%s%s %ld", i ? ", " : ": ", term(&b, sc->other[i].kind, 32),
		    sc->other[i].n);
	fprintf(o, ")\n");
	if (sc->na > 0)
		fprintf(o, "  %-24s %-14s %5s %9s\n", "planted attack", "kind", "sites",
		    "incidents");
	for (size_t i = 0; i < sc->na; i++) {
		const struct sc_attack *a = &sc->a[i];

		fprintf(o, "  %-24s %-14s %5zu %9ld", term(&b, a->name, 24),
		    term(&b2, a->kind, 14), a->nsite, a->incidents);
		if (strcmp(a->campaign, a->name) != 0)
			fprintf(o, "  (campaign %s)", term(&b, a->campaign, 40));
		fprintf(o, "%s\n", a->distractor ? "  (distractor)" : "");
	}
	if (nfail == 0)
		fprintf(o, "result: ok\n");
	else
		fprintf(o, "result: %d threshold%s missed\n%s", nfail, nfail > 1 ? "s" : "",
		    fails);
	ronda_buf_release(&b);
	ronda_buf_release(&b2);
	ronda_buf_release(&b3);
}

static void
jnum(struct ronda_buf *b, double v)
{
	if (v < 0)
		ronda_buf_puts(b, "null");
	else
		ronda_buf_printf(b, "%.4g", v);
}

static void
jkey(struct ronda_buf *b, const char *k, const char *v)
{
	ronda_buf_printf(b, "\"%s\":", k);
	ronda_buf_json_str(b, v, strlen(v));
}

static void
jstr_or_null(struct ronda_buf *b, const char *s)
{
	if (s == NULL)
		ronda_buf_puts(b, "null");
	else
		ronda_buf_json_str(b, s, strlen(s));
}

static void
jstrs(struct ronda_buf *b, char *const *v, size_t n)
{
	ronda_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			ronda_buf_putc(b, ',');
		ronda_buf_json_str(b, v[i], strlen(v[i]));
	}
	ronda_buf_putc(b, ']');
}

/* [{"type": "payload", "value": "...", "incidents": 5}, ...] (null: the store has no reasons). */
static void
json_via(struct ronda_buf *b, const struct sc_found *f)
{
	if (f->via == NULL) {
		ronda_buf_puts(b, "null");
		return;
	}
	ronda_buf_putc(b, '[');
	for (size_t v = 0; v < f->nvia; v++) {
		ronda_buf_puts(b, v ? ",{" : "{");
		jkey(b, "type", f->via[v].type);
		ronda_buf_putc(b, ',');
		jkey(b, "value", f->via[v].value);
		ronda_buf_printf(b, ",\"incidents\":%ld}", f->via[v].n);
	}
	ronda_buf_putc(b, ']');
}

/* One found campaign of a planted one: id, link, sites, reasons. */
static void
json_found(struct ronda_buf *b, const struct sc_found *f)
{
	ronda_buf_putc(b, '{');
	jkey(b, "id", f->id);
	ronda_buf_putc(b, ',');
	jkey(b, "link", f->link);
	ronda_buf_printf(b, ",\"sites\":%zu,\"shared\":%zu,\"via\":", f->nsite, f->shared);
	json_via(b, f);
	ronda_buf_putc(b, '}');
}

static void
report_json(FILE *o, const struct score *sc, const struct score_totals *t,
    const char *fails, int nfail)
{
	struct ronda_buf b;
	char ts[RONDA_TS_LEN + 1];

	ronda_buf_init(&b, 64u << 20);
	ronda_buf_putc(&b, '{');
	jkey(&b, "scenario", sc->scenario);
	ronda_buf_printf(&b, ",\"seed\":%" PRId64 ",\"campaigns\":{\"planted\":%zu,"
	    "\"found\":%zu,\"matched\":%zu,\"noise\":%zu,\"precision\":", sc->seed, sc->np,
	    sc->nf, t->matched_f, t->noise);
	jnum(&b, ratio_of(t->matched_f, sc->nf));
	ronda_buf_puts(&b, ",\"recall\":");
	jnum(&b, ratio_of(t->found_p, sc->np));
	ronda_buf_printf(&b, "},\"campaign_sites\":{\"planted\":%zu,\"planted_found\":%zu,"
	    "\"found\":%zu,\"found_planted\":%zu,\"precision\":", t->psites, t->psites_ok,
	    t->fsites, t->fsites_ok);
	jnum(&b, ratio_of(t->fsites_ok, t->fsites));
	ronda_buf_puts(&b, ",\"recall\":");
	jnum(&b, ratio_of(t->psites_ok, t->psites));
	ronda_buf_puts(&b, "},\"planted\":[");
	for (size_t k = 0; k < sc->np; k++) {
		const struct sc_planted *p = &sc->p[k];
		int first = 1;

		ronda_buf_puts(&b, k ? ",{" : "{");
		jkey(&b, "name", p->name);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", p->kinds[0]);
		ronda_buf_puts(&b, ",\"kinds\":");
		jstrs(&b, p->kinds, p->nkinds);
		ronda_buf_printf(&b, ",\"sites\":%zu,\"found_sites\":%zu,\"union_sites\":%zu,"
		    "\"share\":", p->nsite, p->best, p->uni);
		jnum(&b, ratio_of(p->best, p->nsite));
		ronda_buf_puts(&b, ",\"campaign\":");
		if (p->best_f >= 0)
			ronda_buf_json_str(&b, sc->f[p->best_f].id, strlen(sc->f[p->best_f].id));
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"missing\":[");
		for (size_t s = 0; s < p->nsite; s++) {
			if (p->hit[s])
				continue;
			if (!first)
				ronda_buf_putc(&b, ',');
			ronda_buf_json_str(&b, p->site[s], strlen(p->site[s]));
			first = 0;
		}
		ronda_buf_puts(&b, "],\"reported\":");
		if (p->reported > 0) {
			ronda_fmt_utc_ms(ts, p->reported);
			ronda_buf_printf(&b, "\"%s\"", ts);
		} else {
			ronda_buf_puts(&b, "null");
		}
		ronda_buf_puts(&b, ",\"first_alert_ms\":");
		if (p->first_alert > 0)
			ronda_buf_put_i64(&b, p->first_alert);
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"latency_s\":");
		jnum(&b, p->latency_s);
		/* Site precision: its campaigns' sites, those absorbed. */
		ronda_buf_printf(&b, ",\"campaign_sites\":%zu,\"site_precision\":",
		    p->found_sites);
		jnum(&b, ratio_of(p->found_sites - p->nabsorbed, p->found_sites));
		ronda_buf_puts(&b, ",\"absorbed\":");
		jstrs(&b, p->absorbed, p->nabsorbed);
		ronda_buf_puts(&b, ",\"absorbed_distractors\":[");
		for (size_t x = 0, w = 0; x < p->nabsorbed; x++) {
			const struct sc_incident *d = score_distractor_at(sc, p->absorbed[x]);

			if (d == NULL)
				continue;
			if (w++ > 0)
				ronda_buf_putc(&b, ',');
			ronda_buf_json_str(&b, d->name, strlen(d->name));
		}
		ronda_buf_puts(&b, "],\"link\":");
		if (p->best_f >= 0)
			ronda_buf_json_str(&b, sc->f[p->best_f].link, strlen(sc->f[p->best_f].link));
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"campaigns\":[");
		for (size_t i = 0, w = 0; i < sc->nf; i++) {
			if (sc->f[i].planted != (int)k)
				continue;
			if (w++ > 0)
				ronda_buf_putc(&b, ',');
			json_found(&b, &sc->f[i]);
		}
		ronda_buf_puts(&b, "]}");
	}
	ronda_buf_puts(&b, "],\"noise\":[");
	for (size_t i = 0, first = 1; i < sc->nf; i++) {
		const struct sc_found *f = &sc->f[i];

		if (f->planted >= 0)
			continue;
		ronda_buf_puts(&b, first ? "{" : ",{");
		first = 0;
		jkey(&b, "id", f->id);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", f->kind);
		ronda_buf_putc(&b, ',');
		jkey(&b, "severity", f->severity);
		ronda_buf_putc(&b, ',');
		jkey(&b, "title", f->title);
		ronda_buf_puts(&b, ",\"sites\":[");
		for (size_t s = 0; s < f->nsite; s++) {
			if (s)
				ronda_buf_putc(&b, ',');
			ronda_buf_json_str(&b, f->site[s].id, strlen(f->site[s].id));
		}
		ronda_buf_puts(&b, "],");
		jkey(&b, "link", f->link);
		ronda_buf_puts(&b, ",\"via\":");
		json_via(&b, f);
		ronda_buf_putc(&b, '}');
	}
	ronda_buf_puts(&b, "],\"absorbed_max\":");
	if (t->max_absorbed_p >= 0) {
		ronda_buf_printf(&b, "%zu,\"absorbed_max_campaign\":", t->max_absorbed);
		jstr_or_null(&b, sc->p[t->max_absorbed_p].name);
	} else {
		ronda_buf_puts(&b, "null,\"absorbed_max_campaign\":null");
	}
	/* Incidents per planted attack, and the store's whole count. */
	ronda_buf_printf(&b, ",\"store_incidents\":{\"total\":%ld,\"attributed\":%ld,"
	    "\"benign\":%ld,\"files\":%ld,\"updates\":%ld,\"other\":%ld,\"other_kinds\":{",
	    sc->store_incidents, sc->inc_attributed, sc->inc_benign, sc->inc_files,
	    sc->inc_updates, sc->inc_other);
	for (size_t i = 0; i < sc->nother; i++) {
		if (i)
			ronda_buf_putc(&b, ',');
		ronda_buf_json_str(&b, sc->other[i].kind, strlen(sc->other[i].kind));
		ronda_buf_printf(&b, ":%ld", sc->other[i].n);
	}
	ronda_buf_puts(&b, "}},\"attacks\":[");
	for (size_t i = 0; i < sc->na; i++) {
		const struct sc_attack *a = &sc->a[i];

		ronda_buf_puts(&b, i ? ",{" : "{");
		jkey(&b, "name", a->name);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", a->kind);
		ronda_buf_putc(&b, ',');
		jkey(&b, "campaign", a->campaign);
		ronda_buf_printf(&b, ",\"distractor\":%s,\"sites\":%zu,\"incidents\":%ld}",
		    a->distractor ? "true" : "false", a->nsite, a->incidents);
	}
	ronda_buf_printf(&b, "],\"max_severity\":\"%s\",\"incidents\":{\"planted\":%zu,"
	    "\"found\":%zu,\"recall\":", ronda_severity_name(sc->max_sev), sc->ninc,
	    t->inc_found);
	jnum(&b, ratio_of(t->inc_found, sc->ninc));
	ronda_buf_puts(&b, ",\"missed\":[");
	for (size_t i = 0, first = 1; i < sc->ninc; i++) {
		if (sc->inc[i].found)
			continue;
		if (!first)
			ronda_buf_putc(&b, ',');
		ronda_buf_json_str(&b, sc->inc[i].name, strlen(sc->inc[i].name));
		first = 0;
	}
	ronda_buf_puts(&b, "]},\"files\":{\"planted\":");
	ronda_buf_printf(&b, "%zu,\"found\":%zu,\"recall\":", sc->nfp, t->fp_found);
	jnum(&b, ratio_of(t->fp_found, sc->nfp));
	ronda_buf_puts(&b, ",\"plants\":[");
	for (size_t i = 0; i < sc->nfp; i++) {
		const struct sc_plant *fp = &sc->fp[i];

		ronda_buf_puts(&b, i ? ",{" : "{");
		jkey(&b, "name", fp->name);
		ronda_buf_putc(&b, ',');
		jkey(&b, "campaign", fp->campaign);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", fp->kind);
		ronda_buf_putc(&b, ',');
		jkey(&b, "site", fp->site);
		ronda_buf_printf(&b, ",\"found\":%s,\"severity\":", fp->found ? "true" : "false");
		jstr_or_null(&b, fp->found_severity);
		ronda_buf_printf(&b, ",\"incidents\":%ld}", fp->incidents);
	}
	ronda_buf_puts(&b, "]},\"updates\":[");
	for (size_t i = 0; i < sc->nup; i++) {
		const struct sc_update *u = &sc->up[i];

		ronda_buf_puts(&b, i ? ",{" : "{");
		jkey(&b, "name", u->name);
		ronda_buf_putc(&b, ',');
		jkey(&b, "site", u->site);
		ronda_buf_printf(&b, ",\"incidents\":%ld,\"above_low\":%ld,\"worst\":",
		    u->incidents, u->above_low);
		if (u->incidents > 0)
			ronda_buf_printf(&b, "\"%s\"", ronda_severity_name(u->worst));
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"worst_kind\":");
		jstr_or_null(&b, u->worst_kind);
		ronda_buf_putc(&b, '}');
	}
	ronda_buf_printf(&b, "],\"ok\":%s,\"failures\":[", nfail ? "false" : "true");
	for (const char *p = fails, *nl; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (p != fails)
			ronda_buf_putc(&b, ',');
		ronda_buf_json_str(&b, p, (size_t)(nl - p));
	}
	ronda_buf_puts(&b, "]}\n");
	fwrite(b.data, 1, b.len, o);
	ronda_buf_release(&b);
}

static void
score_usage(FILE *f)
{
	fprintf(f,
	    "usage: ronda-sim score --truth DIR/truth.json --store ronda.db [--clock DIR/clock.json]\n"
	    "                       [--json] [--min-recall R] [--max-noise N] [--max-latency S]\n"
	    "                       [--noise-below SEVERITY] [--min-incident-recall R]\n"
	    "                       [--max-absorbed N] [--max-incidents N] [--require-files]\n"
	    "  --truth F      what ronda-sim planted\n"
	    "  --store F      the correlator's SQLite store (read only)\n"
	    "  --clock F      clock.json of a --speed run: time from the deciding line to the alert\n"
	    "  --json         one JSON object instead of the table\n"
	    "  --min-recall R          every planted campaign found with >= R of its sites (0..1)\n"
	    "                          in one campaign\n"
	    "  --max-noise N           at most N campaigns made of noise\n"
	    "  --max-latency S         every planted campaign alerted within S seconds (needs --clock)\n"
	    "  --noise-below SEV       every campaign made of noise below SEV (low, medium, high, critical)\n"
	    "  --min-incident-recall R planted single-site incidents found (0..1)\n"
	    "  --max-absorbed N        every planted campaign's campaigns hold at most N sites\n"
	    "                          not planted for it (absorbed: a distractor, noise)\n"
	    "  --max-incidents N       at most N incidents in the store (every kind, every site)\n"
	    "  --require-files         every web-root plant found (an incident of its kind on its\n"
	    "                          site: webshell_file, gambling_injection, defacement,\n"
	    "                          cloaking), and the campaigns and incidents of web-root\n"
	    "                          attacks held to --min-recall (default all sites) and\n"
	    "                          --min-incident-recall like the others\n"
	    "A core update (truth.json benign, cms-update) raising an incident above low on its\n"
	    "site is a failure whatever the options.\n"
	    "Exit 0 when every given threshold holds, 1 when one is missed, 2 on bad input.\n");
}

static int
parse_fraction(const char *opt, const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0) || v > max) {
		fprintf(stderr, "ronda-sim score: %s: \"%s\" is not a number in 0..%g\n", opt,
		    s, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
score_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "truth", required_argument, NULL, 't' },
		{ "store", required_argument, NULL, 's' },
		{ "clock", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "min-recall", required_argument, NULL, 'r' },
		{ "max-noise", required_argument, NULL, 'n' },
		{ "max-latency", required_argument, NULL, 'l' },
		{ "noise-below", required_argument, NULL, 'b' },
		{ "min-incident-recall", required_argument, NULL, 'i' },
		{ "max-absorbed", required_argument, NULL, 'a' },
		{ "max-incidents", required_argument, NULL, 'I' },
		{ "require-files", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct score_limits lim = { -1, -1, -1, -1, 0, -1, -1, 0 };
	struct score_totals t;
	struct score sc;
	struct ronda_buf fails;
	const char *truth = NULL, *store = NULL, *clock = NULL;
	char err[PATH_MAX + 256], uri[PATH_MAX + 64];
	sqlite3 *db = NULL;
	int ch, json = 0, rc = 2, nfail;
	double v;

	memset(&sc, 0, sizeof(sc));
	ronda_buf_init(&fails, 1u << 20);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't': truth = optarg; break;
		case 's': store = optarg; break;
		case 'c': clock = optarg; break;
		case 'j': json = 1; break;
		case 'r':
			if (parse_fraction("--min-recall", optarg, 1, &lim.min_recall) == -1)
				goto done;
			break;
		case 'i':
			if (parse_fraction("--min-incident-recall", optarg, 1,
			    &lim.min_incident_recall) == -1)
				goto done;
			break;
		case 'n':
			if (parse_fraction("--max-noise", optarg, 1e9, &v) == -1)
				goto done;
			lim.max_noise = (long)v;
			break;
		case 'l':
			if (parse_fraction("--max-latency", optarg, 1e9, &lim.max_latency) == -1)
				goto done;
			break;
		case 'a':
			if (parse_fraction("--max-absorbed", optarg, 1e9, &v) == -1)
				goto done;
			lim.max_absorbed = (long)v;
			break;
		case 'I':
			if (parse_fraction("--max-incidents", optarg, 1e12, &v) == -1)
				goto done;
			lim.max_incidents = (long)v;
			break;
		case 'b':
			if ((lim.noise_below = ronda_severity_parse(optarg)) <= 0) {
				fprintf(stderr, "ronda-sim score: --noise-below: \"%s\" is not low, "
				    "medium, high or critical\n", optarg);
				goto done;
			}
			break;
		case 'F': lim.require_files = 1; break;
		case 'h': score_usage(stdout); rc = 0; goto done;
		default: score_usage(stderr); goto done;
		}
	}
	if (optind != argc || truth == NULL || store == NULL) {
		score_usage(stderr);
		goto done;
	}
	if (score_load_truth(&sc, truth, err, sizeof(err)) == -1 ||
	    (clock != NULL && score_load_clock(&sc, clock, err, sizeof(err)) == -1)) {
		fprintf(stderr, "ronda-sim score: %s\n", err);
		goto done;
	}
	/* Read only, and never create: a mistyped path is an error. */
	snprintf(uri, sizeof(uri), "file:%s?mode=ro", store);
	if (access(store, R_OK) == -1) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, strerror(errno));
		goto done;
	}
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_busy_timeout(db, 10000);
	if (score_load_store(&sc, db, err, sizeof(err)) == -1 ||
	    score_match_incidents(&sc, db, err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, err);
		goto done;
	}
	score_match_campaigns(&sc);
	score_match_alerts(&sc, db);
	totals(&sc, &lim, &t);
	nfail = check_limits(&sc, &t, &lim, &fails);
	if (json)
		report_json(stdout, &sc, &t, fails.len ? fails.data : "", nfail);
	else
		report_text(stdout, &sc, &t, fails.len ? fails.data : "", nfail);
	rc = nfail ? 1 : 0;
done:
	sqlite3_close(db);
	score_free(&sc);
	ronda_buf_release(&fails);
	return rc;
}
