/*
 * lines.c — the two log formats (nginx "combined" in the site's UTC offset,
 * RFC 3164 syslog in its local time), the per-minute buffer every source
 * adds its lines to, and writing that buffer out in time order, paced with
 * --speed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ronda/timeutil.h"
#include "sim.h"
#include "vocab.h"

/* ---- the per-minute line buffer -------------------------------------------- */

struct sline {
	int64_t ms;
	uint32_t seq;		/* creation order: a stable tie-break */
	uint16_t site;
	uint8_t file;
	uint32_t off, len;
};

static struct {
	struct sline *v;
	size_t n, cap;
	char *text;
	size_t used, tcap;
	uint64_t dropped;	/* lines the slice caps refused */
	uint32_t seq;
} slice;

static void
add_line(size_t site, int file, int64_t ms, const char *text, size_t len)
{
	struct sline *l;

	if (ms < sim_start_ms || ms >= sim_end_ms)
		return;
	/* A site gone blank writes nothing: the lines are made (the same
	 * randomness is consumed) and dropped. */
	if (site_at(site)->blank_from > 0 && ms >= site_at(site)->blank_from &&
	    ms < site_at(site)->blank_to)
		return;
	if (slice.n == slice.cap) {
		size_t nc = slice.cap ? slice.cap * 2 : 4096;
		struct sline *nv;

		if (nc > SIM_SLICE_MAX_LINES ||
		    (nv = realloc(slice.v, nc * sizeof(*nv))) == NULL) {
			slice.dropped++;
			return;
		}
		slice.v = nv;
		slice.cap = nc;
	}
	if (slice.used + len + 1 > slice.tcap) {
		size_t nc = slice.tcap ? slice.tcap * 2 : (1u << 20);
		char *nt;

		while (nc < slice.used + len + 1)
			nc *= 2;
		if (nc > SIM_SLICE_MAX_BYTES || (nt = realloc(slice.text, nc)) == NULL) {
			slice.dropped++;
			return;
		}
		slice.text = nt;
		slice.tcap = nc;
	}
	memcpy(slice.text + slice.used, text, len);
	slice.text[slice.used + len] = '\n';
	l = &slice.v[slice.n++];
	l->ms = ms;
	l->seq = slice.seq++;
	l->site = (uint16_t)site;
	l->file = (uint8_t)file;
	l->off = (uint32_t)slice.used;
	l->len = (uint32_t)len + 1;
	slice.used += len + 1;
}

static int
sline_cmp(const void *a, const void *b)
{
	const struct sline *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- line formats ---------------------------------------------------------- */

struct sim_site *
site_at(size_t i)
{
	return &((struct sim_site *)scn->sites.v)[i];
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* The site's local civil time at UTC ms. */
static void
local_civil(const struct sim_site *s, int64_t ms, int32_t *off, int64_t *y,
    unsigned *mo, unsigned *d, unsigned *h, unsigned *mi, unsigned *sec)
{
	int64_t t = ms / 1000, days, rem;

	*off = ronda_tz_offset_at(s->tz, t);
	t += *off;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	rem = t - days * 86400;
	ronda_civil_from_days(days, y, mo, d);
	*h = (unsigned)(rem / 3600);
	*mi = (unsigned)(rem / 60 % 60);
	*sec = (unsigned)(rem % 60);
}

unsigned
local_hour(const struct sim_site *s, int64_t ms)
{
	int32_t off;
	int64_t y;
	unsigned mo, d, h, mi, sec;

	local_civil(s, ms, &off, &y, &mo, &d, &h, &mi, &sec);
	return h;
}

/*
 * nginx "combined":
 * 36.68.12.7 - - [16/Nov/2026:08:00:01 +0800] "GET /berita/x HTTP/1.1" 200 5120 "-" "Mozilla/5.0 ..."
 */
void
web_ip(size_t site, int64_t ms, struct sim_ip ip, const char *method, const char *url,
    int status, unsigned bytes, const char *ref, const char *ua)
{
	struct sim_site *s = site_at(site);
	char line[SIM_LINE_MAX], ipb[SIM_IP_STR];
	int32_t off;
	int64_t y;
	unsigned mo, d, h, mi, sec;
	int n;

	local_civil(s, ms, &off, &y, &mo, &d, &h, &mi, &sec);
	ip_str(ip, ipb);
	n = snprintf(line, sizeof(line), "%s - - [%02u/%s/%04" PRId64 ":%02u:%02u:%02u "
	    "%c%02d%02d] \"%s %s HTTP/1.1\" %d %u \"%s\" \"%s\"", ipb, d, months[mo - 1],
	    y, h, mi, sec, off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60,
	    method, url, status, bytes, ref ? ref : "-", ua);
	if (n > 0 && (size_t)n < sizeof(line))
		add_line(site, F_WEB, ms, line, (size_t)n);
}

void
web(size_t site, int64_t ms, uint32_t ip, const char *method, const char *url,
    int status, unsigned bytes, const char *ref, const char *ua)
{
	web_ip(site, ms, ip4(ip), method, url, status, bytes, ref, ua);
}

/*
 * rsyslog's traditional file format: "Nov 16 08:00:01 web01 sshd[1234]: msg"
 * ("dovecot: msg" for a program that logs no pid: pid 0).
 */
void
auth(size_t site, int64_t ms, const char *prog, unsigned pid, const char *fmt, ...)
{
	struct sim_site *s = site_at(site);
	char line[SIM_LINE_MAX];
	int32_t off;
	int64_t y;
	unsigned mo, d, h, mi, sec;
	int n, m;
	va_list ap;

	local_civil(s, ms, &off, &y, &mo, &d, &h, &mi, &sec);
	if (pid > 0)
		n = snprintf(line, sizeof(line), "%s %2u %02u:%02u:%02u %s %s[%u]: ",
		    months[mo - 1], d, h, mi, sec, s->host, prog, pid);
	else
		n = snprintf(line, sizeof(line), "%s %2u %02u:%02u:%02u %s %s: ",
		    months[mo - 1], d, h, mi, sec, s->host, prog);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m > 0 && (size_t)(n + m) < sizeof(line))
		add_line(site, F_AUTH, ms, line, (size_t)(n + m));
}

unsigned
new_pid(struct sim_site *s)
{
	s->next_pid += 1 + rndn(40);
	if (s->next_pid > 4000000)
		s->next_pid = 1000;
	return s->next_pid;
}

/* Replace %u with id and %d with a sqlmap-like random number. */
void
subst(char *out, size_t n, const char *tmpl, unsigned id)
{
	size_t o = 0;
	unsigned r = 1000 + rndn(9000);

	for (const char *p = tmpl; *p != '\0' && o + 12 < n; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			o += (size_t)snprintf(out + o, n - o, "%u", id);
			p++;
		} else if (p[0] == '%' && p[1] == 'd') {
			o += (size_t)snprintf(out + o, n - o, "%u", r);
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

/* A dovecot session id: 16 base64 characters. */
void
dovecot_session(char out[17])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	uint64_t r = rnd(), r2 = rnd();

	for (int i = 0; i < 16; i++)
		out[i] = b64[(i < 10 ? r >> (6 * i) : r2 >> (6 * (i - 10))) & 63];
	out[16] = '\0';
}

const char *
browser(void)
{
	return PICK(vocab_browser_ua);
}
void
sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	if (ms > 1000)
		ms = 1000;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * Keep the lines from first on (dated at or after the slice's end: a
 * session's logout, a page's last asset) for a later slice, so that each
 * file is written in time order.
 */
static int
carry_over(size_t first)
{
	size_t keep = slice.n - first, used = 0;
	char *nt;

	if (keep == 0) {
		slice.n = 0;
		slice.used = 0;
		return 0;
	}
	if ((nt = malloc(slice.tcap)) == NULL)
		return -1;
	for (size_t i = 0; i < keep; i++) {
		struct sline *l = &slice.v[first + i];

		memcpy(nt + used, slice.text + l->off, l->len);
		l->off = (uint32_t)used;
		used += l->len;
		slice.v[i] = *l;
	}
	free(slice.text);
	slice.text = nt;
	slice.used = used;
	slice.n = keep;
	return 0;
}

/*
 * Write the slice's lines dated before cutoff, in time order; with speed > 0
 * each line waits for its time (scaled).
 */
int
write_slice(int64_t cutoff, double speed, int64_t wall0, uint64_t *lines,
    uint64_t *bytes)
{
	size_t i;

	qsort(slice.v, slice.n, sizeof(*slice.v), sline_cmp);
	for (i = 0; i < slice.n && slice.v[i].ms < cutoff && !stop_requested; i++) {
		const struct sline *l = &slice.v[i];
		struct sim_log *g = &site_at(l->site)->log[l->file];

		if (speed > 0) {
			int64_t due = wall0 + (int64_t)((double)(l->ms - sim_start_ms) / speed);
			int64_t now;

			while (!stop_requested && (now = ronda_mono_ms()) < due) {
				if (flush_dirty() == -1)
					return -1;
				sleep_ms(due - now);
			}
		}
		if (g->pending + l->len >= SIM_LOG_BUF && log_flush(g) == -1)
			return -1;
		if (fwrite(slice.text + l->off, 1, l->len, g->f) != l->len)
			return -1;
		g->pending += l->len;
		g->last_ms = l->ms;
		(*lines)++;
		*bytes += l->len;
	}
	return carry_over(i);
}

int
pace_until(int64_t ms, double speed, int64_t wall0)
{
	int64_t due, now;

	if (!(speed > 0))
		return 0;
	due = wall0 + (int64_t)((double)(ms - sim_start_ms) / speed);
	while (!stop_requested && (now = ronda_mono_ms()) < due) {
		if (flush_dirty() == -1)
			return -1;
		sleep_ms(due - now);
	}
	return 0;
}

uint64_t
lines_dropped(void)
{
	return slice.dropped;
}

void
lines_free(void)
{
	free(slice.v);
	free(slice.text);
	memset(&slice, 0, sizeof(slice));
}
