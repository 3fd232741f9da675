#include "ronda/event.h"

#include <arpa/inet.h>
#include <string.h>

#include "ronda/timeutil.h"

void
ronda_event_reset(struct ronda_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->bytes = -1;
	ev->pid = -1;
}

void
ronda_event_make_id(char out[RONDA_EVENT_ID_LEN + 1], const char *site,
    uint64_t dev, uint64_t ino, uint64_t fingerprint, uint64_t offset)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char key[32];
	uint64_t h[2], s;
	size_t sl = strlen(site);

	/* Fixed-width little-endian encoding of the numbers, then the site. */
	for (int i = 0; i < 8; i++) {
		key[i] = (unsigned char)(dev >> (8 * i));
		key[8 + i] = (unsigned char)(ino >> (8 * i));
		key[16 + i] = (unsigned char)(fingerprint >> (8 * i));
		key[24 + i] = (unsigned char)(offset >> (8 * i));
	}
	s = ronda_hash64(site, sl, 0x524f4e4441ULL);
	h[0] = ronda_hash64(key, sizeof(key), s);
	h[1] = ronda_hash64(key, sizeof(key), s ^ 0xa0761d6478bd642fULL);
	for (int w = 0; w < 2; w++)
		for (int i = 0; i < 16; i++)
			out[w * 16 + i] = hx[(h[w] >> (60 - 4 * i)) & 15];
	out[RONDA_EVENT_ID_LEN] = '\0';
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
 * whether a comma is needed at the current level. It writes through a
 * pointer into room the buffer has guaranteed (o..end) and asks the buffer
 * for more only when a piece does not fit, with the same size the piece
 * needs, so the buffer's cap refuses exactly what appending piece by piece
 * would refuse. Keys are literals: their lengths are known when compiled.
 * This runs for every line with forward: all.
 */
/* The writer's pieces inline into the one encoder function (no calls, constant sizes). */
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
		return 0;
	}
	/* Keep one byte for the closing NUL, and never pass the cap. */
	lim = b->cap - 1 < b->max ? b->cap - 1 : b->max;
	w->o = b->data + b->len;
	w->end = b->data + lim;
	return 1;
}

JW_INLINE int
jw_room(struct jw *w, size_t n)
{
	if (!w->err && (size_t)(w->end - w->o) >= n)
		return 1;
	return jw_grow(w, n);
}

JW_INLINE void
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (jw_room(w, n)) {
		memcpy(w->o, s, n);
		w->o += n;
	}
}

#define JW_LIT(w, s) jw_raw((w), (s), sizeof(s) - 1)

/* A key given as the literal "\"name\":" (with its quotes and colon). */
JW_INLINE void
jw_key_lit(struct jw *w, const char *k, size_t n)
{
	if (!jw_room(w, n + 1))
		return;
	if (!w->first[w->depth])
		*w->o++ = ',';
	w->first[w->depth] = 0;
	memcpy(w->o, k, n);
	w->o += n;
}

#define KEY(k) "\"" k "\":"
#define jw_key(w, k) jw_key_lit((w), KEY(k), sizeof(KEY(k)) - 1)

JW_INLINE void
jw_open_body(struct jw *w)
{
	JW_LIT(w, "{");
	w->first[++w->depth] = 1;
}

#define jw_open(w, k) do { jw_key((w), k); jw_open_body(w); } while (0)

JW_INLINE void
jw_close(struct jw *w)
{
	JW_LIT(w, "}");
	w->depth--;
}

/* A JSON string value: room for the worst case, or the exact size near the cap. */
JW_INLINE void
jw_strval(struct jw *w, const char *p, size_t n)
{
	struct ronda_buf *b = w->b;
	size_t len = (size_t)(w->o - b->data), need;

	if (n <= (b->max - 2) / 6 && len <= b->max - (n * 6 + 2))
		need = n * 6 + 2;
	else
		need = ronda_json_str_len(p, n);
	if (jw_room(w, need))
		w->o = ronda_json_str_put(w->o, p, n);
}

#define jw_str(w, k, p, n) do { jw_key((w), k); jw_strval((w), (p), (n)); } while (0)

JW_INLINE void
jw_slice_(struct jw *w, const char *k, size_t kn, struct ronda_str s)
{
	if (s.n > 0) {
		jw_key_lit(w, k, kn);
		jw_strval(w, s.p, s.n);
	}
}

#define jw_slice(w, k, s) jw_slice_((w), KEY(k), sizeof(KEY(k)) - 1, (s))

JW_INLINE void
jw_cstr_(struct jw *w, const char *k, size_t kn, const char *s)
{
	if (s != NULL && *s != '\0') {
		jw_key_lit(w, k, kn);
		jw_strval(w, s, strlen(s));
	}
}

#define jw_cstr(w, k, s) jw_cstr_((w), KEY(k), sizeof(KEY(k)) - 1, (s))

JW_INLINE void
jw_intval(struct jw *w, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--i] = '-';
	jw_raw(w, tmp + i, sizeof(tmp) - i);
}

#define jw_int(w, k, v) do { jw_key((w), k); jw_intval((w), (v)); } while (0)
#define jw_true(w, k) do { jw_key((w), k); JW_LIT((w), "true"); } while (0)

/*
 * A dotted quad exactly as inet_pton(AF_INET) takes it: four decimal
 * octets of at most 255, no leading zeros, nothing else.
 */
static int
is_ipv4(const char *p, size_t n)
{
	unsigned octets = 0, cur = 0;
	int digit = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)p[i];
		if (c >= '0' && c <= '9') {
			if (digit && cur == 0)
				return 0;	/* a leading zero */
			cur = cur * 10 + (c - '0');
			if (cur > 255)
				return 0;
			if (!digit) {
				if (++octets > 4)
					return 0;
				digit = 1;
			}
		} else if (c == '.' && digit && octets < 4) {
			cur = 0;
			digit = 0;
		} else {
			return 0;
		}
	}
	return octets == 4 && digit;
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

static int
any_set(const struct ronda_str *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].n > 0)
			return 1;
	return 0;
}

int
ronda_event_to_json(const struct ronda_event *ev, struct ronda_buf *b)
{
	struct jw w = { .b = b };
	char ts[RONDA_TS_LEN + 1];
	struct ronda_str src = ev->source_ip.n > 0 ? ev->source_ip : ev->client_ip;
	struct ronda_str user = ev->user_name.n > 0 ? ev->user_name : ev->remote_user;
	int src_ok = is_ip(src);

	/* The first grow makes o point into the buffer (it may have no memory yet). */
	w.o = b->data != NULL ? b->data + b->len : NULL;
	w.first[0] = 1;
	if (!jw_grow(&w, 1))
		return -1;
	JW_LIT(&w, "{");
	w.first[++w.depth] = 1;

	ronda_fmt_utc_ms(ts, ev->ts_ms);
	jw_str(&w, "@timestamp", ts, RONDA_TS_LEN);

	jw_open(&w, "event");
	jw_str(&w, "id", ev->id, strlen(ev->id));
	if (ev->type == RONDA_EVENT_METRIC) {
		jw_cstr(&w, "kind", "metric");
		jw_key(&w, "category");
		JW_LIT(&w, "[\"web\"]");
	} else {
		jw_cstr(&w, "kind", ev->nrules > 0 ? "alert" : "event");
		jw_key(&w, "category");
		if (ev->type == RONDA_EVENT_AUTH)
			JW_LIT(&w, "[\"authentication\"]");
		else
			JW_LIT(&w, "[\"web\"]");
	}
	jw_cstr(&w, "dataset", ev->dataset);
	jw_cstr(&w, "action", ev->action);
	jw_cstr(&w, "outcome", ev->outcome);
	if (ev->severity > 0)
		jw_int(&w, "severity", ev->severity);
	jw_slice(&w, "original", ev->original);
	jw_close(&w);

	jw_open(&w, "organization");
	jw_cstr(&w, "id", ev->site);
	jw_cstr(&w, "name", ev->agency);
	jw_close(&w);

	if (ev->host_name != NULL && *ev->host_name != '\0') {
		jw_open(&w, "host");
		jw_cstr(&w, "name", ev->host_name);
		jw_close(&w);
	}
	if (ev->log_host.n > 0) {
		jw_open(&w, "observer");
		jw_slice(&w, "hostname", ev->log_host);
		jw_close(&w);
	}
	if (src_ok) {
		jw_open(&w, "source");
		jw_slice(&w, "ip", src);
		if (ev->source_port > 0)
			jw_int(&w, "port", ev->source_port);
		jw_close(&w);
	}
	if (user.n > 0 && !(user.n == 1 && user.p[0] == '-')) {
		jw_open(&w, "user");
		jw_slice(&w, "name", user);
		jw_close(&w);
	}
	{
		struct ronda_str u[] = { ev->url, ev->path, ev->query, ev->vhost };
		if (any_set(u, 4)) {
			jw_open(&w, "url");
			jw_slice(&w, "original", ev->url);
			jw_slice(&w, "path", ev->path);
			jw_slice(&w, "query", ev->query);
			jw_slice(&w, "domain", ev->vhost);
			if (ev->vhost_port > 0)
				jw_int(&w, "port", ev->vhost_port);
			jw_close(&w);
		}
	}
	if (ev->method.n > 0 || ev->status > 0 || ev->referrer.n > 0 ||
	    ev->http_version.n > 0 || ev->bytes >= 0) {
		jw_open(&w, "http");
		jw_slice(&w, "version", ev->http_version);
		if (ev->method.n > 0 || (ev->referrer.n > 0 &&
		    !(ev->referrer.n == 1 && ev->referrer.p[0] == '-'))) {
			jw_open(&w, "request");
			jw_slice(&w, "method", ev->method);
			if (!(ev->referrer.n == 1 && ev->referrer.p[0] == '-'))
				jw_slice(&w, "referrer", ev->referrer);
			jw_close(&w);
		}
		if (ev->status > 0 || ev->bytes >= 0) {
			jw_open(&w, "response");
			if (ev->status > 0)
				jw_int(&w, "status_code", ev->status);
			if (ev->bytes >= 0) {
				jw_open(&w, "body");
				jw_int(&w, "bytes", ev->bytes);
				jw_close(&w);
			}
			jw_close(&w);
		}
		jw_close(&w);
	}
	if (ev->user_agent.n > 0 &&
	    !(ev->user_agent.n == 1 && ev->user_agent.p[0] == '-')) {
		jw_open(&w, "user_agent");
		jw_slice(&w, "original", ev->user_agent);
		jw_close(&w);
	}
	if (ev->program.n > 0 || ev->pid >= 0) {
		jw_open(&w, "process");
		jw_slice(&w, "name", ev->program);
		if (ev->pid >= 0)
			jw_int(&w, "pid", ev->pid);
		jw_close(&w);
	}
	jw_slice(&w, "message", ev->message);

	if (ev->file_path != NULL && *ev->file_path != '\0') {
		jw_open(&w, "log");
		jw_open(&w, "file");
		jw_cstr(&w, "path", ev->file_path);
		jw_close(&w);
		jw_int(&w, "offset", (int64_t)ev->offset);
		jw_close(&w);
	}

	if (ev->nrules > 0) {
		jw_open(&w, "rule");
		for (int k = 0; k < 3; k++) {
			if (k == 0)
				jw_key(&w, "id");
			else if (k == 1)
				jw_key(&w, "name");
			else
				jw_key(&w, "category");
			JW_LIT(&w, "[");
			for (int i = 0; i < ev->nrules; i++) {
				const struct ronda_event_rule *r = &ev->rules[i];
				const char *v = k == 0 ? r->id : k == 1 ? r->name : r->category;
				if (i > 0)
					JW_LIT(&w, ",");
				jw_strval(&w, v, strlen(v));
			}
			JW_LIT(&w, "]");
		}
		jw_close(&w);
	}

	jw_open(&w, "ronda");
	jw_int(&w, "schema", 1);
	jw_cstr(&w, "site", ev->site);
	jw_cstr(&w, "region", ev->region);
	jw_cstr(&w, "timezone", ev->timezone);
	if (ev->severity > 0)
		jw_cstr(&w, "severity", ronda_severity_name(ev->severity));
	if (ev->flags & RONDA_EVENT_PARSE_ERROR)
		jw_true(&w, "parse_error");
	if (ev->flags & RONDA_EVENT_TRUNCATED)
		jw_true(&w, "truncated");
	if (ev->flags & RONDA_EVENT_TS_GUESSED)
		jw_true(&w, "time_guessed");
	if (!src_ok && src.n > 0)
		jw_slice(&w, "client", src);
	if (ev->auth_method != NULL) {
		jw_open(&w, "auth");
		jw_cstr(&w, "method", ev->auth_method);
		jw_close(&w);
	}
	/*
	 * The normalised forms only where normalisation changed something:
	 * absent means "the same as url.path / url.query" (most lines).
	 */
	{
		int np = ev->norm_path.n > 0 && !same(ev->norm_path, ev->path);
		int nq = ev->norm_query.n > 0 && !same(ev->norm_query, ev->query);
		if (np || nq) {
			jw_open(&w, "normalized");
			if (np)
				jw_slice(&w, "path", ev->norm_path);
			if (nq)
				jw_slice(&w, "query", ev->norm_query);
			jw_close(&w);
		}
	}
	if (ev->type == RONDA_EVENT_METRIC && ev->metric_json.n > 0) {
		jw_key(&w, "metrics");
		jw_raw(&w, ev->metric_json.p, ev->metric_json.n);
	}
	jw_close(&w);

	jw_close(&w);
	b->len = (size_t)(w.o - b->data);	/* o never passes cap - 1 */
	b->data[b->len] = '\0';
	return w.err ? -1 : 0;
}
