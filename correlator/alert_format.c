#include "alert_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "cconfig.h"
#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

#define MAX_MSG (256 * 1024)	/* any rendered message, hard cap */
#define CHAT_BUDGET 3800	/* bytes of a Telegram/Slack text (Telegram: 4096 chars) */
#define TEXT_BUDGET 48000	/* bytes of an e-mail body before base64 */
#define SITE_LINES 10		/* sites listed under a campaign alert */

/* One alert of a message, parsed back from its stored JSON (strings borrowed). */
struct palert {
	struct ronda_alert a;
	struct ronda_alert_site *sites;
	const char **news;
	struct ronda_alert_indicator *ind;
	const char **ips;
	const char *id, *lang, *title;
	int64_t created;
	cJSON *obj;
};

struct ronda_alert_msg {
	cJSON *doc;
	int digest;
	const char *id;
	const char *campaign_id;	/* digest: "" for alerts without a campaign */
	int64_t start, span, created;
	int severity;
	struct palert *v;
	size_t n;
};

/* ---- parsing ---- */

static const char *
jstr(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : dflt;
}

static int64_t
jtime(const cJSON *o, const char *k)
{
	const char *s = jstr(o, k, "");
	int64_t ms = 0;

	if (ronda_parse_rfc3339(s, strlen(s), &ms) == -1)
		return 0;
	return ms;
}

static int
jsev(const cJSON *o, const char *k)
{
	int s = ronda_severity_parse(jstr(o, k, "none"));

	return s < 0 ? 0 : s;
}

static size_t
jlen(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
}

static void
palert_free(struct palert *p)
{
	free(p->sites);
	free(p->news);
	free(p->ind);
	free(p->ips);
}

static int
palert_parse(cJSON *o, struct palert *p, char *err, size_t errlen)
{
	struct ronda_alert *a = &p->a;
	const cJSON *it;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->obj = o;
	if (!cJSON_IsObject(o) || (a->type = ronda_alert_type_parse(jstr(o, "type", ""))) < 0) {
		snprintf(err, errlen, "not an alert");
		return -1;
	}
	p->id = jstr(o, "id", "");
	p->lang = jstr(o, "language", "id");
	p->title = jstr(o, "title", NULL);
	p->created = jtime(o, "created");
	a->campaign_id = jstr(o, "campaign_id", NULL);
	a->incident_id = jstr(o, "incident_id", NULL);
	a->kind = jstr(o, "kind", "");
	a->severity = jsev(o, "severity");
	a->prev_severity = jsev(o, "previous_severity");
	a->first_seen = jtime(o, "first_seen");
	a->last_seen = jtime(o, "last_seen");
	a->user = jstr(o, "user", NULL);
	it = cJSON_GetObjectItemCaseSensitive(o, "site_count");
	if (cJSON_IsNumber(it) && it->valuedouble > 0 && it->valuedouble < 1e9)
		a->site_total = (size_t)it->valuedouble;
	p->sites = calloc(jlen(o, "sites") + 1, sizeof(*p->sites));
	p->news = calloc(jlen(o, "new_sites") + 1, sizeof(*p->news));
	p->ind = calloc(jlen(o, "indicators") + 1, sizeof(*p->ind));
	p->ips = calloc(jlen(o, "attacker_ips") + 1, sizeof(*p->ips));
	if (p->sites == NULL || p->news == NULL || p->ind == NULL || p->ips == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "sites")) {
		p->sites[i++] = (struct ronda_alert_site){ .id = jstr(it, "id", "?"),
		    .agency = jstr(it, "agency", ""), .region = jstr(it, "region", ""),
		    .timezone = jstr(it, "timezone", ""), .first_seen = jtime(it, "first_seen") };
	}
	a->sites = p->sites;
	a->nsites = i;
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "new_sites"))
		if (cJSON_IsString(it))
			p->news[i++] = it->valuestring;
	a->new_sites = p->news;
	a->nnew = i;
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "indicators"))
		p->ind[i++] = (struct ronda_alert_indicator){ jstr(it, "type", "?"),
		    jstr(it, "value", "") };
	a->ind = p->ind;
	a->nind = i;
	i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "attacker_ips"))
		if (cJSON_IsString(it))
			p->ips[i++] = it->valuestring;
	a->ips = p->ips;
	a->nips = i;
	return 0;
}

struct ronda_alert_msg *
ronda_alert_msg_parse(const char *json, char *err, size_t errlen)
{
	struct ronda_alert_msg *m = calloc(1, sizeof(*m));
	cJSON *arr, *it;
	size_t n = 0;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((m->doc = cJSON_Parse(json)) == NULL) {
		snprintf(err, errlen, "not JSON");
		goto fail;
	}
	m->id = jstr(m->doc, "id", "");
	if (strcmp(jstr(m->doc, "type", ""), "digest") == 0) {
		m->digest = 1;
		m->campaign_id = jstr(m->doc, "campaign_id", "");
		m->start = jtime(m->doc, "interval_start");
		m->span = jtime(m->doc, "interval_end") - m->start;
		m->created = jtime(m->doc, "created");
		arr = cJSON_GetObjectItemCaseSensitive(m->doc, "alerts");
		n = jlen(m->doc, "alerts");
		if (n == 0) {
			snprintf(err, errlen, "a digest without alerts");
			goto fail;
		}
	} else {
		arr = NULL;
		n = 1;
	}
	if ((m->v = calloc(n, sizeof(*m->v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (arr == NULL) {
		m->n = 1;
		if (palert_parse(m->doc, &m->v[0], err, errlen) == -1)
			goto fail;
		m->created = m->v[0].created;
		m->severity = m->v[0].a.severity;
		return m;
	}
	cJSON_ArrayForEach(it, arr) {
		if (m->n == n)
			break;
		if (palert_parse(it, &m->v[m->n++], err, errlen) == -1)
			goto fail;
		if (m->v[m->n - 1].a.severity > m->severity)
			m->severity = m->v[m->n - 1].a.severity;
	}
	return m;
fail:
	ronda_alert_msg_free(m);
	return NULL;
}

void
ronda_alert_msg_free(struct ronda_alert_msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		palert_free(&m->v[i]);
	free(m->v);
	cJSON_Delete(m->doc);
	free(m);
}

const char *
ronda_alert_msg_id(const struct ronda_alert_msg *m)
{
	return m->id;
}

/* ---- the text, with markup and escaping for each format ---- */

enum { ESC_TEXT, ESC_HTML, ESC_SLACK };

struct writer {
	struct ronda_buf *b;
	int esc;
	size_t budget;		/* bytes of the whole text */
	size_t dropped;		/* lines left out for the budget */
};

static void
put_escaped(struct ronda_buf *b, int esc, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (esc != ESC_TEXT && c == '&')
			ronda_buf_puts(b, "&amp;");
		else if (esc != ESC_TEXT && c == '<')
			ronda_buf_puts(b, "&lt;");
		else if (esc != ESC_TEXT && c == '>')
			ronda_buf_puts(b, "&gt;");
		else if (esc == ESC_HTML && c == '"')
			ronda_buf_puts(b, "&quot;");
		else
			ronda_buf_putc(b, c);
	}
}

static const char *
bold(int esc, int on)
{
	return esc == ESC_HTML ? (on ? "<b>" : "</b>") : esc == ESC_SLACK ? "*" : "";
}

static const char *
code(int esc, int on)
{
	return esc == ESC_HTML ? (on ? "<code>" : "</code>") : esc == ESC_SLACK ? "`" : "";
}

/*
 * A line made of parts: plain text (escaped here) and markup. Built apart
 * and added whole, or counted as dropped when the budget is spent (a line
 * is never cut inside a tag or an entity).
 */
struct line {
	struct ronda_buf b;
	int esc;
};

static void
line_init(struct line *l, int esc)
{
	ronda_buf_init(&l->b, MAX_MSG);
	l->esc = esc;
}

static void
line_text(struct line *l, const char *s)
{
	put_escaped(&l->b, l->esc, s, strlen(s));
}

static void
line_buf(struct line *l, const struct ronda_buf *t)
{
	if (t->data != NULL)
		put_escaped(&l->b, l->esc, t->data, t->len);
}

static void
line_mark(struct line *l, const char *m)
{
	ronda_buf_puts(&l->b, m);
}

/* Add the line (and a newline before it, unless first); 1 added, 0 dropped. */
static int
line_commit(struct writer *w, struct line *l, int force)
{
	int ok = force || w->b->len + l->b.len + 1 <= w->budget;

	if (ok) {
		if (w->b->len > 0)
			ronda_buf_putc(w->b, '\n');
		if (l->b.data != NULL)
			ronda_buf_append(w->b, l->b.data, l->b.len);
	} else {
		w->dropped++;
	}
	ronda_buf_release(&l->b);
	return ok;
}

/* The alert with the title it should carry in lang. */
static struct ronda_alert
in_lang(const struct palert *p, int lang)
{
	struct ronda_alert a = p->a;

	/* The stored title is in the language the alert was raised in. */
	a.title = p->title != NULL && strcmp(p->lang, lang == RONDA_LANG_EN ? "en" : "id") == 0 ?
	    p->title : NULL;
	return a;
}

/* "10 menit" / "10-minute" */
static void
span_words(struct ronda_buf *t, int64_t span, int lang)
{
	int en = lang == RONDA_LANG_EN;

	if (span > 0 && span % 3600000 == 0)
		ronda_buf_printf(t, en ? "%" PRId64 "-hour" : "%" PRId64 " jam", span / 3600000);
	else if (span > 0 && span % 60000 == 0)
		ronda_buf_printf(t, en ? "%" PRId64 "-minute" : "%" PRId64 " menit", span / 60000);
	else
		ronda_buf_printf(t, en ? "%" PRId64 "-second" : "%" PRId64 " detik", span / 1000);
}

static const char *
first_zone(const struct palert *p)
{
	return p->a.nsites > 0 ? p->a.sites[0].timezone : "";
}

/* "09:30–09:40 WITA" (the zone once when both ends share it) */
static void
interval_local(struct ronda_buf *t, const char *tz, int64_t start, int64_t span, int lang)
{
	struct ronda_buf a, b;
	const char *za, *zb;

	ronda_buf_init(&a, 256);
	ronda_buf_init(&b, 256);
	ronda_alert_local_time(&a, tz, start, start, lang);
	ronda_alert_local_time(&b, tz, start + span, start, lang);
	if (a.data != NULL && b.data != NULL) {
		za = strrchr(a.data, ' ');
		zb = strrchr(b.data, ' ');
		if (za != NULL && zb != NULL && strcmp(za, zb) == 0)
			a.len = (size_t)(za - a.data);
		ronda_buf_append(t, a.data, a.len);
		ronda_buf_puts(t, "–");
		ronda_buf_append(t, b.data, b.len);
	}
	ronda_buf_release(&a);
	ronda_buf_release(&b);
}

/* "[KRITIS] Ringkasan 10 menit, 09:30–09:40 WITA: 3 peringatan" */
static void
digest_headline(struct ronda_buf *t, const struct ronda_alert_msg *m, int lang)
{
	int en = lang == RONDA_LANG_EN;
	const char *tz = first_zone(&m->v[0]);

	ronda_buf_printf(t, "[%s] ", ronda_alert_severity_word(m->severity, lang));
	if (en) {
		span_words(t, m->span, lang);
		ronda_buf_puts(t, " digest, ");
	} else {
		ronda_buf_puts(t, "Ringkasan ");
		span_words(t, m->span, lang);
		ronda_buf_puts(t, ", ");
	}
	interval_local(t, tz, m->start, m->span, lang);
	ronda_buf_printf(t, en ? ": %zu alerts" : ": %zu peringatan", m->n);
}

/* The sites of a campaign alert, one a line, with the local time each joined. */
static void
site_lines(struct writer *w, const struct palert *p, int lang)
{
	const struct ronda_alert *a = &p->a;
	size_t total = a->site_total > a->nsites ? a->site_total : a->nsites, shown = 0;
	struct ronda_buf t;
	struct line l;

	line_init(&l, w->esc);
	line_text(&l, lang == RONDA_LANG_EN ? "Sites:" : "Situs:");
	line_commit(w, &l, 0);
	ronda_buf_init(&t, MAX_MSG);
	for (size_t i = 0; i < a->nsites && shown < SITE_LINES; i++) {
		const struct ronda_alert_site *s = &a->sites[i];
		ronda_buf_reset(&t);
		ronda_buf_puts(&t, "• ");
		if (s->agency[0] != '\0') {
			ronda_alert_text_put(&t, s->agency, 80);
			ronda_buf_puts(&t, " (");
			ronda_alert_text_put(&t, s->id, 80);
			ronda_buf_putc(&t, ')');
		} else {
			ronda_alert_text_put(&t, s->id, 80);
		}
		if (s->region[0] != '\0') {
			ronda_buf_puts(&t, ", ");
			ronda_alert_text_put(&t, s->region, 80);
		}
		ronda_buf_puts(&t, " — ");
		ronda_alert_local_time(&t, s->timezone, s->first_seen, a->last_seen, lang);
		line_init(&l, w->esc);
		line_buf(&l, &t);
		if (line_commit(w, &l, 0))
			shown++;
	}
	ronda_buf_release(&t);
	if (total > shown) {
		line_init(&l, w->esc);
		ronda_buf_printf(&l.b, lang == RONDA_LANG_EN ? "… and %zu more" : "… +%zu lainnya",
		    total - shown);
		line_commit(w, &l, 1);
	}
}

/* "Kampanye <code>id</code>" or the incident's, and the message key. */
static void
id_line(struct writer *w, const struct ronda_alert_msg *m, int lang)
{
	const struct palert *p = &m->v[m->n - 1];
	int en = lang == RONDA_LANG_EN;
	struct line l;

	line_init(&l, w->esc);
	if (p->a.campaign_id != NULL && p->a.campaign_id[0] != '\0') {
		line_text(&l, en ? "Campaign " : "Kampanye ");
		line_mark(&l, code(w->esc, 1));
		line_text(&l, p->a.campaign_id);
		line_mark(&l, code(w->esc, 0));
		line_text(&l, " · ");
	} else if (!m->digest && p->a.incident_id != NULL) {
		line_text(&l, en ? "Incident " : "Insiden ");
		line_mark(&l, code(w->esc, 1));
		line_text(&l, p->a.incident_id);
		line_mark(&l, code(w->esc, 0));
		line_text(&l, " · ");
	}
	line_text(&l, "ID ");
	line_mark(&l, code(w->esc, 1));
	line_text(&l, m->id);
	line_mark(&l, code(w->esc, 0));
	line_commit(w, &l, 1);
}

static int
is_campaign(const struct palert *p)
{
	return p->a.campaign_id != NULL && p->a.campaign_id[0] != '\0';
}

/*
 * The message:
 *   [KRITIS] Gelombang injeksi spam judi online — 3 situs, Kalimantan Timur   (bold)
 *   [KRITIS] Gelombang ... sejak 09:35 WITA: ... Indikator: ... IP: ...
 *   Situs:
 *   • Diskominfo Kota Samarinda (samarindakota.go.id), Kalimantan Timur — 09:35 WITA
 *   Kampanye 5f0c1d2e3f405162 · ID 0a1b...
 * and for a digest of several:
 *   [KRITIS] Ringkasan 10 menit, 09:30–09:40 WITA: 3 peringatan             (bold)
 *   Gelombang ... — 5 situs, Kalimantan Timur                               (bold, campaigns)
 *   • [TINGGI] Gelombang ... (each alert's text)
 *   Situs: ... (the newest alert's)
 */
static void
compose(struct writer *w, const struct ronda_alert_msg *m, int lang)
{
	const struct palert *last = &m->v[m->n - 1];
	struct ronda_alert a;
	struct ronda_buf t;
	struct line l;
	size_t before;

	ronda_buf_init(&t, MAX_MSG);
	line_init(&l, w->esc);
	if (m->n == 1) {
		a = in_lang(last, lang);
		ronda_buf_printf(&t, "[%s] ", ronda_alert_severity_word(a.severity, lang));
		ronda_alert_title(&t, &a, lang);
	} else {
		digest_headline(&t, m, lang);
	}
	line_mark(&l, bold(w->esc, 1));
	line_buf(&l, &t);
	line_mark(&l, bold(w->esc, 0));
	line_commit(w, &l, 1);
	if (m->n > 1 && is_campaign(last)) {
		a = in_lang(last, lang);
		ronda_buf_reset(&t);
		ronda_alert_title(&t, &a, lang);
		line_init(&l, w->esc);
		line_mark(&l, bold(w->esc, 1));
		line_buf(&l, &t);
		line_mark(&l, bold(w->esc, 0));
		line_commit(w, &l, 1);
	}
	before = w->dropped;
	for (size_t i = 0; i < m->n; i++) {
		a = in_lang(&m->v[i], lang);
		ronda_buf_reset(&t);
		if (m->n > 1)
			ronda_buf_puts(&t, "• ");
		ronda_alert_text(&t, &a, lang);
		line_init(&l, w->esc);
		line_buf(&l, &t);
		line_commit(w, &l, m->n == 1);
	}
	if (w->dropped > before) {
		line_init(&l, w->esc);
		ronda_buf_printf(&l.b, lang == RONDA_LANG_EN ? "… and %zu more alerts" :
		    "… +%zu peringatan lainnya", w->dropped - before);
		line_commit(w, &l, 1);
	}
	ronda_buf_release(&t);
	if (is_campaign(last))
		site_lines(w, last, lang);
	id_line(w, m, lang);
}

static int
render(struct ronda_buf *out, const struct ronda_alert_msg *m, int lang, int esc,
    size_t budget)
{
	struct writer w = { .b = out, .esc = esc, .budget = budget };

	compose(&w, m, lang);
	return out->overflow ? -1 : 0;
}

int
ronda_alert_render_text(struct ronda_buf *out, const struct ronda_alert_msg *m, int lang)
{
	return render(out, m, lang, ESC_TEXT, TEXT_BUDGET);
}

int
ronda_alert_render_subject(struct ronda_buf *out, const struct ronda_alert_msg *m,
    int lang)
{
	const struct palert *last = &m->v[m->n - 1];
	struct ronda_alert a = in_lang(last, lang);

	ronda_buf_puts(out, "[Ronda] ");
	if (m->n == 1) {
		ronda_buf_printf(out, "[%s] ", ronda_alert_severity_word(a.severity, lang));
		ronda_alert_title(out, &a, lang);
	} else {
		digest_headline(out, m, lang);
		if (is_campaign(last)) {
			ronda_buf_puts(out, " — ");
			ronda_alert_title(out, &a, lang);
		}
	}
	return out->overflow ? -1 : 0;
}

/* A chat message as a JSON document: the text and the format's fields. */
static int
chat_json(struct ronda_buf *out, const struct ronda_alert_msg *m, const char *chat_id,
    int lang, int esc)
{
	struct ronda_buf t;
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;
	int rc = -1;

	ronda_buf_init(&t, MAX_MSG);
	if (o == NULL || render(&t, m, lang, esc, CHAT_BUDGET) == -1)
		goto out;
	if (chat_id != NULL) {
		/* A numeric id goes as a number, "@channel" as a string. */
		const char *p = chat_id + (chat_id[0] == '-');
		if (*p != '\0' && strspn(p, "0123456789") == strlen(p) && strlen(p) < 16)
			cJSON_AddNumberToObject(o, "chat_id", strtod(chat_id, NULL));
		else
			cJSON_AddStringToObject(o, "chat_id", chat_id);
	}
	if (cJSON_AddStringToObject(o, "text", t.data != NULL ? t.data : "") == NULL)
		goto out;
	if (esc == ESC_HTML) {
		cJSON_AddStringToObject(o, "parse_mode", "HTML");
		cJSON_AddTrueToObject(o, "disable_web_page_preview");
	}
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		goto out;
	ronda_buf_puts(out, s);
	rc = out->overflow ? -1 : 0;
out:
	free(s);
	cJSON_Delete(o);
	ronda_buf_release(&t);
	return rc;
}

int
ronda_alert_render_telegram(struct ronda_buf *out, const struct ronda_alert_msg *m,
    const char *chat_id, int lang)
{
	return chat_json(out, m, chat_id, lang, ESC_HTML);
}

int
ronda_alert_render_slack(struct ronda_buf *out, const struct ronda_alert_msg *m, int lang)
{
	return chat_json(out, m, NULL, lang, ESC_SLACK);
}

/*
 * Title, text and language of one stored alert object in lang, when it was
 * raised in the other. The replaced items free the strings p borrowed from
 * them: p's language becomes a constant and its title is dropped.
 */
static int
rewrite_lang(struct palert *p, int lang)
{
	const char *want = lang == RONDA_LANG_EN ? "en" : "id";
	struct ronda_alert a;
	struct ronda_buf t;
	int bad = 0;

	if (strcmp(p->lang, want) == 0)
		return 0;
	a = in_lang(p, lang);
	ronda_buf_init(&t, MAX_MSG);
	ronda_alert_title(&t, &a, lang);
	bad |= t.overflow || !cJSON_ReplaceItemInObjectCaseSensitive(p->obj, "title",
	    cJSON_CreateString(t.data != NULL ? t.data : ""));
	ronda_buf_reset(&t);
	ronda_alert_text(&t, &a, lang);
	bad |= t.overflow || !cJSON_ReplaceItemInObjectCaseSensitive(p->obj, "text",
	    cJSON_CreateString(t.data != NULL ? t.data : ""));
	bad |= !cJSON_ReplaceItemInObjectCaseSensitive(p->obj, "language",
	    cJSON_CreateString(want));
	ronda_buf_release(&t);
	p->lang = want;
	p->title = NULL;
	return bad ? -1 : 0;
}

int
ronda_alert_render_json(struct ronda_buf *out, struct ronda_alert_msg *m, int lang)
{
	char *s;

	for (size_t i = 0; i < m->n; i++)
		if (rewrite_lang(&m->v[i], lang) == -1)
			return -1;
	if ((s = cJSON_PrintUnformatted(m->doc)) == NULL)
		return -1;
	ronda_buf_puts(out, s);
	free(s);
	return out->overflow ? -1 : 0;
}

/* ---- e-mail ---- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
put_b64(struct ronda_buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		ronda_buf_putc(b, b64[(v >> 18) & 63]);
		ronda_buf_putc(b, b64[(v >> 12) & 63]);
		ronda_buf_putc(b, i + 1 < n ? b64[(v >> 6) & 63] : '=');
		ronda_buf_putc(b, i + 2 < n ? b64[v & 63] : '=');
	}
}

int
ronda_alert_mime_header(struct ronda_buf *out, const char *name, const char *value)
{
	size_t n = strlen(value), i = 0, col;
	int plain = strlen(name) + 2 + n <= 78;

	for (size_t k = 0; k < n && plain; k++)
		plain = value[k] >= 0x20 && value[k] < 0x7f;
	ronda_buf_printf(out, "%s:", name);
	if (plain) {
		ronda_buf_printf(out, " %s\r\n", value);
		return out->overflow ? -1 : 0;
	}
	/*
	 * Encoded words, one a line, each as much UTF-8 as fits in 78
	 * columns with its "=?UTF-8?B?" and "?=" (the first after the name),
	 * cut between characters so each word decodes alone.
	 */
	col = strlen(name) + 2;
	while (i < n) {
		size_t take = 0, max = (78 - col - 12) / 4 * 3;
		while (i + take < n) {
			size_t l = ronda_utf8_seq_len((const unsigned char *)value + i + take,
			    n - i - take);
			if (l == 0)
				l = 1;
			if (take + l > max && take > 0)
				break;
			take += l;
		}
		if (i > 0)
			ronda_buf_puts(out, "\r\n");
		ronda_buf_puts(out, " =?UTF-8?B?");
		put_b64(out, (const unsigned char *)value + i, take);
		ronda_buf_puts(out, "?=");
		col = 1;
		i += take;
	}
	ronda_buf_puts(out, "\r\n");
	return out->overflow ? -1 : 0;
}

int
ronda_alert_addr_ok(const char *addr)
{
	const char *at = addr != NULL ? strchr(addr, '@') : NULL;

	if (at == NULL || at == addr || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strlen(addr) > 254)
		return 0;
	for (const char *p = addr; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[]\\,;:\"", *p) != NULL)
			return 0;
	return 1;
}

/* "Fri, 20 Nov 2026 01:35:00 +0000" */
static void
rfc5322_date(struct ronda_buf *b, int64_t ms)
{
	static const char *const wd[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t s = ms / 1000 - (ms % 1000 < 0 ? 1 : 0), day, y;
	unsigned m, d;

	day = s / 86400 - (s % 86400 < 0 ? 1 : 0);
	s -= day * 86400;
	ronda_civil_from_days(day, &y, &m, &d);
	ronda_buf_printf(b, "%s, %u %s %04" PRId64 " %02d:%02d:%02d +0000",
	    wd[((day % 7) + 11) % 7], d, mo[m - 1], y, (int)(s / 3600), (int)(s / 60 % 60),
	    (int)(s % 60));
}

int
ronda_alert_render_email(struct ronda_buf *out, const struct ronda_alert_msg *m,
    const struct ronda_alert_mail *mail, int lang)
{
	struct ronda_buf t, crlf;
	const char *dom = strchr(mail->from, '@');
	int rc = -1;

	ronda_buf_init(&t, MAX_MSG);
	ronda_buf_init(&crlf, 2 * MAX_MSG);
	ronda_buf_puts(out, "Date: ");
	rfc5322_date(out, m->created != 0 ? m->created : m->start + m->span);
	ronda_buf_printf(out, "\r\nFrom: Ronda <%s>\r\nTo: ", mail->from);
	for (size_t i = 0; i < mail->nto; i++)
		ronda_buf_printf(out, "%s%s", i > 0 ? ",\r\n " : "", mail->to[i]);
	ronda_buf_puts(out, "\r\n");
	if (ronda_alert_render_subject(&t, m, lang) == -1)
		goto out;
	ronda_alert_mime_header(out, "Subject", t.data != NULL ? t.data : "");
	/* The alert id (or digest key): a retry is recognisable as the same message. */
	ronda_buf_printf(out, "Message-ID: <%s@%s>\r\n", m->id,
	    dom != NULL ? dom + 1 : "ronda.invalid");
	ronda_buf_printf(out, "X-Ronda-Alert-Id: %s\r\n", m->id);
	ronda_buf_puts(out, "Auto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	ronda_buf_reset(&t);
	if (ronda_alert_render_text(&t, m, lang) == -1)
		goto out;
	ronda_buf_puts(&t, "\n\n");
	ronda_buf_puts(&t, lang == RONDA_LANG_EN ? "-- \nSent by ronda-correlator.\n" :
	    "-- \nDikirim oleh ronda-correlator.\n");
	/* Canonical text: CRLF line ends, then base64 in lines of 76. */
	for (size_t i = 0; i < t.len; i++) {
		if (t.data[i] == '\n')
			ronda_buf_putc(&crlf, '\r');
		ronda_buf_putc(&crlf, t.data[i]);
	}
	for (size_t i = 0; i < crlf.len; i += 57) {
		size_t n = crlf.len - i < 57 ? crlf.len - i : 57;
		put_b64(out, (const unsigned char *)crlf.data + i, n);
		ronda_buf_puts(out, "\r\n");
	}
	rc = out->overflow || t.overflow || crlf.overflow ? -1 : 0;
out:
	ronda_buf_release(&t);
	ronda_buf_release(&crlf);
	return rc;
}

/* ---- digests ---- */

void
ronda_alert_digest_id(char out[33], const char *campaign_id, int64_t start,
    const char *first_id)
{
	struct ronda_buf b;
	uint64_t h1, h2;

	ronda_buf_init(&b, 0);
	ronda_buf_puts(&b, "digest");
	ronda_buf_putc(&b, '\0');
	ronda_buf_puts(&b, campaign_id != NULL ? campaign_id : "");
	ronda_buf_putc(&b, '\0');
	ronda_buf_put_i64(&b, start);
	ronda_buf_putc(&b, '\0');
	ronda_buf_puts(&b, first_id != NULL ? first_id : "");
	h1 = ronda_hash64(b.data != NULL ? b.data : "", b.len, 0x616c657274ULL);
	h2 = ronda_hash64(b.data != NULL ? b.data : "", b.len, 0x6f7574626f78ULL);
	ronda_buf_release(&b);
	snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, h1, h2);
}

char *
ronda_alert_digest_json(const char *id, const char *campaign_id, int64_t start,
    int64_t span, const char *const *members, size_t n)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	char ts[RONDA_TS_LEN + 1], *s = NULL;
	int sev = 0, bad = 0;

	if (o == NULL)
		return NULL;
	bad |= cJSON_AddStringToObject(o, "id", id) == NULL;
	bad |= cJSON_AddStringToObject(o, "type", "digest") == NULL;
	ronda_fmt_utc_ms(ts, start + span);
	bad |= cJSON_AddStringToObject(o, "created", ts) == NULL;
	if (campaign_id != NULL && campaign_id[0] != '\0')
		bad |= cJSON_AddStringToObject(o, "campaign_id", campaign_id) == NULL;
	ronda_fmt_utc_ms(ts, start);
	bad |= cJSON_AddStringToObject(o, "interval_start", ts) == NULL;
	ronda_fmt_utc_ms(ts, start + span);
	bad |= cJSON_AddStringToObject(o, "interval_end", ts) == NULL;
	bad |= cJSON_AddNumberToObject(o, "alert_count", (double)n) == NULL;
	if (bad || (arr = cJSON_AddArrayToObject(o, "alerts")) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		cJSON *a = cJSON_Parse(members[i]);
		if (a == NULL)
			goto out;
		if (jsev(a, "severity") > sev)
			sev = jsev(a, "severity");
		cJSON_AddItemToArray(arr, a);
	}
	if (cJSON_AddStringToObject(o, "severity", ronda_severity_name(sev)) == NULL)
		goto out;
	s = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return s;
}
