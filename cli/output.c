/*
 * output.c — what every `ronda` command prints with: escaping for the
 * terminal and markdown, JSON access, site zones and times, colour, tables,
 * and the read-only store handle.
 */
#include "cli.h"

struct out O;


void
die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

void
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
int
is_hidden_format(uint32_t cp)
{
	return cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
	    cp == 0xfeff;
}

uint32_t
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
void
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
char *
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
void
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

void
put_term(const char *s)
{
	struct ronda_buf b;

	ronda_buf_init(&b, 0);
	esc_term(&b, s);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	ronda_buf_release(&b);
}

void
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

const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

int64_t
jint(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

int
jnull(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return v == NULL || cJSON_IsNull(v);
}

/* A time field (RFC 3339) as ms, 0 when absent or null. */
int64_t
jtime(const cJSON *o, const char *name)
{
	const char *s = jstr(o, name);
	int64_t ms;

	if (s[0] == '\0' || ronda_parse_rfc3339(s, strlen(s), &ms) == -1)
		return 0;
	return ms;
}

/* ---- zones and times ---------------------------------------------------- */

const struct ronda_tz *
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

const cJSON *
site_obj(const char *site)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, O.sites)
		if (strcmp(jstr(it, "id"), site) == 0)
			return it;
	return NULL;
}

/* The zone a site's times are shown in (NULL = UTC). */
const struct ronda_tz *
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
const char *
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
const char *
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

const char *
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

void
color_on(const char *c)
{
	if (O.color && c != NULL)
		fputs(c, stdout);
}

void
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
int
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

int
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
void
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

void
table_init(struct table *t, struct col *cols, int ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

/* Start a row; cells are then set with cell(). */
int
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
void
cell(struct table *t, int c, const char *raw, const char *color)
{
	int i = (t->nrows - 1) * t->ncols + c;

	free(t->cells[i]);
	t->cells[i] = term_dup(raw != NULL ? raw : "");
	t->colors[i] = color;
}

void
cellf(struct table *t, int c, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void
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
void
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

void
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

void
table_free(struct table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colors);
}

/* ---- the store ---------------------------------------------------------- */

struct ronda_query *Q;

/* Map a query result to the exit code and message; returns only on OK. */
void
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
void
resolve_id(enum ronda_query_what what, const char *given, char *out, size_t outlen)
{
	int rc = ronda_query_resolve(Q, what, given, out, outlen);

	if (rc == RONDA_QUERY_BADARG) {
		/* A malformed or ambiguous id is a wrong id too. */
		die(EXIT_NOTFOUND, "%s", ronda_query_errmsg(Q));
	}
	check(rc);
}

void
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
const char *
short_id(char *out, size_t n, const char *id)
{
	snprintf(out, n, "%.*s", SHORT_ID, id);
	return out;
}

void
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
void
kv(const char *label, const char *value, const char *color)
{
	printf("  %-12s ", label);
	color_on(color);
	put_term(value);
	color_off(color);
	fputc('\n', stdout);
}

void
heading(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void
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
