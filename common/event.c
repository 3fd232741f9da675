#include "ronda/event.h"

#include <arpa/inet.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/timeutil.h"

_Static_assert(offsetof(struct ronda_event, metric_json) + sizeof(struct ronda_str) ==
    sizeof(struct ronda_event) &&
    offsetof(struct ronda_event, nrules) >= offsetof(struct ronda_event, rules),
    "ronda_event_reset clears the members after the rule list by name");

void
ronda_event_reset(struct ronda_event *ev)
{
	/* Not the rule list (512 bytes): nrules says how much of it counts. */
	memset(ev, 0, offsetof(struct ronda_event, rules));
	ev->nrules = 0;
	ev->severity = 0;
	ev->metric_json = RONDA_STR_NULL;
	ev->bytes = -1;
	ev->pid = -1;
}

/*
 * event.id = two 64-bit hashes, in hex, of a 32-byte key (device, inode,
 * fingerprint, offset, each 8 bytes little-endian) seeded with the site's
 * hash and with that seed ^ a constant: ronda_hash64(key, 32, seed) both
 * times. ronda_hash64 mixes each word independently of the seed, so the four
 * word mixes are shared by both hashes and only the cheap chaining runs
 * twice: 6 mixes a line instead of 13 (with the site's hash from the
 * caller). The arithmetic is ronda_hash64's (timeutil.c) and must stay so:
 * ids never change (test_event pins values and checks against ronda_hash64).
 */
#define ID_GOLDEN 0x9e3779b97f4a7c15ULL

/*
 * The 16 lower-case hex digits of v, most significant first, without a loop:
 * each nibble spread into a byte of its own, '0' added, and 'a' - '0' - 10
 * more where the nibble is 10 or above.
 */
static inline void
hex16(char out[16], uint64_t v)
{
	for (int half = 0; half < 2; half++) {
		uint64_t x = half == 0 ? v >> 32 : v & 0xffffffffULL, ten;

		x = ((x & 0xffff0000ULL) << 16) | (x & 0xffffULL);
		x = ((x & 0x0000ff000000ff00ULL) << 8) | (x & 0x000000ff000000ffULL);
		x = ((x & 0x00f000f000f000f0ULL) << 4) | (x & 0x000f000f000f000fULL);
		/* byte k holds nibble k (k = 0 the lowest) */
		ten = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
		x += 0x3030303030303030ULL + ten * ('a' - '0' - 10);
		x = htobe64(x);	/* the highest nibble first in memory */
		memcpy(out + 8 * half, &x, 8);
	}
}

static inline uint64_t
id_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
ronda_event_id_seed(const char *site)
{
	return ronda_hash64(site, strlen(site), 0x524f4e4441ULL);
}

void
ronda_event_make_id_seeded(char out[RONDA_EVENT_ID_LEN + 1], uint64_t seed,
    uint64_t dev, uint64_t ino, uint64_t fingerprint, uint64_t offset)
{
	const uint64_t w[4] = { dev, ino, fingerprint, offset };
	uint64_t h[2];

	h[0] = seed ^ (32 * ID_GOLDEN);
	h[1] = (seed ^ 0xa0761d6478bd642fULL) ^ (32 * ID_GOLDEN);
	for (int i = 0; i < 4; i++) {
		uint64_t m = id_mix(w[i] + ID_GOLDEN);
		for (int k = 0; k < 2; k++) {
			h[k] ^= m;
			h[k] = (h[k] << 27 | h[k] >> 37) * 5 + 0x52dce729;
		}
	}
	h[0] = id_mix(h[0]);
	h[1] = id_mix(h[1]);
	hex16(out, h[0]);
	hex16(out + 16, h[1]);
	out[RONDA_EVENT_ID_LEN] = '\0';
}

void
ronda_event_make_id(char out[RONDA_EVENT_ID_LEN + 1], const char *site,
    uint64_t dev, uint64_t ino, uint64_t fingerprint, uint64_t offset)
{
	ronda_event_make_id_seeded(out, ronda_event_id_seed(site), dev, ino, fingerprint,
	    offset);
}

static const char *const sev_names[] = { "none", "low", "medium", "high", "critical" };

const char *
ronda_severity_name(int sev)
{
	if (sev < 0 || sev > RONDA_SEV_CRITICAL)
		return "none";
	return sev_names[sev];
}

int
ronda_severity_parse(const char *name)
{
	for (int i = 0; i <= RONDA_SEV_CRITICAL; i++)
		if (strcmp(name, sev_names[i]) == 0)
			return i;
	return -1;
}

/*
 * A tiny writer for nested objects with optional members: `first` tracks
 * whether a comma is needed at the current level. This runs for every line
 * with forward: all, so the layout below is compiled twice:
 *  - fast: the buffer first makes room for an upper bound of the whole
 *    event (every string six bytes a byte, every key and brace), and then
 *    nothing is checked again. This is every ordinary event.
 *  - checked: near the buffer's cap, each piece asks for exactly the room
 *    it needs, so the cap refuses exactly what appending piece by piece
 *    would refuse (test_event_exactly_at_the_cap).
 * Keys are literals (lengths known when compiled); the pieces inline.
 */
#define JW_INLINE static inline __attribute__((always_inline))

struct jw {
	struct ronda_buf *b;
	char *o;	/* next byte to write */
	char *end;	/* room the buffer guaranteed ends here */
	int first[8];
	int depth;
	int err;
};

/* Make room for n more bytes; 0 (and err set) when the buffer's cap refuses. */
static int
jw_grow(struct jw *w, size_t n)
{
	struct ronda_buf *b = w->b;
	size_t lim;

	if (w->err)
		return 0;
	if (b->data != NULL)
		b->len = (size_t)(w->o - b->data);
	if (ronda_buf_reserve(b, n) == -1) {
		w->err = 1;
		w->end = w->o;	/* nothing fits any more */
		return 0;
	}
	/* Keep one byte for the closing NUL, and never pass the cap. */
	lim = b->cap - 1 < b->max ? b->cap - 1 : b->max;
	w->o = b->data + b->len;
	w->end = b->data + lim;
	return 1;
}

JW_INLINE int
jw_room(struct jw *w, size_t n, const int fast)
{
	if (fast || (size_t)(w->end - w->o) >= n)
		return 1;
	return jw_grow(w, n);
}

JW_INLINE void
jw_raw(struct jw *w, const char *s, size_t n, const int fast)
{
	if (jw_room(w, n, fast)) {
		memcpy(w->o, s, n);
		w->o += n;
	}
}

/* A key given as the literal "\"name\":" (with its quotes and colon). */
JW_INLINE void
jw_key_lit(struct jw *w, const char *k, size_t n, const int fast)
{
	if (!jw_room(w, n + 1, fast))
		return;
	if (!w->first[w->depth])
		*w->o++ = ',';
	w->first[w->depth] = 0;
	memcpy(w->o, k, n);
	w->o += n;
}

JW_INLINE void
jw_open_body(struct jw *w, const int fast)
{
	jw_raw(w, "{", 1, fast);
	w->first[++w->depth] = 1;
}

JW_INLINE void
jw_close(struct jw *w, const int fast)
{
	jw_raw(w, "}", 1, fast);
	w->depth--;
}

/* A JSON string value: room for the worst case, or the exact size near the cap. */
JW_INLINE void
jw_strval(struct jw *w, const char *p, size_t n, const int fast)
{
	if (!fast) {
		struct ronda_buf *b = w->b;
		size_t len = (size_t)(w->o - b->data), need;

		if (n <= (b->max - 2) / 6 && len <= b->max - (n * 6 + 2))
			need = n * 6 + 2;
		else
			need = ronda_json_str_len(p, n);
		if (!jw_room(w, need, 0))
			return;
	}
	w->o = ronda_json_str_put(w->o, p, n);
}

/* A value made of JSON-safe bytes only (hex, digits, our own timestamp). */
JW_INLINE void
jw_safeval(struct jw *w, const char *p, size_t n, const int fast)
{
	if (jw_room(w, n + 2, fast)) {
		*w->o++ = '"';
		memcpy(w->o, p, n);
		w->o += n;
		*w->o++ = '"';
	}
}

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

JW_INLINE void
jw_intval(struct jw *w, int64_t v, const int fast)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	while (u >= 100) {
		unsigned d = (unsigned)(u % 100);
		u /= 100;
		tmp[--i] = digits2[2 * d + 1];
		tmp[--i] = digits2[2 * d];
	}
	if (u >= 10) {
		tmp[--i] = digits2[2 * u + 1];
		tmp[--i] = digits2[2 * u];
	} else {
		tmp[--i] = (char)('0' + u);
	}
	if (v < 0)
		tmp[--i] = '-';
	jw_raw(w, tmp + i, sizeof(tmp) - i, fast);
}

/* The layout's vocabulary; `fast` is the encoder's compile-time constant. */
#define KEY(k) "\"" k "\":"
#define LIT(s) jw_raw(w, (s), sizeof(s) - 1, fast)
#define K(k) jw_key_lit(w, KEY(k), sizeof(KEY(k)) - 1, fast)
#define OPEN(k) do { K(k); jw_open_body(w, fast); } while (0)
#define CLOSE() jw_close(w, fast)
#define STR(k, p, n) do { K(k); jw_strval(w, (p), (n), fast); } while (0)
#define SAFE(k, p, n) do { K(k); jw_safeval(w, (p), (n), fast); } while (0)
#define SLICE(k, s) do { if ((s).n > 0) STR(k, (s).p, (s).n); } while (0)
#define CSTR(k, s, n) do { if ((n) > 0) STR(k, (s), (n)); } while (0)
#define INT(k, v) do { K(k); jw_intval(w, (v), fast); } while (0)
#define TRUE(k) do { K(k); LIT("true"); } while (0)

/*
 * A dotted quad exactly as inet_pton(AF_INET) takes it: four decimal
 * octets of at most 255, no leading zeros, nothing else. Octet by octet
 * (it runs for every line).
 */
static int
is_ipv4(const char *p, size_t n)
{
	const char *e = p + n;

	for (int octet = 0; octet < 4; octet++) {
		unsigned v, d;

		if (octet > 0) {
			if (p == e || *p != '.')
				return 0;
			p++;
		}
		if (p == e || (d = (unsigned)(unsigned char)*p - '0') > 9)
			return 0;
		v = d;
		p++;
		if (p < e && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
			if (v == 0)
				return 0;	/* a leading zero */
			v = v * 10 + d;
			p++;
			if (p < e && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
				v = v * 10 + d;
				p++;
				if (v > 255 || (p < e && (unsigned)(unsigned char)*p - '0' <= 9))
					return 0;
			}
		}
	}
	return p == e;
}

/*
 * Is s a textual IPv4 or IPv6 address? ECS source.ip must be one. All of
 * s: a NUL inside it ("1.2.3.4\0x") makes it something else.
 */
static int
is_ip(struct ronda_str s)
{
	char tmp[64];
	unsigned char addr[16];

	if (s.n == 0 || s.n >= sizeof(tmp))
		return 0;
	if (memchr(s.p, ':', s.n) == NULL)
		return is_ipv4(s.p, s.n);
	if (memchr(s.p, '\0', s.n) != NULL)
		return 0;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1;
}

static int
same(struct ronda_str a, struct ronda_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* The event's C strings, measured once, and what the layout derives. */
struct ev_text {
	struct ronda_str src, user;
	int src_ok;
	size_t id, site, agency, host, dataset, action, outcome, file, region, tz, auth, dec;
	char ts[RONDA_TS_LEN + 1];
	/* Memoised parts for this event's strings, or NULL (then written out). */
	const struct memo_part *org, *ronda, *log;
};

static size_t
cstrlen(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/*
 * ronda_fmt_utc_ms with the last second remembered: consecutive lines of a
 * log share it, and only the milliseconds change. Years 1970..9999 only
 * (the rest, rare, is formatted in full).
 */
static void
fmt_ts(char out[RONDA_TS_LEN + 1], int64_t ms)
{
	static _Thread_local int64_t last = -1;
	static _Thread_local char buf[RONDA_TS_LEN + 1];
	int64_t s;
	unsigned r;

	if (ms < 0 || ms > INT64_C(253402300799999)) {
		ronda_fmt_utc_ms(out, ms);
		return;
	}
	s = ms / 1000;
	if (s != last) {
		ronda_fmt_utc_ms(buf, s * 1000);
		last = s;
	}
	memcpy(out, buf, sizeof(buf));
	r = (unsigned)(ms % 1000);
	out[20] = (char)('0' + r / 100);
	out[21] = (char)('0' + r / 10 % 10);
	out[22] = (char)('0' + r % 10);
}

/*
 * Room the fast layout may use at most: every string six bytes a byte plus
 * its quotes, every number 20 digits and a sign, every key, brace and
 * comma. JW_FIXED covers the keys, punctuation, numbers and literal values:
 * about 1,100 bytes with every member present (ronda.cloak included),
 * every number at its longest and 16 rules. Overrunning it aborts (never
 * seen: test_event encodes random events under ASan, test_cloak the
 * largest ronda.cloak).
 */
#define JW_FIXED	2048
#define JW_FAST_MAX	(256 * 1024)	/* beyond it (huge lines), the checked layout */

static size_t
event_bound(const struct ronda_event *ev, const struct ev_text *t)
{
	size_t s, nstr = 64;

	s = t->id + 2 * t->site + t->agency + t->host + t->dataset + t->action + t->outcome +
	    t->file + t->region + t->tz + t->auth + t->dec + RONDA_TS_LEN + 8 /* severity name */;
	s += ev->original.n + ev->log_host.n + 2 * t->src.n + t->user.n + ev->url.n +
	    ev->path.n + ev->query.n + ev->vhost.n + ev->http_version.n + ev->method.n +
	    ev->referrer.n + ev->user_agent.n + ev->program.n + ev->message.n +
	    ev->norm_path.n + ev->norm_query.n + ev->source_domain.n;
	for (int i = 0; i < ev->nrules; i++) {
		const struct ronda_event_rule *r = &ev->rules[i];
		s += cstrlen(r->id) + cstrlen(r->name) + cstrlen(r->category);
		nstr += 3;
	}
	if (s > SIZE_MAX / 8)
		return SIZE_MAX;
	return 6 * s + 2 * nstr + ev->metric_json.n + JW_FIXED;
}

static int
is_dash(struct ronda_str s)
{
	return s.n == 1 && s.p[0] == '-';
}

/*
 * Members that are the same from line to line: the site, agency and host
 * (organization, host), the site's region and zone (the head of ronda), and
 * the file (log.file.path). The fast layout copies them from here, encoded
 * once, instead of escaping the same strings for every event (a seventh of
 * the encoder's work on a web line). Each part remembers the strings it was
 * built from (by content: a pointer may be reused for another string) and
 * is rebuilt when they differ. Per thread: no locking, and the collector
 * encodes on one thread.
 */
#define MEMO_STR	200	/* longer strings are never memoised */

struct memo_part {
	int ok;
	size_t n[3];
	char s[3][MEMO_STR];
	size_t len;
	char json[6 * 3 * MEMO_STR + 128];
};

static _Thread_local struct memo_part memo_org, memo_ronda, memo_log;

/* a[0..n) == b[0..n), inline: these strings are short and compared per line. */
static inline int
memo_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;

	if (n >= 8) {
		/* Whole words, then the last eight bytes (overlapping is fine). */
		for (size_t k = 0; k + 8 <= n; k += 8) {
			memcpy(&x, a + k, 8);
			memcpy(&y, b + k, 8);
			if (x != y)
				return 0;
		}
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return u == v;
	}
	for (; n > 0; n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

static inline int
memo_matches(const struct memo_part *m, const char *const v[3], const size_t n[3])
{
	return m->ok && m->n[0] == n[0] && m->n[1] == n[1] && m->n[2] == n[2] &&
	    memo_eq(m->s[0], v[0], n[0]) && memo_eq(m->s[1], v[1], n[1]) &&
	    memo_eq(m->s[2], v[2], n[2]);
}

/* Remember v as m's source; 0 when a string is too long to be memoised. */
static int
memo_keep(struct memo_part *m, const char *const v[3], const size_t n[3],
    const struct ronda_buf *b)
{
	m->ok = 0;
	if (b->len > sizeof(m->json))
		return 0;
	for (int k = 0; k < 3; k++) {
		if (n[k] > MEMO_STR)
			return 0;
		m->n[k] = n[k];
		if (n[k] > 0)
			memcpy(m->s[k], v[k], n[k]);
	}
	memcpy(m->json, b->data, b->len);
	m->len = b->len;
	m->ok = 1;
	return 1;
}

/*
 * The parts that may come from the memo, as the layout writes them: used by
 * the layout when there is no memo and by memo_build() to make one, so the
 * two cannot differ.
 */
JW_INLINE void
put_org(struct jw *w, const struct ronda_event *ev, const struct ev_text *t, const int fast)
{
	OPEN("organization");
	CSTR("id", ev->site, t->site);
	CSTR("name", ev->agency, t->agency);
	CLOSE();
	if (t->host > 0) {
		OPEN("host");
		STR("name", ev->host_name, t->host);
		CLOSE();
	}
}

/* ,"ronda":{"schema":1,… left open */
JW_INLINE void
put_ronda_head(struct jw *w, const struct ronda_event *ev, const struct ev_text *t,
    const int fast)
{
	OPEN("ronda");
	INT("schema", 1);
	CSTR("site", ev->site, t->site);
	CSTR("region", ev->region, t->region);
	CSTR("timezone", ev->timezone, t->tz);
}

/* ,"log":{"file":{"path":…},"offset": left open, the offset's value to come */
JW_INLINE void
put_log_head(struct jw *w, const struct ronda_event *ev, const struct ev_text *t,
    const int fast)
{
	OPEN("log");
	OPEN("file");
	STR("path", ev->file_path, t->file);
	CLOSE();
	K("offset");
}

/* The layout, once for both writers (fast is a constant in each). */
JW_INLINE void
encode(struct jw *w, const struct ronda_event *ev, const struct ev_text *t, const int fast)
{
	LIT("{");
	w->first[++w->depth] = 1;

	SAFE("@timestamp", t->ts, RONDA_TS_LEN);

	OPEN("event");
	STR("id", ev->id, t->id);
	if (ev->type == RONDA_EVENT_METRIC) {
		K("kind");
		LIT("\"metric\"");
		K("category");
		LIT("[\"web\"]");
	} else {
		K("kind");
		if (ev->nrules > 0)
			LIT("\"alert\"");
		else
			LIT("\"event\"");
		K("category");
		if (ev->type == RONDA_EVENT_AUTH)
			LIT("[\"authentication\"]");
		else
			LIT("[\"web\"]");
	}
	CSTR("dataset", ev->dataset, t->dataset);
	CSTR("action", ev->action, t->action);
	CSTR("outcome", ev->outcome, t->outcome);
	if (ev->severity > 0)
		INT("severity", ev->severity);
	SLICE("original", ev->original);
	CLOSE();

	if (fast && t->org != NULL)
		jw_raw(w, t->org->json, t->org->len, fast);
	else
		put_org(w, ev, t, fast);
	if (ev->log_host.n > 0) {
		OPEN("observer");
		SLICE("hostname", ev->log_host);
		CLOSE();
	}
	if (t->src_ok || ev->source_domain.n > 0) {
		OPEN("source");
		if (t->src_ok)
			SLICE("ip", t->src);
		if (ev->source_domain.n > 0)
			SLICE("domain", ev->source_domain);
		if (ev->source_port > 0)
			INT("port", ev->source_port);
		CLOSE();
	}
	if (t->user.n > 0 && !is_dash(t->user)) {
		OPEN("user");
		SLICE("name", t->user);
		CLOSE();
	}
	if (ev->url.n > 0 || ev->path.n > 0 || ev->query.n > 0 || ev->vhost.n > 0) {
		OPEN("url");
		SLICE("original", ev->url);
		SLICE("path", ev->path);
		SLICE("query", ev->query);
		SLICE("domain", ev->vhost);
		if (ev->vhost_port > 0)
			INT("port", ev->vhost_port);
		CLOSE();
	}
	if (ev->method.n > 0 || ev->status > 0 || ev->referrer.n > 0 ||
	    ev->http_version.n > 0 || ev->bytes >= 0) {
		OPEN("http");
		SLICE("version", ev->http_version);
		if (ev->method.n > 0 || (ev->referrer.n > 0 && !is_dash(ev->referrer))) {
			OPEN("request");
			SLICE("method", ev->method);
			if (!is_dash(ev->referrer))
				SLICE("referrer", ev->referrer);
			CLOSE();
		}
		if (ev->status > 0 || ev->bytes >= 0) {
			OPEN("response");
			if (ev->status > 0)
				INT("status_code", ev->status);
			if (ev->bytes >= 0) {
				OPEN("body");
				INT("bytes", ev->bytes);
				CLOSE();
			}
			CLOSE();
		}
		CLOSE();
	}
	if (ev->user_agent.n > 0 && !is_dash(ev->user_agent)) {
		OPEN("user_agent");
		SLICE("original", ev->user_agent);
		CLOSE();
	}
	if (ev->program.n > 0 || ev->pid >= 0) {
		OPEN("process");
		SLICE("name", ev->program);
		if (ev->pid >= 0)
			INT("pid", ev->pid);
		CLOSE();
	}
	SLICE("message", ev->message);

	if (t->file > 0) {
		if (fast && t->log != NULL) {
			jw_raw(w, t->log->json, t->log->len, fast);
			w->first[++w->depth] = 0;	/* inside "log", after "file" */
		} else {
			put_log_head(w, ev, t, fast);
		}
		jw_intval(w, (int64_t)ev->offset, fast);
		CLOSE();
	}

	if (ev->nrules > 0) {
		OPEN("rule");
		for (int k = 0; k < 3; k++) {
			if (k == 0)
				K("id");
			else if (k == 1)
				K("name");
			else
				K("category");
			LIT("[");
			for (int i = 0; i < ev->nrules; i++) {
				const struct ronda_event_rule *r = &ev->rules[i];
				const char *v = k == 0 ? r->id : k == 1 ? r->name : r->category;
				if (i > 0)
					LIT(",");
				jw_strval(w, v, strlen(v), fast);
			}
			LIT("]");
		}
		CLOSE();
	}

	if (fast && t->ronda != NULL) {
		jw_raw(w, t->ronda->json, t->ronda->len, fast);
		w->first[++w->depth] = 0;	/* inside "ronda", after "schema" */
	} else {
		put_ronda_head(w, ev, t, fast);
	}
	if (ev->severity > 0) {
		const char *sv = ronda_severity_name(ev->severity);
		STR("severity", sv, strlen(sv));
	}
	if (ev->flags & RONDA_EVENT_PARSE_ERROR)
		TRUE("parse_error");
	if (ev->flags & RONDA_EVENT_TRUNCATED)
		TRUE("truncated");
	if (ev->flags & RONDA_EVENT_TS_GUESSED)
		TRUE("time_guessed");
	if (!t->src_ok && t->src.n > 0)
		SLICE("client", t->src);
	if (ev->auth_method != NULL || ev->decoder != NULL) {
		OPEN("auth");
		if (ev->auth_method != NULL)
			CSTR("method", ev->auth_method, t->auth);
		if (ev->decoder != NULL)
			CSTR("decoder", ev->decoder, t->dec);
		CLOSE();
	}
	/*
	 * The normalised forms only where normalisation changed something:
	 * absent means "the same as url.path / url.query" (most lines).
	 */
	{
		int np = ev->norm_path.n > 0 && !same(ev->norm_path, ev->path);
		int nq = ev->norm_query.n > 0 && !same(ev->norm_query, ev->query);
		if (np || nq) {
			OPEN("normalized");
			if (np)
				SLICE("path", ev->norm_path);
			if (nq)
				SLICE("query", ev->norm_query);
			CLOSE();
		}
	}
	/* A search-bot line: what the site answered a browser for the same URL. */
	if (ev->cloak.set) {
		const struct ronda_event_cloak *ck = &ev->cloak;
		OPEN("cloak");
		INT("browser_status", ck->browser_status);
		if (ck->browser_bytes >= 0)
			INT("browser_bytes", ck->browser_bytes);
		INT("browser_age_s", ck->browser_age_s);
		if (ck->bot_status > 0) {
			INT("bot_status", ck->bot_status);
			if (ck->bot_bytes >= 0)
				INT("bot_bytes", ck->bot_bytes);
			INT("bot_age_s", ck->bot_age_s);
		}
		CLOSE();
	}
	if (ev->type == RONDA_EVENT_METRIC && ev->metric_json.n > 0) {
		K("metrics");
		jw_raw(w, ev->metric_json.p, ev->metric_json.n, fast);
	}
	CLOSE();

	CLOSE();
}

/* Make m from the event's strings, with the layout's own part writers. */
enum { MEMO_ORG, MEMO_RONDA, MEMO_LOG };

static const struct memo_part *
memo_build(struct memo_part *m, int which, const struct ronda_event *ev,
    const struct ev_text *t, const char *const v[3], const size_t n[3])
{
	struct ronda_buf b;
	struct jw wv = { .b = &b }, *w = &wv;
	const int fast = 0;
	int ok;

	if (n[0] > MEMO_STR || n[1] > MEMO_STR || n[2] > MEMO_STR)
		return NULL;	/* written out every time, not rebuilt every time */
	ronda_buf_init(&b, sizeof(m->json));
	if (!jw_grow(w, 1)) {
		ronda_buf_release(&b);
		return NULL;
	}
	w->first[0] = 0;	/* a member of the event object, after others */
	if (which == MEMO_ORG)
		put_org(w, ev, t, fast);
	else if (which == MEMO_RONDA)
		put_ronda_head(w, ev, t, fast);
	else
		put_log_head(w, ev, t, fast);
	b.len = (size_t)(w->o - b.data);
	ok = !w->err && memo_keep(m, v, n, &b);
	ronda_buf_release(&b);
	return ok ? m : NULL;
}

/* The memoised part for this event, built when its strings changed; NULL: write it out. */
JW_INLINE const struct memo_part *
memo_for(int which, const struct ronda_event *ev, const struct ev_text *t)
{
	struct memo_part *m = which == MEMO_ORG ? &memo_org :
	    which == MEMO_RONDA ? &memo_ronda : &memo_log;
	const char *v[3];
	size_t n[3];

	if (which == MEMO_ORG) {
		v[0] = ev->site, v[1] = ev->agency, v[2] = ev->host_name;
		n[0] = t->site, n[1] = t->agency, n[2] = t->host;
	} else if (which == MEMO_RONDA) {
		v[0] = ev->site, v[1] = ev->region, v[2] = ev->timezone;
		n[0] = t->site, n[1] = t->region, n[2] = t->tz;
	} else {
		v[0] = ev->file_path, v[1] = v[2] = NULL;
		n[0] = t->file, n[1] = n[2] = 0;
	}
	if (memo_matches(m, v, n))
		return m;
	return memo_build(m, which, ev, t, v, n);
}

static void
encode_fast(struct jw *w, const struct ronda_event *ev, const struct ev_text *t)
{
	encode(w, ev, t, 1);
}

static void
encode_checked(struct jw *w, const struct ronda_event *ev, const struct ev_text *t)
{
	encode(w, ev, t, 0);
}

int
ronda_event_to_json(const struct ronda_event *ev, struct ronda_buf *b)
{
	struct jw w = { .b = b };
	struct ev_text t;
	size_t bound;

	t.src = ev->source_ip.n > 0 ? ev->source_ip : ev->client_ip;
	t.user = ev->user_name.n > 0 ? ev->user_name : ev->remote_user;
	t.src_ok = is_ip(t.src);
	t.id = strlen(ev->id);
	t.site = cstrlen(ev->site);
	t.agency = cstrlen(ev->agency);
	t.host = cstrlen(ev->host_name);
	t.dataset = cstrlen(ev->dataset);
	t.action = cstrlen(ev->action);
	t.outcome = cstrlen(ev->outcome);
	t.file = cstrlen(ev->file_path);
	t.region = cstrlen(ev->region);
	t.tz = cstrlen(ev->timezone);
	t.auth = cstrlen(ev->auth_method);
	t.dec = cstrlen(ev->decoder);
	t.org = t.ronda = t.log = NULL;
	fmt_ts(t.ts, ev->ts_ms);

	/* The first grow makes o point into the buffer (it may have no memory yet). */
	w.o = b->data != NULL ? b->data + b->len : NULL;
	w.first[0] = 1;
	bound = event_bound(ev, &t);
	if (bound <= JW_FAST_MAX && b->len <= b->max && bound <= b->max - b->len &&
	    jw_grow(&w, bound)) {
		w.end = w.o + bound;
		t.org = memo_for(MEMO_ORG, ev, &t);
		t.ronda = memo_for(MEMO_RONDA, ev, &t);
		t.log = t.file > 0 ? memo_for(MEMO_LOG, ev, &t) : NULL;
		encode_fast(&w, ev, &t);
		if (w.o > w.end)
			abort();	/* the bound is wrong: a bug, never a bad line */
	} else {
		w.err = 0;
		if (!jw_grow(&w, 1))
			return -1;
		encode_checked(&w, ev, &t);
	}
	b->len = (size_t)(w.o - b->data);	/* o never passes cap - 1 */
	b->data[b->len] = '\0';
	return w.err ? -1 : 0;
}
