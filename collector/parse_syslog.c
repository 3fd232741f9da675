/*
 * parse_syslog.c — the lines of auth logs, in the shapes that syslog daemons,
 * journald exports, auditd and FTP servers write to files. The shape is
 * recognised per line from its first bytes (an input is only `format:
 * syslog`), cheapest test first:
 *
 *   RFC 3164, as rsyslog, syslog-ng, BSD syslogd and /var/log/secure (RHEL) write it:
 *     Nov 20 23:04:05 web01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2
 *     Nov  2 03:00:01 web01 CRON[9]: pam_unix(cron:session): session opened for user root
 *     Nov 02 03:00:01.250 web01 CRON[9]: ...                    (rsyslog high precision)
 *     Mar 10 12:00:00 sshd[123]: ...                            (no host: old/BSD local syslogds)
 *     Mar 10 12:00:00 mac sshd[123] <Error>: ...                (macOS ASL level, dropped)
 *     Jul 11 10:30:00 sol sshd[1234]: [ID 800047 auth.info] ... (Solaris msgid, dropped)
 *   ISO 8601 (RSYSLOG_FileFormat, journalctl -o short-iso):
 *     2026-11-20T23:04:05.123456+08:00 web01 sudo: alice : TTY=pts/0 ; ... COMMAND=/bin/sh
 *   RFC 5424:
 *     <38>1 2026-11-20T23:04:05Z web01 sshd 1234 - - Accepted publickey for ...
 *   Raw auditd records (/var/log/audit/audit.log), program "audit":
 *     type=USER_AUTH msg=audit(1370851204.393:13549): pid=20874 uid=0 ... res=failed'
 *   vsftpd.log (xferlog_std_format=NO), program "vsftpd", and xferlog, program "xferlog":
 *     Mon Nov 20 03:11:42 2026 [pid 1234] [budi] FAIL LOGIN: Client "1.2.3.4"
 *     Mon Nov 20 03:11:42 2026 1 1.2.3.4 1234 /var/www/up/x.php b _ i r budi ftp 0 * c
 *
 * RFC 3164 has neither year nor zone: the zone is the site's (tz) and the year
 * is the one that puts the line closest before a reference time (see
 * infer_year): the collector passes the log file's modification time, which
 * follows the log, so an import of last year's file gets last year. An
 * optional "<PRI>" prefix (lines forwarded verbatim) is skipped. The ctime()
 * dates of vsftpd and xferlog carry the year; they are local time (tz). An
 * audit record's time is exact: epoch seconds and milliseconds, UTC.
 *
 * Audit records forwarded through syslog ("audispd: node=x type=USER_AUTH
 * msg=audit(...): ...") get the same program and message as raw ones; the
 * journald form ("audit[123]: USER_AUTH pid=...") is kept as it is.
 *
 * A first word that is a tag followed by ": " (or the end) means the line has
 * no host: a host name never ends in ':', and an IPv6 address in the host
 * field ("2001:db8::1") has no ": " in it.
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

struct civil {
	unsigned mon, d, h, mi, s;
};

/*
 * "Nov 20 23:04:05" / "Nov  2 23:04:05" / "Nov 2 23:04:05" at p, the part
 * RFC 3164 and ctime() share; n >= 14. Sets *k past the seconds.
 */
static int
parse_mdhms(const char *p, size_t n, size_t *kp, struct civil *c)
{
	size_t k;

	if (p[3] != ' ' || (c->mon = ronda_month_from_abbr(p)) == 0)
		return -1;
	k = 4;
	if (p[k] == ' ')	/* space-padded day */
		k++;
	if (k < n && is_digit(p[k]) && k + 1 < n && is_digit(p[k + 1])) {
		c->d = (unsigned)(p[k] - '0') * 10 + (unsigned)(p[k + 1] - '0');
		k += 2;
	} else if (k < n && is_digit(p[k])) {
		c->d = (unsigned)(p[k] - '0');
		k++;
	} else {
		return -1;
	}
	if (k + 9 > n || p[k] != ' ' || num(p + k + 1, 2, &c->h) || p[k + 3] != ':' ||
	    num(p + k + 4, 2, &c->mi) || p[k + 6] != ':' || num(p + k + 7, 2, &c->s))
		return -1;
	if (c->d < 1 || c->d > 31 || c->h > 23 || c->mi > 59 || c->s > 60)
		return -1;
	if (c->s == 60)
		c->s = 59;
	*kp = k + 9;
	return 0;
}

/* "Nov 20 23:04:05" / "Nov  2 23:04:05" / "Nov 2 23:04:05", optional ".123". */
static int
parse_3164_time(const char *l, size_t len, size_t *i, const struct ronda_tz *tz,
    int64_t ref_ms, int64_t *ms)
{
	const char *p = l + *i;
	size_t n = len - *i, k;
	unsigned frac = 0, fd = 0;
	struct civil c;
	int64_t local;

	if (n < 14 || parse_mdhms(p, n, &k, &c) != 0)
		return -1;
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
	local = ronda_timegm(infer_year(c.mon, tz, ref_ms), c.mon, c.d, c.h, c.mi, c.s);
	*ms = ronda_tz_local_to_utc(tz, local) * 1000 + frac;
	*i += k;
	return 0;
}

/* "Mon".."Sun" at p (3 bytes): no weekday is also a month's abbreviation. */
static int
is_weekday(const char *p)
{
	static const char names[] = "MonTueWedThuFriSatSun";

	for (int k = 0; k < 7; k++)
		if (memcmp(p, names + k * 3, 3) == 0)
			return 1;
	return 0;
}

/*
 * ctime()'s "Mon Nov 20 03:11:42 2026" (the day space-padded, "Tue Jan  3",
 * by vsftpd and wu-ftpd; zero-padded by others), local time in tz.
 */
static int
parse_ctime_time(const char *l, size_t len, size_t *i, const struct ronda_tz *tz,
    int64_t *ms)
{
	const char *p = l + *i;
	size_t n = len - *i, k;
	unsigned y;
	struct civil c;

	if (n < 23 || p[3] != ' ' || !is_weekday(p) ||
	    parse_mdhms(p + 4, n - 4, &k, &c) != 0)
		return -1;
	k += 4;
	if (k + 5 > n || p[k] != ' ' || num(p + k + 1, 4, &y) || y < 1970)
		return -1;
	*ms = ronda_tz_local_to_utc(tz, ronda_timegm(y, c.mon, c.d, c.h, c.mi, c.s)) * 1000;
	*i += k + 5;
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

/* Length of macOS ASL's level after a tag ("sshd[123] <Error>: ..."), 0 if none. */
static size_t
asl_level_len(const char *p, size_t n)
{
	static const char *const levels[] = { "<Emergency>", "<Alert>",
	    "<Critical>", "<Error>", "<Warning>", "<Notice>", "<Info>", "<Debug>" };

	for (size_t k = 0; k < sizeof(levels) / sizeof(levels[0]); k++) {
		size_t m = strlen(levels[k]);
		if (n >= m && memcmp(p, levels[k], m) == 0)
			return m;
	}
	return 0;
}

/*
 * "prog[pid]: msg" or "prog: msg" at l[*i], with macOS's " <Level>" before
 * the colon. Returns 0 and fills program/pid when the text there is a tag;
 * -1 leaves the event alone. With spaced set the colon must be followed by
 * a space or the end of the line (a first word taken as a tag instead of a
 * host: "2001:db8::1" is a host).
 */
/*
 * proftpd's own log (SystemLog, Debian's /var/log/proftpd/proftpd.log):
 * "2026-11-20 03:11:42,123 host proftpd[1234] host (ip[ip]): USER ..." in
 * local time, with no colon after the tag. The caller saw "YYYY-" at *i.
 */
static int
parse_proftpd_line(struct ronda_event *ev, const char *l, size_t len, size_t i,
    const struct ronda_tz *tz)
{
	const char *p = l + i, *sp;
	unsigned y, mo, d, h, mi, s, ms, k;
	size_t hs, ps, pe;

	if (len - i < 25 || p[10] != ' ' || p[19] != ',' || num(p, 4, &y) || p[4] != '-' ||
	    num(p + 5, 2, &mo) || p[7] != '-' || num(p + 8, 2, &d) || num(p + 11, 2, &h) ||
	    p[13] != ':' || num(p + 14, 2, &mi) || p[16] != ':' || num(p + 17, 2, &s) ||
	    num(p + 20, 3, &ms) || p[23] != ' ')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	ev->ts_ms = ronda_tz_local_to_utc(tz, ronda_timegm(y, mo, d, h, mi, s > 59 ? 59 : s)) *
	    1000 + ms;
	hs = i + 24;
	if ((sp = memchr(l + hs, ' ', len - hs)) == NULL || sp == l + hs)
		return -1;
	ev->log_host = mkstr(l + hs, (size_t)(sp - l) - hs);
	ps = (size_t)(sp - l) + 1;
	for (pe = ps; pe < len && pe - ps < TAG_MAX && is_prog_char(l[pe]); pe++)
		;
	if (pe == ps || pe >= len || l[pe] != '[')
		return -1;
	for (k = (unsigned)(pe + 1); k < len && is_digit(l[k]) && k - pe <= 10; k++)
		;
	if (k == pe + 1 || k + 1 >= len || l[k] != ']' || l[k + 1] != ' ')
		return -1;
	ev->program = mkstr(l + ps, pe - ps);
	ev->pid = parse_pid(l + pe + 1, k - pe - 1);
	ev->message = mkstr(l + k + 2, len - k - 2);
	return 0;
}

static int
parse_tag(struct ronda_event *ev, const char *l, size_t len, size_t *i, int spaced)
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
	if (k + 1 < len && l[k] == ' ' && l[k + 1] == '<')
		k += 1 + asl_level_len(l + k + 1, len - k - 1);
	if (k >= len || l[k] != ':')
		return -1;
	k++;
	if (spaced && k < len && l[k] != ' ')
		return -1;
	ev->program = mkstr(l + ps, pe - ps);
	ev->pid = pid;
	*i = k;
	return 0;
}

/*
 * Solaris and illumos syslogd put the message id and the facility.level in
 * front of the text: "[ID 800047 auth.info] Failed password for ...". Moves
 * *i past it (and one space) when the message starts with one.
 */
static void
skip_sun_msgid(const char *l, size_t len, size_t *i)
{
	size_t k = *i, s, lim = len - *i > 64 ? *i + 64 : len;

	if (lim - k < 4 || memcmp(l + k, "[ID ", 4) != 0)
		return;
	k += 4;
	for (s = k; k < lim && is_digit(l[k]); k++)
		;
	if (k == s || k - s > 10 || k >= lim || l[k] != ' ')
		return;
	for (s = ++k; k < lim && ((l[k] >= 'a' && l[k] <= 'z') || is_digit(l[k])); k++)
		;
	if (k == s || k >= lim || l[k] != '.')
		return;
	for (s = ++k; k < lim && l[k] >= 'a' && l[k] <= 'z'; k++)
		;
	if (k == s || k >= lim || l[k] != ']')
		return;
	k++;
	if (k < len && l[k] == ' ')
		k++;
	*i = k;
}

/*
 * An audit record: "[node=NAME ]type=TYPE msg=audit(SEC.MSC:SERIAL): ...".
 * The node is the audited host when the records of several are gathered;
 * the type is a name ("USER_AUTH") or "UNKNOWN[1334]"; the time is the
 * kernel's, UTC, always with three digits of milliseconds.
 */
struct audit_rec {
	struct ronda_str node;
	size_t type_at;		/* offset of "type=" */
	size_t audit_at;	/* offset of "audit" in "msg=audit(" */
	int64_t ts_ms;
	int64_t pid;		/* the record's "pid=" when it is the first field, else -1 */
};

static int
parse_audit_rec(const char *l, size_t len, size_t i, struct audit_rec *r)
{
	size_t k, s;
	int64_t sec = 0;
	unsigned msec;

	r->node = RONDA_STR_NULL;
	if (len - i >= 5 && memcmp(l + i, "node=", 5) == 0) {
		const char *sp;
		size_t lim = len - i - 5 > 256 ? 256 : len - i - 5;
		if ((sp = memchr(l + i + 5, ' ', lim)) == NULL || sp == l + i + 5)
			return -1;
		r->node = mkstr(l + i + 5, (size_t)(sp - l) - i - 5);
		i = (size_t)(sp - l) + 1;
	}
	if (len - i < 5 || memcmp(l + i, "type=", 5) != 0)
		return -1;
	r->type_at = i;
	for (k = i + 5; k < len && k - i < 64 && l[k] != ' '; k++)
		;
	if (k == i + 5 || len - k < 11 || memcmp(l + k, " msg=audit(", 11) != 0)
		return -1;
	r->audit_at = k + 5;
	k += 11;
	for (s = k; k < len && is_digit(l[k]) && k - s < 12; k++)
		sec = sec * 10 + (l[k] - '0');
	if (k == s || len - k < 8 || l[k] != '.' || num(l + k + 1, 3, &msec) ||
	    l[k + 4] != ':')
		return -1;
	k += 5;
	for (s = k; k < len && is_digit(l[k]) && k - s < 20; k++)
		;
	if (k == s || len - k < 2 || l[k] != ')' || l[k + 1] != ':')
		return -1;
	r->ts_ms = sec * 1000 + msec;
	k += 2;
	r->pid = -1;
	if (len - k > 5 && memcmp(l + k, " pid=", 5) == 0) {
		const char *sp;
		k += 5;
		sp = memchr(l + k, ' ', len - k);
		r->pid = parse_pid(l + k, sp ? (size_t)(sp - l) - k : len - k);
	}
	return 0;
}

/*
 * vsftpd's "[pid 1234] " after its date. Moves *i past it and sets *pid, or
 * returns -1.
 */
static int
vsftpd_pid(const char *l, size_t len, size_t *i, int64_t *pid)
{
	size_t k = *i + 5, s = k;
	int64_t v;

	if (len - *i < 7 || memcmp(l + *i, "[pid ", 5) != 0)
		return -1;
	while (k < len && k - s <= 10 && is_digit(l[k]))
		k++;
	if (k >= len || l[k] != ']' || (v = parse_pid(l + s, k - s)) < 0)
		return -1;
	k++;
	if (k < len && l[k] == ' ')
		k++;
	*pid = v;
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

static int
prog_is(struct ronda_str p, const char *name)
{
	size_t n = strlen(name);

	return p.n == n && memcmp(p.p, name, n) == 0;
}

/*
 * The message after a tag, with what some senders put in front of the text
 * taken off: Solaris's "[ID 800047 auth.info] "; vsftpd before 2.1, which
 * wrote its own date and "[pid N] " into syslog too (the pid is the tag's,
 * else that one). An audit record
 * forwarded through syslog ("audispd: node=x type=USER_AUTH msg=audit(...):
 * ...") is given the program "audit" and the record's pid; its text, node
 * included, stays the message.
 */
static void
set_message(struct ronda_event *ev, const char *l, size_t len, size_t i,
    const struct ronda_tz *tz)
{
	struct audit_rec r;

	while (i < len && l[i] == ' ')
		i++;
	if (i >= len) {
		/* an empty message */
	} else if (l[i] == '[') {
		skip_sun_msgid(l, len, &i);
	} else if ((l[i] == 'n' || l[i] == 't') && parse_audit_rec(l, len, i, &r) == 0) {
		ev->program = mkstr(l + r.audit_at, 5);
		ev->pid = r.pid;
	} else if (l[i] >= 'A' && l[i] <= 'Z' && prog_is(ev->program, "vsftpd")) {
		size_t k = i;
		int64_t t, pid;
		if (parse_ctime_time(l, len, &k, tz, &t) == 0 && k < len && l[k] == ' ') {
			k++;
			if (vsftpd_pid(l, len, &k, &pid) == 0) {
				i = k;
				if (ev->pid < 0)
					ev->pid = pid;
			}
		}
	}
	ev->message = mkstr(l + i, len - i);
}

/*
 * vsftpd.log and xferlog, both dated by ctime(): after the date, vsftpd
 * writes "[pid N] " and the rest of its line, an xferlog line goes on with
 * the transfer time in seconds. The program names are not in these lines:
 * program points to a static string.
 */
static int
parse_ctime_line(struct ronda_event *ev, const char *l, size_t len, size_t i,
    const struct ronda_tz *tz)
{
	size_t k;

	if (parse_ctime_time(l, len, &i, tz, &ev->ts_ms) != 0 || i >= len || l[i] != ' ')
		return -1;
	i++;
	if (vsftpd_pid(l, len, &i, &ev->pid) == 0) {
		ev->program = RONDA_STR_LIT("vsftpd");
	} else {
		for (k = i; k < len && is_digit(l[k]); k++)
			;
		if (k == i || k >= len || l[k] != ' ') {
			ev->message = mkstr(l + i, len - i);
			return -1;
		}
		ev->program = RONDA_STR_LIT("xferlog");
	}
	ev->message = mkstr(l + i, len - i);
	return 0;
}

/* A raw audit.log record: the whole line from "type=" is the message. */
static int
parse_raw_audit(struct ronda_event *ev, const char *l, size_t len, size_t i)
{
	struct audit_rec r;

	if (parse_audit_rec(l, len, i, &r) != 0)
		return -1;
	ev->ts_ms = r.ts_ms;
	ev->log_host = r.node;
	ev->program = mkstr(l + r.audit_at, 5);
	ev->pid = r.pid;
	ev->message = mkstr(l + r.type_at, len - r.type_at);
	return 0;
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

	/*
	 * The shape from the first bytes: a digit starts ISO 8601, a lower-case
	 * letter an audit record, an upper-case one a month (RFC 3164) or a
	 * weekday (ctime: vsftpd.log, xferlog).
	 */
	if (len - i >= 5 && is_digit(l[i]) && is_digit(l[i + 1]) &&
	    is_digit(l[i + 2]) && is_digit(l[i + 3]) && l[i + 4] == '-') {
		if (!is5424 && len - i > 24 && l[i + 10] == ' ' && l[i + 19] == ',') {
			if (parse_proftpd_line(ev, l, len, i, tz) != 0)
				goto fail;
			return 0;
		}
		if (parse_iso_time(l, len, &i, tz, &ev->ts_ms) != 0)
			goto fail;
	} else if (is5424) {
		goto fail;
	} else if (i < len && (l[i] == 't' || l[i] == 'n')) {
		if (parse_raw_audit(ev, l, len, i) != 0)
			goto fail;
		return 0;
	} else if (len - i >= 3 && is_weekday(l + i)) {
		if (parse_ctime_line(ev, l, len, i, tz) != 0)
			goto fail;
		return 0;
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
	 * is itself a tag followed by ": " ("sshd[1]: "), there is none.
	 */
	hs = i;
	if (parse_tag(ev, l, len, &i, 1) != 0) {
		const char *sp = memchr(l + i, ' ', len - i);
		if (sp == NULL) {
			ev->log_host = mkstr(l + hs, len - hs);
			goto fail;	/* a header with nothing after it */
		}
		ev->log_host = mkstr(l + hs, (size_t)(sp - l) - hs);
		i = (size_t)(sp - l) + 1;
		if (parse_tag(ev, l, len, &i, 0) != 0) {
			/* "-- MARK --", "last message repeated 3 times": no tag */
			ev->message = mkstr(l + i, len - i);
			return 0;
		}
	}
	set_message(ev, l, len, i, tz);
	return 0;

fail:
	ev->flags |= RONDA_EVENT_PARSE_ERROR;
	return -1;
}
