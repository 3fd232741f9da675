#include "alert.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "cconfig.h"
#include "incident.h"
#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"
#include "ronda/tz.h"

/*
 * Caps: an alert is a message for people and chat bridges, so it stays small
 * whatever the campaign grew to. The counts in the JSON (site_count) are the
 * real ones; the lists are cut.
 */
#define MAX_SITES_JSON 500
#define MAX_LIST_JSON 20	/* indicators, IPs, new sites */
#define MAX_VALUE 512		/* bytes of one string value in the JSON */
#define MAX_TEXT_VALUE 80	/* bytes of one attacker-derived value in the text */
#define TEXT_NAMES 6		/* agencies named in the text */
#define TEXT_IND 3		/* indicators named in the text */
#define TEXT_IPS 3
#define TZ_CACHE 16

static const char *const type_names[RONDA_ALERT_NTYPES] = {
	"campaign_new", "campaign_grew", "campaign_severity", "incident_critical",
};

const char *
ronda_alert_type_name(int type)
{
	return type >= 0 && type < RONDA_ALERT_NTYPES ? type_names[type] : "unknown";
}

int
ronda_alert_type_parse(const char *s)
{
	for (int i = 0; i < RONDA_ALERT_NTYPES; i++)
		if (s != NULL && strcmp(s, type_names[i]) == 0)
			return i;
	return -1;
}

/*
 * The id hashes the type, both ids and seq_key with a NUL between fields (so
 * "ab"+"c" and "a"+"bc" differ), twice with different seeds for 128 bits.
 */
void
ronda_alert_make_id(char out[33], const struct ronda_alert *a)
{
	struct ronda_buf b;
	uint64_t h1, h2;

	ronda_buf_init(&b, 0);
	ronda_buf_puts(&b, ronda_alert_type_name(a->type));
	ronda_buf_putc(&b, '\0');
	ronda_buf_puts(&b, a->campaign_id != NULL ? a->campaign_id : "");
	ronda_buf_putc(&b, '\0');
	ronda_buf_puts(&b, a->incident_id != NULL ? a->incident_id : "");
	ronda_buf_putc(&b, '\0');
	ronda_buf_put_i64(&b, a->seq_key);
	h1 = ronda_hash64(b.data != NULL ? b.data : "", b.len, 0x616c657274ULL);
	h2 = ronda_hash64(b.data != NULL ? b.data : "", b.len, 0x6f7574626f78ULL);
	ronda_buf_release(&b);
	snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, h1, h2);
}

/* ---- strings from attackers ---- */

/* The longest prefix of s within max bytes that ends between UTF-8 sequences. */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	size_t i = 0;

	if (n <= max)
		return n;
	while (i < n) {
		size_t l = ronda_utf8_seq_len((const unsigned char *)s + i, n - i);
		if (l == 0)
			l = 1;
		if (i + l > max)
			break;
		i += l;
	}
	return i;
}

/*
 * A string for a JSON value: valid UTF-8 kept (cJSON escapes quotes and
 * control characters), each invalid byte the literal text \xHH (as the
 * collector writes them), cut to MAX_VALUE input bytes. Malloc'd.
 */
static char *
json_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = utf8_cut((const char *)p, strlen((const char *)p), MAX_VALUE), i = 0;
	struct ronda_buf b;

	ronda_buf_init(&b, 0);
	if (ronda_buf_reserve(&b, n + 1) == -1)
		return NULL;
	b.data[0] = '\0';
	while (i < n) {
		size_t l = p[i] < 0x80 ? 1 : ronda_utf8_seq_len(p + i, n - i);
		if (l > 0) {
			ronda_buf_append(&b, p + i, l);
			i += l;
		} else {
			ronda_buf_printf(&b, "\\x%02x", p[i]);
			i++;
		}
	}
	if (b.overflow) {
		ronda_buf_release(&b);
		return NULL;
	}
	return b.data;
}

/*
 * Append s to the text with control characters and invalid UTF-8 escaped,
 * the escaped form cut to max bytes ("..." when cut), so a value full of
 * escapes does not grow the message past its budget.
 */
static void
text_put(struct ronda_buf *t, const char *s, size_t max)
{
	struct ronda_buf e;
	size_t c;

	if (s == NULL)
		return;
	ronda_buf_init(&e, 4 * MAX_VALUE + 16);
	ronda_buf_term_str(&e, s, utf8_cut(s, strlen(s), 4 * MAX_VALUE));
	if (e.data != NULL) {
		c = utf8_cut(e.data, e.len, max);
		ronda_buf_append(t, e.data, c);
		if (c < e.len || e.overflow)
			ronda_buf_puts(t, "...");
	}
	ronda_buf_release(&e);
}

static int
add_str(cJSON *o, const char *name, const char *v)
{
	char *c = json_clean(v);
	cJSON *r = c != NULL ? cJSON_AddStringToObject(o, name, c) : NULL;

	free(c);
	return r != NULL ? 0 : -1;
}

static int
arr_str(cJSON *arr, const char *v)
{
	char *c = json_clean(v);
	cJSON *s = c != NULL ? cJSON_CreateString(c) : NULL;

	free(c);
	if (s == NULL)
		return -1;
	cJSON_AddItemToArray(arr, s);
	return 0;
}

static int
add_time(cJSON *o, const char *name, int64_t ms)
{
	char ts[RONDA_TS_LEN + 1];

	ronda_fmt_utc_ms(ts, ms);
	return cJSON_AddStringToObject(o, name, ts) != NULL ? 0 : -1;
}

/* ---- local times ---- */

/*
 * Zones are read from disk once per name and kept for the process (a
 * province has three). Only the correlator's thread calls this.
 */
static struct {
	char *name;
	struct ronda_tz *tz;
} tz_cache[TZ_CACHE];

static const struct ronda_tz *
zone(const char *name)
{
	char err[128];
	size_t i;

	if (name == NULL || name[0] == '\0')
		name = "UTC";
	for (i = 0; i < TZ_CACHE && tz_cache[i].name != NULL; i++)
		if (strcmp(tz_cache[i].name, name) == 0)
			return tz_cache[i].tz;
	if (i == TZ_CACHE)
		return NULL;
	/* An unknown zone is remembered as NULL (UTC) so the disk is asked once. */
	if ((tz_cache[i].name = strdup(name)) == NULL)
		return NULL;
	tz_cache[i].tz = ronda_tz_new(name, err, sizeof(err));
	return tz_cache[i].tz;
}

void
ronda_alert_cleanup(void)
{
	for (size_t i = 0; i < TZ_CACHE; i++) {
		free(tz_cache[i].name);
		ronda_tz_free(tz_cache[i].tz);
		tz_cache[i].name = NULL;
		tz_cache[i].tz = NULL;
	}
}

static const char *const months_id[12] = { "Jan", "Feb", "Mar", "Apr", "Mei", "Jun",
	"Jul", "Agu", "Sep", "Okt", "Nov", "Des" };
static const char *const months_en[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

struct local {
	int64_t day;		/* local days since the epoch */
	int64_t y;
	unsigned mon, d, h, mi;
	const char *abbr;
};

static void
local_of(const char *tzname, int64_t ms, struct local *l)
{
	const struct ronda_tz *tz = zone(tzname);
	int64_t t = ms / 1000 - (ms % 1000 < 0 ? 1 : 0), secs;

	if (tz != NULL) {
		t += ronda_tz_offset_at(tz, ms / 1000);
		l->abbr = ronda_tz_abbr_at(tz, ms / 1000);
	} else {
		l->abbr = "UTC";
	}
	l->day = t / 86400 - (t % 86400 < 0 ? 1 : 0);
	secs = t - l->day * 86400;
	ronda_civil_from_days(l->day, &l->y, &l->mon, &l->d);
	l->h = (unsigned)(secs / 3600);
	l->mi = (unsigned)(secs / 60 % 60);
}

/* "2026-11-20 09:35 WITA" for the JSON. */
static void
fmt_local_full(char *out, size_t n, const char *tzname, int64_t ms)
{
	struct local l;

	local_of(tzname, ms, &l);
	snprintf(out, n, "%04" PRId64 "-%02u-%02u %02u:%02u %s", l.y, l.mon, l.d, l.h, l.mi,
	    l.abbr);
}

/* "09:35 WITA", or "20 Nov 09:35 WITA" when ref_ms falls on another local day. */
static void
text_local(struct ronda_buf *t, const char *tzname, int64_t ms, int64_t ref_ms, int lang)
{
	struct local l, r;

	local_of(tzname, ms, &l);
	local_of(tzname, ref_ms, &r);
	if (l.day != r.day)
		ronda_buf_printf(t, "%u %s ", l.d,
		    (lang == RONDA_LANG_EN ? months_en : months_id)[l.mon - 1]);
	ronda_buf_printf(t, "%02u:%02u ", l.h, l.mi);
	text_put(t, l.abbr, 16);
}

/* ---- words ---- */

static const char *const sev_id[] = { "INFO", "RENDAH", "SEDANG", "TINGGI", "KRITIS" };
static const char *const sev_en[] = { "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

static const char *
sev_word(int sev, int lang)
{
	if (sev < 0 || sev > RONDA_SEV_CRITICAL)
		sev = 0;
	return (lang == RONDA_LANG_EN ? sev_en : sev_id)[sev];
}

/* What an incident kind (or campaign kind family) is called in each language. */
static const struct {
	const char *kind, *id, *en;
} kinds[] = {
	{ "gambling", "injeksi spam judi online", "gambling-spam injection" },
	{ "webshell", "webshell", "webshell" },
	{ "sqli", "injeksi SQL", "SQL injection" },
	{ "lfi", "pembacaan berkas lokal (LFI)", "local file inclusion" },
	{ "rce", "eksekusi perintah jarak jauh", "remote code execution" },
	{ "defacement", "deface situs", "defacement" },
	{ "scan", "pemindaian", "scanning" },
	{ "cms_bruteforce", "brute force login CMS", "CMS login brute force" },
	{ "password_spray", "password spraying", "password spraying" },
	{ "compromise", "login berhasil setelah brute force",
	    "successful login after brute force" },
	{ "bruteforce", "brute force login", "login brute force" },
	{ "ssh_bruteforce", "brute force SSH", "SSH brute force" },
	{ "ftp_bruteforce", "brute force FTP", "FTP brute force" },
	{ "mail_bruteforce", "brute force login email (IMAP/POP3)", "mail login brute force (IMAP/POP3)" },
	{ "smtp_bruteforce", "brute force SMTP AUTH", "SMTP AUTH brute force" },
	{ "sudo_bruteforce", "brute force sudo", "sudo brute force" },
	{ "su_bruteforce", "brute force su", "su brute force" },
	{ "flood", "banjir permintaan", "request flood" },
	{ "http_5xx_surge", "lonjakan galat 5xx", "5xx error surge" },
	{ "silent_site", "situs tidak mengirim log", "silent site" },
	{ "webshell_file", "berkas webshell ditanam", "webshell file planted" },
	{ "gambling_injection", "konten judi disisipkan", "gambling content injected" },
	{ "cloaking", "cloaking (mesin pencari diberi konten lain)",
	    "cloaking (search engines served other content)" },
	{ "bulk_change", "banyak berkas web berubah", "many web files changed" },
};

/* What made a single-site incident critical, where the kind alone does not say. */
static const struct {
	const char *kind, *id, *en;
} critical_kinds[] = {
	{ "webshell", "webshell dijawab 200 (kemungkinan aktif)",
	    "webshell answered 200 (likely live)" },
	{ "sqli", "injeksi SQL merusak dijawab 500", "destructive SQL injection answered 500" },
	{ "defacement", "deface berhasil (PUT/POST diterima)",
	    "defacement accepted (PUT/POST succeeded)" },
	{ "webshell_file", "berkas webshell ada di web root", "webshell file in the web root" },
};

/* The kind's words, or NULL when unknown (the caller writes the kind itself). */
static const char *
kind_words(const char *kind, int lang, int critical)
{
	if (kind == NULL)
		return NULL;
	if (critical)
		for (size_t i = 0; i < sizeof(critical_kinds) / sizeof(critical_kinds[0]); i++)
			if (strcmp(kind, critical_kinds[i].kind) == 0)
				return lang == RONDA_LANG_EN ? critical_kinds[i].en :
				    critical_kinds[i].id;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return lang == RONDA_LANG_EN ? kinds[i].en : kinds[i].id;
	return NULL;
}

/* Append the kind's words with the first letter upper case when cap. */
static void
text_kind(struct ronda_buf *t, const char *kind, int lang, int critical, int cap)
{
	const char *w = kind_words(kind, lang, critical);
	size_t at = t->len;

	if (w != NULL)
		ronda_buf_puts(t, w);
	else
		text_put(t, kind != NULL ? kind : "?", 40);
	if (cap && t->len > at && t->data[at] >= 'a' && t->data[at] <= 'z')
		t->data[at] = (char)(t->data[at] - 'a' + 'A');
}

/* "Gelombang X" / "X wave" (campaign) or "X" (incident) */
static void
text_headline(struct ronda_buf *t, const struct ronda_alert *a, int lang)
{
	if (a->type == RONDA_ALERT_INCIDENT_CRITICAL) {
		text_kind(t, a->kind, lang, 1, 1);
	} else if (lang == RONDA_LANG_EN) {
		text_kind(t, a->kind, lang, 0, 1);
		ronda_buf_puts(t, " wave");
	} else {
		ronda_buf_puts(t, "Gelombang ");
		text_kind(t, a->kind, lang, 0, 0);
	}
}

/* The true number of sites (the list may have been cut). */
static size_t
site_count(const struct ronda_alert *a)
{
	return a->site_total > a->nsites ? a->site_total : a->nsites;
}

static const char *
site_name(const struct ronda_alert_site *s)
{
	if (s->agency != NULL && s->agency[0] != '\0')
		return s->agency;
	return s->id != NULL ? s->id : "?";
}

/* Distinct regions in joining order: "A", "A, B", "A, B +3 wilayah lain". */
static void
text_regions(struct ronda_buf *t, const struct ronda_alert *a, int lang)
{
	size_t shown = 0, more = 0;

	for (size_t i = 0; i < a->nsites; i++) {
		const char *r = a->sites[i].region;
		int seen = 0;
		if (r == NULL || r[0] == '\0')
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = a->sites[j].region != NULL && strcmp(a->sites[j].region, r) == 0;
		if (seen)
			continue;
		if (shown < 2) {
			ronda_buf_puts(t, ", ");
			text_put(t, r, MAX_TEXT_VALUE);
			shown++;
		} else {
			more++;
		}
	}
	if (more > 0)
		ronda_buf_printf(t, lang == RONDA_LANG_EN ? " and %zu more regions" :
		    " +%zu wilayah lain", more);
}

/* Agencies (or site ids), distinct, at most TEXT_NAMES, then "+N lainnya". */
static void
text_names(struct ronda_buf *t, const struct ronda_alert_site *sites, size_t n,
    const char *const *only, size_t nonly, int lang)
{
	size_t shown = 0, more = 0;

	for (size_t i = 0; i < n; i++) {
		const char *nm = site_name(&sites[i]);
		int seen = 0, want = only == NULL;
		for (size_t j = 0; j < nonly && !want; j++)
			want = sites[i].id != NULL && strcmp(only[j], sites[i].id) == 0;
		if (!want)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(site_name(&sites[j]), nm) == 0;
		if (seen)
			continue;
		if (shown < TEXT_NAMES) {
			if (shown > 0)
				ronda_buf_puts(t, ", ");
			text_put(t, nm, MAX_TEXT_VALUE);
			shown++;
		} else {
			more++;
		}
	}
	if (more > 0)
		ronda_buf_printf(t, lang == RONDA_LANG_EN ? " and %zu more" : " +%zu lainnya",
		    more);
}

static void
text_indicators(struct ronda_buf *t, const struct ronda_alert *a, int lang)
{
	size_t n = a->nind < TEXT_IND ? a->nind : TEXT_IND;

	if (n > 0) {
		ronda_buf_puts(t, lang == RONDA_LANG_EN ? " Indicators: " : " Indikator: ");
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				ronda_buf_puts(t, ", ");
			text_put(t, a->ind[i].type, 16);
			ronda_buf_putc(t, ' ');
			text_put(t, a->ind[i].value, MAX_TEXT_VALUE);
		}
		ronda_buf_putc(t, '.');
	}
	n = a->nips < TEXT_IPS ? a->nips : TEXT_IPS;
	if (n > 0) {
		ronda_buf_puts(t, " IP: ");
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				ronda_buf_puts(t, ", ");
			text_put(t, a->ips[i], 48);
		}
		if (a->nips > n)
			ronda_buf_printf(t, lang == RONDA_LANG_EN ? " and %zu more" :
			    " +%zu lainnya", a->nips - n);
		ronda_buf_putc(t, '.');
	}
	n = a->nabroad < TEXT_IPS ? a->nabroad : TEXT_IPS;
	if (n > 0) {
		ronda_buf_puts(t, lang == RONDA_LANG_EN ? " From abroad: " : " Dari luar negeri: ");
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				ronda_buf_puts(t, ", ");
			text_put(t, a->abroad[i], 8);
		}
		ronda_buf_putc(t, '.');
	}
}

/*
 * The message for people, e.g.
 *   [KRITIS] Gelombang injeksi spam judi online — 8 situs, Kalimantan Timur
 *   sejak 09:35 WITA: Diskominfo Kota Samarinda, ... Indikator: gambling slot88.
 *   [CRITICAL] Successful login after brute force — Diskominfo Bontang
 *   (bontangkota.go.id), Kalimantan Timur, 09:35 WITA: account admin. IP: ...
 * Every value from the stream goes through the terminal escaper: no control
 * character reaches a chat window or a console.
 */
static void
build_text(struct ronda_buf *t, const struct ronda_alert *a, int lang)
{
	int en = lang == RONDA_LANG_EN;
	const char *tzname = a->nsites > 0 ? a->sites[0].timezone : "";

	ronda_buf_printf(t, "[%s] ", sev_word(a->severity, lang));
	text_headline(t, a, lang);
	if (a->type == RONDA_ALERT_INCIDENT_CRITICAL) {
		const struct ronda_alert_site *s = a->nsites > 0 ? &a->sites[0] : NULL;
		ronda_buf_puts(t, " — ");
		if (s != NULL) {
			text_put(t, site_name(s), MAX_TEXT_VALUE);
			if (s->agency != NULL && s->agency[0] != '\0' && s->id != NULL) {
				ronda_buf_puts(t, " (");
				text_put(t, s->id, MAX_TEXT_VALUE);
				ronda_buf_putc(t, ')');
			}
			if (s->region != NULL && s->region[0] != '\0') {
				ronda_buf_puts(t, ", ");
				text_put(t, s->region, MAX_TEXT_VALUE);
			}
		}
		ronda_buf_puts(t, en ? ", since " : ", sejak ");
		text_local(t, tzname, a->first_seen, a->last_seen, lang);
		if (a->user != NULL && a->user[0] != '\0') {
			ronda_buf_puts(t, en ? ": account " : ": akun ");
			text_put(t, a->user, MAX_TEXT_VALUE);
		}
		ronda_buf_putc(t, '.');
		text_indicators(t, a, lang);
		return;
	}
	switch (a->type) {
	case RONDA_ALERT_CAMPAIGN_GREW:
		ronda_buf_printf(t, en ? " spreads to %zu sites" : " meluas ke %zu situs",
		    site_count(a));
		if (a->nnew > 0) {
			ronda_buf_printf(t, en ? " (%zu new: " : " (%zu baru: ", a->nnew);
			text_names(t, a->sites, a->nsites, a->new_sites, a->nnew, lang);
			ronda_buf_putc(t, ')');
		}
		break;
	case RONDA_ALERT_CAMPAIGN_SEVERITY:
		ronda_buf_printf(t, en ? " rises to %s (was %s) — %zu sites" :
		    " naik ke %s (sebelumnya %s) — %zu situs", sev_word(a->severity, lang),
		    sev_word(a->prev_severity, lang), site_count(a));
		break;
	default:
		ronda_buf_printf(t, en ? " — %zu sites" : " — %zu situs", site_count(a));
	}
	text_regions(t, a, lang);
	ronda_buf_puts(t, en ? " since " : " sejak ");
	text_local(t, tzname, a->first_seen, a->last_seen, lang);
	if (a->type != RONDA_ALERT_CAMPAIGN_GREW || a->nnew == 0) {
		ronda_buf_puts(t, ": ");
		text_names(t, a->sites, a->nsites, NULL, 0, lang);
	}
	ronda_buf_putc(t, '.');
	text_indicators(t, a, lang);
}

/* "Gelombang X — 8 situs, Kalimantan Timur" when the caller gave no title. */
static void
build_title(struct ronda_buf *t, const struct ronda_alert *a, int lang)
{
	text_headline(t, a, lang);
	if (a->type == RONDA_ALERT_INCIDENT_CRITICAL) {
		if (a->nsites > 0) {
			ronda_buf_puts(t, " — ");
			text_put(t, a->sites[0].id, MAX_TEXT_VALUE);
		}
		return;
	}
	ronda_buf_printf(t, lang == RONDA_LANG_EN ? " — %zu sites" : " — %zu situs",
	    site_count(a));
	text_regions(t, a, lang);
}

void
ronda_alert_text(struct ronda_buf *t, const struct ronda_alert *a, int lang)
{
	build_text(t, a, lang);
}

void
ronda_alert_title(struct ronda_buf *t, const struct ronda_alert *a, int lang)
{
	if (a->title != NULL)
		text_put(t, a->title, 4 * MAX_TEXT_VALUE);
	else
		build_title(t, a, lang);
}

void
ronda_alert_local_time(struct ronda_buf *t, const char *tzname, int64_t ms, int64_t ref_ms,
    int lang)
{
	text_local(t, tzname, ms, ref_ms, lang);
}

const char *
ronda_alert_severity_word(int sev, int lang)
{
	return sev_word(sev, lang);
}

void
ronda_alert_text_put(struct ronda_buf *t, const char *s, size_t max)
{
	text_put(t, s, max);
}

/* ---- the JSON ---- */

static cJSON *
build_json(const struct ronda_alert *a, const char *id, int lang, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject(), *arr, *it;
	struct ronda_buf t;
	char local[64];
	int bad = 0;

	ronda_buf_init(&t, 64 * 1024);
	if (o == NULL)
		return NULL;
	bad |= cJSON_AddStringToObject(o, "id", id) == NULL;
	bad |= cJSON_AddStringToObject(o, "type", ronda_alert_type_name(a->type)) == NULL;
	bad |= add_time(o, "created", now_ms);
	bad |= cJSON_AddStringToObject(o, "severity", ronda_severity_name(a->severity)) ==
	    NULL;
	if (a->type == RONDA_ALERT_CAMPAIGN_SEVERITY)
		bad |= cJSON_AddStringToObject(o, "previous_severity",
		    ronda_severity_name(a->prev_severity)) == NULL;
	if (a->campaign_id != NULL)
		bad |= add_str(o, "campaign_id", a->campaign_id);
	if (a->incident_id != NULL)
		bad |= add_str(o, "incident_id", a->incident_id);
	bad |= add_str(o, "kind", a->kind != NULL ? a->kind : "");
	if (a->title != NULL) {
		bad |= add_str(o, "title", a->title);
	} else {
		build_title(&t, a, lang);
		bad |= add_str(o, "title", t.data != NULL ? t.data : "");
		ronda_buf_reset(&t);
	}
	bad |= cJSON_AddStringToObject(o, "language", lang == RONDA_LANG_EN ? "en" : "id") ==
	    NULL;
	build_text(&t, a, lang);
	bad |= t.overflow;
	bad |= cJSON_AddStringToObject(o, "text", t.data != NULL ? t.data : "") == NULL;
	ronda_buf_release(&t);
	bad |= cJSON_AddNumberToObject(o, "site_count", (double)site_count(a)) == NULL;
	if ((arr = cJSON_AddArrayToObject(o, "sites")) == NULL)
		goto fail;
	for (size_t i = 0; i < a->nsites && i < MAX_SITES_JSON; i++) {
		const struct ronda_alert_site *s = &a->sites[i];
		if ((it = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, it);
		bad |= add_str(it, "id", s->id != NULL ? s->id : "");
		bad |= add_str(it, "agency", s->agency != NULL ? s->agency : "");
		bad |= add_str(it, "region", s->region != NULL ? s->region : "");
		bad |= add_str(it, "timezone", s->timezone != NULL && s->timezone[0] != '\0' ?
		    s->timezone : "UTC");
		bad |= add_time(it, "first_seen", s->first_seen);
		fmt_local_full(local, sizeof(local), s->timezone, s->first_seen);
		bad |= add_str(it, "first_seen_local", local);
	}
	if ((arr = cJSON_AddArrayToObject(o, "new_sites")) == NULL)
		goto fail;
	for (size_t i = 0; i < a->nnew && i < MAX_SITES_JSON; i++)
		bad |= arr_str(arr, a->new_sites[i]);
	bad |= add_time(o, "first_seen", a->first_seen);
	bad |= add_time(o, "last_seen", a->last_seen);
	if ((arr = cJSON_AddArrayToObject(o, "indicators")) == NULL)
		goto fail;
	for (size_t i = 0; i < a->nind && i < MAX_LIST_JSON; i++) {
		if ((it = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, it);
		bad |= add_str(it, "type", a->ind[i].type);
		bad |= add_str(it, "value", a->ind[i].value);
	}
	if ((arr = cJSON_AddArrayToObject(o, "attacker_ips")) == NULL)
		goto fail;
	for (size_t i = 0; i < a->nips && i < MAX_LIST_JSON; i++)
		bad |= arr_str(arr, a->ips[i]);
	if (a->nabroad > 0) {
		if ((arr = cJSON_AddArrayToObject(o, "abroad")) == NULL)
			goto fail;
		for (size_t i = 0; i < a->nabroad && i < MAX_LIST_JSON; i++)
			bad |= arr_str(arr, a->abroad[i]);
	}
	if (a->user != NULL)
		bad |= add_str(o, "user", a->user);
	if (bad)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

char *
ronda_alert_json(const struct ronda_alert *a, int lang, int64_t now_ms)
{
	char id[33];
	cJSON *o;
	char *s;

	ronda_alert_make_id(id, a);
	if ((o = build_json(a, id, lang, now_ms)) == NULL)
		return NULL;
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* ---- the outbox ---- */

static int
exists(sqlite3 *db, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM alerts WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "alerts: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "alerts: %s", sqlite3_errmsg(db));
		return -1;
	}
	return rc == SQLITE_ROW;
}

int
ronda_alert_raise(struct sqlite3 *db, const struct ronda_alert *a, int lang,
    int64_t now_ms, char *err, size_t errlen)
{
	static const char q[] = "INSERT OR IGNORE INTO alerts"
	    " (id, created, type, campaign_id, incident_id, severity, json)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = NULL;
	char id[33], *json = NULL, *cid = NULL, *iid = NULL;
	int rc = -1, ex;

	if (a->type < 0 || a->type >= RONDA_ALERT_NTYPES) {
		snprintf(err, errlen, "alert type %d unknown", a->type);
		return -1;
	}
	ronda_alert_make_id(id, a);
	/* Raised again (a replay, or each batch that touches the incident): nothing to build. */
	if ((ex = exists(db, id, err, errlen)) != 0)
		return ex == 1 ? 0 : -1;
	json = ronda_alert_json(a, lang, now_ms);
	cid = json_clean(a->campaign_id != NULL ? a->campaign_id : "");
	iid = json_clean(a->incident_id != NULL ? a->incident_id : "");
	if (json == NULL || cid == NULL || iid == NULL) {
		snprintf(err, errlen, "alert %s: out of memory", id);
		goto out;
	}
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_text(st, 3, ronda_alert_type_name(a->type), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, cid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, iid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ronda_severity_name(a->severity), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, json, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	rc = sqlite3_changes(db) == 1 ? 1 : 0;
	goto out;
dberr:
	snprintf(err, errlen, "alerts: insert %s: %s", id, sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	free(json);
	free(cid);
	free(iid);
	return rc;
}

/* ---- critical single-site incidents ---- */

int
ronda_alert_incident(struct sqlite3 *db, const struct ronda_incident *inc, int lang,
    int64_t now_ms, char *err, size_t errlen)
{
	struct ronda_alert_indicator ind[3 * RONDA_INCIDENT_SET];
	const char *ips[RONDA_INCIDENT_SET], *abroad[RONDA_INCIDENT_SET];
	struct ronda_alert_site site;
	struct ronda_alert a;
	sqlite3_stmt *st = NULL;
	char *agency = NULL, *region = NULL, *tzname = NULL;
	size_t nind = 0, nab = 0;
	int rc;

	if (inc->severity < RONDA_SEV_CRITICAL)
		return 0;
	memset(&a, 0, sizeof(a));
	a.type = RONDA_ALERT_INCIDENT_CRITICAL;
	a.incident_id = inc->id;
	/* A reopened incident that turns critical again is news again. */
	a.seq_key = inc->reopen_count;
	/* Cheap when it was raised already: each batch that touches it comes here. */
	{
		char id[33];
		int ex;
		ronda_alert_make_id(id, &a);
		if ((ex = exists(db, id, err, errlen)) != 0)
			return ex == 1 ? 0 : -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT agency, region, timezone FROM site_info"
	    " WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "site_info: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, inc->site, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		agency = strdup((const char *)sqlite3_column_text(st, 0));
		region = strdup((const char *)sqlite3_column_text(st, 1));
		tzname = strdup((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	site = (struct ronda_alert_site){ .id = inc->site,
	    .agency = agency != NULL ? agency : "", .region = region != NULL ? region : "",
	    .timezone = tzname != NULL ? tzname : "", .first_seen = inc->first_seen };
	for (int i = 0; i < inc->nips; i++) {
		ips[i] = inc->ips[i];
		ind[nind++] = (struct ronda_alert_indicator){ "ip", inc->ips[i] };
	}
	for (int i = 0; i < inc->nusers; i++)
		ind[nind++] = (struct ronda_alert_indicator){ "user", inc->users[i] };
	for (int i = 0; i < inc->nrules; i++)
		ind[nind++] = (struct ronda_alert_indicator){ "rule", inc->rules[i] };
	a.kind = inc->kind;
	a.severity = inc->severity;
	a.prev_severity = inc->severity;
	a.first_seen = inc->first_seen;
	a.last_seen = inc->last_seen;
	a.sites = &site;
	a.nsites = 1;
	a.ind = ind;
	a.nind = nind;
	a.ips = ips;
	a.nips = (size_t)inc->nips;
	a.user = inc->nusers > 0 ? inc->users[0] : NULL;
	/* Its addresses abroad, as the detector found them (new in this write). */
	for (const struct ronda_incident_ind *i = inc->ind_pending;
	    i != NULL && nab < RONDA_INCIDENT_SET; i = i->next)
		if (strcmp(i->type, "foreign") == 0) {
			/* Queued again when an earlier hit carried it: list it once. */
			size_t k = 0;
			while (k < nab && strcmp(abroad[k], i->value) != 0)
				k++;
			if (k == nab)
				abroad[nab++] = i->value;
		}
	a.abroad = abroad;
	a.nabroad = nab;
	rc = ronda_alert_raise(db, &a, lang, now_ms, err, errlen);
	free(agency);
	free(region);
	free(tzname);
	return rc;
}
