/*
 * test_parse_syslog.c — auth-log lines of OpenSSH 7/8/9, sudo, su and
 * pam_unix in the RFC 3164 and ISO 8601 forms (and RFC 5424), the year turn,
 * zones, and hostile lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ronda/event.h"
#include "ronda/parse.h"
#include "ronda/timeutil.h"
#include "ronda/tz.h"

#define S(lit) lit, sizeof(lit) - 1

static struct ronda_tz *jakarta, *makassar, *jayapura, *berlin;

static void
str_eq(struct ronda_str s, const char *want, const char *what)
{
	size_t wn = want ? strlen(want) : 0;

	if (s.n != wn || (wn && memcmp(s.p, want, wn) != 0)) {
		print_error("%s: got \"%.*s\" (%zu), want \"%s\"\n", what, (int)s.n,
		    s.p ? s.p : "", s.n, want ? want : "(absent)");
		fail();
	}
}
#define STR_EQ(ev, field, want) str_eq((ev).field, (want), #field)

static int64_t
ms(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	return ronda_timegm(y, mo, d, h, mi, s) * 1000;
}

/* "now" for the tests: 2026-11-21 02:00 UTC (10:00 WIB) */
#define NOW ms(2026, 11, 21, 2, 0, 0)

static int
parse(struct ronda_event *ev, const char *l, size_t n, const struct ronda_tz *tz,
    int64_t now)
{
	ronda_event_reset(ev);
	return ronda_parse_syslog(ev, l, n, tz, now);
}

static int
setup(void **state)
{
	char err[256];
	(void)state;
	jakarta = ronda_tz_new("Asia/Jakarta", err, sizeof(err));
	makassar = ronda_tz_new("Asia/Makassar", err, sizeof(err));
	jayapura = ronda_tz_new("Asia/Jayapura", err, sizeof(err));
	berlin = ronda_tz_new("Europe/Berlin", err, sizeof(err));
	return jakarta && makassar && jayapura && berlin ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	ronda_tz_free(jakarta);
	ronda_tz_free(makassar);
	ronda_tz_free(jayapura);
	ronda_tz_free(berlin);
	return 0;
}

struct want {
	const char *line, *host, *prog;
	int64_t pid;
	const char *msg;
};

static void
check_lines(const struct want *w, size_t n, int64_t want_ts, const struct ronda_tz *tz)
{
	struct ronda_event ev;

	for (size_t k = 0; k < n; k++) {
		if (parse(&ev, w[k].line, strlen(w[k].line), tz, NOW) != 0) {
			print_error("did not parse: %s\n", w[k].line);
			fail();
		}
		assert_int_equal(ev.type, RONDA_EVENT_AUTH);
		assert_int_equal(ev.ts_ms, want_ts);
		STR_EQ(ev, log_host, w[k].host);
		STR_EQ(ev, program, w[k].prog);
		assert_int_equal(ev.pid, w[k].pid);
		STR_EQ(ev, message, w[k].msg);
	}
}

static void
test_openssh_3164(void **state)
{
	static const struct want w[] = {
		/* OpenSSH 7.4 (CentOS 7) */
		{ "Nov 20 23:04:05 web01 sshd[1234]: Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
		  "web01", "sshd", 1234, "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2" },
		{ "Nov 20 23:04:05 web01 sshd[1234]: Invalid user oracle from 203.0.113.50 port 40312",
		  "web01", "sshd", 1234, "Invalid user oracle from 203.0.113.50 port 40312" },
		{ "Nov 20 23:04:05 web01 sshd[1234]: Received disconnect from 203.0.113.50 port 40312:11: Bye Bye [preauth]",
		  "web01", "sshd", 1234, "Received disconnect from 203.0.113.50 port 40312:11: Bye Bye [preauth]" },
		/* OpenSSH 8.x (Ubuntu 20.04/22.04) */
		{ "Nov 20 23:04:05 portal-kab sshd[88121]: Connection closed by authenticating user root 1.2.3.4 port 5 [preauth]",
		  "portal-kab", "sshd", 88121, "Connection closed by authenticating user root 1.2.3.4 port 5 [preauth]" },
		{ "Nov 20 23:04:05 portal-kab sshd[88121]: Disconnected from invalid user admin 1.2.3.4 port 51000 [preauth]",
		  "portal-kab", "sshd", 88121, "Disconnected from invalid user admin 1.2.3.4 port 51000 [preauth]" },
		{ "Nov 20 23:04:05 portal-kab sshd[88121]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
		  "portal-kab", "sshd", 88121, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root" },
		/* OpenSSH 9.8+: the per-connection process is sshd-session */
		{ "Nov 20 23:04:05 ekinerja sshd-session[40213]: Accepted publickey for deploy from 2001:db8::7 port 51234 ssh2: ED25519 SHA256:Qm9ndXNrZXlmb3J0ZXN0aW5nb25seQ",
		  "ekinerja", "sshd-session", 40213, "Accepted publickey for deploy from 2001:db8::7 port 51234 ssh2: ED25519 SHA256:Qm9ndXNrZXlmb3J0ZXN0aW5nb25seQ" },
		{ "Nov 20 23:04:05 ekinerja sshd[901]: Timeout before authentication for connection from 1.2.3.4 to 10.0.0.5, pid = 40999",
		  "ekinerja", "sshd", 901, "Timeout before authentication for connection from 1.2.3.4 to 10.0.0.5, pid = 40999" },
	};
	(void)state;

	/* 23:04:05 WIB = 16:04:05 UTC */
	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 16, 4, 5), jakarta);
}

static void
test_sudo_su_pam(void **state)
{
	static const struct want w[] = {
		{ "Nov 20 23:04:05 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow",
		  "web01", "sudo", -1, "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow" },
		{ "Nov 20 23:04:05 web01 sudo: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice",
		  "web01", "sudo", -1, "pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice" },
		{ "Nov 20 23:04:05 web01 sudo[5150]:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash",
		  "web01", "sudo", 5150, "alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash" },
		{ "Nov 20 23:04:05 web01 su[4242]: FAILED SU (to root) bob on pts/1",
		  "web01", "su", 4242, "FAILED SU (to root) bob on pts/1" },
		{ "Nov 20 23:04:05 web01 su: pam_unix(su:auth): authentication failure; logname=bob uid=1001 euid=0 tty=pts/1 ruser=bob rhost=  user=root",
		  "web01", "su", -1, "pam_unix(su:auth): authentication failure; logname=bob uid=1001 euid=0 tty=pts/1 ruser=bob rhost=  user=root" },
		{ "Nov 20 23:04:05 web01 su[4243]: pam_unix(su-l:session): session opened for user root(uid=0) by bob(uid=1001)",
		  "web01", "su", 4243, "pam_unix(su-l:session): session opened for user root(uid=0) by bob(uid=1001)" },
		{ "Nov 20 23:04:05 web01 CRON[9]: pam_unix(cron:session): session closed for user root",
		  "web01", "CRON", 9, "pam_unix(cron:session): session closed for user root" },
		{ "Nov 20 23:04:05 mail postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
		  "mail", "postfix/smtpd", 1, "warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6" },
		{ "Nov 20 23:04:05 ftp pure-ftpd: (?@192.0.2.9) [WARNING] Authentication failed for user [admin]",
		  "ftp", "pure-ftpd", -1, "(?@192.0.2.9) [WARNING] Authentication failed for user [admin]" },
		{ "Nov 20 23:04:05 ftp in.tftpd[77]: RRQ from 192.0.2.9 filename /etc/passwd",
		  "ftp", "in.tftpd", 77, "RRQ from 192.0.2.9 filename /etc/passwd" },
		/* Red Hat 9 era PAM: the module inside the tag */
		{ "Nov 20 23:04:05 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
		  "combo", "sshd", 19939, "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 " },
		/* forwarded with its priority */
		{ "<86>Nov 20 23:04:05 web01 sshd[2]: Accepted password for root from 1.2.3.4 port 2 ssh2",
		  "web01", "sshd", 2, "Accepted password for root from 1.2.3.4 port 2 ssh2" },
		/* local syslog without a host name */
		{ "Nov 20 23:04:05 sshd[3]: Server listening on 0.0.0.0 port 22.",
		  NULL, "sshd", 3, "Server listening on 0.0.0.0 port 22." },
		/* no tag at all */
		{ "Nov 20 23:04:05 web01 -- MARK --", "web01", NULL, -1, "-- MARK --" },
	};
	(void)state;

	/* 23:04:05 WITA = 15:04:05 UTC */
	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 15, 4, 5), makassar);
}

static void
test_iso_forms(void **state)
{
	static const struct want w[] = {
		{ "2026-11-20T23:04:05.123456+08:00 web01 sshd[1234]: Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
		  "web01", "sshd", 1234, "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2" },
		{ "2026-11-20T15:04:05.123Z web01 sudo:    alice : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/sh",
		  "web01", "sudo", -1, "alice : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/sh" },
		{ "2026-11-20T22:04:05.123+0700 web01 su[1]: FAILED SU (to root) bob on pts/1",
		  "web01", "su", 1, "FAILED SU (to root) bob on pts/1" },
		/* RFC 5424 (rsyslog RSYSLOG_SyslogProtocol23Format) */
		{ "<38>1 2026-11-20T16:04:05.123+01:00 web01 sshd 1234 - - Connection closed by authenticating user root 1.2.3.4 port 5 [preauth]",
		  "web01", "sshd", 1234, "Connection closed by authenticating user root 1.2.3.4 port 5 [preauth]" },
		{ "<38>1 2026-11-20T15:04:05.123Z web01 sudo - - [meta sequenceId=\"1\" note=\"a \\\"] b\"] pam_unix(sudo:auth): conversation failed",
		  "web01", "sudo", -1, "pam_unix(sudo:auth): conversation failed" },
	};
	struct ronda_event ev;
	(void)state;

	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 15, 4, 5) + 123, jakarta);

	/* a zone-less ISO time is the site's local time */
	assert_int_equal(parse(&ev, S("2026-11-20T23:04:05 web01 sshd[1]: x"), jayapura,
	    NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 20, 14, 4, 5));
}

static void
test_day_padding(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("Nov  2 03:00:01 web01 CRON[9]: x"), NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 2, 3, 0, 1));
	assert_int_equal(parse(&ev, S("Nov 2 03:00:01 web01 CRON[9]: x"), NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 2, 3, 0, 1));
	assert_int_equal(parse(&ev, S("Nov 02 03:00:01 web01 CRON[9]: x"), NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 2, 3, 0, 1));
	STR_EQ(ev, log_host, "web01");
	/* rsyslog's high-precision 3164 variant */
	assert_int_equal(parse(&ev, S("Nov 02 03:00:01.250 web01 CRON[9]: x"), NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 2, 3, 0, 1) + 250);
}

static void
test_year_turn(void **state)
{
	struct ronda_event ev;
	int64_t jan2 = ms(2027, 1, 2, 1, 0, 0);	/* 08:00 WIB on 2 Jan 2027 */
	(void)state;

	/* December lines read on January 2nd belong to the previous year */
	assert_int_equal(parse(&ev, S("Dec 31 23:59:59 web01 sshd[1]: x"), jakarta, jan2), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 12, 31, 16, 59, 59));
	assert_int_equal(parse(&ev, S("Jan  2 07:59:00 web01 sshd[1]: x"), jakarta, jan2), 0);
	assert_int_equal(ev.ts_ms, ms(2027, 1, 2, 0, 59, 0));
	/* one month ahead is clock skew, not last year */
	assert_int_equal(parse(&ev, S("Feb  1 00:00:00 web01 sshd[1]: x"), jakarta, jan2), 0);
	assert_int_equal(ev.ts_ms, ms(2027, 1, 31, 17, 0, 0));
	/* more than one month ahead: last year */
	assert_int_equal(parse(&ev, S("Mar  1 00:00:00 web01 sshd[1]: x"), jakarta, jan2), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 2, 28, 17, 0, 0));

	/*
	 * The year is the site's: at 20:00 UTC on 31 Dec it is already 05:00 on
	 * 1 Jan in Jayapura, so a line from 04:59 WIT is next year's (UTC's year
	 * would still be the old one).
	 */
	assert_int_equal(parse(&ev, S("Jan  1 04:59:00 papua sshd[1]: x"), jayapura,
	    ms(2026, 12, 31, 20, 0, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 12, 31, 19, 59, 0));
	/* and a server clock a little ahead of ours at New Year */
	assert_int_equal(parse(&ev, S("Jan  1 00:00:30 web01 sshd[1]: x"), jakarta,
	    ms(2026, 12, 31, 16, 59, 50)), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 12, 31, 17, 0, 30));
	/* a line read in the same month */
	assert_int_equal(parse(&ev, S("Nov 20 23:04:05 web01 sshd[1]: x"), NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 20, 23, 4, 5));
}

/*
 * The year comes from a reference that follows the log (the collector
 * passes the file's modification time), not from today: a file of 2028 or
 * one last written in April 2025 gets its own year whatever the date.
 */
static void
test_year_follows_the_file_time(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("Jun  5 08:00:01 web01 sshd[1]: x"), NULL,
	    ms(2028, 6, 5, 8, 30, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2028, 6, 5, 8, 0, 1));
	/* The June closest before April 2025 is 2024's. */
	assert_int_equal(parse(&ev, S("Jun  5 08:00:01 web01 sshd[1]: x"), NULL,
	    ms(2025, 4, 1, 0, 0, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2024, 6, 5, 8, 0, 1));
	/* In the site's zone: 08:00 WITA is 00:00 UTC. */
	assert_int_equal(parse(&ev, S("Jun  5 08:00:01 web01 sshd[1]: x"), makassar,
	    ms(2028, 6, 5, 0, 30, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2028, 6, 5, 0, 0, 1));
	/* A file last written on 1 Jan 2031 still holds December 2030. */
	assert_int_equal(parse(&ev, S("Dec 31 23:59:59 web01 sshd[1]: x"), jakarta,
	    ms(2030, 12, 31, 17, 30, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2030, 12, 31, 16, 59, 59));
	/* and its January lines are 2031's */
	assert_int_equal(parse(&ev, S("Jan  1 00:10:00 web01 sshd[1]: x"), jakarta,
	    ms(2030, 12, 31, 17, 30, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2030, 12, 31, 17, 10, 0));
	/* ISO lines carry their year: the reference does not touch them. */
	assert_int_equal(parse(&ev, S("2026-11-20T23:04:05Z web01 sshd[1]: x"), NULL,
	    ms(2031, 6, 1, 0, 0, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 20, 23, 4, 5));
}

static void
test_dst_zone(void **state)
{
	struct ronda_event ev;
	(void)state;

	assert_int_equal(parse(&ev, S("Jul 15 12:00:00 fra1 sshd[1]: x"), berlin,
	    ms(2026, 7, 20, 0, 0, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 7, 15, 10, 0, 0));
	assert_int_equal(parse(&ev, S("Jan 15 12:00:00 fra1 sshd[1]: x"), berlin,
	    ms(2026, 7, 20, 0, 0, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 1, 15, 11, 0, 0));
}

static void
test_odd_tags(void **state)
{
	struct ronda_event ev;
	(void)state;

	/* a pid that is not a number keeps the program */
	assert_int_equal(parse(&ev, S("Nov 20 23:04:05 h prog[abc]: m"), NULL, NOW), 0);
	STR_EQ(ev, program, "prog");
	assert_int_equal(ev.pid, -1);
	/* an overlong pid is not a pid */
	assert_int_equal(parse(&ev, S("Nov 20 23:04:05 h p[123456789012345]: m"), NULL, NOW), 0);
	assert_int_equal(ev.pid, -1);
	/* "last message repeated" has no tag */
	assert_int_equal(parse(&ev, S("Nov 20 23:04:05 h last message repeated 3 times"),
	    NULL, NOW), 0);
	STR_EQ(ev, program, NULL);
	STR_EQ(ev, message, "last message repeated 3 times");
	/* CRLF */
	assert_int_equal(parse(&ev, S("Nov 20 23:04:05 h sshd[5]: bye\r"), NULL, NOW), 0);
	STR_EQ(ev, message, "bye");
}

static void
test_hostile_lines(void **state)
{
	static const char *bad[] = {
		"", "<", "<13>", "<999999>Nov 20 23:04:05 h p: m", "Nov", "Nov 20",
		"Nov 20 23:04:05", "Nov 20 23:04:05 ", "Foo 20 23:04:05 h p: m",
		"Nov 32 23:04:05 h p: m", "Nov 20 24:04:05 h p: m", "Nov 20 23:4:05 h p: m",
		"Nov  0 23:04:05 h p: m", "2026-13-20T23:04:05Z h p: m",
		"2026-11-20T23:04:05+25:00 h p: m", "2026-11-20T23:04:05.Z h p: m",
		"2026-11-20T23:04:05Zjunk h p: m", "<38>1 Nov 20 23:04:05 h p - - - m",
		"<38>1 2026-11-20T23:04:05Z h", "<38>1 2026-11-20T23:04:05Z h p 1 - x m",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	};
	struct ronda_event ev;
	(void)state;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int rc = parse(&ev, bad[k], strlen(bad[k]), jakarta, NOW);
		if (rc != -1 || !(ev.flags & RONDA_EVENT_PARSE_ERROR)) {
			print_error("accepted: %s\n", bad[k]);
			fail();
		}
	}
	/* embedded NULs stay in the message */
	static const char nul[] = "Nov 20 23:04:05 h sshd[1]: user \0root\0";
	assert_int_equal(parse(&ev, nul, sizeof(nul) - 1, NULL, NOW), 0);
	assert_int_equal(ev.message.n, 11);
}

/* Fuzzer find: an RFC 5424 SD escape as the last byte stepped past the end. */
static void
test_rfc5424_sd_escape_at_end(void **state)
{
	static const char line[] = "<38>1 2026-11-20T23:04:05Z h sshd 1 - [x a=\"\\";
	struct ronda_event ev;
	char *p = malloc(sizeof(line) - 1);
	(void)state;

	assert_non_null(p);
	memcpy(p, line, sizeof(line) - 1);
	(void)parse(&ev, p, sizeof(line) - 1, NULL, NOW);
	assert_true(ev.message.n == 0 ||
	    (ev.message.p >= p && ev.message.p + ev.message.n <= p + sizeof(line) - 1));
	free(p);
}

static void
test_never_reads_past_len(void **state)
{
	static const char *full[] = {
		"<38>Nov 20 23:04:05.123 web01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2",
		"2026-11-20T23:04:05.123456+08:00 web01 postfix/smtpd[77]: connect",
		"<38>1 2026-11-20T23:04:05Z web01 sshd 1234 ID47 [a b=\"c\\\"]\"][d] msg",
	};
	struct ronda_event ev;
	(void)state;

	for (size_t f = 0; f < 3; f++) {
		size_t len = strlen(full[f]);
		for (size_t n = 0; n <= len; n++) {
			char *p = malloc(n ? n : 1);
			assert_non_null(p);
			memcpy(p, full[f], n);
			(void)parse(&ev, p, n, jakarta, NOW);
			free(p);
		}
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_huge_line(void **state)
{
	const size_t n = 10 * 1024 * 1024;
	char *l = malloc(n);
	struct ronda_event ev;
	double t0;
	(void)state;

	assert_non_null(l);
	memset(l, '[', n);
	memcpy(l, "<38>1 2026-11-20T23:04:05Z h p 1 - [", 36);
	t0 = now_s();
	(void)parse(&ev, l, n, jakarta, NOW);
	memset(l, 'a', n);
	memcpy(l, "Nov 20 23:04:05 ", 16);
	assert_int_equal(parse(&ev, l, n, jakarta, NOW), -1);
	print_message("      10 MB lines: %.3f s\n", now_s() - t0);
	free(l);
}

static void
test_throughput(void **state)
{
	static const char *lines[] = {
		"Nov 20 23:04:05 web01 sshd[1234]: Failed password for invalid user admin from 203.0.113.9 port 40022 ssh2",
		"Nov 20 23:04:06 web01 sshd[1234]: Connection closed by authenticating user root 203.0.113.9 port 40022 [preauth]",
		"2026-11-20T23:04:07.123456+08:00 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
	};
	struct ronda_event ev;
	const long iters = 200000;
	size_t lens[3];
	long ok = 0;
	double t0, dt;
	(void)state;

	for (int k = 0; k < 3; k++)
		lens[k] = strlen(lines[k]);
	ronda_event_reset(&ev);
	t0 = now_s();
	for (long it = 0; it < iters; it++)
		for (int k = 0; k < 3; k++)
			ok += ronda_parse_syslog(&ev, lines[k], lens[k], makassar, NOW) == 0;
	dt = now_s() - t0;
	assert_int_equal(ok, iters * 3);
	print_message("      parse_syslog: %.2f M lines/s\n", iters * 3 / dt / 1e6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssh_3164),
		cmocka_unit_test(test_sudo_su_pam),
		cmocka_unit_test(test_iso_forms),
		cmocka_unit_test(test_day_padding),
		cmocka_unit_test(test_year_turn),
		cmocka_unit_test(test_year_follows_the_file_time),
		cmocka_unit_test(test_dst_zone),
		cmocka_unit_test(test_odd_tags),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_rfc5424_sd_escape_at_end),
		cmocka_unit_test(test_never_reads_past_len),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_throughput),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
