/*
 * test_auth.c — the auth-message classifier on the wording of OpenSSH 6
 * through 9, PAM, sudo, su, vsftpd, proftpd, pure-ftpd and dropbear; its
 * resistance to user names crafted to look like the daemon's own text; and,
 * when the loghub corpus is present (../shared/corpus), a measurement over
 * its 2,000 real sshd lines and 2,000 Linux syslog lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "ronda/auth.h"
#include "ronda/event.h"
#include "ronda/parse.h"
#include "ronda/rules.h"

static struct ronda_event ev;
static char *msgcopy;

/* The shipped rules and their decoders (rules/, rules/auth/), loaded once. */
static struct ronda_ruleset *shipped;
static struct ronda_decoders *dec;

static int
load_shipped(void **state)
{
	struct ronda_cfg_errors errs = { 0 };
	const char *src = getenv("RONDA_SRC");
	char dir[1024];
	char *v[1] = { dir };
	struct ronda_strlist paths = { v, 1 };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/rules", src ? src : ".");
	shipped = ronda_rules_load(&paths, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	ronda_cfg_errors_free(&errs);
	dec = ronda_rules_decoders(shipped);
	return shipped == NULL ? -1 : 0;
}

static int
free_shipped(void **state)
{
	(void)state;
	ronda_rules_free(shipped);
	return 0;
}

/*
 * Classify prog/msg the way the collector would after ronda_parse_syslog:
 * the message is an exact-size heap copy (no NUL after it) so ASan catches
 * any read past its end.
 */
static int
classify(const char *prog, const char *msg)
{
	size_t n = strlen(msg);

	free(msgcopy);
	msgcopy = malloc(n ? n : 1);
	assert_non_null(msgcopy);
	memcpy(msgcopy, msg, n);
	ronda_event_reset(&ev);
	ev.type = RONDA_EVENT_AUTH;
	ev.program = (struct ronda_str){ prog, strlen(prog) };
	ev.message = (struct ronda_str){ msgcopy, n };
	return ronda_auth_classify(dec, &ev);
}

/* The message under test, named in every failure. */
static const char *cur = "";

static void
assert_str(struct ronda_str s, const char *want)
{
	if (want == NULL) {
		if (s.n != 0)
			fail_msg("%s: expected nothing, got \"%.*s\"", cur, (int)s.n, s.p);
		return;
	}
	if (s.n != strlen(want) || memcmp(s.p, want, s.n) != 0)
		fail_msg("%s: expected \"%s\", got \"%.*s\"", cur, want, (int)s.n, s.p);
}

static void
assert_cstr(const char *got, const char *want)
{
	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s: expected NULL, got \"%s\"", cur, got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\"", cur, want, got ? got : "(null)");
}

/* One message, every field the classifier sets. */
static void
expect(const char *prog, const char *msg, const char *action, const char *outcome,
    const char *user, const char *ip, int port, const char *method)
{
	cur = msg;
	if (classify(prog, msg) != 1)
		fail_msg("%s: %s: not classified", prog, msg);
	assert_cstr(ev.action, action);
	assert_cstr(ev.outcome, outcome);
	assert_str(ev.user_name, user);
	assert_str(ev.source_ip, ip);
	if (ev.source_port != port)
		fail_msg("%s: port %d, expected %d", msg, ev.source_port, port);
	if (method != NULL)
		assert_cstr(ev.auth_method, method);
}

static void
expect_none(const char *prog, const char *msg)
{
	if (classify(prog, msg) != 0)
		fail_msg("\"%s\" classified as %s", msg, ev.action);
	assert_null(ev.action);
	assert_int_equal(ev.user_name.n, 0);
}

static void
test_ssh_failed(void **state)
{
	(void)state;
	expect("sshd", "Failed password for root from 203.0.113.5 port 51234 ssh2",
	    "ssh_login_failed", "failure", "root", "203.0.113.5", 51234, "password");
	expect("sshd", "Failed password for invalid user admin from 198.51.100.7 port 40022 ssh2",
	    "ssh_login_failed", "failure", "admin", "198.51.100.7", 40022, "password");
	/* A refused key is a step of a good login (the agent offers them all). */
	expect("sshd", "Failed publickey for root from 203.0.113.5 port 51234 ssh2: RSA SHA256:Xy3zQ1vR0nC9aT2uE8bJ5kL7mP4sW6dF0gH1iK2oN3q",
	    "ssh_login_failed", "unknown", "root", "203.0.113.5", 51234, "publickey");
	expect("sshd", "Failed keyboard-interactive/pam for invalid user test from 2001:db8::7 port 60022 ssh2",
	    "ssh_login_failed", "failure", "test", "2001:db8::7", 60022,
	    "keyboard-interactive");
	expect("sshd", "Failed none for invalid user oracle from 192.0.2.44 port 33112 ssh2",
	    "ssh_login_failed", "failure", "oracle", "192.0.2.44", 33112, "none");
	/* OpenSSH logs an empty user name as two spaces. */
	expect("sshd", "Failed none for invalid user  from 192.0.2.44 port 33112 ssh2",
	    "ssh_login_failed", "failure", NULL, "192.0.2.44", 33112, "none");
	/* OpenSSH 9.8+ logs from sshd-session. */
	expect("sshd-session", "Failed password for ubuntu from 203.0.113.9 port 2222 ssh2",
	    "ssh_login_failed", "failure", "ubuntu", "203.0.113.9", 2222, "password");
	/* rsyslog's repeat compression. */
	expect("sshd", "message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]",
	    "ssh_login_failed", "failure", "root", "5.36.59.76", 42393, "password");
	/* IPv4-mapped IPv6 is reported as IPv4. */
	expect("sshd", "Failed password for root from ::ffff:203.0.113.5 port 22 ssh2",
	    "ssh_login_failed", "failure", "root", "203.0.113.5", 22, "password");
}

static void
test_ssh_user_name_cannot_fake_the_source(void **state)
{
	(void)state;
	expect("sshd", "Failed password for invalid user x from 6.6.6.6 port 1 from 1.2.3.4 port 22 ssh2",
	    "ssh_login_failed", "failure", "x from 6.6.6.6 port 1", "1.2.3.4", 22, "password");
	expect("sshd", "Failed password for invalid user a from 6.6.6.6 port 1 ssh2 from 1.2.3.4 port 22 ssh2",
	    "ssh_login_failed", "failure", "a from 6.6.6.6 port 1 ssh2", "1.2.3.4", 22, "password");
	expect("sshd", "Invalid user y from 6.6.6.6 port 7 from 1.2.3.4 port 22",
	    "ssh_invalid_user", "failure", "y from 6.6.6.6 port 7", "1.2.3.4", 22, NULL);
	expect("sshd", "Connection closed by invalid user z 6.6.6.6 port 9 1.2.3.4 port 22 [preauth]",
	    "ssh_preauth_disconnect", "failure", "z 6.6.6.6 port 9", "1.2.3.4", 22, NULL);
	expect("sshd", "Disconnecting invalid user q 6.6.6.6 port 1: Too many authentication failures 1.2.3.4 port 22: Too many authentication failures [preauth]",
	    "ssh_max_auth_tries", "failure",
	    "q 6.6.6.6 port 1: Too many authentication failures", "1.2.3.4", 22, NULL);
	/*
	 * A name that is not an address is never taken for one: a host name
	 * (sshd with UseDNS) is source.domain, and what is neither is dropped
	 * while the failure still counts.
	 */
	expect("sshd", "Failed password for root from evil.example port 22 ssh2",
	    "ssh_login_failed", "failure", "root", NULL, 22, "password");
	assert_str(ev.source_domain, "evil.example");
	expect("sshd", "Failed password for root from 999.1.1.1 port 22 ssh2",
	    "ssh_login_failed", "failure", "root", NULL, 22, "password");
	assert_str(ev.source_domain, NULL);
}

static void
test_ssh_invalid_user(void **state)
{
	(void)state;
	expect("sshd", "Invalid user oracle from 198.51.100.7 port 40022",
	    "ssh_invalid_user", "failure", "oracle", "198.51.100.7", 40022, NULL);
	expect("sshd", "Invalid user oracle from 198.51.100.7",
	    "ssh_invalid_user", "failure", "oracle", "198.51.100.7", 0, NULL);
	expect("sshd", "input_userauth_request: invalid user test [preauth]",
	    "ssh_invalid_user", "failure", "test", NULL, 0, NULL);
	expect("sshd", "User root from 203.0.113.5 not allowed because not listed in AllowUsers",
	    "ssh_user_denied", "failure", "root", "203.0.113.5", 0, NULL);
	expect("sshd", "ROOT LOGIN REFUSED FROM 203.0.113.5 port 4242",
	    "ssh_user_denied", "failure", "root", "203.0.113.5", 4242, NULL);
}

static void
test_ssh_accepted(void **state)
{
	(void)state;
	expect("sshd", "Accepted password for budi from 10.1.2.3 port 50000 ssh2",
	    "ssh_login_succeeded", "success", "budi", "10.1.2.3", 50000, "password");
	expect("sshd", "Accepted publickey for deploy from 10.20.30.40 port 41000 ssh2: RSA SHA256:4fYbkqz8W0nJm4oG8l7aV1QK8Zp0x3yq9s2Pj1Yh0cE",
	    "ssh_login_succeeded", "success", "deploy", "10.20.30.40", 41000, "publickey");
	expect("sshd", "Accepted publickey for ci from 10.20.30.41 port 41001 ssh2: ED25519-CERT SHA256:abc ID ci@runner (serial 7) CA ED25519 SHA256:def",
	    "ssh_login_succeeded", "success", "ci", "10.20.30.41", 41001, "publickey");
	expect("sshd", "Accepted keyboard-interactive/pam for siti from 10.1.2.9 port 50122 ssh2",
	    "ssh_login_succeeded", "success", "siti", "10.1.2.9", 50122,
	    "keyboard-interactive");
	/* Not classified: Postponed/Partial steps. */
	expect_none("sshd", "Postponed publickey for budi from 10.1.2.3 port 50000 ssh2 [preauth]");
}

static void
test_ssh_disconnects(void **state)
{
	(void)state;
	expect("sshd", "Connection closed by authenticating user root 1.2.3.4 port 5 [preauth]",
	    "ssh_preauth_disconnect", "failure", "root", "1.2.3.4", 5, NULL);
	expect("sshd", "Connection closed by invalid user admin 1.2.3.4 port 5 [preauth]",
	    "ssh_preauth_disconnect", "failure", "admin", "1.2.3.4", 5, NULL);
	expect("sshd", "Disconnected from invalid user admin 1.2.3.4 port 5 [preauth]",
	    "ssh_preauth_disconnect", "failure", "admin", "1.2.3.4", 5, NULL);
	expect("sshd", "Disconnected from authenticating user root 203.0.113.5 port 50412 [preauth]",
	    "ssh_preauth_disconnect", "failure", "root", "203.0.113.5", 50412, NULL);
	expect("sshd", "Connection reset by authenticating user root 203.0.113.5 port 50412 [preauth]",
	    "ssh_preauth_disconnect", "failure", "root", "203.0.113.5", 50412, NULL);
	expect("sshd", "Received disconnect from 1.2.3.4 port 5:11: Bye Bye [preauth]",
	    "ssh_preauth_disconnect", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("sshd", "Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]",
	    "ssh_preauth_disconnect", "unknown", NULL, "52.80.34.196", 0, NULL);
	expect("sshd", "error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available. [preauth]",
	    "ssh_preauth_disconnect", "failure", NULL, "103.99.0.122", 0, NULL);
	expect("sshd", "Received disconnect from 2001:db8::5 port 41234:11: Bye Bye [preauth]",
	    "ssh_preauth_disconnect", "unknown", NULL, "2001:db8::5", 41234, NULL);
	expect("sshd", "Connection closed by 1.2.3.4 port 5 [preauth]",
	    "ssh_preauth_disconnect", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("sshd", "Connection closed by 1.2.3.4 [preauth]",
	    "ssh_preauth_disconnect", "unknown", NULL, "1.2.3.4", 0, NULL);
	/* A trailing space after [preauth] happens in real logs. */
	expect("sshd", "Connection closed by 1.2.3.4 port 5 [preauth] ",
	    "ssh_preauth_disconnect", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("sshd", "Timeout before authentication for 198.51.100.7 port 40022",
	    "ssh_preauth_disconnect", "unknown", NULL, "198.51.100.7", 40022, NULL);
	/* A normal logout is not a failure. */
	expect("sshd", "Disconnected from user budi 1.2.3.4 port 5",
	    "ssh_logout", "success", "budi", "1.2.3.4", 5, NULL);
	/* Post-authentication disconnects are not preauth events. */
	expect_none("sshd", "Received disconnect from 10.1.2.3 port 50000:11: disconnected by user");
	expect_none("sshd", "Received disconnect from 119.137.62.142: 11: disconnected by user");
}

static void
test_ssh_max_auth_tries(void **state)
{
	(void)state;
	expect("sshd", "error: maximum authentication attempts exceeded for root from 1.2.3.4 port 5 ssh2 [preauth]",
	    "ssh_max_auth_tries", "failure", "root", "1.2.3.4", 5, NULL);
	expect("sshd", "error: maximum authentication attempts exceeded for invalid user admin from 1.2.3.4 port 5 ssh2 [preauth]",
	    "ssh_max_auth_tries", "failure", "admin", "1.2.3.4", 5, NULL);
	expect("sshd", "Disconnecting authenticating user root 1.2.3.4 port 5: Too many authentication failures [preauth]",
	    "ssh_max_auth_tries", "failure", "root", "1.2.3.4", 5, NULL);
	expect("sshd", "Disconnecting: Too many authentication failures for root [preauth]",
	    "ssh_max_auth_tries", "failure", "root", NULL, 0, NULL);
	expect("sshd", "Disconnecting: Too many authentication failures [preauth]",
	    "ssh_max_auth_tries", "failure", NULL, NULL, 0, NULL);
	expect("sshd", "Disconnecting invalid user admin 1.2.3.4 port 5: Change of username or service not allowed: (admin,ssh-connection) -> (root,ssh-connection) [preauth]",
	    "ssh_preauth_disconnect", "failure", "admin", "1.2.3.4", 5, NULL);
}

/* Connection-level noise: no account was tried, so not a failed login (unknown). */
static void
test_ssh_scanners(void **state)
{
	(void)state;
	expect("sshd", "Unable to negotiate with 1.2.3.4 port 5: no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group1-sha1 [preauth]",
	    "ssh_scan_kex_error", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("sshd", "kex_exchange_identification: Connection closed by remote host",
	    "ssh_scan_kex_error", "unknown", NULL, NULL, 0, NULL);
	expect("sshd", "error: kex_exchange_identification: banner line too long",
	    "ssh_scan_kex_error", "unknown", NULL, NULL, 0, NULL);
	expect("sshd", "ssh_exchange_identification: read: Connection reset by peer",
	    "ssh_scan_kex_error", "unknown", NULL, NULL, 0, NULL);
	expect("sshd", "ssh_dispatch_run_fatal: Connection from 192.0.2.77 port 48680: message authentication code incorrect [preauth]",
	    "ssh_scan_kex_error", "unknown", NULL, "192.0.2.77", 48680, NULL);
	expect("sshd", "Bad protocol version identification 'GET / HTTP/1.1' from 1.2.3.4 port 5",
	    "ssh_scan_banner", "unknown", NULL, "1.2.3.4", 5, NULL);
	/* The banner is the client's: it cannot move the source. */
	expect("sshd", "Bad protocol version identification 'x from 6.6.6.6 port 1' from 1.2.3.4 port 5",
	    "ssh_scan_banner", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("sshd", "Did not receive identification string from 1.2.3.4 port 5",
	    "ssh_scan_banner", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("sshd", "Did not receive identification string from 1.2.3.4",
	    "ssh_scan_banner", "unknown", NULL, "1.2.3.4", 0, NULL);
	expect("sshd", "banner exchange: Connection from 1.2.3.4 port 5: invalid format",
	    "ssh_scan_banner", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("sshd", "refused connect from scan.example.net (192.0.2.10)",
	    "ssh_connect_refused", "unknown", NULL, "192.0.2.10", 0, NULL);
}

static void
test_ssh_break_in(void **state)
{
	(void)state;
	expect("sshd", "reverse mapping checking getaddrinfo for ns.example.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!",
	    "ssh_break_in_attempt", "unknown", NULL, "173.234.31.186", 0, NULL);
	expect("sshd", "Address 203.0.113.8 maps to host.example.org, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
	    "ssh_break_in_attempt", "unknown", NULL, "203.0.113.8", 0, NULL);
	expect("sshd", "POSSIBLE BREAK-IN ATTEMPT!",
	    "ssh_break_in_attempt", "unknown", NULL, NULL, 0, NULL);
}

static void
test_pam(void **state)
{
	(void)state;
	expect("sshd", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
	    "pam_repeated_failures", "failure", "root", "1.2.3.4", 0, NULL);
	expect("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root",
	    "pam_auth_failed", "failure", "root", "1.2.3.4", 0, NULL);
	expect("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186 ",
	    "pam_auth_failed", "failure", NULL, "173.234.31.186", 0, NULL);
	/* rhost is a host name: no source.ip. */
	expect("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=ec2-52-80-34-196.cn-north-1.compute.amazonaws.com.cn",
	    "pam_auth_failed", "failure", NULL, NULL, 0, NULL);
	expect("su", "pam_unix(su:auth): authentication failure; logname=budi uid=1000 euid=0 tty=/dev/pts/0 ruser=budi rhost=  user=root",
	    "pam_auth_failed", "failure", "root", NULL, 0, NULL);
	expect("sudo", "pam_unix(sudo:auth): authentication failure; logname=budi uid=1000 euid=0 tty=/dev/pts/1 ruser=budi rhost=  user=budi",
	    "pam_auth_failed", "failure", "budi", NULL, 0, NULL);
	/* Old Red Hat style: the PAM module was in the tag, "sshd(pam_unix)". */
	expect("sshd", "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4  user=root",
	    "pam_auth_failed", "failure", "root", "218.188.2.4", 0, NULL);
	expect("", "sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
	    "pam_auth_failed", "failure", NULL, "218.188.2.4", 0, NULL);
	/* A user= value cannot move rhost. */
	expect("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=x rhost=6.6.6.6",
	    "pam_auth_failed", "failure", "x rhost=6.6.6.6", "1.2.3.4", 0, NULL);
	expect_none("sshd", "pam_unix(sshd:session): session opened for user budi by (uid=0)");
	expect_none("sshd", "pam_unix(sshd:auth): check pass; user unknown");
}

static void
test_sudo(void **state)
{
	(void)state;
	expect("sudo", "    budi : TTY=pts/0 ; PWD=/home/budi ; USER=root ; COMMAND=/bin/bash",
	    "sudo_command", "success", "budi", NULL, 0, NULL);
	expect("sudo", "budi : TTY=pts/0 ; PWD=/home/budi ; USER=root ; COMMAND=/usr/bin/apt update",
	    "sudo_command", "success", "budi", NULL, 0, NULL);
	expect("sudo", "budi : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/budi ; USER=root ; COMMAND=/bin/bash",
	    "sudo_auth_failed", "failure", "budi", NULL, 0, "password");
	expect("sudo", "budi : 1 incorrect password attempt ; TTY=pts/0 ; PWD=/home/budi ; USER=root ; COMMAND=/bin/ls",
	    "sudo_auth_failed", "failure", "budi", NULL, 0, "password");
	expect("sudo", "www-data : user NOT in sudoers ; TTY=pts/1 ; PWD=/var/www ; USER=root ; COMMAND=/bin/sh",
	    "sudo_not_in_sudoers", "failure", "www-data", NULL, 0, NULL);
	expect("sudo", "budi : command not allowed ; TTY=pts/0 ; PWD=/home/budi ; USER=root ; COMMAND=/bin/sh",
	    "sudo_command_denied", "failure", "budi", NULL, 0, NULL);
	expect_none("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by budi(uid=1000)");
}

static void
test_su(void **state)
{
	(void)state;
	expect("su", "FAILED su for root by budi", "su_failed", "failure", "root", NULL, 0, NULL);
	expect("su", "FAILED SU (to root) budi on pts/0", "su_failed", "failure", "root", NULL, 0, NULL);
	expect("su", "Successful su for root by budi", "su_succeeded", "success", "root", NULL, 0, NULL);
	expect("su", "+ pts/0 budi:root", "su_succeeded", "success", "root", NULL, 0, NULL);
	expect("su", "- pts/0 budi:root", "su_failed", "failure", "root", NULL, 0, NULL);
	expect("su", "(to root) budi on pts/0", "su_succeeded", "success", "root", NULL, 0, NULL);
	/* The target is typed by the caller: it cannot change the structure. */
	expect("su", "FAILED su for x by y by budi", "su_failed", "failure", "x by y", NULL, 0, NULL);
	expect_none("su", "pam_unix(su:session): session opened for user root by budi(uid=1000)");
}

static void
test_ftp(void **state)
{
	(void)state;
	expect("vsftpd", "[budi] FAIL LOGIN: Client \"1.2.3.4\"",
	    "ftp_login_failed", "failure", "budi", "1.2.3.4", 0, "password");
	expect("vsftpd", "[pid 27244] [user] FAIL LOGIN: Client \"::ffff:93.24.101.89\"",
	    "ftp_login_failed", "failure", "user", "93.24.101.89", 0, NULL);
	expect("vsftpd", "[budi] OK LOGIN: Client \"10.0.0.5\"",
	    "ftp_login_succeeded", "success", "budi", "10.0.0.5", 0, NULL);
	expect("vsftpd", "[x] FAIL LOGIN: Client \"6.6.6.6\"] FAIL LOGIN: Client \"1.2.3.4\"",
	    "ftp_login_failed", "failure", "x] FAIL LOGIN: Client \"6.6.6.6\"", "1.2.3.4", 0, NULL);
	expect_none("vsftpd", "CONNECT: Client \"1.2.3.4\"");
	expect("proftpd", "ftp.example.go.id (1.2.3.4[1.2.3.4]) - USER admin (Login failed): Incorrect password",
	    "ftp_login_failed", "failure", "admin", "1.2.3.4", 0, NULL);
	expect("proftpd", "ftp.example.go.id (1.2.3.4[1.2.3.4]) - USER budi: Login successful.",
	    "ftp_login_succeeded", "success", "budi", "1.2.3.4", 0, NULL);
	expect("proftpd", "172.31.39.97 (1.1.1.1[1.1.1.1]) - USER sdf: no such user found from 1.1.1.1 [1.1.1.1] to 172.31.39.97:21",
	    "ftp_invalid_user", "failure", "sdf", "1.1.1.1", 0, NULL);
	expect("proftpd", "localhost (2a02:8070:e186:16e1::b173[2a02:8070:e186:16e1::b173]): USER ccvv (Login failed): No such user found",
	    "ftp_login_failed", "failure", "ccvv", "2a02:8070:e186:16e1::b173", 0, NULL);
	expect("proftpd", "ftp.example.go.id (1.2.3.4[1.2.3.4]) - Maximum login attempts (3) exceeded, connection refused",
	    "ftp_max_auth_tries", "failure", NULL, "1.2.3.4", 0, NULL);
	expect("pure-ftpd", "(?@1.2.3.4) [WARNING] Authentication failed for user [admin]",
	    "ftp_login_failed", "failure", "admin", "1.2.3.4", 0, NULL);
	expect("pure-ftpd", "(?@172.21.10.2) [INFO] budi is now logged in",
	    "ftp_login_succeeded", "success", "budi", "172.21.10.2", 0, NULL);
	expect_none("pure-ftpd", "(?@1.2.3.4) [INFO] New connection from 1.2.3.4");
}

static void
test_dropbear(void **state)
{
	(void)state;
	expect("dropbear", "Bad password attempt for 'root' from 1.2.3.4:5",
	    "ssh_login_failed", "failure", "root", "1.2.3.4", 5, "password");
	expect("dropbear", "Login attempt for nonexistent user 'admin' from 1.2.3.4:5",
	    "ssh_invalid_user", "failure", "admin", "1.2.3.4", 5, NULL);
	expect("dropbear", "Login attempt for nonexistent user from 1.2.3.4:5",
	    "ssh_invalid_user", "failure", NULL, "1.2.3.4", 5, NULL);
	expect("dropbear", "Password auth succeeded for 'budi' from 1.2.3.4:5",
	    "ssh_login_succeeded", "success", "budi", "1.2.3.4", 5, "password");
	expect("dropbear", "Pubkey auth succeeded for 'budi' with key sha1!! 3a:1f:00 from 10.0.0.8:41000",
	    "ssh_login_succeeded", "success", "budi", "10.0.0.8", 41000, "publickey");
	expect("dropbear", "Exit before auth from <1.2.3.4:5>: Exited normally",
	    "ssh_preauth_disconnect", "unknown", NULL, "1.2.3.4", 5, NULL);
	expect("dropbear", "Exit before auth from <1.2.3.4:5>: (user 'root', 10 fails): Max auth tries reached - user 'root'",
	    "ssh_max_auth_tries", "failure", "root", "1.2.3.4", 5, NULL);
	expect("dropbear", "Bad password attempt for 'x' from 6.6.6.6:1' from 1.2.3.4:5",
	    "ssh_login_failed", "failure", "x' from 6.6.6.6:1", "1.2.3.4", 5, NULL);
}

static void
test_not_auth(void **state)
{
	(void)state;
	expect_none("sshd", "Server listening on 0.0.0.0 port 22.");
	expect_none("sshd", "Received signal 15; terminating.");
	expect_none("CRON", "pam_unix(cron:session): session opened for user root by (uid=0)");
	expect_none("kernel", "Failed password for root from 1.2.3.4 port 22 ssh2");
	expect_none("sshd", "");
	expect_none("sshd", "Failed");
	expect_none("sshd", "Failed password for root from 1.2.3.4 port");
	expect_none("sudo", " : ");
	expect_none("su", "+ ");
	expect_none("proftpd", "])");
	expect_none("pure-ftpd", "(");
	expect_none("dropbear", "Exit before");
}

/* Whole syslog lines through ronda_parse_syslog, as the collector does. */
static void
test_through_syslog_parser(void **state)
{
	static const struct {
		const char *line, *action, *user, *ip;
	} tab[] = {
		{ "Nov 20 23:04:05 web01 sshd[4121]: Failed password for invalid user admin from 203.0.113.5 port 51234 ssh2",
		  "ssh_login_failed", "admin", "203.0.113.5" },
		{ "2026-11-20T23:04:05.123456+08:00 web01 sshd-session[991]: Connection closed by authenticating user root 198.51.100.7 port 40022 [preauth]",
		  "ssh_preauth_disconnect", "root", "198.51.100.7" },
		{ "Nov 20 23:04:06 web01 sudo:     budi : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/budi ; USER=root ; COMMAND=/bin/bash",
		  "sudo_auth_failed", "budi", NULL },
		{ "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
		  "pam_auth_failed", NULL, "218.188.2.4" },
		{ "Jan  7 14:19:31 ftpcdr pure-ftpd: (?@172.21.10.2) [WARNING] Authentication failed for user [root]",
		  "ftp_login_failed", "root", "172.21.10.2" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		size_t n = strlen(tab[i].line);
		char *l = malloc(n);

		assert_non_null(l);
		memcpy(l, tab[i].line, n);
		cur = tab[i].line;
		ronda_event_reset(&ev);
		assert_int_equal(ronda_parse_syslog(&ev, l, n, NULL, 1795000000000LL), 0);
		assert_int_equal(ronda_auth_classify(dec, &ev), 1);
		assert_cstr(ev.action, tab[i].action);
		assert_str(ev.user_name, tab[i].user);
		assert_str(ev.source_ip, tab[i].ip);
		free(l);
	}
}

/*
 * Messages packed with fake tails (the parse-from-the-right loops) finish in
 * linear time: 256 KiB of each pattern, every program.
 */
static void
test_linear_time(void **state)
{
	static const char *pat[] = {
		" port 1 ssh2: RSA SHA256:x", " port 1 ssh2", " from 1.2.3.4 port 1 ssh2",
		" port 1: ", "a port 1: ", " from ", "' from ", ":", "] FAIL LOGIN: Client \"",
		" (Login failed)", "])", " by ", ") ", " user=", " rhost=",
	};
	static const char *pre[] = {
		"Failed password for ", "Disconnecting invalid user ", "Invalid user ",
		"maximum authentication attempts exceeded for ", "[", "(", "",
		"Bad password attempt for '", "FAILED su for ", "(to ",
		"pam_unix(sshd:auth): authentication failure; ",
	};
	static const char *progs[] = { "sshd", "vsftpd", "proftpd", "pure-ftpd", "dropbear", "su" };
	const size_t n = 256 * 1024;
	char *m = malloc(n + 1);
	struct timespec a, b;

	(void)state;
	assert_non_null(m);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < sizeof(pat) / sizeof(pat[0]); i++) {
		for (size_t j = 0; j < sizeof(pre) / sizeof(pre[0]); j++) {
			size_t pl = strlen(pre[j]), tl = strlen(pat[i]), o = pl;

			memcpy(m, pre[j], pl);
			while (o + tl <= n) {
				memcpy(m + o, pat[i], tl);
				o += tl;
			}
			m[o] = '\0';
			for (size_t k = 0; k < sizeof(progs) / sizeof(progs[0]); k++)
				classify(progs[k], m);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* ~1000 classifications of 256 KiB: quadratic would take hours. */
	assert_true((double)(b.tv_sec - a.tv_sec) < 60.0);
	free(m);
}

/* Speed of the classifier on a typical sshd failure line. */
static void
test_throughput(void **state)
{
	static const char msg[] = "Failed password for invalid user admin from 203.0.113.5 port 51234 ssh2";
	const int iters = 1000000;
	struct timespec a, b;
	double secs;

	(void)state;
	classify("sshd", msg);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < iters; i++) {
		ev.action = NULL;
		ronda_auth_classify(dec, &ev);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_cstr(ev.action, "ssh_login_failed");
	print_message("auth: %.1fM classifications/s\n", iters / secs / 1e6);
}

/* ---- measurement over the loghub corpus (skipped when it is absent) ---- */

static char *
corpus_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("RONDA_CORPUS");
	const char *src = getenv("RONDA_SRC");

	if (dir != NULL)
		snprintf(buf, len, "%s/loghub/%s", dir, name);
	else
		snprintf(buf, len, "%s/../shared/corpus/loghub/%s", src ? src : ".", name);
	return buf;
}

/* The first IPv4 address in s, found by a plain token scan: the reference. */
static int
first_ipv4(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		unsigned char bin[4];
		char tok[64];

		while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.'))
			j++;
		if (j > i && j - i < sizeof(tok) && (i == 0 || s[i - 1] != '-')) {
			memcpy(tok, s + i, j - i);
			tok[j - i] = '\0';
			if (inet_pton(AF_INET, tok, bin) == 1 &&
			    (j >= n || (s[j] != '-' && s[j] != '.'))) {
				snprintf(out, outlen, "%s", tok);
				return 1;
			}
		}
		i = j > i ? j : i + 1;
	}
	return 0;
}

/* Field idx (0-based) of a CSV row with "..." quoting; into out. */
static int
csv_field(const char *row, int idx, char *out, size_t outlen)
{
	int f = 0, q = 0;
	size_t o = 0;

	for (const char *p = row; *p && *p != '\n' && *p != '\r'; p++) {
		if (q) {
			if (*p == '"' && p[1] == '"') {
				p++;
			} else if (*p == '"') {
				q = 0;
				continue;
			}
		} else if (*p == '"') {
			q = 1;
			continue;
		} else if (*p == ',') {
			if (f == idx)
				break;
			f++;
			continue;
		}
		if (f == idx && o + 1 < outlen)
			out[o++] = *p;
	}
	out[o] = '\0';
	return f == idx ? 0 : -1;
}

struct expect_row {
	const char *eid;
	const char *action;	/* NULL: must not be classified */
	int want_ip;		/* 1: source.ip must be the line's address */
};

static const struct expect_row openssh_expect[] = {
	{ "E1", "ssh_login_succeeded", 1 },
	{ "E2", "ssh_preauth_disconnect", 1 },
	{ "E3", "ssh_scan_banner", 1 },
	{ "E4", "ssh_max_auth_tries", 0 },
	{ "E5", "ssh_max_auth_tries", 0 },
	{ "E6", "ssh_preauth_disconnect", 1 },
	{ "E7", "ssh_preauth_disconnect", 1 },
	{ "E8", "ssh_login_failed", 1 },
	{ "E9", "ssh_login_failed", 1 },
	{ "E10", "ssh_login_failed", 1 },
	{ "E12", "ssh_invalid_user", 0 },
	{ "E13", "ssh_invalid_user", 1 },
	{ "E14", "ssh_login_failed", 1 },
	{ "E15", "pam_repeated_failures", 1 },
	{ "E16", "pam_repeated_failures", 1 },
	{ "E17", "pam_repeated_failures", 1 },
	{ "E19", "pam_auth_failed", 1 },
	{ "E20", "pam_auth_failed", 1 },
	{ "E21", NULL, 0 },
	{ "E22", NULL, 0 },
	{ "E23", NULL, 0 },
	{ "E24", "ssh_preauth_disconnect", 1 },
	{ "E25", "ssh_preauth_disconnect", 1 },
	{ "E26", NULL, 0 },	/* "disconnected by user" after login */
	{ "E27", "ssh_break_in_attempt", 1 },
};

/* Check one parsed line against its expectation; 1 when right. */
static int
check_line(const char *line, size_t n, const char *want_action, int want_ip,
    const char *tag)
{
	char ref[64];
	int has_ref;

	ronda_event_reset(&ev);
	if (ronda_parse_syslog(&ev, line, n, NULL, 1795000000000LL) != 0) {
		print_message("  %s: syslog parse failed: %.*s\n", tag, (int)n, line);
		return 0;
	}
	has_ref = first_ipv4(ev.message.p, ev.message.n, ref, sizeof(ref));
	if (ronda_auth_classify(dec, &ev) != (want_action != NULL)) {
		print_message("  %s: %s: %.*s\n", tag,
		    want_action ? "missed" : "wrongly classified", (int)n, line);
		return 0;
	}
	if (want_action == NULL)
		return 1;
	if (strcmp(ev.action, want_action) != 0) {
		print_message("  %s: %s instead of %s: %.*s\n", tag, ev.action,
		    want_action, (int)n, line);
		return 0;
	}
	if (want_ip && has_ref) {
		if (ev.source_ip.n != strlen(ref) ||
		    memcmp(ev.source_ip.p, ref, ev.source_ip.n) != 0) {
			print_message("  %s: source.ip \"%.*s\" instead of %s: %.*s\n",
			    tag, (int)ev.source_ip.n, ev.source_ip.p, ref, (int)n, line);
			return 0;
		}
	} else if (want_ip && ev.source_ip.n != 0) {
		/* rhost was a host name: no address may be invented. */
		print_message("  %s: invented source.ip: %.*s\n", tag, (int)n, line);
		return 0;
	}
	return 1;
}

static void
test_corpus_openssh(void **state)
{
	char path[4096], cpath[4096], line[8192], row[8192], eid[32];
	FILE *lf, *cf;
	int total = 0, checked = 0, right = 0, classified = 0, with_ip = 0;

	(void)state;
	corpus_path("OpenSSH_2k.log", path, sizeof(path));
	corpus_path("OpenSSH_2k.log_structured.csv", cpath, sizeof(cpath));
	if ((lf = fopen(path, "r")) == NULL || (cf = fopen(cpath, "r")) == NULL) {
		if (lf != NULL)
			fclose(lf);
		print_message("corpus not found (%s): skipped\n", path);
		skip();
		return;
	}
	assert_non_null(fgets(row, sizeof(row), cf));	/* header */
	while (fgets(line, sizeof(line), lf) != NULL) {
		size_t n = strcspn(line, "\n");
		const struct expect_row *e = NULL;

		assert_non_null(fgets(row, sizeof(row), cf));
		assert_int_equal(csv_field(row, 7, eid, sizeof(eid)), 0);
		total++;
		for (size_t i = 0; i < sizeof(openssh_expect) / sizeof(openssh_expect[0]); i++)
			if (strcmp(openssh_expect[i].eid, eid) == 0)
				e = &openssh_expect[i];
		if (e == NULL) {
			/* No expectation (e.g. "fatal: Write failed"): count only. */
			ronda_event_reset(&ev);
			if (ronda_parse_syslog(&ev, line, n, NULL, 1795000000000LL) == 0 &&
			    ronda_auth_classify(dec, &ev))
				classified++;
			continue;
		}
		checked++;
		if (check_line(line, n, e->action, e->want_ip, eid)) {
			right++;
			if (e->action != NULL) {
				classified++;
				if (ev.source_ip.n > 0)
					with_ip++;
			}
		}
	}
	fclose(lf);
	fclose(cf);
	print_message("OpenSSH_2k: %d lines, %d with an expectation, %d right; "
	    "%d classified, %d with source.ip\n", total, checked, right, classified, with_ip);
	assert_int_equal(total, 2000);
	assert_int_equal(right, checked);
}

static void
test_corpus_linux(void **state)
{
	char path[4096], line[8192];
	FILE *lf;
	int total = 0, checked = 0, right = 0, classified = 0, with_ip = 0;

	(void)state;
	corpus_path("Linux_2k.log", path, sizeof(path));
	if ((lf = fopen(path, "r")) == NULL) {
		print_message("corpus not found (%s): skipped\n", path);
		skip();
		return;
	}
	while (fgets(line, sizeof(line), lf) != NULL) {
		size_t n = strcspn(line, "\n");

		total++;
		/* Reference by plain text search: sshd's PAM failures must be found. */
		if (strstr(line, "sshd(pam_unix)[") != NULL &&
		    strstr(line, "]: authentication failure; ") != NULL) {
			checked++;
			if (check_line(line, n, "pam_auth_failed", 1, "linux")) {
				right++;
				if (ev.source_ip.n > 0)
					with_ip++;
			}
			continue;
		}
		ronda_event_reset(&ev);
		if (ronda_parse_syslog(&ev, line, n, NULL, 1795000000000LL) == 0 &&
		    ronda_auth_classify(dec, &ev)) {
			classified++;
			print_message("  linux: also %s: %.*s\n", ev.action, (int)n, line);
		}
	}
	fclose(lf);
	print_message("Linux_2k: %d lines, %d sshd PAM failures, %d right (%d with "
	    "source.ip, the rest name a host); %d other lines classified\n",
	    total, checked, right, with_ip, classified);
	assert_int_equal(right, checked);
	assert_true(checked > 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_failed),
		cmocka_unit_test(test_ssh_user_name_cannot_fake_the_source),
		cmocka_unit_test(test_ssh_invalid_user),
		cmocka_unit_test(test_ssh_accepted),
		cmocka_unit_test(test_ssh_disconnects),
		cmocka_unit_test(test_ssh_max_auth_tries),
		cmocka_unit_test(test_ssh_scanners),
		cmocka_unit_test(test_ssh_break_in),
		cmocka_unit_test(test_pam),
		cmocka_unit_test(test_sudo),
		cmocka_unit_test(test_su),
		cmocka_unit_test(test_ftp),
		cmocka_unit_test(test_dropbear),
		cmocka_unit_test(test_not_auth),
		cmocka_unit_test(test_through_syslog_parser),
		cmocka_unit_test(test_linear_time),
		cmocka_unit_test(test_throughput),
		cmocka_unit_test(test_corpus_openssh),
		cmocka_unit_test(test_corpus_linux),
	};
	int rc = cmocka_run_group_tests(tests, load_shipped, free_shipped);

	free(msgcopy);
	return rc;
}
