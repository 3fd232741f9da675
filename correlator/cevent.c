#include "cevent.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ronda/timeutil.h"

static const char *const reject_names[] = { "ok", "too_large", "not_json", "schema" };

const char *
ronda_cevent_reject_name(int rej)
{
	if (rej < 0 || rej >= RONDA_CEVENT_REJ_NKINDS)
		return "unknown";
	return reject_names[rej];
}

void
ronda_cevent_id_hash(const char *id, size_t n, uint64_t *hi, uint64_t *lo)
{
	*hi = ronda_hash64(id, n, 0x6465647570ULL);
	*lo = ronda_hash64(id, n, 0x9e3779b97f4a7c15ULL);
}

int
ronda_cevent_parse_ip(const char *p, size_t n, unsigned char out[16])
{
	char tmp[64];

	memset(out, 0, 16);
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (memchr(tmp, ':', n) != NULL)
		return inet_pton(AF_INET6, tmp, out) == 1 ? 6 : 0;
	return inet_pton(AF_INET, tmp, out) == 1 ? 4 : 0;
}

/*
 * The scanner. Grammar errors set `bad` (the message is not JSON); a value of
 * the wrong type for a field we use sets `schema` (the first message wins) and
 * the value is skipped, so a message is classified by its worst problem.
 */
#define MAX_DEPTH 64

enum jtype { J_NONE, J_OBJ, J_ARR, J_STR, J_NUM, J_TRUE, J_FALSE, J_NULL };

struct js {
	const char *p, *end;
	int depth;
	int bad;
	char *err;
	size_t errlen;
	char schema[96];
};

static void
ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	    *j->p == '\r'))
		j->p++;
}

static void
syntax(struct js *j, const char *what, const char *start)
{
	if (!j->bad)
		snprintf(j->err, j->errlen, "not JSON: %s at byte %td", what,
		    j->p - start);
	j->bad = 1;
}

static void
schema(struct js *j, const char *fmt, const char *field)
{
	if (j->schema[0] == '\0')
		snprintf(j->schema, sizeof(j->schema), fmt, field);
}

static enum jtype
peek(struct js *j)
{
	ws(j);
	if (j->p >= j->end)
		return J_NONE;
	switch (*j->p) {
	case '{': return J_OBJ;
	case '[': return J_ARR;
	case '"': return J_STR;
	case 't': return J_TRUE;
	case 'f': return J_FALSE;
	case 'n': return J_NULL;
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return J_NUM;
		return J_NONE;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Append one byte to out when there is room (else mark cut). */
static void
put(char *out, size_t cap, size_t *len, int *cut, char c)
{
	if (out == NULL)
		return;
	if (*len + 1 < cap)
		out[(*len)++] = c;
	else
		*cut = 1;
}

/* Bytes that stand for themselves inside a JSON string. */
static const unsigned char plain[256] = {
	[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0xff] = 1,
};

/*
 * The end of a run of plain bytes from q: sixteen bytes at a time (SSE2:
 * compare with the quote and the backslash, min-compare for control bytes,
 * the first flagged byte from the mask), else eight at a time (the classic
 * "has a zero byte / a byte below n" word tests, exact about whether one is
 * present), then byte by byte. Never reads at or past end. Event strings are
 * long runs of plain bytes (log lines, user agents) and every key is a short
 * one, so this is where the decoder spends its time.
 */
static inline const char *
plain_run(const char *q, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;

#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);

	while (end - q >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
		    _mm_cmpeq_epi8(x, bslash)), _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits != 0)
			return q + __builtin_ctz(bits);
		q += 16;
	}
#endif
	while (end - q >= 8) {
		uint64_t x, a, b;
		memcpy(&x, q, 8);
		a = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & highs)
			break;
		q += 8;
	}
	while (q < end && plain[(unsigned char)*q])
		q++;
	return q;
}

/*
 * Scan a string at j->p ('"'), decoding escapes into out (NUL-terminated,
 * cut at cap - 1 bytes on a UTF-8 boundary; out may be NULL to only validate).
 * A decoded NUL becomes the text "\u0000" would be: it is dropped and the
 * value marked cut, since every consumer treats values as C strings.
 */
static int
str(struct js *j, const char *start, char *out, size_t cap, size_t *outlen, int *cut)
{
	size_t len = 0;
	int c_ = 0;

	j->p++;		/* the quote */
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			if (out != NULL) {
				/* Do not leave half a UTF-8 sequence at a cut. */
				if (c_)
					while (len > 0 &&
					    ((unsigned char)out[len] & 0xc0) == 0x80)
						len--;
				out[len] = '\0';
			}
			if (outlen != NULL)
				*outlen = len;
			if (cut != NULL)
				*cut |= c_;
			return 0;
		}
		if (c < 0x20) {
			syntax(j, "control character in a string", start);
			return -1;
		}
		if (c != '\\') {
			/* A run of plain bytes: copied in one go (the hot path). */
			const char *q = plain_run(j->p + 1, j->end);
			size_t run, room;
			run = (size_t)(q - j->p);
			if (out != NULL) {
				room = len + 1 < cap ? cap - 1 - len : 0;
				if (run > room) {
					c_ = 1;
					run = room;
				}
				memcpy(out + len, j->p, run);
				len += run;
			}
			j->p = q;
			continue;
		}
		if (j->end - j->p < 2) {
			syntax(j, "unterminated escape", start);
			return -1;
		}
		j->p++;
		switch (*j->p) {
		case '"': put(out, cap, &len, &c_, '"'); break;
		case '\\': put(out, cap, &len, &c_, '\\'); break;
		case '/': put(out, cap, &len, &c_, '/'); break;
		case 'b': put(out, cap, &len, &c_, '\b'); break;
		case 'f': put(out, cap, &len, &c_, '\f'); break;
		case 'n': put(out, cap, &len, &c_, '\n'); break;
		case 'r': put(out, cap, &len, &c_, '\r'); break;
		case 't': put(out, cap, &len, &c_, '\t'); break;
		case 'u': {
			long cp;
			int h;
			if (j->end - j->p < 5 || (h = hex4(j->p + 1)) < 0) {
				syntax(j, "bad \\u escape", start);
				return -1;
			}
			cp = h;
			j->p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && j->end - j->p >= 7 &&
			    j->p[1] == '\\' && j->p[2] == 'u' &&
			    (h = hex4(j->p + 3)) >= 0xdc00 && h <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (h - 0xdc00);
				j->p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;	/* a lone surrogate */
			}
			if (cp == 0) {
				c_ = 1;
			} else if (cp < 0x80) {
				put(out, cap, &len, &c_, (char)cp);
			} else if (cp < 0x800) {
				put(out, cap, &len, &c_, (char)(0xc0 | (cp >> 6)));
				put(out, cap, &len, &c_, (char)(0x80 | (cp & 0x3f)));
			} else if (cp < 0x10000) {
				put(out, cap, &len, &c_, (char)(0xe0 | (cp >> 12)));
				put(out, cap, &len, &c_, (char)(0x80 | ((cp >> 6) & 0x3f)));
				put(out, cap, &len, &c_, (char)(0x80 | (cp & 0x3f)));
			} else {
				put(out, cap, &len, &c_, (char)(0xf0 | (cp >> 18)));
				put(out, cap, &len, &c_, (char)(0x80 | ((cp >> 12) & 0x3f)));
				put(out, cap, &len, &c_, (char)(0x80 | ((cp >> 6) & 0x3f)));
				put(out, cap, &len, &c_, (char)(0x80 | (cp & 0x3f)));
			}
			break;
		}
		default:
			syntax(j, "bad escape", start);
			return -1;
		}
		j->p++;
	}
	syntax(j, "unterminated string", start);
	return -1;
}

/* Scan a number per the JSON grammar; its value in *v when it is an integer. */
static int
num(struct js *j, const char *start, int64_t *v, int *is_int)
{
	const char *s = j->p;
	int64_t acc = 0;
	int ovf = 0, neg = 0;

	*is_int = 1;
	if (j->p < j->end && *j->p == '-') {
		neg = 1;
		j->p++;
	}
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		goto bad;
	if (*j->p == '0') {
		j->p++;
	} else {
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
			if (acc > (INT64_MAX - 9) / 10)
				ovf = 1;
			else
				acc = acc * 10 + (*j->p - '0');
			j->p++;
		}
	}
	if (j->p < j->end && *j->p == '.') {
		*is_int = 0;
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			goto bad;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		*is_int = 0;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			goto bad;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (ovf)
		*is_int = 0;
	*v = neg ? -acc : acc;
	(void)s;
	return 0;
bad:
	syntax(j, "bad number", start);
	return -1;
}

static int
lit(struct js *j, const char *start, const char *w, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) {
		syntax(j, "bad literal", start);
		return -1;
	}
	j->p += n;
	return 0;
}

static int skip(struct js *j, const char *start);

/*
 * Object iteration: obj_open() consumes '{'; obj_key() reads the next key into
 * key (cut keys never match a field we use) and the ':' and returns 1, or
 * consumes '}' and returns 0; -1 on a syntax error.
 */
static int
obj_open(struct js *j, const char *start)
{
	if (++j->depth > MAX_DEPTH) {
		syntax(j, "nested too deep", start);
		return -1;
	}
	j->p++;
	return 0;
}

static int
obj_key(struct js *j, const char *start, int *first, char *key, size_t cap)
{
	int cut = 0;

	ws(j);
	if (j->p < j->end && *j->p == '}' && *first) {
		j->p++;
		j->depth--;
		return 0;
	}
	if (!*first) {
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return 0;
		}
		if (j->p >= j->end || *j->p != ',') {
			syntax(j, "expected , or }", start);
			return -1;
		}
		j->p++;
		ws(j);
	}
	*first = 0;
	if (j->p >= j->end || *j->p != '"') {
		syntax(j, "expected a key", start);
		return -1;
	}
	{
		/*
		 * A key without escapes that fits (every name the members look
		 * for): copied by hand, bytes are few. Else the general path.
		 */
		const char *q = plain_run(j->p + 1, j->end);
		size_t n = (size_t)(q - j->p - 1);
		if (q < j->end && *q == '"' && n < cap) {
			for (size_t i = 0; i < n; i++)
				key[i] = j->p[1 + i];
			key[n] = '\0';
			j->p = q + 1;
		} else {
			if (str(j, start, key, cap, NULL, &cut) == -1)
				return -1;
			if (cut)
				key[0] = '\1';	/* matches nothing */
		}
	}
	ws(j);
	if (j->p >= j->end || *j->p != ':') {
		syntax(j, "expected :", start);
		return -1;
	}
	j->p++;
	return 1;
}

/* Array iteration, the same way: 1 = a value follows, 0 = ']' consumed. */
static int
arr_open(struct js *j, const char *start)
{
	return obj_open(j, start);
}

static int
arr_next(struct js *j, const char *start, int *first)
{
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		j->depth--;
		return 0;
	}
	if (!*first) {
		if (j->p >= j->end || *j->p != ',') {
			syntax(j, "expected , or ]", start);
			return -1;
		}
		j->p++;
	}
	*first = 0;
	return 1;
}

static int
skip(struct js *j, const char *start)
{
	char key[8];
	int first = 1, r, is_int;
	int64_t v;

	switch (peek(j)) {
	case J_OBJ:
		if (obj_open(j, start) == -1)
			return -1;
		while ((r = obj_key(j, start, &first, key, sizeof(key))) == 1)
			if (skip(j, start) == -1)
				return -1;
		return r;
	case J_ARR:
		if (arr_open(j, start) == -1)
			return -1;
		while ((r = arr_next(j, start, &first)) == 1)
			if (skip(j, start) == -1)
				return -1;
		return r;
	case J_STR:
		return str(j, start, NULL, 0, NULL, NULL);
	case J_NUM:
		return num(j, start, &v, &is_int);
	case J_TRUE:
		return lit(j, start, "true", 4);
	case J_FALSE:
		return lit(j, start, "false", 5);
	case J_NULL:
		return lit(j, start, "null", 4);
	default:
		syntax(j, j->p >= j->end ? "truncated" : "unexpected byte", start);
		return -1;
	}
}

/* A string field: copied into out (cut at cap); wrong type = schema error. */
static int
fstr(struct js *j, const char *start, const char *field, char *out, size_t cap,
    size_t *len, int *cut)
{
	if (peek(j) != J_STR) {
		schema(j, "%s: expected a string", field);
		return skip(j, start);
	}
	return str(j, start, out, cap, len, cut);
}

/* An integer field in [lo, hi]; *set = 1 when it was one. */
static int
fint(struct js *j, const char *start, const char *field, int64_t lo, int64_t hi,
    int64_t *out, int *set)
{
	int64_t v = 0;
	int is_int;

	if (peek(j) != J_NUM) {
		schema(j, "%s: expected an integer", field);
		return skip(j, start);
	}
	if (num(j, start, &v, &is_int) == -1)
		return -1;
	if (!is_int || v < lo || v > hi) {
		schema(j, "%s: integer out of range", field);
		return 0;
	}
	*out = v;
	if (set != NULL)
		*set = 1;
	return 0;
}

/*
 * A member's key (fobj's 32-byte buffer, NUL-terminated) is the literal
 * name: a compare of the literal's bytes and its NUL, which the compiler
 * unrolls (strcmp calls were a sixth of the decoder's time).
 */
#define KEY_IS(k, lit) (memcmp((k), lit, sizeof(lit)) == 0)

/*
 * Walk an object whose members are handled by fn (which must consume the
 * value, by a field helper or by skip()). Wrong type: schema error, skipped.
 */
typedef int (*member_fn)(struct js *j, const char *start, const char *key, void *arg);

static int
fobj(struct js *j, const char *start, const char *field, member_fn fn, void *arg)
{
	char key[32];
	int first = 1, r;

	if (peek(j) != J_OBJ) {
		schema(j, "%s: expected an object", field);
		return skip(j, start);
	}
	if (obj_open(j, start) == -1)
		return -1;
	while ((r = obj_key(j, start, &first, key, sizeof(key))) == 1)
		if (fn(j, start, key, arg) == -1)
			return -1;
	return r;
}

/* Scratch state of one decode (the fields seen, for the required checks). */
struct dec {
	struct ronda_cevent *ev;
	int have_ts, have_id, have_kind, have_site, have_metrics;
	int ts_bad, kind_bad, outcome_bad, ip_bad, sev_bad;
	char ts[64];
	char kind[16];
	char outcome[16];
	char sev[16];
	char ronda_site[RONDA_CEVENT_SITE_MAX + 1];
	int nids, ncats;
	const char *field;	/* field name for nested helpers */
};

static int
m_event(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	struct ronda_cevent *ev = d->ev;
	int64_t v;
	int set = 0, cut = 0;
	size_t len;

	if (KEY_IS(k, "id")) {
		if (peek(j) == J_STR) {
			if (str(j, s, ev->id, sizeof(ev->id), &len, &cut) == -1)
				return -1;
			d->have_id = len > 0 && !cut;
			if (!d->have_id)
				schema(j, "%s: expected 1..64 characters", "event.id");
			return 0;
		}
		return fstr(j, s, "event.id", NULL, 0, NULL, NULL);
	}
	if (KEY_IS(k, "kind")) {
		d->have_kind = 1;
		return fstr(j, s, "event.kind", d->kind, sizeof(d->kind), NULL, NULL);
	}
	if (KEY_IS(k, "dataset"))
		return fstr(j, s, "event.dataset", ev->dataset, sizeof(ev->dataset), NULL, NULL);
	if (KEY_IS(k, "action"))
		return fstr(j, s, "event.action", ev->action, sizeof(ev->action), NULL, NULL);
	if (KEY_IS(k, "outcome"))
		return fstr(j, s, "event.outcome", d->outcome, sizeof(d->outcome), NULL, NULL);
	if (KEY_IS(k, "severity")) {
		if (fint(j, s, "event.severity", 0, 4, &v, &set) == -1)
			return -1;
		if (set && v > ev->severity)
			ev->severity = (int)v;
		return 0;
	}
	if (KEY_IS(k, "original"))
		return fstr(j, s, "event.original", ev->original, sizeof(ev->original),
		    &ev->original_len, &ev->original_cut);
	return skip(j, s);
}

static int
m_org(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	size_t len = 0;
	int cut = 0;

	if (KEY_IS(k, "id")) {
		if (fstr(j, s, "organization.id", d->ev->site, sizeof(d->ev->site), &len,
		    &cut) == -1)
			return -1;
		d->have_site = len > 0 && !cut;
		return 0;
	}
	return skip(j, s);
}

static int
m_host(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	size_t len = 0;

	if (KEY_IS(k, "name"))
		return fstr(j, s, "host.name", d->ev->host, sizeof(d->ev->host), &len,
		    &d->ev->host_cut);
	return skip(j, s);
}

static int
m_source(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	size_t len = 0;
	int cut = 0;

	if (KEY_IS(k, "ip")) {
		if (fstr(j, s, "source.ip", d->ev->ip, sizeof(d->ev->ip), &len, &cut) == -1)
			return -1;
		d->ev->ip_family = cut ? 0 : ronda_cevent_parse_ip(d->ev->ip, len,
		    d->ev->ip_bin);
		if (d->ev->ip_family == 0) {
			d->ev->ip[0] = '\0';
			schema(j, "%s: not an IP address", "source.ip");
		}
		return 0;
	}
	if (KEY_IS(k, "domain")) {
		if (fstr(j, s, "source.domain", d->ev->domain, sizeof(d->ev->domain), &len,
		    &cut) == -1)
			return -1;
		if (cut || len == 0 || strspn(d->ev->domain, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != len) {
			d->ev->domain[0] = '\0';
			schema(j, "%s: not a host name", "source.domain");
		}
		return 0;
	}
	return skip(j, s);
}

static int
m_user(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "name"))
		return fstr(j, s, "user.name", d->ev->user, sizeof(d->ev->user), NULL, NULL);
	return skip(j, s);
}

static int
m_url(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "path"))
		return fstr(j, s, "url.path", d->ev->path, sizeof(d->ev->path), NULL, NULL);
	if (KEY_IS(k, "query"))
		return fstr(j, s, "url.query", d->ev->query, sizeof(d->ev->query), NULL, NULL);
	return skip(j, s);
}

static int
m_request(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "method"))
		return fstr(j, s, "http.request.method", d->ev->method,
		    sizeof(d->ev->method), NULL, NULL);
	if (KEY_IS(k, "referrer"))
		return fstr(j, s, "http.request.referrer", d->ev->referrer,
		    sizeof(d->ev->referrer), NULL, NULL);
	return skip(j, s);
}

static int
m_body(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "bytes"))
		return fint(j, s, "http.response.body.bytes", 0, INT64_MAX / 2, &d->ev->bytes,
		    NULL);
	return skip(j, s);
}

static int
m_response(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	int64_t v = 0;
	int set = 0;

	if (KEY_IS(k, "status_code")) {
		if (fint(j, s, "http.response.status_code", 100, 999, &v, &set) == -1)
			return -1;
		if (set)
			d->ev->status = (int)v;
		return 0;
	}
	if (KEY_IS(k, "body"))
		return fobj(j, s, "http.response.body", m_body, arg);
	return skip(j, s);
}

static int
m_http(struct js *j, const char *s, const char *k, void *arg)
{
	if (KEY_IS(k, "request"))
		return fobj(j, s, "http.request", m_request, arg);
	if (KEY_IS(k, "response"))
		return fobj(j, s, "http.response", m_response, arg);
	return skip(j, s);
}

static int
m_ua(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "original"))
		return fstr(j, s, "user_agent.original", d->ev->ua, sizeof(d->ev->ua),
		    NULL, NULL);
	return skip(j, s);
}

/* An array of strings: the first max kept (each cut at width), the rest read. */
static int
fstr_array(struct js *j, const char *s, const char *field, char *out, size_t width,
    int max, int *n)
{
	int first = 1, r;

	*n = 0;
	if (peek(j) != J_ARR) {
		schema(j, "%s: expected an array", field);
		return skip(j, s);
	}
	if (arr_open(j, s) == -1)
		return -1;
	while ((r = arr_next(j, s, &first)) == 1) {
		if (peek(j) != J_STR) {
			schema(j, "%s: expected strings", field);
			if (skip(j, s) == -1)
				return -1;
			continue;
		}
		if (*n < max) {
			if (str(j, s, out + (size_t)*n * width, width, NULL, NULL) == -1)
				return -1;
			(*n)++;
		} else if (str(j, s, NULL, 0, NULL, NULL) == -1) {
			return -1;
		}
	}
	return r;
}

/* rule.id / rule.category: arrays of strings, the first RONDA_CEVENT_RULES kept. */
static int
str_array(struct js *j, const char *s, const char *field,
    char (*out)[RONDA_CEVENT_RULE_MAX + 1], int *n)
{
	return fstr_array(j, s, field, &out[0][0], sizeof(out[0]), RONDA_CEVENT_RULES, n);
}

static int
m_rule(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "id")) {
		d->nids = 0;
		return str_array(j, s, "rule.id", d->ev->rule_id, &d->nids);
	}
	if (KEY_IS(k, "category")) {
		d->ncats = 0;
		return str_array(j, s, "rule.category", d->ev->rule_cat, &d->ncats);
	}
	return skip(j, s);
}

static int
m_status(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	int64_t v = 0;
	int set = 0;

	if (k[0] >= '1' && k[0] <= '5' && KEY_IS(k + 1, "xx")) {
		if (fint(j, s, "ronda.metrics.status", 0, INT64_C(1) << 50, &v, &set) == -1)
			return -1;
		if (set)
			d->ev->m.status[k[0] - '0'] = v;
		return 0;
	}
	return skip(j, s);
}

static int
m_metrics(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	struct ronda_cevent_metrics *m = &d->ev->m;

	if (KEY_IS(k, "window_s"))
		return fint(j, s, "ronda.metrics.window_s", 1, 86400, &m->window_s, NULL);
	if (KEY_IS(k, "requests"))
		return fint(j, s, "ronda.metrics.requests", 0, INT64_C(1) << 50,
		    &m->requests, NULL);
	if (KEY_IS(k, "bytes"))
		return fint(j, s, "ronda.metrics.bytes", 0, INT64_MAX / 2, &m->bytes, NULL);
	if (KEY_IS(k, "distinct_ips"))
		return fint(j, s, "ronda.metrics.distinct_ips", 0, INT64_C(1) << 40,
		    &m->distinct_ips, NULL);
	if (KEY_IS(k, "status"))
		return fobj(j, s, "ronda.metrics.status", m_status, arg);
	if (KEY_IS(k, "heartbeat"))
		m->heartbeat = 1;
	return skip(j, s);
}

static int
m_hash(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	char *h = d->ev->file.sha256;
	size_t len = 0;
	int cut = 0;

	if (KEY_IS(k, "sha256")) {
		if (fstr(j, s, "file.hash.sha256", h, sizeof(d->ev->file.sha256), &len,
		    &cut) == -1)
			return -1;
		if (cut || len != 64 || strspn(h, "0123456789abcdef") != 64) {
			h[0] = '\0';
			schema(j, "%s: expected 64 lower-case hex digits", "file.hash.sha256");
		}
		return 0;
	}
	return skip(j, s);
}

static int
m_file(struct js *j, const char *s, const char *k, void *arg)
{
	if (KEY_IS(k, "hash"))
		return fobj(j, s, "file.hash", m_hash, arg);
	return skip(j, s);
}

/* ronda.file.excerpts: [{"rule": id, "text": bytes}], the first text kept. */
static int
m_excerpt(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "text") && d->ev->file.excerpt[0] == '\0')
		return fstr(j, s, "ronda.file.excerpts.text", d->ev->file.excerpt,
		    sizeof(d->ev->file.excerpt), NULL, NULL);
	return skip(j, s);
}

static int
excerpts(struct js *j, const char *s, void *arg)
{
	int first = 1, r;

	if (peek(j) != J_ARR) {
		schema(j, "%s: expected an array", "ronda.file.excerpts");
		return skip(j, s);
	}
	if (arr_open(j, s) == -1)
		return -1;
	while ((r = arr_next(j, s, &first)) == 1)
		if (fobj(j, s, "ronda.file.excerpts", m_excerpt, arg) == -1)
			return -1;
	return r;
}

static int
m_rfile(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	struct ronda_cevent_file *f = &d->ev->file;

	f->present = 1;
	if (KEY_IS(k, "relpath"))
		return fstr(j, s, "ronda.file.relpath", f->relpath, sizeof(f->relpath), NULL,
		    NULL);
	if (KEY_IS(k, "accepted")) {
		f->accepted = peek(j) == J_TRUE;
		return skip(j, s);
	}
	if (KEY_IS(k, "families"))
		return fstr_array(j, s, "ronda.file.families", &f->families[0][0],
		    sizeof(f->families[0]), RONDA_CEVENT_FAMILIES, &f->nfam);
	if (KEY_IS(k, "domains"))
		return fstr_array(j, s, "ronda.file.domains", &f->domains[0][0],
		    sizeof(f->domains[0]), RONDA_CEVENT_DOMAINS, &f->ndom);
	if (KEY_IS(k, "excerpts"))
		return excerpts(j, s, arg);
	return skip(j, s);
}

static int
m_cloak(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;
	struct ronda_cevent_cloak *c = &d->ev->cloak;
	int64_t v = 0;
	int set = 0;

	c->present = 1;
	if (KEY_IS(k, "browser_status")) {
		if (fint(j, s, "ronda.cloak.browser_status", 100, 999, &v, &set) == -1)
			return -1;
		if (set)
			c->browser_status = (int)v;
		return 0;
	}
	if (KEY_IS(k, "browser_bytes"))
		return fint(j, s, "ronda.cloak.browser_bytes", 0, INT64_MAX / 2,
		    &c->browser_bytes, NULL);
	if (KEY_IS(k, "browser_age_s"))
		return fint(j, s, "ronda.cloak.browser_age_s", 0, INT64_C(1) << 40, &c->age_s,
		    NULL);
	return skip(j, s);
}

static int
m_ronda(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	if (KEY_IS(k, "site"))
		return fstr(j, s, "ronda.site", d->ronda_site, sizeof(d->ronda_site), NULL,
		    NULL);
	if (KEY_IS(k, "severity"))
		return fstr(j, s, "ronda.severity", d->sev, sizeof(d->sev), NULL, NULL);
	if (KEY_IS(k, "metrics")) {
		d->have_metrics = 1;
		return fobj(j, s, "ronda.metrics", m_metrics, arg);
	}
	if (KEY_IS(k, "file")) {
		d->ev->file.present = 1;
		return fobj(j, s, "ronda.file", m_rfile, arg);
	}
	if (KEY_IS(k, "cloak")) {
		d->ev->cloak.present = 1;
		return fobj(j, s, "ronda.cloak", m_cloak, arg);
	}
	return skip(j, s);
}

static int
m_top(struct js *j, const char *s, const char *k, void *arg)
{
	struct dec *d = arg;

	switch (k[0]) {
	case '@':
		if (KEY_IS(k, "@timestamp")) {
			d->have_ts = 1;
			return fstr(j, s, "@timestamp", d->ts, sizeof(d->ts), NULL, NULL);
		}
		break;
	case 'e':
		if (KEY_IS(k, "event"))
			return fobj(j, s, "event", m_event, arg);
		break;
	case 'f':
		if (KEY_IS(k, "file"))
			return fobj(j, s, "file", m_file, arg);
		break;
	case 'h':
		if (KEY_IS(k, "http"))
			return fobj(j, s, "http", m_http, arg);
		if (KEY_IS(k, "host"))
			return fobj(j, s, "host", m_host, arg);
		break;
	case 'o':
		if (KEY_IS(k, "organization"))
			return fobj(j, s, "organization", m_org, arg);
		break;
	case 'r':
		if (KEY_IS(k, "rule"))
			return fobj(j, s, "rule", m_rule, arg);
		if (KEY_IS(k, "ronda"))
			return fobj(j, s, "ronda", m_ronda, arg);
		break;
	case 's':
		if (KEY_IS(k, "source"))
			return fobj(j, s, "source", m_source, arg);
		break;
	case 'u':
		if (KEY_IS(k, "user"))
			return fobj(j, s, "user", m_user, arg);
		if (KEY_IS(k, "url"))
			return fobj(j, s, "url", m_url, arg);
		if (KEY_IS(k, "user_agent"))
			return fobj(j, s, "user_agent", m_ua, arg);
		break;
	}
	return skip(j, s);
}

static void
reset(struct ronda_cevent *ev)
{
	/* Only the fixed scalars and the first byte of each buffer. */
	ev->id[0] = ev->site[0] = ev->host[0] = ev->dataset[0] = ev->action[0] = '\0';
	ev->host_cut = ev->host_unlisted = 0;
	ev->ip[0] = ev->user[0] = ev->method[0] = ev->path[0] = ev->query[0] = '\0';
	ev->domain[0] = '\0';
	ev->ua[0] = ev->original[0] = ev->referrer[0] = '\0';
	memset(ev->ip_bin, 0, sizeof(ev->ip_bin));
	ev->id_hi = ev->id_lo = 0;
	ev->ts_ms = 0;
	ev->kind = ev->outcome = ev->ip_family = ev->status = ev->severity = 0;
	ev->nrules = 0;
	ev->original_len = 0;
	ev->original_cut = 0;
	memset(&ev->m, 0, sizeof(ev->m));
	ev->m.window_s = 60;
	ev->m.bytes = -1;
	ev->m.distinct_ips = -1;
	ev->bytes = -1;
	ev->file.present = ev->file.accepted = ev->file.nfam = ev->file.ndom = 0;
	ev->file.relpath[0] = ev->file.sha256[0] = ev->file.excerpt[0] = '\0';
	ev->cloak.present = ev->cloak.browser_status = 0;
	ev->cloak.browser_bytes = ev->cloak.age_s = -1;
}

int
ronda_cevent_decode(const char *p, size_t n, size_t max, struct ronda_cevent *ev,
    char *err, size_t errlen)
{
	struct js j = { .p = p, .end = p + n, .err = err, .errlen = errlen };
	struct dec d = { .ev = ev };
	static const char *const sevs[] = { "none", "low", "medium", "high", "critical" };

	reset(ev);
	err[0] = '\0';
	if (n > max) {
		snprintf(err, errlen, "message of %zu bytes over the %zu byte limit", n, max);
		return RONDA_CEVENT_REJ_TOO_LARGE;
	}
	if (peek(&j) != J_OBJ) {
		if (peek(&j) == J_NONE) {
			syntax(&j, j.p >= j.end ? "empty" : "unexpected byte", p);
			return RONDA_CEVENT_REJ_NOT_JSON;
		}
		if (skip(&j, p) == -1)
			return RONDA_CEVENT_REJ_NOT_JSON;
		ws(&j);
		if (j.p != j.end) {
			syntax(&j, "trailing bytes after the value", p);
			return RONDA_CEVENT_REJ_NOT_JSON;
		}
		snprintf(err, errlen, "expected a JSON object");
		return RONDA_CEVENT_REJ_SCHEMA;
	}
	if (fobj(&j, p, "(top)", m_top, &d) == -1 || j.bad)
		return RONDA_CEVENT_REJ_NOT_JSON;
	ws(&j);
	if (j.p != j.end) {
		syntax(&j, "trailing bytes after the object", p);
		return RONDA_CEVENT_REJ_NOT_JSON;
	}
	if (j.schema[0] != '\0') {
		snprintf(err, errlen, "%s", j.schema);
		return RONDA_CEVENT_REJ_SCHEMA;
	}

	if (!d.have_ts || ronda_parse_rfc3339(d.ts, strlen(d.ts), &ev->ts_ms) == -1) {
		snprintf(err, errlen, "@timestamp: missing or not RFC 3339");
		return RONDA_CEVENT_REJ_SCHEMA;
	}
	if (!d.have_id) {
		snprintf(err, errlen, "event.id: missing");
		return RONDA_CEVENT_REJ_SCHEMA;
	}
	ronda_cevent_id_hash(ev->id, strlen(ev->id), &ev->id_hi, &ev->id_lo);
	if (strcmp(d.kind, "event") == 0)
		ev->kind = RONDA_CEVENT_EVENT;
	else if (strcmp(d.kind, "alert") == 0)
		ev->kind = RONDA_CEVENT_ALERT;
	else if (strcmp(d.kind, "metric") == 0)
		ev->kind = RONDA_CEVENT_METRIC;
	else {
		snprintf(err, errlen, "event.kind: missing or not event, alert or metric");
		return RONDA_CEVENT_REJ_SCHEMA;
	}
	if (d.outcome[0] != '\0') {
		if (strcmp(d.outcome, "success") == 0)
			ev->outcome = RONDA_CEVENT_OUT_SUCCESS;
		else if (strcmp(d.outcome, "failure") == 0)
			ev->outcome = RONDA_CEVENT_OUT_FAILURE;
		else if (strcmp(d.outcome, "unknown") == 0)
			ev->outcome = RONDA_CEVENT_OUT_UNKNOWN;
		else {
			snprintf(err, errlen, "event.outcome: not success, failure or unknown");
			return RONDA_CEVENT_REJ_SCHEMA;
		}
	}
	if (!d.have_site && d.ronda_site[0] != '\0') {
		snprintf(ev->site, sizeof(ev->site), "%s", d.ronda_site);
		d.have_site = 1;
	}
	if (!d.have_site) {
		snprintf(err, errlen, "organization.id: missing");
		return RONDA_CEVENT_REJ_SCHEMA;
	}
	if (d.sev[0] != '\0') {
		int s;
		for (s = 0; s <= 4; s++)
			if (strcmp(d.sev, sevs[s]) == 0)
				break;
		if (s > 4) {
			snprintf(err, errlen, "ronda.severity: not a severity name");
			return RONDA_CEVENT_REJ_SCHEMA;
		}
		if (s > ev->severity)
			ev->severity = s;
	}
	if (d.ncats > d.nids) {
		snprintf(err, errlen, "rule.category: more entries than rule.id");
		return RONDA_CEVENT_REJ_SCHEMA;
	}
	ev->nrules = d.nids;
	for (int i = d.ncats; i < d.nids; i++)
		ev->rule_cat[i][0] = '\0';
	if (ev->kind == RONDA_CEVENT_METRIC && !d.have_metrics) {
		snprintf(err, errlen, "ronda.metrics: required for event.kind metric");
		return RONDA_CEVENT_REJ_SCHEMA;
	}
	return RONDA_CEVENT_OK;
}
