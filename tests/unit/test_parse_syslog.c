/*
 * test_parse_syslog.c — auth-log lines of OpenSSH 7/8/9, sudo, su and
 * pam_unix in the RFC 3164 and ISO 8601 forms (and RFC 5424), RHEL's
 * /var/log/secure, Solaris, macOS and BSD syslogds, lines without a host,
 * auditd records (raw and through syslog), vsftpd.log and xferlog; the year
 * turn, zones, and hostile lines (every prefix of every shape).
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

/* /var/log/secure of the RHEL family is plain RFC 3164: it parses as it is. */
static void
test_rhel_secure(void **state)
{
	static const struct want w[] = {
		/* RHEL/CentOS 6, OpenSSH 5.3 */
		{ "Nov 20 23:04:05 centos6 sshd[3421]: Failed password for root from 61.177.172.13 port 37822 ssh2",
		  "centos6", "sshd", 3421, "Failed password for root from 61.177.172.13 port 37822 ssh2" },
		{ "Nov 20 23:04:05 centos6 sshd[3422]: Invalid user test from 203.0.113.7",
		  "centos6", "sshd", 3422, "Invalid user test from 203.0.113.7" },
		{ "Nov 20 23:04:05 centos6 sshd[3422]: input_userauth_request: invalid user test",
		  "centos6", "sshd", 3422, "input_userauth_request: invalid user test" },
		{ "Nov 20 23:04:05 centos6 saslauthd[1411]: pam_unix(smtp:auth): check pass; user unknown",
		  "centos6", "saslauthd", 1411, "pam_unix(smtp:auth): check pass; user unknown" },
		/* CentOS 7 */
		{ "Nov 20 23:04:05 centos7 sshd[2817]: Failed password for invalid user test from 192.168.1.10 port 51234 ssh2",
		  "centos7", "sshd", 2817, "Failed password for invalid user test from 192.168.1.10 port 51234 ssh2" },
		{ "Nov 20 23:04:05 centos7 polkitd[700]: Registered Authentication Agent for unix-process:1234:5678 (system bus name :1.42 [/usr/bin/pkttyagent --notify-fd 5 --fallback], object path /org/freedesktop/PolicyKit1/AuthenticationAgent, locale en_US.UTF-8)",
		  "centos7", "polkitd", 700, "Registered Authentication Agent for unix-process:1234:5678 (system bus name :1.42 [/usr/bin/pkttyagent --notify-fd 5 --fallback], object path /org/freedesktop/PolicyKit1/AuthenticationAgent, locale en_US.UTF-8)" },
		{ "Nov 20 23:04:05 centos7 groupadd[5511]: group added to /etc/group: name=docker, GID=991",
		  "centos7", "groupadd", 5511, "group added to /etc/group: name=docker, GID=991" },
		/* RHEL 8 / 9, Rocky, Alma */
		{ "Nov 20 23:04:05 rhel8 sshd[1902]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
		  "rhel8", "sshd", 1902, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root" },
		{ "Nov 20 23:04:05 rhel8 login[1201]: FAILED LOGIN 1 FROM tty1 FOR root, Authentication failure",
		  "rhel8", "login", 1201, "FAILED LOGIN 1 FROM tty1 FOR root, Authentication failure" },
		{ "Nov 20 23:04:05 rhel9 unix_chkpwd[44011]: password check failed for user (root)",
		  "rhel9", "unix_chkpwd", 44011, "password check failed for user (root)" },
		{ "Nov 20 23:04:05 rhel9 sshd[44010]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked",
		  "rhel9", "sshd", 44010, "pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked" },
		{ "Nov 20 23:04:05 rhel9 sshd[44012]: error: kex_exchange_identification: Connection closed by remote host",
		  "rhel9", "sshd", 44012, "error: kex_exchange_identification: Connection closed by remote host" },
		{ "Nov 20 23:04:05 rhel9 sshd[44013]: Connection closed by invalid user admin 203.0.113.7 port 40000 [preauth]",
		  "rhel9", "sshd", 44013, "Connection closed by invalid user admin 203.0.113.7 port 40000 [preauth]" },
		{ "Nov 20 23:04:05 rhel9 sudo[1234]: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
		  "rhel9", "sudo", 1234, "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)" },
		{ "Nov 20 23:04:05 rhel9 sshd[44014]: Accepted publickey for deploy from 10.0.0.9 port 50122 ssh2: RSA SHA256:Qm9ndXNrZXlmb3J0ZXN0aW5nb25seQ",
		  "rhel9", "sshd", 44014, "Accepted publickey for deploy from 10.0.0.9 port 50122 ssh2: RSA SHA256:Qm9ndXNrZXlmb3J0ZXN0aW5nb25seQ" },
	};
	(void)state;

	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 16, 4, 5), jakarta);
}

/* Solaris and illumos put "[ID msgid facility.level] " before the text. */
static void
test_solaris_msgid(void **state)
{
	static const struct want w[] = {
		{ "Jul 11 10:30:00 sol10 sshd[1234]: [ID 800047 auth.info] Failed password for root from 192.0.2.7 port 4122 ssh2",
		  "sol10", "sshd", 1234, "Failed password for root from 192.0.2.7 port 4122 ssh2" },
		{ "Jul 11 10:30:00 omnios sshd[1234]: [ID 800047 auth.error] error: PAM: Authentication failed for root from 192.0.2.7",
		  "omnios", "sshd", 1234, "error: PAM: Authentication failed for root from 192.0.2.7" },
		{ "Jul 11 10:30:00 sol11 su: [ID 810491 auth.crit] 'su root' failed for bob on /dev/pts/2",
		  "sol11", "su", -1, "'su root' failed for bob on /dev/pts/2" },
		{ "Jul 11 10:30:00 sol11 in.ftpd[77]: [ID 373804 daemon.info] FTP LOGIN FAILED FROM 192.0.2.9, admin",
		  "sol11", "in.ftpd", 77, "FTP LOGIN FAILED FROM 192.0.2.9, admin" },
		{ "Jul 11 10:30:00 sol11 sshd[1]: [ID 1 local0.notice]",
		  "sol11", "sshd", 1, NULL },
		/* what only looks like one stays */
		{ "Jul 11 10:30:00 sol11 sshd[1]: [ID x auth.info] m",
		  "sol11", "sshd", 1, "[ID x auth.info] m" },
		{ "Jul 11 10:30:00 sol11 sshd[1]: [ID 800047 auth] m",
		  "sol11", "sshd", 1, "[ID 800047 auth] m" },
		{ "Jul 11 10:30:00 sol11 sshd[1]: [ID 800047 AUTH.info] m",
		  "sol11", "sshd", 1, "[ID 800047 AUTH.info] m" },
		{ "Jul 11 10:30:00 sol11 sshd[1]: [preauth] m",
		  "sol11", "sshd", 1, "[preauth] m" },
	};
	(void)state;

	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 7, 11, 10, 30, 0), NULL);
}

/* macOS (ASL "std" format), FreeBSD and other BSD syslogds. */
static void
test_macos_bsd(void **state)
{
	static const struct want w[] = {
		{ "Mar 10 12:00:00 mbp sshd[123] <Error>: error: PAM: authentication error for root from 192.0.2.4",
		  "mbp", "sshd", 123, "error: PAM: authentication error for root from 192.0.2.4" },
		{ "Mar 10 12:00:00 mbp sshd[123] <Notice>: Failed password for admin from 192.0.2.4 port 50000 ssh2",
		  "mbp", "sshd", 123, "Failed password for admin from 192.0.2.4 port 50000 ssh2" },
		{ "Mar 10 12:00:00 mbp sshd[123] <Info>: Accepted keyboard-interactive/pam for bob from 192.0.2.4 port 50001 ssh2",
		  "mbp", "sshd", 123, "Accepted keyboard-interactive/pam for bob from 192.0.2.4 port 50001 ssh2" },
		{ "Mar 10 12:00:00 mbp authorizationhost[301] <Warning>: Failed to authenticate user <bob> (error: 9).",
		  "mbp", "authorizationhost", 301, "Failed to authenticate user <bob> (error: 9)." },
		{ "Mar 10 12:00:00 mbp sshd <Debug>: x", "mbp", "sshd", -1, "x" },
		{ "Mar 10 12:00:00 mbp sshd[1] <Emergency>: x", "mbp", "sshd", 1, "x" },
		{ "Mar 10 12:00:00 mbp sshd[1] <Alert>: x", "mbp", "sshd", 1, "x" },
		{ "Mar 10 12:00:00 mbp sshd[1] <Critical>: x", "mbp", "sshd", 1, "x" },
		/* not a level: no tag */
		{ "Mar 10 12:00:00 mbp sshd[1] <Bogus>: x", "mbp", NULL, -1, "sshd[1] <Bogus>: x" },
		{ "Mar 10 12:00:00 mbp sshd[1] <Error> x", "mbp", NULL, -1, "sshd[1] <Error> x" },
		{ "Mar 10 12:00:00 mbp --- last message repeated 1 time ---",
		  "mbp", NULL, -1, "--- last message repeated 1 time ---" },
		/* FreeBSD, OpenBSD, NetBSD */
		{ "Mar 10 12:00:00 fbsd sshd[123]: error: PAM: Authentication error for illegal user admin from 192.0.2.4",
		  "fbsd", "sshd", 123, "error: PAM: Authentication error for illegal user admin from 192.0.2.4" },
		{ "Mar 10 12:00:00 obsd sshd[123]: Failed password for invalid user admin from 192.0.2.4 port 4000 ssh2",
		  "obsd", "sshd", 123, "Failed password for invalid user admin from 192.0.2.4 port 4000 ssh2" },
		{ "Mar 10 12:00:00 fbsd su: BAD SU bob to root on /dev/pts/0",
		  "fbsd", "su", -1, "BAD SU bob to root on /dev/pts/0" },
		{ "Mar 10 12:00:00 fbsd last message repeated 3 times",
		  "fbsd", NULL, -1, "last message repeated 3 times" },
	};
	(void)state;

	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 3, 10, 12, 0, 0), NULL);
}

/* Lines without a host: the first word is a tag followed by ": ". */
static void
test_no_host(void **state)
{
	static const struct want w[] = {
		{ "Mar 10 12:00:00 sshd[123]: Failed password for root from 192.0.2.4 port 4000 ssh2",
		  NULL, "sshd", 123, "Failed password for root from 192.0.2.4 port 4000 ssh2" },
		{ "Mar 10 12:00:00 sshd[123]: error: PAM: Authentication failure for root from 192.0.2.4",
		  NULL, "sshd", 123, "error: PAM: Authentication failure for root from 192.0.2.4" },
		{ "Mar 10 12:00:00 sshd[123]: pam_unix(sshd:auth): authentication failure; rhost=192.0.2.4 user=root",
		  NULL, "sshd", 123, "pam_unix(sshd:auth): authentication failure; rhost=192.0.2.4 user=root" },
		{ "Mar 10 12:00:00 su: BAD SU bob to root on /dev/ttyp0",
		  NULL, "su", -1, "BAD SU bob to root on /dev/ttyp0" },
		{ "Mar 10 12:00:00 sshd[123] <Error>: x", NULL, "sshd", 123, "x" },
		{ "Mar 10 12:00:00 sshd[123]:", NULL, "sshd", 123, NULL },
		/* a host that is an IPv6 address is not a tag */
		{ "Mar 10 12:00:00 2001:db8::1 sshd[123]: Failed password for root from 192.0.2.4 port 4000 ssh2",
		  "2001:db8::1", "sshd", 123, "Failed password for root from 192.0.2.4 port 4000 ssh2" },
		{ "Mar 10 12:00:00 fe80::1 sshd[5]: x", "fe80::1", "sshd", 5, "x" },
		{ "Mar 10 12:00:00 2001:db8:: sshd: x", "2001:db8::", "sshd", -1, "x" },
		{ "Mar 10 12:00:00 ::1 sshd: x", "::1", "sshd", -1, "x" },
	};
	(void)state;

	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 3, 10, 12, 0, 0), NULL);
}

#define AUDIT_USER_AUTH "type=USER_AUTH msg=audit(1370851204.393:13549): pid=20874 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=password acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=173.242.116.187 terminal=ssh res=failed'"

/* Raw audit.log records: exact UTC time, no year inference, no zone. */
static void
test_audit_raw(void **state)
{
	static const char *const syscall = "type=SYSCALL msg=audit(1370851204.393:13550): arch=c000003e syscall=59 success=yes exit=0 a0=1 ppid=1 pid=2 auid=0 uid=0 comm=\"sh\"";
	static const char line[] = AUDIT_USER_AUTH;
	struct ronda_event ev;
	int64_t want = ronda_timegm(2013, 6, 10, 8, 0, 4) * 1000 + 393;
	(void)state;

	assert_int_equal(parse(&ev, line, sizeof(line) - 1, jakarta, NOW), 0);
	assert_int_equal(ev.ts_ms, want);
	STR_EQ(ev, log_host, NULL);
	STR_EQ(ev, program, "audit");
	assert_int_equal(ev.pid, 20874);
	STR_EQ(ev, message, AUDIT_USER_AUTH);
	/* the program is the "audit" of "msg=audit(" in the line */
	assert_ptr_equal(ev.program.p, strstr(line, "msg=audit(") + 4);

	/* the node of gathered records is the host */
	assert_int_equal(parse(&ev, S("node=web01.example.org " AUDIT_USER_AUTH), NULL, 0), 0);
	assert_int_equal(ev.ts_ms, want);
	STR_EQ(ev, log_host, "web01.example.org");
	STR_EQ(ev, program, "audit");
	STR_EQ(ev, message, AUDIT_USER_AUTH);

	/* a pid that is not the first field is not taken */
	assert_int_equal(parse(&ev, syscall, strlen(syscall), NULL, NOW), 0);
	assert_int_equal(ev.pid, -1);
	STR_EQ(ev, message, syscall);

	/* an unknown type and the ENRICHED format's trailer */
	assert_int_equal(parse(&ev, S("type=UNKNOWN[1334] msg=audit(1700000000.001:7): prog-id=12 op=LOAD\x1dUID=\"root\""),
	    NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, 1700000000001LL);
	STR_EQ(ev, program, "audit");
	assert_int_equal(ev.pid, -1);
	/* a record with nothing after the header */
	assert_int_equal(parse(&ev, S("type=EOE msg=audit(1700000000.001:7):"), NULL, NOW), 0);
	STR_EQ(ev, message, "type=EOE msg=audit(1700000000.001:7):");
	assert_int_equal(parse(&ev, S("type=LOGIN msg=audit(1700000000.001:7): pid=9"), NULL, NOW), 0);
	assert_int_equal(ev.pid, 9);
}

/* Audit records that went through syslog. */
static void
test_audit_forwarded(void **state)
{
	static const struct want w[] = {
		/* audispd's syslog plugin: the record, node and all, is the message */
		{ "Jun 10 15:00:04 web01 audispd: node=web01 " AUDIT_USER_AUTH,
		  "web01", "audit", 20874, "node=web01 " AUDIT_USER_AUTH },
		{ "Jun 10 15:00:04 web01 audisp-syslog[811]: " AUDIT_USER_AUTH,
		  "web01", "audit", 20874, AUDIT_USER_AUTH },
		/* journald's form keeps its own tag and text */
		{ "Jun 10 15:00:04 web01 audit[20874]: USER_AUTH pid=20874 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=173.242.116.187 addr=173.242.116.187 terminal=ssh res=failed'",
		  "web01", "audit", 20874, "USER_AUTH pid=20874 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=173.242.116.187 addr=173.242.116.187 terminal=ssh res=failed'" },
		/* text that only starts like a record stays */
		{ "Jun 10 15:00:04 web01 prog[1]: type=USER_AUTH msg=audit(13708.39:1): x",
		  "web01", "prog", 1, "type=USER_AUTH msg=audit(13708.39:1): x" },
		{ "Jun 10 15:00:04 web01 prog[1]: node= type=USER_AUTH msg=audit(1.393:1): x",
		  "web01", "prog", 1, "node= type=USER_AUTH msg=audit(1.393:1): x" },
	};
	(void)state;

	/* the syslog header's time: 15:00:04 WIB */
	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 6, 10, 8, 0, 4), jakarta);
}

/* vsftpd's own log (xferlog_std_format=NO): ctime() date, "[pid N] ". */
static void
test_vsftpd_log(void **state)
{
	static const struct want w[] = {
		{ "Fri Nov 20 23:04:05 2026 [pid 1234] [budi] FAIL LOGIN: Client \"1.2.3.4\"",
		  NULL, "vsftpd", 1234, "[budi] FAIL LOGIN: Client \"1.2.3.4\"" },
		{ "Fri Nov 20 23:04:05 2026 [pid 1234] CONNECT: Client \"::ffff:1.2.3.4\"",
		  NULL, "vsftpd", 1234, "CONNECT: Client \"::ffff:1.2.3.4\"" },
		{ "Fri Nov 20 23:04:05 2026 [pid 2] [ftp] OK LOGIN: Client \"1.2.3.4\", anon password \"?\"",
		  NULL, "vsftpd", 2, "[ftp] OK LOGIN: Client \"1.2.3.4\", anon password \"?\"" },
		{ "Fri Nov 20 23:04:05 2026 [pid 3] [budi] OK UPLOAD: Client \"1.2.3.4\", \"/var/www/html/up/x.php\", 3012 bytes, 88.12Kbyte/sec",
		  NULL, "vsftpd", 3, "[budi] OK UPLOAD: Client \"1.2.3.4\", \"/var/www/html/up/x.php\", 3012 bytes, 88.12Kbyte/sec" },
		/* vsftpd before 2.1 wrote its date and pid into syslog too */
		{ "Nov 20 23:04:05 ftp1 vsftpd: Fri Nov 20 23:04:05 2026 [pid 1234] [budi] FAIL LOGIN: Client \"1.2.3.4\"",
		  "ftp1", "vsftpd", 1234, "[budi] FAIL LOGIN: Client \"1.2.3.4\"" },
		{ "Nov 20 23:04:05 ftp1 vsftpd[1233]: Fri Nov 20 23:04:05 2026 [pid 1234] [budi] FAIL LOGIN: Client \"1.2.3.4\"",
		  "ftp1", "vsftpd", 1233, "[budi] FAIL LOGIN: Client \"1.2.3.4\"" },
		/* vsftpd 2.1+ through syslog: as it is */
		{ "Nov 20 23:04:05 ftp1 vsftpd[1235]: [budi] FAIL LOGIN: Client \"1.2.3.4\"",
		  "ftp1", "vsftpd", 1235, "[budi] FAIL LOGIN: Client \"1.2.3.4\"" },
		/* another program's message that starts with a date keeps it */
		{ "Nov 20 23:04:05 ftp1 other: Fri Nov 20 23:04:05 2026 [pid 1] x",
		  "ftp1", "other", -1, "Fri Nov 20 23:04:05 2026 [pid 1] x" },
	};
	struct ronda_event ev;
	(void)state;

	/* 23:04:05 WIB = 16:04:05 UTC */
	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 16, 4, 5), jakarta);

	/* the year is the line's, whatever the reference; the day space-padded */
	assert_int_equal(parse(&ev, S("Sun Jan  3 01:02:03 2027 [pid 9] CONNECT: Client \"1.2.3.4\""),
	    makassar, ms(2030, 6, 1, 0, 0, 0)), 0);
	assert_int_equal(ev.ts_ms, ms(2027, 1, 2, 17, 2, 3));
	assert_int_equal(ev.pid, 9);
	assert_int_equal(parse(&ev, S("Sun Jan 03 01:02:03 2027 [pid 9] x"), NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2027, 1, 3, 1, 2, 3));
	assert_int_equal(parse(&ev, S("Sun Jan 3 01:02:03 2027 [pid 9] x"), NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2027, 1, 3, 1, 2, 3));
	/* CRLF */
	assert_int_equal(parse(&ev, S("Sun Jan  3 01:02:03 2027 [pid 9] CONNECT: Client \"1.2.3.4\"\r"),
	    NULL, NOW), 0);
	STR_EQ(ev, message, "CONNECT: Client \"1.2.3.4\"");
}

/* proftpd's own log (SystemLog): local time with milliseconds, no colon after the tag. */
static void
test_proftpd_log(void **state)
{
	static const struct want w[] = {
		{ "2026-11-20 23:04:05,000 ftp1 proftpd[498625] ftp1 (1.2.3.4[1.2.3.4]): USER seb (Login failed): Incorrect password",
		  "ftp1", "proftpd", 498625, "ftp1 (1.2.3.4[1.2.3.4]): USER seb (Login failed): Incorrect password" },
	};
	struct ronda_event ev;
	(void)state;

	/* 23:04:05 WIB = 16:04:05 UTC */
	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 16, 4, 5), jakarta);
	assert_int_equal(parse(&ev, S("2026-11-20 23:04:05,123 ftp1 proftpd[1] x"), jakarta, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2026, 11, 20, 16, 4, 5) + 123);
	/* not proftpd's shape: refused, not guessed */
	assert_int_equal(parse(&ev, S("2026-11-20 23:04:05,123 ftp1 proftpd: x"), jakarta, NOW), -1);
	assert_int_equal(parse(&ev, S("2026-11-20 23:04:05,12x ftp1 proftpd[1] x"), jakarta, NOW), -1);
	assert_int_equal(parse(&ev, S("2026-13-20 23:04:05,123 ftp1 proftpd[1] x"), jakarta, NOW), -1);
}

/* xferlog (wu-ftpd, vsftpd, proftpd): the date split off, the rest is the message. */
static void
test_xferlog(void **state)
{
	static const struct want w[] = {
		{ "Fri Nov 20 23:04:05 2026 1 1.2.3.4 1234 /var/www/html/up/x.php b _ i r budi ftp 0 * c",
		  NULL, "xferlog", -1, "1 1.2.3.4 1234 /var/www/html/up/x.php b _ i r budi ftp 0 * c" },
		{ "Fri Nov 20 23:04:05 2026 12 ftp.example.org 88211 /home/budi/My Documents/a b.txt a _ o r budi ftp 0 * i",
		  NULL, "xferlog", -1, "12 ftp.example.org 88211 /home/budi/My Documents/a b.txt a _ o r budi ftp 0 * i" },
		{ "Fri Nov 20 23:04:05 2026 0 ::ffff:1.2.3.4 0 /pub/x a _ o a guest@ ftp 0 * c",
		  NULL, "xferlog", -1, "0 ::ffff:1.2.3.4 0 /pub/x a _ o a guest@ ftp 0 * c" },
	};
	struct ronda_event ev;
	(void)state;

	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 16, 4, 5), jakarta);
	assert_int_equal(parse(&ev, S("Tue Jan  3 00:00:01 2017 1 1.2.3.4 1 /x b _ i r u ftp 0 * c"),
	    NULL, NOW), 0);
	assert_int_equal(ev.ts_ms, ms(2017, 1, 3, 0, 0, 1));
}

/* rsyslog's RSYSLOG_FileFormat and RFC 5424 stay as they were. */
static void
test_high_precision_and_5424(void **state)
{
	static const struct want w[] = {
		{ "2026-11-20T23:04:05.123456+07:00 web01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2",
		  "web01", "sshd", 1234, "Failed password for root from 1.2.3.4 port 22 ssh2" },
		{ "2026-11-20T11:04:05.123456-05:00 web01 sshd[1234]: x", "web01", "sshd", 1234, "x" },
		{ "2026-11-20T16:04:05.123+00:00 web01 sshd[1234]: x", "web01", "sshd", 1234, "x" },
		{ "2026-11-20T23:04:05.123456+07:00 sshd[1234]: x", NULL, "sshd", 1234, "x" },
		{ "<13>1 2026-11-20T16:04:05.123Z web01 sshd 1234 ID47 - \xef\xbb\xbf" "Failed password for root",
		  "web01", "sshd", 1234, "Failed password for root" },
		{ "<13>1 2026-11-20T16:04:05.123Z - - - - - x", NULL, NULL, -1, "x" },
		{ "<86>1 2026-11-20T23:04:05.123456+07:00 web01 sshd-session 40213 - [timeQuality tzKnown=\"1\"][origin ip=\"10.0.0.5\"] Accepted publickey for deploy",
		  "web01", "sshd-session", 40213, "Accepted publickey for deploy" },
	};
	(void)state;

	check_lines(w, sizeof(w) / sizeof(w[0]), ms(2026, 11, 20, 16, 4, 5) + 123, NULL);
}

/* The new shapes refuse what only starts like them. */
static void
test_hostile_new_shapes(void **state)
{
	static const char *bad[] = {
		"type=", "type=USER_AUTH", "type=USER_AUTH msg=audit(", "type=USER_AUTH msg=audit(1.393:1)",
		"type=USER_AUTH msg=audit(1.39:1): x", "type=USER_AUTH msg=audit(.393:1): x",
		"type=USER_AUTH msg=audit(1.393:): x", "type=USER_AUTH msg=audit(1.393:1)x",
		"type= msg=audit(1.393:1): x", "typo=USER_AUTH msg=audit(1.393:1): x",
		"node=", "node= type=USER_AUTH msg=audit(1.393:1): x", "node=x", "nov 20 23:04:05 h p: m",
		"type=USER_AUTH  msg=audit(1.393:1): x",
		"type=USER_AUTH msg=audit(1234567890123.393:1): x",
		"Mon", "Mon Nov", "Mon Nov 20 03:11:42", "Mon Nov 20 03:11:42 2026",
		"Mon Nov 20 03:11:42 2026 ", "Mon Nov 20 03:11:42 26 [pid 1] x",
		"Mon Nov 20 03:11:42 1969 [pid 1] x", "Mon Nov 32 03:11:42 2026 [pid 1] x",
		"Mon Nov 20 03:11:42 2026 [pid ] x", "Mon Nov 20 03:11:42 2026 [pid x] x",
		"Mon Nov 20 03:11:42 2026 [pid 12345678901] x", "Mon Nov 20 03:11:42 2026 [pid 1",
		"Mon Nov 20 03:11:42 2026 x 1.2.3.4", "Mon Nov 20 03:11:42 2026 1",
		"Mon Foo 20 03:11:42 2026 [pid 1] x", "Mun Nov 20 03:11:42 2026 [pid 1] x",
		"Mon  Nov 20 03:11:42 2026 [pid 1] x",
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

/*
 * Every prefix of a line of every shape, each in a heap buffer of its exact
 * size, so that ASan sees a read past the end.
 */
static void
test_never_reads_past_len(void **state)
{
	static const char *full[] = {
		"<38>Nov 20 23:04:05.123 web01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2",
		"2026-11-20T23:04:05.123456+08:00 web01 postfix/smtpd[77]: connect",
		"<38>1 2026-11-20T23:04:05Z web01 sshd 1234 ID47 [a b=\"c\\\"]\"][d] msg",
		"Jul 11 10:30:00 sol10 sshd[1234]: [ID 800047 auth.info] Failed password for root",
		"Jul 11 10:30:00 sol10 sshd[1234]: [ID 800047 auth.info]",
		"Mar 10 12:00:00 mbp sshd[123] <Error>: error: PAM: authentication error",
		"Mar 10 12:00:00 mbp sshd <Emergency>:",
		"Mar 10 12:00:00 sshd[123]: Failed password for root",
		"Mar 10 12:00:00 2001:db8::1 sshd[123]: x",
		"Mar 10 12:00:00 fbsd last message repeated 3 times",
		"node=web01 " AUDIT_USER_AUTH,
		"type=LOGIN msg=audit(1700000000.001:7): pid=9",
		"Jun 10 15:00:04 web01 audispd: node=web01 " AUDIT_USER_AUTH,
		"Jun 10 15:00:04 web01 audit[20874]: USER_AUTH pid=20874 uid=0 res=failed'",
		"Tue Jan  3 03:11:42 2026 [pid 1234] [budi] FAIL LOGIN: Client \"1.2.3.4\"",
		"2026-11-20 03:11:42,123 ftp1 proftpd[498] ftp1 (1.2.3.4[1.2.3.4]): USER x (Login failed): Incorrect password",
		"Mon Nov 20 03:11:42 2026 [pid 1234]",
		"Mon Nov 20 03:11:42 2026 1 1.2.3.4 1234 /var/www/html/up/x.php b _ i r budi ftp 0 * c",
		"Nov 20 23:04:05 ftp1 vsftpd: Fri Nov 20 23:04:05 2026 [pid 1234] [budi] FAIL LOGIN",
		"Nov 20 23:04:05 ftp1 vsftpd: Fri Nov 20 23:04:05 2026 [pid 1234]",
		"2026-11-20T23:04:05.123456+07:00 sshd[1234]: x",
		"<13>1 2026-11-20T16:04:05.123Z web01 sshd 1234 ID47 - \xef\xbb\xbf" "Failed",
	};
	struct ronda_event ev;
	(void)state;

	for (size_t f = 0; f < sizeof(full) / sizeof(full[0]); f++) {
		size_t len = strlen(full[f]);
		for (size_t n = 0; n <= len; n++) {
			char *p = malloc(n ? n : 1);
			int rc;
			assert_non_null(p);
			memcpy(p, full[f], n);
			rc = parse(&ev, p, n, jakarta, NOW);
			assert_true(rc == 0 || rc == -1);
			assert_true((rc == -1) == ((ev.flags & RONDA_EVENT_PARSE_ERROR) != 0));
			assert_true(ev.log_host.n == 0 ||
			    (ev.log_host.p >= p && ev.log_host.p + ev.log_host.n <= p + n));
			assert_true(ev.message.n == 0 ||
			    (ev.message.p >= p && ev.message.p + ev.message.n <= p + n));
			/* the program is in the line, or one of the names of a shape */
			assert_true(ev.program.n == 0 ||
			    (ev.program.p >= p && ev.program.p + ev.program.n <= p + n) ||
			    (ev.program.n == 6 && memcmp(ev.program.p, "vsftpd", 6) == 0) ||
			    (ev.program.n == 7 && memcmp(ev.program.p, "xferlog", 7) == 0));
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
		cmocka_unit_test(test_rhel_secure),
		cmocka_unit_test(test_solaris_msgid),
		cmocka_unit_test(test_macos_bsd),
		cmocka_unit_test(test_no_host),
		cmocka_unit_test(test_audit_raw),
		cmocka_unit_test(test_audit_forwarded),
		cmocka_unit_test(test_vsftpd_log),
		cmocka_unit_test(test_proftpd_log),
		cmocka_unit_test(test_xferlog),
		cmocka_unit_test(test_high_precision_and_5424),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_hostile_new_shapes),
		cmocka_unit_test(test_rfc5424_sd_escape_at_end),
		cmocka_unit_test(test_never_reads_past_len),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_throughput),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
