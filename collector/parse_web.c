/*
 * parse_web.c — access-log lines in the Common, combined and vhost_combined
 * formats that Apache and nginx write by default:
 *
 *   203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] "GET /?s=slot HTTP/1.1" 200 512 "-" "Mozilla/5.0"
 *   www.example.go.id:443 203.0.113.9 - - [20/Nov/...] "GET / HTTP/1.1" 200 512 "-" "curl/8.0"
 *
 * Every byte is attacker-chosen, so the parser works on (ptr, len) only, uses
 * memchr for the long scans, never allocates, and every scan moves forward:
 * the worst case is a few passes over the line, linear in its length even for
 * a 10 MB line with no newline and a million quotes.
 *
 * The hard part is where the quoted request ends. Apache escapes '"' as \" and
 * '\' as \\; nginx writes \x22 and \x5C, so in a well-formed log the request
 * ends at the first unescaped quote. Broken loggers write raw quotes, so a
 * closing quote is only accepted when `" NNN` (the status) follows it; that
 * also keeps a request that contains `" 200 ` (escaped) from spoofing the
 * status. When no escape-aware candidate exists, a second pass ignores
 * backslashes (a raw `\"` written by a logger that does not escape).
 */
#include "ronda/parse.h"

#include <string.h>

#include "ronda/timeutil.h"

/* A request line longer than this has no sane method; it is still a request. */
#define METHOD_MAX 32

int
ronda_web_format_parse(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "combined") == 0)
		return RONDA_WEB_COMBINED;
	if (strcmp(name, "common") == 0)
		return RONDA_WEB_COMMON;
	if (strcmp(name, "vhost_combined") == 0)
		return RONDA_WEB_VHOST_COMBINED;
	return -1;
}

static inline int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct ronda_str
mkstr(const char *p, size_t n)
{
	struct ronda_str s = { n ? p : NULL, n };

	return s;
}

/* "-" is how both servers log an absent value. */
static struct ronda_str
mkfield(const char *p, size_t n)
{
	if (n == 1 && p[0] == '-')
		return RONDA_STR_NULL;
	return mkstr(p, n);
}

/* Token from *i up to the next space (or the end); *i is left on the space. */
static struct ronda_str
token(const char *l, size_t len, size_t *i)
{
	const char *sp = memchr(l + *i, ' ', len - *i);
	size_t end = sp ? (size_t)(sp - l) : len;
	struct ronda_str s = mkstr(l + *i, end - *i);

	*i = end;
	return s;
}

static unsigned
num2(const char *p)
{
	return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

static int
all_digits(const char *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!is_digit(p[k]))
			return 0;
	return 1;
}

/*
 * "Jan".."Dec" -> 1..12, else 0: what ronda_month_from_abbr() answers, with
 * one switch instead of up to twelve compares (it runs for every line).
 */
static unsigned
month_abbr(const char *p)
{
#define M3(a, b, c) ((unsigned)(a) << 16 | (unsigned)(b) << 8 | (unsigned)(c))
	switch (M3((unsigned char)p[0], (unsigned char)p[1], (unsigned char)p[2])) {
	case M3('J', 'a', 'n'): return 1;
	case M3('F', 'e', 'b'): return 2;
	case M3('M', 'a', 'r'): return 3;
	case M3('A', 'p', 'r'): return 4;
	case M3('M', 'a', 'y'): return 5;
	case M3('J', 'u', 'n'): return 6;
	case M3('J', 'u', 'l'): return 7;
	case M3('A', 'u', 'g'): return 8;
	case M3('S', 'e', 'p'): return 9;
	case M3('O', 'c', 't'): return 10;
	case M3('N', 'o', 'v'): return 11;
	case M3('D', 'e', 'c'): return 12;
	}
	return 0;
#undef M3
}

/*
 * "[20/Nov/2026:23:04:05 +0800]" (optionally "…:05.123 +0800]") starting at
 * l[*i] == '['. On success *i is past the ']' and *ms is UTC.
 */
static int
parse_clf_time(const char *l, size_t len, size_t *i, int64_t *ms)
{
	const char *p = l + *i;
	size_t n = len - *i, k = 21;
	unsigned d, mon, h, mi, s, oh, om, frac = 0, fd = 0;
	int64_t t, off;

	if (n < 28 || p[0] != '[' || !is_digit(p[1]) || !is_digit(p[2]) ||
	    p[3] != '/' || p[7] != '/' || !all_digits(p + 8, 4) || p[12] != ':' ||
	    !is_digit(p[13]) || !is_digit(p[14]) || p[15] != ':' ||
	    !is_digit(p[16]) || !is_digit(p[17]) || p[18] != ':' ||
	    !is_digit(p[19]) || !is_digit(p[20]))
		return -1;
	if ((mon = month_abbr(p + 4)) == 0)
		return -1;
	d = num2(p + 1);
	h = num2(p + 13);
	mi = num2(p + 16);
	s = num2(p + 19);
	if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	if (p[k] == '.') {	/* some custom formats log milliseconds */
		k++;
		while (k < n && is_digit(p[k]) && fd < 9) {
			if (fd < 3)
				frac = frac * 10 + (unsigned)(p[k] - '0');
			fd++;
			k++;
		}
		if (fd == 0)
			return -1;
		for (; fd < 3; fd++)
			frac *= 10;
	}
	if (k + 7 > n || p[k] != ' ' || (p[k + 1] != '+' && p[k + 1] != '-') ||
	    !all_digits(p + k + 2, 4) || p[k + 6] != ']')
		return -1;
	oh = num2(p + k + 2);
	om = num2(p + k + 4);
	if (oh > 23 || om > 59)
		return -1;
	if (s == 60)
		s = 59;
	off = (int64_t)oh * 3600 + (int64_t)om * 60;
	if (p[k + 1] == '-')
		off = -off;
	t = ronda_timegm((int64_t)num2(p + 8) * 100 + num2(p + 10), mon, d, h, mi, s);
	*ms = (t - off) * 1000 + frac;
	*i += k + 7;
	return 0;
}

/* `" NNN` followed by a space or the end: the quote that closes the request. */
static int
closes_request(const char *l, size_t len, size_t q)
{
	return q + 5 <= len && l[q + 1] == ' ' && is_digit(l[q + 2]) &&
	    is_digit(l[q + 3]) && is_digit(l[q + 4]) &&
	    (q + 5 == len || l[q + 5] == ' ');
}

/* A quote that ends any other quoted field: followed by a space or the end. */
static int
closes_field(const char *l, size_t len, size_t q)
{
	return q + 1 == len || l[q + 1] == ' ';
}

/*
 * Where the first backslash at or after a position is, remembered for the
 * line: the request, the referrer and the user agent all ask, and most lines
 * have none (one memchr to the end instead of three).
 */
struct bs_scan {
	size_t from;	/* no backslash in l[from..at) */
	size_t at;	/* the first one at or after from, or len */
};

static size_t
first_backslash(const char *l, size_t len, size_t start, struct bs_scan *b)
{
	const char *bs;

	if (b->from <= start && start <= b->at)
		return b->at;
	bs = memchr(l + start, '\\', len - start);
	b->from = start;
	b->at = bs ? (size_t)(bs - l) : len;
	return b->at;
}

/*
 * Find the quote that closes a field whose content starts at `start`.
 * Returns its index, or len when there is none. Linear: one memchr pass that
 * stays valid while no backslash has been seen, else one escape-aware byte
 * pass, then (only if that found nothing) one pass ignoring escapes.
 */
static size_t
find_close(const char *l, size_t len, size_t start,
    int (*ok)(const char *, size_t, size_t), struct bs_scan *bsc)
{
	size_t bsi = first_backslash(l, len, start, bsc), cur = start;
	const char *q;

	/* Fast path: the quotes before the first backslash cannot be escaped. */
	while (cur < bsi && (q = memchr(l + cur, '"', bsi - cur)) != NULL) {
		size_t qi = (size_t)(q - l);
		if (ok(l, len, qi))
			return qi;
		cur = qi + 1;
	}
	if (bsi == len)
		return len;
	/* Escape-aware from the first backslash on. */
	for (size_t k = bsi; k < len; k++) {
		if (l[k] == '\\') {
			k++;
			continue;
		}
		if (l[k] == '"' && ok(l, len, k))
			return k;
	}
	/* A logger that does not escape: a raw backslash before the quote. */
	cur = bsi;
	while (cur < len && (q = memchr(l + cur, '"', len - cur)) != NULL) {
		size_t qi = (size_t)(q - l);
		if (ok(l, len, qi))
			return qi;
		cur = qi + 1;
	}
	return len;
}

static int
is_method_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
	    c == '-' || c == '_';
}

/*
 * Split url.original into path and query. The fragment (after '#') belongs to
 * neither. An absolute-form target ("http://host/x?y", proxy probes) has its
 * path start at the first '/' after the authority.
 */
static void
split_url(struct ronda_event *ev, const char *u, size_t n)
{
	size_t ps = 0, pe, hash, qm;
	const char *h = memchr(u, '#', n);

	hash = h ? (size_t)(h - u) : n;
	if (n > 0 && u[0] != '/') {
		/* scheme "://" within the first 16 bytes: absolute form */
		const char *c = memchr(u, ':', n < 16 ? n : 16);
		if (c != NULL && (size_t)(c - u) + 3 <= hash && c[1] == '/' && c[2] == '/') {
			size_t a = (size_t)(c - u) + 3;
			while (a < hash && u[a] != '/' && u[a] != '?')
				a++;
			ps = a;
		}
	}
	{
		const char *q = memchr(u + ps, '?', hash - ps);
		qm = q ? (size_t)(q - u) : hash;
	}
	pe = qm;
	ev->path = mkstr(u + ps, pe - ps);
	if (qm < hash)
		ev->query = mkstr(u + qm + 1, hash - qm - 1);
}

/*
 * "GET /x?y HTTP/1.1", "GET /" (HTTP/0.9), "-" (nginx 400), or garbage such
 * as an escaped TLS ClientHello ("\x16\x03\x01..."): only a method made of
 * token characters followed by a target counts; otherwise the line has no
 * method and no url, which is not an error.
 */
static void
split_request(struct ronda_event *ev, const char *r, size_t n)
{
	size_t m = 0, us, ue;

	while (m < n && m <= METHOD_MAX && is_method_char(r[m]))
		m++;
	if (m == 0 || m > METHOD_MAX || m >= n || r[m] != ' ')
		return;
	us = m + 1;
	while (us < n && r[us] == ' ')
		us++;
	ue = n;
	while (ue > us && r[ue - 1] == ' ')
		ue--;
	if (us >= ue)
		return;
	/* "… HTTP/1.1": the version is the last word when it says so. */
	for (size_t k = ue; k > us; k--) {
		if (r[k - 1] != ' ')
			continue;
		if (ue - k > 5 && memcmp(r + k, "HTTP/", 5) == 0) {
			ev->http_version = mkstr(r + k + 5, ue - k - 5);
			ue = k - 1;
			while (ue > us && r[ue - 1] == ' ')
				ue--;
		}
		break;
	}
	if (us >= ue)
		return;
	ev->method = mkstr(r, m);
	ev->url = mkstr(r + us, ue - us);
	split_url(ev, r + us, ue - us);
}

static void
clear_web(struct ronda_event *ev)
{
	ev->type = RONDA_EVENT_WEB;
	ev->flags &= ~(unsigned)RONDA_EVENT_PARSE_ERROR;
	ev->ts_ms = 0;
	ev->vhost = ev->client_ip = ev->remote_user = RONDA_STR_NULL;
	ev->method = ev->url = ev->path = ev->query = RONDA_STR_NULL;
	ev->http_version = ev->referrer = ev->user_agent = RONDA_STR_NULL;
	ev->vhost_port = 0;
	ev->status = 0;
	ev->bytes = -1;
}

/* A quoted field at l[*i] == '"'; *i ends after the closing quote. */
static int
quoted(const char *l, size_t len, size_t *i, struct ronda_str *out, struct bs_scan *bsc)
{
	size_t s, e;

	if (*i >= len || l[*i] != '"')
		return -1;
	s = *i + 1;
	e = find_close(l, len, s, closes_field, bsc);
	*out = mkfield(l + s, e - s);
	if (e == len)
		return -1;
	*i = e + 1;
	return 0;
}

int
ronda_parse_web(struct ronda_event *ev, const char *line, size_t len,
    enum ronda_web_format fmt)
{
	const char *l = line;
	size_t i = 0, rs, re;
	struct ronda_str tok;
	struct bs_scan bsc = { SIZE_MAX, 0 };

	clear_web(ev);
	if (l == NULL)
		len = 0;
	if (len > 0 && l[len - 1] == '\r')	/* CRLF logs */
		len--;

	if (fmt == RONDA_WEB_VHOST_COMBINED) {
		/* "%v:%p ": the port is after the last colon (the name may be IPv6) */
		tok = token(l, len, &i);
		if (tok.n > 0) {
			const char *c = memrchr(tok.p, ':', tok.n);
			size_t pn = c ? tok.n - (size_t)(c - tok.p) - 1 : 0;
			if (c != NULL && pn >= 1 && pn <= 5 && all_digits(c + 1, pn)) {
				int port = 0;
				for (size_t k = 0; k < pn; k++)
					port = port * 10 + (c[1 + k] - '0');
				ev->vhost = mkfield(tok.p, (size_t)(c - tok.p));
				ev->vhost_port = port <= 65535 ? port : 0;
			} else {
				ev->vhost = mkfield(tok.p, tok.n);
			}
		}
		if (i >= len)
			goto fail;
		i++;
	}

	/* %h %l %u */
	tok = token(l, len, &i);
	if (tok.n == 0 || i >= len)
		goto fail;
	ev->client_ip = tok;
	i++;
	tok = token(l, len, &i);	/* identd: always "-" in practice */
	if (i >= len)
		goto fail;
	i++;
	/* The user may contain spaces or '[' (Basic auth): it runs to " [". */
	{
		size_t us = i;
		const char *b;
		for (;;) {
			if ((b = memchr(l + i, '[', len - i)) == NULL)
				goto fail;
			i = (size_t)(b - l);
			if (i > us && l[i - 1] == ' ')
				break;
			i++;
		}
		ev->remote_user = mkfield(l + us, i - 1 - us);
	}
	if (parse_clf_time(l, len, &i, &ev->ts_ms) != 0)
		goto fail;

	/* "%r" %>s */
	if (i + 2 > len || l[i] != ' ' || l[i + 1] != '"')
		goto fail;
	rs = i + 2;
	re = find_close(l, len, rs, closes_request, &bsc);
	if (re == len) {
		/* truncated or broken: keep what the request looks like */
		split_request(ev, l + rs, len - rs);
		goto fail;
	}
	if (!(re - rs == 1 && l[rs] == '-'))
		split_request(ev, l + rs, re - rs);
	ev->status = (int)((l[re + 2] - '0') * 100 + (l[re + 3] - '0') * 10 +
	    (l[re + 4] - '0'));
	i = re + 5;

	/* %b / %O: "-" when nothing was sent */
	if (i >= len)
		return 0;	/* status only: tolerated */
	i++;
	tok = token(l, len, &i);
	if (tok.n == 1 && tok.p[0] == '-') {
		ev->bytes = -1;
	} else if (tok.n >= 1 && tok.n <= 18 && all_digits(tok.p, tok.n)) {
		int64_t b = 0;
		for (size_t k = 0; k < tok.n; k++)
			b = b * 10 + (tok.p[k] - '0');
		ev->bytes = b;
	} else {
		goto fail;
	}
	if (fmt == RONDA_WEB_COMMON || i >= len)
		return 0;	/* a combined log may hold common lines */

	/* "%{Referer}i" "%{User-Agent}i", then whatever extra fields follow */
	i++;
	if (quoted(l, len, &i, &ev->referrer, &bsc) != 0)
		goto fail;
	if (i >= len)
		return 0;
	i++;
	if (quoted(l, len, &i, &ev->user_agent, &bsc) != 0)
		goto fail;
	return 0;

fail:
	ev->flags |= RONDA_EVENT_PARSE_ERROR;
	return -1;
}
