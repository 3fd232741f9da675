/*
 * parse_syslog.c — the syslog lines of auth logs, in the three shapes that
 * rsyslog, syslog-ng and journald write to files:
 *
 *   Nov 20 23:04:05 web01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2
 *   Nov  2 03:00:01 web01 CRON[9]: pam_unix(cron:session): session opened for user root
 *   2026-11-20T23:04:05.123456+08:00 web01 sudo: alice : TTY=pts/0 ; ... COMMAND=/bin/sh
 *   <38>1 2026-11-20T23:04:05Z web01 sshd 1234 - - Accepted publickey for ...   (RFC 5424)
 *
 * RFC 3164 has neither year nor zone: the zone is the site's (tz) and the year
 * is the one that puts the line closest before a reference time (see
 * infer_year): the collector passes the log file's modification time, which
 * follows the log, so an import of last year's file gets last year. An
 * optional "<PRI>" prefix (lines forwarded verbatim) is skipped.
 *
 * Like parse_web.c this works on (ptr, len) only, never allocates, and only
 * moves forward over the line.
 */
#include "ronda/parse.h"

#include <string.h>

#include "ronda/timeutil.h"
#include "ronda/tz.h"

#define TAG_MAX 128	/* longer "program[pid]:" tags are message text */

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

static int
num(const char *p, size_t n, unsigned *v)
{
	unsigned r = 0;

	for (size_t k = 0; k < n; k++) {
		if (!is_digit(p[k]))
			return -1;
		r = r * 10 + (unsigned)(p[k] - '0');
	}
	*v = r;
	return 0;
}

/*
 * RFC 3164 lines carry no year. Take the year of the reference (a time the
 * line was written before: the file's modification time) in the site's zone;
 * a line whose month is more than one month ahead of the reference's month
 * was written the year before (December lines, reference January 2nd), and a
 * January line with a December reference (a server clock a little ahead at
 * New Year) belongs to the next year.
 */
static int64_t
infer_year(unsigned mon, const struct ronda_tz *tz, int64_t ref_ms)
{
	int64_t ref = ref_ms / 1000, y, days;
	unsigned nm, nd;

	ref += ronda_tz_offset_at(tz, ref);
	days = ref >= 0 ? ref / 86400 : -((-ref + 86399) / 86400);
	ronda_civil_from_days(days, &y, &nm, &nd);
	if (nm == 12 && mon == 1)
		return y + 1;
	if (mon > nm + 1)
		return y - 1;
	return y;
}

/* "Nov 20 23:04:05" / "Nov  2 23:04:05" / "Nov 2 23:04:05", optional ".123". */
static int
parse_3164_time(const char *l, size_t len, size_t *i, const struct ronda_tz *tz,
    int64_t ref_ms, int64_t *ms)
{
	const char *p = l + *i;
	size_t n = len - *i, k;
	unsigned mon, d, h, mi, s, frac = 0, fd = 0;
	int64_t local;

	if (n < 14 || p[3] != ' ')
		return -1;
	if ((mon = ronda_month_from_abbr(p)) == 0)
		return -1;
	k = 4;
	if (p[k] == ' ')	/* space-padded day */
		k++;
	if (k < n && is_digit(p[k]) && k + 1 < n && is_digit(p[k + 1])) {
		d = (unsigned)(p[k] - '0') * 10 + (unsigned)(p[k + 1] - '0');
		k += 2;
	} else if (k < n && is_digit(p[k])) {
		d = (unsigned)(p[k] - '0');
		k++;
	} else {
		return -1;
	}
	if (k + 9 > n || p[k] != ' ' || num(p + k + 1, 2, &h) || p[k + 3] != ':' ||
	    num(p + k + 4, 2, &mi) || p[k + 6] != ':' || num(p + k + 7, 2, &s))
		return -1;
	if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	k += 9;
	if (k < n && p[k] == '.') {
		size_t f = k + 1;
		while (f < n && is_digit(p[f]) && fd < 9) {
			if (fd < 3)
				frac = frac * 10 + (unsigned)(p[f] - '0');
			fd++;
			f++;
		}
		if (fd > 0) {
			for (; fd < 3; fd++)
				frac *= 10;
			k = f;
		}
	}
	if (s == 60)
		s = 59;
	local = ronda_timegm(infer_year(mon, tz, ref_ms), mon, d, h, mi, s);
	*ms = ronda_tz_local_to_utc(tz, local) * 1000 + frac;
	*i += k;
	return 0;
}

/*
 * "2026-11-20T23:04:05[.frac](Z|+hh:mm|+hhmm)" up to the next space. Without
 * a zone (some templates drop it) the time is the site's local time.
 */
static int
parse_iso_time(const char *l, size_t len, size_t *i, const struct ronda_tz *tz,
    int64_t *ms)
{
	const char *p = l + *i, *sp;
	size_t n, k = 19;
	unsigned y, mo, d, h, mi, s, frac = 0, fd = 0, oh, om;
	int64_t t;

	sp = memchr(p, ' ', len - *i);
	n = sp ? (size_t)(sp - p) : len - *i;
	if (n < 19 || num(p, 4, &y) || p[4] != '-' || num(p + 5, 2, &mo) ||
	    p[7] != '-' || num(p + 8, 2, &d) || (p[10] != 'T' && p[10] != ' ') ||
	    num(p + 11, 2, &h) || p[13] != ':' || num(p + 14, 2, &mi) ||
	    p[16] != ':' || num(p + 17, 2, &s))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	if (k < n && p[k] == '.') {
		k++;
		while (k < n && is_digit(p[k])) {
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
	if (s == 60)
		s = 59;
	t = ronda_timegm(y, mo, d, h, mi, s);
	if (k == n) {
		t = ronda_tz_local_to_utc(tz, t);
	} else if (k + 1 == n && (p[k] == 'Z' || p[k] == 'z')) {
		k++;
	} else if (p[k] == '+' || p[k] == '-') {
		int neg = p[k] == '-';
		if (k + 6 == n && p[k + 3] == ':' && !num(p + k + 1, 2, &oh) &&
		    !num(p + k + 4, 2, &om))
			k += 6;
		else if (k + 5 == n && !num(p + k + 1, 2, &oh) && !num(p + k + 3, 2, &om))
			k += 5;
		else
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		t -= (neg ? -1 : 1) * ((int64_t)oh * 3600 + (int64_t)om * 60);
	} else {
		return -1;
	}
	*ms = t * 1000 + frac;
	*i += n;
	return 0;
}

static int64_t
parse_pid(const char *p, size_t n)
{
	int64_t v = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (!is_digit(p[k]))
			return -1;
		v = v * 10 + (p[k] - '0');
	}
	return v;
}

/* Characters a program name is made of: "sshd", "postfix/smtpd", "pure-ftpd", "systemd-logind", "in.tftpd". */
static int
is_prog_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	    c == '/' || c == '.' || c == '-' || c == '_' || c == '@';
}

/*
 * "prog[pid]: msg" or "prog: msg" at l[*i]. Returns 0 and fills program/pid
 * when the text there is a tag; -1 leaves the event alone.
 */
static int
parse_tag(struct ronda_event *ev, const char *l, size_t len, size_t *i)
{
	size_t k = *i, ps = *i, pe, lim = len - *i > TAG_MAX ? *i + TAG_MAX : len;
	int64_t pid = -1;

	while (k < lim && is_prog_char(l[k]))
		k++;
	pe = k;
	if (pe == ps || k >= lim)
		return -1;
	/*
	 * Old PAM wrote the module into the tag: "sshd(pam_unix)[19939]:". The
	 * program is the part before the parenthesis.
	 */
	if (l[k] == '(') {
		const char *rp = memchr(l + k + 1, ')', lim - k - 1);
		if (rp == NULL || memchr(l + k + 1, ' ', (size_t)(rp - l) - k - 1) != NULL)
			return -1;
		k = (size_t)(rp - l) + 1;
		if (k >= lim)
			return -1;
	}
	if (l[k] == '[') {
		const char *rb = memchr(l + k + 1, ']', lim - k - 1);
		if (rb == NULL)
			return -1;
		pid = parse_pid(l + k + 1, (size_t)(rb - l) - k - 1);
		k = (size_t)(rb - l) + 1;
	}
	if (k >= len || l[k] != ':')
		return -1;
	k++;
	ev->program = mkstr(l + ps, pe - ps);
	ev->pid = pid;
	*i = k;
	return 0;
}

/* RFC 5424 after "<PRI>1 TIMESTAMP ": HOST APP PROCID MSGID SD MSG. */
static int
parse_5424_rest(struct ronda_event *ev, const char *l, size_t len, size_t i)
{
	struct ronda_str f[4];
	const char *sp;

	for (int n = 0; n < 4; n++) {
		sp = memchr(l + i, ' ', len - i);
		if (sp == NULL)
			return -1;
		f[n] = mkstr(l + i, (size_t)(sp - l) - i);
		i = (size_t)(sp - l) + 1;
	}
	if (!(f[0].n == 1 && f[0].p[0] == '-'))
		ev->log_host = f[0];
	if (!(f[1].n == 1 && f[1].p[0] == '-'))
		ev->program = f[1];
	ev->pid = parse_pid(f[2].p, f[2].n);
	/* structured data: "-" or one or more "[id k="v" ...]" */
	if (i < len && l[i] == '-') {
		i++;
	} else if (i < len && l[i] == '[') {
		int inq = 0;
		for (; i < len; i++) {
			if (inq && l[i] == '\\') {
				/* an escape as the last byte must not step past the end */
				if (i + 1 < len)
					i++;
			} else if (l[i] == '"') {
				inq = !inq;
			} else if (!inq && l[i] == ']' && (i + 1 >= len || l[i + 1] != '[')) {
				i++;
				break;
			}
		}
	} else {
		return -1;
	}
	if (i < len && l[i] == ' ')
		i++;
	if (len - i >= 3 && memcmp(l + i, "\xef\xbb\xbf", 3) == 0)	/* BOM */
		i += 3;
	ev->message = mkstr(l + i, len - i);
	return 0;
}

static void
clear_syslog(struct ronda_event *ev)
{
	ev->type = RONDA_EVENT_AUTH;
	ev->flags &= ~(unsigned)RONDA_EVENT_PARSE_ERROR;
	ev->ts_ms = 0;
	ev->log_host = ev->program = ev->message = RONDA_STR_NULL;
	ev->pid = -1;
}

int
ronda_parse_syslog(struct ronda_event *ev, const char *line, size_t len,
    const struct ronda_tz *tz, int64_t year_ref_ms)
{
	const char *l = line;
	size_t i = 0, hs;
	int is5424 = 0;

	clear_syslog(ev);
	if (l == NULL)
		len = 0;
	if (len > 0 && l[len - 1] == '\r')
		len--;

	/* "<PRI>", then "1 " for RFC 5424 */
	if (len > 2 && l[0] == '<') {
		size_t k = 1;
		while (k < len && k <= 4 && is_digit(l[k]))
			k++;
		if (k > 1 && k < len && l[k] == '>') {
			i = k + 1;
			if (len - i > 2 && l[i] == '1' && l[i + 1] == ' ') {
				i += 2;
				is5424 = 1;
			}
		}
	}

	if (len - i >= 5 && is_digit(l[i]) && is_digit(l[i + 1]) &&
	    is_digit(l[i + 2]) && is_digit(l[i + 3]) && l[i + 4] == '-') {
		if (parse_iso_time(l, len, &i, tz, &ev->ts_ms) != 0)
			goto fail;
	} else if (is5424) {
		goto fail;
	} else if (parse_3164_time(l, len, &i, tz, year_ref_ms, &ev->ts_ms) != 0) {
		goto fail;
	}
	if (i >= len || l[i] != ' ')
		goto fail;
	i++;
	if (is5424) {
		if (parse_5424_rest(ev, l, len, i) != 0)
			goto fail;
		return 0;
	}

	/*
	 * HOST TAG: MSG. Some local syslogs omit the host: when the first word
	 * is itself a tag ("sshd[1]:"), there is none.
	 */
	hs = i;
	if (parse_tag(ev, l, len, &i) != 0) {
		const char *sp = memchr(l + i, ' ', len - i);
		if (sp == NULL) {
			ev->log_host = mkstr(l + hs, len - hs);
			goto fail;	/* a header with nothing after it */
		}
		ev->log_host = mkstr(l + hs, (size_t)(sp - l) - hs);
		i = (size_t)(sp - l) + 1;
		if (parse_tag(ev, l, len, &i) != 0) {
			/* "-- MARK --", "last message repeated 3 times": no tag */
			ev->message = mkstr(l + i, len - i);
			return 0;
		}
	}
	while (i < len && l[i] == ' ')
		i++;
	ev->message = mkstr(l + i, len - i);
	return 0;

fail:
	ev->flags |= RONDA_EVENT_PARSE_ERROR;
	return -1;
}
