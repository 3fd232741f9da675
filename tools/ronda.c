/*
 * ronda — the analysts' command line: incidents, campaigns, sites and the
 * daily summary from the correlator's store, read-only (safe while the
 * correlator writes). The objects come from correlator/query.c, the same
 * code the HTTP API serves them with; this file only prints them.
 *
 *   ronda incidents --since 24h --severity high
 *   ronda campaign 3f9a1c
 *   ronda summary --since 2026-11-16 --format markdown >report.md
 *
 * Everything that came from a log line is attacker-controlled: it is
 * printed through esc_term() (control characters, escape sequences and
 * bidirectional overrides shown as \xHH / \u{HHHH}), through esc_md() in
 * markdown (also the characters markdown would act on), and through cJSON
 * in --json output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "query.h"
#include "ronda/buf.h"
#include "ronda/timeutil.h"
#include "ronda/tz.h"

/* Exit codes (docs/cli.md). */
#define EXIT_STOREFAIL	1	/* the store failed while reading (I/O, busy, corrupt) */
#define EXIT_USAGE	2	/* bad command line: option, --since value, filter */
#define EXIT_NOSTORE	3	/* no store at the path, or not a Ronda store */
#define EXIT_NOTFOUND	4	/* no incident, campaign or site with that id */

#define DEFAULT_DB "/var/lib/ronda/ronda.db"
#define SHORT_ID 10		/* hex digits of an id shown in tables */
#define MAX_ZONES 32

static const char usage_text[] =
"usage: ronda [-d FILE] [--json] [--utc] [--now TIME] COMMAND [OPTIONS]\n"
"\n"
"Read the Ronda correlator's store (read-only; safe while it runs).\n"
"\n"
"Commands:\n"
"  incidents [--since T] [--until T] [--site S] [--kind K] [--severity SEV]\n"
"            [--status ST] [--limit N] [--offset N]\n"
"                       incidents, newest first (default limit 50)\n"
"  incident ID          one incident: indicators and evidence lines\n"
"  campaigns [--since T] [--until T] [--status ST] [--site S] [--kind K]\n"
"            [--severity SEV] [--limit N] [--offset N]\n"
"                       multi-site campaigns, newest first\n"
"  campaign ID          one campaign's timeline: sites, indicators, IPs, evidence\n"
"  sites [--site S]     every known site: last heard (the correlator's clock) and\n"
"                       newest event (the logs' time) apart, late events, open\n"
"                       incidents, SILENT or STALLED (on the wall clock)\n"
"  summary [--since T] [--until T] [--format text|markdown]\n"
"                       per agency: incidents by kind and severity, campaigns,\n"
"                       top attacker IPs and networks (default --since 24h)\n"
"\n"
"Options:\n"
"  -d, --db FILE        the store (default $RONDA_DB, else " DEFAULT_DB ")\n"
"  --json               print the objects of schemas/*.schema.json\n"
"  --utc                times in UTC instead of each site's zone (WIB/WITA/WIT)\n"
"  --now TIME           what relative times count back from: the wall clock\n"
"                       (default), 'latest' (the newest event time in the store:\n"
"                       replayed, imported or simulated data), or a time\n"
"  --since/--until T    90m, 24h, 7d, 2w, now, 2026-11-16, 2026-11-16T08:00\n"
"                       (local zone, or UTC with --utc), or RFC 3339 with offset\n"
"  --severity SEV       low, medium, high, critical: that or worse\n"
"  --status ST          incidents: open, closed, reopened, active (not closed);\n"
"                       campaigns: candidate, active, quiet, closed, merged\n"
"  -h, --help           this text\n"
"\n"
"IDs may be cut short to a unique prefix (as the tables show them).\n"
"Exit status: 0 ok, 1 the store failed, 2 usage, 3 no store, 4 no such id.\n";

enum cmd { CMD_NONE, CMD_INCIDENTS, CMD_INCIDENT, CMD_CAMPAIGNS, CMD_CAMPAIGN, CMD_SITES,
	CMD_SUMMARY };

struct opts {
	const char *db, *now_arg, *since, *until, *site, *kind, *severity, *status, *format;
	const char *limit, *offset;
	int json, utc, help;
	enum cmd cmd;
	const char *id;
};

/* Output settings and the zones of the sites. */
struct out {
	int color;		/* ANSI colours: a terminal, NO_COLOR unset, TERM not dumb */
	int width;		/* columns */
	int utf8;		/* the locale is UTF-8 (for the ellipsis) */
	int utc;
	struct ronda_tz *zones[MAX_ZONES];
	int nzones;
	cJSON *sites;		/* site.schema.json objects, for zones and agencies */
	const struct ronda_tz *report_zone;	/* cross-site times; NULL = UTC */
	const struct ronda_tz *user_zone;	/* the operator's zone; NULL = UTC */
};

static struct out O;

static void
die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void
die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("ronda: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* ---- escaping ----------------------------------------------------------- */

/*
 * Code points that reorder or hide text on a terminal or in a rendered
 * report without being control characters: bidirectional embeddings,
 * overrides and isolates, zero-width characters, the BOM.
 */
static int
is_hidden_format(uint32_t cp)
{
	return cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
	    cp == 0xfeff;
}

static uint32_t
utf8_decode(const unsigned char *p, size_t l)
{
	switch (l) {
	case 1: return p[0];
	case 2: return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	case 3: return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	default:
		return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
		    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	}
}

/*
 * Append s for a terminal: the shared escaper (controls and ESC as \xHH,
 * invalid UTF-8 as \xHH, C1 controls escaped), then the hidden format
 * characters above as \u{HHHH}. The result is printable text only.
 */
static void
esc_term(struct ronda_buf *b, const char *s)
{
	struct ronda_buf t;
	const unsigned char *p;
	size_t i = 0;

	if (s == NULL)
		return;
	ronda_buf_init(&t, 0);
	ronda_buf_term_str(&t, s, strlen(s));
	p = (const unsigned char *)t.data;
	while (i < t.len) {
		size_t l = p[i] < 0x80 ? 1 : ronda_utf8_seq_len(p + i, t.len - i);
		uint32_t cp;

		if (l == 0)		/* cannot happen after term_str; be safe */
			l = 1;
		cp = utf8_decode(p + i, l);
		if (l > 1 && is_hidden_format(cp))
			ronda_buf_printf(b, "\\u{%04x}", (unsigned)cp);
		else
			ronda_buf_append(b, p + i, l);
		i += l;
	}
	ronda_buf_release(&t);
}

/* A terminal-escaped copy of s (caller frees). */
static char *
term_dup(const char *s)
{
	struct ronda_buf b;
	char *r;

	ronda_buf_init(&b, 0);
	esc_term(&b, s);
	ronda_buf_putc(&b, '\0');
	r = strdup(b.data != NULL ? b.data : "");
	ronda_buf_release(&b);
	if (r == NULL)
		die(EXIT_STOREFAIL, "out of memory");
	return r;
}

/*
 * Append s for markdown (a table cell or running text): terminal-escaped
 * first, then every character markdown acts on inline is backslash-escaped
 * (| ends a table cell, ` * _ [ ] ~ start spans and links, # headings, \
 * escapes), < > & become entities (no raw HTML), and "://" and "www." lose
 * their autolink. Newlines are already \n text, so nothing starts a line.
 */
static void
esc_md(struct ronda_buf *b, const char *s)
{
	struct ronda_buf t;

	ronda_buf_init(&t, 0);
	esc_term(&t, s);
	for (size_t i = 0; i < t.len; i++) {
		char c = t.data[i];
		switch (c) {
		case '\\': case '`': case '*': case '_': case '[': case ']': case '|':
		case '~': case '#':
			ronda_buf_putc(b, '\\');
			ronda_buf_putc(b, c);
			break;
		case ':':
			if (i + 1 < t.len && t.data[i + 1] == '/')
				ronda_buf_putc(b, '\\');
			ronda_buf_putc(b, c);
			break;
		case '<': ronda_buf_puts(b, "&lt;"); break;
		case '>': ronda_buf_puts(b, "&gt;"); break;
		case '&': ronda_buf_puts(b, "&amp;"); break;
		case '.':
			if (i >= 3 && strncasecmp(t.data + i - 3, "www", 3) == 0)
				ronda_buf_putc(b, '\\');
			ronda_buf_putc(b, c);
			break;
		default:
			ronda_buf_putc(b, c);
		}
	}
	ronda_buf_release(&t);
}

static void
put_term(const char *s)
{
	struct ronda_buf b;

	ronda_buf_init(&b, 0);
	esc_term(&b, s);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	ronda_buf_release(&b);
}

static void
put_md(const char *s)
{
	struct ronda_buf b;

	ronda_buf_init(&b, 0);
	esc_md(&b, s);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	ronda_buf_release(&b);
}

/* ---- JSON field access -------------------------------------------------- */

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t
jint(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static int
jnull(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return v == NULL || cJSON_IsNull(v);
}

/* A time field (RFC 3339) as ms, 0 when absent or null. */
static int64_t
jtime(const cJSON *o, const char *name)
{
	const char *s = jstr(o, name);
	int64_t ms;

	if (s[0] == '\0' || ronda_parse_rfc3339(s, strlen(s), &ms) == -1)
		return 0;
	return ms;
}

/* ---- zones and times ---------------------------------------------------- */

static const struct ronda_tz *
zone_load(const char *name)
{
	char err[256];
	struct ronda_tz *tz;

	if (name == NULL || name[0] == '\0' || strcmp(name, "UTC") == 0)
		return NULL;
	for (int i = 0; i < O.nzones; i++)
		if (strcmp(ronda_tz_name(O.zones[i]), name) == 0)
			return O.zones[i];
	if (O.nzones == MAX_ZONES || (tz = ronda_tz_new(name, err, sizeof(err))) == NULL)
		return NULL;	/* an unknown zone shows UTC, which says so */
	O.zones[O.nzones++] = tz;
	return tz;
}

static const cJSON *
site_obj(const char *site)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, O.sites)
		if (strcmp(jstr(it, "id"), site) == 0)
			return it;
	return NULL;
}

/* The zone a site's times are shown in (NULL = UTC). */
static const struct ronda_tz *
site_zone(const char *site)
{
	const cJSON *s;

	if (O.utc || (s = site_obj(site)) == NULL)
		return NULL;
	return zone_load(jstr(s, "timezone"));
}

/*
 * "2026-11-16 13:03 WITA" (secs: "2026-11-16 13:03:07 WITA") in tz, or UTC;
 * "-" for 0.
 */
static const char *
fmt_time(char *out, size_t n, int64_t ms, const struct ronda_tz *tz, int secs)
{
	int64_t t, local, y;
	unsigned mo, d;
	int64_t sod;

	if (ms <= 0) {
		snprintf(out, n, "-");
		return out;
	}
	t = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	local = t + (tz != NULL ? ronda_tz_offset_at(tz, t) : 0);
	ronda_civil_from_days(local >= 0 ? local / 86400 : -((-local + 86399) / 86400), &y, &mo, &d);
	sod = local - (local >= 0 ? local / 86400 : -((-local + 86399) / 86400)) * 86400;
	if (secs)
		snprintf(out, n, "%04lld-%02u-%02u %02lld:%02lld:%02lld %s", (long long)y, mo, d,
		    (long long)(sod / 3600), (long long)(sod / 60 % 60), (long long)(sod % 60),
		    tz != NULL ? ronda_tz_abbr_at(tz, t) : "UTC");
	else
		snprintf(out, n, "%04lld-%02u-%02u %02lld:%02lld %s", (long long)y, mo, d,
		    (long long)(sod / 3600), (long long)(sod / 60 % 60),
		    tz != NULL ? ronda_tz_abbr_at(tz, t) : "UTC");
	return out;
}

/* A duration: "45s", "12m", "3h05m", "2d04h". */
static const char *
fmt_dur(char *out, size_t n, int64_t ms)
{
	int64_t s = ms / 1000;

	if (s < 60)
		snprintf(out, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, n, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, n, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
	else
		snprintf(out, n, "%lldd%02lldh", (long long)(s / 86400), (long long)(s / 3600 % 24));
	return out;
}

/* ---- colour ------------------------------------------------------------- */

static const char *
sev_color(const char *sev)
{
	if (strcmp(sev, "critical") == 0)
		return "\033[1;31m";
	if (strcmp(sev, "high") == 0)
		return "\033[31m";
	if (strcmp(sev, "medium") == 0)
		return "\033[33m";
	return NULL;
}

static void
color_on(const char *c)
{
	if (O.color && c != NULL)
		fputs(c, stdout);
}

static void
color_off(const char *c)
{
	if (O.color && c != NULL)
		fputs("\033[0m", stdout);
}

/* ---- tables -------------------------------------------------------------- */

/*
 * Display columns of a printable UTF-8 string (already escaped): one per
 * code point, two for the wide East Asian ranges and emoji, none for
 * combining marks. Close enough for alignment without the locale's wcwidth.
 */
static int
cp_width(uint32_t cp)
{
	if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

static int
dwidth(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int w = 0;

	while (i < n) {
		size_t l = p[i] < 0x80 ? 1 : ronda_utf8_seq_len(p + i, n - i);
		if (l == 0)
			l = 1;
		w += cp_width(utf8_decode(p + i, l));
		i += l;
	}
	return w;
}

/* Print s in exactly w columns: cut with an ellipsis, padded left or right. */
static void
put_cell(const char *s, int w, int right)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int sw = dwidth(s), used = 0;

	if (sw <= w) {
		if (right)
			printf("%*s", w - sw, "");
		fputs(s, stdout);
		if (!right)
			printf("%*s", w - sw, "");
		return;
	}
	if (w <= 0)
		return;
	while (i < n) {
		size_t l = p[i] < 0x80 ? 1 : ronda_utf8_seq_len(p + i, n - i);
		int cw;
		if (l == 0)
			l = 1;
		cw = cp_width(utf8_decode(p + i, l));
		if (used + cw > w - 1)
			break;
		fwrite(p + i, 1, l, stdout);
		used += cw;
		i += l;
	}
	fputs(O.utf8 ? "\xe2\x80\xa6" : "~", stdout);
	used++;
	printf("%*s", w - used, "");
}

struct col {
	const char *head;
	int right;	/* numbers */
	int flex;	/* may be cut down to min */
	int min;
	int prio;	/* dropped lowest first when the terminal is too narrow */
	int w, hidden;
};

struct table {
	struct col *cols;
	int ncols;
	char **cells;		/* nrows * ncols, escaped, owned */
	const char **colors;	/* per cell, static strings or NULL */
	int nrows, cap;
};

static void
table_init(struct table *t, struct col *cols, int ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

/* Start a row; cells are then set with cell(). */
static int
table_row(struct table *t)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 32;
		char **c = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof(*c));
		const char **k;
		if (c == NULL)
			die(EXIT_STOREFAIL, "out of memory");
		t->cells = c;
		k = realloc(t->colors, (size_t)cap * (size_t)t->ncols * sizeof(*k));
		if (k == NULL)
			die(EXIT_STOREFAIL, "out of memory");
		t->colors = k;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = NULL;
		t->colors[t->nrows * t->ncols + i] = NULL;
	}
	return t->nrows++;
}

/* Set a cell of the last row from raw text (escaped here). */
static void
cell(struct table *t, int c, const char *raw, const char *color)
{
	int i = (t->nrows - 1) * t->ncols + c;

	free(t->cells[i]);
	t->cells[i] = term_dup(raw != NULL ? raw : "");
	t->colors[i] = color;
}

static void
cellf(struct table *t, int c, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
cellf(struct table *t, int c, const char *color, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cell(t, c, buf, color);
}

/*
 * Fit the columns into O.width: natural widths when they fit; else first
 * the optional columns (priority 4 or less) go, lowest first; then the flex
 * columns shrink toward their minimum in proportion; if even that is too
 * wide, the lowest-priority column goes and the fit is tried again. Columns
 * of priority 9 stay: then the flex columns are cut below their minimum (to
 * 8 at least) and the terminal wraps what still does not fit.
 */
static void
table_fit(struct table *t)
{
	for (int c = 0; c < t->ncols; c++) {
		struct col *k = &t->cols[c];
		k->w = dwidth(k->head);
		for (int r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + c];
			int w = s != NULL ? dwidth(s) : 0;
			if (w > k->w)
				k->w = w;
		}
		if (k->min > k->w)
			k->min = k->w;
	}
	for (;;) {
		int total = 0, fixed = 0, flexw = 0, minflex = 0, nvis = 0, avail, low = -1;

		for (int c = 0; c < t->ncols; c++) {
			struct col *k = &t->cols[c];
			if (k->hidden)
				continue;
			nvis++;
			total += k->w;
			if (k->flex) {
				flexw += k->w;
				minflex += k->min;
			} else {
				fixed += k->w;
			}
			if (low < 0 || k->prio < t->cols[low].prio)
				low = c;
		}
		avail = O.width - 2 * (nvis - 1);
		if (total <= avail)
			return;
		if (t->cols[low].prio <= 4 && nvis > 1) {
			t->cols[low].hidden = 1;
			continue;
		}
		if (fixed + minflex <= avail && flexw > minflex) {
			int room = avail - fixed, extra = room - minflex, spare = flexw - minflex;
			for (int c = 0; c < t->ncols; c++) {
				struct col *k = &t->cols[c];
				if (k->hidden || !k->flex)
					continue;
				room -= (k->w = k->min + (int)((int64_t)(k->w - k->min) * extra / spare));
			}
			/* Rounding leftovers to the first flex column. */
			for (int c = 0; c < t->ncols && room > 0; c++)
				if (!t->cols[c].hidden && t->cols[c].flex) {
					t->cols[c].w += room;
					break;
				}
			return;
		}
		if (nvis > 1 && t->cols[low].prio < 9) {
			t->cols[low].hidden = 1;
			continue;
		}
		/* Nothing left to drop: the flex columns go below their minimum. */
		for (int c = 0; c < t->ncols; c++) {
			struct col *k = &t->cols[c];
			if (k->hidden || !k->flex || k->w <= 8)
				continue;
			k->w = avail - (total - k->w) > 8 ? avail - (total - k->w) : 8;
			total = 0;
			for (int x = 0; x < t->ncols; x++)
				if (!t->cols[x].hidden)
					total += t->cols[x].w;
		}
		return;
	}
}

static void
table_print(struct table *t)
{
	int first;

	table_fit(t);
	first = 1;
	color_on("\033[1m");
	for (int c = 0; c < t->ncols; c++) {
		if (t->cols[c].hidden)
			continue;
		if (!first)
			fputs("  ", stdout);
		put_cell(t->cols[c].head, t->cols[c].w, t->cols[c].right);
		first = 0;
	}
	color_off("\033[1m");
	fputc('\n', stdout);
	for (int r = 0; r < t->nrows; r++) {
		first = 1;
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c], *k;
			if (t->cols[c].hidden)
				continue;
			if (!first)
				fputs("  ", stdout);
			k = t->colors[r * t->ncols + c];
			color_on(k);
			put_cell(s != NULL ? s : "", t->cols[c].w, t->cols[c].right);
			color_off(k);
			first = 0;
		}
		fputc('\n', stdout);
	}
}

static void
table_free(struct table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colors);
}

/* ---- the store ---------------------------------------------------------- */

static struct ronda_query *Q;

/* Map a query result to the exit code and message; returns only on OK. */
static void
check(int rc)
{
	switch (rc) {
	case RONDA_QUERY_OK:
		return;
	case RONDA_QUERY_NOTFOUND:
		die(EXIT_NOTFOUND, "%s", ronda_query_errmsg(Q));
	case RONDA_QUERY_BADARG:
		die(EXIT_USAGE, "%s", ronda_query_errmsg(Q));
	default:
		die(EXIT_STOREFAIL, "%s", ronda_query_errmsg(Q));
	}
}

/* An id given on the command line: resolved from a unique prefix. */
static void
resolve_id(enum ronda_query_what what, const char *given, char *out, size_t outlen)
{
	int rc = ronda_query_resolve(Q, what, given, out, outlen);

	if (rc == RONDA_QUERY_BADARG) {
		/* A malformed or ambiguous id is a wrong id too. */
		die(EXIT_NOTFOUND, "%s", ronda_query_errmsg(Q));
	}
	check(rc);
}

static void
print_json(cJSON *o)
{
	char *s = cJSON_Print(o);

	if (s == NULL)
		die(EXIT_STOREFAIL, "out of memory");
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
}

/* An id cut to SHORT_ID characters for a table. */
static const char *
short_id(char *out, size_t n, const char *id)
{
	snprintf(out, n, "%.*s", SHORT_ID, id);
	return out;
}

static void
join_strings(struct ronda_buf *b, const cJSON *arr, const char *sep)
{
	const cJSON *it;
	int first = 1;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			continue;
		if (!first)
			ronda_buf_puts(b, sep);
		ronda_buf_puts(b, it->valuestring);
		first = 0;
	}
}

/* A detail line "  label       value" with the value escaped. */
static void
kv(const char *label, const char *value, const char *color)
{
	printf("  %-12s ", label);
	color_on(color);
	put_term(value);
	color_off(color);
	fputc('\n', stdout);
}

static void
heading(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
heading(const char *fmt, ...)
{
	va_list ap;

	color_on("\033[1m");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	color_off("\033[1m");
	fputc('\n', stdout);
}

/* ---- incidents ------------------------------------------------------------ */

static void
cmd_incidents(const struct ronda_query_filter *f, int json)
{
	struct ronda_query_page page;
	cJSON *arr = NULL, *it;
	struct col cols[] = {
		{ "LAST SEEN", 0, 0, 0, 9, 0, 0 }, { "SITE", 0, 1, 30, 9, 0, 0 },
		{ "KIND", 0, 0, 0, 8, 0, 0 }, { "SEVERITY", 0, 0, 0, 7, 0, 0 },
		{ "STATUS", 0, 0, 0, 4, 0, 0 }, { "EVENTS", 1, 0, 0, 3, 0, 0 },
		{ "KEY", 0, 1, 8, 6, 0, 0 }, { "ID", 0, 0, 0, 9, 0, 0 },
	};
	struct table t;
	char ts[64], sid[SHORT_ID + 1];

	check(ronda_query_incidents(Q, f, &arr, &page));
	if (json) {
		print_json(arr);
		cJSON_Delete(arr);
		return;
	}
	if (cJSON_GetArraySize(arr) == 0) {
		printf("no incidents match\n");
		cJSON_Delete(arr);
		return;
	}
	table_init(&t, cols, 8);
	cJSON_ArrayForEach(it, arr) {
		const char *site = jstr(it, "site"), *sev = jstr(it, "severity");
		const char *st = jstr(it, "status");
		table_row(&t);
		cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "last_seen"), site_zone(site), 0),
		    NULL);
		cell(&t, 1, site, NULL);
		cell(&t, 2, jstr(it, "kind"), NULL);
		cell(&t, 3, sev, sev_color(sev));
		cell(&t, 4, st, strcmp(st, "closed") == 0 ? NULL : "\033[32m");
		cellf(&t, 5, NULL, "%lld", (long long)jint(it, "event_count"));
		cell(&t, 6, jstr(it, "key"), NULL);
		cell(&t, 7, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
	}
	table_print(&t);
	table_free(&t);
	if (page.total > cJSON_GetArraySize(arr))
		printf("%d of %lld incidents, newest first%s\n", cJSON_GetArraySize(arr),
		    (long long)page.total, page.next_cursor[0] != '\0' ? " (--limit/--offset)" : "");
	cJSON_Delete(arr);
}

static void
cmd_incident(const char *given, int json)
{
	char id[80], ts[64];
	cJSON *o = NULL, *it, *camps = NULL;
	const struct ronda_tz *tz;
	const cJSON *s;
	int n;
	struct ronda_buf b;
	const char *site;

	resolve_id(RONDA_QUERY_INCIDENT, given, id, sizeof(id));
	check(ronda_query_incident(Q, id, &o));
	if (json) {
		print_json(o);
		cJSON_Delete(o);
		return;
	}
	site = jstr(o, "site");
	tz = site_zone(site);
	ronda_buf_init(&b, 0);
	heading("Incident %s", jstr(o, "id"));
	ronda_buf_puts(&b, site);
	if ((s = site_obj(site)) != NULL && jstr(s, "agency")[0] != '\0')
		ronda_buf_printf(&b, " (%s)", jstr(s, "agency"));
	else if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "site_known")))
		ronda_buf_puts(&b, " (not a configured site)");
	kv("site", b.data, NULL);
	kv("kind", jstr(o, "kind"), NULL);
	kv("severity", jstr(o, "severity"), sev_color(jstr(o, "severity")));
	ronda_buf_reset(&b);
	ronda_buf_printf(&b, "%s", jstr(o, "status"));
	if (jint(o, "reopen_count") > 0)
		ronda_buf_printf(&b, " (reopened %lld times)", (long long)jint(o, "reopen_count"));
	kv("status", b.data, NULL);
	kv("key", jstr(o, "key"), NULL);
	kv("first seen", fmt_time(ts, sizeof(ts), jtime(o, "first_seen"), tz, 1), NULL);
	kv("last seen", fmt_time(ts, sizeof(ts), jtime(o, "last_seen"), tz, 1), NULL);
	snprintf(ts, sizeof(ts), "%lld", (long long)jint(o, "event_count"));
	kv("events", ts, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "attacker_ips"), ", ");
	if (b.len > 0)
		kv("attackers", b.data, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "users"), ", ");
	if (b.len > 0)
		kv("users", b.data, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "rule_ids"), ", ");
	if (b.len > 0)
		kv("rules", b.data, NULL);
	check(ronda_query_incident_campaigns(Q, id, &camps));
	cJSON_ArrayForEach(it, camps) {
		ronda_buf_reset(&b);
		ronda_buf_printf(&b, "%.*s  %s (%s, %lld sites)", SHORT_ID, jstr(it, "id"),
		    jstr(it, "title"), jstr(it, "status"), (long long)jint(it, "site_count"));
		kv("campaign", b.data, NULL);
	}
	cJSON_Delete(camps);
	ronda_buf_release(&b);

	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "indicators")) > 0) {
		fputc('\n', stdout);
		heading("Indicators");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "indicators")) {
			printf("  %-11s ", jstr(it, "type"));
			put_term(jstr(it, "value"));
			printf("  (first %s)\n", fmt_time(ts, sizeof(ts), jtime(it, "first_seen"),
			    tz, 1));
		}
	}
	fputc('\n', stdout);
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "evidence"));
	heading("Evidence (%d line%s)", n, n == 1 ? "" : "s");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "evidence")) {
		printf("  %s  ", fmt_time(ts, sizeof(ts), jtime(it, "ts"), tz, 1));
		put_term(jstr(it, "line"));
		fputc('\n', stdout);
	}
	cJSON_Delete(o);
}

/* ---- campaigns ------------------------------------------------------------ */

/* A campaign's times: in its first site's zone. */
static const struct ronda_tz *
campaign_zone(const cJSON *c)
{
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "sites"), 0);

	if (O.utc)
		return NULL;
	if (first != NULL && jstr(first, "timezone")[0] != '\0')
		return zone_load(jstr(first, "timezone"));
	return O.report_zone;
}

static void
cmd_campaigns(const struct ronda_query_filter *f, int json)
{
	struct ronda_query_page page;
	cJSON *arr = NULL, *it;
	struct col cols[] = {
		{ "LAST SEEN", 0, 0, 0, 9, 0, 0 }, { "SEVERITY", 0, 0, 0, 6, 0, 0 },
		{ "STATUS", 0, 0, 0, 4, 0, 0 }, { "SITES", 1, 0, 0, 8, 0, 0 },
		{ "INCIDENTS", 1, 0, 0, 3, 0, 0 }, { "KIND", 0, 0, 0, 4, 0, 0 },
		{ "TITLE", 0, 1, 30, 9, 0, 0 }, { "ID", 0, 0, 0, 9, 0, 0 },
	};
	struct table t;
	char ts[64], sid[SHORT_ID + 1];

	check(ronda_query_campaigns(Q, f, &arr, &page));
	if (json) {
		print_json(arr);
		cJSON_Delete(arr);
		return;
	}
	if (cJSON_GetArraySize(arr) == 0) {
		printf("no campaigns match\n");
		cJSON_Delete(arr);
		return;
	}
	table_init(&t, cols, 8);
	cJSON_ArrayForEach(it, arr) {
		const char *sev = jstr(it, "severity"), *st = jstr(it, "status");
		table_row(&t);
		cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "last_seen"), campaign_zone(it), 0),
		    NULL);
		cell(&t, 1, sev, sev_color(sev));
		cell(&t, 2, st, strcmp(st, "active") == 0 ? "\033[32m" : NULL);
		cellf(&t, 3, NULL, "%lld", (long long)jint(it, "site_count"));
		cellf(&t, 4, NULL, "%lld", (long long)jint(it, "incident_count"));
		cell(&t, 5, jstr(it, "kind"), NULL);
		cell(&t, 6, jstr(it, "title"), NULL);
		cell(&t, 7, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
	}
	table_print(&t);
	table_free(&t);
	if (page.total > cJSON_GetArraySize(arr))
		printf("%d of %lld campaigns, newest first (--limit/--offset)\n",
		    cJSON_GetArraySize(arr), (long long)page.total);
	cJSON_Delete(arr);
}

static void
cmd_campaign(const char *given, int json)
{
	char id[80], ts[64], ts2[64], sid[SHORT_ID + 1];
	cJSON *o = NULL, *it;
	const struct ronda_tz *tz;
	struct ronda_buf b;
	struct table t;

	resolve_id(RONDA_QUERY_CAMPAIGN, given, id, sizeof(id));
	check(ronda_query_campaign(Q, id, &o));
	if (json) {
		print_json(o);
		cJSON_Delete(o);
		return;
	}
	tz = campaign_zone(o);
	ronda_buf_init(&b, 0);
	color_on("\033[1m");
	printf("Campaign %s: ", jstr(o, "id"));
	put_term(jstr(o, "title"));
	color_off("\033[1m");
	fputc('\n', stdout);
	ronda_buf_printf(&b, "%s (linked by %s)", jstr(o, "kind"), jstr(o, "link"));
	kv("kind", b.data, NULL);
	kv("severity", jstr(o, "severity"), sev_color(jstr(o, "severity")));
	ronda_buf_reset(&b);
	ronda_buf_puts(&b, jstr(o, "status"));
	if (!jnull(o, "merged_into"))
		ronda_buf_printf(&b, " into %s", jstr(o, "merged_into"));
	kv("status", b.data, NULL);
	kv("first seen", fmt_time(ts, sizeof(ts), jtime(o, "first_seen"), tz, 1), NULL);
	kv("last seen", fmt_time(ts, sizeof(ts), jtime(o, "last_seen"), tz, 1), NULL);
	if (!jnull(o, "reported"))
		kv("reported", fmt_time(ts, sizeof(ts), jtime(o, "reported"), tz, 1), NULL);
	ronda_buf_reset(&b);
	ronda_buf_printf(&b, "%lld sites, %lld incidents", (long long)jint(o, "site_count"),
	    (long long)jint(o, "incident_count"));
	kv("reach", b.data, NULL);
	ronda_buf_reset(&b);
	join_strings(&b, cJSON_GetObjectItemCaseSensitive(o, "attacker_ips"), ", ");
	if (b.len > 0)
		kv("top IPs", b.data, NULL);
	ronda_buf_release(&b);

	fputc('\n', stdout);
	heading("Timeline (sites in the order they were hit)");
	{
		struct col cols[] = {
			{ "FIRST SEEN", 0, 0, 0, 9, 0, 0 }, { "LAST SEEN", 0, 0, 0, 5, 0, 0 },
			{ "SITE", 0, 1, 30, 9, 0, 0 }, { "AGENCY", 0, 1, 10, 6, 0, 0 },
			{ "INCIDENTS", 1, 0, 0, 7, 0, 0 },
		};
		table_init(&t, cols, 5);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "sites")) {
			const struct ronda_tz *z = O.utc ? NULL : zone_load(jstr(it, "timezone"));
			table_row(&t);
			cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), z, 0), NULL);
			cell(&t, 1, fmt_time(ts2, sizeof(ts2), jtime(it, "last_seen"), z, 0), NULL);
			cell(&t, 2, jstr(it, "site"), NULL);
			cell(&t, 3, jstr(it, "agency"), NULL);
			cellf(&t, 4, NULL, "%lld", (long long)jint(it, "incidents"));
		}
		table_print(&t);
		table_free(&t);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "indicators")) > 0) {
		struct col cols[] = {
			{ "INDICATOR", 0, 0, 0, 9, 0, 0 }, { "VALUE", 0, 1, 16, 9, 0, 0 },
			{ "SITES", 1, 0, 0, 8, 0, 0 }, { "WEIGHT", 1, 0, 0, 4, 0, 0 },
		};
		fputc('\n', stdout);
		heading("Indicators");
		table_init(&t, cols, 4);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "indicators")) {
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(it, "weight");
			table_row(&t);
			cell(&t, 0, jstr(it, "type"), NULL);
			cell(&t, 1, jstr(it, "value"), NULL);
			cellf(&t, 2, NULL, "%lld", (long long)jint(it, "sites"));
			cellf(&t, 3, NULL, "%.2f", cJSON_IsNumber(w) ? w->valuedouble : 0.0);
		}
		table_print(&t);
		table_free(&t);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "merged_from")) > 0) {
		fputc('\n', stdout);
		heading("Merged in");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "merged_from")) {
			printf("  %s  %s  shared ", fmt_time(ts, sizeof(ts), jtime(it, "at"), tz, 0),
			    jstr(it, "id"));
			put_term(jstr(it, "type"));
			fputc(' ', stdout);
			put_term(jstr(it, "value"));
			fputc('\n', stdout);
		}
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "incidents")) > 0) {
		struct col cols[] = {
			{ "JOINED", 0, 0, 0, 9, 0, 0 }, { "SITE", 0, 1, 30, 9, 0, 0 },
			{ "KIND", 0, 0, 0, 7, 0, 0 }, { "SEVERITY", 0, 0, 0, 6, 0, 0 },
			{ "EVENTS", 1, 0, 0, 3, 0, 0 }, { "KEY", 0, 1, 8, 5, 0, 0 },
			{ "INCIDENT", 0, 0, 0, 9, 0, 0 },
		};
		fputc('\n', stdout);
		heading("Incidents");
		table_init(&t, cols, 7);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "incidents")) {
			const char *site = jstr(it, "site"), *sev = jstr(it, "severity");
			table_row(&t);
			cell(&t, 0, fmt_time(ts, sizeof(ts), jtime(it, "joined"), site_zone(site), 0),
			    NULL);
			cell(&t, 1, site, NULL);
			cell(&t, 2, jstr(it, "kind"), NULL);
			cell(&t, 3, sev, sev_color(sev));
			cellf(&t, 4, NULL, "%lld", (long long)jint(it, "event_count"));
			cell(&t, 5, jstr(it, "key"), NULL);
			cell(&t, 6, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
		}
		table_print(&t);
		table_free(&t);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "evidence")) > 0) {
		fputc('\n', stdout);
		heading("Evidence (first lines per site)");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "evidence")) {
			const char *site = jstr(it, "site");
			printf("  %s  ", fmt_time(ts, sizeof(ts), jtime(it, "ts"), site_zone(site), 1));
			put_term(site);
			fputs("  ", stdout);
			put_term(jstr(it, "line"));
			fputc('\n', stdout);
		}
	}
	cJSON_Delete(o);
}

/* ---- sites ---------------------------------------------------------------- */

/*
 * Sites with their two clocks apart: LAST HEARD is processing time (the
 * correlator's clock when the site's collector last reported), NEWEST
 * EVENT event time (the newest time its logs wrote). The status is judged
 * on the wall clock whatever --now says: liveness is about hearing now.
 */
static void
cmd_sites(const struct ronda_query_filter *f, int json)
{
	cJSON *arr = NULL, *it;
	struct col cols[] = {
		{ "SITE", 0, 1, 25, 9, 0, 0 }, { "AGENCY", 0, 1, 10, 5, 0, 0 },
		{ "LAST HEARD", 0, 0, 0, 8, 0, 0 }, { "NEWEST EVENT", 0, 0, 0, 8, 0, 0 },
		{ "LATE", 1, 0, 0, 6, 0, 0 }, { "OPEN", 1, 0, 0, 7, 0, 0 },
		{ "CAMPAIGNS", 1, 0, 0, 3, 0, 0 }, { "STATUS", 0, 0, 0, 9, 0, 0 },
	};
	struct table t;
	char ts[64];
	int64_t after = 0;

	check(ronda_query_sites(Q, f, ronda_now_ms(), &arr));
	if (json) {
		print_json(arr);
		cJSON_Delete(arr);
		return;
	}
	if (cJSON_GetArraySize(arr) == 0) {
		printf("no sites in the store yet\n");
		cJSON_Delete(arr);
		return;
	}
	table_init(&t, cols, 8);
	cJSON_ArrayForEach(it, arr) {
		const char *id = jstr(it, "id");
		const int silent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "silent"));
		const int stalled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "stalled"));
		const int known = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "known"));
		after = jint(it, "silent_after_ms");
		table_row(&t);
		cell(&t, 0, id, NULL);
		cell(&t, 1, jstr(it, "agency")[0] != '\0' ? jstr(it, "agency") :
		    known ? "" : "(not configured)", NULL);
		cell(&t, 2, fmt_time(ts, sizeof(ts), jtime(it, "last_heard"), site_zone(id), 0),
		    NULL);
		cell(&t, 3, fmt_time(ts, sizeof(ts), jtime(it, "last_event"), site_zone(id), 0),
		    NULL);
		cellf(&t, 4, jint(it, "late") > 0 ? "\033[33m" : NULL, "%lld",
		    (long long)jint(it, "late"));
		cellf(&t, 5, jint(it, "open_incidents") > 0 ? "\033[33m" : NULL, "%lld",
		    (long long)jint(it, "open_incidents"));
		cellf(&t, 6, NULL, "%lld", (long long)jint(it, "active_campaigns"));
		if (silent)
			cell(&t, 7, "SILENT", "\033[1;31m");
		else if (stalled)
			cell(&t, 7, "STALLED", "\033[33m");
		else
			cell(&t, 7, "ok", NULL);
	}
	table_print(&t);
	table_free(&t);
	fmt_dur(ts, sizeof(ts), after);
	printf("LAST HEARD: when the correlator last heard the collector (its own clock).\n"
	    "NEWEST EVENT: the newest time the site's logs wrote (event time).\n"
	    "SILENT: not heard for %s. STALLED: heard, but no new events for %s.\n", ts, ts);
	cJSON_Delete(arr);
}

/* ---- summary -------------------------------------------------------------- */

static const char *const kind_order[] = {
	"compromise", "webshell", "defacement", "sqli", "rce", "lfi", "gambling",
	"ssh_bruteforce", "ftp_bruteforce", "mail_bruteforce", "smtp_bruteforce",
	"sudo_bruteforce", "su_bruteforce", "password_spray", "cms_bruteforce", "scan", "flood", "http_5xx_surge", "silent_site",
	NULL
};

/* Plain words for the incident kinds, for a report read by leadership. */
static const char *
kind_words(const char *k)
{
	static const struct { const char *k, *w; } words[] = {
		{ "compromise", "account compromise" }, { "webshell", "web shell" },
		{ "defacement", "defacement" }, { "sqli", "SQL injection" },
		{ "rce", "remote code execution" }, { "lfi", "file inclusion" },
		{ "gambling", "gambling spam" }, { "ssh_bruteforce", "SSH brute force" },
		{ "ftp_bruteforce", "FTP brute force" }, { "sudo_bruteforce", "sudo guessing" },
		{ "mail_bruteforce", "mail login brute force" },
		{ "smtp_bruteforce", "SMTP AUTH brute force" },
		{ "su_bruteforce", "su guessing" }, { "password_spray", "password spraying" },
		{ "cms_bruteforce", "CMS login brute force" }, { "scan", "scanning" },
		{ "flood", "HTTP flood" }, { "http_5xx_surge", "server errors (5xx)" },
		{ "silent_site", "site went silent" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].k, k) == 0)
			return words[i].w;
	return k;
}

/* "critical 3, high 12, low 1" (zero counts left out) into b. */
static void
sev_counts(struct ronda_buf *b, const cJSON *bysev)
{
	static const char *const order[] = { "critical", "high", "medium", "low" };
	int first = 1;

	for (int i = 0; i < 4; i++) {
		int64_t n = jint(bysev, order[i]);
		if (n == 0)
			continue;
		ronda_buf_printf(b, "%s%lld %s", first ? "" : ", ", (long long)n, order[i]);
		first = 0;
	}
	if (first)
		ronda_buf_puts(b, "none");
}

/* "gambling spam 264, SSH brute force 20" in kind_order into b. */
static void
kind_counts(struct ronda_buf *b, const cJSON *bykind)
{
	const cJSON *it;
	int first = 1;

	for (int i = 0; kind_order[i] != NULL; i++) {
		int64_t n = jint(bykind, kind_order[i]);
		if (n == 0)
			continue;
		ronda_buf_printf(b, "%s%s %lld", first ? "" : ", ", kind_words(kind_order[i]),
		    (long long)n);
		first = 0;
	}
	/* Kinds this build does not know of yet, as they are. */
	cJSON_ArrayForEach(it, bykind) {
		int known = 0;
		for (int i = 0; kind_order[i] != NULL; i++)
			known |= strcmp(it->string, kind_order[i]) == 0;
		if (!known && cJSON_IsNumber(it)) {
			ronda_buf_printf(b, "%s%s %lld", first ? "" : ", ", it->string,
			    (long long)it->valuedouble);
			first = 0;
		}
	}
}

/* The region all agencies share, or "" (the report's title). */
static const char *
common_region(const cJSON *sum)
{
	const cJSON *it;
	const char *r = NULL;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "agencies")) {
		const char *x = jstr(it, "region");
		if (x[0] == '\0')
			continue;
		if (r == NULL)
			r = x;
		else if (strcmp(r, x) != 0)
			return "";
	}
	return r != NULL ? r : "";
}

static void
period(struct ronda_buf *b, const cJSON *sum)
{
	char a[64], z[64];
	int64_t since = jtime(sum, "since"), until = jtime(sum, "until");
	int64_t latest = jtime(sum, "latest_event");

	if (until == 0 || (latest > 0 && until > latest && until - latest < 86400000LL * 365))
		until = 0;
	ronda_buf_printf(b, "%s to %s", since > 0 ? fmt_time(a, sizeof(a), since, O.report_zone, 0) :
	    "the first event", until > 0 ? fmt_time(z, sizeof(z), until, O.report_zone, 0) :
	    latest > 0 ? fmt_time(z, sizeof(z), latest, O.report_zone, 0) : "now");
}

#define MD_AGENCY_TOP 5	/* IPs and networks per agency in the report */

/*
 * An address of the agencies' own networks (RFC 1918, CGNAT, loopback, link
 * local, IPv6 ULA): the report marks it, as it is often the SOC's own
 * scanner or a misconfigured host rather than an attacker.
 */
static int
is_internal(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		    (a[0] == 169 && a[1] == 254);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		    memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	return 0;
}

static void
md_row_start(void)
{
	fputs("|", stdout);
}

static void
md_cell(const char *s)
{
	fputc(' ', stdout);
	put_md(s);
	fputs(" |", stdout);
}

static void
md_cellf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
md_cellf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	md_cell(buf);
}

static void
summary_markdown(const cJSON *sum)
{
	const cJSON *tot = cJSON_GetObjectItemCaseSensitive(sum, "totals");
	const cJSON *camps = cJSON_GetObjectItemCaseSensitive(sum, "campaigns");
	const cJSON *it, *x;
	const char *region = common_region(sum);
	struct ronda_buf b;
	char ts[64], ts2[64];

	ronda_buf_init(&b, 0);
	fputs("# Ronda security summary", stdout);
	if (region[0] != '\0') {
		fputs(": ", stdout);
		put_md(region);
	}
	fputs("\n\n", stdout);
	period(&b, sum);
	fputs("**Period:** ", stdout);
	put_md(b.data);
	printf("  \n**Generated:** %s by `ronda summary` from the correlator's store",
	    fmt_time(ts, sizeof(ts), jtime(sum, "generated"), O.report_zone, 0));
	if (!jnull(sum, "latest_event"))
		printf(" (newest event %s)", fmt_time(ts, sizeof(ts), jtime(sum, "latest_event"),
		    O.report_zone, 0));
	fputs(".\n\n## Overview\n\n", stdout);
	ronda_buf_reset(&b);
	sev_counts(&b, cJSON_GetObjectItemCaseSensitive(tot, "by_severity"));
	printf("- **%lld incident%s** (%s) on **%lld of %lld monitored sites**, from %lld"
	    " security events.\n", (long long)jint(tot, "incidents"),
	    jint(tot, "incidents") == 1 ? "" : "s", b.data,
	    (long long)jint(tot, "sites_hit"), (long long)jint(tot, "sites_known"),
	    (long long)jint(tot, "events"));
	printf("- **%d campaign%s**: attacks that hit several sites at once and are handled as"
	    " one.\n", cJSON_GetArraySize(camps), cJSON_GetArraySize(camps) == 1 ? "" : "s");
	if (jint(tot, "allowlisted_ips") > 0)
		printf("- %lld allowlisted address%s (the correlator's `campaigns.allowlist`, such as"
		    " the SOC's own scanner) took part in %lld incident%s; %s left out of the"
		    " attacker rankings.\n", (long long)jint(tot, "allowlisted_ips"),
		    jint(tot, "allowlisted_ips") == 1 ? "" : "es",
		    (long long)jint(tot, "allowlisted_incidents"),
		    jint(tot, "allowlisted_incidents") == 1 ? "" : "s",
		    jint(tot, "allowlisted_ips") == 1 ? "it is" : "they are");
	ronda_buf_reset(&b);
	kind_counts(&b, cJSON_GetObjectItemCaseSensitive(tot, "by_kind"));
	if (b.len > 0) {
		fputs("- By kind: ", stdout);
		put_md(b.data);
		fputs(".\n", stdout);
	}

	fputs("\n## Campaigns\n\n", stdout);
	if (cJSON_GetArraySize(camps) == 0) {
		fputs("No multi-site campaign in this period.\n", stdout);
	} else {
		fputs("Attacks that reached several sites, each handled as one case.\n\n"
		    "| Campaign | Kind | Severity | Status | Sites | Agencies | First seen |"
		    " Last seen |\n|---|---|---|---|--:|--:|---|---|\n", stdout);
		cJSON_ArrayForEach(it, camps) {
			md_row_start();
			md_cell(jstr(it, "title"));
			md_cell(jstr(it, "kind"));
			md_cell(jstr(it, "severity"));
			md_cell(jstr(it, "status"));
			md_cellf("%lld", (long long)jint(it, "site_count"));
			md_cellf("%lld", (long long)jint(it, "agencies"));
			md_cell(fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), O.report_zone, 0));
			md_cell(fmt_time(ts2, sizeof(ts2), jtime(it, "last_seen"), O.report_zone, 0));
			fputc('\n', stdout);
		}
		cJSON_ArrayForEach(it, camps) {
			const cJSON *s;
			char day[16];
			int first = 1;

			fputs("\n### ", stdout);
			put_md(jstr(it, "title"));
			fputs("\n\n", stdout);
			/* Site times as HH:MM on the campaign's first day, with the date after. */
			fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), O.report_zone, 0);
			snprintf(day, sizeof(day), "%.10s", ts);
			fputs("- Sites in the order they were hit: ", stdout);
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "sites")) {
				const char *site = jstr(s, "site");
				fmt_time(ts2, sizeof(ts2), jtime(s, "first_seen"), site_zone(site), 0);
				ronda_buf_reset(&b);
				ronda_buf_printf(&b, "%s (%s)", site, strncmp(ts2, day, 10) == 0 ?
				    ts2 + 11 : ts2);
				fputs(first ? "" : ", ", stdout);
				put_md(b.data);
				first = 0;
			}
			fputs(".\n", stdout);
			ronda_buf_reset(&b);
			join_strings(&b, cJSON_GetObjectItemCaseSensitive(it, "attacker_ips"), ", ");
			if (b.len > 0) {
				fputs("- Most active attacker IPs: ", stdout);
				put_md(b.data);
				fputs(".\n", stdout);
			}
			printf("- Details: `ronda campaign %.*s`.\n", SHORT_ID, jstr(it, "id"));
		}
	}

	x = cJSON_GetObjectItemCaseSensitive(sum, "notable");
	fputs("\n## Other serious incidents\n\n", stdout);
	{
		int n = 0;
		cJSON_ArrayForEach(it, x) {
			char sid[SHORT_ID + 1];
			const cJSON *sl = cJSON_GetObjectItemCaseSensitive(it, "site_list");

			if (!jnull(it, "campaign_id"))
				continue;
			if (n++ == 0)
				fputs("High and critical incidents outside the campaigns, by attacker"
				    " and kind, worst first.\n\n| First seen | Kind | Severity |"
				    " Attacker or account | Sites | Example |\n"
				    "|---|---|---|---|---|---|\n", stdout);
			ronda_buf_reset(&b);
			join_strings(&b, sl, ", ");
			if (jint(it, "sites") > cJSON_GetArraySize(sl))
				ronda_buf_printf(&b, " and %lld more", (long long)(jint(it, "sites") -
				    cJSON_GetArraySize(sl)));
			md_row_start();
			md_cell(fmt_time(ts, sizeof(ts), jtime(it, "first_seen"),
			    cJSON_IsString(cJSON_GetArrayItem(sl, 0)) ?
			    site_zone(cJSON_GetArrayItem(sl, 0)->valuestring) : O.report_zone, 0));
			md_cell(kind_words(jstr(it, "kind")));
			md_cell(jstr(it, "severity"));
			if (is_internal(jstr(it, "key"))) {
				char k[96];
				snprintf(k, sizeof(k), "%s (internal address)", jstr(it, "key"));
				md_cell(k);
			} else {
				md_cell(jstr(it, "key"));
			}
			md_cell(b.data);
			md_cell(short_id(sid, sizeof(sid), jstr(it, "incident_id")));
			fputc('\n', stdout);
		}
		if (n == 0)
			fputs("No high or critical incident outside the campaigns above.\n", stdout);
		else
			fputs("\nDetails: `ronda incident ID`; all of them:"
			    " `ronda incidents --severity high`.\n", stdout);
	}

	fputs("\n## By agency\n", stdout);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "agencies")) {
		const cJSON *s;
		int first;

		fputs("\n### ", stdout);
		put_md(jstr(it, "agency")[0] != '\0' ? jstr(it, "agency") : "Sites not configured");
		fputs("\n\n", stdout);
		ronda_buf_reset(&b);
		sev_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_severity"));
		printf("- **%lld incident%s** (%s), %lld events.\n", (long long)jint(it, "incidents"),
		    jint(it, "incidents") == 1 ? "" : "s", b.data, (long long)jint(it, "events"));
		fputs("- Sites: ", stdout);
		first = 1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "sites")) {
			ronda_buf_reset(&b);
			ronda_buf_printf(&b, "%s (%lld incidents, %lld open, worst %s)", jstr(s, "site"),
			    (long long)jint(s, "incidents"), (long long)jint(s, "open"),
			    jstr(s, "max_severity"));
			fputs(first ? "" : "; ", stdout);
			put_md(b.data);
			first = 0;
		}
		fputs(".\n", stdout);
		ronda_buf_reset(&b);
		kind_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_kind"));
		fputs("- By kind: ", stdout);
		put_md(b.data);
		fputs(".\n", stdout);
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "campaigns")) > 0) {
			fputs("- Part of campaigns: ", stdout);
			first = 1;
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "campaigns")) {
				const cJSON *c;
				const char *title = "";
				cJSON_ArrayForEach(c, camps)
					if (cJSON_IsString(s) && strcmp(jstr(c, "id"), s->valuestring) == 0)
						title = jstr(c, "title");
				fputs(first ? "" : "; ", stdout);
				put_md(title[0] != '\0' ? title : cJSON_IsString(s) ? s->valuestring : "");
				first = 0;
			}
			fputs(".\n", stdout);
		}
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "top_ips")) > 0) {
			fputs("- Top attacker IPs (incidents): ", stdout);
			first = 1;
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_ips")) {
				if (first >= 1 + MD_AGENCY_TOP)
					break;
				if (first > 1)
					fputs(", ", stdout);
				put_md(jstr(s, "ip"));
				printf(" (%lld%s)", (long long)jint(s, "incidents"),
				    is_internal(jstr(s, "ip")) ? ", internal address" : "");
				first++;
			}
			fputs(".\n", stdout);
		}
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(it, "top_networks")) > 0) {
			fputs("- Top attacker networks: ", stdout);
			first = 1;
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_networks")) {
				if (first >= 1 + MD_AGENCY_TOP)
					break;
				if (first > 1)
					fputs(", ", stdout);
				put_md(jstr(s, "network"));
				printf(" (%lld IP%s)", (long long)jint(s, "ips"),
				    jint(s, "ips") == 1 ? "" : "s");
				first++;
			}
			fputs(".\n", stdout);
		}
	}

	x = cJSON_GetObjectItemCaseSensitive(sum, "top_ips");
	if (cJSON_GetArraySize(x) > 0) {
		fputs("\n## Top attacker IPs, all agencies\n\n| IP | Sites | Agencies | Incidents |\n"
		    "|---|--:|--:|--:|\n", stdout);
		cJSON_ArrayForEach(it, x) {
			md_row_start();
			ronda_buf_reset(&b);
			ronda_buf_printf(&b, "%s%s", jstr(it, "ip"), is_internal(jstr(it, "ip")) ?
			    " (internal address)" : "");
			md_cell(b.data);
			md_cellf("%lld", (long long)jint(it, "sites"));
			md_cellf("%lld", (long long)jint(it, "agencies"));
			md_cellf("%lld", (long long)jint(it, "incidents"));
			fputc('\n', stdout);
		}
	}
	x = cJSON_GetObjectItemCaseSensitive(sum, "top_networks");
	if (cJSON_GetArraySize(x) > 0) {
		fputs("\n## Top attacker networks, all agencies\n\n| Network | IPs | Sites |"
		    " Agencies | Incidents |\n|---|--:|--:|--:|--:|\n", stdout);
		cJSON_ArrayForEach(it, x) {
			md_row_start();
			md_cell(jstr(it, "network"));
			md_cellf("%lld", (long long)jint(it, "ips"));
			md_cellf("%lld", (long long)jint(it, "sites"));
			md_cellf("%lld", (long long)jint(it, "agencies"));
			md_cellf("%lld", (long long)jint(it, "incidents"));
			fputc('\n', stdout);
		}
	}
	printf("\n---\nTimes are %s. Every value that came from a log is shown escaped.\n",
	    O.report_zone != NULL ? "local to each site (WIB/WITA/WIT)" : "UTC");
	ronda_buf_release(&b);
}

static void
summary_text(const cJSON *sum)
{
	const cJSON *tot = cJSON_GetObjectItemCaseSensitive(sum, "totals");
	const cJSON *camps = cJSON_GetObjectItemCaseSensitive(sum, "campaigns");
	const cJSON *it, *s;
	struct ronda_buf b;
	struct table t;
	char ts[64], sid[SHORT_ID + 1];

	ronda_buf_init(&b, 0);
	period(&b, sum);
	color_on("\033[1m");
	fputs("Summary ", stdout);
	put_term(b.data);
	color_off("\033[1m");
	fputc('\n', stdout);
	ronda_buf_reset(&b);
	sev_counts(&b, cJSON_GetObjectItemCaseSensitive(tot, "by_severity"));
	printf("  %lld incidents (%s) on %lld of %lld sites, %lld events, %d campaigns\n",
	    (long long)jint(tot, "incidents"), b.data, (long long)jint(tot, "sites_hit"),
	    (long long)jint(tot, "sites_known"), (long long)jint(tot, "events"),
	    cJSON_GetArraySize(camps));
	if (jint(tot, "allowlisted_ips") > 0)
		printf("  allowlisted: %lld IPs in %lld incidents, not ranked\n",
		    (long long)jint(tot, "allowlisted_ips"),
		    (long long)jint(tot, "allowlisted_incidents"));

	if (cJSON_GetArraySize(camps) > 0) {
		struct col cols[] = {
			{ "CAMPAIGN", 0, 1, 30, 9, 0, 0 }, { "SEVERITY", 0, 0, 0, 8, 0, 0 },
			{ "STATUS", 0, 0, 0, 3, 0, 0 }, { "SITES", 1, 0, 0, 8, 0, 0 },
			{ "FIRST SEEN", 0, 0, 0, 4, 0, 0 }, { "ID", 0, 0, 0, 9, 0, 0 },
		};
		fputc('\n', stdout);
		table_init(&t, cols, 6);
		cJSON_ArrayForEach(it, camps) {
			const char *sev = jstr(it, "severity");
			table_row(&t);
			cell(&t, 0, jstr(it, "title"), NULL);
			cell(&t, 1, sev, sev_color(sev));
			cell(&t, 2, jstr(it, "status"), NULL);
			cellf(&t, 3, NULL, "%lld", (long long)jint(it, "site_count"));
			cell(&t, 4, fmt_time(ts, sizeof(ts), jtime(it, "first_seen"), O.report_zone, 0),
			    NULL);
			cell(&t, 5, short_id(sid, sizeof(sid), jstr(it, "id")), NULL);
		}
		table_print(&t);
		table_free(&t);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "agencies")) {
		int first;

		fputc('\n', stdout);
		color_on("\033[1m");
		put_term(jstr(it, "agency")[0] != '\0' ? jstr(it, "agency") : "(sites not configured)");
		color_off("\033[1m");
		ronda_buf_reset(&b);
		sev_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_severity"));
		printf(": %lld incidents (%s)\n", (long long)jint(it, "incidents"), b.data);
		ronda_buf_reset(&b);
		kind_counts(&b, cJSON_GetObjectItemCaseSensitive(it, "by_kind"));
		kv("kinds", b.data, NULL);
		ronda_buf_reset(&b);
		first = 1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "sites")) {
			ronda_buf_printf(&b, "%s%s (%lld, %lld open)", first ? "" : ", ",
			    jstr(s, "site"), (long long)jint(s, "incidents"), (long long)jint(s, "open"));
			first = 0;
		}
		kv("sites", b.data, NULL);
		ronda_buf_reset(&b);
		first = 1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "campaigns")) {
			if (cJSON_IsString(s))
				ronda_buf_printf(&b, "%s%.*s", first ? "" : ", ", SHORT_ID, s->valuestring);
			first = 0;
		}
		if (b.len > 0)
			kv("campaigns", b.data, NULL);
		ronda_buf_reset(&b);
		first = 0;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_ips")) {
			if (first++ >= MD_AGENCY_TOP)
				break;
			ronda_buf_printf(&b, "%s%s (%lld%s)", first == 1 ? "" : ", ", jstr(s, "ip"),
			    (long long)jint(s, "incidents"), is_internal(jstr(s, "ip")) ?
			    ", internal" : "");
		}
		if (b.len > 0)
			kv("top IPs", b.data, NULL);
		ronda_buf_reset(&b);
		first = 0;
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(it, "top_networks")) {
			if (first++ >= MD_AGENCY_TOP)
				break;
			ronda_buf_printf(&b, "%s%s (%lld IP%s)", first == 1 ? "" : ", ",
			    jstr(s, "network"), (long long)jint(s, "ips"), jint(s, "ips") == 1 ? "" : "s");
		}
		if (b.len > 0)
			kv("networks", b.data, NULL);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sum, "top_ips")) > 0) {
		struct col cols[] = {
			{ "TOP ATTACKER IP", 0, 1, 15, 9, 0, 0 }, { "SITES", 1, 0, 0, 9, 0, 0 },
			{ "AGENCIES", 1, 0, 0, 8, 0, 0 }, { "INCIDENTS", 1, 0, 0, 9, 0, 0 },
		};
		fputc('\n', stdout);
		table_init(&t, cols, 4);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sum, "top_ips")) {
			table_row(&t);
			cell(&t, 0, jstr(it, "ip"), NULL);
			cellf(&t, 1, NULL, "%lld", (long long)jint(it, "sites"));
			cellf(&t, 2, NULL, "%lld", (long long)jint(it, "agencies"));
			cellf(&t, 3, NULL, "%lld", (long long)jint(it, "incidents"));
		}
		table_print(&t);
		table_free(&t);
	}
	ronda_buf_release(&b);
}

static void
cmd_summary(const struct ronda_query_filter *f, const char *format, int json)
{
	cJSON *o = NULL;

	check(ronda_query_summary(Q, f, &o));
	if (json)
		print_json(o);
	else if (format != NULL && strcmp(format, "markdown") == 0)
		summary_markdown(o);
	else
		summary_text(o);
	cJSON_Delete(o);
}

/* ---- options ------------------------------------------------------------- */

static int
parse_count(const char *name, const char *v, int64_t max)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0 || n > max)
		die(EXIT_USAGE, "--%s: want a number 0..%lld", name, (long long)max);
	return (int)n;
}

/* Which options each command takes (the others are refused, not ignored). */
static void
allowed(const struct opts *o)
{
	static const struct {
		enum cmd cmd;
		const char *name;
		unsigned mask;	/* since until site kind severity status limit offset format */
	} table[] = {
		{ CMD_INCIDENTS, "incidents", 0xff }, { CMD_CAMPAIGNS, "campaigns", 0xff },
		{ CMD_INCIDENT, "incident", 0 }, { CMD_CAMPAIGN, "campaign", 0 },
		{ CMD_SITES, "sites", 0x04 }, { CMD_SUMMARY, "summary", 0x11f },
	};
	const char *given[] = { o->since, o->until, o->site, o->kind, o->severity, o->status,
		o->limit, o->offset, o->format };
	const char *names[] = { "since", "until", "site", "kind", "severity", "status", "limit",
		"offset", "format" };

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].cmd != o->cmd)
			continue;
		for (int k = 0; k < 9; k++)
			if (given[k] != NULL && !(table[i].mask & (1u << k)))
				die(EXIT_USAGE, "--%s: not an option of '%s'", names[k], table[i].name);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_JSON = 256, O_UTC, O_NOW, O_SINCE, O_UNTIL, O_SITE, O_KIND, O_SEV, O_STATUS,
		O_LIMIT, O_OFFSET, O_FORMAT };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' }, { "json", no_argument, NULL, O_JSON },
		{ "utc", no_argument, NULL, O_UTC }, { "now", required_argument, NULL, O_NOW },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "site", required_argument, NULL, O_SITE },
		{ "kind", required_argument, NULL, O_KIND },
		{ "severity", required_argument, NULL, O_SEV },
		{ "status", required_argument, NULL, O_STATUS },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "offset", required_argument, NULL, O_OFFSET },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	static const struct { const char *name; enum cmd cmd; int takes_id; } cmds[] = {
		{ "incidents", CMD_INCIDENTS, 0 }, { "incident", CMD_INCIDENT, 1 },
		{ "campaigns", CMD_CAMPAIGNS, 0 }, { "campaign", CMD_CAMPAIGN, 1 },
		{ "sites", CMD_SITES, 0 }, { "summary", CMD_SUMMARY, 0 },
	};
	int ch, takes_id = 0;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->db = optarg; break;
		case 'h': o->help = 1; break;
		case O_JSON: o->json = 1; break;
		case O_UTC: o->utc = 1; break;
		case O_NOW: o->now_arg = optarg; break;
		case O_SINCE: o->since = optarg; break;
		case O_UNTIL: o->until = optarg; break;
		case O_SITE: o->site = optarg; break;
		case O_KIND: o->kind = optarg; break;
		case O_SEV: o->severity = optarg; break;
		case O_STATUS: o->status = optarg; break;
		case O_LIMIT: o->limit = optarg; break;
		case O_OFFSET: o->offset = optarg; break;
		case O_FORMAT: o->format = optarg; break;
		case ':':
			die(EXIT_USAGE, "%s: needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				die(EXIT_USAGE, "-%c: unknown option (ronda --help)", optopt);
			die(EXIT_USAGE, "%s: unknown option (ronda --help)", argv[optind - 1]);
		}
	}
	if (o->help)
		return;
	if (optind >= argc)
		die(EXIT_USAGE, "no command (ronda --help)");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			o->cmd = cmds[i].cmd;
			takes_id = cmds[i].takes_id;
		}
	if (o->cmd == CMD_NONE) {
		char *shown = term_dup(argv[optind]);
		die(EXIT_USAGE, "%s: unknown command (incidents, incident, campaigns, campaign,"
		    " sites, summary)", shown);
	}
	optind++;
	if (takes_id) {
		if (optind >= argc)
			die(EXIT_USAGE, "%s: needs an ID", argv[optind - 1]);
		o->id = argv[optind++];
	}
	if (optind < argc) {
		char *shown = term_dup(argv[optind]);
		die(EXIT_USAGE, "%s: unexpected argument", shown);
	}
	allowed(o);
	if (o->format != NULL && strcmp(o->format, "text") != 0 &&
	    strcmp(o->format, "markdown") != 0)
		die(EXIT_USAGE, "--format: text or markdown");
}

/* The operator's zone: $TZ when it names one, else the system's. */
static const struct ronda_tz *
user_zone(void)
{
	const char *tz = getenv("TZ");
	char err[256];
	struct ronda_tz *z;

	if (tz != NULL && tz[0] == ':')
		tz++;
	if (tz != NULL && tz[0] != '\0') {
		if (strcmp(tz, "UTC") == 0 || strcmp(tz, "UTC0") == 0)
			return NULL;
		return zone_load(tz);
	}
	if (O.nzones == MAX_ZONES || (z = ronda_tz_new(NULL, err, sizeof(err))) == NULL)
		return NULL;
	O.zones[O.nzones++] = z;
	return z;
}

/*
 * The zone of times that belong to no one site (campaign lists, the
 * summary): the zone every configured site shares, else the operator's.
 */
static const struct ronda_tz *
report_zone(void)
{
	const cJSON *it;
	const char *z = NULL;

	if (O.utc)
		return NULL;
	cJSON_ArrayForEach(it, O.sites) {
		const char *x = jstr(it, "timezone");
		if (x[0] == '\0')
			continue;
		if (z == NULL)
			z = x;
		else if (strcmp(z, x) != 0)
			return O.user_zone;
	}
	return z != NULL ? zone_load(z) : O.user_zone;
}

static void
setup_output(int utc)
{
	const char *cols = getenv("COLUMNS"), *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	struct winsize ws;
	int tty = isatty(STDOUT_FILENO);

	setlocale(LC_CTYPE, "");
	O.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	O.utc = utc;
	O.width = 80;
	if (cols != NULL && atoi(cols) >= 20 && atoi(cols) <= 10000)
		O.width = atoi(cols);
	else if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		O.width = ws.ws_col;
	O.color = tty && (nc == NULL || nc[0] == '\0') && (term == NULL || strcmp(term, "dumb") != 0);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ronda_query_filter f;
	char err[1024], when[64];
	const char *db;
	int64_t now;
	const char *zone_name;

	parse_args(argc, argv, &o);
	if (o.help) {
		fputs(usage_text, stdout);
		return 0;
	}
	setup_output(o.utc);
	db = o.db != NULL ? o.db : getenv("RONDA_DB");
	if (db == NULL || db[0] == '\0')
		db = DEFAULT_DB;
	if ((Q = ronda_query_open(db, err, sizeof(err))) == NULL) {
		char *shown = term_dup(err);
		die(EXIT_NOSTORE, "%s", shown);
	}

	O.user_zone = o.utc ? NULL : user_zone();
	ronda_query_filter_init(&f);
	if (ronda_query_sites(Q, &f, ronda_now_ms(), &O.sites) != RONDA_QUERY_OK)
		check(RONDA_QUERY_ERROR);
	O.report_zone = report_zone();
	zone_name = O.user_zone != NULL ? ronda_tz_name(O.user_zone) : "UTC";
	if (strcmp(zone_name, "localtime") == 0)
		zone_name = NULL;	/* /etc/localtime: parse through the same file */

	now = ronda_now_ms();
	if (o.now_arg != NULL) {
		if (strcmp(o.now_arg, "latest") == 0) {
			if ((now = ronda_query_latest(Q)) == 0)
				now = ronda_now_ms();
		} else if (ronda_query_parse_time(o.now_arg, ronda_now_ms(), zone_name, &now, err,
		    sizeof(err)) == -1) {
			die(EXIT_USAGE, "--now: %s", err);
		}
	}
	if (o.cmd == CMD_SUMMARY && o.since == NULL)
		o.since = "24h";
	if (o.since != NULL && ronda_query_parse_time(o.since, now, zone_name, &f.since, err,
	    sizeof(err)) == -1)
		die(EXIT_USAGE, "--since: %s", err);
	if (o.until != NULL && ronda_query_parse_time(o.until, now, zone_name, &f.until, err,
	    sizeof(err)) == -1)
		die(EXIT_USAGE, "--until: %s", err);
	f.site = o.site;
	f.kind = o.kind;
	f.severity = o.severity;
	f.status = o.status;
	if (o.limit != NULL && (f.limit = parse_count("limit", o.limit,
	    RONDA_QUERY_LIMIT_MAX)) == 0)
		die(EXIT_USAGE, "--limit: want a number 1..%d", RONDA_QUERY_LIMIT_MAX);
	if (o.offset != NULL)
		f.offset = parse_count("offset", o.offset, INT_MAX);

	switch (o.cmd) {
	case CMD_INCIDENTS: cmd_incidents(&f, o.json); break;
	case CMD_INCIDENT: cmd_incident(o.id, o.json); break;
	case CMD_CAMPAIGNS: cmd_campaigns(&f, o.json); break;
	case CMD_CAMPAIGN: cmd_campaign(o.id, o.json); break;
	case CMD_SITES: cmd_sites(&f, o.json); break;
	case CMD_SUMMARY: cmd_summary(&f, o.format, o.json); break;
	default: break;
	}
	/*
	 * A relative --since on data older than the wall clock (a replay, the
	 * simulator) finds nothing; say why on stderr, once.
	 */
	if (o.since != NULL && o.now_arg == NULL && !o.json && f.since != INT64_MIN) {
		int64_t latest = ronda_query_latest(Q);
		if (latest > 0 && latest < f.since)
			fprintf(stderr, "ronda: note: the newest event in the store is %s, before"
			    " --since; add --now latest to count back from it\n",
			    fmt_time(when, sizeof(when), latest, O.report_zone, 0));
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_STOREFAIL, "writing the output: %s", strerror(errno));
	cJSON_Delete(O.sites);
	for (int i = 0; i < O.nzones; i++)
		ronda_tz_free(O.zones[i]);
	ronda_query_close(Q);
	return 0;
}
