/*
 * truth.c — OUT/truth.json, what was planted:
 *
 *   sites      every site's id, kind and zone;
 *   campaigns  attacks on two sites or more, one entry per planted campaign:
 *              an attack's own, or several attacks joined by `campaign:`
 *              (one actor using two kinds, SQLi then a webshell); each with
 *              its sites, attacker addresses, span, per-site window
 *              ("windows", first session start to last session end),
 *              "kinds" and "attacks" (its members) and, when a site has
 *              several windows, "sessions";
 *   incidents  single-site attacks ("distractor": true for an unrelated one
 *              no campaign may absorb);
 *   benign     the SOC's own scanner, and every WordPress core update
 *              (kind cms-update, per site: its window and files changed);
 *   blank      sites that stop logging, and when;
 *   attacks    every attack entry as planned (sites, sessions, addresses,
 *              turn, fingerprint), for scoring incidents per attack; the
 *              kinds that change a web root are in "files" instead;
 *   webroots   every site's web root (relative to truth.json's folder), its
 *              application, file count and upload folder;
 *   files      every web-root plant, per attack and site: the incident kind
 *              it should raise (webshell_file, gambling_injection,
 *              defacement; cloaking for what a cloak makes the access log
 *              show), when, the files (path, change, mtime, and for a new
 *              file its SHA-256), the gambling domains, the shell family.
 *
 * A file attack joins campaigns and incidents like any other: on two sites or
 * more it is (part of) a campaign, else an incident; one made of file attacks
 * only says "files": true, and any with a file attack its "link" (the
 * injected domain, or the shell's hash and family) across sites.
 *
 * It is written before any line, so a live demo can read it while the logs
 * are still being written. Windows are the planned ones: every planted line
 * of an attack falls inside its window (its one success too).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static struct sim_attack *
attack_at(size_t i)
{
	return &((struct sim_attack *)scn->attacks.v)[i];
}

static int64_t
clip(int64_t ms)
{
	return ms > sim_end_ms ? sim_end_ms : ms;
}

/* The name of the planted campaign an attack belongs to. */
static const char *
group_of(const struct sim_attack *a)
{
	return a->campaign != NULL ? a->campaign : a->name;
}

/* A core update is benign: no campaign, incident or attack. */
static int
benign_kind(const struct sim_attack *a)
{
	return a->kind == ATK_CMS_UPDATE;
}

/* ,"files":true when every member changes a web root; the first file member's link. */
static void
file_keys(FILE *f, struct sim_attack **m, size_t nm)
{
	size_t nfile = 0;

	for (size_t i = 0; i < nm; i++)
		nfile += atk_is_file(m[i]->kind);
	if (nfile == nm)
		fprintf(f, ",\"files\":true");
	for (size_t i = 0; i < nm; i++)
		if (atk_is_file(m[i]->kind)) {
			fprintf(f, ",\"link\":");
			webroot_truth_link(f, m[i]);
			break;
		}
}

static void
json_ip(FILE *f, struct sim_ip ip, int comma)
{
	char b[SIM_IP_STR];

	ip_str(ip, b);
	fprintf(f, "%s\"%s\"", comma ? "," : "", b);
}

/* The attacker IPs of the whole attack, or of its k-th site only. */
static void
json_ips(FILE *f, const struct sim_attack *a, size_t k, int all)
{
	size_t from = 0, n = a->nip;

	if (!a->shared && all)
		n = a->nip * a->n;
	else if (!a->shared)
		from = k * a->nip;
	fputc('[', f);
	for (size_t i = 0; i < n; i++)
		json_ip(f, a->ip[from + i], i > 0);
	fputc(']', f);
}

static int
ip_cmp(const void *x, const void *y)
{
	const struct sim_ip *a = x, *b = y;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* The addresses of several attacks, sorted and each once. */
static int
json_group_ips(FILE *f, struct sim_attack **m, size_t nm)
{
	size_t n = 0, w = 0;
	struct sim_ip *v;

	for (size_t i = 0; i < nm; i++)
		n += m[i]->shared ? m[i]->nip : m[i]->nip * m[i]->n;
	if ((v = malloc((n ? n : 1) * sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; i < nm; i++) {
		size_t c = m[i]->shared ? m[i]->nip : m[i]->nip * m[i]->n;

		memcpy(v + w, m[i]->ip, c * sizeof(*v));
		w += c;
	}
	qsort(v, n, sizeof(*v), ip_cmp);
	fputc('[', f);
	for (size_t i = 0, out = 0; i < n; i++) {
		if (i > 0 && v[i].hi == v[i - 1].hi && v[i].lo == v[i - 1].lo)
			continue;
		json_ip(f, v[i], out++ > 0);
	}
	fputc(']', f);
	free(v);
	return 0;
}

/* Member m's index of site si, or -1. */
static long
site_k(const struct sim_attack *a, size_t si)
{
	for (size_t k = 0; k < a->n; k++)
		if (a->site[k] == si)
			return (long)k;
	return -1;
}

static void
json_window(FILE *f, int64_t from, int64_t to)
{
	fputc('[', f);
	json_time(f, from);
	fputc(',', f);
	json_time(f, clip(to));
	fputc(']', f);
}

/* The members' windows at site si as a JSON list of [from, to]; their count. */
static size_t
json_sessions(FILE *f, struct sim_attack **m, size_t nm, size_t si)
{
	size_t n = 0;

	fputc('[', f);
	for (size_t i = 0; i < nm; i++) {
		long k = site_k(m[i], si);

		for (size_t j = 0; k >= 0 && j < m[i]->nsess; j++) {
			size_t x = (size_t)k * m[i]->nsess + j;

			if (m[i]->from[x] >= sim_end_ms)
				continue;
			if (n++ > 0)
				fputc(',', f);
			json_window(f, m[i]->from[x], m[i]->to[x]);
		}
	}
	fputc(']', f);
	return n;
}

/* Sites of the members, each once, in the order they first appear. */
static size_t
group_sites(struct sim_attack **m, size_t nm, size_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < nm; i++)
		for (size_t k = 0; k < m[i]->n; k++) {
			size_t si = m[i]->site[k], j;

			for (j = 0; j < n && out[j] != si; j++)
				;
			if (j == n)
				out[n++] = si;
		}
	return n;
}

/* The span of the members at site si (or everywhere: si SIZE_MAX). */
static void
span(struct sim_attack **m, size_t nm, size_t si, int64_t *lo, int64_t *hi)
{
	*lo = INT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < nm; i++)
		for (size_t k = 0; k < m[i]->n; k++) {
			size_t ns = m[i]->nsess;

			if (si != SIZE_MAX && m[i]->site[k] != si)
				continue;
			if (m[i]->from[k * ns] < *lo)
				*lo = m[i]->from[k * ns];
			if (m[i]->to[k * ns + ns - 1] > *hi)
				*hi = m[i]->to[k * ns + ns - 1];
		}
}

static int
write_campaign(FILE *f, struct sim_attack **m, size_t nm, const char *name, int first)
{
	size_t *sites = calloc(scn->sites.n ? scn->sites.n : 1, sizeof(*sites)), ns;
	int64_t lo, hi;
	int shared = 1, many = 0;
	const char *success = NULL;

	if (sites == NULL)
		return -1;
	ns = group_sites(m, nm, sites);
	for (size_t i = 0; i < nm; i++) {
		shared &= m[i]->shared;
		if (success == NULL)
			success = m[i]->success_site;
	}
	span(m, nm, SIZE_MAX, &lo, &hi);
	fprintf(f, "%s\n {\"name\":", first ? "" : ",");
	json_str(f, name);
	fprintf(f, ",\"kind\":\"%s\",\"shared_attacker\":%s,\"sites\":[",
	    attack_kinds[m[0]->kind], shared ? "true" : "false");
	for (size_t k = 0; k < ns; k++) {
		fprintf(f, "%s", k ? "," : "");
		json_str(f, site_at(sites[k])->id);
	}
	fprintf(f, "],\"attacker_ips\":");
	if (nm == 1)
		json_ips(f, m[0], 0, 1);
	else if (json_group_ips(f, m, nm) == -1)
		goto fail;
	fprintf(f, ",\"start\":");
	json_time(f, lo);
	fprintf(f, ",\"end\":");
	json_time(f, clip(hi));
	if (success != NULL) {
		fprintf(f, ",\"success_site\":");
		json_str(f, success);
	}
	fprintf(f, ",\"windows\":{");
	for (size_t k = 0; k < ns; k++) {
		int64_t a, b;

		span(m, nm, sites[k], &a, &b);
		fprintf(f, "%s", k ? "," : "");
		json_str(f, site_at(sites[k])->id);
		fputc(':', f);
		json_window(f, a, b);
	}
	fprintf(f, "},\"kinds\":[");
	for (size_t i = 0, w = 0; i < nm; i++) {
		size_t j;

		for (j = 0; j < i && m[j]->kind != m[i]->kind; j++)
			;
		if (j == i)
			fprintf(f, "%s\"%s\"", w++ ? "," : "", attack_kinds[m[i]->kind]);
	}
	fprintf(f, "],\"attacks\":[");
	for (size_t i = 0; i < nm; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, m[i]->name);
	}
	fputc(']', f);
	/* Several windows at a site (sessions, or members one after another). */
	for (size_t k = 0; k < ns && !many; k++) {
		size_t c = 0;

		for (size_t i = 0; i < nm; i++)
			c += site_k(m[i], sites[k]) >= 0 ? m[i]->nsess : 0;
		many = c > 1;
	}
	if (many) {
		fprintf(f, ",\"sessions\":{");
		for (size_t k = 0; k < ns; k++) {
			fprintf(f, "%s", k ? "," : "");
			json_str(f, site_at(sites[k])->id);
			fputc(':', f);
			json_sessions(f, m, nm, sites[k]);
		}
		fputc('}', f);
	}
	file_keys(f, m, nm);
	fputc('}', f);
	free(sites);
	return 0;
fail:
	free(sites);
	return -1;
}

static void
write_incident(FILE *f, struct sim_attack *a, int first)
{
	fprintf(f, "%s\n {\"name\":", first ? "" : ",");
	json_str(f, a->name);
	fprintf(f, ",\"site\":");
	json_str(f, site_at(a->site[0])->id);
	fprintf(f, ",\"kind\":\"%s\",\"attacker_ips\":", attack_kinds[a->kind]);
	json_ips(f, a, 0, 0);
	fprintf(f, ",\"start\":");
	json_time(f, a->from[0]);
	fprintf(f, ",\"end\":");
	json_time(f, clip(a->to[a->nsess - 1]));
	if (a->success_site != NULL) {
		fprintf(f, ",\"success_site\":");
		json_str(f, a->success_site);
	}
	if (a->distractor)
		fprintf(f, ",\"distractor\":true");
	if (a->campaign != NULL) {
		fprintf(f, ",\"campaign\":");
		json_str(f, a->campaign);
	}
	if (a->nsess > 1) {
		fprintf(f, ",\"sessions\":");
		json_sessions(f, &a, 1, a->site[0]);
	}
	file_keys(f, &a, 1);
	fprintf(f, "}");
}

/* Every attack as planned. */
static void
write_attack(FILE *f, struct sim_attack *a, int first)
{
	fprintf(f, "%s\n {\"name\":", first ? "" : ",");
	json_str(f, a->name);
	fprintf(f, ",\"kind\":\"%s\",\"campaign\":", attack_kinds[a->kind]);
	json_str(f, group_of(a));
	fprintf(f, ",\"distractor\":%s,\"shared\":%s,\"sites\":[", a->distractor ? "true" :
	    "false", a->shared ? "true" : "false");
	for (size_t k = 0; k < a->n; k++) {
		fprintf(f, "%s", k ? "," : "");
		json_str(f, site_at(a->site[k])->id);
	}
	fprintf(f, "],\"windows\":{");
	for (size_t k = 0; k < a->n; k++) {
		fprintf(f, "%s", k ? "," : "");
		json_str(f, site_at(a->site[k])->id);
		fputc(':', f);
		json_window(f, a->from[k * a->nsess], a->to[k * a->nsess + a->nsess - 1]);
	}
	fprintf(f, "},\"sessions\":{");
	for (size_t k = 0; k < a->n; k++) {
		fprintf(f, "%s", k ? "," : "");
		json_str(f, site_at(a->site[k])->id);
		fputc(':', f);
		json_sessions(f, &a, 1, a->site[k]);
	}
	fprintf(f, "},\"networks\":[");
	for (size_t i = 0; i < a->networks.n; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, a->networks.v[i]);
	}
	fprintf(f, "],\"attacker_ips\":");
	json_ips(f, a, 0, 1);
	if (!a->shared) {
		fprintf(f, ",\"site_ips\":{");
		for (size_t k = 0; k < a->n; k++) {
			fprintf(f, "%s", k ? "," : "");
			json_str(f, site_at(a->site[k])->id);
			fputc(':', f);
			json_ips(f, a, k, 0);
		}
		fputc('}', f);
	}
	fprintf(f, ",\"rate_per_min\":%.6g,\"pace\":\"%s\"", a->rate.per_min, paces[a->pace]);
	if (a->turn.ms > 0)
		fprintf(f, ",\"turn_s\":%" PRId64, a->turn.ms / 1000);
	if (a->users > 0)
		fprintf(f, ",\"users_per_turn\":%" PRId64, a->users);
	if (a->success_site != NULL) {
		fprintf(f, ",\"success_site\":");
		json_str(f, a->success_site);
	}
	/* What would fingerprint it in the logs. */
	fprintf(f, ",\"token\":");
	json_str(f, a->token);
	if (a->user_agent != NULL) {
		fprintf(f, ",\"user_agent\":");
		json_str(f, a->user_agent);
	}
	if (a->payload != NULL) {
		fprintf(f, ",\"payload\":");
		json_str(f, a->payload);
	}
	if (a->shell != NULL) {
		fprintf(f, ",\"shell\":");
		json_str(f, a->shell);
	}
	if (a->domain != NULL) {
		fprintf(f, ",\"domain\":");
		json_str(f, a->domain);
	}
	fprintf(f, "}");
}

int
write_truth(const char *dir, uint64_t seed, char *err, size_t errlen)
{
	size_t na = scn->attacks.n;
	struct sim_attack **m = calloc(na ? na : 1, sizeof(*m));
	unsigned char *done = calloc(na ? na : 1, 1), *single = calloc(na ? na : 1, 1);
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f = NULL;
	int first;

	snprintf(path, sizeof(path), "%s/truth.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (m == NULL || done == NULL || single == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((f = fopen(tmp, "w")) == NULL)
		goto ioerr;
	fprintf(f, "{\"scenario\":");
	json_str(f, scn->name);
	fprintf(f, ",\"seed\":%" PRIu64 ",\"start\":", seed);
	json_time(f, sim_start_ms);
	fprintf(f, ",\"end\":");
	json_time(f, sim_end_ms);
	fprintf(f, ",\n\"sites\":[");
	for (size_t i = 0; i < scn->sites.n; i++) {
		const struct sim_site *s = site_at(i);

		fprintf(f, "%s{\"id\":", i ? "," : "");
		json_str(f, s->id);
		fprintf(f, ",\"kind\":\"%s\",\"timezone\":", site_kinds[s->kind]);
		json_str(f, s->timezone);
		fputc('}', f);
	}
	fprintf(f, "],\n\"campaigns\":[");
	/* Attacks of one campaign name, in file order; two sites or more make it one. */
	first = 1;
	for (size_t i = 0; i < na; i++) {
		size_t nm = 0, ns;
		size_t *sites;

		if (done[i] || benign_kind(attack_at(i)))
			continue;
		for (size_t j = i; j < na; j++)
			if (!done[j] && !benign_kind(attack_at(j)) &&
			    strcmp(group_of(attack_at(j)), group_of(attack_at(i))) == 0) {
				m[nm++] = attack_at(j);
				done[j] = 1;
			}
		if ((sites = calloc(scn->sites.n ? scn->sites.n : 1, sizeof(*sites))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		ns = group_sites(m, nm, sites);
		free(sites);
		if (ns < 2) {
			for (size_t j = 0; j < na; j++)
				for (size_t x = 0; x < nm; x++)
					if (attack_at(j) == m[x])
						single[j] = 1;
			continue;
		}
		if (write_campaign(f, m, nm, group_of(m[0]), first) == -1) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		first = 0;
	}
	fprintf(f, "],\n\"incidents\":[");
	first = 1;
	for (size_t i = 0; i < na; i++) {
		if (!single[i])
			continue;
		write_incident(f, attack_at(i), first);
		first = 0;
	}
	fprintf(f, "],\n\"benign\":[");
	if (scn->bg.soc_scanner != NULL) {
		fprintf(f, "\n {\"name\":\"soc-vulnerability-scanner\",\"kind\":\"scanner\","
		    "\"ips\":[");
		json_str(f, scn->bg.soc_scanner);
		fprintf(f, "],\"start\":");
		json_time(f, sim_start_ms + scn->bg.soc_scanner_at.ms);
		fprintf(f, "}");
		first = 0;
	} else {
		first = 1;
	}
	webroot_truth(f, WR_TRUTH_UPDATES, &first);
	fprintf(f, "],\n\"blank\":[");
	first = 1;
	for (size_t i = 0; i < scn->sites.n; i++) {
		const struct sim_site *s = site_at(i);

		if (s->blank_from == 0)
			continue;
		fprintf(f, "%s\n {\"site\":", first ? "" : ",");
		json_str(f, s->id);
		fprintf(f, ",\"from\":");
		json_time(f, s->blank_from);
		fprintf(f, ",\"to\":");
		json_time(f, clip(s->blank_to));
		fprintf(f, "}");
		first = 0;
	}
	fprintf(f, "],\n\"attacks\":[");
	first = 1;
	for (size_t i = 0; i < na; i++) {
		if (atk_is_file(attack_at(i)->kind))
			continue;
		write_attack(f, attack_at(i), first);
		first = 0;
	}
	fprintf(f, "],\n\"webroots\":[");
	first = 1;
	webroot_truth(f, WR_TRUTH_ROOTS, &first);
	fprintf(f, "],\n\"files\":[");
	first = 1;
	webroot_truth(f, WR_TRUTH_FILES, &first);
	fprintf(f, "]}\n");
	if (fclose(f) != 0) {
		f = NULL;
		goto ioerr;
	}
	f = NULL;
	if (rename(tmp, path) == -1)
		goto ioerr;
	free(m);
	free(done);
	free(single);
	return 0;
ioerr:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
fail:
	if (f != NULL)
		fclose(f);
	free(m);
	free(done);
	free(single);
	return -1;
}
